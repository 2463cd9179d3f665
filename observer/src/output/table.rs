//! The human table: one aligned line per report (strace meets `ip route get`).

use std::fmt::Write as _;
use std::io::Write;

use super::ndjson::{AnswerKey, FlowKey};
use super::sink::{Sink, Summary};
use crate::decode::{Body, ControlMessage, Report};
use crate::enrich::name::Name;
use crate::escape;
use crate::route::{Purpose, RouteDecision, RuleReport};

/// ANSI colours, or none.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    ok: &'static str,
    bad: &'static str,
    note: &'static str,
    dim: &'static str,
    reset: &'static str,
}

impl Palette {
    /// Colours (for a terminal).
    pub const COLOR: Palette = Palette {
        ok: "\x1b[32m",
        bad: "\x1b[31m",
        note: "\x1b[33m",
        dim: "\x1b[2m",
        reset: "\x1b[0m",
    };
    /// No colours.
    pub const PLAIN: Palette = Palette {
        ok: "",
        bad: "",
        note: "",
        dim: "",
        reset: "",
    };
}

/// Human-readable, one aligned line per event.
pub struct Human<W: Write> {
    out: W,
    palette: Palette,
    start_ns: Option<u64>,
    /// An event came from a container: the table has a CONTAINER column from then on.
    containers: bool,
    /// The line being written, kept from line to line.
    line: String,
    /// The last route decision's text, and what it was written from: decisions repeat (one
    /// task asking the same thing, a router forwarding flow after flow), and copying the
    /// text costs less than writing it again.
    route_text: (Option<(Purpose, FlowKey, AnswerKey)>, String),
}

/// Characters of a container id the table shows (the short id `docker ps` prints).
const SHORT_ID: usize = 12;

impl<W: Write> Human<W> {
    /// Writes to `out` with `palette`.
    pub fn new(out: W, palette: Palette) -> Self {
        Human {
            out,
            palette,
            start_ns: None,
            containers: false,
            line: String::new(),
            route_text: (None, String::new()),
        }
    }

    /// The writer, once the table is done (flush first).
    pub fn into_inner(self) -> W {
        self.out
    }

    /// The header line (again, with a CONTAINER column, once the first event from a
    /// container comes).
    pub fn header(&mut self) {
        let p = self.palette;
        let container = if self.containers {
            format!("{:<SHORT_ID$} ", "CONTAINER")
        } else {
            String::new()
        };
        let _ = writeln!(
            self.out,
            "{}{:>10}  {:>10}  {:<22} {container}EVENT{}",
            p.dim, "TIME(s)", "NETNS", "COMM[PID]", p.reset
        );
    }
}

