//! The sockaddrs a BSD routing message carries: 4.4BSD `sockaddr_in`, `sockaddr_in6` and
//! `sockaddr_dl` (each starting with a one-byte `sa_len`), netmasks cut short, and the quirks
//! real kernels write: masks whose family byte is no family, empty sockaddrs, `sockaddr_dl`
//! lengths of 0xff, and KAME's interface index embedded in scoped IPv6 addresses.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use zerocopy::byteorder::{NativeEndian, NetworkEndian, U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::{Os, RtaBit, AF_INET, AF_LINK, AF_UNSPEC};
use crate::addr::{view_prefix, InAddr};
use crate::{Error, Result};

/// The BSD `struct sockaddr_in` (16 bytes): like Linux's, but the 16-bit family is split into
/// `sin_len` and an 8-bit `sin_family`.
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug, PartialEq, Eq, Hash,
)]
#[repr(C)]
pub struct BsdSockaddrIn {
    /// Length of the sockaddr, 16.
    pub sin_len: u8,
    /// Address family, [`AF_INET`].
    pub sin_family: u8,
    /// Port, network byte order.
    pub sin_port: U16<NetworkEndian>,
    /// The IPv4 address.
    pub sin_addr: InAddr,
    /// Zero.
    pub sin_zero: [u8; 8],
}

impl BsdSockaddrIn {
    /// `sizeof(struct sockaddr_in)`.
    pub const LEN: usize = 16;

    /// An `AF_INET` sockaddr with port 0, as routing messages use them.
    #[inline]
    pub fn new(ip: Ipv4Addr) -> Self {
        BsdSockaddrIn {
            sin_len: Self::LEN as u8,
            sin_family: AF_INET,
            sin_port: U16::ZERO,
            sin_addr: InAddr::from(ip),
            sin_zero: [0; 8],
        }
    }

    /// Views a `sockaddr_in` at the start of `bytes`, whatever its family.
    #[inline]
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "sockaddr_in (BSD)")
    }

    /// The address.
    #[inline]
    pub fn ip(&self) -> Ipv4Addr {
        self.sin_addr.ip()
    }
}

/// The BSD `struct sockaddr_in6` (28 bytes), the same on all four systems except for the value
/// of `AF_INET6` ([`Os::af_inet6`]).
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug, PartialEq, Eq, Hash,
)]
#[repr(C)]
pub struct BsdSockaddrIn6 {
    /// Length of the sockaddr, 28.
    pub sin6_len: u8,
    /// Address family, `AF_INET6` of the system.
    pub sin6_family: u8,
    /// Port, network byte order.
    pub sin6_port: U16<NetworkEndian>,
    /// Flow information, network byte order.
    pub sin6_flowinfo: U32<NetworkEndian>,
    /// The IPv6 address.
    pub sin6_addr: [u8; 16],
    /// Scope (interface) of a link-local address, host byte order.
    pub sin6_scope_id: U32<NativeEndian>,
}

impl BsdSockaddrIn6 {
    /// `sizeof(struct sockaddr_in6)`.
    pub const LEN: usize = 28;

    /// An `AF_INET6` sockaddr for `os` with port, flow and scope 0.
    #[inline]
    pub fn new(os: Os, ip: Ipv6Addr) -> Self {
        BsdSockaddrIn6 {
            sin6_len: Self::LEN as u8,
            sin6_family: os.af_inet6(),
            sin6_port: U16::ZERO,
            sin6_flowinfo: U32::ZERO,
            sin6_addr: ip.octets(),
            sin6_scope_id: U32::ZERO,
        }
    }

