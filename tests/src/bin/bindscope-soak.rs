//! `bindscope-soak`: bindscope under sustained load and namespace churn, for memory growth,
//! lost events and a clean exit. `cargo xtask soak --minutes N` builds and runs it.
//!
//! One `bindscope trace --json` (every event family, no filter, the default ring buffer, its
//! output read and counted) runs for the whole soak while a worker creates a network namespace
//! (loopback up, a documentation prefix routed on it, every other one with a policy rule and a
//! second table, so bindscope's rule lists open and close), uses it for a second (a paced UDP
//! connect loop at about `--rate` connects a second, some 200,000 events, with `SO_BINDTODEVICE`, `IP_TOS` and
//! `SO_MARK` set now and then) and deletes it, over and over. No packet is sent: a UDP connect
//! only looks the route up. bindscope's resident set size is sampled every 10 s.
//!
//! At the end it prints the first, the one-minute, the last and the largest RSS sample, the
//! events bindscope reported, the events it lost and how it exited, and fails (exit 1) if any
//! event was lost, bindscope did not exit cleanly, or (for soaks longer than a minute) RSS
//! grew by more than 10% after the first minute.
//!
//! ```text
//! bindscope-soak [--minutes N] [--rate EVENTS_PER_SECOND] [--bindscope PATH]
//! ```

// The benchmark's process handling (spawn, first line, SIGINT, summary), shared as a file:
// the soak uses only part of it, the rest is the benchmark's.
#[path = "../bench/tracers.rs"]
#[allow(dead_code)]
mod tracers;

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use bindscope_tests::topology::CLOSED_PORT;
use bindscope_tests::{netns, privileges, sys, Netns};
use clap::Parser;

use tracers::Traced;

/// How often bindscope's RSS is sampled.
const SAMPLE_EVERY: Duration = Duration::from_secs(10);
/// How long each namespace is used before it is deleted.
const NAMESPACE_LIFE: Duration = Duration::from_secs(1);
/// Connects between two looks at the pacing clock.
const BATCH: u64 = 256;
/// How much RSS may grow after the first minute.
const GROWTH_ALLOWED: f64 = 0.10;
/// How long bindscope may take to show its first event.
const ATTACH_BOUND: Duration = Duration::from_secs(60);
/// The prefix routed on each namespace's loopback, and where the loop connects.
const DESTINATION: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 9);

/// bindscope under load and namespace churn: RSS, lost events, exit.
#[derive(Parser)]
#[command(name = "bindscope-soak", about, long_about)]
struct Args {
    /// Minutes to run.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    minutes: u64,
    /// UDP connects a second the workload aims at; each makes about two events (a bound
    /// socket's route decision, and an address-type check or a rule walk's).
    #[arg(long, default_value_t = 100_000)]
    rate: u64,
    /// The bindscope CLI [default: `bindscope` next to this program].
    #[arg(long, value_name = "PATH")]
    bindscope: Option<PathBuf>,
}

/// What the worker did.
#[derive(Debug, Default)]
struct Work {
    namespaces: AtomicU64,
    connects: AtomicU64,
}

