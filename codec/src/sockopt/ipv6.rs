//! `IPPROTO_IPV6` options, after `do_ipv6_setsockopt` (net/ipv6/ipv6_sockglue.c) and, for
//! `IPV6_ADDR_PREFERENCES`, `ip6_sock_set_addr_preferences` (include/net/ipv6.h).

use core::fmt;

use super::{mcast, Ctx, MembershipOp, PmtuMode, SockOpt};
use super::{
    IPPROTO_IPV6, IPV6_2292DSTOPTS, IPV6_2292HOPLIMIT, IPV6_2292HOPOPTS, IPV6_2292PKTINFO,
    IPV6_2292RTHDR, IPV6_ADDR_PREFERENCES, IPV6_ADD_MEMBERSHIP, IPV6_AUTOFLOWLABEL, IPV6_DONTFRAG,
    IPV6_DROP_MEMBERSHIP, IPV6_FLOWINFO, IPV6_FLOWINFO_SEND, IPV6_FREEBIND, IPV6_MINHOPCOUNT,
    IPV6_MTU, IPV6_MTU_DISCOVER, IPV6_MULTICAST_ALL, IPV6_MULTICAST_HOPS, IPV6_MULTICAST_IF,
    IPV6_MULTICAST_LOOP, IPV6_PKTINFO, IPV6_RECVDSTOPTS, IPV6_RECVERR, IPV6_RECVERR_RFC4884,
    IPV6_RECVFRAGSIZE, IPV6_RECVHOPLIMIT, IPV6_RECVHOPOPTS, IPV6_RECVORIGDSTADDR, IPV6_RECVPATHMTU,
    IPV6_RECVPKTINFO, IPV6_RECVRTHDR, IPV6_RECVTCLASS, IPV6_ROUTER_ALERT_ISOLATE, IPV6_TCLASS,
    IPV6_TRANSPARENT, IPV6_UNICAST_HOPS, IPV6_UNICAST_IF, IPV6_V6ONLY, MCAST_JOIN_GROUP,
    MCAST_MSFILTER,
};
use crate::mreq::Ipv6Mreq;
use crate::pktinfo::In6Pktinfo;
use crate::Result;

bitflags::bitflags! {
    /// `IPV6_ADDR_PREFERENCES` (RFC 5014): which source addresses a socket prefers.
    ///
    /// ```
    /// use sockabi::sockopt::{decode, SockOpt, SrcPrefs, IPPROTO_IPV6, IPV6_ADDR_PREFERENCES};
    ///
    /// let v = ((SrcPrefs::PUBLIC | SrcPrefs::HOME).bits() as i32).to_ne_bytes();
    /// let opt = decode(IPPROTO_IPV6, IPV6_ADDR_PREFERENCES, &v)?;
    /// assert_eq!(opt.to_string(), "IPV6_ADDR_PREFERENCES PUBLIC|HOME");
    ///
    /// // Public and temporary at once is a contradiction the kernel refuses (EINVAL).
    /// let v = (SrcPrefs::PUBLIC | SrcPrefs::TMP).bits() as i32;
    /// assert!(decode(IPPROTO_IPV6, IPV6_ADDR_PREFERENCES, &v.to_ne_bytes()).is_err());
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
    pub struct SrcPrefs: u32 {
        /// `IPV6_PREFER_SRC_TMP`: prefer temporary (privacy) addresses.
        const TMP = 0x0001;
        /// `IPV6_PREFER_SRC_PUBLIC`: prefer public addresses.
        const PUBLIC = 0x0002;
        /// `IPV6_PREFER_SRC_COA`: prefer care-of addresses (Mobile IPv6).
        const COA = 0x0004;
        /// `IPV6_PREFER_SRC_CGA`: prefer cryptographically generated addresses.
        const CGA = 0x0008;
        /// `IPV6_PREFER_SRC_PUBTMP_DEFAULT`: the system default between public and temporary.
        const PUBTMP_DEFAULT = 0x0100;
        /// `IPV6_PREFER_SRC_HOME`: prefer home addresses.
        const HOME = 0x0400;
        /// `IPV6_PREFER_SRC_NONCGA`: prefer non-CGA addresses.
        const NONCGA = 0x0800;
    }
}

