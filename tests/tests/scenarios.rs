//! Host runner: every scenario as its own `#[test]`, so `cargo test -p bindscope-tests` runs
//! them in parallel (each builds its own uniquely named namespaces) and names failures.

use bindscope_tests::{netns, scenarios, Outcome};

/// Runs the scenario `name`, prints its verdict line, and fails the test on a failure.
fn check(name: &str) {
    let scenario = scenarios::find(name).unwrap_or_else(|| panic!("no scenario {name}"));
    let outcome = scenario.execute();
    println!("{}", outcome.verdict_line(name));
    if let Outcome::Fail { reason } = outcome {
        panic!("{name}: {reason}\nclaim: {}", scenario.claim);
    }
}

/// One `#[test]` per scenario name, plus the list of names for the coverage check below.
macro_rules! scenario_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check(stringify!($name));
            }
        )*
        /// Every name given to the macro.
        const COVERED: &[&str] = &[$(stringify!($name)),*];
    };
}

scenario_tests!(
    unbound_uses_metric_0_default,
    metric_1_default_is_the_fallback,
    bindtodevice_eth1_uses_eth1,
    bindtodevice_rebind_changes_interface,
    bindtodevice_empty_name_unbinds,
    bindtodevice_unknown_name_enodev,
    bindtodevice_without_route_is_unreachable,
    bindtodevice_ifreq_or_bare_name,
    multicast_join_mreqn_ifindex,
    multicast_join_old_ip_mreq,
    multicast_join_non_multicast_einval,
    multicast_if_argument_sizes,
    pktinfo_on_receive,
    pktinfo_on_send,
    recverr_icmp_port_unreachable,
    recverr_local_emsgsize,
    ip_mtu_after_connect,
    bind_nonlocal_needs_freebind,
    bind_inaddr_any_receives_on_all,
    connect_binds_implicitly,
    broadcast_needs_so_broadcast,
    siocgifindex_siocgifname_round_trip,
    siocgifflags_up_running,
    siocgifmtu_siocsifmtu,
    siocgifconf_null_buffer_gives_size,
    siocsifname_renames_an_interface,
    siocsifmtu_needs_cap_net_admin,
    route_types_unreachable_prohibit_blackhole,
    no_route_at_all,
    longest_prefix_beats_table_order,
    policy_rule_selects_second_table,
    router_forwards_in_softirq,
    policy_fwmark_bypasses_tunnel_table,
    policy_uidrange_follows_the_socket_owner,
    policy_iif_rule_for_forwarded_traffic,
    policy_prohibit_and_unreachable_rules,
    policy_vrf_l3mdev_rule,
    ipv6_seed_table_metric_0_is_1024,
    ipv6_unicast_if_steers_and_conflicts_with_bindtodevice,
    ipv6_link_local_needs_a_scope,
    ipv6_multicast_join_ff05_by_ifindex,
    ipv6_recverr_port_unreachable_and_pktinfo,
    ipv6_in6_ifreq_adds_and_deletes_addresses,
    ipv6_policy_rule_selects_second_table,
    hostile_names,
);

#[test]
fn every_scenario_has_a_test() {
    let registered: Vec<&str> = scenarios::all().iter().map(|s| s.name).collect();
    let missing: Vec<_> = registered.iter().filter(|n| !COVERED.contains(n)).collect();
    let unknown: Vec<_> = COVERED.iter().filter(|n| !registered.contains(n)).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "add {missing:?} to scenario_tests!, remove {unknown:?}"
    );
}

#[test]
fn stale_namespaces_of_dead_processes_are_swept() {
    if let Err(reason) = bindscope_tests::privileges::check() {
        // Same policy as the scenarios: skip on a developer's machine, fail under CI.
        let outcome = bindscope_tests::scenario::missing(reason);
        println!(
            "{}",
            outcome.verdict_line("stale_namespaces_of_dead_processes_are_swept")
        );
        assert_ne!(outcome.verdict(), "fail", "{}", outcome.detail());
        return;
    }
    // A name in the harness's format whose pid is above the kernel's limit (2^22), so no live
    // process can own it. Namespaces of live processes, e.g. the scenario tests running in
    // parallel, are never touched.
    let stale = "bs-99999999-0-stale";
    std::fs::create_dir_all(netns::NETNS_RUN_DIR).unwrap();
    netns::ip(["netns", "add", stale]).unwrap();
    let removed = netns::sweep_stale();
    let listed = netns::ip(["netns", "list"]).unwrap();
    assert!(removed.iter().any(|n| n == stale), "not swept: {removed:?}");
    assert!(!listed.contains(stale), "still listed:\n{listed}");
}

/// Names of the namespaces the failing bodies below created, to check they are gone.
static CREATED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// A body that creates a namespace and then panics.
fn panicking_body(ctx: &mut bindscope_tests::Ctx) -> anyhow::Result<Outcome> {
    let ns = ctx.scratch_netns("panics")?;
    CREATED.lock().unwrap().push(ns.name().to_owned());
    panic!("deliberate panic in {}", ns.name());
}

/// A body that creates the seed topology and then returns an error.
fn failing_body(ctx: &mut bindscope_tests::Ctx) -> anyhow::Result<Outcome> {
    let topo = ctx.seed_topology()?;
    for ns in topo.namespaces() {
        CREATED.lock().unwrap().push(ns.name().to_owned());
    }
    anyhow::bail!(
        "deliberate failure with {} namespaces",
        ctx.netns_inodes().len()
    )
}

#[test]
fn failing_and_panicking_scenarios_fail_and_clean_up() {
    if let Err(reason) = bindscope_tests::privileges::check() {
        // Without privileges this may skip only outside CI, and says why.
        let outcome = bindscope_tests::scenario::missing(reason);
        println!(
            "{}",
            outcome.verdict_line("failing_and_panicking_scenarios_fail_and_clean_up")
        );
        assert_ne!(outcome.verdict(), "fail", "{}", outcome.detail());
        return;
    }
    let panicking = bindscope_tests::Scenario {
        name: "deliberately_panics",
        claim: "harness test: \"a panic is a failure\" (no seed; .txt)",
        run: panicking_body,
    };
    let failing = bindscope_tests::Scenario {
        name: "deliberately_fails",
        claim: "harness test: \"an error is a failure\" (no seed; .txt)",
        run: failing_body,
    };
    let panicked = panicking.execute();
    let failed = failing.execute();
    assert_eq!(panicked.verdict(), "fail");
    assert!(panicked
        .detail()
        .starts_with("panicked: deliberate panic in bs-"));
    assert_eq!(
        failed,
        Outcome::Fail {
            reason: "deliberate failure with 2 namespaces".into()
        }
    );
    let listed = netns::ip(["netns", "list"]).unwrap();
    let created = CREATED.lock().unwrap();
    assert_eq!(created.len(), 3);
    for name in created.iter() {
        assert!(!listed.contains(name.as_str()), "{name} was left behind");
    }
}
