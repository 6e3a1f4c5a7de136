//! Shared by the integration tests: the real router on a real port, users, logins.

#![allow(dead_code)]

use std::net::SocketAddr;

use app::{
    auth::{
        ssr::{AuthConfig, Backend},
        Role,
    },
    state::AppState,
};
use leptos::prelude::LeptosOptions;
use server::http::{router, SessionPolicy};
use sqlx::PgPool;

pub struct TestServer {
    pub base: String,
    pub pool: PgPool,
    /// The server's backend (its master key opens the connections it stored).
    pub backend: Backend,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn leptos_options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("voxdesk")
        .site_root("target/site")
        .site_pkg_dir("pkg")
        .build()
}

/// Migrates `pool` and serves the full router on a free loopback port.
pub async fn start(pool: PgPool) -> TestServer {
    start_with(pool, AuthConfig::default()).await
}

pub async fn start_with(pool: PgPool, auth: AuthConfig) -> TestServer {
    server::database::migrate(&pool).await.expect("migrations apply");
    start_migrated(pool, auth).await
}

/// Serves the full router on `pool` as it is (its role may be unable to migrate).
pub async fn start_migrated(pool: PgPool, auth: AuthConfig) -> TestServer {
    let backend = Backend::new(pool.clone(), auth, app::connections::vault::Keyring::generate());
    let state = AppState { leptos_options: leptos_options(), backend: backend.clone() };
    let policy = SessionPolicy {
        secure_cookie: false,
        idle_timeout: time::Duration::seconds(auth.idle_timeout.as_secs() as i64),
    };
    let app = router(state, policy);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    TestServer { base: format!("http://{addr}"), pool, backend, task }
}

pub const PASSWORD: &str = "correct horse battery staple";

/// Adds a user with [`PASSWORD`].
pub async fn add_user(pool: &PgPool, username: &str, role: Role) -> String {
    let created = app::users::ssr::create(
        pool,
        username.into(),
        format!("{username}@voxdesk.example"),
        format!("{} Person", role.label()),
        role,
        Some(PASSWORD.into()),
    )
    .await
    .expect("user created");
    created.user.id
}

/// A client with its own cookie jar that does not follow redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn login(&self, client: &reqwest::Client, username: &str, password: &str) -> reqwest::Response {
        client
            .post(self.url("/api/auth/login"))
            .form(&[("username", username), ("password", password)])
            .send()
            .await
            .unwrap()
    }

    /// A client signed in as `username` (with [`PASSWORD`]).
    pub async fn signed_in(&self, username: &str) -> reqwest::Client {
        let client = client();
        let response = self.login(&client, username, PASSWORD).await;
        assert!(response.status().is_success() || response.status().is_redirection(), "login failed: {}", response.status());
        client
    }

    /// Who the server thinks `client` is (`null` when nobody).
    pub async fn me(&self, client: &reqwest::Client) -> serde_json::Value {
        let me: serde_json::Value = client.post(self.url("/api/auth/me")).send().await.unwrap().json().await.unwrap();
        me.get("user").cloned().unwrap_or(serde_json::Value::Null)
    }
}

/// The sandbox on a free loopback port, served over real HTTP: it and its API base URL.
pub async fn start_sandbox() -> (sandbox::Sandbox, String) {
    let sandbox = sandbox::Sandbox::new(Default::default()).unwrap();
    let router = sandbox.router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/platform_api/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (sandbox, url)
}

/// The form that adds `sandbox`'s parent account as the connection "Main".
pub fn connection_form(sandbox: &sandbox::Sandbox, base_url: &str) -> Vec<(&'static str, String)> {
    let parent = sandbox.parent();
    vec![
        ("name", "Main".to_string()),
        ("kind", "api_key".into()),
        ("base_url", base_url.to_string()),
        ("account_id", parent.account_id.to_string()),
        ("api_key", parent.api_key.clone()),
    ]
}
