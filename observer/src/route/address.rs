//! Addresses in route decisions, with the interface an IPv6 address is scoped to.

use crate::enrich::name::Name;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::Deref;

use serde::{Serialize, Serializer};

/// An address as a route decision reports it: the address, and for an IPv6 address that only
/// means something on one link (link-local unicast, `fe80::/10`; interface- and link-scope
/// multicast, `ff01::/16` and `ff02::/16`) the interface it is scoped to. Written as RFC 4007
/// text, `fe80::1%eth0`; IPv6 addresses in canonical form (RFC 5952), as `Ipv6Addr` writes
/// them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// The address.
    pub ip: IpAddr,
    /// The interface's name (or `if<N>` where it has none), for scoped addresses only.
    pub scope: Option<Name>,
}

impl Address {
    /// `ip`, scoped to the interface `scope` names if `ip` needs a scope (otherwise `scope`
    /// is not called).
    pub fn scoped(ip: IpAddr, scope: impl FnOnce() -> Option<Name>) -> Self {
        let scope = match ip {
            IpAddr::V6(v6) if needs_scope(v6) => scope(),
            _ => None,
        };
        Address { ip, scope }
    }

    /// The IPv4 address, if it is one.
    pub fn v4(&self) -> Option<Ipv4Addr> {
        match self.ip {
            IpAddr::V4(v4) => Some(v4),
            IpAddr::V6(_) => None,
        }
    }
}

/// Whether an IPv6 address is ambiguous without an interface (RFC 4007 section 6).
fn needs_scope(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    first & 0xffc0 == 0xfe80 || first & 0xff0f == 0xff01 || first & 0xff0f == 0xff02
}

impl From<Ipv4Addr> for Address {
    fn from(ip: Ipv4Addr) -> Self {
        Address {
            ip: IpAddr::V4(ip),
            scope: None,
        }
    }
}

impl Deref for Address {
    type Target = IpAddr;

    fn deref(&self) -> &IpAddr {
        &self.ip
    }
}

impl PartialEq<IpAddr> for Address {
    fn eq(&self, other: &IpAddr) -> bool {
        self.ip == *other
    }
}

impl PartialEq<Ipv4Addr> for Address {
    fn eq(&self, other: &Ipv4Addr) -> bool {
        self.ip == *other
    }
}

impl PartialEq<Ipv6Addr> for Address {
    fn eq(&self, other: &Ipv6Addr) -> bool {
        self.ip == *other
    }
}

impl fmt::Display for Address {
    /// For a human: the scope by the escaping rule.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.scope {
            Some(scope) => write!(f, "{}%{scope}", self.ip),
            None => write!(f, "{}", self.ip),
        }
    }
}

impl Serialize for Address {
    /// `ADDR` or `ADDR%SCOPE` with the scope's exact text (JSON escapes its controls); a scope
    /// that is not UTF-8 is written by the escaping rule, its bytes being those of the
    /// interface the decision names (`dev`, `oif_name`).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.scope {
            Some(scope) => serializer.collect_str(&format_args!("{}%{}", self.ip, scope.as_str())),
            None => serializer.collect_str(&self.ip),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_link_scoped_ipv6_addresses_get_a_scope() {
        let eth0 = || Some("eth0".into());
        let text = |ip: &str| Address::scoped(ip.parse().unwrap(), eth0).to_string();
        assert_eq!(text("fe80::1"), "fe80::1%eth0");
        assert_eq!(text("ff02::1:ff00:1"), "ff02::1:ff00:1%eth0");
        assert_eq!(text("ff05::7"), "ff05::7");
        assert_eq!(text("2001:db8:0:0:0:0:0:9"), "2001:db8::9");
        assert_eq!(text("192.0.2.1"), "192.0.2.1");
        let unnamed = Address::scoped("fe80::1".parse().unwrap(), || None);
        assert_eq!(unnamed.to_string(), "fe80::1");
        assert_eq!(
            serde_json::to_string(&Address::scoped("fe80::2".parse().unwrap(), eth0)).unwrap(),
            "\"fe80::2%eth0\""
        );
        let v4 = Ipv4Addr::new(192, 0, 2, 1);
        assert_eq!(Address::from(v4).v4(), Some(v4));
        let address = Address::from(v4);
        assert!(address == IpAddr::V4(v4) && address == v4);
    }
}
