//! bindscope end to end: in the seed topology (namespaces this test builds), act through real
//! syscalls, then assert both what the kernel did (getsockname, errno) and what bindscope
//! reported, event by event.
//!
//! Every test filters on its own host namespace's inode, so tests running in parallel (each
//! with its own namespaces and its own tracer) never see each other's events.

use std::net::Ipv4Addr;
use std::os::fd::AsRawFd;

use bindscope::decode::{Body, ControlMessage, Report, SockoptReport};
use bindscope::route::RouteDecision;
use bindscope::stream::Collector;
use bindscope::{Cidr, Config, EventSet, Filter, NetnsSpec};
use bindscope_tests::topology::{
    CLOSED_PORT, FAR, HOST_ETH0, HOST_ETH1, HOST_ETH2, ROUTER_R0, ROUTER_R1,
};
use bindscope_tests::{abi, privileges, sys, SeedTopology};

/// A tracer on `topology`'s host namespace, with `filter` on top.
fn trace(topology: &SeedTopology, events: EventSet, filter: Filter) -> Collector {
    let inode = topology.host.inode().expect("host namespace inode");
    let config = Config {
        events,
        filter: Filter {
            netns: Some(NetnsSpec::Inode(inode as u32)),
            ..filter
        },
        ..Config::default()
    };
    Collector::start(&config).expect("bindscope starts (root, BTF, tracefs)")
}

fn sockopts(reports: &[Report]) -> Vec<&SockoptReport> {
    reports.iter().filter_map(Report::sockopt).collect()
}

fn routes_to(reports: &[Report], dst: Ipv4Addr) -> Vec<&RouteDecision> {
    reports
        .iter()
        .filter_map(Report::route)
        .filter(|d| d.dst == dst)
        .collect()
}

fn v4(ip: Ipv4Addr, port: u16) -> std::net::SocketAddrV4 {
    std::net::SocketAddrV4::new(ip, port)
}

/// The seed note's table: an unbound socket leaves by the metric-0 default route (eth0, via
/// 192.0.2.1); bound to eth1 with SO_BINDTODEVICE it leaves by eth1 via 192.0.2.193.
#[test]
fn seed_topology_unbound_and_bound_to_eth1() {
    if !privileges::ok_or_skip() {
        return;
    }
    let topology = SeedTopology::build().expect("seed topology");
    let mut tracer = trace(&topology, EventSet::ALL, Filter::default());
    let (unbound_src, bound_fd, bound_src) = topology.host.run(|| {
        let unbound = sys::udp_socket().unwrap();
        sys::connect(&unbound, v4(FAR, 5001)).unwrap();
        let bound = sys::udp_socket().unwrap();
        sys::setsockopt_bytes(&bound, libc::SOL_SOCKET, libc::SO_BINDTODEVICE, b"eth1\0").unwrap();
        sys::connect(&bound, v4(FAR, 5002)).unwrap();
        (
            *sys::getsockname(&unbound).unwrap().ip(),
            bound.as_raw_fd(),
            *sys::getsockname(&bound).unwrap().ip(),
        )
    });
    // What the kernel did.
    assert_eq!(unbound_src, HOST_ETH0);
    assert_eq!(bound_src, HOST_ETH1);

    // What bindscope saw.
    let reports = tracer.collect();
    let opts = sockopts(&reports);
    assert_eq!(opts.len(), 1, "one traced setsockopt: {opts:#?}");
    let bind = opts[0];
    assert_eq!(
        (bind.level.as_str(), bind.optname.as_str()),
        ("SOL_SOCKET", "SO_BINDTODEVICE")
    );
    assert_eq!(bind.ifname.as_deref(), Some("eth1"));
    assert_eq!(
        (bind.fd, bind.ret, bind.errno.as_deref()),
        (bound_fd, 0, None)
    );
    let origin = &reports
        .iter()
        .find(|r| matches!(r.body, Body::Sockopt(_)))
        .unwrap()
        .origin;
    assert_eq!(origin.pid, Some(std::process::id()));
    assert_eq!(origin.netns as u64, topology.host.inode().unwrap());

    let decisions = routes_to(&reports, FAR);
    let unbound = decisions
        .iter()
        .find(|d| d.dport == 5001 && d.src.is_unspecified())
        .expect("unbound lookup");
    assert_eq!(
        (
            unbound.oif,
            unbound.dev.as_deref(),
            unbound.gw.as_ref().and_then(|g| g.v4())
        ),
        (0, Some("eth0"), Some(ROUTER_R0))
    );
    assert_eq!(&*unbound.table_name, "main");
    let bound = decisions
        .iter()
        .find(|d| d.dport == 5002 && d.src.is_unspecified())
        .expect("bound lookup");
    assert_eq!(bound.oif as u32, topology.ifindex.eth1);
    assert_eq!(bound.oif_name.as_deref(), Some("eth1"));
    assert_eq!(
        (
            bound.dev.as_deref(),
            bound.gw.as_ref().and_then(|g| g.v4()),
            bound.err.as_deref()
        ),
        (Some("eth1"), Some(ROUTER_R1), None)
    );
    assert!(!bound.onlink_fallback);
}

