//! The IPv4 socket ABI layouts, constants and `CMSG_*` framing of this crate, compared with what
//! the system C headers say: a small C program is compiled with `cc`, run, and its output parsed.

#[path = "common/cprog.rs"]
mod cprog;

use std::mem::{offset_of, size_of};

use sockabi::cmsg::{self, raw_cmsgs, Cmsg, CmsgHdr, CmsgWriter};
use sockabi::exterr::{self, SockExtendedErr};
use sockabi::mreq::{IpMreq, IpMreqSource, IpMreqn};
use sockabi::pktinfo::InPktinfo;
use sockabi::sockopt::*;
use sockabi::{InAddr, SockaddrIn};

/// `(C name, our value)` for every constant the crate defines.
macro_rules! consts {
    ($($name:ident),* $(,)?) => {
        &[$((stringify!($name), $name as i64)),*]
    };
}

const SOCKOPT_CONSTS: &[(&str, i64)] = consts![
    IPPROTO_IP,
    SOL_SOCKET,
    IPPROTO_TCP,
    IPPROTO_UDP,
    IPPROTO_IPV6,
    SOL_RAW,
    SOL_PACKET,
    SOL_IP,
    SO_DEBUG,
    SO_REUSEADDR,
    SO_TYPE,
    SO_ERROR,
    SO_DONTROUTE,
    SO_BROADCAST,
    SO_SNDBUF,
    SO_RCVBUF,
    SO_KEEPALIVE,
    SO_OOBINLINE,
    SO_NO_CHECK,
    SO_PRIORITY,
    SO_LINGER,
    SO_REUSEPORT,
    SO_PASSCRED,
    SO_PEERCRED,
    SO_RCVLOWAT,
    SO_SNDLOWAT,
    SO_RCVTIMEO,
    SO_SNDTIMEO,
    SO_BINDTODEVICE,
    SO_ATTACH_FILTER,
    SO_DETACH_FILTER,
    SO_PEERNAME,
    SO_TIMESTAMP,
    SO_ACCEPTCONN,
    SO_PEERSEC,
    SO_SNDBUFFORCE,
    SO_RCVBUFFORCE,
    SO_PASSSEC,
    SO_TIMESTAMPNS,
    SO_MARK,
    SO_TIMESTAMPING,
    SO_PROTOCOL,
    SO_DOMAIN,
    SO_RXQ_OVFL,
    SO_WIFI_STATUS,
    SO_PEEK_OFF,
    SO_NOFCS,
    SO_LOCK_FILTER,
    SO_SELECT_ERR_QUEUE,
    SO_BUSY_POLL,
    SO_MAX_PACING_RATE,
    SO_BPF_EXTENSIONS,
    SO_INCOMING_CPU,
    SO_ATTACH_BPF,
    SO_ATTACH_REUSEPORT_CBPF,
    SO_ATTACH_REUSEPORT_EBPF,
    SO_INCOMING_NAPI_ID,
    SO_COOKIE,
    SO_ZEROCOPY,
    SO_TXTIME,
    SO_BINDTOIFINDEX,
    SO_NETNS_COOKIE,
    IP_TOS,
    IP_TTL,
    IP_HDRINCL,
    IP_OPTIONS,
    IP_ROUTER_ALERT,
    IP_RECVOPTS,
    IP_RETOPTS,
    IP_PKTINFO,
    IP_PKTOPTIONS,
    IP_MTU_DISCOVER,
    IP_RECVERR,
    IP_RECVTTL,
    IP_RECVTOS,
    IP_MTU,
    IP_FREEBIND,
    IP_IPSEC_POLICY,
    IP_XFRM_POLICY,
    IP_PASSSEC,
    IP_TRANSPARENT,
    IP_RECVORIGDSTADDR,
    IP_ORIGDSTADDR,
    IP_MINTTL,
    IP_NODEFRAG,
    IP_CHECKSUM,
    IP_BIND_ADDRESS_NO_PORT,
    IP_RECVFRAGSIZE,
    IP_RECVERR_RFC4884,
    IP_MULTICAST_IF,
    IP_MULTICAST_TTL,
    IP_MULTICAST_LOOP,
    IP_ADD_MEMBERSHIP,
    IP_DROP_MEMBERSHIP,
    IP_UNBLOCK_SOURCE,
    IP_BLOCK_SOURCE,
    IP_ADD_SOURCE_MEMBERSHIP,
    IP_DROP_SOURCE_MEMBERSHIP,
    IP_MSFILTER,
    MCAST_JOIN_GROUP,
    MCAST_BLOCK_SOURCE,
    MCAST_UNBLOCK_SOURCE,
    MCAST_LEAVE_GROUP,
    MCAST_JOIN_SOURCE_GROUP,
    MCAST_LEAVE_SOURCE_GROUP,
    MCAST_MSFILTER,
    IP_MULTICAST_ALL,
    IP_UNICAST_IF,
    IP_LOCAL_PORT_RANGE,
    IP_PROTOCOL,
];

