//! Property tests for the netdevice codec: every value written through a setter (or a
//! constructor) reads back the same, and decoding or walking arbitrary bytes never panics.

use proptest::prelude::*;
use zerocopy::byteorder::{U16, U64};
use zerocopy::IntoBytes;

use sockabi::ifname::RawIfName;
use sockabi::ifreq::{
    self, decode, decode_in6, ifconf_may_be_truncated, records, requests, HwAddr, IfFlags,
    IfPrivFlags, Ifconf, Ifmap, Ifreq, IfreqValue, In6Ifreq, MiiIoctlData, Sockaddr, IFREQ_SIZE,
};
use sockabi::{Error, IfName, IFNAMSIZ};

/// An independent model of the kernel's `dev_valid_name` over a C buffer.
fn dev_valid_name_model(buf: &[u8]) -> bool {
    let name: Vec<u8> = buf
        .iter()
        .take(IFNAMSIZ)
        .take_while(|&&b| b != 0)
        .copied()
        .collect();
    let isspace = |b: u8| b == b' ' || (9..=13).contains(&b) || b == 0xa0;
    !name.is_empty()
        && name.len() < IFNAMSIZ
        && name != b"."
        && name != b".."
        && !name.iter().any(|&b| b == b'/' || b == b':' || isspace(b))
}

/// Names the kernel accepts: 1 to 15 bytes without NUL, '/', ':' or white space.
fn valid_name() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        any::<u8>().prop_filter("allowed byte", |&b| {
            !(b == 0 || b == b'/' || b == b':' || b == b' ' || (9..=13).contains(&b) || b == 0xa0)
        }),
        1..IFNAMSIZ,
    )
    .prop_filter("not . or ..", |n| n != b"." && n != b"..")
}

fn if_name() -> impl Strategy<Value = IfName> {
    valid_name().prop_map(|n| IfName::from_bytes(&n).unwrap())
}

fn request() -> impl Strategy<Value = u32> {
    let known: Vec<u32> = requests().map(|r| r.request).collect();
    prop_oneof![proptest::sample::select(known), any::<u32>()]
}

fn sockaddr() -> impl Strategy<Value = Sockaddr> {
    (any::<u16>(), any::<[u8; 14]>()).prop_map(|(family, data)| Sockaddr {
        sa_family: U16::new(family),
        sa_data: data,
    })
}

fn ifmap() -> impl Strategy<Value = Ifmap> {
    (
        any::<u64>(),
        any::<u64>(),
        any::<u16>(),
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
    )
        .prop_map(|(mem_start, mem_end, base_addr, irq, dma, port)| Ifmap {
            mem_start: U64::new(mem_start),
            mem_end: U64::new(mem_end),
            base_addr: U16::new(base_addr),
            irq,
            dma,
            port,
            _pad: [0; 3],
        })
}

fn mii() -> impl Strategy<Value = MiiIoctlData> {
    any::<[u16; 4]>().prop_map(|[a, b, c, d]| MiiIoctlData {
        phy_id: U16::new(a),
        reg_num: U16::new(b),
        val_in: U16::new(c),
        val_out: U16::new(d),
    })
}

