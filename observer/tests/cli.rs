//! The `bindscope` command as a user runs it: `--count`, `--duration`, SIGTERM, the NDJSON
//! schema, live lost-event reports, clean detaching, and the one-line errors (bad filters, no
//! privileges).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bindscope_tests::{privileges, sys, Netns};
use serde_json::Value;

const BINDSCOPE: &str = env!("CARGO_BIN_EXE_bindscope");

/// Tests that run bindscope hold this, so that their tracers do not compete for the CPUs.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// Starts `bindscope trace --json` on `netns` with `extra` options, and waits until it is
/// attached (it prints nothing before the first event, so a probe setsockopt is made in the
/// namespace until its event shows up). Returns the child and a line reader.
fn start(netns: &Netns, extra: &[&str]) -> (Child, impl Iterator<Item = Value>) {
    let mut child = Command::new(BINDSCOPE)
        .args(["trace", "--json", "--netns", netns.name()])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bindscope starts");
    let lines = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(|l| serde_json::from_str::<Value>(&l.expect("a line")).expect("every line is JSON"));
    (child, lines)
}

/// Makes SO_MARK setsockopt calls in `netns` until bindscope must be attached: a probe only
/// counts once seen, so the test waits on the first JSON line instead.
fn probe(netns: &Netns, calls: usize) {
    netns.run(|| {
        let s = sys::udp_socket().unwrap();
        for i in 0..calls {
            sys::setsockopt_int(&s, libc::SOL_SOCKET, libc::SO_MARK, i as i32).unwrap();
        }
    });
}

/// Keeps probing until the tracer shows its first event, then returns that event.
fn first_event(netns: &Netns, lines: &mut impl Iterator<Item = Value>) -> Value {
    let seen = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let deadline = Instant::now() + Duration::from_secs(20);
            while !seen.load(std::sync::atomic::Ordering::Relaxed) && Instant::now() < deadline {
                probe(netns, 1);
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let first = lines.next().expect("bindscope printed an event");
        seen.store(true, std::sync::atomic::Ordering::Relaxed);
        first
    })
}

