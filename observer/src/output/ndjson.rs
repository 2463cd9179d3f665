//! Hand-written NDJSON for route decisions, the event type that comes by the hundred thousand
//! per second.
//!
//! Serializing a [`Report`] with serde (flattened origin and body, `type` tag) costs about a
//! microsecond per decision: every key goes through serde_json's string escaper and every
//! piece is a separate write. Here the keys are constants, numbers go through `itoa`, and only
//! the few free-form strings (task and device names) are checked for escaping; and a part of
//! the object equal to the previous decision's is copied, not written again. The output is
//! byte-for-byte serde's (the tests compare the two), so the schema has one definition: the
//! serde derives on [`Report`] and [`RouteDecision`], which every other event type still uses.

use std::borrow::Cow;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};

#[cfg(test)]
use crate::decode::Attribution;
use crate::decode::{Context, Origin};
use crate::enrich::name::Name;
use crate::route::{
    Address, Family, Purpose, RouteDecision, RuleReport, TableLookup, TableLookups,
};

/// Writes a stream of route decisions, which repeat: the same task asks the same
/// question again and again, and a router forwards flow after flow through one route. The
/// object is written in three parts besides the timestamp and the ports (who asked, the
/// flow, the answer), and a part equal to the previous decision's is copied from the bytes
/// written then instead of being formatted again.
#[derive(Default)]
pub struct RouteWriter {
    origin: Part<(Origin, Family, Purpose)>,
    flow: Part<FlowKey>,
    answer: Part<AnswerKey>,
}

/// One part of the object: what it was written from, and the bytes.
struct Part<K> {
    key: Option<K>,
    bytes: Vec<u8>,
}

impl<K> Default for Part<K> {
    fn default() -> Self {
        Part {
            key: None,
            bytes: Vec::new(),
        }
    }
}

impl<K> Part<K> {
    /// Appends the part for `key` to `out`: the bytes kept if `same` says the kept key is
    /// `key`'s equal, else those `write` makes now (and keeps, with the key `make_key` makes).
    fn append(
        &mut self,
        out: &mut Vec<u8>,
        same: impl FnOnce(&K) -> bool,
        make_key: impl FnOnce() -> K,
        write: impl FnOnce(&mut Vec<u8>),
    ) {
        if !self.key.as_ref().is_some_and(same) {
            self.bytes.clear();
            write(&mut self.bytes);
            self.key = Some(make_key());
        }
        out.extend_from_slice(&self.bytes);
    }
}

/// What the flow part is written from (and, with [`AnswerKey`], the table's route text).
#[derive(PartialEq)]
pub(crate) struct FlowKey {
    table: u32,
    table_name: Name,
    dst: Address,
    src: Address,
    oif: i32,
    oif_name: Option<Name>,
    iif: i32,
    iif_name: Option<Name>,
    proto: u8,
    tos: u8,
    dscp: u8,
}

impl FlowKey {
    pub(crate) fn of(d: &RouteDecision) -> Self {
        FlowKey {
            table: d.table,
            table_name: d.table_name.clone(),
            dst: d.dst.clone(),
            src: d.src.clone(),
            oif: d.oif,
            oif_name: d.oif_name.clone(),
            iif: d.iif,
            iif_name: d.iif_name.clone(),
            proto: d.proto,
            tos: d.tos,
            dscp: d.dscp,
        }
    }

    pub(crate) fn is_of(&self, d: &RouteDecision) -> bool {
        self.table == d.table
            && self.table_name == d.table_name
            && self.dst == d.dst
            && self.src == d.src
            && self.oif == d.oif
            && self.oif_name == d.oif_name
            && self.iif == d.iif
            && self.iif_name == d.iif_name
            && self.proto == d.proto
            && self.tos == d.tos
            && self.dscp == d.dscp
    }
}

/// What the answer part is written from.
pub(crate) struct AnswerKey {
    flowlabel: Option<u32>,
    mark: Option<u32>,
    uid: Option<u32>,
    l3mdev: Option<i32>,
    netns_source: &'static str,
    dev: Option<Name>,
    gw: Option<Address>,
    err: Option<Cow<'static, str>>,
    onlink_fallback: bool,
    lookups: TableLookups,
    rule_action: Option<Box<RuleReport>>,
}

