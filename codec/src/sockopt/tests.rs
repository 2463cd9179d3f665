//! One test per kernel acceptance rule; the name says what the kernel answers.

extern crate std;

use std::string::ToString;

use super::*;

fn ip(optname: i32, optval: &[u8]) -> Result<SockOpt<'_>> {
    decode(IPPROTO_IP, optname, optval)
}

fn so(optname: i32, optval: &[u8]) -> Result<SockOpt<'_>> {
    decode(SOL_SOCKET, optname, optval)
}

fn is_bad_length(r: Result<SockOpt<'_>>) -> bool {
    matches!(r, Err(Error::BadLength { .. }))
}

fn is_invalid(r: Result<SockOpt<'_>>) -> bool {
    matches!(r, Err(Error::Invalid { .. }))
}

fn mreqn(group: [u8; 4], addr: [u8; 4], ifindex: i32) -> [u8; 12] {
    let mut b = [0u8; 12];
    b[..4].copy_from_slice(&group);
    b[4..8].copy_from_slice(&addr);
    b[8..].copy_from_slice(&ifindex.to_ne_bytes());
    b
}

// ---- SO_BINDTODEVICE ----

#[test]
fn so_bindtodevice_whole_ifreq_is_accepted_name_from_first_bytes() {
    let mut ifreq = [0xAAu8; 40];
    ifreq[..5].copy_from_slice(b"eth1\0");
    let opt = so(SO_BINDTODEVICE, &ifreq).unwrap();
    assert_eq!(opt.ifname().unwrap().as_bytes(), b"eth1");
    assert_eq!(opt.to_string(), "SO_BINDTODEVICE \"eth1\"");
}

#[test]
fn so_bindtodevice_ifreq_with_garbage_after_15_bytes_reads_15() {
    // No NUL in the first 15 bytes: the kernel copies 15 and NUL-terminates.
    let ifreq = [b'a'; 40];
    let opt = so(SO_BINDTODEVICE, &ifreq).unwrap();
    assert_eq!(opt.ifname().unwrap().as_bytes(), &[b'a'; 15]);
}

#[test]
fn so_bindtodevice_sixteen_bytes_without_nul_truncates_to_fifteen() {
    let opt = so(SO_BINDTODEVICE, b"abcdefghijklmnop").unwrap();
    assert_eq!(opt.ifname().unwrap().as_bytes(), b"abcdefghijklmno");
}

#[test]
fn so_bindtodevice_name_without_nul_is_accepted() {
    let opt = so(SO_BINDTODEVICE, b"lo").unwrap();
    assert_eq!(
        opt,
        SockOpt::BindToDevice(Some(IfName::from_bytes(b"lo").unwrap()))
    );
}

#[test]
fn so_bindtodevice_optlen_zero_unbinds() {
    let opt = so(SO_BINDTODEVICE, &[]).unwrap();
    assert_eq!(opt, SockOpt::BindToDevice(None));
    assert!(opt.unbinds());
}

#[test]
fn so_bindtodevice_leading_nul_unbinds() {
    assert_eq!(
        so(SO_BINDTODEVICE, b"\0eth0").unwrap(),
        SockOpt::BindToDevice(None)
    );
    assert_eq!(
        so(SO_BINDTODEVICE, &[0u8; 40]).unwrap(),
        SockOpt::BindToDevice(None)
    );
}

#[test]
fn so_bindtodevice_invalid_name_is_enodev() {
    assert!(is_invalid(so(SO_BINDTODEVICE, b"a/b\0")));
    assert!(is_invalid(so(SO_BINDTODEVICE, b"..\0")));
    assert!(is_invalid(so(SO_BINDTODEVICE, b"e th\0")));
}

// ---- SO_BINDTOIFINDEX, SO_MARK, SO_* ints ----

#[test]
fn so_bindtoifindex_int() {
    assert_eq!(
        so(SO_BINDTOIFINDEX, &3i32.to_ne_bytes()).unwrap(),
        SockOpt::BindToIfindex(3)
    );
    assert_eq!(
        so(SO_BINDTOIFINDEX, &3i32.to_ne_bytes()).unwrap().ifindex(),
        Some(3)
    );
}

