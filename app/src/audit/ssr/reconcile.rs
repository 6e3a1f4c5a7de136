//! Settling intents without an outcome (the portal stopped in between, or Voximplant
//! gave no clear answer). The log knows no feature: each action's declaration says
//! how to check whether it happened, and the caller passes those declarations in.

use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::{append, unavailable, AuditContext, NewEvent};
use crate::{
    action::{Audited, PendingIntent},
    audit::Outcome,
    backend::Backend,
    error::AppError,
};

/// Settles every intent older than `older_than_seconds` without an outcome: asks,
/// through its action's declared check, what actually happened, and records what it
/// found. `actions` are every declared action (see `crate::registry`).
pub async fn reconcile(backend: &Backend, actions: &[&Audited], older_than_seconds: i64) -> Result<usize, AppError> {
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
    .map_err(unavailable)?;
    let mut settled = 0;
    for (seq, action, targets, params, connection_id, connection_name) in pending {
        let mut context = AuditContext::system("reconciler");
        if let (Some(id), Some(name)) = (connection_id, &connection_name) {
            context = context.with_connection(id, name);
        }
        let intent = PendingIntent {
            seq,
            action,
            targets: serde_json::from_str(&targets).unwrap_or(Value::Null),
            params: serde_json::from_str(&params).unwrap_or(Value::Null),
            connection_id,
        };
        let check = actions.iter().find(|a| a.name == intent.action).and_then(|a| a.check);
        let found = match check {
            Some(check) => check(backend, &intent).await,
            None => Some(unchecked(&intent)),
        };
        // Not answerable now (Voximplant unreachable): stays unsettled until a later pass.
        let Some((outcome, detail)) = found else {
            tracing::warn!(seq, action = %intent.action, "audit intent left unsettled: its outcome cannot be checked now");
            continue;
        };
        let event = NewEvent::outcome(seq, &intent.action, None, intent.targets, outcome).with_detail(detail);
        match append(pool, &context, event).await {
            Ok(_) => settled += 1,
            // Its own action recorded the outcome while this pass was checking.
            Err(AppError::Conflict(_)) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(settled)
}

/// An action nobody can check: on record as unknown, for a person to look at.
fn unchecked(intent: &PendingIntent) -> (Outcome, Value) {
    (
        Outcome::Unknown,
        json!({
            "reconciled": true,
            "found": "the portal stopped before recording the outcome; check the target by hand",
            "targets": intent.targets,
        }),
    )
}

/// What a check reports, worded the same for every action: `found` is what it saw.
pub fn found(outcome: Outcome, what: impl Into<String>) -> (Outcome, Value) {
    (outcome, json!({ "reconciled": true, "found": what.into() }))
}

/// A check that read the target back: every intended value there → it happened; none →
/// it did not; some → unknown, with the difference on record for a person to look at.
/// Neither (only values that cannot be read back) → unknown. `subject` names the target.
pub fn read_back(subject: &str, matching: Vec<String>, differing: Map<String, Value>) -> (Outcome, Value) {
    match (matching.is_empty(), differing.is_empty()) {
        (true, true) => found(Outcome::Unknown, format!("{subject}: Voximplant does not report what was changed; check by hand")),
        (false, true) => found(Outcome::Ok, format!("{subject} has every intended value")),
        (true, false) => {
            let mut settled = found(Outcome::Error, format!("{subject} has none of the intended values: the action did not happen"));
            settled.1["difference"] = Value::Object(differing);
            settled
        }
        (false, false) => {
            let mut settled = found(Outcome::Unknown, format!("{subject} has some intended values, not all; check by hand"));
            settled.1["difference"] = Value::Object(differing);
            settled.1["matching"] = json!(matching);
            settled
        }
    }
}
