//! The policy room against a real kernel: rules added with `ip rule add` in a namespace of
//! their own, read back through rtnetlink, must print exactly as `ip rule show` prints them
//! (iproute2 ip/iprule.c `print_rule`), and stay current through RTNLGRP_IPV4_RULE
//! notifications.

use std::time::Duration;

use bindscope::policy::{FlowKeys, Method, Policy, MISS};
use bindscope::sys::clock::monotonic_ns;
use bindscope_tests::netns::HostVeth;
use bindscope_tests::{privileges, Netns};

/// One rule of each kind `ip rule` can add, on documentation addresses (ip-rule(8)).
const RULES: &str = "\
rule add pref 100 to 203.0.113.0/24 prohibit
rule add pref 110 from 198.51.100.0/24 unreachable
rule add pref 120 from 192.0.2.7 blackhole
rule add pref 200 uidrange 1000-1000 table 100
rule add pref 300 iif lo table 101
rule add pref 310 oif eth9 table 102
rule add pref 400 fwmark 0x10/0xff tos 0x10 table 103
rule add pref 500 ipproto udp sport 1000-2000 dport 53 table 104
rule add pref 550 from 198.51.100.0/24 goto 600
rule add pref 600 nop
rule add pref 700 goto 5000
rule add pref 800 protocol static table 105
rule add pref 900 table main suppress_ifgroup 5
rule add pref 910 realms 1/2 table 106
rule add pref 1000 l3mdev
rule add pref 1100 from 192.0.2.0/24 to 198.51.100.0/24 table 107
rule add pref 32764 table main suppress_prefixlength 0
rule add pref 32765 not fwmark 0xca6c table 51820
";

/// `ip rule show` in `ns`, with the tab after each priority made one space.
fn ip_rule_show(ns: &Netns) -> Vec<String> {
    ns.ip(["rule", "show"])
        .expect("ip rule show")
        .lines()
        .map(|line| line.replacen(":\t", ": ", 1))
        .collect()
}

/// A locally generated UDP flow from 192.0.2.2 to 198.51.100.7, out of `oif` (0: any).
fn flow(oif: i32) -> FlowKeys {
    FlowKeys {
        iif: 1,
        oif,
        mark: 0,
        uid: 0,
        tos: 0,
        proto: libc::IPPROTO_UDP as u8,
        sport: 40000,
        dport: 53,
        src: "192.0.2.2".parse().unwrap(),
        dst: "198.51.100.7".parse().unwrap(),
        l3mdev: Some(0),
    }
}

fn inode(ns: &Netns) -> u32 {
    ns.inode().expect("namespace inode") as u32
}

#[test]
fn dumped_rules_print_as_ip_rule_show() {
    if !privileges::ok_or_skip() {
        return;
    }
    let ns = Netns::new("policy-show").expect("namespace");
    ns.ip_batch(RULES).expect("rules added");
    let mut policy = Policy::new();
    let ours: Vec<String> = policy
        .rules(inode(&ns))
        .expect("rules dumped")
        .iter()
        .map(ToString::to_string)
        .collect();
    let theirs = ip_rule_show(&ns);
    assert_eq!(ours.len(), RULES.lines().count() + 3, "{ours:#?}");
    for (ours, theirs) in ours.iter().zip(&theirs) {
        assert_eq!(ours, theirs);
    }
    assert_eq!(ours.len(), theirs.len());
}

#[test]
fn a_rule_added_after_the_dump_is_seen_through_notifications() {
    if !privileges::ok_or_skip() {
        return;
    }
    let ns = Netns::new("policy-notify").expect("namespace");
    let mut policy = Policy::new();
    let before = policy.rules(inode(&ns)).expect("rules dumped").len();
    assert_eq!(before, 3, "a new namespace has the three default rules");
    // Without custom rules the kernel looks up main directly (include/net/ip_fib.h).
    let walk = policy.attribute(inode(&ns), &flow(0), &[(254, 0)]);
    assert_eq!(walk.lookups[0].rule.method, Method::NoCustomRules);
    ns.ip([
        "rule", "add", "pref", "32765", "not", "fwmark", "0xca6c", "table", "51820",
    ])
    .expect("rule added");
    // The kernel queues the notification before `ip` gets its answer (rtnl_notify in
    // fib_nl_newrule), so it is already waiting.
    let after: Vec<String> = policy
        .rules(inode(&ns))
        .expect("rules read again")
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(after, ip_rule_show(&ns));
    assert!(after.contains(&"32765: not from all fwmark 0xca6c lookup 51820".to_owned()));
    ns.ip(["rule", "del", "pref", "32765"])
        .expect("rule deleted");
    assert_eq!(policy.rules(inode(&ns)).expect("rules read again").len(), 3);
}

#[test]
fn lookups_are_attributed_with_the_namespace_s_rules() {
    if !privileges::ok_or_skip() {
        return;
    }
    let ns = Netns::new("policy-walk").expect("namespace");
    ns.ip_batch(
        "rule add pref 32764 table main suppress_prefixlength 0\n\
         rule add pref 32765 not fwmark 0xca6c table 51820\n",
    )
    .expect("rules added");
    let mut policy = Policy::new();
    let unmarked = flow(0);
    // What the tracer sees for an unmarked flow whose main table has only a default route.
    let walk = policy.attribute(inode(&ns), &unmarked, &[(255, MISS), (254, 0), (51820, 0)]);
    let texts: Vec<_> = walk
        .lookups
        .iter()
        .map(|a| a.rule.text.as_deref())
        .collect();
    assert_eq!(
        texts,
        [
            Some("0: from all lookup local"),
            Some("32764: from all lookup main suppress_prefixlength 0"),
            Some("32765: not from all fwmark 0xca6c lookup 51820"),
        ]
    );
    assert!(walk.lookups[1].suppressed);
    assert!(walk
        .lookups
        .iter()
        .all(|a| a.rule.method == Method::Reconstructed));
}

