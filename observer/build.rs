//! Embeds the eBPF object built by `cargo xtask build-ebpf`, and records what
//! `bindscope --version` prints besides the crate's version: the git commit built and the
//! object's SHA-256.
//!
//! The object is built by the xtask (nightly, `-Z build-std=core`, bpf-linker), not here, so
//! that plain `cargo build`/`clippy` keep working on stable. Without the object the crate still
//! builds, and `Tracer::start` says how to build it.
//!
//! - `BINDSCOPE_EBPF_SHA256`: the SHA-256 of the embedded object, in hex, or `none`.
//! - `BINDSCOPE_GIT_COMMIT`: `git rev-parse HEAD` of the repository this crate is in, or
//!   `unknown` when it is not in one (a source tarball; a tarball unpacked inside some other
//!   repository is not in it either). It is the commit checked out: changes not committed yet
//!   do not show.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

fn main() {
    let manifest_dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    embed_object(&manifest_dir);
    git_commit(
        manifest_dir
            .parent()
            .expect("observer/ is inside the repository"),
    );
}

fn embed_object(manifest_dir: &Path) {
    println!("cargo::rerun-if-env-changed=BINDSCOPE_EBPF_OBJECT");
    println!("cargo::rustc-check-cfg=cfg(bindscope_ebpf_object)");
    let object = std::env::var_os("BINDSCOPE_EBPF_OBJECT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            manifest_dir.join("../observer-ebpf/target/bpfel-unknown-none/release/bindscope")
        });
    println!("cargo::rerun-if-changed={}", object.display());
    let mut sha256 = String::from("none");
    if object.is_file() {
        let bytes = std::fs::read(&object).expect("reading the eBPF object");
        sha256 = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        println!("cargo::rustc-cfg=bindscope_ebpf_object");
        println!(
            "cargo::rustc-env=BINDSCOPE_EBPF_OBJECT_PATH={}",
            object.display()
        );
    }
    println!("cargo::rustc-env=BINDSCOPE_EBPF_SHA256={sha256}");
}

fn git_commit(repository: &Path) {
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(repository)
            .args(args)
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    // Only this repository's own commit: not one of a repository that merely contains it.
    let top = git(&["rev-parse", "--show-toplevel"]).map(PathBuf::from);
    let ours = match (
        top.and_then(|t| t.canonicalize().ok()),
        repository.canonicalize(),
    ) {
        (Some(top), Ok(repository)) => top == repository,
        _ => false,
    };
    let commit = ours
        .then(|| git(&["rev-parse", "HEAD"]))
        .flatten()
        .unwrap_or_else(|| "unknown".into());
    println!("cargo::rustc-env=BINDSCOPE_GIT_COMMIT={commit}");
    if ours {
        // Built again when HEAD moves: HEAD itself (another branch or a detached commit), and
        // the ref it names (a commit on it): its file, or while it is only in packed-refs,
        // that file and the folder its loose file will appear in (which other branches share:
        // their commits rebuild this too, until this branch has a loose file again).
        let path = |name: &str| {
            git(&["rev-parse", "--path-format=absolute", "--git-path", name])
                .map(PathBuf::from)
                .filter(|p| p.exists())
        };
        let mut watched = vec![path("HEAD")];
        if let Some(name) = git(&["symbolic-ref", "-q", "HEAD"]) {
            match path(&name) {
                Some(loose) => watched.push(Some(loose)),
                None => {
                    watched.push(path("packed-refs"));
                    watched.push(
                        Path::new(&name)
                            .parent()
                            .and_then(|p| path(&p.to_string_lossy())),
                    );
                }
            }
        }
        for path in watched.into_iter().flatten() {
            println!("cargo::rerun-if-changed={}", path.display());
        }
    }
}
