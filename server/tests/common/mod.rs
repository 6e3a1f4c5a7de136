//! The test portal: the real router on a free port over real HTTP, with (when asked)
//! its sandbox, its connection and a signed-in user per role; server functions called
//! by their type; the audit log read by action.

#![allow(dead_code)]

use std::net::SocketAddr;

use app::{
    access::Role,
    backend::{AppState, AuthConfig, Backend},
    error::AppError,
};
use leptos::{prelude::LeptosOptions, server_fn::ServerFn};
use serde::{de::DeserializeOwned, Serialize};
use app::request::TrustedProxies;
use server::http::{router, SessionPolicy};
use sqlx::PgPool;

pub struct TestServer {
    pub base: String,
    pub pool: PgPool,
    /// The server's backend (its master key opens the connections it stored).
    pub backend: Backend,
    task: tokio::task::JoinHandle<()>,
    /// Hears of row changes (see `app::row_cache`).
    listener: tokio::task::JoinHandle<()>,
    _one_at_a_time: OneServerAtATime,
}

/// One test server at a time per test binary. Each `#[sqlx::test]` runs on its own
/// thread with its own single-threaded runtime; with two of them rendering pages at
/// once, one render occasionally never finished (about 1 run in 8 of `tests/http.rs`,
/// never with one test thread, never in the portal's own multi-threaded runtime).
/// Until that is understood, tests that serve do so one after another.
struct OneServerAtATime(Option<std::sync::MutexGuard<'static, ()>>);

static SERVING: std::sync::Mutex<()> = std::sync::Mutex::new(());

thread_local! {
    static HELD_HERE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

impl OneServerAtATime {
    fn take() -> Self {
        let held = HELD_HERE.get();
        HELD_HERE.set(held + 1);
        // A test that starts a second server already holds the turn.
        if held > 0 {
            return OneServerAtATime(None);
        }
        OneServerAtATime(Some(SERVING.lock().unwrap_or_else(|poisoned| poisoned.into_inner())))
    }
}

impl Drop for OneServerAtATime {
    fn drop(&mut self) {
        HELD_HERE.set(HELD_HERE.get().saturating_sub(1));
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
        self.listener.abort();
    }
}

pub fn leptos_options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("voxdesk")
        .site_root(test_site_root().to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .build()
}

/// The static asset every test portal serves (from [`test_site_root`]).
pub const TEST_ASSET: &str = "/pkg/voxdesk.css";

/// A site directory for the test portals: just one stylesheet, so the static files
/// are served as in production without building the WASM.
fn test_site_root() -> &'static std::path::Path {
    static ROOT: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("voxdesk-test-site-{}", std::process::id()));
        std::fs::create_dir_all(root.join("pkg")).expect("test site directory");
        std::fs::write(root.join(TEST_ASSET.trim_start_matches('/')), "body { margin: 0 }\n").expect("test asset");
        root
    })
}

/// Migrates `pool` and serves the full router on a free loopback port.
pub async fn start(pool: PgPool) -> TestServer {
    start_with(pool, AuthConfig::default()).await
}

pub async fn start_with(pool: PgPool, auth: AuthConfig) -> TestServer {
    server::database::migrate(&pool).await.expect("migrations apply");
    two_step_optional_for_every_role(&pool).await;
    start_migrated(pool, auth).await
}

/// The test portal's users sign in with a password only, as most tests need; the
/// two-step tests require it again for the roles they test (the default requires it
/// for admins and resellers).
pub async fn two_step_optional_for_every_role(pool: &PgPool) {
    for role in Role::ALL {
        app::auth::ssr::mfa::set_required(pool, role, false).await.expect("policy set");
    }
}

/// Serves the full router on `pool` as it is (its role may be unable to migrate).
pub async fn start_migrated(pool: PgPool, auth: AuthConfig) -> TestServer {
    serve_backend(Backend::new(pool, auth, app::vault::Keyring::generate()), TrustedProxies::default()).await
}

/// As [`start`], behind reverse proxies at `proxies` (`--trusted-proxy`).
pub async fn start_behind(pool: PgPool, proxies: &[&str]) -> TestServer {
    server::database::migrate(&pool).await.expect("migrations apply");
    two_step_optional_for_every_role(&pool).await;
    let proxies = TrustedProxies::parse(proxies).expect("valid networks");
    serve_backend(Backend::new(pool, AuthConfig::default(), app::vault::Keyring::generate()), proxies).await
}

impl TestServer {
    /// A second portal instance on the same database with the same master key, as
    /// two instances behind a load balancer are.
    pub async fn another_instance(&self) -> TestServer {
        serve_backend(Backend::new(self.pool.clone(), self.backend.auth, self.backend.keyring().clone()), TrustedProxies::default()).await
    }
}