#[test]
fn so_bindtoifindex_zero_unbinds() {
    let optval = 0i32.to_ne_bytes();
    let opt = so(SO_BINDTOIFINDEX, &optval).unwrap();
    assert!(opt.unbinds());
    assert_eq!(opt.ifindex(), None);
}

#[test]
fn so_bindtoifindex_three_bytes_is_einval() {
    assert!(is_bad_length(so(SO_BINDTOIFINDEX, &[3, 0, 0])));
}

#[test]
fn so_bindtoifindex_negative_is_einval() {
    assert!(is_invalid(so(SO_BINDTOIFINDEX, &(-1i32).to_ne_bytes())));
}

#[test]
fn so_bindtoifindex_longer_optval_reads_first_int() {
    let mut b = [0u8; 8];
    b[..4].copy_from_slice(&5i32.to_ne_bytes());
    b[4..].fill(0xff);
    assert_eq!(so(SO_BINDTOIFINDEX, &b).unwrap(), SockOpt::BindToIfindex(5));
}

#[test]
fn so_mark_any_u32() {
    assert_eq!(
        so(SO_MARK, &u32::MAX.to_ne_bytes()).unwrap(),
        SockOpt::Mark(u32::MAX)
    );
}

#[test]
fn so_mark_one_byte_is_einval() {
    assert!(is_bad_length(so(SO_MARK, &[1])));
}

#[test]
fn so_reuseaddr_one_byte_is_einval() {
    assert!(is_bad_length(so(SO_REUSEADDR, &[1])));
}

#[test]
fn so_broadcast_nonzero_is_on() {
    let optval = 7i32.to_ne_bytes();
    let opt = so(SO_BROADCAST, &optval).unwrap();
    assert_eq!(
        opt,
        SockOpt::Flag {
            level: SOL_SOCKET,
            optname: SO_BROADCAST,
            on: true
        }
    );
    assert_eq!(opt.to_string(), "SO_BROADCAST on");
}

#[test]
fn so_rcvbuf_int() {
    let optval = 65536i32.to_ne_bytes();
    let opt = so(SO_RCVBUF, &optval).unwrap();
    assert_eq!(opt.to_string(), "SO_RCVBUF 65536");
}

#[test]
fn so_unknown_option_is_other_not_error() {
    let opt = so(SO_LINGER, &[1, 2]).unwrap();
    assert!(matches!(opt, SockOpt::Other { raw: [1, 2], .. }));
    assert_eq!(opt.to_string(), "SO_LINGER (2 bytes)");
}

// ---- IP integer options ----

#[test]
fn ip_pktinfo_int_and_single_byte() {
    let on = SockOpt::Flag {
        level: IPPROTO_IP,
        optname: IP_PKTINFO,
        on: true,
    };
    assert_eq!(ip(IP_PKTINFO, &1i32.to_ne_bytes()).unwrap(), on);
    assert_eq!(ip(IP_PKTINFO, &[1]).unwrap(), on);
    assert_eq!(ip(IP_PKTINFO, &[1, 0, 0]).unwrap(), on);
}

#[test]
fn ip_pktinfo_optlen_zero_is_off() {
    let off = SockOpt::Flag {
        level: IPPROTO_IP,
        optname: IP_PKTINFO,
        on: false,
    };
    assert_eq!(ip(IP_PKTINFO, &[]).unwrap(), off);
}

#[test]
fn ip_recverr_optlen_zero_is_off() {
    assert_eq!(ip(IP_RECVERR, &[]).unwrap().to_string(), "IP_RECVERR off");
}

#[test]
fn ip_freebind_optlen_zero_is_einval() {
    assert!(is_bad_length(ip(IP_FREEBIND, &[])));
}

#[test]
fn ip_transparent_optlen_zero_is_einval() {
    assert!(is_bad_length(ip(IP_TRANSPARENT, &[])));
}

