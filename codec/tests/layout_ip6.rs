//! The IPv6 and family-generic socket ABI of this crate compared with the system C headers
//! (glibc's <netinet/in.h>, and <linux/in6.h> for what glibc lacks): sizes, offsets and
//! constants printed by a small C program, structures the C program fills in (with `htonl`,
//! `inet_pton`, `IP_MSFILTER_SIZE`, `GROUP_FILTER_SIZE`) read back through our views, and a
//! control buffer built with glibc's `CMSG_*` macros compared byte for byte with `CmsgWriter`.

#[path = "common/cprog.rs"]
mod cprog;

use std::mem::{offset_of, size_of};
use std::net::{IpAddr, Ipv6Addr, SocketAddrV6};

use sockabi::addr::{In6Addr, SockaddrRef, SockaddrStorage};
use sockabi::cmsg::{cmsgs, Cmsg, CmsgWriter};
use sockabi::group::{GroupReq, GroupSourceReq};
use sockabi::mreq::Ipv6Mreq;
use sockabi::msfilter::{
    group_filter_size, ip_msfilter_size, FilterMode, GroupFilter, GroupFilterHead, IpMsfilter,
    IpMsfilterHead, MCAST_EXCLUDE, MCAST_INCLUDE,
};
use sockabi::mtuinfo::Ip6Mtuinfo;
use sockabi::pktinfo::In6Pktinfo;
use sockabi::sockopt::*;
use sockabi::SockaddrIn6;

macro_rules! consts {
    ($($name:ident),* $(,)?) => {
        &[$((stringify!($name), $name as i64)),*]
    };
}

const CONSTS: &[(&str, i64)] = consts![
    IPPROTO_IPV6,
    SOL_IPV6,
    IPV6_ADDRFORM,
    IPV6_2292PKTINFO,
    IPV6_2292HOPOPTS,
    IPV6_2292DSTOPTS,
    IPV6_2292RTHDR,
    IPV6_2292PKTOPTIONS,
    IPV6_CHECKSUM,
    IPV6_2292HOPLIMIT,
    IPV6_NEXTHOP,
    IPV6_AUTHHDR,
    IPV6_FLOWINFO,
    IPV6_UNICAST_HOPS,
    IPV6_MULTICAST_IF,
    IPV6_MULTICAST_HOPS,
    IPV6_MULTICAST_LOOP,
    IPV6_ADD_MEMBERSHIP,
    IPV6_DROP_MEMBERSHIP,
    IPV6_JOIN_GROUP,
    IPV6_LEAVE_GROUP,
    IPV6_ROUTER_ALERT,
    IPV6_MTU_DISCOVER,
    IPV6_MTU,
    IPV6_RECVERR,
    IPV6_V6ONLY,
    IPV6_JOIN_ANYCAST,
    IPV6_LEAVE_ANYCAST,
    IPV6_MULTICAST_ALL,
    IPV6_ROUTER_ALERT_ISOLATE,
    IPV6_RECVERR_RFC4884,
    IPV6_FLOWLABEL_MGR,
    IPV6_FLOWINFO_SEND,
    IPV6_IPSEC_POLICY,
    IPV6_XFRM_POLICY,
    IPV6_HDRINCL,
    IPV6_RECVPKTINFO,
    IPV6_PKTINFO,
    IPV6_RECVHOPLIMIT,
    IPV6_HOPLIMIT,
    IPV6_RECVHOPOPTS,
    IPV6_HOPOPTS,
    IPV6_RTHDRDSTOPTS,
    IPV6_RECVRTHDR,
    IPV6_RTHDR,
    IPV6_RECVDSTOPTS,
    IPV6_DSTOPTS,
    IPV6_RECVPATHMTU,
    IPV6_PATHMTU,
    IPV6_DONTFRAG,
    IPV6_RECVTCLASS,
    IPV6_TCLASS,
    IPV6_AUTOFLOWLABEL,
    IPV6_ADDR_PREFERENCES,
    IPV6_MINHOPCOUNT,
    IPV6_RECVORIGDSTADDR,
    IPV6_ORIGDSTADDR,
    IPV6_TRANSPARENT,
    IPV6_UNICAST_IF,
    IPV6_RECVFRAGSIZE,
    IPV6_FREEBIND,
    MCAST_EXCLUDE,
    MCAST_INCLUDE,
];

