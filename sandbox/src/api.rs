//! The 15 Accounts methods: validation with the API's codes, real state changes,
//! money moved by the documented rules.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use voximplant::{
    validation::{self as v},
    wire::Selection,
    ErrorCode,
};

use crate::{
    api_error::ApiError,
    auth::{self, Caller},
    render::{self, Detail},
    request::Params,
    seed,
    state::{Account, BillingAddress, State},
};

/// Children one parent may create per day (error 397 past it).
pub const DAILY_CHILD_LIMIT: u32 = 500;
/// Largest page GetChildrenAccounts returns.
pub const MAX_PAGE: u64 = 1000;

pub const METHODS: &[&str] = &[
    "AddAccount",
    "ChangeAccountPlan",
    "ChargeAccount",
    "CloneAccount",
    "GetAccountDocuments",
    "GetAccountInfo",
    "GetAccountPlans",
    "GetAvailablePlans",
    "GetChildrenAccounts",
    "GetCurrencyRate",
    "GetMoneyAmountToCharge",
    "GetResourcePrice",
    "GetSubscriptionPrice",
    "SetAccountInfo",
    "SetChildAccountInfo",
];

/// Whether `method` changes state (and so the state file is rewritten after it).
pub fn changes_state(method: &str) -> bool {
    matches!(method, "AddAccount" | "ChangeAccountPlan" | "ChargeAccount" | "CloneAccount" | "SetAccountInfo" | "SetChildAccountInfo")
}

pub struct Context<'a> {
    pub state: &'a mut State,
    pub caller: Caller,
    pub params: &'a Params,
    pub now: DateTime<Utc>,
}

impl Context<'_> {
    fn account(&self) -> &Account {
        &self.state.accounts[&self.caller.account_id]
    }

    fn account_mut(&mut self) -> &mut Account {
        self.state.accounts.get_mut(&self.caller.account_id).expect("the caller exists")
    }

    fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }

    /// Children of the caller, or 194 for an id that is not one.
    fn own_child(&self, id: u64) -> Result<&Account, ApiError> {
        self.state
            .accounts
            .get(&id)
            .filter(|a| a.parent_id == Some(self.caller.account_id))
            .ok_or_else(|| ApiError::invalid_param(ErrorCode::InvalidChildAccountId, "child_account_id"))
    }

    fn require_parent(&self) -> Result<(), ApiError> {
        if self.account().parent_id.is_some() {
            return Err(ApiError::new(ErrorCode::ForbiddenCommand, "Child accounts cannot manage accounts."));
        }
        Ok(())
    }
}

/// A method's answer: JSON to serialize, or a body already serialized.
pub enum Answer {
    Json(Value),
    Serialized(String),
}

pub fn dispatch(method: &str, ctx: &mut Context) -> Result<Answer, ApiError> {
    if method == "GetChildrenAccounts" {
        return get_children_accounts(ctx).map(Answer::Serialized);
    }
    dispatch_json(method, ctx).map(Answer::Json)
}

fn dispatch_json(method: &str, ctx: &mut Context) -> Result<Value, ApiError> {
    if changes_state(method) {
        // Whatever happens below, the children's orders are rebuilt on next use.
        ctx.state.accounts_changed();
    }
    match method {
        "AddAccount" => add_account(ctx),
        "ChangeAccountPlan" => change_account_plan(ctx),
        "ChargeAccount" => charge_account(ctx),
        "CloneAccount" => clone_account(ctx),
        "GetAccountDocuments" => get_account_documents(ctx),
        "GetAccountInfo" => get_account_info(ctx),
        "GetAccountPlans" => get_account_plans(ctx),
        "GetAvailablePlans" => get_available_plans(ctx),
        "GetCurrencyRate" => get_currency_rate(ctx),
        "GetMoneyAmountToCharge" => get_money_amount_to_charge(ctx),
        "GetResourcePrice" => get_resource_price(ctx),
        "GetSubscriptionPrice" => get_subscription_price(ctx),
        "SetAccountInfo" => set_account_info(ctx),
        "SetChildAccountInfo" => set_child_account_info(ctx),
        other => Err(ApiError::unknown_command(other)),
    }
}

// ---- shared checks -------------------------------------------------------------

fn check_new_name(state: &State, field: &str, name: &str) -> Result<(), ApiError> {
    v::account_name(field, name)?;
    if state.find_by_name(name).is_some() {
        return Err(ApiError::new(ErrorCode::AccountNameAlreadyUsed, "The account name is already used."));
    }
    Ok(())
}

fn check_new_email(state: &State, field: &str, code: ErrorCode, email: &str) -> Result<(), ApiError> {
    v::email(field, code, email)?;
    if state.find_by_email(email).is_some() {
        return Err(ApiError::new(ErrorCode::AccountEmailNotUnique, "The account email is already used."));
    }
    Ok(())
}

fn check_optional(params: &Params, name: &str, check: impl Fn(&str, &str) -> v::Check) -> Result<Option<String>, ApiError> {
    match params.get(name) {
        Some(value) => {
            check(name, value)?;
            Ok(Some(value.to_string()))
        }
        None => Ok(None),
    }
}

fn person_names(params: &Params) -> Result<(Option<String>, Option<String>), ApiError> {
    let first = check_optional(params, "account_first_name", |f, t| {
        v::shorter_than(f, ErrorCode::AccountFirstNameTooLong, t, v::PERSON_NAME_LIMIT)
    })?;
    let last = check_optional(params, "account_last_name", |f, t| {
        v::shorter_than(f, ErrorCode::AccountLastNameTooLong, t, v::PERSON_NAME_LIMIT)
    })?;
    Ok((first, last))
}

