//! NetBSD's routing-socket ABI on amd64 (LP64): `struct rt_msghdr`, `struct rt_metrics` and
//! the `<net/route.h>` constants, and the interface messages of `<net/if.h>` (`if_msghdr` with
//! `if_data`, checked against `libc`; `ifa_msghdr` and `if_announcemsghdr`, which `libc` lacks,
//! checked against a C compiler by `tests/route_layout.rs`), all `__align64`.
//!
//! Source: NetBSD/src `sys/net/route.h` rev. 1.132 (2022/09/20), including `RT_ROUNDUP`
//! (sockaddrs rounded to `sizeof(uint64_t)`). NetBSD forces `rtm_msglen` and `rtm_rmx` to
//! 64-bit alignment (`__align64`, i.e. `__attribute__((aligned(8)))`) so that messages are the
//! same from ILP32 and LP64 kernels; the hidden padding that creates is explicit here
//! (`_pad0`, `_pad1`). NetBSD also renumbers the interface messages (`RTM_IFINFO` is `0x14`,
//! `RTM_NEWADDR` `0x16`) and has `RTM_VERSION` 4. The `libc` crate has no NetBSD `rt_msghdr`,
//! so the offsets below are derived from the header by hand, asserted in the unit tests, and
//! checked against a C compiler by `tests/route_layout.rs`.
//!
//! Every header but `rt_msghdr` reads and writes through [`Message`](super::Message) and
//! [`emit`](super::emit):
//!
//! ```
//! use sockabi::route::{emit, MessageKind, Message, MsgHeader, Os};
//! use sockabi::route::netbsd;
//! use zerocopy::FromZeros;
//!
//! /// Writes a header of type `H` for `rtm_type` and interface 7, then reads it back.
//! fn round_trip<H: MsgHeader>(rtm_type: u8) -> Result<MessageKind, sockabi::Error> {
//!     let mut bytes = [0u8; 256];
//!     assert!(emit(&H::new_zeroed(), [], &mut bytes).is_err()); // version 0 is refused
//!     let size = core::mem::size_of::<H>();
//!     bytes[2] = H::OS.rtm_version();
//!     bytes[3] = rtm_type;
//!     bytes[H::INDEX_AT..H::INDEX_AT + 2].copy_from_slice(&7u16.to_ne_bytes());
//!     let header = H::view(&bytes[..size])?;
//!     let mut out = [0u8; 256];
//!     let len = emit(header, [], &mut out)?;
//!     let message = Message::parse(H::OS, &out[..len])?;
//!     assert_eq!((message.index(), message.msglen()), (7, size));
//!     Ok(message.kind())
//! }
//!
//! assert_eq!(round_trip::<netbsd::IfMsghdr>(netbsd::RTM_IFINFO)?, MessageKind::Interface);
//! assert_eq!(round_trip::<netbsd::IfaMsghdr>(netbsd::RTM_CHGADDR)?, MessageKind::Address);
//! assert_eq!(
//!     round_trip::<netbsd::IfAnnouncemsghdr>(netbsd::RTM_IEEE80211)?,
//!     MessageKind::Announce
//! );
//! # Ok::<(), sockabi::Error>(())
//! ```

