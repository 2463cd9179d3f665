//! How IPv6 route lookups are traced on this kernel: the BTF-typed raw tracepoint
//! `fib6_table_lookup` (exact namespace, misses told from unreachable routes, mark, uid and
//! l3mdev), else the classic tracepoint `fib6:fib6_table_lookup` (offsets from its `format`
//! file; works without BTF). A kernel without IPv6 has neither: bindscope then traces IPv4
//! only and says so.
//!
//! Kept apart from the IPv4 hooks in `route4.rs`: the two tracepoints have different
//! arguments, and the IPv6 one needs no raw-tracepoint middle step: where the task cannot be
//! read with plain loads (5.10), a second BTF-typed program reads it through helpers.

use aya::programs::Program;
use sockabi::event::{fib6_btf_field, fib6_field, OFFSET_ABSENT};

use super::attach::{abridge, attach, attach_btf, FlowFields, RouteHook};
use super::btf;
use super::tracefs::{self, Tracefs};
use crate::Error;

/// The IPv6 route programs: BTF-typed reading the task with plain loads (preferred, 5.11+),
/// BTF-typed through helpers (5.10), and classic.
pub(crate) const BTF_PROGRAM: &str = "fib6_table_lookup_btf";
pub(crate) const BTF_HELPERS_PROGRAM: &str = "fib6_table_lookup_btf_helpers";
pub(crate) const CLASSIC_PROGRAM: &str = "fib6_table_lookup";
/// The raw tracepoint both forms hook.
pub(crate) const TRACEPOINT: &str = "fib6_table_lookup";
/// The kernel function bracketing an IPv6 policy rule's table lookup, and the programs that
/// capture the rule there (see `observer-ebpf/src/rules.rs`).
pub(crate) const RULE_FUNCTION: &str = "fib6_rule_action";
pub(crate) const RULE_PROGRAMS: [&str; 2] = ["rule6_action_entry", "rule6_action_exit"];

/// The offsets each form needs, as far as this kernel has them.
pub(crate) struct Route6Hooks {
    pub(crate) btf: Option<[u32; fib6_btf_field::COUNT]>,
    pub(crate) classic: Option<[u32; fib6_field::COUNT]>,
    /// The task's `comm` and the device's `name` start 8-aligned (the plain-load program reads
    /// each as two words).
    names_aligned: bool,
}

impl Route6Hooks {
    /// Reads the offsets; `None` (after saying why) when neither form can work here.
    /// `task_comm` is the offset of `comm` in `task_struct` (or `OFFSET_ABSENT`).
    pub(crate) fn prepare(
        btf: Option<&btf::Btf>,
        tracefs: Option<&Tracefs>,
        task_comm: u32,
    ) -> Option<Self> {
        let typed = match btf.map(btf::fib6_btf_offsets) {
            Some(Ok(offsets)) => Some(offsets),
            Some(Err(err)) => {
                log::info!("IPv6 route lookups: no BTF-typed tracepoint, because {err}");
                None
            }
            None => None,
        };
        let classic = match tracefs.map(tracefs::fib6_offsets) {
            Some(Ok(offsets)) => Some(offsets),
            None => None,
            Some(Err(err)) => {
                log::info!("IPv6 route lookups: no classic tracepoint, because {err}");
                None
            }
        };
        if typed.is_none() && classic.is_none() {
            log::warn!("IPv6 route lookups are not traced: this kernel has no fib6_table_lookup tracepoint (built without IPv6?); tracing IPv4 route lookups");
            return None;
        }
        let names_aligned = typed.is_some_and(|o| {
            let name = o[fib6_btf_field::NETDEV_NAME];
            name.is_multiple_of(8) && task_comm != OFFSET_ABSENT && task_comm.is_multiple_of(8)
        });
        Some(Route6Hooks {
            btf: typed,
            classic,
            names_aligned,
        })
    }

    /// `FIB6_BTF_OFFSETS` and `FIB6_OFFSETS` for the loader (absent where unknown).
    pub(crate) fn offsets(
        hooks: Option<&Self>,
    ) -> ([u32; fib6_btf_field::COUNT], [u32; fib6_field::COUNT]) {
        (
            hooks
                .and_then(|h| h.btf)
                .unwrap_or([OFFSET_ABSENT; fib6_btf_field::COUNT]),
            hooks
                .and_then(|h| h.classic)
                .unwrap_or([OFFSET_ABSENT; fib6_field::COUNT]),
        )
    }

    /// Attaches the BTF-typed program, or else the classic one, and says which; `None` (after
    /// a warning) when neither attaches: IPv4 is still traced.
    pub(crate) fn attach(
        &self,
        [typed, helpers, classic]: [(&str, &mut Program); 3],
        kernel_btf: Option<&aya::Btf>,
    ) -> Option<RouteHook> {
        if let (Some(_), Some(kernel_btf)) = (self.btf, kernel_btf) {
            let forms = [Some(typed).filter(|_| self.names_aligned), Some(helpers)];
            for program in forms.into_iter().flatten() {
                let name = program.0;
                match attach_btf(program, TRACEPOINT, kernel_btf) {
                    Ok(()) => {
                        log::info!(
                            "IPv6 route lookups: BTF-typed raw tracepoint {TRACEPOINT} ({name})"
                        );
                        return Some(RouteHook::BtfTyped);
                    }
                    Err(err) => {
                        log::info!(
                            "BTF-typed raw tracepoint {TRACEPOINT} ({name}) unusable here ({})",
                            abridge(&err.to_string())
                        );
                        log::debug!("{err}");
                    }
                }
            }
        }
        if self.classic.is_some() {
            match attach(classic, "fib6", TRACEPOINT) {
                Ok(()) => {
                    log::info!("IPv6 route lookups: classic tracepoint fib6:{TRACEPOINT}");
                    return Some(RouteHook::Classic);
                }
                Err(err) => {
                    // What to do is only to report it: IPv4 is traced all the same.
                    let reason = match &err {
                        Error::Attach { reason, .. } => {
                            format!("the kernel refused to attach to fib6:{TRACEPOINT} ({reason})")
                        }
                        err => abridge(&err.to_string()).to_owned(),
                    };
                    log::warn!("IPv6 route lookups are not traced: {reason}; tracing IPv4 route lookups (please report it with the output of RUST_LOG=debug)");
                }
            }
        }
        None
    }

    /// Which flow fields the attached form reads.
    pub(crate) fn flow_fields(&self, hook: Option<RouteHook>) -> FlowFields {
        match (hook, self.btf) {
            (Some(RouteHook::BtfTyped), Some(offsets)) => FlowFields {
                mark: true,
                uid: true,
                l3mdev: offsets[fib6_btf_field::L3MDEV] != OFFSET_ABSENT,
            },
            _ => FlowFields::default(),
        }
    }
}