/// The text of one report, without the leading columns.
pub fn describe(report: &Report, palette: Palette) -> String {
    let p = palette;
    let result = |ret: i64, errno: &Option<String>| match errno {
        Some(name) => format!("{}= {ret} {name}{}", p.bad, p.reset),
        None => format!("{}= {ret}{}", p.ok, p.reset),
    };
    match &report.body {
        Body::Sockopt(s) => {
            let mut text = if s.value.is_empty() {
                format!("setsockopt {} {}", s.level, s.optname)
            } else {
                format!("setsockopt {}", s.value)
            };
            if let (Some(index), Some(name)) = (s.ifindex, &s.ifname) {
                // `value` shows a name by the escaping rule, as `name` displays.
                if !s.value.contains(&name.to_string()) && index != 0 {
                    text.push_str(&format!(" ({name})"));
                }
            }
            if let Some(err) = &s.decode_error {
                text.push_str(&format!(" {}<{err}>{}", p.note, p.reset));
            }
            format!("{text} fd={} {}", s.fd, result(s.ret, &s.errno))
        }
        Body::Route(d) => route_text(d, p),
        Body::Ioctl(i) => {
            // `value` is sockabi's rendering: request, name and the decoded member.
            let mut text = if i.value.is_empty() {
                format!("ioctl {}", i.request)
            } else {
                format!("ioctl {}", i.value)
            };
            if let Some(err) = &i.decode_error {
                text.push_str(&format!(" {}<{err}>{}", p.note, p.reset));
            }
            format!("{text} fd={} {}", i.fd, result(i.ret, &i.errno))
        }
        Body::Cmsg(c) => {
            let call = if c.direction == "send" {
                "sendmsg"
            } else {
                "recvmsg(MSG_ERRQUEUE)"
            };
            let mut text = call.to_string();
            if let Some(addr) = c.address {
                text.push_str(&format!(
                    " {}{addr}",
                    if c.direction == "send" {
                        "to "
                    } else {
                        "from "
                    }
                ));
            }
            for m in &c.messages {
                text.push(' ');
                text.push_str(&match m {
                    ControlMessage::Pktinfo { ifindex, ifname, spec_dst, addr } => format!(
                        "IP_PKTINFO{{ifindex={ifindex}{}, spec_dst={spec_dst}, addr={addr}}}",
                        ifname.as_ref().map(|n| format!(" ({n})")).unwrap_or_default()
                    ),
                    ControlMessage::Pktinfo6 { ifindex, ifname, addr } => format!(
                        "IPV6_PKTINFO{{ifindex={ifindex}{}, addr={addr}}}",
                        ifname.as_ref().map(|n| format!(" ({n})")).unwrap_or_default()
                    ),
                    ControlMessage::Recverr { level, errno, origin, icmp_type, icmp_code, info, offender, .. } => format!(
                        "{}{{{errno}, origin={origin}, type={icmp_type}, code={icmp_code}, info={info}{}}}",
                        match *level {
                            "IPPROTO_IPV6" => "IPV6_RECVERR",
                            _ => "IP_RECVERR",
                        },
                        offender.map(|o| format!(", offender={o}")).unwrap_or_default()
                    ),
                    ControlMessage::HopLimit { hop_limit } => format!("IPV6_HOPLIMIT{{{hop_limit}}}"),
                    ControlMessage::Tclass { tclass } => format!("IPV6_TCLASS{{{tclass}}}"),
                    ControlMessage::Ttl { ttl } => format!("IP_TTL{{{ttl}}}"),
                    ControlMessage::Tos { tos } => format!("IP_TOS{{{tos:#x}}}"),
                    ControlMessage::Other { what } => format!("{{{what}}}"),
                });
            }
            format!("{text} fd={} {}", c.fd, result(c.ret, &c.errno))
        }
    }
}

/// `{:>10.6}` of `ns` in seconds (`ns as f64 / 1e9`), written with integers: float
/// formatting was a sixth of the table's cost. Only where the microseconds end in an exact
/// half (the float then rounds by its binary value) or past 2^53 ns is the float written.
fn seconds(out: &mut String, ns: u64) {
    if ns % 1000 == 500 || ns >= 1 << 53 {
        let _ = write!(out, "{:>10.6}", ns as f64 / 1e9);
        return;
    }
    let micros = (ns + 500) / 1000;
    let mut digits = itoa::Buffer::new();
    let whole = digits.format(micros / 1_000_000);
    let mut fraction = itoa::Buffer::new();
    let fraction = fraction.format(micros % 1_000_000);
    let width = whole.len() + 1 + 6;
    out.extend(std::iter::repeat_n(' ', 10usize.saturating_sub(width)));
    out.push_str(whole);
    out.push('.');
    out.extend(std::iter::repeat_n('0', 6 - fraction.len()));
    out.push_str(fraction);
}

/// `{:>width}` of an ASCII `text`.
fn right_aligned(out: &mut String, text: &str, width: usize) {
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(text.len())));
    out.push_str(text);
}

/// `route DST [oif=X] -> via GW dev DEV (table T)`, like `ip route get`.
fn route_text(d: &RouteDecision, p: Palette) -> String {
    let mut text = String::new();
    write_route(&mut text, d, p);
    text
}

