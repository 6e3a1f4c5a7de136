//! Bulk jobs on the server: started by a server function (after the guard, with the
//! whole job's intent on record), run by a task that owns nothing but the job's row,
//! and watched by the browser through that row.
//!
//! Each chunk is its own audited SetChildAccountInfo (targets: its ids) with the
//! reconciler's read-back check; the job as a whole is one audited action whose
//! outcome is written when it ends. A job whose instance died stops heartbeating and
//! is shown as interrupted with what it did.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use serde_json::{json, Map, Value};
use sqlx::PgPool;
use uuid::Uuid;
use voximplant::{
    client::{Client, Error as VoxError},
    methods::{ChildSelection, GetChildrenAccounts, NotificationSettings, SetChildAccountInfo},
    wire::Selection,
    ErrorCode,
};

use super::{BulkAction, BulkJob, BulkSelection, FailedAccount, JobState, CHUNK_SIZE, MAX_ACCOUNTS};
use crate::{
    access::{Permission, Role},
    action::{BoxFuture, PendingIntent, Settlement},
    audit::{
        ssr::{append, audited, found, AuditContext, NewEvent, Performed},
        Outcome,
    },
    auth::ssr::{cap, require, Authorized, Capability},
    backend::Backend,
    children::{
        actions,
        changes::{ChildChanges, NotificationChanges},
        model::account_field_label,
        query::ChildQuery,
        recorded::compare,
        ssr::{child_view, connected},
    },
    connections::ssr::client_for,
    error::AppError,
};

mod runner;
use runner::Runner;

/// A job that has not reported for this long belongs to an instance that stopped.
const SILENT_FOR_SECONDS: i32 = 60;
/// Children per GetChildrenAccounts call while a filter's ids are looked up.
const RESOLVE_PAGE: u64 = 1_000;
/// Waits after Voximplant's "too many requests" (error 340) before a chunk is sent
/// again; after the last, the chunk fails.
const RATE_LIMIT_BACKOFF: [Duration; 4] =
    [Duration::from_millis(500), Duration::from_secs(1), Duration::from_secs(2), Duration::from_secs(4)];

pub async fn start_activation(selection: BulkSelection, active: bool) -> Result<String, AppError> {
    let access = require::<cap::ManageChildren>().await?;
    let action = if active { BulkAction::Activate } else { BulkAction::Deactivate };
    let mut set = Map::new();
    set.insert("active".into(), json!(active));
    start(&access, action, set, selection).await
}

pub async fn start_notifications(selection: BulkSelection, notifications: NotificationChanges) -> Result<String, AppError> {
    let access = require::<cap::EditChildNotifications>().await?;
    if notifications.is_empty() {
        return Err(AppError::invalid("notifications", "Choose at least one switch to turn on or off."));
    }
    start(&access, BulkAction::Notifications, ChildChanges::notifications_only(notifications).settings(), selection).await
}

fn audited_action(action: BulkAction) -> &'static crate::action::Audited {
    match action {
        BulkAction::Activate => &actions::BULK_ACTIVATE,
        BulkAction::Deactivate => &actions::BULK_DEACTIVATE,
        BulkAction::Notifications => &actions::BULK_NOTIFICATIONS,
    }
}

