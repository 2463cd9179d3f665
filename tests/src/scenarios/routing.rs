//! Route-lookup claims: the error of each route type (ip(7), `002_b9a66d336cde56ce.txt`), and
//! how the lookup picks a route (the seed note, `000_013038441b203428.txt`) against longest
//! prefix match and policy rules.

use std::net::{Ipv4Addr, SocketAddrV4};

use anyhow::Result;

use super::connected_source;
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

    let results = ns.run(|| {
        cases.map(|(_, dest, _)| -> Result<_, Errno> {
            let dest = SocketAddrV4::new(dest, CLOSED_PORT);
            let connected = sys::connect(&sys::udp_socket()?, dest);
            let sent = sys::send_to(&sys::udp_socket()?, b"x", dest);
            Ok((connected, sent))
        })
    });

    let mut notes = Vec::new();
    for ((kind, dest, want), result) in cases.into_iter().zip(results) {
        let (connected, sent) = expect_ok("socket", result)?;
        expect_errno(&format!("connect via a {kind} route"), connected, want)?;
        expect_errno(&format!("sendto via a {kind} route"), sent, want)?;
        notes.push(format!("{kind} ({dest}): {}", Errno(want).name()));
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

    let result = ns.run(|| -> Result<_, Errno> {
        let connected = sys::connect(&sys::udp_socket()?, dest);
        let sent = sys::send_to(&sys::udp_socket()?, b"x", dest);
        Ok((connected, sent))
    });

    let (connected, sent) = expect_ok("socket", result)?;
    match (connected, sent) {
        (Err(Errno(libc::EHOSTUNREACH)), Err(Errno(libc::EHOSTUNREACH))) => Ok(Outcome::pass(
            "no matching route: EHOSTUNREACH, as the page says",
        )),
        (connected, sent) => {
            expect_errno("connect without any route", connected, libc::ENETUNREACH)?;
            expect_errno("sendto without any route", sent, libc::ENETUNREACH)?;
            Ok(Outcome::pass(
                "no matching route: connect() and sendto() fail with ENETUNREACH; the page \
                 names EHOSTUNREACH (which the kernel keeps for `unreachable` routes)",
            ))
        }
    }
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

    let source = connected_source(&socket, SocketAddrV4::new(FAR, CLOSED_PORT));
    let route = topo.host.route_get([FAR.to_string()])?;

    let source = expect_ok("connect + getsockname", source)?;
    expect_eq("source address", *source.ip(), HOST_ETH1)?;
    expect_eq("`ip route get` device", route.dev.as_deref(), Some(ETH1))?;
    let first = listing.lines().next().unwrap_or("").trim().to_owned();
    Ok(Outcome::pass(format!(
        "`ip route show` lists \"{first}\" first, yet the /25 with metric 100 is used (source \
         {}; ip route get: {}): longest prefix match, not the uppermost matching route",
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
    // Not covered by the rule: still the main table's metric-0 default through eth0.
    let elsewhere = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 130), CLOSED_PORT);

    let source = connected_source(&socket, SocketAddrV4::new(FAR, CLOSED_PORT));
    let other_source = connected_source(&other, elsewhere);
    let route = topo.host.route_get([FAR.to_string()])?;
    // Later: the observer's trace also counts how many tables this lookup consulted.

    let source = expect_ok("connect to 198.51.100.159 + getsockname", source)?;
    expect_eq("source for 198.51.100.159", *source.ip(), HOST_ETH1)?;
    expect_eq("`ip route get` device", route.dev.as_deref(), Some(ETH1))?;
    let other_source = expect_ok("connect to 192.0.2.130 + getsockname", other_source)?;
    expect_eq("source for 192.0.2.130", *other_source.ip(), HOST_ETH0)?;
    Ok(Outcome::pass(format!(
        "rule `to 198.51.100.0/24 table 100`: 198.51.100.159 leaves via eth1 (source {}; ip \
         route get: {}); 192.0.2.130 still uses the main table (source {})",
        source.ip(),
        route.line,
        other_source.ip()
    )))
}
