//! What child accounts need outside server functions: the CSV download.

use app::{
    auth::ssr::{cap, require_session, Service},
    backend::AppState,
    children::{query::ChildQuery, ssr::ChildReader},
    error::AppError,
};
use axum::{
    body::Body,
    extract::{Query, Request, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use std::collections::HashMap;
use tower_sessions::Session;

use crate::audit_http::request_context;

/// `GET /children/export.csv?<the list's query>`: every child the list's filters
/// match, in its order, streamed page by page.
pub async fn export_csv(
    State(state): State<AppState>,
    Query(pairs): Query<HashMap<String, String>>,
    session: Session,
    request: Request,
) -> Response {
    let query = ChildQuery::from_pairs(|name| pairs.get(name).map(String::as_str));
    let reader = match require_session::<cap::ViewChildren>(&state.backend, &session).await {
        Ok(access) => ChildReader::grant(access),
        Err(error) => return refusal(error),
    };
    let user = reader.user();
    let context = request_context(&request, Some(&session)).with_actor(user.id, &user.username, user.role.as_str());
    let (_, lines) = match reader.export(context, query).await {
        Ok(export) => export,
        Err(error) => return refusal(error),
    };
    let mut response = Response::new(Body::from_stream(lines));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"voxdesk-child-accounts.csv\""));
    response
}

/// A refused or failed download: its status and the safe message, as text.
fn refusal(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, error.to_string()).into_response()
}
