//! The frame's endpoint.

use super::GetCurrentUser;
use crate::action::Endpoint;

pub const ENDPOINTS: &[Endpoint] = &[Endpoint::public::<GetCurrentUser>()];
