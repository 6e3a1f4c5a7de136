//! The audit log against a real PostgreSQL: what is recorded, that it cannot be
//! changed, that the chain holds under concurrency and shows any tampering, and
//! that an interrupted action is settled after a restart.

mod common;

use std::{process::Command, time::Duration};

use app::{
    access::Role,
    account::{profile::ProfileChanges, UpdateProfile},
    billing::{ChangePlan, Charge, ChargeMode, ChargeOrder, PlanChoice},
    audit::{
        ssr::{self as audit, AuditContext, FileCheck, NewEvent},
        AuditFilter, ChainCheck, GetActivity, ListEvents, Outcome,
    },
    auth::SetupFirstAdmin,
    children::{
        bulk::{BulkActivate, BulkDeactivate, BulkNotifications, BulkSelection, CancelBulkJob},
        changes::{ChildChanges, NotificationChanges},
        ActivateChild, CloneChild, CreateChild, DeactivateChild, NewChild, UpdateChild, UpdateChildNotifications,
    },
    connections::{AddConnection, RemoveConnection, RenameConnection, RotateConnection, SelectConnection},
    error::AppError,
    submission::FormKey,
    users::{CreateUser, ResetUserPassword, SetUserActive, SetUserRole},
};
use common::{add_user, audit_events, Portal};
use leptos::server_fn::ServerFn;
use reqwest::StatusCode;
use sqlx::PgPool;

async fn events(pool: &PgPool, action: &str) -> Vec<(String, Option<String>, String, String)> {
    audit_events(pool, action)
        .await
        .into_iter()
        .map(|e| (e.kind, e.outcome, e.params, e.changes.unwrap_or_default()))
        .collect()
}

#[test]
fn every_server_function_is_either_audited_or_read_only() {
    // Each declaration says one or the other; every audited one names an action that
    // is declared once.
    let names: Vec<&str> = app::registry::audited_actions().iter().map(|a| a.name).collect();
    for endpoint in app::registry::endpoints() {
        if let Some(action) = endpoint.audited {
            assert_eq!(names.iter().filter(|n| **n == action.name).count(), 1, "{}: {}", endpoint.path, action.name);
        }
    }
    let writes = app::registry::endpoints().filter(|e| e.audited.is_some()).count();
    assert!(writes >= 10, "only {writes} audited server functions");
}

