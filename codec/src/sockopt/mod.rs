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

mod ipv6;
mod mcast;
mod names;

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub use ipv6::SrcPrefs;
pub use names::*;

use crate::addr::emit_bytes;
use crate::mreq::{IpMreq, IpMreqSource, IpMreqn};
use crate::msfilter::{GroupFilter, IpMsfilter};
use crate::{Error, IfName, InAddr, Result, IFNAMSIZ};

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
/// [`SockOpt::ifname`], [`SockOpt::addresses`] and [`SockOpt::unbinds`].
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

/// How an `IPPROTO_IP` integer option treats `optlen`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum IpIntLen {
    /// `optlen == 0` means value 0.
    ZeroIsZero,
    /// `optlen < 1` is `EINVAL`.
    NonEmpty,
}

/// `do_ip_setsockopt`'s integer read: an `int` from 4 bytes or more, one unsigned byte from 1 to
/// 3 bytes, 0 from nothing (or `EINVAL`, for options that check `optlen < 1`).
#[inline]
fn ip_int(optval: &[u8], rule: IpIntLen, ctx: Ctx) -> Result<i32> {
    match optval {
        [a, b, c, d, ..] => Ok(i32::from_ne_bytes([*a, *b, *c, *d])),
        [a, ..] => Ok(i32::from(*a)),
        [] if rule == IpIntLen::ZeroIsZero => Ok(0),
        [] => Err(ctx.bad_len(0)),
    }
}

/// `sk_setsockopt`'s integer read: `optlen < sizeof(int)` is `EINVAL`.
#[inline]
fn so_int(optval: &[u8], ctx: Ctx) -> Result<i32> {
    match optval {
        [a, b, c, d, ..] => Ok(i32::from_ne_bytes([*a, *b, *c, *d])),
        _ => Err(ctx.bad_len(optval.len())),
    }
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
        SOL_SOCKET => decode_socket(optname, optval),
        IPPROTO_IP => decode_ip(optname, optval),
        IPPROTO_IPV6 => ipv6::decode_ipv6(optname, optval),
        _ => Ok(SockOpt::Other {
            level,
            optname,
            raw: optval,
        }),
    }
}

/// `SOL_SOCKET` options that are plain booleans.
const fn is_so_flag(optname: i32) -> bool {
    matches!(
        optname,
        SO_DEBUG
            | SO_REUSEADDR
            | SO_DONTROUTE
            | SO_BROADCAST
            | SO_KEEPALIVE
            | SO_OOBINLINE
            | SO_NO_CHECK
            | SO_REUSEPORT
            | SO_PASSCRED
            | SO_TIMESTAMP
            | SO_PASSSEC
            | SO_TIMESTAMPNS
            | SO_RXQ_OVFL
            | SO_WIFI_STATUS
            | SO_NOFCS
            | SO_LOCK_FILTER
            | SO_SELECT_ERR_QUEUE
            | SO_ZEROCOPY
    )
}

/// `SOL_SOCKET` options that are plain integers.
const fn is_so_int(optname: i32) -> bool {
    matches!(
        optname,
        SO_SNDBUF
            | SO_RCVBUF
            | SO_PRIORITY
            | SO_RCVLOWAT
            | SO_SNDBUFFORCE
            | SO_RCVBUFFORCE
            | SO_PEEK_OFF
            | SO_BUSY_POLL
            | SO_INCOMING_CPU
    )
}