use zerocopy::byteorder::{NativeEndian, I32, I64, U16, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::MessageKind;
use crate::addr::view_prefix;
use crate::Result;

/// `RTM_VERSION`.
pub const RTM_VERSION: u8 = 4;
/// Sockaddrs in a message are rounded up to `sizeof(uint64_t)` (`RT_ROUNDUP`).
pub const SA_ALIGN: usize = 8;
/// `AF_INET6`.
pub const AF_INET6: u8 = 24;
/// `sizeof(struct sockaddr_dl)` (`dl_data[24]`).
pub const SOCKADDR_DL_LEN: usize = 32;

/// `RTM_ADD`: add a route.
pub const RTM_ADD: u8 = 0x1;
/// `RTM_DELETE`: delete a route.
pub const RTM_DELETE: u8 = 0x2;
/// `RTM_CHANGE`: change metrics or flags.
pub const RTM_CHANGE: u8 = 0x3;
/// `RTM_GET`: report the route to a destination.
pub const RTM_GET: u8 = 0x4;
/// `RTM_LOSING`: the kernel suspects partitioning.
pub const RTM_LOSING: u8 = 0x5;
/// `RTM_REDIRECT`: told to use a different route.
pub const RTM_REDIRECT: u8 = 0x6;
/// `RTM_MISS`: lookup failed on this address.
pub const RTM_MISS: u8 = 0x7;
/// `RTM_LOCK`: fix specified metrics.
pub const RTM_LOCK: u8 = 0x8;
/// `RTM_OLDADD`: caused by `SIOCADDRT`.
pub const RTM_OLDADD: u8 = 0x9;
/// `RTM_OLDDEL`: caused by `SIOCDELRT`.
pub const RTM_OLDDEL: u8 = 0xa;
/// `RTM_ONEWADDR`: old (pre-8.0) `RTM_NEWADDR`.
pub const RTM_ONEWADDR: u8 = 0xc;
/// `RTM_ODELADDR`: old (pre-8.0) `RTM_DELADDR`.
pub const RTM_ODELADDR: u8 = 0xd;
/// `RTM_OOIFINFO`: old (pre-1.5) `RTM_IFINFO`.
pub const RTM_OOIFINFO: u8 = 0xe;
/// `RTM_OIFINFO`: old (pre-64-bit `time_t`) `RTM_IFINFO`.
pub const RTM_OIFINFO: u8 = 0xf;
/// `RTM_IFANNOUNCE` (`if_announcemsghdr`): interface arrival or departure.
pub const RTM_IFANNOUNCE: u8 = 0x10;
/// `RTM_IEEE80211`: IEEE 802.11 wireless event.
pub const RTM_IEEE80211: u8 = 0x11;
/// `RTM_SETGATE`: set the prototype gateway for clones (kernel internal).
pub const RTM_SETGATE: u8 = 0x12;
/// `RTM_LLINFO_UPD`: link-layer address changed (kernel internal).
pub const RTM_LLINFO_UPD: u8 = 0x13;
/// `RTM_IFINFO` (`if_msghdr`): interface or link going up or down.
pub const RTM_IFINFO: u8 = 0x14;
/// `RTM_OCHGADDR`: old (pre-8.0) `RTM_CHGADDR`.
pub const RTM_OCHGADDR: u8 = 0x15;
/// `RTM_NEWADDR` (`ifa_msghdr`): address being added to an interface.
pub const RTM_NEWADDR: u8 = 0x16;
/// `RTM_DELADDR` (`ifa_msghdr`): address being removed from an interface.
pub const RTM_DELADDR: u8 = 0x17;
/// `RTM_CHGADDR` (`ifa_msghdr`): address properties changed.
pub const RTM_CHGADDR: u8 = 0x18;

/// `RTA_DST`: destination sockaddr present.
pub const RTA_DST: i32 = 0x1;
/// `RTA_GATEWAY`: gateway sockaddr present.
pub const RTA_GATEWAY: i32 = 0x2;
/// `RTA_NETMASK`: netmask sockaddr present.
pub const RTA_NETMASK: i32 = 0x4;
/// `RTA_GENMASK`: cloning mask sockaddr present.
pub const RTA_GENMASK: i32 = 0x8;
/// `RTA_IFP`: interface name sockaddr (`sockaddr_dl`) present.
pub const RTA_IFP: i32 = 0x10;
/// `RTA_IFA`: interface address sockaddr present.
pub const RTA_IFA: i32 = 0x20;
/// `RTA_AUTHOR`: sockaddr for the author of a redirect.
pub const RTA_AUTHOR: i32 = 0x40;
/// `RTA_BRD`: broadcast or point-to-point destination address (`RTM_NEWADDR`).
pub const RTA_BRD: i32 = 0x80;
/// `RTA_TAG`: route tag present.
pub const RTA_TAG: i32 = 0x100;

/// `RTAX_DST`: slot of the destination.
pub const RTAX_DST: u8 = 0;
/// `RTAX_GATEWAY`: slot of the gateway.
pub const RTAX_GATEWAY: u8 = 1;
/// `RTAX_NETMASK`: slot of the netmask.
pub const RTAX_NETMASK: u8 = 2;
/// `RTAX_GENMASK`: slot of the cloning mask.
pub const RTAX_GENMASK: u8 = 3;
/// `RTAX_IFP`: slot of the interface name.
pub const RTAX_IFP: u8 = 4;
/// `RTAX_IFA`: slot of the interface address.
pub const RTAX_IFA: u8 = 5;
/// `RTAX_AUTHOR`: slot of the redirect's author.
pub const RTAX_AUTHOR: u8 = 6;
/// `RTAX_BRD`: slot of the broadcast or point-to-point address.
pub const RTAX_BRD: u8 = 7;
/// `RTAX_TAG`: slot of the route tag.
pub const RTAX_TAG: u8 = 8;
/// `RTAX_MAX`: number of address slots.
pub const RTAX_MAX: u8 = 9;

bitflags::bitflags! {
    /// `RTF_*`: NetBSD's `rtm_flags` bits.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct RtFlags: u32 {
        /// `RTF_UP`: route usable.
        const UP = 0x1;
        /// `RTF_GATEWAY`: destination is a gateway.
        const GATEWAY = 0x2;
        /// `RTF_HOST`: host entry (network otherwise).
        const HOST = 0x4;
        /// `RTF_REJECT`: host or network unreachable.
        const REJECT = 0x8;
        /// `RTF_DYNAMIC`: created dynamically (by redirect).
        const DYNAMIC = 0x10;
        /// `RTF_MODIFIED`: modified dynamically (by redirect).
        const MODIFIED = 0x20;
        /// `RTF_DONE`: message confirmed.
        const DONE = 0x40;
        /// `RTF_MASK`: subnet mask present.
        const MASK = 0x80;
        /// `RTF_CONNECTED`: hosts on this route are neighbours.
        const CONNECTED = 0x100;
        /// `RTF_LLDATA`: used by applications to add or delete L2 entries (shown as LLINFO).
        const LLDATA = 0x400;
        /// `RTF_STATIC`: manually added.
        const STATIC = 0x800;
        /// `RTF_BLACKHOLE`: just discard packets.
        const BLACKHOLE = 0x1000;
        /// `RTF_PROTO2`: protocol specific routing flag.
        const PROTO2 = 0x4000;
        /// `RTF_PROTO1`: protocol specific routing flag.
        const PROTO1 = 0x8000;
        /// `RTF_SRC`: route has a fixed source address.
        const SRC = 0x10000;
        /// `RTF_ANNOUNCE`: announce new ARP or NDP entry.
        const ANNOUNCE = 0x20000;
        /// `RTF_LOCAL`: route represents a local address.
        const LOCAL = 0x40000;
        /// `RTF_BROADCAST`: route represents a broadcast address.
        const BROADCAST = 0x80000;
        /// `RTF_UPDATING`: route is updating.
        const UPDATING = 0x10_0000;
    }
}

