//! The parent account through the portal against a real sandbox over HTTP: the
//! dashboard's numbers are the sandbox's, the profile sends only what changed and
//! records before → after without secrets, refusals land next to their field, only
//! admins and resellers may change it, and an interrupted edit is settled.

mod common;

use app::{
    access::Role,
    account::{
        profile::{Profile, ProfileChanges},
        BalanceComparison, DocumentFilter, GetAccountSummary, GetChildrenSummary, GetDocuments, GetProfile, UpdateProfile,
    },
    error::AppError,
};
use common::{audit_events, outcomes, Portal};
use rust_decimal::Decimal;
use sqlx::PgPool;

fn parent(portal: &Portal) -> sandbox::state::Account {
    let id = portal.sandbox.parent().account_id;
    portal.sandbox.snapshot().accounts[&id].clone()
}

fn children(portal: &Portal) -> Vec<sandbox::state::Account> {
    let id = portal.sandbox.parent().account_id;
    portal.sandbox.snapshot().accounts.values().filter(|a| a.parent_id == Some(id)).cloned().collect()
}

/// The form as a person fills it: the current values with `edits` typed over them.
fn edited(profile: &Profile, edits: &[(&str, &str)]) -> ProfileChanges {
    let mut form = profile.form();
    for (name, value) in edits {
        form.set(name, value.to_string());
    }
    form.changes(profile)
}

#[sqlx::test(migrations = false)]
async fn the_dashboard_shows_the_sandboxs_money_and_children(pool: PgPool) {
    let config = sandbox::SandboxConfig { seed_children: 60, ..Default::default() };
    let portal = Portal::start_with(&pool, config).await;
    // Twenty people open the dashboard at once: one read of Voximplant (two calls), not twenty.
    let calls = portal.sandbox.calls();
    let opened = (0..20).map(|_| portal.call(Role::Support, GetAccountSummary { fresh: false }));
    let answers = futures::future::join_all(opened).await;
    assert!(answers.iter().all(Result::is_ok), "{answers:?}");
    assert_eq!(portal.sandbox.calls() - calls, 2, "GetAccountInfo and GetAccountDocuments, once");
    let summary = portal.call(Role::Support, GetAccountSummary { fresh: true }).await.unwrap();
    let own = parent(&portal);
    assert_eq!((summary.balance, summary.currency.as_deref()), (Some(own.balance), Some(own.currency.as_str())));
    assert_eq!(summary.min_balance_to_notify, Some(own.min_balance_to_notify));
    assert_eq!(summary.connection_name, "Main");

    let kids = children(&portal);
    let counted = portal.call(Role::Auditor, GetChildrenSummary { fresh: true }).await.unwrap();
    assert_eq!(counted.total, kids.len() as u64);
    assert_eq!(counted.active, kids.iter().filter(|a| a.active).count() as u64);
    assert_eq!(counted.inactive, kids.iter().filter(|a| !a.active).count() as u64);
    assert_eq!(counted.frozen, kids.iter().filter(|a| a.frozen).count() as u64);
    // The children hold different currencies: 10 RUR is less money than 1 USD, so they
    // rank by value at Voximplant's rates of today (units per USD), not by amount.
    assert!(kids.iter().any(|a| a.currency != kids[0].currency), "the seed mixes currencies");
    let snapshot = portal.sandbox.snapshot();
    let rates = snapshot.rates_on(chrono::Utc::now().date_naive()).expect("rates of today");
    let mut by_value = kids.clone();
    by_value.sort_by_key(|a| (a.balance / rates[&a.currency], a.name.clone()));
    let expected: Vec<u64> = by_value[..5].iter().map(|a| a.id).collect();
    let lowest: Vec<u64> = counted.lowest.iter().map(|c| c.account_id).collect();
    assert_eq!(lowest, expected, "the five lowest balances by value, lowest first");
    assert_eq!(counted.compared, BalanceComparison::InUsdAtTodaysRates, "the tile says how it compared");
    let mut by_amount = kids.clone();
    by_amount.sort_by_key(|a| (a.balance, a.name.clone()));
    let by_amount: Vec<u64> = by_amount[..5].iter().map(|a| a.id).collect();
    assert_ne!(by_amount, expected, "a seed where the two orders differ");

    // Without today's rates the tile still loads, ranks by amount and says so.
    let outage = sandbox::faults::Fault { http_status: Some(503), ..Default::default() };
    portal.sandbox.set_faults(sandbox::faults::Faults([("GetCurrencyRate".to_string(), outage)].into()));
    let unrated = portal.call(Role::Auditor, GetChildrenSummary { fresh: true }).await.unwrap();
    portal.sandbox.set_faults(Default::default());
    assert_eq!(unrated.compared, BalanceComparison::ByAmountWithoutRates);
    assert_eq!(unrated.lowest.iter().map(|c| c.account_id).collect::<Vec<_>>(), by_amount);

    // Within a few seconds the same numbers come from the cache: no new calls.
    let calls = portal.sandbox.calls();
    portal.call(Role::Reseller, GetChildrenSummary { fresh: false }).await.unwrap();
    portal.call(Role::Reseller, GetAccountSummary { fresh: false }).await.unwrap();
    assert_eq!(portal.sandbox.calls(), calls, "cached per connection for a few seconds");
    portal.call(Role::Reseller, GetAccountSummary { fresh: true }).await.unwrap();
    assert!(portal.sandbox.calls() > calls, "refresh reads again");
}

