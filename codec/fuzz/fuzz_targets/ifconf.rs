//! Fuzzes the `SIOCGIFCONF` buffer walker: arbitrary bytes as the `ifc_len` bytes the kernel
//! wrote. The walk must yield whole records, at most one trailing error, and never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockabi::ifreq::{self, IFREQ_SIZE};

fuzz_target!(|data: &[u8]| {
    let mut errors = 0;
    let mut count = 0;
    for record in ifreq::records(data) {
        count += 1;
        match record {
            Ok(ifr) => {
                let _ = (
                    ifr.name().to_string(),
                    ifr.name().device(),
                    ifr.addr().ipv4(),
                );
            }
            Err(_) => errors += 1,
        }
    }
    assert!(errors <= 1);
    assert_eq!(count, data.len().div_ceil(IFREQ_SIZE));
    let _ = ifreq::ifconf_may_be_truncated(data.len(), count * IFREQ_SIZE);
    if let Ok(conf) = ifreq::Ifconf::ref_from_prefix(data) {
        let _ = conf.to_string();
    }
});
