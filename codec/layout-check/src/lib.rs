//! Compile-time cross-check of `sockabi::route` against the `libc` crate, one target at a time.
//!
//! Every check is a `const` assertion, so `cargo check --target T` passing *is* the test: a
//! size, an offset or a constant that differs from libc's for target `T` fails the build with
//! the name of what differs.
//!
//! ```text
//! cargo check --target x86_64-unknown-freebsd   # rt_msghdr, if_msghdr(l), ifa(l)/ifma/if_announce, constants
//! cargo check --target x86_64-apple-darwin      # rt_msghdr(2), if_msghdr(2), ifa/ifma(2), constants
//! cargo check --target x86_64-unknown-netbsd    # if_msghdr/if_data, constants (libc has no rt_msghdr)
//! cargo +nightly check -Z build-std=core --target x86_64-unknown-openbsd   # likewise (tier 3)
//! ```
//!
//! Where libc lacks a struct (NetBSD's and OpenBSD's `rt_msghdr`, `ifa_msghdr` and
//! `if_announcemsghdr`), its size and offsets are asserted in the unit tests of
//! `sockabi::route::{netbsd, openbsd}` from the cited headers and compared with a C compiler in
//! `codec/tests/route_layout.rs`; the message-type numbers are still checked here.
//!
//! On any other target (Linux, say) the crate is empty and checks nothing.
#![no_std]

/// Asserts at compile time that each pair of values is equal (compared as `i128`).
#[allow(unused_macros)]
macro_rules! same_value {
    ($($ours:expr => $theirs:expr),+ $(,)?) => {
        $(
            const _: () = assert!(
                $ours as i128 == $theirs as i128,
                concat!("value differs from libc: ", stringify!($ours))
            );
        )+
    };
}

/// Asserts at compile time that each field is at the same offset in both structs.
#[allow(unused_macros)]
macro_rules! same_offsets {
    ($ours:ty, $theirs:ty: $($field:ident),+ $(,)?) => {
        $(
            const _: () = assert!(
                core::mem::offset_of!($ours, $field) == core::mem::offset_of!($theirs, $field),
                concat!("offset differs from libc: ", stringify!($ours), ".", stringify!($field))
            );
        )+
    };
}

/// Asserts at compile time that each pair of types has the same size.
#[allow(unused_macros)]
macro_rules! same_size {
    ($($ours:ty => $theirs:ty),+ $(,)?) => {
        $(
            const _: () = assert!(
                core::mem::size_of::<$ours>() == core::mem::size_of::<$theirs>(),
                concat!("size differs from libc: ", stringify!($ours))
            );
        )+
    };
}

/// The BSD sockaddrs and the constants every one of the four systems shares.
#[cfg(any(
    target_os = "freebsd",
    target_os = "macos",
    target_os = "netbsd",
    target_os = "openbsd"
))]
mod common {
    use sockabi::route::{self, BsdSockaddrIn, BsdSockaddrIn6, Os, RtaBit, SockaddrDl};

    #[cfg(target_os = "freebsd")]
    const OS: Os = Os::FreeBsd;
    #[cfg(target_os = "macos")]
    const OS: Os = Os::Darwin;
    #[cfg(target_os = "netbsd")]
    const OS: Os = Os::NetBsd;
    #[cfg(target_os = "openbsd")]
    const OS: Os = Os::OpenBsd;

