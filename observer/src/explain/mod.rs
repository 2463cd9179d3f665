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

mod analysis;
mod ask;
mod outcome;
mod rules;
mod tables;
mod text;

use std::net::Ipv4Addr;

use serde::Serialize;

use crate::config::{Cidr, Config, EventSet, Filter, Ipv4Cidr, NetnsSpec};
use crate::route::Purpose;
use crate::routes::{self, Tables};
use crate::stream::Collector;

pub use analysis::{Candidate, Case, Outcome, RuleLine, Rules, TableWalk};
pub use text::write_explanation;

/// A device as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Device {
    /// By name (`--dev`, `--iif`).
    Name(String),
    /// By index (`--ifindex`).
    Index(u32),
}

/// What to ask: the flow's keys, as `ip route get` takes them.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The destination.
    pub dst: Option<Ipv4Addr>,
    /// The device the socket is bound to (`oif`).
    pub dev: Option<Device>,
    /// The source address (`from`).
    pub src: Option<Ipv4Addr>,
    /// The firewall mark (`SO_MARK`).
    pub mark: Option<u32>,
    /// The socket owner's uid (default: the kernel takes bindscope's own for an output
    /// lookup).
    pub uid: Option<u32>,
    /// The TOS byte (`IP_TOS`).
    pub tos: u8,
    /// For a received packet: the device it came in on.
    pub iif: Option<Device>,
    /// The IP protocol (`ipproto`).
    pub proto: Option<u8>,
    /// The source port.
    pub sport: Option<u16>,
    /// The destination port.
    pub dport: Option<u16>,
    /// The namespace (default: bindscope's own).
    pub netns: Option<NetnsSpec>,
}

/// Why the decision could not be explained; each one line that says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No destination.
    #[error("no destination: give the IPv4 address to explain the route to")]
    NoDestination,
    /// `--dev`/`--iif` names no device of the namespace.
    #[error(
        "unknown device {0:?} in this network namespace: `ip -n NETNS link` lists its devices"
    )]
    UnknownDevice(String),
    /// `--ifindex` is no device of the namespace.
    #[error(
        "no device has ifindex {0} in this network namespace: `ip -n NETNS link` lists its devices"
    )]
    UnknownIfindex(u32),
    /// The namespace, its routes or rules could not be read.
    #[error(transparent)]
    Routes(#[from] routes::Error),
    /// The lookups could not be traced.
    #[error(transparent)]
    Trace(#[from] crate::Error),
    /// The request could not be made.
    #[error("could not ask the kernel for the route through rtnetlink: {0}")]
    Netlink(#[source] std::io::Error),
}

/// The whole explanation.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The destination.
    pub dst: Ipv4Addr,
    /// The namespace's inode.
    pub netns: u32,
    /// The decision for the request as given.
    pub case: Case,
    /// With a device: the same request without it, as an unbound socket would ask.
    pub unbound: Option<Case>,
}

/// Explains the decision the kernel takes for `request`. Needs what tracing needs (root, or
/// CAP_BPF and CAP_PERFMON) and, for another namespace, CAP_SYS_ADMIN.
pub fn explain(request: &Request) -> Result<Explanation, Error> {
    let dst = request.dst.ok_or(Error::NoDestination)?;
    let mut namespace = routes::Namespace::open(request.netns.as_ref())?;
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
    let oif = request.dev.as_ref().map(resolve).transpose()?;
    let iif = request.iif.as_ref().map(resolve).transpose()?;
    let netns = match &request.netns {
        Some(spec) => {
            use std::os::unix::fs::MetadataExt;
            let inode = spec.open()?.metadata().map_err(Error::Netlink)?.ino();
            u32::try_from(inode).unwrap_or(0)
        }
        None => crate::netns::own_inode().map_err(Error::Netlink)?,
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
    let asked = ask::both(&keys, request.netns.as_ref())?;
    let unbound = if oif.is_some() {
        let keys = ask::Keys { oif: None, ..keys };
        Some(ask::both(&keys, request.netns.as_ref())?)
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
    let case = |answers: &ask::Answers, oif: Option<(u32, String)>| {
        analysis::case(&analysis::Inputs {
            request,
            oif,
            answers,
            decision: decision_of(answers.route.tid),
            snapshot: &snapshot,
            links: &links,
        })
    };
    Ok(Explanation {
        dst,
        netns,
        case: case(&asked, oif.clone()),
        unbound: unbound.as_ref().map(|answers| case(answers, None)),
    })
}