/// Constants glibc or <linux/in6.h> must define (the rest are compared when present).
const REQUIRED: &[&str] = &[
    "IPV6_MULTICAST_IF",
    "IPV6_ADD_MEMBERSHIP",
    "IPV6_DROP_MEMBERSHIP",
    "IPV6_V6ONLY",
    "IPV6_RECVPKTINFO",
    "IPV6_PKTINFO",
    "IPV6_RECVERR",
    "IPV6_TCLASS",
    "IPV6_MTU_DISCOVER",
    "IPV6_MULTICAST_HOPS",
    "IPV6_MULTICAST_LOOP",
    "IPV6_MULTICAST_ALL",
    "IPV6_FREEBIND",
    "IPV6_TRANSPARENT",
    "IPV6_ADDR_PREFERENCES",
    "IPV6_AUTOFLOWLABEL",
    "IPV6_UNICAST_IF",
    "IPV6_HOPLIMIT",
    "IPV6_ORIGDSTADDR",
    "MCAST_INCLUDE",
    "MCAST_EXCLUDE",
];

/// The `IPV6_PREFER_SRC_*` flags (<linux/in6.h>).
const PREFS: &[(&str, SrcPrefs)] = &[
    ("IPV6_PREFER_SRC_TMP", SrcPrefs::TMP),
    ("IPV6_PREFER_SRC_PUBLIC", SrcPrefs::PUBLIC),
    ("IPV6_PREFER_SRC_PUBTMP_DEFAULT", SrcPrefs::PUBTMP_DEFAULT),
    ("IPV6_PREFER_SRC_COA", SrcPrefs::COA),
    ("IPV6_PREFER_SRC_HOME", SrcPrefs::HOME),
    ("IPV6_PREFER_SRC_CGA", SrcPrefs::CGA),
    ("IPV6_PREFER_SRC_NONCGA", SrcPrefs::NONCGA),
];

/// `(C struct, C field, our offset)`; our explicit padding fields have no C counterpart.
const OFFSETS: &[(&str, &str, usize)] = &[
    ("in6_addr", "s6_addr", offset_of!(In6Addr, s6_addr)),
    (
        "sockaddr_in6",
        "sin6_family",
        offset_of!(SockaddrIn6, sin6_family),
    ),
    (
        "sockaddr_in6",
        "sin6_port",
        offset_of!(SockaddrIn6, sin6_port),
    ),
    (
        "sockaddr_in6",
        "sin6_flowinfo",
        offset_of!(SockaddrIn6, sin6_flowinfo),
    ),
    (
        "sockaddr_in6",
        "sin6_addr",
        offset_of!(SockaddrIn6, sin6_addr),
    ),
    (
        "sockaddr_in6",
        "sin6_scope_id",
        offset_of!(SockaddrIn6, sin6_scope_id),
    ),
    (
        "sockaddr_storage",
        "ss_family",
        offset_of!(SockaddrStorage, ss_family),
    ),
    (
        "ipv6_mreq",
        "ipv6mr_multiaddr",
        offset_of!(Ipv6Mreq, ipv6mr_multiaddr),
    ),
    (
        "ipv6_mreq",
        "ipv6mr_interface",
        offset_of!(Ipv6Mreq, ipv6mr_interface),
    ),
    (
        "in6_pktinfo",
        "ipi6_addr",
        offset_of!(In6Pktinfo, ipi6_addr),
    ),
    (
        "in6_pktinfo",
        "ipi6_ifindex",
        offset_of!(In6Pktinfo, ipi6_ifindex),
    ),
    (
        "ip6_mtuinfo",
        "ip6m_addr",
        offset_of!(Ip6Mtuinfo, ip6m_addr),
    ),
    ("ip6_mtuinfo", "ip6m_mtu", offset_of!(Ip6Mtuinfo, ip6m_mtu)),
    (
        "group_req",
        "gr_interface",
        offset_of!(GroupReq, gr_interface),
    ),
    ("group_req", "gr_group", offset_of!(GroupReq, gr_group)),
    (
        "group_source_req",
        "gsr_interface",
        offset_of!(GroupSourceReq, gsr_interface),
    ),
    (
        "group_source_req",
        "gsr_group",
        offset_of!(GroupSourceReq, gsr_group),
    ),
    (
        "group_source_req",
        "gsr_source",
        offset_of!(GroupSourceReq, gsr_source),
    ),
    (
        "group_filter",
        "gf_interface",
        offset_of!(GroupFilterHead, gf_interface),
    ),
    (
        "group_filter",
        "gf_group",
        offset_of!(GroupFilterHead, gf_group),
    ),
    (
        "group_filter",
        "gf_fmode",
        offset_of!(GroupFilterHead, gf_fmode),
    ),
    (
        "group_filter",
        "gf_numsrc",
        offset_of!(GroupFilterHead, gf_numsrc),
    ),
    ("group_filter", "gf_slist", size_of::<GroupFilterHead>()),
    (
        "ip_msfilter",
        "imsf_multiaddr",
        offset_of!(IpMsfilterHead, imsf_multiaddr),
    ),
    (
        "ip_msfilter",
        "imsf_interface",
        offset_of!(IpMsfilterHead, imsf_interface),
    ),
    (
        "ip_msfilter",
        "imsf_fmode",
        offset_of!(IpMsfilterHead, imsf_fmode),
    ),
    (
        "ip_msfilter",
        "imsf_numsrc",
        offset_of!(IpMsfilterHead, imsf_numsrc),
    ),
    ("ip_msfilter", "imsf_slist", size_of::<IpMsfilterHead>()),
];