#[inline]
fn decode_socket(optname: i32, optval: &[u8]) -> Result<SockOpt<'_>> {
    let ctx = Ctx {
        level: SOL_SOCKET,
        optname,
    };
    match optname {
        SO_BINDTODEVICE => {
            let window = optval.get(..IFNAMSIZ - 1).unwrap_or(optval);
            match window.first() {
                None | Some(0) => Ok(SockOpt::BindToDevice(None)),
                Some(_) => Ok(SockOpt::BindToDevice(Some(IfName::from_bytes(window)?))),
            }
        }
        SO_BINDTOIFINDEX => {
            let value = so_int(optval, ctx)?;
            let ifindex = u32::try_from(value)
                .map_err(|_| ctx.invalid("negative interface index (EINVAL)"))?;
            Ok(SockOpt::BindToIfindex(ifindex))
        }
        SO_MARK => Ok(SockOpt::Mark(so_int(optval, ctx)? as u32)),
        _ if is_so_flag(optname) => Ok(SockOpt::Flag {
            level: SOL_SOCKET,
            optname,
            on: so_int(optval, ctx)? != 0,
        }),
        _ if is_so_int(optname) => Ok(SockOpt::Int {
            level: SOL_SOCKET,
            optname,
            value: so_int(optval, ctx)?,
        }),
        _ => Ok(SockOpt::Other {
            level: SOL_SOCKET,
            optname,
            raw: optval,
        }),
    }
}

