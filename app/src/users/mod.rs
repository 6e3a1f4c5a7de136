//! Portal users, managed by admins: list, add, change role, disable, reset password.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{auth::Role, error::AppError};

pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

/// A user as admins see them. No password material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    pub created_at: String,
}

/// A new user, with the password generated for them when none was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedUser {
    pub user: UserView,
    /// Shown once, to hand over; never stored in clear.
    pub generated_password: Option<String>,
}

#[server(endpoint = "users/list")]
pub async fn list_users() -> Result<Vec<UserView>, AppError> {
    use crate::auth::ssr::{cap, require};
    let access = require::<cap::ManageUsers>().await.map_err(AppError::respond)?;
    ssr::list(access.db()).await.map_err(AppError::respond)
}

#[server(endpoint = "users/create")]
pub async fn create_user(
    username: String,
    email: String,
    display_name: String,
    role: String,
    password: Option<String>,
) -> Result<CreatedUser, AppError> {
    use crate::auth::ssr::{cap, require};
    use crate::audit::ssr::{audited, Done};
    let access = require::<cap::ManageUsers>().await.map_err(AppError::respond)?;
    let role = parse_role(&role).map_err(AppError::respond)?;
    let password = password.filter(|p| !p.is_empty());
    let params = serde_json::json!({ "username": username, "email": email, "display_name": display_name, "role": role });
    audited(access.db(), &access.audit_context().await, "user.create", None, serde_json::json!([username]), params, || async {
        let created = ssr::create(access.db(), username, email, display_name, role, password).await?;
        let targets = serde_json::json!([created.user.username, created.user.id]);
        Ok(Done { value: created, changes: None, targets: Some(targets) })
    })
    .await
    .map_err(AppError::respond)
}

#[server(endpoint = "users/set-role")]
pub async fn set_user_role(id: String, role: String) -> Result<UserView, AppError> {
    use crate::auth::ssr::{cap, require};
    let access = require::<cap::ManageUsers>().await.map_err(AppError::respond)?;
    let role = parse_role(&role).map_err(AppError::respond)?;
    let id = ssr::parse_id(&id).map_err(AppError::respond)?;
    if id == access.user().id {
        return Err(AppError::Conflict("You cannot change your own role.".into()).respond());
    }
    let params = serde_json::json!({ "id": id, "role": role });
    let pool = access.db().clone();
    audited_change(&access, "user.set_role", id, params, |before| async move {
        let after = ssr::set_role(&pool, id, role).await?;
        let changes = serde_json::json!({ "role": { "before": before.role, "after": after.role } });
        Ok((after, changes))
    })
    .await
}

#[server(endpoint = "users/set-active")]
pub async fn set_user_active(id: String, active: bool) -> Result<UserView, AppError> {
    use crate::auth::ssr::{cap, require};
    let access = require::<cap::ManageUsers>().await.map_err(AppError::respond)?;
    let id = ssr::parse_id(&id).map_err(AppError::respond)?;
    if id == access.user().id && !active {
        return Err(AppError::Conflict("You cannot disable your own account.".into()).respond());
    }
    let params = serde_json::json!({ "id": id, "active": active });
    let pool = access.db().clone();
    audited_change(&access, "user.set_active", id, params, |before| async move {
        let after = ssr::set_active(&pool, id, active).await?;
        let changes = serde_json::json!({ "active": { "before": before.active, "after": after.active } });
        Ok((after, changes))
    })
    .await
}

#[server(endpoint = "users/reset-password")]
pub async fn reset_user_password(id: String) -> Result<String, AppError> {
    use crate::auth::ssr::{cap, require};
    let access = require::<cap::ManageUsers>().await.map_err(AppError::respond)?;
    let id = ssr::parse_id(&id).map_err(AppError::respond)?;
    let params = serde_json::json!({ "id": id });
    let pool = access.db().clone();
    audited_change(&access, "user.reset_password", id, params, |_| async move {
        let password = ssr::reset_password(&pool, id, None).await?;
        Ok((password, serde_json::json!({ "password": { "before": "[redacted]", "after": "[redacted]" } })))
    })
    .await
}

/// An audited edit of one user: the user as before is loaded first (and must exist),
/// then `change` runs between the intent and the outcome, which records the diff.
#[cfg(feature = "ssr")]
async fn audited_change<T, F, Fut>(
    access: &crate::auth::ssr::Authorized<crate::auth::ssr::cap::ManageUsers>,
    action: &str,
    id: uuid::Uuid,
    params: serde_json::Value,
    change: F,
) -> Result<T, AppError>
where
    F: FnOnce(UserView) -> Fut,
    Fut: std::future::Future<Output = Result<(T, serde_json::Value), AppError>>,
{
    use crate::audit::ssr::{audited, Done};
    let before = ssr::find(access.db(), id).await.map_err(AppError::respond)?;
    let targets = serde_json::json!([before.username, before.id]);
    audited(access.db(), &access.audit_context().await, action, None, targets, params, || async move {
        let (value, changes) = change(before).await?;
        Ok(Done { value, changes: Some(changes), targets: None })
    })
    .await
    .map_err(AppError::respond)
}

#[cfg(feature = "ssr")]
fn parse_role(text: &str) -> Result<Role, AppError> {
    Role::parse(text).ok_or_else(|| AppError::invalid("role", "Choose a role."))
}
