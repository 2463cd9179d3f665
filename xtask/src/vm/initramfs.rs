//! The guest's initramfs: a `newc` cpio archive written here, holding a busybox `/init` script,
//! `ip`, the test binaries with their shared libraries, and the kernel modules they need.
//!
//! The archive is left uncompressed: every Debian kernel accepts that, the file is a few tens of
//! megabytes at most, and QEMU loads it straight into guest memory, so compressing would only add
//! time on both sides.

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use super::cmd;
use super::modules::Module;

/// Mode bits of a directory entry (`S_IFDIR | 0755`).
const MODE_DIR: u32 = 0o040_755;
/// File type bits of a regular file (`S_IFREG`).
const MODE_FILE: u32 = 0o100_000;
/// Mode bits of a symbolic link (`S_IFLNK | 0777`).
const MODE_SYMLINK: u32 = 0o120_777;
/// Mode bits of a character device node (`S_IFCHR | 0600`).
const MODE_CHAR_DEV: u32 = 0o020_600;

/// Where the scenario runner lives in the guest; `/init` runs it from there.
pub const SCENARIOS_PATH: &str = "/bin/bindscope-scenarios";
/// Guest path of the busybox binary; its applets are linked into [`BUSYBOX_APPLETS`].
const BUSYBOX_PATH: &str = "/bin/busybox";
/// Directory for the busybox applet links, last in `PATH` so real binaries (`ip`) win.
const BUSYBOX_APPLETS: &str = "/busybox";
/// The I/O port of QEMU's `isa-debug-exit` device (as configured by the qemu module).
pub const DEBUG_EXIT_PORT: u16 = 0xf4;

/// A `newc` (SVR4 without CRC) cpio archive being written in memory, the format the kernel's
/// initramfs unpacker reads.
#[derive(Default)]
pub struct CpioWriter {
    /// The archive bytes so far.
    bytes: Vec<u8>,
    /// The next inode number; every entry gets its own, as there are no hard links.
    next_inode: u32,
    /// Directories already written (the unpacker needs parents before their children).
    dirs: BTreeSet<String>,
    /// All paths written, to refuse duplicates (the unpacker would overwrite silently).
    paths: BTreeSet<String>,
}

impl CpioWriter {
    /// Adds a directory (and its missing parents).
    pub fn dir(&mut self, path: &str) -> Result<()> {
        let path = path.trim_matches('/');
        if path.is_empty() || self.dirs.contains(path) {
            return Ok(());
        }
        if let Some((parent, _)) = path.rsplit_once('/') {
            self.dir(parent)?;
        }
        self.dirs.insert(path.to_owned());
        self.entry(path, MODE_DIR, 2, (0, 0), &[])
    }

    /// Adds a regular file with the given permission bits (and its missing parent directories).
    pub fn file(&mut self, path: &str, permissions: u32, contents: &[u8]) -> Result<()> {
        let path = self.parent_dirs(path)?;
        self.entry(
            &path,
            MODE_FILE | (permissions & 0o7777),
            1,
            (0, 0),
            contents,
        )
    }

    /// Adds a symbolic link at `path` pointing to `target`.
    pub fn symlink(&mut self, path: &str, target: &str) -> Result<()> {
        let path = self.parent_dirs(path)?;
        self.entry(&path, MODE_SYMLINK, 1, (0, 0), target.as_bytes())
    }

    /// Adds a character device node (e.g. `/dev/console`, which the kernel opens for `/init`'s
    /// standard streams before anything is mounted).
    pub fn char_device(&mut self, path: &str, major: u32, minor: u32) -> Result<()> {
        let path = self.parent_dirs(path)?;
        self.entry(&path, MODE_CHAR_DEV, 1, (major, minor), &[])
    }

    /// Tells whether `path` is already in the archive.
    pub fn contains(&self, path: &str) -> bool {
        self.paths.contains(path.trim_matches('/'))
    }

