//! Control messages (`struct cmsghdr`) in the `msg_control` buffer of `recvmsg`/`sendmsg`, with
//! the Linux x86_64 framing: a walker over `&[u8]` ([`cmsgs`], [`raw_cmsgs`]) and an emitter
//! over `&mut [u8]` ([`CmsgWriter`]).
//!
//! Framing, as in the kernel and glibc's `CMSG_FIRSTHDR`/`CMSG_NXTHDR`/`CMSG_DATA`:
//!
//! * the header is 16 bytes: `cmsg_len` (`size_t`, 8 bytes), `cmsg_level` (`int`),
//!   `cmsg_type` (`int`), all host byte order;
//! * `cmsg_len` counts the header and the data but not the padding after it
//!   (`CMSG_LEN(n) = 16 + n`);
//! * the data starts right after the header (`CMSG_DATA`, offset 16);
//! * the next header starts at `CMSG_ALIGN(cmsg_len)`, aligned to 8 (`CMSG_SPACE(n) =
//!   16 + CMSG_ALIGN(n)`); the walk ends when fewer than 16 bytes remain for it.
//!
//! A message whose `cmsg_len` is smaller than the header or runs past the end of the buffer
//! yields one [`Error::BadHeaderLength`] item and ends the walk: the framing after it cannot be
//! trusted. (glibc hands such a header to its caller, whose `CMSG_DATA` reads would then run
//! past the buffer.) A message that is framed correctly but whose data does not fit its type
//! (an `IP_PKTINFO` that is not 12 bytes, say) yields an error item and the walk goes on.
//!
//! ```
//! use core::net::Ipv4Addr;
//! use sockabi::cmsg::{cmsgs, Cmsg, CmsgWriter};
//! use sockabi::pktinfo::InPktinfo;
//!
//! // Build what recvmsg would return with IP_PKTINFO and IP_RECVTTL enabled...
//! let mut buf = [0u8; 64];
//! let mut w = CmsgWriter::new(&mut buf);
//! w.push_cmsg(&Cmsg::PktInfo(&InPktinfo::new(2, Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 1))))?;
//! w.push_cmsg(&Cmsg::Ttl(64))?;
//! let controllen = w.len();
//!
//! // ...and walk it.
//! let mut it = cmsgs(&buf[..controllen]);
//! assert!(matches!(it.next(), Some(Ok(Cmsg::PktInfo(p))) if p.ifindex() == 2));
//! assert!(matches!(it.next(), Some(Ok(Cmsg::Ttl(64)))));
//! assert!(it.next().is_none());
//! # Ok::<(), sockabi::Error>(())
//! ```

use core::fmt;

use zerocopy::byteorder::{NativeEndian, I32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::addr::view_prefix;
use crate::exterr::RecvErr;
use crate::pktinfo::InPktinfo;
use crate::sockopt::{
    level_name, IPPROTO_IP, IP_ORIGDSTADDR, IP_PKTINFO, IP_RECVERR, IP_TOS, IP_TTL,
};
use crate::{Error, Result, SockaddrIn};

/// `sizeof(struct cmsghdr)` = `CMSG_ALIGN(sizeof(struct cmsghdr))`: 16 bytes.
pub const CMSG_HDR_LEN: usize = core::mem::size_of::<CmsgHdr>();

/// `CMSG_ALIGN(len)`: `len` rounded up to a multiple of 8 (`sizeof(size_t)`), or `None` if
/// that overflows `usize`.
#[inline]
pub const fn cmsg_align(len: usize) -> Option<usize> {
    match len.checked_add(7) {
        Some(v) => Some(v & !7),
        None => None,
    }
}

/// `CMSG_LEN(data_len)`: the `cmsg_len` of a message with `data_len` bytes of data.
pub const fn cmsg_len(data_len: usize) -> Option<usize> {
    CMSG_HDR_LEN.checked_add(data_len)
}

/// `CMSG_SPACE(data_len)`: the bytes a message with `data_len` bytes of data occupies,
/// padding included.
pub const fn cmsg_space(data_len: usize) -> Option<usize> {
    match cmsg_align(data_len) {
        Some(v) => CMSG_HDR_LEN.checked_add(v),
        None => None,
    }
}

/// `struct cmsghdr` (16 bytes, host byte order).
#[derive(
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    Debug,
)]
#[repr(C)]
pub struct CmsgHdr {
    /// Header plus data, without trailing padding (`size_t`).
    pub cmsg_len: U64<NativeEndian>,
    /// The level (`SOL_IP`, `SOL_SOCKET`, ...).
    pub cmsg_level: I32<NativeEndian>,
    /// The type within the level (`IP_PKTINFO`, ...).
    pub cmsg_type: I32<NativeEndian>,
}