#[test]
fn ip_multicast_loop_optlen_zero_is_einval() {
    assert!(is_bad_length(ip(IP_MULTICAST_LOOP, &[])));
    assert_eq!(
        ip(IP_MULTICAST_LOOP, &[0]).unwrap().to_string(),
        "IP_MULTICAST_LOOP off"
    );
}

#[test]
fn ip_multicast_all_two_is_einval() {
    assert!(is_invalid(ip(IP_MULTICAST_ALL, &2i32.to_ne_bytes())));
    assert!(is_bad_length(ip(IP_MULTICAST_ALL, &[])));
    assert_eq!(
        ip(IP_MULTICAST_ALL, &[1]).unwrap().to_string(),
        "IP_MULTICAST_ALL on"
    );
}

#[test]
fn ip_single_byte_is_unsigned() {
    // 0xff as one byte is 255, not -1.
    assert_eq!(ip(IP_TTL, &[0xff]).unwrap(), SockOpt::Ttl(Some(255)));
    assert_eq!(
        ip(IP_MULTICAST_TTL, &[0xff]).unwrap(),
        SockOpt::MulticastTtl(Some(255))
    );
}

#[test]
fn ip_ttl_minus_one_is_default() {
    assert_eq!(
        ip(IP_TTL, &(-1i32).to_ne_bytes()).unwrap(),
        SockOpt::Ttl(None)
    );
}

#[test]
fn ip_ttl_zero_is_einval() {
    assert!(is_invalid(ip(IP_TTL, &0i32.to_ne_bytes())));
    assert!(is_invalid(ip(IP_TTL, &[0])));
}

#[test]
fn ip_ttl_256_is_einval() {
    assert!(is_invalid(ip(IP_TTL, &256i32.to_ne_bytes())));
    assert!(is_invalid(ip(IP_TTL, &(-2i32).to_ne_bytes())));
}

#[test]
fn ip_ttl_optlen_zero_is_einval() {
    assert!(is_bad_length(ip(IP_TTL, &[])));
}

#[test]
fn ip_ttl_three_bytes_reads_first_byte() {
    assert_eq!(ip(IP_TTL, &[7, 1, 1]).unwrap(), SockOpt::Ttl(Some(7)));
}

#[test]
fn ip_multicast_ttl_zero_is_accepted() {
    assert_eq!(
        ip(IP_MULTICAST_TTL, &0i32.to_ne_bytes()).unwrap(),
        SockOpt::MulticastTtl(Some(0))
    );
}

#[test]
fn ip_multicast_ttl_minus_one_is_default() {
    assert_eq!(
        ip(IP_MULTICAST_TTL, &(-1i32).to_ne_bytes()).unwrap(),
        SockOpt::MulticastTtl(None)
    );
}

#[test]
fn ip_multicast_ttl_256_is_einval() {
    assert!(is_invalid(ip(IP_MULTICAST_TTL, &256i32.to_ne_bytes())));
    assert!(is_bad_length(ip(IP_MULTICAST_TTL, &[])));
}

#[test]
fn ip_tos_keeps_low_byte_and_accepts_empty() {
    assert_eq!(
        ip(IP_TOS, &0x1_10i32.to_ne_bytes()).unwrap(),
        SockOpt::Tos(0x10)
    );
    assert_eq!(ip(IP_TOS, &[]).unwrap(), SockOpt::Tos(0));
    assert_eq!(ip(IP_TOS, &[0x10]).unwrap().to_string(), "IP_TOS 0x10");
}

#[test]
fn ip_mtu_discover_modes() {
    for (v, mode) in [
        (0, PmtuMode::Dont),
        (1, PmtuMode::Want),
        (2, PmtuMode::Do),
        (3, PmtuMode::Probe),
        (4, PmtuMode::Interface),
        (5, PmtuMode::Omit),
    ] {
        assert_eq!(
            ip(IP_MTU_DISCOVER, &i32::to_ne_bytes(v)).unwrap(),
            SockOpt::MtuDiscover(mode)
        );
    }
    assert_eq!(
        ip(IP_MTU_DISCOVER, &[2]).unwrap().to_string(),
        "IP_MTU_DISCOVER IP_PMTUDISC_DO"
    );
}

