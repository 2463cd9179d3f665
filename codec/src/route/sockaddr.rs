//! The sockaddrs a BSD routing message carries: 4.4BSD `sockaddr_in`, `sockaddr_in6` and
//! `sockaddr_dl` (each starting with a one-byte `sa_len`), and netmasks cut short.

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

    /// The address.
    #[inline]
    pub fn ip(&self) -> Ipv6Addr {
        Ipv6Addr::from(self.sin6_addr)
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
        let used = usize::from(header.sdl_nlen)
            + usize::from(header.sdl_alen)
            + usize::from(header.sdl_slen);
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

    /// The interface name (`sdl_nlen` bytes, not NUL-terminated).
    #[inline]
    pub fn name(&self) -> &'a [u8] {
        self.data
            .get(..usize::from(self.header.sdl_nlen))
            .unwrap_or_default()
    }

    /// The interface name as text, if it is UTF-8.
    #[inline]
    pub fn name_str(&self) -> Option<&'a str> {
        core::str::from_utf8(self.name()).ok()
    }

    /// The link-layer address (`LLADDR()`: `sdl_alen` bytes after the name), e.g. a MAC.
    #[inline]
    pub fn lladdr(&self) -> &'a [u8] {
        let start = usize::from(self.header.sdl_nlen);
        let end = start + usize::from(self.header.sdl_alen);
        self.data.get(start..end).unwrap_or_default()
    }

    /// The link-layer selector (`sdl_slen` bytes after the address), usually empty.
    #[inline]
    pub fn selector(&self) -> &'a [u8] {
        let start = usize::from(self.header.sdl_nlen) + usize::from(self.header.sdl_alen);
        let end = start + usize::from(self.header.sdl_slen);
        self.data.get(start..end).unwrap_or_default()
    }
}

