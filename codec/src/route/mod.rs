//! TODO: BSD routing sockets