impl SrcPrefs {
    /// The preferences of an option value, after the kernel's three conflict checks: at most
    /// one of `PUBLIC`, `TMP`, `PUBTMP_DEFAULT`; at most one of `HOME`, `COA`; at most one of
    /// `CGA`, `NONCGA`. Other bits are kept, as the kernel ignores them.
    pub const fn from_value(value: i32) -> Option<Self> {
        let p = SrcPrefs::from_bits_retain(value as u32);
        let groups = [
            SrcPrefs::PUBLIC
                .union(SrcPrefs::TMP)
                .union(SrcPrefs::PUBTMP_DEFAULT),
            SrcPrefs::HOME.union(SrcPrefs::COA),
            SrcPrefs::CGA.union(SrcPrefs::NONCGA),
        ];
        let mut i = 0;
        while i < groups.len() {
            if p.intersection(groups[i]).bits().count_ones() > 1 {
                return None;
            }
            i += 1;
        }
        Some(p)
    }
}

/// The flag names joined by `|` (`PUBLIC|HOME`), `0` for none, unknown bits in hex.
impl fmt::Display for SrcPrefs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("0");
        }
        let mut sep = "";
        for (name, _) in self.iter_names() {
            write!(f, "{sep}{name}")?;
            sep = "|";
        }
        let unknown = self.bits() & !SrcPrefs::all().bits();
        if unknown != 0 {
            write!(f, "{sep}{unknown:#x}")?;
        }
        Ok(())
    }
}

/// How an `IPPROTO_IPV6` integer option treats `optlen`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ipv6IntLen {
    /// `optlen < sizeof(int)` is `EINVAL`.
    NeedsInt,
    /// No check: a short `optlen` reads as 0.
    Unchecked,
}

/// `do_ipv6_setsockopt`'s integer read: an `int` from 4 bytes or more, else 0 (then `EINVAL`
/// for options that check `optlen < sizeof(int)`).
#[inline]
fn ipv6_int(optval: &[u8], rule: Ipv6IntLen, ctx: Ctx) -> Result<i32> {
    match optval {
        [a, b, c, d, ..] => Ok(i32::from_ne_bytes([*a, *b, *c, *d])),
        _ if rule == Ipv6IntLen::Unchecked => Ok(0),
        _ => Err(ctx.bad_len(optval.len())),
    }
}

/// `-1` as `None`, `0..=255` as `Some`, anything else `EINVAL`.
fn hops(value: i32, ctx: Ctx) -> Result<Option<u8>> {
    match value {
        -1 => Ok(None),
        v => u8::try_from(v)
            .map(Some)
            .map_err(|_| ctx.invalid("value outside -1 and 0..=255 (EINVAL)")),
    }
}

