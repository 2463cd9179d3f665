//! The rule walk: which policy rule led to each table lookup the kernel made for one route
//! decision, reconstructed from the namespace's rule list and the flow's keys, and checked
//! against the lookups the tracer saw.
//!
//! It does what the kernel does, step by step:
//! - `fib_lookup` (include/net/ip_fib.h): without custom rules (`fib_has_custom_rules`
//!   false), no rule is consulted at all: `main`, which then also holds the `local` routes,
//!   is looked up directly, and `default` after it if that missed.
//! - `fib_rules_lookup` (net/core/fib_rules.c): rules in list order (by priority); a rule
//!   that does not match is passed; `goto` continues at the first rule of the target priority
//!   (or is passed when there is none); `nop` is passed; any other action runs, and the walk
//!   ends unless that returned `-EAGAIN`, or the result was a hit that `fib4_rule_suppress`
//!   refuses. When every rule passed: `-ESRCH`, which `__fib_lookup` reports as
//!   `-ENETUNREACH`.
//! - `fib_rule_match`: iif, oif, mark under its mask, tun_id, l3mdev, uid range, then
//!   `fib4_rule_match`: source and destination prefixes, tos/dscp, ipproto, ports; `not`
//!   inverts the result.
//! - `fib4_rule_action` (net/ipv4/fib_rules.c): `unreachable`, `prohibit` and `blackhole` end
//!   the decision with `-ENETUNREACH`, `-EACCES`, `-EINVAL` and look nothing up; a lookup
//!   rule whose table does not exist returns `-EAGAIN` without a lookup (`fib_get_table`).
//!
//! Where the walk and the observed lookups disagree (the rules changed between the lookup
//! and their dump, or the rule uses a selector bindscope does not see, such as `tun_id`),
//! the lookups from there on are attributed to no rule, with the reason: never a guess.

use std::collections::HashSet;
use std::net::Ipv4Addr;

use super::links::Links;
use super::rule::{Action, Rule};

/// `RT_TABLE_DEFAULT`, `RT_TABLE_MAIN`, `RT_TABLE_LOCAL` (include/uapi/linux/rtnetlink.h).
const TABLE_DEFAULT: u32 = 253;
const TABLE_MAIN: u32 = 254;
const TABLE_LOCAL: u32 = 255;

/// `-EAGAIN`: a table lookup that found no route; the walk goes on.
pub const MISS: i32 = -libc::EAGAIN;

/// The keys of one IPv4 flow (`struct flowi4`) that rules select on, as the tracer read them
/// at the table lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowKeys {
    /// `flowi4_iif`: the input device; `LOOPBACK_IFINDEX` (1) for locally generated flows
    /// (`ip_route_output_key_hash` sets it so).
    pub iif: i32,
    /// `flowi4_oif`: the output device the socket or caller asked for, 0 for none.
    pub oif: i32,
    /// `flowi4_mark` (SO_MARK, or netfilter's mark on a received packet).
    pub mark: u32,
    /// `flowi4_uid`.
    pub uid: u32,
    /// The DS field as `flowi4_tos` (before 6.18) or `flowi4_dscp` (6.18+, ECN bits clear)
    /// holds it: DSCP in the upper six bits.
    pub tos: u8,
    /// `flowi4_proto`.
    pub proto: u8,
    /// `fl4_sport`, in host order.
    pub sport: u16,
    /// `fl4_dport`, in host order.
    pub dport: u16,
    /// `flowi4_saddr`.
    pub src: Ipv4Addr,
    /// `flowi4_daddr`.
    pub dst: Ipv4Addr,
    /// `flowi4_l3mdev` (5.18+): the VRF the flow belongs to, 0 for none. `None` where the
    /// kernel lacks the field; older kernels find the VRF from the oif and iif instead.
    pub l3mdev: Option<i32>,
}

/// How a rule was known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// Captured in the kernel as it walked the rules (where BPF trampolines exist).
    Kernel,
    /// Reconstructed from the namespace's rule list, in agreement with the lookups seen.
    Reconstructed,
    /// The namespace has no custom rules, so the kernel consulted none: it looked up `main`
    /// (which then holds the `local` routes too) and, after a miss there, `default` directly.
    /// The default rules `0: from all lookup local` and `32766: from all lookup main` stand
    /// for that lookup together; which of the two routes answered only the route can tell.
    NoCustomRules,
    /// The walk and the kernel disagree; `reason` says where.
    Unknown {
        /// One sentence: what the walk expected and what the kernel did.
        reason: String,
    },
}

