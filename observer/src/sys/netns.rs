//! Network namespaces as the host has them: finding a namespace's file by inode, running a
//! call inside one, and asking one for an interface's name or index.
//!
//! Nothing here is kept: a socket or a namespace file held open would keep a deleted
//! namespace alive with its devices, so each is opened for one question and closed. Those who
//! keep a socket in a namespace (the policy room, `routes --watch`) ask [`held_elsewhere`]
//! whether anything but bindscope still holds it, and let go when nothing does.

use std::collections::HashMap;
use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

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
/// bindscope's own thread; the thread that made the call (a thread can `setns` away from its
/// process); its process; then every place [`places`] lists (`/run/netns`, other nsfs bind
/// mounts, every process). The task may be gone by the time its event is
/// decoded, hence the fallbacks; without a task (a lookup made in softirq, or a namespace's
/// rules) only the own thread and [`places`] are searched. `None` when no file of that inode
/// can be found: the namespace is gone, or only something bindscope cannot see keeps it alive
/// (a socket made in it, an open namespace file, a bind mount in another mount namespace).
pub(crate) fn find(netns: u32, task: Option<Task>) -> Option<File> {
    let own = [PathBuf::from("/proc/thread-self/ns/net")];
    let direct = task.into_iter().flat_map(|task| {
        [
            PathBuf::from(format!("/proc/{}/task/{}/ns/net", task.pid, task.tid)),
            PathBuf::from(format!("/proc/{}/ns/net", task.pid)),
        ]
    });
    own.into_iter()
        .chain(direct)
        .chain(places(None))
        .find_map(|path| {
            let file = File::open(path).ok()?;
            (file.metadata().ok()?.ino() as u32 == netns).then_some(file)
        })
}

/// Every place a network namespace's file can be found without knowing who uses it, in the
/// order it costs to look: the named namespaces of `ip netns` (`/run/netns`); the other nsfs
/// bind mounts of bindscope's mount namespace (`/proc/self/mountinfo`: Docker's
/// `/var/run/docker/netns`, CNI's, ...); every process's `/proc/PID/ns/net`, but `except`'s
/// (a process id). Threads are not walked (a thread can `setns` away from its process): that
/// cost twice as much again on a host with ten threads a process, and a namespace that only
/// such a thread is in is found through the thread of the event that names it.
fn places(except: Option<u32>) -> impl Iterator<Item = PathBuf> {
    // Each source is read only once the ones before it are exhausted: `find` mostly stops at
    // the first.
    let named = std::iter::once_with(|| std::fs::read_dir("/run/netns"))
        .flatten()
        .flatten()
        .flatten()
        .map(|entry| entry.path());
    let mounted = std::iter::once_with(|| {
        std::fs::read_to_string("/proc/self/mountinfo")
            .unwrap_or_default()
            .lines()
            .filter_map(nsfs_mount_point)
            .collect::<Vec<_>>()
    })
    .flatten();
    let processes = std::iter::once_with(|| std::fs::read_dir("/proc"))
        .flatten()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(move |pid| Some(*pid) != except)
        .map(|pid| PathBuf::from(format!("/proc/{pid}/ns/net")));
    named.chain(mounted).chain(processes)
}

