//! The 15 Accounts methods: one request type each, with every documented parameter
//! (optional ones as `Option`), its response type, its parameters on the wire and
//! its validation.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{de::DeserializeOwned, Deserialize};

use crate::{
    error_code::ErrorCode,
    params::Params,
    secret::Secret,
    types::*,
    validation::{self as v, Invalid},
    wire::Selection,
};

/// What every method has in common.
pub trait Method {
    /// The method's name on the wire (`AddAccount`).
    const NAME: &'static str;
    /// Whether the call changes state. Such calls are never retried automatically:
    /// a retry after a lost answer could do the change twice.
    const CHANGES_STATE: bool;
    type Response: DeserializeOwned;

    /// The parameters on the wire (the parent's credentials included where the
    /// method takes them).
    fn params(&self) -> Params;

    /// Every rule the request breaks; empty when it may be sent.
    fn validate(&self) -> Vec<Invalid>;

    /// True when the parameters already prove who calls (CloneAccount's
    /// `parent_account_api_key`), so `account_id`/`api_key` must not be added: the
    /// method's own `account_id` parameter names something else.
    fn carries_credentials(&self) -> bool {
        false
    }
}

/// One account, named by id, name or email (the API's `X_id | X_name | X_email`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountRef {
    Id(u64),
    Name(String),
    Email(String),
}

/// How the parent account proves itself in AddAccount and CloneAccount.
#[derive(Debug, Clone, PartialEq)]
pub enum ParentAuth {
    ApiKey(Secret),
    Password(Secret),
}

/// The parent account's identity and proof, as AddAccount and CloneAccount take them.
/// The client fills this in from its own credentials when the caller leaves it out.
#[derive(Debug, Clone, PartialEq)]
pub struct ParentCredentials {
    pub account: AccountRef,
    pub auth: ParentAuth,
}

impl ParentCredentials {
    fn add_to(&self, params: &mut Params, with_account: bool) {
        if with_account {
            match &self.account {
                AccountRef::Id(id) => params.number("parent_account_id", *id),
                AccountRef::Name(name) => params.text("parent_account_name", name),
                AccountRef::Email(email) => params.text("parent_account_email", email),
            };
        }
        match &self.auth {
            ParentAuth::ApiKey(key) => params.secret("parent_account_api_key", key),
            ParentAuth::Password(password) => params.secret("parent_account_password", password),
        };
    }
}

/// Where a new account keeps its call records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordStorage {
    Id(String),
    Name(String),
}

/// The notification settings every account has; shared by the methods that set them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NotificationSettings {
    pub account_notifications: Option<bool>,
    pub tariff_changing_notifications: Option<bool>,
    pub news_notifications: Option<bool>,
    pub min_balance_to_notify: Option<Decimal>,
    pub language_code: Option<String>,
}

impl NotificationSettings {
    fn add_to(&self, params: &mut Params) {
        params
            .opt_flag("account_notifications", self.account_notifications)
            .opt_flag("tariff_changing_notifications", self.tariff_changing_notifications)
            .opt_flag("news_notifications", self.news_notifications)
            .opt_decimal("min_balance_to_notify", self.min_balance_to_notify)
            .opt_text("language_code", self.language_code.as_deref());
    }

    fn validate(&self, problems: &mut Vec<Invalid>) {
        if let Some(code) = &self.language_code {
            collect(problems, v::language_code("language_code", code));
        }
        if let Some(amount) = self.min_balance_to_notify {
            if amount.is_sign_negative() && !amount.is_zero() {
                problems.push(Invalid::new("min_balance_to_notify", ErrorCode::InvalidMoneyAmount, "must not be negative"));
            }
        }
    }
}

fn collect(problems: &mut Vec<Invalid>, check: v::Check) {
    if let Err(problem) = check {
        problems.push(problem);
    }
}

fn check_optional(problems: &mut Vec<Invalid>, value: Option<&str>, check: impl FnOnce(&str) -> v::Check) {
    if let Some(value) = value {
        collect(problems, check(value));
    }
}