/// The rule that led to a table lookup, or ended a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRef {
    /// The rule's priority; `None` when no single rule is known.
    pub priority: Option<u32>,
    /// The rule as `ip rule show` prints it (`32765: not from all fwmark 0xca6c lookup
    /// 51820`); `None` when no single rule is known.
    pub text: Option<String>,
    /// The short form for the human table (`rule 32765 not fwmark 0xca6c -> table 51820`).
    pub brief: String,
    /// How the rule was known.
    pub method: Method,
}

impl RuleRef {
    /// `rule`, reconstructed.
    pub fn reconstructed(rule: &Rule) -> RuleRef {
        RuleRef {
            priority: Some(rule.priority),
            text: Some(rule.to_string()),
            brief: rule.brief(),
            method: Method::Reconstructed,
        }
    }

    /// No rule is known, for `reason`.
    pub fn unknown(reason: &str) -> RuleRef {
        RuleRef {
            priority: None,
            text: None,
            brief: "rule unknown".into(),
            method: Method::Unknown {
                reason: reason.to_owned(),
            },
        }
    }

    /// A lookup of `table` made without a rule walk (see [`Method::NoCustomRules`]).
    fn no_custom_rules(table: u32) -> RuleRef {
        RuleRef {
            priority: None,
            text: None,
            brief: if table == TABLE_MAIN {
                "no custom rules -> table main (local merged)".into()
            } else {
                "no custom rules -> table default".into()
            },
            method: Method::NoCustomRules,
        }
    }
}

/// The rule behind one observed table lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributed {
    /// The rule that led to the lookup.
    pub rule: RuleRef,
    /// The lookup hit, but the rule's `suppress_prefixlength`/`suppress_ifgroup` refused the
    /// route, so the walk went on (the next lookup shows it did).
    pub suppressed: bool,
}

/// How a decision ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// With the result of observed lookup `index` (the last one): a route, or the error of
    /// an `unreachable`/`prohibit`/`blackhole` route.
    Lookup {
        /// Index into the observed lookups.
        index: usize,
    },
    /// A rule's action ended it without a table lookup, so the tracer saw none.
    Action {
        /// The rule (`unreachable`, `prohibit`, `blackhole`).
        rule: RuleRef,
        /// Its negative errno: `-ENETUNREACH`, `-EACCES`, `-EINVAL`.
        error: i32,
    },
    /// Every rule was passed (`-ESRCH`, reported as `-ENETUNREACH`).
    NoRule {
        /// `-ENETUNREACH`.
        error: i32,
    },
    /// The walk disagrees with the lookups seen; `reason` says where.
    Unknown {
        /// One sentence: what the walk expected and what the kernel did.
        reason: String,
    },
}

/// The walk of one decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Walk {
    /// One per observed lookup, in order.
    pub lookups: Vec<Attributed>,
    /// Rules that matched but whose table does not exist (`-EAGAIN` without a lookup).
    pub missing_tables: Vec<RuleRef>,
    /// How the decision ended.
    pub end: End,
}

impl Walk {
    /// A walk that could not be made (the namespace's rules are unknown, for `reason`):
    /// every lookup is attributed to no rule.
    pub fn unknown(lookups: &[(u32, i32)], reason: String) -> Walk {
        let nothing = Walk {
            lookups: Vec::new(),
            missing_tables: Vec::new(),
            end: End::NoRule {
                error: -libc::ENETUNREACH,
            },
        };
        nothing.diverged(lookups, reason)
    }

    /// The walk disagreed with the kernel from observed lookup `self.lookups.len()` on:
    /// those lookups get no rule, and the end is unknown.
    fn diverged(mut self, lookups: &[(u32, i32)], reason: String) -> Walk {
        let unknown = RuleRef::unknown(&reason);
        self.lookups.resize(
            lookups.len().max(self.lookups.len()),
            Attributed {
                rule: unknown,
                suppressed: false,
            },
        );
        self.end = End::Unknown { reason };
        self
    }
}

