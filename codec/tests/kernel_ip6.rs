//! The decoder against the running kernel: each case is passed to `setsockopt` on an unbound
//! UDP socket, and where `sockopt::decode` accepts the argument the kernel must accept it, and
//! where it refuses the kernel must refuse it with the errno the error names (`EINVAL` for a
//! length, the `(E...)` of an [`Error::Invalid`] reason, `EINVAL` or `EADDRNOTAVAIL` for a
//! family).
//!
//! The cases are chosen so that the kernel's answer depends on the argument alone: only
//! loopback's index is named, nothing joins a group, and no packet is sent.
//!
//! Then control messages, over `[::1]` only: what `recvmsg` returns with the `IPV6_RECV*`
//! options on, what `sendmsg` accepts, and the `IPV6_RECVERR` of an ICMPv6 port unreachable.
//! As root (CI) each of these tests first moves its thread into a network namespace of its own
//! with only loopback up; otherwise it uses the loopback of the namespace it runs in. Outcomes that
//! depend on socket state or sysctls (`ENODEV` for an index that happens not to exist,
//! `EADDRNOTAVAIL` for leaving a group never joined, `net.ipv6.mld_max_msf`) are left out.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use sockabi::cmsg::{cmsgs, Cmsg, CmsgWriter};
use sockabi::exterr::Origin;
use sockabi::group::{GroupReq, GroupSourceReq};
use sockabi::mreq::Ipv6Mreq;
use sockabi::msfilter::{FilterMode, GroupFilter, IpMsfilter};
use sockabi::pktinfo::In6Pktinfo;
use sockabi::sockopt::*;
use sockabi::{Error, SockaddrIn6};
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

/// As root, moves the calling thread (the test) into a new network namespace and brings its
/// loopback up, which gives it `::1`; otherwise says that the current namespace's is used.
fn own_loopback() {
    // SAFETY: plain syscalls; the ifreq is a 40-byte buffer with the name at its start.
    unsafe {
        if libc::geteuid() != 0 {
            println!("not root: using the loopback of the current network namespace");
            return;
        }
        let r = libc::unshare(libc::CLONE_NEWNET);
        assert_eq!(
            r,
            0,
            "unshare(CLONE_NEWNET): {}",
            std::io::Error::last_os_error()
        );
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0);
        assert!(fd >= 0);
        let mut ifr = [0u8; 40];
        ifr[..2].copy_from_slice(b"lo");
        assert_eq!(libc::ioctl(fd, libc::SIOCGIFFLAGS, ifr.as_mut_ptr()), 0);
        let flags = i16::from_ne_bytes([ifr[16], ifr[17]]) | libc::IFF_UP as i16;
        ifr[16..18].copy_from_slice(&flags.to_ne_bytes());
        let r = libc::ioctl(fd, libc::SIOCSIFFLAGS, ifr.as_mut_ptr());
        assert_eq!(r, 0, "bringing lo up: {}", std::io::Error::last_os_error());
        libc::close(fd);
    }
}

/// A UDP socket on `[::1]` bound to a free port, with its address, in the test's own network
/// namespace when it can have one ([`own_loopback`]).
fn bound_loopback() -> Option<(Socket, std::net::SocketAddrV6)> {
    own_loopback();
    let sock = Socket::udp(libc::AF_INET6)?;
    let any = SockaddrIn6::new(std::net::SocketAddrV6::new(Ipv6Addr::LOCALHOST, 0, 0, 0));
    // SAFETY: a 28-byte sockaddr_in6 and its length.
    let r = unsafe {
        libc::bind(
            sock.0,
            any.as_bytes().as_ptr().cast(),
            SockaddrIn6::LEN as libc::socklen_t,
        )
    };
    assert_eq!(r, 0, "bind [::1]:0: {}", std::io::Error::last_os_error());
    let mut name = [0u8; SockaddrIn6::LEN];
    let mut len = name.len() as libc::socklen_t;
    // SAFETY: name has len writable bytes.
    let r = unsafe { libc::getsockname(sock.0, name.as_mut_ptr().cast(), &mut len) };
    assert_eq!(r, 0);
    let addr = SockaddrIn6::parse(&name).unwrap();
    Some((sock, addr))
}

