//! Socket options as `setsockopt(2)` receives them: one [`decode`] that applies the kernel's own
//! acceptance rules to `(level, optname, optval)` and says what the option asks for.
//!
//! The rules follow `sk_setsockopt` (net/core/sock.c) for `SOL_SOCKET`, `do_ip_setsockopt`
//! (net/ipv4/ip_sockglue.c) for `IPPROTO_IP` and `do_ipv6_setsockopt`
//! (net/ipv6/ipv6_sockglue.c) for `IPPROTO_IPV6`, on Linux x86_64:
//!
//! * `SOL_SOCKET` integer options need a full `int`: `optlen < 4` is `EINVAL`. Only
//!   `SO_BINDTODEVICE` takes a name instead.
//! * `IPPROTO_IP` integer options read an `int` when `optlen >= 4`, a single **unsigned** byte
//!   when `1 <= optlen < 4`, and nothing when `optlen == 0` (then the value is 0, "If optlen==0,
//!   it is equivalent to val == 0"); some options then reject `optlen < 1` with `EINVAL`.
//! * `IPPROTO_IPV6` integer options read an `int` when `optlen >= 4` and take 0 otherwise; most
//!   then reject `optlen < 4` with `EINVAL`, but `IPV6_AUTOFLOWLABEL`, `IPV6_DONTFRAG` and
//!   `IPV6_RECVFRAGSIZE` do not check the length at all (a short `optlen` turns them off).
//!   There is no one-byte form.
//! * The family-generic `MCAST_*` options (`group_req`, `group_source_req`, `group_filter`) are
//!   accepted at both `IPPROTO_IP` and `IPPROTO_IPV6`, each level requiring its own family.
//! * Structured options check their length as described on each [`SockOpt`] variant.
//!
//! Errors the kernel can only decide from socket state (`EPERM` without a capability,
//! `ENODEV`/`EADDRNOTAVAIL` for a device that does not exist, `EINVAL` for `IP_MULTICAST_TTL`
//! on a stream socket, ...) are not predicted. Inputs no device could satisfy (an invalid
//! interface name, a negative interface index) are rejected with [`Error::Invalid`], because no
//! kernel would accept them either.
//!
//! ```
//! use sockabi::sockopt::{decode, SockOpt, SOL_SOCKET, SO_BINDTODEVICE};
//!
//! // The SO_BINDTODEVICE note's usage: a whole `struct ifreq` (40 bytes) with the name first.
//! let mut ifreq = [0u8; 40];
//! ifreq[..4].copy_from_slice(b"eth1");
//! let opt = decode(SOL_SOCKET, SO_BINDTODEVICE, &ifreq)?;
//! assert_eq!(opt.ifname().unwrap().as_bytes(), b"eth1");
//! assert_eq!(opt.to_string(), "SO_BINDTODEVICE \"eth1\"");
//! # Ok::<(), sockabi::Error>(())
//! ```

mod ipv4;
mod ipv6;
mod mcast;
mod names;
mod repr;
mod socket;

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub use ipv6::SrcPrefs;
pub use names::*;

use crate::mreq::{IpMreq, IpMreqn};
use crate::msfilter::{GroupFilter, IpMsfilter};
use crate::{Error, IfName, Result};

/// A `(level, optname)` pair; displays as the C name when it is known.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct OptionId {
    /// The level (`SOL_SOCKET`, `IPPROTO_IP`, ...).
    pub level: i32,
    /// The option name within the level.
    pub optname: i32,
}

impl OptionId {
    /// The pair.
    pub const fn new(level: i32, optname: i32) -> Self {
        OptionId { level, optname }
    }

    /// The C name, if known ([`option_name`]).
    pub fn name(&self) -> Option<&'static str> {
        option_name(self.level, self.optname)
    }
}

/// `SO_BINDTODEVICE`; for unknown options `LEVEL/optname`, e.g. `IPPROTO_TCP/13` or `999/1`.
impl fmt::Display for OptionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.name(), level_name(self.level)) {
            (Some(name), _) => f.write_str(name),
            (None, Some(level)) => write!(f, "{level}/{}", self.optname),
            (None, None) => write!(f, "{}/{}", self.level, self.optname),
        }
    }
}

