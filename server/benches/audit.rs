//! `make bench` rows for the audit log, on a private PostgreSQL:
//! - what write-ahead auditing adds to a mutation (audited vs the same update alone,
//!   measured in one run);
//! - a filtered first page and a deep keyset page on a log of BENCH_AUDIT_EVENTS
//!   events (default 1,000,000);
//! - export and verify throughput over that log.

use std::time::{Duration, Instant};

use app::{
    audit::{
        ssr::{self as audit, AuditContext, Done},
        AuditFilter, ChainCheck,
    },
    auth::Role,
};
use futures::StreamExt;
use server::embedded_pg::EmbeddedPostgres;

fn row(name: &str, value: String, unit: &str) {
    println!("| {name:<60} | {value:>12} | {unit:<5} |");
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
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(8).connect_with(cluster.connect_options().options([("jit", "off")])).await.unwrap();
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
        audit::audited(&pool, &context, "user.set_active", None, serde_json::json!(["bench"]), serde_json::json!({ "active": !active }), || async {
            app::users::ssr::set_active(&pool, id, !active).await.map(Done::new)
        })
        .await
        .unwrap();
        audited.push(t.elapsed());
    }
    let (plain, audited) = (median(plain), median(audited));
    row("user update alone (median)", format!("{:.2}", plain.as_secs_f64() * 1000.0), "ms");
    row("same update, write-ahead audited (median)", format!("{:.2}", audited.as_secs_f64() * 1000.0), "ms");
    row("audited / alone", format!("{:.2}", audited.as_secs_f64() / plain.as_secs_f64()), "ratio");

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

    let t = Instant::now();
    let check = audit::verify(&pool).await.unwrap();
    assert!(matches!(check, ChainCheck::Intact { .. }), "{check:?}");
    row("verify the whole chain", format!("{:.0}", (events + 2 * rounds as i64) as f64 / t.elapsed().as_secs_f64()), "ev/s");

    pool.close().await;
    cluster.stop().await;
}
