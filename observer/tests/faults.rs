//! Faults as an operator meets them, with the real `bindscope` command: what the kernel is
//! left with, and what the user sees.
//!
//! - `kill -9` of a running `trace` or `serve`: none of its programs, maps or links stays.
//! - Two `trace` at once, and `trace` beside `serve`: each sees every lookup.
//! - The traced namespace deleted while `trace --netns` or `explain --netns` runs: one line
//!   and a clean exit; deleted while `trace` runs on every namespace: it goes on with the
//!   others.
//! - tracefs or BTF missing or unreadable, a ring buffer larger than the memory cgroup
//!   allows, a kernel that refuses one program of several: one line saying what to do, and
//!   what still works is attached.
//!
//! Faults of the kernel's side are made without touching the host: bindscope runs in a mount
//! namespace of its own in which tracefs or BTF is hidden or replaced (see
//! `support::with_mounts`), in a memory cgroup of its own, or as an unprivileged user.
//! Interface names in flight, 4,096 interfaces and 10,000 rules are in `faults_names.rs`.

mod support;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use bindscope_tests::{privileges, sys, Netns};
use serde_json::Value;
use support::{
    held_by, json_lines, panicked, run, serial, with_mounts, Mount, Running, BINDSCOPE, BOUND,
};

/// A host with one veth and a default route: UDP connects to 198.51.100.0/24 look routes up
/// through eth0 (no packet is sent).
const TOPOLOGY: &str = "\
link add eth0 type veth peer name peer0
link set lo up
link set eth0 up
link set peer0 up
addr add 192.0.2.2/24 dev eth0
route add default via 192.0.2.1 dev eth0
";

fn namespace(label: &str) -> Netns {
    let netns = Netns::new(label).expect("namespace");
    netns.ip_batch(TOPOLOGY).expect("topology");
    netns
}

/// Connects a UDP socket in `netns` to 198.51.100.`host`, port 9: one route decision or two,
/// no packet.
fn connect_in(netns: &Netns, host: u8) {
    netns.run(|| {
        let socket = sys::udp_socket().expect("socket");
        sys::connect(&socket, sys::v4(Ipv4Addr::new(198, 51, 100, host), 9)).expect("connect");
    });
}

/// A `SO_MARK` setsockopt in `netns`.
fn mark_in(netns: &Netns, mark: i32) {
    netns.run(|| {
        let socket = sys::udp_socket().expect("socket");
        sys::setsockopt_int(&socket, libc::SOL_SOCKET, libc::SO_MARK, mark).expect("SO_MARK");
    });
}

/// The events of `type_` in NDJSON `lines`.
fn of_type<'a>(lines: &'a [Value], type_: &str) -> Vec<&'a Value> {
    lines.iter().filter(|v| v["type"] == type_).collect()
}

/// A port nobody listens on now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The body of `GET /metrics` on `addr`.
fn scrape(addr: SocketAddr) -> String {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(stream, "GET /metrics HTTP/1.0\r\nHost: {addr}\r\n\r\n").expect("request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default()
}

/// The sum of the samples of metric `name` (every label set) in `text`.
fn metric_sum(text: &str, name: &str) -> u64 {
    text.lines()
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with(['{', ' ']))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

// ---------------------------------------------------------------------------------------
// kill -9

/// Starts `args`, notes the programs, maps and links it holds, kills it with SIGKILL (no
/// destructor runs) and checks that the kernel lets every one of them go.
fn killed_leaves_nothing(args: &[&str]) {
    let running = Running::start(args);
    let held = held_by(running.pid());
    assert!(
        !held.programs.is_empty() && !held.maps.is_empty() && !held.links.is_empty(),
        "bindscope holds programs, maps and links while tracing: {held:?}"
    );
    assert_eq!(held.still_loaded(), held, "all of them are loaded");
    let finished = running.stop(libc::SIGKILL);
    assert_eq!(finished.code, None, "killed by the signal");
    // The kernel drops an object when its last reference goes (maps after a grace period):
    // bounded, not timed.
    let deadline = Instant::now() + BOUND;
    let mut left = held.still_loaded();
    while !left.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        left = held.still_loaded();
    }
    assert!(
        left.is_empty(),
        "still in the kernel after kill -9 of `bindscope {}`: {left:?}",
        args.join(" ")
    );
    eprintln!(
        "bindscope {}: {} programs, {} maps, {} links while tracing; none left after kill -9",
        args[0],
        held.programs.len(),
        held.maps.len(),
        held.links.len()
    );
}

