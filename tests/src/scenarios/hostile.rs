//! Names that someone else chose, printed to an operator: interfaces named with a terminal
//! escape, a backslash, fifteen bytes of multibyte UTF-8, a C1 control and bytes that are not
//! UTF-8 (renamed with `SIOCSIFNAME`, as netdevice(7) describes), and a task named with
//! colour escapes and a bell. What the kernel holds is asserted first (the names read back
//! exactly); then that bindscope's text has no control byte and gives each name back through
//! the escaping rule, and that its JSON gives back the exact bytes.

use std::net::SocketAddrV4;

use anyhow::{bail, ensure, Context, Result};
use bindscope::output::{describe, Human, Palette, Sink};
use serde_json::Value;
use sockabi::text::{unescape, Escaped};

use crate::scenario::{Ctx, Outcome, Scenario};
use crate::sys;
use crate::topology::{CLOSED_PORT, FAR};

/// This file's scenarios.
pub(super) const SCENARIOS: &[Scenario] = &[Scenario {
    name: "hostile_names",
    claim: "004_601343dfe295c4cf.txt: \"SIOCSIFNAME Changes the name of the interface \
            specified in ifr_name to ifr_newname\" (the kernel takes any bytes but '/', ':' and \
            white space, so a name is no trusted text; nor is a task's comm)",
    run: hostile_names,
}];

/// A terminal escape (reverse video), as an interface name.
const ESCAPE: &[u8] = b"e\x1b[7m";
/// A backslash, which the rule doubles.
const BACKSLASH: &[u8] = b"a\\b";
/// Fifteen bytes (IFNAMSIZ - 1) of UTF-8, five wide characters.
const WIDE: &[u8] = "\u{754c}\u{754c}\u{754c}\u{754c}\u{754c}".as_bytes();
/// A C1 control (CSI, U+009B), encoded in UTF-8.
const C1: &[u8] = b"c\xc2\x9b1";
/// Not UTF-8.
const NOT_UTF8: &[u8] = b"x\xffy";
/// A task name: colours, a bell and a percent sign.
const COMM: &[u8] = b"\x1b[31mEVIL%\x1b[0m\x07";

/// The interfaces, each given to a veth end (the peer is named plainly).
const NAMES: [&[u8]; 5] = [ESCAPE, BACKSLASH, WIDE, C1, NOT_UTF8];

