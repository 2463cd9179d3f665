//! Socket option levels and names for Linux x86_64 (the asm-generic numbering), with their C
//! spellings for display.

/// Defines one constant per option and a `match`-based lookup from value to C name.
macro_rules! named_constants {
    ($lookup:ident; $( $(#[$doc:meta])+ $name:ident = $val:expr; )+) => {
        $( $(#[$doc])+ pub const $name: i32 = $val; )+

        /// The C name of `value`, if it is one of these constants.
        pub(crate) const fn $lookup(value: i32) -> Option<&'static str> {
            match value {
                $( $name => Some(stringify!($name)), )+
                _ => None,
            }
        }
    };
}

named_constants! { level_lookup;
    /// `IPPROTO_IP` (also `SOL_IP`): IPv4 options, ip(7).
    IPPROTO_IP = 0;
    /// `SOL_SOCKET`: protocol-independent options, socket(7). (Linux uses 1, not BSD's 0xffff.)
    SOL_SOCKET = 1;
    /// `IPPROTO_TCP` (also `SOL_TCP`).
    IPPROTO_TCP = 6;
    /// `IPPROTO_UDP` (also `SOL_UDP`).
    IPPROTO_UDP = 17;
    /// `IPPROTO_IPV6` (also `SOL_IPV6`).
    IPPROTO_IPV6 = 41;
    /// `SOL_RAW` (`IPPROTO_RAW`).
    SOL_RAW = 255;
    /// `SOL_PACKET`.
    SOL_PACKET = 263;
}

/// `SOL_IP`: the Linux name of [`IPPROTO_IP`] as a level.
pub const SOL_IP: i32 = IPPROTO_IP;

named_constants! { so_lookup;
    /// `SO_DEBUG`: int flag, needs `CAP_NET_ADMIN` to set.
    SO_DEBUG = 1;
    /// `SO_REUSEADDR`: int flag.
    SO_REUSEADDR = 2;
    /// `SO_TYPE`: get only.
    SO_TYPE = 3;
    /// `SO_ERROR`: get only.
    SO_ERROR = 4;
    /// `SO_DONTROUTE`: int flag, send only to directly connected hosts.
    SO_DONTROUTE = 5;
    /// `SO_BROADCAST`: int flag, allow sending to broadcast addresses.
    SO_BROADCAST = 6;
    /// `SO_SNDBUF`: int.
    SO_SNDBUF = 7;
    /// `SO_RCVBUF`: int.
    SO_RCVBUF = 8;
    /// `SO_KEEPALIVE`: int flag.
    SO_KEEPALIVE = 9;
    /// `SO_OOBINLINE`: int flag.
    SO_OOBINLINE = 10;
    /// `SO_NO_CHECK`: int flag.
    SO_NO_CHECK = 11;
    /// `SO_PRIORITY`: int.
    SO_PRIORITY = 12;
    /// `SO_LINGER`: `struct linger`.
    SO_LINGER = 13;
    /// `SO_REUSEPORT`: int flag.
    SO_REUSEPORT = 15;
    /// `SO_PASSCRED`: int flag.
    SO_PASSCRED = 16;
    /// `SO_PEERCRED`: get only.
    SO_PEERCRED = 17;
    /// `SO_RCVLOWAT`: int.
    SO_RCVLOWAT = 18;
    /// `SO_SNDLOWAT`: int (setting it fails with `ENOPROTOOPT`).
    SO_SNDLOWAT = 19;
    /// `SO_RCVTIMEO` (`SO_RCVTIMEO_OLD`): `struct timeval`.
    SO_RCVTIMEO = 20;
    /// `SO_SNDTIMEO` (`SO_SNDTIMEO_OLD`): `struct timeval`.
    SO_SNDTIMEO = 21;
    /// `SO_BINDTODEVICE`: an interface name, see [`crate::sockopt::decode`].
    SO_BINDTODEVICE = 25;
    /// `SO_ATTACH_FILTER`: `struct sock_fprog`.
    SO_ATTACH_FILTER = 26;
    /// `SO_DETACH_FILTER`.
    SO_DETACH_FILTER = 27;
    /// `SO_PEERNAME`: get only.
    SO_PEERNAME = 28;
    /// `SO_TIMESTAMP` (`SO_TIMESTAMP_OLD`): int flag.
    SO_TIMESTAMP = 29;
    /// `SO_ACCEPTCONN`: get only.
    SO_ACCEPTCONN = 30;
    /// `SO_PEERSEC`: get only.
    SO_PEERSEC = 31;
    /// `SO_SNDBUFFORCE`: int, needs `CAP_NET_ADMIN`.
    SO_SNDBUFFORCE = 32;
    /// `SO_RCVBUFFORCE`: int, needs `CAP_NET_ADMIN`.
    SO_RCVBUFFORCE = 33;
    /// `SO_PASSSEC`: int flag.
    SO_PASSSEC = 34;
    /// `SO_TIMESTAMPNS` (`SO_TIMESTAMPNS_OLD`): int flag.
    SO_TIMESTAMPNS = 35;
    /// `SO_MARK`: the fwmark (u32), used by policy routing; needs `CAP_NET_ADMIN` or `CAP_NET_RAW`.
    SO_MARK = 36;
    /// `SO_TIMESTAMPING` (`SO_TIMESTAMPING_OLD`): int or `struct so_timestamping`.
    SO_TIMESTAMPING = 37;
    /// `SO_PROTOCOL`: get only.
    SO_PROTOCOL = 38;
    /// `SO_DOMAIN`: get only.
    SO_DOMAIN = 39;
    /// `SO_RXQ_OVFL`: int flag.
    SO_RXQ_OVFL = 40;
    /// `SO_WIFI_STATUS`: int flag.
    SO_WIFI_STATUS = 41;
    /// `SO_PEEK_OFF`: int.
    SO_PEEK_OFF = 42;
    /// `SO_NOFCS`: int flag.
    SO_NOFCS = 43;
    /// `SO_LOCK_FILTER`: int flag.
    SO_LOCK_FILTER = 44;
    /// `SO_SELECT_ERR_QUEUE`: int flag.
    SO_SELECT_ERR_QUEUE = 45;
    /// `SO_BUSY_POLL`: int (microseconds).
    SO_BUSY_POLL = 46;
    /// `SO_MAX_PACING_RATE`: u32 or u64.
    SO_MAX_PACING_RATE = 47;
    /// `SO_BPF_EXTENSIONS`: get only.
    SO_BPF_EXTENSIONS = 48;
    /// `SO_INCOMING_CPU`: int.
    SO_INCOMING_CPU = 49;
    /// `SO_ATTACH_BPF`: a BPF program fd.
    SO_ATTACH_BPF = 50;
    /// `SO_ATTACH_REUSEPORT_CBPF`.
    SO_ATTACH_REUSEPORT_CBPF = 51;
    /// `SO_ATTACH_REUSEPORT_EBPF`.
    SO_ATTACH_REUSEPORT_EBPF = 52;
    /// `SO_INCOMING_NAPI_ID`: get only.
    SO_INCOMING_NAPI_ID = 56;
    /// `SO_COOKIE`: get only.
    SO_COOKIE = 57;
    /// `SO_ZEROCOPY`: int flag.
    SO_ZEROCOPY = 60;
    /// `SO_TXTIME`: `struct sock_txtime`.
    SO_TXTIME = 61;
    /// `SO_BINDTOIFINDEX`: an interface index (int), since Linux 5.0.
    SO_BINDTOIFINDEX = 62;
    /// `SO_NETNS_COOKIE`: get only.
    SO_NETNS_COOKIE = 71;
}

named_constants! { ip_lookup;
    /// `IP_TOS`: int (or one byte), the TOS byte of outgoing packets.
    IP_TOS = 1;
    /// `IP_TTL`: int (or one byte), -1 or 1..=255.
    IP_TTL = 2;
    /// `IP_HDRINCL`: int flag, raw sockets only.
    IP_HDRINCL = 3;
    /// `IP_OPTIONS`: up to 40 bytes of IP options.
    IP_OPTIONS = 4;
    /// `IP_ROUTER_ALERT`: int flag, raw sockets only.
    IP_ROUTER_ALERT = 5;
    /// `IP_RECVOPTS`: int flag.
    IP_RECVOPTS = 6;
    /// `IP_RETOPTS`: int flag.
    IP_RETOPTS = 7;
    /// `IP_PKTINFO`: int flag; enables the `IP_PKTINFO` control message.
    IP_PKTINFO = 8;
    /// `IP_PKTOPTIONS`: get only, TCP.
    IP_PKTOPTIONS = 9;
    /// `IP_MTU_DISCOVER`: int, a [`crate::sockopt::PmtuMode`].
    IP_MTU_DISCOVER = 10;
    /// `IP_RECVERR`: int flag; enables the error queue and the `IP_RECVERR` control message.
    IP_RECVERR = 11;
    /// `IP_RECVTTL`: int flag; enables the `IP_TTL` control message.
    IP_RECVTTL = 12;
    /// `IP_RECVTOS`: int flag; enables the `IP_TOS` control message.
    IP_RECVTOS = 13;
    /// `IP_MTU`: get only, the path MTU of a connected socket.
    IP_MTU = 14;
    /// `IP_FREEBIND`: int flag, bind to non-local addresses.
    IP_FREEBIND = 15;
    /// `IP_IPSEC_POLICY`.
    IP_IPSEC_POLICY = 16;
    /// `IP_XFRM_POLICY`.
    IP_XFRM_POLICY = 17;
    /// `IP_PASSSEC`: int flag.
    IP_PASSSEC = 18;
    /// `IP_TRANSPARENT`: int flag, needs `CAP_NET_RAW` or `CAP_NET_ADMIN` to enable.
    IP_TRANSPARENT = 19;
    /// `IP_RECVORIGDSTADDR`: int flag; enables the `IP_ORIGDSTADDR` control message (same value).
    IP_RECVORIGDSTADDR = 20;
    /// `IP_MINTTL`: int (or one byte), 0..=255.
    IP_MINTTL = 21;
    /// `IP_NODEFRAG`: int flag, raw sockets only.
    IP_NODEFRAG = 22;
    /// `IP_CHECKSUM`: int flag.
    IP_CHECKSUM = 23;
    /// `IP_BIND_ADDRESS_NO_PORT`: int flag.
    IP_BIND_ADDRESS_NO_PORT = 24;
    /// `IP_RECVFRAGSIZE`: int flag.
    IP_RECVFRAGSIZE = 25;
    /// `IP_RECVERR_RFC4884`: int, 0 or 1.
    IP_RECVERR_RFC4884 = 26;
    /// `IP_MULTICAST_IF`: `ip_mreqn`, `ip_mreq` or `in_addr`; see [`crate::sockopt::decode`].
    IP_MULTICAST_IF = 32;
    /// `IP_MULTICAST_TTL`: int (or one byte), -1 (meaning 1) or 0..=255.
    IP_MULTICAST_TTL = 33;
    /// `IP_MULTICAST_LOOP`: int flag (or one byte).
    IP_MULTICAST_LOOP = 34;
    /// `IP_ADD_MEMBERSHIP`: `ip_mreqn` or `ip_mreq`.
    IP_ADD_MEMBERSHIP = 35;
    /// `IP_DROP_MEMBERSHIP`: `ip_mreqn` or `ip_mreq`.
    IP_DROP_MEMBERSHIP = 36;
    /// `IP_UNBLOCK_SOURCE`: `ip_mreq_source`.
    IP_UNBLOCK_SOURCE = 37;
    /// `IP_BLOCK_SOURCE`: `ip_mreq_source`.
    IP_BLOCK_SOURCE = 38;
    /// `IP_ADD_SOURCE_MEMBERSHIP`: `ip_mreq_source`.
    IP_ADD_SOURCE_MEMBERSHIP = 39;
    /// `IP_DROP_SOURCE_MEMBERSHIP`: `ip_mreq_source`.
    IP_DROP_SOURCE_MEMBERSHIP = 40;
    /// `IP_MSFILTER`: `struct ip_msfilter`.
    IP_MSFILTER = 41;
    /// `MCAST_JOIN_GROUP`: `struct group_req`.
    MCAST_JOIN_GROUP = 42;
    /// `MCAST_BLOCK_SOURCE`: `struct group_source_req`.
    MCAST_BLOCK_SOURCE = 43;
    /// `MCAST_UNBLOCK_SOURCE`: `struct group_source_req`.
    MCAST_UNBLOCK_SOURCE = 44;
    /// `MCAST_LEAVE_GROUP`: `struct group_req`.
    MCAST_LEAVE_GROUP = 45;
    /// `MCAST_JOIN_SOURCE_GROUP`: `struct group_source_req`.
    MCAST_JOIN_SOURCE_GROUP = 46;
    /// `MCAST_LEAVE_SOURCE_GROUP`: `struct group_source_req`.
    MCAST_LEAVE_SOURCE_GROUP = 47;
    /// `MCAST_MSFILTER`: `struct group_filter`.
    MCAST_MSFILTER = 48;
    /// `IP_MULTICAST_ALL`: int (or one byte), 0 or 1.
    IP_MULTICAST_ALL = 49;
    /// `IP_UNICAST_IF`: interface index as a 4-byte int in network byte order.
    IP_UNICAST_IF = 50;
    /// `IP_LOCAL_PORT_RANGE`: u32, low port in the low 16 bits, high port in the high 16 bits.
    IP_LOCAL_PORT_RANGE = 51;
    /// `IP_PROTOCOL`: get only.
    IP_PROTOCOL = 52;
}

named_constants! { ipv6_lookup;
    /// `IPV6_ADDRFORM`: int, turn a connected v4-mapped socket into an `AF_INET` one.
    IPV6_ADDRFORM = 1;
    /// `IPV6_2292PKTINFO`: int flag, the RFC 2292 form of `IPV6_RECVPKTINFO`.
    IPV6_2292PKTINFO = 2;
    /// `IPV6_2292HOPOPTS`: int flag.
    IPV6_2292HOPOPTS = 3;
    /// `IPV6_2292DSTOPTS`: int flag.
    IPV6_2292DSTOPTS = 4;
    /// `IPV6_2292RTHDR`: int flag.
    IPV6_2292RTHDR = 5;
    /// `IPV6_2292PKTOPTIONS`: a control buffer of sticky options.
    IPV6_2292PKTOPTIONS = 6;
    /// `IPV6_CHECKSUM`: int, raw sockets.
    IPV6_CHECKSUM = 7;
    /// `IPV6_2292HOPLIMIT`: int flag.
    IPV6_2292HOPLIMIT = 8;
    /// `IPV6_NEXTHOP`: a `sockaddr_in6` (control message only).
    IPV6_NEXTHOP = 9;
    /// `IPV6_AUTHHDR`: obsolete.
    IPV6_AUTHHDR = 10;
    /// `IPV6_FLOWINFO`: int flag; enables the `IPV6_FLOWINFO` control message.
    IPV6_FLOWINFO = 11;
    /// `IPV6_UNICAST_HOPS`: int, -1 or 0..=255.
    IPV6_UNICAST_HOPS = 16;
    /// `IPV6_MULTICAST_IF`: int, an interface index.
    IPV6_MULTICAST_IF = 17;
    /// `IPV6_MULTICAST_HOPS`: int, -1 (meaning 1) or 0..=255.
    IPV6_MULTICAST_HOPS = 18;
    /// `IPV6_MULTICAST_LOOP`: int, 0 or 1.
    IPV6_MULTICAST_LOOP = 19;
    /// `IPV6_ADD_MEMBERSHIP` (`IPV6_JOIN_GROUP`): `struct ipv6_mreq`.
    IPV6_ADD_MEMBERSHIP = 20;
    /// `IPV6_DROP_MEMBERSHIP` (`IPV6_LEAVE_GROUP`): `struct ipv6_mreq`.
    IPV6_DROP_MEMBERSHIP = 21;
    /// `IPV6_ROUTER_ALERT`: int, raw sockets.
    IPV6_ROUTER_ALERT = 22;
    /// `IPV6_MTU_DISCOVER`: int, a [`crate::sockopt::PmtuMode`] (`IPV6_PMTUDISC_*`).
    IPV6_MTU_DISCOVER = 23;
    /// `IPV6_MTU`: int, 0 or at least 1280.
    IPV6_MTU = 24;
    /// `IPV6_RECVERR`: int flag; enables the error queue and the `IPV6_RECVERR` control message.
    IPV6_RECVERR = 25;
    /// `IPV6_V6ONLY`: int flag; only before `bind`.
    IPV6_V6ONLY = 26;
    /// `IPV6_JOIN_ANYCAST`: `struct ipv6_mreq`.
    IPV6_JOIN_ANYCAST = 27;
    /// `IPV6_LEAVE_ANYCAST`: `struct ipv6_mreq`.
    IPV6_LEAVE_ANYCAST = 28;
    /// `IPV6_MULTICAST_ALL`: int flag.
    IPV6_MULTICAST_ALL = 29;
    /// `IPV6_ROUTER_ALERT_ISOLATE`: int flag.
    IPV6_ROUTER_ALERT_ISOLATE = 30;
    /// `IPV6_RECVERR_RFC4884`: int, 0 or 1.
    IPV6_RECVERR_RFC4884 = 31;
    /// `IPV6_FLOWLABEL_MGR`: `struct in6_flowlabel_req`.
    IPV6_FLOWLABEL_MGR = 32;
    /// `IPV6_FLOWINFO_SEND`: int flag.
    IPV6_FLOWINFO_SEND = 33;
    /// `IPV6_IPSEC_POLICY`.
    IPV6_IPSEC_POLICY = 34;
    /// `IPV6_XFRM_POLICY`.
    IPV6_XFRM_POLICY = 35;
    /// `IPV6_HDRINCL`: int flag, raw sockets.
    IPV6_HDRINCL = 36;
    /// `IPV6_RECVPKTINFO`: int flag; enables the `IPV6_PKTINFO` control message.
    IPV6_RECVPKTINFO = 49;
    /// `IPV6_PKTINFO`: sticky `struct in6_pktinfo` (option), or the control message.
    IPV6_PKTINFO = 50;
    /// `IPV6_RECVHOPLIMIT`: int flag; enables the `IPV6_HOPLIMIT` control message.
    IPV6_RECVHOPLIMIT = 51;
    /// `IPV6_HOPLIMIT`: the control message (an `int`).
    IPV6_HOPLIMIT = 52;
    /// `IPV6_RECVHOPOPTS`: int flag.
    IPV6_RECVHOPOPTS = 53;
    /// `IPV6_HOPOPTS`: a hop-by-hop options header.
    IPV6_HOPOPTS = 54;
    /// `IPV6_RTHDRDSTOPTS`: a destination options header.
    IPV6_RTHDRDSTOPTS = 55;
    /// `IPV6_RECVRTHDR`: int flag.
    IPV6_RECVRTHDR = 56;
    /// `IPV6_RTHDR`: a routing header.
    IPV6_RTHDR = 57;
    /// `IPV6_RECVDSTOPTS`: int flag.
    IPV6_RECVDSTOPTS = 58;
    /// `IPV6_DSTOPTS`: a destination options header.
    IPV6_DSTOPTS = 59;
    /// `IPV6_RECVPATHMTU`: int flag; enables the `IPV6_PATHMTU` control message.
    IPV6_RECVPATHMTU = 60;
    /// `IPV6_PATHMTU`: `struct ip6_mtuinfo` (get, and control message).
    IPV6_PATHMTU = 61;
    /// `IPV6_DONTFRAG`: int flag.
    IPV6_DONTFRAG = 62;
    /// `IPV6_RECVTCLASS`: int flag; enables the `IPV6_TCLASS` control message.
    IPV6_RECVTCLASS = 66;
    /// `IPV6_TCLASS`: int, -1 (meaning 0) or 0..=255.
    IPV6_TCLASS = 67;
    /// `IPV6_AUTOFLOWLABEL`: int flag.
    IPV6_AUTOFLOWLABEL = 70;
    /// `IPV6_ADDR_PREFERENCES`: int, [`crate::sockopt::SrcPrefs`].
    IPV6_ADDR_PREFERENCES = 72;
    /// `IPV6_MINHOPCOUNT`: int, 0..=255.
    IPV6_MINHOPCOUNT = 73;
    /// `IPV6_RECVORIGDSTADDR`: int flag; enables the `IPV6_ORIGDSTADDR` control message (same
    /// value).
    IPV6_RECVORIGDSTADDR = 74;
    /// `IPV6_TRANSPARENT`: int flag, needs `CAP_NET_RAW` or `CAP_NET_ADMIN` to enable.
    IPV6_TRANSPARENT = 75;
    /// `IPV6_UNICAST_IF`: interface index as a 4-byte int in network byte order.
    IPV6_UNICAST_IF = 76;
    /// `IPV6_RECVFRAGSIZE`: int flag.
    IPV6_RECVFRAGSIZE = 77;
    /// `IPV6_FREEBIND`: int flag, bind to non-local addresses.
    IPV6_FREEBIND = 78;
}

/// `IPV6_JOIN_GROUP`: the RFC 3493 name of [`IPV6_ADD_MEMBERSHIP`].
pub const IPV6_JOIN_GROUP: i32 = IPV6_ADD_MEMBERSHIP;
/// `IPV6_LEAVE_GROUP`: the RFC 3493 name of [`IPV6_DROP_MEMBERSHIP`].
pub const IPV6_LEAVE_GROUP: i32 = IPV6_DROP_MEMBERSHIP;
/// `IPV6_ORIGDSTADDR`: the control-message type enabled by [`IPV6_RECVORIGDSTADDR`].
pub const IPV6_ORIGDSTADDR: i32 = IPV6_RECVORIGDSTADDR;
/// `SOL_IPV6`: the Linux name of [`IPPROTO_IPV6`] as a level.
pub const SOL_IPV6: i32 = IPPROTO_IPV6;

/// The `MCAST_*` options (RFC 3678), which both `IPPROTO_IP` and `IPPROTO_IPV6` accept with
/// the same values.
const fn mcast_lookup(optname: i32) -> Option<&'static str> {
    Some(match optname {
        MCAST_JOIN_GROUP => "MCAST_JOIN_GROUP",
        MCAST_BLOCK_SOURCE => "MCAST_BLOCK_SOURCE",
        MCAST_UNBLOCK_SOURCE => "MCAST_UNBLOCK_SOURCE",
        MCAST_LEAVE_GROUP => "MCAST_LEAVE_GROUP",
        MCAST_JOIN_SOURCE_GROUP => "MCAST_JOIN_SOURCE_GROUP",
        MCAST_LEAVE_SOURCE_GROUP => "MCAST_LEAVE_SOURCE_GROUP",
        MCAST_MSFILTER => "MCAST_MSFILTER",
        _ => return None,
    })
}

/// `IP_ORIGDSTADDR`: the control-message type enabled by [`IP_RECVORIGDSTADDR`] (same value).
pub const IP_ORIGDSTADDR: i32 = IP_RECVORIGDSTADDR;

/// The C name of a socket option level (`SOL_SOCKET`, `IPPROTO_IP`, ...).
///
/// ```
/// use sockabi::sockopt::level_name;
/// assert_eq!(level_name(1), Some("SOL_SOCKET"));
/// assert_eq!(level_name(0), Some("IPPROTO_IP"));
/// assert_eq!(level_name(1234), None);
/// ```
pub fn level_name(level: i32) -> Option<&'static str> {
    level_lookup(level)
}

/// The C name of option `optname` at `level`, for `SOL_SOCKET`, `IPPROTO_IP` and
/// `IPPROTO_IPV6`.
///
/// ```
/// use sockabi::sockopt::{option_name, IPPROTO_IP, IPPROTO_IPV6, SOL_SOCKET};
/// assert_eq!(option_name(SOL_SOCKET, 25), Some("SO_BINDTODEVICE"));
/// assert_eq!(option_name(IPPROTO_IP, 32), Some("IP_MULTICAST_IF"));
/// assert_eq!(option_name(IPPROTO_IPV6, 76), Some("IPV6_UNICAST_IF"));
/// assert_eq!(option_name(IPPROTO_IPV6, 42), Some("MCAST_JOIN_GROUP"));
/// assert_eq!(option_name(IPPROTO_IP, 1000), None);
/// ```
pub fn option_name(level: i32, optname: i32) -> Option<&'static str> {
    match level {
        SOL_SOCKET => so_lookup(optname),
        IPPROTO_IP => ip_lookup(optname),
        IPPROTO_IPV6 => match ipv6_lookup(optname) {
            Some(name) => Some(name),
            None => mcast_lookup(optname),
        },
        _ => None,
    }
}