/// [`route_text`], appended to `out`: the table's hot path (one line per route decision, by
/// the hundred thousand a second), written in place with no intermediate strings.
fn write_route(out: &mut String, d: &RouteDecision, p: Palette) {
    // Writing into a String cannot fail.
    let _ = match d.purpose {
        Purpose::AddressType => write!(out, "address-type {}", d.dst),
        Purpose::Output | Purpose::Input => write!(out, "route {}", d.dst),
    };
    if !d.src.is_unspecified() {
        let _ = write!(out, " from {}", d.src);
    }
    if d.oif != 0 {
        out.push_str(" oif=");
        name_or_index(out, d.oif_name.as_ref(), d.oif);
    }
    if d.iif != 1 && d.iif != 0 {
        out.push_str(" iif=");
        name_or_index(out, d.iif_name.as_ref(), d.iif);
    }
    out.push_str(" -> ");
    match &d.err {
        None => {
            if let Some(gw) = &d.gw {
                let _ = write!(out, "via {gw} ");
            }
            out.push_str(p.ok);
            out.push_str("dev ");
            match &d.dev {
                Some(dev) => dev.write_escaped(out),
                None => out.push('?'),
            }
            out.push_str(p.reset);
        }
        Some(err) => {
            out.push_str(p.bad);
            out.push_str(err);
            out.push_str(p.reset);
            if let Some(rule) = &d.rule_action {
                out.push_str(" by ");
                rule_text(out, rule);
            }
            if d.onlink_fallback {
                let _ = write!(
                    out,
                    " {}(on-link fallback: the kernel assumes {} is directly on ",
                    p.note, d.dst
                );
                name_or_index(out, d.oif_name.as_ref(), d.oif);
                out.push(')');
                out.push_str(p.reset);
            }
        }
    }
    if d.lookups.len() > 1 {
        out.push_str(" (tables ");
        for (i, l) in d.lookups.iter().enumerate() {
            if i > 0 {
                out.push_str(" -> ");
            }
            l.table_name.write_escaped(out);
            match (&l.err, l.suppressed) {
                (Some(e), _) => {
                    out.push(':');
                    out.push_str(e);
                }
                (None, true) => out.push_str(":suppressed"),
                (None, false) => {}
            }
        }
    } else {
        out.push_str(" (table ");
        d.table_name.write_escaped(out);
    }
    // The rule behind the deciding lookup, when the namespace has custom rules (unless a
    // rule's action decided: then that rule is named with the error).
    if let Some(rule) = d
        .lookups
        .last()
        .filter(|_| d.rule_action.is_none())
        .and_then(|l| l.rule.as_ref())
    {
        out.push_str("; ");
        rule_text(out, rule);
    }
    out.push(')');
}

/// An interface's name, or its index where it has none.
fn name_or_index(out: &mut String, name: Option<&Name>, index: i32) {
    match name {
        Some(name) => name.write_escaped(out),
        None => {
            let _ = write!(out, "{index}");
        }
    }
}

/// A rule in brief (`rule 32765 not fwmark 0xca6c -> table 51820`), or why it is unknown.
fn rule_text(out: &mut String, rule: &RuleReport) {
    match (&rule.reason, rule.method) {
        // Rules quote interface names (`iif`, `oif`), reasons quote rules: escaped whole.
        (Some(reason), "unknown") => {
            out.push_str("rule unknown: ");
            escape::push(out, reason);
        }
        (Some(reason), _) => {
            escape::push(out, &rule.brief);
            out.push_str(" (");
            escape::push(out, reason);
            out.push(')');
        }
        (None, _) => escape::push(out, &rule.brief),
    }
}

/// The columns of `COMM[PID]`.
const WHO_COLUMNS: usize = 22;

