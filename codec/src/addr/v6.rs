//! IPv6 addresses as the Linux socket ABI lays them out: `struct in6_addr` and
//! `struct sockaddr_in6` (include/uapi/linux/in6.h, ipv6(7)).

use core::net::{Ipv6Addr, SocketAddrV6};

use zerocopy::byteorder::{NativeEndian, NetworkEndian, U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::{emit_bytes, view_prefix, AF_INET6, AF_UNSPEC};
use crate::{Error, Result};

/// `struct in6_addr` (16 bytes): an IPv6 address in network byte order.
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
)]
#[repr(C)]
pub struct In6Addr {
    /// The sixteen octets, in the order they are written.
    pub s6_addr: [u8; 16],
}

impl In6Addr {
    /// `in6addr_any` (`::`).
    pub const ANY: In6Addr = In6Addr { s6_addr: [0; 16] };

    /// `sizeof(struct in6_addr)`: 16 bytes.
    pub const LEN: usize = core::mem::size_of::<In6Addr>();

    /// The address from its sixteen octets.
    pub const fn from_octets(octets: [u8; 16]) -> Self {
        In6Addr { s6_addr: octets }
    }

    /// The sixteen octets.
    #[inline]
    pub const fn octets(&self) -> [u8; 16] {
        self.s6_addr
    }

    /// As a `core::net::Ipv6Addr`.
    #[inline]
    pub fn ip(&self) -> Ipv6Addr {
        Ipv6Addr::from(self.s6_addr)
    }

    /// Views an `in6_addr` at the start of `bytes`.
    ///
    /// ```
    /// use sockabi::addr::In6Addr;
    ///
    /// let mut bytes = [0u8; 16];
    /// bytes[..2].copy_from_slice(&[0xff, 0x05]);
    /// bytes[15] = 0x42;
    /// assert_eq!(In6Addr::ref_from_prefix(&bytes)?.to_string(), "ff05::42");
    /// assert!(In6Addr::ref_from_prefix(&bytes[..15]).is_err());
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    #[inline]
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "in6_addr")
    }

    /// Writes the 16 bytes to the start of `buf`; returns 16.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        emit_bytes(self.as_bytes(), buf, "in6_addr")
    }
}

impl From<Ipv6Addr> for In6Addr {
    fn from(ip: Ipv6Addr) -> Self {
        In6Addr::from_octets(ip.octets())
    }
}

impl From<In6Addr> for Ipv6Addr {
    fn from(a: In6Addr) -> Self {
        a.ip()
    }
}

impl core::fmt::Debug for In6Addr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "In6Addr({})", self.ip())
    }
}

/// The canonical text form of RFC 5952 (`2001:db8::1`).
impl core::fmt::Display for In6Addr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(&self.ip(), f)
    }
}

/// `struct sockaddr_in6` (28 bytes): family in host order, port and flow information in network
/// order, the address, and the scope id in host order.
///
/// `sin6_scope_id` is the interface index a link-local (or other non-global) address belongs
/// to: connecting to `fe80::1` needs it or a device binding (`SO_BINDTODEVICE`), and the kernel
/// answers `EINVAL` with neither (`__ip6_datagram_connect`, `tcp_v6_connect`: "Connect to
/// link-local address requires an interface"), and also when the scope names another device
/// than the one the socket is bound to.
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
pub struct SockaddrIn6 {
    /// Address family, host byte order; `AF_INET6` for a valid IPv6 address.
    pub sin6_family: U16<NativeEndian>,
    /// Port, network byte order (`.get()` gives the port number).
    pub sin6_port: U16<NetworkEndian>,
    /// Traffic class and flow label, network byte order (`.get()` gives the 32-bit value:
    /// 4 zero bits, 8 bits of traffic class, 20 bits of flow label).
    pub sin6_flowinfo: U32<NetworkEndian>,
    /// The IPv6 address.
    pub sin6_addr: In6Addr,
    /// The scope: an interface index for link-local addresses, 0 for none; host byte order.
    pub sin6_scope_id: U32<NativeEndian>,
}

impl SockaddrIn6 {
    /// `sizeof(struct sockaddr_in6)`: 28 bytes.
    pub const LEN: usize = core::mem::size_of::<SockaddrIn6>();

    /// An `AF_UNSPEC` address, all zero.
    pub const UNSPEC: SockaddrIn6 = SockaddrIn6 {
        sin6_family: U16::ZERO,
        sin6_port: U16::ZERO,
        sin6_flowinfo: U32::ZERO,
        sin6_addr: In6Addr::ANY,
        sin6_scope_id: U32::ZERO,
    };

    /// An `AF_INET6` socket address. `addr.flowinfo()` is taken as the 32-bit value (traffic
    /// class and flow label) and stored in network byte order, which is how the kernel reads
    /// `sin6_flowinfo` (`IPV6_FLOWINFO_MASK` is `htonl(0x0FFFFFFF)`, include/net/ipv6.h).
    ///
    /// Much Rust code that fills a `libc::sockaddr_in6` by hand copies `flowinfo()` into
    /// `sin6_flowinfo` unconverted, so a non-zero flow label it sends reads back here
    /// byte-swapped on a little-endian machine. A `flowinfo` of 0, as nearly every address has, is the same
    /// either way.
    pub fn new(addr: SocketAddrV6) -> Self {
        SockaddrIn6 {
            sin6_family: U16::new(AF_INET6),
            sin6_port: U16::new(addr.port()),
            sin6_flowinfo: U32::new(addr.flowinfo()),
            sin6_addr: In6Addr::from(*addr.ip()),
            sin6_scope_id: U32::new(addr.scope_id()),
        }
    }

