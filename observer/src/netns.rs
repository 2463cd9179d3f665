//! Interface names in the event's own network namespace.
//!
//! An ifindex means nothing without its namespace: index 3 is `eth1` in one namespace and
//! `veth7` in the next. For each namespace seen, bindscope keeps one UDP socket created inside
//! it (by a short-lived thread that `setns()`es there), and asks `SIOCGIFNAME`/`SIOCGIFINDEX`
//! on that socket.

use std::collections::HashMap;
use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sockabi::IfName;

use crate::name::Name;

/// The inode of a network namespace file (`/proc/PID/ns/net`, `/run/netns/NAME`).
pub fn inode_of(path: &Path) -> std::io::Result<u32> {
    Ok(std::fs::metadata(path)?.ino() as u32)
}

/// The inode of bindscope's own network namespace.
pub fn own_inode() -> std::io::Result<u32> {
    inode_of(Path::new("/proc/self/ns/net"))
}

/// How often, at most, `/run/netns` is read again for a namespace not named yet.
const RESCAN: Duration = Duration::from_secs(1);

/// The names `ip netns add` gave namespaces (files under `/run/netns`), by inode: how events
/// and metrics name a namespace where it has a name.
#[derive(Debug, Default)]
pub struct NetnsNames {
    /// Inodes looked up since the last read of the list: their name, or none.
    names: HashMap<u32, Option<Arc<str>>>,
    scanned: Option<Instant>,
}

impl NetnsNames {
    /// The name of namespace `inode`, if it has one. The list is read again when an inode
    /// not looked up before comes (at most every [`RESCAN`]), and for an unnamed one once
    /// [`RESCAN`] has passed (it may have been named since).
    pub fn name(&mut self, inode: u32) -> Option<Arc<str>> {
        let stale = || self.scanned.is_none_or(|at| at.elapsed() >= RESCAN);
        match self.names.get(&inode) {
            Some(Some(name)) => return Some(Arc::clone(name)),
            Some(None) if !stale() => return None,
            None if !stale() => {
                self.names.insert(inode, None);
                return None;
            }
            _ => {}
        }
        self.scanned = Some(Instant::now());
        let mut names: HashMap<u32, Option<Arc<str>>> = std::fs::read_dir("/run/netns")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let inode = inode_of(&entry.path()).ok()?;
                Some((
                    inode,
                    Some(Arc::from(entry.file_name().to_string_lossy().as_ref())),
                ))
            })
            .collect();
        names.entry(inode).or_insert(None);
        self.names = names;
        self.names.get(&inode).cloned().flatten()
    }

    /// [`name`](Self::name), or the inode as text: a metric label.
    pub fn label(&mut self, inode: u32) -> String {
        self.name(inode)
            .map_or_else(|| inode.to_string(), |name| name.to_string())
    }
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

