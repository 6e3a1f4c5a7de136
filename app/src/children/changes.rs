//! The edits a form asks for: only the fields that differ from Voximplant's values,
//! checked with Voximplant's rules (the same code in the browser and on the server),
//! with before → after for the confirmation, the audit log and the reconciler.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use voximplant::{
    methods::{ChildSelection, NotificationSettings, SetChildAccountInfo},
    wire::Selection,
    Method, Secret,
};

use super::{
    model::{account_field_label, edit_field_label, money, ChildAccount},
    recorded::diff,
};
use crate::error::AppError;

/// The edit form, as typed. Field names are SetChildAccountInfo's parameter names,
/// so Voximplant's complaints land next to the field they are about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildForm {
    pub new_child_account_email: String,
    /// Empty: keep the password.
    pub new_child_account_password: String,
    pub language_code: String,
    pub location: String,
    pub min_balance_to_notify: String,
    pub support_robokassa: bool,
    pub support_bank_card: bool,
    pub support_invoice: bool,
    /// `""` keeps it: Voximplant does not say what it is now. `"allow"` / `"forbid"`.
    pub can_use_restricted: String,
    pub account_notifications: bool,
    pub tariff_changing_notifications: bool,
    pub news_notifications: bool,
}

impl ChildForm {
    /// The form filled with the account's values.
    pub fn from_account(child: &ChildAccount) -> Self {
        ChildForm {
            new_child_account_email: child.account_email.clone(),
            new_child_account_password: String::new(),
            language_code: child.language_code.clone().unwrap_or_default(),
            location: child.location.clone().unwrap_or_default(),
            min_balance_to_notify: child.min_balance_to_notify.map(|m| m.normalize().to_string()).unwrap_or_default(),
            support_robokassa: child.support_robokassa,
            support_bank_card: child.support_bank_card,
            support_invoice: child.support_invoice,
            can_use_restricted: String::new(),
            account_notifications: child.account_notifications,
            tariff_changing_notifications: child.tariff_changing_notifications,
            news_notifications: child.news_notifications,
        }
    }

    /// Only what differs from `child`, plus problems that stop the form from being
    /// read at all (an amount that is not a number).
    pub fn changes(&self, child: &ChildAccount) -> Result<ChildChanges, AppError> {
        let text = |typed: &str, current: Option<&str>| {
            let typed = typed.trim();
            (typed != current.unwrap_or("")).then(|| typed.to_string())
        };
        let flag = |typed: bool, current: bool| (typed != current).then_some(typed);
        let min_balance = match self.min_balance_to_notify.trim() {
            "" => None,
            typed => Some(typed.parse::<Decimal>().map_err(|_| {
                AppError::invalid("min_balance_to_notify", "Min balance to notify must be an amount like 10 or 12.50.")
            })?),
        };
        Ok(ChildChanges {
            new_child_account_email: text(&self.new_child_account_email, Some(&child.account_email)),
            new_child_account_password: Some(self.new_child_account_password.clone()).filter(|p| !p.is_empty()),
            language_code: text(&self.language_code, child.language_code.as_deref()),
            location: text(&self.location, child.location.as_deref()),
            min_balance_to_notify: min_balance.filter(|m| Some(m.normalize()) != child.min_balance_to_notify.map(|c| c.normalize())),
            support_robokassa: flag(self.support_robokassa, child.support_robokassa),
            support_bank_card: flag(self.support_bank_card, child.support_bank_card),
            support_invoice: flag(self.support_invoice, child.support_invoice),
            can_use_restricted: match self.can_use_restricted.as_str() {
                "allow" => Some(true),
                "forbid" => Some(false),
                _ => None,
            },
            notifications: NotificationChanges {
                account_notifications: flag(self.account_notifications, child.account_notifications),
                tariff_changing_notifications: flag(self.tariff_changing_notifications, child.tariff_changing_notifications),
                news_notifications: flag(self.news_notifications, child.news_notifications),
            },
        })
    }
}

