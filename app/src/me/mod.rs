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
pub mod two_step;

/// The signed-in user as they see themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyAccount {
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    /// Most recently used first; the one making the request is `current`.
    pub sessions: Vec<MySession>,
    pub two_step: TwoStepStatus,
}

/// Whether the user signs in with a code from an app too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoStepStatus {
    pub on: bool,
    /// Their role requires it (they cannot use anything else until it is on).
    pub required: bool,
    pub recovery_codes_left: i64,
}

/// What setting up two-step sign-in shows once: the QR code for the app, and the same
/// secret as text for an app that cannot scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoStepSetup {
    /// "JBSW Y3DP EHPK 3PXP …"
    pub secret_text: String,
    /// An SVG drawn on the server.
    pub qr_svg: String,
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

/// Starts setting up two-step sign-in: a new secret for the authenticator app, not
/// used until a code from the app confirms it.
#[server(endpoint = "me/two-step/begin")]
pub async fn begin_two_step() -> Result<TwoStepSetup, AppError> {
    ssr::service::<ssr::Myself>().await?.begin_two_step().await
}

/// Turns two-step sign-in on with a code from the app; answers the recovery codes,
/// shown this once.
#[server(endpoint = "me/two-step/confirm")]
pub async fn confirm_two_step(code: String) -> Result<Vec<String>, AppError> {
    ssr::service::<ssr::Myself>().await?.confirm_two_step(code).await
}

/// Turns two-step sign-in off: the current password and a code (or recovery code)
/// prove it is you.
#[server(endpoint = "me/two-step/turn-off")]
pub async fn turn_off_two_step(current_password: String, code: String) -> Result<(), AppError> {
    ssr::service::<ssr::Myself>().await?.turn_off_two_step(current_password, code).await
}

/// Replaces your recovery codes (the old ones stop working); a code from the app
/// proves it is you.
#[server(endpoint = "me/two-step/new-recovery-codes")]
pub async fn new_recovery_codes(code: String) -> Result<Vec<String>, AppError> {
    ssr::service::<ssr::Myself>().await?.new_recovery_codes(code).await
}
