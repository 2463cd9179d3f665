//! `SIOCGIFCONF`: the `struct ifconf` argument and a walker over the `ifreq` records the
//! kernel writes into the caller's buffer.
//!
//! Each record is a whole `struct ifreq` (40 bytes on 64-bit Linux) whose `ifr_name` is the
//! IPv4 address label (`eth0`, or `eth0:1` for an alias) and whose `ifr_addr` is the
//! `AF_INET` address: only IPv4 addresses are listed.
//!
//! **The kernel skips what does not fit** (netdevice(7)): if `ifc_len` is too small for all
//! addresses, the kernel fills whole records while they fit, silently drops the rest and
//! returns success, with `ifc_len` set to the bytes written. There is no reliable way to see
//! that this happened. Either size the buffer first (call with a NULL `ifc_buf`: the kernel
//! then returns the size needed in `ifc_len`, and writes nothing), or retry with a bigger
//! buffer whenever the returned `ifc_len` is within `sizeof(struct ifreq)` of the size given
//! ([`ifconf_may_be_truncated`]). Addresses can also appear between the sizing call and the
//! real one.

use core::fmt;
use core::iter::FusedIterator;

use zerocopy::byteorder::{NativeEndian, I32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::{Ifreq, IFREQ_SIZE};
use crate::addr::view_prefix;
use crate::{Error, Result};

/// `struct ifconf` (16 bytes on 64-bit Linux): the length of the caller's buffer and its
/// address.
///
/// ```
/// use sockabi::ifreq::Ifconf;
///
/// let sizing = Ifconf::new(0, 0); // NULL buffer: "how many bytes do I need?"
/// assert_eq!(sizing.to_string(), "ifc_len=0 ifc_buf=NULL");
/// let bytes = zerocopy::IntoBytes::as_bytes(&sizing);
/// assert_eq!(bytes.len(), 16);
/// assert_eq!(*Ifconf::ref_from_prefix(bytes)?, sizing);
/// # Ok::<(), sockabi::Error>(())
/// ```
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
pub struct Ifconf {
    /// `int ifc_len`: the buffer's size in; the bytes written (or needed, with a NULL
    /// buffer) out.
    pub ifc_len: I32<NativeEndian>,
    /// The 4 bytes of padding C puts before the pointer.
    pub _pad: [u8; 4],
    /// `ifc_buf` / `ifc_req`: the buffer's user-space address (NULL asks for the size).
    pub ifc_buf: U64<NativeEndian>,
}

impl Ifconf {
    /// An `ifconf` for a buffer of `len` bytes at user address `buf` (0 for NULL).
    pub fn new(len: i32, buf: u64) -> Self {
        Ifconf {
            ifc_len: I32::new(len),
            _pad: [0; 4],
            ifc_buf: U64::new(buf),
        }
    }

    /// Views an `ifconf` at the start of `bytes`.
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "ifconf")
    }

    /// `ifc_len`.
    pub fn len(&self) -> i32 {
        self.ifc_len.get()
    }

    /// Whether `ifc_len` is 0 (no IPv4 address, or an empty buffer).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `ifc_buf`.
    pub fn buf(&self) -> u64 {
        self.ifc_buf.get()
    }
}

impl fmt::Display for Ifconf {
    /// `ifc_len=80 ifc_buf=0x7ffd00001000` (`ifc_buf=NULL` for a sizing call).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ifc_len={} ifc_buf=", self.len())?;
        match self.buf() {
            0 => f.write_str("NULL"),
            buf => write!(f, "{buf:#x}"),
        }
    }
}

/// Walks the records of a `SIOCGIFCONF` buffer: `buf` holds the `ifc_len` bytes the kernel
/// reported. Yields each `ifreq` in place; a trailing partial record is yielded once as
/// [`Error::Truncated`], then the walk ends.
///
/// ```
/// use sockabi::ifreq::{records, Ifreq, Sockaddr};
/// use sockabi::IfName;
/// use zerocopy::IntoBytes;
///
/// let mut lo = Ifreq::with_name(IfName::new("lo")?);
/// lo.set_sockaddr(Sockaddr::from(std::net::Ipv4Addr::LOCALHOST));
/// let mut buf = lo.as_bytes().to_vec();
/// buf.extend_from_slice(&[0; 8]); // 8 bytes of a record that did not fit
///
/// let mut walk = records(&buf);
/// let first = walk.next().unwrap()?;
/// assert_eq!(first.name().as_bytes(), b"lo");
/// assert_eq!(first.addr().ipv4()?, std::net::Ipv4Addr::LOCALHOST);
/// assert!(walk.next().unwrap().is_err());
/// assert!(walk.next().is_none());
/// # Ok::<(), sockabi::Error>(())
/// ```
pub fn records(buf: &[u8]) -> Records<'_> {
    Records { rest: buf }
}

