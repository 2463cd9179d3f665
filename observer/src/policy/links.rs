//! The interfaces of one namespace as policy rules need them: the index each name resolves
//! to, and which devices are VRFs (L3 master devices) with which table.
//!
//! Rules name devices (`iif eth1`, `oif wg0`); the kernel resolves the name in the rule's
//! namespace when the rule is added and again whenever a device of that name comes or goes
//! (net/core/fib_rules.c `attach_rules`/`detach_rules`), and compares the index with the
//! flow's `flowi4_iif`/`flowi4_oif`. `l3mdev` rules look up the table of the flow's VRF
//! (net/l3mdev/l3mdev.c `l3mdev_fib_rule_match`).

use std::collections::HashMap;

use netlink_packet_route::link::{
    InfoData, InfoKind, InfoVrf, LinkAttribute, LinkInfo, LinkMessage,
};

/// Interface names, indexes and VRF tables of one namespace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    by_name: HashMap<String, i32>,
    vrf_tables: HashMap<i32, u32>,
}

impl Links {
    /// Records interface `name` with index `ifindex`; `vrf_table` is the table of a VRF
    /// device (`ip link add NAME type vrf table N`), `None` for any other device.
    pub fn insert(&mut self, name: &str, ifindex: i32, vrf_table: Option<u32>) {
        self.by_name.insert(name.to_owned(), ifindex);
        if let Some(table) = vrf_table {
            self.vrf_tables.insert(ifindex, table);
        }
    }

    /// Forgets device `ifindex` (deleted, or about to be recorded under a new name).
    pub fn remove(&mut self, ifindex: i32) {
        self.by_name.retain(|_, index| *index != ifindex);
        self.vrf_tables.remove(&ifindex);
    }

    /// Applies an RTM_DELLINK message.
    pub fn remove_message(&mut self, message: &LinkMessage) {
        if let Ok(index) = i32::try_from(message.header.index) {
            self.remove(index);
        }
    }

    /// Records the device an RTM_NEWLINK message describes, in place of what was known of
    /// its index before (it may have been renamed).
    pub fn insert_message(&mut self, message: &LinkMessage) {
        let mut name = None;
        let mut vrf = false;
        let mut table = None;
        for attribute in &message.attributes {
            match attribute {
                LinkAttribute::IfName(n) => name = Some(n.as_str()),
                LinkAttribute::LinkInfo(infos) => {
                    for info in infos {
                        match info {
                            LinkInfo::Kind(InfoKind::Vrf) => vrf = true,
                            LinkInfo::Data(InfoData::Vrf(data)) => {
                                table = data.iter().find_map(|d| match d {
                                    InfoVrf::TableId(t) => Some(*t),
                                    _ => None,
                                })
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        if let (Some(name), Ok(index)) = (name, i32::try_from(message.header.index)) {
            self.remove(index);
            self.insert(name, index, table.filter(|_| vrf));
        }
    }

    /// The index `name` resolves to, if a device of that name exists.
    pub fn index(&self, name: &str) -> Option<i32> {
        self.by_name.get(name).copied()
    }

    /// The name of device `ifindex`, if it exists.
    pub fn name(&self, ifindex: i32) -> Option<&str> {
        self.by_name
            .iter()
            .find_map(|(name, index)| (*index == ifindex).then_some(name.as_str()))
    }

    /// The name of device `ifindex`, or `if<N>` for an index no device has (gone since).
    pub fn label(&self, ifindex: i32) -> String {
        self.name(ifindex)
            .map_or_else(|| format!("if{ifindex}"), str::to_owned)
    }

    /// The table of VRF device `ifindex`, or `None` if it is not a VRF.
    pub fn vrf_table(&self, ifindex: i32) -> Option<u32> {
        self.vrf_tables.get(&ifindex).copied()
    }

    /// Whether the device called `name` is a VRF.
    pub fn is_vrf(&self, name: &str) -> bool {
        self.index(name)
            .is_some_and(|i| self.vrf_tables.contains_key(&i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An RTM_NEWLINK message as the kernel sends it for `name` (index `index`), with the
    /// IFLA_LINKINFO of a VRF of table `vrf_table` if given (drivers/net/vrf.c
    /// `vrf_fillinfo`): this host has no vrf driver to create one.
    fn link(name: &str, index: u32, vrf_table: Option<u32>) -> LinkMessage {
        let mut message = LinkMessage::default();
        message.header.index = index;
        message.attributes.push(LinkAttribute::IfName(name.into()));
        if let Some(table) = vrf_table {
            message.attributes.push(LinkAttribute::LinkInfo(vec![
                LinkInfo::Kind(InfoKind::Vrf),
                LinkInfo::Data(InfoData::Vrf(vec![InfoVrf::TableId(table)])),
            ]));
        }
        message
    }

    #[test]
    fn vrf_devices_carry_their_table() {
        let mut links = Links::default();
        links.insert_message(&link("blue", 5, Some(10)));
        links.insert_message(&link("eth1", 3, None));
        assert_eq!(links.index("blue"), Some(5));
        assert_eq!(links.vrf_table(5), Some(10));
        assert!(links.is_vrf("blue"));
        assert!(!links.is_vrf("eth1"));
        assert_eq!(links.vrf_table(3), None);
    }

    #[test]
    fn a_renamed_or_deleted_device_no_longer_resolves_by_its_old_name() {
        let mut links = Links::default();
        links.insert_message(&link("a0", 4, None));
        links.insert_message(&link("a2", 4, None));
        assert_eq!(links.index("a0"), None);
        assert_eq!(links.index("a2"), Some(4));
        links.remove_message(&link("a2", 4, None));
        assert_eq!(links.index("a2"), None);
    }
}
