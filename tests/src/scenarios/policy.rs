//! Policy routing (ip-rule(8)): the seed note's "the routing table is still consulted" became
//! a walk over rules that pick among tables by mark, uid, input interface and destination.
//! Each scenario checks what the kernel decided (source address, error, forwarding counters)
//! and that bindscope names the flow's mark and uid and, for every table it looked up, the
//! rule that led there, as `ip rule show` prints it.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::fd::OwnedFd;

use anyhow::Result;
use bindscope::route::{Purpose, RouteDecision, RuleReport};

use super::connected_source;
use crate::scenario::{expect_eq, expect_errno, expect_ok, Ctx, Found, Outcome, Scenario, Seen};
use crate::sys::{self, Errno};
use crate::topology::*;

/// This file's scenarios.
pub(super) const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "policy_fwmark_bypasses_tunnel_table",
        claim: "000_013038441b203428.txt: \"Note that the routing table is still consulted when \
                packets are transmitted.\" (with wg-quick's rules, ip-rule(8): `not fwmark \
                0xca6c lookup 51820` and `lookup main suppress_prefixlength 0`: a marked socket \
                bypasses the tunnel table, an unmarked one takes it)",
        run: policy_fwmark_bypasses_tunnel_table,
    },
    Scenario {
        name: "policy_uidrange_follows_the_socket_owner",
        claim: "000_013038441b203428.txt: \"Note that the routing table is still consulted when \
                packets are transmitted.\" (ip-rule(8) `uidrange`: the table depends on the uid \
                of the socket, set by the thread that created it)",
        run: policy_uidrange_follows_the_socket_owner,
    },
    Scenario {
        name: "policy_iif_rule_for_forwarded_traffic",
        claim: "001_f02916066c21b7a9.txt: \"the interface is requested to address the packet to \
                the gateway listed in the routing entry (that is, the packet is forwarded)\" \
                (ip-rule(8) `iif`: the router picks the table by the interface the packet came \
                in on)",
        run: policy_iif_rule_for_forwarded_traffic,
    },
    Scenario {
        name: "policy_prohibit_and_unreachable_rules",
        claim: "002_b9a66d336cde56ce.txt: EACCES \"sending a packet via a prohibit route\" \
                (ip-rule(8): a `prohibit` or `unreachable` rule ends the walk with that error, \
                no table looked up)",
        run: policy_prohibit_and_unreachable_rules,
    },
    Scenario {
        name: "policy_vrf_l3mdev_rule",
        claim: "000_013038441b203428.txt: \"any routes which go through a network interface \
                other than the one specified in the BINDTODEVICE call are ignored\" (bound to a \
                VRF device, the socket's lookups go to the VRF's table through the l3mdev rule \
                `1000: from all lookup [l3mdev-table]` the vrf driver adds)",
        run: policy_vrf_l3mdev_rule,
    },
];

/// The VRF of the l3mdev scenario, and its table.
const VRF: &str = "vrf-blue";
/// The VRF's routing table.
const VRF_TABLE: u32 = 10;

/// The tunnel table of the wg-quick scenario, and its fwmark.
const TUNNEL_TABLE: u32 = 51820;
/// wg-quick's mark for the tunnel's own packets.
const TUNNEL_MARK: u32 = 0xca6c;
/// The uid the uidrange scenario's thread takes.
const USER: u32 = 1000;

/// `(rule text, method)` of each table lookup of `decision`, and whether it was suppressed.
fn rules_of(decision: &RouteDecision) -> Vec<(Option<String>, &'static str, bool)> {
    decision
        .lookups
        .iter()
        .map(|l| {
            let rule = l.rule.as_ref();
            (
                rule.and_then(|r| r.text.as_deref().map(str::to_owned)),
                rule.map_or("none", |r| r.method),
                l.suppressed,
            )
        })
        .collect()
}

/// Checks that the lookups of `decision` were led by the rules `want` (text as `ip rule show`
/// prints it, suppressed or not), each known the way this kernel allows: captured in the
/// kernel where it has BPF trampolines, and then in agreement with the reconstruction (a
/// disagreement leaves the text out), reconstructed elsewhere.
fn expect_rules(
    seen: &Seen,
    what: &str,
    decision: &Found<'_, RouteDecision>,
    want: &[(&str, bool)],
) -> Result<()> {
    let got = rules_of(decision);
    let want: Vec<_> = want
        .iter()
        .map(|&(text, suppressed)| (Some(text.to_owned()), seen.rule_method(), suppressed))
        .collect();
    seen.expect_eq(&format!("{what}: rules of the lookups"), got, want)
}

