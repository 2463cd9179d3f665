//! The control-message walk and writer: framing errors, typed payload checks, display.

extern crate std;

use super::*;
use crate::exterr::RecvErr;
use crate::sockopt::{IP_PKTINFO, IP_TOS, IP_TTL};
use core::net::Ipv4Addr;
use std::vec::Vec;

fn header(len: u64, level: i32, kind: i32) -> [u8; 16] {
    let mut h = [0u8; 16];
    h[..8].copy_from_slice(&len.to_ne_bytes());
    h[8..12].copy_from_slice(&level.to_ne_bytes());
    h[12..].copy_from_slice(&kind.to_ne_bytes());
    h
}

#[test]
fn empty_and_short_buffers_have_no_messages() {
    assert!(raw_cmsgs(&[]).next().is_none());
    assert!(raw_cmsgs(&[0u8; 15]).next().is_none());
}

#[test]
fn cmsg_len_below_header_is_one_error_then_end() {
    let mut buf = [0u8; 48];
    buf[..16].copy_from_slice(&header(15, 0, 8));
    let items: Vec<_> = raw_cmsgs(&buf).collect();
    assert_eq!(items.len(), 1);
    assert!(matches!(
        items[0],
        Err(Error::BadHeaderLength {
            len: 15,
            available: 48,
            ..
        })
    ));
}

#[test]
fn cmsg_len_zero_does_not_loop() {
    let items: Vec<_> = raw_cmsgs(&[0u8; 64]).collect();
    assert_eq!(items.len(), 1);
    assert!(items[0].is_err());
}

#[test]
fn cmsg_len_past_end_is_one_error_then_end() {
    let mut buf = [0u8; 32];
    buf[..16].copy_from_slice(&header(33, 0, 8));
    let items: Vec<_> = raw_cmsgs(&buf).collect();
    assert_eq!(items.len(), 1);
    assert!(items[0].is_err());
}

#[test]
fn huge_cmsg_len_is_error_not_overflow() {
    let mut buf = [0u8; 32];
    buf[..16].copy_from_slice(&header(u64::MAX, 0, 8));
    assert!(raw_cmsgs(&buf).next().unwrap().is_err());
}

#[test]
fn second_message_lying_after_good_one() {
    let mut buf = [0u8; 48];
    buf[..16].copy_from_slice(&header(20, 0, IP_TTL));
    buf[16..20].copy_from_slice(&64i32.to_ne_bytes());
    buf[24..40].copy_from_slice(&header(100, 0, 8));
    let items: Vec<_> = cmsgs(&buf).collect();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0], Ok(Cmsg::Ttl(64)));
    assert!(items[1].is_err());
}

#[test]
fn unaligned_last_message_that_fits_is_yielded() {
    // cmsg_len 17 (one TOS byte) with exactly 17 bytes: the data is there.
    let mut buf = [0u8; 17];
    buf[..16].copy_from_slice(&header(17, 0, IP_TOS));
    buf[16] = 0x10;
    let items: Vec<_> = cmsgs(&buf).collect();
    assert_eq!(items, [Ok(Cmsg::Tos(0x10))]);
}

#[test]
fn wrong_payload_size_is_error_but_walk_continues() {
    let mut w_buf = [0u8; 64];
    let mut w = CmsgWriter::new(&mut w_buf);
    w.push(0, IP_PKTINFO, &[1, 2, 3]).unwrap();
    w.push_cmsg(&Cmsg::Ttl(5)).unwrap();
    let n = w.len();
    let items: Vec<_> = cmsgs(&w_buf[..n]).collect();
    assert!(matches!(items[0], Err(Error::BadLength { len: 3, .. })));
    assert_eq!(items[1], Ok(Cmsg::Ttl(5)));
}

#[test]
fn tos_as_int_is_accepted() {
    let mut b = [0u8; 64];
    let mut w = CmsgWriter::new(&mut b);
    w.push(0, IP_TOS, &0x20i32.to_ne_bytes()).unwrap();
    w.push(0, IP_TOS, &300i32.to_ne_bytes()).unwrap();
    let n = w.len();
    let items: Vec<_> = cmsgs(&b[..n]).collect();
    assert_eq!(items[0], Ok(Cmsg::Tos(0x20)));
    assert!(matches!(items[1], Err(Error::Invalid { .. })));
}

