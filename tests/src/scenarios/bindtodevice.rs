//! Claims of the SO_BINDTODEVICE seed note (`000_013038441b203428.txt`): two default routes,
//! binding a socket to an interface, rebinding, unbinding, and a device without a route.

use std::net::SocketAddrV4;
use std::os::fd::OwnedFd;

use anyhow::{bail, Result};

use super::{connected_source, expect_routes, expect_via, receive_with_pktinfo, Via};
use crate::abi;
use crate::scenario::{expect_eq, expect_errno, expect_ok, Ctx, Outcome, Scenario};
use crate::sys::{self, Errno};
use crate::topology::*;

/// The far destination on a port nobody listens on (connect-only lookups).
const FAR_CLOSED: SocketAddrV4 = SocketAddrV4::new(FAR, CLOSED_PORT);
/// A port the router listens on when a scenario sends real datagrams.
const LISTEN_PORT: u16 = 4000;

/// This file's scenarios.
pub(super) const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "unbound_uses_metric_0_default",
        claim: "000_013038441b203428.txt: \"packets sent to the IP address 152.2.128.159 will \
                normally be sent through eth0 and gateway 171.64.69.1\"",
        run: unbound_uses_metric_0_default,
    },
    Scenario {
        name: "metric_1_default_is_the_fallback",
        claim: "000_013038441b203428.txt: \"Routes with a higher \\\"metric\\\" are put lower in \
                the table and thus have a lower preference.\"",
        run: metric_1_default_is_the_fallback,
    },
    Scenario {
        name: "bindtodevice_eth1_uses_eth1",
        claim: "000_013038441b203428.txt: \"if the socket is bound to the eth1 device, the \
                packets will be sent through eth1 and gateway 171.64.69.193\"",
        run: bindtodevice_eth1_uses_eth1,
    },
    Scenario {
        name: "bindtodevice_rebind_changes_interface",
        claim: "000_013038441b203428.txt: \"You _can_ call BINDTODEVICE more than once for a \
                socket to change the interface it's bound to, but results may be unpredictable \
                because of caching effects in the kernel\"",
        run: bindtodevice_rebind_changes_interface,
    },
    Scenario {
        name: "bindtodevice_empty_name_unbinds",
        claim: "000_013038441b203428.txt: \"If you want to send and receive over multiple \
                interfaces ... bind each one to a different interface\" (and a socket can be \
                unbound again: an empty name, as socket(7) documents)",
        run: bindtodevice_empty_name_unbinds,
    },
    Scenario {
        name: "bindtodevice_unknown_name_enodev",
        claim: "000_013038441b203428.txt: \"if (setsockopt(skfd, SOL_SOCKET, SO_BINDTODEVICE, \
                (char *)&interface, sizeof(interface)) < 0) { perror(...\" (an interface that \
                does not exist is refused with ENODEV)",
        run: bindtodevice_unknown_name_enodev,
    },
    Scenario {
        name: "bindtodevice_without_route_is_unreachable",
        claim: "000_013038441b203428.txt: \"If you attempt to send a packet to a certain IP \
                address through an interface which provides no route to that IP address, \
                you'll get a \\\"network unreachable\\\" error.\"",
        run: bindtodevice_without_route_is_unreachable,
    },
    Scenario {
        name: "bindtodevice_ifreq_or_bare_name",
        claim: "000_013038441b203428.txt: \"strncpy(interface.ifr_ifrn.ifrn_name, \\\"eth1\\\", \
                IFNAMSIZ); if (setsockopt(skfd, SOL_SOCKET, SO_BINDTODEVICE, (char *)&interface, \
                sizeof(interface)) < 0)\"",
        run: bindtodevice_ifreq_or_bare_name,
    },
];

/// `setsockopt(SO_BINDTODEVICE)` with exactly these bytes.
fn bind_to_device(socket: &OwnedFd, bytes: &[u8]) -> Result<(), Errno> {
    sys::setsockopt_bytes(socket, libc::SOL_SOCKET, libc::SO_BINDTODEVICE, bytes)
}

/// `getsockopt(SO_BINDTODEVICE)`: the bound name, `""` when unbound.
fn bound_device(socket: &OwnedFd) -> Result<String, Errno> {
    let bytes = sys::getsockopt_bytes(socket, libc::SOL_SOCKET, libc::SO_BINDTODEVICE, 16)?;
    let len = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    Ok(String::from_utf8_lossy(&bytes[..len]).into_owned())
}

