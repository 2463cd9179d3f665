//! `struct ip6_mtuinfo` (RFC 3542): the path MTU towards an address, as the `IPV6_PATHMTU`
//! control message (enabled by `IPV6_RECVPATHMTU`) and the `IPV6_PATHMTU` socket option
//! report it.

use core::fmt;

use zerocopy::byteorder::{NativeEndian, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::addr::{emit_bytes, view_prefix};
use crate::{Result, SockaddrIn6};

/// `struct ip6_mtuinfo` (32 bytes): a destination and its path MTU.
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
pub struct Ip6Mtuinfo {
    /// The destination the MTU applies to. The `IPV6_PATHMTU` socket option leaves it zeroed
    /// (`AF_UNSPEC`); the control message fills it in (`ipv6_local_rxpmtu`).
    pub ip6m_addr: SockaddrIn6,
    /// The path MTU in bytes, host byte order.
    pub ip6m_mtu: U32<NativeEndian>,
}

impl Ip6Mtuinfo {
    /// `sizeof(struct ip6_mtuinfo)`: 32 bytes.
    pub const LEN: usize = core::mem::size_of::<Ip6Mtuinfo>();

    /// The MTU `mtu` towards `addr`.
    pub fn new(addr: SockaddrIn6, mtu: u32) -> Self {
        Ip6Mtuinfo {
            ip6m_addr: addr,
            ip6m_mtu: U32::new(mtu),
        }
    }

    /// Views an `ip6_mtuinfo` at the start of `bytes`.
    ///
    /// ```
    /// use core::net::SocketAddrV6;
    /// use sockabi::mtuinfo::Ip6Mtuinfo;
    /// use sockabi::SockaddrIn6;
    ///
    /// let to = SockaddrIn6::new(SocketAddrV6::new("2001:db8::9".parse().unwrap(), 0, 0, 0));
    /// let mut bytes = [0u8; Ip6Mtuinfo::LEN];
    /// Ip6Mtuinfo::new(to, 1280).emit(&mut bytes)?;
    /// assert_eq!(Ip6Mtuinfo::ref_from_prefix(&bytes)?.to_string(), "mtu=1280 addr=[2001:db8::9]:0");
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    #[inline]
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "ip6_mtuinfo")
    }

    /// The path MTU (`ip6m_mtu`).
    #[inline]
    pub fn mtu(&self) -> u32 {
        self.ip6m_mtu.get()
    }

    /// Writes the 32 bytes to the start of `buf`; returns 32.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        emit_bytes(self.as_bytes(), buf, "ip6_mtuinfo")
    }
}

/// `mtu=N addr=[A]:P`.
impl fmt::Display for Ip6Mtuinfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "mtu={} addr={}", self.mtu(), self.ip6m_addr)
    }
}
