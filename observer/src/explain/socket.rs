//! What a socket's device options do to its route lookups, as `udp_sendmsg` and
//! `ip4_datagram_connect` (net/ipv4/udp.c, datagram.c) take them: the oif starts as the bound
//! device (`SO_BINDTODEVICE`, `sk_bound_dev_if`); to a multicast group, `IP_MULTICAST_IF`
//! gives it only when no device is bound (or the bound one is a VRF), and its address, if
//! any, is the source of a socket bound to no address; to any other destination (the
//! broadcasts too), `IP_UNICAST_IF` gives it only when no device is bound. On a socket
//! already bound to a device, setting `IP_MULTICAST_IF` to another device, or
//! `IP_UNICAST_IF` to a device outside the bound VRF, fails with EINVAL
//! (`do_ip_setsockopt`).

use std::net::Ipv4Addr;

use netlink_packet_route::route::RouteType;

use super::request::Request;
use crate::routes::Snapshot;

/// The lookup's keys the options give, and what each option did.
pub(super) struct Keys {
    /// The oif (index, name).
    pub(super) oif: Option<(u32, String)>,
    /// What gave it.
    pub(super) oif_by: Option<&'static str>,
    /// The source.
    pub(super) src: Option<Ipv4Addr>,
    /// One sentence per option.
    pub(super) notes: Vec<String>,
}

/// The device that owns `addr`: its `local` route's.
pub(super) fn owner(snapshot: &Snapshot, addr: Ipv4Addr) -> Option<String> {
    snapshot
        .tables
        .iter()
        .flat_map(|(_, routes)| routes)
        .find(|r| r.kind == RouteType::Local && r.prefix_len == 32 && r.destination == addr)
        .and_then(|r| r.device.clone())
}