/// SO_BINDTOIFINDEX to eth2, which has no route to the destination: the seed note says
/// "network unreachable"; the kernel's lookup does fail, and bindscope flags the on-link
/// fallback that makes connect() succeed anyway.
#[test]
fn bindtoifindex_without_route_is_an_onlink_fallback() {
    if !privileges::ok_or_skip() {
        return;
    }
    let topology = SeedTopology::build().expect("seed topology");
    let mut tracer = trace(&topology, EventSet::ALL, Filter::default());
    let eth2 = topology.ifindex.eth2;
    let (connected, src) = topology.host.run(|| {
        let s = sys::udp_socket().unwrap();
        sys::setsockopt_int(&s, libc::SOL_SOCKET, libc::SO_BINDTOIFINDEX, eth2 as i32).unwrap();
        let connected = sys::connect(&s, v4(FAR, 5003));
        (connected, sys::getsockname(&s).map(|a| *a.ip()))
    });
    assert_eq!(
        connected,
        Ok(()),
        "modern kernels fall back to on-link instead of ENETUNREACH"
    );
    assert_eq!(src, Ok(HOST_ETH2));

    let reports = tracer.collect();
    let opt = sockopts(&reports)
        .into_iter()
        .find(|s| s.optname == "SO_BINDTOIFINDEX")
        .expect("SO_BINDTOIFINDEX");
    assert_eq!(
        (opt.ifindex, opt.ifname.as_deref()),
        (Some(eth2), Some("eth2"))
    );
    let decision = routes_to(&reports, FAR)
        .into_iter()
        .find(|d| d.dport == 5003)
        .expect("lookup");
    assert_eq!(decision.err.as_deref(), Some("ENETUNREACH"));
    assert!(decision.onlink_fallback, "{decision:#?}");
    assert_eq!(decision.oif_name.as_deref(), Some("eth2"));
}

/// IP_MULTICAST_IF with an ip_mreqn ifindex and IP_ADD_MEMBERSHIP: ifindex resolved to the
/// name in the host namespace, group and address reported.
#[test]
fn multicast_interface_and_membership() {
    if !privileges::ok_or_skip() {
        return;
    }
    let topology = SeedTopology::build().expect("seed topology");
    let mut tracer = trace(
        &topology,
        EventSet {
            sockopt: true,
            ..no_events()
        },
        Filter::default(),
    );
    let eth1 = topology.ifindex.eth1 as i32;
    let group = Ipv4Addr::new(239, 1, 2, 3);
    topology.host.run(|| {
        let s = sys::udp_socket().unwrap();
        let mreqn = abi::ip_mreqn(Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED, eth1);
        sys::setsockopt_bytes(&s, libc::IPPROTO_IP, libc::IP_MULTICAST_IF, &mreqn).unwrap();
        let join = abi::ip_mreqn(group, Ipv4Addr::UNSPECIFIED, eth1);
        sys::setsockopt_bytes(&s, libc::IPPROTO_IP, libc::IP_ADD_MEMBERSHIP, &join).unwrap();
        let bad = abi::ip_mreqn(Ipv4Addr::new(192, 0, 2, 9), Ipv4Addr::UNSPECIFIED, eth1);
        assert_eq!(
            sys::setsockopt_bytes(&s, libc::IPPROTO_IP, libc::IP_ADD_MEMBERSHIP, &bad)
                .map_err(|e| e.name()),
            Err("EINVAL")
        );
    });
    let reports = tracer.collect();
    let opts = sockopts(&reports);
    assert_eq!(opts.len(), 3, "{opts:#?}");
    assert_eq!(opts[0].optname, "IP_MULTICAST_IF");
    assert_eq!(
        (opts[0].ifindex, opts[0].ifname.as_deref()),
        (Some(eth1 as u32), Some("eth1"))
    );
    assert_eq!(opts[1].optname, "IP_ADD_MEMBERSHIP");
    assert_eq!(
        (opts[1].multiaddr, opts[1].ifname.as_deref(), opts[1].ret),
        (Some(group.into()), Some("eth1"), 0)
    );
    assert_eq!(
        (opts[2].ret, opts[2].errno.as_deref()),
        (-1, Some("EINVAL"))
    );
}

