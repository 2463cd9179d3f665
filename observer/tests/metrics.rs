//! Metrics against a real Prometheus server (Debian's `prometheus`, which `cargo xtask test`
//! installs): it scrapes `bindscope trace --json --metrics` while the test causes known events
//! in a namespace (connects that route, connects that fail, SO_BINDTODEVICE calls that
//! succeed and one that fails), and every counter Prometheus holds must equal what the
//! NDJSON stream of the same process reported, and what the test caused. Names the
//! exposition format must escape (a namespace's with `"`, `\` and a newline, an interface's
//! with `"` and `\`, both with an escape sequence) are escaped in `/metrics` and reach
//! Prometheus's storage byte for byte. `bindscope serve` stops cleanly on SIGTERM, and its
//! errors are one line.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bindscope_tests::{privileges, sys, Netns};
use serde_json::Value;

const BINDSCOPE: &str = env!("CARGO_BIN_EXE_bindscope");

/// Two subnets, a default route, and an unreachable prefix.
const TOPOLOGY: &str = "\
link add eth0 type veth peer name peer0
link add eth1 type veth peer name peer1
link set lo up
link set eth0 up
link set peer0 up
link set eth1 up
link set peer1 up
addr add 192.0.2.2/26 dev eth0
addr add 192.0.2.194/26 dev eth1
route add default via 192.0.2.1 dev eth0
route add unreachable 203.0.113.0/25
";

/// A port nobody listens on now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `GET path` on `addr` (HTTP/1.0: the body is what comes before the close).
fn http_get(addr: SocketAddr, path: &str) -> std::io::Result<(String, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    Ok((head.to_owned(), body.to_owned()))
}

