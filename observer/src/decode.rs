//! From raw ring-buffer records to reports: decode the captured ABI bytes with `sockabi`,
//! name errnos, resolve ifindexes in the event's own network namespace, and group route
//! lookups into decisions.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use serde::Serialize;
use sockabi::event::{
    CmsgDirection, CmsgEvent, Event, EventHeader, IoctlEvent, Route6Event, RouteContext,
    RouteEvent, SockoptEvent,
};
use sockabi::sockopt::{self, AddrRole};

pub use crate::enrich::attribution::Attribution;
use crate::enrich::attribution::Attributions;
use crate::enrich::container::Cgroups;
use crate::enrich::errno;
use crate::enrich::intern::Interner;
use crate::enrich::name::Name;
use crate::enrich::netns::{IfNames, NetnsNames};
use crate::enrich::tables::TableNames;
use crate::policy::{self, Policy};
use crate::route::{Family, Finished, Lookup, RouteDecision, RouteGrouper};
use crate::sys::netns::Task;
use crate::trace::FlowFields;

/// Whose event it is: a task's own call, or the kernel's work in a softirq.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Context {
    /// A task made the call or the lookup for itself (its pid, tid and comm are given).
    Task,
    /// The kernel made the route lookup while serving a softirq (receiving or forwarding a
    /// packet, a timer): no task made it, whichever one was interrupted.
    Softirq,
}

/// Who did it, where and when: the fields every report has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// Monotonic time of the event, nanoseconds since boot.
    pub ts_ns: u64,
    /// A task's own event, or the kernel's in a softirq.
    pub context: Context,
    /// Process id (thread group); `None` in a softirq.
    pub pid: Option<u32>,
    /// Thread id; `None` in a softirq.
    pub tid: Option<u32>,
    /// Task name; `None` in a softirq.
    pub comm: Option<Name>,
    /// Network namespace inode (0: unknown): the task's, and for a route decision the one
    /// whose FIB was consulted.
    pub netns: u32,
    /// That namespace's name and, for a task's event, its cgroup and container.
    #[serde(flatten)]
    pub attribution: Attribution,
}

impl Origin {
    /// The origin of a task's event; `comms` shares the task's name.
    fn of(h: &EventHeader, comms: &mut Interner) -> Self {
        Origin {
            ts_ns: h.ts_ns.get(),
            context: Context::Task,
            pid: Some(h.pid.get()),
            tid: Some(h.tid.get()),
            comm: Some(comms.get(&h.comm)),
            netns: h.netns.get(),
            attribution: Attribution::default(),
        }
    }

    /// The origin of a route decision: its first lookup's time and context, and the
    /// namespace `netns` (the FIB's).
    fn of_route(first: &impl Lookup, netns: u32, comms: &mut Interner) -> Self {
        match RouteContext::from_u8(first.whose().0) {
            Some(RouteContext::Softirq) => Origin {
                ts_ns: first.header().ts_ns.get(),
                context: Context::Softirq,
                pid: None,
                tid: None,
                comm: None,
                netns,
                attribution: Attribution::default(),
            },
            _ => Origin {
                netns,
                ..Origin::of(first.header(), comms)
            },
        }
    }
}

fn task_of(h: &EventHeader) -> Task {
    Task {
        pid: h.pid.get(),
        tid: h.tid.get(),
    }
}

/// One decoded event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Who, where, when.
    #[serde(flatten)]
    pub origin: Origin,
    /// What.
    #[serde(flatten)]
    pub body: Body,
}

impl Report {
    /// The `setsockopt` part, if this is one.
    pub fn sockopt(&self) -> Option<&SockoptReport> {
        match &self.body {
            Body::Sockopt(s) => Some(s),
            _ => None,
        }
    }

    /// The route decision, if this is one.
    pub fn route(&self) -> Option<&RouteDecision> {
        match &self.body {
            Body::Route(d) => Some(d),
            _ => None,
        }
    }

