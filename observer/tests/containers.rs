//! Container attribution against a real kernel: cgroups this test creates, named as Docker
//! (`docker-ID.scope`) and containerd under a Kubernetes pod
//! (`kubepods-besteffort-podUID.slice/cri-containerd-ID.scope`) name theirs, with a process
//! moved into each before it makes a SO_BINDTODEVICE call in a named namespace: bindscope must
//! report the cgroup path, the container id, the pod UID and the namespace's name, keep only
//! one container's events with `--container PREFIX`, and add a CONTAINER column to the table.
//! Every cgroup and namespace made is removed afterwards.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bindscope_tests::{privileges, Netns};
use serde_json::Value;

const BINDSCOPE: &str = env!("CARGO_BIN_EXE_bindscope");
const DOCKER_ID: &str = "4c01db0b339c63d3b2b4ba3f7a4c2b0f6c1f4d8a3d2b1c0e9f8a7b6c5d4e3f2a";
const CONTAINERD_ID: &str = "b7e2c1d0a9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170aa55";
const POD_UID: &str = "9e5a9d3c-6f3b-4a61-8c2e-1d7f0b2a4c55";

/// The cgroup v2 mount point (`/sys/fs/cgroup`, or `/sys/fs/cgroup/unified` on a hybrid host).
fn cgroup2() -> Option<PathBuf> {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    mountinfo.lines().find_map(|line| {
        let (before, after) = line.split_once(" - ")?;
        let mount = before.split(' ').nth(4)?;
        (after.split(' ').next()? == "cgroup2").then(|| PathBuf::from(mount))
    })
}

/// The test's cgroups under one parent of its own; removed, deepest first, on drop.
struct Cgroups {
    mount: PathBuf,
    parent: String,
    made: Vec<PathBuf>,
}

impl Cgroups {
    fn new(mount: PathBuf) -> Cgroups {
        Cgroups {
            mount,
            parent: format!("bs-test-{}", std::process::id()),
            made: Vec::new(),
        }
    }

    /// Creates `relative` (under the test's parent), with every directory on the way, and
    /// returns its path in the hierarchy (`/bs-test-N/...`).
    fn make(&mut self, relative: &str) -> String {
        let mut path = self.mount.join(&self.parent);
        let mut parts = vec![path.clone()];
        for part in relative.split('/') {
            path = path.join(part);
            parts.push(path.clone());
        }
        for dir in parts {
            if !dir.exists() {
                std::fs::create_dir(&dir).expect("cgroup created");
                self.made.push(dir);
            }
        }
        format!("/{}/{relative}", self.parent)
    }
}

impl Drop for Cgroups {
    fn drop(&mut self) {
        for dir in self.made.iter().rev() {
            if let Err(e) = std::fs::remove_dir(dir) {
                eprintln!("warning: could not remove cgroup {}: {e}", dir.display());
            }
        }
    }
}

/// Runs, in cgroup `cgroup` (a path in the hierarchy) and namespace `ns`, a process that sets
/// SO_BINDTODEVICE to eth0 once, and waits for it.
fn bind_in(mount: &std::path::Path, cgroup: &str, ns: &Netns) {
    let procs = mount
        .join(cgroup.trim_start_matches('/'))
        .join("cgroup.procs");
    let script = format!(
        "echo $$ > {} && exec ip netns exec {} python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b\"eth0\")'",
        procs.display(),
        ns.name()
    );
    let status = Command::new("sh")
        .args(["-c", &script])
        .status()
        .expect("sh runs");
    assert!(status.success(), "the process in {cgroup} ran");
}

/// A running `bindscope trace`, killed if the test fails before [`stop`] (a tracer left
/// running traces every event on the machine until someone notices).
struct Tracer(Option<Child>);

impl Drop for Tracer {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `bindscope trace` with `args`, its stdout lines on a channel.
fn trace(args: &[&str]) -> (Tracer, mpsc::Receiver<String>) {
    let mut child = Command::new(BINDSCOPE)
        .arg("trace")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bindscope starts");
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (Tracer(Some(child)), rx)
}

/// Waits until the tracer sees a SO_MARK probe made in `ns` (it prints nothing before its
/// first event), so what follows is traced.
fn wait_attached(ns: &Netns, lines: &mpsc::Receiver<String>) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        ns.run(|| {
            let s = bindscope_tests::sys::udp_socket().unwrap();
            bindscope_tests::sys::setsockopt_int(&s, libc::SOL_SOCKET, libc::SO_MARK, 1).unwrap();
        });
        if lines.recv_timeout(Duration::from_millis(200)).is_ok() {
            return;
        }
        assert!(Instant::now() < deadline, "bindscope attached");
    }
}