impl<W: Write> Sink for Human<W> {
    fn report(&mut self, report: &Report) {
        let start = *self.start_ns.get_or_insert(report.origin.ts_ns);
        if !self.containers && report.origin.attribution.container_id().is_some() {
            self.containers = true;
            self.header();
        }
        // One line, built in a buffer kept from line to line.
        let line = &mut self.line;
        line.clear();
        seconds(line, report.origin.ts_ns.saturating_sub(start));
        line.push_str("  ");
        right_aligned(line, itoa::Buffer::new().format(report.origin.netns), 10);
        line.push_str("  ");
        let who_at = line.len();
        match (&report.origin.comm, report.origin.pid) {
            (Some(comm), Some(pid)) => {
                comm.write_escaped(line);
                line.push('[');
                line.push_str(itoa::Buffer::new().format(pid));
                line.push(']');
            }
            _ => line.push_str("[softirq]"),
        }
        // 22 terminal columns (a wide character takes two, a zero-width one none); a longer
        // task name is cut, keeping its pid, so the columns after it stay aligned.
        let who_columns = escape::width(&line[who_at..]);
        if who_columns > WHO_COLUMNS {
            let who = line.split_off(who_at);
            let pid_at = who.rfind('[').unwrap_or(who.len());
            let pid_columns = who.len() - pid_at;
            escape::push_fitted(
                line,
                &who[..pid_at],
                WHO_COLUMNS.saturating_sub(pid_columns),
            );
            line.push_str(&who[pid_at..]);
        } else {
            line.extend(std::iter::repeat_n(' ', WHO_COLUMNS - who_columns));
        }
        line.push(' ');
        if self.containers {
            let id = report.origin.attribution.container_id().unwrap_or("-");
            let short: String = id.chars().take(SHORT_ID).collect();
            escape::push_fitted(line, &escape::text(&short), SHORT_ID);
            line.push(' ');
        }
        match &report.body {
            Body::Route(d) => {
                let (key, text) = &mut self.route_text;
                let same = key.as_ref().is_some_and(|(purpose, flow, answer)| {
                    *purpose == d.purpose && flow.is_of(d) && answer.is_of(d)
                });
                if !same {
                    text.clear();
                    write_route(text, d, self.palette);
                    *key = Some((d.purpose, FlowKey::of(d), AnswerKey::of(d)));
                }
                line.push_str(text);
            }
            _ => line.push_str(&describe(report, self.palette)),
        }
        line.push('\n');
        let _ = self.out.write_all(line.as_bytes());
    }

    fn lost(&mut self, delta: u64, total: u64) {
        let p = self.palette;
        let _ = writeln!(
            self.out,
            "{}!! {delta} events lost (ring buffer full; {total} in all): use a larger --ring-size or narrower filters{}",
            p.bad, p.reset
        );
    }

    fn summary(&mut self, s: &Summary) {
        let parts: Vec<String> = s.events.iter().map(|(k, v)| format!("{v} {k}")).collect();
        let events = if parts.is_empty() {
            "no events".to_string()
        } else {
            parts.join(", ")
        };
        let _ = writeln!(
            self.out,
            "-- {events}; {} lost; stopped by {}",
            s.lost, s.stopped_by
        );
    }

    fn flush(&mut self) {
        let _ = self.out.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{Attribution, Context, Origin};
    use crate::output::ndjson::tests::{decision, origin};
    use crate::route::TableLookup;

    /// The integer path of the time column writes what `{:>10.6}` of the float writes.
    #[test]
    fn seconds_are_written_as_the_float_would_be() {
        let mut values: Vec<u64> = vec![0, 1, 499, 500, 501, 999, 1_000, 1_500, 999_999_499];
        values.extend([999_999_500, 999_999_501, 1_000_000_000, 123_456_789_012]);
        values.extend([
            9_999_999_999_499,
            99_999_999_999_999,
            (1 << 53) - 1,
            1 << 53,
            u64::MAX,
        ]);
        // And a spread of others, ties included, from a fixed linear congruential sequence.
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..100_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            values.push(x >> (x % 40 + 10));
        }
        for ns in values {
            let mut fast = String::new();
            seconds(&mut fast, ns);
            assert_eq!(fast, format!("{:>10.6}", ns as f64 / 1e9), "{ns} ns");
        }
    }

    /// The table's lines for `reports`, without colours.
    fn lines(reports: Vec<Report>) -> String {
        let mut out = Vec::new();
        let mut human = Human::new(&mut out, Palette::PLAIN);
        for report in &reports {
            human.report(report);
        }
        drop(human);
        String::from_utf8(out).unwrap()
    }

    fn report(origin: Origin, d: RouteDecision) -> Report {
        Report {
            origin,
            body: Body::Route(d),
        }
    }

    fn rule(brief: &str) -> Option<RuleReport> {
        Some(RuleReport {
            priority: Some(32765),
            text: Some("32765: not from all fwmark 0xca6c lookup 51820".into()),
            method: "kernel",
            reason: None,
            brief: brief.into(),
        })
    }

