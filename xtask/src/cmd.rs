//! Running commands: every command is printed before it runs, and a failure names it.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

/// The repository root (xtask lives one level below it).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is inside the repository")
}

/// Prints a step of the task.
pub fn step(message: &str) {
    eprintln!("xtask: {message}");
}

/// Runs `command`, printing it first; fails if it fails.
pub fn run(command: &mut Command) -> Result<()> {
    eprintln!("xtask: $ {}", display(command));
    let status = command
        .status()
        .with_context(|| format!("could not start `{}`", display(command)))?;
    if !status.success() {
        bail!("`{}` failed ({status})", display(command));
    }
    Ok(())
}

/// Runs `command`, printing it first, and returns its stdout; its stderr goes through. Fails
/// if it fails.
pub fn stdout(command: &mut Command) -> Result<String> {
    let captured = capture(command.stderr(std::process::Stdio::inherit()))?;
    if !captured.status.success() {
        bail!("`{}` failed ({})", display(command), captured.status);
    }
    Ok(captured.stdout)
}

/// What a command printed, and how it ended.
pub struct Captured {
    pub status: std::process::ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `command`, printing it first, and returns how it ended and what it printed, whatever
/// the status (for checks that read a failure).
pub fn capture(command: &mut Command) -> Result<Captured> {
    eprintln!("xtask: $ {}", display(command));
    let out = command
        .output()
        .with_context(|| format!("could not start `{}`", display(command)))?;
    Ok(Captured {
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// Runs `command` quietly and returns its stdout (for checks).
pub fn output(command: &mut Command) -> Option<String> {
    let out = command.stderr(std::process::Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A `cargo` for a toolchain of our choosing: the variables `cargo xtask` itself runs under
/// (which pin the stable toolchain and its target dir) are removed.
pub fn cargo(toolchain: Option<&str>) -> Command {
    let mut command = tool(Path::new("cargo"));
    if let Some(toolchain) = toolchain {
        command.arg(format!("+{toolchain}"));
    }
    command
}

/// A program that runs cargo itself (a cargo subcommand such as cargo-deb, started by its path):
/// without the variables [`cargo`] removes.
pub fn tool(program: &Path) -> Command {
    let mut command = Command::new(program);
    for var in [
        "RUSTUP_TOOLCHAIN",
        "RUSTC",
        "RUSTC_WRAPPER",
        "RUSTDOC",
        "CARGO_TARGET_DIR",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
    ] {
        command.env_remove(var);
    }
    command
}

fn display(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    if let Some(dir) = command.get_current_dir() {
        text.push_str(&format!("  (in {})", dir.display()));
    }
    text
}
