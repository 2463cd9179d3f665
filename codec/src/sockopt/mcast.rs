//! The family-generic multicast options (`MCAST_*`, RFC 3678) at `IPPROTO_IP` and
//! `IPPROTO_IPV6`, and `IP_MSFILTER`. Rules from net/ipv4/ip_sockglue.c (`ip_mcast_join_leave`,
//! `do_mcast_group_source`, `ip_set_mcast_msfilter`, `set_mcast_msfilter`, the `IP_MSFILTER`
//! case), net/ipv6/ipv6_sockglue.c (`ipv6_mcast_join_leave`, `do_ipv6_mcast_group_source`,
//! `ipv6_set_mcast_msfilter`), and the multicast checks of net/ipv4/igmp.c (`ip_mc_join_group`,
//! `ip_mc_source`, `ip_mc_msfilter`) and net/ipv6/mcast.c (`ipv6_sock_mc_join`,
//! `ipv6_sock_mc_drop`, `ip6_mc_source`, `ip6_mc_msfilter`).

use core::net::{IpAddr, Ipv6Addr};

use super::{Ctx, MembershipOp, SockOpt, SourceOp};
use super::{
    IPPROTO_IP, IPPROTO_IPV6, MCAST_BLOCK_SOURCE, MCAST_JOIN_GROUP, MCAST_JOIN_SOURCE_GROUP,
    MCAST_LEAVE_GROUP, MCAST_LEAVE_SOURCE_GROUP, MCAST_MSFILTER, MCAST_UNBLOCK_SOURCE,
};
use crate::addr::{SockaddrIn6, SockaddrRef, AF_INET, AF_INET6};
use crate::group::{GroupReq, GroupSourceReq};
use crate::msfilter::{FilterMode, GroupFilter, IpMsfilter};
use crate::{Error, Result, SockaddrStorage};

/// `IP_MSFILTER`.
pub(super) fn decode_ip_msfilter(optval: &[u8], ctx: Ctx) -> Result<SockOpt<'_>> {
    let filter = IpMsfilter::parse(optval)?;
    check_filter(filter.group().is_multicast(), filter.mode(), ctx)?;
    Ok(SockOpt::IpMsfilter(filter))
}

/// `MCAST_JOIN_GROUP` ..= `MCAST_MSFILTER` at `level` (`IPPROTO_IP` or `IPPROTO_IPV6`).
pub(super) fn decode_mcast(
    level: i32,
    optname: i32,
    optval: &[u8],
    ctx: Ctx,
) -> Result<SockOpt<'_>> {
    let v6 = level == IPPROTO_IPV6;
    match optname {
        MCAST_JOIN_GROUP | MCAST_LEAVE_GROUP => {
            let req = GroupReq::ref_from_prefix(optval).map_err(|_| ctx.bad_len(optval.len()))?;
            let op = if optname == MCAST_JOIN_GROUP {
                MembershipOp::Add
            } else {
                MembershipOp::Drop
            };
            let group = ip_of(req.group(), level, ctx)?;
            // IPv4 leaves without a check (no such membership: EADDRNOTAVAIL); IPv6 checks both.
            if (op == MembershipOp::Add || v6) && !group.is_multicast() {
                return Err(ctx.invalid("group is not a multicast address (EINVAL)"));
            }
            Ok(SockOpt::McastGroup {
                level,
                op,
                ifindex: ifindex(req.interface(), ctx)?,
                group,
            })
        }
        MCAST_JOIN_SOURCE_GROUP
        | MCAST_LEAVE_SOURCE_GROUP
        | MCAST_BLOCK_SOURCE
        | MCAST_UNBLOCK_SOURCE => {
            // IPv4 wants the exact size, IPv6 at least the size.
            let len_ok = if v6 {
                optval.len() >= GroupSourceReq::LEN
            } else {
                optval.len() == GroupSourceReq::LEN
            };
            let req = GroupSourceReq::ref_from_prefix(optval)
                .ok()
                .filter(|_| len_ok)
                .ok_or_else(|| ctx.bad_len(optval.len()))?;
            let family = if v6 { AF_INET6 } else { AF_INET };
            let (group, source) = match (req.group().ip(), req.source().ip()) {
                (Some(g), Some(s))
                    if req.gsr_group.family() == family && req.gsr_source.family() == family =>
                {
                    (g, s)
                }
                _ => {
                    let bad = if req.gsr_group.family() != family {
                        req.gsr_group.family()
                    } else {
                        req.gsr_source.family()
                    };
                    return Err(bad_family(ctx, bad));
                }
            };
            if !group.is_multicast() {
                return Err(ctx.invalid("group is not a multicast address (EINVAL)"));
            }
            let op = match optname {
                MCAST_JOIN_SOURCE_GROUP => SourceOp::AddMembership,
                MCAST_LEAVE_SOURCE_GROUP => SourceOp::DropMembership,
                MCAST_BLOCK_SOURCE => SourceOp::Block,
                _ => SourceOp::Unblock,
            };
            Ok(SockOpt::McastSource {
                level,
                op,
                ifindex: ifindex(req.interface(), ctx)?,
                group,
                source,
            })
        }
        MCAST_MSFILTER => {
            let filter = GroupFilter::parse(optval)?;
            let group_is_multicast = if v6 {
                // ip6_mc_msfilter reads sin6_addr whatever the family says.
                v6_addr_of(&filter.head.gf_group).is_multicast()
            } else {
                // set_mcast_msfilter: every address must be AF_INET (EADDRNOTAVAIL).
                let non_inet = core::iter::once(&filter.head.gf_group)
                    .chain(filter.sources)
                    .find(|ss| ss.family() != AF_INET);
                if let Some(ss) = non_inet {
                    return Err(bad_family(ctx, ss.family()));
                }
                ip_of(filter.group(), level, ctx)?.is_multicast()
            };
            check_filter(group_is_multicast, filter.mode(), ctx)?;
            Ok(SockOpt::McastMsfilter { level, filter })
        }
        _ => Ok(SockOpt::Other {
            level,
            optname,
            raw: optval,
        }),
    }
}

