//! `GET /metrics`: what an operator's Prometheus scrapes — requests and their latency
//! per route and server function, Voximplant calls per method, open audit intents,
//! the chain head and the database pool.
//!
//! Only a loopback client that came straight in (no forwarding header: a proxy on the
//! same host would otherwise make everyone loopback) or one presenting the configured
//! token (`Authorization: Bearer …`) may read it; everyone else gets 404, as if it did
//! not exist. Labels come only from the route table and fixed names, never from what
//! a client sends, so no request can grow the set of series.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    net::SocketAddr,
    sync::{LazyLock, Mutex},
    time::{Duration, Instant},
};

use app::backend::AppState;
use axum::{
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{header, HeaderMap, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};
use voximplant::client::{observe::CallObserver, Error as ApiError};

pub const PATH: &str = "/metrics";

/// Upper bounds (seconds) of the latency histograms' buckets.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// Who may read `/metrics` besides a direct loopback client.
#[derive(Clone, Default)]
pub struct MetricsAccess {
    /// SHA-256 of the token (compared hashed, so timing says nothing about it).
    token_hash: Option<[u8; 32]>,
}

impl MetricsAccess {
    /// `token`: from `VOXDESK_METRICS_TOKEN`; `None` or empty: loopback only.
    pub fn with_token(token: Option<&str>) -> MetricsAccess {
        MetricsAccess { token_hash: token.filter(|t| !t.is_empty()).map(|t| Sha256::digest(t.as_bytes()).into()) }
    }

    fn allows(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> bool {
        let forwarded = headers.contains_key("x-forwarded-for") || headers.contains_key(header::FORWARDED);
        if peer.is_some_and(|peer| peer.ip().is_loopback()) && !forwarded {
            return true;
        }
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "));
        match (self.token_hash, presented) {
            (Some(expected), Some(token)) => <[u8; 32]>::from(Sha256::digest(token.as_bytes())) == expected,
            _ => false,
        }
    }
}

#[derive(Clone)]
struct Histogram {
    /// Per bucket (not cumulative; summed when written), then the count above the last.
    counts: [u64; BUCKETS.len() + 1],
    sum_seconds: f64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram { counts: [0; BUCKETS.len() + 1], sum_seconds: 0.0 }
    }
}

impl Histogram {
    fn observe(&mut self, took: Duration) {
        let seconds = took.as_secs_f64();
        let bucket = BUCKETS.iter().position(|bound| seconds <= *bound).unwrap_or(BUCKETS.len());
        self.counts[bucket] += 1;
        self.sum_seconds += seconds;
    }

    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        for (bound, count) in BUCKETS.iter().zip(self.counts) {
            cumulative += count;
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
        }
        cumulative += self.counts[BUCKETS.len()];
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {cumulative}");
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", self.sum_seconds);
        let _ = writeln!(out, "{name}_count{{{labels}}} {cumulative}");
    }
}

#[derive(Default)]
struct RouteStats {
    latency: Histogram,
    by_status: BTreeMap<u16, u64>,
}

#[derive(Default)]
struct CallStats {
    latency: Histogram,
    errors: BTreeMap<&'static str, u64>,
}

