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
