//! Embeds the eBPF object built by `cargo xtask build-ebpf`.
//!
//! The object is built by the xtask (nightly, `-Z build-std=core`, bpf-linker), not here, so
//! that plain `cargo build`/`clippy` keep working on stable. Without the object the crate still
//! builds, and `Tracer::start` says how to build it.

use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-env-changed=BINDSCOPE_EBPF_OBJECT");
    println!("cargo::rustc-check-cfg=cfg(bindscope_ebpf_object)");
    let object = std::env::var_os("BINDSCOPE_EBPF_OBJECT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(
                std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
            )
            .join("../observer-ebpf/target/bpfel-unknown-none/release/bindscope")
        });
    println!("cargo::rerun-if-changed={}", object.display());
    if object.is_file() {
        println!("cargo::rustc-cfg=bindscope_ebpf_object");
        println!(
            "cargo::rustc-env=BINDSCOPE_EBPF_OBJECT_PATH={}",
            object.display()
        );
    }
}
