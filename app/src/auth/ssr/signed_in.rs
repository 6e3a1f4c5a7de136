//! The list of a user's signed-in sessions (`user_sessions`), kept beside the session
//! store: rows name a session by the hash of its id only.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{audit::ssr::session_reference, error::AppError};

/// One signed-in session, as its user sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SignedIn {
    pub session_ref: String,
    pub browser: String,
    pub client_ip: String,
    pub signed_in_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

pub async fn started(pool: &PgPool, session_id: &str, user: Uuid, epoch: i32, browser: &str, address: &str) -> Result<(), AppError> {
    let address: String = address.chars().take(64).collect();
    sqlx::query(
        "INSERT INTO user_sessions (session_ref, user_id, epoch, browser, client_ip) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (session_ref) DO NOTHING",
    )
    .bind(session_reference(session_id))
    .bind(user)
    .bind(epoch)
    .bind(browser)
    .bind(address)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn seen(pool: &PgPool, session_id: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE user_sessions SET last_seen = now() WHERE session_ref = $1")
        .bind(session_reference(session_id))
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn ended(pool: &PgPool, session_id: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM user_sessions WHERE session_ref = $1")
        .bind(session_reference(session_id))
        .execute(pool)
        .await?;
    Ok(())
}

/// The user's sessions that are still good: current epoch, within both timeouts.
/// Rows past them are deleted on the way.
pub async fn list(pool: &PgPool, user: Uuid, idle: std::time::Duration, absolute: std::time::Duration) -> Result<Vec<SignedIn>, AppError> {
    let (idle, absolute) = (idle.as_secs() as f64, absolute.as_secs() as f64);
    sqlx::query(
        "DELETE FROM user_sessions s USING users u WHERE s.user_id = u.id AND u.id = $1
           AND (s.epoch <> u.session_epoch OR s.last_seen < now() - make_interval(secs => $2)
                OR s.signed_in_at < now() - make_interval(secs => $3))",
    )
    .bind(user)
    .bind(idle)
    .bind(absolute)
    .execute(pool)
    .await?;
    Ok(sqlx::query_as::<_, SignedIn>(
        "SELECT session_ref, browser, client_ip, signed_in_at, last_seen FROM user_sessions
         WHERE user_id = $1 ORDER BY last_seen DESC, signed_in_at DESC LIMIT 100",
    )
    .bind(user)
    .fetch_all(pool)
    .await?)
}

/// "Firefox on Windows" from a User-Agent header: enough to recognise a device,
/// never the raw header (which is long and says little to people).
pub fn browser_label(user_agent: &str) -> String {
    let has = |needle: &str| user_agent.contains(needle);
    let browser = if has("Firefox/") {
        "Firefox"
    } else if has("Edg/") {
        "Edge"
    } else if has("OPR/") {
        "Opera"
    } else if has("HeadlessChrome/") {
        "Headless Chrome"
    } else if has("Chromium/") {
        "Chromium"
    } else if has("Chrome/") {
        "Chrome"
    } else if has("Safari/") {
        "Safari"
    } else if has("curl/") {
        "curl"
    } else {
        "Unknown browser"
    };
    let system = if has("Android") {
        Some("Android")
    } else if has("iPhone") || has("iPad") {
        Some("iOS")
    } else if has("Windows") {
        Some("Windows")
    } else if has("Mac OS X") || has("Macintosh") {
        Some("macOS")
    } else if has("CrOS") {
        Some("ChromeOS")
    } else if has("Linux") {
        Some("Linux")
    } else {
        None
    };
    match system {
        Some(system) => format!("{browser} on {system}"),
        None => browser.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn browsers_are_named_with_their_system() {
        let label = super::browser_label;
        assert_eq!(label("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0"), "Firefox on Windows");
        assert_eq!(
            label("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36"),
            "Headless Chrome on Linux"
        );
        assert_eq!(
            label("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15"),
            "Safari on macOS"
        );
        assert_eq!(
            label("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"),
            "Chrome on Android"
        );
        assert_eq!(label(""), "Unknown browser");
    }
}
