//! rtnetlink in one namespace: dumps of the IPv4 and IPv6 rules and routes and of the
//! links, and the notifications that say when they changed.
//!
//! A netlink socket talks to the namespace it was created in, for its whole life, so both
//! sockets of a [`Session`] are created on a short-lived thread that has entered the
//! namespace ([`crate::sys::netns::run_in`]). The notification socket subscribes before the first
//! dump, so no change falls between the two. Messages are built and parsed by
//! `netlink-packet-route`; the sockets are `netlink-sys`'s.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use netlink_packet_core::{
    Emitable, NetlinkBuffer, NetlinkHeader, NetlinkMessage, NetlinkPayload, NlaBuffer,
    NlasIterator, Parseable, ParseableParametrized, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST,
};
use netlink_packet_route::link::{LinkAttribute, LinkHeader, LinkMessage};
use netlink_packet_route::route::RouteMessage;
use netlink_packet_route::rule::{RuleAttribute, RuleHeader, RuleMessage};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};
use sockabi::text::Escaped;

use super::links::Links;
use super::rule::Rule;

/// Large enough for any datagram the kernel sends a dump in (it fills at most 32 KiB, or a
/// page when pages are larger).
const RECEIVE_BUFFER: usize = 64 * 1024;
/// Dumps the kernel flags as interrupted by a concurrent change (NLM_F_DUMP_INTR) are
/// retried this many times before giving up.
const DUMP_TRIES: usize = 4;

/// What the notifications said beyond the link changes applied on the way.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Changes {
    /// An IPv4 rule was added or deleted: the list is to be dumped again.
    pub(crate) rules: bool,
    /// An IPv6 rule was added or deleted.
    pub(crate) rules6: bool,
    /// Notifications were lost or unreadable: the links are to be dumped again too.
    pub(crate) lost: bool,
}

/// The two rtnetlink sockets of one namespace: one for requests, one subscribed to
/// RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE and RTNLGRP_LINK.
pub(crate) struct Session {
    requests: Socket,
    events: Socket,
    sequence: u32,
    buffer: Vec<u8>,
}

impl Session {
    /// Opens the sockets in the namespace `ns` refers to, notified of rule and link changes.
    pub(crate) fn open_in(ns: File) -> io::Result<Session> {
        Session::open_notified(
            Some(ns),
            &[
                libc::RTNLGRP_IPV4_RULE,
                libc::RTNLGRP_IPV6_RULE,
                libc::RTNLGRP_LINK,
            ],
        )
    }

    /// Opens the sockets in the namespace `ns` refers to (`None`: the caller's own, which
    /// needs no privilege, unlike entering any namespace), notified of the changes of the
    /// rtnetlink multicast `groups` (`RTNLGRP_*`).
    pub(crate) fn open_notified(ns: Option<File>, groups: &[u32]) -> io::Result<Session> {
        let groups = groups.to_vec();
        let open = move || {
            let mut requests = Socket::new(NETLINK_ROUTE)?;
            requests.bind_auto()?;
            requests.connect(&SocketAddr::new(0, 0))?;
            let mut events = Socket::new(NETLINK_ROUTE)?;
            events.bind_auto()?;
            for group in groups {
                events.add_membership(group)?;
            }
            events.set_non_blocking(true)?;
            Ok((requests, events))
        };
        let (requests, events) = match ns {
            Some(ns) => crate::sys::netns::run_in(ns, open)?,
            None => open()?,
        };
        Ok(Session {
            requests,
            events,
            sequence: 0,
            buffer: vec![0; RECEIVE_BUFFER],
        })
    }

    /// The namespace's IPv4 routes of every table, in the kernel's order (RTM_GETROUTE dump,
    /// AF_INET: tables one after the other, each in the order of its trie, as `ip route show
    /// table all` lists them).
    pub(crate) fn routes(&mut self) -> io::Result<Vec<RouteMessage>> {
        self.routes_of(AddressFamily::Inet)
    }

