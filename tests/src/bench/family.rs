//! The IPv6 route program against the IPv4 one, in the same run: the same connect loop to an
//! IPv4 and to an IPv6 destination of the host namespace, untraced and under one `bindscope
//! trace --events route`, round by round.
//!
//! Two figures per family: what the kernel says each route program ran per lookup (BPF run-time
//! statistics, `BPF_ENABLE_STATS`, on for the measurement only: the program alone, exact), and
//! the loop thread's CPU per connect traced minus untraced (the program plus the tracepoint
//! and the ring buffer, as a workload pays it; noisier). The target: IPv6 costs no more than
//! IPv4.

use std::net::{Ipv6Addr, SocketAddr, SocketAddrV6};
use std::time::Duration;

use anyhow::{Context, Result};
use aya::programs::loaded_programs;
use aya::sys::{enable_stats, Stats};
use bindscope_tests::Netns;

use crate::report::{median, target_row, Paired, Target};
use crate::tracers::{self, Traced};
use crate::workload::{self, LoopRun, Sockets};

/// The IPv6 destination: a documentation address, routed by the host's IPv6 default route.
const FAR6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 9);
/// The host's IPv6 address and default route, added to the seed topology for these rounds.
const HOST6: &str = "addr add 2001:db8:0:1::2/64 dev eth0 nodad\n\
                     route add default via 2001:db8:0:1::1 dev eth0\n";

/// Kernel program names (at most 15 bytes) of the route programs, by family.
const PROGRAM4: &str = "fib_table_looku";
const PROGRAM6: &str = "fib6_table_look";

/// One round's figures for one family.
#[derive(Debug, Clone, Copy)]
struct Round {
    untraced: LoopRun,
    traced: LoopRun,
    /// The route program's run time per run, ns (the kernel's statistics).
    program_ns: Option<f64>,
}

impl Round {
    /// Loop CPU per connect, traced minus untraced, ns.
    fn added_ns(&self) -> f64 {
        self.traced.cpu_ns_per_connect() - self.untraced.cpu_ns_per_connect()
    }
}

/// Run time and run count summed over the loaded programs whose name starts with `prefix`.
fn program_stats(prefix: &str) -> (Duration, u64) {
    loaded_programs()
        .filter_map(Result::ok)
        .filter(|p| p.name_as_str().is_some_and(|n| n.starts_with(prefix)))
        .fold((Duration::ZERO, 0), |(time, runs), p| {
            (time + p.run_time(), runs + p.run_count())
        })
}

/// ns per run between two readings of [`program_stats`].
fn per_run(before: (Duration, u64), after: (Duration, u64)) -> Option<f64> {
    let runs = after.1.checked_sub(before.1).filter(|&r| r > 0)?;
    let time = after.0.checked_sub(before.0)?;
    Some(time.as_nanos() as f64 / runs as f64)
}