/// The mount point of a line of `/proc/PID/mountinfo` if it is a network namespace's bind
/// mount (its root is `net:[INODE]`, as nsfs names it), unescaped (the kernel writes space,
/// tab, newline and backslash as `\040`, `\011`, `\012`, `\134`).
fn nsfs_mount_point(line: &str) -> Option<PathBuf> {
    let mut fields = line.split(' ');
    let root = fields.nth(3)?;
    let point = fields.next()?;
    if !root.starts_with("net:[") {
        return None;
    }
    let bytes = point.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|_| bytes[i] == b'\\')
            .and_then(|digits| u8::from_str_radix(std::str::from_utf8(digits).ok()?, 8).ok());
        match octal {
            Some(byte) => {
                out.push(byte);
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    Some(PathBuf::from(std::ffi::OsString::from_vec(out)))
}

/// The inode of the namespace file at `path`: read out of the link's text for a
/// `/proc/.../ns/net` link (`net:[INODE]`, cheaper than following it), else by `stat`.
fn inode_at(path: &Path) -> Option<u32> {
    if let Ok(target) = std::fs::read_link(path) {
        return target
            .to_str()?
            .strip_prefix("net:[")?
            .strip_suffix(']')?
            .parse()
            .ok();
    }
    inode_of(path).ok()
}

/// Which of the namespaces `wanted` (inodes, each with the place it was last found held, if
/// any) something other than this process still holds where bindscope can see it: a file
/// under `/run/netns` or another nsfs bind mount, or a process inside it (see `places`);
/// each with the place it was found, to look first next time. The namespaces missing from
/// the answer are kept alive by bindscope alone, or by something `find` could not find them
/// through either (a socket made in it, an open namespace file, a thread of a process that
/// is elsewhere, a bind mount in another mount namespace).
///
/// Cost: one `readlink` or `stat` per namespace while each is where it was found last;
/// otherwise the places are read in order until every namespace is found, so a namespace that
/// is gone costs a walk of them all, some 6-8 µs a process on this 2-core host (0.44 ms with
/// 78 processes, 3.2 ms with 390).
pub fn held_elsewhere(wanted: &HashMap<u32, Option<PathBuf>>) -> HashMap<u32, PathBuf> {
    let mut held = HashMap::with_capacity(wanted.len());
    for (&netns, hint) in wanted {
        if let Some(path) = hint {
            if inode_at(path) == Some(netns) {
                held.insert(netns, path.clone());
            }
        }
    }
    if held.len() == wanted.len() {
        return held;
    }
    for path in places(Some(std::process::id())) {
        let Some(inode) = inode_at(&path) else {
            continue;
        };
        if wanted.contains_key(&inode) && !held.contains_key(&inode) {
            held.insert(inode, path);
            if held.len() == wanted.len() {
                break;
            }
        }
    }
    held
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nsfs_mount_points_are_read_out_of_mountinfo() {
        let named = "47 46 0:4 net:[4026532174] /run/netns/blue rw shared:2 - nsfs nsfs rw";
        assert_eq!(
            nsfs_mount_point(named),
            Some(PathBuf::from("/run/netns/blue"))
        );
        let spaced = "48 46 0:4 net:[4026532175] /var/run/a\\040b rw - nsfs nsfs rw";
        assert_eq!(
            nsfs_mount_point(spaced),
            Some(PathBuf::from("/var/run/a b"))
        );
        let other = "22 1 0:21 / /proc rw,nosuid shared:12 - proc proc rw";
        assert_eq!(nsfs_mount_point(other), None);
        let mount_ns = "49 46 0:4 mnt:[4026531841] /run/m rw - nsfs nsfs rw";
        assert_eq!(nsfs_mount_point(mount_ns), None);
    }

    #[test]
    fn the_host_namespace_is_held_elsewhere_and_an_unknown_inode_is_not() {
        let own = own_inode().expect("/proc/self/ns/net");
        // No namespace has inode 1 (they are numbered from 0xF0000000 down and up).
        let wanted = HashMap::from([(own, None), (1, None)]);
        let held = held_elsewhere(&wanted);
        assert!(!held.contains_key(&1));
        // Another process shares the test's namespace (pid 1 does, or the test runner).
        let Some(place) = held.get(&own) else {
            // A namespace of the test's own: nothing else may be in it.
            return;
        };
        assert!(!place.starts_with(format!("/proc/{}/", std::process::id())));
        // The place found is looked at first next time.
        let again = held_elsewhere(&HashMap::from([(own, Some(place.clone()))]));
        assert_eq!(again.get(&own), Some(place));
    }
}
