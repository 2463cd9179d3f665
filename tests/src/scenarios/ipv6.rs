//! The seed documents' claims over IPv6: the SO_BINDTODEVICE note's table of two default
//! routes, the interface-steering options of ipv6(7) (`IPV6_UNICAST_IF`,
//! `IPV6_MULTICAST_IF`), link-local scopes, multicast joins on `ff05::/16`, the error queue
//! with ICMPv6, netdevice(7)'s `in6_ifreq`, and a policy rule picking a second table.
//!
//! One namespace with two veth links (peers in the same namespace, no addresses on them),
//! documentation addresses only:
//!
//! ```text
//!   eth0 2001:db8:0:1::2/64   default via 2001:db8:0:1::1 dev eth0
//!   eth1 2001:db8:0:2::2/64   default via 2001:db8:0:2::1 dev eth1
//! ```

use std::net::{Ipv6Addr, SocketAddrV6};
use std::os::fd::OwnedFd;

use anyhow::{Context, Result};
use bindscope::route::{Family, RouteDecision};

use bindscope::decode::ControlMessage;

use crate::abi;
use crate::netns::Netns;
use crate::scenario::{expect_eq, expect_errno, expect_ok, Ctx, Found, Outcome, Scenario, Seen};
use crate::sys::{self, Errno};
use crate::sys6::{self, connect6, getsockname6, udp6_socket};

const ETH0: &str = "eth0";
const ETH1: &str = "eth1";
const HOST_ETH0: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, 2);
const HOST_ETH1: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 2, 0, 0, 0, 2);
const GW_ETH0: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, 1);
const GW_ETH1: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 2, 0, 0, 0, 1);
/// The far destination (the issue's 2001:db8:1::9).
const FAR: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 9);
/// A port nobody listens on.
const CLOSED_PORT: u16 = 9;
/// A site-local multicast group (ff05::/16).
const GROUP: Ipv6Addr = Ipv6Addr::new(0xff05, 0, 0, 0, 0, 0, 0, 0x4242);
const LINK_LOCAL_GW: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);

/// This file's scenarios.
pub(super) const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "ipv6_seed_table_metric_0_is_1024",
        claim: "000_013038441b203428.txt: \"Routes with a higher \\\"metric\\\" are put lower in \
                the table and thus have a lower preference.\" and \"if the socket is bound to \
                the eth1 device, the packets will be sent through eth1\" (in IPv6, with the \
                note's metrics 0 and 1)",
        run: seed_table_metric_0_is_1024,
    },
    Scenario {
        name: "ipv6_unicast_if_steers_and_conflicts_with_bindtodevice",
        claim: "ipv6(7) via net/ipv6/ipv6_sockglue.c: IPV6_UNICAST_IF takes an ifindex in \
                network byte order and steers unicast traffic to it; 000_013038441b203428.txt: \
                \"any routes which go through a network interface other than the one specified \
                in the BINDTODEVICE call are ignored\"",
        run: unicast_if_steers_and_conflicts,
    },
    Scenario {
        name: "ipv6_link_local_needs_a_scope",
        claim: "000_013038441b203428.txt: \"any routes which go through a network interface \
                other than the one specified in the BINDTODEVICE call are ignored\" (in IPv6 \
                a link-local destination names its interface itself, ipv6(7) sin6_scope_id: \
                connect fails with EINVAL without one, sin6_scope_id binds the socket to the \
                interface, and IPV6_MULTICAST_IF picks it for a multicast group)",
        run: link_local_needs_a_scope,
    },
    Scenario {
        name: "ipv6_multicast_join_ff05_by_ifindex",
        claim: "002_b9a66d336cde56ce.txt (ip(7) IP_ADD_MEMBERSHIP): \"imr_ifindex is the \
                interface index of the interface that should join/leave the imr_multiaddr \
                group\" and \"It must be a valid multicast address (or setsockopt(2) fails with \
                the error EINVAL)\", in IPv6: IPV6_ADD_MEMBERSHIP with an ipv6_mreq and \
                MCAST_JOIN_GROUP with a group_req",
        run: multicast_join_ff05_by_ifindex,
    },
    Scenario {
        name: "ipv6_recverr_port_unreachable_and_pktinfo",
        claim: "002_b9a66d336cde56ce.txt (ip(7) IP_RECVERR): \"When enabled on a datagram \
                socket, all generated errors will be queued in a per-socket error queue\" and \
                \"If IP_PKTINFO is passed to sendmsg(2) and ipi_spec_dst is not zero, then it \
                is used as the local source address for the routing table lookup\", in IPv6: \
                IPV6_RECVERR queues an ICMPv6 port unreachable (origin SO_EE_ORIGIN_ICMP6, the \
                offender a sockaddr_in6), and IPV6_PKTINFO's ipi6_ifindex picks the interface",
        run: recverr_port_unreachable_and_pktinfo,
    },
    Scenario {
        name: "ipv6_in6_ifreq_adds_and_deletes_addresses",
        claim: "004_601343dfe295c4cf.txt (netdevice(7)): \"SIOCSIFADDR accepts AF_INET and \
                AF_INET6 addresses, and SIOCDIFADDR deletes only AF_INET6 addresses\", with \
                \"AF_INET6 is an exception. It passes an in6_ifreq structure\"",
        run: in6_ifreq_adds_and_deletes_addresses,
    },
    Scenario {
        name: "ipv6_policy_rule_selects_second_table",
        claim: "000_013038441b203428.txt: \"Note that the routing table is still consulted when \
                packets are transmitted.\" (ip-rule(8) for IPv6: `from 2001:db8:0:2::2 lookup \
                100` picks table 100 for a socket bound to that source)",
        run: policy_rule_selects_second_table,
    },
];