/// Runs `rounds` rounds of `length` per loop in `host` with the CLI at `bindscope`, and prints
/// the figures with the target.
pub fn run(bindscope: &std::path::Path, host: &Netns, rounds: u32, length: Duration) -> Result<()> {
    // The seed topology turns IPv6 off on its devices (no neighbour discovery noise in the
    // IPv4 scenarios): back on for eth0 here.
    host.set_sysctls(&[("net.ipv6.conf.eth0.disable_ipv6", "0")])?;
    host.ip_batch(HOST6)
        .context("adding an IPv6 address and route to the host namespace")?;
    let dest4: SocketAddr = workload::destination().into();
    let dest6 = SocketAddr::V6(SocketAddrV6::new(FAR6, dest4.port(), 0, 0));
    let sockets = Sockets::Reconnect;
    let mut v4 = Vec::new();
    let mut v6 = Vec::new();
    for round in 1..=rounds {
        let untraced4 = workload::connect_loop_to(host, dest4, length, sockets)?;
        let untraced6 = workload::connect_loop_to(host, dest6, length, sockets)?;
        let command = tracers::bindscope(
            bindscope,
            "route",
            &host.path(),
            Some("64m"),
            tracers::Format::Json,
        );
        let mut tracer = Traced::spawn("bindscope", command)?;
        workload::while_probing(host, || tracer.wait_line(|_| true, Duration::from_secs(60)))?.0?;
        // Statistics only while measuring: they cost every BPF program on the machine.
        let stats = enable_stats(Stats::RunTime).context("BPF_ENABLE_STATS")?;
        // Each family's loop runs with the program's statistics read just before and after
        // it. Which family goes first alternates by round, so a drift within the tracer's
        // run (its ring buffer filling, user space catching up) weighs on both alike.
        let measure = |dest: SocketAddr, program: &str| -> Result<(LoopRun, Option<f64>)> {
            let before = program_stats(program);
            let run = workload::connect_loop_to(host, dest, length, sockets)?;
            Ok((run, per_run(before, program_stats(program))))
        };
        let ((traced4, program4), (traced6, program6)) = if round % 2 == 1 {
            let four = measure(dest4, PROGRAM4)?;
            (four, measure(dest6, PROGRAM6)?)
        } else {
            let six = measure(dest6, PROGRAM6)?;
            (measure(dest4, PROGRAM4)?, six)
        };
        drop(stats);
        let finished = tracer.stop()?;
        let (_, lost) = tracers::bindscope_summary(&finished.tail)?;
        let r4 = Round {
            untraced: untraced4,
            traced: traced4,
            program_ns: program4,
        };
        let r6 = Round {
            untraced: untraced6,
            traced: traced6,
            program_ns: program6,
        };
        println!(
            "  round {round}/{rounds}: IPv4 {:.0} -> {:.0} ns loop CPU per connect, program {} ns; \
             IPv6 {:.0} -> {:.0} ns, program {} ns; {lost} lost",
            r4.untraced.cpu_ns_per_connect(),
            r4.traced.cpu_ns_per_connect(),
            r4.program_ns.map_or("?".into(), |n| format!("{n:.0}")),
            r6.untraced.cpu_ns_per_connect(),
            r6.traced.cpu_ns_per_connect(),
            r6.program_ns.map_or("?".into(), |n| format!("{n:.0}")),
        );
        v4.push(r4);
        v6.push(r6);
    }
    let program = |rounds: &[Round]| {
        median(
            &rounds
                .iter()
                .filter_map(|r| r.program_ns)
                .collect::<Vec<_>>(),
        )
    };
    let added = |rounds: &[Round]| median(&rounds.iter().map(Round::added_ns).collect::<Vec<_>>());
    let ratios = |f: &dyn Fn(&Round) -> Option<f64>| {
        let ratios: Vec<f64> = v4
            .iter()
            .zip(&v6)
            .filter_map(|(a, b)| Some(f(b)? / f(a)?))
            .collect();
        Paired::of(&ratios)
    };
    println!();
    for (label, rounds) in [("IPv4", &v4), ("IPv6", &v6)] {
        println!(
            "  {label}: route program {} ns per lookup (median of the kernel's run-time \
             statistics), loop CPU {} ns per connect more than untraced",
            program(rounds).map_or("?".into(), |n| format!("{n:.0}")),
            added(rounds).map_or("?".into(), |n| format!("{n:.0}")),
        );
    }
    println!(
        "{}",
        target_row(
            "IPv6 route program / IPv4 route program (run time per lookup)",
            ratios(&|r: &Round| r.program_ns),
            // Three decimals: at parity, two would print 1.00 beside "MISSED".
            3,
            Target::AtMost(1.0),
        )
    );
    println!(
        "{}",
        target_row(
            "IPv6 / IPv4 loop CPU added by tracing (per connect)",
            ratios(&|r: &Round| Some(r.added_ns())),
            2,
            Target::None,
        )
    );
    Ok(())
}
