//! Appending to the log: events batched into chained commits (actions written ahead
//! are in `perform`). Secrets are redacted here, whatever the caller passed.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use chrono::{SubsecRound, Utc};
use serde_json::{json, Value};
use sqlx::{PgConnection, PgPool};
use tokio::sync::oneshot;

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

/// Appends one event; returns its sequence number once it is committed. Fails rather
/// than losing it.
///
/// Every writer of the chain queues on one lock, and every commit waits for the disk,
/// so events that arrive together go in together (group commit): the caller that finds
/// no batch being written writes every event waiting, its own among them, under one
/// lock in one transaction; the others wait for that commit. Alone, an event is a batch
/// of one.
pub async fn append(pool: &PgPool, context: &AuditContext, event: NewEvent) -> Result<i64, AppError> {
    let mut answers = append_all(pool, context, vec![event]).await;
    answers.remove(0)
}

/// Appends events one after another in the chain, in one commit when they fit in one
/// batch: an outcome and the fact that goes with it cost one transaction, not two.
/// Each event's sequence number, or why it was refused.
pub(super) async fn append_all(pool: &PgPool, context: &AuditContext, events: Vec<NewEvent>) -> Vec<Result<i64, AppError>> {
    let queue = Queue::of(pool);
    // Built before taking the queue's lock: other writers need it only to add theirs.
    let (waiting, mut answers): (Vec<Waiting>, Vec<_>) = events
        .into_iter()
        .map(|event| {
            let (reply, answer) = oneshot::channel();
            (Waiting { draft: draft(context, event), reply }, answer)
        })
        .unzip();
    queue.lock_waiting().extend(waiting);
    // Batches are taken from the front and written one at a time, so once the last of
    // these is answered every one before it is too.
    let Some(mut last) = answers.pop() else { return Vec::new() };
    let last = loop {
        tokio::select! {
            biased;
            answer = &mut last => break answered(answer),
            writer = queue.writer.clone().lock_owned() => {
                let batch: Vec<Waiting> = {
                    let mut waiting = queue.lock_waiting();
                    let taken = waiting.len().min(MAX_BATCH);
                    waiting.drain(..taken).collect()
                };
                if batch.is_empty() {
                    // Ours went in with the batch before; its answer is on its way.
                    continue;
                }
                // A task of its own: a caller that goes away does not cut the others' commit short.
                let pool = pool.clone();
                let _ = tokio::spawn(async move {
                    write_batch(&pool, batch).await;
                    drop(writer);
                })
                .await;
            }
        }
    };
    let mut results = Vec::with_capacity(answers.len() + 1);
    for answer in answers {
        results.push(answered(answer.await));
    }
    results.push(last);
    results
}

fn answered(answer: Result<Result<i64, AppError>, oneshot::error::RecvError>) -> Result<i64, AppError> {
    answer.unwrap_or_else(|_| Err(AppError::internal("the audit writer stopped before answering")))
}

/// The events waiting for one database (one pool), and who is writing a batch of them.
#[derive(Default)]
struct Queue {
    waiting: std::sync::Mutex<Vec<Waiting>>,
    writer: Arc<tokio::sync::Mutex<()>>,
}

struct Waiting {
    draft: Record,
    reply: oneshot::Sender<Result<i64, AppError>>,
}

/// At most this many events per transaction.
const MAX_BATCH: usize = 256;

impl Queue {
    /// The queue of this pool (told apart by its shared connect options).
    fn of(pool: &PgPool) -> Arc<Queue> {
        static QUEUES: std::sync::OnceLock<std::sync::Mutex<HashMap<usize, Arc<Queue>>>> = std::sync::OnceLock::new();
        let key = Arc::as_ptr(&pool.connect_options()) as usize;
        let mut queues = QUEUES.get_or_init(Default::default).lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Pools come and go (tests make many): an idle queue nobody holds is dropped.
        if queues.len() > 64 {
            queues.retain(|_, queue| Arc::strong_count(queue) > 1 || !queue.lock_waiting().is_empty());
        }
        queues.entry(key).or_default().clone()
    }

