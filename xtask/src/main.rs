//! Project tasks: set-up, eBPF build, live run, tests, fuzzing, benchmarks and kernel VMs.
//!
//! `cargo xtask run` and `cargo xtask test` must work on a fresh machine: every task first
//! installs what it needs (idempotently) and prints each step it takes.

mod vm;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "xtask", about = "bindscope project tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Run the kernel-behaviour scenarios inside QEMU VMs booting other kernels.
    VmTest(vm::VmTestArgs),
}

fn main() -> Result<()> {
    match Cli::parse().task {
        Task::VmTest(args) => vm::run(args),
    }
}
