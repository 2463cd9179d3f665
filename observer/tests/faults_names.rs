//! Names under stress, with the real `bindscope` command: an interface renamed or deleted
//! while its events are in flight, 4,096 interfaces in one namespace, 10,000 policy rules.
//! Each asserts the names bindscope reports, and prints what the size costs (creating it,
//! `routes`, `explain`, naming events, the policy walk per decision): figures to read, never
//! asserted.
//!
//! "In flight" is made certain: bindscope is stopped (SIGSTOP) while the test makes its
//! calls and renames or deletes the interface, and continued (SIGCONT) afterwards, so every
//! event is decoded after the change. The kernel side keeps recording meanwhile.

mod support;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::process::Command;
use std::time::{Duration, Instant};

use bindscope::policy::{self, FlowKeys, Policy, MISS};
use bindscope_tests::{privileges, sys, Netns};
use serde_json::Value;
use support::{json_lines, panicked, run, serial, Running, BINDSCOPE};

/// Connects a UDP socket in the calling thread's namespace to 198.51.100.`host`:9, bound to
/// `device` first if given: route lookups, no packet.
fn connect_bound(device: Option<&str>, host: u8) {
    let socket = sys::udp_socket().expect("socket");
    if let Some(device) = device {
        sys::setsockopt_bytes(
            &socket,
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            device.as_bytes(),
        )
        .expect("SO_BINDTODEVICE");
    }
    sys::connect(&socket, sys::v4(Ipv4Addr::new(198, 51, 100, host), 9)).expect("connect");
}

/// `SO_BINDTOIFINDEX` to `index` on a new socket in the calling thread's namespace.
fn bind_to_index(index: u32) {
    let socket = sys::udp_socket().expect("socket");
    sys::setsockopt_int(
        &socket,
        libc::SOL_SOCKET,
        libc::SO_BINDTOIFINDEX,
        index as i32,
    )
    .expect("SO_BINDTOIFINDEX");
}

/// Sends `signal` to process `pid` (our bindscope child).
fn signal(pid: u32, signal: i32) {
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(pid as i32, signal) }, 0);
}

/// The events of `type_` in NDJSON `lines`.
fn of_type<'a>(lines: &'a [Value], type_: &str) -> Vec<&'a Value> {
    lines.iter().filter(|v| v["type"] == type_).collect()
}

/// Name → index of every device in `netns` (`ip -o link`).
fn links(netns: &Netns) -> HashMap<String, u64> {
    netns
        .ip(["-o", "link", "show"])
        .expect("ip link")
        .lines()
        .filter_map(|line| {
            let mut parts = line.split(": ");
            let index = parts.next()?.trim().parse().ok()?;
            let name = parts.next()?.split('@').next()?.to_owned();
            Some((name, index))
        })
        .collect()
}

/// Runs `command` to its end and returns how long it took, and how it ended.
fn timed(command: &mut Command) -> (Duration, support::Finished) {
    let started = Instant::now();
    let finished = run(command);
    (started.elapsed(), finished)
}

