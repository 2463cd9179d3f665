//! Whose route lookup is it: route(4)'s forwarding (`001_f02916066c21b7a9.txt`) done by the
//! router namespace in softirq, while the host's task that sent the packet makes only its own
//! output lookup. bindscope must report each lookup in the namespace whose FIB was consulted,
//! with that namespace's interface names, and the router's without a task.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bindscope::decode::Context as Whose;

use std::os::fd::OwnedFd;

use crate::netns::Netns;
use crate::scenario::{expect_ok, Ctx, Outcome, Scenario};
use crate::sys;
use crate::topology::SeedTopology;
use crate::topology::*;

/// This file's scenarios.
pub(super) const SCENARIOS: &[Scenario] = &[Scenario {
    name: "router_forwards_in_softirq",
    claim: "001_f02916066c21b7a9.txt: \"the interface is requested to address the packet to \
            the gateway listed in the routing entry (that is, the packet is forwarded)\" and \
            \"If no entry is found, the destination is declared to be unreachable\" (Linux \
            decides both in the receiving softirq, net/ipv4/route.c ip_route_input_slow(), in \
            the router's namespace, not in the sender's task)",
    run: router_forwards_in_softirq,
}];

/// Beyond the router: routed on through r2 to the host's eth2 address.
const FORWARDED: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 77);
/// No route in the router: it answers "network unreachable".
const UNROUTED: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 130);

/// Counter `name` of table `table` (`Ip`, `IpExt`) in `/proc/thread-self/net/FILE`: the
/// calling thread's namespace, as the kernel counts it.
fn counter(file: &str, table: &str, name: &str) -> Result<u64> {
    let path = format!("/proc/thread-self/net/{file}");
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let prefix = format!("{table}: ");
    let mut rows = text.lines().filter(|l| l.starts_with(&prefix));
    let (Some(names), Some(values)) = (rows.next(), rows.next()) else {
        bail!("no {table} table in {path}");
    };
    let at = names
        .split_whitespace()
        .position(|n| n == name)
        .with_context(|| format!("no {table} {name} in {path}"))?;
    values
        .split_whitespace()
        .nth(at)
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("{table} {name} in {path} is not a number"))
}

/// `Ip: ForwDatagrams` (snmp) and `IpExt: InNoRoutes` (netstat) of the calling thread's
/// namespace: the datagrams it forwarded, and those it received with no route.
pub(super) fn ip_counters() -> Result<(u64, u64)> {
    Ok((
        counter("snmp", "Ip", "ForwDatagrams")?,
        counter("netstat", "IpExt", "InNoRoutes")?,
    ))
}

/// From the host, binds `socket` to eth1 and sends one datagram to each of `destinations`:
/// the router receives them on r1.
pub(super) fn send_out_of_eth1(
    topo: &SeedTopology,
    socket: &OwnedFd,
    destinations: &[Ipv4Addr],
) -> Result<()> {
    let sent = topo.host.run(|| -> Result<(), sys::Errno> {
        sys::setsockopt_bytes(
            socket,
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            ETH1.as_bytes(),
        )?;
        for &dest in destinations {
            sys::send_to(socket, b"route me", sys::v4(dest, CLOSED_PORT))?;
        }
        Ok(())
    });
    expect_ok("sending from the host out of eth1", sent)?;
    Ok(())
}

