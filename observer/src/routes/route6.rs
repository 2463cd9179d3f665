//! One IPv6 route as an RTM_NEWROUTE message describes it, and what route(8) shows of it
//! with `-A inet6 -n` (net-tools lib/inet6_gr.c `rprint_fib6`, which reads
//! `/proc/net/ipv6_route`).
//!
//! route(8) prints the kernel's `fib6_flags` (net/ipv6/route.c
//! `ipv6_route_native_seq_show`), which rtnetlink does not carry as such; they are rebuilt
//! from what it does carry, as the kernel sets them:
//!
//! - `U` (RTF_UP) on every route but a rejecting one;
//! - `!` (RTF_REJECT) and `n` (RTF_NONEXTHOP) on `unreachable`, `prohibit`, `blackhole` and
//!   `throw` routes (`rtm_to_fib6_config`, `ip6_route_info_create`), whose device is `lo`;
//! - `n` on the `local` and `anycast` routes the kernel adds for addresses
//!   (`addrconf_f6i_alloc`: protocol `kernel`), not on one added by hand;
//! - `G` (RTF_GATEWAY) per next hop, for one with a gateway;
//! - `D` (RTF_DEFAULT) on a default route learnt from a router advertisement
//!   (`rt6_add_dflt_router`: protocol `ra`), `A` (RTF_ADDRCONF) on every route learnt from
//!   one: protocol `ra`, or a prefix route (RTM_F_PREFIX, from RTF_PREFIX_RT);
//! - `e` (RTF_EXPIRES) on a route with an expiry (RTA_CACHEINFO `rta_expires`).
//!
//! `H`, `C`, `a`, `m` and `f` are flags the kernel no longer puts on routes it lists (a host
//! route is not flagged, cached clones are not in the tree), except where a route was added
//! through the old SIOCADDRT ioctl with such flags, which rtnetlink cannot tell.

use std::fmt::Write as _;
use std::net::Ipv6Addr;

use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteFlags, RouteMessage, RoutePreference, RouteType,
};
use netlink_packet_route::AddressFamily;
use serde_json::{json, Value};

use super::route::{kind_word, scope_word};
use crate::policy::{table_name, Links};

/// One next hop of a route: a multipath route has several (the kernel keeps each as a
/// sibling route of its own, and `/proc/net/ipv6_route` lists each on its own row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    /// The gateway, `None` for a directly connected destination.
    pub gateway: Option<Ipv6Addr>,
    /// The device's name (`lo` for a rejecting route), `None` if the message named none.
    pub device: Option<String>,
    /// The kernel's reference count of this sibling (`fib6_ref`, route(8)'s `Ref`), which
    /// only `/proc/net/ipv6_route` shows; `None` where it was not found there.
    pub refs: Option<u32>,
}

/// One IPv6 route, as `ip -6 route show` and route(8) need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route6 {
    /// The table it is in.
    pub table: u32,
    /// `RTN_*`: unicast, local, anycast, multicast, unreachable, ...
    pub kind: RouteType,
    /// `RTPROT_*`: who added it (`kernel`, `boot`, `ra`, ...).
    pub protocol: u8,
    /// `RT_SCOPE_*` (the kernel reports `universe` for every IPv6 route).
    pub scope: u8,
    /// The destination prefix.
    pub destination: Ipv6Addr,
    /// Its length.
    pub prefix_len: u8,
    /// The source prefix of a source-specific route (RTA_SRC, `ip -6 route ... from`).
    pub from: Option<(Ipv6Addr, u8)>,
    /// The next hops, at least one.
    pub hops: Vec<Hop>,
    /// `RTA_PRIORITY`.
    pub metric: u32,
    /// The preferred source address (RTA_PREFSRC, `src`).
    pub source: Option<Ipv6Addr>,
    /// The router preference (RTA_PREF: `ICMPV6_ROUTER_PREF_*`).
    pub pref: Option<u8>,
    /// Seconds until the route expires (RTA_CACHEINFO `rta_expires`, in clock ticks), for a
    /// route with an expiry (learnt from a router advertisement, or `ip route ... expires`).
    pub expires: Option<i64>,
    /// RTM_F_PREFIX: a prefix route learnt from a router advertisement.
    pub prefix_route: bool,
}

