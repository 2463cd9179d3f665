//! bindscope's eBPF programs: trace the calls that pin sockets to interfaces and every IPv4 and
//! IPv6 FIB table lookup, filter in the kernel, and copy raw ABI bytes into `sockabi::event` records.
//!
//! Nothing here interprets socket-ABI bytes: decoding is userspace's job (with `sockabi`).
//! Everything that differs between kernels (tracepoint field offsets, struct offsets on the way
//! from a task to its network namespace) arrives in globals the loader sets from the running
//! kernel's tracefs `format` files and BTF.
//!
//! Syscalls are traced as enter/exit pairs: the entry stashes the arguments (keyed by thread),
//! the exit reads user memory and emits one record with the return value. Reading on exit means
//! `SIOCG*` ioctls and `recvmsg(MSG_ERRQUEUE)` capture what the kernel wrote back.
#![no_std]
#![no_main]

mod calibration;
mod context;
mod route;
mod route6;
mod rules;

use core::ffi::c_void;

use aya_ebpf::helpers::generated::bpf_probe_read_user;
use aya_ebpf::helpers::{
    bpf_get_current_cgroup_id, bpf_get_current_comm, bpf_get_current_pid_tgid,
    bpf_get_current_task, bpf_get_smp_processor_id, bpf_ktime_get_ns, bpf_probe_read_kernel,
};
use aya_ebpf::macros::{map, tracepoint};
use aya_ebpf::maps::ring_buf::RingBufEntry;
use aya_ebpf::maps::{LruHashMap, PerCpuArray, RingBuf};
use aya_ebpf::programs::TracePointContext;
use aya_log_ebpf::debug;
use sockabi::event::{
    fib_field as fib, fib_raw_field as raw, is_traced_ioctl, is_traced_sockopt,
    syscall_field as sys, task_field, CmsgDirection, CmsgEvent, EventHeader, EventKind, IoctlEvent,
    SockoptEvent, UserMsghdr, COMM_LEN, CONTROL_CAPTURE, IFREQ_CAPTURE, MSG_ERRQUEUE, NAME_CAPTURE,
    OFFSET_ABSENT, OPTVAL_CAPTURE,
};
use zerocopy::byteorder::{I32, I64, U32};

/// The records for userspace. Its size is set by the loader (`--ring-size`).
#[map]
pub(crate) static EVENTS: RingBuf = RingBuf::with_byte_size(1 << 20, 0);

/// Failed ring-buffer reservations, per CPU: the lost events userspace reports.
#[map]
static LOST: PerCpuArray<u64> = PerCpuArray::with_max_entries(1, 0);

/// Per CPU: records written since the last wake-up, and when that wake-up was (see
/// `WAKEUP_EVERY` and `WAKEUP_AFTER_NS`).
#[map]
static SINCE_WAKEUP: PerCpuArray<[u64; 2]> = PerCpuArray::with_max_entries(1, 0);

/// Arguments stashed at syscall entry, keyed by `pid_tgid`, taken at exit. LRU, so threads
/// killed inside a syscall cannot fill it up.
#[map]
static PENDING: LruHashMap<u64, Pending> = LruHashMap::with_max_entries(16384, 0);

