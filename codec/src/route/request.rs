//! Building an `RTM_GET` request ("which route, and which interface, does this destination
//! take?") for any of the four systems, into a caller's buffer.

use core::net::IpAddr;

use zerocopy::byteorder::{I32, U16};
use zerocopy::{FromZeros, IntoBytes};

use super::{
    darwin, freebsd, netbsd, openbsd, BsdSockaddrIn, BsdSockaddrIn6, Os, RouteMessage, RtaBit,
    Sockaddr, SockaddrDl, AF_LINK, RTF_HOST, RTF_UP, RTM_GET,
};
use crate::{Error, Result};

/// An `RTM_GET` request: the destination, optionally its netmask and a request for the
/// interface (`RTA_IFP`).
///
/// [`emit`](RtmGetRequest::emit) writes the message a process sends on a `PF_ROUTE` socket;
/// [`parse`](RtmGetRequest::parse) reads one back (the kernel's reply starts with the same
/// header and addresses, plus the route's gateway, interface address, ...).
///
/// ```
/// use core::net::{IpAddr, Ipv6Addr};
/// use sockabi::route::{Os, RouteMessage, RtmGetRequest};
///
/// let dst = IpAddr::V6("2001:db8::1".parse::<Ipv6Addr>().unwrap());
/// let request = RtmGetRequest::new(dst).with_ifp(0).with_seq(42);
/// for os in Os::ALL {
///     let mut buf = [0u8; 512];
///     let len = request.emit(os, &mut buf)?;
///     assert_eq!(len, request.buffer_len(os));
///     let back = RtmGetRequest::parse(&RouteMessage::parse(os, &buf[..len])?)?;
///     assert_eq!(back, request);
/// }
/// # Ok::<(), sockabi::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RtmGetRequest {
    /// `RTA_DST`: the destination to look up.
    pub dst: IpAddr,
    /// `RTA_NETMASK`: look up the network route `dst`/`netmask` rather than the best match
    /// for the host `dst`. Same family as `dst`.
    pub netmask: Option<IpAddr>,
    /// `RTA_IFP`: ask the kernel to report the route's interface (as a `sockaddr_dl` in the
    /// reply's `RTA_IFP`, plus its address in `RTA_IFA`). The value is the request's
    /// `sdl_index`, 0 to just ask.
    pub ifp: Option<u16>,
    /// `rtm_seq`: a number of the caller's choosing, echoed in the reply to match it.
    pub rtm_seq: i32,
    /// `rtm_flags`: `RTF_UP | RTF_HOST` for a host lookup (what [`RtmGetRequest::new`] sets),
    /// `RTF_UP` with a netmask.
    pub rtm_flags: i32,
}

impl RtmGetRequest {
    /// A host lookup of `dst`: no netmask, no `RTA_IFP`, `rtm_seq` 0, flags
    /// `RTF_UP | RTF_HOST`.
    pub const fn new(dst: IpAddr) -> Self {
        RtmGetRequest {
            dst,
            netmask: None,
            ifp: None,
            rtm_seq: 0,
            rtm_flags: RTF_UP | RTF_HOST,
        }
    }

    /// Looks up the network `dst`/`netmask` (adds `RTA_NETMASK`, drops `RTF_HOST`).
    pub const fn with_netmask(mut self, netmask: IpAddr) -> Self {
        self.netmask = Some(netmask);
        self.rtm_flags &= !RTF_HOST;
        self
    }

    /// Asks for the route's interface (`RTA_IFP`), with `sdl_index` `index` (0 to just ask).
    pub const fn with_ifp(mut self, index: u16) -> Self {
        self.ifp = Some(index);
        self
    }

    /// Sets `rtm_seq`.
    pub const fn with_seq(mut self, seq: i32) -> Self {
        self.rtm_seq = seq;
        self
    }

    /// `rtm_addrs` of the request: `RTA_DST`, and `RTA_NETMASK`/`RTA_IFP` when set.
    pub const fn rtm_addrs(&self) -> i32 {
        let mut addrs = RtaBit::DST.mask();
        if self.netmask.is_some() {
            addrs |= RtaBit::NETMASK.mask();
        }
        if self.ifp.is_some() {
            addrs |= RtaBit::IFP.mask();
        }
        addrs
    }