const SIZES: &[(&str, usize)] = &[
    ("in6_addr", size_of::<In6Addr>()),
    ("sockaddr_in6", size_of::<SockaddrIn6>()),
    ("sockaddr_storage", size_of::<SockaddrStorage>()),
    ("ipv6_mreq", size_of::<Ipv6Mreq>()),
    ("in6_pktinfo", size_of::<In6Pktinfo>()),
    ("ip6_mtuinfo", size_of::<Ip6Mtuinfo>()),
    ("group_req", size_of::<GroupReq>()),
    ("group_source_req", size_of::<GroupSourceReq>()),
];

fn c_program() -> String {
    let mut c = String::from(
        r#"#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/in6.h>

static void hex(const char *name, const void *p, size_t n) {
    printf("%s ", name);
    for (size_t i = 0; i < n; i++) printf("%02x", ((const unsigned char *)p)[i]);
    printf("\n");
}

int main(void) {
"#,
    );
    for (s, _) in SIZES {
        c += &format!("    printf(\"sizeof {s} %zu\\n\", sizeof(struct {s}));\n");
    }
    for (s, f, _) in OFFSETS {
        c += &format!("    printf(\"offsetof {s}.{f} %zu\\n\", offsetof(struct {s}, {f}));\n");
    }
    for n in 0..4 {
        c += &format!(
            "    printf(\"IP_MSFILTER_SIZE {n} %zu\\n\", (size_t)IP_MSFILTER_SIZE({n}));\n\
                 printf(\"GROUP_FILTER_SIZE {n} %zu\\n\", (size_t)GROUP_FILTER_SIZE({n}));\n"
        );
    }
    let names = CONSTS
        .iter()
        .map(|(n, _)| *n)
        .chain(PREFS.iter().map(|(n, _)| *n));
    for n in names {
        c += &format!("#ifdef {n}\n    printf(\"const {n} %lld\\n\", (long long)({n}));\n#endif\n");
    }
    for (n, _) in PMTU6 {
        c += &format!("    printf(\"const {n} %lld\\n\", (long long)({n}));\n");
    }
    c += r#"
    struct sockaddr_in6 sin6;
    memset(&sin6, 0, sizeof sin6);
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(53);
    sin6.sin6_flowinfo = htonl(0x0ab12345);
    inet_pton(AF_INET6, "fe80::1", &sin6.sin6_addr);
    sin6.sin6_scope_id = 3;
    hex("sample.sockaddr_in6", &sin6, sizeof sin6);

    struct group_source_req gsr;
    memset(&gsr, 0, sizeof gsr);
    gsr.gsr_interface = 2;
    struct sockaddr_in6 *g6 = (struct sockaddr_in6 *)&gsr.gsr_group;
    g6->sin6_family = AF_INET6;
    inet_pton(AF_INET6, "ff05::1:3", &g6->sin6_addr);
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&gsr.gsr_source;
    s6->sin6_family = AF_INET6;
    inet_pton(AF_INET6, "2001:db8::5", &s6->sin6_addr);
    hex("sample.group_source_req", &gsr, sizeof gsr);

    union { unsigned char b[GROUP_FILTER_SIZE(2)]; struct group_filter gf; } gfu;
    memset(&gfu, 0, sizeof gfu);
    gfu.gf.gf_interface = 2;
    gfu.gf.gf_fmode = MCAST_EXCLUDE;
    gfu.gf.gf_numsrc = 2;
    struct sockaddr_in *gf4 = (struct sockaddr_in *)&gfu.gf.gf_group;
    gf4->sin_family = AF_INET;
    inet_pton(AF_INET, "232.1.1.1", &gf4->sin_addr);
    for (int i = 0; i < 2; i++) {
        struct sockaddr_in *s = (struct sockaddr_in *)&gfu.gf.gf_slist[i];
        s->sin_family = AF_INET;
        inet_pton(AF_INET, i ? "198.51.100.2" : "198.51.100.1", &s->sin_addr);
    }
    hex("sample.group_filter", &gfu, GROUP_FILTER_SIZE(2));

    union { unsigned char b[IP_MSFILTER_SIZE(2)]; struct ip_msfilter m; } msu;
    memset(&msu, 0, sizeof msu);
    inet_pton(AF_INET, "232.1.1.1", &msu.m.imsf_multiaddr);
    inet_pton(AF_INET, "192.0.2.1", &msu.m.imsf_interface);
    msu.m.imsf_fmode = MCAST_INCLUDE;
    msu.m.imsf_numsrc = 2;
    struct in_addr *slist = msu.m.imsf_slist;
    inet_pton(AF_INET, "198.51.100.1", &slist[0]);
    inet_pton(AF_INET, "198.51.100.2", &slist[1]);
    hex("sample.ip_msfilter", &msu, IP_MSFILTER_SIZE(2));

    union { unsigned char buf[256]; struct cmsghdr align; } u;
    memset(&u, 0, sizeof u);
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_control = u.buf;
    msg.msg_controllen = sizeof u.buf;
    size_t total = 0;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    struct in6_pktinfo pi;
    memset(&pi, 0, sizeof pi);
    pi.ipi6_ifindex = 2;
    inet_pton(AF_INET6, "2001:db8::2", &pi.ipi6_addr);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof pi);
    memcpy(CMSG_DATA(c), &pi, sizeof pi);
    total += CMSG_SPACE(sizeof pi);
    c = CMSG_NXTHDR(&msg, c);
    int hlim = 64;
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_HOPLIMIT;
    c->cmsg_len = CMSG_LEN(sizeof hlim);
    memcpy(CMSG_DATA(c), &hlim, sizeof hlim);
    total += CMSG_SPACE(sizeof hlim);
    c = CMSG_NXTHDR(&msg, c);
    int tclass = 0xb8;
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_TCLASS;
    c->cmsg_len = CMSG_LEN(sizeof tclass);
    memcpy(CMSG_DATA(c), &tclass, sizeof tclass);
    total += CMSG_SPACE(sizeof tclass);
    hex("cmsgbuf", u.buf, total);
    return 0;
}
"#;
    c
}

