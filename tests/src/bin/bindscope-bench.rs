//! `bindscope-bench`: what tracing every route lookup costs a workload, bindscope against
//! bpftrace, measured interleaved in one run. `cargo xtask bench` builds and runs it.
//!
//! The workload is a bounded loop of UDP `connect()` calls to 198.51.100.159 inside the seed
//! topology's host namespace (each call is one `fib_table_lookup`; no packet leaves, and the
//! destination exists only in the topology). It runs in several modes:
//!
//! - **untraced**: nothing attached;
//! - **bindscope**: the real CLI, `bindscope trace --json --netns <host> --events
//!   sockopt,route,ioctl,cmsg --ring-size 64m`, its output read and discarded;
//! - **bpftrace**: `bpftrace -e 'tracepoint:fib:fib_table_lookup { @ = count(); }'`, the
//!   cheapest useful program on the same kernel tracepoint. (bindscope attaches its route
//!   program to the BTF-typed raw form of that tracepoint when the kernel allows, the raw or
//!   classic form otherwise; bpftrace 0.17's `rawtracepoint:` probe type aborts on this one,
//!   so bpftrace is measured on the classic form.)
//!
//! Each tracer is started before its part of a round (the loop starts only once the tracer
//! is seen to be attached) and stopped with `SIGINT` after it. Rounds visit every mode once,
//! in an order that rotates from round to round, and ratios are taken within each round and
//! then their median reported: on a shared machine the absolute numbers drift, but modes
//! measured side by side drift alike. Besides connects per second (wall clock, what the
//! targets are about), the loop thread's CPU time per connect is reported: the in-kernel part
//! of tracing runs in the loop's context and is charged there, while time spent waiting for a
//! CPU is not, so it is the view least disturbed by other load. The tracer process's own CPU
//! time is reported separately: it is the user-space part, paid on another CPU.
//!
//! Why the CLI and not the library's `Collector`: the CLI is what a user runs, and it is what
//! bpftrace is: a separate process that loads, attaches, reads the ring buffer, decodes,
//! groups route decisions and writes one JSON line per event. Driving the library from inside
//! this process would leave out the JSON encoding and the write per event, and would put the
//! consumer in the measured process. (The CLI's output goes to a pipe rather than
//! `/dev/null` because its summary line, with the lost-event count, is on standard output.)
//! The library's `Collector::start` is timed separately, to show how much of the CLI's
//! start-up is loading and attaching.
//!
//! When bindscope misses a target, breakdown rounds show where its cost goes, each mode
//! adding one part of the work: only the `route` family with every event dropped by our
//! program's netns filter (the tracepoint and the first instructions of our program), only
//! `route` delivered (recording, ring buffer, user space), and all families (the syscall
//! tracepoints, which send every system call through the kernel's tracing slow path); only
//! `sockopt` checks the last part alone. Calibration modes then measure what no program can
//! avoid: the tracepoint with an empty program, one clock read, one ring-buffer record, each
//! alone (programs in the eBPF object for this, see `bench/calibration.rs`). Their sum is the
//! least an event with a timestamp costs on this kernel, printed next to what the throughput
//! target allows.
//!
//! ```text
//! bindscope-bench [--rounds N] [--seconds-per-round S] [--fresh-sockets]
//!                 [--breakdown auto|always|never] [--startup-trials N] [--ring-size BYTES]
//!                 [--bindscope PATH] [--baseline PATH] [--bpftrace PATH] [--ebpf-object PATH]
//! ```
//!
//! IPv4 and IPv6 rounds then compare the IPv6 route program with the IPv4 one on the same loop
//! (see `bench/family.rs`).
//!
//! Needs root (namespaces and eBPF). Targets are printed next to the numbers, never asserted.

#[path = "../bench/calibration.rs"]
mod calibration;
#[path = "../bench/family.rs"]
mod family;
#[path = "../bench/report.rs"]
mod report;
#[path = "../bench/tracers.rs"]
mod tracers;
#[path = "../bench/workload.rs"]
mod workload;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bindscope::stream::Collector;
use bindscope::{Config, EventSet, NetnsSpec};
use bindscope_tests::{netns, privileges, SeedTopology};
use clap::{Parser, ValueEnum};

use calibration::{Part, Programs};
use report::{median, median_duration, ms, target_row, thousands, Paired, Target};
use tracers::{Finished, Format, Traced};
use workload::{LoopRun, Sockets};

/// bindscope's throughput target, as a fraction of the untraced rate.
const TARGET_VS_UNTRACED: f64 = 0.90;
/// bindscope's CPU per route event with `--json`, in nanoseconds: at most.
const TARGET_JSON_NS: f64 = 250.0;
/// bindscope's CPU per route event writing the table, in nanoseconds: at most.
const TARGET_TABLE_NS: f64 = 350.0;
/// Route only: from `SIGINT` to the last event and to the exit, in milliseconds: at most.
const TARGET_STOP_MS: f64 = 200.0;
/// How long a tracer may take to show its first event (or bpftrace its "Attaching" line).
const ATTACH_BOUND: Duration = Duration::from_secs(60);
/// bpftrace prints "Attaching 1 probe..." just before it attaches; this much later the probe
/// is attached (its start-up to a first real event is measured separately, and its count at
/// the end is checked against the connects made).
const BPFTRACE_SETTLE: Duration = Duration::from_millis(250);
/// Untraced loop run once before the rounds, so the first round does not pay for cold caches.
const WARM_UP: Duration = Duration::from_millis(500);
/// What the columns of the per-round lines mean.
const LEGEND: &str = "columns: connects/s = wall clock; loop CPU = the loop thread's CPU time per \
connect (in-kernel tracing work included, waiting for a CPU not); tracer CPU = the tracer \
process's share of a CPU during the loop, and its CPU time per connect from the loop's start to \
its exit (the drain included); events per connect (start-up probes included); lost; attached = \
spawn to first event (bindscope) or to its \"Attaching\" line (bpftrace); stop = SIGINT to exit \
(bindscope first delivers its backlog, then detaches), last event = SIGINT to the last output \
before the summary (the backlog alone). With `> /dev/null`, attached = spawn to bindscope's \
\"attached\" log line, and the last event is unseen.";
/// A drain after the loop longer than this means bindscope's user space fell behind.
const BACKLOG_NOTICE: Duration = Duration::from_millis(500);
/// The longest round this program accepts, so a typo cannot make it run for days.
const MAX_SECONDS_PER_ROUND: f64 = 600.0;

