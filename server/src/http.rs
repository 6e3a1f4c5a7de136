//! The HTTP surface: Leptos pages and server functions, `/healthz`, static files,
//! sessions on every route, and a request id on every request and its log lines.

use app::{shell, state::AppState, system::ssr::current_status, App};
use axum::{
    extract::{Request, State},
    http::{HeaderName, StatusCode},
    response::IntoResponse,
    routing::get,
    Json, Router,
};
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower::ServiceBuilder;
use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::{DefaultOnResponse, TraceLayer},
};
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;
use sqlx::PgPool;
use tracing::Level;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");
pub const SESSION_COOKIE: &str = "voxdesk_session";

/// How session cookies are issued.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// `Secure` attribute: off only when explicitly serving plain http on loopback.
    pub secure_cookie: bool,
    pub idle_timeout: time::Duration,
}

pub fn router(state: AppState, sessions: SessionPolicy) -> Router {
    let routes = generate_route_list(App);
    let session_layer = session_layer(state.pool.clone(), sessions);

    Router::new()
        .route("/healthz", get(healthz))
        .leptos_routes_with_context(&state, routes, || (), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(session_layer)
        // Outermost: gives each request a fresh id (one sent by the client is
        // replaced, so log lines cannot be forged), opens a span carrying it for
        // every log line of the request, and echoes it in the response.
        .layer(
            ServiceBuilder::new()
                .map_request(|mut request: Request| {
                    request.headers_mut().remove(REQUEST_ID_HEADER);
                    request
                })
                .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER, MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(request_span).on_response(
                    DefaultOnResponse::new().level(Level::INFO),
                ))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER)),
        )
        .with_state(state)
}

/// Sessions in PostgreSQL; the cookie is out of reach of scripts and other sites.
pub fn session_layer(pool: PgPool, policy: SessionPolicy) -> SessionManagerLayer<PostgresStore> {
    SessionManagerLayer::new(PostgresStore::new(pool))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_secure(policy.secure_cookie)
        .with_expiry(Expiry::OnInactivity(policy.idle_timeout))
}

fn request_span(request: &Request) -> tracing::Span {
    let id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("-");
    // The path only: query strings may one day carry something private.
    tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        path = %request.uri().path(),
    )
}


/// For load balancers and monitors: 200 when every dependency answers, else 503.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let status = current_status(&state.pool).await;
    let code = if status.is_ok() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (code, [(axum::http::header::CACHE_CONTROL, "no-store")], Json(status))
}
