//! Server-side application state, shared by the router and every server function.

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use crate::auth::ssr::Backend;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub backend: Backend,
}
