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
                     is bound); on a socket already bound to {b}, setting it to {name} fails \
                     with EINVAL"
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
                     bound); on a socket bound to a device outside a VRF, setting it fails \
                     with EINVAL"
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
