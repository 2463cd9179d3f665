//! The static binaries: `cargo auditable build --release --target ...-linux-musl`, with the eBPF
//! object embedded and the crates they are built from recorded in a `.dep-v0` section; and the
//! checks that they need nothing of the machine: `file` and `ldd`, `--version`, and a trace
//! from a root folder that holds the binary alone.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, ensure, Context, Result};

use super::layout::{Layout, TARGET_ARM64};
use crate::cmd::{self, root, step};

/// Builds bindscope for `target` with `cargo_auditable`, embedding `object`, and copies it into
/// `target/dist/`. Returns the copy.
pub fn build(
    layout: &Layout,
    cargo_auditable: &Path,
    object: &Path,
    target: &str,
) -> Result<PathBuf> {
    step(&format!(
        "the static binary for {target} (cargo auditable build)"
    ));
    let mut command = cmd::tool(cargo_auditable);
    command
        .current_dir(root())
        // The object just built, whatever the caller's environment names.
        .env("BINDSCOPE_EBPF_OBJECT", object)
        .args([
            "auditable",
            "build",
            "--release",
            "--locked",
            "-p",
            "bindscope",
            "--bin",
            "bindscope",
            "--target",
            target,
        ]);
    if target == TARGET_ARM64 {
        // No C is compiled: Rust's own lld links against the rust-std's bundled musl.
        command.env("CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER", "rust-lld");
    }
    cmd::run(&mut command)?;
    let copy = layout.binary(target);
    std::fs::create_dir_all(layout.dir())?;
    std::fs::copy(layout.built(target), &copy)
        .with_context(|| format!("copying the binary to {}", copy.display()))?;
    Ok(copy)
}

/// What `bindscope --version` must print.
pub struct Expected {
    pub version: String,
    /// `git rev-parse HEAD`, or `unknown` outside a checkout of this repository.
    pub commit: String,
    /// The eBPF object's SHA-256 (`sha256sum`).
    pub object_sha256: String,
}

impl Expected {
    /// For `layout`'s version and the object embedded.
    pub fn new(layout: &Layout, object: &Path) -> Result<Self> {
        let git = |args: &[&str]| {
            cmd::output(Command::new("git").arg("-C").arg(root()).args(args))
                .map(|s| s.trim().to_owned())
        };
        let ours = git(&["rev-parse", "--show-toplevel"])
            .and_then(|top| Path::new(&top).canonicalize().ok())
            .is_some_and(|top| root().canonicalize().is_ok_and(|r| r == top));
        let commit = ours
            .then(|| git(&["rev-parse", "HEAD"]))
            .flatten()
            .unwrap_or_else(|| "unknown".into());
        let sum = cmd::stdout(Command::new("sha256sum").arg(object))?;
        Ok(Self {
            version: layout.version.clone(),
            commit,
            object_sha256: sum.split_whitespace().next().unwrap_or_default().to_owned(),
        })
    }
}

/// Runs `command` (a bindscope with `--version`, however started) and checks the version,
/// commit and object hash it prints.
pub fn check_version(command: &mut Command, expected: &Expected) -> Result<()> {
    check_printed_version(&cmd::stdout(command)?, expected)
}

/// What a bindscope printed for `--version` names the expected version, commit and hash.
pub fn check_printed_version(printed: &str, expected: &Expected) -> Result<()> {
    let want = format!(
        "bindscope {}\ncommit {}\neBPF object sha256 {}\n",
        expected.version, expected.commit, expected.object_sha256
    );
    ensure!(
        printed == want,
        "--version printed\n{printed}instead of\n{want}"
    );
    step(&format!(
        "ok: --version names {} (commit {}, eBPF object sha256 {})",
        expected.version, expected.commit, expected.object_sha256
    ));
    Ok(())
}

