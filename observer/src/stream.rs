//! The event loop: wait for the ring buffer to become readable (tokio `AsyncFd`), decode,
//! filter, hand reports to a sink; report lost events as they happen; stop on `--count`,
//! `--duration`, Ctrl-C or SIGTERM, and finish with a summary.

use std::collections::BTreeMap;
use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

use tokio::io::unix::AsyncFd;
use tokio::signal::unix::{signal, SignalKind};

use crate::decode::{type_index, Body, Decoder, Report, TYPES};
use crate::output::sink::{Sink, Summary};
use crate::sys::clock::monotonic_ns;
use crate::sys::netns::own_inode;
use crate::sys::netns_end::NetnsEnd;
use crate::trace::config::{Config, NetnsSpec};
use crate::trace::Tracer;
use crate::Error;

/// How long a route decision that only saw `-EAGAIN` waits for another table's lookup.
const ROUTE_IDLE_NS: u64 = 20_000_000;
/// How often the loop reads without being woken. The eBPF side wakes it for the first record
/// a few milliseconds after its last wake-up and then once a batch has built up, so records
/// that follow a wake-up closely wait for this tick; it also bounds when idle route decisions
/// and the lost count are checked.
const TICK: Duration = Duration::from_millis(10);

/// When to stop, besides signals.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    /// After this many reports.
    pub count: Option<u64>,
    /// After this long.
    pub duration: Option<Duration>,
    /// When the namespace `--netns` names ends (deleted, its last process gone): nothing
    /// more can be traced there. Otherwise (`serve`) its end is only logged.
    pub netns_end: bool,
}

/// A tracer and its decoder, read synchronously: what tests use to assert on events.
pub struct Collector {
    tracer: Tracer,
    decoder: Decoder,
    errors_only: bool,
    container: Option<String>,
    /// Reports the last poll returned: the next one starts with room for as many, so a busy
    /// stream does not grow (and copy) its vector of large reports again on every poll.
    last_poll: usize,
    /// The reports of the record being decoded (two at most), handed on one by one: kept
    /// from record to record, so decoding allocates no vector.
    scratch: Vec<Report>,
    /// The last poll left records in the ring buffer.
    more: bool,
    /// The namespace `--netns` names (as given), watched for its end.
    netns: Option<(String, NetnsEnd)>,
}

/// Records one [`Collector::poll`] decodes at most. A backlog (user space briefly starved of
/// CPU) stays in the kernel's ring buffer and is read in batches of this size, each written
/// out before the next is decoded, instead of becoming one vector of reports as large as the
/// ring: memory that the allocator keeps once it has it.
pub const POLL_RECORDS: usize = 4096;

impl Collector {
    /// Starts tracing.
    pub fn start(config: &Config) -> Result<Self, Error> {
        let tracer = Tracer::start(config)?;
        let netns = config.filter.netns.as_ref().and_then(watch_end);
        Ok(Collector {
            decoder: Decoder::new(tracer.flow_fields, tracer.flow6_fields),
            tracer,
            errors_only: config.filter.errors_only,
            container: config.filter.container.clone(),
            last_poll: 0,
            scratch: Vec::with_capacity(2),
            more: false,
            netns,
        })
    }

    /// The namespace `--netns` names (as given), if it has ended since the last call: nothing
    /// more can happen in it. Never blocks; tells an end once.
    pub fn netns_ended(&mut self) -> Option<String> {
        let (_, end) = self.netns.as_mut()?;
        if !end.ended() {
            return None;
        }
        self.netns.take().map(|(name, _)| name)
    }

