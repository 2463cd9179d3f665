//! The modes: the ways of running the loop that the rounds measure (untraced; the bindscope
//! CLI with an `--events` list, a `--netns` filter and an output format; bpftrace's count-only
//! one-liner; one calibration program alone; the `--baseline` CLI), each with its row label,
//! and the lists of modes that the main, baseline and breakdown rounds visit.
//!
//! They are a file of their own because the rounds (`rounds.rs`), which measure a mode, and
//! the printing (`print.rs`), which picks modes out of the results by name, both use them;
//! this file uses neither.

use crate::calibration::Part;
use crate::tracers::Format;

/// Which namespace bindscope's `--netns` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NsFilter {
    /// The host namespace, where the loop runs: every event is delivered.
    Host,
    /// The router namespace: the loop's events are dropped by our program in the kernel.
    Router,
}

/// One way of running the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Nothing attached.
    Untraced,
    /// `bindscope trace --json --events EVENTS --netns NS`.
    Bindscope {
        /// The `--events` list.
        events: &'static str,
        /// The `--netns` filter.
        netns: NsFilter,
        /// NDJSON or the table.
        format: Format,
    },
    /// The bpftrace count-only one-liner.
    Bpftrace,
    /// One calibration program alone on the tracepoint.
    Calibration(Part),
    /// The `--baseline` CLI, route only, every event delivered.
    BaselineRoute,
}

/// bindscope with every event family, delivering every event: the mode the targets are for.
/// Its NDJSON goes to `/dev/null`, as bpftrace's `count()` writes nothing per event.
pub(crate) const BINDSCOPE_ALL: Mode = Mode::Bindscope {
    events: "sockopt,route,ioctl,cmsg",
    netns: NsFilter::Host,
    format: Format::JsonToNull,
};
/// The main comparison, and the route family alone in each output (user space's cost per
/// event, and how fast it stops).
pub(crate) const MAIN_MODES: [Mode; 6] = [
    Mode::Untraced,
    BINDSCOPE_ALL,
    Mode::Bpftrace,
    ROUTE_TO_NULL,
    ROUTE_TABLE,
    ROUTE_DELIVERED,
];
/// Where bindscope's cost goes: each bindscope mode drops one part of what the one before it
/// does; the calibration modes then measure the floor of any program, one part at a time.
pub(crate) const BREAKDOWN_MODES: [Mode; 9] = [
    Mode::Untraced,
    BINDSCOPE_ALL,
    ROUTE_DELIVERED,
    ROUTE_FILTERED,
    SOCKOPT_ONLY,
    Mode::Bpftrace,
    Mode::Calibration(Part::Empty),
    Mode::Calibration(Part::Clock),
    Mode::Calibration(Part::Record),
];
/// This bindscope's route program against the `--baseline` CLI's.
pub(crate) const BASELINE_MODES: [Mode; 3] = [Mode::Untraced, ROUTE_DELIVERED, Mode::BaselineRoute];
/// Only the route family: no syscall tracepoints.
pub(crate) const ROUTE_DELIVERED: Mode = Mode::Bindscope {
    events: "route",
    netns: NsFilter::Host,
    format: Format::Json,
};
/// Only the route family, NDJSON to `/dev/null` (the CPU-per-event target's condition).
pub(crate) const ROUTE_TO_NULL: Mode = Mode::Bindscope {
    events: "route",
    netns: NsFilter::Host,
    format: Format::JsonToNull,
};
/// Only the route family, written as the human table.
pub(crate) const ROUTE_TABLE: Mode = Mode::Bindscope {
    events: "route",
    netns: NsFilter::Host,
    format: Format::Table,
};
/// Only the route family, every event of the loop dropped by our program's netns filter.
pub(crate) const ROUTE_FILTERED: Mode = Mode::Bindscope {
    events: "route",
    netns: NsFilter::Router,
    format: Format::Json,
};
/// Only the syscall tracepoints of `setsockopt`, which the loop never calls.
pub(crate) const SOCKOPT_ONLY: Mode = Mode::Bindscope {
    events: "sockopt",
    netns: NsFilter::Host,
    format: Format::Json,
};

impl Mode {
    /// The row label.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Mode::Untraced => "untraced",
            ROUTE_DELIVERED => "bindscope, route only, --json to a pipe",
            ROUTE_TO_NULL => "bindscope, route only, --json > /dev/null",
            ROUTE_TABLE => "bindscope, route only, table",
            BINDSCOPE_ALL => "bindscope --json > /dev/null (all events)",
            ROUTE_FILTERED => "bindscope, route, filtered out in kernel",
            SOCKOPT_ONLY => "bindscope, sockopt only (never fires here)",
            Mode::Bindscope { .. } => "bindscope trace --json (all events)",
            Mode::Bpftrace => "bpftrace count()",
            Mode::Calibration(Part::Empty) => "floor: an empty program (tp_btf)",
            Mode::Calibration(Part::Clock) => "floor: a program that only reads the clock",
            Mode::Calibration(Part::Record) => "floor: a program that only writes a record",
            Mode::BaselineRoute => "baseline bindscope, route only",
        }
    }
}
