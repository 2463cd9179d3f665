//! Where `cargo xtask dist` puts things and what it names them: the artifacts in
//! `target/dist/`, most of what it generates on the way in `target/dist-build/`.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::cmd::root;

/// The static binary every artifact holds.
pub const TARGET: &str = "x86_64-unknown-linux-musl";
/// A second static binary, for arm64 machines (built, started under qemu-user; not packaged).
pub const TARGET_ARM64: &str = "aarch64-unknown-linux-musl";
/// The image's name, before `:VERSION`; deploy/kubernetes/daemonset.yaml runs it.
pub const IMAGE: &str = "localhost/bindscope";
/// Where the image puts the binary (the DaemonSet's `command`).
pub const IMAGE_BINARY: &str = "/usr/local/bin/bindscope";

/// The names of one version's artifacts.
pub struct Layout {
    /// bindscope's version, from observer/Cargo.toml.
    pub version: String,
}

impl Layout {
    /// The layout for the version in observer/Cargo.toml.
    pub fn read() -> Result<Self> {
        let manifest = std::fs::read_to_string(root().join("observer/Cargo.toml"))
            .context("reading observer/Cargo.toml")?;
        // The first `version = "..."` is the [package] table's (it comes first).
        let version = manifest
            .lines()
            .find_map(|l| l.strip_prefix("version = \""))
            .and_then(|rest| rest.strip_suffix('"'))
            .context("observer/Cargo.toml has no `version = \"...\"` line")?;
        Ok(Self {
            version: version.to_owned(),
        })
    }

    /// The artifacts' folder.
    pub fn dir(&self) -> PathBuf {
        root().join("target/dist")
    }

    /// What is generated on the way (man pages, the image's context, container storage).
    pub fn work(&self) -> PathBuf {
        root().join("target/dist-build")
    }

    /// Where cargo builds the binary for `target`.
    pub fn built(&self, target: &str) -> PathBuf {
        root().join("target").join(target).join("release/bindscope")
    }

    /// The files the Debian package holds besides the binary, generated next to it: cargo-deb
    /// finds them there as `target/release/deb/...` (its name for the release folder of the
    /// `--target` it packs).
    pub fn deb_assets(&self) -> PathBuf {
        root().join("target").join(TARGET).join("release/deb")
    }

    /// The static binary for `target`.
    pub fn binary(&self, target: &str) -> PathBuf {
        self.dir()
            .join(format!("bindscope-{}-{target}", self.version))
    }

    /// The Debian package.
    pub fn deb(&self) -> PathBuf {
        self.dir()
            .join(format!("bindscope_{}-1_amd64.deb", self.version))
    }

    /// The image's name and tag.
    pub fn image(&self) -> String {
        format!("{IMAGE}:{}", self.version)
    }

    /// The image as an OCI archive (`podman load -i`, `skopeo copy oci-archive:...`).
    pub fn image_archive(&self) -> PathBuf {
        self.dir()
            .join(format!("bindscope-{}-image.oci.tar", self.version))
    }
}
