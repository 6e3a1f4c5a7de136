//! The hash chain: the one definition of what an event's hash covers, how events are
//! inserted under the chain lock, and the verification that recomputes it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use super::{instance::Instance, unavailable};
use crate::{audit::ChainCheck, error::AppError};

/// Serializes writers so the chain never forks.
pub(super) const AUDIT_LOCK: i64 = 0x5644_4155_4449_54; // "VDAUDIT"
pub(super) const GENESIS: [u8; 32] = [0; 32];

/// Every stored field of an event but its own hash: exactly what the hash covers.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, Deserialize)]
pub struct Record {
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    pub kind: String,
    pub intent_seq: Option<i64>,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub actor_role: Option<String>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub session_ref: Option<String>,
    pub connection_id: Option<Uuid>,
    pub connection_name: Option<String>,
    pub action: String,
    pub method: Option<String>,
    pub targets: String,
    pub params: String,
    pub changes: Option<String>,
    pub outcome: Option<String>,
    pub outcome_detail: Option<String>,
    pub latency_ms: Option<f64>,
    #[serde(with = "hex_bytes")]
    pub prev_hash: Vec<u8>,
}

impl Record {
    /// Length-prefixed, field by field, in a fixed order; absent is distinct from empty.
    pub fn hash(&self) -> Vec<u8> {
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
        let text = |value: &Option<String>| value.as_ref().map(|v| v.as_bytes().to_vec());
        let id = |value: &Option<Uuid>| value.map(|id| id.to_string().into_bytes());
        let mut out = b"voxdesk-audit-v1".to_vec();
        put(&mut out, Some(&self.seq.to_be_bytes()));
        put(&mut out, Some(&self.occurred_at.timestamp_micros().to_be_bytes()));
        put(&mut out, Some(self.kind.as_bytes()));
        put(&mut out, self.intent_seq.map(i64::to_be_bytes).as_ref().map(|b| &b[..]));
        put(&mut out, id(&self.actor_id).as_deref());
        for field in [&self.actor_name, &self.actor_role, &self.client_ip, &self.user_agent, &self.request_id, &self.session_ref] {
            put(&mut out, text(field).as_deref());
        }
        put(&mut out, id(&self.connection_id).as_deref());
        put(&mut out, text(&self.connection_name).as_deref());
        put(&mut out, Some(self.action.as_bytes()));
        put(&mut out, text(&self.method).as_deref());
        put(&mut out, Some(self.targets.as_bytes()));
        put(&mut out, Some(self.params.as_bytes()));
        for field in [&self.changes, &self.outcome, &self.outcome_detail] {
            put(&mut out, text(field).as_deref());
        }
        put(&mut out, self.latency_ms.map(f64::to_be_bytes).as_ref().map(|b| &b[..]));
        put(&mut out, Some(&self.prev_hash));
        Sha256::digest(&out).to_vec()
    }
}

