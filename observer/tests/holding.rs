//! An observer must not change what it observes (issue 23): bindscope must not keep a deleted
//! network namespace alive. A CNI plugin or a test harness that deletes a namespace expects
//! the devices in it to go with it, and the host end of a veth pair whose other end was in
//! the namespace to go too. Each test makes a namespace with such a pair (`HostVeth`, its
//! host end left here), makes route lookups inside it (UDP connects: no packet is sent) until
//! the running `bindscope` has reported one (so that it has opened whatever it opens there),
//! runs `ip netns del`, and requires the host end of the pair to be gone within one second,
//! while `trace` and `serve` go on running; `routes --watch` ends with one line and status 0.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bindscope_tests::netns::HostVeth;
use bindscope_tests::topology::CLOSED_PORT;
use bindscope_tests::{privileges, sys, Netns};
use serde_json::Value;

const BINDSCOPE: &str = env!("CARGO_BIN_EXE_bindscope");

/// How long a deleted namespace's devices may outlive it while bindscope runs (the issue's
/// bound): bindscope lets go within `policy::HELD_CHECK` (200 ms), the kernel needs some
/// 30 ms more.
const DEVICES_GONE: Duration = Duration::from_secs(1);

/// How long bindscope may take to attach and report a lookup of the namespace.
const SEEN_BOUND: Duration = Duration::from_secs(60);

/// Where the connects go: routed on the namespace's loopback (and in table 100).
const DESTINATION: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 9);

/// Tests that run bindscope hold this, so that their tracers do not compete for the CPUs.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// A namespace with loopback up and 203.0.113.0/24 routed on it, the inner end (`eth0`) of a
/// veth pair whose host end stays here, and with `rules`, a policy rule (`fwmark 1 lookup
/// 100`) that marked connects take: the policy room then walks the rules of each lookup.
fn namespace(label: &str, rules: bool) -> (Netns, HostVeth) {
    let ns = Netns::new(label).expect("namespace");
    let veth = HostVeth::new(&ns, "eth0").expect("veth pair, host end here");
    let mut setup = "link set lo up\nroute add 203.0.113.0/24 dev lo\n".to_owned();
    if rules {
        setup.push_str(
            "route add 203.0.113.0/24 dev lo table 100\nrule add pref 100 fwmark 1 lookup 100\n",
        );
    }
    ns.ip_batch(&setup).expect("namespace set up");
    (ns, veth)
}

/// A few UDP connects in `ns` (route lookups, no packet), with `SO_MARK` 1 if `marked`.
fn connects(ns: &Netns, marked: bool) {
    ns.run(|| {
        let socket = sys::udp_socket().expect("socket");
        if marked {
            sys::setsockopt_int(&socket, libc::SOL_SOCKET, libc::SO_MARK, 1).expect("SO_MARK");
        }
        for _ in 0..5 {
            sys::connect(&socket, sys::v4(DESTINATION, CLOSED_PORT)).expect("connect");
        }
    });
}

/// A bindscope child, killed if the test fails before it ends: a tracer left running would
/// trace, and slow, everything that runs after (and hold what it holds).
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
}

