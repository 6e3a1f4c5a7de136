//! What the current HTTP request says about its caller: address, headers, session.
//! Read through Leptos' request context, so only inside server functions and pages.

use std::net::SocketAddr;

use tower_sessions::Session;

use crate::error::AppError;

/// The client's address, for throttling, logs and the audit log.
pub async fn client_address() -> String {
    leptos_axum::extract::<axum::extract::ConnectInfo<SocketAddr>>()
        .await
        .map(|info| info.0.ip().to_string())
        .unwrap_or_else(|_| "unknown".to_string())
}

/// A request header, cut to `limit` characters (it is stored as given).
pub fn header(name: &str, limit: usize) -> Option<String> {
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    let value = parts.headers.get(name)?.to_str().ok()?;
    Some(value.chars().take(limit).collect())
}

/// The request's path (`/api/children/create`).
pub fn path() -> String {
    leptos::prelude::use_context::<http::request::Parts>().map(|p| p.uri.path().to_string()).unwrap_or_default()
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| AppError::internal(format!("no session layer: {e}")))
}