/// A stored event, every column: what archives and the JSON Lines export write (hashes
/// in hex), so that a file can be checked on its own ([`verify_file`]).
#[derive(Debug, Clone, sqlx::FromRow, Serialize, Deserialize)]
pub struct Row {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub record: Record,
    #[serde(with = "hex_bytes")]
    pub hash: Vec<u8>,
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        hex::decode(String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// Every column of `audit_events`, in the order [`Row`] reads them.
pub const COLUMNS: &str = "seq, occurred_at, kind, intent_seq, actor_id, actor_name, actor_role, client_ip, user_agent,
    request_id, session_ref, connection_id, connection_name, action, method, targets, params, changes, outcome,
    outcome_detail, latency_ms, prev_hash, hash";

/// The last event's sequence number and hash (the genesis link for an empty log).
pub(super) async fn head(connection: &mut PgConnection) -> Result<(i64, Vec<u8>), AppError> {
    let last: Option<(i64, Vec<u8>)> = sqlx::query_as("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
        .fetch_optional(connection)
        .await
        .map_err(unavailable)?;
    Ok(last.unwrap_or((0, GENESIS.to_vec())))
}

/// Takes the chain's lock (until the transaction ends) and then reads the head, in one
/// round trip: statements in one simple query, and in READ COMMITTED each statement
/// takes its own snapshot, so the head read sees every commit made before the lock.
/// `first`, when given, is statements without parameters (the transaction's BEGIN, say)
/// run before the lock in the same round trip; their rows are returned (each must name
/// its first column other than `chain_locked` and `head_seq`).
pub(super) async fn lock_and_read_head(
    connection: &mut PgConnection,
    first: Option<&str>,
) -> Result<((i64, Vec<u8>), Vec<sqlx::postgres::PgRow>), AppError> {
    use sqlx::{Column as _, Row as _};
    static LOCK_AND_HEAD: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "SELECT pg_advisory_xact_lock({AUDIT_LOCK}) AS chain_locked;
             SELECT seq AS head_seq, hash AS head_hash FROM audit_events ORDER BY seq DESC LIMIT 1"
        )
    });
    let statements = match first {
        Some(first) => format!("{first}; {}", LOCK_AND_HEAD.as_str()),
        None => LOCK_AND_HEAD.clone(),
    };
    // A bare string with no arguments goes as a simple query, which may hold several.
    let rows = sqlx::Executor::fetch_all(connection, sqlx::raw_sql(&statements)).await.map_err(unavailable)?;
    let mut head = (0, GENESIS.to_vec());
    let mut first_rows = Vec::new();
    for row in rows {
        match row.columns().first().map(|column| column.name()) {
            Some("chain_locked") => {}
            Some("head_seq") => head = (row.try_get(0).map_err(unavailable)?, row.try_get(1).map_err(unavailable)?),
            _ => first_rows.push(row),
        }
    }
    Ok((head, first_rows))
}

/// Inserts records, each with its hash (one statement for any number of rows). With
/// an `owner`, the same statement records it as present (see `instance`) and as the
/// owner of each intent inserted: one round trip instead of three.
pub(super) async fn insert(connection: &mut PgConnection, records: Vec<Record>, owner: Option<&Instance>) -> Result<(), AppError> {
    let mut query = QueryBuilder::<Postgres>::new("");
    if let Some(owner) = owner {
        // The UPDATE does not see the row the INSERT may add, which is fresh anyway;
        // the heartbeat is refreshed at most once a second, not its row locked per intent.
        query.push("WITH present AS (INSERT INTO portal_instances (id, host, pid) VALUES (");
        query.push_bind(owner.id).push(", ").push_bind(owner.host.clone()).push(", ").push_bind(owner.pid);
        query.push(") ON CONFLICT (id) DO NOTHING), beat AS (UPDATE portal_instances SET heartbeat_at = now() WHERE id = ");
        query.push_bind(owner.id);
        query.push(" AND heartbeat_at < now() - interval '1 second'), events AS (");
    }
    query.push(format!("INSERT INTO audit_events ({COLUMNS}) "));
    query.push_values(records, |mut row, record| {
        let hash = record.hash();
        row.push_bind(record.seq)
            .push_bind(record.occurred_at)
            .push_bind(record.kind)
            .push_bind(record.intent_seq)
            .push_bind(record.actor_id)
            .push_bind(record.actor_name)
            .push_bind(record.actor_role)
            .push_bind(record.client_ip)
            .push_bind(record.user_agent)
            .push_bind(record.request_id)
            .push_bind(record.session_ref)
            .push_bind(record.connection_id)
            .push_bind(record.connection_name)
            .push_bind(record.action)
            .push_bind(record.method)
            .push_bind(record.targets)
            .push_bind(record.params)
            .push_bind(record.changes)
            .push_bind(record.outcome)
            .push_bind(record.outcome_detail)
            .push_bind(record.latency_ms)
            .push_bind(record.prev_hash)
            .push_bind(hash);
    });
    if let Some(owner) = owner {
        query.push(" RETURNING seq, kind) INSERT INTO audit_intent_owners (intent_seq, instance_id) SELECT seq, ");
        query.push_bind(owner.id).push(" FROM events WHERE kind = 'intent'");
    }
    query.build().execute(connection).await.map_err(|error| {
        // Two outcomes for one intent racing past the writer's own check.
        if error.as_database_error().and_then(|e| e.constraint()) == Some("audit_one_outcome_per_intent") {
            AppError::Conflict("This action's outcome is already on record.".into())
        } else {
            unavailable(error)
        }
    })?;
    Ok(())
}

