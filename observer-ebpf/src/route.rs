//! `fib:fib_table_lookup`: every IPv4 FIB table lookup, with whose lookup it was and the
//! namespace whose FIB was consulted.
//!
//! Three programs feed one record, cheapest first: the BTF-typed raw tracepoint (`tp_btf`:
//! plain loads of `flowi4`/`fib_nh_common`/task fields at BTF offsets, Linux 5.11+), the raw
//! tracepoint (one `bpf_probe_read_kernel` per struct, for 5.10) and the classic tracepoint
//! (kernels without BTF; reads the formatted record at `format`-file offsets). The loader
//! attaches the first one this kernel's verifier accepts.
//!
//! The lookup is not told its namespace (`fib_table_lookup` gets the table and the flow, not
//! the `struct net`), so it is found, best first: the matched next hop's device (exact); in a
//! softirq, the device the packet being served arrived on, when its ifindex is the flow's
//! `iif`; otherwise the task's own namespace (see `sockabi::event::NetnsSource`).

use core::ffi::c_void;

use aya_ebpf::helpers::generated::bpf_probe_read_kernel as bpf_probe_read_kernel_raw;
use aya_ebpf::helpers::{
    bpf_get_current_pid_tgid, bpf_get_current_task, bpf_get_current_task_btf, bpf_probe_read_kernel,
};
use aya_ebpf::macros::{btf_tracepoint, map, raw_tracepoint, tracepoint};
use aya_ebpf::maps::PerCpuArray;
use aya_ebpf::programs::{BtfTracePointContext, RawTracePointContext, TracePointContext};
use sockabi::event::{
    fib_field as fib, fib_raw_field as raw, task_field, EventKind, NetnsSource, RouteContext,
    RouteEvent, OFFSET_ABSENT,
};

use crate::context::{self, Notes};
use crate::{
    count_lost, current_comm, current_netns, global, header, submit, Header, Name, EVENTS,
    EXCLUDE_PID, FIB_OFFSETS, FIB_RAW_OFFSETS, FILTER_COMM, FILTER_DST_FAMILY, FILTER_DST_MASK,
    FILTER_DST_NET, FILTER_IFINDEX, FILTER_IFNAME, FILTER_NETNS, FILTER_PID, TASK_OFFSETS,
    WITH_SOFTIRQ,
};

/// The device name of a lookup without a next hop, as the classic tracepoint writes it: "-"
/// (the first byte of the first word: BPF here is little-endian).
pub(crate) const NO_DEVICE: Name = [b'-' as u64, 0];

/// The `iif` of locally generated flows (0: an address-type check, which has none).
const LOOPBACK_IFINDEX: i32 = 1;

/// `AF_INET`, the family of an IPv4 gateway.
const AF_INET: u8 = 2;

/// One lookup, as any of the programs reads it: the part of `RouteRecord` after the header.
/// Addresses are in network order, as `u32`s.
#[derive(Clone, Copy, Default)]
#[repr(C)]
pub(crate) struct Lookup {
    pub(crate) tb_id: u32,
    pub(crate) err: i32,
    pub(crate) oif: i32,
    pub(crate) iif: i32,
    pub(crate) src: u32,
    pub(crate) dst: u32,
    pub(crate) gw4: u32,
    pub(crate) sport: u16,
    pub(crate) dport: u16,
    pub(crate) dev: Name,
    pub(crate) proto: u8,
    pub(crate) tos: u8,
    pub(crate) scope: u8,
    pub(crate) flags: u8,
    pub(crate) mark: u32,
    pub(crate) uid: u32,
    pub(crate) l3mdev: i32,
    pub(crate) context: u8,
    pub(crate) netns_source: u8,
    pub(crate) rule_captured: u8,
    pub(crate) reserved: u8,
    pub(crate) rule_priority: u32,
}

/// `sockabi::event::RouteEvent` with native fields (see `Header`).
#[repr(C, align(8))]
pub(crate) struct RouteRecord {
    pub(crate) header: Header,
    pub(crate) lookup: Lookup,
}