/// With two default routes, an unbound socket uses the metric-0 one.
fn unbound_uses_metric_0_default(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let socket = topo.host_socket()?;
    let mut trace = ctx.trace(&topo.host)?;

    let source = topo.host.run(|| connected_source(&socket, FAR_CLOSED));
    let route = topo.host.route_get([FAR.to_string()])?;
    let seen = trace.collect()?;

    let source = expect_ok("connect + getsockname", source)?;
    expect_eq("source address", *source.ip(), HOST_ETH0)?;
    expect_eq("`ip route get` device", route.dev.as_deref(), Some(ETH0))?;
    expect_eq("`ip route get` gateway", route.via, Some(ROUTER_R0))?;
    let decision = expect_routes(&seen, FAR_CLOSED, Via::route(ETH0, Some(ROUTER_R0)))?;
    Ok(Outcome::pass(format!(
        "connect() picked source {}; ip route get: {}; bindscope: {decision}",
        source.ip(),
        route.line
    )))
}

/// Without the metric-0 default route, the metric-1 one through eth1 is used.
fn metric_1_default_is_the_fallback(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    topo.host.ip([
        "route",
        "del",
        "default",
        "via",
        &ROUTER_R0.to_string(),
        "dev",
        ETH0,
    ])?;
    let socket = topo.host_socket()?;
    let mut trace = ctx.trace(&topo.host)?;

    let source = topo.host.run(|| connected_source(&socket, FAR_CLOSED));
    let route = topo.host.route_get([FAR.to_string()])?;
    let seen = trace.collect()?;

    let source = expect_ok("connect + getsockname", source)?;
    expect_eq("source address", *source.ip(), HOST_ETH1)?;
    expect_eq("`ip route get` device", route.dev.as_deref(), Some(ETH1))?;
    expect_eq("`ip route get` gateway", route.via, Some(ROUTER_R1))?;
    let decision = expect_routes(&seen, FAR_CLOSED, Via::route(ETH1, Some(ROUTER_R1)))?;
    Ok(Outcome::pass(format!(
        "after deleting the metric-0 default: source {}; ip route get: {}; bindscope: \
         {decision}",
        source.ip(),
        route.line
    )))
}

/// Bound to eth1, the socket's lookups, source and real datagrams all go through eth1.
fn bindtodevice_eth1_uses_eth1(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let listener = topo.router_listener(LISTEN_PORT)?;
    let socket = topo.host_socket()?;
    let dest = SocketAddrV4::new(FAR, LISTEN_PORT);
    let mut trace = ctx.trace(&topo.host)?;

    let (bound, name, source, sent) = topo.host.run(|| {
        (
            bind_to_device(&socket, b"eth1\0"),
            bound_device(&socket),
            connected_source(&socket, FAR_CLOSED),
            sys::send_to(&socket, b"via eth1", dest),
        )
    });
    let route = topo.host.route_get([&FAR.to_string(), "oif", ETH1])?;
    let seen = trace.collect()?;

    expect_ok("SO_BINDTODEVICE eth1", bound)?;
    expect_eq(
        "getsockopt(SO_BINDTODEVICE)",
        expect_ok("getsockopt", name)?,
        ETH1.into(),
    )?;
    let source = expect_ok("connect + getsockname", source)?;
    expect_eq("source address", *source.ip(), HOST_ETH1)?;
    expect_eq(
        "`ip route get ... oif eth1` device",
        route.dev.as_deref(),
        Some(ETH1),
    )?;
    expect_eq(
        "`ip route get ... oif eth1` gateway",
        route.via,
        Some(ROUTER_R1),
    )?;
    // A connected UDP socket may still sendto() another destination.
    expect_ok("sendto the router", sent)?;
    let (received, info) = receive_with_pktinfo(&listener)?;
    expect_eq(
        "datagram source",
        received.from.map(|a| *a.ip()),
        Some(HOST_ETH1),
    )?;
    expect_eq("router interface", info.ipi_ifindex, topo.ifindex.r1 as i32)?;

    let option = seen.expect_one("SO_BINDTODEVICE", seen.sockopts("SO_BINDTODEVICE"))?;
    seen.expect_eq(
        "SO_BINDTODEVICE (ifname, ret)",
        (option.ifname.as_deref(), option.ret),
        (Some(ETH1), 0),
    )?;
    let via_eth1 = Via::route(ETH1, Some(ROUTER_R1)).bound(ETH1);
    let decision = expect_routes(&seen, FAR_CLOSED, via_eth1)?;
    expect_routes(&seen, dest, via_eth1)?;
    Ok(Outcome::pass(format!(
        "bound to eth1: source {}, ip route get: {}; a datagram reached the router on r1 from \
         {}; bindscope: {}; {decision} (connect and sendto alike)",
        source.ip(),
        route.line,
        HOST_ETH1,
        option.line()
    )))
}

