//! Fuzz `sockopt::decode`: the first 8 bytes are `level` and `optname` (native-endian `i32`s),
//! the rest is `optval`. Whatever decodes must display, and re-emit to bytes that decode the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockabi::sockopt::decode;

fuzz_target!(|data: &[u8]| {
    let Some((head, optval)) = data.split_first_chunk::<8>() else {
        return;
    };
    let level = i32::from_ne_bytes([head[0], head[1], head[2], head[3]]);
    let optname = i32::from_ne_bytes([head[4], head[5], head[6], head[7]]);
    if let Ok(opt) = decode(level, optname, optval) {
        let _ = opt.to_string();
        let _ = (
            opt.ifindex(),
            opt.ifname(),
            opt.unbinds(),
            opt.addresses().count(),
        );
        let mut buf = vec![0u8; opt.buffer_len()];
        let n = opt.emit(&mut buf).expect("emit into buffer_len bytes");
        assert_eq!(decode(level, optname, &buf[..n]), Ok(opt));
    }
});