pub(super) fn decode_ipv6(optname: i32, optval: &[u8]) -> Result<SockOpt<'_>> {
    use Ipv6IntLen::{NeedsInt, Unchecked};
    let ctx = Ctx {
        level: IPPROTO_IPV6,
        optname,
    };
    let flag = |on: bool| SockOpt::Flag {
        level: IPPROTO_IPV6,
        optname,
        on,
    };
    let int = |value: i32| SockOpt::Int {
        level: IPPROTO_IPV6,
        optname,
        value,
    };
    match optname {
        IPV6_V6ONLY
        | IPV6_RECVPKTINFO
        | IPV6_2292PKTINFO
        | IPV6_RECVHOPLIMIT
        | IPV6_2292HOPLIMIT
        | IPV6_RECVRTHDR
        | IPV6_2292RTHDR
        | IPV6_RECVHOPOPTS
        | IPV6_2292HOPOPTS
        | IPV6_RECVDSTOPTS
        | IPV6_2292DSTOPTS
        | IPV6_RECVTCLASS
        | IPV6_FLOWINFO
        | IPV6_RECVPATHMTU
        | IPV6_TRANSPARENT
        | IPV6_FREEBIND
        | IPV6_RECVORIGDSTADDR
        | IPV6_MULTICAST_ALL
        | IPV6_ROUTER_ALERT_ISOLATE
        | IPV6_RECVERR
        | IPV6_FLOWINFO_SEND => Ok(flag(ipv6_int(optval, NeedsInt, ctx)? != 0)),
        IPV6_AUTOFLOWLABEL | IPV6_DONTFRAG | IPV6_RECVFRAGSIZE => {
            Ok(flag(ipv6_int(optval, Unchecked, ctx)? != 0))
        }
        IPV6_MULTICAST_LOOP | IPV6_RECVERR_RFC4884 => match ipv6_int(optval, NeedsInt, ctx)? {
            0 => Ok(flag(false)),
            1 => Ok(flag(true)),
            _ => Err(ctx.invalid("value other than 0 or 1 (EINVAL)")),
        },
        IPV6_TCLASS => hops(ipv6_int(optval, NeedsInt, ctx)?, ctx).map(SockOpt::TrafficClass),
        IPV6_UNICAST_HOPS => hops(ipv6_int(optval, NeedsInt, ctx)?, ctx).map(SockOpt::UnicastHops),
        IPV6_MULTICAST_HOPS => {
            hops(ipv6_int(optval, NeedsInt, ctx)?, ctx).map(SockOpt::MulticastHops)
        }
        IPV6_MTU_DISCOVER => PmtuMode::from_value(ipv6_int(optval, NeedsInt, ctx)?)
            .map(SockOpt::Ipv6MtuDiscover)
            .ok_or_else(|| {
                ctx.invalid("mode outside IPV6_PMTUDISC_DONT..=IPV6_PMTUDISC_OMIT (EINVAL)")
            }),
        IPV6_MTU => match ipv6_int(optval, NeedsInt, ctx)? {
            v @ (0 | 1280..) => Ok(int(v)),
            _ => Err(ctx.invalid("MTU below the IPv6 minimum of 1280 (EINVAL)")),
        },
        IPV6_MINHOPCOUNT => match ipv6_int(optval, NeedsInt, ctx)? {
            v @ 0..=255 => Ok(int(v)),
            _ => Err(ctx.invalid("value outside 0..=255 (EINVAL)")),
        },
        IPV6_ADDR_PREFERENCES => SrcPrefs::from_value(ipv6_int(optval, NeedsInt, ctx)?)
            .map(SockOpt::AddrPreferences)
            .ok_or_else(|| {
                ctx.invalid("contradictory preferences: PUBLIC/TMP/PUBTMP_DEFAULT, HOME/COA or CGA/NONCGA (EINVAL)")
            }),
        IPV6_UNICAST_IF => match optval {
            [a, b, c, d] => u32::try_from(i32::from_be_bytes([*a, *b, *c, *d]))
                .map(SockOpt::Ipv6UnicastIf)
                .map_err(|_| ctx.invalid("negative interface index: no such device (EADDRNOTAVAIL)")),
            _ => Err(ctx.bad_len(optval.len())),
        },
        IPV6_MULTICAST_IF => u32::try_from(ipv6_int(optval, NeedsInt, ctx)?)
            .map(SockOpt::Ipv6MulticastIf)
            .map_err(|_| ctx.invalid("negative interface index: no such device (ENODEV)")),
        IPV6_ADD_MEMBERSHIP | IPV6_DROP_MEMBERSHIP => {
            let m = Ipv6Mreq::ref_from_prefix(optval).map_err(|_| ctx.bad_len(optval.len()))?;
            if !m.group().is_multicast() {
                return Err(ctx.invalid("group is not a multicast address (EINVAL)"));
            }
            let ifindex = u32::try_from(m.ifindex())
                .map_err(|_| ctx.invalid("negative interface index: no such device (ENODEV)"))?;
            let op = if optname == IPV6_ADD_MEMBERSHIP {
                MembershipOp::Add
            } else {
                MembershipOp::Drop
            };
            Ok(SockOpt::Ipv6Membership {
                op,
                group: m.group(),
                ifindex,
            })
        }
        IPV6_PKTINFO => {
            let p = In6Pktinfo::ref_from_prefix(optval).map_err(|_| ctx.bad_len(optval.len()))?;
            Ok(SockOpt::Ipv6PktInfo {
                ifindex: p.ifindex(),
                addr: p.addr(),
            })
        }
        MCAST_JOIN_GROUP..=MCAST_MSFILTER => {
            mcast::decode_mcast(IPPROTO_IPV6, optname, optval, ctx)
        }
        _ => Ok(SockOpt::Other {
            level: IPPROTO_IPV6,
            optname,
            raw: optval,
        }),
    }
}

