//! The sandbox's state as the API's JSON structures.

use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use voximplant::wire;

use crate::state::{Account, AccountPlanState, CatalogPlan, Phone, State};

/// JSON numbers for money, like the real API (exact: from the decimal's text).
pub fn money(value: Decimal) -> Value {
    let text = value.normalize().to_string();
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// How much of an account GetChildrenAccounts shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Brief,
    Medium,
    Full { with_api_key: bool },
}

/// AccountInfoType.
pub fn account_info(account: &Account, detail: Detail) -> Value {
    let mut out = Map::new();
    out.insert("account_id".into(), json!(account.id));
    if detail == Detail::Brief {
        return Value::Object(out);
    }
    out.insert("account_name".into(), json!(account.name));
    out.insert("account_email".into(), json!(account.email));
    let Detail::Full { with_api_key } = detail else { return Value::Object(out) };
    if with_api_key {
        out.insert("api_key".into(), json!(account.api_key));
    }
    let mut put = |name: &str, value: Value| {
        if !value.is_null() {
            out.insert(name.into(), value);
        }
    };
    put("account_first_name", json!(account.first_name));
    put("account_last_name", json!(account.last_name));
    put("created", json!(wire::format_timestamp(account.created)));
    put("language_code", json!(account.language_code));
    put("location", json!(account.location));
    put("min_balance_to_notify", money(account.min_balance_to_notify));
    put("account_notifications", json!(account.account_notifications));
    put("tariff_changing_notifications", json!(account.tariff_changing_notifications));
    put("news_notifications", json!(account.news_notifications));
    let billing = &account.billing_address;
    put("billing_address_name", json!(billing.name));
    put("billing_address_country_code", json!(billing.country_code));
    put("billing_address_address", json!(billing.address));
    put("billing_address_zip", json!(billing.zip));
    put("billing_address_phone", json!(billing.phone));
    put("billing_address_state", json!(billing.state));
    put("active", json!(account.active));
    put("frozen", json!(account.frozen));
    put("balance", money(account.balance));
    put("credit_limit", money(account.credit_limit));
    put("currency", json!(account.currency));
    put("support_robokassa", json!(account.support_robokassa));
    put("support_bank_card", json!(account.support_bank_card));
    put("support_invoice", json!(account.support_invoice));
    put("account_custom_data", json!(account.custom_data));
    put("callback_url", json!(account.callback_url));
    put("callback_salt", json!(account.callback_salt));
    put("send_js_error", json!(account.send_js_error));
    put("a2p_sms_enabled", json!(account.a2p_sms_enabled));
    let mut limits = Map::new();
    if account.support_bank_card {
        limits.insert("bank_card".into(), json!({ "min_amount": 10, "currency": "USD" }));
    }
    if account.support_robokassa {
        limits.insert("robokassa".into(), json!({ "min_amount": 500, "currency": "RUR" }));
    }
    if account.support_invoice {
        limits.insert("invoice".into(), json!({ "min_amount": 100, "currency": "USD" }));
    }
    put("billing_limits", Value::Object(limits));
    Value::Object(out)
}

/// ShortAccountInfoType.
pub fn short_account_info(account: &Account) -> Value {
    json!({
        "account_id": account.id,
        "frozen": account.frozen,
        "balance": money(account.balance),
        "currency": account.currency,
    })
}

/// AccountPlanType.
pub fn account_plan(plan: &AccountPlanState, catalog: &CatalogPlan) -> Value {
    let packages: Vec<Value> = catalog
        .packages
        .iter()
        .enumerate()
        .map(|(i, package)| {
            let overrun = plan.overrun_used.get(i).copied().unwrap_or(0);
            let mut out = package_json(package);
            out["resource_left"] = json!(plan.resources_left.get(i).copied().unwrap_or(package.size));
            out["package_size"] = json!(package.size + overrun);
            out["orig_package_size"] = json!(package.size);
            out
        })
        .collect();
    json!({
        "plan_subscription_template_id": catalog.template_id,
        "next_charge": wire::format_date(plan.next_charge),
        "plan_type": catalog.plan_type,
        "plan_name": catalog.name,
        "periodic_charge": money(catalog.periodic_charge),
        "packages": packages,
    })
}

/// PlanPackageType; AccountPlanPackageType adds usage to it.
fn package_json(package: &crate::state::CatalogPackage) -> Value {
    json!({
        "price_group_id": package.price_group_ids,
        "package_name": package.name,
        "may_overrun": package.may_overrun,
        "overrun_price": money(package.overrun_price),
        "overrun_resources": package.overrun_resources,
        "package_size": package.size,
    })
}

/// PlanType.
pub fn plan(catalog: &CatalogPlan) -> Value {
    let packages: Vec<Value> = catalog.packages.iter().map(package_json).collect();
    json!({
        "plan_subscription_template_id": catalog.template_id,
        "plan_type": catalog.plan_type,
        "plan_name": catalog.name,
        "periodic_charge": money(catalog.periodic_charge),
        "packages": packages,
    })
}

/// ChargedPhoneType.
pub fn charged_phone(phone: &Phone, charged: bool) -> Value {
    json!({
        "phone_id": phone.id,
        "phone_number": phone.number,
        "deactivated": phone.deactivated,
        "is_charged": charged,
    })
}

/// The account's currency code, as the rates table knows it.
pub fn currency_known(state: &State, code: &str) -> bool {
    code == "USD" || state.currency_rates.values().next_back().is_some_and(|rates| rates.contains_key(code))
}
