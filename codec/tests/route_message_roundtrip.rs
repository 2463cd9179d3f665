//! Property tests of every routing-message kind: any header of any system, with any
//! well-framed addresses, emits and parses back to itself, re-emits to the same bytes, and no
//! input makes [`Message::parse`] or [`Messages`] panic.

use core::mem::size_of;

use proptest::prelude::*;
use sockabi::route::{
    darwin, emit, freebsd, netbsd, openbsd, Message, MessageKind, Messages, MsgHeader, Os, RtaBit,
};

/// One sockaddr, before the system's `AF_INET6` is known.
#[derive(Clone, Debug)]
enum Addr {
    Inet([u8; 4]),
    Inet6([u8; 26]),
    Link {
        index: u16,
        name: Vec<u8>,
        lladdr: Vec<u8>,
    },
    /// Anything, `sa_len` first (a short mask, an unknown family).
    Raw(Vec<u8>),
    Empty,
}

impl Addr {
    /// The sockaddr's bytes as `os` writes it.
    fn bytes(&self, os: Os) -> Vec<u8> {
        match self {
            Addr::Inet(a) => {
                let mut s = vec![16, 2, 0, 0, a[0], a[1], a[2], a[3]];
                s.resize(16, 0);
                s
            }
            Addr::Inet6(rest) => {
                let mut s = vec![28, os.af_inet6()];
                s.extend_from_slice(rest);
                s
            }
            Addr::Link {
                index,
                name,
                lladdr,
            } => {
                let [lo, hi] = index.to_ne_bytes();
                let len = 8 + name.len() + lladdr.len();
                let mut s = vec![
                    len as u8,
                    18,
                    lo,
                    hi,
                    6,
                    name.len() as u8,
                    lladdr.len() as u8,
                    0,
                ];
                s.extend_from_slice(name);
                s.extend_from_slice(lladdr);
                s
            }
            Addr::Raw(bytes) => {
                let mut s = bytes.clone();
                s[0] = s.len() as u8;
                s
            }
            Addr::Empty => Vec::new(),
        }
    }
}

fn any_addr() -> impl Strategy<Value = Addr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(Addr::Inet),
        any::<[u8; 26]>().prop_map(Addr::Inet6),
        (
            any::<u16>(),
            prop::collection::vec(b'a'..=b'z', 0..16),
            prop::collection::vec(any::<u8>(), 0..8)
        )
            .prop_map(|(index, name, lladdr)| Addr::Link {
                index,
                name,
                lladdr
            }),
        prop::collection::vec(any::<u8>(), 1..40).prop_map(Addr::Raw),
        Just(Addr::Empty),
    ]
}

/// The header structs of every system, by number (what [`round_trip_of`] dispatches on).
const HEADERS: usize = 22;

/// Emits a message with header `H` (its bytes taken from `raw`, type picked among the
/// system's types of `H`'s kind by `pick`) and `addrs`, and checks that it reads back.
fn round_trip<H: MsgHeader>(
    raw: &[u8],
    pick: u8,
    addrs: &[(u8, Addr)],
) -> Result<(), TestCaseError> {
    round_trip_with::<H>(raw, pick, addrs, |bytes| Message::parse(H::OS, bytes))
}

/// [`round_trip`], reading the message back with `parse`.
fn round_trip_with<H: MsgHeader>(
    raw: &[u8],
    pick: u8,
    addrs: &[(u8, Addr)],
    parse: for<'a> fn(&'a [u8]) -> Result<Message<'a>, sockabi::Error>,
) -> Result<(), TestCaseError> {
    let os = H::OS;
    let types: Vec<u8> = (0..=255)
        .filter(|&t| os.message_kind(t) == H::KIND)
        .collect();
    let mut header_bytes = raw[..size_of::<H>()].to_vec();
    header_bytes[2] = os.rtm_version();
    header_bytes[3] = types[usize::from(pick) % types.len()];
    let header = H::read_from_bytes(&header_bytes).unwrap();

    let mut slots: Vec<(RtaBit, Vec<u8>)> = Vec::new();
    if H::ADDRS_AT.is_some() {
        for (index, addr) in addrs {
            let index = index % os.rtax_max();
            if slots.iter().all(|(b, _)| b.index() != index) {
                slots.push((RtaBit::from_index(index).unwrap(), addr.bytes(os)));
            }
        }
        slots.sort_by_key(|(bit, _)| *bit);
    }
    let borrowed: Vec<(RtaBit, &[u8])> = slots.iter().map(|(b, s)| (*b, &s[..])).collect();

    let mut buf = vec![0x5a; 2048];
    let len = emit(&header, borrowed.iter().copied(), &mut buf).unwrap();
    prop_assert!(
        buf[len..].iter().all(|&b| b == 0x5a),
        "wrote past the message"
    );
    let message = parse(&buf[..len]).unwrap();
    prop_assert_eq!(message.os(), os);
    prop_assert_eq!(message.kind(), H::KIND);
    prop_assert_eq!(message.msglen(), len);
    prop_assert_eq!(message.rtm_type(), header_bytes[3]);
    prop_assert_eq!(message.index(), header.index());
    prop_assert_eq!(message.flags(), header.flags());

    // The header comes back byte for byte but for the framing fields emit computes.
    let framing: Vec<usize> = [Some(0), Some(1), H::HDRLEN_AT, H::HDRLEN_AT.map(|a| a + 1)]
        .into_iter()
        .flatten()
        .chain(H::ADDRS_AT.into_iter().flat_map(|a| a..a + 4))
        .collect();
    for (i, (&got, &want)) in buf.iter().zip(&header_bytes).enumerate() {
        if !framing.contains(&i) {
            prop_assert_eq!(got, want, "header byte {}", i);
        }
    }
    let bits = borrowed.iter().fold(0, |acc, (b, _)| acc | b.mask());
    prop_assert_eq!(message.addrs_bits(), bits);

    // The addresses come back as given, in order, and each decodes without panicking.
    let walked: Vec<(RtaBit, &[u8])> = message
        .raw_addrs()
        .map(|(bit, item)| (bit, item.unwrap()))
        .collect();
    prop_assert_eq!(&walked, &borrowed);
    for (bit, item) in message.addrs() {
        if let Ok(sockaddr) = item {
            let _ = (bit, sockaddr.ip(), sockaddr.scope_id(), sockaddr.link());
        }
    }

    // Re-emitting the parsed message gives the same bytes.
    prop_assert_eq!(message.buffer_len(), Ok(len));
    let mut again = vec![0u8; len];
    prop_assert_eq!(message.emit(&mut again), Ok(len));
    prop_assert_eq!(&again[..], &buf[..len]);
    Ok(())
}