#[test]
fn kill_9_of_trace_leaves_no_program_map_or_link() {
    if !privileges::ok_or_skip() {
        return;
    }
    let _serial = serial();
    let netns = namespace("faults-kill");
    killed_leaves_nothing(&["trace", "--json", "--netns", netns.name()]);
}

#[test]
fn kill_9_of_serve_leaves_no_program_map_or_link() {
    if !privileges::ok_or_skip() {
        return;
    }
    let _serial = serial();
    let netns = namespace("faults-kill-serve");
    let addr = format!("127.0.0.1:{}", free_port());
    killed_leaves_nothing(&["serve", "--metrics", &addr, "--netns", netns.name()]);
}

// ---------------------------------------------------------------------------------------
// Side by side

/// Two `trace` and one `serve` on the same namespace at once: each attaches its own programs
/// to the same tracepoints, and each must see every lookup the test makes, neither more nor
/// less than the others.
#[test]
fn two_traces_and_a_serve_at_once_each_see_every_lookup() {
    if !privileges::ok_or_skip() {
        return;
    }
    let _serial = serial();
    const HOSTS: u8 = 100;
    let netns = namespace("faults-side");
    let selection = [
        "--netns",
        netns.name(),
        "--events",
        "route",
        "--dst",
        "198.51.100.0/24",
    ];
    let trace = || {
        let mut args = vec!["trace", "--json"];
        args.extend(selection);
        Running::start(&args)
    };
    let (mut first, mut second) = (trace(), trace());
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let addr_text = addr.to_string();
    let mut args = vec!["serve", "--metrics", &addr_text];
    args.extend(selection);
    let serve = Running::start(&args);

    for host in 1..=HOSTS {
        connect_in(&netns, host);
    }
    let all_hosts = |lines: &[String]| {
        let seen: std::collections::HashSet<&str> = lines
            .iter()
            .filter_map(|l| {
                let at = l.find("\"dst\":\"198.51.100.")? + 7;
                l[at..].split('"').next()
            })
            .collect();
        seen.len() == usize::from(HOSTS)
    };
    first.wait_stdout("every lookup in the first trace", all_hosts);
    second.wait_stdout("every lookup in the second trace", all_hosts);
    let decisions = |finished: &support::Finished| {
        let lines = json_lines(&finished.stdout);
        let summary = lines.last().expect("a summary").clone();
        assert_eq!(summary["type"], "summary");
        assert_eq!(summary["lost"], 0, "{summary}");
        let mut by_dst: Vec<String> = of_type(&lines, "route")
            .iter()
            .map(|v| v["dst"].as_str().unwrap().to_owned())
            .collect();
        by_dst.sort();
        by_dst
    };
    let (first, second) = (first.stop(libc::SIGINT), second.stop(libc::SIGINT));
    assert_eq!(first.code, Some(0), "{:?}", first.stderr);
    assert_eq!(second.code, Some(0), "{:?}", second.stderr);
    let (first, second) = (decisions(&first), decisions(&second));
    assert!(first.len() >= usize::from(HOSTS));
    assert_eq!(first, second, "both traces saw the same decisions");

    // The daemon counts what it saw; its counters reach the traces' count and stop there.
    let expected = first.len() as u64;
    let deadline = Instant::now() + BOUND;
    let mut text = scrape(addr);
    while metric_sum(&text, "bindscope_route_decisions_total") < expected
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(100));
        text = scrape(addr);
    }
    assert_eq!(
        metric_sum(&text, "bindscope_route_decisions_total"),
        expected,
        "{text}"
    );
    assert_eq!(
        metric_sum(&text, "bindscope_events_total"),
        expected,
        "{text}"
    );
    assert_eq!(
        metric_sum(&text, "bindscope_events_lost_total"),
        0,
        "{text}"
    );
    let serve = serve.stop(libc::SIGTERM);
    assert_eq!(serve.code, Some(0), "{:?}", serve.stderr);
    eprintln!("{HOSTS} connects: {expected} route decisions in each trace and in serve's counters");
}

// ---------------------------------------------------------------------------------------
// The traced namespace deleted