fn check_person_names(problems: &mut Vec<Invalid>, first: Option<&str>, last: Option<&str>) {
    check_optional(problems, first, |name| {
        v::shorter_than("account_first_name", ErrorCode::AccountFirstNameTooLong, name, v::PERSON_NAME_LIMIT)
    });
    check_optional(problems, last, |name| {
        v::shorter_than("account_last_name", ErrorCode::AccountLastNameTooLong, name, v::PERSON_NAME_LIMIT)
    });
}

fn check_custom_data(problems: &mut Vec<Invalid>, data: Option<&str>) {
    check_optional(problems, data, |data| {
        v::shorter_than("account_custom_data", ErrorCode::AccountCustomDataTooLong, data, v::CUSTOM_DATA_LIMIT)
    });
}

fn check_parent(problems: &mut Vec<Invalid>, parent: Option<&ParentCredentials>) {
    if let Some(ParentCredentials { auth: ParentAuth::ApiKey(secret) | ParentAuth::Password(secret), .. }) = parent {
        if secret.is_empty() {
            problems.push(Invalid::new("parent_account_api_key", ErrorCode::ParameterCantBeEmpty, "is required"));
        }
    }
}

/// `{"result": 1}`: what the setters answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Done {
    pub result: i64,
}

// ---------------------------------------------------------------------------------

/// AddAccount: creates a child account.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AddAccount {
    pub parent: Option<ParentCredentials>,
    pub account_name: String,
    pub account_email: String,
    pub account_password: Secret,
    pub account_first_name: Option<String>,
    pub account_last_name: Option<String>,
    pub account_custom_data: Option<String>,
    pub active: Option<bool>,
    pub location: Option<String>,
    pub notifications: NotificationSettings,
    pub record_storage: Option<RecordStorage>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AddAccountResponse {
    pub result: i64,
    pub account_id: u64,
    pub api_key: Secret,
    pub active: bool,
}

impl Method for AddAccount {
    const NAME: &'static str = "AddAccount";
    const CHANGES_STATE: bool = true;
    type Response = AddAccountResponse;

    fn params(&self) -> Params {
        let mut params = Params::new();
        if let Some(parent) = &self.parent {
            parent.add_to(&mut params, true);
        }
        params
            .text("account_name", &self.account_name)
            .text("account_email", &self.account_email)
            .secret("account_password", &self.account_password)
            .opt_text("account_first_name", self.account_first_name.as_deref())
            .opt_text("account_last_name", self.account_last_name.as_deref())
            .opt_text("account_custom_data", self.account_custom_data.as_deref())
            .opt_flag("active", self.active)
            .opt_text("location", self.location.as_deref());
        self.notifications.add_to(&mut params);
        match &self.record_storage {
            Some(RecordStorage::Id(id)) => params.text("record_storage_id", id),
            Some(RecordStorage::Name(name)) => params.text("record_storage_name", name),
            None => &mut params,
        };
        params
    }

    fn validate(&self) -> Vec<Invalid> {
        let mut problems = Vec::new();
        check_parent(&mut problems, self.parent.as_ref());
        collect(&mut problems, v::account_name("account_name", &self.account_name));
        collect(&mut problems, v::email("account_email", ErrorCode::InvalidEmail, &self.account_email));
        collect(&mut problems, v::password("account_password", self.account_password.expose()));
        check_person_names(&mut problems, self.account_first_name.as_deref(), self.account_last_name.as_deref());
        check_custom_data(&mut problems, self.account_custom_data.as_deref());
        check_optional(&mut problems, self.location.as_deref(), |zone| v::location("location", zone));
        self.notifications.validate(&mut problems);
        problems
    }
}

/// ChangeAccountPlan: switches the account's IM or MAU plan.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeAccountPlan {
    pub plan_type: PlanType,
    pub plan_subscription_template_id: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ChangeAccountPlanResponse {
    pub result: i64,
    pub account_info: ShortAccountInfo,
}

impl Method for ChangeAccountPlan {
    const NAME: &'static str = "ChangeAccountPlan";
    const CHANGES_STATE: bool = true;
    type Response = ChangeAccountPlanResponse;

    fn params(&self) -> Params {
        let mut params = Params::new();
        params
            .text("plan_type", self.plan_type.as_str())
            .opt_number("plan_subscription_template_id", self.plan_subscription_template_id);
        params
    }

