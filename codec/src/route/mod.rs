//! BSD routing-socket messages (route(4)): `rt_msghdr` and the sockaddrs that follow it, for
//! FreeBSD, macOS (Darwin), OpenBSD and NetBSD.
//!
//! A process asks a BSD kernel which route (and so which interface) a destination takes by
//! writing an `RTM_GET` message to a `socket(PF_ROUTE, SOCK_RAW, 0)` and reading the reply. A
//! message is a `struct rt_msghdr` followed by "a small number of sockaddrs (now variable
//! length), interpreted by position": bit *i* of `rtm_addrs` says whether the address of slot
//! *i* (`RTAX_DST`, `RTAX_GATEWAY`, `RTAX_NETMASK`, ...) is present, present addresses follow in
//! ascending bit order, and each takes its own `sa_len` rounded up to the OS's unit (route(4)).
//!
//! The four systems share that scheme but not the bytes, so each has its own module with its
//! own `rt_msghdr`/`rt_metrics` layout and constants ([`freebsd`], [`darwin`], [`openbsd`],
//! [`netbsd`]); [`Os`] picks one at run time. All layouts are the x86_64 (LP64) ones.
//!
//! | | header | metrics | sockaddr unit | `RTM_VERSION` | addresses start at |
//! |---|---|---|---|---|---|
//! | FreeBSD | 152 | `u_long` × 14 | 8 (`sizeof(long)`) | 5 | `sizeof(rt_msghdr)` |
//! | Darwin | 92 | `u_int32_t` × 14 | 4 (`sizeof(uint32_t)`) | 5 | `sizeof(rt_msghdr)` |
//! | OpenBSD | 96 | 2 × 64-bit + 10 × `u_int` | 8 (`sizeof(long)`) | 5 | `rtm_hdrlen` |
//! | NetBSD | 120 | 10 × 64-bit | 8 (`sizeof(uint64_t)`) | 4 | `sizeof(rt_msghdr)` |
//!
//! Routing sockets and the `NET_RT_DUMP`/`NET_RT_IFLIST` sysctls also deliver interface,
//! address, multicast and announcement messages, each with its own header ([`MessageKind`],
//! per system and `rtm_type`: [`Os::message_kind`]). [`Message::parse`] takes any of them and
//! views the header its type calls for ([`MessageHeader`]), [`Messages`] walks a dump of them
//! (FreeBSD's `NET_RT_IFLISTL` dump, whose headers the type alone does not tell:
//! [`Messages::freebsd_iflistl`]), and [`emit`] writes any header with its addresses.
//!
//! Reading is zero-copy: [`RouteMessage::parse`] checks `rtm_msglen` and `rtm_version` and
//! views the header in place; [`RouteMessage::addrs`] walks the sockaddrs, yielding
//! `(RtaBit, Result<Sockaddr>)` so that one bad address does not hide the others. The walk reads
//! the sockaddrs as real kernels write them: masks by the family of the message's destination
//! (their own family byte may be 0, 0xff or anything), empty sockaddrs as the unspecified
//! address of that family, `sockaddr_dl` lengths of 0xff as 0, and IPv6 link-local addresses
//! with KAME's embedded interface index split off as the scope id ([`Sockaddr`]). Writing a
//! request is [`RtmGetRequest::emit`].
//!
//! ```
//! use core::net::{IpAddr, Ipv4Addr};
//! use sockabi::route::{Os, RouteMessage, RtaBit, RtmGetRequest, Sockaddr};
//!
//! // Which route does 192.0.2.1 take on FreeBSD? Build the RTM_GET request...
//! let request = RtmGetRequest::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)))
//!     .with_ifp(0) // ask for the interface as well
//!     .with_seq(1);
//! let mut buf = [0u8; 256];
//! let len = request.emit(Os::FreeBsd, &mut buf)?;
//! // ... write(fd, &buf[..len]) and read the reply; here we read the request back instead.
//! let message = RouteMessage::parse(Os::FreeBsd, &buf[..len])?;
//! assert_eq!(message.rtm_type_name(), Some("RTM_GET"));
//! let mut addrs = message.addrs();
//! let (bit, dst) = addrs.next().unwrap();
//! assert_eq!(bit, RtaBit::DST);
//! assert_eq!(dst?.ip(), Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))));
//! # Ok::<(), sockabi::Error>(())
//! ```

mod addrs;
mod any;
pub mod darwin;
pub mod freebsd;
mod kind;
mod message;
pub mod netbsd;
pub mod openbsd;
mod request;
mod slots;
mod sockaddr;

