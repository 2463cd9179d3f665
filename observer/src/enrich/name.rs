//! [`Name`]: the string type of the names a report carries (a task's `comm`, a device's or a
//! routing table's name), cheap to clone and to drop.
//!
//! Reports are `Send`, so a shared string in them is an `Arc<str>`, whose reference count is
//! atomic. A locked increment or decrement waits for every store before it to drain, and a
//! report is built from many stores: in the tracer's profile under load, counting references
//! to the four or five names of each route report (made, then dropped) took a third of user
//! space's time. Most names a tracer meets repeat for as long as it runs, so they are kept
//! for the life of the process, up to a budget ([`KEPT_NAMES_MAX`]); a clone of a kept name is
//! a copy of a pointer. Past the budget (and for names read again and again, such as the
//! interface names `netns::IfNames` asks the kernel for every 20 ms), a name is shared and
//! counted as before.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde::{Serialize, Serializer};
use sockabi::text::Escaped;

/// How many distinct names the process keeps for its life: at 16 bytes a name at most (plus
/// the allocator's overhead), well under a MiB. A host where containers come and go meets new
/// device names (`veth...`) all the time; past the budget those are shared and counted.
pub const KEPT_NAMES_MAX: usize = 16 * 1024;

/// Names kept so far (process-wide).
static KEPT: AtomicUsize = AtomicUsize::new(0);

/// A name shared by many reports, holding the exact bytes someone else chose.
///
/// A name that is valid UTF-8 (nearly all) is held as that text: it dereferences, compares
/// and hashes as it, and serializes as a JSON string, which escapes its controls. One that is
/// not is held as its text by the escaping rule of `sockabi::text` (`\xff`), from which the
/// bytes come back: it dereferences to that escaped text and serializes as the array of its
/// bytes, so that JSON carries every name losslessly. [`Display`](fmt::Display) writes either
/// by the escaping rule, for a terminal.
#[derive(Clone)]
pub struct Name(Repr);

#[derive(Clone)]
enum Repr {
    /// Kept for the life of the process: no reference count.
    Kept(&'static str),
    /// Shared and counted.
    Shared(Arc<str>),
    /// Not UTF-8: the bytes by the escaping rule, shared (rare enough to need no budget).
    Escaped(Arc<str>),
}

impl Name {
    /// A name kept for the life of the process while the budget lasts ([`KEPT_NAMES_MAX`]),
    /// else a shared one. For names that repeat for as long as the tracer runs (tasks,
    /// devices, tables): each call keeps a new copy, so callers intern.
    pub fn kept(text: &str) -> Name {
        Name::kept_within(text, &KEPT, KEPT_NAMES_MAX)
    }

    /// [`kept`](Self::kept), from the bytes as they came (a NUL-padded kernel field has been
    /// cut at its NUL already).
    pub fn kept_bytes(bytes: &[u8]) -> Name {
        match std::str::from_utf8(bytes) {
            Ok(text) => Name::kept(text),
            Err(_) => Name::escaped(bytes),
        }
    }

    /// `kept`, counting in `kept` against a budget of `max`.
    fn kept_within(text: &str, kept: &AtomicUsize, max: usize) -> Name {
        match keep(Box::from(text), kept, max) {
            Ok(text) => Name(Repr::Kept(text)),
            Err(text) => Name(Repr::Shared(text.into())),
        }
    }

    /// A shared, counted name: for names that may not repeat (a device renamed, a name read
    /// once).
    pub fn shared(text: &str) -> Name {
        Name(Repr::Shared(text.into()))
    }

    /// [`shared`](Self::shared), from the bytes as they came.
    pub fn shared_bytes(bytes: &[u8]) -> Name {
        match std::str::from_utf8(bytes) {
            Ok(text) => Name::shared(text),
            Err(_) => Name::escaped(bytes),
        }
    }

    fn escaped(bytes: &[u8]) -> Name {
        Name(Repr::Escaped(Escaped(bytes).to_string().into()))
    }

    /// The name as text: exactly, where it is UTF-8; else by the escaping rule.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Kept(text) => text,
            Repr::Shared(text) | Repr::Escaped(text) => text,
        }
    }

    /// Whether the name is UTF-8, and so [`as_str`](Self::as_str) its exact bytes.
    pub fn is_utf8(&self) -> bool {
        !matches!(self.0, Repr::Escaped(_))
    }

    /// The exact bytes.
    pub fn to_bytes(&self) -> std::borrow::Cow<'_, [u8]> {
        match &self.0 {
            Repr::Escaped(text) => {
                let mut bytes = Vec::with_capacity(text.len());
                // The rule's own output always reads back.
                let _ = sockabi::text::unescape(text, |b| bytes.push(b));
                bytes.into()
            }
            _ => self.as_str().as_bytes().into(),
        }
    }

    /// Writes the name by the escaping rule to `out` (a table cell, a line of text).
    pub fn write_escaped(&self, out: &mut String) {
        match &self.0 {
            Repr::Escaped(text) => out.push_str(text),
            _ => crate::escape::push(out, self.as_str()),
        }
    }
}

