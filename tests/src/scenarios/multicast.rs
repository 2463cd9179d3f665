//! Multicast claims of ip(7) (`002_b9a66d336cde56ce.txt`, 2013, and `003_7523303a21248235.txt`,
//! 1999): joining with `ip_mreqn` or `ip_mreq`, the group check, and `IP_MULTICAST_IF` with
//! every argument size.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::fd::OwnedFd;

use anyhow::Result;

use super::{connected_source, expect_routes, ipv4, Via};
use crate::abi;
use crate::netns::Netns;
use crate::scenario::{expect_eq, expect_errno, expect_ok, Ctx, Outcome, Scenario};
use crate::sys::{self, Errno};
use crate::topology::*;

/// The group the scenarios join (administratively scoped, never leaves the namespaces).
const GROUP: Ipv4Addr = Ipv4Addr::new(239, 1, 2, 3);
/// A second group, for the second join of a scenario.
const GROUP2: Ipv4Addr = Ipv4Addr::new(239, 1, 2, 4);

/// This file's scenarios.
pub(super) const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "multicast_join_mreqn_ifindex",
        claim: "002_b9a66d336cde56ce.txt, IP_ADD_MEMBERSHIP: \"Argument is an ip_mreqn \
                structure ... imr_ifindex is the interface index of the interface that should \
                join/leave the imr_multiaddr group, or 0 to indicate any interface.\"",
        run: multicast_join_mreqn_ifindex,
    },
    Scenario {
        name: "multicast_join_old_ip_mreq",
        claim: "003_7523303a21248235.txt, IP_ADD_MEMBERSHIP: \"For compatibility, the old \
                ip_mreq structure is still supported. It differs from ip_mreqn only by not \
                including the imr_ifindex field.\" and \"if it is equal to INADDR_ANY an \
                appropriate interface is chosen by the system\"",
        run: multicast_join_old_ip_mreq,
    },
    Scenario {
        name: "multicast_join_non_multicast_einval",
        claim: "002_b9a66d336cde56ce.txt, IP_ADD_MEMBERSHIP: \"It must be a valid multicast \
                address (or setsockopt(2) fails with the error EINVAL).\"",
        run: multicast_join_non_multicast_einval,
    },
    Scenario {
        name: "multicast_if_argument_sizes",
        claim: "002_b9a66d336cde56ce.txt, IP_MULTICAST_IF: \"Set the local device for a \
                multicast socket. Argument is an ip_mreqn or ip_mreq structure similar to \
                IP_ADD_MEMBERSHIP.\"",
        run: multicast_if_argument_sizes,
    },
];

/// `setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP)` with exactly these bytes.
fn add_membership(socket: &OwnedFd, bytes: &[u8]) -> Result<(), Errno> {
    sys::setsockopt_bytes(socket, libc::IPPROTO_IP, libc::IP_ADD_MEMBERSHIP, bytes)
}

/// The IPv4 groups `dev` has joined, per `ip maddr show dev <dev>`.
fn joined_groups(ns: &Netns, dev: &str) -> Result<Vec<Ipv4Addr>> {
    let out = ns.ip(["maddr", "show", "dev", dev])?;
    let words: Vec<&str> = out.split_whitespace().collect();
    Ok(words
        .windows(2)
        .filter(|pair| pair[0] == "inet")
        .filter_map(|pair| pair[1].parse().ok())
        .collect())
}

/// Joining with `ip_mreqn` and an interface index joins on that interface only.
fn multicast_join_mreqn_ifindex(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let socket = topo.host_socket()?;
    let mreqn = abi::ip_mreqn(GROUP, Ipv4Addr::UNSPECIFIED, topo.ifindex.eth1 as i32);
    let mut trace = ctx.trace(&topo.host)?;

    let joined = topo.host.run(|| add_membership(&socket, &mreqn));
    let on_eth1 = joined_groups(&topo.host, ETH1)?;
    let on_eth0 = joined_groups(&topo.host, ETH0)?;
    let seen = trace.collect()?;

    expect_ok("IP_ADD_MEMBERSHIP (ip_mreqn, ifindex of eth1)", joined)?;
    expect_eq("eth1 joined the group", on_eth1.contains(&GROUP), true)?;
    expect_eq("eth0 joined the group", on_eth0.contains(&GROUP), false)?;
    let join = seen.expect_one("IP_ADD_MEMBERSHIP", seen.sockopts("IP_ADD_MEMBERSHIP"))?;
    seen.expect_eq(
        "IP_ADD_MEMBERSHIP (multiaddr, ifindex, ifname, ret)",
        (
            ipv4(join.multiaddr),
            join.ifindex,
            join.ifname.as_deref(),
            join.ret,
        ),
        (Some(GROUP), Some(topo.ifindex.eth1), Some(ETH1), 0),
    )?;
    Ok(Outcome::pass(format!(
        "12-byte ip_mreqn with imr_ifindex={} (eth1) joined {GROUP} on eth1 only; bindscope: {}",
        topo.ifindex.eth1,
        join.line()
    )))
}

