//! Stock Debian kernels: which package each `debian:` kernel is, downloading it into the cache,
//! and finding its image and modules there.
//!
//! The packages come from `deb.debian.org` through `apt-get download`, with a private apt
//! configuration per suite in `target/vm-cache/apt/<suite>/` (see `apt.rs`), so the host's apt
//! sources are neither used nor touched and the same code works on any apt-based host. The
//! packages are unpacked with `dpkg-deb -x` into `target/vm-cache/kernels/<name>/` and kept;
//! later runs reuse them without network access.
//!
//! Two package layouts exist. Up to 6.12, `linux-image-<abi>-amd64` (or its `-unsigned` twin)
//! holds the image and the modules. From the 7.x backports on, `linux-image-<v>+deb13-amd64`
//! is an empty package that depends on `linux-binary-<v>+deb13-amd64` (the image; an
//! `linux-binary-unsigned-…` twin exists) and `linux-modules-<v>+deb13-amd64`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use super::apt::{
    debian_source, AptContext, DEBIAN_KEYRING, DEBIAN_MIRROR, DEBIAN_SECURITY_MIRROR,
};
use super::cmd;
use super::image::{image_release, modules_dir_in, Kernel};

/// A stock Debian amd64 kernel that can be booted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DebianKernel {
    /// Debian 11 "bullseye", Linux 5.10.
    Bullseye,
    /// Debian 12 "bookworm", Linux 6.1.
    Bookworm,
    /// Debian 13 "trixie", Linux 6.12.
    Trixie,
    /// The newest 7.3 of trixie-backports.
    Backports73,
    /// The same, built with PREEMPT_RT (`-rt-amd64`): softirqs run in threads.
    Backports73Rt,
}

/// How the package of a kernel is found in its suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Choice {
    /// The release's own kernel: what the meta package `linux-image-amd64` depends on.
    Release,
    /// The newest `linux-image-<series>.<n>+<abi>-<flavour>` of the suite.
    Newest {
        /// Upstream series (`7.3`).
        series: &'static str,
        /// Debian flavour (`amd64`, `rt-amd64`).
        flavour: &'static str,
    },
}

impl DebianKernel {
    /// All of them, oldest kernel first (the column order of the matrix).
    pub const ALL: [DebianKernel; 5] = [
        Self::Bullseye,
        Self::Bookworm,
        Self::Trixie,
        Self::Backports73,
        Self::Backports73Rt,
    ];

    /// The name after `debian:` (`6.1`, `7.3-rt`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Bullseye => "5.10",
            Self::Bookworm => "6.1",
            Self::Trixie => "6.12",
            Self::Backports73 => "7.3",
            Self::Backports73Rt => "7.3-rt",
        }
    }

    /// The release code name, also accepted after `debian:`, for a release's own kernel.
    pub fn codename(self) -> Option<&'static str> {
        match self {
            Self::Bullseye => Some("bullseye"),
            Self::Bookworm => Some("bookworm"),
            Self::Trixie => Some("trixie"),
            Self::Backports73 | Self::Backports73Rt => None,
        }
    }

    /// The apt suite the package comes from.
    fn suite(self) -> &'static str {
        self.codename().unwrap_or("trixie-backports")
    }

    /// The suites apt reads: a release with its updates and security suites, or backports.
    fn sources(self) -> String {
        match self.codename() {
            Some(release) => [
                debian_source(DEBIAN_MIRROR, release),
                debian_source(DEBIAN_MIRROR, &format!("{release}-updates")),
                debian_source(DEBIAN_SECURITY_MIRROR, &format!("{release}-security")),
            ]
            .concat(),
            None => debian_source(DEBIAN_MIRROR, self.suite()),
        }
    }

    /// The cache directory's name under `kernels/` (the release kernels keep the suite names
    /// earlier versions of this task used, so their caches stay valid).
    fn cache_name(self) -> String {
        match self.codename() {
            Some(release) => release.to_owned(),
            None => format!("{}-{}", self.suite(), self.name()),
        }
    }

    fn choice(self) -> Choice {
        match self {
            Self::Bullseye | Self::Bookworm | Self::Trixie => Choice::Release,
            Self::Backports73 => Choice::Newest {
                series: "7.3",
                flavour: "amd64",
            },
            Self::Backports73Rt => Choice::Newest {
                series: "7.3",
                flavour: "rt-amd64",
            },
        }
    }

    fn label(self) -> String {
        format!("debian:{}", self.name())
    }
}

