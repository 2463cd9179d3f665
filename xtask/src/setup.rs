//! Idempotent set-up: installs only what is missing and prints every step, so `cargo xtask run`
//! and `cargo xtask test` work on a fresh machine.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Result};

use crate::cmd::{self, step};

/// The LLVM bpf-linker 0.13 links against.
const LLVM_PREFIX: &str = "/usr/lib/llvm-22";
/// Debian packages bpf-linker needs to build.
const BPF_LINKER_PACKAGES: [&str; 4] = [
    "llvm-22-dev",
    "libpolly-22-dev",
    "libzstd-dev",
    "zlib1g-dev",
];

/// Packages for the eBPF toolchain and the namespace tests (net-tools: route(8), which
/// `bindscope routes` is checked against).
pub const BASE_PACKAGES: [&str; 3] = ["iproute2", "gcc", "net-tools"];

/// Packages only the tests need: a real Prometheus server scrapes `bindscope` in
/// observer/tests/metrics.rs; systemd-analyze verifies the unit in deploy/; python3-venv
/// holds the Kubernetes manifest's validator.
pub const TEST_PACKAGES: [&str; 3] = ["prometheus", "systemd", "python3-venv"];

/// Installs Debian packages that are not installed yet (one `apt-get update` first), never
/// removing one: `--no-remove` makes apt-get abort instead (apt-get(8)).
pub fn apt(packages: &[&str]) -> Result<()> {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| {
            cmd::output(Command::new("dpkg-query").args(["-W", "-f=${Status}", p]))
                .is_none_or(|s| !s.contains("install ok installed"))
        })
        .collect();
    if missing.is_empty() {
        step(&format!(
            "ok: apt packages present ({})",
            packages.join(" ")
        ));
        return Ok(());
    }
    step(&format!("installing apt packages: {}", missing.join(" ")));
    cmd::run(Command::new("apt-get").args(["update", "-qq"]))?;
    cmd::run(
        Command::new("apt-get")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args([
                "install",
                "-y",
                "-qq",
                "--no-install-recommends",
                "--no-remove",
            ])
            .args(&missing),
    )
}

/// The nightly toolchain with `rust-src`, for `-Z build-std=core`.
pub fn nightly_rust_src() -> Result<()> {
    nightly_component("rust-src", "for -Z build-std=core")
}

/// Clippy for the nightly toolchain, which lints the eBPF crate.
pub fn nightly_clippy() -> Result<()> {
    nightly_component("clippy", "to lint the eBPF crate")
}

/// The nightly toolchain with `component`, installed if missing.
fn nightly_component(component: &str, why: &str) -> Result<()> {
    let installed =
        cmd::output(Command::new("rustup").args(["+nightly", "component", "list", "--installed"]));
    match installed {
        Some(list) if list.lines().any(|l| l.starts_with(component)) => {
            step(&format!("ok: nightly toolchain with {component} present"));
            Ok(())
        }
        Some(_) => {
            step(&format!(
                "installing the {component} component of the nightly toolchain ({why})"
            ));
            cmd::run(Command::new("rustup").args([
                "component",
                "add",
                component,
                "--toolchain",
                "nightly",
            ]))
        }
        None => {
            step(&format!(
                "installing the nightly toolchain (minimal, with {component}: {why})"
            ));
            cmd::run(Command::new("rustup").args([
                "toolchain",
                "install",
                "nightly",
                "--profile",
                "minimal",
                "--component",
                component,
            ]))
        }
    }
}

fn cargo_bin(name: &str) -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo")
        });
    home.join("bin").join(name)
}

/// bpf-linker 0.13, built against the system's LLVM 22.
pub fn bpf_linker() -> Result<()> {
    if cmd::output(Command::new(cargo_bin("bpf-linker")).arg("--version"))
        .is_some_and(|v| v.contains("0.13"))
    {
        step("ok: bpf-linker 0.13 present");
        return Ok(());
    }
    apt(&BPF_LINKER_PACKAGES)?;
    step("installing bpf-linker 0.13 (built against LLVM 22; about 75 s)");
    // LLVM_PREFIX is for bpf-linker's own build script, LLVM_SYS_221_PREFIX for llvm-sys.
    cmd::run(
        cmd::cargo(None)
            .env("LLVM_PREFIX", LLVM_PREFIX)
            .env("LLVM_SYS_221_PREFIX", LLVM_PREFIX)
            .args([
                "install",
                "bpf-linker",
                "--version",
                "0.13.0",
                "--locked",
                "--no-default-features",
                "--features",
                "llvm-22",
            ]),
    )
}

