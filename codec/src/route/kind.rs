//! The headers routing messages start with, and what they all have in common.
//!
//! Every message a routing socket or a `NET_RT_*` sysctl delivers starts with the same four
//! bytes (`*_msglen`, `*_version`, `*_type`), and `rtm_type` decides the rest of the header:
//! `rt_msghdr` for routes, `if_msghdr` for `RTM_IFINFO`, `ifa_msghdr` for addresses,
//! `ifma_msghdr` for multicast memberships, `if_announcemsghdr` for arrivals and departures,
//! and Darwin's `*2` variants in its `NET_RT_DUMP2`/`NET_RT_IFLIST2` dumps. The fields after
//! those four bytes differ per header and per system; [`MsgHeader`] says where each header
//! keeps the ones [`Message`](super::Message) needs.

use core::mem::{offset_of, size_of};

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::{darwin, freebsd, netbsd, openbsd, Os};

/// The header a routing message starts with, which its `rtm_type` decides per system
/// ([`Os::message_kind`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// `struct rt_msghdr`: `RTM_ADD`, `RTM_GET`, `RTM_MISS`, ...
    Route,
    /// Darwin's `struct rt_msghdr2`: `RTM_GET2`, from the `NET_RT_DUMP2` sysctl.
    Route2,
    /// `struct if_msghdr`: `RTM_IFINFO`.
    Interface,
    /// Darwin's `struct if_msghdr2`: `RTM_IFINFO2`, from the `NET_RT_IFLIST2` sysctl.
    Interface2,
    /// `struct ifa_msghdr`: `RTM_NEWADDR`, `RTM_DELADDR` (and OpenBSD's `RTM_CHGADDRATTR`,
    /// NetBSD's `RTM_CHGADDR`).
    Address,
    /// `struct ifma_msghdr` (FreeBSD, Darwin): `RTM_NEWMADDR`, `RTM_DELMADDR`.
    Multicast,
    /// Darwin's `struct ifma_msghdr2`: `RTM_NEWMADDR2`, from the `NET_RT_IFLIST2` sysctl.
    Multicast2,
    /// `struct if_announcemsghdr` (FreeBSD, OpenBSD, NetBSD): `RTM_IFANNOUNCE`, and
    /// `RTM_IEEE80211` on FreeBSD and NetBSD.
    Announce,
    /// A type this crate has no view for (OpenBSD's `RTM_BFD`, NetBSD's pre-8.0 layouts, an
    /// unknown number).
    Other,
}

/// A routing-message header of one system: a zerocopy view with the offsets of the fields
/// every message kind has, so that [`Message`](super::Message) and [`emit`](super::emit) can
/// treat all of them alike.
///
/// Implemented for every header struct of [`freebsd`], [`darwin`], [`openbsd`] and
/// [`netbsd`]. The offsets come from `offset_of!` on the structs themselves, whose layouts
/// the unit tests, `tests/route_layout.rs` and `codec/layout-check` check against the C headers
/// and the `libc` crate.
///
/// ```
/// use sockabi::route::{freebsd, MessageKind, MsgHeader, Os};
/// assert_eq!(freebsd::IfaMsghdr::NAME, "ifa_msghdr (FreeBSD)");
/// assert_eq!(freebsd::IfaMsghdr::KIND, MessageKind::Address);
/// assert_eq!(freebsd::IfaMsghdr::OS, Os::FreeBsd);
/// assert_eq!(freebsd::IfaMsghdr::ADDRS_AT, Some(4));
/// ```
pub trait MsgHeader: FromBytes + IntoBytes + KnownLayout + Immutable + Unaligned + Sized {
    /// The C struct and its system, as errors name it: `"if_msghdr (FreeBSD)"`.
    const NAME: &'static str;
    /// The system whose layout this is.
    const OS: Os;
    /// The messages that start with it.
    const KIND: MessageKind;
    /// Offset of the 16-bit interface index (`rtm_index`, `ifm_index`, ...).
    const INDEX_AT: usize;
    /// Offset of the 32-bit `RTA_*` bits, `None` for a header no address follows
    /// (`if_announcemsghdr`).
    const ADDRS_AT: Option<usize>;
    /// Offset of the 32-bit flags (`RTF_*`, `IFF_*`, address flags), `None` where there are
    /// none.
    const FLAGS_AT: Option<usize>;
    /// Offset of the 16-bit header length, where the addresses start (OpenBSD's `*_hdrlen`,
    /// FreeBSD's `ifm_len`/`ifam_len` in `NET_RT_IFLISTL` dumps); `None` for the headers whose
    /// addresses start at `size_of::<Self>()`.
    const HDRLEN_AT: Option<usize>;

