//! Reading the log: filtered pages (keyset, newest first), one event with its
//! intent or outcome, the activity chart's counts, and the streamed export.

use sqlx::{PgPool, Postgres, QueryBuilder};

use super::{
    chain::{Row, COLUMNS},
    unavailable,
};
use crate::{
    audit::{AuditEvent, AuditFilter, AuditPage, DayCount, Outcome},
    error::AppError,
};

pub const PAGE_SIZE: i64 = 50;

pub(super) fn view(row: Row, settled: bool) -> AuditEvent {
    let hash = hex::encode(&row.hash);
    let row = row.record;
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
        hash,
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct RowWithStatus {
    #[sqlx(flatten)]
    pub row: Row,
    pub settled: bool,
}

pub(super) const SETTLED: &str = "(e.kind <> 'intent' OR EXISTS (SELECT 1 FROM audit_events o WHERE o.kind = 'outcome' AND o.intent_seq = e.seq)) AS settled";

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
    let mut rows: Vec<RowWithStatus> = query.build_query_as().fetch_all(pool).await.map_err(unavailable)?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let next_before = if more { rows.last().map(|r| r.row.record.seq) } else { None };
    Ok(AuditPage { events: rows.into_iter().map(|r| view(r.row, r.settled)).collect(), next_before })
}

pub async fn event(pool: &PgPool, seq: i64) -> Result<(AuditEvent, Vec<AuditEvent>), AppError> {
    let query = format!("SELECT {COLUMNS}, {SETTLED} FROM audit_events e WHERE e.seq = $1 OR e.intent_seq = $1 OR e.seq = (SELECT intent_seq FROM audit_events WHERE seq = $1) ORDER BY e.seq");
    let rows: Vec<RowWithStatus> = sqlx::query_as(&query).bind(seq).fetch_all(pool).await.map_err(unavailable)?;
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
    let rows: Vec<(String, String, i64)> = query.build_query_as().fetch_all(pool).await.map_err(unavailable)?;
    Ok(rows.into_iter().map(|(day, outcome, count)| DayCount { day, outcome, count }).collect())
}

/// One exported event: as people read it (CSV) and every stored column (JSON Lines,
/// which `voxdesk audit verify --file` can check).
pub struct Exported {
    pub event: AuditEvent,
    pub stored: Row,
}

/// Streams every event matching `filter`, oldest first, in pages of 1000 (constant
/// memory, any size).
pub fn export_stream(
    pool: PgPool,
    filter: AuditFilter,
) -> impl futures::Stream<Item = Result<Exported, AppError>> + Send + 'static {
    use futures::TryStreamExt;
    futures::stream::try_unfold((pool, filter, 0i64, false), |(pool, filter, after, done)| async move {
        if done {
            return Ok::<_, AppError>(None);
        }
        let mut query = QueryBuilder::<Postgres>::new(format!("SELECT {COLUMNS}, {SETTLED} FROM audit_events e WHERE TRUE"));
        push_filter(&mut query, &filter)?;
        query.push(" AND e.seq > ").push_bind(after).push(" ORDER BY e.seq LIMIT 1000");
        let rows: Vec<RowWithStatus> = query.build_query_as().fetch_all(&pool).await.map_err(unavailable)?;
        let last = rows.last().map(|r| r.row.record.seq);
        let finished = rows.len() < 1000;
        let events: Vec<Result<Exported, AppError>> =
            rows.into_iter().map(|r| Ok(Exported { stored: r.row.clone(), event: view(r.row, r.settled) })).collect();
        Ok(Some((futures::stream::iter(events), (pool, filter, last.unwrap_or(after), finished || last.is_none()))))
    })
    .try_flatten()
}

