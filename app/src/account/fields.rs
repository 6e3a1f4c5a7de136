//! Every parameter SetAccountInfo takes, by its wire name: its words on the page and
//! what kind of input it is.

/// What kind of input a profile field is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// Written, never read back or shown (password, callback salt).
    Secret,
    /// A switch: `"true"` / `"false"`.
    Flag,
    /// A decimal amount, not negative.
    Amount,
    /// A switch Voximplant does not report: `""` leaves it, `"true"` / `"false"` set it.
    UnreadFlag,
}

/// One field of the profile form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileField {
    /// SetAccountInfo's parameter name.
    pub name: &'static str,
    pub label: &'static str,
    pub kind: Kind,
}

const fn field(name: &'static str, label: &'static str, kind: Kind) -> ProfileField {
    ProfileField { name, label, kind }
}

/// Every parameter SetAccountInfo accepts, in the form's order.
pub const PROFILE_FIELDS: &[ProfileField] = &[
    field("account_first_name", "First name", Kind::Text),
    field("account_last_name", "Last name", Kind::Text),
    field("new_account_email", "Email", Kind::Text),
    field("new_account_password", "New password", Kind::Secret),
    field("language_code", "Notification language", Kind::Text),
    field("location", "Time zone", Kind::Text),
    field("min_balance_to_notify", "Min balance to notify", Kind::Amount),
    field("account_notifications", "Account emails", Kind::Flag),
    field("tariff_changing_notifications", "Plan-change emails", Kind::Flag),
    field("news_notifications", "News emails", Kind::Flag),
    field("send_js_error", "Scenario error emails", Kind::Flag),
    field("billing_address_name", "Billing name", Kind::Text),
    field("billing_address_country_code", "Country", Kind::Text),
    field("billing_address_address", "Address", Kind::Text),
    field("billing_address_zip", "ZIP", Kind::Text),
    field("billing_address_phone", "Phone", Kind::Text),
    field("callback_url", "Callback URL", Kind::Text),
    field("callback_salt", "New callback salt", Kind::Secret),
    field("account_custom_data", "Custom data", Kind::Text),
    field("store_inbound_sms", "Store inbound SMS texts", Kind::UnreadFlag),
    field("store_outbound_sms", "Store outbound SMS texts", Kind::UnreadFlag),
];

pub fn profile_field(name: &str) -> Option<&'static ProfileField> {
    PROFILE_FIELDS.iter().find(|f| f.name == name)
}

pub fn label(name: &str) -> &'static str {
    profile_field(name).map_or("This value", |f| f.label)
}
