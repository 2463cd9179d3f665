//! `bindscope explain`: the route decision the kernel takes for a flow, before any traffic,
//! walked step by step: the policy rules it passed and why, the tables it consulted with the
//! routes in them that covered the destination (the one chosen, and why each other lost), and
//! the outcome, with what an error means.
//!
//! The answer is the kernel's. The request is an RTM_GETROUTE message, as `ip route get`
//! sends it, made from a thread inside the namespace ([`ask`]), so that both the kernel and
//! the tracer see it there; no packet is sent. bindscope's own route programs trace exactly
//! the table lookups that request causes (they filter on bindscope's pid and the
//! destination). The rule list, the routes and the links, read through the same rtnetlink
//! session as `bindscope routes`, explain those lookups; they never stand in for them: where
//! the walk of the rule list disagrees with the lookups, the explanation says so.
//!
//! With a device (`--dev`, `--ifindex`), the request carries it as `RTA_OIF`, which is what
//! `SO_BINDTODEVICE` does to a socket's route lookups (`ip_route_connect` passes
//! `sk_bound_dev_if` as `flowi4_oif`), and the same request is asked again without it, to
//! show what an unbound socket would get.

//!
//! `--multicast-if` and `--unicast-if` are `IP_MULTICAST_IF` and `IP_UNICAST_IF`: the oif of
//! a socket's lookups to multicast groups, and to other destinations (broadcasts too), each
//! only where no device is bound (`udp_sendmsg`, `ip4_datagram_connect`); [`socket`] says
//! which applies, and why.
//!
//! Some decisions are made with no table lookup at all (multicast and limited broadcast
//! shortcuts, refusals before routing); `shortcut` names them from the request and the
//! kernel's answer where no lookup was traced, so that the outcome's `decided_by` says what
//! decided instead of calling them untraced.
//!
//! Its files, in the order the data goes: [`request`] (what to ask), `socket` (the oif and
//! source the socket options give), `ask` (asking the kernel), `analysis` (the walk, with
//! `rules`, `tables` and `outcome` for its three parts, and `shortcut` for the decisions made
//! without a table), [`model`] (what the walk is made of and gives), `text` (the walk in
//! words).

mod analysis;
mod ask;
pub mod model;
mod outcome;
pub mod request;
mod rules;
mod shortcut;
mod six;
mod socket;
mod tables;
mod text;

use crate::route::Purpose;
use crate::routes::{self, Tables};
use crate::stream::Collector;
use crate::trace::config::{Cidr, Config, EventSet, Filter, Ipv4Cidr};

pub use model::{Candidate, Case, Explanation, Outcome, RuleLine, Rules, TableWalk};
pub use request::{Device, Error, MulticastIf, Request};
pub use six::{
    explain6, write_explanation6, Candidate6, Case6, Explanation6, Outcome6, Request6, TableWalk6,
};
pub use text::write_explanation;

/// Explains the decision the kernel takes for `request`. Needs what tracing needs (root, or
/// CAP_BPF and CAP_PERFMON) and, for another namespace, CAP_SYS_ADMIN.
pub fn explain(request: &Request) -> Result<Explanation, Error> {
    let dst = request.dst.ok_or(Error::NoDestination)?;
    let original = request;
    // Opened once, and held until the answer is written: a namespace deleted meanwhile lives
    // on until then, and the whole walk is of the namespace as it was.
    let file = request
        .netns
        .as_ref()
        .map(crate::NetnsSpec::open)
        .transpose()?;
    let again = |file: &std::fs::File| file.try_clone().map_err(Error::Netlink);
    let mut namespace = routes::Namespace::open_file(
        file.as_ref().map(again).transpose()?,
        request.netns.as_ref(),
    )?;
    let snapshot = namespace.snapshot(Tables::All, true)?;
    let links = namespace.links().clone();
    let resolve = |device: &Device| -> Result<(u32, String), Error> {
        match device {
            Device::Name(name) => links
                .index(name)
                .and_then(|i| u32::try_from(i).ok())
                .map(|i| (i, name.clone()))
                .ok_or_else(|| Error::UnknownDevice(name.clone())),
            Device::Index(index) => i32::try_from(*index)
                .ok()
                .and_then(|i| links.name(i))
                .map(|name| (*index, name.to_owned()))
                .ok_or(Error::UnknownIfindex(*index)),
        }
    };
    let bound = request.dev.as_ref().map(resolve).transpose()?;
    let multicast_if = match &request.multicast_if {
        None => None,
        Some(MulticastIf::Device(device)) => Some((resolve(device)?, None)),
        Some(MulticastIf::Addr(addr)) => {
            let owner = socket::owner(&snapshot, *addr).ok_or(Error::NotLocal(*addr))?;
            let device = Device::Name(owner);
            Some((resolve(&device)?, Some(*addr)))
        }
    };
    let unicast_if = request.unicast_if.as_ref().map(resolve).transpose()?;
    let keys_notes = socket::keys(dst, request, bound, multicast_if, unicast_if);
    let effective = Request {
        src: keys_notes.src,
        ..request.clone()
    };
    let request = &effective;
    let oif = keys_notes.oif.clone();
    let iif = request.iif.as_ref().map(resolve).transpose()?;
    let netns = match &file {
        Some(file) => {
            use std::os::unix::fs::MetadataExt;
            let inode = file.metadata().map_err(Error::Netlink)?.ino();
            u32::try_from(inode).unwrap_or(0)
        }
        None => crate::sys::netns::own_inode().map_err(Error::Netlink)?,
    };
    // Only this process's lookups towards the destination: the requests' own.
    let config = Config {
        events: EventSet {
            sockopt: false,
            route: true,
            ioctl: false,
            cmsg: false,
        },
        filter: Filter {
            pid: Some(std::process::id()),
            dst: Some(Cidr::V4(Ipv4Cidr {
                network: dst,
                prefix_len: 32,
            })),
            ..Filter::default()
        },
        ring_size: 1 << 16,
    };
    let mut collector = Collector::start(&config)?;
    let keys = ask::Keys {
        dst,
        oif: oif.as_ref().map(|(i, _)| *i),
        iif: iif.as_ref().map(|(i, _)| *i),
        request,
    };
    let asked = ask::both(&keys, file.as_ref())?;
    // Without a device: what a socket without SO_BINDTODEVICE and the options would get.
    let unbound = if oif.is_some() {
        let keys = ask::Keys {
            oif: None,
            request: original,
            ..keys
        };
        Some(ask::both(&keys, file.as_ref())?)
    } else {
        None
    };
    let reports = collector.collect();
    let decision_of = |tid: u32| {
        reports
            .iter()
            .filter(|r| r.origin.tid == Some(tid))
            .filter_map(|r| r.route())
            .find(|d| d.dst == dst && d.purpose != Purpose::AddressType)
    };
    let case = |request: &Request,
                answers: &ask::Answers,
                oif: Option<(u32, String)>,
                socket: Vec<String>| {
        analysis::case(&model::Inputs {
            request,
            oif,
            iif: iif.clone(),
            socket,
            answers,
            decision: decision_of(answers.route.tid),
            snapshot: &snapshot,
            links: &links,
        })
    };
    let mut case_as_asked = case(request, &asked, oif.clone(), keys_notes.notes);
    case_as_asked.oif_by = keys_notes.oif_by;
    Ok(Explanation {
        dst,
        netns,
        case: case_as_asked,
        unbound: unbound
            .as_ref()
            .map(|answers| case(original, answers, None, Vec::new())),
    })
}
