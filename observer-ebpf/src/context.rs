//! Whose route lookup is it? Per-CPU notes of the softirq being served and of the packet it
//! received, kept by three raw tracepoints so the route programs can tell a task's own lookup
//! from one the kernel made while it happened to be running on that task's stack.
//!
//! The kernel serves softirqs on whatever task was current (at interrupt exit, or when a task
//! re-enables bottom halves after sending to a veth or loopback), or in ksoftirqd. A lookup
//! made there (receiving, forwarding, a TCP timer) belongs to no task, and its namespace is the
//! receiving device's, not the interrupted task's. `irq:softirq_entry`/`irq:softirq_exit`
//! bracket every softirq vector served (`handle_softirqs()`, also on PREEMPT_RT, where the
//! serving thread stays on its CPU), and `net:netif_receive_skb` names the device each packet
//! arrived on before the IP layer looks its route up.
//!
//! Raw tracepoints (no BTF needed, Linux 4.17+), and no helper but the task and the probe
//! reads: these fire on every softirq and every received packet of the machine.

use aya_ebpf::helpers::{bpf_get_current_task, bpf_probe_read_kernel};
use aya_ebpf::macros::{map, raw_tracepoint};
use aya_ebpf::maps::PerCpuArray;
use aya_ebpf::programs::RawTracePointContext;
use sockabi::event::{fib_raw_field as raw, task_field, OFFSET_ABSENT};

use crate::{global, FIB_RAW_OFFSETS, TASK_OFFSETS};

/// What the route programs need to know about this CPU, in one per-CPU slot so they pay for
/// one map lookup: the softirq being served and the packet it received (kept here), and the
/// policy rule acting on a flow (kept by `rules.rs`, where the kernel has trampolines).
#[derive(Clone, Copy)]
#[repr(C)]
pub struct Notes {
    /// `current` while a softirq vector is served on this CPU, else 0. Compared with the task
    /// of a lookup, so a task that preempts a PREEMPT_RT softirq thread is not taken for it.
    softirq_task: u64,
    /// The ifindex of the device the last packet of this softirq arrived on (0: none yet).
    pub rx_ifindex: i32,
    /// Its namespace's inode (0: unknown).
    pub rx_netns: u32,
    /// The flow (`struct flowi *`) a policy rule's action is looking a table up for; 0: none.
    rule_flow: u64,
    /// That rule's priority.
    rule_priority: u32,
    /// Reserved.
    _pad: u32,
}

impl Notes {
    /// Whether `task` is serving a softirq on this CPU right now.
    #[inline(always)]
    pub fn serving(&self, task: u64) -> bool {
        self.softirq_task == task && task != 0
    }

    /// The priority of the rule acting on `flow` (a lookup's `flowi4` pointer), if one is.
    #[inline(always)]
    pub fn rule_for(&self, flow: u64) -> Option<u32> {
        (self.rule_flow == flow && flow != 0).then_some(self.rule_priority)
    }
}

#[map]
static NOTES: PerCpuArray<Notes> = PerCpuArray::with_max_entries(1, 0);

/// This CPU's notes (all zero if the slot cannot be had).
#[inline(always)]
pub fn notes() -> Notes {
    match NOTES.get_ptr(0) {
        // SAFETY: a per-CPU slot; a plain copy.
        Some(notes) => unsafe { *notes },
        None => Notes {
            softirq_task: 0,
            rx_ifindex: 0,
            rx_netns: 0,
            rule_flow: 0,
            rule_priority: 0,
            _pad: 0,
        },
    }
}

/// Notes that the rule of priority `priority` is acting on `flow` (0: none is).
#[inline(always)]
pub fn note_rule(flow: u64, priority: u32) {
    if let Some(notes) = NOTES.get_ptr_mut(0) {
        // SAFETY: a per-CPU slot, only this CPU writes it.
        unsafe {
            (*notes).rule_flow = flow;
            (*notes).rule_priority = priority;
        }
    }
}

#[raw_tracepoint(tracepoint = "softirq_entry")]
pub fn softirq_entry(_ctx: RawTracePointContext) -> i32 {
    if let Some(notes) = NOTES.get_ptr_mut(0) {
        // SAFETY: a per-CPU slot, only this CPU writes it; the helper returns a number.
        unsafe {
            (*notes).softirq_task = bpf_get_current_task();
            (*notes).rx_ifindex = 0;
            (*notes).rx_netns = 0;
        }
    }
    0
}

#[raw_tracepoint(tracepoint = "softirq_exit")]
pub fn softirq_exit(_ctx: RawTracePointContext) -> i32 {
    if let Some(notes) = NOTES.get_ptr_mut(0) {
        // SAFETY: as above.
        unsafe { (*notes).softirq_task = 0 };
    }
    0
}

/// `netif_receive_skb(struct sk_buff *skb)`: notes `skb->dev`'s ifindex and namespace for the
/// lookups of this softirq. Outside a softirq (a threaded NAPI poll, a tun write) nothing is
/// noted: those lookups are the task's.
#[raw_tracepoint(tracepoint = "netif_receive_skb")]
pub fn netif_receive_skb(ctx: RawTracePointContext) -> i32 {
    let _ = try_netif_receive_skb(&ctx);
    0
}

fn try_netif_receive_skb(ctx: &RawTracePointContext) -> Option<()> {
    let state = NOTES.get_ptr_mut(0)?;
    // SAFETY: the helper returns a number.
    let current = unsafe { bpf_get_current_task() };
    // SAFETY: a per-CPU slot, only this CPU writes it.
    if unsafe { (*state).softirq_task } != current {
        return None;
    }
    let off = |field: usize| global(&FIB_RAW_OFFSETS[field]);
    let inum_at = global(&TASK_OFFSETS[task_field::NET_NS_INUM]);
    let (skb_dev, ifindex_at, net_at) = (
        off(raw::SKB_DEV),
        off(raw::NETDEV_IFINDEX),
        off(raw::NETDEV_NET),
    );
    if skb_dev == OFFSET_ABSENT
        || ifindex_at == OFFSET_ABSENT
        || net_at == OFFSET_ABSENT
        || inum_at == OFFSET_ABSENT
    {
        return None;
    }
    let skb: u64 = ctx.arg(0);
    // SAFETY: bpf_probe_read_kernel checks every address: a bad one fails, it cannot fault.
    let (ifindex, netns) = unsafe {
        let dev: u64 = bpf_probe_read_kernel((skb + u64::from(skb_dev)) as *const u64).ok()?;
        let ifindex: i32 =
            bpf_probe_read_kernel((dev + u64::from(ifindex_at)) as *const i32).ok()?;
        let net: u64 = bpf_probe_read_kernel((dev + u64::from(net_at)) as *const u64).ok()?;
        let netns: u32 = bpf_probe_read_kernel((net + u64::from(inum_at)) as *const u32).ok()?;
        (ifindex, netns)
    };
    // SAFETY: as above.
    unsafe {
        (*state).rx_ifindex = ifindex;
        (*state).rx_netns = netns;
    }
    Some(())
}
