//! `fib6:fib6_table_lookup`: every IPv6 FIB table lookup (`fib6_table_lookup()` in
//! `net/ipv6/route.c`, once per table a decision consults), with whose lookup it was.
//!
//! Two programs feed one record: the BTF-typed raw tracepoint (`tp_btf`, preferred), which
//! is handed the lookup's `struct net` (so its namespace is exact), the `fib6_result`, the
//! table and the `flowi6`, and reads each field with a plain load; and the classic tracepoint
//! (kernels without BTF), which reads the formatted record at `format`-file offsets and finds
//! the namespace as the IPv4 classic program does.
//!
//! A table without a route answers with the kernel's "no route" entry
//! (`net->ipv6.fib6_null_entry`), which looks like an unreachable route through `lo`; the
//! BTF-typed program tells the two apart by comparing the result with that entry, so a
//! policy walk's misses group like IPv4's `-EAGAIN`.

use core::ffi::c_void;

use aya_ebpf::helpers::generated::bpf_probe_read_kernel as bpf_probe_read_kernel_raw;
use aya_ebpf::helpers::{bpf_get_current_pid_tgid, bpf_get_current_task, bpf_get_current_task_btf};
use aya_ebpf::macros::{btf_tracepoint, map, tracepoint};
use aya_ebpf::maps::ring_buf::RingBufEntry;
use aya_ebpf::maps::PerCpuArray;
use aya_ebpf::programs::{BtfTracePointContext, TracePointContext};
use aya_ebpf::EbpfContext;
use sockabi::event::{
    fib6_btf_field as f, fib6_field as fib6, task_field, EventKind, NetnsSource, Route6Event,
    OFFSET_ABSENT,
};

use crate::route::{
    context_of, device_passes, fib_netns, load, load_if, load_name, netns_passes, origin, Origin,
    NO_DEVICE,
};
use crate::{
    current_comm, current_netns, global, start_record, submit, Header, Name, FILTER_DST6_MASK,
    FILTER_DST6_NET, FILTER_DST_FAMILY, TASK_OFFSETS,
};

/// `AF_INET6`, the family of an IPv6 gateway.
const AF_INET6: u8 = 10;

/// `miss`: the classic tracepoint cannot tell a table without a route from an unreachable one
/// (the BTF-typed program writes 1 for the kernel's "no route" entry, 0 otherwise).
const MISS_UNKNOWN: u8 = 2;

/// An IPv6 address as two words (see `Name`).
type Addr6 = [u64; 2];

/// One lookup: the part of `Route6Event` after the header, with native fields.
#[derive(Clone, Copy, Default)]
#[repr(C)]
struct Lookup6 {
    tb_id: u32,
    err: i32,
    oif: i32,
    iif: i32,
    src: Addr6,
    dst: Addr6,
    gw: Addr6,
    dev: Name,
    sport: u16,
    dport: u16,
    flowlabel: u32,
    mark: u32,
    uid: u32,
    l3mdev: i32,
    proto: u8,
    tclass: u8,
    scope: u8,
    flags: u8,
    context: u8,
    netns_source: u8,
    miss: u8,
    rule_captured: u8,
    rule_priority: u32,
}

/// `sockabi::event::Route6Event` with native fields.
#[repr(C, align(8))]
struct Route6Record {
    header: Header,
    lookup: Lookup6,
}

/// The native mirror has `sockabi`'s layout, field for field.
const _: () = {
    use core::mem::{offset_of, size_of};
    type R = Route6Event;
    const L: usize = offset_of!(Route6Record, lookup);
    let same = [
        size_of::<Route6Record>() == size_of::<R>(),
        L + offset_of!(Lookup6, tb_id) == offset_of!(R, tb_id),
        L + offset_of!(Lookup6, err) == offset_of!(R, err),
        L + offset_of!(Lookup6, oif) == offset_of!(R, oif),
        L + offset_of!(Lookup6, iif) == offset_of!(R, iif),
        L + offset_of!(Lookup6, src) == offset_of!(R, src),
        L + offset_of!(Lookup6, dst) == offset_of!(R, dst),
        L + offset_of!(Lookup6, gw) == offset_of!(R, gw),
        L + offset_of!(Lookup6, dev) == offset_of!(R, dev),
        L + offset_of!(Lookup6, sport) == offset_of!(R, sport),
        L + offset_of!(Lookup6, dport) == offset_of!(R, dport),
        L + offset_of!(Lookup6, flowlabel) == offset_of!(R, flowlabel),
        L + offset_of!(Lookup6, mark) == offset_of!(R, mark),
        L + offset_of!(Lookup6, uid) == offset_of!(R, uid),
        L + offset_of!(Lookup6, l3mdev) == offset_of!(R, l3mdev),
        L + offset_of!(Lookup6, proto) == offset_of!(R, proto),
        L + offset_of!(Lookup6, tclass) == offset_of!(R, tclass),
        L + offset_of!(Lookup6, scope) == offset_of!(R, scope),
        L + offset_of!(Lookup6, flags) == offset_of!(R, flags),
        L + offset_of!(Lookup6, context) == offset_of!(R, context),
        L + offset_of!(Lookup6, netns_source) == offset_of!(R, netns_source),
        L + offset_of!(Lookup6, miss) == offset_of!(R, miss),
        L + offset_of!(Lookup6, rule_captured) == offset_of!(R, rule_captured),
        L + offset_of!(Lookup6, rule_priority) == offset_of!(R, rule_priority),
    ];
    let mut i = 0;
    while i < same.len() {
        assert!(
            same[i],
            "the native IPv6 route record differs from sockabi's layout"
        );
        i += 1;
    }
};

