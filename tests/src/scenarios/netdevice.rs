//! Claims of netdevice(7) (`004_601343dfe295c4cf.txt`): the `SIOC*` interface ioctls on a
//! `struct ifreq`, `SIOCGIFCONF`, and which of them need `CAP_NET_ADMIN`.

use std::net::Ipv4Addr;
use std::os::fd::OwnedFd;

use anyhow::Result;

use crate::abi::{self, IFREQ_SIZE};
use crate::scenario::{expect_eq, expect_errno, expect_ok, Ctx, Outcome, Scenario};
use crate::sys::{self, Errno};
use crate::topology::*;

/// This file's scenarios.
pub(super) const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "siocgifindex_siocgifname_round_trip",
        claim: "004_601343dfe295c4cf.txt: \"SIOCGIFNAME Given the ifr_ifindex, return the name of \
                the interface in ifr_name.\" and \"SIOCGIFINDEX Retrieve the interface index of \
                the interface into ifr_ifindex.\"",
        run: siocgifindex_siocgifname_round_trip,
    },
    Scenario {
        name: "siocgifflags_up_running",
        claim: "004_601343dfe295c4cf.txt: \"IFF_UP Interface is running.\", \"IFF_RUNNING \
                Resources allocated.\", \"IFF_LOWER_UP Driver signals L1 up (since Linux \
                2.6.17)\" and \"short ifr_flags;\"",
        run: siocgifflags_up_running,
    },
    Scenario {
        name: "siocgifmtu_siocsifmtu",
        claim: "004_601343dfe295c4cf.txt: \"SIOCGIFMTU, SIOCSIFMTU Get or set the MTU (Maximum \
                Transfer Unit) of a device using ifr_mtu. Setting the MTU is a privileged \
                operation. Setting the MTU to too small values may cause kernel crashes.\"",
        run: siocgifmtu_siocsifmtu,
    },
    Scenario {
        name: "siocgifconf_null_buffer_gives_size",
        claim: "004_601343dfe295c4cf.txt: \"If ifc_req is NULL, SIOCGIFCONF returns the necessary \
                buffer size in bytes for receiving all available addresses in ifc_len.\" and \"If \
                the size specified by ifc_len is insufficient to store all the addresses, the \
                kernel will skip the exceeding ones and return success.\"",
        run: siocgifconf_null_buffer_gives_size,
    },
    Scenario {
        name: "siocsifmtu_needs_cap_net_admin",
        claim: "004_601343dfe295c4cf.txt: \"If an ioctl is marked as privileged, then using it \
                requires an effective user ID of 0 or the CAP_NET_ADMIN capability. If this is \
                not the case, EPERM will be returned.\"",
        run: siocsifmtu_needs_cap_net_admin,
    },
];

/// `ioctl(request)` on an ifreq naming `name`; returns the ifreq as the kernel left it.
fn ifreq_ioctl(
    socket: &OwnedFd,
    request: libc::c_ulong,
    name: &str,
) -> Result<[u8; IFREQ_SIZE], Errno> {
    let mut ifr = abi::ifreq_with_name(name);
    sys::ioctl_ifreq(socket, request, &mut ifr)?;
    Ok(ifr)
}

/// `SIOCSIFMTU` of `name` to `mtu`.
fn set_mtu(socket: &OwnedFd, name: &str, mtu: i32) -> Result<(), Errno> {
    let mut ifr = abi::ifreq_with_name(name);
    abi::set_ifreq_int(&mut ifr, mtu);
    sys::ioctl_ifreq(socket, libc::SIOCSIFMTU, &mut ifr)
}

/// Name to index and back, and ENODEV for what does not exist.
fn siocgifindex_siocgifname_round_trip(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let socket = topo.host_socket()?;

    let index = ifreq_ioctl(&socket, libc::SIOCGIFINDEX, ETH1).map(|ifr| abi::ifreq_int(&ifr));
    let mut by_index = abi::ifreq_with_index(topo.ifindex.eth1 as i32);
    let named = sys::ioctl_ifreq(&socket, libc::SIOCGIFNAME, &mut by_index);
    let no_name = ifreq_ioctl(&socket, libc::SIOCGIFINDEX, "nosuchdev0");
    let mut unused_index = abi::ifreq_with_index(9999);
    let no_index = sys::ioctl_ifreq(&socket, libc::SIOCGIFNAME, &mut unused_index);

    let index = expect_ok("SIOCGIFINDEX eth1", index)?;
    expect_eq("SIOCGIFINDEX eth1", index, topo.ifindex.eth1 as i32)?;
    expect_ok("SIOCGIFNAME", named)?;
    expect_eq("SIOCGIFNAME", abi::ifreq_name(&by_index), ETH1.to_owned())?;
    expect_errno("SIOCGIFINDEX nosuchdev0", no_name, libc::ENODEV)?;
    expect_errno("SIOCGIFNAME 9999", no_index, libc::ENODEV)?;
    Ok(Outcome::pass(format!(
        "eth1 -> ifindex {index} -> \"eth1\"; unknown name or index: ENODEV"
    )))
}

