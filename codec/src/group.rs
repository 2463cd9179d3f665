//! The family-generic multicast requests of RFC 3678: `struct group_req` (`MCAST_JOIN_GROUP`,
//! `MCAST_LEAVE_GROUP`) and `struct group_source_req` (`MCAST_JOIN_SOURCE_GROUP`,
//! `MCAST_LEAVE_SOURCE_GROUP`, `MCAST_BLOCK_SOURCE`, `MCAST_UNBLOCK_SOURCE`), accepted at both
//! `IPPROTO_IP` and `IPPROTO_IPV6`. The variable-length `group_filter` is in
//! [`crate::msfilter`].
//!
//! Layouts are those of 64-bit Linux: `sockaddr_storage` is 8-byte aligned in C, so 4 bytes of
//! padding follow the 32-bit interface index (`gr_pad`, `gsr_pad` here). A 32-bit process on a
//! 64-bit kernel passes the packed `compat_group_req` instead (the addresses at offset 4),
//! which this module does not decode.

use core::fmt;
use core::net::SocketAddr;

use zerocopy::byteorder::{NativeEndian, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::addr::{emit_bytes, view_prefix, SockaddrRef};
use crate::{Result, SockaddrStorage};

/// `struct group_req` (136 bytes on 64-bit Linux): an interface index and a group address.
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
pub struct GroupReq {
    /// The interface index (`uint32_t`), 0 for "any" (the kernel picks one by route lookup).
    pub gr_interface: U32<NativeEndian>,
    /// The padding C inserts before the 8-byte aligned `sockaddr_storage`; ignored.
    pub gr_pad: [u8; 4],
    /// The group, a `sockaddr_in` or `sockaddr_in6` (the port is ignored).
    pub gr_group: SockaddrStorage,
}

impl GroupReq {
    /// `sizeof(struct group_req)`: 136 bytes.
    pub const LEN: usize = core::mem::size_of::<GroupReq>();

    /// A request for `group` on interface `ifindex` (0: any).
    pub fn new(ifindex: u32, group: SocketAddr) -> Self {
        GroupReq {
            gr_interface: U32::new(ifindex),
            gr_pad: [0; 4],
            gr_group: group.into(),
        }
    }

    /// Views a `group_req` at the start of `bytes` (136 bytes needed, extra ignored).
    ///
    /// ```
    /// use sockabi::addr::SockaddrRef;
    /// use sockabi::group::GroupReq;
    ///
    /// let mut bytes = [0u8; GroupReq::LEN];
    /// GroupReq::new(2, "[ff05::1:3]:0".parse().unwrap()).emit(&mut bytes)?;
    /// let req = GroupReq::ref_from_prefix(&bytes)?;
    /// assert_eq!(req.interface(), 2);
    /// assert!(matches!(req.group(), SockaddrRef::In6(g) if g.ip().is_multicast()));
    /// assert_eq!(req.to_string(), "group=ff05::1:3 ifindex=2");
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    #[inline]
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "group_req")
    }

    /// The interface index (`gr_interface`).
    #[inline]
    pub fn interface(&self) -> u32 {
        self.gr_interface.get()
    }

    /// The group, by family.
    #[inline]
    pub fn group(&self) -> SockaddrRef<'_> {
        self.gr_group.addr()
    }

    /// Writes the 136 bytes to the start of `buf`; returns 136.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        emit_bytes(self.as_bytes(), buf, "group_req")
    }
}

/// `group=G ifindex=N` (the address without its port).
impl fmt::Display for GroupReq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "group=")?;
        fmt_ip(f, self.group())?;
        write!(f, " ifindex={}", self.interface())
    }
}

/// `struct group_source_req` (264 bytes on 64-bit Linux): an interface index, a group and a
/// source.
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
pub struct GroupSourceReq {
    /// The interface index (`uint32_t`), 0 for "any".
    pub gsr_interface: U32<NativeEndian>,
    /// The padding C inserts before the 8-byte aligned `sockaddr_storage`; ignored.
    pub gsr_pad: [u8; 4],
    /// The group.
    pub gsr_group: SockaddrStorage,
    /// The source to include or exclude.
    pub gsr_source: SockaddrStorage,
}

impl GroupSourceReq {
    /// `sizeof(struct group_source_req)`: 264 bytes.
    pub const LEN: usize = core::mem::size_of::<GroupSourceReq>();

    /// A request about `source` in `group` on interface `ifindex` (0: any).
    pub fn new(ifindex: u32, group: SocketAddr, source: SocketAddr) -> Self {
        GroupSourceReq {
            gsr_interface: U32::new(ifindex),
            gsr_pad: [0; 4],
            gsr_group: group.into(),
            gsr_source: source.into(),
        }
    }

    /// Views a `group_source_req` at the start of `bytes` (264 bytes needed).
    ///
    /// ```
    /// use sockabi::group::GroupSourceReq;
    ///
    /// let mut bytes = [0u8; GroupSourceReq::LEN];
    /// let req = GroupSourceReq::new(0, "232.1.1.1:0".parse().unwrap(), "198.51.100.7:0".parse().unwrap());
    /// req.emit(&mut bytes)?;
    /// assert_eq!(
    ///     GroupSourceReq::ref_from_prefix(&bytes)?.to_string(),
    ///     "group=232.1.1.1 source=198.51.100.7 ifindex=0"
    /// );
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    #[inline]
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "group_source_req")
    }

    /// The interface index (`gsr_interface`).
    #[inline]
    pub fn interface(&self) -> u32 {
        self.gsr_interface.get()
    }

    /// The group, by family.
    #[inline]
    pub fn group(&self) -> SockaddrRef<'_> {
        self.gsr_group.addr()
    }

    /// The source, by family.
    #[inline]
    pub fn source(&self) -> SockaddrRef<'_> {
        self.gsr_source.addr()
    }

    /// Writes the 264 bytes to the start of `buf`; returns 264.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        emit_bytes(self.as_bytes(), buf, "group_source_req")
    }
}

/// `group=G source=S ifindex=N`.
impl fmt::Display for GroupSourceReq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "group=")?;
        fmt_ip(f, self.group())?;
        write!(f, " source=")?;
        fmt_ip(f, self.source())?;
        write!(f, " ifindex={}", self.interface())
    }
}

/// The IP address of an `AF_INET`/`AF_INET6` address (ports mean nothing in these requests),
/// the whole [`SockaddrRef`] display otherwise.
pub(crate) fn fmt_ip(f: &mut fmt::Formatter<'_>, addr: SockaddrRef<'_>) -> fmt::Result {
    match addr.ip() {
        Some(ip) => write!(f, "{ip}"),
        None => write!(f, "{addr}"),
    }
}
