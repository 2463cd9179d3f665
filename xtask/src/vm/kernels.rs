//! Kernels to boot: parsing `--kernel`, downloading Debian kernel packages into the cache, and
//! locating a kernel's modules.
//!
//! Debian kernels come from `deb.debian.org` through `apt-get download`, with a private apt
//! configuration per release kept in `target/vm-cache/apt/<suite>/` (its own `sources.list`, lists
//! and package cache), so the host's apt sources are neither used nor touched and the same code
//! works for any release on any apt-based host. The package is unpacked with `dpkg-deb -x` into
//! `target/vm-cache/kernels/<suite>/` and kept; later runs reuse it without network access.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use anyhow::{bail, Context, Result};

use super::apt::{
    debian_source, AptContext, DEBIAN_KEYRING, DEBIAN_MIRROR, DEBIAN_SECURITY_MIRROR,
};
use super::cmd;

/// A Debian release whose stock amd64 kernel can be booted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DebianRelease {
    /// Debian 11 "bullseye", Linux 5.10.
    Bullseye,
    /// Debian 12 "bookworm", Linux 6.1.
    Bookworm,
    /// Debian 13 "trixie", Linux 6.12.
    Trixie,
}

impl DebianRelease {
    /// All supported releases, oldest kernel first (the column order of the matrix).
    pub const ALL: [DebianRelease; 3] = [Self::Bullseye, Self::Bookworm, Self::Trixie];

    /// The release's code name, which is also its apt suite name.
    pub fn suite(self) -> &'static str {
        match self {
            Self::Bullseye => "bullseye",
            Self::Bookworm => "bookworm",
            Self::Trixie => "trixie",
        }
    }

    /// The upstream kernel series the release ships.
    pub fn kernel_series(self) -> &'static str {
        match self {
            Self::Bullseye => "5.10",
            Self::Bookworm => "6.1",
            Self::Trixie => "6.12",
        }
    }
}

/// One `--kernel` argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KernelSpec {
    /// A stock Debian kernel (`debian:5.10`, `debian:bookworm`, ...).
    Debian(DebianRelease),
    /// The kernel the host runs, if its image is in `/boot`.
    Host,
    /// All Debian kernels plus the host kernel when it can be booted.
    All,
    /// Any bzImage/vmlinuz file.
    Path(PathBuf),
}

impl FromStr for KernelSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "all" => return Ok(Self::All),
            "host" => return Ok(Self::Host),
            _ => {}
        }
        if let Some(name) = s.strip_prefix("debian:") {
            return DebianRelease::ALL
                .into_iter()
                .find(|r| name == r.kernel_series() || name == r.suite())
                .map(Self::Debian)
                .ok_or_else(|| {
                    format!("unknown Debian kernel `{name}`: use 5.10, 6.1 or 6.12 (or bullseye, bookworm, trixie)")
                });
        }
        let path = PathBuf::from(s);
        if path.is_file() {
            Ok(Self::Path(path))
        } else {
            Err(format!(
                "`{s}` is neither debian:5.10, debian:6.1, debian:6.12, host, all nor an existing kernel image file"
            ))
        }
    }
}

impl fmt::Display for KernelSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Debian(release) => write!(f, "debian:{}", release.kernel_series()),
            Self::Host => f.write_str("host"),
            Self::All => f.write_str("all"),
            Self::Path(path) => write!(f, "{}", path.display()),
        }
    }
}

/// Expands `all` and removes duplicates, keeping the order given (Debian kernels of `all`
/// oldest first, then the host).
pub fn expand(specs: &[KernelSpec]) -> Vec<KernelSpec> {
    let mut out: Vec<KernelSpec> = Vec::new();
    let defaults = [KernelSpec::All];
    let specs = if specs.is_empty() {
        &defaults[..]
    } else {
        specs
    };
    for spec in specs {
        let expanded = match spec {
            KernelSpec::All => DebianRelease::ALL
                .into_iter()
                .map(KernelSpec::Debian)
                .chain([KernelSpec::Host])
                .collect(),
            other => vec![other.clone()],
        };
        for spec in expanded {
            if !out.contains(&spec) {
                out.push(spec);
            }
        }
    }
    out
}

/// A kernel ready to boot.
#[derive(Clone, Debug)]
pub struct Kernel {
    /// Short name for output and the matrix column (`debian:6.1`, `host`, or the file name).
    pub label: String,
    /// The kernel image given to QEMU's `-kernel`.
    pub image: PathBuf,
    /// The kernel release (`uname -r`), read from the image's setup header.
    pub release: String,
    /// The kernel's `lib/modules/<release>` directory, if it has one.
    pub modules_dir: Option<PathBuf>,
}