/// The native mirror has `sockabi`'s layout, field for field.
const _: () = {
    use core::mem::{offset_of, size_of};
    type R = RouteEvent;
    const L: usize = offset_of!(RouteRecord, lookup);
    let same = [
        size_of::<RouteRecord>() == size_of::<R>(),
        offset_of!(RouteRecord, header) == offset_of!(R, header),
        L + offset_of!(Lookup, tb_id) == offset_of!(R, tb_id),
        L + offset_of!(Lookup, err) == offset_of!(R, err),
        L + offset_of!(Lookup, oif) == offset_of!(R, oif),
        L + offset_of!(Lookup, iif) == offset_of!(R, iif),
        L + offset_of!(Lookup, src) == offset_of!(R, src),
        L + offset_of!(Lookup, dst) == offset_of!(R, dst),
        L + offset_of!(Lookup, gw4) == offset_of!(R, gw4),
        L + offset_of!(Lookup, sport) == offset_of!(R, sport),
        L + offset_of!(Lookup, dport) == offset_of!(R, dport),
        L + offset_of!(Lookup, dev) == offset_of!(R, dev),
        L + offset_of!(Lookup, proto) == offset_of!(R, proto),
        L + offset_of!(Lookup, tos) == offset_of!(R, tos),
        L + offset_of!(Lookup, scope) == offset_of!(R, scope),
        L + offset_of!(Lookup, flags) == offset_of!(R, flags),
        L + offset_of!(Lookup, mark) == offset_of!(R, mark),
        L + offset_of!(Lookup, uid) == offset_of!(R, uid),
        L + offset_of!(Lookup, l3mdev) == offset_of!(R, l3mdev),
        L + offset_of!(Lookup, context) == offset_of!(R, context),
        L + offset_of!(Lookup, netns_source) == offset_of!(R, netns_source),
        L + offset_of!(Lookup, rule_captured) == offset_of!(R, rule_captured),
        L + offset_of!(Lookup, reserved) == offset_of!(R, _reserved),
        L + offset_of!(Lookup, rule_priority) == offset_of!(R, rule_priority),
    ];
    let mut i = 0;
    while i < same.len() {
        assert!(
            same[i],
            "the native route record differs from sockabi's layout"
        );
        i += 1;
    }
};

/// Who made a lookup, once it passed the pid and comm filters.
#[derive(Clone, Copy)]
pub(crate) struct Origin {
    /// As `bpf_get_current_pid_tgid` returns it; 0 in a softirq.
    pub(crate) pid_tgid: u64,
    /// The task's name; zeros in a softirq.
    pub(crate) comm: Name,
    /// The lookup is made in a softirq.
    pub(crate) softirq: bool,
    /// This CPU's notes (softirq, received packet, acting rule).
    pub(crate) notes: Notes,
}

/// Whose lookup this is, for the task at `task_ptr`: in a softirq it belongs to no task, and
/// `--pid`/`--comm` never match it (unless `--softirq` lets such lookups through).
/// `pid_tgid` and `comm` read the task's only when needed.
#[inline(always)]
pub(crate) fn origin(
    task_ptr: u64,
    pid_tgid: impl FnOnce() -> u64,
    comm: impl FnOnce() -> Name,
) -> Option<Origin> {
    let want_pid = global(&FILTER_PID);
    let want_comm = global(&FILTER_COMM);
    let notes = context::notes();
    if notes.serving(task_ptr) {
        if (want_pid != 0 || want_comm[0] != 0) && global(&WITH_SOFTIRQ) == 0 {
            return None;
        }
        return Some(Origin {
            pid_tgid: 0,
            comm: [0; 2],
            softirq: true,
            notes,
        });
    }
    let pid_tgid = pid_tgid();
    let tgid = (pid_tgid >> 32) as u32;
    let exclude_pid = global(&EXCLUDE_PID);
    if (want_pid != 0 && want_pid != tgid) || (exclude_pid != 0 && tgid == exclude_pid) {
        return None;
    }
    let comm = comm();
    if want_comm[0] != 0 && comm != want_comm {
        return None;
    }
    Some(Origin {
        pid_tgid,
        comm,
        softirq: false,
        notes,
    })
}

