//! Names in the event's own network namespace: the namespace's name (`ip netns`) and its
//! interfaces' names.
//!
//! An ifindex means nothing without its namespace: index 3 is `eth1` in one namespace and
//! `veth7` in the next. A name is asked of a UDP socket created inside the namespace (by a
//! short-lived thread that `setns()`es there, see `crate::sys::netns`) with `SIOCGIFNAME`.

use std::collections::HashMap;
use std::os::unix::ffi::OsStrExt;
use std::time::{Duration, Instant};

use super::name::Name;
use crate::sys::netns::{inode_of, name_of, open_in, Task};

/// How often, at most, `/run/netns` is read again for a namespace not named yet.
const RESCAN: Duration = Duration::from_secs(1);

/// The names `ip netns add` gave namespaces (files under `/run/netns`), by inode: how events
/// and metrics name a namespace where it has a name.
#[derive(Debug, Default)]
pub struct NetnsNames {
    /// Inodes looked up since the last read of the list: their name, or none.
    names: HashMap<u32, Option<Name>>,
    scanned: Option<Instant>,
}

impl NetnsNames {
    /// The name of namespace `inode`, if it has one. The list is read again when an inode
    /// not looked up before comes (at most every [`RESCAN`]), and for an unnamed one once
    /// [`RESCAN`] has passed (it may have been named since).
    pub fn name(&mut self, inode: u32) -> Option<Name> {
        let stale = || self.scanned.is_none_or(|at| at.elapsed() >= RESCAN);
        match self.names.get(&inode) {
            Some(Some(name)) => return Some(name.clone()),
            Some(None) if !stale() => return None,
            None if !stale() => {
                self.names.insert(inode, None);
                return None;
            }
            _ => {}
        }
        self.scanned = Some(Instant::now());
        let mut names: HashMap<u32, Option<Name>> = std::fs::read_dir("/run/netns")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let inode = inode_of(&entry.path()).ok()?;
                Some((
                    inode,
                    Some(Name::shared_bytes(entry.file_name().as_bytes())),
                ))
            })
            .collect();
        names.entry(inode).or_insert(None);
        self.names = names;
        self.names.get(&inode).cloned().flatten()
    }

    /// [`name`](Self::name), or the inode as text: a metric label. The exact name where it
    /// is UTF-8 (the exposition format escapes what it must), else by the escaping rule.
    pub fn label(&mut self, inode: u32) -> String {
        self.name(inode)
            .map_or_else(|| inode.to_string(), |name| name.as_str().to_owned())
    }
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
                // of kept names (see `crate::enrich::name`).
                let name = open_in(netns, task)
                    .and_then(|socket| name_of(&socket, ifindex))
                    .map(|name| Name::shared_bytes(&name));
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::netns::own_inode;

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
                .name(own, me, 1, crate::sys::clock::monotonic_ns())
                .as_deref(),
            Some("lo")
        );
        let lo = sockabi::IfName::from_bytes(b"lo").expect("valid name");
        assert_eq!(
            crate::sys::netns::index_in(None, &lo).expect("socket"),
            Some(1)
        );
    }

    #[test]
    fn names_older_than_the_ttl_are_resolved_again() {
        let mut names = IfNames::default();
        let own = own_inode().expect("/proc/self/ns/net");
        let me = this_thread();
        let ttl = NAME_TTL.as_nanos() as u64;
        let now = crate::sys::clock::monotonic_ns();
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
