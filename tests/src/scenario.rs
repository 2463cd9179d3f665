//! What a scenario is, what it reports, and the context it runs in.
//!
//! A [`Scenario`] names one claim from a seed document and checks it against the running
//! kernel. Its body acts (system calls in namespaces it asks the [`Ctx`] for) and then asserts;
//! where the kernel behaves differently from an old document, the body passes when it sees the
//! modern behaviour and says what differs in the note, so the verdicts of several kernels side
//! by side show who does what.
//!
//! A scenario also checks what bindscope reports about the same system calls: it starts a
//! [`Trace`] on the namespace it acts in (before acting), acts from a thread inside that
//! namespace, and asserts on the [`Seen`] reports after its kernel assertions.

use std::collections::HashMap;
use std::fmt::Debug;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::ops::Deref;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use anyhow::{anyhow, bail, Result};
use bindscope::decode::{CmsgReport, IoctlReport, Report, SockoptReport};
use bindscope::output::{describe, Palette};
use bindscope::route::RouteDecision;
use bindscope::stream::Collector;
use bindscope::sys::clock::monotonic_ns;
use bindscope::{Config, EventSet, Filter};

use crate::netns::Netns;
use crate::privileges;
use crate::sys::Errno;
use crate::topology::SeedTopology;

/// The verdict of one scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The kernel did what the scenario expects; `note` records what was seen (and how it
    /// differs from the seed document, if it does).
    Pass {
        /// What was observed.
        note: String,
    },
    /// The kernel did something else, or the scenario could not run.
    Fail {
        /// What went wrong.
        reason: String,
    },
    /// The scenario could not run here (outside CI only).
    Skip {
        /// Why.
        reason: String,
    },
}

impl Outcome {
    /// A pass with a note.
    pub fn pass(note: impl Into<String>) -> Self {
        Outcome::Pass { note: note.into() }
    }

    /// `"pass"`, `"fail"` or `"skip"`, as the verdict protocol spells them.
    pub fn verdict(&self) -> &'static str {
        match self {
            Outcome::Pass { .. } => "pass",
            Outcome::Fail { .. } => "fail",
            Outcome::Skip { .. } => "skip",
        }
    }

    /// The note or reason.
    pub fn detail(&self) -> &str {
        match self {
            Outcome::Pass { note } => note,
            Outcome::Fail { reason } | Outcome::Skip { reason } => reason,
        }
    }

    /// `VERDICT <name> <pass|fail|skip> <note or reason>` on one line (line breaks in the
    /// detail become spaces), the line the VM runner parses.
    pub fn verdict_line(&self, name: &str) -> String {
        let detail = self
            .detail()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        format!("VERDICT {name} {} {detail}", self.verdict())
            .trim_end()
            .to_owned()
    }
}

/// One kernel-behaviour check.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    /// A unique snake_case name; also the name of its `#[test]`.
    pub name: &'static str,
    /// The claim under test: the seed file it comes from and a quote.
    pub claim: &'static str,
    /// The body: act, then assert. An `Err` is a failure whose message is the reason.
    pub run: fn(&mut Ctx) -> Result<Outcome>,
}

impl Scenario {
    /// Runs the scenario: checks privileges (skip, or fail under CI), runs the body with a
    /// fresh [`Ctx`], turns errors and panics into [`Outcome::Fail`], and removes every
    /// namespace the body created before returning.
    ///
    /// ```
    /// use bindscope_tests::scenarios;
    ///
    /// let scenario = scenarios::find("unbound_uses_metric_0_default").unwrap();
    /// let outcome = scenario.execute();
    /// println!("{}", outcome.verdict_line(scenario.name));
    /// assert_ne!(outcome.verdict(), "fail");
    /// ```
    pub fn execute(&self) -> Outcome {
        if let Err(reason) = privileges::check() {
            return missing(reason);
        }
        let mut ctx = Ctx::new(self.name);
        let result = catch_unwind(AssertUnwindSafe(|| (self.run)(&mut ctx)));
        drop(ctx);
        match result {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(error)) => Outcome::Fail {
                reason: format!("{error:#}"),
            },
            Err(panic) => Outcome::Fail {
                reason: format!("panicked: {}", panic_message(panic.as_ref())),
            },
        }
    }
}

