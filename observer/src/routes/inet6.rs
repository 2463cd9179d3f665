//! `bindscope routes -6`: a namespace's IPv6 routes in the layout of `route -A inet6 -n`
//! (net-tools lib/inet6_gr.c `rprint_fib6`), its IPv6 rules as `ip -6 rule show` prints
//! them, and `--watch` of IPv6 route, rule and address changes.
//!
//! The routes come from an RTM_GETROUTE dump (AF_INET6) of every table. route(8) reads
//! `/proc/net/ipv6_route`, which lists every table merged, one after the other in the order
//! the dump has them too (net/ipv6/ip6_fib.c: both walk `fib_table_hash` bucket by bucket,
//! each table's tree in the same walk). So the text is one table, as route(8) prints it, and
//! with `--table` only the rows of the tables asked for. Two things there are not in the
//! dump, and are taken as the kernel keeps them:
//!
//! - the `Ref` column, the kernel's reference count of each route (`fib6_ref`), which only
//!   `/proc/net/ipv6_route` shows: it is read there (in the namespace) and matched to the
//!   dumped routes by destination, source, next hop, metric and device, in order;
//! - the null route (`fib6_null_entry`), which the walk shows at the root of each table that
//!   has no default route (`::/0 :: !n -1 ... lo`), and the dump skips: it is written where
//!   the kernel has it, as the last row of such a table.
//!
//! A multipath route is one message in the dump, and one row per next hop in route(8) (the
//! kernel keeps its siblings as routes of their own).

use std::collections::{HashMap, VecDeque};
use std::io::{self, Write};
use std::net::{IpAddr, Ipv6Addr};

use netlink_packet_route::address::{AddressAttribute, AddressMessage};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use serde_json::{json, Value};
use sockabi::text::Escaped;

use super::json::rule_json;
use super::route6::{ntop, null_row, Route6, HEADER, TITLE};
use super::{Error, Namespace, Tables};
use crate::policy::{table_name, Links, Rule};
use crate::NetnsSpec;

/// The address family `routes` shows (`-4`/`-6`, `--family`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Family {
    /// IPv4: route(8)'s `-n` layout of the main table by default.
    #[default]
    Inet,
    /// IPv6: route(8)'s `-A inet6 -n` layout of every table by default.
    Inet6,
}

impl Family {
    /// The tables shown when `--table` is not given: `main` for IPv4, as `route -n` shows
    /// (`/proc/net/route` is the main table); every table for IPv6, as `route -A inet6 -n`
    /// shows (`/proc/net/ipv6_route` is every table).
    pub fn default_tables(self) -> Tables {
        match self {
            Family::Inet => Tables::One(libc::RT_TABLE_MAIN as u32),
            Family::Inet6 => Tables::All,
        }
    }
}

/// The rtnetlink groups `--watch -6` follows, and the IPv4 ones it leaves.
const WATCHED6: [u32; 3] = [
    libc::RTNLGRP_IPV6_ROUTE,
    libc::RTNLGRP_IPV6_RULE,
    libc::RTNLGRP_IPV6_IFADDR,
];
const UNWATCHED4: [u32; 3] = [
    libc::RTNLGRP_IPV4_ROUTE,
    libc::RTNLGRP_IPV4_RULE,
    libc::RTNLGRP_IPV4_IFADDR,
];

/// What `bindscope routes -6` shows.
#[derive(Debug, Clone, Default)]
pub struct Snapshot6 {
    /// (table id, its routes), in the order the kernel dumped the tables; tables `main` and
    /// `local`, which always exist, even when empty.
    pub tables: Vec<(u32, Vec<Route6>)>,
    /// The null route's reference count, as `/proc/net/ipv6_route` gave it.
    pub null_refs: Option<u32>,
    /// The IPv6 rules in the kernel's order, when asked for.
    pub rules: Option<Vec<Rule>>,
}

/// A namespace's IPv6 routing state: the rtnetlink session of [`Namespace`], subscribed to
/// the IPv6 groups in place of the IPv4 ones.
pub struct Namespace6 {
    namespace: Namespace,
    netns: Option<NetnsSpec>,
}

impl Namespace6 {
    /// Opens the namespace of `netns` (`None`: bindscope's own).
    pub fn open(netns: Option<&NetnsSpec>) -> Result<Namespace6, Error> {
        let mut namespace = Namespace::open(netns)?;
        namespace
            .session
            .resubscribe(&WATCHED6, &UNWATCHED4)
            .map_err(Error::Netlink)?;
        Ok(Namespace6 {
            namespace,
            netns: netns.cloned(),
        })
    }

    /// The namespace's links, by name and index.
    pub fn links(&self) -> &Links {
        self.namespace.links()
    }

