//! OpenBSD's routing-socket ABI on amd64 (LP64): `struct rt_msghdr`, `struct rt_metrics` and
//! the `<net/route.h>` constants, and the interface messages of `<net/if.h>` (`if_msghdr` with
//! `if_data`, checked against `libc`; `ifa_msghdr` and `if_announcemsghdr`, which `libc` lacks,
//! checked against a C compiler by `tests/route_layout.rs`). Every header has a `*_hdrlen`.
//!
//! Source: openbsd/src `sys/net/route.h` rev. 1.218 (2025/07/14) for the layouts and
//! constants, `sys/net/rtsock.c` rev. 1.388 (2025/08/21) for `ROUNDUP` (sockaddrs rounded to
//! `sizeof(long)`) and for the addresses starting at `rtm_hdrlen` rather than at
//! `sizeof(struct rt_msghdr)`. OpenBSD differs from the other BSDs: `rtm_hdrlen`,
//! `rtm_tableid`, `rtm_priority` and `rtm_mpls` after `rtm_type`, `rtm_addrs` *before*
//! `rtm_flags`, and `rt_metrics` reordered with 64-bit `rmx_pksent`/`rmx_expire` first. The
//! `libc` crate has no OpenBSD `rt_msghdr`, so the offsets below are derived from the header by
//! hand, asserted in the unit tests, and checked against a C compiler by
//! `tests/route_layout.rs`.
//!
//! Every header but `rt_msghdr` reads and writes through [`Message`](super::Message) and
//! [`emit`](super::emit):
//!
//! ```
//! use sockabi::route::{emit, MessageKind, Message, MsgHeader, Os};
//! use sockabi::route::openbsd;
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
//! assert_eq!(round_trip::<openbsd::IfMsghdr>(openbsd::RTM_IFINFO)?, MessageKind::Interface);
//! assert_eq!(round_trip::<openbsd::IfaMsghdr>(openbsd::RTM_CHGADDRATTR)?, MessageKind::Address);
//! assert_eq!(
//!     round_trip::<openbsd::IfAnnouncemsghdr>(openbsd::RTM_IFANNOUNCE)?,
//!     MessageKind::Announce
//! );
//! # Ok::<(), sockabi::Error>(())
//! ```