proptest! {
    #[test]
    fn if_name_matches_the_kernel_model(buf in proptest::collection::vec(any::<u8>(), 0..24)) {
        prop_assert_eq!(IfName::from_bytes(&buf).is_ok(), dev_valid_name_model(&buf));
    }

    #[test]
    fn if_name_round_trips(name in valid_name()) {
        let parsed = IfName::from_bytes(&name).unwrap();
        prop_assert_eq!(parsed.as_bytes(), &name[..]);
        prop_assert_eq!(IfName::from_bytes(&parsed.to_c_buffer()).unwrap(), parsed);
        prop_assert_eq!(IfName::try_from(parsed.as_bytes()).unwrap(), parsed);
        if let Some(text) = parsed.as_str() {
            prop_assert_eq!(text.parse::<IfName>().unwrap(), parsed);
            prop_assert_eq!(IfName::new(text).unwrap(), parsed);
        }
        let raw = RawIfName::from(parsed);
        prop_assert_eq!(raw.to_if_name().unwrap(), parsed);
        prop_assert_eq!(RawIfName::from_field(&parsed.to_c_buffer()), raw);
    }

    #[test]
    fn if_name_order_is_byte_order(a in if_name(), b in if_name()) {
        prop_assert_eq!(a.cmp(&b), a.as_bytes().cmp(b.as_bytes()));
    }

    #[test]
    fn raw_names_never_panic(field in any::<[u8; IFNAMSIZ]>()) {
        let raw = RawIfName::from_field(&field);
        prop_assert!(raw.as_bytes().len() < IFNAMSIZ);
        prop_assert!(!raw.as_bytes().contains(&0));
        prop_assert!(field.starts_with(raw.as_bytes()));
        let _ = raw.device();
        let _ = raw.to_if_name();
        let _ = raw.to_string();
    }

    #[test]
    fn integers_round_trip(name in if_name(), v in any::<i32>()) {
        let mut req = Ifreq::with_name(name);
        req.set_ifindex(v);
        prop_assert_eq!(req.ifindex(), v);
        prop_assert_eq!(decode(ifreq::SIOCGIFINDEX, req.as_bytes()).unwrap().value, IfreqValue::Index(v));
        req.set_mtu(v);
        prop_assert_eq!(decode(ifreq::SIOCSIFMTU, req.as_bytes()).unwrap().value, IfreqValue::Mtu(v));
        req.set_qlen(v);
        prop_assert_eq!(decode(ifreq::SIOCGIFTXQLEN, req.as_bytes()).unwrap().value, IfreqValue::Qlen(v));
        req.set_metric(v);
        prop_assert_eq!(decode(ifreq::SIOCGIFMETRIC, req.as_bytes()).unwrap().value, IfreqValue::Metric(v));
        let d = decode(ifreq::SIOCGIFMETRIC, req.as_bytes()).unwrap();
        prop_assert_eq!(d.name.unwrap().to_if_name().unwrap(), name);
        let index_to_name = Ifreq { ifr_name: name.to_c_buffer(), ..Ifreq::with_ifindex(v) };
        prop_assert_eq!(
            decode(ifreq::SIOCGIFNAME, index_to_name.as_bytes()).unwrap().value,
            IfreqValue::IndexToName { ifindex: v, name: name.into() }
        );
    }

    #[test]
    fn flags_round_trip(bits in any::<u16>()) {
        let mut req = Ifreq::default();
        req.set_flags(IfFlags::from_bits_retain(bits));
        prop_assert_eq!(req.flags().bits(), bits);
        prop_assert_eq!(
            decode(ifreq::SIOCGIFFLAGS, req.as_bytes()).unwrap().value,
            IfreqValue::Flags(IfFlags::from_bits_retain(bits))
        );
        req.set_priv_flags(IfPrivFlags::from_bits_retain(bits));
        prop_assert_eq!(
            decode(ifreq::SIOCGIFPFLAGS, req.as_bytes()).unwrap().value,
            IfreqValue::PrivFlags(IfPrivFlags::from_bits_retain(bits))
        );
    }

    #[test]
    fn addresses_round_trip(sa in sockaddr(), ip in any::<[u8; 4]>()) {
        let mut req = Ifreq::default();
        req.set_sockaddr(sa);
        prop_assert_eq!(*req.addr(), sa);
        for request in [ifreq::SIOCGIFADDR, ifreq::SIOCSIFDSTADDR, ifreq::SIOCGIFBRDADDR, ifreq::SIOCSIFNETMASK] {
            prop_assert_eq!(decode(request, req.as_bytes()).unwrap().value, IfreqValue::Addr(sa));
        }
        let hw = HwAddr::from(&sa);
        req.set_hwaddr(hw);
        prop_assert_eq!(req.hwaddr(), hw);
        prop_assert_eq!(Sockaddr::from(hw), sa);
        prop_assert_eq!(decode(ifreq::SIOCGIFHWADDR, req.as_bytes()).unwrap().value, IfreqValue::HwAddr(hw));
        let _ = hw.to_string();
        let v4 = core::net::Ipv4Addr::from(ip);
        req.set_sockaddr(Sockaddr::from(v4));
        prop_assert_eq!(req.addr().ipv4().unwrap(), v4);
        prop_assert_eq!(req.addr().to_string(), v4.to_string());
    }

    #[test]
    fn map_mii_names_data_round_trip(
        map in ifmap(),
        m in mii(),
        name in if_name(),
        data in any::<u64>(),
    ) {
        let mut req = Ifreq::default();
        req.set_map(map);
        prop_assert_eq!(decode(ifreq::SIOCGIFMAP, req.as_bytes()).unwrap().value, IfreqValue::Map(map));
        req.set_mii(m);
        prop_assert_eq!(decode(ifreq::SIOCGMIIREG, req.as_bytes()).unwrap().value, IfreqValue::Mii(m));
        req.set_newname(name);
        prop_assert_eq!(decode(ifreq::SIOCSIFNAME, req.as_bytes()).unwrap().value, IfreqValue::NewName(name.into()));
        req.set_slave(name);
        prop_assert_eq!(decode(ifreq::SIOCBONDENSLAVE, req.as_bytes()).unwrap().value, IfreqValue::Slave(name.into()));
        req.set_data(data);
        prop_assert_eq!(decode(ifreq::SIOCETHTOOL, req.as_bytes()).unwrap().value, IfreqValue::Data(data));
    }

    #[test]
    fn structs_round_trip_through_bytes(
        name in any::<[u8; IFNAMSIZ]>(),
        ifru in any::<[u8; 24]>(),
        conf in (any::<i32>(), any::<u64>()),
        in6 in (any::<[u8; 16]>(), any::<u32>(), any::<i32>()),
        offset in 0usize..8,
    ) {
        let req = Ifreq { ifr_name: name, ifr_ifru: ifru };
        let mut buf = vec![0u8; offset];
        buf.extend_from_slice(req.as_bytes());
        prop_assert_eq!(*Ifreq::ref_from_prefix(&buf[offset..]).unwrap(), req);
        let c = Ifconf::new(conf.0, conf.1);
        prop_assert_eq!(*Ifconf::ref_from_prefix(c.as_bytes()).unwrap(), c);
        prop_assert_eq!(decode(ifreq::SIOCGIFCONF, c.as_bytes()).unwrap().value, IfreqValue::Conf(c));
        let i6 = In6Ifreq::new(core::net::Ipv6Addr::from(in6.0), in6.1, in6.2);
        prop_assert_eq!(*In6Ifreq::ref_from_prefix(i6.as_bytes()).unwrap(), i6);
        prop_assert_eq!(decode_in6(ifreq::SIOCDIFADDR, i6.as_bytes()).unwrap().value, i6);
        prop_assert_eq!(*Ifmap::ref_from_prefix(req.ifr_ifru.as_bytes()).unwrap(), *req.map());
        prop_assert_eq!(*Sockaddr::ref_from_prefix(req.ifr_ifru.as_bytes()).unwrap(), *req.addr());
    }

    #[test]
    fn decode_never_panics(request in request(), bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        match decode(request, &bytes) {
            Ok(d) => {
                prop_assert_eq!(d.request(), request);
                let shown = d.to_string();
                prop_assert!(shown.starts_with(d.request_name()));
                let needed = if request == ifreq::SIOCGIFCONF { 16 } else { IFREQ_SIZE };
                prop_assert!(bytes.len() >= needed);
            }
            Err(Error::Truncated { needed, got, .. }) => prop_assert!(got < needed),
            Err(Error::Invalid { .. }) => prop_assert!(
                !ifreq::is_ifreq_request(request) && request != ifreq::SIOCGIFCONF
            ),
            Err(other) => prop_assert!(false, "unexpected error {other:?}"),
        }
        if let Ok(d) = decode_in6(request, &bytes) {
            let _ = d.to_string();
        }
        let _ = ifreq::ioctl_name(request);
        let _ = ifreq::is_privileged(request);
    }

    #[test]
    fn walk_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let items: Vec<_> = records(&bytes).collect();
        prop_assert_eq!(items.len(), bytes.len().div_ceil(IFREQ_SIZE));
        prop_assert_eq!(records(&bytes).len(), items.len());
        for (i, item) in items.iter().enumerate() {
            let last = i + 1 == items.len();
            match item {
                Ok(r) => {
                    let start = i * IFREQ_SIZE;
                    prop_assert_eq!(r.as_bytes(), &bytes[start..start + IFREQ_SIZE]);
                }
                Err(e) => {
                    prop_assert!(last);
                    prop_assert_eq!(*e, Error::truncated("ifconf record", IFREQ_SIZE, bytes.len() % IFREQ_SIZE));
                }
            }
        }
    }

    #[test]
    fn truncation_heuristic_is_total(given in any::<usize>(), returned in any::<usize>()) {
        let maybe = ifconf_may_be_truncated(given, returned);
        prop_assert_eq!(maybe, given < returned || given - returned < IFREQ_SIZE);
    }
}
