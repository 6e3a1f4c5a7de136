//! The parent account's profile as a form: every parameter SetAccountInfo takes, keyed
//! by its wire name, so Voximplant's rules (the same code in the browser, the server
//! and the sandbox) and its refusals land next to the field they are about. Only what
//! differs from Voximplant's values is sent; secrets are never shown or recorded.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use voximplant::{
    methods::{BillingAddress, NotificationSettings, SetAccountInfo},
    Method, Secret,
};

use super::fields::{label, profile_field, Kind, PROFILE_FIELDS};
use crate::{children::model::money, error::AppError};

/// The parent account as the profile page shows it. `values` holds every readable
/// profile field by its SetAccountInfo name; secrets are never in it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub account_id: u64,
    pub account_name: String,
    pub values: BTreeMap<String, String>,
    /// Voximplant reports it but SetAccountInfo does not take it.
    pub billing_address_state: Option<String>,
    /// Whether callbacks are signed (the salt itself is never shown).
    pub callback_salt_set: bool,
    /// The account's currency, shown with every amount.
    pub currency: Option<String>,
    /// `14:22:05 UTC`.
    pub fetched_at: String,
}

impl Profile {
    pub fn value(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }

    /// An amount field's value with the account's currency (`20,000.00 USD`), or the
    /// text as typed when it is not an amount.
    pub fn amount_shown(&self, value: &str) -> String {
        match value.parse::<Decimal>() {
            Ok(amount) => money(Some(amount), self.currency.as_deref()),
            Err(_) => shown(value),
        }
    }

    /// The form filled with the account's values (secrets empty: "keep").
    pub fn form(&self) -> ProfileForm {
        ProfileForm(PROFILE_FIELDS.iter().map(|f| (f.name.to_string(), self.value(f.name).to_string())).collect())
    }
}

/// The form as typed, by field name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProfileForm(pub BTreeMap<String, String>);

impl ProfileForm {
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }

    pub fn set(&mut self, name: &str, value: String) {
        self.0.insert(name.to_string(), value);
    }

    /// Only the fields that differ from `profile` (and secrets that were typed).
    pub fn changes(&self, profile: &Profile) -> ProfileChanges {
        let set = PROFILE_FIELDS
            .iter()
            .filter_map(|f| {
                let typed = match f.kind {
                    Kind::Secret => self.get(f.name).to_string(),
                    _ => self.get(f.name).trim().to_string(),
                };
                let differs = match f.kind {
                    Kind::Secret | Kind::UnreadFlag => !typed.is_empty(),
                    Kind::Amount => !same_amount(&typed, profile.value(f.name)),
                    _ => typed != profile.value(f.name),
                };
                differs.then(|| (f.name.to_string(), typed))
            })
            .collect();
        ProfileChanges(set)
    }
}

