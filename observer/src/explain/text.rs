//! The walk in words: rules, tables, outcome, and with a device the unbound decision and the
//! two outcomes side by side. The caller escapes each line (`escape::Lines`): names are
//! written as they are and columns padded by what they take once escaped.

use std::io::{self, Write};

use super::model::{Case, Explanation, Rules};
use crate::escape;

/// Writes `explanation` for a reader.
pub fn write_explanation(out: &mut impl Write, explanation: &Explanation) -> io::Result<()> {
    let dst = explanation.dst;
    let case = &explanation.case;
    match (&case.oif, case.oif_by) {
        (Some(dev), Some("SO_BINDTODEVICE") | None) => writeln!(
            out,
            "Route to {dst} for a socket bound to {dev} (SO_BINDTODEVICE: the lookup's oif)"
        )?,
        (Some(dev), Some(option)) => writeln!(
            out,
            "Route to {dst} for a socket with {option} {dev} (the lookup's oif)"
        )?,
        (None, _) => writeln!(out, "Route to {dst}")?,
    }
    for note in &case.socket {
        writeln!(out, "  socket: {note}")?;
    }
    write_case(out, case)?;
    if let Some(unbound) = &explanation.unbound {
        writeln!(out)?;
        if case.oif_by.is_some_and(|by| by != "SO_BINDTODEVICE") {
            writeln!(
                out,
                "The same flow from a socket without the options (no oif, no source they give):"
            )?;
        } else {
            writeln!(out, "The same flow from an unbound socket:")?;
        }
        write_case(out, unbound)?;
        writeln!(out)?;
        write_side_by_side(out, &explanation.case, unbound)?;
    }
    Ok(())
}

fn write_case(out: &mut impl Write, case: &Case) -> io::Result<()> {
    if let Some(flow) = &case.flow {
        writeln!(
            out,
            "  flow: {} from {} iif {} oif {} mark {:#x} uid {} tos {:#x} proto {} sport {} dport {}",
            match flow.purpose {
                crate::route::Purpose::Input => "input",
                _ => "output",
            },
            flow.src,
            flow.iif.as_deref().unwrap_or("none"),
            flow.oif.as_deref().unwrap_or("any"),
            flow.mark,
            flow.uid,
            flow.tos,
            flow.proto,
            flow.sport,
            flow.dport
        )?;
    }
    writeln!(out, "1. Rules")?;
    write_rules(out, &case.rules)?;
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
                "    {} {}{}",
                if candidate.chosen { "chosen" } else { "lost  " },
                candidate.route,
                if candidate.scope == "global" {
                    String::new()
                } else {
                    format!(" scope {}", candidate.scope)
                }
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
            line.push_str(&format!("dev {}", o.dev.as_deref().unwrap_or("-")));
            if let Some(gateway) = o.gateway {
                line.push_str(&format!(" via {gateway}"));
            }
            if let Some(src) = o.src {
                line.push_str(&format!(" src {src}"));
            }
            if let Some(table) = &o.table_name {
                line.push_str(&format!(" (table {table})"));
            }
            writeln!(out, "  {line}")?;
        }
    }
    if let Some(meaning) = &o.meaning {
        writeln!(out, "  {meaning}")?;
    }
    writeln!(out, "  decided by {}: {}", o.decided_by, o.decided_why)?;
    Ok(())
}

fn write_side_by_side(out: &mut impl Write, bound: &Case, unbound: &Case) -> io::Result<()> {
    let dev = bound.oif.as_deref().unwrap_or("-");
    let column = |case: &Case| {
        let o = &case.outcome;
        [
            o.dev.clone().unwrap_or_else(|| "-".into()),
            o.gateway.map_or_else(|| "-".into(), |g| g.to_string()),
            o.src.map_or_else(|| "-".into(), |s| s.to_string()),
            o.table_name.clone().unwrap_or_else(|| "-".into()),
            o.error.clone().unwrap_or_else(|| "-".into()),
        ]
    };
    let left = column(bound);
    let right = column(unbound);
    let title = match bound.oif_by {
        Some(option) if option != "SO_BINDTODEVICE" => format!("{option} {dev}"),
        _ => format!("bound to {dev}"),
    };
    let width = left
        .iter()
        .map(|text| escape::columns(text))
        .max()
        .unwrap_or(0)
        .max(escape::columns(&title));
    writeln!(out, "{:<9}{}  unbound", "", escape::pad(&title, width))?;
    for (n, label) in ["device", "gateway", "source", "table", "error"]
        .iter()
        .enumerate()
    {
        writeln!(
            out,
            "{label:<9}{}  {}",
            escape::pad(&left[n], width),
            right[n]
        )?;
    }
    Ok(())
}

/// The rules part of a walk, one line each (shared by the IPv4 and IPv6 walks).
pub(super) fn write_rules(out: &mut impl Write, rules_of_case: &Rules) -> io::Result<()> {
    match rules_of_case {
        Rules::NoCustomRules => writeln!(
            out,
            "  none consulted: the namespace has only the default rules, so the kernel looks up \
             main (which then holds the local routes too) directly, and default after a miss"
        )?,
        Rules::Untraced { reason } => writeln!(out, "  unknown: {reason}")?,
        Rules::NotConsulted { .. } => writeln!(
            out,
            "  none consulted: the kernel decided without a table lookup (see the outcome)"
        )?,
        Rules::Walked {
            method,
            rules,
            not_reached,
            disagreement,
        } => {
            // Aligned by the columns each rule takes once escaped (`out` escapes the line).
            let width = rules
                .iter()
                .map(|r| escape::columns(&r.rule))
                .max()
                .unwrap_or(0);
            for rule in rules {
                writeln!(
                    out,
                    "  {}  {:<8} {}",
                    escape::pad(&rule.rule, width),
                    rule.verdict,
                    rule.detail
                )?;
            }
            if *not_reached > 0 {
                writeln!(out, "  ({not_reached} later rules not reached)")?;
            }
            if let Some(reason) = disagreement {
                writeln!(
                    out,
                    "  the rule list does not explain every lookup: {reason}"
                )?;
            }
            let how = if *method == "kernel" {
                "captured in the kernel as it walked them"
            } else {
                "the rule list walked as the kernel does, in agreement with the lookups traced"
            };
            writeln!(out, "  (rules: {how})")?;
        }
    }
    Ok(())
}
