//! What each command runs once its arguments are parsed: the library's side of `trace`,
//! `serve`, `routes` and `explain`, and of the packagers' `generate-man` and
//! `generate-completions`, so that `main.rs` holds the command line only; and what
//! `--version` says.
//!
//! May use every room; nothing uses it but the binary.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::output::metrics;
use crate::output::{Both, Human, Json, Palette, Sink, Summary};
use crate::stream::{self, Collector, Limits};
use crate::trace::config::{Config, NetnsSpec};
use crate::{escape, explain, routes};

/// What `bindscope --version` prints after the name: the crate's version, the commit built
/// (`unknown` outside a git checkout) and the SHA-256 of the embedded eBPF object (`none` when
/// built without one); see observer/build.rs. `-V` prints the version alone.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\ncommit ",
    env!("BINDSCOPE_GIT_COMMIT"),
    "\neBPF object sha256 ",
    env!("BINDSCOPE_EBPF_SHA256"),
);

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
    /// IPv4 or IPv6.
    pub family: routes::Family,
    /// Which tables.
    pub tables: routes::Tables,
    /// Also the policy rules.
    pub rules: bool,
    /// JSON instead of the table.
    pub json: bool,
    /// Then stream changes.
    pub watch: bool,
}

/// `bindscope routes`: the tables (and rules), then their changes with `watch`. Text goes
/// through the escaping rule line by line (see [`escape::Lines`]); JSON is exact.
pub fn routes(options: &RoutesOptions) -> anyhow::Result<()> {
    if options.family == routes::Family::Inet6 {
        return routes6(options);
    }
    let mut namespace = routes::Namespace::open(options.netns.as_ref())?;
    let snapshot = namespace.snapshot(options.tables, options.rules)?;
    to_stdout(options.json, |out| {
        if options.json {
            // With --watch, the snapshot is the stream's first line: one JSON value per line.
            writeln!(out, "{}", routes::snapshot_json(&snapshot))?;
        } else {
            routes::write_tables(out, &snapshot)?;
        }
        out.flush()?;
        if options.watch {
            say_how_it_ended(namespace.watch(options.tables, options.json, out)?);
        }
        Ok(())
    })
}

/// `bindscope routes -6`: as [`routes`], in the layout of `route -A inet6 -n`.
fn routes6(options: &RoutesOptions) -> anyhow::Result<()> {
    let mut namespace = routes::Namespace6::open(options.netns.as_ref())?;
    let snapshot = namespace.snapshot(options.tables, options.rules)?;
    to_stdout(options.json, |out| {
        if options.json {
            writeln!(out, "{}", routes::snapshot_json6(&snapshot))?;
        } else {
            routes::write_tables6(out, &snapshot)?;
        }
        out.flush()?;
        if options.watch {
            say_how_it_ended(namespace.watch(options.tables, options.json, out)?);
        }
        Ok(())
    })
}

/// Runs `write` on standard output: as it is for JSON (exact), through the escaping rule
/// line by line for text.
fn to_stdout(
    json: bool,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let stdout = std::io::stdout().lock();
    if json {
        write(&mut { stdout })
    } else {
        write(&mut escape::Lines::new(stdout))
    }
}

/// How `routes --watch` ended: a deleted namespace is the end of what was watched, not a
/// failure (status 0), and one line says so.
fn say_how_it_ended(ended: routes::Ended) {
    if let routes::Ended::NamespaceDeleted(name) = ended {
        eprintln!(
            "bindscope: network namespace {} was deleted; stopping",
            escape::text(&name)
        );
    }
}

/// `bindscope explain`: the walk of `request`, as text (by the escaping rule) or one JSON
/// document (exact).
pub fn explain(request: &explain::Request, json: bool) -> anyhow::Result<()> {
    let explanation = explain::explain(request)?;
    let mut stdout = std::io::stdout().lock();
    if json {
        writeln!(stdout, "{}", serde_json::to_string_pretty(&explanation)?)?;
    } else {
        let mut text = escape::Lines::new(stdout);
        explain::write_explanation(&mut text, &explanation)?;
        text.flush()?;
    }
    Ok(())
}

/// `bindscope explain` for an IPv6 destination, as text or one JSON document.
pub fn explain6(request: &explain::Request6, json: bool) -> anyhow::Result<()> {
    let explanation = explain::explain6(request)?;
    let mut stdout = std::io::stdout().lock();
    if json {
        writeln!(stdout, "{}", serde_json::to_string_pretty(&explanation)?)?;
    } else {
        let mut text = escape::Lines::new(stdout);
        explain::write_explanation6(&mut text, &explanation)?;
        text.flush()?;
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

/// `bindscope generate-man DIR`: the page of `command` and one per command under it that is not
/// hidden (`bindscope-trace.1`, ...), as clap_mangen renders the definitions; prints each path.
pub fn man_pages(command: clap::Command, dir: &Path) -> anyhow::Result<()> {
    fn pages(
        command: clap::Command,
        dir: &Path,
        written: &mut Vec<PathBuf>,
    ) -> std::io::Result<()> {
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            pages(sub.clone(), dir, written)?;
        }
        written.push(clap_mangen::Man::new(command).generate_to(dir)?);
        Ok(())
    }
    create_dir(dir)?;
    // Built first, so that each command's page is named after its path (bindscope-trace).
    let mut command = command.disable_help_subcommand(true);
    command.build();
    let mut written = Vec::new();
    pages(command, dir, &mut written)
        .map_err(|e| anyhow::anyhow!("writing man pages into {}: {e}", dir.display()))?;
    print_paths(&written)
}

/// `bindscope generate-completions SHELL DIR`: the completion script clap_complete writes for
/// `shell` (`bindscope.bash`, `_bindscope`, `bindscope.fish`, ...); prints its path.
pub fn completions(
    mut command: clap::Command,
    shell: clap_complete::Shell,
    dir: &Path,
) -> anyhow::Result<()> {
    create_dir(dir)?;
    let name = command.get_name().to_owned();
    let written = clap_complete::generate_to(shell, &mut command, name, dir).map_err(|e| {
        anyhow::anyhow!(
            "writing the {shell} completions into {}: {e}",
            dir.display()
        )
    })?;
    print_paths(&[written])
}

fn create_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("creating {}: {e}", dir.display()))
}

/// One path a line, by the escaping rule.
fn print_paths(paths: &[PathBuf]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for path in paths {
        writeln!(out, "{}", escape::text(&path.display().to_string()))?;
    }
    Ok(())
}
