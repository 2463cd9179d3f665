//! The clock the kernel side stamps records with.
//!
//! `bpf_ktime_get_ns` reads `CLOCK_MONOTONIC`; user space compares event times with "now"
//! (idle route decisions, the age of cached names, rule histories), so it reads the same
//! clock.

/// The monotonic clock `bpf_ktime_get_ns` uses.
pub fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    (ts.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(ts.tv_nsec as u64)
}