/// What a name is when its interface is renamed or deleted between the event and its
/// decoding (see the README, "Interface names"):
///
/// - the chosen device of a route decision (`dev`) is the name the kernel gave with the
///   lookup: right;
/// - the requested device (`oif_name`) of an IPv4 decision that found a route through it is
///   that same name: right;
/// - a name the call itself carried (`SO_BINDTODEVICE "eth1"`) is the call's: right;
/// - a name looked up from an index (`SO_BINDTOIFINDEX`, `IP_UNICAST_IF`, control messages,
///   `iif`, a failed or IPv6 decision's `oif`) is the interface's name when bindscope decoded
///   the event: renamed, the new name; deleted, none (`null`, the table shows the index).
#[test]
fn an_interface_renamed_or_deleted_in_flight() {
    if !privileges::ok_or_skip() {
        return;
    }
    let _serial = serial();
    let netns = Netns::new("names-flight").expect("namespace");
    netns
        .ip_batch(
            "\
link add eth0 type veth peer name peer0
link add eth1 type veth peer name peer1
link add eth2 type veth peer name peer2
link set lo up
link set eth0 up
link set peer0 up
link set eth1 up
link set peer1 up
link set eth2 up
link set peer2 up
addr add 192.0.2.2/26 dev eth0
addr add 192.0.2.66/26 dev eth1
addr add 192.0.2.130/26 dev eth2
route add default via 192.0.2.1 dev eth0
route add 198.51.100.0/25 via 192.0.2.65 dev eth1
route add 198.51.100.128/25 via 192.0.2.129 dev eth2
",
        )
        .expect("topology");
    let (eth1, eth2) = (netns.ifindex("eth1"), netns.ifindex("eth2"));
    let mut running = Running::start(&[
        "trace",
        "--json",
        "--netns",
        netns.name(),
        "--events",
        "sockopt,route",
        "--dst",
        "198.51.100.0/24",
    ]);
    // From here until SIGCONT, every event waits in the ring buffer.
    signal(running.pid(), libc::SIGSTOP);
    netns.run(|| {
        connect_bound(Some("eth1"), 7);
        bind_to_index(eth1);
        connect_bound(Some("eth2"), 200);
        bind_to_index(eth2);
    });
    netns
        .ip_batch("link set eth1 down\nlink set eth1 name wan1\nlink del eth2\n")
        .expect("rename eth1, delete eth2");
    netns.run(|| bind_to_index(eth1));
    signal(running.pid(), libc::SIGCONT);
    running.wait_stdout("every event", |lines| {
        let lines = json_lines(lines);
        of_type(&lines, "sockopt").len() == 5
            && ["198.51.100.7", "198.51.100.200"]
                .iter()
                .all(|dst| of_type(&lines, "route").iter().any(|v| v["dst"] == *dst))
    });
    let finished = running.stop(libc::SIGINT);
    assert_eq!(finished.code, Some(0), "{:?}", finished.stderr);
    assert!(!panicked(&finished.stderr));
    let lines = json_lines(&finished.stdout);

    for (dst, device) in [("198.51.100.7", "eth1"), ("198.51.100.200", "eth2")] {
        let routes: Vec<&Value> = of_type(&lines, "route")
            .into_iter()
            .filter(|v| v["dst"] == dst)
            .collect();
        assert!(!routes.is_empty());
        for route in routes {
            assert_eq!(route["dev"], device, "the kernel's name: {route}");
            assert_eq!(route["oif_name"], device, "the kernel's name: {route}");
        }
    }
    let sockopts: Vec<(&str, u64, Value)> = of_type(&lines, "sockopt")
        .iter()
        .map(|v| {
            (
                v["optname"].as_str().unwrap(),
                v["ifindex"].as_u64().unwrap_or(0),
                v["ifname"].clone(),
            )
        })
        .collect();
    let (eth1, eth2) = (u64::from(eth1), u64::from(eth2));
    assert_eq!(
        sockopts,
        [
            ("SO_BINDTODEVICE", 0, Value::from("eth1")),
            // Decoded after the rename: the name then.
            ("SO_BINDTOIFINDEX", eth1, Value::from("wan1")),
            ("SO_BINDTODEVICE", 0, Value::from("eth2")),
            // Decoded after the deletion: no name.
            ("SO_BINDTOIFINDEX", eth2, Value::Null),
            ("SO_BINDTOIFINDEX", eth1, Value::from("wan1")),
        ],
        "{lines:?}"
    );
}

