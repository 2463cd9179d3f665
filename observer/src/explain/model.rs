//! What a walk is made from ([`Inputs`]) and what it gives: the [`Explanation`], its
//! [`Case`]s and their parts, serialized as `explain --json` prints them.

use std::net::Ipv4Addr;

use serde::Serialize;

use super::ask::Answers;
use super::request::Request;
use crate::policy::Links;
use crate::route::{Purpose, RouteDecision};
use crate::routes::Snapshot;

/// The whole explanation.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The destination.
    pub dst: Ipv4Addr,
    /// The namespace's inode.
    pub netns: u32,
    /// The decision for the request as given.
    pub case: Case,
    /// With a device: the same request without it, as an unbound socket would ask.
    pub unbound: Option<Case>,
}

/// `LOOPBACK_IFINDEX`: the input device of locally generated flows.
pub(super) const LOOPBACK_IFINDEX: i32 = 1;

/// What one case is made from.
pub(super) struct Inputs<'a> {
    pub(super) request: &'a Request,
    /// The bound device (index, name), if any.
    pub(super) oif: Option<(u32, String)>,
    /// The input device (index, name), for a received packet.
    pub(super) iif: Option<(u32, String)>,
    /// What the socket options did to the keys (`Case::socket`).
    pub(super) socket: Vec<String>,
    pub(super) answers: &'a Answers,
    /// The decision traced for the route request.
    pub(super) decision: Option<&'a RouteDecision>,
    pub(super) snapshot: &'a Snapshot,
    pub(super) links: &'a Links,
}

/// One decision, walked.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    /// The device the request was bound to (`SO_BINDTODEVICE`'s effect: `oif`, or what
    /// `IP_MULTICAST_IF`/`IP_UNICAST_IF` made it).
    pub oif: Option<String>,
    /// What made it the oif: `SO_BINDTODEVICE`, `IP_MULTICAST_IF` or `IP_UNICAST_IF`.
    pub oif_by: Option<&'static str>,
    /// What the socket options asked for (`--multicast-if`, `--unicast-if`, `--dev`) did to
    /// the lookup's keys, one sentence each; empty without them.
    pub socket: Vec<String>,
    /// The flow's keys as the kernel looked them up (from the trace).
    pub flow: Option<Flow>,
    /// The rules.
    pub rules: Rules,
    /// The tables consulted, in order.
    pub tables: Vec<TableWalk>,
    /// What the kernel answered.
    pub outcome: Outcome,
}

/// A flow's keys as the traced lookup carried them.
#[derive(Debug, Clone, Serialize)]
pub struct Flow {
    /// `output` (locally generated) or `input` (received on `iif`).
    pub purpose: Purpose,
    /// The source address (0.0.0.0: not chosen yet).
    pub src: Ipv4Addr,
    /// The input device (`lo` for output).
    pub iif: Option<String>,
    /// The output device asked for.
    pub oif: Option<String>,
    /// The firewall mark.
    pub mark: u32,
    /// The uid.
    pub uid: u32,
    /// The DS field.
    pub tos: u8,
    /// The IP protocol (0: any).
    pub proto: u8,
    /// The source port.
    pub sport: u16,
    /// The destination port.
    pub dport: u16,
}

/// The rules of the walk.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Rules {
    /// The namespace has only the default rules, so the kernel consulted none: it looked up
    /// `main` (holding the `local` routes too) directly, and `default` after a miss.
    NoCustomRules,
    /// The rules in the kernel's order, up to the one that ended the decision.
    Walked {
        /// `kernel` (captured as the kernel walked them) or `reconstructed` (the rule list
        /// walked as the kernel does, in agreement with the lookups traced).
        method: &'static str,
        /// The rules the walk reached.
        rules: Vec<RuleLine>,
        /// How many rules come after the last one reached.
        not_reached: usize,
        /// Where the walk of the rule list and the lookups traced disagree.
        disagreement: Option<String>,
    },
    /// The kernel decided without consulting the rules or any table (a multicast or limited
    /// broadcast shortcut, or a refusal before routing): `outcome.decided_by` says which.
    NotConsulted {
        /// Why no rule was consulted.
        reason: String,
    },
    /// No lookup of the request was traced, so the rules cannot be told.
    Untraced {
        /// Why.
        reason: String,
    },
}