fn same_amount(a: &str, b: &str) -> bool {
    match (a.parse::<Decimal>(), b.parse::<Decimal>()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// What a save changes: field name → new value, only the fields that differ.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProfileChanges(pub BTreeMap<String, String>);

impl ProfileChanges {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// These changes less what `profile` already has: what is really sent.
    pub fn without_unchanged(&self, profile: &Profile) -> ProfileChanges {
        let mut form = profile.form();
        for (name, value) in &self.0 {
            form.set(name, value.clone());
        }
        let mut changes = form.changes(profile);
        // Unknown fields stay, so `problems` refuses them instead of dropping them quietly.
        for (name, value) in &self.0 {
            if profile_field(name).is_none() {
                changes.0.insert(name.clone(), value.clone());
            }
        }
        changes
    }

    /// What is wrong, per field, in words for the form (empty when nothing is).
    /// `profile` holds the current values: what Voximplant cannot clear.
    pub fn problems(&self, profile: &Profile) -> Vec<(String, String)> {
        if self.is_empty() {
            return vec![(String::new(), "Nothing to save: no field differs from the account's current values.".into())];
        }
        let mut problems = Vec::new();
        for (name, value) in &self.0 {
            let Some(field) = profile_field(name) else {
                problems.push((name.clone(), format!("{name} is not a profile field.")));
                continue;
            };
            match field.kind {
                Kind::Flag | Kind::UnreadFlag if value != "true" && value != "false" => {
                    problems.push((name.clone(), format!("{} must be on or off.", field.label)));
                }
                Kind::Amount => match value.parse::<Decimal>() {
                    Ok(amount) if amount.is_sign_negative() && !amount.is_zero() => {
                        problems.push((name.clone(), format!("{} cannot be negative.", field.label)));
                    }
                    Ok(_) => {}
                    Err(_) => problems.push((name.clone(), format!("{} must be an amount like 10 or 12.50.", field.label))),
                },
                Kind::Text if value.is_empty() && !profile.value(name).is_empty() => {
                    let message = if name.starts_with("billing_address") {
                        format!("{} cannot be removed once set: Voximplant only lets you change it.", field.label)
                    } else {
                        format!("{} cannot be emptied on Voximplant; type a new value or keep the current one.", field.label)
                    };
                    problems.push((name.clone(), message));
                }
                _ => {}
            }
        }
        let reported: Vec<String> = problems.iter().map(|(f, _)| f.clone()).collect();
        for problem in self.request().validate() {
            if !reported.contains(&problem.field) {
                let label = label(&problem.field);
                problems.push((problem.field.clone(), format!("{label} {}.", problem.message)));
            }
        }
        problems
    }

    pub fn check(&self, profile: &Profile) -> Result<(), AppError> {
        AppError::check_all(self.problems(profile))
    }

    fn text(&self, name: &str) -> Option<String> {
        self.0.get(name).filter(|v| !v.is_empty()).cloned()
    }

    fn flag(&self, name: &str) -> Option<bool> {
        self.0.get(name).and_then(|v| v.parse().ok())
    }

    /// The SetAccountInfo call: the changed fields only.
    pub fn request(&self) -> SetAccountInfo {
        SetAccountInfo {
            new_account_email: self.text("new_account_email"),
            new_account_password: self.text("new_account_password").map(Secret::new),
            location: self.text("location"),
            account_first_name: self.text("account_first_name"),
            account_last_name: self.text("account_last_name"),
            notifications: NotificationSettings {
                account_notifications: self.flag("account_notifications"),
                tariff_changing_notifications: self.flag("tariff_changing_notifications"),
                news_notifications: self.flag("news_notifications"),
                min_balance_to_notify: self.text("min_balance_to_notify").and_then(|m| m.parse().ok()),
                language_code: self.text("language_code"),
            },
            send_js_error: self.flag("send_js_error"),
            billing_address: BillingAddress {
                name: self.text("billing_address_name"),
                country_code: self.text("billing_address_country_code"),
                address: self.text("billing_address_address"),
                zip: self.text("billing_address_zip"),
                phone: self.text("billing_address_phone"),
            },
            account_custom_data: self.text("account_custom_data"),
            callback_url: self.text("callback_url"),
            callback_salt: self.text("callback_salt").map(Secret::new),
            store_outbound_sms: self.flag("store_outbound_sms"),
            store_inbound_sms: self.flag("store_inbound_sms"),
        }
    }

    /// The new values, secrets as "[redacted]": what the audit log records and the
    /// reconciler looks for.
    pub fn settings(&self) -> Map<String, Value> {
        self.0
            .iter()
            .map(|(name, value)| {
                let value = match profile_field(name).map(|f| f.kind) {
                    Some(Kind::Secret) => json!("[redacted]"),
                    Some(Kind::Flag | Kind::UnreadFlag) => json!(value == "true"),
                    _ => json!(value),
                };
                (name.clone(), value)
            })
            .collect()
    }

    /// Before → after for the audit log, by field name; secrets never in clear.
    pub fn diff(&self, profile: &Profile) -> Value {
        let changes: Map<String, Value> = self
            .settings()
            .into_iter()
            .map(|(name, after)| {
                let before = match profile_field(&name).map(|f| f.kind) {
                    Some(Kind::Secret) => json!("[redacted]"),
                    Some(Kind::Flag) => json!(profile.value(&name) == "true"),
                    Some(Kind::UnreadFlag) => Value::Null,
                    _ => json!(profile.value(&name)),
                };
                (name, json!({ "before": before, "after": after }))
            })
            .collect();
        Value::Object(changes)
    }

    /// Before → after in words for the confirmation: (label, before, after).
    pub fn preview(&self, profile: &Profile) -> Vec<(&'static str, String, String)> {
        PROFILE_FIELDS
            .iter()
            .filter_map(|f| {
                let after = self.0.get(f.name)?;
                let (before, after) = match f.kind {
                    Kind::Secret => ("(hidden)".to_string(), "(new value, hidden)".to_string()),
                    Kind::Flag => (on_off(profile.value(f.name)), on_off(after)),
                    Kind::UnreadFlag => ("(not reported by Voximplant)".to_string(), on_off(after)),
                    Kind::Amount => (profile.amount_shown(profile.value(f.name)), profile.amount_shown(after)),
                    _ => (shown(profile.value(f.name)), shown(after)),
                };
                Some((f.label, before, after))
            })
            .collect()
    }
}

fn on_off(value: &str) -> String {
    if value == "true" { "on" } else { "off" }.to_string()
}

fn shown(value: &str) -> String {
    if value.is_empty() { "(not set)".to_string() } else { value.to_string() }
}

/// Which of `set` (from [`ProfileChanges::settings`]) `profile` has: (matching,
/// differing with what it has). Secrets cannot be read back and are neither.
pub fn compare(set: &Map<String, Value>, profile: &Profile) -> (Vec<String>, Map<String, Value>) {
    let mut matching = Vec::new();
    let mut differing = Map::new();
    for (name, wanted) in set {
        let kind = profile_field(name).map(|f| f.kind);
        if matches!(kind, Some(Kind::Secret | Kind::UnreadFlag) | None) {
            continue;
        }
        let has = profile.value(name);
        let same = match (kind, wanted) {
            (Some(Kind::Flag), Value::Bool(wanted)) => (has == "true") == *wanted,
            (Some(Kind::Amount), Value::String(wanted)) => same_amount(wanted, has),
            (_, Value::String(wanted)) => wanted == has,
            _ => false,
        };
        if same {
            matching.push(name.clone());
        } else {
            differing.insert(name.clone(), json!({ "wanted": wanted, "found": has }));
        }
    }
    (matching, differing)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        let values = [
            ("account_first_name", "Ada"),
            ("new_account_email", "ops@reseller.example"),
            ("language_code", "en"),
            ("location", "Etc/GMT"),
            ("min_balance_to_notify", "10.00"),
            ("news_notifications", "false"),
            ("account_notifications", "true"),
            ("billing_address_address", "1 Main St"),
        ];
        Profile {
            account_id: 1,
            account_name: "reseller".into(),
            values: values.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            currency: Some("USD".into()),
            ..Default::default()
        }
    }

    #[test]
    fn only_changed_fields_are_sent_and_previewed() {
        let profile = profile();
        let mut form = profile.form();
        assert!(form.changes(&profile).is_empty());
        form.set("min_balance_to_notify", "10".into());
        assert!(form.changes(&profile).is_empty(), "10 and 10.00 are the same amount");
        form.set("min_balance_to_notify", "25.5".into());
        form.set("news_notifications", "true".into());
        let changes = form.changes(&profile);
        let params = changes.request().params();
        assert_eq!(params.get("min_balance_to_notify"), Some("25.5"));
        assert_eq!(params.get("news_notifications"), Some("true"));
        assert_eq!(params.get("new_account_email"), None);
        assert_eq!(
            changes.preview(&profile),
            vec![
                ("Min balance to notify", "10.00 USD".to_string(), "25.50 USD".to_string()),
                ("News emails", "off".to_string(), "on".to_string())
            ]
        );
        assert_eq!(changes.diff(&profile)["news_notifications"], json!({ "before": false, "after": true }));
        assert!(changes.problems(&profile).is_empty());
    }

    #[test]
    fn bad_values_are_refused_next_to_their_field() {
        let profile = profile();
        let mut form = profile.form();
        form.set("callback_url", "ftp://example.com/hook".into());
        form.set("billing_address_country_code", "XX".into());
        form.set("min_balance_to_notify", "-1".into());
        form.set("billing_address_address", "".into());
        form.set("account_last_name", "x".repeat(300));
        let problems = form.changes(&profile).problems(&profile);
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        for expected in ["callback_url", "billing_address_country_code", "min_balance_to_notify", "billing_address_address", "account_last_name"] {
            assert!(fields.contains(&expected), "{expected} not refused: {problems:?}");
        }
        let message = |field: &str| problems.iter().find(|(f, _)| f == field).unwrap().1.clone();
        assert!(message("callback_url").starts_with("Callback URL must be an http:// or https:// URL"), "{problems:?}");
        assert!(message("billing_address_address").contains("cannot be removed once set"));
        assert!(message("min_balance_to_notify").contains("cannot be negative"));
        let unknown = ProfileChanges([("api_key".to_string(), "x".to_string())].into());
        assert_eq!(unknown.problems(&profile)[0].0, "api_key");
        assert_eq!(ProfileChanges::default().problems(&profile)[0].0, "");
    }

    #[test]
    fn secrets_never_reach_the_record() {
        let profile = profile();
        let mut form = profile.form();
        form.set("new_account_password", "N3w!passw0rd".into());
        form.set("callback_salt", "salty-secret".into());
        let changes = form.changes(&profile);
        let recorded = format!("{} {}", changes.diff(&profile), Value::Object(changes.settings()));
        assert!(!recorded.contains("N3w!passw0rd") && !recorded.contains("salty-secret"), "{recorded}");
        assert_eq!(changes.request().params().get("callback_salt"), Some("salty-secret"));
        let (matching, differing) = compare(&changes.settings(), &profile);
        assert!(matching.is_empty() && differing.is_empty(), "secrets cannot be read back");
    }
}