impl ChildForm {
    /// Everything wrong with the form at once, per field (an unreadable amount does not
    /// hide the other fields' problems). `("", …)` when nothing would change.
    pub fn problems(&self, child: &ChildAccount) -> Vec<(String, String)> {
        match self.changes(child) {
            Ok(changes) => changes.problems(),
            Err(amount) => {
                let others = ChildForm { min_balance_to_notify: String::new(), ..self.clone() };
                let mut problems: Vec<(String, String)> = others
                    .changes(child)
                    .map(|changes| changes.problems())
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|(field, _)| !field.is_empty())
                    .collect();
                problems.push(("min_balance_to_notify".into(), amount.for_field("min_balance_to_notify").unwrap_or_default()));
                problems
            }
        }
    }
}

/// The three notification switches: all support staff may change. Unknown fields
/// are refused, so nothing else can ride along.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationChanges {
    #[serde(default)]
    pub account_notifications: Option<bool>,
    #[serde(default)]
    pub tariff_changing_notifications: Option<bool>,
    #[serde(default)]
    pub news_notifications: Option<bool>,
}

impl NotificationChanges {
    pub fn is_empty(&self) -> bool {
        *self == NotificationChanges::default()
    }

    /// Only the switches that differ from `child`.
    pub fn differing_from(&self, child: &ChildAccount) -> NotificationChanges {
        let keep = |wanted: Option<bool>, current: bool| wanted.filter(|w| *w != current);
        NotificationChanges {
            account_notifications: keep(self.account_notifications, child.account_notifications),
            tariff_changing_notifications: keep(self.tariff_changing_notifications, child.tariff_changing_notifications),
            news_notifications: keep(self.news_notifications, child.news_notifications),
        }
    }

    fn settings(&self) -> NotificationSettings {
        NotificationSettings {
            account_notifications: self.account_notifications,
            tariff_changing_notifications: self.tariff_changing_notifications,
            news_notifications: self.news_notifications,
            ..Default::default()
        }
    }
}

/// What an edit changes: only the fields that differ, so nothing else is sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChildChanges {
    #[serde(default)]
    pub new_child_account_email: Option<String>,
    #[serde(default)]
    pub new_child_account_password: Option<String>,
    #[serde(default)]
    pub language_code: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub min_balance_to_notify: Option<Decimal>,
    #[serde(default)]
    pub support_robokassa: Option<bool>,
    #[serde(default)]
    pub support_bank_card: Option<bool>,
    #[serde(default)]
    pub support_invoice: Option<bool>,
    #[serde(default)]
    pub can_use_restricted: Option<bool>,
    #[serde(default)]
    pub notifications: NotificationChanges,
}

impl ChildChanges {
    pub fn notifications_only(notifications: NotificationChanges) -> Self {
        ChildChanges { notifications, ..Default::default() }
    }

    pub fn is_empty(&self) -> bool {
        *self == ChildChanges::default()
    }

    /// The SetChildAccountInfo call for child `account_id`: the changed fields only.
    pub fn request(&self, account_id: u64) -> SetChildAccountInfo {
        let mut request = SetChildAccountInfo::new(ChildSelection::Ids(Selection::Only(vec![account_id])));
        request.new_child_account_email = self.new_child_account_email.clone();
        request.new_child_account_password = self.new_child_account_password.clone().map(Secret::new);
        request.location = self.location.clone();
        request.support_robokassa = self.support_robokassa;
        request.support_bank_card = self.support_bank_card;
        request.support_invoice = self.support_invoice;
        request.can_use_restricted = self.can_use_restricted;
        request.notifications = NotificationSettings {
            min_balance_to_notify: self.min_balance_to_notify,
            language_code: self.language_code.clone(),
            ..self.notifications.settings()
        };
        request
    }