    same_size!(BsdSockaddrIn => libc::sockaddr_in, BsdSockaddrIn6 => libc::sockaddr_in6);
    same_offsets!(BsdSockaddrIn, libc::sockaddr_in: sin_len, sin_family, sin_port, sin_addr, sin_zero);
    same_offsets!(BsdSockaddrIn6, libc::sockaddr_in6:
        sin6_len, sin6_family, sin6_port, sin6_flowinfo, sin6_addr, sin6_scope_id);
    same_offsets!(SockaddrDl, libc::sockaddr_dl:
        sdl_len, sdl_family, sdl_index, sdl_type, sdl_nlen, sdl_alen, sdl_slen);
    same_value!(
        SockaddrDl::HEADER_LEN => core::mem::offset_of!(libc::sockaddr_dl, sdl_data),
        OS.sockaddr_dl_len() => core::mem::size_of::<libc::sockaddr_dl>(),
        OS.af_inet6() => libc::AF_INET6,
        OS.rtm_version() => libc::RTM_VERSION,
        OS.rtax_max() => libc::RTAX_MAX,
        route::AF_INET => libc::AF_INET,
        route::AF_LINK => libc::AF_LINK,
        route::AF_UNSPEC => libc::AF_UNSPEC,
        route::EEXIST => libc::EEXIST,
        route::ESRCH => libc::ESRCH,
        route::ENOBUFS => libc::ENOBUFS,
        route::RTM_GET => libc::RTM_GET,
        route::RTF_UP => libc::RTF_UP,
        route::RTF_GATEWAY => libc::RTF_GATEWAY,
        route::RTF_HOST => libc::RTF_HOST,
        RtaBit::DST.mask() => libc::RTA_DST,
        RtaBit::GATEWAY.mask() => libc::RTA_GATEWAY,
        RtaBit::NETMASK.mask() => libc::RTA_NETMASK,
        RtaBit::GENMASK.mask() => libc::RTA_GENMASK,
        RtaBit::IFP.mask() => libc::RTA_IFP,
        RtaBit::IFA.mask() => libc::RTA_IFA,
        RtaBit::AUTHOR.mask() => libc::RTA_AUTHOR,
        RtaBit::BRD.mask() => libc::RTA_BRD,
        RtaBit::DST.index() => libc::RTAX_DST,
        RtaBit::GATEWAY.index() => libc::RTAX_GATEWAY,
        RtaBit::NETMASK.index() => libc::RTAX_NETMASK,
        RtaBit::GENMASK.index() => libc::RTAX_GENMASK,
        RtaBit::IFP.index() => libc::RTAX_IFP,
        RtaBit::IFA.index() => libc::RTAX_IFA,
        RtaBit::AUTHOR.index() => libc::RTAX_AUTHOR,
        RtaBit::BRD.index() => libc::RTAX_BRD,
    );
}

/// FreeBSD: `rt_msghdr` and `rt_metrics` field by field (the spare and filler fields are
/// private in libc, so they are covered by the sizes), and the constants.
#[cfg(target_os = "freebsd")]
mod freebsd {
    use sockabi::route::freebsd::*;

