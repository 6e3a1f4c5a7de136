//! Writing, reading and verifying the audit log.
//!
//! Write-ahead: an action first commits an *intent*; only then is it performed;
//! afterwards its *outcome* is committed, linked to the intent. If the intent cannot
//! be written the action is refused. If the portal dies in between, the intent stays
//! unsettled until the reconciler settles it.
//!
//! Tamper evidence: events get gapless sequence numbers under one lock, and each
//! stores `hash = SHA-256(canonical encoding of its fields ‖ prev_hash)`.

use std::{future::Future, time::Instant};

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use super::{AuditEvent, AuditFilter, AuditPage, ChainCheck, DayCount, Outcome};
use crate::error::AppError;

/// Serializes writers so the chain never forks.
const AUDIT_LOCK: i64 = 0x5644_4155_4449_54; // "VDAUDIT"
const GENESIS: [u8; 32] = [0; 32];
pub const PAGE_SIZE: i64 = 50;

/// Who acted, from where: captured once per request.
#[derive(Debug, Clone, Default)]
pub struct AuditContext {
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub actor_role: Option<String>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub session_ref: Option<String>,
    pub connection_id: Option<Uuid>,
    pub connection_name: Option<String>,
}

impl AuditContext {
    /// The system itself (startup, the reconciler) or the command line.
    pub fn system(name: &str) -> Self {
        AuditContext { actor_name: Some(name.to_string()), actor_role: Some("system".into()), ..Default::default() }
    }

    /// The current request's client, with no actor yet.
    pub async fn from_request() -> Self {
        use leptos::prelude::use_context;
        let parts = use_context::<http::request::Parts>();
        let header = |name: &str| {
            parts
                .as_ref()
                .and_then(|p| p.headers.get(name))
                .and_then(|v| v.to_str().ok())
                .map(|v| v.chars().take(400).collect::<String>())
        };
        let session_ref = match leptos_axum::extract::<tower_sessions::Session>().await {
            Ok(session) => session.id().map(|id| session_reference(&id.to_string())),
            Err(_) => None,
        };
        AuditContext {
            client_ip: Some(crate::auth::ssr::client_address().await),
            user_agent: header("user-agent"),
            request_id: header("x-request-id"),
            session_ref,
            ..Default::default()
        }
    }

    pub fn with_actor(mut self, id: Uuid, name: &str, role: &str) -> Self {
        self.actor_id = Some(id);
        self.actor_name = Some(name.to_string());
        self.actor_role = Some(role.to_string());
        self
    }

    pub fn with_connection(mut self, id: Uuid, name: &str) -> Self {
        self.connection_id = Some(id);
        self.connection_name = Some(name.to_string());
        self
    }
}

/// Links a session's events without keeping its id.
pub fn session_reference(session_id: &str) -> String {
    hex::encode(&Sha256::digest(session_id.as_bytes())[..12])
}

/// One event to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: &'static str,
    pub intent_seq: Option<i64>,
    pub action: String,
    pub method: Option<String>,
    pub targets: Value,
    pub params: Value,
    pub changes: Option<Value>,
    pub outcome: Option<Outcome>,
    pub outcome_detail: Option<Value>,
    pub latency_ms: Option<f64>,
}

impl NewEvent {
    pub fn fact(action: &str, targets: Value, params: Value, outcome: Outcome) -> Self {
        NewEvent {
            kind: "event",
            intent_seq: None,
            action: action.to_string(),
            method: None,
            targets,
            params,
            changes: None,
            outcome: Some(outcome),
            outcome_detail: None,
            latency_ms: None,
        }
    }

    pub fn with_detail(mut self, detail: Value) -> Self {
        self.outcome_detail = Some(detail);
        self
    }
}

const SECRET_KEYS: &[&str] =
    &["password", "api_key", "credentials_json", "private_key", "secret", "callback_salt", "token", "new_password"];

/// Replaces the value of every secret-named key, at any depth.
pub fn redact(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| {
                    let secret = SECRET_KEYS.iter().any(|s| key.to_ascii_lowercase().contains(s));
                    (key, if secret { json!("[redacted]") } else { redact(value) })
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(redact).collect()),
        other => other,
    }
}

