//! The child list, a child's page, edits, activation and support's notification
//! settings, through the portal against a real sandbox over HTTP: who may, what is
//! sent (only what changed), refusals next to their field, and the audit rows.

mod common;

use app::{
    access::Role,
    children::{
        changes::{ChildChanges, NotificationChanges},
        query::{ChildQuery, ChildSort},
        ActivateChild, DeactivateChild, GetChild, ListChildren, UpdateChild, UpdateChildNotifications,
    },
    error::AppError,
};
use common::{audit_events, outcomes, Portal};
use rust_decimal::Decimal;
use server_fn::ServerFn;
use sqlx::PgPool;

/// A hand-built server-function request (what a forged one looks like): its status.
async fn post_form(client: &reqwest::Client, url: &str, body: String) -> reqwest::StatusCode {
    let response = client.post(url).header("content-type", "application/x-www-form-urlencoded").body(body).send().await.unwrap();
    response.status()
}

fn list(query: ChildQuery) -> ListChildren {
    ListChildren { query }
}

/// The seeded child with the lowest id, by the sandbox's own account.
fn some_child(portal: &Portal) -> sandbox::state::Account {
    let state = portal.sandbox.snapshot();
    state.accounts.values().find(|a| a.parent_id.is_some()).cloned().expect("the sandbox seeds children")
}

#[sqlx::test(migrations = false)]
async fn the_list_pages_sorts_and_searches_through_voximplant(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let state = portal.sandbox.snapshot();
    let mut names: Vec<String> = state.accounts.values().filter(|a| a.parent_id.is_some()).map(|a| a.name.clone()).collect();
    names.sort();

    let first = portal.call(Role::Support, list(ChildQuery::default())).await.unwrap();
    assert_eq!(first.total, names.len() as u64);
    assert_eq!(first.offset, 0);
    let shown: Vec<_> = first.rows.iter().map(|c| c.account_name.clone()).collect();
    assert_eq!(shown, names[..20]);
    let second = portal.call(Role::Auditor, list(ChildQuery { page: 2, ..Default::default() })).await.unwrap();
    assert_eq!(second.offset, 20);
    assert_eq!(second.rows[0].account_name, names[20]);

    // Sorted by email.
    let by_email = portal.call(Role::Reseller, list(ChildQuery { sort: ChildSort::Email, size: 50, ..Default::default() })).await.unwrap();
    let emails: Vec<_> = by_email.rows.iter().map(|c| c.account_email.clone()).collect();
    let mut sorted = emails.clone();
    sorted.sort();
    assert_eq!(emails, sorted);

    // One box: a name, an email or ids.
    let target = some_child(&portal);
    for search in [target.name.clone(), target.email.clone(), target.id.to_string(), format!("{}, 999999999", target.id)] {
        let found = portal.call(Role::Reseller, list(ChildQuery { search: search.clone(), ..Default::default() })).await.unwrap();
        assert!(found.rows.iter().any(|c| c.account_id == target.id), "{search}: {:?}", found.rows);
    }
    let balance = &first.rows[0];
    assert!(balance.balance.is_some() && balance.currency.is_some(), "{balance:?}");

    // A page past the end is empty, with the total to say so.
    let past = portal.call(Role::Reseller, list(ChildQuery { page: 99, ..Default::default() })).await.unwrap();
    assert!(past.rows.is_empty());
    assert_eq!(past.total, names.len() as u64);

    // Nonsense is refused before Voximplant is asked.
    let calls = portal.sandbox.calls();
    let long = portal.call(Role::Reseller, list(ChildQuery { search: "x".repeat(1300), ..Default::default() })).await;
    assert_eq!(long.unwrap_err().fields(), ["q"]);
    let size = portal.call(Role::Reseller, list(ChildQuery { size: 7, ..Default::default() })).await;
    assert_eq!(size.unwrap_err().fields(), ["size"]);
    assert_eq!(portal.sandbox.calls(), calls);
}