    /// The namespace's routes of `family` (`Inet` or `Inet6`) of every table, in the kernel's
    /// order. For IPv6 (net/ipv6/ip6_fib.c `inet6_dump_fib`) the tables come in the order of
    /// their hash buckets, each walked as `/proc/net/ipv6_route` walks it, and a multipath
    /// route is one message with all its next hops (RTA_MULTIPATH).
    pub(crate) fn routes_of(&mut self, family: AddressFamily) -> io::Result<Vec<RouteMessage>> {
        let mut request = RouteMessage::default();
        request.header.address_family = family;
        self.dump(
            RouteNetlinkMessage::GetRoute(request),
            |routes: &mut Vec<RouteMessage>, message| {
                if let RouteNetlinkMessage::NewRoute(route) = message {
                    routes.push(route);
                }
            },
        )
    }

    /// Joins the rtnetlink multicast `groups` and leaves `leave` on the notification socket.
    pub(crate) fn resubscribe(&mut self, groups: &[u32], leave: &[u32]) -> io::Result<()> {
        for group in groups {
            self.events.add_membership(*group)?;
        }
        for group in leave {
            self.events.drop_membership(*group)?;
        }
        Ok(())
    }

    /// Waits up to `timeout` for the next notifications and returns them, as they came
    /// (`None`: none came in time); an overrun queue (`ENOBUFS`: changes were lost) is an
    /// error, since a stream of changes with a gap would mislead.
    pub(crate) fn next_notifications(
        &mut self,
        timeout: Duration,
    ) -> io::Result<Option<Vec<RouteNetlinkMessage>>> {
        let until = Instant::now() + timeout;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            let mut poll = libc::pollfd {
                fd: self.events.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            let millis = i32::try_from(left.as_millis()).unwrap_or(i32::MAX);
            // SAFETY: one valid pollfd, for the duration of the call.
            match unsafe { libc::poll(&mut poll, 1, millis) } {
                0 => return Ok(None),
                n if n < 0 => {
                    let error = io::Error::last_os_error();
                    if error.kind() == io::ErrorKind::Interrupted {
                        continue;
                    }
                    return Err(error);
                }
                _ => {}
            }
            let size = match self
                .events
                .recv(&mut &mut self.buffer[..], libc::MSG_DONTWAIT)
            {
                Ok(size) => size,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            };
            return Ok(Some(
                parse(&self.buffer[..size])?
                    .into_iter()
                    .filter_map(|message| match message.payload {
                        NetlinkPayload::InnerMessage(inner) => Some(inner),
                        _ => None,
                    })
                    .collect(),
            ));
        }
    }

    /// The namespace's IPv4 rules, in the kernel's order (RTM_GETRULE dump, AF_INET).
    pub(crate) fn rules(&mut self) -> io::Result<Vec<Rule>> {
        self.rules_of(AddressFamily::Inet)
    }

    /// The namespace's rules of `family` (`Inet` or `Inet6`), in the kernel's order.
    pub(crate) fn rules_of(&mut self, family: AddressFamily) -> io::Result<Vec<Rule>> {
        let mut request = RuleMessage::default();
        request.header.family = family;
        self.dump(
            RouteNetlinkMessage::GetRule(request),
            |rules: &mut Vec<Rule>, message| {
                if let RouteNetlinkMessage::NewRule(rule) = message {
                    rules.extend(Rule::from_message_of(&rule, family));
                }
            },
        )
    }

    /// The namespace's links (RTM_GETLINK dump).
    pub(crate) fn links(&mut self) -> io::Result<Links> {
        // Each link is kept as its name and index as it is parsed: a namespace of 4,000
        // devices dumped as parsed messages first took 63 MB, which the allocator kept.
        self.dump(
            RouteNetlinkMessage::GetLink(LinkMessage::default()),
            |links: &mut Links, message| {
                if let RouteNetlinkMessage::NewLink(link) = message {
                    links.insert_message(&link);
                }
            },
        )
    }

