//! The decisions the kernel makes without any table lookup, as net/ipv4/route.c takes them,
//! so that an explanation names them instead of calling them untraced:
//!
//! - output, a multicast or limited broadcast destination, a source and no device
//!   (`ip_route_output_key_hash_rcu`): out of the device that owns the source
//!   (`__ip_dev_find`), "so that vic, vat and friends work"; no device owns it:
//!   ENETUNREACH;
//! - output with a device, to a link-local multicast group (224.0.0.0/24), the limited
//!   broadcast or with protocol IGMP: out of that device (other multicast groups are looked
//!   up, and fall back to on-link there when no route goes through it);
//! - output with a source that no device owns: ENETUNREACH, before any lookup;
//! - output with a device that is down (or has no IPv4 configuration): ENETUNREACH, before
//!   any lookup;
//! - input of a multicast destination (`ip_route_input_rcu`): `ip_route_input_mc` when the
//!   device joined the group (or forwards multicast, except link-local groups), else EINVAL;
//! - input of the limited broadcast (`ip_route_input_slow`): delivered as broadcast.
//!
//! The source a shortcut keeps is still checked by a reverse lookup
//! (`fib_validate_source`) on input; that lookup's destination is the source, so it is not
//! among the request's.

use std::net::Ipv4Addr;

use super::model::Inputs;

fn lbcast(a: Ipv4Addr) -> bool {
    a == Ipv4Addr::BROADCAST
}

/// 224.0.0.0/24 (`ipv4_is_local_multicast`).
fn local_multicast(a: Ipv4Addr) -> bool {
    u32::from(a) & 0xffff_ff00 == 0xe000_0000
}

/// What decided, and why, when the kernel looked up no table for `inputs`' request; `None`
/// when it should have looked one up (the lookups were then not traced).
pub(super) fn decided(inputs: &Inputs<'_>) -> Option<(&'static str, String)> {
    let request = inputs.request;
    let dst = request.dst?;
    let reply = &inputs.answers.route.reply;
    let dev = || -> String {
        reply
            .as_ref()
            .ok()
            .and_then(|m| crate::routes::Route::from_message(m, inputs.links))
            .and_then(|r| r.device)
            .unwrap_or_else(|| "-".into())
    };
    let what = if dst.is_multicast() {
        "a multicast group"
    } else {
        "the limited broadcast"
    };
    if let Some((_, iif)) = &inputs.iif {
        let src = request.src.unwrap_or(Ipv4Addr::UNSPECIFIED);
        if src.is_multicast() || lbcast(src) {
            return Some((
                "source-check",
                format!(
                    "a received packet from {src} is a martian: no source is multicast or \
                     broadcast (ip_route_input_slow refuses it before any lookup, EINVAL)"
                ),
            ));
        }
        if dst.is_multicast() {
            return Some(match reply {
                Ok(_) => (
                    "input-multicast",
                    format!(
                        "{dst} is a multicast group that {iif} has joined (or {iif} forwards \
                         multicast): ip_route_input_mc builds the route itself, delivering it \
                         here (and to the multicast router, if any), with no table lookup; \
                         only the source is checked, by a reverse lookup"
                    ),
                ),
                Err(_) => (
                    "input-multicast",
                    format!(
                        "{iif} has not joined the group {dst}{}: ip_route_input_rcu drops the \
                         packet (EINVAL) without any table lookup",
                        if local_multicast(dst) {
                            " (a link-local group, 224.0.0.0/24, is never forwarded)"
                        } else {
                            " and does not forward multicast (mc_forwarding 0: no multicast \
                             routing daemon on it)"
                        }
                    ),
                ),
            });
        }
        if lbcast(dst) {
            return Some((
                "input-broadcast",
                format!(
                    "255.255.255.255 received on {iif}: ip_route_input_slow delivers the \
                     limited broadcast locally (brd_input) with no table lookup; only the \
                     source is checked, by a reverse lookup"
                ),
            ));
        }
        return None;
    }
    if let Some(src) = request.src {
        if src.is_multicast() || lbcast(src) || src.octets()[0] == 0 {
            return Some((
                "source-check",
                format!(
                    "the source {src} is multicast, broadcast or in 0.0.0.0/8: \
                     ip_route_output_key_hash_rcu refuses it before any lookup (EINVAL)"
                ),
            ));
        }
        if inputs.oif.is_none() && (dst.is_multicast() || lbcast(dst)) {
            return Some(match reply {
                Ok(_) => (
                    "source-device",
                    format!(
                        "{dst} is {what}, with a source and no device: \
                         ip_route_output_key_hash_rcu sends it out of the device that owns \
                         {src} ({}), with no table lookup (a socket bound to an address picks \
                         its multicast device that way, without IP_MULTICAST_IF)",
                        dev()
                    ),
                ),
                Err(_) => (
                    "source-device",
                    format!(
                        "{dst} is {what}, with a source and no device: the kernel sends it out \
                         of the device that owns {src}, and no device of this namespace owns \
                         it (ENETUNREACH, with no table lookup)"
                    ),
                ),
            });
        }
        if matches!(reply, Err(e) if -*e == libc::ENETUNREACH) {
            return Some((
                "source-check",
                format!(
                    "no device of this namespace owns the source {src}: \
                     ip_route_output_key_hash_rcu refuses the flow before any lookup \
                     (ENETUNREACH; a socket with IP_FREEBIND or IP_TRANSPARENT skips this check)"
                ),
            ));
        }
    }
    if let Some((_, oif)) = &inputs.oif {
        if matches!(reply, Err(e) if -*e == libc::ENETUNREACH) {
            return Some((
                "oif",
                format!(
                    "{oif} is down, or has no IPv4 configuration: \
                     ip_route_output_key_hash_rcu refuses a lookup bound to it before any \
                     table (ENETUNREACH)"
                ),
            ));
        }
        let igmp = request.proto == Some(libc::IPPROTO_IGMP as u8);
        if local_multicast(dst) || lbcast(dst) || igmp {
            let which = if igmp {
                "an IGMP packet".to_owned()
            } else if lbcast(dst) {
                "the limited broadcast".to_owned()
            } else {
                format!("{dst}, a link-local multicast group (224.0.0.0/24),")
            };
            return Some((
                "oif",
                format!(
                    "{which} with a device: ip_route_output_key_hash_rcu sends it out of {oif}, \
                     with no table lookup{}",
                    if request.src.is_none() {
                        format!(" (source: {oif}'s first address of link scope or wider)")
                    } else {
                        String::new()
                    }
                ),
            ));
        }
    }
    None
}