    /// The ioctl part, if this is one.
    pub fn ioctl(&self) -> Option<&IoctlReport> {
        match &self.body {
            Body::Ioctl(i) => Some(i),
            _ => None,
        }
    }

    /// The control-data part, if this is one.
    pub fn cmsg(&self) -> Option<&CmsgReport> {
        match &self.body {
            Body::Cmsg(c) => Some(c),
            _ => None,
        }
    }
}

/// The event-specific part; its JSON `type` is the variant name in lower case.
// The route variant is the largest and by far the most frequent (its first table lookup is
// inline): boxing it would cost the allocation per event that keeping it inline saves.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Body {
    /// A traced `setsockopt`.
    Sockopt(SockoptReport),
    /// A whole route decision.
    Route(RouteDecision),
    /// A netdevice ioctl.
    Ioctl(IoctlReport),
    /// Control data of a send or an error-queue read.
    Cmsg(CmsgReport),
}

/// `setsockopt(fd, level, optname, ...) = ret`, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SockoptReport {
    /// The socket.
    pub fd: i32,
    /// `SOL_SOCKET`, `IPPROTO_IP`, or the number.
    pub level: String,
    /// `SO_BINDTODEVICE`, ..., or the number.
    pub optname: String,
    /// `optlen` as passed.
    pub optlen: i32,
    /// 0 or -1 (errno in `errno`).
    pub ret: i64,
    /// The errno name when the call failed.
    pub errno: Option<String>,
    /// The decoded value, as `sockabi` prints it (e.g. `"eth1"`, `group=239.1.2.3 ifindex=3`).
    pub value: String,
    /// The interface name the option names (SO_BINDTODEVICE), or the resolved name of
    /// `ifindex`.
    pub ifname: Option<Name>,
    /// The interface index the option names, if any.
    pub ifindex: Option<u32>,
    /// The multicast group, if any.
    pub multiaddr: Option<IpAddr>,
    /// The local interface address, if any.
    pub address: Option<IpAddr>,
    /// The multicast source, if any.
    pub source: Option<IpAddr>,
    /// The option unbinds (empty name, index 0).
    pub unbind: bool,
    /// Why the value could not be decoded (the kernel would have said EINVAL too, mostly).
    pub decode_error: Option<String>,
}

/// A netdevice ioctl, decoded from the `struct ifreq` after the call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IoctlReport {
    /// The file descriptor.
    pub fd: i32,
    /// `SIOCGIFINDEX`, ..., or the number in hex.
    pub request: String,
    /// 0 or -1.
    pub ret: i64,
    /// The errno name when the call failed.
    pub errno: Option<String>,
    /// `ifr_name`.
    pub ifname: Option<Name>,
    /// The decoded union member (e.g. `ifindex=3`).
    pub value: String,
    /// Why the argument could not be decoded.
    pub decode_error: Option<String>,
}

/// Control data of `sendmsg` or `recvmsg(MSG_ERRQUEUE)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CmsgReport {
    /// The socket.
    pub fd: i32,
    /// `send` or `errqueue`.
    pub direction: &'static str,
    /// Bytes sent/read, or -1.
    pub ret: i64,
    /// The errno name when the call failed.
    pub errno: Option<String>,
    /// `msg_name`: destination of a send, origin of an error report.
    pub address: Option<SocketAddr>,
    /// The control messages, in order.
    pub messages: Vec<ControlMessage>,
}

