//! Everything the sandbox knows: accounts (a parent and its children) with every
//! AccountInfoType field, balances, plans, phone subscriptions, verification
//! documents, prices and currency rates. Serializable, so it can persist to a file.

use std::{
    collections::{BTreeMap, HashMap},
    sync::OnceLock,
};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    pub accounts: BTreeMap<u64, Account>,
    pub next_account_id: u64,
    pub next_phone_id: u64,
    pub next_object_id: u64,
    /// Plans any account may have: the catalog GetAvailablePlans offers from.
    pub plan_catalog: Vec<CatalogPlan>,
    pub resource_prices: Vec<ResourcePriceRow>,
    pub subscription_templates: Vec<SubscriptionTemplateRow>,
    /// Units of currency per 1 USD, by date; the latest date on or before the asked
    /// date answers.
    pub currency_rates: BTreeMap<NaiveDate, BTreeMap<String, Decimal>>,
    /// Children each parent created today (AddAccount/CloneAccount): error 397 past the limit.
    #[serde(default)]
    pub created_today: BTreeMap<u64, (NaiveDate, u32)>,
    /// Each parent's children in GetChildrenAccounts' three orders, built on first use
    /// after a change, so a page never sorts (or copies) every child.
    #[serde(skip)]
    children_index: OnceLock<HashMap<u64, ChildOrders>>,
    /// Children as GetChildrenAccounts writes them (JSON, by id and detail level),
    /// kept until accounts change: a page copies 50 strings instead of building 50
    /// JSON objects under the lock.
    #[serde(skip)]
    rendered: RenderedAccounts,
}

/// JSON of accounts already rendered, by (account id, detail level).
#[derive(Debug, Default)]
pub struct RenderedAccounts(std::sync::Mutex<HashMap<(u64, u8), std::sync::Arc<str>>>);

impl Clone for RenderedAccounts {
    fn clone(&self) -> Self {
        RenderedAccounts::default()
    }
}

impl RenderedAccounts {
    /// The account's JSON at `level`, rendered by `render` the first time.
    pub fn get_or_render(&self, id: u64, level: u8, render: impl FnOnce() -> String) -> std::sync::Arc<str> {
        let mut cache = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.entry((id, level)).or_insert_with(|| render().into()).clone()
    }
}

