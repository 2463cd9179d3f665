//! The IPv6 system calls the scenarios make: `AF_INET6` sockets and their `sockaddr_in6`
//! (with `sin6_scope_id`, which a link-local destination needs), and the IPv6 structures
//! passed to `setsockopt`, `sendmsg` and `ioctl`.

use std::net::{Ipv6Addr, SocketAddrV6};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use crate::sys::Errno;

/// `socklen_t` of a `sockaddr_in6`.
const SOCKADDR_IN6_LEN: libc::socklen_t = core::mem::size_of::<libc::sockaddr_in6>() as _;

fn check(ret: libc::c_int) -> Result<libc::c_int, Errno> {
    if ret < 0 {
        Err(Errno::last())
    } else {
        Ok(ret)
    }
}

fn sockaddr(addr: SocketAddrV6) -> libc::sockaddr_in6 {
    libc::sockaddr_in6 {
        sin6_family: libc::AF_INET6 as libc::sa_family_t,
        sin6_port: addr.port().to_be(),
        sin6_flowinfo: addr.flowinfo().to_be(),
        sin6_addr: libc::in6_addr {
            s6_addr: addr.ip().octets(),
        },
        sin6_scope_id: addr.scope_id(),
    }
}

fn socket_addr(sa: &libc::sockaddr_in6) -> SocketAddrV6 {
    SocketAddrV6::new(
        Ipv6Addr::from(sa.sin6_addr.s6_addr),
        u16::from_be(sa.sin6_port),
        u32::from_be(sa.sin6_flowinfo),
        sa.sin6_scope_id,
    )
}

/// A new `AF_INET6`/`SOCK_DGRAM` (UDP) socket in the calling thread's namespace.
pub fn udp6_socket() -> Result<OwnedFd, Errno> {
    // SAFETY: plain system call; a non-negative result is a new descriptor we now own.
    let fd =
        check(unsafe { libc::socket(libc::AF_INET6, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) })?;
    // SAFETY: `fd` was just returned by socket(2) and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `connect(2)` to an IPv6 socket address (its scope id becomes `sin6_scope_id`): on a UDP
/// socket only a route lookup.
pub fn connect6(fd: &impl AsRawFd, addr: SocketAddrV6) -> Result<(), Errno> {
    let sa = sockaddr(addr);
    // SAFETY: `sa` is a complete sockaddr_in6 that outlives the call.
    check(unsafe { libc::connect(fd.as_raw_fd(), (&raw const sa).cast(), SOCKADDR_IN6_LEN) })
        .map(drop)
}

/// `bind(2)` to an IPv6 socket address.
pub fn bind6(fd: &impl AsRawFd, addr: SocketAddrV6) -> Result<(), Errno> {
    let sa = sockaddr(addr);
    // SAFETY: `sa` is a complete sockaddr_in6 that outlives the call.
    check(unsafe { libc::bind(fd.as_raw_fd(), (&raw const sa).cast(), SOCKADDR_IN6_LEN) }).map(drop)
}

/// `getsockname(2)` of an IPv6 socket.
pub fn getsockname6(fd: &impl AsRawFd) -> Result<SocketAddrV6, Errno> {
    // SAFETY: all-zero is a valid sockaddr_in6.
    let mut sa: libc::sockaddr_in6 = unsafe { core::mem::zeroed() };
    let mut len = SOCKADDR_IN6_LEN;
    // SAFETY: `sa` has `len` writable bytes.
    check(unsafe { libc::getsockname(fd.as_raw_fd(), (&raw mut sa).cast(), &mut len) })?;
    Ok(socket_addr(&sa))
}

/// One message from [`recvmsg6`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received6 {
    /// The datagram, or from the error queue the payload of the packet that failed.
    pub payload: Vec<u8>,
    /// Raw control bytes.
    pub control: Vec<u8>,
    /// `msg_name`, when the kernel filled in an `AF_INET6` address.
    pub from: Option<SocketAddrV6>,
}

