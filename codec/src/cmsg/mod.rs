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

mod typed;

use zerocopy::byteorder::{NativeEndian, I32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

pub use typed::{cmsg_type_name, Cmsg};

use crate::addr::view_prefix;
use crate::pktinfo::{In6Pktinfo, InPktinfo};
use crate::{Error, Result};

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

    /// Appends an `IPV6_PKTINFO` message (the IPv6 `sendmsg` way to pick interface and source).
    pub fn pktinfo6(&mut self, info: &In6Pktinfo) -> Result<()> {
        self.push_cmsg(&Cmsg::PktInfo6(info))
    }
}

#[cfg(test)]
mod tests;