/// Walks `rules` (a namespace's IPv4 rule list, in the kernel's order) for `flow`, checking
/// each step against `lookups` (table id, result: 0 hit, `-EAGAIN` miss, other negative
/// errno) as the tracer saw them for one decision. `links` resolves the devices rules name;
/// `known_tables` are tables the kernel was seen looking up in this namespace before (a FIB
/// table lives as long as its namespace), which rules out "the table does not exist".
pub fn walk(
    rules: &[Rule],
    links: &Links,
    known_tables: &HashSet<u32>,
    flow: &FlowKeys,
    lookups: &[(u32, i32)],
) -> Walk {
    let mut walk = Walk {
        lookups: Vec::with_capacity(lookups.len()),
        missing_tables: Vec::new(),
        end: End::NoRule {
            error: -libc::ENETUNREACH,
        },
    };
    if only_default_rules(rules) && lookups.first().is_some_and(|l| l.0 == TABLE_MAIN) {
        return without_rules(walk, lookups);
    }
    let mut index = 0;
    while let Some(rule) = rules.get(index) {
        let l3mdev_table = match selects(rule, links, flow) {
            Verdict::No => {
                index += 1;
                continue;
            }
            Verdict::Unknown(reason) => return walk.diverged(lookups, reason),
            Verdict::Yes { l3mdev_table } => l3mdev_table,
        };
        match rule.action {
            Action::Goto => {
                // `ctarget`: the first rule of the target priority; none: passed.
                index = rule
                    .goto
                    .filter(|_| !rule.unresolved)
                    .and_then(|target| rules.iter().position(|r| r.priority == target))
                    .filter(|&target| target > index)
                    .unwrap_or(index + 1);
                continue;
            }
            Action::Nop => {
                index += 1;
                continue;
            }
            Action::ToTable => {}
            action => {
                let error = action.error().unwrap_or(-libc::EINVAL);
                if let Some(&(table, _)) = lookups.get(walk.lookups.len()) {
                    let reason = format!(
                        "rule {} ends the decision without a lookup, but the kernel looked up \
                         table {table}: the rules changed, or a selector differs",
                        rule.priority
                    );
                    return walk.diverged(lookups, reason);
                }
                walk.end = End::Action {
                    rule: RuleRef::reconstructed(rule),
                    error,
                };
                return walk;
            }
        }
        // fib_rule_get_table, then fib_get_table: table 0 is main.
        let table = match if rule.l3mdev {
            l3mdev_table
        } else {
            rule.table
        } {
            0 => TABLE_MAIN,
            t => t,
        };
        let next = walk.lookups.len();
        match lookups.get(next) {
            Some(&(seen, result)) if seen == table => {
                walk.lookups.push(Attributed {
                    rule: RuleRef::reconstructed(rule),
                    suppressed: false,
                });
                let more = next + 1 < lookups.len();
                if result == MISS || (result == 0 && more && rule.suppresses()) {
                    walk.lookups[next].suppressed = result == 0;
                    index += 1;
                    continue;
                }
                if more {
                    let reason = format!(
                        "rule {}'s lookup in table {table} ended the decision, but the kernel \
                         looked up table {} after it: the rules changed, or a selector differs",
                        rule.priority,
                        lookups[next + 1].0
                    );
                    return walk.diverged(lookups, reason);
                }
                walk.end = End::Lookup { index: next };
                return walk;
            }
            seen => {
                let exists = known_tables.contains(&table)
                    || lookups[..next].iter().any(|&(t, _)| t == table);
                if exists {
                    let reason = match seen {
                        Some(&(other, _)) => format!(
                            "rule {} leads to table {table}, but the kernel looked up table \
                             {other}: the rules changed, or a selector differs",
                            rule.priority
                        ),
                        None => format!(
                            "rule {} leads to table {table}, but the kernel looked up no \
                             further table: the rules changed, or a selector differs",
                            rule.priority
                        ),
                    };
                    return walk.diverged(lookups, reason);
                }
                walk.missing_tables.push(RuleRef::reconstructed(rule));
                index += 1;
            }
        }
    }
    if let Some(&(table, _)) = lookups.get(walk.lookups.len()) {
        let reason = format!(
            "no rule leads to table {table}, which the kernel looked up: the rules changed, or \
             a selector differs"
        );
        return walk.diverged(lookups, reason);
    }
    walk
}

