//! Billing on the server. Two services: reading (every role that may see billing) and
//! the two changes that move money (admins and resellers). Prices, subscription
//! prices and rates are kept a few minutes per connection; plans and what is due are
//! read fresh, since they are what a person decides on.

use std::{collections::BTreeMap, time::Duration};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::json;
use voximplant::{
    client::Client,
    methods::{
        ChangeAccountPlan, ChargeAccount, GetAccountInfo, GetAccountPlans, GetAvailablePlans, GetCurrencyRate,
        GetMoneyAmountToCharge, GetResourcePrice, GetSubscriptionPrice, PhoneSelection, PlanFilter,
    },
    types::{AccountPlan, Plan, PlanType, ResourceType, SubscriptionTemplateKind},
    wire::Selection,
    ErrorCode,
};

use super::{
    actions, period_words, ChargeMode, ChargeOrder, Charged, ChargedPhoneView, Due, DueQuery, DueSubscription, Freshness,
    PackageView, PlanChanged, PlanChoice, PlanView, Plans, PriceFilter, PriceGroupView, Prices, RateQuery, Rates,
    ResourcePriceView, SubscriptionFilter, SubscriptionPriceView, SubscriptionPrices, SUBSCRIPTIONS_PAGE,
};
use crate::{
    audit::ssr::{audited, AuditContext, Performed},
    auth::ssr::{cap, Authorized, Service},
    error::AppError,
    read_cache::{cached, forget},
    submission::{ssr::Submission, FormKey},
};

pub(crate) use crate::auth::ssr::service;

mod charging;

/// Admins, resellers, support and auditors: plans, what is due, prices and rates.
pub struct BillingReader(Authorized<cap::ViewBilling>);

/// Admins and resellers: changing a plan and charging subscriptions.
pub struct BillingManager(Authorized<cap::ManageBilling>);

impl Service for BillingReader {
    type Capability = cap::ViewBilling;
    fn grant(access: Authorized<cap::ViewBilling>) -> Self {
        BillingReader(access)
    }
}

impl Service for BillingManager {
    type Capability = cap::ManageBilling;
    fn grant(access: Authorized<cap::ManageBilling>) -> Self {
        BillingManager(access)
    }
}

/// How long prices, subscription prices and rates are reused per connection.
pub const PRICES_KEPT: Duration = Duration::from_secs(300);

fn now() -> String {
    chrono::Utc::now().format("%H:%M:%S UTC").to_string()
}

fn freshness(age: Duration) -> Freshness {
    let read_at = chrono::Utc::now() - chrono::Duration::from_std(age).unwrap_or_default();
    Freshness { read_at: read_at.format("%H:%M:%S UTC").to_string(), age_seconds: age.as_secs() }
}

fn date_of(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    (!text.is_empty()).then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()).flatten()
}

