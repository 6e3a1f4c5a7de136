//! Sessions: what a login stores, and the check every request's session passes
//! (idle and absolute timeouts, the user still active, the same epoch as at login).

use chrono::Utc;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use uuid::Uuid;

use crate::{
    access::Role,
    auth::CurrentUser,
    backend::Backend,
    error::AppError,
    request,
};

/// What the session stores about a login. No secrets: the session row is plain data.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SessionAuth {
    user_id: Uuid,
    epoch: i32,
    /// Unix seconds of the login (absolute timeout).
    auth_at: i64,
    /// Unix seconds of the last request (idle timeout), updated at most once a minute.
    last_seen: i64,
}

const SESSION_AUTH: &str = "auth";
/// A password accepted, the second step still to come (two-step sign-in).
const SESSION_PENDING: &str = "pending_second_step";
/// How long the second step may take after the password.
const SECOND_STEP_WINDOW: i64 = 5 * 60;

/// A login half done: the password was right; a code is still needed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingSecondStep {
    pub user_id: Uuid,
    pub epoch: i32,
    /// Unix seconds of the password step.
    pub at: i64,
}
/// How stale `last_seen` may get before a request refreshes it (and the cookie).
const LAST_SEEN_GRANULARITY: i64 = 60;

/// The logged-in user behind a request.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub selected_connection: Option<Uuid>,
    /// The role requires two-step sign-in and it is not set up: only their own
    /// account answers until it is.
    pub must_set_up_two_step: bool,
}

