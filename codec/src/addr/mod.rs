//! Socket addresses as the Linux socket ABI lays them out, one module per family:
//! `struct in_addr` / `struct sockaddr_in` (IPv4), `struct in6_addr` / `struct sockaddr_in6`
//! (IPv6), and `struct sockaddr_storage`, the family-generic container that `group_req`,
//! `group_source_req` and `group_filter` carry, with views by family ([`SockaddrRef`]).

use zerocopy::{FromBytes, Immutable, KnownLayout, Unaligned};

use crate::{Error, Result};

mod storage;
mod v4;
mod v6;

pub use storage::{SockaddrRef, SockaddrStorage, SS_MAXSIZE};
pub use v4::{InAddr, SockaddrIn};
pub use v6::{In6Addr, SockaddrIn6};

/// `AF_UNSPEC`: no address (a zeroed offender in a local `IP_RECVERR` error uses it).
pub const AF_UNSPEC: u16 = 0;
/// `AF_INET`, the IPv4 address family.
pub const AF_INET: u16 = 2;
/// `AF_INET6`, the IPv6 address family (10 on Linux; the BSDs use other values, see
/// [`crate::route`]).
pub const AF_INET6: u16 = 10;

/// Copies `bytes` to the start of `buf`, or says how short `buf` was; returns `bytes.len()`.
pub(crate) fn emit_bytes(bytes: &[u8], buf: &mut [u8], what: &'static str) -> Result<usize> {
    let got = buf.len();
    let out = buf.get_mut(..bytes.len()).ok_or(Error::BufferTooSmall {
        what,
        needed: bytes.len(),
        got,
    })?;
    out.copy_from_slice(bytes);
    Ok(bytes.len())
}

/// Views a `T` at the start of `bytes`, or says how short the input was.
#[inline]
pub(crate) fn view_prefix<'a, T>(bytes: &'a [u8], what: &'static str) -> Result<&'a T>
where
    T: FromBytes + KnownLayout + Immutable + Unaligned,
{
    T::ref_from_prefix(bytes)
        .map(|(view, _rest)| view)
        .map_err(|_| Error::truncated(what, core::mem::size_of::<T>(), bytes.len()))
}