/// 4,096 interfaces in one namespace (2,048 veth pairs: this kernel has no dummy driver):
/// every one of 4,096 `SO_BINDTOIFINDEX` events (each a different interface, each name
/// looked up in the namespace) is named right, and so are `routes` and `explain`, bound to
/// the last interface made. Prints the cost of each.
#[test]
fn four_thousand_interfaces_are_named_right() {
    if !privileges::ok_or_skip() {
        return;
    }
    let _serial = serial();
    const PAIRS: usize = 2048;
    let netns = Netns::new("names-4096").expect("namespace");
    let mut batch: String = (0..PAIRS)
        .map(|i| format!("link add a{i} type veth peer name b{i}\n"))
        .collect();
    let last = format!("a{}", PAIRS - 1);
    batch.push_str(&format!(
        "link set lo up\nlink set {last} up\nlink set b{} up\naddr add 192.0.2.2/24 dev {last}\nroute add default via 192.0.2.1 dev {last}\n",
        PAIRS - 1
    ));
    let started = Instant::now();
    netns.ip_batch(&batch).expect("interfaces");
    let created = started.elapsed();
    let links = links(&netns);
    assert_eq!(links.len(), 2 * PAIRS + 1, "lo and the pairs");
    let by_index: HashMap<u64, &str> = links.iter().map(|(n, i)| (*i, n.as_str())).collect();

    let mut running = Running::start(&[
        "trace",
        "--json",
        "--netns",
        netns.name(),
        "--events",
        "sockopt,route",
        "--dst",
        "198.51.100.0/24",
    ]);
    signal(running.pid(), libc::SIGSTOP);
    netns.run(|| {
        for &index in links.values().filter(|&&i| i != 1) {
            bind_to_index(index as u32);
        }
        connect_bound(Some(&last), 9);
    });
    let continued = Instant::now();
    signal(running.pid(), libc::SIGCONT);
    running.wait_stdout("every binding", |lines| {
        lines
            .iter()
            .filter(|l| l.contains("\"optname\":\"SO_BINDTOIFINDEX\""))
            .count()
            == 2 * PAIRS
    });
    let named = continued.elapsed();
    let finished = running.stop(libc::SIGINT);
    assert_eq!(finished.code, Some(0), "{:?}", finished.stderr);
    let lines = json_lines(&finished.stdout);
    let mut wrong = Vec::new();
    let bindings: Vec<&Value> = of_type(&lines, "sockopt")
        .into_iter()
        .filter(|v| v["optname"] == "SO_BINDTOIFINDEX")
        .collect();
    assert_eq!(bindings.len(), 2 * PAIRS);
    for event in bindings {
        let index = event["ifindex"].as_u64().unwrap();
        if event["ifname"] != by_index[&index] {
            wrong.push(format!(
                "{index}: {} for {}",
                event["ifname"], by_index[&index]
            ));
        }
    }
    assert!(wrong.is_empty(), "misnamed: {wrong:?}");
    let route = of_type(&lines, "route")
        .into_iter()
        .find(|v| v["dst"] == "198.51.100.9")
        .expect("the bound connect");
    assert_eq!(route["oif_name"], last.as_str());
    assert_eq!(route["dev"], last.as_str());

    let (routes_took, routes) =
        timed(Command::new(BINDSCOPE).args(["routes", "--netns", netns.name()]));
    assert_eq!(routes.code, Some(0), "{:?}", routes.stderr);
    assert!(
        routes.stdout.iter().any(|l| l.ends_with(&last)),
        "{:?}",
        routes.stdout
    );
    let (explain_took, explain) = timed(Command::new(BINDSCOPE).args([
        "explain",
        "--netns",
        netns.name(),
        "--dev",
        &last,
        "198.51.100.9",
    ]));
    assert_eq!(explain.code, Some(0), "{:?}", explain.stderr);
    let outcome = format!("dev {last} via 192.0.2.1 src 192.0.2.2 (table main)");
    assert!(
        explain.stdout.iter().any(|l| l.trim() == outcome),
        "{:?}",
        explain.stdout
    );
    eprintln!(
        "4,096 interfaces: made in {:.2} s; {} bindings, each to another interface, named in {:.0} ms \
         after SIGCONT ({:.0} us per event, a name looked up in the namespace for each); \
         `routes` {:.0} ms, `explain --dev {last}` {:.0} ms",
        created.as_secs_f64(),
        2 * PAIRS,
        named.as_secs_f64() * 1e3,
        named.as_secs_f64() * 1e6 / (2 * PAIRS) as f64,
        routes_took.as_secs_f64() * 1e3,
        explain_took.as_secs_f64() * 1e3,
    );
}

