//! Property tests: emit-then-parse gives every value back, decoding and walking arbitrary bytes
//! never panics, and the control-message walk agrees with the libc crate's `CMSG_*` macros.

use core::net::{Ipv4Addr, SocketAddrV4};

use proptest::prelude::*;
use zerocopy::IntoBytes;

use sockabi::cmsg::{cmsgs, raw_cmsgs, Cmsg, CmsgWriter, CMSG_HDR_LEN};
use sockabi::exterr::{RecvErr, SockExtendedErr};
use sockabi::mreq::{BsdIpMreqSource, IpMreq, IpMreqSource, IpMreqn};
use sockabi::pktinfo::InPktinfo;
use sockabi::sockopt::{self, decode, ArgForm, McastInterface, SockOpt};
use sockabi::{IfName, SockaddrIn};

fn ipv4() -> impl Strategy<Value = Ipv4Addr> {
    any::<[u8; 4]>().prop_map(Ipv4Addr::from)
}

fn multicast() -> impl Strategy<Value = Ipv4Addr> {
    (224u8..=239, any::<[u8; 3]>()).prop_map(|(a, [b, c, d])| Ipv4Addr::new(a, b, c, d))
}

fn ifname() -> impl Strategy<Value = IfName> {
    "[a-zA-Z0-9_.-]{1,15}"
        .prop_filter("not . or ..", |s| s != "." && s != "..")
        .prop_map(|s| IfName::from_bytes(s.as_bytes()).unwrap())
}

fn mcast_interface(allow_index: bool) -> impl Strategy<Value = McastInterface> {
    let max = if allow_index { 3 } else { 2 };
    (0..max, ipv4(), 1u32..=i32::MAX as u32).prop_map(|(k, a, i)| match k {
        0 => McastInterface::Any,
        1 if a.is_unspecified() => McastInterface::Any,
        1 => McastInterface::Address(a),
        _ => McastInterface::Index {
            ifindex: i,
            address: a,
        },
    })
}

/// Every `SockOpt` that `decode` can produce, except `Other` (covered by the arbitrary-bytes
/// property).
fn sockopt() -> impl Strategy<Value = SockOpt<'static>> {
    prop_oneof![
        proptest::option::of(ifname()).prop_map(SockOpt::BindToDevice),
        (0u32..=i32::MAX as u32).prop_map(SockOpt::BindToIfindex),
        any::<u32>().prop_map(SockOpt::Mark),
        (0u32..=i32::MAX as u32).prop_map(SockOpt::UnicastIf),
        mcast_interface(true).prop_map(|interface| SockOpt::MulticastIf {
            interface,
            form: ArgForm::Mreqn
        }),
        (mcast_interface(false), prop::bool::ANY).prop_map(|(interface, mreq)| {
            SockOpt::MulticastIf {
                interface,
                form: if mreq { ArgForm::Mreq } else { ArgForm::InAddr },
            }
        }),
        (multicast(), mcast_interface(true), prop::bool::ANY).prop_map(
            |(group, interface, add)| {
                SockOpt::Membership {
                    op: if add {
                        sockopt::MembershipOp::Add
                    } else {
                        sockopt::MembershipOp::Drop
                    },
                    group,
                    interface,
                    form: ArgForm::Mreqn,
                }
            }
        ),
        (multicast(), mcast_interface(false)).prop_map(|(group, interface)| {
            SockOpt::Membership {
                op: sockopt::MembershipOp::Add,
                group,
                interface,
                form: ArgForm::Mreq,
            }
        }),
        (0usize..4, multicast(), ipv4(), ipv4()).prop_map(|(k, group, interface, source)| {
            SockOpt::SourceMembership {
                op: [
                    sockopt::SourceOp::AddMembership,
                    sockopt::SourceOp::DropMembership,
                    sockopt::SourceOp::Block,
                    sockopt::SourceOp::Unblock,
                ][k],
                group,
                interface,
                source,
            }
        }),
        proptest::option::of(1u8..=255).prop_map(SockOpt::Ttl),
        proptest::option::of(any::<u8>()).prop_map(SockOpt::MulticastTtl),
        any::<u8>().prop_map(SockOpt::Tos),
        (0i32..=5).prop_map(|v| SockOpt::MtuDiscover(sockopt::PmtuMode::from_value(v).unwrap())),
        (
            prop::sample::select(
                &[
                    (sockopt::IPPROTO_IP, sockopt::IP_PKTINFO),
                    (sockopt::IPPROTO_IP, sockopt::IP_RECVERR),
                    (sockopt::IPPROTO_IP, sockopt::IP_FREEBIND),
                    (sockopt::IPPROTO_IP, sockopt::IP_TRANSPARENT),
                    (sockopt::IPPROTO_IP, sockopt::IP_MULTICAST_LOOP),
                    (sockopt::IPPROTO_IP, sockopt::IP_MULTICAST_ALL),
                    (sockopt::SOL_SOCKET, sockopt::SO_REUSEADDR),
                    (sockopt::SOL_SOCKET, sockopt::SO_BROADCAST),
                ][..]
            ),
            prop::bool::ANY
        )
            .prop_map(|((level, optname), on)| SockOpt::Flag { level, optname, on }),
        (
            prop::sample::select(&[sockopt::SO_RCVBUF, sockopt::SO_PRIORITY][..]),
            any::<i32>()
        )
            .prop_map(|(optname, value)| SockOpt::Int {
                level: sockopt::SOL_SOCKET,
                optname,
                value
            }),
    ]
}