/// One parent's children's ids, sorted each way GetChildrenAccounts can sort.
#[derive(Debug, Clone, Default)]
pub struct ChildOrders {
    pub by_id: Vec<u64>,
    pub by_name: Vec<u64>,
    pub by_email: Vec<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    pub id: u64,
    pub parent_id: Option<u64>,
    pub name: String,
    pub email: String,
    pub password: String,
    pub api_key: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub created: DateTime<Utc>,
    pub language_code: String,
    pub location: String,
    pub min_balance_to_notify: Decimal,
    pub account_notifications: bool,
    pub tariff_changing_notifications: bool,
    pub news_notifications: bool,
    pub billing_address: BillingAddress,
    pub active: bool,
    pub frozen: bool,
    pub balance: Decimal,
    pub credit_limit: Decimal,
    pub currency: String,
    pub support_robokassa: bool,
    pub support_bank_card: bool,
    pub support_invoice: bool,
    pub can_use_restricted: bool,
    pub custom_data: Option<String>,
    pub callback_url: Option<String>,
    pub callback_salt: Option<String>,
    pub send_js_error: bool,
    pub store_outbound_sms: bool,
    pub store_inbound_sms: bool,
    pub a2p_sms_enabled: bool,
    pub record_storage: Option<String>,
    pub plans: Vec<AccountPlanState>,
    pub phones: Vec<Phone>,
    pub verifications: Vec<Verification>,
    /// What CloneAccount copies.
    pub contents: AccountContents,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BillingAddress {
    pub name: Option<String>,
    pub country_code: Option<String>,
    pub address: Option<String>,
    pub zip: Option<String>,
    pub phone: Option<String>,
    pub state: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CatalogPlan {
    pub template_id: u64,
    pub plan_type: String,
    pub name: String,
    pub periodic_charge: Decimal,
    pub packages: Vec<CatalogPackage>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CatalogPackage {
    pub price_group_ids: Vec<u64>,
    pub name: Option<String>,
    pub may_overrun: bool,
    pub overrun_price: Decimal,
    pub overrun_resources: u64,
    pub size: u64,
}

/// A plan an account has, with what is left of its packages.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountPlanState {
    pub template_id: u64,
    pub next_charge: NaiveDate,
    /// Left per package, in catalog order.
    pub resources_left: Vec<u64>,
    pub overrun_used: Vec<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Phone {
    pub id: u64,
    pub number: String,
    pub kind: String,
    pub monthly_price: Decimal,
    pub auto_charge: bool,
    /// Frozen for lack of money.
    pub deactivated: bool,
    pub next_renewal: NaiveDate,
    pub verified: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verification {
    pub name: String,
    pub status: String,
    pub unverified_hold_until: Option<NaiveDate>,
    pub documents: Vec<Document>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Document {
    pub id: u64,
    pub is_individual: bool,
    pub comment: Option<String>,
    pub uploaded: DateTime<Utc>,
    pub status: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AccountContents {
    pub users: Vec<Named>,
    pub scenarios: Vec<Named>,
    pub applications: Vec<Application>,
    pub acd_queues: Vec<Named>,
    pub acd_skills: Vec<Named>,
    pub admin_roles: Vec<Named>,
    pub admin_users: Vec<AdminUser>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Named {
    pub id: u64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Application {
    pub id: u64,
    pub name: String,
    pub rules: Vec<Named>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AdminUser {
    pub id: u64,
    pub name: String,
    pub api_key: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResourcePriceRow {
    pub resource_type: String,
    pub group_id: u64,
    pub group_name: String,
    pub price: Decimal,
    pub per: u64,
    pub quantum: u64,
    pub allowed: Vec<String>,
    pub forbidden: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubscriptionTemplateRow {
    pub id: u64,
    pub kind: String,
    pub name: String,
    pub installation_price: Decimal,
    pub price: Decimal,
    pub period: String,
    pub required_verification: bool,
}

impl State {
    /// A state with these accounts and nothing else (the seed fills in the rest).
    pub fn new(accounts: BTreeMap<u64, Account>, next_account_id: u64) -> Self {
        State {
            accounts,
            next_account_id,
            next_phone_id: 1,
            next_object_id: 1,
            plan_catalog: Vec::new(),
            resource_prices: Vec::new(),
            subscription_templates: Vec::new(),
            currency_rates: BTreeMap::new(),
            created_today: BTreeMap::new(),
            children_index: OnceLock::new(),
            rendered: RenderedAccounts::default(),
        }
    }

    /// `parent_id`'s children in each order (empty when it has none).
    pub fn child_orders(&self, parent_id: u64) -> Option<&ChildOrders> {
        self.children_index
            .get_or_init(|| {
                let mut index: HashMap<u64, ChildOrders> = HashMap::new();
                for account in self.accounts.values() {
                    if let Some(parent) = account.parent_id {
                        index.entry(parent).or_default().by_id.push(account.id);
                    }
                }
                for orders in index.values_mut() {
                    let mut by_name = orders.by_id.clone();
                    by_name.sort_by(|a, b| self.accounts[a].name.cmp(&self.accounts[b].name));
                    let mut by_email = orders.by_id.clone();
                    by_email.sort_by(|a, b| self.accounts[a].email.cmp(&self.accounts[b].email));
                    orders.by_name = by_name;
                    orders.by_email = by_email;
                }
                index
            })
            .get(&parent_id)
    }

    /// Call after changing accounts: the orders are rebuilt on next use.
    pub fn accounts_changed(&mut self) {
        self.children_index = OnceLock::new();
        self.rendered = RenderedAccounts::default();
    }

    /// Rendered accounts, for GetChildrenAccounts.
    pub fn rendered(&self) -> &RenderedAccounts {
        &self.rendered
    }

    pub fn children_of(&self, parent_id: u64) -> impl Iterator<Item = &Account> {
        self.accounts.values().filter(move |a| a.parent_id == Some(parent_id))
    }

    pub fn find_by_name(&self, name: &str) -> Option<&Account> {
        self.accounts.values().find(|a| a.name == name)
    }

    pub fn find_by_email(&self, email: &str) -> Option<&Account> {
        self.accounts.values().find(|a| a.email.eq_ignore_ascii_case(email))
    }

    pub fn catalog_plan(&self, template_id: u64) -> Option<&CatalogPlan> {
        self.plan_catalog.iter().find(|p| p.template_id == template_id)
    }

    pub fn allocate_account_id(&mut self) -> u64 {
        let id = self.next_account_id;
        self.next_account_id += 1;
        id
    }

    pub fn allocate_object_id(&mut self) -> u64 {
        let id = self.next_object_id;
        self.next_object_id += 1;
        id
    }

    /// Rates on `date`: the latest published on or before it.
    pub fn rates_on(&self, date: NaiveDate) -> Option<&BTreeMap<String, Decimal>> {
        self.currency_rates.range(..=date).next_back().map(|(_, rates)| rates)
    }

    /// `amount` in `from` converted to `to`, through USD.
    pub fn convert(&self, amount: Decimal, from: &str, to: &str, date: NaiveDate) -> Option<Decimal> {
        if from == to {
            return Some(amount);
        }
        let rates = self.rates_on(date)?;
        let from_rate = if from == "USD" { Decimal::ONE } else { *rates.get(from)? };
        let to_rate = if to == "USD" { Decimal::ONE } else { *rates.get(to)? };
        Some((amount / from_rate * to_rate).round_dp(6))
    }
}