impl Socket {
    /// `sendmsg` of one byte to `to` with `control`: `Ok` or the errno.
    fn send(&self, to: std::net::SocketAddrV6, control: &[u8]) -> Result<(), i32> {
        let name = SockaddrIn6::new(to);
        let mut byte = [0x42u8];
        let mut iov = libc::iovec {
            iov_base: byte.as_mut_ptr().cast(),
            iov_len: 1,
        };
        // An 8-aligned copy of the control buffer, as msg_control is in C.
        let mut aligned = vec![0u64; control.len().div_ceil(8)];
        aligned.as_mut_bytes()[..control.len()].copy_from_slice(control);
        // SAFETY: every pointer in msg points to live buffers of the lengths given.
        let r = unsafe {
            let mut msg: libc::msghdr = std::mem::zeroed();
            msg.msg_name = name.as_bytes().as_ptr() as *mut libc::c_void;
            msg.msg_namelen = SockaddrIn6::LEN as libc::socklen_t;
            msg.msg_iov = &mut iov;
            msg.msg_iovlen = 1;
            if !control.is_empty() {
                msg.msg_control = aligned.as_mut_ptr().cast();
                msg.msg_controllen = control.len();
            }
            libc::sendmsg(self.0, &msg, 0)
        };
        if r >= 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
        }
    }

    /// `recvmsg` with `flags`, waiting up to a second; the control bytes it returned.
    fn recv_control(&self, flags: i32) -> Vec<u8> {
        let mut pfd = libc::pollfd {
            fd: self.0,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one pollfd.
        let ready = unsafe { libc::poll(&mut pfd, 1, 1000) };
        assert_eq!(ready, 1, "nothing to receive within a second");
        let mut data = [0u8; 64];
        let mut iov = libc::iovec {
            iov_base: data.as_mut_ptr().cast(),
            iov_len: data.len(),
        };
        let mut control = vec![0u64; 64];
        // SAFETY: every pointer in msg points to live buffers of the lengths given.
        let len = unsafe {
            let mut msg: libc::msghdr = std::mem::zeroed();
            msg.msg_iov = &mut iov;
            msg.msg_iovlen = 1;
            msg.msg_control = control.as_mut_ptr().cast();
            msg.msg_controllen = 512;
            let r = libc::recvmsg(self.0, &mut msg, flags);
            assert!(r >= 0, "recvmsg: {}", std::io::Error::last_os_error());
            assert_eq!(msg.msg_flags & libc::MSG_CTRUNC, 0);
            msg.msg_controllen
        };
        control.as_bytes()[..len].to_vec()
    }
}

/// What `recvmsg` returns with `IPV6_RECVPKTINFO`, `IPV6_RECVHOPLIMIT`, `IPV6_RECVTCLASS` and
/// `IPV6_RECVORIGDSTADDR` on, parsed by the walker: the values the sender chose.
#[test]
fn received_ipv6_control_messages_parse() {
    let Some((rx, to)) = bound_loopback() else {
        return;
    };
    for optname in [
        IPV6_RECVPKTINFO,
        IPV6_RECVHOPLIMIT,
        IPV6_RECVTCLASS,
        IPV6_RECVORIGDSTADDR,
    ] {
        rx.set(IPPROTO_IPV6, optname, &int(1)).unwrap();
    }
    let tx = Socket::udp(libc::AF_INET6).unwrap();
    tx.set(IPPROTO_IPV6, IPV6_UNICAST_HOPS, &int(7)).unwrap();
    tx.set(IPPROTO_IPV6, IPV6_TCLASS, &int(0x20)).unwrap();
    tx.send(to, &[]).unwrap();
    let control = rx.recv_control(0);
    let msgs: Vec<Cmsg<'_>> = cmsgs(&control).map(Result::unwrap).collect();
    let lo = lo_index() as i32;
    let want_dst = SockaddrIn6::new(to);
    let info = In6Pktinfo::new(lo, Ipv6Addr::LOCALHOST);
    for want in [
        Cmsg::PktInfo6(&info),
        Cmsg::HopLimit(7),
        Cmsg::TrafficClass(0x20),
        Cmsg::OrigDstAddr6(&want_dst),
    ] {
        assert!(msgs.contains(&want), "{want} missing from {msgs:?}");
    }
}

