//! Errors as the API reports them: HTTP 200 with `{"error":{"code","msg"}}`.

use axum::{
    response::{IntoResponse, Response},
    Json,
};
use voximplant::{validation::Invalid, ErrorCode};

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub msg: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, msg: impl Into<String>) -> Self {
        ApiError { code, msg: msg.into() }
    }

    pub fn auth_failed() -> Self {
        ApiError::new(ErrorCode::AuthorizationFailed, "Authorization failed.")
    }

    pub fn invalid_arguments(why: &str) -> Self {
        ApiError::new(ErrorCode::InvalidArguments, format!("Invalid arguments: {why}."))
    }

    pub fn missing_cmd() -> Self {
        ApiError::new(ErrorCode::MissingCmd, "The 'cmd' parameter is missing.")
    }

    pub fn unknown_command(name: &str) -> Self {
        ApiError::new(ErrorCode::UnknownCommand, format!("Unknown command: {name}."))
    }

    pub fn required(name: &str) -> Self {
        ApiError::new(ErrorCode::ParameterCantBeEmpty, format!("Specify the '{name}' parameter."))
    }

    pub fn invalid_param(code: ErrorCode, name: &str) -> Self {
        ApiError::new(code, format!("The '{name}' parameter is invalid."))
    }

    pub fn internal() -> Self {
        ApiError::new(ErrorCode::InternalError, "Internal error.")
    }
}

impl From<Invalid> for ApiError {
    fn from(problem: Invalid) -> Self {
        ApiError::new(problem.code, format!("The '{}' parameter is invalid: {}.", problem.field, problem.message))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        Json(serde_json::json!({ "error": { "code": self.code.code(), "msg": self.msg } })).into_response()
    }
}