    /// The table's route lines, character for character, in the cases its fast path writes
    /// differently: a plain decision, a walk over several tables with a rule, a rule's action,
    /// the on-link fallback, a lookup in softirq, and the container column once it appears.
    #[test]
    fn route_lines_are_written_as_documented() {
        let mut plain = origin("curl");
        plain.attribution = Attribution::new(None, None);
        plain.ts_ns = 1_000_000_000;
        let mut later = plain.clone();
        later.ts_ns += 1_234_567;

        let mut walked = decision();
        walked.lookups = smallvec::smallvec![
            TableLookup {
                table: 254,
                table_name: "main".into(),
                err: None,
                suppressed: true,
                rule: None,
            },
            TableLookup {
                table: 51820,
                table_name: "51820".into(),
                err: Some("EAGAIN".into()),
                suppressed: false,
                rule: None,
            },
            TableLookup {
                table: 200,
                table_name: "vpn".into(),
                err: None,
                suppressed: false,
                rule: rule("rule 32765 not fwmark 0xca6c -> table 200"),
            },
        ];

        let mut prohibited = decision();
        prohibited.err = Some("EACCES".into());
        prohibited.dev = None;
        prohibited.gw = None;
        prohibited.rule_action = rule("rule 100 to 203.0.113.0/24 -> prohibit").map(Box::new);

        let mut fallback = decision();
        fallback.err = Some("ENETUNREACH".into());
        fallback.onlink_fallback = true;
        fallback.oif_name = None;
        fallback.src = std::net::Ipv4Addr::new(192, 0, 2, 2).into();
        fallback.lookups[0].rule = rule("rule 32766 -> table main");
        fallback.lookups[0].rule.as_mut().unwrap().reason = Some("rules changed".into());

        let mut forwarded = decision();
        forwarded.purpose = Purpose::Input;
        forwarded.iif = 4;
        forwarded.iif_name = Some("r1".into());
        forwarded.oif = 0;
        let softirq = Origin {
            ts_ns: plain.ts_ns + 2_000,
            context: Context::Softirq,
            pid: None,
            tid: None,
            comm: None,
            netns: 4026532436,
            attribution: Attribution::new(Some("router".into()), None),
        };
        let mut contained = origin("a-very-long-task-name");
        contained.ts_ns = plain.ts_ns + 3_000;

        let mut again = plain.clone();
        again.ts_ns += 1_000;
        let text = lines(vec![
            report(plain, decision()),
            report(again, decision()),
            report(later.clone(), walked),
            report(later.clone(), prohibited),
            report(later, fallback),
            report(softirq, forwarded),
            report(contained, decision()),
        ]);
        let want = [
            "  0.000000  4026531840  curl[412]              route 198.51.100.159 oif=eth1 -> via 192.0.2.193 dev eth1 (table main)",
            "  0.000001  4026531840  curl[412]              route 198.51.100.159 oif=eth1 -> via 192.0.2.193 dev eth1 (table main)",
            "  0.001235  4026531840  curl[412]              route 198.51.100.159 oif=eth1 -> via 192.0.2.193 dev eth1 (tables main:suppressed -> 51820:EAGAIN -> vpn; rule 32765 not fwmark 0xca6c -> table 200)",
            "  0.001235  4026531840  curl[412]              route 198.51.100.159 oif=eth1 -> EACCES by rule 100 to 203.0.113.0/24 -> prohibit (table main)",
            "  0.001235  4026531840  curl[412]              route 198.51.100.159 from 192.0.2.2 oif=3 -> ENETUNREACH (on-link fallback: the kernel assumes 198.51.100.159 is directly on 3) (table main; rule 32766 -> table main (rules changed))",
            "  0.000002  4026532436  [softirq]              route 198.51.100.159 iif=r1 -> via 192.0.2.193 dev eth1 (table main)",
        ];
        let got: Vec<&str> = text.lines().collect();
        assert_eq!(got[..6], want[..6], "{text}");
        // The first event from a container brings the header again, with a CONTAINER column.
        assert!(got[6].contains("CONTAINER"), "{text}");
        assert_eq!(
            got[7],
            "  0.000003  4026531840  a-very-long-task…[412] 0123         route 198.51.100.159 oif=eth1 -> via 192.0.2.193 dev eth1 (table main)"
        );
    }
}