/// The namespace whose FIB the lookup consulted, and how it was found: `next_hop` is the
/// inode of the matched next hop's device's namespace (0: no next hop, or not readable);
/// `task` reads the current task's.
#[inline(always)]
pub(crate) fn fib_netns(
    next_hop: u32,
    who: &Origin,
    iif: i32,
    task: impl FnOnce() -> u32,
) -> (u32, NetnsSource) {
    if next_hop != 0 {
        return (next_hop, NetnsSource::NextHop);
    }
    // In a softirq, every lookup after a packet's arrival is made processing that packet
    // (deliver, forward, answer with an ICMP error or a SYN-ACK) until the next packet
    // arrives: a packet another namespace's device sends on is queued, not processed in
    // place. An input lookup on another device than the one noted, though, is not that
    // packet's (a VLAN or tunnel device in between): unknown rather than a guess.
    let n = &who.notes;
    match who.softirq {
        true if n.rx_netns != 0 && (iif == n.rx_ifindex || iif <= LOOPBACK_IFINDEX) => {
            (n.rx_netns, NetnsSource::Received)
        }
        true => (0, NetnsSource::Unknown),
        false => match task() {
            0 => (0, NetnsSource::Unknown),
            netns => (netns, NetnsSource::Task),
        },
    }
}

/// The `--netns` filter on the FIB's namespace.
#[inline(always)]
pub(crate) fn netns_passes(netns: u32) -> bool {
    let want_netns = global(&FILTER_NETNS);
    want_netns == 0 || want_netns == netns
}

/// The `--dev` filter: the requested oif, the iif or the chosen device.
#[inline(always)]
pub(crate) fn device_passes(oif: i32, iif: i32, dev: Name) -> bool {
    let want_ifindex = global(&FILTER_IFINDEX);
    want_ifindex == 0 || oif == want_ifindex || iif == want_ifindex || dev == global(&FILTER_IFNAME)
}

/// The record's `context` byte.
#[inline(always)]
pub(crate) fn context_of(who: &Origin) -> u8 {
    match who.softirq {
        true => RouteContext::Softirq as u8,
        false => RouteContext::Task as u8,
    }
}

/// Applies the namespace and route filters and writes the record.
#[inline(always)]
fn emit_route(who: &Origin, netns: (u32, NetnsSource), l: &mut Lookup) -> Option<()> {
    if !netns_passes(netns.0) || global(&FILTER_DST_FAMILY) == 6 {
        return None;
    }
    let mask = global(&FILTER_DST_MASK);
    if mask != 0 && l.dst & mask != global(&FILTER_DST_NET) {
        return None;
    }
    if !device_passes(l.oif, l.iif, l.dev) {
        return None;
    }
    l.context = context_of(who);
    l.netns_source = netns.1 as u8;
    let Some(mut entry) = EVENTS.reserve::<RouteEvent>(0) else {
        count_lost();
        return None;
    };
    let record = RouteRecord {
        header: header(EventKind::Route, who.pid_tgid, netns.0, who.comm),
        lookup: *l,
    };
    // SAFETY: the reservation is 8-aligned and sized for a `RouteEvent`, laid out as this.
    unsafe { entry.as_mut_ptr().cast::<RouteRecord>().write(record) };
    submit(entry);
    Some(())
}

#[raw_tracepoint(tracepoint = "fib_table_lookup")]
pub fn fib_table_lookup_raw(ctx: RawTracePointContext) -> i32 {
    let _ = try_fib_table_lookup_raw(&ctx);
    0
}

/// Copies of the start of `flowi4` and of `fib_nh_common`, one `bpf_probe_read_kernel` each,
/// kept in a per-CPU map because the BPF stack (512 bytes) is too small for them.
#[map]
static SCRATCH: PerCpuArray<[u8; 2 * raw::CHUNK]> = PerCpuArray::with_max_entries(1, 0);

/// One struct's copy inside `SCRATCH`.
#[derive(Clone, Copy)]
struct Chunk(*mut u8);

impl Chunk {
    /// Copies `len` (at most `CHUNK`) bytes at kernel address `base` into `slot` (0 or 1) of
    /// `SCRATCH`; the copy reads as zeros if that fails.
    #[inline(always)]
    fn read(slot: usize, base: u64, len: u32) -> Option<Chunk> {
        let scratch = SCRATCH.get_ptr_mut(0)? as *mut u8;
        let chunk = Chunk(scratch.wrapping_add(slot * raw::CHUNK));
        let len = if len > raw::CHUNK as u32 {
            raw::CHUNK as u32
        } else {
            len
        };
        // SAFETY: the slot has CHUNK bytes and `len <= CHUNK`; the helper checks `base`.
        let rc = if base == 0 || len == 0 {
            -1
        } else {
            unsafe { bpf_probe_read_kernel_raw(chunk.0 as *mut c_void, len, base as *const c_void) }
        };
        if rc != 0 {
            // SAFETY: the slot has CHUNK bytes.
            unsafe { core::ptr::write_bytes(chunk.0, 0, raw::CHUNK) };
        }
        Some(chunk)
    }

