//! What the audit log needs outside server functions: the streamed exports, the
//! record of refused cross-site requests, and the reconciler's schedule.

use std::time::Duration;

use app::{
    audit::{
        ssr::{self as audit, AuditContext, NewEvent},
        AuditEvent, AuditFilter, Outcome,
    },
    auth::{ssr::authenticate_session, Permission},
    backend::{AppState, Backend},
};
use axum::{
    body::Body,
    extract::{Query, Request, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use futures::StreamExt;
use tower_sessions::Session;

/// `GET /audit/export.{csv,jsonl}?<filters>`: exactly the filtered events, streamed
/// (constant memory), with each event's hash. The export itself is audited first.
pub async fn export_csv(state: State<AppState>, filter: Query<AuditFilter>, session: Session, request: Request) -> Response {
    export(state, filter, session, request, "csv").await
}

pub async fn export_jsonl(state: State<AppState>, filter: Query<AuditFilter>, session: Session, request: Request) -> Response {
    export(state, filter, session, request, "jsonl").await
}

async fn export(
    State(state): State<AppState>,
    Query(filter): Query<AuditFilter>,
    session: Session,
    request: Request,
    format: &'static str,
) -> Response {
    let backend = state.backend.clone();
    let user = match authenticate_session(&backend, &session).await {
        Ok(Some(user)) if user.role.can(Permission::ViewAudit) => user,
        Ok(Some(_)) => return (StatusCode::FORBIDDEN, "Your role does not allow this.").into_response(),
        Ok(None) => return (StatusCode::UNAUTHORIZED, "Please log in to continue.").into_response(),
        Err(error) => return (StatusCode::SERVICE_UNAVAILABLE, error.to_string()).into_response(),
    };
    let pool = backend.unguarded_pool().clone();
    let context = request_context(&request, Some(&session))
        .with_actor(user.id, &user.username, user.role.as_str());
    let event = NewEvent::fact(
        app::audit::actions::EXPORT,
        serde_json::json!([]),
        serde_json::json!({ "format": format, "filter": filter }),
        Outcome::Ok,
    );
    // An export that cannot be audited is not given.
    if let Err(error) = audit::append(&pool, &context, event).await {
        return (StatusCode::SERVICE_UNAVAILABLE, error.to_string()).into_response();
    }
    let header_line = (format == "csv").then(|| Ok::<_, std::io::Error>(csv_header()));
    let rows = audit::export_stream(pool, filter).map(move |item| match item {
        Ok(exported) => Ok(if format == "csv" { csv_line(&exported.event) } else { jsonl_line(&exported.stored) }),
        Err(error) => Err(std::io::Error::other(error.to_string())),
    });
    let body = Body::from_stream(futures::stream::iter(header_line).chain(rows));
    let (content_type, name) = if format == "csv" {
        ("text/csv; charset=utf-8", "voxdesk-audit.csv")
    } else {
        ("application/x-ndjson; charset=utf-8", "voxdesk-audit.jsonl")
    };
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

const CSV_COLUMNS: &[&str] = &[
    "seq", "occurred_at", "kind", "intent_seq", "actor_name", "actor_role", "client_ip", "user_agent", "request_id",
    "session_ref", "connection_name", "action", "method", "targets", "params", "changes", "outcome", "outcome_detail",
    "latency_ms", "hash",
];

fn csv_header() -> String {
    CSV_COLUMNS.join(",") + "\n"
}

pub fn csv_line(event: &AuditEvent) -> String {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let fields = [
        event.seq.to_string(),
        event.occurred_at.clone(),
        event.kind.clone(),
        event.intent_seq.map(|s| s.to_string()).unwrap_or_default(),
        opt(&event.actor_name),
        opt(&event.actor_role),
        opt(&event.client_ip),
        opt(&event.user_agent),
        opt(&event.request_id),
        opt(&event.session_ref),
        opt(&event.connection_name),
        event.action.clone(),
        opt(&event.method),
        event.targets.clone(),
        event.params.clone(),
        opt(&event.changes),
        opt(&event.outcome),
        opt(&event.outcome_detail),
        event.latency_ms.map(|l| l.to_string()).unwrap_or_default(),
        event.hash.clone(),
    ];
    app::csv::line(&fields)
}

/// Every stored column, hashes included, so `voxdesk audit verify --file` can check
/// the export without the database.
fn jsonl_line(event: &audit::StoredEvent) -> String {
    serde_json::to_string(event).unwrap_or_default() + "\n"
}

/// The audit context of a plain axum request.
pub fn request_context(request: &Request, session: Option<&Session>) -> AuditContext {
    let header = |name: &str| {
        request.headers().get(name).and_then(|v| v.to_str().ok()).map(|v| v.chars().take(400).collect::<String>())
    };
    let client_ip = match request.extensions().get::<app::request::ClientAddress>() {
        Some(client) => Some(client.0.to_string()),
        None => request.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|info| info.0.ip().to_string()),
    };
    AuditContext {
        client_ip,
        user_agent: header("user-agent"),
        request_id: header("x-request-id"),
        session_ref: session.and_then(|s| s.id()).map(|id| audit::session_reference(&id.to_string())),
        ..Default::default()
    }
}

/// Settles unsettled intents at start, then every minute those older than five.
pub async fn reconcile_forever(backend: Backend) {
    // A heartbeat every 20 s tells other instances this one is alive; every third beat
    // (and at start) the intents whose process is gone are settled.
    let mut beat: u64 = 0;
    loop {
        if let Err(error) = app::audit::ssr::heartbeat(backend.unguarded_pool()).await {
            tracing::error!(%error, "the instance heartbeat could not be written");
        }
        if beat % 3 == 0 {
            match app::registry::reconcile_orphaned(&backend).await {
                Ok(0) => {}
                Ok(count) => tracing::warn!(count, "settled audit intents whose outcome was never recorded"),
                Err(error) => tracing::error!(%error, "audit reconciliation failed"),
            }
        }
        beat += 1;
        tokio::time::sleep(Duration::from_secs(20)).await;
    }
}

/// The audit event for a refused cross-site request (read before anything awaits:
/// a request body cannot be held across an await).
pub fn cross_site_event(request: &Request) -> (AuditContext, NewEvent) {
    let context = request_context(request, None);
    let event = NewEvent::fact(
        "request.cross_site_refused",
        serde_json::json!([]),
        serde_json::json!({
            "path": request.uri().path(),
            "origin": request.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()),
            "sec_fetch_site": request.headers().get("sec-fetch-site").and_then(|v| v.to_str().ok()),
        }),
        Outcome::Denied,
    );
    (context, event)
}
