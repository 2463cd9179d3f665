//! The policy rule behind a table lookup, captured in the kernel where BPF trampolines exist
//! (fentry/fexit; the Debian kernels have them, the development host does not).
//!
//! `fib_rules_lookup()` calls `fib4_rule_action(rule, flp, flags, arg)` for each rule that
//! matches, and the action looks the rule's table up (`fib_table_lookup`) before returning.
//! The entry notes, per CPU, which rule acts on which flow (the `struct flowi` pointer, which
//! is the `flowi4` the table lookup is handed); the route program takes the rule for a lookup
//! of that same flow; the exit forgets it. Keyed by the flow, a softirq that interrupts the
//! walk on the same CPU cannot take the interrupted walk's rule for its own lookups.

use aya_ebpf::macros::{fentry, fexit};
use aya_ebpf::programs::{FEntryContext, FExitContext};
use sockabi::event::{rule_field, OFFSET_ABSENT};

use crate::{context, global};

/// The loader's offsets into `struct fib_rule`, indexed by `sockabi::event::rule_field`.
#[no_mangle]
static RULE_OFFSETS: [u32; rule_field::COUNT] = [OFFSET_ABSENT; rule_field::COUNT];

#[fentry(function = "fib4_rule_action")]
pub fn rule_action_entry(ctx: FEntryContext) -> i32 {
    note_acting_rule(&ctx)
}

/// `fib6_rule_action(rule, flp, flags, arg)`: the same for IPv6, whose table lookups the
/// IPv6 route program sees with the same flow pointer (`flowi6` is the first member of
/// `struct flowi`).
#[fentry(function = "fib6_rule_action")]
pub fn rule6_action_entry(ctx: FEntryContext) -> i32 {
    note_acting_rule(&ctx)
}

#[fexit(function = "fib6_rule_action")]
pub fn rule6_action_exit(_ctx: FExitContext) -> i32 {
    context::note_rule(0, 0);
    0
}

/// Notes the rule (argument 0) acting on the flow (argument 1) of a rule action's entry.
#[inline(always)]
fn note_acting_rule(ctx: &FEntryContext) -> i32 {
    let offset = global(&RULE_OFFSETS[rule_field::PREF]);
    if offset == OFFSET_ABSENT {
        return 0;
    }
    let rule: u64 = ctx.arg(0);
    let flow: u64 = ctx.arg(1);
    // SAFETY: the verifier checks the load against `struct fib_rule`'s BTF (a typed fentry
    // argument); `offset` is the BTF offset of `pref`, a u32.
    let priority = unsafe { core::ptr::read_volatile((rule + u64::from(offset)) as *const u32) };
    context::note_rule(flow, priority);
    0
}

#[fexit(function = "fib4_rule_action")]
pub fn rule_action_exit(_ctx: FExitContext) -> i32 {
    context::note_rule(0, 0);
    0
}
