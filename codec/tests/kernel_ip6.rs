//! The decoder against the running kernel: each case is passed to `setsockopt` on an unbound
//! UDP socket, and where `sockopt::decode` accepts the argument the kernel must accept it, and
//! where it refuses the kernel must refuse it with the errno the error names (`EINVAL` for a
//! length, the `(E...)` of an [`Error::Invalid`] reason, `EINVAL` or `EADDRNOTAVAIL` for a
//! family).
//!
//! The cases are chosen so that the kernel's answer depends on the argument alone: only
//! loopback's index is named, nothing joins a group, and no packet is sent. Outcomes that
//! depend on socket state or sysctls (`ENODEV` for an index that happens not to exist,
//! `EADDRNOTAVAIL` for leaving a group never joined, `net.ipv6.mld_max_msf`) are left out.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use sockabi::group::{GroupReq, GroupSourceReq};
use sockabi::mreq::Ipv6Mreq;
use sockabi::msfilter::{FilterMode, GroupFilter, IpMsfilter};
use sockabi::pktinfo::In6Pktinfo;
use sockabi::sockopt::*;
use sockabi::Error;
use zerocopy::IntoBytes;

/// An unbound UDP socket of `family`, closed on drop.
struct Socket(i32);

impl Socket {
    /// `None` (and the reason printed) when the kernel has no such family.
    fn udp(family: i32) -> Option<Socket> {
        // SAFETY: plain syscall, no pointers.
        let fd = unsafe { libc::socket(family, libc::SOCK_DGRAM, 0) };
        if fd < 0 {
            let err = std::io::Error::last_os_error();
            assert_eq!(
                err.raw_os_error(),
                Some(libc::EAFNOSUPPORT),
                "socket(family {family}): {err}"
            );
            println!("skipped: the kernel answers socket(family {family}) with {err}");
            return None;
        }
        Some(Socket(fd))
    }

    /// `setsockopt`'s result: `Ok` or the errno.
    fn set(&self, level: i32, optname: i32, optval: &[u8]) -> Result<(), i32> {
        // SAFETY: optval points to optval.len() readable bytes.
        let r = unsafe {
            libc::setsockopt(
                self.0,
                level,
                optname,
                optval.as_ptr().cast(),
                optval.len() as libc::socklen_t,
            )
        };
        if r == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
        }
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // SAFETY: our own descriptor.
        unsafe { libc::close(self.0) };
    }
}

/// The errnos a decoder error stands for.
fn errnos(err: &Error) -> Vec<i32> {
    match err {
        Error::BadLength { .. } | Error::Truncated { .. } => vec![libc::EINVAL],
        Error::BadFamily { .. } => vec![libc::EINVAL, libc::EADDRNOTAVAIL],
        Error::Invalid { reason, .. } => {
            let named = reason
                .rsplit_once('(')
                .and_then(|(_, rest)| rest.strip_suffix(')'))
                .unwrap_or("");
            match named {
                "EINVAL" => vec![libc::EINVAL],
                "ENOBUFS" => vec![libc::ENOBUFS],
                "ENODEV" => vec![libc::ENODEV],
                "EADDRNOTAVAIL" => vec![libc::EADDRNOTAVAIL],
                "ENODEV/EADDRNOTAVAIL" => vec![libc::ENODEV, libc::EADDRNOTAVAIL],
                other => panic!("no errno in the reason {reason:?} ({other:?})"),
            }
        }
        other => panic!("unexpected decoder error {other:?}"),
    }
}

/// Runs every case on `sock` and collects the disagreements.
fn compare(sock: &Socket, cases: &[(i32, i32, Vec<u8>)]) -> Vec<String> {
    let mut wrong = Vec::new();
    for (level, optname, optval) in cases {
        let ours = decode(*level, *optname, optval);
        let theirs = sock.set(*level, *optname, optval);
        let name = OptionId::new(*level, *optname);
        let agree = match (&ours, theirs) {
            (Ok(_), Ok(())) => true,
            (Err(e), Err(errno)) => errnos(e).contains(&errno),
            _ => false,
        };
        if agree {
            println!(
                "{name} {} bytes: both {}",
                optval.len(),
                if theirs.is_ok() { "accept" } else { "refuse" }
            );
        } else {
            wrong.push(format!(
                "{name} {} bytes {optval:02x?}: sockabi {ours:?}, kernel {:?}",
                optval.len(),
                theirs.map_err(std::io::Error::from_raw_os_error)
            ));
        }
    }
    wrong
}

fn int(v: i32) -> Vec<u8> {
    v.to_ne_bytes().to_vec()
}

/// `int` options with the values and lengths around their limits.
fn int_cases(level: i32, optnames: &[i32], values: &[i32]) -> Vec<(i32, i32, Vec<u8>)> {
    let mut cases = Vec::new();
    for &optname in optnames {
        for &v in values {
            cases.push((level, optname, int(v)));
            let mut long = int(v);
            long.extend_from_slice(&[0xa5; 4]);
            cases.push((level, optname, long));
        }
        for len in 0..4 {
            cases.push((level, optname, vec![1; len]));
        }
    }
    cases
}

