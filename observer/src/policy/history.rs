//! The rule lists a namespace had lately, and when each was in force, so that a lookup traced
//! before a change is walked with the rules of its time rather than those of now.
//!
//! The kernel queues a rule notification when it changes the list (`notify_rule_change` in
//! `fib_nl_newrule`/`fib_nl_delrule`, net/core/fib_rules.c). So each time the notification
//! socket is found empty, the list bindscope holds is the one in force; when it holds a
//! change, the change happened since the previous look. Times are the monotonic clock of
//! `bpf_ktime_get_ns`, which stamps the traced lookups.

use std::collections::VecDeque;

use super::rule::Rule;

/// Rule lists kept per namespace: events reach the walk within milliseconds of the lookup,
/// so only a burst of changes can outrun this many.
const VERSIONS_KEPT: usize = 8;

/// One rule list and when it was seen in force.
#[derive(Debug)]
struct Version {
    rules: Vec<Rule>,
    /// When it was dumped: the change that made it happened after the previous version was
    /// last seen, and before this.
    dumped_ns: u64,
    /// The last time the notifications said it was still in force.
    seen_ns: u64,
}

/// A namespace's recent rule lists, oldest first; the last is the current one.
#[derive(Debug)]
pub(super) struct History {
    versions: VecDeque<Version>,
}

impl History {
    /// The first list, dumped at `now_ns`. What the rules were before bindscope watched the
    /// namespace is not known; they are taken to be these (the walk still checks them
    /// against the lookups), or the first lookup in every namespace would have no rule.
    pub(super) fn new(rules: Vec<Rule>, now_ns: u64) -> History {
        History {
            versions: VecDeque::from([Version {
                rules,
                dumped_ns: 0,
                seen_ns: now_ns,
            }]),
        }
    }

    /// The current list.
    pub(super) fn current(&self) -> &[Rule] {
        self.versions.back().map_or(&[], |v| &v.rules)
    }

    /// No change was pending at `now_ns`: the current list is still in force.
    pub(super) fn seen(&mut self, now_ns: u64) {
        if let Some(current) = self.versions.back_mut() {
            current.seen_ns = now_ns;
        }
    }

    /// A change was pending at `now_ns`, and `rules` is the list dumped then.
    pub(super) fn changed(&mut self, rules: Vec<Rule>, now_ns: u64) {
        if self.versions.len() == VERSIONS_KEPT {
            self.versions.pop_front();
        }
        self.versions.push_back(Version {
            rules,
            dumped_ns: now_ns,
            seen_ns: now_ns,
        });
    }

    /// The lists that may have been in force at `at_ns`: one, unless a change fell between
    /// two looks around that time; none for a time older than the lists kept.
    pub(super) fn at(&self, at_ns: u64) -> Vec<&[Rule]> {
        let mut candidates = Vec::new();
        let mut previous_seen = None;
        for (index, version) in self.versions.iter().enumerate() {
            // In force from some time after the previous version was last seen (the first
            // version: from whenever; see `new`) until the next version was dumped.
            let from = previous_seen.map_or(0, |seen: u64| seen.saturating_add(1));
            let until = self
                .versions
                .get(index + 1)
                .map_or(u64::MAX, |next| next.dumped_ns);
            let evicted_before = index == 0 && self.versions.len() == VERSIONS_KEPT;
            if from <= at_ns && at_ns <= until && !(evicted_before && at_ns < version.dumped_ns) {
                candidates.push(version.rules.as_slice());
            }
            previous_seen = Some(version.seen_ns);
        }
        candidates
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(priority: u32) -> Vec<Rule> {
        vec![Rule::lookup(priority, 254)]
    }

    fn priorities(lists: Vec<&[Rule]>) -> Vec<u32> {
        lists.iter().map(|rules| rules[0].priority).collect()
    }

    #[test]
    fn a_lookup_between_two_looks_around_a_change_may_have_met_either_list() {
        let mut history = History::new(list(1), 100);
        history.seen(200);
        // A change happened in (200, 300].
        history.changed(list(2), 300);
        history.seen(400);
        assert_eq!(priorities(history.at(50)), [1]);
        assert_eq!(priorities(history.at(200)), [1]);
        assert_eq!(priorities(history.at(250)), [1, 2]);
        assert_eq!(priorities(history.at(300)), [1, 2]);
        assert_eq!(priorities(history.at(350)), [2]);
        assert_eq!(priorities(history.at(500)), [2]);
        assert_eq!(priorities(vec![history.current()]), [2]);
    }

    #[test]
    fn lookups_older_than_the_lists_kept_have_none() {
        let mut history = History::new(list(0), 10);
        for n in 1..=VERSIONS_KEPT as u32 {
            history.changed(list(n), u64::from(n) * 100);
        }
        // The first list was evicted; the oldest kept was dumped at 100, and last seen then.
        assert!(history.at(5).is_empty());
        assert_eq!(priorities(history.at(100)), [1]);
        assert_eq!(priorities(history.at(150)), [1, 2]);
    }
}