pub use addrs::{Addrs, RawAddrs, RtaBit};
pub use any::{emit, Message, MessageHeader, Messages};
pub use kind::{MessageKind, MsgHeader};
pub use message::{Header, RouteMessage};
pub use request::RtmGetRequest;
pub use sockaddr::{BsdSockaddrIn, BsdSockaddrIn6, IpFamily, LinkAddr, Sockaddr, SockaddrDl};

/// `AF_UNSPEC`: no family; also what the kernels put in the family byte of many netmasks
/// (others carry `AF_INET`, or 0xff: masks are read by the message's family, see
/// [`Sockaddr::decode_with_family`]).
pub const AF_UNSPEC: u8 = 0;
/// `AF_INET`: 2 on all four systems.
pub const AF_INET: u8 = 2;
/// `AF_LINK` (`sockaddr_dl`, the interface in `RTA_IFP`): 18 on all four systems.
pub const AF_LINK: u8 = 18;

/// `RTM_GET`, "report metrics": the request that asks which route a destination takes.
/// 4 on all four systems.
pub const RTM_GET: u8 = 0x4;

/// `RTF_UP`, route usable: `0x1` on all four systems.
pub const RTF_UP: i32 = 0x1;
/// `RTF_GATEWAY`, destination is a gateway: `0x2` on all four systems.
pub const RTF_GATEWAY: i32 = 0x2;
/// `RTF_HOST`, host entry (network otherwise): `0x4` on all four systems.
pub const RTF_HOST: i32 = 0x4;

/// `EEXIST` in `rtm_errno`: "The entry to be created already exists" (route(4)). 17 on all
/// four systems.
pub const EEXIST: i32 = 17;
/// `ESRCH` in `rtm_errno`: "The entry to be deleted does not exist" (route(4)); also what an
/// `RTM_GET` for an unroutable destination returns. 3 on all four systems.
pub const ESRCH: i32 = 3;
/// `ENOBUFS` in `rtm_errno`: "Insufficient resources were available to install a new route"
/// (route(4)). 55 on all four systems.
pub const ENOBUFS: i32 = 55;

/// The C name of an `rtm_errno` value that route(4) documents (`EEXIST`, `ESRCH`, `ENOBUFS`).
///
/// The numbers are the 4.4BSD ones, the same on FreeBSD, Darwin, OpenBSD and NetBSD.
///
/// ```
/// assert_eq!(sockabi::route::errno_name(3), Some("ESRCH"));
/// assert_eq!(sockabi::route::errno_name(0), None);
/// ```
#[inline]
pub const fn errno_name(errno: i32) -> Option<&'static str> {
    match errno {
        EEXIST => Some("EEXIST"),
        ESRCH => Some("ESRCH"),
        ENOBUFS => Some("ENOBUFS"),
        _ => None,
    }
}

/// What route(4) says an `rtm_errno` value means when the kernel rejects a message.
///
/// ```
/// assert_eq!(
///     sockabi::route::errno_meaning(sockabi::route::EEXIST),
///     Some("the entry to be created already exists")
/// );
/// ```
#[inline]
pub const fn errno_meaning(errno: i32) -> Option<&'static str> {
    match errno {
        EEXIST => Some("the entry to be created already exists"),
        ESRCH => Some("the entry to be deleted does not exist"),
        ENOBUFS => Some("insufficient resources were available to install a new route"),
        _ => None,
    }
}

/// Which system's routing-socket ABI a message uses.
///
/// The layouts differ (header sizes 152, 92, 96, 120), and so do `RTM_VERSION`, the rounding of
/// sockaddrs, `AF_INET6` and some `RTM_*` numbers, so every parse and emit takes one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Os {
    /// FreeBSD (13, 14, 15): [`freebsd`].
    FreeBsd,
    /// macOS and the other Darwin systems (xnu): [`darwin`].
    Darwin,
    /// OpenBSD: [`openbsd`].
    OpenBsd,
    /// NetBSD: [`netbsd`].
    NetBsd,
}

impl Os {
    /// All four, for tests and tools that try each.
    pub const ALL: [Os; 4] = [Os::FreeBsd, Os::Darwin, Os::OpenBsd, Os::NetBsd];

