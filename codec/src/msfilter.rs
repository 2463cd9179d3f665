//! The variable-length source-filter structures: `struct ip_msfilter` (`IP_MSFILTER`, ip(7))
//! and the family-generic `struct group_filter` (`MCAST_MSFILTER`, RFC 3678), each a fixed head
//! followed by `numsrc` source addresses.
//!
//! [`IpMsfilter::parse`] and [`GroupFilter::parse`] apply the kernel's length rules before
//! anything is read past the head (`do_ip_setsockopt`'s `IP_MSFILTER` case and
//! `ip_set_mcast_msfilter` in net/ipv4/ip_sockglue.c, `ipv6_set_mcast_msfilter` in
//! net/ipv6/ipv6_sockglue.c): the buffer must hold the head (`IP_MSFILTER_SIZE(0)` = 16,
//! `GROUP_FILTER_SIZE(0)` = 144 bytes, else `EINVAL`), `numsrc` must not overflow the size
//! computation (`ENOBUFS`), and `SIZE(numsrc)` must not exceed the length given (`EINVAL`).
//! The source list is then exactly `numsrc` entries long, so walking it cannot overrun; bytes
//! after it are ignored, as the kernel ignores them.
//!
//! Limits that come from sysctls are not checked: `net.core.optmem_max` (a longer `optlen` is
//! `ENOBUFS`), `net.ipv4.igmp_max_msf` (default 10) and `net.ipv6.mld_max_msf` (default 64)
//! for `numsrc`.

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, SocketAddr};

use zerocopy::byteorder::{NativeEndian, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::addr::SockaddrRef;
use crate::group::fmt_ip;
use crate::{Error, InAddr, Result, SockaddrStorage};

/// `MCAST_EXCLUDE`: receive from every source but those listed.
pub const MCAST_EXCLUDE: u32 = 0;
/// `MCAST_INCLUDE`: receive only from the sources listed.
pub const MCAST_INCLUDE: u32 = 1;

/// A source filter's mode (`imsf_fmode`, `gf_fmode`). The kernel answers any other value with
/// `EINVAL` (`ip_mc_msfilter`, `ip6_mc_msfilter`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum FilterMode {
    /// `MCAST_INCLUDE`.
    Include,
    /// `MCAST_EXCLUDE`.
    Exclude,
}

impl FilterMode {
    /// The mode for a field value, or `None` for a value the kernel rejects.
    pub const fn from_value(value: u32) -> Option<Self> {
        match value {
            MCAST_INCLUDE => Some(FilterMode::Include),
            MCAST_EXCLUDE => Some(FilterMode::Exclude),
            _ => None,
        }
    }

    /// The field value.
    pub const fn value(self) -> u32 {
        match self {
            FilterMode::Include => MCAST_INCLUDE,
            FilterMode::Exclude => MCAST_EXCLUDE,
        }
    }
}

/// `include` or `exclude`.
impl fmt::Display for FilterMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FilterMode::Include => "include",
            FilterMode::Exclude => "exclude",
        })
    }
}

/// `IP_MSFILTER_SIZE(numsrc)`: bytes an `ip_msfilter` with `numsrc` sources occupies
/// (16 + 4 × numsrc), or `None` on overflow.
pub const fn ip_msfilter_size(numsrc: usize) -> Option<usize> {
    match numsrc.checked_mul(InAddr::LEN) {
        Some(n) => n.checked_add(IpMsfilterHead::LEN),
        None => None,
    }
}

/// `GROUP_FILTER_SIZE(numsrc)`: bytes a `group_filter` with `numsrc` sources occupies
/// (144 + 128 × numsrc on 64-bit Linux), or `None` on overflow.
pub const fn group_filter_size(numsrc: usize) -> Option<usize> {
    match numsrc.checked_mul(SockaddrStorage::LEN) {
        Some(n) => n.checked_add(GroupFilterHead::LEN),
        None => None,
    }
}

/// The fixed head of `struct ip_msfilter` (16 bytes): everything before `imsf_slist`.
#[derive(
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    Debug,
)]
#[repr(C)]
pub struct IpMsfilterHead {
    /// The group.
    pub imsf_multiaddr: InAddr,
    /// The address of the local interface, or `INADDR_ANY`.
    pub imsf_interface: InAddr,
    /// The filter mode ([`MCAST_INCLUDE`], [`MCAST_EXCLUDE`]).
    pub imsf_fmode: U32<NativeEndian>,
    /// The number of sources that follow.
    pub imsf_numsrc: U32<NativeEndian>,
}

impl IpMsfilterHead {
    /// `IP_MSFILTER_SIZE(0)`: 16 bytes.
    pub const LEN: usize = core::mem::size_of::<IpMsfilterHead>();
}