impl CmsgHdr {
    /// Views a `cmsghdr` at the start of `bytes`.
    #[inline]
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "cmsghdr")
    }
}

/// One framed control message, data not interpreted.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct RawCmsg<'a> {
    /// `cmsg_level`.
    pub level: i32,
    /// `cmsg_type`.
    pub kind: i32,
    /// The `cmsg_len - 16` data bytes (padding excluded).
    pub data: &'a [u8],
    /// Offset of the header in the control buffer.
    pub offset: usize,
}

/// Iterator over the framed messages of a control buffer; see [`raw_cmsgs`].
#[derive(Clone, Debug)]
pub struct RawCmsgs<'a> {
    buf: &'a [u8],
    pos: usize,
}

/// Walks the messages of a control buffer (`msg_control`, `msg_controllen` bytes) without
/// interpreting their data; see the [module documentation](self) for the rules.
///
/// ```
/// use sockabi::cmsg::raw_cmsgs;
///
/// let mut buf = [0u8; 24];
/// buf[..8].copy_from_slice(&100u64.to_ne_bytes()); // cmsg_len runs past the buffer
/// let mut it = raw_cmsgs(&buf);
/// assert!(it.next().unwrap().is_err());
/// assert!(it.next().is_none());
/// ```
#[inline]
pub fn raw_cmsgs(buf: &[u8]) -> RawCmsgs<'_> {
    RawCmsgs { buf, pos: 0 }
}

impl<'a> Iterator for RawCmsgs<'a> {
    type Item = Result<RawCmsg<'a>>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let offset = self.pos;
        let rest = self.buf.get(offset..)?;
        // Fewer than 16 bytes left: glibc's CMSG_FIRSTHDR/CMSG_NXTHDR return NULL.
        let hdr = CmsgHdr::ref_from_prefix(rest).ok()?;
        let declared = hdr.cmsg_len.get();
        let data = usize::try_from(declared)
            .ok()
            .filter(|&len| len >= CMSG_HDR_LEN)
            .and_then(|len| rest.get(CMSG_HDR_LEN..len));
        let Some(data) = data else {
            self.pos = self.buf.len();
            return Some(Err(Error::BadHeaderLength {
                what: "cmsghdr",
                len: usize::try_from(declared).unwrap_or(usize::MAX),
                available: rest.len(),
            }));
        };
        let len = CMSG_HDR_LEN + data.len();
        // Past the end (including on overflow) means no further header fits.
        self.pos = cmsg_align(len)
            .and_then(|space| offset.checked_add(space))
            .unwrap_or(usize::MAX);
        Some(Ok(RawCmsg {
            level: hdr.cmsg_level.get(),
            kind: hdr.cmsg_type.get(),
            data,
            offset,
        }))
    }
}

impl core::iter::FusedIterator for RawCmsgs<'_> {}