/// The `IPV6_PMTUDISC_*` names of [`PmtuMode`].
const PMTU6: &[(&str, PmtuMode)] = &[
    ("IPV6_PMTUDISC_DONT", PmtuMode::Dont),
    ("IPV6_PMTUDISC_WANT", PmtuMode::Want),
    ("IPV6_PMTUDISC_DO", PmtuMode::Do),
    ("IPV6_PMTUDISC_PROBE", PmtuMode::Probe),
    ("IPV6_PMTUDISC_INTERFACE", PmtuMode::Interface),
    ("IPV6_PMTUDISC_OMIT", PmtuMode::Omit),
];

/// The C program's output lines; compiled and run once for all the tests of this file (they
/// run in parallel and would otherwise share, and delete, one build directory).
fn run_c() -> Vec<String> {
    static OUTPUT: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    OUTPUT
        .get_or_init(|| cprog::run("layout-ip6", &c_program()))
        .clone()
}

#[test]
fn layouts_and_constants_match_the_c_headers() {
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
    for n in 0..4usize {
        assert_eq!(
            get(&format!("IP_MSFILTER_SIZE {n}")),
            ip_msfilter_size(n).unwrap() as i64
        );
        assert_eq!(
            get(&format!("GROUP_FILTER_SIZE {n}")),
            group_filter_size(n).unwrap() as i64
        );
    }
    for (name, value) in CONSTS {
        match c.get(&format!("const {name}")) {
            Some(v) => assert_eq!(v, value, "{name}"),
            None => assert!(!REQUIRED.contains(name), "the C headers lack {name}"),
        }
    }
    for (name, flag) in PREFS {
        assert_eq!(
            get(&format!("const {name}")),
            i64::from(flag.bits()),
            "{name}"
        );
    }
    for (name, mode) in PMTU6 {
        assert_eq!(
            get(&format!("const {name}")),
            i64::from(mode.value()),
            "{name}"
        );
        assert_eq!(mode.name6(), *name);
    }
    // Every option constant is named back at its level (the cmsg-only names excepted).
    for (name, value) in CONSTS {
        if name.starts_with("IPV6_")
            && !["IPV6_JOIN_GROUP", "IPV6_LEAVE_GROUP", "IPV6_ORIGDSTADDR"].contains(name)
        {
            assert_eq!(
                option_name(IPPROTO_IPV6, *value as i32),
                Some(*name),
                "{name}"
            );
        }
    }
}

