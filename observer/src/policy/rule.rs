//! One IPv4 or IPv6 policy routing rule, as the kernel reports it over rtnetlink.
//!
//! The fields are those of `struct fib_rule` and `struct fib4_rule` (include/net/fib_rules.h,
//! net/ipv4/fib_rules.c) that `fib_nl_fill_rule` and `fib4_rule_fill` put in an RTM_NEWRULE
//! message; [`Rule::from_message`] reads them with `netlink-packet-route`. How a rule prints
//! is in the `text` module.

use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use netlink_packet_core::Nla;
use netlink_packet_route::rule::{RuleAction, RuleAttribute, RuleFlags, RuleMessage};
use netlink_packet_route::AddressFamily;

/// Attributes newer than `netlink-packet-route` 0.34, which it hands over as raw NLAs
/// (include/uapi/linux/fib_rules.h).
const FRA_DSCP: u16 = 25;
const FRA_SPORT_MASK: u16 = 28;
const FRA_DPORT_MASK: u16 = 29;
const FRA_DSCP_MASK: u16 = 30;

/// What a rule does when it matches (`FR_ACT_*`, include/uapi/linux/fib_rules.h).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `FR_ACT_TO_TBL`: look the flow up in the rule's table (or, with `l3mdev`, the VRF's).
    ToTable,
    /// `FR_ACT_GOTO`: continue the walk at the first rule of the target priority.
    Goto,
    /// `FR_ACT_NOP`: nothing; the walk goes on.
    Nop,
    /// `FR_ACT_BLACKHOLE`: the lookup fails with `EINVAL` (the packet is dropped silently).
    Blackhole,
    /// `FR_ACT_UNREACHABLE`: the lookup fails with `ENETUNREACH`.
    Unreachable,
    /// `FR_ACT_PROHIBIT`: the lookup fails with `EACCES`.
    Prohibit,
    /// Any other value; `fib4_rule_action` fails such a rule's lookup with `EINVAL`.
    Other(u8),
}

impl Action {
    fn from_netlink(action: RuleAction) -> Action {
        match action {
            RuleAction::ToTable => Action::ToTable,
            RuleAction::Goto => Action::Goto,
            RuleAction::Nop => Action::Nop,
            RuleAction::Blackhole => Action::Blackhole,
            RuleAction::Unreachable => Action::Unreachable,
            RuleAction::Prohibit => Action::Prohibit,
            other => Action::Other(u8::from(other)),
        }
    }

    /// The error `fib4_rule_action` returns for an action that ends the walk without a table
    /// lookup (negative errno), or `None` for the actions that look up or go on.
    pub fn error(self) -> Option<i32> {
        match self {
            Action::ToTable | Action::Goto | Action::Nop => None,
            Action::Unreachable => Some(-libc::ENETUNREACH),
            Action::Prohibit => Some(-libc::EACCES),
            Action::Blackhole | Action::Other(_) => Some(-libc::EINVAL),
        }
    }
}

/// A port selector: a range (`sport 1000-2000`), or one port under a mask (`sport 0x50/0xf0`,
/// kernel 6.15+).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ports {
    /// First port of the range.
    pub start: u16,
    /// Last port of the range (equal to `start` for one port).
    pub end: u16,
    /// FRA_SPORT_MASK/FRA_DPORT_MASK, where the kernel reported one.
    pub mask: Option<u16>,
}

/// A DSCP selector (FRA_DSCP, kernel 6.12+), as opposed to the legacy `tos` of the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dscp {
    /// The DSCP value, 0..=63.
    pub value: u8,
    /// FRA_DSCP_MASK (kernel 6.15+), in DSCP units; the kernel compares all six bits without.
    pub mask: Option<u8>,
}

