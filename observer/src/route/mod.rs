//! Groups FIB table lookups into route decisions.
//!
//! Without policy rules the kernel consults one (merged) table per decision. With rules it
//! walks them and looks up one table after another on the same CPU, in the same task, for the
//! same flow: a table without a match answers `-EAGAIN` and the walk goes on. A decision is
//! complete at the first lookup that answers anything else; one that only ever sees `-EAGAIN`
//! is complete when no further lookup follows (see [`RouteGrouper::flush_idle`]).
//!
//! A decision that failed on an output lookup bound to an interface (`oif` set) is where the
//! kernel's *on-link fallback* applies (`ip_route_output_key_hash_rcu` in
//! `net/ipv4/route.c`): instead of failing with `ENETUNREACH`, as the SO_BINDTODEVICE seed note
//! says, it assumes the destination is directly reachable on that interface and sends there.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use smallvec::{smallvec, SmallVec};
use sockabi::event::NetnsSource;

use crate::enrich::errno::{self, FIB_NO_MATCH};
use crate::enrich::intern::Interner;
use crate::enrich::name::Name;
use crate::enrich::tables::TableNames;
use crate::policy::{End, FlowKeys, Method, RuleRef, Walk};
use crate::trace::FlowFields;

mod address;
mod lookup;

pub use address::Address;
pub use lookup::{Family, Flow, Lookup};

/// `LOOPBACK_IFINDEX`: the `iif` of every locally generated (output) lookup.
const LOOPBACK_IFINDEX: i32 = 1;

/// One table consulted during a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableLookup {
    /// Table id.
    pub table: u32,
    /// Table name (`main`, `local`, or from rt_tables).
    pub table_name: Name,
    /// `null` on a match, `EAGAIN` for "no match here, go on", else the route's error.
    pub err: Option<Cow<'static, str>>,
    /// The table had a route, but the rule refused it (`suppress_prefixlength`,
    /// `suppress_ifgroup`) and the walk went on.
    pub suppressed: bool,
    /// The policy rule that led the kernel to this table; `None` when the namespace has no
    /// custom rules (the kernel then consults none: it looks up `main`, with the `local`
    /// routes merged into it, directly).
    pub rule: Option<RuleReport>,
}

/// A policy rule, as `ip rule show` prints it, and how bindscope knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleReport {
    /// Its priority (`None`: unknown).
    pub priority: Option<u32>,
    /// The rule as `ip rule show` prints it (`32765: not from all fwmark 0xca6c lookup
    /// 51820`); `None`: unknown.
    pub text: Option<Arc<str>>,
    /// `kernel` (captured in the kernel), `reconstructed` (the namespace's rule list walked as
    /// the kernel does, in agreement with the tables it looked up) or `unknown`.
    pub method: &'static str,
    /// Why it is unknown (rules changed meanwhile, a selector bindscope cannot see, ...).
    pub reason: Option<String>,
    /// The short form for the table (`rule 32765 not fwmark 0xca6c -> table 51820`).
    #[serde(skip)]
    pub brief: Arc<str>,
}

impl RuleReport {
    /// The rule of priority `priority`, captured in the kernel, checked against the
    /// `reconstructed` one: the rule list names it where the two agree; where they do not,
    /// the kernel's priority stands and `reason` says what the reconstruction found.
    fn captured(priority: u32, reconstructed: Option<RuleReport>) -> Self {
        match reconstructed {
            Some(r) if r.priority == Some(priority) => RuleReport {
                method: "kernel",
                reason: None,
                ..r
            },
            other => RuleReport {
                priority: Some(priority),
                text: None,
                method: "kernel",
                reason: Some(format!(
                    "the rule list walked in user space points to {}",
                    other
                        .and_then(|r| r.text.map(|t| t.to_string()).or(r.reason))
                        .unwrap_or_else(|| "no rule (no custom rules)".into())
                )),
                brief: format!("rule {priority}").into(),
            },
        }
    }

    fn of(rule: &RuleRef) -> Self {
        let (method, reason) = match &rule.method {
            Method::Kernel => ("kernel", None),
            Method::Reconstructed | Method::NoCustomRules => ("reconstructed", None),
            Method::Unknown { reason } => ("unknown", Some(reason.clone())),
        };
        RuleReport {
            priority: rule.priority,
            text: rule.text.clone(),
            method,
            reason,
            brief: rule.brief.clone(),
        }
    }
}

