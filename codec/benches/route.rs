//! Routing-message decoding against its floor: the checked header view against a raw
//! `read_unaligned` of a `#[repr(C)]` mirror of the C struct (libc's BSD structs do not exist
//! on Linux), and the sockaddr walk against a hand-written loop over the same bytes.

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};

use criterion::{criterion_group, criterion_main, Criterion};
use sockabi::route::{Os, RouteMessage, RtmGetRequest, Sockaddr};

/// FreeBSD's `struct rt_msghdr` with native C types, as the C code would read it.
#[repr(C)]
#[derive(Clone, Copy)]
struct FreeBsdRtMsghdr {
    rtm_msglen: u16,
    rtm_version: u8,
    rtm_type: u8,
    rtm_index: u16,
    _rtm_spare1: u16,
    rtm_flags: i32,
    rtm_addrs: i32,
    rtm_pid: i32,
    rtm_seq: i32,
    rtm_errno: i32,
    rtm_fmask: i32,
    rtm_inits: u64,
    rtm_rmx: [u64; 14],
}

/// Darwin's `struct rt_msghdr` with native C types.
#[repr(C)]
#[derive(Clone, Copy)]
struct DarwinRtMsghdr {
    rtm_msglen: u16,
    rtm_version: u8,
    rtm_type: u8,
    rtm_index: u16,
    rtm_flags: i32,
    rtm_addrs: i32,
    rtm_pid: i32,
    rtm_seq: i32,
    rtm_errno: i32,
    rtm_use: i32,
    rtm_inits: u32,
    rtm_rmx: [u32; 14],
}

/// A Darwin `RTM_GET` reply: DST, GATEWAY (sockaddr_dl), NETMASK cut to 7 bytes, IFP
/// (sockaddr_dl "en0" with a MAC), IFA.
fn darwin_reply() -> Vec<u8> {
    let dst = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 77));
    let mut msg = RtmGetRequest::new(dst)
        .with_seq(1)
        .to_vec(Os::Darwin)
        .unwrap();
    msg.truncate(92 + 16);
    msg.extend_from_slice(&[20, 18, 4, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    msg.extend_from_slice(&[7, 0, 0, 0, 255, 255, 255, 0]);
    msg.extend_from_slice(&[
        20, 18, 4, 0, 6, 3, 6, 0, b'e', b'n', b'0', 2, 0, 0x5e, 1, 2, 3, 0, 0, 0,
    ]);
    msg.extend_from_slice(&[16, 2, 0, 0, 192, 0, 2, 10, 0, 0, 0, 0, 0, 0, 0, 0]);
    let len = msg.len() as u16;
    msg[..2].copy_from_slice(&len.to_ne_bytes());
    msg[12..16].copy_from_slice(&(0x1i32 | 0x2 | 0x4 | 0x10 | 0x20).to_ne_bytes());
    msg
}

fn freebsd_request() -> Vec<u8> {
    RtmGetRequest::new(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1)))
        .with_ifp(0)
        .to_vec(Os::FreeBsd)
        .unwrap()
}

/// The header fields a caller reads, through the checked view.
fn header_fields(os: Os, bytes: &[u8]) -> i64 {
    match RouteMessage::parse(os, bytes) {
        Ok(msg) => {
            let h = msg.header();
            i64::from(h.rtm_type())
                + i64::from(h.rtm_index())
                + i64::from(h.rtm_flags())
                + i64::from(h.rtm_addrs())
                + i64::from(h.rtm_seq())
                + i64::from(h.rtm_errno())
        }
        Err(_) => -1,
    }
}

/// The same fields through a raw unaligned read of the mirror struct.
fn freebsd_raw(bytes: &[u8]) -> i64 {
    assert!(bytes.len() >= std::mem::size_of::<FreeBsdRtMsghdr>());
    // SAFETY: length checked above; any bit pattern is a valid FreeBsdRtMsghdr.
    let h = unsafe { std::ptr::read_unaligned(bytes.as_ptr().cast::<FreeBsdRtMsghdr>()) };
    i64::from(h.rtm_type)
        + i64::from(h.rtm_index)
        + i64::from(h.rtm_flags)
        + i64::from(h.rtm_addrs)
        + i64::from(h.rtm_seq)
        + i64::from(h.rtm_errno)
}