    /// What is wrong, per field, in words for the form (empty when nothing is).
    pub fn problems(&self) -> Vec<(String, String)> {
        if self.is_empty() {
            return vec![(String::new(), "Nothing to save: no field differs from the account's current values.".into())];
        }
        let mut problems: Vec<(String, String)> = self
            .request(1)
            .validate()
            .into_iter()
            .filter(|problem| !problem.field.starts_with("child_account"))
            .map(|problem| {
                let label = edit_field_label(&problem.field);
                (problem.field, format!("{label} {}.", problem.message))
            })
            .collect();
        if self.new_child_account_email.as_deref() == Some("") {
            problems.retain(|(field, _)| field != "new_child_account_email");
            problems.push(("new_child_account_email".into(), "Email is required.".into()));
        }
        problems
    }

    /// Every problem, as the error the server answers with.
    pub fn check(&self) -> Result<(), AppError> {
        AppError::check_all(self.problems())
    }

    /// The new values by the account's own field names (the password only as
    /// "changed"): what the audit log records and the reconciler looks for.
    pub fn settings(&self) -> Map<String, Value> {
        let mut set = Map::new();
        let mut put = |field: &str, value: Option<Value>| {
            if let Some(value) = value {
                set.insert(field.to_string(), value);
            }
        };
        put("account_email", self.new_child_account_email.as_ref().map(|e| json!(e)));
        put("password", self.new_child_account_password.as_ref().map(|_| json!("[redacted]")));
        put("language_code", self.language_code.as_ref().map(|c| json!(c)));
        put("location", self.location.as_ref().map(|l| json!(l)));
        put("min_balance_to_notify", self.min_balance_to_notify.map(|m| json!(m)));
        put("support_robokassa", self.support_robokassa.map(|v| json!(v)));
        put("support_bank_card", self.support_bank_card.map(|v| json!(v)));
        put("support_invoice", self.support_invoice.map(|v| json!(v)));
        put("can_use_restricted", self.can_use_restricted.map(|v| json!(v)));
        put("account_notifications", self.notifications.account_notifications.map(|v| json!(v)));
        put("tariff_changing_notifications", self.notifications.tariff_changing_notifications.map(|v| json!(v)));
        put("news_notifications", self.notifications.news_notifications.map(|v| json!(v)));
        set
    }

    /// Before → after, per changed field, in words for the confirmation and the
    /// result: (label, before, after).
    pub fn preview(&self, child: &ChildAccount) -> Vec<(&'static str, String, String)> {
        self.settings()
            .into_iter()
            .map(|(field, after)| {
                let label = account_field_label(&field);
                let currency = child.currency.as_deref();
                let (before, after) = match field.as_str() {
                    "password" => ("(current password)".to_string(), "(new password)".to_string()),
                    "can_use_restricted" => ("(not reported by Voximplant)".to_string(), shown(&after)),
                    "min_balance_to_notify" => {
                        (money(child.min_balance_to_notify, currency), money(self.min_balance_to_notify, currency))
                    }
                    _ => (shown(&child.field(&field)), shown(&after)),
                };
                (label, before, after)
            })
            .collect()
    }

    /// Before → after for the audit log, by field name.
    pub fn diff(&self, child: &ChildAccount) -> Value {
        diff(&self.settings(), child)
    }

    /// These changes less what `child` already has: what is really sent.
    pub fn without_unchanged(&self, child: &ChildAccount) -> ChildChanges {
        let text = |wanted: &Option<String>, current: Option<&str>| wanted.clone().filter(|w| Some(w.as_str()) != current);
        let flag = |wanted: Option<bool>, current: bool| wanted.filter(|w| *w != current);
        ChildChanges {
            new_child_account_email: text(&self.new_child_account_email, Some(&child.account_email)),
            new_child_account_password: self.new_child_account_password.clone(),
            language_code: text(&self.language_code, child.language_code.as_deref()),
            location: text(&self.location, child.location.as_deref()),
            min_balance_to_notify: self
                .min_balance_to_notify
                .filter(|m| Some(m.normalize()) != child.min_balance_to_notify.map(|c| c.normalize())),
            support_robokassa: flag(self.support_robokassa, child.support_robokassa),
            support_bank_card: flag(self.support_bank_card, child.support_bank_card),
            support_invoice: flag(self.support_invoice, child.support_invoice),
            can_use_restricted: self.can_use_restricted,
            notifications: self.notifications.differing_from(child),
        }
    }
}

