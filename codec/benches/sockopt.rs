//! Socket-option decoding and control-message walking against their floors: a raw
//! `read_unaligned` of the libc struct, and a `CMSG_FIRSTHDR`/`CMSG_NXTHDR`/`CMSG_DATA` loop.
//!
//! Criterion reports each subject; the interleaved ratio table (target 1.2x) is printed at the
//! end and not asserted.

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;
use std::net::Ipv4Addr;
use std::time::Duration;

use criterion::Criterion;

use sockabi::cmsg::{cmsgs, Cmsg, CmsgWriter};
use sockabi::exterr::{RecvErr, RecvErr6, SockExtendedErr};
use sockabi::mreq::{IpMreqSource, IpMreqn, Ipv6Mreq};
use sockabi::pktinfo::{In6Pktinfo, InPktinfo};
use sockabi::sockopt::{self, decode, SockOpt};
use sockabi::{SockaddrIn, SockaddrIn6};

/// Inputs shared by criterion and the ratio table.
struct Inputs {
    mreqn: [u8; 12],
    mreq_source: [u8; 12],
    ifreq: [u8; 40],
    ttl: [u8; 4],
    pktinfo: [u8; 12],
    recverr: [u8; 32],
    control: Vec<u8>,
    ipv6_mreq: [u8; 20],
    unicast_if: [u8; 4],
    pktinfo6: [u8; 20],
    recverr6: [u8; 44],
}

fn inputs() -> Inputs {
    let mut mreqn = [0u8; 12];
    IpMreqn::new(Ipv4Addr::new(239, 1, 2, 3), Ipv4Addr::UNSPECIFIED, 3)
        .emit(&mut mreqn)
        .unwrap();
    let mut mreq_source = [0u8; 12];
    IpMreqSource::new(
        Ipv4Addr::new(232, 1, 1, 1),
        Ipv4Addr::new(192, 0, 2, 1),
        Ipv4Addr::new(198, 51, 100, 7),
    )
    .emit(&mut mreq_source)
    .unwrap();
    let mut ifreq = [0u8; 40];
    ifreq[..5].copy_from_slice(b"eth1\0");
    let mut pktinfo = [0u8; 12];
    let info = InPktinfo::new(2, Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 9));
    info.emit(&mut pktinfo).unwrap();
    let mut recverr = [0u8; 32];
    let ee = SockExtendedErr {
        ee_errno: 113u32.into(),
        ee_origin: 2,
        ..Default::default()
    };
    RecvErr::new(ee, Some("198.51.100.1:0".parse().unwrap()))
        .emit(&mut recverr)
        .unwrap();
    // 4 KiB of alternating IP_PKTINFO (32 bytes) and IP_TTL (24 bytes) messages.
    let mut control = vec![0u8; 4096];
    let mut w = CmsgWriter::new(&mut control);
    let mut i = 0;
    loop {
        let r = if i % 2 == 0 {
            w.pktinfo(&info)
        } else {
            w.push_cmsg(&Cmsg::Ttl(64))
        };
        if r.is_err() {
            break;
        }
        i += 1;
    }
    let n = w.len();
    control.truncate(n);
    let mut ipv6_mreq = [0u8; 20];
    Ipv6Mreq::new("ff05::1:3".parse().unwrap(), 3)
        .emit(&mut ipv6_mreq)
        .unwrap();
    let mut pktinfo6 = [0u8; 20];
    In6Pktinfo::new(2, "2001:db8::2".parse().unwrap())
        .emit(&mut pktinfo6)
        .unwrap();
    let mut recverr6 = [0u8; 44];
    RecvErr6::new(ee, Some("[2001:db8::9]:0".parse().unwrap()))
        .emit(&mut recverr6)
        .unwrap();
    Inputs {
        mreqn,
        mreq_source,
        ifreq,
        ttl: 64i32.to_ne_bytes(),
        pktinfo,
        recverr,
        control,
        ipv6_mreq,
        unicast_if: 3u32.to_be_bytes(),
        pktinfo6,
        recverr6,
    }
}

/// The small results the subjects hand to `black_box`, like the floors' single fields.
fn ifindex_of(opt: SockOpt<'_>) -> u32 {
    opt.ifindex().unwrap_or(0)
}

fn source_of(opt: SockOpt<'_>) -> Option<Ipv4Addr> {
    match opt {
        SockOpt::SourceMembership { source, .. } => Some(source),
        _ => None,
    }
}

fn ttl_of(opt: SockOpt<'_>) -> Option<u8> {
    match opt {
        SockOpt::Ttl(t) => t,
        _ => None,
    }
}

