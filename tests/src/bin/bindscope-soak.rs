//! `bindscope-soak`: bindscope under sustained load and namespace churn, for memory growth,
//! lost events and a clean exit. `cargo xtask soak --minutes N` builds and runs it.
//!
//! One `bindscope trace --json` (every event family, no filter, the default ring buffer, its
//! output read and counted) runs for the whole soak while a worker creates a network namespace
//! (loopback up, a documentation prefix routed on it, every other one with a policy rule and a
//! second table, so bindscope's rule lists open and close), uses it for a second (a paced UDP
//! connect loop at about `--rate` connects a second, some 200,000 events, with `SO_BINDTODEVICE`, `IP_TOS` and
//! `SO_MARK` set now and then) and deletes it, over and over. No packet is sent: a UDP connect
//! only looks the route up. bindscope's resident set size and open file descriptors are
//! sampled every second, and printed every 10 s.
//!
//! At the end it prints the first, the one-minute, the last and the largest RSS sample, the
//! largest fd count, the events bindscope reported, the events it lost and how it exited, and
//! fails (exit 1) if any event was lost, bindscope did not exit cleanly, or (for soaks longer
//! than a minute) RSS grew by more than 10% after the first minute.
//!
//! `--churn-ms N` is fast namespace churn instead (issue 23): every N ms a namespace is
//! created with a veth pair whose host end stays in the host's namespace, used (`--connects`
//! UDP connects, 4,000 by default; every other namespace with a policy rule its connects
//! take) and deleted, as fast as that goes when it takes longer. bindscope keeps sockets in
//! every namespace it sees lookups in while the namespace lives, so this is what would make
//! it hold file descriptors, memory and deleted namespaces. It fails if bindscope's RSS
//! exceeds 30 MiB, its fd count grows by more than 64 over the first sample, bindscope still
//! holds a deleted namespace a second after its deletion (its host veth end is still there,
//! and a socket of bindscope's was made in it: see `holders`), an event was lost, or bindscope
//! did not exit cleanly. Host veth ends that outlive their namespace for other reasons
//! (another process holds it, or the kernel's clean-up of namespaces, one work queue for the
//! whole host, is behind) are counted and named, and are no failure.
//!
//! ```text
//! bindscope-soak [--minutes N] [--rate EVENTS_PER_SECOND] [--churn-ms N [--connects N]]
//!                [--bindscope PATH]
//! ```

// The benchmark's process handling (spawn, first line, SIGINT, summary), shared as a file:
// the soak uses only part of it, the rest is the benchmark's.
#[path = "../bench/tracers.rs"]
#[allow(dead_code)]
mod tracers;

use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use bindscope_tests::netns::HostVeth;
use bindscope_tests::topology::CLOSED_PORT;
use bindscope_tests::{netns, privileges, sys, Netns};
use clap::Parser;

use tracers::Traced;

/// How often bindscope's RSS and fds are printed.
const PRINT_EVERY: Duration = Duration::from_secs(10);
/// How often bindscope's RSS and fds are sampled (for the largest).
const SAMPLE_EVERY: Duration = Duration::from_secs(1);
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
/// With `--churn-ms`: the most RSS bindscope may have (issue 23).
const CHURN_RSS_BOUND_KIB: u64 = 30 * 1024;
/// With `--churn-ms`: how many more fds than at the first sample bindscope may hold.
const CHURN_FD_SLACK: u64 = 64;
/// With `--churn-ms`: how long a deleted namespace's devices may outlive it (issue 23).
const DEVICES_GONE: Duration = Duration::from_secs(1);

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
    /// Fast churn instead: a namespace created, used and deleted every N ms.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    churn_ms: Option<u64>,
    /// With --churn-ms: UDP connects made in each namespace.
    #[arg(long, value_name = "N", default_value_t = 4000, requires = "churn_ms")]
    connects: u64,
    /// The bindscope CLI [default: `bindscope` next to this program].
    #[arg(long, value_name = "PATH")]
    bindscope: Option<PathBuf>,
}

