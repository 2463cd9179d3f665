//! The tracers under test, as child processes: spawned, watched until attached, stopped with
//! `SIGINT` (the way a user stops them), and their final output parsed.
//!
//! A reader thread drains each child's standard output, keeping only the first few lines (to
//! see "attached") and the last 64 KiB (where the summary is). The pipe is enlarged to 1 MiB
//! and the reader takes it in big gulps, pausing a millisecond whenever little was waiting:
//! so the reader costs less than `| wc -l`, the child does not block on a full pipe, and
//! what is measured is the tracer, not its reader (close to `> /dev/null`, which would hide
//! the summary with the lost-event count).

use std::io::{ErrorKind, Read};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};

/// How many of the first lines are passed on to [`Traced::wait_line`].
const FIRST_LINES: usize = 8;
/// How much of the end of the output is kept for parsing the summary.
const TAIL_BYTES: usize = 64 << 10;
/// The pipe buffer asked for (the default `fs.pipe-max-size`).
const PIPE_SIZE: libc::c_int = 1 << 20;
/// A read shorter than this means the pipe was nearly empty: the reader pauses for
/// [`READ_PAUSE`] so the next read takes many lines at once.
const SHORT_READ: usize = 64 << 10;
/// The reader's pause after a short read.
const READ_PAUSE: Duration = Duration::from_millis(1);
/// How long a stopped tracer may take to exit (bindscope drains its ring buffer first).
const STOP_BOUND: Duration = Duration::from_secs(120);
/// How often a tracer that has not exited yet is sent `SIGINT` again.
const RESIGNAL: Duration = Duration::from_secs(1);

/// bpftrace's count-only one-liner on the tracepoint bindscope's route program uses.
pub const BPFTRACE_COUNT: &str = "tracepoint:fib:fib_table_lookup { @ = count(); }";
/// A variant that prints on its first event, to time bpftrace's start-up to a real event.
pub const BPFTRACE_FIRST: &str =
    "tracepoint:fib:fib_table_lookup { printf(\"first event\\n\"); exit(); }";

/// A running tracer process.
pub struct Traced {
    /// For messages: `bindscope`, `bpftrace`.
    name: &'static str,
    child: Child,
    spawned: Instant,
    first_lines: Receiver<(Instant, String)>,
    /// The reader thread of the output watched (standard output, or standard error for a
    /// tracer whose standard output goes to `/dev/null`); at end of file it hands back the
    /// tail of the output.
    output: Option<JoinHandle<std::io::Result<Output>>>,
    /// The reader of standard error, when standard output is the one watched.
    stderr: Option<JoinHandle<String>>,
    watched: Watched,
}

/// Which of a tracer's outputs [`Traced`] watches for its first lines and its summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watched {
    /// Standard output (events and the summary); standard error is kept for error messages.
    Stdout,
    /// Standard error (bindscope's log, at `info`), with standard output sent to
    /// `/dev/null`: the events are written, and never read.
    Stderr,
}

/// What a stopped tracer left behind.
#[derive(Debug)]
pub struct Finished {
    /// The end of its standard output (the last [`TAIL_BYTES`] or a little more).
    pub tail: String,
    /// From `SIGINT` to exit (bindscope delivers what is still in its ring buffer first).
    pub stop: Duration,
    /// From `SIGINT` until the last output before the summary line arrived (zero if all of
    /// it came before): how long delivering the backlog took, without the time detaching
    /// took after it (half a second with syscall tracepoints, see the README). Unknown when
    /// the events went to `/dev/null`.
    pub drained: Option<Duration>,
    /// The process's CPU time (user + system, seconds) as last read before it exited.
    pub cpu: Option<f64>,
}

/// Seconds of CPU (user + system) a process has used so far, from `/proc/PID/stat`.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the `(comm)`, which may contain spaces: state is field 3, utime 14, stime 15.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (ticks > 0).then(|| (utime + stime) / ticks as f64)
}

impl Traced {
    /// Spawns `command` with standard output and error captured.
    pub fn spawn(name: &'static str, command: Command) -> Result<Self> {
        Self::spawn_watching(name, command, Watched::Stdout)
    }

