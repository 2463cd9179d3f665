//! `bindscope explain` for an IPv6 destination: the same walk as the IPv4 one, from an
//! AF_INET6 RTM_GETROUTE (as `ip -6 route get` asks it), the lookups bindscope's fib6 route
//! programs trace for it, the IPv6 rule list and the IPv6 routes of each table consulted.
//!
//! What differs from IPv4, and is said where it decides:
//!
//! - fib6 has no on-link fallback: a lookup bound to a device (`flowi6_oif`) that finds no
//!   route through it fails, where IPv4 would assume the destination on-link there;
//! - a miss in every table is the null entry (`fib6_null_entry`, `ENETUNREACH`);
//! - link-local and multicast destinations are scoped to a device (`fe80::1%eth1`);
//! - the source, where the request gives none, is chosen by source address selection
//!   (RFC 6724, `ipv6_dev_get_saddr`) after the lookup, unless the route has a `src`.
//!
//! The IPv4 walk is left as it is: this is a walk of its own, sharing the rule walk
//! (`walk_steps`), the rules in words (`rules`) and their text.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Write};
use std::net::{IpAddr, Ipv6Addr};

use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteFlags, RouteMessage, RouteType,
};
use netlink_packet_route::AddressFamily;
use serde::Serialize;

use super::model::{name_of, RuleLine, Rules};
use super::request::{Device, Error};
use crate::enrich::errno;
use crate::policy::{table_name, walk_steps, End, FlowKeys, Links, Method, Session, MISS};
use crate::route::{Purpose, RouteDecision};
use crate::routes::{self, Route6, Snapshot6, Tables};
use crate::stream::Collector;
use crate::trace::config::{Cidr, Config, EventSet, Filter, Ipv6Cidr, NetnsSpec};

/// What to ask about an IPv6 destination: the flow's keys, as `ip -6 route get` takes them.
#[derive(Debug, Clone)]
pub struct Request6 {
    /// The destination.
    pub dst: Ipv6Addr,
    /// The device the socket is bound to (`oif`).
    pub dev: Option<Device>,
    /// The source address (`from`).
    pub src: Option<Ipv6Addr>,
    /// The firewall mark.
    pub mark: Option<u32>,
    /// The socket owner's uid.
    pub uid: Option<u32>,
    /// For a received packet: the device it came in on.
    pub iif: Option<Device>,
    /// The IP protocol.
    pub proto: Option<u8>,
    /// The source port.
    pub sport: Option<u16>,
    /// The destination port.
    pub dport: Option<u16>,
    /// The flow label (`RTA_FLOWLABEL`, as `IPV6_FLOWINFO_SEND` gives it to a socket's
    /// lookups; 20 bits).
    pub flowlabel: Option<u32>,
    /// The namespace (default: bindscope's own).
    pub netns: Option<NetnsSpec>,
}

/// The whole IPv6 explanation.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation6 {
    /// Always `inet6`.
    pub family: &'static str,
    /// The destination, scoped to the device (`fe80::1%eth1`) where it is link-local or
    /// multicast and a device is known.
    pub dst: String,
    /// The namespace's inode.
    pub netns: u32,
    /// The decision for the request as given.
    pub case: Case6,
    /// With a device: the same request without it.
    pub unbound: Option<Case6>,
}

/// One IPv6 decision, walked.
#[derive(Debug, Clone, Serialize)]
pub struct Case6 {
    /// The device the request was bound to.
    pub oif: Option<String>,
    /// The flow's keys as the kernel looked them up (from the trace).
    pub flow: Option<Flow6>,
    /// The rules.
    pub rules: Rules,
    /// The tables consulted, in order.
    pub tables: Vec<TableWalk6>,
    /// What the kernel answered.
    pub outcome: Outcome6,
}

/// A flow's keys as the traced lookup carried them.
#[derive(Debug, Clone, Serialize)]
pub struct Flow6 {
    /// `output` or `input`.
    pub purpose: Purpose,
    /// The source address (`::`: not chosen yet).
    pub src: IpAddr,
    /// The input device (`lo` for output).
    pub iif: Option<String>,
    /// The output device asked for.
    pub oif: Option<String>,
    /// The firewall mark.
    pub mark: u32,
    /// The uid.
    pub uid: u32,
    /// The IP protocol (0: any).
    pub proto: u8,
    /// The source port.
    pub sport: u16,
    /// The destination port.
    pub dport: u16,
    /// The flow label, where traced.
    pub flowlabel: Option<u32>,
}

