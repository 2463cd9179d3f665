//! The rule walk: which policy rule led to each table lookup the kernel made for one route
//! decision, reconstructed from the namespace's rule list and the flow's keys, and checked
//! against the lookups the tracer saw.
//!
//! It does what the kernel does, step by step:
//! - `fib_lookup` (include/net/ip_fib.h): without custom rules (`fib_has_custom_rules`
//!   false), no rule is consulted at all: `main`, which then also holds the `local` routes,
//!   is looked up directly, and `default` after it if that failed (after a miss only, in
//!   recent kernels; after any error, in older ones: the lookups seen tell which).
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
use std::sync::Arc;

use super::links::Links;
use super::rule::{Action, Rule};
use super::selector::{selects, FlowKeys, Selector, Verdict};

/// `RT_TABLE_DEFAULT`, `RT_TABLE_MAIN`, `RT_TABLE_LOCAL` (include/uapi/linux/rtnetlink.h).
const TABLE_DEFAULT: u32 = 253;
const TABLE_MAIN: u32 = 254;
const TABLE_LOCAL: u32 = 255;

/// `-EAGAIN`: a table lookup that found no route; the walk goes on.
pub const MISS: i32 = -libc::EAGAIN;

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
    pub text: Option<Arc<str>>,
    /// The short form for the human table (`rule 32765 not fwmark 0xca6c -> table 51820`).
    pub brief: Arc<str>,
    /// How the rule was known.
    pub method: Method,
}

impl RuleRef {
    /// `rule`, reconstructed.
    pub fn reconstructed(rule: &Rule) -> RuleRef {
        let (text, brief) = rule.text_and_brief();
        RuleRef {
            priority: Some(rule.priority),
            text: Some(text),
            brief,
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

/// One step of the walk through the rule list, for those who show it (`bindscope explain`);
/// `rule` is an index into the list walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The rule does not select the flow: `selector` is the first that failed (`None`: a
    /// `not` rule whose selectors all matched).
    Skipped {
        /// The rule.
        rule: usize,
        /// What failed.
        selector: Option<Selector>,
    },
    /// A `nop` rule, or a `goto` whose target is gone: passed.
    Passed {
        /// The rule.
        rule: usize,
    },
    /// A `goto` rule: the walk goes on at rule `to`.
    Goto {
        /// The rule.
        rule: usize,
        /// Where the walk continues.
        to: usize,
    },
    /// The rule led to observed lookup `lookup`, of `table`.
    Lookup {
        /// The rule.
        rule: usize,
        /// The table (`main` for 0, a VRF's table for `l3mdev`).
        table: u32,
        /// Index into the observed lookups.
        lookup: usize,
    },
    /// The rule leads to a table that does not exist: passed without a lookup.
    MissingTable {
        /// The rule.
        rule: usize,
        /// The table.
        table: u32,
    },
    /// The rule's action (`unreachable`, `prohibit`, `blackhole`) ended the decision.
    Action {
        /// The rule.
        rule: usize,
        /// Its negative errno.
        error: i32,
    },
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
    walk_steps(rules, links, known_tables, flow, lookups, |_| {})
}

/// [`walk`], telling `step` every step it takes through the rule list (none when the
/// namespace has no custom rules and the kernel consulted none).
pub fn walk_steps(
    rules: &[Rule],
    links: &Links,
    known_tables: &HashSet<u32>,
    flow: &FlowKeys,
    lookups: &[(u32, i32)],
    mut step: impl FnMut(Step),
) -> Walk {
    let mut walk = Walk {
        lookups: Vec::with_capacity(lookups.len()),
        missing_tables: Vec::new(),
        end: End::NoRule {
            error: -libc::ENETUNREACH,
        },
    };
    // IPv4 without custom rules looks main up directly (local is merged into it); IPv6
    // looks local, then main, up directly, which the walk of its two rules reproduces.
    if only_default_rules(rules, false) && lookups.first().is_some_and(|l| l.0 == TABLE_MAIN) {
        return without_rules(walk, lookups);
    }
    let mut index = 0;
    while let Some(rule) = rules.get(index) {
        let l3mdev_table = match selects(rule, links, flow) {
            Verdict::No(selector) => {
                step(Step::Skipped {
                    rule: index,
                    selector,
                });
                index += 1;
                continue;
            }
            Verdict::Unknown(reason) => return walk.diverged(lookups, reason),
            Verdict::Yes { l3mdev_table } => l3mdev_table,
        };
        match rule.action {
            Action::Goto => {
                // `ctarget`: the first rule of the target priority; none: passed.
                match rule
                    .goto
                    .filter(|_| !rule.unresolved)
                    .and_then(|target| rules.iter().position(|r| r.priority == target))
                    .filter(|&target| target > index)
                {
                    Some(to) => {
                        step(Step::Goto { rule: index, to });
                        index = to;
                    }
                    None => {
                        step(Step::Passed { rule: index });
                        index += 1;
                    }
                }
                continue;
            }
            Action::Nop => {
                step(Step::Passed { rule: index });
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
                step(Step::Action { rule: index, error });
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
                step(Step::Lookup {
                    rule: index,
                    table,
                    lookup: next,
                });
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
                step(Step::MissingTable { rule: index, table });
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
/// namespace in which `fib_has_custom_rules` may still be false. IPv6's
/// (`fib6_rules_net_init`) has no `default` rule: local and main only.
pub(super) fn only_default_rules(rules: &[Rule], ipv6: bool) -> bool {
    let defaults: &[(u32, u32)] = match ipv6 {
        true => &[(0, TABLE_LOCAL), (0x7ffe, TABLE_MAIN)],
        false => &[
            (0, TABLE_LOCAL),
            (0x7ffe, TABLE_MAIN),
            (0x7fff, TABLE_DEFAULT),
        ],
    };
    rules.len() == defaults.len()
        && rules
            .iter()
            .zip(defaults)
            .all(|(rule, &(priority, table))| {
                let mut plain = Rule::lookup(priority, table);
                plain.protocol = rule.protocol;
                *rule == plain
            })
}

/// `fib_lookup` without custom rules: main, then default if main failed (and `default`
/// exists); a final `-EAGAIN` is reported as `-ENETUNREACH`.
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

/// The walk of a decision from the walks with each rule list that may have been in force:
/// those the lookups contradict are dropped; the others must agree.
pub(super) fn agreed(walks: Vec<Walk>, lookups: &[(u32, i32)]) -> Walk {
    let agreeing: Vec<&Walk> = walks
        .iter()
        .filter(|w| !matches!(w.end, End::Unknown { .. }))
        .collect();
    match agreeing.as_slice() {
        [first, rest @ ..] if rest.iter().all(|w| w == first) => (*first).clone(),
        [] => walks.into_iter().next_back().unwrap_or_else(|| {
            Walk::unknown(
                lookups,
                "the lookup is older than the rule lists bindscope kept for its namespace"
                    .to_owned(),
            )
        }),
        _ => Walk::unknown(
            lookups,
            "the rules changed around the time of this lookup, and the lists from before and \
             after the change explain it with different rules"
                .to_owned(),
        ),
    }
}

#[cfg(test)]
#[path = "walk_tests.rs"]
mod tests;