/// What tracing costs a UDP connect() loop: bindscope vs bpftrace vs untraced, interleaved.
#[derive(Parser)]
#[command(name = "bindscope-bench", about, long_about)]
struct Args {
    /// Rounds; each round measures every mode once, in an order that rotates.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    rounds: u32,
    /// Seconds of connect() loop per mode and round.
    #[arg(long, default_value_t = 2.0)]
    seconds_per_round: f64,
    /// socket(), connect(), close() each time instead of reconnecting one socket.
    #[arg(long)]
    fresh_sockets: bool,
    /// Extra rounds showing where bindscope's cost goes: when it misses a target, always, or
    /// never.
    #[arg(long, value_enum, default_value = "auto")]
    breakdown: Breakdown,
    /// How many times each tracer's start-up is timed.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    startup_trials: u32,
    /// bindscope's ring buffer (`--ring-size`) in the rounds [default: the CLI's, 4m, which
    /// the zero-loss target is for]. A larger one shows what a stall of user space costs
    /// without losing the events.
    #[arg(long, value_name = "BYTES")]
    ring_size: Option<String>,
    /// The bindscope CLI [default: `bindscope` next to this program].
    #[arg(long, value_name = "PATH")]
    bindscope: Option<PathBuf>,
    /// Another bindscope CLI (built from an earlier commit, say) measured in the same rounds,
    /// route only, beside this one: prints what the route program costs before and after.
    #[arg(long, value_name = "PATH")]
    baseline: Option<PathBuf>,
    /// The bpftrace binary.
    #[arg(long, value_name = "PATH", default_value = "bpftrace")]
    bpftrace: PathBuf,
    /// Only the IPv4 and IPv6 rounds (the route programs' costs by family), none of the
    /// others.
    #[arg(long)]
    families_only: bool,
    /// The eBPF object with the calibration programs (the breakdown rounds load it).
    #[arg(long, value_name = "PATH", default_value = EBPF_OBJECT)]
    ebpf_object: PathBuf,
}

/// Where `cargo xtask build-ebpf` leaves the eBPF object.
const EBPF_OBJECT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../observer-ebpf/target/bpfel-unknown-none/release/bindscope"
);

/// When to run the breakdown rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Breakdown {
    /// Only if bindscope misses a target.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Which namespace bindscope's `--netns` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NsFilter {
    /// The host namespace, where the loop runs: every event is delivered.
    Host,
    /// The router namespace: the loop's events are dropped by our program in the kernel.
    Router,
}