/// One table consulted.
#[derive(Debug, Clone, Serialize)]
pub struct TableWalk6 {
    /// Its id.
    pub table: u32,
    /// Its name.
    pub table_name: String,
    /// `route`, `miss`, or the error a route of an error type answered.
    pub result: String,
    /// A route answered but the rule refused it.
    pub suppressed: bool,
    /// The priority of the rule that led here.
    pub rule: Option<u32>,
    /// The table's routes that cover the destination, the chosen one first.
    pub candidates: Vec<Candidate6>,
}

/// One next hop of a candidate.
#[derive(Debug, Clone, Serialize)]
pub struct NextHop6 {
    /// Its gateway (`None`: on-link).
    pub gateway: Option<Ipv6Addr>,
    /// Its device.
    pub dev: Option<String>,
}

/// An IPv6 route that covers the destination.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate6 {
    /// The route in `ip -6 route`'s words.
    pub route: String,
    /// `prefix/len`.
    pub prefix: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its metric.
    pub metric: u32,
    /// Its router preference (`low`, `medium`, `high`), where set.
    pub pref: Option<String>,
    /// Seconds until it expires (a route learnt from a router advertisement).
    pub expires: Option<i64>,
    /// Its next hops (several: multipath).
    pub nexthops: Vec<NextHop6>,
    /// Its preferred source.
    pub prefsrc: Option<Ipv6Addr>,
    /// It is the one the lookup chose.
    pub chosen: bool,
    /// Why it was chosen, or why it lost.
    pub why: String,
}

/// What the kernel answered, as `ip -6 route get` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome6 {
    /// The output device.
    pub dev: Option<String>,
    /// The gateway (`None`: on-link).
    pub gateway: Option<Ipv6Addr>,
    /// The source address the kernel would use.
    pub src: Option<Ipv6Addr>,
    /// How the source was chosen: `request` (given), `route` (the route's `src`) or
    /// `selection` (RFC 6724 source address selection).
    pub src_by: Option<&'static str>,
    /// The table whose route answered.
    pub table: Option<u32>,
    /// Its name.
    pub table_name: Option<String>,
    /// The route's type.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The error, `None` on success.
    pub error: Option<String>,
    /// What the error means.
    pub meaning: Option<String>,
    /// `table` (a route of the last table consulted), `rule` (a rule's action),
    /// `null-entry` (every table missed: `fib6_null_entry`, ENETUNREACH), or `unknown` (no
    /// lookup traced).
    pub decided_by: &'static str,
    /// Why, in words.
    pub decided_why: String,
}

/// What the kernel answered one request.
struct Answer {
    tid: u32,
    reply: Result<RouteMessage, i32>,
}