/// `ip_mc_msfilter` / `ip6_mc_msfilter`: a multicast group and a known mode, else `EINVAL`.
fn check_filter(group_is_multicast: bool, mode: Option<FilterMode>, ctx: Ctx) -> Result<()> {
    if !group_is_multicast {
        return Err(ctx.invalid("group is not a multicast address (EINVAL)"));
    }
    if mode.is_none() {
        return Err(ctx.invalid("mode is neither MCAST_INCLUDE nor MCAST_EXCLUDE (EINVAL)"));
    }
    Ok(())
}

/// The group's address if its family is the level's: another family is `EINVAL` for
/// `group_req` at `IPPROTO_IP`, `EADDRNOTAVAIL` otherwise; both are [`Error::BadFamily`].
fn ip_of(addr: SockaddrRef<'_>, level: i32, ctx: Ctx) -> Result<IpAddr> {
    match (addr, level) {
        (SockaddrRef::In(sin), IPPROTO_IP) => Ok(IpAddr::V4(sin.sin_addr.ip())),
        (SockaddrRef::In6(sin6), IPPROTO_IPV6) => Ok(IpAddr::V6(sin6.ip())),
        (other, _) => Err(bad_family(ctx, other.family())),
    }
}

/// The `sin6_addr` of a storage, whatever its family.
fn v6_addr_of(ss: &SockaddrStorage) -> Ipv6Addr {
    SockaddrIn6::ref_from_prefix(zerocopy::IntoBytes::as_bytes(ss))
        .map(SockaddrIn6::ip)
        .unwrap_or(Ipv6Addr::UNSPECIFIED)
}

/// An interface index the kernel passes on as an `int`: above `i32::MAX` it is negative and
/// names no device (`ENODEV`).
fn ifindex(index: u32, ctx: Ctx) -> Result<u32> {
    if i32::try_from(index).is_err() {
        return Err(ctx.invalid("interface index above INT_MAX: no such device (ENODEV)"));
    }
    Ok(index)
}

fn bad_family(ctx: Ctx, family: u16) -> Error {
    Error::BadFamily {
        what: ctx.what(),
        family,
    }
}

/// The `MCAST_*` and `IP_MSFILTER` rules at both levels; the name says what the kernel answers.
#[cfg(test)]
mod tests {
    extern crate std;

    use std::string::ToString;
    use std::vec;

    use zerocopy::IntoBytes;

    use super::super::{decode, IP_MSFILTER};
    use super::*;
    use crate::msfilter::{group_filter_size, ip_msfilter_size, IpMsfilterHead};

    fn is_bad_length(r: Result<SockOpt<'_>>) -> bool {
        matches!(r, Err(Error::BadLength { .. }))
    }

    fn is_invalid(r: Result<SockOpt<'_>>) -> bool {
        matches!(r, Err(Error::Invalid { .. }))
    }

    fn is_bad_family(r: Result<SockOpt<'_>>) -> bool {
        matches!(r, Err(Error::BadFamily { .. }))
    }

