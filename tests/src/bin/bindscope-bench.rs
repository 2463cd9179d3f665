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
#[path = "../bench/mode.rs"]
mod mode;
#[path = "../bench/print.rs"]
mod print;
#[path = "../bench/report.rs"]
mod report;
#[path = "../bench/rounds.rs"]
mod rounds;
#[path = "../bench/tracers.rs"]
mod tracers;
#[path = "../bench/workload.rs"]
mod workload;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use bindscope_tests::{netns, privileges, SeedTopology};
use clap::{Parser, ValueEnum};

use calibration::Programs;
use mode::{BASELINE_MODES, BREAKDOWN_MODES, MAIN_MODES};
use print::{print_baseline, print_breakdown, print_main, print_medians};
use rounds::{Bench, LEGEND};
use workload::Sockets;

/// Untraced loop run once before the rounds, so the first round does not pay for cold caches.
const WARM_UP: Duration = Duration::from_millis(500);
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
        bindscope::trace::config::parse_ring_size(size)?;
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
        rounds: args.rounds,
        startup_trials: args.startup_trials,
        ring_size: args.ring_size.as_deref(),
        baseline: args.baseline.as_deref(),
        bpftrace: &args.bpftrace,
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
