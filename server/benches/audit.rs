//! `make bench` rows for the audit log, on a private PostgreSQL:
//! - what write-ahead auditing adds to a mutation (audited vs the same update alone,
//!   measured in one run);
//! - audited actions per second with 50 concurrent writers (each an intent and an
//!   outcome through the chain's one-writer lock; the action itself does nothing, so
//!   the row is the log's own ceiling);
//! - what the portal adds to a Voximplant mutation: creating a child account through
//!   the portal (HTTP, session, guard, audit, sandbox over HTTP) vs AddAccount sent
//!   straight to the same sandbox with the typed client, alternating, in one run;
//! - a filtered first page and a deep keyset page on a log of BENCH_AUDIT_EVENTS
//!   events (default 1,000,000);
//! - export and verify throughput over that log.

use std::time::{Duration, Instant};

use app::{
    audit::{
        ssr::{self as audit, AuditContext, Performed},
        AuditFilter, ChainCheck,
    },
    auth::Role,
};
use futures::StreamExt;
use server::embedded_pg::EmbeddedPostgres;

fn row(name: &str, value: String, unit: &str) {
    println!("| {name:<60} | {value:>12} | {unit:<5} |");
}

/// The process's peak resident set since start or the last reset (VmHWM), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[tokio::main]
async fn main() {
    let events: i64 = std::env::var("BENCH_AUDIT_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let dir = tempfile::Builder::new().prefix("voxdesk-bench-audit").tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let cluster = EmbeddedPostgres::start(&dir.path().join("data")).await.expect("PostgreSQL starts");
    // The pool `voxdesk serve` uses (no ping before each acquire): the rows measure the
    // portal as it runs, not sqlx's defaults.
    let pool = server::database::connect(cluster.connect_options(), 8).await.unwrap();
    server::database::migrate(&pool).await.unwrap();

    // Mutation overhead: the same update, alone and write-ahead audited.
    let created = app::users::ssr::create(&pool, "bench".into(), "bench@voxdesk.example".into(), "Bench".into(), Role::Support, None)
        .await
        .unwrap();
    let id = app::users::ssr::parse_id(&created.user.id).unwrap();
    let context = AuditContext::system("bench");
    let rounds = 300;
    let (mut plain, mut audited) = (Vec::new(), Vec::new());
    for n in 0..rounds {
        let active = n % 2 == 0;
        let t = Instant::now();
        app::users::ssr::set_active(&pool, id, active).await.unwrap();
        plain.push(t.elapsed());
        let t = Instant::now();
        audit::audited(&pool, &context, &app::users::actions::SET_ACTIVE, serde_json::json!(["bench"]), serde_json::json!({ "active": !active }), || async {
            app::users::ssr::set_active(&pool, id, !active).await.map(Performed::new)
        })
        .await
        .unwrap();
        audited.push(t.elapsed());
    }
    let (plain, audited) = (median(plain), median(audited));
    row("user update alone (median)", format!("{:.2}", plain.as_secs_f64() * 1000.0), "ms");
    row("same update, write-ahead audited (median)", format!("{:.2}", audited.as_secs_f64() * 1000.0), "ms");
    row("audited / alone", format!("{:.2}", audited.as_secs_f64() / plain.as_secs_f64()), "ratio");

    concurrent_writers(&cluster).await;
    portal_versus_direct(&pool).await;

    let started = Instant::now();
    audit::generate_synthetic(&pool, events).await.unwrap();
    sqlx::query("ANALYZE audit_events").execute(&pool).await.unwrap();
    row(&format!("generate {events} chained events"), format!("{:.1}", started.elapsed().as_secs_f64()), "s");

    let filter = AuditFilter { actor: Some("user01".into()), action: Some("child_account.".into()), ..Default::default() };
    let mut first = Vec::new();
    let mut deep = Vec::new();
    let middle = events / 2;
    for _ in 0..15 {
        let t = Instant::now();
        let page = audit::page(&pool, &filter, None).await.unwrap();
        first.push(t.elapsed());
        assert!(!page.events.is_empty());
        let t = Instant::now();
        audit::page(&pool, &filter, Some(middle)).await.unwrap();
        deep.push(t.elapsed());
    }
    row("filtered first page (actor + action), median", format!("{:.1}", median(first).as_secs_f64() * 1000.0), "ms");
    row("filtered page deep in the log (keyset), median", format!("{:.1}", median(deep).as_secs_f64() * 1000.0), "ms");

    let t = Instant::now();
    let exported = audit::export_stream(pool.clone(), AuditFilter { actor: Some("user01".into()), ..Default::default() })
        .fold(0u64, |n, item| async move { item.map(|_| n + 1).unwrap() })
        .await;
    let seconds = t.elapsed().as_secs_f64();
    row(&format!("export of one person's {exported} events"), format!("{:.0}", exported as f64 / seconds), "ev/s");

    // The process's peak RSS is reset first (Linux: 5 into clear_refs), so the peak
    // read after is the export's.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let t = Instant::now();
    let exported = audit::export_stream(pool.clone(), AuditFilter::default())
        .fold(0u64, |n, item| async move { item.map(|_| n + 1).unwrap() })
        .await;
    let seconds = t.elapsed().as_secs_f64();
    row(&format!("export of the whole log ({exported} events)"), format!("{:.0}", exported as f64 / seconds), "ev/s");
    row("  peak RSS of the benchmark process meanwhile", peak_rss_mib().map_or("?".into(), |m| format!("{m:.0}")), "MiB");

    let t = Instant::now();
    let check = audit::verify(&pool).await.unwrap();
    assert!(matches!(check, ChainCheck::Intact { .. }), "{check:?}");
    let ChainCheck::Intact { events: verified, .. } = check else { unreachable!() };
    row("verify the whole chain", format!("{:.0}", verified as f64 / t.elapsed().as_secs_f64()), "ev/s");

    pool.close().await;
    cluster.stop().await;
}

/// 50 writers, each recording audited actions back to back on its own connection.
async fn concurrent_writers(cluster: &EmbeddedPostgres) {
    const WRITERS: usize = 50;
    const EACH: usize = 60;
    let pool = server::database::connect(cluster.connect_options(), WRITERS as u32).await.unwrap();
    let started = Instant::now();
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let context = AuditContext::system("bench");
                for n in 0..EACH {
                    let targets = serde_json::json!([format!("writer{writer}")]);
                    let params = serde_json::json!({ "active": n % 2 == 0 });
                    audit::audited(&pool, &context, &app::users::actions::SET_ACTIVE, targets, params, || async {
                        Ok(Performed::new(()))
                    })
                    .await
                    .unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    let rate = (WRITERS * EACH) as f64 / started.elapsed().as_secs_f64();
    row(&format!("audited actions, {WRITERS} concurrent writers (intent + outcome)"), format!("{rate:.0}"), "act/s");
    pool.close().await;
}

/// A child account created through the portal vs AddAccount sent directly, both to
/// one sandbox over loopback HTTP, alternating so both see the same machine state.
async fn portal_versus_direct(pool: &sqlx::PgPool) {
    use app::{backend::{AppState, AuthConfig, Backend}, connections::ssr::{upsert_unchecked, SecretInput}};
    use voximplant::{client::{Client, ClientConfig, Credentials}, methods::AddAccount, Secret};

    // Voximplant's rate limit would measure the limit, not the portal.
    let config = sandbox::SandboxConfig { rate_limit_per_second: 1_000_000, ..Default::default() };
    let sandbox = sandbox::Sandbox::new(config).unwrap();
    let router = sandbox.router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}/platform_api/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let parent = sandbox.parent();

    let backend = Backend::new(pool.clone(), AuthConfig::default(), app::vault::Keyring::generate());
    let secret = SecretInput::ApiKey { account_id: parent.account_id, api_key: Secret::new(parent.api_key.clone()) };
    upsert_unchecked(&backend, "Bench sandbox", &base_url, &secret, &parent.account_name).await.unwrap();
    // As `voxdesk serve`: sessions, users and connections kept while their changes are heard of.
    let _listener = backend.rows().spawn_listener(pool.clone());
    let options = leptos::prelude::LeptosOptions::builder().output_name("voxdesk").site_root("target/site").site_pkg_dir("pkg").build();
    let policy = server::http::SessionPolicy { secure_cookie: false, idle_timeout: time::Duration::minutes(30) };
    let app = server::http::router(AppState { leptos_options: options, backend }, policy, app::request::TrustedProxies::default(), Default::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let portal = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await.unwrap();
    });
    let password = "bench password long enough";
    // Measured: the portal's work on a create, not a second sign-in step.
    app::auth::ssr::mfa::set_required(pool, Role::Reseller, false).await.unwrap();
    app::users::ssr::create(pool, "seller".into(), "seller@voxdesk.example".into(), "Seller".into(), Role::Reseller, Some(password.into()))
        .await
        .unwrap();
    let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login = browser.post(format!("{portal}/api/auth/login")).form(&[("username", "seller"), ("password", password)]).send().await.unwrap();
    assert!(login.status().is_success() || login.status().is_redirection());

    let direct = Client::new(
        Credentials::ApiKey { account_id: parent.account_id, api_key: Secret::new(parent.api_key.clone()) },
        ClientConfig { base_url: base_url.clone(), ..Default::default() },
    )
    .unwrap();
    let mut created = 0;
    let mut measure = |rounds: usize| {
        let (browser, direct, portal) = (&browser, &direct, &portal);
        let start = created;
        created += rounds;
        async move {
            let (mut through_portal, mut straight) = (Vec::new(), Vec::new());
            for n in start..start + rounds {
                let name = format!("portal-{n:05}");
                let form = [
                    ("child[account_name]", name.clone()),
                    ("child[account_email]", format!("{name}@bench.example")),
                    ("child[account_password]", "Bench!pass1".to_string()),
                    // Each create is a new form (a form's key makes one account).
                    ("form_key", app::submission::FormKey::random().as_str().to_string()),
                ];
                let t = Instant::now();
                let response = browser.post(format!("{portal}/api/children/create")).form(&form).send().await.unwrap();
                let status = response.status();
                let body = response.bytes().await.unwrap();
                assert!(status.is_success(), "{status}: {}", String::from_utf8_lossy(&body));
                through_portal.push(t.elapsed());

                let name = format!("direct-{n:05}");
                let request = AddAccount {
                    account_name: name.clone(),
                    account_email: format!("{name}@bench.example"),
                    account_password: Secret::new("Bench!pass1"),
                    ..Default::default()
                };
                let t = Instant::now();
                direct.add_account(request).await.unwrap();
                straight.push(t.elapsed());
            }
            (median(through_portal), median(straight))
        }
    };
    let (through_portal, straight) = measure(120).await;
    row("AddAccount straight to the sandbox (median)", format!("{:.2}", straight.as_secs_f64() * 1000.0), "ms");
    row("child create through the portal, audited (median)", format!("{:.2}", through_portal.as_secs_f64() * 1000.0), "ms");
    row("added by the portal (difference of medians)", format!("{:.2}", (through_portal.as_secs_f64() - straight.as_secs_f64()) * 1000.0), "ms");
    row("portal / straight (local sandbox answers in microseconds)", format!("{:.2}", through_portal.as_secs_f64() / straight.as_secs_f64()), "ratio");

    // The same with Voximplant answering after 40 ms, closer to a real API call.
    let slow = sandbox::faults::Fault { latency_ms: 40, ..Default::default() };
    sandbox.set_faults(sandbox::faults::Faults([("AddAccount".to_string(), slow)].into()));
    let (through_portal, straight) = measure(25).await;
    row("portal / straight, Voximplant answering in 40 ms", format!("{:.2}", through_portal.as_secs_f64() / straight.as_secs_f64()), "ratio");
}