/// A control message, typed for the `SOL_IP` messages that matter for interface selection.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Cmsg<'a> {
    /// `IP_PKTINFO`: exactly 12 bytes, the interface a datagram arrived on / should leave by.
    PktInfo(&'a InPktinfo),
    /// `IP_RECVERR` from the error queue: the error and its offender (at least 16 bytes; the
    /// kernel sends 32).
    RecvErr(RecvErr),
    /// `IP_TTL`: the received TTL as an `int` (exactly 4 bytes, as the kernel sends it and as
    /// `sendmsg` requires it).
    Ttl(i32),
    /// `IP_TOS`: the TOS byte. The kernel sends 1 byte; `sendmsg` also accepts an `int` in
    /// `0..=255`, so both are read.
    Tos(u8),
    /// `IP_ORIGDSTADDR`: the original destination (exactly 16 bytes, a `sockaddr_in`).
    OrigDstAddr(&'a SockaddrIn),
    /// Any other message.
    Unknown {
        /// `cmsg_level`.
        level: i32,
        /// `cmsg_type`.
        kind: i32,
        /// The data.
        data: &'a [u8],
    },
}

impl<'a> Cmsg<'a> {
    /// Interprets a framed message: an error if its data does not fit its known type.
    #[inline]
    pub fn parse(raw: RawCmsg<'a>) -> Result<Self> {
        let RawCmsg {
            level, kind, data, ..
        } = raw;
        if level != IPPROTO_IP {
            return Ok(Cmsg::Unknown { level, kind, data });
        }
        let exact = |n: usize, what: &'static str| {
            if data.len() == n {
                Ok(())
            } else {
                Err(Error::BadLength {
                    what,
                    len: data.len(),
                })
            }
        };
        match kind {
            IP_PKTINFO => {
                exact(InPktinfo::LEN, "IP_PKTINFO control message")?;
                Ok(Cmsg::PktInfo(InPktinfo::ref_from_prefix(data)?))
            }
            IP_RECVERR => Ok(Cmsg::RecvErr(RecvErr::parse(data)?)),
            IP_TTL => match *data {
                [a, b, c, d] => Ok(Cmsg::Ttl(i32::from_ne_bytes([a, b, c, d]))),
                _ => Err(Error::BadLength {
                    what: "IP_TTL control message",
                    len: data.len(),
                }),
            },
            IP_TOS => match *data {
                [tos] => Ok(Cmsg::Tos(tos)),
                [a, b, c, d] => u8::try_from(i32::from_ne_bytes([a, b, c, d]))
                    .map(Cmsg::Tos)
                    .map_err(|_| Error::Invalid {
                        what: "IP_TOS control message",
                        reason: "int value outside 0..=255",
                    }),
                _ => Err(Error::BadLength {
                    what: "IP_TOS control message",
                    len: data.len(),
                }),
            },
            IP_ORIGDSTADDR => {
                exact(SockaddrIn::LEN, "IP_ORIGDSTADDR control message")?;
                Ok(Cmsg::OrigDstAddr(SockaddrIn::ref_from_prefix(data)?))
            }
            _ => Ok(Cmsg::Unknown { level, kind, data }),
        }
    }

    /// `(cmsg_level, cmsg_type)`.
    pub fn level_and_kind(&self) -> (i32, i32) {
        match *self {
            Cmsg::PktInfo(_) => (IPPROTO_IP, IP_PKTINFO),
            Cmsg::RecvErr(_) => (IPPROTO_IP, IP_RECVERR),
            Cmsg::Ttl(_) => (IPPROTO_IP, IP_TTL),
            Cmsg::Tos(_) => (IPPROTO_IP, IP_TOS),
            Cmsg::OrigDstAddr(_) => (IPPROTO_IP, IP_ORIGDSTADDR),
            Cmsg::Unknown { level, kind, .. } => (level, kind),
        }
    }

    /// The interface index this message carries (`IP_PKTINFO`'s `ipi_ifindex`), if any.
    pub fn ifindex(&self) -> Option<i32> {
        match *self {
            Cmsg::PktInfo(p) => Some(p.ifindex()),
            _ => None,
        }
    }

    /// Bytes of data [`Cmsg::emit_data`] writes.
    pub fn data_len(&self) -> usize {
        match *self {
            Cmsg::PktInfo(_) => InPktinfo::LEN,
            Cmsg::RecvErr(_) => RecvErr::LEN,
            Cmsg::Ttl(_) => 4,
            Cmsg::Tos(_) => 1,
            Cmsg::OrigDstAddr(_) => SockaddrIn::LEN,
            Cmsg::Unknown { data, .. } => data.len(),
        }
    }

    /// Writes this message's data (as the kernel lays it out) to the start of `buf`.
    pub fn emit_data(&self, buf: &mut [u8]) -> Result<usize> {
        let what = "control message data";
        match self {
            Cmsg::PktInfo(p) => p.emit(buf),
            Cmsg::RecvErr(e) => e.emit(buf),
            Cmsg::Ttl(t) => crate::addr::emit_bytes(&t.to_ne_bytes(), buf, what),
            Cmsg::Tos(t) => crate::addr::emit_bytes(&[*t], buf, what),
            Cmsg::OrigDstAddr(a) => a.emit(buf),
            Cmsg::Unknown { data, .. } => crate::addr::emit_bytes(data, buf, what),
        }
    }
}

