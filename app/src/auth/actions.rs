//! Identity's actions: the public endpoints and what they record.

use super::{Login, Logout, SecondStep, SetupFirstAdmin, SetupNeeded};
use crate::action::{Audited, Endpoint};

/// Creating the first admin (the only audited public action).
pub const SETUP: Audited = Audited::new("user.setup");
/// Facts: recorded once, not written ahead.
pub const LOGIN: &str = "user.login";
pub const LOGOUT: &str = "user.logout";
/// A wrong (or throttled) second step of a login; the right one is the login itself.
pub const SECOND_STEP: &str = "user.login_second_step";
pub use super::ssr::ACCESS_DENIED;

pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint::public::<Login>(),
    Endpoint::public::<SecondStep>(),
    Endpoint::public::<Logout>(),
    Endpoint::public::<SetupNeeded>(),
    Endpoint::public_write::<SetupFirstAdmin>(&SETUP),
];