    /// Views a `sockaddr_in6` at the start of `bytes`, whatever its family.
    #[inline]
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "sockaddr_in6 (BSD)")
    }

    /// The address as the bytes carry it, an embedded scope included (see
    /// [`BsdSockaddrIn6::unscoped_ip`] for the address a kernel means).
    #[inline]
    pub fn ip(&self) -> Ipv6Addr {
        Ipv6Addr::from(self.sin6_addr)
    }

    /// The interface index that KAME-derived stacks embed in bytes 2-3 of a scoped address.
    ///
    /// Inside the kernel, NetBSD, OpenBSD and Darwin (and FreeBSD unless it "de-embeds") keep
    /// the zone of a link-local unicast address (`fe80::/10`) or of an interface- or link-local
    /// multicast address (`ffx1::/16`, `ffx2::/16`) in the second 16-bit word of the address
    /// itself, big-endian, and routing messages copy the address out as it is: `fe80:5::2` means
    /// `fe80::2%5` (KAME `in6_embedscope`; FreeBSD `sys/netinet6/scope6.c:sa6_recoverscope`
    /// undoes it). `None` when the address is not scoped or the word is 0.
    ///
    /// ```
    /// use sockabi::route::{BsdSockaddrIn6, Os};
    /// let sin6 = BsdSockaddrIn6::new(Os::NetBsd, "fe80:5::2".parse().unwrap());
    /// assert_eq!(sin6.embedded_scope(), Some(5));
    /// assert_eq!(sin6.unscoped_ip(), "fe80::2".parse::<core::net::Ipv6Addr>().unwrap());
    /// assert_eq!(sin6.scope_id(), 5);
    /// ```
    #[inline]
    pub fn embedded_scope(&self) -> Option<u16> {
        let a = &self.sin6_addr;
        let link_local = a[0] == 0xfe && a[1] & 0xc0 == 0x80;
        let scoped_multicast = a[0] == 0xff && matches!(a[1] & 0x0f, 0x1 | 0x2);
        let index = u16::from_be_bytes([a[2], a[3]]);
        ((link_local || scoped_multicast) && index != 0).then_some(index)
    }

    /// The address without an embedded scope ([`BsdSockaddrIn6::embedded_scope`]): bytes 2-3
    /// cleared when they hold one, the address unchanged otherwise.
    #[inline]
    pub fn unscoped_ip(&self) -> Ipv6Addr {
        let mut octets = self.sin6_addr;
        if self.embedded_scope().is_some() {
            octets[2] = 0;
            octets[3] = 0;
        }
        Ipv6Addr::from(octets)
    }

    /// The address's zone: the embedded index when there is one (the kernel's own copy, which
    /// routing messages from NetBSD, OpenBSD and Darwin carry), else `sin6_scope_id`; 0 for
    /// none.
    #[inline]
    pub fn scope_id(&self) -> u32 {
        self.embedded_scope()
            .map_or(self.sin6_scope_id.get(), u32::from)
    }
}

/// The fixed first 8 bytes of `struct sockaddr_dl`, a link-level (interface) address. In a
/// message `sdl_data` follows, `sdl_len - 8` bytes: the interface name (`sdl_nlen` bytes, no
/// NUL), then the link-layer address (`sdl_alen`), then a selector (`sdl_slen`). The array is
/// declared with 46 bytes on FreeBSD, 12 on Darwin and 24 on OpenBSD and NetBSD, but a message
/// carries whatever `sdl_len` says; [`LinkAddr`] views header and data together.
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug, PartialEq, Eq, Hash,
)]
#[repr(C)]
pub struct SockaddrDl {
    /// Total length of the sockaddr, `sdl_data` included.
    pub sdl_len: u8,
    /// Address family, [`AF_LINK`].
    pub sdl_family: u8,
    /// Interface index, 0 if unknown.
    pub sdl_index: U16<NativeEndian>,
    /// Interface type (`IFT_ETHER`, `IFT_LOOP`, ...).
    pub sdl_type: u8,
    /// Length of the interface name at the start of `sdl_data`.
    pub sdl_nlen: u8,
    /// Length of the link-layer address after the name.
    pub sdl_alen: u8,
    /// Length of the link-layer selector after the address.
    pub sdl_slen: u8,
}

impl SockaddrDl {
    /// Size of the fixed part (`offsetof(struct sockaddr_dl, sdl_data)`).
    pub const HEADER_LEN: usize = 8;

    /// `sdl_nlen` as a length: 0xff ("don't care", all bits one) counts as 0.
    #[inline]
    pub fn nlen(&self) -> usize {
        dl_len(self.sdl_nlen)
    }

    /// `sdl_alen` as a length: 0xff counts as 0.
    #[inline]
    pub fn alen(&self) -> usize {
        dl_len(self.sdl_alen)
    }

    /// `sdl_slen` as a length: 0xff counts as 0.
    #[inline]
    pub fn slen(&self) -> usize {
        dl_len(self.sdl_slen)
    }
}

/// A `sockaddr_dl` length field as a length. Some kernels fill the length fields of a
/// `sockaddr_dl` they do not care about with all-bit-one bytes; golang.org/x/net/route
/// (`route/address.go`, `parseKernelLinkAddr`: "on some platforms, all-bit-one of length field
/// means don't care") reads them as 0, and so does this, rather than refusing the message.
const fn dl_len(field: u8) -> usize {
    if field == 0xff {
        0
    } else {
        field as usize
    }
}

/// A `sockaddr_dl` as found in a message: the fixed part and its `sdl_data`, with the name and
/// the link-layer address checked to lie within `sdl_len`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkAddr<'a> {
    header: &'a SockaddrDl,
    data: &'a [u8],
}

