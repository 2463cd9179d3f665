//! Names as a human reads them: one escaping rule for bytes that someone else chose.
//!
//! Task names (`prctl(PR_SET_NAME)`), interface names (anything but `/`, `:`, white space and
//! NUL), namespace names and cgroup paths are chosen by whoever made them, an unprivileged
//! tenant included. Printed raw, a control byte in one of them drives the reader's terminal
//! (colours, cursor moves, a bell, a rewritten title), and a name that is not UTF-8 cannot be
//! told from another. strace escapes such bytes for the same reason; this is its rule, for
//! UTF-8 terminals:
//!
//! - C0 controls (`0x00`-`0x1f`), DEL (`0x7f`), the C1 controls (U+0080-U+009F, encoded
//!   `0xc2 0x80`-`0xc2 0x9f`) and every byte that is not part of valid UTF-8 are written as
//!   `\xHH`, one per byte;
//! - a backslash is written `\\`, so that every escape is unambiguous;
//! - everything else, printable ASCII and valid UTF-8 text alike, is written as it is.
//!
//! The rule is reversible ([`unescape`]): the text gives back the exact bytes.
//!
//! ```
//! use sockabi::text::Escaped;
//! assert_eq!(format!("{}", Escaped(b"eth0")), "eth0");
//! assert_eq!(format!("{}", Escaped(b"e\x1b[7m")), "e\\x1b[7m");
//! assert_eq!(format!("{}", Escaped("caf\u{e9}\\".as_bytes())), "caf\u{e9}\\\\");
//! assert_eq!(format!("{}", Escaped(b"\xff\xc2\x9b")), "\\xff\\xc2\\x9b");
//! ```

use core::fmt;

/// Bytes shown by the rule of this module, without allocating.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Escaped<'a>(pub &'a [u8]);

impl Escaped<'_> {
    /// Whether the rule changes anything: `false` for the common name (printable ASCII or
    /// text without controls), which can then be written as it is.
    #[inline]
    pub fn changes(&self) -> bool {
        needs_escaping(self.0)
    }
}

/// Whether [`Escaped`] would write `bytes` differently from the bytes themselves.
#[inline]
pub fn needs_escaping(bytes: &[u8]) -> bool {
    // The common case, a short ASCII name, in one pass without decoding.
    if bytes
        .iter()
        .all(|&b| (0x20..0x7f).contains(&b) && b != b'\\')
    {
        return false;
    }
    match core::str::from_utf8(bytes) {
        Ok(text) => text.chars().any(escaped_char),
        Err(_) => true,
    }
}

/// A character that the rule escapes (as the bytes of its encoding).
#[inline]
fn escaped_char(c: char) -> bool {
    matches!(c, '\0'..='\x1f' | '\x7f' | '\u{80}'..='\u{9f}' | '\\')
}

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while !rest.is_empty() {
            let (valid, invalid) = match core::str::from_utf8(rest) {
                Ok(text) => (text, &[][..]),
                Err(error) => {
                    let (valid, after) = rest.split_at(error.valid_up_to());
                    let bad = error.error_len().unwrap_or(after.len());
                    let text = core::str::from_utf8(valid).unwrap_or_default();
                    rest = &after[bad..];
                    write_text(f, text)?;
                    for byte in &after[..bad] {
                        write!(f, "\\x{byte:02x}")?;
                    }
                    continue;
                }
            };
            write_text(f, valid)?;
            rest = invalid;
        }
        Ok(())
    }
}

/// Writes valid text, escaping the characters of the rule.
fn write_text(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    let mut start = 0;
    for (at, c) in text.char_indices() {
        if escaped_char(c) {
            f.write_str(&text[start..at])?;
            if c == '\\' {
                f.write_str("\\\\")?;
            } else {
                let mut buffer = [0u8; 4];
                for byte in c.encode_utf8(&mut buffer).bytes() {
                    write!(f, "\\x{byte:02x}")?;
                }
            }
            start = at + c.len_utf8();
        }
    }
    f.write_str(&text[start..])
}

