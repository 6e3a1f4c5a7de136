//! The structures the 15 Accounts methods return, field for field as documented.
//! Optional fields are `Option`; `""` and `null` deserialize to `None`; money is
//! [`Decimal`]; timestamps are UTC.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{secret::Secret, wire::serde_fields as f};

/// Generates an enum for a closed set of API strings, with `Other(String)` kept for
/// values Voximplant adds later (so a new value never breaks deserialization).
macro_rules! api_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($variant,)+
            Other(String),
        }

        impl $name {
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Other(text) => text,
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Ok(match text {
                    $($text => $name::$variant,)+
                    other => $name::Other(other.to_string()),
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Ok(text.parse().unwrap_or_else(|never| match never {}))
            }
        }
    };
}

api_enum!(
    /// `plan_type`.
    PlanType { Im = "IM", Mau = "MAU" }
);
api_enum!(
    /// `verification_status` of an account verification or a subscription template.
    VerificationStatus {
        Required = "REQUIRED",
        InProgress = "IN_PROGRESS",
        Verified = "VERIFIED",
        NotRequired = "NOT_REQUIRED",
    }
);
api_enum!(
    /// `account_document_status`.
    DocumentStatus {
        Accepted = "ACCEPTED",
        Rejected = "REJECTED",
        InProgress = "IN_PROGRESS",
        IncompleteSet = "INCOMPLETE_SET",
    }
);
api_enum!(
    /// `subscription_template_type` / `subscription_type`.
    SubscriptionTemplateKind { PhoneNumber = "PHONE_NUM", SipRegistration = "SIP_REGISTRATION" }
);
api_enum!(
    /// `resource_type` of a price. Voximplant keeps adding resource types.
    ResourceType {
        PstnOut = "PSTNOUT",
        SmsOut = "SMSOUT",
        VoipOut = "VOIPOUT",
        Im = "IM",
        Mau = "MAU",
        MauOverrun = "MAU_OVERRUN",
        Pstn = "PSTN",
        Voip = "VOIP",
        Recording = "RECORD",
        Asr = "ASR",
        Tts = "TTS",
    }
);
api_enum!(
    /// `order_by` of GetChildrenAccounts.
    ChildrenOrder {
        ChildAccountId = "child_account_id",
        ChildAccountName = "child_account_name",
        ChildAccountEmail = "child_account_email",
    }
);
api_enum!(
    /// `bank_card_provider` (only some clients model it).
    BankCardProvider { Braintree = "BRAINTREE", Alfabank = "ALFABANK" }
);

/// One of GetChildrenAccounts' items as a list of accounts shows it: who, status,
/// money, created. Read from the same answer as [`AccountInfo`]; every other member
/// (the child's `api_key` and `callback_salt` among them) is skipped unread, never
/// held, and a page of children is read in about a third of the time.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AccountListing {
    pub account_id: u64,
    #[serde(default, deserialize_with = "f::opt_string::deserialize")]
    pub account_name: Option<String>,
    #[serde(default, deserialize_with = "f::opt_string::deserialize")]
    pub account_email: Option<String>,
    #[serde(default, deserialize_with = "f::opt_timestamp::deserialize")]
    pub created: Option<DateTime<Utc>>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub frozen: Option<bool>,
    #[serde(default, deserialize_with = "f::opt_decimal::deserialize")]
    pub balance: Option<Decimal>,
    #[serde(default, deserialize_with = "f::opt_string::deserialize")]
    pub currency: Option<String>,
}

impl From<AccountInfo> for AccountListing {
    fn from(info: AccountInfo) -> AccountListing {
        let AccountInfo { account_id, account_name, account_email, created, active, frozen, balance, currency, .. } = info;
        AccountListing { account_id, account_name, account_email, created, active, frozen, balance, currency }
    }
}