/// The `IP_MTU_DISCOVER` modes (`IP_PMTUDISC_*`). Any other value is `EINVAL`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum PmtuMode {
    /// `IP_PMTUDISC_DONT` (0): never set DF.
    Dont,
    /// `IP_PMTUDISC_WANT` (1): use per-route settings.
    Want,
    /// `IP_PMTUDISC_DO` (2): always set DF, refuse datagrams over the path MTU (`EMSGSIZE`).
    Do,
    /// `IP_PMTUDISC_PROBE` (3): set DF but ignore the path MTU.
    Probe,
    /// `IP_PMTUDISC_INTERFACE` (4): use the interface MTU, ignore the path MTU.
    Interface,
    /// `IP_PMTUDISC_OMIT` (5): like `INTERFACE`, but allow fragmentation of larger packets.
    Omit,
}

impl PmtuMode {
    /// The mode for an option value, or `None` outside `0..=5`.
    pub const fn from_value(value: i32) -> Option<Self> {
        Some(match value {
            0 => PmtuMode::Dont,
            1 => PmtuMode::Want,
            2 => PmtuMode::Do,
            3 => PmtuMode::Probe,
            4 => PmtuMode::Interface,
            5 => PmtuMode::Omit,
            _ => return None,
        })
    }

    /// The option value.
    pub const fn value(self) -> i32 {
        self as i32
    }

    /// The C name (`IP_PMTUDISC_DO`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            PmtuMode::Dont => "IP_PMTUDISC_DONT",
            PmtuMode::Want => "IP_PMTUDISC_WANT",
            PmtuMode::Do => "IP_PMTUDISC_DO",
            PmtuMode::Probe => "IP_PMTUDISC_PROBE",
            PmtuMode::Interface => "IP_PMTUDISC_INTERFACE",
            PmtuMode::Omit => "IP_PMTUDISC_OMIT",
        }
    }
}

impl PmtuMode {
    /// The `IPV6_MTU_DISCOVER` name (`IPV6_PMTUDISC_DO`, ...): the same values under IPv6
    /// names.
    pub const fn name6(self) -> &'static str {
        match self {
            PmtuMode::Dont => "IPV6_PMTUDISC_DONT",
            PmtuMode::Want => "IPV6_PMTUDISC_WANT",
            PmtuMode::Do => "IPV6_PMTUDISC_DO",
            PmtuMode::Probe => "IPV6_PMTUDISC_PROBE",
            PmtuMode::Interface => "IPV6_PMTUDISC_INTERFACE",
            PmtuMode::Omit => "IPV6_PMTUDISC_OMIT",
        }
    }
}

impl fmt::Display for PmtuMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a multicast option names its interface, after the kernel's precedence: a non-zero
/// `imr_ifindex` wins, else a non-zero address, else "any" (the routing table decides).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum McastInterface {
    /// Neither an index nor an address: the kernel chooses (for `IP_MULTICAST_IF`: reset).
    Any,
    /// The interface that owns this local address.
    Address(Ipv4Addr),
    /// Interface `ifindex`. `address` is the `imr_address` given alongside: ignored to pick the
    /// interface, but `IP_MULTICAST_IF` keeps it as the source address of multicast datagrams.
    Index {
        /// The interface index (never 0 here).
        ifindex: u32,
        /// `imr_address`, often `0.0.0.0`.
        address: Ipv4Addr,
    },
}

impl McastInterface {
    /// The interface from an `ip_mreqn`'s address and index, or an error for a negative index.
    #[inline]
    fn from_mreqn(address: Ipv4Addr, ifindex: i32, ctx: Ctx) -> Result<Self> {
        match u32::try_from(ifindex) {
            Err(_) => {
                Err(ctx.invalid("negative imr_ifindex: no such device (ENODEV/EADDRNOTAVAIL)"))
            }
            Ok(0) if address.is_unspecified() => Ok(McastInterface::Any),
            Ok(0) => Ok(McastInterface::Address(address)),
            Ok(ifindex) => Ok(McastInterface::Index { ifindex, address }),
        }
    }

    /// The interface index, if one is given.
    #[inline]
    pub fn ifindex(&self) -> Option<u32> {
        match *self {
            McastInterface::Index { ifindex, .. } => Some(ifindex),
            _ => None,
        }
    }