    /// Reports of the records waiting now, at most [`POLL_RECORDS`] of them (see
    /// [`more`](Self::more)); route decisions still open are completed only if idle for
    /// `route_idle_ns` (0 completes all).
    pub fn poll(&mut self, route_idle_ns: u64) -> Vec<Report> {
        let mut reports = Vec::with_capacity(self.last_poll);
        let decoder = &mut self.decoder;
        let drained = self
            .tracer
            .drain(POLL_RECORDS, |bytes| decoder.record(bytes, &mut reports));
        self.more = drained == POLL_RECORDS;
        decoder.flush_routes(monotonic_ns(), route_idle_ns, &mut reports);
        decoder.let_go();
        let container = self.container.as_deref();
        reports.retain(|r| kept(r, self.errors_only, container));
        self.last_poll = reports.len();
        reports
    }

    /// [`poll`](Self::poll), handing each report to `each` as soon as it is decoded, in
    /// order, by reference: what the CLI uses, so that a batch of reports (some 400 bytes
    /// each) is never gathered, grown and copied in memory.
    pub fn poll_each(&mut self, route_idle_ns: u64, mut each: impl FnMut(&Report)) {
        let Collector {
            tracer,
            decoder,
            scratch,
            errors_only,
            container,
            more,
            ..
        } = self;
        let mut hand_on = |scratch: &mut Vec<Report>| {
            for report in scratch.iter() {
                if kept(report, *errors_only, container.as_deref()) {
                    each(report);
                }
            }
            scratch.clear();
        };
        let drained = tracer.drain(POLL_RECORDS, |bytes| {
            decoder.record(bytes, scratch);
            hand_on(scratch);
        });
        *more = drained == POLL_RECORDS;
        decoder.flush_routes(monotonic_ns(), route_idle_ns, scratch);
        hand_on(scratch);
        decoder.let_go();
    }

    /// Whether the last [`poll`](Self::poll) stopped at [`POLL_RECORDS`] with records left
    /// in the ring buffer: poll again (after handing these reports on).
    pub fn more(&self) -> bool {
        self.more
    }

    /// Everything that happened so far, all decisions completed.
    pub fn collect(&mut self) -> Vec<Report> {
        let mut reports = self.poll(0);
        while self.more {
            reports.extend(self.poll(0));
        }
        reports
    }

    /// Events lost so far.
    pub fn lost(&self) -> u64 {
        self.tracer.lost()
    }

    /// The tracer.
    pub fn tracer(&self) -> &Tracer {
        &self.tracer
    }
}

/// A watch on the end of the namespace `spec` names, with its name for messages; `None`
/// for bindscope's own namespace (it ends with bindscope) or one that cannot be watched.
fn watch_end(spec: &NetnsSpec) -> Option<(String, NetnsEnd)> {
    let file = spec.open().ok()?;
    let inode = std::os::unix::fs::MetadataExt::ino(&file.metadata().ok()?) as u32;
    if own_inode().ok() == Some(inode) {
        return None;
    }
    let name = match spec {
        NetnsSpec::Path(path) => path.display().to_string(),
        NetnsSpec::Inode(inode) => inode.to_string(),
    };
    match NetnsEnd::watch(&file) {
        Ok(end) => Some((name, end)),
        Err(e) => {
            log::info!("the end of network namespace {name} is not watched: {e}");
            None
        }
    }
}

/// Whether `report` passes the filters applied in user space: `--errors-only` for route
/// decisions (syscall records are filtered in the kernel), and `--container`, an id prefix.
fn kept(report: &Report, errors_only: bool, container: Option<&str>) -> bool {
    let error = match &report.body {
        Body::Route(d) => d.err.is_some(),
        _ => true,
    };
    (error || !errors_only)
        && container.is_none_or(|prefix| {
            report
                .origin
                .attribution
                .container_id()
                .is_some_and(|id| id.starts_with(prefix))
        })
}

struct Fd(RawFd);