/// The fields that are hashed, in their stored form.
struct Hashed<'a> {
    seq: i64,
    occurred_at: DateTime<Utc>,
    kind: &'a str,
    intent_seq: Option<i64>,
    actor_id: Option<String>,
    actor_name: Option<&'a str>,
    actor_role: Option<&'a str>,
    client_ip: Option<&'a str>,
    user_agent: Option<&'a str>,
    request_id: Option<&'a str>,
    session_ref: Option<&'a str>,
    connection_id: Option<String>,
    connection_name: Option<&'a str>,
    action: &'a str,
    method: Option<&'a str>,
    targets: &'a str,
    params: &'a str,
    changes: Option<&'a str>,
    outcome: Option<&'a str>,
    outcome_detail: Option<&'a str>,
    latency_ms: Option<f64>,
    prev_hash: &'a [u8],
}

impl Hashed<'_> {
    /// Length-prefixed, field by field, in a fixed order; absent is distinct from empty.
    fn digest(&self) -> Vec<u8> {
        fn put(out: &mut Vec<u8>, value: Option<&[u8]>) {
            match value {
                None => out.push(0),
                Some(bytes) => {
                    out.push(1);
                    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
                    out.extend_from_slice(bytes);
                }
            }
        }
        let mut out = b"voxdesk-audit-v1".to_vec();
        put(&mut out, Some(&self.seq.to_be_bytes()));
        put(&mut out, Some(&self.occurred_at.timestamp_micros().to_be_bytes()));
        put(&mut out, Some(self.kind.as_bytes()));
        put(&mut out, self.intent_seq.map(i64::to_be_bytes).as_ref().map(|b| &b[..]));
        put(&mut out, self.actor_id.as_deref().map(str::as_bytes));
        for field in [self.actor_name, self.actor_role, self.client_ip, self.user_agent, self.request_id, self.session_ref] {
            put(&mut out, field.map(str::as_bytes));
        }
        put(&mut out, self.connection_id.as_deref().map(str::as_bytes));
        put(&mut out, self.connection_name.map(str::as_bytes));
        put(&mut out, Some(self.action.as_bytes()));
        put(&mut out, self.method.map(str::as_bytes));
        put(&mut out, Some(self.targets.as_bytes()));
        put(&mut out, Some(self.params.as_bytes()));
        for field in [self.changes, self.outcome, self.outcome_detail] {
            put(&mut out, field.map(str::as_bytes));
        }
        put(&mut out, self.latency_ms.map(f64::to_be_bytes).as_ref().map(|b| &b[..]));
        put(&mut out, Some(self.prev_hash));
        Sha256::digest(&out).to_vec()
    }
}

fn db(error: sqlx::Error) -> AppError {
    AppError::unavailable("The audit log", error)
}

/// Appends one event; returns its sequence number. Fails rather than losing it.
pub async fn append(pool: &PgPool, context: &AuditContext, event: NewEvent) -> Result<i64, AppError> {
    let targets = event.targets.to_string();
    let params = redact(event.params).to_string();
    let changes = event.changes.map(|c| redact(c).to_string());
    let outcome_detail = event.outcome_detail.map(|d| redact(d).to_string());
    let outcome = event.outcome.map(Outcome::as_str);

    let mut tx = pool.begin().await.map_err(db)?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(AUDIT_LOCK).execute(&mut *tx).await.map_err(db)?;
    let last: Option<(i64, Vec<u8>)> = sqlx::query_as("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_vec()),
    };
    let occurred_at = Utc::now().trunc_subsecs(6);
    let hashed = Hashed {
        seq,
        occurred_at,
        kind: event.kind,
        intent_seq: event.intent_seq,
        actor_id: context.actor_id.map(|id| id.to_string()),
        actor_name: context.actor_name.as_deref(),
        actor_role: context.actor_role.as_deref(),
        client_ip: context.client_ip.as_deref(),
        user_agent: context.user_agent.as_deref(),
        request_id: context.request_id.as_deref(),
        session_ref: context.session_ref.as_deref(),
        connection_id: context.connection_id.map(|id| id.to_string()),
        connection_name: context.connection_name.as_deref(),
        action: &event.action,
        method: event.method.as_deref(),
        targets: &targets,
        params: &params,
        changes: changes.as_deref(),
        outcome,
        outcome_detail: outcome_detail.as_deref(),
        latency_ms: event.latency_ms,
        prev_hash: &prev_hash,
    };
    let hash = hashed.digest();
    sqlx::query(
        "INSERT INTO audit_events (seq, occurred_at, kind, intent_seq, actor_id, actor_name, actor_role, client_ip,
            user_agent, request_id, session_ref, connection_id, connection_name, action, method, targets, params,
            changes, outcome, outcome_detail, latency_ms, prev_hash, hash)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23)",
    )
    .bind(seq)
    .bind(occurred_at)
    .bind(event.kind)
    .bind(event.intent_seq)
    .bind(context.actor_id)
    .bind(&context.actor_name)
    .bind(&context.actor_role)
    .bind(&context.client_ip)
    .bind(&context.user_agent)
    .bind(&context.request_id)
    .bind(&context.session_ref)
    .bind(context.connection_id)
    .bind(&context.connection_name)
    .bind(&event.action)
    .bind(&event.method)
    .bind(&targets)
    .bind(&params)
    .bind(&changes)
    .bind(outcome)
    .bind(&outcome_detail)
    .bind(event.latency_ms)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(seq)
}

