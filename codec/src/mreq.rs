//! Multicast membership requests: `struct ip_mreq`, `struct ip_mreqn` and `struct ip_mreq_source`,
//! the arguments of `IP_ADD_MEMBERSHIP`, `IP_MULTICAST_IF`, `IP_ADD_SOURCE_MEMBERSHIP` and friends,
//! and their IPv6 sibling `struct ipv6_mreq` (`IPV6_ADD_MEMBERSHIP`, `IPV6_DROP_MEMBERSHIP`).
//! The family-generic requests (`group_req`, `MCAST_JOIN_GROUP`) are in [`crate::group`].
//!
//! The Linux layouts are [`IpMreq`] (8 bytes), [`IpMreqn`] (12 bytes), [`IpMreqSource`]
//! (12 bytes) and [`Ipv6Mreq`] (20 bytes). BSD systems order the fields of `ip_mreq_source` differently; [`BsdIpMreqSource`]
//! is that layout, so code that reads captures from both worlds can say which one it means
//! instead of silently swapping the interface and the source address.

use core::net::{Ipv4Addr, Ipv6Addr};

use zerocopy::byteorder::{NativeEndian, I32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::addr::{emit_bytes, view_prefix};
use crate::{In6Addr, InAddr, Result};

/// `struct ip_mreq` (8 bytes): a group and the address of the local interface to use.
///
/// The pre-Linux-2.2 request, still accepted everywhere a [`IpMreqn`] is; an `imr_interface` of
/// `INADDR_ANY` lets the kernel choose the interface from the routing table.
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
pub struct IpMreq {
    /// The multicast group.
    pub imr_multiaddr: InAddr,
    /// The address of the local interface, or `INADDR_ANY`.
    pub imr_interface: InAddr,
}

impl IpMreq {
    /// `sizeof(struct ip_mreq)`: 8 bytes.
    pub const LEN: usize = core::mem::size_of::<IpMreq>();

    /// A request for `group` on the interface that has address `interface`.
    pub fn new(group: Ipv4Addr, interface: Ipv4Addr) -> Self {
        IpMreq {
            imr_multiaddr: group.into(),
            imr_interface: interface.into(),
        }
    }

    /// Views an `ip_mreq` at the start of `bytes` (extra bytes are ignored).
    ///
    /// ```
    /// use core::net::{Ipv4Addr, Ipv6Addr};
    /// use sockabi::mreq::IpMreq;
    ///
    /// let bytes = [239, 1, 2, 3, 192, 0, 2, 1];
    /// let mreq = IpMreq::ref_from_prefix(&bytes)?;
    /// assert_eq!(mreq.group(), Ipv4Addr::new(239, 1, 2, 3));
    /// assert_eq!(mreq.interface(), Ipv4Addr::new(192, 0, 2, 1));
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    #[inline]
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "ip_mreq")
    }

    /// The multicast group (`imr_multiaddr`).
    #[inline]
    pub fn group(&self) -> Ipv4Addr {
        self.imr_multiaddr.ip()
    }

    /// The interface address (`imr_interface`).
    #[inline]
    pub fn interface(&self) -> Ipv4Addr {
        self.imr_interface.ip()
    }

    /// Writes the 8 bytes to the start of `buf`; returns 8.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        emit_bytes(self.as_bytes(), buf, "ip_mreq")
    }
}

/// `struct ip_mreqn` (12 bytes): a group, a local address and an interface index.
///
/// When `imr_ifindex` is not zero it selects the interface and `imr_address` does not;
/// otherwise a non-zero `imr_address` selects the interface that owns it; with both zero the
/// kernel picks one from the routing table. For `IP_MULTICAST_IF`, `imr_address` is also kept as
/// the source address of multicast datagrams.
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
pub struct IpMreqn {
    /// The multicast group.
    pub imr_multiaddr: InAddr,
    /// The address of the local interface, or `INADDR_ANY`.
    pub imr_address: InAddr,
    /// The interface index, host byte order, or 0 for "any".
    pub imr_ifindex: I32<NativeEndian>,
}

impl IpMreqn {
    /// `sizeof(struct ip_mreqn)`: 12 bytes.
    pub const LEN: usize = core::mem::size_of::<IpMreqn>();

    /// A request for `group` on interface `ifindex` (0: any) with local address `address`.
    pub fn new(group: Ipv4Addr, address: Ipv4Addr, ifindex: i32) -> Self {
        IpMreqn {
            imr_multiaddr: group.into(),
            imr_address: address.into(),
            imr_ifindex: I32::new(ifindex),
        }
    }

