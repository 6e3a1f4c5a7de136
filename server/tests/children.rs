//! Creating child accounts through the portal, against a real sandbox over HTTP:
//! the rules, Voximplant's refusals next to their fields, who may, and the new
//! API key shown once and kept nowhere.

mod common;

use app::auth::Role;
use common::add_user;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;

async fn connected_portal(pool: &PgPool) -> (common::TestServer, sandbox::Sandbox, reqwest::Client) {
    let server = common::start(pool.clone()).await;
    add_user(pool, "boss", Role::Admin).await;
    let (sandbox, base_url) = common::start_sandbox().await;
    let admin = server.signed_in("boss").await;
    let form = common::connection_form(&sandbox, &base_url);
    let added = admin.post(server.url("/api/connections/add")).form(&form).send().await.unwrap();
    assert_eq!(added.status(), StatusCode::OK);
    (server, sandbox, admin)
}

fn child(name: &str, email: &str, password: &str) -> Vec<(&'static str, String)> {
    vec![
        ("child[account_name]", name.into()),
        ("child[account_email]", email.into()),
        ("child[account_password]", password.into()),
        ("child[location]", "Europe/Berlin".into()),
        ("child[account_notifications]", "true".into()),
    ]
}

async fn create(server: &common::TestServer, client: &reqwest::Client, form: &[(&str, String)]) -> (StatusCode, Value) {
    let response = client.post(server.url("/api/children/create")).form(form).send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

#[sqlx::test(migrations = false)]
async fn a_child_is_created_inactive_and_its_key_is_shown_once(pool: PgPool) {
    let (server, sandbox, admin) = connected_portal(&pool).await;
    let (status, created) = create(&server, &admin, &child("acme-corp", "ops@acme.example", "Str0ng!pass")).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let stored = sandbox.child_by_name("acme-corp").expect("Voximplant has the child");
    assert_eq!(created["account_id"], stored.id);
    assert_eq!(created["active"], false, "children start inactive");
    assert!(!stored.active);
    assert_eq!(stored.location, "Europe/Berlin");
    assert_eq!(stored.email, "ops@acme.example");
    assert_eq!(created["api_key"], stored.api_key.as_str(), "the new key is shown");

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
    let (server, sandbox, admin) = connected_portal(&pool).await;
    let calls = sandbox.calls();

    // Broken rules are refused before Voximplant is asked.
    for (form, field, words) in [
        (child("ab", "a@b.example", "Str0ng!pass"), "account_name", "5 to 20 characters"),
        (child("Acme-corp", "a@b.example", "Str0ng!pass"), "account_name", "lowercase"),
        (child("acme-corp", "not-an-email", "Str0ng!pass"), "account_email", "email address"),
        (child("acme-corp", "a@b.example", "weakpassword"), "account_password", "uppercase"),
    ] {
        let (status, error) = create(&server, &admin, &form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
        assert_eq!(error["Invalid"]["field"], field, "{error}");
        assert!(error["Invalid"]["message"].as_str().unwrap().contains(words), "{error}");
    }
    assert_eq!(sandbox.calls(), calls, "nothing invalid reached Voximplant");

    // Voximplant's own refusals: a taken name or email lands on that field, and the
    // audit log has the upstream code.
    let (status, _) = create(&server, &admin, &child("acme-corp", "ops@acme.example", "Str0ng!pass")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, error) = create(&server, &admin, &child("acme-corp", "other@acme.example", "Str0ng!pass")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error["Invalid"]["field"], "account_name", "{error}");
    assert!(error["Invalid"]["message"].as_str().unwrap().contains("already taken"), "{error}");
    let (status, error) = create(&server, &admin, &child("acme-two", "ops@acme.example", "Str0ng!pass")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error["Invalid"]["field"], "account_email", "{error}");
    let invalid: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'child_account.create' AND kind = 'outcome' AND outcome = 'invalid'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(invalid, 4, "invalid attempts are on record");
    let refusals: Vec<(String, String)> = sqlx::query_as(
        "SELECT outcome, outcome_detail FROM audit_events WHERE action = 'child_account.create' AND kind = 'outcome' AND outcome = 'upstream_error' ORDER BY seq",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(refusals.len(), 2);
    assert_eq!(refusals[0].0, "upstream_error");
    assert!(refusals[0].1.contains("\"code\":106"), "{:?}", refusals[0]);
    assert!(refusals[1].1.contains("\"code\":128"), "{:?}", refusals[1]);
}

#[sqlx::test(migrations = false)]
async fn only_resellers_and_admins_create_and_voximplant_trouble_is_explained(pool: PgPool) {
    let (server, sandbox, _) = connected_portal(&pool).await;
    add_user(&pool, "helpdesk", Role::Support).await;
    add_user(&pool, "seller", Role::Reseller).await;
    let support = server.signed_in("helpdesk").await;
    let (status, _) = create(&server, &support, &child("by-support", "s@acme.example", "Str0ng!pass")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(sandbox.child_by_name("by-support").is_none());

    let seller = server.signed_in("seller").await;
    let (status, _) = create(&server, &seller, &child("by-seller", "r@acme.example", "Str0ng!pass")).await;
    assert_eq!(status, StatusCode::OK);

    // Voximplant failing: a clear message, no internal detail.
    let outage = sandbox::faults::Fault { http_status: Some(503), ..Default::default() };
    sandbox.set_faults(sandbox::faults::Faults([("AddAccount".to_string(), outage)].into()));
    let (status, error) = create(&server, &seller, &child("in-outage", "o@acme.example", "Str0ng!pass")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{error}");
    assert_eq!(error["Unavailable"]["what"], "Voximplant", "{error}");
    assert!(!error.to_string().contains("503"), "{error}");
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
    assert_eq!(app::audit::ssr::reconcile(&server.backend, 0).await.unwrap(), 1);
    assert_eq!(unsettled().await.unwrap(), 0);
    let (outcome, detail): (String, String) = sqlx::query_as(
        "SELECT outcome, outcome_detail FROM audit_events WHERE action = 'child_account.create' AND kind = 'outcome' ORDER BY seq DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(outcome, "error");
    assert!(detail.contains("in-outage does not exist"), "{detail}");
    assert_eq!(app::audit::ssr::reconcile(&server.backend, 0).await.unwrap(), 0, "settled once");
}