/// `struct rt_metrics` (80 bytes): eight `uint64_t` then two `time_t` (64-bit on NetBSD).
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug, PartialEq, Eq,
)]
#[repr(C)]
pub struct RtMetrics {
    /// Metrics the kernel must leave alone (`RTV_*` bits).
    pub rmx_locks: U64<NativeEndian>,
    /// MTU of this path.
    pub rmx_mtu: U64<NativeEndian>,
    /// Maximum hops expected.
    pub rmx_hopcount: U64<NativeEndian>,
    /// Inbound delay-bandwidth product.
    pub rmx_recvpipe: U64<NativeEndian>,
    /// Outbound delay-bandwidth product.
    pub rmx_sendpipe: U64<NativeEndian>,
    /// Outbound gateway buffer limit.
    pub rmx_ssthresh: U64<NativeEndian>,
    /// Estimated round-trip time.
    pub rmx_rtt: U64<NativeEndian>,
    /// Estimated round-trip time variance.
    pub rmx_rttvar: U64<NativeEndian>,
    /// Lifetime of the route (e.g. a redirect), `time_t`.
    pub rmx_expire: I64<NativeEndian>,
    /// Packets sent using this route (declared `time_t` in the header).
    pub rmx_pksent: I64<NativeEndian>,
}

