//! Multicast claims of ip(7) (`002_b9a66d336cde56ce.txt`, 2013, and `003_7523303a21248235.txt`,
//! 1999): joining with `ip_mreqn` or `ip_mreq`, the group check, and `IP_MULTICAST_IF` with
//! every argument size.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::fd::OwnedFd;

use anyhow::Result;

use super::connected_source;
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

    let joined = add_membership(&socket, &mreqn);
    let on_eth1 = joined_groups(&topo.host, ETH1)?;
    let on_eth0 = joined_groups(&topo.host, ETH0)?;

    expect_ok("IP_ADD_MEMBERSHIP (ip_mreqn, ifindex of eth1)", joined)?;
    expect_eq("eth1 joined the group", on_eth1.contains(&GROUP), true)?;
    expect_eq("eth0 joined the group", on_eth0.contains(&GROUP), false)?;
    Ok(Outcome::pass(format!(
        "12-byte ip_mreqn with imr_ifindex={} (eth1) joined {GROUP} on eth1 only",
        topo.ifindex.eth1
    )))
}

/// The 8-byte `ip_mreq` picks the interface by address; `INADDR_ANY` lets the kernel choose.
fn multicast_join_old_ip_mreq(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let by_address = topo.host_socket()?;
    let any = topo.host_socket()?;

    let joined = add_membership(&by_address, &abi::ip_mreq(GROUP, HOST_ETH1));
    let joined_any = add_membership(&any, &abi::ip_mreq(GROUP2, Ipv4Addr::UNSPECIFIED));
    let on_eth1 = joined_groups(&topo.host, ETH1)?;
    let on_eth0 = joined_groups(&topo.host, ETH0)?;

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
    Ok(Outcome::pass(format!(
        "8-byte ip_mreq with imr_interface {HOST_ETH1} joined {GROUP} on eth1; INADDR_ANY \
         joined {GROUP2} on {chosen} (the interface of the route to the group)"
    )))
}

/// A unicast group address is refused with EINVAL, in either structure.
fn multicast_join_non_multicast_einval(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let socket = topo.host_socket()?;
    let unicast = Ipv4Addr::new(192, 0, 2, 10);

    let with_mreqn = add_membership(
        &socket,
        &abi::ip_mreqn(unicast, Ipv4Addr::UNSPECIFIED, topo.ifindex.eth1 as i32),
    );
    let with_mreq = add_membership(&socket, &abi::ip_mreq(unicast, HOST_ETH1));

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
    Ok(Outcome::pass(format!(
        "joining unicast {unicast} fails with EINVAL with ip_mreqn and with ip_mreq"
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

    let plain = topo.host_socket()?;
    let baseline = connected_source(&plain, dest);
    let mut notes = Vec::new();
    for (label, bytes) in [
        ("4-byte in_addr 192.0.2.194", abi::in_addr_bytes(HOST_ETH1)),
        ("8-byte ip_mreq 192.0.2.194", abi::ip_mreq(GROUP, HOST_ETH1)),
        (
            "12-byte ip_mreqn ifindex of eth1",
            abi::ip_mreqn(GROUP, Ipv4Addr::UNSPECIFIED, topo.ifindex.eth1 as i32),
        ),
    ] {
        let socket = topo.host_socket()?;
        let set = set_multicast_if(&socket, &bytes);
        let read_back = sys::getsockopt_bytes(&socket, libc::IPPROTO_IP, libc::IP_MULTICAST_IF, 4);
        let source = connected_source(&socket, dest);

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
        notes.push(format!(
            "{label}: source {} (getsockopt gives {read_back})",
            source.ip()
        ));
    }
    let short = topo.host_socket()?;
    let three = set_multicast_if(&short, &HOST_ETH1.octets()[..3]);

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
    Ok(Outcome::pass(format!(
        "without the option: source {}; {}; 3 bytes: EINVAL",
        baseline.ip(),
        notes.join("; ")
    )))
}