/// `IP_PKTINFO ifindex=2 ...`, `IP_TTL 64`, `IP_TOS 0x10`, `IP_ORIGDSTADDR 192.0.2.1:53`,
/// `IP_RECVERR errno=...`, or `LEVEL/type (N bytes)`.
impl fmt::Display for Cmsg<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (level, kind) = self.level_and_kind();
        match cmsg_type_name(level, kind) {
            Some(name) => write!(f, "{name} ")?,
            None => match level_name(level) {
                Some(l) => write!(f, "{l}/{kind} ")?,
                None => write!(f, "{level}/{kind} ")?,
            },
        }
        match self {
            Cmsg::PktInfo(p) => write!(f, "{p}"),
            Cmsg::RecvErr(e) => write!(f, "{e}"),
            Cmsg::Ttl(t) => write!(f, "{t}"),
            Cmsg::Tos(t) => write!(f, "{t:#04x}"),
            Cmsg::OrigDstAddr(a) => write!(f, "{a}"),
            Cmsg::Unknown { data, .. } => write!(f, "({} bytes)", data.len()),
        }
    }
}

/// The C name of a `SOL_IP` control-message type (`IP_PKTINFO`, `IP_ORIGDSTADDR`, ...).
///
/// Differs from [`crate::sockopt::option_name`] where the message and the option that enables it
/// share a value under different names (`IP_ORIGDSTADDR` / `IP_RECVORIGDSTADDR`).
pub fn cmsg_type_name(level: i32, kind: i32) -> Option<&'static str> {
    if level != IPPROTO_IP {
        return None;
    }
    Some(match kind {
        IP_PKTINFO => "IP_PKTINFO",
        IP_RECVERR => "IP_RECVERR",
        IP_TTL => "IP_TTL",
        IP_TOS => "IP_TOS",
        IP_ORIGDSTADDR => "IP_ORIGDSTADDR",
        crate::sockopt::IP_OPTIONS => "IP_OPTIONS",
        crate::sockopt::IP_RETOPTS => "IP_RETOPTS",
        crate::sockopt::IP_CHECKSUM => "IP_CHECKSUM",
        crate::sockopt::IP_RECVFRAGSIZE => "IP_RECVFRAGSIZE",
        _ => return None,
    })
}

/// Iterator over typed control messages; see [`cmsgs`].
#[derive(Clone, Debug)]
pub struct Cmsgs<'a>(RawCmsgs<'a>);

/// Walks a control buffer and types each message ([`Cmsg`]); see the
/// [module documentation](self) for the rules.
///
/// ```
/// use sockabi::cmsg::{cmsgs, Cmsg};
///
/// // One IP_TOS message as the kernel writes it: cmsg_len 17, SOL_IP, type 1, one byte.
/// let mut control = [0u8; 24];
/// control[..8].copy_from_slice(&17u64.to_ne_bytes());
/// control[12..16].copy_from_slice(&1i32.to_ne_bytes());
/// control[16] = 0x10;
/// let all: Vec<_> = cmsgs(&control).collect();
/// assert_eq!(all, [Ok(Cmsg::Tos(0x10))]);
/// ```
#[inline]
pub fn cmsgs(buf: &[u8]) -> Cmsgs<'_> {
    Cmsgs(raw_cmsgs(buf))
}

impl<'a> Cmsgs<'a> {
    /// The underlying untyped walk.
    pub fn raw(self) -> RawCmsgs<'a> {
        self.0
    }
}

impl<'a> Iterator for Cmsgs<'a> {
    type Item = Result<Cmsg<'a>>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        Some(self.0.next()?.and_then(Cmsg::parse))
    }
}

impl core::iter::FusedIterator for Cmsgs<'_> {}

