//! Your own account's actions: open to every signed-in user, on themselves only.

use leptos::server_fn::ServerFn;

use super::{ChangeMyPassword, GetMyAccount, SignOutElsewhere};
use crate::{
    access::Permission,
    action::{Audited, Endpoint},
};

pub const CHANGE_PASSWORD: Audited = Audited::new("user.change_own_password");
pub const SIGN_OUT_ELSEWHERE: Audited = Audited::new("user.sign_out_elsewhere");

pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint::read(GetMyAccount::PATH, Permission::SignedIn),
    Endpoint::write(ChangeMyPassword::PATH, Permission::SignedIn, &CHANGE_PASSWORD),
    Endpoint::write(SignOutElsewhere::PATH, Permission::SignedIn, &SIGN_OUT_ELSEWHERE),
];
