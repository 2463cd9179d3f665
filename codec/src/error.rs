//! The one error type of the codec: small, `Copy`, and specific about what was wrong.

use core::fmt;

/// What went wrong while viewing, decoding or emitting a structure.
///
/// Every variant names the structure or field (`what`) so that a message such as
/// "ip_mreqn: truncated: needed 12 bytes, got 8" can be shown to a user as is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// The input is shorter than the structure.
    Truncated {
        /// The structure or field being read.
        what: &'static str,
        /// Bytes the structure needs.
        needed: usize,
        /// Bytes that were available.
        got: usize,
    },
    /// A length the kernel would reject (for example an `optlen` that is not one of the sizes
    /// a socket option accepts).
    BadLength {
        /// The structure or option.
        what: &'static str,
        /// The length that was given.
        len: usize,
    },
    /// A length field inside the data (`cmsg_len`, `rtm_msglen`, `sa_len`, `ifc_len`) that is
    /// smaller than its own header or runs past the end of the buffer.
    BadHeaderLength {
        /// The structure whose length field is wrong.
        what: &'static str,
        /// The value of the length field.
        len: usize,
        /// Bytes actually available from the structure's start.
        available: usize,
    },
    /// An address family other than the one the structure requires.
    BadFamily {
        /// The structure.
        what: &'static str,
        /// The family that was found.
        family: u16,
    },
    /// A value outside the set the kernel accepts (an invalid interface name, an unknown
    /// PMTU discovery mode, a non-multicast group address, ...).
    Invalid {
        /// The structure or field.
        what: &'static str,
        /// Why it is invalid, in a few words.
        reason: &'static str,
    },
    /// An output buffer too small to emit into.
    BufferTooSmall {
        /// The structure being emitted.
        what: &'static str,
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        got: usize,
    },
}

/// `core::result::Result` with this crate's [`Error`].
pub type Result<T> = core::result::Result<T, Error>;

impl Error {
    /// Shorthand for [`Error::Truncated`].
    pub const fn truncated(what: &'static str, needed: usize, got: usize) -> Self {
        Error::Truncated { what, needed, got }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Truncated { what, needed, got } => {
                write!(f, "{what}: truncated: needed {needed} bytes, got {got}")
            }
            Error::BadLength { what, len } => {
                write!(f, "{what}: length {len} is not one the kernel accepts")
            }
            Error::BadHeaderLength { what, len, available } => write!(
                f,
                "{what}: length field says {len} bytes, but {available} are available or the header needs more"
            ),
            Error::BadFamily { what, family } => {
                write!(f, "{what}: unexpected address family {family}")
            }
            Error::Invalid { what, reason } => write!(f, "{what}: {reason}"),
            Error::BufferTooSmall { what, needed, got } => {
                write!(f, "{what}: output buffer too small: needed {needed} bytes, got {got}")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}
