//! Fuzzes the netdevice decoder: the first 4 bytes (little-endian) choose the ioctl request,
//! the rest is the captured argument. Decoding, displaying and every accessor must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockabi::ifreq::{self, Ifreq};

fuzz_target!(|data: &[u8]| {
    let Some((request, arg)) = data.split_first_chunk::<4>() else {
        return;
    };
    let request = u32::from_le_bytes(*request);
    if let Ok(decoded) = ifreq::decode(request, arg) {
        let _ = decoded.to_string();
    }
    if let Ok(decoded) = ifreq::decode_in6(request, arg) {
        let _ = decoded.to_string();
    }
    let _ = (ifreq::ioctl_name(request), ifreq::is_privileged(request));
    if let Ok(ifr) = Ifreq::ref_from_prefix(arg) {
        let name = ifr.name();
        let _ = (
            name.device(),
            name.to_if_name(),
            name.to_string(),
            ifr.if_name(),
        );
        let _ = (
            ifr.addr().to_string(),
            ifr.addr_in(),
            ifr.hwaddr().to_string(),
        );
        let _ = (ifr.flags().to_string(), ifr.priv_flags().to_string());
        let _ = (
            ifr.ifindex(),
            ifr.mtu(),
            ifr.qlen(),
            ifr.metric(),
            ifr.data(),
        );
        let _ = (ifr.map().to_string(), ifr.mii().to_string());
        let _ = (ifr.newname().to_string(), ifr.slave().to_string());
    }
    let _ = sockabi::IfName::from_bytes(arg);
});