    /// The local address, if a non-zero one is given.
    #[inline]
    pub fn address(&self) -> Option<Ipv4Addr> {
        match *self {
            McastInterface::Address(a) => Some(a),
            McastInterface::Index { address, .. } if !address.is_unspecified() => Some(address),
            _ => None,
        }
    }

    /// `(imr_address, imr_ifindex)` as they would be written in an `ip_mreqn`.
    fn to_fields(self) -> (Ipv4Addr, i32) {
        match self {
            McastInterface::Any => (Ipv4Addr::UNSPECIFIED, 0),
            McastInterface::Address(a) => (a, 0),
            // An index above i32::MAX cannot come from `decode`; saturate rather than wrap.
            McastInterface::Index { ifindex, address } => {
                (address, i32::try_from(ifindex).unwrap_or(i32::MAX))
            }
        }
    }
}

/// `any`, `addr=A`, `ifindex=N` or `ifindex=N addr=A`.
impl fmt::Display for McastInterface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            McastInterface::Any => f.write_str("any"),
            McastInterface::Address(a) => write!(f, "addr={a}"),
            McastInterface::Index { ifindex, address } if address.is_unspecified() => {
                write!(f, "ifindex={ifindex}")
            }
            McastInterface::Index { ifindex, address } => {
                write!(f, "ifindex={ifindex} addr={address}")
            }
        }
    }
}

/// Which structure a multicast option was given as; decided by `optlen` alone.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ArgForm {
    /// A bare `struct in_addr` (4 to 7 bytes; `IP_MULTICAST_IF` only).
    InAddr,
    /// A `struct ip_mreq` (8 to 11 bytes).
    Mreq,
    /// A `struct ip_mreqn` (12 bytes or more; bytes past 12 are ignored).
    Mreqn,
}

impl ArgForm {
    /// Bytes [`SockOpt::emit`] writes for this form.
    pub const fn byte_len(self) -> usize {
        match self {
            ArgForm::InAddr => 4,
            ArgForm::Mreq => IpMreq::LEN,
            ArgForm::Mreqn => IpMreqn::LEN,
        }
    }
}

/// `IP_ADD_MEMBERSHIP` or `IP_DROP_MEMBERSHIP`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum MembershipOp {
    /// `IP_ADD_MEMBERSHIP`: join.
    Add,
    /// `IP_DROP_MEMBERSHIP`: leave.
    Drop,
}

impl MembershipOp {
    /// `MCAST_JOIN_GROUP` or `MCAST_LEAVE_GROUP`.
    pub const fn mcast_optname(self) -> i32 {
        match self {
            MembershipOp::Add => MCAST_JOIN_GROUP,
            MembershipOp::Drop => MCAST_LEAVE_GROUP,
        }
    }

    /// `IPV6_ADD_MEMBERSHIP` or `IPV6_DROP_MEMBERSHIP`.
    pub const fn ipv6_optname(self) -> i32 {
        match self {
            MembershipOp::Add => IPV6_ADD_MEMBERSHIP,
            MembershipOp::Drop => IPV6_DROP_MEMBERSHIP,
        }
    }
}

/// The four `ip_mreq_source` options, and the four `group_source_req` options they correspond
/// to.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum SourceOp {
    /// `IP_ADD_SOURCE_MEMBERSHIP`: join the group for this source (include mode).
    AddMembership,
    /// `IP_DROP_SOURCE_MEMBERSHIP`: stop receiving from this source.
    DropMembership,
    /// `IP_BLOCK_SOURCE`: exclude this source (exclude mode).
    Block,
    /// `IP_UNBLOCK_SOURCE`: stop excluding it.
    Unblock,
}

impl SourceOp {
    /// The option name (`IP_BLOCK_SOURCE`, ...).
    pub const fn optname(self) -> i32 {
        match self {
            SourceOp::AddMembership => IP_ADD_SOURCE_MEMBERSHIP,
            SourceOp::DropMembership => IP_DROP_SOURCE_MEMBERSHIP,
            SourceOp::Block => IP_BLOCK_SOURCE,
            SourceOp::Unblock => IP_UNBLOCK_SOURCE,
        }
    }