fn lo_index() -> u32 {
    // SAFETY: a NUL-terminated name.
    let i = unsafe { libc::if_nametoindex(c"lo".as_ptr()) };
    assert_ne!(i, 0, "no loopback interface");
    i
}

#[test]
fn ipv6_options_are_accepted_and_refused_as_the_kernel_does() {
    let Some(sock) = Socket::udp(libc::AF_INET6) else {
        return;
    };
    let v6 = IPPROTO_IPV6;
    let lo = lo_index();
    let mut cases = Vec::new();
    cases.extend(int_cases(
        v6,
        &[IPV6_TCLASS, IPV6_MULTICAST_HOPS, IPV6_UNICAST_HOPS],
        &[-2, -1, 0, 0xb8, 255, 256],
    ));
    cases.extend(int_cases(v6, &[IPV6_MTU_DISCOVER], &[-1, 0, 5, 6]));
    cases.extend(int_cases(
        v6,
        &[
            IPV6_MULTICAST_LOOP,
            IPV6_MULTICAST_ALL,
            IPV6_RECVERR_RFC4884,
            IPV6_V6ONLY,
            IPV6_RECVPKTINFO,
            IPV6_RECVERR,
            IPV6_FREEBIND,
            IPV6_RECVHOPLIMIT,
            IPV6_RECVTCLASS,
            IPV6_RECVORIGDSTADDR,
            IPV6_AUTOFLOWLABEL,
            IPV6_DONTFRAG,
            IPV6_RECVFRAGSIZE,
        ],
        &[0, 1, 2, -1],
    ));
    cases.extend(int_cases(v6, &[IPV6_MTU], &[-1, 0, 1279, 1280, 65535]));
    cases.extend(int_cases(v6, &[IPV6_MINHOPCOUNT], &[-1, 0, 255, 256]));
    // IPV6_TRANSPARENT: 1 needs CAP_NET_RAW, so only 0 and short lengths.
    cases.extend([
        (v6, IPV6_TRANSPARENT, int(0)),
        (v6, IPV6_TRANSPARENT, vec![0; 3]),
    ]);
    let prefs = [
        0x1, 0x2, 0x3, 0x100, 0x101, 0x4, 0x400, 0x404, 0x8, 0x800, 0x808, 0x402,
    ];
    cases.extend(int_cases(v6, &[IPV6_ADDR_PREFERENCES], &prefs));
    // The index in network byte order; the host-order int is another (absent) index.
    cases.extend([
        (v6, IPV6_UNICAST_IF, lo.to_be_bytes().to_vec()),
        (v6, IPV6_UNICAST_IF, vec![0; 4]),
        (v6, IPV6_UNICAST_IF, vec![0xff; 4]),
        (v6, IPV6_UNICAST_IF, vec![0; 3]),
        (v6, IPV6_UNICAST_IF, vec![0; 8]),
        (v6, IPV6_MULTICAST_IF, lo.to_ne_bytes().to_vec()),
        (v6, IPV6_MULTICAST_IF, int(0)),
        (v6, IPV6_MULTICAST_IF, int(-1)),
        (v6, IPV6_MULTICAST_IF, vec![0; 3]),
    ]);
    let info = In6Pktinfo::new(lo as i32, Ipv6Addr::UNSPECIFIED);
    cases.extend([
        (v6, IPV6_PKTINFO, info.as_bytes().to_vec()),
        (v6, IPV6_PKTINFO, info.as_bytes()[..19].to_vec()),
        (v6, IPV6_PKTINFO, vec![]),
    ]);
    let group: Ipv6Addr = "ff05::1:3".parse().unwrap();
    let unicast: Ipv6Addr = "2001:db8::1".parse().unwrap();
    for optname in [IPV6_ADD_MEMBERSHIP, IPV6_DROP_MEMBERSHIP] {
        cases.extend([
            (
                v6,
                optname,
                Ipv6Mreq::new(unicast, lo as i32).as_bytes().to_vec(),
            ),
            (
                v6,
                optname,
                Ipv6Mreq::new(group, lo as i32).as_bytes()[..19].to_vec(),
            ),
        ]);
    }
    cases.push((
        v6,
        IPV6_ADD_MEMBERSHIP,
        Ipv6Mreq::new(group, -1).as_bytes().to_vec(),
    ));
    cases.extend(mcast_error_cases(v6, lo));
    let wrong = compare(&sock, &cases);
    assert!(
        wrong.is_empty(),
        "{} of {} cases differ:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

#[test]
fn ipv4_group_options_are_refused_as_the_kernel_does() {
    let Some(sock) = Socket::udp(libc::AF_INET) else {
        return;
    };
    let mut cases = mcast_error_cases(IPPROTO_IP, lo_index());
    let group = "232.1.1.1".parse().unwrap();
    let mut msf = vec![0u8; 24];
    let n = IpMsfilter::emit(
        group,
        "127.0.0.1".parse().unwrap(),
        FilterMode::Include,
        &[],
        &mut msf,
    )
    .unwrap();
    // Fewer bytes than the head, numsrc past the length, an overflowing numsrc.
    cases.push((IPPROTO_IP, IP_MSFILTER, msf[..15].to_vec()));
    let mut two = msf[..n].to_vec();
    two[12..16].copy_from_slice(&2u32.to_ne_bytes());
    cases.push((IPPROTO_IP, IP_MSFILTER, two.clone()));
    two.extend_from_slice(&[0; 4]);
    cases.push((IPPROTO_IP, IP_MSFILTER, two));
    let mut huge = msf[..n].to_vec();
    huge[12..16].copy_from_slice(&0x3fff_fffcu32.to_ne_bytes());
    cases.push((IPPROTO_IP, IP_MSFILTER, huge));
    // A unicast group, an unknown mode.
    let mut bad = vec![0u8; 16];
    IpMsfilter::emit(
        "192.0.2.1".parse().unwrap(),
        "127.0.0.1".parse().unwrap(),
        FilterMode::Exclude,
        &[],
        &mut bad,
    )
    .unwrap();
    cases.push((IPPROTO_IP, IP_MSFILTER, bad));
    let mut mode = msf[..n].to_vec();
    mode[8..12].copy_from_slice(&2u32.to_ne_bytes());
    cases.push((IPPROTO_IP, IP_MSFILTER, mode));
    let wrong = compare(&sock, &cases);
    assert!(
        wrong.is_empty(),
        "{} of {} cases differ:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

/// `MCAST_*` arguments the kernel refuses at `level` before any group state is touched.
fn mcast_error_cases(level: i32, lo: u32) -> Vec<(i32, i32, Vec<u8>)> {
    let (group, unicast, other): (SocketAddr, SocketAddr, SocketAddr) = if level == IPPROTO_IPV6 {
        (
            "[ff05::1:3]:0".parse().unwrap(),
            "[2001:db8::1]:0".parse().unwrap(),
            "232.1.1.1:0".parse().unwrap(),
        )
    } else {
        (
            "232.1.1.1:0".parse().unwrap(),
            "192.0.2.1:0".parse().unwrap(),
            "[ff05::1:3]:0".parse().unwrap(),
        )
    };
    let source = unicast;
    let mut cases = Vec::new();
    let req = |ifindex, g| GroupReq::new(ifindex, g).as_bytes().to_vec();
    cases.push((
        level,
        MCAST_JOIN_GROUP,
        req(lo, group)[..GroupReq::LEN - 1].to_vec(),
    ));
    cases.push((level, MCAST_JOIN_GROUP, req(lo, other)));
    cases.push((level, MCAST_JOIN_GROUP, req(lo, unicast)));
    cases.push((level, MCAST_JOIN_GROUP, req(0x8000_0000, group)));
    if level == IPPROTO_IPV6 {
        cases.push((level, MCAST_LEAVE_GROUP, req(lo, unicast)));
    }
    let sreq = |g, s| GroupSourceReq::new(lo, g, s).as_bytes().to_vec();
    for optname in [
        MCAST_JOIN_SOURCE_GROUP,
        MCAST_LEAVE_SOURCE_GROUP,
        MCAST_BLOCK_SOURCE,
        MCAST_UNBLOCK_SOURCE,
    ] {
        let good = sreq(group, source);
        cases.push((level, optname, good[..GroupSourceReq::LEN - 1].to_vec()));
        cases.push((level, optname, sreq(other, source)));
        cases.push((level, optname, sreq(group, other)));
        cases.push((level, optname, sreq(unicast, source)));
        let mut long = sreq(unicast, source);
        long.extend_from_slice(&[0; 4]);
        cases.push((level, optname, long));
    }
    let filter = |g: SocketAddr, mode, sources: &[IpAddr]| {
        let mut b = vec![0u8; 1024];
        let n = GroupFilter::emit(lo, g, mode, sources, &mut b).unwrap();
        b.truncate(n);
        b
    };
    let one = [source.ip()];
    let f = filter(group, FilterMode::Exclude, &one);
    cases.push((level, MCAST_MSFILTER, f[..143].to_vec()));
    cases.push((level, MCAST_MSFILTER, f[..f.len() - 1].to_vec()));
    let mut huge = f.clone();
    huge[140..144].copy_from_slice(&0x01ff_ffffu32.to_ne_bytes());
    cases.push((level, MCAST_MSFILTER, huge));
    cases.push((
        level,
        MCAST_MSFILTER,
        filter(unicast, FilterMode::Exclude, &one),
    ));
    let mut mode = f.clone();
    mode[136..140].copy_from_slice(&2u32.to_ne_bytes());
    cases.push((level, MCAST_MSFILTER, mode));
    if level == IPPROTO_IP {
        cases.push((
            level,
            MCAST_MSFILTER,
            filter(other, FilterMode::Exclude, &one),
        ));
        cases.push((
            level,
            MCAST_MSFILTER,
            filter(group, FilterMode::Exclude, &[other.ip()]),
        ));
    }
    cases
}
