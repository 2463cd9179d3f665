//! [`Cmsg`]: a control message typed by its level and type, for the `SOL_IP` and `SOL_IPV6`
//! messages that matter for interface selection.
//!
//! Payload sizes follow what the kernel writes on receive (`ip_cmsg_recv`,
//! `ip6_datagram_recv_ctl`, `ip_recv_error`, `ipv6_recv_error`) and accepts on send
//! (`ip_cmsg_send`, `ip6_datagram_send_ctl`).

use core::fmt;

use crate::addr::emit_bytes;
use crate::exterr::{RecvErr, RecvErr6};
use crate::mtuinfo::Ip6Mtuinfo;
use crate::pktinfo::{In6Pktinfo, InPktinfo};
use crate::sockopt::{
    level_name, IPPROTO_IP, IPPROTO_IPV6, IPV6_HOPLIMIT, IPV6_ORIGDSTADDR, IPV6_PATHMTU,
    IPV6_PKTINFO, IPV6_RECVERR, IPV6_TCLASS, IP_ORIGDSTADDR, IP_PKTINFO, IP_RECVERR, IP_TOS,
    IP_TTL,
};
use crate::{Error, Result, SockaddrIn, SockaddrIn6};

use super::RawCmsg;

/// A control message, typed for the `SOL_IP` and `SOL_IPV6` messages that matter for interface
/// selection.
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
    /// `IPV6_PKTINFO`: an `in6_pktinfo`, the interface and destination of a received datagram,
    /// or the interface and source to send from. The kernel writes 20 bytes and `sendmsg`
    /// accepts 20 or more (`ip6_datagram_send_ctl` checks `cmsg_len < CMSG_LEN(20)`).
    PktInfo6(&'a In6Pktinfo),
    /// `IPV6_RECVERR` from the error queue: the error and a `sockaddr_in6` offender (at least
    /// 16 bytes; the kernel sends 44).
    RecvErr6(RecvErr6),
    /// `IPV6_HOPLIMIT`: the hop limit as an `int`, exactly 4 bytes (`-1..=255` on send, -1
    /// meaning the default; anything else is `EINVAL`).
    HopLimit(i32),
    /// `IPV6_TCLASS`: the traffic class as an `int`, exactly 4 bytes (`-1..=255` on send, -1
    /// meaning 0; anything else is `EINVAL`).
    TrafficClass(i32),
    /// `IPV6_ORIGDSTADDR`: the original destination (exactly 28 bytes, a `sockaddr_in6`).
    OrigDstAddr6(&'a SockaddrIn6),
    /// `IPV6_PATHMTU`: an `ip6_mtuinfo` (exactly 32 bytes), enabled by `IPV6_RECVPATHMTU`.
    PathMtu(&'a Ip6Mtuinfo),
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

/// The data length of a message of a known type, or `BadLength`.
fn check_len(data: &[u8], ok: bool, what: &'static str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::BadLength {
            what,
            len: data.len(),
        })
    }
}

/// An `int` of exactly 4 bytes.
fn exact_int(data: &[u8], what: &'static str) -> Result<i32> {
    match *data {
        [a, b, c, d] => Ok(i32::from_ne_bytes([a, b, c, d])),
        _ => Err(Error::BadLength {
            what,
            len: data.len(),
        }),
    }
}

/// An `int` of exactly 4 bytes in `-1..=255`.
fn small_int(data: &[u8], what: &'static str) -> Result<i32> {
    match exact_int(data, what)? {
        v @ -1..=255 => Ok(v),
        _ => Err(Error::Invalid {
            what,
            reason: "int value outside -1..=255",
        }),
    }
}

