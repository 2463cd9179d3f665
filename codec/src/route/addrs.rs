//! The walk over the sockaddrs after an `rt_msghdr`: one per set bit of `rtm_addrs`, in
//! ascending bit order, each `sa_len` bytes rounded up to the system's unit.

use super::{IpFamily, Os, Sockaddr};
use crate::{Error, Result};

/// An address slot of a routing message: bit `RTA_*` of `rtm_addrs`, index `RTAX_*`.
///
/// The first eight slots are the same on all four systems; OpenBSD adds `RTA_SRC` ...
/// `RTA_SEARCH` (indexes 8 to 14) and NetBSD `RTA_TAG` (8), which [`RtaBit::name`] knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RtaBit(u8);

impl RtaBit {
    /// `RTA_DST` / `RTAX_DST`: the destination.
    pub const DST: RtaBit = RtaBit(0);
    /// `RTA_GATEWAY` / `RTAX_GATEWAY`: the gateway (or, for a direct route, the interface's
    /// link address).
    pub const GATEWAY: RtaBit = RtaBit(1);
    /// `RTA_NETMASK` / `RTAX_NETMASK`: the destination's netmask.
    pub const NETMASK: RtaBit = RtaBit(2);
    /// `RTA_GENMASK` / `RTAX_GENMASK`: the cloning mask.
    pub const GENMASK: RtaBit = RtaBit(3);
    /// `RTA_IFP` / `RTAX_IFP`: the interface, as a `sockaddr_dl`.
    pub const IFP: RtaBit = RtaBit(4);
    /// `RTA_IFA` / `RTAX_IFA`: the interface address the route uses (the source address).
    pub const IFA: RtaBit = RtaBit(5);
    /// `RTA_AUTHOR` / `RTAX_AUTHOR`: the author of a redirect.
    pub const AUTHOR: RtaBit = RtaBit(6);
    /// `RTA_BRD` / `RTAX_BRD`: broadcast or point-to-point address.
    pub const BRD: RtaBit = RtaBit(7);

    /// The slot with index `rtax` (`RTAX_*`), if it is a bit of a 32-bit `rtm_addrs`.
    #[inline]
    pub const fn from_index(rtax: u8) -> Option<RtaBit> {
        if rtax < 32 {
            Some(RtaBit(rtax))
        } else {
            None
        }
    }

    /// The index, `RTAX_*`.
    #[inline]
    pub const fn index(self) -> u8 {
        self.0
    }

    /// The bit in `rtm_addrs`, `RTA_*` (`1 << RTAX_*`).
    #[inline]
    pub const fn mask(self) -> i32 {
        (1u32 << self.0) as i32
    }

    /// The C name of the slot on `os` (`"RTA_DST"`, OpenBSD's `"RTA_LABEL"`, ...), `None` for
    /// a bit the system does not define.
    ///
    /// ```
    /// use sockabi::route::{Os, RtaBit};
    /// assert_eq!(RtaBit::IFP.name(Os::Darwin), Some("RTA_IFP"));
    /// assert_eq!(RtaBit::from_index(8).unwrap().name(Os::OpenBsd), Some("RTA_SRC"));
    /// assert_eq!(RtaBit::from_index(8).unwrap().name(Os::NetBsd), Some("RTA_TAG"));
    /// assert_eq!(RtaBit::from_index(8).unwrap().name(Os::FreeBsd), None);
    /// ```
    #[inline]
    pub const fn name(self, os: Os) -> Option<&'static str> {
        match os {
            Os::FreeBsd => super::freebsd::rta_name(self.0),
            Os::Darwin => super::darwin::rta_name(self.0),
            Os::OpenBsd => super::openbsd::rta_name(self.0),
            Os::NetBsd => super::netbsd::rta_name(self.0),
        }
    }

    /// Whether the slot holds a netmask on `os` (`RTA_NETMASK`, `RTA_GENMASK`, and OpenBSD's
    /// `RTA_SRCMASK`): the kernels shorten those.
    #[inline]
    pub const fn is_mask(self, os: Os) -> bool {
        match self.0 {
            2 | 3 => true,
            9 => matches!(os, Os::OpenBsd),
            _ => false,
        }
    }
}

