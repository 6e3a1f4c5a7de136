//! The session cookie and store, as configured for the portal.

use axum::{routing::get, Router};
use reqwest::header::SET_COOKIE;
use server::http::{session_layer, SessionPolicy, SECURE_SESSION_COOKIE, SESSION_COOKIE};
use sqlx::PgPool;
use tower_sessions::Session;

async fn serve(pool: PgPool, secure_cookie: bool) -> String {
    server::database::migrate(&pool).await.unwrap();
    let policy = SessionPolicy { secure_cookie, idle_timeout: time::Duration::minutes(30) };
    let app = Router::new()
        .route(
            "/visit",
            get(|session: Session| async move {
                let visits: u32 = session.get("visits").await.unwrap().unwrap_or(0) + 1;
                session.insert("visits", visits).await.unwrap();
                visits.to_string()
            }),
        )
        .layer(session_layer(pool, Default::default(), policy));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/visit")
}

fn cookie_attributes(response: &reqwest::Response) -> Vec<String> {
    cookie_named(response, SESSION_COOKIE)
}

fn cookie_named(response: &reqwest::Response, name: &str) -> Vec<String> {
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with(&format!("{name}=")), "{cookie}");
    cookie.split(';').skip(1).map(|part| part.trim().to_ascii_lowercase()).collect()
}

#[sqlx::test(migrations = false)]
async fn cookie_is_http_only_strict_and_idle_limited(pool: PgPool) {
    let url = serve(pool.clone(), false).await;
    let response = reqwest::get(&url).await.unwrap();
    let attributes = cookie_attributes(&response);
    assert!(attributes.contains(&"httponly".to_string()), "{attributes:?}");
    assert!(attributes.contains(&"samesite=strict".to_string()), "{attributes:?}");
    assert!(attributes.contains(&"max-age=1800".to_string()), "{attributes:?}");
    assert!(!attributes.contains(&"secure".to_string()), "plain-http loopback must not be Secure");
}

#[sqlx::test(migrations = false)]
async fn cookie_is_secure_when_served_over_https(pool: PgPool) {
    let url = serve(pool, true).await;
    let response = reqwest::get(&url).await.unwrap();
    // The __Host- prefix: browsers keep it only Secure, Path=/ and without a Domain.
    let attributes = cookie_named(&response, SECURE_SESSION_COOKIE);
    assert!(attributes.contains(&"secure".to_string()), "{attributes:?}");
    assert!(attributes.contains(&"path=/".to_string()), "{attributes:?}");
    assert!(!attributes.iter().any(|a| a.starts_with("domain")), "{attributes:?}");
}

#[sqlx::test(migrations = false)]
async fn sessions_live_in_postgres(pool: PgPool) {
    let url = serve(pool.clone(), false).await;
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    for expected in ["1", "2", "3"] {
        assert_eq!(client.get(&url).send().await.unwrap().text().await.unwrap(), expected);
    }
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM tower_sessions.session")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rows, 1);
    // Another browser starts from scratch.
    assert_eq!(reqwest::get(&url).await.unwrap().text().await.unwrap(), "1");
}