/// `struct rt_msghdr` (120 bytes, 8-byte aligned).
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug, PartialEq, Eq,
)]
#[repr(C)]
pub struct RtMsghdr {
    /// Length of the whole message, header and addresses.
    pub rtm_msglen: U16<NativeEndian>,
    /// [`RTM_VERSION`].
    pub rtm_version: u8,
    /// Message type (`RTM_*`).
    pub rtm_type: u8,
    /// Index of the interface the message is about.
    pub rtm_index: U16<NativeEndian>,
    /// Padding the C compiler puts before the 4-byte-aligned `rtm_flags`.
    pub _pad0: [u8; 2],
    /// `RTF_*` flags ([`RtFlags`]).
    pub rtm_flags: I32<NativeEndian>,
    /// Which addresses follow (`RTA_*` bits).
    pub rtm_addrs: I32<NativeEndian>,
    /// Process id of the sender (the kernel fills it in).
    pub rtm_pid: I32<NativeEndian>,
    /// Sequence number the sender chose, to match replies.
    pub rtm_seq: I32<NativeEndian>,
    /// Why the kernel rejected the message (`EEXIST`, `ESRCH`, `ENOBUFS`, ...), 0 if it did not.
    pub rtm_errno: I32<NativeEndian>,
    /// Use count, from the route entry.
    pub rtm_use: I32<NativeEndian>,
    /// Which metrics are being initialized (`RTV_*` bits).
    pub rtm_inits: I32<NativeEndian>,
    /// Padding the C compiler puts before the 8-byte-aligned (`__align64`) `rtm_rmx`.
    pub _pad1: [u8; 4],
    /// The metrics.
    pub rtm_rmx: RtMetrics,
}

impl RtMsghdr {
    /// Views an `rt_msghdr` at the start of `bytes`.
    ///
    /// ```
    /// use sockabi::route::netbsd::RtMsghdr;
    /// let bytes = [0u8; 120];
    /// assert_eq!(RtMsghdr::ref_from_prefix(&bytes)?.rtm_use.get(), 0);
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    #[inline]
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "rt_msghdr (NetBSD)")
    }

    /// `rtm_flags` as [`RtFlags`], unknown bits kept.
    #[inline]
    pub fn flags(&self) -> RtFlags {
        RtFlags::from_bits_retain(self.rtm_flags.get() as u32)
    }
}

/// `struct if_data` (136 bytes): an interface's type, state and counters, as `if_msghdr`
/// carries them (`sys/net/if.h`; all counters 64-bit).
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug, PartialEq, Eq,
)]
#[repr(C)]
pub struct IfData {
    /// Interface type (`IFT_ETHER`, `IFT_LOOP`, ...).
    pub ifi_type: u8,
    /// Length of the link-layer address.
    pub ifi_addrlen: u8,
    /// Length of the link-layer header.
    pub ifi_hdrlen: u8,
    /// Padding the C compiler puts before the 4-byte-aligned `ifi_link_state`.
    pub _pad0: u8,
    /// Link state (`LINK_STATE_*`).
    pub ifi_link_state: I32<NativeEndian>,
    /// Maximum transmission unit.
    pub ifi_mtu: U64<NativeEndian>,
    /// Routing metric.
    pub ifi_metric: U64<NativeEndian>,
    /// Line speed, bits per second.
    pub ifi_baudrate: U64<NativeEndian>,
    /// Packets received.
    pub ifi_ipackets: U64<NativeEndian>,
    /// Input errors.
    pub ifi_ierrors: U64<NativeEndian>,
    /// Packets sent.
    pub ifi_opackets: U64<NativeEndian>,
    /// Output errors.
    pub ifi_oerrors: U64<NativeEndian>,
    /// Collisions.
    pub ifi_collisions: U64<NativeEndian>,
    /// Bytes received.
    pub ifi_ibytes: U64<NativeEndian>,
    /// Bytes sent.
    pub ifi_obytes: U64<NativeEndian>,
    /// Multicast packets received.
    pub ifi_imcasts: U64<NativeEndian>,
    /// Multicast packets sent.
    pub ifi_omcasts: U64<NativeEndian>,
    /// Packets dropped on input.
    pub ifi_iqdrops: U64<NativeEndian>,
    /// Packets for an unsupported protocol.
    pub ifi_noproto: U64<NativeEndian>,
    /// Time of the last change (`struct timespec`: seconds, nanoseconds).
    pub ifi_lastchange: [I64<NativeEndian>; 2],
}

/// `struct if_msghdr` (152 bytes, `__align64`): the header of `RTM_IFINFO` (0x14), an
/// interface's flags and [`IfData`].
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug, PartialEq, Eq,
)]
#[repr(C)]
pub struct IfMsghdr {
    /// Length of the whole message.
    pub ifm_msglen: U16<NativeEndian>,
    /// [`RTM_VERSION`].
    pub ifm_version: u8,
    /// [`RTM_IFINFO`].
    pub ifm_type: u8,
    /// Which addresses follow (`RTA_*` bits).
    pub ifm_addrs: I32<NativeEndian>,
    /// The interface's `IFF_*` flags.
    pub ifm_flags: I32<NativeEndian>,
    /// Interface index.
    pub ifm_index: U16<NativeEndian>,
    /// Padding before the `__align64` `ifm_data`.
    pub _pad0: [u8; 2],
    /// Type, state and counters.
    pub ifm_data: IfData,
}