    /// Writes the trailer and returns the finished archive.
    pub fn finish(mut self) -> Vec<u8> {
        // The trailer cannot collide with user paths, so this cannot fail.
        self.header("TRAILER!!!", 0, 1, (0, 0), 0);
        self.bytes
    }

    /// Creates the parent directories of `path` and returns it without leading `/`.
    fn parent_dirs(&mut self, path: &str) -> Result<String> {
        let path = path.trim_matches('/');
        if let Some((parent, _)) = path.rsplit_once('/') {
            self.dir(parent)?;
        }
        Ok(path.to_owned())
    }

    /// Appends one entry: header, name, data, each padded to 4 bytes.
    fn entry(
        &mut self,
        path: &str,
        mode: u32,
        nlink: u32,
        rdev: (u32, u32),
        data: &[u8],
    ) -> Result<()> {
        if !self.paths.insert(path.to_owned()) {
            bail!("initramfs: `/{path}` added twice");
        }
        let size = u32::try_from(data.len())
            .with_context(|| format!("initramfs: `/{path}` is larger than 4 GiB"))?;
        self.header(path, mode, nlink, rdev, size);
        self.bytes.extend_from_slice(data);
        self.pad();
        Ok(())
    }

    /// Appends a header and the NUL-terminated, padded name.
    fn header(&mut self, name: &str, mode: u32, nlink: u32, rdev: (u32, u32), size: u32) {
        self.next_inode += 1;
        let name_size = name.len() + 1;
        let fields = [
            self.next_inode,
            mode,
            0, // uid
            0, // gid
            nlink,
            0, // mtime: fixed, so identical inputs give identical archives
            size,
            0, // devmajor
            0, // devminor
            rdev.0,
            rdev.1,
            u32::try_from(name_size).unwrap_or(u32::MAX),
            0, // check (only for the CRC format)
        ];
        self.bytes.extend_from_slice(b"070701");
        for field in fields {
            self.bytes
                .extend_from_slice(format!("{field:08X}").as_bytes());
        }
        self.bytes.extend_from_slice(name.as_bytes());
        self.bytes.push(0);
        self.pad();
    }

    /// Pads the archive to a multiple of 4 bytes.
    fn pad(&mut self) {
        while !self.bytes.len().is_multiple_of(4) {
            self.bytes.push(0);
        }
    }
}

/// Everything the initramfs of one kernel holds.
pub struct Contents<'a> {
    /// The scenario runner, installed as [`SCENARIOS_PATH`].
    pub scenarios: &'a Path,
    /// Extra binaries, installed as `/bin/<file name>`.
    pub extra_bins: &'a [PathBuf],
    /// Static busybox.
    pub busybox: &'a Path,
    /// iproute2's `ip`.
    pub ip: &'a Path,
    /// The kernel release, for `/lib/modules/<release>`.
    pub release: &'a str,
    /// Modules to load, in load order.
    pub modules: &'a [Module],
    /// Arguments for the scenario runner.
    pub scenario_args: &'a [String],
}

/// Builds the archive for `contents`.
pub fn build(contents: &Contents<'_>) -> Result<Vec<u8>> {
    let mut cpio = CpioWriter::default();
    for dir in [
        "dev",
        "proc",
        "sys",
        "run",
        "tmp",
        "root",
        "etc",
        BUSYBOX_APPLETS,
    ] {
        cpio.dir(dir)?;
    }
    cpio.char_device("/dev/console", 5, 1)?;
    cpio.char_device("/dev/null", 1, 3)?;
    cpio.symlink("/var/run", "../run")?;
    cpio.file(BUSYBOX_PATH, 0o755, &read(contents.busybox)?)?;

    add_program(&mut cpio, contents.ip, &contents.ip.to_string_lossy())?;
    // Scripts and tools may call `ip` by any of its usual absolute paths.
    for alias in ["/sbin/ip", "/bin/ip", "/usr/bin/ip", "/usr/sbin/ip"] {
        if !cpio.contains(alias) {
            cpio.symlink(alias, &contents.ip.to_string_lossy())?;
        }
    }
    add_program(&mut cpio, contents.scenarios, SCENARIOS_PATH)?;
    for bin in contents.extra_bins {
        let name = bin
            .file_name()
            .with_context(|| format!("--bin {} has no file name", bin.display()))?;
        add_program(&mut cpio, bin, &format!("/bin/{}", name.to_string_lossy()))?;
    }

    let mut insmods = Vec::new();
    for module in contents.modules {
        let guest_path = format!("/lib/modules/{}/{}", contents.release, module.relative_path);
        cpio.file(&guest_path, 0o644, &module.contents)?;
        insmods.push(guest_path);
    }
    cpio.file(
        "/init",
        0o755,
        init_script(&insmods, contents.scenario_args).as_bytes(),
    )?;
    Ok(cpio.finish())
}