impl AnswerKey {
    pub(crate) fn of(d: &RouteDecision) -> Self {
        AnswerKey {
            flowlabel: d.flowlabel,
            mark: d.mark,
            uid: d.uid,
            l3mdev: d.l3mdev,
            netns_source: d.netns_source,
            dev: d.dev.clone(),
            gw: d.gw.clone(),
            err: d.err.clone(),
            onlink_fallback: d.onlink_fallback,
            lookups: d.lookups.clone(),
            rule_action: d.rule_action.clone(),
        }
    }

    pub(crate) fn is_of(&self, d: &RouteDecision) -> bool {
        self.flowlabel == d.flowlabel
            && self.mark == d.mark
            && self.uid == d.uid
            && self.l3mdev == d.l3mdev
            && self.netns_source == d.netns_source
            && self.dev == d.dev
            && self.gw == d.gw
            && self.err == d.err
            && self.onlink_fallback == d.onlink_fallback
            && self.lookups == d.lookups
            && self.rule_action == d.rule_action
    }
}

/// Whether `a` and `b` are the same but for their time.
fn same_origin(a: &Origin, b: &Origin) -> bool {
    a.context == b.context
        && a.pid == b.pid
        && a.tid == b.tid
        && a.netns == b.netns
        && a.comm == b.comm
        && a.attribution == b.attribution
}

impl RouteWriter {
    /// Appends `origin` + `decision` as one JSON object (no newline), exactly as
    /// `serde_json::to_writer(Report { origin, body: Body::Route(decision) })` would.
    pub fn write(&mut self, out: &mut Vec<u8>, origin: &Origin, d: &RouteDecision) {
        out.extend_from_slice(b"{\"ts_ns\":");
        int(out, origin.ts_ns);
        self.origin.append(
            out,
            |(o, family, purpose)| {
                *family == d.family && *purpose == d.purpose && same_origin(o, origin)
            },
            || (origin.clone(), d.family, d.purpose),
            |out| write_origin(out, origin, d.family, d.purpose),
        );
        self.flow.append(
            out,
            |key| key.is_of(d),
            || FlowKey::of(d),
            |out| write_flow(out, d),
        );
        out.extend_from_slice(b",\"sport\":");
        int(out, d.sport);
        out.extend_from_slice(b",\"dport\":");
        int(out, d.dport);
        self.answer.append(
            out,
            |key| key.is_of(d),
            || AnswerKey::of(d),
            |out| write_answer(out, d),
        );
    }
}

/// Who asked: from the context to the purpose.
fn write_origin(out: &mut Vec<u8>, origin: &Origin, family: Family, purpose: Purpose) {
    out.extend_from_slice(match origin.context {
        Context::Task => b",\"context\":\"task\",\"pid\":",
        Context::Softirq => b",\"context\":\"softirq\",\"pid\":",
    });
    optional_int(out, origin.pid);
    out.extend_from_slice(b",\"tid\":");
    optional_int(out, origin.tid);
    out.extend_from_slice(b",\"comm\":");
    optional_name(out, origin.comm.as_ref());
    out.extend_from_slice(b",\"netns\":");
    int(out, origin.netns);
    out.extend_from_slice(b",\"netns_name\":");
    let a = &origin.attribution;
    optional_name(out, a.netns_name());
    out.extend_from_slice(b",\"cgroup\":");
    optional_name(out, a.cgroup());
    out.extend_from_slice(b",\"container_id\":");
    optional_string(out, a.container_id());
    out.extend_from_slice(b",\"pod_uid\":");
    optional_string(out, a.pod_uid());
    out.extend_from_slice(match family {
        Family::Inet => b",\"type\":\"route\",\"family\":\"inet\",\"purpose\":",
        Family::Inet6 => b",\"type\":\"route\",\"family\":\"inet6\",\"purpose\":",
    });
    out.extend_from_slice(match purpose {
        Purpose::Output => b"\"output\"",
        Purpose::Input => b"\"input\"",
        Purpose::AddressType => b"\"address-type\"",
    });
}

