//! Your own account, for every signed-in user: who you are, changing your password
//! (the current one required; every other session ends) and where you are signed in,
//! with "Sign out everywhere else".

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{access::Role, error::AppError};

#[cfg(feature = "ssr")]
pub mod actions;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

/// The signed-in user as they see themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyAccount {
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    /// Most recently used first; the one making the request is `current`.
    pub sessions: Vec<MySession>,
}

/// One place the user is signed in. No session id: only what helps to recognise it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MySession {
    /// "Firefox on Windows".
    pub browser: String,
    pub address: String,
    /// "2026-12-03 08:40 UTC".
    pub signed_in_at: String,
    pub last_seen: String,
    pub current: bool,
}

impl MyAccount {
    pub fn other_sessions(&self) -> usize {
        self.sessions.iter().filter(|session| !session.current).count()
    }
}

#[server(endpoint = "me/account")]
pub async fn get_my_account() -> Result<MyAccount, AppError> {
    ssr::service::<ssr::Myself>().await?.account().await
}

/// A new password for yourself: the current one proves it is you; afterwards every
/// other session of yours has ended and this one goes on under a new id.
#[server(endpoint = "me/change-password")]
pub async fn change_my_password(
    current_password: String,
    new_password: String,
    new_password_again: String,
) -> Result<(), AppError> {
    ssr::service::<ssr::Myself>().await?.change_password(current_password, new_password, new_password_again).await
}

/// Ends every session of yours but this one; answers how many ended.
#[server(endpoint = "me/sign-out-elsewhere")]
pub async fn sign_out_elsewhere() -> Result<usize, AppError> {
    ssr::service::<ssr::Myself>().await?.sign_out_elsewhere().await
}