/// Flags of a running veth, of a veth whose peer is down, and the 16-bit truncation.
fn siocgifflags_up_running(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let socket = topo.host_socket()?;

    let eth0 = ifreq_ioctl(&socket, libc::SIOCGIFFLAGS, ETH0).map(|ifr| abi::ifreq_flags(&ifr));
    let lo = ifreq_ioctl(&socket, libc::SIOCGIFFLAGS, "lo").map(|ifr| abi::ifreq_flags(&ifr));
    let link = topo.host.ip(["link", "show", ETH0])?;
    // Take the peer of eth2 down: eth2 stays administratively up but loses its carrier.
    topo.router.ip(["link", "set", R2, "down"])?;
    topo.host.wait_link_state(ETH2, false)?;
    let eth2 = ifreq_ioctl(&socket, libc::SIOCGIFFLAGS, ETH2).map(|ifr| abi::ifreq_flags(&ifr));

    let flag = |bits: i32| bits as u16;
    let eth0 = expect_ok("SIOCGIFFLAGS eth0", eth0)?;
    let want = flag(libc::IFF_UP | libc::IFF_RUNNING | libc::IFF_BROADCAST | libc::IFF_MULTICAST);
    expect_eq("eth0 has UP|RUNNING|BROADCAST|MULTICAST", eth0 & want, want)?;
    let lo = expect_ok("SIOCGIFFLAGS lo", lo)?;
    expect_eq("lo has LOOPBACK", lo & flag(libc::IFF_LOOPBACK) != 0, true)?;
    let eth2 = expect_ok("SIOCGIFFLAGS eth2", eth2)?;
    expect_eq(
        "eth2 with its peer down: UP",
        eth2 & flag(libc::IFF_UP) != 0,
        true,
    )?;
    expect_eq(
        "eth2 with its peer down: RUNNING",
        eth2 & flag(libc::IFF_RUNNING) != 0,
        false,
    )?;
    // IFF_LOWER_UP is bit 16: rtnetlink reports it, the 16-bit ifr_flags cannot.
    let lower_up_in_rtnetlink = link.contains("LOWER_UP");
    expect_eq(
        "`ip link` shows LOWER_UP for eth0",
        lower_up_in_rtnetlink,
        true,
    )?;
    Ok(Outcome::pass(format!(
        "eth0 ifr_flags=0x{eth0:04x} (UP|BROADCAST|RUNNING|MULTICAST), lo=0x{lo:04x}; eth2 with \
         its peer down=0x{eth2:04x} (UP without RUNNING); IFF_LOWER_UP (0x{:x}) does not fit the \
         16-bit ifr_flags: only rtnetlink (`ip link`) shows LOWER_UP",
        libc::IFF_LOWER_UP
    )))
}

/// Reading and setting the MTU; a too small MTU is refused instead of crashing the kernel.
fn siocgifmtu_siocsifmtu(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let socket = topo.host_socket()?;

    let before = ifreq_ioctl(&socket, libc::SIOCGIFMTU, ETH0).map(|ifr| abi::ifreq_int(&ifr));
    let set = set_mtu(&socket, ETH0, 1400);
    let after = ifreq_ioctl(&socket, libc::SIOCGIFMTU, ETH0).map(|ifr| abi::ifreq_int(&ifr));
    let link = topo.host.ip(["link", "show", ETH0])?;
    let tiny = set_mtu(&socket, ETH0, 67);

    expect_eq("SIOCGIFMTU before", expect_ok("SIOCGIFMTU", before)?, 1500)?;
    expect_ok("SIOCSIFMTU 1400", set)?;
    expect_eq("SIOCGIFMTU after", expect_ok("SIOCGIFMTU", after)?, 1400)?;
    expect_eq("`ip link` shows mtu 1400", link.contains("mtu 1400"), true)?;
    expect_errno(
        "SIOCSIFMTU 67 (below the veth minimum of 68)",
        tiny,
        libc::EINVAL,
    )?;
    Ok(Outcome::pass(
        "SIOCGIFMTU 1500; SIOCSIFMTU 1400 then SIOCGIFMTU 1400 (ip link agrees); SIOCSIFMTU 67: \
         EINVAL (the kernel now checks the device's minimum instead of crashing)",
    ))
}