/// The outcome of resolving a spec: a kernel to boot, or the reason it cannot be booted here.
pub enum Resolved {
    /// Boot this kernel.
    Boot(Kernel),
    /// Skip this kernel, for the reason given (not a failure).
    Skip {
        /// The spec's label.
        label: String,
        /// Why it is skipped.
        reason: String,
    },
}

/// Turns a spec into a bootable kernel, downloading and unpacking Debian kernels into `cache`
/// if they are not there yet.
pub fn resolve(spec: &KernelSpec, cache: &Path) -> Result<Resolved> {
    match spec {
        KernelSpec::Debian(release) => debian_kernel(*release, cache).map(Resolved::Boot),
        KernelSpec::Host => host_kernel(),
        KernelSpec::Path(path) => path_kernel(path).map(Resolved::Boot),
        KernelSpec::All => bail!("`all` must be expanded before resolving"),
    }
}

/// The host kernel, if `/boot/vmlinuz-$(uname -r)` exists.
fn host_kernel() -> Result<Resolved> {
    let release = fs::read_to_string("/proc/sys/kernel/osrelease")
        .context("reading /proc/sys/kernel/osrelease")?
        .trim()
        .to_owned();
    let image = PathBuf::from(format!("/boot/vmlinuz-{release}"));
    if !image.is_file() {
        return Ok(Resolved::Skip {
            label: "host".into(),
            reason: format!(
                "the host kernel {release} has no {} (it is booted from outside this machine); \
                 the scenarios run natively on it with `cargo xtask test`",
                image.display()
            ),
        });
    }
    let modules_dir = Some(PathBuf::from(format!("/lib/modules/{release}"))).filter(|d| d.is_dir());
    Ok(Resolved::Boot(Kernel {
        label: "host".into(),
        image,
        release,
        modules_dir,
    }))
}

/// A kernel image given by path; its modules are looked for next to it (an unpacked package
/// tree `…/boot/vmlinuz-R` with `…/lib/modules/R`) and then in the host's `/lib/modules/R`.
fn path_kernel(path: &Path) -> Result<Kernel> {
    let release = image_release(path)?;
    let label = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let tree = path
        .parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new("/"));
    let modules_dir = [tree, Path::new("/")]
        .iter()
        .find_map(|root| modules_dir_in(root, &release));
    Ok(Kernel {
        label,
        image: path.to_owned(),
        release,
        modules_dir,
    })
}

/// Finds `lib/modules/<release>` or `usr/lib/modules/<release>` under `root` (Debian 13 ships
/// its modules under `/usr/lib`).
fn modules_dir_in(root: &Path, release: &str) -> Option<PathBuf> {
    ["lib/modules", "usr/lib/modules"]
        .iter()
        .map(|dir| root.join(dir).join(release))
        .find(|dir| dir.join("kernel").is_dir())
}

/// Reads the kernel release from a bzImage's setup header: the 16-bit field at 0x20E points to
/// a version string (relative to 0x200) such as `6.1.0-28-amd64 (debian-kernel@…) #1 SMP …`.
pub fn image_release(image: &Path) -> Result<String> {
    let bytes = fs::read(image).with_context(|| format!("reading {}", image.display()))?;
    let header_magic = bytes.get(0x202..0x206);
    let offset = bytes
        .get(0x20E..0x210)
        .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])) + 0x200);
    let (Some(b"HdrS"), Some(offset)) = (header_magic, offset) else {
        bail!(
            "{} is not a bzImage (no `HdrS` setup header at 0x202)",
            image.display()
        );
    };
    let version = bytes
        .get(offset..)
        .and_then(|rest| rest.split(|&b| b == 0 || b == b' ').next())
        .map(String::from_utf8_lossy)
        .filter(|v| !v.is_empty())
        .with_context(|| format!("{} has no kernel version string", image.display()))?;
    Ok(version.into_owned())
}