fn custom_data(params: &Params) -> Result<Option<String>, ApiError> {
    check_optional(params, "account_custom_data", |f, t| {
        v::shorter_than(f, ErrorCode::AccountCustomDataTooLong, t, v::CUSTOM_DATA_LIMIT)
    })
}

fn language(params: &Params) -> Result<Option<String>, ApiError> {
    check_optional(params, "language_code", v::language_code)
}

fn location(params: &Params) -> Result<Option<String>, ApiError> {
    check_optional(params, "location", v::location)
}

/// The notification settings every setter takes, validated, applied to `account`.
struct NotificationChanges {
    account: Option<bool>,
    tariff: Option<bool>,
    news: Option<bool>,
    min_balance: Option<Decimal>,
    language: Option<String>,
}

impl NotificationChanges {
    fn read(params: &Params) -> Result<Self, ApiError> {
        Ok(NotificationChanges {
            account: params.flag("account_notifications")?,
            tariff: params.flag("tariff_changing_notifications")?,
            news: params.flag("news_notifications")?,
            min_balance: params.amount("min_balance_to_notify")?,
            language: language(params)?,
        })
    }

    fn apply(&self, account: &mut Account) {
        if let Some(value) = self.account {
            account.account_notifications = value;
        }
        if let Some(value) = self.tariff {
            account.tariff_changing_notifications = value;
        }
        if let Some(value) = self.news {
            account.news_notifications = value;
        }
        if let Some(value) = self.min_balance {
            account.min_balance_to_notify = value;
        }
        if let Some(value) = &self.language {
            account.language_code = value.clone();
        }
    }
}

fn count_created_today(ctx: &mut Context) -> Result<(), ApiError> {
    let today = ctx.today();
    let entry = ctx.state.created_today.entry(ctx.caller.account_id).or_insert((today, 0));
    if entry.0 != today {
        *entry = (today, 0);
    }
    if entry.1 >= DAILY_CHILD_LIMIT {
        return Err(ApiError::new(
            ErrorCode::ChildAccountDailyLimit,
            "The daily limit of new child accounts is exceeded.",
        ));
    }
    entry.1 += 1;
    Ok(())
}

// ---- the methods -----------------------------------------------------------------

fn add_account(ctx: &mut Context) -> Result<Value, ApiError> {
    ctx.require_parent()?;
    let p = ctx.params;
    let name = p.required("account_name")?;
    let email = p.required("account_email")?;
    let password = p.required("account_password")?;
    check_new_name(ctx.state, "account_name", &name)?;
    check_new_email(ctx.state, "account_email", ErrorCode::InvalidEmail, &email)?;
    v::password("account_password", &password)?;
    let (first_name, last_name) = person_names(p)?;
    let custom = custom_data(p)?;
    let notifications = NotificationChanges::read(p)?;
    let zone = location(p)?;
    let active = p.flag("active")?.unwrap_or(false);
    let storage = match (p.get("record_storage_id"), p.get("record_storage_name")) {
        (Some(_), Some(_)) => return Err(ApiError::new(ErrorCode::OnlyOneOfParameters, "Only one of record_storage_id or record_storage_name may be given.")),
        (Some(id), None) => Some(id.to_string()),
        (None, Some(name)) => Some(name.to_string()),
        (None, None) => None,
    };
    count_created_today(ctx)?;

    let parent = ctx.account().clone();
    let id = ctx.state.allocate_account_id();
    let mut child = seed::blank_account(id, Some(parent.id), &name, &email, ctx.now);
    child.password = password;
    child.first_name = first_name;
    child.last_name = last_name;
    child.custom_data = custom;
    child.location = zone.unwrap_or_else(|| "Etc/GMT".into());
    child.active = active;
    child.currency = parent.currency.clone();
    child.record_storage = storage;
    notifications.apply(&mut child);
    let response = json!({ "result": 1, "account_id": id, "api_key": child.api_key, "active": child.active });
    ctx.state.accounts.insert(id, child);
    Ok(response)
}

