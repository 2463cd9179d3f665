//! Fuzz the variable-length source filters: the first byte picks `ip_msfilter` (even) or
//! `group_filter` (odd), the rest is the `optval` of that length. A filter that parses must
//! hold exactly `numsrc` sources inside the given bytes, display, walk its sources, and
//! re-emit to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockabi::msfilter::{GroupFilter, IpMsfilter};

fuzz_target!(|data: &[u8]| {
    let [which, optval @ ..] = data else {
        return;
    };
    if which % 2 == 0 {
        if let Ok(f) = IpMsfilter::parse(optval) {
            assert_eq!(f.sources.len(), f.head.imsf_numsrc.get() as usize);
            assert!(f.byte_len() <= optval.len());
            let _ = (f.to_string(), f.mode(), f.sources().count());
            let mut out = vec![0u8; f.byte_len()];
            assert_eq!(f.emit_to(&mut out), Ok(f.byte_len()));
            assert_eq!(&out[..], &optval[..f.byte_len()]);
        }
    } else if let Ok(f) = GroupFilter::parse(optval) {
        assert_eq!(f.sources.len(), f.head.gf_numsrc.get() as usize);
        assert!(f.byte_len() <= optval.len());
        let _ = (f.to_string(), f.mode(), f.group().socket_addr());
        assert_eq!(f.sources().count(), f.sources.len());
        let mut out = vec![0u8; f.byte_len()];
        assert_eq!(f.emit_to(&mut out), Ok(f.byte_len()));
        assert_eq!(&out[..], &optval[..f.byte_len()]);
    }
});
