//! Local-address claims of ip(7) (`002_b9a66d336cde56ce.txt`): binding to a non-local address,
//! `INADDR_ANY`, the implicit bind of `connect`, and broadcasts without `SO_BROADCAST`.

use std::net::{Ipv4Addr, SocketAddrV4};

use anyhow::Result;

use super::{expect_routes, receive_with_pktinfo, Via};
use crate::scenario::{expect_eq, expect_errno, expect_ok, Ctx, Outcome, Scenario};
use crate::sys::{self, Errno};
use crate::topology::*;

/// An address no namespace owns (TEST-NET-2).
const NONLOCAL: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 7);
/// The host's receiving port.
const HOST_PORT: u16 = 5001;
/// The router's receiving port.
const ROUTER_PORT: u16 = 4000;

/// This file's scenarios.
pub(super) const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "bind_nonlocal_needs_freebind",
        claim: "002_b9a66d336cde56ce.txt: EADDRNOTAVAIL \"the requested source address was not \
                local\"; IP_FREEBIND: \"allows binding to an IP address that is nonlocal or does \
                not (yet) exist ... the per-socket equivalent of the ip_nonlocal_bind /proc \
                interface\"",
        run: bind_nonlocal_needs_freebind,
    },
    Scenario {
        name: "bind_inaddr_any_receives_on_all",
        claim: "002_b9a66d336cde56ce.txt: \"When INADDR_ANY is specified in the bind call, the \
                socket will be bound to all local interfaces.\"",
        run: bind_inaddr_any_receives_on_all,
    },
    Scenario {
        name: "connect_binds_implicitly",
        claim: "002_b9a66d336cde56ce.txt: \"When connect(2) is called on an unbound socket, the \
                socket is automatically bound to a random free port or to a usable shared port \
                with the local address set to INADDR_ANY.\"",
        run: connect_binds_implicitly,
    },
    Scenario {
        name: "broadcast_needs_so_broadcast",
        claim: "002_b9a66d336cde56ce.txt: \"Datagrams to broadcast addresses can be sent or \
                received only when the SO_BROADCAST socket flag is set.\" and EACCES: \"sending a \
                packet to a broadcast address without having the SO_BROADCAST flag set\"",
        run: broadcast_needs_so_broadcast,
    },
];

/// Binding to an address of no interface: EADDRNOTAVAIL, unless `IP_FREEBIND` or the
/// `ip_nonlocal_bind` sysctl allows it. bindscope does not trace `bind` itself; it shows the
/// `IP_FREEBIND` that makes the difference.
fn bind_nonlocal_needs_freebind(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let addr = SocketAddrV4::new(NONLOCAL, 0);
    let plain = topo.host_socket()?;
    let freebind = topo.host_socket()?;
    let mut trace = ctx.trace(&topo.host)?;

    let (refused, option, accepted) = topo.host.run(|| {
        (
            sys::bind(&plain, addr),
            sys::setsockopt_int(&freebind, libc::IPPROTO_IP, libc::IP_FREEBIND, 1),
            sys::bind(&freebind, addr),
        )
    });
    let bound = sys::getsockname(&freebind);
    topo.host
        .set_sysctls(&[("net.ipv4.ip_nonlocal_bind", "1")])?;
    let by_sysctl = topo.host_socket()?;
    let sysctl_accepted = sys::bind(&by_sysctl, addr);
    let seen = trace.collect()?;

    expect_errno(
        "bind 198.51.100.7 without IP_FREEBIND",
        refused,
        libc::EADDRNOTAVAIL,
    )?;
    expect_ok("IP_FREEBIND", option)?;
    expect_ok("bind 198.51.100.7 with IP_FREEBIND", accepted)?;
    expect_eq(
        "bound address",
        *expect_ok("getsockname", bound)?.ip(),
        NONLOCAL,
    )?;
    expect_ok("bind 198.51.100.7 with ip_nonlocal_bind=1", sysctl_accepted)?;
    let freebind = seen.expect_one("IP_FREEBIND", seen.sockopts("IP_FREEBIND"))?;
    seen.expect_eq(
        "IP_FREEBIND (value, ret)",
        (freebind.value.as_str(), freebind.ret),
        ("IP_FREEBIND on", 0),
    )?;
    // bind() is not traced; its check whether the address is local is a FIB lookup, which
    // bindscope shows like a route decision.
    let checks = seen.routes_to(addr);
    Ok(Outcome::pass(format!(
        "bind to non-local 198.51.100.7: EADDRNOTAVAIL; with IP_FREEBIND: bound; with \
         net.ipv4.ip_nonlocal_bind=1 and no option: bound; bindscope: {}; bind itself is not \
         traced, its address check shows as {} FIB lookup(s){}",
        freebind.line(),
        checks.len(),
        checks.first().map_or(String::new(), |check| format!(
            " such as \"{}\"",
            check.line()
        ))
    )))
}

