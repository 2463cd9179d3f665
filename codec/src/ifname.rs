//! Interface names (`char ifr_name[IFNAMSIZ]`), validated as the kernel's `dev_valid_name` does.
//!
//! Two types:
//! - [`IfName`]: a name the kernel would accept for a device (`dev_valid_name` in
//!   `net/core/dev.c`). Use it to build requests and wherever a real device name is meant.
//! - [`RawIfName`]: an `ifr_name`-style field exactly as the kernel reads it, not validated.
//!   Decoders use it, because what a caller passes (or what `SIOCGIFCONF` reports as an IPv4
//!   address label, such as `eth0:1`) need not be a valid device name, and an observer must
//!   still show it.

use core::cmp::Ordering;
use core::fmt;

use crate::text::Escaped;
use crate::{Error, Result};

/// `IFNAMSIZ`: the size of an interface-name buffer, NUL included (so names have at most 15 bytes).
pub const IFNAMSIZ: usize = 16;

const WHAT: &str = "interface name";

/// An interface name of 1 to 15 bytes that the kernel's `dev_valid_name` accepts, stored inline
/// (no allocation).
///
/// The rules, as in `net/core/dev.c`: not empty; shorter than `IFNAMSIZ` (so 15 bytes at most);
/// not `"."` or `".."`; no `'/'`, no `':'` and no byte the kernel's `isspace` accepts. The
/// kernel's `isspace` (lib/ctype.c) is true for `' '`, `\t`, `\n`, `\v` (0x0b), `\f`, `\r` and
/// also for 0xa0 (Latin-1 no-break space); [`u8::is_ascii_whitespace`] misses both `\v` and
/// 0xa0. Other bytes, UTF-8 or not, are allowed; a `'%'` is a valid name too (the kernel uses
/// it as a pattern, `eth%d`, when creating devices).
///
/// ```
/// use sockabi::IfName;
///
/// let lo = IfName::new("lo")?;
/// assert_eq!(lo.as_bytes(), b"lo");
/// assert_eq!(lo.to_c_buffer(), *b"lo\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
/// assert!(IfName::new("eth0:1").is_err()); // an address label, not a device name
/// assert!("a\u{b}b".parse::<IfName>().is_err()); // \v is white space for the kernel
/// # Ok::<(), sockabi::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct IfName {
    /// The name, NUL-padded to `IFNAMSIZ` (bytes after `len` are always zero).
    bytes: [u8; IFNAMSIZ],
    len: u8,
}

impl IfName {
    /// Checks `name` as the kernel's `dev_valid_name` does. Unlike [`IfName::from_bytes`], a
    /// NUL inside `name` is an error rather than the end of the name, because a `&str` that
    /// holds one is almost certainly a mistake.
    ///
    /// ```
    /// use sockabi::IfName;
    /// assert_eq!(IfName::new("veth-a")?.as_str(), Some("veth-a"));
    /// assert!(IfName::new("").is_err());
    /// assert!(IfName::new("sixteen-bytes-xx").is_err());
    /// assert!(IfName::new("lo\0").is_err());
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    pub fn new(name: &str) -> Result<Self> {
        if name.as_bytes().contains(&0) {
            return Err(Error::Invalid {
                what: WHAT,
                reason: "contains a NUL byte",
            });
        }
        Self::from_bytes(name.as_bytes())
    }

    /// Reads a name from a C buffer `buf`, with or without a terminating NUL (the name ends at
    /// the first NUL or at the end of `buf`), and checks it the way `dev_valid_name` does.
    ///
    /// Only the first `IFNAMSIZ` bytes are looked at: like the kernel's `strnlen(name,
    /// IFNAMSIZ) == IFNAMSIZ` test, 16 bytes without a NUL are too long.
    ///
    /// ```
    /// use sockabi::IfName;
    /// assert_eq!(IfName::from_bytes(b"eth0\0garbage")?.as_bytes(), b"eth0");
    /// assert_eq!(IfName::from_bytes(b"eth0")?.as_bytes(), b"eth0");
    /// assert!(IfName::from_bytes(b"0123456789abcdef").is_err());
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    pub fn from_bytes(buf: &[u8]) -> Result<Self> {
        let raw = RawIfName::from_window(buf, IFNAMSIZ);
        validate(raw.as_bytes())?;
        Ok(IfName {
            bytes: raw.bytes,
            len: raw.len,
        })
    }

