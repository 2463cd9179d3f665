//! FreeBSD's routing-socket ABI on amd64 (LP64): `struct rt_msghdr`, `struct rt_metrics` and
//! the `<net/route.h>` constants, and the interface messages of `<net/if.h>` (`if_msghdr` with
//! `if_data`, `ifa_msghdr`, `ifma_msghdr`, `if_announcemsghdr`, and the `if_msghdrl` and
//! `ifa_msghdrl` of the `NET_RT_IFLISTL` sysctl; checked against `libc` by `codec/layout-check`
//! too).
//!
//! Source: freebsd-src `sys/net/route.h` (main / 14.x, the revision with `_rtm_spare1` in
//! `rt_msghdr` and `rmx_nhidx` in `rt_metrics`), and `SA_SIZE` there for the rounding of
//! sockaddrs to `sizeof(long)`. The layouts are checked against the `libc` crate's
//! `rt_msghdr`/`rt_metrics` for `x86_64-unknown-freebsd` by `codec/layout-check`, and against a C
//! compiler by `tests/route_layout.rs`.
//!
//! Every header but `rt_msghdr` reads and writes through [`Message`](super::Message) and
//! [`emit`](super::emit):
//!
//! ```
//! use sockabi::route::{emit, MessageKind, Message, MsgHeader, Os};
//! use sockabi::route::freebsd;
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
//! assert_eq!(round_trip::<freebsd::IfMsghdr>(freebsd::RTM_IFINFO)?, MessageKind::Interface);
//! assert_eq!(round_trip::<freebsd::IfaMsghdr>(freebsd::RTM_NEWADDR)?, MessageKind::Address);
//! assert_eq!(round_trip::<freebsd::IfmaMsghdr>(freebsd::RTM_DELMADDR)?, MessageKind::Multicast);
//! assert_eq!(
//!     round_trip::<freebsd::IfAnnouncemsghdr>(freebsd::RTM_IFANNOUNCE)?,
//!     MessageKind::Announce
//! );
//! # Ok::<(), sockabi::Error>(())
//! ```

use zerocopy::byteorder::{NativeEndian, I32, U16, U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::MessageKind;
use crate::addr::view_prefix;
use crate::Result;

/// `RTM_VERSION`.
pub const RTM_VERSION: u8 = 5;
/// Sockaddrs in a message are rounded up to `sizeof(long)` (`SA_SIZE`).
pub const SA_ALIGN: usize = 8;
/// `AF_INET6`.
pub const AF_INET6: u8 = 28;
/// `sizeof(struct sockaddr_dl)` (`sdl_data[46]`).
pub const SOCKADDR_DL_LEN: usize = 54;

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
/// `RTM_RESOLVE`: request to resolve a destination to a link-layer address.
pub const RTM_RESOLVE: u8 = 0xb;
/// `RTM_NEWADDR` (`ifa_msghdr`): address being added to an interface.
pub const RTM_NEWADDR: u8 = 0xc;
/// `RTM_DELADDR` (`ifa_msghdr`): address being removed from an interface.
pub const RTM_DELADDR: u8 = 0xd;
/// `RTM_IFINFO` (`if_msghdr`): interface going up or down.
pub const RTM_IFINFO: u8 = 0xe;
/// `RTM_NEWMADDR` (`ifma_msghdr`): multicast group membership added.
pub const RTM_NEWMADDR: u8 = 0xf;
/// `RTM_DELMADDR` (`ifma_msghdr`): multicast group membership deleted.
pub const RTM_DELMADDR: u8 = 0x10;
/// `RTM_IFANNOUNCE` (`if_announcemsghdr`): interface arrival or departure.
pub const RTM_IFANNOUNCE: u8 = 0x11;
/// `RTM_IEEE80211` (`if_announcemsghdr`): IEEE 802.11 wireless event.
pub const RTM_IEEE80211: u8 = 0x12;

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
/// `RTAX_MAX`: number of address slots.
pub const RTAX_MAX: u8 = 8;

bitflags::bitflags! {
    /// `RTF_*`: FreeBSD's `rtm_flags` bits.
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
        /// `RTF_XRESOLVE`: external daemon resolves name.
        const XRESOLVE = 0x200;
        /// `RTF_LLDATA` (formerly `RTF_LLINFO`): used by apps to add or delete L2 entries.
        const LLDATA = 0x400;
        /// `RTF_STATIC`: manually added.
        const STATIC = 0x800;
        /// `RTF_BLACKHOLE`: just discard packets.
        const BLACKHOLE = 0x1000;
        /// `RTF_PROTO2`: protocol specific routing flag.
        const PROTO2 = 0x4000;
        /// `RTF_PROTO1`: protocol specific routing flag.
        const PROTO1 = 0x8000;
        /// `RTF_PROTO3`: protocol specific routing flag.
        const PROTO3 = 0x40000;
        /// `RTF_FIXEDMTU`: MTU was explicitly specified.
        const FIXEDMTU = 0x80000;
        /// `RTF_PINNED`: route is immutable.
        const PINNED = 0x10_0000;
        /// `RTF_LOCAL`: route represents a local address.
        const LOCAL = 0x20_0000;
        /// `RTF_BROADCAST`: route represents a broadcast address.
        const BROADCAST = 0x40_0000;
        /// `RTF_MULTICAST`: route represents a multicast address.
        const MULTICAST = 0x80_0000;
        /// `RTF_STICKY`: always route dst->src.
        const STICKY = 0x1000_0000;
        /// `RTF_GWFLAG_COMPAT`: compatibility bit for existing routing applications.
        const GWFLAG_COMPAT = 0x8000_0000;
    }
}