fn clone_account(ctx: &mut Context) -> Result<Value, ApiError> {
    ctx.require_parent()?;
    let p = ctx.params;
    let source = match p.one_of(&["account_id", "account_name", "account_email"])? {
        "account_id" => {
            let id = p.number("account_id")?.unwrap_or_default();
            ctx.state.accounts.get(&id)
        }
        "account_name" => ctx.state.find_by_name(p.get("account_name").unwrap_or_default()),
        _ => ctx.state.find_by_email(p.get("account_email").unwrap_or_default()),
    }
    .filter(|a| a.parent_id == Some(ctx.caller.account_id))
    .cloned()
    .ok_or_else(|| ApiError::invalid_param(ErrorCode::InvalidAccountId, "account_id"))?;
    let name = p.required("new_account_name")?;
    let email = p.required("new_account_email")?;
    let password = p.required("new_account_password")?;
    check_new_name(ctx.state, "new_account_name", &name)?;
    check_new_email(ctx.state, "new_account_email", ErrorCode::InvalidEmail, &email)?;
    v::password("new_account_password", &password)?;
    let (first_name, last_name) = person_names(p)?;
    let custom = custom_data(p)?;
    let language_code = language(p)?;
    let zone = location(p)?;
    count_created_today(ctx)?;

    let id = ctx.state.allocate_account_id();
    let mut clone = seed::blank_account(id, Some(ctx.caller.account_id), &name, &email, ctx.now);
    clone.password = password;
    clone.first_name = first_name;
    clone.last_name = last_name;
    clone.custom_data = custom;
    clone.language_code = language_code.unwrap_or_else(|| "en".into());
    clone.location = zone.unwrap_or_else(|| "Etc/GMT".into());
    clone.currency = source.currency.clone();
    clone.active = source.active;
    // What CloneAccount copies: users, scenarios, applications with their rules, ACD
    // queues and skills, admin roles and admin users. Each copy gets a new id.
    let state = &mut *ctx.state;
    let mut copy = |named: &crate::state::Named| crate::state::Named { id: state.allocate_object_id(), name: named.name.clone() };
    let contents = &source.contents;
    clone.contents.users = contents.users.iter().map(&mut copy).collect();
    clone.contents.scenarios = contents.scenarios.iter().map(&mut copy).collect();
    clone.contents.acd_queues = contents.acd_queues.iter().map(&mut copy).collect();
    clone.contents.acd_skills = contents.acd_skills.iter().map(&mut copy).collect();
    clone.contents.admin_roles = contents.admin_roles.iter().map(&mut copy).collect();
    clone.contents.applications = contents
        .applications
        .iter()
        .map(|app| crate::state::Application {
            id: state.allocate_object_id(),
            name: app.name.replacen(&source.name, &name, 1),
            rules: app.rules.iter().map(|rule| crate::state::Named { id: state.allocate_object_id(), name: rule.name.clone() }).collect(),
        })
        .collect();
    clone.contents.admin_users = contents
        .admin_users
        .iter()
        .map(|user| crate::state::AdminUser { id: state.allocate_object_id(), name: user.name.clone(), api_key: seed::new_api_key() })
        .collect();

    let named = |items: &[crate::state::Named], id_key: &str, name_key: &str| -> Vec<Value> {
        items.iter().map(|n| json!({ id_key: n.id, name_key: n.name })).collect()
    };
    let c = &clone.contents;
    let result = json!({
        "account_id": clone.id,
        "account_name": clone.name,
        "account_email": clone.email,
        "active": clone.active,
        "api_key": clone.api_key,
        "users": named(&c.users, "user_id", "user_name"),
        "scenarios": named(&c.scenarios, "scenario_id", "scenario_name"),
        "applications": c.applications.iter().map(|app| json!({
            "application_id": app.id,
            "application_name": app.name,
            "users": named(&app.rules, "rule_id", "rule_name"),
        })).collect::<Vec<_>>(),
        "acd_queues": named(&c.acd_queues, "acd_queue_id", "acd_queue_name"),
        "acd_skills": named(&c.acd_skills, "skill_id", "skill_name"),
        "admin_roles": named(&c.admin_roles, "admin_role_id", "admin_role_name"),
        "admin_users": c.admin_users.iter().map(|u| json!({
            "admin_user_id": u.id, "admin_user_name": u.name, "admin_user_api_key": u.api_key,
        })).collect::<Vec<_>>(),
    });
    ctx.state.accounts.insert(id, clone);
    Ok(json!({ "result": result }))
}

fn change_account_plan(ctx: &mut Context) -> Result<Value, ApiError> {
    let p = ctx.params;
    let plan_type = p.required("plan_type")?;
    if plan_type != "IM" && plan_type != "MAU" {
        return Err(ApiError::invalid_param(ErrorCode::InvalidPlanType, "plan_type"));
    }
    let template_id = p.number("plan_subscription_template_id")?;
    let account = ctx.account();
    let current = account
        .plans
        .iter()
        .filter_map(|plan| ctx.state.catalog_plan(plan.template_id))
        .find(|plan| plan.plan_type == plan_type)
        .cloned();
    let current_charge = current.as_ref().map_or(Decimal::ZERO, |plan| plan.periodic_charge);
    let target = match template_id {
        Some(id) => ctx
            .state
            .catalog_plan(id)
            .filter(|plan| plan.plan_type == plan_type)
            .ok_or_else(|| ApiError::invalid_param(ErrorCode::InvalidPlan, "plan_subscription_template_id"))?,
        // Without an id: the next plan up.
        None => ctx
            .state
            .plan_catalog
            .iter()
            .filter(|plan| plan.plan_type == plan_type && plan.periodic_charge > current_charge)
            .min_by_key(|plan| plan.periodic_charge)
            .ok_or_else(|| ApiError::new(ErrorCode::AccountPlanChangeForbidden, "There is no larger plan to change to."))?,
    }
    .clone();
    if target.periodic_charge <= current_charge {
        return Err(ApiError::new(
            ErrorCode::AccountPlanChangeForbidden,
            "The new plan must cost more than the current one (see GetAvailablePlans).",
        ));
    }
    // The next month's fee is reserved at once, in the account's currency.
    let today = ctx.today();
    let fee = ctx
        .state
        .convert(target.periodic_charge, "USD", &account.currency, today)
        .ok_or_else(|| ApiError::invalid_param(ErrorCode::InvalidCurrency, "currency"))?;
    let account = ctx.account();
    if account.balance + account.credit_limit < fee {
        return Err(ApiError::new(ErrorCode::InsufficientMoney, "Insufficient funds."));
    }
    let account = ctx.account_mut();
    account.balance -= fee;
    account.plans.retain(|plan| current.as_ref().is_none_or(|c| c.template_id != plan.template_id));
    account.plans.push(seed::plan_state(&target, today));
    Ok(json!({ "result": 1, "account_info": render::short_account_info(account) }))
}

