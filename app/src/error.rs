//! The one error type that crosses the wire from server functions to the browser.
//!
//! Every variant carries only text that is safe to show a user. Internal detail
//! (database errors, upstream bodies) is logged on the server next to a reference
//! id, and only that id reaches the browser, so support can find the log line.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// No valid session: log in (again).
    #[error("Please log in to continue.")]
    Unauthenticated,
    /// Logged in, but the role does not allow this.
    #[error("Your role does not allow this.")]
    Forbidden,
    /// A field is wrong; `field` names the form field it belongs next to.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// The thing asked for does not exist (or is not visible to this user).
    #[error("{0} was not found.")]
    NotFound(String),
    /// Refused because of the current state (a name already taken, say).
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts; try again later.
    #[error("Too many attempts. Please wait {retry_after_minutes} minute(s) and try again.")]
    RateLimited { retry_after_minutes: u32 },
    /// Voximplant refused the request; its code and message are safe to show.
    #[error("Voximplant refused the request: {message} (code {code}).")]
    Upstream { code: u32, message: String },
    /// A dependency (the database, Voximplant) could not be reached.
    #[error("{what} is unavailable right now. Please try again in a moment (reference {reference}).")]
    Unavailable { what: String, reference: String },
    /// Something failed on the server in a way the user cannot fix.
    #[error("Something went wrong on our side (reference {reference}).")]
    Internal { reference: String },
    /// The request never completed: network trouble between browser and server.
    #[error("The request failed: {0}")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // These come from the server-function machinery itself (encoding, network),
        // never from our own code, so their text carries nothing internal.
        AppError::Transport(value.to_string())
    }
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid { field: field.to_string(), message: message.into() }
    }

    /// The message for one form field, when this error is about that field.
    pub fn for_field(&self, field: &str) -> Option<String> {
        match self {
            AppError::Invalid { field: f, message } if f == field => Some(message.clone()),
            _ => None,
        }
    }

    /// The HTTP status a server function answers with for this error.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::Invalid { .. } => 422,
            AppError::NotFound(_) => 404,
            AppError::Conflict(_) => 409,
            AppError::RateLimited { .. } => 429,
            AppError::Upstream { .. } => 502,
            AppError::Unavailable { .. } => 503,
            AppError::Internal { .. } => 500,
            AppError::Transport(_) => 400,
        }
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// Sets the response status for this error and returns it. Only when answering a
    /// server-function request: a server function called while rendering a page must
    /// not change the page's status.
    pub fn respond(self) -> Self {
        use leptos::prelude::use_context;
        let serving_api = use_context::<http::request::Parts>().is_some_and(|parts| parts.uri.path().starts_with("/api/"));
        if let (true, Some(response)) = (serving_api, use_context::<leptos_axum::ResponseOptions>()) {
            response.set_status(http::StatusCode::from_u16(self.status()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR));
        }
        self
    }

    /// Logs `detail` under a fresh reference id and returns the safe error.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        let reference = new_reference();
        tracing::error!(%reference, error = %detail, "internal error");
        AppError::Internal { reference }
    }

    /// Logs `detail` under a fresh reference id and reports `what` as unavailable.
    pub fn unavailable(what: &str, detail: impl std::fmt::Display) -> Self {
        let reference = new_reference();
        tracing::warn!(%reference, error = %detail, "{what} unavailable");
        AppError::Unavailable { what: what.to_string(), reference }
    }
}

#[cfg(feature = "ssr")]
fn new_reference() -> String {
    // Short enough to read out over the phone, long enough to be unique in the logs.
    uuid::Uuid::new_v4().simple().to_string()[..12].to_string()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn internal_error_shows_reference_but_not_detail() {
        let error = AppError::internal("password authentication failed for user \"voxdesk\"");
        let shown = error.to_string();
        assert!(!shown.contains("password"), "detail leaked: {shown}");
        let AppError::Internal { reference } = &error else { panic!("wrong variant") };
        assert_eq!(reference.len(), 12);
        assert!(shown.contains(reference.as_str()));
    }

    #[test]
    fn unavailable_names_the_dependency_only() {
        let error = AppError::unavailable("The database", "connection refused (os error 111) at /run/x");
        let shown = error.to_string();
        assert!(shown.starts_with("The database is unavailable"));
        assert!(!shown.contains("os error"), "detail leaked: {shown}");
    }
}
