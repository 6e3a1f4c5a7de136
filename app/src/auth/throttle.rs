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

/// Refuses when any scope is locked right now.
pub async fn check(pool: &PgPool, scopes: &[String], now: DateTime<Utc>) -> Result<(), AppError> {
    let locked: Option<DateTime<Utc>> = sqlx::query_scalar(
        "SELECT max(locked_until) FROM login_throttle WHERE scope = ANY($1) AND locked_until > $2",
    )
    .bind(scopes)
    .bind(now)
    .fetch_one(pool)
    .await
    .map_err(|e| AppError::unavailable("The database", e))?;
    match locked {
        Some(until) => {
            let minutes = ((until - now).num_seconds() + 59) / 60;
            Err(AppError::RateLimited { retry_after_minutes: minutes.max(1) as u32 })
        }
        None => Ok(()),
    }
}

/// Counts a failure against `scope`; locks it when it reaches `limit` in the window.
pub async fn record_failure(pool: &PgPool, scope: &str, limit: i32, now: DateTime<Utc>) -> Result<(), AppError> {
    let window_start = now - Duration::minutes(WINDOW_MINUTES);
    sqlx::query(
        "INSERT INTO login_throttle (scope, failures, window_start) VALUES ($1, 1, $2)
         ON CONFLICT (scope) DO UPDATE SET
           failures = CASE WHEN login_throttle.window_start < $3 THEN 1 ELSE login_throttle.failures + 1 END,
           window_start = CASE WHEN login_throttle.window_start < $3 THEN $2 ELSE login_throttle.window_start END,
           locked_until = CASE
             WHEN login_throttle.window_start >= $3 AND login_throttle.failures + 1 >= $4 THEN $2 + make_interval(mins => $5)
             ELSE login_throttle.locked_until END",
    )
    .bind(scope)
    .bind(now)
    .bind(window_start)
    .bind(limit)
    .bind(LOCK_MINUTES as i32)
    .execute(pool)
    .await
    .map_err(|e| AppError::unavailable("The database", e))?;
    Ok(())
}

/// A successful login clears the name's failures (not the address's).
pub async fn clear(pool: &PgPool, scope: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM login_throttle WHERE scope = $1")
        .bind(scope)
        .execute(pool)
        .await
        .map_err(|e| AppError::unavailable("The database", e))?;
    Ok(())
}
