//! Error-reporting and path-MTU claims of ip(7) (`002_b9a66d336cde56ce.txt`): `IP_RECVERR`
//! with an ICMP error from the router and with a local `EMSGSIZE`, and `IP_MTU`.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::fd::OwnedFd;

use anyhow::{Context, Result};

use bindscope::decode::{CmsgReport, ControlMessage};

use super::{expect_routes, ipv4, Via};
use crate::abi::{self, ExtendedErr};
use crate::scenario::{expect_eq, expect_errno, expect_ok, Ctx, Found, Outcome, Scenario, Seen};
use crate::sys::{self, Errno};
use crate::topology::*;

/// `SO_EE_ORIGIN_LOCAL`.
const SO_EE_ORIGIN_LOCAL: u8 = 1;
/// `SO_EE_ORIGIN_ICMP`.
const SO_EE_ORIGIN_ICMP: u8 = 2;
/// ICMP destination unreachable.
const ICMP_DEST_UNREACH: u8 = 3;
/// ICMP port unreachable (a code of destination unreachable).
const ICMP_PORT_UNREACH: u8 = 3;

/// The far destination on a closed port.
const FAR_CLOSED: SocketAddrV4 = SocketAddrV4::new(FAR, CLOSED_PORT);

/// This file's scenarios.
pub(super) const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "recverr_icmp_port_unreachable",
        claim: "002_b9a66d336cde56ce.txt, IP_RECVERR: \"ee_origin is set to SO_EE_ORIGIN_ICMP for \
                errors received as an ICMP packet ... ee_type and ee_code are set from the type \
                and code fields of the ICMP header ... The message also contains the sockaddr_in \
                of the node caused the error\"",
        run: recverr_icmp_port_unreachable,
    },
    Scenario {
        name: "recverr_local_emsgsize",
        claim: "002_b9a66d336cde56ce.txt: \"IP_PMTUDISC_DO forces the don't-fragment flag ... The \
                kernel will reject (with EMSGSIZE) datagrams that are bigger than the known path \
                MTU\" and IP_RECVERR: \"SO_EE_ORIGIN_LOCAL for locally generated errors ... \
                ee_info contains the discovered MTU for EMSGSIZE errors\"",
        run: recverr_local_emsgsize,
    },
    Scenario {
        name: "ip_mtu_after_connect",
        claim: "002_b9a66d336cde56ce.txt, IP_MTU: \"Retrieve the current known path MTU of the \
                current socket. Valid only when the socket has been connected.\"",
        run: ip_mtu_after_connect,
    },
];

/// A UDP socket with `IP_RECVERR` on; call it inside the host namespace.
fn recverr_socket() -> Result<OwnedFd> {
    let socket = expect_ok("socket", sys::udp_socket())?;
    expect_ok(
        "IP_RECVERR",
        sys::setsockopt_int(&socket, libc::IPPROTO_IP, libc::IP_RECVERR, 1),
    )?;
    Ok(socket)
}

/// Takes one error off the error queue and decodes its `sock_extended_err`.
fn next_queued_error(socket: &OwnedFd) -> Result<(sys::Received, ExtendedErr)> {
    let received = sys::recv_within(socket, libc::MSG_ERRQUEUE).map_err(|e| match e.0 {
        libc::ETIMEDOUT => anyhow::anyhow!("no error was queued within {:?}", sys::ARRIVAL_BOUND),
        _ => anyhow::anyhow!("recvmsg(MSG_ERRQUEUE): {e}"),
    })?;
    let err = abi::find_control(&received.control, libc::IPPROTO_IP, libc::IP_RECVERR)
        .as_deref()
        .and_then(ExtendedErr::parse)
        .context("the error queue entry has no IP_RECVERR control message")?;
    Ok((received, err))
}

/// The fields of the one `IP_RECVERR` message bindscope reported: `(errno, origin, ee_type,
/// ee_code, ee_info, offender)`.
type Recverr<'a> = (&'a str, &'a str, u8, u8, u32, Option<Ipv4Addr>);