    /// Dumps the IPv6 routes of `tables`, their reference counts, and the IPv6 rules if
    /// `rules`.
    pub fn snapshot(&mut self, tables: Tables, rules: bool) -> Result<Snapshot6, Error> {
        let messages = self
            .namespace
            .session
            .routes_of(AddressFamily::Inet6)
            .map_err(Error::Netlink)?;
        let mut all: Vec<(u32, Vec<Route6>)> = Vec::new();
        for message in &messages {
            let Some(route) = Route6::from_message(message, &self.namespace.links) else {
                continue;
            };
            match all.iter_mut().find(|(id, _)| *id == route.table) {
                Some((_, routes)) => routes.push(route),
                None => all.push((route.table, vec![route])),
            }
        }
        for id in [libc::RT_TABLE_MAIN as u32, libc::RT_TABLE_LOCAL as u32] {
            if !all.iter().any(|(t, _)| *t == id) {
                // The tables are walked by hash bucket (id % 256): main and local come last.
                let at = all
                    .iter()
                    .position(|(t, _)| t % 256 > id % 256)
                    .unwrap_or(all.len());
                all.insert(at, (id, Vec::new()));
            }
        }
        let proc = self.proc_routes();
        let null_refs = proc.and_then(|proc| attach_refs(&mut all, &proc));
        let mut snapshot = Snapshot6 {
            tables: all
                .into_iter()
                .filter(|(id, _)| tables.shows(*id))
                .collect(),
            null_refs,
            rules: None,
        };
        if let (Tables::One(id), true) = (tables, snapshot.tables.is_empty()) {
            snapshot.tables.push((id, Vec::new()));
        }
        if rules {
            snapshot.rules = Some(
                self.namespace
                    .session
                    .rules_of(AddressFamily::Inet6)
                    .map_err(Error::Netlink)?,
            );
        }
        Ok(snapshot)
    }

    /// `/proc/net/ipv6_route` as the namespace's tasks see it (`None` if it cannot be read:
    /// the `Ref` column is then 0).
    fn proc_routes(&self) -> Option<Vec<u8>> {
        const PATH: &str = "/proc/thread-self/net/ipv6_route";
        let read = match &self.netns {
            None => std::fs::read(PATH),
            Some(spec) => spec
                .open()
                .map_err(io::Error::other)
                .and_then(|file| crate::sys::netns::run_in(file, || std::fs::read(PATH))),
        };
        read.map_err(|e| log::warn!("no Ref column: cannot read {PATH}: {e}"))
            .ok()
    }

    /// Streams the changes since the session opened to `out`, one line each, until
    /// interrupted, the reader goes away, or the namespace is deleted.
    pub fn watch(
        &mut self,
        tables: Tables,
        json: bool,
        out: &mut (impl Write + ?Sized),
    ) -> Result<super::Ended, Error> {
        self.namespace.watch(tables, json, out)
    }
}

/// A row of `/proc/net/ipv6_route` as the key it is matched by: destination and length,
/// source and length, next hop, metric, device.
type ProcKey = (Ipv6Addr, u8, Ipv6Addr, u8, Ipv6Addr, u32, String);

/// RTF_REJECT, RTF_NONEXTHOP (include/uapi/linux/route.h, ipv6_route.h).
const RTF_REJECT: u32 = 0x0200;
const RTF_NONEXTHOP: u32 = 0x0020_0000;

/// Sets each next hop's reference count from the rows of `/proc/net/ipv6_route` (`proc`),
/// the first row of the same key not yet taken; returns the null route's count.
fn attach_refs(tables: &mut [(u32, Vec<Route6>)], proc: &[u8]) -> Option<u32> {
    {
        let mut refs: HashMap<ProcKey, VecDeque<u32>> = HashMap::new();
        let mut null_refs = None;
        for line in proc.split(|b| *b == b'\n') {
            let Some((key, count, flags)) = parse_proc_row(line) else {
                continue;
            };
            let null = key.0.is_unspecified()
                && key.1 == 0
                && key.5 == u32::MAX
                && flags == RTF_REJECT | RTF_NONEXTHOP
                && key.6 == "lo";
            if null {
                null_refs.get_or_insert(count);
            }
            refs.entry(key).or_default().push_back(count);
        }
        for (_, routes) in tables.iter_mut() {
            for route in routes.iter_mut() {
                let (destination, prefix_len, metric) =
                    (route.destination, route.prefix_len, route.metric);
                let (from, from_len) = route.from.unwrap_or((Ipv6Addr::UNSPECIFIED, 0));
                for hop in &mut route.hops {
                    let key = (
                        destination,
                        prefix_len,
                        from,
                        from_len,
                        hop.gateway.unwrap_or(Ipv6Addr::UNSPECIFIED),
                        metric,
                        hop.device.clone().unwrap_or_default(),
                    );
                    hop.refs = refs.get_mut(&key).and_then(VecDeque::pop_front);
                }
            }
        }
        null_refs
    }
}

