//! Archival: the one way events leave the database. Old events go to a synced JSON
//! Lines file, a checkpoint records where the chain continues, and they are deleted
//! through `audit_archive()`, the one path the append-only triggers let through.

use chrono::{DateTime, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use super::{
    chain::COLUMNS,
    query::{RowWithStatus, SETTLED},
    unavailable, audited, AuditContext, Performed,
};
use crate::{action::Audited, error::AppError};

/// Moving old events out of the log (command line only).
pub const ARCHIVE: Audited = Audited::new("audit.archive");

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
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let candidate: Option<i64> = sqlx::query_scalar("SELECT max(seq) FROM audit_events WHERE occurred_at < $1")
        .bind(before)
        .fetch_one(pool)
        .await
        .map_err(unavailable)?;
    let Some(mut through) = candidate else { return Ok(None) };
    // An intent with no outcome yet stays, and everything after it: its outcome (from
    // the reconciler, or the action still running) must find it in the log.
    let open: Option<i64> = sqlx::query_scalar(
        "SELECT min(i.seq) FROM audit_events i WHERE i.kind = 'intent' AND i.seq <= $1
           AND NOT EXISTS (SELECT 1 FROM audit_events o WHERE o.intent_seq = i.seq)",
    )
    .bind(through)
    .fetch_one(pool)
    .await
    .map_err(unavailable)?;
    if let Some(open) = open {
        through = open - 1;
    }
    // Keep intents whose outcomes stay behind.
    loop {
        let split: Option<i64> = sqlx::query_scalar("SELECT min(intent_seq) FROM audit_events WHERE seq > $1 AND intent_seq <= $1")
            .bind(through)
            .fetch_one(pool)
            .await
            .map_err(unavailable)?;
        match split {
            Some(intent) => through = intent - 1,
            None => break,
        }
    }
    let rows: Vec<RowWithStatus> = sqlx::query_as(&format!("SELECT {COLUMNS}, {SETTLED} FROM audit_events e WHERE e.seq <= $1 ORDER BY e.seq"))
        .bind(through)
        .fetch_all(pool)
        .await
        .map_err(unavailable)?;
    let Some(last) = rows.last() else { return Ok(None) };
    let through_hash = last.row.hash.clone();
    let events = rows.len() as i64;
    // Audit history names people and addresses: readable by its owner only.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(out)
        .map_err(|e| AppError::invalid("out", format!("cannot create {}: {e}", out.display())))?;
    let mut digest = Sha256::new();
    for row in rows {
        // Every column, hashes included: the file can be verified on its own.
        let line = serde_json::to_string(&row.row).map_err(AppError::internal)? + "\n";
        digest.update(line.as_bytes());
        file.write_all(line.as_bytes()).map_err(AppError::internal)?;
    }
    file.sync_all().map_err(AppError::internal)?;
    let file_sha256 = hex::encode(digest.finalize());
    let params = json!({ "before": before.to_rfc3339(), "through_seq": through, "events": events, "file": out.display().to_string(), "file_sha256": file_sha256 });
    let archived = Archived { through_seq: through, events, file_sha256: file_sha256.clone() };
    audited(pool, context, &ARCHIVE, json!([]), params, || async {
        let mut tx = pool.begin().await.map_err(unavailable)?;
        sqlx::query("INSERT INTO audit_checkpoints (through_seq, through_hash, events, file_sha256) VALUES ($1, $2, $3, $4)")
            .bind(through)
            .bind(&through_hash)
            .bind(events)
            .bind(&file_sha256)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        let deleted: i64 = sqlx::query_scalar("SELECT audit_archive($1)").bind(through).fetch_one(&mut *tx).await.map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)?;
        Ok(Performed::new(deleted))
    })
    .await?;
    Ok(Some(archived))
}

