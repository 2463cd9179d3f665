//! What the fault tests (`faults.rs`, `faults_names.rs`) share: the real `bindscope` command
//! run as a child that is killed if a test fails, its output read as it comes, and runs in
//! a mount namespace of their own (to hide tracefs or BTF from bindscope alone).

#![allow(dead_code)] // each test file uses its part

use std::ffi::CString;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub const BINDSCOPE: &str = env!("CARGO_BIN_EXE_bindscope");

/// How long anything a test waits for may take before the test fails (a bound against
/// hanging, not a speed requirement).
pub const BOUND: Duration = Duration::from_secs(60);

/// Tests that run bindscope hold this, so that their tracers do not compete for the CPUs,
/// and a test that counts events sees only its own.
static SERIAL: Mutex<()> = Mutex::new(());

pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// Lines a reader thread collects.
type Lines = Arc<Mutex<Vec<String>>>;

fn read_lines(pipe: impl Read + Send + 'static, into: Lines) -> JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            into.lock().unwrap().push(line);
        }
    })
}

/// A running bindscope; killed (SIGKILL) and reaped when dropped, so a failing test leaves
/// no tracer behind.
pub struct Running {
    child: Option<Child>,
    stdout: Lines,
    stderr: Lines,
    readers: Vec<JoinHandle<()>>,
}

/// How a bindscope ended, and all it wrote.
#[derive(Debug)]
pub struct Finished {
    /// The exit status, `None` if killed by a signal.
    pub code: Option<i32>,
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
}

impl Finished {
    /// The lines of standard error that are not `RUST_LOG=info` chatter: warnings and errors.
    pub fn complaints(&self) -> Vec<&str> {
        complaints(&self.stderr)
    }
}

/// The lines of `stderr` that are not info or debug log lines, a log line's message only
/// (without env_logger's `[TIME LEVEL module] `).
pub fn complaints(stderr: &[String]) -> Vec<&str> {
    stderr
        .iter()
        .map(String::as_str)
        .filter(|l| !l.contains(" INFO ") && !l.contains(" DEBUG "))
        .map(|l| match l.strip_prefix('[') {
            Some(logged) => logged.split_once("] ").map_or(l, |(_, message)| message),
            None => l,
        })
        .collect()
}

impl Running {
    /// Starts `command` (a bindscope command line) with its output read as it comes.
    pub fn spawn(command: &mut Command) -> Running {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("bindscope starts");
        let (stdout, stderr): (Lines, Lines) = Default::default();
        let readers = vec![
            read_lines(child.stdout.take().unwrap(), Arc::clone(&stdout)),
            read_lines(child.stderr.take().unwrap(), Arc::clone(&stderr)),
        ];
        Running {
            child: Some(child),
            stdout,
            stderr,
            readers,
        }
    }

    /// `bindscope ARGS` with `RUST_LOG=info`, once it says it is attached: events made from
    /// then on are traced.
    pub fn start(args: &[&str]) -> Running {
        let mut command = Command::new(BINDSCOPE);
        command.args(args).env("RUST_LOG", "info");
        Running::start_command(&mut command)
    }

