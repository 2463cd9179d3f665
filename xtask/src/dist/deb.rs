//! The Debian package: cargo-deb packs the static binary already built (`--no-build`, the same
//! bytes as `target/dist/`'s), with what this file generates next to it first, in
//! `target/x86_64-unknown-linux-musl/release/deb/`: a man page per command and the bash, zsh
//! and fish completions (from the binary's own clap definitions: `bindscope generate-man`,
//! `generate-completions`), and the systemd unit with `ExecStart` naming `/usr/bin/bindscope`.
//! observer/Cargo.toml's `[package.metadata.deb]` lists the files. The check installs the
//! package with `dpkg -i`, uses what it installed, removes it with `dpkg -r` and finds nothing
//! left.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, ensure, Context, Result};

use super::binary::{self, Expected};
use super::layout::{Layout, TARGET};
use crate::cmd::{self, root, step};

/// The package's name, as dpkg knows it.
const PACKAGE: &str = "bindscope";
/// Where the package puts the binary, and so what its unit starts.
const INSTALLED: &str = "/usr/bin/bindscope";
/// The commands, each with its man page.
const COMMANDS: [&str; 4] = ["trace", "routes", "serve", "explain"];

/// Generates the package's files from `binary`, then builds the package with `cargo_deb`.
pub fn build(layout: &Layout, cargo_deb: &Path, binary: &Path) -> Result<PathBuf> {
    step("the Debian package (cargo deb --no-build)");
    let dir = layout.deb_assets();
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    cmd::run(
        Command::new(binary)
            .arg("generate-man")
            .arg(dir.join("man")),
    )?;
    // Compressed as Debian's policy asks (cargo-deb compresses only files it finds outside
    // target/); -n: no name or time inside, the same bytes for the same page.
    cmd::run(
        Command::new("sh")
            .arg("-c")
            .arg("gzip -9 -n -f -- \"$0\"/*.1")
            .arg(dir.join("man")),
    )?;
    for shell in ["bash", "zsh", "fish"] {
        cmd::run(
            Command::new(binary)
                .args(["generate-completions", shell])
                .arg(dir.join("completions")),
        )?;
    }
    std::fs::write(dir.join("bindscope.service"), packaged_unit()?)?;
    let deb = layout.deb();
    cmd::run(
        cmd::tool(cargo_deb)
            .current_dir(root())
            .args([
                "deb",
                "-p",
                "bindscope",
                "--no-build",
                // The binary as built: its symbols stay, and it is byte for byte the one in target/dist/.
                "--no-strip",
                "--locked",
                "--target",
                TARGET,
                "--output",
            ])
            .arg(&deb),
    )?;
    Ok(deb)
}

/// deploy/bindscope.service with the packaged binary's path, and its man page among the docs.
fn packaged_unit() -> Result<String> {
    let unit = std::fs::read_to_string(root().join("deploy/bindscope.service"))
        .context("reading deploy/bindscope.service")?;
    let mut packaged = unit.clone();
    for (from, to) in [
        (
            "ExecStart=/usr/local/bin/bindscope ",
            format!("ExecStart={INSTALLED} "),
        ),
        (
            "Documentation=man:ip-route(8)",
            "Documentation=man:bindscope-serve(1) man:ip-route(8)".to_owned(),
        ),
    ] {
        ensure!(
            unit.matches(from).count() == 1,
            "deploy/bindscope.service should hold `{from}` once"
        );
        packaged = packaged.replace(from, &to);
    }
    Ok(packaged)
}

/// Installs the package, checks what it installed, removes it and checks nothing is left.
/// Never removes what was there before: when a `bindscope` package is already installed, or a
/// file of the package is already on the machine, it says so and stops, failing under CI
/// (which must run the check) and skipping it otherwise.
pub fn check(layout: &Layout, binary: &Path, expected: &Expected) -> Result<()> {
    let deb = layout.deb();
    step(&format!("the Debian package: {}", deb.display()));
    let fields = cmd::stdout(Command::new("dpkg-deb").arg("--field").arg(&deb).args([
        "Package",
        "Version",
        "Architecture",
        "Depends",
    ]))?;
    eprint!("{fields}");
    ensure!(
        fields.contains(&format!("Version: {}-1", expected.version))
            && fields.contains("Architecture: amd64")
            && !fields.contains("Depends:"),
        "{} should be version {}-1 for amd64, depending on nothing (the binary is static)",
        deb.display(),
        expected.version
    );
    let files = contents(&deb)?;
    let mut wanted: Vec<String> = vec![
        INSTALLED.into(),
        "/lib/systemd/system/bindscope.service".into(),
        "/usr/share/man/man1/bindscope.1.gz".into(),
        "/usr/share/bash-completion/completions/bindscope".into(),
        "/usr/share/zsh/vendor-completions/_bindscope".into(),
        "/usr/share/fish/vendor_completions.d/bindscope.fish".into(),
        "/usr/share/doc/bindscope/README.md".into(),
        "/usr/share/doc/bindscope/copyright".into(),
    ];
    wanted.extend(COMMANDS.map(|c| format!("/usr/share/man/man1/bindscope-{c}.1.gz")));
    for path in &wanted {
        ensure!(
            files.files.contains(path),
            "{} does not hold {path}",
            deb.display()
        );
    }
    step(&format!(
        "ok: {} files: {}",
        files.files.len(),
        files.files.join(" ")
    ));

    // Nothing of the machine's may be replaced, and so later removed.
    let status = dpkg_status();
    let mut clashes: Vec<String> = files
        .files
        .iter()
        .filter(|f| Path::new(f).symlink_metadata().is_ok())
        .cloned()
        .collect();
    if let Some(status) = status {
        clashes.insert(0, format!("a {PACKAGE} package ({status})"));
    }
    if !clashes.is_empty() {
        let what = format!(
            "the .deb check installs and removes the {PACKAGE} package, but this machine already \
             has {}: remove them first",
            clashes.join(", ")
        );
        if std::env::var_os("CI").is_some() {
            bail!("{what}");
        }
        step(&format!("skipping the install check (CI is unset): {what}"));
        return Ok(());
    }
    let new_dirs: Vec<&String> = files
        .dirs
        .iter()
        .filter(|d| !Path::new(d).exists())
        .collect();

    // From here on the package is this check's: removed whatever happens, even after a
    // failed install that left it half there.
    let used = cmd::run(Command::new("dpkg").arg("-i").arg(&deb))
        .and_then(|()| use_installed(binary, expected));
    let listed = cmd::stdout(Command::new("dpkg").args(["-L", PACKAGE]));
    if dpkg_status().is_some() {
        cmd::run(Command::new("dpkg").args(["-r", PACKAGE]))?;
    }
    used?;
    let listed = listed?;

    let left: Vec<&str> = listed
        .lines()
        .filter(|p| {
            let path = Path::new(p);
            // Folders the machine had stay; files and folders the package made go.
            path.symlink_metadata().is_ok() && (!path.is_dir() || new_dirs.iter().any(|d| d == p))
        })
        .collect();
    ensure!(left.is_empty(), "dpkg -r left {}", left.join(" "));
    if let Some(status) = dpkg_status() {
        bail!("dpkg -r left the {PACKAGE} package {status}");
    }
    step(&format!(
        "ok: dpkg -r left none of the {} paths dpkg -L listed (but the {} folders the machine \
         had before)",
        listed.lines().count(),
        files.dirs.len() - new_dirs.len()
    ));
    Ok(())
}