/// Explains the decision the kernel takes for `request` (an IPv6 destination).
pub fn explain6(request: &Request6) -> Result<Explanation6, Error> {
    let file = request
        .netns
        .as_ref()
        .map(crate::NetnsSpec::open)
        .transpose()?;
    let mut namespace = routes::Namespace6::open(request.netns.as_ref())?;
    let snapshot = namespace.snapshot(Tables::All, true)?;
    let links = namespace.links().clone();
    let resolve = |device: &Device| -> Result<(u32, String), Error> {
        match device {
            Device::Name(name) => links
                .index(name)
                .and_then(|i| u32::try_from(i).ok())
                .map(|i| (i, name.clone()))
                .ok_or_else(|| Error::UnknownDevice(name.clone())),
            Device::Index(index) => i32::try_from(*index)
                .ok()
                .and_then(|i| links.name(i))
                .map(|name| (*index, name.to_owned()))
                .ok_or(Error::UnknownIfindex(*index)),
        }
    };
    let oif = request.dev.as_ref().map(resolve).transpose()?;
    let iif = request.iif.as_ref().map(resolve).transpose()?;
    let netns = match &file {
        Some(file) => {
            use std::os::unix::fs::MetadataExt;
            let inode = file.metadata().map_err(Error::Netlink)?.ino();
            u32::try_from(inode).unwrap_or(0)
        }
        None => crate::sys::netns::own_inode().map_err(Error::Netlink)?,
    };
    let config = Config {
        events: EventSet {
            sockopt: false,
            route: true,
            ioctl: false,
            cmsg: false,
        },
        filter: Filter {
            pid: Some(std::process::id()),
            dst: Some(Cidr::V6(Ipv6Cidr {
                network: request.dst,
                prefix_len: 128,
            })),
            ..Filter::default()
        },
        ring_size: 1 << 16,
    };
    let mut collector = Collector::start(&config)?;
    let ask = |oif: Option<u32>| -> Result<(Answer, Answer), Error> {
        let iif = iif.as_ref().map(|(i, _)| *i);
        Ok((
            one(message(request, oif, iif, false), file.as_ref())?,
            one(message(request, oif, iif, true), file.as_ref())?,
        ))
    };
    let asked = ask(oif.as_ref().map(|(i, _)| *i))?;
    let unbound = oif.is_some().then(|| ask(None)).transpose()?;
    let reports = collector.collect();
    let dst = IpAddr::V6(request.dst);
    let decision_of = |tid: u32| {
        reports
            .iter()
            .filter(|r| r.origin.tid == Some(tid))
            .filter_map(|r| r.route())
            .find(|d| d.dst.ip == dst && d.purpose != Purpose::AddressType)
    };
    let walk = |answers: &(Answer, Answer), oif: Option<(u32, String)>| {
        case(&Inputs {
            request,
            oif,
            answers,
            decision: decision_of(answers.0.tid),
            snapshot: &snapshot,
            links: &links,
        })
    };
    let case_as_asked = walk(&asked, oif.clone());
    let scope = case_as_asked
        .oif
        .clone()
        .or_else(|| case_as_asked.outcome.dev.clone());
    Ok(Explanation6 {
        family: "inet6",
        dst: scoped(request.dst, scope.as_deref()),
        netns,
        case: case_as_asked,
        unbound: unbound.as_ref().map(|answers| walk(answers, None)),
    })
}

/// `fe80::1%eth1` for a link-local or multicast destination with a device, else the address.
pub fn scoped(dst: Ipv6Addr, dev: Option<&str>) -> String {
    let link_scoped = (dst.segments()[0] & 0xffc0) == 0xfe80 || dst.is_multicast();
    match dev {
        Some(dev) if link_scoped => format!("{dst}%{dev}"),
        _ => dst.to_string(),
    }
}

/// The request `ip -6 route get` builds: a /128 to DST, one attribute per key given.
fn message(
    request: &Request6,
    oif: Option<u32>,
    iif: Option<u32>,
    fib_match: bool,
) -> RouteMessage {
    let mut message = RouteMessage::default();
    message.header.address_family = AddressFamily::Inet6;
    message.header.destination_prefix_length = 128;
    message.header.flags = if fib_match {
        RouteFlags::FibMatch | RouteFlags::LookupTable
    } else {
        RouteFlags::LookupTable
    };
    let attributes = &mut message.attributes;
    attributes.push(RouteAttribute::Destination(RouteAddress::Inet6(
        request.dst,
    )));
    if let Some(src) = request.src {
        message.header.source_prefix_length = 128;
        attributes.push(RouteAttribute::Source(RouteAddress::Inet6(src)));
    }
    if let Some(iif) = iif {
        attributes.push(RouteAttribute::Iif(iif));
    }
    if let Some(oif) = oif {
        attributes.push(RouteAttribute::Oif(oif));
    }
    if let Some(mark) = request.mark {
        attributes.push(RouteAttribute::Mark(mark));
    }
    if let Some(uid) = request.uid {
        attributes.push(RouteAttribute::Uid(uid));
    }
    if let Some(proto) = request.proto {
        attributes.push(RouteAttribute::IpProto(proto));
    }
    if let Some(port) = request.sport {
        attributes.push(RouteAttribute::Sport(port));
    }
    if let Some(port) = request.dport {
        attributes.push(RouteAttribute::Dport(port));
    }
    if let Some(label) = request.flowlabel {
        attributes.push(RouteAttribute::Flowlabel(label));
    }
    message
}