/// `RTPROT_KERNEL`, `RTPROT_RA`.
const PROTOCOL_KERNEL: u8 = 2;
const PROTOCOL_RA: u8 = 9;

impl Route6 {
    /// The route an RTM_NEWROUTE/RTM_DELROUTE message describes, with device names from
    /// `links`; `None` for another family than IPv6, or a clone from the route cache.
    pub fn from_message(message: &RouteMessage, links: &Links) -> Option<Route6> {
        let header = &message.header;
        if header.address_family != AddressFamily::Inet6
            || header.flags.contains(RouteFlags::Cloned)
        {
            return None;
        }
        let v6 = |address: &RouteAddress| match address {
            RouteAddress::Inet6(a) => Some(*a),
            _ => None,
        };
        let device = |index: u32| i32::try_from(index).ok().map(|i| links.label(i));
        let mut route = Route6 {
            table: u32::from(header.table),
            kind: header.kind,
            protocol: u8::from(header.protocol),
            scope: u8::from(header.scope),
            destination: Ipv6Addr::UNSPECIFIED,
            prefix_len: header.destination_prefix_length,
            from: None,
            hops: Vec::new(),
            metric: 0,
            source: None,
            pref: None,
            expires: None,
            prefix_route: header.flags.contains(RouteFlags::Prefix),
        };
        let mut single = Hop {
            gateway: None,
            device: None,
            refs: None,
        };
        for attribute in &message.attributes {
            match attribute {
                RouteAttribute::Table(t) => route.table = *t,
                RouteAttribute::Destination(a) => {
                    route.destination = v6(a).unwrap_or(Ipv6Addr::UNSPECIFIED)
                }
                RouteAttribute::Source(a) => {
                    route.from = v6(a).map(|a| (a, header.source_prefix_length))
                }
                RouteAttribute::Gateway(a) => single.gateway = v6(a),
                RouteAttribute::PrefSource(a) => route.source = v6(a),
                RouteAttribute::Priority(p) => route.metric = *p,
                RouteAttribute::Oif(i) => single.device = device(*i),
                RouteAttribute::Preference(p) => route.pref = Some(u8::from(*p)),
                RouteAttribute::CacheInfo(info) if info.expires != 0 => {
                    // `rta_expires` is signed (include/uapi/linux/rtnetlink.h), in USER_HZ.
                    let ticks = i64::from(info.expires as i32);
                    route.expires = Some(ticks / user_hz());
                }
                RouteAttribute::MultiPath(hops) => {
                    route.hops = hops
                        .iter()
                        .map(|hop| Hop {
                            gateway: hop.attributes.iter().find_map(|a| match a {
                                RouteAttribute::Gateway(g) => v6(g),
                                _ => None,
                            }),
                            device: device(hop.interface_index),
                            refs: None,
                        })
                        .collect()
                }
                _ => {}
            }
        }
        if route.hops.is_empty() {
            route.hops.push(single);
        }
        Some(route)
    }

    /// Whether the kernel flags it RTF_REJECT (`!`): every route that drops what it matches.
    pub fn rejects(&self) -> bool {
        matches!(
            self.kind,
            RouteType::Unreachable | RouteType::Prohibit | RouteType::BlackHole | RouteType::Throw
        )
    }

    /// route(8)'s flags of the row of next hop `hop`, in its order (`U!GHDACaemnf`).
    pub fn flags(&self, hop: &Hop) -> String {
        let mut flags = String::new();
        let ra = self.protocol == PROTOCOL_RA;
        let own_address = self.protocol == PROTOCOL_KERNEL
            && matches!(self.kind, RouteType::Local | RouteType::Anycast);
        if !self.rejects() {
            flags.push('U');
        } else {
            flags.push('!');
        }
        if hop.gateway.is_some() {
            flags.push('G');
        }
        if ra && self.prefix_len == 0 {
            flags.push('D');
        }
        if ra || self.prefix_route {
            flags.push('A');
        }
        if self.expires.is_some() {
            flags.push('e');
        }
        if self.rejects() || own_address {
            flags.push('n');
        }
        flags
    }

