//! Deterministic seed data: the same parent, children, plans, prices, phones and
//! documents on every start (only API keys are random), so demos and tests can
//! count on them.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;

use crate::state::*;

pub const PARENT_ID: u64 = 100_000;
pub const PARENT_NAME: &str = "voxdesk-reseller";
pub const PARENT_EMAIL: &str = "reseller@voxdesk.example";
/// The seeded parent's password (the sandbox is for demos and tests only).
pub const PARENT_PASSWORD: &str = "Sandbox!2026";
pub const SEEDED_CHILDREN: usize = 40;

/// SplitMix64: tiny, fast, and the same sequence everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// A fresh random API key (UUID-shaped, like Voximplant's).
pub fn new_api_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn money(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

const COMPANIES: &[&str] = &[
    "acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka", "tyrell", "cyberdyne",
    "soylent", "oscorp", "vandelay", "pied-piper", "dunder", "monarch", "gringotts", "nakatomi", "aperture", "blackmesa",
];
const TEAMS: &[&str] = &["support", "sales", "ops", "clinic", "desk", "voice", "care", "hq"];
const FIRST_NAMES: &[&str] = &["Ada", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "Alan", "Radia"];
const LAST_NAMES: &[&str] = &["Lovelace", "Hopper", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie", "Allen", "Turing", "Perlman"];
const LOCATIONS: &[&str] = &["Etc/GMT", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Europe/London", "Asia/Singapore", "Europe/Moscow"];
const LANGUAGES: &[&str] = &["en", "en", "en", "de", "ru", "es", "fr"];
const CURRENCIES: &[&str] = &["USD", "USD", "USD", "EUR", "RUR"];
const COUNTRIES: &[&str] = &["US", "GB", "DE", "RU", "SG", "NL"];

/// The whole seeded world, with `children` child accounts under the parent.
pub fn seed(children: usize) -> State {
    let mut state = State::new(BTreeMap::new(), PARENT_ID + 1);
    state.next_phone_id = 5_000;
    state.next_object_id = 900_000;
    state.plan_catalog = plan_catalog();
    state.resource_prices = resource_prices();
    state.subscription_templates = subscription_templates();
    state.currency_rates = currency_rates();
    let created = Utc.with_ymd_and_hms(2024, 3, 1, 9, 0, 0).single().expect("valid date");
    let mut parent = blank_account(PARENT_ID, None, PARENT_NAME, PARENT_EMAIL, created);
    parent.password = PARENT_PASSWORD.to_string();
    parent.first_name = Some("Reseller".into());
    parent.last_name = Some("Admin".into());
    parent.balance = money(1_250_000);
    parent.credit_limit = money(50_000);
    parent.account_notifications = true;
    // A reseller's own account is in use (blank accounts start inactive, as AddAccount's do).
    parent.active = true;
    parent.billing_address = BillingAddress {
        name: Some("Voxdesk Reseller Ltd".into()),
        country_code: Some("GB".into()),
        address: Some("1 Exchange Square, London".into()),
        zip: Some("EC2A 2EH".into()),
        phone: Some("+44 20 7946 0000".into()),
        state: None,
    };
    parent.plans = vec![plan_state(&state.plan_catalog[1], created.date_naive())];
    parent.contents = contents(&mut state, "reseller", 3);
    state.accounts.insert(PARENT_ID, parent);

    let mut rng = Rng::new(0x5EED_u64);
    for index in 0..children {
        let child = seeded_child(&mut state, &mut rng, index);
        state.accounts.insert(child.id, child);
    }
    // The parent's own numbers, allocated after the children's so their ids stay put:
    // three charged by hand (due since November 2026), one charged automatically.
    let parent_phones = [
        ("14155550100", "PHONE_NUM", "Phone US", false),
        ("442030000100", "PHONE_NUM", "Phone GB", false),
        ("14155550101", "PHONE_NUM", "Phone US", true),
        ("sip-reseller", "SIP_REGISTRATION", "SIP registration", false),
    ];
    for (number, kind, template, auto_charge) in parent_phones {
        let price = state.subscription_templates.iter().find(|t| t.name == template).map_or(Decimal::ONE, |t| t.price);
        let id = state.next_phone_id;
        state.next_phone_id += 1;
        let phone = Phone {
            id,
            number: number.to_string(),
            kind: kind.to_string(),
            monthly_price: price,
            auto_charge,
            deactivated: false,
            next_renewal: NaiveDate::from_ymd_opt(2026, 11, 1).expect("valid date"),
            verified: true,
        };
        state.accounts.get_mut(&PARENT_ID).expect("the parent").phones.push(phone);
    }
    state
}

fn seeded_child(state: &mut State, rng: &mut Rng, index: usize) -> Account {
    let id = state.allocate_account_id();
    let company = COMPANIES[index % COMPANIES.len()];
    let team = TEAMS[(index / COMPANIES.len() + index) % TEAMS.len()];
    let name = if index < COMPANIES.len() * TEAMS.len() {
        format!("{company}-{team}")
    } else {
        // Scale-test children: still 5-20 characters and unique.
        format!("{company}-{index}")
    };
    let created = Utc.with_ymd_and_hms(2024, 4, 1, 8, 0, 0).single().expect("valid date")
        + Duration::hours((index as i64) * 37 + rng.below(20) as i64);
    let mut child = blank_account(id, Some(PARENT_ID), &name, &format!("{name}@customers.example"), created);
    child.first_name = Some(rng.pick(FIRST_NAMES).to_string());
    child.last_name = Some(rng.pick(LAST_NAMES).to_string());
    child.language_code = rng.pick(LANGUAGES).to_string();
    child.location = rng.pick(LOCATIONS).to_string();
    child.currency = rng.pick(CURRENCIES).to_string();
    // Mixed states: most active, some inactive, a few frozen, one or two in debt.
    child.active = !rng.chance(15);
    child.frozen = child.active && rng.chance(8);
    child.balance = if rng.chance(10) { -money(rng.below(5_000) as i64) } else { money(rng.below(250_000) as i64) };
    child.credit_limit = if rng.chance(20) { money(10_000) } else { Decimal::ZERO };
    child.min_balance_to_notify = money(500 + rng.below(5_000) as i64);
    child.account_notifications = rng.chance(70);
    child.tariff_changing_notifications = rng.chance(50);
    child.news_notifications = rng.chance(30);
    child.support_bank_card = rng.chance(60);
    child.support_invoice = rng.chance(40);
    child.support_robokassa = child.currency == "RUR";
    child.custom_data = rng.chance(30).then(|| format!("{{\"crm_id\":\"C-{:05}\"}}", 10_000 + index));
    if rng.chance(60) {
        child.billing_address = BillingAddress {
            name: Some(format!("{} Inc.", capitalise(company))),
            country_code: Some(rng.pick(COUNTRIES).to_string()),
            address: Some(format!("{} Market Street", 10 + rng.below(900))),
            zip: Some(format!("{:05}", rng.below(99_999))),
            phone: Some(format!("+1 555 {:04}", rng.below(10_000))),
            state: None,
        };
    }
    let plan_index = rng.below(state.plan_catalog.len() as u64) as usize;
    let plan = state.plan_catalog[plan_index].clone();
    child.plans = vec![plan_state(&plan, created.date_naive())];
    let phone_count = rng.below(4);
    for _ in 0..phone_count {
        let phone = seeded_phone(state, rng, created.date_naive());
        child.phones.push(phone);
    }
    child.verifications = seeded_verifications(state, rng, created);
    child.contents = contents(state, &name, 1 + rng.below(3) as usize);
    child
}

fn seeded_phone(state: &mut State, rng: &mut Rng, since: NaiveDate) -> Phone {
    let id = state.next_phone_id;
    state.next_phone_id += 1;
    let template = rng.pick(&state.subscription_templates).clone();
    let number = match template.name.as_str() {
        "Phone GB" => format!("44203{:06}", rng.below(1_000_000)),
        "Phone RU 495" => format!("7495{:07}", rng.below(10_000_000)),
        "Phone RU TollFree" => format!("7800{:07}", rng.below(10_000_000)),
        "SIP registration" => format!("sip-{id}"),
        _ => format!("1415{:07}", rng.below(10_000_000)),
    };
    let renewal_day = (since.day() % 28).max(1);
    Phone {
        id,
        number,
        kind: template.kind.clone(),
        monthly_price: template.price,
        auto_charge: !rng.chance(35),
        deactivated: rng.chance(10),
        next_renewal: NaiveDate::from_ymd_opt(2026, 12, renewal_day).expect("valid date"),
        verified: !template.required_verification || rng.chance(70),
    }
}

fn seeded_verifications(state: &mut State, rng: &mut Rng, created: chrono::DateTime<Utc>) -> Vec<Verification> {
    let status = *rng.pick(&["REQUIRED", "IN_PROGRESS", "VERIFIED", "VERIFIED", "NOT_REQUIRED"]);
    let document_count = match status {
        "NOT_REQUIRED" | "REQUIRED" => 0,
        _ => 1 + rng.below(3),
    };
    let documents = (0..document_count)
        .map(|n| {
            let id = state.allocate_object_id();
            let doc_status = match status {
                "VERIFIED" => "ACCEPTED",
                _ => *rng.pick(&["IN_PROGRESS", "REJECTED", "INCOMPLETE_SET", "ACCEPTED"]),
            };
            Document {
                id,
                is_individual: rng.chance(40),
                comment: (doc_status == "REJECTED").then(|| "The scan is unreadable; please upload it again.".to_string()),
                uploaded: created + Duration::days(2 + n as i64),
                status: doc_status.to_string(),
            }
        })
        .collect();
    let hold = matches!(status, "REQUIRED" | "IN_PROGRESS")
        .then(|| NaiveDate::from_ymd_opt(2027, 1 + rng.below(6) as u32, 15).expect("valid date"));
    vec![Verification { name: "RU".into(), status: status.into(), unverified_hold_until: hold, documents }]
}

/// Users, scenarios, applications and the rest, for CloneAccount to copy.
fn contents(state: &mut State, prefix: &str, users: usize) -> AccountContents {
    let named = |state: &mut State, name: String| Named { id: state.allocate_object_id(), name };
    let users = (1..=users).map(|n| named(state, format!("{prefix}-agent{n}"))).collect();
    let scenarios = vec![named(state, "inbound-ivr".into()), named(state, "callback".into())];
    let application = Application {
        id: state.allocate_object_id(),
        name: format!("{prefix}.voxdesk.voximplant.com"),
        rules: vec![named(state, "inbound".into()), named(state, "outbound".into())],
    };
    AccountContents {
        users,
        scenarios,
        applications: vec![application],
        acd_queues: vec![named(state, "first-line".into())],
        acd_skills: vec![named(state, "english".into())],
        admin_roles: vec![named(state, "supervisor".into())],
        admin_users: vec![AdminUser { id: state.allocate_object_id(), name: "supervisor".into(), api_key: new_api_key() }],
    }
}

pub fn blank_account(id: u64, parent_id: Option<u64>, name: &str, email: &str, created: chrono::DateTime<Utc>) -> Account {
    Account {
        id,
        parent_id,
        name: name.to_string(),
        email: email.to_string(),
        password: String::new(),
        api_key: new_api_key(),
        first_name: None,
        last_name: None,
        created,
        language_code: "en".into(),
        location: "Etc/GMT".into(),
        min_balance_to_notify: Decimal::ZERO,
        account_notifications: false,
        tariff_changing_notifications: false,
        news_notifications: false,
        billing_address: BillingAddress::default(),
        active: false,
        frozen: false,
        balance: Decimal::ZERO,
        credit_limit: Decimal::ZERO,
        currency: "USD".into(),
        support_robokassa: false,
        support_bank_card: true,
        support_invoice: false,
        can_use_restricted: false,
        custom_data: None,
        callback_url: None,
        callback_salt: None,
        send_js_error: false,
        store_outbound_sms: false,
        store_inbound_sms: false,
        a2p_sms_enabled: false,
        record_storage: None,
        plans: Vec::new(),
        phones: Vec::new(),
        verifications: Vec::new(),
        contents: AccountContents::default(),
    }
}

pub fn plan_state(plan: &CatalogPlan, since: NaiveDate) -> AccountPlanState {
    AccountPlanState {
        template_id: plan.template_id,
        next_charge: next_month(since),
        resources_left: plan.packages.iter().map(|p| p.size).collect(),
        overrun_used: plan.packages.iter().map(|_| 0).collect(),
    }
}

/// The same day next month (clamped to the 28th so every month has it).
pub fn next_month(date: NaiveDate) -> NaiveDate {
    let (year, month) = if date.month() == 12 { (date.year() + 1, 1) } else { (date.year(), date.month() + 1) };
    NaiveDate::from_ymd_opt(year, month, date.day().min(28)).expect("valid date")
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn plan_catalog() -> Vec<CatalogPlan> {
    let package = |group: u64, name: &str, size: u64, overrun: i64| CatalogPackage {
        price_group_ids: vec![group],
        name: Some(name.to_string()),
        may_overrun: true,
        overrun_price: Decimal::new(overrun, 6),
        overrun_resources: size / 10,
        size,
    };
    vec![
        CatalogPlan { template_id: 185, plan_type: "IM".into(), name: "IM small".into(), periodic_charge: money(1_000), packages: vec![package(7561, "small", 500_000, 3_668)] },
        CatalogPlan { template_id: 186, plan_type: "IM".into(), name: "IM medium".into(), periodic_charge: money(2_500), packages: vec![package(7561, "medium", 2_000_000, 3_000)] },
        CatalogPlan { template_id: 187, plan_type: "IM".into(), name: "IM large".into(), periodic_charge: money(6_000), packages: vec![package(7561, "large", 6_000_000, 2_500)] },
        CatalogPlan { template_id: 301, plan_type: "MAU".into(), name: "MAU 1000".into(), periodic_charge: money(2_000), packages: vec![package(7601, "1000 users", 1_000, 25_000)] },
        CatalogPlan { template_id: 302, plan_type: "MAU".into(), name: "MAU 5000".into(), periodic_charge: money(8_000), packages: vec![package(7601, "5000 users", 5_000, 20_000)] },
    ]
}

fn resource_prices() -> Vec<ResourcePriceRow> {
    let row = |kind: &str, id: u64, name: &str, price: i64, per: u64, quantum: u64, allowed: &[&str]| ResourcePriceRow {
        resource_type: kind.to_string(),
        group_id: id,
        group_name: name.to_string(),
        price: Decimal::new(price, 4),
        per,
        quantum,
        allowed: allowed.iter().map(|s| s.to_string()).collect(),
        forbidden: Vec::new(),
    };
    vec![
        row("PSTNOUT", 1001, "PSTN US & Canada", 120, 60, 60, &["1"]),
        row("PSTNOUT", 1002, "PSTN United Kingdom", 180, 60, 60, &["44"]),
        row("PSTNOUT", 1003, "PSTN Germany", 210, 60, 60, &["49"]),
        row("PSTNOUT", 1004, "PSTN Russia Moscow", 150, 60, 60, &["7495", "7499"]),
        row("PSTNOUT", 1005, "PSTN Russia mobile", 390, 60, 60, &["79"]),
        row("SMSOUT", 2001, "SMS US", 79, 1, 1, &["1"]),
        row("SMSOUT", 2002, "SMS United Kingdom", 420, 1, 1, &["44"]),
        row("VOIPOUT", 3001, "VoIP calls", 40, 60, 60, &[]),
        row("IM", 7561, "Instant messages", 37, 1000, 1, &[]),
        row("RECORD", 4001, "Call recording", 100, 60, 60, &[]),
        row("TTS_TEXT_GOOGLE", 5001, "Text to speech", 160, 1_000_000, 1, &[]),
        row("ASR", 5101, "Speech recognition", 400, 60, 15, &[]),
    ]
}

fn subscription_templates() -> Vec<SubscriptionTemplateRow> {
    let row = |id: u64, kind: &str, name: &str, install: i64, price: i64, verification: bool| SubscriptionTemplateRow {
        id,
        kind: kind.to_string(),
        name: name.to_string(),
        installation_price: Decimal::new(install, 3),
        price: Decimal::new(price, 3),
        period: "0-1-0 0:0:0".into(),
        required_verification: verification,
    };
    vec![
        row(1, "PHONE_NUM", "Phone US", 0, 1_000, false),
        row(2, "PHONE_NUM", "Phone GB", 0, 1_500, false),
        row(3, "PHONE_NUM", "Phone RU 495", 10_000, 8_500, true),
        row(4, "PHONE_NUM", "Phone RU TollFree", 50_000, 293_855, true),
        row(5, "SIP_REGISTRATION", "SIP registration", 0, 500, false),
    ]
}

/// Monthly rates from 2024 through 2027, drifting a little each month.
fn currency_rates() -> BTreeMap<NaiveDate, BTreeMap<String, Decimal>> {
    let mut rates = BTreeMap::new();
    let mut rng = Rng::new(0xFACE);
    for year in 2024..=2027 {
        for month in 1..=12 {
            let date = NaiveDate::from_ymd_opt(year, month, 1).expect("valid date");
            let drift = |base: i64, spread: u64, rng: &mut Rng| Decimal::new(base + rng.below(spread) as i64, 4);
            let mut day = BTreeMap::new();
            day.insert("USD".to_string(), Decimal::ONE);
            day.insert("EUR".to_string(), drift(8_900, 600, &mut rng));
            day.insert("RUR".to_string(), drift(880_000, 90_000, &mut rng));
            day.insert("KZT".to_string(), drift(4_500_000, 400_000, &mut rng));
            rates.insert(date, day);
        }
    }
    rates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_is_deterministic_apart_from_api_keys() {
        let (a, b) = (seed(SEEDED_CHILDREN), seed(SEEDED_CHILDREN));
        assert_eq!(a.accounts.len(), SEEDED_CHILDREN + 1);
        let names = |s: &State| s.accounts.values().map(|a| (a.id, a.name.clone(), a.balance, a.active)).collect::<Vec<_>>();
        assert_eq!(names(&a), names(&b));
        assert_ne!(a.accounts[&PARENT_ID].api_key, b.accounts[&PARENT_ID].api_key);
    }

    #[test]
    fn the_resellers_own_account_is_active_and_not_frozen() {
        let parent = &seed(SEEDED_CHILDREN).accounts[&PARENT_ID];
        assert!(parent.active && !parent.frozen, "the dashboard would show the demo reseller's account as not in use");
    }

    #[test]
    fn seeded_children_are_valid_and_mixed() {
        let state = seed(SEEDED_CHILDREN);
        let children: Vec<_> = state.children_of(PARENT_ID).collect();
        assert!(children.iter().any(|c| !c.active));
        assert!(children.iter().any(|c| c.frozen));
        assert!(children.iter().any(|c| c.phones.iter().any(|p| !p.auto_charge)));
        for child in &children {
            assert!(voximplant::validation::account_name("name", &child.name).is_ok(), "{}", child.name);
            assert!(voximplant::validation::location("location", &child.location).is_ok());
        }
        let mut names: Vec<_> = children.iter().map(|c| &c.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), SEEDED_CHILDREN, "names are unique");
    }

    #[test]
    fn ten_thousand_children_have_unique_valid_names() {
        let state = seed(10_000);
        let mut names: Vec<_> = state.children_of(PARENT_ID).map(|c| c.name.clone()).collect();
        assert!(names.iter().all(|n| voximplant::validation::account_name("n", n).is_ok()), "a name is invalid");
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 10_000);
    }
}