impl fmt::Debug for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// The bytes that [`Escaped`] wrote as `text`, written to `out`; `Err` at the first
/// sequence the rule cannot have written (a lone backslash, a bad `\x` escape, or a raw
/// character the rule escapes).
///
/// ```
/// use sockabi::text::{unescape, Escaped};
/// let name = b"\x1b[31mEVIL\x1b[0m\x07\\\xff";
/// let text = format!("{}", Escaped(name));
/// let mut back = Vec::new();
/// unescape(&text, |b| back.push(b)).unwrap();
/// assert_eq!(back, name);
/// ```
pub fn unescape(text: &str, mut out: impl FnMut(u8)) -> Result<(), usize> {
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let c = text[at..].chars().next().ok_or(at)?;
        if c == '\\' {
            match bytes.get(at + 1) {
                Some(b'\\') => {
                    out(b'\\');
                    at += 2;
                }
                Some(b'x') => {
                    let hex = text.get(at + 2..at + 4).ok_or(at)?;
                    out(u8::from_str_radix(hex, 16).map_err(|_| at)?);
                    at += 4;
                }
                _ => return Err(at),
            }
        } else if escaped_char(c) {
            return Err(at);
        } else {
            for &byte in &bytes[at..at + c.len_utf8()] {
                out(byte);
            }
            at += c.len_utf8();
        }
    }
    Ok(())
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use std::format;
    use std::vec::Vec;

    fn shown(bytes: &[u8]) -> std::string::String {
        format!("{}", Escaped(bytes))
    }

    fn back(text: &str) -> Vec<u8> {
        let mut out = Vec::new();
        unescape(text, |b| out.push(b)).expect("the rule's own output");
        out
    }

    #[test]
    fn the_rule() {
        assert_eq!(shown(b""), "");
        assert_eq!(shown(b"eth0"), "eth0");
        assert_eq!(shown(b"a\\b"), "a\\\\b");
        assert_eq!(
            shown(b"\x1b[31mEVIL\x1b[0m\x07"),
            "\\x1b[31mEVIL\\x1b[0m\\x07"
        );
        assert_eq!(shown(b"del\x7f"), "del\\x7f");
        assert_eq!(shown(b"nul\x00"), "nul\\x00");
        // C1 (CSI, U+009B) in UTF-8, and a lone C1 byte (invalid UTF-8).
        assert_eq!(shown("c1\u{9b}".as_bytes()), "c1\\xc2\\x9b");
        assert_eq!(shown(b"\x9b"), "\\x9b");
        // Text stays text: accents, wide and zero-width characters, %, quotes.
        for text in [
            "caf\u{e9}",
            "\u{754c}\u{9762}",
            "a\u{200b}b",
            "eth%d",
            "\"'",
        ] {
            assert_eq!(shown(text.as_bytes()), text);
            assert!(!needs_escaping(text.as_bytes()), "{text}");
        }
        // Invalid UTF-8: a truncated sequence at the end, a bad byte in the middle.
        assert_eq!(shown(b"ab\xe7\x95"), "ab\\xe7\\x95");
        assert_eq!(shown(b"a\xffb"), "a\\xffb");
    }

    #[test]
    fn escaping_is_needed_exactly_when_the_text_differs() {
        for bytes in [
            &b"eth0"[..],
            b"a\\",
            b"\x1b",
            b"\xff",
            "\u{9b}".as_bytes(),
            "\u{e9}".as_bytes(),
            b"ok\xe7",
        ] {
            assert_eq!(
                needs_escaping(bytes),
                shown(bytes).as_bytes() != bytes,
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn every_byte_string_round_trips() {
        // Every one- and two-byte string, and a spread of longer ones.
        for a in 0..=255u8 {
            assert_eq!(back(&shown(&[a])), [a]);
            for b in 0..=255u8 {
                assert_eq!(back(&shown(&[a, b])), [a, b]);
            }
        }
        let mut x: u32 = 0x1234_5678;
        for len in 0..2000 {
            let bytes: Vec<u8> = (0..len % 17)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                })
                .collect();
            let text = shown(&bytes);
            assert!(!text.chars().any(|c| c.is_control()), "{text:?}");
            assert_eq!(back(&text), bytes);
        }
    }

    #[test]
    fn what_the_rule_cannot_have_written_is_refused() {
        for text in ["\\", "\\q", "\\x1", "\\xzz", "\x1b"] {
            assert!(unescape(text, |_| {}).is_err(), "{text:?}");
        }
    }
}