/// One way of running the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
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
const BINDSCOPE_ALL: Mode = Mode::Bindscope {
    events: "sockopt,route,ioctl,cmsg",
    netns: NsFilter::Host,
    format: Format::JsonToNull,
};
/// The main comparison, and the route family alone in each output (user space's cost per
/// event, and how fast it stops).
const MAIN_MODES: [Mode; 6] = [
    Mode::Untraced,
    BINDSCOPE_ALL,
    Mode::Bpftrace,
    ROUTE_TO_NULL,
    ROUTE_TABLE,
    ROUTE_DELIVERED,
];
/// Where bindscope's cost goes: each bindscope mode drops one part of what the one before it
/// does; the calibration modes then measure the floor of any program, one part at a time.
const BREAKDOWN_MODES: [Mode; 9] = [
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
const BASELINE_MODES: [Mode; 3] = [Mode::Untraced, ROUTE_DELIVERED, Mode::BaselineRoute];
/// How much more per event the route program may cost than the baseline's.
const TARGET_VS_BASELINE: f64 = 1.10;
/// Only the route family: no syscall tracepoints.
const ROUTE_DELIVERED: Mode = Mode::Bindscope {
    events: "route",
    netns: NsFilter::Host,
    format: Format::Json,
};
/// Only the route family, NDJSON to `/dev/null` (the CPU-per-event target's condition).
const ROUTE_TO_NULL: Mode = Mode::Bindscope {
    events: "route",
    netns: NsFilter::Host,
    format: Format::JsonToNull,
};
/// Only the route family, written as the human table.
const ROUTE_TABLE: Mode = Mode::Bindscope {
    events: "route",
    netns: NsFilter::Host,
    format: Format::Table,
};
/// Only the route family, every event of the loop dropped by our program's netns filter.
const ROUTE_FILTERED: Mode = Mode::Bindscope {
    events: "route",
    netns: NsFilter::Router,
    format: Format::Json,
};
/// Only the syscall tracepoints of `setsockopt`, which the loop never calls.
const SOCKOPT_ONLY: Mode = Mode::Bindscope {
    events: "sockopt",
    netns: NsFilter::Host,
    format: Format::Json,
};

impl Mode {
    /// The row label.
    fn label(self) -> &'static str {
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

/// One mode in one round.
#[derive(Debug, Clone, Copy)]
struct Sample {
    /// The loop.
    run: LoopRun,
    /// The tracer's part, if one was attached.
    tracer: Option<TracerSample>,
}

/// What a tracer did during one loop.
#[derive(Debug, Clone, Copy)]
struct TracerSample {
    /// Events it reported (bindscope) or counted (bpftrace), start-up probes included.
    events: u64,
    /// Events bindscope lost (bpftrace's count cannot lose any).
    lost: Option<u64>,
    /// CPU seconds its process used during the loop.
    cpu_in_loop: Option<f64>,
    /// CPU seconds its process used from the loop's start until it exited: its whole share
    /// of the work for the loop's events, the drain after the loop included.
    cpu_to_exit: Option<f64>,
    /// From spawn until attached (bindscope: its first event; bpftrace: its "Attaching" line).
    attach: Duration,
    /// From `SIGINT` until it exited (bindscope first delivers what is in its ring buffer).
    stop: Duration,
    /// From `SIGINT` until it had delivered its last event (see `Finished::drained`);
    /// unknown for output to `/dev/null`.
    drained: Option<Duration>,
}

impl Sample {
    /// Connects per second (wall clock).
    fn rate(&self) -> f64 {
        self.run.rate()
    }

    /// Connects per second of the loop thread's CPU time: the throughput the loop would have
    /// with a CPU to itself, which the in-kernel part of tracing (run in the loop's context)
    /// lowers and other load on the machine does not.
    fn loop_cpu_rate(&self) -> f64 {
        1e9 / self.run.cpu_ns_per_connect().max(1e-9)
    }

    /// Connects per second of CPU time of the loop thread and the tracer process together:
    /// the whole cost of tracing, whichever CPU pays it.
    fn total_cpu_rate(&self) -> Option<f64> {
        let tracer = self.tracer.map_or(Some(0.0), |t| t.cpu_to_exit)?;
        let seconds = self.run.cpu.as_secs_f64() + tracer;
        Some(self.run.connects as f64 / seconds.max(1e-9))
    }

    /// The tracer's CPU time per connect, in nanoseconds.
    fn tracer_ns_per_connect(&self) -> Option<f64> {
        Some(self.tracer?.cpu_to_exit? * 1e9 / self.run.connects.max(1) as f64)
    }

    /// The share of a CPU the tracer used during the loop.
    fn tracer_load(&self) -> Option<f64> {
        Some(self.tracer?.cpu_in_loop? / self.run.elapsed.as_secs_f64().max(1e-9))
    }

    /// The rate the tracer's user space delivered events at: all of them, over the loop and
    /// the drain after it (it started reading when the loop started, and stopped at exit).
    fn delivery_rate(&self) -> Option<f64> {
        let tracer = self.tracer?;
        // Output to /dev/null: the drain is unseen, the exit bounds it.
        let busy = self.run.elapsed + tracer.drained.unwrap_or(tracer.stop);
        Some(tracer.events as f64 / busy.as_secs_f64().max(1e-9))
    }

    /// One line for the per-round listing.
    fn describe(&self) -> String {
        let mut text = format!(
            "{:>9} connects/s  loop CPU {:>5.0} ns/connect",
            thousands(self.rate()),
            self.run.cpu_ns_per_connect()
        );
        let Some(tracer) = self.tracer else {
            return text;
        };
        if let (Some(load), Some(ns)) = (self.tracer_load(), self.tracer_ns_per_connect()) {
            text.push_str(&format!(
                "  tracer CPU {:>3.0}%, {ns:>5.0} ns/connect",
                load * 100.0
            ));
        }
        text.push_str(&format!(
            "  events {:.2}/connect",
            tracer.events as f64 / self.run.connects.max(1) as f64
        ));
        if let Some(lost) = tracer.lost {
            text.push_str(&format!("  lost {lost}"));
        }
        text.push_str(&format!(
            "  attached {}  stop {} (last event {})",
            ms(tracer.attach),
            ms(tracer.stop),
            tracer.drained.map_or_else(|| "unseen".into(), ms)
        ));
        text
    }
}

/// Everything a round needs.
struct Bench<'a> {
    args: &'a Args,
    topology: &'a SeedTopology,
    bindscope: PathBuf,
    sockets: Sockets,
    round_length: Duration,
    /// The calibration programs, read up front unless the breakdown is never run.
    calibration: Option<Programs>,
}

/// The samples of each mode, in the order of the modes given.
type Results = Vec<(Mode, Vec<Sample>)>;

impl Bench<'_> {
    /// The IPv4 and IPv6 rounds: what each family's route program costs.
    fn families(&self) -> Result<()> {
        println!(
            "\nIPv4 and IPv6 rounds: the same loop to {} and to an IPv6 destination, untraced \
             and traced (route only)\n",
            workload::destination()
        );
        family::run(
            &self.bindscope,
            &self.topology.host,
            self.args.rounds,
            self.round_length,
        )
    }

    /// Measures one mode once.
    fn measure(&self, mode: Mode) -> Result<Sample> {
        match mode {
            Mode::Untraced => Ok(Sample {
                run: self.run_loop()?,
                tracer: None,
            }),
            Mode::Bindscope {
                events,
                netns,
                format,
            } => self.measure_bindscope(&self.bindscope, events, netns, format),
            Mode::BaselineRoute => match &self.args.baseline {
                Some(baseline) => {
                    self.measure_bindscope(baseline, "route", NsFilter::Host, Format::Json)
                }
                None => bail!("no --baseline CLI given"),
            },
            Mode::Calibration(part) => self.calibrate(part),
            Mode::Bpftrace => {
                let command = tracers::bpftrace(&self.args.bpftrace, tracers::BPFTRACE_COUNT);
                let mut tracer = Traced::spawn("bpftrace", command)?;
                let attach = tracer.wait_line(|l| l.starts_with("Attaching"), ATTACH_BOUND)?;
                std::thread::sleep(BPFTRACE_SETTLE);
                let (run, cpu_in_loop, cpu_before, finished) = self.traced_loop(tracer)?;
                Ok(Sample {
                    run,
                    tracer: Some(TracerSample {
                        events: tracers::bpftrace_count(&finished.tail)?,
                        lost: None,
                        cpu_in_loop,
                        cpu_to_exit: finished.cpu.zip(cpu_before).map(|(end, start)| end - start),
                        attach,
                        stop: finished.stop,
                        drained: finished.drained,
                    }),
                })
            }
        }
    }

    /// The CLI at `binary`, tracing `events` with `--netns` `netns`, around one loop.
    fn measure_bindscope(
        &self,
        binary: &Path,
        events: &str,
        netns: NsFilter,
        format: Format,
    ) -> Result<Sample> {
        let ns = match netns {
            NsFilter::Host => &self.topology.host,
            NsFilter::Router => &self.topology.router,
        };
        let ring = self.args.ring_size.as_deref();
        let command = tracers::bindscope(binary, events, &ns.path(), ring, format);
        let mut tracer = Traced::spawn_watching("bindscope", command, format.watched())?;
        // Probes run in the namespace the filter names, so they produce events.
        let (attach, _) = workload::while_probing(ns, || {
            tracer.wait_line(|line| format.shows_attached(line), ATTACH_BOUND)
        })?;
        let attach = attach?;
        let (run, cpu_in_loop, cpu_before, finished) = self.traced_loop(tracer)?;
        let (events, lost) = tracers::bindscope_summary(&finished.tail)?;
        Ok(Sample {
            run,
            tracer: Some(TracerSample {
                events,
                lost: Some(lost),
                cpu_in_loop,
                cpu_to_exit: finished.cpu.zip(cpu_before).map(|(end, start)| end - start),
                attach,
                stop: finished.stop,
                drained: finished.drained,
            }),
        })
    }

    /// The loop under a calibration program alone.
    fn calibrate(&self, part: Part) -> Result<Sample> {
        let Some(programs) = &self.calibration else {
            bail!("the calibration programs were not read (--breakdown never)");
        };
        let attached = programs.attach(part)?;
        let run = self.run_loop()?;
        let records = attached.detach()?;
        if part == Part::Record && records < run.connects {
            // A full ring fails the reservation, which is cheaper than a record: say so.
            println!(
                "  note: the record calibration drained {records} records for {} connects: \
                 its ring buffer overflowed, and a failed reservation costs less than a \
                 record, so this round understates a record's cost",
                run.connects
            );
        }
        Ok(Sample { run, tracer: None })
    }

    /// The loop, with nothing else to do.
    fn run_loop(&self) -> Result<LoopRun> {
        workload::connect_loop(&self.topology.host, self.round_length, self.sockets)
    }

    /// The loop under an attached tracer, which is stopped afterwards. Also returns the CPU
    /// seconds the tracer used during the loop, and its CPU seconds when the loop started.
    fn traced_loop(&self, tracer: Traced) -> Result<(LoopRun, Option<f64>, Option<f64>, Finished)> {
        let cpu_before = tracers::cpu_seconds(tracer.pid());
        let run = self.run_loop()?;
        let cpu_after = tracers::cpu_seconds(tracer.pid());
        let in_loop = cpu_before
            .zip(cpu_after)
            .map(|(before, after)| after - before);
        Ok((run, in_loop, cpu_before, tracer.stop()?))
    }

    /// `rounds` rounds over `modes`, rotating the order each round; prints every sample.
    fn rounds(&self, modes: &[Mode]) -> Result<Results> {
        let mut results: Results = modes.iter().map(|&m| (m, Vec::new())).collect();
        let rounds = self.args.rounds as usize;
        for round in 0..rounds {
            println!("round {}/{rounds}", round + 1);
            for offset in 0..results.len() {
                let index = (round + offset) % results.len();
                let Some((mode, samples)) = results.get_mut(index) else {
                    continue;
                };
                let sample = self
                    .measure(*mode)
                    .with_context(|| format!("round {}, {}", round + 1, mode.label()))?;
                println!("  {:<44}{}", mode.label(), sample.describe());
                samples.push(sample);
            }
        }
        Ok(results)
    }

    /// Times the start-up of each tracer `startup_trials` times, interleaved. bindscope runs
    /// with its defaults here, as a user starts it: the rounds' 64 MiB ring buffer alone adds
    /// about 20 ms (the kernel allocates, zeroes and maps every page of it), which the rounds'
    /// "attached" column shows.
    fn startup(&self) -> Result<Startup> {
        let host = &self.topology.host;
        let mut startup = Startup::default();
        for _ in 0..self.args.startup_trials {
            // The CLI, until the first event of a probe connect is on its standard output.
            let command = tracers::bindscope(
                &self.bindscope,
                "sockopt,route,ioctl,cmsg",
                &host.path(),
                None,
                Format::Json,
            );
            let mut cli = Traced::spawn("bindscope", command)?;
            let (first, _) =
                workload::while_probing(host, || cli.wait_line(|_| true, ATTACH_BOUND))?;
            startup.cli_first_event.push(first?);
            cli.stop()?;

            // The library, in this process: Collector::start, then the first event.
            let config = Config {
                events: EventSet::ALL,
                filter: bindscope::Filter {
                    netns: Some(NetnsSpec::Path(host.path())),
                    ..bindscope::Filter::default()
                },
                ..Config::default()
            };
            let started = Instant::now();
            let mut collector = Collector::start(&config).context("Collector::start")?;
            startup.library_start.push(started.elapsed());
            let (first, _) = workload::while_probing(host, || {
                while started.elapsed() < ATTACH_BOUND {
                    if !collector.poll(0).is_empty() {
                        return Ok(started.elapsed());
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
                bail!("the library saw no event within {ATTACH_BOUND:?}")
            })?;
            startup.library_first_event.push(first?);
            drop(collector);

            // bpftrace's count-only program, until it says it is attaching.
            let command = tracers::bpftrace(&self.args.bpftrace, tracers::BPFTRACE_COUNT);
            let mut counter = Traced::spawn("bpftrace", command)?;
            let attaching = counter.wait_line(|l| l.starts_with("Attaching"), ATTACH_BOUND)?;
            startup.bpftrace_attaching.push(attaching);
            counter.stop()?;

            // bpftrace's printing variant, until its first event is on its standard output.
            let command = tracers::bpftrace(&self.args.bpftrace, tracers::BPFTRACE_FIRST);
            let mut printer = Traced::spawn("bpftrace", command)?;
            let (first, _) = workload::while_probing(host, || {
                printer.wait_line(|l| l.contains("first event"), ATTACH_BOUND)
            })?;
            startup.bpftrace_first_event.push(first?);
            printer.stop()?;
        }
        Ok(startup)
    }
}

/// Start-up times, one entry per trial.
#[derive(Debug, Default)]
struct Startup {
    /// CLI: spawn until its first event (a probe connect) is printed.
    cli_first_event: Vec<Duration>,
    /// Library: the duration of `Collector::start` (load and attach).
    library_start: Vec<Duration>,
    /// Library: from calling `Collector::start` until `poll` returned the first event.
    library_first_event: Vec<Duration>,
    /// bpftrace: spawn until "Attaching 1 probe..." is printed (just before it attaches).
    bpftrace_attaching: Vec<Duration>,
    /// bpftrace: spawn until its printing variant printed its first event.
    bpftrace_first_event: Vec<Duration>,
}

/// The samples of `mode` in `results` (one per round).
fn samples(results: &Results, mode: Mode) -> &[Sample] {
    results
        .iter()
        .find(|(m, _)| *m == mode)
        .map_or(&[], |(_, samples)| samples.as_slice())
}

/// `metric` of `a` over `metric` of `b`, round by round (both were measured in the same
/// rounds, close together in time), as median and range.
fn paired(
    results: &Results,
    a: Mode,
    b: Mode,
    metric: impl Fn(&Sample) -> Option<f64>,
) -> Option<Paired> {
    let ratios: Vec<f64> = samples(results, a)
        .iter()
        .zip(samples(results, b))
        .filter_map(|(a, b)| Some(metric(a)? / metric(b)?.max(1e-9)))
        .collect();
    Paired::of(&ratios)
}

/// `metric` of `a` minus `metric` of `b`, round by round, as median and range.
fn paired_difference(
    results: &Results,
    a: Mode,
    b: Mode,
    metric: impl Fn(&Sample) -> Option<f64>,
) -> Option<Paired> {
    let differences: Vec<f64> = samples(results, a)
        .iter()
        .zip(samples(results, b))
        .filter_map(|(a, b)| Some(metric(a)? - metric(b)?))
        .collect();
    Paired::of(&differences)
}

/// Wall-clock rate, as a metric for [`paired`].
fn wall(sample: &Sample) -> Option<f64> {
    Some(sample.rate())
}

/// Loop-thread CPU rate, as a metric for [`paired`].
fn loop_cpu(sample: &Sample) -> Option<f64> {
    Some(sample.loop_cpu_rate())
}

/// Loop-thread CPU nanoseconds per connect, as a metric for [`paired_difference`].
fn loop_ns(sample: &Sample) -> Option<f64> {
    Some(sample.run.cpu_ns_per_connect())
}

/// A single number as a table value.
fn single(value: f64) -> Option<Paired> {
    Paired::of(&[value])
}

/// The median of `metric` over the samples of `mode`.
fn median_of(
    results: &Results,
    mode: Mode,
    metric: impl Fn(&Sample) -> Option<f64>,
) -> Option<f64> {
    median(
        &samples(results, mode)
            .iter()
            .filter_map(metric)
            .collect::<Vec<_>>(),
    )
}

/// Prints each mode's medians: connects/s, the loop thread's CPU per connect and, for
/// tracers, their process's CPU (per connect and as a share of a CPU during the loop), the
/// rate bindscope delivered events at, and the events it lost.
fn print_medians(results: &Results) {
    println!(
        "medians over {} rounds:",
        results.first().map_or(0, |(_, s)| s.len())
    );
    for (mode, samples) in results {
        let mode = *mode;
        let rate = median_of(results, mode, wall);
        let mut line = format!(
            "  {:<44} {:>9} connects/s  loop CPU {:>5.0} ns/connect",
            mode.label(),
            rate.map_or_else(|| "n/a".into(), thousands),
            median_of(results, mode, loop_ns).unwrap_or(f64::NAN)
        );
        if let (Some(load), Some(ns)) = (
            median_of(results, mode, Sample::tracer_load),
            median_of(results, mode, Sample::tracer_ns_per_connect),
        ) {
            line.push_str(&format!(
                "  tracer CPU {:>3.0}%, {ns:>5.0} ns/connect",
                load * 100.0
            ));
        }
        if samples
            .iter()
            .any(|s| s.tracer.is_some_and(|t| t.lost.is_some()))
        {
            if let Some(delivered) = median_of(results, mode, Sample::delivery_rate) {
                line.push_str(&format!("  delivered {} events/s", thousands(delivered)));
            }
            let lost: u64 = samples.iter().filter_map(|s| s.tracer?.lost).sum();
            line.push_str(&format!("  lost {lost}"));
        }
        println!("{line}");
    }
}

/// What missed its target, in words (empty: every target met).
type Missed = Vec<String>;

/// Prints the main comparison's ratios with their targets; returns what missed.
fn print_main(results: &Results, startup: &Startup) -> Missed {
    let vs_untraced = paired(results, BINDSCOPE_ALL, Mode::Untraced, wall);
    let vs_bpftrace = paired(results, BINDSCOPE_ALL, Mode::Bpftrace, wall);
    let lost: u64 = samples(results, BINDSCOPE_ALL)
        .iter()
        .filter_map(|s| s.tracer?.lost)
        .sum();
    let row = |name: &str, value: Option<Paired>, target: Target| {
        println!("{}", target_row(name, value, 3, target));
    };

    println!(
        "\nratios of connects/s, median of the rounds' own ratios (range over rounds); \
         targets are printed, not asserted:"
    );
    row(
        "bindscope / untraced",
        vs_untraced,
        Target::AtLeast(TARGET_VS_UNTRACED),
    );
    row(
        "bpftrace / untraced",
        paired(results, Mode::Bpftrace, Mode::Untraced, wall),
        Target::None,
    );
    row("bindscope / bpftrace", vs_bpftrace, Target::AtLeast(1.0));
    println!(
        "{}",
        target_row(
            "bindscope events lost (all rounds)",
            single(lost as f64),
            0,
            Target::Exactly(0.0)
        )
    );
    print_backlog(samples(results, BINDSCOPE_ALL));
    let mut missed = print_user_space(results);

    println!(
        "\nthe same ratios from CPU time per connect (robust to other load on the machine; the \
         loop thread pays the in-kernel part of tracing, the tracer process its user space):"
    );
    row(
        "bindscope / untraced, loop thread only",
        paired(results, BINDSCOPE_ALL, Mode::Untraced, loop_cpu),
        Target::None,
    );
    row(
        "bindscope / untraced, loop + tracer",
        paired(
            results,
            BINDSCOPE_ALL,
            Mode::Untraced,
            Sample::total_cpu_rate,
        ),
        Target::None,
    );
    row(
        "bpftrace / untraced, loop thread only",
        paired(results, Mode::Bpftrace, Mode::Untraced, loop_cpu),
        Target::None,
    );
    row(
        "bpftrace / untraced, loop + tracer",
        paired(
            results,
            Mode::Bpftrace,
            Mode::Untraced,
            Sample::total_cpu_rate,
        ),
        Target::None,
    );
    row(
        "bindscope / bpftrace, loop + tracer",
        paired(
            results,
            BINDSCOPE_ALL,
            Mode::Bpftrace,
            Sample::total_cpu_rate,
        ),
        Target::None,
    );

    let cli = median_duration(&startup.cli_first_event);
    let bt_first = median_duration(&startup.bpftrace_first_event);
    println!(
        "\nstart-up to attached (bindscope: all event families, default ring buffer), median of {} trials:",
        startup.cli_first_event.len()
    );
    let show = |name: &str, value: Option<Duration>| {
        println!(
            "  {name:<52} {:>10}",
            value.map_or_else(|| "n/a".into(), ms)
        );
    };
    show("bindscope CLI: spawn -> first event of a probe", cli);
    show(
        "bindscope library: Collector::start (load + attach)",
        median_duration(&startup.library_start),
    );
    show(
        "bindscope library: Collector::start -> first event",
        median_duration(&startup.library_first_event),
    );
    show(
        "bpftrace: spawn -> \"Attaching 1 probe...\"",
        median_duration(&startup.bpftrace_attaching),
    );
    show("bpftrace: spawn -> first event (printf variant)", bt_first);
    let startup_ratio = cli
        .zip(bt_first)
        .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64().max(1e-9));
    row(
        "start-up, bindscope CLI / bpftrace",
        startup_ratio.and_then(single),
        Target::AtMost(1.0),
    );

    let shown = |r: Option<f64>| r.map_or_else(|| "n/a".into(), |r| format!("{r:.3}"));
    if vs_untraced.is_none_or(|r| r.median < TARGET_VS_UNTRACED) {
        missed.push(format!(
            "throughput {} of untraced (target >= {TARGET_VS_UNTRACED:.2})",
            shown(vs_untraced.map(|r| r.median))
        ));
    }
    if lost > 0 {
        missed.push(format!("{lost} events lost (target 0)"));
    }
    if vs_bpftrace.is_none_or(|r| r.median < 1.0) {
        missed.push(format!(
            "throughput {} of bpftrace's (target >= 1.00)",
            shown(vs_bpftrace.map(|r| r.median))
        ));
    }
    if startup_ratio.is_none_or(|r| r > 1.0) {
        missed.push(format!(
            "start-up {} of bpftrace's (target <= 1.00)",
            shown(startup_ratio)
        ));
    }
    missed
}

/// bindscope's user space with the route family alone, in both output formats, against the
/// targets: CPU per event, events lost with the default ring buffer, and how soon after
/// `SIGINT` the last event is out and the process gone. Returns the targets missed.
fn print_user_space(results: &Results) -> Missed {
    let per_event = |mode: Mode| {
        let values: Vec<f64> = samples(results, mode)
            .iter()
            .filter_map(|s| {
                let tracer = s.tracer?;
                Some(tracer.cpu_to_exit? * 1e9 / tracer.events.max(1) as f64)
            })
            .collect();
        Paired::of(&values)
    };
    let worst = |mode: Mode, metric: fn(&TracerSample) -> Option<Duration>| {
        samples(results, mode)
            .iter()
            .filter_map(|s| Some(metric(&s.tracer?)?.as_secs_f64() * 1e3))
            .reduce(f64::max)
    };
    let lost = |modes: &[Mode]| -> u64 {
        modes
            .iter()
            .flat_map(|&mode| samples(results, mode))
            .filter_map(|s| s.tracer?.lost)
            .sum()
    };
    // The target's condition: NDJSON to /dev/null, the table to a pipe. NDJSON to a pipe
    // (700 bytes an event, about 1.2 GB/s) is shown beside it: there the bench's reader
    // shares the two CPUs with the loop and bindscope, and bindscope waits for it.
    let lost_target = lost(&[ROUTE_TO_NULL, ROUTE_TABLE]);
    let lost_pipe = lost(&[ROUTE_DELIVERED]);
    println!(
        "\nbindscope's user space, route only (reading, decoding, grouping, formatting, writing; \
         the drain and the exit included), median of the rounds (range):"
    );
    let json = per_event(ROUTE_TO_NULL);
    let table = per_event(ROUTE_TABLE);
    let row = |name: &str, value: Option<Paired>, target: Target| {
        println!("{}", target_row(name, value, 0, target));
    };
    row(
        "CPU per event, --json > /dev/null (ns)",
        json,
        Target::AtMost(TARGET_JSON_NS),
    );
    row(
        "CPU per event, table to a pipe (ns)",
        table,
        Target::AtMost(TARGET_TABLE_NS),
    );
    row(
        "CPU per event, --json to a pipe (ns)",
        per_event(ROUTE_DELIVERED),
        Target::None,
    );
    row(
        "events lost, --json > /dev/null and table",
        single(lost_target as f64),
        Target::Exactly(0.0),
    );
    row(
        "events lost, --json to a pipe",
        single(lost_pipe as f64),
        Target::None,
    );
    // The last event is seen where the events are read: the pipes.
    let last_event = [ROUTE_DELIVERED, ROUTE_TABLE]
        .into_iter()
        .filter_map(|mode| worst(mode, |t| t.drained))
        .reduce(f64::max);
    let exit = [ROUTE_TO_NULL, ROUTE_DELIVERED, ROUTE_TABLE]
        .into_iter()
        .filter_map(|mode| worst(mode, |t| Some(t.stop)))
        .reduce(f64::max);
    row(
        "SIGINT -> last event, worst round (ms)",
        last_event.and_then(single),
        Target::AtMost(TARGET_STOP_MS),
    );
    row(
        "SIGINT -> exit, worst round (ms)",
        exit.and_then(single),
        Target::AtMost(TARGET_STOP_MS),
    );
    let mut missed = Missed::new();
    for (what, value, target) in [
        (
            "CPU per event with --json",
            json.map(|p| p.median),
            TARGET_JSON_NS,
        ),
        (
            "CPU per event in the table",
            table.map(|p| p.median),
            TARGET_TABLE_NS,
        ),
        ("SIGINT to exit (route only)", exit, TARGET_STOP_MS),
    ] {
        if value.is_none_or(|v| v > target) {
            missed.push(format!(
                "{what} {} (target <= {target:.0})",
                value.map_or_else(|| "n/a".into(), |v| format!("{v:.0}"))
            ));
        }
    }
    if lost_target > 0 {
        missed.push(format!(
            "{lost_target} events lost in the route-only rounds to /dev/null or the table \
             (target 0)"
        ));
    }
    missed
}

/// Says so when bindscope's user space fell behind: events it had not delivered when the
/// loop ended sat in the ring buffer, and a longer burst would have overflowed it.
fn print_backlog(samples: &[Sample]) {
    let values = |metric: &dyn Fn(&Sample) -> Option<f64>| {
        median(&samples.iter().filter_map(metric).collect::<Vec<_>>())
    };
    let drain = values(&|s| Some(s.tracer?.drained?.as_secs_f64()));
    let produced = values(&|s| {
        let tracer = s.tracer?;
        Some((tracer.events + tracer.lost?) as f64 / s.run.elapsed.as_secs_f64())
    });
    let lost: u64 = samples.iter().filter_map(|s| s.tracer?.lost).sum();
    let delivered = values(&Sample::delivery_rate);
    if let (Some(drain), Some(produced), Some(delivered)) = (drain, produced, delivered) {
        if drain > BACKLOG_NOTICE.as_secs_f64() {
            println!(
                "  note: bindscope's user space fell behind: the loop produced {} events/s, it \
                 delivered {} events/s and needed {} after the loop to drain its ring buffer \
                 (medians). {}",
                thousands(produced),
                thousands(delivered),
                ms(Duration::from_secs_f64(drain)),
                if lost == 0 {
                    "Zero lost events here is the big ring buffer's doing: a longer burst at \
                     this rate would overflow it."
                } else {
                    "The ring buffer overflowed: what did not fit was lost."
                }
            );
        }
    }
}

/// Prints where bindscope's cost goes, from the breakdown rounds.
fn print_breakdown(results: &Results) {
    println!("\nbreakdown: each mode / untraced, median of the rounds' own ratios (range)");
    println!("  {:<44} {:>8}  {:<14}   {:>8}", "", "wall", "", "loop CPU");
    for (mode, _) in results.iter().filter(|(m, _)| *m != Mode::Untraced) {
        let wall_row = target_row(
            mode.label(),
            paired(results, *mode, Mode::Untraced, wall),
            3,
            Target::None,
        );
        let cpu = paired(results, *mode, Mode::Untraced, loop_cpu).map_or_else(
            || "n/a".to_owned(),
            |r| format!("{:>8.3}  {:.3}..{:.3}", r.median, r.min, r.max),
        );
        println!("{wall_row:<74}{cpu}");
    }

    // Each step adds one part of the work; the loop thread's extra CPU per connect is that
    // part's in-kernel cost. User space runs in the tracer's process, on another CPU.
    let difference = |more: Mode, less: Mode| paired_difference(results, more, less, loop_ns);
    let step = |more: Mode, less: Mode| {
        difference(more, less).map_or_else(
            || "n/a".to_owned(),
            |d| format!("{:>+7.0} ns  ({:+.0}..{:+.0})", d.median, d.min, d.max),
        )
    };
    let untraced_ns = median_of(results, Mode::Untraced, loop_ns).unwrap_or(f64::NAN);
    let user_space = median_of(results, ROUTE_DELIVERED, Sample::tracer_ns_per_connect)
        .map_or_else(|| "n/a".to_owned(), |ns| format!("{ns:>7.0} ns"));
    println!(
        "\nwhere bindscope's cost goes, per connect (untraced: {untraced_ns:.0} ns of the loop \
         thread's CPU), median of the rounds' differences (range):"
    );
    let line = |label: &str, value: String| println!("  {label:<76} {value}");
    line(
        "in the loop's context: tracepoint + our route program up to its netns filter",
        step(ROUTE_FILTERED, Mode::Untraced),
    );
    line(
        "in the loop's context: + recording the event and the ring buffer",
        step(ROUTE_DELIVERED, ROUTE_FILTERED),
    );
    line(
        "in the loop's context: + the sockopt/ioctl/cmsg syscall tracepoints",
        step(BINDSCOPE_ALL, ROUTE_DELIVERED),
    );
    line(
        "in the loop's context: all of bindscope",
        step(BINDSCOPE_ALL, Mode::Untraced),
    );
    line(
        "in bindscope's process: reading, decoding, JSON, write (route only)",
        user_space,
    );
    line(
        "check: the sockopt family alone (its tracepoints never fire here)",
        step(SOCKOPT_ONLY, Mode::Untraced),
    );
    line(
        "for comparison: bpftrace's count() on the same tracepoint",
        step(Mode::Bpftrace, Mode::Untraced),
    );

    // What no program can avoid, measured with programs that do one part each.
    const EMPTY: Mode = Mode::Calibration(Part::Empty);
    const CLOCK: Mode = Mode::Calibration(Part::Clock);
    const RECORD: Mode = Mode::Calibration(Part::Record);
    println!(
        "\nthe floor on this kernel, per connect: calibration programs alone on the tracepoint \
         (not bindscope), median of the rounds' differences (range):"
    );
    line(
        "the tracepoint with an empty program",
        step(EMPTY, Mode::Untraced),
    );
    line(
        "+ one clock read (bpf_ktime_get_ns), over the empty program",
        step(CLOCK, EMPTY),
    );
    line(
        "+ one ring-buffer record (reserve, submit), over the empty program",
        step(RECORD, EMPTY),
    );
    let median_step = |more: Mode, less: Mode| difference(more, less).map(|d| d.median);
    if let (Some(empty), Some(clock), Some(record)) = (
        median_step(EMPTY, Mode::Untraced),
        median_step(CLOCK, EMPTY),
        median_step(RECORD, EMPTY),
    ) {
        let least = empty + clock + record;
        let allowed = untraced_ns / TARGET_VS_UNTRACED - untraced_ns;
        line(
            "an event with a timestamp costs at least (the three together)",
            format!("{least:>+7.0} ns"),
        );
        line(
            &format!(
                "the throughput target ({TARGET_VS_UNTRACED:.2} of untraced) allows per connect"
            ),
            format!("{allowed:>+7.0} ns"),
        );
        if let Some(route) = median_step(ROUTE_DELIVERED, Mode::Untraced) {
            line(
                "bindscope's route program (route only, delivered), over that least",
                format!("{:>+7.0} ns", route - least),
            );
        }
        if least > allowed {
            println!(
                "  => on this machine, no program that delivers every lookup with a timestamp \
                 through a ring buffer can meet the throughput target"
            );
        } else {
            println!(
                "  => the target leaves {:.0} ns per connect for reading the lookup and the task",
                allowed - least
            );
        }
    }
}

/// The route program's cost per connect (the loop thread's CPU over untraced), this one and
/// the baseline's, with the ratio of the two against [`TARGET_VS_BASELINE`].
fn print_baseline(results: &Results) {
    let cost = |mode: Mode| paired_difference(results, mode, Mode::Untraced, loop_ns);
    let (after, before) = (cost(ROUTE_DELIVERED), cost(Mode::BaselineRoute));
    println!(
        "\nroute program cost per connect in the loop's context (route only, every event \
         delivered), median of the rounds' differences over untraced (range):"
    );
    println!(
        "{}",
        target_row("before (--baseline)", before, 0, Target::None)
    );
    println!(
        "{}",
        target_row("after (this bindscope)", after, 0, Target::None)
    );
    let ratios: Vec<f64> = samples(results, ROUTE_DELIVERED)
        .iter()
        .zip(samples(results, Mode::BaselineRoute))
        .zip(samples(results, Mode::Untraced))
        .map(|((after, before), untraced)| {
            (loop_ns(after).unwrap_or(0.0) - loop_ns(untraced).unwrap_or(0.0))
                / (loop_ns(before).unwrap_or(0.0) - loop_ns(untraced).unwrap_or(0.0)).max(1e-9)
        })
        .collect();
    println!(
        "{}",
        target_row(
            "after / before",
            Paired::of(&ratios),
            3,
            Target::AtMost(TARGET_VS_BASELINE)
        )
    );
    println!(
        "{}",
        target_row(
            "user space per connect, after / before",
            paired(
                results,
                ROUTE_DELIVERED,
                Mode::BaselineRoute,
                Sample::tracer_ns_per_connect
            ),
            3,
            Target::None
        )
    );
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("bindscope-bench: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The whole benchmark.
fn run(args: &Args) -> Result<()> {
    if !(args.seconds_per_round > 0.0 && args.seconds_per_round <= MAX_SECONDS_PER_ROUND) {
        bail!(
            "--seconds-per-round {} must be more than 0 and at most {MAX_SECONDS_PER_ROUND}",
            args.seconds_per_round
        );
    }
    if let Some(size) = &args.ring_size {
        bindscope::config::parse_ring_size(size)?;
    }
    privileges::check().map_err(|reason| anyhow::anyhow!("{reason}"))?;
    let bindscope = tracers::cli(args.bindscope.as_deref())?;
    // Read before the rounds, so that a missing object fails now, not after them.
    let calibration = match args.breakdown {
        Breakdown::Never => None,
        Breakdown::Auto | Breakdown::Always => Some(Programs::read(&args.ebpf_object)?),
    };
    for stale in netns::sweep_stale() {
        eprintln!("removed namespace {stale}, left behind by a killed run");
    }
    let topology = SeedTopology::build().context("building the seed topology")?;
    let sockets = if args.fresh_sockets {
        Sockets::Fresh
    } else {
        Sockets::Reconnect
    };
    let bench = Bench {
        args,
        topology: &topology,
        bindscope,
        sockets,
        round_length: Duration::from_secs_f64(args.seconds_per_round),
        calibration,
    };

    println!(
        "bindscope bench: UDP connect() to {} in namespace {} ({}), {} rounds x {} s per mode, \
         modes interleaved (the order rotates every round)",
        workload::destination(),
        topology.host.name(),
        match sockets {
            Sockets::Reconnect => "reconnecting one socket",
            Sockets::Fresh => "socket + connect + close",
        },
        args.rounds,
        args.seconds_per_round
    );
    println!(
        "note: {} CPUs, shared with whatever else runs (builds, other tests): the loop takes one, \
         a tracer's user space competes with everything else for the rest. Absolute rates are \
         noisy, which is why modes alternate within rounds and ratios are taken round by round; \
         CPU time per connect is the view least disturbed by other load.",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("{LEGEND}");
    println!(
        "bindscope: {}  bpftrace: {}",
        bench.bindscope.display(),
        args.bpftrace.display()
    );
    workload::connect_loop(&topology.host, WARM_UP, sockets).context("warm-up")?;
    if args.families_only {
        return bench.families();
    }

    println!("\nstart-up trials...");
    let startup = bench.startup()?;
    println!();
    let main = bench.rounds(&MAIN_MODES)?;
    println!();
    print_medians(&main);
    let missed = print_main(&main, &startup);

    if missed.is_empty() {
        println!("\nbindscope met every target in this run.");
    } else {
        println!(
            "\nbindscope MISSED its targets in this run: {}.",
            missed.join("; ")
        );
    }
    bench.families()?;
    if args.baseline.is_some() {
        println!("\nbaseline rounds: this bindscope's route program against the --baseline one\n");
        let results = bench.rounds(&BASELINE_MODES)?;
        println!();
        print_medians(&results);
        print_baseline(&results);
    }
    let breakdown = match args.breakdown {
        Breakdown::Always => true,
        Breakdown::Never => false,
        Breakdown::Auto => !missed.is_empty(),
    };
    if breakdown {
        println!("\nbreakdown rounds: where does bindscope's cost go?\n");
        let results = bench.rounds(&BREAKDOWN_MODES)?;
        println!();
        print_medians(&results);
        print_breakdown(&results);
    }
    Ok(())
}
