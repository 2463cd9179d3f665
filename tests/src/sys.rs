//! Thin, checked wrappers over the socket system calls the scenarios make.
//!
//! Every call returns `Result<_, Errno>` so a scenario can assert on the exact error the kernel
//! gave (that error *is* the behaviour under test), and options travel as raw bytes so a
//! scenario can hand the kernel any length it wants (a 3-byte `IP_MULTICAST_IF`, a 40-byte
//! `struct ifreq` for `SO_BINDTODEVICE`). Building and decoding those bytes lives in
//! [`crate::abi`].

use std::fmt;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

use sockabi::SockaddrIn;
use zerocopy::IntoBytes;

/// An `errno` value with its symbolic name, so messages say `ENETUNREACH`, not `101`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub i32);

impl Errno {
    /// The `errno` of the last failed libc call on this thread.
    pub fn last() -> Self {
        Errno(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    }

    /// The C name (`"EACCES"`), or `"E?"` for numbers this table does not know.
    pub fn name(self) -> &'static str {
        errno_name(self.0)
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({})",
            self.name(),
            std::io::Error::from_raw_os_error(self.0)
        )
    }
}

impl std::error::Error for Errno {}

/// The C name of an `errno` number, for the errors socket calls return.
pub fn errno_name(errno: i32) -> &'static str {
    match errno {
        0 => "0",
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::EINTR => "EINTR",
        libc::EBADF => "EBADF",
        libc::EAGAIN => "EAGAIN",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::EFAULT => "EFAULT",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::ENODEV => "ENODEV",
        libc::EINVAL => "EINVAL",
        libc::ENOTTY => "ENOTTY",
        libc::ERANGE => "ERANGE",
        libc::ENOPKG => "ENOPKG",
        libc::ENOTSOCK => "ENOTSOCK",
        libc::EDESTADDRREQ => "EDESTADDRREQ",
        libc::EMSGSIZE => "EMSGSIZE",
        libc::EPROTOTYPE => "EPROTOTYPE",
        libc::ENOPROTOOPT => "ENOPROTOOPT",
        libc::EPROTONOSUPPORT => "EPROTONOSUPPORT",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::EAFNOSUPPORT => "EAFNOSUPPORT",
        libc::EADDRINUSE => "EADDRINUSE",
        libc::EADDRNOTAVAIL => "EADDRNOTAVAIL",
        libc::ENETDOWN => "ENETDOWN",
        libc::ENETUNREACH => "ENETUNREACH",
        libc::ECONNABORTED => "ECONNABORTED",
        libc::ECONNRESET => "ECONNRESET",
        libc::ENOBUFS => "ENOBUFS",
        libc::EISCONN => "EISCONN",
        libc::ENOTCONN => "ENOTCONN",
        libc::ETIMEDOUT => "ETIMEDOUT",
        libc::ECONNREFUSED => "ECONNREFUSED",
        libc::EHOSTDOWN => "EHOSTDOWN",
        libc::EHOSTUNREACH => "EHOSTUNREACH",
        libc::EALREADY => "EALREADY",
        libc::EINPROGRESS => "EINPROGRESS",
        _ => "E?",
    }
}

/// The result of a raw system call: `-1` means failure with `errno` set.
fn check(ret: libc::c_int) -> Result<libc::c_int, Errno> {
    if ret < 0 {
        Err(Errno::last())
    } else {
        Ok(ret)
    }
}

/// Like [`check`], for calls that return a byte count.
fn check_size(ret: isize) -> Result<usize, Errno> {
    usize::try_from(ret).map_err(|_| Errno::last())
}

/// A `socklen_t` for a buffer length (buffers here are small; a huge one is a harness bug).
fn socklen(len: usize) -> libc::socklen_t {
    libc::socklen_t::try_from(len).expect("buffer length fits in socklen_t")
}