/// One control message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "cmsg", rename_all = "snake_case")]
pub enum ControlMessage {
    /// `IP_PKTINFO`: interface and source chosen per packet.
    Pktinfo {
        /// `ipi_ifindex` (0: let routing choose).
        ifindex: i32,
        /// Its name in the event's namespace.
        ifname: Option<Name>,
        /// `ipi_spec_dst`: the source address to use.
        spec_dst: Ipv4Addr,
        /// `ipi_addr`.
        addr: Ipv4Addr,
    },
    /// `IPV6_PKTINFO`: interface and source (on send) or destination (on receive).
    Pktinfo6 {
        /// `ipi6_ifindex` (0: let routing choose).
        ifindex: i32,
        /// Its name in the event's namespace.
        ifname: Option<Name>,
        /// `ipi6_addr`.
        addr: Ipv6Addr,
    },
    /// `IP_RECVERR` or `IPV6_RECVERR`: an extended error report.
    Recverr {
        /// `IPPROTO_IP` (`IP_RECVERR`) or `IPPROTO_IPV6` (`IPV6_RECVERR`).
        level: &'static str,
        /// `ee_errno` name.
        errno: String,
        /// `ee_origin` (`local`, `icmp`, ...).
        origin: String,
        /// `ee_type` (ICMP type for ICMP errors).
        icmp_type: u8,
        /// `ee_code`.
        icmp_code: u8,
        /// `ee_info` (the MTU for EMSGSIZE).
        info: u32,
        /// `ee_data`.
        data: u32,
        /// The offender (the node that reported the error); `None` for local errors.
        offender: Option<IpAddr>,
    },
    /// `IPV6_HOPLIMIT`.
    HopLimit {
        /// The hop limit (-1: the default).
        hop_limit: i32,
    },
    /// `IPV6_TCLASS`.
    Tclass {
        /// The traffic class (-1: 0).
        tclass: i32,
    },
    /// `IP_TTL`.
    Ttl {
        /// The TTL.
        ttl: i32,
    },
    /// `IP_TOS`.
    Tos {
        /// The TOS byte.
        tos: u8,
    },
    /// Anything else, or a malformed message.
    Other {
        /// Short description (level/type, or what was wrong).
        what: String,
    },
}

/// Decodes records and keeps the state that needs (interface names, pending route lookups).
#[derive(Default)]
pub struct Decoder {
    names: IfNames,
    routes: RouteGrouper<RouteEvent>,
    routes6: RouteGrouper<Route6Event>,
    tables: TableNames,
    /// Task and device names, shared between the reports that name them.
    comms: Interner,
    devices: Interner,
    fields: FlowFields,
    fields6: FlowFields,
    /// Each namespace's policy rules, to name the rule behind every table lookup.
    policy: Policy,
    /// The last namespace's IPv4 and IPv6 rule profiles, with the event time each was taken
    /// at: events come by the hundred thousand a second, mostly from one namespace at a time,
    /// and asking the policy costs a hash and two clock reads.
    profiles: [Option<(u32, u64, Option<policy::Profile>)>; 2],
    /// Names of namespaces (`/run/netns`).
    netns_names: NetnsNames,
    /// Cgroup ids to containers.
    cgroups: Cgroups,
    /// The last (namespace, cgroup) attributed, and its attribution.
    last_attribution: Option<(u32, u32, Attribution)>,
    /// One attribution per namespace name and cgroup.
    attributions: Attributions,
}

impl Decoder {
    /// A decoder for IPv4 and IPv6 route events that carry `fields` and `fields6` (see
    /// [`Tracer::flow_fields`](crate::Tracer::flow_fields)).
    pub fn new(fields: FlowFields, fields6: FlowFields) -> Self {
        Decoder {
            fields,
            fields6,
            policy: Policy::new().refreshing_every(policy::REFRESH),
            ..Decoder::default()
        }
    }