    same_size!(RtMsghdr => libc::rt_msghdr, RtMetrics => libc::rt_metrics);
    same_offsets!(RtMsghdr, libc::rt_msghdr:
        rtm_msglen, rtm_version, rtm_type, rtm_index, rtm_flags, rtm_addrs, rtm_pid,
        rtm_seq, rtm_errno, rtm_fmask, rtm_inits, rtm_rmx);
    same_offsets!(RtMetrics, libc::rt_metrics:
        rmx_locks, rmx_mtu, rmx_hopcount, rmx_expire, rmx_recvpipe, rmx_sendpipe,
        rmx_ssthresh, rmx_rtt, rmx_rttvar, rmx_pksent, rmx_weight, rmx_nhidx);
    same_value!(
        RTM_VERSION => libc::RTM_VERSION,
        SA_ALIGN => core::mem::size_of::<libc::c_long>(),
        AF_INET6 => libc::AF_INET6,
        RTM_ADD => libc::RTM_ADD,
        RTM_DELETE => libc::RTM_DELETE,
        RTM_CHANGE => libc::RTM_CHANGE,
        RTM_GET => libc::RTM_GET,
        RTM_LOSING => libc::RTM_LOSING,
        RTM_REDIRECT => libc::RTM_REDIRECT,
        RTM_MISS => libc::RTM_MISS,
        RTM_LOCK => libc::RTM_LOCK,
        RTM_RESOLVE => libc::RTM_RESOLVE,
        RTM_NEWADDR => libc::RTM_NEWADDR,
        RTM_DELADDR => libc::RTM_DELADDR,
        RTM_IFINFO => libc::RTM_IFINFO,
        RTM_NEWMADDR => libc::RTM_NEWMADDR,
        RTM_DELMADDR => libc::RTM_DELMADDR,
        RTM_IFANNOUNCE => libc::RTM_IFANNOUNCE,
        RTM_IEEE80211 => libc::RTM_IEEE80211,
        RTAX_MAX => libc::RTAX_MAX,
        RtFlags::REJECT.bits() => libc::RTF_REJECT,
        RtFlags::DYNAMIC.bits() => libc::RTF_DYNAMIC,
        RtFlags::MODIFIED.bits() => libc::RTF_MODIFIED,
        RtFlags::DONE.bits() => libc::RTF_DONE,
        RtFlags::XRESOLVE.bits() => libc::RTF_XRESOLVE,
        RtFlags::LLDATA.bits() => libc::RTF_LLDATA,
        RtFlags::STATIC.bits() => libc::RTF_STATIC,
        RtFlags::BLACKHOLE.bits() => libc::RTF_BLACKHOLE,
        RtFlags::PROTO1.bits() => libc::RTF_PROTO1,
        RtFlags::PROTO2.bits() => libc::RTF_PROTO2,
        RtFlags::PROTO3.bits() => libc::RTF_PROTO3,
        RtFlags::FIXEDMTU.bits() => libc::RTF_FIXEDMTU,
        RtFlags::PINNED.bits() => libc::RTF_PINNED,
        RtFlags::LOCAL.bits() => libc::RTF_LOCAL,
        RtFlags::BROADCAST.bits() => libc::RTF_BROADCAST,
        RtFlags::MULTICAST.bits() => libc::RTF_MULTICAST,
    );
}

/// FreeBSD's interface messages (`sys/net/if.h`) field by field. The two unions that end
/// `if_data` (`__ifi_epoch`, `__ifi_lastchange`) are covered by its size.
#[cfg(target_os = "freebsd")]
mod freebsd_if {
    use sockabi::route::freebsd::*;

    same_size!(
        IfData => libc::if_data,
        IfMsghdr => libc::if_msghdr,
        IfaMsghdr => libc::ifa_msghdr,
        IfMsghdrl => libc::if_msghdrl,
        IfaMsghdrl => libc::ifa_msghdrl,
        IfmaMsghdr => libc::ifma_msghdr,
        IfAnnouncemsghdr => libc::if_announcemsghdr,
    );
    same_offsets!(IfMsghdrl, libc::if_msghdrl:
        ifm_msglen, ifm_version, ifm_type, ifm_addrs, ifm_flags, ifm_index, _ifm_spare1,
        ifm_len, ifm_data_off, _ifm_spare2, ifm_data);
    same_offsets!(IfaMsghdrl, libc::ifa_msghdrl:
        ifam_msglen, ifam_version, ifam_type, ifam_addrs, ifam_flags, ifam_index, _ifam_spare1,
        ifam_len, ifam_data_off, ifam_metric, ifam_data);
    same_offsets!(IfData, libc::if_data:
        ifi_type, ifi_physical, ifi_addrlen, ifi_hdrlen, ifi_link_state, ifi_vhid, ifi_datalen,
        ifi_mtu, ifi_metric, ifi_baudrate, ifi_ipackets, ifi_ierrors, ifi_opackets, ifi_oerrors,
        ifi_collisions, ifi_ibytes, ifi_obytes, ifi_imcasts, ifi_omcasts, ifi_iqdrops,
        ifi_oqdrops, ifi_noproto, ifi_hwassist);
    same_offsets!(IfMsghdr, libc::if_msghdr:
        ifm_msglen, ifm_version, ifm_type, ifm_addrs, ifm_flags, ifm_index, _ifm_spare1, ifm_data);
    same_offsets!(IfaMsghdr, libc::ifa_msghdr:
        ifam_msglen, ifam_version, ifam_type, ifam_addrs, ifam_flags, ifam_index, _ifam_spare1,
        ifam_metric);
    same_offsets!(IfmaMsghdr, libc::ifma_msghdr:
        ifmam_msglen, ifmam_version, ifmam_type, ifmam_addrs, ifmam_flags, ifmam_index,
        _ifmam_spare1);
    same_offsets!(IfAnnouncemsghdr, libc::if_announcemsghdr:
        ifan_msglen, ifan_version, ifan_type, ifan_index, ifan_name, ifan_what);
}