impl<'a> Cmsg<'a> {
    /// Interprets a framed message: an error if its data does not fit its known type.
    ///
    /// ```
    /// use sockabi::cmsg::{cmsgs, Cmsg, CmsgWriter};
    /// use sockabi::pktinfo::In6Pktinfo;
    ///
    /// // What recvmsg returns with IPV6_RECVPKTINFO and IPV6_RECVHOPLIMIT enabled.
    /// let mut buf = [0u8; 64];
    /// let mut w = CmsgWriter::new(&mut buf);
    /// w.push_cmsg(&Cmsg::PktInfo6(&In6Pktinfo::new(2, "2001:db8::2".parse().unwrap())))?;
    /// w.push_cmsg(&Cmsg::HopLimit(64))?;
    /// let n = w.len();
    /// let shown: Vec<String> = cmsgs(&buf[..n]).map(|c| c.unwrap().to_string()).collect();
    /// assert_eq!(shown, ["IPV6_PKTINFO ifindex=2 addr=2001:db8::2", "IPV6_HOPLIMIT 64"]);
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    #[inline]
    pub fn parse(raw: RawCmsg<'a>) -> Result<Self> {
        let RawCmsg {
            level, kind, data, ..
        } = raw;
        match level {
            IPPROTO_IP => Self::parse_ip(kind, data),
            IPPROTO_IPV6 => Self::parse_ipv6(kind, data),
            _ => Ok(Cmsg::Unknown { level, kind, data }),
        }
    }

    fn parse_ip(kind: i32, data: &'a [u8]) -> Result<Self> {
        match kind {
            IP_PKTINFO => {
                let what = "IP_PKTINFO control message";
                check_len(data, data.len() == InPktinfo::LEN, what)?;
                Ok(Cmsg::PktInfo(InPktinfo::ref_from_prefix(data)?))
            }
            IP_RECVERR => Ok(Cmsg::RecvErr(RecvErr::parse(data)?)),
            IP_TTL => exact_int(data, "IP_TTL control message").map(Cmsg::Ttl),
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
                let what = "IP_ORIGDSTADDR control message";
                check_len(data, data.len() == SockaddrIn::LEN, what)?;
                Ok(Cmsg::OrigDstAddr(SockaddrIn::ref_from_prefix(data)?))
            }
            _ => Ok(Cmsg::Unknown {
                level: IPPROTO_IP,
                kind,
                data,
            }),
        }
    }

    fn parse_ipv6(kind: i32, data: &'a [u8]) -> Result<Self> {
        match kind {
            IPV6_PKTINFO => {
                let what = "IPV6_PKTINFO control message";
                check_len(data, data.len() >= In6Pktinfo::LEN, what)?;
                Ok(Cmsg::PktInfo6(In6Pktinfo::ref_from_prefix(data)?))
            }
            IPV6_RECVERR => Ok(Cmsg::RecvErr6(RecvErr6::parse(data)?)),
            IPV6_HOPLIMIT => small_int(data, "IPV6_HOPLIMIT control message").map(Cmsg::HopLimit),
            IPV6_TCLASS => small_int(data, "IPV6_TCLASS control message").map(Cmsg::TrafficClass),
            IPV6_ORIGDSTADDR => {
                let what = "IPV6_ORIGDSTADDR control message";
                check_len(data, data.len() == SockaddrIn6::LEN, what)?;
                Ok(Cmsg::OrigDstAddr6(SockaddrIn6::ref_from_prefix(data)?))
            }
            IPV6_PATHMTU => {
                let what = "IPV6_PATHMTU control message";
                check_len(data, data.len() == Ip6Mtuinfo::LEN, what)?;
                Ok(Cmsg::PathMtu(Ip6Mtuinfo::ref_from_prefix(data)?))
            }
            _ => Ok(Cmsg::Unknown {
                level: IPPROTO_IPV6,
                kind,
                data,
            }),
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
            Cmsg::PktInfo6(_) => (IPPROTO_IPV6, IPV6_PKTINFO),
            Cmsg::RecvErr6(_) => (IPPROTO_IPV6, IPV6_RECVERR),
            Cmsg::HopLimit(_) => (IPPROTO_IPV6, IPV6_HOPLIMIT),
            Cmsg::TrafficClass(_) => (IPPROTO_IPV6, IPV6_TCLASS),
            Cmsg::OrigDstAddr6(_) => (IPPROTO_IPV6, IPV6_ORIGDSTADDR),
            Cmsg::PathMtu(_) => (IPPROTO_IPV6, IPV6_PATHMTU),
            Cmsg::Unknown { level, kind, .. } => (level, kind),
        }
    }

    /// The interface index this message carries (`IP_PKTINFO`'s `ipi_ifindex`,
    /// `IPV6_PKTINFO`'s `ipi6_ifindex`), if any.
    pub fn ifindex(&self) -> Option<i32> {
        match *self {
            Cmsg::PktInfo(p) => Some(p.ifindex()),
            Cmsg::PktInfo6(p) => Some(p.ifindex()),
            _ => None,
        }
    }

    /// Bytes of data [`Cmsg::emit_data`] writes.
    pub fn data_len(&self) -> usize {
        match *self {
            Cmsg::PktInfo(_) => InPktinfo::LEN,
            Cmsg::RecvErr(_) => RecvErr::LEN,
            Cmsg::Ttl(_) | Cmsg::HopLimit(_) | Cmsg::TrafficClass(_) => 4,
            Cmsg::Tos(_) => 1,
            Cmsg::OrigDstAddr(_) => SockaddrIn::LEN,
            Cmsg::PktInfo6(_) => In6Pktinfo::LEN,
            Cmsg::RecvErr6(_) => RecvErr6::LEN,
            Cmsg::OrigDstAddr6(_) => SockaddrIn6::LEN,
            Cmsg::PathMtu(_) => Ip6Mtuinfo::LEN,
            Cmsg::Unknown { data, .. } => data.len(),
        }
    }

    /// Writes this message's data (as the kernel lays it out) to the start of `buf`.
    pub fn emit_data(&self, buf: &mut [u8]) -> Result<usize> {
        let what = "control message data";
        match self {
            Cmsg::PktInfo(p) => p.emit(buf),
            Cmsg::RecvErr(e) => e.emit(buf),
            Cmsg::Ttl(v) | Cmsg::HopLimit(v) | Cmsg::TrafficClass(v) => {
                emit_bytes(&v.to_ne_bytes(), buf, what)
            }
            Cmsg::Tos(t) => emit_bytes(&[*t], buf, what),
            Cmsg::OrigDstAddr(a) => a.emit(buf),
            Cmsg::PktInfo6(p) => p.emit(buf),
            Cmsg::RecvErr6(e) => e.emit(buf),
            Cmsg::OrigDstAddr6(a) => a.emit(buf),
            Cmsg::PathMtu(m) => m.emit(buf),
            Cmsg::Unknown { data, .. } => emit_bytes(data, buf, what),
        }
    }
}