#[test]
fn an_idle_namespace_is_let_go_and_a_deleted_one_is_reported() {
    if !privileges::ok_or_skip() {
        return;
    }
    let idle = Duration::from_millis(100);
    let mut policy = Policy::with_idle(idle);
    let ns = Netns::new("policy-idle").expect("namespace");
    let netns = inode(&ns);
    policy.rules(netns).expect("rules dumped");
    assert_eq!(policy.watched(), 1);
    std::thread::sleep(idle * 2);
    policy.let_go();
    assert_eq!(
        policy.watched(),
        0,
        "the sockets of an idle namespace are closed"
    );
    drop(ns);
    let walk = policy.attribute(netns, &flow(0), &[(254, 0)]);
    let Method::Unknown { reason } = &walk.lookups[0].rule.method else {
        panic!("a deleted namespace has no rules to walk: {walk:?}");
    };
    assert!(reason.contains("not found"), "{reason}");
}

/// Issue 23: the policy room's sockets must not keep a deleted namespace alive. They are
/// closed within `HELD_CHECK` of the namespace's deletion however recently it was used, and
/// the kernel then removes the namespace: the host end of its veth pair goes with it.
#[test]
fn a_deleted_namespace_is_let_go_before_it_is_idle() {
    if !privileges::ok_or_skip() {
        return;
    }
    let mut policy = Policy::new();
    let own = bindscope::sys::netns::own_inode().expect("/proc/self/ns/net");
    policy.rules(own).expect("own rules dumped");
    let ns = Netns::new("policy-deleted").expect("namespace");
    let veth = HostVeth::new(&ns, "eth0").expect("veth pair with its host end here");
    let netns = inode(&ns);
    policy.rules(netns).expect("rules dumped");
    assert_eq!(policy.watched(), 2);
    // Kept while the namespace lives, however often it is asked.
    std::thread::sleep(bindscope::policy::HELD_CHECK * 2);
    policy.let_go();
    assert_eq!(policy.watched(), 2, "a namespace still named is kept");
    drop(ns);
    let deleted = std::time::Instant::now();
    while veth.exists() && deleted.elapsed() < Duration::from_secs(1) {
        policy.let_go();
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        !veth.exists(),
        "{} is still there 1 s after its namespace was deleted",
        veth.name()
    );
    assert_eq!(policy.watched(), 1, "bindscope's own namespace is kept");
}

#[test]
fn a_device_created_after_the_dump_resolves_through_link_notifications() {
    if !privileges::ok_or_skip() {
        return;
    }
    let ns = Netns::new("policy-links").expect("namespace");
    // oif rules select on the index the name resolves to when the flow is routed
    // (net/core/fib_rules.c attach_rules/detach_rules); `a0` does not exist yet.
    ns.ip(["rule", "add", "pref", "300", "oif", "a0", "table", "101"])
        .expect("rule added");
    let mut policy = Policy::new();
    let priorities = |walk: bindscope::policy::Walk| -> Vec<Option<u32>> {
        walk.lookups.iter().map(|a| a.rule.priority).collect()
    };
    let detached = policy.attribute(inode(&ns), &flow(2), &[(255, MISS), (254, 0)]);
    assert_eq!(priorities(detached), [Some(0), Some(32766)]);
    ns.ip(["link", "add", "a0", "type", "veth", "peer", "name", "a1"])
        .expect("veth pair added");
    let index = ns
        .run(|| bindscope_tests::sys::ifindex("a0"))
        .expect("a0 has an index");
    let attached = policy.attribute(inode(&ns), &flow(index as i32), &[(255, MISS), (101, 0)]);
    assert_eq!(priorities(attached), [Some(0), Some(300)]);
    // Renamed: the rule's name resolves to nothing again (detach_rules on NETDEV_CHANGENAME).
    ns.ip(["link", "set", "a0", "name", "a2"])
        .expect("a0 renamed");
    let renamed = policy.attribute(inode(&ns), &flow(index as i32), &[(255, MISS), (254, 0)]);
    assert_eq!(priorities(renamed), [Some(0), Some(32766)]);
}

#[test]
fn a_lookup_traced_before_a_rule_change_is_walked_with_the_rules_of_its_time() {
    if !privileges::ok_or_skip() {
        return;
    }
    let ns = Netns::new("policy-history").expect("namespace");
    let netns = inode(&ns);
    let mut policy = Policy::new();
    policy.rules(netns).expect("rules dumped");
    let before = monotonic_ns();
    // Nothing pending: the default rules are seen in force after `before`.
    policy.rules(netns).expect("rules read again");
    ns.ip([
        "rule", "add", "pref", "100", "not", "fwmark", "0xca6c", "table", "51820",
    ])
    .expect("rule added");
    let around = monotonic_ns();
    // Before the change: no custom rules, so the kernel looked up main alone.
    let old = policy.attribute_at(netns, before, &flow(0), &[(254, 0)]);
    assert_eq!(old.lookups[0].rule.method, Method::NoCustomRules);
    // Between the last look without a change and the look that found it: both lists may
    // apply; only the new one explains a lookup in the tunnel table.
    let tunnel = [(255, MISS), (51820, 0)];
    let new = policy.attribute_at(netns, around, &flow(0), &tunnel);
    assert_eq!(
        new.lookups[1].rule.text.as_deref(),
        Some("100: not from all fwmark 0xca6c lookup 51820")
    );
    assert_eq!(policy.attribute(netns, &flow(0), &tunnel), new);
}
