//! Billing through the portal against a real sandbox over HTTP: plans and a plan
//! change that reserves the fee, charging phones once per form, prices kept a few
//! minutes, rates for a date, bad input refused before anything is sent, roles, and
//! interrupted money actions settled by reading the account back.

mod common;

use app::{
    access::Role,
    billing::{
        ChangePlan, Charge, ChargeMode, ChargeOrder, DueQuery, GetDue, GetPlans, GetPrices, GetRates, GetSubscriptionPrices,
        PlanChoice, PriceFilter, RateQuery, SubscriptionFilter,
    },
    error::AppError,
    submission::FormKey,
};
use common::{audit_events, outcomes, Portal};
use rust_decimal::Decimal;
use sqlx::PgPool;

fn parent(portal: &Portal) -> sandbox::state::Account {
    let id = portal.sandbox.parent().account_id;
    portal.sandbox.snapshot().accounts[&id].clone()
}

fn im_plan(portal: &Portal) -> u64 {
    let state = portal.sandbox.snapshot();
    let own = &state.accounts[&portal.sandbox.parent().account_id];
    own.plans.iter().map(|p| p.template_id).find(|id| state.catalog_plan(*id).is_some_and(|c| c.plan_type == "IM")).unwrap()
}

/// A phone of the parent's that is charged by hand, and its price.
fn phone_charged_by_hand(portal: &Portal) -> sandbox::state::Phone {
    parent(portal).phones.into_iter().find(|p| !p.auto_charge && p.kind == "PHONE_NUM").expect("the seed gives the parent such a phone")
}

/// An amount as the audit log records it (text, any scale).
fn decimal(value: &serde_json::Value) -> Decimal {
    value.as_str().and_then(|text| text.parse().ok()).unwrap_or_else(|| panic!("not an amount: {value}"))
}

fn charge_numbers(numbers: &[&str]) -> ChargeOrder {
    ChargeOrder { mode: ChargeMode::Numbers, numbers: numbers.iter().map(|n| n.to_string()).collect(), ..Default::default() }
}

#[sqlx::test(migrations = false)]
async fn a_plan_change_reserves_the_fee_and_is_audited_once(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let plans = portal.call(Role::Auditor, GetPlans {}).await.unwrap();
    let current = plans.current_of("IM").expect("the parent has an IM plan");
    assert_eq!(current.template_id, im_plan(&portal));
    assert!(current.packages.iter().all(|p| p.left.is_some()), "current packages say what is left");
    let bigger = plans.available.iter().find(|p| p.plan_type == "IM").cloned().expect("a larger IM plan");
    assert!(plans.available.iter().all(|p| plans.current_of(&p.plan_type).is_none_or(|c| p.periodic_charge > c.periodic_charge)), "only up");

    // Support and auditors read plans but cannot change them.
    for role in [Role::Support, Role::Auditor] {
        let choice = PlanChoice { plan_type: "IM".into(), template_id: bigger.template_id };
        assert_eq!(portal.call(role, ChangePlan { choice }).await.unwrap_err(), AppError::Forbidden, "{role:?}");
    }
    // A smaller plan is refused next to the choice, on record as invalid, nothing sent.
    let smaller = PlanChoice { plan_type: "IM".into(), template_id: 185 };
    let refused = portal.call(Role::Reseller, ChangePlan { choice: smaller }).await.unwrap_err();
    assert!(refused.for_field("plan").is_some_and(|m| m.contains("only go up")), "{refused:?}");
    assert_eq!(im_plan(&portal), current.template_id);

    let before = parent(&portal).balance;
    let choice = PlanChoice { plan_type: "IM".into(), template_id: bigger.template_id };
    let changed = portal.call(Role::Reseller, ChangePlan { choice: choice.clone() }).await.unwrap();
    assert!(!changed.already);
    assert_eq!(changed.plan.template_id, bigger.template_id);
    assert_eq!(im_plan(&portal), bigger.template_id, "the sandbox has the new plan");
    let after = parent(&portal).balance;
    assert_eq!(before - after, bigger.periodic_charge, "the coming month's fee is reserved (USD account)");
    assert_eq!((changed.balance_before, changed.balance_after), (Some(before), Some(after)));

    // Sent again (a double click, a second tab): the account has it; nothing more is taken.
    let again = portal.call(Role::Reseller, ChangePlan { choice }).await.unwrap();
    assert!(again.already);
    assert_eq!(parent(&portal).balance, after);

    let recorded = outcomes(&pool, "billing.change_plan").await;
    let results: Vec<&str> = recorded.iter().filter_map(|o| o.outcome.as_deref()).collect();
    assert_eq!(results, ["invalid", "ok"], "one refused attempt and one change; the repeat was never sent");
    let changes: serde_json::Value = serde_json::from_str(recorded[1].changes.as_deref().unwrap()).unwrap();
    assert_eq!(changes["plan"]["after"], bigger.name);
    assert_eq!(decimal(&changes["balance"]["after"]), after);
}

