//! The registry: every scenario, grouped by the seed document it checks.
//!
//! Names are unique snake_case identifiers; the host runner turns each into a `#[test]` of
//! the same name and the VM runner prints one verdict line per name.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::fd::OwnedFd;

use anyhow::{Context, Result};
use bindscope::route::RouteDecision;

use crate::abi::{self, PktInfo};
use crate::scenario::{Scenario, Seen};
use crate::sys::{self, Received};

mod addressing;
mod bindtodevice;
mod forwarding;
mod hostile;
mod ipv6;
mod multicast;
mod netdevice;
mod pktinfo;
mod policy;
mod recverr;
mod routing;

/// Every scenario, in a stable order (seed document by seed document).
pub fn all() -> Vec<Scenario> {
    [
        bindtodevice::SCENARIOS,
        multicast::SCENARIOS,
        pktinfo::SCENARIOS,
        recverr::SCENARIOS,
        addressing::SCENARIOS,
        netdevice::SCENARIOS,
        routing::SCENARIOS,
        forwarding::SCENARIOS,
        policy::SCENARIOS,
        ipv6::SCENARIOS,
        hostile::SCENARIOS,
    ]
    .concat()
}

/// The scenario called `name`, if there is one.
pub fn find(name: &str) -> Option<Scenario> {
    all().into_iter().find(|s| s.name == name)
}

/// Waits for one datagram on a listener made by
/// [`crate::SeedTopology::router_listener`] and decodes its `IP_PKTINFO`.
fn receive_with_pktinfo(listener: &OwnedFd) -> Result<(Received, PktInfo)> {
    let received = sys::recv_within(listener, 0).map_err(|e| match e.0 {
        libc::ETIMEDOUT => anyhow::anyhow!("no datagram arrived within {:?}", sys::ARRIVAL_BOUND),
        _ => anyhow::anyhow!("recvmsg: {e}"),
    })?;
    let info = abi::find_control(&received.control, libc::IPPROTO_IP, libc::IP_PKTINFO)
        .as_deref()
        .and_then(PktInfo::parse)
        .context("the datagram came without an IP_PKTINFO control message")?;
    Ok((received, info))
}

/// Connects `socket` to `dest` (a route lookup, no packet) and returns the source address the
/// kernel picked.
fn connected_source(socket: &OwnedFd, dest: SocketAddrV4) -> Result<SocketAddrV4, sys::Errno> {
    sys::connect(socket, dest)?;
    sys::getsockname(socket)
}

/// The IPv4 address in a report's address field, if it holds one.
fn ipv4(addr: Option<std::net::IpAddr>) -> Option<Ipv4Addr> {
    match addr {
        Some(std::net::IpAddr::V4(v4)) => Some(v4),
        _ => None,
    }
}

/// What bindscope should say about a route decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Via<'a> {
    /// The interface the socket asked for (`oif_name`), `None` when unbound.
    oif: Option<&'a str>,
    /// The chosen device, `None` when the decision failed.
    dev: Option<&'a str>,
    /// The chosen gateway, `None` when directly connected or failed.
    gw: Option<Ipv4Addr>,
    /// The error name, `None` on success.
    err: Option<&'a str>,
}

impl<'a> Via<'a> {
    /// A successful unbound decision through `dev`, via `gw` if given.
    const fn route(dev: &'a str, gw: Option<Ipv4Addr>) -> Self {
        Via {
            oif: None,
            dev: Some(dev),
            gw,
            err: None,
        }
    }

    /// The same, asked for by a socket bound to `oif`.
    const fn bound(self, oif: &'a str) -> Self {
        Via {
            oif: Some(oif),
            ..self
        }
    }

    /// A failed decision with error `err`.
    const fn error(err: &'a str) -> Self {
        Via {
            oif: None,
            dev: None,
            gw: None,
            err: Some(err),
        }
    }
}

/// Checks that `decision` says `want`, and that bindscope flags the on-link fallback exactly
/// when a lookup bound to an interface failed.
fn expect_via(seen: &Seen, what: &str, decision: &RouteDecision, want: Via) -> Result<()> {
    let got = Via {
        oif: decision.oif_name.as_deref(),
        dev: decision.dev.as_deref(),
        gw: decision.gw.as_ref().and_then(|g| g.v4()),
        err: decision.err.as_deref(),
    };
    seen.expect_eq(what, got, want)?;
    seen.expect_eq(
        &format!("{what}: on-link fallback"),
        decision.onlink_fallback,
        want.err.is_some() && want.oif.is_some(),
    )
}

/// Checks that bindscope reported route decisions for `dst` and that every one says `want`
/// (a UDP `connect` makes two: one to pick the source, one with it); returns the first one
/// as bindscope prints it.
fn expect_routes(seen: &Seen, dst: SocketAddrV4, want: Via) -> Result<String> {
    let decisions = seen.routes_to(dst);
    let first = seen.expect_first(&format!("route decision for {dst}"), decisions.clone())?;
    for decision in &decisions {
        expect_via(seen, &format!("route decision for {dst}"), decision, want)?;
    }
    Ok(first.line())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_identifiers_and_claims_cite_a_seed() {
        let all = all();
        let mut names: Vec<_> = all.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len(), "duplicate scenario names");
        for s in &all {
            assert!(
                s.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{} is not a snake_case identifier",
                s.name
            );
            assert!(
                s.claim.contains(".txt") && s.claim.contains('"'),
                "{}: the claim must cite a seed file and quote it",
                s.name
            );
        }
    }
}