async fn serve_backend(backend: Backend, proxies: TrustedProxies) -> TestServer {
    let turn = OneServerAtATime::take();
    let pool = backend.unguarded_pool().clone();
    let auth = backend.auth;
    let state = AppState { leptos_options: leptos_options(), backend: backend.clone() };
    let policy = SessionPolicy {
        secure_cookie: false,
        idle_timeout: time::Duration::seconds(auth.idle_timeout.as_secs() as i64),
    };
    let (addr, task) = serve(router(state, policy, proxies, Default::default())).await;
    // As `voxdesk serve` does: rows are kept while their changes are heard of.
    let listener = backend.rows().spawn_listener(pool.clone());
    TestServer { base: format!("http://{addr}"), pool, backend, task, listener, _one_at_a_time: turn }
}

/// Serves `router` on a free loopback port (with client addresses, as in production).
pub async fn serve(router: axum::Router) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    (addr, task)
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
    start_sandbox_with(Default::default()).await
}

pub async fn start_sandbox_with(config: sandbox::SandboxConfig) -> (sandbox::Sandbox, String) {
    let sandbox = sandbox::Sandbox::new(config).unwrap();
    let (addr, _) = serve(sandbox.router()).await;
    (sandbox, format!("http://{addr}/platform_api/"))
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

impl TestServer {
    /// Calls the server function `call` as `client`, over HTTP, exactly as the browser
    /// does (form-encoded arguments at its path), and decodes its answer. An error's
    /// HTTP status must be the one its `AppError` stands for.
    pub async fn call<F>(&self, client: &reqwest::Client, call: F) -> Result<F::Output, AppError>
    where
        F: ServerFn + Serialize,
        F::Output: DeserializeOwned,
    {
        let body = serde_qs::to_string(&call).expect("the arguments encode");
        let response = client
            .post(self.url(F::PATH))
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let bytes = response.bytes().await.unwrap();
        if status.is_success() {
            return Ok(serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}: {bytes:?}", F::PATH)));
        }
        let error: AppError = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{} ({status}): {e}: {bytes:?}", F::PATH));
        assert_eq!(status.as_u16(), error.status(), "{}: the status says something else than {error:?}", F::PATH);
        Err(error)
    }
}

/// A portal with a sandbox behind it: the connection "Main" to the sandbox's parent
/// account, added by the admin `boss`, and one signed-in user per role.
pub struct Portal {
    pub server: TestServer,
    pub sandbox: sandbox::Sandbox,
    pub sandbox_url: String,
    pub connection: app::connections::ConnectionView,
    users: Vec<(Role, reqwest::Client)>,
}

/// The user name the portal gives each role.
pub fn username(role: Role) -> &'static str {
    match role {
        Role::Admin => "boss",
        Role::Reseller => "seller",
        Role::Support => "helpdesk",
        Role::Auditor => "inspector",
    }
}

impl Portal {
    pub async fn start(pool: &PgPool) -> Portal {
        Portal::start_with(pool, Default::default()).await
    }

    /// A portal whose sandbox is configured (more children, say).
    pub async fn start_with(pool: &PgPool, sandbox: sandbox::SandboxConfig) -> Portal {
        Portal::start_serving(pool, start(pool.clone()).await, sandbox).await
    }

    /// A portal on a server already started on `pool`'s database (through a
    /// [`DatabaseLink`], say).
    pub async fn start_serving(pool: &PgPool, server: TestServer, sandbox: sandbox::SandboxConfig) -> Portal {
        let mut users = Vec::new();
        for role in Role::ALL {
            add_user(pool, username(role), role).await;
            users.push((role, server.signed_in(username(role)).await));
        }
        let (sandbox, sandbox_url) = start_sandbox_with(sandbox).await;
        let parent = sandbox.parent();
        let add = app::connections::AddConnection {
            name: "Main".into(),
            kind: "api_key".into(),
            base_url: sandbox_url.clone(),
            account_id: Some(parent.account_id.to_string()),
            api_key: Some(parent.api_key.clone()),
            credentials_json: None,
        };
        let admin = &users[0].1;
        let connection = server.call(admin, add).await.expect("the sandbox connection is added");
        Portal { server, sandbox, sandbox_url, connection, users }
    }

    /// The signed-in client of `role`'s user.
    pub fn as_role(&self, role: Role) -> &reqwest::Client {
        &self.users.iter().find(|(r, _)| *r == role).expect("every role has a user").1
    }