#[sqlx::test(migrations = false)]
async fn a_childs_page_has_everything_and_its_verification(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let state = portal.sandbox.snapshot();
    let child = state
        .accounts
        .values()
        .find(|a| a.parent_id.is_some() && a.verifications.iter().any(|v| !v.documents.is_empty()))
        .expect("the seed has a child with documents")
        .clone();
    let details = portal.call(Role::Support, GetChild { account_id: child.id }).await.unwrap();
    assert_eq!(details.account.account_name, child.name);
    assert_eq!(details.account.account_email, child.email);
    assert_eq!(details.account.balance, Some(child.balance));
    assert_eq!(details.account.language_code.as_deref(), Some(child.language_code.as_str()));
    let verifications = details.verifications.expect("documents are read");
    let expected = &child.verifications[0];
    assert_eq!(verifications[0].name, expected.name);
    assert_eq!(verifications[0].status, expected.status);
    assert_eq!(verifications[0].documents.len(), expected.documents.len());
    assert_eq!(verifications[0].documents[0].comment, expected.documents[0].comment);

    // An unknown child is "not found", never a 500.
    let missing = portal.call(Role::Support, GetChild { account_id: 424242 }).await.unwrap_err();
    assert!(matches!(missing, AppError::NotFound(_)), "{missing:?}");
    // The parent itself is not one of its children.
    let parent = portal.call(Role::Support, GetChild { account_id: portal.sandbox.parent().account_id }).await.unwrap_err();
    assert!(matches!(parent, AppError::NotFound(_)), "{parent:?}");
}

#[sqlx::test(migrations = false)]
async fn an_edit_sends_only_what_changed_and_records_before_and_after(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let child = some_child(&portal);
    let new_language = if child.language_code == "de" { "fr" } else { "de" };
    let changes = ChildChanges {
        language_code: Some(new_language.into()),
        min_balance_to_notify: Some(Decimal::new(2550, 2)),
        // Already what it is: not sent, not recorded.
        location: Some(child.location.clone()),
        ..Default::default()
    };
    let after = portal.call(Role::Reseller, UpdateChild { account_id: child.id, changes }).await.unwrap();
    assert_eq!(after.language_code.as_deref(), Some(new_language), "the page gets Voximplant's values, read again");
    let stored = portal.sandbox.child_by_name(&child.name).unwrap();
    assert_eq!(stored.language_code, new_language);
    assert_eq!(stored.min_balance_to_notify, Decimal::new(2550, 2));

    let recorded = outcomes(&pool, "child_account.update").await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].outcome.as_deref(), Some("ok"));
    assert_eq!(recorded[0].method.as_deref(), Some("SetChildAccountInfo"));
    let diff: serde_json::Value = serde_json::from_str(recorded[0].changes.as_deref().unwrap()).unwrap();
    assert_eq!(diff["language_code"]["before"], child.language_code.as_str());
    assert_eq!(diff["language_code"]["after"], new_language);
    assert_eq!(diff["min_balance_to_notify"]["after"], "25.50");
    assert!(diff.get("location").is_none(), "an unchanged field is not an edit: {diff}");
    assert!(recorded[0].targets.contains(&child.name));

    // A new password reaches Voximplant and nothing else.
    let password = ChildChanges { new_child_account_password: Some("N3w!passw0rd".into()), ..Default::default() };
    portal.call(Role::Admin, UpdateChild { account_id: child.id, changes: password }).await.unwrap();
    assert_eq!(portal.sandbox.child_by_name(&child.name).unwrap().password, "N3w!passw0rd");
    let dump: Vec<String> = sqlx::query_scalar("SELECT concat_ws('|', targets, params, changes, outcome_detail) FROM audit_events")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(dump.iter().all(|row| !row.contains("N3w!passw0rd")), "{dump:?}");
}

