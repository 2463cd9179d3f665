//! Enrichment: what a raw record's numbers and bytes are called. Interface names in the
//! namespace of the event ([`netns`]), namespaces' names, containers and pods from cgroups
//! ([`container`], [`attribution`]), errno and routing-table names ([`errno`], [`tables`]),
//! and the interning that makes a repeated name cost nothing ([`name`], [`intern`]).
//!
//! Names are cached, never handles: nothing here keeps a socket or a namespace file open
//! across events. May use the host's facts (`crate::sys`); knows nothing of records,
//! decisions or sinks.

pub(crate) mod attribution;
pub mod container;
pub mod errno;
pub(crate) mod intern;
pub mod name;
pub mod netns;
pub mod tables;
