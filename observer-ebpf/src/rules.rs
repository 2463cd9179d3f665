//! The policy rule behind a table lookup, captured in the kernel where BPF trampolines exist
//! (fentry/fexit; the Debian kernels have them, the development host does not).
//!
//! `fib_rules_lookup()` calls `fib4_rule_action(rule, flp, flags, arg)` for each rule that
//! matches, and the action looks the rule's table up (`fib_table_lookup`) before returning.
//! The entry notes, per CPU, which rule acts on which flow (the `struct flowi` pointer, which
//! is the `flowi4` the table lookup is handed); the route program takes the rule for a lookup
//! of that same flow; the exit forgets it. Keyed by the flow, a softirq that interrupts the
//! walk on the same CPU cannot take the interrupted walk's rule for its own lookups.

use aya_ebpf::macros::{fentry, fexit, map};
use aya_ebpf::maps::PerCpuArray;
use aya_ebpf::programs::{FEntryContext, FExitContext};
use sockabi::event::{rule_field, OFFSET_ABSENT};

use crate::global;

/// The loader's offsets into `struct fib_rule`, indexed by `sockabi::event::rule_field`.
#[no_mangle]
static RULE_OFFSETS: [u32; rule_field::COUNT] = [OFFSET_ABSENT; rule_field::COUNT];

/// The rule acting on a flow right now on this CPU.
#[derive(Clone, Copy)]
#[repr(C)]
struct Acting {
    /// The flow (`struct flowi *`) the rule acts on; 0: none.
    flow: u64,
    /// The rule's priority (`fib_rule.pref`).
    priority: u32,
    /// Reserved.
    _pad: u32,
}

#[map]
static ACTING: PerCpuArray<Acting> = PerCpuArray::with_max_entries(1, 0);

/// The priority of the rule acting on `flow` (a lookup's `flowi4` pointer), if one is.
#[inline(always)]
pub fn acting_on(flow: u64) -> Option<u32> {
    let acting = ACTING.get_ptr(0)?;
    // SAFETY: a per-CPU slot; a plain copy.
    let acting = unsafe { *acting };
    (acting.flow == flow && flow != 0).then_some(acting.priority)
}

#[fentry(function = "fib4_rule_action")]
pub fn rule_action_entry(ctx: FEntryContext) -> i32 {
    let offset = global(&RULE_OFFSETS[rule_field::PREF]);
    let Some(acting) = ACTING.get_ptr_mut(0) else {
        return 0;
    };
    if offset == OFFSET_ABSENT {
        return 0;
    }
    let rule: u64 = ctx.arg(0);
    let flow: u64 = ctx.arg(1);
    // SAFETY: the verifier checks the load against `struct fib_rule`'s BTF (a typed fentry
    // argument); `offset` is the BTF offset of `pref`, a u32.
    let priority = unsafe { core::ptr::read_volatile((rule + u64::from(offset)) as *const u32) };
    // SAFETY: a per-CPU slot, only this CPU writes it.
    unsafe {
        *acting = Acting {
            flow,
            priority,
            _pad: 0,
        }
    };
    0
}

#[fexit(function = "fib4_rule_action")]
pub fn rule_action_exit(_ctx: FExitContext) -> i32 {
    if let Some(acting) = ACTING.get_ptr_mut(0) {
        // SAFETY: as above.
        unsafe { (*acting).flow = 0 };
    }
    0
}