/// Rebinding an unconnected socket moves its traffic; a connected one keeps its source.
fn bindtodevice_rebind_changes_interface(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let listener = topo.router_listener(LISTEN_PORT)?;
    let dest = SocketAddrV4::new(FAR, LISTEN_PORT);
    let socket = topo.host_socket()?;
    let connected = topo.host_socket()?;
    let mut trace = ctx.trace(&topo.host)?;

    // Unconnected: each sendto looks the route up afresh.
    let host = &topo.host;
    expect_ok(
        "SO_BINDTODEVICE eth1",
        host.run(|| bind_to_device(&socket, b"eth1\0")),
    )?;
    expect_ok(
        "sendto bound to eth1",
        host.run(|| sys::send_to(&socket, b"1", dest)),
    )?;
    let (first, first_info) = receive_with_pktinfo(&listener)?;
    expect_ok(
        "SO_BINDTODEVICE eth0",
        host.run(|| bind_to_device(&socket, b"eth0\0")),
    )?;
    expect_ok(
        "sendto rebound to eth0",
        host.run(|| sys::send_to(&socket, b"2", dest)),
    )?;
    let (second, second_info) = receive_with_pktinfo(&listener)?;
    let unconnected = trace.collect()?;

    expect_eq("first source", first.from.map(|a| *a.ip()), Some(HOST_ETH1))?;
    expect_eq(
        "first router interface",
        first_info.ipi_ifindex,
        topo.ifindex.r1 as i32,
    )?;
    expect_eq(
        "second source",
        second.from.map(|a| *a.ip()),
        Some(HOST_ETH0),
    )?;
    expect_eq(
        "second router interface",
        second_info.ipi_ifindex,
        topo.ifindex.r0 as i32,
    )?;
    let binds = unconnected.sockopts("SO_BINDTODEVICE");
    unconnected.expect_eq(
        "SO_BINDTODEVICE names",
        binds.iter().map(|b| b.ifname.as_deref()).collect(),
        vec![Some(ETH1), Some(ETH0)],
    )?;
    let sends = unconnected.expect_count(
        "route decisions of the sends",
        unconnected.routes_to(dest),
        2,
    )?;
    expect_via(
        &unconnected,
        "first sendto",
        &sends[0],
        Via::route(ETH1, Some(ROUTER_R1)).bound(ETH1),
    )?;
    expect_via(
        &unconnected,
        "second sendto",
        &sends[1],
        Via::route(ETH0, Some(ROUTER_R0)).bound(ETH0),
    )?;

    // Connected: the source address was fixed by connect() and survives the rebind (one of the
    // note's "caching effects"); record where its next datagram goes.
    expect_ok(
        "SO_BINDTODEVICE eth1",
        host.run(|| bind_to_device(&connected, b"eth1\0")),
    )?;
    let before = expect_ok(
        "connect bound to eth1",
        host.run(|| connected_source(&connected, dest)),
    )?;
    expect_ok(
        "SO_BINDTODEVICE eth0",
        host.run(|| bind_to_device(&connected, b"eth0\0")),
    )?;
    let after = expect_ok("getsockname after rebind", sys::getsockname(&connected))?;
    let sent = host.run(|| sys::send(&connected, b"3"));
    let cached = match sent {
        Ok(_) => {
            let (third, third_info) = receive_with_pktinfo(&listener)?;
            let via = if third_info.ipi_ifindex == topo.ifindex.r0 as i32 {
                "r0"
            } else if third_info.ipi_ifindex == topo.ifindex.r1 as i32 {
                "r1"
            } else {
                "another interface"
            };
            format!(
                "its next datagram reached the router on {via} from {}",
                third.from.map_or("?".to_owned(), |a| a.ip().to_string())
            )
        }
        Err(e) => format!("its next send() failed with {}", e.name()),
    };
    let seen = trace.collect()?;
    expect_eq("connected source before rebind", *before.ip(), HOST_ETH1)?;
    // The connect's decisions come first; a lookup after them belongs to the send.
    let decisions = seen.routes_to(dest);
    let connect = seen.expect_first("route decision of the connect", decisions.clone())?;
    expect_via(
        &seen,
        "connect bound to eth1",
        &connect,
        Via::route(ETH1, Some(ROUTER_R1)).bound(ETH1),
    )?;
    let send = decisions
        .iter()
        .find(|d| d.oif_name.as_deref() != Some(ETH1))
        .map_or("no new route lookup (cached route)".to_owned(), |d| {
            d.line()
        });
    Ok(Outcome::pass(format!(
        "unconnected: eth1 then eth0 after rebind (router saw r1 then r0; bindscope: {} then \
         {}); connected: source {} stays {} after rebinding to eth0, {cached}; bindscope for \
         that send: {send}",
        sends[0].line(),
        sends[1].line(),
        before.ip(),
        after.ip()
    )))
}