/// The next SO_BINDTODEVICE event of python3, as JSON.
fn next_bind(lines: &mpsc::Receiver<String>) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) else {
            continue;
        };
        let event: Value = serde_json::from_str(&line).expect("JSON");
        if event["optname"] == "SO_BINDTODEVICE" && event["comm"] == "python3" {
            return event;
        }
    }
    panic!("no SO_BINDTODEVICE event from python3");
}

fn stop(mut tracer: Tracer) {
    let mut child = tracer.0.take().expect("still running");
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().expect("bindscope exits");
    assert!(status.success(), "{status}");
}

#[test]
fn events_name_their_container_pod_and_namespace() {
    if !privileges::ok_or_skip() {
        return;
    }
    let Some(mount) = cgroup2() else {
        assert!(!privileges::in_ci(), "no cgroup2 hierarchy is mounted");
        eprintln!("skipped: no cgroup2 hierarchy is mounted");
        return;
    };
    let ns = Netns::new("containers").expect("namespace");
    ns.ip_batch("link add eth0 type veth peer name peer0\nlink set eth0 up\n")
        .expect("eth0");
    let mut cgroups = Cgroups::new(mount.clone());
    let docker = cgroups.make(&format!("system.slice/docker-{DOCKER_ID}.scope"));
    let pod = POD_UID.replace('-', "_");
    let containerd = cgroups.make(&format!(
        "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{pod}.slice/cri-containerd-{CONTAINERD_ID}.scope"
    ));

    let (child, lines) = trace(&["--json", "--events", "sockopt", "--netns", ns.name()]);
    wait_attached(&ns, &lines);
    bind_in(&mount, &docker, &ns);
    let event = next_bind(&lines);
    assert_eq!(event["cgroup"], docker.as_str(), "{event}");
    assert_eq!(event["container_id"], DOCKER_ID, "{event}");
    assert_eq!(event["pod_uid"], Value::Null, "{event}");
    assert_eq!(event["netns_name"], ns.name(), "{event}");
    bind_in(&mount, &containerd, &ns);
    let event = next_bind(&lines);
    assert_eq!(event["cgroup"], containerd.as_str(), "{event}");
    assert_eq!(event["container_id"], CONTAINERD_ID, "{event}");
    assert_eq!(event["pod_uid"], POD_UID, "{event}");
    stop(child);

    // --container with a prefix of the id keeps that container's events only: the Docker
    // one, made first, is left out.
    let (child, lines) = trace(&[
        "--json",
        "--events",
        "sockopt",
        "--netns",
        ns.name(),
        "--container",
        &CONTAINERD_ID[..12],
    ]);
    // No probe gets through the filter: give the tracer time to attach instead.
    std::thread::sleep(Duration::from_secs(3));
    bind_in(&mount, &docker, &ns);
    bind_in(&mount, &containerd, &ns);
    let event = next_bind(&lines);
    assert_eq!(event["container_id"], CONTAINERD_ID, "{event}");
    stop(child);

    // The table gains a CONTAINER column with the first event from a container.
    let (child, lines) = trace(&[
        "--color",
        "never",
        "--events",
        "sockopt",
        "--netns",
        ns.name(),
    ]);
    let header = lines
        .recv_timeout(Duration::from_secs(20))
        .expect("a header");
    assert!(!header.contains("CONTAINER"), "{header}");
    wait_attached(&ns, &lines);
    bind_in(&mount, &docker, &ns);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    while Instant::now() < deadline && !seen.iter().any(|l: &String| l.contains("python3")) {
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) {
            seen.push(line);
        }
    }
    let header = seen
        .iter()
        .find(|l| l.contains("CONTAINER"))
        .unwrap_or_else(|| panic!("a header with CONTAINER: {seen:#?}"));
    let columns = format!("{:<22} {:<12} EVENT", "COMM[PID]", "CONTAINER");
    assert!(header.contains(&columns), "{header}");
    let row = seen
        .iter()
        .find(|l| l.contains("python3"))
        .expect("the row");
    assert!(
        row.contains(&format!(" {} setsockopt", &DOCKER_ID[..12])),
        "{row}"
    );
    stop(child);
}