/// `fib:fib_table_lookup` field offsets, indexed by `sockabi::event::fib_field`.
#[no_mangle]
pub(crate) static FIB_OFFSETS: [u32; fib::COUNT] = [OFFSET_ABSENT; fib::COUNT];
/// `flowi4`/`fib_nh_common`/`net_device` offsets, indexed by `sockabi::event::fib_raw_field`.
#[no_mangle]
pub(crate) static FIB_RAW_OFFSETS: [u32; raw::COUNT] = [OFFSET_ABSENT; raw::COUNT];
/// Syscall tracepoint field offsets, indexed by `sockabi::event::syscall_field`.
#[no_mangle]
static SYSCALL_OFFSETS: [u32; sys::COUNT] = [OFFSET_ABSENT; sys::COUNT];
/// Struct offsets from a task to its netns inode and name, indexed by `sockabi::event::task_field`.
#[no_mangle]
pub(crate) static TASK_OFFSETS: [u32; task_field::COUNT] = [OFFSET_ABSENT; task_field::COUNT];
/// Only this thread group (0: all).
#[no_mangle]
pub(crate) static FILTER_PID: u32 = 0;
/// Never this thread group (0: none): bindscope's own.
#[no_mangle]
pub(crate) static EXCLUDE_PID: u32 = 0;
/// Only tasks with this `comm` (all zero: all).
#[no_mangle]
pub(crate) static FILTER_COMM: Name = [0; 2];
/// Only this network namespace inode (0: all).
#[no_mangle]
pub(crate) static FILTER_NETNS: u32 = 0;
/// Route lookups: only those whose oif or iif is this ifindex, or whose result device is
/// `FILTER_IFNAME` (0: all).
#[no_mangle]
pub(crate) static FILTER_IFINDEX: i32 = 0;
/// The device name that goes with `FILTER_IFINDEX`.
#[no_mangle]
pub(crate) static FILTER_IFNAME: Name = [0; 2];
/// Route lookups: only destinations with `dst & FILTER_DST_MASK == FILTER_DST_NET` (both as
/// the raw network-order bytes read as a native `u32`; mask 0: all).
#[no_mangle]
pub(crate) static FILTER_DST_NET: u32 = 0;
/// See `FILTER_DST_NET`.
#[no_mangle]
pub(crate) static FILTER_DST_MASK: u32 = 0;
/// Route lookups: the family `--dst` names (4 or 6; 0: no destination filter). The other
/// family's route program drops every lookup.
#[no_mangle]
pub(crate) static FILTER_DST_FAMILY: u32 = 0;
/// IPv6 route lookups: only destinations with `dst & FILTER_DST6_MASK == FILTER_DST6_NET`
/// (the address's bytes as two native words), when `FILTER_DST_FAMILY` is 6.
#[no_mangle]
pub(crate) static FILTER_DST6_NET: [u64; 2] = [0; 2];
/// See `FILTER_DST6_NET`.
#[no_mangle]
pub(crate) static FILTER_DST6_MASK: [u64; 2] = [0; 2];
/// Wake the reader once per this many records written on a CPU (the loader derives it from
/// the ring size), or for the first record this long after the CPU's last wake-up. A wake-up
/// per record, or a query of the ring's fill level, would cost more than the record itself
/// under load; the time bound keeps a lone event (and the first one after start-up) from
/// waiting for the reader's own timer, at the price of at most one wake-up per CPU and
/// `WAKEUP_AFTER_NS`.
#[no_mangle]
static WAKEUP_EVERY: u64 = 1;
/// See `WAKEUP_EVERY`.
const WAKEUP_AFTER_NS: u64 = 5_000_000;
/// Route lookups made in a softirq pass the pid and comm filters (1), or not (0): they belong
/// to no task.
#[no_mangle]
pub(crate) static WITH_SOFTIRQ: u32 = 0;
/// Syscall records only when the call failed (1) or always (0).
#[no_mangle]
static ERRORS_ONLY: u32 = 0;

/// Reads a global the loader may have patched (volatile, so the compiler cannot fold the
/// default value in).
#[inline(always)]
pub(crate) fn global<T: Copy>(value: &T) -> T {
    // SAFETY: a plain read of a static.
    unsafe { core::ptr::read_volatile(value) }
}

/// What a syscall entry leaves for its exit.
#[derive(Clone, Copy)]
#[repr(C)]
struct Pending {
    kind: u32,
    fd: i32,
    /// setsockopt: level; ioctl: request; sendmsg/recvmsg: flags.
    a: u32,
    /// setsockopt: optname.
    b: i32,
    /// setsockopt: optval; ioctl: arg; sendmsg/recvmsg: msg.
    ptr: u64,
    /// setsockopt: optlen.
    len: i64,
    netns: u32,
    _pad: u32,
}

