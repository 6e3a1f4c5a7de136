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
use voximplant::{validation, value_lists};

use crate::{error::AppError, submission::FormKey};

#[cfg(feature = "ssr")]
pub mod actions;
pub mod charges_page;
pub mod plans_page;
pub mod prices_page;
pub mod rates_page;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod ssr;

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
// What is due, and charging it

/// Which charges to show: for a date (empty: today) in a currency (empty: the account's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueQuery {
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub currency: String,
}

impl DueQuery {
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        if !self.date.trim().is_empty() {
            if let Err(invalid) = validation::date("date", &self.date) {
                problems.push(("date".into(), format!("The date {}.", invalid.message)));
            }
        }
        if !self.currency.trim().is_empty() {
            if let Err(invalid) = validation::currency("currency", self.currency.trim()) {
                problems.push(("currency".into(), format!("The currency: {}.", invalid.message)));
            }
        }
        problems
    }
}

/// One subscription due by the date (GetMoneyAmountToCharge).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DueSubscription {
    /// The phone number (or SIP registration) it is for.
    pub description: String,
    /// `PHONE_NUM` or `SIP_REGISTRATION`.
    pub kind: String,
    /// In the currency asked for.
    pub amount: Decimal,
    /// In the account's currency: what charging it takes from the balance.
    pub cost: Decimal,
    pub auto_charge: bool,
    pub next_renewal: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Due {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub currency: String,
    /// Subscriptions, plans and a negative balance, in `currency`.
    pub amount: Decimal,
    /// `amount` less the positive balance.
    pub min_amount: Decimal,
    pub bank_card_amount_usd: Option<Decimal>,
    pub robokassa_amount_rub: Option<Decimal>,
    pub subscriptions: Vec<DueSubscription>,
    pub balance: Option<Decimal>,
    pub credit_limit: Option<Decimal>,
    pub account_currency: String,
    pub fetched_at: String,
}

impl Due {
    /// The subscriptions a person may charge: the ones Voximplant does not charge itself.
    pub fn chargeable(&self) -> impl Iterator<Item = &DueSubscription> {
        self.subscriptions.iter().filter(|s| !s.auto_charge)
    }
}

/// How the phones to charge are chosen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargeMode {
    /// The numbers ticked in the list of what is due.
    #[default]
    Numbers,
    /// Phone ids typed in.
    Ids,
    /// Every phone of the account with auto-charge off.
    All,
}

/// What to charge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeOrder {
    pub mode: ChargeMode,
    #[serde(default)]
    pub numbers: Vec<String>,
    /// Comma-separated phone ids.
    #[serde(default)]
    pub ids: String,
}

/// Phones one charge may name at most.
pub const MAX_PHONES_PER_CHARGE: usize = 100;
/// Longest phone number or SIP registration name accepted.
pub const MAX_PHONE_LENGTH: usize = 64;

