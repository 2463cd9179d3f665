//! The rules of a walk in words: what each rule the kernel reached did with the flow, and for
//! a rule it skipped, the selector it stopped at (`fib_rule_match`'s order).

use std::net::IpAddr;

use super::model::{name_of, RuleLine, LOOPBACK_IFINDEX};
use crate::enrich::errno;
use crate::policy::{table_name, Action, FlowKeys, Links, Rule, Selector, Step};
use crate::route::RouteDecision;

pub(super) fn step_rule(step: &Step) -> usize {
    match *step {
        Step::Skipped { rule, .. }
        | Step::Passed { rule }
        | Step::Goto { rule, .. }
        | Step::Lookup { rule, .. }
        | Step::MissingTable { rule, .. }
        | Step::Action { rule, .. } => rule,
    }
}

pub(super) fn rule_line(
    step: Step,
    rules: &[Rule],
    flow: &FlowKeys,
    links: &Links,
    decision: &RouteDecision,
) -> RuleLine {
    let rule = &rules[step_rule(&step)];
    let (verdict, detail, table) = match step {
        Step::Skipped { selector, .. } => ("skipped", mismatch(rule, selector, flow, links), None),
        Step::Passed { .. } => (
            "passed",
            if rule.action == Action::Nop {
                "nop: the walk goes on".to_owned()
            } else {
                "goto a priority no rule has: passed".to_owned()
            },
            None,
        ),
        Step::Goto { to, .. } => (
            "goto",
            format!("matched: the walk goes on at rule {}", rules[to].priority),
            None,
        ),
        Step::Lookup { table, lookup, .. } => {
            let seen = &decision.lookups[lookup];
            let what = match seen.err.as_deref() {
                None if seen.suppressed => format!(
                    "a route, which the rule refuses ({}): the walk goes on",
                    suppressor(rule)
                ),
                None => "a route: the decision ends here".to_owned(),
                Some("EAGAIN") => "no route: the walk goes on".to_owned(),
                Some(error) => format!("{error} from a route of that type: the decision ends here"),
            };
            (
                "lookup",
                format!("matched: table {} has {what}", table_name(table)),
                Some(table),
            )
        }
        Step::MissingTable { table, .. } => (
            "missing-table",
            format!("matched, but table {table} does not exist: passed"),
            Some(table),
        ),
        Step::Action { error, .. } => (
            "action",
            format!(
                "matched: its action ends the decision with {}",
                errno::describe(i64::from(error))
            ),
            None,
        ),
    };
    RuleLine {
        priority: rule.priority,
        rule: rule.to_string(),
        verdict,
        detail,
        table,
    }
}

fn suppressor(rule: &Rule) -> String {
    match (rule.suppress_prefixlength, rule.suppress_ifgroup) {
        (Some(len), _) => format!("suppress_prefixlength {len}: its prefix is not longer"),
        (_, Some(group)) => format!("suppress_ifgroup {group}: its device is in that group"),
        _ => "suppressed".into(),
    }
}

/// Why `rule` did not select the flow: the selector the kernel stopped at.
fn mismatch(rule: &Rule, selector: Option<Selector>, flow: &FlowKeys, links: &Links) -> String {
    let device = |index: i32| {
        if index == 0 {
            "none".to_owned()
        } else {
            name_of(links, index).unwrap_or_default()
        }
    };
    let prefix =
        |p: Option<(IpAddr, u8)>| p.map_or_else(|| "all".to_owned(), |(a, l)| format!("{a}/{l}"));
    let ports = |p: Option<crate::policy::Ports>| {
        p.map_or_else(String::new, |p| match p.mask {
            Some(mask) => format!("{}/{mask:#x}", p.start),
            None if p.start == p.end => p.start.to_string(),
            None => format!("{}-{}", p.start, p.end),
        })
    };
    let Some(selector) = selector else {
        return "every selector matches, and the rule is inverted (not)".into();
    };
    match selector {
        Selector::Iif => format!(
            "iif {}: the flow {}",
            rule.iif.as_deref().unwrap_or_default(),
            if flow.iif == LOOPBACK_IFINDEX {
                "is locally generated (iif lo)".to_owned()
            } else {
                format!("came in on {}", device(flow.iif))
            }
        ),
        Selector::Oif => format!(
            "oif {}: the flow's output device is {}",
            rule.oif.as_deref().unwrap_or_default(),
            device(flow.oif)
        ),
        Selector::Mark => format!(
            "fwmark {:#x}/{:#x}: the flow's mark is {:#x}",
            rule.fwmark.unwrap_or(0),
            rule.mark_mask(),
            flow.mark
        ),
        Selector::TunId => "tun_id: the flow carries no tunnel id".into(),
        Selector::L3mdev => "l3mdev: the flow is in no VRF".into(),
        Selector::Uid => {
            let (start, end) = rule.uid_range.unwrap_or_default();
            format!("uidrange {start}-{end}: the flow's uid is {}", flow.uid)
        }
        Selector::Src => format!(
            "from {}: the flow's source is {}{}",
            prefix(rule.src),
            flow.src,
            match flow.src {
                IpAddr::V4(src) if src.is_unspecified() => {
                    " (none chosen yet: a socket that has not bound an address looks up with \
                     0.0.0.0)"
                }
                IpAddr::V6(src) if src.is_unspecified() => {
                    " (none chosen yet: a socket that has not bound an address looks up with ::, \
                     and source address selection picks one after the lookup)"
                }
                _ => "",
            }
        ),
        Selector::Dst => format!("to {}: the destination is {}", prefix(rule.dst), flow.dst),
        Selector::Tos => format!(
            "tos {:#x}: the flow's DS field is {:#x}",
            rule.tos, flow.tos
        ),
        Selector::Dscp => format!(
            "dscp {}: the flow's DSCP is {}",
            rule.dscp.map_or(0, |d| d.value),
            flow.tos >> 2
        ),
        Selector::Proto => format!(
            "ipproto {}: the flow's protocol is {}",
            rule.ip_proto.unwrap_or(0),
            flow.proto
        ),
        Selector::Sport => format!(
            "sport {}: the flow's source port is {}",
            ports(rule.sport),
            flow.sport
        ),
        Selector::Dport => format!(
            "dport {}: the flow's destination port is {}",
            ports(rule.dport),
            flow.dport
        ),
    }
}