/// The one error-queue read bindscope reported, and its one `IP_RECVERR` message.
fn traced_recverr(seen: &Seen) -> Result<(Found<'_, CmsgReport>, Recverr<'_>)> {
    let read = seen.expect_one("recvmsg(MSG_ERRQUEUE)", seen.cmsgs("errqueue"))?;
    match read.get().messages.as_slice() {
        [ControlMessage::Recverr {
            errno,
            origin,
            icmp_type,
            icmp_code,
            info,
            offender,
            ..
        }] => Ok((
            read,
            (
                errno,
                origin,
                *icmp_type,
                *icmp_code,
                *info,
                ipv4(*offender),
            ),
        )),
        _ => {
            Err(seen
                .error("expected exactly one IP_RECVERR message in the error-queue read".into()))
        }
    }
}

/// A datagram to a closed port of the router comes back as ICMP port unreachable.
fn recverr_icmp_port_unreachable(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let mut trace = ctx.trace(&topo.host)?;

    let (received, err, so_error) = topo.host.run(|| -> Result<_> {
        let socket = recverr_socket()?;
        expect_ok("connect", sys::connect(&socket, FAR_CLOSED))?;
        expect_ok("send", sys::send(&socket, b"probe"))?;
        let (received, err) = next_queued_error(&socket)?;
        // The pending error also shows once in the next call on the connected socket.
        let so_error = sys::getsockopt_int(&socket, libc::SOL_SOCKET, libc::SO_ERROR);
        Ok((received, err, so_error))
    })?;
    let seen = trace.collect()?;

    expect_eq("ee_errno", err.ee_errno, libc::ECONNREFUSED as u32)?;
    expect_eq("ee_origin", err.ee_origin, SO_EE_ORIGIN_ICMP)?;
    expect_eq("ee_type", err.ee_type, ICMP_DEST_UNREACH)?;
    expect_eq("ee_code", err.ee_code, ICMP_PORT_UNREACH)?;
    expect_eq("offender", err.offender, Some(FAR))?;
    expect_eq("returned payload", received.payload.as_slice(), b"probe")?;
    expect_eq(
        "MSG_ERRQUEUE in msg_flags",
        received.flags & libc::MSG_ERRQUEUE != 0,
        true,
    )?;
    let so_error = match so_error {
        Ok(0) => "0".to_owned(),
        Ok(e) => Errno(e).name().to_owned(),
        Err(e) => format!("getsockopt failed: {}", e.name()),
    };

    let option = seen.expect_one("IP_RECVERR", seen.sockopts("IP_RECVERR"))?;
    seen.expect_eq("IP_RECVERR ret", option.ret, 0)?;
    let (read, recverr) = traced_recverr(&seen)?;
    seen.expect_eq(
        "IP_RECVERR (errno, origin, type, code, info, offender)",
        recverr,
        (
            "ECONNREFUSED",
            "SO_EE_ORIGIN_ICMP",
            ICMP_DEST_UNREACH,
            ICMP_PORT_UNREACH,
            0,
            Some(FAR),
        ),
    )?;
    seen.expect_eq(
        "error-queue read: address",
        read.address,
        Some(FAR_CLOSED.into()),
    )?;
    Ok(Outcome::pass(format!(
        "error queue: ee_errno=ECONNREFUSED origin=ICMP type={} code={} info={} offender={}, \
         payload returned; SO_ERROR afterwards: {so_error}; bindscope: {}",
        err.ee_type,
        err.ee_code,
        err.ee_info,
        err.offender.map_or("?".to_owned(), |a| a.to_string()),
        read.line()
    )))
}

