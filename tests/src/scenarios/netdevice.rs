//! Claims of netdevice(7) (`004_601343dfe295c4cf.txt`): the `SIOC*` interface ioctls on a
//! `struct ifreq`, `SIOCGIFCONF`, and which of them need `CAP_NET_ADMIN`.

use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, OwnedFd};

use anyhow::Result;
use bindscope::decode::IoctlReport;

use crate::abi::{self, IFREQ_SIZE};
use crate::scenario::{expect_eq, expect_errno, expect_ok, Ctx, Found, Outcome, Scenario, Seen};
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
        name: "siocsifname_renames_an_interface",
        claim: "004_601343dfe295c4cf.txt: \"SIOCSIFNAME Changes the name of the interface \
                specified in ifr_name to ifr_newname. This is a privileged operation. It is \
                allowed only when the interface is not up.\"",
        run: siocsifname_renames_an_interface,
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

/// Checks an ioctl report: its `(ifname, ret, errno)`, and that its decoded value mentions
/// `value` (the number the kernel answered or was given); returns its line for the note.
fn expect_ioctl(
    seen: &Seen,
    ioctl: &IoctlReport,
    what: &str,
    want: (Option<&str>, i64, Option<&str>),
    value: &str,
) -> Result<()> {
    seen.expect_eq(
        &format!("{what} (ifname, ret, errno)"),
        (ioctl.ifname.as_deref(), ioctl.ret, ioctl.errno.as_deref()),
        want,
    )?;
    if ioctl.value.contains(value) {
        Ok(())
    } else {
        Err(seen.error(format!(
            "{what}: value {:?} does not mention {value}",
            ioctl.value
        )))
    }
}