/// A 16-byte name (a task's `comm`, a device name) as two words: compared, copied and stored
/// with two instructions where a byte array takes sixteen or more (BPF has no `memcmp`, and
/// the backend moves an array it cannot prove aligned one byte at a time).
pub(crate) type Name = [u64; 2];

/// A name as the kernel and `sockabi` keep it: 16 NUL-padded bytes.
#[inline(always)]
fn name_of(bytes: [u8; COMM_LEN]) -> Name {
    zerocopy::transmute!(bytes)
}

/// The current task, if it passes the pid/comm/netns filters.
struct Task {
    pid_tgid: u64,
    netns: u32,
}

#[inline(always)]
fn current_task() -> Option<Task> {
    filter_task(bpf_get_current_pid_tgid(), current_comm, current_netns)
}

/// The current task's name (zeros if the helper fails).
#[inline(always)]
pub(crate) fn current_comm() -> Name {
    name_of(bpf_get_current_comm().unwrap_or([0; COMM_LEN]))
}

/// Applies the pid, comm and netns filters to the current task (`pid_tgid` as
/// `bpf_get_current_pid_tgid` returns it), in that order (cheapest first); `comm` and `netns`
/// read the task's only when it passed the filters before.
#[inline(always)]
fn filter_task(
    pid_tgid: u64,
    comm: impl FnOnce() -> Name,
    netns: impl FnOnce() -> u32,
) -> Option<Task> {
    let tgid = (pid_tgid >> 32) as u32;
    let want_pid = global(&FILTER_PID);
    let exclude_pid = global(&EXCLUDE_PID);
    if (want_pid != 0 && want_pid != tgid) || (exclude_pid != 0 && tgid == exclude_pid) {
        return None;
    }
    let comm = comm();
    let want_comm = global(&FILTER_COMM);
    if want_comm[0] != 0 && comm != want_comm {
        return None;
    }
    let netns = netns();
    let want_netns = global(&FILTER_NETNS);
    if want_netns != 0 && want_netns != netns {
        return None;
    }
    Some(Task { pid_tgid, netns })
}

/// The inode of the current task's network namespace: `task->nsproxy->net_ns->ns.inum`,
/// with offsets from BTF; 0 if unknown.
#[inline(always)]
pub(crate) fn current_netns() -> u32 {
    let off = global(&TASK_OFFSETS);
    if off[0] == OFFSET_ABSENT || off[1] == OFFSET_ABSENT || off[2] == OFFSET_ABSENT {
        return 0;
    }
    // SAFETY: bpf_probe_read_kernel checks every address; a bad offset reads garbage or fails,
    // it cannot fault.
    unsafe {
        let task = bpf_get_current_task() as *const u8;
        let Ok(nsproxy) =
            bpf_probe_read_kernel(task.wrapping_add(off[0] as usize) as *const *const u8)
        else {
            return 0;
        };
        if nsproxy.is_null() {
            return 0;
        }
        let Ok(net) =
            bpf_probe_read_kernel(nsproxy.wrapping_add(off[1] as usize) as *const *const u8)
        else {
            return 0;
        };
        if net.is_null() {
            return 0;
        }
        bpf_probe_read_kernel(net.wrapping_add(off[2] as usize) as *const u32).unwrap_or(0)
    }
}

/// `sockabi::event::EventHeader` with native fields: the same layout (checked below), but
/// with each field's natural alignment, which it has in a record since ring-buffer records
/// start 8-aligned. `sockabi`'s types have alignment 1 (userspace views records anywhere), and
/// for those the BPF backend stores every multi-byte field one byte at a time: 7 instructions
/// for a `u32`, some 200 for a route record. Written through this, a field is one store.
#[repr(C, align(8))]
pub(crate) struct Header {
    kind: u32,
    cpu: u32,
    ts_ns: u64,
    pid: u32,
    tid: u32,
    netns: u32,
    cgroup: u32,
    comm: Name,
}