/// `struct ip_msfilter` with its source list, checked against the length as the kernel
/// checks it ([`IpMsfilter::parse`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct IpMsfilter<'a> {
    /// The fixed fields.
    pub head: &'a IpMsfilterHead,
    /// Exactly `imsf_numsrc` sources.
    pub sources: &'a [InAddr],
}

/// `imsf_numsrc` values from this one on overflow `IP_MSFILTER_SIZE` in 32 bits; the kernel
/// answers `ENOBUFS` ("numsrc >= (1G-4) overflow in 32 bits").
const IP_MSFILTER_NUMSRC_LIMIT: u32 = 0x3fff_fffc;
/// The same limit for `gf_numsrc` ("numsrc >= (4G-140)/128 overflow in 32 bits").
const GROUP_FILTER_NUMSRC_LIMIT: u32 = 0x01ff_ffff;

impl<'a> IpMsfilter<'a> {
    /// Views an `ip_msfilter` of `bytes.len()` bytes (the `optlen`), with the kernel's checks:
    /// fewer than 16 bytes or `IP_MSFILTER_SIZE(imsf_numsrc) > optlen` is
    /// [`Error::BadLength`] (`EINVAL`), an `imsf_numsrc` that overflows the size is
    /// [`Error::Invalid`] (`ENOBUFS`).
    ///
    /// ```
    /// use core::net::Ipv4Addr;
    /// use sockabi::msfilter::{FilterMode, IpMsfilter};
    ///
    /// let sources = [Ipv4Addr::new(198, 51, 100, 1), Ipv4Addr::new(198, 51, 100, 2)];
    /// let mut buf = [0u8; 32];
    /// let n = IpMsfilter::emit(
    ///     Ipv4Addr::new(232, 1, 1, 1), Ipv4Addr::UNSPECIFIED, FilterMode::Include, &sources, &mut buf,
    /// )?;
    /// assert_eq!(n, 24); // IP_MSFILTER_SIZE(2)
    /// let f = IpMsfilter::parse(&buf[..n])?;
    /// assert_eq!(f.sources().collect::<Vec<_>>(), sources);
    /// assert!(IpMsfilter::parse(&buf[..n - 1]).is_err()); // numsrc says 2, only 1.75 given
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let (head, sources) = parse_list::<IpMsfilterHead, InAddr>(
            bytes,
            |h| h.imsf_numsrc.get(),
            IP_MSFILTER_NUMSRC_LIMIT,
            [
                "ip_msfilter",
                "imsf_numsrc overflows IP_MSFILTER_SIZE (ENOBUFS)",
                "ip_msfilter: IP_MSFILTER_SIZE(imsf_numsrc) exceeds optlen",
            ],
        )?;
        Ok(IpMsfilter { head, sources })
    }

    /// The group (`imsf_multiaddr`).
    pub fn group(&self) -> Ipv4Addr {
        self.head.imsf_multiaddr.ip()
    }

    /// The interface address (`imsf_interface`).
    pub fn interface(&self) -> Ipv4Addr {
        self.head.imsf_interface.ip()
    }

    /// The filter mode, if the kernel accepts the value.
    pub fn mode(&self) -> Option<FilterMode> {
        FilterMode::from_value(self.head.imsf_fmode.get())
    }

    /// The sources, in order.
    pub fn sources(&self) -> impl ExactSizeIterator<Item = Ipv4Addr> + 'a {
        self.sources.iter().map(InAddr::ip)
    }

    /// Bytes this filter occupies: `IP_MSFILTER_SIZE(numsrc)`.
    pub fn byte_len(&self) -> usize {
        IpMsfilterHead::LEN + self.sources.len() * InAddr::LEN
    }

    /// Writes an `ip_msfilter` with these fields and sources to the start of `buf`; returns
    /// `IP_MSFILTER_SIZE(sources.len())`.
    pub fn emit(
        group: Ipv4Addr,
        interface: Ipv4Addr,
        mode: FilterMode,
        sources: &[Ipv4Addr],
        buf: &mut [u8],
    ) -> Result<usize> {
        let what = "ip_msfilter";
        let numsrc = u32::try_from(sources.len())
            .ok()
            .filter(|&n| n < IP_MSFILTER_NUMSRC_LIMIT)
            .ok_or(Error::Invalid {
                what,
                reason: "too many sources",
            })?;
        let head = IpMsfilterHead {
            imsf_multiaddr: group.into(),
            imsf_interface: interface.into(),
            imsf_fmode: U32::new(mode.value()),
            imsf_numsrc: U32::new(numsrc),
        };
        emit_list(
            head.as_bytes(),
            sources.iter().map(|s| InAddr::from(*s)),
            buf,
            what,
        )
    }

    /// As [`IpMsfilter::emit`], from this view.
    pub fn emit_to(&self, buf: &mut [u8]) -> Result<usize> {
        let head = *self.head;
        emit_list(
            head.as_bytes(),
            self.sources.iter().copied(),
            buf,
            "ip_msfilter",
        )
    }
}