/// One line of `/proc/net/ipv6_route` (net/ipv6/route.c `ipv6_route_native_seq_show`):
/// destination, its length, source, its length, next hop (32 hex digits or 2 each), metric,
/// reference count, use, flags (8 hex digits each), device (a name, right-aligned in 8).
fn parse_proc_row(line: &[u8]) -> Option<(ProcKey, u32, u32)> {
    let mut fields = line.split(|b| *b == b' ').filter(|f| !f.is_empty());
    let mut next = || fields.next();
    let hex = |f: &[u8]| u32::from_str_radix(std::str::from_utf8(f).ok()?, 16).ok();
    let address = |f: &[u8]| {
        u128::from_str_radix(std::str::from_utf8(f).ok()?, 16)
            .ok()
            .map(Ipv6Addr::from)
    };
    let destination = address(next()?)?;
    let prefix_len = u8::try_from(hex(next()?)?).ok()?;
    let source = address(next()?)?;
    let source_len = u8::try_from(hex(next()?)?).ok()?;
    let gateway = address(next()?)?;
    let metric = hex(next()?)?;
    let count = hex(next()?)?;
    let _use = next()?;
    let flags = hex(next()?)?;
    // The same name `Links` holds: the name itself, or by the escaping rule where it is not
    // UTF-8 (as the lenient link parser keeps it).
    let device = next().map_or_else(String::new, |name| match std::str::from_utf8(name) {
        Ok(name) => name.to_owned(),
        Err(_) => Escaped(name).to_string(),
    });
    Some((
        (
            destination,
            prefix_len,
            source,
            source_len,
            gateway,
            metric,
            device,
        ),
        count,
        flags,
    ))
}

/// Whether table `routes` has its null route at its root: no default route of its own
/// (a source-specific `::/0 from ...` sits in a subtree, not at the root).
fn has_null_route(routes: &[Route6]) -> bool {
    !routes
        .iter()
        .any(|route| route.prefix_len == 0 && route.from.is_none())
}

/// Writes `snapshot` in route(8)'s `-A inet6 -n` layout: one title, the rows of every table
/// shown in the kernel's order, each table's null route last where it has one; then the rules
/// (if any) as `ip -6 rule show` prints them.
pub fn write_tables6(out: &mut (impl Write + ?Sized), snapshot: &Snapshot6) -> io::Result<()> {
    writeln!(out, "{TITLE}")?;
    writeln!(out, "{HEADER}")?;
    for (_, routes) in &snapshot.tables {
        for route in routes {
            for row in route.rows() {
                writeln!(out, "{row}")?;
            }
        }
        if has_null_route(routes) {
            writeln!(out, "{}", null_row(snapshot.null_refs.unwrap_or(0)))?;
        }
    }
    if let Some(rules) = &snapshot.rules {
        writeln!(out)?;
        writeln!(out, "Policy rules")?;
        for rule in rules {
            writeln!(out, "{rule}")?;
        }
    }
    Ok(())
}