/// A socket bound to `0.0.0.0` receives datagrams sent to any of the host's addresses, on any
/// interface. bindscope does not trace receiving; it shows the host asking for `IP_PKTINFO`.
fn bind_inaddr_any_receives_on_all(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let mut trace = ctx.trace(&topo.host)?;
    let host = topo.host.run(|| -> Result<_, Errno> {
        let socket = sys::udp_socket()?;
        sys::setsockopt_int(&socket, libc::IPPROTO_IP, libc::IP_PKTINFO, 1)?;
        sys::bind(&socket, SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, HOST_PORT))?;
        Ok(socket)
    });
    let host = expect_ok("host socket bound to 0.0.0.0", host)?;
    let bound = expect_ok("getsockname", sys::getsockname(&host))?;
    let router = topo.router.run(sys::udp_socket);
    let router = expect_ok("router socket", router)?;

    let mut seen = Vec::new();
    for (address, ifindex, dev) in [
        (HOST_ETH0, topo.ifindex.eth0, ETH0),
        (HOST_ETH1, topo.ifindex.eth1, ETH1),
        (HOST_ETH2, topo.ifindex.eth2, ETH2),
    ] {
        let dest = SocketAddrV4::new(address, HOST_PORT);
        expect_ok(
            &format!("router sendto {dest}"),
            sys::send_to(&router, address.to_string().as_bytes(), dest),
        )?;
        let (received, info) = receive_with_pktinfo(&host)?;
        expect_eq(
            "payload",
            received.payload.as_slice(),
            address.to_string().as_bytes(),
        )?;
        expect_eq(
            &format!("interface for {address}"),
            info.ipi_ifindex,
            ifindex as i32,
        )?;
        seen.push(format!("{address} on {dev}"));
    }
    let traced = trace.collect()?;

    expect_eq(
        "bound address",
        bound,
        SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, HOST_PORT),
    )?;
    let option = traced.expect_one("IP_PKTINFO", traced.sockopts("IP_PKTINFO"))?;
    traced.expect_eq(
        "IP_PKTINFO (value, ret)",
        (option.value.as_str(), option.ret),
        ("IP_PKTINFO on", 0),
    )?;
    Ok(Outcome::pass(format!(
        "bound to {bound}; received datagrams to {}; bindscope (receiving is not traced): {}",
        seen.join(", "),
        option.line()
    )))
}