/// `value`, kept for the life of the process while the budget counted in `kept` is under
/// `max`; given back once it is spent. Whoever keeps values this way interns them, so that
/// the budget counts distinct values.
pub(crate) fn keep<T: ?Sized>(
    value: Box<T>,
    kept: &AtomicUsize,
    max: usize,
) -> Result<&'static T, Box<T>> {
    if kept.fetch_add(1, Ordering::Relaxed) < max {
        Ok(Box::leak(value))
    } else {
        Err(value)
    }
}

impl From<&'static str> for Name {
    /// A literal: kept without taking from the budget.
    fn from(text: &'static str) -> Self {
        Name(Repr::Kept(text))
    }
}

impl Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.as_str(), other.as_str());
        // The same kept or shared string (the usual case when equal), else the bytes.
        self.is_utf8() == other.is_utf8() && (std::ptr::eq(a, b) || a == b)
    }
}

impl Eq for Name {}

impl PartialEq<str> for Name {
    /// Equal to `other` when the name is exactly that text.
    fn eq(&self, other: &str) -> bool {
        self.is_utf8() && self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

impl fmt::Display for Name {
    /// The name by the escaping rule (`sockabi::text`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Escaped(text) => f.write_str(text),
            _ => fmt::Display::fmt(&Escaped(self.as_str().as_bytes()), f),
        }
    }
}

impl Serialize for Name {
    /// A JSON string where the name is UTF-8, else the array of its bytes (see the README's
    /// schema).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Repr::Escaped(_) => serializer.serialize_bytes(&self.to_bytes()),
            _ => serializer.serialize_str(self.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_and_shared_names_behave_as_their_text() {
        let kept = Name::kept("eth0");
        let shared = Name::shared("eth0");
        assert_eq!(kept, shared);
        assert_eq!(kept, "eth0");
        assert_eq!(&*shared, "eth0");
        assert_eq!(kept.to_string(), "eth0");
        assert_eq!(format!("{shared:?}"), "\"eth0\"");
        assert_eq!(Name::shared_bytes(b"eth0"), kept);
        assert_eq!(serde_json::to_string(&kept).unwrap(), "\"eth0\"");
        let hash = |n: &Name| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            n.hash(&mut h);
            h.finish()
        };
        assert_eq!(hash(&kept), hash(&shared));
        assert_ne!(Name::from("main"), Name::from("local"));
    }

    #[test]
    fn past_the_budget_names_are_shared() {
        let kept = AtomicUsize::new(0);
        let names: Vec<Name> = ["a", "b", "c"]
            .iter()
            .map(|t| Name::kept_within(t, &kept, 2))
            .collect();
        let is_kept = |n: &Name| matches!(n.0, Repr::Kept(_));
        assert!(is_kept(&names[0]) && is_kept(&names[1]));
        assert!(!is_kept(&names[2]));
        assert_eq!(names[2], "c");
    }

    #[test]
    fn a_name_that_is_not_utf8_keeps_its_bytes() {
        let name = Name::kept_bytes(b"e\xff\x1b");
        assert!(!name.is_utf8());
        assert_eq!(&*name.to_bytes(), b"e\xff\x1b");
        assert_eq!(name.to_string(), "e\\xff\\x1b");
        assert_eq!(serde_json::to_string(&name).unwrap(), "[101,255,27]");
        // Not equal to a UTF-8 name spelling its escapes.
        assert_ne!(name, Name::kept("e\\xff\\x1b"));
        assert_ne!(name, "e\\xff\\x1b");
        let mut text = String::new();
        name.write_escaped(&mut text);
        assert_eq!(text, "e\\xff\\x1b");
    }

    #[test]
    fn controls_are_exact_in_json_and_escaped_in_text() {
        let name = Name::kept_bytes(b"\x1b[31mEVIL\x1b[0m\x07\\");
        assert!(name.is_utf8());
        assert_eq!(name.to_string(), "\\x1b[31mEVIL\\x1b[0m\\x07\\\\");
        let json = serde_json::to_string(&name).unwrap();
        assert_eq!(json, "\"\\u001b[31mEVIL\\u001b[0m\\u0007\\\\\"");
        let back: String = serde_json::from_str(&json).unwrap();
        assert_eq!(back.as_bytes(), b"\x1b[31mEVIL\x1b[0m\x07\\");
    }

    #[test]
    fn a_clone_of_a_kept_name_is_the_same_string() {
        let kept = Name::kept("loop");
        let clone = kept.clone();
        assert!(std::ptr::eq(kept.as_str(), clone.as_str()));
    }
}