    /// The `group_source_req` option name (`MCAST_JOIN_SOURCE_GROUP`, `MCAST_BLOCK_SOURCE`,
    /// ...).
    pub const fn mcast_optname(self) -> i32 {
        match self {
            SourceOp::AddMembership => MCAST_JOIN_SOURCE_GROUP,
            SourceOp::DropMembership => MCAST_LEAVE_SOURCE_GROUP,
            SourceOp::Block => MCAST_BLOCK_SOURCE,
            SourceOp::Unblock => MCAST_UNBLOCK_SOURCE,
        }
    }
}

/// What an address in an option stands for ([`SockOpt::addresses`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum AddrRole {
    /// A multicast group.
    Group,
    /// A local interface address.
    Interface,
    /// A multicast source.
    Source,
}

/// A decoded socket option: what `setsockopt(level, optname, optval, optlen)` asks the kernel to
/// do, after the kernel's length and value checks ([`decode`]).
///
/// Interface information is available without matching every variant: [`SockOpt::ifindex`],
/// [`SockOpt::ifname`], [`SockOpt::addresses`] (IPv4), [`SockOpt::ip_addresses`] (both
/// families) and [`SockOpt::unbinds`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum SockOpt<'a> {
    /// `SO_BINDTODEVICE`: bind to the named device, or unbind (`None`).
    ///
    /// The kernel (`sock_setbindtodevice`) copies `min(optlen, IFNAMSIZ - 1)` = at most 15 bytes
    /// into a zeroed 16-byte buffer, so the name ends at the first NUL or after 15 bytes. That is
    /// why passing a whole 40-byte `struct ifreq` works (the name is at its start), and why a
    /// 16-byte name without NUL is cut to 15 bytes. `optlen == 0` or a name starting with NUL
    /// unbinds. A name no device can have ([`IfName::from_bytes`] rules) is an error here; the
    /// kernel answers `ENODEV` for it.
    BindToDevice(Option<IfName>),
    /// `SO_BINDTOIFINDEX`: bind to interface index `n`, 0 unbinds. Needs a full `int`
    /// (`optlen < 4`: `EINVAL`); a negative index is `EINVAL`.
    BindToIfindex(u32),
    /// `SO_MARK`: the firewall mark used by policy routing (full `int`, any value).
    Mark(u32),
    /// `IP_UNICAST_IF`: interface for unicast datagrams, 0 unbinds. `optlen` must be exactly 4
    /// (`EINVAL` otherwise) and the index is in **network** byte order (the kernel does `ntohl`).
    UnicastIf(u32),
    /// `IP_MULTICAST_IF`: the interface for outgoing multicast.
    ///
    /// By `optlen`: `>= 12` reads an `ip_mreqn` (`imr_ifindex`, and `imr_address` which also
    /// becomes the multicast source address); `8..=11` reads the first 8 bytes into an
    /// `ip_mreqn`, so the *second* field (`ip_mreq.imr_interface`) is the address and the first
    /// (the group) is ignored; `4..=7` reads a bare `in_addr`, the interface address; `< 4` is
    /// `EINVAL`. Index 0 and address `0.0.0.0` reset to "no interface" ([`McastInterface::Any`]).
    ///
    /// The `8..=11` branch is not in every kernel: trees without it fall through to the
    /// `in_addr` branch and take the *first* four bytes (the group) as the interface address.
    /// This decoder follows current mainline.
    MulticastIf {
        /// The interface asked for.
        interface: McastInterface,
        /// The structure, from `optlen`.
        form: ArgForm,
    },
    /// `IP_ADD_MEMBERSHIP` / `IP_DROP_MEMBERSHIP`: `optlen < 8` is `EINVAL`, `8..=11` is an
    /// `ip_mreq` (the interface is `imr_interface`), `>= 12` an `ip_mreqn`. Joining a group that
    /// is not multicast is `EINVAL`; leaving one is not checked here (the kernel answers
    /// `EADDRNOTAVAIL` because no such membership exists).
    Membership {
        /// Join or leave.
        op: MembershipOp,
        /// The group (`imr_multiaddr`).
        group: Ipv4Addr,
        /// The interface.
        interface: McastInterface,
        /// The structure, from `optlen`.
        form: ArgForm,
    },
    /// `IP_ADD_SOURCE_MEMBERSHIP`, `IP_DROP_SOURCE_MEMBERSHIP`, `IP_BLOCK_SOURCE`,
    /// `IP_UNBLOCK_SOURCE`: an `ip_mreq_source` (Linux layout) of exactly 12 bytes (`EINVAL`
    /// otherwise), with a multicast group (`EINVAL` otherwise).
    SourceMembership {
        /// Which of the four options.
        op: SourceOp,
        /// The group (`imr_multiaddr`).
        group: Ipv4Addr,
        /// The interface address (`imr_interface`), `0.0.0.0` for any.
        interface: Ipv4Addr,
        /// The source (`imr_sourceaddr`).
        source: Ipv4Addr,
    },
    /// `IP_TTL`: `Some(ttl)` with 1..=255, or `None` for -1 (the `ip_default_ttl` sysctl). 0 and
    /// any other value are `EINVAL`, and so is `optlen == 0`.
    Ttl(Option<u8>),
    /// `IP_MULTICAST_TTL`: `Some(ttl)` with 0..=255, or `None` for -1, which the kernel stores as
    /// 1. Other values and `optlen == 0` are `EINVAL`.
    MulticastTtl(Option<u8>),
    /// `IP_TOS`: the TOS byte. The kernel keeps the low 8 bits of the value (and on stream
    /// sockets keeps its own ECN bits); `optlen == 0` sets 0.
    Tos(u8),
    /// `IP_MTU_DISCOVER`: values outside `0..=5` are `EINVAL`; `optlen == 0` sets `DONT`.
    MtuDiscover(PmtuMode),
    /// `IP_MSFILTER`: an `ip_msfilter` whose length rules [`IpMsfilter::parse`] states; the group
    /// must be multicast and the mode `MCAST_INCLUDE` or `MCAST_EXCLUDE` (`EINVAL` otherwise,
    /// `ip_mc_msfilter`).
    IpMsfilter(IpMsfilter<'a>),
    /// `MCAST_JOIN_GROUP` / `MCAST_LEAVE_GROUP` at `IPPROTO_IP` or `IPPROTO_IPV6`: a
    /// `group_req` of at least 136 bytes (`EINVAL` otherwise; bytes past 136 are ignored).
    ///
    /// The group's family must be the level's: at `IPPROTO_IP` another family is `EINVAL`, at
    /// `IPPROTO_IPV6` `EADDRNOTAVAIL` (both [`Error::BadFamily`] here). Joining a group that is
    /// not multicast is `EINVAL`; at `IPPROTO_IPV6` leaving one is too (`ipv6_sock_mc_drop`).
    McastGroup {
        /// `IPPROTO_IP` or `IPPROTO_IPV6`.
        level: i32,
        /// Join or leave.
        op: MembershipOp,
        /// `gr_interface`; 0 lets the kernel choose.
        ifindex: u32,
        /// The group address (its port is ignored).
        group: IpAddr,
    },
    /// `MCAST_JOIN_SOURCE_GROUP`, `MCAST_LEAVE_SOURCE_GROUP`, `MCAST_BLOCK_SOURCE`,
    /// `MCAST_UNBLOCK_SOURCE` at `IPPROTO_IP` or `IPPROTO_IPV6`: a `group_source_req` of
    /// exactly 264 bytes at `IPPROTO_IP` and at least 264 at `IPPROTO_IPV6` (`EINVAL`
    /// otherwise), with group and source of the level's family (`EADDRNOTAVAIL` otherwise) and
    /// a multicast group (`EINVAL` otherwise).
    ///
    /// The two levels' length checks differ in mainline (`copy_group_source_from_sockptr` in
    /// net/ipv4/ip_sockglue.c tests `optlen != sizeof`, its namesake in
    /// net/ipv6/ipv6_sockglue.c `optlen < sizeof`); kernels from before that helper (2.6 era)
    /// wanted exactly 264 bytes at both levels. This decoder follows current mainline.
    McastSource {
        /// `IPPROTO_IP` or `IPPROTO_IPV6`.
        level: i32,
        /// Which of the four options.
        op: SourceOp,
        /// `gsr_interface`; 0 lets the kernel choose.
        ifindex: u32,
        /// The group.
        group: IpAddr,
        /// The source.
        source: IpAddr,
    },
    /// `MCAST_MSFILTER` at `IPPROTO_IP` or `IPPROTO_IPV6`: a `group_filter` whose length rules
    /// [`GroupFilter::parse`] states. At `IPPROTO_IP` the group and every source must be
    /// `AF_INET` (`EADDRNOTAVAIL`, `set_mcast_msfilter`); at `IPPROTO_IPV6` the kernel reads
    /// them as `sockaddr_in6` without looking at the family. Then, at both levels, the group
    /// must be multicast and the mode `MCAST_INCLUDE` or `MCAST_EXCLUDE` (`EINVAL`).
    McastMsfilter {
        /// `IPPROTO_IP` or `IPPROTO_IPV6`.
        level: i32,
        /// The filter as given.
        filter: GroupFilter<'a>,
    },
    /// `IPV6_UNICAST_IF`: interface for unicast datagrams, 0 unbinds. `optlen` must be exactly
    /// 4 (`EINVAL` otherwise) and the index is in **network** byte order (the kernel does
    /// `ntohl`), as for `IP_UNICAST_IF`. A socket already bound with `SO_BINDTODEVICE` gets
    /// `EINVAL` for any non-zero index (socket state, not predicted here).
    Ipv6UnicastIf(u32),
    /// `IPV6_MULTICAST_IF`: an interface index in host byte order (`optlen < 4` is `EINVAL`),
    /// 0 resets. A socket bound with `SO_BINDTODEVICE` to another device gets `EINVAL` (socket
    /// state: the conflict of issue 17's example); a stream socket `ENOPROTOOPT`.
    Ipv6MulticastIf(u32),
    /// `IPV6_ADD_MEMBERSHIP` / `IPV6_DROP_MEMBERSHIP`: an `ipv6_mreq` of at least 20 bytes
    /// (`EINVAL` otherwise) with a multicast group (`EINVAL` otherwise, for both). Index 0 lets
    /// the kernel choose the interface. TCP sockets get `EPROTO` (socket state).
    Ipv6Membership {
        /// Join or leave.
        op: MembershipOp,
        /// The group.
        group: Ipv6Addr,
        /// `ipv6mr_interface`; 0 for any.
        ifindex: u32,
    },
    /// The sticky `IPV6_PKTINFO` option: an `in6_pktinfo` of at least 20 bytes (`EINVAL`
    /// otherwise, `optlen == 0` included) whose index and address apply to every datagram
    /// sent, as the control message does for one. An index other than the bound device's is
    /// `EINVAL` (socket state).
    Ipv6PktInfo {
        /// `ipi6_ifindex`, 0 for none.
        ifindex: i32,
        /// `ipi6_addr`, `::` for none.
        addr: Ipv6Addr,
    },
    /// `IPV6_TCLASS`: `Some(tclass)`, or `None` for -1 (the kernel stores 0, RFC 3542 6.5).
    /// Other values outside 0..=255 and `optlen < 4` are `EINVAL`.
    TrafficClass(Option<u8>),
    /// `IPV6_MTU_DISCOVER`: values outside `0..=5` and `optlen < 4` are `EINVAL`.
    Ipv6MtuDiscover(PmtuMode),
    /// `IPV6_UNICAST_HOPS`: `Some(hops)`, or `None` for -1 (the route's hop limit).
    /// Other values outside 0..=255 and `optlen < 4` are `EINVAL`.
    UnicastHops(Option<u8>),
    /// `IPV6_MULTICAST_HOPS`: `Some(hops)`, or `None` for -1 (the kernel stores 1).
    /// Other values outside 0..=255 and `optlen < 4` are `EINVAL`; stream sockets get
    /// `ENOPROTOOPT` (socket state).
    MulticastHops(Option<u8>),
    /// `IPV6_ADDR_PREFERENCES`: source address preferences (RFC 5014). `optlen < 4` and
    /// contradictory preferences (public and temporary, home and care-of, CGA and non-CGA) are
    /// `EINVAL`; bits outside the known ones are ignored.
    AddrPreferences(SrcPrefs),
    /// A boolean option (`IP_PKTINFO`, `IP_RECVERR`, `IP_FREEBIND`, `IP_TRANSPARENT`,
    /// `IP_MULTICAST_LOOP`, `IP_MULTICAST_ALL`, `IPV6_V6ONLY`, `IPV6_RECVPKTINFO`,
    /// `IPV6_RECVERR`, `IPV6_FREEBIND`, `IPV6_TRANSPARENT`, `IPV6_MULTICAST_ALL`,
    /// `IPV6_AUTOFLOWLABEL`, `SO_REUSEADDR`, `SO_BROADCAST`, ...): any non-zero value is on.
    /// `IP_MULTICAST_ALL`, `IP_RECVERR_RFC4884`, `IPV6_MULTICAST_LOOP` and
    /// `IPV6_RECVERR_RFC4884` accept only 0 and 1.
    Flag {
        /// The level.
        level: i32,
        /// The option.
        optname: i32,
        /// Whether it is enabled.
        on: bool,
    },
    /// Another integer option with a known length rule (`SO_RCVBUF`, `SO_PRIORITY`,
    /// `IP_MINTTL`, ...), value as the kernel read it.
    Int {
        /// The level.
        level: i32,
        /// The option.
        optname: i32,
        /// The value.
        value: i32,
    },
    /// Any option this decoder does not interpret; not an error.
    Other {
        /// The level.
        level: i32,
        /// The option.
        optname: i32,
        /// `optval` as given.
        raw: &'a [u8],
    },
}