/// `trace --netns NAME`, then `ip netns del NAME`: nothing more can happen there, so
/// bindscope says so in one line and stops as it stops on SIGINT, with its summary.
#[test]
fn trace_of_a_namespace_that_is_deleted_says_so_and_stops() {
    if !privileges::ok_or_skip() {
        return;
    }
    let _serial = serial();
    let netns = Netns::new("faults-gone").expect("namespace");
    let name = netns.name().to_owned();
    // Syscall events only: bindscope's policy room keeps a namespace where it traced route
    // lookups open for a while (see the README), which would keep this one alive.
    let mut running = Running::start(&["trace", "--json", "--netns", &name, "--events", "sockopt"]);
    mark_in(&netns, 7);
    running.wait_stdout("the SO_MARK event", |lines| !lines.is_empty());
    netns.delete().expect("ip netns del");
    let finished = running.wait();
    assert_eq!(finished.code, Some(0), "{:?}", finished.stderr);
    let lines = json_lines(&finished.stdout);
    let summary = lines.last().expect("a summary");
    assert_eq!(summary["stopped_by"], "netns-gone", "{summary}");
    assert_eq!(summary["events"]["sockopt"], 1, "{summary}");
    let complaints = finished.complaints();
    assert_eq!(complaints.len(), 1, "one line: {complaints:?}");
    assert!(
        complaints[0].contains(&format!(
            "network namespace /run/netns/{name} is gone (deleted, and no process is left in it): nothing more can be traced there; stopping"
        )),
        "{complaints:?}"
    );
    assert!(!panicked(&finished.stderr));
}

/// `serve --netns NAME`, then `ip netns del NAME`: the daemon says so in one line and goes
/// on serving what it counted.
#[test]
fn serve_of_a_namespace_that_is_deleted_says_so_and_goes_on() {
    if !privileges::ok_or_skip() {
        return;
    }
    let _serial = serial();
    let netns = Netns::new("faults-gone-serve").expect("namespace");
    let name = netns.name().to_owned();
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let addr_text = addr.to_string();
    let mut running = Running::start(&[
        "serve",
        "--metrics",
        &addr_text,
        "--netns",
        &name,
        "--events",
        "sockopt",
    ]);
    mark_in(&netns, 7);
    netns.delete().expect("ip netns del");
    running.wait_stderr("the line saying it is gone", |lines| {
        lines.iter().any(|l| l.contains(" is gone "))
    });
    let text = scrape(addr);
    assert_eq!(
        metric_sum(&text, "bindscope_pinning_calls_total"),
        1,
        "{text}"
    );
    let finished = running.stop(libc::SIGTERM);
    assert_eq!(finished.code, Some(0), "{:?}", finished.stderr);
    assert_eq!(
        finished.complaints(),
        [format!("network namespace /run/netns/{name} is gone (deleted, and no process is left in it): nothing more will be counted there")]
    );
}