#[test]
fn structures_written_in_c_read_back() {
    let lines = run_c();

    let sin6 = cprog::hex_line(&lines, "sample.sockaddr_in6");
    assert_eq!(
        SockaddrIn6::parse(&sin6).unwrap(),
        SocketAddrV6::new("fe80::1".parse().unwrap(), 53, 0x0ab1_2345, 3)
    );
    assert_eq!(SockaddrIn6::read(&sin6).unwrap().traffic_class(), 0xab);

    let gsr = cprog::hex_line(&lines, "sample.group_source_req");
    let opt = decode(IPPROTO_IPV6, MCAST_JOIN_SOURCE_GROUP, &gsr).unwrap();
    assert_eq!(
        opt.to_string(),
        "MCAST_JOIN_SOURCE_GROUP group=ff05::1:3 source=2001:db8::5 ifindex=2"
    );
    let req = GroupSourceReq::ref_from_prefix(&gsr).unwrap();
    let ours = GroupSourceReq::new(
        2,
        "[ff05::1:3]:0".parse().unwrap(),
        "[2001:db8::5]:0".parse().unwrap(),
    );
    assert_eq!(*req, ours);

    let gf = cprog::hex_line(&lines, "sample.group_filter");
    let filter = GroupFilter::parse(&gf).unwrap();
    assert_eq!(filter.mode(), Some(FilterMode::Exclude));
    let sources: Vec<_> = filter.sources().map(|s| s.ip().unwrap()).collect();
    assert_eq!(
        sources,
        [
            "198.51.100.1".parse::<IpAddr>().unwrap(),
            "198.51.100.2".parse().unwrap()
        ]
    );
    assert!(matches!(filter.group(), SockaddrRef::In(_)));
    assert!(decode(IPPROTO_IP, MCAST_MSFILTER, &gf).is_ok());
    let mut ours = vec![0u8; gf.len()];
    GroupFilter::emit(
        2,
        "232.1.1.1:0".parse().unwrap(),
        FilterMode::Exclude,
        &sources,
        &mut ours,
    )
    .unwrap();
    assert_eq!(ours, gf, "GroupFilter::emit vs C");

    let msf = cprog::hex_line(&lines, "sample.ip_msfilter");
    let m = IpMsfilter::parse(&msf).unwrap();
    assert_eq!(
        m.to_string(),
        "group=232.1.1.1 interface=192.0.2.1 mode=include sources=[198.51.100.1, 198.51.100.2]"
    );
    let mut ours = vec![0u8; msf.len()];
    m.emit_to(&mut ours).unwrap();
    assert_eq!(ours, msf);
}