    /// Views the header at the start of `bytes` (what follows is not looked at; use
    /// [`Message::parse`](super::Message::parse) for a checked message).
    ///
    /// ```
    /// use sockabi::route::{netbsd, MsgHeader};
    /// let mut bytes = [0u8; 152];
    /// bytes[..4].copy_from_slice(&[152, 0, 4, 0x14]); // msglen, RTM_VERSION 4, RTM_IFINFO
    /// bytes[12..14].copy_from_slice(&2u16.to_ne_bytes()); // ifm_index
    /// bytes[16 + 8..16 + 16].copy_from_slice(&1500u64.to_ne_bytes()); // ifm_data.ifi_mtu
    /// let ifm = netbsd::IfMsghdr::view(&bytes)?;
    /// assert_eq!((ifm.index(), ifm.ifm_data.ifi_mtu.get()), (2, 1500));
    /// assert!(netbsd::IfMsghdr::view(&bytes[..100]).is_err());
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    #[inline]
    fn view(bytes: &[u8]) -> crate::Result<&Self> {
        crate::addr::view_prefix(bytes, Self::NAME)
    }

    /// `*_msglen`: the length of the whole message.
    #[inline]
    fn msglen(&self) -> u16 {
        read_u16(self.as_bytes(), 0)
    }

    /// `*_version`.
    #[inline]
    fn version(&self) -> u8 {
        self.as_bytes().get(2).copied().unwrap_or_default()
    }

    /// `*_type`: `rtm_type`.
    #[inline]
    fn rtm_type(&self) -> u8 {
        self.as_bytes().get(3).copied().unwrap_or_default()
    }

    /// The interface index.
    #[inline]
    fn index(&self) -> u16 {
        read_u16(self.as_bytes(), Self::INDEX_AT)
    }

    /// The `RTA_*` bits of the addresses that follow, 0 for a header without addresses.
    #[inline]
    fn addrs_bits(&self) -> i32 {
        Self::ADDRS_AT.map_or(0, |at| read_i32(self.as_bytes(), at))
    }

    /// The flags, 0 for a header without.
    #[inline]
    fn flags(&self) -> i32 {
        Self::FLAGS_AT.map_or(0, |at| read_i32(self.as_bytes(), at))
    }

    /// Where the addresses start: the header's own length field where it has one
    /// ([`MsgHeader::HDRLEN_AT`]), `size_of::<Self>()` elsewhere.
    #[inline]
    fn addrs_offset(&self) -> usize {
        Self::HDRLEN_AT.map_or(size_of::<Self>(), |at| {
            usize::from(read_u16(self.as_bytes(), at))
        })
    }
}

/// The native-endian `u16` at `at`, 0 past the end (never, for the offsets of this module).
fn read_u16(bytes: &[u8], at: usize) -> u16 {
    match bytes.get(at..at + 2) {
        Some(&[a, b]) => u16::from_ne_bytes([a, b]),
        _ => 0,
    }
}

/// The native-endian `i32` at `at`, 0 past the end.
fn read_i32(bytes: &[u8], at: usize) -> i32 {
    match bytes.get(at..at + 4) {
        Some(&[a, b, c, d]) => i32::from_ne_bytes([a, b, c, d]),
        _ => 0,
    }
}