/// `trace` of every namespace goes on when one of them is deleted: events from the others
/// keep coming, and nothing is said.
#[test]
fn trace_of_every_namespace_goes_on_when_one_is_deleted() {
    if !privileges::ok_or_skip() {
        return;
    }
    let _serial = serial();
    let (doomed, other) = (namespace("faults-doomed"), namespace("faults-other"));
    let (doomed_inode, other_inode) = (doomed.inode().unwrap(), other.inode().unwrap());
    let pid = std::process::id().to_string();
    let mut running = Running::start(&[
        "trace",
        "--json",
        "--pid",
        &pid,
        "--events",
        "sockopt,route",
    ]);
    for (netns, mark) in [(&doomed, 1), (&other, 2)] {
        mark_in(netns, mark);
        connect_in(netns, mark as u8);
    }
    let seen = |inode: u64, type_: &'static str| {
        move |lines: &[String]| {
            json_lines(lines)
                .iter()
                .any(|v| v["netns"] == inode && v["type"] == type_)
        }
    };
    running.wait_stdout("the doomed namespace's route", seen(doomed_inode, "route"));
    running.wait_stdout("the other namespace's route", seen(other_inode, "route"));
    doomed.delete().expect("ip netns del");
    mark_in(&other, 3);
    connect_in(&other, 3);
    running.wait_stdout("events after the deletion", |lines| {
        json_lines(lines)
            .iter()
            .filter(|v| v["netns"] == other_inode)
            .any(|v| v["dst"] == "198.51.100.3")
    });
    let finished = running.stop(libc::SIGINT);
    assert_eq!(finished.code, Some(0), "{:?}", finished.stderr);
    let lines = json_lines(&finished.stdout);
    let marks: Vec<(u64, &str)> = of_type(&lines, "sockopt")
        .iter()
        .map(|v| {
            (
                v["netns"].as_u64().unwrap(),
                v["value"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(marks.contains(&(other_inode, "SO_MARK 0x3")), "{marks:?}");
    assert_eq!(lines.last().unwrap()["stopped_by"], "SIGINT");
    assert!(
        finished.complaints().is_empty(),
        "nothing to say: {:?}",
        finished.complaints()
    );
}

/// `explain --netns NAME` while `ip netns del NAME` runs: the namespace is opened once and
/// held until the answer is written, so the answer is whole (the namespace as it was), or,
/// deleted before bindscope opened it, one line saying it is gone. Deletions at several
/// moments of the run, each a new namespace; never a panic, never a half answer.
#[test]
fn explain_of_a_namespace_deleted_meanwhile_answers_or_says_so() {
    if !privileges::ok_or_skip() {
        return;
    }
    let _serial = serial();
    let (mut answered, mut refused) = (0, 0);
    for delay_ms in [0u64, 20, 60, 120, 250, 400, 700] {
        let netns = namespace("faults-explain");
        let name = netns.name().to_owned();
        let running = Running::spawn(Command::new(BINDSCOPE).args([
            "explain",
            "--netns",
            &name,
            "198.51.100.9",
        ]));
        std::thread::sleep(Duration::from_millis(delay_ms));
        netns.delete().expect("ip netns del");
        let finished = running.wait();
        let stdout = finished.stdout.join("\n");
        assert!(!panicked(&finished.stderr), "{:?}", finished.stderr);
        match finished.code {
            Some(0) => {
                assert!(
                    stdout.contains("3. Outcome") && stdout.contains("dev eth0 via 192.0.2.1"),
                    "a whole answer: {stdout}"
                );
                answered += 1;
            }
            Some(1) => {
                assert_eq!(finished.stderr.len(), 1, "one line: {:?}", finished.stderr);
                let line = &finished.stderr[0];
                assert!(
                    line.starts_with("bindscope: error: bad --netns")
                        && line.contains(&name)
                        && (line.contains("the namespace is gone")
                            || line.contains("no network namespace named")),
                    "{line}"
                );
                assert!(stdout.is_empty(), "no half answer: {stdout}");
                refused += 1;
            }
            code => panic!("exit {code:?}: {:?}", finished.stderr),
        }
    }
    // Deleted before the command: the same line, every time.
    let gone = run(Command::new(BINDSCOPE).args([
        "explain",
        "--netns",
        "bs-faults-no-such-namespace",
        "198.51.100.9",
    ]));
    assert_eq!(gone.code, Some(1));
    assert_eq!(gone.stderr.len(), 1, "{:?}", gone.stderr);
    assert!(gone.stderr[0].contains("no network namespace named"));
    // A file that is no namespace (as the one `ip netns del` leaves for a moment between
    // unmounting the namespace and removing the file): the same kind of line.
    let plain = TempFile::new("not-a-namespace", b"");
    let not_one =
        run(Command::new(BINDSCOPE).args(["explain", "--netns", plain.path(), "198.51.100.9"]));
    assert_eq!(not_one.code, Some(1));
    assert_eq!(
        not_one.stderr,
        [format!("bindscope: error: bad --netns \"{}\": not a namespace file (any more: the namespace is gone?); `ip netns list` shows the named ones", plain.path())]
    );
    eprintln!("deleted while explain ran: {answered} whole answers, {refused} one-line refusals");
}

// ---------------------------------------------------------------------------------------
// What the kernel side lacks

/// Whether `path` is a directory (something a tmpfs can be mounted over).
fn is_dir(path: &str) -> bool {
    Path::new(path).is_dir()
}

/// tracefs hidden (not mounted, as bindscope sees it): the syscall families need it, route
/// lookups on their raw tracepoints do not. One line says which are left out, what to do,
/// and what is traced; asked for a syscall family only, that line is the error.
#[test]
fn tracefs_missing_leaves_the_syscall_families_out_in_one_line() {
    if !privileges::ok_or_skip() {
        return;
    }
    let _serial = serial();
    let netns = namespace("faults-tracefs");
    let hidden = || {
        let mut mounts = vec![Mount::Tmpfs("/sys/kernel/tracing")];
        if is_dir("/sys/kernel/debug") {
            mounts.push(Mount::Tmpfs("/sys/kernel/debug"));
        }
        mounts
    };
    let mut command = Command::new(BINDSCOPE);
    command
        .args(["trace", "--json", "--netns", netns.name()])
        .env("RUST_LOG", "info");
    let mut running = Running::start_command(with_mounts(&mut command, hidden()));
    connect_in(&netns, 9);
    mark_in(&netns, 9);
    running.wait_stdout("the route event", |lines| {
        lines.iter().any(|l| l.contains("\"type\":\"route\""))
    });
    let finished = running.stop(libc::SIGINT);
    assert_eq!(finished.code, Some(0), "{:?}", finished.stderr);
    assert_eq!(
        finished.complaints(),
        ["sockopt, ioctl, cmsg events are not traced: tracefs is not mounted: mount it with `mount -t tracefs nodev /sys/kernel/tracing`; tracing route"],
        "one line"
    );
    let lines = json_lines(&finished.stdout);
    assert!(of_type(&lines, "sockopt").is_empty(), "{lines:?}");

    let mut command = Command::new(BINDSCOPE);
    command.args(["trace", "--events", "sockopt", "--duration", "1"]);
    let refused = run(with_mounts(&mut command, hidden()));
    assert_eq!(refused.code, Some(1));
    assert_eq!(
        refused.stderr,
        ["bindscope: error: tracefs is not mounted: mount it with `mount -t tracefs nodev /sys/kernel/tracing`"]
    );
}

/// A user with CAP_BPF and CAP_PERFMON but not root cannot read tracefs (mode 700): one
/// line says so and what to do, and route lookups, which need no tracefs, are traced.
#[test]
fn tracefs_unreadable_by_a_capable_user_is_one_line_and_routes_are_traced() {
    if !privileges::ok_or_skip() {
        return;
    }
    let _serial = serial();
    let pid = std::process::id().to_string();
    let mut command = Command::new("setpriv");
    command
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=+bpf,+perfmon",
            "--ambient-caps=+bpf,+perfmon",
            BINDSCOPE,
            "trace",
            "--json",
            "--pid",
            &pid,
            "--events",
            "sockopt,route",
        ])
        .env("RUST_LOG", "info");
    let mut running = Running::start_command(&mut command);
    // Loopback, from this process: looked up, never sent.
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket.connect("127.0.0.1:9").expect("connect");
    running.wait_stdout("the loopback lookup", |lines| {
        lines.iter().any(|l| l.contains("\"dst\":\"127.0.0.1\""))
    });
    let finished = running.stop(libc::SIGINT);
    assert_eq!(finished.code, Some(0), "{:?}", finished.stderr);
    let tracefs = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"]
        .into_iter()
        .find(|p| Path::new(p).join("events").is_dir())
        .expect("tracefs is mounted");
    assert_eq!(
        finished.complaints(),
        [format!("sockopt events are not traced: tracefs at {tracefs} cannot be read by this user (permission denied): run bindscope as root, or give it CAP_DAC_READ_SEARCH besides CAP_BPF and CAP_PERFMON; tracing route")],
    );
}

/// A file removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(label: &str, contents: &[u8]) -> TempFile {
        let path = std::env::temp_dir().join(format!("bs-{}-{label}", std::process::id()));
        std::fs::write(&path, contents).expect("temporary file");
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The kernel's BTF hidden (`/sys/kernel/btf` empty, as on a kernel built without
/// CONFIG_DEBUG_INFO_BTF), or BINDSCOPE_BTF naming a file that is not BTF: one line says
/// events carry no namespace and what to do, and tracing goes on (route lookups on the
/// classic tracepoint); with `--netns` it is the error. BINDSCOPE_BTF naming a copy of this
/// kernel's BTF gives the namespaces back, on the raw tracepoint.
#[test]
fn btf_missing_or_unusable_is_one_line_and_tracing_goes_on() {
    if !privileges::ok_or_skip() {
        return;
    }
    let _serial = serial();
    let netns = namespace("faults-btf");
    let pid = std::process::id().to_string();
    let hidden = || vec![Mount::Tmpfs("/sys/kernel/btf")];
    let no_btf = "no kernel BTF at /sys/kernel/btf/vmlinux (kernels built with CONFIG_DEBUG_INFO_BTF have it): without it events carry no network namespace and --netns cannot be used; point BINDSCOPE_BTF at this kernel's BTF file (from BTFHub, say) to have them";

    // Hidden: a warning, and lookups traced without their namespace.
    let mut command = Command::new(BINDSCOPE);
    command
        .args(["trace", "--json", "--pid", &pid, "--events", "route"])
        .env("RUST_LOG", "info");
    let mut running = Running::start_command(with_mounts(&mut command, hidden()));
    connect_in(&netns, 10);
    running.wait_stdout("the lookup", |lines| {
        lines
            .iter()
            .any(|l| l.contains("\"dst\":\"198.51.100.10\""))
    });
    let finished = running.stop(libc::SIGINT);
    assert_eq!(finished.code, Some(0), "{:?}", finished.stderr);
    assert_eq!(
        finished.complaints(),
        [format!("{no_btf}; tracing without namespaces (netns 0)")]
    );
    assert!(finished
        .stderr
        .iter()
        .any(|l| l.contains("route lookups: classic tracepoint fib:fib_table_lookup")));
    let lines = json_lines(&finished.stdout);
    assert!(of_type(&lines, "route").iter().all(|v| v["netns"] == 0));

    // Hidden, with --netns: the error.
    let mut command = Command::new(BINDSCOPE);
    command.args(["trace", "--netns", netns.name(), "--duration", "1"]);
    let refused = run(with_mounts(&mut command, hidden()));
    assert_eq!(refused.code, Some(1));
    assert_eq!(refused.stderr, [format!("bindscope: error: {no_btf}")]);

    // Not BTF.
    let garbage = TempFile::new("garbage.btf", &[0x5a; 4096]);
    let finished = run(Command::new(BINDSCOPE)
        .args(["trace", "--events", "route", "--duration", "1"])
        .env("BINDSCOPE_BTF", garbage.path()));
    assert_eq!(finished.code, Some(0), "{:?}", finished.stderr);
    assert_eq!(
        finished.complaints(),
        [format!("the kernel BTF at {} cannot be used (it is not BTF, or it is cut short): without it events carry no network namespace and --netns cannot be used; point BINDSCOPE_BTF at this kernel's BTF file (from BTFHub, say) to have them; tracing without namespaces (netns 0)", garbage.path())]
    );

    // This kernel's BTF, kept elsewhere: namespaces again.
    let copy = TempFile::new(
        "vmlinux.btf",
        &std::fs::read("/sys/kernel/btf/vmlinux").expect("this kernel has BTF"),
    );
    let mut command = Command::new(BINDSCOPE);
    command
        .args([
            "trace",
            "--json",
            "--netns",
            netns.name(),
            "--events",
            "route",
        ])
        .env("RUST_LOG", "info")
        .env("BINDSCOPE_BTF", copy.path());
    let mut running = Running::start_command(with_mounts(&mut command, hidden()));
    connect_in(&netns, 11);
    running.wait_stdout("the lookup", |lines| {
        lines
            .iter()
            .any(|l| l.contains("\"dst\":\"198.51.100.11\""))
    });
    let finished = running.stop(libc::SIGINT);
    assert_eq!(finished.code, Some(0), "{:?}", finished.stderr);
    assert!(finished.complaints().is_empty(), "{:?}", finished.stderr);
    assert!(finished
        .stderr
        .iter()
        .any(|l| l.contains("route lookups: raw tracepoint fib_table_lookup")));
    let lines = json_lines(&finished.stdout);
    let inode = netns.inode().unwrap();
    assert!(of_type(&lines, "route").iter().all(|v| v["netns"] == inode));
}

/// A memory cgroup of its own for a child, with a memory limit; removed when dropped.
struct MemoryCgroup(PathBuf);

impl MemoryCgroup {
    /// Under cgroup v1's memory controller (the current process's memory cgroup), or at the
    /// top of a cgroup2 hierarchy that delegates the memory controller; `None` if neither.
    fn new(limit: u64) -> Option<MemoryCgroup> {
        let name = format!("bs-{}-ring", std::process::id());
        let own = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
        let v1 =
            own.lines()
                .find_map(|l| {
                    let mut parts = l.splitn(3, ':');
                    let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
                    controllers.split(',').any(|c| c == "memory").then(|| {
                        Path::new("/sys/fs/cgroup/memory").join(path.trim_start_matches('/'))
                    })
                })
                .filter(|p| p.join("memory.limit_in_bytes").exists());
        if let Some(parent) = v1 {
            let dir = parent.join(name);
            std::fs::create_dir(&dir).ok()?;
            let cgroup = MemoryCgroup(dir);
            std::fs::write(cgroup.0.join("memory.limit_in_bytes"), limit.to_string()).ok()?;
            return Some(cgroup);
        }
        let v2 = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"]
            .into_iter()
            .map(Path::new)
            .find(|root| {
                std::fs::read_to_string(root.join("cgroup.subtree_control"))
                    .is_ok_and(|c| c.split_whitespace().any(|c| c == "memory"))
            })?;
        let dir = v2.join(name);
        std::fs::create_dir(&dir).ok()?;
        let cgroup = MemoryCgroup(dir);
        std::fs::write(cgroup.0.join("memory.max"), limit.to_string()).ok()?;
        Some(cgroup)
    }

    /// `command` (a program and its arguments) run by a shell that first moves into it.
    fn run(&self, command: &[&str]) -> Command {
        let mut shell = Command::new("sh");
        shell
            .arg("-c")
            .arg(r#"echo $$ > "$0/cgroup.procs" && exec "$@""#)
            .arg(self.0.as_os_str());
        // sh -c SCRIPT $0 $1...: $0 is the cgroup, $1... the command.
        shell.args(command);
        shell
    }
}

impl Drop for MemoryCgroup {
    fn drop(&mut self) {
        // Its process has exited; the kernel may take a moment to let the cgroup go.
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::fs::remove_dir(&self.0).is_err() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// `--ring-size` larger than bindscope allows is one line; a ring larger than the memory
/// cgroup allows (since Linux 5.11 BPF maps are charged to the memory cgroup, not to
/// RLIMIT_MEMLOCK, and bindscope raises RLIMIT_MEMLOCK anyway) is one line saying to give a
/// smaller one.
#[test]
fn a_ring_too_large_is_one_line_saying_what_to_do() {
    for size in ["2g", "4g", "8192m"] {
        let out = run(Command::new(BINDSCOPE).args(["trace", "--ring-size", size]));
        assert_eq!(out.code, Some(2), "{size}: {:?}", out.stderr);
        assert_eq!(
            out.stderr,
            [format!("bindscope: error: bad --ring-size \"{size}\": the ring buffer is at most 1g, memory the kernel holds for as long as bindscope runs (the default 4m holds some 30,000 route events); give a power of two from 4096 to 1g")]
        );
    }
    if !privileges::ok_or_skip() {
        return;
    }
    let _serial = serial();
    let Some(cgroup) = MemoryCgroup::new(256 << 20) else {
        assert!(
            !privileges::in_ci(),
            "no memory cgroup controller to put bindscope in"
        );
        eprintln!("skipped the memory cgroup part: no memory controller here");
        return;
    };
    let out = run(&mut cgroup.run(&[
        BINDSCOPE,
        "trace",
        "--events",
        "route",
        "--ring-size",
        "512m",
        "--duration",
        "1",
    ]));
    assert_eq!(out.code, Some(1), "{:?}", out.stderr);
    assert_eq!(out.stderr.len(), 1, "one line: {:?}", out.stderr);
    assert!(
        out.stderr[0]
            .starts_with("bindscope: error: the kernel could not allocate a 512m ring buffer (")
            && out.stderr[0].ends_with(
                "give a smaller --ring-size (the default 4m holds some 30,000 route events)"
            ),
        "{:?}",
        out.stderr
    );
    // The same cgroup takes the default ring.
    let out = run(&mut cgroup.run(&[BINDSCOPE, "trace", "--events", "route", "--duration", "1"]));
    assert_eq!(out.code, Some(0), "{:?}", out.stderr);
}

/// The tracepoints bindscope reads formats of, or attaches to through tracefs.
const TRACEPOINTS: [&str; 10] = [
    "syscalls/sys_enter_setsockopt",
    "syscalls/sys_exit_setsockopt",
    "syscalls/sys_enter_ioctl",
    "syscalls/sys_exit_ioctl",
    "syscalls/sys_enter_sendmsg",
    "syscalls/sys_exit_sendmsg",
    "syscalls/sys_enter_recvmsg",
    "syscalls/sys_exit_recvmsg",
    "fib/fib_table_lookup",
    "fib6/fib6_table_lookup",
];

/// A copy of what bindscope reads of tracefs (each tracepoint's `format`, and the `id` it
/// attaches by), to be mounted over tracefs in bindscope's mount namespace: a kernel as
/// bindscope sees it, changed by `change` (a tracepoint removed, an id the kernel will not
/// take). Removed when dropped.
struct FakeTracefs(PathBuf);

impl FakeTracefs {
    fn new(label: &str, change: impl Fn(&Path)) -> FakeTracefs {
        let real = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"]
            .into_iter()
            .map(Path::new)
            .find(|p| p.join("events").is_dir())
            .expect("tracefs is mounted");
        let root = std::env::temp_dir().join(format!("bs-{}-tracefs-{label}", std::process::id()));
        for tracepoint in TRACEPOINTS {
            let dir = root.join("events").join(tracepoint);
            std::fs::create_dir_all(&dir).expect("directory");
            for file in ["format", "id"] {
                std::fs::copy(
                    real.join("events").join(tracepoint).join(file),
                    dir.join(file),
                )
                .expect("copy");
            }
        }
        change(&root.join("events"));
        FakeTracefs(root)
    }

    fn mount(&self) -> Mount {
        Mount::Bind(self.0.display().to_string(), "/sys/kernel/tracing")
    }
}

impl Drop for FakeTracefs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A kernel that lacks one tracepoint (`sys_enter_setsockopt`) and refuses to attach to
/// another (`sys_exit_ioctl`, an id it does not know): those two families are left out, one
/// line each saying why and what to do, and their programs unloaded; the rest is attached
/// and traced. A kernel without the IPv6 route tracepoint traces IPv4, saying so. Refused
/// every family asked for, bindscope fails with that one line.
#[test]
fn a_refused_program_leaves_its_family_out_and_the_rest_attached() {
    if !privileges::ok_or_skip() {
        return;
    }
    let _serial = serial();
    let netns = namespace("faults-refused");
    let args = ["trace", "--json", "--netns", netns.name()];
    // The programs of a whole run, to compare with.
    let whole = Running::start(&args);
    let whole_programs = held_by(whole.pid()).programs.len();
    drop(whole);

    let fake = FakeTracefs::new("refusing", |events| {
        std::fs::remove_dir_all(events.join("syscalls/sys_enter_setsockopt")).unwrap();
        std::fs::write(events.join("syscalls/sys_exit_ioctl/id"), "999999\n").unwrap();
    });
    let mut command = Command::new(BINDSCOPE);
    command.args(args).env("RUST_LOG", "info");
    let mut running = Running::start_command(with_mounts(&mut command, vec![fake.mount()]));
    let programs = held_by(running.pid()).programs.len();
    mark_in(&netns, 5);
    netns.run(|| sys::ifindex("eth0"));
    connect_in(&netns, 5);
    running.wait_stdout("the route event", |lines| {
        lines.iter().any(|l| l.contains("\"dst\":\"198.51.100.5\""))
    });
    let finished = running.stop(libc::SIGINT);
    assert_eq!(finished.code, Some(0), "{:?}", finished.stderr);
    let complaints = finished.complaints();
    assert_eq!(complaints.len(), 2, "one line each: {complaints:?}");
    assert!(
        complaints.iter().any(|c| c.ends_with("sockopt events are not traced: tracepoint syscalls:sys_enter_setsockopt does not exist on this kernel (it needs CONFIG_FTRACE_SYSCALLS for syscalls:* and CONFIG_IP_... tracepoints for fib:*); leave it out with --events; tracing route, cmsg")),
        "{complaints:?}"
    );
    assert!(
        complaints.iter().any(|c| c.contains("ioctl events are not traced: the kernel refused to attach to tracepoint syscalls:sys_exit_ioctl (")
            && c.contains("): leave its family out with --events, and please report it with the output of RUST_LOG=debug; tracing route, cmsg")),
        "{complaints:?}"
    );
    let lines = json_lines(&finished.stdout);
    assert!(of_type(&lines, "sockopt").is_empty() && of_type(&lines, "ioctl").is_empty());
    assert!(!of_type(&lines, "route").is_empty());
    // Nothing of the left-out families stays loaded: both programs of each are gone.
    assert_eq!(
        programs,
        whole_programs - 4,
        "{whole_programs} in a whole run"
    );

    // Every family asked for refused: that one line is the error.
    let mut command = Command::new(BINDSCOPE);
    command.args(["trace", "--events", "ioctl", "--duration", "1"]);
    let refused = run(with_mounts(&mut command, vec![fake.mount()]));
    assert_eq!(refused.code, Some(1));
    assert_eq!(refused.stderr.len(), 1, "{:?}", refused.stderr);
    assert!(refused.stderr[0].starts_with(
        "bindscope: error: the kernel refused to attach to tracepoint syscalls:sys_exit_ioctl ("
    ));

    // No IPv6 route tracepoint (neither in tracefs nor, BTF hidden, as a BTF-typed one):
    // IPv4 is traced.
    let no_ipv6 = FakeTracefs::new("no-ipv6", |events| {
        std::fs::remove_dir_all(events.join("fib6")).unwrap();
    });
    let mut command = Command::new(BINDSCOPE);
    command.args(["trace", "--events", "route", "--duration", "1"]);
    let out = run(with_mounts(
        &mut command,
        vec![no_ipv6.mount(), Mount::Tmpfs("/sys/kernel/btf")],
    ));
    assert_eq!(out.code, Some(0), "{:?}", out.stderr);
    let complaints = out.complaints();
    assert_eq!(complaints.len(), 2, "{complaints:?}");
    assert!(complaints[0].contains("no kernel BTF at /sys/kernel/btf/vmlinux"));
    assert!(complaints[1].ends_with("IPv6 route lookups are not traced: this kernel has no fib6_table_lookup tracepoint (built without IPv6?); tracing IPv4 route lookups"), "{complaints:?}");
    for out in [&finished, &refused, &out] {
        assert!(!panicked(&out.stderr), "{:?}", out.stderr);
    }
}