/// With `IP_PMTUDISC_DO`, a datagram over the link MTU fails locally and queues an error
/// whose `ee_info` is the MTU.
fn recverr_local_emsgsize(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    topo.host.ip(["link", "set", ETH0, "mtu", "1280"])?;
    let mut trace = ctx.trace(&topo.host)?;

    let (sent, err, mtu) = topo.host.run(|| -> Result<_> {
        let socket = recverr_socket()?;
        expect_ok(
            "IP_MTU_DISCOVER = IP_PMTUDISC_DO",
            sys::setsockopt_int(
                &socket,
                libc::IPPROTO_IP,
                libc::IP_MTU_DISCOVER,
                libc::IP_PMTUDISC_DO,
            ),
        )?;
        expect_ok("connect", sys::connect(&socket, FAR_CLOSED))?;
        let sent = sys::send(&socket, &[0u8; 1400]);
        let (_, err) = next_queued_error(&socket)?;
        let mtu = sys::getsockopt_int(&socket, libc::IPPROTO_IP, libc::IP_MTU);
        Ok((sent, err, mtu))
    })?;
    let seen = trace.collect()?;

    expect_errno("send 1400 bytes over a 1280-byte MTU", sent, libc::EMSGSIZE)?;
    expect_eq("ee_errno", err.ee_errno, libc::EMSGSIZE as u32)?;
    expect_eq("ee_origin", err.ee_origin, SO_EE_ORIGIN_LOCAL)?;
    expect_eq("ee_info (MTU)", err.ee_info, 1280)?;
    expect_eq("IP_MTU", expect_ok("getsockopt(IP_MTU)", mtu)?, 1280)?;

    let option = seen.expect_one("IP_MTU_DISCOVER", seen.sockopts("IP_MTU_DISCOVER"))?;
    seen.expect_eq("IP_MTU_DISCOVER ret", option.ret, 0)?;
    let (read, recverr) = traced_recverr(&seen)?;
    seen.expect_eq(
        "IP_RECVERR (errno, origin, type, code, info, offender)",
        recverr,
        ("EMSGSIZE", "SO_EE_ORIGIN_LOCAL", 0, 0, 1280, None),
    )?;
    Ok(Outcome::pass(format!(
        "send of 1400 bytes: EMSGSIZE; queued error origin=LOCAL ee_info={} offender family={}{}; \
         IP_MTU=1280; bindscope: {}; {}",
        err.ee_info,
        err.offender_family,
        if err.offender_family == libc::AF_UNSPEC as u16 {
            " (AF_UNSPEC)"
        } else {
            ""
        },
        option.line(),
        read.line()
    )))
}

/// `IP_MTU` needs a connected socket, and then gives the MTU of the chosen interface.
fn ip_mtu_after_connect(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    topo.host.ip(["link", "set", ETH1, "mtu", "1400"])?;
    let unconnected = topo.host_socket()?;
    let via_eth0 = topo.host_socket()?;
    let via_eth1 = topo.host_socket()?;
    let mut trace = ctx.trace(&topo.host)?;

    let before = sys::getsockopt_int(&unconnected, libc::IPPROTO_IP, libc::IP_MTU);
    expect_ok(
        "connect",
        topo.host.run(|| sys::connect(&via_eth0, FAR_CLOSED)),
    )?;
    let eth0_mtu = sys::getsockopt_int(&via_eth0, libc::IPPROTO_IP, libc::IP_MTU);
    let eth0_seen = trace.collect()?;
    expect_ok(
        "SO_BINDTODEVICE eth1",
        topo.host.run(|| {
            sys::setsockopt_bytes(
                &via_eth1,
                libc::SOL_SOCKET,
                libc::SO_BINDTODEVICE,
                b"eth1\0",
            )
        }),
    )?;
    expect_ok(
        "connect bound to eth1",
        topo.host.run(|| sys::connect(&via_eth1, FAR_CLOSED)),
    )?;
    let eth1_mtu = sys::getsockopt_int(&via_eth1, libc::IPPROTO_IP, libc::IP_MTU);
    let eth1_seen = trace.collect()?;

    expect_errno("IP_MTU before connect", before, libc::ENOTCONN)?;
    expect_eq(
        "IP_MTU via eth0",
        expect_ok("getsockopt(IP_MTU)", eth0_mtu)?,
        1500,
    )?;
    expect_eq(
        "IP_MTU via eth1",
        expect_ok("getsockopt(IP_MTU)", eth1_mtu)?,
        1400,
    )?;
    // IP_MTU is the MTU of the device the connect's route decision chose.
    let eth0_route = expect_routes(&eth0_seen, FAR_CLOSED, Via::route(ETH0, Some(ROUTER_R0)))?;
    let eth1_route = expect_routes(
        &eth1_seen,
        FAR_CLOSED,
        Via::route(ETH1, Some(ROUTER_R1)).bound(ETH1),
    )?;
    Ok(Outcome::pass(format!(
        "IP_MTU unconnected: ENOTCONN; connected via eth0: 1500; bound to eth1 (mtu 1400) and \
         connected: 1400; bindscope: {eth0_route}; {eth1_route}"
    )))
}