    /// Decodes one ring-buffer record; route lookups may complete zero, one or two decisions.
    pub fn record(&mut self, bytes: &[u8], out: &mut Vec<Report>) {
        match Event::parse(bytes) {
            Ok(Event::Sockopt(e)) => {
                let mut report = self.sockopt(e);
                self.attribute(&mut report.origin, e.header.cgroup.get());
                out.push(report);
            }
            Ok(Event::Ioctl(e)) => {
                let mut report = self.ioctl(e);
                self.attribute(&mut report.origin, e.header.cgroup.get());
                out.push(report);
            }
            Ok(Event::Cmsg(e)) => {
                let mut report = self.cmsg(e);
                self.attribute(&mut report.origin, e.header.cgroup.get());
                out.push(report);
            }
            Ok(Event::Route(e)) => {
                // Where a rule can refuse a table's route, a hit may not end the decision.
                let netns = e.header.netns.get();
                let hold_hits = netns != 0
                    && self
                        .profile(netns, e.header.ts_ns.get(), false)
                        .is_some_and(|profile| profile.may_suppress);
                // Out of `self` while it hands decisions on, which `self.route` reports.
                let mut routes = std::mem::take(&mut self.routes);
                routes.push(e, hold_hits, |finished| {
                    out.push(self.route(finished, self.fields));
                });
                self.routes = routes;
            }
            Ok(Event::Route6(e)) => {
                let netns = e.header.netns.get();
                let hold_hits = netns != 0
                    && self
                        .profile(netns, e.header.ts_ns.get(), true)
                        .is_some_and(|profile| profile.may_suppress);
                let mut routes = std::mem::take(&mut self.routes6);
                routes.push(e, hold_hits, |finished| {
                    out.push(self.route(finished, self.fields6));
                });
                self.routes6 = routes;
            }
            Err(err) => log::warn!("undecodable record ({} bytes): {err}", bytes.len()),
        }
    }

    /// Completes route decisions idle for `idle_ns` at monotonic time `now_ns` (0: all).
    pub fn flush_routes(&mut self, now_ns: u64, idle_ns: u64, out: &mut Vec<Report>) {
        for finished in self.routes.flush_idle(now_ns, idle_ns) {
            out.push(self.route(&finished, self.fields));
        }
        for finished in self.routes6.flush_idle(now_ns, idle_ns) {
            out.push(self.route(&finished, self.fields6));
        }
    }

    /// Closes the policy room's sockets in namespaces that were deleted or are idle (see
    /// [`Policy::let_go`]): call it on every poll, whether records came or not, so that a
    /// deleted namespace is not kept alive until the next lookup.
    pub fn let_go(&mut self) {
        self.policy.let_go();
    }

    /// Namespace `netns`'s IPv4 (or, with `ipv6`, IPv6) rule profile as of event time
    /// `ts_ns`: the last one asked for, if it is of the same namespace and family and at most
    /// [`policy::REFRESH`] older.
    fn profile(&mut self, netns: u32, ts_ns: u64, ipv6: bool) -> Option<policy::Profile> {
        let fresh = policy::REFRESH.as_nanos() as u64;
        match self.profiles[usize::from(ipv6)] {
            Some((ns, at, profile)) if ns == netns && ts_ns.wrapping_sub(at) < fresh => profile,
            _ => {
                let profile = match ipv6 {
                    true => self.policy.profile6(netns),
                    false => self.policy.profile(netns),
                };
                self.profiles[usize::from(ipv6)] = Some((netns, ts_ns, profile));
                profile
            }
        }
    }

    fn route<L: Lookup>(&mut self, finished: &Finished<L>, fields: FlowFields) -> Report {
        // Names are resolved in the namespace whose FIB was consulted (the task, if the
        // lookup was its own, helps find that namespace's file).
        let named = finished.namespace_event().header();
        let (netns, task) = (named.netns.get(), task_of(named));
        let ipv6 = L::FAMILY == Family::Inet6;
        let at = finished.last.header().ts_ns.get();
        let walk = match finished.flow_keys(fields) {
            _ if netns == 0 => None,
            // Only the default rules: the kernel consulted none (and there are many such
            // decisions: skip the walk).
            _ if self.profile(netns, at, ipv6).is_some_and(|p| !p.custom) => None,
            // An IPv4 address-type check (`inet_addr_type()`: no input interface) looks the
            // local table up directly, without consulting any rule.
            Some(flow) if flow.iif == 0 && !ipv6 => None,
            // Walked with the rules in force when the decision was made.
            Some(flow) => Some(self.policy.attribute_at(
                netns,
                finished.first.header().ts_ns.get(),
                &flow,
                &finished.lookups,
            )),
            None => None,
        };
        let names = &mut self.names;
        let decision = finished.decision(
            &self.tables,
            &mut self.devices,
            fields,
            walk.as_ref(),
            |ifindex| names.name(netns, task, ifindex, at),
        );
        let mut report = Report {
            origin: Origin::of_route(&finished.first, netns, &mut self.comms),
            body: Body::Route(decision),
        };
        // A softirq lookup's header carries no cgroup: it gets the namespace's name only.
        self.attribute(&mut report.origin, finished.first.header().cgroup.get());
        report
    }