    /// Reads every pending notification without waiting: link changes are applied to
    /// `links` (a notification carries the whole link), rule changes are reported (the list
    /// is dumped again: the kernel's order and goto targets are its own to keep). An overrun
    /// notification queue (`ENOBUFS`) means changes were lost.
    pub(crate) fn changes(&mut self, links: &mut Links) -> io::Result<Changes> {
        let mut changes = Changes::default();
        loop {
            let size = match self
                .events
                .recv(&mut &mut self.buffer[..], libc::MSG_DONTWAIT)
            {
                Ok(size) => size,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(changes),
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                    changes.lost = true;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let Ok(messages) = parse(&self.buffer[..size]) else {
                // Something changed that this crate cannot decode: read everything again.
                changes.lost = true;
                continue;
            };
            for message in messages {
                match message.payload {
                    NetlinkPayload::InnerMessage(
                        RouteNetlinkMessage::NewRule(rule) | RouteNetlinkMessage::DelRule(rule),
                    ) => match rule.header.family {
                        AddressFamily::Inet6 => changes.rules6 = true,
                        _ => changes.rules = true,
                    },
                    NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(link)) => {
                        links.insert_message(&link)
                    }
                    NetlinkPayload::InnerMessage(RouteNetlinkMessage::DelLink(link)) => {
                        links.remove_message(&link)
                    }
                    _ => {}
                }
            }
        }
    }

    /// The kernel's answer to one RTM_GETROUTE request, as `ip route get` sends it (no dump):
    /// the route it would use, or the negative errno it refused the request with. Made on the
    /// calling thread, in the namespace the socket belongs to, so the lookups it causes are
    /// the calling task's.
    pub(crate) fn get_route(
        &mut self,
        request: RouteMessage,
    ) -> io::Result<Result<RouteMessage, i32>> {
        self.sequence = self.sequence.wrapping_add(1);
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST;
        header.sequence_number = self.sequence;
        let mut packet = NetlinkMessage::new(
            header,
            NetlinkPayload::from(RouteNetlinkMessage::GetRoute(request)),
        );
        packet.finalize();
        let mut bytes = vec![0; packet.buffer_len()];
        packet.serialize(&mut bytes);
        self.requests.send(&bytes, 0)?;
        loop {
            let size = self.requests.recv(&mut &mut self.buffer[..], 0)?;
            for message in parse(&self.buffer[..size])? {
                if message.header.sequence_number != self.sequence {
                    continue;
                }
                match message.payload {
                    NetlinkPayload::Error(error) => {
                        if let Some(code) = error.code {
                            return Ok(Err(code.get()));
                        }
                    }
                    NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewRoute(route)) => {
                        return Ok(Ok(route))
                    }
                    _ => {}
                }
            }
        }
    }

    /// Sends a dump request and hands each answer to `add` as it is parsed, to be kept in a
    /// `T` (what is kept, not every parsed message: a dump can be thousands of them); again,
    /// from a new `T`, when the kernel says the dump was interrupted by a change.
    fn dump<T: Default>(
        &mut self,
        request: RouteNetlinkMessage,
        mut add: impl FnMut(&mut T, RouteNetlinkMessage),
    ) -> io::Result<T> {
        for _ in 0..DUMP_TRIES {
            self.sequence = self.sequence.wrapping_add(1);
            let mut header = NetlinkHeader::default();
            header.flags = NLM_F_REQUEST | NLM_F_DUMP;
            header.sequence_number = self.sequence;
            let mut packet = NetlinkMessage::new(header, NetlinkPayload::from(request.clone()));
            packet.finalize();
            let mut bytes = vec![0; packet.buffer_len()];
            packet.serialize(&mut bytes);
            self.requests.send(&bytes, 0)?;
            let mut kept = T::default();
            if self.answers(&mut |message| add(&mut kept, message))? {
                return Ok(kept);
            }
        }
        Err(io::Error::other(
            "the kernel kept interrupting the dump: the namespace's rules or links change too fast",
        ))
    }

    /// Hands the answers to the request of the current sequence number to `each`, until
    /// NLMSG_DONE; `false` if the kernel flagged the dump as interrupted.
    fn answers(&mut self, each: &mut dyn FnMut(RouteNetlinkMessage)) -> io::Result<bool> {
        let mut interrupted = false;
        loop {
            let size = self.requests.recv(&mut &mut self.buffer[..], 0)?;
            for message in parse(&self.buffer[..size])? {
                if message.header.sequence_number != self.sequence {
                    continue;
                }
                interrupted |= message.header.flags & NLM_F_DUMP_INTR != 0;
                match message.payload {
                    NetlinkPayload::Done(_) => return Ok(!interrupted),
                    NetlinkPayload::Error(error) => {
                        return Err(error
                            .code
                            .map(|code| io::Error::from_raw_os_error(-code.get()))
                            .unwrap_or_else(|| {
                                io::Error::other("dump acknowledged, not answered")
                            }))
                    }
                    NetlinkPayload::InnerMessage(inner) => each(inner),
                    _ => {}
                }
            }
        }
    }
}