/// `FIB6_BTF_OFFSETS`, indexed by `sockabi::event::fib6_btf_field`.
#[no_mangle]
static FIB6_BTF_OFFSETS: [u32; f::COUNT] = [OFFSET_ABSENT; f::COUNT];
/// `fib6:fib6_table_lookup` field offsets, indexed by `sockabi::event::fib6_field`.
#[no_mangle]
static FIB6_OFFSETS: [u32; fib6::COUNT] = [OFFSET_ABSENT; fib6::COUNT];

/// The `--netns`, `--dst` and `--dev` filters, on what a lookup's record would say.
#[inline(always)]
fn passes(netns: u32, dst: &Addr6, oif: i32, iif: i32, dev: Name) -> bool {
    if !netns_passes(netns) {
        return false;
    }
    match global(&FILTER_DST_FAMILY) {
        4 => return false,
        6 => {
            let (net, mask) = (global(&FILTER_DST6_NET), global(&FILTER_DST6_MASK));
            if dst[0] & mask[0] != net[0] || dst[1] & mask[1] != net[1] {
                return false;
            }
        }
        _ => {}
    }
    device_passes(oif, iif, dev)
}

/// Reserves a record for `who`'s lookup in `netns`, with its header written (`start_record`),
/// as the native mirror.
#[inline(always)]
fn start(who: &Origin, netns: u32) -> Option<(RingBufEntry<Route6Event>, *mut Route6Record)> {
    let (entry, record) =
        start_record::<Route6Event>(EventKind::Route6, who.pid_tgid, netns, who.comm)?;
    Some((entry, record.cast()))
}

/// Applies the filters and writes the record (the classic tracepoint's path, which has the
/// whole lookup in hand before it can filter).
#[inline(always)]
fn emit(who: &Origin, netns: (u32, NetnsSource), l: &mut Lookup6) -> Option<()> {
    if !passes(netns.0, &l.dst, l.oif, l.iif, l.dev) {
        return None;
    }
    l.context = context_of(who);
    l.netns_source = netns.1 as u8;
    let (entry, record) = start(who, netns.0)?;
    // SAFETY: `start` reserved a `Route6Event`, laid out as this.
    unsafe { (&raw mut (*record).lookup).write(*l) };
    submit(entry);
    Some(())
}

/// The BTF-typed program that reads the task's pid, tgid and name with plain loads
/// (`bpf_get_current_task_btf`, Linux 5.11+): preferred.
#[btf_tracepoint(function = "fib6_table_lookup")]
pub fn fib6_table_lookup_btf(ctx: BtfTracePointContext) -> i32 {
    // Offsets one at a time where used: a copy of the whole array is a spill per field.
    let tsk = |field: usize| global(&TASK_OFFSETS[field]);
    // SAFETY: returns the current task, never NULL.
    let task_ptr = unsafe { bpf_get_current_task_btf() } as u64;
    let pid_tgid = || {
        let tgid: u32 = load(task_ptr, tsk(task_field::TASK_TGID));
        let pid: u32 = load(task_ptr, tsk(task_field::TASK_PID));
        (u64::from(tgid) << 32) | u64::from(pid)
    };
    let comm = || load16(task_ptr, tsk(task_field::TASK_COMM));
    let _ = origin(task_ptr, pid_tgid, comm).and_then(|who| lookup_btf(&ctx, &who));
    0
}

/// The same through the helpers, for 5.10, whose `tp_btf` programs have no
/// `bpf_get_current_task_btf`.
#[btf_tracepoint(function = "fib6_table_lookup")]
pub fn fib6_table_lookup_btf_helpers(ctx: BtfTracePointContext) -> i32 {
    // SAFETY: the helper returns a number.
    let task_ptr = unsafe { bpf_get_current_task() };
    let _ = origin(task_ptr, bpf_get_current_pid_tgid, current_comm)
        .and_then(|who| lookup_btf(&ctx, &who));
    0
}