/// Constants that glibc's headers must define (the rest are compared when present).
const REQUIRED: &[&str] = &[
    "SOL_SOCKET",
    "SO_BINDTODEVICE",
    "SO_BINDTOIFINDEX",
    "SO_MARK",
    "SO_BROADCAST",
    "SO_REUSEADDR",
    "IP_TOS",
    "IP_TTL",
    "IP_PKTINFO",
    "IP_RECVERR",
    "IP_MTU_DISCOVER",
    "IP_MULTICAST_IF",
    "IP_MULTICAST_TTL",
    "IP_MULTICAST_LOOP",
    "IP_ADD_MEMBERSHIP",
    "IP_DROP_MEMBERSHIP",
    "IP_UNBLOCK_SOURCE",
    "IP_BLOCK_SOURCE",
    "IP_ADD_SOURCE_MEMBERSHIP",
    "IP_DROP_SOURCE_MEMBERSHIP",
    "IP_MULTICAST_ALL",
    "IP_FREEBIND",
    "IP_TRANSPARENT",
    "IP_UNICAST_IF",
    "IP_MTU",
    "IP_RECVTTL",
    "IP_RECVTOS",
    "IP_RECVORIGDSTADDR",
    "IP_ORIGDSTADDR",
];

const EE_ORIGINS: &[(&str, u8)] = &[
    ("SO_EE_ORIGIN_NONE", exterr::SO_EE_ORIGIN_NONE),
    ("SO_EE_ORIGIN_LOCAL", exterr::SO_EE_ORIGIN_LOCAL),
    ("SO_EE_ORIGIN_ICMP", exterr::SO_EE_ORIGIN_ICMP),
    ("SO_EE_ORIGIN_ICMP6", exterr::SO_EE_ORIGIN_ICMP6),
    ("SO_EE_ORIGIN_TXSTATUS", exterr::SO_EE_ORIGIN_TXSTATUS),
    ("SO_EE_ORIGIN_ZEROCOPY", exterr::SO_EE_ORIGIN_ZEROCOPY),
    ("SO_EE_ORIGIN_TXTIME", exterr::SO_EE_ORIGIN_TXTIME),
];

const PMTU: &[(&str, PmtuMode)] = &[
    ("IP_PMTUDISC_DONT", PmtuMode::Dont),
    ("IP_PMTUDISC_WANT", PmtuMode::Want),
    ("IP_PMTUDISC_DO", PmtuMode::Do),
    ("IP_PMTUDISC_PROBE", PmtuMode::Probe),
    ("IP_PMTUDISC_INTERFACE", PmtuMode::Interface),
    ("IP_PMTUDISC_OMIT", PmtuMode::Omit),
];

