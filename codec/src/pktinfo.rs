//! TODO: pktinfo