#[inline]
fn decode_ip(optname: i32, optval: &[u8]) -> Result<SockOpt<'_>> {
    use IpIntLen::{NonEmpty, ZeroIsZero};
    let ctx = Ctx {
        level: IPPROTO_IP,
        optname,
    };
    let flag = |on: bool| SockOpt::Flag {
        level: IPPROTO_IP,
        optname,
        on,
    };
    match optname {
        IP_TTL => match ip_int(optval, NonEmpty, ctx)? {
            -1 => Ok(SockOpt::Ttl(None)),
            v => u8::try_from(v)
                .ok()
                .filter(|&ttl| ttl != 0)
                .map(|ttl| SockOpt::Ttl(Some(ttl)))
                .ok_or_else(|| ctx.invalid("TTL outside -1 and 1..=255 (EINVAL)")),
        },
        IP_MULTICAST_TTL => match ip_int(optval, NonEmpty, ctx)? {
            -1 => Ok(SockOpt::MulticastTtl(None)),
            v => u8::try_from(v)
                .map(|ttl| SockOpt::MulticastTtl(Some(ttl)))
                .map_err(|_| ctx.invalid("TTL outside -1 and 0..=255 (EINVAL)")),
        },
        IP_TOS => Ok(SockOpt::Tos(ip_int(optval, ZeroIsZero, ctx)? as u8)),
        IP_MTU_DISCOVER => PmtuMode::from_value(ip_int(optval, ZeroIsZero, ctx)?)
            .map(SockOpt::MtuDiscover)
            .ok_or_else(|| {
                ctx.invalid("mode outside IP_PMTUDISC_DONT..=IP_PMTUDISC_OMIT (EINVAL)")
            }),
        IP_MINTTL => match ip_int(optval, NonEmpty, ctx)? {
            v @ 0..=255 => Ok(SockOpt::Int {
                level: IPPROTO_IP,
                optname,
                value: v,
            }),
            _ => Err(ctx.invalid("value outside 0..=255 (EINVAL)")),
        },
        IP_MULTICAST_ALL | IP_RECVERR_RFC4884 => {
            let rule = if optname == IP_MULTICAST_ALL {
                NonEmpty
            } else {
                ZeroIsZero
            };
            match ip_int(optval, rule, ctx)? {
                0 => Ok(flag(false)),
                1 => Ok(flag(true)),
                _ => Err(ctx.invalid("value other than 0 or 1 (EINVAL)")),
            }
        }
        IP_FREEBIND | IP_TRANSPARENT | IP_MULTICAST_LOOP => {
            Ok(flag(ip_int(optval, NonEmpty, ctx)? != 0))
        }
        IP_PKTINFO
        | IP_RECVTTL
        | IP_RECVOPTS
        | IP_RECVTOS
        | IP_RETOPTS
        | IP_HDRINCL
        | IP_RECVERR
        | IP_ROUTER_ALERT
        | IP_PASSSEC
        | IP_NODEFRAG
        | IP_BIND_ADDRESS_NO_PORT
        | IP_RECVORIGDSTADDR
        | IP_CHECKSUM
        | IP_RECVFRAGSIZE => Ok(flag(ip_int(optval, ZeroIsZero, ctx)? != 0)),
        IP_UNICAST_IF => match optval {
            [a, b, c, d] => {
                let ifindex = i32::from_be_bytes([*a, *b, *c, *d]);
                u32::try_from(ifindex).map(SockOpt::UnicastIf).map_err(|_| {
                    ctx.invalid("negative interface index: no such device (EADDRNOTAVAIL)")
                })
            }
            _ => Err(ctx.bad_len(optval.len())),
        },
        IP_MULTICAST_IF => decode_multicast_if(optval, ctx),
        IP_MSFILTER => mcast::decode_ip_msfilter(optval, ctx),
        MCAST_JOIN_GROUP..=MCAST_MSFILTER => mcast::decode_mcast(IPPROTO_IP, optname, optval, ctx),
        IP_ADD_MEMBERSHIP | IP_DROP_MEMBERSHIP => {
            let op = if optname == IP_ADD_MEMBERSHIP {
                MembershipOp::Add
            } else {
                MembershipOp::Drop
            };
            let (mreqn, form) = if let Ok(m) = IpMreqn::ref_from_prefix(optval) {
                (*m, ArgForm::Mreqn)
            } else if let Ok(m) = IpMreq::ref_from_prefix(optval) {
                (IpMreqn::from(*m), ArgForm::Mreq)
            } else {
                return Err(ctx.bad_len(optval.len()));
            };
            let group = mreqn.group();
            if op == MembershipOp::Add && !group.is_multicast() {
                return Err(ctx.invalid("group is not a multicast address (EINVAL)"));
            }
            Ok(SockOpt::Membership {
                op,
                group,
                interface: McastInterface::from_mreqn(mreqn.address(), mreqn.ifindex(), ctx)?,
                form,
            })
        }
        IP_ADD_SOURCE_MEMBERSHIP
        | IP_DROP_SOURCE_MEMBERSHIP
        | IP_BLOCK_SOURCE
        | IP_UNBLOCK_SOURCE => {
            if optval.len() != IpMreqSource::LEN {
                return Err(ctx.bad_len(optval.len()));
            }
            let m = IpMreqSource::ref_from_prefix(optval)?;
            if !m.group().is_multicast() {
                return Err(ctx.invalid("group is not a multicast address (EINVAL)"));
            }
            let op = match optname {
                IP_ADD_SOURCE_MEMBERSHIP => SourceOp::AddMembership,
                IP_DROP_SOURCE_MEMBERSHIP => SourceOp::DropMembership,
                IP_BLOCK_SOURCE => SourceOp::Block,
                _ => SourceOp::Unblock,
            };
            Ok(SockOpt::SourceMembership {
                op,
                group: m.group(),
                interface: m.interface(),
                source: m.source(),
            })
        }
        _ => Ok(SockOpt::Other {
            level: IPPROTO_IP,
            optname,
            raw: optval,
        }),
    }
}

/// `IP_MULTICAST_IF`, following the three `optlen` branches of `do_ip_setsockopt`.
#[inline]
fn decode_multicast_if(optval: &[u8], ctx: Ctx) -> Result<SockOpt<'static>> {
    let (address, ifindex, form) = if let Ok(m) = IpMreqn::ref_from_prefix(optval) {
        (m.address(), m.ifindex(), ArgForm::Mreqn)
    } else if let Ok(m) = IpMreq::ref_from_prefix(optval) {
        // Copied over the first 8 bytes of an ip_mreqn: the second field lands in imr_address.
        (m.interface(), 0, ArgForm::Mreq)
    } else if let Ok(a) = InAddr::ref_from_prefix(optval) {
        (a.ip(), 0, ArgForm::InAddr)
    } else {
        return Err(ctx.bad_len(optval.len()));
    };
    Ok(SockOpt::MulticastIf {
        interface: McastInterface::from_mreqn(address, ifindex, ctx)?,
        form,
    })
}

