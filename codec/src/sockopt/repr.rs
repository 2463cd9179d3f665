//! What a decoded [`SockOpt`] says: its option, interface and addresses, the `optval` that
//! gives it back ([`SockOpt::emit`]), and its one-line display.

use core::fmt;
use core::net::{IpAddr, Ipv4Addr};

use super::*;
use crate::addr::emit_bytes;
use crate::mreq::{IpMreq, IpMreqSource, IpMreqn};
use crate::{Error, IfName, InAddr, Result, IFNAMSIZ};

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
        let nonzero = |n: u32| Some(n).filter(|&n| n != 0);
        match *self {
            SockOpt::BindToIfindex(n)
            | SockOpt::UnicastIf(n)
            | SockOpt::Ipv6UnicastIf(n)
            | SockOpt::Ipv6MulticastIf(n)
            | SockOpt::Ipv6Membership { ifindex: n, .. }
            | SockOpt::McastGroup { ifindex: n, .. }
            | SockOpt::McastSource { ifindex: n, .. } => nonzero(n),
            SockOpt::McastMsfilter { filter, .. } => nonzero(filter.interface()),
            SockOpt::Ipv6PktInfo { ifindex, .. } => u32::try_from(ifindex).ok().and_then(nonzero),
            SockOpt::MulticastIf { interface, .. } | SockOpt::Membership { interface, .. } => {
                interface.ifindex()
            }
            _ => None,
        }
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