/// `IP_PKTINFO ifindex=2 ...`, `IP_TTL 64`, `IP_TOS 0x10`, `IP_ORIGDSTADDR 192.0.2.1:53`,
/// `IP_RECVERR errno=...`, `IPV6_PKTINFO ifindex=2 addr=2001:db8::2`, `IPV6_TCLASS 0x00`,
/// `IPV6_ORIGDSTADDR [2001:db8::1]:53`, or `LEVEL/type (N bytes)`.
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
            Cmsg::Ttl(t) | Cmsg::HopLimit(t) => write!(f, "{t}"),
            Cmsg::Tos(t) => write!(f, "{t:#04x}"),
            Cmsg::OrigDstAddr(a) => write!(f, "{a}"),
            Cmsg::PktInfo6(p) => write!(f, "{p}"),
            Cmsg::RecvErr6(e) => write!(f, "{e}"),
            Cmsg::TrafficClass(-1) => f.write_str("-1 (default, 0)"),
            Cmsg::TrafficClass(t) => write!(f, "{t:#04x}"),
            Cmsg::OrigDstAddr6(a) => write!(f, "{a}"),
            Cmsg::PathMtu(m) => write!(f, "{m}"),
            Cmsg::Unknown { data, .. } => write!(f, "({} bytes)", data.len()),
        }
    }
}