fn darwin_raw(bytes: &[u8]) -> i64 {
    assert!(bytes.len() >= std::mem::size_of::<DarwinRtMsghdr>());
    // SAFETY: length checked above; any bit pattern is a valid DarwinRtMsghdr.
    let h = unsafe { std::ptr::read_unaligned(bytes.as_ptr().cast::<DarwinRtMsghdr>()) };
    i64::from(h.rtm_type)
        + i64::from(h.rtm_index)
        + i64::from(h.rtm_flags)
        + i64::from(h.rtm_addrs)
        + i64::from(h.rtm_seq)
        + i64::from(h.rtm_errno)
}

/// Walks the addresses with the codec, summing families and IPv4 addresses.
fn walk(os: Os, bytes: &[u8]) -> u64 {
    let Ok(msg) = RouteMessage::parse(os, bytes) else {
        return 0;
    };
    let mut sum = 0u64;
    for (bit, item) in msg.addrs() {
        sum += u64::from(bit.index());
        match item {
            Ok(Sockaddr::Inet(sin)) => sum += u64::from(sin.sin_addr.s_addr.get()),
            Ok(Sockaddr::Netmask(mask)) => sum += u64::from(u32::from(mask)),
            Ok(Sockaddr::Link(link)) => sum += u64::from(link.index()) + link.name().len() as u64,
            Ok(_) => sum += 1,
            Err(_) => return sum,
        }
    }
    sum
}

/// The same walk by hand, as C does it: no checks beyond staying in the buffer.
fn walk_raw(bytes: &[u8]) -> u64 {
    let addrs = i32::from_ne_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]) as u32;
    let mut at = 92;
    let mut sum = 0u64;
    for i in 0..8u32 {
        if addrs & (1 << i) == 0 {
            continue;
        }
        let sa_len = usize::from(bytes[at]);
        sum += u64::from(i);
        match (i, bytes[at + 1]) {
            (2, _) => {
                let mut m = [0u8; 4];
                for (k, o) in m.iter_mut().enumerate() {
                    if 4 + k < sa_len {
                        *o = bytes[at + 4 + k];
                    }
                }
                sum += u64::from(u32::from_be_bytes(m));
            }
            (_, 2) => {
                sum += u64::from(u32::from_be_bytes([
                    bytes[at + 4],
                    bytes[at + 5],
                    bytes[at + 6],
                    bytes[at + 7],
                ]))
            }
            (_, 18) => {
                sum += u64::from(u16::from_ne_bytes([bytes[at + 2], bytes[at + 3]]))
                    + u64::from(bytes[at + 5])
            }
            _ => sum += 1,
        }
        at += if sa_len == 0 {
            4
        } else {
            1 + ((sa_len - 1) | 3)
        };
    }
    sum
}

fn bench(c: &mut Criterion) {
    let freebsd = freebsd_request();
    let darwin = darwin_reply();
    assert_eq!(
        walk(Os::Darwin, &darwin),
        walk_raw(&darwin),
        "the two walks must agree"
    );
    assert_eq!(header_fields(Os::Darwin, &darwin), darwin_raw(&darwin));
    assert_eq!(header_fields(Os::FreeBsd, &freebsd), freebsd_raw(&freebsd));

    let mut group = c.benchmark_group("route");
    group.bench_function("header decode FreeBSD", |b| {
        b.iter(|| header_fields(Os::FreeBsd, black_box(&freebsd)))
    });
    group.bench_function("header read_unaligned FreeBSD", |b| {
        b.iter(|| freebsd_raw(black_box(&freebsd)))
    });
    group.bench_function("header decode Darwin", |b| {
        b.iter(|| header_fields(Os::Darwin, black_box(&darwin)))
    });
    group.bench_function("header read_unaligned Darwin", |b| {
        b.iter(|| darwin_raw(black_box(&darwin)))
    });
    group.bench_function("sockaddr walk Darwin reply", |b| {
        b.iter(|| walk(Os::Darwin, black_box(&darwin)))
    });
    group.bench_function("sockaddr raw loop Darwin reply", |b| {
        b.iter(|| walk_raw(black_box(&darwin)))
    });
    group.finish();

    let rows = [
        common::measure(
            "header decode FreeBSD",
            || header_fields(Os::FreeBsd, black_box(&freebsd)),
            || freebsd_raw(black_box(&freebsd)),
        ),
        common::measure(
            "header decode Darwin",
            || header_fields(Os::Darwin, black_box(&darwin)),
            || darwin_raw(black_box(&darwin)),
        ),
        common::measure(
            "sockaddr walk Darwin reply (5 addrs)",
            || walk(Os::Darwin, black_box(&darwin)),
            || walk_raw(black_box(&darwin)),
        ),
    ];
    common::print_table("route", &rows, Some(1.2));
}

criterion_group!(benches, bench);
criterion_main!(benches);
