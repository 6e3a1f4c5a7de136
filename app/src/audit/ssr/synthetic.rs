//! A million-event log in seconds, with a valid chain: for the benchmark only
//! (compiled with the `bench` feature, never into the portal).

use chrono::{SubsecRound, Utc};
use sqlx::PgPool;

use super::{
    chain::{self, Record},
    unavailable,
};
use crate::error::AppError;

/// Appends `count` synthetic events with a valid chain, in multi-row batches.
pub async fn generate_synthetic(pool: &PgPool, count: i64) -> Result<(), AppError> {
    const ACTIONS: &[&str] = &[
        "child_account.create", "child_account.update", "child_account.activate", "plan.change", "charge.run",
        "user.login", "user.logout", "notifications.update", "connection.rename", "access.denied",
    ];
    const OUTCOMES: &[&str] = &["ok", "ok", "ok", "ok", "ok", "ok", "invalid", "denied", "upstream_error", "error"];
    const BATCH: i64 = 2000;
    let mut connection = pool.acquire().await.map_err(unavailable)?;
    let (mut seq, mut prev) = chain::head(&mut connection).await?;
    let start = Utc::now().trunc_subsecs(6) - chrono::Duration::days(365);
    let mut remaining = count;
    while remaining > 0 {
        let n = remaining.min(BATCH);
        let mut records = Vec::with_capacity(n as usize);
        for _ in 0..n {
            seq += 1;
            let record = Record {
                seq,
                occurred_at: start + chrono::Duration::seconds(seq * 31_536_000 / count.max(1)),
                kind: "event".into(),
                intent_seq: None,
                actor_id: None,
                actor_name: Some(format!("user{:02}", seq % 50)),
                actor_role: Some("reseller".into()),
                client_ip: Some(format!("10.0.{}.{}", (seq / 250) % 4, seq % 250)),
                user_agent: None,
                request_id: None,
                session_ref: None,
                connection_id: None,
                connection_name: Some("Main".into()),
                action: ACTIONS[(seq % ACTIONS.len() as i64) as usize].to_string(),
                method: None,
                targets: format!("[\"child-{:05}\"]", seq % 20_000),
                params: format!("{{\"n\":{seq}}}"),
                changes: None,
                outcome: Some(OUTCOMES[((seq / 7) % OUTCOMES.len() as i64) as usize].to_string()),
                outcome_detail: None,
                latency_ms: None,
                prev_hash: prev,
            };
            prev = record.hash();
            records.push(record);
        }
        chain::insert(&mut connection, records, None).await?;
        remaining -= n;
    }
    Ok(())
}
