//! Sessions, users and connections kept in memory (app/src/row_cache.rs): a signed-in
//! page reads none of them from PostgreSQL, and a change made anywhere else — another
//! instance, the command line, an operator's SQL — ends what was kept at once.

mod common;

use std::time::{Duration, Instant};

use app::access::Role;
use common::Portal;
use sqlx::PgPool;

/// `voxdesk_kept_row_reads_total` for `table` and `answer` ("hit" or "miss").
async fn reads(portal: &Portal, table: &str, answer: &str) -> u64 {
    let text = common::client().get(portal.server.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let series = format!("voxdesk_kept_row_reads_total{{table=\"{table}\",answer=\"{answer}\"}} ");
    text.lines().find_map(|line| line.strip_prefix(&series)?.parse().ok()).unwrap_or_else(|| panic!("no {series} in:\n{text}"))
}

async fn listening(portal: &Portal) -> bool {
    let text = common::client().get(portal.server.url("/metrics")).send().await.unwrap().text().await.unwrap();
    text.lines().any(|line| line == "voxdesk_kept_rows_listening 1")
}

async fn until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !done().await {
        assert!(started.elapsed() < Duration::from_secs(5), "{what}: not within 5 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!("{what}: after {:?}", started.elapsed());
}

/// A page that calls nothing upstream, as `role`'s user sees it.
async fn new_child_page(portal: &Portal, role: Role) -> String {
    let page = portal.as_role(role).get(portal.server.url("/children/new")).send().await.unwrap();
    assert!(page.status().is_success(), "{}", page.status());
    page.text().await.unwrap()
}

async fn signed_in(portal: &Portal, role: Role) -> bool {
    !portal.server.me(portal.as_role(role)).await.is_null()
}

#[sqlx::test(migrations = false)]
async fn a_signed_in_page_reads_its_session_user_and_connection_from_memory(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    until("listening", async || listening(&portal).await).await;
    new_child_page(&portal, Role::Reseller).await;
    const TABLES: [&str; 3] = ["sessions", "users", "connection_list"];
    let mut before = Vec::new();
    let mut misses = Vec::new();
    for table in TABLES {
        before.push(reads(&portal, table, "hit").await);
        misses.push(reads(&portal, table, "miss").await);
    }
    for _ in 0..5 {
        assert!(new_child_page(&portal, Role::Reseller).await.contains("connection “Main”"));
    }
    for (i, table) in TABLES.into_iter().enumerate() {
        let (hits, misses_after) = (reads(&portal, table, "hit").await, reads(&portal, table, "miss").await);
        assert!(hits >= before[i] + 5, "{table}: {} hits before, {hits} after", before[i]);
        assert_eq!(misses_after, misses[i], "{table}: read from PostgreSQL again");
    }
}

/// What another instance or an operator changes in PostgreSQL ends what this one kept.
#[sqlx::test(migrations = false)]
async fn changes_made_elsewhere_end_what_was_kept(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    until("listening", async || listening(&portal).await).await;
    for role in [Role::Reseller, Role::Support, Role::Auditor] {
        new_child_page(&portal, Role::Reseller).await;
        assert!(signed_in(&portal, role).await);
    }

    // A user deactivated by SQL (as `voxdesk users` on another host would).
    sqlx::query("UPDATE users SET active = false WHERE username = $1").bind(common::username(Role::Support)).execute(&pool).await.unwrap();
    until("the deactivated user is signed out", async || !signed_in(&portal, Role::Support).await).await;

    // A connection renamed elsewhere.
    sqlx::query("UPDATE connections SET name = 'Renamed elsewhere'").execute(&pool).await.unwrap();
    until("the page names the renamed connection", async || {
        new_child_page(&portal, Role::Reseller).await.contains("connection “Renamed elsewhere”")
    })
    .await;
    assert!(signed_in(&portal, Role::Auditor).await, "the others stay signed in");

    // Sessions ended by another instance (their rows deleted there).
    let hits = reads(&portal, "sessions", "hit").await;
    assert!(signed_in(&portal, Role::Auditor).await);
    assert!(reads(&portal, "sessions", "hit").await > hits, "the auditor's session was kept");
    sqlx::query("DELETE FROM tower_sessions.session").execute(&pool).await.unwrap();
    until("the ended session is refused", async || !signed_in(&portal, Role::Auditor).await).await;
}

/// While the listening connection is gone nothing is kept, so nothing missed meanwhile
/// is believed; it comes back by itself.
#[sqlx::test(migrations = false)]
async fn nothing_is_kept_while_not_listening(pool: PgPool) {
    let portal = Portal::start(&pool).await;
    until("listening", async || listening(&portal).await).await;
    assert!(signed_in(&portal, Role::Support).await);
    let killed: Vec<bool> = sqlx::query_scalar("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND datname = current_database()")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(killed, [true], "one listening connection");
    until("not listening", async || !listening(&portal).await).await;

    let misses = reads(&portal, "users", "miss").await;
    assert!(signed_in(&portal, Role::Support).await);
    assert!(signed_in(&portal, Role::Support).await);
    assert_eq!(reads(&portal, "users", "miss").await, misses + 2, "each request read its user");

    until("listening again", async || listening(&portal).await).await;
    sqlx::query("UPDATE users SET active = false WHERE username = $1").bind(common::username(Role::Support)).execute(&pool).await.unwrap();
    until("the deactivated user is signed out", async || !signed_in(&portal, Role::Support).await).await;
}

/// This instance's own changes count from its very next request (no waiting for the
/// notice): a user an admin deactivates is out at once.
#[sqlx::test(migrations = false)]
async fn a_change_made_here_counts_from_the_next_request(pool: PgPool) {
    use app::users::SetUserActive;
    let portal = Portal::start(&pool).await;
    until("listening", async || listening(&portal).await).await;
    let support: String = sqlx::query_scalar("SELECT id::text FROM users WHERE username = $1")
        .bind(common::username(Role::Support))
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(signed_in(&portal, Role::Support).await);
    assert!(signed_in(&portal, Role::Support).await, "kept by now");
    portal.call(Role::Admin, SetUserActive { id: support.clone(), active: false }).await.unwrap();
    assert!(!signed_in(&portal, Role::Support).await, "still signed in right after being deactivated");
    portal.call(Role::Admin, SetUserActive { id: support, active: true }).await.unwrap();
    let again = portal.server.signed_in(common::username(Role::Support)).await;
    assert!(!portal.server.me(&again).await.is_null());
}
