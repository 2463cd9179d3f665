//! Private apt configurations under `target/vm-cache/apt/<name>/`: their own source list, package
//! lists and package cache, so that reading another suite never changes what the host's apt
//! chooses later.
//!
//! Two kinds: an isolated one that sees only the suites it names (downloading kernels of other
//! releases), and one that sees the host's sources plus one more suite (installing a QEMU that
//! matches a backported `qemu-utils`). In both, the host's `/etc/apt` is read, never written,
//! and the extra suite's lists live only here: after the run, `apt-cache policy` on the host
//! shows what it showed before, plus whatever was installed.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

/// The Debian mirror (the one Debian's own images use).
pub const DEBIAN_MIRROR: &str = "http://deb.debian.org/debian";
/// The Debian security mirror; kernel updates of stable releases are published there.
pub const DEBIAN_SECURITY_MIRROR: &str = "http://deb.debian.org/debian-security";
/// The keyring that signs all Debian releases (package debian-archive-keyring).
pub const DEBIAN_KEYRING: &str = "/usr/share/keyrings/debian-archive-keyring.gpg";
/// The host's one-file source list (apt's default `Dir::Etc::sourcelist`); the files in
/// `sources.list.d/` are read by both kinds of context through apt's defaults or not at all.
const HOST_SOURCE_LIST: &str = "/etc/apt/sources.list";

/// A `sources.list` line for `suite` (main only) of the Debian archive at `mirror`.
pub fn debian_source(mirror: &str, suite: &str) -> String {
    format!("deb [signed-by={DEBIAN_KEYRING}] {mirror} {suite} main\n")
}

/// A private apt configuration living in the cache.
pub struct AptContext {
    /// `target/vm-cache/apt/<name>`.
    dir: PathBuf,
    /// Whether the host's `sources.list.d/` is read too.
    host_sources: bool,
}

impl AptContext {
    /// A context that sees only `sources` (`sources.list` lines).
    pub fn isolated(cache: &Path, name: &str, sources: &str) -> Result<Self> {
        Self::create(cache, name, sources, false)
    }

    /// A context that sees the host's sources plus `extra` (`sources.list` lines). It installs
    /// into the host's dpkg database like plain apt-get does; only the lists and the package
    /// cache are private.
    pub fn host_plus(cache: &Path, name: &str, extra: &str) -> Result<Self> {
        let host = match fs::read_to_string(HOST_SOURCE_LIST) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e).with_context(|| format!("reading {HOST_SOURCE_LIST}")),
        };
        Self::create(cache, name, &format!("{host}\n{extra}"), true)
    }

    /// Writes the source list and the directories apt expects.
    fn create(cache: &Path, name: &str, sources: &str, host_sources: bool) -> Result<Self> {
        let dir = cache.join("apt").join(name);
        for sub in ["lists/partial", "cache/archives/partial"] {
            fs::create_dir_all(dir.join(sub))
                .with_context(|| format!("creating {}", dir.join(sub).display()))?;
        }
        let text = format!(
            "# Written by `cargo xtask vm-test`; used only by its own apt calls.\n{sources}"
        );
        fs::write(dir.join("sources.list"), text)?;
        Ok(Self { dir, host_sources })
    }

    /// An apt command (`apt-get` or `apt-cache`) that uses this context's sources, lists and
    /// cache. The sandbox user is root because `_apt` may not be able to write into the
    /// workspace's `target/` directory.
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        let d = self.dir.display();
        cmd.args([
            "-o".into(),
            format!("Dir::Etc::sourcelist={d}/sources.list"),
        ]);
        if !self.host_sources {
            cmd.args(["-o", "Dir::Etc::sourceparts=-"]);
        }
        cmd.args([
            "-o".into(),
            format!("Dir::State::Lists={d}/lists"),
            "-o".into(),
            format!("Dir::Cache={d}/cache"),
            "-o".into(),
            "APT::Sandbox::User=root".into(),
        ]);
        cmd
    }
}
