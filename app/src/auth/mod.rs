//! Identity: portal users, login, logout and first-run setup, and (in [`ssr`]) the
//! sessions and the capability guard every server function passes through. Roles
//! and permissions themselves are in [`crate::access`].

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub use crate::access::{Access, Permission, Role};

#[cfg(feature = "ssr")]
pub mod actions;
pub mod components;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
pub mod throttle;
#[cfg(feature = "ssr")]
pub mod totp;

/// The logged-in user as the browser sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Their role requires two-step sign-in and they have not set it up: every page
    /// but their own account sends them there.
    pub must_set_up_two_step: bool,
}

/// Where a login got to: signed in, or the password was right and a code from the
/// user's app (or a recovery code) is needed next, at `/login/two-step`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignIn {
    Done(CurrentUser),
    SecondStepNeeded,
}

/// Logs in. The same answer, after the same work, for an unknown name and a wrong
/// password; failures are throttled per name and per client address.
#[server(endpoint = "auth/login")]
pub async fn login(username: String, password: String) -> Result<SignIn, AppError> {
    ssr::login(username, password).await
}

/// The second step of a login: a code from the user's authenticator app, or one of
/// their recovery codes (each works once). Throttled with the password step; with
/// `remember`, this browser skips the step for 30 days.
#[server(endpoint = "auth/second-step")]
pub async fn second_step(code: String, remember: Option<String>) -> Result<CurrentUser, AppError> {
    ssr::second_step(code, remember.is_some()).await
}

/// Ends the session on the server, not just in the browser.
#[server(endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    ssr::logout().await
}

/// Whether the first-run page should be offered: true only while no user exists.
#[server(endpoint = "auth/setup-needed")]
pub async fn setup_needed() -> Result<bool, AppError> {
    ssr::setup_needed().await
}

/// Creates the first admin. Refused as soon as any user exists.
#[server(endpoint = "auth/setup")]
pub async fn setup_first_admin(
    username: String,
    email: String,
    display_name: String,
    password: String,
) -> Result<CurrentUser, AppError> {
    ssr::setup_first_admin(username, email, display_name, password).await
}

/// Rules for portal users' fields, shared by the forms and the server.
pub mod rules {
    /// Passwords: long enough, no composition rules (ASVS 6.2).
    pub const PASSWORD_MIN: usize = 12;
    pub const PASSWORD_MAX: usize = 128;

    pub fn username(name: &str) -> Result<(), String> {
        let ok_start = name.starts_with(|c: char| c.is_ascii_lowercase());
        let ok_chars = name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
        if !(3..=32).contains(&name.len()) {
            Err("Use 3 to 32 characters.".into())
        } else if !ok_start || !ok_chars {
            Err("Start with a lowercase letter; use lowercase letters, digits, dots, hyphens or underscores.".into())
        } else {
            Ok(())
        }
    }

    pub fn password(password: &str) -> Result<(), String> {
        let length = password.chars().count();
        if length < PASSWORD_MIN {
            Err(format!("Use at least {PASSWORD_MIN} characters."))
        } else if length > PASSWORD_MAX {
            Err(format!("Use at most {PASSWORD_MAX} characters."))
        } else {
            Ok(())
        }
    }

    pub fn display_name(name: &str) -> Result<(), String> {
        match name.trim().chars().count() {
            0 => Err("Enter a name.".into()),
            1..=100 => Ok(()),
            _ => Err("Use at most 100 characters.".into()),
        }
    }

    pub fn email(email: &str) -> Result<(), String> {
        voximplant::validation::email("email", voximplant::ErrorCode::InvalidEmail, email).map_err(|_| "Enter an email address like name@example.com.".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_have_exactly_their_permissions() {
        assert!(Role::Admin.can(Permission::ManageUsers));
        assert!(!Role::Reseller.can(Permission::ManageUsers));
        assert!(Role::Support.can(Permission::EditChildNotifications));
        assert!(!Role::Support.can(Permission::ManageChildren));
        assert!(Role::Support.can(Permission::ViewBilling) && !Role::Support.can(Permission::ManageBilling));
        assert!(!Role::Auditor.can(Permission::ManageBilling));
        assert!(Role::Auditor.can(Permission::ViewAudit));
        assert!(!Role::Auditor.can(Permission::EditChildNotifications));
        assert!(!Role::Reseller.can(Permission::ViewAudit));
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
    }

    #[test]
    fn field_rules() {
        assert!(rules::username("ops.admin").is_ok());
        assert!(rules::username("Ops").is_err());
        assert!(rules::username("ab").is_err());
        assert!(rules::password(&"x".repeat(11)).is_err());
        assert!(rules::password(&"x".repeat(12)).is_ok());
        assert!(rules::password("ünïcödé-pässwörd").is_ok());
        assert!(rules::password(&"x".repeat(129)).is_err());
    }
}