    /// The name's bytes, without NUL.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// The name as text, if it is UTF-8 (the kernel does not require it).
    pub fn as_str(&self) -> Option<&str> {
        core::str::from_utf8(self.as_bytes()).ok()
    }

    /// The NUL-padded `IFNAMSIZ` buffer, as C code expects it in `ifr_name`.
    pub fn to_c_buffer(&self) -> [u8; IFNAMSIZ] {
        self.bytes
    }
}

/// The kernel's `dev_valid_name`, one error reason per rule.
fn validate(name: &[u8]) -> Result<()> {
    let invalid = |reason| Err(Error::Invalid { what: WHAT, reason });
    if name.is_empty() {
        return invalid("empty");
    }
    if name.len() >= IFNAMSIZ {
        return invalid("longer than 15 bytes (IFNAMSIZ - 1)");
    }
    if name == b"." || name == b".." {
        return invalid("\".\" and \"..\" are not allowed");
    }
    if name.contains(&b'/') {
        return invalid("contains '/'");
    }
    if name.contains(&b':') {
        return invalid("contains ':' (an address label, not a device name)");
    }
    if name.iter().any(|&b| kernel_isspace(b)) {
        return invalid("contains white space (the kernel's isspace)");
    }
    Ok(())
}

/// `isspace` of the kernel's `lib/ctype.c` table: `\t \n \v \f \r`, space, and 0xa0.
const fn kernel_isspace(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0xa0)
}

impl core::str::FromStr for IfName {
    type Err = Error;

    /// Same as [`IfName::new`].
    fn from_str(s: &str) -> Result<Self> {
        IfName::new(s)
    }
}

impl TryFrom<&[u8]> for IfName {
    type Error = Error;

    /// Same as [`IfName::from_bytes`] (a C buffer, NUL-terminated or not).
    fn try_from(buf: &[u8]) -> Result<Self> {
        IfName::from_bytes(buf)
    }
}

impl AsRef<[u8]> for IfName {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Ord for IfName {
    /// Byte-wise order of the names (as `strcmp` orders them).
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl PartialOrd for IfName {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for IfName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IfName(\"{}\")", Escaped(self.as_bytes()))
    }
}

impl fmt::Display for IfName {
    /// The name by [`crate::text`]'s rule: control bytes, invalid UTF-8 and `\` escaped
    /// (`\x1b`, `\\`), text as it is.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&Escaped(self.as_bytes()), f)
    }
}

/// An `ifr_name`-style field as the kernel reads it: the bytes before the first NUL, at most
/// 15 (the kernel sets `ifr_name[IFNAMSIZ - 1] = 0` before it looks at a request), and **not**
/// validated.
///
/// A decoder reports this rather than an [`IfName`] because the bytes come from a caller (who
/// may pass anything, and gets `ENODEV`) or from `SIOCGIFCONF`, whose `ifr_name` is the IPv4
/// address label (`eth0:1` for an alias), which `dev_valid_name` would reject. For a request,
/// the kernel looks the device up by the part before the first `':'`
/// ([`RawIfName::device`]).
///
/// ```
/// use sockabi::ifname::RawIfName;
///
/// let label = RawIfName::from_field(b"eth0:1\0\0\0\0\0\0\0\0\0\0");
/// assert_eq!(label.as_bytes(), b"eth0:1");
/// assert!(label.to_if_name().is_err());
/// assert_eq!(label.device()?.as_bytes(), b"eth0");
/// # Ok::<(), sockabi::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RawIfName {
    /// The name, NUL-padded (bytes after `len` are always zero).
    bytes: [u8; IFNAMSIZ],
    len: u8,
}

impl RawIfName {
    /// The name in a 16-byte `ifr_name` field, read as the kernel reads a request: up to the
    /// first NUL within the first 15 bytes (byte 15 is ignored, the kernel overwrites it).
    pub fn from_field(field: &[u8; IFNAMSIZ]) -> Self {
        let mut bytes = *field;
        if let Some(last) = bytes.last_mut() {
            *last = 0;
        }
        Self::from_c_buffer(bytes)
    }

