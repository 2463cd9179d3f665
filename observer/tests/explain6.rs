//! `bindscope explain` to IPv6 destinations against a real kernel and iproute2: on a small
//! host and on random topologies (several tables, rules on marks, uids, prefixes, protocols
//! and ports, overlapping prefixes, metrics, unreachable/prohibit/blackhole/throw routes,
//! multipath), every answer must agree with `ip -6 route get` on device, gateway, source,
//! table and error, the chosen route of the deciding table must be the kernel's `fibmatch`,
//! and the rule walk must agree with the lookups traced.

use std::net::Ipv6Addr;
use std::process::{Command, Stdio};

use bindscope::explain::{explain6, Device, Explanation6, Request6, Rules};
use bindscope::NetnsSpec;
use bindscope_tests::{privileges, Netns};
use serde_json::Value;

const BINDSCOPE: &str = env!("CARGO_BIN_EXE_bindscope");

/// `ip -n NS -6 [-force] -batch -`: every command of `batch` for IPv6 (rules too).
fn ip6_batch(ns: &Netns, batch: &str, force: bool) {
    use std::io::Write;
    let mut command = Command::new("ip");
    command.args(["-n", ns.name(), "-6"]);
    if force {
        command.arg("-force");
    }
    let mut child = command
        .args(["-batch", "-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ip runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(batch.as_bytes())
        .expect("batch written");
    let output = child.wait_with_output().expect("ip ends");
    assert!(
        force || output.status.success(),
        "ip -6 -batch failed: {}\n{batch}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A host on documentation addresses: eth0 (2001:db8:1::2/64, the default route), eth1
/// (2001:db8:2::2/64), routes of every type, a multipath route, a second table and rules on
/// mark, uid, source, protocol and port.
const HOST: &str = "\
link add eth0 type veth peer name peer0
link add eth1 type veth peer name peer1
link set lo up
link set eth0 up
link set peer0 up
link set eth1 up
link set peer1 up
addr add 2001:db8:1::2/64 dev eth0 nodad
addr add 2001:db8:2::2/64 dev eth1 nodad
route add default via 2001:db8:1::1 dev eth0
route add 2001:db8:9::/48 via 2001:db8:2::1 dev eth1 metric 20
route add 2001:db8:9::/48 via 2001:db8:1::1 dev eth0 metric 30
route add 2001:db8:9:1::/64 nexthop via 2001:db8:1::1 dev eth0 nexthop via 2001:db8:2::1 dev eth1
route add unreachable 2001:db8:a::/48
route add prohibit 2001:db8:b::/48
route add blackhole 2001:db8:c::/48
route add 2001:db8:d::/48 dev eth1 src 2001:db8:2::2
route add 2001:db8:5::/48 via 2001:db8:2::1 dev eth1 expires 600 pref high
route add 2001:db8:6::/48 from 2001:db8:2::/64 via 2001:db8:2::1 dev eth1
route add default via 2001:db8:2::1 dev eth1 table 100
route add 2001:db8:9::/56 dev eth1 table 100 metric 7
route add throw 2001:db8:9:ff::/64 table 100
route add unreachable 2001:db8:e::/48 table 100
rule add pref 100 from 2001:db8:2::/64 lookup 100
rule add pref 200 fwmark 0x1 lookup 100
rule add pref 300 uidrange 1000-1999 lookup 100
rule add pref 400 ipproto tcp dport 443 lookup 100
rule add pref 500 to 2001:db8:f::/48 prohibit
";

/// What `ip -6 route get` answered: (dev, gateway, source, table, error).
type Answer = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn ip_route_get(ns: &Netns, args: &[String]) -> Answer {
    let output = Command::new("ip")
        .args(["-6", "-j", "-n", ns.name(), "route", "get"])
        .args(args)
        .output()
        .expect("ip runs");
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let error = [
            ("Network is unreachable", "ENETUNREACH"),
            ("No route to host", "EHOSTUNREACH"),
            ("Permission denied", "EACCES"),
            ("Invalid argument", "EINVAL"),
        ]
        .iter()
        .find(|(text, _)| stderr.contains(text))
        .map(|(_, name)| (*name).to_owned())
        .unwrap_or_else(|| panic!("ip -6 route get {args:?}: unexpected error {stderr}"));
        return (None, None, None, None, Some(error));
    }
    let json: Value = serde_json::from_slice(&output.stdout).expect("ip -j prints JSON");
    let route = &json[0];
    let text = |key: &str| route[key].as_str().map(str::to_owned);
    (
        text("dev"),
        text("gateway"),
        text("prefsrc"),
        text("table").or(Some("main".into())),
        None,
    )
}

fn ours(explanation: &Explanation6) -> Answer {
    let o = &explanation.case.outcome;
    if o.error.is_some() {
        return (None, None, None, None, o.error.clone());
    }
    (
        o.dev.clone(),
        o.gateway.map(|g| g.to_string()),
        o.src.map(|s| s.to_string()),
        Some(o.table_name.clone().unwrap_or_else(|| "main".into())),
        None,
    )
}

/// `ip -6 -j route get fibmatch`: the matched route's prefix and metric.
fn ip_fibmatch(ns: &Netns, args: &[String]) -> Option<(String, u64)> {
    let output = Command::new("ip")
        .args(["-6", "-j", "-n", ns.name(), "route", "get", "fibmatch"])
        .args(args)
        .output()
        .expect("ip runs");
    if !output.status.success() {
        return None;
    }
    let json: Value = serde_json::from_slice(&output.stdout).expect("ip -j prints JSON");
    let route = &json[0];
    let dst = route["dst"].as_str().expect("a dst");
    let prefix = match dst {
        "default" => "::/0".to_owned(),
        with_len if with_len.contains('/') => with_len.to_owned(),
        host => format!("{host}/128"),
    };
    Some((prefix, route["metric"].as_u64().unwrap_or(0)))
}

#[derive(Debug, Clone)]
struct Query {
    dst: Ipv6Addr,
    dev: Option<String>,
    src: Option<Ipv6Addr>,
    mark: Option<u32>,
    uid: Option<u32>,
    proto: Option<u8>,
    dport: Option<u16>,
    iif: Option<String>,
}

impl Query {
    fn to(dst: &str) -> Query {
        Query {
            dst: dst.parse().expect("an IPv6 address"),
            dev: None,
            src: None,
            mark: None,
            uid: None,
            proto: None,
            dport: None,
            iif: None,
        }
    }

    fn ip_args(&self) -> Vec<String> {
        let mut args = vec![self.dst.to_string()];
        let mut add = |key: &str, value: Option<String>| {
            if let Some(value) = value {
                args.push(key.into());
                args.push(value);
            }
        };
        add("oif", self.dev.clone());
        add("from", self.src.map(|s| s.to_string()));
        add("iif", self.iif.clone());
        add("mark", self.mark.map(|m| m.to_string()));
        add("uid", self.uid.map(|u| u.to_string()));
        add("ipproto", self.proto.map(|p| p.to_string()));
        add("dport", self.dport.map(|p| p.to_string()));
        args
    }

    fn request(&self, ns: &Netns) -> Request6 {
        Request6 {
            dst: self.dst,
            dev: self.dev.clone().map(Device::Name),
            src: self.src,
            mark: self.mark,
            uid: self.uid,
            iif: self.iif.clone().map(Device::Name),
            proto: self.proto,
            sport: None,
            dport: self.dport,
            flowlabel: None,
            netns: Some(NetnsSpec::Path(ns.path())),
        }
    }
}

/// Explains `query`, checks it against `ip -6 route get` and `fibmatch`, and against itself.
fn check(ns: &Netns, query: &Query, seed: Option<u64>) -> Explanation6 {
    let explanation = explain6(&query.request(ns))
        .unwrap_or_else(|e| panic!("explain {query:?} (seed {seed:?}): {e}"));
    let case = &explanation.case;
    let context = || format!("{query:?} (seed {seed:?}): {case:#?}");
    assert_eq!(
        ours(&explanation),
        ip_route_get(ns, &query.ip_args()),
        "bindscope explain and ip -6 route get {} disagree; {}",
        query.ip_args().join(" "),
        context()
    );
    assert!(
        !matches!(case.rules, Rules::Untraced { .. }),
        "untraced: {}",
        context()
    );
    assert_ne!(case.outcome.decided_by, "unknown", "{}", context());
    if let Rules::Walked {
        rules,
        disagreement,
        ..
    } = &case.rules
    {
        assert_eq!(disagreement, &None, "{}", context());
        for table in &case.tables {
            let rule = table.rule.expect("a rule per table");
            assert!(
                rules
                    .iter()
                    .any(|r| r.priority == rule && r.table == Some(table.table)),
                "{}",
                context()
            );
        }
    }
    let chosen = case
        .tables
        .last()
        .and_then(|t| t.candidates.iter().find(|c| c.chosen));
    if let (Some((prefix, metric)), None) = (
        ip_fibmatch(ns, &query.ip_args()),
        case.outcome.error.as_ref(),
    ) {
        let chosen =
            chosen.unwrap_or_else(|| panic!("fibmatch {prefix}, none chosen: {}", context()));
        assert_eq!(
            (chosen.prefix.as_str(), u64::from(chosen.metric)),
            (prefix.as_str(), metric),
            "{}",
            context()
        );
        assert_eq!(
            case.outcome.table,
            case.tables.last().map(|t| t.table),
            "{}",
            context()
        );
    }
    let json = serde_json::to_value(&explanation).expect("serializes");
    assert_eq!(json["family"], "inet6");
    explanation
}

fn host(label: &str) -> Netns {
    let ns = Netns::new(label).expect("namespace");
    ip6_batch(&ns, HOST, false);
    ns
}

#[test]
fn an_ipv6_host_walks_as_ip_route_get_answers() {
    if !privileges::ok_or_skip() {
        return;
    }
    let ns = host("explain6-host");
    ns.set_sysctls(&[("net.ipv6.conf.all.forwarding", "1")])
        .expect("forwarding on");
    let with = |dst: &str, f: &dyn Fn(&mut Query)| {
        let mut query = Query::to(dst);
        f(&mut query);
        query
    };
    let queries = [
        Query::to("2001:db8:9::9"),
        Query::to("2001:db8:9:1::9"),
        Query::to("2001:db8:a::1"),
        Query::to("2001:db8:b::1"),
        Query::to("2001:db8:c::1"),
        Query::to("2001:db8:d::1"),
        Query::to("2001:db8:f::1"),
        Query::to("2001:db8:2::2"),
        Query::to("2001:db8:77::1"),
        Query::to("2001:db8:5::1"),
        with("2001:db8:6::1", &|q| q.src = "2001:db8:1::2".parse().ok()),
        with("2001:db8:6::1", &|q| q.src = "2001:db8:2::2".parse().ok()),
        with("2001:db8:9::9", &|q| q.dev = Some("eth0".into())),
        with("2001:db8:9::9", &|q| q.src = "2001:db8:2::2".parse().ok()),
        with("2001:db8:9:ff::1", &|q| q.mark = Some(1)),
        with("2001:db8:e::1", &|q| q.uid = Some(1500)),
        with("2001:db8:9::9", &|q| {
            q.proto = Some(6);
            q.dport = Some(443)
        }),
        with("fe80::1", &|q| q.dev = Some("eth1".into())),
        with("ff05::2", &|q| q.dev = Some("eth1".into())),
        // Received on eth1 from afar: forwarded, or delivered to an address of this host.
        with("2001:db8:9::9", &|q| {
            q.src = "2001:db8:2::7".parse().ok();
            q.iif = Some("eth1".into())
        }),
        with("2001:db8:1::2", &|q| {
            q.src = "2001:db8:2::7".parse().ok();
            q.iif = Some("eth1".into())
        }),
    ];
    for query in &queries {
        check(&ns, query, None);
    }
    // A route learnt as from a router advertisement: its preference and expiry.
    let walk = check(&ns, &Query::to("2001:db8:5::1"), None);
    let chosen = &walk.case.tables.last().expect("a table").candidates[0];
    assert!(chosen.chosen);
    assert_eq!(chosen.pref.as_deref(), Some("high"));
    assert!(
        chosen.expires.is_some_and(|e| e > 0 && e <= 600),
        "{chosen:?}"
    );
    // Scoped: a link-local destination names its device.
    let walk = check(
        &ns,
        &with("fe80::1", &|q| q.dev = Some("eth1".into())),
        None,
    );
    assert_eq!(walk.dst, "fe80::1%eth1");
    // A bound lookup with no route through the device fails: no on-link fallback.
    ip6_batch(&ns, "route del default via 2001:db8:1::1 dev eth0\n", false);
    let walk = check(
        &ns,
        &with("2001:db8:77::1", &|q| q.dev = Some("eth0".into())),
        None,
    );
    let meaning = walk.case.outcome.meaning.clone().unwrap_or_default();
    assert_eq!(walk.case.outcome.error.as_deref(), Some("ENETUNREACH"));
    assert!(meaning.contains("no on-link fallback"), "{meaning}");
    assert!(meaning.contains("fib6_null_entry"), "{meaning}");
    assert_eq!(walk.case.outcome.decided_by, "null-entry");
    // The losers say why they lost.
    let walk = check(&ns, &Query::to("2001:db8:9::9"), None);
    let main = walk.case.tables.last().expect("a table");
    let why: Vec<&str> = main.candidates.iter().map(|c| c.why.as_str()).collect();
    assert!(
        why.iter().any(|w| w.starts_with("a lower metric won")),
        "{why:?}"
    );
}

#[test]
fn the_cli_takes_an_ipv6_destination() {
    if !privileges::ok_or_skip() {
        return;
    }
    let ns = host("explain6-cli");
    let output = Command::new(BINDSCOPE)
        .args([
            "explain",
            "2001:db8:9::9",
            "--netns",
            ns.name(),
            "--dev",
            "eth0",
        ])
        .output()
        .expect("bindscope runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert!(text.starts_with("Route to 2001:db8:9::9 for a socket bound to eth0"));
    assert!(text.contains("via 2001:db8:1::1 dev eth0 table main src 2001:db8:1::2"));
    assert!(text.contains("The same flow from an unbound socket:"));
    let output = Command::new(BINDSCOPE)
        .args(["explain", "2001:db8:9::9", "--netns", ns.name(), "--json"])
        .output()
        .expect("bindscope runs");
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(json["family"], "inet6");
    assert_eq!(json["case"]["outcome"]["dev"], "eth1");
    // The flow label goes to the kernel (RTA_FLOWLABEL), and the traced lookup carries it.
    let output = Command::new(BINDSCOPE)
        .args(["explain", "2001:db8:9::9", "--netns", ns.name(), "--json"])
        .args(["--flowlabel", "0x12345"])
        .output()
        .expect("bindscope runs");
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(json["case"]["flow"]["flowlabel"], 0x12345);
    let output = Command::new(BINDSCOPE)
        .args(["explain", "192.0.2.1", "--flowlabel", "1"])
        .output()
        .expect("bindscope runs");
    assert!(!output.status.success());
    // Mixed families are one line and a non-zero exit.
    let output = Command::new(BINDSCOPE)
        .args(["explain", "2001:db8:9::9", "--src", "192.0.2.1"])
        .output()
        .expect("bindscope runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("give one family"), "{stderr}");
    // Errors are one line with a non-zero exit: an unknown device, an IPv4 socket option.
    for args in [
        &["--dev", "nosuch0"][..],
        &["--iif", "nosuch0", "--src", "2001:db8:2::7"][..],
        &["--tos", "0x10"][..],
    ] {
        let output = Command::new(BINDSCOPE)
            .args(["explain", "2001:db8:9::9", "--netns", ns.name()])
            .args(args)
            .output()
            .expect("bindscope runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
    }
}

/// splitmix64: reproducible from the seed printed.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const DEVICES: [(&str, &str); 3] = [
    ("a0", "2001:db8:a0::2"),
    ("b0", "2001:db8:b0::2"),
    ("c0", "2001:db8:c0::2"),
];

fn random_topology(random: &mut Random) -> String {
    let mut batch = String::from(
        "link set lo up\n\
         link add a0 type veth peer name a1\n\
         link add b0 type veth peer name b1\n\
         link add c0 type veth peer name c1\n",
    );
    for dev in ["a0", "a1", "b0", "b1", "c0", "c1"] {
        batch.push_str(&format!("link set {dev} up\n"));
    }
    batch.push_str(
        "addr add 2001:db8:a0::1/64 dev a0 nodad\n\
         addr add 2001:db8:b0::1/64 dev b0 nodad\n\
         addr add 2001:db8:c0::1/64 dev c0 nodad\n",
    );
    for table in ["main", "100", "200"] {
        for _ in 0..random.below(6) + 3 {
            let len = *random.pick(&[0u8, 32, 48, 56, 64, 96, 128]);
            let host = u128::from(Ipv6Addr::new(0x2001, 0xdb8, 0x9, 0, 0, 0, 0, 0))
                | u128::from(random.next() as u16) << 64
                | u128::from(random.next() as u8);
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            let prefix = if len == 0 {
                "default".to_owned()
            } else {
                format!("{}/{len}", Ipv6Addr::from(host & mask))
            };
            let metric = random.pick(&[1, 5, 10, 20]);
            let (dev, gateway) = random.pick(&DEVICES);
            // The next hops of a multipath route come last: `ip` takes what follows
            // `nexthop` as the hop's.
            let (route, hops) = match random.below(11) {
                0 => (format!("unreachable {prefix}"), String::new()),
                1 => (format!("prohibit {prefix}"), String::new()),
                2 => (format!("blackhole {prefix}"), String::new()),
                3 if table != "main" => (format!("throw {prefix}"), String::new()),
                4 => (format!("{prefix} dev {dev}"), String::new()),
                5 => (
                    prefix,
                    format!(
                        " nexthop via {} dev {} nexthop via {} dev {}",
                        DEVICES[0].1, DEVICES[0].0, DEVICES[1].1, DEVICES[1].0
                    ),
                ),
                6 => (
                    format!(
                        "{prefix} from {} via {gateway} dev {dev}",
                        random.pick(&["2001:db8:a0::/64", "2001:db8:b0::/64"])
                    ),
                    String::new(),
                ),
                _ => (format!("{prefix} via {gateway} dev {dev}"), String::new()),
            };
            batch.push_str(&format!(
                "route add {route} table {table} metric {metric}{hops}\n"
            ));
        }
    }
    for n in 0..random.below(4) + 2 {
        let mut selector = String::new();
        if random.chance(40) {
            selector.push_str(&format!(" fwmark {}", random.below(3) + 1));
        }
        if random.chance(30) {
            selector.push_str(" uidrange 1000-1999");
        }
        if random.chance(30) {
            selector.push_str(random.pick::<&str>(&[
                " from 2001:db8:a0::/64",
                " from 2001:db8:b0::/64",
                " to 2001:db8:9::/40",
                " to 2001:db8:9:80::/57",
            ]));
        }
        if random.chance(20) {
            selector.push_str(random.pick::<&str>(&[" ipproto udp", " ipproto tcp dport 443"]));
        }
        if random.chance(10) {
            selector = format!(" not{selector}");
        }
        let action = match random.below(12) {
            0 => "unreachable".to_owned(),
            1 => "prohibit".to_owned(),
            2 => "blackhole".to_owned(),
            _ => format!("lookup {}", random.pick(&["100", "200"])),
        };
        batch.push_str(&format!(
            "rule add pref {} {}{selector} {action}\n",
            1000 + 100 * n,
            if selector.is_empty() { "from all" } else { "" }
        ));
    }
    batch
}

fn random_query(random: &mut Random) -> Query {
    let dst = Ipv6Addr::from(
        u128::from(Ipv6Addr::new(0x2001, 0xdb8, 0x9, 0, 0, 0, 0, 0))
            | u128::from(random.next() as u16) << 64
            | u128::from(random.next() as u8),
    );
    let proto = random.chance(30).then(|| *random.pick(&[6u8, 17]));
    Query {
        dst,
        dev: random
            .chance(30)
            .then(|| (*random.pick(&["a0", "b0", "c0"])).to_owned()),
        src: random.chance(30).then(|| {
            random
                .pick(&["2001:db8:a0::1", "2001:db8:b0::1"])
                .parse()
                .unwrap()
        }),
        mark: random.chance(40).then(|| random.below(3) as u32 + 1),
        uid: random.chance(40).then(|| *random.pick(&[0, 1500, 65534])),
        proto,
        dport: proto
            .filter(|_| random.chance(50))
            .map(|_| *random.pick(&[53, 443])),
        iif: None,
    }
}

#[test]
fn random_ipv6_topologies_agree_with_ip_route_get() {
    if !privileges::ok_or_skip() {
        return;
    }
    let seed = std::env::var("BINDSCOPE_EXPLAIN_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    // Printed so a failure can be replayed: BINDSCOPE_EXPLAIN_SEED=<seed>.
    println!("explain6 random topologies: seed {seed}");
    let mut random = Random(seed);
    for round in 0..3 {
        let ns = Netns::new(&format!("explain6-random{round}")).expect("namespace");
        let batch = random_topology(&mut random);
        ip6_batch(&ns, &batch, true);
        let rules = ns.ip(["-6", "rule", "show"]).expect("ip -6 rule show");
        assert!(
            rules.lines().count() > 3,
            "seed {seed}: rules\n{rules}\nfrom\n{batch}"
        );
        for _ in 0..15 {
            let query = random_query(&mut random);
            check(&ns, &query, Some(seed));
        }
    }
}