/// The option being decoded; names it in errors (looked up only when an error is made).
#[derive(Clone, Copy)]
struct Ctx {
    level: i32,
    optname: i32,
}

impl Ctx {
    /// The C name, or the level's generic name.
    fn what(self) -> &'static str {
        match (option_name(self.level, self.optname), self.level) {
            (Some(name), _) => name,
            (None, SOL_SOCKET) => "SOL_SOCKET option",
            (None, IPPROTO_IPV6) => "IPPROTO_IPV6 option",
            (None, _) => "IPPROTO_IP option",
        }
    }

    /// `EINVAL` for the length.
    #[cold]
    fn bad_len(self, len: usize) -> Error {
        Error::BadLength {
            what: self.what(),
            len,
        }
    }

    /// A value the kernel rejects.
    #[cold]
    fn invalid(self, reason: &'static str) -> Error {
        Error::Invalid {
            what: self.what(),
            reason,
        }
    }
}

/// Decodes `setsockopt(level, optname, optval, optval.len())` as the Linux kernel would accept
/// it on an `AF_INET` socket (`SOL_SOCKET`, `IPPROTO_IP`) or an `AF_INET6` socket
/// (`SOL_SOCKET`, `IPPROTO_IPV6`, and `IPPROTO_IP` for its IPv4 half); see [`SockOpt`]'s
/// variants for each option's rules.
///
/// Returns an error exactly where the kernel's checks on the argument alone fail
/// ([`Error::BadLength`] for an `optlen` it rejects with `EINVAL`, [`Error::Invalid`] for a value
/// it rejects), and [`SockOpt::Other`] for options it does not interpret.
///
/// ```
/// use core::net::Ipv4Addr;
/// use sockabi::sockopt::{decode, McastInterface, SockOpt, IPPROTO_IP, IP_ADD_MEMBERSHIP, IP_TTL};
///
/// // An ip_mreqn: group 239.1.2.3 on interface index 3.
/// let mut mreqn = [239, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0];
/// mreqn[8..].copy_from_slice(&3i32.to_ne_bytes());
/// let opt = decode(IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreqn)?;
/// assert_eq!(opt.ifindex(), Some(3));
/// assert_eq!(opt.to_string(), "IP_ADD_MEMBERSHIP group=239.1.2.3 ifindex=3");
///
/// // Integer IP options also accept a single byte.
/// assert_eq!(decode(IPPROTO_IP, IP_TTL, &[64])?, SockOpt::Ttl(Some(64)));
/// assert!(decode(IPPROTO_IP, IP_TTL, &0i32.to_ne_bytes()).is_err()); // EINVAL
/// # Ok::<(), sockabi::Error>(())
/// ```
#[inline]
pub fn decode(level: i32, optname: i32, optval: &[u8]) -> Result<SockOpt<'_>> {
    match level {
        SOL_SOCKET => socket::decode_socket(optname, optval),
        IPPROTO_IP => ipv4::decode_ip(optname, optval),
        IPPROTO_IPV6 => ipv6::decode_ipv6(optname, optval),
        _ => Ok(SockOpt::Other {
            level,
            optname,
            raw: optval,
        }),
    }
}

#[cfg(test)]
mod tests;