/// `(C struct, C field, our offset)`.
const OFFSETS: &[(&str, &str, usize)] = &[
    (
        "sockaddr_in",
        "sin_family",
        offset_of!(SockaddrIn, sin_family),
    ),
    ("sockaddr_in", "sin_port", offset_of!(SockaddrIn, sin_port)),
    ("sockaddr_in", "sin_addr", offset_of!(SockaddrIn, sin_addr)),
    ("sockaddr_in", "sin_zero", offset_of!(SockaddrIn, sin_zero)),
    ("in_addr", "s_addr", offset_of!(InAddr, s_addr)),
    (
        "ip_mreq",
        "imr_multiaddr",
        offset_of!(IpMreq, imr_multiaddr),
    ),
    (
        "ip_mreq",
        "imr_interface",
        offset_of!(IpMreq, imr_interface),
    ),
    (
        "ip_mreqn",
        "imr_multiaddr",
        offset_of!(IpMreqn, imr_multiaddr),
    ),
    ("ip_mreqn", "imr_address", offset_of!(IpMreqn, imr_address)),
    ("ip_mreqn", "imr_ifindex", offset_of!(IpMreqn, imr_ifindex)),
    (
        "ip_mreq_source",
        "imr_multiaddr",
        offset_of!(IpMreqSource, imr_multiaddr),
    ),
    (
        "ip_mreq_source",
        "imr_interface",
        offset_of!(IpMreqSource, imr_interface),
    ),
    (
        "ip_mreq_source",
        "imr_sourceaddr",
        offset_of!(IpMreqSource, imr_sourceaddr),
    ),
    (
        "in_pktinfo",
        "ipi_ifindex",
        offset_of!(InPktinfo, ipi_ifindex),
    ),
    (
        "in_pktinfo",
        "ipi_spec_dst",
        offset_of!(InPktinfo, ipi_spec_dst),
    ),
    ("in_pktinfo", "ipi_addr", offset_of!(InPktinfo, ipi_addr)),
    (
        "sock_extended_err",
        "ee_errno",
        offset_of!(SockExtendedErr, ee_errno),
    ),
    (
        "sock_extended_err",
        "ee_origin",
        offset_of!(SockExtendedErr, ee_origin),
    ),
    (
        "sock_extended_err",
        "ee_type",
        offset_of!(SockExtendedErr, ee_type),
    ),
    (
        "sock_extended_err",
        "ee_code",
        offset_of!(SockExtendedErr, ee_code),
    ),
    (
        "sock_extended_err",
        "ee_pad",
        offset_of!(SockExtendedErr, ee_pad),
    ),
    (
        "sock_extended_err",
        "ee_info",
        offset_of!(SockExtendedErr, ee_info),
    ),
    (
        "sock_extended_err",
        "ee_data",
        offset_of!(SockExtendedErr, ee_data),
    ),
    ("cmsghdr", "cmsg_len", offset_of!(CmsgHdr, cmsg_len)),
    ("cmsghdr", "cmsg_level", offset_of!(CmsgHdr, cmsg_level)),
    ("cmsghdr", "cmsg_type", offset_of!(CmsgHdr, cmsg_type)),
];

const SIZES: &[(&str, usize)] = &[
    ("sockaddr_in", size_of::<SockaddrIn>()),
    ("in_addr", size_of::<InAddr>()),
    ("ip_mreq", size_of::<IpMreq>()),
    ("ip_mreqn", size_of::<IpMreqn>()),
    ("ip_mreq_source", size_of::<IpMreqSource>()),
    ("in_pktinfo", size_of::<InPktinfo>()),
    ("sock_extended_err", size_of::<SockExtendedErr>()),
    ("cmsghdr", size_of::<CmsgHdr>()),
];