/// One rule of a namespace's IPv4 or IPv6 policy routing list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// FRA_PRIORITY (0 when absent, as for the `local` rule).
    pub priority: u32,
    /// FIB_RULE_INVERT: `not`, the selector's result is inverted.
    pub invert: bool,
    /// FRA_SRC with the header's `src_len`; `None` is `from all`.
    pub src: Option<(IpAddr, u8)>,
    /// FRA_DST with the header's `dst_len`.
    pub dst: Option<(IpAddr, u8)>,
    /// The header's `tos`: the legacy TOS selector (0: none).
    pub tos: u8,
    /// FRA_DSCP: the DSCP selector.
    pub dscp: Option<Dscp>,
    /// FRA_FWMARK, where present.
    pub fwmark: Option<u32>,
    /// FRA_FWMASK, where present.
    pub fwmask: Option<u32>,
    /// FRA_IIFNAME: the input device's name.
    pub iif: Option<String>,
    /// FIB_RULE_IIF_DETACHED: no device of that name exists at the moment.
    pub iif_detached: bool,
    /// FRA_OIFNAME: the output device's name.
    pub oif: Option<String>,
    /// FIB_RULE_OIF_DETACHED.
    pub oif_detached: bool,
    /// FRA_L3MDEV: look up the table of the flow's VRF.
    pub l3mdev: bool,
    /// FRA_UID_RANGE (inclusive).
    pub uid_range: Option<(u32, u32)>,
    /// FRA_IP_PROTO.
    pub ip_proto: Option<u8>,
    /// FRA_SPORT_RANGE (with FRA_SPORT_MASK).
    pub sport: Option<Ports>,
    /// FRA_DPORT_RANGE (with FRA_DPORT_MASK).
    pub dport: Option<Ports>,
    /// FRA_TUN_ID: the tunnel id of metadata-based tunnels, which bindscope does not trace.
    pub tun_id: Option<u64>,
    /// FRA_TABLE (or the header's `table`): 0 for rules that look nothing up.
    pub table: u32,
    /// FRA_SUPPRESS_PREFIXLEN, where present and not -1.
    pub suppress_prefixlength: Option<i32>,
    /// FRA_SUPPRESS_IFGROUP, where present and not -1.
    pub suppress_ifgroup: Option<i32>,
    /// FRA_FLOW: realms (`from << 16 | to`), a classification, not a selector.
    pub realms: Option<u32>,
    /// The header's `action`.
    pub action: Action,
    /// FRA_GOTO: the priority a goto rule jumps to.
    pub goto: Option<u32>,
    /// FIB_RULE_UNRESOLVED: no rule of the goto's target priority exists.
    pub unresolved: bool,
    /// FRA_PROTOCOL: who installed the rule.
    pub protocol: Option<u8>,
    /// Its text and brief form, made the first time they are asked for (see [`Shown`]).
    pub shown: Shown,
}

/// A rule's text (`ip rule show`) and brief form, made once, on first use, and shared: the
/// tracer names the rule behind every table lookup, by the hundred thousand a second, and
/// formatting the rule each time was a sixth of its work under policy routing.
///
/// It is derived data: it takes no part in comparing rules, and a rule must not be changed
/// once it has been shown (rules come from rtnetlink messages and are not changed after
/// they are read; a changed rule list is a new list).
#[derive(Clone, Default)]
pub struct Shown(OnceLock<(Arc<str>, Arc<str>)>);

impl Shown {
    /// The text and the brief form of `rule`, made now if not yet.
    pub(super) fn get(&self, rule: &Rule) -> (Arc<str>, Arc<str>) {
        self.0
            .get_or_init(|| (rule.to_string().into(), rule.brief().into()))
            .clone()
    }
}

impl PartialEq for Shown {
    fn eq(&self, _: &Shown) -> bool {
        true
    }
}

impl Eq for Shown {}

impl fmt::Debug for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Shown")
    }
}

impl Rule {
    /// Its text as `ip rule show` prints it and its brief form, shared (see [`Shown`]).
    pub fn text_and_brief(&self) -> (Arc<str>, Arc<str>) {
        self.shown.get(self)
    }