    /// Views a `sockaddr_in6` at the start of `bytes`, whatever its family.
    #[inline]
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "sockaddr_in6")
    }

    /// Copies a `sockaddr_in6` out of the start of `bytes`, whatever its family.
    pub fn read(bytes: &[u8]) -> Result<Self> {
        Self::ref_from_prefix(bytes).copied()
    }

    /// The address family (host order).
    #[inline]
    pub fn family(&self) -> u16 {
        self.sin6_family.get()
    }

    /// The port number.
    #[inline]
    pub fn port(&self) -> u16 {
        self.sin6_port.get()
    }

    /// The address.
    #[inline]
    pub fn ip(&self) -> Ipv6Addr {
        self.sin6_addr.ip()
    }

    /// `sin6_flowinfo` as a number (converted from network byte order).
    #[inline]
    pub fn flowinfo(&self) -> u32 {
        self.sin6_flowinfo.get()
    }

    /// The 20-bit flow label of `sin6_flowinfo` (`IPV6_FLOWLABEL_MASK`).
    #[inline]
    pub fn flow_label(&self) -> u32 {
        self.flowinfo() & 0x000f_ffff
    }

    /// The traffic class of `sin6_flowinfo` (bits 20 to 27, as `ip6_tclass` reads it).
    #[inline]
    pub fn traffic_class(&self) -> u8 {
        (self.flowinfo() >> 20) as u8
    }

    /// The scope id (`sin6_scope_id`), 0 for none.
    #[inline]
    pub fn scope_id(&self) -> u32 {
        self.sin6_scope_id.get()
    }

    /// As a `SocketAddrV6`, if the family is `AF_INET6`.
    #[inline]
    pub fn socket_addr(&self) -> Result<SocketAddrV6> {
        if self.family() != AF_INET6 {
            return Err(Error::BadFamily {
                what: "sockaddr_in6",
                family: self.family(),
            });
        }
        Ok(SocketAddrV6::new(
            self.ip(),
            self.port(),
            self.flowinfo(),
            self.scope_id(),
        ))
    }

    /// Parses an `AF_INET6` socket address from the start of `bytes` (at least 28 bytes).
    ///
    /// ```
    /// use core::net::SocketAddrV6;
    /// use sockabi::addr::SockaddrIn6;
    ///
    /// // A link-local peer on interface 3, flow label 0x12345.
    /// let addr = SocketAddrV6::new("fe80::1".parse().unwrap(), 53, 0x12345, 3);
    /// let mut buf = [0u8; SockaddrIn6::LEN];
    /// SockaddrIn6::new(addr).emit(&mut buf)?;
    /// assert_eq!(&buf[4..8], &[0x00, 0x01, 0x23, 0x45]); // flowinfo, network byte order
    /// assert_eq!(SockaddrIn6::parse(&buf)?, addr);
    /// assert_eq!(SockaddrIn6::read(&buf)?.to_string(), "[fe80::1%3]:53");
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    pub fn parse(bytes: &[u8]) -> Result<SocketAddrV6> {
        Self::ref_from_prefix(bytes)?.socket_addr()
    }

    /// Writes the 28 bytes to the start of `buf`; returns 28.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        emit_bytes(self.as_bytes(), buf, "sockaddr_in6")
    }
}

impl From<SocketAddrV6> for SockaddrIn6 {
    fn from(addr: SocketAddrV6) -> Self {
        SockaddrIn6::new(addr)
    }
}

impl TryFrom<SockaddrIn6> for SocketAddrV6 {
    type Error = Error;

    /// Succeeds only for the `AF_INET6` family.
    fn try_from(sa: SockaddrIn6) -> Result<Self> {
        sa.socket_addr()
    }
}

/// `[addr%scope]:port` (the scope only when not 0) for `AF_INET6`, `unspecified` for
/// `AF_UNSPEC`, `family N` otherwise. The scope is the number; naming the interface
/// (`fe80::1%eth0`) needs the namespace's interface table.
impl core::fmt::Display for SockaddrIn6 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.family() {
            AF_INET6 => match self.scope_id() {
                0 => write!(f, "[{}]:{}", self.ip(), self.port()),
                scope => write!(f, "[{}%{scope}]:{}", self.ip(), self.port()),
            },
            AF_UNSPEC => f.write_str("unspecified"),
            other => write!(f, "family {other}"),
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;

    #[test]
    fn flowinfo_fields() {
        let sa = SockaddrIn6::new(SocketAddrV6::new(Ipv6Addr::LOCALHOST, 1, 0x0ab1_2345, 0));
        assert_eq!(sa.traffic_class(), 0xab);
        assert_eq!(sa.flow_label(), 0x12345);
        assert_eq!(sa.as_bytes()[4..8], [0x0a, 0xb1, 0x23, 0x45]);
    }

    #[test]
    fn display_by_family() {
        let sa = SockaddrIn6::new(SocketAddrV6::new("2001:db8::1".parse().unwrap(), 443, 0, 0));
        assert_eq!(sa.to_string(), "[2001:db8::1]:443");
        assert_eq!(SockaddrIn6::UNSPEC.to_string(), "unspecified");
        let mut other = sa;
        other.sin6_family = U16::new(2);
        assert_eq!(other.to_string(), "family 2");
        assert!(matches!(
            SockaddrIn6::parse(other.as_bytes()),
            Err(Error::BadFamily { family: 2, .. })
        ));
    }

    #[test]
    fn short_input_is_truncated() {
        assert_eq!(
            SockaddrIn6::ref_from_prefix(&[0u8; 27]),
            Err(Error::truncated("sockaddr_in6", 28, 27))
        );
    }
}