/// IP_PKTINFO on sendmsg picks eth1 per packet: bindscope shows the control message, and the
/// route lookup it constrained.
#[test]
fn pktinfo_on_sendmsg_steers_the_lookup() {
    if !privileges::ok_or_skip() {
        return;
    }
    let topology = SeedTopology::build().expect("seed topology");
    let mut tracer = trace(&topology, EventSet::ALL, Filter::default());
    let eth1 = topology.ifindex.eth1 as i32;
    topology.host.run(|| {
        let s = sys::udp_socket().unwrap();
        let info = abi::PktInfo {
            ipi_ifindex: eth1,
            ipi_spec_dst: Ipv4Addr::UNSPECIFIED,
            ipi_addr: Ipv4Addr::UNSPECIFIED,
        };
        let control = abi::cmsg(libc::IPPROTO_IP, libc::IP_PKTINFO, &info.to_bytes());
        sys::sendmsg(&s, Some(v4(FAR, 5004)), b"ping", &control).unwrap();
    });
    let reports = tracer.collect();
    let cmsg = reports
        .iter()
        .find_map(Report::cmsg)
        .expect("a cmsg report");
    assert_eq!(
        (cmsg.direction, cmsg.ret, cmsg.address),
        ("send", 4, Some(v4(FAR, 5004).into()))
    );
    assert!(
        matches!(&cmsg.messages[..], [ControlMessage::Pktinfo { ifindex, ifname: Some(name), .. }] if *ifindex == eth1 && name == "eth1"),
        "{:#?}",
        cmsg.messages
    );
    let decision = routes_to(&reports, FAR)
        .into_iter()
        .find(|d| d.dport == 5004)
        .expect("lookup");
    assert_eq!(
        (decision.oif, decision.dev.as_deref()),
        (eth1, Some("eth1"))
    );
}

/// IP_RECVERR and an ICMP port unreachable from the router: the error-queue read is reported
/// with origin ICMP, type 3, code 3 and the offender.
#[test]
fn recverr_reports_icmp_port_unreachable() {
    if !privileges::ok_or_skip() {
        return;
    }
    let topology = SeedTopology::build().expect("seed topology");
    let mut tracer = trace(
        &topology,
        EventSet {
            sockopt: true,
            cmsg: true,
            ..no_events()
        },
        Filter::default(),
    );
    topology.host.run(|| {
        let s = sys::udp_socket().unwrap();
        sys::setsockopt_int(&s, libc::IPPROTO_IP, libc::IP_RECVERR, 1).unwrap();
        sys::connect(&s, v4(FAR, CLOSED_PORT)).unwrap();
        sys::send(&s, b"anyone?").unwrap();
        sys::wait_for(&s, libc::POLLERR, std::time::Duration::from_secs(10)).unwrap();
        sys::recvmsg(&s, libc::MSG_ERRQUEUE | libc::MSG_DONTWAIT, 64, 256).unwrap();
    });
    let reports = tracer.collect();
    assert!(sockopts(&reports)
        .iter()
        .any(|s| s.optname == "IP_RECVERR" && s.value.ends_with("on")));
    let cmsg = reports
        .iter()
        .filter_map(Report::cmsg)
        .find(|c| c.direction == "errqueue")
        .expect("an errqueue report");
    match &cmsg.messages[..] {
        [ControlMessage::Recverr {
            errno,
            origin,
            icmp_type,
            icmp_code,
            offender,
            ..
        }] => {
            assert_eq!(
                (errno.as_str(), *icmp_type, *icmp_code),
                ("ECONNREFUSED", 3, 3)
            );
            assert!(origin.to_ascii_lowercase().contains("icmp"), "{origin}");
            assert_eq!(*offender, Some(FAR.into()));
        }
        other => panic!("expected one IP_RECVERR, got {other:#?}"),
    }
}