impl ChargeOrder {
    /// The typed ids, or why they are not ids.
    pub fn phone_ids(&self) -> Result<Vec<u64>, String> {
        let mut ids = Vec::new();
        for part in self.ids.split([',', ';', ' ', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
            match part.parse::<u64>() {
                Ok(id) if id > 0 => ids.push(id),
                _ => return Err(format!("{part:?} is not a phone id: ids are whole numbers, separated by commas.")),
            }
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    pub fn problems(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let mut problem = |field: &str, message: String| problems.push((field.to_string(), message));
        match self.mode {
            ChargeMode::Numbers => {
                if self.numbers.is_empty() {
                    problem("numbers", "Tick at least one phone to charge.".into());
                } else if self.numbers.len() > MAX_PHONES_PER_CHARGE {
                    problem("numbers", format!("Charge at most {MAX_PHONES_PER_CHARGE} phones at once."));
                } else if let Some(long) = self.numbers.iter().find(|n| n.trim().is_empty() || n.chars().count() > MAX_PHONE_LENGTH) {
                    problem("numbers", format!("{long:?} is not a phone number."));
                }
            }
            ChargeMode::Ids => match self.phone_ids() {
                Ok(ids) if ids.is_empty() => problem("ids", "Enter at least one phone id.".into()),
                Ok(ids) if ids.len() > MAX_PHONES_PER_CHARGE => problem("ids", format!("Charge at most {MAX_PHONES_PER_CHARGE} phones at once.")),
                Ok(_) => {}
                Err(why) => problem("ids", why),
            },
            ChargeMode::All => {}
        }
        problems
    }
}

/// One phone ChargeAccount answered about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChargedPhoneView {
    pub phone_id: u64,
    pub number: String,
    pub charged: bool,
    /// Frozen for lack of money.
    pub frozen: bool,
    /// What its subscription cost, when the list of what was due named it.
    pub cost: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Charged {
    pub charged_amount: Decimal,
    pub phones: Vec<ChargedPhoneView>,
    pub balance_before: Option<Decimal>,
    pub balance_after: Option<Decimal>,
    pub currency: Option<String>,
    /// An earlier submission of this same form's answer, given again (nothing charged twice).
    pub again: bool,
}

// ---------------------------------------------------------------------------------
// Prices

/// GetResourcePrice's filters; every field is kept in the URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceFilter {
    /// Resource types (see [`value_lists::RESOURCE_TYPES`]); empty: all.
    #[serde(default)]
    pub types: Vec<String>,
    /// A price group's id, or part of its name.
    #[serde(default)]
    pub group: String,
    /// Resource parameters such as phone numbers, separated by commas.
    #[serde(default)]
    pub param: String,
}

/// Resource parameters one query may name at most, and the longest one.
pub const MAX_RESOURCE_PARAMS: usize = 20;
pub const MAX_RESOURCE_PARAM_LENGTH: usize = 32;
/// Longest price group name searched for.
pub const MAX_GROUP_NAME_LENGTH: usize = 100;

impl PriceFilter {
    /// The parameters as Voximplant takes them: a phone's `+`, spaces, dashes and
    /// brackets dropped (`+1 (415) 555-0100` → `14155550100`).
    pub fn params(&self) -> Vec<String> {
        self.param
            .split([',', ';'])
            .map(|part| {
                let part = part.trim();
                let phone_like = part.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
                if phone_like { part.chars().filter(char::is_ascii_digit).collect() } else { part.to_string() }
            })
            .filter(|part| !part.is_empty())
            .collect()
    }

    /// The group as an id (all digits) or a name to search for.
    pub fn group_id(&self) -> Option<u64> {
        let group = self.group.trim();
        (!group.is_empty() && group.chars().all(|c| c.is_ascii_digit())).then(|| group.parse().ok()).flatten()
    }

    pub fn problems(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        for kind in &self.types {
            if validation::lookup(value_lists::RESOURCE_TYPES, kind).is_none() {
                problems.push(("types".into(), format!("{kind} is not a resource type Voximplant prices.")));
            }
        }
        if self.group.trim().chars().count() > MAX_GROUP_NAME_LENGTH {
            problems.push(("group".into(), format!("A price group name is at most {MAX_GROUP_NAME_LENGTH} characters.")));
        }
        let params = self.params();
        if params.len() > MAX_RESOURCE_PARAMS {
            problems.push(("param".into(), format!("Look up at most {MAX_RESOURCE_PARAMS} numbers at once.")));
        } else if let Some(long) = params.iter().find(|p| p.chars().count() > MAX_RESOURCE_PARAM_LENGTH) {
            problems.push((
                "param".into(),
                format!("{:?}… is too long: a resource parameter is at most {MAX_RESOURCE_PARAM_LENGTH} characters.", long.chars().take(12).collect::<String>()),
            ));
        }
        problems
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceGroupView {
    pub id: u64,
    pub name: String,
    /// For `per` units.
    pub price: Decimal,
    pub per: u64,
    /// Usage is rounded up to multiples of this.
    pub quantum: u64,
    pub allowed: Vec<String>,
    pub forbidden: Vec<String>,
    /// The asked-for parameters this group prices.
    pub requested: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourcePriceView {
    pub resource_type: String,
    pub groups: Vec<PriceGroupView>,
}

/// What was read and when: prices are kept a few minutes per connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Freshness {
    /// `14:22:05 UTC`.
    pub read_at: String,
    pub age_seconds: u64,
}

impl Freshness {
    /// "read at 14:22:05 UTC, 2 minutes ago".
    pub fn describe(&self) -> String {
        let ago = match self.age_seconds {
            0..=4 => "just now".to_string(),
            seconds @ 5..=59 => format!("{seconds} seconds ago"),
            seconds @ 60..=119 => format!("1 minute ago ({seconds} s)"),
            seconds => format!("{} minutes ago", seconds / 60),
        };
        format!("Read from Voximplant at {}, {ago}.", self.read_at)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prices {
    pub resources: Vec<ResourcePriceView>,
    pub currency: Option<String>,
    pub freshness: Freshness,
}

/// GetSubscriptionPrice's filters and page; kept in the URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionFilter {
    /// Template ids, comma-separated.
    #[serde(default)]
    pub ids: String,
    /// `PHONE_NUM`, `SIP_REGISTRATION` or empty.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub offset: u64,
}

pub const SUBSCRIPTION_KINDS: &[(&str, &str)] = &[("PHONE_NUM", "Phone number"), ("SIP_REGISTRATION", "SIP registration")];
/// Subscription templates per page.
pub const SUBSCRIPTIONS_PAGE: u64 = 20;

impl SubscriptionFilter {
    pub fn template_ids(&self) -> Result<Vec<u64>, String> {
        let mut ids = Vec::new();
        for part in self.ids.split([',', ';', ' ']).map(str::trim).filter(|p| !p.is_empty()) {
            ids.push(part.parse::<u64>().map_err(|_| format!("{part:?} is not a template id: ids are whole numbers, separated by commas."))?);
        }
        Ok(ids)
    }

    pub fn problems(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        match self.template_ids() {
            Err(why) => problems.push(("sub_ids".into(), why)),
            Ok(ids) if ids.len() > MAX_RESOURCE_PARAMS => {
                problems.push(("sub_ids".into(), format!("Look up at most {MAX_RESOURCE_PARAMS} templates at once.")))
            }
            Ok(_) => {}
        }
        if !self.kind.is_empty() && !SUBSCRIPTION_KINDS.iter().any(|(k, _)| *k == self.kind) {
            problems.push(("sub_kind".into(), format!("{} is not a subscription type.", self.kind)));
        }
        if self.name.chars().count() > MAX_GROUP_NAME_LENGTH {
            problems.push(("sub_name".into(), format!("A template name is at most {MAX_GROUP_NAME_LENGTH} characters.")));
        }
        problems
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionPriceView {
    pub id: u64,
    pub name: String,
    pub kind: String,
    pub installation_price: Decimal,
    /// Per period.
    pub price: Decimal,
    pub currency: Option<String>,
    /// "1 month".
    pub period: String,
    pub required_verification: Option<bool>,
    pub verification_status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionPrices {
    pub templates: Vec<SubscriptionPriceView>,
    pub total: u64,
    pub offset: u64,
    pub freshness: Freshness,
}

/// Voximplant's `Y-M-D H:m:s` period in words: `0-1-0 0:0:0` → "1 month".
pub fn period_words(period: &str) -> String {
    let numbers: Vec<u64> = period.split(['-', ' ', ':']).filter_map(|n| n.parse().ok()).collect();
    let [years, months, days, hours, minutes, seconds] = numbers[..] else { return period.to_string() };
    let words: Vec<String> = [(years, "year"), (months, "month"), (days, "day"), (hours, "hour"), (minutes, "minute"), (seconds, "second")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") })
        .collect();
    if words.is_empty() { "one-off".to_string() } else { words.join(" ") }
}

// ---------------------------------------------------------------------------------
// Currency rates

/// Which rates to show: currencies (empty: all Voximplant uses) on a date (empty: today).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateQuery {
    #[serde(default)]
    pub currencies: Vec<String>,
    #[serde(default)]
    pub date: String,
}

impl RateQuery {
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        for code in &self.currencies {
            if let Err(invalid) = validation::currency("currencies", code) {
                problems.push(("currencies".into(), format!("{}.", capitalised(&invalid.message))));
            }
        }
        if !self.date.trim().is_empty() {
            if let Err(invalid) = validation::date("date", &self.date) {
                problems.push(("date".into(), format!("The date {}.", invalid.message)));
            }
        }
        problems
    }

    /// The currencies to ask for: the chosen ones, or every one Voximplant uses.
    pub fn asked(&self) -> Vec<String> {
        if self.currencies.is_empty() {
            value_lists::CURRENCIES.iter().map(|(code, _)| code.to_string()).collect()
        } else {
            self.currencies.clone()
        }
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rates {
    /// `YYYY-MM-DD`: the date asked for.
    pub date: String,
    /// Units of each currency per 1 USD.
    pub rates: Vec<(String, Decimal)>,
    pub freshness: Freshness,
}

/// Decimal places a converted amount is rounded to.
pub const CONVERTED_DECIMALS: u32 = 2;

impl Rates {
    pub fn rate(&self, code: &str) -> Option<Decimal> {
        self.rates.iter().find(|(c, _)| c == code).map(|(_, rate)| *rate)
    }

    /// `amount` of `from` in `to`, through USD (rates are per USD), rounded to
    /// [`CONVERTED_DECIMALS`] places, halves to even. `None` for an unknown currency
    /// or a zero rate.
    pub fn convert(&self, amount: Decimal, from: &str, to: &str) -> Option<Decimal> {
        let (from_rate, to_rate) = (self.rate(from)?, self.rate(to)?);
        if from_rate.is_zero() {
            return None;
        }
        let converted = amount.checked_mul(to_rate)?.checked_div(from_rate)?;
        Some(converted.round_dp_with_strategy(CONVERTED_DECIMALS, rust_decimal::RoundingStrategy::MidpointNearestEven))
    }
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
