//! The walk against hand-built rule lists: each case states the lookups the kernel makes
//! for that list and flow (net/core/fib_rules.c `fib_rules_lookup`, net/ipv4/fib_rules.c),
//! and checks which rule each lookup is attributed to.

use super::*;
use crate::policy::rule::{Dscp, Ports};

const EACCES: i32 = -libc::EACCES;
const ENETUNREACH: i32 = -libc::ENETUNREACH;

fn flow() -> FlowKeys {
    FlowKeys {
        iif: 1,
        oif: 0,
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

/// The kernel's default rules with `extra` inserted in priority order.
fn with_defaults(extra: Vec<Rule>) -> Vec<Rule> {
    let mut rules = vec![
        Rule::lookup(0, TABLE_LOCAL),
        Rule::lookup(32766, TABLE_MAIN),
        Rule::lookup(32767, TABLE_DEFAULT),
    ];
    rules.extend(extra);
    rules.sort_by_key(|r| r.priority);
    rules
}

/// wg-quick's rules: `ip rule add not fwmark 0xca6c table 51820` and
/// `ip rule add table main suppress_prefixlength 0`.
fn wireguard() -> Vec<Rule> {
    let mut tunnel = Rule::lookup(32765, 51820);
    tunnel.invert = true;
    tunnel.fwmark = Some(0xca6c);
    tunnel.fwmask = Some(u32::MAX);
    let mut suppress = Rule::lookup(32764, TABLE_MAIN);
    suppress.suppress_prefixlength = Some(0);
    with_defaults(vec![suppress, tunnel])
}

fn run(rules: &[Rule], flow: &FlowKeys, lookups: &[(u32, i32)]) -> Walk {
    walk(rules, &Links::default(), &HashSet::new(), flow, lookups)
}

/// The priorities the lookups were attributed to (`None` for unknown).
fn priorities(walk: &Walk) -> Vec<Option<u32>> {
    walk.lookups.iter().map(|a| a.rule.priority).collect()
}

fn suppressed(walk: &Walk) -> Vec<bool> {
    walk.lookups.iter().map(|a| a.suppressed).collect()
}

#[test]
fn an_unmarked_flow_takes_the_tunnel_after_main_s_default_route_is_suppressed() {
    // main holds only a default route (prefix length 0 <= 0): suppressed; then the unmarked
    // flow matches `not fwmark 0xca6c` and the tunnel table answers.
    let lookups = [(TABLE_LOCAL, MISS), (TABLE_MAIN, 0), (51820, 0)];
    let walk = run(&wireguard(), &flow(), &lookups);
    assert_eq!(priorities(&walk), [Some(0), Some(32764), Some(32765)]);
    assert_eq!(suppressed(&walk), [false, true, false]);
    assert_eq!(walk.end, End::Lookup { index: 2 });
    let tunnel = &walk.lookups[2].rule;
    assert_eq!(
        tunnel.text.as_deref(),
        Some("32765: not from all fwmark 0xca6c lookup 51820")
    );
    assert_eq!(
        &*tunnel.brief,
        "rule 32765 not fwmark 0xca6c -> table 51820"
    );
    assert_eq!(tunnel.method, Method::Reconstructed);
}

#[test]
fn a_marked_flow_bypasses_the_tunnel() {
    // SO_MARK 0xca6c: `not fwmark 0xca6c` does not match; main's default route is suppressed
    // by rule 32764 and accepted by rule 32766.
    let marked = FlowKeys {
        mark: 0xca6c,
        ..flow()
    };
    let lookups = [(TABLE_LOCAL, MISS), (TABLE_MAIN, 0), (TABLE_MAIN, 0)];
    let walk = run(&wireguard(), &marked, &lookups);
    assert_eq!(priorities(&walk), [Some(0), Some(32764), Some(32766)]);
    assert_eq!(suppressed(&walk), [false, true, false]);
    assert_eq!(walk.end, End::Lookup { index: 2 });
}

#[test]
fn a_route_longer_than_the_suppressed_length_ends_the_walk_in_main() {
    let lookups = [(TABLE_LOCAL, MISS), (TABLE_MAIN, 0)];
    let walk = run(&wireguard(), &flow(), &lookups);
    assert_eq!(priorities(&walk), [Some(0), Some(32764)]);
    assert_eq!(suppressed(&walk), [false, false]);
    assert_eq!(walk.end, End::Lookup { index: 1 });
}

#[test]
fn a_uid_range_rule_selects_by_the_flow_s_uid() {
    let mut per_user = Rule::lookup(200, 100);
    per_user.uid_range = Some((1000, 1000));
    let rules = with_defaults(vec![per_user]);
    let user = FlowKeys {
        uid: 1000,
        ..flow()
    };
    let walk = run(&rules, &user, &[(TABLE_LOCAL, MISS), (100, 0)]);
    assert_eq!(priorities(&walk), [Some(0), Some(200)]);
    assert_eq!(
        walk.lookups[1].rule.text.as_deref(),
        Some("200: from all uidrange 1000-1000 lookup 100")
    );
    let root = run(&rules, &flow(), &[(TABLE_LOCAL, MISS), (TABLE_MAIN, 0)]);
    assert_eq!(priorities(&root), [Some(0), Some(32766)]);
}

#[test]
fn an_iif_rule_matches_forwarded_traffic_by_device_and_local_traffic_as_lo() {
    let mut from_gw1 = Rule::lookup(300, 101);
    from_gw1.iif = Some("gw1".into());
    let mut local = Rule::lookup(310, 102);
    local.iif = Some("lo".into());
    let rules = with_defaults(vec![from_gw1, local]);
    let mut links = Links::default();
    links.insert("lo", 1, None);
    links.insert("gw1", 3, None);
    let forwarded = FlowKeys { iif: 3, ..flow() };
    let walk = super::walk(
        &rules,
        &links,
        &HashSet::new(),
        &forwarded,
        &[(TABLE_LOCAL, MISS), (101, 0)],
    );
    assert_eq!(priorities(&walk), [Some(0), Some(300)]);
    // Locally generated: flowi4_iif is LOOPBACK_IFINDEX.
    let walk = walk_with(&rules, &links, &flow(), &[(TABLE_LOCAL, MISS), (102, 0)]);
    assert_eq!(priorities(&walk), [Some(0), Some(310)]);
}

fn walk_with(rules: &[Rule], links: &Links, flow: &FlowKeys, lookups: &[(u32, i32)]) -> Walk {
    walk(rules, links, &HashSet::new(), flow, lookups)
}

#[test]
fn a_rule_naming_an_absent_device_matches_nothing() {
    // The kernel keeps the rule with index -1 (`[detached]`) until a device of that name
    // appears (net/core/fib_rules.c attach_rules).
    let mut gone = Rule::lookup(300, 101);
    gone.oif = Some("wg0".into());
    gone.oif_detached = true;
    let rules = with_defaults(vec![gone]);
    let walk = run(&rules, &flow(), &[(TABLE_LOCAL, MISS), (TABLE_MAIN, 0)]);
    assert_eq!(priorities(&walk), [Some(0), Some(32766)]);
}

#[test]
fn prohibit_and_unreachable_end_the_decision_without_a_lookup() {
    let mut prohibit = Rule::lookup(100, 0);
    prohibit.dst = Some(("203.0.113.0".parse().unwrap(), 24));
    prohibit.action = Action::Prohibit;
    let mut unreachable = Rule::lookup(110, 0);
    unreachable.src = Some(("192.0.2.0".parse().unwrap(), 24));
    unreachable.action = Action::Unreachable;
    let rules = with_defaults(vec![prohibit, unreachable]);
    let to_doc3 = FlowKeys {
        dst: "203.0.113.9".parse().unwrap(),
        ..flow()
    };
    let walk = run(&rules, &to_doc3, &[(TABLE_LOCAL, MISS)]);
    assert_eq!(priorities(&walk), [Some(0)]);
    let End::Action { rule, error } = &walk.end else {
        panic!("expected the prohibit rule to end the walk: {walk:?}");
    };
    assert_eq!(*error, EACCES);
    assert_eq!(
        rule.text.as_deref(),
        Some("100: from all to 203.0.113.0/24 prohibit")
    );
    assert_eq!(&*rule.brief, "rule 100 to 203.0.113.0/24 -> prohibit");
    let walk = run(&rules, &flow(), &[(TABLE_LOCAL, MISS)]);
    assert!(matches!(
        walk.end,
        End::Action {
            error: ENETUNREACH,
            ..
        }
    ));
    // A lookup after a rule that ends the decision: the rules are not those the kernel used.
    let walk = run(&rules, &flow(), &[(TABLE_LOCAL, MISS), (TABLE_MAIN, 0)]);
    assert_eq!(priorities(&walk), [Some(0), None]);
    assert!(matches!(walk.end, End::Unknown { .. }));
}

#[test]
fn goto_skips_to_its_target_and_nop_is_passed() {
    let mut jump = Rule::lookup(10, 0);
    jump.src = Some(("192.0.2.0".parse().unwrap(), 24));
    jump.action = Action::Goto;
    jump.goto = Some(30);
    let skipped = Rule::lookup(20, 150);
    let mut nop = Rule::lookup(30, 0);
    nop.action = Action::Nop;
    let target = Rule::lookup(40, 200);
    let rules = with_defaults(vec![jump, skipped, nop, target]);
    let walk = run(&rules, &flow(), &[(TABLE_LOCAL, MISS), (200, 0)]);
    assert_eq!(priorities(&walk), [Some(0), Some(40)]);
    let elsewhere = FlowKeys {
        src: "198.51.100.2".parse().unwrap(),
        ..flow()
    };
    let walk = run(&rules, &elsewhere, &[(TABLE_LOCAL, MISS), (150, 0)]);
    assert_eq!(priorities(&walk), [Some(0), Some(20)]);
}

#[test]
fn an_unresolved_goto_is_passed() {
    let mut jump = Rule::lookup(10, 0);
    jump.action = Action::Goto;
    jump.goto = Some(5000);
    jump.unresolved = true;
    let rules = with_defaults(vec![jump, Rule::lookup(20, 150)]);
    let walk = run(&rules, &flow(), &[(TABLE_LOCAL, MISS), (150, 0)]);
    assert_eq!(priorities(&walk), [Some(0), Some(20)]);
}

#[test]
fn a_rule_whose_table_does_not_exist_returns_eagain_without_a_lookup() {
    let rules = with_defaults(vec![Rule::lookup(100, 100)]);
    let walk = run(&rules, &flow(), &[(TABLE_LOCAL, MISS), (TABLE_MAIN, 0)]);
    assert_eq!(priorities(&walk), [Some(0), Some(32766)]);
    let missing: Vec<_> = walk.missing_tables.iter().map(|r| r.priority).collect();
    assert_eq!(missing, [Some(100)]);
    // A table seen looked up before exists: then the walk and the kernel disagree.
    let known = HashSet::from([100]);
    let walk = super::walk(
        &rules,
        &Links::default(),
        &known,
        &flow(),
        &[(TABLE_LOCAL, MISS), (TABLE_MAIN, 0)],
    );
    assert_eq!(priorities(&walk), [Some(0), None]);
    assert!(walk.missing_tables.is_empty());
}

#[test]
fn lookups_the_rules_cannot_explain_are_unknown_with_the_reason() {
    // The tunnel table was looked up, but the list (dumped after the rule was deleted) has
    // no rule leading there.
    let walk = run(
        &with_defaults(vec![]),
        &flow(),
        &[(TABLE_LOCAL, MISS), (51820, 0)],
    );
    assert_eq!(priorities(&walk), [Some(0), None]);
    let Method::Unknown { reason } = &walk.lookups[1].rule.method else {
        panic!("expected an unknown rule: {walk:?}");
    };
    assert!(reason.contains("51820"), "{reason}");
    assert!(matches!(walk.end, End::Unknown { .. }));
    // A hit with no suppressor ends the walk; a further lookup contradicts it.
    let walk = run(
        &with_defaults(vec![]),
        &flow(),
        &[(TABLE_LOCAL, 0), (TABLE_MAIN, 0)],
    );
    assert_eq!(priorities(&walk), [Some(0), None]);
}

#[test]
fn a_tun_id_rule_makes_the_walk_unknown_unless_another_selector_fails() {
    let mut tunnel = Rule::lookup(100, 100);
    tunnel.tun_id = Some(7);
    let rules = with_defaults(vec![tunnel.clone()]);
    let walk = run(&rules, &flow(), &[(TABLE_LOCAL, MISS), (TABLE_MAIN, 0)]);
    assert_eq!(priorities(&walk), [Some(0), None]);
    tunnel.fwmark = Some(1);
    let rules = with_defaults(vec![tunnel]);
    let walk = run(&rules, &flow(), &[(TABLE_LOCAL, MISS), (TABLE_MAIN, 0)]);
    assert_eq!(priorities(&walk), [Some(0), Some(32766)]);
}

#[test]
fn without_custom_rules_the_kernel_looks_up_main_directly() {
    let rules = with_defaults(vec![]);
    let walk = run(&rules, &flow(), &[(TABLE_MAIN, 0)]);
    assert_eq!(walk.lookups.len(), 1);
    assert_eq!(walk.lookups[0].rule.method, Method::NoCustomRules);
    assert_eq!(walk.lookups[0].rule.priority, None);
    assert_eq!(walk.end, End::Lookup { index: 0 });
    // A miss in main, then default (the kernel reports the final miss as ENETUNREACH).
    let walk = run(
        &rules,
        &flow(),
        &[(TABLE_MAIN, MISS), (TABLE_DEFAULT, MISS)],
    );
    assert_eq!(walk.lookups.len(), 2);
    assert_eq!(walk.end, End::NoRule { error: ENETUNREACH });
    // Default rules after a custom rule came and went: the kernel walks them.
    let walk = run(&rules, &flow(), &[(TABLE_LOCAL, MISS), (TABLE_MAIN, 0)]);
    assert_eq!(priorities(&walk), [Some(0), Some(32766)]);
}

#[test]
fn tos_and_dscp_rules_compare_as_the_kernel_does() {
    let mut tos = Rule::lookup(100, 100);
    tos.tos = 0x10;
    let mut dscp = Rule::lookup(110, 110);
    dscp.dscp = Some(Dscp {
        value: 46,
        mask: None,
    });
    let rules = with_defaults(vec![tos, dscp]);
    let lowdelay = FlowKeys {
        tos: 0x10,
        ..flow()
    };
    let walk = run(&rules, &lowdelay, &[(TABLE_LOCAL, MISS), (100, 0)]);
    assert_eq!(priorities(&walk), [Some(0), Some(100)]);
    // EF (0xb8): its legacy TOS bits (0xb8 & 0x1c = 0x18) are not 0x10, its DSCP is 46.
    let expedited = FlowKeys {
        tos: 0xb8,
        ..flow()
    };
    let walk = run(&rules, &expedited, &[(TABLE_LOCAL, MISS), (110, 0)]);
    assert_eq!(priorities(&walk), [Some(0), Some(110)]);
}

#[test]
fn protocol_and_port_selectors() {
    let mut dns = Rule::lookup(100, 100);
    dns.ip_proto = Some(libc::IPPROTO_UDP as u8);
    dns.dport = Some(Ports {
        start: 53,
        end: 53,
        mask: None,
    });
    dns.sport = Some(Ports {
        start: 32768,
        end: 60999,
        mask: None,
    });
    let rules = with_defaults(vec![dns]);
    let walk = run(&rules, &flow(), &[(TABLE_LOCAL, MISS), (100, 0)]);
    assert_eq!(priorities(&walk), [Some(0), Some(100)]);
    let tcp = FlowKeys {
        proto: libc::IPPROTO_TCP as u8,
        ..flow()
    };
    let walk = run(&rules, &tcp, &[(TABLE_LOCAL, MISS), (TABLE_MAIN, 0)]);
    assert_eq!(priorities(&walk), [Some(0), Some(32766)]);
}

#[test]
fn an_l3mdev_rule_looks_up_the_vrf_s_table() {
    let mut l3mdev = Rule::lookup(1000, 0);
    l3mdev.l3mdev = true;
    let rules = with_defaults(vec![l3mdev]);
    let mut links = Links::default();
    links.insert("blue", 5, Some(10));
    links.insert("eth1", 3, None);
    let in_blue = FlowKeys {
        l3mdev: Some(5),
        oif: 3,
        ..flow()
    };
    let walk = walk_with(&rules, &links, &in_blue, &[(TABLE_LOCAL, MISS), (10, 0)]);
    assert_eq!(priorities(&walk), [Some(0), Some(1000)]);
    assert_eq!(
        walk.lookups[1].rule.text.as_deref(),
        Some("1000: from all lookup [l3mdev-table]")
    );
    let walk = walk_with(
        &rules,
        &links,
        &flow(),
        &[(TABLE_LOCAL, MISS), (TABLE_MAIN, 0)],
    );
    assert_eq!(priorities(&walk), [Some(0), Some(32766)]);
    // Before 5.18 (no flowi4_l3mdev) the oif itself was the VRF device.
    let old_kernel = FlowKeys {
        l3mdev: None,
        oif: 5,
        ..flow()
    };
    let walk = walk_with(&rules, &links, &old_kernel, &[(TABLE_LOCAL, MISS), (10, 0)]);
    assert_eq!(priorities(&walk), [Some(0), Some(1000)]);
}

#[test]
fn lists_that_both_explain_a_decision_with_different_rules_leave_it_unknown() {
    // Around a change from "100: lookup 100" to "200: lookup 100": either led there.
    let old = [Rule::lookup(0, 255), Rule::lookup(100, 100)];
    let new = [Rule::lookup(0, 255), Rule::lookup(200, 100)];
    let lookups = [(255, MISS), (100, 0)];
    let walks = [&old[..], &new[..]]
        .map(|rules| walk(rules, &Links::default(), &HashSet::new(), &flow(), &lookups));
    let chosen = agreed(walks.to_vec(), &lookups);
    assert!(matches!(chosen.end, End::Unknown { .. }), "{chosen:?}");
    // The same rule in both: known.
    let same = agreed(vec![walks[0].clone(), walks[0].clone()], &lookups);
    assert_eq!(same, walks[0]);
    // Older than every list kept: unknown.
    let none = agreed(Vec::new(), &lookups);
    assert!(matches!(none.end, End::Unknown { .. }));
}