/// AccountInfoType: GetAccountInfo's `result`, GetChildrenAccounts' items.
///
/// `created` and `active` are documented as required but `brief_output` /
/// `medium_output` leave them out, hence `Option`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AccountInfo {
    pub account_id: u64,
    #[serde(default, deserialize_with = "f::opt_string::deserialize")]
    pub account_name: Option<String>,
    #[serde(default, deserialize_with = "f::opt_string::deserialize")]
    pub account_email: Option<String>,
    /// Only when authenticated by password or api_key.
    #[serde(default)]
    pub api_key: Option<Secret>,
    #[serde(default, deserialize_with = "f::opt_string::deserialize")]
    pub account_first_name: Option<String>,
    #[serde(default, deserialize_with = "f::opt_string::deserialize")]
    pub account_last_name: Option<String>,
    #[serde(default, deserialize_with = "f::opt_timestamp::deserialize")]
    pub created: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "f::opt_string::deserialize")]
    pub language_code: Option<String>,
    #[serde(default, deserialize_with = "f::opt_string::deserialize")]
    pub location: Option<String>,
    #[serde(default, deserialize_with = "f::opt_decimal::deserialize")]
    pub min_balance_to_notify: Option<Decimal>,
    #[serde(default)]
    pub account_notifications: Option<bool>,
    #[serde(default)]
    pub tariff_changing_notifications: Option<bool>,
    #[serde(default)]
    pub news_notifications: Option<bool>,
    #[serde(default, deserialize_with = "f::opt_string::deserialize")]
    pub billing_address_name: Option<String>,
    #[serde(default, deserialize_with = "f::opt_string::deserialize")]
    pub billing_address_country_code: Option<String>,
    #[serde(default, deserialize_with = "f::opt_string::deserialize")]
    pub billing_address_address: Option<String>,
    #[serde(default, deserialize_with = "f::opt_string::deserialize")]
    pub billing_address_zip: Option<String>,
    #[serde(default, deserialize_with = "f::opt_string::deserialize")]
    pub billing_address_phone: Option<String>,
    #[serde(default, deserialize_with = "f::opt_string::deserialize")]
    pub billing_address_state: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub frozen: Option<bool>,
    #[serde(default, deserialize_with = "f::opt_decimal::deserialize")]
    pub balance: Option<Decimal>,
    #[serde(default, deserialize_with = "f::opt_decimal::deserialize")]
    pub credit_limit: Option<Decimal>,
    #[serde(default, deserialize_with = "f::opt_string::deserialize")]
    pub currency: Option<String>,
    #[serde(default)]
    pub support_robokassa: Option<bool>,
    #[serde(default)]
    pub support_bank_card: Option<bool>,
    #[serde(default)]
    pub bank_card_provider: Option<BankCardProvider>,
    #[serde(default)]
    pub support_invoice: Option<bool>,
    #[serde(default, deserialize_with = "f::opt_string::deserialize")]
    pub account_custom_data: Option<String>,
    #[serde(default)]
    pub access_entries: Option<Vec<String>>,
    #[serde(default)]
    pub with_access_entries: Option<bool>,
    #[serde(default, deserialize_with = "f::opt_string::deserialize")]
    pub callback_url: Option<String>,
    /// Signs callbacks: as secret as the api_key.
    #[serde(default)]
    pub callback_salt: Option<Secret>,
    #[serde(default)]
    pub send_js_error: Option<bool>,
    #[serde(default)]
    pub billing_limits: Option<BillingLimits>,
    #[serde(default)]
    pub a2p_sms_enabled: Option<bool>,
}

/// BillingLimitsType.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillingLimits {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub robokassa: Option<BillingLimitInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_card: Option<BillingLimitInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice: Option<BillingLimitInfo>,
}

/// BillingLimitInfoType and BankCardBillingLimitInfoType (the same fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillingLimitInfo {
    #[serde(with = "f::decimal")]
    pub min_amount: Decimal,
    pub currency: String,
}

/// ShortAccountInfoType: the account after ChangeAccountPlan or ChargeAccount.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShortAccountInfo {
    pub account_id: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frozen: Option<bool>,
    #[serde(default, with = "f::opt_decimal", skip_serializing_if = "Option::is_none")]
    pub balance: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// ClonedAccountType. The arrays are documented both as required and as optional:
/// they default to empty.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ClonedAccount {
    pub account_id: u64,
    pub account_name: String,
    pub account_email: String,
    pub active: bool,
    pub api_key: Secret,
    #[serde(default)]
    pub users: Vec<ClonedUser>,
    #[serde(default)]
    pub scenarios: Vec<ClonedScenario>,
    #[serde(default)]
    pub applications: Vec<ClonedApplication>,
    #[serde(default)]
    pub acd_queues: Vec<ClonedAcdQueue>,
    #[serde(default)]
    pub acd_skills: Vec<ClonedAcdSkill>,
    #[serde(default)]
    pub admin_roles: Vec<ClonedAdminRole>,
    #[serde(default)]
    pub admin_users: Vec<ClonedAdminUser>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClonedUser {
    pub user_id: u64,
    pub user_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClonedScenario {
    pub scenario_id: u64,
    pub scenario_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClonedApplication {
    pub application_id: u64,
    pub application_name: String,
    /// Named `users` on the wire, but holds the application's cloned rules.
    #[serde(rename = "users", default)]
    pub rules: Vec<ClonedRule>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClonedRule {
    pub rule_id: u64,
    pub rule_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClonedAcdQueue {
    pub acd_queue_id: u64,
    pub acd_queue_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClonedAcdSkill {
    pub skill_id: u64,
    pub skill_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClonedAdminRole {
    pub admin_role_id: u64,
    pub admin_role_name: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ClonedAdminUser {
    pub admin_user_id: u64,
    pub admin_user_name: String,
    pub admin_user_api_key: Secret,
}

/// AccountDocumentsType: one account's verifications (GetAccountDocuments).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountDocuments {
    pub account_id: u64,
    #[serde(default)]
    pub verifications: Vec<AccountVerification>,
}

/// AccountVerificationType.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountVerification {
    pub verification_name: String,
    pub verification_status: VerificationStatus,
    #[serde(default, with = "f::opt_date", skip_serializing_if = "Option::is_none")]
    pub unverified_hold_until: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documents: Option<Vec<AccountVerificationDocument>>,
}

/// AccountVerificationDocument.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountVerificationDocument {
    pub account_document_id: u64,
    pub is_individual: bool,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "f::opt_string::deserialize")]
    pub comment: Option<String>,
    #[serde(with = "f::timestamp")]
    pub uploaded: DateTime<Utc>,
    pub account_document_status: DocumentStatus,
}

/// AccountPlanType: a plan the account has (GetAccountPlans).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountPlan {
    pub plan_subscription_template_id: u64,
    #[serde(with = "f::opt_date", default)]
    pub next_charge: Option<NaiveDate>,
    pub plan_type: PlanType,
    pub plan_name: String,
    #[serde(with = "f::decimal")]
    pub periodic_charge: Decimal,
    #[serde(default)]
    pub packages: Vec<AccountPlanPackage>,
}

/// AccountPlanPackageType.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountPlanPackage {
    pub price_group_id: Vec<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_name: Option<String>,
    pub may_overrun: bool,
    #[serde(with = "f::decimal")]
    pub overrun_price: Decimal,
    pub overrun_resources: u64,
    pub resource_left: u64,
    /// Current size, overrun included.
    pub package_size: u64,
    /// Original size, overrun excluded.
    pub orig_package_size: u64,
}

/// PlanType: a plan that can be chosen (GetAvailablePlans).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub plan_subscription_template_id: u64,
    pub plan_type: PlanType,
    pub plan_name: String,
    #[serde(with = "f::decimal")]
    pub periodic_charge: Decimal,
    #[serde(default)]
    pub packages: Vec<PlanPackage>,
}

/// PlanPackageType.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanPackage {
    pub price_group_id: Vec<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_name: Option<String>,
    pub may_overrun: bool,
    #[serde(with = "f::decimal")]
    pub overrun_price: Decimal,
    pub overrun_resources: u64,
    pub package_size: u64,
}

/// ExchangeRates: units of each currency per 1 USD, keyed by currency code.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExchangeRates(#[serde(with = "rates")] pub BTreeMap<String, Decimal>);

mod rates {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(map: &BTreeMap<String, Decimal>, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut out = serializer.serialize_map(Some(map.len()))?;
        for (code, rate) in map {
            let number: serde_json::Number =
                rate.to_string().parse().map_err(|_| serde::ser::Error::custom("rate out of range"))?;
            out.serialize_entry(code, &number)?;
        }
        out.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<BTreeMap<String, Decimal>, D::Error> {
        let raw = BTreeMap::<String, serde_json::Value>::deserialize(deserializer)?;
        raw.into_iter()
            .filter(|(_, value)| !value.is_null())
            .map(|(code, value)| {
                crate::wire::decimal_from_json(&value)
                    .map(|rate| (code.clone(), rate))
                    .ok_or_else(|| serde::de::Error::custom(format!("rate for {code} is not a number")))
            })
            .collect()
    }
}

/// ResourcePrice (GetResourcePrice).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourcePrice {
    pub resource_type: ResourceType,
    #[serde(default)]
    pub price_groups: Vec<PriceGroup>,
}