impl Running {
    fn spawn(args: &[&str]) -> Running {
        let mut child = Command::new(BINDSCOPE)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("bindscope starts");
        let lines = lines_of(child.stdout.take().expect("piped stdout"));
        let stderr = lines_of(child.stderr.take().expect("piped stderr"));
        Running {
            child,
            lines,
            stderr,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether it still runs.
    fn running(&mut self) -> bool {
        self.child.try_wait().expect("waitpid").is_none()
    }

    /// Its exit status, if it exits within `bound`.
    fn exit_within(&mut self, bound: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("waitpid") {
                return Some(status);
            }
            if started.elapsed() >= bound {
                return None;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Stops it with `signal` and returns its exit status.
    fn stop(&mut self, signal: i32) -> ExitStatus {
        // SAFETY: kill(2) on our own child, which has not been waited for yet.
        unsafe { libc::kill(self.pid() as i32, signal) };
        self.exit_within(Duration::from_secs(30))
            .expect("bindscope stops within 30 s")
    }

    /// What it wrote to standard error so far (after it exited: all of it).
    fn stderr(&self) -> Vec<String> {
        let mut lines = Vec::new();
        while let Ok(line) = self.stderr.recv_timeout(Duration::from_millis(200)) {
            lines.push(line);
        }
        lines
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.running() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Reads the lines of `out` on a thread, so that a test can wait with a deadline.
fn lines_of(out: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                return;
            }
        }
    });
    receive
}

/// Makes lookups in `ns` until `seen` says bindscope reported one as wanted; panics after
/// [`SEEN_BOUND`] or if bindscope exits.
fn until_seen(
    running: &mut Running,
    ns: &Netns,
    marked: bool,
    mut seen: impl FnMut(&Running) -> bool,
) {
    let deadline = Instant::now() + SEEN_BOUND;
    loop {
        connects(ns, marked);
        if seen(running) {
            return;
        }
        assert!(
            running.running(),
            "bindscope exited early: {:?}",
            running.stderr()
        );
        assert!(
            Instant::now() < deadline,
            "bindscope reported no lookup in {} within {SEEN_BOUND:?}",
            ns.name()
        );
    }
}

/// Whether a route event of namespace `name` came on `lines` within 100 ms; with `rule`, one
/// of whose lookups was attributed to that rule text.
fn route_event(lines: &mpsc::Receiver<String>, name: &str, rule: Option<&str>) -> bool {
    let deadline = Instant::now() + Duration::from_millis(100);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let Ok(line) = lines.recv_timeout(left) else {
            return false;
        };
        let Ok(event) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if event["type"] != "route" || event["netns_name"] != name {
            continue;
        }
        let Some(rule) = rule else {
            return true;
        };
        let lookups = event["lookups"].as_array().cloned().unwrap_or_default();
        if lookups.iter().any(|l| l["rule"]["text"] == rule) {
            return true;
        }
    }
    false
}

/// Deletes `ns` and requires `veth`'s host end to be gone within [`DEVICES_GONE`].
fn delete_and_check(ns: Netns, veth: &HostVeth, who: &str) {
    let name = ns.name().to_owned();
    let deleting = Instant::now();
    drop(ns);
    assert!(
        veth.gone_within(DEVICES_GONE),
        "{} is still there {DEVICES_GONE:?} after namespace {name} was deleted: {who} keeps the namespace alive",
        veth.name()
    );
    eprintln!(
        "{who}: {} gone {:?} after `ip netns del` began",
        veth.name(),
        deleting.elapsed()
    );
}

/// `bindscope trace` (as a new user runs it: every namespace) with `rules` or without: the
/// policy room opens its sockets in every namespace it sees a lookup in, to read the rules.
fn trace_lets_go(label: &str, rules: bool) {
    if !privileges::ok_or_skip() {
        return;
    }
    let _serial = serial();
    let (ns, veth) = namespace(label, rules);
    let mut bindscope = Running::spawn(&["trace", "--json", "--events", "route"]);
    let name = ns.name().to_owned();
    let rule = rules.then_some("100: from all fwmark 0x1 lookup 100");
    until_seen(&mut bindscope, &ns, rules, |running| {
        route_event(&running.lines, &name, rule)
    });
    delete_and_check(ns, &veth, "bindscope trace");
    assert!(
        bindscope.running(),
        "bindscope trace stopped: {:?}",
        bindscope.stderr()
    );
    let status = bindscope.stop(libc::SIGINT);
    assert!(status.success(), "{status}: {:?}", bindscope.stderr());
}

/// Issue 23, as reported: a namespace made, used and deleted while `bindscope trace` runs
/// takes its devices with it within a second, and bindscope goes on.
#[test]
fn trace_lets_a_deleted_namespace_go() {
    trace_lets_go("hold-trace", false);
}

/// The same with a policy rule in the namespace, which bindscope walks for each lookup (the
/// lookup is reported attributed to the rule before the namespace is deleted).
#[test]
fn trace_walking_rules_lets_a_deleted_namespace_go() {
    trace_lets_go("hold-rules", true);
}

/// A port nobody listens on now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The body of `GET /metrics` on `addr`, if it answers.
fn scrape(addr: SocketAddr) -> Option<String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(stream, "GET /metrics HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response.split_once("\r\n\r\n")?.1.to_owned())
}

/// `bindscope serve`: the daemon counts the namespace's lookups (the metrics name it), and
/// lets it go once deleted.
#[test]
fn serve_lets_a_deleted_namespace_go() {
    if !privileges::ok_or_skip() {
        return;
    }
    let _serial = serial();
    let (ns, veth) = namespace("hold-serve", true);
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let listen = addr.to_string();
    let mut bindscope = Running::spawn(&["serve", "--metrics", &listen, "--events", "route"]);
    let label = format!("netns=\"{}\"", ns.name());
    until_seen(&mut bindscope, &ns, true, |_| {
        std::thread::sleep(Duration::from_millis(100));
        scrape(addr).is_some_and(|text| {
            text.lines()
                .any(|l| l.starts_with("bindscope_route_decisions_total{") && l.contains(&label))
        })
    });
    delete_and_check(ns, &veth, "bindscope serve");
    assert!(
        bindscope.running(),
        "bindscope serve stopped: {:?}",
        bindscope.stderr()
    );
    let status = bindscope.stop(libc::SIGTERM);
    assert!(status.success(), "{status}: {:?}", bindscope.stderr());
}

/// `bindscope routes --watch --netns NAME` holds a session in the namespace for its whole
/// run; when the namespace is deleted it lets go, says so in one line and exits with status
/// 0, never a panic (issue 23: "a one-line message, a clean exit").
#[test]
fn routes_watch_ends_when_its_namespace_is_deleted() {
    if !privileges::ok_or_skip() {
        return;
    }
    let _serial = serial();
    let (ns, veth) = namespace("hold-watch", false);
    let mut bindscope = Running::spawn(&["routes", "--watch", "--json", "--netns", ns.name()]);
    let first = bindscope
        .lines
        .recv_timeout(SEEN_BOUND)
        .expect("the snapshot");
    let snapshot: Value = serde_json::from_str(&first).expect("JSON");
    assert!(snapshot["tables"].is_array(), "{snapshot}");
    // A change it reports: the watch is under way.
    ns.ip(["route", "add", "198.51.100.0/24", "dev", "lo"])
        .expect("route added");
    let change = bindscope
        .lines
        .recv_timeout(Duration::from_secs(10))
        .expect("the change reported");
    assert!(change.contains("198.51.100.0"), "{change}");
    let name = ns.path();
    delete_and_check(ns, &veth, "bindscope routes --watch");
    let status = bindscope
        .exit_within(DEVICES_GONE)
        .expect("routes --watch exits once its namespace is deleted");
    let stderr = bindscope.stderr();
    assert!(status.success(), "{status}: {stderr:?}");
    assert_eq!(
        stderr,
        [format!(
            "bindscope: network namespace {} was deleted; stopping",
            name.display()
        )]
    );
}