impl<'a> LinkAddr<'a> {
    /// Views a `sockaddr_dl` occupying exactly `bytes` (its `sa_len` bytes).
    ///
    /// ```
    /// use sockabi::route::LinkAddr;
    /// // Darwin's en0: index 4, IFT_ETHER (6), name "en0", a 6-byte MAC.
    /// let bytes = [20, 18, 4, 0, 6, 3, 6, 0, b'e', b'n', b'0', 2, 0, 0, 0, 0, 1, 0, 0, 0];
    /// let link = LinkAddr::parse(&bytes)?;
    /// assert_eq!(link.index(), 4);
    /// assert_eq!(link.name_str(), Some("en0"));
    /// assert_eq!(link.lladdr(), &[2, 0, 0, 0, 0, 1]);
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    #[inline]
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let (header, data) = SockaddrDl::ref_from_prefix(bytes)
            .map_err(|_| Error::truncated("sockaddr_dl", SockaddrDl::HEADER_LEN, bytes.len()))?;
        let used = header.nlen() + header.alen() + header.slen();
        if used > data.len() {
            return Err(Error::BadHeaderLength {
                what: "sockaddr_dl: sdl_nlen + sdl_alen + sdl_slen",
                len: SockaddrDl::HEADER_LEN + used,
                available: bytes.len(),
            });
        }
        Ok(LinkAddr { header, data })
    }

    /// The fixed part, for `sdl_type` and the raw lengths.
    #[inline]
    pub fn header(&self) -> &'a SockaddrDl {
        self.header
    }

    /// `sdl_index`: the interface index (0 when the sockaddr only names a family, as in a
    /// request).
    #[inline]
    pub fn index(&self) -> u16 {
        self.header.sdl_index.get()
    }

    /// `sdl_type`: the interface type (`IFT_*`).
    #[inline]
    pub fn sdl_type(&self) -> u8 {
        self.header.sdl_type
    }

    /// All of `sdl_data` the sockaddr carries.
    #[inline]
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// The interface name (`sdl_nlen` bytes, not NUL-terminated; none for `sdl_nlen` 0xff).
    #[inline]
    pub fn name(&self) -> &'a [u8] {
        self.data.get(..self.header.nlen()).unwrap_or_default()
    }

    /// The interface name as text, if it is UTF-8.
    #[inline]
    pub fn name_str(&self) -> Option<&'a str> {
        core::str::from_utf8(self.name()).ok()
    }

    /// The link-layer address (`LLADDR()`: `sdl_alen` bytes after the name), e.g. a MAC.
    #[inline]
    pub fn lladdr(&self) -> &'a [u8] {
        let start = self.header.nlen();
        let end = start + self.header.alen();
        self.data.get(start..end).unwrap_or_default()
    }

    /// The link-layer selector (`sdl_slen` bytes after the address), usually empty.
    #[inline]
    pub fn selector(&self) -> &'a [u8] {
        let start = self.header.nlen() + self.header.alen();
        let end = start + self.header.slen();
        self.data.get(start..end).unwrap_or_default()
    }
}

/// The IP family a routing message is about, which decides how its masks and its empty
/// sockaddrs read ([`Addrs::family`](super::Addrs::family) finds it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IpFamily {
    /// `AF_INET`.
    V4,
    /// `AF_INET6` (28, 30 or 24, [`Os::af_inet6`]).
    V6,
}

impl IpFamily {
    /// The family an `sa_family` byte names on `os`, if it is `AF_INET` or `AF_INET6`.
    ///
    /// ```
    /// use sockabi::route::{IpFamily, Os};
    /// assert_eq!(IpFamily::from_sa_family(Os::Darwin, 30), Some(IpFamily::V6));
    /// assert_eq!(IpFamily::from_sa_family(Os::FreeBsd, 30), None); // AF_INET6 is 28 there
    /// ```
    #[inline]
    pub const fn from_sa_family(os: Os, sa_family: u8) -> Option<Self> {
        if sa_family == AF_INET {
            Some(IpFamily::V4)
        } else if sa_family == os.af_inet6() {
            Some(IpFamily::V6)
        } else {
            None
        }
    }

    /// The unspecified address of the family (`0.0.0.0` or `::`).
    #[inline]
    pub const fn unspecified(self) -> IpAddr {
        match self {
            IpFamily::V4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            IpFamily::V6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        }
    }
}