#[sqlx::test(migrations = false)]
async fn charging_a_phone_takes_its_price_once_per_form(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let phone = phone_charged_by_hand(&portal);
    let due = portal.call(Role::Support, GetDue { query: DueQuery::default() }).await.unwrap();
    let listed = due.chargeable().find(|s| s.description == phone.number).expect("the phone is due and charged by hand");
    assert_eq!(listed.cost, phone.monthly_price);
    assert_eq!(due.currency, "USD");

    let before = parent(&portal).balance;
    let key = FormKey::random();
    let order = charge_numbers(&[&phone.number]);
    let charged = portal.call(Role::Reseller, Charge { order: order.clone(), key: key.clone() }).await.unwrap();
    assert_eq!(charged.charged_amount, phone.monthly_price);
    assert_eq!(charged.phones.len(), 1);
    assert!(charged.phones[0].charged && !charged.phones[0].frozen);
    assert_eq!(charged.phones[0].cost, Some(phone.monthly_price), "the result says what it cost");
    let after = parent(&portal).balance;
    assert_eq!(before - after, phone.monthly_price, "the balance drops by the phone's price");
    assert_eq!((charged.balance_before, charged.balance_after), (Some(before), Some(after)));

    // The same form sent again: the first answer, nothing charged twice.
    let calls = portal.sandbox.calls();
    let again = portal.call(Role::Reseller, Charge { order, key }).await.unwrap();
    assert!(again.again);
    assert_eq!(parent(&portal).balance, after);
    assert_eq!(portal.sandbox.calls(), calls, "a resend calls nothing");

    let recorded = audit_events(&pool, "billing.charge").await;
    assert_eq!(recorded.len(), 2, "one intent and one outcome: {recorded:?}");
    let changes: serde_json::Value = serde_json::from_str(recorded[1].changes.as_deref().unwrap()).unwrap();
    assert_eq!((decimal(&changes["balance"]["before"]), decimal(&changes["balance"]["after"])), (before, after));
}

#[sqlx::test(migrations = false)]
async fn a_phone_that_is_not_the_accounts_is_refused_and_nothing_is_charged(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let before = parent(&portal).balance;
    let order = charge_numbers(&["19995550000"]);
    let refused = portal.call(Role::Reseller, Charge { order, key: FormKey::random() }).await.unwrap_err();
    assert!(refused.for_field("numbers").is_some_and(|m| m.contains("19995550000")), "{refused:?}");
    // Nothing ticked, an id that is not a number: refused before anything is asked.
    let calls = portal.sandbox.calls();
    for order in [charge_numbers(&[]), ChargeOrder { mode: ChargeMode::Ids, ids: "12, twelve".into(), ..Default::default() }] {
        let refused = portal.call(Role::Reseller, Charge { order, key: FormKey::random() }).await.unwrap_err();
        assert!(matches!(refused, AppError::Invalid(_)), "{refused:?}");
    }
    assert_eq!(portal.sandbox.calls(), calls, "nothing sent");
    // An id Voximplant does not know lands next to the ids.
    let order = ChargeOrder { mode: ChargeMode::Ids, ids: "999999".into(), ..Default::default() };
    let refused = portal.call(Role::Reseller, Charge { order, key: FormKey::random() }).await.unwrap_err();
    assert!(refused.for_field("ids").is_some(), "{refused:?}");
    assert_eq!(parent(&portal).balance, before);
    // Support and auditors cannot charge.
    for role in [Role::Support, Role::Auditor] {
        let order = charge_numbers(&[&phone_charged_by_hand(&portal).number]);
        assert_eq!(portal.call(role, Charge { order, key: FormKey::random() }).await.unwrap_err(), AppError::Forbidden);
    }
    assert_eq!(parent(&portal).balance, before);
}