/// The C program: `key value` lines, plus the bytes of a control buffer built with glibc's
/// `CMSG_FIRSTHDR`/`CMSG_NXTHDR`/`CMSG_DATA` and its walk with the same macros.
fn c_program() -> String {
    let mut c = String::from(
        r#"#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/errqueue.h>

int main(void) {
"#,
    );
    for (s, _) in SIZES {
        c += &format!("    printf(\"sizeof {s} %zu\\n\", sizeof(struct {s}));\n");
    }
    for (s, f, _) in OFFSETS {
        c += &format!("    printf(\"offsetof {s}.{f} %zu\\n\", offsetof(struct {s}, {f}));\n");
    }
    let names = SOCKOPT_CONSTS
        .iter()
        .map(|(n, _)| *n)
        .chain(EE_ORIGINS.iter().map(|(n, _)| *n))
        .chain(PMTU.iter().map(|(n, _)| *n));
    for n in names {
        c += &format!("#ifdef {n}\n    printf(\"const {n} %lld\\n\", (long long)({n}));\n#endif\n");
    }
    for n in 0..=40 {
        c += &format!(
            "    printf(\"CMSG_ALIGN {n} %zu\\n\", (size_t)CMSG_ALIGN({n}));\n\
                 printf(\"CMSG_LEN {n} %zu\\n\", (size_t)CMSG_LEN({n}));\n\
                 printf(\"CMSG_SPACE {n} %zu\\n\", (size_t)CMSG_SPACE({n}));\n"
        );
    }
    c += r#"
    union { unsigned char buf[256]; struct cmsghdr align; } u;
    memset(&u, 0, sizeof u);
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_control = u.buf;
    msg.msg_controllen = sizeof u.buf;
    size_t total = 0;

    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    struct in_pktinfo pi;
    memset(&pi, 0, sizeof pi);
    pi.ipi_ifindex = 3;
    pi.ipi_spec_dst.s_addr = inet_addr("192.0.2.1");
    pi.ipi_addr.s_addr = inet_addr("192.0.2.9");
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof pi);
    memcpy(CMSG_DATA(c), &pi, sizeof pi);
    total += CMSG_SPACE(sizeof pi);

    c = CMSG_NXTHDR(&msg, c);
    int ttl = 64;
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_TTL;
    c->cmsg_len = CMSG_LEN(sizeof ttl);
    memcpy(CMSG_DATA(c), &ttl, sizeof ttl);
    total += CMSG_SPACE(sizeof ttl);

    c = CMSG_NXTHDR(&msg, c);
    unsigned char tos = 0x10;
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_TOS;
    c->cmsg_len = CMSG_LEN(sizeof tos);
    memcpy(CMSG_DATA(c), &tos, sizeof tos);
    total += CMSG_SPACE(sizeof tos);

    printf("cmsgbuf ");
    for (size_t i = 0; i < total; i++) printf("%02x", u.buf[i]);
    printf("\n");

    msg.msg_controllen = total;
    for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c))
        printf("walk %td %d %d %zu\n", (unsigned char *)c - u.buf, c->cmsg_level, c->cmsg_type,
               (size_t)c->cmsg_len);
    return 0;
}
"#;
    c
}

/// Compiles and runs the C program; returns its output lines.
fn run_c() -> Vec<String> {
    cprog::run("layout-ip", &c_program())
}

#[test]
fn layouts_constants_and_cmsg_framing_match_the_c_headers() {
    let lines = run_c();
    let c = cprog::numbers(&lines);
    let get = |key: &str| -> i64 { *c.get(key).unwrap_or_else(|| panic!("C printed no {key}")) };

    for (s, size) in SIZES {
        assert_eq!(
            get(&format!("sizeof {s}")),
            *size as i64,
            "sizeof(struct {s})"
        );
    }
    for (s, f, off) in OFFSETS {
        assert_eq!(
            get(&format!("offsetof {s}.{f}")),
            *off as i64,
            "offsetof({s}, {f})"
        );
    }
    for (name, value) in SOCKOPT_CONSTS {
        match c.get(&format!("const {name}")) {
            Some(v) => assert_eq!(v, value, "{name}"),
            None => assert!(!REQUIRED.contains(name), "the C headers lack {name}"),
        }
    }
    for (name, value) in EE_ORIGINS {
        assert_eq!(get(&format!("const {name}")), i64::from(*value), "{name}");
    }
    for (name, mode) in PMTU {
        assert_eq!(
            get(&format!("const {name}")),
            i64::from(mode.value()),
            "{name}"
        );
        assert_eq!(mode.name(), *name);
    }
    for n in 0..=40usize {
        assert_eq!(
            get(&format!("CMSG_ALIGN {n}")),
            cmsg::cmsg_align(n).unwrap() as i64
        );
        assert_eq!(
            get(&format!("CMSG_LEN {n}")),
            cmsg::cmsg_len(n).unwrap() as i64
        );
        assert_eq!(
            get(&format!("CMSG_SPACE {n}")),
            cmsg::cmsg_space(n).unwrap() as i64
        );
    }

    // The same control buffer built with CmsgWriter gives the same bytes...
    let glibc = cprog::hex_line(&lines, "cmsgbuf");
    let mut ours = [0u8; 256];
    let mut w = CmsgWriter::new(&mut ours);
    let pi = InPktinfo::new(3, [192, 0, 2, 1].into(), [192, 0, 2, 9].into());
    w.push_cmsg(&Cmsg::PktInfo(&pi)).unwrap();
    w.push_cmsg(&Cmsg::Ttl(64)).unwrap();
    w.push_cmsg(&Cmsg::Tos(0x10)).unwrap();
    let n = w.len();
    assert_eq!(&ours[..n], &glibc[..], "CmsgWriter vs glibc CMSG_* macros");

    // ...and our walk visits the headers glibc's CMSG_FIRSTHDR/CMSG_NXTHDR visit.
    let glibc_walk: Vec<(usize, i32, i32, usize)> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("walk "))
        .map(|l| {
            let v: Vec<i64> = l.split(' ').map(|x| x.parse().unwrap()).collect();
            (v[0] as usize, v[1] as i32, v[2] as i32, v[3] as usize)
        })
        .collect();
    let our_walk: Vec<(usize, i32, i32, usize)> = raw_cmsgs(&glibc)
        .map(|m| {
            let m = m.unwrap();
            (m.offset, m.level, m.kind, m.data.len() + cmsg::CMSG_HDR_LEN)
        })
        .collect();
    assert_eq!(our_walk, glibc_walk);
    assert_eq!(our_walk.len(), 3);
}