/// SIOCGIFINDEX on eth1: captured after the call, so the report holds the kernel's answer.
#[test]
fn siocgifindex_reports_the_answer() {
    if !privileges::ok_or_skip() {
        return;
    }
    let topology = SeedTopology::build().expect("seed topology");
    let mut tracer = trace(
        &topology,
        EventSet {
            ioctl: true,
            ..no_events()
        },
        Filter::default(),
    );
    topology.host.run(|| {
        let s = sys::udp_socket().unwrap();
        let mut ifreq = abi::ifreq_with_name("eth1");
        sys::ioctl_ifreq(&s, libc::SIOCGIFINDEX, &mut ifreq).unwrap();
    });
    let reports = tracer.collect();
    let ioctl = reports
        .iter()
        .find_map(Report::ioctl)
        .expect("an ioctl report");
    assert_eq!(
        (ioctl.request.as_str(), ioctl.ifname.as_deref(), ioctl.ret),
        ("SIOCGIFINDEX", Some("eth1"), 0)
    );
    assert!(
        ioctl.value.contains(&topology.ifindex.eth1.to_string()),
        "{}",
        ioctl.value
    );
}

/// `--dst`, `--dev` and `--comm` are applied in the kernel: lookups outside them never reach
/// userspace.
#[test]
fn filters_apply_in_the_kernel() {
    if !privileges::ok_or_skip() {
        return;
    }
    let topology = SeedTopology::build().expect("seed topology");
    let dst: Cidr = "203.0.113.0/24".parse().unwrap();
    let mut by_dst = trace(
        &topology,
        EventSet {
            route: true,
            ..no_events()
        },
        Filter {
            dst: Some(dst),
            ..Filter::default()
        },
    );
    let dev = sockabi::IfName::from_bytes(b"eth1").unwrap();
    let netns_path = Some(NetnsSpec::Path(topology.host.path()));
    let mut by_dev = Collector::start(&Config {
        events: EventSet {
            route: true,
            ..no_events()
        },
        filter: Filter {
            dev: Some(dev),
            netns: netns_path,
            ..Filter::default()
        },
        ..Config::default()
    })
    .expect("tracer with --dev");
    let mut by_comm = trace(
        &topology,
        EventSet {
            sockopt: true,
            ..no_events()
        },
        Filter {
            comm: Some("bs-filtered".into()),
            ..Filter::default()
        },
    );
    topology.host.run(|| {
        let s = sys::udp_socket().unwrap();
        sys::connect(&s, v4(FAR, 5005)).unwrap();
        sys::connect(&s, v4(Ipv4Addr::new(203, 0, 113, 1), 5006)).unwrap();
        sys::setsockopt_bytes(&s, libc::SOL_SOCKET, libc::SO_BINDTODEVICE, b"eth1\0").unwrap();
        sys::connect(&s, v4(FAR, 5007)).unwrap();
        // Only this thread, renamed, passes the comm filter.
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let name = std::ffi::CString::new("bs-filtered").unwrap();
                    // SAFETY: PR_SET_NAME with a NUL-terminated string.
                    unsafe { libc::prctl(libc::PR_SET_NAME, name.as_ptr()) };
                    sys::setsockopt_bytes(&s, libc::SOL_SOCKET, libc::SO_BINDTODEVICE, b"eth0\0")
                        .unwrap();
                })
                .join()
                .unwrap();
        });
    });
    let dst_reports = by_dst.collect();
    assert!(!dst_reports.is_empty());
    assert!(
        dst_reports
            .iter()
            .all(|r| matches!(&r.body, Body::Route(d) if dst.contains(d.dst.ip))),
        "{dst_reports:#?}"
    );
    let dev_reports = by_dev.collect();
    assert!(!dev_reports.is_empty());
    assert!(
        dev_reports.iter().all(|r| matches!(&r.body, Body::Route(d) if d.oif_name.as_deref() == Some("eth1") || d.dev.as_deref() == Some("eth1"))),
        "{dev_reports:#?}"
    );
    assert!(routes_to(&dev_reports, FAR).iter().any(|d| d.dport == 5007));
    let comm_reports = by_comm.collect();
    assert_eq!(sockopts(&comm_reports).len(), 1, "{comm_reports:#?}");
    assert_eq!(comm_reports[0].origin.comm.as_deref(), Some("bs-filtered"));
    assert_eq!(sockopts(&comm_reports)[0].ifname.as_deref(), Some("eth0"));
}

