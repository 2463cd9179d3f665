//! Text a human reads: every name another party chose goes through one escaping rule
//! (`sockabi::text`: control bytes, invalid UTF-8 and `\` escaped, `\x1b`, `\\`; text as it
//! is), whatever the command, column or log line, and tables are aligned by the columns a
//! terminal gives a name, not by its bytes.
//!
//! JSON never goes through here: it carries the exact name (see `enrich::name::Name`).
//! Uses no other room.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;

use sockabi::text::{needs_escaping, Escaped};
use unicode_width::UnicodeWidthStr;

/// `text` by the rule: borrowed when the rule changes nothing (the usual name).
pub fn text(text: &str) -> Cow<'_, str> {
    bytes(text.as_bytes())
}

/// `bytes` by the rule.
pub fn bytes(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) if !needs_escaping(bytes) => Cow::Borrowed(text),
        _ => Cow::Owned(Escaped(bytes).to_string()),
    }
}

/// Appends `text` by the rule to `out`.
pub fn push(out: &mut String, text: &str) {
    if needs_escaping(text.as_bytes()) {
        let _ = write!(out, "{}", Escaped(text.as_bytes()));
    } else {
        out.push_str(text);
    }
}

/// The columns a terminal gives `text` (escaped already): wide characters take two, zero-width
/// ones none.
pub fn width(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        UnicodeWidthStr::width(text)
    }
}

/// The columns `text` takes once the rule has escaped it: how a writer that escapes whole
/// lines ([`Lines`]) pads a column.
pub fn columns(raw: &str) -> usize {
    width(&text(raw))
}

/// `raw` followed by the spaces that bring it, once escaped, to `columns` terminal columns:
/// for a line that [`Lines`] escapes afterwards.
pub fn pad(raw: &str, columns: usize) -> String {
    let mut out = raw.to_owned();
    for _ in self::columns(raw)..columns {
        out.push(' ');
    }
    out
}

/// Appends `text` (escaped already) padded with spaces to `columns` terminal columns; a
/// longer text is written whole, so a name is never cut (the line shifts instead).
pub fn push_padded(out: &mut String, text: &str, columns: usize) {
    out.push_str(text);
    for _ in width(text)..columns {
        out.push(' ');
    }
}

/// Appends `text` (escaped already) in exactly `columns` terminal columns: padded when
/// shorter; when longer, cut between whole characters and escapes (never inside a `\x1b`)
/// and ended with `…`, so that the columns after it stay aligned. JSON has the whole name.
pub fn push_fitted(out: &mut String, text: &str, columns: usize) {
    let used = width(text);
    if used <= columns {
        out.push_str(text);
        out.extend(std::iter::repeat_n(' ', columns - used));
        return;
    }
    let room = columns.saturating_sub(1); // for the `…`
    let mut taken = 0;
    let mut rest = text;
    while let Some(unit) = next_unit(rest) {
        let unit_width = width(unit);
        if taken + unit_width > room {
            break;
        }
        out.push_str(unit);
        taken += unit_width;
        rest = &rest[unit.len()..];
    }
    out.push('…');
    out.extend(std::iter::repeat_n(' ', room - taken));
}

/// The first unit of escaped text: an escape (`\xHH`, `\\`) or one character.
fn next_unit(text: &str) -> Option<&str> {
    let first = text.chars().next()?;
    let len = match (first, text.as_bytes().get(1)) {
        ('\\', Some(b'x')) => 4.min(text.len()),
        ('\\', Some(_)) => 2,
        _ => first.len_utf8(),
    };
    text.get(..len)
}

/// Appends `text` (escaped already) right-aligned in `columns` terminal columns.
pub fn push_right(out: &mut String, text: &str, columns: usize) {
    for _ in width(text)..columns {
        out.push(' ');
    }
    out.push_str(text);
}

