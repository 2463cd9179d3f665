//! Kernel modules for the guest: finding them in a kernel's module tree, ordering them after
//! their dependencies, and decompressing them on the host.
//!
//! Debian's kernel packages do not ship `modules.dep` (the postinst runs `depmod`), so the
//! dependencies are read from each module's own `.modinfo` `depends=` entry, which is what
//! `depmod` reads too. Compressed modules (`.ko.xz` from Debian 13 on, `.ko.zst`, `.ko.gz`) are
//! decompressed with the matching host tool, because busybox `insmod` passes the file to
//! `init_module` as is and older kernels cannot decompress in the kernel.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use super::cmd;

/// A module to put into the initramfs, ready to be loaded by `insmod`.
pub struct Module {
    /// The module name (`veth`).
    pub name: String,
    /// Path relative to the modules directory, without compression suffix
    /// (`kernel/drivers/net/veth.ko`).
    pub relative_path: String,
    /// How the module was stored in the package.
    pub compression: Compression,
    /// The uncompressed ELF object.
    pub contents: Vec<u8>,
}

/// How a module file is compressed, by its suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// `.ko`
    None,
    /// `.ko.xz` (Debian 13's kernels).
    Xz,
    /// `.ko.zst`
    Zstd,
    /// `.ko.gz`
    Gzip,
}

impl Compression {
    /// Every compression with its file-name suffix.
    const SUFFIXES: [(&'static str, Compression); 4] = [
        (".ko", Self::None),
        (".ko.xz", Self::Xz),
        (".ko.zst", Self::Zstd),
        (".ko.gz", Self::Gzip),
    ];

    /// The host tool that decompresses it and the Debian package providing that tool.
    fn tool(self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::None => None,
            Self::Xz => Some(("xz", "xz-utils")),
            Self::Zstd => Some(("zstd", "zstd")),
            Self::Gzip => Some(("gzip", "gzip")),
        }
    }

    /// Says how the module was stored, for the task's output.
    pub fn describe(self) -> &'static str {
        match self {
            Self::None => "uncompressed",
            Self::Xz => "xz-compressed, decompressed on the host",
            Self::Zstd => "zstd-compressed, decompressed on the host",
            Self::Gzip => "gzip-compressed, decompressed on the host",
        }
    }
}

/// What became of a requested module.
pub enum Resolution {
    /// Load these modules in this order (dependencies first, the requested one last).
    Load(Vec<Module>),
    /// The module is compiled into the kernel; nothing to load.
    BuiltIn,
}

/// Normalizes a module name the way the kernel does: `-` and `_` are the same.
fn normalize(name: &str) -> String {
    name.replace('-', "_")
}

/// Splits a module file name into the module name and its compression (`veth.ko.xz` ->
/// `("veth", Xz)`), or `None` for files that are not modules.
fn split_module_file_name(file_name: &str) -> Option<(&str, Compression)> {
    Compression::SUFFIXES
        .into_iter()
        .find_map(|(suffix, compression)| {
            file_name
                .strip_suffix(suffix)
                .map(|name| (name, compression))
        })
}

/// The modules of one kernel, indexed by normalized name.
pub struct ModuleTree {
    /// The kernel's `lib/modules/<release>` directory.
    dir: PathBuf,
    /// Normalized module name to the file's path relative to `dir`.
    files: BTreeMap<String, PathBuf>,
    /// Normalized names of the modules compiled into the kernel (from `modules.builtin`).
    builtin: HashSet<String>,
}

impl ModuleTree {
    /// Indexes the `kernel/` tree and `modules.builtin` of `dir`.
    pub fn open(dir: &Path) -> Result<Self> {
        let mut files = BTreeMap::new();
        let mut pending = vec![dir.join("kernel")];
        while let Some(current) = pending.pop() {
            for entry in
                fs::read_dir(&current).with_context(|| format!("reading {}", current.display()))?
            {
                let path = entry?.path();
                if path.is_dir() {
                    pending.push(path);
                } else if let Some((name, _)) = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(split_module_file_name)
                {
                    let relative = path.strip_prefix(dir).unwrap_or(&path).to_owned();
                    files.insert(normalize(name), relative);
                }
            }
        }
        let builtin = fs::read_to_string(dir.join("modules.builtin"))
            .unwrap_or_default()
            .lines()
            .filter_map(|line| line.rsplit('/').next())
            .filter_map(split_module_file_name)
            .map(|(name, _)| normalize(name))
            .collect();
        Ok(Self {
            dir: dir.to_owned(),
            files,
            builtin,
        })
    }

