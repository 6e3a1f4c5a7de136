//! What the log records of an edit and what the reconciler checks it against: before →
//! after by field name, and which intended values a child read back has.

use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use super::model::ChildAccount;

/// Before → after, by field name, of setting `set` on `child` (the audit log's
/// `changes`). The password is never shown; restricted directions are not reported.
pub fn diff(set: &Map<String, Value>, child: &ChildAccount) -> Value {
    let changes: Map<String, Value> = set
        .iter()
        .map(|(field, after)| {
            let before = match field.as_str() {
                "password" => json!("[redacted]"),
                "can_use_restricted" => Value::Null,
                _ => child.field(field),
            };
            (field.clone(), json!({ "before": before, "after": after }))
        })
        .collect();
    Value::Object(changes)
}

/// Which of the values in `set` `child` has: (matching fields, differing fields with
/// what it has). Fields Voximplant does not report (password, restricted
/// directions) are neither.
pub fn compare(set: &Map<String, Value>, child: &ChildAccount) -> (Vec<String>, Map<String, Value>) {
    let mut matching = Vec::new();
    let mut differing = Map::new();
    for (field, wanted) in set {
        if matches!(field.as_str(), "password" | "can_use_restricted") {
            continue;
        }
        let has = child.field(field);
        let same = match (wanted, &has) {
            // Amounts compare as numbers: "10" and "10.00" are the same.
            (Value::String(a), Value::String(b)) => match (a.parse::<Decimal>(), b.parse::<Decimal>()) {
                (Ok(a), Ok(b)) => a == b,
                _ => a == b,
            },
            _ => *wanted == has,
        };
        if same {
            matching.push(field.clone());
        } else {
            differing.insert(field.clone(), json!({ "wanted": wanted, "found": has }));
        }
    }
    (matching, differing)
}