/// One address of a routing message, decoded by family and slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sockaddr<'a> {
    /// An `AF_INET` `sockaddr_in` (16 bytes or more).
    Inet(&'a BsdSockaddrIn),
    /// An `AF_INET6` `sockaddr_in6` (28 bytes or more). [`Sockaddr::ip`] gives the address
    /// without KAME's embedded scope, [`Sockaddr::scope_id`] the scope.
    Inet6(&'a BsdSockaddrIn6),
    /// An `AF_LINK` `sockaddr_dl`: the interface, in `RTA_IFP`.
    Link(LinkAddr<'a>),
    /// An IPv4 netmask from a mask slot (`RTA_NETMASK`, `RTA_GENMASK`, OpenBSD's
    /// `RTA_SRCMASK`). Kernels cut masks after their last non-zero byte (`sa_len` 6 for
    /// 255.255.0.0, 0 for 0.0.0.0; the missing bytes are zero), and the bytes before the mask
    /// (`sa_family` included) may be anything: 0, `AF_INET`, or 0xff from `rn_addmask()`.
    Netmask(Ipv4Addr),
    /// An IPv6 netmask from a mask slot, read the same way from offset 8.
    Netmask6(Ipv6Addr),
    /// An empty sockaddr (`sa_len` 0) in a slot that holds an IP address (`RTA_DST`,
    /// `RTA_GATEWAY`, `RTA_IFA`, `RTA_AUTHOR`, `RTA_BRD`, OpenBSD's `RTA_SRC`), in a message
    /// whose family is known: the unspecified address of that family. Darwin writes them ("the kernel can produce
    /// addresses of length 0", golang/go#70528), and xnu itself reads an empty sockaddr as an
    /// all-zero one (`bsd/net/rtsock.c:rt_xaddrs` points it at `sa_zero`).
    Unspecified(IpAddr),
    /// Any other family, or an empty (`sa_len` 0) sockaddr in a message of no known family or
    /// in a slot that holds no IP address (`RTA_IFP`, OpenBSD's `RTA_LABEL`, ...).
    Unknown {
        /// `sa_family` (0 when the sockaddr is shorter than 2 bytes).
        family: u8,
        /// The sockaddr's `sa_len` bytes, `sa_len` and `sa_family` included.
        bytes: &'a [u8],
    },
}

impl<'a> Sockaddr<'a> {
    /// Decodes the sockaddr `bytes` (exactly its `sa_len` bytes) found in slot `bit` of a
    /// message from `os`, knowing nothing of the rest of the message.
    ///
    /// Without the message's family a mask is read by its own family byte: `AF_INET` or
    /// `AF_INET6` as such, no family (`AF_UNSPEC`, or `sa_len` under 2) as IPv4, as 4.4BSD
    /// did, anything else as [`Sockaddr::Unknown`]. [`Addrs`](super::Addrs) knows the family
    /// and uses [`Sockaddr::decode_with_family`]; prefer it.
    ///
    /// ```
    /// use core::net::Ipv4Addr;
    /// use sockabi::route::{Os, RtaBit, Sockaddr};
    /// // Darwin's 255.255.0.0: sa_len 6, family 0, two bytes of mask.
    /// let mask = Sockaddr::decode(Os::Darwin, RtaBit::NETMASK, &[6, 0, 0, 0, 255, 255])?;
    /// assert_eq!(mask, Sockaddr::Netmask(Ipv4Addr::new(255, 255, 0, 0)));
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    #[inline]
    pub fn decode(os: Os, bit: RtaBit, bytes: &'a [u8]) -> Result<Self> {
        Self::decode_with_family(os, bit, bytes, None)
    }

    /// Decodes the sockaddr `bytes` of slot `bit` in a message about `family` (the family of
    /// its destination, see [`Addrs::family`](super::Addrs::family)).
    ///
    /// - In a mask slot ([`RtaBit::is_mask`]) the mask is read as a mask of `family`, whatever
    ///   its own `sa_family` byte says: xnu explains that the bytes before a mask "may be
    ///   filled with all-ones by rn_addmask(), and hence we cannot rely on sa_family", and uses
    ///   the family of `RTAX_DST` (or `RTAX_IFA`) itself (`bsd/net/route.c:rtm_scrub`); NetBSD
    ///   writes `127.0.0.0/8`'s mask as `[5, 0xff, 0xff, 0xff, 0xff]`. With `family` `None`
    ///   this is [`Sockaddr::decode`].
    /// - In the slots that hold IP addresses an empty sockaddr is [`Sockaddr::Unspecified`] of
    ///   `family` (xnu reads an empty sockaddr as an all-zero one too: `rt_xaddrs` in
    ///   `bsd/net/rtsock.c`); every other sockaddr reads by its own family as in
    ///   [`Sockaddr::decode`].
    ///
    /// ```
    /// use core::net::{Ipv4Addr, Ipv6Addr};
    /// use sockabi::route::{IpFamily, Os, RtaBit, Sockaddr};
    /// // NetBSD's 127.0.0.0/8: the mask's family byte is 0xff.
    /// let mask = [5, 0xff, 0xff, 0xff, 0xff];
    /// let v4 = Sockaddr::decode_with_family(Os::NetBsd, RtaBit::NETMASK, &mask, Some(IpFamily::V4))?;
    /// assert_eq!(v4, Sockaddr::Netmask(Ipv4Addr::new(255, 0, 0, 0)));
    /// // An IPv6 default route's mask has sa_len 0.
    /// let v6 = Sockaddr::decode_with_family(Os::Darwin, RtaBit::NETMASK, &[], Some(IpFamily::V6))?;
    /// assert_eq!(v6, Sockaddr::Netmask6(Ipv6Addr::UNSPECIFIED));
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    #[inline]
    pub fn decode_with_family(
        os: Os,
        bit: RtaBit,
        bytes: &'a [u8],
        family: Option<IpFamily>,
    ) -> Result<Self> {
        let sa_family = bytes.get(1).copied().unwrap_or(AF_UNSPEC);
        if bit.is_mask(os) {
            let own = match IpFamily::from_sa_family(os, sa_family) {
                None if sa_family == AF_UNSPEC => Some(IpFamily::V4),
                own => own,
            };
            match family.or(own) {
                Some(IpFamily::V4) => {
                    return Ok(Sockaddr::Netmask(Ipv4Addr::from(mask_bytes::<4>(bytes, 4))))
                }
                Some(IpFamily::V6) => {
                    return Ok(Sockaddr::Netmask6(Ipv6Addr::from(mask_bytes::<16>(
                        bytes, 8,
                    ))))
                }
                None => {}
            }
        }
        if bytes.is_empty() && holds_ip(os, bit) {
            if let Some(family) = family {
                return Ok(Sockaddr::Unspecified(family.unspecified()));
            }
        }
        if bytes.len() < 2 {
            return Ok(Sockaddr::Unknown {
                family: sa_family,
                bytes,
            });
        }
        match sa_family {
            AF_INET => BsdSockaddrIn::ref_from_prefix(bytes).map(Sockaddr::Inet),
            AF_LINK => LinkAddr::parse(bytes).map(Sockaddr::Link),
            f if f == os.af_inet6() => BsdSockaddrIn6::ref_from_prefix(bytes).map(Sockaddr::Inet6),
            _ => Ok(Sockaddr::Unknown {
                family: sa_family,
                bytes,
            }),
        }
    }

    /// The IP address of an `Inet`/`Inet6` sockaddr (an IPv6 one without its embedded scope),
    /// a netmask, or an empty sockaddr read as unspecified.
    #[inline]
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Sockaddr::Inet(sin) => Some(IpAddr::V4(sin.ip())),
            Sockaddr::Inet6(sin6) => Some(IpAddr::V6(sin6.unscoped_ip())),
            Sockaddr::Netmask(mask) => Some(IpAddr::V4(*mask)),
            Sockaddr::Netmask6(mask) => Some(IpAddr::V6(*mask)),
            Sockaddr::Unspecified(ip) => Some(*ip),
            Sockaddr::Link(_) | Sockaddr::Unknown { .. } => None,
        }
    }

    /// The zone of an `Inet6` sockaddr ([`BsdSockaddrIn6::scope_id`]): `None` for 0 and for
    /// every other kind.
    ///
    /// ```
    /// use sockabi::route::{BsdSockaddrIn6, Os, RtaBit, Sockaddr};
    /// use zerocopy::IntoBytes;
    /// let sin6 = BsdSockaddrIn6::new(Os::OpenBsd, "fe80:3::1".parse().unwrap());
    /// let gateway = Sockaddr::decode(Os::OpenBsd, RtaBit::GATEWAY, sin6.as_bytes())?;
    /// assert_eq!(gateway.ip(), Some("fe80::1".parse().unwrap()));
    /// assert_eq!(gateway.scope_id(), Some(3));
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    #[inline]
    pub fn scope_id(&self) -> Option<u32> {
        match self {
            Sockaddr::Inet6(sin6) => Some(sin6.scope_id()).filter(|&id| id != 0),
            _ => None,
        }
    }

    /// The `sockaddr_dl` of an `AF_LINK` sockaddr.
    #[inline]
    pub fn link(&self) -> Option<LinkAddr<'a>> {
        match self {
            Sockaddr::Link(link) => Some(*link),
            _ => None,
        }
    }
}

