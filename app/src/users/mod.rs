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
    let access = require::<cap::ManageUsers>().await.map_err(AppError::respond)?;
    let role = parse_role(&role).map_err(AppError::respond)?;
    let password = password.filter(|p| !p.is_empty());
    ssr::create(access.db(), username, email, display_name, role, password)
        .await
        .inspect(|created| tracing::info!(by = %access.user().username, user = %created.user.username, role = %role, "user created"))
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
    ssr::set_role(access.db(), id, role).await.map_err(AppError::respond)
}

#[server(endpoint = "users/set-active")]
pub async fn set_user_active(id: String, active: bool) -> Result<UserView, AppError> {
    use crate::auth::ssr::{cap, require};
    let access = require::<cap::ManageUsers>().await.map_err(AppError::respond)?;
    let id = ssr::parse_id(&id).map_err(AppError::respond)?;
    if id == access.user().id && !active {
        return Err(AppError::Conflict("You cannot disable your own account.".into()).respond());
    }
    ssr::set_active(access.db(), id, active).await.map_err(AppError::respond)
}

#[server(endpoint = "users/reset-password")]
pub async fn reset_user_password(id: String) -> Result<String, AppError> {
    use crate::auth::ssr::{cap, require};
    let access = require::<cap::ManageUsers>().await.map_err(AppError::respond)?;
    let id = ssr::parse_id(&id).map_err(AppError::respond)?;
    ssr::reset_password(access.db(), id, None).await.map_err(AppError::respond)
}

#[cfg(feature = "ssr")]
fn parse_role(text: &str) -> Result<Role, AppError> {
    Role::parse(text).ok_or_else(|| AppError::invalid("role", "Choose a role."))
}
