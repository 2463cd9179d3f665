//! `bindscope routes` against a real kernel: a namespace laid out as the SO_BINDTODEVICE
//! note's host (two subnets, two default routes of different metrics), with a /26 through a
//! gateway, a host route, unreachable/prohibit/blackhole routes, a second table and rules,
//! must show what route(8), `ip route show` and `ip rule show` show there; `--watch` must
//! report a change made after it started; and every error is one line with a non-zero exit.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bindscope::NetnsSpec;
use bindscope_tests::{privileges, Netns};
use serde_json::Value;

const BINDSCOPE: &str = env!("CARGO_BIN_EXE_bindscope");

/// The seed note's host on documentation addresses: eth0 on 192.0.2.0/26 and eth1 on
/// 192.0.2.192/26 (the note's 171.64.69.0/26 and .192/26), a default route out of each
/// (metric 0 and 1), and routes of every kind route(8) flags differently.
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
route add default via 192.0.2.193 dev eth1 metric 1
route add 198.51.100.0/26 via 192.0.2.1 dev eth0 metric 20
route add 203.0.113.7 dev eth1
route add unreachable 203.0.113.0/25
route add prohibit 198.51.100.128/25 metric 5
route add blackhole 203.0.113.200
route add unreachable 192.0.2.100
route add default via 192.0.2.193 dev eth1 table 100
route add 198.51.100.64/26 dev eth1 table 100 metric 7
route add unreachable 198.51.100.192/26 table 100
rule add pref 100 from 192.0.2.192/26 lookup 100
rule add pref 200 fwmark 0x1 lookup 100
";

fn topology(label: &str) -> Netns {
    let ns = Netns::new(label).expect("namespace");
    ns.ip_batch(TOPOLOGY).expect("topology built");
    ns
}

fn bindscope(args: &[&str]) -> Output {
    Command::new(BINDSCOPE)
        .args(args)
        .output()
        .expect("bindscope runs")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}

/// A route as both sides can state it: (table, type, prefix, gateway, device, metric).
type Key = (String, String, String, String, String, u32);

/// The routes `ip -4 route show table TABLE` lists, as keys (ip-route(8): an optional type
/// word, the prefix or `default`, then `via`, `dev`, `table`, `metric`, ... pairs; `table`
/// is left out for `main`, and for the one table asked for).
fn ip_routes(ns: &Netns, table: &str) -> Vec<Key> {
    const TYPES: [&str; 9] = [
        "local",
        "broadcast",
        "anycast",
        "multicast",
        "blackhole",
        "unreachable",
        "prohibit",
        "throw",
        "nat",
    ];
    let default_table = if table == "all" { "main" } else { table };
    let text = ns
        .ip(["-4", "route", "show", "table", table])
        .expect("ip route show");
    let mut keys: Vec<Key> = text
        .lines()
        .map(|line| {
            let mut words: Vec<&str> = line.split_whitespace().collect();
            let kind = if TYPES.contains(&words[0]) {
                words.remove(0)
            } else {
                "unicast"
            };
            let prefix = match words[0] {
                "default" => "0.0.0.0/0".to_owned(),
                p if p.contains('/') => p.to_owned(),
                p => format!("{p}/32"),
            };
            let value = |key: &str| {
                words
                    .windows(2)
                    .find(|w| w[0] == key)
                    .map(|w| w[1].to_owned())
            };
            (
                value("table").unwrap_or_else(|| default_table.to_owned()),
                kind.to_owned(),
                prefix,
                value("via").unwrap_or_default(),
                value("dev").unwrap_or_default(),
                value("metric").map_or(0, |m| m.parse().expect("a metric")),
            )
        })
        .collect();
    keys.sort();
    keys
}