/// Why the kernel looked the route up, told apart by the flow's input interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// Locally generated traffic (`iif` is loopback): where will this socket's packets go?
    Output,
    /// A received packet (`iif` is the interface it came in on): deliver or forward it?
    Input,
    /// No interface at all (`iif` 0): the kernel asking what type an address is (local,
    /// broadcast, ...), e.g. for `bind()`; not a routing decision for traffic.
    AddressType,
}

impl Purpose {
    fn of(iif: i32) -> Self {
        match iif {
            0 => Purpose::AddressType,
            LOOPBACK_IFINDEX => Purpose::Output,
            _ => Purpose::Input,
        }
    }
}

/// A whole route decision: the flow asked about, the tables consulted, and the outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteDecision {
    /// IPv4 or IPv6.
    pub family: Family,
    /// Output, input, or an address-type check.
    pub purpose: Purpose,
    /// The table that decided (the last one consulted).
    pub table: u32,
    /// Its name.
    pub table_name: Name,
    /// Destination (with its interface where it is an IPv6 link-scoped address: the
    /// requested `oif`, else the chosen device).
    pub dst: Address,
    /// Source (0.0.0.0 or `::` when the kernel has not chosen one yet).
    pub src: Address,
    /// Requested output interface (0: any).
    pub oif: i32,
    /// Its name in the event's namespace.
    pub oif_name: Option<Name>,
    /// Input interface (1 = loopback: locally generated).
    pub iif: i32,
    /// Its name.
    pub iif_name: Option<Name>,
    /// IP protocol of the flow.
    pub proto: u8,
    /// TOS of the flow: the DS field as `flowi4_tos` (`flowi4_dscp` from Linux 6.18) holds
    /// it; for IPv6 the traffic class.
    pub tos: u8,
    /// The DSCP in it (`tos >> 2`): what `ip rule ... dsfield`/`tos` selects on.
    pub dscp: u8,
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
    /// The IPv6 flow label; `None` for IPv4.
    pub flowlabel: Option<u32>,
    /// The flow's firewall mark (`SO_MARK`, netfilter); `None` where this kernel's route hook
    /// cannot read it (the classic tracepoint).
    pub mark: Option<u32>,
    /// The flow's uid (the socket owner's); `None` where this kernel's route hook cannot read
    /// it.
    pub uid: Option<u32>,
    /// The flow's L3 master device (a VRF's ifindex; 0: none); `None` before Linux 5.18 or
    /// where the hook cannot read it.
    pub l3mdev: Option<i32>,
    /// How the event's `netns` (the namespace whose FIB was consulted) was found:
    /// `next-hop` (exact), `received` (the device the packet came in on), `task` (the
    /// task's own namespace), or `unknown`.
    pub netns_source: &'static str,
    /// The chosen device (`None` when the decision failed).
    pub dev: Option<Name>,
    /// The chosen gateway (`None` when directly connected or failed); an IPv6 link-local
    /// gateway is scoped to the chosen device.
    pub gw: Option<Address>,
    /// `None` on success, else the error name (`ENETUNREACH` when every table missed).
    pub err: Option<Cow<'static, str>>,
    /// The kernel will assume the destination is on-link on `oif` instead of failing.
    pub onlink_fallback: bool,
    /// Every table consulted, in order.
    pub lookups: TableLookups,
    /// The rule whose action ended the decision without a table lookup (`unreachable`,
    /// `prohibit`, `blackhole`): its error is the decision's. Boxed: rare, and a report is
    /// moved a few times on its way out, by the hundred thousand a second.
    pub rule_action: Option<Box<RuleReport>>,
}

/// The tables a decision consulted, as reported: inline when it is one, as it is for nearly
/// every decision without custom rules, so that a report costs no allocation.
pub type TableLookups = SmallVec<[TableLookup; 1]>;

/// A decision's table lookups (table id, result), in order. Inline up to two, the most a
/// decision without custom rules makes (IPv6: local, main), so that most decisions cost no
/// allocation.
pub type Lookups = SmallVec<[(u32, i32); 2]>;