#[test]
fn recverr_offender_by_family() {
    let mut b = [0u8; 64];
    let mut w = CmsgWriter::new(&mut b);
    let ee = crate::exterr::SockExtendedErr {
        ee_errno: 90u32.into(),
        ee_origin: crate::exterr::SO_EE_ORIGIN_LOCAL,
        ..Default::default()
    };
    w.push_cmsg(&Cmsg::RecvErr(RecvErr::new(ee, None))).unwrap();
    assert_eq!(w.len(), 48);
    let n = w.len();
    match cmsgs(&b[..n]).next() {
        Some(Ok(Cmsg::RecvErr(e))) => {
            assert_eq!(e.ee.errno(), 90);
            assert_eq!(e.offender(), None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn writer_full_is_error_and_writes_nothing() {
    let mut b = [0u8; 31];
    let mut w = CmsgWriter::new(&mut b);
    let info = InPktinfo::new(1, Ipv4Addr::LOCALHOST, Ipv4Addr::LOCALHOST);
    assert!(matches!(
        w.pktinfo(&info),
        Err(Error::BufferTooSmall {
            needed: 32,
            got: 31,
            ..
        })
    ));
    assert!(w.is_empty());
}

#[test]
fn display() {
    let info = InPktinfo::new(2, Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 9));
    assert_eq!(
        std::format!("{}", Cmsg::PktInfo(&info)),
        "IP_PKTINFO ifindex=2 spec_dst=192.0.2.1 addr=192.0.2.9"
    );
    assert_eq!(std::format!("{}", Cmsg::Ttl(64)), "IP_TTL 64");
    let unknown = Cmsg::Unknown {
        level: 1,
        kind: 1,
        data: &[0; 4],
    };
    assert_eq!(std::format!("{unknown}"), "SOL_SOCKET/1 (4 bytes)");
}

#[test]
fn ipv6_messages_round_trip_and_display() {
    use crate::exterr::{RecvErr6, SockExtendedErr, SO_EE_ORIGIN_ICMP6};
    use crate::mtuinfo::Ip6Mtuinfo;
    use crate::SockaddrIn6;
    use core::net::SocketAddrV6;

    let info = In6Pktinfo::new(2, "2001:db8::2".parse().unwrap());
    let dst = SockaddrIn6::new(SocketAddrV6::new("2001:db8::1".parse().unwrap(), 53, 0, 0));
    let ee = SockExtendedErr {
        ee_errno: 111u32.into(),
        ee_origin: SO_EE_ORIGIN_ICMP6,
        ee_type: 1,
        ee_code: 4,
        ..Default::default()
    };
    let from = SocketAddrV6::new("fe80::9".parse().unwrap(), 0, 0, 3);
    let mtu = Ip6Mtuinfo::new(dst, 1280);
    let all = [
        Cmsg::PktInfo6(&info),
        Cmsg::HopLimit(64),
        Cmsg::TrafficClass(0xb8),
        Cmsg::OrigDstAddr6(&dst),
        Cmsg::RecvErr6(RecvErr6::new(ee, Some(from))),
        Cmsg::PathMtu(&mtu),
    ];
    let mut buf = [0u8; 512];
    let mut w = CmsgWriter::new(&mut buf);
    for c in &all {
        w.push_cmsg(c).unwrap();
    }
    let n = w.len();
    let back: Vec<_> = cmsgs(&buf[..n]).map(Result::unwrap).collect();
    assert_eq!(back, all);
    let shown: Vec<_> = back.iter().map(std::string::ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "IPV6_PKTINFO ifindex=2 addr=2001:db8::2",
            "IPV6_HOPLIMIT 64",
            "IPV6_TCLASS 0xb8",
            "IPV6_ORIGDSTADDR [2001:db8::1]:53",
            "IPV6_RECVERR errno=111 origin=SO_EE_ORIGIN_ICMP6 type=1 code=4 info=0 offender=fe80::9%3",
            "IPV6_PATHMTU mtu=1280 addr=[2001:db8::1]:53",
        ]
    );
    assert_eq!(back[0].ifindex(), Some(2));
}

#[test]
fn ipv6_payload_sizes_follow_the_kernel() {
    use crate::sockopt::{
        IPPROTO_IPV6, IPV6_HOPLIMIT, IPV6_ORIGDSTADDR, IPV6_PKTINFO, IPV6_TCLASS,
    };
    let mut b = [0u8; 256];
    let mut w = CmsgWriter::new(&mut b);
    // sendmsg accepts an in6_pktinfo with trailing bytes (cmsg_len < CMSG_LEN(20) is the check).
    w.push(IPPROTO_IPV6, IPV6_PKTINFO, &[0; 24]).unwrap();
    w.push(IPPROTO_IPV6, IPV6_PKTINFO, &[0; 19]).unwrap();
    w.push(IPPROTO_IPV6, IPV6_HOPLIMIT, &[64]).unwrap();
    w.push(IPPROTO_IPV6, IPV6_HOPLIMIT, &256i32.to_ne_bytes())
        .unwrap();
    w.push(IPPROTO_IPV6, IPV6_TCLASS, &(-1i32).to_ne_bytes())
        .unwrap();
    w.push(IPPROTO_IPV6, IPV6_ORIGDSTADDR, &[0; 16]).unwrap();
    let n = w.len();
    let items: Vec<_> = cmsgs(&b[..n]).collect();
    assert!(matches!(items[0], Ok(Cmsg::PktInfo6(_))));
    assert!(matches!(items[1], Err(Error::BadLength { len: 19, .. })));
    assert!(matches!(items[2], Err(Error::BadLength { len: 1, .. })));
    assert!(matches!(items[3], Err(Error::Invalid { .. })));
    assert_eq!(items[4], Ok(Cmsg::TrafficClass(-1)));
    assert!(matches!(items[5], Err(Error::BadLength { len: 16, .. })));
}