/// The first decision for `dest` (the connect's first lookup, source not yet chosen).
fn first_decision<'a>(seen: &'a Seen, dest: SocketAddrV4) -> Result<Found<'a, RouteDecision>> {
    seen.expect_first(&format!("route decision for {dest}"), seen.routes_to(dest))
}

/// wg-quick's rules in the host: the unmarked socket's lookups end in the tunnel table (eth2
/// stands in for wg0), the marked one's in main, after main's default was suppressed once.
fn policy_fwmark_bypasses_tunnel_table(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    // What `wg-quick up` runs for a full tunnel (its set_default): the tunnel's table and
    // mark, then the suppressing rule, which gets the priority before.
    topo.host.ip_batch(&format!(
        "route add default dev {ETH2} table {TUNNEL_TABLE}\n\
         rule add not fwmark {TUNNEL_MARK:#x} table {TUNNEL_TABLE}\n\
         rule add table main suppress_prefixlength 0\n"
    ))?;
    let rules = topo.host.ip(["rule", "show"])?;
    let unmarked = topo.host_socket()?;
    let marked = topo.host_socket()?;
    let (tunnel_dest, bypass_dest) = (
        SocketAddrV4::new(FAR, CLOSED_PORT),
        SocketAddrV4::new(FAR, CLOSED_PORT + 1),
    );
    let mut trace = ctx.trace(&topo.host)?;

    let (tunnel_source, bypass_source, bound) = topo.host.run(|| {
        let marked_up =
            sys::setsockopt_int(&marked, libc::SOL_SOCKET, libc::SO_MARK, TUNNEL_MARK as i32);
        (
            connected_source(&unmarked, tunnel_dest),
            marked_up.and_then(|()| connected_source(&marked, bypass_dest)),
            // bind() checks what the address is: an address-type lookup.
            sys::udp_socket().and_then(|s| sys::bind(&s, sys::v4(HOST_ETH0, 0))),
        )
    });
    expect_ok("bind to eth0's address", bound)?;
    let seen = trace.collect()?;

    // The kernel: the unmarked socket's source is the tunnel device's, the marked one's eth0's.
    let tunnel_source = expect_ok("unmarked connect + getsockname", tunnel_source)?;
    expect_eq("unmarked socket's source", *tunnel_source.ip(), HOST_ETH2)?;
    let bypass_source = expect_ok("marked connect + getsockname", bypass_source)?;
    expect_eq("marked socket's source", *bypass_source.ip(), HOST_ETH0)?;

    let local = "0: from all lookup local";
    let suppress = "32764: from all lookup main suppress_prefixlength 0";
    let tunnel_rule = format!("32765: not from all fwmark {TUNNEL_MARK:#x} lookup {TUNNEL_TABLE}");
    let main = "32766: from all lookup main";

    let tunnel = first_decision(&seen, tunnel_dest)?;
    seen.expect_eq("unmarked: mark", tunnel.mark, Some(0))?;
    seen.expect_eq("unmarked: dev", tunnel.dev.as_deref(), Some(ETH2))?;
    expect_rules(
        &seen,
        "unmarked",
        &tunnel,
        &[(local, false), (suppress, true), (&tunnel_rule, false)],
    )?;
    let bypass = first_decision(&seen, bypass_dest)?;
    seen.expect_eq("marked: mark", bypass.mark, Some(TUNNEL_MARK))?;
    seen.expect_eq("marked: dev", bypass.dev.as_deref(), Some(ETH0))?;
    expect_rules(
        &seen,
        "marked",
        &bypass,
        &[(local, false), (suppress, true), (main, false)],
    )?;
    // Address-type checks (`inet_addr_type()`, no input interface) look the local table up
    // directly: no rule led there, whatever the rules are.
    let checks: Vec<_> = seen
        .routes()
        .into_iter()
        .filter(|d| d.purpose == Purpose::AddressType)
        .collect();
    let check = seen.expect_first("address-type check of bind()", checks.clone())?;
    let ruled = checks
        .iter()
        .filter(|d| d.lookups.iter().any(|l| l.rule.is_some()))
        .count();
    seen.expect_eq("address-type checks attributed to a rule", ruled, 0)?;
    Ok(Outcome::pass(format!(
        "rules ({} by bindscope): {}; unmarked -> source {} ({}); marked {TUNNEL_MARK:#x} -> \
         source {} ({}); bind(): {}",
        seen.rule_method(),
        rules.lines().map(str::trim).collect::<Vec<_>>().join(" | "),
        tunnel_source.ip(),
        tunnel.line(),
        bypass_source.ip(),
        bypass.line(),
        check.line()
    )))
}