/// A new `AF_INET`/`SOCK_DGRAM` (UDP) socket, in the network namespace of the calling thread.
///
/// The socket stays in that namespace for its whole life, whichever thread uses it later, so
/// a scenario can create it inside [`crate::Netns::run`] and use it from anywhere.
pub fn udp_socket() -> Result<OwnedFd, Errno> {
    // SAFETY: plain system call; a non-negative result is a new descriptor we now own.
    let fd =
        check(unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) })?;
    // SAFETY: `fd` was just returned by socket(2) and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `setsockopt(fd, level, name, bytes, bytes.len())`: the option value exactly as given.
pub fn setsockopt_bytes(
    fd: &impl AsRawFd,
    level: i32,
    name: i32,
    bytes: &[u8],
) -> Result<(), Errno> {
    // SAFETY: the pointer and length describe `bytes`, which outlives the call.
    check(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            bytes.as_ptr().cast(),
            socklen(bytes.len()),
        )
    })
    .map(drop)
}

/// `setsockopt` with a C `int` value (the usual boolean and integer options).
pub fn setsockopt_int(fd: &impl AsRawFd, level: i32, name: i32, value: i32) -> Result<(), Errno> {
    setsockopt_bytes(fd, level, name, &value.to_ne_bytes())
}

/// `getsockopt` into a buffer of `capacity` bytes; returns the bytes the kernel wrote.
pub fn getsockopt_bytes(
    fd: &impl AsRawFd,
    level: i32,
    name: i32,
    capacity: usize,
) -> Result<Vec<u8>, Errno> {
    let mut buf = vec![0u8; capacity];
    let mut len = socklen(capacity);
    // SAFETY: `buf` has `len` writable bytes and `len` is a valid in/out pointer.
    check(unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            level,
            name,
            buf.as_mut_ptr().cast(),
            &mut len,
        )
    })?;
    buf.truncate(len as usize);
    Ok(buf)
}

/// `getsockopt` of a C `int` option.
pub fn getsockopt_int(fd: &impl AsRawFd, level: i32, name: i32) -> Result<i32, Errno> {
    let bytes = getsockopt_bytes(fd, level, name, 4)?;
    let array: [u8; 4] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| Errno(libc::EINVAL))?;
    Ok(i32::from_ne_bytes(array))
}

/// `bind(2)` to an IPv4 socket address.
pub fn bind(fd: &impl AsRawFd, addr: SocketAddrV4) -> Result<(), Errno> {
    let sa = SockaddrIn::new(addr);
    let bytes = sa.as_bytes();
    // SAFETY: `bytes` is a complete 16-byte sockaddr_in that outlives the call.
    check(unsafe { libc::bind(fd.as_raw_fd(), bytes.as_ptr().cast(), socklen(bytes.len())) })
        .map(drop)
}

/// `connect(2)` to an IPv4 socket address; on a UDP socket this only looks the route up and
/// fixes the source address, it sends nothing.
pub fn connect(fd: &impl AsRawFd, addr: SocketAddrV4) -> Result<(), Errno> {
    let sa = SockaddrIn::new(addr);
    let bytes = sa.as_bytes();
    // SAFETY: `bytes` is a complete 16-byte sockaddr_in that outlives the call.
    check(unsafe { libc::connect(fd.as_raw_fd(), bytes.as_ptr().cast(), socklen(bytes.len())) })
        .map(drop)
}

/// `connect(2)` with `AF_UNSPEC`: dissolves a UDP socket's association (and, unless the
/// address was bound explicitly, its source address).
pub fn disconnect(fd: &impl AsRawFd) -> Result<(), Errno> {
    let mut sa = SockaddrIn::default();
    sa.sin_family.set(libc::AF_UNSPEC as u16);
    let bytes = sa.as_bytes();
    // SAFETY: `bytes` is a 16-byte sockaddr that outlives the call.
    check(unsafe { libc::connect(fd.as_raw_fd(), bytes.as_ptr().cast(), socklen(bytes.len())) })
        .map(drop)
}

