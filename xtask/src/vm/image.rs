//! A bootable kernel: its image, the release read from the image, and its modules. Shared by
//! the kernels resolved from `--kernel` and the Debian packages that provide them.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

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

/// Finds `lib/modules/<release>` or `usr/lib/modules/<release>` under `root` (Debian 13 ships
/// its modules under `/usr/lib`).
pub fn modules_dir_in(root: &Path, release: &str) -> Option<PathBuf> {
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