/// Darwin: `rt_msghdr` and `rt_metrics` field by field, and the constants.
#[cfg(target_os = "macos")]
mod darwin {
    use sockabi::route::darwin::*;

    same_size!(RtMsghdr => libc::rt_msghdr, RtMetrics => libc::rt_metrics);
    same_offsets!(RtMsghdr, libc::rt_msghdr:
        rtm_msglen, rtm_version, rtm_type, rtm_index, rtm_flags, rtm_addrs, rtm_pid,
        rtm_seq, rtm_errno, rtm_use, rtm_inits, rtm_rmx);
    same_offsets!(RtMetrics, libc::rt_metrics:
        rmx_locks, rmx_mtu, rmx_hopcount, rmx_expire, rmx_recvpipe, rmx_sendpipe,
        rmx_ssthresh, rmx_rtt, rmx_rttvar, rmx_pksent, rmx_state, rmx_filler);
    same_value!(
        RTM_VERSION => libc::RTM_VERSION,
        SA_ALIGN => core::mem::size_of::<u32>(),
        AF_INET6 => libc::AF_INET6,
        RTM_ADD => libc::RTM_ADD,
        RTM_DELETE => libc::RTM_DELETE,
        RTM_CHANGE => libc::RTM_CHANGE,
        RTM_GET => libc::RTM_GET,
        RTM_LOSING => libc::RTM_LOSING,
        RTM_REDIRECT => libc::RTM_REDIRECT,
        RTM_MISS => libc::RTM_MISS,
        RTM_LOCK => libc::RTM_LOCK,
        RTM_OLDADD => libc::RTM_OLDADD,
        RTM_OLDDEL => libc::RTM_OLDDEL,
        RTM_RESOLVE => libc::RTM_RESOLVE,
        RTM_NEWADDR => libc::RTM_NEWADDR,
        RTM_DELADDR => libc::RTM_DELADDR,
        RTM_IFINFO => libc::RTM_IFINFO,
        RTM_NEWMADDR => libc::RTM_NEWMADDR,
        RTM_DELMADDR => libc::RTM_DELMADDR,
        RTM_IFINFO2 => libc::RTM_IFINFO2,
        RTM_NEWMADDR2 => libc::RTM_NEWMADDR2,
        RTM_GET2 => libc::RTM_GET2,
        RTAX_MAX => libc::RTAX_MAX,
        RtFlags::REJECT.bits() => libc::RTF_REJECT,
        RtFlags::DONE.bits() => libc::RTF_DONE,
        RtFlags::DELCLONE.bits() => libc::RTF_DELCLONE,
        RtFlags::CLONING.bits() => libc::RTF_CLONING,
        RtFlags::XRESOLVE.bits() => libc::RTF_XRESOLVE,
        RtFlags::LLINFO.bits() => libc::RTF_LLINFO,
        RtFlags::STATIC.bits() => libc::RTF_STATIC,
        RtFlags::BLACKHOLE.bits() => libc::RTF_BLACKHOLE,
        RtFlags::NOIFREF.bits() => libc::RTF_NOIFREF,
        RtFlags::PRCLONING.bits() => libc::RTF_PRCLONING,
        RtFlags::WASCLONED.bits() => libc::RTF_WASCLONED,
        RtFlags::PROTO3.bits() => libc::RTF_PROTO3,
        RtFlags::PINNED.bits() => libc::RTF_PINNED,
        RtFlags::LOCAL.bits() => libc::RTF_LOCAL,
        RtFlags::BROADCAST.bits() => libc::RTF_BROADCAST,
        RtFlags::MULTICAST.bits() => libc::RTF_MULTICAST,
        RtFlags::IFSCOPE.bits() => libc::RTF_IFSCOPE,
        RtFlags::CONDEMNED.bits() => libc::RTF_CONDEMNED,
        RtFlags::IFREF.bits() => libc::RTF_IFREF,
        RtFlags::PROXY.bits() => libc::RTF_PROXY,
        RtFlags::ROUTER.bits() => libc::RTF_ROUTER,
        RtFlags::DEAD.bits() => libc::RTF_DEAD,
        RtFlags::GLOBAL.bits() => libc::RTF_GLOBAL,
    );
}

