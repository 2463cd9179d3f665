//! `struct in_pktinfo` and `struct in6_pktinfo`: the `IP_PKTINFO` and `IPV6_PKTINFO` control
//! messages, which say on which interface a datagram arrived (`recvmsg`) or from which interface
//! and source address one should leave (`sendmsg`; for IPv6 also the sticky `IPV6_PKTINFO`
//! socket option).

use core::net::{Ipv4Addr, Ipv6Addr};

use zerocopy::byteorder::{NativeEndian, I32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::addr::{emit_bytes, view_prefix};
use crate::{In6Addr, InAddr, Result};

/// `struct in_pktinfo` (12 bytes).
///
/// ip(7) declares `ipi_ifindex` as `unsigned int`; glibc and the kernel declare it `int`, which
/// is what this type follows (the bytes are the same for every real interface index).
///
/// On receive, `ipi_ifindex` is the interface the packet arrived on, `ipi_spec_dst` the local
/// address the kernel would answer from, and `ipi_addr` the destination address in the IP
/// header. On send, a non-zero `ipi_ifindex` selects the outgoing interface (its primary address
/// replaces `ipi_spec_dst` for the route lookup), and a non-zero `ipi_spec_dst` is the source.
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
pub struct InPktinfo {
    /// Interface index, host byte order.
    pub ipi_ifindex: I32<NativeEndian>,
    /// Local address (routing source).
    pub ipi_spec_dst: InAddr,
    /// Destination address from the IP header.
    pub ipi_addr: InAddr,
}

impl InPktinfo {
    /// `sizeof(struct in_pktinfo)`: 12 bytes.
    pub const LEN: usize = core::mem::size_of::<InPktinfo>();

    /// An `in_pktinfo` with the three fields given.
    pub fn new(ifindex: i32, spec_dst: Ipv4Addr, addr: Ipv4Addr) -> Self {
        InPktinfo {
            ipi_ifindex: I32::new(ifindex),
            ipi_spec_dst: spec_dst.into(),
            ipi_addr: addr.into(),
        }
    }

    /// Views an `in_pktinfo` at the start of `bytes`.
    ///
    /// ```
    /// use core::net::Ipv4Addr;
    /// use sockabi::pktinfo::InPktinfo;
    ///
    /// let mut bytes = [0u8; InPktinfo::LEN];
    /// InPktinfo::new(2, Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 255)).emit(&mut bytes)?;
    /// let info = InPktinfo::ref_from_prefix(&bytes)?;
    /// assert_eq!(info.ifindex(), 2);
    /// assert_eq!(info.addr(), Ipv4Addr::new(192, 0, 2, 255));
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    #[inline]
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "in_pktinfo")
    }

    /// The interface index (`ipi_ifindex`).
    #[inline]
    pub fn ifindex(&self) -> i32 {
        self.ipi_ifindex.get()
    }

    /// The local address (`ipi_spec_dst`).
    #[inline]
    pub fn spec_dst(&self) -> Ipv4Addr {
        self.ipi_spec_dst.ip()
    }

    /// The header destination address (`ipi_addr`).
    #[inline]
    pub fn addr(&self) -> Ipv4Addr {
        self.ipi_addr.ip()
    }

    /// Writes the 12 bytes to the start of `buf`; returns 12.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        emit_bytes(self.as_bytes(), buf, "in_pktinfo")
    }
}

/// `ifindex=N spec_dst=A addr=B`.
impl core::fmt::Display for InPktinfo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "ifindex={} spec_dst={} addr={}",
            self.ifindex(),
            self.spec_dst(),
            self.addr()
        )
    }
}

/// `struct in6_pktinfo` (20 bytes, RFC 3542): an address and an interface index.
///
/// On receive, `ipi6_addr` is the destination address of the datagram and `ipi6_ifindex` the
/// interface it arrived on. On send (control message or sticky `IPV6_PKTINFO` option), a
/// non-zero `ipi6_ifindex` selects the outgoing interface and a non-zero `ipi6_addr` the
/// source address (`ip6_datagram_send_ctl`). glibc declares the index `unsigned int`, the
/// kernel `int`, which this type follows.
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
pub struct In6Pktinfo {
    /// Source (send) or destination (receive) address.
    pub ipi6_addr: In6Addr,
    /// Interface index, host byte order.
    pub ipi6_ifindex: I32<NativeEndian>,
}

impl In6Pktinfo {
    /// `sizeof(struct in6_pktinfo)`: 20 bytes.
    pub const LEN: usize = core::mem::size_of::<In6Pktinfo>();

    /// An `in6_pktinfo` for interface `ifindex` and address `addr`.
    pub fn new(ifindex: i32, addr: Ipv6Addr) -> Self {
        In6Pktinfo {
            ipi6_addr: addr.into(),
            ipi6_ifindex: I32::new(ifindex),
        }
    }

    /// Views an `in6_pktinfo` at the start of `bytes`.
    ///
    /// ```
    /// use sockabi::pktinfo::In6Pktinfo;
    ///
    /// let mut bytes = [0u8; In6Pktinfo::LEN];
    /// In6Pktinfo::new(3, "2001:db8::2".parse().unwrap()).emit(&mut bytes)?;
    /// let info = In6Pktinfo::ref_from_prefix(&bytes)?;
    /// assert_eq!(info.to_string(), "ifindex=3 addr=2001:db8::2");
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    #[inline]
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "in6_pktinfo")
    }

    /// The interface index (`ipi6_ifindex`).
    #[inline]
    pub fn ifindex(&self) -> i32 {
        self.ipi6_ifindex.get()
    }

    /// The address (`ipi6_addr`).
    #[inline]
    pub fn addr(&self) -> Ipv6Addr {
        self.ipi6_addr.ip()
    }

    /// Writes the 20 bytes to the start of `buf`; returns 20.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        emit_bytes(self.as_bytes(), buf, "in6_pktinfo")
    }
}

/// `ifindex=N addr=A`.
impl core::fmt::Display for In6Pktinfo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "ifindex={} addr={}", self.ifindex(), self.addr())
    }
}
