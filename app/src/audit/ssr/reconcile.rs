//! Settling intents without an outcome (the portal stopped in between, or Voximplant
//! gave no clear answer). The log knows no feature: each action's declaration says
//! how to check whether it happened, and the caller passes those declarations in.

use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::{
    append,
    instance::{Owner, HEARTBEAT_STALE_SECONDS},
    unavailable, AuditContext, NewEvent,
};
use crate::{
    action::{Audited, PendingIntent},
    audit::Outcome,
    backend::Backend,
    error::AppError,
};

/// Which open intents a pass settles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sweep {
    /// Every open intent older than this many seconds, whoever wrote it (the tests and
    /// a deliberate "settle everything").
    OlderThan(i64),
    /// What the server runs, at start and then every minute: intents whose writing
    /// process is gone (see [`Owner::gone`]) or that predate owners, and any intent
    /// open for longer than [`STUCK_SECONDS`] (Voximplant gave no clear answer).
    /// Another instance's actions in flight are left alone.
    Orphaned,
}

/// An intent open this long is settled even while its process runs.
pub const STUCK_SECONDS: f64 = 300.0;

#[derive(sqlx::FromRow)]
struct Open {
    seq: i64,
    action: String,
    targets: String,
    params: String,
    connection_id: Option<Uuid>,
    connection_name: Option<String>,
    age_seconds: f64,
    #[sqlx(flatten)]
    owner: OptionalOwner,
}

#[derive(sqlx::FromRow)]
struct OptionalOwner {
    owner_id: Option<Uuid>,
    owner_host: Option<String>,
    owner_pid: Option<i32>,
    owner_stale: Option<bool>,
}

impl OptionalOwner {
    fn get(&self) -> Option<Owner> {
        Some(Owner { id: self.owner_id?, host: self.owner_host.clone()?, pid: self.owner_pid?, stale: self.owner_stale? })
    }
}

/// Settles the open intents `sweep` picks: asks, through each action's declared
/// check, what actually happened, and records what it found. `actions` are every
/// declared action (see `crate::registry`).
pub async fn reconcile(backend: &Backend, actions: &[&Audited], sweep: Sweep) -> Result<usize, AppError> {
    let pool = backend.unguarded_pool();
    let open: Vec<Open> = sqlx::query_as(
        "SELECT e.seq, e.action, e.targets, e.params, e.connection_id, e.connection_name,
                extract(epoch FROM now() - e.occurred_at)::float8 AS age_seconds,
                i.id AS owner_id, i.host AS owner_host, i.pid AS owner_pid,
                i.heartbeat_at < now() - make_interval(secs => $1) AS owner_stale
         FROM audit_events e
         LEFT JOIN audit_intent_owners w ON w.intent_seq = e.seq
         LEFT JOIN portal_instances i ON i.id = w.instance_id
         WHERE e.kind = 'intent'
           AND NOT EXISTS (SELECT 1 FROM audit_events o WHERE o.kind = 'outcome' AND o.intent_seq = e.seq)
         ORDER BY e.seq",
    )
    .bind(HEARTBEAT_STALE_SECONDS as f64)
    .fetch_all(pool)
    .await
    .map_err(unavailable)?;
    let pending: Vec<Open> = open
        .into_iter()
        .filter(|intent| match sweep {
            Sweep::OlderThan(seconds) => intent.age_seconds > seconds as f64,
            // No owner: written before owners were recorded, by a process long gone.
            Sweep::Orphaned => intent.age_seconds > STUCK_SECONDS || intent.owner.get().is_none_or(|owner| owner.gone()),
        })
        .collect();
    let mut settled = 0;
    for Open { seq, action, targets, params, connection_id, connection_name, owner, .. } in pending {
        let writer_gone = owner.get().is_none_or(|owner| owner.gone());
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
            writer_gone,
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
