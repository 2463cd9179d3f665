//! One IPv4 policy routing rule, as the kernel reports it over rtnetlink, printed as
//! `ip rule show` prints it.
//!
//! The fields are those of `struct fib_rule` and `struct fib4_rule` (include/net/fib_rules.h,
//! net/ipv4/fib_rules.c) that `fib_nl_fill_rule` and `fib4_rule_fill` put in an RTM_NEWRULE
//! message; [`Rule::from_message`] reads them with `netlink-packet-route`. The text form
//! follows iproute2's ip/iprule.c `print_rule`, field by field and in its order, except that
//! the priority is followed by one space where `ip` prints a tab.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

use netlink_packet_core::Nla;
use netlink_packet_route::rule::{RuleAction, RuleAttribute, RuleFlags, RuleMessage};
use netlink_packet_route::AddressFamily;

use super::names::Names;

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

    /// The word `ip rule` prints for an action other than a lookup, goto or nop
    /// (`rtnl_rtntype_n2a`: the route types share these numbers).
    fn word(self) -> String {
        match self {
            Action::Blackhole => "blackhole".into(),
            Action::Unreachable => "unreachable".into(),
            Action::Prohibit => "prohibit".into(),
            Action::Other(0) => "none".into(),
            Action::Other(4) => "anycast".into(),
            Action::Other(5) => "multicast".into(),
            Action::Other(9) => "throw".into(),
            Action::Other(10) => "nat".into(),
            Action::Other(11) => "xresolve".into(),
            Action::Other(n) => n.to_string(),
            Action::ToTable | Action::Goto | Action::Nop => String::new(),
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

/// One IPv4 rule of a namespace's policy routing list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// FRA_PRIORITY (0 when absent, as for the `local` rule).
    pub priority: u32,
    /// FIB_RULE_INVERT: `not`, the selector's result is inverted.
    pub invert: bool,
    /// FRA_SRC with the header's `src_len`; `None` is `from all`.
    pub src: Option<(Ipv4Addr, u8)>,
    /// FRA_DST with the header's `dst_len`.
    pub dst: Option<(Ipv4Addr, u8)>,
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
}

impl Rule {
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
        }
    }

    /// The rule an RTM_NEWRULE/RTM_DELRULE message describes, or `None` for a rule of
    /// another family than IPv4.
    pub fn from_message(message: &RuleMessage) -> Option<Rule> {
        let header = &message.header;
        if header.family != AddressFamily::Inet {
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
                RuleAttribute::Source(IpAddr::V4(a)) => rule.src = Some((*a, header.src_len)),
                RuleAttribute::Destination(IpAddr::V4(a)) => rule.dst = Some((*a, header.dst_len)),
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

    /// The short form for the human table: `rule 32765 not fwmark 0xca6c -> table 51820`
    /// (the selectors without `from all`, then what the rule does).
    pub fn brief(&self) -> String {
        let names = Names::get();
        let mut out = format!("rule {}", self.priority);
        if self.invert {
            out.push_str(" not");
        }
        let from = self.from();
        if from != "from all" {
            out.push(' ');
            out.push_str(&from);
        }
        out.push_str(&self.selectors(names, false));
        if let Some(dscp) = self.dscp_text(names) {
            out.push_str(&dscp);
        }
        out.push_str(" -> ");
        match self.action {
            Action::ToTable if self.l3mdev && self.table == 0 => out.push_str("l3mdev table"),
            Action::ToTable => {
                out.push_str("table ");
                out.push_str(&names.table(self.table));
                out.push_str(&self.suppressors(names));
            }
            Action::Goto => match self.goto {
                Some(target) => out.push_str(&format!("goto {target}")),
                None => out.push_str("goto none"),
            },
            Action::Nop => out.push_str("nop"),
            other => out.push_str(&other.word()),
        }
        out
    }

    /// `from all`, `from ADDR` or `from ADDR/LEN`, as `print_rule` writes it.
    fn from(&self) -> String {
        match self.src {
            Some((addr, 32)) => format!("from {addr}"),
            Some((addr, len)) => format!("from {addr}/{len}"),
            None => "from all".into(),
        }
    }

    /// The selectors after `from`, each with its leading space, in `print_rule`'s order: to,
    /// tos, fwmark, iif, oif, l3mdev (`lookup [l3mdev-table]`, left out of the brief form,
    /// which names it as the action), uidrange, ipproto, sport, dport, tun_id.
    fn selectors(&self, names: &Names, with_l3mdev: bool) -> String {
        let mut out = String::new();
        match self.dst {
            Some((addr, 32)) => out.push_str(&format!(" to {addr}")),
            Some((addr, len)) => out.push_str(&format!(" to {addr}/{len}")),
            None => {}
        }
        if self.tos != 0 {
            out.push_str(&format!(" tos {}", names.dsfield(self.tos)));
        }
        if self.fwmark.is_some() || self.fwmask.is_some() {
            out.push_str(&format!(" fwmark {}", hex(self.fwmark.unwrap_or(0))));
            if let Some(mask) = self.fwmask.filter(|m| *m != u32::MAX) {
                out.push_str(&format!("/{}", hex(mask)));
            }
        }
        if let Some(name) = &self.iif {
            out.push_str(&format!(" iif {name}"));
            if self.iif_detached {
                out.push_str(" [detached]");
            }
        }
        if let Some(name) = &self.oif {
            out.push_str(&format!(" oif {name}"));
            if self.oif_detached {
                out.push_str(" [detached]");
            }
        }
        if self.l3mdev && with_l3mdev {
            out.push_str(" lookup [l3mdev-table]");
        }
        if let Some((start, end)) = self.uid_range {
            out.push_str(&format!(" uidrange {start}-{end}"));
        }
        if let Some(proto) = self.ip_proto {
            out.push_str(&format!(" ipproto {}", names.ip_protocol(proto)));
        }
        for (word, ports) in [("sport", self.sport), ("dport", self.dport)] {
            let Some(ports) = ports else { continue };
            out.push_str(&match ports.mask {
                _ if ports.start != ports.end => format!(" {word} {}-{}", ports.start, ports.end),
                Some(mask) if mask != u16::MAX => format!(
                    " {word} {}/{}",
                    hex(u32::from(ports.start)),
                    hex(u32::from(mask))
                ),
                _ => format!(" {word} {}", ports.start),
            });
        }
        if let Some(id) = self.tun_id {
            out.push_str(&format!(" tun_id {id}"));
        }
        out
    }

    /// ` suppress_prefixlength N` and ` suppress_ifgroup G`, as printed after the table.
    fn suppressors(&self, names: &Names) -> String {
        let mut out = String::new();
        if let Some(len) = self.suppress_prefixlength {
            out.push_str(&format!(" suppress_prefixlength {len}"));
        }
        if let Some(group) = self.suppress_ifgroup {
            out.push_str(&format!(" suppress_ifgroup {}", names.group(group)));
        }
        out
    }

    /// ` dscp X` (or ` dscp 0xV/0xM` under a partial mask), printed last by `print_rule`.
    fn dscp_text(&self, names: &Names) -> Option<String> {
        let dscp = self.dscp?;
        Some(match dscp.mask {
            Some(mask) if mask != 0x3f => format!(
                " dscp {}/{}",
                hex(u32::from(dscp.value)),
                hex(u32::from(mask))
            ),
            _ => format!(" dscp {}", names.dscp(dscp.value)),
        })
    }
}

/// `%#llx` as C prints it: `0` for zero, `0x…` otherwise.
fn hex(value: u32) -> String {
    if value == 0 {
        "0".into()
    } else {
        format!("{value:#x}")
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = Names::get();
        write!(f, "{}: ", self.priority)?;
        if self.invert {
            f.write_str("not ")?;
        }
        f.write_str(&self.from())?;
        f.write_str(&self.selectors(names, true))?;
        if self.table != 0 {
            write!(f, " lookup {}", names.table(self.table))?;
            f.write_str(&self.suppressors(names))?;
        }
        if let Some(realms) = self.realms {
            let (from, to) = (realms >> 16, realms & 0xffff);
            f.write_str(" realms ")?;
            if from != 0 {
                write!(f, "{}/", names.realm(from))?;
            }
            f.write_str(&names.realm(to))?;
        }
        match self.action {
            Action::ToTable => {}
            Action::Goto => {
                match self.goto {
                    Some(target) => write!(f, " goto {target}")?,
                    None => f.write_str(" goto none")?,
                }
                if self.unresolved {
                    f.write_str(" [unresolved]")?;
                }
            }
            Action::Nop => f.write_str(" nop")?,
            other => write!(f, " {}", other.word())?,
        }
        if let Some(protocol) = self
            .protocol
            .filter(|p| *p != 0 && *p != libc::RTPROT_KERNEL)
        {
            write!(f, " proto {}", names.protocol(protocol))?;
        }
        if let Some(dscp) = self.dscp_text(names) {
            f.write_str(&dscp)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wireguard() -> Vec<Rule> {
        let mut tunnel = Rule::lookup(32765, 51820);
        tunnel.invert = true;
        tunnel.fwmark = Some(0xca6c);
        tunnel.fwmask = Some(u32::MAX);
        let mut main = Rule::lookup(32766, 254);
        main.suppress_prefixlength = Some(0);
        vec![Rule::lookup(0, 255), tunnel, main, Rule::lookup(32767, 253)]
    }

    #[test]
    fn rules_print_as_ip_rule_show_prints_them() {
        let rules = wireguard();
        let text: Vec<String> = rules.iter().map(Rule::to_string).collect();
        assert_eq!(
            text,
            [
                "0: from all lookup local",
                "32765: not from all fwmark 0xca6c lookup 51820",
                "32766: from all lookup main suppress_prefixlength 0",
                "32767: from all lookup default",
            ]
        );
        let mut prohibit = Rule::lookup(100, 0);
        prohibit.dst = Some(("203.0.113.0".parse().unwrap(), 24));
        prohibit.action = Action::Prohibit;
        assert_eq!(
            prohibit.to_string(),
            "100: from all to 203.0.113.0/24 prohibit"
        );
        let mut uid = Rule::lookup(200, 100);
        uid.uid_range = Some((1000, 1000));
        assert_eq!(
            uid.to_string(),
            "200: from all uidrange 1000-1000 lookup 100"
        );
        let mut goto = Rule::lookup(300, 0);
        goto.src = Some(("192.0.2.7".parse().unwrap(), 32));
        goto.action = Action::Goto;
        goto.goto = Some(400);
        goto.unresolved = true;
        assert_eq!(
            goto.to_string(),
            "300: from 192.0.2.7 goto 400 [unresolved]"
        );
        let mut masked = Rule::lookup(10, 7);
        masked.fwmark = Some(0);
        masked.fwmask = Some(0xff);
        masked.iif = Some("eth1".into());
        masked.iif_detached = true;
        masked.tos = 0x10;
        masked.sport = Some(Ports {
            start: 1000,
            end: 2000,
            mask: None,
        });
        masked.protocol = Some(4);
        assert_eq!(
            masked.to_string(),
            "10: from all tos 0x10 fwmark 0/0xff iif eth1 [detached] sport 1000-2000 lookup 7 proto static"
        );
    }

    #[test]
    fn the_brief_form_drops_from_all_and_names_the_action() {
        let rules = wireguard();
        assert_eq!(
            rules[1].brief(),
            "rule 32765 not fwmark 0xca6c -> table 51820"
        );
        assert_eq!(
            rules[2].brief(),
            "rule 32766 -> table main suppress_prefixlength 0"
        );
        let mut unreachable = Rule::lookup(50, 0);
        unreachable.src = Some(("198.51.100.0".parse().unwrap(), 24));
        unreachable.action = Action::Unreachable;
        assert_eq!(
            unreachable.brief(),
            "rule 50 from 198.51.100.0/24 -> unreachable"
        );
    }
}
