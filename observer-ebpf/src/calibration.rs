//! Calibration programs for `cargo xtask bench`, never attached by bindscope itself.
//!
//! Each one does a single part of what the route program must do for every lookup, and
//! nothing else, so the benchmark can measure on the running kernel what that part costs a
//! `fib_table_lookup` caller: the tracepoint with an empty program, one clock read, one
//! ring-buffer record. Their sum is the least an event with a timestamp can cost, whatever
//! the program around it does; the benchmark compares it with the throughput target.

use aya_ebpf::helpers::bpf_ktime_get_ns;
use aya_ebpf::macros::{btf_tracepoint, map};
use aya_ebpf::maps::RingBuf;
use aya_ebpf::programs::BtfTracePointContext;
use sockabi::event::{EventKind, RouteEvent};

/// The calibration records: drained and dropped by the benchmark, which sets their real size.
/// bindscope loads this object, and so creates this map, but never attaches these programs:
/// the map is declared as small as a ring buffer can be on any kernel (a ring buffer is a
/// whole number of pages, and pages are up to 64 KiB).
#[map]
static CALIBRATION_RECORDS: RingBuf = RingBuf::with_byte_size(1 << 16, 0);

/// The tracepoint and an empty program: the floor of any program on it.
#[btf_tracepoint(function = "fib_table_lookup")]
pub fn calibrate_empty(_ctx: BtfTracePointContext) -> i32 {
    0
}

/// One `bpf_ktime_get_ns`, as the route program reads the clock once per record.
#[btf_tracepoint(function = "fib_table_lookup")]
pub fn calibrate_clock(_ctx: BtfTracePointContext) -> i32 {
    // SAFETY: the helper only returns a number.
    core::hint::black_box(unsafe { bpf_ktime_get_ns() });
    0
}

/// One record of a route record's size, reserved, tagged and submitted without a wake-up
/// (as the route program submits most of its records under load).
#[btf_tracepoint(function = "fib_table_lookup")]
pub fn calibrate_record(_ctx: BtfTracePointContext) -> i32 {
    const BPF_RB_NO_WAKEUP: u64 = 1;
    if let Some(mut entry) = CALIBRATION_RECORDS.reserve::<RouteEvent>(0) {
        // SAFETY: a reservation starts 8-aligned and with room for a `RouteEvent`, which
        // starts with the record kind.
        unsafe {
            entry
                .as_mut_ptr()
                .cast::<u32>()
                .write(EventKind::Route as u32)
        };
        entry.submit(BPF_RB_NO_WAKEUP);
    }
    0
}