/// One rule the walk reached.
#[derive(Debug, Clone, Serialize)]
pub struct RuleLine {
    /// Its priority.
    pub priority: u32,
    /// As `ip rule show` prints it.
    pub rule: String,
    /// `skipped`, `passed`, `goto`, `lookup`, `missing-table` or `action`.
    pub verdict: &'static str,
    /// What happened, in words: for `skipped`, the selector that did not match.
    pub detail: String,
    /// For `lookup` and `missing-table`: the table.
    pub table: Option<u32>,
}

/// One table consulted.
#[derive(Debug, Clone, Serialize)]
pub struct TableWalk {
    /// Its id.
    pub table: u32,
    /// Its name.
    pub table_name: String,
    /// `route` (a route answered), `miss` (none: the walk goes on) or the error a route of an
    /// error type answered (`EHOSTUNREACH`, `EACCES`, `EINVAL`).
    pub result: String,
    /// A route answered but the rule refused it (`suppress_prefixlength`/`_ifgroup`).
    pub suppressed: bool,
    /// The priority of the rule that led here (`None`: no custom rules, or unknown).
    pub rule: Option<u32>,
    /// The table's routes that cover the destination, most specific first.
    pub candidates: Vec<Candidate>,
}

/// A route that covers the destination.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// The route in `ip route`'s words.
    pub route: String,
    /// `a.b.c.d/len`.
    pub prefix: String,
    /// Its type (`unicast`, `unreachable`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// Its metric.
    pub metric: u32,
    /// Its gateway.
    pub gateway: Option<Ipv4Addr>,
    /// Its device.
    pub dev: Option<String>,
    /// Its preferred source.
    pub prefsrc: Option<Ipv4Addr>,
    /// Its scope.
    pub scope: String,
    /// It is the one the lookup chose.
    pub chosen: bool,
    /// Why it was chosen, or why it lost.
    pub why: String,
}

/// What the kernel answered the request.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The output device.
    pub dev: Option<String>,
    /// The gateway (`None`: the destination is on-link).
    pub gateway: Option<Ipv4Addr>,
    /// The source address the kernel would use.
    pub src: Option<Ipv4Addr>,
    /// The table whose route answered.
    pub table: Option<u32>,
    /// Its name.
    pub table_name: Option<String>,
    /// The route's type (`unicast`, `local`, `broadcast`, ...).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The error (`ENETUNREACH`, ...), `None` on success.
    pub error: Option<String>,
    /// What the error, or the fallback, means.
    pub meaning: Option<String>,
    /// No route matched, but the lookup was bound to a device, so the kernel assumed the
    /// destination on-link there instead of failing.
    pub onlink_fallback: bool,
    /// What decided: `table` (a route of the last table consulted), `rule` (a rule's
    /// action), `onlink-fallback` (no route, a bound device), or a decision made without any
    /// table lookup: `source-device` (a multicast or limited broadcast destination with a
    /// source and no device: out of the device that owns the source), `oif` (a link-local
    /// multicast, limited broadcast or IGMP destination with a device: out of it),
    /// `input-multicast` (`ip_route_input_mc`, or the refusal of a group the device has not
    /// joined), `input-broadcast` (255.255.255.255 received: delivered as broadcast),
    /// `source-check` (the source refused before routing); `unknown` when no lookup was
    /// traced and no such shortcut applies.
    pub decided_by: &'static str,
    /// Why, in words (the kernel function that decided, for the shortcuts).
    pub decided_why: String,
}

/// The name of `ifindex` among `links` (`None` for 0: no device).
pub(super) fn name_of(links: &Links, ifindex: i32) -> Option<String> {
    (ifindex != 0).then(|| links.label(ifindex))
}