#[sqlx::test(migrations = false)]
async fn every_state_changing_server_function_leaves_an_intent_and_an_outcome(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let target = add_user(&pool, "target", Role::Support).await;
    let parent = portal.sandbox.parent();
    let connection = portal.connection.id.clone();
    let admin = Role::Admin;
    portal
        .call(admin, CreateUser {
            username: "newbie".into(),
            email: "newbie@voxdesk.example".into(),
            display_name: "Newbie".into(),
            role: "auditor".into(),
            password: None,
        })
        .await
        .unwrap();
    portal.call(admin, SetUserRole { id: target.clone(), role: "reseller".into() }).await.unwrap();
    portal.call(admin, SetUserActive { id: target.clone(), active: false }).await.unwrap();
    portal.call(admin, ResetUserPassword { id: target.clone() }).await.unwrap();
    portal.call(admin, SelectConnection { id: connection.clone() }).await.unwrap();
    let child = NewChild {
        account_name: "audited-child".into(),
        account_email: "audited@child.example".into(),
        account_password: "Chi1d!secret".into(),
        ..Default::default()
    };
    let created = portal.call(admin, CreateChild { child, form_key: FormKey::random() }).await.unwrap();
    let id = created.account_id;
    let copy = NewChild {
        account_name: "audited-copy".into(),
        account_email: "copy@child.example".into(),
        account_password: "Chi1d!secret".into(),
        ..Default::default()
    };
    portal.call(admin, CloneChild { source_account_id: id, child: copy, form_key: FormKey::random() }).await.unwrap();
    let changes = ChildChanges { language_code: Some("de".into()), ..Default::default() };
    portal.call(admin, UpdateChild { account_id: id, changes }).await.unwrap();
    let notifications = NotificationChanges { news_notifications: Some(true), ..Default::default() };
    portal.call(Role::Support, UpdateChildNotifications { account_id: id, notifications }).await.unwrap();
    portal.call(admin, ActivateChild { account_id: id }).await.unwrap();
    portal.call(admin, DeactivateChild { account_id: id }).await.unwrap();
    // Bulk jobs end on their own; each is waited for, then a cancel comes too late.
    let picked = || BulkSelection::picked(vec![id]);
    let notifications = NotificationChanges { news_notifications: Some(false), ..Default::default() };
    let job = portal.call(admin, BulkActivate { selection: picked() }).await.unwrap();
    portal.finished_job(admin, &job).await;
    let job = portal.call(admin, BulkDeactivate { selection: picked() }).await.unwrap();
    portal.finished_job(admin, &job).await;
    let last_job = portal.call(admin, BulkNotifications { selection: picked(), notifications }).await.unwrap();
    portal.finished_job(admin, &last_job).await;
    let late = portal.call(admin, CancelBulkJob { id: last_job }).await.unwrap_err();
    assert!(matches!(late, AppError::Conflict(_)), "{late:?}");
    let mut changes = ProfileChanges::default();
    changes.0.insert("account_first_name".into(), "Audited".into());
    portal.call(Role::Reseller, UpdateProfile { changes }).await.unwrap();
    let bigger = PlanChoice { plan_type: "MAU".into(), template_id: 301 };
    portal.call(Role::Reseller, ChangePlan { choice: bigger }).await.unwrap();
    let everything = ChargeOrder { mode: ChargeMode::All, ..Default::default() };
    portal.call(Role::Reseller, Charge { order: everything, key: FormKey::random() }).await.unwrap();
    portal.call(admin, RenameConnection { id: connection.clone(), name: "Renamed".into() }).await.unwrap();
    let rotate = RotateConnection {
        id: connection.clone(),
        kind: "api_key".into(),
        account_id: Some(parent.account_id.to_string()),
        api_key: Some(parent.api_key.clone()),
        credentials_json: None,
    };
    portal.call(admin, rotate).await.unwrap();
    portal.call(admin, RemoveConnection { id: connection.clone() }).await.unwrap();
    let new_password = "lantern quiet orchard 58".to_string();
    let own = app::me::ChangeMyPassword {
        current_password: common::PASSWORD.into(),
        new_password: new_password.clone(),
        new_password_again: new_password,
    };
    portal.call(Role::Auditor, own).await.unwrap();
    portal.call(Role::Auditor, app::me::SignOutElsewhere {}).await.unwrap();
    // Two-step sign-in: set up, new recovery codes and turned off by support; reset and
    // the policy by the admin.
    let shown = portal.call(Role::Support, app::me::BeginTwoStep {}).await.unwrap();
    let secret = totp_rs::Secret::Encoded(shown.secret_text.replace(' ', "")).to_bytes().unwrap();
    let now = chrono::Utc::now().timestamp() as u64;
    portal.call(Role::Support, app::me::ConfirmTwoStep { code: app::auth::totp::code_at(&secret, now) }).await.unwrap();
    let renewed = portal
        .call(Role::Support, app::me::NewRecoveryCodes { code: app::auth::totp::code_at(&secret, now + 30) })
        .await
        .unwrap();
    let off = app::me::TurnOffTwoStep { current_password: common::PASSWORD.into(), code: renewed[0].clone() };
    portal.call(Role::Support, off).await.unwrap();
    portal.call(admin, app::users::ResetTwoStep { id: target.clone() }).await.unwrap();
    portal.call(admin, app::users::SetTwoStepRequired { role: "auditor".into(), required: false }).await.unwrap();
    // First-run setup is refused now, before anything is recorded (its audited success
    // is checked in auth.rs, where the database starts empty).
    let setup = SetupFirstAdmin {
        username: "late".into(),
        email: "late@voxdesk.example".into(),
        display_name: "Late".into(),
        password: common::PASSWORD.into(),
    };
    let refused = portal.server.call(&common::client(), setup).await.unwrap_err();
    assert!(matches!(refused, AppError::Conflict(_)), "{refused:?}");

    for endpoint in app::registry::endpoints() {
        let Some(action) = endpoint.audited else { continue };
        if endpoint.path == SetupFirstAdmin::PATH {
            assert!(events(&pool, action.name).await.is_empty(), "a refused setup leaves no trace");
            continue;
        }
        let rows = events(&pool, action.name).await;
        let intents = rows.iter().filter(|r| r.0 == "intent").count();
        let outcomes = rows.iter().filter(|r| r.0 == "outcome").count();
        assert!(intents >= 1 && intents == outcomes, "{}: {intents} intents, {outcomes} outcomes for {}", endpoint.path, action.name);
    }
    let role_change = &events(&pool, "user.set_role").await[1];
    assert_eq!(role_change.1.as_deref(), Some("ok"));
    assert!(role_change.3.contains("\"before\":\"support\"") && role_change.3.contains("\"after\":\"reseller\""), "{}", role_change.3);

    // A Voximplant action names its method, parent connection, target and latency;
    // showing the new child's API key is a sensitive read on record.
    let child = portal.sandbox.child_by_name("audited-child").expect("the sandbox has the child");
    let created = common::outcomes(&pool, "child_account.create").await.pop().unwrap();
    assert_eq!(created.method.as_deref(), Some("AddAccount"));
    assert_eq!(created.connection_name.as_deref(), Some("Main"));
    assert_eq!(created.targets, format!("[\"audited-child\",\"{}\"]", child.id));
    assert!(created.latency_ms.is_some_and(|ms| ms > 0.0));
    let shown = events(&pool, "child_account.api_key.show").await;
    assert_eq!(shown.len(), 2, "the created child's key and its copy's");
    assert!(shown.iter().all(|event| event.1.as_deref() == Some("ok")));

    // Logins are events; secrets are in no event at all.
    assert!(!events(&pool, "user.login").await.is_empty());
    let everything: Vec<String> = sqlx::query_scalar(
        "SELECT concat_ws('|', targets, params, changes, outcome_detail) FROM audit_events",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for row in &everything {
        assert!(!row.contains(&parent.api_key), "an api key reached the audit log: {row}");
        assert!(!row.contains(&child.api_key), "the child's api key reached the audit log: {row}");
        assert!(!row.contains("Chi1d!secret"), "the child's password reached the audit log: {row}");
        assert!(!row.contains(common::PASSWORD), "a password reached the audit log: {row}");
    }
    assert_eq!(audit::verify(&pool).await.unwrap_or_else(|e| panic!("{e}")), intact(&pool).await);
}

async fn intact(pool: &PgPool) -> ChainCheck {
    match audit::verify(pool).await.unwrap() {
        intact @ ChainCheck::Intact { .. } => intact,
        broken => panic!("the chain is broken: {broken:?}"),
    }
}

/// The log with no filter at all, as the browser asks for it when the auditor opens
/// the page from the navigation: an empty filter encodes as nothing at all, and used to
/// be refused with "missing field `filter`".
#[sqlx::test(migrations = false)]
async fn the_unfiltered_log_and_its_activity_can_be_read_from_the_browser(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    let page = portal.call(Role::Auditor, ListEvents { filter: AuditFilter::default(), before: None }).await.expect("the unfiltered log");
    assert!(!page.events.is_empty(), "the portal's own setup is on record");
    let days = portal.call(Role::Auditor, GetActivity { filter: AuditFilter::default() }).await.expect("the unfiltered activity");
    assert!(!days.is_empty());
}

#[sqlx::test(migrations = false)]
async fn denied_and_cross_site_requests_are_recorded(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    add_user(&pool, "helper", Role::Support).await;
    let support = server.signed_in("helper").await;
    let refused = support.post(server.url("/api/users/list")).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let denied = events(&pool, "access.denied").await;
    assert_eq!(denied.len(), 1);
    assert!(denied[0].2.contains("/api/users/list"), "{:?}", denied[0]);
    support.post(server.url("/api/auth/logout")).header("sec-fetch-site", "cross-site").send().await.unwrap();
    assert_eq!(events(&pool, "request.cross_site_refused").await.len(), 1);

    // Anyone can cause anonymous and cross-site refusals: a loop of them adds a row a
    // minute per address, not one each. A signed-in user's are each on record.
    for _ in 0..100 {
        common::client().post(server.url("/api/users/list")).send().await.unwrap();
        common::client().post(server.url("/api/auth/logout")).header("sec-fetch-site", "cross-site").send().await.unwrap();
    }
    support.post(server.url("/api/users/list")).send().await.unwrap();
    assert_eq!(events(&pool, "access.denied").await.len(), 3, "the support user's two, and one anonymous");
    assert_eq!(events(&pool, "request.cross_site_refused").await.len(), 1);
}

#[sqlx::test(migrations = false)]
async fn the_log_cannot_be_updated_deleted_or_truncated(pool: PgPool) {
    server::database::migrate(&pool).await.unwrap();
    let context = AuditContext::system("test");
    audit::append(&pool, &context, NewEvent::fact("test.fact", serde_json::json!([]), serde_json::json!({}), Outcome::Ok)).await.unwrap();
    for statement in [
        "UPDATE audit_events SET action = 'forged'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "SET session_replication_role = replica; UPDATE audit_events SET action = 'forged'",
        "SET session_replication_role = replica; DELETE FROM audit_events",
    ] {
        let mut connection = pool.acquire().await.unwrap();
        let error = sqlx::raw_sql(statement).execute(&mut *connection).await.unwrap_err();
        assert!(error.to_string().contains("append-only"), "{statement}: {error}");
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events").fetch_one(&pool).await.unwrap();
    assert_eq!(count, 1);
}

/// A deployment with a separate application role (DATABASE_URL) and owner
/// (VOXDESK_OWNER_DATABASE_URL): the portal works as the application role, which
/// can append audit events but not change, delete, truncate or archive them.
#[sqlx::test(migrations = false)]
async fn the_application_role_appends_but_cannot_rewrite_the_log(pool: PgPool) {
    server::database::migrate(&pool).await.unwrap();
    common::two_step_optional_for_every_role(&pool).await;
    let role = format!("voxdesk_app_{}", std::process::id() ^ rand_suffix());
    sqlx::query(&format!("CREATE ROLE {role} LOGIN")).execute(&pool).await.unwrap();
    server::database::grant_app_role(&pool, &role).await.unwrap();
    let options = (*pool.connect_options()).clone().username(&role);
    let app_pool = sqlx::postgres::PgPoolOptions::new().max_connections(4).connect_with(options).await.unwrap();

    // The whole portal on the application role: sign in, change something, audited.
    add_user(&app_pool, "boss", Role::Admin).await;
    let server = common::start_migrated(app_pool.clone(), Default::default()).await;
    let admin = server.signed_in("boss").await;
    let newbie = CreateUser {
        username: "newbie".into(),
        email: "newbie@voxdesk.example".into(),
        display_name: "Newbie".into(),
        role: "auditor".into(),
        password: None,
    };
    server.call(&admin, newbie).await.unwrap();
    assert_eq!(events(&app_pool, "user.create").await.len(), 2);

    for statement in [
        "UPDATE audit_events SET action = 'x'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "INSERT INTO audit_checkpoints (through_seq, through_hash, events, file_sha256) VALUES (99, '\\x00', 1, 'x')",
        "SELECT audit_archive(1)",
    ] {
        let error = sqlx::query(statement).execute(&app_pool).await.expect_err(statement).to_string();
        assert!(error.contains("permission denied"), "{statement}: {error}");
        assert!(!error.contains("append-only"), "{statement}: refused by privileges, before any trigger: {error}");
    }
    // Even with the archival switch flipped by hand, nothing can be deleted.
    let mut connection = app_pool.acquire().await.unwrap();
    sqlx::query("SELECT set_config('voxdesk.audit_archiving', 'on', false)").execute(&mut *connection).await.unwrap();
    let error = sqlx::query("DELETE FROM audit_events").execute(&mut *connection).await.unwrap_err().to_string();
    assert!(error.contains("permission denied"), "{error}");
    drop(connection);
    // Appending is allowed, but only as the next link: a skipped seq or another
    // prev_hash is refused by the database itself.
    for (seq, prev) in [("1000000000000000", "(SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1)"), ("(SELECT max(seq) + 1 FROM audit_events)", "'\\x00'::bytea")] {
        let forged = format!(
            "INSERT INTO audit_events (seq, occurred_at, kind, action, targets, params, prev_hash, hash)
             VALUES ({seq}, now(), 'event', 'forged', '[]', '{{}}', {prev}, '\\xdeadbeef'::bytea)"
        );
        let error = sqlx::query(&forged).execute(&app_pool).await.expect_err(&forged).to_string();
        assert!(error.contains("must chain on"), "{forged}: {error}");
    }
    assert!(matches!(audit::verify(&app_pool).await.unwrap(), ChainCheck::Intact { .. }));
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos()
}

#[sqlx::test(migrations = false)]
async fn fifty_concurrent_writers_make_one_unbroken_chain(pool: PgPool) {
    server::database::migrate(&pool).await.unwrap();
    let writers: Vec<_> = (0..50)
        .map(|n| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let context = AuditContext::system(&format!("writer-{n}"));
                let event = NewEvent::fact("test.concurrent", serde_json::json!([n]), serde_json::json!({ "n": n }), Outcome::Ok);
                audit::append(&pool, &context, event).await.unwrap()
            })
        })
        .collect();
    let mut seqs = Vec::new();
    for writer in writers {
        seqs.push(writer.await.unwrap());
    }
    seqs.sort();
    assert_eq!(seqs, (1..=50).collect::<Vec<i64>>(), "gapless sequence numbers");
    let ChainCheck::Intact { events, head_seq, .. } = intact(&pool).await else { unreachable!() };
    assert_eq!((events, head_seq), (50, 50));
}