    fn lock_waiting(&self) -> std::sync::MutexGuard<'_, Vec<Waiting>> {
        self.waiting.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The event as it will be stored, but for its place in the chain (sequence number,
/// time, previous hash), which the batch's writer gives it under the lock.
fn draft(context: &AuditContext, event: NewEvent) -> Record {
    Record {
        seq: 0,
        occurred_at: Utc::now(),
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
        prev_hash: Vec::new(),
    }
}

/// Writes a batch and answers each of its callers.
async fn write_batch(pool: &PgPool, batch: Vec<Waiting>) {
    let drafts: Vec<&Record> = batch.iter().map(|w| &w.draft).collect();
    match commit(pool, &drafts).await {
        Ok(answers) => {
            for (waiting, answer) in batch.into_iter().zip(answers) {
                let _ = waiting.reply.send(answer);
            }
        }
        // Two outcomes for one intent from two instances at once: one at a time, so
        // only the loser is refused.
        Err(AppError::Conflict(_)) if batch.len() > 1 => {
            for waiting in batch {
                let answer = match commit(pool, &[&waiting.draft]).await {
                    Ok(mut answers) => answers.remove(0),
                    Err(error) => Err(error),
                };
                let _ = waiting.reply.send(answer);
            }
        }
        Err(error) => {
            for waiting in batch {
                let _ = waiting.reply.send(Err(error.clone()));
            }
        }
    }
}

/// One transaction for a batch: each event's sequence number, or why it alone was
/// refused (a second outcome for an intent). Three round trips: BEGIN, which intents
/// are settled already, the chain's lock and its head; the insert (with this
/// instance's presence and its intents' owner rows); COMMIT.
async fn commit(pool: &PgPool, drafts: &[&Record]) -> Result<Vec<Result<i64, AppError>>, AppError> {
    let mut connection = pool.acquire().await.map_err(unavailable)?;
    let answers = commit_on(&mut connection, drafts).await;
    if answers.is_err() {
        // The transaction is begun by hand (its BEGIN shares a round trip), so sqlx
        // cannot roll it back: a connection that may be inside it is closed, never
        // returned to the pool.
        drop(connection.detach());
    }
    answers
}

async fn commit_on(connection: &mut PgConnection, drafts: &[&Record]) -> Result<Vec<Result<i64, AppError>>, AppError> {
    // Only intents and facts must be on disk before anyone goes on: an outcome a crash
    // takes back leaves its intent open, which the reconciler settles from Voximplant,
    // as after a crash mid-call. Whatever commits after it flushes it too (the WAL is
    // written in order), so the chain never has a gap; a signed head is flushed first
    // (`current_head`). Saves a disk wait under the chain's lock.
    let begin = if drafts.iter().all(|d| d.kind == "outcome") { crate::backend::BEGIN_UNFLUSHED } else { "BEGIN" };
    let settling: Vec<i64> = drafts.iter().filter(|d| d.kind == "outcome").filter_map(|d| d.intent_seq).collect();
    // Which already have an outcome; an intent's owner row goes with its outcome. Run
    // before the lock, in its round trip (sequence numbers are integers: no
    // parameters needed, none can inject).
    let first = if settling.is_empty() {
        begin.to_string()
    } else {
        let list = settling.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        format!(
            "{begin}; WITH released AS (DELETE FROM audit_intent_owners WHERE intent_seq = ANY('{{{list}}}'::bigint[]))
             SELECT intent_seq AS settled FROM audit_events WHERE kind = 'outcome' AND intent_seq = ANY('{{{list}}}'::bigint[])"
        )
    };
    let ((mut seq, mut prev_hash), settled_rows) = chain::lock_and_read_head(&mut *connection, Some(&first)).await?;
    let mut settled: HashSet<i64> = HashSet::new();
    for row in settled_rows {
        settled.insert(sqlx::Row::try_get(&row, 0).map_err(unavailable)?);
    }
    // A second outcome for an intent is refused, whether the first is on record or in this batch.
    let refused: Vec<Option<AppError>> = drafts
        .iter()
        .map(|d| match (d.kind.as_str(), d.intent_seq) {
            ("outcome", Some(intent)) if !settled.insert(intent) => {
                Some(AppError::Conflict(format!("Audit event {intent} already has its outcome.")))
            }
            _ => None,
        })
        .collect();

    let occurred_at = Utc::now().trunc_subsecs(6);
    let mut records = Vec::with_capacity(drafts.len());
    let mut answers = Vec::with_capacity(drafts.len());
    for (draft, refusal) in drafts.iter().zip(refused) {
        if let Some(refusal) = refusal {
            answers.push(Err(refusal));
            continue;
        }
        seq += 1;
        let record = Record { seq, occurred_at, prev_hash, ..(*draft).clone() };
        prev_hash = record.hash();
        records.push(record);
        answers.push(Ok(seq));
    }
    if !records.is_empty() {
        // Who is performing an intent's action, while it is open (see `instance`).
        let owner = records.iter().any(|r| r.kind == "intent").then(super::instance::this_instance);
        chain::insert(&mut *connection, records, owner).await?;
    }
    sqlx::Executor::execute(&mut *connection, "COMMIT").await.map_err(unavailable)?;
    Ok(answers)
}

/// Records a one-off fact (a login, a refusal). Failure is logged, not raised:
/// callers that must not proceed unaudited use [`append`] or [`audited`].
pub async fn record(pool: &PgPool, context: &AuditContext, event: NewEvent) {
    let action = event.action.clone();
    if let Err(error) = append(pool, context, event).await {
        tracing::error!(%action, %error, "audit event not recorded");
    }
}
