//! A rule as text: exactly as `ip rule show` prints it ([`Rule`]'s `Display`), and a brief
//! form for the human table ([`Rule::brief`]).
//!
//! The text follows iproute2's ip/iprule.c `print_rule`, field by field and in its order
//! (names of tables, DS fields, groups and protocols as lib/rt_names.c gives them), except
//! that the priority is followed by one space where `ip` prints a tab.

use std::fmt;

use super::names::Names;
use super::rule::{Action, Rule};

impl Action {
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

impl Rule {
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
            Some((addr, len)) if len == host_len(addr) => format!("from {addr}"),
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
            Some((addr, len)) if len == host_len(addr) => out.push_str(&format!(" to {addr}")),
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

/// The prefix length of one address of `addr`'s family: `ip rule` prints such a prefix
/// without its length.
fn host_len(addr: std::net::IpAddr) -> u8 {
    match addr {
        std::net::IpAddr::V4(_) => 32,
        std::net::IpAddr::V6(_) => 128,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rule::Ports;

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
