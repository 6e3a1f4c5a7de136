//! The HTTP surface: Leptos pages and server functions, `/healthz`, static files,
//! sessions on every route, and a request id on every request and its log lines.

use std::sync::Arc;

use crate::{metrics::MetricsAccess, session_store::KeptSessions};
use app::{
    backend::AppState,
    error::AppError,
    request::{ClientAddress, TrustedProxies},
    row_cache::Rows,
    shell,
    system::ssr::current_status,
    App,
};
use axum::{
    extract::{Request, State},
    http::{header, HeaderName, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower::ServiceBuilder;
use tower_http::{
    request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    trace::{DefaultOnResponse, TraceLayer},
};
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;
use sqlx::PgPool;
use tracing::Level;

/// How long a request may take once its head is read (its body, the handler, the
/// upstream calls it makes): past it the answer is 408; a page's work is dropped, a
/// server function's runs to its end (see `run_to_the_end`). Every Voximplant call
/// has its own, shorter timeout, so this is only a backstop.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");
pub const SESSION_COOKIE: &str = "voxdesk_session";
/// The cookie's name over https: with the `__Host-` prefix a browser accepts it only
/// `Secure`, with `Path=/` and no `Domain`, so no subdomain or plain-http page can set
/// or shadow it.
pub const SECURE_SESSION_COOKIE: &str = "__Host-voxdesk_session";

/// How session cookies are issued.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// `Secure` attribute: off only when explicitly serving plain http on loopback.
    pub secure_cookie: bool,
    pub idle_timeout: time::Duration,
}

/// The whole HTTP stack. `proxies`: the reverse proxies whose `X-Forwarded-For` names
/// the client (none: the connection's address is the client's); `metrics`: who besides
/// a direct loopback client may read `/metrics`.
pub fn router(state: AppState, sessions: SessionPolicy, proxies: TrustedProxies, metrics: MetricsAccess) -> Router {
    let routes = generate_route_list(App);
    let session_layer = session_layer(state.backend.unguarded_pool().clone(), state.backend.rows().clone(), sessions);
    crate::metrics::observe_voximplant_calls();
    let pieces = crate::pieces::Pieces::read(&site_pkg_dir(&state.leptos_options));

    Router::new()
        .route("/healthz", get(healthz))
        .route(crate::metrics::PATH, get(crate::metrics::metrics).with_state((state.clone(), metrics)))
        .route("/audit/export.csv", get(crate::audit_http::export_csv))
        .route("/audit/export.jsonl", get(crate::audit_http::export_jsonl))
        .route("/children/export.csv", get(crate::children_http::export_csv))
        // The site's scripts, styles and WASM pieces, served apart from Leptos: its own
        // static-file fallback looks up "the current page's" response options and takes
        // their headers, so a page rendered while its WASM pieces were fetched lost its
        // Content-Security-Policy (test: a_page_keeps_its_policy_while_static_files_are_fetched).
        .route_service("/pkg/{file}", leptos_axum::site_pkg_dir_service(&state.leptos_options))
        .route(
            &format!("{}/pieces", versioned_pkg_path(&state.leptos_options)),
            get(crate::pieces::serve).with_state(pieces).layer(axum::middleware::map_response(kept_for_good)),
        )
        .nest_service(&versioned_pkg_path(&state.leptos_options), versioned_pkg_service(&state.leptos_options))
        // leptos_axum gives every page a fresh nonce; app::shell puts it in the CSP.
        .leptos_routes_with_context(&state, routes, || (), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        // Innermost, so it runs inside the task a server function finishes in.
        .layer(axum::middleware::from_fn_with_state(state.backend.rows().clone(), forget_rows_after_writes))
        .layer(axum::middleware::from_fn(remember_the_user))
        .layer(session_layer)
        .layer(axum::middleware::from_fn(error_status))
        .layer(axum::middleware::from_fn_with_state(sessions.secure_cookie, security_headers))
        .layer(axum::middleware::from_fn_with_state(state.backend.clone(), refuse_cross_site))
        .layer(axum::middleware::from_fn(limit_server_function_bodies))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(axum::middleware::from_fn_with_state(proxies, find_the_client))
        // Outermost: gives each request a fresh id (one sent by the client is
        // replaced, so log lines cannot be forged), opens a span carrying it for
        // every log line of the request, and echoes it in the response.
        .layer(
            ServiceBuilder::new()
                .map_request(|mut request: Request| {
                    request.headers_mut().remove(REQUEST_ID_HEADER);
                    request
                })
                .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER, RandomRequestId))
                .layer(TraceLayer::new_for_http().make_span_with(request_span).on_response(
                    DefaultOnResponse::new().level(Level::INFO),
                ))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER)),
        )
        // Around everything, so refusals (413, 408, cross-site) are counted too; a
        // layer on the router still sees which route matched.
        .layer(axum::middleware::from_fn(crate::metrics::count_requests))
        .with_state(state)
}

