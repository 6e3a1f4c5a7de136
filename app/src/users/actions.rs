//! Portal users' actions (admins only). The command line records the same actions.

use super::{CreateUser, ListUsers, ResetTwoStep, ResetUserPassword, SetTwoStepRequired, SetUserActive, SetUserRole, TwoStepPolicy};
use crate::{
    access::Permission,
    action::{row_exists, Audited, BoxFuture, Endpoint, PendingIntent, Settlement},
    backend::Backend,
};

pub const CREATE: Audited = Audited::new("user.create").checked_by(created);
pub const SET_ROLE: Audited = Audited::new("user.set_role");
pub const SET_ACTIVE: Audited = Audited::new("user.set_active");
pub const RESET_PASSWORD: Audited = Audited::new("user.reset_password");
pub const RESET_TWO_STEP: Audited = Audited::new("user.two_step_reset");
pub const SET_TWO_STEP_POLICY: Audited = Audited::new("two_step.policy");

pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint::read::<ListUsers>(Permission::ManageUsers),
    Endpoint::write::<CreateUser>(Permission::ManageUsers, &CREATE),
    Endpoint::write::<SetUserRole>(Permission::ManageUsers, &SET_ROLE),
    Endpoint::write::<SetUserActive>(Permission::ManageUsers, &SET_ACTIVE),
    Endpoint::write::<ResetUserPassword>(Permission::ManageUsers, &RESET_PASSWORD),
    Endpoint::write::<ResetTwoStep>(Permission::ManageUsers, &RESET_TWO_STEP),
    Endpoint::read::<TwoStepPolicy>(Permission::ManageUsers),
    Endpoint::write::<SetTwoStepRequired>(Permission::ManageUsers, &SET_TWO_STEP_POLICY),
];

/// An interrupted create happened if a user with that name exists — the name as
/// creation stores it (trimmed, lowercase), not as it was typed.
fn created<'a>(backend: &'a Backend, intent: &'a PendingIntent) -> BoxFuture<'a, Settlement> {
    let name = intent.params["username"].as_str().unwrap_or_default().trim().to_lowercase();
    Box::pin(async move { row_exists(backend, "users", "username", "user", &name).await })
}