/// Recomputes the whole chain in order, streaming (constant memory).
pub async fn verify(pool: &PgPool) -> Result<ChainCheck, AppError> {
    use futures::TryStreamExt;
    // Archived events are gone; what remains chains on from the last checkpoint.
    let checkpoint: Option<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT through_seq, through_hash FROM audit_checkpoints ORDER BY through_seq DESC LIMIT 1")
            .fetch_optional(pool)
            .await
            .map_err(unavailable)?;
    let (mut expected_seq, mut previous) = match checkpoint {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_vec()),
    };
    let query = format!("SELECT {COLUMNS} FROM audit_events ORDER BY seq");
    let mut rows = sqlx::query_as::<_, Row>(&query).fetch(pool);
    let mut count = 0;
    while let Some(row) = rows.try_next().await.map_err(unavailable)? {
        let seq = row.record.seq;
        let broken = |reason: &str| Ok(ChainCheck::Broken { seq, reason: reason.to_string() });
        if seq != expected_seq {
            return Ok(ChainCheck::Broken {
                seq: expected_seq,
                reason: format!("event {expected_seq} is missing (next is {seq})"),
            });
        }
        if row.record.prev_hash != previous {
            return broken("its link to the previous event does not match");
        }
        if row.record.hash() != row.hash {
            return broken("its contents do not match its hash");
        }
        previous = row.hash;
        expected_seq += 1;
        count += 1;
    }
    Ok(ChainCheck::Intact { events: count, head_seq: expected_seq - 1, head_hash: hex::encode(previous) })
}

/// What checking an archive or export file found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileCheck {
    /// Every line's hash recomputes, and every event links to the one before it when
    /// both are in the file. `gaps`: places where events are left out (a filtered
    /// export); an archive has none.
    Intact { events: u64, first_seq: i64, last_seq: i64, starts_after: String, head_hash: String, gaps: u64 },
    /// The first line that does not check out (1-based), and why.
    Broken { line: u64, reason: String },
}

/// Checks a JSON Lines file of [`Row`]s (an archive or a JSON Lines export) without the
/// database: each line's hash is recomputed from its fields, and consecutive events
/// must link (`prev_hash` = the previous event's hash). A changed, removed or inserted
/// line is found. `allow_gaps`: a filtered export, where events are left out; each one
/// left is still checked against its own hash, but a removed line then cannot be told
/// from a filtered one.
pub fn verify_file(reader: impl std::io::BufRead, allow_gaps: bool) -> FileCheck {
    let mut previous: Option<(i64, Vec<u8>)> = None;
    let (mut events, mut gaps, mut first) = (0u64, 0u64, None::<(i64, Vec<u8>)>);
    for (index, line) in reader.lines().enumerate() {
        let number = index as u64 + 1;
        let broken = |reason: String| FileCheck::Broken { line: number, reason };
        let line = match line {
            Ok(line) => line,
            Err(error) => return broken(format!("cannot be read: {error}")),
        };
        if line.trim().is_empty() {
            continue;
        }
        let row: Row = match serde_json::from_str(&line) {
            Ok(row) => row,
            Err(error) => return broken(format!("is not a stored event: {error}")),
        };
        let seq = row.record.seq;
        if row.record.hash() != row.hash {
            return broken(format!("event {seq}: its contents do not match its hash"));
        }
        if let Some((previous_seq, previous_hash)) = &previous {
            if seq <= *previous_seq {
                return broken(format!("event {seq} comes after event {previous_seq}"));
            }
            if seq == previous_seq + 1 && row.record.prev_hash != *previous_hash {
                return broken(format!("event {seq}: its link to event {previous_seq} does not match"));
            }
            if seq > previous_seq + 1 {
                if !allow_gaps {
                    return broken(format!("event {} is missing (next is {seq})", previous_seq + 1));
                }
                gaps += 1;
            }
        }
        first.get_or_insert((seq, row.record.prev_hash.clone()));
        previous = Some((seq, row.hash));
        events += 1;
    }
    match (first, previous) {
        (Some((first_seq, starts_after)), Some((last_seq, head))) => FileCheck::Intact {
            events,
            first_seq,
            last_seq,
            starts_after: hex::encode(starts_after),
            head_hash: hex::encode(head),
            gaps,
        },
        _ => FileCheck::Broken { line: 0, reason: "the file holds no events".into() },
    }
}