    /// Gives `origin` its namespace's name and, for a task's event, the cgroup `cgroup` and its
    /// container, in place. Events come by the hundred thousand a second, mostly from one
    /// namespace and cgroup at a time: the last answer is kept.
    fn attribute(&mut self, origin: &mut Origin, cgroup: u32) {
        let cgroup = if origin.context == Context::Task {
            cgroup
        } else {
            0
        };
        if let Some((netns, id, attribution)) = &self.last_attribution {
            if *netns == origin.netns && *id == cgroup {
                origin.attribution = attribution.clone();
                return;
            }
        }
        let name = match origin.netns {
            0 => None,
            netns => self.netns_names.name(netns),
        };
        let container = match cgroup {
            0 => None,
            id => self.cgroups.get(id),
        };
        // A cgroup not found yet is looked for again by its next event.
        let settled = cgroup == 0 || container.is_some();
        origin.attribution = self.attributions.get(name, container);
        self.last_attribution = settled.then(|| (origin.netns, cgroup, origin.attribution.clone()));
    }

    /// The name of interface `index` in the namespace of the task whose syscall `header`
    /// describes, as of the event.
    fn ifname(&mut self, header: &EventHeader, index: i32) -> Option<Name> {
        let (netns, task, at) = (header.netns.get(), task_of(header), header.ts_ns.get());
        self.names.name(netns, task, index, at)
    }

    fn sockopt(&mut self, e: &SockoptEvent) -> Report {
        let (level, optname) = (e.level.get(), e.optname.get());
        let ret = e.ret.get();
        let mut report = SockoptReport {
            fd: e.fd.get(),
            level: sockopt::level_name(level).map_or_else(|| level.to_string(), str::to_string),
            optname: sockopt::option_name(level, optname)
                .map_or_else(|| optname.to_string(), str::to_string),
            optlen: e.optlen.get(),
            ret: ret.clamp(-1, 0),
            errno: (ret < 0).then(|| errno::describe(ret).into_owned()),
            value: String::new(),
            ifname: None,
            ifindex: None,
            multiaddr: None,
            address: None,
            source: None,
            unbind: false,
            decode_error: None,
        };
        let captured = e.optval();
        if e.capture_failed.get() != 0 {
            report.decode_error =
                Some("optval was not readable (bad pointer or page not present)".into());
        } else if captured.len() < usize::try_from(e.optlen.get()).unwrap_or(0)
            && captured.len() < e.optval.len()
        {
            report.decode_error = Some("optval only partly captured".into());
        }
        match sockopt::decode(level, optname, captured) {
            Ok(value) => {
                report.value = value.to_string();
                report.unbind = value.unbinds();
                report.ifindex = value.ifindex();
                report.ifname = value.ifname().map(|n| Name::shared_bytes(n.as_bytes()));
                if report.ifname.is_none() {
                    if let Some(index) = report.ifindex.and_then(|i| i32::try_from(i).ok()) {
                        report.ifname = self.ifname(&e.header, index);
                    }
                }
                for (role, addr) in value.ip_addresses() {
                    match role {
                        AddrRole::Group => report.multiaddr = Some(addr),
                        AddrRole::Interface => report.address = Some(addr),
                        AddrRole::Source => report.source = Some(addr),
                    }
                }
            }
            Err(err) if report.decode_error.is_none() => {
                report.decode_error = Some(err.to_string())
            }
            Err(_) => {}
        }
        Report {
            origin: Origin::of(&e.header, &mut self.comms),
            body: Body::Sockopt(report),
        }
    }

