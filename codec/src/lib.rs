//! `sockabi`: a zero-copy codec for the socket ABI that decides which interface a socket uses.
//!
//! Every layout here is a `#[repr(C)]` struct deriving `zerocopy` 0.8 traits, with fields named
//! as in C. All multi-byte fields use `zerocopy::byteorder` types, so every struct has alignment
//! 1 and can be viewed in place at any offset of any `&[u8]`: parsing never copies, never
//! allocates, and never panics. Failures are a small [`Error`] that says what was wrong.
//!
//! Host-order fields use [`zerocopy::byteorder::NativeEndian`] (the Linux ABI of the machine
//! that produced the bytes; Linux x86_64 and eBPF are little-endian), network-order fields use
//! [`zerocopy::byteorder::NetworkEndian`].
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod addr;
pub mod cmsg;
mod error;
pub mod event;
pub mod exterr;
pub mod group;
pub mod ifname;
pub mod ifreq;
pub mod mreq;
pub mod msfilter;
pub mod mtuinfo;
pub mod pktinfo;
pub mod route;
pub mod sockopt;
pub mod text;

pub use addr::{In6Addr, InAddr, SockaddrIn, SockaddrIn6, SockaddrStorage};
pub use error::{Error, Result};
pub use ifname::{IfName, IFNAMSIZ};

/// The README's examples, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