use zerocopy::byteorder::{NativeEndian, I32, I64, U16, U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::MessageKind;
use crate::addr::view_prefix;
use crate::Result;

/// `RTM_VERSION`.
pub const RTM_VERSION: u8 = 5;
/// Sockaddrs in a message are rounded up to `sizeof(long)` (`ROUNDUP` in rtsock.c).
pub const SA_ALIGN: usize = 8;
/// `AF_INET6`.
pub const AF_INET6: u8 = 24;
/// `sizeof(struct sockaddr_dl)` (`sdl_data[24]`).
pub const SOCKADDR_DL_LEN: usize = 32;
/// `RTM_MAXSIZE`: the largest routing message the kernel accepts.
pub const RTM_MAXSIZE: usize = 2048;

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
/// `RTM_RESOLVE`: request to resolve a destination to a link-layer address.
pub const RTM_RESOLVE: u8 = 0xb;
/// `RTM_NEWADDR` (`ifa_msghdr`): address being added to an interface.
pub const RTM_NEWADDR: u8 = 0xc;
/// `RTM_DELADDR` (`ifa_msghdr`): address being removed from an interface.
pub const RTM_DELADDR: u8 = 0xd;
/// `RTM_IFINFO` (`if_msghdr`): interface going up or down.
pub const RTM_IFINFO: u8 = 0xe;
/// `RTM_IFANNOUNCE` (`if_announcemsghdr`): interface arrival or departure.
pub const RTM_IFANNOUNCE: u8 = 0xf;
/// `RTM_DESYNC`: the routing socket's buffer overflowed, messages were lost.
pub const RTM_DESYNC: u8 = 0x10;
/// `RTM_INVALIDATE`: invalidate the cache of an L2 route.
pub const RTM_INVALIDATE: u8 = 0x11;
/// `RTM_BFD` (`bfd_msghdr`): bidirectional forwarding detection.
pub const RTM_BFD: u8 = 0x12;
/// `RTM_PROPOSAL`: a proposal for resolvd(8).
pub const RTM_PROPOSAL: u8 = 0x13;
/// `RTM_CHGADDRATTR` (`ifa_msghdr`): address attribute change.
pub const RTM_CHGADDRATTR: u8 = 0x14;
/// `RTM_80211INFO` (`if_ieee80211_msghdr`): 802.11 interface change.
pub const RTM_80211INFO: u8 = 0x15;
/// `RTM_SOURCE`: set the source address.
pub const RTM_SOURCE: u8 = 0x16;

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
/// `RTA_SRC`: source sockaddr present.
pub const RTA_SRC: i32 = 0x100;
/// `RTA_SRCMASK`: source netmask present.
pub const RTA_SRCMASK: i32 = 0x200;
/// `RTA_LABEL`: route label (`sockaddr_rtlabel`) present.
pub const RTA_LABEL: i32 = 0x400;
/// `RTA_BFD`: BFD sockaddr present.
pub const RTA_BFD: i32 = 0x800;
/// `RTA_DNS`: DNS servers sockaddr (`sockaddr_rtdns`) present.
pub const RTA_DNS: i32 = 0x1000;
/// `RTA_STATIC`: RFC 3442 encoded static routes present.
pub const RTA_STATIC: i32 = 0x2000;
/// `RTA_SEARCH`: RFC 3397 encoded search path present.
pub const RTA_SEARCH: i32 = 0x4000;

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
/// `RTAX_SRC`: slot of the source address.
pub const RTAX_SRC: u8 = 8;
/// `RTAX_SRCMASK`: slot of the source netmask.
pub const RTAX_SRCMASK: u8 = 9;
/// `RTAX_LABEL`: slot of the route label.
pub const RTAX_LABEL: u8 = 10;
/// `RTAX_BFD`: slot of the BFD sockaddr.
pub const RTAX_BFD: u8 = 11;
/// `RTAX_DNS`: slot of the DNS servers.
pub const RTAX_DNS: u8 = 12;
/// `RTAX_STATIC`: slot of the RFC 3442 static routes.
pub const RTAX_STATIC: u8 = 13;
/// `RTAX_SEARCH`: slot of the RFC 3397 search path.
pub const RTAX_SEARCH: u8 = 14;
/// `RTAX_MAX`: number of address slots.
pub const RTAX_MAX: u8 = 15;

bitflags::bitflags! {
    /// `RTF_*`: OpenBSD's `rtm_flags` bits.
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
        /// `RTF_CLONING`: generate new routes on use.
        const CLONING = 0x100;
        /// `RTF_MULTICAST`: route associated to a multicast address.
        const MULTICAST = 0x200;
        /// `RTF_LLINFO`: generated by ARP or ND.
        const LLINFO = 0x400;
        /// `RTF_STATIC`: manually added.
        const STATIC = 0x800;
        /// `RTF_BLACKHOLE`: just discard packets.
        const BLACKHOLE = 0x1000;
        /// `RTF_PROTO3`: protocol specific routing flag.
        const PROTO3 = 0x2000;
        /// `RTF_PROTO2` (`RTF_ANNOUNCE`): protocol specific routing flag.
        const PROTO2 = 0x4000;
        /// `RTF_PROTO1`: protocol specific routing flag.
        const PROTO1 = 0x8000;
        /// `RTF_CLONED`: this is a cloned route.
        const CLONED = 0x10000;
        /// `RTF_CACHED`: cached by a `RTF_GATEWAY` entry.
        const CACHED = 0x20000;
        /// `RTF_MPATH`: multipath route or operation.
        const MPATH = 0x40000;
        /// `RTF_MPLS`: MPLS additional information.
        const MPLS = 0x10_0000;
        /// `RTF_LOCAL`: route to a local address.
        const LOCAL = 0x20_0000;
        /// `RTF_BROADCAST`: route associated to a broadcast address.
        const BROADCAST = 0x40_0000;
        /// `RTF_CONNECTED`: interface route.
        const CONNECTED = 0x80_0000;
        /// `RTF_BFD`: link state controlled by BFD.
        const BFD = 0x100_0000;
    }
}

/// `struct rt_metrics` (56 bytes): 64-bit packet count and expiry first, then `u_int`s.
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug, PartialEq, Eq,
)]
#[repr(C)]
pub struct RtMetrics {
    /// Packets sent using this route (`u_int64_t`).
    pub rmx_pksent: U64<NativeEndian>,
    /// Lifetime of the route (e.g. a redirect), `int64_t` seconds.
    pub rmx_expire: I64<NativeEndian>,
    /// Metrics the kernel must leave alone (`RTV_*` bits).
    pub rmx_locks: U32<NativeEndian>,
    /// MTU of this path.
    pub rmx_mtu: U32<NativeEndian>,
    /// References held on the route.
    pub rmx_refcnt: U32<NativeEndian>,
    /// Maximum hops expected (no longer used).
    pub rmx_hopcount: U32<NativeEndian>,
    /// Inbound delay-bandwidth product (no longer used).
    pub rmx_recvpipe: U32<NativeEndian>,
    /// Outbound delay-bandwidth product (no longer used).
    pub rmx_sendpipe: U32<NativeEndian>,
    /// Outbound gateway buffer limit (no longer used).
    pub rmx_ssthresh: U32<NativeEndian>,
    /// Estimated round-trip time (no longer used).
    pub rmx_rtt: U32<NativeEndian>,
    /// Estimated round-trip time variance (no longer used).
    pub rmx_rttvar: U32<NativeEndian>,
    /// Padding to a multiple of 8 (a named field in C).
    pub rmx_pad: U32<NativeEndian>,
}