    #[test]
    fn join_group_at_both_levels() {
        let req = GroupReq::new(2, "[ff05::1:3]:0".parse().unwrap());
        let opt = decode(IPPROTO_IPV6, MCAST_JOIN_GROUP, req.as_bytes()).unwrap();
        assert_eq!(
            opt.to_string(),
            "MCAST_JOIN_GROUP group=ff05::1:3 ifindex=2"
        );
        assert_eq!(opt.ifindex(), Some(2));
        let req = GroupReq::new(0, "239.1.2.3:0".parse().unwrap());
        let opt = decode(IPPROTO_IP, MCAST_JOIN_GROUP, req.as_bytes()).unwrap();
        assert_eq!(
            opt.to_string(),
            "MCAST_JOIN_GROUP group=239.1.2.3 ifindex=0"
        );
        assert_eq!(opt.addresses().count(), 1);
    }

    #[test]
    fn group_req_short_is_einval_longer_is_fine() {
        let req = GroupReq::new(2, "[ff05::1]:0".parse().unwrap());
        let mut long = vec![0u8; GroupReq::LEN + 8];
        long[..GroupReq::LEN].copy_from_slice(req.as_bytes());
        assert!(decode(IPPROTO_IPV6, MCAST_JOIN_GROUP, &long).is_ok());
        assert!(is_bad_length(decode(
            IPPROTO_IPV6,
            MCAST_JOIN_GROUP,
            &req.as_bytes()[..GroupReq::LEN - 1]
        )));
    }

    #[test]
    fn group_of_the_other_family_is_refused_at_each_level() {
        let v4 = GroupReq::new(0, "239.1.2.3:0".parse().unwrap());
        let v6 = GroupReq::new(0, "[ff05::1]:0".parse().unwrap());
        assert!(is_bad_family(decode(
            IPPROTO_IPV6,
            MCAST_JOIN_GROUP,
            v4.as_bytes()
        )));
        assert!(is_bad_family(decode(
            IPPROTO_IP,
            MCAST_JOIN_GROUP,
            v6.as_bytes()
        )));
    }

    #[test]
    fn non_multicast_group() {
        let v4 = GroupReq::new(0, "192.0.2.1:0".parse().unwrap());
        let v6 = GroupReq::new(0, "[2001:db8::1]:0".parse().unwrap());
        assert!(is_invalid(decode(
            IPPROTO_IP,
            MCAST_JOIN_GROUP,
            v4.as_bytes()
        )));
        // IPv4 leaves without checking (the kernel finds no membership: EADDRNOTAVAIL).
        assert!(decode(IPPROTO_IP, MCAST_LEAVE_GROUP, v4.as_bytes()).is_ok());
        // IPv6 checks both (ipv6_sock_mc_drop).
        assert!(is_invalid(decode(
            IPPROTO_IPV6,
            MCAST_LEAVE_GROUP,
            v6.as_bytes()
        )));
    }

    #[test]
    fn interface_above_int_max_is_enodev() {
        let req = GroupReq::new(0x8000_0000, "[ff05::1]:0".parse().unwrap());
        assert!(is_invalid(decode(
            IPPROTO_IPV6,
            MCAST_JOIN_GROUP,
            req.as_bytes()
        )));
    }

    #[test]
    fn group_source_req_exact_at_ip_at_least_at_ipv6() {
        let req = GroupSourceReq::new(
            3,
            "[ff05::1:3]:0".parse().unwrap(),
            "[2001:db8::5]:0".parse().unwrap(),
        );
        let mut long = vec![0u8; GroupSourceReq::LEN + 4];
        long[..GroupSourceReq::LEN].copy_from_slice(req.as_bytes());
        let opt = decode(IPPROTO_IPV6, MCAST_JOIN_SOURCE_GROUP, &long).unwrap();
        assert_eq!(
            opt.to_string(),
            "MCAST_JOIN_SOURCE_GROUP group=ff05::1:3 source=2001:db8::5 ifindex=3"
        );
        let req4 = GroupSourceReq::new(
            0,
            "232.1.1.1:0".parse().unwrap(),
            "198.51.100.7:0".parse().unwrap(),
        );
        long[..GroupSourceReq::LEN].copy_from_slice(req4.as_bytes());
        assert!(is_bad_length(decode(IPPROTO_IP, MCAST_BLOCK_SOURCE, &long)));
        let opt = decode(IPPROTO_IP, MCAST_BLOCK_SOURCE, req4.as_bytes()).unwrap();
        assert_eq!(opt.addresses().count(), 2);
    }

