//! The ring buffer's reader: records are read in place, and the consumer position is published
//! once per run of records instead of once per record.
//!
//! A BPF ring buffer's fd maps as one read-write page holding the consumer position, then one
//! read-only page holding the producer position, then the data pages, mapped twice in a row so
//! that a record that wraps around the end reads as one slice (kernel/bpf/ringbuf.c). Each
//! record starts with an 8-byte header whose first word is its length with two flags: busy (the
//! producer has reserved it and not yet committed it) and discarded. The producer checks the
//! consumer position on every reservation to know how much room is left.
//!
//! aya's reader stores the consumer position after every record. That store is to the cache
//! line the producer reads on its next reservation, on another CPU, so every record cost a
//! cache-line transfer each way; under load it was the largest single cost of bindscope's
//! user space. Here the position is stored every [`PUBLISH_EVERY`] records and at the end of
//! each drain: the producer sees the room freed a few kilobytes late, out of megabytes.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// `BPF_RINGBUF_BUSY_BIT`: reserved, not yet committed.
const BUSY: u32 = 1 << 31;
/// `BPF_RINGBUF_DISCARD_BIT`: committed as discarded, to be skipped.
const DISCARD: u32 = 1 << 30;
/// `BPF_RINGBUF_HDR_SZ`.
const HEADER: usize = 8;
/// Records read between two stores of the consumer position.
const PUBLISH_EVERY: usize = 64;

/// A reader of one BPF ring buffer, over its own mappings of the map's fd.
pub struct RingReader {
    /// The consumer position's page (read-write).
    consumer: Mapping,
    /// The producer position's page, then the data pages twice (read-only).
    producer: Mapping,
    /// Where the data starts in `producer`.
    data_offset: usize,
    /// The ring's size minus one (the size is a power of two).
    mask: usize,
    /// The consumer position: bytes consumed since the ring was made.
    position: u64,
}

impl RingReader {
    /// Maps the ring buffer `fd` of `size` bytes and starts at its current consumer position.
    pub fn new(fd: BorrowedFd<'_>, size: u32) -> io::Result<RingReader> {
        // SAFETY: sysconf has no preconditions.
        let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) })
            .map_err(|_| io::Error::other("no page size"))?;
        let size = usize::try_from(size).map_err(io::Error::other)?;
        if !size.is_power_of_two() {
            return Err(io::Error::other("a ring buffer's size is a power of two"));
        }
        let consumer = Mapping::new(fd, page, libc::PROT_READ | libc::PROT_WRITE, 0)?;
        let producer = Mapping::new(fd, page + 2 * size, libc::PROT_READ, page)?;
        let mut reader = RingReader {
            consumer,
            producer,
            data_offset: page,
            mask: size - 1,
            position: 0,
        };
        reader.position = reader.consumer_position().load(Ordering::Acquire);
        Ok(reader)
    }

    fn consumer_position(&self) -> &AtomicU64 {
        // SAFETY: the consumer page starts with the 8-byte aligned consumer position, which
        // lives as long as the mapping, that is as long as `self`.
        unsafe { &*self.consumer.base.cast::<AtomicU64>() }
    }

    fn producer_position(&self) -> u64 {
        // SAFETY: as for the consumer position, in the producer page; the kernel stores it
        // with release order after the record's header.
        unsafe { &*self.producer.base.cast::<AtomicU64>() }.load(Ordering::Acquire)
    }

    /// Hands `each` the committed records in order, at most `max` of them, and returns how
    /// many it handed. Stops at a record still being written (the next drain takes it).
    pub fn drain(&mut self, max: usize, mut each: impl FnMut(&[u8])) -> usize {
        let mut count = 0;
        let mut unpublished = 0;
        let mut producer = self.producer_position();
        while count < max {
            if self.position == producer {
                producer = self.producer_position();
                if self.position == producer {
                    break;
                }
            }
            // Positions are byte counts that the kernel masks the same way.
            let offset = (self.position as usize & self.mask) + self.data_offset;
            // SAFETY: `offset` is inside the first copy of the data pages, and a record's
            // header is 8-byte aligned; the header word is written atomically by the kernel,
            // and with release order when it is committed.
            let header = unsafe { &*self.producer.base.add(offset).cast::<AtomicU32>() }
                .load(Ordering::Acquire);
            if header & BUSY != 0 {
                break;
            }
            let len = (header & !(BUSY | DISCARD)) as usize;
            if len > self.mask {
                // Not a record the kernel writes; nothing after it can be trusted.
                log::warn!(
                    "ring buffer record of {len} bytes in a ring of {}",
                    self.mask + 1
                );
                break;
            }
            if header & DISCARD == 0 {
                // SAFETY: the record lies within the doubled data pages (its start is in the
                // first copy and it is shorter than the ring); it is committed, and the
                // kernel does not reuse its bytes before the consumer position passes it,
                // which happens below, after `each` is done with it.
                let record = unsafe {
                    std::slice::from_raw_parts(self.producer.base.add(offset + HEADER), len)
                };
                each(record);
                count += 1;
            }
            self.position += (HEADER + len).next_multiple_of(8) as u64;
            unpublished += 1;
            if unpublished == PUBLISH_EVERY {
                self.publish();
                unpublished = 0;
            }
        }
        if unpublished > 0 {
            self.publish();
        }
        count
    }

    /// Tells the producers that everything up to the position is consumed.
    fn publish(&self) {
        self.consumer_position()
            .store(self.position, Ordering::Release);
    }
}

/// One shared mapping of the map's fd.
struct Mapping {
    base: *mut u8,
    len: usize,
}

// SAFETY: the mapping is plain memory owned by the reader; the reader is used by one thread
// at a time (it needs `&mut self` to read).
unsafe impl Send for Mapping {}

impl Mapping {
    fn new(fd: BorrowedFd<'_>, len: usize, protection: i32, offset: usize) -> io::Result<Self> {
        let offset = libc::off_t::try_from(offset).map_err(io::Error::other)?;
        // SAFETY: a new shared mapping of the map's fd; the kernel checks the fd, the range
        // and the protection (only the consumer page may be writable).
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                protection,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                offset,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Mapping {
            base: base.cast(),
            len,
        })
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once.
        unsafe { libc::munmap(self.base.cast(), self.len) };
    }
}