/// Records a one-off fact (a login, a refusal). Failure is logged, not raised:
/// callers that must not proceed unaudited use [`append`] or [`audited`].
pub async fn record(pool: &PgPool, context: &AuditContext, event: NewEvent) {
    let action = event.action.clone();
    if let Err(error) = append(pool, context, event).await {
        tracing::error!(%action, %error, "audit event not recorded");
    }
}

/// How an error ends up in the log.
pub fn outcome_of(error: &AppError) -> (Outcome, Value) {
    let outcome = match error {
        AppError::Unauthenticated | AppError::Forbidden | AppError::RateLimited { .. } => Outcome::Denied,
        AppError::Invalid { .. } | AppError::NotFound(_) | AppError::Conflict(_) => Outcome::Invalid,
        AppError::Upstream { .. } => Outcome::UpstreamError,
        _ => Outcome::Error,
    };
    let detail = match error {
        AppError::Upstream { code, message } => json!({ "code": code, "message": message }),
        other => json!({ "error": other.to_string() }),
    };
    (outcome, detail)
}

/// What an audited action reports besides its result.
pub struct Done<T> {
    pub value: T,
    /// `{"field": {"before": …, "after": …}}` for edits.
    pub changes: Option<Value>,
    /// Targets learned while acting (the id of something created).
    pub targets: Option<Value>,
}

impl<T> Done<T> {
    pub fn new(value: T) -> Self {
        Done { value, changes: None, targets: None }
    }
}

/// Runs `act` write-ahead: the intent is committed first (or the action refused),
/// the outcome after.
pub async fn audited<T, F, Fut>(
    pool: &PgPool,
    context: &AuditContext,
    action: &str,
    method: Option<&str>,
    targets: Value,
    params: Value,
    act: F,
) -> Result<T, AppError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Done<T>, AppError>>,
{
    let intent = NewEvent {
        kind: "intent",
        intent_seq: None,
        action: action.to_string(),
        method: method.map(str::to_string),
        targets: targets.clone(),
        params,
        changes: None,
        outcome: None,
        outcome_detail: None,
        latency_ms: None,
    };
    let intent_seq = append(pool, context, intent).await.map_err(|error| {
        tracing::error!(%action, %error, "refused: the intent could not be audited");
        error
    })?;
    crash_point("VOXDESK_CRASH_AFTER_INTENT", action);
    let started = Instant::now();
    let result = act().await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    crash_point("VOXDESK_CRASH_BEFORE_OUTCOME", action);
    // No clear answer from Voximplant (timeout, broken connection, 5xx): the change
    // may or may not have happened, so no outcome is claimed. The intent stays open,
    // shown as "no outcome yet", until the reconciler asks Voximplant what happened.
    if let Err(error) = &result {
        if method.is_some() && crate::connections::ssr::is_unclear_upstream_answer(error) {
            tracing::warn!(%action, intent_seq, %error, "Voximplant gave no clear answer; the reconciler will settle this");
            return result.map(|done| done.value);
        }
    }
    let (outcome, detail, changes, outcome_targets) = match &result {
        Ok(done) => (Outcome::Ok, None, done.changes.clone(), done.targets.clone()),
        Err(error) => {
            let (outcome, detail) = outcome_of(error);
            (outcome, Some(detail), None, None)
        }
    };
    let finish = NewEvent {
        kind: "outcome",
        intent_seq: Some(intent_seq),
        action: action.to_string(),
        method: method.map(str::to_string),
        targets: outcome_targets.unwrap_or(targets),
        params: json!({}),
        changes,
        outcome: Some(outcome),
        outcome_detail: detail,
        latency_ms: Some((latency_ms * 1000.0).round() / 1000.0),
    };
    if let Err(error) = append(pool, context, finish).await {
        // The action happened; its intent stays unsettled until the reconciler runs.
        tracing::error!(%action, intent_seq, %error, "outcome not recorded");
    }
    result.map(|done| done.value)
}