impl<'a> SockOpt<'a> {
    /// The `(level, optname)` this option was set with.
    pub fn option_id(&self) -> OptionId {
        let (level, optname) = match *self {
            SockOpt::BindToDevice(_) => (SOL_SOCKET, SO_BINDTODEVICE),
            SockOpt::BindToIfindex(_) => (SOL_SOCKET, SO_BINDTOIFINDEX),
            SockOpt::Mark(_) => (SOL_SOCKET, SO_MARK),
            SockOpt::UnicastIf(_) => (IPPROTO_IP, IP_UNICAST_IF),
            SockOpt::MulticastIf { .. } => (IPPROTO_IP, IP_MULTICAST_IF),
            SockOpt::Membership {
                op: MembershipOp::Add,
                ..
            } => (IPPROTO_IP, IP_ADD_MEMBERSHIP),
            SockOpt::Membership {
                op: MembershipOp::Drop,
                ..
            } => (IPPROTO_IP, IP_DROP_MEMBERSHIP),
            SockOpt::SourceMembership { op, .. } => (IPPROTO_IP, op.optname()),
            SockOpt::Ttl(_) => (IPPROTO_IP, IP_TTL),
            SockOpt::MulticastTtl(_) => (IPPROTO_IP, IP_MULTICAST_TTL),
            SockOpt::Tos(_) => (IPPROTO_IP, IP_TOS),
            SockOpt::MtuDiscover(_) => (IPPROTO_IP, IP_MTU_DISCOVER),
            SockOpt::IpMsfilter(_) => (IPPROTO_IP, IP_MSFILTER),
            SockOpt::McastGroup { level, op, .. } => (level, op.mcast_optname()),
            SockOpt::McastSource { level, op, .. } => (level, op.mcast_optname()),
            SockOpt::McastMsfilter { level, .. } => (level, MCAST_MSFILTER),
            SockOpt::Ipv6UnicastIf(_) => (IPPROTO_IPV6, IPV6_UNICAST_IF),
            SockOpt::Ipv6MulticastIf(_) => (IPPROTO_IPV6, IPV6_MULTICAST_IF),
            SockOpt::Ipv6Membership { op, .. } => (IPPROTO_IPV6, op.ipv6_optname()),
            SockOpt::Ipv6PktInfo { .. } => (IPPROTO_IPV6, IPV6_PKTINFO),
            SockOpt::TrafficClass(_) => (IPPROTO_IPV6, IPV6_TCLASS),
            SockOpt::Ipv6MtuDiscover(_) => (IPPROTO_IPV6, IPV6_MTU_DISCOVER),
            SockOpt::UnicastHops(_) => (IPPROTO_IPV6, IPV6_UNICAST_HOPS),
            SockOpt::MulticastHops(_) => (IPPROTO_IPV6, IPV6_MULTICAST_HOPS),
            SockOpt::AddrPreferences(_) => (IPPROTO_IPV6, IPV6_ADDR_PREFERENCES),
            SockOpt::Flag { level, optname, .. }
            | SockOpt::Int { level, optname, .. }
            | SockOpt::Other { level, optname, .. } => (level, optname),
        };
        OptionId::new(level, optname)
    }