#[sqlx::test(migrations = false)]
async fn broken_rules_and_refusals_land_next_to_their_field(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let child = some_child(&portal);
    let other = portal.sandbox.snapshot().accounts.values().filter(|a| a.parent_id.is_some()).nth(1).unwrap().clone();
    let calls = portal.sandbox.calls();
    let broken = ChildChanges {
        new_child_account_email: Some("not-an-email".into()),
        new_child_account_password: Some("weak".into()),
        language_code: Some("xx".into()),
        location: Some("Mars/Olympus".into()),
        min_balance_to_notify: Some(Decimal::new(-5, 0)),
        ..Default::default()
    };
    let error = portal.call(Role::Reseller, UpdateChild { account_id: child.id, changes: broken }).await.unwrap_err();
    assert_eq!(
        error.fields(),
        ["new_child_account_email", "new_child_account_password", "language_code", "min_balance_to_notify", "location"],
        "{error:?}"
    );
    // One read of the child (to know what changes), nothing sent.
    assert_eq!(portal.sandbox.calls(), calls + 1);
    let nothing = portal.call(Role::Reseller, UpdateChild { account_id: child.id, changes: ChildChanges::default() }).await;
    assert!(matches!(nothing, Err(AppError::Invalid(_))), "{nothing:?}");

    // Voximplant's refusal: another account's email lands on the email field.
    let taken = ChildChanges { new_child_account_email: Some(other.email.clone()), ..Default::default() };
    let error = portal.call(Role::Reseller, UpdateChild { account_id: child.id, changes: taken }).await.unwrap_err();
    assert!(error.for_field("new_child_account_email").is_some_and(|m| m.contains("already uses")), "{error:?}");
    let refused = outcomes(&pool, "child_account.update").await;
    assert!(refused.iter().any(|e| e.outcome.as_deref() == Some("upstream_error")), "{refused:?}");
    assert!(refused.iter().filter(|e| e.outcome.as_deref() == Some("invalid")).count() >= 2, "{refused:?}");

    // An unknown child.
    let language = ChildChanges { language_code: Some("de".into()), ..Default::default() };
    let missing = portal.call(Role::Reseller, UpdateChild { account_id: 424242, changes: language }).await.unwrap_err();
    assert!(matches!(missing, AppError::NotFound(_)), "{missing:?}");
}