/// [`round_trip`] for header number `which`.
fn round_trip_of(
    which: usize,
    raw: &[u8],
    pick: u8,
    addrs: &[(u8, Addr)],
) -> Result<(), TestCaseError> {
    match which {
        0 => round_trip::<freebsd::RtMsghdr>(raw, pick, addrs),
        1 => round_trip::<freebsd::IfMsghdr>(raw, pick, addrs),
        2 => round_trip::<freebsd::IfaMsghdr>(raw, pick, addrs),
        3 => round_trip::<freebsd::IfmaMsghdr>(raw, pick, addrs),
        4 => round_trip::<freebsd::IfAnnouncemsghdr>(raw, pick, addrs),
        5 => round_trip::<darwin::RtMsghdr>(raw, pick, addrs),
        6 => round_trip::<darwin::RtMsghdr2>(raw, pick, addrs),
        7 => round_trip::<darwin::IfMsghdr>(raw, pick, addrs),
        8 => round_trip::<darwin::IfMsghdr2>(raw, pick, addrs),
        9 => round_trip::<darwin::IfaMsghdr>(raw, pick, addrs),
        10 => round_trip::<darwin::IfmaMsghdr>(raw, pick, addrs),
        11 => round_trip::<darwin::IfmaMsghdr2>(raw, pick, addrs),
        12 => round_trip::<openbsd::RtMsghdr>(raw, pick, addrs),
        13 => round_trip::<openbsd::IfMsghdr>(raw, pick, addrs),
        14 => round_trip::<openbsd::IfaMsghdr>(raw, pick, addrs),
        15 => round_trip::<openbsd::IfAnnouncemsghdr>(raw, pick, addrs),
        16 => round_trip::<netbsd::RtMsghdr>(raw, pick, addrs),
        17 => round_trip::<netbsd::IfMsghdr>(raw, pick, addrs),
        18 => round_trip::<netbsd::IfaMsghdr>(raw, pick, addrs),
        19 => round_trip::<netbsd::IfAnnouncemsghdr>(raw, pick, addrs),
        20 => round_trip_with::<freebsd::IfMsghdrl>(raw, pick, addrs, |b| {
            Message::parse_freebsd_iflistl(b)
        }),
        _ => round_trip_with::<freebsd::IfaMsghdrl>(raw, pick, addrs, |b| {
            Message::parse_freebsd_iflistl(b)
        }),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_header_emits_and_parses_back(
        which in 0..HEADERS,
        raw in prop::collection::vec(any::<u8>(), 200),
        pick in any::<u8>(),
        addrs in prop::collection::vec((any::<u8>(), any_addr()), 0..6),
    ) {
        round_trip_of(which, &raw, pick, &addrs)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        os in prop::sample::select(Os::ALL.to_vec()),
        mut bytes in prop::collection::vec(any::<u8>(), 0..600),
        shape in any::<bool>(),
    ) {
        // Half the inputs get a right version and a length that fits, so that most of them
        // reach the header views and the address walk rather than the first check.
        if shape && bytes.len() >= 4 {
            let len = bytes.len() as u16;
            bytes[..2].copy_from_slice(&len.to_ne_bytes());
            bytes[2] = os.rtm_version();
        }
        if let Ok(message) = Message::parse(os, &bytes) {
            prop_assert!(message.msglen() <= bytes.len());
            prop_assert!(message.kind() != MessageKind::Other);
            let _ = (message.rtm_type_name(), message.index(), message.flags(), message.as_route());
            for (_, item) in message.addrs() {
                if let Ok(sockaddr) = item {
                    let _ = (sockaddr.ip(), sockaddr.scope_id(), sockaddr.link());
                }
            }
            let mut again = vec![0u8; 2048];
            if let Ok(len) = message.emit(&mut again) {
                let back = Message::parse(os, &again[..len]).unwrap();
                prop_assert_eq!(back.kind(), message.kind());
                prop_assert_eq!(back.addrs_bits(), message.addrs_bits());
            }
        }
        for messages in [Messages::new(os, &bytes), Messages::freebsd_iflistl(&bytes)] {
            let mut total = 0;
            for message in messages.flatten() {
                total += message.msglen();
            }
            prop_assert!(total <= bytes.len());
        }
    }
}