/// The text of a panic payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-text panic payload)".to_owned()
    }
}

/// What a scenario body gets: namespaces on demand, and the record of which namespaces belong
/// to this scenario (the observer's tests filter their events on those inodes).
#[derive(Debug)]
pub struct Ctx {
    scenario: &'static str,
    netns_inodes: Vec<u64>,
}

impl Ctx {
    /// A context for the scenario `scenario`.
    pub fn new(scenario: &'static str) -> Self {
        Ctx {
            scenario,
            netns_inodes: Vec::new(),
        }
    }

    /// The running scenario's name.
    pub fn scenario(&self) -> &'static str {
        self.scenario
    }

    /// Builds the seed note's network (see [`SeedTopology`]); the scenario owns it and it is
    /// removed when dropped.
    pub fn seed_topology(&mut self) -> Result<SeedTopology> {
        let topology = SeedTopology::build()?;
        for ns in topology.namespaces() {
            self.netns_inodes.push(ns.inode()?);
        }
        Ok(topology)
    }

    /// A fresh, empty namespace (only a down `lo`), removed when dropped.
    pub fn scratch_netns(&mut self, label: &str) -> Result<Netns> {
        let ns = Netns::new(label)?;
        self.netns_inodes.push(ns.inode()?);
        Ok(ns)
    }

    /// Inodes of every namespace this scenario created, in creation order.
    pub fn netns_inodes(&self) -> &[u64] {
        &self.netns_inodes
    }

    /// Starts tracing `ns` with bindscope, so the scenario can check what bindscope reports
    /// about its system calls. Start it before acting, and act from a thread inside `ns`
    /// ([`Netns::run`]): bindscope tags each event with the network namespace of the thread
    /// that made the call. An error is bindscope's own message (no BTF, a missing tracepoint,
    /// a rejected program) and fails the scenario.
    ///
    /// ```
    /// use bindscope_tests::topology::{CLOSED_PORT, ETH0, FAR};
    /// use bindscope_tests::{privileges, sys, Ctx};
    ///
    /// # fn main() -> anyhow::Result<()> {
    /// if !privileges::ok_or_skip() {
    ///     return Ok(()); // needs root and `ip` (and fails instead under CI)
    /// }
    /// let mut ctx = Ctx::new("doc_example");
    /// let topo = ctx.seed_topology()?;
    /// let socket = topo.host_socket()?;
    /// let mut trace = ctx.trace(&topo.host)?;
    ///
    /// let dest = sys::v4(FAR, CLOSED_PORT);
    /// topo.host.run(|| sys::connect(&socket, dest))?; // a route lookup in namespace host
    ///
    /// let seen = trace.collect()?;
    /// let decision = seen.expect_first("route decision", seen.routes_to(dest))?;
    /// assert_eq!(decision.dev.as_deref(), Some(ETH0));
    /// # Ok(())
    /// # }
    /// ```
    pub fn trace(&mut self, ns: &Netns) -> Result<Trace> {
        Trace::start(u32::try_from(ns.inode()?)?)
    }
}

/// How long a thread must have been quiet before its open route decision counts as complete.
/// The lookups of one decision (one per policy-rule table) follow each other within one system
/// call, microseconds apart; the scenario's own calls have all returned when it collects.
const ROUTE_IDLE: Duration = Duration::from_millis(20);

/// The one bindscope instance of this process, shared by every [`Trace`]: loading and attaching
/// the eBPF programs takes seconds under QEMU's emulator, once is enough. It keeps the events
/// of this process only; [`Trace`]s sort them by namespace.
struct Shared {
    collector: Collector,
    /// Reports not yet collected, per traced namespace inode.
    waiting: HashMap<u32, Vec<Report>>,
}