/// Darwin's interface messages and the `*2` variants of its `NET_RT_DUMP2`/`NET_RT_IFLIST2`
/// dumps (`bsd/net/if.h`, `bsd/net/route.h`) field by field.
#[cfg(target_os = "macos")]
mod darwin_if {
    use sockabi::route::darwin::*;

    same_size!(
        IfData => libc::if_data,
        IfData64 => libc::if_data64,
        IfMsghdr => libc::if_msghdr,
        IfMsghdr2 => libc::if_msghdr2,
        IfaMsghdr => libc::ifa_msghdr,
        IfmaMsghdr => libc::ifma_msghdr,
        IfmaMsghdr2 => libc::ifma_msghdr2,
        RtMsghdr2 => libc::rt_msghdr2,
    );
    same_offsets!(IfData, libc::if_data:
        ifi_type, ifi_typelen, ifi_physical, ifi_addrlen, ifi_hdrlen, ifi_recvquota,
        ifi_xmitquota, ifi_unused1, ifi_mtu, ifi_metric, ifi_baudrate, ifi_ipackets, ifi_ierrors,
        ifi_opackets, ifi_oerrors, ifi_collisions, ifi_ibytes, ifi_obytes, ifi_imcasts,
        ifi_omcasts, ifi_iqdrops, ifi_noproto, ifi_recvtiming, ifi_xmittiming, ifi_lastchange,
        ifi_unused2, ifi_hwassist, ifi_reserved1, ifi_reserved2);
    same_offsets!(IfData64, libc::if_data64:
        ifi_type, ifi_typelen, ifi_physical, ifi_addrlen, ifi_hdrlen, ifi_recvquota,
        ifi_xmitquota, ifi_unused1, ifi_mtu, ifi_metric, ifi_baudrate, ifi_ipackets, ifi_ierrors,
        ifi_opackets, ifi_oerrors, ifi_collisions, ifi_ibytes, ifi_obytes, ifi_imcasts,
        ifi_omcasts, ifi_iqdrops, ifi_noproto, ifi_recvtiming, ifi_xmittiming, ifi_lastchange);
    same_offsets!(IfMsghdr, libc::if_msghdr:
        ifm_msglen, ifm_version, ifm_type, ifm_addrs, ifm_flags, ifm_index, ifm_data);
    same_offsets!(IfMsghdr2, libc::if_msghdr2:
        ifm_msglen, ifm_version, ifm_type, ifm_addrs, ifm_flags, ifm_index, ifm_snd_len,
        ifm_snd_maxlen, ifm_snd_drops, ifm_timer, ifm_data);
    same_offsets!(IfaMsghdr, libc::ifa_msghdr:
        ifam_msglen, ifam_version, ifam_type, ifam_addrs, ifam_flags, ifam_index, ifam_metric);
    same_offsets!(IfmaMsghdr, libc::ifma_msghdr:
        ifmam_msglen, ifmam_version, ifmam_type, ifmam_addrs, ifmam_flags, ifmam_index);
    same_offsets!(IfmaMsghdr2, libc::ifma_msghdr2:
        ifmam_msglen, ifmam_version, ifmam_type, ifmam_addrs, ifmam_flags, ifmam_index,
        ifmam_refcount);
    same_offsets!(RtMsghdr2, libc::rt_msghdr2:
        rtm_msglen, rtm_version, rtm_type, rtm_index, rtm_flags, rtm_addrs, rtm_refcnt,
        rtm_parentflags, rtm_reserved, rtm_use, rtm_inits, rtm_rmx);
}

