//! TODO: mreq
