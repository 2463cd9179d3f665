//! Whether this process may build namespaces, and what a scenario reports when it may not.
//!
//! Scenarios need `CAP_SYS_ADMIN` (to create and enter namespaces, and for bindscope to load
//! its eBPF programs), `CAP_NET_ADMIN` (to configure them) and the `ip` tool. Without them a scenario is skipped with the reason (`crate::scenario` says so), so a
//! developer without root still gets a clean run of the rest of the workspace; under CI
//! (`CI` set) the same situation is a failure, because no test may pass by skipping in CI.

use std::sync::OnceLock;

/// `CAP_NET_ADMIN`'s bit number.
const CAP_NET_ADMIN: u32 = 12;
/// `CAP_SYS_ADMIN`'s bit number.
const CAP_SYS_ADMIN: u32 = 21;

/// Checks (once per process) that namespaces can be built here; `Err` says what is missing.
pub fn check() -> Result<(), String> {
    static RESULT: OnceLock<Result<(), String>> = OnceLock::new();
    RESULT.get_or_init(check_uncached).clone()
}

/// The checks behind [`check`].
fn check_uncached() -> Result<(), String> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("cannot read /proc/self/status ({e}); is /proc mounted?"))?;
    let effective = status
        .lines()
        .find_map(|line| line.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .ok_or("no CapEff line in /proc/self/status")?;
    for (bit, name) in [
        (CAP_SYS_ADMIN, "CAP_SYS_ADMIN"),
        (CAP_NET_ADMIN, "CAP_NET_ADMIN"),
    ] {
        if effective & (1 << bit) == 0 {
            return Err(format!(
                "needs root ({name} is missing) to create network namespaces"
            ));
        }
    }
    crate::netns::ip(["-V"]).map_err(|e| format!("needs the `ip` tool from iproute2: {e:#}"))?;
    Ok(())
}

/// Whether we run under CI (the `CI` variable is set to anything but `""`, `0` or `false`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// For a plain test (or doctest) that needs what [`check`] checks: `true` if it may run;
/// `false`, after printing why, on a developer's machine without the privileges; a panic
/// under CI, because no test may pass by skipping in CI.
pub fn ok_or_skip() -> bool {
    match check() {
        Ok(()) => true,
        Err(reason) if !in_ci() => {
            eprintln!("skipped: {reason}");
            false
        }
        Err(reason) => panic!("CI must run the privileged tests: {reason}"),
    }
}

/// `program` run as user `nobody` (65534) with no capability at all, through util-linux's
/// setpriv(1): what an unprivileged user meets. Add the program's arguments, then run it.
pub fn as_nobody(program: &str) -> std::process::Command {
    let mut command = std::process::Command::new("setpriv");
    command.args([
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        program,
    ]);
    command
}