fn charge_account(ctx: &mut Context) -> Result<Value, ApiError> {
    let p = ctx.params;
    let selected: Vec<usize> = match p.one_of(&["phone_id", "phone_number"])? {
        "phone_id" => {
            let selection = p.id_selection("phone_id", ErrorCode::InvalidPhoneId)?.expect("present");
            let phones = &ctx.account().phones;
            match selection {
                Selection::All => (0..phones.len()).filter(|i| !phones[*i].auto_charge).collect(),
                Selection::Only(ids) => ids
                    .iter()
                    .map(|id| {
                        phones
                            .iter()
                            .position(|phone| phone.id == *id && !phone.auto_charge)
                            .ok_or_else(|| ApiError::invalid_param(ErrorCode::InvalidPhoneId, "phone_id"))
                    })
                    .collect::<Result<_, _>>()?,
            }
        }
        _ => {
            let text = p.get("phone_number").unwrap_or_default();
            let phones = &ctx.account().phones;
            if text.eq_ignore_ascii_case("all") {
                (0..phones.len()).filter(|i| !phones[*i].auto_charge).collect()
            } else {
                voximplant::wire::split_list::<String>(text)
                    .unwrap_or_default()
                    .iter()
                    .map(|number| {
                        phones
                            .iter()
                            .position(|phone| &phone.number == number && !phone.auto_charge)
                            .ok_or_else(|| ApiError::invalid_param(ErrorCode::InvalidPhoneId, "phone_number"))
                    })
                    .collect::<Result<_, _>>()?
            }
        }
    };
    let today = ctx.today();
    let currency = ctx.account().currency.clone();
    let prices: Vec<Decimal> = selected
        .iter()
        .map(|i| ctx.state.convert(ctx.account().phones[*i].monthly_price, "USD", &currency, today).unwrap_or_default())
        .collect();
    let account = ctx.account_mut();
    let mut charged_amount = Decimal::ZERO;
    let mut phones = Vec::new();
    // Each phone is charged if the money (with credit) covers it; otherwise its
    // subscription is frozen until it is paid.
    for (index, price) in selected.iter().zip(prices) {
        let can_pay = account.balance + account.credit_limit >= price;
        let phone = &mut account.phones[*index];
        if can_pay {
            account.balance -= price;
            charged_amount += price;
            phone.deactivated = false;
            phone.next_renewal = seed::next_month(phone.next_renewal.max(today));
        } else {
            phone.deactivated = true;
        }
        phones.push(render::charged_phone(phone, can_pay));
    }
    Ok(json!({
        "result": { "charged_amount": render::money(charged_amount), "phones": phones },
        "account_info": render::short_account_info(account),
    }))
}

fn get_account_documents(ctx: &mut Context) -> Result<Value, ApiError> {
    let p = ctx.params;
    let with_details = p.flag("with_details")?.unwrap_or(false);
    let name = p.text("verification_name");
    let statuses = p.list("verification_status");
    if let Some(statuses) = &statuses {
        if statuses.iter().any(|s| !matches!(s.as_str(), "REQUIRED" | "IN_PROGRESS" | "VERIFIED")) {
            return Err(ApiError::invalid_param(ErrorCode::InvalidVerificationStatus, "verification_status"));
        }
    }
    let from = p.date("from_unverified_hold_until")?;
    let to = p.date("to_unverified_hold_until")?;
    let children_only = p.flag("children_verifications_only")?.unwrap_or(false);
    let selection = p.id_selection("child_account_id", ErrorCode::InvalidChildAccountId)?;
    let show_documents = with_details && selection != Some(Selection::All);

    let mut accounts: Vec<&Account> = Vec::new();
    if !children_only && selection.is_none() {
        accounts.push(ctx.account());
    }
    match &selection {
        Some(Selection::Only(ids)) => {
            for id in ids {
                accounts.push(ctx.own_child(*id)?);
            }
        }
        Some(Selection::All) => accounts.extend(ctx.state.children_of(ctx.caller.account_id)),
        None if children_only => accounts.extend(ctx.state.children_of(ctx.caller.account_id)),
        None => {}
    }
    let result: Vec<Value> = accounts
        .iter()
        .map(|account| {
            let verifications: Vec<Value> = account
                .verifications
                .iter()
                .filter(|v| name.as_ref().is_none_or(|n| &v.name == n))
                .filter(|v| statuses.as_ref().is_none_or(|s| s.contains(&v.status)))
                .filter(|v| from.is_none_or(|from| v.unverified_hold_until.is_some_and(|d| d >= from)))
                .filter(|v| to.is_none_or(|to| v.unverified_hold_until.is_some_and(|d| d <= to)))
                .map(|v| {
                    let mut out = json!({ "verification_name": v.name, "verification_status": v.status });
                    if let Some(date) = v.unverified_hold_until {
                        out["unverified_hold_until"] = json!(voximplant::wire::format_date(date));
                    }
                    if show_documents {
                        out["documents"] = v
                            .documents
                            .iter()
                            .map(|d| {
                                let mut doc = json!({
                                    "account_document_id": d.id,
                                    "is_individual": d.is_individual,
                                    "uploaded": voximplant::wire::format_timestamp(d.uploaded),
                                    "account_document_status": d.status,
                                });
                                if let Some(comment) = &d.comment {
                                    doc["comment"] = json!(comment);
                                }
                                doc
                            })
                            .collect();
                    }
                    out
                })
                .collect();
            json!({ "account_id": account.id, "verifications": verifications })
        })
        .collect();
    Ok(json!({ "result": result }))
}

fn get_account_info(ctx: &mut Context) -> Result<Value, ApiError> {
    ctx.params.flag("return_live_balance")?;
    let info = render::account_info(ctx.account(), Detail::Full { with_api_key: ctx.caller.by_secret });
    Ok(json!({ "result": info, "api_address": "api.voximplant.com" }))
}

/// Plan types and template ids a plan query is limited to (`None`: any).
type PlanFilter = (Option<Vec<String>>, Option<Vec<u64>>);

fn plan_filter(p: &Params) -> Result<PlanFilter, ApiError> {
    let types = p.list("plan_type");
    if let Some(types) = &types {
        if types.iter().any(|t| t != "IM" && t != "MAU") {
            return Err(ApiError::invalid_param(ErrorCode::InvalidPlanType, "plan_type"));
        }
    }
    let ids = p.id_list("plan_subscription_template_id", ErrorCode::InvalidPlan)?;
    Ok((types, ids))
}