#[test]
fn ipv6_control_buffer_matches_glibc_macros() {
    let lines = run_c();
    let glibc = cprog::hex_line(&lines, "cmsgbuf");
    let mut ours = [0u8; 256];
    let mut w = CmsgWriter::new(&mut ours);
    let pi = In6Pktinfo::new(2, "2001:db8::2".parse::<Ipv6Addr>().unwrap());
    w.pktinfo6(&pi).unwrap();
    w.push_cmsg(&Cmsg::HopLimit(64)).unwrap();
    w.push_cmsg(&Cmsg::TrafficClass(0xb8)).unwrap();
    let n = w.len();
    assert_eq!(&ours[..n], &glibc[..], "CmsgWriter vs glibc CMSG_* macros");
    let walked: Vec<_> = cmsgs(&glibc).map(Result::unwrap).collect();
    assert_eq!(
        walked,
        [
            Cmsg::PktInfo6(&pi),
            Cmsg::HopLimit(64),
            Cmsg::TrafficClass(0xb8)
        ]
    );
}

#[test]
fn constants_and_sizes_match_the_libc_crate() {
    let pairs: &[(&str, i32, i32)] = &[
        ("IPPROTO_IPV6", IPPROTO_IPV6, libc::IPPROTO_IPV6),
        ("SOL_IPV6", SOL_IPV6, libc::SOL_IPV6),
        ("IPV6_UNICAST_IF", IPV6_UNICAST_IF, libc::IPV6_UNICAST_IF),
        (
            "IPV6_MULTICAST_IF",
            IPV6_MULTICAST_IF,
            libc::IPV6_MULTICAST_IF,
        ),
        (
            "IPV6_ADD_MEMBERSHIP",
            IPV6_ADD_MEMBERSHIP,
            libc::IPV6_ADD_MEMBERSHIP,
        ),
        (
            "IPV6_DROP_MEMBERSHIP",
            IPV6_DROP_MEMBERSHIP,
            libc::IPV6_DROP_MEMBERSHIP,
        ),
        ("IPV6_V6ONLY", IPV6_V6ONLY, libc::IPV6_V6ONLY),
        ("IPV6_RECVPKTINFO", IPV6_RECVPKTINFO, libc::IPV6_RECVPKTINFO),
        ("IPV6_PKTINFO", IPV6_PKTINFO, libc::IPV6_PKTINFO),
        ("IPV6_RECVERR", IPV6_RECVERR, libc::IPV6_RECVERR),
        ("IPV6_TCLASS", IPV6_TCLASS, libc::IPV6_TCLASS),
        (
            "IPV6_MTU_DISCOVER",
            IPV6_MTU_DISCOVER,
            libc::IPV6_MTU_DISCOVER,
        ),
        (
            "IPV6_MULTICAST_HOPS",
            IPV6_MULTICAST_HOPS,
            libc::IPV6_MULTICAST_HOPS,
        ),
        (
            "IPV6_MULTICAST_LOOP",
            IPV6_MULTICAST_LOOP,
            libc::IPV6_MULTICAST_LOOP,
        ),
        (
            "IPV6_MULTICAST_ALL",
            IPV6_MULTICAST_ALL,
            libc::IPV6_MULTICAST_ALL,
        ),
        ("IPV6_FREEBIND", IPV6_FREEBIND, libc::IPV6_FREEBIND),
        ("IPV6_TRANSPARENT", IPV6_TRANSPARENT, libc::IPV6_TRANSPARENT),
        ("IPV6_HOPLIMIT", IPV6_HOPLIMIT, libc::IPV6_HOPLIMIT),
        ("IPV6_ORIGDSTADDR", IPV6_ORIGDSTADDR, libc::IPV6_ORIGDSTADDR),
        ("MCAST_JOIN_GROUP", MCAST_JOIN_GROUP, libc::MCAST_JOIN_GROUP),
        ("MCAST_MSFILTER", MCAST_MSFILTER, libc::MCAST_MSFILTER),
    ];
    for (name, ours, theirs) in pairs {
        assert_eq!(ours, theirs, "{name}");
    }
    assert_eq!(size_of::<SockaddrIn6>(), size_of::<libc::sockaddr_in6>());
    assert_eq!(size_of::<In6Addr>(), size_of::<libc::in6_addr>());
    assert_eq!(size_of::<Ipv6Mreq>(), size_of::<libc::ipv6_mreq>());
    assert_eq!(size_of::<In6Pktinfo>(), size_of::<libc::in6_pktinfo>());
    assert_eq!(
        size_of::<SockaddrStorage>(),
        size_of::<libc::sockaddr_storage>()
    );
    assert_eq!(MCAST_INCLUDE as i32, libc::MCAST_INCLUDE);
    assert_eq!(MCAST_EXCLUDE as i32, libc::MCAST_EXCLUDE);
}
