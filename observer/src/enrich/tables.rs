//! Routing tables by name, as iproute2 names them.

use std::cell::RefCell;
use std::collections::BTreeMap;

use super::name::Name;

/// `RT_TABLE_MAIN`.
const TABLE_MAIN: u32 = 254;

/// Routing table names: the kernel's reserved ones and those in iproute2's `rt_tables`, and
/// the numbers of tables without a name as they are met. A B-tree: a handful of entries,
/// looked up twice per event, where hashing would cost more; [`Name`]s kept for the
/// process's life (as the tables here are), so a report's table name costs no allocation
/// and no reference count.
pub struct TableNames {
    /// The reserved names and iproute2's.
    named: BTreeMap<u32, Name>,
    /// The numbers of tables without a name, as met.
    unnamed: RefCell<BTreeMap<u32, Name>>,
    /// `main`'s name, asked for by nearly every decision: no tree walk for it.
    main: Name,
}

impl Default for TableNames {
    fn default() -> Self {
        let mut names: BTreeMap<u32, Name> = [(253, "default"), (254, "main"), (255, "local")]
            .into_iter()
            .map(|(k, v)| (k, Name::from(v)))
            .collect();
        for path in ["/usr/share/iproute2/rt_tables", "/etc/iproute2/rt_tables"] {
            // Bytes, not text: a name is whatever the file holds (printed by the escaping
            // rule, serialized exactly).
            let file = std::fs::read(path).unwrap_or_default();
            for line in file.split(|&b| b == b'\n') {
                let mut words = line
                    .split(|b| b.is_ascii_whitespace())
                    .filter(|w| !w.is_empty());
                let id = words
                    .next()
                    .and_then(|w| std::str::from_utf8(w).ok())
                    .and_then(|w| w.parse().ok());
                if let (Some(id), Some(name)) = (id, words.next()) {
                    if !name.starts_with(b"#") && id != 0 {
                        names.insert(id, Name::kept_bytes(name));
                    }
                }
            }
        }
        TableNames {
            main: names
                .get(&TABLE_MAIN)
                .cloned()
                .unwrap_or_else(|| "main".into()),
            named: names,
            unnamed: RefCell::default(),
        }
    }
}

impl TableNames {
    /// Table `id`'s name, or its number.
    pub fn name(&self, id: u32) -> Name {
        if id == TABLE_MAIN {
            return self.main.clone();
        }
        if let Some(name) = self.named.get(&id) {
            return name.clone();
        }
        self.unnamed
            .borrow_mut()
            .entry(id)
            .or_insert_with(|| Name::kept(&id.to_string()))
            .clone()
    }
}