/// The lines of `found`, joined for a note.
fn lines<T>(found: &[Found<'_, T>]) -> String {
    found.iter().map(Found::line).collect::<Vec<_>>().join("; ")
}

/// Name to index and back, and ENODEV for what does not exist.
fn siocgifindex_siocgifname_round_trip(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let socket = topo.host_socket()?;
    let eth1 = topo.ifindex.eth1 as i32;
    let mut trace = ctx.trace(&topo.host)?;

    let mut by_index = abi::ifreq_with_index(eth1);
    let mut unused_index = abi::ifreq_with_index(9999);
    let (index, named, no_name, no_index) = topo.host.run(|| {
        (
            ifreq_ioctl(&socket, libc::SIOCGIFINDEX, ETH1).map(|ifr| abi::ifreq_int(&ifr)),
            sys::ioctl_ifreq(&socket, libc::SIOCGIFNAME, &mut by_index),
            ifreq_ioctl(&socket, libc::SIOCGIFINDEX, "nosuchdev0"),
            sys::ioctl_ifreq(&socket, libc::SIOCGIFNAME, &mut unused_index),
        )
    });
    let seen = trace.collect()?;

    let index = expect_ok("SIOCGIFINDEX eth1", index)?;
    expect_eq("SIOCGIFINDEX eth1", index, eth1)?;
    expect_ok("SIOCGIFNAME", named)?;
    expect_eq("SIOCGIFNAME", abi::ifreq_name(&by_index), ETH1.to_owned())?;
    expect_errno("SIOCGIFINDEX nosuchdev0", no_name, libc::ENODEV)?;
    expect_errno("SIOCGIFNAME 9999", no_index, libc::ENODEV)?;

    // Captured after the call: the report holds the kernel's answer.
    let indexes = seen.expect_count("SIOCGIFINDEX", seen.ioctls("SIOCGIFINDEX"), 2)?;
    let names = seen.expect_count("SIOCGIFNAME", seen.ioctls("SIOCGIFNAME"), 2)?;
    let eth1 = eth1.to_string();
    expect_ioctl(
        &seen,
        &indexes[0],
        "SIOCGIFINDEX eth1",
        (Some(ETH1), 0, None),
        &eth1,
    )?;
    expect_ioctl(
        &seen,
        &indexes[1],
        "SIOCGIFINDEX nosuchdev0",
        (Some("nosuchdev0"), -1, Some("ENODEV")),
        "",
    )?;
    // SIOCGIFNAME's name is its answer: bindscope reports it as `ifname` (none on failure).
    expect_ioctl(
        &seen,
        &names[0],
        "SIOCGIFNAME",
        (Some("eth1"), 0, None),
        &format!("ifindex={eth1} name=\"eth1\""),
    )?;
    expect_ioctl(
        &seen,
        &names[1],
        "SIOCGIFNAME 9999",
        (None, -1, Some("ENODEV")),
        "9999",
    )?;
    Ok(Outcome::pass(format!(
        "eth1 -> ifindex {index} -> \"eth1\"; unknown name or index: ENODEV; bindscope: {}; {}",
        lines(&indexes),
        lines(&names)
    )))
}

/// Flags of a running veth, of a veth whose peer is down, and the 16-bit truncation.
fn siocgifflags_up_running(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let socket = topo.host_socket()?;
    let mut trace = ctx.trace(&topo.host)?;

    let flags_of = |name: &str| {
        topo.host.run(|| {
            ifreq_ioctl(&socket, libc::SIOCGIFFLAGS, name).map(|ifr| abi::ifreq_flags(&ifr))
        })
    };
    let eth0 = flags_of(ETH0);
    let lo = flags_of("lo");
    let link = topo.host.ip(["link", "show", ETH0])?;
    // Take the peer of eth2 down: eth2 stays administratively up but loses its carrier.
    topo.router.ip(["link", "set", R2, "down"])?;
    topo.host.wait_link_state(ETH2, false)?;
    let eth2 = flags_of(ETH2);
    let seen = trace.collect()?;

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

    // The harness polls eth2's flags on its own socket while waiting; keep this socket's.
    let fd = socket.as_raw_fd();
    let ours: Vec<_> = seen
        .ioctls("SIOCGIFFLAGS")
        .into_iter()
        .filter(|i| i.fd == fd)
        .collect();
    let ours = seen.expect_count("SIOCGIFFLAGS on the scenario's socket", ours, 3)?;
    for (ioctl, name, bits) in [
        (&ours[0], ETH0, eth0),
        (&ours[1], "lo", lo),
        (&ours[2], ETH2, eth2),
    ] {
        expect_ioctl(
            &seen,
            ioctl,
            &format!("SIOCGIFFLAGS {name}"),
            (Some(name), 0, None),
            &format!("{bits:#x}"),
        )?;
    }
    let eth2_line = ours[2].line();
    if eth2_line.contains("RUNNING") {
        return Err(seen.error("SIOCGIFFLAGS eth2 with its peer down: RUNNING decoded".into()));
    }
    Ok(Outcome::pass(format!(
        "eth0 ifr_flags=0x{eth0:04x} (UP|BROADCAST|RUNNING|MULTICAST), lo=0x{lo:04x}; eth2 with \
         its peer down=0x{eth2:04x} (UP without RUNNING); IFF_LOWER_UP (0x{:x}) does not fit the \
         16-bit ifr_flags: only rtnetlink (`ip link`) shows LOWER_UP; bindscope: {}",
        libc::IFF_LOWER_UP,
        lines(&ours)
    )))
}

/// Reading and setting the MTU; a too small MTU is refused instead of crashing the kernel.
fn siocgifmtu_siocsifmtu(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let socket = topo.host_socket()?;
    let mut trace = ctx.trace(&topo.host)?;

    let get_mtu = || {
        topo.host
            .run(|| ifreq_ioctl(&socket, libc::SIOCGIFMTU, ETH0).map(|ifr| abi::ifreq_int(&ifr)))
    };
    let before = get_mtu();
    let set = topo.host.run(|| set_mtu(&socket, ETH0, 1400));
    let after = get_mtu();
    let link = topo.host.ip(["link", "show", ETH0])?;
    let tiny = topo.host.run(|| set_mtu(&socket, ETH0, 67));
    let seen = trace.collect()?;

    expect_eq("SIOCGIFMTU before", expect_ok("SIOCGIFMTU", before)?, 1500)?;
    expect_ok("SIOCSIFMTU 1400", set)?;
    expect_eq("SIOCGIFMTU after", expect_ok("SIOCGIFMTU", after)?, 1400)?;
    expect_eq("`ip link` shows mtu 1400", link.contains("mtu 1400"), true)?;
    expect_errno(
        "SIOCSIFMTU 67 (below the veth minimum of 68)",
        tiny,
        libc::EINVAL,
    )?;

    let gets = seen.expect_count("SIOCGIFMTU", seen.ioctls("SIOCGIFMTU"), 2)?;
    let sets = seen.expect_count("SIOCSIFMTU", seen.ioctls("SIOCSIFMTU"), 2)?;
    let eth0 = Some(ETH0);
    expect_ioctl(
        &seen,
        &gets[0],
        "SIOCGIFMTU before",
        (eth0, 0, None),
        "1500",
    )?;
    expect_ioctl(&seen, &sets[0], "SIOCSIFMTU 1400", (eth0, 0, None), "1400")?;
    expect_ioctl(&seen, &gets[1], "SIOCGIFMTU after", (eth0, 0, None), "1400")?;
    expect_ioctl(
        &seen,
        &sets[1],
        "SIOCSIFMTU 67",
        (eth0, -1, Some("EINVAL")),
        "67",
    )?;
    Ok(Outcome::pass(format!(
        "SIOCGIFMTU 1500; SIOCSIFMTU 1400 then SIOCGIFMTU 1400 (ip link agrees); SIOCSIFMTU 67: \
         EINVAL (the kernel now checks the device's minimum instead of crashing); bindscope: {}; \
         {}; {}; {}",
        gets[0].line(),
        sets[0].line(),
        gets[1].line(),
        sets[1].line()
    )))
}

/// `SIOCGIFCONF` with a NULL buffer reports the size; a short buffer is silently filled.
fn siocgifconf_null_buffer_gives_size(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let socket = topo.host_socket()?;
    let mut trace = ctx.trace(&topo.host)?;

    let (needed, full, short) = topo.host.run(|| {
        let needed = sys::ioctl_ifconf(&socket, 0);
        let full = needed
            .as_ref()
            .ok()
            .map(|(len, _)| sys::ioctl_ifconf(&socket, *len));
        let short = sys::ioctl_ifconf(&socket, 2 * IFREQ_SIZE);
        (needed, full, short)
    });
    let seen = trace.collect()?;

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
    // The kernel's ifc_len is captured after the call (ifc_buf is a pointer: left out).
    let calls = seen.expect_count("SIOCGIFCONF", seen.ioctls("SIOCGIFCONF"), 3)?;
    for (call, want) in calls.iter().zip([
        format!("ifc_len={needed} ifc_buf=NULL"),
        format!("ifc_len={filled} "),
        format!("ifc_len={short_len} "),
    ]) {
        expect_ioctl(&seen, call, "SIOCGIFCONF", (None, 0, None), &want)?;
    }
    Ok(Outcome::pass(format!(
        "NULL buffer: ifc_len={needed} (4 x {IFREQ_SIZE}); entries {}; room for 2: success with \
         ifc_len={short_len}, the rest skipped; bindscope: {} then ifc_len={filled} and \
         ifc_len={short_len} with a buffer",
        entries
            .iter()
            .map(|(name, addr)| format!(
                "{name}={}",
                addr.map_or("?".to_owned(), |a| a.to_string())
            ))
            .collect::<Vec<_>>()
            .join(","),
        calls[0].line()
    )))
}

/// Without `CAP_NET_ADMIN`, setting the MTU (and flags) is EPERM while reading still works.
fn siocsifmtu_needs_cap_net_admin(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let socket = topo.host_socket()?;
    let mut trace = ctx.trace(&topo.host)?;

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
    let seen = trace.collect()?;

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

    let read = seen.expect_one("SIOCGIFMTU", seen.ioctls("SIOCGIFMTU"))?;
    let set_mtu = seen.expect_one("SIOCSIFMTU", seen.ioctls("SIOCSIFMTU"))?;
    let set_flags = seen.expect_one("SIOCSIFFLAGS", seen.ioctls("SIOCSIFFLAGS"))?;
    let eth0 = Some(ETH0);
    expect_ioctl(&seen, &read, "SIOCGIFMTU", (eth0, 0, None), "1500")?;
    expect_ioctl(
        &seen,
        &set_mtu,
        "SIOCSIFMTU",
        (eth0, -1, Some("EPERM")),
        "1400",
    )?;
    expect_ioctl(
        &seen,
        &set_flags,
        "SIOCSIFFLAGS",
        (eth0, -1, Some("EPERM")),
        "",
    )?;
    Ok(Outcome::pass(format!(
        "thread without capabilities (uid still 0): SIOCGIFMTU works, SIOCSIFMTU and \
         SIOCSIFFLAGS fail with EPERM, MTU unchanged; bindscope: {}; {}; {}",
        read.line(),
        set_mtu.line(),
        set_flags.line()
    )))
}

/// `SIOCSIFNAME` of `name` to `new_name`.
fn rename(socket: &OwnedFd, name: &str, new_name: &str) -> Result<(), Errno> {
    let mut ifr = abi::ifreq_with_name(name);
    ifr[libc::IFNAMSIZ..libc::IFNAMSIZ + new_name.len()].copy_from_slice(new_name.as_bytes());
    sys::ioctl_ifreq(socket, libc::SIOCSIFNAME, &mut ifr)
}

/// Takes `name` down (`SIOCSIFFLAGS` without `IFF_UP`).
fn set_down(socket: &OwnedFd, name: &str) -> Result<(), Errno> {
    let flags = abi::ifreq_flags(&ifreq_ioctl(socket, libc::SIOCGIFFLAGS, name)?);
    let mut ifr = abi::ifreq_with_name(name);
    let down = flags & !(libc::IFF_UP as u16);
    ifr[libc::IFNAMSIZ..libc::IFNAMSIZ + 2].copy_from_slice(&down.to_ne_bytes());
    sys::ioctl_ifreq(socket, libc::SIOCSIFFLAGS, &mut ifr)
}

/// A rename of an interface that is up is refused (`EBUSY`) where the document's rule holds,
/// and done once it is down; newer kernels rename it up too (the modern behaviour, said in
/// the note). Then the names bindscope gives on either side of the rename: a route decision
/// made through eth1 before it keeps the name the kernel gave with the lookup, for the chosen
/// device and for the device the socket asked for, however late bindscope decodes it (the
/// README's "Interface names"); a binding by index made after it is named `wan1`.
fn siocsifname_renames_an_interface(ctx: &mut Ctx) -> Result<Outcome> {
    let topo = ctx.seed_topology()?;
    let socket = topo.host_socket()?;
    let (bound, by_index) = (topo.host_socket()?, topo.host_socket()?);
    let eth1 = topo.ifindex.eth1 as i32;
    let dest = sys::v4(FAR, CLOSED_PORT);
    let mut trace = ctx.trace(&topo.host)?;

    let mut by_index_ifr = abi::ifreq_with_index(eth1);
    let (connected, while_up, when_down, named, rebound) = topo.host.run(|| {
        let connected =
            sys::setsockopt_bytes(&bound, libc::SOL_SOCKET, libc::SO_BINDTODEVICE, b"eth1")
                .and_then(|()| sys::connect(&bound, dest));
        let while_up = rename(&socket, ETH1, "wan1");
        let when_down = match while_up {
            Err(Errno(libc::EBUSY)) => {
                Some(set_down(&socket, ETH1).and_then(|()| rename(&socket, ETH1, "wan1")))
            }
            _ => None,
        };
        let named = sys::ioctl_ifreq(&socket, libc::SIOCGIFNAME, &mut by_index_ifr);
        let rebound =
            sys::setsockopt_int(&by_index, libc::SOL_SOCKET, libc::SO_BINDTOIFINDEX, eth1);
        (connected, while_up, when_down, named, rebound)
    });
    let seen = trace.collect()?;

    expect_ok("connect bound to eth1", connected)?;
    let kernel = match (while_up, when_down) {
        (Err(Errno(libc::EBUSY)), Some(renamed)) => {
            expect_ok("SIOCSIFNAME once down", renamed)?;
            "EBUSY while up, renamed once down, as documented"
        }
        (Ok(()), None) => {
            "this kernel renames an interface that is up too: the document's rule (only when \
             not up) no longer holds"
        }
        (while_up, _) => {
            return Err(anyhow::anyhow!(
                "SIOCSIFNAME while up: expected EBUSY or success, got {while_up:?}"
            ))
        }
    };
    expect_ok("SIOCGIFNAME after", named)?;
    expect_eq(
        "eth1's index is named",
        abi::ifreq_name(&by_index_ifr),
        "wan1".to_owned(),
    )?;
    expect_ok("SO_BINDTOIFINDEX after", rebound)?;

    let decision = seen.expect_first("the bound decision", seen.routes_to(dest))?;
    seen.expect_eq(
        "the bound decision's (dev, oif_name)",
        (
            decision.get().dev.as_deref(),
            decision.get().oif_name.as_deref(),
        ),
        (Some(ETH1), Some(ETH1)),
    )?;
    let renames = seen.ioctls("SIOCSIFNAME");
    let last = renames
        .last()
        .ok_or_else(|| seen.error("SIOCSIFNAME: no such report".into()))?;
    expect_ioctl(
        &seen,
        last,
        "the SIOCSIFNAME that renamed",
        (Some(ETH1), 0, None),
        "wan1",
    )?;
    let binding = seen.expect_one("SO_BINDTOIFINDEX", seen.sockopts("SO_BINDTOIFINDEX"))?;
    seen.expect_eq(
        "SO_BINDTOIFINDEX's name",
        binding.get().ifname.as_deref(),
        Some("wan1"),
    )?;
    Ok(Outcome::pass(format!(
        "{kernel}; bindscope: {}; {}; {}",
        decision.line(),
        last.line(),
        binding.line()
    )))
}
