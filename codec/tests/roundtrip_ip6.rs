//! Property tests for the IPv6 and family-generic types: emit-then-parse gives every value
//! back, decoding and walking arbitrary bytes never panics, and the variable-length filters
//! never read past the length they were given.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};

use proptest::prelude::*;
use zerocopy::IntoBytes;

use sockabi::addr::{In6Addr, SockaddrRef, SockaddrStorage};
use sockabi::cmsg::{cmsgs, Cmsg, CmsgWriter};
use sockabi::exterr::{RecvErr6, SockExtendedErr};
use sockabi::group::{GroupReq, GroupSourceReq};
use sockabi::ifreq::In6Ifreq;
use sockabi::mreq::Ipv6Mreq;
use sockabi::msfilter::{group_filter_size, ip_msfilter_size, FilterMode, GroupFilter, IpMsfilter};
use sockabi::mtuinfo::Ip6Mtuinfo;
use sockabi::pktinfo::In6Pktinfo;
use sockabi::sockopt::{self, decode, MembershipOp, SockOpt, SourceOp, SrcPrefs};
use sockabi::SockaddrIn6;

fn ipv6() -> impl Strategy<Value = Ipv6Addr> {
    any::<[u8; 16]>().prop_map(Ipv6Addr::from)
}

fn multicast6() -> impl Strategy<Value = Ipv6Addr> {
    (any::<u8>(), any::<[u8; 14]>()).prop_map(|(scope, rest)| {
        let mut o = [0u8; 16];
        o[0] = 0xff;
        o[1] = scope;
        o[2..].copy_from_slice(&rest);
        Ipv6Addr::from(o)
    })
}

fn multicast4() -> impl Strategy<Value = Ipv4Addr> {
    (224u8..=239, any::<[u8; 3]>()).prop_map(|(a, [b, c, d])| Ipv4Addr::new(a, b, c, d))
}

fn sockaddr6() -> impl Strategy<Value = SocketAddrV6> {
    (ipv6(), any::<u16>(), any::<u32>(), any::<u32>())
        .prop_map(|(ip, port, flow, scope)| SocketAddrV6::new(ip, port, flow, scope))
}

fn socket_addr() -> impl Strategy<Value = SocketAddr> {
    prop_oneof![
        (any::<[u8; 4]>(), any::<u16>()).prop_map(|(a, p)| SocketAddr::from((a, p))),
        sockaddr6().prop_map(SocketAddr::V6),
    ]
}

/// A group and a source of the same family, the group multicast, and the matching level.
fn group_and_source() -> impl Strategy<Value = (i32, IpAddr, IpAddr)> {
    prop_oneof![
        (multicast4(), any::<[u8; 4]>()).prop_map(|(g, s)| (
            sockopt::IPPROTO_IP,
            IpAddr::V4(g),
            IpAddr::V4(s.into())
        )),
        (multicast6(), ipv6()).prop_map(|(g, s)| (
            sockopt::IPPROTO_IPV6,
            IpAddr::V6(g),
            IpAddr::V6(s)
        )),
    ]
}

fn source_op() -> impl Strategy<Value = SourceOp> {
    prop::sample::select(
        &[
            SourceOp::AddMembership,
            SourceOp::DropMembership,
            SourceOp::Block,
            SourceOp::Unblock,
        ][..],
    )
}

fn membership_op() -> impl Strategy<Value = MembershipOp> {
    prop_oneof![Just(MembershipOp::Add), Just(MembershipOp::Drop)]
}

fn index() -> impl Strategy<Value = u32> {
    0u32..=i32::MAX as u32
}

fn hops() -> impl Strategy<Value = Option<u8>> {
    proptest::option::of(any::<u8>())
}

