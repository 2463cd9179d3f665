//! The network of the SO_BINDTODEVICE seed note, rebuilt in two namespaces with RFC 5737
//! addresses.
//!
//! The note (`/work/shared/seeds/000_013038441b203428.txt`) describes a host with eth0 and eth1
//! on two /26 subnets of 171.64.69.0, two default routes (eth0 with metric 0, eth1 with metric
//! 1) and a far destination 152.2.128.159. Here:
//!
//! ```text
//!   namespace "host"                              namespace "router" (ip_forward = 1)
//!   eth0 192.0.2.2/26    ---- veth ----   r0 192.0.2.1/26
//!   eth1 192.0.2.194/26  ---- veth ----   r1 192.0.2.193/26
//!   eth2 203.0.113.2/24  ---- veth ----   r2 203.0.113.1/24
//!   default via 192.0.2.1 dev eth0 (metric 0)    lo 198.51.100.159/32 (the far destination)
//!   default via 192.0.2.193 dev eth1 metric 1
//!   (no route through eth2 but its own subnet)
//! ```
//!
//! UDP `connect()` performs the route lookup without sending anything; scenarios that need real
//! packets (ICMP errors, packet info) send them between these two namespaces only.

use std::net::Ipv4Addr;
use std::os::fd::OwnedFd;

use anyhow::{Context, Result};

use crate::netns::Netns;
use crate::sys;

/// Host side of the first link (the preferred default route).
pub const ETH0: &str = "eth0";
/// Host side of the second link (the metric-1 default route).
pub const ETH1: &str = "eth1";
/// Host side of the third link, which has no default route.
pub const ETH2: &str = "eth2";
/// Router side of eth0.
pub const R0: &str = "r0";
/// Router side of eth1.
pub const R1: &str = "r1";
/// Router side of eth2.
pub const R2: &str = "r2";

/// eth0's address (`192.0.2.2/26`).
pub const HOST_ETH0: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);
/// eth1's address (`192.0.2.194/26`).
pub const HOST_ETH1: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 194);
/// eth2's address (`203.0.113.2/24`).
pub const HOST_ETH2: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 2);
/// r0's address, the gateway of the metric-0 default route.
pub const ROUTER_R0: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
/// r1's address, the gateway of the metric-1 default route.
pub const ROUTER_R1: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 193);
/// r2's address.
pub const ROUTER_R2: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 1);
/// The far destination (the note's 152.2.128.159), owned by the router on its `lo`.
pub const FAR: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 159);
/// The broadcast address of eth0's subnet (`192.0.2.0/26`).
pub const ETH0_BROADCAST: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 63);
/// A UDP port nobody listens on (discard), for connect-only lookups and ICMP errors.
pub const CLOSED_PORT: u16 = 9;

/// Interface indexes, read inside each namespace after set-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ifindexes {
    /// host eth0.
    pub eth0: u32,
    /// host eth1.
    pub eth1: u32,
    /// host eth2.
    pub eth2: u32,
    /// router r0.
    pub r0: u32,
    /// router r1.
    pub r1: u32,
    /// router r2.
    pub r2: u32,
}

/// The seed note's network: namespaces `host` and `router`, removed when this is dropped.
///
/// ```
/// use bindscope_tests::topology::{SeedTopology, CLOSED_PORT, FAR, HOST_ETH0};
/// use bindscope_tests::{privileges, sys};
///
/// # fn main() -> anyhow::Result<()> {
/// if !privileges::ok_or_skip() {
///     return Ok(()); // needs root and `ip` (and fails instead under CI)
/// }
/// let topo = SeedTopology::build()?;
/// let source = topo.host.run(|| -> Result<_, sys::Errno> {
///     let socket = sys::udp_socket()?;
///     sys::connect(&socket, sys::v4(FAR, CLOSED_PORT))?; // a route lookup, no packet
///     sys::getsockname(&socket)
/// })?;
/// assert_eq!(*source.ip(), HOST_ETH0); // the metric-0 default route wins
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct SeedTopology {
    /// The host: eth0, eth1, eth2 and the two default routes.
    pub host: Netns,
    /// The router: r0, r1, r2, the far destination on `lo`, forwarding on.
    pub router: Netns,
    /// Interface indexes of both sides.
    pub ifindex: Ifindexes,
}

