//! Who may do what. Roles and permissions are shared with the browser (to show only
//! what a role may use); enforcement happens on the server, inside every server
//! function, through the capability guard in [`ssr`].

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub mod components;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
pub mod throttle;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Reseller,
    Support,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Reseller, Role::Support, Role::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Reseller => "reseller",
            Role::Support => "support",
            Role::Auditor => "auditor",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Reseller => "Reseller",
            Role::Support => "Support",
            Role::Auditor => "Auditor",
        }
    }

    /// What the role is for, in one line (shown when choosing a role).
    pub fn description(self) -> &'static str {
        match self {
            Role::Admin => "Manages people and parent-account connections; can do everything a reseller does.",
            Role::Reseller => "Creates and manages child accounts, plans, charges and prices.",
            Role::Support => "Reads child accounts and changes only their notification settings.",
            Role::Auditor => "Reads everything that is not secret, and the audit log. Changes nothing.",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }

    pub fn can(self, permission: Permission) -> bool {
        permission.roles().contains(&self)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything a server function can require. Deny by default: a role has exactly
/// the permissions listed here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// Any logged-in user: the dashboard, choosing a connection.
    SignedIn,
    ViewChildren,
    EditChildNotifications,
    ManageChildren,
    ViewBilling,
    ManageBilling,
    ViewAudit,
    ManageUsers,
    ManageConnections,
}

impl Permission {
    pub const fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Permission::SignedIn | Permission::ViewChildren => &[Admin, Reseller, Support, Auditor],
            Permission::EditChildNotifications => &[Admin, Reseller, Support],
            Permission::ManageChildren | Permission::ManageBilling => &[Admin, Reseller],
            Permission::ViewBilling => &[Admin, Reseller, Auditor],
            Permission::ViewAudit => &[Admin, Auditor],
            Permission::ManageUsers | Permission::ManageConnections => &[Admin],
        }
    }
}

/// Who may call a server function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (login, first-run setup, who am I).
    Public,
    /// Users whose role holds the permission.
    Requires(Permission),
}

/// Every server function, by path, with who may call it. The role-matrix test fails
/// when a server function is registered without an entry here, and checks each
/// entry over HTTP for every role and for anonymous callers. README.md shows it.
pub const ENDPOINTS: &[(&str, Access)] = &[
    ("/api/auth/me", Access::Public),
    ("/api/auth/login", Access::Public),
    ("/api/auth/logout", Access::Public),
    ("/api/auth/setup-needed", Access::Public),
    ("/api/auth/setup", Access::Public),
    ("/api/system/status", Access::Requires(Permission::SignedIn)),
    ("/api/users/list", Access::Requires(Permission::ManageUsers)),
    ("/api/users/create", Access::Requires(Permission::ManageUsers)),
    ("/api/users/set-role", Access::Requires(Permission::ManageUsers)),
    ("/api/users/set-active", Access::Requires(Permission::ManageUsers)),
    ("/api/users/reset-password", Access::Requires(Permission::ManageUsers)),
    ("/api/connections/list", Access::Requires(Permission::SignedIn)),
    ("/api/connections/select", Access::Requires(Permission::SignedIn)),
    ("/api/connections/check", Access::Requires(Permission::ManageConnections)),
    ("/api/connections/add", Access::Requires(Permission::ManageConnections)),
    ("/api/connections/rename", Access::Requires(Permission::ManageConnections)),
    ("/api/connections/rotate", Access::Requires(Permission::ManageConnections)),
    ("/api/connections/remove", Access::Requires(Permission::ManageConnections)),
    ("/api/children/create", Access::Requires(Permission::ManageChildren)),
    ("/api/audit/events", Access::Requires(Permission::ViewAudit)),
    ("/api/audit/event", Access::Requires(Permission::ViewAudit)),
    ("/api/audit/activity", Access::Requires(Permission::ViewAudit)),
    ("/api/audit/verify", Access::Requires(Permission::ViewAudit)),
];

/// The server functions that change something, with the audit action each records
/// (intent and outcome). A test calls each and looks for both; a server function
/// must be listed here or in [`READ_ONLY`].
pub const AUDITED: &[(&str, &str)] = &[
    ("/api/auth/setup", "user.setup"),
    ("/api/users/create", "user.create"),
    ("/api/users/set-role", "user.set_role"),
    ("/api/users/set-active", "user.set_active"),
    ("/api/users/reset-password", "user.reset_password"),
    ("/api/connections/add", "connection.add"),
    ("/api/connections/rename", "connection.rename"),
    ("/api/connections/rotate", "connection.rotate"),
    ("/api/connections/remove", "connection.remove"),
    ("/api/children/create", "child_account.create"),
];

/// Server functions that change nothing, or only the caller's own session and
/// preferences (login and logout are audited as events; see the audit tests).
pub const READ_ONLY: &[&str] = &[
    "/api/auth/me",
    "/api/auth/login",
    "/api/auth/logout",
    "/api/auth/setup-needed",
    "/api/system/status",
    "/api/users/list",
    "/api/connections/list",
    "/api/connections/select",
    "/api/connections/check",
    "/api/audit/events",
    "/api/audit/event",
    "/api/audit/activity",
    "/api/audit/verify",
];

/// The logged-in user as the browser sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

/// The signed-in user and the parent-account connections they can pick from: what
/// every page's frame needs, in one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user: CurrentUser,
    pub connections: crate::connections::Connections,
}

/// Who is logged in, or `None`. Public: the login page needs it too.
#[server(endpoint = "auth/me")]
pub async fn get_current_user() -> Result<Option<Me>, AppError> {
    ssr::me().await.map_err(AppError::respond)
}

/// Logs in. The same answer, after the same work, for an unknown name and a wrong
/// password; failures are throttled per name and per client address.
#[server(endpoint = "auth/login")]
pub async fn login(username: String, password: String) -> Result<CurrentUser, AppError> {
    let user = ssr::login(username, password).await.map_err(AppError::respond)?;
    leptos_axum::redirect("/");
    Ok(user)
}

/// Ends the session on the server, not just in the browser.
#[server(endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    ssr::logout().await.map_err(AppError::respond)?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// Whether the first-run page should be offered: true only while no user exists.
#[server(endpoint = "auth/setup-needed")]
pub async fn setup_needed() -> Result<bool, AppError> {
    ssr::setup_needed().await.map_err(AppError::respond)
}

/// Creates the first admin. Refused as soon as any user exists.
#[server(endpoint = "auth/setup")]
pub async fn setup_first_admin(
    username: String,
    email: String,
    display_name: String,
    password: String,
) -> Result<CurrentUser, AppError> {
    let user = ssr::setup_first_admin(username, email, display_name, password).await.map_err(AppError::respond)?;
    leptos_axum::redirect("/");
    Ok(user)
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
        assert!(!Role::Support.can(Permission::ViewBilling));
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
