//! Demo mode (`voxdesk serve --demo`, what `make run` uses): one user per role, so
//! a new user can sign in and try every page without setting anything up.

use app::{auth::Role, users::ssr as users};
use sqlx::PgPool;

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
    println!("Demo users (passwords are shown only this once):");
    for (role, username, password) in created {
        println!("  {:<9} {:<14} {password}", role.as_str(), username);
    }
    Ok(())
}
