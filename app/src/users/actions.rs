//! Portal users' actions (admins only). The command line records the same actions.

use leptos::server_fn::ServerFn;

use super::{CreateUser, ListUsers, ResetUserPassword, SetUserActive, SetUserRole};
use crate::{
    access::Permission,
    action::{Audited, BoxFuture, Endpoint, PendingIntent, Settlement},
    audit::{ssr::found, Outcome},
    backend::Backend,
};

pub const CREATE: Audited = Audited::new("user.create").checked_by(created);
pub const SET_ROLE: Audited = Audited::new("user.set_role");
pub const SET_ACTIVE: Audited = Audited::new("user.set_active");
pub const RESET_PASSWORD: Audited = Audited::new("user.reset_password");

pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint::read(ListUsers::PATH, Permission::ManageUsers),
    Endpoint::write(CreateUser::PATH, Permission::ManageUsers, &CREATE),
    Endpoint::write(SetUserRole::PATH, Permission::ManageUsers, &SET_ROLE),
    Endpoint::write(SetUserActive::PATH, Permission::ManageUsers, &SET_ACTIVE),
    Endpoint::write(ResetUserPassword::PATH, Permission::ManageUsers, &RESET_PASSWORD),
];

/// An interrupted create happened if a user with that name exists.
fn created<'a>(backend: &'a Backend, intent: &'a PendingIntent) -> BoxFuture<'a, Settlement> {
    Box::pin(async move {
        let username = intent.params["username"].as_str().unwrap_or_default().to_string();
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE username = $1)")
            .bind(&username)
            .fetch_one(backend.unguarded_pool())
            .await
            .ok()?;
        Some(if exists {
            found(Outcome::Ok, format!("user {username} exists"))
        } else {
            found(Outcome::Error, format!("user {username} does not exist: the action did not happen"))
        })
    })
}
