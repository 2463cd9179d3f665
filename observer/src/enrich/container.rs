//! Container attribution: which container a task's event came from, told by its cgroup.
//!
//! The eBPF programs stamp each task event with the low 32 bits of
//! `bpf_get_current_cgroup_id()`: the id of the task's cgroup in the cgroup v2 hierarchy, which
//! is the inode number of that cgroup's directory in cgroupfs (kernfs numbers its nodes by id,
//! `kernfs_id_ino`; the high 32 bits are a generation that moves only after 2^32 nodes). [`Cgroups`] finds
//! the directory of an id by walking the cgroup2 mount once per unknown id (at most every
//! [`RESCAN`]), and [`Container::parse`] reads the container id and pod UID out of the path,
//! for the layouts container managers name their cgroups with:
//!
//! | manager | cgroup driver `systemd` | driver `cgroupfs` | where the name is made |
//! |---|---|---|---|
//! | Docker | `system.slice/docker-ID.scope` | `docker/ID` | moby `daemon/oci_linux.go`, `WithCgroups`: scope prefix `docker`, parent `system.slice` with systemd (`user.slice` rootless), `/docker` otherwise |
//! | containerd (CRI) | `...-podUID.slice/cri-containerd-ID.scope` | `kubepods/QOS/podUID/ID` | containerd's CRI plugin, `getCgroupsPath`: `SLICE:cri-containerd:ID` under a slice parent, `PARENT/ID` otherwise |
//! | CRI-O | `...-podUID.slice/crio-ID.scope` | `kubepods/QOS/podUID/crio-ID` | cri-o `internal/config/cgmgr`: `SystemdManager.ContainerCgroupPath` (`PARENT:crio:ID`) and the cgroupfs manager (`crio-ID`) |
//! | Podman | `machine.slice/libpod-ID.scope` (or under `user.slice` rootless) | `libpod_parent/libpod-ID` | podman's libpod: scope prefix `libpod`, cgroupfs parent `/libpod_parent` |
//! | systemd-nspawn | `machine.slice/systemd-nspawn@NAME.service`, or `machine-NAME.scope` | | systemd's `systemd-nspawn@.service` unit, and machined's `machine-NAME.scope` for registered machines |
//!
//! The pod UID comes from the kubelet's pod cgroup (kubernetes `pkg/kubelet/cm/cgroup_manager_linux.go`,
//! `ToSystemd`): `kubepods-QOS-podUID.slice` with the UID's dashes escaped as underscores under
//! the systemd driver, `kubepods/QOS/podUID` under cgroupfs (Guaranteed pods have no QOS level).
//! Container ids are 64 hex digits; an nspawn container is known by its machine name.

use std::collections::HashMap;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::name::Name;

/// How often, at most, the cgroup tree is walked again for an id not seen yet.
pub const RESCAN: Duration = Duration::from_millis(200);

/// What a cgroup path says about the container of a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    /// The cgroup's path in the v2 hierarchy (`/system.slice/docker-ID.scope`), exactly.
    pub cgroup: Name,
    /// The container id (64 hex digits), or an nspawn machine's name.
    pub id: Option<Arc<str>>,
    /// The Kubernetes pod UID, for a container of a pod.
    pub pod_uid: Option<Arc<str>>,
}

impl Container {
    /// Reads the container id and pod UID out of `cgroup`, a path in the v2 hierarchy.
    pub fn parse(cgroup: &str) -> Container {
        Container::parse_bytes(cgroup.as_bytes())
    }

    /// [`parse`](Self::parse) of a path as the file system gives it (any bytes but NUL; the
    /// ids looked for are ASCII).
    pub fn parse_bytes(path: &[u8]) -> Container {
        let text = String::from_utf8_lossy(path);
        let cgroup: &str = &text;
        let mut id = None;
        let mut pod_uid = None;
        let parts: Vec<&str> = cgroup.split('/').filter(|p| !p.is_empty()).collect();
        for (n, part) in parts.iter().enumerate() {
            if let Some(uid) = pod_of(part) {
                pod_uid = Some(uid);
            }
            let parent = n.checked_sub(1).map(|p| parts[p]);
            if let Some(found) = container_of(part, parent, pod_uid.is_some()) {
                id = Some(found);
            }
        }
        Container {
            cgroup: Name::shared_bytes(path),
            id: id.map(Arc::from),
            pod_uid: pod_uid.map(Arc::from),
        }
    }