/// A writer of lines of text (a command's text output, an error, a log line) whose every
/// byte but the newline goes through the rule: whatever a line quotes (an interface, a
/// table, a rule, an error that names them), no control byte reaches the terminal. For text
/// that bindscope writes with no escape of its own (no `\`, no colours), which holds for
/// `explain`, `routes` and errors; the trace table escapes name by name instead, as it
/// colours its own text.
pub struct Lines<W: io::Write> {
    out: W,
    /// The line being written, escaped once complete (a name may arrive in pieces).
    line: Vec<u8>,
}

impl<W: io::Write> Lines<W> {
    /// Writes to `out`.
    pub fn new(out: W) -> Self {
        Lines {
            out,
            line: Vec::new(),
        }
    }

    fn write_line(&mut self, newline: bool) -> io::Result<()> {
        let text = bytes(&self.line);
        self.out.write_all(text.as_bytes())?;
        if newline {
            self.out.write_all(b"\n")?;
        }
        self.line.clear();
        Ok(())
    }
}

impl<W: io::Write> io::Write for Lines<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for part in buf.split_inclusive(|&b| b == b'\n') {
            match part.split_last() {
                Some((b'\n', line)) => {
                    self.line.extend_from_slice(line);
                    self.write_line(true)?;
                }
                _ => self.line.extend_from_slice(part),
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.line.is_empty() {
            self.write_line(false)?;
        }
        self.out.flush()
    }
}

impl<W: io::Write> Drop for Lines<W> {
    fn drop(&mut self) {
        let _ = io::Write::flush(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_and_measured_in_columns() {
        assert!(matches!(text("eth0"), Cow::Borrowed("eth0")));
        assert_eq!(text("\u{1b}[7m"), "\\x1b[7m");
        assert_eq!(bytes(b"a\xff"), "a\\xff");
        assert_eq!(width("eth0"), 4);
        assert_eq!(width("\u{754c}\u{9762}"), 4, "two wide characters");
        assert_eq!(width("a\u{200b}b"), 2, "a zero-width space");
        let mut out = String::new();
        push_padded(&mut out, "\u{754c}", 4);
        out.push('|');
        push_right(&mut out, "e\u{301}", 3);
        assert_eq!(out, "\u{754c}  |  e\u{301}");
    }

    #[test]
    fn a_long_name_is_cut_between_escapes_and_keeps_the_columns() {
        let fitted = |text: &str, columns| {
            let mut out = String::new();
            push_fitted(&mut out, text, columns);
            out
        };
        assert_eq!(fitted("eth0", 6), "eth0  ");
        assert_eq!(fitted("eth0", 4), "eth0");
        assert_eq!(fitted("abcdef", 4), "abc…");
        // Never half an escape: `\x1b` is whole or absent.
        assert_eq!(fitted("ab\\x1b[31m", 5), "ab…  ");
        assert_eq!(fitted("ab\\x1b[31m", 7), "ab\\x1b…");
        // Wide characters count two columns.
        assert_eq!(fitted("\u{754c}\u{754c}\u{754c}", 4), "\u{754c}… ");
        for text in [
            "\\x1b[31mEVIL\\x1b[0m\\x07[123]",
            "\u{754c}\u{9762}x\u{200b}y",
            "plain",
        ] {
            for columns in 1..30 {
                assert_eq!(
                    width(&fitted(text, columns)),
                    columns,
                    "{text} in {columns}"
                );
            }
        }
    }

    #[test]
    fn lines_are_escaped_whole_and_keep_their_newlines() {
        use std::io::Write;
        let mut out = Vec::new();
        {
            let mut lines = Lines::new(&mut out);
            // A name split across writes, and a last line without a newline.
            write!(lines, "dev e\u{1b}").unwrap();
            write!(lines, "[7m via 192.0.2.1\ntable \u{7}x\\y\nend").unwrap();
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "dev e\\x1b[7m via 192.0.2.1\ntable \\x07x\\\\y\nend"
        );
    }
}