/// tracefs at /sys/kernel/tracing, mounted if absent.
pub fn tracefs() -> Result<()> {
    if std::path::Path::new("/sys/kernel/tracing/events").is_dir() {
        step("ok: tracefs mounted at /sys/kernel/tracing");
        return Ok(());
    }
    step("mounting tracefs at /sys/kernel/tracing");
    cmd::run(Command::new("mount").args(["-t", "tracefs", "nodev", "/sys/kernel/tracing"]))
}

/// A cargo subcommand installed from crates.io (e.g. cargo-fuzz).
pub fn cargo_install(binary: &str, package: &str) -> Result<()> {
    if cargo_bin(binary).is_file() {
        step(&format!("ok: {package} present"));
        return Ok(());
    }
    step(&format!("installing {package}"));
    cmd::run(cmd::cargo(None).args(["install", "--locked", package]))
}

/// A cargo subcommand or tool from crates.io at exactly `version`, and where its `binary` is.
/// The one in cargo's bin folder when `cargo install --list` has it at that version; installed
/// there (`--locked`) when that folder has no such package; and when it has the package at
/// another version, that one stays and the pinned one goes into `target/tools/PACKAGE-VERSION`.
pub fn cargo_tool(package: &str, version: &str, binary: &str, why: &str) -> Result<PathBuf> {
    let listed = cmd::output(cmd::cargo(None).args(["install", "--list"])).unwrap_or_default();
    let installed = listed
        .lines()
        .filter(|l| !l.starts_with(' '))
        .find_map(|l| l.strip_prefix(package)?.strip_prefix(" v"))
        .map(|rest| {
            rest.trim_end_matches(':')
                .split(' ')
                .next()
                .unwrap_or("")
                .to_owned()
        });
    let install = |root: Option<&std::path::Path>| {
        let mut command = cmd::cargo(None);
        command.args(["install", "--locked", package, "--version", version]);
        if let Some(root) = root {
            command.arg("--root").arg(root);
        }
        cmd::run(&mut command)
    };
    match installed.as_deref() {
        Some(v) if v == version => {
            step(&format!("ok: {package} {version} present"));
            Ok(cargo_bin(binary))
        }
        None => {
            step(&format!("installing {package} {version} ({why})"));
            install(None)?;
            Ok(cargo_bin(binary))
        }
        Some(other) => {
            let root = cmd::root().join(format!("target/tools/{package}-{version}"));
            let path = root.join("bin").join(binary);
            if path.is_file() {
                step(&format!(
                    "ok: {package} {version} present in {}",
                    root.display()
                ));
            } else {
                step(&format!(
                    "installing {package} {version} ({why}) into {}: cargo's bin folder has \
                     {other}, which stays",
                    root.display()
                ));
                install(Some(&root))?;
            }
            Ok(path)
        }
    }
}

/// A rust-std for `target` on the stable toolchain.
pub fn rust_target(target: &str) -> Result<()> {
    let installed = cmd::output(Command::new("rustup").args(["target", "list", "--installed"]))
        .unwrap_or_default();
    if installed.lines().any(|l| l.trim() == target) {
        step(&format!("ok: rust-std for {target} present"));
        return Ok(());
    }
    step(&format!("installing rust-std for {target}"));
    cmd::run(Command::new("rustup").args(["target", "add", target]))
}

/// Everything building and tracing needs.
pub fn for_ebpf() -> Result<()> {
    if !cfg!(target_os = "linux") {
        bail!("bindscope traces the Linux kernel: run this on Linux");
    }
    apt(&BASE_PACKAGES)?;
    nightly_rust_src()?;
    bpf_linker()?;
    tracefs()
}