    fn validate(&self) -> Vec<Invalid> {
        match &self.plan_type {
            PlanType::Other(other) => vec![Invalid::new(
                "plan_type",
                ErrorCode::InvalidPlanType,
                format!("\"{other}\" is not a plan type (IM or MAU)"),
            )],
            _ => Vec::new(),
        }
    }
}

/// Which phones ChargeAccount charges: by id or by number (or all of them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneSelection {
    Ids(Selection<u64>),
    Numbers(Selection<String>),
}

/// ChargeAccount: charges the subscriptions of phones with `auto_charge=false`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeAccount {
    pub phones: PhoneSelection,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ChargeAccountResponse {
    pub result: ChargeResult,
    pub account_info: ShortAccountInfo,
}

impl Method for ChargeAccount {
    const NAME: &'static str = "ChargeAccount";
    const CHANGES_STATE: bool = true;
    type Response = ChargeAccountResponse;

    fn params(&self) -> Params {
        let mut params = Params::new();
        match &self.phones {
            PhoneSelection::Ids(ids) => params.text("phone_id", &ids.to_wire()),
            PhoneSelection::Numbers(numbers) => params.text("phone_number", &numbers.to_wire()),
        };
        params
    }

    fn validate(&self) -> Vec<Invalid> {
        let empty = match &self.phones {
            PhoneSelection::Ids(Selection::Only(ids)) => ids.is_empty().then_some("phone_id"),
            PhoneSelection::Numbers(Selection::Only(numbers)) => numbers.is_empty().then_some("phone_number"),
            _ => None,
        };
        empty
            .map(|field| vec![Invalid::new(field, ErrorCode::ParameterCantBeEmpty, "select at least one phone")])
            .unwrap_or_default()
    }
}

/// CloneAccount: copies a child account (its users, scenarios, applications, queues,
/// skills and admin roles and users) into a new child account.
#[derive(Debug, Clone, PartialEq)]
pub struct CloneAccount {
    pub parent: Option<ParentCredentials>,
    /// The account to copy.
    pub source: AccountRef,
    pub new_account_name: String,
    pub new_account_email: String,
    pub new_account_password: Secret,
    pub account_first_name: Option<String>,
    pub account_last_name: Option<String>,
    pub account_custom_data: Option<String>,
    pub language_code: Option<String>,
    pub location: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CloneAccountResponse {
    pub result: ClonedAccount,
}

impl Method for CloneAccount {
    const NAME: &'static str = "CloneAccount";
    const CHANGES_STATE: bool = true;
    type Response = CloneAccountResponse;

    fn params(&self) -> Params {
        let mut params = Params::new();
        if let Some(parent) = &self.parent {
            // CloneAccount documents no parent_account_id: the parent is the caller.
            parent.add_to(&mut params, false);
        }
        match &self.source {
            AccountRef::Id(id) => params.number("account_id", *id),
            AccountRef::Name(name) => params.text("account_name", name),
            AccountRef::Email(email) => params.text("account_email", email),
        };
        params
            .text("new_account_name", &self.new_account_name)
            .text("new_account_email", &self.new_account_email)
            .secret("new_account_password", &self.new_account_password)
            .opt_text("account_first_name", self.account_first_name.as_deref())
            .opt_text("account_last_name", self.account_last_name.as_deref())
            .opt_text("account_custom_data", self.account_custom_data.as_deref())
            .opt_text("language_code", self.language_code.as_deref())
            .opt_text("location", self.location.as_deref());
        params
    }

    fn carries_credentials(&self) -> bool {
        self.parent.is_some()
    }