/// Ours: the typed walk, summing interface indexes and TTLs.
fn walk_ours(control: &[u8]) -> i64 {
    let mut sum = 0i64;
    for c in cmsgs(control).flatten() {
        match c {
            Cmsg::PktInfo(p) => sum += i64::from(p.ifindex()),
            Cmsg::Ttl(t) => sum += i64::from(t),
            _ => {}
        }
    }
    sum
}

/// Floor: the C idiom with the libc crate's macros (no length checks beyond theirs).
fn walk_libc(control: &[u8]) -> i64 {
    let mut sum = 0i64;
    // SAFETY: the control buffer is read only through the macros, which stay inside
    // `msg_controllen` for well-formed input such as this one; the Vec's allocation is 8-aligned.
    unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_control = control.as_ptr() as *mut libc::c_void;
        msg.msg_controllen = control.len();
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            let data = libc::CMSG_DATA(c);
            if (*c).cmsg_level == libc::IPPROTO_IP && (*c).cmsg_type == libc::IP_PKTINFO {
                let p = std::ptr::read_unaligned(data as *const libc::in_pktinfo);
                sum += i64::from(p.ipi_ifindex);
            } else if (*c).cmsg_level == libc::IPPROTO_IP && (*c).cmsg_type == libc::IP_TTL {
                sum += i64::from(std::ptr::read_unaligned(data as *const libc::c_int));
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
    }
    sum
}

/// `(name, subject, floor)` pairs, so criterion and the table measure the same closures.
macro_rules! pairs {
    ($inp:ident; $( $name:literal => $subject:expr, $floor:expr; )*) => {
        fn criterion_benches(c: &mut Criterion, $inp: &Inputs) {
            $(
                c.bench_function(concat!($name, "/sockabi"), |b| b.iter(|| $subject));
                c.bench_function(concat!($name, "/floor"), |b| b.iter(|| $floor));
            )*
        }

        fn ratio_rows($inp: &Inputs) -> Vec<common::Ratio> {
            vec![$( common::measure($name, || $subject, || $floor), )*]
        }
    };
}

