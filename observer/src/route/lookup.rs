//! One FIB table lookup of either family, as the grouper and the report read it: the IPv4
//! record ([`RouteEvent`]) and the IPv6 one ([`Route6Event`]) behind one trait, so decisions
//! of both are grouped by the same code.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;
use sockabi::event::{EventHeader, Route6Event, RouteEvent};

use crate::enrich::errno::FIB_NO_MATCH;

/// The address family of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// IPv4 (`AF_INET`).
    Inet,
    /// IPv6 (`AF_INET6`).
    Inet6,
}

/// The flow a lookup is about: lookups of one decision share it. IPv4 addresses fill the
/// first 4 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Flow {
    dst: [u8; 16],
    src: [u8; 16],
    oif: i32,
    iif: i32,
    proto: u8,
    tos: u8,
    sport: u16,
    dport: u16,
}

/// A table lookup record.
pub trait Lookup: Copy {
    /// Its family.
    const FAMILY: Family;
    /// The common header.
    fn header(&self) -> &EventHeader;
    /// The table consulted.
    fn table(&self) -> u32;
    /// 0 on a match, [`FIB_NO_MATCH`] where the table had no route (a policy walk goes on),
    /// else the route's negative errno.
    fn result(&self) -> i32;
    /// Requested output interface (0: any).
    fn oif(&self) -> i32;
    /// Input interface (1: locally generated).
    fn iif(&self) -> i32;
    /// Destination.
    fn dst(&self) -> IpAddr;
    /// Source (unspecified when not chosen yet).
    fn src(&self) -> IpAddr;
    /// The chosen gateway (unspecified when none).
    fn gw(&self) -> IpAddr;
    /// The chosen device's name, NUL-padded.
    fn dev(&self) -> &[u8; 16];
    /// IP protocol.
    fn proto(&self) -> u8;
    /// The DS field: IPv4's TOS, IPv6's traffic class.
    fn tos(&self) -> u8;
    /// Ports (host order).
    fn ports(&self) -> (u16, u16);
    /// Mark, uid and L3 master device.
    fn keys(&self) -> (u32, u32, i32);
    /// The IPv6 flow label; `None` for IPv4.
    fn flowlabel(&self) -> Option<u32>;
    /// `context` and `netns_source` bytes.
    fn whose(&self) -> (u8, u8);
    /// The rule priority captured in the kernel, if it was.
    fn captured_rule(&self) -> Option<u32>;
    /// Whether a route this lookup found goes through the requested `oif` itself, so that the
    /// chosen device's name, captured in the kernel, is `oif`'s name at the time of the
    /// lookup. (False without an `oif`.)
    fn route_is_through_oif(&self) -> bool;

    /// The flow, for grouping.
    fn flow(&self) -> Flow {
        let bytes = |ip: IpAddr| match ip {
            IpAddr::V4(v4) => {
                let mut b = [0; 16];
                b[..4].copy_from_slice(&v4.octets());
                b
            }
            IpAddr::V6(v6) => v6.octets(),
        };
        let (sport, dport) = self.ports();
        Flow {
            dst: bytes(self.dst()),
            src: bytes(self.src()),
            oif: self.oif(),
            iif: self.iif(),
            proto: self.proto(),
            tos: self.tos(),
            sport,
            dport,
        }
    }
}

impl Lookup for RouteEvent {
    const FAMILY: Family = Family::Inet;

