//! `cargo xtask soak --minutes N`: bindscope under sustained load and namespace churn.
//!
//! Sets up what it needs, builds the eBPF object, the `bindscope` CLI and `bindscope-soak` in
//! release mode, and runs the latter (see `tests/src/bin/bindscope-soak.rs`): it prints RSS
//! samples, events, lost events and the exit status, and fails when an event was lost,
//! bindscope did not exit cleanly, or its RSS grew by more than 10% after the first minute.
//! Needs root.

use std::process::Command;

use anyhow::{bail, Result};

use crate::cmd::{self, root, step};
use crate::{ebpf, setup};

/// Options of `cargo xtask soak`.
#[derive(clap::Args)]
pub struct SoakArgs {
    /// Minutes to run (CI runs 1).
    #[arg(long, default_value_t = 10)]
    pub minutes: u64,
}

/// Runs the soak.
pub fn run(args: &SoakArgs) -> Result<()> {
    if cmd::output(Command::new("id").arg("-u")).is_none_or(|uid| uid.trim() != "0") {
        bail!("the soak needs root (namespaces and eBPF): run it as root");
    }
    setup::for_ebpf()?;
    ebpf::build()?;
    step("building bindscope and bindscope-soak (release)");
    cmd::run(cmd::cargo(None).current_dir(root()).args([
        "build",
        "--release",
        "-p",
        "bindscope",
        "--bin",
        "bindscope",
        "-p",
        "bindscope-tests",
        "--bin",
        "bindscope-soak",
    ]))?;
    step(&format!(
        "soak: {} min of load and namespace churn",
        args.minutes
    ));
    cmd::run(
        Command::new(root().join("target/release/bindscope-soak"))
            .arg("--minutes")
            .arg(args.minutes.to_string()),
    )
}
