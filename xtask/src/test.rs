//! `cargo xtask test`: the one test command, as CI runs it. Sets up what it needs, then runs
//! format and lint checks, every test of the workspace (the privileged ones for real when
//! root), the `no_std` builds of the codec, the BSD layout cross-checks, the licenses of every
//! crate, the deploy files, the release artifacts (built and used: `cargo xtask dist --check`),
//! short fuzz runs, a one-minute soak and a one-minute fast-churn soak, and the Debian 6.1 VM.

use std::process::Command;

use anyhow::{Context, Result};

use crate::cmd::{self, root, step};
use crate::{deploy, dist, ebpf, fuzz, layers, licenses, setup, soak};

/// Options of `cargo xtask test`.
#[derive(clap::Args)]
pub struct TestArgs {
    /// Seconds each fuzz target runs.
    #[arg(long, default_value_t = 8)]
    pub fuzz_seconds: u64,
    /// Leave out the fuzz runs (for a quick local loop; CI runs them).
    #[arg(long)]
    pub no_fuzz: bool,
    /// Leave out the VM run (for a quick local loop; CI runs it).
    #[arg(long)]
    pub no_vm: bool,
}

/// Runs the whole suite.
pub fn run(args: TestArgs) -> Result<()> {
    let ci = std::env::var_os("CI").is_some();
    if ci && (args.no_fuzz || args.no_vm) {
        anyhow::bail!("--no-fuzz and --no-vm are for local loops; CI runs everything");
    }
    setup::for_ebpf()?;
    setup::apt(&setup::TEST_PACKAGES)?;
    setup::rust_target("x86_64-unknown-none")?;
    let object = ebpf::build()?;
    step(&format!("eBPF object: {}", object.display()));

    step("format check");
    cmd::run(
        cmd::cargo(None)
            .current_dir(root())
            .args(["fmt", "--all", "--check"]),
    )?;
    for manifest in [
        "observer-ebpf/Cargo.toml",
        "codec/fuzz/Cargo.toml",
        "codec/layout-check/Cargo.toml",
    ] {
        cmd::run(cmd::cargo(None).current_dir(root()).args([
            "fmt",
            "--check",
            "--manifest-path",
            manifest,
        ]))?;
    }

    step("layers: no module imports from a module that imports it back");
    layers::check(&layers::LayersArgs { graph: false })?;

    step("clippy, warnings are errors");
    cmd::run(cmd::cargo(None).current_dir(root()).args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    setup::nightly_clippy()?;
    cmd::run(
        cmd::cargo(Some("nightly"))
            .current_dir(root().join("observer-ebpf"))
            .args(["clippy", "--release", "--", "-D", "warnings"]),
    )?;

    step("every test of the workspace (unit, integration, doctests)");
    cmd::run(
        cmd::cargo(None)
            .current_dir(root())
            .args(["test", "--workspace"]),
    )?;

    step("sockabi builds without std: x86_64-unknown-none and bpfel-unknown-none");
    cmd::run(cmd::cargo(None).current_dir(root()).args([
        "build",
        "-p",
        "sockabi",
        "--no-default-features",
        "--target",
        "x86_64-unknown-none",
    ]))?;
    cmd::run(cmd::cargo(Some("nightly")).current_dir(root()).args([
        "build",
        "-p",
        "sockabi",
        "--no-default-features",
        "--target",
        "bpfel-unknown-none",
        "-Z",
        "build-std=core",
    ]))?;

    step("sockabi's BSD layouts against the libc crate, per target (compile-time assertions)");
    let layout_check = root().join("codec/layout-check");
    for target in [
        "x86_64-unknown-freebsd",
        "x86_64-apple-darwin",
        "x86_64-unknown-netbsd",
    ] {
        setup::rust_target(target)?;
        cmd::run(
            cmd::cargo(None)
                .current_dir(&layout_check)
                .args(["check", "--quiet", "--target", target]),
        )?;
    }
    // OpenBSD is a tier-3 target without a prebuilt rust-std.
    cmd::run(
        cmd::cargo(Some("nightly"))
            .current_dir(&layout_check)
            .args([
                "check",
                "--quiet",
                "-Z",
                "build-std=core",
                "--target",
                "x86_64-unknown-openbsd",
            ]),
    )?;

    step("licenses, bans and sources of every crate (cargo deny, offline)");
    licenses::check()?;
    deploy::check(&root().join("target/debug/bindscope"))?;
    step("the release artifacts, built and used (cargo xtask dist --check)");
    dist::run(&dist::DistArgs { check: true })?;
    if !args.no_fuzz {
        fuzz::run_all(args.fuzz_seconds)?;
    }
    step("a one-minute soak: load and namespace churn, no event lost, a clean exit");
    soak::run(&soak::SoakArgs {
        minutes: 1,
        churn_ms: None,
    })?;
    step("a one-minute churn soak: a namespace every 50 ms, bounded RSS and fds, none kept alive");
    soak::run(&soak::SoakArgs {
        minutes: 1,
        churn_ms: Some(50),
    })?;
    if !args.no_vm {
        step("the scenarios inside a Debian 6.1 VM");
        let xtask = std::env::current_exe().context("finding the xtask binary")?;
        cmd::run(Command::new(xtask).args(["vm-test", "--kernel", "debian:6.1"]))?;
    }
    step("all checks passed");
    Ok(())
}
