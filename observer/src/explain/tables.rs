//! The routes of a table that cover the destination: the one the lookup chose, and why each
//! other lost, read as `fib_table_lookup` (net/ipv4/fib_trie.c) decides: the longest prefix
//! wins, then the lowest metric; with a device bound (`flowi4_oif`), routes through other
//! devices are skipped; routes of an error type answer before any device is looked at.

use netlink_packet_route::route::RouteType;

use super::model::Candidate;
use crate::policy::FlowKeys;
use crate::routes::{Route, Snapshot};

/// Route types whose lookup answers an error (`fib_props[type].error`), before any next hop
/// or device is looked at.
fn error_type(kind: RouteType) -> bool {
    matches!(
        kind,
        RouteType::Unreachable | RouteType::Prohibit | RouteType::BlackHole | RouteType::Throw
    )
}

/// Why `route` cannot answer this flow, whatever else the table holds.
fn unusable(route: &Route, flow: &FlowKeys, oif: Option<&str>) -> Option<String> {
    if route.tos != 0 && route.tos & 0xfc != flow.tos & 0xfc {
        return Some(format!(
            "it selects tos {:#x}, and the flow's DS field is {:#x}",
            route.tos, flow.tos
        ));
    }
    match (oif, route.device.as_deref()) {
        (Some(bound), Some(dev)) if dev != bound && !error_type(route.kind) => Some(format!(
            "it goes through {dev}, and the lookup is bound to {bound}: routes through other \
             devices are ignored"
        )),
        _ => None,
    }
}

/// RT_TABLE_MAIN and RT_TABLE_LOCAL.
const MAIN: u32 = 254;
const LOCAL: u32 = 255;

/// The routes of `table` that cover the flow's destination, the one chosen first. With only
/// the default rules (`merged`), main's trie holds the local table's routes too
/// (`fib_unmerge` has not split them), so a lookup of main sees the `local` and `broadcast`
/// routes as well.
pub(super) fn candidates(
    snapshot: &Snapshot,
    table: u32,
    merged: bool,
    flow: &FlowKeys,
    oif: Option<&str>,
    result: &str,
    kernel_choice: Option<&Route>,
) -> Vec<Candidate> {
    // explain asks IPv4 questions (its destination is an IPv4 address).
    let dst = match flow.dst {
        std::net::IpAddr::V4(v4) => u32::from(v4),
        std::net::IpAddr::V6(_) => return Vec::new(),
    };
    let mut covering: Vec<&Route> = snapshot
        .tables
        .iter()
        .filter(|(id, _)| *id == table || (merged && table == MAIN && *id == LOCAL))
        .flat_map(|(_, routes)| routes)
        .filter(|r| (u32::from(r.destination) ^ dst) & u32::from(r.genmask()) == 0)
        .collect();
    // The kernel's order of preference: longest prefix, then lowest metric, then the
    // table's own order.
    covering.sort_by_key(|r| (std::cmp::Reverse(r.prefix_len), r.metric));
    // `fibmatch` reports the route it matched with the type of the answer's rtable, not the
    // route's own: multicast or broadcast to such a destination, and, to any destination,
    // the type of an rtable cached on the route's next hop by an earlier lookup (per CPU,
    // `nhc_pcpu_rth_output`: a multicast group routed through the same gateway leaves a
    // multicast one). Seen in the random topologies as a unicast lookup answered "multicast".
    let same = |a: &Route, b: &Route| {
        a.destination == b.destination
            && a.prefix_len == b.prefix_len
            && a.metric == b.metric
            && (a.kind == b.kind || matches!(b.kind, RouteType::Multicast | RouteType::Broadcast))
            && a.tos == b.tos
    };
    let winner: Option<usize> = match kernel_choice {
        Some(choice) => covering.iter().position(|r| same(r, choice)),
        None if result == "miss" => covering
            .iter()
            .position(|r| unusable(r, flow, oif).is_none())
            .filter(|&i| covering[i].kind == RouteType::Throw),
        None => covering
            .iter()
            .position(|r| unusable(r, flow, oif).is_none()),
    };
    let mut candidates: Vec<Candidate> = covering
        .iter()
        .enumerate()
        .map(|(index, route)| {
            let chosen = winner == Some(index);
            let why = if chosen {
                match route.kind {
                    RouteType::Throw => {
                        "a throw route: the table answers \"not here\" and the walk goes on"
                            .to_owned()
                    }
                    kind if error_type(kind) => format!(
                        "the most specific route, of type {}: the lookup ends with its error",
                        route.kind_word()
                    ),
                    RouteType::Broadcast => format!(
                        "the broadcast route the kernel adds for {}'s subnet (table local): the \
                         longest matching prefix (/{})",
                        route.device.as_deref().unwrap_or("its device"),
                        route.prefix_len
                    ),
                    RouteType::Local => format!(
                        "the local route of an address of this host (table local): the longest \
                         matching prefix (/{})",
                        route.prefix_len
                    ),
                    _ if dst == u32::MAX => format!(
                        "the longest matching prefix (/{}) with the lowest metric ({}); to the \
                         limited broadcast it gives only its device: the kernel keeps no \
                         gateway for a broadcast (__mkroute_output)",
                        route.prefix_len, route.metric
                    ),
                    _ if flow.dst.is_multicast() && route.prefix_len < 4 => format!(
                        "the longest matching prefix (/{}) with the lowest metric ({}); to a \
                         multicast group it gives only its device: with no route of /4 or \
                         longer for multicast, the kernel drops its gateway \
                         (__mkroute_output: \"use default one, but do not gateway\")",
                        route.prefix_len, route.metric
                    ),
                    _ => match oif {
                        Some(bound) => format!(
                            "the longest matching prefix through {bound} (/{}) with the lowest \
                             metric ({})",
                            route.prefix_len, route.metric
                        ),
                        None => format!(
                            "the longest matching prefix (/{}) with the lowest metric ({})",
                            route.prefix_len, route.metric
                        ),
                    },
                }
            } else if let Some(reason) = unusable(route, flow, oif) {
                reason
            } else if let Some(w) = winner.map(|w| covering[w]) {
                if route.prefix_len < w.prefix_len {
                    format!("a longer prefix won (/{})", w.prefix_len)
                } else if route.prefix_len == w.prefix_len && route.metric > w.metric {
                    format!("a lower metric won ({} < {})", w.metric, route.metric)
                } else if route.prefix_len == w.prefix_len && route.metric == w.metric {
                    "a route of the same prefix and metric came first".to_owned()
                } else {
                    "the kernel passed it over: its next hop is down, or its scope is too \
                     narrow for this lookup"
                        .to_owned()
                }
            } else {
                "the kernel passed it over: its next hop is down, or its scope is too narrow \
                 for this lookup"
                    .to_owned()
            };
            Candidate {
                route: route.brief(),
                prefix: format!("{}/{}", route.destination, route.prefix_len),
                kind: route.kind_word(),
                metric: route.metric,
                gateway: route.gateway,
                dev: route.device.clone(),
                prefsrc: route.source,
                scope: route.scope_word(),
                chosen,
                why,
            }
        })
        .collect();
    // The chosen one first, the others in the kernel's order of preference.
    candidates.sort_by_key(|c| !c.chosen);
    candidates
}