/// Two instances settle one intent at the same moment: both find it open, both
/// queue on the chain's lock; the second insert is refused by the database, that
/// instance answers Conflict, and its connection (inside the refused transaction,
/// begun by hand) is closed rather than returned to its pool.
#[sqlx::test(migrations = false)]
async fn a_second_instance_settling_the_same_intent_is_refused_by_the_database(pool: PgPool) {
    server::database::migrate(&pool).await.unwrap();
    let context = AuditContext::system("racer");
    let intent = NewEvent::intent(&app::action::Audited::new("test.race"), serde_json::json!([1]), serde_json::json!({}));
    let seq = audit::append(&pool, &context, intent).await.unwrap();
    // Two pools: two instances, each with its own writer queue.
    let instances = [pool.clone(), PgPool::connect_with(pool.connect_options().as_ref().clone()).await.unwrap()];
    let mut holder = pool.begin().await.unwrap();
    // The chain's lock ("VDAUDIT"), held until both are waiting for it.
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(0x5644_4155_4449_54_i64).execute(&mut *holder).await.unwrap();
    let racers: Vec<_> = instances
        .iter()
        .map(|instance| {
            let (instance, context) = (instance.clone(), context.clone());
            tokio::spawn(async move {
                let outcome = NewEvent::outcome(seq, "test.race", None, serde_json::json!([1]), Outcome::Ok);
                audit::append(&instance, &context, outcome).await
            })
        })
        .collect();
    // Both have found the intent open and wait for the lock.
    tokio::time::sleep(Duration::from_millis(400)).await;
    holder.commit().await.unwrap();
    let mut answers = Vec::new();
    for racer in racers {
        answers.push(racer.await.unwrap());
    }
    assert_eq!(answers.iter().filter(|a| a.is_ok()).count(), 1, "{answers:?}");
    assert!(answers.iter().any(|a| matches!(a, Err(AppError::Conflict(_)))), "{answers:?}");
    let mut stuck = -1_i64;
    for _ in 0..20 {
        stuck = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        if stuck == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stuck, 0, "no pooled connection is left inside the refused transaction");
    // Both instances go on writing.
    for instance in &instances {
        audit::append(instance, &context, NewEvent::fact("test.after", serde_json::json!([]), serde_json::json!({}), Outcome::Ok)).await.unwrap();
    }
    assert!(matches!(intact(&pool).await, ChainCheck::Intact { events: 4, .. }));
}

#[sqlx::test(migrations = false)]
async fn an_intent_settled_twice_keeps_its_first_outcome(pool: PgPool) {
    // The reconciler and the action itself may both try to settle an intent.
    server::database::migrate(&pool).await.unwrap();
    let context = AuditContext::system("racer");
    let intent = NewEvent::intent(&app::action::Audited::new("test.race"), serde_json::json!([1]), serde_json::json!({}));
    let seq = audit::append(&pool, &context, intent).await.unwrap();
    let first = NewEvent::outcome(seq, "test.race", None, serde_json::json!([1]), Outcome::Ok);
    audit::append(&pool, &context, first).await.unwrap();
    let second = NewEvent::outcome(seq, "test.race", None, serde_json::json!([1]), Outcome::Error);
    let refused = audit::append(&pool, &context, second).await.unwrap_err();
    assert!(matches!(refused, AppError::Conflict(_)), "{refused:?}");
    let outcomes = audit_events(&pool, "test.race").await;
    assert_eq!(outcomes.iter().filter_map(|e| e.outcome.as_deref()).collect::<Vec<_>>(), ["ok"]);
    assert!(matches!(intact(&pool).await, ChainCheck::Intact { events: 2, .. }));
}

#[sqlx::test(migrations = false)]
async fn outcomes_racing_for_one_intent_settle_it_once(pool: PgPool) {
    // Writers arriving together are committed together: a second outcome in the same
    // batch is refused as surely as one after it, and nothing else in the batch is lost.
    server::database::migrate(&pool).await.unwrap();
    let context = AuditContext::system("racer");
    let intent = NewEvent::intent(&app::action::Audited::new("test.race"), serde_json::json!([1]), serde_json::json!({}));
    let seq = audit::append(&pool, &context, intent).await.unwrap();
    let racers: Vec<_> = (0..20)
        .map(|n| {
            let (pool, context) = (pool.clone(), context.clone());
            tokio::spawn(async move {
                let event = if n % 2 == 0 {
                    NewEvent::outcome(seq, "test.race", None, serde_json::json!([1]), Outcome::Ok)
                } else {
                    NewEvent::fact("test.bystander", serde_json::json!([n]), serde_json::json!({}), Outcome::Ok)
                };
                audit::append(&pool, &context, event).await
            })
        })
        .collect();
    let (mut settled, mut refused, mut bystanders) = (0, 0, 0);
    for (n, racer) in racers.into_iter().enumerate() {
        match (n % 2, racer.await.unwrap()) {
            (0, Ok(_)) => settled += 1,
            (0, Err(AppError::Conflict(_))) => refused += 1,
            (1, Ok(_)) => bystanders += 1,
            (_, other) => panic!("racer {n}: {other:?}"),
        }
    }
    assert_eq!((settled, refused, bystanders), (1, 9, 10));
    let outcomes = audit_events(&pool, "test.race").await;
    assert_eq!(outcomes.iter().filter(|e| e.kind == "outcome").count(), 1);
    let open_owners: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_intent_owners").fetch_one(&pool).await.unwrap();
    assert_eq!(open_owners, 0, "the settled intent no longer has an owner");
    assert!(matches!(intact(&pool).await, ChainCheck::Intact { events: 12, .. }));
}

