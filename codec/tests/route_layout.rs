//! The BSD `rt_msghdr`/`rt_metrics` layouts, and the interface-message headers the `libc`
//! crate lacks, against a C compiler.
//!
//! The BSD headers are not on a Linux machine, so the structs are transcribed here from
//! `sys/net/route.h` of each system (FreeBSD main, xnu `bsd/net/route.h`, OpenBSD rev. 1.218,
//! NetBSD rev. 1.132, with NetBSD's `__align64` spelled out) with the LP64 C types, compiled by
//! `cc` for x86_64 (the same System V LP64 rules the BSDs and macOS use for these plain
//! structs), and every `sizeof`/`offsetof` compared with the Rust types.

use std::collections::BTreeMap;
use std::mem::{offset_of, size_of};
use std::process::Command;

use sockabi::route::{darwin, freebsd, netbsd, openbsd, BsdSockaddrIn, BsdSockaddrIn6, SockaddrDl};

/// The structs, as the headers declare them (types spelled as on LP64: `u_long` 8 bytes,
/// `pid_t` and `int` 4, `time_t` 8 on NetBSD).
const C_STRUCTS: &str = r#"
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
typedef unsigned char u_char;
typedef unsigned short u_short;
typedef unsigned int u_int;
typedef unsigned long u_long;
typedef int32_t bsd_pid_t;

struct fbsd_rt_metrics {
    u_long rmx_locks; u_long rmx_mtu; u_long rmx_hopcount; u_long rmx_expire;
    u_long rmx_recvpipe; u_long rmx_sendpipe; u_long rmx_ssthresh; u_long rmx_rtt;
    u_long rmx_rttvar; u_long rmx_pksent; u_long rmx_weight; u_long rmx_nhidx;
    u_long rmx_filler[2];
};
struct fbsd_rt_msghdr {
    u_short rtm_msglen; u_char rtm_version; u_char rtm_type; u_short rtm_index;
    u_short _rtm_spare1; int rtm_flags; int rtm_addrs; bsd_pid_t rtm_pid; int rtm_seq;
    int rtm_errno; int rtm_fmask; u_long rtm_inits; struct fbsd_rt_metrics rtm_rmx;
};

struct darwin_rt_metrics {
    uint32_t rmx_locks; uint32_t rmx_mtu; uint32_t rmx_hopcount; int32_t rmx_expire;
    uint32_t rmx_recvpipe; uint32_t rmx_sendpipe; uint32_t rmx_ssthresh; uint32_t rmx_rtt;
    uint32_t rmx_rttvar; uint32_t rmx_pksent; uint32_t rmx_state; uint32_t rmx_filler[3];
};
struct darwin_rt_msghdr {
    u_short rtm_msglen; u_char rtm_version; u_char rtm_type; u_short rtm_index;
    int rtm_flags; int rtm_addrs; bsd_pid_t rtm_pid; int rtm_seq; int rtm_errno;
    int rtm_use; uint32_t rtm_inits; struct darwin_rt_metrics rtm_rmx;
};

struct obsd_rt_metrics {
    uint64_t rmx_pksent; int64_t rmx_expire; u_int rmx_locks; u_int rmx_mtu;
    u_int rmx_refcnt; u_int rmx_hopcount; u_int rmx_recvpipe; u_int rmx_sendpipe;
    u_int rmx_ssthresh; u_int rmx_rtt; u_int rmx_rttvar; u_int rmx_pad;
};
struct obsd_rt_msghdr {
    u_short rtm_msglen; u_char rtm_version; u_char rtm_type; u_short rtm_hdrlen;
    u_short rtm_index; u_short rtm_tableid; u_char rtm_priority; u_char rtm_mpls;
    int rtm_addrs; int rtm_flags; int rtm_fmask; bsd_pid_t rtm_pid; int rtm_seq;
    int rtm_errno; u_int rtm_inits; struct obsd_rt_metrics rtm_rmx;
};