#[sqlx::test(migrations = false)]
async fn a_profile_edit_sends_only_what_changed_and_records_before_and_after(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let before = parent(&portal);
    let profile = portal.call(Role::Reseller, GetProfile {}).await.unwrap();
    let news = (!before.news_notifications).to_string();
    let changes = edited(&profile, &[("min_balance_to_notify", "42.5"), ("news_notifications", &news), ("new_account_password", "N3w!passw0rd")]);
    let now = portal.call(Role::Reseller, UpdateProfile { changes }).await.unwrap();
    assert_eq!(now.value("min_balance_to_notify"), "42.5");
    assert_eq!(now.value("news_notifications"), news);

    let after = parent(&portal);
    assert_eq!(after.min_balance_to_notify, Decimal::new(425, 1));
    assert_eq!(after.news_notifications, !before.news_notifications);
    assert_eq!(after.password, "N3w!passw0rd");
    assert_eq!((after.email, after.location, after.first_name), (before.email, before.location, before.first_name), "nothing else sent");

    let events = audit_events(&pool, "account.update").await;
    assert_eq!(events.len(), 2, "{events:?}");
    let outcome = &events[1];
    assert_eq!(outcome.outcome.as_deref(), Some("ok"));
    let changes: serde_json::Value = serde_json::from_str(outcome.changes.as_deref().unwrap()).unwrap();
    assert_eq!(changes["min_balance_to_notify"]["after"], "42.5");
    assert_eq!(changes["news_notifications"]["before"], before.news_notifications);
    let recorded = format!("{events:?}");
    assert!(!recorded.contains("N3w!passw0rd"), "the password is never on record");
}

#[sqlx::test(migrations = false)]
async fn bad_values_are_refused_next_to_their_field_and_nothing_is_sent(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let before = parent(&portal);
    let profile = portal.call(Role::Admin, GetProfile {}).await.unwrap();
    for (field, value) in [
        ("callback_url", "javascript:alert(1)"),
        ("billing_address_country_code", "ZZ"),
        ("min_balance_to_notify", "-5"),
        ("account_first_name", &"x".repeat(400)),
    ] {
        let changes = edited(&profile, &[(field, value)]);
        let refused = portal.call(Role::Admin, UpdateProfile { changes }).await.unwrap_err();
        assert!(refused.for_field(field).is_some(), "{field}: {refused:?}");
    }
    // A field that is not in the form cannot ride along.
    let forged = ProfileChanges([("api_key".to_string(), "stolen".to_string())].into());
    let refused = portal.call(Role::Admin, UpdateProfile { changes: forged }).await.unwrap_err();
    assert!(refused.for_field("api_key").is_some(), "{refused:?}");
    let after = parent(&portal);
    assert_eq!((after.callback_url, after.min_balance_to_notify, after.first_name), (before.callback_url, before.min_balance_to_notify, before.first_name));
    assert!(outcomes(&pool, "account.update").await.iter().all(|o| o.outcome.as_deref() == Some("invalid")));
}

#[sqlx::test(migrations = false)]
async fn support_and_auditors_read_the_profile_but_cannot_change_it(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    for role in [Role::Support, Role::Auditor] {
        let profile = portal.call(role, GetProfile {}).await.unwrap();
        assert!(!profile.values.contains_key("new_account_password") && !profile.values.contains_key("callback_salt"));
        let changes = edited(&profile, &[("news_notifications", "true"), ("min_balance_to_notify", "99")]);
        assert_eq!(portal.call(role, UpdateProfile { changes }).await.unwrap_err(), AppError::Forbidden, "{role:?}");
    }
    assert_ne!(parent(&portal).min_balance_to_notify, Decimal::from(99));
}

#[sqlx::test(migrations = false)]
async fn an_edit_without_a_clear_answer_is_settled_by_reading_the_profile_back(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let profile = portal.call(Role::Reseller, GetProfile {}).await.unwrap();
    let outage = sandbox::faults::Fault { http_status: Some(503), ..Default::default() };
    portal.sandbox.set_faults(sandbox::faults::Faults([("SetAccountInfo".to_string(), outage)].into()));
    let changes = edited(&profile, &[("min_balance_to_notify", "77")]);
    let error = portal.call(Role::Reseller, UpdateProfile { changes }).await.unwrap_err();
    assert!(matches!(error, AppError::Unavailable { .. }), "{error:?}");
    assert!(outcomes(&pool, "account.update").await.is_empty(), "no outcome claimed for an unclear answer");

    portal.sandbox.set_faults(Default::default());
    assert_eq!(app::registry::reconcile(&portal.server.backend, 0).await.unwrap(), 1);
    let settled = outcomes(&pool, "account.update").await.pop().unwrap();
    assert_eq!(settled.outcome.as_deref(), Some("error"));
    assert!(settled.outcome_detail.unwrap_or_default().contains("none of the intended values"));
}

#[sqlx::test(migrations = false)]
async fn documents_filter_childrens_verifications_by_status_and_date(pool: PgPool) {
    let config = sandbox::SandboxConfig { seed_children: 80, ..Default::default() };
    let portal = Portal::start_with(&pool, config).await;
    let every = portal.call(Role::Auditor, GetDocuments { filter: DocumentFilter::default() }).await.unwrap();
    let in_sandbox: usize = children(&portal).iter().map(|a| a.verifications.len()).sum();
    assert_eq!(every.total as usize, in_sandbox);
    let required = DocumentFilter { statuses: vec!["REQUIRED".into()], ..Default::default() };
    let found = portal.call(Role::Auditor, GetDocuments { filter: required }).await.unwrap();
    assert!(found.children.iter().all(|c| c.verification.status == "REQUIRED"));
    assert!(found.children.iter().all(|c| c.account_name.is_some()), "each child is named");
    let backwards = DocumentFilter { hold_from: Some("2026-05-01".into()), hold_to: Some("2026-04-01".into()), ..Default::default() };
    let refused = portal.call(Role::Auditor, GetDocuments { filter: backwards }).await.unwrap_err();
    assert!(refused.for_field("hold_to").is_some(), "{refused:?}");
}
