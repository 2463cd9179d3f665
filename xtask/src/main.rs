//! Project tasks: set-up, eBPF build, live run, tests, fuzzing, benchmarks, kernel VMs and the
//! release artifacts.
//!
//! `cargo xtask run` and `cargo xtask test` must work on a fresh machine: every task first
//! installs what it needs (idempotently) and prints each step it takes.

mod bench;
mod cmd;
mod deploy;
mod dist;
mod ebpf;
mod fuzz;
mod layers;
mod licenses;
mod run;
mod setup;
mod soak;
mod test;
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
    /// Set up, build, and trace live on this kernel (root).
    Run(run::RunArgs),
    /// The whole test suite, as CI runs it.
    Test(test::TestArgs),
    /// Install what building and tracing need (apt packages, nightly rust-src, bpf-linker).
    Setup,
    /// Build the eBPF object.
    BuildEbpf,
    /// Fuzz the codec's parsers.
    Fuzz(fuzz::FuzzArgs),
    /// Run the kernel-behaviour scenarios inside QEMU VMs booting other kernels.
    VmTest(vm::VmTestArgs),
    /// Benchmarks: tracing cost of bindscope vs bpftrace vs untraced, then the codec's.
    Bench(bench::BenchArgs),
    /// bindscope under load and namespace churn: RSS, lost events, clean exit.
    Soak(soak::SoakArgs),
    /// Check that no module imports from a module that imports it back.
    Layers(layers::LayersArgs),
    /// The artifacts in target/dist/: static binaries, the Debian package, the OCI image.
    Dist(dist::DistArgs),
    /// Licenses, bans and sources of every crate (cargo deny, offline).
    Licenses,
}

fn main() -> std::process::ExitCode {
    match run(Cli::parse().task) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(task: Task) -> Result<()> {
    match task {
        Task::Run(args) => run::run(args),
        Task::Test(args) => test::run(args),
        Task::Setup => setup::for_ebpf(),
        Task::BuildEbpf => {
            ebpf::build().map(|path| cmd::step(&format!("built {}", path.display())))
        }
        Task::Fuzz(args) => fuzz::run(args),
        Task::VmTest(args) => vm::run(args),
        Task::Bench(args) => bench::run(args),
        Task::Soak(args) => soak::run(&args),
        Task::Layers(args) => layers::check(&args),
        Task::Dist(args) => dist::run(&args),
        Task::Licenses => licenses::check(),
    }
}