    /// Spawns `command`, watching `watched` (the other output is captured for error
    /// messages, or sent to `/dev/null` if it is standard output).
    pub fn spawn_watching(
        name: &'static str,
        mut command: Command,
        watched: Watched,
    ) -> Result<Self> {
        let spawned = Instant::now();
        let stdout = match watched {
            Watched::Stdout => Stdio::piped(),
            Watched::Stderr => Stdio::null(),
        };
        let mut child = command
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("could not start {name} ({command:?})"))?;
        let (sender, first_lines) = mpsc::channel();
        let reader = |out: Box<dyn Read + Send>, which: &str| {
            std::thread::Builder::new()
                .name(format!("{name} {which}"))
                .spawn(move || read_output(out, sender))
        };
        let (output, stderr) = match watched {
            Watched::Stdout => {
                let stdout = child.stdout.take().map(|out| {
                    // SAFETY: plain fcntl on a descriptor we own. Failure only means the
                    // default size.
                    let _ = unsafe { libc::fcntl(out.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_SIZE) };
                    reader(Box::new(out), "stdout")
                });
                let stderr = child.stderr.take().map(|mut err| {
                    std::thread::Builder::new()
                        .name(format!("{name} stderr"))
                        .spawn(move || {
                            let mut text = String::new();
                            let _ = err.read_to_string(&mut text);
                            text
                        })
                });
                (stdout, stderr)
            }
            Watched::Stderr => (
                child
                    .stderr
                    .take()
                    .map(|err| reader(Box::new(err), "stderr")),
                None,
            ),
        };
        Ok(Traced {
            name,
            child,
            spawned,
            first_lines,
            output: output.transpose().context("spawning a reader thread")?,
            stderr: stderr.transpose().context("spawning a reader thread")?,
            watched,
        })
    }

    /// The process id (for [`cpu_seconds`]).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits (at most `bound`) for one of the first lines of output to satisfy `wanted`, and
    /// returns the time from spawn until that line arrived.
    pub fn wait_line(
        &mut self,
        wanted: impl Fn(&str) -> bool,
        bound: Duration,
    ) -> Result<Duration> {
        let deadline = Instant::now() + bound;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.first_lines.recv_timeout(left) {
                Ok((at, line)) if wanted(&line) => return Ok(at - self.spawned),
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => {
                    return Err(self.fail(&format!("no such output within {bound:?}")))
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(self.fail("its output ended before the awaited line"))
                }
            }
        }
    }

    /// Sends `SIGINT`, waits (bounded) for the process to exit, and collects its output.
    ///
    /// `SIGINT` is sent again every [`RESIGNAL`] until the process exits, like a user pressing
    /// Ctrl-C twice: bpftrace 0.17 can miss one that arrives while it is still attaching (its
    /// handler sets a flag, then it sleeps in `epoll_wait` with no event to wake it). bindscope
    /// handles any number of them, and keeps draining its ring buffer meanwhile.
    pub fn stop(mut self) -> Result<Finished> {
        let asked = Instant::now();
        let mut signalled: Option<Instant> = None;
        let mut cpu = None;
        let status = loop {
            // Read before reaping: a zombie's stat still has the final times, a reaped one none.
            cpu = cpu_seconds(self.child.id()).or(cpu);
            // The process may have exited on its own already (bpftrace after `exit()`).
            if let Some(status) = self.child.try_wait()? {
                break status;
            }
            if signalled.is_none_or(|at| at.elapsed() >= RESIGNAL) {
                self.interrupt()?;
                signalled = Some(Instant::now());
            }
            if asked.elapsed() > STOP_BOUND {
                return Err(self.fail(&format!("still running {STOP_BOUND:?} after SIGINT")));
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        let stop = asked.elapsed();
        let output = join(self.output.take())?
            .with_context(|| format!("reading the output of {}", self.name))?;
        let drained = (self.watched == Watched::Stdout).then(|| {
            output
                .before_summary
                .map_or(Duration::ZERO, |at| at.saturating_duration_since(asked))
        });
        let stderr = match self.stderr.take() {
            Some(reader) => join(Some(reader))?,
            None => String::from_utf8_lossy(&output.tail).into_owned(),
        };
        if !status.success() {
            bail!("{} exited with {status}: {}", self.name, stderr.trim());
        }
        Ok(Finished {
            tail: String::from_utf8_lossy(&output.tail).into_owned(),
            stop,
            drained,
            cpu,
        })
    }

    /// Sends `SIGINT` to the process.
    fn interrupt(&self) -> Result<()> {
        let pid = libc::pid_t::try_from(self.child.id()).context("pid out of range")?;
        // SAFETY: plain system call; the child is not reaped yet, so the pid is still ours.
        if unsafe { libc::kill(pid, libc::SIGINT) } != 0 {
            bail!(
                "could not signal {}: {}",
                self.name,
                std::io::Error::last_os_error()
            );
        }
        Ok(())
    }

    /// Kills the process and builds an error from `what` and what it printed on stderr.
    fn fail(&mut self, what: &str) -> anyhow::Error {
        let _ = self.child.kill();
        let status = self.child.wait();
        // When standard error is the watched output, its reader holds it.
        let stderr = match self.stderr.take() {
            Some(reader) => join(Some(reader)).unwrap_or_default(),
            None => join(self.output.take())
                .ok()
                .and_then(Result::ok)
                .map(|output| String::from_utf8_lossy(&output.tail).into_owned())
                .unwrap_or_default(),
        };
        anyhow!(
            "{}: {what} (exit: {status:?}); stderr: {}",
            self.name,
            stderr.trim()
        )
    }
}

impl Drop for Traced {
    /// A tracer is never left running, also when a round fails half-way.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Joins a reader thread (each is joined once: stopping or failing consumes the tracer).
fn join<T>(handle: Option<JoinHandle<T>>) -> Result<T> {
    handle
        .ok_or_else(|| anyhow!("the output was collected already"))?
        .join()
        .map_err(|_| anyhow!("a reader thread panicked"))
}

/// What the stdout reader hands back at end of file.
struct Output {
    /// The last [`TAIL_BYTES`] or a little more.
    tail: Vec<u8>,
    /// When the last output other than a bindscope summary line arrived.
    before_summary: Option<Instant>,
}

/// Marks bindscope's summary line, the one it prints after detaching.
const SUMMARY_MARK: &[u8] = b"\"type\":\"summary\"";

/// The watched output's reader: passes the first [`FIRST_LINES`] lines on with the time they
/// arrived, and returns the tail of the output and when the last output before the summary
/// came.
fn read_output(
    mut out: Box<dyn Read + Send>,
    first: Sender<(Instant, String)>,
) -> std::io::Result<Output> {
    let mut buf = vec![0u8; 1 << 20];
    let mut tail = Vec::new();
    let mut before_summary = None;
    let mut sent = 0;
    let mut partial = Vec::new();
    loop {
        let n = match out.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let now = Instant::now();
        let chunk = buf.get(..n).unwrap_or_default();
        if !starts_with_summary(chunk) {
            before_summary = Some(now);
        }
        if sent < FIRST_LINES {
            for &byte in chunk {
                if byte != b'\n' {
                    partial.push(byte);
                    continue;
                }
                let line = String::from_utf8_lossy(&partial).into_owned();
                partial.clear();
                let _ = first.send((now, line));
                sent += 1;
                if sent == FIRST_LINES {
                    break;
                }
            }
        }
        tail.extend_from_slice(chunk);
        if tail.len() > 2 * TAIL_BYTES {
            tail.drain(..tail.len() - TAIL_BYTES);
        }
        if n < SHORT_READ {
            std::thread::sleep(READ_PAUSE);
        }
    }
    Ok(Output {
        tail,
        before_summary,
    })
}

/// Whether a chunk of output begins with the summary line (so holds nothing before it).
fn starts_with_summary(chunk: &[u8]) -> bool {
    let first_line = chunk.split(|&b| b == b'\n').next().unwrap_or_default();
    first_line.starts_with(TABLE_SUMMARY.as_bytes())
        || first_line
            .windows(SUMMARY_MARK.len())
            .any(|w| w == SUMMARY_MARK)
}

/// The bindscope CLI to drive: `given`, or `bindscope` next to the running program (where
/// `cargo xtask bench`/`soak` build it); an error that says how to build it if it is missing.
pub fn cli(given: Option<&Path>) -> Result<PathBuf> {
    let path = match given {
        Some(path) => path.to_owned(),
        None => std::env::current_exe()
            .context("finding this program")?
            .with_file_name("bindscope"),
    };
    if !path.is_file() {
        bail!(
            "no bindscope CLI at {}: build it (`cargo build --release -p bindscope`) or run \
             `cargo xtask bench` or `cargo xtask soak`, which build everything",
            path.display()
        );
    }
    Ok(path)
}

/// What bindscope writes, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// NDJSON (`--json`) to a pipe this program drains.
    Json,
    /// NDJSON (`--json`) to `/dev/null`, as the CPU-per-event target names it: no
    /// reader shares the CPUs, and a write never waits. Attachment and the summary come from
    /// bindscope's log on standard error (`RUST_LOG=bindscope=info`).
    JsonToNull,
    /// The human table (no colours: its output is a pipe).
    Table,
}

impl Format {
    /// Which output of bindscope's tells when it attached and what it lost.
    pub fn watched(self) -> Watched {
        match self {
            Format::Json | Format::Table => Watched::Stdout,
            Format::JsonToNull => Watched::Stderr,
        }
    }

    /// Whether `line`, among the first lines of the watched output, shows bindscope attached:
    /// the first event of a probe, or (output to `/dev/null`) the log line saying so.
    pub fn shows_attached(self, line: &str) -> bool {
        match self {
            Format::Json | Format::Table => is_event_line(line),
            Format::JsonToNull => line.contains(ATTACHED_LOG),
        }
    }
}

/// bindscope's `info` log line once every program is attached.
const ATTACHED_LOG: &str = "attached; tracing until stopped";

/// `bindscope trace` in `format` with the given event families and namespace filter, and the
/// given ring-buffer size (`None`: the CLI's default).
pub fn bindscope(
    binary: &Path,
    events: &str,
    netns: &Path,
    ring_size: Option<&str>,
    format: Format,
) -> Command {
    let mut command = Command::new(binary);
    command.arg("trace");
    match format {
        Format::Json => {
            command.arg("--json");
        }
        Format::JsonToNull => {
            command.arg("--json").env("RUST_LOG", "bindscope=info");
        }
        Format::Table => {}
    }
    command.args(["--events", events]);
    if let Some(size) = ring_size {
        command.args(["--ring-size", size]);
    }
    command.arg("--netns").arg(netns);
    command
}

/// `bpftrace -e PROGRAM`.
pub fn bpftrace(binary: &Path, program: &str) -> Command {
    let mut command = Command::new(binary);
    command.args(["-e", program]);
    command
}

/// Whether `line` is one of bindscope's output lines rather than the table's header: what
/// shows it has attached, once a probe's event comes.
pub fn is_event_line(line: &str) -> bool {
    !line.contains("TIME(s)")
}

/// From the end of `bindscope trace` output: the events reported (all types) and the events
/// lost, from its summary line: NDJSON's `{"type":"summary",...}` or the table's
/// `-- 2 route, 1 sockopt; 0 lost; stopped by SIGINT`.
pub fn bindscope_summary(tail: &str) -> Result<(u64, u64)> {
    if let Some(summary) = tail.lines().rev().find_map(logged_summary) {
        return Ok(summary);
    }
    if let Some(line) = tail.lines().rev().find(|l| l.starts_with(TABLE_SUMMARY)) {
        return table_summary(line).ok_or_else(|| anyhow!("bad summary line {line:?}"));
    }
    let line = tail
        .lines()
        .rev()
        .find(|l| l.contains("\"type\":\"summary\""))
        .ok_or_else(|| anyhow!("bindscope printed no summary line"))?;
    let summary: serde_json::Value =
        serde_json::from_str(line).with_context(|| format!("bad summary line {line:?}"))?;
    let events = summary["events"]
        .as_object()
        .map(|by_type| by_type.values().filter_map(|v| v.as_u64()).sum())
        .ok_or_else(|| anyhow!("no \"events\" in summary {line:?}"))?;
    let lost = summary["lost"]
        .as_u64()
        .ok_or_else(|| anyhow!("no \"lost\" in summary {line:?}"))?;
    Ok((events, lost))
}

/// The summary as bindscope logs it at `info`, after env_logger's prefix:
/// `[... INFO  bindscope] stopped by SIGINT: 12 events, 3 lost`: events, lost.
fn logged_summary(line: &str) -> Option<(u64, u64)> {
    let (_, rest) = line.split_once("] stopped by ")?;
    let (_, counts) = rest.split_once(": ")?;
    let (events, lost) = counts.strip_suffix(" lost")?.split_once(" events, ")?;
    Some((events.parse().ok()?, lost.parse().ok()?))
}

/// How the table's summary line begins.
const TABLE_SUMMARY: &str = "-- ";

/// `-- 2 route, 1 sockopt; 0 lost; stopped by SIGINT` (or `-- no events; ...`): events, lost.
fn table_summary(line: &str) -> Option<(u64, u64)> {
    let mut parts = line.strip_prefix(TABLE_SUMMARY)?.split("; ");
    let events = match parts.next()? {
        "no events" => 0,
        counts => counts
            .split(", ")
            .map(|c| c.split(' ').next()?.parse::<u64>().ok())
            .sum::<Option<u64>>()?,
    };
    let lost = parts.next()?.strip_suffix(" lost")?.parse().ok()?;
    Some((events, lost))
}

/// From the end of bpftrace's output: the count it printed at exit (`@: N`).
pub fn bpftrace_count(tail: &str) -> Result<u64> {
    tail.lines()
        .rev()
        .find_map(|l| l.strip_prefix("@: "))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| anyhow!("bpftrace printed no `@: N` count; output ended with {tail:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_starting_with_the_summary_is_told_apart() {
        assert!(starts_with_summary(b"{\"type\":\"summary\",\"lost\":0}\n"));
        assert!(!starts_with_summary(
            b"{\"type\":\"route\"}\n{\"type\":\"summary\"}\n"
        ));
        assert!(!starts_with_summary(b"{\"type\":\"route\"}\n"));
        assert!(!starts_with_summary(b""));
    }

    #[test]
    fn summaries_are_parsed() {
        let tail = "{\"type\":\"route\"}\n{\"type\":\"summary\",\"events\":{\"route\":10,\"sockopt\":2},\"lost\":3,\"stopped_by\":\"SIGINT\"}\n";
        assert_eq!(bindscope_summary(tail).unwrap(), (12, 3));
        assert!(bindscope_summary("{\"type\":\"route\"}\n").is_err());
        let logged = "[2026-12-05T12:00:00Z INFO  bindscope] attached; tracing until stopped\n\
                      [2026-12-05T12:00:02Z INFO  bindscope] stopped by SIGINT: 1234 events, 5 lost\n";
        assert_eq!(bindscope_summary(logged).unwrap(), (1234, 5));
        assert!(Format::JsonToNull.shows_attached(logged.lines().next().unwrap()));
        let table = "  0.000001  4026531840  x[1] route ...\n-- 7 route, 2 sockopt; 1 lost; stopped by SIGINT\n";
        assert_eq!(bindscope_summary(table).unwrap(), (9, 1));
        assert_eq!(
            bindscope_summary("-- no events; 0 lost; stopped by SIGINT\n").unwrap(),
            (0, 0)
        );
        assert!(starts_with_summary(
            b"-- 7 route; 0 lost; stopped by SIGINT\n"
        ));
        assert_eq!(
            bpftrace_count("Attaching 1 probe...\n\n\n@: 4711\n").unwrap(),
            4711
        );
        assert!(bpftrace_count("Attaching 1 probe...\n").is_err());
    }

    #[test]
    fn own_cpu_time_is_readable() {
        assert!(cpu_seconds(std::process::id()).is_some());
    }
}
