//! Kernels to boot: parsing `--kernel` and resolving it to an image (Debian kernels are
//! downloaded into the cache by `debian.rs`; what a bootable kernel is, in `image.rs`).

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{bail, Context, Result};

use super::debian::{self, DebianKernel};
use super::image::{image_release, modules_dir_in, Kernel};

/// One `--kernel` argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KernelSpec {
    /// A stock Debian kernel (`debian:5.10`, `debian:bookworm`, `debian:7.3-rt`, ...).
    Debian(DebianKernel),
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
        let names = DebianKernel::ALL
            .map(|k| format!("debian:{}", k.name()))
            .join(", ");
        if let Some(name) = s.strip_prefix("debian:") {
            return DebianKernel::ALL
                .into_iter()
                .find(|k| name == k.name() || Some(name) == k.codename())
                .map(Self::Debian)
                .ok_or_else(|| {
                    format!("unknown Debian kernel `{s}`: use {names} (or debian:bullseye, debian:bookworm, debian:trixie)")
                });
        }
        let path = PathBuf::from(s);
        if path.is_file() {
            Ok(Self::Path(path))
        } else {
            Err(format!(
                "`{s}` is neither {names}, host, all nor an existing kernel image file"
            ))
        }
    }
}

impl fmt::Display for KernelSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Debian(kernel) => write!(f, "debian:{}", kernel.name()),
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
            KernelSpec::All => DebianKernel::ALL
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
        KernelSpec::Debian(kernel) => debian::kernel(*kernel, cache).map(Resolved::Boot),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kernel_specs() {
        assert_eq!(
            "debian:5.10".parse::<KernelSpec>(),
            Ok(KernelSpec::Debian(DebianKernel::Bullseye))
        );
        assert_eq!(
            "debian:trixie".parse::<KernelSpec>(),
            Ok(KernelSpec::Debian(DebianKernel::Trixie))
        );
        assert_eq!(
            "debian:7.3".parse::<KernelSpec>(),
            Ok(KernelSpec::Debian(DebianKernel::Backports73))
        );
        assert_eq!(
            "debian:7.3-rt".parse::<KernelSpec>(),
            Ok(KernelSpec::Debian(DebianKernel::Backports73Rt))
        );
        assert_eq!("all".parse::<KernelSpec>(), Ok(KernelSpec::All));
        assert!("debian:4.19".parse::<KernelSpec>().is_err());
        assert!("/nonexistent/vmlinuz".parse::<KernelSpec>().is_err());
    }

    #[test]
    fn expands_all_without_duplicates() {
        let specs = expand(&[KernelSpec::Debian(DebianKernel::Bookworm), KernelSpec::All]);
        let labels: Vec<String> = specs.iter().map(ToString::to_string).collect();
        assert_eq!(
            labels,
            [
                "debian:6.1",
                "debian:5.10",
                "debian:6.12",
                "debian:7.3",
                "debian:7.3-rt",
                "host"
            ]
        );
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