    /// Whether the path names a container at all.
    pub fn is_container(&self) -> bool {
        self.id.is_some()
    }
}

/// 64 hex digits: a container id as Docker, containerd, CRI-O and Podman make them.
fn is_id(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The container id one component of a cgroup path names, if any.
fn container_of(part: &str, parent: Option<&str>, in_pod: bool) -> Option<String> {
    // systemd driver: PREFIX-ID.scope. The `-conmon-` scopes of CRI-O and Podman hold the
    // monitor process, not the container.
    if let Some(unit) = part.strip_suffix(".scope") {
        for prefix in ["docker-", "cri-containerd-", "crio-", "libpod-"] {
            if let Some(id) = unit.strip_prefix(prefix) {
                return is_id(id).then(|| id.to_owned());
            }
        }
        // machined's scope of a registered container (nspawn --register, machinectl).
        if let Some(name) = unit.strip_prefix("machine-") {
            return Some(unescape(name));
        }
        return None;
    }
    if let Some(name) = part
        .strip_prefix("systemd-nspawn@")
        .and_then(|p| p.strip_suffix(".service"))
    {
        return Some(unescape(name));
    }
    // cgroupfs driver: docker/ID, libpod_parent/libpod-ID, kubepods/.../podUID/ID or crio-ID.
    if let Some(id) = part.strip_prefix("libpod-").or(part.strip_prefix("crio-")) {
        return is_id(id).then(|| id.to_owned());
    }
    if is_id(part) && (in_pod || parent == Some("docker")) {
        return Some(part.to_owned());
    }
    None
}

/// The pod UID one component names: `kubepods-QOS-podUID.slice` (systemd, dashes escaped as
/// underscores) or `podUID` (cgroupfs).
fn pod_of(part: &str) -> Option<String> {
    let uid = match part.strip_suffix(".slice") {
        Some(slice) if slice.starts_with("kubepods") => slice
            .rsplit('-')
            .next()?
            .strip_prefix("pod")?
            .replace('_', "-"),
        Some(_) => return None,
        None => part.strip_prefix("pod")?.to_owned(),
    };
    let uuid = uid.len() == 36
        && uid.bytes().enumerate().all(|(i, b)| {
            matches!(i, 8 | 13 | 18 | 23) == (b == b'-') && (b == b'-' || b.is_ascii_hexdigit())
        });
    uuid.then_some(uid)
}

/// systemd's unit-name escaping (`\x2d` for `-` in a name part), undone.
fn unescape(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(at) = rest.find("\\x") {
        out.push_str(&rest[..at]);
        let hex = rest
            .get(at + 2..at + 4)
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(byte) => {
                out.push(char::from(byte));
                rest = &rest[at + 4..];
            }
            None => {
                out.push_str("\\x");
                rest = &rest[at + 2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The cgroup v2 hierarchy's mount point, from `/proc/self/mountinfo` (`/sys/fs/cgroup` on a
/// unified host, `/sys/fs/cgroup/unified` on a hybrid one).
fn cgroup2_mount() -> Option<PathBuf> {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    mountinfo.lines().find_map(|line| {
        // ... mount point (field 5) ... " - " fstype ...
        let (before, after) = line.split_once(" - ")?;
        let mount = before.split(' ').nth(4)?;
        (after.split(' ').next()? == "cgroup2").then(|| PathBuf::from(mount))
    })
}

/// Cgroup ids to containers, found by walking the cgroup2 tree.
#[derive(Debug, Default)]
pub struct Cgroups {
    mount: Option<Option<PathBuf>>,
    known: HashMap<u32, Arc<Container>>,
    walked: Option<Instant>,
}

impl Cgroups {
    /// The container of cgroup `id` (0: none known, as for a softirq lookup); `None` when no
    /// directory of that id is found.
    pub fn get(&mut self, id: u32) -> Option<Arc<Container>> {
        if id == 0 {
            return None;
        }
        if let Some(found) = self.known.get(&id) {
            return Some(Arc::clone(found));
        }
        if self.walked.is_some_and(|at| at.elapsed() < RESCAN) {
            return None;
        }
        self.walked = Some(Instant::now());
        let mount = self.mount.get_or_insert_with(cgroup2_mount).clone()?;
        self.known.clear();
        walk(&mount, &mount, &mut self.known);
        self.known.get(&id).cloned()
    }
}

fn walk(root: &Path, dir: &Path, known: &mut HashMap<u32, Arc<Container>>) {
    if let Ok(meta) = std::fs::metadata(dir) {
        let relative = dir.strip_prefix(root).unwrap_or(dir);
        let mut path = b"/".to_vec();
        path.extend_from_slice(relative.as_os_str().as_bytes());
        // The low 32 bits, as the records carry them.
        known.insert(meta.ino() as u32, Arc::new(Container::parse_bytes(&path)));
    }
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            walk(root, &entry.path(), known);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "4c01db0b339c63d3b2b4ba3f7a4c2b0f6c1f4d8a3d2b1c0e9f8a7b6c5d4e3f2a";
    const POD: &str = "9e5a9d3c-6f3b-4a61-8c2e-1d7f0b2a4c55";

    fn parsed(path: &str) -> (Option<String>, Option<String>) {
        let c = Container::parse(path);
        (
            c.id.map(|s| s.to_string()),
            c.pod_uid.map(|s| s.to_string()),
        )
    }

    #[test]
    fn every_layout() {
        let pod_systemd = POD.replace('-', "_");
        for (path, id, pod) in [
            // Docker, systemd and cgroupfs drivers.
            (format!("/system.slice/docker-{ID}.scope"), Some(ID), None),
            (format!("/docker/{ID}"), Some(ID), None),
            // containerd (CRI), systemd driver, a Burstable and a Guaranteed pod.
            (
                format!("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{pod_systemd}.slice/cri-containerd-{ID}.scope"),
                Some(ID),
                Some(POD),
            ),
            (
                format!("/kubepods.slice/kubepods-pod{pod_systemd}.slice/cri-containerd-{ID}.scope"),
                Some(ID),
                Some(POD),
            ),
            // containerd, cgroupfs driver.
            (format!("/kubepods/besteffort/pod{POD}/{ID}"), Some(ID), Some(POD)),
            // CRI-O, both drivers; its conmon scope is not the container.
            (
                format!("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{pod_systemd}.slice/crio-{ID}.scope"),
                Some(ID),
                Some(POD),
            ),
            (format!("/kubepods/burstable/pod{POD}/crio-{ID}"), Some(ID), Some(POD)),
            (
                format!("/kubepods.slice/kubepods-pod{pod_systemd}.slice/crio-conmon-{ID}.scope"),
                None,
                Some(POD),
            ),
            // Podman, rootful and rootless (systemd), and cgroupfs.
            (format!("/machine.slice/libpod-{ID}.scope"), Some(ID), None),
            (
                format!("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-{ID}.scope/container"),
                Some(ID),
                None,
            ),
            (format!("/libpod_parent/libpod-{ID}"), Some(ID), None),
            // systemd-nspawn, as a service and registered with machined.
            ("/machine.slice/systemd-nspawn@web1.service/payload".to_owned(), Some("web1"), None),
            ("/machine.slice/machine-web\\x2d2.scope".to_owned(), Some("web-2"), None),
            // No container.
            ("/user.slice/user-1000.slice/session-2.scope".to_owned(), None, None),
            ("/".to_owned(), None, None),
            (format!("/system.slice/{ID}"), None, None),
        ] {
            assert_eq!(
                parsed(&path),
                (id.map(str::to_owned), pod.map(str::to_owned)),
                "{path}"
            );
        }
    }

    #[test]
    fn a_cgroup_of_this_host_resolves_by_its_inode() {
        let Some(mount) = cgroup2_mount() else {
            eprintln!("skipped: no cgroup2 mount here");
            return;
        };
        let inode = std::fs::metadata(&mount).expect("the root cgroup").ino() as u32;
        let mut cgroups = Cgroups::default();
        let root = cgroups.get(inode).expect("the root cgroup is found");
        assert_eq!(&*root.cgroup, "/");
        assert!(!root.is_container());
        assert_eq!(cgroups.get(0), None);
    }
}
