//! Every command's output when the names it prints were chosen by someone hostile: no control
//! byte reaches standard output or standard error (`trace` as a table and as NDJSON,
//! `routes`, `routes --watch`, `explain`, their errors and usage errors), each name comes
//! back through the escaping rule from text, and JSON carries the exact bytes.
//!
//! The claim is issue 23's: "A tenant who controls a task name or an interface name must
//! never control the operator's terminal, and a name must never be ambiguous."

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bindscope_tests::{privileges, sys, Netns};
use serde_json::Value;
use sockabi::text::{unescape, Escaped};

const BINDSCOPE: &str = env!("CARGO_BIN_EXE_bindscope");

/// An interface with a terminal escape (valid UTF-8).
const ESCAPE: &str = "e\u{1b}[7m";
/// An interface whose name is not UTF-8 (renamed by ioctl: `ip` takes text).
const NOT_UTF8: &[u8] = b"x\xffy";
/// The task name of the calls: colours, a percent sign and a bell.
const COMM: &[u8] = b"\x1b[31mEVIL%\x1b[0m\x07";
const DST: &str = "198.51.100.7";

/// A namespace with the two interfaces up, an address and a default route through the
/// escape-named one, and a rule that names it.
fn hostile_namespace() -> Netns {
    let ns = Netns::new("hcli").expect("a namespace");
    ns.ip(["link", "set", "lo", "up"]).unwrap();
    ns.ip(["link", "add", ESCAPE, "type", "veth", "peer", "name", "hp0"])
        .unwrap();
    ns.ip(["link", "add", "hn1", "type", "veth", "peer", "name", "hp1"])
        .unwrap();
    ns.run(|| sys::rename_device(b"hn1", NOT_UTF8)).unwrap();
    for name in ["hp0", "hp1", ESCAPE] {
        ns.ip(["link", "set", name, "up"]).unwrap();
    }
    ns.run(|| sys::set_device_up(NOT_UTF8)).unwrap();
    ns.ip(["addr", "add", "192.0.2.2/24", "dev", ESCAPE])
        .unwrap();
    ns.ip(["route", "add", "default", "via", "192.0.2.1", "dev", ESCAPE])
        .unwrap();
    ns.ip([
        "rule", "add", "oif", ESCAPE, "lookup", "main", "pref", "100",
    ])
    .unwrap();
    ns
}

/// Asserts that `output` has no control character but the newline (C0, DEL and C1).
fn assert_no_control(what: &str, output: &[u8]) {
    let text = String::from_utf8_lossy(output);
    if let Some(bad) = text.chars().find(|&c| c.is_control() && c != '\n') {
        panic!("{what}: a control character {bad:?} reached the terminal:\n{text:?}");
    }
}

/// Asserts that `text` shows `name` by the escaping rule, and that this gives the bytes back.
fn assert_shows(what: &str, text: &str, name: &[u8]) {
    let shown = Escaped(name).to_string();
    assert!(text.contains(&shown), "{what}: {shown} not in:\n{text}");
    let mut back = Vec::new();
    unescape(&shown, |b| back.push(b)).expect("the rule's own text");
    assert_eq!(back, name);
}

/// The bytes of a JSON name: a string's UTF-8 or an array of bytes.
fn bytes_of(value: &Value) -> Vec<u8> {
    match value {
        Value::String(text) => text.as_bytes().to_vec(),
        Value::Array(items) => items.iter().map(|b| b.as_u64().unwrap() as u8).collect(),
        other => panic!("a name is neither a string nor bytes: {other}"),
    }
}

fn run(args: &[&str]) -> std::process::Output {
    Command::new(BINDSCOPE)
        .args(args)
        .output()
        .expect("bindscope runs")
}

/// `trace` in both formats at once while a task with a hostile name binds a socket to each
/// interface and connects.
#[test]
fn trace_prints_no_control_byte_and_json_gives_names_back() {
    if !privileges::ok_or_skip() {
        return;
    }
    let ns = hostile_namespace();
    let start = |json: bool| {
        let mut command = Command::new(BINDSCOPE);
        command
            .args(["trace", "--netns", ns.name(), "--duration", "6"])
            .env("RUST_LOG", "bindscope=info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if json {
            command.arg("--json");
        }
        let mut child = command.spawn().expect("bindscope starts");
        // Attached once it says so (at info, on stderr).
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut logged = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let mut line = Vec::new();
            if stderr.read_until(b'\n', &mut line).unwrap_or(0) == 0 {
                break;
            }
            logged.extend_from_slice(&line);
            if line.windows(8).any(|w| w == b"attached") {
                break;
            }
        }
        (child, stderr, logged)
    };
    let (text_child, mut text_err, mut text_log) = start(false);
    let (json_child, mut json_err, mut json_log) = start(true);
    ns.run(|| {
        sys::set_comm(COMM);
        for name in [ESCAPE.as_bytes(), NOT_UTF8] {
            let socket = sys::udp_socket().unwrap();
            sys::setsockopt_bytes(&socket, libc::SOL_SOCKET, libc::SO_BINDTODEVICE, name).unwrap();
            let _ = sys::connect(&socket, sys::v4(DST.parse().unwrap(), 9));
        }
    });
    let text = text_child.wait_with_output().unwrap();
    let json = json_child.wait_with_output().unwrap();
    text_err.read_to_end(&mut text_log).unwrap();
    json_err.read_to_end(&mut json_log).unwrap();
    for (what, output) in [
        ("trace stdout", &text.stdout),
        ("trace stderr", &text_log),
        ("trace --json stdout", &json.stdout),
        ("trace --json stderr", &json_log),
    ] {
        assert_no_control(what, output);
    }
    let table = String::from_utf8(text.stdout).unwrap();
    assert_shows("trace", &table, ESCAPE.as_bytes());
    assert_shows("trace", &table, NOT_UTF8);
    // The task name is cut to its column; its start is there, escaped.
    assert!(table.contains("\\x1b[31mEVIL"), "{table}");

    let mut names = Vec::new();
    for line in String::from_utf8(json.stdout).unwrap().lines() {
        let event: Value = serde_json::from_str(line).expect("every line is JSON");
        if event["comm"].is_null() {
            continue;
        }
        assert_eq!(bytes_of(&event["comm"]), COMM, "{line}");
        for field in ["ifname", "oif_name", "dev"] {
            if !event[field].is_null() {
                names.push(bytes_of(&event[field]));
            }
        }
    }
    for name in [ESCAPE.as_bytes(), NOT_UTF8] {
        assert!(
            names.iter().any(|n| n == name),
            "no JSON name is {}: {names:?}",
            Escaped(name)
        );
    }
}