#[sqlx::test(migrations = false)]
async fn bad_dates_currencies_and_parameters_are_refused_before_anything_is_sent(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let calls = portal.sandbox.calls();
    for (query, field) in [
        (DueQuery { date: "2026/12/01".into(), ..Default::default() }, "date"),
        (DueQuery { date: "1999-12-31".into(), ..Default::default() }, "date"),
        (DueQuery { currency: "RUB".into(), ..Default::default() }, "currency"),
    ] {
        let refused = portal.call(Role::Auditor, GetDue { query }).await.unwrap_err();
        assert!(refused.for_field(field).is_some(), "{field}: {refused:?}");
    }
    let query = RateQuery { currencies: vec!["XAU".into()], date: "2026-12-01".into() };
    assert!(portal.call(Role::Auditor, GetRates { query }).await.unwrap_err().for_field("currencies").is_some());
    let filter = PriceFilter { param: "7".repeat(80), ..Default::default() };
    assert!(portal.call(Role::Auditor, GetPrices { filter, fresh: false }).await.unwrap_err().for_field("param").is_some());
    let filter = PriceFilter { types: vec!["GOLD".into()], ..Default::default() };
    assert!(portal.call(Role::Auditor, GetPrices { filter, fresh: false }).await.unwrap_err().for_field("types").is_some());
    assert_eq!(portal.sandbox.calls(), calls, "nothing was sent to Voximplant");
}

#[sqlx::test(migrations = false)]
async fn prices_are_looked_up_by_number_and_kept_a_few_minutes(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let filter = PriceFilter { types: vec!["PSTNOUT".into()], param: "+44 20 7946 0000".into(), ..Default::default() };
    let prices = portal.call(Role::Support, GetPrices { filter: filter.clone(), fresh: false }).await.unwrap();
    let groups: Vec<_> = prices.resources.iter().flat_map(|r| r.groups.iter()).collect();
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(groups[0].name, "PSTN United Kingdom");
    assert_eq!(groups[0].requested, ["442079460000"]);
    let row = portal.sandbox.snapshot().resource_prices.into_iter().find(|r| r.group_id == groups[0].id).unwrap();
    assert_eq!((groups[0].price, groups[0].per, groups[0].quantum), (row.price, row.per, row.quantum));
    assert_eq!(prices.currency.as_deref(), Some("USD"));

    let calls = portal.sandbox.calls();
    let kept = portal.call(Role::Auditor, GetPrices { filter: filter.clone(), fresh: false }).await.unwrap();
    assert_eq!(portal.sandbox.calls(), calls, "the second look-up is answered from the cache");
    assert_eq!(kept.resources, prices.resources);
    portal.call(Role::Auditor, GetPrices { filter, fresh: true }).await.unwrap();
    assert!(portal.sandbox.calls() > calls, "refresh asks again");

    let page = SubscriptionFilter { kind: "PHONE_NUM".into(), ..Default::default() };
    let templates = portal.call(Role::Auditor, GetSubscriptionPrices { filter: page, fresh: false }).await.unwrap();
    assert!(!templates.templates.is_empty() && templates.templates.iter().all(|t| t.kind == "PHONE_NUM"));
    assert_eq!(templates.templates[0].period, "1 month");
}

#[sqlx::test(migrations = false)]
async fn rates_are_the_sandboxs_for_the_date_and_convert_through_usd(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let query = RateQuery { currencies: vec!["EUR".into(), "USD".into()], date: "2026-06-15".into() };
    let rates = portal.call(Role::Support, GetRates { query }).await.unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
    let eur = portal.sandbox.snapshot().rates_on(date).unwrap()["EUR"];
    assert_eq!(rates.rate("EUR"), Some(eur));
    let usd = rates.convert(Decimal::from(100), "EUR", "USD").unwrap();
    assert_eq!(usd, (Decimal::from(100) / eur).round_dp(2));
}

