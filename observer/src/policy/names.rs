//! The names `ip rule show` gives numbers: tables, DS field values, device groups, route
//! protocols, realms and IP protocols.
//!
//! iproute2 reads them from its configuration files (lib/rt_names.c: `/etc/iproute2/NAME`,
//! or `/usr/share/iproute2/NAME` when the first is absent, plus `NAME.d/*.conf` for tables
//! and protocols) on top of a few built-in names, and IP protocols from `/etc/protocols`
//! (`getprotobynumber`). bindscope reads the same files once, so a rule prints here as it
//! prints there on the same machine.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

/// Where iproute2 looks first, and where it falls back when a file is absent there.
const ETC: &str = "/etc/iproute2";
const USR: &str = "/usr/share/iproute2";

/// Number-to-name maps, loaded once per process.
#[derive(Debug, Default)]
pub(crate) struct Names {
    tables: HashMap<u32, String>,
    dsfields: HashMap<u32, String>,
    groups: HashMap<u32, String>,
    protocols: HashMap<u32, String>,
    realms: HashMap<u32, String>,
    ip_protocols: HashMap<u32, String>,
}

impl Names {
    /// The names of this machine, read on first use.
    pub(crate) fn get() -> &'static Names {
        static NAMES: OnceLock<Names> = OnceLock::new();
        NAMES.get_or_init(Names::load)
    }

    fn load() -> Names {
        let mut names = Names::builtin();
        read_table(&mut names.tables, "rt_tables", true);
        read_table(&mut names.dsfields, "rt_dsfield", false);
        read_table(&mut names.groups, "group", false);
        read_table(&mut names.protocols, "rt_protos", true);
        read_table(&mut names.realms, "rt_realms", false);
        if let Ok(text) = std::fs::read_to_string("/etc/protocols") {
            for line in text.lines() {
                let mut words = line.split('#').next().unwrap_or("").split_whitespace();
                if let (Some(name), Some(Ok(number))) = (words.next(), words.next().map(str::parse))
                {
                    names.ip_protocols.entry(number).or_insert(name.to_owned());
                }
            }
        }
        names
    }

    /// The names iproute2 knows without any file (lib/rt_names.c).
    pub(crate) fn builtin() -> Names {
        let owned = |pairs: &[(u32, &str)]| {
            pairs
                .iter()
                .map(|(id, name)| (*id, (*name).to_owned()))
                .collect::<HashMap<_, _>>()
        };
        Names {
            tables: owned(&[(253, "default"), (254, "main"), (255, "local")]),
            dsfields: owned(&[(0, "0")]),
            groups: owned(&[(0, "default")]),
            protocols: owned(&[
                (0, "unspec"),
                (1, "redirect"),
                (2, "kernel"),
                (3, "boot"),
                (4, "static"),
                (8, "gated"),
                (9, "ra"),
                (10, "mrt"),
                (11, "zebra"),
                (12, "bird"),
                (13, "dnrouted"),
                (14, "xorp"),
                (15, "ntk"),
                (16, "dhcp"),
                (18, "keepalived"),
                (42, "babel"),
                (186, "bgp"),
                (187, "isis"),
                (188, "ospf"),
                (189, "rip"),
                (192, "eigrp"),
            ]),
            realms: owned(&[(0, "cosmos")]),
            ip_protocols: HashMap::new(),
        }
    }

    /// A table as `rtnl_rttable_n2a` names it: its name, or its number.
    pub(crate) fn table(&self, id: u32) -> String {
        self.tables
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// The id of table `name` as `rtnl_rttable_a2n` reads it: a known name, or a number.
    pub(crate) fn table_id(&self, name: &str) -> Option<u32> {
        self.tables
            .iter()
            .find_map(|(id, known)| (known == name).then_some(*id))
            .or_else(|| name.parse().ok())
    }

    /// A DS field (the header's `tos`) as `rtnl_dsfield_n2a` names it: its name, or `0x%02x`.
    pub(crate) fn dsfield(&self, value: u8) -> String {
        self.dsfields
            .get(&u32::from(value))
            .cloned()
            .unwrap_or_else(|| format!("0x{value:02x}"))
    }

    /// A DSCP value (FRA_DSCP, 0..=63) as `rtnl_dscp_n2a` names it: the name of the DS field
    /// it makes, or the number.
    pub(crate) fn dscp(&self, value: u8) -> String {
        self.dsfields
            .get(&(u32::from(value) << 2))
            .cloned()
            .unwrap_or_else(|| value.to_string())
    }

    /// A device group as `rtnl_group_n2a` names it.
    pub(crate) fn group(&self, id: i32) -> String {
        u32::try_from(id)
            .ok()
            .and_then(|id| self.groups.get(&id).cloned())
            .unwrap_or_else(|| id.to_string())
    }

    /// A route protocol as `rtnl_rtprot_n2a` names it.
    pub(crate) fn protocol(&self, id: u8) -> String {
        self.protocols
            .get(&u32::from(id))
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// A realm as `rtnl_rtrealm_n2a` names it.
    pub(crate) fn realm(&self, id: u32) -> String {
        self.realms
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// An IP protocol as `inet_proto_n2a` names it: its `/etc/protocols` name, or
    /// `ipproto-N`.
    pub(crate) fn ip_protocol(&self, number: u8) -> String {
        self.ip_protocols
            .get(&u32::from(number))
            .cloned()
            .unwrap_or_else(|| format!("ipproto-{number}"))
    }
}

/// Adds the entries of iproute2's file `name` to `map`: from `/etc/iproute2`, or from
/// `/usr/share/iproute2` when the first does not exist, then (`with_dir`) the `*.conf`
/// files of `name.d` in both, those of `/etc` overriding those of the same name in `/usr`.
fn read_table(map: &mut HashMap<u32, String>, name: &str, with_dir: bool) {
    let etc = Path::new(ETC).join(name);
    if !read_entries(map, &etc) {
        read_entries(map, &Path::new(USR).join(name));
    }
    if !with_dir {
        return;
    }
    let dir = format!("{name}.d");
    let etc_dir = Path::new(ETC).join(&dir);
    for base in [Path::new(USR).join(&dir), etc_dir.clone()] {
        let Ok(entries) = std::fs::read_dir(&base) else {
            continue;
        };
        let mut files: Vec<_> = entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|f| f.len() > 5 && f.ends_with(".conf") && !f.starts_with('.'))
            .collect();
        files.sort();
        for file in files {
            if base != etc_dir && etc_dir.join(&file).exists() {
                continue;
            }
            read_entries(map, &base.join(file));
        }
    }
}

/// Reads `ID NAME` lines (ID decimal or `0x` hexadecimal, `#` comments) into `map`; `false`
/// when the file cannot be read.
fn read_entries(map: &mut HashMap<u32, String>, path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    parse_entries(map, &text);
    true
}

/// The parsing of [`read_entries`], as `rtnl_tab_initialize` does it.
pub(crate) fn parse_entries(map: &mut HashMap<u32, String>, text: &str) {
    for line in text.lines() {
        let line = line.trim_start();
        if line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let (Some(id), Some(name)) = (words.next(), words.next()) else {
            continue;
        };
        let id = match id.strip_prefix("0x").or_else(|| id.strip_prefix("0X")) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => id.parse().ok(),
        };
        if let Some(id) = id {
            map.insert(id, name.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_parse_as_iproute2_reads_them() {
        let mut map = HashMap::new();
        parse_entries(
            &mut map,
            "# comment\n255\tlocal\n0x28\tAF11\n  100 vpn # trailing\n#1 inr.ruhep\n",
        );
        assert_eq!(map.get(&255).map(String::as_str), Some("local"));
        assert_eq!(map.get(&0x28).map(String::as_str), Some("AF11"));
        assert_eq!(map.get(&100).map(String::as_str), Some("vpn"));
        assert_eq!(map.len(), 3);
    }

    #[test]
    fn unnamed_numbers_print_as_iproute2_prints_them() {
        let names = Names::builtin();
        assert_eq!(names.table(51820), "51820");
        assert_eq!(names.table(254), "main");
        assert_eq!(names.dsfield(0x10), "0x10");
        assert_eq!(names.dscp(46), "46");
        assert_eq!(names.ip_protocol(6), "ipproto-6");
        assert_eq!(names.group(0), "default");
    }
}
