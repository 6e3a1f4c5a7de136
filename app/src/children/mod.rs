//! Child accounts: the customers under the selected parent account.
//!
//! The create form checks Voximplant's own rules in the browser (the same
//! `voximplant` validation compiled to WASM) and again on the server.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use rust_decimal::Decimal;
use voximplant::{
    methods::{AccountRef, AddAccount, CloneAccount, NotificationSettings, RecordStorage},
    Method, Secret,
};

use crate::{error::AppError, submission::FormKey};

#[cfg(feature = "ssr")]
pub mod actions;
pub mod account_form;
pub mod bulk;
pub mod changes;
pub mod child_controls;
pub mod child_page;
pub mod clone_page;
pub mod edit_page;
#[cfg(feature = "ssr")]
pub mod export;
pub mod list_page;
pub mod model;
pub mod new_page;
pub mod query;
pub mod recorded;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod ssr;

use changes::{ChildChanges, NotificationChanges};
use model::{ChildAccount, ChildDetails};
use query::{ChildPage, ChildQuery};

/// The create form, as typed. Field names are AddAccount's parameter names, so a
/// rule's complaint lands next to the field it is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewChild {
    pub account_name: String,
    pub account_email: String,
    pub account_password: String,
    #[serde(default)]
    pub account_first_name: String,
    #[serde(default)]
    pub account_last_name: String,
    /// An IANA time zone, or empty for Voximplant's default.
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub active: bool,
    #[serde(default)]
    pub account_notifications: bool,
    #[serde(default)]
    pub tariff_changing_notifications: bool,
    #[serde(default)]
    pub news_notifications: bool,
    /// ISO 639-1 code of Voximplant's emails, or empty for English.
    #[serde(default)]
    pub language_code: String,
    #[serde(default)]
    pub account_custom_data: String,
    /// An amount in the parent's currency, as typed.
    #[serde(default)]
    pub min_balance_to_notify: String,
    /// Where call records go: a record storage's id (digits) or name; empty for the default.
    #[serde(default)]
    pub record_storage: String,
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

impl NewChild {
    /// The amount as typed: `Err` when it is not a number.
    fn min_balance(&self) -> Result<Option<Decimal>, String> {
        match self.min_balance_to_notify.trim() {
            "" => Ok(None),
            typed => match typed.parse::<Decimal>() {
                Ok(amount) if amount >= Decimal::ZERO => Ok(Some(amount)),
                Ok(_) => Err("Min balance to notify cannot be negative.".into()),
                Err(_) => Err("Min balance to notify must be an amount like 10 or 12.50.".into()),
            },
        }
    }

    /// The AddAccount request this form stands for (an unreadable amount is left out;
    /// [`NewChild::problems`] reports it).
    pub fn request(&self) -> AddAccount {
        let storage = self.record_storage.trim();
        AddAccount {
            parent: None,
            account_name: self.account_name.trim().to_string(),
            account_email: self.account_email.trim().to_string(),
            account_password: Secret::new(self.account_password.clone()),
            account_first_name: optional(&self.account_first_name),
            account_last_name: optional(&self.account_last_name),
            account_custom_data: optional(&self.account_custom_data),
            active: Some(self.active),
            location: optional(&self.location),
            notifications: NotificationSettings {
                account_notifications: Some(self.account_notifications),
                tariff_changing_notifications: Some(self.tariff_changing_notifications),
                news_notifications: Some(self.news_notifications),
                min_balance_to_notify: self.min_balance().ok().flatten(),
                language_code: optional(&self.language_code),
            },
            record_storage: match storage {
                "" => None,
                id if id.bytes().all(|b| b.is_ascii_digit()) => Some(RecordStorage::Id(id.to_string())),
                name => Some(RecordStorage::Name(name.to_string())),
            },
        }
    }