/// `struct rt_metrics` (112 bytes): per-route metrics, all `u_long`.
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
    /// Lifetime of the route (e.g. a redirect), in seconds since the epoch.
    pub rmx_expire: U64<NativeEndian>,
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
    /// Packets sent using this route.
    pub rmx_pksent: U64<NativeEndian>,
    /// Route weight (multipath); also read as `rmx_state` for link-layer entries.
    pub rmx_weight: U64<NativeEndian>,
    /// Index of the route's nexthop.
    pub rmx_nhidx: U64<NativeEndian>,
    /// Reserved.
    pub rmx_filler: [U64<NativeEndian>; 2],
}

/// `struct rt_msghdr` (152 bytes): the header of `RTM_ADD` ... `RTM_RESOLVE` messages.
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
    /// Spare (`_rtm_spare1`), zero.
    pub _rtm_spare1: U16<NativeEndian>,
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
    /// Flags an `RTM_CHANGE` may change.
    pub rtm_fmask: I32<NativeEndian>,
    /// Which metrics are being initialized (`RTV_*` bits).
    pub rtm_inits: U64<NativeEndian>,
    /// The metrics.
    pub rtm_rmx: RtMetrics,
}

impl RtMsghdr {
    /// Views an `rt_msghdr` at the start of `bytes`.
    ///
    /// ```
    /// use sockabi::route::freebsd::RtMsghdr;
    /// let bytes = [0u8; 152];
    /// assert_eq!(RtMsghdr::ref_from_prefix(&bytes)?.rtm_type, 0);
    /// assert!(RtMsghdr::ref_from_prefix(&bytes[..100]).is_err());
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    #[inline]
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "rt_msghdr (FreeBSD)")
    }

    /// `rtm_flags` as [`RtFlags`], unknown bits kept.
    #[inline]
    pub fn flags(&self) -> RtFlags {
        RtFlags::from_bits_retain(self.rtm_flags.get() as u32)
    }
}

