//! Actions written ahead: the intent is committed before the action runs (or the action
//! is refused), the outcome after, with what the action reported (changes, targets, a
//! fact that must be on record before its value is used).

use std::{future::Future, time::Instant};

use serde_json::{json, Value};
use sqlx::PgPool;

use super::{
    write::{append, append_all, NewEvent},
    AuditContext,
};
use crate::{action::Audited, audit::Outcome, error::AppError};

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
    /// A fact that goes on record in the outcome's commit (see [`audited_with_fact`]).
    pub fact: Option<NewEvent>,
}

impl<T> Performed<T> {
    pub fn new(value: T) -> Self {
        Performed { value, changes: None, targets: None, fact: None }
    }

    pub fn with_changes(mut self, changes: Value) -> Self {
        self.changes = Some(changes);
        self
    }

    pub fn with_targets(mut self, targets: Value) -> Self {
        self.targets = Some(targets);
        self
    }

    /// Something the caller will do with the value only if it is on record (show a new
    /// API key): recorded with the outcome, in its commit.
    pub fn with_fact(mut self, fact: NewEvent) -> Self {
        self.fact = Some(fact);
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
    audited_with_fact(pool, context, action, targets, params, act).await.map(|(value, _)| value)
}

/// As [`audited`], for an action whose value the caller uses only once a fact about
/// it is on record (a new account's API key is shown only if showing it is): the
/// fact given with [`Performed::with_fact`] is committed with the outcome, and the
/// answer says whether it is on record.
pub async fn audited_with_fact<T, F, Fut>(
    pool: &PgPool,
    context: &AuditContext,
    action: &Audited,
    targets: Value,
    params: Value,
    act: F,
) -> Result<(T, bool), AppError>
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
    let mut result = act().await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    crash_point("VOXDESK_CRASH_BEFORE_OUTCOME", name);
    // No clear answer from Voximplant (timeout, broken connection, 5xx): the change
    // may or may not have happened, so no outcome is claimed. The intent stays open,
    // shown as "no outcome yet", until the reconciler asks Voximplant what happened.
    if let Err(error) = &result {
        if action.method.is_some() && error.is_unclear_voximplant_answer() {
            tracing::warn!(action = %name, intent_seq, %error, "Voximplant gave no clear answer; the reconciler will settle this");
            return result.map(|done| (done.value, false));
        }
    }
    let (finish, fact) = match &mut result {
        Ok(done) => {
            let mut event = NewEvent::outcome(intent_seq, name, action.method, done.targets.clone().unwrap_or(targets), Outcome::Ok);
            event.changes = done.changes.clone();
            (event, done.fact.take())
        }
        Err(error) => {
            let (outcome, detail) = outcome_of(error);
            (NewEvent::outcome(intent_seq, name, action.method, targets, outcome).with_detail(detail), None)
        }
    };
    let finish = NewEvent { latency_ms: Some((latency_ms * 1000.0).round() / 1000.0), ..finish };
    let mut answers = append_all(pool, context, std::iter::once(finish).chain(fact).collect()).await.into_iter();
    if let Some(Err(error)) = answers.next() {
        // The action happened; its intent stays unsettled until the reconciler runs.
        tracing::error!(action = %name, intent_seq, %error, "outcome not recorded");
    }
    let fact_on_record = match answers.next() {
        Some(Ok(_)) => true,
        Some(Err(error)) => {
            tracing::error!(action = %name, intent_seq, %error, "a fact that goes with an outcome was not recorded");
            false
        }
        None => false,
    };
    result.map(|done| (done.value, fact_on_record))
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
