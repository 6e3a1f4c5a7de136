//! Creating child accounts through the portal, against a real sandbox over HTTP:
//! the rules, Voximplant's refusals next to their fields, who may, and the new
//! API key shown once and kept nowhere.

mod common;

use app::{
    access::Role,
    children::{CreateChild, CreatedChild, NewChild},
    error::AppError,
    submission::FormKey,
};
use common::{outcomes, Portal};
use sqlx::PgPool;

fn child(name: &str, email: &str, password: &str) -> NewChild {
    NewChild {
        account_name: name.into(),
        account_email: email.into(),
        account_password: password.into(),
        location: "Europe/Berlin".into(),
        account_notifications: true,
        ..Default::default()
    }
}

async fn create(portal: &Portal, role: Role, child: NewChild) -> Result<CreatedChild, AppError> {
    portal.call(role, CreateChild { child, form_key: FormKey::random() }).await
}

#[sqlx::test(migrations = false)]
async fn a_child_is_created_inactive_and_its_key_is_shown_once(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let created = create(&portal, Role::Admin, child("acme-corp", "ops@acme.example", "Str0ng!pass")).await.unwrap();
    let stored = portal.sandbox.child_by_name("acme-corp").expect("Voximplant has the child");
    assert_eq!(created.account_id, stored.id);
    assert!(!created.active, "children start inactive");
    assert!(!stored.active);
    assert_eq!(stored.location, "Europe/Berlin");
    assert_eq!(stored.email, "ops@acme.example");
    assert_eq!(created.api_key.as_deref(), Some(stored.api_key.as_str()), "the new key is shown");

    // Voxdesk keeps the key nowhere: not in its database, not in the audit log.
    let dump: Vec<String> = sqlx::query_scalar(
        "SELECT concat_ws('|', targets, params, changes, outcome_detail) FROM audit_events",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(dump.iter().all(|row| !row.contains(&stored.api_key) && !row.contains("Str0ng!pass")), "{dump:?}");
    let sessions: Vec<String> = sqlx::query_scalar("SELECT encode(data, 'escape') FROM tower_sessions.session")
        .fetch_all(&pool)
        .await
        .unwrap_or_default();
    assert!(sessions.iter().all(|row| !row.contains(&stored.api_key)));
}

#[sqlx::test(migrations = false)]
async fn rules_and_refusals_come_back_next_to_their_field(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let calls = portal.sandbox.calls();

    // Broken rules are refused before Voximplant is asked.
    for (new, field, words) in [
        (child("ab", "a@b.example", "Str0ng!pass"), "account_name", "5 to 20 characters"),
        (child("Acme-corp", "a@b.example", "Str0ng!pass"), "account_name", "lowercase"),
        (child("acme-corp", "not-an-email", "Str0ng!pass"), "account_email", "email address"),
        (child("acme-corp", "a@b.example", "weakpassword"), "account_password", "uppercase"),
    ] {
        let error = create(&portal, Role::Admin, new).await.unwrap_err();
        let message = error.for_field(field).unwrap_or_else(|| panic!("not about {field}: {error:?}"));
        assert!(message.contains(words), "{error:?}");
    }
    assert_eq!(portal.sandbox.calls(), calls, "nothing invalid reached Voximplant");
    // Every broken rule comes back at once, each next to its field.
    let error = create(&portal, Role::Admin, child("ab", "not-an-email", "weakpassword")).await.unwrap_err();
    assert_eq!(error.fields(), ["account_name", "account_email", "account_password"], "{error:?}");

    // Voximplant's own refusals: a taken name or email lands on that field, and the
    // audit log has the upstream code.
    create(&portal, Role::Admin, child("acme-corp", "ops@acme.example", "Str0ng!pass")).await.unwrap();
    let error = create(&portal, Role::Admin, child("acme-corp", "other@acme.example", "Str0ng!pass")).await.unwrap_err();
    assert!(error.for_field("account_name").is_some_and(|m| m.contains("already taken")), "{error:?}");
    let error = create(&portal, Role::Admin, child("acme-two", "ops@acme.example", "Str0ng!pass")).await.unwrap_err();
    assert!(error.for_field("account_email").is_some(), "{error:?}");
    let recorded = outcomes(&pool, "child_account.create").await;
    let invalid = recorded.iter().filter(|e| e.outcome.as_deref() == Some("invalid")).count();
    assert_eq!(invalid, 5, "invalid attempts are on record");
    let refusals: Vec<_> = recorded.iter().filter(|e| e.outcome.as_deref() == Some("upstream_error")).collect();
    assert_eq!(refusals.len(), 2);
    let detail = |event: &common::Event| event.outcome_detail.clone().unwrap_or_default();
    assert!(detail(refusals[0]).contains("\"code\":106"), "{:?}", refusals[0]);
    assert!(detail(refusals[1]).contains("\"code\":128"), "{:?}", refusals[1]);
}

#[sqlx::test(migrations = false)]
async fn only_resellers_and_admins_create_and_voximplant_trouble_is_explained(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let sandbox = &portal.sandbox;
    for role in [Role::Support, Role::Auditor] {
        let refused = create(&portal, role, child("by-support", "s@acme.example", "Str0ng!pass")).await;
        assert_eq!(refused.unwrap_err(), AppError::Forbidden);
    }
    assert!(sandbox.child_by_name("by-support").is_none());
    create(&portal, Role::Reseller, child("by-seller", "r@acme.example", "Str0ng!pass")).await.unwrap();

    // Voximplant failing: a clear message, no internal detail.
    let outage = sandbox::faults::Fault { http_status: Some(503), ..Default::default() };
    sandbox.set_faults(sandbox::faults::Faults([("AddAccount".to_string(), outage)].into()));
    let error = create(&portal, Role::Reseller, child("in-outage", "o@acme.example", "Str0ng!pass")).await.unwrap_err();
    let AppError::Unavailable { what, reference } = &error else { panic!("{error:?}") };
    assert_eq!(what, "Voximplant");
    // (The random reference id may itself contain "503".)
    assert!(!error.to_string().replace(reference.as_str(), "").contains("503"), "{error:?}");
    // No clear answer: no outcome is claimed until the reconciler asks Voximplant.
    let unsettled = || {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM audit_events i WHERE i.kind = 'intent' AND i.action = 'child_account.create'
               AND NOT EXISTS (SELECT 1 FROM audit_events o WHERE o.intent_seq = i.seq)",
        )
        .fetch_one(&pool)
    };
    assert_eq!(unsettled().await.unwrap(), 1);
    sandbox.set_faults(Default::default());
    assert_eq!(app::registry::reconcile(&portal.server.backend, 0).await.unwrap(), 1);
    assert_eq!(unsettled().await.unwrap(), 0);
    let settled = outcomes(&pool, "child_account.create").await.pop().unwrap();
    assert_eq!(settled.outcome.as_deref(), Some("error"));
    assert!(settled.outcome_detail.unwrap_or_default().contains("in-outage does not exist"));
    assert_eq!(app::registry::reconcile(&portal.server.backend, 0).await.unwrap(), 0, "settled once");
}

