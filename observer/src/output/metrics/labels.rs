//! The label sets of the metrics, and the cap on how many one metric keeps.

use std::collections::HashSet;
use std::hash::Hash;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;

/// `bindscope_route_decisions_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct RouteLabels {
    pub(super) netns: String,
    pub(super) dev: String,
    pub(super) table: String,
    pub(super) result: String,
}

/// `bindscope_onlink_fallbacks_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct OnlinkLabels {
    pub(super) netns: String,
    pub(super) dev: String,
}

/// `bindscope_pinning_calls_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct PinningLabels {
    pub(super) netns: String,
    pub(super) option: String,
    pub(super) result: String,
}

/// `bindscope_events_total`: the label is named `type`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct TypeLabels {
    pub(super) r#type: &'static str,
}

/// A label set whose every label is `other`: where reports go once a metric is full.
pub(super) trait Other {
    fn other() -> Self;
}

impl Other for RouteLabels {
    fn other() -> Self {
        RouteLabels {
            netns: "other".into(),
            dev: "other".into(),
            table: "other".into(),
            result: "other".into(),
        }
    }
}

impl Other for OnlinkLabels {
    fn other() -> Self {
        OnlinkLabels {
            netns: "other".into(),
            dev: "other".into(),
        }
    }
}

impl Other for PinningLabels {
    fn other() -> Self {
        PinningLabels {
            netns: "other".into(),
            option: "other".into(),
            result: "other".into(),
        }
    }
}

/// A counter family that keeps at most `cap` label sets.
pub(super) struct Capped<L> {
    family: Family<L, Counter>,
    seen: HashSet<L>,
    cap: usize,
}

impl<L: Clone + Hash + Eq + Other + EncodeLabelSet + std::fmt::Debug + Send + Sync + 'static>
    Capped<L>
{
    pub(super) fn new(cap: usize) -> Self {
        Capped {
            family: Family::default(),
            seen: HashSet::new(),
            cap,
        }
    }

    /// The family, for the registry (a handle to the same counters).
    pub(super) fn family(&self) -> Family<L, Counter> {
        self.family.clone()
    }

    /// Counts one report under `labels`, or under `other` if that would be one set too many.
    pub(super) fn inc(&mut self, labels: L) {
        self.counter(labels).inc();
    }

    /// The counter of `labels`, or of `other` if that would be one set too many: a handle to
    /// keep while the same labels come again.
    pub(super) fn counter(&mut self, labels: L) -> Counter {
        if self.seen.contains(&labels) {
            self.family.get_or_create(&labels).clone()
        } else if self.seen.len() < self.cap {
            let counter = self.family.get_or_create(&labels).clone();
            self.seen.insert(labels);
            counter
        } else {
            self.family.get_or_create(&L::other()).clone()
        }
    }
}