#[test]
fn ip_mtu_discover_six_is_einval() {
    assert!(is_invalid(ip(IP_MTU_DISCOVER, &6i32.to_ne_bytes())));
    assert!(is_invalid(ip(IP_MTU_DISCOVER, &(-1i32).to_ne_bytes())));
}

#[test]
fn ip_minttl_range() {
    assert!(is_invalid(ip(IP_MINTTL, &256i32.to_ne_bytes())));
    assert!(is_bad_length(ip(IP_MINTTL, &[])));
    assert_eq!(ip(IP_MINTTL, &[0]).unwrap().to_string(), "IP_MINTTL 0");
}

// ---- IP_UNICAST_IF ----

#[test]
fn ip_unicast_if_is_network_byte_order() {
    let optval = 3u32.to_be_bytes();
    let opt = ip(IP_UNICAST_IF, &optval).unwrap();
    assert_eq!(opt, SockOpt::UnicastIf(3));
    assert_eq!(opt.ifindex(), Some(3));
    assert_eq!(opt.to_string(), "IP_UNICAST_IF ifindex=3");
}

#[test]
fn ip_unicast_if_host_order_index_reads_as_large_index() {
    // A common bug: passing the index in host order. On little endian, 3 becomes 0x03000000.
    let optval = 3u32.to_le_bytes();
    let opt = ip(IP_UNICAST_IF, &optval).unwrap();
    assert_eq!(opt, SockOpt::UnicastIf(0x0300_0000));
}

#[test]
fn ip_unicast_if_zero_unbinds() {
    assert!(ip(IP_UNICAST_IF, &[0; 4]).unwrap().unbinds());
}

#[test]
fn ip_unicast_if_one_byte_is_einval() {
    assert!(is_bad_length(ip(IP_UNICAST_IF, &[3])));
}

#[test]
fn ip_unicast_if_eight_bytes_is_einval() {
    assert!(is_bad_length(ip(IP_UNICAST_IF, &[0; 8])));
}

// ---- IP_MULTICAST_IF ----

#[test]
fn ip_multicast_if_mreqn_uses_ifindex_and_keeps_address() {
    let optval = mreqn([239, 1, 1, 1], [192, 0, 2, 1], 4);
    let opt = ip(IP_MULTICAST_IF, &optval).unwrap();
    assert_eq!(
        opt,
        SockOpt::MulticastIf {
            interface: McastInterface::Index {
                ifindex: 4,
                address: Ipv4Addr::new(192, 0, 2, 1)
            },
            form: ArgForm::Mreqn
        }
    );
    assert_eq!(opt.ifindex(), Some(4));
    assert_eq!(opt.to_string(), "IP_MULTICAST_IF ifindex=4 addr=192.0.2.1");
}

#[test]
fn ip_multicast_if_eight_bytes_reads_second_field_as_address() {
    let b = [239, 1, 1, 1, 192, 0, 2, 7];
    let opt = ip(IP_MULTICAST_IF, &b).unwrap();
    assert_eq!(
        opt,
        SockOpt::MulticastIf {
            interface: McastInterface::Address(Ipv4Addr::new(192, 0, 2, 7)),
            form: ArgForm::Mreq
        }
    );
    assert_eq!(
        opt.addresses().collect::<std::vec::Vec<_>>(),
        [(AddrRole::Interface, Ipv4Addr::new(192, 0, 2, 7))]
    );
}

#[test]
fn ip_multicast_if_eleven_bytes_is_mreq() {
    let b = [239, 1, 1, 1, 192, 0, 2, 7, 9, 9, 9];
    assert!(matches!(
        ip(IP_MULTICAST_IF, &b).unwrap(),
        SockOpt::MulticastIf {
            form: ArgForm::Mreq,
            ..
        }
    ));
}