/// A 16-byte field (an `in6_addr`, a device name) as two loads (see `route::load_name`; the
/// verifier allows a word load anywhere inside an array of bytes).
#[inline(always)]
fn load16(base: u64, offset: u32) -> Addr6 {
    load_name(base, offset)
}

/// The gateway, `nhc_gw`: a union whose first member is the 4-byte `ipv4`. Older verifiers
/// (6.1) check a load against the first member that starts at its offset and refuse an
/// 8-byte one there ("access beyond the end of member ipv4"), so it is read as four words.
#[inline(always)]
fn load_gw(nh: u64, offset: u32) -> Addr6 {
    let word = |i: u32| u64::from(load::<u32>(nh, offset + 4 * i));
    // Little-endian BPF: the lower address is the lower half of each u64.
    [word(0) | word(1) << 32, word(2) | word(3) << 32]
}

/// Reads the lookup from the tracepoint's typed arguments and writes the record for `who`.
///
/// What the filters look at is read first; the rest only for a lookup that passed them, and
/// straight into the reserved record. Reading every field before filtering (as the classic
/// path must) keeps some twenty values alive across the filters and the reservation, and the
/// BPF backend spills each one to the stack and back: about a tenth of the program's run time.
#[inline(always)]
fn lookup_btf(ctx: &BtfTracePointContext, who: &Origin) -> Option<()> {
    // One offset at a time, where it is used: reading the whole array up front (as
    // `global(&FIB6_BTF_OFFSETS)` would) costs a load and a stack spill per field.
    let off = |field: usize| global(&FIB6_BTF_OFFSETS[field]);
    let net: u64 = ctx.arg(0);
    let res: u64 = ctx.arg(1);
    let table: u64 = ctx.arg(2);
    let flow: u64 = ctx.arg(3);
    let netns: u32 = load_if(net, global(&TASK_OFFSETS[task_field::NET_NS_INUM]));
    let oif: i32 = load(flow, off(f::OIF));
    let iif: i32 = load(flow, off(f::IIF));
    let dst = load16(flow, off(f::DADDR));
    let nh: u64 = load(res, off(f::RES_NH));
    let mut dev = NO_DEVICE;
    if nh != 0 {
        let device: u64 = load(nh, off(f::NH_DEV));
        if device != 0 {
            dev = load16(device, off(f::NETDEV_NAME));
        }
    }
    if !passes(netns, &dst, oif, iif, dev) {
        return None;
    }
    let (entry, record) = start(who, netns)?;
    // SAFETY: `start` reserved a `Route6Event`, laid out as this; every field of the lookup
    // is written (the ring buffer's memory holds earlier records).
    let l = unsafe { &mut (*record).lookup };
    l.oif = oif;
    l.iif = iif;
    l.dst = dst;
    l.dev = dev;
    l.tb_id = load(table, off(f::TB6_ID));
    l.mark = load(flow, off(f::MARK));
    l.uid = load(flow, off(f::UID));
    l.l3mdev = load_if(flow, off(f::L3MDEV));
    l.proto = load(flow, off(f::PROTO));
    l.scope = load(flow, off(f::SCOPE));
    l.flags = load(flow, off(f::FLAGS));
    l.src = load16(flow, off(f::SADDR));
    // The flow info holds the traffic class (bits 20-27, `ip6_tclass()`) and the label.
    let info = u32::from_be(load(flow, off(f::FLOWLABEL)));
    l.flowlabel = info & 0xf_ffff;
    l.tclass = (info >> 20) as u8;
    l.sport = u16::from_be(load(flow, off(f::SPORT)));
    l.dport = u16::from_be(load(flow, off(f::DPORT)));
    // As the tracepoint does: the error of the route type found.
    l.err = type_error(load(res, off(f::RES_TYPE)));
    let f6i: u64 = load(res, off(f::RES_F6I));
    let null_entry: u64 = load(net, off(f::NET_NULL_ENTRY));
    let miss = f6i == null_entry;
    l.miss = u8::from(miss);
    let gw = match !miss && nh != 0 && load::<u8>(nh, off(f::NH_GW_FAMILY)) == AF_INET6 {
        true => load_gw(nh, off(f::NH_GW)),
        false => [0; 2],
    };
    // Word by word: a 16-byte zeroing store becomes a call to `memset`.
    (l.gw[0], l.gw[1]) = (gw[0], gw[1]);
    (l.rule_captured, l.rule_priority) = match who.notes.rule_for(flow) {
        Some(priority) => (1, priority),
        None => (0, 0),
    };
    l.context = context_of(who);
    l.netns_source = match netns {
        0 => NetnsSource::Unknown,
        _ => NetnsSource::Lookup,
    } as u8;
    submit(entry);
    Some(())
}

