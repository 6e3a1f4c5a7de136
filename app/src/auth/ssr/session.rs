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
}

impl SessionUser {
    pub fn to_current(&self) -> CurrentUser {
        CurrentUser {
            id: self.id.to_string(),
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
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
}

pub(super) const USER_COLUMNS: &str =
    "id, username, display_name, role::text AS role, active, password_hash, session_epoch, selected_connection";

impl UserRow {
    pub(super) fn to_session_user(&self) -> Result<SessionUser, AppError> {
        Ok(SessionUser {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: Role::parse(&self.role).ok_or_else(|| AppError::internal(format!("unknown role {}", self.role)))?,
            selected_connection: self.selected_connection,
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

/// [`authenticate`] for plain axum handlers, which have the session but no Leptos
/// context.
pub async fn authenticate_session(backend: &Backend, session: &Session) -> Result<Option<SessionUser>, AppError> {
    let stored: Option<SessionAuth> =
        session.get(SESSION_AUTH).await.map_err(store_unavailable)?;
    let Some(mut auth) = stored else { return Ok(None) };
    let now = Utc::now().timestamp();
    let expired = now - auth.auth_at > backend.auth.absolute_timeout.as_secs() as i64
        || now - auth.last_seen > backend.auth.idle_timeout.as_secs() as i64;
    let row: Option<UserRow> = if expired {
        None
    } else {
        sqlx::query_as::<_, UserRow>(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(auth.user_id)
            .fetch_optional(backend.unguarded_pool())
            .await?
    };
    let valid = row.filter(|user| user.active && user.session_epoch == auth.epoch);
    let Some(row) = valid else {
        // Whatever the reason, this session is over: remove it from the store.
        session.flush().await.map_err(store_unavailable)?;
        return Ok(None);
    };
    if now - auth.last_seen >= LAST_SEEN_GRANULARITY {
        auth.last_seen = now;
        session.insert(SESSION_AUTH, &auth).await.map_err(store_unavailable)?;
    }
    row.to_session_user().map(Some)
}

/// A fresh session id for a fresh login: a cookie planted before login is useless.
pub(super) async fn start_session(user: &UserRow) -> Result<(), AppError> {
    let session = request::session().await?;
    RequestUser::forget();
    session.cycle_id().await.map_err(store_unavailable)?;
    let now = Utc::now().timestamp();
    let auth = SessionAuth { user_id: user.id, epoch: user.session_epoch, auth_at: now, last_seen: now };
    session.insert(SESSION_AUTH, &auth).await.map_err(store_unavailable)?;
    // Stored now, not after the response: the new id exists, so what is recorded about
    // this login names the session it opened, not the one before it.
    session.save().await.map_err(store_unavailable)
}

/// Ends the session this request just started (its login could not be recorded).
pub(super) async fn abandon_session() {
    if let Ok(session) = request::session().await {
        if let Err(error) = session.flush().await {
            tracing::error!(%error, "a session whose login was not recorded could not be ended");
        }
    }
    RequestUser::forget();
}


fn store_unavailable(error: tower_sessions::session::Error) -> AppError {
    AppError::unavailable("The session store", error)
}
