//! Builds the eBPF object: nightly, `-Z build-std=core`, target `bpfel-unknown-none`, linked by
//! bpf-linker. The observer embeds the result (see observer/build.rs).

use std::path::PathBuf;

use anyhow::Result;

use crate::cmd;

/// Where the object lands.
pub fn object_path() -> PathBuf {
    cmd::root().join("observer-ebpf/target/bpfel-unknown-none/release/bindscope")
}

/// Builds the object (cargo makes this a no-op when nothing changed).
pub fn build() -> Result<PathBuf> {
    cmd::step("building the eBPF object");
    cmd::run(
        cmd::cargo(Some("nightly"))
            .current_dir(cmd::root().join("observer-ebpf"))
            .args(["build", "--release"]),
    )?;
    Ok(object_path())
}

/// For the programs that drive the real CLI as root (bench, soak): fails with `why` unless
/// root, sets up the eBPF toolchain, builds the object, then `bindscope` and the tests crate's
/// `program` in release mode. Returns where they are.
pub fn release_cli_and(program: &str, why: &str) -> Result<PathBuf> {
    use std::process::Command;
    if cmd::output(Command::new("id").arg("-u")).is_none_or(|uid| uid.trim() != "0") {
        anyhow::bail!("{why}");
    }
    crate::setup::for_ebpf()?;
    build()?;
    cmd::step(&format!("building bindscope and {program} (release)"));
    cmd::run(cmd::cargo(None).current_dir(cmd::root()).args([
        "build",
        "--release",
        "-p",
        "bindscope",
        "--bin",
        "bindscope",
        "-p",
        "bindscope-tests",
        "--bin",
        program,
    ]))?;
    Ok(cmd::root().join("target/release"))
}
