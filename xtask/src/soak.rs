//! `cargo xtask soak --minutes N [--churn-ms N]`: bindscope under sustained load and namespace
//! churn.
//!
//! Sets up what it needs, builds the eBPF object, the `bindscope` CLI and `bindscope-soak` in
//! release mode, and runs the latter (see `tests/src/bin/bindscope-soak.rs`): it prints RSS
//! and fd samples, events, lost events and the exit status, and fails when an event was lost,
//! bindscope did not exit cleanly, or its RSS grew by more than 10% after the first minute.
//! With `--churn-ms N` a namespace is created, used and deleted every N ms instead, and the
//! soak fails when bindscope's RSS exceeds 30 MiB, its fds grow, it still holds a deleted
//! namespace a second later, an event was lost, or it did not exit cleanly.
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
    /// Fast namespace churn instead: a namespace created, used (4,000 connects) and deleted
    /// every N ms (CI runs one minute of 50).
    #[arg(long, value_name = "N")]
    pub churn_ms: Option<u64>,
}

/// Runs the soak.
pub fn run(args: &SoakArgs) -> Result<()> {
    let bin = ebpf::release_cli_and(
        "bindscope-soak",
        "the soak needs root (namespaces and eBPF): run it as root",
    )?;
    let mut command = Command::new(bin.join("bindscope-soak"));
    command.arg("--minutes").arg(args.minutes.to_string());
    match args.churn_ms {
        Some(every) => {
            step(&format!(
                "soak: {} min of fast namespace churn, one every {every} ms",
                args.minutes
            ));
            command.arg("--churn-ms").arg(every.to_string());
        }
        None => step(&format!(
            "soak: {} min of load and namespace churn",
            args.minutes
        )),
    }
    cmd::run(&mut command)
}