/// Whether `rules` are exactly those `fib_default_rules_init` installs: the list of a
/// namespace in which `fib_has_custom_rules` may still be false.
fn only_default_rules(rules: &[Rule]) -> bool {
    let defaults = [
        (0, TABLE_LOCAL),
        (0x7ffe, TABLE_MAIN),
        (0x7fff, TABLE_DEFAULT),
    ];
    rules.len() == defaults.len()
        && rules.iter().zip(defaults).all(|(rule, (priority, table))| {
            let mut plain = Rule::lookup(priority, table);
            plain.protocol = rule.protocol;
            *rule == plain
        })
}

/// `fib_lookup` without custom rules: main, then default after any failure in main; a final
/// `-EAGAIN` is reported as `-ENETUNREACH`.
fn without_rules(mut walk: Walk, lookups: &[(u32, i32)]) -> Walk {
    walk.lookups.push(Attributed {
        rule: RuleRef::no_custom_rules(TABLE_MAIN),
        suppressed: false,
    });
    if lookups[0].1 != 0 {
        if let Some(&(TABLE_DEFAULT, _)) = lookups.get(1) {
            walk.lookups.push(Attributed {
                rule: RuleRef::no_custom_rules(TABLE_DEFAULT),
                suppressed: false,
            });
        }
    }
    if let Some(&(table, _)) = lookups.get(walk.lookups.len()) {
        let reason = format!(
            "the namespace has no custom rules, so the kernel looks up main and default only, \
             but it looked up table {table}: the rules changed"
        );
        return walk.diverged(lookups, reason);
    }
    let last = walk.lookups.len() - 1;
    walk.end = if lookups[last].1 == MISS {
        End::NoRule {
            error: -libc::ENETUNREACH,
        }
    } else {
        End::Lookup { index: last }
    };
    walk
}

/// Whether a rule selects a flow.
enum Verdict {
    /// It does; an `l3mdev` rule also found the VRF's table.
    Yes {
        l3mdev_table: u32,
    },
    No,
    /// It depends on something bindscope does not see.
    Unknown(String),
}

/// `fib_rule_match` with `fib4_rule_match`. The kernel stops at the first selector that
/// fails; all are conjunctive, so a selector that bindscope cannot evaluate leaves the answer
/// unknown only when every other selector passes.
fn selects(rule: &Rule, links: &Links, flow: &FlowKeys) -> Verdict {
    let p = rule.priority;
    let mut l3mdev_table = 0;
    let mut checks: Vec<Result<bool, String>> = vec![
        device(
            rule,
            rule.iif.as_deref(),
            rule.iif_detached,
            flow.iif,
            links,
            flow,
        ),
        device(
            rule,
            rule.oif.as_deref(),
            rule.oif_detached,
            flow.oif,
            links,
            flow,
        ),
        Ok((rule.fwmark.unwrap_or(0) ^ flow.mark) & rule.mark_mask() == 0),
    ];
    if let Some(id) = rule.tun_id {
        checks.push(Err(format!(
            "rule {p} selects on tun_id {id}, which bindscope does not trace"
        )));
    }
    if rule.l3mdev {
        if rule.invert {
            checks.push(Err(format!(
                "rule {p} is an inverted l3mdev rule, whose table the kernel leaves unset"
            )));
        }
        match l3mdev_of(links, flow) {
            Ok(Some(table)) => l3mdev_table = table,
            Ok(None) => checks.push(Ok(false)),
            Err(reason) => checks.push(Err(format!("rule {p}: {reason}"))),
        }
    }
    if let Some((start, end)) = rule.uid_range {
        checks.push(Ok(start <= flow.uid && flow.uid <= end));
    }
    checks.push(Ok(prefix(rule.src, flow.src) && prefix(rule.dst, flow.dst)));
    if rule.tos != 0 {
        // 6.x: the rule's TOS against the flow's DS field under INET_DSCP_LEGACY_TOS_MASK
        // (fib_dscp_masked_match); older kernels compared the whole flowi4_tos, which could
        // also carry an ECN bit or RTO_ONLINK in its two low bits.
        checks.push(if flow.tos & 0x03 == 0 && rule.tos & 0x03 == 0 {
            Ok(flow.tos & 0x1c == rule.tos)
        } else {
            Err(format!(
                "rule {p} selects tos {:#x} and the flow's DS field {:#x} has low bits set, \
                 which kernels compare differently",
                rule.tos, flow.tos
            ))
        });
    }
    if let Some(dscp) = rule.dscp {
        let mask = dscp.mask.unwrap_or(0x3f) << 2;
        checks.push(Ok(((dscp.value << 2) ^ flow.tos) & mask == 0));
    }
    if let Some(proto) = rule.ip_proto {
        checks.push(Ok(proto == flow.proto));
    }
    checks.push(Ok(
        ports(rule.sport, flow.sport) && ports(rule.dport, flow.dport)
    ));
    let matched = if checks.contains(&Ok(false)) {
        false
    } else if let Some(Err(reason)) = checks.into_iter().find(Result::is_err) {
        return Verdict::Unknown(reason);
    } else {
        true
    };
    if matched != rule.invert {
        Verdict::Yes { l3mdev_table }
    } else {
        Verdict::No
    }
}

