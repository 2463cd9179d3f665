//! `IP_PKTINFO` claims of ip(7) (`002_b9a66d336cde56ce.txt`): what `in_pktinfo` says about a
//! received datagram, and how it steers a sent one.

use std::net::{Ipv4Addr, SocketAddrV4};

use anyhow::{bail, Context, Result};

use bindscope::decode::ControlMessage;

use super::{expect_routes, expect_via, receive_with_pktinfo, Via};
use crate::abi::{self, PktInfo};
use crate::scenario::{expect_eq, expect_ok, Ctx, Outcome, Scenario};
use crate::sys::{self, Errno};
use crate::topology::*;

/// The host's receiving port.
const HOST_PORT: u16 = 5000;
/// The router's receiving port.
const ROUTER_PORT: u16 = 4000;

/// This file's scenarios.
pub(super) const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "pktinfo_on_receive",
        claim: "002_b9a66d336cde56ce.txt, IP_PKTINFO: \"ipi_ifindex is the unique index of the \
                interface the packet was received on. ipi_spec_dst is the local address of the \
                packet and ipi_addr is the destination address in the packet header.\"",
        run: pktinfo_on_receive,
    },
    Scenario {
        name: "pktinfo_on_send",
        claim: "002_b9a66d336cde56ce.txt, IP_PKTINFO: \"If IP_PKTINFO is passed to sendmsg(2) and \
                ipi_spec_dst is not zero, then it is used as the local source address for the \
                routing table lookup ... When ipi_ifindex is not zero, the primary local address \
                of the interface specified by the index overwrites ipi_spec_dst for the routing \
                table lookup.\"",
        run: pktinfo_on_send,
    },
];

/// Datagrams from the router arrive with `in_pktinfo` naming the host interface and addresses.
///
/// bindscope does not trace received control data (only `sendmsg` and error-queue reads), so
/// it watches the router's side here: the sends whose route decisions put the datagrams on
/// the links.
fn pktinfo_on_receive(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let host = topo.host.run(|| -> Result<_, Errno> {
        let socket = sys::udp_socket()?;
        sys::setsockopt_int(&socket, libc::IPPROTO_IP, libc::IP_PKTINFO, 1)?;
        sys::bind(&socket, sys::v4(Ipv4Addr::UNSPECIFIED, HOST_PORT))?;
        Ok(socket)
    });
    let host = expect_ok("host socket with IP_PKTINFO", host)?;
    let mut trace = ctx.trace(&topo.router)?;
    let router = topo.router.run(sys::udp_socket).context("router socket")?;
    // A second router socket bound to r1 sends to eth0's address: the router has no route
    // for 192.0.2.0/26 through r1, so this relies on the on-link fallback, and the datagram
    // reaches the host on eth1 although its destination is eth0's address.
    let router_r1 = topo
        .router
        .run(|| -> Result<_, Errno> {
            let socket = sys::udp_socket()?;
            sys::setsockopt_bytes(&socket, libc::SOL_SOCKET, libc::SO_BINDTODEVICE, b"r1\0")?;
            Ok(socket)
        })
        .context("router socket bound to r1")?;
    let to_eth1 = SocketAddrV4::new(HOST_ETH1, HOST_PORT);
    let to_eth0 = SocketAddrV4::new(HOST_ETH0, HOST_PORT);

    expect_ok(
        "router sendto 192.0.2.194",
        topo.router
            .run(|| sys::send_to(&router, b"to eth1", to_eth1)),
    )?;
    let (direct, direct_info) = receive_with_pktinfo(&host)?;
    let crossed = topo
        .router
        .run(|| sys::send_to(&router_r1, b"to eth0 via r1", to_eth0));
    let crossed = match crossed {
        Ok(_) => Ok(receive_with_pktinfo(&host)?),
        // Without the on-link fallback there is nothing to receive; the note records it.
        Err(e) => Err(e),
    };
    let seen = trace.collect()?;

    expect_eq("payload", direct.payload.as_slice(), b"to eth1")?;
    expect_eq(
        "in_pktinfo of a datagram to 192.0.2.194",
        direct_info,
        PktInfo {
            ipi_ifindex: topo.ifindex.eth1 as i32,
            ipi_spec_dst: HOST_ETH1,
            ipi_addr: HOST_ETH1,
        },
    )?;
    let direct_route = expect_routes(&seen, to_eth1, Via::route(R1, None))?;
    let crossed_route = expect_routes(&seen, to_eth0, Via::error("ENETUNREACH").bound(R1))?;
    let crossed_note = match crossed {
        Ok((received, info)) => {
            expect_eq("payload", received.payload.as_slice(), b"to eth0 via r1")?;
            expect_eq(
                "ipi_ifindex (arrived on eth1)",
                info.ipi_ifindex,
                topo.ifindex.eth1 as i32,
            )?;
            expect_eq("ipi_addr (header destination)", info.ipi_addr, HOST_ETH0)?;
            format!(
                "to {HOST_ETH0} sent out r1: ipi_ifindex={} (eth1), ipi_spec_dst={}, \
                 ipi_addr={} (the weak host model: eth0's address, received on eth1)",
                info.ipi_ifindex, info.ipi_spec_dst, info.ipi_addr
            )
        }
        Err(e) => format!(
            "the router could not send to {HOST_ETH0} through r1 ({}: no on-link fallback)",
            e.name()
        ),
    };
    Ok(Outcome::pass(format!(
        "to {HOST_ETH1}: ipi_ifindex={} (eth1), ipi_spec_dst={}, ipi_addr={}; {crossed_note}; \
         bindscope does not trace received IP_PKTINFO, on the router's sends it saw: \
         {direct_route}; {crossed_route}",
        direct_info.ipi_ifindex, direct_info.ipi_spec_dst, direct_info.ipi_addr
    )))
}