/// `struct if_data` (152 bytes): an interface's type, state and counters, as `if_msghdr`
/// carries them (`sys/net/if.h`, the fixed-size layout since FreeBSD 11).
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug, PartialEq, Eq,
)]
#[repr(C)]
pub struct IfData {
    /// Interface type (`IFT_ETHER`, `IFT_LOOP`, ...).
    pub ifi_type: u8,
    /// Physical medium (AUI, 10base-T, ...).
    pub ifi_physical: u8,
    /// Length of the link-layer address.
    pub ifi_addrlen: u8,
    /// Length of the link-layer header.
    pub ifi_hdrlen: u8,
    /// Link state (`LINK_STATE_UNKNOWN` 0, `DOWN` 1, `UP` 2).
    pub ifi_link_state: u8,
    /// CARP virtual host id.
    pub ifi_vhid: u8,
    /// Length of this structure, 152.
    pub ifi_datalen: U16<NativeEndian>,
    /// Maximum transmission unit.
    pub ifi_mtu: U32<NativeEndian>,
    /// Routing metric.
    pub ifi_metric: U32<NativeEndian>,
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
    /// Packets dropped on output.
    pub ifi_oqdrops: U64<NativeEndian>,
    /// Packets for an unsupported protocol.
    pub ifi_noproto: U64<NativeEndian>,
    /// Offloads the hardware performs (`CSUM_*`).
    pub ifi_hwassist: U64<NativeEndian>,
    /// Uptime at attach or statistics reset (`time_t`, a union with `uint64_t`).
    pub ifi_epoch: U64<NativeEndian>,
    /// Time of the last administrative change (`struct timeval`, a union with `struct
    /// bintime`): seconds, then microseconds.
    pub ifi_lastchange: [U64<NativeEndian>; 2],
}

/// `struct if_msghdr` (168 bytes): the header of `RTM_IFINFO`, an interface's flags and
/// [`IfData`]; an `RTA_IFP` `sockaddr_dl` follows in sysctl dumps.
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
    /// Spare, zero.
    pub _ifm_spare1: U16<NativeEndian>,
    /// Type, state and counters.
    pub ifm_data: IfData,
}

/// `struct ifa_msghdr` (20 bytes): the header of `RTM_NEWADDR`/`RTM_DELADDR`, followed by the
/// address (`RTA_IFA`), its mask, the interface (`RTA_IFP`) and the broadcast or peer address.
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug, PartialEq, Eq,
)]
#[repr(C)]
pub struct IfaMsghdr {
    /// Length of the whole message.
    pub ifam_msglen: U16<NativeEndian>,
    /// [`RTM_VERSION`].
    pub ifam_version: u8,
    /// [`RTM_NEWADDR`] or [`RTM_DELADDR`].
    pub ifam_type: u8,
    /// Which addresses follow (`RTA_*` bits).
    pub ifam_addrs: I32<NativeEndian>,
    /// The address's `IFA_*` flags.
    pub ifam_flags: I32<NativeEndian>,
    /// Index of the interface.
    pub ifam_index: U16<NativeEndian>,
    /// Spare, zero.
    pub _ifam_spare1: U16<NativeEndian>,
    /// The interface's metric.
    pub ifam_metric: I32<NativeEndian>,
}

/// `struct if_msghdrl` (176 bytes): `RTM_IFINFO` as the `NET_RT_IFLISTL` sysctl writes it
/// (what FreeBSD's getifaddrs(3) reads): [`IfMsghdr`] with its own length and the offset of
/// `ifm_data`, so that `if_data` may grow; addresses start at `ifm_len`.
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug, PartialEq, Eq,
)]
#[repr(C)]
pub struct IfMsghdrl {
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
    /// Spare, zero.
    pub _ifm_spare1: U16<NativeEndian>,
    /// Length of this header, `if_data` included: where the addresses start.
    pub ifm_len: U16<NativeEndian>,
    /// Offset of `ifm_data` from the start of the message.
    pub ifm_data_off: U16<NativeEndian>,
    /// Spare, zero.
    pub _ifm_spare2: I32<NativeEndian>,
    /// Type, state and counters.
    pub ifm_data: IfData,
}

