//! Named network namespaces that clean up after themselves, and running code inside them.
//!
//! Every scenario builds its own namespaces so scenarios can run in parallel and never touch
//! the machine's real network. A [`Netns`] is created with `ip netns add`, removed with
//! `ip netns del` when dropped (also while a panic unwinds), and its name carries the pid of
//! the process that made it, so [`sweep_stale`] can remove the leftovers of a process that was
//! killed before its destructors ran.
//!
//! Only `ip` (iproute2) and the kernel are needed: this also runs inside a minimal initramfs.

use std::fs::File;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::abi;
use crate::sys;

/// Where `ip netns` keeps its namespace files.
pub const NETNS_RUN_DIR: &str = "/run/netns";

/// Prefix of every namespace this crate creates (`bs-<pid>-<n>-<label>`).
pub const NAME_PREFIX: &str = "bs-";

/// Makes names unique within one process.
static NEXT_ID: AtomicU32 = AtomicU32::new(0);

/// `ip netns add` sets up the shared mount of /run/netns on first use; doing that from many
/// threads at once can stack mounts, so creations within this process are serialised.
static ADD_LOCK: Mutex<()> = Mutex::new(());

/// Runs `ip` with `args` in the calling thread's namespace and returns its standard output;
/// a failure carries the command line and `ip`'s own message.
pub fn ip<I, S>(args: I) -> Result<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let args: Vec<String> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    run_ip(&args, None)
}