    fn validate(&self) -> Vec<Invalid> {
        let mut problems = Vec::new();
        check_parent(&mut problems, self.parent.as_ref());
        collect(&mut problems, v::account_name("new_account_name", &self.new_account_name));
        collect(&mut problems, v::email("new_account_email", ErrorCode::InvalidEmail, &self.new_account_email));
        collect(&mut problems, v::password("new_account_password", self.new_account_password.expose()));
        check_person_names(&mut problems, self.account_first_name.as_deref(), self.account_last_name.as_deref());
        check_custom_data(&mut problems, self.account_custom_data.as_deref());
        check_optional(&mut problems, self.language_code.as_deref(), |code| v::language_code("language_code", code));
        check_optional(&mut problems, self.location.as_deref(), |zone| v::location("location", zone));
        problems
    }
}

/// GetAccountDocuments: verification states and uploaded documents.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GetAccountDocuments {
    pub with_details: Option<bool>,
    pub verification_name: Option<String>,
    pub verification_status: Option<Vec<VerificationStatus>>,
    pub from_unverified_hold_until: Option<NaiveDate>,
    pub to_unverified_hold_until: Option<NaiveDate>,
    pub child_account_id: Option<Selection<u64>>,
    pub children_verifications_only: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GetAccountDocumentsResponse {
    pub result: Vec<AccountDocuments>,
}

impl Method for GetAccountDocuments {
    const NAME: &'static str = "GetAccountDocuments";
    const CHANGES_STATE: bool = false;
    type Response = GetAccountDocumentsResponse;

    fn params(&self) -> Params {
        let mut params = Params::new();
        params
            .opt_flag("with_details", self.with_details)
            .opt_text("verification_name", self.verification_name.as_deref())
            .opt_list("verification_status", self.verification_status.as_deref())
            .opt_date("from_unverified_hold_until", self.from_unverified_hold_until)
            .opt_date("to_unverified_hold_until", self.to_unverified_hold_until)
            .opt_selection("child_account_id", self.child_account_id.as_ref())
            .opt_flag("children_verifications_only", self.children_verifications_only);
        params
    }

    fn validate(&self) -> Vec<Invalid> {
        let mut problems = Vec::new();
        if let Some(statuses) = &self.verification_status {
            for status in statuses {
                if matches!(status, VerificationStatus::Other(_) | VerificationStatus::NotRequired) {
                    problems.push(Invalid::new(
                        "verification_status",
                        ErrorCode::InvalidVerificationStatus,
                        format!("{status} is not a filterable status (REQUIRED, IN_PROGRESS or VERIFIED)"),
                    ));
                }
            }
        }
        if let (Some(from), Some(to)) = (self.from_unverified_hold_until, self.to_unverified_hold_until) {
            if from > to {
                problems.push(Invalid::new(
                    "to_unverified_hold_until",
                    ErrorCode::InvalidDateRange,
                    "must not be before from_unverified_hold_until",
                ));
            }
        }
        problems
    }
}

/// GetAccountInfo: the calling account's own profile and balance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GetAccountInfo {
    pub return_live_balance: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GetAccountInfoResponse {
    pub result: AccountInfo,
    #[serde(default)]
    pub api_address: Option<String>,
}

impl Method for GetAccountInfo {
    const NAME: &'static str = "GetAccountInfo";
    const CHANGES_STATE: bool = false;
    type Response = GetAccountInfoResponse;

    fn params(&self) -> Params {
        let mut params = Params::new();
        params.opt_flag("return_live_balance", self.return_live_balance);
        params
    }

    fn validate(&self) -> Vec<Invalid> {
        Vec::new()
    }
}

/// The filter GetAccountPlans and GetAvailablePlans share.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanFilter {
    pub plan_type: Option<Vec<PlanType>>,
    pub plan_subscription_template_id: Option<Vec<u64>>,
}

impl PlanFilter {
    fn params(&self) -> Params {
        let mut params = Params::new();
        params
            .opt_list("plan_type", self.plan_type.as_deref())
            .opt_list("plan_subscription_template_id", self.plan_subscription_template_id.as_deref());
        params
    }

    fn validate(&self) -> Vec<Invalid> {
        self.plan_type
            .iter()
            .flatten()
            .filter_map(|plan_type| match plan_type {
                PlanType::Other(other) => Some(Invalid::new(
                    "plan_type",
                    ErrorCode::InvalidPlanType,
                    format!("\"{other}\" is not a plan type (IM or MAU)"),
                )),
                _ => None,
            })
            .collect()
    }
}

/// GetAccountPlans: the plans the account has, with package usage.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GetAccountPlans(pub PlanFilter);

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GetAccountPlansResponse {
    pub result: Vec<AccountPlan>,
}

impl Method for GetAccountPlans {
    const NAME: &'static str = "GetAccountPlans";
    const CHANGES_STATE: bool = false;
    type Response = GetAccountPlansResponse;

