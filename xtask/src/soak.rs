//! `cargo xtask soak --minutes N`: bindscope under sustained load and namespace churn.
//!
//! Sets up what it needs, builds the eBPF object, the `bindscope` CLI and `bindscope-soak` in
//! release mode, and runs the latter (see `tests/src/bin/bindscope-soak.rs`): it prints RSS
//! samples, events, lost events and the exit status, and fails when an event was lost,
//! bindscope did not exit cleanly, or its RSS grew by more than 10% after the first minute.
//! Needs root.

use std::process::Command;

use anyhow::Result;

use crate::cmd::{self, step};
use crate::ebpf;

/// Options of `cargo xtask soak`.
#[derive(clap::Args)]
pub struct SoakArgs {
    /// Minutes to run (CI runs 1).
    #[arg(long, default_value_t = 10)]
    pub minutes: u64,
}

/// Runs the soak.
pub fn run(args: &SoakArgs) -> Result<()> {
    let bin = ebpf::release_cli_and(
        "bindscope-soak",
        "the soak needs root (namespaces and eBPF): run it as root",
    )?;
    step(&format!(
        "soak: {} min of load and namespace churn",
        args.minutes
    ));
    cmd::run(
        Command::new(bin.join("bindscope-soak"))
            .arg("--minutes")
            .arg(args.minutes.to_string()),
    )
}