/// Reads a host file for the archive.
fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// Adds a dynamically or statically linked program at `guest_path`, plus every shared library
/// and the dynamic loader at the paths `ldd` reports, which are the paths the loader searches.
fn add_program(cpio: &mut CpioWriter, host_path: &Path, guest_path: &str) -> Result<()> {
    let mode = host_path
        .metadata()
        .with_context(|| format!("{} does not exist", host_path.display()))?
        .permissions()
        .mode();
    cpio.file(guest_path, mode | 0o555, &read(host_path)?)?;
    for library in shared_libraries(host_path)? {
        let path = library.to_string_lossy();
        if !cpio.contains(&path) {
            cpio.file(&path, 0o755, &read(&library)?)?;
        }
    }
    Ok(())
}

/// The shared libraries of `program` as `ldd` resolves them (none for a static program).
fn shared_libraries(program: &Path) -> Result<Vec<PathBuf>> {
    let out = Command::new("ldd")
        .arg(program)
        .output()
        .context("could not run `ldd` (package libc-bin)")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        if stdout.contains("not a dynamic executable")
            || stderr.contains("not a dynamic executable")
        {
            return Ok(Vec::new());
        }
        bail!("`ldd {}` failed: {}", program.display(), stderr.trim());
    }
    let mut libraries = Vec::new();
    for line in stdout.lines() {
        // `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)`, `/lib64/ld-linux-x86-64.so.2 (0x…)`,
        // `linux-vdso.so.1 (0x…)` (in the kernel, no file), `statically linked`.
        let target = line.split_once("=>").map_or(line, |(_, t)| t).trim();
        if target.starts_with("not found") {
            bail!("{}: shared library {}", program.display(), line.trim());
        }
        if let Some(path) = target
            .split_whitespace()
            .next()
            .filter(|p| p.starts_with('/'))
        {
            libraries.push(PathBuf::from(path));
        }
    }
    Ok(libraries)
}

