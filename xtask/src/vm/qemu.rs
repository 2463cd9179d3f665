//! Booting a kernel in QEMU (TCG), capturing its serial console, and killing it on timeout.
//!
//! The guest has no network device and no shared file system: the initramfs carries everything
//! in, and the serial console (QEMU's stdout) plus the `isa-debug-exit` port carry the results
//! out. QEMU's own exit code is `(value << 1) | 1` for a value written to the debug-exit port
//! and 0 for a plain power-off or a reboot (which `-no-reboot` with `panic=-1` turns a kernel
//! panic into).

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::cmd;
use super::initramfs::DEBUG_EXIT_PORT;

/// How to boot one kernel.
pub struct BootConfig<'a> {
    /// Label for console prefixes.
    pub label: &'a str,
    /// The kernel image (`-kernel`).
    pub kernel: &'a Path,
    /// The initramfs (`-initrd`).
    pub initrd: &'a Path,
    /// Where the console output is written.
    pub log: &'a Path,
    /// When to kill QEMU.
    pub timeout: Duration,
    /// Whether to echo the guest console to the terminal as it arrives.
    pub echo: bool,
}

/// What happened when a kernel was booted.
pub struct BootOutcome {
    /// QEMU's exit code; `None` if it was killed (by the watchdog or a signal).
    pub exit_code: Option<i32>,
    /// The watchdog killed QEMU.
    pub timed_out: bool,
    /// The console lines (guest serial output, then QEMU's own stderr lines prefixed `qemu: `).
    pub lines: Vec<String>,
    /// From QEMU start until `/init` printed the kernel release (boot time), if it did.
    pub boot_time: Option<Duration>,
    /// From QEMU start until QEMU exited or was killed.
    pub total_time: Duration,
}

/// One line from QEMU, from either stream.
enum Line {
    /// A line of the guest's serial console.
    Console(String),
    /// A line QEMU printed on its stderr.
    Qemu(String),
}

impl Line {
    /// The text as logged: QEMU's own lines get a `qemu: ` prefix.
    fn into_text(self) -> String {
        match self {
            Line::Console(text) => text,
            Line::Qemu(text) => format!("qemu: {text}"),
        }
    }
}

/// Boots a kernel with QEMU under TCG and waits for it to power off, or kills it at the timeout.
pub fn boot(qemu: &Path, config: &BootConfig<'_>) -> Result<BootOutcome> {
    let mut command = Command::new(qemu);
    command
        .args(["-accel", "tcg", "-cpu", "max", "-m", "1024", "-smp", "1"])
        .args([
            "-nodefaults",
            "-no-reboot",
            "-display",
            "none",
            "-serial",
            "stdio",
        ])
        .args(["-nic", "none"])
        .arg("-device")
        .arg(format!(
            "isa-debug-exit,iobase={DEBUG_EXIT_PORT:#x},iosize=0x04"
        ))
        .arg("-kernel")
        .arg(config.kernel)
        .arg("-initrd")
        .arg(config.initrd)
        .args(["-append", "console=ttyS0 panic=-1 quiet"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd::step(format!("{}: $ {}", config.label, cmd::display(&command)));
    let mut log =
        File::create(config.log).with_context(|| format!("creating {}", config.log.display()))?;
    let started = Instant::now();
    let mut child = command.spawn().context("could not start QEMU")?;
    let pid = child.id();

    let (sender, receiver) = mpsc::channel();
    let stdout = child.stdout.take().context("QEMU stdout is not piped")?;
    let stderr = child.stderr.take().context("QEMU stderr is not piped")?;
    let readers = [
        spawn_reader(stdout, sender.clone(), Line::Console),
        spawn_reader(stderr, sender, Line::Qemu),
    ];

    let deadline = started + config.timeout;
    let mut lines = Vec::new();
    let mut boot_time = None;
    let mut timed_out = false;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(remaining) {
            Ok(line) => {
                let text = line.into_text();
                writeln!(log, "{text}")?;
                if boot_time.is_none() && text.starts_with("VMTEST-KERNEL ") {
                    boot_time = Some(started.elapsed());
                }
                if config.echo {
                    println!("  [{}] {text}", config.label);
                }
                lines.push(text);
            }
            // Both streams closed: QEMU has exited.
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                cmd::step(format!(
                    "{}: no power-off after {} s; killing QEMU (pid {pid})",
                    config.label,
                    config.timeout.as_secs()
                ));
                // `Child::kill` sends SIGKILL to exactly this pid.
                child.kill().context("killing QEMU")?;
                timed_out = true;
                break;
            }
        }
    }
    let status = child.wait().context("waiting for QEMU")?;
    let total_time = started.elapsed();
    for reader in readers {
        // A reader only ends when its pipe closes, which QEMU's exit guarantees.
        let _ = reader.join();
    }
    // Lines that arrived between the kill and the pipes closing.
    for line in receiver.try_iter() {
        let text = line.into_text();
        writeln!(log, "{text}")?;
        lines.push(text);
    }
    Ok(BootOutcome {
        exit_code: status.code(),
        timed_out,
        lines,
        boot_time,
        total_time,
    })
}

/// Reads `stream` line by line (dropping the serial console's `\r`) into `sender`.
fn spawn_reader<R: Read + Send + 'static>(
    stream: R,
    sender: mpsc::Sender<Line>,
    wrap: fn(String) -> Line,
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut buffer = Vec::new();
        loop {
            buffer.clear();
            match reader.read_until(b'\n', &mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let text = String::from_utf8_lossy(&buffer);
                    let text = text.trim_end_matches(['\r', '\n']).replace('\r', "");
                    if sender.send(wrap(text)).is_err() {
                        break;
                    }
                }
            }
        }
    })
}
