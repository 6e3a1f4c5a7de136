//! The frame's endpoint.

use leptos::server_fn::ServerFn;

use super::GetCurrentUser;
use crate::action::Endpoint;

pub const ENDPOINTS: &[Endpoint] = &[Endpoint::public(GetCurrentUser::PATH)];