/// The shared instance, started on first use; or why it could not start.
fn shared() -> Result<MutexGuard<'static, Shared>> {
    static SHARED: OnceLock<Result<Mutex<Shared>, String>> = OnceLock::new();
    let shared = SHARED.get_or_init(|| {
        let config = Config {
            events: EventSet::ALL,
            filter: Filter {
                pid: Some(std::process::id()),
                // The kernel's own lookups (receiving, forwarding) in the scenarios'
                // namespaces: `sort` keeps those of traced namespaces only.
                softirq: true,
                ..Filter::default()
            },
            ..Config::default()
        };
        Collector::start(&config)
            .map(|collector| {
                // Which form of the route tracepoint this kernel got, for the VM logs.
                let how = |in_kernel| match in_kernel {
                    true => "captured in the kernel",
                    false => "reconstructed",
                };
                eprintln!(
                    "bindscope attached; route lookups via {:?}, IPv6 via {:?}; policy rules {}, \
                     IPv6 rules {}",
                    collector.tracer().route_hook,
                    collector.tracer().route6_hook,
                    how(collector.tracer().rules_in_kernel),
                    how(collector.tracer().rules6_in_kernel),
                );
                Mutex::new(Shared {
                    collector,
                    waiting: HashMap::new(),
                })
            })
            .map_err(|e| format!("bindscope did not start: {}", abridge(&e.to_string())))
    });
    let shared = shared.as_ref().map_err(|e| anyhow!("{e}"))?;
    // A scenario that panicked while holding the lock left nothing half-done.
    Ok(shared.lock().unwrap_or_else(|poison| poison.into_inner()))
}

/// `text` with its middle left out when it is long (a verifier log runs to thousands of
/// lines): the start says what failed, the end why, and a verdict line stays readable.
fn abridge(text: &str) -> String {
    const HEAD: usize = 300;
    const TAIL: usize = 400;
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= HEAD + TAIL {
        return text.to_owned();
    }
    let head: String = chars[..HEAD].iter().collect();
    let tail: String = chars[chars.len() - TAIL..].iter().collect();
    format!(
        "{head} [... {} characters left out ...] {tail}",
        chars.len() - HEAD - TAIL
    )
}

impl Shared {
    /// Moves what bindscope reported so far into the waiting lists of the traced namespaces
    /// (reports of other namespaces are dropped). Decisions of threads quiet for
    /// [`ROUTE_IDLE`] are completed; others may be mid-way through a policy-rule walk.
    fn sort(&mut self) {
        loop {
            for report in self.collector.poll(ROUTE_IDLE.as_nanos() as u64) {
                if let Some(list) = self.waiting.get_mut(&report.origin.netns) {
                    list.push(report);
                }
            }
            if !self.collector.more() {
                break;
            }
        }
    }
}

/// bindscope watching one namespace for a scenario (see [`Ctx::trace`]).
#[derive(Debug)]
pub struct Trace {
    netns: u32,
    /// Reports older than this (monotonic ns) were made before the trace started.
    since_ns: u64,
}

impl Trace {
    /// Registers namespace `netns` with the shared instance, starting it if needed.
    fn start(netns: u32) -> Result<Self> {
        let mut shared = shared()?;
        // Whatever the namespace's set-up did so far is not part of the scenario.
        shared.sort();
        shared.waiting.insert(netns, Vec::new());
        Ok(Trace {
            netns,
            since_ns: monotonic_ns(),
        })
    }

    /// Everything reported in the namespace since the start or the previous call, every
    /// route decision completed.
    pub fn collect(&mut self) -> Result<Seen> {
        std::thread::sleep(ROUTE_IDLE);
        let mut shared = shared()?;
        shared.sort();
        let reports = shared
            .waiting
            .get_mut(&self.netns)
            .map(std::mem::take)
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.origin.ts_ns >= self.since_ns)
            .collect();
        Ok(Seen {
            reports,
            lost: shared.collector.lost(),
            rules_in_kernel: shared.collector.tracer().rules_in_kernel,
            rules6_in_kernel: shared.collector.tracer().rules6_in_kernel,
        })
    }
}

impl Drop for Trace {
    fn drop(&mut self) {
        if let Ok(mut shared) = shared() {
            shared.waiting.remove(&self.netns);
        }
    }
}

/// What bindscope reported: the queries a scenario asserts with. Every failure message lists
/// all reports, one line each, as `bindscope` prints them.
#[derive(Debug)]
pub struct Seen {
    reports: Vec<Report>,
    lost: u64,
    /// Whether bindscope captured policy rules in the kernel (see `Tracer::rules_in_kernel`).
    rules_in_kernel: bool,
    /// The same for IPv6 rules (`Tracer::rules6_in_kernel`).
    rules6_in_kernel: bool,
}