/// A random (v4) UUID per request, from the thread's CSPRNG: `MakeRequestUuid` asks
/// the kernel for every request (a `getrandom` call, ~1% of a page's CPU).
#[derive(Clone, Copy)]
struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
        HeaderValue::from_str(id.hyphenated().encode_lower(&mut uuid::Uuid::encode_buffer())).ok().map(RequestId::new)
    }
}

/// `/assets/<build hash>/pkg`: where pages load their scripts and WASM pieces from
/// (see `app::asset_root`).
fn versioned_pkg_path(options: &leptos::config::LeptosOptions) -> String {
    format!("{}/{}", app::asset_root(options), options.site_pkg_dir)
}

fn site_pkg_dir(options: &leptos::config::LeptosOptions) -> std::path::PathBuf {
    std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref())
}

/// The site's pieces under their build's path, cached for good: their bytes never
/// change under it.
fn versioned_pkg_service(options: &leptos::config::LeptosOptions) -> axum::routing::MethodRouter {
    let files = tower_http::services::ServeDir::new(site_pkg_dir(options));
    axum::routing::get_service(files).layer(axum::middleware::map_response(kept_for_good))
}

/// What is served under the build's own path (its files, a batch of its pieces) is
/// marked `immutable`: a new build has a new path.
async fn kept_for_good(mut response: Response) -> Response {
    if response.status().is_success() {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    }
    response
}

/// Works out the client's address once per request, for throttling and the audit log.
async fn find_the_client(State(proxies): State<TrustedProxies>, mut request: Request, next: axum::middleware::Next) -> Response {
    let peer = request.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|info| info.0.ip());
    if let Some(peer) = peer {
        let forwarded_for = request.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
        let client = proxies.client(peer, forwarded_for);
        request.extensions_mut().insert(ClientAddress(client));
    }
    next.run(request).await
}

/// The largest body a server function accepts: the biggest form (a service account's
/// credentials JSON) is a few kilobytes; anything near this is not a form of ours.
pub const SERVER_FUNCTION_BODY_LIMIT: usize = 64 * 1024;

/// Server functions are public POST endpoints: a body over the limit is refused with
/// 413 before any of it reaches a handler (or the audit log).
async fn limit_server_function_bodies(request: Request, next: axum::middleware::Next) -> Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let too_large = || {
        (StatusCode::PAYLOAD_TOO_LARGE, format!("The request is larger than {} KiB.", SERVER_FUNCTION_BODY_LIMIT / 1024)).into_response()
    };
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > SERVER_FUNCTION_BODY_LIMIT) {
        return too_large();
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, SERVER_FUNCTION_BODY_LIMIT).await else {
        return too_large();
    };
    if let Some(field) = unexpected_field(&parts, &bytes) {
        let error = AppError::Transport(format!("This action takes no field named {field:?}."));
        let mut response = (StatusCode::BAD_REQUEST, serde_json::to_string(&error).unwrap_or_default()).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
            .headers_mut()
            .insert(leptos::server_fn::error::SERVER_FN_ERROR_HEADER, HeaderValue::from_str(parts.uri.path()).unwrap_or(HeaderValue::from_static("")));
        return response;
    }
    run_to_the_end(next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))).await
}

/// Runs a server function as a task of its own, so that it ends as it would have if
/// the client stays: a client that hangs up (a closed tab, a load tool stopping) or the
/// request timeout no longer cancels it halfway — after its audit intent, before its
/// outcome — which would leave the intent open until the reconciler asks Voximplant.
async fn run_to_the_end(work: impl std::future::Future<Output = Response> + Send + 'static) -> Response {
    use tracing::Instrument;
    match tokio::spawn(work.in_current_span()).await {
        Ok(response) => response,
        Err(ended) if ended.is_panic() => std::panic::resume_unwind(ended.into_panic()),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(), // the runtime is shutting down
    }
}

