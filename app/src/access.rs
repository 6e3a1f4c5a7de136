//! Who may do what: roles and their permissions. Shared with the browser (to show
//! only what a role may use); enforced on the server by the guard in `auth`.

use serde::{Deserialize, Serialize};

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
            Role::Support => "Reads child accounts and billing; changes only children's notification settings.",
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

/// A permission as a type, for the server's guard: `require::<cap::ManageUsers>()`.
pub trait Capability: Send + Sync + 'static {
    const PERMISSION: Permission;
}

/// Declares [`Permission`] and, for each of its variants, the marker type in [`cap`]
/// that stands for it: one list, so the two cannot drift apart.
macro_rules! permissions {
    ($($(#[$doc:meta])* $name:ident,)+) => {
        /// Everything a server function can require. Deny by default: a role has
        /// exactly the permissions listed in [`Permission::roles`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum Permission {
            $($(#[$doc])* $name,)+
        }

        /// One marker type per [`Permission`].
        pub mod cap {
            $(
                pub struct $name;
                impl super::Capability for $name {
                    const PERMISSION: super::Permission = super::Permission::$name;
                }
            )+
        }
    };
}

permissions! {
    /// Any logged-in user, on their own account only (`/me`): the one thing left to
    /// someone whose role requires two-step sign-in before they have set it up.
    OwnAccount,
    /// Any logged-in user: the dashboard, choosing a connection.
    SignedIn,
    /// The parent account's dashboard, profile and documents.
    ViewAccount,
    /// Editing the parent account's profile.
    ManageAccount,
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
            Permission::OwnAccount | Permission::SignedIn | Permission::ViewAccount | Permission::ViewChildren | Permission::ViewBilling => {
                &[Admin, Reseller, Support, Auditor]
            }
            Permission::EditChildNotifications => &[Admin, Reseller, Support],
            Permission::ManageAccount | Permission::ManageChildren | Permission::ManageBilling => &[Admin, Reseller],
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