/// NetBSD's `if_msghdr` and `if_data` (`sys/net/if.h`, `__align64` included) field by field;
/// libc has no `ifa_msghdr` or `if_announcemsghdr` (see the crate docs).
#[cfg(target_os = "netbsd")]
mod netbsd_if {
    use sockabi::route::netbsd::*;

    same_size!(IfData => libc::if_data, IfMsghdr => libc::if_msghdr);
    same_offsets!(IfData, libc::if_data:
        ifi_type, ifi_addrlen, ifi_hdrlen, ifi_link_state, ifi_mtu, ifi_metric, ifi_baudrate,
        ifi_ipackets, ifi_ierrors, ifi_opackets, ifi_oerrors, ifi_collisions, ifi_ibytes,
        ifi_obytes, ifi_imcasts, ifi_omcasts, ifi_iqdrops, ifi_noproto, ifi_lastchange);
    same_offsets!(IfMsghdr, libc::if_msghdr:
        ifm_msglen, ifm_version, ifm_type, ifm_addrs, ifm_flags, ifm_index, ifm_data);
}

/// OpenBSD's `if_msghdr` and `if_data` (`sys/net/if.h`) field by field; libc has no
/// `ifa_msghdr` or `if_announcemsghdr` (see the crate docs).
#[cfg(target_os = "openbsd")]
mod openbsd_if {
    use sockabi::route::openbsd::*;

    same_size!(IfData => libc::if_data, IfMsghdr => libc::if_msghdr);
    same_offsets!(IfData, libc::if_data:
        ifi_type, ifi_addrlen, ifi_hdrlen, ifi_link_state, ifi_mtu, ifi_metric, ifi_rdomain,
        ifi_baudrate, ifi_ipackets, ifi_ierrors, ifi_opackets, ifi_oerrors, ifi_collisions,
        ifi_ibytes, ifi_obytes, ifi_imcasts, ifi_omcasts, ifi_iqdrops, ifi_oqdrops, ifi_noproto,
        ifi_capabilities, ifi_lastchange);
    same_offsets!(IfMsghdr, libc::if_msghdr:
        ifm_msglen, ifm_version, ifm_type, ifm_hdrlen, ifm_index, ifm_tableid, ifm_pad1,
        ifm_pad2, ifm_addrs, ifm_flags, ifm_xflags, ifm_data);
}

/// NetBSD: libc has no `rt_msghdr`, so the constants (the renumbered `RTM_*` above all).
#[cfg(target_os = "netbsd")]
mod netbsd {
    use sockabi::route::netbsd::*;

    same_value!(
        RTM_VERSION => libc::RTM_VERSION,
        AF_INET6 => libc::AF_INET6,
        RTM_ADD => libc::RTM_ADD,
        RTM_GET => libc::RTM_GET,
        RTM_MISS => libc::RTM_MISS,
        RTM_LOCK => libc::RTM_LOCK,
        RTM_IFANNOUNCE => libc::RTM_IFANNOUNCE,
        RTM_IEEE80211 => libc::RTM_IEEE80211,
        RTM_SETGATE => libc::RTM_SETGATE,
        RTM_LLINFO_UPD => libc::RTM_LLINFO_UPD,
        RTM_IFINFO => libc::RTM_IFINFO,
        RTM_OCHGADDR => libc::RTM_OCHGADDR,
        RTM_NEWADDR => libc::RTM_NEWADDR,
        RTM_DELADDR => libc::RTM_DELADDR,
        RTM_CHGADDR => libc::RTM_CHGADDR,
        RTA_TAG => libc::RTA_TAG,
        RTAX_TAG => libc::RTAX_TAG,
        RTAX_MAX => libc::RTAX_MAX,
        RtFlags::MASK.bits() => libc::RTF_MASK,
        RtFlags::CONNECTED.bits() => libc::RTF_CONNECTED,
        RtFlags::STATIC.bits() => libc::RTF_STATIC,
        RtFlags::BLACKHOLE.bits() => libc::RTF_BLACKHOLE,
        RtFlags::ANNOUNCE.bits() => libc::RTF_ANNOUNCE,
        RtFlags::SRC.bits() => libc::RTF_SRC,
        RtFlags::LOCAL.bits() => libc::RTF_LOCAL,
        RtFlags::BROADCAST.bits() => libc::RTF_BROADCAST,
        RtFlags::UPDATING.bits() => libc::RTF_UPDATING,
    );
}

