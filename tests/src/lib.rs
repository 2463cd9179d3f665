//! Kernel-behaviour regression scenarios for bindscope, and the network-namespace harness they
//! (and the observer's tests) run on.
//!
//! The seed documents of the project make claims about how Linux picks the interface and
//! source address of a socket (`SO_BINDTODEVICE`, routes and metrics, `ip(7)` options,
//! `netdevice(7)` ioctls). Each claim becomes a [`Scenario`] that rebuilds the situation in
//! fresh network namespaces, makes the real system calls, and reports a verdict. The same
//! scenarios run as `cargo test` tests on the host and, through the `bindscope-scenarios`
//! binary, inside VMs booting older kernels.
//!
//! - [`netns`]: [`Netns`], a namespace that deletes itself, with `ip` and `run` helpers.
//! - [`topology`]: [`SeedTopology`], the seed note's two-homed host and its router.
//! - [`sys`]: the system calls, returning [`sys::Errno`] on failure; [`sys6`]: their IPv6
//!   forms.
//! - [`abi`]: building and decoding the C structures passed to those calls.
//! - [`scenario`]: [`Scenario`], [`Outcome`], [`Ctx`].
//! - [`scenarios`]: the registry of all scenarios.
//! - [`privileges`]: what happens without root (skip; fail under CI).
//!
//! Everything here is `unsafe`-heavy on purpose: it is a test harness that calls the kernel
//! directly, and it never sends a packet outside the namespaces it created.

#![warn(missing_docs)]

pub mod abi;
pub mod netns;
pub mod privileges;
pub mod scenario;
pub mod scenarios;
pub mod sys;
pub mod sys6;
pub mod topology;

pub use netns::Netns;
pub use scenario::{Ctx, Outcome, Scenario};
pub use topology::SeedTopology;