    /// The system's name, as it writes it.
    #[inline]
    pub const fn name(self) -> &'static str {
        match self {
            Os::FreeBsd => "FreeBSD",
            Os::Darwin => "Darwin",
            Os::OpenBsd => "OpenBSD",
            Os::NetBsd => "NetBSD",
        }
    }

    /// `RTM_VERSION`: the kernel drops messages with any other `rtm_version`.
    #[inline]
    pub const fn rtm_version(self) -> u8 {
        match self {
            Os::FreeBsd => freebsd::RTM_VERSION,
            Os::Darwin => darwin::RTM_VERSION,
            Os::OpenBsd => openbsd::RTM_VERSION,
            Os::NetBsd => netbsd::RTM_VERSION,
        }
    }

    /// `sizeof(struct rt_msghdr)`.
    #[inline]
    pub const fn header_len(self) -> usize {
        match self {
            Os::FreeBsd => core::mem::size_of::<freebsd::RtMsghdr>(),
            Os::Darwin => core::mem::size_of::<darwin::RtMsghdr>(),
            Os::OpenBsd => core::mem::size_of::<openbsd::RtMsghdr>(),
            Os::NetBsd => core::mem::size_of::<netbsd::RtMsghdr>(),
        }
    }

    /// The unit sockaddrs are rounded up to in a message: `sizeof(long)` on FreeBSD and
    /// OpenBSD, `sizeof(uint32_t)` on Darwin, `sizeof(uint64_t)` on NetBSD.
    #[inline]
    pub const fn sa_align(self) -> usize {
        match self {
            Os::FreeBsd => freebsd::SA_ALIGN,
            Os::Darwin => darwin::SA_ALIGN,
            Os::OpenBsd => openbsd::SA_ALIGN,
            Os::NetBsd => netbsd::SA_ALIGN,
        }
    }

    /// The room a sockaddr of `sa_len` bytes takes in a message: `sa_len` rounded up to
    /// [`Os::sa_align`], and one unit for `sa_len` 0 (FreeBSD's `SA_SIZE`, Darwin's
    /// `ROUNDUP32`, OpenBSD's `ROUNDUP`, NetBSD's `RT_ROUNDUP`).
    ///
    /// ```
    /// use sockabi::route::Os;
    /// assert_eq!(Os::FreeBsd.sa_size(6), 8);
    /// assert_eq!(Os::Darwin.sa_size(6), 8);
    /// assert_eq!(Os::Darwin.sa_size(20), 20);
    /// assert_eq!(Os::NetBsd.sa_size(28), 32);
    /// assert_eq!(Os::OpenBsd.sa_size(0), 8);
    /// ```
    #[inline]
    pub const fn sa_size(self, sa_len: usize) -> usize {
        let unit = self.sa_align();
        if sa_len == 0 {
            unit
        } else {
            1 + ((sa_len - 1) | (unit - 1))
        }
    }

    /// `AF_INET6`, which the systems number differently (28, 30, 24, 24).
    #[inline]
    pub const fn af_inet6(self) -> u8 {
        match self {
            Os::FreeBsd => freebsd::AF_INET6,
            Os::Darwin => darwin::AF_INET6,
            Os::OpenBsd => openbsd::AF_INET6,
            Os::NetBsd => netbsd::AF_INET6,
        }
    }

    /// `sizeof(struct sockaddr_dl)`, the `sdl_len` a request's `RTA_IFP` address carries
    /// (`sdl_data` is 46 bytes on FreeBSD, 12 on Darwin, 24 on OpenBSD and NetBSD).
    #[inline]
    pub const fn sockaddr_dl_len(self) -> usize {
        match self {
            Os::FreeBsd => freebsd::SOCKADDR_DL_LEN,
            Os::Darwin => darwin::SOCKADDR_DL_LEN,
            Os::OpenBsd => openbsd::SOCKADDR_DL_LEN,
            Os::NetBsd => netbsd::SOCKADDR_DL_LEN,
        }
    }

    /// `RTAX_MAX`: the number of address slots; a bit of `rtm_addrs` at or above it means
    /// nothing to the kernel.
    #[inline]
    pub const fn rtax_max(self) -> u8 {
        match self {
            Os::FreeBsd => freebsd::RTAX_MAX,
            Os::Darwin => darwin::RTAX_MAX,
            Os::OpenBsd => openbsd::RTAX_MAX,
            Os::NetBsd => netbsd::RTAX_MAX,
        }
    }

    /// The C name of an `rtm_type` value on this system (`RTM_GET`, `RTM_IFINFO`, ...).
    ///
    /// ```
    /// use sockabi::route::Os;
    /// assert_eq!(Os::FreeBsd.rtm_type_name(0xe), Some("RTM_IFINFO"));
    /// assert_eq!(Os::NetBsd.rtm_type_name(0x14), Some("RTM_IFINFO")); // renumbered
    /// ```
    #[inline]
    pub const fn rtm_type_name(self, rtm_type: u8) -> Option<&'static str> {
        match self {
            Os::FreeBsd => freebsd::rtm_type_name(rtm_type),
            Os::Darwin => darwin::rtm_type_name(rtm_type),
            Os::OpenBsd => openbsd::rtm_type_name(rtm_type),
            Os::NetBsd => netbsd::rtm_type_name(rtm_type),
        }
    }

    /// Which header messages of this `rtm_type` start with on this system.
    ///
    /// ```
    /// use sockabi::route::{MessageKind, Os};
    /// assert_eq!(Os::FreeBsd.message_kind(0xe), MessageKind::Interface); // RTM_IFINFO
    /// assert_eq!(Os::NetBsd.message_kind(0xe), MessageKind::Other); // RTM_OOIFINFO
    /// assert_eq!(Os::Darwin.message_kind(0x14), MessageKind::Route2); // RTM_GET2
    /// ```
    #[inline]
    pub const fn message_kind(self, rtm_type: u8) -> MessageKind {
        match self {
            Os::FreeBsd => freebsd::message_kind(rtm_type),
            Os::Darwin => darwin::message_kind(rtm_type),
            Os::OpenBsd => openbsd::message_kind(rtm_type),
            Os::NetBsd => netbsd::message_kind(rtm_type),
        }
    }

    /// Whether messages of this `rtm_type` start with `struct rt_msghdr` on this system (the
    /// others start with `ifa_msghdr`, `if_msghdr`, `if_announcemsghdr`, ... and share only the
    /// first four bytes: `rtm_msglen`, `rtm_version`, `rtm_type`).
    #[inline]
    pub const fn uses_rt_msghdr(self, rtm_type: u8) -> bool {
        match self {
            Os::FreeBsd => freebsd::uses_rt_msghdr(rtm_type),
            Os::Darwin => darwin::uses_rt_msghdr(rtm_type),
            Os::OpenBsd => openbsd::uses_rt_msghdr(rtm_type),
            Os::NetBsd => netbsd::uses_rt_msghdr(rtm_type),
        }
    }
}

