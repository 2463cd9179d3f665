//! Fuzz target for the BSD routing-socket codec: the first byte picks the system, the rest is
//! a message. Everything the parser offers is read; an emitted request must parse back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockabi::route::{Addrs, Os, RouteMessage, RtaBit, RtmGetRequest};

#[path = "common/route.rs"]
mod common;
use common::touch;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let os = Os::ALL[usize::from(selector) % Os::ALL.len()];

    if let Ok(message) = RouteMessage::parse(os, bytes) {
        assert!(message.msglen() <= bytes.len());
        let _ = (
            message.rtm_type_name(),
            message.errno_name(),
            message.header().rtm_flags(),
        );
        for (bit, item) in message.addrs() {
            let _ = bit.name(os);
            if let Ok(sockaddr) = item {
                touch(&sockaddr);
            }
        }
        for index in 0..32 {
            let _ = message.addr(RtaBit::from_index(index).unwrap());
        }
        // A message that reads as a request must emit the same request back.
        if let Ok(request) = RtmGetRequest::parse(&message) {
            let mut buf = [0u8; 512];
            if let Ok(len) = request.emit(os, &mut buf) {
                let again = RouteMessage::parse(os, &buf[..len]).unwrap();
                assert_eq!(RtmGetRequest::parse(&again).unwrap(), request);
            }
        }
    }

    // The walk on its own, with rtm_addrs taken from the input, so it sees every byte.
    if let Some((head, rest)) = bytes.split_first_chunk::<4>() {
        for (_, item) in Addrs::new(os, i32::from_ne_bytes(*head), rest) {
            if let Ok(sockaddr) = item {
                touch(&sockaddr);
            }
        }
    }
});