/// `struct rt_msghdr` (96 bytes).
///
/// Addresses follow at `rtm_hdrlen`, which the kernel sets to `sizeof(struct rt_msghdr)`; a
/// reader must use the field, not the size, so that a later, longer header still parses.
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
    /// Length of the header: where the addresses start.
    pub rtm_hdrlen: U16<NativeEndian>,
    /// Index of the interface the message is about.
    pub rtm_index: U16<NativeEndian>,
    /// Routing table id.
    pub rtm_tableid: U16<NativeEndian>,
    /// Routing priority (`RTP_*`).
    pub rtm_priority: u8,
    /// MPLS additional information.
    pub rtm_mpls: u8,
    /// Which addresses follow (`RTA_*` bits). Before `rtm_flags`, unlike the other BSDs.
    pub rtm_addrs: I32<NativeEndian>,
    /// `RTF_*` flags ([`RtFlags`]).
    pub rtm_flags: I32<NativeEndian>,
    /// Flags an `RTM_CHANGE` may change.
    pub rtm_fmask: I32<NativeEndian>,
    /// Process id of the sender (the kernel fills it in).
    pub rtm_pid: I32<NativeEndian>,
    /// Sequence number the sender chose, to match replies.
    pub rtm_seq: I32<NativeEndian>,
    /// Why the kernel rejected the message (`EEXIST`, `ESRCH`, `ENOBUFS`, ...), 0 if it did not.
    pub rtm_errno: I32<NativeEndian>,
    /// Which metrics are being initialized (`RTV_*` bits).
    pub rtm_inits: U32<NativeEndian>,
    /// The metrics.
    pub rtm_rmx: RtMetrics,
}

impl RtMsghdr {
    /// Views an `rt_msghdr` at the start of `bytes`.
    ///
    /// ```
    /// use sockabi::route::openbsd::RtMsghdr;
    /// let bytes = [0u8; 96];
    /// assert_eq!(RtMsghdr::ref_from_prefix(&bytes)?.rtm_hdrlen.get(), 0);
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    #[inline]
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "rt_msghdr (OpenBSD)")
    }

    /// `rtm_flags` as [`RtFlags`], unknown bits kept.
    #[inline]
    pub fn flags(&self) -> RtFlags {
        RtFlags::from_bits_retain(self.rtm_flags.get() as u32)
    }
}

/// `struct if_data` (144 bytes): an interface's type, state and counters, as `if_msghdr`
/// carries them (`sys/net/if.h`).
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
    /// Link state (`LINK_STATE_*`).
    pub ifi_link_state: u8,
    /// Maximum transmission unit.
    pub ifi_mtu: U32<NativeEndian>,
    /// Routing metric.
    pub ifi_metric: U32<NativeEndian>,
    /// Routing domain.
    pub ifi_rdomain: U32<NativeEndian>,
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
    /// Capabilities (`IFCAP_*`).
    pub ifi_capabilities: U32<NativeEndian>,
    /// Padding the C compiler puts before the 8-byte-aligned `ifi_lastchange`.
    pub _pad0: [u8; 4],
    /// Time of the last change (`struct timeval`: seconds, microseconds).
    pub ifi_lastchange: [I64<NativeEndian>; 2],
}

/// `struct if_msghdr` (168 bytes): the header of `RTM_IFINFO`, an interface's flags and
/// [`IfData`]; addresses start at `ifm_hdrlen`.
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
    /// Length of this header: where the addresses start.
    pub ifm_hdrlen: U16<NativeEndian>,
    /// Index of the interface.
    pub ifm_index: U16<NativeEndian>,
    /// Routing table id.
    pub ifm_tableid: U16<NativeEndian>,
    /// Padding.
    pub ifm_pad1: u8,
    /// Padding.
    pub ifm_pad2: u8,
    /// Which addresses follow (`RTA_*` bits).
    pub ifm_addrs: I32<NativeEndian>,
    /// The interface's `IFF_*` flags.
    pub ifm_flags: I32<NativeEndian>,
    /// Extra flags (`IFXF_*`).
    pub ifm_xflags: I32<NativeEndian>,
    /// Type, state and counters.
    pub ifm_data: IfData,
}

