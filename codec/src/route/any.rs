//! Any routing message, whatever its header: the one entry point ([`Message::parse`]), a walk
//! over a sysctl dump ([`Messages`]), and the writer ([`emit`]).

use core::mem::size_of;

use super::{
    darwin, freebsd, netbsd, openbsd, Addrs, Header, MessageKind, MsgHeader, Os, RawAddrs,
    RouteMessage, RtaBit,
};
use crate::{Error, Result};

/// The header of a [`Message`], viewed in place: one variant per header struct and system.
///
/// The common fields are on [`Message`]; match on the variant for the rest (`if_data`,
/// `ifan_name`, `ifam_metric`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageHeader<'a> {
    /// An `rt_msghdr`, of any system.
    Route(Header<'a>),
    /// Darwin's `rt_msghdr2` (`RTM_GET2`).
    DarwinRoute2(&'a darwin::RtMsghdr2),
    /// FreeBSD's `if_msghdr`.
    FreeBsdInterface(&'a freebsd::IfMsghdr),
    /// Darwin's `if_msghdr`.
    DarwinInterface(&'a darwin::IfMsghdr),
    /// Darwin's `if_msghdr2` (`RTM_IFINFO2`).
    DarwinInterface2(&'a darwin::IfMsghdr2),
    /// OpenBSD's `if_msghdr`.
    OpenBsdInterface(&'a openbsd::IfMsghdr),
    /// NetBSD's `if_msghdr`.
    NetBsdInterface(&'a netbsd::IfMsghdr),
    /// FreeBSD's `if_msghdrl`, from a `NET_RT_IFLISTL` dump.
    FreeBsdInterfaceL(&'a freebsd::IfMsghdrl),
    /// FreeBSD's `ifa_msghdr`.
    FreeBsdAddress(&'a freebsd::IfaMsghdr),
    /// FreeBSD's `ifa_msghdrl`, from a `NET_RT_IFLISTL` dump.
    FreeBsdAddressL(&'a freebsd::IfaMsghdrl),
    /// Darwin's `ifa_msghdr`.
    DarwinAddress(&'a darwin::IfaMsghdr),
    /// OpenBSD's `ifa_msghdr`.
    OpenBsdAddress(&'a openbsd::IfaMsghdr),
    /// NetBSD's `ifa_msghdr`.
    NetBsdAddress(&'a netbsd::IfaMsghdr),
    /// FreeBSD's `ifma_msghdr`.
    FreeBsdMulticast(&'a freebsd::IfmaMsghdr),
    /// Darwin's `ifma_msghdr`.
    DarwinMulticast(&'a darwin::IfmaMsghdr),
    /// Darwin's `ifma_msghdr2` (`RTM_NEWMADDR2`).
    DarwinMulticast2(&'a darwin::IfmaMsghdr2),
    /// FreeBSD's `if_announcemsghdr`.
    FreeBsdAnnounce(&'a freebsd::IfAnnouncemsghdr),
    /// OpenBSD's `if_announcemsghdr`.
    OpenBsdAnnounce(&'a openbsd::IfAnnouncemsghdr),
    /// NetBSD's `if_announcemsghdr`.
    NetBsdAnnounce(&'a netbsd::IfAnnouncemsghdr),
}

/// Evaluates `$e` with `$h` bound to the concrete header struct, whichever the variant.
macro_rules! each {
    ($self:expr, $h:ident => $e:expr) => {
        match $self {
            MessageHeader::Route(Header::FreeBsd($h)) => $e,
            MessageHeader::Route(Header::Darwin($h)) => $e,
            MessageHeader::Route(Header::OpenBsd($h)) => $e,
            MessageHeader::Route(Header::NetBsd($h)) => $e,
            MessageHeader::DarwinRoute2($h) => $e,
            MessageHeader::FreeBsdInterface($h) => $e,
            MessageHeader::DarwinInterface($h) => $e,
            MessageHeader::DarwinInterface2($h) => $e,
            MessageHeader::OpenBsdInterface($h) => $e,
            MessageHeader::NetBsdInterface($h) => $e,
            MessageHeader::FreeBsdInterfaceL($h) => $e,
            MessageHeader::FreeBsdAddress($h) => $e,
            MessageHeader::FreeBsdAddressL($h) => $e,
            MessageHeader::DarwinAddress($h) => $e,
            MessageHeader::OpenBsdAddress($h) => $e,
            MessageHeader::NetBsdAddress($h) => $e,
            MessageHeader::FreeBsdMulticast($h) => $e,
            MessageHeader::DarwinMulticast($h) => $e,
            MessageHeader::DarwinMulticast2($h) => $e,
            MessageHeader::FreeBsdAnnounce($h) => $e,
            MessageHeader::OpenBsdAnnounce($h) => $e,
            MessageHeader::NetBsdAnnounce($h) => $e,
        }
    };
}

/// Any message a routing socket or a `NET_RT_*` sysctl delivers, checked against its buffer
/// and viewed in place: the header its `rtm_type` calls for on its system, and its addresses.
///
/// ```
/// use sockabi::route::{emit, freebsd, Message, MessageHeader, Os, RtaBit};
/// use zerocopy::FromZeros;
///
/// // An RTM_NEWADDR as FreeBSD writes it: ifa_msghdr, then the address.
/// let mut header = freebsd::IfaMsghdr::new_zeroed();
/// header.ifam_version = freebsd::RTM_VERSION;
/// header.ifam_type = freebsd::RTM_NEWADDR;
/// header.ifam_index = 2.into();
/// let ifa = [16, 2, 0, 0, 192, 0, 2, 7, 0, 0, 0, 0, 0, 0, 0, 0];
/// let mut buf = [0u8; 64];
/// let len = emit(&header, [(RtaBit::IFA, &ifa[..])], &mut buf)?;
///
/// let message = Message::parse(Os::FreeBsd, &buf[..len])?;
/// assert_eq!(message.rtm_type_name(), Some("RTM_NEWADDR"));
/// assert_eq!(message.index(), 2);
/// assert!(matches!(message.header(), MessageHeader::FreeBsdAddress(_)));
/// let (bit, addr) = message.addrs().next().unwrap();
/// assert_eq!((bit, addr?.ip()), (RtaBit::IFA, Some([192, 0, 2, 7].into())));
/// # Ok::<(), sockabi::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    header: MessageHeader<'a>,
    addrs: &'a [u8],
}

impl<'a> Message<'a> {
    /// Checks and views the message at the start of `bytes`, as `os` lays it out.
    ///
    /// `rtm_msglen` must fit in `bytes` (what follows it is not part of the message: step by
    /// [`Message::msglen`], or use [`Messages`]), `rtm_version` must be the system's
    /// `RTM_VERSION`, and `rtm_type` one whose header this crate views ([`Os::message_kind`]
    /// not [`MessageKind::Other`]). `rtm_msglen` must cover the header, and on OpenBSD the
    /// addresses start at the header's `*_hdrlen`, which must lie between the header's size and
    /// `rtm_msglen`. `rt_msghdr` messages are checked as [`RouteMessage::parse`] does.
    ///
    /// ```
    /// use sockabi::route::{Message, Os};
    /// use sockabi::Error;
    /// // OpenBSD's RTM_BFD has a header of its own, which this crate does not view.
    /// let bfd = [8, 0, 5, 0x12, 0, 0, 0, 0];
    /// assert!(matches!(Message::parse(Os::OpenBsd, &bfd), Err(Error::Invalid { .. })));
    /// ```
    pub fn parse(os: Os, bytes: &'a [u8]) -> Result<Self> {
        let (message, rtm_type) = frame(os, bytes)?;
        let header = match (os, os.message_kind(rtm_type)) {
            (_, MessageKind::Route) => {
                let route = RouteMessage::parse(os, message)?;
                return Ok(Message {
                    header: MessageHeader::Route(route.header()),
                    addrs: route.addr_bytes(),
                });
            }
            (Os::Darwin, MessageKind::Route2) => view(message, MessageHeader::DarwinRoute2),
            (Os::FreeBsd, MessageKind::Interface) => view(message, MessageHeader::FreeBsdInterface),
            (Os::Darwin, MessageKind::Interface) => view(message, MessageHeader::DarwinInterface),
            (Os::Darwin, MessageKind::Interface2) => view(message, MessageHeader::DarwinInterface2),
            (Os::OpenBsd, MessageKind::Interface) => view(message, MessageHeader::OpenBsdInterface),
            (Os::NetBsd, MessageKind::Interface) => view(message, MessageHeader::NetBsdInterface),
            (Os::FreeBsd, MessageKind::Address) => view(message, MessageHeader::FreeBsdAddress),
            (Os::Darwin, MessageKind::Address) => view(message, MessageHeader::DarwinAddress),
            (Os::OpenBsd, MessageKind::Address) => view(message, MessageHeader::OpenBsdAddress),
            (Os::NetBsd, MessageKind::Address) => view(message, MessageHeader::NetBsdAddress),
            (Os::FreeBsd, MessageKind::Multicast) => view(message, MessageHeader::FreeBsdMulticast),
            (Os::Darwin, MessageKind::Multicast) => view(message, MessageHeader::DarwinMulticast),
            (Os::Darwin, MessageKind::Multicast2) => view(message, MessageHeader::DarwinMulticast2),
            (Os::FreeBsd, MessageKind::Announce) => view(message, MessageHeader::FreeBsdAnnounce),
            (Os::OpenBsd, MessageKind::Announce) => view(message, MessageHeader::OpenBsdAnnounce),
            (Os::NetBsd, MessageKind::Announce) => view(message, MessageHeader::NetBsdAnnounce),
            _ => Err(Error::Invalid {
                what: "routing message: rtm_type",
                reason: "no header is known for this message type on this system",
            }),
        }?;
        with_addrs(header, message)
    }

    /// [`Message::parse`] for a message of FreeBSD's `NET_RT_IFLISTL` sysctl (the dump
    /// getifaddrs(3) reads): its `RTM_IFINFO` and `RTM_NEWADDR` messages start with
    /// `if_msghdrl` and `ifa_msghdrl` (whose addresses start at `ifm_len`/`ifam_len`) rather
    /// than `if_msghdr` and `ifa_msghdr`. The type alone cannot tell them apart; the sysctl
    /// asked for does. Other types read as [`Message::parse`] reads them.
    ///
    /// ```
    /// use sockabi::route::{emit, freebsd, Message, MessageHeader, RtaBit};
    /// use zerocopy::FromZeros;
    ///
    /// let mut header = freebsd::IfaMsghdrl::new_zeroed();
    /// header.ifam_version = freebsd::RTM_VERSION;
    /// header.ifam_type = freebsd::RTM_NEWADDR;
    /// header.ifam_index = 1.into();
    /// header.ifam_data.ifi_ipackets = 42.into();
    /// let ifa = [16, 2, 0, 0, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
    /// let mut buf = [0u8; 256];
    /// let len = emit(&header, [(RtaBit::IFA, &ifa[..])], &mut buf)?;
    /// let message = Message::parse_freebsd_iflistl(&buf[..len])?;
    /// let MessageHeader::FreeBsdAddressL(view) = message.header() else { unreachable!() };
    /// assert_eq!((view.ifam_len.get(), view.ifam_data.ifi_ipackets.get()), (176, 42));
    /// assert_eq!(message.addrs().next().unwrap().1?.ip(), Some([127, 0, 0, 1].into()));
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    pub fn parse_freebsd_iflistl(bytes: &'a [u8]) -> Result<Self> {
        let (message, rtm_type) = frame(Os::FreeBsd, bytes)?;
        let header = match Os::FreeBsd.message_kind(rtm_type) {
            MessageKind::Interface => view(message, MessageHeader::FreeBsdInterfaceL)?,
            MessageKind::Address => view(message, MessageHeader::FreeBsdAddressL)?,
            _ => return Message::parse(Os::FreeBsd, bytes),
        };
        with_addrs(header, message)
    }

    /// The system the message was parsed for.
    #[inline]
    pub fn os(&self) -> Os {
        each!(self.header, h => os_of(h))
    }

    /// The header, for the fields beyond the common accessors.
    #[inline]
    pub fn header(&self) -> MessageHeader<'a> {
        self.header
    }

    /// Which header the message has.
    #[inline]
    pub fn kind(&self) -> MessageKind {
        each!(self.header, h => kind_of(h))
    }

    /// `rtm_msglen`: the bytes the message takes.
    #[inline]
    pub fn msglen(&self) -> usize {
        usize::from(each!(self.header, h => h.msglen()))
    }

    /// `rtm_type`.
    #[inline]
    pub fn rtm_type(&self) -> u8 {
        each!(self.header, h => h.rtm_type())
    }

    /// The C name of `rtm_type` on this message's system.
    #[inline]
    pub fn rtm_type_name(&self) -> Option<&'static str> {
        self.os().rtm_type_name(self.rtm_type())
    }

    /// The interface index (`rtm_index`, `ifm_index`, `ifam_index`, ...).
    #[inline]
    pub fn index(&self) -> u16 {
        each!(self.header, h => h.index())
    }

    /// The flags: `RTF_*` for a route, `IFF_*` for an interface, the address's flags for an
    /// address; 0 for an announcement.
    #[inline]
    pub fn flags(&self) -> i32 {
        each!(self.header, h => MsgHeader::flags(h))
    }

    /// The `RTA_*` bits of the addresses that follow; 0 for an announcement.
    #[inline]
    pub fn addrs_bits(&self) -> i32 {
        each!(self.header, h => h.addrs_bits())
    }

    /// The bytes after the header, up to `rtm_msglen`: the sockaddrs (or, for an
    /// `RTM_IEEE80211` announcement, the event's data).
    #[inline]
    pub fn addr_bytes(&self) -> &'a [u8] {
        self.addrs
    }

    /// Walks the addresses, decoded (see [`Addrs`]).
    #[inline]
    pub fn addrs(&self) -> Addrs<'a> {
        Addrs::new(self.os(), self.addrs_bits(), self.addrs)
    }

    /// Walks the addresses without decoding them.
    #[inline]
    pub fn raw_addrs(&self) -> RawAddrs<'a> {
        RawAddrs::new(self.os(), self.addrs_bits(), self.addrs)
    }

    /// The message as a [`RouteMessage`], if it is an `rt_msghdr` one.
    #[inline]
    pub fn as_route(&self) -> Option<RouteMessage<'a>> {
        match self.header {
            MessageHeader::Route(header) => Some(RouteMessage::from_parts(header, self.addrs)),
            _ => None,
        }
    }

    /// The room [`Message::emit`] needs: the header and each address rounded to the system's
    /// unit (the kernel may have left out the padding of the last one, so this can exceed
    /// [`Message::msglen`] by less than a unit), or the error of the first address that does
    /// not frame.
    pub fn buffer_len(&self) -> Result<usize> {
        let os = self.os();
        let mut len = each!(self.header, h => size_of_val(h));
        for (_, sockaddr) in self.raw_addrs() {
            len += os.sa_size(sockaddr?.len());
        }
        Ok(len)
    }

    /// Writes the message again at the start of `buf` ([`emit`] with its own header and
    /// addresses), and returns its length. The header's fields are copied as they are, but for
    /// `rtm_msglen` and the header's own length, which describe the new bytes; bytes the kernel
    /// left between the header and the addresses (an OpenBSD `*_hdrlen` beyond the struct)
    /// and after the last address are not copied, and neither is the event data that follows
    /// an `RTM_IEEE80211` announcement. A message whose addresses do not frame is refused.
    ///
    /// ```
    /// use sockabi::route::{Message, Os, RtmGetRequest};
    /// let request = RtmGetRequest::new([192, 0, 2, 1].into()).with_ifp(0);
    /// let bytes = request.to_vec(Os::NetBsd)?;
    /// let message = Message::parse(Os::NetBsd, &bytes)?;
    /// let mut again = [0u8; 256];
    /// let len = message.emit(&mut again)?;
    /// assert_eq!(&again[..len], &bytes[..]);
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        if let Some((_, Err(e))) = self.raw_addrs().find(|(_, item)| item.is_err()) {
            return Err(e);
        }
        let addrs = self
            .raw_addrs()
            .map(|(bit, item)| (bit, item.unwrap_or_default()));
        each!(self.header, h => emit(h, addrs, buf))
    }
}

/// Checks what every message shares, its first four bytes: `rtm_msglen` within `bytes` and
/// `rtm_version` that of `os`. Returns the message's `rtm_msglen` bytes and its `rtm_type`.
fn frame(os: Os, bytes: &[u8]) -> Result<(&[u8], u8)> {
    let [len0, len1, version, rtm_type, ..] = *bytes else {
        return Err(Error::truncated("routing message", 4, bytes.len()));
    };
    let msglen = usize::from(u16::from_ne_bytes([len0, len1]));
    let Some(message) = bytes.get(..msglen) else {
        return Err(Error::BadHeaderLength {
            what: "routing message: rtm_msglen",
            len: msglen,
            available: bytes.len(),
        });
    };
    if version != os.rtm_version() {
        return Err(Error::Invalid {
            what: "routing message: rtm_version",
            reason: "not the RTM_VERSION of this system",
        });
    }
    Ok((message, rtm_type))
}

/// The message of `header` viewed at the start of `message`, its addresses starting where the
/// header says ([`MsgHeader::addrs_offset`]), which must lie between the header's size and the
/// end of the message.
fn with_addrs<'a>(header: MessageHeader<'a>, message: &'a [u8]) -> Result<Message<'a>> {
    let offset = each!(header, h => h.addrs_offset());
    let min = each!(header, h => size_of_val(h));
    match message.get(offset..) {
        Some(addrs) if offset >= min => Ok(Message { header, addrs }),
        _ => Err(Error::BadHeaderLength {
            what: "routing message: header length (*_hdrlen, ifm_len)",
            len: offset,
            available: message.len(),
        }),
    }
}

/// Views the header `H` at the start of `message` and wraps it.
fn view<'a, H: MsgHeader>(
    message: &'a [u8],
    wrap: fn(&'a H) -> MessageHeader<'a>,
) -> Result<MessageHeader<'a>> {
    H::view(message).map(wrap)
}

/// [`MsgHeader::OS`] of a header value.
fn os_of<H: MsgHeader>(_: &H) -> Os {
    H::OS
}

/// [`MsgHeader::KIND`] of a header value.
fn kind_of<H: MsgHeader>(_: &H) -> MessageKind {
    H::KIND
}

/// Writes a routing message at the start of `buf`: `header`, then each sockaddr of `addrs`
/// (its slot and its `sa_len` bytes) rounded up to the system's unit, and returns its length.
///
/// The framing fields come from what is written, not from `header`: `*_msglen`, the `RTA_*`
/// bits (from the slots) and the header's own length where it has one (OpenBSD's `*_hdrlen`,
/// FreeBSD's `ifm_len`/`ifam_len`: `size_of::<H>()`). Everything else of
/// `header` is copied, and must describe a message of `H`'s kind: `*_version` the system's
/// `RTM_VERSION`, `*_type` one of [`MsgHeader::KIND`]. Slots must ascend and lie below the
/// system's `RTAX_MAX`; each sockaddr must start with its own length (`sa_len`), or be empty,
/// which is written as one unit of zeros, as kernels do. Padding is zero, and `buf` is not
/// written past the returned length.
///
/// ```
/// use sockabi::route::{emit, openbsd, Message, MsgHeader, Os, RtaBit};
/// use zerocopy::FromZeros;
///
/// let mut header = openbsd::IfAnnouncemsghdr::new_zeroed();
/// header.ifan_version = openbsd::RTM_VERSION;
/// header.ifan_type = openbsd::RTM_IFANNOUNCE;
/// header.ifan_index = 5.into();
/// header.ifan_name[..4].copy_from_slice(b"vio0");
/// let mut buf = [0u8; 32];
/// let len = emit(&header, [], &mut buf)?;
/// assert_eq!(len, 26);
/// let message = Message::parse(Os::OpenBsd, &buf[..len])?;
/// assert_eq!((message.index(), message.addrs_bits()), (5, 0));
///
/// // An address slot on a header that has none is refused.
/// assert!(emit(&header, [(RtaBit::IFA, &[0u8; 0][..])], &mut buf).is_err());
/// # Ok::<(), sockabi::Error>(())
/// ```
pub fn emit<'b, H, I>(header: &H, addrs: I, buf: &mut [u8]) -> Result<usize>
where
    H: MsgHeader,
    I: IntoIterator<Item = (RtaBit, &'b [u8])>,
    I::IntoIter: Clone,
{
    let os = H::OS;
    let addrs = addrs.into_iter();
    if header.version() != os.rtm_version() {
        return Err(Error::Invalid {
            what: H::NAME,
            reason: "version is not the RTM_VERSION of this system",
        });
    }
    if os.message_kind(header.rtm_type()) != H::KIND {
        return Err(Error::Invalid {
            what: H::NAME,
            reason: "message type does not start with this header on this system",
        });
    }
    let header_len = size_of::<H>();
    let (mut len, mut bits, mut last) = (header_len, 0u32, None);
    for (bit, sockaddr) in addrs.clone() {
        if H::ADDRS_AT.is_none() {
            return Err(Error::Invalid {
                what: H::NAME,
                reason: "no address follows this header",
            });
        }
        if bit.index() >= os.rtax_max() || last.is_some_and(|l| bit <= l) {
            return Err(Error::Invalid {
                what: "routing message: address slot",
                reason: "slots must ascend and lie below RTAX_MAX of this system",
            });
        }
        if !sockaddr.is_empty() && sockaddr.first().map(|&l| usize::from(l)) != Some(sockaddr.len())
        {
            return Err(Error::BadLength {
                what: "routing message: sockaddr whose sa_len is not its length",
                len: sockaddr.len(),
            });
        }
        last = Some(bit);
        bits |= bit.mask() as u32;
        len += os.sa_size(sockaddr.len());
    }
    let msglen = u16::try_from(len).map_err(|_| Error::BadLength {
        what: "routing message: rtm_msglen",
        len,
    })?;
    let got = buf.len();
    let too_small = Error::BufferTooSmall {
        what: H::NAME,
        needed: len,
        got,
    };
    let message = buf.get_mut(..len).ok_or(too_small)?;
    message.fill(0);
    let (head, mut rest) = message.split_at_mut(header_len);
    head.copy_from_slice(header.as_bytes());
    patch(head, 0, &msglen.to_ne_bytes());
    if let Some(at) = H::HDRLEN_AT {
        patch(head, at, &(header_len as u16).to_ne_bytes());
    }
    if let Some(at) = H::ADDRS_AT {
        patch(head, at, &bits.to_ne_bytes());
    }
    for (_, sockaddr) in addrs {
        let room = core::mem::take(&mut rest);
        let (slot, after) = room.split_at_mut(os.sa_size(sockaddr.len()).min(room.len()));
        patch(slot, 0, sockaddr);
        rest = after;
    }
    Ok(len)
}

/// Copies `bytes` into `buf` at `at`, as far as `buf` reaches (always all of it here: the
/// lengths were computed first).
fn patch(buf: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(dst) = buf.get_mut(at..at + bytes.len()) {
        dst.copy_from_slice(bytes);
    }
}

/// The messages of a routing-socket read or a `NET_RT_DUMP`/`NET_RT_IFLIST` sysctl buffer,
/// back to back, each parsed by [`Message::parse`].
///
/// A message that does not parse (an unknown type, a wrong version) is an `Err` item and the
/// walk goes on after it, since its `rtm_msglen` still says where the next starts. An
/// `rtm_msglen` below 4 or past the buffer ends the walk after its `Err` item. Never panics.
///
/// ```
/// use sockabi::route::{Messages, Os, RtmGetRequest};
/// let mut dump = RtmGetRequest::new([192, 0, 2, 1].into()).to_vec(Os::Darwin)?;
/// dump.extend(RtmGetRequest::new([192, 0, 2, 2].into()).to_vec(Os::Darwin)?);
/// let dsts: Vec<_> = Messages::new(Os::Darwin, &dump)
///     .map(|m| m.unwrap().addrs().next().unwrap().1.unwrap().ip().unwrap())
///     .collect();
/// assert_eq!(dsts, [[192, 0, 2, 1], [192, 0, 2, 2]].map(core::net::IpAddr::from));
/// # Ok::<(), sockabi::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Messages<'a> {
    os: Os,
    rest: &'a [u8],
    /// Whether this is a FreeBSD `NET_RT_IFLISTL` dump ([`Message::parse_freebsd_iflistl`]).
    iflistl: bool,
}

impl<'a> Messages<'a> {
    /// Walks `bytes`, messages of `os` back to back.
    #[inline]
    pub fn new(os: Os, bytes: &'a [u8]) -> Self {
        Messages {
            os,
            rest: bytes,
            iflistl: false,
        }
    }

    /// Walks a FreeBSD `NET_RT_IFLISTL` dump, each message read by
    /// [`Message::parse_freebsd_iflistl`].
    #[inline]
    pub fn freebsd_iflistl(bytes: &'a [u8]) -> Self {
        Messages {
            os: Os::FreeBsd,
            rest: bytes,
            iflistl: true,
        }
    }
}

impl<'a> Iterator for Messages<'a> {
    type Item = Result<Message<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let msglen = match *self.rest {
            [a, b, ..] => usize::from(u16::from_ne_bytes([a, b])),
            _ => 0,
        };
        let Some((message, rest)) = self.rest.split_at_checked(msglen).filter(|_| msglen >= 4)
        else {
            let available = self.rest.len();
            self.rest = &[];
            return Some(Err(Error::BadHeaderLength {
                what: "routing message: rtm_msglen",
                len: msglen,
                available,
            }));
        };
        self.rest = rest;
        Some(if self.iflistl {
            Message::parse_freebsd_iflistl(message)
        } else {
            Message::parse(self.os, message)
        })
    }
}

impl core::iter::FusedIterator for Messages<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::{IpFamily, Sockaddr};
    use core::net::Ipv4Addr;
    use zerocopy::FromZeros;

    use crate::route::test_sin as sin;

    #[test]
    fn netbsd_newaddr_with_0xff_mask_and_renumbered_type() {
        let mut h = netbsd::IfaMsghdr::new_zeroed();
        h.ifam_version = netbsd::RTM_VERSION;
        h.ifam_type = netbsd::RTM_NEWADDR;
        h.ifam_index = 1.into();
        h.ifam_metric = 0.into();
        let mask = [5u8, 0xff, 0xff, 0xff, 0xff];
        let lo0 = [16u8, 18, 1, 0, 24, 3, 0, 0, b'l', b'o', b'0', 0, 0, 0, 0, 0];
        let ifa = sin([127, 0, 0, 1]);
        let mut buf = [0u8; 128];
        let len = emit(
            &h,
            [
                (RtaBit::NETMASK, &mask[..]),
                (RtaBit::IFP, &lo0[..]),
                (RtaBit::IFA, &ifa[..]),
            ],
            &mut buf,
        )
        .unwrap();
        assert_eq!(len, 32 + 8 + 16 + 16);
        let m = Message::parse(Os::NetBsd, &buf[..len]).unwrap();
        assert_eq!(m.kind(), MessageKind::Address);
        assert_eq!(m.rtm_type_name(), Some("RTM_NEWADDR"));
        assert_eq!(m.addrs_bits(), 0x4 | 0x10 | 0x20);
        assert_eq!(m.addrs().family(), Some(IpFamily::V4));
        let items: std::vec::Vec<_> = m.addrs().map(|(_, a)| a.unwrap()).collect();
        assert_eq!(items[0], Sockaddr::Netmask(Ipv4Addr::new(255, 0, 0, 0)));
        assert_eq!(items[1].link().unwrap().name_str(), Some("lo0"));
        assert_eq!(items[2].ip(), Some(Ipv4Addr::LOCALHOST.into()));
        assert!(m.as_route().is_none());
        // The same type number on FreeBSD is no address message (0x16 is unknown there).
        buf[2] = freebsd::RTM_VERSION;
        assert!(Message::parse(Os::FreeBsd, &buf[..len]).is_err());
    }

    #[test]
    fn openbsd_headers_start_addresses_at_hdrlen() {
        let mut h = openbsd::IfMsghdr::new_zeroed();
        h.ifm_version = 5;
        h.ifm_type = openbsd::RTM_IFINFO;
        h.ifm_index = 3.into();
        h.ifm_data.ifi_mtu = 1500.into();
        let mut buf = [0u8; 256];
        let dl = [8u8, 18, 3, 0, 6, 0, 0, 0];
        let len = emit(&h, [(RtaBit::IFP, &dl[..])], &mut buf).unwrap();
        let m = Message::parse(Os::OpenBsd, &buf[..len]).unwrap();
        let MessageHeader::OpenBsdInterface(view) = m.header() else {
            panic!("{:?}", m.header())
        };
        assert_eq!(view.ifm_hdrlen.get(), 168);
        assert_eq!(view.ifm_data.ifi_mtu.get(), 1500);
        assert_eq!(
            m.addrs().next().unwrap().1.unwrap().link().unwrap().index(),
            3
        );
        // A hdrlen below the struct or past the message is refused.
        for bad in [0u16, 167, len as u16 + 1] {
            buf[4..6].copy_from_slice(&bad.to_ne_bytes());
            assert!(matches!(
                Message::parse(Os::OpenBsd, &buf[..len]),
                Err(Error::BadHeaderLength { .. })
            ));
        }
    }

    #[test]
    fn emit_refuses_what_would_not_parse_back() {
        let mut h = freebsd::IfmaMsghdr::new_zeroed();
        h.ifmam_version = 5;
        h.ifmam_type = freebsd::RTM_IFINFO; // not a multicast type
        let mut buf = [0u8; 64];
        assert!(emit(&h, [], &mut buf).is_err());
        h.ifmam_type = freebsd::RTM_NEWMADDR;
        let a = sin([239, 0, 0, 1]);
        let unordered = [(RtaBit::IFA, &a[..]), (RtaBit::GATEWAY, &a[..])];
        assert!(emit(&h, unordered, &mut buf).is_err());
        let too_high = [(RtaBit::from_index(8).unwrap(), &a[..])];
        assert!(emit(&h, too_high, &mut buf).is_err());
        let lying = [(RtaBit::IFA, &a[..8])];
        assert!(emit(&h, lying, &mut buf).is_err());
        let ok = [(RtaBit::IFA, &a[..])];
        assert_eq!(
            emit(&h, ok, &mut buf[..31]),
            Err(Error::BufferTooSmall {
                what: "ifma_msghdr (FreeBSD)",
                needed: 32,
                got: 31
            })
        );
        assert_eq!(emit(&h, ok, &mut buf), Ok(32));
        h.ifmam_version = 4;
        assert!(emit(&h, ok, &mut buf).is_err());
    }

    #[test]
    fn empty_sockaddr_is_one_unit_of_zeros() {
        let mut h = darwin::RtMsghdr::new_zeroed();
        h.rtm_version = 5;
        h.rtm_type = darwin::RTM_GET;
        let dst = sin([0, 0, 0, 0]);
        let mut buf = [0xaau8; 128];
        let len = emit(
            &h,
            [(RtaBit::DST, &dst[..]), (RtaBit::NETMASK, &[][..])],
            &mut buf,
        );
        assert_eq!(len, Ok(92 + 16 + 4));
        assert_eq!(&buf[108..112], &[0; 4]);
        assert_eq!(buf[112], 0xaa);
        let m = Message::parse(Os::Darwin, &buf[..112]).unwrap();
        let route = m.as_route().unwrap();
        assert_eq!(
            route.addr(RtaBit::NETMASK),
            Ok(Some(Sockaddr::Netmask(Ipv4Addr::UNSPECIFIED)))
        );
    }

    #[test]
    fn dump_walk_skips_unparsable_messages_and_stops_on_bad_lengths() {
        let mut h = freebsd::IfAnnouncemsghdr::new_zeroed();
        h.ifan_version = 5;
        h.ifan_type = freebsd::RTM_IFANNOUNCE;
        h.ifan_name[..3].copy_from_slice(b"em0");
        let mut one = [0u8; 24];
        emit(&h, [], &mut one).unwrap();
        let mut dump = std::vec::Vec::new();
        dump.extend_from_slice(&one);
        dump.extend_from_slice(&[8, 0, 5, 0x7f, 0, 0, 0, 0]); // unknown type, skipped
        dump.extend_from_slice(&one);
        dump.extend_from_slice(&[2, 0]); // msglen 2: ends the walk
        dump.extend_from_slice(&one);
        let items: std::vec::Vec<_> = Messages::new(Os::FreeBsd, &dump).collect();
        assert_eq!(items.len(), 4);
        assert!(items[0].is_ok() && items[1].is_err() && items[2].is_ok());
        assert!(matches!(
            items[3],
            Err(Error::BadHeaderLength { len: 2, .. })
        ));
        let MessageHeader::FreeBsdAnnounce(a) = items[0].unwrap().header() else {
            panic!()
        };
        assert_eq!(&a.ifan_name[..4], b"em0\0");
    }
}