fn get_account_plans(ctx: &mut Context) -> Result<Value, ApiError> {
    let (types, ids) = plan_filter(ctx.params)?;
    let result: Vec<Value> = ctx
        .account()
        .plans
        .iter()
        .filter_map(|plan| Some((plan, ctx.state.catalog_plan(plan.template_id)?)))
        .filter(|(_, c)| types.as_ref().is_none_or(|t| t.contains(&c.plan_type)))
        .filter(|(_, c)| ids.as_ref().is_none_or(|i| i.contains(&c.template_id)))
        .map(|(plan, catalog)| render::account_plan(plan, catalog))
        .collect();
    Ok(json!({ "result": result }))
}

fn get_available_plans(ctx: &mut Context) -> Result<Value, ApiError> {
    let (types, ids) = plan_filter(ctx.params)?;
    let account = ctx.account();
    let current_charge = |plan_type: &str| {
        account
            .plans
            .iter()
            .filter_map(|plan| ctx.state.catalog_plan(plan.template_id))
            .find(|plan| plan.plan_type == plan_type)
            .map_or(Decimal::ZERO, |plan| plan.periodic_charge)
    };
    // Plans can only be changed upwards.
    let result: Vec<Value> = ctx
        .state
        .plan_catalog
        .iter()
        .filter(|c| c.periodic_charge > current_charge(&c.plan_type))
        .filter(|c| types.as_ref().is_none_or(|t| t.contains(&c.plan_type)))
        .filter(|c| ids.as_ref().is_none_or(|i| i.contains(&c.template_id)))
        .map(render::plan)
        .collect();
    Ok(json!({ "result": result }))
}

/// Serialized by hand from each child's cached JSON: the list is the hot path.
fn get_children_accounts(ctx: &mut Context) -> Result<String, ApiError> {
    ctx.require_parent()?;
    let p = ctx.params;
    let ids = p.id_list("child_account_id", ErrorCode::InvalidChildAccountId)?;
    let name = p.text("child_account_name").map(|n| n.to_lowercase());
    let email = p.text("child_account_email").map(|e| e.to_lowercase());
    let active = p.flag("active")?;
    let frozen = p.flag("frozen")?;
    let ignore_invalid = p.flag("ignore_invalid_accounts")?.unwrap_or(false);
    let brief = p.flag("brief_output")?.unwrap_or(false);
    let medium = p.flag("medium_output")?.unwrap_or(false);
    let count = p.number("count")?.unwrap_or(20);
    if count == 0 || count > MAX_PAGE {
        return Err(ApiError::new(ErrorCode::InvalidArguments, format!("The 'count' parameter must be 1 to {MAX_PAGE}.")));
    }
    let offset = p.number("offset")?.unwrap_or(0);
    let order_by = p.text("order_by").unwrap_or_else(|| "child_account_name".into());
    if !matches!(order_by.as_str(), "child_account_id" | "child_account_name" | "child_account_email") {
        return Err(ApiError::invalid_param(ErrorCode::InvalidArguments, "order_by"));
    }
    p.flag("return_live_balance")?;
    if let (Some(ids), false) = (&ids, ignore_invalid) {
        for id in ids {
            ctx.own_child(*id)?;
        }
    }
    let parent = ctx.caller.account_id;
    let status_matches = |a: &Account| active.is_none_or(|active| a.active == active) && frozen.is_none_or(|frozen| a.frozen == frozen);
    let (total, page): (usize, Vec<&Account>) = if ids.is_none() && name.is_none() && email.is_none() {
        // The common case, a page of everyone: walk the prepared order, touch one page.
        let orders = ctx.state.child_orders(parent);
        let order: &[u64] = match (orders, order_by.as_str()) {
            (None, _) => &[],
            (Some(o), "child_account_id") => &o.by_id,
            (Some(o), "child_account_email") => &o.by_email,
            (Some(o), _) => &o.by_name,
        };
        let accounts = &ctx.state.accounts;
        if active.is_none() && frozen.is_none() {
            (order.len(), order.iter().skip(offset as usize).take(count as usize).map(|id| &accounts[id]).collect())
        } else {
            let matching = order.iter().map(|id| &accounts[id]).filter(|a| status_matches(a));
            let mut total = 0;
            let mut page = Vec::new();
            for account in matching {
                if total >= offset as usize && page.len() < count as usize {
                    page.push(account);
                }
                total += 1;
            }
            (total, page)
        }
    } else {
        let mut matched: Vec<&Account> = ctx
            .state
            .children_of(parent)
            .filter(|a| ids.as_ref().is_none_or(|ids| ids.contains(&a.id)))
            .filter(|a| name.as_ref().is_none_or(|n| a.name.contains(n.as_str())))
            .filter(|a| email.as_ref().is_none_or(|e| a.email.to_lowercase().contains(e.as_str())))
            .filter(|a| status_matches(a))
            .collect();
        match order_by.as_str() {
            "child_account_id" => matched.sort_by_key(|a| a.id),
            "child_account_email" => matched.sort_by(|a, b| a.email.cmp(&b.email)),
            _ => matched.sort_by(|a, b| a.name.cmp(&b.name)),
        }
        let total = matched.len();
        (total, matched.into_iter().skip(offset as usize).take(count as usize).collect())
    };
    let detail = if brief {
        Detail::Brief
    } else if medium {
        Detail::Medium
    } else {
        Detail::Full { with_api_key: false }
    };
    let level = match detail {
        Detail::Brief => 0,
        Detail::Medium => 1,
        Detail::Full { .. } => 2,
    };
    let rendered = ctx.state.rendered();
    let items: Vec<_> = page
        .iter()
        .map(|a| rendered.get_or_render(a.id, level, || render::account_info(a, detail).to_string()))
        .collect();
    let mut body = String::with_capacity(items.iter().map(|i| i.len() + 1).sum::<usize>() + 64);
    body.push_str("{\"result\":[");
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            body.push(',');
        }
        body.push_str(item);
    }
    body.push_str(&format!("],\"count\":{},\"total_count\":{total}}}", items.len()));
    Ok(body)
}