    /// The interface index this option names, if any; 0 ("unbind", "any") gives `None`.
    ///
    /// `SO_BINDTOIFINDEX`, `IP_UNICAST_IF`, `IP_MULTICAST_IF` / `IP_*_MEMBERSHIP` given an
    /// `ip_mreqn` with a non-zero `imr_ifindex`, `IPV6_UNICAST_IF`, `IPV6_MULTICAST_IF`,
    /// `IPV6_*_MEMBERSHIP`, the sticky `IPV6_PKTINFO`, and the `MCAST_*` options.
    #[inline]
    pub fn ifindex(&self) -> Option<u32> {
        let n = match *self {
            SockOpt::BindToIfindex(n)
            | SockOpt::UnicastIf(n)
            | SockOpt::Ipv6UnicastIf(n)
            | SockOpt::Ipv6MulticastIf(n)
            | SockOpt::Ipv6Membership { ifindex: n, .. }
            | SockOpt::McastGroup { ifindex: n, .. }
            | SockOpt::McastSource { ifindex: n, .. } => n,
            SockOpt::McastMsfilter { filter, .. } => filter.interface(),
            SockOpt::Ipv6PktInfo { ifindex, .. } => u32::try_from(ifindex).unwrap_or(0),
            SockOpt::MulticastIf { interface, .. } | SockOpt::Membership { interface, .. } => {
                return interface.ifindex()
            }
            _ => return None,
        };
        Some(n).filter(|&n| n != 0)
    }

    /// The interface name this option names (`SO_BINDTODEVICE` with a name).
    #[inline]
    pub fn ifname(&self) -> Option<IfName> {
        match *self {
            SockOpt::BindToDevice(name) => name,
            _ => None,
        }
    }

    /// Whether this option removes an interface binding: `SO_BINDTODEVICE` with an empty name,
    /// `SO_BINDTOIFINDEX`, `IP_UNICAST_IF`, `IPV6_UNICAST_IF` or `IPV6_MULTICAST_IF` with 0,
    /// `IP_MULTICAST_IF` with neither index nor address.
    pub fn unbinds(&self) -> bool {
        matches!(
            *self,
            SockOpt::BindToDevice(None)
                | SockOpt::BindToIfindex(0)
                | SockOpt::UnicastIf(0)
                | SockOpt::Ipv6UnicastIf(0)
                | SockOpt::Ipv6MulticastIf(0)
                | SockOpt::MulticastIf {
                    interface: McastInterface::Any,
                    ..
                }
        )
    }

