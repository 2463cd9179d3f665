//! The route program runs on the cheapest form of `fib_table_lookup` the kernel offers (README,
//! "How route lookups are traced"). The fallbacks are silent by design (`RUST_LOG=info` names
//! the one in use), so without this check a kernel whose verifier started rejecting the
//! `tp_btf` program would only show as a slower tracer.

use bindscope::stream::Collector;
use bindscope::{Config, EventSet, Filter, RouteHook};
use bindscope_tests::privileges;

/// `bpf_get_current_task_btf`, which the `tp_btf` program needs, arrived in Linux 5.11; the
/// raw program needs BTF for its offsets; the classic one needs neither.
fn expected_hook(release: &str, has_btf: bool) -> RouteHook {
    let mut numbers = release
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse::<u32>().ok());
    let version = (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0));
    match (has_btf, version >= (5, 11)) {
        (false, _) => RouteHook::Classic,
        (true, true) => RouteHook::BtfTyped,
        (true, false) => RouteHook::Raw,
    }
}

/// Route lookups only, of this test process only.
fn routes_of_this_process() -> Config {
    Config {
        events: EventSet {
            sockopt: false,
            route: true,
            ioctl: false,
            cmsg: false,
        },
        filter: Filter {
            pid: Some(std::process::id()),
            ..Filter::default()
        },
        ..Config::default()
    }
}

#[test]
fn expected_hooks_by_kernel() {
    assert_eq!(expected_hook("5.10.0-30-amd64", true), RouteHook::Raw);
    assert_eq!(expected_hook("5.11.0", true), RouteHook::BtfTyped);
    assert_eq!(expected_hook("6.18.3", true), RouteHook::BtfTyped);
    assert_eq!(expected_hook("6.18.3", false), RouteHook::Classic);
}

#[test]
fn route_hook_is_the_cheapest_available() {
    if !privileges::ok_or_skip() {
        return;
    }
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").expect("osrelease");
    let has_btf = std::path::Path::new("/sys/kernel/btf/vmlinux").exists();
    let config = routes_of_this_process();
    let collector = Collector::start(&config).expect("bindscope starts");
    assert_eq!(
        collector.tracer().route_hook,
        Some(expected_hook(release.trim(), has_btf)),
        "Linux {}, BTF: {has_btf}",
        release.trim()
    );

    let without_routes = Config {
        events: EventSet {
            sockopt: true,
            route: false,
            ioctl: false,
            cmsg: false,
        },
        ..config
    };
    let collector = Collector::start(&without_routes).expect("bindscope starts");
    assert_eq!(collector.tracer().route_hook, None);
}

/// The `tp_btf` program reads pid, tid and comm from the task instead of calling helpers: a
/// lookup made from a named thread must carry that thread's id and name, and the process's id.
#[test]
fn route_events_name_the_thread_that_looked_up() {
    if !privileges::ok_or_skip() {
        return;
    }
    let mut collector = Collector::start(&routes_of_this_process()).expect("bindscope starts");
    // A UDP connect() only looks the route up; loopback, so nothing could leave the host.
    const PORT: u16 = 9;
    let tid = std::thread::Builder::new()
        .name("bs-hook-probe".into())
        .spawn(|| {
            let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
            socket.connect(("127.0.0.1", PORT)).expect("connect");
            // SAFETY: gettid has no preconditions.
            unsafe { libc::gettid() as u32 }
        })
        .expect("spawn")
        .join()
        .expect("the probe thread");
    let reports = collector.collect();
    let probe = reports
        .iter()
        .find(|r| {
            r.route()
                .is_some_and(|d| d.dport == PORT && d.dst.is_loopback())
        })
        .unwrap_or_else(|| panic!("no route event for the probe's connect in {reports:?}"));
    assert_eq!(probe.origin.pid, Some(std::process::id()));
    assert_eq!(probe.origin.tid, Some(tid));
    assert_eq!(probe.origin.comm.as_deref(), Some("bs-hook-probe"));
}
