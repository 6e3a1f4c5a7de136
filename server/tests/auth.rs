//! Identity over real HTTP against a real PostgreSQL: login, sessions, expiry,
//! throttling, role changes, CSRF, and the role × server-function matrix.

mod common;

use std::time::Duration;

use app::{
    access::{Access, Role},
    backend::AuthConfig,
    registry,
};
use leptos::server_fn::ServerFn;
use common::{add_user, client, PASSWORD};
use futures::StreamExt;
use reqwest::StatusCode;
use sqlx::PgPool;

async fn session_rows(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM tower_sessions.session").fetch_one(pool).await.unwrap()
}

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("voxdesk_session="))
        .map(|c| c.split(';').next().unwrap().to_string())
}

#[sqlx::test(migrations = false)]
async fn login_gives_a_session_and_the_pages(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    add_user(&pool, "grace", Role::Reseller).await;
    let client = client();
    let response = server.login(&client, "Grace ", PASSWORD).await;
    assert!(response.status().is_redirection() || response.status().is_success(), "{}", response.status());
    let cookie = session_cookie(&response).expect("a session cookie");
    assert!(cookie.len() > 20);
    let me = server.me(&client).await;
    assert_eq!(me["username"], "grace");
    assert_eq!(me["role"], "reseller");
    let page = client.get(server.url("/children")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    // A page of another role explains itself with a 403 rather than failing.
    let admin_only = client.get(server.url("/admin")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(admin_only.status(), StatusCode::FORBIDDEN);
    assert!(admin_only.text().await.unwrap().contains("This page is not available for your role"));
}

#[sqlx::test(migrations = false)]
async fn wrong_password_and_unknown_user_get_the_same_answer(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    add_user(&pool, "grace", Role::Reseller).await;
    let wrong = server.login(&client(), "grace", "not the password").await;
    let unknown = server.login(&client(), "nobody", "not the password").await;
    assert_eq!(wrong.status(), unknown.status());
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(session_cookie(&wrong).is_none());
    let (wrong, unknown) = (wrong.text().await.unwrap(), unknown.text().await.unwrap());
    assert_eq!(wrong, unknown);
    assert!(wrong.contains("The username or password is incorrect."), "{wrong}");
}

#[sqlx::test(migrations = false)]
async fn disabled_users_cannot_log_in(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    let id = add_user(&pool, "grace", Role::Reseller).await;
    app::users::ssr::set_active(&pool, id.parse().unwrap(), false).await.unwrap();
    let response = server.login(&client(), "grace", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[sqlx::test(migrations = false)]
async fn failed_logins_are_throttled_per_name_and_the_lock_expires(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    add_user(&pool, "grace", Role::Reseller).await;
    for _ in 0..5 {
        assert_eq!(server.login(&client(), "grace", "guess").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Even the right password is refused while locked, with a clear message.
    let locked = server.login(&client(), "grace", PASSWORD).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.text().await.unwrap().contains("RateLimited"));
    // The lock is soft: once it has expired, the right password works again.
    sqlx::query("UPDATE login_throttle SET locked_until = now() - interval '1 second', window_start = now() - interval '1 hour'")
        .execute(&pool)
        .await
        .unwrap();
    let response = server.login(&client(), "grace", PASSWORD).await;
    assert!(response.status().is_redirection() || response.status().is_success());
}

#[sqlx::test(migrations = false)]
async fn one_address_guessing_many_names_is_throttled(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    add_user(&pool, "grace", Role::Reseller).await;
    for n in 0..20 {
        server.login(&client(), &format!("name{n}"), "guess").await;
    }
    let response = server.login(&client(), "grace", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "the address is locked, whatever the name");
}

#[sqlx::test(migrations = false)]
async fn login_cycles_the_session_id(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    add_user(&pool, "grace", Role::Reseller).await;
    add_user(&pool, "linus", Role::Support).await;
    let client = client();
    let first = session_cookie(&server.login(&client, "grace", PASSWORD).await).unwrap();
    let second = session_cookie(&server.login(&client, "linus", PASSWORD).await).unwrap();
    assert_ne!(first, second, "a new login gets a new session id");
    // The login event names the session the login opened, not the one before it.
    let recorded: Vec<Option<String>> =
        sqlx::query_scalar("SELECT session_ref FROM audit_events WHERE action = 'user.login' AND outcome = 'ok' ORDER BY seq")
            .fetch_all(&pool)
            .await
            .unwrap();
    let reference = |cookie: &str| Some(app::audit::ssr::session_reference(cookie.trim_start_matches("voxdesk_session=")));
    assert_eq!(recorded, [reference(&first), reference(&second)]);
    // The earlier id is dead: replaying it is anonymous.
    let replay = reqwest::Client::new()
        .post(server.url("/api/auth/me"))
        .header("cookie", &first)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.json::<serde_json::Value>().await.unwrap(), serde_json::Value::Null);
    // A cookie the attacker planted never becomes anyone's session.
    let planted = "voxdesk_session=plantedvalueplantedvalue";
    let victim = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let login = victim
        .post(server.url("/api/auth/login"))
        .header("cookie", planted)
        .form(&[("username", "grace"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_ne!(session_cookie(&login).unwrap(), planted);
}

#[sqlx::test(migrations = false)]
async fn logout_ends_the_session_on_the_server(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    add_user(&pool, "grace", Role::Reseller).await;
    let client = client();
    let cookie = session_cookie(&server.login(&client, "grace", PASSWORD).await).unwrap();
    assert_eq!(session_rows(&pool).await, 1);
    client.post(server.url("/api/auth/logout")).send().await.unwrap();
    assert_eq!(session_rows(&pool).await, 0);
    let replay = reqwest::Client::new().post(server.url("/api/auth/me")).header("cookie", cookie).send().await.unwrap();
    assert_eq!(replay.json::<serde_json::Value>().await.unwrap(), serde_json::Value::Null);
}

#[sqlx::test(migrations = false)]
async fn idle_sessions_expire(pool: PgPool) {
    let auth = AuthConfig { idle_timeout: Duration::from_secs(1), absolute_timeout: Duration::from_secs(3600), ..Default::default() };
    let server = common::start_with(pool.clone(), auth).await;
    add_user(&pool, "grace", Role::Reseller).await;
    let client = server.signed_in("grace").await;
    assert_eq!(server.me(&client).await["username"], "grace");
    tokio::time::sleep(Duration::from_millis(2200)).await;
    assert_eq!(server.me(&client).await, serde_json::Value::Null);
}

#[sqlx::test(migrations = false)]
async fn sessions_end_at_the_absolute_limit_however_active(pool: PgPool) {
    let auth = AuthConfig { idle_timeout: Duration::from_secs(3600), absolute_timeout: Duration::from_secs(2), ..Default::default() };
    let server = common::start_with(pool.clone(), auth).await;
    add_user(&pool, "grace", Role::Reseller).await;
    let client = server.signed_in("grace").await;
    for _ in 0..3 {
        assert_eq!(server.me(&client).await["username"], "grace");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(server.me(&client).await, serde_json::Value::Null);
    assert_eq!(session_rows(&pool).await, 0, "the expired session is removed");
}

#[sqlx::test(migrations = false)]
async fn disabling_or_changing_a_role_ends_sessions_at_the_next_request(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    let grace = add_user(&pool, "grace", Role::Reseller).await;
    let linus = add_user(&pool, "linus", Role::Reseller).await;
    let grace_client = server.signed_in("grace").await;
    let linus_client = server.signed_in("linus").await;
    app::users::ssr::set_active(&pool, grace.parse().unwrap(), false).await.unwrap();
    assert_eq!(server.me(&grace_client).await, serde_json::Value::Null);
    app::users::ssr::set_role(&pool, linus.parse().unwrap(), Role::Auditor).await.unwrap();
    assert_eq!(server.me(&linus_client).await, serde_json::Value::Null);
    // Signing in again picks up the new role.
    let again = server.signed_in("linus").await;
    assert_eq!(server.me(&again).await["role"], "auditor");
}

#[sqlx::test(migrations = false)]
async fn first_run_setup_exists_only_while_nobody_does(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    let needed: bool = client().post(server.url("/api/auth/setup-needed")).send().await.unwrap().json().await.unwrap();
    assert!(needed);
    let form = [
        ("username", "first"),
        ("email", "first@voxdesk.example"),
        ("display_name", "First Admin"),
        ("password", PASSWORD),
    ];
    let admin = client();
    let response = admin.post(server.url("/api/auth/setup")).form(&form).send().await.unwrap();
    assert!(response.status().is_redirection() || response.status().is_success(), "{}", response.status());
    assert_eq!(server.me(&admin).await["role"], "admin", "setup signs the admin in");
    let again = client().post(server.url("/api/auth/setup")).form(&form).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let needed: bool = client().post(server.url("/api/auth/setup-needed")).send().await.unwrap().json().await.unwrap();
    assert!(!needed);
    // The setup that happened is on record (intent and outcome); the refused one is not.
    let recorded: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT kind, outcome FROM audit_events WHERE action = 'user.setup' ORDER BY seq").fetch_all(&pool).await.unwrap();
    assert_eq!(recorded, [("intent".to_string(), None), ("outcome".to_string(), Some("ok".to_string()))]);
}

async fn audit_rows(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_events").fetch_one(pool).await.unwrap()
}

/// After setup, anonymous setup calls are refused before anything is recorded or any
/// password hashed: a thousand of them add no row, and a login meanwhile goes through.
#[sqlx::test(migrations = false)]
async fn a_flood_of_setup_calls_leaves_no_trace_and_blocks_no_login(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    add_user(&pool, "grace", Role::Reseller).await;
    let before = audit_rows(&pool).await;
    let flood = (0..1_000).map(|n| {
        let url = server.url("/api/auth/setup");
        let name = format!("flood{n}-{}", "x".repeat(500));
        async move {
            let form = [("username", name.as_str()), ("email", "e@x.example"), ("display_name", "x"), ("password", PASSWORD)];
            client().post(url).form(&form).send().await.map(|r| r.status())
        }
    });
    let flood = futures::stream::iter(flood).buffer_unordered(50).collect::<Vec<_>>();
    let login = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        // What must hold is that the login succeeds (the refused setups neither lock the
        // address nor hash anything), not how fast: the flood, the server and this login
        // share one test thread, and CI runs the other tests on the same two cores. The
        // limit only turns a hang into a failure.
        tokio::time::timeout(Duration::from_secs(180), server.login(&client(), "grace", PASSWORD)).await
    };
    let (statuses, login) = tokio::join!(flood, login);
    assert!(statuses.iter().all(|s| s.as_ref().is_ok_and(|s| *s == StatusCode::CONFLICT)), "every setup is refused");
    let login = login.expect("the login is not held up by the flood");
    assert!(login.status().is_redirection() || login.status().is_success(), "{}", login.status());
    assert_eq!(audit_rows(&pool).await, before + 1, "only the login is on record");
}

/// Concurrent guesses are each counted before any password is checked: of 200 at once,
/// at most the per-name limit are verified; the rest are refused unverified, and all
/// 200 are counted.
#[sqlx::test(migrations = false)]
async fn concurrent_guesses_are_counted_before_any_is_verified(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    add_user(&pool, "grace", Role::Reseller).await;
    let guesses = (0..200).map(|n| {
        let server = &server;
        async move { server.login(&client(), "grace", &format!("guess {n}")).await.status() }
    });
    let statuses: Vec<StatusCode> = futures::future::join_all(guesses).await;
    let verified = statuses.iter().filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert!(verified <= app::auth::throttle::MAX_FAILURES_PER_NAME as usize, "{verified} guesses were verified");
    assert_eq!(verified + refused, 200, "{statuses:?}");
    let counted: i32 = sqlx::query_scalar("SELECT failures FROM login_throttle WHERE scope = 'name:grace'").fetch_one(&pool).await.unwrap();
    assert_eq!(counted, 200);
    // Refused guesses are recorded only now and then, not one row each.
    let denied: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = 'user.login' AND outcome = 'denied'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(denied <= 3, "{denied} rows for refused guesses");
}

/// Server functions take small forms: a large body is refused with 413 before it
/// reaches a handler or the audit log; a long username is recorded cut short.
#[sqlx::test(migrations = false)]
async fn large_bodies_are_refused_and_long_names_are_recorded_cut_short(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    let before = audit_rows(&pool).await;
    let huge = format!("username={}&password=x", "a".repeat(100 * 1024));
    let response = client()
        .post(server.url("/api/auth/login"))
        .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(audit_rows(&pool).await, before);
    let long = "b".repeat(5_000);
    server.login(&client(), &long, "guess").await;
    let recorded: String = sqlx::query_scalar("SELECT params FROM audit_events WHERE action = 'user.login' ORDER BY seq DESC LIMIT 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(recorded.len() < 200, "{recorded}");
}

#[sqlx::test(migrations = false)]
async fn cross_site_writes_are_refused(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    add_user(&pool, "grace", Role::Reseller).await;
    let client = server.signed_in("grace").await;
    let attempts = [
        vec![("sec-fetch-site", "cross-site")],
        vec![("sec-fetch-site", "same-site")],
        vec![("origin", "http://evil.example")],
        vec![("origin", "null")],
    ];
    for headers in attempts {
        let mut request = client.post(server.url("/api/auth/logout"));
        for (name, value) in &headers {
            request = request.header(*name, *value);
        }
        assert_eq!(request.send().await.unwrap().status(), StatusCode::FORBIDDEN, "{headers:?}");
    }
    assert_eq!(server.me(&client).await["username"], "grace", "none of them logged grace out");
    let host = server.base.trim_start_matches("http://").to_string();
    let same_origin = client
        .post(server.url("/api/auth/me"))
        .header("sec-fetch-site", "same-origin")
        .header("origin", format!("http://{host}"))
        .send()
        .await
        .unwrap();
    assert_eq!(same_origin.status(), StatusCode::OK);
}

#[sqlx::test(migrations = false)]
async fn every_response_carries_the_security_headers(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    add_user(&pool, "grace", Role::Reseller).await;
    let client = server.signed_in("grace").await;
    let page = client.get(server.url("/")).send().await.unwrap();
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"), "{csp}");
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_string();
    let html = page.text().await.unwrap();
    let scripts = html.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(html.matches(&format!("nonce=\"{nonce}\"")).count(), scripts, "every inline script carries the nonce");
    let second = client.get(server.url("/")).send().await.unwrap();
    assert!(!second.headers()["content-security-policy"].to_str().unwrap().contains(&nonce), "a new nonce per page");

    for response in [
        client.get(server.url("/")).send().await.unwrap(),
        client.post(server.url("/api/auth/me")).send().await.unwrap(),
        client.get(server.url("/no/such/page")).send().await.unwrap(),
        client.get(server.url("/healthz")).send().await.unwrap(),
    ] {
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(headers.get("strict-transport-security").is_none(), "no HSTS over plain http on loopback");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert_eq!(headers["cache-control"], "no-store");
        assert!(headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
        assert!(headers.get("access-control-allow-origin").is_none());
    }
}

/// A page's Content-Security-Policy is its own, however many static files are fetched
/// at the same time (a page opened loads dozens of WASM pieces). leptos_axum's static
/// file handler used to look up "the current page's" response headers and take them,
/// so a page could leave without its policy and the browser refused its scripts.
#[sqlx::test(migrations = false)]
async fn a_page_keeps_its_policy_while_static_files_are_fetched(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    add_user(&pool, "grace", Role::Reseller).await;
    let client = server.signed_in("grace").await;
    let assets = (0..200).map(|_| client.get(server.url(common::TEST_ASSET)).send());
    let pages = (0..40).map(|i| client.get(server.url(if i % 2 == 0 { "/" } else { "/no/such/page" })).send());
    let (assets, pages) = tokio::join!(futures::future::join_all(assets), futures::future::join_all(pages));
    for page in pages {
        let page = page.unwrap();
        let csp = page.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("'nonce-"), "every page keeps its own policy, got {csp}");
    }
    for asset in assets {
        let asset = asset.unwrap();
        assert_eq!(asset.status(), StatusCode::OK);
        assert_eq!(asset.headers()["content-security-policy"], "default-src 'none'; frame-ancestors 'none'");
    }
}

/// A valid body for each server function, so the guard (not argument decoding)
/// decides the answer.
fn sample_body(path: &str) -> String {
    use app::{
        auth::*,
        audit::*,
        children::{changes::*, query::*, *},
        connections::*,
        submission::FormKey,
        users::*,
    };
    fn encode(call: &impl serde::Serialize) -> String {
        serde_qs::to_string(call).unwrap()
    }
    let some_id = || "00000000-0000-4000-8000-000000000000".to_string();
    let base_url = || "http://127.0.0.1:9/platform_api/".to_string();
    let (account_id, key) = (Some("1".to_string()), Some("k".to_string()));
    match path {
        p if p == Login::PATH => encode(&Login { username: "nobody".into(), password: "wrong password".into() }),
        p if p == SetupFirstAdmin::PATH => encode(&SetupFirstAdmin {
            username: "late".into(),
            email: "late@voxdesk.example".into(),
            display_name: "Late".into(),
            password: PASSWORD.into(),
        }),
        p if p == CreateUser::PATH => encode(&CreateUser {
            username: "matrix".into(),
            email: "matrix@voxdesk.example".into(),
            display_name: "Matrix".into(),
            role: "auditor".into(),
            password: None,
        }),
        p if p == SetUserRole::PATH => encode(&SetUserRole { id: some_id(), role: "auditor".into() }),
        p if p == SetUserActive::PATH => encode(&SetUserActive { id: some_id(), active: true }),
        p if p == ResetUserPassword::PATH => encode(&ResetUserPassword { id: some_id() }),
        p if p == SelectConnection::PATH => encode(&SelectConnection { id: some_id() }),
        p if p == RemoveConnection::PATH => encode(&RemoveConnection { id: some_id() }),
        p if p == RenameConnection::PATH => encode(&RenameConnection { id: some_id(), name: "Renamed".into() }),
        p if p == CheckConnection::PATH => encode(&CheckConnection {
            kind: "api_key".into(),
            base_url: base_url(),
            account_id,
            api_key: key,
            credentials_json: None,
        }),
        p if p == AddConnection::PATH => encode(&AddConnection {
            name: "Matrix".into(),
            kind: "api_key".into(),
            base_url: base_url(),
            account_id,
            api_key: key,
            credentials_json: None,
        }),
        p if p == RotateConnection::PATH => encode(&RotateConnection {
            id: some_id(),
            kind: "api_key".into(),
            account_id,
            api_key: key,
            credentials_json: None,
        }),
        p if p == ListEvents::PATH => {
            encode(&ListEvents { filter: AuditFilter { actor: Some("nobody".into()), ..Default::default() }, before: None })
        }
        p if p == GetActivity::PATH => {
            encode(&GetActivity { filter: AuditFilter { actor: Some("nobody".into()), ..Default::default() } })
        }
        p if p == GetEvent::PATH => encode(&GetEvent { seq: 1 }),
        p if p == CreateChild::PATH => encode(&CreateChild {
            child: NewChild {
                account_name: "matrix-child".into(),
                account_email: "matrix@child.example".into(),
                account_password: "Str0ng!pass".into(),
                ..Default::default()
            },
            form_key: FormKey::random(),
        }),
        p if p == CloneChild::PATH => encode(&CloneChild {
            source_account_id: 1,
            child: NewChild {
                account_name: "matrix-clone".into(),
                account_email: "matrix@clone.example".into(),
                account_password: "Str0ng!pass".into(),
                ..Default::default()
            },
            form_key: FormKey::random(),
        }),
        p if p == bulk::BulkActivate::PATH => encode(&bulk::BulkActivate { selection: bulk::BulkSelection::picked(vec![1]) }),
        p if p == bulk::BulkDeactivate::PATH => encode(&bulk::BulkDeactivate { selection: bulk::BulkSelection::picked(vec![1]) }),
        p if p == bulk::BulkNotifications::PATH => encode(&bulk::BulkNotifications {
            selection: bulk::BulkSelection::picked(vec![1]),
            notifications: NotificationChanges { news_notifications: Some(true), ..Default::default() },
        }),
        p if p == bulk::GetBulkJob::PATH => encode(&bulk::GetBulkJob { id: some_id() }),
        p if p == bulk::RecentBulkJobs::PATH => String::new(),
        p if p == bulk::CancelBulkJob::PATH => encode(&bulk::CancelBulkJob { id: some_id() }),
        p if p == ListChildren::PATH => encode(&ListChildren { query: ChildQuery::default() }),
        p if p == GetChild::PATH => encode(&GetChild { account_id: 1 }),
        p if p == UpdateChild::PATH => {
            encode(&UpdateChild { account_id: 1, changes: ChildChanges { language_code: Some("de".into()), ..Default::default() } })
        }
        p if p == UpdateChildNotifications::PATH => encode(&UpdateChildNotifications {
            account_id: 1,
            notifications: NotificationChanges { news_notifications: Some(true), ..Default::default() },
        }),
        p if p == ActivateChild::PATH => encode(&ActivateChild { account_id: 1 }),
        p if p == DeactivateChild::PATH => encode(&DeactivateChild { account_id: 1 }),
        p if p == app::billing::ChangePlan::PATH => {
            encode(&app::billing::ChangePlan { choice: app::billing::PlanChoice { plan_type: "IM".into(), template_id: 187 } })
        }
        p if p == app::billing::Charge::PATH => encode(&app::billing::Charge {
            order: app::billing::ChargeOrder { mode: app::billing::ChargeMode::Ids, ids: "1".into(), ..Default::default() },
            key: FormKey::random(),
        }),
        // A wrong current password: allowed roles get "invalid", nobody's password changes.
        p if p == SecondStep::PATH => encode(&SecondStep { code: "000000".into(), remember: None }),
        p if p == app::me::ConfirmTwoStep::PATH => encode(&app::me::ConfirmTwoStep { code: "000000".into() }),
        p if p == app::me::NewRecoveryCodes::PATH => encode(&app::me::NewRecoveryCodes { code: "000000".into() }),
        p if p == app::me::TurnOffTwoStep::PATH => {
            encode(&app::me::TurnOffTwoStep { current_password: "not the password".into(), code: "000000".into() })
        }
        p if p == ResetTwoStep::PATH => encode(&ResetTwoStep { id: some_id() }),
        p if p == SetTwoStepRequired::PATH => encode(&SetTwoStepRequired { role: "auditor".into(), required: false }),
        p if p == app::me::ChangeMyPassword::PATH => encode(&app::me::ChangeMyPassword {
            current_password: "not the password".into(),
            new_password: "lantern quiet orchard 58".into(),
            new_password_again: "lantern quiet orchard 58".into(),
        }),
        _ => String::new(),
    }
}

#[sqlx::test(migrations = false)]
async fn every_server_function_allows_exactly_the_roles_in_the_table(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    for role in Role::ALL {
        add_user(&pool, role.as_str(), role).await;
    }
    // Every registered server function is in the table, and every entry exists.
    let registered: Vec<String> = server_fn::axum::server_fn_paths().map(|(path, _)| path.to_string()).collect();
    for path in &registered {
        assert!(registry::endpoint(path).is_some(), "{path} is registered but declared in no feature's actions");
    }
    for endpoint in registry::endpoints() {
        assert!(registered.iter().any(|p| p == endpoint.path), "{} is declared but not registered", endpoint.path);
    }
    // No server function changes anything on GET.
    for (path, method) in server_fn::axum::server_fn_paths() {
        assert_eq!(method, http::Method::POST, "{path} must be POST");
    }

    let mut callers: Vec<(Option<Role>, reqwest::Client)> = vec![(None, client())];
    for role in Role::ALL {
        callers.push((Some(role), server.signed_in(role.as_str()).await));
    }
    // Logout last: it ends the caller's session.
    let mut endpoints: Vec<_> = registry::endpoints().map(|e| (e.path, e.access)).collect();
    endpoints.sort_by_key(|(path, _)| *path == app::auth::Logout::PATH);
    for (path, access) in endpoints {
        for (role, client) in &callers {
            let response = client
                .post(server.url(path))
                .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(sample_body(path))
                .send()
                .await
                .unwrap();
            let status = response.status();
            let allowed = match access {
                Access::Public => true,
                Access::Requires(permission) => role.is_some_and(|r| r.can(permission)),
            };
            if allowed {
                assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "{path} as {role:?}: allowed by the table but got {status}"
                );
            } else {
                let expected = if role.is_none() { StatusCode::UNAUTHORIZED } else { StatusCode::FORBIDDEN };
                assert_eq!(status, expected, "{path} as {role:?}: denied by the table");
            }
        }
    }
}

/// Fields whose values are numbers or yes/no, by server function: a word there is a
/// type error, not a value.
fn typed_fields(path: &str) -> &'static [&'static str] {
    use app::{audit::*, children::*, users::*};
    match path {
        p if p == GetEvent::PATH => &["seq"],
        p if p == GetChild::PATH || p == ActivateChild::PATH || p == DeactivateChild::PATH => &["account_id"],
        p if p == UpdateChild::PATH || p == UpdateChildNotifications::PATH => &["account_id"],
        p if p == CloneChild::PATH => &["source_account_id"],
        p if p == SetUserActive::PATH => &["active"],
        p if p == SetTwoStepRequired::PATH => &["required"],
        p if p == app::billing::ChangePlan::PATH => &["choice[template_id]"],
        _ => &[],
    }
}

/// Scripts call server functions too: a field the function does not take, a value of
/// the wrong type or no fields at all get a 400 that says what is wrong, before any
/// guard, handler or audit record — even for an admin, who may call everything.
#[sqlx::test(migrations = false)]
async fn malformed_server_function_calls_get_a_clear_400_and_change_nothing(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    add_user(&pool, "ada", Role::Admin).await;
    let admin = server.signed_in("ada").await;
    let anonymous = client();
    // Refusals of the signed-out caller may be recorded (`access.denied`); actions may not.
    async fn actions_recorded(pool: &PgPool) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action <> 'access.denied'").fetch_one(pool).await.unwrap()
    }
    let before = actions_recorded(&pool).await;
    let post = |path: &str, body: String| {
        admin.post(server.url(path)).header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(body).send()
    };
    let refused = |path: &str, what: &str, status: StatusCode| {
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {what}");
    };
    let mut typed = 0;
    for endpoint in registry::endpoints() {
        let path = endpoint.path;
        let fields = (endpoint.fields)().unwrap_or_else(|| panic!("{path}: its fields cannot be read off its type"));
        let sample = sample_body(path);
        let pairs: Vec<(String, String)> = form_urlencoded::parse(sample.as_bytes()).into_owned().collect();
        for (key, _) in &pairs {
            assert!(fields.contains(&key.split('[').next().unwrap()), "{path}: the sample's {key} is not among {fields:?}");
        }

        let extra = if sample.is_empty() { "surplus_field=1".to_string() } else { format!("{sample}&surplus_field=1") };
        let response = post(path, extra).await.unwrap();
        refused(path, "a field it does not take", response.status());
        let error: app::error::AppError = response.json().await.expect("the error is an AppError");
        assert!(error.to_string().contains("\"surplus_field\""), "{path}: the answer names the field: {error}");

        for typed_key in typed_fields(path) {
            let body = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs.iter().map(|(k, v)| (k.as_str(), if k == typed_key { "seven" } else { v.as_str() })))
                .finish();
            assert!(body.contains("seven"), "{path}: the sample has no {typed_key}");
            let response = post(path, body).await.unwrap();
            refused(path, &format!("{typed_key}=seven"), response.status());
            assert!(!response.text().await.unwrap().is_empty(), "{path}: the 400 says why");
            typed += 1;
        }

        // No fields at all, from someone signed out (so that a function whose fields
        // are all optional is stopped by its guard, not run): decoding refuses it, or
        // the guard does.
        if !fields.is_empty() {
            let response = anonymous
                .post(server.url(path))
                .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .send()
                .await
                .unwrap();
            let expected: &[StatusCode] = match endpoint.access {
                Access::Public => &[StatusCode::BAD_REQUEST],
                Access::Requires(_) => &[StatusCode::BAD_REQUEST, StatusCode::UNAUTHORIZED],
            };
            assert!(expected.contains(&response.status()), "{path}: no fields at all got {}", response.status());
        }
    }
    assert!(typed >= 10, "the typed fields were tried ({typed})");
    assert_eq!(actions_recorded(&pool).await, before, "nothing malformed reached an action or the log");
    assert_eq!(server.me(&admin).await["role"], "admin", "and the session is untouched (logout never ran)");
}

/// README.md's table of server functions says what the declarations say.
#[test]
fn the_readme_table_matches_the_declarations() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let rows: Vec<(&str, &str)> = readme
        .lines()
        .filter(|line| line.starts_with("| `/api/"))
        .filter_map(|line| {
            let mut cells = line.trim_matches('|').split('|').map(str::trim);
            Some((cells.next()?, cells.next()?))
        })
        .collect();
    for endpoint in registry::endpoints() {
        let quoted = format!("`{}`", endpoint.path);
        let (_, who) = rows
            .iter()
            .find(|(paths, _)| paths.split(", ").any(|p| p == quoted))
            .unwrap_or_else(|| panic!("{} is not in README.md's table", endpoint.path));
        let expected = match endpoint.access {
            Access::Public => "anyone".to_string(),
            Access::Requires(permission) if permission.roles().len() == Role::ALL.len() => "any signed-in user".to_string(),
            Access::Requires(permission) => permission.roles().iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
        };
        assert!(who.starts_with(&expected), "{}: README says {who:?}, the declaration {expected:?}", endpoint.path);
    }
    let listed: usize = rows.iter().map(|(paths, _)| paths.split(", ").count()).sum();
    assert_eq!(listed, registry::endpoints().count(), "README.md lists server functions that are not declared");
}

/// A login as it arrives through a reverse proxy that says the client is `client`.
async fn login_via_proxy(server: &common::TestServer, client_address: &str, username: &str, password: &str) -> StatusCode {
    client()
        .post(server.url("/api/auth/login"))
        .header("x-forwarded-for", format!("{client_address}, 127.0.0.1"))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
}

/// Behind a trusted proxy every client is itself: one client's bad logins lock only
/// its own address, and the audit log records the client's address, not the proxy's.
#[sqlx::test(migrations = false)]
async fn behind_a_trusted_proxy_each_client_is_throttled_on_its_own(pool: PgPool) {
    let server = common::start_behind(pool.clone(), &["127.0.0.1/32"]).await;
    add_user(&pool, "grace", Role::Reseller).await;
    for n in 0..20 {
        login_via_proxy(&server, "203.0.113.7", &format!("name{n}"), "guess").await;
    }
    assert_eq!(login_via_proxy(&server, "203.0.113.7", "grace", PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
    let other = login_via_proxy(&server, "198.51.100.20", "grace", PASSWORD).await;
    assert!(other.is_redirection() || other.is_success(), "another client is not locked out: {other}");
    let recorded: Option<String> =
        sqlx::query_scalar("SELECT client_ip FROM audit_events WHERE action = 'user.login' ORDER BY seq DESC LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(recorded.as_deref(), Some("198.51.100.20"));
}

/// Without `--trusted-proxy` the header is the client's own claim, and ignored.
#[sqlx::test(migrations = false)]
async fn a_forwarded_for_header_is_ignored_unless_the_proxy_is_trusted(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    add_user(&pool, "grace", Role::Reseller).await;
    for n in 0..20 {
        // A guesser claiming a new address each time is still one address.
        login_via_proxy(&server, &format!("203.0.113.{n}"), &format!("name{n}"), "guess").await;
    }
    assert_eq!(login_via_proxy(&server, "198.51.100.20", "grace", PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
}

/// Served for an https public URL, browsers are told to keep to https (HSTS).
#[sqlx::test(migrations = false)]
async fn https_deployments_send_hsts(pool: PgPool) {
    server::database::migrate(&pool).await.unwrap();
    let backend = app::backend::Backend::new(pool.clone(), Default::default(), app::vault::Keyring::generate());
    let state = app::backend::AppState { leptos_options: common::leptos_options(), backend };
    let policy = server::http::SessionPolicy { secure_cookie: true, idle_timeout: time::Duration::minutes(30) };
    let (addr, _task) = common::serve(server::http::router(state, policy, Default::default(), Default::default())).await;
    let response = client().get(format!("http://{addr}/healthz")).send().await.unwrap();
    let hsts = response.headers()["strict-transport-security"].to_str().unwrap().to_string();
    assert!(hsts.starts_with("max-age=31536000"), "{hsts}");
}