/// One report body found in [`Seen`], with the report it belongs to (for its printed line).
#[derive(Debug)]
pub struct Found<'a, T> {
    report: &'a Report,
    body: &'a T,
}

impl<T> Clone for Found<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Found<'_, T> {}

impl<'a, T> Found<'a, T> {
    /// The body, borrowed from the [`Seen`] rather than from this handle.
    pub fn get(&self) -> &'a T {
        self.body
    }

    /// The whole report (its origin: context, task, namespace).
    pub fn report(&self) -> &'a Report {
        self.report
    }

    /// The report as one line of `bindscope` output, for notes (without the file descriptor,
    /// which differs from run to run).
    pub fn line(&self) -> String {
        describe(self.report, Palette::PLAIN)
            .split(' ')
            .filter(|word| !word.starts_with("fd="))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl<T> Deref for Found<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.body
    }
}

impl Seen {
    /// Reports whose body `pick` selects, in order.
    fn find<'a, T>(&'a self, pick: impl Fn(&'a Report) -> Option<&'a T>) -> Vec<Found<'a, T>> {
        self.reports
            .iter()
            .filter_map(|report| pick(report).map(|body| Found { report, body }))
            .collect()
    }

    /// Every report, in the order they came.
    pub fn all(&self) -> &[Report] {
        &self.reports
    }

    /// The `setsockopt` reports of option `optname` (`"SO_BINDTODEVICE"`, ...).
    pub fn sockopts(&self, optname: &str) -> Vec<Found<'_, SockoptReport>> {
        self.find(|r| r.sockopt().filter(|s| s.optname == optname))
    }

    /// The route decisions for destination `dst` (address and port).
    pub fn routes_to(&self, dst: SocketAddrV4) -> Vec<Found<'_, RouteDecision>> {
        self.find(|r| {
            r.route()
                .filter(|d| d.dst == *dst.ip() && d.dport == dst.port())
        })
    }

    /// How bindscope knows the policy rules here: `kernel` where it captures them in the
    /// kernel, else `reconstructed`.
    pub fn rule_method(&self) -> &'static str {
        if self.rules_in_kernel {
            "kernel"
        } else {
            "reconstructed"
        }
    }

    /// [`Seen::rule_method`] for IPv6 rules.
    pub fn rule6_method(&self) -> &'static str {
        if self.rules6_in_kernel {
            "kernel"
        } else {
            "reconstructed"
        }
    }

    /// Every route decision.
    pub fn routes(&self) -> Vec<Found<'_, RouteDecision>> {
        self.find(Report::route)
    }

    /// The route decisions for destination address `dst`, whatever the port (input
    /// lookups of received packets carry none).
    pub fn routes_for(&self, dst: Ipv4Addr) -> Vec<Found<'_, RouteDecision>> {
        self.find(|r| r.route().filter(|d| d.dst == dst))
    }

    /// The ioctl reports of `request` (`"SIOCGIFINDEX"`, ...).
    pub fn ioctls(&self, request: &str) -> Vec<Found<'_, IoctlReport>> {
        self.find(|r| r.ioctl().filter(|i| i.request == request))
    }

    /// The control-data reports of `direction` (`"send"` or `"errqueue"`).
    pub fn cmsgs(&self, direction: &str) -> Vec<Found<'_, CmsgReport>> {
        self.find(|r| r.cmsg().filter(|c| c.direction == direction))
    }

    /// Checks that `found` (what a query returned for `what`) has exactly `count` items, and
    /// returns them.
    pub fn expect_count<'a, T>(
        &self,
        what: &str,
        found: Vec<Found<'a, T>>,
        count: usize,
    ) -> Result<Vec<Found<'a, T>>> {
        if found.len() == count {
            Ok(found)
        } else {
            Err(self.error(format!(
                "{what}: expected {count} report(s), got {}",
                found.len()
            )))
        }
    }

    /// Checks that `found` (what a query returned for `what`) has exactly one item, and
    /// returns it.
    pub fn expect_one<'a, T>(&self, what: &str, found: Vec<Found<'a, T>>) -> Result<Found<'a, T>> {
        let mut found = self.expect_count(what, found, 1)?;
        Ok(found.remove(0))
    }

    /// Checks that `found` is not empty and returns its first item.
    pub fn expect_first<'a, T>(
        &self,
        what: &str,
        found: Vec<Found<'a, T>>,
    ) -> Result<Found<'a, T>> {
        found
            .into_iter()
            .next()
            .ok_or_else(|| self.error(format!("{what}: no such report")))
    }

    /// Checks `got == want` for a reported value; the error shows both and every report.
    pub fn expect_eq<T: PartialEq + Debug>(&self, what: &str, got: T, want: T) -> Result<()> {
        if got == want {
            Ok(())
        } else {
            Err(self.error(format!("{what}: expected {want:?}, got {got:?}")))
        }
    }

    /// `message`, followed by what bindscope reported.
    pub fn error(&self, message: String) -> anyhow::Error {
        let lines: Vec<String> = self
            .reports
            .iter()
            .map(|r| describe(r, Palette::PLAIN))
            .collect();
        let lost = if self.lost > 0 {
            format!(" ({} events lost)", self.lost)
        } else {
            String::new()
        };
        anyhow!(
            "bindscope: {message}; it reported {} events{lost}: [{}]",
            lines.len(),
            lines.join(" | ")
        )
    }
}