/// The rule priority captured in the kernel for each of a decision's lookups, where it was.
pub type Captured = SmallVec<[Option<u32>; 2]>;

/// A decision still collecting lookups.
struct Pending<L> {
    flow: Flow,
    /// A hit does not end this decision (see [`RouteGrouper::push`]).
    hold_hits: bool,
    /// The decision so far.
    decision: Finished<L>,
}

/// Collects lookups of one family per (task, CPU) and hands out whole decisions.
pub struct RouteGrouper<L> {
    pending: HashMap<(u32, u32), Pending<L>>,
}

impl<L> Default for RouteGrouper<L> {
    fn default() -> Self {
        RouteGrouper {
            pending: HashMap::new(),
        }
    }
}

/// A finished decision with the raw first event (for the header: who, where, when).
#[derive(Clone)]
pub struct Finished<L> {
    /// The first lookup of the decision.
    pub first: L,
    /// The last lookup (the one that decided).
    pub last: L,
    /// Table ids and errors, in order.
    pub lookups: Lookups,
    /// The rule priority the kernel side captured for each lookup, where it did.
    pub captured: Captured,
}

impl<L: Lookup> RouteGrouper<L> {
    /// Adds a lookup, and hands `done` the decisions it completes, oldest first: the previous
    /// one of this task, if it was for another flow, and/or this one. By reference, where
    /// they are built: a decision holds two raw records, and this runs for every event.
    ///
    /// With `hold_hits` (the namespace has a rule that can refuse a route: `suppress_*`), a
    /// decision is not complete at its first hit either: a refused hit is followed by the
    /// lookup of a later rule's table. A lookup of the decision's first table again starts a
    /// new decision (a walk goes down the rules, and every walk starts at the first).
    pub fn push(&mut self, event: &L, hold_hits: bool, mut done: impl FnMut(&Finished<L>)) {
        let header = event.header();
        let key = (header.tid.get(), header.cpu.get());
        let flow = event.flow();
        let err = event.result();
        let table = event.table();
        // Without policy rules nothing is ever pending: no need to hash the key.
        let open = match self.pending.is_empty() {
            true => None,
            false => self.pending.remove(&key),
        };
        match open {
            Some(mut p)
                if p.flow == flow
                    && (p
                        .decision
                        .lookups
                        .last()
                        .is_some_and(|l| l.1 == FIB_NO_MATCH)
                        || (p.hold_hits && p.decision.lookups[0].0 != table)) =>
            {
                p.decision.lookups.push((table, err));
                p.decision.captured.push(event.captured_rule());
                p.decision.last = *event;
                return self.finish_unless_open(key, p, done);
            }
            Some(other) => done(&other.decision),
            None => {}
        }
        let p = Pending {
            flow,
            hold_hits,
            decision: Finished {
                first: *event,
                last: *event,
                lookups: smallvec![(table, err)],
                captured: smallvec![event.captured_rule()],
            },
        };
        self.finish_unless_open(key, p, done);
    }

    /// Hands `done` the decision, complete unless the walk may go on: its last lookup missed
    /// (`-EAGAIN`), or hit where a rule may refuse the route. Then it waits under `key`.
    fn finish_unless_open(
        &mut self,
        key: (u32, u32),
        p: Pending<L>,
        mut done: impl FnMut(&Finished<L>),
    ) {
        let open = p
            .decision
            .lookups
            .last()
            .is_some_and(|l| l.1 == FIB_NO_MATCH || (p.hold_hits && l.1 == 0));
        if open {
            self.pending.insert(key, p);
        } else {
            done(&p.decision);
        }
    }

    /// Completes decisions whose last lookup is older than `idle_ns` at monotonic time `now_ns`
    /// (all of them with `idle_ns == 0`, e.g. at exit).
    pub fn flush_idle(&mut self, now_ns: u64, idle_ns: u64) -> Vec<Finished<L>> {
        let stale: Vec<_> = self
            .pending
            .iter()
            .filter(|(_, p)| now_ns.saturating_sub(p.decision.last.header().ts_ns.get()) >= idle_ns)
            .map(|(k, _)| *k)
            .collect();
        let mut done: Vec<_> = stale
            .iter()
            .filter_map(|k| self.pending.remove(k))
            .map(|p| p.decision)
            .collect();
        done.sort_by_key(|f| f.first.header().ts_ns.get());
        done
    }
}

