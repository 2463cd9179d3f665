//! Netdevice codec speed: `decode` of a captured `ifreq` and the `SIOCGIFCONF` walk, each
//! against a raw `read_unaligned` of the libc struct doing the same work (criterion report,
//! then the interleaved ratio table).

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;
use std::mem::size_of;

use criterion::Criterion;
use zerocopy::IntoBytes;

use sockabi::ifreq::{self, records, Ifreq, IfreqValue, Sockaddr};
use sockabi::IfName;

/// A captured `SIOCGIFINDEX` answer.
fn index_bytes() -> Vec<u8> {
    let mut req = Ifreq::with_name(IfName::new("veth-client0").unwrap());
    req.set_ifindex(42);
    req.as_bytes().to_vec()
}

/// A captured `SIOCGIFADDR` answer.
fn addr_bytes() -> Vec<u8> {
    let mut req = Ifreq::with_name(IfName::new("eth0").unwrap());
    req.set_sockaddr(Sockaddr::from(std::net::Ipv4Addr::new(192, 0, 2, 1)));
    req.as_bytes().to_vec()
}

/// A `SIOCGIFCONF` buffer of 32 records.
fn ifconf_bytes() -> Vec<u8> {
    (0u8..32)
        .flat_map(|i| {
            let mut req = Ifreq::with_name(IfName::new(&format!("eth{i}")).unwrap());
            req.set_sockaddr(Sockaddr::from(std::net::Ipv4Addr::new(198, 51, 100, i)));
            req.as_bytes().to_vec()
        })
        .collect()
}

/// Both sides produce the same thing: the name (bytes before the NUL, zero-padded, as the
/// kernel reads `ifr_name`) and the member's value.
type Name = [u8; 16];

fn decode_index(bytes: &[u8]) -> (Name, i32) {
    match ifreq::decode(ifreq::SIOCGIFINDEX, bytes) {
        Ok(d) => match d.value {
            IfreqValue::Index(i) => (d.name.unwrap_or_default().to_c_buffer(), i),
            _ => ([0; 16], -1),
        },
        Err(_) => ([0; 16], -1),
    }
}

/// What C code does with `ifr_name`: `strnlen` within the 15 usable bytes, then copy.
fn raw_name(ifr: &libc::ifreq) -> Name {
    let len = ifr.ifr_name[..15]
        .iter()
        .position(|&c| c == 0)
        .unwrap_or(15);
    let mut name = [0u8; 16];
    for (dst, src) in name.iter_mut().zip(&ifr.ifr_name[..len]) {
        *dst = *src as u8;
    }
    name
}

/// The floor: read the libc struct, take the name, read the member.
fn raw_index(bytes: &[u8]) -> (Name, i32) {
    assert!(bytes.len() >= size_of::<libc::ifreq>());
    // SAFETY: the length is checked; read_unaligned has no alignment requirement.
    let ifr: libc::ifreq = unsafe { std::ptr::read_unaligned(bytes.as_ptr().cast()) };
    // SAFETY: the union member SIOCGIFINDEX answers in.
    (raw_name(&ifr), unsafe { ifr.ifr_ifru.ifru_ifindex })
}

fn decode_addr(bytes: &[u8]) -> (Name, u32) {
    match ifreq::decode(ifreq::SIOCGIFADDR, bytes) {
        Ok(d) => match d.value {
            IfreqValue::Addr(sa) => (
                d.name.unwrap_or_default().to_c_buffer(),
                sa.ipv4().map_or(0, u32::from),
            ),
            _ => ([0; 16], 0),
        },
        Err(_) => ([0; 16], 0),
    }
}

fn raw_addr(bytes: &[u8]) -> (Name, u32) {
    assert!(bytes.len() >= size_of::<libc::ifreq>());
    // SAFETY: the length is checked; read_unaligned has no alignment requirement.
    let ifr: libc::ifreq = unsafe { std::ptr::read_unaligned(bytes.as_ptr().cast()) };
    let name = raw_name(&ifr);
    // SAFETY: sockaddr and sockaddr_in have the same size; read_unaligned copies.
    let sin: libc::sockaddr_in =
        unsafe { std::ptr::read_unaligned((&raw const ifr.ifr_ifru.ifru_addr).cast()) };
    if sin.sin_family != libc::AF_INET as libc::sa_family_t {
        return (name, 0);
    }
    (name, u32::from_be(sin.sin_addr.s_addr))
}

fn walk(bytes: &[u8]) -> u32 {
    records(bytes)
        .filter_map(Result::ok)
        .map(|r| r.addr().ipv4().map_or(0, u32::from))
        .fold(0, |acc, a| acc ^ a)
}

/// The floor: a pointer loop over whole records.
fn raw_walk(bytes: &[u8]) -> u32 {
    let n = bytes.len() / size_of::<libc::ifreq>();
    let mut acc = 0;
    for i in 0..n {
        // SAFETY: record `i` lies within `bytes`.
        let ifr: libc::ifreq = unsafe {
            std::ptr::read_unaligned(bytes.as_ptr().add(i * size_of::<libc::ifreq>()).cast())
        };
        // SAFETY: sockaddr and sockaddr_in have the same size.
        let sin: libc::sockaddr_in =
            unsafe { std::ptr::read_unaligned((&raw const ifr.ifr_ifru.ifru_addr).cast()) };
        if sin.sin_family == libc::AF_INET as libc::sa_family_t {
            acc ^= u32::from_be(sin.sin_addr.s_addr);
        }
    }
    acc
}

fn criterion_benches(c: &mut Criterion, index: &[u8], addr: &[u8], conf: &[u8]) {
    let mut g = c.benchmark_group("ifreq");
    g.bench_function("decode SIOCGIFINDEX", |b| {
        b.iter(|| decode_index(black_box(index)))
    });
    g.bench_function("raw SIOCGIFINDEX", |b| {
        b.iter(|| raw_index(black_box(index)))
    });
    g.bench_function("decode SIOCGIFADDR", |b| {
        b.iter(|| decode_addr(black_box(addr)))
    });
    g.bench_function("raw SIOCGIFADDR", |b| b.iter(|| raw_addr(black_box(addr))));
    g.bench_function("ifconf walk (32 records)", |b| {
        b.iter(|| walk(black_box(conf)))
    });
    g.bench_function("raw ifconf loop (32 records)", |b| {
        b.iter(|| raw_walk(black_box(conf)))
    });
    g.finish();
}

fn main() {
    let (index, addr, conf) = (index_bytes(), addr_bytes(), ifconf_bytes());
    assert_eq!(decode_index(&index), raw_index(&index));
    assert_eq!(decode_addr(&addr), raw_addr(&addr));
    assert_eq!(walk(&conf), raw_walk(&conf));

    let mut c = Criterion::default().configure_from_args();
    criterion_benches(&mut c, &index, &addr, &conf);
    c.final_summary();

    let rows = [
        common::measure(
            "decode SIOCGIFINDEX vs read_unaligned",
            || decode_index(black_box(&index)),
            || raw_index(black_box(&index)),
        ),
        common::measure(
            "decode SIOCGIFADDR vs read_unaligned",
            || decode_addr(black_box(&addr)),
            || raw_addr(black_box(&addr)),
        ),
        common::measure(
            "ifconf walk (32) vs pointer loop",
            || walk(black_box(&conf)),
            || raw_walk(black_box(&conf)),
        ),
    ];
    common::print_table("netdevice codec", &rows, Some(1.2));
}