/// Iterator over the addresses of a routing message, in ascending `RTA_*` order.
///
/// The walk first finds the message's family ([`Addrs::family`]): that of `RTA_DST`, or, in a
/// message without an IP destination (an `RTM_NEWADDR`, an empty `RTA_DST`), that of
/// `RTA_IFA`, as xnu's `rtm_scrub` does; failing both, that of the first IP sockaddr of the
/// message. Each sockaddr is then decoded by [`Sockaddr::decode_with_family`]: masks as masks
/// of that family whatever their own family byte, empty sockaddrs outside mask slots as its
/// unspecified address.
///
/// Each item is the slot and its decoded address. A sockaddr whose own content is wrong (a
/// `sockaddr_in` shorter than 16 bytes, a `sockaddr_dl` whose name runs past its `sdl_len`)
/// gives an `Err` for that slot and the walk goes on, since `sa_len` still says where the next
/// one starts. A framing error ends the walk after its `Err` item: an `sa_len` that runs past
/// the message, a set bit with no bytes left for it, or a bit at or above the system's
/// `RTAX_MAX`. The walk never panics, whatever the bytes.
///
/// ```
/// use sockabi::route::{Addrs, IpFamily, Os, RtaBit, Sockaddr};
/// // RTA_DST | RTA_NETMASK on Darwin: a sockaddr_in, then a 0.0.0.0 mask with sa_len 0.
/// let bytes = [16, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
/// let mut addrs = Addrs::new(Os::Darwin, 0x1 | 0x4, &bytes);
/// assert_eq!(addrs.family(), Some(IpFamily::V4));
/// assert_eq!(addrs.next().map(|(bit, _)| bit), Some(RtaBit::DST));
/// let (bit, mask) = addrs.next().unwrap();
/// assert_eq!(bit, RtaBit::NETMASK);
/// assert_eq!(mask?, Sockaddr::Netmask(core::net::Ipv4Addr::UNSPECIFIED));
/// assert!(addrs.next().is_none());
/// # Ok::<(), sockabi::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Addrs<'a> {
    raw: RawAddrs<'a>,
    /// The message's family, which masks and empty sockaddrs take.
    family: Option<IpFamily>,
}

impl<'a> Addrs<'a> {
    /// Walks `bytes` (the message after its header) for the addresses `rtm_addrs` announces.
    #[inline]
    pub fn new(os: Os, rtm_addrs: i32, bytes: &'a [u8]) -> Self {
        let raw = RawAddrs::new(os, rtm_addrs, bytes);
        let family = message_family(os, raw.clone());
        Addrs { raw, family }
    }

    /// The family the message is about: `RTA_DST`'s if it is IPv4 or IPv6, else `RTA_IFA`'s,
    /// else that of the first IPv4 or IPv6 sockaddr outside the mask slots; `None` when no
    /// sockaddr names one (an `RTM_IFINFO`, or a message with only link addresses).
    #[inline]
    pub fn family(&self) -> Option<IpFamily> {
        self.family
    }

    /// The bytes not walked yet.
    #[inline]
    pub fn remainder(&self) -> &'a [u8] {
        self.raw.rest
    }
}

/// The family of a message's addresses (see [`Addrs::family`]), from their framing and family
/// bytes alone.
fn message_family(os: Os, raw: RawAddrs<'_>) -> Option<IpFamily> {
    let (mut dst, mut ifa, mut first) = (None, None, None);
    for (bit, sockaddr) in raw.map_while(|(bit, item)| item.ok().map(|s| (bit, s))) {
        let family = match *sockaddr {
            [_, f, ..] if !bit.is_mask(os) => IpFamily::from_sa_family(os, f),
            _ => None,
        };
        match bit {
            RtaBit::DST => dst = family,
            RtaBit::IFA => ifa = family,
            _ => {}
        }
        first = first.or(family);
    }
    dst.or(ifa).or(first)
}

impl<'a> Iterator for Addrs<'a> {
    type Item = (RtaBit, Result<Sockaddr<'a>>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let (bit, sockaddr) = self.raw.next()?;
        let item = sockaddr
            .and_then(|bytes| Sockaddr::decode_with_family(self.raw.os, bit, bytes, self.family));
        Some((bit, item))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.raw.size_hint()
    }
}

impl core::iter::FusedIterator for Addrs<'_> {}