/// Waits until `addr` serves `/metrics`, and returns the text.
fn scrape_when_up(addr: SocketAddr, child: &mut Child) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok((head, body)) = http_get(addr, "/metrics") {
            assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
            assert!(
                head.contains("Content-Type: application/openmetrics-text"),
                "{head}"
            );
            return body;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("bindscope exited early: {status}");
        }
        assert!(Instant::now() < deadline, "no metrics at {addr}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Percent-encodes a PromQL query for a URL.
fn encode(query: &str) -> String {
    query
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The value of the instant query `query` (a single-valued expression), `None` while
/// Prometheus has no sample.
fn prometheus_value(prometheus: SocketAddr, query: &str) -> Option<f64> {
    let (_, body) = http_get(
        prometheus,
        &format!("/api/v1/query?query={}", encode(query)),
    )
    .ok()?;
    let json: Value = serde_json::from_str(&body).ok()?;
    json["data"]["result"][0]["value"][1]
        .as_str()
        .and_then(|v| v.parse().ok())
}

/// A Prometheus server on loopback scraping `target` every second; killed on drop.
struct Prometheus {
    child: Child,
    addr: SocketAddr,
    _dir: TempDir,
}

impl Prometheus {
    fn start(target: SocketAddr) -> Option<Prometheus> {
        let binary = ["/usr/bin/prometheus", "/usr/local/bin/prometheus"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists());
        let Some(binary) = binary else {
            assert!(
                !privileges::in_ci(),
                "prometheus is not installed: cargo xtask test installs Debian's prometheus"
            );
            eprintln!("skipped: prometheus is not installed (cargo xtask setup does not, cargo xtask test does)");
            return None;
        };
        let dir = TempDir::new("prometheus");
        let config = dir.0.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
                 scrape_configs:\n  - job_name: bindscope\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .expect("config written");
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let child = Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.0.join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus starts");
        Some(Prometheus {
            child,
            addr,
            _dir: dir,
        })
    }

    /// Waits until `query` has value `expected`.
    fn wait_for(&self, query: &str, expected: f64) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut last = None;
        while Instant::now() < deadline {
            last = prometheus_value(self.addr, query);
            if last == Some(expected) {
                return;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!("Prometheus: {query} is {last:?}, expected {expected}");
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A directory removed on drop.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("bindscope-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temp dir");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A bindscope child, killed if the test fails before stopping it: a tracer left running
/// would trace, and slow, everything that runs after.
struct Running(Option<Child>);

impl Running {
    fn spawn(command: &mut Command) -> Running {
        Running(Some(
            command
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("bindscope starts"),
        ))
    }

    fn child(&mut self) -> &mut Child {
        self.0.as_mut().expect("still running")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Stops `running` with `signal` and returns its exit code, and what it wrote to stdout (if
/// not taken already) and stderr.
fn stop(mut running: Running, signal: i32) -> (Option<i32>, String, String) {
    let child = running.0.take().expect("still running");
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, signal) };
    let output = child.wait_with_output().expect("bindscope exits");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn bind_to_device(socket: &impl std::os::fd::AsRawFd, name: &str) -> Result<(), sys::Errno> {
    sys::setsockopt_bytes(
        socket,
        libc::SOL_SOCKET,
        libc::SO_BINDTODEVICE,
        name.as_bytes(),
    )
}

#[test]
fn prometheus_scrapes_what_bindscope_saw() {
    if !privileges::ok_or_skip() {
        return;
    }
    let ns = Netns::new("metrics").expect("namespace");
    ns.ip_batch(TOPOLOGY).expect("topology built");
    let metrics: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let Some(prometheus) = Prometheus::start(metrics) else {
        return;
    };
    let mut child = Running::spawn(
        Command::new(BINDSCOPE)
            .args(["trace", "--json", "--netns", ns.name(), "--metrics"])
            .arg(metrics.to_string()),
    );
    scrape_when_up(metrics, child.child());
    // Every NDJSON line, in a thread, so the test can wait for the ones it caused.
    let (lines_tx, lines) = mpsc::channel::<Value>();
    let stdout = child.child().stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx
                .send(serde_json::from_str(&line).expect("JSON"))
                .is_err()
            {
                break;
            }
        }
    });

    // What the test causes: 3 SO_BINDTODEVICE that succeed, 1 that fails with ENODEV,
    // 5 connects that route out of eth0, 2 that fail on the unreachable route.
    ns.run(|| {
        let socket = sys::udp_socket().unwrap();
        for _ in 0..3 {
            bind_to_device(&socket, "eth1").unwrap();
        }
        assert_eq!(
            bind_to_device(&socket, "nosuch0").map_err(sys::Errno::name),
            Err("ENODEV")
        );
        for _ in 0..5 {
            let socket = sys::udp_socket().unwrap();
            sys::connect(&socket, sys::v4(Ipv4Addr::new(198, 51, 100, 9), 9)).unwrap();
        }
        for _ in 0..2 {
            let socket = sys::udp_socket().unwrap();
            assert_eq!(
                sys::connect(&socket, sys::v4(Ipv4Addr::new(203, 0, 113, 9), 9))
                    .map_err(sys::Errno::name),
                Err("EHOSTUNREACH")
            );
        }
    });
    // Everything reported, as NDJSON, by the same process the counters are in.
    let mut seen: Vec<Value> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    let failed_routes = |seen: &[Value]| seen.iter().filter(|e| e["err"] == "EHOSTUNREACH").count();
    while failed_routes(&seen) < 2 && Instant::now() < deadline {
        if let Ok(event) = lines.recv_timeout(Duration::from_millis(200)) {
            seen.push(event);
        }
    }
    // Whatever else the kernel did meanwhile (a second lookup per connect, ...) arrives too.
    while let Ok(event) = lines.recv_timeout(Duration::from_millis(500)) {
        seen.push(event);
    }
    let count = |f: &dyn Fn(&Value) -> bool| seen.iter().filter(|e| f(e)).count() as f64;
    let name = ns.name();
    let binds = |result: &str| {
        let result = result.to_owned();
        count(&move |e: &Value| {
            e["type"] == "sockopt"
                && e["optname"] == "SO_BINDTODEVICE"
                && e["errno"].as_str().unwrap_or("ok") == result
        })
    };
    assert_eq!(binds("ok"), 3.0, "{seen:#?}");
    assert_eq!(binds("ENODEV"), 1.0, "{seen:#?}");
    let routes_ok = count(&|e| {
        e["type"] == "route"
            && e["err"].is_null()
            && e["dev"] == "eth0"
            && e["table_name"] == "main"
    });
    assert!(
        routes_ok >= 5.0,
        "one decision per connect at least: {seen:#?}"
    );
    let routes_failed = count(&|e| e["type"] == "route" && e["err"] == "EHOSTUNREACH");
    assert!(routes_failed >= 2.0, "{seen:#?}");

    // Prometheus, after its scrapes, holds the same numbers.
    prometheus.wait_for(
        &format!(
            "bindscope_pinning_calls_total{{netns=\"{name}\",option=\"SO_BINDTODEVICE\",result=\"ok\"}}"
        ),
        3.0,
    );
    prometheus.wait_for(
        &format!(
            "bindscope_pinning_calls_total{{netns=\"{name}\",option=\"SO_BINDTODEVICE\",result=\"ENODEV\"}}"
        ),
        1.0,
    );
    prometheus.wait_for(
        &format!(
            "sum(bindscope_route_decisions_total{{netns=\"{name}\",dev=\"eth0\",table=\"main\",result=\"ok\"}})"
        ),
        routes_ok,
    );
    prometheus.wait_for(
        &format!(
            "sum(bindscope_route_decisions_total{{netns=\"{name}\",dev=\"none\",result=\"EHOSTUNREACH\"}})"
        ),
        routes_failed,
    );
    // Every event is counted, and every one was written out: the kernel's own IPv6 traffic
    // (neighbour discovery, multicast listener reports) keeps coming for a while after the
    // links come up, so both counts are compared once they agree to stand still.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        while let Ok(event) = lines.recv_timeout(Duration::from_millis(300)) {
            seen.push(event);
        }
        let counted = prometheus_value(prometheus.addr, "sum(bindscope_events_total)");
        if counted == Some(seen.len() as f64) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "Prometheus counts {counted:?} events, bindscope wrote {}",
            seen.len()
        );
    }
    prometheus.wait_for("bindscope_events_lost_total", 0.0);
    prometheus.wait_for(
        &format!(
            "bindscope_build_info{{version=\"{}\"}}",
            env!("CARGO_PKG_VERSION")
        ),
        1.0,
    );
    prometheus.wait_for("bindscope_ring_buffer_size_bytes", 4194304.0);
    assert!(
        prometheus_value(prometheus.addr, "bindscope_ring_buffer_used_bytes").is_some(),
        "the fill level is scraped"
    );
    let (code, _, stderr) = stop(child, libc::SIGINT);
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn serve_answers_only_metrics_and_stops_cleanly() {
    if !privileges::ok_or_skip() {
        return;
    }
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let mut child = Running::spawn(
        Command::new(BINDSCOPE)
            .args(["serve", "--metrics"])
            .arg(addr.to_string()),
    );
    let text = scrape_when_up(addr, child.child());
    // Families with no label set yet are left out until their first event.
    assert!(
        text.contains("# TYPE bindscope_events_lost counter"),
        "{text}"
    );
    assert!(text.contains("bindscope_build_info{version="), "{text}");
    assert!(text.ends_with("# EOF\n"), "{text}");
    let (head, _) = http_get(addr, "/").expect("GET /");
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");

    // A second one on the same port: one line, non-zero.
    let taken = Command::new(BINDSCOPE)
        .args(["serve", "--metrics"])
        .arg(addr.to_string())
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&taken.stderr);
    assert!(!taken.status.success());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
    // Beyond loopback only when asked.
    let public = Command::new(BINDSCOPE)
        .args(["serve", "--metrics", "0.0.0.0:9464"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&public.stderr);
    assert!(!public.status.success());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("--metrics-public"), "{stderr}");

    // No event output; SIGTERM stops it with status 0 and a log line.
    let (code, stdout, stderr) = stop(child, libc::SIGTERM);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("stopped by SIGTERM"), "{stderr}");
    assert_eq!(stdout, "", "serve prints no events");
}