/// Every IPv6 and `MCAST_*` `SockOpt` that `decode` can produce, except the filters (their own
/// property below) and `Other`.
fn sockopt6() -> impl Strategy<Value = SockOpt<'static>> {
    prop_oneof![
        index().prop_map(SockOpt::Ipv6UnicastIf),
        index().prop_map(SockOpt::Ipv6MulticastIf),
        (membership_op(), multicast6(), index())
            .prop_map(|(op, group, ifindex)| { SockOpt::Ipv6Membership { op, group, ifindex } }),
        (any::<i32>(), ipv6()).prop_map(|(ifindex, addr)| SockOpt::Ipv6PktInfo { ifindex, addr }),
        hops().prop_map(SockOpt::TrafficClass),
        hops().prop_map(SockOpt::UnicastHops),
        hops().prop_map(SockOpt::MulticastHops),
        (0i32..=5)
            .prop_map(|v| SockOpt::Ipv6MtuDiscover(sockopt::PmtuMode::from_value(v).unwrap())),
        (0usize..4, 0usize..3, 0usize..3, any::<u16>()).prop_map(|(a, b, c, junk)| {
            let pick = |i: usize, f: &[SrcPrefs]| f.get(i).copied().unwrap_or(SrcPrefs::empty());
            let p = pick(
                a,
                &[SrcPrefs::PUBLIC, SrcPrefs::TMP, SrcPrefs::PUBTMP_DEFAULT],
            ) | pick(b, &[SrcPrefs::HOME, SrcPrefs::COA])
                | pick(c, &[SrcPrefs::CGA, SrcPrefs::NONCGA])
                | SrcPrefs::from_bits_retain(u32::from(junk) << 16);
            SockOpt::AddrPreferences(p)
        }),
        (group_and_source(), membership_op(), index()).prop_map(
            |((level, group, _), op, ifindex)| {
                SockOpt::McastGroup {
                    level,
                    op,
                    ifindex,
                    group,
                }
            }
        ),
        (group_and_source(), source_op(), index()).prop_map(
            |((level, group, source), op, ifindex)| {
                SockOpt::McastSource {
                    level,
                    op,
                    ifindex,
                    group,
                    source,
                }
            }
        ),
        (
            prop::sample::select(
                &[
                    sockopt::IPV6_V6ONLY,
                    sockopt::IPV6_RECVPKTINFO,
                    sockopt::IPV6_RECVERR,
                    sockopt::IPV6_FREEBIND,
                    sockopt::IPV6_TRANSPARENT,
                    sockopt::IPV6_MULTICAST_LOOP,
                    sockopt::IPV6_MULTICAST_ALL,
                    sockopt::IPV6_AUTOFLOWLABEL,
                    sockopt::IPV6_RECVORIGDSTADDR,
                ][..]
            ),
            prop::bool::ANY
        )
            .prop_map(|(optname, on)| SockOpt::Flag {
                level: sockopt::IPPROTO_IPV6,
                optname,
                on
            }),
    ]
}

/// Emits `value` with `emit`, checks the bytes and that `ref_from_prefix` reads it back.
macro_rules! struct_roundtrip {
    ($value:expr, $ty:ty) => {{
        let v: $ty = $value;
        let mut buf = [0u8; 512];
        let n = v.emit(&mut buf).unwrap();
        prop_assert_eq!(n, core::mem::size_of::<$ty>());
        prop_assert_eq!(&buf[..n], v.as_bytes());
        prop_assert_eq!(<$ty>::ref_from_prefix(&buf[..n]).unwrap(), &v);
        prop_assert!(<$ty>::ref_from_prefix(&buf[..n - 1]).is_err());
        prop_assert!(v.emit(&mut buf[..n - 1]).is_err());
    }};
}

