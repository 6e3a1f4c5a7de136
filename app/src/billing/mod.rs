//! Billing: the parent account's plans (`/billing/plans`), what is due and charging it
//! (`/billing/charges`), prices (`/billing/prices`) and currency rates
//! (`/billing/rates`). Reads are GetAccountPlans, GetAvailablePlans,
//! GetMoneyAmountToCharge, GetResourcePrice, GetSubscriptionPrice and GetCurrencyRate;
//! the two changes that move money, ChangeAccountPlan and ChargeAccount, are
//! write-ahead audited and never retried by the portal.
//!
//! The rules for every query and order live here, so the browser and the server
//! refuse the same input with the same words.

use leptos::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{error::AppError, submission::FormKey};

#[cfg(feature = "ssr")]
pub mod actions;
pub mod charges_page;
mod due;
pub mod plans_page;
pub mod prices_page;
mod prices;
pub mod rates_page;
mod rates;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use due::*;
pub use prices::*;
pub use rates::*;

// ---------------------------------------------------------------------------------
// Plans

/// A package of a plan: how much it includes and, for a current plan, how much is left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageView {
    pub name: Option<String>,
    /// Current size, overrun included.
    pub size: u64,
    /// The plan's own size, without overrun.
    pub included: u64,
    /// `None` for a plan one may change to.
    pub left: Option<u64>,
    pub may_overrun: bool,
    /// Per resource beyond the package.
    pub overrun_price: Decimal,
    /// Resources added to the package each time it runs out (`overrun_resources`).
    pub overrun_step: u64,
}

