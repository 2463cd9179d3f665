//! `cargo xtask dist`: the artifacts, in `target/dist/`.
//!
//! - `bindscope-VERSION-x86_64-unknown-linux-musl`: a static binary, the eBPF object embedded,
//!   the crates it is built from in its `.dep-v0` section (cargo auditable); and the same for
//!   `aarch64-unknown-linux-musl`, linked by rust-lld ([`binary`]).
//! - `bindscope_VERSION-1_amd64.deb`: that binary, the systemd unit, a man page per command,
//!   bash, zsh and fish completions and the README ([`deb`]).
//! - `bindscope-VERSION-image.oci.tar`: the image `localhost/bindscope:VERSION`, `FROM scratch`
//!   with the binary alone, as deploy/kubernetes/daemonset.yaml runs it ([`image`]).
//! - `SHA256SUMS` of the three.
//!
//! With `--check` (as `cargo xtask test` runs it) each is then used for real: the binary from a
//! root folder that holds nothing else, the arm64 one under qemu-user, the package installed,
//! used and removed, the image inspected, unpacked and run with the DaemonSet's capabilities.

mod binary;
mod deb;
mod image;
mod layout;

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Result};

use crate::cmd::{self, step};
use crate::{ebpf, setup};
use binary::Expected;
use layout::{Layout, TARGET, TARGET_ARM64};

/// Debian packages building the artifacts needs: podman builds the image.
const BUILD_PACKAGES: [&str; 1] = ["podman"];
/// Debian packages checking them needs: file(1), readelf (binutils), qemu-user for the arm64
/// binary, man-db for `man -w`, skopeo, and runc, which runs containers where crun cannot.
const CHECK_PACKAGES: [&str; 7] = [
    "file",
    "binutils",
    "qemu-user",
    "man-db",
    "skopeo",
    "runc",
    "podman",
];

/// Pinned tools from crates.io: (package, version, why).
const CARGO_AUDITABLE: (&str, &str, &str) = (
    "cargo-auditable",
    "0.7.7",
    "records the crates a binary is built from in it",
);
const CARGO_DEB: (&str, &str, &str) = ("cargo-deb", "3.8.0", "builds the Debian package");
const RUST_AUDIT_INFO: (&str, &str, &str) = (
    "rust-audit-info",
    "0.5.4",
    "reads back what cargo auditable recorded",
);

/// Options of `cargo xtask dist`.
#[derive(clap::Args)]
pub struct DistArgs {
    /// Then use each artifact for real (root): run the binaries, install, use and remove the
    /// .deb, inspect and run the image. `cargo xtask test` does.
    #[arg(long)]
    pub check: bool,
}

/// What was built.
struct Artifacts {
    expected: Expected,
    binary: PathBuf,
    arm64: PathBuf,
}

/// Builds the artifacts, and checks them with `--check`.
pub fn run(args: &DistArgs) -> Result<()> {
    let root_user = cmd::output(Command::new("id").arg("-u")).is_some_and(|u| u.trim() == "0");
    if args.check && !root_user {
        bail!("cargo xtask dist --check installs a package and runs containers: run it as root");
    }
    let started = Instant::now();
    let (layout, artifacts) = build()?;
    let built = started.elapsed();
    if args.check {
        check(&layout, &artifacts)?;
        step(&format!(
            "dist: built in {} s, checked in {} s",
            built.as_secs(),
            (started.elapsed() - built).as_secs()
        ));
    } else {
        step(&format!("dist: built in {} s", built.as_secs()));
    }
    Ok(())
}

fn build() -> Result<(Layout, Artifacts)> {
    setup::for_ebpf()?;
    setup::rust_target(TARGET)?;
    setup::rust_target(TARGET_ARM64)?;
    setup::apt(&BUILD_PACKAGES)?;
    let tool = |(package, version, why): (&str, &str, &str)| {
        setup::cargo_tool(package, version, package, why)
    };
    let cargo_auditable = tool(CARGO_AUDITABLE)?;
    let cargo_deb = tool(CARGO_DEB)?;
    let object = ebpf::build()?;
    let layout = Layout::read()?;
    let expected = Expected::new(&layout, &object)?;

    let binary = binary::build(&layout, &cargo_auditable, &object, TARGET)?;
    let arm64 = binary::build(&layout, &cargo_auditable, &object, TARGET_ARM64)?;
    let deb = deb::build(&layout, &cargo_deb, &binary)?;
    let image = image::build(&layout, &binary, &expected.commit)?;

    let names: Vec<String> = [&binary, &arm64, &deb, &image]
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    let sums = cmd::stdout(
        Command::new("sha256sum")
            .args(&names)
            .current_dir(layout.dir()),
    )?;
    std::fs::write(layout.dir().join("SHA256SUMS"), &sums)?;
    step(&format!(
        "artifacts of bindscope {} in {}:",
        layout.version,
        layout.dir().display()
    ));
    for path in [&binary, &arm64, &deb, &image] {
        let size = std::fs::metadata(path)?.len();
        step(&format!(
            "  {} ({:.1} MiB)",
            path.display(),
            size as f64 / (1024.0 * 1024.0)
        ));
    }
    step(&format!(
        "  {} (the image is {})",
        layout.dir().join("SHA256SUMS").display(),
        layout.image()
    ));
    Ok((
        layout,
        Artifacts {
            expected,
            binary,
            arm64,
        },
    ))
}

fn check(layout: &Layout, artifacts: &Artifacts) -> Result<()> {
    step("checking the artifacts");
    setup::apt(&CHECK_PACKAGES)?;
    let (package, version, why) = RUST_AUDIT_INFO;
    let audit_info = setup::cargo_tool(package, version, package, why)?;
    let expected = &artifacts.expected;

    step(&format!(
        "the static binary: {}",
        artifacts.binary.display()
    ));
    binary::check_static(&artifacts.binary, "x86-64", &audit_info)?;
    binary::check_version(Command::new(&artifacts.binary).arg("--version"), expected)?;
    binary::check_in_empty_root(layout, &artifacts.binary, expected)?;

    step(&format!(
        "the arm64 binary, under qemu-user: {}",
        artifacts.arm64.display()
    ));
    binary::check_static(&artifacts.arm64, "ARM aarch64", &audit_info)?;
    binary::check_version(
        Command::new("qemu-aarch64")
            .arg(&artifacts.arm64)
            .arg("--version"),
        expected,
    )?;

    deb::check(layout, &artifacts.binary, expected)?;
    image::check(layout, &artifacts.binary, expected)?;
    step("ok: every artifact checked");
    Ok(())
}