/// Checks that a system call failed with `want`; the error says what happened instead.
pub fn expect_errno<T: Debug>(what: &str, got: Result<T, Errno>, want: i32) -> Result<()> {
    match got {
        Err(Errno(e)) if e == want => Ok(()),
        Err(e) => bail!("{what}: expected {}, got {e}", Errno(want).name()),
        Ok(v) => bail!(
            "{what}: expected {}, but it succeeded ({v:?})",
            Errno(want).name()
        ),
    }
}

/// Checks that a system call succeeded and returns its value; the error names the call.
pub fn expect_ok<T>(what: &str, got: Result<T, Errno>) -> Result<T> {
    got.map_err(|e| anyhow::anyhow!("{what}: failed with {e}"))
}

/// Checks `got == want`; the error shows both.
pub fn expect_eq<T: PartialEq + Debug>(what: &str, got: T, want: T) -> Result<()> {
    if got == want {
        Ok(())
    } else {
        bail!("{what}: expected {want:?}, got {got:?}")
    }
}

/// What a scenario reports when [`privileges::check`] failed with `reason`: a skip on a developer's
/// machine, a failure under CI.
pub fn missing(reason: String) -> Outcome {
    if privileges::in_ci() {
        Outcome::Fail {
            reason: format!("no test passes by skipping in CI: {reason}"),
        }
    } else {
        Outcome::Skip { reason }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_lines_are_single_lines() {
        let outcome = Outcome::Fail {
            reason: "first\nsecond  third".into(),
        };
        assert_eq!(
            outcome.verdict_line("x"),
            "VERDICT x fail first second third"
        );
        assert_eq!(Outcome::pass("").verdict_line("y"), "VERDICT y pass");
    }

    #[test]
    fn long_errors_keep_their_start_and_end() {
        assert_eq!(abridge("short"), "short");
        let long = format!("start{}end", "é".repeat(2000));
        let short = abridge(&long);
        assert!(short.starts_with("start"), "{short}");
        assert!(short.ends_with("end"), "{short}");
        assert!(
            short.contains("[... 1308 characters left out ...]"),
            "{short}"
        );
    }

    #[test]
    fn expectations_explain_themselves() {
        let err = expect_errno("connect", Ok::<_, Errno>(()), libc::ENETUNREACH).unwrap_err();
        assert_eq!(
            err.to_string(),
            "connect: expected ENETUNREACH, but it succeeded (())"
        );
        let err =
            expect_errno::<()>("bind", Err(Errno(libc::EINVAL)), libc::EADDRNOTAVAIL).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("bind: expected EADDRNOTAVAIL, got EINVAL"));
        assert!(expect_eq("n", 1, 1).is_ok());
        assert!(expect_ok("x", Err::<(), _>(Errno(libc::EPERM))).is_err());
    }
}
