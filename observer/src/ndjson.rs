//! Hand-written NDJSON for route decisions, the event type that comes by the hundred thousand
//! per second.
//!
//! Serializing a [`Report`] with serde (flattened origin and body, `type` tag) costs about a
//! microsecond per decision: every key goes through serde_json's string escaper and every
//! piece is a separate write. Here the keys are constants, numbers go through `itoa`, and only
//! the few free-form strings (task and device names) are checked for escaping. The output is
//! byte-for-byte serde's (the tests compare the two), so the schema has one definition: the
//! serde derives on [`Report`] and [`RouteDecision`], which every other event type still uses.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};

#[cfg(test)]
use crate::decode::Attribution;
use crate::decode::{Context, Origin};
use crate::route::{Address, Family, Purpose, RouteDecision, RuleReport, TableLookup};

/// Appends `origin` + `decision` as one JSON object (no newline), exactly as
/// `serde_json::to_writer(Report { origin, body: Body::Route(decision) })` would.
pub fn write_route(out: &mut Vec<u8>, origin: &Origin, d: &RouteDecision) {
    out.extend_from_slice(b"{\"ts_ns\":");
    int(out, origin.ts_ns);
    out.extend_from_slice(match origin.context {
        Context::Task => b",\"context\":\"task\",\"pid\":",
        Context::Softirq => b",\"context\":\"softirq\",\"pid\":",
    });
    optional_int(out, origin.pid);
    out.extend_from_slice(b",\"tid\":");
    optional_int(out, origin.tid);
    out.extend_from_slice(b",\"comm\":");
    optional_string(out, origin.comm.as_deref());
    out.extend_from_slice(b",\"netns\":");
    int(out, origin.netns);
    out.extend_from_slice(b",\"netns_name\":");
    let a = &origin.attribution;
    optional_string(out, a.netns_name());
    out.extend_from_slice(b",\"cgroup\":");
    optional_string(out, a.cgroup());
    out.extend_from_slice(b",\"container_id\":");
    optional_string(out, a.container_id());
    out.extend_from_slice(b",\"pod_uid\":");
    optional_string(out, a.pod_uid());
    out.extend_from_slice(match d.family {
        Family::Inet => b",\"type\":\"route\",\"family\":\"inet\",\"purpose\":",
        Family::Inet6 => b",\"type\":\"route\",\"family\":\"inet6\",\"purpose\":",
    });
    out.extend_from_slice(match d.purpose {
        Purpose::Output => b"\"output\"",
        Purpose::Input => b"\"input\"",
        Purpose::AddressType => b"\"address-type\"",
    });
    out.extend_from_slice(b",\"table\":");
    int(out, d.table);
    out.extend_from_slice(b",\"table_name\":");
    string(out, &d.table_name);
    out.extend_from_slice(b",\"dst\":");
    address(out, &d.dst);
    out.extend_from_slice(b",\"src\":");
    address(out, &d.src);
    out.extend_from_slice(b",\"oif\":");
    int(out, d.oif);
    out.extend_from_slice(b",\"oif_name\":");
    optional_string(out, d.oif_name.as_deref());
    out.extend_from_slice(b",\"iif\":");
    int(out, d.iif);
    out.extend_from_slice(b",\"iif_name\":");
    optional_string(out, d.iif_name.as_deref());
    out.extend_from_slice(b",\"proto\":");
    int(out, d.proto);
    out.extend_from_slice(b",\"tos\":");
    int(out, d.tos);
    out.extend_from_slice(b",\"dscp\":");
    int(out, d.dscp);
    out.extend_from_slice(b",\"sport\":");
    int(out, d.sport);
    out.extend_from_slice(b",\"dport\":");
    int(out, d.dport);
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
    optional_string(out, d.dev.as_deref());
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
    string(out, &l.table_name);
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
            lookups: vec![TableLookup {
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
            comm: Some(comm.into()),
            netns: 4026531840,
            attribution: Attribution::new(
                Some("h\"1".into()),
                Some(std::sync::Arc::new(crate::container::Container {
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
        write_route(&mut fast, &origin, &d);
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
