//! The address slots (`RTAX_*`) that FreeBSD, Darwin, OpenBSD and NetBSD share: each
//! system's `rta_name` adds its own slots to these, and [`RtaBit::name`](super::RtaBit::name)
//! asks the system's.

/// The names of the eight slots all four systems share.
pub(crate) const fn common_rta_name(rtax: u8) -> Option<&'static str> {
    Some(match rtax {
        0 => "RTA_DST",
        1 => "RTA_GATEWAY",
        2 => "RTA_NETMASK",
        3 => "RTA_GENMASK",
        4 => "RTA_IFP",
        5 => "RTA_IFA",
        6 => "RTA_AUTHOR",
        7 => "RTA_BRD",
        _ => return None,
    })
}