    /// Views an `ip_mreqn` at the start of `bytes` (extra bytes are ignored).
    ///
    /// ```
    /// use core::net::{Ipv4Addr, Ipv6Addr};
    /// use sockabi::mreq::IpMreqn;
    ///
    /// let mut bytes = [0u8; 12];
    /// IpMreqn::new(Ipv4Addr::new(239, 1, 2, 3), Ipv4Addr::UNSPECIFIED, 3).emit(&mut bytes)?;
    /// let mreqn = IpMreqn::ref_from_prefix(&bytes)?;
    /// assert_eq!((mreqn.group(), mreqn.ifindex()), (Ipv4Addr::new(239, 1, 2, 3), 3));
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    #[inline]
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "ip_mreqn")
    }

    /// The multicast group (`imr_multiaddr`).
    #[inline]
    pub fn group(&self) -> Ipv4Addr {
        self.imr_multiaddr.ip()
    }

    /// The local interface address (`imr_address`).
    #[inline]
    pub fn address(&self) -> Ipv4Addr {
        self.imr_address.ip()
    }

    /// The interface index (`imr_ifindex`), 0 for any.
    #[inline]
    pub fn ifindex(&self) -> i32 {
        self.imr_ifindex.get()
    }

    /// Writes the 12 bytes to the start of `buf`; returns 12.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        emit_bytes(self.as_bytes(), buf, "ip_mreqn")
    }
}

impl From<IpMreq> for IpMreqn {
    /// What the kernel does with a short request: `imr_interface` becomes `imr_address` and the
    /// index is 0.
    fn from(m: IpMreq) -> Self {
        IpMreqn {
            imr_multiaddr: m.imr_multiaddr,
            imr_address: m.imr_interface,
            imr_ifindex: I32::ZERO,
        }
    }
}

/// `struct ip_mreq_source` as Linux lays it out (12 bytes): group, interface, source.
///
/// **BSD differs**: FreeBSD, macOS and the other BSDs declare `imr_multiaddr, imr_sourceaddr,
/// imr_interface`, so the last two fields are swapped. Bytes written for one system and read
/// with the other's layout exchange the source and the interface without any error. Use
/// [`BsdIpMreqSource`] for the BSD layout and the `From` conversions between the two.
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
pub struct IpMreqSource {
    /// The multicast group.
    pub imr_multiaddr: InAddr,
    /// The address of the local interface, or `INADDR_ANY`.
    pub imr_interface: InAddr,
    /// The source to include or exclude.
    pub imr_sourceaddr: InAddr,
}

impl IpMreqSource {
    /// `sizeof(struct ip_mreq_source)`: 12 bytes.
    pub const LEN: usize = core::mem::size_of::<IpMreqSource>();

    /// A request for `source` in `group` on the interface that has address `interface`.
    pub fn new(group: Ipv4Addr, interface: Ipv4Addr, source: Ipv4Addr) -> Self {
        IpMreqSource {
            imr_multiaddr: group.into(),
            imr_interface: interface.into(),
            imr_sourceaddr: source.into(),
        }
    }

    /// Views a Linux-layout `ip_mreq_source` at the start of `bytes`.
    ///
    /// ```
    /// use core::net::{Ipv4Addr, Ipv6Addr};
    /// use sockabi::mreq::IpMreqSource;
    ///
    /// // Linux order: group, interface, source.
    /// let bytes = [232, 1, 1, 1, 192, 0, 2, 1, 198, 51, 100, 7];
    /// let m = IpMreqSource::ref_from_prefix(&bytes)?;
    /// assert_eq!(m.interface(), Ipv4Addr::new(192, 0, 2, 1));
    /// assert_eq!(m.source(), Ipv4Addr::new(198, 51, 100, 7));
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    #[inline]
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "ip_mreq_source")
    }

    /// The multicast group (`imr_multiaddr`).
    #[inline]
    pub fn group(&self) -> Ipv4Addr {
        self.imr_multiaddr.ip()
    }

    /// The interface address (`imr_interface`).
    #[inline]
    pub fn interface(&self) -> Ipv4Addr {
        self.imr_interface.ip()
    }

    /// The source address (`imr_sourceaddr`).
    #[inline]
    pub fn source(&self) -> Ipv4Addr {
        self.imr_sourceaddr.ip()
    }

    /// Writes the 12 bytes to the start of `buf`; returns 12.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        emit_bytes(self.as_bytes(), buf, "ip_mreq_source")
    }
}

/// `struct ip_mreq_source` as the BSDs lay it out (12 bytes): group, **source**, interface.
///
/// Not used by Linux; it exists so that code handling BSD data names the layout explicitly.
/// Convert with `IpMreqSource::from(bsd)` / `BsdIpMreqSource::from(linux)`, which move each
/// address to its field rather than copying bytes.
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
pub struct BsdIpMreqSource {
    /// The multicast group.
    pub imr_multiaddr: InAddr,
    /// The source to include or exclude (second on BSD, third on Linux).
    pub imr_sourceaddr: InAddr,
    /// The address of the local interface (third on BSD, second on Linux).
    pub imr_interface: InAddr,
}

