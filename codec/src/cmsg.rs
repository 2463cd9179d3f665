//! TODO: cmsg