/// A socket made by a thread that took uid 1000 carries that uid into its lookups and takes
/// table 100 (eth1); one made by root stays on main (eth0).
fn policy_uidrange_follows_the_socket_owner(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    topo.host.ip_batch(&format!(
        "route add default via {ROUTER_R1} dev {ETH1} table 100\n\
         rule add uidrange {USER}-{USER} table 100 priority 100\n"
    ))?;
    let (user_dest, root_dest) = (
        SocketAddrV4::new(FAR, CLOSED_PORT),
        SocketAddrV4::new(FAR, CLOSED_PORT + 1),
    );
    let mut trace = ctx.trace(&topo.host)?;

    // The thread changes only its own uid (the raw system call; glibc's wrapper would change
    // every thread's), creates and connects its socket, and ends.
    let user_source = topo.host.run(|| -> Result<_, Errno> {
        // SAFETY: setresuid on this thread only; it ends right after.
        if unsafe { libc::syscall(libc::SYS_setresuid, USER, USER, 0) } != 0 {
            return Err(Errno::last());
        }
        let socket: OwnedFd = sys::udp_socket()?;
        connected_source(&socket, user_dest)
    });
    let root_source = topo
        .host
        .run(|| connected_source(&sys::udp_socket()?, root_dest));
    let seen = trace.collect()?;

    let user_source = expect_ok("uid 1000: connect + getsockname", user_source)?;
    expect_eq("uid 1000 socket's source", *user_source.ip(), HOST_ETH1)?;
    let root_source = expect_ok("root: connect + getsockname", root_source)?;
    expect_eq("root socket's source", *root_source.ip(), HOST_ETH0)?;

    let user = first_decision(&seen, user_dest)?;
    seen.expect_eq("uid 1000: uid", user.uid, Some(USER))?;
    seen.expect_eq("uid 1000: dev", user.dev.as_deref(), Some(ETH1))?;
    expect_rules(
        &seen,
        "uid 1000",
        &user,
        &[
            ("0: from all lookup local", false),
            ("100: from all uidrange 1000-1000 lookup 100", false),
        ],
    )?;
    let root = first_decision(&seen, root_dest)?;
    seen.expect_eq("root: uid", root.uid, Some(0))?;
    seen.expect_eq("root: dev", root.dev.as_deref(), Some(ETH0))?;
    expect_rules(
        &seen,
        "root",
        &root,
        &[
            ("0: from all lookup local", false),
            ("32766: from all lookup main", false),
        ],
    )?;
    Ok(Outcome::pass(format!(
        "uid 1000's socket -> source {} ({}); root's -> source {} ({})",
        user_source.ip(),
        user.line(),
        root_source.ip(),
        root.line()
    )))
}

/// The router forwards what comes in on r1 by table 100, which alone routes 198.51.100.64/26
/// (through r2 to the host's eth2): the forward decision is the router's, in softirq, led by
/// the `iif r1` rule.
fn policy_iif_rule_for_forwarded_traffic(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    topo.router.ip_batch(&format!(
        "route add 198.51.100.64/26 via {HOST_ETH2} dev {R2} table 100\n\
         rule add iif {R1} table 100 priority 100\n"
    ))?;
    let dest = Ipv4Addr::new(198, 51, 100, 77);
    let socket = topo.host_socket()?;
    let mut trace = ctx.trace(&topo.router)?;
    let before = topo.router.run(super::forwarding::ip_counters)?;

    super::forwarding::send_out_of_eth1(&topo, &socket, &[dest])?;
    let after = super::forwarding::router_counters_after(&topo.router, before, (1, 0))?;
    let seen = trace.collect()?;

    // The kernel: only table 100 routes the destination, and the router forwarded it.
    expect_eq(
        "router forwarded the datagram (Ip ForwDatagrams grew)",
        after.0 > before.0,
        true,
    )?;
    let forwarded = seen.expect_first(
        "router's forward decision",
        seen.routes_for(dest)
            .into_iter()
            .filter(|d| d.iif_name.as_deref() == Some(R1))
            .collect(),
    )?;
    seen.expect_eq("forward: dev", forwarded.dev.as_deref(), Some(R2))?;
    seen.expect_eq("forward: table", forwarded.table, 100)?;
    expect_rules(
        &seen,
        "forward",
        &forwarded,
        &[
            ("0: from all lookup local", false),
            ("100: from all iif r1 lookup 100", false),
        ],
    )?;
    Ok(Outcome::pass(format!("router: {}", forwarded.line())))
}