/// Sends `message` from a new thread in the namespace of `netns`, and waits for the answer.
fn one(message: RouteMessage, netns: Option<&File>) -> Result<Answer, Error> {
    let ask = move || -> io::Result<Answer> {
        // SAFETY: gettid has no preconditions.
        let tid = unsafe { libc::gettid() } as u32;
        let mut session = Session::open_notified(None, &[])?;
        let reply = session.get_route(message)?;
        Ok(Answer { tid, reply })
    };
    match netns {
        Some(file) => file
            .try_clone()
            .and_then(|file| crate::sys::netns::run_in(file, ask)),
        None => std::thread::spawn(ask)
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("request thread panicked"))),
    }
    .map_err(Error::Netlink)
}

struct Inputs<'a> {
    request: &'a Request6,
    oif: Option<(u32, String)>,
    answers: &'a (Answer, Answer),
    decision: Option<&'a RouteDecision>,
    snapshot: &'a Snapshot6,
    links: &'a Links,
}

/// What the reply to RTM_GETROUTE says, as `ip -6 route get` reads it.
struct Reply {
    kind: RouteType,
    table: u32,
    dev: Option<String>,
    gateway: Option<Ipv6Addr>,
    src: Option<Ipv6Addr>,
    destination: Option<Ipv6Addr>,
    prefix_len: u8,
    /// The source prefix (`fibmatch` of a source-specific route; the flow's source /128 in
    /// the route answer).
    from: Option<(Ipv6Addr, u8)>,
    metric: u32,
}

fn reply(message: &RouteMessage, links: &Links) -> Reply {
    let v6 = |a: &RouteAddress| match a {
        RouteAddress::Inet6(a) => Some(*a),
        _ => None,
    };
    let mut reply = Reply {
        kind: message.header.kind,
        table: u32::from(message.header.table),
        dev: None,
        gateway: None,
        src: None,
        destination: None,
        prefix_len: message.header.destination_prefix_length,
        from: None,
        metric: 0,
    };
    for attribute in &message.attributes {
        match attribute {
            RouteAttribute::Table(t) => reply.table = *t,
            RouteAttribute::Oif(i) => {
                reply.dev = i32::try_from(*i).ok().map(|i| links.label(i));
            }
            RouteAttribute::Gateway(a) => reply.gateway = v6(a),
            RouteAttribute::PrefSource(a) => reply.src = v6(a),
            RouteAttribute::Destination(a) => reply.destination = v6(a),
            RouteAttribute::Source(a) => {
                reply.from = v6(a).map(|a| (a, message.header.source_prefix_length))
            }
            RouteAttribute::Priority(p) => reply.metric = *p,
            RouteAttribute::MultiPath(hops) => {
                // fibmatch of a multipath route: the first next hop stands for the device.
                if let Some(hop) = hops.first() {
                    reply.dev = i32::try_from(hop.interface_index)
                        .ok()
                        .map(|i| links.label(i));
                }
            }
            _ => {}
        }
    }
    reply
}

fn kind_word(kind: RouteType) -> String {
    match kind {
        RouteType::Unicast => "unicast",
        RouteType::Local => "local",
        RouteType::Broadcast => "broadcast",
        RouteType::Anycast => "anycast",
        RouteType::Multicast => "multicast",
        RouteType::BlackHole => "blackhole",
        RouteType::Unreachable => "unreachable",
        RouteType::Prohibit => "prohibit",
        RouteType::Throw => "throw",
        RouteType::Nat => "nat",
        _ => "other",
    }
    .to_owned()
}