/// A ring buffer too small for a burst loses events; every one is counted: delivered plus
/// lost is what was generated.
#[test]
fn lost_events_are_counted_not_dropped_silently() {
    if !privileges::ok_or_skip() {
        return;
    }
    let topology = SeedTopology::build().expect("seed topology");
    let inode = topology.host.inode().unwrap() as u32;
    let mut tracer = Collector::start(&Config {
        events: EventSet {
            sockopt: true,
            ..no_events()
        },
        filter: Filter {
            netns: Some(NetnsSpec::Inode(inode)),
            ..Filter::default()
        },
        ring_size: 4096,
    })
    .expect("tracer");
    const BURST: usize = 2000;
    topology.host.run(|| {
        let s = sys::udp_socket().unwrap();
        for _ in 0..BURST {
            sys::setsockopt_int(&s, libc::IPPROTO_IP, libc::IP_TTL, 7).unwrap();
        }
    });
    let delivered = sockopts(&tracer.collect()).len();
    let lost = tracer.lost() as usize;
    assert!(lost > 0, "a 4 KiB ring cannot hold {BURST} records");
    assert_eq!(delivered + lost, BURST);
}

fn no_events() -> EventSet {
    EventSet {
        sockopt: false,
        route: false,
        ioctl: false,
        cmsg: false,
    }
}

/// `--dst` with an IPv6 prefix keeps the IPv6 decisions inside it, in the kernel; an IPv4
/// prefix keeps no IPv6 decision, and an IPv6 one no IPv4 decision.
#[test]
fn ipv6_dst_filter_applies_in_the_kernel() {
    if !privileges::ok_or_skip() {
        return;
    }
    let ns = bindscope_tests::Netns::new("dst6").expect("namespace");
    ns.ip_batch(
        "link add eth0 type veth peer name peer0\n\
         link set lo up\nlink set eth0 up\nlink set peer0 up\n\
         addr add 2001:db8:0:1::2/64 dev eth0 nodad\n\
         addr add 192.0.2.2/24 dev eth0\n\
         route add default via 2001:db8:0:1::1 dev eth0\n\
         route add default via 192.0.2.1 dev eth0\n",
    )
    .expect("topology");
    let netns = Some(NetnsSpec::Path(ns.path()));
    let start = |dst: &str| {
        Collector::start(&Config {
            events: EventSet {
                route: true,
                ..no_events()
            },
            filter: Filter {
                dst: Some(dst.parse().unwrap()),
                netns: netns.clone(),
                ..Filter::default()
            },
            ..Config::default()
        })
        .expect("bindscope starts")
    };
    let inside: std::net::Ipv6Addr = "2001:db8:1::9".parse().unwrap();
    let outside: std::net::Ipv6Addr = "2001:db8:2::9".parse().unwrap();
    let mut by_v6 = start("2001:db8:1::/48");
    let mut by_v4 = start("198.51.100.0/24");
    ns.run(|| {
        for (ip, port) in [(inside, 5101), (outside, 5102)] {
            let s = bindscope_tests::sys6::udp6_socket().unwrap();
            bindscope_tests::sys6::connect6(&s, std::net::SocketAddrV6::new(ip, port, 0, 0))
                .unwrap();
        }
        let s = sys::udp_socket().unwrap();
        sys::connect(&s, v4(FAR, 5103)).unwrap();
    });
    let v6_reports = by_v6.collect();
    let v6_routes: Vec<_> = v6_reports.iter().filter_map(Report::route).collect();
    assert!(
        v6_routes.iter().any(|d| d.dst == inside && d.dport == 5101),
        "{v6_routes:#?}"
    );
    assert!(
        v6_routes
            .iter()
            .all(|d| d.family == bindscope::route::Family::Inet6
                && d.dst.ip.to_string().starts_with("2001:db8:1:")),
        "{v6_routes:#?}"
    );
    let v4_reports = by_v4.collect();
    let v4_routes: Vec<_> = v4_reports.iter().filter_map(Report::route).collect();
    assert!(
        v4_routes.iter().any(|d| d.dst == FAR && d.dport == 5103),
        "{v4_routes:#?}"
    );
    assert!(
        v4_routes
            .iter()
            .all(|d| d.family == bindscope::route::Family::Inet),
        "{v4_routes:#?}"
    );
}