/// For the crash-recovery tests only: `VOXDESK_CRASH_AFTER_INTENT=<action>` ends the
/// process right after that action's intent is committed, `VOXDESK_CRASH_BEFORE_OUTCOME`
/// right after the action itself, before its outcome is.
fn crash_point(variable: &str, action: &str) {
    if std::env::var(variable).is_ok_and(|a| a == action) {
        eprintln!("{variable}: exiting at {action}");
        std::process::exit(86);
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    seq: i64,
    occurred_at: DateTime<Utc>,
    kind: String,
    intent_seq: Option<i64>,
    actor_id: Option<Uuid>,
    actor_name: Option<String>,
    actor_role: Option<String>,
    client_ip: Option<String>,
    user_agent: Option<String>,
    request_id: Option<String>,
    session_ref: Option<String>,
    connection_id: Option<Uuid>,
    connection_name: Option<String>,
    action: String,
    method: Option<String>,
    targets: String,
    params: String,
    changes: Option<String>,
    outcome: Option<String>,
    outcome_detail: Option<String>,
    latency_ms: Option<f64>,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
}

impl Row {
    fn recomputed(&self) -> Vec<u8> {
        Hashed {
            seq: self.seq,
            occurred_at: self.occurred_at,
            kind: &self.kind,
            intent_seq: self.intent_seq,
            actor_id: self.actor_id.map(|id| id.to_string()),
            actor_name: self.actor_name.as_deref(),
            actor_role: self.actor_role.as_deref(),
            client_ip: self.client_ip.as_deref(),
            user_agent: self.user_agent.as_deref(),
            request_id: self.request_id.as_deref(),
            session_ref: self.session_ref.as_deref(),
            connection_id: self.connection_id.map(|id| id.to_string()),
            connection_name: self.connection_name.as_deref(),
            action: &self.action,
            method: self.method.as_deref(),
            targets: &self.targets,
            params: &self.params,
            changes: self.changes.as_deref(),
            outcome: self.outcome.as_deref(),
            outcome_detail: self.outcome_detail.as_deref(),
            latency_ms: self.latency_ms,
            prev_hash: &self.prev_hash,
        }
        .digest()
    }
}

const COLUMNS: &str = "seq, occurred_at, kind, intent_seq, actor_id, actor_name, actor_role, client_ip, user_agent,
    request_id, session_ref, connection_id, connection_name, action, method, targets, params, changes, outcome,
    outcome_detail, latency_ms, prev_hash, hash";

/// Recomputes the whole chain in order, streaming (constant memory).
pub async fn verify(pool: &PgPool) -> Result<ChainCheck, AppError> {
    use futures::TryStreamExt;
    // Archived events are gone; what remains chains on from the last checkpoint.
    let checkpoint: Option<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT through_seq, through_hash FROM audit_checkpoints ORDER BY through_seq DESC LIMIT 1")
            .fetch_optional(pool)
            .await
            .map_err(db)?;
    let (mut expected_seq, mut previous) = match checkpoint {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_vec()),
    };
    let query = format!("SELECT {COLUMNS} FROM audit_events ORDER BY seq");
    let mut rows = sqlx::query_as::<_, Row>(&query).fetch(pool);
    let mut count = 0;
    while let Some(row) = rows.try_next().await.map_err(db)? {
        let broken = |reason: &str| Ok(ChainCheck::Broken { seq: row.seq, reason: reason.to_string() });
        if row.seq != expected_seq {
            return Ok(ChainCheck::Broken {
                seq: expected_seq,
                reason: format!("event {expected_seq} is missing (next is {})", row.seq),
            });
        }
        if row.prev_hash != previous {
            return broken("its link to the previous event does not match");
        }
        if row.recomputed() != row.hash {
            return broken("its contents do not match its hash");
        }
        previous = row.hash.clone();
        expected_seq += 1;
        count += 1;
    }
    Ok(ChainCheck::Intact { events: count, head_seq: expected_seq - 1, head_hash: hex::encode(previous) })
}

