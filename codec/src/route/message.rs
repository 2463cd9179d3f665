//! A whole routing message: its `rt_msghdr`, checked and viewed in place, and its addresses.

use super::{darwin, freebsd, netbsd, openbsd, Addrs, Os, RtaBit, Sockaddr};
use crate::{Error, Result};

/// The `rt_msghdr` of a message, viewed in place, whichever system it comes from.
///
/// The accessors read the fields all four share; match on the variant for the others
/// (`rtm_fmask` on FreeBSD and OpenBSD, `rtm_use` on Darwin and NetBSD, `rtm_tableid` and
/// `rtm_priority` on OpenBSD, the metrics everywhere).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Header<'a> {
    /// A FreeBSD header.
    FreeBsd(&'a freebsd::RtMsghdr),
    /// A Darwin header.
    Darwin(&'a darwin::RtMsghdr),
    /// An OpenBSD header.
    OpenBsd(&'a openbsd::RtMsghdr),
    /// A NetBSD header.
    NetBsd(&'a netbsd::RtMsghdr),
}

/// Evaluates `$e` with `$h` bound to the header, whichever the variant.
macro_rules! each {
    ($self:expr, $h:ident => $e:expr) => {
        match $self {
            Header::FreeBsd($h) => $e,
            Header::Darwin($h) => $e,
            Header::OpenBsd($h) => $e,
            Header::NetBsd($h) => $e,
        }
    };
}

impl<'a> Header<'a> {
    /// Views the `rt_msghdr` of `os` at the start of `bytes`.
    #[inline]
    pub fn ref_from_prefix(os: Os, bytes: &'a [u8]) -> Result<Self> {
        Ok(match os {
            Os::FreeBsd => Header::FreeBsd(freebsd::RtMsghdr::ref_from_prefix(bytes)?),
            Os::Darwin => Header::Darwin(darwin::RtMsghdr::ref_from_prefix(bytes)?),
            Os::OpenBsd => Header::OpenBsd(openbsd::RtMsghdr::ref_from_prefix(bytes)?),
            Os::NetBsd => Header::NetBsd(netbsd::RtMsghdr::ref_from_prefix(bytes)?),
        })
    }

    /// The system whose layout this is.
    #[inline]
    pub fn os(&self) -> Os {
        match self {
            Header::FreeBsd(_) => Os::FreeBsd,
            Header::Darwin(_) => Os::Darwin,
            Header::OpenBsd(_) => Os::OpenBsd,
            Header::NetBsd(_) => Os::NetBsd,
        }
    }

    /// `rtm_msglen`: length of the whole message.
    #[inline]
    pub fn rtm_msglen(&self) -> u16 {
        each!(self, h => h.rtm_msglen.get())
    }

    /// `rtm_version`.
    #[inline]
    pub fn rtm_version(&self) -> u8 {
        each!(self, h => h.rtm_version)
    }

    /// `rtm_type`: `RTM_GET`, `RTM_ADD`, ... (numbers differ per system).
    #[inline]
    pub fn rtm_type(&self) -> u8 {
        each!(self, h => h.rtm_type)
    }

    /// `rtm_index`: the interface the message is about (the route's interface in an
    /// `RTM_GET` reply).
    #[inline]
    pub fn rtm_index(&self) -> u16 {
        each!(self, h => h.rtm_index.get())
    }

    /// `rtm_flags`: `RTF_*` bits (see the system's `RtFlags`).
    #[inline]
    pub fn rtm_flags(&self) -> i32 {
        each!(self, h => h.rtm_flags.get())
    }

    /// `rtm_addrs`: which addresses follow (`RTA_*` bits).
    #[inline]
    pub fn rtm_addrs(&self) -> i32 {
        each!(self, h => h.rtm_addrs.get())
    }

    /// `rtm_pid`: the sender's process id.
    #[inline]
    pub fn rtm_pid(&self) -> i32 {
        each!(self, h => h.rtm_pid.get())
    }

    /// `rtm_seq`: the sender's sequence number.
    #[inline]
    pub fn rtm_seq(&self) -> i32 {
        each!(self, h => h.rtm_seq.get())
    }

    /// `rtm_errno`: why the kernel rejected the message, 0 if it did not.
    #[inline]
    pub fn rtm_errno(&self) -> i32 {
        each!(self, h => h.rtm_errno.get())
    }

    /// Where the addresses start: `rtm_hdrlen` on OpenBSD, `sizeof(struct rt_msghdr)`
    /// elsewhere.
    #[inline]
    pub fn addrs_offset(&self) -> usize {
        match self {
            Header::OpenBsd(h) => usize::from(h.rtm_hdrlen.get()),
            _ => self.os().header_len(),
        }
    }
}

/// A routing message (`rt_msghdr` and addresses) checked against its buffer, viewed in place.
///
/// ```
/// use core::net::{IpAddr, Ipv4Addr};
/// use sockabi::route::{Os, RouteMessage, RtaBit, RtmGetRequest};
///
/// let dst = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9));
/// let mut buf = [0u8; 256];
/// let len = RtmGetRequest::new(dst).with_seq(7).emit(Os::OpenBsd, &mut buf)?;
/// let msg = RouteMessage::parse(Os::OpenBsd, &buf[..len])?;
/// assert_eq!(msg.msglen(), len);
/// assert_eq!(msg.header().rtm_seq(), 7);
/// assert_eq!(msg.addr(RtaBit::DST)?.and_then(|a| a.ip()), Some(dst));
/// assert_eq!(msg.addr(RtaBit::GATEWAY)?, None);
/// # Ok::<(), sockabi::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteMessage<'a> {
    header: Header<'a>,
    addrs: &'a [u8],
}

impl<'a> RouteMessage<'a> {
    /// Checks and views the message at the start of `bytes`, as `os` lays it out.
    ///
    /// `rtm_msglen` must fit in `bytes` and cover the header; bytes after `rtm_msglen` are not
    /// part of the message (a sysctl route dump is messages back to back: step by
    /// [`RouteMessage::msglen`]). `rtm_version` must be the system's `RTM_VERSION`, and
    /// `rtm_type` one whose message starts with `rt_msghdr` ([`Os::uses_rt_msghdr`]; for the
    /// others see [`Message::parse`](super::Message::parse)). On
    /// OpenBSD the addresses start at `rtm_hdrlen`, which must lie between the header's size and
    /// `rtm_msglen`. The addresses themselves are checked as [`RouteMessage::addrs`] walks them.
    ///
    /// ```
    /// use sockabi::route::{Os, RouteMessage};
    /// use sockabi::Error;
    ///
    /// let mut reply = [0u8; 92]; // a Darwin header, no addresses
    /// reply[..4].copy_from_slice(&[92, 0, 5, 4]); // msglen 92 (little-endian), v5, RTM_GET
    /// reply[24..28].copy_from_slice(&3i32.to_ne_bytes()); // rtm_errno = ESRCH
    /// let msg = RouteMessage::parse(Os::Darwin, &reply)?;
    /// assert_eq!(msg.errno_name(), Some("ESRCH"));
    ///
    /// // A reply cut short says so.
    /// assert_eq!(
    ///     RouteMessage::parse(Os::Darwin, &reply[..60]),
    ///     Err(Error::BadHeaderLength { what: "rt_msghdr: rtm_msglen", len: 92, available: 60 })
    /// );
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    #[inline]
    pub fn parse(os: Os, bytes: &'a [u8]) -> Result<Self> {
        let header_len = os.header_len();
        let [len0, len1, version, rtm_type, ..] = *bytes else {
            return Err(Error::truncated("rt_msghdr", header_len, bytes.len()));
        };
        let msglen = usize::from(u16::from_ne_bytes([len0, len1]));
        let Some(message) = bytes.get(..msglen) else {
            return Err(Error::BadHeaderLength {
                what: "rt_msghdr: rtm_msglen",
                len: msglen,
                available: bytes.len(),
            });
        };
        if version != os.rtm_version() {
            return Err(Error::Invalid {
                what: "rt_msghdr: rtm_version",
                reason: "not the RTM_VERSION of this system",
            });
        }
        if !os.uses_rt_msghdr(rtm_type) {
            return Err(Error::Invalid {
                what: "rt_msghdr: rtm_type",
                reason: "not an rt_msghdr type on this system; Message::parse reads every type",
            });
        }
        if msglen < header_len {
            return Err(Error::BadHeaderLength {
                what: "rt_msghdr: rtm_msglen",
                len: msglen,
                available: bytes.len(),
            });
        }
        let header = Header::ref_from_prefix(os, message)?;
        let offset = header.addrs_offset();
        let addrs = match message.get(offset..) {
            Some(addrs) if offset >= header_len => addrs,
            _ => {
                return Err(Error::BadHeaderLength {
                    what: "rt_msghdr: rtm_hdrlen",
                    len: offset,
                    available: msglen,
                })
            }
        };
        Ok(RouteMessage { header, addrs })
    }

    /// A message of `header` and the address bytes after it, already checked.
    pub(super) fn from_parts(header: Header<'a>, addrs: &'a [u8]) -> Self {
        RouteMessage { header, addrs }
    }

    /// The system the message was parsed for.
    #[inline]
    pub fn os(&self) -> Os {
        self.header.os()
    }

    /// The header, for the fields beyond the common accessors.
    #[inline]
    pub fn header(&self) -> Header<'a> {
        self.header
    }

    /// `rtm_msglen`: the bytes the message takes, header and addresses.
    #[inline]
    pub fn msglen(&self) -> usize {
        usize::from(self.header.rtm_msglen())
    }

    /// `rtm_type`.
    #[inline]
    pub fn rtm_type(&self) -> u8 {
        self.header.rtm_type()
    }

    /// The C name of `rtm_type` on this message's system.
    #[inline]
    pub fn rtm_type_name(&self) -> Option<&'static str> {
        self.os().rtm_type_name(self.rtm_type())
    }

    /// `rtm_errno`, 0 when the kernel accepted the message.
    #[inline]
    pub fn rtm_errno(&self) -> i32 {
        self.header.rtm_errno()
    }

    /// The C name of `rtm_errno` when it is one route(4) documents (`EEXIST`, `ESRCH`,
    /// `ENOBUFS`); see [`super::errno_meaning`] for what it means.
    #[inline]
    pub fn errno_name(&self) -> Option<&'static str> {
        super::errno_name(self.rtm_errno())
    }

    /// The bytes after the header, up to `rtm_msglen`: the sockaddrs.
    #[inline]
    pub fn addr_bytes(&self) -> &'a [u8] {
        self.addrs
    }

    /// Walks the addresses `rtm_addrs` announces.
    #[inline]
    pub fn addrs(&self) -> Addrs<'a> {
        Addrs::new(self.os(), self.header.rtm_addrs(), self.addrs)
    }

    /// The address of slot `bit`: `Ok(None)` if `rtm_addrs` does not announce it, `Err` if it
    /// is malformed or an earlier address breaks the walk before reaching it.
    #[inline]
    pub fn addr(&self, bit: RtaBit) -> Result<Option<Sockaddr<'a>>> {
        if self.header.rtm_addrs() & bit.mask() == 0 {
            return Ok(None);
        }
        let mut addrs = self.addrs();
        while let Some((b, item)) = addrs.next() {
            if b == bit {
                return item.map(Some);
            }
            if let Err(e) = item {
                if addrs.size_hint().1 == Some(0) {
                    // The walk stopped before reaching `bit`.
                    return Err(e);
                }
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::{AF_LINK, ESRCH};
    use core::net::Ipv4Addr;
    use std::vec::Vec;
    use zerocopy::byteorder::{I32, U16};
    use zerocopy::{FromZeros, IntoBytes};

    use crate::route::test_sin as sin;

    /// A Darwin `RTM_GET` reply as `route -n get 192.0.2.77` shows it: DST, GATEWAY (on-link,
    /// so a sockaddr_dl), NETMASK 255.255.255.0 cut to 7 bytes, IFP en0 with its MAC, IFA.
    fn darwin_reply() -> Vec<u8> {
        let mut h = darwin::RtMsghdr::new_zeroed();
        h.rtm_version = darwin::RTM_VERSION;
        h.rtm_type = darwin::RTM_GET;
        h.rtm_index = U16::new(4);
        h.rtm_flags = I32::new(0x1 | 0x40 | 0x800); // UP | DONE | STATIC
        h.rtm_addrs = I32::new(0x1 | 0x2 | 0x4 | 0x10 | 0x20);
        h.rtm_pid = I32::new(4242);
        h.rtm_seq = I32::new(1);
        let mut msg = h.as_bytes().to_vec();
        msg.extend_from_slice(&sin([192, 0, 2, 77]));
        // Gateway: an empty-name sockaddr_dl of en0, 20 bytes.
        msg.extend_from_slice(&[20, AF_LINK, 4, 0, 6, 0, 0, 0]);
        msg.extend_from_slice(&[0; 12]);
        // Netmask 255.255.255.0: sa_len 7, family 0, padded to 8.
        msg.extend_from_slice(&[7, 0, 0, 0, 255, 255, 255, 0]);
        // IFP: en0, 6-byte MAC; sa_len 20.
        msg.extend_from_slice(&[20, AF_LINK, 4, 0, 6, 3, 6, 0]);
        msg.extend_from_slice(b"en0");
        msg.extend_from_slice(&[0x02, 0x00, 0x5e, 0x10, 0x20, 0x30, 0, 0, 0]);
        msg.extend_from_slice(&sin([192, 0, 2, 10]));
        let len = msg.len() as u16;
        msg[..2].copy_from_slice(&len.to_ne_bytes());
        msg
    }

    #[test]
    fn darwin_rtm_get_reply_with_short_netmask_and_sockaddr_dl() {
        let bytes = darwin_reply();
        assert_eq!(bytes.len(), 92 + 16 + 20 + 8 + 20 + 16);
        let msg = RouteMessage::parse(Os::Darwin, &bytes).unwrap();
        assert_eq!(msg.rtm_type_name(), Some("RTM_GET"));
        assert_eq!(msg.header().rtm_index(), 4);
        assert_eq!(msg.header().rtm_pid(), 4242);
        assert_eq!(msg.rtm_errno(), 0);
        assert_eq!(msg.errno_name(), None);
        match msg.header() {
            Header::Darwin(h) => assert_eq!(
                h.flags(),
                darwin::RtFlags::UP | darwin::RtFlags::DONE | darwin::RtFlags::STATIC
            ),
            other => panic!("wrong header {other:?}"),
        }

        let items: Vec<_> = msg.addrs().collect();
        let bits: Vec<_> = items
            .iter()
            .map(|(b, _)| b.name(Os::Darwin).unwrap())
            .collect();
        assert_eq!(
            bits,
            [
                "RTA_DST",
                "RTA_GATEWAY",
                "RTA_NETMASK",
                "RTA_IFP",
                "RTA_IFA"
            ]
        );
        assert!(items.iter().all(|(_, a)| a.is_ok()));

        let dst = msg.addr(RtaBit::DST).unwrap().unwrap();
        assert_eq!(dst.ip(), Some(Ipv4Addr::new(192, 0, 2, 77).into()));
        let gw = msg.addr(RtaBit::GATEWAY).unwrap().unwrap().link().unwrap();
        assert_eq!(
            (gw.index(), gw.name(), gw.lladdr()),
            (4, &b""[..], &b""[..])
        );
        assert_eq!(
            msg.addr(RtaBit::NETMASK).unwrap(),
            Some(Sockaddr::Netmask(Ipv4Addr::new(255, 255, 255, 0)))
        );
        let ifp = msg.addr(RtaBit::IFP).unwrap().unwrap().link().unwrap();
        assert_eq!(ifp.name_str(), Some("en0"));
        assert_eq!(ifp.sdl_type(), 6);
        assert_eq!(ifp.lladdr(), &[0x02, 0x00, 0x5e, 0x10, 0x20, 0x30]);
        let ifa = msg.addr(RtaBit::IFA).unwrap().unwrap();
        assert_eq!(ifa.ip(), Some(Ipv4Addr::new(192, 0, 2, 10).into()));
        assert_eq!(msg.addr(RtaBit::BRD), Ok(None));
    }

    #[test]
    fn darwin_default_route_mask_has_sa_len_zero() {
        let mut h = darwin::RtMsghdr::new_zeroed();
        h.rtm_version = 5;
        h.rtm_type = darwin::RTM_GET;
        h.rtm_addrs = I32::new(0x1 | 0x2 | 0x4);
        let mut msg = h.as_bytes().to_vec();
        msg.extend_from_slice(&sin([0, 0, 0, 0]));
        msg.extend_from_slice(&sin([198, 51, 100, 1]));
        msg.extend_from_slice(&[0, 0, 0, 0]); // sa_len 0: one 4-byte unit on Darwin
        let len = msg.len() as u16;
        msg[..2].copy_from_slice(&len.to_ne_bytes());
        let msg = RouteMessage::parse(Os::Darwin, &msg).unwrap();
        assert_eq!(
            msg.addr(RtaBit::NETMASK),
            Ok(Some(Sockaddr::Netmask(Ipv4Addr::UNSPECIFIED)))
        );
        assert_eq!(
            msg.addr(RtaBit::GATEWAY).unwrap().and_then(|a| a.ip()),
            Some(Ipv4Addr::new(198, 51, 100, 1).into())
        );
    }

    #[test]
    fn freebsd_reply_with_errno() {
        let mut h = freebsd::RtMsghdr::new_zeroed();
        h.rtm_msglen = U16::new(152 + 16);
        h.rtm_version = 5;
        h.rtm_type = freebsd::RTM_GET;
        h.rtm_addrs = I32::new(0x1);
        h.rtm_errno = I32::new(ESRCH);
        let mut msg = h.as_bytes().to_vec();
        msg.extend_from_slice(&sin([192, 0, 2, 200]));
        msg.extend_from_slice(&[0xAA; 8]); // the next message of a dump
        let parsed = RouteMessage::parse(Os::FreeBsd, &msg).unwrap();
        assert_eq!(parsed.msglen(), 168);
        assert_eq!(parsed.addr_bytes().len(), 16);
        assert_eq!(parsed.errno_name(), Some("ESRCH"));
        assert_eq!(
            crate::route::errno_meaning(parsed.rtm_errno()),
            Some("the entry to be deleted does not exist")
        );
    }

    #[test]
    fn openbsd_addresses_start_at_rtm_hdrlen() {
        // A (hypothetical) longer header: rtm_hdrlen 104, 8 unknown bytes before the address.
        let mut h = openbsd::RtMsghdr::new_zeroed();
        h.rtm_version = 5;
        h.rtm_type = openbsd::RTM_GET;
        h.rtm_hdrlen = U16::new(104);
        h.rtm_tableid = U16::new(3);
        h.rtm_priority = 8;
        h.rtm_addrs = I32::new(0x1);
        h.rtm_flags = I32::new(0x800);
        let mut msg = h.as_bytes().to_vec();
        msg.extend_from_slice(&[0xEE; 8]);
        msg.extend_from_slice(&sin([203, 0, 113, 1]));
        let len = msg.len() as u16;
        msg[..2].copy_from_slice(&len.to_ne_bytes());
        let parsed = RouteMessage::parse(Os::OpenBsd, &msg).unwrap();
        assert_eq!(parsed.header().addrs_offset(), 104);
        assert_eq!(parsed.header().rtm_flags(), 0x800);
        let Header::OpenBsd(oh) = parsed.header() else {
            panic!("not OpenBSD")
        };
        assert_eq!((oh.rtm_tableid.get(), oh.rtm_priority), (3, 8));
        assert_eq!(oh.flags(), openbsd::RtFlags::STATIC);
        assert_eq!(
            parsed.addr(RtaBit::DST).unwrap().and_then(|a| a.ip()),
            Some(Ipv4Addr::new(203, 0, 113, 1).into())
        );

        // rtm_hdrlen below the header size, or past the message, is refused.
        for bad in [0u16, 95, len + 1] {
            msg[4..6].copy_from_slice(&bad.to_ne_bytes());
            assert_eq!(
                RouteMessage::parse(Os::OpenBsd, &msg),
                Err(Error::BadHeaderLength {
                    what: "rt_msghdr: rtm_hdrlen",
                    len: usize::from(bad),
                    available: usize::from(len)
                })
            );
        }
    }

    #[test]
    fn netbsd_message() {
        let mut h = netbsd::RtMsghdr::new_zeroed();
        h.rtm_msglen = U16::new(120 + 16 + 8);
        h.rtm_version = 4;
        h.rtm_type = netbsd::RTM_GET;
        h.rtm_addrs = I32::new(0x1 | 0x4);
        h.rtm_use = I32::new(99);
        let mut msg = h.as_bytes().to_vec();
        msg.extend_from_slice(&sin([192, 0, 2, 0]));
        msg.extend_from_slice(&[5, 0, 0, 0, 255, 0, 0, 0]);
        let parsed = RouteMessage::parse(Os::NetBsd, &msg).unwrap();
        let Header::NetBsd(nh) = parsed.header() else {
            panic!("not NetBSD")
        };
        assert_eq!(nh.rtm_use.get(), 99);
        assert_eq!(
            parsed.addr(RtaBit::NETMASK),
            Ok(Some(Sockaddr::Netmask(Ipv4Addr::new(255, 0, 0, 0))))
        );
        // NetBSD's version is 4; a FreeBSD-versioned message is refused.
        msg[2] = 5;
        assert!(matches!(
            RouteMessage::parse(Os::NetBsd, &msg),
            Err(Error::Invalid {
                what: "rt_msghdr: rtm_version",
                ..
            })
        ));
    }

    /// Issue 16's example: NetBSD's `127.0.0.0/8` route, whose mask is `[5, 0xff, 0xff, 0xff,
    /// 0xff]`, used to decode as `Unknown { family: 255, .. }`.
    #[test]
    fn netbsd_loopback_route_mask_with_family_0xff() {
        let mut h = netbsd::RtMsghdr::new_zeroed();
        h.rtm_msglen = U16::new(120 + 16 + 8);
        h.rtm_version = 4;
        h.rtm_type = netbsd::RTM_GET;
        h.rtm_addrs = I32::new(0x1 | 0x4);
        let mut msg = h.as_bytes().to_vec();
        msg.extend_from_slice(&sin([127, 0, 0, 0]));
        msg.extend_from_slice(&[5, 0xff, 0xff, 0xff, 0xff, 0, 0, 0]);
        let parsed = RouteMessage::parse(Os::NetBsd, &msg).unwrap();
        assert_eq!(
            parsed.addr(RtaBit::NETMASK),
            Ok(Some(Sockaddr::Netmask(Ipv4Addr::new(255, 0, 0, 0))))
        );
    }

    #[test]
    fn lying_lengths() {
        let mut h = freebsd::RtMsghdr::new_zeroed();
        h.rtm_version = 5;
        h.rtm_type = freebsd::RTM_GET;
        h.rtm_addrs = I32::new(0x1);
        let mut msg = h.as_bytes().to_vec();
        msg.extend_from_slice(&sin([192, 0, 2, 1]));

        // rtm_msglen larger than the buffer.
        msg[..2].copy_from_slice(&500u16.to_ne_bytes());
        assert_eq!(
            RouteMessage::parse(Os::FreeBsd, &msg),
            Err(Error::BadHeaderLength {
                what: "rt_msghdr: rtm_msglen",
                len: 500,
                available: 168
            })
        );
        // rtm_msglen smaller than the header.
        msg[..2].copy_from_slice(&100u16.to_ne_bytes());
        assert_eq!(
            RouteMessage::parse(Os::FreeBsd, &msg),
            Err(Error::BadHeaderLength {
                what: "rt_msghdr: rtm_msglen",
                len: 100,
                available: 168
            })
        );
        // rtm_msglen that cuts the address: the walk reports it.
        msg[..2].copy_from_slice(&160u16.to_ne_bytes());
        let parsed = RouteMessage::parse(Os::FreeBsd, &msg).unwrap();
        assert_eq!(
            parsed.addr(RtaBit::DST),
            Err(Error::BadHeaderLength {
                what: "sockaddr: sa_len",
                len: 16,
                available: 8
            })
        );
        // sa_len lying past rtm_msglen, with a later address asked for.
        msg[..2].copy_from_slice(&168u16.to_ne_bytes());
        msg[152] = 200;
        msg[12..16].copy_from_slice(&(0x1i32 | 0x20).to_ne_bytes());
        let parsed = RouteMessage::parse(Os::FreeBsd, &msg).unwrap();
        assert_eq!(
            parsed.addr(RtaBit::IFA),
            Err(Error::BadHeaderLength {
                what: "sockaddr: sa_len",
                len: 200,
                available: 16
            })
        );
        // Too short for even the common prefix.
        assert_eq!(
            RouteMessage::parse(Os::FreeBsd, &msg[..3]),
            Err(Error::truncated("rt_msghdr", 152, 3))
        );
    }

    #[test]
    fn other_headers_are_refused() {
        let mut bytes = [0u8; 152];
        bytes[..4].copy_from_slice(&[152, 0, 5, freebsd::RTM_IFINFO]);
        assert!(matches!(
            RouteMessage::parse(Os::FreeBsd, &bytes),
            Err(Error::Invalid {
                what: "rt_msghdr: rtm_type",
                ..
            })
        ));
    }
}