fn hostile_names(ctx: &mut Ctx) -> Result<Outcome> {
    let ns = ctx.scratch_netns("hostile")?;
    ns.ip(["link", "set", "lo", "up"])?;
    // Made under plain names, then renamed with the bytes themselves (`ip` takes text).
    for n in 0..NAMES.len() {
        ns.ip([
            "link",
            "add",
            &format!("hn{n}"),
            "type",
            "veth",
            "peer",
            "name",
            &format!("hp{n}"),
        ])?;
    }
    for (n, name) in NAMES.iter().enumerate() {
        ns.run(|| sys::rename_device(format!("hn{n}").as_bytes(), name))
            .with_context(|| format!("SIOCSIFNAME to {}", Escaped(name)))?;
    }
    let kernel_names: Vec<Option<Vec<u8>>> = ns.run(|| {
        NAMES
            .iter()
            .map(|name| sys::device_index(name).and_then(sys::device_name))
            .collect()
    });
    for (name, got) in NAMES.iter().zip(&kernel_names) {
        match got {
            Some(got) if got.as_slice() == *name => {}
            got => bail!(
                "the kernel holds {:?} where the test set {}",
                got.as_deref().map(|g| Escaped(g).to_string()),
                Escaped(name)
            ),
        }
    }
    // The first device routes, so its name is a decision's result device too (`ip` takes
    // it: it is UTF-8).
    let escape = std::str::from_utf8(ESCAPE)?;
    for n in 0..NAMES.len() {
        ns.ip(["link", "set", &format!("hp{n}"), "up"])?;
    }
    // Up (a lookup bound to a down device fails before the FIB is asked), by ioctl: `ip`
    // cannot name the one that is not UTF-8.
    ns.run(|| NAMES.iter().try_for_each(|name| sys::set_device_up(name)))?;
    ns.ip(["addr", "add", "192.0.2.2/24", "dev", escape])?;
    ns.ip(["route", "add", "default", "via", "192.0.2.1", "dev", escape])?;
    ns.ip([
        "rule", "add", "oif", escape, "lookup", "main", "pref", "100",
    ])?;

    let mut trace = ctx.trace(&ns)?;
    let far = SocketAddrV4::new(FAR, CLOSED_PORT);
    let outcomes = ns.run(|| {
        sys::set_comm(COMM);
        NAMES
            .iter()
            .map(|name| {
                let socket = sys::udp_socket()?;
                sys::setsockopt_bytes(&socket, libc::SOL_SOCKET, libc::SO_BINDTODEVICE, name)?;
                // Through the unrouted ones the kernel answers as it does (ENETUNREACH, or
                // the on-link fallback); the lookup is what is traced.
                let _ = sys::connect(&socket, far);
                Ok(())
            })
            .collect::<Vec<Result<(), sys::Errno>>>()
    });
    let seen = trace.collect()?;
    for (name, outcome) in NAMES.iter().zip(&outcomes) {
        if let Err(errno) = outcome {
            bail!("SO_BINDTODEVICE to {}: {errno:?}", Escaped(name));
        }
    }

    let reports = seen.all();
    ensure!(!reports.is_empty(), "bindscope reported nothing");
    // Text: the table's lines and the described events, as `bindscope trace` prints them.
    let mut table = Human::new(Vec::new(), Palette::PLAIN);
    table.header();
    for report in reports {
        table.report(report);
    }
    table.flush();
    let text = String::from_utf8(table.into_inner()).context("the table is not UTF-8")?;
    let described: Vec<String> = reports
        .iter()
        .map(|r| describe(r, Palette::PLAIN))
        .collect();
    for line in text.lines().chain(described.iter().map(String::as_str)) {
        if let Some(bad) = line.chars().find(|c| c.is_control()) {
            bail!("a control character {bad:?} reached the text: {line:?}");
        }
    }
    // The task name is cut to its column (22 with the pid, with `…`): its escaped form
    // starts the cut one, and JSON (below) has it whole.
    let comm = Escaped(COMM).to_string();
    // The column starts after the two spaces that end the NETNS column; how many spaces
    // follow the `…` depends on the pid's width.
    let cut = text
        .lines()
        .nth(1)
        .and_then(|line| {
            let before = &line[..line.find('…')?];
            Some(&before[before.rfind("  ")? + 2..])
        })
        .with_context(|| format!("no cut task name in the table:\n{text}"))?;
    ensure!(
        cut.len() >= 5 && comm.starts_with(cut),
        "the table's {cut} is not the start of {comm}"
    );
    for name in NAMES {
        let shown = Escaped(name).to_string();
        ensure!(
            text.contains(&shown),
            "{shown} is not in the table:\n{text}"
        );
        let mut back = Vec::new();
        unescape(&shown, |b| back.push(b)).map_err(|at| anyhow::anyhow!("unescape at {at}"))?;
        ensure!(back == *name, "{shown} does not give back its bytes");
    }

    // JSON: every name field gives back the exact bytes.
    let mut checked = 0;
    for report in reports {
        let json = serde_json::to_value(report)?;
        // The test's own calls; the kernel's (MLD reports in softirq as the devices come up)
        // name the plain peers too.
        let Some(comm) = json.get("comm").filter(|v| !v.is_null()) else {
            continue;
        };
        ensure!(bytes_of(comm)? == COMM, "comm in JSON: {comm}");
        checked += 1;
        for field in ["ifname", "oif_name", "dev"] {
            if let Some(value) = json.get(field).filter(|v| !v.is_null()) {
                let got = bytes_of(value)?;
                ensure!(
                    NAMES.contains(&got.as_slice()),
                    "{field} in JSON is {value}, none of the names set"
                );
                checked += 1;
            }
        }
    }
    for name in NAMES {
        let bound = seen.sockopts("SO_BINDTODEVICE").iter().any(|s| {
            s.get()
                .ifname
                .as_ref()
                .is_some_and(|n| *n.to_bytes() == *name)
        });
        ensure!(bound, "no SO_BINDTODEVICE report names {}", Escaped(name));
        let routed = seen.routes().iter().any(|d| {
            d.get()
                .oif_name
                .as_ref()
                .is_some_and(|n| *n.to_bytes() == *name)
        });
        ensure!(
            routed,
            "no route decision names {} as its oif",
            Escaped(name)
        );
    }
    Ok(Outcome::pass(format!(
        "{} reports, {checked} JSON names exact; e.g. {}",
        reports.len(),
        text.lines().nth(1).unwrap_or_default()
    )))
}

/// The bytes a JSON name holds: a string's UTF-8, or an array of bytes.
fn bytes_of(value: &Value) -> Result<Vec<u8>> {
    match value {
        Value::String(text) => Ok(text.as_bytes().to_vec()),
        Value::Array(items) => items
            .iter()
            .map(|b| {
                b.as_u64()
                    .and_then(|b| u8::try_from(b).ok())
                    .context("a byte array holds a non-byte")
            })
            .collect(),
        other => bail!("a name is neither a string nor bytes: {other}"),
    }
}