impl SeedTopology {
    /// Builds the two namespaces, links, addresses and routes, and waits until every link is
    /// running. On failure, whatever was created is removed again.
    pub fn build() -> Result<Self> {
        let host = Netns::new("host")?;
        let router = Netns::new("router")?;
        // New namespaces inherit IPv4 defaults from the initial namespace (which may have
        // rp_filter or arp_ignore set); pin what the scenarios rely on. IPv6 is turned off on
        // the new links so no router solicitation or MLD traffic runs beside the scenarios.
        let common = [
            ("net.ipv4.conf.all.rp_filter", "0"),
            ("net.ipv4.conf.default.rp_filter", "0"),
            ("net.ipv4.conf.all.arp_ignore", "0"),
            ("net.ipv4.conf.default.arp_ignore", "0"),
            ("net.ipv6.conf.default.disable_ipv6", "1"),
        ];
        host.set_sysctls(&common)?;
        host.set_sysctls(&[("net.ipv4.ip_forward", "0")])?;
        router.set_sysctls(&common)?;
        router.set_sysctls(&[("net.ipv4.ip_forward", "1")])?;

        let r = router.name();
        host.ip_batch(&format!(
            "link set lo up\n\
             link add {ETH0} type veth peer name {R0} netns {r}\n\
             link add {ETH1} type veth peer name {R1} netns {r}\n\
             link add {ETH2} type veth peer name {R2} netns {r}\n\
             addr add {HOST_ETH0}/26 brd + dev {ETH0}\n\
             addr add {HOST_ETH1}/26 brd + dev {ETH1}\n\
             addr add {HOST_ETH2}/24 brd + dev {ETH2}\n\
             link set {ETH0} up\n\
             link set {ETH1} up\n\
             link set {ETH2} up\n"
        ))
        .context("setting up namespace host")?;
        router
            .ip_batch(&format!(
                "link set lo up\n\
                 addr add {FAR}/32 dev lo\n\
                 addr add {ROUTER_R0}/26 brd + dev {R0}\n\
                 addr add {ROUTER_R1}/26 brd + dev {R1}\n\
                 addr add {ROUTER_R2}/24 brd + dev {R2}\n\
                 link set {R0} up\n\
                 link set {R1} up\n\
                 link set {R2} up\n"
            ))
            .context("setting up namespace router")?;
        host.wait_running(&[ETH0, ETH1, ETH2])?;
        router.wait_running(&[R0, R1, R2])?;
        host.ip_batch(&format!(
            "route add default via {ROUTER_R0} dev {ETH0}\n\
             route add default via {ROUTER_R1} dev {ETH1} metric 1\n"
        ))
        .context("adding the two default routes in namespace host")?;

        let index = |ns: &Netns, name: &'static str| {
            ns.run(|| sys::ifindex(name))
                .with_context(|| format!("{name} has no ifindex in {}", ns.name()))
        };
        let ifindex = Ifindexes {
            eth0: index(&host, ETH0)?,
            eth1: index(&host, ETH1)?,
            eth2: index(&host, ETH2)?,
            r0: index(&router, R0)?,
            r1: index(&router, R1)?,
            r2: index(&router, R2)?,
        };
        Ok(SeedTopology {
            host,
            router,
            ifindex,
        })
    }

    /// Both namespaces, host first (for the observer's namespace filter).
    pub fn namespaces(&self) -> [&Netns; 2] {
        [&self.host, &self.router]
    }

    /// A UDP socket in the host namespace.
    pub fn host_socket(&self) -> Result<OwnedFd> {
        self.host
            .run(sys::udp_socket)
            .context("creating a UDP socket in namespace host")
    }

    /// A UDP socket in the router namespace, bound to `0.0.0.0:port`, with `IP_PKTINFO` on so
    /// every datagram it receives says which interface it came in on and to which address.
    pub fn router_listener(&self, port: u16) -> Result<OwnedFd> {
        self.router
            .run(|| -> Result<OwnedFd, sys::Errno> {
                let socket = sys::udp_socket()?;
                sys::setsockopt_int(&socket, libc::IPPROTO_IP, libc::IP_PKTINFO, 1)?;
                sys::bind(&socket, sys::v4(Ipv4Addr::UNSPECIFIED, port))?;
                Ok(socket)
            })
            .with_context(|| format!("listening on UDP port {port} in namespace router"))
    }
}
