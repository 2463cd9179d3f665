//! Property tests of the routing-socket codec: an emitted `RTM_GET` parses back to itself on
//! every system, short netmasks decode to the mask they stand for, and no input makes the
//! parser or the address walk panic.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use sockabi::route::{
    Addrs, Header, LinkAddr, Os, RouteMessage, RtaBit, RtmGetRequest, Sockaddr, RTM_GET,
};

fn any_os() -> impl Strategy<Value = Os> {
    prop::sample::select(Os::ALL.to_vec())
}

/// A request whose netmask, if any, has the destination's family.
fn any_request() -> impl Strategy<Value = RtmGetRequest> {
    let v4 = (any::<[u8; 4]>(), prop::option::of(any::<[u8; 4]>())).prop_map(|(dst, mask)| {
        (
            IpAddr::V4(Ipv4Addr::from(dst)),
            mask.map(|m| IpAddr::V4(Ipv4Addr::from(m))),
        )
    });
    let v6 = (any::<[u8; 16]>(), prop::option::of(any::<[u8; 16]>())).prop_map(|(dst, mask)| {
        (
            IpAddr::V6(Ipv6Addr::from(dst)),
            mask.map(|m| IpAddr::V6(Ipv6Addr::from(m))),
        )
    });
    (
        prop_oneof![v4, v6],
        prop::option::of(any::<u16>()),
        any::<i32>(),
        any::<i32>(),
    )
        .prop_map(|((dst, netmask), ifp, rtm_seq, rtm_flags)| RtmGetRequest {
            dst,
            netmask,
            ifp,
            rtm_seq,
            rtm_flags,
        })
}

/// Touches everything a message offers, so that a panic anywhere would show.
fn exercise(message: &RouteMessage<'_>) {
    let header = message.header();
    let _ = (
        header.rtm_msglen(),
        header.rtm_version(),
        header.rtm_type(),
        header.rtm_index(),
        header.rtm_flags(),
        header.rtm_pid(),
        header.rtm_seq(),
        header.rtm_errno(),
        header.addrs_offset(),
    );
    let _ = (
        message.rtm_type_name(),
        message.errno_name(),
        message.addr_bytes(),
    );
    for (bit, item) in message.addrs() {
        let _ = bit.name(message.os());
        if let Ok(sockaddr) = item {
            exercise_sockaddr(&sockaddr);
        }
    }
    for index in 0..32 {
        let _ = message.addr(RtaBit::from_index(index).unwrap());
    }
    let _ = RtmGetRequest::parse(message);
}

fn exercise_sockaddr(sockaddr: &Sockaddr<'_>) {
    let _ = (sockaddr.ip(), sockaddr.scope_id());
    if let Some(link) = sockaddr.link() {
        let _ = (
            link.index(),
            link.name_str(),
            link.lladdr(),
            link.selector(),
            link.data(),
        );
    }
}

proptest! {
    #[test]
    fn emit_then_parse_gives_the_request_back(os in any_os(), request in any_request()) {
        let mut buf = [0u8; 512];
        let len = request.emit(os, &mut buf).unwrap();
        prop_assert_eq!(len, request.buffer_len(os));
        let message = RouteMessage::parse(os, &buf[..len]).unwrap();
        prop_assert_eq!(message.msglen(), len);
        prop_assert_eq!(message.rtm_type(), RTM_GET);
        prop_assert_eq!(message.header().rtm_addrs(), request.rtm_addrs());
        // Every address is well formed and the walk uses up the message exactly.
        let mut addrs = message.addrs();
        for (_, item) in addrs.by_ref() {
            prop_assert!(item.is_ok());
        }
        prop_assert!(addrs.remainder().is_empty());
        prop_assert_eq!(RtmGetRequest::parse(&message).unwrap(), request);
    }

    #[test]
    fn emit_never_writes_past_the_message(os in any_os(), request in any_request(), cap in 0usize..400) {
        let mut buf = vec![0xA5u8; cap];
        match request.emit(os, &mut buf) {
            Ok(len) => prop_assert!(buf[len..].iter().all(|&b| b == 0xA5)),
            Err(_) => prop_assert!(cap < request.buffer_len(os)),
        }
    }

    #[test]
    fn shortened_netmasks_decode_to_their_mask(os in any_os(), prefix in 0u32..=32, family in prop::sample::select(vec![0u8, 2])) {
        let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
        let octets = mask.to_be_bytes();
        // Cut after the last non-zero byte, as the kernels do: sa_len 0 for a zero mask.
        let significant = octets.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        let mut sockaddr = vec![0u8; 4 + significant];
        sockaddr[4..].copy_from_slice(&octets[..significant]);
        if significant > 0 {
            sockaddr[0] = sockaddr.len() as u8;
            sockaddr[1] = family;
        } else {
            sockaddr.clear();
        }
        let decoded = Sockaddr::decode(os, RtaBit::NETMASK, &sockaddr).unwrap();
        prop_assert_eq!(decoded, Sockaddr::Netmask(Ipv4Addr::from(mask)));
    }

    #[test]
    fn arbitrary_bytes_never_panic(os in any_os(), bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(message) = RouteMessage::parse(os, &bytes) {
            prop_assert!(message.msglen() <= bytes.len());
            exercise(&message);
        }
        let _ = Header::ref_from_prefix(os, &bytes);
        let _ = LinkAddr::parse(&bytes);
    }

    #[test]
    fn arbitrary_addresses_never_panic(os in any_os(), rtm_addrs in any::<i32>(), bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let mut walked = 0;
        for (bit, item) in Addrs::new(os, rtm_addrs, &bytes) {
            prop_assert!(rtm_addrs & bit.mask() != 0);
            if let Ok(sockaddr) = item {
                exercise_sockaddr(&sockaddr);
            }
            walked += 1;
        }
        prop_assert!(walked <= rtm_addrs.count_ones());
        for index in 0..32 {
            let bit = RtaBit::from_index(index).unwrap();
            let _ = Sockaddr::decode(os, bit, &bytes);
        }
    }

    /// A valid header of the right version and type, followed by random addresses: gets past
    /// `parse` every time, so the walk sees kernel-shaped messages with garbage sockaddrs.
    #[test]
    fn valid_header_random_addresses_never_panic(
        os in any_os(),
        rtm_addrs in any::<i32>(),
        tail in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut buf = [0u8; 512];
        let len = RtmGetRequest::new(IpAddr::V4(Ipv4Addr::LOCALHOST)).emit(os, &mut buf).unwrap();
        let header_len = os.header_len();
        let total = header_len + tail.len();
        prop_assert!(len <= buf.len() && total <= buf.len());
        buf[header_len..total].copy_from_slice(&tail);
        buf[..2].copy_from_slice(&(total as u16).to_ne_bytes());
        // rtm_addrs is at offset 12 in all four layouts (OpenBSD's longer prefix puts it there
        // too, before rtm_flags).
        let addrs_at = 12;
        buf[addrs_at..addrs_at + 4].copy_from_slice(&rtm_addrs.to_ne_bytes());
        let message = RouteMessage::parse(os, &buf[..total]).unwrap();
        prop_assert_eq!(message.header().rtm_addrs(), rtm_addrs);
        exercise(&message);
    }
}