/// The native header has `sockabi`'s layout, field for field (`route::RouteRecord` checks
/// the rest of the route record).
const _: () = {
    use core::mem::offset_of;
    type H = EventHeader;
    let same = [
        size_of::<Header>() == size_of::<H>(),
        offset_of!(Header, kind) == offset_of!(H, kind),
        offset_of!(Header, cpu) == offset_of!(H, cpu),
        offset_of!(Header, ts_ns) == offset_of!(H, ts_ns),
        offset_of!(Header, pid) == offset_of!(H, pid),
        offset_of!(Header, tid) == offset_of!(H, tid),
        offset_of!(Header, netns) == offset_of!(H, netns),
        offset_of!(Header, cgroup) == offset_of!(H, cgroup),
        offset_of!(Header, comm) == offset_of!(H, comm),
    ];
    let mut i = 0;
    while i < same.len() {
        assert!(same[i], "the native header differs from sockabi's layout");
        i += 1;
    }
};

/// The header of a record about the current task, stamped now.
#[inline(always)]
pub(crate) fn header(kind: EventKind, pid_tgid: u64, netns: u32, comm: Name) -> Header {
    Header {
        kind: kind as u32,
        // SAFETY: both helpers only return a number.
        cpu: unsafe { bpf_get_smp_processor_id() },
        // SAFETY: as above.
        ts_ns: unsafe { bpf_ktime_get_ns() },
        pid: (pid_tgid >> 32) as u32,
        tid: pid_tgid as u32,
        netns,
        // A lookup in a softirq (pid_tgid 0) belongs to no task, nor to its cgroup. The low
        // 32 bits: the cgroup's inode number (see `EventHeader::cgroup`).
        cgroup: match pid_tgid {
            0 => 0,
            // SAFETY: the helper only returns a number.
            _ => (unsafe { bpf_get_current_cgroup_id() }) as u32,
        },
        comm,
    }
}

/// Submits a record started by `start_record`, waking the reader once per `WAKEUP_EVERY`
/// records of this CPU or when `WAKEUP_AFTER_NS` have passed since its last wake-up (measured
/// with the record's own timestamp, so no second clock read).
#[inline(always)]
pub(crate) fn submit<T: 'static>(mut entry: RingBufEntry<T>) {
    const BPF_RB_NO_WAKEUP: u64 = 1;
    const BPF_RB_FORCE_WAKEUP: u64 = 2;
    // SAFETY: every record starts with its header, filled by `start_record`.
    let now = unsafe { (*(entry.as_mut_ptr() as *const EventHeader)).ts_ns.get() };
    let flags = match SINCE_WAKEUP.get_ptr_mut(0) {
        None => 0,
        // SAFETY: a per-CPU slot, only this CPU writes it.
        Some(state) => unsafe {
            let [count, last] = &mut *state;
            *count += 1;
            if *count >= global(&WAKEUP_EVERY) || now.wrapping_sub(*last) >= WAKEUP_AFTER_NS {
                *count = 0;
                *last = now;
                BPF_RB_FORCE_WAKEUP
            } else {
                BPF_RB_NO_WAKEUP
            }
        },
    };
    entry.submit(flags);
}

/// Reserves a `T` record (every record starts with its `EventHeader`) and fills the header;
/// when the ring buffer is full, counts a lost event instead.
#[inline(always)]
pub(crate) fn start_record<T: 'static>(
    kind: EventKind,
    pid_tgid: u64,
    netns: u32,
    comm: Name,
) -> Option<(RingBufEntry<T>, *mut T)> {
    let Some(mut entry) = EVENTS.reserve::<T>(0) else {
        count_lost();
        return None;
    };
    let ev = entry.as_mut_ptr();
    // SAFETY: a reservation starts 8-aligned and with the header.
    unsafe {
        ev.cast::<Header>()
            .write(header(kind, pid_tgid, netns, comm))
    };
    Some((entry, ev))
}