fn case(inputs: &Inputs<'_>) -> Case6 {
    let outcome = outcome(inputs);
    let oif_name = inputs.oif.as_ref().map(|(_, n)| n.clone());
    let Some(decision) = inputs.decision else {
        return Case6 {
            oif: oif_name,
            flow: None,
            rules: Rules::Untraced {
                reason: "no table lookup of this request was traced".into(),
            },
            tables: Vec::new(),
            outcome,
        };
    };
    let flow = flow_keys(inputs.request, decision);
    let lookups: Vec<(u32, i32)> = decision
        .lookups
        .iter()
        .map(|l| {
            let result = match l.err.as_deref() {
                None => 0,
                Some("EAGAIN") => MISS,
                Some(_) => -1,
            };
            (l.table, result)
        })
        .collect();
    let rules_list = inputs.snapshot.rules.as_deref().unwrap_or_default();
    let mut steps = Vec::new();
    let walk = walk_steps(
        rules_list,
        inputs.links,
        &HashSet::new(),
        &flow,
        &lookups,
        |step| steps.push(step),
    );
    let no_rules = walk
        .lookups
        .first()
        .is_some_and(|a| a.rule.method == Method::NoCustomRules);
    let rules = if no_rules {
        Rules::NoCustomRules
    } else {
        let lines: Vec<RuleLine> = steps
            .iter()
            .map(|step| super::rules::rule_line(*step, rules_list, &flow, inputs.links, decision))
            .collect();
        let last = steps.iter().map(super::rules::step_rule).max();
        let ended = !matches!(walk.end, End::Unknown { .. } | End::NoRule { .. });
        Rules::Walked {
            method: if decision
                .lookups
                .iter()
                .any(|l| l.rule.as_ref().is_some_and(|r| r.method == "kernel"))
            {
                "kernel"
            } else {
                "reconstructed"
            },
            rules: lines,
            not_reached: match (ended, last) {
                (true, Some(last)) => rules_list.len().saturating_sub(last + 1),
                _ => 0,
            },
            disagreement: match &walk.end {
                End::Unknown { reason } => Some(reason.clone()),
                _ => None,
            },
        }
    };
    let last_table = decision.lookups.len().saturating_sub(1);
    let tables = decision
        .lookups
        .iter()
        .enumerate()
        .map(|(index, lookup)| {
            let result = match lookup.err.as_deref() {
                None => "route".to_owned(),
                Some("EAGAIN") => "miss".to_owned(),
                Some(other) => other.to_owned(),
            };
            let kernel_choice = (index == last_table && !lookup.suppressed)
                .then(|| inputs.answers.1.reply.as_ref().ok())
                .flatten()
                .map(|m| reply(m, inputs.links));
            TableWalk6 {
                table: lookup.table,
                table_name: lookup.table_name.to_string(),
                candidates: candidates(
                    inputs.snapshot,
                    lookup.table,
                    inputs.request.dst,
                    inputs.oif.as_ref().map(|(_, n)| n.as_str()),
                    &result,
                    kernel_choice.as_ref(),
                    match decision.src.ip {
                        IpAddr::V6(src) => src,
                        IpAddr::V4(_) => Ipv6Addr::UNSPECIFIED,
                    },
                ),
                result,
                suppressed: lookup.suppressed,
                rule: walk.lookups.get(index).and_then(|a| a.rule.priority),
            }
        })
        .collect();
    Case6 {
        oif: oif_name,
        flow: Some(Flow6 {
            purpose: decision.purpose,
            src: decision.src.ip,
            iif: name_of(inputs.links, decision.iif),
            oif: (decision.oif != 0)
                .then(|| name_of(inputs.links, decision.oif))
                .flatten(),
            mark: flow.mark,
            uid: flow.uid,
            proto: flow.proto,
            sport: flow.sport,
            dport: flow.dport,
            flowlabel: decision.flowlabel,
        }),
        rules,
        tables,
        outcome,
    }
}

/// The flow's keys for the rule walk, as traced, with mark and uid from the request where
/// the hook cannot read them.
fn flow_keys(request: &Request6, decision: &RouteDecision) -> FlowKeys {
    // SAFETY: getuid has no preconditions.
    let own_uid = unsafe { libc::getuid() };
    FlowKeys {
        iif: decision.iif,
        oif: decision.oif,
        mark: decision.mark.or(request.mark).unwrap_or(0),
        uid: decision
            .uid
            .or(request.uid)
            .unwrap_or(if request.iif.is_some() {
                u32::MAX
            } else {
                own_uid
            }),
        tos: decision.tos,
        proto: decision.proto,
        sport: decision.sport,
        dport: decision.dport,
        src: decision.src.ip,
        dst: decision.dst.ip,
        l3mdev: decision.l3mdev,
    }
}

fn covers(route: &Route6, dst: Ipv6Addr) -> bool {
    let mask = u128::MAX
        .checked_shl(128 - u32::from(route.prefix_len))
        .unwrap_or(0);
    (u128::from(route.destination) ^ u128::from(dst)) & mask == 0
}

/// Whether `route` is the FIB entry the `fibmatch` answer names: its prefix, metric, type
/// and, for a route through a device, that device (routes of one prefix and metric through
/// several devices are several entries, `fe80::/64` on each link).
fn same(route: &Route6, choice: &Reply) -> bool {
    route.destination == choice.destination.unwrap_or(Ipv6Addr::UNSPECIFIED)
        && route.prefix_len == choice.prefix_len
        && route.metric == choice.metric
        && route.kind == choice.kind
        && route.from.filter(|(_, len)| *len > 0) == choice.from.filter(|(_, len)| *len > 0)
        && (error_type(route.kind)
            || choice.dev.is_none()
            || route.hops.iter().any(|h| h.device == choice.dev))
}

