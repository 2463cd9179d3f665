//! `cargo xtask vm-test`: boots other kernels in QEMU and runs the scenarios inside them.

use anyhow::Result;

/// Options of `cargo xtask vm-test`.
#[derive(clap::Args)]
pub struct VmTestArgs {}

/// Runs the scenarios in VMs.
pub fn run(_args: VmTestArgs) -> Result<()> {
    anyhow::bail!("vm-test is not implemented yet")
}