fn get_currency_rate(ctx: &mut Context) -> Result<Value, ApiError> {
    let p = ctx.params;
    let currencies = p.list("currency").filter(|c| !c.is_empty()).ok_or_else(|| ApiError::required("currency"))?;
    let date = p.date("date")?.unwrap_or_else(|| ctx.today());
    let rates = ctx.state.rates_on(date).ok_or_else(|| ApiError::invalid_param(ErrorCode::InvalidDate, "date"))?;
    let mut result = serde_json::Map::new();
    for code in currencies {
        let rate = if code == "USD" { Some(Decimal::ONE) } else { rates.get(&code).copied() };
        let rate = rate.ok_or_else(|| ApiError::invalid_param(ErrorCode::InvalidCurrency, "currency"))?;
        result.insert(code, render::money(rate));
    }
    Ok(json!({ "result": result }))
}

fn get_money_amount_to_charge(ctx: &mut Context) -> Result<Value, ApiError> {
    let p = ctx.params;
    let account = ctx.account();
    let currency = p.text("currency").unwrap_or_else(|| account.currency.clone());
    if !render::currency_known(ctx.state, &currency) {
        return Err(ApiError::invalid_param(ErrorCode::InvalidCurrency, "currency"));
    }
    let date = p.date("charge_date")?.unwrap_or_else(|| ctx.today());
    let convert = |usd: Decimal, to: &str| ctx.state.convert(usd, "USD", to, date).unwrap_or(usd);
    let mut subscriptions = Vec::new();
    let mut amount = Decimal::ZERO;
    for phone in account.phones.iter().filter(|phone| phone.next_renewal <= date) {
        let price = convert(phone.monthly_price, &currency);
        amount += price;
        let mut entry = json!({
            "subscription_amount": render::money(price),
            "subscription_type": phone.kind,
            "subscription_description": phone.number,
            "subscription_auto_charge": phone.auto_charge,
        });
        if phone.verified {
            entry["subscription_next_renewal"] = json!(voximplant::wire::format_date(phone.next_renewal));
        }
        subscriptions.push(entry);
    }
    for plan in account.plans.iter().filter(|plan| plan.next_charge <= date) {
        if let Some(catalog) = ctx.state.catalog_plan(plan.template_id) {
            amount += convert(catalog.periodic_charge, &currency);
        }
    }
    let balance = ctx.state.convert(account.balance, &account.currency, &currency, date).unwrap_or(account.balance);
    if balance.is_sign_negative() {
        amount += -balance;
    }
    let min_amount = (amount - balance.max(Decimal::ZERO)).max(Decimal::ZERO);
    let in_usd = |value: Decimal| ctx.state.convert(value, &currency, "USD", date).unwrap_or(value);
    let in_rur = |value: Decimal| ctx.state.convert(value, &currency, "RUR", date).unwrap_or(value);
    let mut result = json!({
        "amount": render::money(amount.round_dp(2)),
        "min_amount": render::money(min_amount.round_dp(2)),
        "subscriptions": subscriptions,
    });
    if account.support_bank_card {
        let ten = Decimal::from(10);
        result["bank_card_amount_usd"] = render::money(in_usd(amount).max(ten).round_dp(2));
        result["min_bank_card_amount_usd"] = render::money(in_usd(min_amount).max(ten).round_dp(2));
    }
    if account.support_robokassa {
        let minimum = Decimal::from(500);
        result["robokassa_amount_rub"] = render::money(in_rur(amount).max(minimum).round_dp(2));
        result["min_robokassa_amount_rub"] = render::money(in_rur(min_amount).max(minimum).round_dp(2));
    }
    Ok(json!({ "result": result }))
}

fn get_resource_price(ctx: &mut Context) -> Result<Value, ApiError> {
    let p = ctx.params;
    let types = p.list("resource_type");
    let group_ids = p.id_list("price_group_id", ErrorCode::InvalidArguments)?;
    let group_name = p.text("price_group_name").map(|n| n.to_lowercase());
    let resource_params = p.list("resource_param");
    let mut by_type: Vec<(String, Vec<Value>)> = Vec::new();
    for row in &ctx.state.resource_prices {
        if types.as_ref().is_some_and(|t| !t.contains(&row.resource_type))
            || group_ids.as_ref().is_some_and(|ids| !ids.contains(&row.group_id))
            || group_name.as_ref().is_some_and(|n| !row.group_name.to_lowercase().contains(n.as_str()))
        {
            continue;
        }
        // A resource parameter (a phone number) selects the groups whose prefixes match it.
        let requested: Vec<String> = match &resource_params {
            Some(values) => {
                let hits: Vec<String> = values
                    .iter()
                    .filter(|value| row.allowed.is_empty() || row.allowed.iter().any(|prefix| value.starts_with(prefix.as_str())))
                    .cloned()
                    .collect();
                if hits.is_empty() {
                    continue;
                }
                hits
            }
            None => Vec::new(),
        };
        let mut params = json!({ "allowed": row.allowed });
        if !row.forbidden.is_empty() {
            params["forbidden"] = json!(row.forbidden);
        }
        if !requested.is_empty() {
            params["requested"] = json!(requested);
        }
        let group = json!({
            "price_group_name": row.group_name,
            "price_group_id": row.group_id,
            "price": render::money(row.price),
            "num_resources_per_price": row.per,
            "quantum": row.quantum,
            "params": params,
        });
        match by_type.iter_mut().find(|(t, _)| *t == row.resource_type) {
            Some((_, groups)) => groups.push(group),
            None => by_type.push((row.resource_type.clone(), vec![group])),
        }
    }
    if let Some(types) = &types {
        let known = |t: &String| ctx.state.resource_prices.iter().any(|row| &row.resource_type == t);
        if types.iter().any(|t| !known(t) && !t.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')) {
            return Err(ApiError::invalid_param(ErrorCode::InvalidResourceType, "resource_type"));
        }
    }
    let result: Vec<Value> =
        by_type.into_iter().map(|(t, groups)| json!({ "resource_type": t, "price_groups": groups })).collect();
    Ok(json!({ "result": result }))
}