/// `group=G interface=A mode=include sources=[S, ...]`.
impl fmt::Display for IpMsfilter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "group={} interface={} ", self.group(), self.interface())?;
        fmt_mode(f, self.head.imsf_fmode.get())?;
        fmt_list(f, self.sources())
    }
}

/// The fixed head of `struct group_filter` (144 bytes on 64-bit Linux): everything before
/// `gf_slist`.
#[derive(
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    Debug,
)]
#[repr(C)]
pub struct GroupFilterHead {
    /// The interface index (`uint32_t`), 0 for any.
    pub gf_interface: U32<NativeEndian>,
    /// The padding C inserts before the 8-byte aligned `sockaddr_storage`; ignored.
    pub gf_pad: [u8; 4],
    /// The group.
    pub gf_group: SockaddrStorage,
    /// The filter mode ([`MCAST_INCLUDE`], [`MCAST_EXCLUDE`]).
    pub gf_fmode: U32<NativeEndian>,
    /// The number of sources that follow.
    pub gf_numsrc: U32<NativeEndian>,
}

impl GroupFilterHead {
    /// `GROUP_FILTER_SIZE(0)`: 144 bytes.
    pub const LEN: usize = core::mem::size_of::<GroupFilterHead>();
}

/// `struct group_filter` with its source list, checked against the length as the kernel
/// checks it ([`GroupFilter::parse`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct GroupFilter<'a> {
    /// The fixed fields.
    pub head: &'a GroupFilterHead,
    /// Exactly `gf_numsrc` sources.
    pub sources: &'a [SockaddrStorage],
}

impl<'a> GroupFilter<'a> {
    /// Views a `group_filter` of `bytes.len()` bytes (the `optlen`), with the kernel's checks:
    /// fewer than 144 bytes or `GROUP_FILTER_SIZE(gf_numsrc) > optlen` is
    /// [`Error::BadLength`] (`EINVAL`), a `gf_numsrc` that overflows the size is
    /// [`Error::Invalid`] (`ENOBUFS`). The families of the group and sources are not checked
    /// here (see [`crate::sockopt::decode`] for what each level requires).
    ///
    /// ```
    /// use core::net::{IpAddr, SocketAddr};
    /// use sockabi::msfilter::{group_filter_size, FilterMode, GroupFilter};
    ///
    /// let group: SocketAddr = "[ff05::1:3]:0".parse().unwrap();
    /// let sources: [IpAddr; 1] = ["2001:db8::5".parse().unwrap()];
    /// let mut buf = vec![0u8; group_filter_size(1).unwrap()];
    /// let n = GroupFilter::emit(2, group, FilterMode::Exclude, &sources, &mut buf)?;
    /// let f = GroupFilter::parse(&buf[..n])?;
    /// assert_eq!(f.to_string(), "group=ff05::1:3 ifindex=2 mode=exclude sources=[2001:db8::5]");
    /// assert!(GroupFilter::parse(&buf[..n - 1]).is_err());
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let (head, sources) = parse_list::<GroupFilterHead, SockaddrStorage>(
            bytes,
            |h| h.gf_numsrc.get(),
            GROUP_FILTER_NUMSRC_LIMIT,
            [
                "group_filter",
                "gf_numsrc overflows GROUP_FILTER_SIZE (ENOBUFS)",
                "group_filter: GROUP_FILTER_SIZE(gf_numsrc) exceeds optlen",
            ],
        )?;
        Ok(GroupFilter { head, sources })
    }

    /// The interface index (`gf_interface`).
    pub fn interface(&self) -> u32 {
        self.head.gf_interface.get()
    }

    /// The group, by family.
    pub fn group(&self) -> SockaddrRef<'a> {
        self.head.gf_group.addr()
    }

    /// The filter mode, if the kernel accepts the value.
    pub fn mode(&self) -> Option<FilterMode> {
        FilterMode::from_value(self.head.gf_fmode.get())
    }

    /// The sources by family, in order.
    pub fn sources(&self) -> impl ExactSizeIterator<Item = SockaddrRef<'a>> + 'a {
        self.sources.iter().map(SockaddrStorage::addr)
    }

    /// Bytes this filter occupies: `GROUP_FILTER_SIZE(numsrc)`.
    pub fn byte_len(&self) -> usize {
        GroupFilterHead::LEN + self.sources.len() * SockaddrStorage::LEN
    }

    /// Writes a `group_filter` for `group` on interface `ifindex` with these sources (port 0)
    /// to the start of `buf`; returns `GROUP_FILTER_SIZE(sources.len())`.
    pub fn emit(
        ifindex: u32,
        group: SocketAddr,
        mode: FilterMode,
        sources: &[IpAddr],
        buf: &mut [u8],
    ) -> Result<usize> {
        let what = "group_filter";
        let numsrc = u32::try_from(sources.len())
            .ok()
            .filter(|&n| n < GROUP_FILTER_NUMSRC_LIMIT)
            .ok_or(Error::Invalid {
                what,
                reason: "too many sources",
            })?;
        let head = GroupFilterHead {
            gf_interface: U32::new(ifindex),
            gf_pad: [0; 4],
            gf_group: group.into(),
            gf_fmode: U32::new(mode.value()),
            gf_numsrc: U32::new(numsrc),
        };
        let list = sources
            .iter()
            .map(|ip| SockaddrStorage::new(SocketAddr::new(*ip, 0)));
        emit_list(head.as_bytes(), list, buf, what)
    }

    /// Writes this filter, head and sources as they are, to the start of `buf`.
    pub fn emit_to(&self, buf: &mut [u8]) -> Result<usize> {
        let head = *self.head;
        emit_list(
            head.as_bytes(),
            self.sources.iter().copied(),
            buf,
            "group_filter",
        )
    }
}