    /// The CloneAccount request for a copy of `source` with this form's name, email,
    /// password, names, language, time zone and custom data (the rest is copied).
    pub fn clone_request(&self, source: u64) -> CloneAccount {
        CloneAccount {
            parent: None,
            source: AccountRef::Id(source),
            new_account_name: self.account_name.trim().to_string(),
            new_account_email: self.account_email.trim().to_string(),
            new_account_password: Secret::new(self.account_password.clone()),
            account_first_name: optional(&self.account_first_name),
            account_last_name: optional(&self.account_last_name),
            account_custom_data: optional(&self.account_custom_data),
            language_code: optional(&self.language_code),
            location: optional(&self.location),
        }
    }

    /// What is wrong, per field, in words for the form (empty when nothing is).
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut problems = self.worded(self.request().validate());
        if let Err(message) = self.min_balance() {
            problems.push(("min_balance_to_notify".into(), message));
        }
        if self.record_storage.trim().chars().count() > 100 {
            problems.push(("record_storage".into(), "Record storage must be at most 100 characters.".into()));
        }
        problems
    }

    /// What is wrong for a clone, named by this form's fields (CloneAccount calls
    /// them `new_account_*`).
    pub fn clone_problems(&self) -> Vec<(String, String)> {
        let renamed = self.clone_request(0).validate().into_iter().map(|mut problem| {
            if let Some(field) = problem.field.strip_prefix("new_") {
                problem.field = field.to_string();
            }
            problem
        });
        self.worded(renamed.collect())
    }

    fn worded(&self, problems: Vec<voximplant::validation::Invalid>) -> Vec<(String, String)> {
        problems
            .into_iter()
            .map(|problem| {
                let label = field_label(&problem.field);
                let message = if problem.field == "account_name" && self.account_name.trim().is_empty() {
                    format!("{label} is required.")
                } else {
                    format!("{label} {}.", problem.message)
                };
                (problem.field, message)
            })
            .collect()
    }

    /// Every problem, as the error the server answers with.
    pub fn check(&self) -> Result<(), AppError> {
        AppError::check_all(self.problems())
    }
}

pub fn field_label(field: &str) -> &'static str {
    match field {
        "account_name" => "Account name",
        "account_email" => "Email",
        "account_password" => "Password",
        "account_first_name" => "First name",
        "account_last_name" => "Last name",
        "location" => "Time zone",
        "language_code" => "Language",
        "account_custom_data" => "Custom data",
        "min_balance_to_notify" => "Min balance to notify",
        "record_storage" => "Record storage",
        _ => "This value",
    }
}

/// A child account just created. The API key travels to the browser this once, and
/// only when showing it is on record in the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedChild {
    pub account_id: u64,
    pub account_name: String,
    pub active: bool,
    pub api_key: Option<String>,
    /// The answer to an earlier submission of the same form (a double click, a resend).
    #[serde(default)]
    pub again: bool,
}

/// A copy of a child account (CloneAccount) and what was copied into it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClonedChild {
    pub source_account_id: u64,
    pub account_id: u64,
    pub account_name: String,
    pub account_email: String,
    pub active: bool,
    pub api_key: Option<String>,
    /// Per kind (applications, users, …): the names of the copies, in Voximplant's order.
    pub copied: Vec<CopiedKind>,
    #[serde(default)]
    pub again: bool,
}

/// One kind of thing CloneAccount copied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopiedKind {
    /// Plural: "Applications", "ACD queues".
    pub kind: String,
    pub names: Vec<String>,
}

/// Creates a child account under the selected parent account (Voximplant AddAccount).
/// `form_key` is the rendered form's: the same form creates one account, however
/// often it is sent.
#[server(endpoint = "children/create")]
pub async fn create_child(child: NewChild, #[server(default)] form_key: FormKey) -> Result<CreatedChild, AppError> {
    ssr::service::<ssr::ChildAccounts>().await?.create(child, form_key).await
}

/// Copies a child account (CloneAccount) under a new name, email and password.
#[server(endpoint = "children/clone")]
pub async fn clone_child(
    source_account_id: u64,
    child: NewChild,
    #[server(default)] form_key: FormKey,
) -> Result<ClonedChild, AppError> {
    ssr::service::<ssr::ChildAccounts>().await?.clone_child(source_account_id, child, form_key).await
}