/// `struct ifa_msghdr` (24 bytes): the header of `RTM_NEWADDR`, `RTM_DELADDR` and
/// `RTM_CHGADDRATTR`; addresses start at `ifam_hdrlen`.
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug, PartialEq, Eq,
)]
#[repr(C)]
pub struct IfaMsghdr {
    /// Length of the whole message.
    pub ifam_msglen: U16<NativeEndian>,
    /// [`RTM_VERSION`].
    pub ifam_version: u8,
    /// [`RTM_NEWADDR`], [`RTM_DELADDR`] or [`RTM_CHGADDRATTR`].
    pub ifam_type: u8,
    /// Length of this header: where the addresses start.
    pub ifam_hdrlen: U16<NativeEndian>,
    /// Index of the interface.
    pub ifam_index: U16<NativeEndian>,
    /// Routing table id.
    pub ifam_tableid: U16<NativeEndian>,
    /// Padding.
    pub ifam_pad1: u8,
    /// Padding.
    pub ifam_pad2: u8,
    /// Which addresses follow (`RTA_*` bits).
    pub ifam_addrs: I32<NativeEndian>,
    /// The address's flags.
    pub ifam_flags: I32<NativeEndian>,
    /// The address's metric.
    pub ifam_metric: I32<NativeEndian>,
}

/// `struct if_announcemsghdr` (26 bytes): `RTM_IFANNOUNCE`, an interface arriving or leaving.
/// No addresses.
#[derive(
    FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug, PartialEq, Eq,
)]
#[repr(C)]
pub struct IfAnnouncemsghdr {
    /// Length of the whole message.
    pub ifan_msglen: U16<NativeEndian>,
    /// [`RTM_VERSION`].
    pub ifan_version: u8,
    /// [`RTM_IFANNOUNCE`].
    pub ifan_type: u8,
    /// Length of this header: where the addresses start.
    pub ifan_hdrlen: U16<NativeEndian>,
    /// Index of the interface.
    pub ifan_index: U16<NativeEndian>,
    /// `IFAN_ARRIVAL` (0) or `IFAN_DEPARTURE` (1).
    pub ifan_what: U16<NativeEndian>,
    /// Name of the interface, NUL-padded (`IFNAMSIZ` 16).
    pub ifan_name: [u8; 16],
}

/// The C name of an OpenBSD `rtm_type`.
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
        RTM_RESOLVE => "RTM_RESOLVE",
        RTM_NEWADDR => "RTM_NEWADDR",
        RTM_DELADDR => "RTM_DELADDR",
        RTM_IFINFO => "RTM_IFINFO",
        RTM_IFANNOUNCE => "RTM_IFANNOUNCE",
        RTM_DESYNC => "RTM_DESYNC",
        RTM_INVALIDATE => "RTM_INVALIDATE",
        RTM_BFD => "RTM_BFD",
        RTM_PROPOSAL => "RTM_PROPOSAL",
        RTM_CHGADDRATTR => "RTM_CHGADDRATTR",
        RTM_80211INFO => "RTM_80211INFO",
        RTM_SOURCE => "RTM_SOURCE",
        _ => return None,
    })
}

/// Whether an OpenBSD message of this type starts with [`RtMsghdr`] (the route messages,
/// `RTM_DESYNC`, `RTM_INVALIDATE`, `RTM_PROPOSAL` and `RTM_SOURCE`; the interface, address,
/// BFD and 802.11 messages have their own headers).
#[inline]
pub const fn uses_rt_msghdr(rtm_type: u8) -> bool {
    matches!(
        rtm_type,
        RTM_ADD..=RTM_MISS | RTM_RESOLVE | RTM_DESYNC | RTM_INVALIDATE | RTM_PROPOSAL | RTM_SOURCE
    )
}

/// Which header an OpenBSD message of this type starts with (`RTM_BFD` and
/// `RTM_80211INFO` have headers of their own, not viewed here).
#[inline]
pub const fn message_kind(rtm_type: u8) -> MessageKind {
    match rtm_type {
        t if uses_rt_msghdr(t) => MessageKind::Route,
        RTM_NEWADDR | RTM_DELADDR | RTM_CHGADDRATTR => MessageKind::Address,
        RTM_IFINFO => MessageKind::Interface,
        RTM_IFANNOUNCE => MessageKind::Announce,
        _ => MessageKind::Other,
    }
}

