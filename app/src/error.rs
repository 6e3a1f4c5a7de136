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

#[cfg(feature = "ssr")]
impl AppError {
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