/// The routes `bindscope routes --json --table TABLE` lists, as keys.
fn our_routes(ns: &Netns, table: &str) -> Vec<Key> {
    let out = stdout(&bindscope(&[
        "routes",
        "--json",
        "--netns",
        ns.name(),
        "--table",
        table,
    ]));
    let document: Value = serde_json::from_str(&out).expect("one JSON document");
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let mut keys: Vec<Key> = document["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .flat_map(|t| t["routes"].as_array().expect("routes").clone())
        .map(|r| {
            (
                text(&r["table_name"]),
                text(&r["type"]),
                format!("{}/{}", text(&r["destination"]), r["prefix_len"]),
                text(&r["gateway"]),
                text(&r["iface"]),
                r["metric"].as_u64().expect("metric") as u32,
            )
        })
        .collect();
    keys.sort();
    keys
}

#[test]
fn every_table_lists_the_routes_ip_route_shows() {
    if !privileges::ok_or_skip() {
        return;
    }
    let ns = topology("routes-tables");
    for table in ["main", "100", "local", "all"] {
        let theirs = ip_routes(&ns, table);
        assert!(!theirs.is_empty(), "table {table} has routes");
        assert_eq!(our_routes(&ns, table), theirs, "table {table}");
    }
    // The titles name each table when several are shown.
    let all = stdout(&bindscope(&[
        "routes",
        "--netns",
        ns.name(),
        "--table",
        "all",
    ]));
    for title in ["table main", "table local", "table 100"] {
        assert!(
            all.contains(&format!("Kernel IP routing table: {title}\n")),
            "{all}"
        );
    }
}

/// The main table, as text, is exactly what route(8) prints with `-n` (net-tools, reading
/// /proc/net/route): the columns, the flags `U`, `G`, `H` and `!`, and `-`/`*` for routes
/// without a device.
#[test]
fn the_main_table_prints_as_route_n_prints_it() {
    if !privileges::ok_or_skip() {
        return;
    }
    let ns = topology("routes-route8");
    let route = Command::new("ip")
        .args(["netns", "exec", ns.name(), "route", "-n"])
        .output()
        .expect("ip netns exec runs");
    assert!(
        route.status.success(),
        "route(8) from net-tools runs (cargo xtask setup installs it): {}",
        String::from_utf8_lossy(&route.stderr)
    );
    let theirs = String::from_utf8(route.stdout).expect("UTF-8");
    let ours = stdout(&bindscope(&["routes", "--netns", ns.name()]));
    assert_eq!(ours, theirs);
    for flags in ["UG", "U", "UH", "!", "!H"] {
        assert!(
            ours.contains(&format!(" {flags:<5} ")),
            "{flags:?} in {ours}"
        );
    }
}

#[test]
fn rules_print_as_ip_rule_show() {
    if !privileges::ok_or_skip() {
        return;
    }
    let ns = topology("routes-rules");
    let theirs: Vec<String> = ns
        .ip(["rule", "show"])
        .expect("ip rule show")
        .lines()
        .map(|line| line.replacen(":\t", ": ", 1))
        .collect();
    let out = stdout(&bindscope(&[
        "routes",
        "--json",
        "--rules",
        "--netns",
        ns.name(),
    ]));
    let document: Value = serde_json::from_str(&out).expect("JSON");
    let ours: Vec<String> = document["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["text"].as_str().expect("text").to_owned())
        .collect();
    assert_eq!(ours, theirs);
    let text = stdout(&bindscope(&["routes", "--rules", "--netns", ns.name()]));
    let listed: Vec<&str> = text
        .split("Policy rules\n")
        .nth(1)
        .expect("a rule section")
        .lines()
        .collect();
    assert_eq!(listed, theirs);
}

/// Reads lines of `child`'s stdout on a thread, so that a test can wait with a deadline.
fn lines_of(child: &mut std::process::Child) -> mpsc::Receiver<String> {
    let (send, receive) = mpsc::channel();
    let out = child.stdout.take().expect("piped stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                return;
            }
        }
    });
    receive
}

/// The first line `lines` gives within 10 s that `wanted` accepts.
fn wait_for(lines: &mpsc::Receiver<String>, wanted: impl Fn(&Value) -> bool) -> Option<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let line = lines.recv_timeout(left).ok()?;
        let value: Value = serde_json::from_str(&line).expect("every line is JSON");
        if wanted(&value) {
            return Some(value);
        }
    }
    None
}