/// The package's state and version when dpkg has any trace of it (installed, unpacked, its
/// configuration files left, ...); `None` when it has none.
fn dpkg_status() -> Option<String> {
    let status = cmd::output(Command::new("dpkg-query").args([
        "-W",
        "-f=${db:Status-Status} ${Version}",
        PACKAGE,
    ]))?;
    let state = status.split_whitespace().next()?;
    (state != "not-installed").then(|| status.trim().to_owned())
}

/// What a user of the installed package does: the version, a trace, a man page, completions,
/// the unit. The binary is `binary`, byte for byte.
fn use_installed(binary: &Path, expected: &Expected) -> Result<()> {
    ensure!(
        std::fs::read(INSTALLED)? == std::fs::read(binary)?,
        "{INSTALLED} is not {}",
        binary.display()
    );
    binary::check_version(Command::new(INSTALLED).arg("--version"), expected)?;
    let trace = cmd::stdout(Command::new(INSTALLED).args(["trace", "--duration", "1"]))?;
    let summary = trace.lines().last().unwrap_or_default();
    ensure!(
        summary.ends_with("stopped by duration"),
        "{INSTALLED} trace --duration 1 ended without its summary:\n{trace}"
    );
    step(&format!("ok: {INSTALLED} trace --duration 1: {summary}"));
    for page in
        std::iter::once("bindscope".to_owned()).chain(COMMANDS.map(|c| format!("bindscope-{c}")))
    {
        let found = cmd::stdout(Command::new("man").args(["-w", &page]))?;
        ensure!(
            found.trim() == format!("/usr/share/man/man1/{page}.1.gz"),
            "man -w {page} found {found}"
        );
    }
    step("ok: man finds bindscope(1) and a page per command");
    let complete = cmd::stdout(Command::new("bash").args([
        "-c",
        "source /usr/share/bash-completion/completions/bindscope && complete -p bindscope",
    ]))?;
    ensure!(
        complete.contains("bindscope"),
        "bash has no completion for bindscope: {complete}"
    );
    step(&format!(
        "ok: bash completes bindscope: {}",
        complete.trim()
    ));
    // As deploy::check does for the shipped file: any finding is a failure.
    let verify = cmd::capture(
        Command::new("systemd-analyze").args(["verify", "/lib/systemd/system/bindscope.service"]),
    )?;
    let said = format!("{}{}", verify.stdout, verify.stderr);
    ensure!(
        verify.status.success() && said.trim().is_empty(),
        "systemd-analyze verify found problems in the packaged unit:\n{said}"
    );
    step("ok: systemd-analyze verify passes the installed unit");
    Ok(())
}

/// The paths a package holds, as dpkg will list them.
struct Contents {
    files: Vec<String>,
    dirs: Vec<String>,
}

fn contents(deb: &Path) -> Result<Contents> {
    let listing = cmd::stdout(Command::new("dpkg-deb").arg("--contents").arg(deb))?;
    let mut contents = Contents {
        files: Vec::new(),
        dirs: Vec::new(),
    };
    for line in listing.lines() {
        // drwxr-xr-x root/root 0 2024-01-01 00:00 ./usr/bin/
        let Some(path) = line.split_whitespace().nth(5) else {
            continue;
        };
        let path = path.trim_start_matches('.').trim_end_matches('/');
        if path.is_empty() {
            continue;
        }
        if line.starts_with('d') {
            contents.dirs.push(path.to_owned());
        } else {
            contents.files.push(path.to_owned());
        }
    }
    Ok(contents)
}