/// `struct ifa_msghdrl` (176 bytes): `RTM_NEWADDR` as the `NET_RT_IFLISTL` sysctl writes it:
/// [`IfaMsghdr`] with its own length, the offset of `ifam_data`, and the address's counters;
/// addresses start at `ifam_len`.
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug, PartialEq, Eq,
)]
#[repr(C)]
pub struct IfaMsghdrl {
    /// Length of the whole message.
    pub ifam_msglen: U16<NativeEndian>,
    /// [`RTM_VERSION`].
    pub ifam_version: u8,
    /// [`RTM_NEWADDR`].
    pub ifam_type: u8,
    /// Which addresses follow (`RTA_*` bits).
    pub ifam_addrs: I32<NativeEndian>,
    /// The address's `IFA_*` flags.
    pub ifam_flags: I32<NativeEndian>,
    /// Index of the interface.
    pub ifam_index: U16<NativeEndian>,
    /// Spare, zero.
    pub _ifam_spare1: U16<NativeEndian>,
    /// Length of this header, `if_data` included: where the addresses start.
    pub ifam_len: U16<NativeEndian>,
    /// Offset of `ifam_data` from the start of the message.
    pub ifam_data_off: U16<NativeEndian>,
    /// The interface's metric.
    pub ifam_metric: I32<NativeEndian>,
    /// The address's counters (packets and bytes in and out; the rest zero).
    pub ifam_data: IfData,
}

/// `struct ifma_msghdr` (16 bytes): the header of `RTM_NEWMADDR`/`RTM_DELMADDR`, followed by
/// the group (`RTA_IFA`), the interface and, for a link-layer group, `RTA_GATEWAY`.
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug, PartialEq, Eq,
)]
#[repr(C)]
pub struct IfmaMsghdr {
    /// Length of the whole message.
    pub ifmam_msglen: U16<NativeEndian>,
    /// [`RTM_VERSION`].
    pub ifmam_version: u8,
    /// [`RTM_NEWMADDR`] or [`RTM_DELMADDR`].
    pub ifmam_type: u8,
    /// Which addresses follow (`RTA_*` bits).
    pub ifmam_addrs: I32<NativeEndian>,
    /// Flags (unused by the kernel).
    pub ifmam_flags: I32<NativeEndian>,
    /// Index of the interface.
    pub ifmam_index: U16<NativeEndian>,
    /// Spare, zero.
    pub _ifmam_spare1: U16<NativeEndian>,
}

/// `struct if_announcemsghdr` (24 bytes): `RTM_IFANNOUNCE` (an interface arrives or leaves)
/// and `RTM_IEEE80211` (an 802.11 event, whose data follows). No addresses.
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

/// The C name of a FreeBSD `rtm_type`.
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
        RTM_RESOLVE => "RTM_RESOLVE",
        RTM_NEWADDR => "RTM_NEWADDR",
        RTM_DELADDR => "RTM_DELADDR",
        RTM_IFINFO => "RTM_IFINFO",
        RTM_NEWMADDR => "RTM_NEWMADDR",
        RTM_DELMADDR => "RTM_DELMADDR",
        RTM_IFANNOUNCE => "RTM_IFANNOUNCE",
        RTM_IEEE80211 => "RTM_IEEE80211",
        _ => return None,
    })
}

/// Whether a FreeBSD message of this type starts with [`RtMsghdr`] (the types route.h marks
/// "(1)").
#[inline]
pub const fn uses_rt_msghdr(rtm_type: u8) -> bool {
    matches!(rtm_type, RTM_ADD..=RTM_LOCK | RTM_RESOLVE)
}

/// Which header a FreeBSD message of this type starts with (route.h's "(1)" to "(3)" marks).
#[inline]
pub const fn message_kind(rtm_type: u8) -> MessageKind {
    match rtm_type {
        t if uses_rt_msghdr(t) => MessageKind::Route,
        RTM_NEWADDR | RTM_DELADDR => MessageKind::Address,
        RTM_IFINFO => MessageKind::Interface,
        RTM_NEWMADDR | RTM_DELMADDR => MessageKind::Multicast,
        RTM_IFANNOUNCE | RTM_IEEE80211 => MessageKind::Announce,
        _ => MessageKind::Other,
    }
}