/// PriceGroup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceGroup {
    pub price_group_name: String,
    pub price_group_id: u64,
    /// Per `num_resources_per_price` units.
    #[serde(with = "f::decimal")]
    pub price: Decimal,
    pub num_resources_per_price: u64,
    /// Rounding quantum.
    pub quantum: u64,
    pub params: ResourceParams,
}

/// ResourceParams: which prefixes a price applies to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceParams {
    #[serde(default)]
    pub allowed: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forbidden: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested: Option<Vec<String>>,
}

/// SubscriptionTemplateType (GetSubscriptionPrice). The docs' own example leaves out
/// most fields, so only id, name, type, prices and period are required.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionTemplate {
    pub subscription_template_id: u64,
    /// Documented as a number (`currency_id`); most clients read a string `currency`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(with = "f::decimal")]
    pub installation_price: Decimal,
    #[serde(default, with = "f::opt_decimal", skip_serializing_if = "Option::is_none")]
    pub installation_price_in_currency: Option<Decimal>,
    /// Monthly fee; fractional in practice though documented as `number`.
    #[serde(with = "f::decimal")]
    pub price: Decimal,
    #[serde(default, with = "f::opt_decimal", skip_serializing_if = "Option::is_none")]
    pub price_in_currency: Option<Decimal>,
    /// `Y-M-D H:m:s`, e.g. `0-1-0 0:0:0` for one month.
    pub period: String,
    pub subscription_template_type: SubscriptionTemplateKind,
    pub subscription_template_name: String,
    /// A boolean in the docs, a string in the clients: either is accepted.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "loose_bool")]
    pub required_verification: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_status: Option<VerificationStatus>,
    #[serde(default, with = "f::opt_decimal", skip_serializing_if = "Option::is_none")]
    pub installation_tax_reserve: Option<Decimal>,
    #[serde(default, with = "f::opt_decimal", skip_serializing_if = "Option::is_none")]
    pub tax_reserve: Option<Decimal>,
}

fn loose_bool<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Bool(value) => Some(value),
        serde_json::Value::String(text) => crate::wire::parse_bool(&text),
        serde_json::Value::Number(number) => number.as_u64().map(|n| n != 0),
        _ => None,
    })
}

/// GetMoneyAmountToChargeResult.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoneyAmountToCharge {
    /// Subscriptions + plan + negative balance, in the requested currency.
    #[serde(with = "f::decimal")]
    pub amount: Decimal,
    /// `amount` minus the positive balance.
    #[serde(with = "f::decimal")]
    pub min_amount: Decimal,
    #[serde(default, with = "f::opt_decimal", skip_serializing_if = "Option::is_none")]
    pub bank_card_amount_usd: Option<Decimal>,
    #[serde(default, with = "f::opt_decimal", skip_serializing_if = "Option::is_none")]
    pub min_bank_card_amount_usd: Option<Decimal>,
    #[serde(default, with = "f::opt_decimal", skip_serializing_if = "Option::is_none")]
    pub robokassa_amount_rub: Option<Decimal>,
    #[serde(default, with = "f::opt_decimal", skip_serializing_if = "Option::is_none")]
    pub min_robokassa_amount_rub: Option<Decimal>,
    #[serde(default)]
    pub subscriptions: Vec<SubscriptionToCharge>,
}

/// SubscriptionsToChargeType.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionToCharge {
    #[serde(with = "f::decimal")]
    pub subscription_amount: Decimal,
    pub subscription_type: SubscriptionTemplateKind,
    pub subscription_description: String,
    pub subscription_auto_charge: bool,
    #[serde(default, with = "f::opt_date", skip_serializing_if = "Option::is_none")]
    pub subscription_next_renewal: Option<NaiveDate>,
}

/// ChargeAccountResult.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChargeResult {
    #[serde(with = "f::decimal")]
    pub charged_amount: Decimal,
    #[serde(default)]
    pub phones: Vec<ChargedPhone>,
}

/// ChargedPhoneType.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChargedPhone {
    pub phone_id: u64,
    pub phone_number: String,
    /// The subscription was frozen for lack of money.
    pub deactivated: bool,
    pub is_charged: bool,
}