    fn params(&self) -> Params {
        self.0.params()
    }

    fn validate(&self) -> Vec<Invalid> {
        self.0.validate()
    }
}

/// GetAvailablePlans: the plans the account may change to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GetAvailablePlans(pub PlanFilter);

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GetAvailablePlansResponse {
    pub result: Vec<Plan>,
}

impl Method for GetAvailablePlans {
    const NAME: &'static str = "GetAvailablePlans";
    const CHANGES_STATE: bool = false;
    type Response = GetAvailablePlansResponse;

    fn params(&self) -> Params {
        self.0.params()
    }

    fn validate(&self) -> Vec<Invalid> {
        self.0.validate()
    }
}

/// GetChildrenAccounts: the parent's child accounts, filtered, sorted and paged.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GetChildrenAccounts {
    pub child_account_id: Option<Vec<u64>>,
    pub child_account_name: Option<String>,
    pub child_account_email: Option<String>,
    pub active: Option<bool>,
    pub frozen: Option<bool>,
    pub ignore_invalid_accounts: Option<bool>,
    pub brief_output: Option<bool>,
    pub medium_output: Option<bool>,
    pub count: Option<u64>,
    pub offset: Option<u64>,
    pub order_by: Option<ChildrenOrder>,
    pub return_live_balance: Option<bool>,
}

/// Its items are [`AccountInfo`]s, or [`AccountListing`]s read through
/// [`GetChildrenListings`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GetChildrenAccountsResponse<Item = AccountInfo> {
    pub result: Vec<Item>,
    pub count: u64,
    pub total_count: u64,
}

impl Method for GetChildrenAccounts {
    const NAME: &'static str = "GetChildrenAccounts";
    const CHANGES_STATE: bool = false;
    type Response = GetChildrenAccountsResponse;

    fn params(&self) -> Params {
        let mut params = Params::new();
        params
            .opt_list("child_account_id", self.child_account_id.as_deref())
            .opt_text("child_account_name", self.child_account_name.as_deref())
            .opt_text("child_account_email", self.child_account_email.as_deref())
            .opt_flag("active", self.active)
            .opt_flag("frozen", self.frozen)
            .opt_flag("ignore_invalid_accounts", self.ignore_invalid_accounts)
            .opt_flag("brief_output", self.brief_output)
            .opt_flag("medium_output", self.medium_output)
            .opt_number("count", self.count)
            .opt_number("offset", self.offset)
            .opt_text("order_by", self.order_by.as_ref().map(ChildrenOrder::as_str))
            .opt_flag("return_live_balance", self.return_live_balance);
        params
    }

    fn validate(&self) -> Vec<Invalid> {
        let mut problems = Vec::new();
        if let Some(ChildrenOrder::Other(other)) = &self.order_by {
            problems.push(Invalid::new(
                "order_by",
                ErrorCode::InvalidArguments,
                format!("\"{other}\" is not a sort order (child_account_id, child_account_name or child_account_email)"),
            ));
        }
        if self.count == Some(0) {
            problems.push(Invalid::new("count", ErrorCode::InvalidArguments, "must be at least 1"));
        }
        problems
    }
}

/// GetChildrenAccounts, the same call on the wire, with each child read as an
/// [`AccountListing`]: for lists, which show nothing else.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GetChildrenListings(pub GetChildrenAccounts);

impl Method for GetChildrenListings {
    const NAME: &'static str = GetChildrenAccounts::NAME;
    const CHANGES_STATE: bool = false;
    type Response = GetChildrenAccountsResponse<AccountListing>;

    fn params(&self) -> Params {
        self.0.params()
    }

    fn validate(&self) -> Vec<Invalid> {
        self.0.validate()
    }
}

/// GetCurrencyRate: exchange rates per USD on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetCurrencyRate {
    pub currency: Vec<String>,
    pub date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GetCurrencyRateResponse {
    pub result: ExchangeRates,
}

impl Method for GetCurrencyRate {
    const NAME: &'static str = "GetCurrencyRate";
    const CHANGES_STATE: bool = false;
    type Response = GetCurrencyRateResponse;

