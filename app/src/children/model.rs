//! What the child-account pages show: a child as Voximplant describes it (secrets
//! left out) and its verification. The edits live in [`super::changes`].

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A child account as GetChildrenAccounts describes it, without its secrets (API
/// key, callback salt). Field names are Voximplant's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChildAccount {
    pub account_id: u64,
    pub account_name: String,
    pub account_email: String,
    pub account_first_name: Option<String>,
    pub account_last_name: Option<String>,
    /// `2026-11-03 14:22 UTC`.
    pub created: Option<String>,
    pub active: bool,
    pub frozen: bool,
    pub balance: Option<Decimal>,
    pub credit_limit: Option<Decimal>,
    pub currency: Option<String>,
    pub min_balance_to_notify: Option<Decimal>,
    pub account_notifications: bool,
    pub tariff_changing_notifications: bool,
    pub news_notifications: bool,
    pub language_code: Option<String>,
    pub location: Option<String>,
    pub support_robokassa: bool,
    pub support_bank_card: bool,
    pub bank_card_provider: Option<String>,
    pub support_invoice: bool,
    pub billing_address_name: Option<String>,
    pub billing_address_country_code: Option<String>,
    pub billing_address_address: Option<String>,
    pub billing_address_zip: Option<String>,
    pub billing_address_phone: Option<String>,
    pub billing_address_state: Option<String>,
    pub account_custom_data: Option<String>,
    pub callback_url: Option<String>,
    pub send_js_error: Option<bool>,
    pub a2p_sms_enabled: Option<bool>,
}

/// Active, inactive or frozen: what the list and the child's page say, in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildStatus {
    Active,
    Inactive,
    /// Blocked by Voximplant (usually for lack of money), whatever `active` says.
    Frozen,
}

impl ChildStatus {
    pub fn label(self) -> &'static str {
        match self {
            ChildStatus::Active => "Active",
            ChildStatus::Inactive => "Inactive",
            ChildStatus::Frozen => "Frozen",
        }
    }

    /// The badge's colour class; the label always says the same in words.
    pub fn class(self) -> &'static str {
        match self {
            ChildStatus::Active => "badge badge-ok",
            ChildStatus::Inactive => "badge badge-muted",
            ChildStatus::Frozen => "badge badge-bad",
        }
    }
}

/// One line of the child list: only what the table shows. A page carries 50 of
/// these in its hydration data, so the other 23 fields of [`ChildAccount`] stay out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChildRow {
    pub account_id: u64,
    pub account_name: String,
    pub account_email: String,
    /// `2026-11-03 14:22 UTC`.
    pub created: Option<String>,
    pub active: bool,
    pub frozen: bool,
    pub balance: Option<Decimal>,
    pub currency: Option<String>,
}

impl ChildStatus {
    pub fn of(active: bool, frozen: bool) -> ChildStatus {
        match (frozen, active) {
            (true, _) => ChildStatus::Frozen,
            (false, true) => ChildStatus::Active,
            (false, false) => ChildStatus::Inactive,
        }
    }
}

impl ChildRow {
    pub fn status(&self) -> ChildStatus {
        ChildStatus::of(self.active, self.frozen)
    }

    /// `12.50 USD`, or "—" when Voximplant did not say.
    pub fn balance_text(&self) -> String {
        money(self.balance, self.currency.as_deref())
    }
}

impl ChildAccount {
    pub fn status(&self) -> ChildStatus {
        ChildStatus::of(self.active, self.frozen)
    }

    /// `12.50 USD`, or "—" when Voximplant did not say.
    pub fn balance_text(&self) -> String {
        money(self.balance, self.currency.as_deref())
    }

    /// The value of one of this account's fields, by Voximplant's name (for diffs and
    /// the reconciler's check). `Null` for a field it does not have.
    pub fn field(&self, name: &str) -> Value {
        serde_json::to_value(self).ok().and_then(|mut all| all.get_mut(name).map(Value::take)).unwrap_or(Value::Null)
    }
}

/// An amount with its currency, for people: `12,437.50 USD`; never rounded (`0.0125 USD`
/// stays). Exports and form values use [`amount_text`], which has no separators.
pub fn money(amount: Option<Decimal>, currency: Option<&str>) -> String {
    match amount {
        Some(amount) => format!("{} {}", grouped(&amount_text(amount)), currency.unwrap_or("")).trim_end().to_string(),
        None => "—".to_string(),
    }
}

