//! `bindscope routes`: a namespace's IPv4 routing tables in the layout of route(8), its
//! policy rules as `ip rule show` prints them, and a stream of their changes.
//!
//! Everything is read through rtnetlink with the policy room's [`Session`] (messages built
//! and parsed by `netlink-packet-route`): an RTM_GETROUTE dump of every table, filtered here
//! by table, and the rule dump the tracer's rule capture uses. `/proc/net/route` is not read:
//! it shows the main table only (net/ipv4/fib_trie.c `fib_route_seq_show`).
//!
//! The columns are route(8)'s (net-tools `rprint_fib`, fed by `/proc/net/route`): `Ref` and
//! `Use` are printed as the kernel has given them since the routing cache went (Linux 3.6),
//! always 0: `fib_route_seq_show` writes both as constant zeros.

mod json;
mod text;
mod watch;

use std::fs::File;
use std::io;
use std::net::Ipv4Addr;

use netlink_packet_route::route::{RouteAddress, RouteAttribute, RouteMessage, RouteType};
use netlink_packet_route::AddressFamily;

use crate::policy::{Links, Rule, Session};
use crate::NetnsSpec;

pub use json::snapshot_json;
pub use text::write_tables;

/// Which tables to show (`--table`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tables {
    /// One table, by id.
    One(u32),
    /// Every table.
    All,
}

impl Tables {
    /// `--table`: `all`, a name `ip` knows (`main`, `local`, `/etc/iproute2/rt_tables`) or a
    /// number.
    pub fn parse(text: &str) -> Result<Tables, Error> {
        if text == "all" {
            return Ok(Tables::All);
        }
        crate::policy::table_id(text)
            .map(Tables::One)
            .ok_or_else(|| Error::UnknownTable(text.to_owned()))
    }

    /// Whether routes of table `id` are shown.
    pub fn shows(self, id: u32) -> bool {
        match self {
            Tables::All => true,
            Tables::One(one) => one == id,
        }
    }
}

/// Why the routes could not be shown; each one line that says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `--table` names no table.
    #[error("unknown table {0:?}: give a table number, `all`, or a name from /etc/iproute2/rt_tables (main, local, default)")]
    UnknownTable(String),
    /// `--netns` could not be resolved or opened.
    #[error(transparent)]
    Netns(#[from] crate::Error),
    /// setns(2) refused: entering a network namespace needs CAP_SYS_ADMIN over it
    /// (net/core/net_namespace.c `netns_install`).
    #[error(
        "permission denied entering network namespace {0}: that needs CAP_SYS_ADMIN; run with sudo"
    )]
    NotPermitted(String),
    /// Writing the changes failed.
    #[error("could not write the changes: {0}")]
    Output(#[source] io::Error),
    /// rtnetlink failed.
    #[error("could not read the routing tables through rtnetlink: {0}")]
    Netlink(#[source] io::Error),
}

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
        route.device = oif.and_then(|i| {
            let index = i32::try_from(i).ok()?;
            Some(
                links
                    .name(index)
                    .map_or_else(|| format!("if{index}"), str::to_owned),
            )
        });
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

    /// The type as `ip route` names it (iproute2 lib/rt_names.c `rtnl_rtntype_n2a`).
    pub fn kind_word(&self) -> String {
        match self.kind {
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
}

/// What `bindscope routes` shows: the routes of the chosen tables (grouped by table, in the
/// kernel's order) and, if asked, the rules.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// (table id, its routes), in the order the kernel dumped the tables.
    pub tables: Vec<(u32, Vec<Route>)>,
    /// The IPv4 rules in the kernel's order, when asked for.
    pub rules: Option<Vec<Rule>>,
}

/// The rtnetlink groups `--watch` follows: IPv4 routes, rules and addresses, and links (to
/// keep device names current).
const WATCHED: [u32; 4] = [
    libc::RTNLGRP_IPV4_ROUTE,
    libc::RTNLGRP_IPV4_RULE,
    libc::RTNLGRP_IPV4_IFADDR,
    libc::RTNLGRP_LINK,
];

/// A namespace's routing state through rtnetlink: a session subscribed to the groups
/// `--watch` follows before any dump (so no change falls between), and the links that name
/// the devices of routes.
pub struct Namespace {
    session: Session,
    links: Links,
}

impl Namespace {
    /// Opens the namespace of `netns` (`None`: bindscope's own).
    pub fn open(netns: Option<&NetnsSpec>) -> Result<Namespace, Error> {
        let file: Option<File> = netns.map(NetnsSpec::open).transpose()?;
        let mut session = Session::open_notified(file, &WATCHED).map_err(|e| {
            if e.raw_os_error() == Some(libc::EPERM) {
                let name = match netns {
                    Some(NetnsSpec::Path(path)) => path.display().to_string(),
                    Some(NetnsSpec::Inode(inode)) => inode.to_string(),
                    None => "(own)".into(),
                };
                Error::NotPermitted(name)
            } else {
                Error::Netlink(e)
            }
        })?;
        let links = session.links().map_err(Error::Netlink)?;
        Ok(Namespace { session, links })
    }

    /// Dumps the routes of `tables`, and the rules if `rules`.
    pub fn snapshot(&mut self, tables: Tables, rules: bool) -> Result<Snapshot, Error> {
        let mut snapshot = Snapshot::default();
        for message in self.session.routes().map_err(Error::Netlink)? {
            let Some(route) = Route::from_message(&message, &self.links) else {
                continue;
            };
            if !tables.shows(route.table) {
                continue;
            }
            match snapshot
                .tables
                .iter_mut()
                .find(|(id, _)| *id == route.table)
            {
                Some((_, routes)) => routes.push(route),
                None => snapshot.tables.push((route.table, vec![route])),
            }
        }
        if let (Tables::One(id), true) = (tables, snapshot.tables.is_empty()) {
            // An empty table still gets its header, as route(8) prints one for an empty main.
            snapshot.tables.push((id, Vec::new()));
        }
        if rules {
            snapshot.rules = Some(self.session.rules().map_err(Error::Netlink)?);
        }
        Ok(snapshot)
    }

    /// Streams the changes since the session opened to `out`, one line each, until
    /// interrupted or `out` fails.
    pub fn watch(
        &mut self,
        tables: Tables,
        json: bool,
        out: &mut impl std::io::Write,
    ) -> Result<(), Error> {
        watch::watch(&mut self.session, &mut self.links, tables, json, out)
    }
}