/// `in_pktinfo` on `sendmsg`: the interface index picks the way out, the address the source.
fn pktinfo_on_send(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let listener = topo.router_listener(ROUTER_PORT)?;
    let socket = topo.host_socket()?;
    let dest = SocketAddrV4::new(FAR, ROUTER_PORT);
    let r_name = |ifindex: i32| match u32::try_from(ifindex).ok() {
        Some(i) if i == topo.ifindex.r0 => "r0",
        Some(i) if i == topo.ifindex.r1 => "r1",
        Some(i) if i == topo.ifindex.r2 => "r2",
        _ => "?",
    };
    let eth1 = topo.ifindex.eth1 as i32;
    let via_eth1 = Via::route(ETH1, Some(ROUTER_R1)).bound(ETH1);
    let cases = [
        ("ipi_ifindex=eth1", eth1, Ipv4Addr::UNSPECIFIED, via_eth1),
        (
            "ipi_spec_dst=192.0.2.194",
            0,
            HOST_ETH1,
            Via::route(ETH0, Some(ROUTER_R0)),
        ),
        (
            "ipi_ifindex=eth1 with ipi_spec_dst=192.0.2.2",
            eth1,
            HOST_ETH0,
            via_eth1,
        ),
    ];
    let mut trace = ctx.trace(&topo.host)?;
    let mut seen = Vec::new();
    let mut traced = Vec::new();
    for (label, ifindex, spec_dst, via) in cases {
        let info = PktInfo {
            ipi_ifindex: ifindex,
            ipi_spec_dst: spec_dst,
            ipi_addr: Ipv4Addr::UNSPECIFIED,
        };
        let control = abi::cmsg(libc::IPPROTO_IP, libc::IP_PKTINFO, &info.to_bytes());
        expect_ok(
            &format!("sendmsg with {label}"),
            topo.host
                .run(|| sys::sendmsg(&socket, Some(dest), label.as_bytes(), &control)),
        )?;
        let (received, arrived) = receive_with_pktinfo(&listener)?;
        let Some(from) = received.from else {
            bail!("{label}: the router got no sender address");
        };
        seen.push((label, *from.ip(), r_name(arrived.ipi_ifindex)));

        // bindscope: the control message as sent, and the lookup it steered.
        let reports = trace.collect()?;
        let sent = reports.expect_one("sendmsg", reports.cmsgs("send"))?;
        let want = ControlMessage::Pktinfo {
            ifindex,
            ifname: (ifindex != 0).then(|| bindscope::enrich::name::Name::from(ETH1)),
            spec_dst,
            addr: Ipv4Addr::UNSPECIFIED,
        };
        reports.expect_eq(
            &format!("sendmsg with {label} (address, messages)"),
            (sent.address, sent.messages.as_slice()),
            (Some(dest.into()), &[want][..]),
        )?;
        let decision = reports.expect_one("route decision", reports.routes_to(dest))?;
        expect_via(&reports, &format!("lookup for {label}"), &decision, via)?;
        reports.expect_eq(
            &format!("source of the lookup for {label}"),
            decision.src.v4(),
            Some(spec_dst),
        )?;
        traced.push(format!("{label}: {}", decision.line()));
    }

    // Interface index alone: out through eth1 with eth1's address.
    expect_eq(
        "ipi_ifindex=eth1: (source, router side)",
        (seen[0].1, seen[0].2),
        (HOST_ETH1, "r1"),
    )?;
    // Source alone: that source; the route is still the metric-0 default through eth0.
    expect_eq("ipi_spec_dst=192.0.2.194: source", seen[1].1, HOST_ETH1)?;
    // Both: out through eth1. The 2013 page says eth1's primary address overrides
    // ipi_spec_dst; the kernel keeps the given ipi_spec_dst as the source.
    expect_eq(
        "ipi_ifindex=eth1 + ipi_spec_dst: router side",
        seen[2].2,
        "r1",
    )?;
    let both = if seen[2].1 == HOST_ETH0 {
        "source stays 192.0.2.2: ipi_spec_dst is kept, not overwritten by eth1's primary \
         address as the page says"
    } else if seen[2].1 == HOST_ETH1 {
        "source 192.0.2.194: eth1's primary address overwrote ipi_spec_dst, as the page says"
    } else {
        "unexpected source"
    };
    Ok(Outcome::pass(format!(
        "{} ({both}); bindscope saw each IP_PKTINFO and the lookup it steered: {}",
        seen.iter()
            .map(|(label, source, side)| format!("{label}: from {source} via {side}"))
            .collect::<Vec<_>>()
            .join("; "),
        traced.join("; ")
    )))
}