/// What the worker did.
#[derive(Debug, Default)]
struct Work {
    namespaces: AtomicU64,
    connects: AtomicU64,
    /// Deleted namespaces whose host veth end was still there [`DEVICES_GONE`] later.
    lingered: AtomicU64,
    /// Of those, the ones bindscope still held then (a socket made in the namespace).
    held_by_bindscope: AtomicU64,
    /// What else held the lingering ones, as `comm[pid]` (another tracer on the host, ...).
    held_by_others: std::sync::Mutex<Vec<String>>,
    /// Lingering ones no process held: the kernel had not cleaned them up yet.
    held_by_nobody: AtomicU64,
}

/// `SIOCGSKNS` (linux/sockios.h): a new fd of the network namespace a socket was made in.
const SIOCGSKNS: libc::c_ulong = 0x894C;

/// The processes that hold network namespace `inode`, as (pid, comm): a thread inside it, its
/// namespace file open, or a socket made in it (each socket borrowed with `pidfd_getfd(2)`
/// and asked with `SIOCGSKNS`). What keeps a deleted namespace alive; slow (every socket of
/// the host), for the rare namespace that lingers.
fn holders(inode: u64) -> Vec<(u32, String)> {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::fs::MetadataExt;
    let own = std::process::id();
    let text = format!("net:[{inode}]");
    let links = |dir: String| -> Vec<(String, String)> {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let target = std::fs::read_link(e.path()).ok()?;
                Some((
                    e.file_name().to_string_lossy().into_owned(),
                    target.to_string_lossy().into_owned(),
                ))
            })
            .collect()
    };
    let mut found = Vec::new();
    let pids = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != own);
    for pid in pids {
        let in_it = std::fs::read_dir(format!("/proc/{pid}/task"))
            .into_iter()
            .flatten()
            .flatten()
            .any(|task| {
                std::fs::read_link(task.path().join("ns/net"))
                    .is_ok_and(|t| t.to_string_lossy() == text)
            });
        let fds = links(format!("/proc/{pid}/fd"));
        let file_open = fds.iter().any(|(_, target)| *target == text);
        // SAFETY: pidfd_open(2) with no flags; the result is owned right away.
        let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as i32;
        let socket_in_it = pidfd >= 0 && {
            // SAFETY: a fresh descriptor nobody else owns.
            let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd) };
            fds.iter()
                .filter(|(_, target)| target.starts_with("socket:"))
                .filter_map(|(fd, _)| fd.parse::<i32>().ok())
                .any(|fd| {
                    // SAFETY: pidfd_getfd(2) duplicates the target's fd into this process.
                    let local =
                        unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd.as_raw_fd(), fd, 0) }
                            as i32;
                    if local < 0 {
                        return false;
                    }
                    // SAFETY: as above; closed (with its namespace reference) on drop.
                    let local = unsafe { OwnedFd::from_raw_fd(local) };
                    // SAFETY: SIOCGSKNS takes no argument and returns a new fd or -1.
                    let ns = unsafe { libc::ioctl(local.as_raw_fd(), SIOCGSKNS as _) };
                    if ns < 0 {
                        return false;
                    }
                    // SAFETY: as above.
                    let ns = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(ns) });
                    ns.metadata().is_ok_and(|m| m.ino() == inode)
                })
        };
        if in_it || file_open || socket_in_it {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            found.push((pid, comm.trim().to_owned()));
        }
    }
    found
}

