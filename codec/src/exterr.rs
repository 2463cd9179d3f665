//! TODO: exterr
