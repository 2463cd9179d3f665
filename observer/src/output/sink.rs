//! What a sink is: the interface between the event loop and every output.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::decode::Report;

/// Where reports go.
pub trait Sink {
    /// One report.
    fn report(&mut self, report: &Report);
    /// Events were lost since the last call: `delta` now, `total` so far.
    fn lost(&mut self, delta: u64, total: u64);
    /// The end.
    fn summary(&mut self, summary: &Summary);
    /// Called after each batch of reports: write out what is buffered (one write per batch,
    /// not per event, keeps the tracer's own cost low under load).
    fn flush(&mut self);
}

/// Two sinks fed the same reports (`trace --metrics`: the table or NDJSON, and the counters).
pub struct Both<'a>(pub &'a mut dyn Sink, pub &'a mut dyn Sink);

impl Sink for Both<'_> {
    fn report(&mut self, report: &Report) {
        self.0.report(report);
        self.1.report(report);
    }

    fn lost(&mut self, delta: u64, total: u64) {
        self.0.lost(delta, total);
        self.1.lost(delta, total);
    }

    fn summary(&mut self, summary: &Summary) {
        self.0.summary(summary);
        self.1.summary(summary);
    }

    fn flush(&mut self) {
        self.0.flush();
        self.1.flush();
    }
}

/// What a run saw, printed at exit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Reports delivered, by type.
    pub events: BTreeMap<&'static str, u64>,
    /// Events lost in the kernel (ring buffer full).
    pub lost: u64,
    /// Why the run stopped.
    pub stopped_by: &'static str,
}