    /// [`start`](Self::start) of a prepared command (which must set `RUST_LOG=info`).
    pub fn start_command(command: &mut Command) -> Running {
        let mut running = Running::spawn(command);
        running.wait_stderr("attached", |lines| {
            lines.iter().any(|l| l.contains("attached; tracing"))
        });
        running
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    pub fn stdout(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    pub fn stderr(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until `done` holds of the standard output lines so far; fails the test after
    /// [`BOUND`], or if bindscope exits first.
    pub fn wait_stdout(&mut self, what: &str, done: impl Fn(&[String]) -> bool) {
        let stdout = Arc::clone(&self.stdout);
        self.wait_until(what, || done(&stdout.lock().unwrap()));
    }

    /// [`wait_stdout`](Self::wait_stdout) on standard error.
    pub fn wait_stderr(&mut self, what: &str, done: impl Fn(&[String]) -> bool) {
        let stderr = Arc::clone(&self.stderr);
        self.wait_until(what, || done(&stderr.lock().unwrap()));
    }

    fn wait_until(&mut self, what: &str, mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + BOUND;
        while !done() {
            if let Ok(Some(status)) = self.child.as_mut().expect("running").try_wait() {
                // What it wrote last may still be on its way to the readers.
                for reader in self.readers.drain(..) {
                    let _ = reader.join();
                }
                if done() {
                    return;
                }
                panic!(
                    "bindscope exited ({status}) before {what}; stderr:\n{}",
                    self.stderr().join("\n")
                );
            }
            assert!(
                Instant::now() < deadline,
                "no {what} within {BOUND:?}; stderr:\n{}",
                self.stderr().join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends `signal`, then waits for the exit.
    pub fn stop(self, signal: i32) -> Finished {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.pid() as i32, signal) };
        self.wait()
    }

    /// Waits for bindscope to exit on its own (killing it after [`BOUND`]: the test fails).
    pub fn wait(mut self) -> Finished {
        let mut child = self.child.take().expect("running");
        let deadline = Instant::now() + BOUND;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "bindscope did not exit within {BOUND:?}; stderr:\n{}",
                    self.stderr().join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        Finished {
            code: status.code(),
            stdout: self.stdout(),
            stderr: self.stderr(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs `command` to its end (bounded by [`BOUND`]) and returns how it ended.
pub fn run(command: &mut Command) -> Finished {
    Running::spawn(command).wait()
}

/// A mount made in a child's own mount namespace, before it runs bindscope: the host's
/// mounts are untouched.
pub enum Mount {
    /// An empty tmpfs over this directory: what was there is hidden.
    Tmpfs(&'static str),
    /// `source` bind-mounted over `target`.
    Bind(String, &'static str),
}

/// Makes `command` run in a mount namespace of its own (private: nothing propagates back to
/// the host) with `mounts` made. Mount namespaces need CAP_SYS_ADMIN.
pub fn with_mounts(command: &mut Command, mounts: Vec<Mount>) -> &mut Command {
    let c = |s: &str| CString::new(s).unwrap();
    // Everything the child calls is prepared here: after fork, only system calls.
    let prepared: Vec<(CString, CString, Option<CString>, libc::c_ulong)> = mounts
        .iter()
        .map(|m| match m {
            Mount::Tmpfs(target) => (c("none"), c(target), Some(c("tmpfs")), 0),
            Mount::Bind(source, target) => (c(source), c(target), None, libc::MS_BIND),
        })
        .collect();
    let root = c("/");
    // SAFETY: the closure makes only async-signal-safe system calls on memory prepared before
    // the fork.
    unsafe {
        command.pre_exec(move || {
            if libc::unshare(libc::CLONE_NEWNS) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            let flags = libc::MS_REC | libc::MS_PRIVATE;
            if libc::mount(
                std::ptr::null(),
                root.as_ptr(),
                std::ptr::null(),
                flags,
                std::ptr::null(),
            ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            for (source, target, fstype, flags) in &prepared {
                let fstype = fstype.as_ref().map_or(std::ptr::null(), |f| f.as_ptr());
                if libc::mount(
                    source.as_ptr(),
                    target.as_ptr(),
                    fstype,
                    *flags,
                    std::ptr::null(),
                ) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        })
    }
}

/// The ids of the eBPF programs, maps and links a process holds fds of (`prog_id:`,
/// `map_id:`, `link_id:` in its fdinfo; a link's fdinfo names its program too).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Held {
    pub programs: Vec<u32>,
    pub maps: Vec<u32>,
    pub links: Vec<u32>,
}

pub fn held_by(pid: u32) -> Held {
    let mut held = Held::default();
    for entry in std::fs::read_dir(format!("/proc/{pid}/fdinfo"))
        .expect("fdinfo")
        .flatten()
    {
        let info = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for line in info.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let Ok(id) = value.trim().parse::<u32>() else {
                continue;
            };
            match key {
                "prog_id" => held.programs.push(id),
                "map_id" => held.maps.push(id),
                "link_id" => held.links.push(id),
                _ => {}
            }
        }
    }
    for ids in [&mut held.programs, &mut held.maps, &mut held.links] {
        ids.sort_unstable();
        ids.dedup();
    }
    held
}

impl Held {
    /// Of these, the ones the kernel still has.
    pub fn still_loaded(&self) -> Held {
        let keep = |ours: &[u32], loaded: Vec<u32>| -> Vec<u32> {
            loaded.into_iter().filter(|id| ours.contains(id)).collect()
        };
        Held {
            programs: keep(&self.programs, bindscope::loaded_program_ids()),
            maps: keep(&self.maps, bindscope::loaded_map_ids()),
            links: keep(&self.links, bindscope::loaded_link_ids()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.programs.is_empty() && self.maps.is_empty() && self.links.is_empty()
    }
}

/// Whether the output of a bindscope shows a panic.
pub fn panicked(lines: &[String]) -> bool {
    lines
        .iter()
        .any(|l| l.contains("panicked") || l.contains("RUST_BACKTRACE"))
}

/// The NDJSON lines of `stdout`, parsed (every line must be JSON).
pub fn json_lines(stdout: &[String]) -> Vec<serde_json::Value> {
    stdout
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}