/// `-12437.50` → `-12,437.50`: thousands separated in the whole part only.
fn grouped(plain: &str) -> String {
    let (sign, unsigned) = plain.strip_prefix('-').map_or(("", plain), |rest| ("-", rest));
    let (whole, fraction) = unsigned.split_once('.').map_or((unsigned, None), |(w, f)| (w, Some(f)));
    let mut out = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    match fraction {
        Some(fraction) => format!("{sign}{out}.{fraction}"),
        None => format!("{sign}{out}"),
    }
}

/// An amount with at least two decimals and never fewer than it has: `12.50`, `0.0125`.
pub fn amount_text(amount: Decimal) -> String {
    let mut amount = amount.normalize();
    if amount.scale() < 2 {
        amount.rescale(2);
    }
    amount.to_string()
}

/// One verification of a child account (GetAccountDocuments) and its documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerificationView {
    pub name: String,
    /// `REQUIRED`, `IN_PROGRESS`, `VERIFIED` or `NOT_REQUIRED`.
    pub status: String,
    pub hold_until: Option<String>,
    pub documents: Vec<DocumentView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentView {
    pub id: u64,
    pub individual: bool,
    pub uploaded: String,
    /// `ACCEPTED`, `REJECTED`, `IN_PROGRESS` or `INCOMPLETE_SET`.
    pub status: String,
    pub comment: Option<String>,
}

/// A verification or document status in words and the badge colour for it.
pub fn verification_badge(status: &str) -> (&'static str, &'static str) {
    match status {
        "VERIFIED" => ("Verified", "badge badge-ok"),
        "ACCEPTED" => ("Accepted", "badge badge-ok"),
        "NOT_REQUIRED" => ("Not required", "badge badge-muted"),
        "IN_PROGRESS" => ("In review", "badge badge-warn"),
        "REQUIRED" => ("Required", "badge badge-warn"),
        "REJECTED" => ("Rejected", "badge badge-bad"),
        "INCOMPLETE_SET" => ("Incomplete set", "badge badge-bad"),
        _ => ("Unknown", "badge badge-muted"),
    }
}

/// A child's page: the account, and its verification (which may fail on its own).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildDetails {
    pub account: ChildAccount,
    /// `Err` says why the verification could not be read; the account still shows.
    pub verifications: Result<Vec<VerificationView>, String>,
}

/// The form's words for a SetChildAccountInfo parameter.
pub fn edit_field_label(field: &str) -> &'static str {
    match field {
        "new_child_account_email" => "Email",
        "new_child_account_password" => "New password",
        "min_balance_to_notify" => "Min balance to notify",
        other => account_field_label(other),
    }
}

/// The page's words for an account field.
pub fn account_field_label(field: &str) -> &'static str {
    match field {
        "account_email" => "Email",
        "password" => "Password",
        "language_code" => "Language",
        "location" => "Time zone",
        "min_balance_to_notify" => "Min balance to notify",
        "support_robokassa" => "Robokassa payments",
        "support_bank_card" => "Bank card payments",
        "support_invoice" => "Invoice payments",
        "can_use_restricted" => "Restricted directions",
        "account_notifications" => "Account emails",
        "tariff_changing_notifications" => "Plan-change emails",
        "news_notifications" => "News emails",
        "active" => "Status",
        _ => "This value",
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn child() -> ChildAccount {
        ChildAccount {
            account_id: 7,
            account_name: "acme-corp".into(),
            account_email: "ops@acme.example".into(),
            language_code: Some("en".into()),
            location: Some("Europe/Berlin".into()),
            min_balance_to_notify: Some(Decimal::new(1000, 2)),
            currency: Some("USD".into()),
            active: true,
            ..Default::default()
        }
    }

    #[test]
    fn status_is_words() {
        let mut child = child();
        assert_eq!(child.status().label(), "Active");
        child.active = false;
        assert_eq!(child.status().label(), "Inactive");
        child.frozen = true;
        assert_eq!(child.status().label(), "Frozen");
        assert_eq!(money(Some(Decimal::new(12345, 3)), Some("USD")), "12.345 USD");
        assert_eq!(money(Some(Decimal::new(10, 0)), Some("EUR")), "10.00 EUR");
        assert_eq!(money(None, Some("EUR")), "—");
        assert_eq!(money(Some(Decimal::new(1243750, 2)), Some("USD")), "12,437.50 USD");
        assert_eq!(money(Some(Decimal::new(-100000012, 4)), Some("RUR")), "-10,000.0012 RUR");
        assert_eq!(money(Some(Decimal::new(999, 0)), None), "999.00");
        assert_eq!(amount_text(Decimal::new(1243750, 2)), "12437.50", "exports keep plain numbers");
    }
}