/// `routes` (with rules), `explain` bound to the escape-named interface, their JSON, and
/// errors that quote a hostile name.
#[test]
fn routes_explain_and_errors_print_no_control_byte() {
    if !privileges::ok_or_skip() {
        return;
    }
    let ns = hostile_namespace();
    let routes = run(&["routes", "--netns", ns.name(), "--rules"]);
    assert!(routes.status.success(), "{routes:?}");
    assert_no_control("routes", &routes.stdout);
    let text = String::from_utf8(routes.stdout).unwrap();
    assert_shows("routes", &text, ESCAPE.as_bytes());

    let json = run(&["routes", "--netns", ns.name(), "--rules", "--json"]);
    assert!(json.status.success(), "{json:?}");
    let document = String::from_utf8(json.stdout).unwrap();
    assert!(
        document.contains("e\\u001b[7m"),
        "routes --json carries the name exactly: {document}"
    );

    let explain = run(&["explain", DST, "--netns", ns.name(), "--dev", ESCAPE]);
    assert!(explain.status.success(), "{explain:?}");
    assert_no_control("explain stdout", &explain.stdout);
    assert_no_control("explain stderr", &explain.stderr);
    let text = String::from_utf8(explain.stdout).unwrap();
    assert_shows("explain", &text, ESCAPE.as_bytes());

    let json = run(&[
        "explain",
        DST,
        "--netns",
        ns.name(),
        "--dev",
        ESCAPE,
        "--json",
    ]);
    assert!(json.status.success(), "{json:?}");
    let walk: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(walk["case"]["oif"], Value::from(ESCAPE), "{walk}");

    // Errors quote what they were given: one line, escaped.
    let unknown = run(&[
        "explain",
        DST,
        "--netns",
        ns.name(),
        "--dev",
        "\u{1b}[31mnope",
    ]);
    assert_eq!(unknown.status.code(), Some(1));
    assert_no_control("explain error", &unknown.stderr);
    let message = String::from_utf8(unknown.stderr).unwrap();
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.contains("\\x1b[31mnope"), "{message}");
    // A usage error from the command line parser, too.
    let usage = run(&["trace", "--dev", "a/\u{1b}[31m"]);
    assert_eq!(usage.status.code(), Some(2));
    assert_no_control("usage error", &usage.stderr);
    // (clap renders its message as plain text, dropping escape sequences: what is left
    // goes through the rule.)
    let message = String::from_utf8(usage.stderr).unwrap();
    assert!(
        message.contains("is not a valid interface name"),
        "{message}"
    );
}

/// `routes --watch` prints a change that names a hostile interface as escaped text.
#[test]
fn routes_watch_prints_no_control_byte() {
    if !privileges::ok_or_skip() {
        return;
    }
    let ns = hostile_namespace();
    let mut child = Command::new(BINDSCOPE)
        .args(["routes", "--netns", ns.name(), "--watch"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    // The snapshot first: read up to its policy-free table, then cause a change.
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut changed = false;
    while Instant::now() < deadline {
        let mut line = Vec::new();
        if stdout.read_until(b'\n', &mut line).unwrap_or(0) == 0 {
            break;
        }
        seen.extend_from_slice(&line);
        if !changed && line.starts_with(b"Destination") {
            // After the header: a new route through the escape-named device.
            std::thread::sleep(Duration::from_millis(300));
            ns.ip(["route", "add", "203.0.113.0/24", "dev", ESCAPE])
                .unwrap();
            changed = true;
        } else if changed && line.windows(11).any(|w| w == b"203.0.113.0") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_no_control("routes --watch", &seen);
    let text = String::from_utf8_lossy(&seen);
    assert!(text.contains("203.0.113.0/24 dev e\\x1b[7m"), "{text}");
}