    /// The rows route(8) prints for this route, one per next hop: `Ref` as given in the hop
    /// (0 where unknown), `Use` always 0 (the kernel writes a constant 0 there).
    pub fn rows(&self) -> Vec<String> {
        self.hops
            .iter()
            .map(|hop| {
                row(
                    &format!("{}/{}", route8_address(self.destination), self.prefix_len),
                    &hop.gateway.map_or_else(|| "::".to_owned(), route8_address),
                    &self.flags(hop),
                    self.metric as i32,
                    hop.refs.unwrap_or(0),
                    hop.device.as_deref().unwrap_or(""),
                )
            })
            .collect()
    }

    /// The route in one line, in `ip -6 route`'s words: `[TYPE ]PREFIX [from SRC] [via GW]
    /// [dev DEV] table T [proto P] [src ADDR] metric N [expires Nsec] [pref P]`, a multipath
    /// route with `nexthop via GW dev DEV` for each hop.
    pub fn brief(&self) -> String {
        let mut text = String::new();
        if self.kind != RouteType::Unicast {
            text.push_str(&kind_word(self.kind));
            text.push(' ');
        }
        if self.prefix_len == 0 {
            text.push_str("default");
        } else {
            let _ = write!(text, "{}/{}", ntop(self.destination), self.prefix_len);
        }
        if let Some((from, len)) = self.from {
            let _ = write!(text, " from {}/{len}", ntop(from));
        }
        let hop_text = |text: &mut String, hop: &Hop| {
            if let Some(gateway) = hop.gateway {
                let _ = write!(text, " via {}", ntop(gateway));
            }
            if let Some(device) = &hop.device {
                let _ = write!(text, " dev {device}");
            }
        };
        if let [hop] = self.hops.as_slice() {
            hop_text(&mut text, hop);
        }
        let _ = write!(text, " table {}", table_name(self.table));
        if self.protocol != 3 {
            let _ = write!(text, " proto {}", protocol_word(self.protocol));
        }
        if let Some(source) = self.source {
            let _ = write!(text, " src {}", ntop(source));
        }
        let _ = write!(text, " metric {}", self.metric);
        if let Some(expires) = self.expires {
            let _ = write!(text, " expires {expires}sec");
        }
        if let Some(pref) = self.pref {
            let _ = write!(text, " pref {}", pref_word(pref));
        }
        if self.hops.len() > 1 {
            for hop in &self.hops {
                text.push_str(" nexthop");
                hop_text(&mut text, hop);
            }
        }
        text
    }

    /// The route as one JSON object: route(8)'s columns plus what they leave out (type,
    /// protocol, scope, source prefix, preferred source, preference, expiry, table, each next
    /// hop of a multipath route).
    pub fn json(&self) -> Value {
        let first = &self.hops[0];
        let hop_json = |hop: &Hop| {
            json!({
                "gateway": hop.gateway.map(ntop),
                "iface": hop.device,
                "flags": self.flags(hop),
                "ref": hop.refs,
            })
        };
        json!({
            "family": "inet6",
            "table": self.table,
            "table_name": table_name(self.table),
            "type": kind_word(self.kind),
            "protocol": protocol_word(self.protocol),
            "scope": scope_word(self.scope),
            "destination": ntop(self.destination),
            "prefix_len": self.prefix_len,
            "from": self.from.map(|(a, len)| format!("{}/{len}", ntop(a))),
            "gateway": first.gateway.map(ntop),
            "flags": self.flags(first),
            "metric": self.metric,
            "ref": first.refs,
            "use": 0,
            "iface": first.device,
            "source": self.source.map(ntop),
            "pref": self.pref.map(pref_word),
            "expires": self.expires,
            "nexthops": (self.hops.len() > 1)
                .then(|| self.hops.iter().map(hop_json).collect::<Vec<_>>()),
        })
    }
}

