//! Names that repeat from event to event (a task's `comm`, a device's name): one allocation
//! per distinct name instead of one per event. A report then holds a [`Name`], which
//! serializes and prints as the string, and costs nothing to clone (see `crate::enrich::name`).

use std::collections::HashMap;

use super::name::Name;

/// Distinct names kept at most; past it the table starts over (names come and go with tasks
/// and devices, and a long-running tracer must not keep every one it ever saw).
const MAX_NAMES: usize = 4096;

/// NUL-padded 16-byte names (`TASK_COMM_LEN`, `IFNAMSIZ`) to shared strings.
#[derive(Default)]
pub struct Interner {
    names: HashMap<[u8; 16], Name>,
    /// The last name asked for: events come in runs of one task and device, and comparing
    /// 16 bytes costs less than hashing them (the hash showed in the profile).
    last: Option<([u8; 16], Name)>,
}

impl Interner {
    /// The shared name for `bytes` (up to the first NUL, exactly).
    pub fn get(&mut self, bytes: &[u8; 16]) -> Name {
        if let Some((last, name)) = &self.last {
            if last == bytes {
                return name.clone();
            }
        }
        let name = self.lookup(bytes);
        self.last = Some((*bytes, name.clone()));
        name
    }

    fn lookup(&mut self, bytes: &[u8; 16]) -> Name {
        if let Some(name) = self.names.get(bytes) {
            return name.clone();
        }
        // Kept names outlive the map: one met again after this is kept again, from the
        // process's budget (which bounds what churn can cost).
        if self.names.len() >= MAX_NAMES {
            self.names.clear();
        }
        let name = Name::kept_bytes(crate::sys::cstr::cstr(bytes));
        self.names.insert(*bytes, name.clone());
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_allocation_per_name() {
        let mut interner = Interner::default();
        let mut eth0 = [0u8; 16];
        eth0[..4].copy_from_slice(b"eth0");
        let a = interner.get(&eth0);
        let b = interner.get(&eth0);
        assert!(std::ptr::eq(a.as_str(), b.as_str()));
        assert_eq!(&*a, "eth0");
        let mut weird = [b'x'; 16];
        weird[0] = 0xff;
        // Not UTF-8: kept exactly, shown by the escaping rule.
        let name = interner.get(&weird);
        assert!(!name.is_utf8());
        assert_eq!(&*name.to_bytes(), &weird[..]);
        assert_eq!(&*name, "\\xffxxxxxxxxxxxxxxx");
    }
}
