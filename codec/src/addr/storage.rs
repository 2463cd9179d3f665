//! `struct sockaddr_storage` (128 bytes), the container the family-generic multicast requests
//! (`group_req`, `group_source_req`, `group_filter`) carry their addresses in, and
//! [`SockaddrRef`], a view of any socket address by its family.

use core::fmt;
use core::net::{IpAddr, SocketAddr};

use zerocopy::byteorder::{NativeEndian, U16};
use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::{emit_bytes, view_prefix, SockaddrIn, SockaddrIn6, AF_INET, AF_INET6, AF_UNSPEC};
use crate::{Error, Result};

/// `_K_SS_MAXSIZE`: `sizeof(struct sockaddr_storage)`, 128 bytes.
pub const SS_MAXSIZE: usize = 128;

/// `struct sockaddr_storage` (128 bytes): a family and room for any socket address.
///
/// In C it is 8-byte aligned (`__kernel_sockaddr_storage` is a union with a `void *`), which is
/// why a `group_req` puts it at offset 8, not 4, on 64-bit Linux; this type itself has
/// alignment 1, like every view of this crate, and the containing types spell the padding out.
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, PartialEq, Eq, Hash,
)]
#[repr(C)]
pub struct SockaddrStorage {
    /// Address family, host byte order.
    pub ss_family: U16<NativeEndian>,
    /// The rest of the address (`__data` in the kernel's declaration).
    pub ss_data: [u8; SS_MAXSIZE - 2],
}

impl SockaddrStorage {
    /// `sizeof(struct sockaddr_storage)`: 128 bytes.
    pub const LEN: usize = core::mem::size_of::<SockaddrStorage>();

    /// All zero: family `AF_UNSPEC`.
    pub fn unspec() -> Self {
        Self::new_zeroed()
    }

    /// `addr` at the start of a zeroed storage (a `sockaddr_in` or `sockaddr_in6`).
    pub fn new(addr: SocketAddr) -> Self {
        let mut ss = Self::new_zeroed();
        let bytes = ss.as_mut_bytes();
        // 16 or 28 bytes into 128: cannot fail.
        let _ = match addr {
            SocketAddr::V4(a) => SockaddrIn::new(a).emit(bytes),
            SocketAddr::V6(a) => SockaddrIn6::new(a).emit(bytes),
        };
        ss
    }

    /// Views a `sockaddr_storage` at the start of `bytes` (128 bytes needed).
    #[inline]
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "sockaddr_storage")
    }

    /// The address family (host order).
    #[inline]
    pub fn family(&self) -> u16 {
        self.ss_family.get()
    }

    /// The address it holds, by family; see [`SockaddrRef`].
    ///
    /// ```
    /// use core::net::SocketAddr;
    /// use sockabi::addr::{SockaddrRef, SockaddrStorage};
    ///
    /// let ss = SockaddrStorage::new("[ff05::1:3]:0".parse::<SocketAddr>().unwrap());
    /// match ss.addr() {
    ///     SockaddrRef::In6(sin6) => assert_eq!(sin6.ip().segments()[0], 0xff05),
    ///     other => panic!("{other}"),
    /// }
    /// assert_eq!(SockaddrStorage::unspec().addr(), SockaddrRef::Unspec);
    /// ```
    #[inline]
    pub fn addr(&self) -> SockaddrRef<'_> {
        // 128 bytes hold every family this view knows: it never fails.
        SockaddrRef::parse(self.as_bytes()).unwrap_or(SockaddrRef::Other {
            family: self.family(),
            data: &self.ss_data,
        })
    }

    /// The `sockaddr_in` it holds, if the family is `AF_INET`.
    pub fn as_in(&self) -> Result<&SockaddrIn> {
        match self.addr() {
            SockaddrRef::In(sin) => Ok(sin),
            _ => Err(self.bad_family("sockaddr_storage (AF_INET expected)")),
        }
    }

    /// The `sockaddr_in6` it holds, if the family is `AF_INET6`.
    pub fn as_in6(&self) -> Result<&SockaddrIn6> {
        match self.addr() {
            SockaddrRef::In6(sin6) => Ok(sin6),
            _ => Err(self.bad_family("sockaddr_storage (AF_INET6 expected)")),
        }
    }

    fn bad_family(&self, what: &'static str) -> Error {
        Error::BadFamily {
            what,
            family: self.family(),
        }
    }

    /// Writes the 128 bytes to the start of `buf`; returns 128.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        emit_bytes(self.as_bytes(), buf, "sockaddr_storage")
    }
}

impl Default for SockaddrStorage {
    fn default() -> Self {
        Self::unspec()
    }
}

impl From<SocketAddr> for SockaddrStorage {
    fn from(addr: SocketAddr) -> Self {
        SockaddrStorage::new(addr)
    }
}

impl fmt::Debug for SockaddrStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SockaddrStorage({:?})", self.addr())
    }
}

