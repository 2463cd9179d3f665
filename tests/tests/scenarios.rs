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
        let outcome = bindscope_tests::privileges::missing(reason);
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