/// route(8)'s title and column header for IPv6.
pub const TITLE: &str = "Kernel IPv6 routing table";
pub const HEADER: &str =
    "Destination                    Next Hop                   Flag Met Ref  Use If";

/// One row in route(8)'s layout: `printf("%-30s %-26s %-4s %-3d %-1d %6d %s\n", ...)`, the
/// metric read as a signed number (`%08x` into an `int`: 4294967295 prints as -1).
pub fn row(
    destination: &str,
    next_hop: &str,
    flags: &str,
    metric: i32,
    refs: u32,
    iface: &str,
) -> String {
    format!(
        "{destination:<30} {next_hop:<26} {flags:<4} {metric:<3} {:<1} {:>6} {iface}",
        refs as i32, 0
    )
}

/// The row of the kernel's null route (`fib6_null_entry`: `::/0`, RTF_REJECT|RTF_NONEXTHOP,
/// metric 0xffffffff, `lo`), which `/proc/net/ipv6_route` lists at the root of every table
/// that has no default route, and rtnetlink never dumps (`rt6_dump_route` skips it).
pub fn null_row(refs: u32) -> String {
    row("::/0", "::", "!n", -1, refs, "lo")
}

/// An address as ip(8) prints it, with glibc's inet_ntop(3): as Rust does, but an
/// IPv4-compatible address (96 zero bits, then not `::` nor a 16-bit number) is `::a.b.c.d`.
pub fn ntop(address: Ipv6Addr) -> String {
    let octets = address.octets();
    if octets[..12].iter().all(|b| *b == 0) && (octets[12] != 0 || octets[13] != 0) {
        let v4 = std::net::Ipv4Addr::new(octets[12], octets[13], octets[14], octets[15]);
        return format!("::{v4}");
    }
    address.to_string()
}

/// An address as route(8) prints it: inet_ntop(3), then net-tools `fix_v4_address`, which
/// cuts an IPv4-mapped address (`::ffff:a.b.c.d`) to its IPv4 address.
pub fn route8_address(address: Ipv6Addr) -> String {
    match address.to_ipv4_mapped() {
        Some(v4) => v4.to_string(),
        None => ntop(address),
    }
}

/// The protocol as `ip route` names it (iproute2 lib/rt_names.c, etc/iproute2/rt_protos).
pub fn protocol_word(protocol: u8) -> String {
    let word = match protocol {
        0 => "unspec",
        1 => "redirect",
        2 => "kernel",
        3 => "boot",
        4 => "static",
        8 => "gated",
        9 => "ra",
        10 => "mrt",
        11 => "zebra",
        12 => "bird",
        13 => "dnrouted",
        14 => "xorp",
        15 => "ntk",
        16 => "dhcp",
        17 => "mrouted",
        18 => "keepalived",
        42 => "babel",
        99 => "openr",
        186 => "bgp",
        187 => "isis",
        188 => "ospf",
        189 => "rip",
        192 => "eigrp",
        other => return other.to_string(),
    };
    word.to_owned()
}

/// The router preference as `ip -6 route` names it (`pref low|medium|high`).
pub fn pref_word(pref: u8) -> String {
    match RoutePreference::from(pref) {
        RoutePreference::Low => "low".into(),
        RoutePreference::Medium => "medium".into(),
        RoutePreference::High => "high".into(),
        _ => pref.to_string(),
    }
}