    /// The bytes of `buf` before the first NUL, looking at no more than `max` (<= 16) bytes.
    fn from_window(buf: &[u8], max: usize) -> Self {
        let mut bytes = [0u8; IFNAMSIZ];
        let n = buf.len().min(max).min(IFNAMSIZ);
        if let (Some(dst), Some(src)) = (bytes.get_mut(..n), buf.get(..n)) {
            dst.copy_from_slice(src);
        }
        Self::from_c_buffer(bytes)
    }

    /// The name in a 16-byte buffer: the bytes before the first NUL (all 16 if none).
    ///
    /// Decoders call this for every captured request, so it works on the 16 bytes as one
    /// `u128`: no per-byte loop and no branch on the data.
    fn from_c_buffer(bytes: [u8; IFNAMSIZ]) -> Self {
        let word = u128::from_le_bytes(bytes);
        // The classic "has a zero byte" test: the lowest flagged byte is the first NUL
        // (borrows only propagate upwards, past it). 16 when there is none.
        const ONES: u128 = u128::from_le_bytes([0x01; IFNAMSIZ]);
        const HIGHS: u128 = u128::from_le_bytes([0x80; IFNAMSIZ]);
        let flags = word.wrapping_sub(ONES) & !word & HIGHS;
        let len = flags.trailing_zeros() / 8;
        // Keep the bytes before the NUL, clear everything from it on.
        let keep = 1u128.checked_shl(len * 8).map_or(u128::MAX, |bit| bit - 1);
        RawIfName {
            bytes: (word & keep).to_le_bytes(),
            // At most 16, so this always fits.
            len: u8::try_from(len).unwrap_or(0),
        }
    }

    /// The name's bytes, without NUL (possibly empty).
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// Whether the field held no name (first byte NUL).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The whole name as a validated [`IfName`].
    pub fn to_if_name(&self) -> Result<IfName> {
        IfName::from_bytes(self.as_bytes())
    }

    /// The device the kernel looks up for a request: the part before the first `':'` (an
    /// alias label `eth0:1` names device `eth0`), validated as an [`IfName`].
    pub fn device(&self) -> Result<IfName> {
        let bytes = self.as_bytes();
        let device = bytes.split(|&b| b == b':').next().unwrap_or(bytes);
        IfName::from_bytes(device)
    }

    /// The NUL-padded `IFNAMSIZ` buffer, as C code expects it.
    pub fn to_c_buffer(&self) -> [u8; IFNAMSIZ] {
        self.bytes
    }
}

impl From<IfName> for RawIfName {
    fn from(name: IfName) -> Self {
        RawIfName {
            bytes: name.bytes,
            len: name.len,
        }
    }
}

impl fmt::Debug for RawIfName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawIfName(\"{}\")", Escaped(self.as_bytes()))
    }
}