/// `prohibit` and `unreachable` rules end the walk with EACCES and ENETUNREACH, after the
/// local table missed and before any other table is looked up.
fn policy_prohibit_and_unreachable_rules(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    topo.host.ip_batch(
        "rule add to 198.51.100.128/26 prohibit priority 100\n\
         rule add to 198.51.100.192/26 unreachable priority 101\n",
    )?;
    let cases = [
        (
            SocketAddrV4::new(Ipv4Addr::new(198, 51, 100, 130), CLOSED_PORT),
            libc::EACCES,
            "100: from all to 198.51.100.128/26 prohibit",
        ),
        (
            SocketAddrV4::new(Ipv4Addr::new(198, 51, 100, 200), CLOSED_PORT),
            libc::ENETUNREACH,
            "101: from all to 198.51.100.192/26 unreachable",
        ),
    ];
    let mut trace = ctx.trace(&topo.host)?;
    let results = topo
        .host
        .run(|| cases.map(|(dest, _, _)| sys::connect(&sys::udp_socket()?, dest)));
    let seen = trace.collect()?;

    let mut notes = Vec::new();
    for ((dest, errno, rule), result) in cases.into_iter().zip(results) {
        expect_errno(&format!("connect to {dest}"), result, errno)?;
        let decision = first_decision(&seen, dest)?;
        let name = Errno(errno).name();
        seen.expect_eq(
            &format!("{dest}: error"),
            decision.err.as_deref(),
            Some(name),
        )?;
        expect_rules(
            &seen,
            &dest.to_string(),
            &decision,
            &[("0: from all lookup local", false)],
        )?;
        let action: Option<&RuleReport> = decision.rule_action.as_deref();
        seen.expect_eq(
            &format!("{dest}: the rule that ended the walk"),
            action.and_then(|r| r.text.as_deref()),
            Some(rule),
        )?;
        notes.push(format!("{dest}: {name} ({})", decision.line()));
    }
    Ok(Outcome::pass(notes.join("; ")))
}

/// eth1 enslaved to a VRF whose table routes everything via the router's r1: a socket bound
/// to the VRF device looks up the VRF's table, led there by the l3mdev rule. Skips where the
/// kernel has no vrf driver (the host's), with the kernel's own refusal as the reason.
fn policy_vrf_l3mdev_rule(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    if let Err(refused) = topo.host.ip([
        "link",
        "add",
        VRF,
        "type",
        "vrf",
        "table",
        &VRF_TABLE.to_string(),
    ]) {
        return Ok(Outcome::Skip {
            reason: format!("this kernel cannot make a VRF device: {refused:#}"),
        });
    }
    topo.host.ip_batch(&format!(
        "link set {VRF} up\n\
         link set {ETH1} master {VRF}\n\
         route add default via {ROUTER_R1} dev {ETH1} table {VRF_TABLE}\n"
    ))?;
    topo.host.wait_running(&[ETH1])?;
    let rules = topo.host.ip(["rule", "show"])?;
    let vrf_index = topo.host.run(|| sys::ifindex(VRF));
    let socket = topo.host_socket()?;
    let dest = SocketAddrV4::new(FAR, CLOSED_PORT);
    let mut trace = ctx.trace(&topo.host)?;

    let source = topo.host.run(|| {
        sys::setsockopt_bytes(
            &socket,
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            VRF.as_bytes(),
        )?;
        connected_source(&socket, dest)
    });
    let seen = trace.collect()?;

    // The kernel: the VRF's table routes the socket out of eth1.
    let source = expect_ok("connect bound to the VRF + getsockname", source)?;
    expect_eq("source in the VRF", *source.ip(), HOST_ETH1)?;

    let decision = first_decision(&seen, dest)?;
    seen.expect_eq("VRF: dev", decision.dev.as_deref(), Some(ETH1))?;
    seen.expect_eq("VRF: table", decision.table, VRF_TABLE)?;
    // flowi4_l3mdev exists from Linux 5.18; before, the field is unknown (null).
    if let Some(l3mdev) = decision.l3mdev {
        seen.expect_eq(
            "VRF: l3mdev",
            Some(l3mdev),
            vrf_index.and_then(|i| i32::try_from(i).ok()),
        )?;
    }
    let l3mdev_rule = rules
        .lines()
        .find(|l| l.contains("l3mdev"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "1000: from all lookup [l3mdev-table]".into());
    let last = decision.lookups.last().and_then(|l| l.rule.as_ref());
    seen.expect_eq(
        "VRF: the rule that led to the VRF's table",
        last.map(|r| (r.text.as_deref().map(str::to_owned), r.method)),
        Some((Some(l3mdev_rule.clone()), seen.rule_method())),
    )?;
    Ok(Outcome::pass(format!(
        "{l3mdev_rule}; bound to {VRF}: source {} ({})",
        source.ip(),
        decision.line()
    )))
}