async fn start<C: Capability>(
    access: &Authorized<C>,
    action: BulkAction,
    set: Map<String, Value>,
    selection: BulkSelection,
) -> Result<String, AppError> {
    selection.check()?;
    let pool = access.db().clone();
    let user = access.user().id;
    let (context, client) = connected(access).await?;
    let connection_id = context.connection_id.ok_or_else(|| AppError::internal("a connected context without its connection"))?;

    // One running job per user: a bound on what clicks can cost. A job whose
    // instance went silent no longer counts (it is marked interrupted here).
    mark_interrupted(&pool, "user_id", user, SILENT_FOR_SECONDS).await?;

    let mut ids = if selection.every_match { Vec::new() } else { selection.ids.clone() };
    ids.sort_unstable();
    ids.dedup();
    let filter = selection.query().map(|query| query.to_query());
    let id = Uuid::new_v4();
    let state = if filter.is_some() { "resolving" } else { "running" };
    let stored: Vec<i64> = ids.iter().map(|&id| id as i64).collect();
    sqlx::query(
        "INSERT INTO bulk_jobs (id, user_id, connection_id, action, settings, filter, state, account_ids, total, chunk_size)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id)
    .bind(user)
    .bind(connection_id)
    .bind(action.as_str())
    .bind(Value::Object(set.clone()))
    .bind(&filter)
    .bind(state)
    .bind(&stored)
    .bind(stored.len() as i32)
    .bind(CHUNK_SIZE as i32)
    .execute(&pool)
    .await
    .map_err(|error| match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => AppError::Conflict(
            "You already have a bulk change running. Wait for it to finish or cancel it, then start this one.".into(),
        ),
        _ => AppError::from(error),
    })?;

    // The job as a whole, written ahead: no chunk runs unless this is on record.
    let targets = match &filter {
        Some(filter) => json!([format!("every child matching “{}”", if filter.is_empty() { "(no filter)" } else { filter })]),
        None => json!(ids.iter().map(u64::to_string).collect::<Vec<_>>()),
    };
    let params = json!({ "job": id, "set": set, "filter": filter, "accounts": ids.len() });
    let intent = NewEvent::intent(audited_action(action), targets, params);
    let intent_seq = match append(&pool, &context, intent).await {
        Ok(seq) => seq,
        Err(error) => {
            let _ = sqlx::query("DELETE FROM bulk_jobs WHERE id = $1").bind(id).execute(&pool).await;
            return Err(error);
        }
    };
    sqlx::query("UPDATE bulk_jobs SET intent_seq = $2 WHERE id = $1").bind(id).bind(intent_seq).execute(&pool).await?;

    let runner = Runner {
        pool,
        context,
        client,
        job: id,
        action,
        set,
        filter: selection.query(),
        intent_seq,
        calls: AtomicU64::new(0),
    };
    tokio::spawn(runner.run());
    Ok(id.to_string())
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: Uuid,
    user_id: Uuid,
    action: String,
    settings: Value,
    filter: Option<String>,
    state: String,
    total: i32,
    processed: i32,
    failures: Value,
    chunk_size: i32,
    calls: i32,
    message: Option<String>,
    started_by: String,
    started_at: String,
    finished_at: Option<String>,
}