impl core::fmt::Display for Os {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// The bytes of an `AF_INET` `sockaddr_in` of `a`, port 0, for the unit tests.
#[cfg(test)]
pub(crate) fn test_sin(a: [u8; 4]) -> [u8; 16] {
    zerocopy::transmute!(BsdSockaddrIn::new(core::net::Ipv4Addr::from(a)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sa_size_rounds_per_os() {
        // FreeBSD SA_SIZE / OpenBSD ROUNDUP: sizeof(long) = 8.
        for os in [Os::FreeBsd, Os::OpenBsd, Os::NetBsd] {
            assert_eq!(os.sa_size(0), 8);
            assert_eq!(os.sa_size(1), 8);
            assert_eq!(os.sa_size(8), 8);
            assert_eq!(os.sa_size(9), 16);
            assert_eq!(os.sa_size(16), 16);
            assert_eq!(os.sa_size(20), 24);
            assert_eq!(os.sa_size(28), 32);
            assert_eq!(os.sa_size(54), 56);
            assert_eq!(os.sa_size(255), 256);
        }
        // Darwin ROUNDUP32: sizeof(uint32_t) = 4.
        assert_eq!(Os::Darwin.sa_size(0), 4);
        assert_eq!(Os::Darwin.sa_size(5), 8);
        assert_eq!(Os::Darwin.sa_size(16), 16);
        assert_eq!(Os::Darwin.sa_size(20), 20);
        assert_eq!(Os::Darwin.sa_size(28), 28);
        assert_eq!(Os::Darwin.sa_size(255), 256);
    }

    #[test]
    fn per_os_numbers() {
        let versions: [u8; 4] = Os::ALL.map(Os::rtm_version);
        assert_eq!(versions, [5, 5, 5, 4]);
        assert_eq!(Os::ALL.map(Os::header_len), [152, 92, 96, 120]);
        assert_eq!(Os::ALL.map(Os::af_inet6), [28, 30, 24, 24]);
        assert_eq!(Os::ALL.map(Os::sockaddr_dl_len), [54, 20, 32, 32]);
        assert_eq!(Os::ALL.map(Os::rtax_max), [8, 8, 15, 9]);
        for os in Os::ALL {
            assert_eq!(os.rtm_type_name(RTM_GET), Some("RTM_GET"));
            assert!(os.uses_rt_msghdr(RTM_GET));
        }
    }

    #[test]
    fn errno_names_follow_route_4() {
        assert_eq!(errno_name(17), Some("EEXIST"));
        assert_eq!(errno_name(3), Some("ESRCH"));
        assert_eq!(errno_name(55), Some("ENOBUFS"));
        assert_eq!(errno_name(22), None);
        assert!(errno_meaning(ESRCH).is_some_and(|m| m.contains("does not exist")));
        assert!(errno_meaning(ENOBUFS).is_some_and(|m| m.contains("resources")));
        assert_eq!(errno_meaning(-1), None);
    }
}
