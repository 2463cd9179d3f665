//! Routes and rules as JSON: the same content as the text, field by field (schema in the
//! README, `bindscope routes --json`).

use serde_json::{json, Value};

use super::{Route, Snapshot};
use crate::policy::{table_name, Rule};

impl Route {
    /// The route as one JSON object: route(8)'s columns plus what they leave out (family,
    /// type, scope, prefix length, preferred source, table).
    pub fn json(&self) -> Value {
        json!({
            "family": "inet",
            "table": self.table,
            "table_name": table_name(self.table),
            "type": self.kind_word(),
            "scope": self.scope_word(),
            "destination": self.destination.to_string(),
            "prefix_len": self.prefix_len,
            "gateway": self.gateway.map(|g| g.to_string()),
            "genmask": self.genmask().to_string(),
            "flags": self.flags(),
            "metric": self.metric,
            "ref": 0,
            "use": 0,
            "iface": self.device,
            "source": self.source.map(|s| s.to_string()),
        })
    }
}

/// A rule as one JSON object: its priority, table and `ip rule show` text.
pub fn rule_json(rule: &Rule) -> Value {
    json!({
        "priority": rule.priority,
        "table": rule.table,
        "text": rule.to_string(),
    })
}

/// The whole snapshot: `{"family": "inet", "tables": [{"id", "name", "routes": [...]}],
/// "rules": [...]}` (`rules` only with `--rules`).
pub fn snapshot_json(snapshot: &Snapshot) -> Value {
    let tables: Vec<Value> = snapshot
        .tables
        .iter()
        .map(|(id, routes)| {
            json!({
                "id": id,
                "name": table_name(*id),
                "routes": routes.iter().map(Route::json).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut document = json!({ "family": "inet", "tables": tables });
    if let Some(rules) = &snapshot.rules {
        document["rules"] = rules.iter().map(rule_json).collect();
    }
    document
}
