//! IPv4 addresses as the Linux socket ABI lays them out: `struct in_addr` and `struct sockaddr_in`.

use zerocopy::byteorder::{NativeEndian, NetworkEndian, U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::{emit_bytes, view_prefix, AF_INET, AF_UNSPEC};
use crate::{Error, Result};

/// `struct in_addr`: an IPv4 address in network byte order.
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
pub struct InAddr {
    /// The address, network byte order (`.get()` gives the host-order `u32`).
    pub s_addr: U32<NetworkEndian>,
}

impl InAddr {
    /// `INADDR_ANY` (0.0.0.0).
    pub const ANY: InAddr = InAddr { s_addr: U32::ZERO };

    /// `sizeof(struct in_addr)`: 4 bytes.
    pub const LEN: usize = core::mem::size_of::<InAddr>();

    /// The address from its four octets, in the order they are written (`a.b.c.d`).
    pub const fn from_octets(octets: [u8; 4]) -> Self {
        InAddr {
            s_addr: U32::from_bytes(octets),
        }
    }

    /// The four octets in the order they are written.
    #[inline]
    pub fn octets(&self) -> [u8; 4] {
        self.s_addr.to_bytes()
    }

    /// As a `core::net::Ipv4Addr`.
    #[inline]
    pub fn ip(&self) -> core::net::Ipv4Addr {
        core::net::Ipv4Addr::from(self.octets())
    }

    /// Writes the 4 bytes of this `in_addr` to the start of `buf`; returns 4.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        emit_bytes(self.as_bytes(), buf, "in_addr")
    }

    /// Views an `in_addr` at the start of `bytes`.
    #[inline]
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "in_addr")
    }
}

impl From<core::net::Ipv4Addr> for InAddr {
    fn from(ip: core::net::Ipv4Addr) -> Self {
        InAddr::from_octets(ip.octets())
    }
}

impl From<InAddr> for core::net::Ipv4Addr {
    fn from(a: InAddr) -> Self {
        a.ip()
    }
}

impl core::fmt::Debug for InAddr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "InAddr({})", self.ip())
    }
}

impl core::fmt::Display for InAddr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(&self.ip(), f)
    }
}

/// `struct sockaddr_in` (16 bytes): family in host order, port and address in network order.
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
pub struct SockaddrIn {
    /// Address family, host byte order; `AF_INET` for a valid IPv4 address.
    pub sin_family: U16<NativeEndian>,
    /// Port, network byte order (`.get()` gives the port number).
    pub sin_port: U16<NetworkEndian>,
    /// The IPv4 address.
    pub sin_addr: InAddr,
    /// Padding to the size of `struct sockaddr`; the kernel ignores it.
    pub sin_zero: [u8; 8],
}

impl SockaddrIn {
    /// An `AF_INET` socket address.
    pub fn new(addr: core::net::SocketAddrV4) -> Self {
        SockaddrIn {
            sin_family: U16::new(AF_INET),
            sin_port: U16::new(addr.port()),
            sin_addr: InAddr::from(*addr.ip()),
            sin_zero: [0; 8],
        }
    }

    /// Views a `sockaddr_in` at the start of `bytes`, whatever its family.
    #[inline]
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "sockaddr_in")
    }

    /// The address family (host order).
    #[inline]
    pub fn family(&self) -> u16 {
        self.sin_family.get()
    }

    /// The port number.
    #[inline]
    pub fn port(&self) -> u16 {
        self.sin_port.get()
    }

    /// As a `SocketAddrV4`, if the family is `AF_INET`.
    #[inline]
    pub fn socket_addr(&self) -> Result<core::net::SocketAddrV4> {
        if self.family() != AF_INET {
            return Err(Error::BadFamily {
                what: "sockaddr_in",
                family: self.family(),
            });
        }
        Ok(core::net::SocketAddrV4::new(
            self.sin_addr.ip(),
            self.port(),
        ))
    }
}

impl SockaddrIn {
    /// `sizeof(struct sockaddr_in)`: 16 bytes.
    pub const LEN: usize = core::mem::size_of::<SockaddrIn>();

    /// An `AF_UNSPEC` address, all zero: what the kernel writes when there is no address (for
    /// example the offender of a locally generated `IP_RECVERR` error).
    pub const UNSPEC: SockaddrIn = SockaddrIn {
        sin_family: U16::ZERO,
        sin_port: U16::ZERO,
        sin_addr: InAddr::ANY,
        sin_zero: [0; 8],
    };

    /// Copies a `sockaddr_in` out of the start of `bytes`, whatever its family.
    pub fn read(bytes: &[u8]) -> Result<Self> {
        Self::ref_from_prefix(bytes).copied()
    }

    /// Parses an `AF_INET` socket address from the start of `bytes`: the family must be
    /// `AF_INET`, as the kernel requires of addresses passed to it (`sin_zero` is ignored).
    ///
    /// ```
    /// use core::net::{Ipv4Addr, SocketAddrV4};
    /// use sockabi::SockaddrIn;
    ///
    /// let addr = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), 53);
    /// let mut buf = [0u8; SockaddrIn::LEN];
    /// SockaddrIn::new(addr).emit(&mut buf)?;
    /// assert_eq!(SockaddrIn::parse(&buf)?, addr);
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    pub fn parse(bytes: &[u8]) -> Result<core::net::SocketAddrV4> {
        Self::ref_from_prefix(bytes)?.socket_addr()
    }

    /// Writes the 16 bytes of this `sockaddr_in` to the start of `buf`; returns 16.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        emit_bytes(self.as_bytes(), buf, "sockaddr_in")
    }
}

impl From<core::net::SocketAddrV4> for SockaddrIn {
    fn from(addr: core::net::SocketAddrV4) -> Self {
        SockaddrIn::new(addr)
    }
}

impl TryFrom<SockaddrIn> for core::net::SocketAddrV4 {
    type Error = Error;

    /// Succeeds only for the `AF_INET` family.
    fn try_from(sa: SockaddrIn) -> Result<Self> {
        sa.socket_addr()
    }
}

/// `a.b.c.d:port` for `AF_INET`, `unspecified` for `AF_UNSPEC`, `family N` otherwise.
impl core::fmt::Display for SockaddrIn {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.family() {
            AF_INET => write!(f, "{}:{}", self.sin_addr, self.port()),
            AF_UNSPEC => f.write_str("unspecified"),
            other => write!(f, "family {other}"),
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use core::net::{Ipv4Addr, SocketAddrV4};
    use std::string::ToString;

    #[test]
    fn display_by_family() {
        let sa = SockaddrIn::new(SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), 53));
        assert_eq!(sa.to_string(), "192.0.2.1:53");
        assert_eq!(SockaddrIn::UNSPEC.to_string(), "unspecified");
        let mut other = sa;
        other.sin_family = U16::new(10);
        assert_eq!(other.to_string(), "family 10");
        assert!(SockaddrIn::parse(other.as_bytes()).is_err());
    }

    #[test]
    fn emit_into_short_buffer() {
        assert!(matches!(
            SockaddrIn::UNSPEC.emit(&mut [0u8; 15]),
            Err(Error::BufferTooSmall {
                needed: 16,
                got: 15,
                ..
            })
        ));
    }
}