/// The two-link namespace, with `routes` (ip batch lines) added.
fn host6(ctx: &mut Ctx, routes: &str) -> Result<Netns> {
    let ns = ctx.scratch_netns("v6")?;
    ns.ip_batch(&format!(
        "link add {ETH0} type veth peer name peer0\n\
         link add {ETH1} type veth peer name peer1\n\
         link set lo up\n\
         link set {ETH0} up\n\
         link set peer0 up\n\
         link set {ETH1} up\n\
         link set peer1 up\n\
         addr add {HOST_ETH0}/64 dev {ETH0} nodad\n\
         addr add {HOST_ETH1}/64 dev {ETH1} nodad\n\
         {routes}"
    ))?;
    ns.wait_running(&[ETH0, ETH1])?;
    Ok(ns)
}

/// Default routes through eth0 (metric 1, preferred) and eth1 (metric 2).
fn two_defaults() -> String {
    format!(
        "route add default via {GW_ETH0} dev {ETH0} metric 1\n\
         route add default via {GW_ETH1} dev {ETH1} metric 2\n"
    )
}

/// A UDP socket made in `ns`.
fn socket_in(ns: &Netns) -> Result<OwnedFd> {
    expect_ok("socket(AF_INET6)", ns.run(udp6_socket))
}

/// Connects `socket` (in `ns`) to `dest` and returns the source the kernel chose.
fn connected_source(ns: &Netns, socket: &OwnedFd, dest: SocketAddrV6) -> Result<Ipv6Addr, Errno> {
    ns.run(|| {
        connect6(socket, dest)?;
        getsockname6(socket).map(|a| *a.ip())
    })
}

/// bindscope's IPv6 route decisions for `dst` and `port`.
fn routes6(seen: &Seen, dst: Ipv6Addr, port: u16) -> Vec<Found<'_, RouteDecision>> {
    seen.routes()
        .into_iter()
        .filter(|d| d.family == Family::Inet6 && d.dst == dst && d.dport == port)
        .collect()
}