/// The process's counters. One per process, like the Voximplant client's observer
/// hook: several routers in one process (the tests) add to the same numbers.
#[derive(Default)]
struct Metrics {
    /// By (route, HTTP method).
    requests: Mutex<BTreeMap<(String, String), RouteStats>>,
    calls: Mutex<BTreeMap<&'static str, CallStats>>,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::default);

struct Observer;

impl CallObserver for Observer {
    fn attempt_ended(&self, method: &'static str, took: Duration, error: Option<&ApiError>) {
        let mut calls = METRICS.calls.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let stats = calls.entry(method).or_default();
        stats.latency.observe(took);
        if let Some(error) = error {
            *stats.errors.entry(error.kind()).or_default() += 1;
        }
    }
}

/// Starts counting Voximplant calls (idempotent).
pub fn observe_voximplant_calls() {
    voximplant::client::observe::set_observer(Box::new(Observer));
}

/// The route a request matched, as declared (`/children/{id}`), never its raw path.
/// Every page is one axum route (`app::PAGES` chooses the page), so a page is
/// labelled by its own path in that table.
fn route_label(request: &Request) -> String {
    match request.extensions().get::<MatchedPath>().map(MatchedPath::as_str) {
        Some("/" | "/{*any}") => match app::ui::lazy_page::find_page(app::PAGES, request.uri().path()) {
            Some((page, _)) => axum_style(page.path),
            None => "(unmatched)".to_string(),
        },
        Some(path) => path.to_string(),
        None => "(unmatched)".to_string(),
    }
}

/// `/children/:id` as axum writes it: `/children/{id}`.
fn axum_style(path: &str) -> String {
    path.split('/')
        .map(|segment| match segment.strip_prefix(':') {
            Some(name) => format!("{{{name}}}"),
            None => segment.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Middleware: counts each request and its latency by route, method and status.
pub async fn count_requests(request: Request, next: Next) -> Response {
    let route = route_label(&request);
    let method = match request.method().as_str() {
        known @ ("GET" | "POST" | "HEAD" | "PUT" | "DELETE" | "OPTIONS" | "PATCH") => known.to_string(),
        _ => "other".to_string(),
    };
    let started = Instant::now();
    let response = next.run(request).await;
    let took = started.elapsed();
    let mut requests = METRICS.requests.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let stats = requests.entry((route, method)).or_default();
    stats.latency.observe(took);
    *stats.by_status.entry(response.status().as_u16()).or_default() += 1;
    response
}

/// Prometheus label values escape `\`, `"` and newlines.
fn label_value(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// `GET /metrics`.
pub async fn metrics(State((state, access)): State<(AppState, MetricsAccess)>, request: Request) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(peer)| *peer);
    if !access.allows(peer, request.headers()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let pool = state.backend.unguarded_pool();
    let mut out = String::new();

    out.push_str("# HELP voxdesk_http_requests_total Requests answered, by route, method and status.\n");
    out.push_str("# TYPE voxdesk_http_requests_total counter\n");
    let requests: Vec<(String, String, Histogram, Vec<(u16, u64)>)> = {
        let requests = METRICS.requests.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        requests
            .iter()
            .map(|((route, method), stats)| {
                (route.clone(), method.clone(), stats.latency.clone(), stats.by_status.iter().map(|(s, n)| (*s, *n)).collect())
            })
            .collect()
    };
    for (route, method, _, statuses) in &requests {
        for (status, count) in statuses {
            let _ = writeln!(
                out,
                "voxdesk_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {count}",
                label_value(route)
            );
        }
    }
    out.push_str("# HELP voxdesk_http_request_duration_seconds Time to answer, by route and method.\n");
    out.push_str("# TYPE voxdesk_http_request_duration_seconds histogram\n");
    for (route, method, latency, _) in &requests {
        let labels = format!("route=\"{}\",method=\"{method}\"", label_value(route));
        latency.write(&mut out, "voxdesk_http_request_duration_seconds", &labels);
    }

    let calls: Vec<(&'static str, Histogram, Vec<(&'static str, u64)>)> = {
        let calls = METRICS.calls.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        calls.iter().map(|(method, stats)| (*method, stats.latency.clone(), stats.errors.iter().map(|(k, n)| (*k, *n)).collect())).collect()
    };
    out.push_str("# HELP voxdesk_voximplant_call_duration_seconds Voximplant calls (each attempt), by method.\n");
    out.push_str("# TYPE voxdesk_voximplant_call_duration_seconds histogram\n");
    for (method, latency, _) in &calls {
        latency.write(&mut out, "voxdesk_voximplant_call_duration_seconds", &format!("method=\"{method}\""));
    }
    out.push_str("# HELP voxdesk_voximplant_call_errors_total Failed Voximplant attempts, by method and kind.\n");
    out.push_str("# TYPE voxdesk_voximplant_call_errors_total counter\n");
    for (method, _, errors) in &calls {
        for (kind, count) in errors {
            let _ = writeln!(out, "voxdesk_voximplant_call_errors_total{{method=\"{method}\",kind=\"{kind}\"}} {count}");
        }
    }

    out.push_str("# HELP voxdesk_db_pool_connections Database connections this instance holds, by state.\n");
    out.push_str("# TYPE voxdesk_db_pool_connections gauge\n");
    let idle = pool.num_idle() as u32;
    let _ = writeln!(out, "voxdesk_db_pool_connections{{state=\"idle\"}} {idle}");
    let _ = writeln!(out, "voxdesk_db_pool_connections{{state=\"in_use\"}} {}", pool.size().saturating_sub(idle));
    out.push_str("# HELP voxdesk_db_pool_max_connections The pool's limit.\n");
    out.push_str("# TYPE voxdesk_db_pool_max_connections gauge\n");
    let _ = writeln!(out, "voxdesk_db_pool_max_connections {}", pool.options().get_max_connections());

    let rows = state.backend.rows();
    out.push_str("# HELP voxdesk_kept_row_reads_total Session, user and connection reads answered from memory (hit) or PostgreSQL (miss).\n");
    out.push_str("# TYPE voxdesk_kept_row_reads_total counter\n");
    for (table, hits, misses) in rows.counts() {
        let _ = writeln!(out, "voxdesk_kept_row_reads_total{{table=\"{table}\",answer=\"hit\"}} {hits}");
        let _ = writeln!(out, "voxdesk_kept_row_reads_total{{table=\"{table}\",answer=\"miss\"}} {misses}");
    }
    out.push_str("# HELP voxdesk_kept_rows_listening 1 while this instance hears of row changes (rows are kept only then).\n");
    out.push_str("# TYPE voxdesk_kept_rows_listening gauge\n");
    let _ = writeln!(out, "voxdesk_kept_rows_listening {}", u8::from(rows.listening()));

    // From the database, so every instance reports the same, shared numbers. Without
    // it the lines are left out and `voxdesk_up` says why: a scrape still answers.
    let audit = async {
        let open: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_intent_owners").fetch_one(pool).await?;
        let head: i64 = sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM audit_events").fetch_one(pool).await?;
        Ok::<_, sqlx::Error>((open, head))
    };
    let database_up = match tokio::time::timeout(Duration::from_secs(5), audit).await {
        Ok(Ok((open, head))) => {
            out.push_str("# HELP voxdesk_audit_intents_open Audited actions whose outcome is not written yet.\n");
            out.push_str("# TYPE voxdesk_audit_intents_open gauge\n");
            let _ = writeln!(out, "voxdesk_audit_intents_open {open}");
            out.push_str("# HELP voxdesk_audit_chain_head_seq Sequence number of the newest audit event.\n");
            out.push_str("# TYPE voxdesk_audit_chain_head_seq gauge\n");
            let _ = writeln!(out, "voxdesk_audit_chain_head_seq {head}");
            1
        }
        _ => 0,
    };
    out.push_str("# HELP voxdesk_database_up Whether the database answered this scrape.\n");
    out.push_str("# TYPE voxdesk_database_up gauge\n");
    let _ = writeln!(out, "voxdesk_database_up {database_up}");

    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], out).into_response()
}
