//! The host's facts that every room may use: the clock the kernel stamps records with,
//! network namespaces (find, enter, ask, and when one ends), C strings. Nothing here knows bindscope's own types
//! or keeps a handle: it uses no other room.

pub mod clock;
pub mod cstr;
pub mod netns;
pub mod netns_end;