/// Checks bindscope's decision for `dst`/`port`: requested oif, device, gateway; returns it
/// as bindscope prints it.
fn expect_route6(
    seen: &Seen,
    dst: Ipv6Addr,
    port: u16,
    want: (Option<&str>, Option<&str>, Option<Ipv6Addr>),
) -> Result<String> {
    let what = format!("IPv6 route decision for [{dst}]:{port}");
    let decisions = routes6(seen, dst, port);
    let first = seen.expect_first(&what, decisions.clone())?;
    for d in &decisions {
        let gw = d.gw.as_ref().map(|g| g.ip);
        seen.expect_eq(
            &format!("{what} (oif, dev, gw)"),
            (d.oif_name.as_deref(), d.dev.as_deref(), gw),
            (want.0, want.1, want.2.map(Into::into)),
        )?;
        seen.expect_eq(&format!("{what}: error"), d.err.as_deref(), None)?;
    }
    Ok(first.line())
}

fn far() -> SocketAddrV6 {
    SocketAddrV6::new(FAR, CLOSED_PORT, 0, 0)
}

/// With the note's metrics 0 and 1, IPv6 prefers eth1: metric 0 means "the default", 1024
/// (`IP6_RT_PRIO_USER`). A socket bound to eth0 still goes through eth0.
fn seed_table_metric_0_is_1024(ctx: &mut Ctx) -> Result<Outcome> {
    let ns = host6(
        ctx,
        &format!(
            "route add default via {GW_ETH0} dev {ETH0} metric 0\n\
             route add default via {GW_ETH1} dev {ETH1} metric 1\n"
        ),
    )?;
    let table = ns.ip(["-6", "route", "show", "default"])?;
    let mut trace = ctx.trace(&ns)?;
    let unbound = socket_in(&ns)?;
    let bound = socket_in(&ns)?;
    let unbound_src = connected_source(&ns, &unbound, far());
    let bind = ns.run(|| {
        sys::setsockopt_bytes(
            &bound,
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            ETH0.as_bytes(),
        )
    });
    let bound_src = connected_source(&ns, &bound, SocketAddrV6::new(FAR, CLOSED_PORT + 1, 0, 0));
    let seen = trace.collect()?;

    expect_eq(
        "metric 0 is stored as 1024",
        table.contains(&format!("default via {GW_ETH0} dev {ETH0} metric 1024")),
        true,
    )
    .with_context(|| table.clone())?;
    expect_eq(
        "unbound source",
        expect_ok("connect", unbound_src)?,
        HOST_ETH1,
    )?;
    expect_ok("SO_BINDTODEVICE eth0", bind)?;
    expect_eq("bound source", expect_ok("connect", bound_src)?, HOST_ETH0)?;
    let unbound = expect_route6(&seen, FAR, CLOSED_PORT, (None, Some(ETH1), Some(GW_ETH1)))?;
    let bound = expect_route6(
        &seen,
        FAR,
        CLOSED_PORT + 1,
        (Some(ETH0), Some(ETH0), Some(GW_ETH0)),
    )?;
    Ok(Outcome::pass(format!(
        "differs from the seed note in IPv6: metric 0 is the default metric 1024, so the metric-1 \
         route through eth1 wins; bound to eth0 the eth0 route is used. bindscope: {unbound}; \
         {bound}"
    )))
}