    /// `N` bytes at `offset` (from `.rodata`: a constant to verifiers that track frozen
    /// maps, and bounded by the check either way); zero if they do not fit. One unaligned
    /// load, no loop: older verifiers walk every iteration of a loop.
    #[inline(always)]
    fn bytes<const N: usize>(self, offset: u32) -> [u8; N] {
        let at = offset as usize;
        if offset == OFFSET_ABSENT || at + N > raw::CHUNK {
            return [0u8; N];
        }
        // SAFETY: `at + N <= CHUNK`, inside the slot.
        unsafe { (self.0.wrapping_add(at) as *const [u8; N]).read_unaligned() }
    }
}

/// A kernel `T` at `base + offset` through `bpf_probe_read_kernel`; zero if it fails or the
/// offset is absent on this kernel.
#[inline(always)]
fn probe<T: Copy + Default>(base: u64, offset: u32) -> T {
    if base == 0 || offset == OFFSET_ABSENT {
        return T::default();
    }
    // SAFETY: the helper checks the address.
    unsafe { bpf_probe_read_kernel((base + u64::from(offset)) as *const T) }.unwrap_or_default()
}

fn try_fib_table_lookup_raw(ctx: &RawTracePointContext) -> Option<()> {
    // SAFETY: the helper returns a number.
    let task_ptr = unsafe { bpf_get_current_task() };
    let who = origin(task_ptr, bpf_get_current_pid_tgid, current_comm)?;
    let off = |field: usize| global(&FIB_RAW_OFFSETS[field]);
    let flow = Chunk::read(0, ctx.arg(1), off(raw::FLOWI4_READ_LEN))?;
    let nhc: u64 = ctx.arg(2);
    let mut l = Lookup {
        tb_id: ctx.arg::<u64>(0) as u32,
        err: ctx.arg::<u64>(3) as i32,
        oif: i32::from_ne_bytes(flow.bytes(off(raw::FLOWI4_OIF))),
        iif: i32::from_ne_bytes(flow.bytes(off(raw::FLOWI4_IIF))),
        proto: flow.bytes::<1>(off(raw::FLOWI4_PROTO))[0],
        tos: flow.bytes::<1>(off(raw::FLOWI4_TOS))[0],
        scope: flow.bytes::<1>(off(raw::FLOWI4_SCOPE))[0],
        flags: flow.bytes::<1>(off(raw::FLOWI4_FLAGS))[0],
        src: u32::from_ne_bytes(flow.bytes(off(raw::FLOWI4_SADDR))),
        dst: u32::from_ne_bytes(flow.bytes(off(raw::FLOWI4_DADDR))),
        sport: u16::from_be_bytes(flow.bytes(off(raw::FLOWI4_SPORT))),
        dport: u16::from_be_bytes(flow.bytes(off(raw::FLOWI4_DPORT))),
        mark: u32::from_ne_bytes(flow.bytes(off(raw::FLOWI4_MARK))),
        uid: u32::from_ne_bytes(flow.bytes(off(raw::FLOWI4_UID))),
        l3mdev: i32::from_ne_bytes(flow.bytes(off(raw::FLOWI4_L3MDEV))),
        ..Lookup::default()
    };
    // As the classic tracepoint does: the device's name or "-", the gateway if IPv4.
    l.dev = NO_DEVICE;
    let mut next_hop_netns = 0;
    if nhc != 0 {
        let next_hop = Chunk::read(1, nhc, off(raw::NHC_READ_LEN))?;
        let dev = u64::from_ne_bytes(next_hop.bytes(off(raw::NHC_DEV)));
        if dev != 0 {
            l.dev = probe(dev, off(raw::NETDEV_NAME));
            let net: u64 = probe(dev, off(raw::NETDEV_NET));
            next_hop_netns = probe(net, global(&TASK_OFFSETS[task_field::NET_NS_INUM]));
        }
        if next_hop.bytes::<1>(off(raw::NHC_GW_FAMILY))[0] == AF_INET {
            l.gw4 = u32::from_ne_bytes(next_hop.bytes(off(raw::NHC_GW)));
        }
    }
    let netns = fib_netns(next_hop_netns, &who, l.iif, current_netns);
    emit_route(&who, netns, &mut l)
}