/// How trustworthy a lookup's namespace is, best first (see [`NetnsSource`]).
fn netns_rank(e: &impl Lookup) -> u8 {
    match NetnsSource::from_u8(e.whose().1) {
        Some(NetnsSource::NextHop | NetnsSource::Lookup) => 0,
        Some(NetnsSource::Received) => 1,
        Some(NetnsSource::Task) => 2,
        Some(NetnsSource::Unknown) | None => 3,
    }
}

/// `netns_source` as the NDJSON schema spells it.
fn netns_source_name(e: &impl Lookup) -> &'static str {
    match NetnsSource::from_u8(e.whose().1) {
        Some(NetnsSource::NextHop) => "next-hop",
        Some(NetnsSource::Lookup) => "lookup",
        Some(NetnsSource::Received) => "received",
        Some(NetnsSource::Task) => "task",
        Some(NetnsSource::Unknown) | None => "unknown",
    }
}

impl<L: Lookup> Finished<L> {
    /// The flow keys policy rules select on, as the decision's last lookup carried them;
    /// `None` where this kernel's route hook reads no mark or uid (a rule walk without them
    /// could only guess).
    pub fn flow_keys(&self, fields: FlowFields) -> Option<FlowKeys> {
        let e = &self.last;
        let (src, dst) = (e.src(), e.dst());
        let (mark, uid, l3mdev) = e.keys();
        let (sport, dport) = e.ports();
        (fields.mark && fields.uid).then(|| FlowKeys {
            iif: e.iif(),
            oif: e.oif(),
            mark,
            uid,
            tos: e.tos(),
            proto: e.proto(),
            sport,
            dport,
            src,
            dst,
            l3mdev: fields.l3mdev.then_some(l3mdev),
        })
    }

    /// The lookup whose namespace stands for the whole decision (all its lookups consulted
    /// one namespace's FIB): the last one if it found it as well as the first, else the first.
    /// A decision that ends in a match names its namespace exactly, from the next hop.
    pub fn namespace_event(&self) -> &L {
        if netns_rank(&self.last) <= netns_rank(&self.first) {
            &self.last
        } else {
            &self.first
        }
    }