/// `sendmsg` accepts and refuses `IPV6_PKTINFO`, `IPV6_HOPLIMIT` and `IPV6_TCLASS` control
/// messages as `Cmsg::parse` does (`ip6_datagram_send_ctl`).
#[test]
fn sent_ipv6_control_messages_are_checked_as_the_kernel_does() {
    let Some((rx, to)) = bound_loopback() else {
        return;
    };
    let tx = Socket::udp(libc::AF_INET6).unwrap();
    let lo = lo_index() as i32;
    let info = In6Pktinfo::new(lo, Ipv6Addr::LOCALHOST);
    let mut payloads: Vec<(i32, Vec<u8>)> = vec![
        (IPV6_PKTINFO, info.as_bytes().to_vec()),
        (IPV6_PKTINFO, info.as_bytes()[..19].to_vec()),
        (IPV6_PKTINFO, [info.as_bytes(), &[0; 4]].concat()),
    ];
    for kind in [IPV6_HOPLIMIT, IPV6_TCLASS] {
        for v in [-2, -1, 0, 64, 255, 256] {
            payloads.push((kind, int(v)));
        }
        payloads.push((kind, vec![1]));
        payloads.push((kind, int(1).into_iter().chain([0; 4]).collect()));
    }
    let mut wrong = Vec::new();
    let mut sent = 0;
    for (kind, data) in &payloads {
        let mut control = [0u8; 128];
        let mut w = CmsgWriter::new(&mut control);
        w.push(IPPROTO_IPV6, *kind, data).unwrap();
        let n = w.len();
        let ours = cmsgs(&control[..n]).next().unwrap();
        let theirs = tx.send(to, &control[..n]);
        sent += usize::from(theirs.is_ok());
        if ours.is_ok() != theirs.is_ok() || theirs.is_err_and(|e| e != libc::EINVAL) {
            wrong.push(format!(
                "type {kind} {data:02x?}: sockabi {ours:?}, kernel {theirs:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(0 < sent && sent < payloads.len(), "both outcomes exercised");
    for _ in 0..sent {
        rx.recv_control(0);
    }
}

/// An ICMPv6 port unreachable from `[::1]` on the error queue: `IPV6_RECVERR` with origin
/// `SO_EE_ORIGIN_ICMP6`, type 1 code 4, `ECONNREFUSED`, and `::1` as the offender.
#[test]
fn recverr_of_an_icmp6_port_unreachable_parses() {
    let Some((closed, to)) = bound_loopback() else {
        return;
    };
    drop(closed); // nothing listens on `to` any more
    let tx = Socket::udp(libc::AF_INET6).unwrap();
    tx.set(IPPROTO_IPV6, IPV6_RECVERR, &int(1)).unwrap();
    tx.send(to, &[]).unwrap();
    let mut pfd = libc::pollfd {
        fd: tx.0,
        events: 0,
        revents: 0,
    };
    // SAFETY: one pollfd; POLLERR is reported whatever `events` asks for.
    let ready = unsafe { libc::poll(&mut pfd, 1, 1000) };
    assert_eq!(ready, 1, "no error queued within a second");
    let control = tx.recv_control(libc::MSG_ERRQUEUE);
    let errs: Vec<_> = cmsgs(&control)
        .filter_map(|c| match c {
            Ok(Cmsg::RecvErr6(e)) => Some(e),
            _ => None,
        })
        .collect();
    let [err] = errs[..] else {
        panic!(
            "one IPV6_RECVERR expected in {:?}",
            cmsgs(&control).collect::<Vec<_>>()
        );
    };
    assert_eq!(err.ee.errno(), libc::ECONNREFUSED as u32);
    assert_eq!(err.ee.origin(), Origin::Icmp6);
    assert_eq!((err.ee.ee_type, err.ee.ee_code), (1, 4));
    assert_eq!(err.offender().map(|o| *o.ip()), Some(Ipv6Addr::LOCALHOST));
}