/// A Debian kernel from the cache, downloaded and unpacked first if needed.
pub fn kernel(which: DebianKernel, cache: &Path) -> Result<Kernel> {
    let label = which.label();
    let dir = cache.join("kernels").join(which.cache_name());
    let done = dir.join("unpacked-package");
    if !done.is_file() {
        fetch(which, cache, &dir)?;
    }
    let packages = fs::read_to_string(&done)?;
    let packages = packages.split_whitespace().collect::<Vec<_>>().join(" ");
    let root = dir.join("root");
    let image = find_image(&root).with_context(|| {
        format!("{packages} contain no boot/vmlinuz-* nor usr/lib/modules/*/vmlinuz*")
    })?;
    let release = image_release(&image)?;
    let modules_dir = modules_dir_in(&root, &release);
    cmd::step(format!("{label}: cached {packages} (kernel {release})"));
    Ok(Kernel {
        label,
        image,
        release,
        modules_dir,
    })
}

/// The kernel image in an unpacked package tree: `boot/vmlinuz-<release>` up to 6.12; in the
/// split layout of 7.x, `usr/lib/modules/<release>/vmlinuz` (`vmlinuz.unsigned` in the unsigned
/// package), next to the modules.
fn find_image(root: &Path) -> Option<PathBuf> {
    let files_in = |dir: &Path| -> Vec<PathBuf> {
        fs::read_dir(dir)
            .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default()
    };
    let named = |path: &PathBuf, prefix: &str| {
        path.is_file()
            && path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
    };
    let in_boot = files_in(&root.join("boot"))
        .into_iter()
        .find(|p| named(p, "vmlinuz-"));
    in_boot.or_else(|| {
        ["lib/modules", "usr/lib/modules"]
            .iter()
            .flat_map(|dir| files_in(&root.join(dir)))
            .flat_map(|release_dir| files_in(&release_dir))
            .find(|p| named(p, "vmlinuz"))
    })
}

/// Downloads the kernel's packages and unpacks them into `dir/root`.
fn fetch(which: DebianKernel, cache: &Path, dir: &Path) -> Result<()> {
    let label = which.label();
    let suite = which.suite();
    cmd::step(format!(
        "{label}: not cached yet; downloading the kernel from Debian {suite} into {}",
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
    let apt = AptContext::isolated(cache, suite, &which.sources())?;
    cmd::run_visible(apt.command("apt-get").args(["-q", "update"]))
        .with_context(|| format!("fetching the package lists of Debian {suite}"))?;

    let image_package = match which.choice() {
        Choice::Release => {
            let depends = cmd::output(
                apt.command("apt-cache")
                    .args(["depends", "linux-image-amd64"]),
            )?;
            depends_on(&depends, "linux-image-")
                .into_iter()
                .next()
                .with_context(|| {
                    format!("linux-image-amd64 of {suite} names no linux-image-* dependency")
                })?
        }
        Choice::Newest { series, flavour } => {
            let prefix = format!("linux-image-{series}.");
            let names = cmd::output(apt.command("apt-cache").args(["pkgnames", &prefix]))?;
            newest_image(&names, series, flavour).with_context(|| {
                format!("Debian {suite} has no linux-image-{series}.*-{flavour}")
            })?
        }
    };
    let depends = cmd::output(apt.command("apt-cache").args(["depends", &image_package]))?;
    let binaries = depends_on(&depends, "linux-binary-");
    let (image, mut packages) = match binaries.first() {
        // The split layout: the image and the modules are packages of their own.
        Some(binary) => (binary.clone(), depends_on(&depends, "linux-modules-")),
        None => (image_package.clone(), Vec::new()),
    };
    // Prefer the unsigned build: the same kernel without the Secure Boot signature wrapper.
    let unsigned = unsigned_name(&image);
    let exists = |name: &str| cmd::output(apt.command("apt-cache").args(["show", name])).is_ok();
    packages.insert(0, if exists(&unsigned) { unsigned } else { image });
    cmd::run_visible(
        apt.command("apt-get")
            .args(["-q", "download"])
            .args(&packages)
            .current_dir(dir),
    )?;
    let debs: Vec<_> = fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "deb"))
        .collect();
    if debs.len() != packages.len() {
        bail!(
            "apt-get download left {} .deb files in {} for {} packages",
            debs.len(),
            dir.display(),
            packages.len()
        );
    }
    for deb in debs {
        cmd::run_visible(
            Command::new("dpkg-deb")
                .arg("-x")
                .arg(&deb)
                .arg(dir.join("root")),
        )?;
        fs::remove_file(&deb)?;
    }
    fs::write(dir.join("unpacked-package"), packages.join("\n") + "\n")?;
    Ok(())
}

