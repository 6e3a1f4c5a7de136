//! Sessions: what a login stores, and the check every request's session passes
//! (idle and absolute timeouts, the user still active, the same epoch as at login).

use chrono::Utc;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use uuid::Uuid;

use super::signed_in;
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

fn store_unavailable(error: tower_sessions::session::Error) -> AppError {
    AppError::unavailable("The session store", error)
}