/// Quotes a word for the busybox shell.
fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// The `/init` script: set up the file systems the scenarios need, load the modules, run the
/// scenarios, report their exit status through `isa-debug-exit`, power off.
///
/// The markers `VMTEST-INIT`, `VMTEST-KERNEL` and `VMTEST-EXIT` let the host tell how far the
/// guest got; the exit status also travels through the debug-exit port, so a status that the
/// console lost still arrives.
fn init_script(insmods: &[String], scenario_args: &[String]) -> String {
    let insmod_lines: String = insmods
        .iter()
        .map(|m| format!("insmod {m} || echo \"VMTEST-WARN insmod {m} failed\"\n"))
        .collect();
    let args: Vec<String> = scenario_args.iter().map(|a| shell_quote(a)).collect();
    format!(
        r#"#!{BUSYBOX_PATH} sh
# Written by `cargo xtask vm-test`.
{BUSYBOX_PATH} --install -s {BUSYBOX_APPLETS}
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:{BUSYBOX_APPLETS}
export HOME=/root
echo VMTEST-INIT
mnt() {{ mkdir -p "$3" && mount -t "$1" "$2" "$3" || echo "VMTEST-WARN mounting $1 on $3 failed"; }}
mnt proc proc /proc
mnt sysfs sysfs /sys
mnt devtmpfs devtmpfs /dev
mnt tmpfs tmpfs /run
mnt tmpfs tmpfs /tmp
mnt debugfs debugfs /sys/kernel/debug
mnt tracefs tracefs /sys/kernel/tracing
mnt bpf bpf /sys/fs/bpf
mnt cgroup2 cgroup2 /sys/fs/cgroup
# eBPF maps count against RLIMIT_MEMLOCK before Linux 5.11.
ulimit -l unlimited
{insmod_lines}ip link set lo up
echo "VMTEST-KERNEL $(uname -r)"
{SCENARIOS_PATH} {args}
status=$?
echo "VMTEST-EXIT $status"
# isa-debug-exit: QEMU exits with (value << 1) | 1. value = status + 1 (status at most 126),
# so a report is never 0, whose QEMU exit code 1 is also QEMU's own error code.
[ "$status" -gt 126 ] && status=126
printf "\\$(printf %o $((status + 1)))" | dd of=/dev/port bs=1 seek={port} count=1 conv=notrunc 2>/dev/null
poweroff -f
"#,
        args = args.join(" "),
        port = DEBUG_EXIT_PORT,
    )
}

/// Finds a statically linked busybox, installing Debian's busybox-static if there is none.
pub fn static_busybox() -> Result<PathBuf> {
    let is_static =
        |path: &Path| path.is_file() && shared_libraries(path).is_ok_and(|l| l.is_empty());
    let candidates = ["/bin/busybox", "/usr/bin/busybox"].map(PathBuf::from);
    if let Some(found) = candidates.iter().find(|p| is_static(p)) {
        return Ok(found.clone());
    }
    cmd::apt_install(
        "busybox-static",
        "the guest needs a statically linked busybox and /bin/busybox is missing or dynamic",
    )?;
    candidates
        .into_iter()
        .find(|p| is_static(p))
        .context("installed busybox-static but found no static /bin/busybox")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_newc_entries_with_padding() {
        let mut cpio = CpioWriter::default();
        cpio.file("/a/b", 0o644, b"hi").unwrap();
        let bytes = cpio.finish();
        // Entries: dir "a", file "a/b", trailer; every header starts 4-byte aligned.
        let text = String::from_utf8_lossy(&bytes);
        assert_eq!(text.matches("070701").count(), 3);
        assert!(text.starts_with("070701"));
        assert_eq!(bytes.len() % 4, 0);
        // The file header: mode 0100644, size 2, name size 4 ("a/b\0").
        let file_header = text.find("a/b").unwrap() - 110;
        let header = &text[file_header..file_header + 110];
        assert_eq!(&header[14..22], "000081A4");
        assert_eq!(&header[54..62], "00000002");
        assert_eq!(&header[94..102], "00000004");
        assert!(text.contains("TRAILER!!!"));
    }

    #[test]
    fn refuses_duplicate_paths() {
        let mut cpio = CpioWriter::default();
        cpio.file("/x", 0o644, b"").unwrap();
        assert!(cpio.file("x", 0o644, b"").is_err());
    }

    #[test]
    fn quotes_arguments_for_the_shell() {
        assert_eq!(shell_quote("run"), "'run'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn init_script_runs_scenarios_and_reports_status() {
        let script = init_script(
            &["/lib/modules/6.1/kernel/drivers/net/veth.ko".into()],
            &["run".into(), "--all".into()],
        );
        assert!(script.starts_with("#!/bin/busybox sh\n"));
        assert!(script.contains("insmod /lib/modules/6.1/kernel/drivers/net/veth.ko"));
        assert!(script.contains("/bin/bindscope-scenarios 'run' '--all'\n"));
        assert!(script.contains("seek=244"));
    }
}
