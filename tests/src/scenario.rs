//! What a scenario is, what it reports, and the context it runs in.
//!
//! A [`Scenario`] names one claim from a seed document and checks it against the running
//! kernel. Its body acts (system calls in namespaces it asks the [`Ctx`] for) and then asserts;
//! where the kernel behaves differently from an old document, the body passes when it sees the
//! modern behaviour and says what differs in the note, so the verdicts of several kernels side
//! by side show who does what.

use std::fmt::Debug;
use std::panic::{catch_unwind, AssertUnwindSafe};

use anyhow::{bail, Result};

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
            return privileges::missing(reason);
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