#[test]
fn ip_multicast_if_four_bytes_is_in_addr() {
    let opt = ip(IP_MULTICAST_IF, &[192, 0, 2, 1]).unwrap();
    assert_eq!(
        opt,
        SockOpt::MulticastIf {
            interface: McastInterface::Address(Ipv4Addr::new(192, 0, 2, 1)),
            form: ArgForm::InAddr
        }
    );
    // 5..=7 bytes are still a bare in_addr.
    assert_eq!(ip(IP_MULTICAST_IF, &[192, 0, 2, 1, 5, 6, 7]).unwrap(), opt);
}

#[test]
fn ip_multicast_if_three_bytes_is_einval() {
    assert!(is_bad_length(ip(IP_MULTICAST_IF, &[192, 0, 2])));
    assert!(is_bad_length(ip(IP_MULTICAST_IF, &[])));
}

#[test]
fn ip_multicast_if_any_resets() {
    let opt = ip(IP_MULTICAST_IF, &[0; 12]).unwrap();
    assert!(opt.unbinds());
    assert_eq!(opt.to_string(), "IP_MULTICAST_IF any");
}

#[test]
fn ip_multicast_if_negative_ifindex_is_eaddrnotavail() {
    assert!(is_invalid(ip(IP_MULTICAST_IF, &mreqn([0; 4], [0; 4], -5))));
}

// ---- IP_ADD/DROP_MEMBERSHIP ----

#[test]
fn ip_add_membership_mreqn() {
    let optval = mreqn([239, 1, 2, 3], [0; 4], 3);
    let opt = ip(IP_ADD_MEMBERSHIP, &optval).unwrap();
    assert_eq!(
        opt.to_string(),
        "IP_ADD_MEMBERSHIP group=239.1.2.3 ifindex=3"
    );
    assert_eq!(opt.ifindex(), Some(3));
    assert_eq!(
        opt.addresses().collect::<std::vec::Vec<_>>(),
        [(AddrRole::Group, Ipv4Addr::new(239, 1, 2, 3))]
    );
}

#[test]
fn ip_add_membership_mreq_interface_address() {
    let opt = ip(IP_ADD_MEMBERSHIP, &[239, 1, 2, 3, 192, 0, 2, 1]).unwrap();
    assert_eq!(
        opt,
        SockOpt::Membership {
            op: MembershipOp::Add,
            group: Ipv4Addr::new(239, 1, 2, 3),
            interface: McastInterface::Address(Ipv4Addr::new(192, 0, 2, 1)),
            form: ArgForm::Mreq
        }
    );
    assert_eq!(
        opt.to_string(),
        "IP_ADD_MEMBERSHIP group=239.1.2.3 addr=192.0.2.1"
    );
}

#[test]
fn ip_add_membership_seven_bytes_is_einval() {
    assert!(is_bad_length(ip(
        IP_ADD_MEMBERSHIP,
        &[239, 1, 2, 3, 0, 0, 0]
    )));
}

#[test]
fn ip_add_membership_unicast_group_is_einval() {
    assert!(is_invalid(ip(
        IP_ADD_MEMBERSHIP,
        &[192, 0, 2, 1, 0, 0, 0, 0]
    )));
}

#[test]
fn ip_drop_membership_unicast_group_is_not_predicted() {
    // The kernel answers EADDRNOTAVAIL (no such membership), a socket-state error.
    assert!(ip(IP_DROP_MEMBERSHIP, &[192, 0, 2, 1, 0, 0, 0, 0]).is_ok());
}

#[test]
fn ip_drop_membership_eleven_bytes_is_mreq() {
    let opt = ip(IP_DROP_MEMBERSHIP, &[239, 1, 2, 3, 0, 0, 0, 0, 1, 1, 1]).unwrap();
    assert!(matches!(
        opt,
        SockOpt::Membership {
            op: MembershipOp::Drop,
            form: ArgForm::Mreq,
            interface: McastInterface::Any,
            ..
        }
    ));
}

#[test]
fn ip_add_membership_sixteen_bytes_is_mreqn() {
    let mut b = [0u8; 16];
    b[..12].copy_from_slice(&mreqn([239, 1, 2, 3], [0; 4], 2));
    assert_eq!(ip(IP_ADD_MEMBERSHIP, &b).unwrap().ifindex(), Some(2));
}

// ---- source-specific ----