/// Clock ticks per second of `rta_expires` (USER_HZ, as iproute2's `get_user_hz`).
fn user_hz() -> i64 {
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz > 0 {
        hz
    } else {
        100
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(kind: RouteType, destination: &str, prefix_len: u8) -> Route6 {
        Route6 {
            table: 254,
            kind,
            protocol: 3,
            scope: 0,
            destination: destination.parse().unwrap(),
            prefix_len,
            from: None,
            hops: vec![Hop {
                gateway: None,
                device: Some("eth0".into()),
                refs: Some(1),
            }],
            metric: 1024,
            source: None,
            pref: Some(0),
            expires: None,
            prefix_route: false,
        }
    }

    /// Rows as `route -A inet6 -n` printed them for these routes (net-tools 2.10).
    #[test]
    fn rows_are_laid_out_as_route_a_inet6_prints_them() {
        let mut default = route(RouteType::Unicast, "::", 0);
        default.hops[0].gateway = Some("2001:db8:1::1".parse().unwrap());
        assert_eq!(
            default.rows(),
            ["::/0                           2001:db8:1::1              UG   1024 1      0 eth0"]
        );
        let mut unreachable = route(RouteType::Unreachable, "2001:db8:dead::", 48);
        unreachable.hops[0].device = Some("lo".into());
        unreachable.hops[0].refs = Some(2);
        assert_eq!(
            unreachable.rows(),
            ["2001:db8:dead::/48             ::                         !n   1024 2      0 lo"]
        );
        let mut local = route(RouteType::Local, "2001:db8:1::2", 128);
        local.protocol = PROTOCOL_KERNEL;
        local.metric = 0;
        local.hops[0].refs = Some(3);
        assert_eq!(
            local.rows(),
            ["2001:db8:1::2/128              ::                         Un   0   3      0 eth0"]
        );
        let mut expiring = route(RouteType::Unicast, "2001:db8:500::", 48);
        expiring.expires = Some(298);
        expiring.hops[0].gateway = Some("2001:db8:1::1".parse().unwrap());
        assert_eq!(expiring.flags(&expiring.hops[0]), "UGe");
        assert_eq!(
            null_row(1),
            "::/0                           ::                         !n   -1  1      0 lo"
        );
        assert_eq!(
            expiring.brief(),
            "2001:db8:500::/48 via 2001:db8:1::1 dev eth0 table main metric 1024 expires 298sec pref medium"
        );
    }

    #[test]
    fn flags_of_routes_learnt_from_router_advertisements() {
        let mut default = route(RouteType::Unicast, "::", 0);
        default.protocol = PROTOCOL_RA;
        default.expires = Some(1800);
        default.hops[0].gateway = Some("fe80::1".parse().unwrap());
        assert_eq!(default.flags(&default.hops[0]), "UGDAe");
        let mut prefix = route(RouteType::Unicast, "2001:db8:1::", 64);
        prefix.protocol = PROTOCOL_KERNEL;
        prefix.prefix_route = true;
        prefix.expires = Some(86400);
        assert_eq!(prefix.flags(&prefix.hops[0]), "UAe");
        // A local route added by hand has no RTF_NONEXTHOP; the kernel's own has.
        let manual = route(RouteType::Local, "2001:db8:5::5", 128);
        assert_eq!(manual.flags(&manual.hops[0]), "U");
    }

    /// inet_ntop(3) as glibc prints (Python's socket.inet_ntop agrees), and net-tools'
    /// `fix_v4_address`.
    #[test]
    fn addresses_print_as_inet_ntop_and_net_tools_print_them() {
        let p = |s: &str| ntop(s.parse().unwrap());
        assert_eq!(p("::"), "::");
        assert_eq!(p("::2"), "::2");
        assert_eq!(p("::0.0.3.4"), "::304");
        assert_eq!(p("::1.2.3.4"), "::1.2.3.4");
        assert_eq!(p("::0.1.0.0"), "::0.1.0.0");
        assert_eq!(p("::ffff:192.0.2.1"), "::ffff:192.0.2.1");
        assert_eq!(
            route8_address("::ffff:192.0.2.1".parse().unwrap()),
            "192.0.2.1"
        );
        assert_eq!(route8_address("::ffff:0.0.0.0".parse().unwrap()), "0.0.0.0");
        assert_eq!(p("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
        assert_eq!(p("ff00::"), "ff00::");
    }
}