/// A form field the server function at this path does not take (`query[page]` counts
/// as `query`), if any. Serde would silently drop it: refusing it instead tells a
/// script's author about a typo before they trust a call that ignored their input.
fn unexpected_field(parts: &axum::http::request::Parts, body: &[u8]) -> Option<String> {
    let form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return None;
    }
    let fields = (app::registry::endpoint(parts.uri.path())?.fields)()?;
    form_urlencoded::parse(body).find_map(|(key, _)| {
        let name = key.split('[').next().unwrap_or_default();
        (!fields.contains(&name)).then(|| name.chars().take(64).collect())
    })
}

/// After any request that may have changed users or connections, this instance reads
/// them again before it answers (other instances hear of the change from PostgreSQL a
/// moment later; see `app::row_cache`).
async fn forget_rows_after_writes(State(rows): State<Arc<Rows>>, request: Request, next: axum::middleware::Next) -> Response {
    let may_change = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        && app::registry::may_change_users_or_connections(request.uri().path());
    let response = next.run(request).await;
    if may_change {
        rows.forget_users_and_connections();
    }
    response
}

/// Each request learns its session's user once, however many times it asks.
async fn remember_the_user(mut request: Request, next: axum::middleware::Next) -> Response {
    request.extensions_mut().insert(app::auth::ssr::RequestUser::default());
    next.run(request).await
}

/// Refuses state-changing requests that a browser says come from another site
/// (Fetch Metadata), or whose Origin is not this host. Requests without either
/// header come from non-browser clients and pass: CSRF needs a browser.
async fn refuse_cross_site(State(backend): State<app::backend::Backend>, request: Request, next: axum::middleware::Next) -> Response {
    if is_cross_site_write(&request) {
        tracing::warn!(path = %request.uri().path(), "refused a cross-site request");
        let (context, mut event) = crate::audit_http::cross_site_event(&request);
        // One row a minute per source, with the count left out since.
        let source = context.client_ip.clone().unwrap_or_default();
        if let Some(left_out) = backend.refusals().sampled("request.cross_site_refused", &source) {
            event.params["left_out_since_last"] = serde_json::json!(left_out);
            app::audit::ssr::record(backend.unguarded_pool(), &context, event).await;
        }
        return (StatusCode::FORBIDDEN, "Cross-site requests are not allowed.").into_response();
    }
    next.run(request).await
}

pub fn is_cross_site_write(request: &Request) -> bool {
    use axum::http::Method;
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    // "null" (sandboxed frames, file:) and any other host are foreign.
    let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or(origin);
    origin_host != host
}

/// A server function's error answers with the status its `AppError` stands for
/// (401, 403, 422, …), set here once for every server function; Leptos would answer
/// 500 for all of them. Page renders are untouched: only server-function errors
/// carry the `serverfnerror` header.
async fn error_status(request: Request, next: axum::middleware::Next) -> Response {
    const LIMIT: usize = 256 * 1024;
    let response = next.run(request).await;
    if !response.headers().contains_key(leptos::server_fn::error::SERVER_FN_ERROR_HEADER) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, LIMIT).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "The error could not be read.").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Headers every response carries. Pages get their nonce-based CSP from the app;
/// everything else gets a policy that allows nothing.
/// `https`: users reach the portal over TLS (the public URL is https), so browsers are
/// told to use nothing else for a year (HSTS).
async fn security_headers(State(https): State<bool>, request: Request, next: axum::middleware::Next) -> Response {
    let static_asset = request.uri().path().starts_with("/pkg/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut set = |name: header::HeaderName, value: &'static str| {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "no-referrer");
    set(HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    set(HeaderName::from_static("cross-origin-resource-policy"), "same-origin");
    set(HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=(), payment=()");
    // Pages and server functions may show account data: never cache them.
    set(header::CACHE_CONTROL, if static_asset { "no-cache" } else { "no-store" });
    if https {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains");
    }
    response
}

/// Sessions in PostgreSQL; the cookie is out of reach of scripts and other sites.
/// `rows`: where session rows are kept while their changes are heard of.
pub fn session_layer(pool: PgPool, rows: Arc<Rows>, policy: SessionPolicy) -> SessionManagerLayer<KeptSessions> {
    SessionManagerLayer::new(KeptSessions::new(PostgresStore::new(pool), rows))
        .with_name(if policy.secure_cookie { SECURE_SESSION_COOKIE } else { SESSION_COOKIE })
        .with_path("/")
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
    let status = current_status(state.backend.unguarded_pool()).await;
    let code = if status.is_ok() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (code, Json(status))
}