/// How many file descriptors bindscope has open (`/proc/PID/fd`).
fn fds(pid: u32) -> Option<u64> {
    Some(std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count() as u64)
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

/// A namespace of the fast churn, deleted: its veth pair's host end, its inode, and when.
type Deleted = (HostVeth, u64, Instant);

/// One namespace of the fast churn: set up with a veth pair (host end here) and, every other
/// one, a policy rule; `connects` UDP connects (marked where the rule selects them) and a
/// few option calls; deleted.
fn churn_one_namespace(n: u64, connects: u64, work: &Work) -> Result<Deleted> {
    let ns = Netns::new("churn")?;
    let inode = ns.inode()?;
    let veth = HostVeth::new(&ns, "eth0")?;
    let ruled = n.is_multiple_of(2);
    let mut setup = "link set lo up\nroute add 203.0.113.0/24 dev lo\n".to_owned();
    if ruled {
        setup.push_str("route add 203.0.113.0/24 dev lo table 100\nrule add fwmark 1 table 100\n");
    }
    ns.ip_batch(&setup)?;
    ns.run(|| -> Result<()> {
        let socket = sys::udp_socket().context("socket()")?;
        sys::setsockopt_bytes(&socket, libc::SOL_SOCKET, libc::SO_BINDTODEVICE, b"lo")
            .context("SO_BINDTODEVICE")?;
        sys::setsockopt_int(&socket, libc::SOL_SOCKET, libc::SO_MARK, i32::from(ruled))
            .context("SO_MARK")?;
        let dest = sys::v4(DESTINATION, CLOSED_PORT);
        for _ in 0..connects {
            sys::connect(&socket, dest).context("connect()")?;
        }
        Ok(())
    })?;
    work.connects.fetch_add(connects, Ordering::Relaxed);
    drop(ns);
    work.namespaces.fetch_add(1, Ordering::Relaxed);
    Ok((veth, inode, Instant::now()))
}

/// The fast churn: a namespace every `every`, until `stop`; each deleted namespace's host veth
/// end is checked [`DEVICES_GONE`] after its deletion, and if it is still there, who holds
/// the namespace.
fn churn(
    every: Duration,
    connects: u64,
    bindscope: u32,
    work: &Work,
    stop: &AtomicBool,
) -> Result<()> {
    let mut deleted: VecDeque<Deleted> = VecDeque::new();
    let check = |deleted: &mut VecDeque<Deleted>, all: bool| {
        while let Some((veth, inode, at)) = deleted.front() {
            if !all && at.elapsed() < DEVICES_GONE {
                break;
            }
            if !veth.gone_within(DEVICES_GONE.saturating_sub(at.elapsed())) {
                work.lingered.fetch_add(1, Ordering::Relaxed);
                let held = holders(*inode);
                if held.is_empty() {
                    work.held_by_nobody.fetch_add(1, Ordering::Relaxed);
                }
                if held.iter().any(|(pid, _)| *pid == bindscope) {
                    work.held_by_bindscope.fetch_add(1, Ordering::Relaxed);
                }
                let mut others = work
                    .held_by_others
                    .lock()
                    .unwrap_or_else(|poison| poison.into_inner());
                others.extend(
                    held.iter()
                        .filter(|(pid, _)| *pid != bindscope)
                        .map(|(pid, comm)| format!("{comm}[{pid}]")),
                );
            }
            // Dropped: deleted if it lingers.
            deleted.pop_front();
        }
    };
    let mut n = 0;
    let mut next = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        deleted.push_back(
            churn_one_namespace(n, connects, work)
                .with_context(|| format!("namespace {n} of the churn"))?,
        );
        n += 1;
        check(&mut deleted, false);
        next += every;
        match next.checked_duration_since(Instant::now()) {
            Some(wait) => std::thread::sleep(wait),
            // Slower than asked: the next one starts now.
            None => next = Instant::now(),
        }
    }
    check(&mut deleted, true);
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
    let churn_every = args.churn_ms.map(Duration::from_millis);
    match churn_every {
        None => println!(
            "soak: {} min, about {} connects/s in namespaces created and deleted every {:?}; \
             bindscope pid {pid} (`{} trace --json`, default ring buffer)",
            args.minutes,
            args.rate,
            NAMESPACE_LIFE,
            bindscope.display()
        ),
        Some(every) => println!(
            "soak: {} min of churn: a namespace (with a veth pair, its host end here) created, \
             used ({} connects) and deleted every {every:?}; bindscope pid {pid} (`{} trace \
             --json`, default ring buffer)",
            args.minutes,
            args.connects,
            bindscope.display()
        ),
    }

    let work = Work::default();
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let mut samples: Vec<(Duration, u64)> = Vec::new();
    let fds_at_start = fds(pid).unwrap_or(0);
    let mut fds_max = fds_at_start;
    let mut fds_last = fds_at_start;
    let worker_result = std::thread::scope(|scope| {
        let worker = scope.spawn(|| -> Result<()> {
            if let Some(every) = churn_every {
                return churn(every, args.connects, pid, &work, &stop);
            }
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                use_one_namespace(n, args.rate, &work)
                    .with_context(|| format!("namespace {n} of the soak"))?;
                n += 1;
            }
            Ok(())
        });
        let mut next_sample = started + SAMPLE_EVERY;
        let mut next_print = started + PRINT_EVERY;
        while started.elapsed() < length && !worker.is_finished() {
            std::thread::sleep(Duration::from_millis(50));
            if Instant::now() >= next_sample {
                next_sample += SAMPLE_EVERY;
                let rss = rss_kib(pid).unwrap_or(0);
                fds_last = fds(pid).unwrap_or(0);
                fds_max = fds_max.max(fds_last);
                let at = started.elapsed();
                samples.push((at, rss));
                if Instant::now() >= next_print {
                    next_print += PRINT_EVERY;
                    println!(
                        "  {:>5.0} s  RSS {rss} KiB  fds {fds_last}  namespaces {}  connects {}{}",
                        at.as_secs_f64(),
                        work.namespaces.load(Ordering::Relaxed),
                        work.connects.load(Ordering::Relaxed),
                        match churn_every {
                            Some(_) => format!(
                                "  lingering devices {}",
                                work.lingered.load(Ordering::Relaxed)
                            ),
                            None => String::new(),
                        }
                    );
                }
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
    println!("  fds: at start {fds_at_start}, last {fds_last}, max {fds_max}");
    println!("  events reported {events}, lost {lost}, exit {exit}");

    let mut ok = true;
    if let Some(every) = churn_every {
        let lingered = work.lingered.load(Ordering::Relaxed);
        let by_bindscope = work.held_by_bindscope.load(Ordering::Relaxed);
        let by_nobody = work.held_by_nobody.load(Ordering::Relaxed);
        let mut others = work
            .held_by_others
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .clone();
        others.sort();
        others.dedup();
        println!(
            "  a namespace every {:.1} ms on average (asked: {every:?}); devices that outlived \
             their namespace by more than {DEVICES_GONE:?}: {lingered}, of whose namespaces \
             bindscope still held {by_bindscope}, nothing held {by_nobody} (the kernel's \
             clean-up was behind){}",
            elapsed.as_secs_f64() * 1e3 / work.namespaces.load(Ordering::Relaxed).max(1) as f64,
            match others.is_empty() {
                true => String::new(),
                false => format!(" and other processes held some: {}", others.join(", ")),
            }
        );
        if max > CHURN_RSS_BOUND_KIB {
            println!("  FAILED: RSS above {CHURN_RSS_BOUND_KIB} KiB");
            ok = false;
        }
        if fds_max > fds_at_start + CHURN_FD_SLACK {
            println!("  FAILED: more than {CHURN_FD_SLACK} fds over the first sample");
            ok = false;
        }
        if by_bindscope != 0 {
            println!("  FAILED: bindscope kept deleted namespaces alive");
            ok = false;
        } else if lingered != 0 {
            // Another tracer on the host, or the kernel's namespace clean-up falling behind
            // (one work queue for every namespace of the host): not bindscope's doing.
            println!("  (devices outlived their namespace, held by something else: no failure)");
        }
    }
    if lost != 0 {
        println!("  FAILED: events were lost");
        ok = false;
    }
    if finished.is_err() {
        println!("  FAILED: bindscope did not exit cleanly");
        ok = false;
    }
    if let Some(minute) = minute.filter(|_| args.minutes > 1 && churn_every.is_none()) {
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
