//! How IPv4 route lookups are traced on this kernel: the forms of the `fib_table_lookup`
//! program, the offsets each needs, and which one attaches.
//!
//! Kept apart from the IPv6 hooks (`route6.rs`): the two tracepoints have different
//! arguments.

use aya::programs::Program;
use sockabi::event::{fib_field, fib_raw_field, OFFSET_ABSENT};

use super::attach::{abridge, attach, attach_btf, attach_raw, FlowFields, RouteHook};
use super::btf;
use super::tracefs::{self, Tracefs, Unusable};
use crate::Error;

/// The route program on the BTF-typed raw tracepoint (preferred), the raw tracepoint and the
/// classic one (fallbacks, in that order).
pub(crate) const BTF_ROUTE_PROGRAM: &str = "fib_table_lookup_btf";
pub(crate) const RAW_ROUTE_PROGRAM: &str = "fib_table_lookup_raw";
pub(crate) const CLASSIC_ROUTE_PROGRAM: &str = "fib_table_lookup";
/// The kernel function whose entry and exit bracket a policy rule's table lookup, and the
/// programs (fentry, fexit) that capture the rule there (see `observer-ebpf/src/rules.rs`).
pub(crate) const RULE_FUNCTION: &str = "fib4_rule_action";
pub(crate) const RULE_PROGRAMS: [&str; 2] = ["rule_action_entry", "rule_action_exit"];

/// How route lookups can be traced on this kernel, cheapest first: the BTF-typed raw
/// tracepoint (`tp_btf`: reads every field with a plain load; needs BTF and Linux 5.11), the
/// raw tracepoint (one `bpf_probe_read_kernel` per struct; needs BTF for the
/// `flowi4`/`fib_nh_common` offsets and to check the tracepoint's arguments) and the classic
/// one (offsets from its `format` file; works without BTF, costs the most). All are prepared;
/// each is tried in turn and the next used if it is unavailable or the kernel's verifier
/// rejects it.
pub(crate) struct RouteHooks {
    pub(crate) raw: Option<[u32; fib_raw_field::COUNT]>,
    pub(crate) classic: Result<[u32; fib_field::COUNT], Error>,
    /// The BTF-typed program reads the task's `comm` and the device's `name` as two 8-byte
    /// words each, so it is only tried where both start 8-aligned (everywhere we know of).
    names_aligned: bool,
}

impl RouteHooks {
    /// `task_comm` is the offset of `comm` in `task_struct` (or `OFFSET_ABSENT`).
    pub(crate) fn prepare(
        btf: Option<&btf::Btf>,
        tracefs: &Result<Tracefs, Unusable>,
        task_comm: u32,
    ) -> Result<Self, Error> {
        let raw = match btf.map(btf::fib_raw_offsets) {
            Some(Ok(offsets)) => Some(offsets),
            Some(Err(err)) => {
                log::info!("route lookups: no raw tracepoint, because {err}");
                None
            }
            None => None,
        };
        let classic = match tracefs {
            Ok(tracefs) => tracefs::fib_offsets(tracefs),
            Err(unusable) => Err(unusable.error()),
        };
        let names_aligned = raw.is_some_and(|raw| {
            let name = raw[fib_raw_field::NETDEV_NAME];
            name != OFFSET_ABSENT
                && name.is_multiple_of(8)
                && task_comm != OFFSET_ABSENT
                && task_comm.is_multiple_of(8)
        });
        match (raw, classic) {
            (None, Err(err)) => Err(err),
            (raw, classic) => Ok(RouteHooks {
                raw,
                classic,
                names_aligned,
            }),
        }
    }

    /// Attaches the BTF-typed program, or else the raw one, or else the classic one, and says
    /// which. `kernel_btf` is the kernel's BTF as aya reads it (for the `tp_btf` attach point).
    pub(crate) fn attach(
        &self,
        programs: RoutePrograms<'_>,
        kernel_btf: Option<&aya::Btf>,
    ) -> Result<RouteHook, Error> {
        if self.raw.is_some() {
            if !self.names_aligned {
                log::info!("BTF-typed raw tracepoint fib_table_lookup skipped: task comm or device name not 8-aligned here");
            }
            if let Some(kernel_btf) = kernel_btf.filter(|_| self.names_aligned) {
                match attach_btf(programs.btf, "fib_table_lookup", kernel_btf) {
                    Ok(()) => {
                        log::info!("route lookups: BTF-typed raw tracepoint fib_table_lookup");
                        return Ok(RouteHook::BtfTyped);
                    }
                    Err(err) => log::info!(
                        "BTF-typed raw tracepoint fib_table_lookup unusable here ({}); trying the raw tracepoint",
                        abridge(&err.to_string())
                    ),
                }
            }
            match attach_raw(programs.raw, "fib_table_lookup") {
                Ok(()) => {
                    log::info!("route lookups: raw tracepoint fib_table_lookup");
                    return Ok(RouteHook::Raw);
                }
                Err(err) if self.classic.is_ok() => {
                    log::warn!("raw tracepoint fib_table_lookup unusable here ({}); using the classic tracepoint", abridge(&err.to_string()));
                }
                Err(err) => return Err(err),
            }
        }
        attach(programs.classic, "fib", "fib_table_lookup")?;
        log::info!("route lookups: classic tracepoint fib:fib_table_lookup");
        Ok(RouteHook::Classic)
    }
}

/// The three forms of the route program, borrowed from the loaded object.
pub(crate) struct RoutePrograms<'a> {
    pub(crate) btf: (&'a str, &'a mut Program),
    pub(crate) raw: (&'a str, &'a mut Program),
    pub(crate) classic: (&'a str, &'a mut Program),
}

/// The flow fields the IPv4 route program reads where it is attached as `hook`, with the
/// offsets `raw` this kernel has.
pub(crate) fn flow_fields(
    hook: Option<RouteHook>,
    raw: &[u32; fib_raw_field::COUNT],
) -> FlowFields {
    match hook {
        None | Some(RouteHook::Classic) => FlowFields::default(),
        Some(RouteHook::BtfTyped | RouteHook::Raw) => FlowFields {
            mark: raw[fib_raw_field::FLOWI4_MARK] != OFFSET_ABSENT,
            uid: raw[fib_raw_field::FLOWI4_UID] != OFFSET_ABSENT,
            l3mdev: raw[fib_raw_field::FLOWI4_L3MDEV] != OFFSET_ABSENT,
        },
    }
}