/// The packages starting with `prefix` among the plain `Depends:` of `apt-cache depends`
/// output (alternatives, printed as `|Depends:`, are not kernel parts).
fn depends_on(depends: &str, prefix: &str) -> Vec<String> {
    depends
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Depends: "))
        .filter(|p| p.starts_with(prefix))
        .map(str::to_owned)
        .collect()
}

/// The unsigned twin of an image package: `linux-image-X-unsigned` in the old layout,
/// `linux-binary-unsigned-X` in the split one.
fn unsigned_name(image: &str) -> String {
    match image.strip_prefix("linux-binary-") {
        Some(rest) => format!("linux-binary-unsigned-{rest}"),
        None => format!("{image}-unsigned"),
    }
}

/// The newest `linux-image-<series>.<n>+<abi>-<flavour>` among package names (one a line, as
/// `apt-cache pkgnames` prints them). Other flavours (`cloud-amd64`, `rt-amd64` when looking
/// for `amd64`), debug packages (`-dbg`) and `-unsigned` twins do not match: the part between
/// the series and the flavour may hold no `-`.
fn newest_image(names: &str, series: &str, flavour: &str) -> Option<String> {
    let prefix = format!("linux-image-{series}.");
    let suffix = format!("-{flavour}");
    names
        .lines()
        .map(str::trim)
        .filter_map(|name| {
            let version = name.strip_prefix(&prefix)?.strip_suffix(&suffix)?;
            if version.contains('-') {
                return None;
            }
            // `4+deb13`: patch level, then the ABI tag.
            let (patch, abi) = version.split_once('+').unwrap_or((version, ""));
            Some(((patch.parse::<u32>().ok()?, abi.to_owned()), name))
        })
        .max()
        .map(|(_, name)| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `apt-cache pkgnames linux-image-7.3.` in trixie-backports, plus a patch level (10) that
    /// sorts before 4 as text.
    const PKGNAMES: &str = "linux-image-7.3.4+deb13-amd64\n\
        linux-image-7.3.4+deb13-rt-amd64-dbg\n\
        linux-image-7.3.10+deb13-amd64\n\
        linux-image-7.3.4+deb13-amd64-dbg\n\
        linux-image-7.3.4+deb13-cloud-amd64-dbg\n\
        linux-image-7.3.4+deb13-cloud-amd64\n\
        linux-image-7.3.4+deb13-rt-amd64\n";

    #[test]
    fn picks_the_newest_image_of_a_flavour() {
        assert_eq!(
            newest_image(PKGNAMES, "7.3", "amd64").as_deref(),
            Some("linux-image-7.3.10+deb13-amd64")
        );
        assert_eq!(
            newest_image(PKGNAMES, "7.3", "rt-amd64").as_deref(),
            Some("linux-image-7.3.4+deb13-rt-amd64")
        );
        assert_eq!(newest_image(PKGNAMES, "7.4", "amd64"), None);
    }

    #[test]
    fn reads_the_parts_of_a_split_image_package() {
        // `apt-cache depends linux-image-7.3.4+deb13-rt-amd64` in trixie-backports.
        let depends = "linux-image-7.3.4+deb13-rt-amd64\n  PreDepends: linux-base\n \
            |Depends: <dracut>\n |Depends: <initramfs-tools>\n  Depends: <linux-initramfs-tool>\n  \
            Depends: linux-base-7.3.4+deb13-rt-amd64\n  \
            Depends: linux-binary-7.3.4+deb13-rt-amd64\n  \
            Depends: linux-modules-7.3.4+deb13-rt-amd64\n  Breaks: <fwupdate>\n";
        assert_eq!(
            depends_on(depends, "linux-binary-"),
            ["linux-binary-7.3.4+deb13-rt-amd64"]
        );
        assert_eq!(
            unsigned_name("linux-binary-7.3.4+deb13-rt-amd64"),
            "linux-binary-unsigned-7.3.4+deb13-rt-amd64"
        );
        assert_eq!(
            unsigned_name("linux-image-6.1.0-57-amd64"),
            "linux-image-6.1.0-57-amd64-unsigned"
        );
    }

    #[test]
    fn names_and_caches() {
        let names: Vec<_> = DebianKernel::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names, ["5.10", "6.1", "6.12", "7.3", "7.3-rt"]);
        assert_eq!(DebianKernel::Trixie.cache_name(), "trixie");
        assert_eq!(
            DebianKernel::Backports73Rt.cache_name(),
            "trixie-backports-7.3-rt"
        );
        assert_eq!(
            DebianKernel::Backports73.sources(),
            format!("deb [signed-by={DEBIAN_KEYRING}] {DEBIAN_MIRROR} trixie-backports main\n")
        );
    }
}
