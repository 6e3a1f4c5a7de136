//! Failed-login throttling per account name and per client address, in Postgres so
//! it holds across restarts and instances. Locks are soft: they expire after
//! [`LOCK_MINUTES`], so nobody can lock a user out for good.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;

use crate::error::AppError;

/// Failures within the window that lock a name.
pub const MAX_FAILURES_PER_NAME: i32 = 5;
/// Failures within the window that lock an address (it may try several names).
pub const MAX_FAILURES_PER_ADDRESS: i32 = 20;
pub const WINDOW_MINUTES: i64 = 15;
pub const LOCK_MINUTES: i64 = 15;

pub fn name_scope(username: &str) -> String {
    format!("name:{}", username.to_lowercase())
}

pub fn address_scope(address: &str) -> String {
    format!("addr:{address}")
}

/// Longest username kept in a throttle scope or on record: names are at most 32
/// characters, so anything longer is not a user, only a way to fill the log.
pub const RECORDED_NAME_MAX: usize = 64;

/// `text` cut to `max` characters (on a character boundary).
pub fn truncated(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// An attempt refused by the throttle: the error to answer with, and how many
/// attempts this lock has refused so far (to record only some of them).
pub struct Refused {
    pub error: AppError,
    pub refused_so_far: i32,
}

/// Counts this attempt against each `(scope, limit)` before anything is verified, in
/// one statement per scope, so concurrent guesses cannot all slip past a check that
/// reads first and counts later. Refused when a scope is over its limit: its lock is
/// running and the password is not even looked at. Every scope is counted either way.
pub async fn reserve(pool: &PgPool, scopes: &[(String, i32)], now: DateTime<Utc>) -> Result<Result<(), Refused>, AppError> {
    let window_start = now - Duration::minutes(WINDOW_MINUTES);
    let mut refused: Option<Refused> = None;
    for (scope, limit) in scopes {
        // A scope whose window and lock are both over starts again at 1.
        let (failures, locked_until): (i32, Option<DateTime<Utc>>) = sqlx::query_as(
            "INSERT INTO login_throttle AS t (scope, failures, window_start, locked_until)
             VALUES ($1, 1, $2, CASE WHEN 1 >= $3 THEN $2 + make_interval(mins => $4) END)
             ON CONFLICT (scope) DO UPDATE SET
               failures = CASE WHEN t.window_start < $5 AND coalesce(t.locked_until <= $2, true) THEN 1 ELSE t.failures + 1 END,
               window_start = CASE WHEN t.window_start < $5 AND coalesce(t.locked_until <= $2, true) THEN $2 ELSE t.window_start END,
               locked_until = CASE
                 WHEN t.window_start < $5 AND coalesce(t.locked_until <= $2, true) THEN
                   CASE WHEN 1 >= $3 THEN $2 + make_interval(mins => $4) END
                 WHEN t.locked_until > $2 THEN t.locked_until
                 WHEN t.failures + 1 >= $3 THEN $2 + make_interval(mins => $4)
                 ELSE t.locked_until END
             RETURNING failures, locked_until",
        )
        .bind(scope)
        .bind(now)
        .bind(limit)
        .bind(LOCK_MINUTES as i32)
        .bind(window_start)
        .fetch_one(pool)
        .await
        .map_err(|e| AppError::unavailable("The database", e))?;
        if failures > *limit {
            let until = locked_until.unwrap_or(now + Duration::minutes(LOCK_MINUTES));
            let minutes = ((until - now).num_seconds() + 59) / 60;
            let this = Refused {
                error: AppError::RateLimited { retry_after_minutes: minutes.max(1) as u32 },
                refused_so_far: failures - limit,
            };
            // The first refusing scope (the name before the address) numbers the attempt:
            // were it the larger count of the two, concurrent guesses that bumped the two
            // counters in different orders could each reach a recorded number.
            refused = refused.or(Some(this));
        }
    }
    Ok(refused.map_or(Ok(()), Err))
}

/// A successful login: the name's count is cleared, and the address gets back the
/// attempt it was charged (it was not a guess).
pub async fn succeeded(pool: &PgPool, name_scope: &str, address_scope: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM login_throttle WHERE scope = $1")
        .bind(name_scope)
        .execute(pool)
        .await
        .map_err(|e| AppError::unavailable("The database", e))?;
    sqlx::query("UPDATE login_throttle SET failures = greatest(failures - 1, 0) WHERE scope = $1")
        .bind(address_scope)
        .execute(pool)
        .await
        .map_err(|e| AppError::unavailable("The database", e))?;
    Ok(())
}

/// Whether a refused attempt goes on record: the first one of a lock, then every
/// hundredth (with the count), so a flood of refused guesses adds a few rows, not one each.
pub fn worth_recording(refused_so_far: i32) -> bool {
    refused_so_far == 1 || refused_so_far % 100 == 0
}