    /// The size of the message on `os`: the header plus each address rounded to the system's
    /// unit.
    pub fn buffer_len(&self, os: Os) -> usize {
        let mut len = os.header_len() + os.sa_size(ip_sockaddr_len(self.dst));
        if let Some(mask) = self.netmask {
            len += os.sa_size(ip_sockaddr_len(mask));
        }
        if self.ifp.is_some() {
            len += os.sa_size(os.sockaddr_dl_len());
        }
        len
    }

    /// Writes the request for `os` at the start of `buf` and returns its length
    /// (`rtm_msglen`). Padding and unset fields are zero; the kernel fills in `rtm_pid`.
    ///
    /// ```
    /// use core::net::{IpAddr, Ipv4Addr};
    /// use sockabi::route::{Os, RtmGetRequest};
    ///
    /// let request = RtmGetRequest::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 0)))
    ///     .with_netmask(IpAddr::V4(Ipv4Addr::new(255, 255, 255, 0)));
    /// let mut buf = [0u8; 128];
    /// let len = request.emit(Os::Darwin, &mut buf)?;
    /// assert_eq!(len, 92 + 16 + 16);
    /// assert_eq!(&buf[..4], &[124, 0, 5, 4]); // msglen (little-endian host), version, RTM_GET
    ///
    /// // Too small a buffer is refused, not overrun.
    /// assert!(request.emit(Os::Darwin, &mut buf[..100]).is_err());
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    pub fn emit(&self, os: Os, buf: &mut [u8]) -> Result<usize> {
        if let Some(mask) = self.netmask {
            if mask.is_ipv4() != self.dst.is_ipv4() {
                return Err(Error::Invalid {
                    what: "RTM_GET request: RTA_NETMASK",
                    reason: "netmask family differs from the destination's",
                });
            }
        }
        let len = self.buffer_len(os);
        let too_small = Error::BufferTooSmall {
            what: "RTM_GET request",
            needed: len,
            got: buf.len(),
        };
        let msglen = u16::try_from(len).map_err(|_| Error::BadLength {
            what: "RTM_GET request: rtm_msglen",
            len,
        })?;
        let message = buf.get_mut(..len).ok_or(too_small)?;
        message.fill(0);

        self.write_header(os, msglen, message)
            .map_err(|_| too_small)?;
        let mut at = os.header_len();
        at += write_ip(os, self.dst, message.get_mut(at..)).ok_or(too_small)?;
        if let Some(mask) = self.netmask {
            at += write_ip(os, mask, message.get_mut(at..)).ok_or(too_small)?;
        }
        if let Some(index) = self.ifp {
            let sdl = SockaddrDl {
                sdl_len: os.sockaddr_dl_len() as u8,
                sdl_family: AF_LINK,
                sdl_index: U16::new(index),
                sdl_type: 0,
                sdl_nlen: 0,
                sdl_alen: 0,
                sdl_slen: 0,
            };
            // sdl_data stays zero (the buffer was cleared).
            let room = message.get_mut(at..).ok_or(too_small)?;
            sdl.write_to_prefix(room).map_err(|_| too_small)?;
        }
        Ok(len)
    }

    /// Writes the system's `rt_msghdr` for this request at the start of `message`.
    fn write_header(
        &self,
        os: Os,
        msglen: u16,
        message: &mut [u8],
    ) -> core::result::Result<(), ()> {
        /// Sets the fields every layout shares on the zeroed header `$h` of `$module`.
        macro_rules! fill_common {
            ($h:ident, $module:ident) => {
                $h.rtm_msglen = U16::new(msglen);
                $h.rtm_version = $module::RTM_VERSION;
                $h.rtm_type = RTM_GET;
                $h.rtm_flags = I32::new(self.rtm_flags);
                $h.rtm_addrs = I32::new(self.rtm_addrs());
                $h.rtm_seq = I32::new(self.rtm_seq);
            };
        }
        match os {
            Os::FreeBsd => {
                let mut h = freebsd::RtMsghdr::new_zeroed();
                fill_common!(h, freebsd);
                h.write_to_prefix(message).map_err(|_| ())
            }
            Os::Darwin => {
                let mut h = darwin::RtMsghdr::new_zeroed();
                fill_common!(h, darwin);
                h.write_to_prefix(message).map_err(|_| ())
            }
            Os::OpenBsd => {
                let mut h = openbsd::RtMsghdr::new_zeroed();
                fill_common!(h, openbsd);
                h.rtm_hdrlen = U16::new(core::mem::size_of::<openbsd::RtMsghdr>() as u16);
                h.write_to_prefix(message).map_err(|_| ())
            }
            Os::NetBsd => {
                let mut h = netbsd::RtMsghdr::new_zeroed();
                fill_common!(h, netbsd);
                h.write_to_prefix(message).map_err(|_| ())
            }
        }
    }

