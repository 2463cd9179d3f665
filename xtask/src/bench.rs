//! `cargo xtask bench`: the observer benchmark (what tracing costs a connect() loop, bindscope
//! against bpftrace and untraced, interleaved in one run), then the codec's benchmarks.
//!
//! Sets up what it needs first (the eBPF toolchain, bpftrace), builds the eBPF object, the
//! `bindscope` CLI and the `bindscope-bench` program in release mode, and runs the latter; see
//! `tests/src/bin/bindscope-bench.rs` for what is measured and why. Needs root. Targets are
//! printed next to the numbers, never asserted: this is a benchmark, not a timed test.

use std::process::Command;

use anyhow::Result;

use crate::cmd::{self, root, step};
use crate::{ebpf, setup};

/// Options of `cargo xtask bench`.
#[derive(clap::Args)]
pub struct BenchArgs {
    /// Rounds of the observer benchmark; each measures every mode once.
    #[arg(long, default_value_t = 5)]
    pub rounds: u32,
    /// Seconds of connect() loop per mode and round.
    #[arg(long, default_value_t = 2.0)]
    pub seconds_per_round: f64,
    /// Leave out the codec's benchmarks (`cargo bench -p sockabi`).
    #[arg(long)]
    pub skip_codec: bool,
    /// Leave out the observer benchmark (run only the codec's).
    #[arg(long)]
    pub skip_observer: bool,
    /// More options for `bindscope-bench` (after `--`), e.g. `-- --fresh-sockets --breakdown always`.
    #[arg(last = true)]
    pub bench_args: Vec<String>,
}

/// Runs the benchmarks.
pub fn run(args: BenchArgs) -> Result<()> {
    if !args.skip_observer {
        observer(&args)?;
    }
    if !args.skip_codec {
        codec()?;
    }
    Ok(())
}

/// The observer benchmark.
fn observer(args: &BenchArgs) -> Result<()> {
    // bpftrace first: the tracer bindscope is compared with.
    step("bpftrace, the tracer bindscope is compared with");
    setup::apt(&["bpftrace"])?;
    let bin = ebpf::release_cli_and(
        "bindscope-bench",
        "the observer benchmark needs root (namespaces and eBPF); run it as root, or pass \
         --skip-observer",
    )?;
    step("observer benchmark: untraced vs bindscope vs bpftrace, interleaved");
    cmd::run(
        Command::new(bin.join("bindscope-bench"))
            .arg("--bindscope")
            .arg(bin.join("bindscope"))
            .arg("--rounds")
            .arg(args.rounds.to_string())
            .arg("--seconds-per-round")
            .arg(args.seconds_per_round.to_string())
            .args(&args.bench_args),
    )
}

/// The codec's benchmarks: whatever `[[bench]]` targets codec/Cargo.toml declares.
fn codec() -> Result<()> {
    let manifest = std::fs::read_to_string(root().join("codec/Cargo.toml"))?;
    if !manifest.contains("[[bench]]") {
        step("codec benchmarks: codec/Cargo.toml declares no [[bench]] target yet, nothing to run");
        return Ok(());
    }
    step("codec benchmarks");
    // `--bench '*'` selects the bench targets only (`--benches` would also run the library's
    // unit-test harness in bench mode, which ignores every test).
    cmd::run(
        cmd::cargo(None)
            .current_dir(root())
            .args(["bench", "-p", "sockabi", "--bench", "*"]),
    )
}
