//! Asking the kernel: RTM_GETROUTE requests as `ip route get` makes them, each on its own
//! short-lived thread inside the namespace, so that the lookups a request causes run in that
//! namespace and carry that thread's id, which tells them apart in the trace.

use std::fs::File;
use std::net::Ipv4Addr;

use netlink_packet_route::route::{RouteAddress, RouteAttribute, RouteFlags, RouteMessage};
use netlink_packet_route::AddressFamily;

use super::request::{Error, Request};
use crate::policy::Session;

/// The keys of one request, devices resolved to indexes.
#[derive(Clone, Copy)]
pub(super) struct Keys<'a> {
    pub(super) dst: Ipv4Addr,
    pub(super) oif: Option<u32>,
    pub(super) iif: Option<u32>,
    pub(super) request: &'a Request,
}

/// The kernel's answer to one request.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    /// The thread that asked: the lookups with its tid are the request's.
    pub(crate) tid: u32,
    /// The route, or the negative errno.
    pub(crate) reply: Result<RouteMessage, i32>,
}

/// The answers to one flow's two questions.
#[derive(Debug, Clone)]
pub(crate) struct Answers {
    /// The route, as `ip route get` asks (`RTM_F_LOOKUP_TABLE`: the reply names the table
    /// that answered).
    pub(crate) route: Answer,
    /// The FIB entry that matched, as `ip route get fibmatch` asks (`RTM_F_FIB_MATCH`): its
    /// prefix, metric and table, which the first answer (a host route to DST) does not give.
    pub(crate) fib_match: Answer,
}

/// Asks both questions about `keys`, in the namespace of `netns` (`None`: bindscope's own).
pub(super) fn both(keys: &Keys<'_>, netns: Option<&File>) -> Result<Answers, Error> {
    Ok(Answers {
        route: one(message(keys, false), netns)?,
        fib_match: one(message(keys, true), netns)?,
    })
}

/// The request `ip route get` builds (iproute2 ip/iproute.c `iproute_get`): a /32 to DST,
/// the TOS in the header, and one attribute per key given.
fn message(keys: &Keys<'_>, fib_match: bool) -> RouteMessage {
    let request = keys.request;
    let mut message = RouteMessage::default();
    message.header.address_family = AddressFamily::Inet;
    message.header.destination_prefix_length = 32;
    message.header.tos = request.tos;
    message.header.flags = if fib_match {
        RouteFlags::FibMatch | RouteFlags::LookupTable
    } else {
        RouteFlags::LookupTable
    };
    let attributes = &mut message.attributes;
    attributes.push(RouteAttribute::Destination(RouteAddress::Inet(keys.dst)));
    if let Some(src) = request.src {
        message.header.source_prefix_length = 32;
        attributes.push(RouteAttribute::Source(RouteAddress::Inet(src)));
    }
    if let Some(iif) = keys.iif {
        attributes.push(RouteAttribute::Iif(iif));
    }
    if let Some(oif) = keys.oif {
        attributes.push(RouteAttribute::Oif(oif));
    }
    if let Some(mark) = request.mark {
        attributes.push(RouteAttribute::Mark(mark));
    }
    if let Some(uid) = request.uid {
        attributes.push(RouteAttribute::Uid(uid));
    }
    if let Some(proto) = request.proto {
        attributes.push(RouteAttribute::IpProto(proto));
    }
    if let Some(port) = request.sport {
        attributes.push(RouteAttribute::Sport(port));
    }
    if let Some(port) = request.dport {
        attributes.push(RouteAttribute::Dport(port));
    }
    message
}

/// Sends `message` from a new thread in the namespace of `netns` (bindscope's own namespace:
/// a new thread too, for a tid of its own) and waits for the answer.
fn one(message: RouteMessage, netns: Option<&File>) -> Result<Answer, Error> {
    let ask = move || -> std::io::Result<Answer> {
        // SAFETY: gettid has no preconditions.
        let tid = unsafe { libc::gettid() } as u32;
        let mut session = Session::open_notified(None, &[])?;
        let reply = session.get_route(message)?;
        Ok(Answer { tid, reply })
    };
    match netns {
        Some(file) => file
            .try_clone()
            .and_then(|file| crate::sys::netns::run_in(file, ask)),
        None => std::thread::spawn(ask)
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("request thread panicked"))),
    }
    .map_err(Error::Netlink)
}
