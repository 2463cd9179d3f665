//! `cargo xtask fuzz`: cargo-fuzz (libFuzzer) on every parser of the codec.

use anyhow::{bail, Result};

use crate::cmd::{self, root, step};
use crate::setup;

/// Options of `cargo xtask fuzz`.
#[derive(clap::Args)]
pub struct FuzzArgs {
    /// Seconds per target.
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// Targets to run (all when none is given).
    pub targets: Vec<String>,
}

/// The targets declared in codec/fuzz/Cargo.toml.
fn targets() -> Result<Vec<String>> {
    let manifest = std::fs::read_to_string(root().join("codec/fuzz/Cargo.toml"))?;
    let mut names = Vec::new();
    let mut in_bin = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if in_bin {
            if let Some(value) = line
                .strip_prefix("name")
                .map(str::trim)
                .and_then(|l| l.strip_prefix('='))
            {
                names.push(value.trim().trim_matches('"').to_string());
            }
        }
    }
    Ok(names)
}

/// Runs the chosen targets.
pub fn run(args: FuzzArgs) -> Result<()> {
    let all = targets()?;
    let chosen = if args.targets.is_empty() {
        all.clone()
    } else {
        args.targets
    };
    for target in &chosen {
        if !all.contains(target) {
            bail!(
                "no fuzz target {target:?}; the targets are: {}",
                all.join(", ")
            );
        }
    }
    setup::nightly_rust_src()?;
    setup::cargo_install("cargo-fuzz", "cargo-fuzz")?;
    for target in chosen {
        step(&format!("fuzzing {target} for {} s", args.seconds));
        cmd::run(
            cmd::cargo(Some("nightly"))
                .current_dir(root().join("codec"))
                .args([
                    "fuzz",
                    "run",
                    &target,
                    "--",
                    &format!("-max_total_time={}", args.seconds),
                    "-rss_limit_mb=2048",
                ]),
        )?;
    }
    Ok(())
}

/// A short run of every target (what `cargo xtask test` does).
pub fn run_all(seconds: u64) -> Result<()> {
    if targets()?.is_empty() {
        bail!("codec/fuzz/Cargo.toml declares no fuzz target");
    }
    run(FuzzArgs {
        seconds,
        targets: Vec::new(),
    })
}