/// `ip6_rt_type_to_error()`: the error a route of this type gives (`fib6_prop` in
/// `net/ipv6/route.c`).
#[inline(always)]
fn type_error(rtn_type: u8) -> i32 {
    const EHOSTUNREACH: i32 = 113;
    const EACCES: i32 = 13;
    const EINVAL: i32 = 22;
    const EAGAIN: i32 = 11;
    match rtn_type {
        // RTN_BLACKHOLE, RTN_NAT, RTN_XRESOLVE
        6 | 10 | 11 => -EINVAL,
        // RTN_UNREACHABLE
        7 => -EHOSTUNREACH,
        // RTN_PROHIBIT
        8 => -EACCES,
        // RTN_THROW
        9 => -EAGAIN,
        _ => 0,
    }
}

#[tracepoint]
pub fn fib6_table_lookup(ctx: TracePointContext) -> u32 {
    let _ = try_fib6_table_lookup(&ctx);
    0
}

/// A copy of the classic tracepoint's record, per CPU (the BPF stack is too small for it
/// next to the record being built).
#[map]
static RECORD6: PerCpuArray<[u8; fib6::RECORD_CAPTURE]> = PerCpuArray::with_max_entries(1, 0);

/// The record copied by [`Record::read`].
#[derive(Clone, Copy)]
struct Record(*const u8);

impl Record {
    /// Copies the first `len` bytes of the record at `ctx` (zeros if that fails).
    #[inline(always)]
    fn read(ctx: &TracePointContext, len: u32) -> Option<Record> {
        let copy = RECORD6.get_ptr_mut(0)? as *mut u8;
        let len = if len > fib6::RECORD_CAPTURE as u32 {
            fib6::RECORD_CAPTURE as u32
        } else {
            len
        };
        // SAFETY: the copy has RECORD_CAPTURE bytes and `len` is at most that; the helper
        // checks the source.
        let rc = unsafe {
            bpf_probe_read_kernel_raw(copy as *mut c_void, len, ctx.as_ptr() as *const c_void)
        };
        if rc != 0 {
            return None;
        }
        Some(Record(copy))
    }

    /// `N` bytes at `offset` (zero if absent or beyond the copy): one unaligned load.
    #[inline(always)]
    fn bytes<const N: usize>(self, offset: u32) -> [u8; N] {
        let at = offset as usize;
        if offset == OFFSET_ABSENT || at + N > fib6::RECORD_CAPTURE {
            return [0u8; N];
        }
        // SAFETY: `at + N <= RECORD_CAPTURE`, inside the copy.
        unsafe { (self.0.wrapping_add(at) as *const [u8; N]).read_unaligned() }
    }
}

/// The classic tracepoint: no mark, uid or l3mdev, and no way to tell a table without a route
/// from an unreachable route (`miss` is "unknown"); the namespace comes from the softirq note
/// or the task.
fn try_fib6_table_lookup(ctx: &TracePointContext) -> Option<()> {
    // SAFETY: the helper returns a number.
    let task_ptr = unsafe { bpf_get_current_task() };
    let who = origin(task_ptr, bpf_get_current_pid_tgid, current_comm)?;
    let off = global(&FIB6_OFFSETS);
    let r = Record::read(ctx, off[fib6::READ_LEN])?;
    let word = |i: usize| r.bytes::<4>(off[i]);
    let pair = |i: usize| -> [u64; 2] {
        let b: [u8; 16] = r.bytes(off[i]);
        zerocopy::transmute!(b)
    };
    let mut l = Lookup6 {
        tb_id: u32::from_ne_bytes(word(fib6::TB_ID)),
        err: i32::from_ne_bytes(word(fib6::ERR)),
        oif: i32::from_ne_bytes(word(fib6::OIF)),
        iif: i32::from_ne_bytes(word(fib6::IIF)),
        flowlabel: u32::from_ne_bytes(word(fib6::FLOWLABEL)),
        tclass: r.bytes::<1>(off[fib6::TOS])[0],
        scope: r.bytes::<1>(off[fib6::SCOPE])[0],
        flags: r.bytes::<1>(off[fib6::FLAGS])[0],
        src: pair(fib6::SRC),
        dst: pair(fib6::DST),
        sport: u16::from_ne_bytes(r.bytes(off[fib6::SPORT])),
        dport: u16::from_ne_bytes(r.bytes(off[fib6::DPORT])),
        proto: r.bytes::<1>(off[fib6::PROTO])[0],
        dev: pair(fib6::NAME),
        gw: pair(fib6::GW),
        miss: MISS_UNKNOWN,
        ..Lookup6::default()
    };
    let netns = fib_netns(0, &who, l.iif, current_netns);
    emit(&who, netns, &mut l)
}
