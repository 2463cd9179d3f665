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

use super::model::{name_of, Case, Flow, Inputs, RuleLine, Rules, TableWalk};
use super::request::Request;
use crate::policy::{walk_steps, End, FlowKeys, Method, MISS};
use crate::route::RouteDecision;
use crate::routes::Route;

/// Walks one case.
pub(super) fn case(inputs: &Inputs<'_>) -> Case {
    let outcome = super::outcome::outcome(inputs);
    let Some(decision) = inputs.decision else {
        let rules = match outcome.decided_by {
            "unknown" => Rules::Untraced {
                reason: "no table lookup of this request was traced, and none of the \
                         kernel's shortcuts without one (multicast, broadcast, a refused \
                         source) applies to it"
                    .into(),
            },
            _ => Rules::NotConsulted {
                reason: outcome.decided_why.clone(),
            },
        };
        return Case {
            oif: inputs.oif.as_ref().map(|(_, name)| name.clone()),
            oif_by: None,
            socket: inputs.socket.clone(),
            flow: None,
            rules,
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
                    no_rules,
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
        oif_by: None,
        socket: inputs.socket.clone(),
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