impl SessionUser {
    pub fn to_current(&self) -> CurrentUser {
        CurrentUser {
            id: self.id.to_string(),
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            must_set_up_two_step: self.must_set_up_two_step,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub active: bool,
    pub password_hash: String,
    pub session_epoch: i32,
    pub selected_connection: Option<Uuid>,
    pub must_set_up_two_step: bool,
}

/// Read from `users` (unaliased); whether two-step sign-in is owed is worked out in
/// the same query, so a policy change or a reset counts from the next request.
pub(super) const USER_COLUMNS: &str =
    "id, username, display_name, role::text AS role, active, password_hash, session_epoch, selected_connection,
     coalesce((SELECT p.required FROM mfa_policy p WHERE p.role = users.role), false)
       AND NOT EXISTS (SELECT 1 FROM user_mfa m WHERE m.user_id = users.id AND m.enrolled_at IS NOT NULL)
       AS must_set_up_two_step";

impl UserRow {
    pub(super) fn to_session_user(&self) -> Result<SessionUser, AppError> {
        Ok(SessionUser {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: Role::parse(&self.role).ok_or_else(|| AppError::internal(format!("unknown role {}", self.role)))?,
            selected_connection: self.selected_connection,
            must_set_up_two_step: self.must_set_up_two_step,
        })
    }
}

/// What one request found out about its session's user: a page asks several times
/// (the frame, the guard of each server function it renders), the database once.
/// The server puts a fresh one in every request's extensions.
#[derive(Clone, Default)]
pub struct RequestUser(std::sync::Arc<std::sync::Mutex<Option<Option<SessionUser>>>>);

impl RequestUser {
    fn current() -> Option<RequestUser> {
        leptos::prelude::use_context::<http::request::Parts>()?.extensions.get::<RequestUser>().cloned()
    }

    fn get(&self) -> Option<Option<SessionUser>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    fn set(&self, user: Option<Option<SessionUser>>) {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = user;
    }

    /// After a login or logout: the next question goes to the session again.
    pub fn forget() {
        if let Some(memo) = RequestUser::current() {
            memo.set(None);
        }
    }
}

/// The session's user, or `None` (and the session ended) when it is missing,
/// expired, or its user was disabled or changed since login.
pub async fn authenticate(backend: &Backend) -> Result<Option<SessionUser>, AppError> {
    let memo = RequestUser::current();
    if let Some(known) = memo.as_ref().and_then(RequestUser::get) {
        return Ok(known);
    }
    let user = authenticate_session(backend, &request::session().await?).await?;
    if let Some(memo) = memo {
        memo.set(Some(user.clone()));
    }
    Ok(user)
}

/// What every request checks of its session's user (no password hash: this is kept).
#[derive(Clone)]
struct KnownUser {
    active: bool,
    session_epoch: i32,
    user: SessionUser,
}

/// The user as a session check needs it, kept in memory while PostgreSQL reports
/// changes to users (see [`crate::row_cache`]): most requests read nothing.
async fn known_user(backend: &Backend, id: Uuid) -> Result<Option<KnownUser>, AppError> {
    backend
        .rows()
        .users
        .read_through(&id, async {
            let row = sqlx::query_as::<_, UserRow>(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
                .bind(id)
                .fetch_optional(backend.unguarded_pool())
                .await?;
            row.map(|row| Ok(KnownUser { active: row.active, session_epoch: row.session_epoch, user: row.to_session_user()? }))
                .transpose()
        })
        .await
}

/// [`authenticate`] for plain axum handlers, which have the session but no Leptos
/// context.
pub async fn authenticate_session(backend: &Backend, session: &Session) -> Result<Option<SessionUser>, AppError> {
    let stored: Option<SessionAuth> =
        session.get(SESSION_AUTH).await.map_err(store_unavailable)?;
    let Some(mut auth) = stored else { return Ok(None) };
    let now = Utc::now().timestamp();
    let expired = now - auth.auth_at > backend.auth.absolute_timeout.as_secs() as i64
        || now - auth.last_seen > backend.auth.idle_timeout.as_secs() as i64;
    let known = if expired { None } else { known_user(backend, auth.user_id).await? };
    let valid = known.filter(|known| known.active && known.session_epoch == auth.epoch);
    let Some(known) = valid else {
        // Whatever the reason, this session is over: remove it from the store.
        if let Some(id) = session.id() {
            signed_in::ended(backend.unguarded_pool(), &id.to_string()).await?;
        }
        session.flush().await.map_err(store_unavailable)?;
        return Ok(None);
    };
    if now - auth.last_seen >= LAST_SEEN_GRANULARITY {
        auth.last_seen = now;
        session.insert(SESSION_AUTH, &auth).await.map_err(store_unavailable)?;
        if let Some(id) = session.id() {
            signed_in::seen(backend.unguarded_pool(), &id.to_string()).await?;
        }
    }
    Ok(Some(known.user))
}

/// A fresh session id for a fresh login (or a new password): a cookie planted before
/// login is useless, and the session is listed on the user's own page.
pub(crate) async fn start_session(user_id: Uuid, epoch: i32) -> Result<(), AppError> {
    let session = request::session().await?;
    let pool = crate::backend::current()?.unguarded_pool().clone();
    renew_id(&session, &pool).await?;
    session.remove_value(SESSION_PENDING).await.map_err(store_unavailable)?;
    let now = Utc::now().timestamp();
    let auth = SessionAuth { user_id, epoch, auth_at: now, last_seen: now };
    session.insert(SESSION_AUTH, &auth).await.map_err(store_unavailable)?;
    // Stored now, not after the response: the new id exists, so what is recorded about
    // this login names the session it opened, not the one before it.
    session.save().await.map_err(store_unavailable)?;
    let id = session.id().ok_or_else(|| AppError::internal("a saved session has no id"))?;
    let browser = signed_in::browser_label(&request::header("user-agent", 400).unwrap_or_default());
    signed_in::started(&pool, &id.to_string(), user_id, epoch, &browser, &request::client_address().await).await
}

/// The session goes on under a new id (a cookie planted before now is useless); the
/// old id leaves the user's list of sessions.
async fn renew_id(session: &Session, pool: &sqlx::PgPool) -> Result<(), AppError> {
    RequestUser::forget();
    if let Some(old) = session.id() {
        signed_in::ended(pool, &old.to_string()).await?;
    }
    session.cycle_id().await.map_err(store_unavailable)
}

/// The password was right and a second step is owed: a fresh session id holding only
/// that (not signed in), for [`pending_second_step`] to find.
pub(crate) async fn begin_second_step(user_id: Uuid, epoch: i32) -> Result<(), AppError> {
    let session = request::session().await?;
    renew_id(&session, crate::backend::current()?.unguarded_pool()).await?;
    session.remove_value(SESSION_AUTH).await.map_err(store_unavailable)?;
    let pending = PendingSecondStep { user_id, epoch, at: Utc::now().timestamp() };
    session.insert(SESSION_PENDING, &pending).await.map_err(store_unavailable)?;
    Ok(())
}

/// The half-done login of this browser, if its password step was in the last five
/// minutes.
pub(crate) async fn pending_second_step() -> Result<Option<PendingSecondStep>, AppError> {
    let session = request::session().await?;
    let pending: Option<PendingSecondStep> = session.get(SESSION_PENDING).await.map_err(store_unavailable)?;
    Ok(pending.filter(|pending| Utc::now().timestamp() - pending.at <= SECOND_STEP_WINDOW))
}

/// Ends the session this request just started (its login could not be recorded).
pub(super) async fn abandon_session() {
    if let Ok(session) = request::session().await {
        if let (Some(id), Ok(backend)) = (session.id(), crate::backend::current()) {
            let _ = signed_in::ended(backend.unguarded_pool(), &id.to_string()).await;
        }
        if let Err(error) = session.flush().await {
            tracing::error!(%error, "a session whose login was not recorded could not be ended");
        }
    }
    RequestUser::forget();
}

/// The list of a user's signed-in sessions (`user_sessions`), kept beside the session
/// store: rows name a session by the hash of its id only.
pub mod signed_in {
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
}


fn store_unavailable(error: tower_sessions::session::Error) -> AppError {
    AppError::unavailable("The session store", error)
}