fn iso(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// Balance, credit limit and currency of the parent account.
struct Money {
    account_id: u64,
    balance: Option<Decimal>,
    credit_limit: Option<Decimal>,
    currency: Option<String>,
}

async fn money(client: &Client) -> Result<Money, AppError> {
    let info = client.get_account_info(GetAccountInfo { return_live_balance: Some(true) }).await?.result;
    Ok(Money {
        account_id: info.account_id,
        balance: info.balance,
        credit_limit: info.credit_limit,
        currency: info.currency,
    })
}

fn current_view(plan: AccountPlan) -> PlanView {
    PlanView {
        template_id: plan.plan_subscription_template_id,
        plan_type: plan.plan_type.as_str().to_string(),
        name: plan.plan_name,
        periodic_charge: plan.periodic_charge,
        next_charge: plan.next_charge.map(iso),
        packages: plan
            .packages
            .into_iter()
            .map(|p| PackageView {
                name: p.package_name,
                size: p.package_size,
                included: p.orig_package_size,
                left: Some(p.resource_left),
                may_overrun: p.may_overrun,
                overrun_price: p.overrun_price,
                overrun_step: p.overrun_resources,
            })
            .collect(),
    }
}

fn available_view(plan: Plan) -> PlanView {
    PlanView {
        template_id: plan.plan_subscription_template_id,
        plan_type: plan.plan_type.as_str().to_string(),
        name: plan.plan_name,
        periodic_charge: plan.periodic_charge,
        next_charge: None,
        packages: plan
            .packages
            .into_iter()
            .map(|p| PackageView {
                name: p.package_name,
                size: p.package_size,
                included: p.package_size,
                left: None,
                may_overrun: p.may_overrun,
                overrun_price: p.overrun_price,
                overrun_step: p.overrun_resources,
            })
            .collect(),
    }
}

/// The plans the account has and may change to, with its money: three calls at once.
async fn read_plans(client: &Client) -> Result<Plans, AppError> {
    let (current, available, money) = tokio::join!(
        client.get_account_plans(GetAccountPlans::default()),
        client.get_available_plans(GetAvailablePlans::default()),
        money(client)
    );
    let money = money?;
    let mut available: Vec<PlanView> = available?.result.into_iter().map(available_view).collect();
    available.sort_by(|a, b| a.plan_type.cmp(&b.plan_type).then(a.periodic_charge.cmp(&b.periodic_charge)));
    Ok(Plans {
        current: current?.result.into_iter().map(current_view).collect(),
        available,
        balance: money.balance,
        credit_limit: money.credit_limit,
        currency: money.currency,
        fetched_at: now(),
    })
}

/// Every phone subscription of the account with its cost in the account's currency
/// and next renewal: what is due within a year lists them all.
async fn every_phone(client: &Client, currency: Option<&str>) -> Result<Vec<DueSubscription>, AppError> {
    let far = chrono::Utc::now().date_naive() + chrono::Duration::days(366);
    let request = GetMoneyAmountToCharge { currency: currency.map(str::to_string), charge_date: Some(far) };
    let answer = client.get_money_amount_to_charge(request).await?.result;
    Ok(answer.subscriptions.into_iter().map(|s| due_view(s.clone(), s.subscription_amount)).collect())
}

fn due_view(subscription: voximplant::types::SubscriptionToCharge, cost: Decimal) -> DueSubscription {
    DueSubscription {
        description: subscription.subscription_description,
        kind: subscription.subscription_type.as_str().to_string(),
        amount: subscription.subscription_amount,
        cost,
        auto_charge: subscription.subscription_auto_charge,
        next_renewal: subscription.subscription_next_renewal.map(iso),
    }
}

impl BillingReader {
    pub async fn plans(&self) -> Result<Plans, AppError> {
        let (_, client) = self.0.voximplant().await?;
        read_plans(&client).await
    }

    /// What is due by the date, in the currency asked for; each subscription's cost in
    /// the account's currency too (what charging it takes from the balance).
    pub async fn due(&self, query: DueQuery) -> Result<Due, AppError> {
        AppError::check_all(query.problems())?;
        let (_, client) = self.0.voximplant().await?;
        let money = money(&client).await?;
        let account_currency = money.currency.clone().unwrap_or_else(|| "USD".into());
        let currency = Some(query.currency.trim().to_string()).filter(|c| !c.is_empty()).unwrap_or_else(|| account_currency.clone());
        let date = date_of(&query.date).unwrap_or_else(|| chrono::Utc::now().date_naive());
        let ask = |currency: &str| GetMoneyAmountToCharge { currency: Some(currency.to_string()), charge_date: Some(date) };
        let asked = client.get_money_amount_to_charge(ask(&currency)).await.map_err(AppError::from).map_err(next_to_field)?.result;
        let costs: BTreeMap<String, Decimal> = if currency == account_currency {
            asked.subscriptions.iter().map(|s| (s.subscription_description.clone(), s.subscription_amount)).collect()
        } else {
            let own = client.get_money_amount_to_charge(ask(&account_currency)).await?.result;
            own.subscriptions.into_iter().map(|s| (s.subscription_description, s.subscription_amount)).collect()
        };
        Ok(Due {
            date: iso(date),
            currency,
            amount: asked.amount,
            min_amount: asked.min_amount,
            bank_card_amount_usd: asked.bank_card_amount_usd,
            robokassa_amount_rub: asked.robokassa_amount_rub,
            subscriptions: asked
                .subscriptions
                .into_iter()
                .map(|s| {
                    let cost = costs.get(&s.subscription_description).copied().unwrap_or(s.subscription_amount);
                    due_view(s, cost)
                })
                .collect(),
            balance: money.balance,
            credit_limit: money.credit_limit,
            account_currency,
            fetched_at: now(),
        })
    }

    pub async fn prices(&self, filter: PriceFilter, fresh: bool) -> Result<Prices, AppError> {
        AppError::check_all(filter.problems())?;
        let (connection, client) = self.0.voximplant().await?;
        let key = format!("prices {}", serde_json::to_string(&filter).unwrap_or_default());
        let read = async {
            let group_id = filter.group_id();
            let group_name = Some(filter.group.trim().to_string()).filter(|g| !g.is_empty() && group_id.is_none());
            let params = filter.params();
            let request = GetResourcePrice {
                resource_type: (!filter.types.is_empty())
                    .then(|| filter.types.iter().map(|t| t.parse::<ResourceType>().unwrap_or_else(|never| match never {})).collect()),
                price_group_id: group_id.map(|id| vec![id]),
                price_group_name: group_name,
                resource_param: (!params.is_empty()).then_some(params),
            };
            let (answer, money) = tokio::join!(client.get_resource_price(request), money(&client));
            let resources = answer
                .map_err(AppError::from)
                .map_err(next_to_field)?
                .result
                .into_iter()
                .map(|resource| ResourcePriceView {
                    resource_type: resource.resource_type.as_str().to_string(),
                    groups: resource
                        .price_groups
                        .into_iter()
                        .map(|g| PriceGroupView {
                            id: g.price_group_id,
                            name: g.price_group_name,
                            price: g.price,
                            per: g.num_resources_per_price,
                            quantum: g.quantum,
                            allowed: g.params.allowed,
                            forbidden: g.params.forbidden.unwrap_or_default(),
                            requested: g.params.requested.unwrap_or_default(),
                        })
                        .collect(),
                })
                .collect();
            Ok::<_, AppError>((resources, money.ok().and_then(|m| m.currency)))
        };
        let ((resources, currency), age) = cached(&connection.id, key, PRICES_KEPT, fresh, read).await?;
        Ok(Prices { resources, currency, freshness: freshness(age) })
    }

    pub async fn subscription_prices(&self, filter: SubscriptionFilter, fresh: bool) -> Result<SubscriptionPrices, AppError> {
        AppError::check_all(filter.problems())?;
        let (connection, client) = self.0.voximplant().await?;
        let key = format!("subscriptions {}", serde_json::to_string(&filter).unwrap_or_default());
        let read = async {
            let ids = filter.template_ids().unwrap_or_default();
            let request = GetSubscriptionPrice {
                subscription_template_id: (!ids.is_empty()).then_some(ids),
                subscription_template_type: (!filter.kind.is_empty())
                    .then(|| filter.kind.parse::<SubscriptionTemplateKind>().unwrap_or_else(|never| match never {})),
                subscription_template_name: Some(filter.name.trim().to_string()).filter(|n| !n.is_empty()),
                count: Some(SUBSCRIPTIONS_PAGE),
                offset: Some(filter.offset),
            };
            let answer = client.get_subscription_price(request).await?;
            let total = answer.total_count.unwrap_or(answer.result.len() as u64 + filter.offset);
            let templates: Vec<SubscriptionPriceView> = answer
                .result
                .into_iter()
                .map(|t| SubscriptionPriceView {
                    id: t.subscription_template_id,
                    name: t.subscription_template_name,
                    kind: t.subscription_template_type.as_str().to_string(),
                    installation_price: t.installation_price,
                    price: t.price,
                    currency: t.currency,
                    period: period_words(&t.period),
                    required_verification: t.required_verification,
                    verification_status: t.verification_status.map(|s| s.as_str().to_string()),
                })
                .collect();
            Ok::<_, AppError>((templates, total))
        };
        let ((templates, total), age) = cached(&connection.id, key, PRICES_KEPT, fresh, read).await?;
        Ok(SubscriptionPrices { templates, total, offset: filter.offset, freshness: freshness(age) })
    }

    pub async fn rates(&self, query: RateQuery) -> Result<Rates, AppError> {
        AppError::check_all(query.problems())?;
        let (connection, client) = self.0.voximplant().await?;
        let date = date_of(&query.date).unwrap_or_else(|| chrono::Utc::now().date_naive());
        let asked = query.asked();
        let key = format!("rates {} {}", iso(date), asked.join(","));
        let read = async {
            let request = GetCurrencyRate { currency: asked.clone(), date: Some(date) };
            let answer = client.get_currency_rate(request).await.map_err(AppError::from).map_err(next_to_field)?;
            Ok::<_, AppError>(answer.result.0.into_iter().collect::<Vec<(String, Decimal)>>())
        };
        let (rates, age) = cached(&connection.id, key, PRICES_KEPT, false, read).await?;
        Ok(Rates { date: iso(date), rates, freshness: freshness(age) })
    }
}

/// Voximplant's refusals that are about one field go next to it.
fn next_to_field(error: AppError) -> AppError {
    let AppError::Upstream { code, message } = &error else { return error };
    let field = match ErrorCode::from_code(*code) {
        ErrorCode::InvalidCurrency => "currency",
        ErrorCode::InvalidDate | ErrorCode::InvalidDateFormat => "date",
        ErrorCode::InvalidResourceType => "types",
        ErrorCode::InvalidPriceGroupName => "group",
        ErrorCode::InvalidPlan | ErrorCode::AccountPlanChangeForbidden | ErrorCode::InvalidPlanType => "plan",
        _ => return error,
    };
    AppError::invalid(field, format!("Voximplant refused this value: {message}"))
}

/// The reconciler's reading of a charge: each expected phone's renewal now, against
/// before. Later → charged; the same → not charged; unknown either way → left out.
pub(crate) async fn renewals_now(client: &Client, currency: Option<&str>) -> Result<BTreeMap<String, Option<String>>, AppError> {
    Ok(every_phone(client, currency).await?.into_iter().map(|p| (p.description, p.next_renewal)).collect())
}

/// The reconciler's reading of a plan change: the template id of the current plan of `plan_type`.
pub(crate) async fn current_plan(client: &Client, plan_type: &str) -> Result<Option<(u64, String)>, AppError> {
    let filter = PlanFilter { plan_type: Some(vec![plan_type.parse::<PlanType>().unwrap_or_else(|never| match never {})]), ..Default::default() };
    let plans = client.get_account_plans(GetAccountPlans(filter)).await?.result;
    Ok(plans.into_iter().find(|p| p.plan_type.as_str() == plan_type).map(|p| (p.plan_subscription_template_id, p.plan_name)))
}