/// The snapshot as one JSON document: `{"family": "inet6", "tables": [{"id", "name",
/// "routes": [...]}], "rules": [...]}` (`rules` only with `--rules`). The null routes are
/// not routes of the tables (`ip -6 route` shows none): they are left out.
pub fn snapshot_json6(snapshot: &Snapshot6) -> Value {
    let tables: Vec<Value> = snapshot
        .tables
        .iter()
        .map(|(id, routes)| {
            json!({
                "id": id,
                "name": table_name(*id),
                "routes": routes.iter().map(Route6::json).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut document = json!({ "family": "inet6", "tables": tables });
    if let Some(rules) = &snapshot.rules {
        document["rules"] = rules.iter().map(rule6_json).collect();
    }
    document
}

/// An IPv6 rule as JSON: as an IPv4 one, with its family.
fn rule6_json(rule: &Rule) -> Value {
    let mut object = rule_json(rule);
    object["family"] = "inet6".into();
    object
}

/// The IPv6 change `message` notifies, as (kind, text, JSON), for `--watch`; `None` for
/// anything else (the IPv4 changes are described by the watch module itself).
pub(super) fn describe(
    message: &RouteNetlinkMessage,
    links: &Links,
    tables: Tables,
) -> Option<(&'static str, String, Value)> {
    use RouteNetlinkMessage as M;
    match message {
        M::NewRoute(route) | M::DelRoute(route) => {
            let route = Route6::from_message(route, links).filter(|r| tables.shows(r.table))?;
            Some(("route", route.brief(), json!({ "route": route.json() })))
        }
        M::NewRule(rule) | M::DelRule(rule) => {
            let rule = Rule::from_message_of(rule, AddressFamily::Inet6)?;
            Some((
                "rule",
                rule.to_string(),
                json!({ "rule": rule6_json(&rule) }),
            ))
        }
        M::NewAddress(address) | M::DelAddress(address) => {
            let (local, device, prefix) = address6(address, links)?;
            Some((
                "address",
                format!("{}/{prefix} dev {device}", ntop(local)),
                json!({ "address": {
                    "family": "inet6",
                    "local": ntop(local),
                    "prefix_len": prefix,
                    "iface": device,
                } }),
            ))
        }
        _ => None,
    }
}

/// An IPv6 address message's address, device name and prefix length: IFA_LOCAL where given
/// (a point-to-point address), else IFA_ADDRESS, as `ip -6 addr` takes them.
fn address6(message: &AddressMessage, links: &Links) -> Option<(Ipv6Addr, String, u8)> {
    if message.header.family != AddressFamily::Inet6 {
        return None;
    }
    let find = |local: bool| {
        message.attributes.iter().find_map(|a| match (a, local) {
            (AddressAttribute::Local(IpAddr::V6(v6)), true)
            | (AddressAttribute::Address(IpAddr::V6(v6)), false) => Some(*v6),
            _ => None,
        })
    };
    let address = find(true).or_else(|| find(false))?;
    let index = i32::try_from(message.header.index).ok()?;
    Some((address, links.label(index), message.header.prefix_len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use netlink_packet_route::route::RouteType;

    use super::super::route6::Hop;

    /// Rows of `/proc/net/ipv6_route` as a 6.x kernel wrote them.
    const PROC: &str = "\
20010db8020000000000000000000000 30 00000000000000000000000000000000 00 20010db8000200000000000000000001 00000400 00000002 00000000 00000003     eth1
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
20010db8080000000000000000000000 30 00000000000000000000000000000000 00 20010db800010000000000000000000a 00000400 00000002 00000000 00000003     eth0
20010db8080000000000000000000000 30 00000000000000000000000000000000 00 20010db800010000000000000000000b 00000400 00000001 00000000 00000003     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
";

    fn route(table: u32, destination: &str, prefix_len: u8, hops: &[(&str, &str)]) -> Route6 {
        Route6 {
            table,
            kind: RouteType::Unicast,
            protocol: 3,
            scope: 0,
            destination: destination.parse().unwrap(),
            prefix_len,
            from: None,
            hops: hops
                .iter()
                .map(|(gateway, device)| Hop {
                    gateway: Some(gateway.parse().unwrap()),
                    device: Some((*device).into()),
                    refs: None,
                })
                .collect(),
            metric: 1024,
            source: None,
            pref: Some(0),
            expires: None,
            prefix_route: false,
        }
    }

    /// Reference counts come from the matching rows, a multipath route's per next hop, and
    /// each table without a default route ends with the null route.
    #[test]
    fn refs_and_null_routes_are_placed_as_the_kernel_lists_them() {
        let mut tables = vec![
            (
                100,
                vec![route(
                    100,
                    "2001:db8:200::",
                    48,
                    &[("2001:db8:2::1", "eth1")],
                )],
            ),
            (
                254,
                vec![route(
                    254,
                    "2001:db8:800::",
                    48,
                    &[("2001:db8:1::a", "eth0"), ("2001:db8:1::b", "eth0")],
                )],
            ),
        ];
        let null = attach_refs(&mut tables, PROC.as_bytes());
        assert_eq!(null, Some(1));
        let snapshot = Snapshot6 {
            tables,
            null_refs: null,
            rules: None,
        };
        let mut out = Vec::new();
        write_tables6(&mut out, &snapshot).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\
Kernel IPv6 routing table
Destination                    Next Hop                   Flag Met Ref  Use If
2001:db8:200::/48              2001:db8:2::1              UG   1024 2      0 eth1
::/0                           ::                         !n   -1  1      0 lo
2001:db8:800::/48              2001:db8:1::a              UG   1024 2      0 eth0
2001:db8:800::/48              2001:db8:1::b              UG   1024 1      0 eth0
::/0                           ::                         !n   -1  1      0 lo
"
        );
    }

    #[test]
    fn a_device_name_that_is_not_utf8_is_matched_as_links_keeps_it() {
        let line = b"00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 00000400 00000007 00000000 00000001 \xff0";
        let (key, count, _) = parse_proc_row(line).unwrap();
        assert_eq!(count, 7);
        assert_eq!(key.6, Escaped(b"\xff0").to_string());
    }
}