/// An iif/oif selector: the flow's index against the index the name resolves to now. A name
/// with no device (`[detached]`) resolves to -1, which no flow has.
fn device(
    rule: &Rule,
    name: Option<&str>,
    detached: bool,
    index: i32,
    links: &Links,
    flow: &FlowKeys,
) -> Result<bool, String> {
    let Some(name) = name else { return Ok(true) };
    if flow.l3mdev.is_some() && links.is_vrf(name) {
        // Since 5.18 the flow keeps its own devices and carries the VRF in flowi_l3mdev; a
        // rule naming a VRF matches the flow's L3 domain on kernels with the 2025 fix
        // ("net: fib_rules: Fix iif / oif matching on L3 master device"), depending on a
        // flow flag bindscope does not trace, and never on kernels without it.
        return Err(format!(
            "rule {} names VRF {name} as its device, which kernels match in different ways",
            rule.priority
        ));
    }
    match links.index(name) {
        Some(i) => Ok(i == index),
        None if detached => Ok(false),
        None => Err(format!(
            "rule {} names device {name}, which bindscope did not find in the namespace",
            rule.priority
        )),
    }
}

/// The table of the flow's VRF, as `l3mdev_fib_rule_match` finds it: from `flowi4_l3mdev`
/// (5.18+), or before that from the oif, then the iif, being a VRF device.
fn l3mdev_of(links: &Links, flow: &FlowKeys) -> Result<Option<u32>, String> {
    match flow.l3mdev {
        Some(0) => Ok(None),
        Some(vrf) => links
            .vrf_table(vrf)
            .map(Some)
            .ok_or_else(|| format!("the flow's VRF {vrf} is not a VRF bindscope knows")),
        None => Ok(links.vrf_table(flow.oif).or(links.vrf_table(flow.iif))),
    }
}

/// A source or destination prefix against an address.
fn prefix(prefix: Option<(Ipv4Addr, u8)>, address: Ipv4Addr) -> bool {
    let Some((network, len)) = prefix else {
        return true;
    };
    let mask = u32::MAX
        .checked_shl(32 - u32::from(len.min(32)))
        .unwrap_or(0);
    (u32::from(network) ^ u32::from(address)) & mask == 0
}

/// `fib_rule_port_match` (include/net/fib_rules.h): under a mask, the masked bits must be
/// equal; otherwise a set range (both ends non-zero) must contain the port.
fn ports(selector: Option<super::rule::Ports>, port: u16) -> bool {
    let Some(range) = selector else { return true };
    match range.mask {
        Some(mask) if mask != 0 => (range.start ^ port) & mask == 0,
        _ => range.start == 0 || range.end == 0 || (range.start..=range.end).contains(&port),
    }
}

#[cfg(test)]
#[path = "walk_tests.rs"]
mod tests;