/// The flow asked about: from the table to the DSCP.
fn write_flow(out: &mut Vec<u8>, d: &RouteDecision) {
    out.extend_from_slice(b",\"table\":");
    int(out, d.table);
    out.extend_from_slice(b",\"table_name\":");
    name(out, &d.table_name);
    out.extend_from_slice(b",\"dst\":");
    address(out, &d.dst);
    out.extend_from_slice(b",\"src\":");
    address(out, &d.src);
    out.extend_from_slice(b",\"oif\":");
    int(out, d.oif);
    out.extend_from_slice(b",\"oif_name\":");
    optional_name(out, d.oif_name.as_ref());
    out.extend_from_slice(b",\"iif\":");
    int(out, d.iif);
    out.extend_from_slice(b",\"iif_name\":");
    optional_name(out, d.iif_name.as_ref());
    out.extend_from_slice(b",\"proto\":");
    int(out, d.proto);
    out.extend_from_slice(b",\"tos\":");
    int(out, d.tos);
    out.extend_from_slice(b",\"dscp\":");
    int(out, d.dscp);
}

/// The answer: from the flow label (the flow's keys that rules select on) to the end.
fn write_answer(out: &mut Vec<u8>, d: &RouteDecision) {
    out.extend_from_slice(b",\"flowlabel\":");
    optional_int(out, d.flowlabel);
    out.extend_from_slice(b",\"mark\":");
    optional_int(out, d.mark);
    out.extend_from_slice(b",\"uid\":");
    optional_int(out, d.uid);
    out.extend_from_slice(b",\"l3mdev\":");
    optional_int(out, d.l3mdev);
    out.extend_from_slice(b",\"netns_source\":");
    string(out, d.netns_source);
    out.extend_from_slice(b",\"dev\":");
    optional_name(out, d.dev.as_ref());
    out.extend_from_slice(b",\"gw\":");
    match &d.gw {
        Some(gw) => address(out, gw),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"err\":");
    optional_string(out, d.err.as_deref());
    out.extend_from_slice(b",\"onlink_fallback\":");
    out.extend_from_slice(if d.onlink_fallback { b"true" } else { b"false" });
    out.extend_from_slice(b",\"lookups\":[");
    for (i, lookup) in d.lookups.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        table_lookup(out, lookup);
    }
    out.extend_from_slice(b"],\"rule_action\":");
    optional_rule(out, d.rule_action.as_deref());
    out.push(b'}');
}

fn table_lookup(out: &mut Vec<u8>, l: &TableLookup) {
    out.extend_from_slice(b"{\"table\":");
    int(out, l.table);
    out.extend_from_slice(b",\"table_name\":");
    name(out, &l.table_name);
    out.extend_from_slice(b",\"err\":");
    optional_string(out, l.err.as_deref());
    out.extend_from_slice(if l.suppressed {
        b",\"suppressed\":true,\"rule\":"
    } else {
        b",\"suppressed\":false,\"rule\":"
    });
    optional_rule(out, l.rule.as_ref());
    out.push(b'}');
}

fn optional_rule(out: &mut Vec<u8>, rule: Option<&RuleReport>) {
    let Some(rule) = rule else {
        out.extend_from_slice(b"null");
        return;
    };
    out.extend_from_slice(b"{\"priority\":");
    optional_int(out, rule.priority);
    out.extend_from_slice(b",\"text\":");
    optional_string(out, rule.text.as_deref());
    out.extend_from_slice(b",\"method\":");
    string(out, rule.method);
    out.extend_from_slice(b",\"reason\":");
    optional_string(out, rule.reason.as_deref());
    out.push(b'}');
}