    /// The IPv4 addresses in this option with their roles: group, interface address (when not
    /// `0.0.0.0`) and sources, in that order. [`SockOpt::ip_addresses`] gives the IPv6 ones too.
    pub fn addresses(&self) -> impl Iterator<Item = (AddrRole, Ipv4Addr)> + 'a {
        self.ip_addresses().filter_map(|(role, ip)| match ip {
            IpAddr::V4(v4) => Some((role, v4)),
            IpAddr::V6(_) => None,
        })
    }

    /// The IP addresses in this option with their roles: group, interface address (when not
    /// unspecified) and sources, in that order.
    ///
    /// ```
    /// use sockabi::sockopt::{decode, AddrRole, IPPROTO_IPV6, IPV6_PKTINFO};
    /// use sockabi::pktinfo::In6Pktinfo;
    /// use zerocopy::IntoBytes;
    ///
    /// let info = In6Pktinfo::new(2, "2001:db8::2".parse().unwrap());
    /// let opt = decode(IPPROTO_IPV6, IPV6_PKTINFO, info.as_bytes())?;
    /// let all: Vec<_> = opt.ip_addresses().collect();
    /// assert_eq!(all, [(AddrRole::Interface, "2001:db8::2".parse().unwrap())]);
    /// assert_eq!(opt.addresses().count(), 0); // IPv4 only
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    pub fn ip_addresses(&self) -> impl Iterator<Item = (AddrRole, IpAddr)> + 'a {
        let mut out: [Option<(AddrRole, IpAddr)>; 3] = [None; 3];
        let mut sources = Sources::None;
        let group = |ip: IpAddr| Some((AddrRole::Group, ip));
        let local = |ip: IpAddr| Some((AddrRole::Interface, ip)).filter(|_| !ip.is_unspecified());
        match *self {
            SockOpt::MulticastIf { interface, .. } => {
                out[1] = interface.address().and_then(|a| local(a.into()));
            }
            SockOpt::Membership {
                group: g,
                interface,
                ..
            } => {
                out[0] = group(g.into());
                out[1] = interface.address().and_then(|a| local(a.into()));
            }
            SockOpt::SourceMembership {
                group: g,
                interface,
                source,
                ..
            } => {
                out[0] = group(g.into());
                out[1] = local(interface.into());
                out[2] = Some((AddrRole::Source, source.into()));
            }
            SockOpt::IpMsfilter(f) => {
                out[0] = group(f.group().into());
                out[1] = local(f.interface().into());
                sources = Sources::In(f.sources.iter());
            }
            SockOpt::McastGroup { group: g, .. } => out[0] = group(g),
            SockOpt::Ipv6Membership { group: g, .. } => out[0] = group(g.into()),
            SockOpt::McastSource {
                group: g, source, ..
            } => {
                out[0] = group(g);
                out[2] = Some((AddrRole::Source, source));
            }
            SockOpt::McastMsfilter { filter, .. } => {
                out[0] = filter.group().ip().and_then(group);
                sources = Sources::Storage(filter.sources.iter());
            }
            SockOpt::Ipv6PktInfo { addr, .. } => out[1] = local(addr.into()),
            _ => {}
        }
        out.into_iter().flatten().chain(sources)
    }

    /// Bytes [`SockOpt::emit`] writes.
    pub fn buffer_len(&self) -> usize {
        match *self {
            SockOpt::BindToDevice(None) => 0,
            SockOpt::BindToDevice(Some(_)) => IFNAMSIZ,
            SockOpt::MulticastIf { form, .. } | SockOpt::Membership { form, .. } => form.byte_len(),
            SockOpt::SourceMembership { .. } => IpMreqSource::LEN,
            SockOpt::IpMsfilter(f) => f.byte_len(),
            SockOpt::McastGroup { .. } => crate::group::GroupReq::LEN,
            SockOpt::McastSource { .. } => crate::group::GroupSourceReq::LEN,
            SockOpt::McastMsfilter { filter, .. } => filter.byte_len(),
            SockOpt::Ipv6Membership { .. } => crate::mreq::Ipv6Mreq::LEN,
            SockOpt::Ipv6PktInfo { .. } => crate::pktinfo::In6Pktinfo::LEN,
            SockOpt::Other { raw, .. } => raw.len(),
            _ => 4,
        }
    }

    /// Writes an `optval` that [`decode`] turns back into this option; returns its length.
    ///
    /// Integers are written as a native-endian `int` (4 bytes), `SO_BINDTODEVICE` as a
    /// NUL-padded `IFNAMSIZ` buffer (or nothing, to unbind), multicast options in their
    /// [`ArgForm`] or as the structure they were decoded from.
    ///
    /// ```
    /// use sockabi::sockopt::{decode, SockOpt, IPPROTO_IP, IP_UNICAST_IF};
    ///
    /// let mut buf = [0u8; 4];
    /// let n = SockOpt::UnicastIf(7).emit(&mut buf)?;
    /// assert_eq!(buf, [0, 0, 0, 7]); // network byte order
    /// assert_eq!(decode(IPPROTO_IP, IP_UNICAST_IF, &buf[..n])?, SockOpt::UnicastIf(7));
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let what = "socket option value";
        let int = |v: i32, buf: &mut [u8]| emit_bytes(&v.to_ne_bytes(), buf, what);
        // An index above i32::MAX cannot come from `decode`; saturate rather than wrap.
        let index = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
        match *self {
            SockOpt::BindToDevice(None) => Ok(0),
            SockOpt::BindToDevice(Some(name)) => emit_bytes(&name.to_c_buffer(), buf, what),
            SockOpt::BindToIfindex(n) => int(n as i32, buf),
            SockOpt::Mark(m) => int(m as i32, buf),
            SockOpt::UnicastIf(n) | SockOpt::Ipv6UnicastIf(n) => {
                emit_bytes(&n.to_be_bytes(), buf, what)
            }
            SockOpt::MulticastIf { interface, form } => {
                let (address, ifindex) = interface.to_fields();
                match form {
                    ArgForm::Mreqn => {
                        IpMreqn::new(Ipv4Addr::UNSPECIFIED, address, ifindex).emit(buf)
                    }
                    _ if ifindex != 0 => Err(Error::Invalid {
                        what: "IP_MULTICAST_IF",
                        reason: "an interface index needs the ip_mreqn form",
                    }),
                    ArgForm::Mreq => IpMreq::new(Ipv4Addr::UNSPECIFIED, address).emit(buf),
                    ArgForm::InAddr => InAddr::from(address).emit(buf),
                }
            }
            SockOpt::Membership {
                group,
                interface,
                form,
                ..
            } => {
                let (address, ifindex) = interface.to_fields();
                match form {
                    ArgForm::Mreqn => IpMreqn::new(group, address, ifindex).emit(buf),
                    ArgForm::Mreq if ifindex == 0 => IpMreq::new(group, address).emit(buf),
                    _ => Err(Error::Invalid {
                        what: "IP_ADD_MEMBERSHIP/IP_DROP_MEMBERSHIP",
                        reason: "only ip_mreq or ip_mreqn can express this interface",
                    }),
                }
            }
            SockOpt::SourceMembership {
                group,
                interface,
                source,
                ..
            } => IpMreqSource::new(group, interface, source).emit(buf),
            SockOpt::IpMsfilter(f) => f.emit_to(buf),
            SockOpt::McastGroup { ifindex, group, .. } => {
                crate::group::GroupReq::new(ifindex, (group, 0).into()).emit(buf)
            }
            SockOpt::McastSource {
                ifindex,
                group,
                source,
                ..
            } => crate::group::GroupSourceReq::new(ifindex, (group, 0).into(), (source, 0).into())
                .emit(buf),
            SockOpt::McastMsfilter { filter, .. } => filter.emit_to(buf),
            SockOpt::Ipv6MulticastIf(n) => int(index(n), buf),
            SockOpt::Ipv6Membership { group, ifindex, .. } => {
                crate::mreq::Ipv6Mreq::new(group, index(ifindex)).emit(buf)
            }
            SockOpt::Ipv6PktInfo { ifindex, addr } => {
                crate::pktinfo::In6Pktinfo::new(ifindex, addr).emit(buf)
            }
            SockOpt::Ttl(t)
            | SockOpt::MulticastTtl(t)
            | SockOpt::TrafficClass(t)
            | SockOpt::UnicastHops(t)
            | SockOpt::MulticastHops(t) => int(t.map_or(-1, i32::from), buf),
            SockOpt::Tos(t) => int(i32::from(t), buf),
            SockOpt::MtuDiscover(m) | SockOpt::Ipv6MtuDiscover(m) => int(m.value(), buf),
            SockOpt::AddrPreferences(p) => int(p.bits() as i32, buf),
            SockOpt::Flag { on, .. } => int(i32::from(on), buf),
            SockOpt::Int { value, .. } => int(value, buf),
            SockOpt::Other { raw, .. } => emit_bytes(raw, buf, what),
        }
    }
}