/// `getsockname(2)`: the local address the kernel chose or was given.
pub fn getsockname(fd: &impl AsRawFd) -> Result<SocketAddrV4, Errno> {
    let mut sa = SockaddrIn::default();
    let mut len = socklen(core::mem::size_of::<SockaddrIn>());
    // SAFETY: `sa` has `len` writable bytes.
    check(unsafe {
        libc::getsockname(
            fd.as_raw_fd(),
            sa.as_mut_bytes().as_mut_ptr().cast(),
            &mut len,
        )
    })?;
    sa.socket_addr().map_err(|_| Errno(libc::EAFNOSUPPORT))
}

/// `sendto(2)` one datagram to `dest`.
pub fn send_to(fd: &impl AsRawFd, payload: &[u8], dest: SocketAddrV4) -> Result<usize, Errno> {
    sendmsg(fd, Some(dest), payload, &[])
}

/// `send(2)` one datagram on a connected socket.
pub fn send(fd: &impl AsRawFd, payload: &[u8]) -> Result<usize, Errno> {
    sendmsg(fd, None, payload, &[])
}

/// `sendmsg(2)` one datagram, optionally to `dest`, with raw control (ancillary) bytes, as
/// built by [`crate::abi::cmsg`].
pub fn sendmsg(
    fd: &impl AsRawFd,
    dest: Option<SocketAddrV4>,
    payload: &[u8],
    control: &[u8],
) -> Result<usize, Errno> {
    let mut sa = dest.map(SockaddrIn::new);
    let mut iov = libc::iovec {
        iov_base: payload.as_ptr().cast_mut().cast(),
        iov_len: payload.len(),
    };
    // The kernel wants control data aligned for `struct cmsghdr`; copy into an aligned buffer.
    let mut aligned = vec![0u64; control.len().div_ceil(8)];
    aligned.as_mut_bytes()[..control.len()].copy_from_slice(control);
    // SAFETY: an all-zero msghdr is a valid empty message.
    let mut msg: libc::msghdr = unsafe { core::mem::zeroed() };
    if let Some(sa) = sa.as_mut() {
        msg.msg_name = sa.as_mut_bytes().as_mut_ptr().cast();
        msg.msg_namelen = socklen(core::mem::size_of::<SockaddrIn>());
    }
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if !control.is_empty() {
        msg.msg_control = aligned.as_mut_ptr().cast();
        msg.msg_controllen = control.len() as _;
    }
    // SAFETY: every pointer in `msg` refers to a live buffer of the stated length; the kernel
    // only reads the payload (iov_base is never written by sendmsg).
    check_size(unsafe { libc::sendmsg(fd.as_raw_fd(), &msg, 0) })
}

/// One message taken off a socket by [`recvmsg`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The datagram (or, from the error queue, the payload of the packet that failed).
    pub payload: Vec<u8>,
    /// The raw control (ancillary) bytes; decode with [`crate::abi::control_messages`].
    pub control: Vec<u8>,
    /// The sender (`msg_name`), when the kernel filled in an `AF_INET` address.
    pub from: Option<SocketAddrV4>,
    /// `msg_flags` on return (`MSG_ERRQUEUE`, `MSG_CTRUNC`, `MSG_TRUNC`, ...).
    pub flags: i32,
}