/// `connect` on an unbound socket picks a port, and (unlike the page's wording) fills in the
/// route's source as the local address.
fn connect_binds_implicitly(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let socket = topo.host_socket()?;
    let mut trace = ctx.trace(&topo.host)?;

    let before = sys::getsockname(&socket);
    let connected = topo
        .host
        .run(|| sys::connect(&socket, SocketAddrV4::new(FAR, CLOSED_PORT)));
    let after = sys::getsockname(&socket);
    let seen = trace.collect()?;

    let before = expect_ok("getsockname before connect", before)?;
    expect_eq(
        "local address before connect",
        before,
        SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0),
    )?;
    expect_ok("connect", connected)?;
    let after = expect_ok("getsockname after connect", after)?;
    anyhow::ensure!(after.port() != 0, "connect left the port at 0");
    let difference = if after.ip().is_unspecified() {
        "as the page says"
    } else {
        "the page says INADDR_ANY: the kernel fixes the route's source address at connect()"
    };
    expect_eq("local address after connect", *after.ip(), HOST_ETH0)?;
    // The connect looks the route up without a source to choose one, then again with it.
    let dest = SocketAddrV4::new(FAR, CLOSED_PORT);
    expect_routes(&seen, dest, Via::route(ETH0, Some(ROUTER_R0)))?;
    let sources: Vec<Ipv4Addr> = seen
        .routes_to(dest)
        .iter()
        .filter_map(|d| d.src.v4())
        .collect();
    seen.expect_eq(
        "sources of the connect's lookups",
        sources,
        vec![Ipv4Addr::UNSPECIFIED, HOST_ETH0],
    )?;
    Ok(Outcome::pass(format!(
        "before connect: {before}; after: port {} chosen, local address {} ({difference}); \
         bindscope: the connect looked up the route from 0.0.0.0, then from {}",
        after.port(),
        after.ip(),
        after.ip()
    )))
}

/// A datagram to a broadcast address fails with EACCES until `SO_BROADCAST` is set.
fn broadcast_needs_so_broadcast(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let listener = topo.router_listener(ROUTER_PORT)?;
    let socket = topo.host_socket()?;
    let other = topo.host_socket()?;
    let subnet = SocketAddrV4::new(ETH0_BROADCAST, ROUTER_PORT);
    let limited = SocketAddrV4::new(Ipv4Addr::BROADCAST, ROUTER_PORT);
    let mut trace = ctx.trace(&topo.host)?;

    let (subnet_refused, limited_refused, connect_refused) = topo.host.run(|| {
        (
            sys::send_to(&socket, b"no", subnet),
            sys::send_to(&socket, b"no", limited),
            sys::connect(&other, subnet),
        )
    });
    let refused = trace.collect()?;
    let option = sys::setsockopt_int(&socket, libc::SOL_SOCKET, libc::SO_BROADCAST, 1);
    let allowed = topo.host.run(|| sys::send_to(&socket, b"yes", subnet));
    let seen = trace.collect()?;

    expect_errno(
        "sendto 192.0.2.63 without SO_BROADCAST",
        subnet_refused,
        libc::EACCES,
    )?;
    expect_errno(
        "sendto 255.255.255.255 without SO_BROADCAST",
        limited_refused,
        libc::EACCES,
    )?;
    expect_errno(
        "connect 192.0.2.63 without SO_BROADCAST",
        connect_refused,
        libc::EACCES,
    )?;
    expect_ok("SO_BROADCAST", option)?;
    expect_ok("sendto 192.0.2.63 with SO_BROADCAST", allowed)?;
    let (received, info) = receive_with_pktinfo(&listener)?;
    expect_eq("payload", received.payload.as_slice(), b"yes")?;
    expect_eq(
        "header destination at the router",
        info.ipi_addr,
        ETH0_BROADCAST,
    )?;
    expect_eq("router interface", info.ipi_ifindex, topo.ifindex.r0 as i32)?;
    // The refusal comes after routing: the lookups succeed whether SO_BROADCAST is set or not.
    // A broadcast route has no gateway. (The connect's lookups follow one that had a gateway:
    // the fib_table_lookup tracepoint leaves `gw4` unwritten for a nexthop without one, see
    // include/trace/events/fib.h, so a stale gateway of an earlier event would show here.)
    let subnet_route = expect_routes(&refused, subnet, Via::route(ETH0, None))?;
    let limited_route = refused.expect_first("route decision", refused.routes_to(limited))?;
    expect_routes(&seen, subnet, Via::route(ETH0, None))?;
    Ok(Outcome::pass(format!(
        "without SO_BROADCAST: sendto 192.0.2.63 and 255.255.255.255 and connect 192.0.2.63 \
         fail with EACCES; with it the broadcast reached the router on r0; bindscope: the \
         lookups succeed either way ({subnet_route}; {}), the EACCES comes after routing",
        limited_route.line()
    )))
}