#[test]
fn watch_reports_a_route_rule_and_address_added_after_it_started() {
    if !privileges::ok_or_skip() {
        return;
    }
    let ns = topology("routes-watch");
    let mut child = Command::new(BINDSCOPE)
        .args(["routes", "--watch", "--json", "--netns", ns.name()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bindscope starts");
    let lines = lines_of(&mut child);
    // The snapshot comes first; the subscription was made before it was dumped.
    let snapshot = wait_for(&lines, |_| true).expect("the snapshot");
    assert!(snapshot["tables"].is_array(), "{snapshot}");
    ns.ip([
        "route",
        "add",
        "203.0.113.128/26",
        "via",
        "192.0.2.1",
        "metric",
        "3",
    ])
    .expect("route added");
    let added = wait_for(&lines, |v| v["kind"] == "route");
    ns.ip([
        "rule",
        "add",
        "pref",
        "300",
        "to",
        "198.51.100.0/24",
        "lookup",
        "100",
    ])
    .expect("rule added");
    let rule = wait_for(&lines, |v| v["kind"] == "rule");
    ns.ip(["addr", "add", "198.51.100.9/32", "dev", "eth1"])
        .expect("address added");
    let address = wait_for(&lines, |v| v["kind"] == "address");
    ns.ip(["route", "del", "203.0.113.128/26"])
        .expect("route deleted");
    let deleted = wait_for(&lines, |v| v["kind"] == "route" && v["change"] == "deleted");
    child.kill().expect("bindscope stopped");
    let _ = child.wait();
    let added = added.expect("the route addition was reported");
    assert_eq!(added["change"], "added");
    assert_eq!(added["route"]["destination"], "203.0.113.128");
    assert_eq!(added["route"]["prefix_len"], 26);
    assert_eq!(added["route"]["gateway"], "192.0.2.1");
    assert_eq!(added["route"]["iface"], "eth0");
    assert_eq!(added["route"]["metric"], 3);
    assert_eq!(added["route"]["flags"], "UG");
    let rule = rule.expect("the rule addition was reported");
    assert_eq!(
        rule["rule"]["text"],
        "300: from all to 198.51.100.0/24 lookup 100"
    );
    let address = address.expect("the address addition was reported");
    assert_eq!(address["change"], "added");
    assert_eq!(address["address"]["local"], "198.51.100.9");
    assert_eq!(address["address"]["iface"], "eth1");
    let deleted = deleted.expect("the route deletion was reported");
    assert_eq!(deleted["route"]["destination"], "203.0.113.128");
}

/// The IPv6 side of the seed note's host (eth0 on 2001:db8:1::/64, eth1 on 2001:db8:2::/64, a
/// default route out of each), with a route of every kind route(8) flags differently: through
/// a gateway, a host route, `unreachable`, `prohibit`, `blackhole` and `throw` (all `!n` on
/// `lo`), a router preference, an expiry (`e`), a multipath route (a row per next hop), a
/// source-specific route, a local route added by hand (`U`, where the kernel's own are `Un`),
/// an address with a lifetime (its prefix route expires), and a second table.
const TOPOLOGY6: &str = "\
link add eth0 type veth peer name peer0
link add eth1 type veth peer name peer1
link set lo up
link set eth0 up
link set peer0 up
link set eth1 up
link set peer1 up
addr add 2001:db8:1::2/64 dev eth0 nodad
addr add 2001:db8:2::2/64 dev eth1 nodad
addr add 2001:db8:9::1/64 dev eth0 nodad valid_lft 300 preferred_lft 300
route add default via 2001:db8:1::1 dev eth0
route add default via 2001:db8:2::1 dev eth1 metric 1
route add 2001:db8:100::/48 via 2001:db8:1::1 dev eth0 metric 20
route add 2001:db8:7::7 dev eth1
route add unreachable 2001:db8:dead::/48
route add prohibit 2001:db8:beef::/48 metric 5
route add blackhole 2001:db8:b1::/48
route add throw 2001:db8:70::/48
route add 2001:db8:400::/48 dev eth1 pref high
route add 2001:db8:500::/48 via 2001:db8:1::1 dev eth0 expires 300
route add 2001:db8:800::/48 nexthop via 2001:db8:1::a dev eth0 nexthop via 2001:db8:2::b dev eth1
route add 2001:db8:810::/48 from 2001:db8:1::/64 via 2001:db8:1::1 dev eth0
route add local 2001:db8:5::5 dev lo
route add 2001:db8:200::/48 via 2001:db8:2::1 dev eth1 table 100
route add unreachable 2001:db8:300::/48 table 100
";

fn topology6(label: &str) -> Netns {
    let ns = Netns::new(label).expect("namespace");
    ns.ip_batch(TOPOLOGY6).expect("topology built");
    for rule in [
        "pref 100 from 2001:db8:2::/64 lookup 100",
        "pref 200 fwmark 0x1 lookup 100",
    ] {
        let mut args = vec!["-6", "rule", "add"];
        args.extend(rule.split(' '));
        ns.ip(args).expect("rule added");
    }
    ns
}

/// `route -A inet6 -n` in `ns` (net-tools, reading /proc/net/ipv6_route there).
fn route8_inet6(ns: &Netns) -> String {
    let route = Command::new("ip")
        .args(["netns", "exec", ns.name(), "route", "-A", "inet6", "-n"])
        .output()
        .expect("ip netns exec runs");
    assert!(
        route.status.success(),
        "route(8) from net-tools runs (cargo xtask setup installs it): {}",
        String::from_utf8_lossy(&route.stderr)
    );
    String::from_utf8(route.stdout).expect("UTF-8")
}

/// `routes -6` is, byte for byte, what `route -A inet6 -n` prints: every table in the
/// kernel's order (table 100, main, local), the null route `::/0 !n -1` at the end of each
/// table without a default route, local and multicast (`ff00::/8`) routes, `!n` rows on `lo`,
/// `Ref` as /proc/net/ipv6_route gives it. The kernel's reference counts move while the
/// namespace settles (neighbour discovery, MLD): the comparison is made when route(8) printed
/// the same before and after bindscope.
#[test]
fn ipv6_prints_as_route_a_inet6_n_prints_it() {
    if !privileges::ok_or_skip() {
        return;
    }
    let ns = topology6("routes6-route8");
    for args in [
        &["routes", "-6", "--netns", ns.name()][..],
        &[
            "routes",
            "--family",
            "inet6",
            "--table",
            "all",
            "--netns",
            ns.name(),
        ][..],
    ] {
        let mut compared = None;
        for _ in 0..20 {
            let before = route8_inet6(&ns);
            let ours = stdout(&bindscope(args));
            if route8_inet6(&ns) == before {
                compared = Some((ours, before));
                break;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        let (ours, theirs) = compared.expect("route(8) printed the same twice in a row");
        assert_eq!(ours, theirs, "{args:?}");
        for row in [
            "::/0                           ::                         !n   -1  ",
            "2001:db8:dead::/48             ::                         !n   1024 ",
            "2001:db8:500::/48              2001:db8:1::1              UGe  1024 ",
            "2001:db8:9::/64                ::                         Ue   256 ",
            "2001:db8:2::2/128              ::                         Un   0   ",
            "2001:db8:5::5/128              ::                         U    1024 ",
            "2001:db8:800::/48              2001:db8:2::b              UG   1024 ",
            "ff00::/8                       ::                         U    256 ",
        ] {
            assert!(ours.contains(row), "{row:?} in {ours}");
        }
        assert!(
            ours.contains(" lo\n2001:db8:1::/64 "),
            "table 100's null route: {ours}"
        );
    }
    // One table: its rows alone, in the same layout (main has default routes: no null route).
    let main = stdout(&bindscope(&[
        "routes",
        "-6",
        "--table",
        "main",
        "--netns",
        ns.name(),
    ]));
    assert!(
        main.starts_with("Kernel IPv6 routing table\nDestination "),
        "{main}"
    );
    assert!(
        !main.contains("2001:db8:200::/48") && !main.contains("Un "),
        "{main}"
    );
    assert!(
        !main.contains("::/0                           ::  "),
        "{main}"
    );
    // IPv4 still shows route(8)'s IPv4 table, with -4 as without.
    assert_eq!(
        stdout(&bindscope(&["routes", "-4", "--netns", ns.name()])),
        stdout(&bindscope(&["routes", "--netns", ns.name()]))
    );
}

/// An IPv6 route as both sides can state it: (table, type, prefix, source prefix, gateways,
/// devices, metric, protocol, preference).
type Key6 = (
    String,
    String,
    String,
    String,
    String,
    String,
    u32,
    String,
    String,
);

/// The routes `ip -6 route show table TABLE` lists, as keys, and each one's expiry in seconds
/// (a multipath route's next hops come on lines of their own, `\tnexthop via ... dev ...`).
fn ip6_routes(ns: &Netns, table: &str) -> Vec<(Key6, Option<i64>)> {
    const TYPES: [&str; 8] = [
        "local",
        "anycast",
        "multicast",
        "blackhole",
        "unreachable",
        "prohibit",
        "throw",
        "nat",
    ];
    let default_table = if table == "all" { "main" } else { table };
    let text = ns
        .ip(["-6", "route", "show", "table", table])
        .expect("ip -6 route show");
    let mut routes: Vec<String> = Vec::new();
    for line in text.lines() {
        match (line.strip_prefix('\t'), routes.last_mut()) {
            (Some(hop), Some(route)) => {
                route.push(' ');
                route.push_str(hop);
            }
            _ => routes.push(line.to_owned()),
        }
    }
    let mut keys: Vec<(Key6, Option<i64>)> = routes
        .iter()
        .map(|line| {
            let mut words: Vec<&str> = line.split_whitespace().collect();
            let kind = if TYPES.contains(&words[0]) {
                words.remove(0)
            } else {
                "unicast"
            };
            let prefix = match words[0] {
                "default" => "::/0".to_owned(),
                p if p.contains('/') => p.to_owned(),
                p => format!("{p}/128"),
            };
            let value = |key: &str| {
                words
                    .windows(2)
                    .find(|w| w[0] == key)
                    .map(|w| w[1].to_owned())
            };
            let all = |key: &str| {
                words
                    .windows(2)
                    .filter(|w| w[0] == key)
                    .map(|w| w[1])
                    .collect::<Vec<_>>()
                    .join(",")
            };
            let key = (
                value("table").unwrap_or_else(|| default_table.to_owned()),
                kind.to_owned(),
                prefix,
                value("from").unwrap_or_default(),
                all("via"),
                all("dev"),
                value("metric").map_or(0, |m| m.parse().expect("a metric")),
                value("proto").unwrap_or_else(|| "boot".to_owned()),
                value("pref").unwrap_or_default(),
            );
            let expires = value("expires")
                .map(|e| e.trim_end_matches("sec").parse::<i64>().expect("seconds"));
            (key, expires)
        })
        .collect();
    keys.sort();
    keys
}

/// The routes `bindscope routes -6 --json --table TABLE` lists, as keys.
fn our_routes6(ns: &Netns, table: &str) -> Vec<(Key6, Option<i64>)> {
    let out = stdout(&bindscope(&[
        "routes",
        "-6",
        "--json",
        "--netns",
        ns.name(),
        "--table",
        table,
    ]));
    let document: Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(document["family"], "inet6");
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let mut keys: Vec<(Key6, Option<i64>)> = document["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .flat_map(|t| t["routes"].as_array().expect("routes").clone())
        .map(|r| {
            assert_eq!(r["family"], "inet6");
            assert_eq!(r["scope"], "global", "{r}");
            let hops: Vec<Value> = match r["nexthops"].as_array() {
                Some(hops) => hops.clone(),
                None => vec![r.clone()],
            };
            let joined = |field: &str| {
                hops.iter()
                    .map(|h| text(&h[field]))
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            let key = (
                text(&r["table_name"]),
                text(&r["type"]),
                format!("{}/{}", text(&r["destination"]), r["prefix_len"]),
                text(&r["from"]),
                joined("gateway"),
                joined("iface"),
                r["metric"].as_u64().expect("metric") as u32,
                text(&r["protocol"]),
                text(&r["pref"]),
            );
            (key, r["expires"].as_i64())
        })
        .collect();
    keys.sort();
    keys
}

#[test]
fn ipv6_tables_list_the_routes_ip_6_route_shows() {
    if !privileges::ok_or_skip() {
        return;
    }
    let ns = topology6("routes6-tables");
    let keys =
        |routes: &[(Key6, Option<i64>)]| routes.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    for table in ["main", "100", "local", "all"] {
        // The veths' link-local addresses get their local routes when duplicate address
        // detection ends: compare when ip listed the same before and after bindscope.
        let mut compared = None;
        for _ in 0..20 {
            let before = ip6_routes(&ns, table);
            let ours = our_routes6(&ns, table);
            if keys(&ip6_routes(&ns, table)) == keys(&before) {
                compared = Some((ours, before));
                break;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        let (ours, theirs) = compared.expect("ip listed the same twice in a row");
        assert!(!theirs.is_empty(), "table {table} has routes");
        assert_eq!(keys(&ours), keys(&theirs), "table {table}");
        // The expiries, a second or two apart (ip ran before bindscope).
        for ((key, ours), (_, theirs)) in ours.iter().zip(&theirs) {
            match (ours, theirs) {
                (Some(ours), Some(theirs)) => {
                    assert!(
                        (theirs - 3..=*theirs).contains(ours),
                        "{key:?}: {ours} vs {theirs}"
                    )
                }
                (ours, theirs) => assert_eq!(ours, theirs, "{key:?}"),
            }
        }
    }
    let all = our_routes6(&ns, "all");
    let expiring = all
        .iter()
        .find(|(k, _)| k.2 == "2001:db8:500::/48")
        .expect("the route with an expiry");
    assert!(matches!(expiring.1, Some(290..=300)), "{expiring:?}");
    assert!(all
        .iter()
        .any(|(k, _)| k.1 == "multicast" && k.2 == "ff00::/8"));
    assert!(all
        .iter()
        .any(|(k, _)| k.2 == "2001:db8:400::/48" && k.8 == "high"));
}

#[test]
fn ipv6_rules_print_as_ip_6_rule_show() {
    if !privileges::ok_or_skip() {
        return;
    }
    let ns = topology6("routes6-rules");
    let theirs: Vec<String> = ns
        .ip(["-6", "rule", "show"])
        .expect("ip -6 rule show")
        .lines()
        .map(|line| line.replacen(":\t", ": ", 1))
        .collect();
    assert!(theirs.contains(&"100: from 2001:db8:2::/64 lookup 100".to_owned()));
    let out = stdout(&bindscope(&[
        "routes",
        "-6",
        "--json",
        "--rules",
        "--netns",
        ns.name(),
    ]));
    let document: Value = serde_json::from_str(&out).expect("JSON");
    let ours: Vec<String> = document["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| {
            assert_eq!(r["family"], "inet6");
            r["text"].as_str().expect("text").to_owned()
        })
        .collect();
    assert_eq!(ours, theirs);
    let text = stdout(&bindscope(&[
        "routes",
        "-6",
        "--rules",
        "--netns",
        ns.name(),
    ]));
    let listed: Vec<&str> = text
        .split("Policy rules\n")
        .nth(1)
        .expect("a rule section")
        .lines()
        .collect();
    assert_eq!(listed, theirs);
}

#[test]
fn ipv6_watch_reports_a_route_rule_and_address_changed_after_it_started() {
    if !privileges::ok_or_skip() {
        return;
    }
    let ns = topology6("routes6-watch");
    let mut child = Command::new(BINDSCOPE)
        .args(["routes", "-6", "--watch", "--json", "--netns", ns.name()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bindscope starts");
    let lines = lines_of(&mut child);
    let snapshot = wait_for(&lines, |_| true).expect("the snapshot");
    assert_eq!(snapshot["family"], "inet6", "{snapshot}");
    // An IPv4 change is not in an IPv6 stream: the route added next comes first.
    ns.ip(["route", "add", "203.0.113.0/24", "dev", "eth0"])
        .expect("IPv4 route added");
    ns.ip([
        "-6",
        "route",
        "add",
        "2001:db8:600::/48",
        "via",
        "2001:db8:1::1",
        "metric",
        "3",
        "pref",
        "low",
    ])
    .expect("route added");
    // Other changes come too (the veths' link-local addresses and their routes, when
    // duplicate address detection ends): each change is waited for by what it is.
    let ipv4_seen = std::cell::Cell::new(false);
    let route_of = |v: &Value, destination: &str| {
        ipv4_seen.set(ipv4_seen.get() || v["route"]["family"] == "inet");
        v["kind"] == "route" && v["route"]["destination"] == destination
    };
    let added = wait_for(&lines, |v| route_of(v, "2001:db8:600::"));
    ns.ip([
        "-6",
        "rule",
        "add",
        "pref",
        "300",
        "to",
        "2001:db8:600::/48",
        "lookup",
        "100",
    ])
    .expect("rule added");
    let rule = wait_for(&lines, |v| v["kind"] == "rule");
    ns.ip([
        "-6",
        "addr",
        "add",
        "2001:db8:3::9/64",
        "dev",
        "eth1",
        "nodad",
    ])
    .expect("address added");
    let address = wait_for(&lines, |v| {
        v["kind"] == "address" && v["address"]["local"] == "2001:db8:3::9"
    });
    ns.ip(["-6", "route", "del", "2001:db8:600::/48"])
        .expect("route deleted");
    let deleted = wait_for(&lines, |v| {
        route_of(v, "2001:db8:600::") && v["change"] == "deleted"
    });
    child.kill().expect("bindscope stopped");
    let _ = child.wait();
    assert!(!ipv4_seen.get(), "an IPv4 route change in the IPv6 stream");
    let added = added.expect("the route addition was reported");
    assert_eq!(added["change"], "added");
    assert_eq!(added["route"]["family"], "inet6");
    assert_eq!(added["route"]["destination"], "2001:db8:600::");
    assert_eq!(added["route"]["prefix_len"], 48);
    assert_eq!(added["route"]["gateway"], "2001:db8:1::1");
    assert_eq!(added["route"]["iface"], "eth0");
    assert_eq!(added["route"]["metric"], 3);
    assert_eq!(added["route"]["pref"], "low");
    assert_eq!(added["route"]["flags"], "UG");
    let rule = rule.expect("the rule addition was reported");
    assert_eq!(
        rule["rule"]["text"],
        "300: from all to 2001:db8:600::/48 lookup 100"
    );
    let address = address.expect("the address addition was reported");
    assert_eq!(address["change"], "added");
    assert_eq!(address["address"]["local"], "2001:db8:3::9");
    assert_eq!(address["address"]["prefix_len"], 64);
    assert_eq!(address["address"]["iface"], "eth1");
    let deleted = deleted.expect("the route deletion was reported");
    assert_eq!(deleted["route"]["destination"], "2001:db8:600::");

    // The same stream as text: one line per change, in `ip -6 route`'s words.
    let mut child = Command::new(BINDSCOPE)
        .args(["routes", "-6", "--watch", "--netns", ns.name()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bindscope starts");
    let (send, text_lines) = mpsc::channel();
    let out = child.stdout.take().expect("piped stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                return;
            }
        }
    });
    // bindscope subscribes before it dumps: once the title is out, a change is a change.
    let deadline = Instant::now() + Duration::from_secs(10);
    let title = text_lines.recv_timeout(Duration::from_secs(10));
    if title.as_deref() != Ok("Kernel IPv6 routing table") {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the table's title first, not {title:?}");
    }
    let mut seen = Vec::new();
    ns.ip([
        "-6",
        "route",
        "add",
        "2001:db8:700::/48",
        "dev",
        "eth1",
        "metric",
        "7",
    ])
    .expect("route added");
    let wanted = "route added 2001:db8:700::/48 dev eth1 table main metric 7 pref medium";
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match text_lines.recv_timeout(left) {
            Ok(line) if line == wanted => break,
            Ok(line) => seen.push(line),
            Err(e) => {
                let _ = child.kill();
                let output = child.wait_with_output().expect("bindscope's stderr");
                panic!(
                    "{wanted:?} not among {seen:#?} ({e}); stderr: {}",
                    String::from_utf8_lossy(&output.stderr)
                )
            }
        }
    }
    child.kill().expect("bindscope stopped");
    let _ = child.wait();
}

/// `--netns` takes a name, a path, a pid (of a process in the namespace) or an inode, and
/// each shows the same namespace; `trace` parses it the same way.
#[test]
fn netns_by_name_path_pid_and_inode_are_the_same_namespace() {
    if !privileges::ok_or_skip() {
        return;
    }
    let ns = topology("routes-netns");
    let by_name = stdout(&bindscope(&["routes", "--netns", ns.name()]));
    assert!(by_name.contains("192.0.2.193"), "{by_name}");
    let path = ns.path();
    assert_eq!(
        ns.name().parse::<NetnsSpec>().expect("a name"),
        NetnsSpec::Path(path.clone())
    );
    let mut sleeper = Command::new("ip")
        .args(["netns", "exec", ns.name(), "sleep", "30"])
        .spawn()
        .expect("a process in the namespace");
    let pid = sleeper.id();
    let inode = ns.inode().expect("inode");
    // `ip netns exec` enters the namespace before it executes sleep, in the same process.
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::metadata(format!("/proc/{pid}/ns/net"))
        .map(|m| std::os::unix::fs::MetadataExt::ino(&m))
        .ok()
        != Some(inode)
    {
        assert!(
            Instant::now() < deadline,
            "ip netns exec entered the namespace"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    for spec in [
        path.display().to_string(),
        pid.to_string(),
        inode.to_string(),
    ] {
        let out = stdout(&bindscope(&["routes", "--netns", &spec]));
        assert_eq!(out, by_name, "--netns {spec}");
    }
    sleeper.kill().expect("sleep stopped");
    let _ = sleeper.wait();
}

/// One line on stderr, exit status 1, containing `expected`.
fn assert_one_line_error(output: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.starts_with("bindscope: error: ") && stderr.contains(expected),
        "{expected:?} in {stderr}"
    );
    assert!(output.stdout.is_empty(), "nothing on stdout");
}

#[test]
fn an_unknown_namespace_is_one_line() {
    assert_one_line_error(
        &bindscope(&["routes", "--netns", "bs-no-such-namespace"]),
        "no network namespace named \"bs-no-such-namespace\" in /run/netns",
    );
    assert_one_line_error(
        &bindscope(&["routes", "--netns", "/no/such/namespace"]),
        "no such file",
    );
}

#[test]
fn an_unknown_table_is_one_line() {
    assert_one_line_error(
        &bindscope(&["routes", "--table", "no-such-table"]),
        "unknown table \"no-such-table\"",
    );
}

#[test]
fn entering_a_namespace_without_privileges_names_the_capability() {
    if !privileges::ok_or_skip() {
        return;
    }
    let ns = topology("routes-unpriv");
    let output = privileges::as_nobody(BINDSCOPE)
        .args(["routes", "--netns", ns.name()])
        .output()
        .expect("setpriv (util-linux) runs");
    assert_one_line_error(&output, "needs CAP_SYS_ADMIN");
}
