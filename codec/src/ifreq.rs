//! TODO: ifreq