/// bindscope's resident set size in KiB (`VmRSS` of `/proc/PID/status`).
fn rss_kib(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// One namespace's life: set up, a second of paced connects and option calls, deleted on drop.
fn use_one_namespace(n: u64, rate: u64, work: &Work) -> Result<()> {
    let ns = Netns::new("soak")?;
    let mut setup = "link set lo up\nroute add 203.0.113.0/24 dev lo\n".to_owned();
    if n.is_multiple_of(2) {
        // A rule bindscope must read (rtnetlink) and walk, in a namespace that soon dies.
        setup.push_str("route add 203.0.113.0/24 dev lo table 100\nrule add fwmark 1 table 100\n");
    }
    ns.ip_batch(&setup)?;
    let ends = Instant::now() + NAMESPACE_LIFE;
    let per_batch = Duration::from_secs_f64(BATCH as f64 / rate.max(1) as f64);
    ns.run(|| -> Result<()> {
        let socket = sys::udp_socket().context("socket()")?;
        let dest = sys::v4(DESTINATION, CLOSED_PORT);
        let mut next = Instant::now();
        let mut batches = 0u64;
        while Instant::now() < ends {
            if batches.is_multiple_of(64) {
                sys::setsockopt_bytes(&socket, libc::SOL_SOCKET, libc::SO_BINDTODEVICE, b"lo")
                    .context("SO_BINDTODEVICE")?;
                sys::setsockopt_int(&socket, libc::IPPROTO_IP, libc::IP_TOS, 0x10)
                    .context("IP_TOS")?;
                sys::setsockopt_int(
                    &socket,
                    libc::SOL_SOCKET,
                    libc::SO_MARK,
                    (batches % 2) as i32,
                )
                .context("SO_MARK")?;
            }
            for _ in 0..BATCH {
                sys::connect(&socket, dest).context("connect()")?;
            }
            work.connects.fetch_add(BATCH, Ordering::Relaxed);
            batches += 1;
            next += per_batch;
            if let Some(wait) = next.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        Ok(())
    })?;
    work.namespaces.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("bindscope-soak: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The soak; `Ok(false)` when a check failed (after printing the figures).
fn run(args: &Args) -> Result<bool> {
    privileges::check().map_err(|reason| anyhow::anyhow!("{reason}"))?;
    let bindscope = tracers::cli(args.bindscope.as_deref())?;
    for stale in netns::sweep_stale() {
        eprintln!("removed namespace {stale}, left behind by a killed run");
    }
    let mut command = Command::new(&bindscope);
    command.args(["trace", "--json"]);
    let mut tracer = Traced::spawn("bindscope", command)?;
    // Its first line is the first event: a loopback connect in this namespace makes one.
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let prober = scope.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                if let Ok(s) = sys::udp_socket() {
                    let _ = sys::connect(&s, sys::v4(Ipv4Addr::LOCALHOST, CLOSED_PORT));
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        let attached = tracer.wait_line(|_| true, ATTACH_BOUND);
        done.store(true, Ordering::Relaxed);
        let _ = prober.join();
        attached
    })?;
    let pid = tracer.pid();
    let length = Duration::from_secs(args.minutes * 60);
    println!(
        "soak: {} min, about {} connects/s in namespaces created and deleted every {:?}; \
         bindscope pid {pid} (`{} trace --json`, default ring buffer)",
        args.minutes,
        args.rate,
        NAMESPACE_LIFE,
        bindscope.display()
    );

    let work = Work::default();
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let mut samples: Vec<(Duration, u64)> = Vec::new();
    let worker_result = std::thread::scope(|scope| {
        let worker = scope.spawn(|| -> Result<()> {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                use_one_namespace(n, args.rate, &work)
                    .with_context(|| format!("namespace {n} of the soak"))?;
                n += 1;
            }
            Ok(())
        });
        let mut next_sample = started + SAMPLE_EVERY;
        while started.elapsed() < length && !worker.is_finished() {
            std::thread::sleep(Duration::from_millis(100));
            if Instant::now() >= next_sample {
                next_sample += SAMPLE_EVERY;
                let rss = rss_kib(pid).unwrap_or(0);
                let at = started.elapsed();
                println!(
                    "  {:>5.0} s  RSS {rss} KiB  namespaces {}  connects {}",
                    at.as_secs_f64(),
                    work.namespaces.load(Ordering::Relaxed),
                    work.connects.load(Ordering::Relaxed)
                );
                samples.push((at, rss));
            }
        }
        stop.store(true, Ordering::Relaxed);
        worker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    });
    let elapsed = started.elapsed();
    let finished = tracer.stop();
    worker_result?;

    let connects = work.connects.load(Ordering::Relaxed);
    let (exit, events, lost) = match &finished {
        Ok(f) => {
            let (events, lost) = tracers::bindscope_summary(&f.tail)?;
            ("clean (SIGINT, status 0)".to_owned(), events, lost)
        }
        Err(err) => (format!("{err:#}"), 0, u64::MAX),
    };
    let rss = |at: Option<&(Duration, u64)>| at.map_or(0, |s| s.1);
    let first = rss(samples.first());
    let minute = samples
        .iter()
        .find(|(at, _)| *at >= Duration::from_secs(60))
        .map(|s| s.1);
    let last = rss(samples.last());
    let max = samples.iter().map(|s| s.1).max().unwrap_or(0);
    println!(
        "\nsoak over after {:.0} s: {} namespaces, {connects} connects ({:.0}/s)",
        elapsed.as_secs_f64(),
        work.namespaces.load(Ordering::Relaxed),
        connects as f64 / elapsed.as_secs_f64().max(1e-9)
    );
    println!(
        "  RSS: first {first} KiB, after 1 min {}, last {last} KiB, max {max} KiB",
        minute.map_or_else(|| "n/a".to_owned(), |m| format!("{m} KiB"))
    );
    println!("  events reported {events}, lost {lost}, exit {exit}");

    let mut ok = true;
    if lost != 0 {
        println!("  FAILED: events were lost");
        ok = false;
    }
    if finished.is_err() {
        println!("  FAILED: bindscope did not exit cleanly");
        ok = false;
    }
    if let Some(minute) = minute.filter(|_| args.minutes > 1) {
        let growth = max as f64 / minute.max(1) as f64 - 1.0;
        println!(
            "  RSS growth after the first minute: {:+.1}% (allowed {:.0}%)",
            growth * 100.0,
            GROWTH_ALLOWED * 100.0
        );
        if growth > GROWTH_ALLOWED {
            println!("  FAILED: RSS grew too much");
            ok = false;
        }
    }
    if ok {
        println!("  all soak checks passed");
    }
    Ok(ok)
}