/// The iterator of [`records`].
#[derive(Debug, Clone)]
pub struct Records<'a> {
    /// What is left to walk; emptied after the last record or the error.
    rest: &'a [u8],
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<&'a Ifreq>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match self.rest.split_first_chunk::<IFREQ_SIZE>() {
            Some((record, rest)) => {
                self.rest = rest;
                Some(Ok(zerocopy::transmute_ref!(record)))
            }
            None => {
                let got = self.rest.len();
                self.rest = &[];
                Some(Err(Error::truncated("ifconf record", IFREQ_SIZE, got)))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.rest.len().div_ceil(IFREQ_SIZE);
        (n, Some(n))
    }
}

impl ExactSizeIterator for Records<'_> {}

impl FusedIterator for Records<'_> {}

/// Whether a `SIOCGIFCONF` answer may have dropped records: the `ifc_len` the kernel returned
/// (`returned_len`) is less than one `struct ifreq` short of the buffer size given
/// (`given_len`), which is netdevice(7)'s advice for when to retry with a bigger buffer.
///
/// ```
/// use sockabi::ifreq::ifconf_may_be_truncated;
/// assert!(ifconf_may_be_truncated(80, 80));   // full: there may be more
/// assert!(ifconf_may_be_truncated(100, 80));  // 20 bytes left, less than a record
/// assert!(!ifconf_may_be_truncated(120, 80)); // a whole record's room was left unused
/// ```
pub fn ifconf_may_be_truncated(given_len: usize, returned_len: usize) -> bool {
    given_len.saturating_sub(returned_len) < IFREQ_SIZE
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ifreq::Sockaddr;
    use crate::IfName;

    fn record(name: &str, ip: [u8; 4]) -> Ifreq {
        let mut r = Ifreq::with_name(IfName::new(name).unwrap());
        r.set_sockaddr(Sockaddr::from(core::net::Ipv4Addr::from(ip)));
        r
    }

    #[test]
    fn layout() {
        assert_eq!(core::mem::size_of::<Ifconf>(), 16);
        assert_eq!(core::mem::offset_of!(Ifconf, ifc_buf), 8);
        let c = Ifconf::new(-1, 0);
        assert_eq!(c.len(), -1);
        assert!(!c.is_empty());
        assert!(Ifconf::new(0, 5).is_empty());
    }

    #[test]
    fn walks_whole_records() {
        let mut buf = [0u8; 3 * IFREQ_SIZE];
        let recs = [
            record("lo", [127, 0, 0, 1]),
            record("eth0", [192, 0, 2, 1]),
            record("eth1", [198, 51, 100, 1]),
        ];
        for (chunk, r) in buf.chunks_mut(IFREQ_SIZE).zip(&recs) {
            chunk.copy_from_slice(zerocopy::IntoBytes::as_bytes(r));
        }
        let walk = records(&buf);
        assert_eq!(walk.len(), 3);
        let got: [&Ifreq; 3] = {
            let mut it = walk.map(Result::unwrap);
            [it.next().unwrap(), it.next().unwrap(), it.next().unwrap()]
        };
        assert_eq!(got.map(|r| *r), recs);
        assert_eq!(records(&buf).count(), 3);
    }

    #[test]
    fn trailing_partial_record_is_one_error() {
        let mut buf = [0u8; IFREQ_SIZE + 39];
        buf[..IFREQ_SIZE]
            .copy_from_slice(zerocopy::IntoBytes::as_bytes(&record("lo", [127, 0, 0, 1])));
        let mut walk = records(&buf);
        assert_eq!(walk.len(), 2);
        assert!(walk.next().unwrap().is_ok());
        assert_eq!(
            walk.next().unwrap(),
            Err(Error::truncated("ifconf record", 40, 39))
        );
        assert!(walk.next().is_none());
        assert!(walk.next().is_none());
    }

    #[test]
    fn empty_buffer() {
        assert!(records(&[]).next().is_none());
        assert_eq!(records(&[1]).len(), 1);
    }

    #[test]
    fn truncation_heuristic() {
        assert!(ifconf_may_be_truncated(0, 0));
        assert!(ifconf_may_be_truncated(40, 40));
        assert!(ifconf_may_be_truncated(79, 40));
        assert!(!ifconf_may_be_truncated(80, 40));
        assert!(
            ifconf_may_be_truncated(10, 40),
            "a returned length above the given one"
        );
    }
}