#[inline(always)]
pub(crate) fn count_lost() {
    if let Some(counter) = LOST.get_ptr_mut(0) {
        // SAFETY: a per-CPU slot, only this CPU writes it.
        unsafe { *counter += 1 };
    }
}

/// Reads a syscall tracepoint argument (all are 8 bytes wide) at the offset the loader gave.
#[inline(always)]
fn arg(ctx: &TracePointContext, field: usize) -> Option<u64> {
    let offset = global(&SYSCALL_OFFSETS)[field];
    if offset == OFFSET_ABSENT {
        return None;
    }
    // SAFETY: read through bpf_probe_read; the offset comes from the tracepoint's format file.
    unsafe { ctx.read_at::<u64>(offset as usize).ok() }
}

/// Copies up to `cap` bytes of user memory; returns the bytes copied and whether it failed.
/// `len` is clamped here so the verifier sees a bounded size.
#[inline(always)]
fn copy_user(dst: *mut u8, cap: usize, src: u64, len: i64) -> (u32, u32) {
    let len = if len <= 0 {
        0
    } else if len as u64 > cap as u64 {
        cap as u32
    } else {
        len as u32
    };
    if len == 0 || src == 0 {
        return (0, (src == 0 && len != 0) as u32);
    }
    // SAFETY: `dst` has `cap` bytes; `len <= cap`; the helper checks `src`.
    let rc = unsafe { bpf_probe_read_user(dst as *mut c_void, len, src as *const c_void) };
    if rc == 0 {
        (len, 0)
    } else {
        (0, 1)
    }
}

/// Stashes a syscall's arguments for its exit.
#[inline(always)]
fn stash(task: &Task, pending: Pending) {
    let _ = PENDING.insert(
        task.pid_tgid,
        Pending {
            netns: task.netns,
            ..pending
        },
        0,
    );
}

/// Takes what the entry of a `kind` syscall stashed for this thread.
#[inline(always)]
fn take(kind: EventKind) -> Option<(u64, Pending)> {
    let pid_tgid = bpf_get_current_pid_tgid();
    // SAFETY: the value is copied out before the entry is removed.
    let pending = unsafe { *PENDING.get(pid_tgid)? };
    let _ = PENDING.remove(pid_tgid);
    (pending.kind == kind as u32).then_some((pid_tgid, pending))
}

#[inline(always)]
fn exit_ret(ctx: &TracePointContext) -> Option<i64> {
    arg(ctx, sys::EXIT_RET).map(|v| v as i64)
}

// ---- setsockopt -------------------------------------------------------------------------

#[tracepoint]
pub fn enter_setsockopt(ctx: TracePointContext) -> u32 {
    let _ = try_enter_setsockopt(&ctx);
    0
}

fn try_enter_setsockopt(ctx: &TracePointContext) -> Option<()> {
    let level = arg(ctx, sys::SETSOCKOPT_LEVEL)? as i32;
    let optname = arg(ctx, sys::SETSOCKOPT_OPTNAME)? as i32;
    if !is_traced_sockopt(level, optname) {
        return None;
    }
    let task = current_task()?;
    let pending = Pending {
        kind: EventKind::Sockopt as u32,
        fd: arg(ctx, sys::SETSOCKOPT_FD)? as i32,
        a: level as u32,
        b: optname,
        ptr: arg(ctx, sys::SETSOCKOPT_OPTVAL)?,
        len: i64::from(arg(ctx, sys::SETSOCKOPT_OPTLEN)? as i32),
        netns: 0,
        _pad: 0,
    };
    stash(&task, pending);
    Some(())
}