fn view(row: Row, settled: bool) -> AuditEvent {
    AuditEvent {
        seq: row.seq,
        occurred_at: row.occurred_at.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
        kind: row.kind,
        intent_seq: row.intent_seq,
        actor_name: row.actor_name,
        actor_role: row.actor_role,
        client_ip: row.client_ip,
        user_agent: row.user_agent,
        request_id: row.request_id,
        session_ref: row.session_ref,
        connection_name: row.connection_name,
        action: row.action,
        method: row.method,
        targets: row.targets,
        params: row.params,
        changes: row.changes,
        outcome: row.outcome,
        outcome_detail: row.outcome_detail,
        latency_ms: row.latency_ms,
        settled,
        hash: hex::encode(row.hash),
    }
}

#[derive(sqlx::FromRow)]
struct RowWithStatus {
    #[sqlx(flatten)]
    row: Row,
    settled: bool,
}

const SETTLED: &str = "(e.kind <> 'intent' OR EXISTS (SELECT 1 FROM audit_events o WHERE o.kind = 'outcome' AND o.intent_seq = e.seq)) AS settled";

/// Adds the filter's conditions (each typed, bound as a parameter).
fn push_filter(query: &mut QueryBuilder<'_, Postgres>, filter: &AuditFilter) -> Result<(), AppError> {
    let date = |field: &str, text: &Option<String>| -> Result<Option<chrono::NaiveDate>, AppError> {
        text.as_deref()
            .filter(|t| !t.trim().is_empty())
            .map(|t| chrono::NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").map_err(|_| AppError::invalid(field, "Use a date like 2026-11-27.")))
            .transpose()
    };
    let text = |value: &Option<String>| value.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
    if let Some(from) = date("from", &filter.from)? {
        query.push(" AND e.occurred_at >= ").push_bind(from.and_hms_opt(0, 0, 0).expect("midnight").and_utc());
    }
    if let Some(to) = date("to", &filter.to)? {
        let end = (to + chrono::Duration::days(1)).and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        query.push(" AND e.occurred_at < ").push_bind(end);
    }
    if let Some(actor) = text(&filter.actor) {
        query.push(" AND e.actor_name = ").push_bind(actor);
    }
    if let Some(action) = text(&filter.action) {
        query.push(" AND e.action LIKE ").push_bind(format!("{}%", escape_like(&action)));
    }
    if let Some(target) = text(&filter.target) {
        query.push(" AND e.targets LIKE ").push_bind(format!("%{}%", escape_like(&target)));
    }
    if let Some(outcome) = text(&filter.outcome) {
        let outcome = Outcome::parse(&outcome).ok_or_else(|| AppError::invalid("outcome", "Choose an outcome."))?;
        query.push(" AND e.outcome = ").push_bind(outcome.as_str());
    }
    if let Some(connection) = text(&filter.connection) {
        query.push(" AND e.connection_name = ").push_bind(connection);
    }
    if let Some(ip) = text(&filter.ip) {
        query.push(" AND e.client_ip = ").push_bind(ip);
    }
    Ok(())
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// A page of events matching `filter`, newest first, older than `before`.
pub async fn page(pool: &PgPool, filter: &AuditFilter, before: Option<i64>) -> Result<AuditPage, AppError> {
    let mut query = QueryBuilder::<Postgres>::new(format!("SELECT {COLUMNS}, {SETTLED} FROM audit_events e WHERE TRUE"));
    push_filter(&mut query, filter)?;
    if let Some(before) = before {
        query.push(" AND e.seq < ").push_bind(before);
    }
    // Keyset pagination on the primary key: as fast on page 1000 as on page 1.
    query.push(" ORDER BY e.seq DESC LIMIT ").push_bind(PAGE_SIZE + 1);
    let mut rows: Vec<RowWithStatus> = query.build_query_as().fetch_all(pool).await.map_err(db)?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let next_before = if more { rows.last().map(|r| r.row.seq) } else { None };
    Ok(AuditPage { events: rows.into_iter().map(|r| view(r.row, r.settled)).collect(), next_before })
}

pub async fn event(pool: &PgPool, seq: i64) -> Result<(AuditEvent, Vec<AuditEvent>), AppError> {
    let query = format!("SELECT {COLUMNS}, {SETTLED} FROM audit_events e WHERE e.seq = $1 OR e.intent_seq = $1 OR e.seq = (SELECT intent_seq FROM audit_events WHERE seq = $1) ORDER BY e.seq");
    let rows: Vec<RowWithStatus> = sqlx::query_as(&query).bind(seq).fetch_all(pool).await.map_err(db)?;
    let mut events: Vec<AuditEvent> = rows.into_iter().map(|r| view(r.row, r.settled)).collect();
    let index = events.iter().position(|e| e.seq == seq).ok_or_else(|| AppError::NotFound(format!("Audit event {seq}")))?;
    let main = events.remove(index);
    Ok((main, events))
}

/// Events per day and outcome within the filter (for the chart).
pub async fn activity(pool: &PgPool, filter: &AuditFilter) -> Result<Vec<DayCount>, AppError> {
    let mut query = QueryBuilder::<Postgres>::new(
        "SELECT to_char(date_trunc('day', e.occurred_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
                coalesce(e.outcome, 'pending') AS outcome, count(*) AS count
         FROM audit_events e WHERE e.kind <> 'intent'",
    );
    push_filter(&mut query, filter)?;
    query.push(" GROUP BY 1, 2 ORDER BY 1 DESC, 2 LIMIT 2000");
    let rows: Vec<(String, String, i64)> = query.build_query_as().fetch_all(pool).await.map_err(db)?;
    Ok(rows.into_iter().map(|(day, outcome, count)| DayCount { day, outcome, count }).collect())
}

/// Streams every event matching `filter`, oldest first, in pages of 1000 (constant
/// memory, any size).
pub fn export_stream(
    pool: PgPool,
    filter: AuditFilter,
) -> impl futures::Stream<Item = Result<AuditEvent, AppError>> + Send + 'static {
    use futures::TryStreamExt;
    futures::stream::try_unfold((pool, filter, 0i64, false), |(pool, filter, after, done)| async move {
        if done {
            return Ok::<_, AppError>(None);
        }
        let mut query = QueryBuilder::<Postgres>::new(format!("SELECT {COLUMNS}, {SETTLED} FROM audit_events e WHERE TRUE"));
        push_filter(&mut query, &filter)?;
        query.push(" AND e.seq > ").push_bind(after).push(" ORDER BY e.seq LIMIT 1000");
        let rows: Vec<RowWithStatus> = query.build_query_as().fetch_all(&pool).await.map_err(db)?;
        let last = rows.last().map(|r| r.row.seq);
        let finished = rows.len() < 1000;
        let events: Vec<Result<AuditEvent, AppError>> = rows.into_iter().map(|r| Ok(view(r.row, r.settled))).collect();
        Ok(Some((futures::stream::iter(events), (pool, filter, last.unwrap_or(after), finished || last.is_none()))))
    })
    .try_flatten()
}

/// Settles intents without an outcome (the portal stopped in between, or Voximplant
/// gave no clear answer): asks where it can what actually happened, and records what
/// it found.
pub async fn reconcile(backend: &crate::auth::ssr::Backend, older_than_seconds: i64) -> Result<usize, AppError> {
    let pool = backend.unguarded_pool();
    let pending: Vec<(i64, String, String, String, Option<Uuid>, Option<String>)> = sqlx::query_as(
        "SELECT e.seq, e.action, e.targets, e.params, e.connection_id, e.connection_name FROM audit_events e
         WHERE e.kind = 'intent' AND e.occurred_at < now() - make_interval(secs => $1)
           AND NOT EXISTS (SELECT 1 FROM audit_events o WHERE o.kind = 'outcome' AND o.intent_seq = e.seq)
         ORDER BY e.seq",
    )
    .bind(older_than_seconds as f64)
    .fetch_all(pool)
    .await
    .map_err(db)?;
    let mut settled = 0;
    for (seq, action, targets, params, connection_id, connection_name) in &pending {
        let mut context = AuditContext::system("reconciler");
        if let (Some(id), Some(name)) = (connection_id, connection_name) {
            context = context.with_connection(*id, name);
        }
        // Not answerable now (Voximplant unreachable): stays unsettled until a later pass.
        let Some((outcome, detail)) = settle(backend, action, targets, params, *connection_id).await else {
            tracing::warn!(seq, %action, "audit intent left unsettled: its outcome cannot be checked now");
            continue;
        };
        let event = NewEvent {
            kind: "outcome",
            intent_seq: Some(*seq),
            action: action.clone(),
            method: None,
            targets: serde_json::from_str(targets).unwrap_or(Value::Null),
            params: json!({}),
            changes: None,
            outcome: Some(outcome),
            outcome_detail: Some(detail),
            latency_ms: None,
        };
        append(pool, &context, event).await?;
        settled += 1;
    }
    Ok(settled)
}

/// What the world says about an unsettled action.
async fn settle(
    backend: &crate::auth::ssr::Backend,
    action: &str,
    targets: &str,
    params: &str,
    connection: Option<Uuid>,
) -> Option<(Outcome, Value)> {
    let pool = backend.unguarded_pool();
    let params: Value = serde_json::from_str(params).unwrap_or(Value::Null);
    let targets: Value = serde_json::from_str(targets).unwrap_or(Value::Null);
    let found = |what: &str| json!({ "reconciled": true, "found": what });
    match action {
        "user.create" => {
            let username = params["username"].as_str().unwrap_or_default().to_string();
            match sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM users WHERE username = $1)")
                .bind(&username)
                .fetch_one(pool)
                .await
            {
                Ok(true) => Some((Outcome::Ok, found(&format!("user {username} exists")))),
                Ok(false) => Some((Outcome::Error, found(&format!("user {username} does not exist: the action did not happen")))),
                Err(_) => None,
            }
        }
        "connection.add" => {
            let name = params["name"].as_str().unwrap_or_default().to_string();
            match sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM connections WHERE name = $1)")
                .bind(&name)
                .fetch_one(pool)
                .await
            {
                Ok(true) => Some((Outcome::Ok, found(&format!("connection {name} exists")))),
                Ok(false) => Some((Outcome::Error, found(&format!("connection {name} does not exist: the action did not happen")))),
                Err(_) => None,
            }
        }
        crate::children::ssr::CREATE => {
            let gone = || {
                Some((Outcome::Unknown, json!({ "reconciled": true, "found": "the parent connection is gone; check by hand", "targets": targets })))
            };
            let Some(connection) = connection else { return gone() };
            match crate::connections::ssr::client_for(backend, connection).await {
                Ok((_, client)) => crate::children::ssr::settle_create(&client, &params).await,
                Err(AppError::NotFound(_)) => gone(),
                Err(_) => None,
            }
        }
        _ => Some((
            Outcome::Unknown,
            json!({
                "reconciled": true,
                "found": "the portal stopped before recording the outcome; check the target by hand",
                "targets": targets,
            }),
        )),
    }
}

