//! What each command runs once its arguments are parsed: the library's side of `trace`,
//! `serve`, `routes` and `explain`, so that `main.rs` holds the command line only.
//!
//! May use every room; nothing uses it but the binary.

use std::io::Write;
use std::net::SocketAddr;

use crate::output::metrics;
use crate::output::{Both, Human, Json, Palette, Sink, Summary};
use crate::stream::{self, Collector, Limits};
use crate::trace::config::{Config, NetnsSpec};
use crate::{explain, routes};

/// `bindscope trace`, parsed.
pub struct TraceOptions {
    /// What to trace.
    pub config: Config,
    /// When to stop, besides signals.
    pub limits: Limits,
    /// NDJSON instead of the table.
    pub json: bool,
    /// Colour the table.
    pub colour: bool,
    /// Also serve metrics at this address (and whether a non-loopback one is allowed).
    pub metrics: Option<(SocketAddr, bool)>,
}

/// `bindscope trace`: the table or NDJSON on standard output until a limit or a signal.
pub fn trace(options: TraceOptions) -> anyhow::Result<()> {
    // Bound before anything is loaded: a port in use is an error, not a half-started tracer.
    let listener = options
        .metrics
        .map(|(addr, public)| metrics::Listener::bind(addr, public))
        .transpose()?;
    let config = &options.config;
    let collector = Collector::start(config)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut counters = match listener {
        Some(listener) => Some(start_metrics(&runtime, &collector, config, listener)?),
        None => None,
    };
    // Buffered: the event loop flushes once per batch.
    let stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut json;
    let mut human;
    let sink: &mut dyn Sink = if options.json {
        json = Json::new(stdout);
        &mut json
    } else {
        human = Human::new(
            stdout,
            if options.colour {
                Palette::COLOR
            } else {
                Palette::PLAIN
            },
        );
        human.header();
        &mut human
    };
    log_attached();
    let limits = options.limits;
    let summary = match counters.as_mut() {
        Some(counters) => {
            runtime.block_on(stream::run(collector, limits, &mut Both(sink, counters)))?
        }
        None => runtime.block_on(stream::run(collector, limits, sink))?,
    };
    log_summary(&summary);
    Ok(())
}

/// `bindscope serve`: metrics only, until SIGTERM or Ctrl-C.
pub fn serve(addr: SocketAddr, public: bool, config: &Config) -> anyhow::Result<()> {
    let listener = metrics::Listener::bind(addr, public)?;
    let collector = Collector::start(config)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut counters = start_metrics(&runtime, &collector, config, listener)?;
    log_attached();
    let summary = runtime.block_on(stream::run(collector, Limits::default(), &mut counters))?;
    log_summary(&summary);
    Ok(())
}

/// `bindscope routes`, parsed.
pub struct RoutesOptions {
    /// The namespace (default: bindscope's own).
    pub netns: Option<NetnsSpec>,
    /// Which tables.
    pub tables: routes::Tables,
    /// Also the policy rules.
    pub rules: bool,
    /// JSON instead of the table.
    pub json: bool,
    /// Then stream changes.
    pub watch: bool,
}

/// `bindscope routes`: the tables (and rules), then their changes with `watch`.
pub fn routes(options: &RoutesOptions) -> anyhow::Result<()> {
    let mut namespace = routes::Namespace::open(options.netns.as_ref())?;
    let snapshot = namespace.snapshot(options.tables, options.rules)?;
    let mut stdout = std::io::stdout().lock();
    if options.json {
        // With --watch, the snapshot is the stream's first line: one JSON value per line.
        writeln!(stdout, "{}", routes::snapshot_json(&snapshot))?;
    } else {
        routes::write_tables(&mut stdout, &snapshot)?;
    }
    stdout.flush()?;
    if options.watch {
        let ended = namespace.watch(options.tables, options.json, &mut stdout)?;
        if let routes::Ended::NamespaceDeleted(name) = ended {
            // The end of what was watched, not a failure: status 0, and one line that says so.
            eprintln!("bindscope: network namespace {name} was deleted; stopping");
        }
    }
    Ok(())
}

/// `bindscope explain`: the walk of `request`, as text or one JSON document.
pub fn explain(request: &explain::Request, json: bool) -> anyhow::Result<()> {
    let explanation = explain::explain(request)?;
    let mut stdout = std::io::stdout().lock();
    if json {
        writeln!(stdout, "{}", serde_json::to_string_pretty(&explanation)?)?;
    } else {
        explain::write_explanation(&mut stdout, &explanation)?;
    }
    Ok(())
}

/// Logs (at `info`) that every program is attached. With the summary below, this lets a
/// script that sends the events elsewhere (`> /dev/null`, a file) see from standard error
/// when tracing began and what was lost.
fn log_attached() {
    log::info!("attached; tracing until stopped");
}

/// Logs (at `info`) the run's summary, which `trace` also writes as its last output line.
fn log_summary(summary: &Summary) {
    log::info!(
        "stopped by {}: {} events, {} lost",
        summary.stopped_by,
        summary.events.values().sum::<u64>(),
        summary.lost
    );
}

/// Starts serving the metrics of `collector`'s tracer on `listener`, on `runtime`.
fn start_metrics(
    runtime: &tokio::runtime::Runtime,
    collector: &Collector,
    config: &Config,
    listener: metrics::Listener,
) -> anyhow::Result<metrics::Metrics> {
    let ring = metrics::RingLevel::new(collector.tracer().ring_fd(), config.ring_size)
        .map_err(|e| log::warn!("the ring buffer's fill level is not reported: {e}"))
        .ok();
    let counters = metrics::Metrics::new(ring);
    let addr = listener.local_addr()?;
    let registry = counters.registry();
    runtime.spawn(async move {
        if let Err(e) = metrics::serve(listener, registry).await {
            log::error!("the metrics endpoint stopped: {e}");
        }
    });
    log::info!("serving metrics at http://{addr}/metrics");
    Ok(counters)
}