fn finish(child: Child) -> (i32, String) {
    let out = child.wait_with_output().expect("bindscope exits");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The ids of the eBPF programs process `pid` holds fds of (`prog_id:` in its fdinfo).
fn program_ids_held_by(pid: u32) -> Vec<u32> {
    let mut ids = Vec::new();
    for entry in std::fs::read_dir(format!("/proc/{pid}/fdinfo"))
        .unwrap()
        .flatten()
    {
        let info = std::fs::read_to_string(entry.path()).unwrap_or_default();
        ids.extend(
            info.lines()
                .filter_map(|l| l.strip_prefix("prog_id:"))
                .filter_map(|v| v.trim().parse::<u32>().ok()),
        );
    }
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[test]
fn count_stops_after_n_events_with_a_summary() {
    if !privileges::ok_or_skip() {
        return;
    }
    let _serial = serial();
    let netns = Netns::new("cli-count").unwrap();
    let (child, mut lines) = start(&netns, &["--count", "3", "--events", "sockopt"]);
    let first = first_event(&netns, &mut lines);
    probe(&netns, 5);
    let rest: Vec<Value> = lines.collect();
    let (code, stderr) = finish(child);
    assert_eq!(code, 0, "{stderr}");
    let events: Vec<&Value> = std::iter::once(&first)
        .chain(rest.iter())
        .filter(|v| v["type"] == "sockopt")
        .collect();
    assert_eq!(events.len(), 3);
    let summary = rest.last().expect("a summary line");
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["stopped_by"], "count");
    assert_eq!(summary["events"]["sockopt"], 3);
}

#[test]
fn json_schema_has_the_documented_fields() {
    if !privileges::ok_or_skip() {
        return;
    }
    let _serial = serial();
    let netns = Netns::new("cli-schema").unwrap();
    netns.ip(["link", "set", "lo", "up"]).unwrap();
    let (child, mut lines) = start(&netns, &["--count", "2", "--events", "sockopt,route"]);
    let first = first_event(&netns, &mut lines);
    netns.run(|| {
        let s = sys::udp_socket().unwrap();
        sys::connect(
            &s,
            std::net::SocketAddrV4::new(std::net::Ipv4Addr::LOCALHOST, 9),
        )
        .unwrap();
    });
    let rest: Vec<Value> = lines.collect();
    let (code, stderr) = finish(child);
    assert_eq!(code, 0, "{stderr}");
    for key in [
        "type",
        "ts_ns",
        "pid",
        "tid",
        "comm",
        "netns",
        "fd",
        "level",
        "optname",
        "ret",
        "errno",
        "ifname",
        "ifindex",
        "multiaddr",
        "address",
    ] {
        assert!(first.get(key).is_some(), "sockopt lacks {key}: {first}");
    }
    assert_eq!(first["netns"].as_u64(), Some(netns.inode().unwrap()));
    let route = rest
        .iter()
        .find(|v| v["type"] == "route")
        .expect("a route event");
    for key in [
        "table",
        "dst",
        "src",
        "oif",
        "oif_name",
        "iif",
        "dev",
        "gw",
        "err",
        "onlink_fallback",
        "lookups",
    ] {
        assert!(route.get(key).is_some(), "route lacks {key}: {route}");
    }
    assert_eq!(route["dst"], "127.0.0.1");
    assert_eq!(route["dev"], "lo");
}

#[test]
fn duration_and_sigterm_stop_cleanly_and_detach() {
    if !privileges::ok_or_skip() {
        return;
    }
    let _serial = serial();
    let netns = Netns::new("cli-stop").unwrap();
    let started = Instant::now();
    let (child, lines) = start(&netns, &["--duration", "1", "--events", "sockopt"]);
    let all: Vec<Value> = lines.collect();
    let (code, stderr) = finish(child);
    assert_eq!(code, 0, "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(all.last().unwrap()["stopped_by"], "duration");

    let (mut child, mut lines) = start(&netns, &["--events", "sockopt"]);
    first_event(&netns, &mut lines);
    let ours = program_ids_held_by(child.id());
    assert!(
        !ours.is_empty(),
        "bindscope holds its programs while tracing"
    );
    assert!(ours
        .iter()
        .all(|id| bindscope::loaded_program_ids().contains(id)));
    // SAFETY: plain kill(2) on our child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let rest: Vec<Value> = lines.collect();
    let status = child.wait().unwrap();
    assert!(status.success());
    assert_eq!(rest.last().unwrap()["stopped_by"], "SIGTERM");
    let still_loaded: Vec<u32> = bindscope::loaded_program_ids()
        .into_iter()
        .filter(|id| ours.contains(id))
        .collect();
    assert!(
        still_loaded.is_empty(),
        "programs {still_loaded:?} stayed loaded after bindscope exited"
    );
}

#[test]
fn lost_events_are_reported_live_and_in_the_summary() {
    if !privileges::ok_or_skip() {
        return;
    }
    let _serial = serial();
    let netns = Netns::new("cli-lost").unwrap();
    let (child, mut lines) = start(
        &netns,
        &[
            "--ring-size",
            "4096",
            "--events",
            "sockopt",
            "--duration",
            "4",
        ],
    );
    first_event(&netns, &mut lines);
    probe(&netns, 20_000);
    let rest: Vec<Value> = lines.collect();
    let (code, stderr) = finish(child);
    assert_eq!(code, 0, "{stderr}");
    let lost_lines: u64 = rest
        .iter()
        .filter(|v| v["type"] == "lost")
        .map(|v| v["count"].as_u64().unwrap())
        .sum();
    let summary = rest.last().unwrap();
    assert!(
        lost_lines > 0,
        "a 4 KiB ring under a burst of 20000 records reports losses"
    );
    assert_eq!(summary["lost"].as_u64(), Some(lost_lines));
    let delivered = summary["events"]["sockopt"].as_u64().unwrap();
    // The probes made while waiting for attachment add a few; none of the burst goes missing.
    assert!(
        delivered + lost_lines >= 20_000,
        "every event is delivered or counted: {delivered} + {lost_lines}"
    );
}

#[test]
fn bad_filters_are_one_clear_line() {
    for (args, expected) in [
        (&["--dst", "300.1.1.1/8"][..], "--dst"),
        (&["--dst", "192.0.2.0/40"][..], "prefix length"),
        (&["--events", "route,bogus"][..], "--events"),
        (&["--ring-size", "5000"][..], "power of two"),
        (&["--netns", "/no/such/namespace"][..], "namespace file"),
        (&["--dev", "no/slash"][..], "interface name"),
    ] {
        let out = Command::new(BINDSCOPE)
            .arg("trace")
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn unknown_device_is_an_error_naming_it() {
    if !privileges::ok_or_skip() {
        return;
    }
    let _serial = serial();
    let out = Command::new(BINDSCOPE)
        .args(["trace", "--dev", "nosuchdev0"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("bindscope: error: bad --dev \"nosuchdev0\": no such interface"),
        "{stderr}"
    );
}

#[test]
fn unprivileged_user_is_told_what_to_do() {
    if !privileges::ok_or_skip() {
        return;
    }
    let _serial = serial();
    let out = privileges::as_nobody(BINDSCOPE)
        .arg("trace")
        .output()
        .expect("setpriv (util-linux) runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains("permission denied")
            && stderr.contains("CAP_BPF")
            && stderr.contains("sudo"),
        "{stderr}"
    );
}

#[test]
fn version_names_the_commit_and_the_ebpf_object() {
    let out = Command::new(BINDSCOPE).arg("--version").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0], concat!("bindscope ", env!("CARGO_PKG_VERSION")));
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    let commit = lines[1].strip_prefix("commit ").expect(&text);
    assert!(commit == "unknown" || hex(commit, 40), "{text}");
    let sha256 = lines[2].strip_prefix("eBPF object sha256 ").expect(&text);
    assert!(sha256 == "none" || hex(sha256, 64), "{text}");
    // -V: the version alone.
    let out = Command::new(BINDSCOPE).arg("-V").output().unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        concat!("bindscope ", env!("CARGO_PKG_VERSION"), "\n")
    );
}

/// The packagers' generators write a page per command and each shell's completions, from the
/// command line's own definitions and without themselves (they are hidden).
#[test]
fn man_pages_and_completions_come_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("bindscope-generate-{}", std::process::id()));
    let out = Command::new(BINDSCOPE)
        .arg("generate-man")
        .arg(dir.join("man"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let mut pages: Vec<String> = std::fs::read_dir(dir.join("man"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    pages.sort();
    assert_eq!(
        pages,
        [
            "bindscope-explain.1",
            "bindscope-routes.1",
            "bindscope-serve.1",
            "bindscope-trace.1",
            "bindscope.1"
        ]
    );
    let trace = std::fs::read_to_string(dir.join("man/bindscope-trace.1")).unwrap();
    assert!(trace.contains("\\-\\-duration"), "{trace}");
    for (shell, file) in [
        ("bash", "bindscope.bash"),
        ("zsh", "_bindscope"),
        ("fish", "bindscope.fish"),
    ] {
        let out = Command::new(BINDSCOPE)
            .args(["generate-completions", shell])
            .arg(dir.join("completions"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let script = std::fs::read_to_string(dir.join("completions").join(file)).unwrap();
        assert!(
            script.contains("explain") && script.contains("ring-size"),
            "{shell}"
        );
        assert!(
            !script.contains("generate-"),
            "{shell} completes a hidden command"
        );
    }
    let help = Command::new(BINDSCOPE).arg("--help").output().unwrap();
    assert!(!String::from_utf8_lossy(&help.stdout).contains("generate-"));
    std::fs::remove_dir_all(&dir).unwrap();
}