proptest! {
    #[test]
    fn structs_emit_then_view(
        a in ipv6(), g in multicast6(), sa in sockaddr6(), any_sa in socket_addr(),
        src in socket_addr(), idx in any::<i32>(), mtu in any::<u32>(), plen in any::<u32>(),
    ) {
        struct_roundtrip!(In6Addr::from(a), In6Addr);
        struct_roundtrip!(SockaddrIn6::new(sa), SockaddrIn6);
        struct_roundtrip!(SockaddrStorage::new(any_sa), SockaddrStorage);
        struct_roundtrip!(Ipv6Mreq::new(g, idx), Ipv6Mreq);
        struct_roundtrip!(In6Pktinfo::new(idx, a), In6Pktinfo);
        struct_roundtrip!(Ip6Mtuinfo::new(SockaddrIn6::new(sa), mtu), Ip6Mtuinfo);
        struct_roundtrip!(In6Ifreq::new(a, plen, idx), In6Ifreq);
        struct_roundtrip!(GroupReq::new(mtu, any_sa), GroupReq);
        struct_roundtrip!(GroupSourceReq::new(mtu, any_sa, src), GroupSourceReq);
        prop_assert_eq!(SockaddrIn6::parse(SockaddrIn6::new(sa).as_bytes()).unwrap(), sa);
        prop_assert_eq!(SockaddrStorage::new(any_sa).addr().socket_addr(), Some(any_sa));
        prop_assert_eq!(GroupSourceReq::new(mtu, any_sa, src).source().socket_addr(), Some(src));
    }

    #[test]
    fn sockaddr_parse_arbitrary_never_panics(data in prop::collection::vec(any::<u8>(), 0..40)) {
        if let Ok(sa) = SockaddrRef::parse(&data) {
            let _ = sa.to_string();
            let needed = match sa {
                SockaddrRef::In(_) => 16,
                SockaddrRef::In6(_) => 28,
                _ => 2,
            };
            prop_assert!(data.len() >= needed);
        }
    }

    #[test]
    fn recverr6_emit_then_parse(ee in any::<[u8; 16]>(), off in proptest::option::of(sockaddr6())) {
        let ee = *SockExtendedErr::ref_from_prefix(&ee).unwrap();
        let e = RecvErr6::new(ee, off);
        let mut buf = [0u8; RecvErr6::LEN];
        prop_assert_eq!(e.emit(&mut buf).unwrap(), RecvErr6::LEN);
        let back = RecvErr6::parse(&buf).unwrap();
        prop_assert_eq!(back, e);
        prop_assert_eq!(back.offender(), off);
    }

    #[test]
    fn filters_emit_then_parse(
        group4 in multicast4(), iface in any::<[u8; 4]>(),
        v4 in prop::collection::vec(any::<[u8; 4]>(), 0..12),
        group in socket_addr(), ifindex in any::<u32>(),
        sources in prop::collection::vec(socket_addr().prop_map(|s| s.ip()), 0..6),
        include in prop::bool::ANY,
    ) {
        let mode = if include { FilterMode::Include } else { FilterMode::Exclude };
        let v4: Vec<Ipv4Addr> = v4.into_iter().map(Ipv4Addr::from).collect();
        let mut buf = vec![0u8; ip_msfilter_size(v4.len()).unwrap()];
        let n = IpMsfilter::emit(group4, iface.into(), mode, &v4, &mut buf).unwrap();
        prop_assert_eq!(n, buf.len());
        let f = IpMsfilter::parse(&buf).unwrap();
        prop_assert_eq!(f.sources().collect::<Vec<_>>(), v4.clone());
        prop_assert_eq!((f.group(), f.mode()), (group4, Some(mode)));
        prop_assert!(IpMsfilter::parse(&buf[..n - 1]).is_err());
        prop_assert!(IpMsfilter::emit(group4, iface.into(), mode, &v4, &mut buf[..n - 1]).is_err());

        let mut buf = vec![0u8; group_filter_size(sources.len()).unwrap()];
        let n = GroupFilter::emit(ifindex, group, mode, &sources, &mut buf).unwrap();
        prop_assert_eq!(n, buf.len());
        let f = GroupFilter::parse(&buf).unwrap();
        prop_assert_eq!(f.sources().map(|s| s.ip().unwrap()).collect::<Vec<_>>(), sources);
        prop_assert_eq!(f.group().socket_addr(), Some(group));
        prop_assert_eq!(f.interface(), ifindex);
        prop_assert!(GroupFilter::parse(&buf[..n - 1]).is_err());
        let mut again = vec![0u8; n];
        prop_assert_eq!(f.emit_to(&mut again).unwrap(), n);
        prop_assert_eq!(again, buf);
    }

    /// Arbitrary bytes (with a plausible `numsrc` often enough): a filter that parses never
    /// claims more than the buffer holds.
    #[test]
    fn filters_parse_arbitrary_within_bounds(
        numsrc in prop_oneof![0u32..8, any::<u32>()],
        mut data in prop::collection::vec(any::<u8>(), 0..1300),
    ) {
        if data.len() >= 16 {
            data[12..16].copy_from_slice(&numsrc.to_ne_bytes());
        }
        if let Ok(f) = IpMsfilter::parse(&data) {
            prop_assert_eq!(f.sources.len() as u32, numsrc);
            prop_assert!(f.byte_len() <= data.len());
            let _ = f.to_string();
        }
        if data.len() >= 144 {
            data[140..144].copy_from_slice(&numsrc.to_ne_bytes());
        }
        if let Ok(f) = GroupFilter::parse(&data) {
            prop_assert_eq!(f.sources.len() as u32, numsrc);
            prop_assert!(f.byte_len() <= data.len());
            prop_assert_eq!(f.sources().count() as u32, numsrc);
            let _ = f.to_string();
        }
    }

    #[test]
    fn sockopt6_emit_then_decode(opt in sockopt6()) {
        let mut buf = [0u8; 512];
        let n = opt.emit(&mut buf).unwrap();
        prop_assert_eq!(n, opt.buffer_len());
        let id = opt.option_id();
        prop_assert_eq!(decode(id.level, id.optname, &buf[..n]).unwrap(), opt);
        let _ = (opt.to_string(), opt.ip_addresses().count());
    }

    #[test]
    fn sockopt6_decode_arbitrary_never_panics_and_reemits(
        level in prop_oneof![Just(0i32), Just(41i32)],
        optname in prop_oneof![0i32..80, any::<i32>()],
        optval in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        if let Ok(opt) = decode(level, optname, &optval) {
            let _ = opt.to_string();
            let _ = (opt.ifindex(), opt.unbinds(), opt.ip_addresses().count());
            let mut buf = vec![0u8; opt.buffer_len()];
            let n = opt.emit(&mut buf).unwrap();
            prop_assert_eq!(decode(level, optname, &buf[..n]).unwrap(), opt);
        }
    }

    #[test]
    fn cmsg6_write_then_walk(
        msgs in prop::collection::vec((0u8..6, any::<i32>(), sockaddr6(), any::<[u8; 16]>()), 0..8)
    ) {
        let infos: Vec<In6Pktinfo> = msgs.iter().map(|m| In6Pktinfo::new(m.1, *m.2.ip())).collect();
        let addrs: Vec<SockaddrIn6> = msgs.iter().map(|m| SockaddrIn6::new(m.2)).collect();
        let mtus: Vec<Ip6Mtuinfo> = addrs.iter().zip(&msgs).map(|(a, m)| Ip6Mtuinfo::new(*a, m.1 as u32)).collect();
        let expected: Vec<Cmsg<'_>> = msgs
            .iter()
            .enumerate()
            .map(|(i, m)| match m.0 {
                0 => Cmsg::PktInfo6(&infos[i]),
                1 => Cmsg::HopLimit(m.1.rem_euclid(257) - 1),
                2 => Cmsg::TrafficClass(m.1.rem_euclid(257) - 1),
                3 => Cmsg::OrigDstAddr6(&addrs[i]),
                4 => Cmsg::PathMtu(&mtus[i]),
                _ => Cmsg::RecvErr6(RecvErr6::new(
                    *SockExtendedErr::ref_from_prefix(&m.3).unwrap(),
                    Some(m.2),
                )),
            })
            .collect();
        let mut buf = vec![0u8; 1024];
        let mut w = CmsgWriter::new(&mut buf);
        for c in &expected {
            w.push_cmsg(c).unwrap();
        }
        let n = w.len();
        let walked: Vec<Cmsg<'_>> = cmsgs(&buf[..n]).map(Result::unwrap).collect();
        prop_assert_eq!(&walked, &expected);
        for c in &walked {
            let _ = c.to_string();
        }
    }
}