impl fmt::Display for RawIfName {
    /// The bytes by [`crate::text`]'s rule: control bytes, invalid UTF-8 and `\\` escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&Escaped(self.as_bytes()), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(name: &[u8]) -> &'static str {
        match IfName::from_bytes(name) {
            Err(Error::Invalid { what, reason }) => {
                assert_eq!(what, WHAT);
                reason
            }
            other => panic!("{name:?}: expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn accepts_ordinary_names() {
        for name in [
            &b"lo"[..],
            b"eth0",
            b"veth-a_b.1",
            b"x",
            b"...",
            b".a",
            b"eth%d",
            b"\xc3\xa9th0",
            b"\xa1",
            b"0123456789abcde",
        ] {
            let parsed = IfName::from_bytes(name).unwrap();
            assert_eq!(parsed.as_bytes(), name);
        }
    }

    #[test]
    fn rule_empty() {
        assert_eq!(reason(b""), "empty");
        assert_eq!(reason(b"\0eth0"), "empty");
    }

    #[test]
    fn rule_too_long() {
        assert_eq!(
            reason(b"0123456789abcdef"),
            "longer than 15 bytes (IFNAMSIZ - 1)"
        );
        assert_eq!(
            reason(b"0123456789abcdef\0"),
            "longer than 15 bytes (IFNAMSIZ - 1)"
        );
        assert_eq!(
            reason(b"0123456789abcdefgh"),
            "longer than 15 bytes (IFNAMSIZ - 1)"
        );
        // 15 bytes then NUL is the longest valid name.
        assert!(IfName::from_bytes(b"0123456789abcde\0").is_ok());
    }

    #[test]
    fn rule_dot_and_dotdot() {
        assert_eq!(reason(b"."), "\".\" and \"..\" are not allowed");
        assert_eq!(reason(b"..\0"), "\".\" and \"..\" are not allowed");
    }

    #[test]
    fn rule_slash() {
        assert_eq!(reason(b"a/b"), "contains '/'");
        assert_eq!(reason(b"/"), "contains '/'");
    }

    #[test]
    fn rule_colon() {
        assert_eq!(
            reason(b"eth0:1"),
            "contains ':' (an address label, not a device name)"
        );
    }

    #[test]
    fn rule_kernel_isspace() {
        for ws in [b' ', b'\t', b'\n', 0x0b, 0x0c, b'\r', 0xa0] {
            let name = [b'a', ws, b'b'];
            assert_eq!(
                reason(&name),
                "contains white space (the kernel's isspace)",
                "{ws:#x}"
            );
        }
        // \v and 0xa0 are what is_ascii_whitespace misses.
        assert!(!0x0bu8.is_ascii_whitespace());
        assert!(!0xa0u8.is_ascii_whitespace());
        // Other control bytes and high bytes are fine for the kernel.
        assert!(IfName::from_bytes(b"a\x01b\x7f\x85").is_ok());
    }

    #[test]
    fn nul_ends_a_buffer_but_not_a_str() {
        assert_eq!(IfName::from_bytes(b"lo\0x").unwrap().as_bytes(), b"lo");
        assert_eq!(
            IfName::new("lo\0x"),
            Err(Error::Invalid {
                what: WHAT,
                reason: "contains a NUL byte"
            })
        );
    }

    #[test]
    fn conversions() {
        let a: IfName = "eth1".parse().unwrap();
        let b = IfName::try_from(&b"eth1\0\0"[..]).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), Some("eth1"));
        assert_eq!(IfName::new("\u{e9}").unwrap().as_str(), Some("\u{e9}"));
        assert_eq!(IfName::from_bytes(b"\xff").unwrap().as_str(), None);
        assert_eq!(a.to_c_buffer()[..5], *b"eth1\0");
        assert_eq!(a.as_ref(), b"eth1");
    }

    #[test]
    fn order_is_bytewise() {
        let mut names: [IfName; 4] = ["eth10", "eth1", "lo", "eth"].map(|n| n.parse().unwrap());
        names.sort();
        let sorted: [&[u8]; 4] = [b"eth", b"eth1", b"eth10", b"lo"];
        for (n, s) in names.iter().zip(sorted) {
            assert_eq!(n.as_bytes(), s);
        }
    }

    #[test]
    fn display_and_debug_escape() {
        let name = IfName::from_bytes(b"a\xffb\"").unwrap();
        let mut buf = [0u8; 64];
        let mut w = Writer(&mut buf, 0);
        fmt::write(&mut w, format_args!("{name} {name:?}")).unwrap();
        let len = w.1;
        // One rule for every name (see `crate::text`): a quote is text, a bad byte is not.
        assert_eq!(&buf[..len], br#"a\xffb" IfName("a\xffb"")"#);
    }

    #[test]
    fn raw_names() {
        let raw = RawIfName::from_field(b"0123456789abcdef");
        assert_eq!(raw.as_bytes(), b"0123456789abcde", "byte 15 is ignored");
        assert!(raw.to_if_name().is_ok());
        let empty = RawIfName::from_field(&[0; IFNAMSIZ]);
        assert!(empty.is_empty());
        assert!(empty.device().is_err());
        let label = RawIfName::from_field(b"eth0:1\0\0\0\0\0\0\0\0\0\0");
        assert_eq!(label.device().unwrap().as_bytes(), b"eth0");
        assert_eq!(label.to_c_buffer()[..7], *b"eth0:1\0");
        let from_valid = RawIfName::from(IfName::new("lo").unwrap());
        assert_eq!(from_valid.as_bytes(), b"lo");
    }

    /// A `fmt::Write` into a fixed buffer (the crate is `no_std`).
    struct Writer<'a>(&'a mut [u8], usize);

    impl fmt::Write for Writer<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            let end = self.1 + s.len();
            self.0
                .get_mut(self.1..end)
                .ok_or(fmt::Error)?
                .copy_from_slice(s.as_bytes());
            self.1 = end;
            Ok(())
        }
    }
}