/// The 8-byte `ip_mreq` picks the interface by address; `INADDR_ANY` lets the kernel choose.
fn multicast_join_old_ip_mreq(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let by_address = topo.host_socket()?;
    let any = topo.host_socket()?;
    let mut trace = ctx.trace(&topo.host)?;

    let (joined, joined_any) = topo.host.run(|| {
        (
            add_membership(&by_address, &abi::ip_mreq(GROUP, HOST_ETH1)),
            add_membership(&any, &abi::ip_mreq(GROUP2, Ipv4Addr::UNSPECIFIED)),
        )
    });
    let on_eth1 = joined_groups(&topo.host, ETH1)?;
    let on_eth0 = joined_groups(&topo.host, ETH0)?;
    let seen = trace.collect()?;

    expect_ok(
        "IP_ADD_MEMBERSHIP (ip_mreq, imr_interface 192.0.2.194)",
        joined,
    )?;
    expect_eq("eth1 joined the group", on_eth1.contains(&GROUP), true)?;
    expect_ok("IP_ADD_MEMBERSHIP (ip_mreq, INADDR_ANY)", joined_any)?;
    // The kernel's choice is the interface of the route to the group: the default via eth0.
    let chosen = if on_eth0.contains(&GROUP2) {
        ETH0
    } else if on_eth1.contains(&GROUP2) {
        ETH1
    } else {
        "no interface"
    };
    expect_eq("interface chosen for INADDR_ANY", chosen, ETH0)?;
    // bindscope shows the address given; which interface it names is the kernel's business.
    let joins = seen.expect_count("IP_ADD_MEMBERSHIP", seen.sockopts("IP_ADD_MEMBERSHIP"), 2)?;
    let fields = |i: usize| {
        (
            joins[i].optlen,
            ipv4(joins[i].multiaddr),
            ipv4(joins[i].address),
            joins[i].ifindex,
        )
    };
    seen.expect_eq(
        "IP_ADD_MEMBERSHIP by address (optlen, multiaddr, address, ifindex)",
        fields(0),
        (8, Some(GROUP), Some(HOST_ETH1), None),
    )?;
    seen.expect_eq(
        "IP_ADD_MEMBERSHIP with INADDR_ANY (optlen, multiaddr, address, ifindex)",
        fields(1),
        (8, Some(GROUP2), None, None),
    )?;
    // To choose for INADDR_ANY, the kernel looks up the route to the group (port 0).
    let lookup = expect_routes(
        &seen,
        SocketAddrV4::new(GROUP2, 0),
        Via::route(ETH0, Some(ROUTER_R0)),
    )?;
    Ok(Outcome::pass(format!(
        "8-byte ip_mreq with imr_interface {HOST_ETH1} joined {GROUP} on eth1; INADDR_ANY \
         joined {GROUP2} on {chosen} (the interface of the route to the group); bindscope: {}; \
         {}, with the kernel's lookup to choose: {lookup}",
        joins[0].line(),
        joins[1].line()
    )))
}

/// A unicast group address is refused with EINVAL, in either structure.
fn multicast_join_non_multicast_einval(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let socket = topo.host_socket()?;
    let unicast = Ipv4Addr::new(192, 0, 2, 10);
    let mut trace = ctx.trace(&topo.host)?;

    let (with_mreqn, with_mreq) = topo.host.run(|| {
        (
            add_membership(
                &socket,
                &abi::ip_mreqn(unicast, Ipv4Addr::UNSPECIFIED, topo.ifindex.eth1 as i32),
            ),
            add_membership(&socket, &abi::ip_mreq(unicast, HOST_ETH1)),
        )
    });
    let seen = trace.collect()?;

    expect_errno(
        "IP_ADD_MEMBERSHIP ip_mreqn 192.0.2.10",
        with_mreqn,
        libc::EINVAL,
    )?;
    expect_errno(
        "IP_ADD_MEMBERSHIP ip_mreq 192.0.2.10",
        with_mreq,
        libc::EINVAL,
    )?;
    let joins = seen.expect_count("IP_ADD_MEMBERSHIP", seen.sockopts("IP_ADD_MEMBERSHIP"), 2)?;
    // bindscope checks the group itself, and says why the kernel refused it.
    let mut reasons = Vec::new();
    for (join, size) in joins.iter().zip([12, 8]) {
        seen.expect_eq(
            &format!("IP_ADD_MEMBERSHIP {size} bytes (optlen, ret, errno)"),
            (join.optlen, join.ret, join.errno.as_deref()),
            (size, -1, Some("EINVAL")),
        )?;
        match join.decode_error.as_deref() {
            Some(reason) if reason.contains("not a multicast address") => {
                reasons.push(format!("{size} bytes: {reason}"));
            }
            _ => {
                return Err(seen.error(format!(
                    "IP_ADD_MEMBERSHIP {size} bytes: no decode error naming the unicast group"
                )))
            }
        }
    }
    Ok(Outcome::pass(format!(
        "joining unicast {unicast} fails with EINVAL with ip_mreqn and with ip_mreq; bindscope: \
         = -1 EINVAL with decode errors \"{}\"",
        reasons.join("\", \"")
    )))
}