fn get_subscription_price(ctx: &mut Context) -> Result<Value, ApiError> {
    let p = ctx.params;
    let ids = p.id_list("subscription_template_id", ErrorCode::InvalidSubscriptionTemplateId)?;
    let kind = p.text("subscription_template_type");
    if kind.as_ref().is_some_and(|k| k != "PHONE_NUM" && k != "SIP_REGISTRATION") {
        return Err(ApiError::invalid_param(ErrorCode::InvalidSubscriptionTemplateType, "subscription_template_type"));
    }
    let name = p.text("subscription_template_name").map(|n| n.to_lowercase());
    let count = p.number("count")?;
    let offset = p.number("offset")?.unwrap_or(0);
    let account = ctx.account();
    let verified = account.verifications.iter().all(|v| matches!(v.status.as_str(), "VERIFIED" | "NOT_REQUIRED"));
    let matched: Vec<_> = ctx
        .state
        .subscription_templates
        .iter()
        .filter(|t| ids.as_ref().is_none_or(|ids| ids.contains(&t.id)))
        .filter(|t| kind.as_ref().is_none_or(|k| &t.kind == k))
        .filter(|t| name.as_ref().is_none_or(|n| t.name.to_lowercase().contains(n.as_str())))
        .collect();
    let total = matched.len();
    let page: Vec<Value> = matched
        .into_iter()
        .skip(offset as usize)
        .take(count.unwrap_or(u64::MAX) as usize)
        .map(|t| {
            let status = if !t.required_verification {
                "NOT_REQUIRED"
            } else if verified {
                "VERIFIED"
            } else {
                "REQUIRED"
            };
            json!({
                "subscription_template_id": t.id,
                "currency": "USD",
                "installation_price": render::money(t.installation_price),
                "installation_price_in_currency": render::money(t.installation_price),
                "price": render::money(t.price),
                "price_in_currency": render::money(t.price),
                "period": t.period,
                "subscription_template_type": t.kind,
                "subscription_template_name": t.name,
                "required_verification": t.required_verification,
                "verification_status": status,
                "installation_tax_reserve": 0,
                "tax_reserve": 0,
            })
        })
        .collect();
    Ok(json!({ "result": page, "count": page.len(), "total_count": total }))
}

fn set_account_info(ctx: &mut Context) -> Result<Value, ApiError> {
    let p = ctx.params;
    let new_email = p.text("new_account_email");
    if let Some(email) = &new_email {
        let current = &ctx.account().email;
        if !current.eq_ignore_ascii_case(email) {
            check_new_email(ctx.state, "new_account_email", ErrorCode::InvalidEmail, email)?;
        }
    }
    let new_password = check_optional(p, "new_account_password", v::password)?;
    let zone = location(p)?;
    let (first_name, last_name) = person_names(p)?;
    let notifications = NotificationChanges::read(p)?;
    let send_js_error = p.flag("send_js_error")?;
    let billing = BillingAddress {
        name: check_optional(p, "billing_address_name", |f, t| v::shorter_than(f, ErrorCode::BillingAddressNameTooLong, t, v::BILLING_NAME_LIMIT))?,
        country_code: check_optional(p, "billing_address_country_code", v::country_code)?,
        address: check_optional(p, "billing_address_address", |f, t| v::shorter_than(f, ErrorCode::BillingAddressAddressTooLong, t, v::BILLING_ADDRESS_LIMIT))?,
        zip: check_optional(p, "billing_address_zip", |f, t| v::shorter_than(f, ErrorCode::BillingAddressZipTooLong, t, v::BILLING_ZIP_LIMIT))?,
        phone: check_optional(p, "billing_address_phone", |f, t| v::shorter_than(f, ErrorCode::BillingAddressPhoneTooLong, t, v::BILLING_PHONE_LIMIT))?,
        state: check_optional(p, "billing_address_state", |f, t| v::at_most(f, ErrorCode::InvalidBillingAddressStateLength, t, v::BILLING_STATE_MAX))?,
    };
    let custom = custom_data(p)?;
    let callback_url = check_optional(p, "callback_url", v::callback_url)?;
    let callback_salt = check_optional(p, "callback_salt", |f, t| v::shorter_than(f, ErrorCode::CallbackSaltInvalid, t, v::CALLBACK_SALT_LIMIT))?;
    let store_outbound = p.flag("store_outbound_sms")?;
    let store_inbound = p.flag("store_inbound_sms")?;

    let account = ctx.account_mut();
    if let Some(email) = new_email {
        account.email = email;
    }
    if let Some(password) = new_password {
        account.password = password;
    }
    if let Some(zone) = zone {
        account.location = zone;
    }
    if first_name.is_some() {
        account.first_name = first_name;
    }
    if last_name.is_some() {
        account.last_name = last_name;
    }
    notifications.apply(account);
    if let Some(value) = send_js_error {
        account.send_js_error = value;
    }
    let address = &mut account.billing_address;
    for (field, value) in [
        (&mut address.name, billing.name),
        (&mut address.country_code, billing.country_code),
        (&mut address.address, billing.address),
        (&mut address.zip, billing.zip),
        (&mut address.phone, billing.phone),
        (&mut address.state, billing.state),
    ] {
        if value.is_some() {
            *field = value;
        }
    }
    if custom.is_some() {
        account.custom_data = custom;
    }
    if callback_url.is_some() {
        account.callback_url = callback_url;
    }
    if callback_salt.is_some() {
        account.callback_salt = callback_salt;
    }
    if let Some(value) = store_outbound {
        account.store_outbound_sms = value;
    }
    if let Some(value) = store_inbound {
        account.store_inbound_sms = value;
    }
    Ok(json!({ "result": 1 }))
}