    fn params(&self) -> Params {
        let mut params = Params::new();
        params.text("currency", &crate::wire::join(&self.currency)).opt_date("date", self.date);
        params
    }

    fn validate(&self) -> Vec<Invalid> {
        let mut problems = Vec::new();
        if self.currency.is_empty() {
            problems.push(Invalid::new("currency", ErrorCode::ParameterCantBeEmpty, "name at least one currency"));
        }
        for code in &self.currency {
            if code.len() != 3 || !code.chars().all(|c| c.is_ascii_uppercase()) {
                problems.push(Invalid::new(
                    "currency",
                    ErrorCode::InvalidCurrency,
                    format!("\"{code}\" is not a currency code like USD or EUR"),
                ));
            }
        }
        problems
    }
}

/// GetMoneyAmountToCharge: how much to pay to cover the coming charges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GetMoneyAmountToCharge {
    pub currency: Option<String>,
    pub charge_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GetMoneyAmountToChargeResponse {
    pub result: MoneyAmountToCharge,
}

impl Method for GetMoneyAmountToCharge {
    const NAME: &'static str = "GetMoneyAmountToCharge";
    const CHANGES_STATE: bool = false;
    type Response = GetMoneyAmountToChargeResponse;

    fn params(&self) -> Params {
        let mut params = Params::new();
        params.opt_text("currency", self.currency.as_deref()).opt_date("charge_date", self.charge_date);
        params
    }

    fn validate(&self) -> Vec<Invalid> {
        match &self.currency {
            Some(code) if code.len() != 3 || !code.chars().all(|c| c.is_ascii_uppercase()) => vec![Invalid::new(
                "currency",
                ErrorCode::InvalidCurrency,
                format!("\"{code}\" is not a currency code like USD or EUR"),
            )],
            _ => Vec::new(),
        }
    }
}

/// GetResourcePrice: what calls, messages and other resources cost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GetResourcePrice {
    pub resource_type: Option<Vec<ResourceType>>,
    pub price_group_id: Option<Vec<u64>>,
    pub price_group_name: Option<String>,
    pub resource_param: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GetResourcePriceResponse {
    pub result: Vec<ResourcePrice>,
}

impl Method for GetResourcePrice {
    const NAME: &'static str = "GetResourcePrice";
    const CHANGES_STATE: bool = false;
    type Response = GetResourcePriceResponse;

    fn params(&self) -> Params {
        let mut params = Params::new();
        params
            .opt_list("resource_type", self.resource_type.as_deref())
            .opt_list("price_group_id", self.price_group_id.as_deref())
            .opt_text("price_group_name", self.price_group_name.as_deref())
            .opt_list("resource_param", self.resource_param.as_deref());
        params
    }

    fn validate(&self) -> Vec<Invalid> {
        Vec::new()
    }
}

/// GetSubscriptionPrice: prices of phone-number and SIP-registration subscriptions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GetSubscriptionPrice {
    pub subscription_template_id: Option<Vec<u64>>,
    pub subscription_template_type: Option<SubscriptionTemplateKind>,
    pub subscription_template_name: Option<String>,
    pub count: Option<u64>,
    pub offset: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GetSubscriptionPriceResponse {
    pub result: Vec<SubscriptionTemplate>,
    #[serde(default)]
    pub count: Option<u64>,
    #[serde(default)]
    pub total_count: Option<u64>,
}

impl Method for GetSubscriptionPrice {
    const NAME: &'static str = "GetSubscriptionPrice";
    const CHANGES_STATE: bool = false;
    type Response = GetSubscriptionPriceResponse;

    fn params(&self) -> Params {
        let mut params = Params::new();
        params
            .opt_list("subscription_template_id", self.subscription_template_id.as_deref())
            .opt_text("subscription_template_type", self.subscription_template_type.as_ref().map(|t| t.as_str()))
            .opt_text("subscription_template_name", self.subscription_template_name.as_deref())
            .opt_number("count", self.count)
            .opt_number("offset", self.offset);
        params
    }

    fn validate(&self) -> Vec<Invalid> {
        match &self.subscription_template_type {
            Some(SubscriptionTemplateKind::Other(other)) => vec![Invalid::new(
                "subscription_template_type",
                ErrorCode::InvalidSubscriptionTemplateType,
                format!("\"{other}\" is not PHONE_NUM or SIP_REGISTRATION"),
            )],
            _ => Vec::new(),
        }
    }
}

