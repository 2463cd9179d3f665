//! From the kernel's answers and the lookups traced for one request to the walk: the rules in
//! order with what each did, the routes of each table consulted that covered the destination
//! with the one chosen and why each other lost, and the outcome.
//!
//! The table lookups, their order and results are the tracer's; the rule that led to each is
//! the policy room's walk of the rule list, checked against those lookups (and captured in
//! the kernel where it has BPF trampolines); the route chosen in the deciding table is the
//! kernel's own `fibmatch` answer. Only the reasons why other routes lost are bindscope's
//! reading of `fib_table_lookup` (net/ipv4/fib_trie.c): the longest prefix wins, then the
//! lowest metric; with a device bound (`flowi4_oif`), routes through other devices are
//! skipped; routes of an error type (`unreachable`, `prohibit`, `blackhole`, `throw`) answer
//! before any device is looked at.

use std::collections::HashSet;
use std::net::Ipv4Addr;

use serde::Serialize;

use super::ask::Answers;
use super::Request;
use crate::policy::{walk_steps, End, FlowKeys, Links, Method, MISS};
use crate::route::{Purpose, RouteDecision};
use crate::routes::{Route, Snapshot};

/// `LOOPBACK_IFINDEX`: the input device of locally generated flows.
pub(super) const LOOPBACK_IFINDEX: i32 = 1;

/// What one case is made from.
pub(super) struct Inputs<'a> {
    pub(super) request: &'a Request,
    /// The bound device (index, name), if any.
    pub(super) oif: Option<(u32, String)>,
    pub(super) answers: &'a Answers,
    /// The decision traced for the route request.
    pub(super) decision: Option<&'a RouteDecision>,
    pub(super) snapshot: &'a Snapshot,
    pub(super) links: &'a Links,
}

/// One decision, walked.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    /// The device the request was bound to (`SO_BINDTODEVICE`'s effect: `oif`).
    pub oif: Option<String>,
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
}

/// Walks one case.
pub(super) fn case(inputs: &Inputs<'_>) -> Case {
    let outcome = super::outcome::outcome(inputs);
    let Some(decision) = inputs.decision else {
        return Case {
            oif: inputs.oif.as_ref().map(|(_, name)| name.clone()),
            flow: None,
            rules: Rules::Untraced {
                reason: "the kernel made no table lookup for this request (it refused the \
                         flow before routing it), or the lookups were not traced"
                    .into(),
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
                .then(|| inputs.answers.fib_match.reply.as_ref().ok())
                .flatten()
                .and_then(|m| Route::from_message(m, inputs.links));
            TableWalk {
                table: lookup.table,
                table_name: lookup.table_name.to_string(),
                candidates: super::tables::candidates(
                    inputs.snapshot,
                    lookup.table,
                    &flow,
                    inputs.oif.as_ref().map(|(_, n)| n.as_str()),
                    &result,
                    kernel_choice.as_ref(),
                ),
                result,
                suppressed: lookup.suppressed,
                rule: walk.lookups.get(index).and_then(|a| a.rule.priority),
            }
        })
        .collect();
    Case {
        oif: inputs.oif.as_ref().map(|(_, name)| name.clone()),
        flow: Some(Flow {
            purpose: decision.purpose,
            src: decision.src.v4().unwrap_or(Ipv4Addr::UNSPECIFIED),
            iif: name_of(inputs.links, decision.iif),
            oif: (decision.oif != 0)
                .then(|| name_of(inputs.links, decision.oif))
                .flatten(),
            mark: flow.mark,
            uid: flow.uid,
            tos: flow.tos,
            proto: flow.proto,
            sport: flow.sport,
            dport: flow.dport,
        }),
        rules,
        tables,
        outcome,
    }
}

/// The flow's keys for the rule walk: as traced, with what this kernel's hook cannot read
/// (mark, uid) taken from the request, or from what the kernel fills in without one
/// (`inet_rtm_getroute`: the caller's uid for an output lookup, none for an input one).
fn flow_keys(request: &Request, decision: &RouteDecision) -> FlowKeys {
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

pub(super) fn name_of(links: &Links, ifindex: i32) -> Option<String> {
    (ifindex != 0).then(|| links.label(ifindex))
}
