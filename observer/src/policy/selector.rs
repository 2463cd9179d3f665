//! Whether a rule selects a flow: `fib_rule_match` (net/core/fib_rules.c) with
//! `fib4_rule_match` (net/ipv4/fib_rules.c), on the flow keys the tracer read.
//!
//! The kernel checks iif, oif, the mark under its mask, tun_id, l3mdev and the uid range,
//! then the source and destination prefixes, tos/dscp, ipproto and ports, stops at the first
//! that fails, and inverts the answer for `not` rules.

use std::net::IpAddr;

use super::links::Links;
use super::rule::{Ports, Rule};

/// The keys of one flow (`struct flowi4`, or `struct flowi6` for IPv6) that rules select on,
/// as the tracer read them at the table lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowKeys {
    /// `flowi4_iif`: the input device; `LOOPBACK_IFINDEX` (1) for locally generated flows
    /// (`ip_route_output_key_hash` sets it so).
    pub iif: i32,
    /// `flowi4_oif`: the output device the socket or caller asked for, 0 for none.
    pub oif: i32,
    /// `flowi4_mark` (SO_MARK, or netfilter's mark on a received packet).
    pub mark: u32,
    /// `flowi4_uid`.
    pub uid: u32,
    /// The DS field as `flowi4_tos` (before 6.18) or `flowi4_dscp` (6.18+, ECN bits clear)
    /// holds it: DSCP in the upper six bits.
    pub tos: u8,
    /// `flowi4_proto`.
    pub proto: u8,
    /// `fl4_sport`, in host order.
    pub sport: u16,
    /// `fl4_dport`, in host order.
    pub dport: u16,
    /// `flowi4_saddr` (`flowi6_saddr`).
    pub src: IpAddr,
    /// `flowi4_daddr` (`flowi6_daddr`).
    pub dst: IpAddr,
    /// `flowi4_l3mdev` (5.18+): the VRF the flow belongs to, 0 for none. `None` where the
    /// kernel lacks the field; older kernels find the VRF from the oif and iif instead.
    pub l3mdev: Option<i32>,
}

/// A selector of a rule, in the order `fib_rule_match` and `fib4_rule_match` check them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selector {
    /// `iif NAME`.
    Iif,
    /// `oif NAME`.
    Oif,
    /// `fwmark VALUE/MASK` (a rule without one matches marks under mask 0: any).
    Mark,
    /// `tun_id ID`.
    TunId,
    /// `l3mdev`.
    L3mdev,
    /// `uidrange START-END`.
    Uid,
    /// `from PREFIX`.
    Src,
    /// `to PREFIX`.
    Dst,
    /// `tos VALUE`.
    Tos,
    /// `dscp VALUE`.
    Dscp,
    /// `ipproto PROTO`.
    Proto,
    /// `sport RANGE`.
    Sport,
    /// `dport RANGE`.
    Dport,
}

/// Whether a rule selects a flow.
pub(super) enum Verdict {
    /// It does; an `l3mdev` rule also found the VRF's table.
    Yes { l3mdev_table: u32 },
    /// It does not: the first selector that failed (the one the kernel stopped at), or
    /// `None` for a `not` rule whose selectors all matched.
    No(Option<Selector>),
    /// It depends on something bindscope does not see.
    Unknown(String),
}

