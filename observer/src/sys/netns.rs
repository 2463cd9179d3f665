//! Network namespaces as the host has them: finding a namespace's file by inode, running a
//! call inside one, and asking one for an interface's name or index.
//!
//! Nothing here is kept: a socket or a namespace file held open would keep a deleted
//! namespace alive with its devices, so each is opened for one question and closed.

use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use sockabi::IfName;

/// The inode of a network namespace file (`/proc/PID/ns/net`, `/run/netns/NAME`).
pub fn inode_of(path: &Path) -> std::io::Result<u32> {
    Ok(std::fs::metadata(path)?.ino() as u32)
}

/// The inode of bindscope's own network namespace.
pub fn own_inode() -> std::io::Result<u32> {
    inode_of(Path::new("/proc/self/ns/net"))
}

/// A datagram socket created inside the namespace `ns` refers to.
fn socket_in(ns: File) -> std::io::Result<OwnedFd> {
    run_in(ns, udp_socket)
}

/// Runs `f` on a short-lived thread that has `setns()`-ed into the namespace `ns` refers to,
/// and returns its result. Sockets `f` creates belong to that namespace for their whole life,
/// whichever thread uses them afterwards; the calling thread never changes namespace.
pub(crate) fn run_in<T: Send + 'static>(
    ns: File,
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    std::thread::spawn(move || {
        // SAFETY: setns on a valid namespace fd affects only this short-lived thread.
        if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        f()
    })
    .join()
    .map_err(|_| std::io::Error::other("namespace thread panicked"))?
}

fn udp_socket() -> std::io::Result<OwnedFd> {
    // SAFETY: plain socket(2); the fd is owned right away.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: fd is a fresh, valid descriptor nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `ioctl(fd, request, &mut ifreq)` on a 40-byte `struct ifreq` buffer.
fn ifreq_ioctl(socket: &OwnedFd, request: u32, ifreq: &mut [u8; 40]) -> std::io::Result<()> {
    // SAFETY: the kernel reads and writes at most sizeof(struct ifreq) = 40 bytes.
    let rc = unsafe { libc::ioctl(socket.as_raw_fd(), request as _, ifreq.as_mut_ptr()) };
    if rc < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// The name of `ifindex` as the namespace of `socket` sees it: its exact bytes.
pub(crate) fn name_of(socket: &OwnedFd, ifindex: i32) -> Option<Vec<u8>> {
    let mut ifreq = [0u8; 40];
    ifreq[16..20].copy_from_slice(&ifindex.to_ne_bytes());
    ifreq_ioctl(socket, sockabi_siocgifname(), &mut ifreq).ok()?;
    IfName::from_bytes(&ifreq[..16])
        .ok()
        .map(|n| n.as_bytes().to_vec())
}

/// The index of `name` as the namespace of `socket` sees it.
fn index_of(socket: &OwnedFd, name: &IfName) -> Option<i32> {
    let mut ifreq = [0u8; 40];
    ifreq[..16].copy_from_slice(&name.to_c_buffer());
    ifreq_ioctl(socket, sockabi_siocgifindex(), &mut ifreq).ok()?;
    Some(i32::from_ne_bytes([
        ifreq[16], ifreq[17], ifreq[18], ifreq[19],
    ]))
}

const fn sockabi_siocgifname() -> u32 {
    0x8910
}

const fn sockabi_siocgifindex() -> u32 {
    0x8933
}

/// The index of `name` in the namespace at `ns_path` (or bindscope's own).
pub fn index_in(ns_path: Option<&Path>, name: &IfName) -> std::io::Result<Option<i32>> {
    let socket = match ns_path {
        Some(path) => socket_in(File::open(path)?)?,
        None => udp_socket()?,
    };
    Ok(index_of(&socket, name))
}

/// The task an event came from: a thread (`tid`) of a process (`pid`).
#[derive(Debug, Clone, Copy)]
pub struct Task {
    /// Thread group id.
    pub pid: u32,
    /// Thread id.
    pub tid: u32,
}

/// A socket in namespace `netns` (see [`find`] for how the namespace is found).
pub(crate) fn open_in(netns: u32, task: Task) -> Option<OwnedFd> {
    if netns == 0 || own_inode().ok() == Some(netns) {
        return udp_socket().ok();
    }
    find(netns, Some(task)).and_then(|file| socket_in(file).ok())
}

/// The file of the network namespace whose inode is `netns`, found through, in order:
/// bindscope's own; the thread that made the call (a thread can `setns` away from its
/// process); its process; the named namespaces of `ip netns` (`/run/netns`); any process on
/// the system. The task may be gone by the time its event is decoded, hence the fallbacks;
/// without a task (a lookup made in softirq, or a namespace's rules) only the last three are
/// searched. `None` when no file of that inode can be found: the namespace is gone, or only
/// a bind mount outside `/run/netns` keeps it alive.
pub(crate) fn find(netns: u32, task: Option<Task>) -> Option<File> {
    let own = ["/proc/thread-self/ns/net".to_owned()];
    let direct = task.into_iter().flat_map(|task| {
        [
            format!("/proc/{}/task/{}/ns/net", task.pid, task.tid),
            format!("/proc/{}/ns/net", task.pid),
        ]
    });
    let named = std::fs::read_dir("/run/netns")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().display().to_string());
    let everyone = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .map(|e| format!("{}/ns/net", e.path().display()));
    own.into_iter()
        .chain(direct)
        .chain(named)
        .chain(everyone)
        .find_map(|path| {
            let file = File::open(path).ok()?;
            (file.metadata().ok()?.ino() as u32 == netns).then_some(file)
        })
}