#[test]
fn constants_match_the_libc_crate() {
    let pairs: &[(&str, i32, i32)] = &[
        ("SOL_SOCKET", SOL_SOCKET, libc::SOL_SOCKET),
        ("SOL_IP", SOL_IP, libc::SOL_IP),
        ("IPPROTO_IP", IPPROTO_IP, libc::IPPROTO_IP),
        ("SO_BINDTODEVICE", SO_BINDTODEVICE, libc::SO_BINDTODEVICE),
        ("SO_MARK", SO_MARK, libc::SO_MARK),
        ("SO_BROADCAST", SO_BROADCAST, libc::SO_BROADCAST),
        ("SO_REUSEADDR", SO_REUSEADDR, libc::SO_REUSEADDR),
        ("SO_REUSEPORT", SO_REUSEPORT, libc::SO_REUSEPORT),
        ("SO_KEEPALIVE", SO_KEEPALIVE, libc::SO_KEEPALIVE),
        ("SO_DONTROUTE", SO_DONTROUTE, libc::SO_DONTROUTE),
        ("SO_RCVBUF", SO_RCVBUF, libc::SO_RCVBUF),
        ("SO_SNDBUF", SO_SNDBUF, libc::SO_SNDBUF),
        ("SO_PRIORITY", SO_PRIORITY, libc::SO_PRIORITY),
        ("SO_LINGER", SO_LINGER, libc::SO_LINGER),
        ("SO_TIMESTAMP", SO_TIMESTAMP, libc::SO_TIMESTAMP),
        ("SO_ZEROCOPY", SO_ZEROCOPY, libc::SO_ZEROCOPY),
        ("SO_TXTIME", SO_TXTIME, libc::SO_TXTIME),
        ("IP_TOS", IP_TOS, libc::IP_TOS),
        ("IP_TTL", IP_TTL, libc::IP_TTL),
        ("IP_HDRINCL", IP_HDRINCL, libc::IP_HDRINCL),
        ("IP_OPTIONS", IP_OPTIONS, libc::IP_OPTIONS),
        ("IP_PKTINFO", IP_PKTINFO, libc::IP_PKTINFO),
        ("IP_RECVERR", IP_RECVERR, libc::IP_RECVERR),
        ("IP_MTU_DISCOVER", IP_MTU_DISCOVER, libc::IP_MTU_DISCOVER),
        ("IP_RECVTTL", IP_RECVTTL, libc::IP_RECVTTL),
        ("IP_RECVTOS", IP_RECVTOS, libc::IP_RECVTOS),
        ("IP_MTU", IP_MTU, libc::IP_MTU),
        ("IP_FREEBIND", IP_FREEBIND, libc::IP_FREEBIND),
        ("IP_TRANSPARENT", IP_TRANSPARENT, libc::IP_TRANSPARENT),
        (
            "IP_RECVORIGDSTADDR",
            IP_RECVORIGDSTADDR,
            libc::IP_RECVORIGDSTADDR,
        ),
        ("IP_ORIGDSTADDR", IP_ORIGDSTADDR, libc::IP_ORIGDSTADDR),
        ("IP_MINTTL", IP_MINTTL, libc::IP_MINTTL),
        ("IP_MULTICAST_IF", IP_MULTICAST_IF, libc::IP_MULTICAST_IF),
        ("IP_MULTICAST_TTL", IP_MULTICAST_TTL, libc::IP_MULTICAST_TTL),
        (
            "IP_MULTICAST_LOOP",
            IP_MULTICAST_LOOP,
            libc::IP_MULTICAST_LOOP,
        ),
        (
            "IP_ADD_MEMBERSHIP",
            IP_ADD_MEMBERSHIP,
            libc::IP_ADD_MEMBERSHIP,
        ),
        (
            "IP_DROP_MEMBERSHIP",
            IP_DROP_MEMBERSHIP,
            libc::IP_DROP_MEMBERSHIP,
        ),
        (
            "IP_UNBLOCK_SOURCE",
            IP_UNBLOCK_SOURCE,
            libc::IP_UNBLOCK_SOURCE,
        ),
        ("IP_BLOCK_SOURCE", IP_BLOCK_SOURCE, libc::IP_BLOCK_SOURCE),
        (
            "IP_ADD_SOURCE_MEMBERSHIP",
            IP_ADD_SOURCE_MEMBERSHIP,
            libc::IP_ADD_SOURCE_MEMBERSHIP,
        ),
        (
            "IP_DROP_SOURCE_MEMBERSHIP",
            IP_DROP_SOURCE_MEMBERSHIP,
            libc::IP_DROP_SOURCE_MEMBERSHIP,
        ),
        ("IP_MULTICAST_ALL", IP_MULTICAST_ALL, libc::IP_MULTICAST_ALL),
        ("IP_UNICAST_IF", IP_UNICAST_IF, libc::IP_UNICAST_IF),
        (
            "IP_PMTUDISC_OMIT",
            PmtuMode::Omit.value(),
            libc::IP_PMTUDISC_OMIT,
        ),
    ];
    for (name, ours, theirs) in pairs {
        assert_eq!(ours, theirs, "{name}");
        if !["SOL_SOCKET", "SOL_IP", "IPPROTO_IP", "IP_PMTUDISC_OMIT"].contains(name) {
            let level = if name.starts_with("SO_") {
                SOL_SOCKET
            } else {
                IPPROTO_IP
            };
            let shown = option_name(level, *ours).unwrap_or("?");
            // IP_ORIGDSTADDR shares its value with the option IP_RECVORIGDSTADDR.
            if *name == "IP_ORIGDSTADDR" {
                assert_eq!(shown, "IP_RECVORIGDSTADDR");
            } else {
                assert_eq!(shown, *name);
            }
        }
    }
    assert_eq!(exterr::SO_EE_ORIGIN_ICMP, libc::SO_EE_ORIGIN_ICMP);
    assert_eq!(exterr::SO_EE_ORIGIN_TXSTATUS, libc::SO_EE_ORIGIN_TXSTATUS);
    assert_eq!(size_of::<InPktinfo>(), size_of::<libc::in_pktinfo>());
    assert_eq!(size_of::<IpMreqn>(), size_of::<libc::ip_mreqn>());
    assert_eq!(size_of::<IpMreqSource>(), size_of::<libc::ip_mreq_source>());
    assert_eq!(
        size_of::<SockExtendedErr>(),
        size_of::<libc::sock_extended_err>()
    );
    assert_eq!(size_of::<CmsgHdr>(), size_of::<libc::cmsghdr>());
}