/// A Debian kernel from the cache, downloaded and unpacked first if needed.
fn debian_kernel(release: DebianRelease, cache: &Path) -> Result<Kernel> {
    let label = KernelSpec::Debian(release).to_string();
    let dir = cache.join("kernels").join(release.suite());
    let done = dir.join("unpacked-package");
    if !done.is_file() {
        fetch_debian_kernel(release, cache, &dir)?;
    }
    let package = fs::read_to_string(&done)?;
    let root = dir.join("root");
    let image = fs::read_dir(root.join("boot"))
        .with_context(|| format!("reading {}/boot", root.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("vmlinuz-"))
        })
        .with_context(|| format!("{} contains no boot/vmlinuz-*", package.trim()))?;
    let kernel_release = image_release(&image)?;
    let modules_dir = modules_dir_in(&root, &kernel_release);
    cmd::step(format!(
        "{label}: cached {} (kernel {kernel_release})",
        package.trim()
    ));
    Ok(Kernel {
        label,
        image,
        release: kernel_release,
        modules_dir,
    })
}

/// Downloads the newest stock amd64 kernel of `release` and unpacks it into `dir/root`.
fn fetch_debian_kernel(release: DebianRelease, cache: &Path, dir: &Path) -> Result<()> {
    let label = KernelSpec::Debian(release).to_string();
    cmd::step(format!(
        "{label}: not cached yet; downloading Debian {}'s kernel into {}",
        release.suite(),
        dir.display()
    ));
    if !Path::new(DEBIAN_KEYRING).is_file() {
        cmd::apt_install(
            "debian-archive-keyring",
            "the Debian archive keyring is missing",
        )?;
    }
    if dir.exists() {
        fs::remove_dir_all(dir).with_context(|| format!("removing stale {}", dir.display()))?;
    }
    fs::create_dir_all(dir)?;
    let suite = release.suite();
    let sources = [
        debian_source(DEBIAN_MIRROR, suite),
        debian_source(DEBIAN_MIRROR, &format!("{suite}-updates")),
        debian_source(DEBIAN_SECURITY_MIRROR, &format!("{suite}-security")),
    ]
    .concat();
    let apt = AptContext::isolated(cache, suite, &sources)?;
    cmd::run_visible(apt.command("apt-get").args(["-q", "update"]))
        .with_context(|| format!("fetching the package lists of Debian {}", release.suite()))?;

    // The meta package `linux-image-amd64` depends on the current ABI's image package.
    let depends = cmd::output(
        apt.command("apt-cache")
            .args(["depends", "linux-image-amd64"]),
    )?;
    let image_package = depends
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Depends: "))
        .find(|p| p.starts_with("linux-image-"))
        .map(str::to_owned)
        .with_context(|| {
            format!(
                "linux-image-amd64 of {} names no linux-image-* dependency",
                release.suite()
            )
        })?;
    // Prefer the unsigned build: same kernel without the Secure Boot signature wrapper.
    let unsigned = format!("{image_package}-unsigned");
    let package = if cmd::output(apt.command("apt-cache").args(["show", &unsigned])).is_ok() {
        unsigned
    } else {
        image_package
    };
    cmd::run_visible(
        apt.command("apt-get")
            .args(["-q", "download", &package])
            .current_dir(dir),
    )?;
    let deb = fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .with_context(|| format!("apt-get download left no .deb in {}", dir.display()))?;
    cmd::run_visible(
        Command::new("dpkg-deb")
            .arg("-x")
            .arg(&deb)
            .arg(dir.join("root")),
    )?;
    fs::remove_file(&deb)?;
    fs::write(dir.join("unpacked-package"), format!("{package}\n"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kernel_specs() {
        assert_eq!(
            "debian:5.10".parse::<KernelSpec>(),
            Ok(KernelSpec::Debian(DebianRelease::Bullseye))
        );
        assert_eq!(
            "debian:trixie".parse::<KernelSpec>(),
            Ok(KernelSpec::Debian(DebianRelease::Trixie))
        );
        assert_eq!("all".parse::<KernelSpec>(), Ok(KernelSpec::All));
        assert!("debian:4.19".parse::<KernelSpec>().is_err());
        assert!("/nonexistent/vmlinuz".parse::<KernelSpec>().is_err());
    }

    #[test]
    fn expands_all_without_duplicates() {
        let specs = expand(&[KernelSpec::Debian(DebianRelease::Bookworm), KernelSpec::All]);
        let labels: Vec<String> = specs.iter().map(ToString::to_string).collect();
        assert_eq!(labels, ["debian:6.1", "debian:5.10", "debian:6.12", "host"]);
    }

    #[test]
    fn rejects_non_bzimage() {
        let file = std::env::temp_dir().join(format!("xtask-not-a-kernel-{}", std::process::id()));
        fs::write(&file, b"hello").unwrap();
        let err = image_release(&file).unwrap_err().to_string();
        fs::remove_file(&file).unwrap();
        assert!(err.contains("not a bzImage"), "{err}");
    }
}