const JOB_COLUMNS: &str = "j.id, j.user_id, j.action, j.settings, j.filter, j.state, j.total, j.processed, j.failures,
    j.chunk_size, j.calls, j.message, u.username AS started_by,
    to_char(j.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"') AS started_at,
    to_char(j.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"') AS finished_at";

/// Open jobs (of one user, or one job) that have not reported for `silent_for` seconds
/// (a minute: their instance stopped; 0: their instance is known to be gone) are
/// interrupted, with what they did kept.
async fn mark_interrupted(pool: &PgPool, column: &'static str, id: Uuid, silent_for: i32) -> Result<(), AppError> {
    sqlx::query(&format!(
        "UPDATE bulk_jobs SET state = 'interrupted', finished_at = now(),
                message = 'The portal stopped while this job ran. What was done is listed; the rest was not changed.'
         WHERE {column} = $1 AND state IN ('resolving', 'running', 'cancelling')
           AND heartbeat_at < now() - make_interval(secs => $2)"
    ))
    .bind(id)
    .bind(silent_for)
    .execute(pool)
    .await?;
    Ok(())
}

/// A job's row, marked interrupted first if its instance went silent.
async fn load(pool: &PgPool, id: Uuid) -> Result<JobRow, AppError> {
    mark_interrupted(pool, "id", id, SILENT_FOR_SECONDS).await?;
    sqlx::query_as(&format!("SELECT {JOB_COLUMNS} FROM bulk_jobs j JOIN users u ON u.id = j.user_id WHERE j.id = $1"))
    .bind(id)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| AppError::NotFound("This bulk change".into()))
}

fn parse_job_id(id: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(id).map_err(|_| AppError::NotFound("This bulk change".into()))
}

fn view(row: JobRow, viewer: Uuid, role: Role) -> BulkJob {
    let action = BulkAction::parse(&row.action).unwrap_or(BulkAction::Notifications);
    let state = JobState::parse(&row.state);
    let settings = row.settings.as_object().cloned().unwrap_or_default();
    let switch = |name: &str| settings.get(name).and_then(Value::as_bool);
    let changes = settings
        .iter()
        .map(|(field, value)| {
            let words = match (field.as_str(), value) {
                ("active", Value::Bool(true)) => "active",
                ("active", Value::Bool(false)) => "inactive",
                (_, Value::Bool(true)) => "on",
                (_, Value::Bool(false)) => "off",
                _ => "changed",
            };
            format!("{} → {words}", account_field_label(field))
        })
        .collect();
    BulkJob {
        id: row.id.to_string(),
        action,
        changes,
        notifications: NotificationChanges {
            account_notifications: switch("account_notifications"),
            tariff_changing_notifications: switch("tariff_changing_notifications"),
            news_notifications: switch("news_notifications"),
        },
        filter: row.filter,
        state,
        total: row.total.max(0) as u64,
        processed: row.processed.max(0) as u64,
        failed: serde_json::from_value(row.failures).unwrap_or_default(),
        chunk_size: row.chunk_size.max(0) as u64,
        calls: row.calls.max(0) as u64,
        started_by: row.started_by,
        started_at: row.started_at,
        finished_at: row.finished_at,
        message: row.message,
        may_cancel: state.is_open() && state != JobState::Cancelling && (row.user_id == viewer || role == Role::Admin),
    }
}

pub async fn job(id: String) -> Result<BulkJob, AppError> {
    let access = require::<cap::ViewChildren>().await?;
    let row = load(access.db(), parse_job_id(&id)?).await?;
    Ok(view(row, access.user().id, access.user().role))
}

/// The viewer's latest jobs (a silent one shown as it is; its own page marks it).
pub async fn recent() -> Result<Vec<BulkJob>, AppError> {
    let access = require::<cap::ViewChildren>().await?;
    let user = access.user();
    static RECENT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "SELECT {JOB_COLUMNS} FROM bulk_jobs j JOIN users u ON u.id = j.user_id
             WHERE j.user_id = $1 ORDER BY j.created_at DESC LIMIT 5"
        )
    });
    let read = || sqlx::query_as::<_, JobRow>(RECENT.as_str()).bind(user.id).fetch_all(access.db());
    let mut rows = read().await?;
    // Every list view asks: the write that marks silent jobs runs only when one shown is
    // still open (a job that finished cannot have been interrupted).
    if rows.iter().any(|row| JobState::parse(&row.state).is_open()) {
        mark_interrupted(access.db(), "user_id", user.id, SILENT_FOR_SECONDS).await?;
        rows = read().await?;
    }
    Ok(rows.into_iter().map(|row| view(row, user.id, user.role)).collect())
}

/// Asks a running job to stop after its current chunk: its owner or an admin.
pub async fn cancel(id: String) -> Result<BulkJob, AppError> {
    let access = require::<cap::ViewChildren>().await?;
    let job = parse_job_id(&id)?;
    let row = load(access.db(), job).await?;
    let user = access.user();
    let permission = match BulkAction::parse(&row.action) {
        Some(BulkAction::Notifications) => Permission::EditChildNotifications,
        _ => Permission::ManageChildren,
    };
    if !(row.user_id == user.id || user.role == Role::Admin) || !user.role.can(permission) {
        return Err(AppError::Forbidden);
    }
    let pool = access.db().clone();
    access
        .audited(&actions::BULK_CANCEL, json!([id]), json!({ "job": id }), || async {
            let asked = sqlx::query(
                "UPDATE bulk_jobs SET state = 'cancelling' WHERE id = $1 AND state IN ('resolving', 'running')",
            )
            .bind(job)
            .execute(&pool)
            .await?
            .rows_affected();
            if asked == 0 {
                return Err(AppError::Conflict("This bulk change is not running any more.".into()));
            }
            Ok(Performed::new(()))
        })
        .await?;
    let row = load(access.db(), job).await?;
    Ok(view(row, user.id, user.role))
}