/// One test per acceptance rule of `do_ipv6_setsockopt`; the name says what the kernel answers.
#[cfg(test)]
mod tests {
    extern crate std;

    use std::string::ToString;

    use super::super::{decode, AddrRole, IPV6_HOPOPTS};
    use super::*;
    use crate::Error;
    use core::net::Ipv6Addr;
    use zerocopy::IntoBytes;

    fn v6(optname: i32, optval: &[u8]) -> Result<SockOpt<'_>> {
        decode(IPPROTO_IPV6, optname, optval)
    }

    fn flag(optname: i32, on: bool) -> SockOpt<'static> {
        SockOpt::Flag {
            level: IPPROTO_IPV6,
            optname,
            on,
        }
    }

    fn is_bad_length(r: Result<SockOpt<'_>>) -> bool {
        matches!(r, Err(Error::BadLength { .. }))
    }

    fn is_invalid<T>(r: Result<T>) -> bool {
        matches!(r, Err(Error::Invalid { .. }))
    }

    #[test]
    fn unicast_if_is_network_byte_order() {
        let opt = v6(IPV6_UNICAST_IF, &[0, 0, 0, 2]).unwrap();
        assert_eq!(opt, SockOpt::Ipv6UnicastIf(2));
        assert_eq!(opt.ifindex(), Some(2));
        assert_eq!(opt.to_string(), "IPV6_UNICAST_IF ifindex=2");
        // The host-order int 2 on a little-endian machine reads as index 0x02000000.
        assert_eq!(
            v6(IPV6_UNICAST_IF, &2i32.to_le_bytes()).unwrap(),
            SockOpt::Ipv6UnicastIf(0x0200_0000)
        );
    }

    #[test]
    fn unicast_if_zero_unbinds() {
        let opt = v6(IPV6_UNICAST_IF, &[0; 4]).unwrap();
        assert!(opt.unbinds());
        assert_eq!(opt.ifindex(), None);
    }

    #[test]
    fn unicast_if_optlen_other_than_4_is_einval() {
        assert!(is_bad_length(v6(IPV6_UNICAST_IF, &[0, 0, 2])));
        assert!(is_bad_length(v6(IPV6_UNICAST_IF, &[0, 0, 0, 2, 0])));
        assert!(is_bad_length(v6(IPV6_UNICAST_IF, &[])));
    }

    #[test]
    fn unicast_if_negative_is_eaddrnotavail() {
        assert!(is_invalid(v6(IPV6_UNICAST_IF, &[0xff; 4])));
    }

    #[test]
    fn multicast_if_is_host_order_int() {
        let b = 3i32.to_ne_bytes();
        let opt = v6(IPV6_MULTICAST_IF, &b).unwrap();
        assert_eq!(opt, SockOpt::Ipv6MulticastIf(3));
        assert_eq!(opt.ifindex(), Some(3));
        // Bytes past the int are ignored.
        assert_eq!(
            v6(IPV6_MULTICAST_IF, &[3, 0, 0, 0, 9]).unwrap(),
            SockOpt::Ipv6MulticastIf(u32::from_ne_bytes([3, 0, 0, 0]))
        );
    }

    #[test]
    fn multicast_if_zero_resets() {
        assert!(v6(IPV6_MULTICAST_IF, &[0; 4]).unwrap().unbinds());
    }

    #[test]
    fn multicast_if_short_is_einval_and_negative_enodev() {
        assert!(is_bad_length(v6(IPV6_MULTICAST_IF, &[3])));
        assert!(is_invalid(v6(IPV6_MULTICAST_IF, &(-1i32).to_ne_bytes())));
    }

    #[test]
    fn add_membership_reads_ipv6_mreq() {
        let group: Ipv6Addr = "ff05::1:3".parse().unwrap();
        let m = Ipv6Mreq::new(group, 2);
        let opt = v6(IPV6_ADD_MEMBERSHIP, m.as_bytes()).unwrap();
        assert_eq!(
            opt,
            SockOpt::Ipv6Membership {
                op: MembershipOp::Add,
                group,
                ifindex: 2
            }
        );
        assert_eq!(
            opt.to_string(),
            "IPV6_ADD_MEMBERSHIP group=ff05::1:3 ifindex=2"
        );
        assert_eq!(
            opt.ip_addresses().collect::<std::vec::Vec<_>>(),
            [(AddrRole::Group, group.into())]
        );
    }

    #[test]
    fn membership_short_is_einval() {
        let m = Ipv6Mreq::new("ff05::1".parse().unwrap(), 0);
        assert!(is_bad_length(v6(IPV6_ADD_MEMBERSHIP, &m.as_bytes()[..19])));
    }

    #[test]
    fn membership_not_multicast_is_einval_for_join_and_leave() {
        let m = Ipv6Mreq::new("2001:db8::1".parse().unwrap(), 0);
        assert!(is_invalid(v6(IPV6_ADD_MEMBERSHIP, m.as_bytes())));
        assert!(is_invalid(v6(IPV6_DROP_MEMBERSHIP, m.as_bytes())));
    }

    #[test]
    fn sticky_pktinfo_needs_20_bytes() {
        let p = In6Pktinfo::new(2, "2001:db8::2".parse().unwrap());
        let opt = v6(IPV6_PKTINFO, p.as_bytes()).unwrap();
        assert_eq!(opt.ifindex(), Some(2));
        assert_eq!(opt.to_string(), "IPV6_PKTINFO ifindex=2 addr=2001:db8::2");
        assert!(is_bad_length(v6(IPV6_PKTINFO, &p.as_bytes()[..19])));
        assert!(is_bad_length(v6(IPV6_PKTINFO, &[])));
    }

    #[test]
    fn int_flags_need_a_full_int() {
        for optname in [
            IPV6_V6ONLY,
            IPV6_RECVPKTINFO,
            IPV6_RECVERR,
            IPV6_FREEBIND,
            IPV6_TRANSPARENT,
            IPV6_MULTICAST_ALL,
            IPV6_RECVORIGDSTADDR,
        ] {
            assert_eq!(v6(optname, &7i32.to_ne_bytes()), Ok(flag(optname, true)));
            assert_eq!(v6(optname, &0i32.to_ne_bytes()), Ok(flag(optname, false)));
            assert!(is_bad_length(v6(optname, &[1])), "{optname}");
            assert!(is_bad_length(v6(optname, &[])), "{optname}");
        }
    }

    #[test]
    fn autoflowlabel_has_no_length_check_short_is_off() {
        assert_eq!(
            v6(IPV6_AUTOFLOWLABEL, &1i32.to_ne_bytes()),
            Ok(flag(IPV6_AUTOFLOWLABEL, true))
        );
        assert_eq!(
            v6(IPV6_AUTOFLOWLABEL, &[1]),
            Ok(flag(IPV6_AUTOFLOWLABEL, false))
        );
        assert_eq!(
            v6(IPV6_AUTOFLOWLABEL, &[]),
            Ok(flag(IPV6_AUTOFLOWLABEL, false))
        );
    }

    #[test]
    fn multicast_loop_accepts_only_0_and_1() {
        assert_eq!(
            v6(IPV6_MULTICAST_LOOP, &1i32.to_ne_bytes()),
            Ok(flag(IPV6_MULTICAST_LOOP, true))
        );
        assert!(is_invalid(v6(IPV6_MULTICAST_LOOP, &2i32.to_ne_bytes())));
        assert!(is_bad_length(v6(IPV6_MULTICAST_LOOP, &[1])));
    }

    #[test]
    fn tclass_minus_one_is_default_and_range_checked() {
        assert_eq!(
            v6(IPV6_TCLASS, &(-1i32).to_ne_bytes()),
            Ok(SockOpt::TrafficClass(None))
        );
        let b = 0xb8i32.to_ne_bytes();
        let opt = v6(IPV6_TCLASS, &b).unwrap();
        assert_eq!(opt.to_string(), "IPV6_TCLASS 0xb8");
        assert!(is_invalid(v6(IPV6_TCLASS, &256i32.to_ne_bytes())));
        assert!(is_invalid(v6(IPV6_TCLASS, &(-2i32).to_ne_bytes())));
        assert!(is_bad_length(v6(IPV6_TCLASS, &[0xb8])));
    }

    #[test]
    fn multicast_hops_range() {
        assert_eq!(
            v6(IPV6_MULTICAST_HOPS, &(-1i32).to_ne_bytes()),
            Ok(SockOpt::MulticastHops(None))
        );
        assert_eq!(
            v6(IPV6_MULTICAST_HOPS, &0i32.to_ne_bytes()),
            Ok(SockOpt::MulticastHops(Some(0)))
        );
        assert!(is_invalid(v6(IPV6_MULTICAST_HOPS, &256i32.to_ne_bytes())));
    }

    #[test]
    fn mtu_discover_modes() {
        let b = 5i32.to_ne_bytes();
        let opt = v6(IPV6_MTU_DISCOVER, &b).unwrap();
        assert_eq!(opt, SockOpt::Ipv6MtuDiscover(PmtuMode::Omit));
        assert_eq!(opt.to_string(), "IPV6_MTU_DISCOVER IPV6_PMTUDISC_OMIT");
        assert!(is_invalid(v6(IPV6_MTU_DISCOVER, &6i32.to_ne_bytes())));
        assert!(is_bad_length(v6(IPV6_MTU_DISCOVER, &[2])));
    }

    #[test]
    fn mtu_is_zero_or_at_least_1280() {
        assert!(v6(IPV6_MTU, &0i32.to_ne_bytes()).is_ok());
        assert!(v6(IPV6_MTU, &1280i32.to_ne_bytes()).is_ok());
        assert!(is_invalid(v6(IPV6_MTU, &1279i32.to_ne_bytes())));
        assert!(is_invalid(v6(IPV6_MTU, &(-1i32).to_ne_bytes())));
    }

    #[test]
    fn addr_preferences_conflicts_are_einval() {
        let ok = |p: SrcPrefs| {
            v6(IPV6_ADDR_PREFERENCES, &(p.bits() as i32).to_ne_bytes()).map(|o| o.to_string())
        };
        let shown = |p: SrcPrefs| Ok(SockOpt::AddrPreferences(p).to_string());
        let good = SrcPrefs::TMP | SrcPrefs::COA | SrcPrefs::CGA;
        assert_eq!(ok(good), shown(good));
        assert!(is_invalid(ok(SrcPrefs::PUBLIC | SrcPrefs::PUBTMP_DEFAULT)));
        assert!(is_invalid(ok(SrcPrefs::HOME | SrcPrefs::COA)));
        assert!(is_invalid(ok(SrcPrefs::CGA | SrcPrefs::NONCGA)));
        // Unknown bits are ignored by the kernel, kept here.
        let odd = SrcPrefs::from_bits_retain(0x1_0000);
        assert_eq!(ok(odd), shown(odd));
        assert_eq!(
            SockOpt::AddrPreferences(odd).to_string(),
            "IPV6_ADDR_PREFERENCES 0x10000"
        );
        assert!(is_bad_length(v6(IPV6_ADDR_PREFERENCES, &[2])));
    }

    #[test]
    fn unknown_ipv6_option_is_other() {
        let opt = v6(IPV6_HOPOPTS, &[0; 8]).unwrap();
        assert!(matches!(opt, SockOpt::Other { .. }));
        assert_eq!(opt.to_string(), "IPV6_HOPOPTS (8 bytes)");
        assert_eq!(
            v6(999, &[]).unwrap().to_string(),
            "IPPROTO_IPV6/999 (0 bytes)"
        );
    }
}
