//! The kernel's answer to a request, and what an error or the on-link fallback means.

use super::model::{Inputs, Outcome};
use crate::enrich::errno;
use crate::policy::table_name;
use crate::route::RouteDecision;
use crate::routes::Route;

/// The kernel's answer, and what it means.
pub(super) fn outcome(inputs: &Inputs<'_>) -> Outcome {
    let mut outcome = answer(inputs);
    let (by, why) = decided_by(inputs, &outcome);
    // A shortcut's reason is the meaning: the table-walk readings of an error do not apply.
    if inputs.decision.is_none() && by != "unknown" {
        outcome.meaning = None;
    }
    outcome.decided_by = by;
    outcome.decided_why = why;
    outcome
}

/// What decided: a table's route, a rule's action, the on-link fallback, or a shortcut
/// taken with no table lookup.
fn decided_by(inputs: &Inputs<'_>, outcome: &Outcome) -> (&'static str, String) {
    let Some(decision) = inputs.decision else {
        return super::shortcut::decided(inputs).unwrap_or((
            "unknown",
            "no table lookup of this request was traced".into(),
        ));
    };
    if let Some(rule) = &decision.rule_action {
        return (
            "rule",
            format!(
                "the action of {} ended the decision",
                rule.text.as_deref().unwrap_or(&rule.brief)
            ),
        );
    }
    if outcome.onlink_fallback {
        return (
            "onlink-fallback",
            "no table had a usable route, and the lookup is bound to a device".into(),
        );
    }
    let table = table_name(decision.table);
    // By the destination, not the answer's type: the kernel can answer a unicast lookup with
    // the type of a multicast rtable cached on the same next hop.
    let dst = inputs.request.dst;
    let kind = match dst {
        Some(dst) if dst.is_multicast() => Some("multicast"),
        Some(dst) if dst.is_broadcast() => Some("broadcast"),
        _ => outcome.kind.as_deref().filter(|&k| k == "broadcast"),
    };
    let why = match (&outcome.error, kind) {
        (Some(error), _) => format!("table {table} answered {error}"),
        (None, Some("multicast")) => format!(
            "the route chosen in table {table} gave the device (to a multicast group, a \
             gateway only from a route of /4 or longer)"
        ),
        (None, Some("broadcast")) => format!(
            "the route chosen in table {table} gave the device (to a broadcast, never a \
             gateway)"
        ),
        _ => format!("the route chosen in table {table}"),
    };
    ("table", why)
}

/// The kernel's answer, and what an error or the fallback means.
fn answer(inputs: &Inputs<'_>) -> Outcome {
    let decision = inputs.decision;
    match &inputs.answers.route.reply {
        Ok(message) => {
            let route = Route::from_message(message, inputs.links);
            let failed_lookup = decision.is_some_and(|d| d.err.is_some());
            let onlink_fallback = decision.is_some_and(|d| d.onlink_fallback)
                || (inputs.oif.is_some() && failed_lookup);
            let meaning = onlink_fallback.then(|| {
                let dev = inputs.oif.as_ref().map_or("the bound device", |(_, n)| n);
                let error = decision
                    .and_then(|d| d.err.clone())
                    .unwrap_or_else(|| "ENETUNREACH".into());
                format!(
                    "the lookup failed ({error}), but it is bound to {dev}: instead of failing, \
                     the kernel assumes the destination is on-link there and sends to it \
                     directly, with no gateway (ip_route_output_key_hash_rcu: \"Apparently, \
                     routing tables are wrong. Assume, that the destination is on link.\")"
                )
            });
            // RT_TABLE_UNSPEC: no table answered (the on-link fallback).
            let table = route.as_ref().map(|r| r.table).filter(|&t| t != 0);
            Outcome {
                dev: route.as_ref().and_then(|r| r.device.clone()),
                gateway: route.as_ref().and_then(|r| r.gateway),
                src: route.as_ref().and_then(|r| r.source),
                table,
                table_name: table.map(table_name),
                kind: route.as_ref().map(Route::kind_word),
                error: None,
                meaning,
                onlink_fallback,
                decided_by: "",
                decided_why: String::new(),
            }
        }
        Err(code) => {
            let error = errno::describe(i64::from(*code));
            Outcome {
                dev: None,
                gateway: None,
                src: None,
                table: decision.map(|d| d.table),
                table_name: decision.map(|d| d.table_name.to_string()),
                kind: None,
                meaning: Some(meaning(-*code, decision)),
                error: Some(error.into_owned()),
                onlink_fallback: false,
                decided_by: "",
                decided_why: String::new(),
            }
        }
    }
}

/// What error `errno` means for this decision: which route type or rule action gives it.
fn meaning(errno: i32, decision: Option<&RouteDecision>) -> String {
    let rule = decision.and_then(|d| d.rule_action.as_ref());
    if let Some(rule) = rule {
        return format!(
            "{} ended the decision with its action, before any table: {}",
            rule.text.as_deref().unwrap_or(&rule.brief),
            strerror(errno)
        );
    }
    let untraced = decision.is_none();
    match errno {
        libc::ENETUNREACH => "no table the rules led to has a route to the destination: \
                              \"Network is unreachable\""
            .into(),
        libc::EHOSTUNREACH => "an `unreachable` route matched: \"No route to host\"".into(),
        libc::EACCES => "a `prohibit` route matched: \"Permission denied\"".into(),
        libc::EINVAL if !untraced => {
            "a `blackhole` route matched: the kernel discards the packets, and a local sender \
             gets \"Invalid argument\""
                .into()
        }
        libc::EINVAL => "the kernel refused the flow before routing it (a martian or zero \
                         source, or a device that cannot take it): \"Invalid argument\""
            .into(),
        other => strerror(other),
    }
}

fn strerror(errno: i32) -> String {
    format!("\"{}\"", std::io::Error::from_raw_os_error(errno))
        .replace(&format!(" (os error {errno})"), "")
}