/// `struct ifa_msghdr` (32 bytes, `__align64`): the header of `RTM_NEWADDR` (0x16),
/// `RTM_DELADDR` and `RTM_CHGADDR`. Unlike the other systems', `ifam_index` comes before the
/// flags and the sender's pid and the address flags are there.
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug, PartialEq, Eq,
)]
#[repr(C)]
pub struct IfaMsghdr {
    /// Length of the whole message.
    pub ifam_msglen: U16<NativeEndian>,
    /// [`RTM_VERSION`].
    pub ifam_version: u8,
    /// [`RTM_NEWADDR`], [`RTM_DELADDR`] or [`RTM_CHGADDR`].
    pub ifam_type: u8,
    /// Index of the interface.
    pub ifam_index: U16<NativeEndian>,
    /// Padding before the 4-byte-aligned `ifam_flags`.
    pub _pad0: [u8; 2],
    /// The address's flags.
    pub ifam_flags: I32<NativeEndian>,
    /// Which addresses follow (`RTA_*` bits).
    pub ifam_addrs: I32<NativeEndian>,
    /// Process id of the sender.
    pub ifam_pid: I32<NativeEndian>,
    /// Family-specific address flags (`IN6_IFF_*`, ...).
    pub ifam_addrflags: I32<NativeEndian>,
    /// The address's metric.
    pub ifam_metric: I32<NativeEndian>,
    /// Padding to the struct's `__align64` size.
    pub _pad1: [u8; 4],
}

/// `struct if_announcemsghdr` (24 bytes, `__align64`): `RTM_IFANNOUNCE` (an interface arrives
/// or leaves) and `RTM_IEEE80211` (an 802.11 event, whose data follows). No addresses.
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug, PartialEq, Eq,
)]
#[repr(C)]
pub struct IfAnnouncemsghdr {
    /// Length of the whole message.
    pub ifan_msglen: U16<NativeEndian>,
    /// [`RTM_VERSION`].
    pub ifan_version: u8,
    /// [`RTM_IFANNOUNCE`] or [`RTM_IEEE80211`].
    pub ifan_type: u8,
    /// Index of the interface.
    pub ifan_index: U16<NativeEndian>,
    /// Name of the interface, NUL-padded (`IFNAMSIZ` 16).
    pub ifan_name: [u8; 16],
    /// `IFAN_ARRIVAL` (0) or `IFAN_DEPARTURE` (1); for `RTM_IEEE80211` the event.
    pub ifan_what: U16<NativeEndian>,
}

/// The C name of a NetBSD `rtm_type`.
#[inline]
pub const fn rtm_type_name(rtm_type: u8) -> Option<&'static str> {
    Some(match rtm_type {
        RTM_ADD => "RTM_ADD",
        RTM_DELETE => "RTM_DELETE",
        RTM_CHANGE => "RTM_CHANGE",
        RTM_GET => "RTM_GET",
        RTM_LOSING => "RTM_LOSING",
        RTM_REDIRECT => "RTM_REDIRECT",
        RTM_MISS => "RTM_MISS",
        RTM_LOCK => "RTM_LOCK",
        RTM_OLDADD => "RTM_OLDADD",
        RTM_OLDDEL => "RTM_OLDDEL",
        RTM_ONEWADDR => "RTM_ONEWADDR",
        RTM_ODELADDR => "RTM_ODELADDR",
        RTM_OOIFINFO => "RTM_OOIFINFO",
        RTM_OIFINFO => "RTM_OIFINFO",
        RTM_IFANNOUNCE => "RTM_IFANNOUNCE",
        RTM_IEEE80211 => "RTM_IEEE80211",
        RTM_SETGATE => "RTM_SETGATE",
        RTM_LLINFO_UPD => "RTM_LLINFO_UPD",
        RTM_IFINFO => "RTM_IFINFO",
        RTM_OCHGADDR => "RTM_OCHGADDR",
        RTM_NEWADDR => "RTM_NEWADDR",
        RTM_DELADDR => "RTM_DELADDR",
        RTM_CHGADDR => "RTM_CHGADDR",
        _ => return None,
    })
}

