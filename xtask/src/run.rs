//! `cargo xtask run`: set up, build the eBPF object and the CLI, and start `bindscope trace`.

use std::process::Command;

use anyhow::Result;

use crate::cmd::{self, root, step};
use crate::{ebpf, setup};

/// Options of `cargo xtask run`.
#[derive(clap::Args)]
pub struct RunArgs {
    /// Arguments for `bindscope trace` (after `--`), e.g. `-- --json --dst 198.51.100.0/24`.
    #[arg(last = true)]
    pub trace_args: Vec<String>,
}

/// Builds and starts tracing.
pub fn run(args: RunArgs) -> Result<()> {
    setup::for_ebpf()?;
    ebpf::build()?;
    step("building bindscope");
    cmd::run(
        cmd::cargo(None)
            .current_dir(root())
            .args(["build", "--release", "-p", "bindscope"]),
    )?;
    let binary = root().join("target/release/bindscope");
    step("starting bindscope trace (Ctrl-C to stop)");
    let status = Command::new(binary)
        .arg("trace")
        .args(&args.trace_args)
        .status()?;
    std::process::exit(status.code().unwrap_or(1));
}