#[tracepoint]
pub fn exit_setsockopt(ctx: TracePointContext) -> u32 {
    let _ = try_exit_setsockopt(&ctx);
    0
}

fn try_exit_setsockopt(ctx: &TracePointContext) -> Option<()> {
    let (pid_tgid, p) = take(EventKind::Sockopt)?;
    let ret = exit_ret(ctx)?;
    if global(&ERRORS_ONLY) != 0 && ret >= 0 {
        return None;
    }
    let (entry, ev) =
        start_record::<SockoptEvent>(EventKind::Sockopt, pid_tgid, p.netns, current_comm())?;
    // SAFETY: `ev` is the reservation, sized for a `SockoptEvent`.
    unsafe {
        (*ev).fd = I32::new(p.fd);
        (*ev).level = I32::new(p.a as i32);
        (*ev).optname = I32::new(p.b);
        (*ev).optlen = I32::new(p.len as i32);
        (*ev).ret = I64::new(ret);
        let (copied, failed) =
            copy_user((&raw mut (*ev).optval).cast(), OPTVAL_CAPTURE, p.ptr, p.len);
        if failed != 0 {
            debug!(ctx, "setsockopt: optval at {:x} not readable", p.ptr);
        }
        (*ev).captured = U32::new(copied);
        (*ev).capture_failed = U32::new(failed);
    }
    submit(entry);
    Some(())
}

// ---- ioctl --------------------------------------------------------------------------------

#[tracepoint]
pub fn enter_ioctl(ctx: TracePointContext) -> u32 {
    let _ = try_enter_ioctl(&ctx);
    0
}

fn try_enter_ioctl(ctx: &TracePointContext) -> Option<()> {
    let request = arg(ctx, sys::IOCTL_CMD)? as u32;
    if !is_traced_ioctl(request) {
        return None;
    }
    let task = current_task()?;
    let pending = Pending {
        kind: EventKind::Ioctl as u32,
        fd: arg(ctx, sys::IOCTL_FD)? as i32,
        a: request,
        b: 0,
        ptr: arg(ctx, sys::IOCTL_ARG)?,
        len: IFREQ_CAPTURE as i64,
        netns: 0,
        _pad: 0,
    };
    stash(&task, pending);
    Some(())
}

#[tracepoint]
pub fn exit_ioctl(ctx: TracePointContext) -> u32 {
    let _ = try_exit_ioctl(&ctx);
    0
}

fn try_exit_ioctl(ctx: &TracePointContext) -> Option<()> {
    let (pid_tgid, p) = take(EventKind::Ioctl)?;
    let ret = exit_ret(ctx)?;
    if global(&ERRORS_ONLY) != 0 && ret >= 0 {
        return None;
    }
    let (entry, ev) =
        start_record::<IoctlEvent>(EventKind::Ioctl, pid_tgid, p.netns, current_comm())?;
    // SAFETY: `ev` is the reservation, sized for a `IoctlEvent`.
    unsafe {
        (*ev).fd = I32::new(p.fd);
        (*ev).request = U32::new(p.a);
        (*ev).ret = I64::new(ret);
        let (copied, failed) =
            copy_user((&raw mut (*ev).ifreq).cast(), IFREQ_CAPTURE, p.ptr, p.len);
        (*ev).captured = U32::new(copied);
        (*ev).capture_failed = U32::new(failed);
    }
    submit(entry);
    Some(())
}

// ---- sendmsg / recvmsg(MSG_ERRQUEUE) --------------------------------------------------------

#[tracepoint]
pub fn enter_sendmsg(ctx: TracePointContext) -> u32 {
    let _ = try_enter_msg(&ctx, CmsgDirection::Send);
    0
}

#[tracepoint]
pub fn enter_recvmsg(ctx: TracePointContext) -> u32 {
    let _ = try_enter_msg(&ctx, CmsgDirection::RecvErrQueue);
    0
}