/// The netlink messages of one datagram.
fn parse(mut bytes: &[u8]) -> io::Result<Vec<NetlinkMessage<RouteNetlinkMessage>>> {
    let mut messages = Vec::new();
    while !bytes.is_empty() {
        let message = match NetlinkMessage::<RouteNetlinkMessage>::deserialize(bytes) {
            Ok(message) => message,
            Err(error) => lenient(bytes)
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, error.to_string()))?,
        };
        // Messages are aligned to 4 bytes (NLMSG_ALIGN).
        let length = (message.header.length as usize).next_multiple_of(4);
        if length == 0 {
            break;
        }
        messages.push(message);
        bytes = bytes.get(length..).unwrap_or_default();
    }
    Ok(messages)
}

/// `RTM_NEWLINK`, `RTM_DELLINK`, `RTM_NEWRULE`, `RTM_DELRULE`.
const LINK_MESSAGES: [u16; 2] = [16, 17];
const RULE_MESSAGES: [u16; 2] = [32, 33];
/// `IFLA_IFNAME`; `FRA_IIFNAME`, `FRA_OIFNAME`.
const IFLA_IFNAME: u16 = 3;
const FRA_IFNAMES: [u16; 2] = [3, 17];

/// A link or rule message that `netlink-packet-route` refused, read attribute by attribute
/// with its own parsers. The crate takes names for UTF-8 (`String`), while an interface may
/// be named with any bytes but `/`, `:` and white space: one tenant's interface named
/// `\xff` would otherwise make every dump of its namespace fail. Such a name is kept by the
/// escaping rule of `sockabi::text` (`\xff`); any other attribute the crate cannot read is
/// left out, as the dump it came in is more use than none.
fn lenient(bytes: &[u8]) -> Option<NetlinkMessage<RouteNetlinkMessage>> {
    let buffer = NetlinkBuffer::new_checked(bytes).ok()?;
    let header = NetlinkHeader::parse(&buffer).ok()?;
    let payload = buffer.payload();
    let kind = header.message_type;
    let name = |nla: &NlaBuffer<&[u8]>| {
        let value = nla.value();
        let value = value.strip_suffix(&[0]).unwrap_or(value);
        Escaped(value).to_string()
    };
    let inner = if LINK_MESSAGES.contains(&kind) {
        let mut message = LinkMessage::default();
        message.header = LinkHeader::parse(payload).ok()?;
        let family = message.header.interface_family;
        for nla in NlasIterator::new(payload.get(message.header.buffer_len()..)?) {
            let nla = nla.ok()?;
            match LinkAttribute::parse_with_param(&nla, family) {
                Ok(attribute) => message.attributes.push(attribute),
                Err(_) if nla.kind() == IFLA_IFNAME => {
                    message.attributes.push(LinkAttribute::IfName(name(&nla)));
                }
                Err(_) => {}
            }
        }
        match kind {
            16 => RouteNetlinkMessage::NewLink(message),
            _ => RouteNetlinkMessage::DelLink(message),
        }
    } else if RULE_MESSAGES.contains(&kind) {
        let mut message = RuleMessage::default();
        message.header = RuleHeader::parse(payload).ok()?;
        for nla in NlasIterator::new(payload.get(message.header.buffer_len()..)?) {
            let nla = nla.ok()?;
            match RuleAttribute::parse(&nla) {
                Ok(attribute) => message.attributes.push(attribute),
                Err(_) if nla.kind() == FRA_IFNAMES[0] => {
                    message.attributes.push(RuleAttribute::Iifname(name(&nla)));
                }
                Err(_) if nla.kind() == FRA_IFNAMES[1] => {
                    message.attributes.push(RuleAttribute::Oifname(name(&nla)));
                }
                Err(_) => {}
            }
        }
        match kind {
            32 => RouteNetlinkMessage::NewRule(message),
            _ => RouteNetlinkMessage::DelRule(message),
        }
    } else {
        return None;
    };
    Some(NetlinkMessage::new(
        header,
        NetlinkPayload::InnerMessage(inner),
    ))
}