/// Runs `ip` with `args`, feeding `stdin` if given.
fn run_ip(args: &[String], stdin: Option<&str>) -> Result<String> {
    let line = format!("ip {}", args.join(" "));
    let mut child = Command::new("ip")
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start `{line}` (is iproute2 installed?)"))?;
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(input.as_bytes())
            .with_context(|| format!("writing the batch to `{line}`"))?;
    }
    let out = child
        .wait_with_output()
        .with_context(|| format!("waiting for `{line}`"))?;
    if !out.status.success() {
        bail!(
            "`{line}` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A network namespace created for a test, deleted when dropped.
///
/// ```
/// use bindscope_tests::{privileges, sys, Netns};
///
/// # fn main() -> anyhow::Result<()> {
/// if !privileges::ok_or_skip() {
///     return Ok(()); // needs root and `ip` (and fails instead under CI)
/// }
/// let ns = Netns::new("doc")?;
/// ns.ip(["link", "set", "lo", "up"])?;
/// // The closure runs on a thread that has entered the namespace: a fresh namespace has
/// // only `lo`, with index 1.
/// assert_eq!(ns.run(|| sys::ifindex("lo")), Some(1));
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// Creates `bs-<pid>-<n>-<label>` (label cut to 20 characters of `[A-Za-z0-9-]`).
    pub fn new(label: &str) -> Result<Self> {
        let label: String = label
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .take(20)
            .collect();
        Netns::with_exact_label(&label)
    }

    /// Creates `bs-<pid>-<n>-<label>` with `label` kept byte for byte: for tests of names
    /// that must be escaped where they are shown. `ip netns add` (iproute2 6.1) refuses a `/`
    /// and names too long for a file, and takes newlines, quotes, backslashes, control
    /// characters and bytes that are not UTF-8.
    pub fn with_exact_label(label: &str) -> Result<Self> {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let name = format!("{NAME_PREFIX}{}-{id}-{label}", std::process::id());
        // `ip netns add` creates /run/netns, but not /run (absent in a bare initramfs).
        std::fs::create_dir_all(NETNS_RUN_DIR)
            .with_context(|| format!("creating {NETNS_RUN_DIR}"))?;
        {
            let _serial = ADD_LOCK.lock().unwrap_or_else(|poison| poison.into_inner());
            ip(["netns", "add", &name])?;
        }
        Ok(Netns { name })
    }

    /// Deletes the namespace now (`ip netns del`), as an operator would while something
    /// runs in it; it is then not deleted again when dropped.
    pub fn delete(mut self) -> Result<()> {
        let name = std::mem::take(&mut self.name);
        // Nothing but the name is held: nothing else to drop.
        std::mem::forget(self);
        ip(["netns", "del", &name]).map(drop)
    }

    /// The namespace's name, as `ip -n` and `ip netns` know it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The namespace's file, `/run/netns/<name>` (a bind mount of the nsfs inode).
    pub fn path(&self) -> PathBuf {
        Path::new(NETNS_RUN_DIR).join(&self.name)
    }

    /// The namespace's inode number, as `stat` of its file reports it. This is the number the
    /// kernel shows in `/proc/<pid>/ns/net` (`net:[<inode>]`) and what an eBPF program reads
    /// as `net->ns.inum`, so the observer filters its events on it.
    pub fn inode(&self) -> Result<u64> {
        let meta = std::fs::metadata(self.path())
            .with_context(|| format!("stat {}", self.path().display()))?;
        Ok(meta.ino())
    }

    /// Runs `ip -n <name> <args...>` and returns its standard output.
    pub fn ip<I, S>(&self, args: I) -> Result<String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut all = vec!["-n".to_owned(), self.name.clone()];
        all.extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        run_ip(&all, None)
    }

    /// Runs several `ip` commands (one per line, without the leading `ip`) in one `ip -batch`
    /// process in this namespace: much cheaper than one process per command.
    pub fn ip_batch(&self, commands: &str) -> Result<()> {
        let args = [
            "-n".to_owned(),
            self.name.clone(),
            "-batch".to_owned(),
            "-".to_owned(),
        ];
        run_ip(&args, Some(commands))
            .with_context(|| format!("in batch:\n{commands}"))
            .map(drop)
    }

    /// [`ip_batch`](Self::ip_batch) with `-force`: a command that fails (a generated route
    /// that duplicates one already there) is reported on stderr and the batch goes on.
    pub fn ip_batch_force(&self, commands: &str) -> Result<()> {
        let args = [
            "-force".to_owned(),
            "-n".to_owned(),
            self.name.clone(),
            "-batch".to_owned(),
            "-".to_owned(),
        ];
        // `ip -force` still exits non-zero when a command failed.
        let _ = run_ip(&args, Some(commands));
        Ok(())
    }

    /// The ifindex of device `name` in this namespace.
    ///
    /// # Panics
    /// If there is no such device (a harness failure).
    pub fn ifindex(&self, name: &str) -> u32 {
        // `ip -o link show NAME`: "5: NAME@PEER: <...", one line.
        self.ip(["-o", "link", "show", name])
            .ok()
            .and_then(|line| line.split(':').next()?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no device {name} in {}", self.name))
    }

    /// Runs `f` on a new thread that has `setns(CLONE_NEWNET)`-ed into this namespace, and
    /// returns its result. Sockets created in `f` belong to this namespace for their whole
    /// life, so they can be returned and used from any thread afterwards. A panic in `f` is
    /// passed on to the caller.
    ///
    /// # Panics
    /// If the namespace file cannot be opened or entered (a harness failure, not a scenario
    /// result).
    pub fn run<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
        let path = self.path();
        let file =
            File::open(&path).unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
        std::thread::scope(|scope| {
            let handle = std::thread::Builder::new()
                .name(format!("netns {}", self.name))
                .spawn_scoped(scope, || {
                    // SAFETY: plain system call on a descriptor we own.
                    if unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
                        panic!("setns into {}: {}", self.name, sys::Errno::last());
                    }
                    f()
                })
                .expect("spawning a thread");
            handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    /// Writes sysctls of this namespace (`("net.ipv4.ip_forward", "1")`), through
    /// `/proc/sys` opened from inside the namespace. Keys under `net.ipv6` are skipped when the
    /// kernel has no IPv6.
    pub fn set_sysctls(&self, settings: &[(&str, &str)]) -> Result<()> {
        self.run(|| {
            for (key, value) in settings {
                let path = Path::new("/proc/sys").join(key.replace('.', "/"));
                match std::fs::write(&path, value) {
                    Ok(()) => {}
                    Err(e)
                        if e.kind() == std::io::ErrorKind::NotFound
                            && key.starts_with("net.ipv6.") => {}
                    Err(e) => {
                        return Err(e)
                            .with_context(|| format!("setting {key} = {value} in {}", self.name))
                    }
                }
            }
            Ok(())
        })
    }

    /// Waits until every interface in `names` reports `IFF_RUNNING` (the kernel sets operstate
    /// asynchronously after `ip link set up`). The wait is bounded by
    /// [`sys::ARRIVAL_BOUND`] so a broken set-up fails instead of hanging.
    pub fn wait_running(&self, names: &[&str]) -> Result<()> {
        names
            .iter()
            .try_for_each(|name| self.wait_link_state(name, true))
    }

    /// Waits until `IFF_RUNNING` of interface `name` is `running` (for example after the peer
    /// of a veth went down), bounded like [`Netns::wait_running`].
    pub fn wait_link_state(&self, name: &str, running: bool) -> Result<()> {
        self.run(|| {
            let socket = sys::udp_socket().context("socket for SIOCGIFFLAGS")?;
            let started = Instant::now();
            loop {
                let mut ifr = abi::ifreq_with_name(name);
                sys::ioctl_ifreq(&socket, libc::SIOCGIFFLAGS, &mut ifr)
                    .with_context(|| format!("SIOCGIFFLAGS {name} in {}", self.name))?;
                if (abi::ifreq_flags(&ifr) & libc::IFF_RUNNING as u16 != 0) == running {
                    return Ok(());
                }
                if started.elapsed() > sys::ARRIVAL_BOUND {
                    bail!(
                        "{name} in {} did not become {} within {:?}",
                        self.name,
                        if running { "running" } else { "not running" },
                        sys::ARRIVAL_BOUND
                    );
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    }

    /// `ip -n <name> route get <args...>`, parsed.
    pub fn route_get<I, S>(&self, args: I) -> Result<RouteGet>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut all = vec!["route".to_owned(), "get".to_owned()];
        all.extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        let out = self.ip(&all)?;
        Ok(RouteGet::parse(&out))
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        if let Err(e) = ip(["netns", "del", &self.name]) {
            eprintln!("warning: could not delete namespace {}: {e:#}", self.name);
        }
    }
}

/// A veth pair with one end in the namespace of the process that made it (`bs<pid>v<n>`,
/// unique on the host, left down: nothing is sent through it) and the other in a [`Netns`]:
/// the situation of a CNI plugin or a container runtime. The kernel removes the pair when the
/// namespace of the inner end goes away; whatever is left when this is dropped (a test that
/// failed, a namespace something kept alive) is deleted then.
#[derive(Debug)]
pub struct HostVeth {
    name: String,
}

impl HostVeth {
    /// Creates the pair, its inner end called `inner` in `ns`.
    pub fn new(ns: &Netns, inner: &str) -> Result<HostVeth> {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        // IFNAMSIZ: at most 15 characters.
        let name: String = format!("bs{}v{id}", std::process::id())
            .chars()
            .take(15)
            .collect();
        ip([
            "link", "add", &name, "type", "veth", "peer", "name", inner, "netns", &ns.name,
        ])?;
        Ok(HostVeth { name })
    }

    /// The host end's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the host end still exists (`/sys/class/net/NAME`).
    pub fn exists(&self) -> bool {
        Path::new("/sys/class/net").join(&self.name).exists()
    }

    /// Waits up to `bound` for the host end to go away; `true` if it did.
    pub fn gone_within(&self, bound: Duration) -> bool {
        let started = Instant::now();
        while self.exists() {
            if started.elapsed() >= bound {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        true
    }
}

impl Drop for HostVeth {
    fn drop(&mut self) {
        if self.exists() {
            let _ = ip(["link", "del", &self.name]);
        }
    }
}

/// The kernel's answer to `ip route get`: the device, gateway and source it would use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteGet {
    /// `dev`: the output interface's name.
    pub dev: Option<String>,
    /// `via`: the gateway, if the destination is not on-link.
    pub via: Option<std::net::Ipv4Addr>,
    /// `src`: the preferred source address.
    pub src: Option<std::net::Ipv4Addr>,
    /// The first line of `ip`'s output, for messages.
    pub line: String,
}

impl RouteGet {
    /// Reads the `dev`, `via` and `src` keywords out of `ip route get` output.
    pub fn parse(output: &str) -> Self {
        let words: Vec<&str> = output.split_whitespace().collect();
        let after = |key: &str| {
            words
                .windows(2)
                .find(|pair| pair[0] == key)
                .map(|pair| pair[1].to_owned())
        };
        RouteGet {
            dev: after("dev"),
            via: after("via").and_then(|a| a.parse().ok()),
            src: after("src").and_then(|a| a.parse().ok()),
            line: output.lines().next().unwrap_or("").trim().to_owned(),
        }
    }
}

/// Deletes `bs-*` namespaces whose creating process no longer exists (left behind by a test
/// process that was killed). Returns the names it deleted. Namespaces of live processes,
/// including this one, are left alone, so this is safe while other test runs are going on.
pub fn sweep_stale() -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(NETNS_RUN_DIR) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(NAME_PREFIX)
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        if ip(["netns", "del", &name]).is_ok() {
            removed.push(name);
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_get_output_is_parsed() {
        let out = "198.51.100.159 via 192.0.2.193 dev eth1 src 192.0.2.194 uid 0 \n    cache \n";
        let route = RouteGet::parse(out);
        assert_eq!(route.dev.as_deref(), Some("eth1"));
        assert_eq!(route.via, Some("192.0.2.193".parse().unwrap()));
        assert_eq!(route.src, Some("192.0.2.194".parse().unwrap()));
        assert_eq!(
            route.line,
            "198.51.100.159 via 192.0.2.193 dev eth1 src 192.0.2.194 uid 0"
        );
        let onlink = RouteGet::parse("203.0.113.9 dev eth2 src 203.0.113.2 uid 0");
        assert_eq!(onlink.via, None);
    }
}
