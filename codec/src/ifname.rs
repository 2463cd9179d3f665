//! Interface names (`char ifr_name[IFNAMSIZ]`), validated as the kernel's `dev_valid_name` does.

use crate::{Error, Result};

/// `IFNAMSIZ`: the size of an interface-name buffer, NUL included (so names have at most 15 bytes).
pub const IFNAMSIZ: usize = 16;

/// An interface name of 1 to 15 bytes, stored inline (no allocation).
///
/// Built from a buffer with or without a terminating NUL: the name ends at the first NUL or at
/// the end of the buffer, whichever comes first.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct IfName {
    bytes: [u8; IFNAMSIZ],
    len: u8,
}

impl IfName {
    /// Reads a name from `buf` (up to the first NUL, at most `IFNAMSIZ` bytes are looked at) and
    /// checks it the way `dev_valid_name` does.
    pub fn from_bytes(buf: &[u8]) -> Result<Self> {
        let window = &buf[..buf.len().min(IFNAMSIZ)];
        let len = window.iter().position(|&b| b == 0).unwrap_or(window.len());
        let name = &window[..len];
        validate(name)?;
        let mut bytes = [0u8; IFNAMSIZ];
        bytes[..len].copy_from_slice(name);
        Ok(IfName {
            bytes,
            len: len as u8,
        })
    }

    /// The name's bytes, without NUL.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The name as text, if it is UTF-8 (the kernel does not require it).
    pub fn as_str(&self) -> Option<&str> {
        core::str::from_utf8(self.as_bytes()).ok()
    }

    /// The NUL-padded `IFNAMSIZ` buffer, as C code expects it.
    pub fn to_c_buffer(&self) -> [u8; IFNAMSIZ] {
        self.bytes
    }
}

/// The kernel's `dev_valid_name`: 1 to 15 bytes, not "." or "..", no '/', ':' or white space.
fn validate(name: &[u8]) -> Result<()> {
    let what = "interface name";
    if name.is_empty() {
        return Err(Error::Invalid {
            what,
            reason: "empty",
        });
    }
    if name.len() >= IFNAMSIZ {
        return Err(Error::Invalid {
            what,
            reason: "longer than 15 bytes (IFNAMSIZ - 1)",
        });
    }
    if name == b"." || name == b".." {
        return Err(Error::Invalid {
            what,
            reason: "\".\" and \"..\" are not allowed",
        });
    }
    if name
        .iter()
        .any(|&b| b == b'/' || b == b':' || b.is_ascii_whitespace())
    {
        return Err(Error::Invalid {
            what,
            reason: "contains '/', ':' or white space",
        });
    }
    Ok(())
}

impl core::fmt::Debug for IfName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "IfName({:?})",
            self.as_bytes().escape_ascii().collect::<FmtBuf>()
        )
    }
}

impl core::fmt::Display for IfName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for c in self.as_bytes().escape_ascii() {
            core::fmt::Write::write_char(f, char::from(c))?;
        }
        Ok(())
    }
}

/// A tiny collector so `Debug` can show escaped bytes without allocating.
struct FmtBuf([u8; 64], usize);

impl FromIterator<u8> for FmtBuf {
    fn from_iter<I: IntoIterator<Item = u8>>(iter: I) -> Self {
        let mut buf = FmtBuf([0; 64], 0);
        for b in iter.into_iter().take(64) {
            buf.0[buf.1] = b;
            buf.1 += 1;
        }
        buf
    }
}

impl core::fmt::Debug for FmtBuf {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(core::str::from_utf8(&self.0[..self.1]).unwrap_or("?"))
    }
}