struct nbsd_rt_metrics {
    uint64_t rmx_locks; uint64_t rmx_mtu; uint64_t rmx_hopcount; uint64_t rmx_recvpipe;
    uint64_t rmx_sendpipe; uint64_t rmx_ssthresh; uint64_t rmx_rtt; uint64_t rmx_rttvar;
    int64_t rmx_expire; int64_t rmx_pksent;
};
struct nbsd_rt_msghdr {
    u_short rtm_msglen __attribute__((aligned(8)));
    u_char rtm_version; u_char rtm_type; u_short rtm_index; int rtm_flags; int rtm_addrs;
    bsd_pid_t rtm_pid; int rtm_seq; int rtm_errno; int rtm_use; int rtm_inits;
    struct nbsd_rt_metrics rtm_rmx __attribute__((aligned(8)));
};

struct bsd_sockaddr_in {
    uint8_t sin_len; uint8_t sin_family; uint16_t sin_port; uint32_t sin_addr; char sin_zero[8];
};
struct bsd_sockaddr_in6 {
    uint8_t sin6_len; uint8_t sin6_family; uint16_t sin6_port; uint32_t sin6_flowinfo;
    uint8_t sin6_addr[16]; uint32_t sin6_scope_id;
};
struct bsd_sockaddr_dl {
    u_char sdl_len; u_char sdl_family; u_short sdl_index; u_char sdl_type; u_char sdl_nlen;
    u_char sdl_alen; u_char sdl_slen; char sdl_data[12];
};

#define SIZE(s) printf(#s " sizeof %zu\n", sizeof(struct s));
#define OFF(s, f) printf(#s " " #f " %zu\n", offsetof(struct s, f));
"#;

/// For each C struct: its Rust type's size (unless `no_size`) and the offsets of the listed
/// fields, plus the C statements that print the same from the compiler.
macro_rules! layout {
    ($expected:ident, $c:ident, $c_struct:literal, $rust:ty, [$($field:ident),+ $(,)?]) => {
        $expected.insert(format!("{} sizeof", $c_struct), size_of::<$rust>());
        $c.push_str(&format!("SIZE({})\n", $c_struct));
        layout!($expected, $c, $c_struct, $rust, no_size [$($field),+]);
    };
    ($expected:ident, $c:ident, $c_struct:literal, $rust:ty, no_size [$($field:ident),+ $(,)?]) => {
        $(
            $expected.insert(format!("{} {}", $c_struct, stringify!($field)), offset_of!($rust, $field));
            $c.push_str(&format!("OFF({}, {})\n", $c_struct, stringify!($field)));
        )+
    };
}