// SAFETY (floors): each `read_unaligned` reads a libc struct from an array at least as large.
pairs! { inp;
    "IP_ADD_MEMBERSHIP ip_mreqn" =>
        ifindex_of(decode(black_box(sockopt::IPPROTO_IP), black_box(sockopt::IP_ADD_MEMBERSHIP), black_box(&inp.mreqn)).unwrap()),
        unsafe { std::ptr::read_unaligned(black_box(&inp.mreqn).as_ptr() as *const libc::ip_mreqn) }.imr_ifindex;
    "IP_MULTICAST_IF ip_mreqn" =>
        ifindex_of(decode(black_box(sockopt::IPPROTO_IP), black_box(sockopt::IP_MULTICAST_IF), black_box(&inp.mreqn)).unwrap()),
        unsafe { std::ptr::read_unaligned(black_box(&inp.mreqn).as_ptr() as *const libc::ip_mreqn) }.imr_ifindex;
    "IP_ADD_SOURCE_MEMBERSHIP" =>
        source_of(decode(black_box(sockopt::IPPROTO_IP), black_box(sockopt::IP_ADD_SOURCE_MEMBERSHIP), black_box(&inp.mreq_source)).unwrap()),
        unsafe { std::ptr::read_unaligned(black_box(&inp.mreq_source).as_ptr() as *const libc::ip_mreq_source) }.imr_sourceaddr.s_addr;
    "SO_BINDTODEVICE ifreq" =>
        decode(black_box(sockopt::SOL_SOCKET), black_box(sockopt::SO_BINDTODEVICE), black_box(&inp.ifreq)).unwrap().ifname(),
        {
            let mut name = [0u8; 16];
            name[..15].copy_from_slice(&black_box(&inp.ifreq)[..15]);
            name
        };
    "IP_TTL int" =>
        ttl_of(decode(black_box(sockopt::IPPROTO_IP), black_box(sockopt::IP_TTL), black_box(&inp.ttl)).unwrap()),
        unsafe { std::ptr::read_unaligned(black_box(&inp.ttl).as_ptr() as *const libc::c_int) };
    "in_pktinfo view" =>
        InPktinfo::ref_from_prefix(black_box(&inp.pktinfo)).unwrap().ifindex(),
        unsafe { std::ptr::read_unaligned(black_box(&inp.pktinfo).as_ptr() as *const libc::in_pktinfo) }.ipi_ifindex;
    "IP_RECVERR payload" =>
        RecvErr::parse(black_box(&inp.recverr)).unwrap().offender(),
        unsafe {
            let p = black_box(&inp.recverr).as_ptr();
            (
                std::ptr::read_unaligned(p as *const libc::sock_extended_err).ee_errno,
                std::ptr::read_unaligned(p.add(16) as *const libc::sockaddr_in).sin_addr.s_addr,
            )
        };
    "ip_mreqn view" =>
        IpMreqn::ref_from_prefix(black_box(&inp.mreqn)).unwrap().ifindex(),
        unsafe { std::ptr::read_unaligned(black_box(&inp.mreqn).as_ptr() as *const libc::ip_mreqn) }.imr_ifindex;
    "ip_mreq_source view" =>
        IpMreqSource::ref_from_prefix(black_box(&inp.mreq_source)).unwrap().source(),
        unsafe { std::ptr::read_unaligned(black_box(&inp.mreq_source).as_ptr() as *const libc::ip_mreq_source) }.imr_sourceaddr.s_addr;
    "sock_extended_err view" =>
        SockExtendedErr::ref_from_prefix(black_box(&inp.recverr)).unwrap().errno(),
        unsafe { std::ptr::read_unaligned(black_box(&inp.recverr).as_ptr() as *const libc::sock_extended_err) }.ee_errno;
    "sockaddr_in view" =>
        SockaddrIn::ref_from_prefix(black_box(&inp.recverr[16..])).unwrap().port(),
        unsafe { std::ptr::read_unaligned(black_box(&inp.recverr[16..]).as_ptr() as *const libc::sockaddr_in) }.sin_port;
    "IPV6_ADD_MEMBERSHIP ipv6_mreq" =>
        ifindex_of(decode(black_box(sockopt::IPPROTO_IPV6), black_box(sockopt::IPV6_ADD_MEMBERSHIP), black_box(&inp.ipv6_mreq)).unwrap()),
        unsafe { std::ptr::read_unaligned(black_box(&inp.ipv6_mreq).as_ptr() as *const libc::ipv6_mreq) }.ipv6mr_interface;
    "IPV6_UNICAST_IF int" =>
        ifindex_of(decode(black_box(sockopt::IPPROTO_IPV6), black_box(sockopt::IPV6_UNICAST_IF), black_box(&inp.unicast_if)).unwrap()),
        u32::from_be(unsafe { std::ptr::read_unaligned(black_box(&inp.unicast_if).as_ptr() as *const u32) });
    "in6_pktinfo view" =>
        In6Pktinfo::ref_from_prefix(black_box(&inp.pktinfo6)).unwrap().ifindex(),
        unsafe { std::ptr::read_unaligned(black_box(&inp.pktinfo6).as_ptr() as *const libc::in6_pktinfo) }.ipi6_ifindex;
    "sockaddr_in6 view" =>
        SockaddrIn6::ref_from_prefix(black_box(&inp.recverr6[16..])).unwrap().scope_id(),
        unsafe { std::ptr::read_unaligned(black_box(&inp.recverr6[16..]).as_ptr() as *const libc::sockaddr_in6) }.sin6_scope_id;
    "IPV6_RECVERR payload" =>
        RecvErr6::parse(black_box(&inp.recverr6)).unwrap().offender(),
        unsafe {
            let p = black_box(&inp.recverr6).as_ptr();
            (
                std::ptr::read_unaligned(p as *const libc::sock_extended_err).ee_errno,
                std::ptr::read_unaligned(p.add(16) as *const libc::sockaddr_in6).sin6_addr.s6_addr,
            )
        };
    "cmsg walk 4 KiB PKTINFO/TTL" =>
        walk_ours(black_box(&inp.control)),
        walk_libc(black_box(&inp.control));
}

fn main() {
    let inp = inputs();
    assert_eq!(walk_ours(&inp.control), walk_libc(&inp.control));
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(800))
        .sample_size(20)
        .configure_from_args();
    criterion_benches(&mut c, &inp);
    c.final_summary();
    // Views (and the cmsg walk) are what "decode" means for a zero-copy codec: they must stay
    // within 1.2x of a raw read. `sockopt::decode` also applies the kernel's acceptance rules
    // (lengths, ranges, name validation) that a raw read skips, so it is shown on its own.
    let (views, semantic): (Vec<_>, Vec<_>) = ratio_rows(&inp)
        .into_iter()
        .partition(|r| r.name.ends_with("view") || r.name.starts_with("cmsg walk"));
    common::print_table(
        "zero-copy views and the cmsg walk vs raw reads",
        &views,
        Some(1.2),
    );
    common::print_table(
        "sockopt::decode (validates like the kernel) vs raw reads",
        &semantic,
        None,
    );
}