#[test]
fn ip_add_source_membership_linux_order() {
    let b = [232, 1, 1, 1, 192, 0, 2, 1, 198, 51, 100, 7];
    let opt = ip(IP_ADD_SOURCE_MEMBERSHIP, &b).unwrap();
    assert_eq!(
        opt.to_string(),
        "IP_ADD_SOURCE_MEMBERSHIP group=232.1.1.1 interface=192.0.2.1 source=198.51.100.7"
    );
    assert_eq!(opt.addresses().count(), 3);
}

#[test]
fn ip_source_options_eleven_bytes_is_einval() {
    for optname in [
        IP_ADD_SOURCE_MEMBERSHIP,
        IP_DROP_SOURCE_MEMBERSHIP,
        IP_BLOCK_SOURCE,
        IP_UNBLOCK_SOURCE,
    ] {
        assert!(is_bad_length(ip(
            optname,
            &[232, 1, 1, 1, 0, 0, 0, 0, 1, 2, 3]
        )));
    }
}

#[test]
fn ip_source_options_thirteen_bytes_is_einval() {
    assert!(is_bad_length(ip(IP_BLOCK_SOURCE, &[232; 13])));
}

#[test]
fn ip_block_source_unicast_group_is_einval() {
    assert!(is_invalid(ip(
        IP_BLOCK_SOURCE,
        &[192, 0, 2, 1, 0, 0, 0, 0, 1, 2, 3, 4]
    )));
}

// ---- other ----

#[test]
fn ip_unknown_option_is_other() {
    assert!(matches!(
        ip(IP_OPTIONS, &[1, 2, 3]).unwrap(),
        SockOpt::Other { .. }
    ));
    assert!(matches!(ip(1000, &[]).unwrap(), SockOpt::Other { .. }));
}

#[test]
fn unknown_level_is_other_with_numeric_display() {
    let opt = decode(IPPROTO_TCP, 13, &[1, 0, 0, 0]).unwrap();
    assert_eq!(opt.to_string(), "IPPROTO_TCP/13 (4 bytes)");
    let opt = decode(9999, 1, &[]).unwrap();
    assert_eq!(opt.to_string(), "9999/1 (0 bytes)");
}

#[test]
fn names() {
    assert_eq!(option_name(SOL_SOCKET, 62), Some("SO_BINDTOIFINDEX"));
    assert_eq!(option_name(IPPROTO_IP, 20), Some("IP_RECVORIGDSTADDR"));
    assert_eq!(option_name(IPPROTO_TCP, 1), None);
    assert_eq!(level_name(SOL_SOCKET), Some("SOL_SOCKET"));
    assert_eq!(OptionId::new(SOL_SOCKET, 25).to_string(), "SO_BINDTODEVICE");
}

#[test]
fn emit_then_decode_examples() {
    let name = IfName::from_bytes(b"eth1").unwrap();
    let cases = [
        SockOpt::BindToDevice(Some(name)),
        SockOpt::BindToDevice(None),
        SockOpt::BindToIfindex(9),
        SockOpt::Mark(0xdead_beef),
        SockOpt::UnicastIf(7),
        SockOpt::Ttl(None),
        SockOpt::MulticastTtl(Some(0)),
        SockOpt::MtuDiscover(PmtuMode::Probe),
        SockOpt::MulticastIf {
            interface: McastInterface::Address(Ipv4Addr::new(192, 0, 2, 1)),
            form: ArgForm::InAddr,
        },
    ];
    for opt in cases {
        let mut buf = [0u8; 64];
        let n = opt.emit(&mut buf).unwrap();
        assert_eq!(n, opt.buffer_len());
        let id = opt.option_id();
        assert_eq!(
            decode(id.level, id.optname, &buf[..n]).unwrap(),
            opt,
            "{opt}"
        );
    }
}

#[test]
fn emit_into_short_buffer_is_error() {
    assert!(matches!(
        SockOpt::Mark(1).emit(&mut [0u8; 3]),
        Err(Error::BufferTooSmall {
            needed: 4,
            got: 3,
            ..
        })
    ));
}
