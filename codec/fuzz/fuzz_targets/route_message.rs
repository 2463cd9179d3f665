//! Fuzz target for every routing-message kind: the first byte picks the system (and, past the
//! four systems, a FreeBSD `NET_RT_IFLISTL` dump), the rest is a routing-socket read or a
//! sysctl dump. Every message [`Messages`] yields is read in full; one
//! that frames must re-emit, and the re-emitted bytes must parse to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockabi::route::{Message, MessageKind, Messages, Os};

#[path = "common/route.rs"]
mod common;
use common::touch;

/// How a message is parsed: for `os`, or as a FreeBSD `NET_RT_IFLISTL` message.
fn parse(os: Os, iflistl: bool, bytes: &[u8]) -> Result<Message<'_>, sockabi::Error> {
    if iflistl {
        Message::parse_freebsd_iflistl(bytes)
    } else {
        Message::parse(os, bytes)
    }
}

fn check(os: Os, iflistl: bool, message: &Message<'_>) {
    assert!(message.kind() != MessageKind::Other);
    let _ = (
        message.rtm_type_name(),
        message.index(),
        message.flags(),
        message.header(),
        message.as_route().map(|r| r.errno_name()),
    );
    let addrs = message.addrs();
    let _ = addrs.family();
    for (bit, item) in addrs {
        let _ = bit.name(os);
        if let Ok(sockaddr) = item {
            touch(&sockaddr);
        }
    }
    let mut buf = [0u8; 4096];
    if let Ok(len) = message.emit(&mut buf) {
        assert_eq!(message.buffer_len(), Ok(len));
        let again = parse(os, iflistl, &buf[..len]).expect("a re-emitted message parses");
        assert_eq!(again.kind(), message.kind());
        assert_eq!(again.rtm_type(), message.rtm_type());
        assert_eq!(again.index(), message.index());
        assert_eq!(again.addrs_bits(), message.addrs_bits());
        assert!(again
            .raw_addrs()
            .map(|(b, a)| (b, a.ok()))
            .eq(message.raw_addrs().map(|(b, a)| (b, a.ok()))));
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let choice = usize::from(selector) % (Os::ALL.len() + 1);
    let (os, iflistl) = match Os::ALL.get(choice) {
        Some(&os) => (os, false),
        None => (Os::FreeBsd, true),
    };
    let messages = if iflistl {
        Messages::freebsd_iflistl(bytes)
    } else {
        Messages::new(os, bytes)
    };
    let mut seen = 0;
    for message in messages.flatten() {
        seen += message.msglen();
        check(os, iflistl, &message);
    }
    assert!(seen <= bytes.len());
    if let Ok(message) = parse(os, iflistl, bytes) {
        check(os, iflistl, &message);
    }
});