/// With Voximplant not answering, the portal stops sending after a few tries (a circuit
/// breaker per connection) and says so at once, instead of making every user wait for
/// a timeout and adding load to an upstream that is already down.
#[sqlx::test(migrations = false)]
async fn a_dead_voximplant_is_not_hammered_and_users_are_told(pool: PgPool) {
    use app::children::{query::ChildQuery, ListChildren};
    let portal = Portal::start(&pool).await;
    let list = || portal.call(Role::Reseller, ListChildren { query: ChildQuery::default() });
    portal.outage("GetChildrenAccounts", true);
    let before = portal.sandbox.calls();
    let first = list().await.unwrap_err();
    assert!(matches!(&first, AppError::Unavailable { what, .. } if what == "Voximplant"), "{first:?}");
    for _ in 0..10 {
        let error = list().await.unwrap_err();
        assert!(matches!(error, AppError::Unavailable { .. }), "{error:?}");
    }
    let paused = list().await.unwrap_err();
    assert!(paused.to_string().contains("calls pause for a few seconds"), "{paused}");
    let sent = portal.sandbox.calls() - before;
    let limit = voximplant::client::BreakerSettings::default().failures_to_open as u64;
    assert_eq!(sent, limit, "12 lists, each a read tried up to 3 times, sent only {limit} calls");
}
