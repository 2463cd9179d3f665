//! Fuzz the IPv6 and family-generic address views: any bytes as a `struct sockaddr *` of that
//! length, a `sockaddr_in6`, a `sockaddr_storage`, the `group_req` / `group_source_req`
//! requests, and an `IPV6_RECVERR` payload. Every view that succeeds must display, convert,
//! and re-emit to the bytes it was read from.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockabi::addr::{SockaddrRef, SockaddrStorage};
use sockabi::exterr::RecvErr6;
use sockabi::group::{GroupReq, GroupSourceReq};
use sockabi::SockaddrIn6;

fuzz_target!(|data: &[u8]| {
    if let Ok(sa) = SockaddrRef::parse(data) {
        let _ = (sa.to_string(), sa.socket_addr(), sa.family());
    }
    if let Ok(sin6) = SockaddrIn6::ref_from_prefix(data) {
        let _ = (sin6.to_string(), sin6.traffic_class(), sin6.flow_label());
        if let Ok(addr) = sin6.socket_addr() {
            // A valid AF_INET6 address comes back whole: every field is kept.
            assert_eq!(&SockaddrIn6::new(addr), sin6);
        }
    }
    if let Ok(ss) = SockaddrStorage::ref_from_prefix(data) {
        let _ = (ss.to_string(), ss.as_in(), ss.as_in6());
        let mut out = [0u8; SockaddrStorage::LEN];
        assert_eq!(ss.emit(&mut out), Ok(SockaddrStorage::LEN));
        assert_eq!(&out[..], &data[..SockaddrStorage::LEN]);
    }
    if let Ok(req) = GroupReq::ref_from_prefix(data) {
        let _ = (req.to_string(), req.group().ip());
    }
    if let Ok(req) = GroupSourceReq::ref_from_prefix(data) {
        let _ = (req.to_string(), req.source().ip());
    }
    if let Ok(err) = RecvErr6::parse(data) {
        let _ = (err.to_string(), err.offender());
        let mut out = [0u8; RecvErr6::LEN];
        assert_eq!(err.emit(&mut out), Ok(RecvErr6::LEN));
        assert_eq!(RecvErr6::parse(&out), Ok(err));
    }
});