/// Emits `value` (a zerocopy struct) with `emit`, checks the bytes and that `view` reads it back.
macro_rules! struct_roundtrip {
    ($value:expr, $ty:ty) => {{
        let v: $ty = $value;
        let mut buf = [0u8; 64];
        let n = v.emit(&mut buf).unwrap();
        prop_assert_eq!(n, core::mem::size_of::<$ty>());
        prop_assert_eq!(&buf[..n], v.as_bytes());
        prop_assert_eq!(<$ty>::ref_from_prefix(&buf[..n]).unwrap(), &v);
        prop_assert!(<$ty>::ref_from_prefix(&buf[..n - 1]).is_err());
    }};
}

proptest! {
    #[test]
    fn structs_emit_then_view(
        g in ipv4(), a in ipv4(), s in ipv4(), idx in any::<i32>(), port in any::<u16>(),
        ee in any::<[u8; 16]>(),
    ) {
        struct_roundtrip!(SockaddrIn::new(SocketAddrV4::new(a, port)), SockaddrIn);
        struct_roundtrip!(IpMreq::new(g, a), IpMreq);
        struct_roundtrip!(IpMreqn::new(g, a, idx), IpMreqn);
        struct_roundtrip!(IpMreqSource::new(g, a, s), IpMreqSource);
        struct_roundtrip!(BsdIpMreqSource::from(IpMreqSource::new(g, a, s)), BsdIpMreqSource);
        struct_roundtrip!(InPktinfo::new(idx, a, s), InPktinfo);
        struct_roundtrip!(*SockExtendedErr::ref_from_prefix(&ee).unwrap(), SockExtendedErr);
        prop_assert_eq!(
            SockaddrIn::parse(SockaddrIn::new(SocketAddrV4::new(a, port)).as_bytes()).unwrap(),
            SocketAddrV4::new(a, port)
        );
        prop_assert_eq!(
            IpMreqSource::from(BsdIpMreqSource::from(IpMreqSource::new(g, a, s))),
            IpMreqSource::new(g, a, s)
        );
    }

    #[test]
    fn recverr_emit_then_parse(ee in any::<[u8; 16]>(), off in proptest::option::of((ipv4(), any::<u16>()))) {
        let ee = *SockExtendedErr::ref_from_prefix(&ee).unwrap();
        let offender = off.map(|(a, p)| SocketAddrV4::new(a, p));
        let e = RecvErr::new(ee, offender);
        let mut buf = [0u8; RecvErr::LEN];
        prop_assert_eq!(e.emit(&mut buf).unwrap(), RecvErr::LEN);
        let back = RecvErr::parse(&buf).unwrap();
        prop_assert_eq!(back, e);
        prop_assert_eq!(back.offender(), offender);
    }

    #[test]
    fn recverr_parse_arbitrary_never_panics(data in prop::collection::vec(any::<u8>(), 0..64)) {
        match RecvErr::parse(&data) {
            Ok(e) => {
                prop_assert!(data.len() >= 16);
                let _ = e.to_string();
                let _ = e.offender();
            }
            Err(_) => prop_assert!(data.len() < 16),
        }
    }

    #[test]
    fn sockopt_emit_then_decode(opt in sockopt()) {
        let mut buf = [0u8; 64];
        let n = opt.emit(&mut buf).unwrap();
        prop_assert_eq!(n, opt.buffer_len());
        let id = opt.option_id();
        prop_assert_eq!(decode(id.level, id.optname, &buf[..n]).unwrap(), opt);
        let _ = opt.to_string();
    }

    #[test]
    fn sockopt_decode_arbitrary_never_panics_and_reemits(
        level in prop_oneof![Just(0i32), Just(1i32), any::<i32>()],
        optname in prop_oneof![0i32..80, any::<i32>()],
        optval in prop::collection::vec(any::<u8>(), 0..48),
    ) {
        if let Ok(opt) = decode(level, optname, &optval) {
            let _ = opt.to_string();
            let _ = (opt.ifindex(), opt.ifname(), opt.unbinds(), opt.addresses().count());
            // Whatever decodes can be written back to something that decodes the same.
            let mut buf = [0u8; 64];
            let n = opt.emit(&mut buf).unwrap();
            prop_assert_eq!(decode(level, optname, &buf[..n]).unwrap(), opt);
        }
    }

    #[test]
    fn cmsg_write_then_walk(
        msgs in prop::collection::vec(
            prop_oneof![
                (any::<i32>(), ipv4(), ipv4()).prop_map(|(i, a, b)| (0u8, i, a, b, Vec::new())),
                any::<i32>().prop_map(|t| (1u8, t, Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED, Vec::new())),
                any::<u8>().prop_map(|t| (2u8, i32::from(t), Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED, Vec::new())),
                (ipv4(), any::<u16>()).prop_map(|(a, p)| (3u8, i32::from(p), a, Ipv4Addr::UNSPECIFIED, Vec::new())),
                prop::collection::vec(any::<u8>(), 0..40)
                    .prop_map(|d| (4u8, 0, Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED, d)),
            ],
            0..8,
        )
    ) {
        let pktinfos: Vec<InPktinfo> = msgs.iter().map(|m| InPktinfo::new(m.1, m.2, m.3)).collect();
        let addrs: Vec<SockaddrIn> = msgs
            .iter()
            .map(|m| SockaddrIn::new(SocketAddrV4::new(m.2, m.1 as u16)))
            .collect();
        let expected: Vec<Cmsg<'_>> = msgs
            .iter()
            .enumerate()
            .map(|(i, m)| match m.0 {
                0 => Cmsg::PktInfo(&pktinfos[i]),
                1 => Cmsg::Ttl(m.1),
                2 => Cmsg::Tos(m.1 as u8),
                3 => Cmsg::OrigDstAddr(&addrs[i]),
                _ => Cmsg::Unknown { level: 1, kind: 1, data: &m.4 },
            })
            .collect();
        let mut buf = vec![0u8; 512];
        let mut w = CmsgWriter::new(&mut buf);
        for c in &expected {
            w.push_cmsg(c).unwrap();
        }
        let n = w.len();
        prop_assert_eq!(n % 8, 0);
        let walked: Vec<Cmsg<'_>> = cmsgs(&buf[..n]).map(Result::unwrap).collect();
        prop_assert_eq!(&walked, &expected);
        for c in &walked {
            let _ = c.to_string();
        }
        // The libc crate's macros walk the same headers (buffer built by us).
        let ours: Vec<(usize, i32, i32, usize)> = raw_cmsgs(&buf[..n])
            .map(|m| { let m = m.unwrap(); (m.offset, m.level, m.kind, m.data.len() + CMSG_HDR_LEN) })
            .collect();
        prop_assert_eq!(libc_walk(&buf[..n]), ours);
    }

    #[test]
    fn cmsg_walk_arbitrary_never_panics(data in prop::collection::vec(any::<u8>(), 0..300)) {
        let mut items = 0usize;
        for c in cmsgs(&data).flatten() {
            items += 1;
            let _ = c.to_string();
        }
        prop_assert!(items <= data.len() / CMSG_HDR_LEN);
        let raw: Vec<_> = raw_cmsgs(&data).collect();
        // A framing error is always the last item.
        if let Some(pos) = raw.iter().position(Result::is_err) {
            prop_assert_eq!(pos + 1, raw.len());
        }
        for m in raw.iter().flatten() {
            prop_assert!(m.offset % 8 == 0);
            prop_assert!(m.offset + CMSG_HDR_LEN + m.data.len() <= data.len());
        }
    }

    /// Buffers of headers with small, possibly lying, `cmsg_len` values: our walk visits the
    /// same headers as `CMSG_FIRSTHDR`/`CMSG_NXTHDR`, and where those hand out a header whose
    /// `cmsg_len` is below 16 or past the end, ours yields its one error and stops, as they do.
    #[test]
    fn cmsg_walk_matches_libc_macros_on_lying_lengths(
        segs in prop::collection::vec((0u64..80, any::<i32>(), any::<i32>(), 0usize..40), 0..8),
        tail in 0usize..24,
    ) {
        let mut data = Vec::new();
        for (len, level, kind, pad) in segs {
            data.extend_from_slice(&len.to_ne_bytes());
            data.extend_from_slice(&level.to_ne_bytes());
            data.extend_from_slice(&kind.to_ne_bytes());
            data.resize(data.len() + pad, 0xA5);
        }
        data.resize(data.len() + tail, 0);
        let theirs = libc_walk(&data);
        let ours: Vec<_> = raw_cmsgs(&data).collect();
        prop_assert_eq!(ours.len(), theirs.len());
        for (o, t) in ours.iter().zip(&theirs) {
            let remaining = data.len() - t.0;
            let valid = t.3 >= CMSG_HDR_LEN && t.3 <= remaining;
            match o {
                Ok(m) => {
                    prop_assert!(valid);
                    prop_assert_eq!((m.offset, m.level, m.kind, m.data.len() + CMSG_HDR_LEN), *t);
                }
                Err(_) => prop_assert!(!valid),
            }
        }
    }
}

/// `(offset, level, type, cmsg_len)` of every header the libc crate's `CMSG_FIRSTHDR` /
/// `CMSG_NXTHDR` visit in `data`. Stops after a header whose `cmsg_len` is past the end, as
/// a careful C caller would (the macros themselves would go on only if it fit).
fn libc_walk(data: &[u8]) -> Vec<(usize, i32, i32, usize)> {
    // An 8-aligned copy, as msg_control is in C.
    let mut aligned = vec![0u64; data.len().div_ceil(8) + 1];
    let bytes = aligned.as_mut_bytes();
    bytes[..data.len()].copy_from_slice(data);
    let base = bytes.as_mut_ptr();
    let mut out = Vec::new();
    // SAFETY: msghdr is plain data; control points into `aligned` and has `data.len()` bytes,
    // and each header the macros return is read only when all 16 bytes are inside it.
    unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_control = base.cast();
        msg.msg_controllen = data.len();
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            let off = (c as usize) - (base as usize);
            let hdr = std::ptr::read_unaligned(c);
            out.push((off, hdr.cmsg_level, hdr.cmsg_type, hdr.cmsg_len));
            if hdr.cmsg_len > data.len() - off {
                break;
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
    }
    out
}
