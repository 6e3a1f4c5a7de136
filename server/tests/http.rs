//! The real router against a real PostgreSQL, over real HTTP.

mod common;

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;
use std::time::Duration;

use common::client;

#[sqlx::test(migrations = false)]
async fn every_section_renders_on_the_server(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    common::add_user(&pool, "ada", app::auth::Role::Admin).await;
    let client = server.signed_in("ada").await;
    for (path, heading) in [
        ("/", "Dashboard"),
        ("/children", "Child accounts"),
        ("/billing", "Billing"),
        ("/audit", "Audit log"),
        ("/admin", "Admin"),
        ("/me", "Your account"),
    ] {
        let response = client.get(format!("{}{path}", server.base)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let html = response.text().await.unwrap();
        assert!(html.contains(&format!("<h1>{heading}</h1>")), "{path} lacks its heading");
        for label in ["Dashboard", "Child accounts", "Billing", "Audit log", "Admin"] {
            assert!(html.contains(label), "{path}: navigation lacks {label}");
        }
        assert!(html.contains("/pkg/voxdesk.js"), "{path}: no hydration script");
    }
}

#[sqlx::test(migrations = false)]
async fn dashboard_shows_the_database_status(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    common::add_user(&pool, "ada", app::auth::Role::Auditor).await;
    let client = server.signed_in("ada").await;
    let html = client.get(&server.base).send().await.unwrap().text().await.unwrap();
    // The status resource resolves on the server and streams into the page.
    assert!(html.contains("Reachable"), "dashboard lacks the database status");
}

#[sqlx::test(migrations = false)]
async fn unknown_paths_get_a_404_page(pool: PgPool) {
    let server = common::start(pool).await;
    let response = client().get(format!("{}/no/such/page", server.base)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let html = response.text().await.unwrap();
    assert!(html.contains("Page not found"));
    assert!(html.contains("Go to the dashboard"));
}

#[sqlx::test(migrations = false)]
async fn healthz_reports_version_and_database(pool: PgPool) {
    let server = common::start(pool).await;
    let response = client().get(format!("{}/healthz", server.base)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["database"]["reachable"], true);
    assert!(body["database"]["latency_ms"].as_f64().unwrap() >= 0.0);
}

#[sqlx::test(migrations = false)]
async fn healthz_is_503_when_the_database_is_gone(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    // Closed at once; waiting for every connection to come back is not the point.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), pool.close()).await;
    assert!(pool.is_closed());
    let response = client().get(format!("{}/healthz", server.base)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["database"]["reachable"], false);
}

#[sqlx::test(migrations = false)]
async fn status_server_function_answers_on_its_stable_path(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    let anonymous = client().post(format!("{}/api/system/status", server.base)).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    common::add_user(&pool, "ada", app::auth::Role::Support).await;
    let client = server.signed_in("ada").await;
    let response = client.post(format!("{}/api/system/status", server.base)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["database"]["reachable"], true);
}

#[sqlx::test(migrations = false)]
async fn every_response_carries_a_fresh_request_id(pool: PgPool) {
    let server = common::start(pool).await;
    let mut seen = Vec::new();
    for path in ["/", "/healthz", "/nope"] {
        let response = client()
            .get(format!("{}{path}", server.base))
            .header("x-request-id", "forged-id")
            .send()
            .await
            .unwrap();
        let id = response.headers()["x-request-id"].to_str().unwrap().to_string();
        assert_ne!(id, "forged-id", "client-supplied request id must be replaced");
        let parsed = uuid::Uuid::parse_str(&id).unwrap_or_else(|_| panic!("{id} is not a uuid"));
        assert_eq!(parsed.get_version_num(), 4, "{id} is not a random (v4) uuid");
        seen.push(id);
    }
    seen.dedup();
    assert_eq!(seen.len(), 3);
}

#[sqlx::test(migrations = false)]
async fn anonymous_visitors_are_sent_to_login_without_a_session(pool: PgPool) {
    let server = common::start(pool.clone()).await;
    // What a browser's navigation sends.
    let response = client().get(&server.base).header("accept", "text/html").send().await.unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(response.headers()["location"], "/login");
    assert!(response.headers().get("set-cookie").is_none(), "anonymous page view set a cookie");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM tower_sessions.session")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rows, 0);
}

/// A client that connects and sends its request head slowly (or never) is cut off
/// after the header-read timeout; one that sends a request in time is answered.
#[tokio::test]
async fn a_slow_request_head_cannot_hold_a_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "hello" }));
    let timeouts = server::listen::Timeouts { header_read: Duration::from_millis(800), drain: Duration::from_secs(1) };
    tokio::spawn(server::listen::serve(listener, app, timeouts, std::future::pending()));

    let answered = reqwest::get(format!("http://{address}/")).await.unwrap();
    assert_eq!(answered.text().await.unwrap(), "hello");

    for opening in ["", "GET / HTTP/1.1\r\nHost: x\r\n"] {
        let started = std::time::Instant::now();
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        stream.write_all(opening.as_bytes()).await.unwrap();
        let mut buffer = Vec::new();
        // The server closes the connection (perhaps after a 408); it never waits for good.
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buffer)).await;
        assert!(read.is_ok(), "still open after 5 s with {opening:?}");
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(700), "closed before the timeout ({waited:?})");
        println!("{opening:?}: closed after {waited:?}: {:?}", String::from_utf8_lossy(&buffer));
    }
}

