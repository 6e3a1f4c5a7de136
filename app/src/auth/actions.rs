//! Identity's actions: the public endpoints and what they record.

use leptos::server_fn::ServerFn;

use super::{Login, Logout, SetupFirstAdmin, SetupNeeded};
use crate::action::{Audited, Endpoint};

/// Creating the first admin (the only audited public action).
pub const SETUP: Audited = Audited::new("user.setup");
/// Facts: recorded once, not written ahead.
pub const LOGIN: &str = "user.login";
pub const LOGOUT: &str = "user.logout";
pub use super::ssr::ACCESS_DENIED;

pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint::public(Login::PATH),
    Endpoint::public(Logout::PATH),
    Endpoint::public(SetupNeeded::PATH),
    Endpoint::public_write(SetupFirstAdmin::PATH, &SETUP),
];