impl BsdIpMreqSource {
    /// Views a BSD-layout `ip_mreq_source` at the start of `bytes`.
    ///
    /// ```
    /// use core::net::{Ipv4Addr, Ipv6Addr};
    /// use sockabi::mreq::{BsdIpMreqSource, IpMreqSource};
    ///
    /// // BSD order: group, source, interface.
    /// let bytes = [232, 1, 1, 1, 198, 51, 100, 7, 192, 0, 2, 1];
    /// let linux = IpMreqSource::from(*BsdIpMreqSource::ref_from_prefix(&bytes)?);
    /// assert_eq!(linux.interface(), Ipv4Addr::new(192, 0, 2, 1));
    /// assert_eq!(linux.source(), Ipv4Addr::new(198, 51, 100, 7));
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    #[inline]
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "ip_mreq_source (BSD layout)")
    }

    /// Writes the 12 bytes to the start of `buf`; returns 12.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        emit_bytes(self.as_bytes(), buf, "ip_mreq_source (BSD layout)")
    }
}

impl From<BsdIpMreqSource> for IpMreqSource {
    fn from(b: BsdIpMreqSource) -> Self {
        IpMreqSource {
            imr_multiaddr: b.imr_multiaddr,
            imr_interface: b.imr_interface,
            imr_sourceaddr: b.imr_sourceaddr,
        }
    }
}

impl From<IpMreqSource> for BsdIpMreqSource {
    fn from(l: IpMreqSource) -> Self {
        BsdIpMreqSource {
            imr_multiaddr: l.imr_multiaddr,
            imr_sourceaddr: l.imr_sourceaddr,
            imr_interface: l.imr_interface,
        }
    }
}

/// `struct ipv6_mreq` (20 bytes): a group and the index of the interface to join it on.
///
/// glibc and RFC 3493 name the index `ipv6mr_interface` and declare it `unsigned int`; the
/// kernel declares `int ipv6mr_ifindex`, which this type follows (a "negative" index names no
/// device: `ENODEV`). Index 0 lets the kernel pick the interface from a route lookup of the
/// group (`ip6_mc_find_dev`).
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
pub struct Ipv6Mreq {
    /// The multicast group.
    pub ipv6mr_multiaddr: In6Addr,
    /// The interface index, host byte order, 0 for "any".
    pub ipv6mr_interface: I32<NativeEndian>,
}

impl Ipv6Mreq {
    /// `sizeof(struct ipv6_mreq)`: 20 bytes.
    pub const LEN: usize = core::mem::size_of::<Ipv6Mreq>();

    /// A request for `group` on interface `ifindex` (0: any).
    pub fn new(group: Ipv6Addr, ifindex: i32) -> Self {
        Ipv6Mreq {
            ipv6mr_multiaddr: group.into(),
            ipv6mr_interface: I32::new(ifindex),
        }
    }

    /// Views an `ipv6_mreq` at the start of `bytes` (extra bytes are ignored, as the kernel
    /// ignores them).
    ///
    /// ```
    /// use core::net::Ipv6Addr;
    /// use sockabi::mreq::Ipv6Mreq;
    ///
    /// let mut bytes = [0u8; Ipv6Mreq::LEN];
    /// Ipv6Mreq::new("ff05::1:3".parse().unwrap(), 2).emit(&mut bytes)?;
    /// let m = Ipv6Mreq::ref_from_prefix(&bytes)?;
    /// assert_eq!((m.group().segments()[0], m.ifindex()), (0xff05, 2));
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    #[inline]
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "ipv6_mreq")
    }

    /// The multicast group (`ipv6mr_multiaddr`).
    #[inline]
    pub fn group(&self) -> Ipv6Addr {
        self.ipv6mr_multiaddr.ip()
    }

    /// The interface index (`ipv6mr_interface`), 0 for any.
    #[inline]
    pub fn ifindex(&self) -> i32 {
        self.ipv6mr_interface.get()
    }

    /// Writes the 20 bytes to the start of `buf`; returns 20.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        emit_bytes(self.as_bytes(), buf, "ipv6_mreq")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bsd_and_linux_source_layouts_swap_the_last_two_fields() {
        let linux = IpMreqSource::new(
            Ipv4Addr::new(232, 1, 1, 1),
            Ipv4Addr::new(192, 0, 2, 1),
            Ipv4Addr::new(198, 51, 100, 7),
        );
        let bsd = BsdIpMreqSource::from(linux);
        assert_eq!(bsd.as_bytes()[..4], linux.as_bytes()[..4]);
        assert_eq!(bsd.as_bytes()[4..8], linux.as_bytes()[8..12]);
        assert_eq!(bsd.as_bytes()[8..12], linux.as_bytes()[4..8]);
        assert_eq!(IpMreqSource::from(bsd), linux);
    }

    #[test]
    fn mreq_becomes_mreqn_with_index_zero() {
        let m = IpMreqn::from(IpMreq::new(
            Ipv4Addr::new(239, 0, 0, 1),
            Ipv4Addr::new(192, 0, 2, 1),
        ));
        assert_eq!(m.address(), Ipv4Addr::new(192, 0, 2, 1));
        assert_eq!(m.ifindex(), 0);
    }

    #[test]
    fn short_input_is_truncated() {
        assert!(matches!(
            IpMreqn::ref_from_prefix(&[0u8; 11]),
            Err(crate::Error::Truncated {
                needed: 12,
                got: 11,
                ..
            })
        ));
    }
}