impl AsRawFd for Fd {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

/// Runs until a limit or a signal; returns the summary (also given to the sink).
pub async fn run(
    mut collector: Collector,
    limits: Limits,
    sink: &mut dyn Sink,
) -> Result<Summary, Error> {
    let io = |context: &str| {
        let context = context.to_string();
        move |source| Error::Io { context, source }
    };
    // SAFETY: the fd belongs to `collector`'s ring buffer, which outlives `ready`: `ready` is
    // dropped (deregistered) before `collector` at the end of this function, on every path.
    let ready =
        unsafe { AsyncFd::register(Fd(collector.tracer.ring_fd().as_raw_fd())) }.map_err(|e| {
            Error::Io {
                context: "watching the ring buffer".into(),
                source: e.into(),
            }
        })?;
    let mut sigterm =
        signal(SignalKind::terminate()).map_err(io("installing the SIGTERM handler"))?;
    let mut sigint =
        signal(SignalKind::interrupt()).map_err(io("installing the SIGINT handler"))?;
    let deadline = limits.duration.map(|d| tokio::time::Instant::now() + d);
    let mut tick = tokio::time::interval(TICK);
    let mut counts = Counts::default();
    let mut lost_seen = 0;
    let mut delivered = 0u64;

    let stopped_by = 'outer: loop {
        let mut ticked = false;
        tokio::select! {
            guard = ready.readable() => {
                let mut guard = guard.map_err(io("waiting for events"))?;
                guard.clear_ready();
            }
            _ = tick.tick() => ticked = true,
            _ = sigint.recv() => break 'outer "SIGINT",
            _ = sigterm.recv() => break 'outer "SIGTERM",
            _ = sleep_until(deadline) => break 'outer "duration",
        }
        loop {
            let mut enough = false;
            collector.poll_each(ROUTE_IDLE_NS, |report| {
                if !enough {
                    deliver(report, sink, &mut counts);
                    delivered += 1;
                    enough = limits.count.is_some_and(|n| delivered >= n);
                }
            });
            if enough {
                break 'outer "count";
            }
            if !collector.more() {
                break;
            }
            sink.flush();
        }
        // Reading the lost count takes a system call per program; once per tick is enough.
        if ticked {
            if let Some(name) = collector.netns_ended() {
                if limits.netns_end {
                    log::warn!("network namespace {name} is gone (deleted, and no process is left in it): nothing more can be traced there; stopping");
                    break 'outer "netns-gone";
                }
                log::warn!("network namespace {name} is gone (deleted, and no process is left in it): nothing more will be counted there");
            }
            let lost = collector.lost();
            if lost > lost_seen {
                sink.lost(lost - lost_seen, lost);
                lost_seen = lost;
            }
        }
        sink.flush();
    };
    // What is left when stopping by signal or time is still reported (not past --count).
    if stopped_by != "count" {
        for report in collector.collect() {
            if limits.count.is_some_and(|n| delivered >= n) {
                break;
            }
            deliver(&report, sink, &mut counts);
            delivered += 1;
        }
    }
    let lost = collector.lost();
    if lost > lost_seen {
        sink.lost(lost - lost_seen, lost);
    }
    let summary = Summary {
        events: counts.by_name(),
        lost,
        stopped_by,
    };
    // The last events go out now: detaching can take half a second (see the README).
    sink.flush();
    drop(ready);
    drop(collector); // detaches and unloads every program before the summary is printed
    sink.summary(&summary);
    sink.flush();
    Ok(summary)
}

fn deliver(report: &Report, sink: &mut dyn Sink, counts: &mut Counts) {
    sink.report(report);
    counts.0[type_index(report)] += 1;
}

/// Reports delivered, by type, in the order of [`TYPES`]: an array, counted per event, where a
/// map keyed by name cost a string comparison or two per event.
#[derive(Default)]
struct Counts([u64; TYPES.len()]);

impl Counts {
    /// The summary's `events`: the types seen, by name.
    fn by_name(&self) -> BTreeMap<&'static str, u64> {
        TYPES
            .into_iter()
            .zip(self.0)
            .filter(|&(_, n)| n > 0)
            .collect()
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