#[sqlx::test(migrations = false)]
async fn deactivating_and_activating_are_audited_and_real(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let child = portal.sandbox.snapshot().accounts.values().find(|a| a.parent_id.is_some() && a.active).unwrap().clone();
    let off = portal.call(Role::Reseller, DeactivateChild { account_id: child.id }).await.unwrap();
    assert!(!off.active);
    assert!(!portal.sandbox.child_by_name(&child.name).unwrap().active, "the sandbox says inactive");
    // Twice: a clear conflict, nothing sent.
    let again = portal.call(Role::Reseller, DeactivateChild { account_id: child.id }).await.unwrap_err();
    assert!(matches!(&again, AppError::Conflict(m) if m.contains("already inactive")), "{again:?}");
    let on = portal.call(Role::Admin, ActivateChild { account_id: child.id }).await.unwrap();
    assert!(on.active);
    assert!(portal.sandbox.child_by_name(&child.name).unwrap().active);

    let deactivated = outcomes(&pool, "child_account.deactivate").await;
    assert_eq!(deactivated[0].outcome.as_deref(), Some("ok"));
    assert_eq!(deactivated[0].changes.as_deref(), Some(r#"{"active":{"after":false,"before":true}}"#));
    let activated = outcomes(&pool, "child_account.activate").await;
    assert_eq!(activated.len(), 1);
    assert_eq!(activated[0].changes.as_deref(), Some(r#"{"active":{"after":true,"before":false}}"#));

    for role in [Role::Support, Role::Auditor] {
        let refused = portal.call(role, DeactivateChild { account_id: child.id }).await;
        assert_eq!(refused.unwrap_err(), AppError::Forbidden);
    }
    assert!(portal.sandbox.child_by_name(&child.name).unwrap().active);
}

#[sqlx::test(migrations = false)]
async fn support_changes_notification_settings_and_nothing_else(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let child = some_child(&portal);
    let news = !child.news_notifications;
    let notifications = NotificationChanges {
        news_notifications: Some(news),
        // Unchanged: not sent.
        account_notifications: Some(child.account_notifications),
        ..Default::default()
    };
    let after = portal.call(Role::Support, UpdateChildNotifications { account_id: child.id, notifications }).await.unwrap();
    assert_eq!(after.news_notifications, news);
    assert_eq!(portal.sandbox.child_by_name(&child.name).unwrap().news_notifications, news);
    let recorded = outcomes(&pool, "child_account.notifications.update").await;
    assert_eq!(recorded[0].actor_name.as_deref(), Some("helpdesk"));
    let diff: serde_json::Value = serde_json::from_str(recorded[0].changes.as_deref().unwrap()).unwrap();
    assert_eq!(diff.as_object().unwrap().keys().collect::<Vec<_>>(), ["news_notifications"]);

    // Every other field, forced into the request, is refused.
    let client = portal.as_role(Role::Support);
    let before = portal.sandbox.child_by_name(&child.name).unwrap();
    for (field, value) in [
        ("new_child_account_email", "x@y.example"),
        ("new_child_account_password", "N3w!passw0rd"),
        ("language_code", "de"),
        ("location", "Europe/Paris"),
        ("min_balance_to_notify", "99"),
        ("support_robokassa", "true"),
        ("support_bank_card", "true"),
        ("support_invoice", "true"),
        ("can_use_restricted", "true"),
        ("active", "false"),
    ] {
        let body = format!("account_id={}&notifications[news_notifications]=true&notifications[{field}]={value}", child.id);
        let status = post_form(client, &portal.server.url(UpdateChildNotifications::PATH), body).await;
        assert!(status.is_client_error(), "{field}: {status}");
        let status = post_form(client, &portal.server.url(UpdateChild::PATH), format!("account_id={}&changes[{field}]={value}", child.id)).await;
        // `active` is no edit field at all (it has its own dialog): refused as unreadable.
        let expected = if field == "active" { 400 } else { 403 };
        assert_eq!(status, expected, "{field}");
    }
    let now = portal.sandbox.child_by_name(&child.name).unwrap();
    assert_eq!((now.email, now.language_code, now.location, now.active), (before.email, before.language_code, before.location, before.active));
    assert_eq!(audit_events(&pool, "access.denied").await.len(), 9, "each forced field is refused by role");

    // Auditors change nothing at all.
    let notifications = NotificationChanges { news_notifications: Some(!news), ..Default::default() };
    let refused = portal.call(Role::Auditor, UpdateChildNotifications { account_id: child.id, notifications }).await;
    assert_eq!(refused.unwrap_err(), AppError::Forbidden);
}

/// An edit whose answer was lost is settled by reading the child back: none of the
/// values → it did not happen; some → unknown with the difference; all → ok.
#[sqlx::test(migrations = false)]
async fn the_reconciler_reads_an_interrupted_edit_back(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let child = some_child(&portal);
    let language = if child.language_code == "de" { "fr" } else { "de" };
    let edit = |changes: ChildChanges| UpdateChild { account_id: child.id, changes };
    let reconcile = || app::registry::reconcile(&portal.server.backend, 0);
    let last = || async { outcomes(&pool, "child_account.update").await.pop().unwrap() };

    // Nothing arrived.
    portal.outage("SetChildAccountInfo", true);
    let changes = ChildChanges { language_code: Some(language.into()), min_balance_to_notify: Some(Decimal::new(31, 0)), ..Default::default() };
    let error = portal.call(Role::Reseller, edit(changes.clone())).await.unwrap_err();
    assert!(matches!(error, AppError::Unavailable { .. }), "{error:?}");
    portal.outage("SetChildAccountInfo", false);
    assert_eq!(reconcile().await.unwrap(), 1);
    let settled = last().await;
    assert_eq!(settled.outcome.as_deref(), Some("error"), "{settled:?}");
    assert!(settled.outcome_detail.unwrap().contains("none of the intended values"));

    // Half of it arrived.
    portal.outage("SetChildAccountInfo", true);
    portal.call(Role::Reseller, edit(changes.clone())).await.unwrap_err();
    portal.outage("SetChildAccountInfo", false);
    let mut half = changes.request(child.id);
    half.notifications.min_balance_to_notify = None;
    portal.voximplant_directly().set_child_account_info(half).await.unwrap();
    assert_eq!(reconcile().await.unwrap(), 1);
    let settled = last().await;
    assert_eq!(settled.outcome.as_deref(), Some("unknown"), "{settled:?}");
    let detail = settled.outcome_detail.unwrap();
    assert!(detail.contains("min_balance_to_notify") && detail.contains("\"matching\":[\"language_code\"]"), "{detail}");

    // All of it arrived.
    portal.outage("SetChildAccountInfo", true);
    portal.call(Role::Reseller, edit(changes.clone())).await.unwrap_err();
    portal.outage("SetChildAccountInfo", false);
    portal.voximplant_directly().set_child_account_info(changes.request(child.id)).await.unwrap();
    assert_eq!(reconcile().await.unwrap(), 1);
    assert_eq!(last().await.outcome.as_deref(), Some("ok"));
}

#[sqlx::test(migrations = false)]
async fn the_filtered_list_downloads_as_csv_page_by_page_and_on_record(pool: PgPool) {
    let config = sandbox::SandboxConfig { seed_children: 1_100, ..Default::default() };
    let portal = Portal::start_with(&pool, config).await;
    let parent = portal.sandbox.parent().account_id;
    let state = portal.sandbox.snapshot();
    let mut active: Vec<&sandbox::state::Account> =
        state.accounts.values().filter(|a| a.parent_id == Some(parent) && a.active && !a.frozen).collect();
    active.sort_by(|a, b| a.email.cmp(&b.email));
    assert!(active.len() > 500, "more than one page of {}", app::children::export::PAGE);

    let calls = portal.sandbox.calls();
    let url = portal.server.url("/children/export.csv?status=active&frozen=no&sort=email&page=3&size=50");
    let response = portal.as_role(Role::Auditor).get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let body = response.text().await.unwrap();
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines[0], "id,name,email,status,balance,currency,created");
    assert_eq!(lines.len() - 1, active.len(), "every match, not one screen's page");
    let emails: Vec<&str> = lines[1..].iter().map(|line| line.split(',').nth(2).unwrap()).collect();
    assert_eq!(emails, active.iter().map(|a| a.email.as_str()).collect::<Vec<_>>(), "in the list's order");
    let first = active[0];
    assert!(lines[1].starts_with(&format!("{},{},{},Active,", first.id, first.name, first.email)), "{}", lines[1]);
    assert!(lines[1].contains(&first.currency), "{}", lines[1]);
    let pages = active.len().div_ceil(app::children::export::PAGE as usize) as u64;
    assert_eq!(portal.sandbox.calls() - calls, pages, "one GetChildrenAccounts per {} children", app::children::export::PAGE);

    let recorded = audit_events(&pool, "child_account.export").await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].actor_name.as_deref(), Some("inspector"));
    assert!(recorded[0].params.contains(&format!("\"accounts\":{}", active.len())), "{}", recorded[0].params);
    assert!(recorded[0].params.contains("status=active"), "{}", recorded[0].params);

    // Signed out: refused, nothing on record as an export.
    let anonymous = common::client().get(portal.server.url("/children/export.csv")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    // A search the list refuses is refused here too.
    let long = format!("/children/export.csv?q={}", "a".repeat(1_300));
    let refused = portal.as_role(Role::Support).get(portal.server.url(&long)).send().await.unwrap();
    assert_eq!(refused.status(), 422);
    assert_eq!(audit_events(&pool, "child_account.export").await.len(), 1);
}
