//! `SOL_SOCKET` options, after `sk_setsockopt` (net/core/sock.c).

use super::*;
use crate::{IfName, Result, IFNAMSIZ};

/// `sk_setsockopt`'s integer read: `optlen < sizeof(int)` is `EINVAL`.
#[inline]
fn so_int(optval: &[u8], ctx: Ctx) -> Result<i32> {
    match optval {
        [a, b, c, d, ..] => Ok(i32::from_ne_bytes([*a, *b, *c, *d])),
        _ => Err(ctx.bad_len(optval.len())),
    }
}

/// `SOL_SOCKET` options that are plain booleans.
const fn is_so_flag(optname: i32) -> bool {
    matches!(
        optname,
        SO_DEBUG
            | SO_REUSEADDR
            | SO_DONTROUTE
            | SO_BROADCAST
            | SO_KEEPALIVE
            | SO_OOBINLINE
            | SO_NO_CHECK
            | SO_REUSEPORT
            | SO_PASSCRED
            | SO_TIMESTAMP
            | SO_PASSSEC
            | SO_TIMESTAMPNS
            | SO_RXQ_OVFL
            | SO_WIFI_STATUS
            | SO_NOFCS
            | SO_LOCK_FILTER
            | SO_SELECT_ERR_QUEUE
            | SO_ZEROCOPY
    )
}

/// `SOL_SOCKET` options that are plain integers.
const fn is_so_int(optname: i32) -> bool {
    matches!(
        optname,
        SO_SNDBUF
            | SO_RCVBUF
            | SO_PRIORITY
            | SO_RCVLOWAT
            | SO_SNDBUFFORCE
            | SO_RCVBUFFORCE
            | SO_PEEK_OFF
            | SO_BUSY_POLL
            | SO_INCOMING_CPU
    )
}

#[inline]
pub(super) fn decode_socket(optname: i32, optval: &[u8]) -> Result<SockOpt<'_>> {
    let ctx = Ctx {
        level: SOL_SOCKET,
        optname,
    };
    match optname {
        SO_BINDTODEVICE => {
            let window = optval.get(..IFNAMSIZ - 1).unwrap_or(optval);
            match window.first() {
                None | Some(0) => Ok(SockOpt::BindToDevice(None)),
                Some(_) => Ok(SockOpt::BindToDevice(Some(IfName::from_bytes(window)?))),
            }
        }
        SO_BINDTOIFINDEX => {
            let value = so_int(optval, ctx)?;
            let ifindex = u32::try_from(value)
                .map_err(|_| ctx.invalid("negative interface index (EINVAL)"))?;
            Ok(SockOpt::BindToIfindex(ifindex))
        }
        SO_MARK => Ok(SockOpt::Mark(so_int(optval, ctx)? as u32)),
        _ if is_so_flag(optname) => Ok(SockOpt::Flag {
            level: SOL_SOCKET,
            optname,
            on: so_int(optval, ctx)? != 0,
        }),
        _ if is_so_int(optname) => Ok(SockOpt::Int {
            level: SOL_SOCKET,
            optname,
            value: so_int(optval, ctx)?,
        }),
        _ => Ok(SockOpt::Other {
            level: SOL_SOCKET,
            optname,
            raw: optval,
        }),
    }
}