    /// Resolves `name` into the modules to load, dependencies first.
    pub fn resolve(&self, name: &str) -> Result<Resolution> {
        let mut loaded = Vec::new();
        let mut seen = HashSet::new();
        if self.builtin.contains(&normalize(name)) {
            return Ok(Resolution::BuiltIn);
        }
        self.visit(name, &mut seen, &mut loaded)?;
        Ok(Resolution::Load(loaded))
    }

    /// Depth-first: loads the dependencies of `name`, then `name` itself.
    fn visit(&self, name: &str, seen: &mut HashSet<String>, out: &mut Vec<Module>) -> Result<()> {
        let key = normalize(name);
        if self.builtin.contains(&key) || !seen.insert(key.clone()) {
            return Ok(());
        }
        let Some(relative) = self.files.get(&key) else {
            bail!(
                "module `{name}` is neither in {}/kernel nor listed in modules.builtin",
                self.dir.display()
            );
        };
        let relative_name = relative.to_string_lossy();
        let (_, compression) = relative
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(split_module_file_name)
            .with_context(|| format!("{relative_name} is not a module file"))?;
        let contents = decompress(&self.dir.join(relative), compression)?;
        for dependency in depends(&contents) {
            self.visit(&dependency, seen, out)?;
        }
        let uncompressed = match compression {
            Compression::None => &*relative_name,
            _ => relative_name
                .rsplit_once('.')
                .map_or(&*relative_name, |(stem, _)| stem),
        };
        out.push(Module {
            name: name.to_owned(),
            relative_path: uncompressed.to_owned(),
            compression,
            contents,
        });
        Ok(())
    }
}

/// Reads a module file, decompressing it with the host tool for its compression.
fn decompress(path: &Path, compression: Compression) -> Result<Vec<u8>> {
    let Some((tool, package)) = compression.tool() else {
        return fs::read(path).with_context(|| format!("reading {}", path.display()));
    };
    let tool = cmd::ensure_tool(tool, package)?;
    let mut command = Command::new(tool);
    command.arg("-dc").arg(path);
    let shown = cmd::display(&command);
    let out = command
        .output()
        .with_context(|| format!("could not start `{shown}`"))?;
    if !out.status.success() {
        bail!(
            "`{shown}` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(out.stdout)
}

/// The `depends=` list of a module's `.modinfo` section (NUL-separated `key=value` strings).
fn depends(module: &[u8]) -> Vec<String> {
    module
        .split(|&b| b == 0)
        .find_map(|field| field.strip_prefix(b"depends="))
        .map(|list| {
            String::from_utf8_lossy(list)
                .split(',')
                .filter(|d| !d.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_module_file_names() {
        assert_eq!(
            split_module_file_name("veth.ko"),
            Some(("veth", Compression::None))
        );
        assert_eq!(
            split_module_file_name("veth.ko.xz"),
            Some(("veth", Compression::Xz))
        );
        assert_eq!(
            split_module_file_name("nf_nat.ko.zst"),
            Some(("nf_nat", Compression::Zstd))
        );
        assert_eq!(split_module_file_name("modules.dep"), None);
    }

    #[test]
    fn reads_modinfo_depends() {
        let modinfo = b"\x7fELF...\0license=GPL\0depends=udp_tunnel,ip6_udp_tunnel\0vermagic=6.1\0";
        assert_eq!(depends(modinfo), ["udp_tunnel", "ip6_udp_tunnel"]);
        assert!(depends(b"\0depends=\0name=veth\0").is_empty());
        assert!(depends(b"no modinfo here").is_empty());
    }
}
