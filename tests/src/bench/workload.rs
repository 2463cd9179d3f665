//! The measured workload and the probes that show a tracer is attached.
//!
//! The workload is a bounded loop of UDP `connect()` calls to [`FAR`] from inside the seed
//! topology's host namespace. On a UDP socket `connect()` only looks the route up (every call
//! runs `fib_table_lookup`, the tracepoint both bindscope and bpftrace attach to) and fixes the
//! source address: no packet is sent, and the destination exists only inside the topology.
//!
//! The probes are a trickle of the same calls (plus a traced `setsockopt`) made while waiting
//! for a tracer's first event, so "attached" is something observed rather than assumed.

use std::net::{SocketAddr, SocketAddrV4};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use bindscope_tests::topology::{CLOSED_PORT, FAR};
use bindscope_tests::{sys, sys6, Netns};

/// Connects made between two looks at the clock: small enough that a round overshoots its
/// length by microseconds, large enough that the clock costs nothing.
const BATCH: u64 = 64;
/// Hard cap on the connects of one loop, whatever its duration says (a bound, never reached
/// at today's speeds: a billion connects take minutes).
const MAX_CONNECTS: u64 = 1_000_000_000;
/// Pause between two probes.
const PROBE_INTERVAL: Duration = Duration::from_millis(2);
/// The prober stops after this long even if nobody tells it to.
const PROBE_BOUND: Duration = Duration::from_secs(60);

/// The only address the benchmark connects to: [`FAR`] (owned by the router namespace), on
/// the discard port nobody listens on.
pub fn destination() -> SocketAddrV4 {
    sys::v4(FAR, CLOSED_PORT)
}

/// How the loop uses sockets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sockets {
    /// `connect()` one socket again and again: one syscall per route lookup, the highest
    /// event rate a tracer can be asked to keep up with.
    Reconnect,
    /// `socket()`, `connect()`, `close()` each time: the short-lived-client pattern, with
    /// more kernel work around each lookup.
    Fresh,
}

/// What one loop did.
#[derive(Debug, Clone, Copy)]
pub struct LoopRun {
    /// `connect()` calls made (all succeeded).
    pub connects: u64,
    /// Wall-clock time of the loop.
    pub elapsed: Duration,
    /// CPU time (user + system) of the loop's thread. Everything a tracer does in the context
    /// of the `connect()` (tracepoint, eBPF program, ring buffer) is charged here, and time
    /// the thread spent waiting for a CPU is not: the noise-robust view of the in-kernel cost.
    pub cpu: Duration,
}

impl LoopRun {
    /// Connects per second of wall-clock time.
    pub fn rate(&self) -> f64 {
        self.connects as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Nanoseconds of the loop thread's CPU time per connect.
    pub fn cpu_ns_per_connect(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e9 / self.connects.max(1) as f64
    }
}

/// CPU time the calling thread has used so far.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given; this clock always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(
        u64::try_from(ts.tv_sec).unwrap_or(0),
        u32::try_from(ts.tv_nsec).unwrap_or(0),
    )
}

/// Runs the connect loop to [`destination`] in `ns` for `duration` (bounded also by
/// [`MAX_CONNECTS`]).
pub fn connect_loop(ns: &Netns, duration: Duration, sockets: Sockets) -> Result<LoopRun> {
    connect_loop_to(ns, destination().into(), duration, sockets)
}

/// A UDP socket of `dest`'s family.
fn socket_for(dest: SocketAddr) -> Result<std::os::fd::OwnedFd, sys::Errno> {
    match dest {
        SocketAddr::V4(_) => sys::udp_socket(),
        SocketAddr::V6(_) => sys6::udp6_socket(),
    }
}

/// One `connect()` to `dest`, of either family.
fn connect(socket: &std::os::fd::OwnedFd, dest: SocketAddr) -> Result<(), sys::Errno> {
    match dest {
        SocketAddr::V4(v4) => sys::connect(socket, v4),
        SocketAddr::V6(v6) => sys6::connect6(socket, v6),
    }
}

/// The connect loop to `dest` (an IPv4 or an IPv6 destination: one `fib_table_lookup` or
/// one `fib6_table_lookup` per connect).
pub fn connect_loop_to(
    ns: &Netns,
    dest: SocketAddr,
    duration: Duration,
    sockets: Sockets,
) -> Result<LoopRun> {
    ns.run(|| -> Result<LoopRun> {
        let mut socket = socket_for(dest).context("socket() for the connect loop")?;
        let started = Instant::now();
        let cpu_started = thread_cpu_time();
        let mut connects = 0;
        while connects < MAX_CONNECTS {
            for _ in 0..BATCH {
                if sockets == Sockets::Fresh {
                    // Assigning drops (closes) the previous socket.
                    socket = socket_for(dest).context("socket() in the connect loop")?;
                }
                connect(&socket, dest).with_context(|| format!("connect() to {dest}"))?;
            }
            connects += BATCH;
            if started.elapsed() >= duration {
                break;
            }
        }
        Ok(LoopRun {
            connects,
            elapsed: started.elapsed(),
            cpu: thread_cpu_time().saturating_sub(cpu_started),
        })
    })
    .with_context(|| format!("connect loop in namespace {}", ns.name()))
}

/// Sets the flag when dropped, so the prober stops even if the waiting code panics.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Runs `wait` while a background thread in `ns` makes a probe every [`PROBE_INTERVAL`]: a
/// new UDP socket, `setsockopt(IP_TTL, 64)` (a traced option, so a tracer of only `sockopt`
/// events sees it too) and a `connect()` to [`destination`] (a route lookup). Returns what
/// `wait` returned and how many probes were made.
pub fn while_probing<T: Send>(ns: &Netns, wait: impl FnOnce() -> T) -> Result<(T, u64)> {
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let prober = scope.spawn(|| ns.run(|| probe_until(&stop)));
        let result = {
            let _stop = StopOnDrop(&stop);
            wait()
        };
        let probes = prober
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            .with_context(|| format!("probing in namespace {}", ns.name()))?;
        Ok((result, probes))
    })
}

/// The prober's loop: until `stop` is set or [`PROBE_BOUND`] has passed.
fn probe_until(stop: &AtomicBool) -> Result<u64> {
    let started = Instant::now();
    let mut probes = 0;
    while !stop.load(Ordering::Relaxed) && started.elapsed() < PROBE_BOUND {
        let socket = sys::udp_socket().context("probe socket()")?;
        sys::setsockopt_int(&socket, libc::IPPROTO_IP, libc::IP_TTL, 64)
            .context("probe setsockopt(IP_TTL)")?;
        sys::connect(&socket, destination()).context("probe connect()")?;
        probes += 1;
        std::thread::sleep(PROBE_INTERVAL);
    }
    Ok(probes)
}