/// Implements [`MsgHeader`] for `$ty`, naming the fields that hold the index, the address
/// bits, the flags and OpenBSD's header length (`-` for none).
macro_rules! msg_header {
    ($ty:ty, $name:literal, $os:ident, $kind:ident,
     index: $index:ident, addrs: $addrs:tt, flags: $flags:tt, hdrlen: $hdrlen:tt) => {
        impl MsgHeader for $ty {
            const NAME: &'static str = $name;
            const OS: Os = Os::$os;
            const KIND: MessageKind = MessageKind::$kind;
            const INDEX_AT: usize = offset_of!($ty, $index);
            const ADDRS_AT: Option<usize> = msg_header!(@at $ty, $addrs);
            const FLAGS_AT: Option<usize> = msg_header!(@at $ty, $flags);
            const HDRLEN_AT: Option<usize> = msg_header!(@at $ty, $hdrlen);
        }
    };
    (@at $ty:ty, -) => {
        None
    };
    (@at $ty:ty, $field:ident) => {
        Some(offset_of!($ty, $field))
    };
}

msg_header!(freebsd::RtMsghdr, "rt_msghdr (FreeBSD)", FreeBsd, Route,
    index: rtm_index, addrs: rtm_addrs, flags: rtm_flags, hdrlen: -);
msg_header!(freebsd::IfMsghdr, "if_msghdr (FreeBSD)", FreeBsd, Interface,
    index: ifm_index, addrs: ifm_addrs, flags: ifm_flags, hdrlen: -);
msg_header!(freebsd::IfaMsghdr, "ifa_msghdr (FreeBSD)", FreeBsd, Address,
    index: ifam_index, addrs: ifam_addrs, flags: ifam_flags, hdrlen: -);
msg_header!(freebsd::IfMsghdrl, "if_msghdrl (FreeBSD)", FreeBsd, Interface,
    index: ifm_index, addrs: ifm_addrs, flags: ifm_flags, hdrlen: ifm_len);
msg_header!(freebsd::IfaMsghdrl, "ifa_msghdrl (FreeBSD)", FreeBsd, Address,
    index: ifam_index, addrs: ifam_addrs, flags: ifam_flags, hdrlen: ifam_len);
msg_header!(freebsd::IfmaMsghdr, "ifma_msghdr (FreeBSD)", FreeBsd, Multicast,
    index: ifmam_index, addrs: ifmam_addrs, flags: ifmam_flags, hdrlen: -);
msg_header!(freebsd::IfAnnouncemsghdr, "if_announcemsghdr (FreeBSD)", FreeBsd, Announce,
    index: ifan_index, addrs: -, flags: -, hdrlen: -);

msg_header!(darwin::RtMsghdr, "rt_msghdr (Darwin)", Darwin, Route,
    index: rtm_index, addrs: rtm_addrs, flags: rtm_flags, hdrlen: -);
msg_header!(darwin::RtMsghdr2, "rt_msghdr2 (Darwin)", Darwin, Route2,
    index: rtm_index, addrs: rtm_addrs, flags: rtm_flags, hdrlen: -);
msg_header!(darwin::IfMsghdr, "if_msghdr (Darwin)", Darwin, Interface,
    index: ifm_index, addrs: ifm_addrs, flags: ifm_flags, hdrlen: -);
msg_header!(darwin::IfMsghdr2, "if_msghdr2 (Darwin)", Darwin, Interface2,
    index: ifm_index, addrs: ifm_addrs, flags: ifm_flags, hdrlen: -);
msg_header!(darwin::IfaMsghdr, "ifa_msghdr (Darwin)", Darwin, Address,
    index: ifam_index, addrs: ifam_addrs, flags: ifam_flags, hdrlen: -);
msg_header!(darwin::IfmaMsghdr, "ifma_msghdr (Darwin)", Darwin, Multicast,
    index: ifmam_index, addrs: ifmam_addrs, flags: ifmam_flags, hdrlen: -);
msg_header!(darwin::IfmaMsghdr2, "ifma_msghdr2 (Darwin)", Darwin, Multicast2,
    index: ifmam_index, addrs: ifmam_addrs, flags: ifmam_flags, hdrlen: -);

msg_header!(openbsd::RtMsghdr, "rt_msghdr (OpenBSD)", OpenBsd, Route,
    index: rtm_index, addrs: rtm_addrs, flags: rtm_flags, hdrlen: rtm_hdrlen);
msg_header!(openbsd::IfMsghdr, "if_msghdr (OpenBSD)", OpenBsd, Interface,
    index: ifm_index, addrs: ifm_addrs, flags: ifm_flags, hdrlen: ifm_hdrlen);