fn error_type(kind: RouteType) -> bool {
    matches!(
        kind,
        RouteType::Unreachable | RouteType::Prohibit | RouteType::BlackHole | RouteType::Throw
    )
}

/// Why `route` cannot answer a lookup bound to `oif`: fib6 looks only at next hops through
/// the bound device (`RT6_LOOKUP_F_IFACE`), and routes of an error type answer whatever the
/// device.
fn unusable(route: &Route6, oif: Option<&str>, src: Ipv6Addr) -> Option<String> {
    if let Some((from, len)) = route.from.filter(|(_, len)| *len > 0) {
        let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
        if (u128::from(from) ^ u128::from(src)) & mask != 0 {
            return Some(format!(
                "it is for sources in {from}/{len} (from), and the flow's source is {src}{}",
                if src.is_unspecified() {
                    " (none chosen yet)"
                } else {
                    ""
                }
            ));
        }
    }
    let bound = oif?;
    if error_type(route.kind) || route.kind == RouteType::Local {
        return None;
    }
    let devices: Vec<&str> = route
        .hops
        .iter()
        .filter_map(|h| h.device.as_deref())
        .collect();
    (!devices.is_empty() && !devices.contains(&bound)).then(|| {
        format!(
            "it goes through {}, and the lookup is bound to {bound}: fib6 takes only routes \
             through the bound device",
            devices.join(", ")
        )
    })
}

/// The routes of `table` that cover `dst`, the chosen one first: fib6 (`fib6_node_lookup`,
/// `fib6_table_lookup`) takes the longest prefix, then the lowest metric among those usable.
fn candidates(
    snapshot: &Snapshot6,
    table: u32,
    dst: Ipv6Addr,
    oif: Option<&str>,
    result: &str,
    kernel_choice: Option<&Reply>,
    src: Ipv6Addr,
) -> Vec<Candidate6> {
    let mut covering: Vec<&Route6> = snapshot
        .tables
        .iter()
        .filter(|(id, _)| *id == table)
        .flat_map(|(_, routes)| routes)
        .filter(|r| covers(r, dst))
        .collect();
    covering.sort_by_key(|r| (std::cmp::Reverse(r.prefix_len), r.metric));
    let winner: Option<usize> = match kernel_choice {
        Some(choice) => covering.iter().position(|r| same(r, choice)),
        None if result == "miss" => covering
            .iter()
            .position(|r| unusable(r, oif, src).is_none())
            .filter(|&i| covering[i].kind == RouteType::Throw),
        None => covering
            .iter()
            .position(|r| unusable(r, oif, src).is_none()),
    };
    let mut candidates: Vec<Candidate6> = covering
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
                        kind_word(kind)
                    ),
                    RouteType::Local => format!(
                        "the local route of an address of this host (table local): the longest \
                         matching prefix (/{})",
                        route.prefix_len
                    ),
                    _ if route.hops.len() > 1 => format!(
                        "the longest matching prefix (/{}) with the lowest metric ({}); \
                         multipath: the kernel picks one of its {} next hops by the flow's hash",
                        route.prefix_len,
                        route.metric,
                        route.hops.len()
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
            } else if let Some(reason) = unusable(route, oif, src) {
                reason
            } else if let Some(w) = winner.map(|w| covering[w]) {
                if route.prefix_len < w.prefix_len {
                    format!("a longer prefix won (/{})", w.prefix_len)
                } else if route.prefix_len == w.prefix_len && route.metric > w.metric {
                    format!("a lower metric won ({} < {})", w.metric, route.metric)
                } else if route.prefix_len == w.prefix_len && route.metric == w.metric {
                    "a route of the same prefix and metric came first".to_owned()
                } else {
                    "the kernel passed it over: its next hop is down or has no neighbour, or \
                     its source prefix (from) does not match"
                        .to_owned()
                }
            } else {
                "the kernel passed it over: its next hop is down or has no neighbour, or its \
                 source prefix (from) does not match"
                    .to_owned()
            };
            Candidate6 {
                route: route.brief(),
                prefix: format!("{}/{}", route.destination, route.prefix_len),
                kind: kind_word(route.kind),
                metric: route.metric,
                pref: route.pref.map(routes::pref_word),
                expires: route.expires,
                nexthops: route
                    .hops
                    .iter()
                    .map(|h| NextHop6 {
                        gateway: h.gateway,
                        dev: h.device.clone(),
                    })
                    .collect(),
                prefsrc: route.source,
                chosen,
                why,
            }
        })
        .collect();
    candidates.sort_by_key(|c| !c.chosen);
    candidates
}

