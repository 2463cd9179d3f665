//! Fuzz the `IPPROTO_IPV6` decoder and the family-generic `MCAST_*` / `IP_MSFILTER` options:
//! the first byte picks the level (even: `IPPROTO_IPV6`, odd: `IPPROTO_IP`), the second the
//! option among the ones with structured IPv6 or multicast arguments (or any value), the rest
//! is `optval`. Whatever decodes must display, list its addresses, and re-emit to bytes that
//! decode the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockabi::sockopt::*;

/// Options whose arguments are structures or have IPv6-specific rules.
const OPTNAMES: &[i32] = &[
    IPV6_UNICAST_IF,
    IPV6_MULTICAST_IF,
    IPV6_ADD_MEMBERSHIP,
    IPV6_DROP_MEMBERSHIP,
    IPV6_PKTINFO,
    IPV6_TCLASS,
    IPV6_MTU_DISCOVER,
    IPV6_MULTICAST_HOPS,
    IPV6_UNICAST_HOPS,
    IPV6_MULTICAST_LOOP,
    IPV6_ADDR_PREFERENCES,
    IPV6_AUTOFLOWLABEL,
    IPV6_MTU,
    MCAST_JOIN_GROUP,
    MCAST_LEAVE_GROUP,
    MCAST_JOIN_SOURCE_GROUP,
    MCAST_LEAVE_SOURCE_GROUP,
    MCAST_BLOCK_SOURCE,
    MCAST_UNBLOCK_SOURCE,
    MCAST_MSFILTER,
    IP_MSFILTER,
];

fuzz_target!(|data: &[u8]| {
    let [which_level, which_opt, optval @ ..] = data else {
        return;
    };
    let level = if which_level % 2 == 0 {
        IPPROTO_IPV6
    } else {
        IPPROTO_IP
    };
    let optname = OPTNAMES
        .get(usize::from(*which_opt))
        .copied()
        .unwrap_or(i32::from(*which_opt));
    if let Ok(opt) = decode(level, optname, optval) {
        let _ = opt.to_string();
        let _ = (opt.ifindex(), opt.unbinds(), opt.option_id());
        let listed = opt.ip_addresses().count();
        assert!(opt.addresses().count() <= listed);
        let mut buf = vec![0u8; opt.buffer_len()];
        let n = opt.emit(&mut buf).expect("emit into buffer_len bytes");
        assert_eq!(decode(level, optname, &buf[..n]), Ok(opt));
    }
});