/// Whether a NetBSD message of this type starts with [`RtMsghdr`] (`RTM_ADD` ...
/// `RTM_OLDDEL`; the interface and address messages have their own headers).
#[inline]
pub const fn uses_rt_msghdr(rtm_type: u8) -> bool {
    matches!(rtm_type, RTM_ADD..=RTM_OLDDEL)
}

/// Which header a NetBSD message of this type starts with (the renumbered interface
/// messages; the pre-8.0 `RTM_O*` ones have older layouts, not viewed here).
#[inline]
pub const fn message_kind(rtm_type: u8) -> MessageKind {
    match rtm_type {
        t if uses_rt_msghdr(t) => MessageKind::Route,
        RTM_NEWADDR | RTM_DELADDR | RTM_CHGADDR => MessageKind::Address,
        RTM_IFINFO => MessageKind::Interface,
        RTM_IFANNOUNCE | RTM_IEEE80211 => MessageKind::Announce,
        _ => MessageKind::Other,
    }
}

/// The C name of an address slot (`RTA_*`), by its index (`RTAX_*`).
#[inline]
pub const fn rta_name(rtax: u8) -> Option<&'static str> {
    match rtax {
        RTAX_TAG => Some("RTA_TAG"),
        _ => super::slots::common_rta_name(rtax),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    /// Offsets derived from route.h 1.132 on amd64: `rtm_flags` 4-aligned after the u_short
    /// `rtm_index` (2 bytes of padding at 6), `rtm_rmx` `__align64` after `rtm_inits` at 32
    /// (4 bytes of padding at 36), metrics all 8 bytes.
    #[test]
    fn layout_matches_route_h() {
        assert_eq!(size_of::<RtMetrics>(), 80);
        assert_eq!(offset_of!(RtMetrics, rmx_rttvar), 56);
        assert_eq!(offset_of!(RtMetrics, rmx_expire), 64);
        assert_eq!(offset_of!(RtMetrics, rmx_pksent), 72);

        assert_eq!(size_of::<RtMsghdr>(), 120);
        assert_eq!(offset_of!(RtMsghdr, rtm_index), 4);
        assert_eq!(offset_of!(RtMsghdr, _pad0), 6);
        assert_eq!(offset_of!(RtMsghdr, rtm_flags), 8);
        assert_eq!(offset_of!(RtMsghdr, rtm_addrs), 12);
        assert_eq!(offset_of!(RtMsghdr, rtm_pid), 16);
        assert_eq!(offset_of!(RtMsghdr, rtm_seq), 20);
        assert_eq!(offset_of!(RtMsghdr, rtm_errno), 24);
        assert_eq!(offset_of!(RtMsghdr, rtm_use), 28);
        assert_eq!(offset_of!(RtMsghdr, rtm_inits), 32);
        assert_eq!(offset_of!(RtMsghdr, _pad1), 36);
        assert_eq!(offset_of!(RtMsghdr, rtm_rmx), 40);
    }

    /// Offsets derived from sys/net/if.h on amd64, `__align64` spelled out.
    #[test]
    fn interface_layouts_match_if_h() {
        assert_eq!(size_of::<IfData>(), 136);
        assert_eq!(offset_of!(IfData, ifi_link_state), 4);
        assert_eq!(offset_of!(IfData, ifi_mtu), 8);
        assert_eq!(offset_of!(IfData, ifi_lastchange), 120);
        assert_eq!(size_of::<IfMsghdr>(), 152);
        assert_eq!(offset_of!(IfMsghdr, ifm_data), 16);
        assert_eq!(size_of::<IfaMsghdr>(), 32);
        assert_eq!(offset_of!(IfaMsghdr, ifam_addrs), 12);
        assert_eq!(offset_of!(IfaMsghdr, ifam_metric), 24);
        assert_eq!(size_of::<IfAnnouncemsghdr>(), 24);
        assert_eq!(offset_of!(IfAnnouncemsghdr, ifan_what), 22);
    }

    #[test]
    fn names_and_header_kinds() {
        assert_eq!(rtm_type_name(0x14), Some("RTM_IFINFO"));
        assert_eq!(rtm_type_name(0xe), Some("RTM_OOIFINFO"));
        assert_eq!(rtm_type_name(0xb), None); // RTM_RESOLVE is gone
        assert!(uses_rt_msghdr(RTM_OLDDEL));
        assert!(!uses_rt_msghdr(RTM_IFINFO));
        assert!(!uses_rt_msghdr(RTM_NEWADDR));
        assert_eq!(rta_name(RTAX_TAG), Some("RTA_TAG"));
    }
}