/// Builds a control buffer in place, as `CMSG_FIRSTHDR`/`CMSG_NXTHDR` code would for
/// `sendmsg`: each message takes `CMSG_SPACE(data)` bytes, padding zeroed, and
/// [`CmsgWriter::len`] is the `msg_controllen` to pass.
///
/// ```
/// use core::net::Ipv4Addr;
/// use sockabi::cmsg::{CmsgWriter, CMSG_HDR_LEN};
/// use sockabi::pktinfo::InPktinfo;
///
/// // Send from interface 3 with source 192.0.2.1.
/// let mut control = [0u8; 32];
/// let mut w = CmsgWriter::new(&mut control);
/// w.pktinfo(&InPktinfo::new(3, Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::UNSPECIFIED))?;
/// assert_eq!(w.len(), 32); // CMSG_SPACE(12)
/// assert_eq!(&control[..8], &28u64.to_ne_bytes()); // cmsg_len = CMSG_LEN(12)
/// # Ok::<(), sockabi::Error>(())
/// ```
#[derive(Debug)]
pub struct CmsgWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> CmsgWriter<'a> {
    /// A writer at the start of `buf`.
    pub fn new(buf: &'a mut [u8]) -> Self {
        CmsgWriter { buf, len: 0 }
    }

    /// Bytes written so far: the `msg_controllen` to pass to `sendmsg`.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The messages written so far.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    /// Appends a message of `data_len` bytes whose data `fill` writes; all or nothing.
    fn push_with(
        &mut self,
        level: i32,
        kind: i32,
        data_len: usize,
        fill: impl FnOnce(&mut [u8]) -> Result<usize>,
    ) -> Result<()> {
        let too_small = Error::BufferTooSmall {
            what: "control buffer",
            needed: usize::MAX,
            got: self.buf.len().saturating_sub(self.len),
        };
        let (Some(cmsg_len), Some(space)) = (cmsg_len(data_len), cmsg_space(data_len)) else {
            return Err(too_small);
        };
        let avail = self.buf.len().saturating_sub(self.len);
        let slot = self
            .buf
            .get_mut(self.len..)
            .and_then(|rest| rest.get_mut(..space))
            .ok_or(Error::BufferTooSmall {
                what: "control buffer",
                needed: space,
                got: avail,
            })?;
        let (hdr, body) = slot.split_at_mut(CMSG_HDR_LEN);
        let header = CmsgHdr {
            cmsg_len: U64::new(cmsg_len as u64),
            cmsg_level: I32::new(level),
            cmsg_type: I32::new(kind),
        };
        hdr.copy_from_slice(header.as_bytes());
        body.fill(0);
        fill(body)?;
        self.len += space;
        Ok(())
    }

    /// Appends a message with raw data.
    pub fn push(&mut self, level: i32, kind: i32, data: &[u8]) -> Result<()> {
        self.push_with(level, kind, data.len(), |body| {
            crate::addr::emit_bytes(data, body, "control message data")
        })
    }

    /// Appends a typed message, data laid out as the kernel does.
    pub fn push_cmsg(&mut self, cmsg: &Cmsg<'_>) -> Result<()> {
        let (level, kind) = cmsg.level_and_kind();
        self.push_with(level, kind, cmsg.data_len(), |body| cmsg.emit_data(body))
    }

    /// Appends an `IP_PKTINFO` message (the `sendmsg` way to pick interface and source).
    pub fn pktinfo(&mut self, info: &InPktinfo) -> Result<()> {
        self.push_cmsg(&Cmsg::PktInfo(info))
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use core::net::Ipv4Addr;
    use std::vec::Vec;

    fn header(len: u64, level: i32, kind: i32) -> [u8; 16] {
        let mut h = [0u8; 16];
        h[..8].copy_from_slice(&len.to_ne_bytes());
        h[8..12].copy_from_slice(&level.to_ne_bytes());
        h[12..].copy_from_slice(&kind.to_ne_bytes());
        h
    }

    #[test]
    fn empty_and_short_buffers_have_no_messages() {
        assert!(raw_cmsgs(&[]).next().is_none());
        assert!(raw_cmsgs(&[0u8; 15]).next().is_none());
    }

    #[test]
    fn cmsg_len_below_header_is_one_error_then_end() {
        let mut buf = [0u8; 48];
        buf[..16].copy_from_slice(&header(15, 0, 8));
        let items: Vec<_> = raw_cmsgs(&buf).collect();
        assert_eq!(items.len(), 1);
        assert!(matches!(
            items[0],
            Err(Error::BadHeaderLength {
                len: 15,
                available: 48,
                ..
            })
        ));
    }

    #[test]
    fn cmsg_len_zero_does_not_loop() {
        let items: Vec<_> = raw_cmsgs(&[0u8; 64]).collect();
        assert_eq!(items.len(), 1);
        assert!(items[0].is_err());
    }

    #[test]
    fn cmsg_len_past_end_is_one_error_then_end() {
        let mut buf = [0u8; 32];
        buf[..16].copy_from_slice(&header(33, 0, 8));
        let items: Vec<_> = raw_cmsgs(&buf).collect();
        assert_eq!(items.len(), 1);
        assert!(items[0].is_err());
    }

    #[test]
    fn huge_cmsg_len_is_error_not_overflow() {
        let mut buf = [0u8; 32];
        buf[..16].copy_from_slice(&header(u64::MAX, 0, 8));
        assert!(raw_cmsgs(&buf).next().unwrap().is_err());
    }

    #[test]
    fn second_message_lying_after_good_one() {
        let mut buf = [0u8; 48];
        buf[..16].copy_from_slice(&header(20, 0, IP_TTL));
        buf[16..20].copy_from_slice(&64i32.to_ne_bytes());
        buf[24..40].copy_from_slice(&header(100, 0, 8));
        let items: Vec<_> = cmsgs(&buf).collect();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0], Ok(Cmsg::Ttl(64)));
        assert!(items[1].is_err());
    }

    #[test]
    fn unaligned_last_message_that_fits_is_yielded() {
        // cmsg_len 17 (one TOS byte) with exactly 17 bytes: the data is there.
        let mut buf = [0u8; 17];
        buf[..16].copy_from_slice(&header(17, 0, IP_TOS));
        buf[16] = 0x10;
        let items: Vec<_> = cmsgs(&buf).collect();
        assert_eq!(items, [Ok(Cmsg::Tos(0x10))]);
    }

    #[test]
    fn wrong_payload_size_is_error_but_walk_continues() {
        let mut w_buf = [0u8; 64];
        let mut w = CmsgWriter::new(&mut w_buf);
        w.push(0, IP_PKTINFO, &[1, 2, 3]).unwrap();
        w.push_cmsg(&Cmsg::Ttl(5)).unwrap();
        let n = w.len();
        let items: Vec<_> = cmsgs(&w_buf[..n]).collect();
        assert!(matches!(items[0], Err(Error::BadLength { len: 3, .. })));
        assert_eq!(items[1], Ok(Cmsg::Ttl(5)));
    }

    #[test]
    fn tos_as_int_is_accepted() {
        let mut b = [0u8; 64];
        let mut w = CmsgWriter::new(&mut b);
        w.push(0, IP_TOS, &0x20i32.to_ne_bytes()).unwrap();
        w.push(0, IP_TOS, &300i32.to_ne_bytes()).unwrap();
        let n = w.len();
        let items: Vec<_> = cmsgs(&b[..n]).collect();
        assert_eq!(items[0], Ok(Cmsg::Tos(0x20)));
        assert!(matches!(items[1], Err(Error::Invalid { .. })));
    }

    #[test]
    fn recverr_offender_by_family() {
        let mut b = [0u8; 64];
        let mut w = CmsgWriter::new(&mut b);
        let ee = crate::exterr::SockExtendedErr {
            ee_errno: 90u32.into(),
            ee_origin: crate::exterr::SO_EE_ORIGIN_LOCAL,
            ..Default::default()
        };
        w.push_cmsg(&Cmsg::RecvErr(RecvErr::new(ee, None))).unwrap();
        assert_eq!(w.len(), 48);
        let n = w.len();
        match cmsgs(&b[..n]).next() {
            Some(Ok(Cmsg::RecvErr(e))) => {
                assert_eq!(e.ee.errno(), 90);
                assert_eq!(e.offender(), None);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn writer_full_is_error_and_writes_nothing() {
        let mut b = [0u8; 31];
        let mut w = CmsgWriter::new(&mut b);
        let info = InPktinfo::new(1, Ipv4Addr::LOCALHOST, Ipv4Addr::LOCALHOST);
        assert!(matches!(
            w.pktinfo(&info),
            Err(Error::BufferTooSmall {
                needed: 32,
                got: 31,
                ..
            })
        ));
        assert!(w.is_empty());
    }

    #[test]
    fn display() {
        let info = InPktinfo::new(2, Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 9));
        assert_eq!(
            std::format!("{}", Cmsg::PktInfo(&info)),
            "IP_PKTINFO ifindex=2 spec_dst=192.0.2.1 addr=192.0.2.9"
        );
        assert_eq!(std::format!("{}", Cmsg::Ttl(64)), "IP_TTL 64");
        let unknown = Cmsg::Unknown {
            level: 1,
            kind: 1,
            data: &[0; 4],
        };
        assert_eq!(std::format!("{unknown}"), "SOL_SOCKET/1 (4 bytes)");
    }
}