/// `recvmsg(2)` with `flags` (for example `MSG_ERRQUEUE | MSG_DONTWAIT`), room for
/// `payload_capacity` bytes of data and `control_capacity` bytes of control messages.
pub fn recvmsg(
    fd: &impl AsRawFd,
    flags: i32,
    payload_capacity: usize,
    control_capacity: usize,
) -> Result<Received, Errno> {
    let mut payload = vec![0u8; payload_capacity];
    let mut control = vec![0u64; control_capacity.div_ceil(8)];
    let mut sa = SockaddrIn::default();
    let mut iov = libc::iovec {
        iov_base: payload.as_mut_ptr().cast(),
        iov_len: payload.len(),
    };
    // SAFETY: an all-zero msghdr is a valid empty message.
    let mut msg: libc::msghdr = unsafe { core::mem::zeroed() };
    msg.msg_name = sa.as_mut_bytes().as_mut_ptr().cast();
    msg.msg_namelen = socklen(core::mem::size_of::<SockaddrIn>());
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = (control.len() * 8) as _;
    // SAFETY: every pointer in `msg` refers to a live, writable buffer of the stated length.
    let len = check_size(unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, flags) })?;
    payload.truncate(len.min(payload_capacity));
    let control_len = (msg.msg_controllen as usize).min(control.len() * 8);
    let from = if msg.msg_namelen as usize >= core::mem::size_of::<SockaddrIn>() {
        sa.socket_addr().ok()
    } else {
        None
    };
    Ok(Received {
        payload,
        control: control.as_bytes()[..control_len].to_vec(),
        from,
        flags: msg.msg_flags,
    })
}

/// Waits until `fd` reports one of `events` (`POLLIN`, `POLLERR`, ...), or `bound` passes.
///
/// The bound is a safety net against a hang, not a timing assertion: on a working kernel the
/// event comes in microseconds, and a scenario treats the bound's expiry as "never arrived".
pub fn wait_for(fd: &impl AsRawFd, events: i16, bound: Duration) -> Result<i16, Errno> {
    let mut pfd = libc::pollfd {
        fd: fd.as_raw_fd(),
        events,
        revents: 0,
    };
    let millis = libc::c_int::try_from(bound.as_millis()).unwrap_or(libc::c_int::MAX);
    loop {
        // SAFETY: one valid pollfd.
        match check(unsafe { libc::poll(&mut pfd, 1, millis) }) {
            Ok(0) => return Err(Errno(libc::ETIMEDOUT)),
            Ok(_) => return Ok(pfd.revents),
            Err(Errno(libc::EINTR)) => continue,
            Err(e) => return Err(e),
        }
    }
}

/// How long [`recv_within`] and the scenarios wait for a packet before calling it lost.
pub const ARRIVAL_BOUND: Duration = Duration::from_secs(10);

/// Waits (at most [`ARRIVAL_BOUND`]) for `fd` to become readable, then `recvmsg`s one message
/// with `flags`; `POLLERR` also counts when `flags` has `MSG_ERRQUEUE`.
pub fn recv_within(fd: &impl AsRawFd, flags: i32) -> Result<Received, Errno> {
    let events = if flags & libc::MSG_ERRQUEUE != 0 {
        libc::POLLERR
    } else {
        libc::POLLIN
    };
    // POLLERR is always reported, whatever `events` asks for; poll wakes up for it too.
    wait_for(fd, events, ARRIVAL_BOUND)?;
    recvmsg(fd, flags | libc::MSG_DONTWAIT, 65_536, 1024)
}

/// `ioctl(fd, request, &mut ifreq)` on a 40-byte `struct ifreq` buffer.
pub fn ioctl_ifreq(
    fd: &impl AsRawFd,
    request: libc::c_ulong,
    ifreq: &mut [u8; crate::abi::IFREQ_SIZE],
) -> Result<(), Errno> {
    // SAFETY: the request reads and writes at most one struct ifreq, which `ifreq` is.
    check(unsafe { libc::ioctl(fd.as_raw_fd(), request as _, ifreq.as_mut_ptr()) }).map(drop)
}