/// Appends `count` synthetic events with a valid chain, in multi-row batches: the
/// benchmark's way to a million-event log. Never called by the portal.
pub async fn generate_synthetic(pool: &PgPool, count: i64) -> Result<(), AppError> {
    const ACTIONS: &[&str] = &[
        "child_account.create", "child_account.update", "child_account.activate", "plan.change", "charge.run",
        "user.login", "user.logout", "notifications.update", "connection.rename", "access.denied",
    ];
    const OUTCOMES: &[&str] = &["ok", "ok", "ok", "ok", "ok", "ok", "invalid", "denied", "upstream_error", "error"];
    const BATCH: i64 = 2000;
    let last: Option<(i64, Vec<u8>)> = sqlx::query_as("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
        .fetch_optional(pool)
        .await
        .map_err(db)?;
    let (mut seq, mut prev) = last.unwrap_or((0, GENESIS.to_vec()));
    let start = Utc::now().trunc_subsecs(6) - chrono::Duration::days(365);
    let mut remaining = count;
    while remaining > 0 {
        let n = remaining.min(BATCH);
        let mut rows = Vec::with_capacity(n as usize);
        for _ in 0..n {
            seq += 1;
            let occurred_at = start + chrono::Duration::seconds(seq * 31_536_000 / count.max(1));
            let actor = format!("user{:02}", seq % 50);
            let action = ACTIONS[(seq % ACTIONS.len() as i64) as usize].to_string();
            let outcome = OUTCOMES[((seq / 7) % OUTCOMES.len() as i64) as usize].to_string();
            let ip = format!("10.0.{}.{}", (seq / 250) % 4, seq % 250);
            let targets = format!("[\"child-{:05}\"]", seq % 20_000);
            let params = format!("{{\"n\":{seq}}}");
            let hash = Hashed {
                seq,
                occurred_at,
                kind: "event",
                intent_seq: None,
                actor_id: None,
                actor_name: Some(&actor),
                actor_role: Some("reseller"),
                client_ip: Some(&ip),
                user_agent: None,
                request_id: None,
                session_ref: None,
                connection_id: None,
                connection_name: Some("Main"),
                action: &action,
                method: None,
                targets: &targets,
                params: &params,
                changes: None,
                outcome: Some(&outcome),
                outcome_detail: None,
                latency_ms: None,
                prev_hash: &prev,
            }
            .digest();
            rows.push((seq, occurred_at, actor, action, outcome, ip, targets, params, prev.clone(), hash.clone()));
            prev = hash;
        }
        let mut query = QueryBuilder::<Postgres>::new(
            "INSERT INTO audit_events (seq, occurred_at, kind, actor_name, actor_role, client_ip, connection_name,
                action, targets, params, outcome, prev_hash, hash) ",
        );
        query.push_values(rows, |mut row, (seq, at, actor, action, outcome, ip, targets, params, prev, hash)| {
            row.push_bind(seq)
                .push_bind(at)
                .push_bind("event")
                .push_bind(actor)
                .push_bind("reseller")
                .push_bind(ip)
                .push_bind("Main")
                .push_bind(action)
                .push_bind(targets)
                .push_bind(params)
                .push_bind(outcome)
                .push_bind(prev)
                .push_bind(hash);
        });
        query.build().execute(pool).await.map_err(db)?;
        remaining -= n;
    }
    Ok(())
}

