//! Route-lookup claims: the error of each route type (ip(7), `002_b9a66d336cde56ce.txt`), and
//! how the lookup picks a route (the seed note, `000_013038441b203428.txt`) against longest
//! prefix match and policy rules.

use std::net::{Ipv4Addr, SocketAddrV4};

use anyhow::Result;

use super::{connected_source, expect_routes, expect_via, Via};
use crate::scenario::{expect_eq, expect_errno, expect_ok, Ctx, Outcome, Scenario};
use crate::sys::{self, Errno};
use crate::topology::*;

/// This file's scenarios.
pub(super) const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "route_types_unreachable_prohibit_blackhole",
        claim: "002_b9a66d336cde56ce.txt: EHOSTUNREACH \"No valid routing table entry matches \
                the destination address\", EACCES \"sending a packet via a prohibit route\", \
                EINVAL \"For send operations this can be caused by sending to a blackhole \
                route.\"",
        run: route_types_unreachable_prohibit_blackhole,
    },
    Scenario {
        name: "no_route_at_all",
        claim: "002_b9a66d336cde56ce.txt: EHOSTUNREACH \"No valid routing table entry matches \
                the destination address. This error can be caused by a ICMP message from a \
                remote router or for the local routing table.\"",
        run: no_route_at_all,
    },
    Scenario {
        name: "longest_prefix_beats_table_order",
        claim: "000_013038441b203428.txt: \"The routing table is searched from top to bottom, so \
                every time you send out a packet, the first (uppermost) matching route which the \
                kernel routing function finds which matches the destination IP address is \
                used.\"",
        run: longest_prefix_beats_table_order,
    },
    Scenario {
        name: "policy_rule_selects_second_table",
        claim: "000_013038441b203428.txt: \"Note that the routing table is still consulted when \
                packets are transmitted.\" (one table in 1997; today rules pick among several: \
                `ip rule add ... table 100`)",
        run: policy_rule_selects_second_table,
    },
];

/// Each special route type makes `connect` and `sendto` fail with its own error.
fn route_types_unreachable_prohibit_blackhole(ctx: &mut Ctx) -> Result<Outcome> {
    let ns = ctx.scratch_netns("routes")?;
    ns.ip_batch(
        "link set lo up\n\
         route add unreachable 203.0.113.64/26\n\
         route add prohibit 203.0.113.128/26\n\
         route add blackhole 203.0.113.192/26\n",
    )?;
    let cases = [
        (
            "unreachable",
            Ipv4Addr::new(203, 0, 113, 70),
            libc::EHOSTUNREACH,
        ),
        ("prohibit", Ipv4Addr::new(203, 0, 113, 130), libc::EACCES),
        ("blackhole", Ipv4Addr::new(203, 0, 113, 200), libc::EINVAL),
    ];
    let mut trace = ctx.trace(&ns)?;

    let results = ns.run(|| {
        cases.map(|(_, dest, _)| -> Result<_, Errno> {
            let dest = SocketAddrV4::new(dest, CLOSED_PORT);
            let connected = sys::connect(&sys::udp_socket()?, dest);
            let sent = sys::send_to(&sys::udp_socket()?, b"x", dest);
            Ok((connected, sent))
        })
    });
    let seen = trace.collect()?;

    let mut notes = Vec::new();
    for ((kind, dest, want), result) in cases.into_iter().zip(results) {
        let (connected, sent) = expect_ok("socket", result)?;
        let name = Errno(want).name();
        expect_errno(&format!("connect via a {kind} route"), connected, want)?;
        expect_errno(&format!("sendto via a {kind} route"), sent, want)?;
        // One failed lookup for the connect, one for the sendto, each with the route's error.
        let dest = SocketAddrV4::new(dest, CLOSED_PORT);
        let decisions = seen.expect_count(
            &format!("route decisions for {dest}"),
            seen.routes_to(dest),
            2,
        )?;
        for decision in &decisions {
            expect_via(&seen, &format!("{kind} route"), decision, Via::error(name))?;
        }
        notes.push(format!(
            "{kind} ({dest}): {name} (bindscope: {})",
            decisions[0].line()
        ));
    }
    Ok(Outcome::pass(format!(
        "connect() and sendto(): {}",
        notes.join(", ")
    )))
}

/// With no route at all (no default), the kernel says ENETUNREACH, not EHOSTUNREACH.
fn no_route_at_all(ctx: &mut Ctx) -> Result<Outcome> {
    let ns = ctx.scratch_netns("noroute")?;
    ns.ip(["link", "set", "lo", "up"])?;
    let dest = SocketAddrV4::new(Ipv4Addr::new(203, 0, 113, 9), CLOSED_PORT);
    let mut trace = ctx.trace(&ns)?;

    let result = ns.run(|| -> Result<_, Errno> {
        let connected = sys::connect(&sys::udp_socket()?, dest);
        let sent = sys::send_to(&sys::udp_socket()?, b"x", dest);
        Ok((connected, sent))
    });
    let seen = trace.collect()?;

    let (connected, sent) = expect_ok("socket", result)?;
    let (note, err) = match (connected, sent) {
        (Err(Errno(libc::EHOSTUNREACH)), Err(Errno(libc::EHOSTUNREACH))) => (
            "no matching route: EHOSTUNREACH, as the page says",
            "EHOSTUNREACH",
        ),
        (connected, sent) => {
            expect_errno("connect without any route", connected, libc::ENETUNREACH)?;
            expect_errno("sendto without any route", sent, libc::ENETUNREACH)?;
            (
                "no matching route: connect() and sendto() fail with ENETUNREACH; the page \
                 names EHOSTUNREACH (which the kernel keeps for `unreachable` routes)",
                "ENETUNREACH",
            )
        }
    };
    // Every table missed: not an on-link fallback, since the socket is not bound.
    let decisions = seen.expect_count("route decisions", seen.routes_to(dest), 2)?;
    for decision in &decisions {
        expect_via(&seen, "lookup without any route", decision, Via::error(err))?;
    }
    Ok(Outcome::pass(format!(
        "{note}; bindscope: {}",
        decisions[0].line()
    )))
}

