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

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde::{Serialize, Serializer};

/// How many distinct names the process keeps for its life: at 16 bytes a name at most (plus
/// the allocator's overhead), well under a MiB. A host where containers come and go meets new
/// device names (`veth...`) all the time; past the budget those are shared and counted.
pub const KEPT_NAMES_MAX: usize = 16 * 1024;

/// Names kept so far (process-wide).
static KEPT: AtomicUsize = AtomicUsize::new(0);

/// A name shared by many reports; dereferences, compares, hashes, prints and serializes as
/// its `str`.
#[derive(Clone)]
pub struct Name(Repr);

#[derive(Clone)]
enum Repr {
    /// Kept for the life of the process: no reference count.
    Kept(&'static str),
    /// Shared and counted.
    Shared(Arc<str>),
}

impl Name {
    /// A name kept for the life of the process while the budget lasts ([`KEPT_NAMES_MAX`]),
    /// else a shared one. For names that repeat for as long as the tracer runs (tasks,
    /// devices, tables): each call keeps a new copy, so callers intern.
    pub fn kept(text: &str) -> Name {
        Name::kept_within(text, &KEPT, KEPT_NAMES_MAX)
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

    /// The name.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Kept(text) => text,
            Repr::Shared(text) => text,
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

impl From<Arc<str>> for Name {
    fn from(text: Arc<str>) -> Self {
        Name(Repr::Shared(text))
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

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.as_str(), other.as_str());
        // The same kept or shared string (the usual case when equal), else the bytes.
        std::ptr::eq(a, b) || a == b
    }
}

impl Eq for Name {}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Name {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
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
    fn a_clone_of_a_kept_name_is_the_same_string() {
        let kept = Name::kept("loop");
        let clone = kept.clone();
        assert!(std::ptr::eq(kept.as_str(), clone.as_str()));
    }
}