fn int(out: &mut Vec<u8>, value: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// An address in quotes, as [`Address`]'s `Display` (its serde form) writes it: an IPv4
/// address digit by digit (the common case), others through `Display`.
fn address(out: &mut Vec<u8>, addr: &Address) {
    out.push(b'"');
    match (addr.ip, &addr.scope) {
        (IpAddr::V4(v4), None) => dotted_quad(out, v4),
        // Writing into a Vec cannot fail; addresses and interface names need no escaping
        // (names are checked: they are free-form bytes).
        (_, None) => {
            let _ = write!(out, "{}", addr.ip);
        }
        (_, Some(scope)) => {
            let _ = write!(out, "{}%", addr.ip);
            let mut quoted = Vec::new();
            string(&mut quoted, scope);
            out.extend_from_slice(&quoted[1..quoted.len() - 1]);
        }
    }
    out.push(b'"');
}

fn dotted_quad(out: &mut Vec<u8>, addr: Ipv4Addr) {
    for (i, octet) in addr.octets().into_iter().enumerate() {
        if i > 0 {
            out.push(b'.');
        }
        int(out, octet);
    }
}

/// A JSON string: copied as is when nothing in it needs escaping (the usual case for task,
/// device and table names), else escaped by serde_json.
fn string(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        // Writing a string into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

/// A name as `Name` serializes: a string where it is UTF-8, else the array of its bytes.
fn name(out: &mut Vec<u8>, n: &Name) {
    if n.is_utf8() {
        string(out, n);
    } else {
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, n);
    }
}

fn optional_name(out: &mut Vec<u8>, n: Option<&Name>) {
    match n {
        Some(n) => name(out, n),
        None => out.extend_from_slice(b"null"),
    }
}

fn optional_int(out: &mut Vec<u8>, value: Option<impl itoa::Integer>) {
    match value {
        Some(value) => int(out, value),
        None => out.extend_from_slice(b"null"),
    }
}

fn optional_string(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::decode::{Body, Report};

    /// A decision bound to eth1 via a gateway, as the table and NDJSON tests start from.
    pub(crate) fn decision() -> RouteDecision {
        RouteDecision {
            family: Family::Inet,
            purpose: Purpose::Output,
            table: 254,
            table_name: "main".into(),
            dst: Ipv4Addr::new(198, 51, 100, 159).into(),
            src: Ipv4Addr::UNSPECIFIED.into(),
            oif: 3,
            oif_name: Some("eth1".into()),
            iif: 1,
            iif_name: None,
            proto: 17,
            tos: 0xb8,
            dscp: 46,
            sport: 40000,
            dport: 9,
            flowlabel: None,
            mark: Some(0xca6c),
            uid: Some(1000),
            l3mdev: None,
            netns_source: "next-hop",
            dev: Some("eth1".into()),
            gw: Some(Ipv4Addr::new(192, 0, 2, 193).into()),
            err: None,
            onlink_fallback: false,
            lookups: smallvec::smallvec![TableLookup {
                table: 254,
                table_name: "main".into(),
                err: None,
                suppressed: false,
                rule: None,
            }],
            rule_action: None,
        }
    }

    /// A task's origin in a named namespace and a Kubernetes pod's container.
    pub(crate) fn origin(comm: &str) -> Origin {
        Origin {
            ts_ns: u64::MAX,
            context: Context::Task,
            pid: Some(412),
            tid: Some(413),
            comm: Some(Name::shared(comm)),
            netns: 4026531840,
            attribution: Attribution::new(
                Some("h\"1".into()),
                Some(std::sync::Arc::new(crate::enrich::container::Container {
                    cgroup: "/kubepods/besteffort/pod9e5a9d3c-6f3b-4a61-8c2e-1d7f0b2a4c55/0123"
                        .into(),
                    id: Some("0123".into()),
                    pod_uid: Some("9e5a9d3c-6f3b-4a61-8c2e-1d7f0b2a4c55".into()),
                })),
            ),
        }
    }

    #[test]
    fn matches_serde_for_a_softirq_decision() {
        let mut d = decision();
        d.purpose = Purpose::Input;
        d.mark = None;
        d.uid = None;
        d.l3mdev = Some(0);
        d.netns_source = "received";
        d.rule_action = Some(Box::new(RuleReport {
            priority: None,
            text: None,
            method: "unknown",
            reason: Some("the rules changed \"meanwhile\"".into()),
            brief: "rule unknown".into(),
        }));
        let softirq = Origin {
            ts_ns: 7,
            context: Context::Softirq,
            pid: None,
            tid: None,
            comm: None,
            netns: 4026532436,
            attribution: Attribution::new(Some("r".into()), None),
        };
        assert_same_as_serde(softirq, d);
    }

    fn assert_same_as_serde(origin: Origin, d: RouteDecision) {
        let mut fast = Vec::new();
        RouteWriter::default().write(&mut fast, &origin, &d);
        let report = Report {
            origin,
            body: Body::Route(d),
        };
        let serde = serde_json::to_vec(&report).unwrap();
        assert_eq!(
            String::from_utf8(fast).unwrap(),
            String::from_utf8(serde).unwrap()
        );
    }

    /// One writer over a stream in which each part changes, changes back and stays: every
    /// line must be serde's, whichever parts were copied from the line before.
    #[test]
    fn a_stream_of_decisions_matches_serde_line_by_line() {
        let base = (origin("curl"), decision());
        let mut stream = vec![base.clone(), base.clone()];
        let mut later = base.clone();
        later.0.ts_ns = 17;
        later.1.sport = 40001;
        stream.push(later);
        let mut other_task = base.clone();
        other_task.0.comm = Some("wget".into());
        other_task.0.pid = Some(9);
        stream.push(other_task);
        let mut unattributed = base.clone();
        unattributed.0.attribution = Attribution::default();
        stream.push(unattributed);
        let mut elsewhere = base.clone();
        elsewhere.1.dst = Ipv4Addr::new(203, 0, 113, 7).into();
        elsewhere.1.oif_name = None;
        stream.push(elsewhere);
        let mut failed = base.clone();
        failed.1.err = Some("ENETUNREACH".into());
        failed.1.dev = None;
        failed.1.gw = None;
        failed.1.onlink_fallback = true;
        stream.push(failed.clone());
        let mut walked = failed;
        walked.1.lookups.push(TableLookup {
            table: 51820,
            table_name: "51820".into(),
            err: Some("EAGAIN".into()),
            suppressed: false,
            rule: Some(RuleReport {
                priority: Some(32765),
                text: Some("32765: not from all fwmark 0xca6c lookup 51820".into()),
                method: "kernel",
                reason: None,
                brief: "rule 32765".into(),
            }),
        });
        stream.push(walked);
        let mut marked = base.clone();
        marked.1.mark = Some(1);
        stream.push(marked);
        let mut v6 = base.clone();
        v6.1.family = Family::Inet6;
        v6.1.purpose = Purpose::Input;
        v6.1.dst = Address::scoped("fe80::9".parse().unwrap(), || Some("eth1".into()));
        stream.push(v6);
        stream.push(base);

        let mut writer = RouteWriter::default();
        for (origin, d) in stream {
            let mut fast = Vec::new();
            writer.write(&mut fast, &origin, &d);
            let report = Report {
                origin,
                body: Body::Route(d),
            };
            assert_eq!(
                String::from_utf8(fast).unwrap(),
                serde_json::to_string(&report).unwrap()
            );
        }
    }

    #[test]
    fn matches_serde_for_a_plain_decision() {
        assert_same_as_serde(origin("dhcpd"), decision());
    }

    #[test]
    fn matches_serde_for_a_failed_multi_table_decision() {
        let mut d = decision();
        d.purpose = Purpose::AddressType;
        d.dev = None;
        d.gw = None;
        d.oif_name = None;
        d.iif = 0;
        d.iif_name = Some("veth-\"x\"".into());
        d.err = Some("ENETUNREACH".into());
        d.onlink_fallback = true;
        d.lookups.insert(
            0,
            TableLookup {
                table: 100,
                table_name: "uplink".into(),
                err: Some("EAGAIN".into()),
                suppressed: true,
                rule: Some(RuleReport {
                    priority: Some(32765),
                    text: Some("32765: not from all fwmark 0xca6c lookup 51820".into()),
                    method: "reconstructed",
                    reason: None,
                    brief: "rule 32765 not fwmark 0xca6c -> table 51820".into(),
                }),
            },
        );
        assert_same_as_serde(origin("we\"ird\\na\tme\u{1}"), d);
    }

    #[test]
    fn matches_serde_for_an_ipv6_decision_with_scopes() {
        let mut d = decision();
        d.family = Family::Inet6;
        d.dst = Address::scoped("fe80::9".parse().unwrap(), || Some("eth1".into()));
        d.src = Address::scoped("2001:db8:0:2::2".parse().unwrap(), || None);
        d.gw = Some(Address::scoped("fe80::1".parse().unwrap(), || {
            Some("we\"ird".into())
        }));
        d.flowlabel = Some(0xbeef);
        assert_same_as_serde(origin("curl"), d);
    }

    #[test]
    fn matches_serde_for_input_and_no_lookups() {
        let mut d = decision();
        d.purpose = Purpose::Input;
        d.iif = 7;
        d.lookups.clear();
        assert_same_as_serde(origin("ünïcode"), d);
    }
}