/// What an archival run moved out of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archived {
    pub through_seq: i64,
    pub events: i64,
    pub file_sha256: String,
}

/// Moves every event older than `before` to `out` (JSON Lines with hashes, written
/// and synced first), records a checkpoint and deletes them: the only deletion the
/// log allows, audited like any action. An intent is never separated from its
/// outcome. `None` when nothing is old enough.
pub async fn archive(
    pool: &PgPool,
    context: &AuditContext,
    before: DateTime<Utc>,
    out: &std::path::Path,
) -> Result<Option<Archived>, AppError> {
    use std::io::Write;
    let candidate: Option<i64> = sqlx::query_scalar("SELECT max(seq) FROM audit_events WHERE occurred_at < $1")
        .bind(before)
        .fetch_one(pool)
        .await
        .map_err(db)?;
    let Some(mut through) = candidate else { return Ok(None) };
    // Keep intents whose outcomes stay behind.
    loop {
        let split: Option<i64> = sqlx::query_scalar("SELECT min(intent_seq) FROM audit_events WHERE seq > $1 AND intent_seq <= $1")
            .bind(through)
            .fetch_one(pool)
            .await
            .map_err(db)?;
        match split {
            Some(intent) => through = intent - 1,
            None => break,
        }
    }
    let rows: Vec<RowWithStatus> = sqlx::query_as(&format!("SELECT {COLUMNS}, {SETTLED} FROM audit_events e WHERE e.seq <= $1 ORDER BY e.seq"))
        .bind(through)
        .fetch_all(pool)
        .await
        .map_err(db)?;
    let Some(last) = rows.last() else { return Ok(None) };
    let through_hash = last.row.hash.clone();
    let events = rows.len() as i64;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
        .map_err(|e| AppError::invalid("out", format!("cannot create {}: {e}", out.display())))?;
    let mut digest = Sha256::new();
    for row in rows {
        let line = serde_json::to_string(&view(row.row, row.settled)).map_err(AppError::internal)? + "\n";
        digest.update(line.as_bytes());
        file.write_all(line.as_bytes()).map_err(AppError::internal)?;
    }
    file.sync_all().map_err(AppError::internal)?;
    let file_sha256 = hex::encode(digest.finalize());
    let params = json!({ "before": before.to_rfc3339(), "through_seq": through, "events": events, "file": out.display().to_string(), "file_sha256": file_sha256 });
    let archived = Archived { through_seq: through, events, file_sha256: file_sha256.clone() };
    audited(pool, context, "audit.archive", None, json!([]), params, || async {
        let mut tx = pool.begin().await.map_err(db)?;
        sqlx::query("INSERT INTO audit_checkpoints (through_seq, through_hash, events, file_sha256) VALUES ($1, $2, $3, $4)")
            .bind(through)
            .bind(&through_hash)
            .bind(events)
            .bind(&file_sha256)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let deleted: i64 = sqlx::query_scalar("SELECT audit_archive($1)").bind(through).fetch_one(&mut *tx).await.map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(Done { value: deleted, changes: None, targets: None })
    })
    .await?;
    Ok(Some(archived))
}