/// `fib_rule_match` with `fib4_rule_match`. The kernel stops at the first selector that
/// fails; all are conjunctive, so a selector that bindscope cannot evaluate leaves the answer
/// unknown only when every other selector passes.
pub(super) fn selects(rule: &Rule, links: &Links, flow: &FlowKeys) -> Verdict {
    let p = rule.priority;
    let mut l3mdev_table = 0;
    // The first selector that failed, and the first that bindscope cannot evaluate, in the
    // kernel's order. Kept as they come, with no list of checks: this runs for every rule of
    // every walk, by the hundred thousand a second.
    let mut failed = None;
    let mut unknown: Option<String> = None;
    let mut check = |selector: Selector, result: Result<bool, String>| match result {
        Ok(false) if failed.is_none() => failed = Some(selector),
        Err(reason) if unknown.is_none() => unknown = Some(reason),
        _ => {}
    };
    check(
        Selector::Iif,
        device(rule, rule.iif.as_deref(), flow.iif, links, flow),
    );
    check(
        Selector::Oif,
        device(rule, rule.oif.as_deref(), flow.oif, links, flow),
    );
    check(
        Selector::Mark,
        Ok((rule.fwmark.unwrap_or(0) ^ flow.mark) & rule.mark_mask() == 0),
    );
    if let Some(id) = rule.tun_id {
        check(
            Selector::TunId,
            Err(format!(
                "rule {p} selects on tun_id {id}, which bindscope does not trace"
            )),
        );
    }
    if rule.l3mdev {
        if rule.invert {
            check(
                Selector::L3mdev,
                Err(format!(
                    "rule {p} is an inverted l3mdev rule, whose table the kernel leaves unset"
                )),
            );
        }
        match l3mdev_of(links, flow) {
            Ok(Some(table)) => l3mdev_table = table,
            Ok(None) => check(Selector::L3mdev, Ok(false)),
            Err(reason) => check(Selector::L3mdev, Err(format!("rule {p}: {reason}"))),
        }
    }
    if let Some((start, end)) = rule.uid_range {
        check(Selector::Uid, Ok(start <= flow.uid && flow.uid <= end));
    }
    check(Selector::Src, Ok(prefix(rule.src, flow.src)));
    check(Selector::Dst, Ok(prefix(rule.dst, flow.dst)));
    if rule.tos != 0 {
        // 6.x: the rule's TOS against the flow's DS field under INET_DSCP_LEGACY_TOS_MASK
        // (fib_dscp_masked_match); older kernels compared the whole flowi4_tos, which could
        // also carry an ECN bit or RTO_ONLINK in its two low bits.
        check(
            Selector::Tos,
            if flow.tos & 0x03 == 0 && rule.tos & 0x03 == 0 {
                Ok(flow.tos & 0x1c == rule.tos)
            } else {
                Err(format!(
                    "rule {p} selects tos {:#x} and the flow's DS field {:#x} has low bits set, \
                 which kernels compare differently",
                    rule.tos, flow.tos
                ))
            },
        );
    }
    if let Some(dscp) = rule.dscp {
        let mask = dscp.mask.unwrap_or(0x3f) << 2;
        check(
            Selector::Dscp,
            Ok(((dscp.value << 2) ^ flow.tos) & mask == 0),
        );
    }
    if let Some(proto) = rule.ip_proto {
        check(Selector::Proto, Ok(proto == flow.proto));
    }
    check(Selector::Sport, Ok(ports(rule.sport, flow.sport)));
    check(Selector::Dport, Ok(ports(rule.dport, flow.dport)));
    // A failed selector decides; else one bindscope cannot evaluate leaves it unknown.
    let matched = match (failed, unknown) {
        (Some(_), _) => false,
        (None, Some(reason)) => return Verdict::Unknown(reason),
        (None, None) => true,
    };
    if matched != rule.invert {
        Verdict::Yes { l3mdev_table }
    } else {
        Verdict::No(failed)
    }
}

/// An iif/oif selector: the flow's index against the index the name resolves to now, in the
/// link list kept current by notifications (the rule's `[detached]` flag is as old as the
/// rule dump). A name with no device resolves to -1, which no flow has.
fn device(
    rule: &Rule,
    name: Option<&str>,
    index: i32,
    links: &Links,
    flow: &FlowKeys,
) -> Result<bool, String> {
    let Some(name) = name else { return Ok(true) };
    if flow.l3mdev.is_some() && links.is_vrf(name) {
        // Since 5.18 the flow keeps its own devices and carries the VRF in flowi_l3mdev; a
        // rule naming a VRF matches the flow's L3 domain on kernels with the 2025 fix
        // ("net: fib_rules: Fix iif / oif matching on L3 master device"), depending on a
        // flow flag bindscope does not trace, and never on kernels without it.
        return Err(format!(
            "rule {} names VRF {name} as its device, which kernels match in different ways",
            rule.priority
        ));
    }
    Ok(links.index(name) == Some(index))
}

/// The table of the flow's VRF, as `l3mdev_fib_rule_match` finds it: from `flowi4_l3mdev`
/// (5.18+), or before that from the oif, then the iif, being a VRF device.
fn l3mdev_of(links: &Links, flow: &FlowKeys) -> Result<Option<u32>, String> {
    match flow.l3mdev {
        Some(0) => Ok(None),
        Some(vrf) => links
            .vrf_table(vrf)
            .map(Some)
            .ok_or_else(|| format!("the flow's VRF {vrf} is not a VRF bindscope knows")),
        None => Ok(links.vrf_table(flow.oif).or(links.vrf_table(flow.iif))),
    }
}

/// A source or destination prefix against an address (of another family: no match).
fn prefix(prefix: Option<(IpAddr, u8)>, address: IpAddr) -> bool {
    let Some((network, len)) = prefix else {
        return true;
    };
    match (network, address) {
        (IpAddr::V4(network), IpAddr::V4(address)) => {
            let mask = u32::MAX
                .checked_shl(32 - u32::from(len.min(32)))
                .unwrap_or(0);
            (u32::from(network) ^ u32::from(address)) & mask == 0
        }
        (IpAddr::V6(network), IpAddr::V6(address)) => {
            let mask = u128::MAX
                .checked_shl(128 - u32::from(len.min(128)))
                .unwrap_or(0);
            (u128::from(network) ^ u128::from(address)) & mask == 0
        }
        _ => false,
    }
}

/// `fib_rule_port_match` (include/net/fib_rules.h): under a mask, the masked bits must be
/// equal; otherwise a set range (both ends non-zero) must contain the port.
fn ports(selector: Option<Ports>, port: u16) -> bool {
    let Some(range) = selector else { return true };
    match range.mask {
        Some(mask) if mask != 0 => (range.start ^ port) & mask == 0,
        _ => range.start == 0 || range.end == 0 || (range.start..=range.end).contains(&port),
    }
}