/// IPV6_UNICAST_IF with the ifindex in network order steers to eth1; in host order it names
/// no interface (EADDRNOTAVAIL); on a socket bound to a device it is refused (EINVAL).
fn unicast_if_steers_and_conflicts(ctx: &mut Ctx) -> Result<Outcome> {
    let ns = host6(ctx, &two_defaults())?;
    let eth1 = ns.ifindex(ETH1);
    let mut trace = ctx.trace(&ns)?;
    let steered = socket_in(&ns)?;
    let set_be = ns.run(|| {
        sys::setsockopt_int(
            &steered,
            libc::IPPROTO_IPV6,
            libc::IPV6_UNICAST_IF,
            (eth1 as i32).to_be(),
        )
    });
    let source = connected_source(&ns, &steered, far());
    // Unconnected, the option applies per datagram (udpv6_sendmsg), on every kernel.
    let sender = socket_in(&ns)?;
    let sent_to = SocketAddrV6::new(FAR, CLOSED_PORT + 3, 0, 0);
    let sent = ns.run(|| {
        sys::setsockopt_int(
            &sender,
            libc::IPPROTO_IPV6,
            libc::IPV6_UNICAST_IF,
            (eth1 as i32).to_be(),
        )?;
        sys6::sendmsg6(&sender, sent_to, b"steered", &[])
    });
    let trap = socket_in(&ns)?;
    let set_host_order = ns.run(|| {
        sys::setsockopt_int(
            &trap,
            libc::IPPROTO_IPV6,
            libc::IPV6_UNICAST_IF,
            eth1 as i32,
        )
    });
    let bound = socket_in(&ns)?;
    let conflict = ns.run(|| {
        sys::setsockopt_bytes(
            &bound,
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            ETH0.as_bytes(),
        )?;
        sys::setsockopt_int(
            &bound,
            libc::IPPROTO_IPV6,
            libc::IPV6_UNICAST_IF,
            (eth1 as i32).to_be(),
        )
    });
    let seen = trace.collect()?;

    expect_ok("IPV6_UNICAST_IF eth1 (network order)", set_be)?;
    expect_eq("steered send", expect_ok("sendmsg", sent)?, 7)?;
    let source = expect_ok("connect", source)?;
    expect_errno(
        "IPV6_UNICAST_IF with the ifindex in host order",
        set_host_order,
        libc::EADDRNOTAVAIL,
    )?;
    expect_errno(
        "IPV6_UNICAST_IF on a socket bound to eth0",
        conflict,
        libc::EINVAL,
    )?;
    let send_route = expect_route6(
        &seen,
        FAR,
        CLOSED_PORT + 3,
        (Some(ETH1), Some(ETH1), Some(GW_ETH1)),
    )?;
    // Observed: 6.1 and later apply IPV6_UNICAST_IF to connect() too
    // (ip6_datagram_flow_key_init); 5.10 only to each datagram sent.
    let (connect_note, want) = if source == HOST_ETH1 {
        (
            "connect() honours it",
            (Some(ETH1), Some(ETH1), Some(GW_ETH1)),
        )
    } else {
        expect_eq("unsteered connect source", source, HOST_ETH0)?;
        (
            "this kernel ignores it in connect() (it applies it per datagram only, as 5.10 \
             does) and connect() takes the metric-1 route through eth0",
            (None, Some(ETH0), Some(GW_ETH0)),
        )
    };
    let route = expect_route6(&seen, FAR, CLOSED_PORT, want)?;
    let options = seen.sockopts("IPV6_UNICAST_IF");
    let options = seen.expect_count("IPV6_UNICAST_IF", options, 4)?;
    seen.expect_eq(
        "IPV6_UNICAST_IF reports (ifindex, ifname, errno)",
        options
            .iter()
            .map(|o| (o.ifindex, o.ifname.as_deref(), o.errno.as_deref()))
            .collect::<Vec<_>>(),
        vec![
            (Some(eth1), Some(ETH1), None),
            (Some(eth1), Some(ETH1), None),
            (Some((eth1).swap_bytes()), None, Some("EADDRNOTAVAIL")),
            (Some(eth1), Some(ETH1), Some("EINVAL")),
        ],
    )?;
    Ok(Outcome::pass(format!(
        "network-order ifindex steers datagrams to eth1; {connect_note}; host order is \
         EADDRNOTAVAIL (bindscope decodes it as ifindex {}), bound to eth0 it is EINVAL; \
         bindscope: {send_route}; {route}",
        eth1.swap_bytes()
    )))
}