    /// Reads an `RTM_GET` message (a request, or a reply, whose extra addresses are ignored)
    /// back into a request.
    ///
    /// An IPv6 destination comes back as its bytes, KAME's embedded scope included (what
    /// [`BsdSockaddrIn6::ip`] gives), so that every request reads back to itself; a reply's
    /// addresses are better read through [`RouteMessage::addrs`], which splits the scope off.
    ///
    /// ```
    /// use core::net::{IpAddr, Ipv4Addr};
    /// use sockabi::route::{Os, RouteMessage, RtmGetRequest};
    ///
    /// let request = RtmGetRequest::new(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 0)))
    ///     .with_netmask(IpAddr::V4(Ipv4Addr::new(255, 255, 255, 128)))
    ///     .with_ifp(0);
    /// let mut buf = [0u8; 256];
    /// let len = request.emit(Os::NetBsd, &mut buf)?;
    /// let message = RouteMessage::parse(Os::NetBsd, &buf[..len])?;
    /// assert_eq!(RtmGetRequest::parse(&message)?, request);
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    pub fn parse(message: &RouteMessage<'_>) -> Result<Self> {
        if message.rtm_type() != RTM_GET {
            return Err(Error::Invalid {
                what: "rtm_type",
                reason: "not an RTM_GET message",
            });
        }
        let dst = match message.addr(RtaBit::DST)? {
            Some(Sockaddr::Inet(sin)) => IpAddr::V4(sin.ip()),
            Some(Sockaddr::Inet6(sin6)) => IpAddr::V6(sin6.ip()),
            _ => {
                return Err(Error::Invalid {
                    what: "RTM_GET: RTA_DST",
                    reason: "no IPv4 or IPv6 destination",
                })
            }
        };
        let netmask = match message.addr(RtaBit::NETMASK)? {
            None => None,
            Some(mask) => Some(mask.ip().ok_or(Error::Invalid {
                what: "RTM_GET: RTA_NETMASK",
                reason: "not an IPv4 or IPv6 netmask",
            })?),
        };
        let ifp = match message.addr(RtaBit::IFP)? {
            None => None,
            Some(Sockaddr::Link(link)) => Some(link.index()),
            Some(_) => {
                return Err(Error::Invalid {
                    what: "RTM_GET: RTA_IFP",
                    reason: "not an AF_LINK sockaddr_dl",
                })
            }
        };
        let header = message.header();
        Ok(RtmGetRequest {
            dst,
            netmask,
            ifp,
            rtm_seq: header.rtm_seq(),
            rtm_flags: header.rtm_flags(),
        })
    }

    /// [`emit`](RtmGetRequest::emit) into a new `Vec` of exactly the message's length.
    ///
    /// ```
    /// use core::net::{IpAddr, Ipv4Addr};
    /// use sockabi::route::{Os, RtmGetRequest};
    /// let bytes = RtmGetRequest::new(IpAddr::V4(Ipv4Addr::LOCALHOST)).to_vec(Os::FreeBsd)?;
    /// assert_eq!(bytes.len(), 152 + 16);
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    #[cfg(feature = "alloc")]
    pub fn to_vec(&self, os: Os) -> Result<alloc::vec::Vec<u8>> {
        let mut bytes = alloc::vec![0u8; self.buffer_len(os)];
        self.emit(os, &mut bytes)?;
        Ok(bytes)
    }
}

/// `sa_len` of the sockaddr carrying `ip`.
fn ip_sockaddr_len(ip: IpAddr) -> usize {
    match ip {
        IpAddr::V4(_) => BsdSockaddrIn::LEN,
        IpAddr::V6(_) => BsdSockaddrIn6::LEN,
    }
}