/// An empty name (length 0, or a lone NUL) removes the binding.
fn bindtodevice_empty_name_unbinds(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let mut trace = ctx.trace(&topo.host)?;
    let mut notes = Vec::new();
    for (label, empty) in [("optlen 0", &b""[..]), ("\"\\0\"", &b"\0"[..])] {
        let socket = topo.host_socket()?;
        let (bound, unbound, name, source) = topo.host.run(|| {
            (
                bind_to_device(&socket, b"eth1\0"),
                bind_to_device(&socket, empty),
                bound_device(&socket),
                connected_source(&socket, FAR_CLOSED),
            )
        });
        let seen = trace.collect()?;

        expect_ok("SO_BINDTODEVICE eth1", bound)?;
        expect_ok(&format!("SO_BINDTODEVICE {label}"), unbound)?;
        expect_eq(
            &format!("getsockopt(SO_BINDTODEVICE) after {label}"),
            expect_ok("getsockopt", name)?,
            String::new(),
        )?;
        let source = expect_ok("connect + getsockname", source)?;
        expect_eq(&format!("source after {label}"), *source.ip(), HOST_ETH0)?;

        let binds = seen.expect_count("SO_BINDTODEVICE", seen.sockopts("SO_BINDTODEVICE"), 2)?;
        seen.expect_eq(
            &format!("SO_BINDTODEVICE {label} (unbind, ifname, ret)"),
            (binds[1].unbind, binds[1].ifname.as_deref(), binds[1].ret),
            (true, None, 0),
        )?;
        let decision = expect_routes(&seen, FAR_CLOSED, Via::route(ETH0, Some(ROUTER_R0)))?;
        notes.push(format!(
            "{label} unbinds (source {}; bindscope: {}; {decision})",
            source.ip(),
            binds[1].line()
        ));
    }
    Ok(Outcome::pass(notes.join("; ")))
}

/// A name no interface has is refused with ENODEV.
fn bindtodevice_unknown_name_enodev(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let socket = topo.host_socket()?;
    let mut trace = ctx.trace(&topo.host)?;

    let result = topo.host.run(|| bind_to_device(&socket, b"nosuchdev0\0"));
    let name = bound_device(&socket);
    let seen = trace.collect()?;

    expect_errno("SO_BINDTODEVICE nosuchdev0", result, libc::ENODEV)?;
    expect_eq(
        "binding after the failure",
        expect_ok("getsockopt", name)?,
        String::new(),
    )?;
    let option = seen.expect_one("SO_BINDTODEVICE", seen.sockopts("SO_BINDTODEVICE"))?;
    seen.expect_eq(
        "SO_BINDTODEVICE nosuchdev0 (ifname, ret, errno)",
        (
            option.ifname.as_deref(),
            option.ret,
            option.errno.as_deref(),
        ),
        (Some("nosuchdev0"), -1, Some("ENODEV")),
    )?;
    Ok(Outcome::pass(format!(
        "SO_BINDTODEVICE \"nosuchdev0\" failed with ENODEV; socket stays unbound; bindscope: {}",
        option.line()
    )))
}

