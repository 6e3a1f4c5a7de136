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
    /// Fields are wrong: every problem, each naming the form field it belongs next to.
    #[error("{}", summary(.0))]
    Invalid(Vec<FieldProblem>),
    /// The thing asked for does not exist (or is not visible to this user).
    #[error("{0} was not found.")]
    NotFound(String),
    /// Refused because of the current state (a name already taken, say).
    #[error("{0}")]
    Conflict(String),
    /// The role requires two-step sign-in and this user has not set it up yet: only
    /// their own account page answers until they do.
    #[error("Your role requires two-step sign-in. Set it up on Your account first.")]
    TwoStepSetupRequired,
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

/// One field's problem: `field` is the form field's name, `message` says what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

fn summary(problems: &[FieldProblem]) -> String {
    match problems {
        [] => "The request is not valid.".to_string(),
        [one] => one.message.clone(),
        many => many.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join(" "),
    }
}

/// What server functions return.
pub type AppResult<T> = Result<T, AppError>;

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
        AppError::Invalid(vec![FieldProblem { field: field.to_string(), message: message.into() }])
    }

    /// Every `(field, message)` at once, so a form shows all its errors; `Ok` when empty.
    pub fn check_all(problems: Vec<(String, String)>) -> Result<(), AppError> {
        if problems.is_empty() {
            return Ok(());
        }
        Err(AppError::Invalid(problems.into_iter().map(|(field, message)| FieldProblem { field, message }).collect()))
    }

    /// The message for one form field, when this error is about that field.
    pub fn for_field(&self, field: &str) -> Option<String> {
        match self {
            AppError::Invalid(problems) => problems.iter().find(|p| p.field == field).map(|p| p.message.clone()),
            _ => None,
        }
    }

    /// The fields this error names (empty unless `Invalid`).
    pub fn fields(&self) -> Vec<&str> {
        match self {
            AppError::Invalid(problems) => problems.iter().map(|p| p.field.as_str()).collect(),
            _ => Vec::new(),
        }
    }

    /// The text to show outside any field: `None` for field problems (shown next to
    /// their fields instead).
    pub fn general(&self) -> Option<String> {
        (!matches!(self, AppError::Invalid(_))).then(|| self.to_string())
    }

    /// The HTTP status a server function answers with for this error.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden | AppError::TwoStepSetupRequired => 403,
            AppError::Invalid(_) => 422,
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

/// What the user is told Voximplant is when it gave no clear answer.
const VOXIMPLANT: &str = "Voximplant";
/// … and when the call was not even sent, because the last ones got no answer: unlike
/// an unclear answer, nothing can have happened.
#[cfg(feature = "ssr")]
const VOXIMPLANT_PAUSED: &str = "Voximplant (several calls in a row got no answer, so calls pause for a few seconds)";

/// Voximplant's answers: a refusal keeps its code and message (safe to show); broken
/// rules land next to their fields; anything else (a timeout, a broken connection, a
/// 5xx, a garbled body) is Voximplant being unavailable.
#[cfg(feature = "ssr")]
impl From<voximplant::client::Error> for AppError {
    fn from(error: voximplant::client::Error) -> Self {
        use voximplant::client::Error;
        match error {
            Error::Api { code, msg } => AppError::Upstream { code: code.code(), message: msg },
            Error::Invalid(problems) if !problems.is_empty() => AppError::Invalid(
                problems
                    .into_iter()
                    .map(|p| FieldProblem { message: format!("{} {}", p.field.replace('_', " "), p.message), field: p.field })
                    .collect(),
            ),
            Error::Invalid(_) => AppError::invalid("form", "The request is not valid."),
            paused @ Error::CircuitOpen { .. } => AppError::unavailable(VOXIMPLANT_PAUSED, paused),
            other => AppError::unavailable(VOXIMPLANT, other),
        }
    }
}

impl AppError {
    /// True for a Voximplant call that got no clear answer (a timeout, a broken
    /// connection, a 5xx, a garbled body): a change may or may not have been made.
    pub fn is_unclear_voximplant_answer(&self) -> bool {
        matches!(self, AppError::Unavailable { what, .. } if what == VOXIMPLANT)
    }
}

/// A database failure is a dependency being unavailable; its detail stays in the log.
#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        AppError::unavailable("The database", error)
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
    fn invalid_carries_every_problem_next_to_its_field() {
        assert_eq!(AppError::check_all(Vec::new()), Ok(()));
        let error = AppError::check_all(vec![
            ("account_name".into(), "Account name is required.".into()),
            ("account_email".into(), "Enter an email address.".into()),
        ])
        .unwrap_err();
        assert_eq!(error.fields(), ["account_name", "account_email"]);
        assert_eq!(error.for_field("account_email").as_deref(), Some("Enter an email address."));
        assert_eq!(error.for_field("location"), None);
        assert_eq!(error.general(), None, "field problems are shown next to their fields");
        assert_eq!(error.status(), 422);
        assert_eq!(AppError::Forbidden.general().as_deref(), Some("Your role does not allow this."));
        // What crosses the wire decodes to the same error.
        let wire = serde_json::to_string(&error).unwrap();
        assert_eq!(serde_json::from_str::<AppError>(&wire).unwrap(), error);
    }

    #[test]
    fn voximplant_without_a_clear_answer_is_unavailable_not_refused() {
        let refused = AppError::from(voximplant::client::Error::Api { code: voximplant::ErrorCode::AccountNameAlreadyUsed, msg: "taken".into() });
        assert!(matches!(refused, AppError::Upstream { code: 106, .. }), "{refused:?}");
        assert!(!refused.is_unclear_voximplant_answer());
        let timeout = AppError::from(voximplant::client::Error::Timeout);
        assert!(timeout.is_unclear_voximplant_answer(), "{timeout:?}");
        assert!(!AppError::unavailable("The database", "down").is_unclear_voximplant_answer());
        // Not sent at all: nothing can have happened, and the user is told why.
        let paused = AppError::from(voximplant::client::Error::CircuitOpen { retry_after: std::time::Duration::from_secs(9) });
        assert!(!paused.is_unclear_voximplant_answer(), "{paused:?}");
        assert!(paused.to_string().contains("calls pause"), "{paused}");
    }

    #[test]
    fn unavailable_names_the_dependency_only() {
        let error = AppError::unavailable("The database", "connection refused (os error 111) at /run/x");
        let shown = error.to_string();
        assert!(shown.starts_with("The database is unavailable"));
        assert!(!shown.contains("os error"), "detail leaked: {shown}");
    }
}