/// The billing address fields SetAccountInfo takes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BillingAddress {
    pub name: Option<String>,
    pub country_code: Option<String>,
    /// Can be changed but never removed once set.
    pub address: Option<String>,
    pub zip: Option<String>,
    pub phone: Option<String>,
}

/// SetAccountInfo: edits the calling account's own profile.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SetAccountInfo {
    pub new_account_email: Option<String>,
    pub new_account_password: Option<Secret>,
    pub location: Option<String>,
    pub account_first_name: Option<String>,
    pub account_last_name: Option<String>,
    pub notifications: NotificationSettings,
    pub send_js_error: Option<bool>,
    pub billing_address: BillingAddress,
    pub account_custom_data: Option<String>,
    pub callback_url: Option<String>,
    pub callback_salt: Option<Secret>,
    pub store_outbound_sms: Option<bool>,
    pub store_inbound_sms: Option<bool>,
}

impl Method for SetAccountInfo {
    const NAME: &'static str = "SetAccountInfo";
    const CHANGES_STATE: bool = true;
    type Response = Done;

    fn params(&self) -> Params {
        let mut params = Params::new();
        params
            .opt_text("new_account_email", self.new_account_email.as_deref())
            .opt_secret("new_account_password", self.new_account_password.as_ref())
            .opt_text("location", self.location.as_deref())
            .opt_text("account_first_name", self.account_first_name.as_deref())
            .opt_text("account_last_name", self.account_last_name.as_deref());
        self.notifications.add_to(&mut params);
        let billing = &self.billing_address;
        params
            .opt_flag("send_js_error", self.send_js_error)
            .opt_text("billing_address_name", billing.name.as_deref())
            .opt_text("billing_address_country_code", billing.country_code.as_deref())
            .opt_text("billing_address_address", billing.address.as_deref())
            .opt_text("billing_address_zip", billing.zip.as_deref())
            .opt_text("billing_address_phone", billing.phone.as_deref())
            .opt_text("account_custom_data", self.account_custom_data.as_deref())
            .opt_text("callback_url", self.callback_url.as_deref())
            .opt_secret("callback_salt", self.callback_salt.as_ref())
            .opt_flag("store_outbound_sms", self.store_outbound_sms)
            .opt_flag("store_inbound_sms", self.store_inbound_sms);
        params
    }

    fn validate(&self) -> Vec<Invalid> {
        let mut problems = Vec::new();
        check_optional(&mut problems, self.new_account_email.as_deref(), |email| {
            v::email("new_account_email", ErrorCode::InvalidEmail, email)
        });
        if let Some(password) = &self.new_account_password {
            collect(&mut problems, v::password("new_account_password", password.expose()));
        }
        check_optional(&mut problems, self.location.as_deref(), |zone| v::location("location", zone));
        check_person_names(&mut problems, self.account_first_name.as_deref(), self.account_last_name.as_deref());
        self.notifications.validate(&mut problems);
        let billing = &self.billing_address;
        check_optional(&mut problems, billing.name.as_deref(), |text| {
            v::shorter_than("billing_address_name", ErrorCode::BillingAddressNameTooLong, text, v::BILLING_NAME_LIMIT)
        });
        check_optional(&mut problems, billing.country_code.as_deref(), |code| {
            v::country_code("billing_address_country_code", code)
        });
        check_optional(&mut problems, billing.address.as_deref(), |text| {
            v::shorter_than("billing_address_address", ErrorCode::BillingAddressAddressTooLong, text, v::BILLING_ADDRESS_LIMIT)
        });
        check_optional(&mut problems, billing.zip.as_deref(), |text| {
            v::shorter_than("billing_address_zip", ErrorCode::BillingAddressZipTooLong, text, v::BILLING_ZIP_LIMIT)
        });
        check_optional(&mut problems, billing.phone.as_deref(), |text| {
            v::shorter_than("billing_address_phone", ErrorCode::BillingAddressPhoneTooLong, text, v::BILLING_PHONE_LIMIT)
        });
        check_custom_data(&mut problems, self.account_custom_data.as_deref());
        check_optional(&mut problems, self.callback_url.as_deref(), |url| v::callback_url("callback_url", url));
        if let Some(salt) = &self.callback_salt {
            collect(
                &mut problems,
                v::shorter_than("callback_salt", ErrorCode::CallbackSaltInvalid, salt.expose(), v::CALLBACK_SALT_LIMIT),
            );
        }
        problems
    }
}