/// As [`SockaddrRef`] displays.
impl fmt::Display for SockaddrStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.addr(), f)
    }
}

/// A socket address viewed by its family: what a `struct sockaddr *` points to.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum SockaddrRef<'a> {
    /// `AF_UNSPEC`: no address.
    Unspec,
    /// `AF_INET`: a `sockaddr_in`.
    In(&'a SockaddrIn),
    /// `AF_INET6`: a `sockaddr_in6`.
    In6(&'a SockaddrIn6),
    /// Another family; `data` is what follows the family field.
    Other {
        /// The family.
        family: u16,
        /// The bytes after the family.
        data: &'a [u8],
    },
}

impl<'a> SockaddrRef<'a> {
    /// Views the socket address at the start of `bytes` by its family: at least the 2 bytes of
    /// the family, and the whole `sockaddr_in` (16 bytes) or `sockaddr_in6` (28 bytes) for
    /// those families.
    ///
    /// ```
    /// use sockabi::addr::SockaddrRef;
    ///
    /// let mut sin = [0u8; 16];
    /// sin[..2].copy_from_slice(&2u16.to_ne_bytes()); // AF_INET
    /// sin[2..4].copy_from_slice(&53u16.to_be_bytes());
    /// sin[4..8].copy_from_slice(&[192, 0, 2, 1]);
    /// assert_eq!(SockaddrRef::parse(&sin)?.to_string(), "192.0.2.1:53");
    ///
    /// let mut sin6 = [0u8; 27]; // one byte short of a sockaddr_in6
    /// sin6[..2].copy_from_slice(&10u16.to_ne_bytes());
    /// assert!(SockaddrRef::parse(&sin6).is_err());
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let (family, data) = match bytes {
            [a, b, data @ ..] => (u16::from_ne_bytes([*a, *b]), data),
            _ => return Err(Error::truncated("sockaddr", 2, bytes.len())),
        };
        Ok(match family {
            AF_UNSPEC => SockaddrRef::Unspec,
            AF_INET => SockaddrRef::In(SockaddrIn::ref_from_prefix(bytes)?),
            AF_INET6 => SockaddrRef::In6(SockaddrIn6::ref_from_prefix(bytes)?),
            family => SockaddrRef::Other { family, data },
        })
    }

    /// The family.
    pub fn family(&self) -> u16 {
        match *self {
            SockaddrRef::Unspec => AF_UNSPEC,
            SockaddrRef::In(_) => AF_INET,
            SockaddrRef::In6(_) => AF_INET6,
            SockaddrRef::Other { family, .. } => family,
        }
    }

    /// The IP address, for `AF_INET` and `AF_INET6`.
    pub fn ip(&self) -> Option<IpAddr> {
        self.socket_addr().map(|a| a.ip())
    }

    /// The socket address (port, and for IPv6 flow information and scope), for `AF_INET` and
    /// `AF_INET6`.
    pub fn socket_addr(&self) -> Option<SocketAddr> {
        match *self {
            SockaddrRef::In(sin) => sin.socket_addr().ok().map(SocketAddr::V4),
            SockaddrRef::In6(sin6) => sin6.socket_addr().ok().map(SocketAddr::V6),
            _ => None,
        }
    }
}

/// `192.0.2.1:53`, `[fe80::1%3]:53`, `unspecified` or `family N`.
impl fmt::Display for SockaddrRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            SockaddrRef::Unspec => f.write_str("unspecified"),
            SockaddrRef::In(sin) => fmt::Display::fmt(sin, f),
            SockaddrRef::In6(sin6) => fmt::Display::fmt(sin6, f),
            SockaddrRef::Other { family, .. } => write!(f, "family {family}"),
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;

    #[test]
    fn views_by_family() {
        let v4 = SockaddrStorage::new("192.0.2.7:9".parse().unwrap());
        assert_eq!(v4.as_in().unwrap().to_string(), "192.0.2.7:9");
        assert!(matches!(
            v4.as_in6(),
            Err(Error::BadFamily { family: 2, .. })
        ));
        let v6 = SockaddrStorage::new("[2001:db8::7]:9".parse().unwrap());
        assert_eq!(v6.to_string(), "[2001:db8::7]:9");
        assert!(v6.as_in().is_err());
        let mut other = SockaddrStorage::unspec();
        other.ss_family = U16::new(1); // AF_UNIX
        assert_eq!(other.to_string(), "family 1");
        assert_eq!(other.addr().socket_addr(), None);
    }

    #[test]
    fn short_sockaddr_is_truncated() {
        assert_eq!(
            SockaddrRef::parse(&[2]),
            Err(Error::truncated("sockaddr", 2, 1))
        );
        assert_eq!(
            SockaddrRef::parse(&[2, 0, 0]),
            Err(Error::truncated("sockaddr_in", 16, 3))
        );
    }
}