fn try_enter_msg(ctx: &TracePointContext, direction: CmsgDirection) -> Option<()> {
    let (fd_field, msg_field, flags_field) = match direction {
        CmsgDirection::Send => (sys::SENDMSG_FD, sys::SENDMSG_MSG, sys::SENDMSG_FLAGS),
        CmsgDirection::RecvErrQueue => (sys::RECVMSG_FD, sys::RECVMSG_MSG, sys::RECVMSG_FLAGS),
    };
    let flags = arg(ctx, flags_field)? as u32;
    let msg = arg(ctx, msg_field)?;
    match direction {
        // Only sends that carry control data choose something per packet.
        CmsgDirection::Send => {
            // SAFETY: user memory read through the helper.
            let hdr: UserMsghdr =
                unsafe { aya_ebpf::helpers::bpf_probe_read_user(msg as *const _) }.ok()?;
            if hdr.msg_controllen.get() == 0 {
                return None;
            }
        }
        CmsgDirection::RecvErrQueue => {
            if flags & MSG_ERRQUEUE == 0 {
                return None;
            }
        }
    }
    let task = current_task()?;
    let pending = Pending {
        kind: EventKind::Cmsg as u32,
        fd: arg(ctx, fd_field)? as i32,
        a: flags,
        b: direction as i32,
        ptr: msg,
        len: 0,
        netns: 0,
        _pad: 0,
    };
    stash(&task, pending);
    Some(())
}

#[tracepoint]
pub fn exit_sendmsg(ctx: TracePointContext) -> u32 {
    let _ = try_exit_msg(&ctx);
    0
}

#[tracepoint]
pub fn exit_recvmsg(ctx: TracePointContext) -> u32 {
    let _ = try_exit_msg(&ctx);
    0
}

fn try_exit_msg(ctx: &TracePointContext) -> Option<()> {
    let (pid_tgid, p) = take(EventKind::Cmsg)?;
    let ret = exit_ret(ctx)?;
    let is_send = p.b == CmsgDirection::Send as i32;
    if is_send && global(&ERRORS_ONLY) != 0 && ret >= 0 {
        return None;
    }
    // A failed errqueue read (EAGAIN: nothing queued) reports nothing.
    if !is_send && ret < 0 {
        return None;
    }
    // SAFETY: user memory read through the helper.
    let hdr: UserMsghdr =
        unsafe { aya_ebpf::helpers::bpf_probe_read_user(p.ptr as *const UserMsghdr) }.ok()?;
    let (entry, ev) =
        start_record::<CmsgEvent>(EventKind::Cmsg, pid_tgid, p.netns, current_comm())?;
    // SAFETY: `ev` is the reservation, sized for a `CmsgEvent`.
    unsafe {
        (*ev).fd = I32::new(p.fd);
        (*ev).direction = U32::new(p.b as u32);
        (*ev).ret = I64::new(ret);
        (*ev).flags = U32::new(p.a);
        let controllen = hdr.msg_controllen.get();
        let namelen = hdr.msg_namelen.get();
        (*ev).controllen = U32::new(controllen as u32);
        (*ev).namelen = U32::new(namelen);
        let (control, control_failed) = copy_user(
            (&raw mut (*ev).control).cast(),
            CONTROL_CAPTURE,
            hdr.msg_control.get(),
            controllen as i64,
        );
        let (name, name_failed) = copy_user(
            (&raw mut (*ev).name).cast(),
            NAME_CAPTURE,
            hdr.msg_name.get(),
            i64::from(namelen),
        );
        (*ev).captured = U32::new(control);
        (*ev).name_captured = U32::new(name);
        (*ev).capture_failed = U32::new(control_failed | name_failed);
    }
    submit(entry);
    Some(())
}

#[cfg(not(test))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    loop {}
}

#[link_section = "license"]
#[no_mangle]
static LICENSE: [u8; 4] = *b"GPL\0";