/// One page of the child-account list (GetChildrenAccounts).
#[server(endpoint = "children/list")]
pub async fn list_children(query: ChildQuery) -> Result<ChildPage, AppError> {
    ssr::service::<ssr::ChildReader>().await?.list(query).await
}

/// One child account and its verification documents.
#[server(endpoint = "children/get")]
pub async fn get_child(account_id: u64) -> Result<ChildDetails, AppError> {
    ssr::service::<ssr::ChildReader>().await?.details(account_id).await
}

/// Edits a child account (SetChildAccountInfo): only the fields that differ are sent.
#[server(endpoint = "children/update")]
pub async fn update_child(account_id: u64, #[server(default)] changes: ChildChanges) -> Result<ChildAccount, AppError> {
    ssr::service::<ssr::ChildAccounts>().await?.update(account_id, changes).await
}

/// Changes a child's notification switches, and nothing else.
#[server(endpoint = "children/notifications")]
pub async fn update_child_notifications(
    account_id: u64,
    #[server(default)] notifications: NotificationChanges,
) -> Result<ChildAccount, AppError> {
    ssr::service::<ssr::NotificationEditor>().await?.update(account_id, notifications).await
}

/// Activates a child account: it can use Voximplant and be charged again.
#[server(endpoint = "children/activate")]
pub async fn activate_child(account_id: u64) -> Result<ChildAccount, AppError> {
    ssr::service::<ssr::ChildAccounts>().await?.set_active(account_id, true).await
}

/// Deactivates a child account: its calls and API access stop until activated.
#[server(endpoint = "children/deactivate")]
pub async fn deactivate_child(account_id: u64) -> Result<ChildAccount, AppError> {
    ssr::service::<ssr::ChildAccounts>().await?.set_active(account_id, false).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> NewChild {
        NewChild {
            account_name: "acme-corp".into(),
            account_email: "ops@acme.example".into(),
            account_password: "Str0ng!pass".into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_form_applies_voximplants_rules_with_readable_messages() {
        assert!(valid().problems().is_empty());
        let empty = NewChild { account_name: " ".into(), ..valid() };
        assert_eq!(empty.problems()[0].1, "Account name is required.");
        let short = NewChild { account_name: "ac".into(), ..valid() };
        assert_eq!(short.problems()[0].0, "account_name");
        assert!(short.problems()[0].1.starts_with("Account name must be 5 to 20 characters"), "{:?}", short.problems());
        let upper = NewChild { account_name: "Acme-corp".into(), ..valid() };
        assert!(upper.problems()[0].1.contains("lowercase"));
        let weak = NewChild { account_password: "password".into(), ..valid() };
        assert_eq!(weak.problems()[0].0, "account_password");
        assert!(weak.problems()[0].1.contains("uppercase letter"), "{:?}", weak.problems());
        let zone = NewChild { location: "Mars/Olympus".into(), ..valid() };
        assert_eq!(zone.problems()[0].0, "location");
        let zone = NewChild { location: "Europe/Berlin".into(), ..valid() };
        assert!(zone.problems().is_empty());
        let email = NewChild { account_email: "nobody".into(), ..valid() };
        assert_eq!(email.check(), Err(AppError::invalid("account_email", email.problems()[0].1.clone())));
        // Every problem comes back at once, so the form shows them all.
        let both = NewChild { account_name: "ab".into(), account_password: "weak".into(), ..valid() };
        let error = both.check().unwrap_err();
        assert_eq!(error.fields(), ["account_name", "account_password"]);
    }

    #[test]
    fn new_children_are_inactive_and_quiet_unless_asked() {
        let request = valid().request();
        assert_eq!(request.active, Some(false));
        assert_eq!(request.notifications.news_notifications, Some(false));
        assert_eq!(request.location, None);
    }
}
