//! What `explain` is asked, and why it can fail.

use std::net::Ipv4Addr;

use crate::routes;
use crate::trace::config::NetnsSpec;

/// A device as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Device {
    /// By name (`--dev`, `--iif`).
    Name(String),
    /// By index (`--ifindex`).
    Index(u32),
}

/// What `IP_MULTICAST_IF` names: a device, or an address (the device that owns it, and the
/// address as the source of a socket bound to none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MulticastIf {
    /// A device (`ip_mreqn.imr_ifindex`).
    Device(Device),
    /// An address (`in_addr`, or `ip_mreqn.imr_address` with no index).
    Addr(Ipv4Addr),
}

/// What to ask: the flow's keys, as `ip route get` takes them.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The destination.
    pub dst: Option<Ipv4Addr>,
    /// The device the socket is bound to (`oif`).
    pub dev: Option<Device>,
    /// The socket's `IP_MULTICAST_IF`: the oif of its lookups to multicast groups.
    pub multicast_if: Option<MulticastIf>,
    /// The socket's `IP_UNICAST_IF`: the oif of its lookups to other destinations.
    pub unicast_if: Option<Device>,
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
        "unknown device \"{0}\" in this network namespace: `ip -n NETNS link` lists its devices"
    )]
    UnknownDevice(String),
    /// `--ifindex` is no device of the namespace.
    #[error(
        "no device has ifindex {0} in this network namespace: `ip -n NETNS link` lists its devices"
    )]
    UnknownIfindex(u32),
    /// `--multicast-if ADDR` names an address no device of the namespace owns.
    #[error(
        "no device owns {0} in this network namespace, so IP_MULTICAST_IF would fail \
         (EADDRNOTAVAIL): `ip -n NETNS addr` lists the addresses"
    )]
    NotLocal(Ipv4Addr),
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