fn outcome(inputs: &Inputs<'_>) -> Outcome6 {
    let decision = inputs.decision;
    let mut outcome = match &inputs.answers.0.reply {
        Ok(message) => {
            let r = reply(message, inputs.links);
            let table = (r.table != 0).then_some(r.table);
            let src_by = r.src.map(|src| {
                if inputs.request.src == Some(src) {
                    "request"
                } else if route_src(inputs, table).is_some_and(|s| s == src) {
                    "route"
                } else {
                    "selection"
                }
            });
            Outcome6 {
                dev: r.dev,
                gateway: r.gateway,
                src: r.src,
                src_by,
                table,
                table_name: table.map(table_name),
                kind: Some(kind_word(r.kind)),
                error: None,
                meaning: None,
                decided_by: "",
                decided_why: String::new(),
            }
        }
        Err(code) => Outcome6 {
            dev: None,
            gateway: None,
            src: None,
            src_by: None,
            table: decision.map(|d| d.table),
            table_name: decision.map(|d| d.table_name.to_string()),
            kind: None,
            error: Some(errno::describe(i64::from(*code)).into_owned()),
            meaning: Some(meaning(-*code, decision, inputs.oif.as_ref())),
            decided_by: "",
            decided_why: String::new(),
        },
    };
    if outcome.src_by == Some("selection") {
        outcome.meaning = Some(
            "the route gives no source: the kernel chose it by source address selection \
             (RFC 6724, ipv6_dev_get_saddr) among the addresses of the output device and the \
             others"
                .into(),
        );
    }
    let (by, why) = match decision {
        None => (
            "unknown",
            "no table lookup of this request was traced".to_owned(),
        ),
        Some(d) => match &d.rule_action {
            Some(rule) => (
                "rule",
                format!(
                    "the action of {} ended the decision",
                    rule.text.as_deref().unwrap_or(&rule.brief)
                ),
            ),
            None if outcome.error.as_deref() == Some("ENETUNREACH")
                && d.lookups
                    .last()
                    .is_some_and(|l| l.err.as_deref() == Some("EAGAIN")) =>
            {
                (
                    "null-entry",
                    "every table consulted missed, so the lookup ended at the null entry \
                     (fib6_null_entry)"
                        .to_owned(),
                )
            }
            None => {
                let table = table_name(d.table);
                match &outcome.error {
                    Some(error) => ("table", format!("table {table} answered {error}")),
                    None => ("table", format!("the route chosen in table {table}")),
                }
            }
        },
    };
    outcome.decided_by = by;
    outcome.decided_why = why;
    outcome
}

/// The `src` of the route the fibmatch answer names, if it has one.
fn route_src(inputs: &Inputs<'_>, table: Option<u32>) -> Option<Ipv6Addr> {
    let choice = reply(inputs.answers.1.reply.as_ref().ok()?, inputs.links);
    inputs
        .snapshot
        .tables
        .iter()
        .filter(|(id, _)| Some(*id) == table)
        .flat_map(|(_, routes)| routes)
        .find(|r| same(r, &choice))
        .and_then(|r| r.source)
}