/// Which children SetChildAccountInfo edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChildSelection {
    Ids(Selection<u64>),
    Names(Vec<String>),
    Emails(Vec<String>),
}

/// SetChildAccountInfo: edits one or more child accounts.
#[derive(Debug, Clone, PartialEq)]
pub struct SetChildAccountInfo {
    pub children: ChildSelection,
    pub new_child_account_email: Option<String>,
    pub new_child_account_password: Option<Secret>,
    pub notifications: NotificationSettings,
    pub active: Option<bool>,
    pub location: Option<String>,
    pub support_robokassa: Option<bool>,
    pub support_bank_card: Option<bool>,
    pub support_invoice: Option<bool>,
    pub can_use_restricted: Option<bool>,
}

impl SetChildAccountInfo {
    pub fn new(children: ChildSelection) -> Self {
        SetChildAccountInfo {
            children,
            new_child_account_email: None,
            new_child_account_password: None,
            notifications: NotificationSettings::default(),
            active: None,
            location: None,
            support_robokassa: None,
            support_bank_card: None,
            support_invoice: None,
            can_use_restricted: None,
        }
    }

    /// True when it changes nothing but notification settings: what support staff may do.
    pub fn only_notification_settings(&self) -> bool {
        self.new_child_account_email.is_none()
            && self.new_child_account_password.is_none()
            && self.active.is_none()
            && self.location.is_none()
            && self.support_robokassa.is_none()
            && self.support_bank_card.is_none()
            && self.support_invoice.is_none()
            && self.can_use_restricted.is_none()
    }
}

impl Method for SetChildAccountInfo {
    const NAME: &'static str = "SetChildAccountInfo";
    const CHANGES_STATE: bool = true;
    type Response = Done;

    fn params(&self) -> Params {
        let mut params = Params::new();
        match &self.children {
            ChildSelection::Ids(ids) => params.text("child_account_id", &ids.to_wire()),
            ChildSelection::Names(names) => params.text("child_account_name", &crate::wire::join(names)),
            ChildSelection::Emails(emails) => params.text("child_account_email", &crate::wire::join(emails)),
        };
        params
            .opt_text("new_child_account_email", self.new_child_account_email.as_deref())
            .opt_secret("new_child_account_password", self.new_child_account_password.as_ref());
        self.notifications.add_to(&mut params);
        params
            .opt_flag("active", self.active)
            .opt_text("location", self.location.as_deref())
            .opt_flag("support_robokassa", self.support_robokassa)
            .opt_flag("support_bank_card", self.support_bank_card)
            .opt_flag("support_invoice", self.support_invoice)
            .opt_flag("can_use_restricted", self.can_use_restricted);
        params
    }

    fn validate(&self) -> Vec<Invalid> {
        let mut problems = Vec::new();
        let empty = match &self.children {
            ChildSelection::Ids(Selection::Only(ids)) => ids.is_empty().then_some("child_account_id"),
            ChildSelection::Names(names) => names.is_empty().then_some("child_account_name"),
            ChildSelection::Emails(emails) => emails.is_empty().then_some("child_account_email"),
            ChildSelection::Ids(Selection::All) => None,
        };
        if let Some(field) = empty {
            problems.push(Invalid::new(field, ErrorCode::ParameterCantBeEmpty, "select at least one child account"));
        }
        check_optional(&mut problems, self.new_child_account_email.as_deref(), |email| {
            v::email("new_child_account_email", ErrorCode::InvalidNewChildAccountEmail, email)
        });
        if let Some(password) = &self.new_child_account_password {
            collect(&mut problems, v::password("new_child_account_password", password.expose()));
        }
        self.notifications.validate(&mut problems);
        check_optional(&mut problems, self.location.as_deref(), |zone| v::location("location", zone));
        problems
    }
}