/// 10,000 policy rules (fwmark rules no flow of the test matches, between `local` and
/// `main`): `routes --rules` lists them all, `explain` walks past them to `main`, and every
/// traced decision names the rule that looked `main` up. Prints what each costs, and what the
/// policy walk costs per decision.
#[test]
fn ten_thousand_rules_are_walked_and_named_right() {
    if !privileges::ok_or_skip() {
        return;
    }
    let _serial = serial();
    const RULES: u32 = 10_000;
    let netns = Netns::new("names-rules").expect("namespace");
    netns
        .ip_batch(
            "\
link add eth0 type veth peer name peer0
link set lo up
link set eth0 up
link set peer0 up
addr add 192.0.2.2/24 dev eth0
route add default via 192.0.2.1 dev eth0
route add 203.0.113.0/24 via 192.0.2.1 dev eth0 table 100
",
        )
        .expect("topology");
    let batch: String = (0..RULES)
        .map(|i| format!("rule add pref {} fwmark {} lookup 100\n", 10_000 + i, i + 1))
        .collect();
    let started = Instant::now();
    netns.ip_batch(&batch).expect("rules");
    let created = started.elapsed();

    let (routes_took, routes) =
        timed(Command::new(BINDSCOPE).args(["routes", "--netns", netns.name(), "--rules"]));
    assert_eq!(routes.code, Some(0), "{:?}", routes.stderr);
    let listed = routes
        .stdout
        .iter()
        .filter(|l| l.contains("fwmark") && l.contains("lookup 100"))
        .count();
    assert_eq!(listed, RULES as usize);
    assert!(
        routes
            .stdout
            .iter()
            .any(|l| l == "10000: from all fwmark 0x1 lookup 100"),
        "{:?}",
        &routes.stdout[..8.min(routes.stdout.len())]
    );

    let (explain_took, explain) =
        timed(Command::new(BINDSCOPE).args(["explain", "--netns", netns.name(), "198.51.100.9"]));
    assert_eq!(explain.code, Some(0), "{:?}", explain.stderr);
    let text = explain.stdout.join("\n");
    assert!(
        text.contains("dev eth0 via 192.0.2.1 src 192.0.2.2 (table main)"),
        "{}",
        &text[text.len().saturating_sub(2000)..]
    );
    let skipped = explain
        .stdout
        .iter()
        .filter(|l| l.contains("skipped") && l.contains("fwmark"))
        .count();
    assert_eq!(skipped, RULES as usize, "each rule skipped, with why");

    // Traced: every decision names rule 32766 (`main`) after the 10,000 it passed.
    const CONNECTS: u8 = 200;
    let mut running = Running::start(&[
        "trace",
        "--json",
        "--netns",
        netns.name(),
        "--events",
        "route",
        "--dst",
        "198.51.100.0/24",
    ]);
    signal(running.pid(), libc::SIGSTOP);
    netns.run(|| {
        for host in 1..=CONNECTS {
            connect_bound(None, host);
        }
    });
    let continued = Instant::now();
    signal(running.pid(), libc::SIGCONT);
    running.wait_stdout("every decision", |lines| {
        let last = format!("\"dst\":\"198.51.100.{CONNECTS}\"");
        lines.iter().filter(|l| l.contains(&last)).count() >= 2
    });
    let decided = continued.elapsed();
    let finished = running.stop(libc::SIGINT);
    assert_eq!(finished.code, Some(0), "{:?}", finished.stderr);
    let lines = json_lines(&finished.stdout);
    let decisions = of_type(&lines, "route");
    assert!(decisions.len() >= usize::from(CONNECTS));
    for decision in &decisions {
        let lookups = decision["lookups"].as_array().unwrap();
        let main = lookups.last().unwrap();
        assert_eq!(main["table_name"], "main", "{decision}");
        assert_eq!(main["rule"]["priority"], 32766, "{decision}");
        assert_eq!(
            main["rule"]["text"], "32766: from all lookup main",
            "{decision}"
        );
    }

    // The walk alone, as the decoder makes it for each decision (rules read through
    // rtnetlink at most every policy::REFRESH).
    let inode = netns.inode().unwrap() as u32;
    let mut policy = Policy::new().refreshing_every(policy::REFRESH);
    let flow = FlowKeys {
        iif: 1,
        oif: 0,
        mark: 0,
        uid: 0,
        tos: 0,
        proto: 17,
        sport: 40000,
        dport: 9,
        src: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)),
        dst: IpAddr::V4(Ipv4Addr::new(198, 51, 100, 9)),
        l3mdev: Some(0),
    };
    let lookups = [(255, MISS), (254, 0)];
    let started = Instant::now();
    let first = policy.attribute(inode, &flow, &lookups);
    let first_took = started.elapsed();
    assert_eq!(first.lookups[1].rule.priority, Some(32766), "{first:?}");
    const WALKS: u32 = 500;
    let started = Instant::now();
    for _ in 0..WALKS {
        let walk = policy.attribute(inode, &flow, &lookups);
        assert_eq!(walk.lookups[1].rule.priority, Some(32766));
    }
    let per_walk = started.elapsed() / WALKS;
    eprintln!(
        "10,000 rules: added in {:.2} s; `routes --rules` {:.0} ms; `explain` {:.0} ms; \
         {} traced decisions decoded in {:.0} ms after SIGCONT ({:.0} us each); \
         the policy walk {:.0} us per decision (the first, reading the rules, {:.0} ms)",
        created.as_secs_f64(),
        routes_took.as_secs_f64() * 1e3,
        explain_took.as_secs_f64() * 1e3,
        decisions.len(),
        decided.as_secs_f64() * 1e3,
        decided.as_secs_f64() * 1e6 / decisions.len() as f64,
        per_walk.as_secs_f64() * 1e6,
        first_took.as_secs_f64() * 1e3,
    );
}
