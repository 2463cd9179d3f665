//! bindscope: which interface will this socket use, and why?
//!
//! The library behind the `bindscope` command: it loads the eBPF programs that trace socket
//! pinning (`setsockopt`), netdevice ioctls, per-packet control data and every IPv4 FIB lookup
//! ([`Tracer`]), decodes the raw records with `sockabi` and enriches them ([`decode`]), groups
//! multi-table route lookups into decisions ([`route`]), and formats them ([`output`]).
//! The regression suite in `tests/` uses it to assert on what was traced.

mod btf;
pub mod config;
pub mod decode;
mod errno;
mod error;
mod ndjson;
pub mod netns;
pub mod output;
pub mod policy;
pub mod route;
pub mod routes;
pub mod stream;
mod tracefs;
mod tracer;

pub use config::{Config, EventSet, Filter, Ipv4Cidr, NetnsSpec};
pub use decode::{Decoder, Report};
pub use error::Error;
pub use tracer::{loaded_program_ids, FlowFields, RouteHook, Tracer};