/// The framing of [`Addrs`] without the decoding: each announced slot and its sockaddr's
/// `sa_len` bytes, undecoded (what re-emitting a message needs).
///
/// Errors are [`Addrs`]'s framing errors, and end the walk likewise.
///
/// ```
/// use sockabi::route::{Os, RawAddrs, RtaBit};
/// let bytes = [6, 0, 0, 0, 255, 255, 0, 0, 7, 7];
/// let mut raw = RawAddrs::new(Os::FreeBsd, 0x4 | 0x20, &bytes);
/// assert_eq!(raw.next(), Some((RtaBit::NETMASK, Ok(&bytes[..6]))));
/// assert!(raw.next().unwrap().1.is_err()); // IFA's sa_len 7 runs past the end
/// assert_eq!(raw.next(), None);
/// ```
#[derive(Clone, Debug)]
pub struct RawAddrs<'a> {
    os: Os,
    rest: &'a [u8],
    bits: u32,
}

impl<'a> RawAddrs<'a> {
    /// Walks `bytes` (the message after its header) for the addresses `rtm_addrs` announces.
    #[inline]
    pub fn new(os: Os, rtm_addrs: i32, bytes: &'a [u8]) -> Self {
        RawAddrs {
            os,
            rest: bytes,
            bits: rtm_addrs as u32,
        }
    }

    /// Ends the walk after an error item.
    fn stop(&mut self) {
        self.bits = 0;
        self.rest = &[];
    }
}

impl<'a> Iterator for RawAddrs<'a> {
    type Item = (RtaBit, Result<&'a [u8]>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.bits == 0 {
            return None;
        }
        let bit = RtaBit(self.bits.trailing_zeros() as u8);
        self.bits &= self.bits - 1;

        if bit.index() >= self.os.rtax_max() {
            self.stop();
            return Some((
                bit,
                Err(Error::Invalid {
                    what: "rtm_addrs",
                    reason: "address bit at or above RTAX_MAX of this system",
                }),
            ));
        }
        let Some(&sa_len) = self.rest.first() else {
            self.stop();
            return Some((bit, Err(Error::truncated("sockaddr (sa_len)", 1, 0))));
        };
        let sa_len = usize::from(sa_len);
        let Some(sockaddr) = self.rest.get(..sa_len) else {
            let available = self.rest.len();
            self.stop();
            return Some((
                bit,
                Err(Error::BadHeaderLength {
                    what: "sockaddr: sa_len",
                    len: sa_len,
                    available,
                }),
            ));
        };
        // The rounding padding of the last sockaddr may be missing; that is no error.
        let step = self.os.sa_size(sa_len).min(self.rest.len());
        self.rest = self.rest.get(step..).unwrap_or_default();
        Some((bit, Ok(sockaddr)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.bits.count_ones() as usize))
    }
}