/// Whether slot `bit` holds an IP address on `os`: `RTA_DST`, `RTA_GATEWAY`, `RTA_IFA`,
/// `RTA_AUTHOR`, `RTA_BRD` and OpenBSD's `RTA_SRC`, not the masks, the interface (`RTA_IFP`) or
/// the label, tag and DNS slots.
const fn holds_ip(os: Os, bit: RtaBit) -> bool {
    match bit.index() {
        0 | 1 | 5 | 6 | 7 => true,
        8 => matches!(os, Os::OpenBsd),
        _ => false,
    }
}

/// `N` bytes of an address starting at `offset` of a possibly shortened sockaddr, the bytes the
/// sockaddr lacks being zero.
fn mask_bytes<const N: usize>(sockaddr: &[u8], offset: usize) -> [u8; N] {
    let mut out = [0u8; N];
    let present = sockaddr.get(offset..).unwrap_or_default();
    for (o, b) in out.iter_mut().zip(present) {
        *o = *b;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn layouts() {
        assert_eq!(size_of::<BsdSockaddrIn>(), 16);
        assert_eq!(offset_of!(BsdSockaddrIn, sin_addr), 4);
        assert_eq!(size_of::<BsdSockaddrIn6>(), 28);
        assert_eq!(offset_of!(BsdSockaddrIn6, sin6_flowinfo), 4);
        assert_eq!(offset_of!(BsdSockaddrIn6, sin6_addr), 8);
        assert_eq!(offset_of!(BsdSockaddrIn6, sin6_scope_id), 24);
        assert_eq!(size_of::<SockaddrDl>(), SockaddrDl::HEADER_LEN);
        assert_eq!(offset_of!(SockaddrDl, sdl_slen), 7);
    }

    #[test]
    fn short_masks_fill_with_zero() {
        let cases: [(&[u8], [u8; 4]); 6] = [
            (&[], [0, 0, 0, 0]),
            (&[5, 0, 0, 0, 255], [255, 0, 0, 0]),
            (&[6, 2, 0, 0, 255, 255], [255, 255, 0, 0]),
            (&[7, 0, 0, 0, 255, 255, 240], [255, 255, 240, 0]),
            (&[8, 2, 0, 0, 255, 255, 255, 0], [255, 255, 255, 0]),
            (
                &[16, 2, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0],
                [255; 4],
            ),
        ];
        for os in Os::ALL {
            for (bytes, want) in cases {
                assert_eq!(
                    Sockaddr::decode(os, RtaBit::NETMASK, bytes),
                    Ok(Sockaddr::Netmask(Ipv4Addr::from(want))),
                    "{os} {bytes:?}"
                );
            }
        }
    }

    #[test]
    fn short_ipv6_mask() {
        let bytes = [
            16, 30, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        ];
        let mask = Sockaddr::decode(Os::Darwin, RtaBit::NETMASK, &bytes);
        assert_eq!(
            mask,
            Ok(Sockaddr::Netmask6("ffff:ffff:ffff:ffff::".parse().unwrap()))
        );
        // On FreeBSD 30 is not AF_INET6 (28 is), so that is no IPv6 mask there.
        let other = Sockaddr::decode(Os::FreeBsd, RtaBit::NETMASK, &bytes);
        assert!(matches!(other, Ok(Sockaddr::Unknown { family: 30, .. })));
    }

    #[test]
    fn masks_read_as_the_message_family_whatever_their_own_byte() {
        let v6 = Some(IpFamily::V6);
        let v4 = Some(IpFamily::V4);
        let got = Sockaddr::decode_with_family(Os::FreeBsd, RtaBit::NETMASK, &[], v6);
        assert_eq!(got, Ok(Sockaddr::Netmask6(Ipv6Addr::UNSPECIFIED)));
        let bytes = [12u8, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xc0];
        let got = Sockaddr::decode_with_family(Os::NetBsd, RtaBit::GENMASK, &bytes, v6);
        assert_eq!(got, Ok(Sockaddr::Netmask6("ffff:ffc0::".parse().unwrap())));
        // The message's family wins over the mask's own byte, AF_INET, 0xff or AF_LINK alike.
        for own in [AF_INET, 0xff, AF_LINK, 24] {
            let bytes = [
                12u8, own, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0,
            ];
            let got = Sockaddr::decode_with_family(Os::NetBsd, RtaBit::NETMASK, &bytes, v6);
            assert_eq!(
                got,
                Ok(Sockaddr::Netmask6("ffff::".parse().unwrap())),
                "{own}"
            );
            let got = Sockaddr::decode_with_family(Os::NetBsd, RtaBit::NETMASK, &bytes, v4);
            assert_eq!(got, Ok(Sockaddr::Netmask(Ipv4Addr::BROADCAST)), "{own}");
        }
        // OpenBSD's source mask is a mask slot too.
        let srcmask = RtaBit::from_index(9).unwrap();
        let got = Sockaddr::decode_with_family(Os::OpenBsd, srcmask, &[5, 0xff, 0, 0, 255], v4);
        assert_eq!(got, Ok(Sockaddr::Netmask(Ipv4Addr::new(255, 0, 0, 0))));
        // Without the message's family: the own byte, 0 meaning IPv4, others unknown.
        let got = Sockaddr::decode(Os::NetBsd, RtaBit::NETMASK, &[5, 0xff, 0xff, 0xff, 0xff]);
        assert!(matches!(got, Ok(Sockaddr::Unknown { family: 0xff, .. })));
        // Outside mask slots an empty sockaddr is the family's unspecified address.
        let gw = Sockaddr::decode_with_family(Os::NetBsd, RtaBit::GATEWAY, &[], v6);
        assert_eq!(gw, Ok(Sockaddr::Unspecified(Ipv6Addr::UNSPECIFIED.into())));
        // Not in the interface slot, nor in OpenBSD's label slot.
        for (os, bit) in [
            (Os::Darwin, RtaBit::IFP),
            (Os::OpenBsd, RtaBit::from_index(10).unwrap()),
        ] {
            let got = Sockaddr::decode_with_family(os, bit, &[], v4);
            assert_eq!(
                got,
                Ok(Sockaddr::Unknown {
                    family: 0,
                    bytes: &[]
                })
            );
        }
        let src =
            Sockaddr::decode_with_family(Os::OpenBsd, RtaBit::from_index(8).unwrap(), &[], v4);
        assert_eq!(src, Ok(Sockaddr::Unspecified(Ipv4Addr::UNSPECIFIED.into())));
        let dst = Sockaddr::decode_with_family(Os::Darwin, RtaBit::DST, &[], v4);
        assert_eq!(dst, Ok(Sockaddr::Unspecified(Ipv4Addr::UNSPECIFIED.into())));
        assert_eq!(dst.unwrap().ip(), Some(Ipv4Addr::UNSPECIFIED.into()));
    }

    #[test]
    fn kame_embedded_scope() {
        let cases: [(&str, Option<u16>, &str); 6] = [
            ("fe80:5::2", Some(5), "fe80::2"),
            ("fe80::2", None, "fe80::2"),
            ("febf:21::1", Some(0x21), "febf::1"),
            ("ff02:7::1", Some(7), "ff02::1"),
            ("ff05:7::1", None, "ff05:7::1"), // site-local multicast: not embedded
            ("2001:db8::1", None, "2001:db8::1"),
        ];
        for (raw, scope, clean) in cases {
            let sin6 = BsdSockaddrIn6::new(Os::Darwin, raw.parse().unwrap());
            assert_eq!(sin6.embedded_scope(), scope, "{raw}");
            assert_eq!(
                sin6.unscoped_ip(),
                clean.parse::<Ipv6Addr>().unwrap(),
                "{raw}"
            );
            assert_eq!(sin6.ip(), raw.parse::<Ipv6Addr>().unwrap());
        }
        // sin6_scope_id when nothing is embedded (FreeBSD de-embeds), the embedded one first.
        let mut sin6 = BsdSockaddrIn6::new(Os::FreeBsd, "fe80::1".parse().unwrap());
        sin6.sin6_scope_id = U32::new(4);
        assert_eq!(sin6.scope_id(), 4);
        let got = Sockaddr::decode(Os::FreeBsd, RtaBit::IFA, sin6.as_bytes()).unwrap();
        assert_eq!(
            (got.ip(), got.scope_id()),
            (Some("fe80::1".parse().unwrap()), Some(4))
        );
        sin6.sin6_addr[3] = 9;
        assert_eq!(sin6.scope_id(), 9);
        let global = BsdSockaddrIn6::new(Os::FreeBsd, "2001:db8::1".parse().unwrap());
        let got = Sockaddr::decode(Os::FreeBsd, RtaBit::DST, global.as_bytes()).unwrap();
        assert_eq!(got.scope_id(), None);
    }

    #[test]
    fn inet6_on_every_system() {
        for os in Os::ALL {
            let sin6 = BsdSockaddrIn6::new(os, "2001:db8::7".parse().unwrap());
            assert_eq!(sin6.sin6_family, os.af_inet6());
            let got = Sockaddr::decode(os, RtaBit::GATEWAY, sin6.as_bytes()).unwrap();
            assert_eq!(got.ip(), Some("2001:db8::7".parse().unwrap()), "{os}");
            assert!(matches!(got, Sockaddr::Inet6(_)));
            // Another system's AF_INET6 number is no IPv6 here.
            for other in Os::ALL.iter().filter(|o| o.af_inet6() != os.af_inet6()) {
                let got = Sockaddr::decode(*other, RtaBit::GATEWAY, sin6.as_bytes()).unwrap();
                assert!(matches!(got, Sockaddr::Unknown { .. }), "{os} on {other}");
            }
        }
    }

    #[test]
    fn link_lengths_of_all_ones_mean_none() {
        let bytes = [12u8, AF_LINK, 2, 0, 6, 0xff, 0xff, 0xff, 0, 0, 0, 0];
        let link = LinkAddr::parse(&bytes).unwrap();
        assert_eq!(link.index(), 2);
        assert_eq!(
            (link.name(), link.lladdr(), link.selector()),
            (&[][..], &[][..], &[][..])
        );
        // Only 0xff is special: 0xfe still has to fit.
        let bytes = [12u8, AF_LINK, 2, 0, 6, 0xfe, 0xff, 0xff, 0, 0, 0, 0];
        assert!(LinkAddr::parse(&bytes).is_err());
    }

    #[test]
    fn empty_and_tiny_outside_mask_slots_are_unknown() {
        assert_eq!(
            Sockaddr::decode(Os::FreeBsd, RtaBit::GATEWAY, &[]),
            Ok(Sockaddr::Unknown {
                family: 0,
                bytes: &[]
            })
        );
        assert_eq!(
            Sockaddr::decode(Os::FreeBsd, RtaBit::DST, &[1]),
            Ok(Sockaddr::Unknown {
                family: 0,
                bytes: &[1]
            })
        );
    }

    #[test]
    fn known_families_too_short_are_errors() {
        let short_in = [8u8, AF_INET, 0, 0, 192, 0, 2, 1];
        assert_eq!(
            Sockaddr::decode(Os::FreeBsd, RtaBit::DST, &short_in),
            Err(Error::truncated("sockaddr_in (BSD)", 16, 8))
        );
        let short_dl = [4u8, AF_LINK, 1, 0];
        assert_eq!(
            Sockaddr::decode(Os::Darwin, RtaBit::IFP, &short_dl),
            Err(Error::truncated("sockaddr_dl", 8, 4))
        );
        let short_in6 = [24u8, 24, 0, 0];
        assert!(Sockaddr::decode(Os::OpenBsd, RtaBit::DST, &short_in6).is_err());
    }

    #[test]
    fn link_lengths_must_fit() {
        // sdl_nlen 3 + sdl_alen 6 = 9 bytes of data, but sdl_len 12 leaves only 4.
        let bytes = [12u8, AF_LINK, 1, 0, 6, 3, 6, 0, b'e', b'm', b'0', 0];
        assert_eq!(
            LinkAddr::parse(&bytes),
            Err(Error::BadHeaderLength {
                what: "sockaddr_dl: sdl_nlen + sdl_alen + sdl_slen",
                len: 17,
                available: 12
            })
        );
        let ok = [
            16u8, AF_LINK, 7, 0, 24, 3, 0, 2, b'l', b'o', b'0', 9, 9, 0, 0, 0,
        ];
        let link = LinkAddr::parse(&ok).unwrap();
        assert_eq!(link.name(), b"lo0");
        assert_eq!(link.lladdr(), b"");
        assert_eq!(link.selector(), &[9, 9]);
        assert_eq!(link.sdl_type(), 24);
        assert_eq!(link.data().len(), 8);
        assert_eq!(link.header().sdl_len, 16);
    }

    #[test]
    fn full_sockaddrs() {
        let sin = BsdSockaddrIn::new(Ipv4Addr::new(198, 51, 100, 7));
        let got = Sockaddr::decode(Os::NetBsd, RtaBit::GATEWAY, sin.as_bytes()).unwrap();
        assert_eq!(got.ip(), Some(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7))));
        assert_eq!(got.link(), None);
        let sin6 = BsdSockaddrIn6::new(Os::OpenBsd, "2001:db8::1".parse().unwrap());
        let got = Sockaddr::decode(Os::OpenBsd, RtaBit::DST, sin6.as_bytes()).unwrap();
        assert_eq!(got.ip(), Some("2001:db8::1".parse().unwrap()));
        // A full IPv4 netmask in the netmask slot is still a netmask.
        let mask = BsdSockaddrIn::new(Ipv4Addr::new(255, 255, 255, 0));
        let got = Sockaddr::decode(Os::FreeBsd, RtaBit::NETMASK, mask.as_bytes()).unwrap();
        assert_eq!(got, Sockaddr::Netmask(Ipv4Addr::new(255, 255, 255, 0)));
    }
}