/// The source list of a filter option, as `(AddrRole::Source, address)` items.
enum Sources<'a> {
    None,
    In(core::slice::Iter<'a, InAddr>),
    Storage(core::slice::Iter<'a, crate::SockaddrStorage>),
}

impl Iterator for Sources<'_> {
    type Item = (AddrRole, IpAddr);

    fn next(&mut self) -> Option<Self::Item> {
        let ip = match self {
            Sources::None => None,
            Sources::In(it) => it.next().map(|a| IpAddr::V4(a.ip())),
            // A source of another family has no IP address: skipped, the walk goes on.
            Sources::Storage(it) => it.by_ref().find_map(|ss| ss.addr().ip()),
        };
        ip.map(|ip| (AddrRole::Source, ip))
    }
}

/// `default` for -1, the number otherwise.
struct OrDefault(Option<u8>, &'static str);

impl fmt::Display for OrDefault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(v) => write!(f, "{v}"),
            None => write!(f, "-1 ({})", self.1),
        }
    }
}

/// A one-line human form: `SO_BINDTODEVICE "eth1"`,
/// `IP_ADD_MEMBERSHIP group=239.1.2.3 ifindex=3`, `IP_PKTINFO on`, `IP_TTL 64`,
/// `IPV6_UNICAST_IF ifindex=2`, `MCAST_JOIN_GROUP group=ff05::1:3 ifindex=2`, ...
impl fmt::Display for SockOpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.option_id())?;
        match *self {
            SockOpt::BindToDevice(Some(name)) => write!(f, "\"{name}\""),
            SockOpt::BindToDevice(None) => f.write_str("\"\" (unbind)"),
            SockOpt::BindToIfindex(0)
            | SockOpt::UnicastIf(0)
            | SockOpt::Ipv6UnicastIf(0)
            | SockOpt::Ipv6MulticastIf(0) => f.write_str("0 (unbind)"),
            SockOpt::BindToIfindex(n)
            | SockOpt::UnicastIf(n)
            | SockOpt::Ipv6UnicastIf(n)
            | SockOpt::Ipv6MulticastIf(n) => write!(f, "ifindex={n}"),
            SockOpt::Mark(m) => write!(f, "{m:#x}"),
            SockOpt::MulticastIf { interface, .. } => write!(f, "{interface}"),
            SockOpt::Membership {
                group, interface, ..
            } => write!(f, "group={group} {interface}"),
            SockOpt::SourceMembership {
                group,
                interface,
                source,
                ..
            } => write!(f, "group={group} interface={interface} source={source}"),
            SockOpt::IpMsfilter(filter) => write!(f, "{filter}"),
            SockOpt::McastGroup { ifindex, group, .. } => {
                write!(f, "group={group} ifindex={ifindex}")
            }
            SockOpt::Ipv6Membership { ifindex, group, .. } => {
                write!(f, "group={group} ifindex={ifindex}")
            }
            SockOpt::McastSource {
                ifindex,
                group,
                source,
                ..
            } => write!(f, "group={group} source={source} ifindex={ifindex}"),
            SockOpt::McastMsfilter { filter, .. } => write!(f, "{filter}"),
            SockOpt::Ipv6PktInfo { ifindex, addr } => write!(f, "ifindex={ifindex} addr={addr}"),
            SockOpt::Ttl(t) => write!(f, "{}", OrDefault(t, "default")),
            SockOpt::MulticastTtl(t) | SockOpt::MulticastHops(t) => {
                write!(f, "{}", OrDefault(t, "default, 1"))
            }
            SockOpt::TrafficClass(Some(t)) => write!(f, "{t:#04x}"),
            SockOpt::TrafficClass(None) => write!(f, "{}", OrDefault(None, "default, 0")),
            SockOpt::UnicastHops(t) => write!(f, "{}", OrDefault(t, "route default")),
            SockOpt::Tos(t) => write!(f, "{t:#04x}"),
            SockOpt::MtuDiscover(m) => write!(f, "{m}"),
            SockOpt::Ipv6MtuDiscover(m) => f.write_str(m.name6()),
            SockOpt::AddrPreferences(p) => write!(f, "{p}"),
            SockOpt::Flag { on, .. } => f.write_str(if on { "on" } else { "off" }),
            SockOpt::Int { value, .. } => write!(f, "{value}"),
            SockOpt::Other { raw, .. } => write!(f, "({} bytes)", raw.len()),
        }
    }
}

#[cfg(test)]
mod tests;