/// A charge and a plan change whose answers were lost: no outcome is claimed, and the
/// reconciler reads the account back — the phone's renewal moved on (charged) or not,
/// the plan is the one asked for or still the old one.
#[sqlx::test(migrations = false)]
async fn interrupted_money_actions_are_settled_by_reading_the_account_back(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let phone = phone_charged_by_hand(&portal);
    let reconcile = || app::registry::reconcile(&portal.server.backend, 0);

    // Did not happen: ChargeAccount answered 503 and nothing changed.
    portal.outage("ChargeAccount", true);
    let unclear = portal.call(Role::Reseller, Charge { order: charge_numbers(&[&phone.number]), key: FormKey::random() }).await;
    assert!(unclear.as_ref().is_err_and(AppError::is_unclear_voximplant_answer), "{unclear:?}");
    assert!(outcomes(&pool, "billing.charge").await.is_empty(), "no outcome claimed");
    portal.outage("ChargeAccount", false);
    assert_eq!(reconcile().await.unwrap(), 1);
    let settled = outcomes(&pool, "billing.charge").await.pop().unwrap();
    assert_eq!(settled.outcome.as_deref(), Some("error"), "{settled:?}");

    // Happened: the answer was lost, but Voximplant charged the phone.
    portal.outage("ChargeAccount", true);
    let key = FormKey::random();
    let order = charge_numbers(&[&phone.number]);
    assert!(portal.call(Role::Reseller, Charge { order: order.clone(), key: key.clone() }).await.is_err());
    portal.outage("ChargeAccount", false);
    let selection = voximplant::methods::PhoneSelection::Numbers(voximplant::wire::Selection::Only(vec![phone.number.clone()]));
    portal.voximplant_directly().charge_account(voximplant::methods::ChargeAccount { phones: selection }).await.unwrap();
    // Sent again meanwhile, the form is not charged a second time.
    let balance = parent(&portal).balance;
    let resend = portal.call(Role::Reseller, Charge { order, key }).await.unwrap_err();
    assert!(matches!(&resend, AppError::Conflict(m) if m.contains("being checked")), "{resend:?}");
    assert_eq!(parent(&portal).balance, balance);
    assert_eq!(reconcile().await.unwrap(), 1);
    let settled = outcomes(&pool, "billing.charge").await.pop().unwrap();
    assert_eq!(settled.outcome.as_deref(), Some("ok"), "{settled:?}");

    // A plan change: lost, then found done.
    let plans = portal.call(Role::Reseller, GetPlans {}).await.unwrap();
    let bigger = plans.available.iter().find(|p| p.plan_type == "IM").unwrap().clone();
    portal.outage("ChangeAccountPlan", true);
    let choice = PlanChoice { plan_type: "IM".into(), template_id: bigger.template_id };
    assert!(portal.call(Role::Reseller, ChangePlan { choice }).await.unwrap_err().is_unclear_voximplant_answer());
    portal.outage("ChangeAccountPlan", false);
    assert_eq!(reconcile().await.unwrap(), 1);
    assert_eq!(outcomes(&pool, "billing.change_plan").await.pop().unwrap().outcome.as_deref(), Some("error"), "still the old plan");
    portal.outage("ChangeAccountPlan", true);
    let choice = PlanChoice { plan_type: "IM".into(), template_id: bigger.template_id };
    assert!(portal.call(Role::Reseller, ChangePlan { choice }).await.is_err());
    portal.outage("ChangeAccountPlan", false);
    let request = voximplant::methods::ChangeAccountPlan {
        plan_type: voximplant::types::PlanType::Im,
        plan_subscription_template_id: Some(bigger.template_id),
    };
    portal.voximplant_directly().change_account_plan(request).await.unwrap();
    assert_eq!(reconcile().await.unwrap(), 1);
    assert_eq!(outcomes(&pool, "billing.change_plan").await.pop().unwrap().outcome.as_deref(), Some("ok"));
}