/// Without a scope, connect to fe80::1 is EINVAL; sin6_scope_id or IPV6_MULTICAST_IF (for
/// a multicast group) choose the interface; bindscope shows a link-local destination with its
/// scope.
fn link_local_needs_a_scope(ctx: &mut Ctx) -> Result<Outcome> {
    let ns = host6(ctx, "")?;
    let eth1 = ns.ifindex(ETH1);
    let mut trace = ctx.trace(&ns)?;
    let unscoped = socket_in(&ns)?;
    let no_scope = connected_source(&ns, &unscoped, SocketAddrV6::new(LINK_LOCAL_GW, 9, 0, 0));
    let scoped = socket_in(&ns)?;
    let with_scope = connected_source(&ns, &scoped, SocketAddrV6::new(LINK_LOCAL_GW, 10, 0, eth1));
    let multicast = socket_in(&ns)?;
    let via_mcast_if = ns.run(|| {
        sys::setsockopt_int(
            &multicast,
            libc::IPPROTO_IPV6,
            libc::IPV6_MULTICAST_IF,
            eth1 as i32,
        )?;
        connect6(&multicast, SocketAddrV6::new(GROUP, 11, 0, 0))?;
        getsockname6(&multicast)
    });
    let seen = trace.collect()?;

    expect_errno("connect to fe80::1 without a scope", no_scope, libc::EINVAL)?;
    // The source is eth1's: its global address while the link-local one is still tentative
    // (duplicate address detection), its link-local one after.
    let source = expect_ok("connect to fe80::1%eth1", with_scope)?;
    let mcast_source = expect_ok(
        "IPV6_MULTICAST_IF eth1 + connect to ff05::4242",
        via_mcast_if,
    )?;
    seen.expect_eq(
        "no route decision for the unscoped connect",
        routes6(&seen, LINK_LOCAL_GW, 9).len(),
        0,
    )?;
    let scoped_route = expect_route6(&seen, LINK_LOCAL_GW, 10, (Some(ETH1), Some(ETH1), None))?;
    let decision = seen.expect_first("fe80::1%eth1", routes6(&seen, LINK_LOCAL_GW, 10))?;
    seen.expect_eq(
        "destination with its scope",
        decision.dst.to_string(),
        format!("{LINK_LOCAL_GW}%{ETH1}"),
    )?;
    let mcast_route = expect_route6(&seen, GROUP, 11, (Some(ETH1), Some(ETH1), None))?;
    Ok(Outcome::pass(format!(
        "EINVAL without a scope; with scope eth1 the source is {source}, to ff05::4242 after \
         IPV6_MULTICAST_IF eth1 {}; bindscope: {scoped_route}; {mcast_route}",
        mcast_source.ip()
    )))
}

/// `struct group_req` at IPPROTO_IPV6: the interface index, then a `sockaddr_storage` holding
/// the group's `sockaddr_in6` (8-aligned on x86_64: 4 bytes of padding after the index).
fn group_req(ifindex: u32, group: Ipv6Addr) -> Vec<u8> {
    let mut bytes = vec![0u8; 8 + 128];
    bytes[..4].copy_from_slice(&ifindex.to_ne_bytes());
    bytes[8..10].copy_from_slice(&(libc::AF_INET6 as u16).to_ne_bytes());
    bytes[16..32].copy_from_slice(&group.octets());
    bytes
}

