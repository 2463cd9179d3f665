//! The ring buffer's fill level, read from its consumer and producer positions.
//!
//! A BPF ring buffer's fd maps, read-only, as the consumer position page, then the producer
//! position page (kernel/bpf/ringbuf.c: `ringbuf_map_mmap_kern` refuses only writable
//! mappings beyond the consumer page). The bytes waiting are the difference of the two
//! positions; reading them costs two loads, no system call.

use std::os::fd::{AsRawFd, BorrowedFd};
use std::sync::atomic::{AtomicU64, Ordering};

/// A read-only mapping of a ring buffer's two position pages.
pub struct RingLevel {
    base: *mut libc::c_void,
    page: usize,
    size: u64,
}

// SAFETY: the mapping is read-only and only read through atomic loads.
unsafe impl Send for RingLevel {}

impl RingLevel {
    /// Maps the positions of the ring buffer `fd` of `size` bytes.
    pub fn new(fd: BorrowedFd<'_>, size: u32) -> std::io::Result<RingLevel> {
        // SAFETY: sysconf has no preconditions.
        let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) })
            .map_err(|_| std::io::Error::other("no page size"))?;
        // SAFETY: a new shared read-only mapping of two pages of the map's fd; the kernel
        // checks the fd and the range.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                2 * page,
                libc::PROT_READ,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(RingLevel {
            base,
            page,
            size: u64::from(size),
        })
    }

    /// The ring's size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Bytes of records the producers have written and the reader not yet consumed.
    pub fn used(&self) -> u64 {
        // SAFETY: both positions are 8-byte aligned u64s at the start of the two mapped
        // pages, which live as long as `self`; the kernel and the reader update them
        // atomically.
        let (consumer, producer) = unsafe {
            (
                (*self.base.cast::<AtomicU64>()).load(Ordering::Acquire),
                (*self.base.cast::<u8>().add(self.page).cast::<AtomicU64>())
                    .load(Ordering::Acquire),
            )
        };
        producer.saturating_sub(consumer).min(self.size)
    }
}

impl Drop for RingLevel {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once.
        unsafe { libc::munmap(self.base, 2 * self.page) };
    }
}