    /// Calls `call` as `role`'s user.
    pub async fn call<F>(&self, role: Role, call: F) -> Result<F::Output, AppError>
    where
        F: ServerFn + Serialize,
        F::Output: DeserializeOwned,
    {
        self.server.call(self.as_role(role), call).await
    }
}

impl Portal {
    /// The sandbox's parent, called directly (not through the portal): what Voximplant
    /// would have done had the portal's call got through.
    pub fn voximplant_directly(&self) -> voximplant::client::Client {
        use voximplant::client::{Client, ClientConfig, Credentials};
        let parent = self.sandbox.parent();
        let config = ClientConfig {
            base_url: self.sandbox_url.clone(),
            timeout: std::time::Duration::from_secs(5),
            read_attempts: 1,
            retry_backoff: std::time::Duration::from_millis(10),
            ..ClientConfig::default()
        };
        let credentials = Credentials::ApiKey { account_id: parent.account_id, api_key: voximplant::Secret::new(parent.api_key) };
        Client::new(credentials, config).unwrap()
    }

    /// Voximplant answers `method` with 503 (`on`) or normally again.
    pub fn outage(&self, method: &str, on: bool) {
        let faults = if on {
            let fault = sandbox::faults::Fault { http_status: Some(503), ..Default::default() };
            sandbox::faults::Faults([(method.to_string(), fault)].into())
        } else {
            Default::default()
        };
        self.sandbox.set_faults(faults);
    }

    /// A bulk job once it has ended (within 30 s), as `role` sees it.
    pub async fn finished_job(&self, role: Role, id: &str) -> app::children::bulk::BulkJob {
        let started = std::time::Instant::now();
        loop {
            let job = self.call(role, app::children::bulk::GetBulkJob { id: id.into() }).await.unwrap();
            if !job.state.is_open() {
                return job;
            }
            assert!(started.elapsed() < std::time::Duration::from_secs(30), "the job never ended: {job:?}");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// One audit event as tests look at it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Event {
    pub seq: i64,
    pub kind: String,
    pub outcome: Option<String>,
    pub method: Option<String>,
    pub targets: String,
    pub params: String,
    pub changes: Option<String>,
    pub outcome_detail: Option<String>,
    pub actor_name: Option<String>,
    pub connection_name: Option<String>,
    pub latency_ms: Option<f64>,
}

/// Every event of `action`, oldest first.
pub async fn audit_events(pool: &PgPool, action: &str) -> Vec<Event> {
    sqlx::query_as(
        "SELECT seq, kind, outcome, method, targets, params, changes, outcome_detail, actor_name, connection_name, latency_ms
         FROM audit_events WHERE action = $1 ORDER BY seq",
    )
    .bind(action)
    .fetch_all(pool)
    .await
    .unwrap()
}

/// The outcomes recorded for `action`, oldest first.
pub async fn outcomes(pool: &PgPool, action: &str) -> Vec<Event> {
    audit_events(pool, action).await.into_iter().filter(|e| e.kind == "outcome").collect()
}

/// The portal's road to PostgreSQL, which a test can cut and mend: a TCP relay whose
/// `cut` drops every connection and refuses new ones — to the portal, exactly
/// PostgreSQL going away — and whose `mend` lets connections through again.
pub struct DatabaseLink {
    pub port: u16,
    up: std::sync::Arc<std::sync::atomic::AtomicBool>,
    relays: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl DatabaseLink {
    pub async fn to(host: &str, port: u16) -> DatabaseLink {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let local = listener.local_addr().unwrap().port();
        let up = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let relays = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let upstream = format!("{host}:{port}");
        let accept = tokio::spawn({
            let (up, relays) = (up.clone(), relays.clone());
            async move {
                while let Ok((mut client, _)) = listener.accept().await {
                    if !up.load(Ordering::SeqCst) {
                        continue; // dropped: the connection is closed at once
                    }
                    let upstream = upstream.clone();
                    let relay = tokio::spawn(async move {
                        if let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        }
                    });
                    relays.lock().unwrap().push(relay);
                }
            }
        });
        DatabaseLink { port: local, up, relays, accept }
    }

    pub fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        for relay in self.relays.lock().unwrap().drain(..) {
            relay.abort();
        }
    }

    pub fn mend(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// A pool as the server makes it, connecting through this link to `pool`'s database.
    pub async fn pool_like(&self, pool: &PgPool) -> PgPool {
        let options = (*pool.connect_options()).clone().host("127.0.0.1").port(self.port);
        server::database::connect(options, 10).await.expect("the pool connects through the link")
    }
}

impl Drop for DatabaseLink {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}