    fn ioctl(&mut self, e: &IoctlEvent) -> Report {
        let request = e.request.get();
        let ret = e.ret.get();
        let mut report = IoctlReport {
            fd: e.fd.get(),
            request: sockabi::ifreq::ioctl_name(request)
                .map_or_else(|| format!("{request:#x}"), str::to_string),
            ret: ret.clamp(-1, 0),
            errno: (ret < 0).then(|| errno::describe(ret).into_owned()),
            ifname: None,
            value: String::new(),
            decode_error: None,
        };
        if e.capture_failed.get() != 0 {
            report.decode_error = Some("the argument was not readable".into());
        }
        if let Some(in6) = in6_ifreq(request, e.arg()) {
            let index = in6.value.ifindex();
            report.ifname = self.ifname(&e.header, index);
            report.value = in6.to_string();
            return Report {
                origin: Origin::of(&e.header, &mut self.comms),
                body: Body::Ioctl(report),
            };
        }
        match sockabi::ifreq::decode(request, e.arg()) {
            Ok(decoded) => {
                report.ifname = match &decoded.value {
                    // SIOCGIFNAME's answer is the name.
                    sockabi::ifreq::IfreqValue::IndexToName { name, .. } => {
                        Some(Name::shared_bytes(name.as_bytes())).filter(|n| !n.is_empty())
                    }
                    _ => decoded.name.map(|n| Name::shared_bytes(n.as_bytes())),
                };
                report.value = decoded.to_string();
            }
            Err(err) if report.decode_error.is_none() => {
                report.decode_error = Some(err.to_string())
            }
            Err(_) => {}
        }
        Report {
            origin: Origin::of(&e.header, &mut self.comms),
            body: Body::Ioctl(report),
        }
    }

    fn cmsg(&mut self, e: &CmsgEvent) -> Report {
        let ret = e.ret.get();
        let direction = CmsgDirection::from_u32(e.direction.get());
        // `msg_name` by its family: an IPv4 or an IPv6 socket's.
        let name = e.name();
        let address = match name.get(..2).map(|f| u16::from_ne_bytes([f[0], f[1]])) {
            Some(AF_INET6) => sockabi::SockaddrIn6::ref_from_prefix(name)
                .ok()
                .and_then(|s| s.socket_addr().ok())
                .map(SocketAddr::V6),
            _ => sockabi::SockaddrIn::ref_from_prefix(name)
                .ok()
                .and_then(|s| s.socket_addr().ok())
                .map(SocketAddr::V4),
        };
        let mut messages = Vec::new();
        for item in sockabi::cmsg::cmsgs(e.control()) {
            messages.push(match item {
                Ok(sockabi::cmsg::Cmsg::PktInfo(info)) => ControlMessage::Pktinfo {
                    ifindex: info.ifindex(),
                    ifname: self.ifname(&e.header, info.ifindex()),
                    spec_dst: info.spec_dst(),
                    addr: info.addr(),
                },
                Ok(sockabi::cmsg::Cmsg::RecvErr(err)) => ControlMessage::Recverr {
                    level: "IPPROTO_IP",
                    errno: errno::describe(-i64::from(err.ee.errno())).into_owned(),
                    origin: err.ee.origin().to_string(),
                    icmp_type: err.ee.ee_type,
                    icmp_code: err.ee.ee_code,
                    info: err.ee.info(),
                    data: err.ee.data(),
                    offender: err.offender().map(|o| IpAddr::V4(*o.ip())),
                },
                Ok(sockabi::cmsg::Cmsg::PktInfo6(info)) => ControlMessage::Pktinfo6 {
                    ifindex: info.ifindex(),
                    ifname: self.ifname(&e.header, info.ifindex()),
                    addr: info.addr(),
                },
                Ok(sockabi::cmsg::Cmsg::RecvErr6(err)) => ControlMessage::Recverr {
                    level: "IPPROTO_IPV6",
                    errno: errno::describe(-i64::from(err.ee.errno())).into_owned(),
                    origin: err.ee.origin().to_string(),
                    icmp_type: err.ee.ee_type,
                    icmp_code: err.ee.ee_code,
                    info: err.ee.info(),
                    data: err.ee.data(),
                    offender: err.offender().map(|o| IpAddr::V6(*o.ip())),
                },
                Ok(sockabi::cmsg::Cmsg::HopLimit(hop_limit)) => {
                    ControlMessage::HopLimit { hop_limit }
                }
                Ok(sockabi::cmsg::Cmsg::TrafficClass(tclass)) => ControlMessage::Tclass { tclass },
                Ok(sockabi::cmsg::Cmsg::Ttl(ttl)) => ControlMessage::Ttl { ttl },
                Ok(sockabi::cmsg::Cmsg::Tos(tos)) => ControlMessage::Tos { tos },
                Ok(other) => ControlMessage::Other {
                    what: format!("{other:?}"),
                },
                Err(err) => ControlMessage::Other {
                    what: err.to_string(),
                },
            });
        }
        if e.controllen.get() as usize > e.control().len() {
            messages.push(ControlMessage::Other {
                what: format!(
                    "control data truncated: {} of {} bytes captured",
                    e.control().len(),
                    e.controllen.get()
                ),
            });
        }
        let report = CmsgReport {
            fd: e.fd.get(),
            direction: match direction {
                Some(CmsgDirection::Send) => "send",
                Some(CmsgDirection::RecvErrQueue) => "errqueue",
                None => "unknown",
            },
            ret: ret.max(-1),
            errno: (ret < 0).then(|| errno::describe(ret).into_owned()),
            address,
            messages,
        };
        Report {
            origin: Origin::of(&e.header, &mut self.comms),
            body: Body::Cmsg(report),
        }
    }
}