#[sqlx::test(migrations = false)]
async fn altering_any_stored_value_makes_verify_name_that_event(pool: PgPool) {
    server::database::migrate(&pool).await.unwrap();
    let context = AuditContext::system("test");
    for n in 0..5 {
        let event = NewEvent::fact("test.tamper", serde_json::json!([n]), serde_json::json!({ "n": n }), Outcome::Ok);
        audit::append(&pool, &context, event).await.unwrap();
    }
    intact(&pool).await;
    // Someone with the owner's rights switches the guard off and edits event 3.
    for (column, value) in [("params", "'{\"n\":99}'"), ("actor_name", "'someone else'"), ("outcome", "'error'"), ("occurred_at", "occurred_at + interval '1 microsecond'")] {
        sqlx::raw_sql(&format!(
            "BEGIN; ALTER TABLE audit_events DISABLE TRIGGER audit_no_update_or_delete;
             UPDATE audit_events SET {column} = {value} WHERE seq = 3;
             ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_no_update_or_delete; COMMIT;"
        ))
        .execute(&pool)
        .await
        .unwrap();
        let check = audit::verify(&pool).await.unwrap();
        assert!(matches!(check, ChainCheck::Broken { seq: 3, .. }), "{column}: {check:?}");
        sqlx::raw_sql("BEGIN; ALTER TABLE audit_events DISABLE TRIGGER audit_no_update_or_delete; DELETE FROM audit_events WHERE seq >= 1; ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_no_update_or_delete; COMMIT;")
            .execute(&pool)
            .await
            .unwrap();
        for n in 0..5 {
            let event = NewEvent::fact("test.tamper", serde_json::json!([n]), serde_json::json!({ "n": n }), Outcome::Ok);
            audit::append(&pool, &context, event).await.unwrap();
        }
    }
    // A deleted event leaves a gap that verify reports.
    sqlx::raw_sql("BEGIN; ALTER TABLE audit_events DISABLE TRIGGER audit_no_update_or_delete; DELETE FROM audit_events WHERE seq = 4; ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_no_update_or_delete; COMMIT;")
        .execute(&pool)
        .await
        .unwrap();
    assert!(matches!(audit::verify(&pool).await.unwrap(), ChainCheck::Broken { seq: 4, .. }));
}

/// The real binary on a test database, optionally stopping itself at a crash point.
struct RunningPortal {
    child: std::process::Child,
    base: String,
}