/// The name of `ifindex` as the namespace of `socket` sees it.
fn name_of(socket: &OwnedFd, ifindex: i32) -> Option<String> {
    let mut ifreq = [0u8; 40];
    ifreq[16..20].copy_from_slice(&ifindex.to_ne_bytes());
    ifreq_ioctl(socket, sockabi_siocgifname(), &mut ifreq).ok()?;
    IfName::from_bytes(&ifreq[..16]).ok().map(|n| n.to_string())
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

/// How long a resolved name is reused. An index can change hands: an interface is renamed or
/// deleted, or a namespace dies and a new one gets its inode number (namespaces come and go by
/// the hundred in a container host, or in our tests), so a name cached for good would go
/// stale. Within this time one resolution serves a whole batch of events.
const NAME_TTL: Duration = Duration::from_millis(20);
/// Cached names beyond which expired ones are dropped (namespaces that died leave theirs).
const NAMES_KEPT: usize = 4096;

/// Resolves ifindexes to names per namespace, with a short-lived cache of names (answers
/// included "no such index"; see `NAME_TTL`). No socket is kept: one held open would keep a
/// deleted namespace alive.
#[derive(Default)]
pub struct IfNames {
    names: HashMap<(u32, i32), Resolved>,
    /// The last name asked for, under its (namespace, index).
    last: Option<((u32, i32), Resolved)>,
}

/// When a name was resolved, and the answer (`None`: no such index).
type Resolved = (u64, Option<Name>);

impl IfNames {
    /// The name of `ifindex` in namespace `netns`, where `task` was when it made the call at
    /// `at_ns` (the event's time, `CLOCK_MONOTONIC`): event time ages the cached names, so
    /// that a name costs no clock read per event.
    pub fn name(&mut self, netns: u32, task: Task, ifindex: i32, at_ns: u64) -> Option<Name> {
        if ifindex <= 0 {
            return None;
        }
        let ttl = NAME_TTL.as_nanos() as u64;
        let fresh = |resolved: u64| at_ns.saturating_sub(resolved) < ttl;
        // Most events name the interface the one before named.
        if let Some((key, (resolved, known))) = &self.last {
            if *key == (netns, ifindex) && fresh(*resolved) {
                return known.clone();
            }
        }
        let known = match self.names.get(&(netns, ifindex)) {
            Some((resolved, known)) if fresh(*resolved) => (*resolved, known.clone()),
            _ => {
                // Shared, not kept: a name read again every NAME_TTL would use up the budget
                // of kept names (see `crate::name`).
                let name = open_in(netns, task)
                    .and_then(|socket| name_of(&socket, ifindex))
                    .map(|name| Name::shared(&name));
                if self.names.len() >= NAMES_KEPT {
                    self.names.retain(|_, (resolved, _)| fresh(*resolved));
                }
                self.names.insert((netns, ifindex), (at_ns, name.clone()));
                (at_ns, name)
            }
        };
        let name = known.1.clone();
        self.last = Some(((netns, ifindex), known));
        name
    }

    /// The index of `name` in the namespace at `ns_path` (or bindscope's own).
    pub fn index_in(ns_path: Option<&Path>, name: &IfName) -> std::io::Result<Option<i32>> {
        let socket = match ns_path {
            Some(path) => socket_in(File::open(path)?)?,
            None => udp_socket()?,
        };
        Ok(index_of(&socket, name))
    }
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
fn open_in(netns: u32, task: Task) -> Option<OwnedFd> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// This process (its main thread), as an event's task.
    fn this_thread() -> Task {
        Task {
            pid: std::process::id(),
            tid: std::process::id(),
        }
    }

    #[test]
    fn loopback_is_index_one_in_our_namespace() {
        let mut names = IfNames::default();
        let own = own_inode().expect("/proc/self/ns/net");
        let me = this_thread();
        assert_eq!(
            names
                .name(own, me, 1, crate::stream::monotonic_ns())
                .as_deref(),
            Some("lo")
        );
        let lo = IfName::from_bytes(b"lo").expect("valid name");
        assert_eq!(IfNames::index_in(None, &lo).expect("socket"), Some(1));
    }

    #[test]
    fn names_older_than_the_ttl_are_resolved_again() {
        let mut names = IfNames::default();
        let own = own_inode().expect("/proc/self/ns/net");
        let me = this_thread();
        let ttl = NAME_TTL.as_nanos() as u64;
        let now = crate::stream::monotonic_ns();
        // As left by a namespace that had this inode before ours, or by a renamed interface.
        names
            .names
            .insert((own, 1), (now - 2 * ttl, Some("stale0".into())));
        assert_eq!(names.name(own, me, 1, now).as_deref(), Some("lo"));
        // A name cached at `now` serves the events of the next NAME_TTL (the last one asked
        // for included), and an event after that resolves it again.
        names.names.insert((own, 1), (now, Some("renamed0".into())));
        names.last = None;
        assert_eq!(names.name(own, me, 1, now + 1).as_deref(), Some("renamed0"));
        assert_eq!(names.name(own, me, 1, now + 2).as_deref(), Some("renamed0"));
        assert_eq!(names.name(own, me, 1, now + 2 * ttl).as_deref(), Some("lo"));
    }
}
