//! Sinks: where reports go once decoded and enriched. The aligned human table
//! ([`table`]: strace meets `ip route get`), NDJSON ([`ndjson`]) and the Prometheus counters
//! ([`metrics`]) are all a [`Sink`]; the event loop (`crate::stream`) feeds them.
//!
//! May use: the reports (`crate::decode`, `crate::route`), names (`crate::enrich`) and the
//! host's facts (`crate::sys`). Nothing here reaches back into the tracer or the loop.

pub mod json;
pub mod metrics;
pub(crate) mod ndjson;
pub mod sink;
pub mod table;

pub use json::Json;
pub use sink::{Both, Sink, Summary};
pub use table::{describe, Human, Palette};
