//! Sinks: an aligned human table (strace meets `ip route get`) and NDJSON.

use std::io::Write;

use serde_json::json;

use crate::decode::{Body, ControlMessage, Report};
use crate::route::{Purpose, RouteDecision, RuleReport};
use crate::stream::{Sink, Summary};

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
        }
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
                if !s.value.contains(name.as_str()) && index != 0 {
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

/// `route DST [oif=X] -> via GW dev DEV (table T)`, like `ip route get`.
fn route_text(d: &RouteDecision, p: Palette) -> String {
    let mut text = match d.purpose {
        Purpose::AddressType => format!("address-type {}", d.dst),
        Purpose::Output | Purpose::Input => format!("route {}", d.dst),
    };
    if !d.src.is_unspecified() {
        text.push_str(&format!(" from {}", d.src));
    }
    if d.oif != 0 {
        text.push_str(&format!(
            " oif={}",
            d.oif_name
                .as_deref()
                .map_or_else(|| d.oif.to_string(), str::to_owned)
        ));
    }
    if d.iif != 1 && d.iif != 0 {
        text.push_str(&format!(
            " iif={}",
            d.iif_name
                .as_deref()
                .map_or_else(|| d.iif.to_string(), str::to_owned)
        ));
    }
    text.push_str(" -> ");
    match &d.err {
        None => {
            if let Some(gw) = &d.gw {
                text.push_str(&format!("via {gw} "));
            }
            text.push_str(&format!(
                "{}dev {}{}",
                p.ok,
                d.dev.as_deref().unwrap_or("?"),
                p.reset
            ));
        }
        Some(err) => {
            text.push_str(&format!("{}{err}{}", p.bad, p.reset));
            if let Some(rule) = &d.rule_action {
                text.push_str(&format!(" by {}", rule_text(rule)));
            }
            if d.onlink_fallback {
                text.push_str(&format!(
                    " {}(on-link fallback: the kernel assumes {} is directly on {}){}",
                    p.note,
                    d.dst,
                    d.oif_name
                        .as_deref()
                        .map_or_else(|| d.oif.to_string(), str::to_owned),
                    p.reset
                ));
            }
        }
    }
    // The rule behind the deciding lookup, when the namespace has custom rules (unless a
    // rule's action decided: then that rule is named with the error).
    let rule = d
        .lookups
        .last()
        .filter(|_| d.rule_action.is_none())
        .and_then(|l| l.rule.as_ref())
        .map(|r| format!("; {}", rule_text(r)))
        .unwrap_or_default();
    if d.lookups.len() > 1 {
        let walk: Vec<String> = d
            .lookups
            .iter()
            .map(|l| match (&l.err, l.suppressed) {
                (Some(e), _) => format!("{}:{e}", l.table_name),
                (None, true) => format!("{}:suppressed", l.table_name),
                (None, false) => l.table_name.to_string(),
            })
            .collect();
        text.push_str(&format!(" (tables {}{rule})", walk.join(" -> ")));
    } else {
        text.push_str(&format!(" (table {}{rule})", d.table_name));
    }
    text
}

/// A rule in brief (`rule 32765 not fwmark 0xca6c -> table 51820`), or why it is unknown.
fn rule_text(rule: &RuleReport) -> String {
    match (&rule.reason, rule.method) {
        (Some(reason), "unknown") => format!("rule unknown: {reason}"),
        (Some(reason), _) => format!("{} ({reason})", rule.brief),
        (None, _) => rule.brief.to_string(),
    }
}

impl<W: Write> Sink for Human<W> {
    fn report(&mut self, report: &Report) {
        let start = *self.start_ns.get_or_insert(report.origin.ts_ns);
        let secs = report.origin.ts_ns.saturating_sub(start) as f64 / 1e9;
        let who = match (&report.origin.comm, report.origin.pid) {
            (Some(comm), Some(pid)) => format!("{comm}[{pid}]"),
            _ => "[softirq]".to_string(),
        };
        if !self.containers && report.origin.attribution.container_id().is_some() {
            self.containers = true;
            self.header();
        }
        let container = match (report.origin.attribution.container_id(), self.containers) {
            (_, false) => String::new(),
            (Some(id), true) => {
                let short: String = id.chars().take(SHORT_ID).collect();
                format!("{short:<SHORT_ID$} ")
            }
            (None, true) => format!("{:<SHORT_ID$} ", "-"),
        };
        let _ = writeln!(
            self.out,
            "{secs:>10.6}  {:>10}  {who:<22} {container}{}",
            report.origin.netns,
            describe(report, self.palette)
        );
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

/// NDJSON: one object per line, with a `type` field (`sockopt`, `route`, `ioctl`, `cmsg`,
/// `lost`, `summary`); the schema is in the README.
pub struct Json<W: Write> {
    out: W,
    /// Lines not yet written. serde_json writes an object as dozens of small pieces (each key,
    /// quote and value); appending those to a `Vec` is a few instructions each, while each
    /// `write_all` on `out` (a `BufWriter` around stdout) is an out-of-line call with its own
    /// checks: under load that difference was a third of the tracer's CPU time.
    pending: Vec<u8>,
}

/// Pending output is written once it is this large (and on every `flush`).
const JSON_WRITE_AT: usize = 64 << 10;

impl<W: Write> Json<W> {
    /// Writes to `out`.
    pub fn new(out: W) -> Self {
        Json {
            out,
            pending: Vec::with_capacity(2 * JSON_WRITE_AT),
        }
    }

    fn line(&mut self, value: &serde_json::Value) {
        let _ = writeln!(self.pending, "{value}");
        self.write_if_full();
    }

    fn write_if_full(&mut self) {
        if self.pending.len() >= JSON_WRITE_AT {
            let _ = self.out.write_all(&self.pending);
            self.pending.clear();
        }
    }
}

impl<W: Write> Sink for Json<W> {
    fn report(&mut self, report: &Report) {
        match &report.body {
            Body::Route(decision) => {
                crate::ndjson::write_route(&mut self.pending, &report.origin, decision);
            }
            _ => {
                let _ = serde_json::to_writer(&mut self.pending, report);
            }
        }
        self.pending.push(b'\n');
        self.write_if_full();
    }

    fn lost(&mut self, delta: u64, total: u64) {
        self.line(&json!({ "type": "lost", "count": delta, "total": total }));
    }

    fn summary(&mut self, s: &Summary) {
        self.line(&json!({ "type": "summary", "events": s.events, "lost": s.lost, "stopped_by": s.stopped_by }));
    }

    fn flush(&mut self) {
        let _ = self.out.write_all(&self.pending);
        self.pending.clear();
        let _ = self.out.flush();
    }
}