impl core::iter::FusedIterator for RawAddrs<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::Ipv4Addr;
    use std::{vec, vec::Vec};

    use crate::route::test_sin as sin;

    #[test]
    fn bits_are_walked_in_ascending_order_with_rounding() {
        // FreeBSD: DST (16), NETMASK with sa_len 6 (takes 8), IFA (16).
        let mut bytes = [0u8; 40];
        bytes[..16].copy_from_slice(&sin([192, 0, 2, 0]));
        bytes[16..22].copy_from_slice(&[6, 0, 0, 0, 255, 255]);
        bytes[24..40].copy_from_slice(&sin([192, 0, 2, 9]));
        let items: Vec<_> = Addrs::new(Os::FreeBsd, 0x20 | 0x4 | 0x1, &bytes).collect();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].0, RtaBit::DST);
        assert_eq!(
            items[1].1,
            Ok(Sockaddr::Netmask(Ipv4Addr::new(255, 255, 0, 0)))
        );
        assert_eq!(items[2].0, RtaBit::IFA);
        assert_eq!(
            items[2].1.as_ref().map(Sockaddr::ip),
            Ok(Some(Ipv4Addr::new(192, 0, 2, 9).into()))
        );

        // Darwin rounds the 6-byte mask to 8 as well, but a 20-byte sockaddr_dl to 20.
        let mut bytes = [0u8; 20 + 16];
        bytes[..20].copy_from_slice(&[
            20, 18, 1, 0, 24, 3, 0, 0, b'l', b'o', b'0', 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ]);
        bytes[20..].copy_from_slice(&sin([127, 0, 0, 1]));
        let items: Vec<_> = Addrs::new(Os::Darwin, 0x10 | 0x20, &bytes).collect();
        assert_eq!(items.len(), 2);
        assert_eq!(
            items[0]
                .1
                .as_ref()
                .ok()
                .and_then(Sockaddr::link)
                .map(|l| l.name()),
            Some(&b"lo0"[..])
        );
        assert_eq!(
            items[1].1.as_ref().ok().and_then(Sockaddr::ip),
            Some(Ipv4Addr::LOCALHOST.into())
        );
    }

    #[test]
    fn sa_len_zero_takes_one_unit() {
        for os in Os::ALL {
            let unit = os.sa_align();
            let mut bytes = vec![0u8; unit + 16];
            bytes[unit..].copy_from_slice(&sin([203, 0, 113, 5]));
            // GATEWAY has sa_len 0 (one unit), then IFA, whose family it takes.
            let items: Vec<_> = Addrs::new(os, 0x2 | 0x20, &bytes).collect();
            assert_eq!(
                items[0].1,
                Ok(Sockaddr::Unspecified(Ipv4Addr::UNSPECIFIED.into())),
                "{os}"
            );
            assert_eq!(
                items[1].1.as_ref().ok().and_then(Sockaddr::ip),
                Some(Ipv4Addr::new(203, 0, 113, 5).into())
            );
            // With nothing to give a family it stays unknown.
            let items: Vec<_> = Addrs::new(os, 0x2, &bytes[..unit]).collect();
            assert_eq!(
                items[0].1,
                Ok(Sockaddr::Unknown {
                    family: 0,
                    bytes: &[]
                }),
                "{os}"
            );
        }
    }

    #[test]
    fn sa_len_past_the_end_is_an_error_then_the_end() {
        let bytes = [16u8, 2, 0, 0, 192, 0, 2, 1];
        let mut addrs = Addrs::new(Os::NetBsd, 0x1 | 0x2, &bytes);
        assert_eq!(
            addrs.next(),
            Some((
                RtaBit::DST,
                Err(Error::BadHeaderLength {
                    what: "sockaddr: sa_len",
                    len: 16,
                    available: 8
                })
            ))
        );
        assert_eq!(addrs.next(), None);
    }

    #[test]
    fn missing_address_is_an_error_then_the_end() {
        let bytes = sin([192, 0, 2, 1]);
        let items: Vec<_> = Addrs::new(Os::FreeBsd, 0x1 | 0x2 | 0x4, &bytes).collect();
        assert_eq!(items.len(), 2);
        assert!(items[0].1.is_ok());
        assert_eq!(
            items[1],
            (
                RtaBit::GATEWAY,
                Err(Error::truncated("sockaddr (sa_len)", 1, 0))
            )
        );
    }

    #[test]
    fn bits_beyond_rtax_max_stop_the_walk() {
        let bytes = [0u8; 64];
        // Bit 8 is RTA_SRC on OpenBSD, RTA_TAG on NetBSD, nothing on FreeBSD and Darwin.
        for (os, ok) in [
            (Os::FreeBsd, false),
            (Os::Darwin, false),
            (Os::OpenBsd, true),
            (Os::NetBsd, true),
        ] {
            let items: Vec<_> = Addrs::new(os, 0x100 | i32::MIN, &bytes).collect();
            assert_eq!(items[0].1.is_ok(), ok, "{os}");
            assert!(items.last().unwrap().1.is_err());
            assert_eq!(items.last().unwrap().0.index(), if ok { 31 } else { 8 });
        }
    }

    #[test]
    fn ipv6_destination_makes_familyless_masks_ipv6() {
        // Darwin's IPv6 default route: DST ::, GATEWAY fe80::1, NETMASK with sa_len 0.
        let mut bytes = [0u8; 28 + 28 + 4];
        bytes[0] = 28;
        bytes[1] = 30;
        bytes[28] = 28;
        bytes[29] = 30;
        bytes[28 + 8] = 0xfe;
        bytes[28 + 9] = 0x80;
        bytes[28 + 23] = 1;
        let items: Vec<_> = Addrs::new(Os::Darwin, 0x1 | 0x2 | 0x4, &bytes).collect();
        assert_eq!(items.len(), 3);
        assert_eq!(
            items[1].1.as_ref().ok().and_then(Sockaddr::ip),
            Some("fe80::1".parse().unwrap())
        );
        assert_eq!(
            items[2].1,
            Ok(Sockaddr::Netmask6(core::net::Ipv6Addr::UNSPECIFIED))
        );
        // The same mask after an IPv4 destination is 0.0.0.0.
        let mut bytes = [0u8; 16 + 4];
        bytes[..16].copy_from_slice(&sin([0, 0, 0, 0]));
        let items: Vec<_> = Addrs::new(Os::Darwin, 0x1 | 0x4, &bytes).collect();
        assert_eq!(items[1].1, Ok(Sockaddr::Netmask(Ipv4Addr::UNSPECIFIED)));
    }

    #[test]
    fn masks_take_the_destination_family_not_their_own() {
        // NetBSD's 127.0.0.0/8 (8-byte units): the mask's family byte is 0xff.
        let mut bytes = [0u8; 16 + 8];
        bytes[..16].copy_from_slice(&sin([127, 0, 0, 0]));
        bytes[16..21].copy_from_slice(&[5, 0xff, 0xff, 0xff, 0xff]);
        let addrs = Addrs::new(Os::NetBsd, 0x1 | 0x4, &bytes);
        assert_eq!(addrs.family(), Some(IpFamily::V4));
        let items: Vec<_> = addrs.collect();
        assert_eq!(
            items[1].1,
            Ok(Sockaddr::Netmask(Ipv4Addr::new(255, 0, 0, 0)))
        );

        // No destination (an RTM_NEWADDR): the mask takes RTA_IFA's family, which comes after.
        let mut bytes = [0u8; 8 + 16];
        bytes[..7].copy_from_slice(&[7, 0xff, 0xff, 0xff, 255, 255, 255]);
        bytes[8..].copy_from_slice(&sin([192, 0, 2, 1]));
        let addrs = Addrs::new(Os::FreeBsd, 0x4 | 0x20, &bytes);
        assert_eq!(addrs.family(), Some(IpFamily::V4));
        let items: Vec<_> = addrs.collect();
        assert_eq!(
            items[0].1,
            Ok(Sockaddr::Netmask(Ipv4Addr::new(255, 255, 255, 0)))
        );
    }

    #[test]
    fn family_precedence() {
        let v6 = crate::route::BsdSockaddrIn6::new(Os::FreeBsd, "2001:db8::1".parse().unwrap());
        let v6 = zerocopy::IntoBytes::as_bytes(&v6);
        // DST IPv4, IFA IPv6: DST wins.
        let mut bytes = std::vec::Vec::new();
        bytes.extend_from_slice(&sin([192, 0, 2, 1]));
        bytes.extend_from_slice(v6);
        bytes.extend_from_slice(&[0; 4]);
        assert_eq!(
            Addrs::new(Os::FreeBsd, 0x1 | 0x20, &bytes).family(),
            Some(IpFamily::V4)
        );
        // Empty DST, IPv6 gateway, no IFA: the gateway's.
        let mut bytes = vec![0u8; 8];
        bytes.extend_from_slice(v6);
        let addrs = Addrs::new(Os::FreeBsd, 0x1 | 0x2, &bytes);
        assert_eq!(addrs.family(), Some(IpFamily::V6));
        let items: Vec<_> = addrs.collect();
        assert_eq!(
            items[0].1,
            Ok(Sockaddr::Unspecified(
                core::net::Ipv6Addr::UNSPECIFIED.into()
            ))
        );
        // Only link addresses: none.
        let dl = [8u8, crate::route::AF_LINK, 1, 0, 24, 0, 0, 0];
        assert_eq!(Addrs::new(Os::FreeBsd, 0x10, &dl).family(), None);
    }

    #[test]
    fn truncated_padding_of_the_last_address_is_fine() {
        let bytes = [6u8, 0, 0, 0, 255, 255];
        let mut addrs = Addrs::new(Os::FreeBsd, 0x4, &bytes);
        assert_eq!(
            addrs.next().map(|(_, a)| a),
            Some(Ok(Sockaddr::Netmask(Ipv4Addr::new(255, 255, 0, 0))))
        );
        assert_eq!(addrs.next(), None);
        assert!(addrs.remainder().is_empty());
    }

    #[test]
    fn rta_bits() {
        assert_eq!(RtaBit::BRD.mask(), 0x80);
        assert_eq!(RtaBit::from_index(31).map(RtaBit::mask), Some(i32::MIN));
        assert_eq!(RtaBit::from_index(32), None);
        assert!(RtaBit::GENMASK.is_mask(Os::Darwin));
        let srcmask = RtaBit::from_index(9).unwrap();
        assert!(srcmask.is_mask(Os::OpenBsd));
        assert!(!srcmask.is_mask(Os::NetBsd));
        assert_eq!(RtaBit::IFA.name(Os::NetBsd), Some("RTA_IFA"));
    }
}