/// An interrupted chunk: read its children back. All have the job's values → it
/// happened; none → it did not; some → unknown, with which are which.
pub fn chunk_settled<'a>(backend: &'a Backend, intent: &'a PendingIntent) -> BoxFuture<'a, Settlement> {
    Box::pin(async move {
        let connection = intent.connection_id?;
        let client = match client_for(backend, connection).await {
            Ok((_, client)) => client,
            Err(AppError::NotFound(_)) => return Some(found(Outcome::Unknown, "the parent connection is gone; check by hand")),
            Err(_) => return None,
        };
        let ids: Vec<u64> = intent.params["child_account_ids"].as_array()?.iter().filter_map(Value::as_u64).collect();
        let set = intent.params["set"].as_object()?.clone();
        let request = GetChildrenAccounts {
            child_account_id: Some(ids.clone()),
            count: Some(ids.len().max(1) as u64),
            ignore_invalid_accounts: Some(true),
            ..Default::default()
        };
        let children = client.get_children_accounts(request).await.ok()?.result;
        let (mut changed, mut unchanged) = (Vec::new(), Vec::new());
        for child in children.into_iter().map(child_view) {
            let (_, differing) = compare(&set, &child);
            if differing.is_empty() { changed.push(child.account_id) } else { unchanged.push(child.account_id) }
        }
        let settled = match (changed.is_empty(), unchanged.is_empty()) {
            (false, true) => found(Outcome::Ok, format!("all {} accounts have the job's values", changed.len())),
            (true, false) => found(Outcome::Error, format!("none of the {} accounts has the job's values: the chunk did not happen", unchanged.len())),
            (true, true) => found(Outcome::Unknown, "none of the chunk's accounts exists any more; check by hand"),
            (false, false) => {
                let mut settled = found(Outcome::Unknown, "some accounts have the job's values, some not; check by hand");
                settled.1["changed"] = json!(changed);
                settled.1["unchanged"] = json!(unchanged);
                settled
            }
        };
        // The runner died with this chunk open: its job's page counts it, with the
        // accounts found unchanged listed as failed, as the runner would have.
        if intent.writer_gone {
            let job = Uuid::parse_str(intent.params["job"].as_str()?).ok()?;
            let failed: Vec<FailedAccount> = unchanged
                .iter()
                .map(|&id| FailedAccount { id, reason: "Not changed: the portal stopped during this part of the job.".into() })
                .collect();
            sqlx::query("UPDATE bulk_jobs SET processed = processed + $2, failures = failures || $3 WHERE id = $1")
                .bind(job)
                .bind(ids.len() as i32)
                .bind(serde_json::to_value(failed).unwrap_or(json!([])))
                .execute(backend.unguarded_pool())
                .await
                .ok()?;
        }
        Some(settled)
    })
}

/// An interrupted job (its outcome never written): settled from its row once it is
/// silent, or at once when the process that ran it is gone (it is marked interrupted
/// then); a job another instance still runs is left alone.
pub fn job_settled<'a>(backend: &'a Backend, intent: &'a PendingIntent) -> BoxFuture<'a, Settlement> {
    Box::pin(async move {
        let id = Uuid::parse_str(intent.params["job"].as_str()?).ok()?;
        if intent.writer_gone {
            mark_interrupted(backend.unguarded_pool(), "id", id, 0).await.ok()?;
        }
        let row = match load(backend.unguarded_pool(), id).await {
            Ok(row) => row,
            Err(AppError::NotFound(_)) => return Some(found(Outcome::Unknown, "the job's record is gone; check by hand")),
            Err(_) => return None,
        };
        let failed = row.failures.as_array().map_or(0, Vec::len);
        let summary = format!("{} after {} of {} accounts, {failed} failed", row.state, row.processed, row.total);
        match JobState::parse(&row.state) {
            state if state.is_open() => None,
            JobState::Done if failed == 0 => Some(found(Outcome::Ok, summary)),
            JobState::Done | JobState::Cancelled => Some(found(Outcome::Error, summary)),
            _ => Some(found(Outcome::Unknown, format!("{summary}; its open chunk is settled on its own"))),
        }
    })
}
