//! Running host commands for the VM runner: printed steps, captured output, installing tools.
//!
//! Every command that changes something (downloads, unpacks, installs) is printed before it runs,
//! so a `cargo xtask vm-test` log shows exactly what the task did to the machine.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

/// Prints one step of the task, so the user sees what is being done and why it takes time.
pub fn step(message: impl AsRef<str>) {
    println!("vm-test: {}", message.as_ref());
}

/// Renders a command line for messages: program and arguments separated by spaces.
pub fn display(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(OsStr::to_string_lossy)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `cmd` with inherited stdout/stderr (after printing it) and fails if it exits non-zero.
pub fn run_visible(cmd: &mut Command) -> Result<()> {
    let shown = display(cmd);
    step(format!("$ {shown}"));
    let status = cmd
        .status()
        .with_context(|| format!("could not start `{shown}`"))?;
    if !status.success() {
        bail!("`{shown}` failed with {status}");
    }
    Ok(())
}

/// Runs `cmd` quietly and returns its stdout; on failure the error includes its stderr.
pub fn output(cmd: &mut Command) -> Result<String> {
    let shown = display(cmd);
    let out = cmd
        .output()
        .with_context(|| format!("could not start `{shown}`"))?;
    if !out.status.success() {
        bail!(
            "`{shown}` failed with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    String::from_utf8(out.stdout).with_context(|| format!("`{shown}` printed non-UTF-8 output"))
}

/// Finds an executable named `name` in `PATH` (plus the sbin directories, which a non-login
/// root shell may lack), like `command -v`.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

/// Tells whether `path` is a regular file with an execute bit set.
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Returns the path of the tool `name`, installing the Debian package `package` first if the
/// tool is missing (printing that it does so).
pub fn ensure_tool(name: &str, package: &str) -> Result<PathBuf> {
    if let Some(path) = which(name) {
        return Ok(path);
    }
    apt_install(package, &format!("`{name}` is missing"))?;
    which(name).with_context(|| format!("installed {package} but `{name}` is still not in PATH"))
}

/// Installs a Debian package with `apt-get install`, refreshing the package lists once if the
/// first attempt fails (a fresh container often has none). `--no-remove` makes apt-get abort
/// rather than remove an installed package to make room (apt-get(8)).
pub fn apt_install(package: &str, why: &str) -> Result<()> {
    step(format!("{why}: installing the Debian package {package}"));
    let install = || {
        let mut cmd = Command::new("apt-get");
        cmd.args([
            "install",
            "-y",
            "--no-install-recommends",
            "--no-remove",
            package,
        ])
        .env("DEBIAN_FRONTEND", "noninteractive");
        run_visible(&mut cmd)
    };
    if install().is_ok() {
        return Ok(());
    }
    run_visible(Command::new("apt-get").arg("update"))?;
    install()
}