/// The C name of a `SOL_IP` or `SOL_IPV6` control-message type (`IP_PKTINFO`,
/// `IP_ORIGDSTADDR`, `IPV6_HOPLIMIT`, ...).
///
/// Differs from [`crate::sockopt::option_name`] where the message and the option that enables it
/// share a value under different names (`IP_ORIGDSTADDR` / `IP_RECVORIGDSTADDR`), or the value
/// means one thing as an option and another as a message.
///
/// ```
/// use sockabi::cmsg::cmsg_type_name;
/// assert_eq!(cmsg_type_name(41, 74), Some("IPV6_ORIGDSTADDR"));
/// assert_eq!(cmsg_type_name(41, 52), Some("IPV6_HOPLIMIT"));
/// assert_eq!(cmsg_type_name(1, 52), None);
/// ```
pub fn cmsg_type_name(level: i32, kind: i32) -> Option<&'static str> {
    use crate::sockopt::{
        IPV6_2292HOPLIMIT, IPV6_2292PKTINFO, IPV6_DSTOPTS, IPV6_FLOWINFO, IPV6_HOPOPTS,
        IPV6_NEXTHOP, IPV6_RECVFRAGSIZE, IPV6_RTHDR, IPV6_RTHDRDSTOPTS, IP_CHECKSUM, IP_OPTIONS,
        IP_RECVFRAGSIZE, IP_RETOPTS,
    };
    Some(match (level, kind) {
        (IPPROTO_IP, IP_PKTINFO) => "IP_PKTINFO",
        (IPPROTO_IP, IP_RECVERR) => "IP_RECVERR",
        (IPPROTO_IP, IP_TTL) => "IP_TTL",
        (IPPROTO_IP, IP_TOS) => "IP_TOS",
        (IPPROTO_IP, IP_ORIGDSTADDR) => "IP_ORIGDSTADDR",
        (IPPROTO_IP, IP_OPTIONS) => "IP_OPTIONS",
        (IPPROTO_IP, IP_RETOPTS) => "IP_RETOPTS",
        (IPPROTO_IP, IP_CHECKSUM) => "IP_CHECKSUM",
        (IPPROTO_IP, IP_RECVFRAGSIZE) => "IP_RECVFRAGSIZE",
        (IPPROTO_IPV6, IPV6_PKTINFO) => "IPV6_PKTINFO",
        (IPPROTO_IPV6, IPV6_RECVERR) => "IPV6_RECVERR",
        (IPPROTO_IPV6, IPV6_HOPLIMIT) => "IPV6_HOPLIMIT",
        (IPPROTO_IPV6, IPV6_TCLASS) => "IPV6_TCLASS",
        (IPPROTO_IPV6, IPV6_ORIGDSTADDR) => "IPV6_ORIGDSTADDR",
        (IPPROTO_IPV6, IPV6_PATHMTU) => "IPV6_PATHMTU",
        (IPPROTO_IPV6, IPV6_FLOWINFO) => "IPV6_FLOWINFO",
        (IPPROTO_IPV6, IPV6_HOPOPTS) => "IPV6_HOPOPTS",
        (IPPROTO_IPV6, IPV6_RTHDRDSTOPTS) => "IPV6_RTHDRDSTOPTS",
        (IPPROTO_IPV6, IPV6_RTHDR) => "IPV6_RTHDR",
        (IPPROTO_IPV6, IPV6_DSTOPTS) => "IPV6_DSTOPTS",
        (IPPROTO_IPV6, IPV6_NEXTHOP) => "IPV6_NEXTHOP",
        (IPPROTO_IPV6, IPV6_RECVFRAGSIZE) => "IPV6_RECVFRAGSIZE",
        (IPPROTO_IPV6, IPV6_2292PKTINFO) => "IPV6_2292PKTINFO",
        (IPPROTO_IPV6, IPV6_2292HOPLIMIT) => "IPV6_2292HOPLIMIT",
        _ => return None,
    })
}