impl PackageView {
    /// Share of the package still left, 0 to 1.
    pub fn left_share(&self) -> Option<f64> {
        let left = self.left?;
        Some(if self.size == 0 { 0.0 } else { (left as f64 / self.size as f64).clamp(0.0, 1.0) })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanView {
    pub template_id: u64,
    /// `IM` or `MAU`.
    pub plan_type: String,
    pub name: String,
    /// The monthly fee.
    pub periodic_charge: Decimal,
    /// `YYYY-MM-DD`, for a current plan.
    pub next_charge: Option<String>,
    pub packages: Vec<PackageView>,
}

/// What a plan type is, in words.
pub fn plan_type_label(plan_type: &str) -> &'static str {
    match plan_type {
        "IM" => "Instant messaging",
        "MAU" => "Monthly active users",
        _ => "Other",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plans {
    pub current: Vec<PlanView>,
    /// The plans one may change to (only up: each costs more than the current one).
    pub available: Vec<PlanView>,
    pub balance: Option<Decimal>,
    pub credit_limit: Option<Decimal>,
    /// The account's currency: fees are charged in it.
    pub currency: Option<String>,
    pub fetched_at: String,
}

impl Plans {
    /// The current plan of `plan_type`, if the account has one.
    pub fn current_of(&self, plan_type: &str) -> Option<&PlanView> {
        self.current.iter().find(|plan| plan.plan_type == plan_type)
    }

    /// Plan types the page shows: every current one and every one available.
    pub fn plan_types(&self) -> Vec<String> {
        let mut types: Vec<String> = self.current.iter().chain(&self.available).map(|p| p.plan_type.clone()).collect();
        types.sort();
        types.dedup();
        types
    }
}

/// The plan to change to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanChoice {
    pub plan_type: String,
    pub template_id: u64,
}

/// After ChangeAccountPlan: the plan now, and the money it took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanChanged {
    pub plan: PlanView,
    pub balance_before: Option<Decimal>,
    pub balance_after: Option<Decimal>,
    pub currency: Option<String>,
    /// The account already had this plan: nothing was sent.
    pub already: bool,
}

// ---------------------------------------------------------------------------------
// Server functions

/// The account's plans and the ones it may change to.
#[server(endpoint = "billing/plans")]
pub async fn get_plans() -> Result<Plans, AppError> {
    ssr::service::<ssr::BillingReader>().await?.plans().await
}

/// ChangeAccountPlan to `choice` (audited; never retried).
#[server(endpoint = "billing/change-plan")]
pub async fn change_plan(choice: PlanChoice) -> Result<PlanChanged, AppError> {
    ssr::service::<ssr::BillingManager>().await?.change_plan(choice).await
}

/// What is due by a date (GetMoneyAmountToCharge).
#[server(endpoint = "billing/due")]
pub async fn get_due(#[server(default)] query: DueQuery) -> Result<Due, AppError> {
    ssr::service::<ssr::BillingReader>().await?.due(query).await
}

/// ChargeAccount for the chosen phones (audited; once per form, never retried).
#[server(endpoint = "billing/charge")]
pub async fn charge(order: ChargeOrder, key: FormKey) -> Result<Charged, AppError> {
    ssr::service::<ssr::BillingManager>().await?.charge(order, key).await
}

/// Resource prices (GetResourcePrice), kept a few minutes per connection.
#[server(endpoint = "billing/prices")]
pub async fn get_prices(#[server(default)] filter: PriceFilter, #[server(default)] fresh: bool) -> Result<Prices, AppError> {
    ssr::service::<ssr::BillingReader>().await?.prices(filter, fresh).await
}

/// Subscription prices (GetSubscriptionPrice), a page at a time, kept a few minutes.
#[server(endpoint = "billing/subscriptions")]
pub async fn get_subscription_prices(
    #[server(default)] filter: SubscriptionFilter,
    #[server(default)] fresh: bool,
) -> Result<SubscriptionPrices, AppError> {
    ssr::service::<ssr::BillingReader>().await?.subscription_prices(filter, fresh).await
}

/// Rates per USD on a date (GetCurrencyRate), kept a few minutes.
#[server(endpoint = "billing/rates")]
pub async fn get_rates(#[server(default)] query: RateQuery) -> Result<Rates, AppError> {
    ssr::service::<ssr::BillingReader>().await?.rates(query).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_currencies_are_checked_per_field() {
        assert!(DueQuery { date: "2026-12-31".into(), currency: "EUR".into() }.problems().is_empty());
        let bad = DueQuery { date: "31/12/2026".into(), currency: "RUB".into() }.problems();
        assert_eq!(bad.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(), ["date", "currency"]);
        assert!(bad[1].1.contains("USD"), "{bad:?}");
        let early = RateQuery { currencies: vec!["EUR".into()], date: "1999-12-31".into() }.problems();
        assert!(early[0].1.contains("2000"), "{early:?}");
        assert_eq!(RateQuery { date: "2026-02-30".into(), ..Default::default() }.problems()[0].0, "date");
    }

    #[test]
    fn charge_orders_name_what_to_charge() {
        let none = ChargeOrder::default();
        assert_eq!(none.problems()[0].0, "numbers");
        let ids = ChargeOrder { mode: ChargeMode::Ids, ids: "12, 7;12".into(), ..Default::default() };
        assert_eq!(ids.phone_ids().unwrap(), [7, 12]);
        let bad = ChargeOrder { mode: ChargeMode::Ids, ids: "12, x".into(), ..Default::default() };
        assert_eq!(bad.problems()[0].0, "ids");
        assert!(ChargeOrder { mode: ChargeMode::All, ..Default::default() }.problems().is_empty());
    }

    #[test]
    fn price_filters_normalise_phone_numbers_and_refuse_long_ones() {
        let filter = PriceFilter { param: "+1 (415) 555-0100, 4420".into(), ..Default::default() };
        assert_eq!(filter.params(), ["14155550100", "4420"]);
        let long = PriceFilter { param: "1".repeat(40), ..Default::default() };
        assert_eq!(long.problems()[0].0, "param");
        let unknown = PriceFilter { types: vec!["PSTNOUT".into(), "GOLD".into()], ..Default::default() };
        assert_eq!(unknown.problems().len(), 1);
        assert_eq!(PriceFilter { group: "1002".into(), ..Default::default() }.group_id(), Some(1002));
    }

    #[test]
    fn conversion_goes_through_usd_and_rounds_halves_to_even() {
        let rates = Rates {
            date: "2026-12-01".into(),
            rates: vec![("USD".into(), Decimal::ONE), ("EUR".into(), Decimal::new(8, 1))],
            freshness: Freshness { read_at: String::new(), age_seconds: 0 },
        };
        assert_eq!(rates.convert(Decimal::from(100), "EUR", "USD"), Some(Decimal::new(12500, 2)));
        assert_eq!(rates.convert(Decimal::new(1, 2), "USD", "EUR"), Some(Decimal::new(1, 2)), "0.008 → 0.01");
        assert_eq!(rates.convert(Decimal::new(5, 3), "USD", "USD"), Some(Decimal::ZERO), "0.005 → 0.00, half to even");
        assert_eq!(rates.convert(Decimal::ONE, "EUR", "KZT"), None);
        assert_eq!(period_words("0-1-0 0:0:0"), "1 month");
    }
}
