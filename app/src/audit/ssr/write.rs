//! Appending to the log: single facts, and actions written ahead (intent, act,
//! outcome). Secrets are redacted here, whatever the caller passed.

use std::{future::Future, time::Instant};

use chrono::{SubsecRound, Utc};
use serde_json::{json, Value};
use sqlx::PgPool;

use super::{
    chain::{self, Record},
    unavailable, AuditContext,
};
use crate::{action::Audited, audit::Outcome, error::AppError};

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
    /// Something that happened, recorded once (a login, a refusal, a sensitive read).
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

    /// The intent of `action`, before it runs.
    /// An intent, for an action whose outcome comes later (a background job's).
    pub fn intent(action: &Audited, targets: Value, params: Value) -> Self {
        NewEvent {
            kind: "intent",
            method: action.method.map(str::to_string),
            outcome: None,
            ..NewEvent::fact(action.name, targets, params, Outcome::Ok)
        }
    }

    /// The outcome of the intent `intent_seq`.
    pub fn outcome(intent_seq: i64, action: &str, method: Option<&str>, targets: Value, outcome: Outcome) -> Self {
        NewEvent {
            kind: "outcome",
            intent_seq: Some(intent_seq),
            method: method.map(str::to_string),
            ..NewEvent::fact(action, targets, json!({}), outcome)
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

/// Appends one event; returns its sequence number. Fails rather than losing it.
///
/// Every writer queues on the chain's lock, so only what needs the new link runs
/// under it (the head, the insert, an intent's owner row); the rest comes first in
/// the same transaction.
pub async fn append(pool: &PgPool, context: &AuditContext, event: NewEvent) -> Result<i64, AppError> {
    let mut tx = pool.begin().await.map_err(unavailable)?;
    match (event.kind, event.intent_seq) {
        ("intent", _) => super::instance::present_on(&mut tx).await?,
        ("outcome", Some(intent_seq)) => {
            // A second outcome is refused here, or by the one-outcome index if two race.
            let settled: Option<(i64,)> = sqlx::query_as("SELECT seq FROM audit_events WHERE kind = 'outcome' AND intent_seq = $1")
                .bind(intent_seq)
                .fetch_optional(&mut *tx)
                .await
                .map_err(unavailable)?;
            if settled.is_some() {
                return Err(AppError::Conflict(format!("Audit event {intent_seq} already has its outcome.")));
            }
            // An intent's owner row goes with its outcome.
            sqlx::query("DELETE FROM audit_intent_owners WHERE intent_seq = $1")
                .bind(intent_seq)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
        }
        _ => {}
    }
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(chain::AUDIT_LOCK).execute(&mut *tx).await.map_err(unavailable)?;
    let (last_seq, prev_hash) = chain::head(&mut tx).await?;
    let seq = last_seq + 1;
    let record = Record {
        seq,
        occurred_at: Utc::now().trunc_subsecs(6),
        kind: event.kind.to_string(),
        intent_seq: event.intent_seq,
        actor_id: context.actor_id,
        actor_name: context.actor_name.clone(),
        actor_role: context.actor_role.clone(),
        client_ip: context.client_ip.clone(),
        user_agent: context.user_agent.clone(),
        request_id: context.request_id.clone(),
        session_ref: context.session_ref.clone(),
        connection_id: context.connection_id,
        connection_name: context.connection_name.clone(),
        action: event.action,
        method: event.method,
        targets: event.targets.to_string(),
        params: redact(event.params).to_string(),
        changes: event.changes.map(|c| redact(c).to_string()),
        outcome: event.outcome.map(|o| o.as_str().to_string()),
        outcome_detail: event.outcome_detail.map(|d| redact(d).to_string()),
        latency_ms: event.latency_ms,
        prev_hash,
    };
    chain::insert(&mut tx, vec![record]).await?;
    // Who is performing an intent's action, while it is open (see `instance`).
    if event.kind == "intent" {
        sqlx::query("INSERT INTO audit_intent_owners (intent_seq, instance_id) VALUES ($1, $2)")
            .bind(seq)
            .bind(super::instance::this_instance().id)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
    }
    tx.commit().await.map_err(unavailable)?;
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
        AppError::Unauthenticated | AppError::Forbidden | AppError::TwoStepSetupRequired | AppError::RateLimited { .. } => Outcome::Denied,
        AppError::Invalid(_) | AppError::NotFound(_) | AppError::Conflict(_) => Outcome::Invalid,
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
pub struct Performed<T> {
    pub value: T,
    /// `{"field": {"before": …, "after": …}}` for edits.
    pub changes: Option<Value>,
    /// Targets learned while acting (the id of something created).
    pub targets: Option<Value>,
}

impl<T> Performed<T> {
    pub fn new(value: T) -> Self {
        Performed { value, changes: None, targets: None }
    }

    pub fn with_changes(mut self, changes: Value) -> Self {
        self.changes = Some(changes);
        self
    }

    pub fn with_targets(mut self, targets: Value) -> Self {
        self.targets = Some(targets);
        self
    }
}

/// Runs `act` write-ahead: the intent is committed first (or the action refused),
/// the outcome after.
pub async fn audited<T, F, Fut>(
    pool: &PgPool,
    context: &AuditContext,
    action: &Audited,
    targets: Value,
    params: Value,
    act: F,
) -> Result<T, AppError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Performed<T>, AppError>>,
{
    let name = action.name;
    let intent_seq = append(pool, context, NewEvent::intent(action, targets.clone(), params)).await.map_err(|error| {
        tracing::error!(action = %name, %error, "refused: the intent could not be audited");
        error
    })?;
    crash_point("VOXDESK_CRASH_AFTER_INTENT", name);
    let started = Instant::now();
    let result = act().await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    crash_point("VOXDESK_CRASH_BEFORE_OUTCOME", name);
    // No clear answer from Voximplant (timeout, broken connection, 5xx): the change
    // may or may not have happened, so no outcome is claimed. The intent stays open,
    // shown as "no outcome yet", until the reconciler asks Voximplant what happened.
    if let Err(error) = &result {
        if action.method.is_some() && error.is_unclear_voximplant_answer() {
            tracing::warn!(action = %name, intent_seq, %error, "Voximplant gave no clear answer; the reconciler will settle this");
            return result.map(|done| done.value);
        }
    }
    let finish = match &result {
        Ok(done) => {
            let mut event = NewEvent::outcome(intent_seq, name, action.method, done.targets.clone().unwrap_or(targets), Outcome::Ok);
            event.changes = done.changes.clone();
            event
        }
        Err(error) => {
            let (outcome, detail) = outcome_of(error);
            NewEvent::outcome(intent_seq, name, action.method, targets, outcome).with_detail(detail)
        }
    };
    let finish = NewEvent { latency_ms: Some((latency_ms * 1000.0).round() / 1000.0), ..finish };
    if let Err(error) = append(pool, context, finish).await {
        // The action happened; its intent stays unsettled until the reconciler runs.
        tracing::error!(action = %name, intent_seq, %error, "outcome not recorded");
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