fn multicast_join_ff05_by_ifindex(ctx: &mut Ctx) -> Result<Outcome> {
    let ns = host6(ctx, "")?;
    let (eth0, eth1) = (ns.ifindex(ETH0), ns.ifindex(ETH1));
    let second = Ipv6Addr::new(0xff05, 0, 0, 0, 0, 0, 0, 0x4243);
    let mut trace = ctx.trace(&ns)?;
    let socket = socket_in(&ns)?;
    let (join, join_generic, not_multicast, igmp6) = ns.run(|| {
        let join = sys::setsockopt_bytes(
            &socket,
            libc::IPPROTO_IPV6,
            libc::IPV6_ADD_MEMBERSHIP,
            &sys6::ipv6_mreq(GROUP, eth1),
        );
        let generic = sys::setsockopt_bytes(
            &socket,
            libc::IPPROTO_IPV6,
            libc::MCAST_JOIN_GROUP,
            &group_req(eth0, second),
        );
        let not_multicast = sys::setsockopt_bytes(
            &socket,
            libc::IPPROTO_IPV6,
            libc::IPV6_ADD_MEMBERSHIP,
            &sys6::ipv6_mreq(HOST_ETH0, eth1),
        );
        let igmp6 = std::fs::read_to_string("/proc/thread-self/net/igmp6").unwrap_or_default();
        (join, generic, not_multicast, igmp6)
    });
    let seen = trace.collect()?;

    expect_ok("IPV6_ADD_MEMBERSHIP ff05::4242 on eth1", join)?;
    expect_ok("MCAST_JOIN_GROUP ff05::4243 on eth0", join_generic)?;
    expect_errno(
        "IPV6_ADD_MEMBERSHIP of a unicast address",
        not_multicast,
        libc::EINVAL,
    )?;
    let joined = |dev: &str, group: Ipv6Addr| {
        let hex: String = group.octets().iter().map(|b| format!("{b:02x}")).collect();
        igmp6
            .lines()
            .any(|l| l.split_whitespace().nth(1) == Some(dev) && l.contains(&hex))
    };
    expect_eq("eth1 joined ff05::4242 (igmp6)", joined(ETH1, GROUP), true)?;
    expect_eq("eth0 joined ff05::4243 (igmp6)", joined(ETH0, second), true)?;
    let joins = seen.sockopts("IPV6_ADD_MEMBERSHIP");
    let joins = seen.expect_count("IPV6_ADD_MEMBERSHIP", joins, 2)?;
    seen.expect_eq(
        "IPV6_ADD_MEMBERSHIP reports (group, ifname, errno)",
        joins
            .iter()
            .map(|j| (j.multiaddr, j.ifname.as_deref(), j.errno.as_deref()))
            .collect::<Vec<_>>(),
        vec![
            (Some(GROUP.into()), Some(ETH1), None),
            (None, None, Some("EINVAL")),
        ],
    )?;
    // sockabi applies the kernel's acceptance rule and says why the call failed.
    seen.expect_eq(
        "the unicast group's decode error",
        joins[1]
            .decode_error
            .as_deref()
            .is_some_and(|e| e.contains("not a multicast address")),
        true,
    )?;
    let generic = seen.expect_one("MCAST_JOIN_GROUP", seen.sockopts("MCAST_JOIN_GROUP"))?;
    seen.expect_eq(
        "MCAST_JOIN_GROUP report (group, ifname, decode error)",
        (
            generic.multiaddr,
            generic.ifname.as_deref(),
            generic.decode_error.as_deref(),
        ),
        (Some(second.into()), Some(ETH0), None),
    )?;
    Ok(Outcome::pass(format!(
        "joined on eth1 by ipv6_mreq and on eth0 by group_req; a unicast group is EINVAL; \
         bindscope: {}; {}",
        joins[0].line(),
        generic.line()
    )))
}

fn policy_rule_selects_second_table(ctx: &mut Ctx) -> Result<Outcome> {
    let ns = host6(
        ctx,
        &format!(
            "route add default via {GW_ETH0} dev {ETH0}\n\
             route add default via {GW_ETH1} dev {ETH1} table 100\n"
        ),
    )?;
    let from = HOST_ETH1.to_string();
    ns.ip([
        "-6", "rule", "add", "from", &from, "lookup", "100", "pref", "1000",
    ])?;
    let mut trace = ctx.trace(&ns)?;
    let from_eth1 = socket_in(&ns)?;
    let bound = ns.run(|| sys6::bind6(&from_eth1, SocketAddrV6::new(HOST_ETH1, 0, 0, 0)));
    let via_rule = connected_source(&ns, &from_eth1, far());
    let plain = socket_in(&ns)?;
    let via_main = connected_source(&ns, &plain, SocketAddrV6::new(FAR, CLOSED_PORT + 1, 0, 0));
    let seen = trace.collect()?;

    expect_ok("bind to 2001:db8:0:2::2", bound)?;
    expect_eq(
        "source via the rule",
        expect_ok("connect", via_rule)?,
        HOST_ETH1,
    )?;
    expect_eq(
        "source via main",
        expect_ok("connect", via_main)?,
        HOST_ETH0,
    )?;
    let rule_route = expect_route6(&seen, FAR, CLOSED_PORT, (None, Some(ETH1), Some(GW_ETH1)))?;
    let main_route = expect_route6(
        &seen,
        FAR,
        CLOSED_PORT + 1,
        (None, Some(ETH0), Some(GW_ETH0)),
    )?;
    let decision = seen.expect_first("rule decision", routes6(&seen, FAR, CLOSED_PORT))?;
    let tables: Vec<(u32, Option<&str>)> = decision
        .lookups
        .iter()
        .map(|l| (l.table, l.err.as_deref()))
        .collect();
    seen.expect_eq(
        "tables looked up (local misses, 100 decides)",
        tables,
        vec![(255, Some("EAGAIN")), (100, None)],
    )?;
    // The rule behind table 100: captured in the kernel where it has trampolines
    // (fib6_rule_action), reconstructed from the namespace's IPv6 rule list elsewhere; named
    // as `ip -6 rule show` prints it either way.
    let rule = decision.lookups.last().and_then(|l| l.rule.as_ref());
    seen.expect_eq(
        "the rule behind table 100 (priority, text, method)",
        rule.map(|r| (r.priority, r.text.as_deref(), r.method)),
        Some((
            Some(1000),
            Some(format!("1000: from {HOST_ETH1} lookup 100").as_str()),
            seen.rule6_method(),
        )),
    )?;
    let rule = rule.map_or_else(String::new, |r| format!("{} ({})", r.brief, r.method));
    Ok(Outcome::pass(format!(
        "bound to 2001:db8:0:2::2: table 100 via eth1, by {rule}; unbound: main via eth0; \
         bindscope: {rule_route}; {main_route}"
    )))
}