    fn header(&self) -> &EventHeader {
        &self.header
    }
    fn table(&self) -> u32 {
        self.tb_id.get()
    }
    fn result(&self) -> i32 {
        self.err.get()
    }
    fn oif(&self) -> i32 {
        self.oif.get()
    }
    fn iif(&self) -> i32 {
        self.iif.get()
    }
    fn dst(&self) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(self.dst))
    }
    fn src(&self) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(self.src))
    }
    fn gw(&self) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(self.gw4))
    }
    fn dev(&self) -> &[u8; 16] {
        &self.dev
    }
    fn proto(&self) -> u8 {
        self.proto
    }
    fn tos(&self) -> u8 {
        self.tos
    }
    fn ports(&self) -> (u16, u16) {
        (self.sport.get(), self.dport.get())
    }
    fn keys(&self) -> (u32, u32, i32) {
        (self.mark.get(), self.uid.get(), self.l3mdev.get())
    }
    fn flowlabel(&self) -> Option<u32> {
        None
    }
    fn whose(&self) -> (u8, u8) {
        (self.context, self.netns_source)
    }
    fn captured_rule(&self) -> Option<u32> {
        (self.rule_captured != 0).then(|| self.rule_priority.get())
    }
    /// An IPv4 lookup bound to a device matches only next hops through that device
    /// (net/ipv4/fib_trie.c `fib_lookup_good_nhc`), unless told to skip that check: a VRF's
    /// lookups before Linux 5.18 (`FLOWI_FLAG_SKIP_NH_OIF`; since, a VRF master as `oif` is
    /// cleared to the flow's l3mdev before the lookup).
    fn route_is_through_oif(&self) -> bool {
        /// `FLOWI_FLAG_SKIP_NH_OIF` (include/net/flow.h before 5.18; the bit is unused since).
        const SKIP_NH_OIF: u8 = 0x04;
        self.oif.get() != 0 && self.flags & SKIP_NH_OIF == 0
    }

    // IPv4's flow is built without going through `IpAddr`: this runs for every event.
    fn flow(&self) -> Flow {
        let mut dst = [0; 16];
        dst[..4].copy_from_slice(&self.dst);
        let mut src = [0; 16];
        src[..4].copy_from_slice(&self.src);
        Flow {
            dst,
            src,
            oif: self.oif.get(),
            iif: self.iif.get(),
            proto: self.proto,
            tos: self.tos,
            sport: self.sport.get(),
            dport: self.dport.get(),
        }
    }
}

/// `-EHOSTUNREACH`: what the IPv6 tracepoint reports for an unreachable route, and for the
/// kernel's "no route" entry.
const EHOSTUNREACH: i32 = -113;

impl Lookup for Route6Event {
    const FAMILY: Family = Family::Inet6;

    fn header(&self) -> &EventHeader {
        &self.header
    }
    fn table(&self) -> u32 {
        self.tb_id.get()
    }
    /// A miss is the kernel's "no route" entry. The classic tracepoint cannot tell it from an
    /// unreachable route (both are `-EHOSTUNREACH` through `lo`): there, that is taken for a
    /// miss, since every decision without custom rules looks the local table up first and
    /// misses there, while unreachable routes are rare.
    fn result(&self) -> i32 {
        let err = self.err.get();
        match self.miss {
            1 => FIB_NO_MATCH,
            2 if err == EHOSTUNREACH && self.dev.starts_with(b"lo\0") => FIB_NO_MATCH,
            _ => err,
        }
    }
    fn oif(&self) -> i32 {
        self.oif.get()
    }
    fn iif(&self) -> i32 {
        self.iif.get()
    }
    fn dst(&self) -> IpAddr {
        IpAddr::V6(Ipv6Addr::from(self.dst))
    }
    fn src(&self) -> IpAddr {
        IpAddr::V6(Ipv6Addr::from(self.src))
    }
    fn gw(&self) -> IpAddr {
        IpAddr::V6(Ipv6Addr::from(self.gw))
    }
    fn dev(&self) -> &[u8; 16] {
        &self.dev
    }
    fn proto(&self) -> u8 {
        self.proto
    }
    fn tos(&self) -> u8 {
        self.tclass
    }
    fn ports(&self) -> (u16, u16) {
        (self.sport.get(), self.dport.get())
    }
    fn keys(&self) -> (u32, u32, i32) {
        (self.mark.get(), self.uid.get(), self.l3mdev.get())
    }
    fn flowlabel(&self) -> Option<u32> {
        Some(self.flowlabel.get())
    }
    fn whose(&self) -> (u8, u8) {
        (self.context, self.netns_source)
    }
    fn captured_rule(&self) -> Option<u32> {
        (self.rule_captured != 0).then(|| self.rule_priority.get())
    }
    /// An IPv6 `oif` is a preference unless the lookup is strict (`RT6_LOOKUP_F_IFACE`, which
    /// the tracepoint does not show): the route found may go through another device.
    fn route_is_through_oif(&self) -> bool {
        false
    }
}
