//! One IPv4 route as an RTM_NEWROUTE message describes it, and what route(8) derives from
//! it (netmask, reject flag) and `ip route` calls its type.

use std::net::Ipv4Addr;

use netlink_packet_route::route::{RouteAddress, RouteAttribute, RouteMessage, RouteType};
use netlink_packet_route::AddressFamily;

use crate::policy::Links;

/// One IPv4 route, as `ip route show` and route(8) need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The table it is in.
    pub table: u32,
    /// `RTN_*`: unicast, local, unreachable, ...
    pub kind: RouteType,
    /// The destination prefix.
    pub destination: Ipv4Addr,
    /// Its length.
    pub prefix_len: u8,
    /// The (first) next hop's gateway.
    pub gateway: Option<Ipv4Addr>,
    /// The (first) next hop's device.
    pub device: Option<String>,
    /// `RTA_PRIORITY`, 0 when absent.
    pub metric: u32,
    /// The preferred source address (`src`).
    pub source: Option<Ipv4Addr>,
    /// The TOS the route selects (`ip route add ... tos`), 0 for any.
    pub tos: u8,
    /// `RT_SCOPE_*`: how far its destination is (`host`, `link`, `universe`).
    pub scope: u8,
}

impl Route {
    /// The route an RTM_NEWROUTE/RTM_DELROUTE message describes, with device names from
    /// `links`; `None` for another family than IPv4.
    pub fn from_message(message: &RouteMessage, links: &Links) -> Option<Route> {
        let header = &message.header;
        if header.address_family != AddressFamily::Inet {
            return None;
        }
        let v4 = |address: &RouteAddress| match address {
            RouteAddress::Inet(a) => Some(*a),
            _ => None,
        };
        let mut route = Route {
            table: u32::from(header.table),
            kind: header.kind,
            destination: Ipv4Addr::UNSPECIFIED,
            prefix_len: header.destination_prefix_length,
            gateway: None,
            device: None,
            metric: 0,
            source: None,
            tos: header.tos,
            scope: u8::from(header.scope),
        };
        let mut oif = None;
        for attribute in &message.attributes {
            match attribute {
                RouteAttribute::Table(t) => route.table = *t,
                RouteAttribute::Destination(a) => {
                    route.destination = v4(a).unwrap_or(Ipv4Addr::UNSPECIFIED)
                }
                RouteAttribute::Gateway(a) => route.gateway = v4(a),
                RouteAttribute::PrefSource(a) => route.source = v4(a),
                RouteAttribute::Priority(p) => route.metric = *p,
                RouteAttribute::Oif(i) => oif = Some(*i),
                // A multipath route: /proc/net/route shows its first next hop
                // (fib_route_seq_show uses fib_info_nh(fi, 0)), and so does this.
                RouteAttribute::MultiPath(hops) => {
                    if let Some(first) = hops.first() {
                        oif = oif.or(Some(first.interface_index));
                        route.gateway =
                            route
                                .gateway
                                .or(first.attributes.iter().find_map(|a| match a {
                                    RouteAttribute::Gateway(g) => v4(g),
                                    _ => None,
                                }));
                    }
                }
                _ => {}
            }
        }
        route.device = oif
            .and_then(|i| i32::try_from(i).ok())
            .map(|index| links.label(index));
        Some(route)
    }

    /// The netmask of the destination prefix (route(8)'s `Genmask`).
    pub fn genmask(&self) -> Ipv4Addr {
        Ipv4Addr::from(
            u32::MAX
                .checked_shl(32 - u32::from(self.prefix_len))
                .unwrap_or(0),
        )
    }

    /// Whether route(8) marks it `!` (RTF_REJECT): the kernel sets that flag for
    /// `unreachable` and `prohibit` routes only (net/ipv4/fib_trie.c `fib_flag_trans`); a
    /// `blackhole` route shows as `U` without a device (`*`).
    pub fn rejects(&self) -> bool {
        matches!(self.kind, RouteType::Unreachable | RouteType::Prohibit)
    }

    /// The scope as `ip route` names it.
    pub fn scope_word(&self) -> String {
        scope_word(self.scope)
    }

    /// The type as `ip route` names it.
    pub fn kind_word(&self) -> String {
        kind_word(self.kind)
    }
}

/// A scope as `ip route` names it (iproute2 lib/rt_names.c `rtnl_rtscope_n2a`).
pub(super) fn scope_word(scope: u8) -> String {
    match scope {
        0 => "global".into(),
        200 => "site".into(),
        253 => "link".into(),
        254 => "host".into(),
        255 => "nowhere".into(),
        other => other.to_string(),
    }
}

/// A route type as `ip route` names it (iproute2 lib/rt_names.c `rtnl_rtntype_n2a`).
pub(super) fn kind_word(kind: RouteType) -> String {
    match kind {
        RouteType::Unspec => "none".into(),
        RouteType::Unicast => "unicast".into(),
        RouteType::Local => "local".into(),
        RouteType::Broadcast => "broadcast".into(),
        RouteType::Anycast => "anycast".into(),
        RouteType::Multicast => "multicast".into(),
        RouteType::BlackHole => "blackhole".into(),
        RouteType::Unreachable => "unreachable".into(),
        RouteType::Prohibit => "prohibit".into(),
        RouteType::Throw => "throw".into(),
        RouteType::Nat => "nat".into(),
        RouteType::ExternalResolve => "xresolve".into(),
        other => u8::from(other).to_string(),
    }
}