#[btf_tracepoint(function = "fib_table_lookup")]
pub fn fib_table_lookup_btf(ctx: BtfTracePointContext) -> i32 {
    let _ = try_fib_table_lookup_btf(&ctx);
    0
}

/// Reads the `T` at `base + offset` in kernel memory whose type the verifier knows from BTF
/// (a `tp_btf` argument or the current task, and the pointers read from them): a plain load
/// the JIT guards against faults, not a helper call. `offset` is a field's BTF offset, so the
/// field is aligned for `T`; a NULL `base` reads as zero.
#[inline(always)]
pub(crate) fn load<T: Copy>(base: u64, offset: u32) -> T {
    // SAFETY: the verifier checks the access against the BTF type of `base` and the JIT
    // turns a fault into a zero; `offset` is the BTF offset of a `T`-sized field.
    unsafe { core::ptr::read_volatile((base + u64::from(offset)) as *const T) }
}

/// As `load`, but zero where the field is absent on this kernel.
#[inline(always)]
pub(crate) fn load_if<T: Copy + Default>(base: u64, offset: u32) -> T {
    if offset == OFFSET_ABSENT {
        return T::default();
    }
    load(base, offset)
}

/// A 16-byte name (`comm`, a device name) at `base + offset`: two `u64` loads. The loader
/// attaches this program only where both names are 8-aligned in their structs; the verifier
/// allows any load inside a `char` array.
#[inline(always)]
pub(crate) fn load_name(base: u64, offset: u32) -> Name {
    [load(base, offset), load(base, offset + 8)]
}

/// The BTF-typed raw tracepoint (`tp_btf`, Linux 5.11+ for `bpf_get_current_task_btf`): every
/// field, of the lookup, its next hop's device and the task, is a direct load; the only helper
/// calls are the task, the softirq note, the clock and the ring buffer. Preferred over the raw
/// and classic programs.
fn try_fib_table_lookup_btf(ctx: &BtfTracePointContext) -> Option<()> {
    // Offsets one at a time where used: a copy of the whole array is a spill per field.
    let tsk = |field: usize| global(&TASK_OFFSETS[field]);
    // SAFETY: returns the current task, never NULL.
    let task_ptr = unsafe { bpf_get_current_task_btf() } as u64;
    // What `bpf_get_current_pid_tgid` returns, without the helper call.
    let pid_tgid = || {
        let tgid: u32 = load(task_ptr, tsk(task_field::TASK_TGID));
        let pid: u32 = load(task_ptr, tsk(task_field::TASK_PID));
        (u64::from(tgid) << 32) | u64::from(pid)
    };
    let comm = || load_name(task_ptr, tsk(task_field::TASK_COMM));
    let who = origin(task_ptr, pid_tgid, comm)?;
    let off = |field: usize| global(&FIB_RAW_OFFSETS[field]);
    let flow: u64 = ctx.arg(1);
    let nhc: u64 = ctx.arg(2);
    let mut l = Lookup {
        tb_id: ctx.arg::<u32>(0),
        err: ctx.arg::<i32>(3),
        oif: load(flow, off(raw::FLOWI4_OIF)),
        iif: load(flow, off(raw::FLOWI4_IIF)),
        proto: load(flow, off(raw::FLOWI4_PROTO)),
        tos: load(flow, off(raw::FLOWI4_TOS)),
        scope: load(flow, off(raw::FLOWI4_SCOPE)),
        flags: load(flow, off(raw::FLOWI4_FLAGS)),
        src: load(flow, off(raw::FLOWI4_SADDR)),
        dst: load(flow, off(raw::FLOWI4_DADDR)),
        sport: u16::from_be(load(flow, off(raw::FLOWI4_SPORT))),
        dport: u16::from_be(load(flow, off(raw::FLOWI4_DPORT))),
        mark: load(flow, off(raw::FLOWI4_MARK)),
        uid: load(flow, off(raw::FLOWI4_UID)),
        l3mdev: load_if(flow, off(raw::FLOWI4_L3MDEV)),
        ..Lookup::default()
    };
    // As the classic tracepoint does: the device's name or "-", the gateway if IPv4.
    l.dev = NO_DEVICE;
    let mut next_hop_netns = 0;
    if nhc != 0 {
        let dev: u64 = load(nhc, off(raw::NHC_DEV));
        if dev != 0 {
            l.dev = load_name(dev, off(raw::NETDEV_NAME));
            let net: u64 = load_if(dev, off(raw::NETDEV_NET));
            if net != 0 {
                next_hop_netns = load(net, tsk(task_field::NET_NS_INUM));
            }
        }
        if load::<u8>(nhc, off(raw::NHC_GW_FAMILY)) == AF_INET {
            l.gw4 = load(nhc, off(raw::NHC_GW));
        }
    }
    let task_netns = || {
        if tsk(task_field::TASK_NSPROXY) == OFFSET_ABSENT {
            return 0;
        }
        let nsproxy: u64 = load(task_ptr, tsk(task_field::TASK_NSPROXY));
        if nsproxy == 0 {
            return 0;
        }
        let net: u64 = load(nsproxy, tsk(task_field::NSPROXY_NET_NS));
        if net == 0 {
            return 0;
        }
        load(net, tsk(task_field::NET_NS_INUM))
    };
    if let Some(priority) = who.notes.rule_for(flow) {
        l.rule_captured = 1;
        l.rule_priority = priority;
    }
    let netns = fib_netns(next_hop_netns, &who, l.iif, task_netns);
    emit_route(&who, netns, &mut l)
}