fn meaning(errno: i32, decision: Option<&RouteDecision>, oif: Option<&(u32, String)>) -> String {
    if let Some(rule) = decision.and_then(|d| d.rule_action.as_ref()) {
        return format!(
            "{} ended the decision with its action, before any table",
            rule.text.as_deref().unwrap_or(&rule.brief)
        );
    }
    let text = match errno {
        libc::ENETUNREACH => "no table the rules led to has a usable route: the lookup ends at \
                              the null entry (fib6_null_entry), \"Network is unreachable\""
            .to_owned(),
        libc::EHOSTUNREACH => "an `unreachable` route matched: \"No route to host\"".into(),
        libc::EACCES => "a `prohibit` route matched: \"Permission denied\"".into(),
        libc::EINVAL => "a `blackhole` route matched, or the kernel refused the flow: \
                         \"Invalid argument\""
            .into(),
        other => format!("{}", io::Error::from_raw_os_error(other)),
    };
    match oif {
        Some((_, dev)) if errno == libc::ENETUNREACH => format!(
            "{text}; the lookup is bound to {dev}, and IPv6 has no on-link fallback: unlike \
             IPv4, fib6 does not assume the destination on-link on the bound device, so a \
             bound lookup without a route through {dev} fails"
        ),
        _ => text,
    }
}

/// Writes `explanation` for a reader.
pub fn write_explanation6(out: &mut impl Write, explanation: &Explanation6) -> io::Result<()> {
    let dst = &explanation.dst;
    match &explanation.case.oif {
        Some(dev) => writeln!(
            out,
            "Route to {dst} for a socket bound to {dev} (SO_BINDTODEVICE: the lookup's oif)"
        )?,
        None => writeln!(out, "Route to {dst}")?,
    }
    write_case(out, &explanation.case)?;
    if let Some(unbound) = &explanation.unbound {
        writeln!(out)?;
        writeln!(out, "The same flow from an unbound socket:")?;
        write_case(out, unbound)?;
    }
    Ok(())
}

fn write_case(out: &mut impl Write, case: &Case6) -> io::Result<()> {
    if let Some(flow) = &case.flow {
        writeln!(
            out,
            "  flow: {} from {} iif {} oif {} mark {:#x} uid {} proto {} sport {} dport {}{}",
            match flow.purpose {
                Purpose::Input => "input",
                _ => "output",
            },
            flow.src,
            flow.iif.as_deref().unwrap_or("none"),
            flow.oif.as_deref().unwrap_or("any"),
            flow.mark,
            flow.uid,
            flow.proto,
            flow.sport,
            flow.dport,
            flow.flowlabel
                .map_or_else(String::new, |l| format!(" flowlabel {l:#x}"))
        )?;
    }
    writeln!(out, "1. Rules")?;
    match &case.rules {
        // IPv6 keeps local and main apart: without custom rules, fib6_rule_lookup looks up
        // local, then main.
        Rules::NoCustomRules => writeln!(
            out,
            "  none consulted: the namespace has only the default rules, so the kernel looks up \
             local, then main, directly"
        )?,
        rules => super::text::write_rules(out, rules)?,
    }
    writeln!(out, "2. Tables")?;
    if case.tables.is_empty() {
        writeln!(out, "  none looked up")?;
    }
    for table in &case.tables {
        let result = match table.result.as_str() {
            "route" if table.suppressed => "a route, refused by the rule".to_owned(),
            "route" => "a route".to_owned(),
            "miss" => "no route".to_owned(),
            error => error.to_owned(),
        };
        writeln!(out, "  table {}: {result}", table.table_name)?;
        if table.candidates.is_empty() {
            writeln!(out, "    no route covers the destination")?;
        }
        for candidate in &table.candidates {
            writeln!(
                out,
                "    {} {}",
                if candidate.chosen { "chosen" } else { "lost  " },
                candidate.route
            )?;
            writeln!(out, "           {}", candidate.why)?;
        }
    }
    writeln!(out, "3. Outcome")?;
    let o = &case.outcome;
    match &o.error {
        Some(error) => writeln!(out, "  {error}")?,
        None => {
            let mut line = String::new();
            if let Some(kind) = o.kind.as_deref().filter(|k| *k != "unicast") {
                line.push_str(kind);
                line.push(' ');
            }
            if let Some(gw) = o.gateway {
                line.push_str(&format!("via {gw} "));
            }
            if let Some(dev) = &o.dev {
                line.push_str(&format!("dev {dev} "));
            }
            if let Some(name) = &o.table_name {
                line.push_str(&format!("table {name} "));
            }
            if let Some(src) = o.src {
                line.push_str(&format!("src {src} "));
            }
            writeln!(out, "  {}", line.trim_end())?;
        }
    }
    writeln!(out, "  decided by {}: {}", o.decided_by, o.decided_why)?;
    if let Some(meaning) = &o.meaning {
        writeln!(out, "  {meaning}")?;
    }
    Ok(())
}