/// `IP_MULTICAST_IF` accepts an `in_addr` (4), an `ip_mreq` (8) or an `ip_mreqn` (12); each
/// moves the source of multicast traffic to eth1. Shorter than 4 bytes is EINVAL.
fn multicast_if_argument_sizes(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let dest = SocketAddrV4::new(GROUP, CLOSED_PORT);
    let set_multicast_if = |socket: &OwnedFd, bytes: &[u8]| {
        sys::setsockopt_bytes(socket, libc::IPPROTO_IP, libc::IP_MULTICAST_IF, bytes)
    };
    let mut trace = ctx.trace(&topo.host)?;

    let plain = topo.host_socket()?;
    let baseline = topo.host.run(|| connected_source(&plain, dest));
    let unset = trace.collect()?;
    let mut notes = Vec::new();
    let eth1 = topo.ifindex.eth1;
    for (label, bytes, want) in [
        (
            "4-byte in_addr 192.0.2.194",
            abi::in_addr_bytes(HOST_ETH1),
            (None, Some(HOST_ETH1), None),
        ),
        (
            "8-byte ip_mreq 192.0.2.194",
            abi::ip_mreq(GROUP, HOST_ETH1),
            (None, Some(HOST_ETH1), None),
        ),
        (
            "12-byte ip_mreqn ifindex of eth1",
            abi::ip_mreqn(GROUP, Ipv4Addr::UNSPECIFIED, eth1 as i32),
            (Some(eth1), None, Some(ETH1)),
        ),
    ] {
        let socket = topo.host_socket()?;
        let (set, source) = topo.host.run(|| {
            (
                set_multicast_if(&socket, &bytes),
                connected_source(&socket, dest),
            )
        });
        let read_back = sys::getsockopt_bytes(&socket, libc::IPPROTO_IP, libc::IP_MULTICAST_IF, 4);
        let seen = trace.collect()?;

        expect_ok(&format!("IP_MULTICAST_IF with {label}"), set)?;
        let source = expect_ok(&format!("connect to {GROUP} after {label}"), source)?;
        expect_eq(
            &format!("multicast source after {label}"),
            *source.ip(),
            HOST_ETH1,
        )?;
        let read_back = expect_ok("getsockopt(IP_MULTICAST_IF)", read_back)?;
        let read_back = <[u8; 4]>::try_from(read_back.as_slice())
            .map(Ipv4Addr::from)
            .map_or("?".to_owned(), |a| a.to_string());

        let option = seen.expect_one("IP_MULTICAST_IF", seen.sockopts("IP_MULTICAST_IF"))?;
        seen.expect_eq(
            &format!("IP_MULTICAST_IF with {label} (ifindex, address, ifname)"),
            (
                option.ifindex,
                ipv4(option.address),
                option.ifname.as_deref(),
            ),
            want,
        )?;
        seen.expect_eq(
            &format!("IP_MULTICAST_IF with {label} (optlen, ret, decode error)"),
            (option.optlen, option.ret, option.decode_error.as_deref()),
            (bytes.len() as i32, 0, None),
        )?;
        let decision = seen.expect_first("route decision", seen.routes_to(dest))?;
        seen.expect_eq(
            &format!("route decision after {label} (oif, dev)"),
            (decision.oif_name.as_deref(), decision.dev.as_deref()),
            (Some(ETH1), Some(ETH1)),
        )?;
        notes.push(format!(
            "{label}: source {} (getsockopt gives {read_back}; bindscope: {}; {})",
            source.ip(),
            option.line(),
            decision.line()
        ));
    }
    let short = topo.host_socket()?;
    let three = topo
        .host
        .run(|| set_multicast_if(&short, &HOST_ETH1.octets()[..3]));
    let seen = trace.collect()?;

    let baseline = expect_ok(
        &format!("connect to {GROUP} without IP_MULTICAST_IF"),
        baseline,
    )?;
    expect_eq(
        "multicast source without IP_MULTICAST_IF",
        *baseline.ip(),
        HOST_ETH0,
    )?;
    expect_errno("IP_MULTICAST_IF with 3 bytes", three, libc::EINVAL)?;
    let unset = expect_routes(&unset, dest, Via::route(ETH0, Some(ROUTER_R0)))?;
    let option = seen.expect_one("IP_MULTICAST_IF", seen.sockopts("IP_MULTICAST_IF"))?;
    seen.expect_eq(
        "IP_MULTICAST_IF with 3 bytes (optlen, ret, errno)",
        (option.optlen, option.ret, option.errno.as_deref()),
        (3, -1, Some("EINVAL")),
    )?;
    let Some(decode_error) = option.decode_error.as_deref() else {
        return Err(seen.error("IP_MULTICAST_IF with 3 bytes: no decode error".into()));
    };
    Ok(Outcome::pass(format!(
        "without the option: source {} (bindscope: {unset}); {}; 3 bytes: EINVAL (bindscope: \
         decode error \"{decode_error}\")",
        baseline.ip(),
        notes.join("; ")
    )))
}