/// The hash an empty log starts from, in hex (a file starting there is the log's start).
pub fn genesis_hex() -> String {
    hex::encode(GENESIS)
}

/// The newest event's sequence number and hash (hex), as it is on disk; `None` while
/// the log is empty. Outcomes are committed without waiting for the disk (see
/// `write::commit`), so after reading the head this commits a transaction that does
/// wait: the WAL is flushed in order, so the head read is then durable and a signed
/// head is never one a crash could take back.
pub async fn current_head(pool: &PgPool) -> Result<Option<(i64, String)>, AppError> {
    let mut tx = pool.begin_with("BEGIN; SET LOCAL synchronous_commit = on").await.map_err(unavailable)?;
    let (seq, hash) = head(&mut tx).await?;
    // A transaction id makes the commit write (and flush) a commit record.
    sqlx::query("SELECT pg_current_xact_id()").execute(&mut *tx).await.map_err(unavailable)?;
    tx.commit().await.map_err(unavailable)?;
    Ok((seq > 0).then(|| (seq, hex::encode(hash))))
}

/// What the log holds for event `seq` now: its hash, or that it was archived (with the
/// checkpoint's hash when `seq` is the last archived event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredHash {
    InLog(String),
    Archived { checkpoint_hash: Option<String> },
    Missing,
}

pub async fn stored_hash(pool: &PgPool, seq: i64) -> Result<StoredHash, AppError> {
    let in_log: Option<Vec<u8>> = sqlx::query_scalar("SELECT hash FROM audit_events WHERE seq = $1")
        .bind(seq)
        .fetch_optional(pool)
        .await
        .map_err(unavailable)?;
    if let Some(hash) = in_log {
        return Ok(StoredHash::InLog(hex::encode(hash)));
    }
    let checkpoint: Option<(i64, Vec<u8>)> = sqlx::query_as(
        "SELECT through_seq, through_hash FROM audit_checkpoints WHERE through_seq >= $1 ORDER BY through_seq LIMIT 1",
    )
    .bind(seq)
    .fetch_optional(pool)
    .await
    .map_err(unavailable)?;
    Ok(match checkpoint {
        Some((through, hash)) => StoredHash::Archived { checkpoint_hash: (through == seq).then(|| hex::encode(hash)) },
        None => StoredHash::Missing,
    })
}

/// What `make fuzz` runs on `voxdesk audit verify`, and what `cargo test` replays over
/// the committed corpus (`fuzz/corpus/audit_verify`, grown from real exports).
#[doc(hidden)]
pub mod fuzzing {
    use super::{verify_file, FileCheck};

    /// Checks `file` as a filtered export and as an archive; panics if the verdict
    /// contradicts the file: "intact" must count every non-blank line as an event,
    /// and an archive (no gaps allowed) must number them without a hole.
    pub fn check_verify_file(file: &[u8]) {
        let lines = file.split(|&b| b == b'\n').filter(|line| !String::from_utf8_lossy(line).trim().is_empty()).count() as u64;
        for allow_gaps in [true, false] {
            match verify_file(file, allow_gaps) {
                FileCheck::Intact { events, first_seq, last_seq, gaps, .. } => {
                    assert_eq!(events, lines, "intact, but not every line was counted as an event");
                    assert!(first_seq <= last_seq, "intact, but the first event is after the last");
                    if !allow_gaps {
                        assert_eq!(gaps, 0);
                        assert_eq!((last_seq - first_seq) as u64 + 1, events, "an archive with a hole was called intact");
                    }
                }
                FileCheck::Broken { line, .. } => {
                    let all_lines = file.split(|&b| b == b'\n').count() as u64;
                    assert!(line <= all_lines, "broken at line {line} of {all_lines}");
                }
            }
        }
    }
}
