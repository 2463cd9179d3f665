//! `IPPROTO_IP` options, after `do_ip_setsockopt` (net/ipv4/ip_sockglue.c); the `MCAST_*` and
//! `IP_MSFILTER` ones are in `mcast`.

use super::*;
use crate::mreq::{IpMreq, IpMreqSource, IpMreqn};
use crate::{InAddr, Result};

/// How an `IPPROTO_IP` integer option treats `optlen`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum IpIntLen {
    /// `optlen == 0` means value 0.
    ZeroIsZero,
    /// `optlen < 1` is `EINVAL`.
    NonEmpty,
}

/// `do_ip_setsockopt`'s integer read: an `int` from 4 bytes or more, one unsigned byte from 1 to
/// 3 bytes, 0 from nothing (or `EINVAL`, for options that check `optlen < 1`).
#[inline]
fn ip_int(optval: &[u8], rule: IpIntLen, ctx: Ctx) -> Result<i32> {
    match optval {
        [a, b, c, d, ..] => Ok(i32::from_ne_bytes([*a, *b, *c, *d])),
        [a, ..] => Ok(i32::from(*a)),
        [] if rule == IpIntLen::ZeroIsZero => Ok(0),
        [] => Err(ctx.bad_len(0)),
    }
}

#[inline]
pub(super) fn decode_ip(optname: i32, optval: &[u8]) -> Result<SockOpt<'_>> {
    use IpIntLen::{NonEmpty, ZeroIsZero};
    let ctx = Ctx {
        level: IPPROTO_IP,
        optname,
    };
    let flag = |on: bool| SockOpt::Flag {
        level: IPPROTO_IP,
        optname,
        on,
    };
    match optname {
        IP_TTL => match ip_int(optval, NonEmpty, ctx)? {
            -1 => Ok(SockOpt::Ttl(None)),
            v => u8::try_from(v)
                .ok()
                .filter(|&ttl| ttl != 0)
                .map(|ttl| SockOpt::Ttl(Some(ttl)))
                .ok_or_else(|| ctx.invalid("TTL outside -1 and 1..=255 (EINVAL)")),
        },
        IP_MULTICAST_TTL => match ip_int(optval, NonEmpty, ctx)? {
            -1 => Ok(SockOpt::MulticastTtl(None)),
            v => u8::try_from(v)
                .map(|ttl| SockOpt::MulticastTtl(Some(ttl)))
                .map_err(|_| ctx.invalid("TTL outside -1 and 0..=255 (EINVAL)")),
        },
        IP_TOS => Ok(SockOpt::Tos(ip_int(optval, ZeroIsZero, ctx)? as u8)),
        IP_MTU_DISCOVER => PmtuMode::from_value(ip_int(optval, ZeroIsZero, ctx)?)
            .map(SockOpt::MtuDiscover)
            .ok_or_else(|| {
                ctx.invalid("mode outside IP_PMTUDISC_DONT..=IP_PMTUDISC_OMIT (EINVAL)")
            }),
        IP_MINTTL => match ip_int(optval, NonEmpty, ctx)? {
            v @ 0..=255 => Ok(SockOpt::Int {
                level: IPPROTO_IP,
                optname,
                value: v,
            }),
            _ => Err(ctx.invalid("value outside 0..=255 (EINVAL)")),
        },
        IP_MULTICAST_ALL | IP_RECVERR_RFC4884 => {
            let rule = if optname == IP_MULTICAST_ALL {
                NonEmpty
            } else {
                ZeroIsZero
            };
            match ip_int(optval, rule, ctx)? {
                0 => Ok(flag(false)),
                1 => Ok(flag(true)),
                _ => Err(ctx.invalid("value other than 0 or 1 (EINVAL)")),
            }
        }
        IP_FREEBIND | IP_TRANSPARENT | IP_MULTICAST_LOOP => {
            Ok(flag(ip_int(optval, NonEmpty, ctx)? != 0))
        }
        IP_PKTINFO
        | IP_RECVTTL
        | IP_RECVOPTS
        | IP_RECVTOS
        | IP_RETOPTS
        | IP_HDRINCL
        | IP_RECVERR
        | IP_ROUTER_ALERT
        | IP_PASSSEC
        | IP_NODEFRAG
        | IP_BIND_ADDRESS_NO_PORT
        | IP_RECVORIGDSTADDR
        | IP_CHECKSUM
        | IP_RECVFRAGSIZE => Ok(flag(ip_int(optval, ZeroIsZero, ctx)? != 0)),
        IP_UNICAST_IF => match optval {
            [a, b, c, d] => {
                let ifindex = i32::from_be_bytes([*a, *b, *c, *d]);
                u32::try_from(ifindex).map(SockOpt::UnicastIf).map_err(|_| {
                    ctx.invalid("negative interface index: no such device (EADDRNOTAVAIL)")
                })
            }
            _ => Err(ctx.bad_len(optval.len())),
        },
        IP_MULTICAST_IF => decode_multicast_if(optval, ctx),
        IP_MSFILTER => mcast::decode_ip_msfilter(optval, ctx),
        MCAST_JOIN_GROUP..=MCAST_MSFILTER => mcast::decode_mcast(IPPROTO_IP, optname, optval, ctx),
        IP_ADD_MEMBERSHIP | IP_DROP_MEMBERSHIP => {
            let op = if optname == IP_ADD_MEMBERSHIP {
                MembershipOp::Add
            } else {
                MembershipOp::Drop
            };
            let (mreqn, form) = if let Ok(m) = IpMreqn::ref_from_prefix(optval) {
                (*m, ArgForm::Mreqn)
            } else if let Ok(m) = IpMreq::ref_from_prefix(optval) {
                (IpMreqn::from(*m), ArgForm::Mreq)
            } else {
                return Err(ctx.bad_len(optval.len()));
            };
            let group = mreqn.group();
            if op == MembershipOp::Add && !group.is_multicast() {
                return Err(ctx.invalid("group is not a multicast address (EINVAL)"));
            }
            Ok(SockOpt::Membership {
                op,
                group,
                interface: McastInterface::from_mreqn(mreqn.address(), mreqn.ifindex(), ctx)?,
                form,
            })
        }
        IP_ADD_SOURCE_MEMBERSHIP
        | IP_DROP_SOURCE_MEMBERSHIP
        | IP_BLOCK_SOURCE
        | IP_UNBLOCK_SOURCE => {
            if optval.len() != IpMreqSource::LEN {
                return Err(ctx.bad_len(optval.len()));
            }
            let m = IpMreqSource::ref_from_prefix(optval)?;
            if !m.group().is_multicast() {
                return Err(ctx.invalid("group is not a multicast address (EINVAL)"));
            }
            let op = match optname {
                IP_ADD_SOURCE_MEMBERSHIP => SourceOp::AddMembership,
                IP_DROP_SOURCE_MEMBERSHIP => SourceOp::DropMembership,
                IP_BLOCK_SOURCE => SourceOp::Block,
                _ => SourceOp::Unblock,
            };
            Ok(SockOpt::SourceMembership {
                op,
                group: m.group(),
                interface: m.interface(),
                source: m.source(),
            })
        }
        _ => Ok(SockOpt::Other {
            level: IPPROTO_IP,
            optname,
            raw: optval,
        }),
    }
}

/// `IP_MULTICAST_IF`, following the three `optlen` branches of `do_ip_setsockopt`.
#[inline]
fn decode_multicast_if(optval: &[u8], ctx: Ctx) -> Result<SockOpt<'static>> {
    let (address, ifindex, form) = if let Ok(m) = IpMreqn::ref_from_prefix(optval) {
        (m.address(), m.ifindex(), ArgForm::Mreqn)
    } else if let Ok(m) = IpMreq::ref_from_prefix(optval) {
        // Copied over the first 8 bytes of an ip_mreqn: the second field lands in imr_address.
        (m.interface(), 0, ArgForm::Mreq)
    } else if let Ok(a) = InAddr::ref_from_prefix(optval) {
        (a.ip(), 0, ArgForm::InAddr)
    } else {
        return Err(ctx.bad_len(optval.len()));
    };
    Ok(SockOpt::MulticastIf {
        interface: McastInterface::from_mreqn(address, ifindex, ctx)?,
        form,
    })
}
