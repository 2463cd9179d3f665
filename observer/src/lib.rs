//! bindscope: which interface will this socket use, and why?
//!
//! The library behind the `bindscope` command, in rooms that follow the data flow
//! (hook → record → ring → decode → enrich → sink); each room's `//!` says what it owns and
//! what it may use, and no module imports from one that imports it back (`cargo xtask
//! layers` checks):
//!
//! - [`trace`]: the kernel side: what to trace ([`trace::config`]), loading and attaching the
//!   eBPF programs with this kernel's layouts (BTF, tracefs), and reading the ring buffer
//!   ([`Tracer`]).
//! - [`decode`]: raw records to reports, with `sockabi`; [`route`] groups the FIB table
//!   lookups of one decision.
//! - [`enrich`]: names in the namespace of the event (interfaces, namespaces, containers,
//!   errnos, tables), cached as names, never as handles.
//! - [`policy`]: the policy rules behind each table lookup (rtnetlink rule lists and the
//!   kernel's rule walk).
//! - [`output`]: the sinks: the table, NDJSON and Prometheus metrics.
//! - [`stream`]: the event loop that joins them, and [`commands`]: what `trace` and `serve`
//!   run once their arguments are parsed.
//! - [`explain`] walks one decision before any traffic; [`routes`] shows a namespace's
//!   tables as route(8) does.
//! - [`sys`]: the host's facts every room may use (the clock, namespaces, C strings).
//!
//! The regression suite in `tests/` uses it to assert on what was traced.

pub mod commands;
pub mod decode;
pub mod enrich;
mod error;
pub mod escape;
pub mod explain;
pub mod output;
pub mod policy;
pub mod route;
pub mod routes;
pub mod stream;
pub mod sys;
pub mod trace;

pub use decode::{Decoder, Report};
pub use error::Error;
pub use trace::config::{Cidr, Config, EventSet, Filter, Ipv4Cidr, Ipv6Cidr, NetnsSpec};
pub use trace::{
    loaded_link_ids, loaded_map_ids, loaded_program_ids, FlowFields, RouteHook, Tracer,
};