/// The C name of an address slot (`RTA_*`), by its index (`RTAX_*`).
#[inline]
pub const fn rta_name(rtax: u8) -> Option<&'static str> {
    match rtax {
        RTAX_SRC => Some("RTA_SRC"),
        RTAX_SRCMASK => Some("RTA_SRCMASK"),
        RTAX_LABEL => Some("RTA_LABEL"),
        RTAX_BFD => Some("RTA_BFD"),
        RTAX_DNS => Some("RTA_DNS"),
        RTAX_STATIC => Some("RTA_STATIC"),
        RTAX_SEARCH => Some("RTA_SEARCH"),
        _ => super::slots::common_rta_name(rtax),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    /// Offsets derived from route.h 1.218 on amd64: u_int64_t/int64_t 8-aligned, u_short 2,
    /// int/u_int/pid_t 4; `rtm_rmx` lands on 40, already 8-aligned, so no hidden padding.
    #[test]
    fn layout_matches_route_h() {
        assert_eq!(size_of::<RtMetrics>(), 56);
        assert_eq!(offset_of!(RtMetrics, rmx_expire), 8);
        assert_eq!(offset_of!(RtMetrics, rmx_locks), 16);
        assert_eq!(offset_of!(RtMetrics, rmx_mtu), 20);
        assert_eq!(offset_of!(RtMetrics, rmx_refcnt), 24);
        assert_eq!(offset_of!(RtMetrics, rmx_hopcount), 28);
        assert_eq!(offset_of!(RtMetrics, rmx_rttvar), 48);
        assert_eq!(offset_of!(RtMetrics, rmx_pad), 52);

        assert_eq!(size_of::<RtMsghdr>(), 96);
        assert_eq!(offset_of!(RtMsghdr, rtm_hdrlen), 4);
        assert_eq!(offset_of!(RtMsghdr, rtm_index), 6);
        assert_eq!(offset_of!(RtMsghdr, rtm_tableid), 8);
        assert_eq!(offset_of!(RtMsghdr, rtm_priority), 10);
        assert_eq!(offset_of!(RtMsghdr, rtm_mpls), 11);
        assert_eq!(offset_of!(RtMsghdr, rtm_addrs), 12);
        assert_eq!(offset_of!(RtMsghdr, rtm_flags), 16);
        assert_eq!(offset_of!(RtMsghdr, rtm_fmask), 20);
        assert_eq!(offset_of!(RtMsghdr, rtm_pid), 24);
        assert_eq!(offset_of!(RtMsghdr, rtm_seq), 28);
        assert_eq!(offset_of!(RtMsghdr, rtm_errno), 32);
        assert_eq!(offset_of!(RtMsghdr, rtm_inits), 36);
        assert_eq!(offset_of!(RtMsghdr, rtm_rmx), 40);
    }

    /// Offsets derived from sys/net/if.h on amd64 (`if_data` 8-aligned after `ifm_xflags`).
    #[test]
    fn interface_layouts_match_if_h() {
        assert_eq!(size_of::<IfData>(), 144);
        assert_eq!(offset_of!(IfData, ifi_baudrate), 16);
        assert_eq!(offset_of!(IfData, ifi_capabilities), 120);
        assert_eq!(offset_of!(IfData, ifi_lastchange), 128);
        assert_eq!(size_of::<IfMsghdr>(), 168);
        assert_eq!(offset_of!(IfMsghdr, ifm_addrs), 12);
        assert_eq!(offset_of!(IfMsghdr, ifm_data), 24);
        assert_eq!(size_of::<IfaMsghdr>(), 24);
        assert_eq!(offset_of!(IfaMsghdr, ifam_addrs), 12);
        assert_eq!(size_of::<IfAnnouncemsghdr>(), 26);
        assert_eq!(offset_of!(IfAnnouncemsghdr, ifan_name), 10);
    }

    #[test]
    fn names_and_header_kinds() {
        assert_eq!(rtm_type_name(RTM_PROPOSAL), Some("RTM_PROPOSAL"));
        assert_eq!(rtm_type_name(0x8), None); // no RTM_LOCK on OpenBSD
        assert!(uses_rt_msghdr(RTM_SOURCE));
        assert!(uses_rt_msghdr(RTM_DESYNC));
        assert!(!uses_rt_msghdr(RTM_CHGADDRATTR));
        assert!(!uses_rt_msghdr(RTM_IFANNOUNCE));
        assert_eq!(rta_name(RTAX_SEARCH), Some("RTA_SEARCH"));
        assert_eq!(rta_name(RTAX_MAX), None);
    }
}