fn set_child_account_info(ctx: &mut Context) -> Result<Value, ApiError> {
    ctx.require_parent()?;
    let p = ctx.params;
    let children: Vec<u64> = match p.one_of(&["child_account_id", "child_account_name", "child_account_email"])? {
        "child_account_id" => match p.id_selection("child_account_id", ErrorCode::InvalidChildAccountId)?.expect("present") {
            Selection::All => ctx.state.children_of(ctx.caller.account_id).map(|a| a.id).collect(),
            Selection::Only(ids) => ids.iter().map(|id| ctx.own_child(*id).map(|a| a.id)).collect::<Result<_, _>>()?,
        },
        "child_account_name" => children_by(ctx, "child_account_name", ErrorCode::InvalidChildAccountName, State::find_by_name)?,
        _ => children_by(ctx, "child_account_email", ErrorCode::InvalidChildAccountEmail, State::find_by_email)?,
    };
    let new_email = p.text("new_child_account_email");
    if let Some(email) = &new_email {
        if children.len() != 1 {
            return Err(ApiError::new(ErrorCode::InvalidNewChildAccountEmail, "A new email can be set for one child account at a time."));
        }
        let current = &ctx.state.accounts[&children[0]].email;
        if !current.eq_ignore_ascii_case(email) {
            check_new_email(ctx.state, "new_child_account_email", ErrorCode::InvalidNewChildAccountEmail, email)?;
        }
    }
    let new_password = check_optional(p, "new_child_account_password", v::password)?;
    let notifications = NotificationChanges::read(p)?;
    let active = p.flag("active")?;
    let zone = location(p)?;
    let robokassa = p.flag("support_robokassa")?;
    let bank_card = p.flag("support_bank_card")?;
    let invoice = p.flag("support_invoice")?;
    let restricted = p.flag("can_use_restricted")?;
    for id in children {
        let account = ctx.state.accounts.get_mut(&id).expect("checked above");
        if let Some(email) = &new_email {
            account.email = email.clone();
        }
        if let Some(password) = &new_password {
            account.password = password.clone();
        }
        notifications.apply(account);
        if let Some(value) = active {
            account.active = value;
        }
        if let Some(zone) = &zone {
            account.location = zone.clone();
        }
        if let Some(value) = robokassa {
            account.support_robokassa = value;
        }
        if let Some(value) = bank_card {
            account.support_bank_card = value;
        }
        if let Some(value) = invoice {
            account.support_invoice = value;
        }
        if let Some(value) = restricted {
            account.can_use_restricted = value;
        }
    }
    Ok(json!({ "result": 1 }))
}

/// The caller's children named in a `;`-list parameter, found by `find`.
fn children_by(
    ctx: &Context,
    param: &str,
    invalid: ErrorCode,
    find: for<'s> fn(&'s State, &str) -> Option<&'s Account>,
) -> Result<Vec<u64>, ApiError> {
    ctx.params
        .list(param)
        .unwrap_or_default()
        .iter()
        .map(|key| {
            find(ctx.state, key)
                .filter(|a| a.parent_id == Some(ctx.caller.account_id))
                .map(|a| a.id)
                .ok_or_else(|| ApiError::invalid_param(invalid, param))
        })
        .collect()
}

/// CloneAccount proves its parent with `parent_account_api_key | _password` alone
/// (its `account_id` names the account to copy): the parent is the source's parent.
pub fn authenticate_clone_account(state: &State, params: &Params) -> Option<Result<Caller, ApiError>> {
    let proof = params.get("parent_account_api_key").or_else(|| params.get("parent_account_password"))?;
    let source = if let Some(id) = params.get("account_id") {
        id.parse().ok().and_then(|id: u64| state.accounts.get(&id))
    } else if let Some(name) = params.get("account_name") {
        state.find_by_name(name)
    } else {
        params.get("account_email").and_then(|email| state.find_by_email(email))
    };
    let parent = source.and_then(|s| s.parent_id).and_then(|id| state.accounts.get(&id));
    Some(match parent {
        Some(parent) if proof == parent.api_key || (!parent.password.is_empty() && proof == parent.password) => {
            Ok(Caller { account_id: parent.id, by_secret: true })
        }
        _ => Err(ApiError::auth_failed()),
    })
}

/// AddAccount names its parent in `parent_account_*` parameters rather than the usual
/// credentials. Those, when given, must prove the same parent the call runs as.
pub fn authenticate_add_account(state: &State, params: &Params) -> Option<Result<Caller, ApiError>> {
    let names_parent = ["parent_account_id", "parent_account_name", "parent_account_email"].iter().any(|n| params.has(n));
    names_parent.then(|| {
        auth::authenticate_secret(state, params, "parent_account").map_err(|_| {
            ApiError::new(ErrorCode::InvalidParentAccountId, "The parent account credentials are invalid.")
        })
    })
}