/// One address of a routing message, decoded by family and slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sockaddr<'a> {
    /// An `AF_INET` `sockaddr_in` (16 bytes or more).
    Inet(&'a BsdSockaddrIn),
    /// An `AF_INET6` `sockaddr_in6` (28 bytes or more).
    Inet6(&'a BsdSockaddrIn6),
    /// An `AF_LINK` `sockaddr_dl`: the interface, in `RTA_IFP`.
    Link(LinkAddr<'a>),
    /// An IPv4 netmask from a mask slot (`RTA_NETMASK`, `RTA_GENMASK`, OpenBSD's
    /// `RTA_SRCMASK`). The kernels send masks cut after their last non-zero byte, with family
    /// `AF_INET` or 0: `sa_len` 6 for 255.255.0.0, 0 for 0.0.0.0; the missing bytes are zero.
    Netmask(Ipv4Addr),
    /// An IPv6 netmask from a mask slot (family `AF_INET6`), missing bytes zero.
    Netmask6(Ipv6Addr),
    /// Any other family, or an empty (`sa_len` 0) sockaddr outside a mask slot.
    Unknown {
        /// `sa_family` (0 when the sockaddr is shorter than 2 bytes).
        family: u8,
        /// The sockaddr's `sa_len` bytes, `sa_len` and `sa_family` included.
        bytes: &'a [u8],
    },
}

impl<'a> Sockaddr<'a> {
    /// Decodes the sockaddr `bytes` (exactly its `sa_len` bytes) found in slot `bit` of a
    /// message from `os`.
    ///
    /// An `AF_INET`, `AF_INET6` or `AF_LINK` sockaddr too short for its structure is an error
    /// (outside the mask slots, where short masks are the norm). A mask without a family
    /// (`AF_UNSPEC`, or `sa_len` under 2) is taken as IPv4 here; [`Addrs`](super::Addrs), which
    /// knows the message's destination, takes it as IPv6 when the destination is IPv6 (see
    /// [`Sockaddr::decode_mask_as_ipv6`]).
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
        Self::decode_in(os, bit, bytes, false)
    }

    /// [`Sockaddr::decode`] for a message whose destination is IPv6: a mask without a family
    /// is an IPv6 mask (an IPv6 default route's mask has `sa_len` 0, like IPv4's).
    ///
    /// ```
    /// use core::net::Ipv6Addr;
    /// use sockabi::route::{Os, RtaBit, Sockaddr};
    /// let mask = Sockaddr::decode_mask_as_ipv6(Os::Darwin, RtaBit::NETMASK, &[])?;
    /// assert_eq!(mask, Sockaddr::Netmask6(Ipv6Addr::UNSPECIFIED));
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    #[inline]
    pub fn decode_mask_as_ipv6(os: Os, bit: RtaBit, bytes: &'a [u8]) -> Result<Self> {
        Self::decode_in(os, bit, bytes, true)
    }

    /// The decoder behind both: `ipv6_context` says how to read a mask without a family.
    #[inline]
    pub(crate) fn decode_in(
        os: Os,
        bit: RtaBit,
        bytes: &'a [u8],
        ipv6_context: bool,
    ) -> Result<Self> {
        let family = bytes.get(1).copied().unwrap_or(AF_UNSPEC);
        if bit.is_mask(os) {
            let unspec = family == AF_UNSPEC;
            if family == os.af_inet6() || (unspec && ipv6_context) {
                return Ok(Sockaddr::Netmask6(Ipv6Addr::from(mask_bytes::<16>(
                    bytes, 8,
                ))));
            }
            if family == AF_INET || unspec {
                return Ok(Sockaddr::Netmask(Ipv4Addr::from(mask_bytes::<4>(bytes, 4))));
            }
        }
        if bytes.len() < 2 {
            return Ok(Sockaddr::Unknown { family, bytes });
        }
        match family {
            AF_INET => BsdSockaddrIn::ref_from_prefix(bytes).map(Sockaddr::Inet),
            AF_LINK => LinkAddr::parse(bytes).map(Sockaddr::Link),
            f if f == os.af_inet6() => BsdSockaddrIn6::ref_from_prefix(bytes).map(Sockaddr::Inet6),
            _ => Ok(Sockaddr::Unknown { family, bytes }),
        }
    }

    /// The IP address of an `Inet`/`Inet6` sockaddr or a netmask.
    #[inline]
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Sockaddr::Inet(sin) => Some(IpAddr::V4(sin.ip())),
            Sockaddr::Inet6(sin6) => Some(IpAddr::V6(sin6.ip())),
            Sockaddr::Netmask(mask) => Some(IpAddr::V4(*mask)),
            Sockaddr::Netmask6(mask) => Some(IpAddr::V6(*mask)),
            Sockaddr::Link(_) | Sockaddr::Unknown { .. } => None,
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
    fn masks_without_family_follow_the_context() {
        let v6 = Sockaddr::decode_mask_as_ipv6(Os::FreeBsd, RtaBit::NETMASK, &[]);
        assert_eq!(v6, Ok(Sockaddr::Netmask6(Ipv6Addr::UNSPECIFIED)));
        let bytes = [12u8, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xc0];
        let v6 = Sockaddr::decode_mask_as_ipv6(Os::NetBsd, RtaBit::GENMASK, &bytes);
        assert_eq!(v6, Ok(Sockaddr::Netmask6("ffff:ffc0::".parse().unwrap())));
        // A mask that names AF_INET stays IPv4 whatever the context.
        let v4 =
            Sockaddr::decode_mask_as_ipv6(Os::NetBsd, RtaBit::NETMASK, &[5, AF_INET, 0, 0, 255]);
        assert_eq!(v4, Ok(Sockaddr::Netmask(Ipv4Addr::new(255, 0, 0, 0))));
        // Outside mask slots the context changes nothing.
        let gw = Sockaddr::decode_mask_as_ipv6(Os::NetBsd, RtaBit::GATEWAY, &[]);
        assert_eq!(
            gw,
            Ok(Sockaddr::Unknown {
                family: 0,
                bytes: &[]
            })
        );
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