/// `group=G ifindex=N mode=include sources=[S, ...]`.
impl fmt::Display for GroupFilter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "group=")?;
        fmt_ip(f, self.group())?;
        write!(f, " ifindex={} ", self.interface())?;
        fmt_mode(f, self.head.gf_fmode.get())?;
        fmt_list(f, self.sources().map(Addr))
    }
}

/// The kernel's three checks on a head of type `H` followed by `numsrc` items of type `T`: the
/// head must fit (`EINVAL`), `numsrc` must be below `limit` (`ENOBUFS`), the items must fit
/// (`EINVAL`). `messages`: the structure, the overflow reason, the short-list structure.
fn parse_list<'a, H, T>(
    bytes: &'a [u8],
    numsrc: impl Fn(&H) -> u32,
    limit: u32,
    [what, overflow, short]: [&'static str; 3],
) -> Result<(&'a H, &'a [T])>
where
    H: FromBytes + KnownLayout + Immutable + Unaligned,
    T: FromBytes + Immutable + Unaligned,
{
    let len = bytes.len();
    let (head, rest) = H::ref_from_prefix(bytes).map_err(|_| Error::BadLength { what, len })?;
    let n = numsrc(head);
    if n >= limit {
        return Err(Error::Invalid {
            what,
            reason: overflow,
        });
    }
    let (items, _) = <[T]>::ref_from_prefix_with_elems(rest, n as usize)
        .map_err(|_| Error::BadLength { what: short, len })?;
    Ok((head, items))
}

/// A source displayed as [`fmt_ip`] does.
struct Addr<'a>(SockaddrRef<'a>);

impl fmt::Display for Addr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_ip(f, self.0)
    }
}

fn fmt_mode(f: &mut fmt::Formatter<'_>, value: u32) -> fmt::Result {
    match FilterMode::from_value(value) {
        Some(mode) => write!(f, "mode={mode}"),
        None => write!(f, "mode={value}"),
    }
}

fn fmt_list<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    items: impl Iterator<Item = T>,
) -> fmt::Result {
    f.write_str(" sources=[")?;
    for (i, item) in items.enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    f.write_str("]")
}

/// Writes `head` then each item of `list`, all or nothing; returns the bytes written.
fn emit_list<T: IntoBytes + Immutable>(
    head: &[u8],
    list: impl ExactSizeIterator<Item = T>,
    buf: &mut [u8],
    what: &'static str,
) -> Result<usize> {
    let item_len = core::mem::size_of::<T>();
    let got = buf.len();
    let needed = list
        .len()
        .checked_mul(item_len)
        .and_then(|n| n.checked_add(head.len()))
        .unwrap_or(usize::MAX);
    let out = buf
        .get_mut(..needed)
        .ok_or(Error::BufferTooSmall { what, needed, got })?;
    let too_small = Error::BufferTooSmall { what, needed, got };
    let (out_head, mut rest) = out.split_at_mut_checked(head.len()).ok_or(too_small)?;
    out_head.copy_from_slice(head);
    for item in list {
        let (slot, tail) = core::mem::take(&mut rest)
            .split_at_mut_checked(item_len)
            .ok_or(too_small)?;
        slot.copy_from_slice(item.as_bytes());
        rest = tail;
    }
    Ok(needed)
}