#[tracepoint]
pub fn fib_table_lookup(ctx: TracePointContext) -> u32 {
    let _ = try_fib_table_lookup(&ctx);
    0
}

/// Reads a `fib_table_lookup` field at the loader-given offset (zero if absent here).
#[inline(always)]
fn fib_read<T: Copy + Default>(
    ctx: &TracePointContext,
    offsets: &[u32; fib::COUNT],
    field: usize,
) -> T {
    let offset = offsets[field];
    if offset == OFFSET_ABSENT {
        return T::default();
    }
    // SAFETY: read through bpf_probe_read at an offset from the tracepoint's format file.
    unsafe { ctx.read_at::<T>(offset as usize) }.unwrap_or_default()
}

/// The device name of the classic record: inline, or (Linux 5.10 and older) out of line at the
/// `__data_loc` the field holds.
#[inline(always)]
fn classic_dev_name(ctx: &TracePointContext, off: &[u32; fib::COUNT]) -> Name {
    if off[fib::NAME_DATA_LOC] == 0 {
        return fib_read(ctx, off, fib::NAME);
    }
    let loc: u32 = fib_read(ctx, off, fib::NAME);
    // SAFETY: read through bpf_probe_read inside the record the tracepoint formatted.
    unsafe { ctx.read_at::<Name>((loc & 0xffff) as usize) }.unwrap_or([0; 2])
}

/// The classic tracepoint's record has no mark, uid or l3mdev, and names the next hop's
/// device without a pointer to it: the namespace comes from the softirq note or the task.
fn try_fib_table_lookup(ctx: &TracePointContext) -> Option<()> {
    // SAFETY: the helper returns a number.
    let task_ptr = unsafe { bpf_get_current_task() };
    let who = origin(task_ptr, bpf_get_current_pid_tgid, current_comm)?;
    let off = global(&FIB_OFFSETS);
    let mut l = Lookup {
        tb_id: fib_read(ctx, &off, fib::TB_ID),
        err: fib_read(ctx, &off, fib::ERR),
        oif: fib_read(ctx, &off, fib::OIF),
        iif: fib_read(ctx, &off, fib::IIF),
        proto: fib_read(ctx, &off, fib::PROTO),
        tos: fib_read(ctx, &off, fib::TOS),
        scope: fib_read(ctx, &off, fib::SCOPE),
        flags: fib_read(ctx, &off, fib::FLAGS),
        src: fib_read(ctx, &off, fib::SRC),
        dst: fib_read(ctx, &off, fib::DST),
        gw4: fib_read(ctx, &off, fib::GW4),
        sport: fib_read(ctx, &off, fib::SPORT),
        dport: fib_read(ctx, &off, fib::DPORT),
        dev: classic_dev_name(ctx, &off),
        ..Lookup::default()
    };
    let netns = fib_netns(0, &who, l.iif, current_netns);
    emit_route(&who, netns, &mut l)
}