/// Bound to eth2, which has no route to the far destination.
fn bindtodevice_without_route_is_unreachable(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let listener = topo.router_listener(LISTEN_PORT)?;
    let socket = topo.host_socket()?;
    let dest = SocketAddrV4::new(FAR, LISTEN_PORT);
    let mut trace = ctx.trace(&topo.host)?;

    let (bound, source) = topo.host.run(|| {
        (
            bind_to_device(&socket, b"eth2\0"),
            connected_source(&socket, dest),
        )
    });
    let route = topo.host.route_get([&FAR.to_string(), "oif", ETH2]);
    let seen = trace.collect()?;

    expect_ok("SO_BINDTODEVICE eth2", bound)?;
    let option = seen.expect_one("SO_BINDTODEVICE", seen.sockopts("SO_BINDTODEVICE"))?;
    seen.expect_eq(
        "SO_BINDTODEVICE ifname",
        option.ifname.as_deref(),
        Some(ETH2),
    )?;
    // Either way the lookup itself fails: no route leaves through eth2 to 198.51.100.159.
    let decision = expect_routes(&seen, dest, Via::error("ENETUNREACH").bound(ETH2))?;
    match source {
        Err(Errno(libc::ENETUNREACH)) => Ok(Outcome::pass(format!(
            "bound to eth2 with no route: connect() failed with ENETUNREACH, as the seed says; \
             bindscope: {decision}"
        ))),
        Ok(source) => {
            // The modern kernel assumes the destination is on the bound link.
            expect_eq("on-link source", *source.ip(), HOST_ETH2)?;
            let route = route?;
            expect_eq(
                "`ip route get ... oif eth2` device",
                route.dev.as_deref(),
                Some(ETH2),
            )?;
            expect_eq("`ip route get ... oif eth2` gateway", route.via, None)?;
            expect_ok("send", topo.host.run(|| sys::send(&socket, b"on-link")))?;
            let (received, info) = receive_with_pktinfo(&listener)?;
            expect_eq("router interface", info.ipi_ifindex, topo.ifindex.r2 as i32)?;
            Ok(Outcome::pass(format!(
                "on-link fallback: bound to eth2 with no route, connect() succeeded with source \
                 {} (ip route get: {}); the datagram was ARP-resolved on the link and reached \
                 the router on r2 from {}; seed claims ENETUNREACH; bindscope: {decision}",
                source.ip(),
                route.line,
                received.from.map_or("?".to_owned(), |a| a.ip().to_string())
            )))
        }
        Err(e) => bail!("connect bound to eth2: expected success or ENETUNREACH, got {e}"),
    }
}

/// The note passes a whole `struct ifreq`; the kernel reads only the name from it, so a bare
/// name works the same.
fn bindtodevice_ifreq_or_bare_name(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let ifreq = abi::ifreq_with_name(ETH1);
    let mut trace = ctx.trace(&topo.host)?;
    let mut notes = Vec::new();
    for (label, bytes) in [
        ("a 40-byte struct ifreq", &ifreq[..]),
        ("the bare name without NUL (4 bytes)", ETH1.as_bytes()),
    ] {
        let socket = topo.host_socket()?;
        let (bound, name, source) = topo.host.run(|| {
            (
                bind_to_device(&socket, bytes),
                bound_device(&socket),
                connected_source(&socket, FAR_CLOSED),
            )
        });
        let seen = trace.collect()?;

        expect_ok(&format!("SO_BINDTODEVICE with {label}"), bound)?;
        expect_eq(
            &format!("getsockopt(SO_BINDTODEVICE) after {label}"),
            expect_ok("getsockopt", name)?,
            ETH1.into(),
        )?;
        let source = expect_ok("connect + getsockname", source)?;
        expect_eq(&format!("source with {label}"), *source.ip(), HOST_ETH1)?;

        let option = seen.expect_one("SO_BINDTODEVICE", seen.sockopts("SO_BINDTODEVICE"))?;
        seen.expect_eq(
            &format!("SO_BINDTODEVICE with {label} (optlen, ifname, decode error)"),
            (
                option.optlen,
                option.ifname.as_deref(),
                option.decode_error.as_deref(),
            ),
            (bytes.len() as i32, Some(ETH1), None),
        )?;
        expect_routes(
            &seen,
            FAR_CLOSED,
            Via::route(ETH1, Some(ROUTER_R1)).bound(ETH1),
        )?;
        notes.push(format!(
            "{label} binds to eth1 (bindscope: {})",
            option.line()
        ));
    }
    Ok(Outcome::pass(format!(
        "{} (source {HOST_ETH1}); the kernel reads at most IFNAMSIZ-1 bytes of the option",
        notes.join(", ")
    )))
}