#[test]
fn layouts_match_the_c_compiler() {
    let mut expected = BTreeMap::new();
    let mut body = String::new();
    layout!(
        expected,
        body,
        "fbsd_rt_metrics",
        freebsd::RtMetrics,
        [
            rmx_locks,
            rmx_mtu,
            rmx_hopcount,
            rmx_expire,
            rmx_recvpipe,
            rmx_sendpipe,
            rmx_ssthresh,
            rmx_rtt,
            rmx_rttvar,
            rmx_pksent,
            rmx_weight,
            rmx_nhidx,
            rmx_filler,
        ]
    );
    layout!(
        expected,
        body,
        "fbsd_rt_msghdr",
        freebsd::RtMsghdr,
        [
            rtm_msglen,
            rtm_version,
            rtm_type,
            rtm_index,
            _rtm_spare1,
            rtm_flags,
            rtm_addrs,
            rtm_pid,
            rtm_seq,
            rtm_errno,
            rtm_fmask,
            rtm_inits,
            rtm_rmx,
        ]
    );
    layout!(
        expected,
        body,
        "darwin_rt_metrics",
        darwin::RtMetrics,
        [
            rmx_locks,
            rmx_mtu,
            rmx_hopcount,
            rmx_expire,
            rmx_recvpipe,
            rmx_sendpipe,
            rmx_ssthresh,
            rmx_rtt,
            rmx_rttvar,
            rmx_pksent,
            rmx_state,
            rmx_filler,
        ]
    );
    layout!(
        expected,
        body,
        "darwin_rt_msghdr",
        darwin::RtMsghdr,
        [
            rtm_msglen,
            rtm_version,
            rtm_type,
            rtm_index,
            rtm_flags,
            rtm_addrs,
            rtm_pid,
            rtm_seq,
            rtm_errno,
            rtm_use,
            rtm_inits,
            rtm_rmx,
        ]
    );
    layout!(
        expected,
        body,
        "obsd_rt_metrics",
        openbsd::RtMetrics,
        [
            rmx_pksent,
            rmx_expire,
            rmx_locks,
            rmx_mtu,
            rmx_refcnt,
            rmx_hopcount,
            rmx_recvpipe,
            rmx_sendpipe,
            rmx_ssthresh,
            rmx_rtt,
            rmx_rttvar,
            rmx_pad,
        ]
    );
    layout!(
        expected,
        body,
        "obsd_rt_msghdr",
        openbsd::RtMsghdr,
        [
            rtm_msglen,
            rtm_version,
            rtm_type,
            rtm_hdrlen,
            rtm_index,
            rtm_tableid,
            rtm_priority,
            rtm_mpls,
            rtm_addrs,
            rtm_flags,
            rtm_fmask,
            rtm_pid,
            rtm_seq,
            rtm_errno,
            rtm_inits,
            rtm_rmx,
        ]
    );
    layout!(
        expected,
        body,
        "nbsd_rt_metrics",
        netbsd::RtMetrics,
        [
            rmx_locks,
            rmx_mtu,
            rmx_hopcount,
            rmx_recvpipe,
            rmx_sendpipe,
            rmx_ssthresh,
            rmx_rtt,
            rmx_rttvar,
            rmx_expire,
            rmx_pksent,
        ]
    );
    layout!(
        expected,
        body,
        "nbsd_rt_msghdr",
        netbsd::RtMsghdr,
        [
            rtm_msglen,
            rtm_version,
            rtm_type,
            rtm_index,
            rtm_flags,
            rtm_addrs,
            rtm_pid,
            rtm_seq,
            rtm_errno,
            rtm_use,
            rtm_inits,
            rtm_rmx,
        ]
    );
    layout!(
        expected,
        body,
        "bsd_sockaddr_in",
        BsdSockaddrIn,
        [sin_len, sin_family, sin_port, sin_addr, sin_zero,]
    );
    layout!(
        expected,
        body,
        "bsd_sockaddr_in6",
        BsdSockaddrIn6,
        [
            sin6_len,
            sin6_family,
            sin6_port,
            sin6_flowinfo,
            sin6_addr,
            sin6_scope_id,
        ]
    );
    // Only the fixed part of sockaddr_dl is a Rust struct: its size is sdl_data's offset.
    layout!(expected, body, "bsd_sockaddr_dl", SockaddrDl, no_size [
        sdl_len, sdl_family, sdl_index, sdl_type, sdl_nlen, sdl_alen, sdl_slen,
    ]);
    expected.insert(
        "bsd_sockaddr_dl sdl_data".to_owned(),
        size_of::<SockaddrDl>(),
    );
    body.push_str("OFF(bsd_sockaddr_dl, sdl_data)\n");

    let got = run_c(&format!(
        "{C_STRUCTS}\nint main(void) {{\n{body}return 0;\n}}\n"
    ));
    assert_eq!(got, expected);
}

/// The interface-message headers the `libc` crate lacks (so `codec/layout-check` cannot check
/// them), transcribed from OpenBSD's and NetBSD's `sys/net/if.h` (NetBSD's `__align64` spelled
/// out).
const C_IF_STRUCTS: &str = r#"
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
typedef unsigned char u_char;
typedef unsigned short u_short;
typedef int32_t bsd_pid_t;