impl RunningPortal {
    fn start(pool: &PgPool, data: &std::path::Path, crash: Option<(&str, &str)>) -> RunningPortal {
        let url = {
            let base = std::env::var("DATABASE_URL").unwrap();
            let (base, _) = base.rsplit_once('/').unwrap();
            format!("{base}/{}", pool.connect_options().get_database().unwrap())
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_voxdesk"));
        command
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(data)
            .env("DATABASE_URL", &url)
            .env("LEPTOS_OUTPUT_NAME", "voxdesk")
            .env("VOXDESK_LOG_FORMAT", "json")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        if let Some((variable, action)) = crash {
            command.env(variable, action);
        }
        let portal = RunningPortal { child: command.spawn().unwrap(), base: format!("http://127.0.0.1:{port}") };
        let health = format!("{}/healthz", portal.base);
        for _ in 0..200 {
            if Command::new("curl").args(["-fs", "-o", "/dev/null", &health]).status().is_ok_and(|s| s.success()) {
                return portal;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{} did not start", portal.base);
    }

    async fn signed_in(&self) -> reqwest::Client {
        let client = common::client();
        let form = [("username", "boss"), ("password", common::PASSWORD)];
        client.post(format!("{}/api/auth/login", self.base)).form(&form).send().await.unwrap();
        client
    }

    /// Sends a request the portal dies in the middle of.
    async fn dies_during(mut self, client: &reqwest::Client, path: &str, form: &[(&str, &str)]) {
        let interrupted = client.post(format!("{}{path}", self.base)).form(form).send().await;
        assert!(interrupted.is_err() || !interrupted.unwrap().status().is_success(), "the portal died mid-action");
        assert_eq!(self.child.wait().unwrap().code(), Some(86), "stopped at the crash point");
    }

    /// Waits for the portal to stop itself at its crash point (a job in the background),
    /// without blocking the test's runtime: the sandbox answers on it meanwhile.
    async fn exits_at_crash_point(mut self) {
        for _ in 0..600 {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert_eq!(status.code(), Some(86), "stopped at the crash point");
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the portal never reached its crash point");
    }

    fn stop(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

async fn unsettled(pool: &PgPool, action: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM audit_events e WHERE kind = 'intent' AND action = $1
           AND NOT EXISTS (SELECT 1 FROM audit_events o WHERE o.intent_seq = e.seq)",
    )
    .bind(action)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// What the reconciler found for each intent of `action` (waits for all of them).
async fn settlements(pool: &PgPool, action: &str, expected: usize) -> Vec<(Option<String>, String)> {
    for _ in 0..200 {
        let rows: Vec<(Option<String>, String)> = sqlx::query_as(
            "SELECT o.outcome, o.outcome_detail FROM audit_events o JOIN audit_events i ON o.intent_seq = i.seq
             WHERE i.action = $1 AND o.actor_name = 'reconciler' ORDER BY o.seq",
        )
        .bind(action)
        .fetch_all(pool)
        .await
        .unwrap();
        if rows.len() >= expected {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the reconciler did not settle {expected} intent(s) of {action}");
}

#[sqlx::test(migrations = false)]
async fn an_action_interrupted_after_its_intent_is_settled_after_a_restart(pool: PgPool) {
    server::database::migrate(&pool).await.unwrap();
    common::two_step_optional_for_every_role(&pool).await;
    add_user(&pool, "boss", Role::Admin).await;
    let data = tempfile::tempdir().unwrap();

    let first = RunningPortal::start(&pool, data.path(), Some(("VOXDESK_CRASH_AFTER_INTENT", "user.create")));
    let client = first.signed_in().await;
    let form = [("username", "ghost"), ("email", "ghost@voxdesk.example"), ("display_name", "Ghost"), ("role", "support")];
    first.dies_during(&client, "/api/users/create", &form).await;
    assert_eq!(unsettled(&pool, "user.create").await, 1, "the intent is there, without an outcome");

    let second = RunningPortal::start(&pool, data.path(), None);
    let settled = settlements(&pool, "user.create", 1).await;
    second.stop();
    assert!(settled[0].1.contains("does not exist: the action did not happen"), "{settled:?}");
    intact(&pool).await;
}

/// A database with the admin `boss`, a data directory and a sandbox: what the crash
/// tests start their portals on.
async fn crash_test_setup(pool: &PgPool) -> (tempfile::TempDir, sandbox::Sandbox, String) {
    server::database::migrate(pool).await.unwrap();
    common::two_step_optional_for_every_role(pool).await;
    add_user(pool, "boss", Role::Admin).await;
    let (sandbox, base_url) = common::start_sandbox().await;
    (tempfile::tempdir().unwrap(), sandbox, base_url)
}

impl RunningPortal {
    /// Adds the sandbox's parent as the connection "Main", as `client` (signed in here).
    async fn connect_sandbox(&self, client: &reqwest::Client, sandbox: &sandbox::Sandbox, base_url: &str) {
        let parent = sandbox.parent();
        let account_id = parent.account_id.to_string();
        let connection = [
            ("name", "Main"),
            ("kind", "api_key"),
            ("base_url", base_url),
            ("account_id", account_id.as_str()),
            ("api_key", parent.api_key.as_str()),
        ];
        let added = client.post(format!("{}/api/connections/add", self.base)).form(&connection).send().await.unwrap();
        assert_eq!(added.status(), StatusCode::OK);
    }
}

/// A Voximplant action cut short is settled by asking Voximplant: a child created
/// before the crash is found, one never sent is reported as not having happened.
#[sqlx::test(migrations = false)]
async fn an_interrupted_voximplant_action_is_settled_by_asking_voximplant(pool: PgPool) {
    let (data, sandbox, base_url) = crash_test_setup(&pool).await;
    let made_it_key = FormKey::random();
    let child_form = |name: &'static str, key: &'static str| {
        [
            ("child[account_name]", name),
            ("child[account_email]", "x@child.example"),
            ("child[account_password]", "Chi1d!secret"),
            ("form_key", key),
        ]
    };
    let made_it_form = child_form("made-it", made_it_key.as_str().to_string().leak());

    // Dies after Voximplant created the child, before the outcome was recorded.
    let first = RunningPortal::start(&pool, data.path(), Some(("VOXDESK_CRASH_BEFORE_OUTCOME", "child_account.create")));
    let client = first.signed_in().await;
    first.connect_sandbox(&client, &sandbox, &base_url).await;
    first.dies_during(&client, "/api/children/create", &made_it_form).await;
    assert!(sandbox.child_by_name("made-it").is_some(), "Voximplant did create it");

    // Dies before Voximplant is asked.
    let second = RunningPortal::start(&pool, data.path(), Some(("VOXDESK_CRASH_AFTER_INTENT", "child_account.create")));
    let client = second.signed_in().await;
    let never_made_key = FormKey::random();
    second.dies_during(&client, "/api/children/create", &child_form("never-made", never_made_key.as_str().to_string().leak())).await;
    assert!(sandbox.child_by_name("never-made").is_none());
    // (The second portal's reconciler may already have settled the first intent at start.)
    assert!(unsettled(&pool, "child_account.create").await >= 1);

    let third = RunningPortal::start(&pool, data.path(), None);
    let settled = settlements(&pool, "child_account.create", 2).await;
    third.stop();
    let made = sandbox.child_by_name("made-it").unwrap();
    assert_eq!(settled[0].0.as_deref(), Some("ok"), "{settled:?}");
    assert!(settled[0].1.contains(&format!("child account made-it exists (id {})", made.id)), "{settled:?}");
    assert_eq!(settled[1].0.as_deref(), Some("error"), "{settled:?}");
    assert!(settled[1].1.contains("never-made does not exist: the action did not happen"), "{settled:?}");
    assert_eq!(unsettled(&pool, "child_account.create").await, 0);

    // The user sends the form that was cut short again. Once its claim is old
    // enough to be abandoned, the portal finds the account and makes no second one.
    sqlx::query("UPDATE form_submissions SET claimed_at = now() - interval '2 minutes'").execute(&pool).await.unwrap();
    let fourth = RunningPortal::start(&pool, data.path(), None);
    let client = fourth.signed_in().await;
    let resent = client.post(format!("{}/api/children/create", fourth.base)).form(&made_it_form).send().await.unwrap();
    assert_eq!(resent.status(), StatusCode::OK);
    let answer: serde_json::Value = resent.json().await.unwrap();
    assert_eq!((answer["account_id"].as_u64(), answer["again"].as_bool()), (Some(made.id), Some(true)), "{answer}");
    fourth.stop();
    let named = sandbox.snapshot().accounts.values().filter(|a| a.name == "made-it").count();
    assert_eq!(named, 1, "one account for the form");
    intact(&pool).await;
}

/// `kill -9` in the middle of a clone and of an edit, after Voximplant did each: after a
/// restart the reconciler settles both by asking Voximplant — the clone exists once, the
/// edit reads back — and the chain verifies.
#[sqlx::test(migrations = false)]
async fn an_interrupted_clone_and_edit_are_settled_by_asking_voximplant(pool: PgPool) {
    let (data, sandbox, base_url) = crash_test_setup(&pool).await;
    let parent = sandbox.parent();
    let source = sandbox.snapshot().children_of(parent.account_id).next().expect("a seeded child").clone();
    let edited_language = if source.language_code == "de" { "es" } else { "de" };

    let first = RunningPortal::start(&pool, data.path(), Some(("VOXDESK_CRASH_BEFORE_OUTCOME", "child_account.clone")));
    let client = first.signed_in().await;
    first.connect_sandbox(&client, &sandbox, &base_url).await;
    let source_id = source.id.to_string();
    let key = FormKey::random();
    let clone_form = [
        ("source_account_id", source_id.as_str()),
        ("child[account_name]", "cloned-once"),
        ("child[account_email]", "clone@child.example"),
        ("child[account_password]", "Chi1d!secret"),
        ("form_key", key.as_str()),
    ];
    first.dies_during(&client, "/api/children/clone", &clone_form).await;
    assert!(sandbox.child_by_name("cloned-once").is_some(), "Voximplant did clone it");

    let second = RunningPortal::start(&pool, data.path(), Some(("VOXDESK_CRASH_BEFORE_OUTCOME", "child_account.update")));
    let client = second.signed_in().await;
    let edit_form = [("account_id", source_id.as_str()), ("changes[language_code]", edited_language)];
    second.dies_during(&client, "/api/children/update", &edit_form).await;
    assert_eq!(sandbox.snapshot().accounts[&source.id].language_code, edited_language, "Voximplant did change it");

    let third = RunningPortal::start(&pool, data.path(), None);
    let cloned = settlements(&pool, "child_account.clone", 1).await;
    let edited = settlements(&pool, "child_account.update", 1).await;
    third.stop();
    let made = sandbox.child_by_name("cloned-once").unwrap();
    assert_eq!(cloned[0].0.as_deref(), Some("ok"), "{cloned:?}");
    assert!(cloned[0].1.contains(&format!("cloned-once exists (id {})", made.id)), "{cloned:?}");
    assert_eq!(edited[0].0.as_deref(), Some("ok"), "{edited:?}");
    assert_eq!(sandbox.snapshot().accounts.values().filter(|a| a.name == "cloned-once").count(), 1);
    assert_eq!(unsettled(&pool, "child_account.clone").await + unsettled(&pool, "child_account.update").await, 0);
    intact(&pool).await;
}

#[sqlx::test(migrations = false)]
async fn an_action_that_cannot_be_audited_is_not_performed(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    add_user(&pool, "boss", Role::Admin).await;
    let admin = server.signed_in("boss").await;
    let (sandbox, base_url) = common::start_sandbox().await;
    let parent = sandbox.parent();
    let add = || AddConnection {
        name: "Main".into(),
        kind: "api_key".into(),
        base_url: base_url.clone(),
        account_id: Some(parent.account_id.to_string()),
        api_key: Some(parent.api_key.clone()),
        credentials_json: None,
    };
    let refuse_audit_writes = || {
        // As when the audit table's disk is full; everything else works.
        sqlx::query("ALTER TABLE audit_events ADD CONSTRAINT audit_refuses_writes CHECK (false) NOT VALID").execute(&pool)
    };
    let allow_audit_writes = || sqlx::query("ALTER TABLE audit_events DROP CONSTRAINT audit_refuses_writes").execute(&pool);

    refuse_audit_writes().await.unwrap();
    let refused = server.call(&admin, add()).await.unwrap_err();
    assert!(matches!(&refused, AppError::Unavailable { what, .. } if what == "The audit log"), "the user is told why: {refused:?}");
    assert_eq!(sandbox.calls(), 0, "Voximplant was never called");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM connections").fetch_one(&pool).await.unwrap();
    assert_eq!(stored, 0);

    // With the audit log back, the same request goes through, audited.
    allow_audit_writes().await.unwrap();
    server.call(&admin, add()).await.unwrap();
    assert_eq!(sandbox.calls(), 1);
    assert_eq!(events(&pool, "connection.add").await.len(), 2);

    // The same for a Voximplant mutation: no child is created while it cannot be audited.
    refuse_audit_writes().await.unwrap();
    let child = NewChild {
        account_name: "unaudited".into(),
        account_email: "unaudited@child.example".into(),
        account_password: "Chi1d!secret".into(),
        ..Default::default()
    };
    let refused = server.call(&admin, CreateChild { child, form_key: FormKey::random() }).await.unwrap_err();
    assert!(matches!(refused, AppError::Unavailable { .. }), "{refused:?}");
    assert_eq!(sandbox.calls(), 1, "Voximplant was never called");
    assert!(sandbox.child_by_name("unaudited").is_none());
    allow_audit_writes().await.unwrap();

    // PostgreSQL gone entirely (sessions too, so the HTTP layer may answer before the
    // server function does): refused, and still no call to Voximplant.
    pool.close().await;
    let body = serde_qs::to_string(&add()).unwrap();
    let refused = admin
        .post(server.url(AddConnection::PATH))
        .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(refused.status().is_server_error(), "{}", refused.status());
    assert_eq!(sandbox.calls(), 1);
}

#[sqlx::test(migrations = false)]
async fn archival_is_the_only_deletion_and_the_rest_still_verifies(pool: PgPool) {
    server::database::migrate(&pool).await.unwrap();
    let context = AuditContext::system("test");
    for n in 0..5 {
        let event = NewEvent::fact("test.old", serde_json::json!([n]), serde_json::json!({ "n": n }), Outcome::Ok);
        audit::append(&pool, &context, event).await.unwrap();
    }
    // An intent whose outcome comes after the cut stays with it.
    const PAIR: app::action::Audited = app::action::Audited::new("test.pair");
    audit::audited(&pool, &context, &PAIR, serde_json::json!([]), serde_json::json!({}), || async {
        Ok(audit::Performed::new(()))
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("archive.jsonl");
    let cut = chrono::Utc::now() + chrono::Duration::days(1);
    let archived = audit::archive(&pool, &context, cut, &file).await.unwrap().expect("events archived");
    assert_eq!((archived.through_seq, archived.events), (7, 7), "events 1-5 and the intent/outcome pair");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 7);
    assert!(lines.iter().all(|l| l["hash"].as_str().is_some_and(|h| h.len() == 64)));
    // What remains: the archival's own intent and outcome, chaining on from the checkpoint.
    let remaining: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_events ORDER BY seq").fetch_all(&pool).await.unwrap();
    assert_eq!(remaining, vec!["audit.archive", "audit.archive"]);
    let ChainCheck::Intact { events, head_seq, .. } = intact(&pool).await else { unreachable!() };
    assert_eq!((events, head_seq), (2, 9));
    // Outside the archival nothing deletes, not even with the flag set by hand.
    let mut connection = pool.acquire().await.unwrap();
    for statement in [
        "DELETE FROM audit_events",
        "SELECT set_config('voxdesk.audit_archiving', 'on', false); DELETE FROM audit_events WHERE seq = 9",
        "SELECT audit_archive(9)",
    ] {
        let error = sqlx::raw_sql(statement).execute(&mut *connection).await.unwrap_err();
        assert!(error.to_string().contains("append-only") || error.to_string().contains("no checkpoint"), "{statement}: {error}");
    }
    // The archive file is never overwritten.
    assert!(audit::archive(&pool, &context, cut, &file).await.is_err());

    // The file checks out on its own: every column is in it, hashes recompute, links hold.
    let text = std::fs::read_to_string(&file).unwrap();
    let check = audit::verify_file(text.as_bytes(), false);
    let FileCheck::Intact { events: 7, first_seq: 1, last_seq: 7, starts_after, gaps: 0, .. } = &check else { panic!("{check:?}") };
    assert_eq!(*starts_after, audit::genesis_hex());
    // One changed value, a removed line, lines swapped: each is found, at its line.
    let lines: Vec<&str> = text.lines().collect();
    let changed = text.replacen("\"targets\":\"[2]\"", "\"targets\":\"[9]\"", 1);
    assert_ne!(changed, text);
    assert!(matches!(audit::verify_file(changed.as_bytes(), false), FileCheck::Broken { line: 3, .. }), "{:?}", audit::verify_file(changed.as_bytes(), false));
    let without_third = [&lines[..2], &lines[3..]].concat().join("\n");
    let check = audit::verify_file(without_third.as_bytes(), false);
    assert!(matches!(&check, FileCheck::Broken { line: 3, reason } if reason.contains("event 3 is missing")), "{check:?}");
    // A filtered export may leave events out; what is there still checks out.
    assert!(matches!(audit::verify_file(without_third.as_bytes(), true), FileCheck::Intact { events: 6, gaps: 1, .. }));
    let mut swapped = lines.clone();
    swapped.swap(1, 2);
    assert!(matches!(audit::verify_file(swapped.join("\n").as_bytes(), false), FileCheck::Broken { line: 2, .. }));
    // Re-hashing a changed line does not help: the next line's link gives it away.
    let mut forged: audit::StoredEvent = serde_json::from_str(lines[2]).unwrap();
    forged.record.params = "{\"n\":99}".into();
    forged.hash = forged.record.hash();
    let mut rewritten = lines.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    rewritten[2] = serde_json::to_string(&forged).unwrap();
    let check = audit::verify_file(rewritten.join("\n").as_bytes(), false);
    assert!(matches!(&check, FileCheck::Broken { line: 4, reason } if reason.contains("link")), "{check:?}");
}

/// An intent with no outcome yet is never archived, nor anything after it: its outcome,
/// written later by the reconciler or the action itself, must still find it.
#[sqlx::test(migrations = false)]
async fn archival_stops_before_an_intent_still_waiting_for_its_outcome(pool: PgPool) {
    server::database::migrate(&pool).await.unwrap();
    let context = AuditContext::system("test");
    let fact = |n: i32| NewEvent::fact("test.old", serde_json::json!([n]), serde_json::json!({ "n": n }), Outcome::Ok);
    audit::append(&pool, &context, fact(1)).await.unwrap();
    audit::append(&pool, &context, fact(2)).await.unwrap();
    let open = NewEvent::intent(&app::action::Audited::new("test.running"), serde_json::json!([]), serde_json::json!({}));
    let open_seq = audit::append(&pool, &context, open).await.unwrap();
    audit::append(&pool, &context, fact(4)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cut = chrono::Utc::now() + chrono::Duration::days(1);
    let archived = audit::archive(&pool, &context, cut, &dir.path().join("a.jsonl")).await.unwrap().unwrap();
    assert_eq!((archived.through_seq, archived.events), (open_seq - 1, 2));
    // The outcome comes later, and lands.
    let outcome = NewEvent::outcome(open_seq, "test.running", None, serde_json::json!([]), Outcome::Ok);
    audit::append(&pool, &context, outcome).await.unwrap();
    assert!(matches!(intact(&pool).await, ChainCheck::Intact { .. }));
}

/// The reconciler looks for what creation stores, not what was typed: a user typed
/// "  Alice " is created as "alice", and an interrupted create of it is settled as done.
#[sqlx::test(migrations = false)]
async fn an_interrupted_create_typed_in_capitals_is_found(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    let context = app::audit::ssr::AuditContext::system("test");
    for (action, params) in [
        (&app::users::actions::CREATE, serde_json::json!({ "username": "  Alice " })),
        (&app::connections::actions::ADD, serde_json::json!({ "name": " Main " })),
    ] {
        let intent = app::audit::ssr::NewEvent::intent(action, serde_json::json!([]), params);
        app::audit::ssr::append(&pool, &context, intent).await.unwrap();
    }
    add_user(&pool, "alice", Role::Support).await;
    sqlx::query(
        "INSERT INTO connections (id, name, kind, base_url, account_id, account_name, fingerprint, alg, kek_id, wrapped_dek, dek_nonce, nonce, ciphertext)
         VALUES (gen_random_uuid(), 'Main', 'api_key', 'https://api.voximplant.com/platform_api/', 1, 'x', 'x', 'x', 'x', '', '', '', '')",
    )
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(app::registry::reconcile(&server.backend, 0).await.unwrap(), 2);
    for action in ["user.create", "connection.add"] {
        let settled = audit_events(&pool, action).await.pop().unwrap();
        assert_eq!(settled.outcome.as_deref(), Some("ok"), "{action}: {settled:?}");
    }
}

/// The JSON Lines export holds every stored column, so it verifies without the
/// database: the whole log as a chain, a filtered one event by event.
#[sqlx::test(migrations = false)]
async fn a_json_lines_export_verifies_on_its_own(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    add_user(&pool, "ada", Role::Admin).await;
    add_user(&pool, "bob", Role::Support).await;
    let admin = server.signed_in("ada").await;
    let export = |query: &'static str| {
        let (admin, url) = (admin.clone(), server.url(&format!("/audit/export.jsonl{query}")));
        async move { admin.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let everything = export("").await;
    let check = audit::verify_file(everything.as_bytes(), false);
    assert!(matches!(check, FileCheck::Intact { events: 2, gaps: 0, .. }), "the login and the export itself: {check:?}");
    server.signed_in("bob").await;
    let filtered = export("?action=user.login").await;
    let check = audit::verify_file(filtered.as_bytes(), true);
    assert!(matches!(check, FileCheck::Intact { events: 2, gaps: 1, .. }), "two logins, the export between them left out: {check:?}");
    assert!(matches!(audit::verify_file(filtered.as_bytes(), false), FileCheck::Broken { line: 2, .. }));
    let tampered = filtered.replacen("bob", "eve", 1);
    assert!(matches!(audit::verify_file(tampered.as_bytes(), true), FileCheck::Broken { .. }));
}

/// Whoever owns the database can change an event and recompute every hash after it:
/// the chain then verifies, but the head signed before (with a key outside the
/// database) no longer matches.
#[sqlx::test(migrations = false)]
async fn a_rewritten_history_is_caught_by_the_signed_head(pool: PgPool) {
    use server::audit_head::HeadSigner;
    server::database::migrate(&pool).await.unwrap();
    let context = AuditContext::system("test");
    let fact = |n: i32| NewEvent::fact("test.signed", serde_json::json!([n]), serde_json::json!({ "n": n }), Outcome::Ok);
    for n in 1..=3 {
        audit::append(&pool, &context, fact(n)).await.unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let signer = HeadSigner::open(dir.path()).unwrap();
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(dir.path().join("audit-head.key")).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "the signing key is its owner's alone");
    let signed = signer.publish(&pool, None).await.unwrap();
    assert_eq!(signed, Some(3));
    assert_eq!(signer.publish(&pool, signed).await.unwrap(), signed, "an unchanged head is not signed again");
    audit::append(&pool, &context, fact(4)).await.unwrap();
    assert_eq!(signer.publish(&pool, signed).await.unwrap(), Some(4));
    assert_eq!(std::fs::read_to_string(signer.heads_file()).unwrap().lines().count(), 2);
    let check = signer.check(&pool).await.unwrap();
    assert_eq!((check.matched, check.problem), (2, None));

    // The rewrite: event 2 says something else, and every hash from it on is recomputed.
    let rows: Vec<audit::StoredEvent> =
        sqlx::query_as(&format!("SELECT {} FROM audit_events ORDER BY seq", audit::COLUMNS)).fetch_all(&pool).await.unwrap();
    let mut transaction = pool.begin().await.unwrap();
    sqlx::query("ALTER TABLE audit_events DISABLE TRIGGER audit_no_update_or_delete").execute(&mut *transaction).await.unwrap();
    let mut previous = rows[0].hash.clone();
    for mut row in rows.into_iter().skip(1) {
        if row.record.seq == 2 {
            row.record.params = "{\"n\":200}".into();
        }
        row.record.prev_hash = previous;
        row.hash = row.record.hash();
        previous = row.hash.clone();
        sqlx::query("UPDATE audit_events SET params = $1, prev_hash = $2, hash = $3 WHERE seq = $4")
            .bind(&row.record.params)
            .bind(&row.record.prev_hash)
            .bind(&row.hash)
            .bind(row.record.seq)
            .execute(&mut *transaction)
            .await
            .unwrap();
    }
    sqlx::query("ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_no_update_or_delete").execute(&mut *transaction).await.unwrap();
    transaction.commit().await.unwrap();
    assert!(matches!(intact(&pool).await, ChainCheck::Intact { events: 4, .. }), "the chain alone cannot tell");
    let check = signer.check(&pool).await.unwrap();
    let problem = check.problem.expect("the signed head catches the rewrite");
    assert!(problem.contains("event 3 is not the one signed") && problem.contains("rewritten"), "{problem}");

    // A head file signed with another key is not taken on trust.
    let other = tempfile::tempdir().unwrap();
    std::fs::copy(signer.heads_file(), other.path().join("audit-heads.jsonl")).unwrap();
    let stranger = HeadSigner::open(other.path()).unwrap();
    assert!(stranger.check(&pool).await.unwrap().problem.unwrap().contains("not signed with this key"));
}

/// An intent written on a database that has never seen this process records the
/// process (in the same statement as the intent) and names it as the intent's owner;
/// its outcome releases the owner row.
#[sqlx::test(migrations = false)]
async fn an_open_intent_names_this_process_as_its_owner(pool: PgPool) {
    server::database::migrate(&pool).await.unwrap();
    let this = audit::this_instance();
    let context = AuditContext::system("test");
    let action = app::action::Audited::new("test.owned");
    let intent = audit::append(&pool, &context, NewEvent::intent(&action, serde_json::json!([]), serde_json::json!({}))).await.unwrap();
    let owner: (uuid::Uuid, String, i32) = sqlx::query_as(
        "SELECT i.id, i.host, i.pid FROM audit_intent_owners w JOIN portal_instances i ON i.id = w.instance_id WHERE w.intent_seq = $1",
    )
    .bind(intent)
    .fetch_one(&pool)
    .await
    .expect("the open intent has an owner, recorded as present");
    assert_eq!(owner, (this.id, this.host.clone(), this.pid));

    let fact = audit::append(&pool, &context, NewEvent::fact("test.fact", serde_json::json!([]), serde_json::json!({}), Outcome::Ok)).await.unwrap();
    let owners: Vec<i64> = sqlx::query_scalar("SELECT intent_seq FROM audit_intent_owners").fetch_all(&pool).await.unwrap();
    assert_eq!(owners, vec![intent], "a fact has no owner row (event {fact})");

    audit::append(&pool, &context, NewEvent::outcome(intent, "test.owned", None, serde_json::json!([]), Outcome::Ok)).await.unwrap();
    let owners: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_intent_owners").fetch_one(&pool).await.unwrap();
    assert_eq!(owners, 0, "the outcome released the owner row");
    assert!(matches!(intact(&pool).await, ChainCheck::Intact { events: 3, .. }));
}

/// With two instances, the server's pass settles only intents whose process is gone:
/// never another instance's action in flight, nor its own.
#[sqlx::test(migrations = false)]
async fn the_reconciler_leaves_a_running_instances_action_alone(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    let context = AuditContext::system("test");
    let this = audit::this_instance();
    // An open intent, and who wrote it: (id, host, pid, seconds since its heartbeat).
    let open_by = |host: String, pid: i32, silent_for: i64| {
        let pool = pool.clone();
        let context = context.clone();
        async move {
            let intent = NewEvent::intent(&app::action::Audited::new("test.inflight"), serde_json::json!([]), serde_json::json!({}));
            let seq = audit::append(&pool, &context, intent).await.unwrap();
            let owner = uuid::Uuid::new_v4();
            sqlx::query("INSERT INTO portal_instances (id, host, pid, heartbeat_at) VALUES ($1, $2, $3, now() - make_interval(secs => $4))")
                .bind(owner)
                .bind(host)
                .bind(pid)
                .bind(silent_for as f64)
                .execute(&pool)
                .await
                .unwrap();
            sqlx::query("UPDATE audit_intent_owners SET instance_id = $1 WHERE intent_seq = $2").bind(owner).bind(seq).execute(&pool).await.unwrap();
            seq
        }
    };
    let settled_intents = || async {
        let seqs: Vec<Option<i64>> = sqlx::query_scalar("SELECT intent_seq FROM audit_events WHERE kind = 'outcome' ORDER BY intent_seq")
            .fetch_all(&pool)
            .await
            .unwrap();
        seqs.into_iter().flatten().collect::<Vec<i64>>()
    };
    // Alive elsewhere (a fresh heartbeat), alive here (pid 1 always runs), and this process.
    let elsewhere = open_by("other-host/boot".into(), 4242, 5).await;
    let here_alive = open_by(this.host.clone(), 1, 5).await;
    let own = audit::append(&pool, &context, NewEvent::intent(&app::action::Audited::new("test.inflight"), serde_json::json!([]), serde_json::json!({}))).await.unwrap();
    // Gone: elsewhere with no heartbeat for 10 minutes, and here with a pid that is not running.
    let elsewhere_silent = open_by("other-host/boot".into(), 4242, 600).await;
    let dead_pid = (900_000..4_000_000).find(|pid| !audit::pid_running(*pid)).unwrap();
    let here_dead = open_by(this.host.clone(), dead_pid, 5).await;

    assert_eq!(app::registry::reconcile_orphaned(&server.backend).await.unwrap(), 2);
    assert_eq!(settled_intents().await, vec![elsewhere_silent, here_dead]);
    // The others stay open, as their actions are still running; "settle everything" takes them.
    assert_eq!(app::registry::reconcile(&server.backend, 0).await.unwrap(), 3);
    let mut all = vec![elsewhere, here_alive, own, elsewhere_silent, here_dead];
    all.sort();
    assert_eq!(settled_intents().await, all);
    let owners: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_intent_owners").fetch_one(&pool).await.unwrap();
    assert_eq!(owners, 0, "an outcome removes its intent's owner row");
    assert!(matches!(intact(&pool).await, ChainCheck::Intact { .. }));
}

#[sqlx::test(migrations = false)]
async fn a_change_whose_client_hangs_up_still_gets_its_outcome(pool: PgPool) {
    use sandbox::faults::{Fault, Faults};
    let portal = Portal::start(&pool).await;
    let child = portal.sandbox.snapshot().accounts.values().find(|a| a.parent_id.is_some()).cloned().unwrap();
    // Voximplant takes 800 ms over the edit; the client gives up after 200.
    let slow = Fault { latency_ms: 800, ..Default::default() };
    portal.sandbox.set_faults(Faults([("SetChildAccountInfo".to_string(), slow)].into()));
    let language = if child.language_code == "de" { "es" } else { "de" };
    let changes = ChildChanges { language_code: Some(language.into()), ..Default::default() };
    let body = serde_qs::to_string(&UpdateChild { account_id: child.id, changes }).unwrap();
    let hung_up = portal
        .as_role(Role::Reseller)
        .post(portal.server.url(UpdateChild::PATH))
        .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
        .timeout(Duration::from_millis(200))
        .send()
        .await;
    assert!(hung_up.is_err_and(|e| e.is_timeout()), "the client was meant to give up first");

    // The edit goes on without it: Voximplant changes, and the intent gets its outcome
    // now (not when the reconciler runs, minutes later).
    let started = std::time::Instant::now();
    let events = loop {
        let events = audit_events(&pool, "child_account.update").await;
        if events.iter().any(|e| e.kind == "outcome") || started.elapsed() > Duration::from_secs(10) {
            break events;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let kinds: Vec<_> = events.iter().map(|e| (e.kind.as_str(), e.outcome.as_deref())).collect();
    println!("after the client hung up: {kinds:?}");
    assert_eq!(kinds, [("intent", None), ("outcome", Some("ok"))]);
    assert_eq!(portal.sandbox.snapshot().accounts[&child.id].language_code, language);
}

/// `kill -9` in the middle of a bulk job, after Voximplant did its chunk: after a
/// restart the reconciler settles the chunk by reading the accounts back (the job's page
/// counts it), and the job — whose process is gone — is shown as interrupted at once,
/// its own intent settled.
#[sqlx::test(migrations = false)]
async fn an_interrupted_bulk_job_is_settled_and_shown_as_interrupted(pool: PgPool) {
    let (data, sandbox, base_url) = crash_test_setup(&pool).await;
    let parent = sandbox.parent();
    let picked: Vec<u64> = sandbox.snapshot().children_of(parent.account_id).filter(|a| a.active).map(|a| a.id).take(3).collect();
    assert_eq!(picked.len(), 3);

    let first = RunningPortal::start(&pool, data.path(), Some(("VOXDESK_CRASH_BEFORE_OUTCOME", "child_account.bulk.chunk")));
    let client = first.signed_in().await;
    first.connect_sandbox(&client, &sandbox, &base_url).await;
    let form: Vec<(String, String)> =
        picked.iter().enumerate().map(|(i, id)| (format!("selection[ids][{i}]"), id.to_string())).collect();
    // The job starts in the background; the process dies while it runs (the answer
    // naming the job may or may not get out first).
    let _ = client.post(format!("{}/api/children/bulk/deactivate", first.base)).form(&form).send().await;
    first.exits_at_crash_point().await;
    let now = sandbox.snapshot();
    assert!(picked.iter().all(|id| !now.accounts[id].active), "Voximplant did the chunk");

    let second = RunningPortal::start(&pool, data.path(), None);
    let chunk = settlements(&pool, "child_account.bulk.chunk", 1).await;
    let job = settlements(&pool, "child_account.bulk.deactivate", 1).await;
    println!("after the restart: chunk {chunk:?}, job {job:?}");
    assert_eq!(chunk[0].0.as_deref(), Some("ok"), "{chunk:?}");
    assert!(chunk[0].1.contains("all 3 accounts have the job's values"), "{chunk:?}");
    assert_eq!(job[0].0.as_deref(), Some("unknown"), "{job:?}");
    assert!(job[0].1.contains("interrupted"), "{job:?}");

    let id: String = sqlx::query_scalar("SELECT id::text FROM bulk_jobs").fetch_one(&pool).await.unwrap();
    let client = second.signed_in().await;
    let shown: serde_json::Value =
        client.post(format!("{}/api/children/bulk/job", second.base)).form(&[("id", id.as_str())]).send().await.unwrap().json().await.unwrap();
    second.stop();
    println!("the job as its page shows it: {shown}");
    assert_eq!(shown["state"], "Interrupted", "{shown}");
    assert_eq!((shown["processed"].as_u64(), shown["failed"].as_array().map(Vec::len)), (Some(3), Some(0)), "the settled chunk counts: {shown}");
    assert!(shown["message"].as_str().unwrap_or_default().contains("The portal stopped while this job ran"), "{shown}");
    assert_eq!(unsettled(&pool, "child_account.bulk.chunk").await + unsettled(&pool, "child_account.bulk.deactivate").await, 0);
    intact(&pool).await;
}
