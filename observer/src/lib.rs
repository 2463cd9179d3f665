//! bindscope: which interface will this socket use, and why?
//!
//! The library behind the `bindscope` command: it loads the eBPF programs that trace socket
//! pinning (`setsockopt`), netdevice ioctls, per-packet control data and every IPv4 FIB lookup
//! ([`Tracer`]), decodes the raw records with `sockabi` and enriches them ([`decode`]: names in
//! the namespace whose FIB was consulted), groups multi-table route lookups into decisions
//! ([`route`]), names the policy rule behind each table lookup ([`policy`]: rtnetlink rule
//! lists and the kernel's rule walk), and formats them ([`output`]). [`routes`] shows a
//! namespace's routing tables as route(8) does. The regression suite in `tests/` uses it to
//! assert on what was traced.

mod attribution;
mod btf;
pub mod config;
pub mod container;
pub mod decode;
mod errno;
mod error;
pub mod explain;
mod intern;
pub mod metrics;
pub mod name;
mod ndjson;
pub mod netns;
pub mod output;
pub mod policy;
mod ring;
pub mod route;
mod route6_hooks;
pub mod routes;
pub mod stream;
mod tracefs;
mod tracer;

pub use config::{Cidr, Config, EventSet, Filter, Ipv4Cidr, Ipv6Cidr, NetnsSpec};
pub use decode::{Decoder, Report};
pub use error::Error;
pub use tracer::{loaded_program_ids, FlowFields, RouteHook, Tracer};