/// `SIOCGIFCONF`: with `capacity == 0` passes a NULL buffer (the kernel then reports the size
/// it needs); otherwise a buffer of `capacity` bytes. Returns `ifc_len` and the bytes written.
pub fn ioctl_ifconf(fd: &impl AsRawFd, capacity: usize) -> Result<(usize, Vec<u8>), Errno> {
    let mut buf = vec![0u8; capacity];
    // SAFETY: an all-zero ifconf is a NULL buffer of length 0.
    let mut ifc: libc::ifconf = unsafe { core::mem::zeroed() };
    ifc.ifc_len = libc::c_int::try_from(capacity).expect("buffer length fits in int");
    if capacity > 0 {
        ifc.ifc_ifcu.ifcu_buf = buf.as_mut_ptr().cast();
    }
    // SAFETY: the kernel writes at most `ifc_len` bytes to the buffer (none when it is NULL).
    check(unsafe { libc::ioctl(fd.as_raw_fd(), libc::SIOCGIFCONF as _, &mut ifc) })?;
    let len = usize::try_from(ifc.ifc_len).map_err(|_| Errno(libc::EINVAL))?;
    buf.truncate(len);
    Ok((len, buf))
}

/// `if_nametoindex(3)` in the calling thread's network namespace; `None` if there is no such
/// interface.
pub fn ifindex(name: &str) -> Option<u32> {
    let c = std::ffi::CString::new(name).ok()?;
    // SAFETY: `c` is a NUL-terminated string.
    let index = unsafe { libc::if_nametoindex(c.as_ptr()) };
    (index != 0).then_some(index)
}