msg_header!(openbsd::IfaMsghdr, "ifa_msghdr (OpenBSD)", OpenBsd, Address,
    index: ifam_index, addrs: ifam_addrs, flags: ifam_flags, hdrlen: ifam_hdrlen);
msg_header!(openbsd::IfAnnouncemsghdr, "if_announcemsghdr (OpenBSD)", OpenBsd, Announce,
    index: ifan_index, addrs: -, flags: -, hdrlen: ifan_hdrlen);

msg_header!(netbsd::RtMsghdr, "rt_msghdr (NetBSD)", NetBsd, Route,
    index: rtm_index, addrs: rtm_addrs, flags: rtm_flags, hdrlen: -);
msg_header!(netbsd::IfMsghdr, "if_msghdr (NetBSD)", NetBsd, Interface,
    index: ifm_index, addrs: ifm_addrs, flags: ifm_flags, hdrlen: -);
msg_header!(netbsd::IfaMsghdr, "ifa_msghdr (NetBSD)", NetBsd, Address,
    index: ifam_index, addrs: ifam_addrs, flags: ifam_flags, hdrlen: -);
msg_header!(netbsd::IfAnnouncemsghdr, "if_announcemsghdr (NetBSD)", NetBsd, Announce,
    index: ifan_index, addrs: -, flags: -, hdrlen: -);

#[cfg(test)]
mod tests {
    use super::*;
    use zerocopy::FromZeros;

    /// Every system's numbering puts each kind's types where its header says.
    #[test]
    fn kinds_per_system() {
        let cases: [(Os, u8, MessageKind); 14] = [
            (Os::FreeBsd, freebsd::RTM_IFINFO, MessageKind::Interface),
            (Os::FreeBsd, freebsd::RTM_NEWMADDR, MessageKind::Multicast),
            (Os::FreeBsd, freebsd::RTM_IEEE80211, MessageKind::Announce),
            (Os::Darwin, darwin::RTM_IFINFO2, MessageKind::Interface2),
            (Os::Darwin, darwin::RTM_NEWMADDR2, MessageKind::Multicast2),
            (Os::Darwin, darwin::RTM_GET2, MessageKind::Route2),
            (Os::Darwin, darwin::RTM_DELADDR, MessageKind::Address),
            (Os::OpenBsd, openbsd::RTM_CHGADDRATTR, MessageKind::Address),
            (Os::OpenBsd, openbsd::RTM_IFANNOUNCE, MessageKind::Announce),
            (Os::OpenBsd, openbsd::RTM_BFD, MessageKind::Other),
            (Os::NetBsd, netbsd::RTM_IFINFO, MessageKind::Interface),
            (Os::NetBsd, netbsd::RTM_CHGADDR, MessageKind::Address),
            (Os::NetBsd, netbsd::RTM_OIFINFO, MessageKind::Other),
            (Os::NetBsd, 0xff, MessageKind::Other),
        ];
        for (os, rtm_type, kind) in cases {
            assert_eq!(os.message_kind(rtm_type), kind, "{os} {rtm_type:#x}");
        }
        for os in Os::ALL {
            for rtm_type in 0..=255 {
                assert_eq!(
                    os.uses_rt_msghdr(rtm_type),
                    os.message_kind(rtm_type) == MessageKind::Route
                );
            }
        }
    }

    #[test]
    fn accessors_read_the_named_fields() {
        let mut h = netbsd::IfaMsghdr::new_zeroed();
        h.ifam_msglen = 40.into();
        h.ifam_version = 4;
        h.ifam_type = netbsd::RTM_NEWADDR;
        h.ifam_index = 7.into();
        h.ifam_flags = 0x11.into();
        h.ifam_addrs = 0x34.into();
        assert_eq!((h.msglen(), h.version(), h.rtm_type()), (40, 4, 0x16));
        assert_eq!((h.index(), h.flags(), h.addrs_bits()), (7, 0x11, 0x34));
        assert_eq!(h.addrs_offset(), 32);

        let mut h = openbsd::IfAnnouncemsghdr::new_zeroed();
        h.ifan_hdrlen = 26.into();
        h.ifan_index = 3.into();
        assert_eq!((h.index(), h.addrs_bits(), h.flags()), (3, 0, 0));
        assert_eq!(h.addrs_offset(), 26);
    }
}