/// The value of one series in a `/metrics` answer (`name{labels}` exactly as written).
fn series(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(name_and_labels)?.strip_prefix(' ')?.parse().ok())
}

async fn scrape(client: &reqwest::Client, url: &str) -> String {
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    response.text().await.unwrap()
}

/// An operator's Prometheus sees requests per route (as declared, never the raw path),
/// Voximplant calls and failures per method, and the audit log's state; only loopback
/// clients that came straight in, or a scraper with the token, may read it.
#[sqlx::test(migrations = false)]
async fn metrics_count_routes_and_voximplant_calls_for_loopback_or_the_token(pool: PgPool) {
    use app::{auth::Role, children::{query::ChildQuery, ListChildren}};
    let portal = common::Portal::start(&pool).await;
    let metrics_url = portal.server.url("/metrics");
    let before = scrape(&client(), &metrics_url).await;
    let calls = r#"voxdesk_voximplant_call_duration_seconds_count{method="GetChildrenAccounts"}"#;
    let failures = r#"voxdesk_voximplant_call_errors_total{method="GetChildrenAccounts",kind="http_error"}"#;
    let list_calls = r#"voxdesk_http_requests_total{route="/api/children/list",method="POST",status="200"}"#;

    portal.call(Role::Reseller, ListChildren { query: ChildQuery::default() }).await.expect("the list loads");
    let page = portal.as_role(Role::Reseller).get(portal.server.url("/children")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    portal.as_role(Role::Reseller).get(portal.server.url("/children/10042")).send().await.unwrap();
    let missing = client().get(portal.server.url("/no/such/page/4711")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    portal.outage("GetChildrenAccounts", true);
    portal.call(Role::Reseller, ListChildren { query: ChildQuery::default() }).await.expect_err("Voximplant is down");
    portal.outage("GetChildrenAccounts", false);

    let after = scrape(&client(), &metrics_url).await;
    let grew = |series_name: &str| series(&after, series_name).unwrap_or(0.0) - series(&before, series_name).unwrap_or(0.0);
    assert!(grew(list_calls) >= 1.0, "the server function is counted by its route:\n{after}");
    assert!(series(&after, r#"voxdesk_http_requests_total{route="/children",method="GET",status="200"}"#).is_some());
    assert!(series(&after, r#"voxdesk_http_request_duration_seconds_count{route="/children",method="GET"}"#).is_some());
    assert!(series(&after, r#"voxdesk_http_requests_total{route="(unmatched)",method="GET",status="404"}"#).is_some());
    // A page is labelled by its path as declared, not by the address asked for.
    assert!(series(&after, r#"voxdesk_http_request_duration_seconds_count{route="/children/{id}",method="GET"}"#).is_some());
    assert!(!after.contains("/children/10042"), "a raw path leaked into the labels");
    assert!(!after.contains("/no/such/page"), "a raw path became a label");
    // One good call, then the outage's attempts (reads are retried): each attempt counted.
    assert!(grew(calls) >= 2.0, "{after}");
    assert!(grew(failures) >= 1.0, "the 503s are counted as failures:\n{after}");
    let head: i64 = sqlx::query_scalar("SELECT max(seq) FROM audit_events").fetch_one(&pool).await.unwrap();
    assert_eq!(series(&after, "voxdesk_audit_chain_head_seq"), Some(head as f64));
    assert_eq!(series(&after, "voxdesk_audit_intents_open"), Some(0.0));
    assert_eq!(series(&after, "voxdesk_database_up"), Some(1.0));
    assert!(series(&after, r#"voxdesk_db_pool_connections{state="idle"}"#).is_some());
    assert!(after.contains("# TYPE voxdesk_http_request_duration_seconds histogram"));

    // Through a proxy on this host, loopback alone is not enough.
    let proxied = client().get(&metrics_url).header("x-forwarded-for", "203.0.113.9").send().await.unwrap();
    assert_eq!(proxied.status(), StatusCode::NOT_FOUND);

    // With a token configured, a scraper elsewhere presents it.
    let state = app::backend::AppState { leptos_options: common::leptos_options(), backend: portal.server.backend.clone() };
    let policy = server::http::SessionPolicy { secure_cookie: false, idle_timeout: time::Duration::minutes(30) };
    let access = server::metrics::MetricsAccess::with_token(Some("scrape-token-0123456789"));
    let (addr, _task) = common::serve(server::http::router(state, policy, Default::default(), access)).await;
    let remote = |token: &'static str| {
        client().get(format!("http://{addr}/metrics")).header("x-forwarded-for", "203.0.113.9").bearer_auth(token)
    };
    assert_eq!(remote("scrape-token-0123456789").send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(remote("scrape-token-wrong").send().await.unwrap().status(), StatusCode::NOT_FOUND);
}

/// PostgreSQL going away while the portal is in use: pages, server functions and
/// /healthz answer 503 within 5 s — never a hang, never a bare 500 — and when it is back
/// the portal serves again without a restart.
#[sqlx::test(migrations = false)]
async fn a_database_outage_answers_503_within_5_s_and_the_portal_recovers_by_itself(pool: PgPool) {
    server::database::migrate(&pool).await.unwrap();
    common::two_step_optional_for_every_role(&pool).await;
    common::add_user(&pool, "ada", app::auth::Role::Reseller).await;
    let options = pool.connect_options();
    let link = common::DatabaseLink::to(options.get_host(), options.get_port()).await;
    let server = common::start_migrated(link.pool_like(&pool).await, Default::default()).await;
    let signed_in = server.signed_in("ada").await;
    let anonymous = client();
    let requests = || {
        [
            ("GET /healthz", anonymous.get(server.url("/healthz"))),
            ("GET /me (signed in)", signed_in.get(server.url("/me"))),
            ("POST /api/auth/me (signed in)", signed_in.post(server.url("/api/auth/me"))),
            ("POST /api/auth/login", anonymous.post(server.url("/api/auth/login")).form(&[("username", "ada"), ("password", "not the password")])),
        ]
    };

    link.cut();
    for (what, request) in requests() {
        let started = std::time::Instant::now();
        let response = tokio::time::timeout(Duration::from_secs(10), request.send()).await.expect("no hang").unwrap();
        let took = started.elapsed();
        let status = response.status();
        println!("database down: {what} -> {status} in {} ms", took.as_millis());
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{what}");
        assert!(took < Duration::from_secs(5), "{what} took {took:?}");
        // Says what is down (a page: in words; a server function: the error to show).
        let body = response.text().await.unwrap().to_lowercase();
        assert!(body.contains("unavailable") || body.contains("degraded"), "{what}: {body}");
    }

    link.mend();
    let back = std::time::Instant::now();
    let recovered = loop {
        let response = signed_in.get(server.url("/me")).send().await.unwrap();
        if response.status() == StatusCode::OK || back.elapsed() > Duration::from_secs(15) {
            break response.status();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    println!("database back: the portal served again after {} ms", back.elapsed().as_millis());
    assert_eq!(recovered, StatusCode::OK, "the portal did not recover without a restart");
    assert_eq!(server.me(&signed_in).await["username"], "ada", "and the session survived");
}

/// PostgreSQL going away while signed-in users load pages and edit children: every
/// request answers within 5 s — 503 while it is away, never a hang or a 500 —
/// Voximplant receives no change whose intent is not on record, and when it is back
/// every kind of request succeeds again without a restart.
#[sqlx::test(migrations = false)]
async fn a_database_outage_under_load_answers_in_time_and_sends_no_change_without_its_intent(pool: PgPool) {
    use app::{auth::Role, children::{changes::ChildChanges, UpdateChild}};
    use leptos::server_fn::ServerFn;
    use std::{sync::{atomic::{AtomicBool, Ordering}, Arc, Mutex}, time::Instant};

    server::database::migrate(&pool).await.unwrap();
    common::two_step_optional_for_every_role(&pool).await;
    let options = pool.connect_options();
    let link = common::DatabaseLink::to(options.get_host(), options.get_port()).await;
    let server = common::start_migrated(link.pool_like(&pool).await, Default::default()).await;
    let portal = common::Portal::start_serving(&pool, server, Default::default()).await;
    let children: Vec<u64> =
        portal.sandbox.snapshot().accounts.values().filter(|a| a.parent_id.is_some()).map(|a| a.id).take(8).collect();
    assert_eq!(children.len(), 8, "the sandbox seeds children to edit");

    // 8 users on their own page each (/me, the child list) and 8 editing a child of
    // their own, each request as soon as the last answered.
    #[derive(Debug)]
    struct Answer { kind: &'static str, started: Duration, took: Duration, status: Option<StatusCode> }
    let answers = Arc::new(Mutex::new(Vec::<Answer>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let origin = Instant::now();
    let mut workers = Vec::new();
    let kinds = ["page /me", "page /children", "edit a child"];
    for worker in 0..24usize {
        let (answers, stop) = (answers.clone(), stop.clone());
        let kind = kinds[worker % 3];
        let child = children[worker / 3];
        let client = portal.as_role(Role::Reseller).clone();
        let url = |path: &str| portal.server.url(path);
        let (me, list, update) = (url("/me"), url("/children?size=20"), url(UpdateChild::PATH));
        workers.push(tokio::spawn(async move {
            let mut round = 0u32;
            while !stop.load(Ordering::SeqCst) {
                round += 1;
                let request = match kind {
                    "page /me" => client.get(&me),
                    "page /children" => client.get(&list),
                    _ => {
                        let threshold = rust_decimal::Decimal::from(worker as u32 * 1000 + round);
                        let changes = ChildChanges { min_balance_to_notify: Some(threshold), ..Default::default() };
                        client
                            .post(&update)
                            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                            .body(serde_qs::to_string(&UpdateChild { account_id: child, changes }).unwrap())
                    }
                };
                let started = origin.elapsed();
                let status = match tokio::time::timeout(Duration::from_secs(10), request.send()).await {
                    Ok(Ok(response)) => Some(response.status()),
                    _ => None,
                };
                answers.lock().unwrap().push(Answer { kind, started, took: origin.elapsed() - started, status });
            }
        }));
    }

    tokio::time::sleep(Duration::from_millis(1500)).await;
    let cut_at = origin.elapsed();
    link.cut();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let mended_at = origin.elapsed();
    link.mend();
    // Back: wait until each kind has succeeded with a request sent after the mend.
    let recovered = loop {
        let done = kinds.iter().all(|kind| {
            answers.lock().unwrap().iter().any(|a| a.kind == *kind && a.started > mended_at && a.status == Some(StatusCode::OK))
        });
        if done || origin.elapsed() - mended_at > Duration::from_secs(20) {
            break done;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    stop.store(true, Ordering::SeqCst);
    for worker in workers {
        worker.await.unwrap();
    }

    let answers = std::mem::take(&mut *answers.lock().unwrap());
    let phase = |a: &Answer| {
        if a.started + a.took < cut_at { "before" } else if a.started > cut_at && a.started + a.took < mended_at { "during" } else if a.started > mended_at { "after" } else { "across" }
    };
    for kind in kinds {
        for name in ["before", "across", "during", "after"] {
            let mine: Vec<&Answer> = answers.iter().filter(|a| a.kind == kind && phase(a) == name).collect();
            let mut statuses = std::collections::BTreeMap::<String, usize>::new();
            for a in &mine {
                *statuses.entry(a.status.map_or("no answer".into(), |s| s.as_u16().to_string())).or_default() += 1;
            }
            let slowest = mine.iter().map(|a| a.took).max().unwrap_or_default();
            println!("{kind:>15} {name:>6}: {:>4} requests, slowest {:>5} ms, {statuses:?}", mine.len(), slowest.as_millis());
        }
    }
    for a in &answers {
        assert!(a.status.is_some() && a.took < Duration::from_secs(5), "a request hung or took 5 s or more: {a:?}");
        assert_ne!(a.status, Some(StatusCode::INTERNAL_SERVER_ERROR), "a bare 500: {a:?}");
        if phase(a) == "during" {
            assert_eq!(a.status, Some(StatusCode::SERVICE_UNAVAILABLE), "while PostgreSQL is away: {a:?}");
        }
    }
    for kind in kinds {
        assert!(
            answers.iter().any(|a| a.kind == kind && phase(a) == "before" && a.status == Some(StatusCode::OK)),
            "{kind} never succeeded before the outage: the load did not run"
        );
        assert!(answers.iter().any(|a| a.kind == kind && phase(a) == "during"), "{kind} was not tried during the outage");
    }
    assert!(recovered, "the portal did not serve every kind of request again within 20 s of PostgreSQL's return");

    // What Voximplant received against what the audit log holds: each change sent
    // has its intent on record, written before the call. (Intents whose outcome could
    // not be written stay open for the reconciler; one outcome per intent is the
    // database's own rule.)
    let sent = portal.sandbox.calls_of("SetChildAccountInfo");
    let events = common::audit_events(&pool, "child_account.update").await;
    let intents = events.iter().filter(|e| e.kind == "intent").count();
    let outcomes = events.iter().filter(|e| e.kind == "outcome").count();
    println!("Voximplant received {sent} SetChildAccountInfo calls; the log has {intents} intents and {outcomes} outcomes");
    assert!(sent > 0, "no edit reached Voximplant");
    assert!(sent as usize <= intents, "{sent} changes reached Voximplant but only {intents} intents are on record");
}