/// Writes `ip` as a sockaddr at the start of `room`; returns the room it takes on `os`.
fn write_ip(os: Os, ip: IpAddr, room: Option<&mut [u8]>) -> Option<usize> {
    let room = room?;
    match ip {
        IpAddr::V4(v4) => BsdSockaddrIn::new(v4).write_to_prefix(room).ok()?,
        IpAddr::V6(v6) => BsdSockaddrIn6::new(os, v6).write_to_prefix(room).ok()?,
    }
    Some(os.sa_size(ip_sockaddr_len(ip)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::Header;
    use core::net::{Ipv4Addr, Ipv6Addr};

    #[test]
    fn lengths_per_os() {
        let v4 = RtmGetRequest::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)));
        assert_eq!(Os::ALL.map(|os| v4.buffer_len(os)), [168, 108, 112, 136]);
        let full = v4.with_netmask(IpAddr::V4(Ipv4Addr::BROADCAST)).with_ifp(0);
        // FreeBSD sockaddr_dl 54 -> 56; Darwin 20; OpenBSD/NetBSD 32.
        assert_eq!(
            Os::ALL.map(|os| full.buffer_len(os)),
            [152 + 32 + 56, 92 + 32 + 20, 96 + 32 + 32, 120 + 32 + 32]
        );
        let v6 = RtmGetRequest::new(IpAddr::V6(Ipv6Addr::LOCALHOST));
        // sockaddr_in6 is 28: 32 with 8-byte rounding, 28 on Darwin.
        assert_eq!(Os::ALL.map(|os| v6.buffer_len(os)), [184, 120, 128, 152]);
    }

    #[test]
    fn header_fields() {
        let request = RtmGetRequest::new(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 3)))
            .with_ifp(5)
            .with_seq(-9);
        for os in Os::ALL {
            let mut buf = [0xFFu8; 300];
            let len = request.emit(os, &mut buf).unwrap();
            assert!(
                buf[len..].iter().all(|&b| b == 0xFF),
                "{os}: wrote past the message"
            );
            let msg = RouteMessage::parse(os, &buf[..len]).unwrap();
            let h = msg.header();
            assert_eq!(h.rtm_version(), os.rtm_version());
            assert_eq!(h.rtm_type(), RTM_GET);
            assert_eq!(h.rtm_addrs(), 0x1 | 0x10);
            assert_eq!(h.rtm_flags(), RTF_UP | RTF_HOST);
            assert_eq!(h.rtm_seq(), -9);
            assert_eq!((h.rtm_pid(), h.rtm_errno(), h.rtm_index()), (0, 0, 0));
            if let Header::OpenBsd(oh) = h {
                assert_eq!(oh.rtm_hdrlen.get(), 96);
            }
            let ifp = msg.addr(RtaBit::IFP).unwrap().unwrap().link().unwrap();
            assert_eq!(ifp.header().sdl_len as usize, os.sockaddr_dl_len());
            assert_eq!(ifp.index(), 5);
        }
    }

    #[test]
    fn mixed_families_and_small_buffers_are_refused() {
        let request = RtmGetRequest::new(IpAddr::V4(Ipv4Addr::LOCALHOST))
            .with_netmask(IpAddr::V6(Ipv6Addr::UNSPECIFIED));
        let mut buf = [0u8; 300];
        assert!(matches!(
            request.emit(Os::FreeBsd, &mut buf),
            Err(Error::Invalid { .. })
        ));
        let request = RtmGetRequest::new(IpAddr::V4(Ipv4Addr::LOCALHOST));
        for short in [0, 4, 151, 167] {
            assert_eq!(
                request.emit(Os::FreeBsd, &mut buf[..short]),
                Err(Error::BufferTooSmall {
                    what: "RTM_GET request",
                    needed: 168,
                    got: short
                })
            );
        }
    }

    #[test]
    fn parse_refuses_other_types_and_missing_dst() {
        let mut buf = [0u8; 300];
        let len = RtmGetRequest::new(IpAddr::V4(Ipv4Addr::LOCALHOST))
            .emit(Os::FreeBsd, &mut buf)
            .unwrap();
        buf[3] = freebsd::RTM_ADD;
        let msg = RouteMessage::parse(Os::FreeBsd, &buf[..len]).unwrap();
        assert!(RtmGetRequest::parse(&msg).is_err());
        buf[3] = RTM_GET;
        buf[12..16].copy_from_slice(&0i32.to_ne_bytes()); // no addresses
        let msg = RouteMessage::parse(Os::FreeBsd, &buf[..len]).unwrap();
        assert!(matches!(
            RtmGetRequest::parse(&msg),
            Err(Error::Invalid {
                what: "RTM_GET: RTA_DST",
                ..
            })
        ));
    }
}