/// `file` says static for `arch` (as file(1) names it), `ldd` has nothing to load, and the
/// `.dep-v0` section lists the crates (read back by `rust-audit-info`).
pub fn check_static(binary: &Path, arch: &str, audit_info: &Path) -> Result<()> {
    let file = cmd::stdout(Command::new("file").arg(binary))?;
    eprint!("{file}");
    ensure!(
        file.contains(arch)
            && (file.contains("statically linked") || file.contains("static-pie linked")),
        "file(1) does not call {} a static {arch} executable",
        binary.display()
    );
    // ldd fails on a binary it cannot load anything for; what it says is the check.
    let ldd = cmd::capture(Command::new("ldd").arg(binary))?;
    let said = format!("{}{}", ldd.stdout, ldd.stderr);
    eprint!("{said}");
    ensure!(
        said.contains("statically linked") || said.contains("not a dynamic executable"),
        "ldd finds libraries to load for {}",
        binary.display()
    );
    let sections = cmd::stdout(Command::new("readelf").arg("-S").arg("-W").arg(binary))?;
    ensure!(
        sections.contains(".dep-v0"),
        "{} has no .dep-v0 section (cargo auditable)",
        binary.display()
    );
    let audit = cmd::stdout(cmd::tool(audit_info).arg(binary))?;
    let names = ["\"bindscope\"", "\"sockabi\"", "\"aya\"", "\"tokio\""];
    for name in names {
        ensure!(
            audit.contains(&format!("\"name\":{name}")),
            "the .dep-v0 section of {} does not list {name}",
            binary.display()
        );
    }
    step(&format!(
        "ok: static, nothing for ldd to load, .dep-v0 lists {} crates ({})",
        audit.matches("\"name\":").count(),
        names.join(", ")
    ));
    Ok(())
}

/// Clears a root folder made by [`check_in_empty_root`], once its mounts are gone with their
/// namespace (a mount still there means something went wrong: it is left alone).
fn remove_root(dir: &Path) -> Result<()> {
    for mount in ["proc", "sys"] {
        let point = dir.join(mount);
        if point.is_dir() && std::fs::read_dir(&point)?.next().is_some() {
            bail!(
                "{} is not empty: is something still mounted there?",
                point.display()
            );
        }
    }
    std::fs::remove_dir_all(dir).with_context(|| format!("clearing {}", dir.display()))
}

/// Runs `binary --version` and `trace --duration 1` in a mount namespace whose root folder holds
/// the binary alone (with /proc and /sys mounted, as tracing needs): no libc, no loader, no
/// Rust, no LLVM. Needs root.
pub fn check_in_empty_root(layout: &Layout, binary: &Path, expected: &Expected) -> Result<()> {
    step("the static binary alone in a root folder (unshare --mount, chroot)");
    let dir = layout.work().join("empty-root");
    if dir.exists() {
        remove_root(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    std::fs::copy(binary, dir.join("bindscope"))?;
    // The mounts are the namespace's own and go with it.
    let script = "root=$1; shift; mkdir -p \"$root/proc\" \"$root/sys\"; \
                  mount -t proc proc \"$root/proc\"; mount --rbind /sys \"$root/sys\"; \
                  exec chroot \"$root\" /bindscope \"$@\"";
    let in_root = |args: &[&str]| {
        let mut command = Command::new("unshare");
        command
            .args([
                "--mount",
                "--propagation",
                "private",
                "--",
                "sh",
                "-ec",
                script,
                "sh",
            ])
            .arg(&dir)
            .args(args);
        command
    };
    let listing: Vec<_> = std::fs::read_dir(&dir)?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    ensure!(
        listing == ["bindscope"],
        "{} holds more than the binary",
        dir.display()
    );
    check_version(&mut in_root(&["--version"]), expected)?;
    let trace = cmd::stdout(&mut in_root(&["trace", "--duration", "1"]))?;
    let summary = trace.lines().last().unwrap_or_default();
    if !(summary.starts_with("-- ") && summary.ends_with("stopped by duration")) {
        bail!("bindscope trace --duration 1 ended without its summary:\n{trace}");
    }
    step(&format!(
        "ok: traced for 1 s from a root folder with the binary alone: {summary}"
    ));
    remove_root(&dir)?;
    Ok(())
}