/// Waits (up to a second) until `router`'s [`ip_counters`] have grown from `before` by at
/// least `grow`, and returns them (as they are by then, grown or not).
pub(super) fn router_counters_after(
    router: &Netns,
    before: (u64, u64),
    grow: (u64, u64),
) -> Result<(u64, u64)> {
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let now = router.run(ip_counters)?;
        let grown = now.0 >= before.0 + grow.0 && now.1 >= before.1 + grow.1;
        if grown || Instant::now() > deadline {
            return Ok(now);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The host sends two datagrams out of eth1 (bound to it): one the router forwards, one it
/// cannot route. The host's trace must show the host task's output lookups only; the router's
/// must show the input lookups on r1, in softirq, with the router's interface names.
fn router_forwards_in_softirq(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    topo.router.ip([
        "route",
        "add",
        "198.51.100.64/26",
        "via",
        &HOST_ETH2.to_string(),
        "dev",
        R2,
    ])?;
    let socket = topo.host_socket()?;
    let mut host_trace = ctx.trace(&topo.host)?;
    let mut router_trace = ctx.trace(&topo.router)?;
    let before = topo.router.run(ip_counters)?;

    send_out_of_eth1(&topo, &socket, &[FORWARDED, UNROUTED])?;
    let after = router_counters_after(&topo.router, before, (1, 1))?;

    // The kernel: the router forwarded one datagram and had no route for the other.
    if after.0 <= before.0 || after.1 <= before.1 {
        bail!(
            "the router's Ip counters did not move as expected: ForwDatagrams {} -> {}, \
             InNoRoutes {} -> {}",
            before.0,
            after.0,
            before.1,
            after.1
        );
    }

    let host = host_trace.collect()?;
    let router = router_trace.collect()?;
    let pid = std::process::id();

    // The host: its task's own output lookup, out of eth1 via the router; none of the
    // router's lookups, and none named with the host's interfaces.
    let own = host.expect_first("host's output decision", host.routes_for(FORWARDED))?;
    host.expect_eq(
        "host decision: context",
        own.report().origin.context,
        Whose::Task,
    )?;
    host.expect_eq("host decision: pid", own.report().origin.pid, Some(pid))?;
    host.expect_eq("host decision: oif", own.oif_name.as_deref(), Some(ETH1))?;
    host.expect_eq("host decision: dev", own.dev.as_deref(), Some(ETH1))?;
    host.expect_eq(
        "host decision: gw",
        own.gw.as_ref().and_then(|g| g.v4()),
        Some(ROUTER_R1),
    )?;
    // The forwarded datagram comes back in on eth2 (the router routes it to the host's
    // eth2 address): that input lookup is the host's, in softirq. Anything else for these
    // destinations (an input on eth1, a task other than ours) would be the router's.
    let misplaced = host
        .routes_for(FORWARDED)
        .into_iter()
        .chain(host.routes_for(UNROUTED))
        .filter(|d| {
            let origin = &d.report().origin;
            let own_output =
                origin.context == Whose::Task && origin.pid == Some(pid) && d.iif_name.is_none();
            let returned = origin.context == Whose::Softirq
                && origin.pid.is_none()
                && d.iif_name.as_deref() == Some(ETH2);
            !own_output && !returned
        })
        .count();
    host.expect_eq(
        "router lookups reported in the host namespace",
        misplaced,
        0,
    )?;

    // The router: the forward decision and the failed one, input lookups on r1 made in
    // softirq by no task, named in the router's namespace.
    let forwarded = router.expect_first(
        "router's forward decision",
        router
            .routes_for(FORWARDED)
            .into_iter()
            .filter(|d| d.iif_name.is_some())
            .collect(),
    )?;
    let unrouted = router.expect_first(
        "router's failed decision",
        router
            .routes_for(UNROUTED)
            .into_iter()
            .filter(|d| d.iif_name.is_some())
            .collect(),
    )?;
    for (what, d) in [("forward", forwarded), ("no route", unrouted)] {
        let origin = &d.report().origin;
        router.expect_eq(&format!("{what}: context"), origin.context, Whose::Softirq)?;
        router.expect_eq(&format!("{what}: pid"), origin.pid, None)?;
        router.expect_eq(&format!("{what}: comm"), origin.comm.as_deref(), None)?;
        router.expect_eq(&format!("{what}: iif"), d.iif_name.as_deref(), Some(R1))?;
    }
    router.expect_eq("forward: dev", forwarded.dev.as_deref(), Some(R2))?;
    router.expect_eq(
        "forward: gw",
        forwarded.gw.as_ref().and_then(|g| g.v4()),
        Some(HOST_ETH2),
    )?;
    router.expect_eq(
        "forward: namespace found",
        forwarded.netns_source,
        "next-hop",
    )?;
    router.expect_eq(
        "no route: err",
        unrouted.err.as_deref(),
        Some("ENETUNREACH"),
    )?;
    router.expect_eq(
        "no route: namespace found",
        unrouted.netns_source,
        "received",
    )?;

    Ok(Outcome::pass(format!(
        "host: {} | router: {} | router: {}",
        own.line(),
        forwarded.line(),
        unrouted.line()
    )))
}
