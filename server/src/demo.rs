//! Demo mode (`voxdesk serve --demo`, what `make run` uses): one user per role, so
//! a new user can sign in and try every page without setting anything up.

use std::path::Path;

use app::{
    access::Role,
    backend::Backend,
    connections::ssr::{upsert_unchecked, SecretInput},
    users::ssr as users,
};
use sandbox::{Sandbox, SandboxConfig};
use sqlx::PgPool;
use voximplant::Secret;

/// The name of the connection demo mode keeps pointed at its sandbox.
pub const DEMO_CONNECTION: &str = "Sandbox (demo)";

/// The in-process sandbox; its server stops when this is dropped.
pub struct RunningSandbox {
    pub base_url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the sandbox on a loopback port (real HTTP between portal and sandbox),
/// with its state kept in the data directory, and points the demo connection at it.
pub async fn start_sandbox(backend: &Backend, data_dir: &Path, children: u32, rate_limit: u32) -> anyhow::Result<RunningSandbox> {
    let sandbox = Sandbox::new(SandboxConfig {
        state_file: Some(data_dir.join("sandbox-state.json")),
        seed_children: children as usize,
        rate_limit_per_second: rate_limit,
        ..SandboxConfig::default()
    })?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base_url = format!("http://{}/platform_api/", listener.local_addr()?);
    let router = sandbox.router();
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            tracing::error!(%error, "the demo sandbox stopped");
        }
    });
    let parent = sandbox.parent();
    let secret = SecretInput::ApiKey { account_id: parent.account_id, api_key: Secret::new(parent.api_key.clone()) };
    upsert_unchecked(backend, DEMO_CONNECTION, &base_url, &secret, &parent.account_name)
        .await
        .map_err(|error| anyhow::anyhow!("cannot store the demo connection: {error}"))?;
    // For trying the service-account (JWT) kind of connection too.
    let credentials = data_dir.join("sandbox-credentials.json");
    crate::sandbox::write_private(&credentials, &parent.credentials_json())?;
    tracing::info!(%base_url, "demo sandbox running");
    println!("Demo Voximplant sandbox at {base_url} (connection \"{DEMO_CONNECTION}\")");
    println!("  its service-account credentials JSON: {}", credentials.display());
    Ok(RunningSandbox { base_url, task })
}

/// The demo users' names: `demo-admin`, `demo-reseller`, ...
pub fn demo_username(role: Role) -> String {
    format!("demo-{}", role.as_str())
}

/// Creates the demo users that do not exist yet and prints their passwords, once.
pub async fn ensure_demo_users(pool: &PgPool) -> anyhow::Result<()> {
    let mut created = Vec::new();
    for role in Role::ALL {
        let username = demo_username(role);
        if users::find_by_username(pool, &username).await.is_ok() {
            continue;
        }
        let user = users::create(
            pool,
            username.clone(),
            format!("{username}@demo.voxdesk.example"),
            format!("Demo {}", role.label()),
            role,
            None,
        )
        .await
        .map_err(|error| anyhow::anyhow!("cannot create the demo user {username}: {error}"))?;
        created.push((role, username, user.generated_password.unwrap_or_default()));
    }
    if created.is_empty() {
        println!("Demo users exist already (demo-admin, demo-reseller, demo-support, demo-auditor).");
        println!("  Forgot a password? voxdesk user reset-password demo-admin");
        return Ok(());
    }
    // A demo is tried by one person in a minute or two: two-step sign-in (required
    // for admins and resellers by default) is set to required for no role, and said so.
    for role in Role::ALL {
        app::auth::ssr::mfa::set_required(pool, role, false).await.map_err(|error| anyhow::anyhow!("{error}"))?;
    }
    println!("Demo: two-step sign-in is optional for every role (an admin can require it on the Admin page).");
    println!("Demo users (passwords are shown only this once):");
    for (role, username, password) in created {
        println!("  {:<9} {:<14} {password}", role.as_str(), username);
    }
    Ok(())
}
