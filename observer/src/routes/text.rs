//! Routes as text: rows in route(8)'s layout (net-tools lib/inet_gr.c `rprint_fib`, numeric
//! as with `-n`), and a one-line `ip route`-like form for the changes `--watch` prints.

use std::fmt::Write as _;
use std::io::{self, Write};

use netlink_packet_route::route::RouteType;

use super::{Route, Snapshot};
use crate::policy::table_name;

/// route(8)'s title and column header.
const TITLE: &str = "Kernel IP routing table";
const HEADER: &str =
    "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface";

impl Route {
    /// route(8)'s flags: `!` (reject) or `U` (up), then `G` (through a gateway) and `H` (a
    /// host route, /32). The kernel sets RTF_UP on every route it lists, but route(8) shows
    /// only `!` for a rejecting one.
    pub fn flags(&self) -> String {
        let mut flags = String::new();
        if self.rejects() {
            flags.push('!');
        } else {
            flags.push('U');
            if self.gateway.is_some() {
                flags.push('G');
            }
        }
        if self.prefix_len == 32 {
            flags.push('H');
        }
        flags
    }

    /// The row route(8) prints for this route: a rejecting route has `-` for its gateway,
    /// `Ref` and device; a route without a device (blackhole, throw) `*`.
    pub fn row(&self) -> String {
        let (gateway, reference, device) = if self.rejects() {
            ("-".to_owned(), "-", "-".to_owned())
        } else {
            (
                self.gateway
                    .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED)
                    .to_string(),
                "0",
                self.device.clone().unwrap_or_else(|| "*".into()),
            )
        };
        format!(
            "{:<15} {:<15} {:<15} {:<5} {:<6} {:<3} {:>6} {}",
            self.destination.to_string(),
            gateway,
            self.genmask().to_string(),
            self.flags(),
            self.metric,
            reference,
            0,
            device
        )
    }

    /// The route in one line, in `ip route`'s words: `[TYPE ]PREFIX [via GW] [dev DEV]
    /// [table T] [src ADDR] [metric N]`.
    pub fn brief(&self) -> String {
        let mut text = String::new();
        if self.kind != RouteType::Unicast {
            text.push_str(&self.kind_word());
            text.push(' ');
        }
        if self.prefix_len == 0 {
            text.push_str("default");
        } else {
            let _ = write!(text, "{}/{}", self.destination, self.prefix_len);
        }
        if let Some(gateway) = self.gateway {
            let _ = write!(text, " via {gateway}");
        }
        if let Some(device) = &self.device {
            let _ = write!(text, " dev {device}");
        }
        let _ = write!(text, " table {}", table_name(self.table));
        if let Some(source) = self.source {
            let _ = write!(text, " src {source}");
        }
        if self.metric != 0 {
            let _ = write!(text, " metric {}", self.metric);
        }
        text
    }
}

/// Writes the tables of `snapshot` in route(8)'s layout, and its rules (if any) as `ip rule
/// show` prints them. A lone table gets route(8)'s own title; several are each titled with
/// their table's name.
pub fn write_tables(out: &mut (impl Write + ?Sized), snapshot: &Snapshot) -> io::Result<()> {
    let several = snapshot.tables.len() > 1;
    for (n, (table, routes)) in snapshot.tables.iter().enumerate() {
        if n > 0 {
            writeln!(out)?;
        }
        if several {
            writeln!(out, "{TITLE}: table {}", table_name(*table))?;
        } else {
            writeln!(out, "{TITLE}")?;
        }
        writeln!(out, "{HEADER}")?;
        for route in routes {
            writeln!(out, "{}", route.row())?;
        }
    }
    if let Some(rules) = &snapshot.rules {
        writeln!(out)?;
        writeln!(out, "Policy rules")?;
        for rule in rules {
            writeln!(out, "{rule}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(kind: RouteType, destination: &str, prefix_len: u8) -> Route {
        Route {
            table: 254,
            kind,
            destination: destination.parse().unwrap(),
            prefix_len,
            gateway: None,
            device: Some("eth0".into()),
            metric: 0,
            source: None,
            tos: 0,
            scope: 0,
        }
    }

    /// The rows of the SO_BINDTODEVICE note's table, as route(8) prints them today (`Use`
    /// is 0 on Linux since 3.6; the note's counts came from the routing cache).
    #[test]
    fn rows_are_laid_out_as_route_8_prints_them() {
        let mut subnet = route(RouteType::Unicast, "171.64.69.0", 26);
        subnet.device = Some("eth0".into());
        assert_eq!(
            subnet.row(),
            "171.64.69.0     0.0.0.0         255.255.255.192 U     0      0        0 eth0"
        );
        let mut default = route(RouteType::Unicast, "0.0.0.0", 0);
        default.gateway = Some("171.64.69.193".parse().unwrap());
        default.device = Some("eth1".into());
        default.metric = 1;
        assert_eq!(
            default.row(),
            "0.0.0.0         171.64.69.193   0.0.0.0         UG    1      0        0 eth1"
        );
        let mut host = route(RouteType::Unreachable, "192.0.2.77", 32);
        host.device = None;
        assert_eq!(
            host.row(),
            "192.0.2.77      -               255.255.255.255 !H    0      -        0 -"
        );
        let mut blackhole = route(RouteType::BlackHole, "198.51.100.128", 25);
        blackhole.device = None;
        assert_eq!(
            blackhole.row(),
            "198.51.100.128  0.0.0.0         255.255.255.128 U     0      0        0 *"
        );
        assert_eq!(blackhole.brief(), "blackhole 198.51.100.128/25 table main");
        assert_eq!(
            default.brief(),
            "default via 171.64.69.193 dev eth1 table main metric 1"
        );
    }
}