/// `SO_EE_ORIGIN_ICMP6`.
const ORIGIN_ICMP6: u8 = 3;
/// ICMPv6 destination unreachable, port unreachable.
const ICMP6_DST_UNREACH: u8 = 1;
const ICMP6_PORT_UNREACH: u8 = 4;

fn recverr_port_unreachable_and_pktinfo(ctx: &mut Ctx) -> Result<Outcome> {
    let ns = host6(ctx, &two_defaults())?;
    let eth1 = ns.ifindex(ETH1);
    // Its own address, on a closed port: the namespace answers itself, over loopback.
    let closed = SocketAddrV6::new(HOST_ETH0, CLOSED_PORT, 0, 0);
    let mut trace = ctx.trace(&ns)?;
    let socket = socket_in(&ns)?;
    let queued = ns.run(|| {
        sys::setsockopt_int(&socket, libc::IPPROTO_IPV6, libc::IPV6_RECVERR, 1)?;
        connect6(&socket, closed)?;
        sys::send(&socket, b"ping")?;
        sys::wait_for(&socket, libc::POLLERR, sys::ARRIVAL_BOUND)?;
        sys6::recvmsg6(&socket, libc::MSG_ERRQUEUE | libc::MSG_DONTWAIT)
    });
    let steered = socket_in(&ns)?;
    let control = abi::cmsg(
        libc::IPPROTO_IPV6,
        libc::IPV6_PKTINFO,
        &sys6::in6_pktinfo(Ipv6Addr::UNSPECIFIED, eth1),
    );
    let sent = ns.run(|| sys6::sendmsg6(&steered, far(), b"pktinfo", &control));
    let seen = trace.collect()?;

    let queued = expect_ok("send, then read the error queue", queued)?;
    let data = abi::find_control(&queued.control, libc::IPPROTO_IPV6, libc::IPV6_RECVERR)
        .context("no IPV6_RECVERR control message")?;
    let ee = abi::ExtendedErr::parse(&data).context("a sock_extended_err")?;
    expect_eq(
        "extended error (errno, origin, type, code)",
        (ee.ee_errno as i32, ee.ee_origin, ee.ee_type, ee.ee_code),
        (
            libc::ECONNREFUSED,
            ORIGIN_ICMP6,
            ICMP6_DST_UNREACH,
            ICMP6_PORT_UNREACH,
        ),
    )?;
    let offender = data
        .get(16 + 8..16 + 24)
        .and_then(|b| <[u8; 16]>::try_from(b).ok())
        .map(Ipv6Addr::from);
    expect_eq("offender (sockaddr_in6)", offender, Some(HOST_ETH0))?;
    expect_eq("IPV6_PKTINFO send", expect_ok("sendmsg", sent)?, 7)?;

    let reads = seen.cmsgs("errqueue");
    let read = seen.expect_one("error-queue read", reads)?;
    seen.expect_eq(
        "error-queue read: address",
        read.address,
        Some(closed.into()),
    )?;
    match read.get().messages.as_slice() {
        [ControlMessage::Recverr {
            level,
            errno,
            icmp_type,
            icmp_code,
            offender,
            ..
        }] => seen.expect_eq(
            "IPV6_RECVERR (level, errno, type, code, offender)",
            (*level, errno.as_str(), *icmp_type, *icmp_code, *offender),
            (
                "IPPROTO_IPV6",
                "ECONNREFUSED",
                ICMP6_DST_UNREACH,
                ICMP6_PORT_UNREACH,
                Some(HOST_ETH0.into()),
            ),
        )?,
        _ => return Err(seen.error("expected one IPV6_RECVERR message".into())),
    }
    let sends = seen.cmsgs("send");
    let send = seen.expect_one("sendmsg with IPV6_PKTINFO", sends)?;
    match send.get().messages.as_slice() {
        [ControlMessage::Pktinfo6 {
            ifindex, ifname, ..
        }] => seen.expect_eq(
            "IPV6_PKTINFO (ifindex, ifname)",
            (*ifindex, ifname.as_deref()),
            (eth1 as i32, Some(ETH1)),
        )?,
        _ => return Err(seen.error("expected one IPV6_PKTINFO message".into())),
    }
    let route = expect_route6(
        &seen,
        FAR,
        CLOSED_PORT,
        (Some(ETH1), Some(ETH1), Some(GW_ETH1)),
    )?;
    Ok(Outcome::pass(format!(
        "ECONNREFUSED from ICMPv6 type 1 code 4, origin ICMP6, offender {HOST_ETH0}; \
         IPV6_PKTINFO ifindex eth1 sent through eth1 (the metric-2 route); bindscope: {}; {}; \
         {route}",
        read.line(),
        send.line()
    )))
}