/// The distinct `netns` values in `text`'s `bindscope_pinning_calls_total` series, with the
/// count of each.
fn pinning_series(text: &str) -> Vec<(String, u64)> {
    text.lines()
        .filter_map(|l| l.strip_prefix("bindscope_pinning_calls_total{netns=\""))
        .filter_map(|l| {
            let (netns, rest) = l.split_once('"')?;
            let count = rest.rsplit(' ').next()?.parse().ok()?;
            Some((netns.to_owned(), count))
        })
        .collect()
}

/// One SO_MARK call on a fresh UDP socket in the calling thread's namespace.
fn mark_once() {
    let socket = sys::udp_socket().expect("a UDP socket");
    sys::setsockopt_int(&socket, libc::SOL_SOCKET, libc::SO_MARK, 1).expect("SO_MARK");
}

#[test]
fn a_flood_of_real_namespaces_stays_within_the_label_cap() {
    if !privileges::ok_or_skip() {
        return;
    }
    // bindscope's documented cap (observer/src/output/metrics/mod.rs, README "Many hosts").
    const CAP: usize = 1000;
    const FLOOD: usize = CAP + 100;
    const COMM: &str = "bs-nsflood";
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let mut child = Running::spawn(
        Command::new(BINDSCOPE)
            .args(["serve", "--events", "sockopt", "--comm", COMM, "--metrics"])
            .arg(addr.to_string()),
    );
    scrape_when_up(addr, child.child());
    let flood = std::thread::spawn(move || {
        let name = std::ffi::CString::new(COMM).unwrap();
        // SAFETY: PR_SET_NAME reads a NUL-terminated string that outlives the call.
        assert_eq!(unsafe { libc::prctl(libc::PR_SET_NAME, name.as_ptr()) }, 0);
        // Probes in the test's own namespace until bindscope counts one: it is attached.
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut probes = 0;
        loop {
            mark_once();
            probes += 1;
            let (_, text) = http_get(addr, "/metrics").expect("metrics");
            if !pinning_series(&text).is_empty() {
                break;
            }
            assert!(Instant::now() < deadline, "bindscope counted no probe");
            std::thread::sleep(Duration::from_millis(100));
        }
        // Then one call in each of FLOOD new namespaces, none with a /run/netns name: each
        // is labelled by its inode. unshare(2) moves only this thread. Each namespace is
        // held open to the end: the kernel reuses a freed namespace's inode number, and two
        // namespaces with one inode would be one label set.
        raise_open_files(FLOOD as u64 + 100);
        let mut held = Vec::with_capacity(FLOOD);
        for _ in 0..FLOOD {
            // SAFETY: unshare(2) with a flag; no memory is passed.
            assert_eq!(unsafe { libc::unshare(libc::CLONE_NEWNET) }, 0);
            held.push(std::fs::File::open("/proc/thread-self/ns/net").expect("the namespace"));
            mark_once();
        }
        (probes, held)
    });
    let (probes, held) = flood.join().expect("the flood ran");
    let expected = (probes + FLOOD) as u64;
    let deadline = Instant::now() + Duration::from_secs(30);
    let series = loop {
        let (_, text) = http_get(addr, "/metrics").expect("metrics");
        let series = pinning_series(&text);
        if series.iter().map(|(_, n)| n).sum::<u64>() >= expected {
            break series;
        }
        assert!(Instant::now() < deadline, "bindscope counted {series:?}");
        std::thread::sleep(Duration::from_millis(200));
    };
    // The root namespace's probes and CAP - 1 flood namespaces keep their own label sets;
    // the other 101 namespaces' calls are counted under `other`.
    assert_eq!(series.len(), CAP + 1, "{} label sets", series.len());
    assert_eq!(series.iter().map(|(_, n)| n).sum::<u64>(), expected);
    let other: Vec<_> = series.iter().filter(|(ns, _)| ns == "other").collect();
    assert_eq!(other, [&("other".to_owned(), (FLOOD + 1 - CAP) as u64)]);
    drop(held);
    let (code, _, stderr) = stop(child, libc::SIGTERM);
    assert_eq!(code, Some(0), "{stderr}");
}

