//! `voxdesk user …`: user management from the command line, for the first admin and
//! for recovery when nobody can sign in.

use app::{
    audit::ssr::{audited, AuditContext, Performed},
    auth::Role,
    error::AppError,
    users::{actions, ssr as users},
};

use crate::{
    cli::{UserAction, UserArgs},
    database::Database,
};

pub async fn run(args: UserArgs) -> anyhow::Result<()> {
    let database = Database::open(&args.database).await?;
    let result = async {
        database.prepare().await?;
        act(&database.pool, args.action).await
    }
    .await;
    database.close().await;
    result
}

/// Every change from the command line is audited like one from the portal, with
/// the operating-system user as the actor.
fn cli_context() -> AuditContext {
    AuditContext::system(&crate::cli::actor())
}

async fn act(pool: &sqlx::PgPool, action: UserAction) -> anyhow::Result<()> {
    let context = cli_context();
    let audit_action = match &action {
        UserAction::Add { .. } => Some(&actions::CREATE),
        UserAction::List => None,
        UserAction::SetRole { .. } => Some(&actions::SET_ROLE),
        UserAction::Disable { .. } | UserAction::Enable { .. } => Some(&actions::SET_ACTIVE),
        UserAction::ResetPassword { .. } => Some(&actions::RESET_PASSWORD),
    };
    let Some(audit_action) = audit_action else { return perform(pool, action).await };
    let params = match &action {
        UserAction::Add { username, email, role, .. } => serde_json::json!({ "username": username, "email": email, "role": role }),
        UserAction::SetRole { username, role } => serde_json::json!({ "username": username, "role": role }),
        UserAction::Disable { username } => serde_json::json!({ "username": username, "active": false }),
        UserAction::Enable { username } => serde_json::json!({ "username": username, "active": true }),
        UserAction::ResetPassword { username } => serde_json::json!({ "username": username }),
        UserAction::List => serde_json::json!({}),
    };
    let target = params["username"].clone();
    audited(pool, &context, audit_action, serde_json::json!([target]), params, || async {
        perform(pool, action).await.map(Performed::new).map_err(|e| AppError::invalid("cli", format!("{e:#}")))
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))
}

async fn perform(pool: &sqlx::PgPool, action: UserAction) -> anyhow::Result<()> {
    match action {
        UserAction::Add { username, email, display_name, role, password } => {
            let created = users::create(pool, username, email, display_name, parse_role(&role)?, password).await.map_err(explain)?;
            println!("added {} ({}) as {}", created.user.username, created.user.email, created.user.role);
            if let Some(password) = created.generated_password {
                println!("password (shown once): {password}");
            }
        }
        UserAction::List => {
            for user in users::list(pool).await.map_err(explain)? {
                let status = if user.active { "active" } else { "disabled" };
                println!("{:<24} {:<9} {:<9} {} <{}>", user.username, user.role, status, user.display_name, user.email);
            }
        }
        UserAction::SetRole { username, role } => {
            let user = users::find_by_username(pool, &username).await.map_err(explain)?;
            let user = users::set_role(pool, users::parse_id(&user.id).map_err(explain)?, parse_role(&role)?).await.map_err(explain)?;
            println!("{} is now {}; their sessions have ended", user.username, user.role);
        }
        UserAction::Disable { username } => set_active(pool, &username, false).await?,
        UserAction::Enable { username } => set_active(pool, &username, true).await?,
        UserAction::ResetPassword { username } => {
            let user = users::find_by_username(pool, &username).await.map_err(explain)?;
            let password = users::reset_password(pool, users::parse_id(&user.id).map_err(explain)?, None).await.map_err(explain)?;
            println!("new password for {} (shown once): {password}", user.username);
        }
    }
    Ok(())
}

async fn set_active(pool: &sqlx::PgPool, username: &str, active: bool) -> anyhow::Result<()> {
    let user = users::find_by_username(pool, username).await.map_err(explain)?;
    let user = users::set_active(pool, users::parse_id(&user.id).map_err(explain)?, active).await.map_err(explain)?;
    println!("{} is {}", user.username, if user.active { "enabled" } else { "disabled; their sessions have ended" });
    Ok(())
}

fn parse_role(text: &str) -> anyhow::Result<Role> {
    Role::parse(text).ok_or_else(|| anyhow::anyhow!("unknown role {text:?}: use admin, reseller, support or auditor"))
}

fn explain(error: AppError) -> anyhow::Error {
    match error {
        AppError::Invalid(problems) => anyhow::anyhow!(
            "{}",
            problems.iter().map(|p| format!("{}: {}", p.field.replace('_', "-"), p.message)).collect::<Vec<_>>().join("; ")
        ),
        other => anyhow::anyhow!("{other}"),
    }
}
