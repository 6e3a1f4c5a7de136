//! Shared by the integration tests: the real router on a real port.

#![allow(dead_code)]

use std::net::SocketAddr;

use app::state::AppState;
use leptos::prelude::LeptosOptions;
use server::http::{router, SessionPolicy};
use sqlx::PgPool;

pub struct TestServer {
    pub base: String,
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
    server::database::migrate(&pool).await.expect("migrations apply");
    let state = AppState { leptos_options: leptos_options(), pool };
    let policy = SessionPolicy { secure_cookie: false, idle_timeout: time::Duration::minutes(30) };
    let app = router(state, policy);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    TestServer { base: format!("http://{addr}"), task }
}