/// Raises this process's open-file limit to at least `wanted`, within the hard limit.
fn raise_open_files(wanted: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit read and write the one struct passed.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        if limit.rlim_cur < wanted {
            limit.rlim_cur = wanted.min(limit.rlim_max);
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
        }
    }
}

/// A label value as the exposition format writes it: `\`, `"` and newline escaped, every
/// other character as it is.
fn exposition_escaped(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// `value` as a PromQL string literal (Go's escapes; control characters as `\xNN`).
fn promql_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c if c.is_ascii_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A label set (without Prometheus's own `instance` and `job`), as a key.
type Series = std::collections::BTreeMap<String, String>;

/// Every series Prometheus holds of bindscope's labelled counters that carry names, with its
/// value: the labels exactly as Prometheus stored them (JSON-decoded).
fn named_series(prometheus: SocketAddr) -> Option<std::collections::BTreeMap<Series, f64>> {
    let query = r#"{__name__=~"bindscope_(route_decisions|onlink_fallbacks|pinning_calls)_total"}"#;
    let (_, body) = http_get(
        prometheus,
        &format!("/api/v1/query?query={}", encode(query)),
    )
    .ok()?;
    let json: Value = serde_json::from_str(&body).ok()?;
    json["data"]["result"]
        .as_array()?
        .iter()
        .map(|series| {
            let labels = series["metric"]
                .as_object()?
                .iter()
                .filter(|(key, _)| *key != "instance" && *key != "job")
                .map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
                .collect::<Option<Series>>()?;
            let value = series["value"][1].as_str()?.parse().ok()?;
            Some((labels, value))
        })
        .collect()
}

fn series(labels: &[(&str, &str)]) -> Series {
    labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn prometheus_keeps_names_that_need_escaping_exactly() {
    if !privileges::ok_or_skip() {
        return;
    }
    // The namespace's name: a quote, backslashes, an escape sequence (reverse video), a
    // newline, the exposition format's own punctuation and a non-ASCII letter. `ip netns
    // add` takes all of it (it refuses only `/`).
    let ns = Netns::with_exact_label("hq\"\\x\\\x1b[7m\n{a=\"b\",}é").expect("namespace");
    let name = ns.name().to_owned();
    // The interface's: the kernel refuses `/`, `:` and white space (so no newline) and more
    // than 15 bytes.
    const DEV: &str = "v\"\\\x1b[7m{=,}";
    // No IPv6: the kernel's own neighbour discovery would make route decisions too.
    ns.set_sysctls(&[
        ("net.ipv6.conf.all.disable_ipv6", "1"),
        ("net.ipv6.conf.default.disable_ipv6", "1"),
    ])
    .expect("sysctls");
    // One by one, not as a batch: `ip -batch` reads quotes and backslashes itself.
    for command in [
        &["link", "add", DEV, "type", "veth", "peer", "name", "peer0"][..],
        &["link", "set", "lo", "up"],
        &["link", "set", DEV, "up"],
        &["link", "set", "peer0", "up"],
        &["addr", "add", "192.0.2.2/24", "dev", DEV],
        &["route", "add", "default", "via", "192.0.2.1", "dev", DEV],
        &["route", "add", "unreachable", "203.0.113.0/25"],
    ] {
        ns.ip(command).expect("topology built");
    }
    let metrics: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let Some(prometheus) = Prometheus::start(metrics) else {
        return;
    };
    let mut child = Running::spawn(
        Command::new(BINDSCOPE)
            .args(["trace", "--json", "--netns", &name, "--metrics"])
            .arg(metrics.to_string()),
    );
    scrape_when_up(metrics, child.child());
    let (lines_tx, lines) = mpsc::channel::<Value>();
    let stdout = child.child().stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx
                .send(serde_json::from_str(&line).expect("JSON"))
                .is_err()
            {
                break;
            }
        }
    });

    // What the test causes, all from one thread: 3 connects pinned to DEV and 2 plain ones
    // (routed out of DEV by the default route), and 1 pinned connect into the unreachable
    // prefix, which the kernel sends on-link out of DEV instead of failing. 4
    // SO_BINDTODEVICE calls, all successful.
    const PINNED: usize = 3;
    const PLAIN: usize = 2;
    let tid = ns.run(|| {
        for _ in 0..PINNED {
            let socket = sys::udp_socket().unwrap();
            bind_to_device(&socket, DEV).unwrap();
            sys::connect(&socket, sys::v4(Ipv4Addr::new(198, 51, 100, 9), 9)).unwrap();
        }
        for _ in 0..PLAIN {
            let socket = sys::udp_socket().unwrap();
            sys::connect(&socket, sys::v4(Ipv4Addr::new(198, 51, 100, 10), 9)).unwrap();
        }
        let socket = sys::udp_socket().unwrap();
        bind_to_device(&socket, DEV).unwrap();
        sys::connect(&socket, sys::v4(Ipv4Addr::new(203, 0, 113, 9), 9)).unwrap();
        // SAFETY: gettid(2) has no arguments.
        unsafe { libc::gettid() }
    });

    let mut seen: Vec<Value> = Vec::new();
    let routed = |seen: &[Value]| {
        seen.iter()
            .filter(|e| e["type"] == "route" && e["dev"] == DEV)
            .count()
    };
    let fallbacks = |seen: &[Value]| {
        seen.iter()
            .filter(|e| e["type"] == "route" && e["onlink_fallback"] == true)
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while (routed(&seen) < PINNED + PLAIN || fallbacks(&seen) < 1) && Instant::now() < deadline {
        if let Ok(event) = lines.recv_timeout(Duration::from_millis(200)) {
            seen.push(event);
        }
    }
    while let Ok(event) = lines.recv_timeout(Duration::from_millis(1000)) {
        seen.push(event);
    }
    // Every event is the test's, and names the namespace and the device exactly.
    for event in &seen {
        assert_eq!(
            event["tid"], tid,
            "an event the test did not cause: {event}"
        );
        assert_eq!(event["netns_name"], name.as_str(), "{event}");
    }
    for event in seen.iter().filter(|e| e["type"] == "route") {
        let oif = event["oif_name"].as_str();
        assert!(oif.is_none() || oif == Some(DEV), "{event}");
    }
    // The counters Prometheus must hold, from what bindscope reported.
    let mut expected = std::collections::BTreeMap::<Series, f64>::new();
    for event in &seen {
        let labels = match event["type"].as_str() {
            Some("route") => {
                if event["onlink_fallback"] == true {
                    *expected
                        .entry(series(&[
                            ("__name__", "bindscope_onlink_fallbacks_total"),
                            ("netns", &name),
                            ("dev", event["oif_name"].as_str().expect("oif_name")),
                        ]))
                        .or_default() += 1.0;
                }
                series(&[
                    ("__name__", "bindscope_route_decisions_total"),
                    ("netns", &name),
                    ("dev", event["dev"].as_str().unwrap_or("none")),
                    ("table", event["table_name"].as_str().expect("table_name")),
                    ("result", event["err"].as_str().unwrap_or("ok")),
                ])
            }
            Some("sockopt") => series(&[
                ("__name__", "bindscope_pinning_calls_total"),
                ("netns", &name),
                ("option", event["optname"].as_str().expect("optname")),
                ("result", event["errno"].as_str().unwrap_or("ok")),
            ]),
            _ => continue,
        };
        *expected.entry(labels).or_default() += 1.0;
    }
    let pinned = series(&[
        ("__name__", "bindscope_pinning_calls_total"),
        ("netns", &name),
        ("option", "SO_BINDTODEVICE"),
        ("result", "ok"),
    ]);
    let routed_ok = series(&[
        ("__name__", "bindscope_route_decisions_total"),
        ("netns", &name),
        ("dev", DEV),
        ("table", "main"),
        ("result", "ok"),
    ]);
    let onlink = series(&[
        ("__name__", "bindscope_onlink_fallbacks_total"),
        ("netns", &name),
        ("dev", DEV),
    ]);
    assert_eq!(
        expected.get(&pinned),
        Some(&(PINNED as f64 + 1.0)),
        "{seen:#?}"
    );
    assert!(
        expected[&routed_ok] >= (PINNED + PLAIN) as f64,
        "one decision per connect at least: {seen:#?}"
    );
    assert!(expected[&onlink] >= 1.0, "{seen:#?}");
    eprintln!("expected series: {expected:#?}");

    // Prometheus, after its scrapes, holds exactly these series: the same label values, byte
    // for byte, and the same counts.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut held = None;
    while held.as_ref() != Some(&expected) {
        assert!(
            Instant::now() < deadline,
            "Prometheus holds {held:#?}, expected {expected:#?}"
        );
        std::thread::sleep(Duration::from_millis(250));
        held = named_series(prometheus.addr);
    }
    // And a query can select them by the names.
    prometheus.wait_for(
        &format!(
            "sum(bindscope_route_decisions_total{{netns={},dev={}}})",
            promql_string(&name),
            promql_string(DEV)
        ),
        expected[&routed_ok],
    );

    // The exposition itself: `\` as `\\`, `"` as `\"`, newline as `\n`, the rest as it is.
    let (_, text) = http_get(metrics, "/metrics").expect("metrics");
    let (netns_label, dev_label) = (exposition_escaped(&name), exposition_escaped(DEV));
    assert!(netns_label.contains("\\\"") && netns_label.contains("\\\\"));
    assert!(netns_label.contains("\\n") && !netns_label.contains('\n'));
    for line in [
        format!(
            "bindscope_pinning_calls_total{{netns=\"{netns_label}\",option=\"SO_BINDTODEVICE\",result=\"ok\"}} {}\n",
            expected[&pinned]
        ),
        format!(
            "bindscope_route_decisions_total{{netns=\"{netns_label}\",dev=\"{dev_label}\",table=\"main\",result=\"ok\"}} {}\n",
            expected[&routed_ok]
        ),
        format!(
            "bindscope_onlink_fallbacks_total{{netns=\"{netns_label}\",dev=\"{dev_label}\"}} {}\n",
            expected[&onlink]
        ),
    ] {
        assert!(text.contains(&line), "no {line:?} in {text:?}");
    }
    assert!(!text.contains(&name), "the name unescaped: {text:?}");
    let (code, _, stderr) = stop(child, libc::SIGINT);
    assert_eq!(code, Some(0), "{stderr}");
}