/// The C name of an address slot (`RTA_*`), by its index (`RTAX_*`).
#[inline]
pub const fn rta_name(rtax: u8) -> Option<&'static str> {
    super::slots::common_rta_name(rtax)
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    /// Offsets as the C compiler lays out sys/net/route.h on amd64 (u_long = 8, int = 4).
    #[test]
    fn layout_matches_route_h() {
        assert_eq!(size_of::<RtMetrics>(), 112);
        assert_eq!(offset_of!(RtMetrics, rmx_mtu), 8);
        assert_eq!(offset_of!(RtMetrics, rmx_expire), 24);
        assert_eq!(offset_of!(RtMetrics, rmx_pksent), 72);
        assert_eq!(offset_of!(RtMetrics, rmx_weight), 80);
        assert_eq!(offset_of!(RtMetrics, rmx_nhidx), 88);
        assert_eq!(offset_of!(RtMetrics, rmx_filler), 96);

        assert_eq!(size_of::<RtMsghdr>(), 152);
        assert_eq!(offset_of!(RtMsghdr, rtm_version), 2);
        assert_eq!(offset_of!(RtMsghdr, rtm_type), 3);
        assert_eq!(offset_of!(RtMsghdr, rtm_index), 4);
        assert_eq!(offset_of!(RtMsghdr, _rtm_spare1), 6);
        assert_eq!(offset_of!(RtMsghdr, rtm_flags), 8);
        assert_eq!(offset_of!(RtMsghdr, rtm_addrs), 12);
        assert_eq!(offset_of!(RtMsghdr, rtm_pid), 16);
        assert_eq!(offset_of!(RtMsghdr, rtm_seq), 20);
        assert_eq!(offset_of!(RtMsghdr, rtm_errno), 24);
        assert_eq!(offset_of!(RtMsghdr, rtm_fmask), 28);
        assert_eq!(offset_of!(RtMsghdr, rtm_inits), 32);
        assert_eq!(offset_of!(RtMsghdr, rtm_rmx), 40);
    }

    /// Offsets as the C compiler lays out sys/net/if.h on amd64.
    #[test]
    fn interface_layouts_match_if_h() {
        assert_eq!(size_of::<IfData>(), 152);
        assert_eq!(offset_of!(IfData, ifi_mtu), 8);
        assert_eq!(offset_of!(IfData, ifi_baudrate), 16);
        assert_eq!(offset_of!(IfData, ifi_hwassist), 120);
        assert_eq!(offset_of!(IfData, ifi_epoch), 128);
        assert_eq!(offset_of!(IfData, ifi_lastchange), 136);
        assert_eq!(size_of::<IfMsghdr>(), 168);
        assert_eq!(offset_of!(IfMsghdr, ifm_index), 12);
        assert_eq!(offset_of!(IfMsghdr, ifm_data), 16);
        assert_eq!(size_of::<IfaMsghdr>(), 20);
        assert_eq!(offset_of!(IfaMsghdr, ifam_metric), 16);
        assert_eq!(size_of::<IfMsghdrl>(), 176);
        assert_eq!(offset_of!(IfMsghdrl, ifm_len), 16);
        assert_eq!(offset_of!(IfMsghdrl, ifm_data), 24);
        assert_eq!(size_of::<IfaMsghdrl>(), 176);
        assert_eq!(offset_of!(IfaMsghdrl, ifam_metric), 20);
        assert_eq!(offset_of!(IfaMsghdrl, ifam_data), 24);
        assert_eq!(size_of::<IfmaMsghdr>(), 16);
        assert_eq!(size_of::<IfAnnouncemsghdr>(), 24);
        assert_eq!(offset_of!(IfAnnouncemsghdr, ifan_what), 22);
    }

    #[test]
    fn names_and_header_kinds() {
        assert_eq!(rtm_type_name(RTM_IEEE80211), Some("RTM_IEEE80211"));
        assert_eq!(rtm_type_name(0x9), None);
        assert!(uses_rt_msghdr(RTM_GET));
        assert!(uses_rt_msghdr(RTM_RESOLVE));
        assert!(!uses_rt_msghdr(0x9));
        assert!(!uses_rt_msghdr(RTM_IFINFO));
        assert!(!uses_rt_msghdr(RTM_NEWADDR));
    }
}