/// A more specific route wins over the default routes, whatever the listing order or metric.
fn longest_prefix_beats_table_order(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    topo.host.ip([
        "route",
        "add",
        "198.51.100.128/25",
        "via",
        &ROUTER_R1.to_string(),
        "dev",
        ETH1,
        "metric",
        "100",
    ])?;
    let listing = topo.host.ip(["route", "show"])?;
    let socket = topo.host_socket()?;
    let dest = SocketAddrV4::new(FAR, CLOSED_PORT);
    let mut trace = ctx.trace(&topo.host)?;

    let source = topo.host.run(|| connected_source(&socket, dest));
    let route = topo.host.route_get([FAR.to_string()])?;
    let seen = trace.collect()?;

    let source = expect_ok("connect + getsockname", source)?;
    expect_eq("source address", *source.ip(), HOST_ETH1)?;
    expect_eq("`ip route get` device", route.dev.as_deref(), Some(ETH1))?;
    let decision = expect_routes(&seen, dest, Via::route(ETH1, Some(ROUTER_R1)))?;
    let first = listing.lines().next().unwrap_or("").trim().to_owned();
    Ok(Outcome::pass(format!(
        "`ip route show` lists \"{first}\" first, yet the /25 with metric 100 is used (source \
         {}; ip route get: {}): longest prefix match, not the uppermost matching route; \
         bindscope: {decision}",
        source.ip(),
        route.line
    )))
}

/// A rule sends lookups for 198.51.100.0/24 to table 100, whose default goes through eth1.
fn policy_rule_selects_second_table(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    topo.host.ip_batch(&format!(
        "route add default via {ROUTER_R1} dev {ETH1} table 100\n\
         rule add to 198.51.100.0/24 table 100 priority 100\n"
    ))?;
    let socket = topo.host_socket()?;
    let other = topo.host_socket()?;
    let far = SocketAddrV4::new(FAR, CLOSED_PORT);
    // Not covered by the rule: still the main table's metric-0 default through eth0.
    let elsewhere = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 130), CLOSED_PORT);
    let mut trace = ctx.trace(&topo.host)?;

    let (source, other_source) = topo.host.run(|| {
        (
            connected_source(&socket, far),
            connected_source(&other, elsewhere),
        )
    });
    let route = topo.host.route_get([FAR.to_string()])?;
    let seen = trace.collect()?;

    let source = expect_ok("connect to 198.51.100.159 + getsockname", source)?;
    expect_eq("source for 198.51.100.159", *source.ip(), HOST_ETH1)?;
    expect_eq("`ip route get` device", route.dev.as_deref(), Some(ETH1))?;
    let other_source = expect_ok("connect to 192.0.2.130 + getsockname", other_source)?;
    expect_eq("source for 192.0.2.130", *other_source.ip(), HOST_ETH0)?;

    // bindscope groups the tables the rules walked through into one decision.
    let walk = |dest: SocketAddrV4| -> Result<(Vec<String>, String)> {
        let decision =
            seen.expect_first(&format!("route decision for {dest}"), seen.routes_to(dest))?;
        let tables = decision
            .lookups
            .iter()
            .map(|l| match &l.err {
                Some(err) => format!("{}:{err}", l.table_name),
                None => l.table_name.to_string(),
            })
            .collect();
        Ok((tables, decision.line()))
    };
    expect_routes(&seen, far, Via::route(ETH1, Some(ROUTER_R1)))?;
    expect_routes(&seen, elsewhere, Via::route(ETH0, Some(ROUTER_R0)))?;
    let (far_tables, far_line) = walk(far)?;
    let (elsewhere_tables, elsewhere_line) = walk(elsewhere)?;
    seen.expect_eq(
        "tables consulted for 198.51.100.159",
        far_tables.join(" -> "),
        "local:EAGAIN -> 100".to_owned(),
    )?;
    seen.expect_eq(
        "tables consulted for 192.0.2.130",
        elsewhere_tables.join(" -> "),
        "local:EAGAIN -> main".to_owned(),
    )?;
    Ok(Outcome::pass(format!(
        "rule `to 198.51.100.0/24 table 100`: 198.51.100.159 leaves via eth1 (source {}; ip \
         route get: {}); 192.0.2.130 still uses the main table (source {}); bindscope: {} \
         tables consulted ({far_line}), {} for 192.0.2.130 ({elsewhere_line})",
        source.ip(),
        route.line,
        other_source.ip(),
        far_tables.len(),
        elsewhere_tables.len()
    )))
}