    #[test]
    fn group_source_families_must_match_the_level() {
        let mixed = GroupSourceReq::new(
            0,
            "[ff05::1]:0".parse().unwrap(),
            "198.51.100.7:0".parse().unwrap(),
        );
        assert!(matches!(
            decode(IPPROTO_IPV6, MCAST_UNBLOCK_SOURCE, mixed.as_bytes()),
            Err(Error::BadFamily { family: 2, .. })
        ));
    }

    fn ip_msfilter(group: [u8; 4], mode: u32, sources: u32, len: usize) -> vec::Vec<u8> {
        let head = IpMsfilterHead {
            imsf_multiaddr: crate::InAddr::from_octets(group),
            imsf_interface: crate::InAddr::ANY,
            imsf_fmode: mode.into(),
            imsf_numsrc: sources.into(),
        };
        let mut b = vec![0u8; len];
        b[..IpMsfilterHead::LEN].copy_from_slice(head.as_bytes());
        b
    }

    #[test]
    fn ip_msfilter_length_rules() {
        let ok = ip_msfilter([232, 1, 1, 1], 1, 2, ip_msfilter_size(2).unwrap());
        let opt = decode(IPPROTO_IP, IP_MSFILTER, &ok).unwrap();
        assert_eq!(
            opt.to_string(),
            "IP_MSFILTER group=232.1.1.1 interface=0.0.0.0 mode=include sources=[0.0.0.0, 0.0.0.0]"
        );
        // optlen below IP_MSFILTER_SIZE(0).
        assert!(is_bad_length(decode(IPPROTO_IP, IP_MSFILTER, &ok[..15])));
        // IP_MSFILTER_SIZE(numsrc) > optlen.
        assert!(is_bad_length(decode(IPPROTO_IP, IP_MSFILTER, &ok[..23])));
        // numsrc that overflows the size computation: ENOBUFS.
        let huge = ip_msfilter([232, 1, 1, 1], 1, 0x3fff_fffc, 16);
        assert!(is_invalid(decode(IPPROTO_IP, IP_MSFILTER, &huge)));
        // Longer than needed: the rest is ignored.
        let long = ip_msfilter([232, 1, 1, 1], 0, 0, 40);
        assert!(decode(IPPROTO_IP, IP_MSFILTER, &long).is_ok());
    }

    #[test]
    fn ip_msfilter_group_and_mode_checks() {
        let len = ip_msfilter_size(0).unwrap();
        assert!(is_invalid(decode(
            IPPROTO_IP,
            IP_MSFILTER,
            &ip_msfilter([192, 0, 2, 1], 1, 0, len)
        )));
        assert!(is_invalid(decode(
            IPPROTO_IP,
            IP_MSFILTER,
            &ip_msfilter([232, 1, 1, 1], 2, 0, len)
        )));
    }

    #[test]
    fn group_filter_at_both_levels() {
        let sources: [IpAddr; 2] = [
            "2001:db8::5".parse().unwrap(),
            "2001:db8::6".parse().unwrap(),
        ];
        let mut buf = vec![0u8; group_filter_size(2).unwrap()];
        let n = GroupFilter::emit(
            2,
            "[ff05::1:3]:0".parse().unwrap(),
            FilterMode::Include,
            &sources,
            &mut buf,
        )
        .unwrap();
        let opt = decode(IPPROTO_IPV6, MCAST_MSFILTER, &buf[..n]).unwrap();
        assert_eq!(opt.ip_addresses().count(), 3);
        assert!(is_bad_length(decode(
            IPPROTO_IPV6,
            MCAST_MSFILTER,
            &buf[..n - 1]
        )));
        assert!(is_bad_length(decode(
            IPPROTO_IPV6,
            MCAST_MSFILTER,
            &buf[..143]
        )));
        // At IPPROTO_IP every address must be AF_INET.
        assert!(is_bad_family(decode(IPPROTO_IP, MCAST_MSFILTER, &buf[..n])));
        let v4: [IpAddr; 1] = ["198.51.100.7".parse().unwrap()];
        let n = GroupFilter::emit(
            0,
            "232.1.1.1:0".parse().unwrap(),
            FilterMode::Exclude,
            &v4,
            &mut buf,
        )
        .unwrap();
        assert!(decode(IPPROTO_IP, MCAST_MSFILTER, &buf[..n]).is_ok());
        // A source of another family at IPPROTO_IP: EADDRNOTAVAIL.
        buf[GroupFilterHeadLen..GroupFilterHeadLen + 2].copy_from_slice(&10u16.to_ne_bytes());
        assert!(is_bad_family(decode(IPPROTO_IP, MCAST_MSFILTER, &buf[..n])));
    }

    #[allow(non_upper_case_globals)]
    const GroupFilterHeadLen: usize = crate::msfilter::GroupFilterHead::LEN;
}