/// Clears every capability (effective, permitted, inheritable) of the *calling thread only*.
///
/// Linux keeps capabilities per thread and the raw `capset` system call changes only the
/// caller, so a scenario can check an `EPERM` path on a thread of its own (for example inside
/// [`crate::Netns::run`]) while the rest of the process stays root. The thread cannot get the
/// capabilities back, so only call this on a thread that ends afterwards.
pub fn drop_all_capabilities_in_this_thread() -> Result<(), Errno> {
    /// `struct __user_cap_header_struct`.
    #[repr(C)]
    struct CapHeader {
        version: u32,
        pid: i32,
    }
    /// `struct __user_cap_data_struct`.
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct CapData {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    /// `_LINUX_CAPABILITY_VERSION_3`: two data structs, 64 capability bits.
    const VERSION_3: u32 = 0x2008_0522;
    let mut header = CapHeader {
        version: VERSION_3,
        pid: 0,
    };
    let data = [CapData {
        effective: 0,
        permitted: 0,
        inheritable: 0,
    }; 2];
    // SAFETY: header and two data structs, as capset(2) expects for version 3.
    let ret = unsafe { libc::syscall(libc::SYS_capset, &mut header, data.as_ptr()) };
    if ret < 0 {
        Err(Errno::last())
    } else {
        Ok(())
    }
}

/// An IPv4 socket address, shorter to write in scenarios.
pub fn v4(ip: Ipv4Addr, port: u16) -> SocketAddrV4 {
    SocketAddrV4::new(ip, port)
}

/// `SIOCSIFNAME`: renames the (down) device `old` to `new` (exact bytes: `ip` takes text),
/// in the calling thread's namespace.
pub fn rename_device(old: &[u8], new: &[u8]) -> anyhow::Result<()> {
    let socket = udp_socket()?;
    let mut ifreq = [0u8; 40];
    ifreq[..old.len()].copy_from_slice(old);
    ifreq[16..16 + new.len()].copy_from_slice(new);
    // SAFETY: the kernel reads (and may write) sizeof(struct ifreq) = 40 bytes.
    if unsafe { libc::ioctl(socket.as_raw_fd(), libc::SIOCSIFNAME, ifreq.as_mut_ptr()) } < 0 {
        anyhow::bail!("{}", Errno::last());
    }
    Ok(())
}

/// `SIOCGIFINDEX` of the device named `name` (exact bytes), in the calling thread's namespace.
pub fn device_index(name: &[u8]) -> Option<i32> {
    let socket = udp_socket().ok()?;
    let mut ifreq = [0u8; 40];
    ifreq[..name.len()].copy_from_slice(name);
    // SAFETY: the kernel reads and writes sizeof(struct ifreq) = 40 bytes.
    if unsafe { libc::ioctl(socket.as_raw_fd(), libc::SIOCGIFINDEX, ifreq.as_mut_ptr()) } < 0 {
        return None;
    }
    Some(i32::from_ne_bytes([
        ifreq[16], ifreq[17], ifreq[18], ifreq[19],
    ]))
}

/// `SIOCGIFNAME` of `index`: the name's exact bytes.
pub fn device_name(index: i32) -> Option<Vec<u8>> {
    let socket = udp_socket().ok()?;
    let mut ifreq = [0u8; 40];
    ifreq[16..20].copy_from_slice(&index.to_ne_bytes());
    // SAFETY: as above.
    if unsafe { libc::ioctl(socket.as_raw_fd(), libc::SIOCGIFNAME, ifreq.as_mut_ptr()) } < 0 {
        return None;
    }
    let end = ifreq[..16].iter().position(|&b| b == 0).unwrap_or(16);
    Some(ifreq[..end].to_vec())
}

/// `prctl(PR_SET_NAME)`: the calling thread's comm (at most 15 bytes).
pub fn set_comm(name: &[u8]) {
    let mut comm = [0u8; 16];
    comm[..name.len()].copy_from_slice(name);
    // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16 bytes.
    unsafe { libc::prctl(libc::PR_SET_NAME, comm.as_ptr()) };
}

/// Sets the device named `name` (exact bytes) up: `SIOCGIFFLAGS`, then `SIOCSIFFLAGS` with
/// `IFF_UP`.
pub fn set_device_up(name: &[u8]) -> anyhow::Result<()> {
    let socket = udp_socket()?;
    let mut ifreq = [0u8; 40];
    ifreq[..name.len()].copy_from_slice(name);
    // SAFETY: the kernel reads and writes sizeof(struct ifreq) = 40 bytes.
    if unsafe { libc::ioctl(socket.as_raw_fd(), libc::SIOCGIFFLAGS, ifreq.as_mut_ptr()) } < 0 {
        anyhow::bail!(
            "SIOCGIFFLAGS {}: {}",
            sockabi::text::Escaped(name),
            Errno::last()
        );
    }
    let flags = i16::from_ne_bytes([ifreq[16], ifreq[17]]) | libc::IFF_UP as i16;
    ifreq[16..18].copy_from_slice(&flags.to_ne_bytes());
    // SAFETY: as above.
    if unsafe { libc::ioctl(socket.as_raw_fd(), libc::SIOCSIFFLAGS, ifreq.as_mut_ptr()) } < 0 {
        anyhow::bail!(
            "SIOCSIFFLAGS {}: {}",
            sockabi::text::Escaped(name),
            Errno::last()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_names_the_errors_scenarios_expect() {
        assert_eq!(Errno(libc::ENETUNREACH).name(), "ENETUNREACH");
        assert_eq!(Errno(libc::EACCES).name(), "EACCES");
        assert_eq!(Errno(9999).name(), "E?");
        assert!(Errno(libc::ENODEV).to_string().starts_with("ENODEV ("));
    }

    #[test]
    fn loopback_udp_round_trip_with_control_bytes() {
        // Loopback in the current namespace only: no packet leaves the machine.
        let rx = udp_socket().unwrap();
        bind(&rx, v4(Ipv4Addr::LOCALHOST, 0)).unwrap();
        let rx_addr = getsockname(&rx).unwrap();
        let tx = udp_socket().unwrap();
        assert_eq!(send_to(&tx, b"ping", rx_addr), Ok(4));
        let got = recv_within(&rx, 0).unwrap();
        assert_eq!(got.payload, b"ping");
        assert_eq!(got.from.map(|a| *a.ip()), Some(Ipv4Addr::LOCALHOST));
    }
}