    /// A rule that matches everything and looks up `table`, at `priority`: the shape of the
    /// kernel's default rules (`fib_default_rules_init`), and a base for tests.
    pub fn lookup(priority: u32, table: u32) -> Rule {
        Rule {
            priority,
            invert: false,
            src: None,
            dst: None,
            tos: 0,
            dscp: None,
            fwmark: None,
            fwmask: None,
            iif: None,
            iif_detached: false,
            oif: None,
            oif_detached: false,
            l3mdev: false,
            uid_range: None,
            ip_proto: None,
            sport: None,
            dport: None,
            tun_id: None,
            table,
            suppress_prefixlength: None,
            suppress_ifgroup: None,
            realms: None,
            action: Action::ToTable,
            goto: None,
            unresolved: false,
            protocol: None,
            shown: Shown::default(),
        }
    }

    /// The IPv4 rule an RTM_NEWRULE/RTM_DELRULE message describes, or `None` for a rule of
    /// another family.
    pub fn from_message(message: &RuleMessage) -> Option<Rule> {
        Rule::from_message_of(message, AddressFamily::Inet)
    }

    /// The rule of `family` (IPv4 or IPv6) an RTM_NEWRULE/RTM_DELRULE message describes, or
    /// `None` for a rule of another family.
    pub fn from_message_of(message: &RuleMessage, family: AddressFamily) -> Option<Rule> {
        let header = &message.header;
        if header.family != family {
            return None;
        }
        let mut rule = Rule::lookup(0, u32::from(header.table));
        rule.invert = header.flags.contains(RuleFlags::Invert);
        rule.iif_detached = header.flags.contains(RuleFlags::IifDetached);
        rule.oif_detached = header.flags.contains(RuleFlags::OifDetached);
        rule.unresolved = header.flags.contains(RuleFlags::Unresolved);
        rule.tos = header.tos;
        rule.action = Action::from_netlink(header.action);
        let mut sport_mask = None;
        let mut dport_mask = None;
        let mut dscp_mask = None;
        for attribute in &message.attributes {
            match attribute {
                RuleAttribute::Source(a) => rule.src = Some((*a, header.src_len)),
                RuleAttribute::Destination(a) => rule.dst = Some((*a, header.dst_len)),
                RuleAttribute::Iifname(name) => rule.iif = Some(name.clone()),
                RuleAttribute::Oifname(name) => rule.oif = Some(name.clone()),
                RuleAttribute::Goto(target) => rule.goto = Some(*target),
                RuleAttribute::Priority(p) => rule.priority = *p,
                RuleAttribute::FwMark(m) => rule.fwmark = Some(*m),
                RuleAttribute::FwMask(m) => rule.fwmask = Some(*m),
                RuleAttribute::Realm(realm) => {
                    rule.realms = Some(u32::from(realm.source) << 16 | u32::from(realm.destination))
                }
                RuleAttribute::TunId(id) => rule.tun_id = Some(*id),
                RuleAttribute::SuppressIfGroup(g) => {
                    rule.suppress_ifgroup = Some(*g as i32).filter(|g| *g != -1)
                }
                RuleAttribute::SuppressPrefixLen(p) => {
                    rule.suppress_prefixlength = Some(*p as i32).filter(|p| *p != -1)
                }
                RuleAttribute::Table(t) => rule.table = *t,
                RuleAttribute::L3MDev(on) => rule.l3mdev = *on,
                RuleAttribute::UidRange(r) => rule.uid_range = Some((r.start, r.end)),
                RuleAttribute::Protocol(p) => rule.protocol = Some(u8::from(*p)),
                RuleAttribute::IpProtocol(p) => rule.ip_proto = Some(u8::from(*p)),
                RuleAttribute::SourcePortRange(r) => {
                    rule.sport = Some(Ports {
                        start: r.start,
                        end: r.end,
                        mask: None,
                    })
                }
                RuleAttribute::DestinationPortRange(r) => {
                    rule.dport = Some(Ports {
                        start: r.start,
                        end: r.end,
                        mask: None,
                    })
                }
                RuleAttribute::Other(nla) => {
                    let mut value = vec![0u8; nla.value_len()];
                    nla.emit_value(&mut value);
                    let u16_value = |v: &[u8]| v.get(..2).map(|b| u16::from_ne_bytes([b[0], b[1]]));
                    match nla.kind() {
                        FRA_DSCP => {
                            rule.dscp = value.first().map(|v| Dscp {
                                value: *v,
                                mask: None,
                            })
                        }
                        FRA_DSCP_MASK => dscp_mask = value.first().copied(),
                        FRA_SPORT_MASK => sport_mask = u16_value(&value),
                        FRA_DPORT_MASK => dport_mask = u16_value(&value),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        if let Some(ports) = rule.sport.as_mut() {
            ports.mask = sport_mask;
        }
        if let Some(ports) = rule.dport.as_mut() {
            ports.mask = dport_mask;
        }
        if let Some(dscp) = rule.dscp.as_mut() {
            dscp.mask = dscp_mask;
        }
        Some(rule)
    }

    /// The mask the kernel compares the mark under: FRA_FWMASK, or all bits when only a
    /// non-zero mark was given (`fib_nl2rule`: "compatibility").
    pub fn mark_mask(&self) -> u32 {
        match (self.fwmark, self.fwmask) {
            (_, Some(mask)) => mask,
            (Some(mark), None) if mark != 0 => u32::MAX,
            _ => 0,
        }
    }

    /// Whether a hit in this rule's table can be refused (`fib4_rule_suppress`).
    pub fn suppresses(&self) -> bool {
        self.suppress_prefixlength.is_some() || self.suppress_ifgroup.is_some()
    }
}

#[cfg(test)]
mod tests {
    use netlink_packet_core::DefaultNla;
    use netlink_packet_route::rule::RulePortRange;

    use super::*;

    /// Attributes newer than the crate (and than this host's iproute2), as a 6.15+ kernel
    /// sends them for `ip rule add sport 0x50/0xfff0 dscp 0xa/0x3c table 100`.
    #[test]
    fn dscp_and_port_masks_are_read_from_raw_attributes() {
        let mut message = RuleMessage::default();
        message.header.family = AddressFamily::Inet;
        message.header.action = RuleAction::ToTable;
        message.attributes = vec![
            RuleAttribute::Priority(100),
            RuleAttribute::Table(100),
            RuleAttribute::SourcePortRange(RulePortRange {
                start: 0x50,
                end: 0x50,
            }),
            RuleAttribute::Other(DefaultNla::new(
                FRA_SPORT_MASK,
                0xfff0u16.to_ne_bytes().to_vec(),
            )),
            RuleAttribute::Other(DefaultNla::new(FRA_DSCP, vec![0xa])),
            RuleAttribute::Other(DefaultNla::new(FRA_DSCP_MASK, vec![0x3c])),
        ];
        let rule = Rule::from_message(&message).expect("an IPv4 rule");
        assert_eq!(
            rule.sport,
            Some(Ports {
                start: 0x50,
                end: 0x50,
                mask: Some(0xfff0)
            })
        );
        assert_eq!(
            rule.dscp,
            Some(Dscp {
                value: 0xa,
                mask: Some(0x3c)
            })
        );
        assert_eq!(
            rule.to_string(),
            "100: from all sport 0x50/0xfff0 lookup 100 dscp 0xa/0x3c"
        );
    }

    #[test]
    fn rules_of_other_families_are_left_out() {
        let mut message = RuleMessage::default();
        message.header.family = AddressFamily::Inet6;
        assert_eq!(Rule::from_message(&message), None);
        message.header.table = 100;
        message.header.src_len = 128;
        message.header.action = RuleAction::ToTable;
        message.attributes = vec![
            RuleAttribute::Priority(1000),
            RuleAttribute::Source("2001:db8:0:2::2".parse().unwrap()),
        ];
        let rule = Rule::from_message_of(&message, AddressFamily::Inet6).expect("an IPv6 rule");
        assert_eq!(rule.to_string(), "1000: from 2001:db8:0:2::2 lookup 100");
    }
}
