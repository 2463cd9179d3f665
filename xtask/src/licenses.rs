//! `cargo xtask licenses`: the licenses of every crate bindscope is built from, the crates it
//! bans and the registries it takes them from, checked by cargo-deny against deny.toml. Offline:
//! it reads what `cargo fetch` has brought from crates.io, and leaves out `advisories`, the one
//! check that needs a database from elsewhere. Both workspaces: the main one, and observer-ebpf's, whose
//! crates are compiled into the eBPF object every binary embeds.

use anyhow::Result;

use crate::cmd::{self, root, step};
use crate::setup;

/// cargo-deny's pinned version.
const CARGO_DENY: &str = "0.20.2";

/// Runs `cargo deny check licenses bans sources` on both workspaces.
pub fn check() -> Result<()> {
    let deny = setup::cargo_tool(
        "cargo-deny",
        CARGO_DENY,
        "cargo-deny",
        "checks licenses, bans and sources",
    )?;
    for manifest in ["Cargo.toml", "observer-ebpf/Cargo.toml"] {
        step(&format!(
            "fetching every crate {manifest}'s Cargo.lock names, for every target (cargo \
             builds fetch only the host's; cargo deny reads them all)"
        ));
        cmd::run(cmd::cargo(None).current_dir(root()).args([
            "fetch",
            "--locked",
            "--manifest-path",
            manifest,
        ]))?;
        step(&format!(
            "licenses, bans and sources of {manifest} (deny.toml)"
        ));
        cmd::run(
            cmd::tool(&deny)
                .current_dir(root())
                .args(["deny", "--offline", "--locked", "--manifest-path", manifest])
                .arg("--config")
                .arg(root().join("deny.toml"))
                .args(["check", "licenses", "bans", "sources"]),
        )?;
    }
    Ok(())
}
