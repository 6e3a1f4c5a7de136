//! Portal users, managed by admins: list, add, change role, disable, reset password.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{auth::Role, error::AppError};

#[cfg(feature = "ssr")]
pub mod actions;
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
    /// Signs in with a code from an app too.
    pub two_step: bool,
}

/// Whether a role must use two-step sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleTwoStep {
    pub role: Role,
    pub required: bool,
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
    ssr::service::<ssr::UserAdmin>().await?.list().await
}

#[server(endpoint = "users/create")]
pub async fn create_user(
    username: String,
    email: String,
    display_name: String,
    role: String,
    password: Option<String>,
) -> Result<CreatedUser, AppError> {
    ssr::service::<ssr::UserAdmin>().await?.create(username, email, display_name, &role, password).await
}

#[server(endpoint = "users/set-role")]
pub async fn set_user_role(id: String, role: String) -> Result<UserView, AppError> {
    ssr::service::<ssr::UserAdmin>().await?.set_role(&id, &role).await
}

#[server(endpoint = "users/set-active")]
pub async fn set_user_active(id: String, active: bool) -> Result<UserView, AppError> {
    ssr::service::<ssr::UserAdmin>().await?.set_active(&id, active).await
}

#[server(endpoint = "users/reset-password")]
pub async fn reset_user_password(id: String) -> Result<String, AppError> {
    ssr::service::<ssr::UserAdmin>().await?.reset_password(&id).await
}

/// Turns someone's two-step sign-in off and ends their sessions (a lost phone).
#[server(endpoint = "users/reset-two-step")]
pub async fn reset_two_step(id: String) -> Result<UserView, AppError> {
    ssr::service::<ssr::UserAdmin>().await?.reset_two_step(&id).await
}

#[server(endpoint = "users/two-step-policy")]
pub async fn two_step_policy() -> Result<Vec<RoleTwoStep>, AppError> {
    ssr::service::<ssr::UserAdmin>().await?.two_step_policy().await
}

/// Requires two-step sign-in for a role, or stops requiring it. Someone of that role
/// without it can open only their own account page until they set it up.
#[server(endpoint = "users/set-two-step-required")]
pub async fn set_two_step_required(role: String, required: bool) -> Result<Vec<RoleTwoStep>, AppError> {
    ssr::service::<ssr::UserAdmin>().await?.set_two_step_required(&role, required).await
}