/// OpenBSD: libc has no `rt_msghdr`, so the constants (the extra `RTM_*` and `RTA_*`).
#[cfg(target_os = "openbsd")]
mod openbsd {
    use sockabi::route::openbsd::*;

    same_value!(
        RTM_VERSION => libc::RTM_VERSION,
        AF_INET6 => libc::AF_INET6,
        RTM_ADD => libc::RTM_ADD,
        RTM_GET => libc::RTM_GET,
        RTM_MISS => libc::RTM_MISS,
        RTM_RESOLVE => libc::RTM_RESOLVE,
        RTM_NEWADDR => libc::RTM_NEWADDR,
        RTM_DELADDR => libc::RTM_DELADDR,
        RTM_IFINFO => libc::RTM_IFINFO,
        RTM_IFANNOUNCE => libc::RTM_IFANNOUNCE,
        RTM_DESYNC => libc::RTM_DESYNC,
        RTM_INVALIDATE => libc::RTM_INVALIDATE,
        RTM_BFD => libc::RTM_BFD,
        RTM_PROPOSAL => libc::RTM_PROPOSAL,
        RTM_CHGADDRATTR => libc::RTM_CHGADDRATTR,
        RTM_80211INFO => libc::RTM_80211INFO,
        RTM_SOURCE => libc::RTM_SOURCE,
        RTA_SRC => libc::RTA_SRC,
        RTA_SRCMASK => libc::RTA_SRCMASK,
        RTA_LABEL => libc::RTA_LABEL,
        RTA_BFD => libc::RTA_BFD,
        RTA_DNS => libc::RTA_DNS,
        RTA_STATIC => libc::RTA_STATIC,
        RTA_SEARCH => libc::RTA_SEARCH,
        RTAX_SRC => libc::RTAX_SRC,
        RTAX_SRCMASK => libc::RTAX_SRCMASK,
        RTAX_LABEL => libc::RTAX_LABEL,
        RTAX_BFD => libc::RTAX_BFD,
        RTAX_DNS => libc::RTAX_DNS,
        RTAX_STATIC => libc::RTAX_STATIC,
        RTAX_SEARCH => libc::RTAX_SEARCH,
        RTAX_MAX => libc::RTAX_MAX,
        RtFlags::CLONING.bits() => libc::RTF_CLONING,
        RtFlags::MULTICAST.bits() => libc::RTF_MULTICAST,
        RtFlags::LLINFO.bits() => libc::RTF_LLINFO,
        RtFlags::PROTO3.bits() => libc::RTF_PROTO3,
        RtFlags::CLONED.bits() => libc::RTF_CLONED,
        RtFlags::CACHED.bits() => libc::RTF_CACHED,
        RtFlags::MPATH.bits() => libc::RTF_MPATH,
        RtFlags::MPLS.bits() => libc::RTF_MPLS,
        RtFlags::LOCAL.bits() => libc::RTF_LOCAL,
        RtFlags::BROADCAST.bits() => libc::RTF_BROADCAST,
        RtFlags::CONNECTED.bits() => libc::RTF_CONNECTED,
        RtFlags::BFD.bits() => libc::RTF_BFD,
    );
}