    /// Builds the report; `names` resolves an ifindex in the namespace of
    /// [`namespace_event`](Self::namespace_event); `fields` says which flow fields this
    /// kernel's route hook reads.
    pub fn decision(
        &self,
        tables: &TableNames,
        devices: &mut Interner,
        fields: FlowFields,
        walk: Option<&Walk>,
        mut names: impl FnMut(i32) -> Option<Name>,
    ) -> RouteDecision {
        let rule_action = walk.and_then(|w| match &w.end {
            End::Action { rule, error } => Some((RuleReport::of(rule), *error)),
            _ => None,
        });
        let last = &self.last;
        // A rule's action (prohibit, unreachable, blackhole) decides when it ended the walk.
        let err = rule_action
            .as_ref()
            .map_or(last.result(), |&(_, error)| error);
        let failed = err != 0;
        let (oif, iif) = (last.oif(), last.iif());
        let dev = devices.get(last.dev());
        let dev = (!failed && !dev.is_empty() && &*dev != "-").then_some(dev);
        // Where the route found goes through the requested device, the device name the
        // kernel gave with the lookup is that device's name then: right even if the device
        // was renamed or deleted before the event was decoded, and no name to look up.
        // Otherwise the name is looked up now, in the event's namespace.
        let oif_name = match &dev {
            Some(dev) if last.route_is_through_oif() => Some(dev.clone()),
            _ => names(oif),
        };
        let gw = last.gw();
        let (mark, uid, l3mdev) = last.keys();
        let (sport, dport) = last.ports();
        let tos = last.tos();
        // A link-scoped destination is scoped to the interface asked for, else the one chosen.
        let dst = Address::scoped(last.dst(), || oif_name.clone().or_else(|| dev.clone()));
        let src = Address::scoped(last.src(), || dev.clone().or_else(|| oif_name.clone()));
        RouteDecision {
            family: L::FAMILY,
            purpose: Purpose::of(iif),
            table: last.table(),
            table_name: tables.name(last.table()),
            dst,
            src,
            oif,
            oif_name,
            iif,
            iif_name: if iif == LOOPBACK_IFINDEX {
                None
            } else {
                names(iif)
            },
            proto: last.proto(),
            tos,
            dscp: tos >> 2,
            sport,
            dport,
            flowlabel: last.flowlabel(),
            mark: fields.mark.then_some(mark),
            uid: fields.uid.then_some(uid),
            l3mdev: fields.l3mdev.then_some(l3mdev),
            netns_source: netns_source_name(self.namespace_event()),
            gw: if failed || gw.is_unspecified() {
                None
            } else {
                Some(Address::scoped(gw, || dev.clone()))
            },
            dev,
            // Every table missing is what fib_lookup turns into ENETUNREACH (and IPv6's
            // "no route" entry carries).
            err: failed.then(|| {
                if err == FIB_NO_MATCH {
                    "ENETUNREACH".into()
                } else {
                    errno::describe(i64::from(err))
                }
            }),
            // IPv4 only: IPv6 has no such fallback, a bound lookup without a route fails.
            onlink_fallback: failed
                && oif != 0
                && iif == LOOPBACK_IFINDEX
                && L::FAMILY == Family::Inet,
            lookups: self
                .lookups
                .iter()
                .enumerate()
                .map(|(i, &(table, err))| {
                    let attributed = walk.and_then(|w| w.lookups.get(i));
                    let reconstructed = attributed
                        .filter(|a| a.rule.method != Method::NoCustomRules)
                        .map(|a| RuleReport::of(&a.rule));
                    TableLookup {
                        table,
                        table_name: tables.name(table),
                        err: (err != 0).then(|| errno::describe(i64::from(err))),
                        suppressed: attributed.is_some_and(|a| a.suppressed),
                        rule: match self.captured.get(i).copied().flatten() {
                            Some(priority) => Some(RuleReport::captured(priority, reconstructed)),
                            None => reconstructed,
                        },
                    }
                })
                .collect(),
            rule_action: rule_action.map(|(rule, _)| Box::new(rule)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sockabi::event::RouteEvent;
    use std::net::Ipv4Addr;
    use zerocopy::FromZeros;

    impl Finished<RouteEvent> {
        /// The decision, with no policy walk and default flow fields.
        fn decide(&self, names: impl FnMut(i32) -> Option<Name>) -> RouteDecision {
            self.decision(
                &TableNames::default(),
                &mut Interner::default(),
                FlowFields::default(),
                None,
                names,
            )
        }
    }

    /// The decisions `event` completes.
    fn pushed(
        g: &mut RouteGrouper<RouteEvent>,
        event: &RouteEvent,
        hold_hits: bool,
    ) -> Vec<Finished<RouteEvent>> {
        let mut done = Vec::new();
        g.push(event, hold_hits, |f| done.push(f.clone()));
        done
    }

    fn lookup(tid: u32, ts: u64, table: u32, err: i32, oif: i32) -> RouteEvent {
        let mut e = RouteEvent::new_zeroed();
        e.header.tid.set(tid);
        e.header.ts_ns.set(ts);
        e.tb_id.set(table);
        e.err.set(err);
        e.oif.set(oif);
        e.iif.set(LOOPBACK_IFINDEX);
        e.dst = [198, 51, 100, 159];
        if err == 0 {
            e.dev[..4].copy_from_slice(b"eth1");
            e.gw4 = [192, 0, 2, 193];
        }
        e
    }

    #[test]
    fn single_table_success_is_one_decision() {
        let mut g = RouteGrouper::default();
        let done: Vec<_> = pushed(&mut g, &lookup(7, 1, 254, 0, 0), false);
        assert_eq!(done.len(), 1);
        let d = done[0].decide(|_| None);
        assert_eq!(&*d.table_name, "main");
        assert_eq!(d.dev.as_deref(), Some("eth1"));
        assert_eq!(d.gw, Some(Address::from(Ipv4Addr::new(192, 0, 2, 193))));
        assert_eq!(d.family, Family::Inet);
        assert!(!d.onlink_fallback);
    }

    #[test]
    fn policy_walk_groups_misses_with_the_match() {
        let mut g = RouteGrouper::default();
        assert!(pushed(&mut g, &lookup(7, 1, 255, FIB_NO_MATCH, 0), false).is_empty());
        assert!(pushed(&mut g, &lookup(7, 2, 100, FIB_NO_MATCH, 0), false).is_empty());
        let done: Vec<_> = pushed(&mut g, &lookup(7, 3, 254, 0, 0), false);
        assert_eq!(done.len(), 1);
        let d = done[0].decide(|_| None);
        let tables: Vec<u32> = d.lookups.iter().map(|l| l.table).collect();
        assert_eq!(tables, [255, 100, 254]);
        assert_eq!(d.lookups[0].err.as_deref(), Some("EAGAIN"));
        assert_eq!(d.err, None);
    }

    #[test]
    fn a_bound_match_names_oif_as_the_kernel_did_then() {
        // Bound to index 3, routed through it: the kernel named the device eth1 at the
        // lookup; it has been renamed wan1 (or deleted) since.
        let mut g = RouteGrouper::default();
        let done: Vec<_> = pushed(&mut g, &lookup(7, 1, 254, 0, 3), false);
        let renamed = done[0].decide(|i| (i == 3).then(|| "wan1".into()));
        assert_eq!(renamed.oif_name.as_deref(), Some("eth1"));
        let deleted = done[0].decide(|_| None);
        assert_eq!(deleted.oif_name.as_deref(), Some("eth1"));
        // A VRF's lookup before 5.18 (FLOWI_FLAG_SKIP_NH_OIF) may go through another device
        // than its oif: oif is named by its index.
        let mut vrf = lookup(8, 1, 254, 0, 3);
        vrf.flags = 0x04;
        let done: Vec<_> = pushed(&mut g, &vrf, false);
        let d = done[0].decide(|i| (i == 3).then(|| "blue".into()));
        assert_eq!(d.oif_name.as_deref(), Some("blue"));
        assert_eq!(d.dev.as_deref(), Some("eth1"));
    }

    #[test]
    fn bound_miss_is_an_onlink_fallback_after_idle() {
        let mut g = RouteGrouper::default();
        assert!(pushed(&mut g, &lookup(9, 100, 254, FIB_NO_MATCH, 4), false).is_empty());
        assert!(g.flush_idle(101, 1_000).is_empty());
        let done = g.flush_idle(2_000, 1_000);
        assert_eq!(done.len(), 1);
        let d = done[0].decide(|i| (i == 4).then(|| "eth2".into()));
        assert_eq!(d.err.as_deref(), Some("ENETUNREACH"));
        assert!(d.onlink_fallback);
        assert_eq!(d.oif_name.as_deref(), Some("eth2"));
        assert_eq!(d.dev, None);
    }

    #[test]
    fn a_suppressed_hit_continues_and_a_new_walk_starts_at_the_first_table() {
        let mut g = RouteGrouper::default();
        // local misses, main's default is refused (suppress_prefixlength 0), 51820 decides.
        assert!(pushed(&mut g, &lookup(7, 1, 255, FIB_NO_MATCH, 0), true).is_empty());
        assert!(pushed(&mut g, &lookup(7, 2, 254, 0, 0), true).is_empty());
        assert!(pushed(&mut g, &lookup(7, 3, 51820, 0, 0), true).is_empty());
        // The same flow again, from the local table: the first decision is complete.
        let done: Vec<_> = pushed(&mut g, &lookup(7, 4, 255, FIB_NO_MATCH, 0), true);
        assert_eq!(done.len(), 1);
        assert_eq!(
            done[0].lookups[..],
            [(255, FIB_NO_MATCH), (254, 0), (51820, 0)]
        );
        assert_eq!(g.flush_idle(u64::MAX, 0).len(), 1);
    }

    #[test]
    fn another_flow_closes_the_previous_decision() {
        let mut g = RouteGrouper::default();
        assert!(pushed(&mut g, &lookup(7, 1, 254, FIB_NO_MATCH, 0), false).is_empty());
        let mut other = lookup(7, 2, 254, 0, 0);
        other.dst = [203, 0, 113, 9];
        let done: Vec<_> = pushed(&mut g, &other, false);
        assert_eq!(done.len(), 2);
        assert!(!done[0].decide(|_| None).onlink_fallback);
    }
}