/// `SIOCGIFCONF` with a NULL buffer reports the size; a short buffer is silently filled.
fn siocgifconf_null_buffer_gives_size(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let socket = topo.host_socket()?;

    let needed = sys::ioctl_ifconf(&socket, 0);
    let full = needed
        .as_ref()
        .ok()
        .map(|(len, _)| sys::ioctl_ifconf(&socket, *len));
    let short = sys::ioctl_ifconf(&socket, 2 * IFREQ_SIZE);

    let (needed, _) = expect_ok("SIOCGIFCONF with a NULL buffer", needed)?;
    // lo, eth0, eth1 and eth2 have one IPv4 address each.
    expect_eq("size needed", needed, 4 * IFREQ_SIZE)?;
    let (filled, bytes) = expect_ok(
        "SIOCGIFCONF with that size",
        full.unwrap_or(Err(Errno(libc::EINVAL))),
    )?;
    expect_eq("bytes filled", filled, needed)?;
    let entries: Vec<(String, Option<Ipv4Addr>)> = bytes
        .chunks_exact(IFREQ_SIZE)
        .filter_map(|chunk| <[u8; IFREQ_SIZE]>::try_from(chunk).ok())
        .map(|ifr| {
            (
                abi::ifreq_name(&ifr),
                abi::ifreq_addr(&ifr).map(|a| *a.ip()),
            )
        })
        .collect();
    let want = vec![
        ("lo".to_owned(), Some(Ipv4Addr::LOCALHOST)),
        (ETH0.to_owned(), Some(HOST_ETH0)),
        (ETH1.to_owned(), Some(HOST_ETH1)),
        (ETH2.to_owned(), Some(HOST_ETH2)),
    ];
    expect_eq("entries", entries.clone(), want)?;
    let (short_len, _) = expect_ok("SIOCGIFCONF with room for 2", short)?;
    expect_eq("bytes filled into room for 2", short_len, 2 * IFREQ_SIZE)?;
    Ok(Outcome::pass(format!(
        "NULL buffer: ifc_len={needed} (4 x {IFREQ_SIZE}); entries {}; room for 2: success with \
         ifc_len={short_len}, the rest skipped",
        entries
            .iter()
            .map(|(name, addr)| format!(
                "{name}={}",
                addr.map_or("?".to_owned(), |a| a.to_string())
            ))
            .collect::<Vec<_>>()
            .join(",")
    )))
}

/// Without `CAP_NET_ADMIN`, setting the MTU (and flags) is EPERM while reading still works.
fn siocsifmtu_needs_cap_net_admin(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let socket = topo.host_socket()?;

    // Capabilities are per thread: drop them all on the namespace thread only.
    let (read, set_mtu_result, set_flags) = topo.host.run(|| {
        if let Err(e) = sys::drop_all_capabilities_in_this_thread() {
            return (Err(e), Err(e), Err(e));
        }
        let read = ifreq_ioctl(&socket, libc::SIOCGIFMTU, ETH0).map(|ifr| abi::ifreq_int(&ifr));
        let set_mtu_result = set_mtu(&socket, ETH0, 1400);
        let mut flags = ifreq_ioctl(&socket, libc::SIOCGIFFLAGS, ETH0);
        let set_flags = match flags.as_mut() {
            Ok(ifr) => sys::ioctl_ifreq(&socket, libc::SIOCSIFFLAGS, ifr),
            Err(e) => Err(*e),
        };
        (read, set_mtu_result, set_flags)
    });
    let after = ifreq_ioctl(&socket, libc::SIOCGIFMTU, ETH0).map(|ifr| abi::ifreq_int(&ifr));

    expect_eq(
        "SIOCGIFMTU without capabilities",
        expect_ok("SIOCGIFMTU without capabilities", read)?,
        1500,
    )?;
    expect_errno(
        "SIOCSIFMTU without CAP_NET_ADMIN",
        set_mtu_result,
        libc::EPERM,
    )?;
    expect_errno("SIOCSIFFLAGS without CAP_NET_ADMIN", set_flags, libc::EPERM)?;
    expect_eq("MTU afterwards", expect_ok("SIOCGIFMTU", after)?, 1500)?;
    Ok(Outcome::pass(
        "thread without capabilities (uid still 0): SIOCGIFMTU works, SIOCSIFMTU and \
         SIOCSIFFLAGS fail with EPERM, MTU unchanged",
    ))
}