/// The keys for `dst` from the bound device and the options.
pub(super) fn keys(
    dst: Ipv4Addr,
    request: &Request,
    bound: Option<(u32, String)>,
    multicast_if: Option<((u32, String), Option<Ipv4Addr>)>,
    unicast_if: Option<(u32, String)>,
) -> Keys {
    let mut notes = Vec::new();
    let mut src = request.src;
    let mut oif_by = bound.as_ref().map(|_| "SO_BINDTODEVICE");
    let mut oif = bound.clone();
    if dst.is_multicast() {
        if let Some(((index, name), addr)) = multicast_if {
            match &bound {
                Some((_, b)) if *b != name => notes.push(format!(
                    "IP_MULTICAST_IF {name} is not used: the socket is bound to {b}, and the \
                     bound device wins (udp_sendmsg takes IP_MULTICAST_IF only when no device \
                     is bound); set before SO_BINDTODEVICE it is kept unused, set after it \
                     fails with EINVAL"
                )),
                Some((_, b)) => notes.push(format!(
                    "IP_MULTICAST_IF names {b}, the device the socket is bound to"
                )),
                None => {
                    notes.push(format!(
                        "IP_MULTICAST_IF {name}: the oif of the socket's lookups to multicast \
                         groups (udp_sendmsg, ip4_datagram_connect)"
                    ));
                    oif = Some((index, name));
                    oif_by = Some("IP_MULTICAST_IF");
                }
            }
            if let Some(addr) = addr {
                if src.is_none() {
                    notes.push(format!(
                        "IP_MULTICAST_IF {addr}: a socket bound to no address sends to \
                         multicast groups from it"
                    ));
                    src = Some(addr);
                } else {
                    notes.push(format!(
                        "IP_MULTICAST_IF {addr}: not the source, as the socket is bound to an \
                         address"
                    ));
                }
            }
        }
        if let Some((_, name)) = unicast_if {
            notes.push(format!(
                "IP_UNICAST_IF {name} does not apply: {dst} is a multicast group, for which \
                 IP_MULTICAST_IF or the bound device gives the oif"
            ));
        }
    } else {
        if let Some(((_, name), _)) = multicast_if {
            notes.push(format!(
                "IP_MULTICAST_IF {name} does not apply: {dst} is not a multicast group"
            ));
        }
        if let Some((index, name)) = unicast_if {
            match &bound {
                Some((_, b)) => notes.push(format!(
                    "IP_UNICAST_IF {name} is not used: the socket is bound to {b}, and the \
                     bound device wins (udp_sendmsg takes IP_UNICAST_IF only when no device is \
                     bound); set before SO_BINDTODEVICE it is kept unused, set after it fails \
                     with EINVAL (on a device outside a VRF, even {b} itself)"
                )),
                None => {
                    notes.push(format!(
                        "IP_UNICAST_IF {name}: the oif of the socket's lookups to destinations \
                         that are not multicast, the broadcasts included (udp_sendmsg, \
                         ip4_datagram_connect)"
                    ));
                    oif = Some((index, name));
                    oif_by = Some("IP_UNICAST_IF");
                }
            }
        }
    }
    Keys {
        oif,
        oif_by,
        src,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(index: u32, name: &str) -> Option<(u32, String)> {
        Some((index, name.to_owned()))
    }

    fn addr(text: &str) -> Ipv4Addr {
        text.parse().unwrap()
    }

    #[test]
    fn multicast_if_gives_the_oif_of_multicast_lookups_only_where_none_is_bound() {
        let request = Request::default();
        let given = keys(
            addr("239.1.2.3"),
            &request,
            None,
            dev(3, "eth3").map(|d| (d, None)),
            None,
        );
        assert_eq!(given.oif, dev(3, "eth3"));
        assert_eq!(given.oif_by, Some("IP_MULTICAST_IF"));
        let bound = keys_bound("239.1.2.3");
        assert_eq!(bound.oif, dev(2, "eth0"));
        assert_eq!(bound.oif_by, Some("SO_BINDTODEVICE"));
        assert!(bound.notes.iter().any(|n| n.contains("bound device wins")));
        let unicast = keys(
            addr("198.51.100.9"),
            &request,
            None,
            dev(3, "eth3").map(|d| (d, None)),
            None,
        );
        assert_eq!(unicast.oif, None);
        assert!(unicast.notes[0].contains("does not apply"));
    }

    fn keys_bound(dst: &str) -> Keys {
        keys(
            addr(dst),
            &Request::default(),
            dev(2, "eth0"),
            dev(3, "eth3").map(|d| (d, None)),
            dev(3, "eth3"),
        )
    }

    #[test]
    fn multicast_if_address_is_the_source_of_a_socket_bound_to_none() {
        let mc = dev(3, "eth3").map(|d| (d, Some(addr("192.0.2.194"))));
        let free = keys(
            addr("239.1.2.3"),
            &Request::default(),
            None,
            mc.clone(),
            None,
        );
        assert_eq!(free.src, Some(addr("192.0.2.194")));
        let request = Request {
            src: Some(addr("192.0.2.2")),
            ..Request::default()
        };
        let bound = keys(addr("239.1.2.3"), &request, None, mc, None);
        assert_eq!(bound.src, Some(addr("192.0.2.2")));
    }

    #[test]
    fn unicast_if_gives_the_oif_of_other_lookups_broadcasts_included() {
        for dst in ["198.51.100.9", "255.255.255.255", "192.0.2.255"] {
            let k = keys(addr(dst), &Request::default(), None, None, dev(3, "eth3"));
            assert_eq!(k.oif, dev(3, "eth3"), "{dst}");
            assert_eq!(k.oif_by, Some("IP_UNICAST_IF"));
            let bound = keys_bound(dst);
            assert_eq!(bound.oif, dev(2, "eth0"), "{dst}");
        }
        let multicast = keys(
            addr("239.1.2.3"),
            &Request::default(),
            None,
            None,
            dev(3, "eth3"),
        );
        assert_eq!(multicast.oif, None);
    }
}