/// `recvmsg(2)` on an IPv6 socket with `flags` (`MSG_ERRQUEUE | MSG_DONTWAIT`, ...).
pub fn recvmsg6(fd: &impl AsRawFd, flags: i32) -> Result<Received6, Errno> {
    let mut payload = vec![0u8; 256];
    let mut control = vec![0u64; 32];
    // SAFETY: all-zero is a valid sockaddr_in6.
    let mut sa: libc::sockaddr_in6 = unsafe { core::mem::zeroed() };
    let mut iov = libc::iovec {
        iov_base: payload.as_mut_ptr().cast(),
        iov_len: payload.len(),
    };
    // SAFETY: an all-zero msghdr is a valid empty message.
    let mut msg: libc::msghdr = unsafe { core::mem::zeroed() };
    msg.msg_name = (&raw mut sa).cast();
    msg.msg_namelen = SOCKADDR_IN6_LEN;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = (control.len() * 8) as _;
    // SAFETY: every pointer in `msg` refers to a live, writable buffer of the stated length.
    let len = unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, flags) };
    let len = usize::try_from(len).map_err(|_| Errno::last())?;
    payload.truncate(len.min(256));
    let control_len = (msg.msg_controllen as usize).min(control.len() * 8);
    let bytes: Vec<u8> = control.iter().flat_map(|w| w.to_ne_bytes()).collect();
    Ok(Received6 {
        payload,
        control: bytes[..control_len].to_vec(),
        from: (msg.msg_namelen >= SOCKADDR_IN6_LEN && sa.sin6_family == libc::AF_INET6 as u16)
            .then(|| socket_addr(&sa)),
    })
}

/// `struct ipv6_mreq`: the group and the interface index.
pub fn ipv6_mreq(group: Ipv6Addr, ifindex: u32) -> Vec<u8> {
    let mut bytes = group.octets().to_vec();
    bytes.extend_from_slice(&ifindex.to_ne_bytes());
    bytes
}

/// `struct in6_ifreq` (netdevice(7)): address, prefix length, interface index.
pub fn in6_ifreq(addr: Ipv6Addr, prefixlen: u32, ifindex: i32) -> Vec<u8> {
    let mut bytes = addr.octets().to_vec();
    bytes.extend_from_slice(&prefixlen.to_ne_bytes());
    bytes.extend_from_slice(&ifindex.to_ne_bytes());
    bytes
}

/// `ioctl(fd, request, bytes)` with a buffer the kernel may read and write.
pub fn ioctl_bytes(fd: &impl AsRawFd, request: u64, bytes: &mut [u8]) -> Result<(), Errno> {
    // SAFETY: the buffer is as large as the structure the request reads.
    check(unsafe { libc::ioctl(fd.as_raw_fd(), request as _, bytes.as_mut_ptr()) }).map(drop)
}

/// `sendmsg(2)` of `payload` to `dest` with `control` (built with [`crate::abi::cmsg`]).
pub fn sendmsg6(
    fd: &impl AsRawFd,
    dest: SocketAddrV6,
    payload: &[u8],
    control: &[u8],
) -> Result<usize, Errno> {
    let mut sa = sockaddr(dest);
    let mut iov = libc::iovec {
        iov_base: payload.as_ptr().cast_mut().cast(),
        iov_len: payload.len(),
    };
    // Control data aligned for `struct cmsghdr`.
    let mut aligned = vec![0u64; control.len().div_ceil(8)];
    for (i, chunk) in control.chunks(8).enumerate() {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        aligned[i] = u64::from_ne_bytes(word);
    }
    // SAFETY: an all-zero msghdr is a valid empty message.
    let mut msg: libc::msghdr = unsafe { core::mem::zeroed() };
    msg.msg_name = (&raw mut sa).cast();
    msg.msg_namelen = SOCKADDR_IN6_LEN;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if !control.is_empty() {
        msg.msg_control = aligned.as_mut_ptr().cast();
        msg.msg_controllen = control.len() as _;
    }
    // SAFETY: every pointer in `msg` refers to a live buffer of the stated length; the kernel
    // only reads the payload.
    let sent = unsafe { libc::sendmsg(fd.as_raw_fd(), &msg, 0) };
    usize::try_from(sent).map_err(|_| Errno::last())
}

/// `struct in6_pktinfo`: the source address (`::`: let routing choose) and interface.
pub fn in6_pktinfo(addr: Ipv6Addr, ifindex: u32) -> Vec<u8> {
    let mut bytes = addr.octets().to_vec();
    bytes.extend_from_slice(&ifindex.to_ne_bytes());
    bytes
}