/// `AF_INET6`, as `msg_name`'s first two bytes hold it.
const AF_INET6: u16 = 10;

/// The `struct in6_ifreq` an `AF_INET6` socket passes to `SIOCSIFADDR`/`SIOCDIFADDR`
/// (netdevice(7)), if `arg` is one. The ioctl does not say the socket's family, so the two
/// layouts are told apart by their bytes: an IPv4 `SIOCSIFADDR` carries `AF_INET` where the
/// `in6_ifreq` has its prefix length (a `sockaddr`'s family at bytes 16-17, else the kernel
/// refuses it), and `SIOCDIFADDR` deletes IPv6 addresses only; an `in6_ifreq` has a prefix
/// length of at most 128 and a positive interface index.
fn in6_ifreq(request: u32, arg: &[u8]) -> Option<sockabi::ifreq::In6IfreqRequest> {
    use sockabi::ifreq::{SIOCDIFADDR, SIOCSIFADDR};
    const AF_INET: u16 = 2;
    if request != SIOCSIFADDR && request != SIOCDIFADDR {
        return None;
    }
    let family = u16::from_ne_bytes(arg.get(16..18)?.try_into().ok()?);
    let decoded = sockabi::ifreq::decode_in6(request, arg).ok()?;
    let plausible = decoded.value.prefixlen() <= 128 && decoded.value.ifindex() > 0;
    (plausible && (family != AF_INET || request == SIOCDIFADDR)).then_some(decoded)
}

/// The type name a report has in JSON and in the summary.
pub fn type_name(report: &Report) -> &'static str {
    TYPES[type_index(report)]
}

/// The report types, by [`type_index`].
pub(crate) const TYPES: [&str; 4] = ["sockopt", "route", "ioctl", "cmsg"];

/// The index of a report's type in [`TYPES`].
pub fn type_index(report: &Report) -> usize {
    match report.body {
        Body::Sockopt(_) => 0,
        Body::Route(_) => 1,
        Body::Ioctl(_) => 2,
        Body::Cmsg(_) => 3,
    }
}