fn in6_ifreq_adds_and_deletes_addresses(ctx: &mut Ctx) -> Result<Outcome> {
    let ns = host6(ctx, "")?;
    let eth1 = ns.ifindex(ETH1);
    let added = Ipv6Addr::new(0x2001, 0xdb8, 0, 3, 0, 0, 0, 7);
    let mut trace = ctx.trace(&ns)?;
    let socket = socket_in(&ns)?;
    let mut request = sys6::in6_ifreq(added, 64, eth1 as i32);
    let add = ns.run(|| sys6::ioctl_bytes(&socket, libc::SIOCSIFADDR, &mut request));
    let after_add = ns.ip(["-6", "addr", "show", "dev", ETH1])?;
    let delete = ns.run(|| sys6::ioctl_bytes(&socket, libc::SIOCDIFADDR, &mut request));
    let after_delete = ns.ip(["-6", "addr", "show", "dev", ETH1])?;
    let seen = trace.collect()?;

    expect_ok("SIOCSIFADDR with an in6_ifreq", add)?;
    expect_eq(
        "the address is on eth1",
        after_add.contains(&format!("{added}/64")),
        true,
    )?;
    expect_ok("SIOCDIFADDR with an in6_ifreq", delete)?;
    expect_eq(
        "the address is gone",
        after_delete.contains(&added.to_string()),
        false,
    )?;
    let mut lines = Vec::new();
    for request in ["SIOCSIFADDR", "SIOCDIFADDR"] {
        let found = seen.expect_one(request, seen.ioctls(request))?;
        seen.expect_eq(
            &format!("{request} (value, ifname, decode error)"),
            (
                found.value.as_str(),
                found.ifname.as_deref(),
                found.decode_error.as_deref(),
            ),
            (
                format!("{request} {added}/64 ifindex={eth1}").as_str(),
                Some(ETH1),
                None,
            ),
        )?;
        lines.push(found.line());
    }
    Ok(Outcome::pass(format!(
        "SIOCSIFADDR added {added}/64 to eth1 and SIOCDIFADDR removed it; bindscope: {}",
        lines.join("; ")
    )))
}