struct obsd_ifa_msghdr {
    u_short ifam_msglen; u_char ifam_version; u_char ifam_type; u_short ifam_hdrlen;
    u_short ifam_index; u_short ifam_tableid; u_char ifam_pad1; u_char ifam_pad2;
    int ifam_addrs; int ifam_flags; int ifam_metric;
};
struct obsd_if_announcemsghdr {
    u_short ifan_msglen; u_char ifan_version; u_char ifan_type; u_short ifan_hdrlen;
    u_short ifan_index; u_short ifan_what; char ifan_name[16];
};
struct nbsd_ifa_msghdr {
    u_short ifam_msglen __attribute__((aligned(8)));
    u_char ifam_version; u_char ifam_type; u_short ifam_index; int ifam_flags; int ifam_addrs;
    bsd_pid_t ifam_pid; int ifam_addrflags; int ifam_metric;
};
struct nbsd_if_announcemsghdr {
    u_short ifan_msglen __attribute__((aligned(8)));
    u_char ifan_version; u_char ifan_type; u_short ifan_index; char ifan_name[16];
    u_short ifan_what;
};

#define SIZE(s) printf(#s " sizeof %zu\n", sizeof(struct s));
#define OFF(s, f) printf(#s " " #f " %zu\n", offsetof(struct s, f));
"#;

#[test]
fn interface_layouts_libc_lacks_match_the_c_compiler() {
    let mut expected = BTreeMap::new();
    let mut body = String::new();
    layout!(
        expected,
        body,
        "obsd_ifa_msghdr",
        openbsd::IfaMsghdr,
        [
            ifam_msglen,
            ifam_version,
            ifam_type,
            ifam_hdrlen,
            ifam_index,
            ifam_tableid,
            ifam_pad1,
            ifam_pad2,
            ifam_addrs,
            ifam_flags,
            ifam_metric,
        ]
    );
    layout!(
        expected,
        body,
        "obsd_if_announcemsghdr",
        openbsd::IfAnnouncemsghdr,
        [
            ifan_msglen,
            ifan_version,
            ifan_type,
            ifan_hdrlen,
            ifan_index,
            ifan_what,
            ifan_name,
        ]
    );
    layout!(
        expected,
        body,
        "nbsd_ifa_msghdr",
        netbsd::IfaMsghdr,
        [
            ifam_msglen,
            ifam_version,
            ifam_type,
            ifam_index,
            ifam_flags,
            ifam_addrs,
            ifam_pid,
            ifam_addrflags,
            ifam_metric,
        ]
    );
    layout!(
        expected,
        body,
        "nbsd_if_announcemsghdr",
        netbsd::IfAnnouncemsghdr,
        [
            ifan_msglen,
            ifan_version,
            ifan_type,
            ifan_index,
            ifan_name,
            ifan_what,
        ]
    );
    let got = run_c(&format!(
        "{C_IF_STRUCTS}\nint main(void) {{\n{body}return 0;\n}}\n"
    ));
    assert_eq!(got, expected);
}

/// Compiles and runs `source`, returning its "struct field value" lines as a map.
fn run_c(source: &str) -> BTreeMap<String, usize> {
    // One directory per call: the tests of this file run in parallel.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "sockabi-route-layout-{}-{call}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    let c_file = dir.join("layout.c");
    let exe = dir.join("layout");
    std::fs::write(&c_file, source).expect("write the C program");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    let status = Command::new(&cc)
        .args(["-std=c11", "-Wall", "-Werror", "-o"])
        .arg(&exe)
        .arg(&c_file)
        .status()
        .unwrap_or_else(|e| panic!("running {cc} (a C compiler is needed for this test): {e}"));
    assert!(status.success(), "{cc} failed on {}", c_file.display());
    let out = Command::new(&exe).output().expect("run the layout program");
    assert!(out.status.success());
    std::fs::remove_dir_all(&dir).ok();
    String::from_utf8(out.stdout)
        .expect("ASCII output")
        .lines()
        .map(|line| {
            let (key, value) = line.rsplit_once(' ').expect("'struct field value'");
            (key.to_owned(), value.parse().expect("a number"))
        })
        .collect()
}