/// A JSON value as a person reads it.
fn shown(value: &Value) -> String {
    match value {
        Value::Null => "(not set)".into(),
        Value::Bool(true) => "on".into(),
        Value::Bool(false) => "off".into(),
        Value::String(text) if text.is_empty() => "(not set)".into(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use voximplant::Method;

    use super::*;
    use crate::children::model::tests::child;

    #[test]
    fn an_unchanged_form_changes_nothing_and_says_so() {
        let child = child();
        let changes = ChildForm::from_account(&child).changes(&child).unwrap();
        assert!(changes.is_empty());
        assert_eq!(changes.problems()[0].0, "");
    }

    #[test]
    fn only_changed_fields_are_sent() {
        let child = child();
        let form = ChildForm { min_balance_to_notify: "25.5".into(), language_code: "de".into(), ..ChildForm::from_account(&child) };
        let changes = form.changes(&child).unwrap();
        let request = changes.request(child.account_id);
        let params = request.params();
        assert_eq!(params.get("min_balance_to_notify"), Some("25.5"));
        assert_eq!(params.get("language_code"), Some("de"));
        assert_eq!(params.get("new_child_account_email"), None);
        assert_eq!(params.get("location"), None);
        assert_eq!(params.get("news_notifications"), None);
        assert_eq!(
            changes.preview(&child),
            vec![("Language", "en".to_string(), "de".to_string()), ("Min balance to notify", "10.00 USD".to_string(), "25.50 USD".to_string())]
        );
        assert_eq!(changes.diff(&child)["language_code"], json!({ "before": "en", "after": "de" }));
    }

    #[test]
    fn voximplants_rules_apply_with_readable_messages() {
        let child = child();
        let form = ChildForm {
            new_child_account_email: "nobody".into(),
            new_child_account_password: "weak".into(),
            language_code: "xx".into(),
            location: "Mars/Olympus".into(),
            ..ChildForm::from_account(&child)
        };
        let problems = form.changes(&child).unwrap().problems();
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["new_child_account_email", "new_child_account_password", "language_code", "location"]);
        assert!(problems[0].1.starts_with("Email must be an email address"), "{problems:?}");
        assert!(problems[1].1.starts_with("New password must be at least 8"), "{problems:?}");
        let amount = ChildForm { min_balance_to_notify: "ten".into(), ..ChildForm::from_account(&child) };
        assert_eq!(amount.changes(&child).unwrap_err().fields(), ["min_balance_to_notify"]);
        // An unreadable amount does not hide the other fields' problems.
        let both = ChildForm { min_balance_to_notify: "ten".into(), ..form.clone() };
        let fields: Vec<String> = both.problems(&child).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields.len(), 5, "{fields:?}");
        assert_eq!(fields.last().map(String::as_str), Some("min_balance_to_notify"));
        let negative = ChildForm { min_balance_to_notify: "-1".into(), ..ChildForm::from_account(&child) };
        assert_eq!(negative.changes(&child).unwrap().problems()[0].0, "min_balance_to_notify");
        let empty = ChildForm { new_child_account_email: " ".into(), ..ChildForm::from_account(&child) };
        assert_eq!(empty.changes(&child).unwrap().problems(), vec![("new_child_account_email".into(), "Email is required.".into())]);
    }

    #[test]
    fn the_password_never_reaches_the_record() {
        let child = child();
        let form = ChildForm { new_child_account_password: "N3w!passw0rd".into(), ..ChildForm::from_account(&child) };
        let changes = form.changes(&child).unwrap();
        assert!(!changes.diff(&child).to_string().contains("N3w!passw0rd"));
        assert!(!Value::Object(changes.settings()).to_string().contains("N3w!passw0rd"));
        assert_eq!(changes.request(7).params().get("new_child_account_password"), Some("N3w!passw0rd"));
    }
}
