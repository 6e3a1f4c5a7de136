//! Server side of identity: the backend handle, sessions, and the capability guard
//! every server function passes through.
//!
//! A server function gets at the database or Voximplant only through an
//! [`Authorized`] value, and the only way to get one is [`require`], which checks the
//! session (idle and absolute timeouts, the user still active, the same role and
//! epoch as at login) and the role's permission. Login and first-run setup use
//! [`public`], which says so in its name. Startup code and the CLI use
//! [`Backend::unguarded_pool`], a name that stands out in review.

use std::{marker::PhantomData, net::SocketAddr, time::Duration};

use chrono::Utc;
use leptos::prelude::use_context;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tower_sessions::Session;
use uuid::Uuid;

use super::{password, rules, throttle, CurrentUser, Permission, Role};
use crate::{error::AppError, state::AppState};

/// Session lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct AuthConfig {
    /// Inactivity after which a session ends (refreshed by activity).
    pub idle_timeout: Duration,
    /// Lifetime of a session however active it is.
    pub absolute_timeout: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig { idle_timeout: Duration::from_secs(30 * 60), absolute_timeout: Duration::from_secs(12 * 3600) }
    }
}

/// The server's dependencies, reachable from server functions only through a guard.
#[derive(Clone)]
pub struct Backend {
    pool: PgPool,
    pub auth: AuthConfig,
    keyring: std::sync::Arc<crate::connections::vault::Keyring>,
    /// One connection pool to Voximplant for every call (None if it cannot be built:
    /// each call then builds its own).
    http: Option<voximplant::client::Http>,
}

impl Backend {
    pub fn new(pool: PgPool, auth: AuthConfig, keyring: crate::connections::vault::Keyring) -> Self {
        let http = voximplant::client::http().inspect_err(|error| tracing::warn!(%error, "no shared HTTP client")).ok();
        Backend { pool, auth, keyring: std::sync::Arc::new(keyring), http }
    }

    pub fn http(&self) -> Option<&voximplant::client::Http> {
        self.http.as_ref()
    }

    /// The master keys that seal stored Voximplant credentials.
    pub fn keyring(&self) -> &crate::connections::vault::Keyring {
        &self.keyring
    }

    /// The pool without any check: for startup, health checks and the CLI, never
    /// for a server function.
    pub fn unguarded_pool(&self) -> &PgPool {
        &self.pool
    }
}

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

/// A permission, as a type: `require::<ManageUsers>()`.
pub trait Capability: Send + Sync + 'static {
    const PERMISSION: Permission;
}

macro_rules! capabilities {
    ($($name:ident),+ $(,)?) => {
        /// One marker type per [`Permission`].
        pub mod cap {
            $(
                pub struct $name;
                impl super::Capability for $name {
                    const PERMISSION: super::Permission = super::Permission::$name;
                }
            )+
        }
    };
}

capabilities!(
    SignedIn,
    ViewChildren,
    EditChildNotifications,
    ManageChildren,
    ViewBilling,
    ManageBilling,
    ViewAudit,
    ManageUsers,
    ManageConnections,
);

/// Proof that the current request's user holds capability `C`.
pub struct Authorized<C: Capability> {
    user: SessionUser,
    backend: Backend,
    _capability: PhantomData<C>,
}

impl<C: Capability> Authorized<C> {
    pub fn user(&self) -> &SessionUser {
        &self.user
    }

    pub fn db(&self) -> &PgPool {
        &self.backend.pool
    }

    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// The audit context of this request: who, from where.
    pub async fn audit_context(&self) -> crate::audit::ssr::AuditContext {
        crate::audit::ssr::AuditContext::from_request().await.with_actor(
            self.user.id,
            &self.user.username,
            self.user.role.as_str(),
        )
    }

    /// A Voximplant client for the connection this user works on (their choice, or
    /// the first one), with that connection's description.
    pub async fn voximplant(
        &self,
    ) -> Result<(crate::connections::ConnectionView, voximplant::client::Client), AppError> {
        let connections = crate::connections::ssr::list(&self.backend.pool, self.user.selected_connection).await?;
        let id = connections
            .selected
            .ok_or_else(|| AppError::Conflict("No Voximplant parent account is connected yet. An admin can add one under Admin.".into()))?;
        crate::connections::ssr::client_for(&self.backend, crate::connections::ssr::parse_id(&id)?).await
    }
}

/// Access for the public endpoints (login, first-run setup): the database, no user.
pub struct Public {
    backend: Backend,
}

impl Public {
    pub fn db(&self) -> &PgPool {
        &self.backend.pool
    }
}

fn backend() -> Result<Backend, AppError> {
    use_context::<AppState>()
        .map(|state| state.backend)
        .ok_or_else(|| AppError::internal("AppState missing from the server-function context"))
}

async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| AppError::internal(format!("no session layer: {e}")))
}

/// The client's address, for throttling and logs.
pub async fn client_address() -> String {
    leptos_axum::extract::<axum::extract::ConnectInfo<SocketAddr>>()
        .await
        .map(|info| info.0.ip().to_string())
        .unwrap_or_else(|_| "unknown".to_string())
}

pub fn public() -> Result<Public, AppError> {
    Ok(Public { backend: backend()? })
}

/// The guard: the session's user, if they hold `C`.
pub async fn require<C: Capability>() -> Result<Authorized<C>, AppError> {
    let backend = backend()?;
    let Some(user) = authenticate(&backend).await? else {
        tracing::info!(permission = ?C::PERMISSION, "denied: not logged in");
        record_denial(&backend, None, C::PERMISSION).await;
        return Err(AppError::Unauthenticated);
    };
    if !user.role.can(C::PERMISSION) {
        tracing::warn!(user = %user.username, role = %user.role, permission = ?C::PERMISSION, "denied: role lacks permission");
        record_denial(&backend, Some(&user), C::PERMISSION).await;
        return Err(AppError::Forbidden);
    }
    Ok(Authorized { user, backend, _capability: PhantomData })
}

/// A refused server-function call, in the audit log. Denied either way.
async fn record_denial(backend: &Backend, user: Option<&SessionUser>, permission: Permission) {
    use crate::audit::{ssr, Outcome};
    let mut context = ssr::AuditContext::from_request().await;
    if let Some(user) = user {
        context = context.with_actor(user.id, &user.username, user.role.as_str());
    }
    let path = use_context::<http::request::Parts>().map(|p| p.uri.path().to_string()).unwrap_or_default();
    let event = ssr::NewEvent::fact(
        "access.denied",
        serde_json::json!([]),
        serde_json::json!({ "path": path, "permission": format!("{permission:?}") }),
        Outcome::Denied,
    );
    ssr::record(&backend.pool, &context, event).await;
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: Uuid,
    username: String,
    display_name: String,
    role: String,
    active: bool,
    password_hash: String,
    session_epoch: i32,
    selected_connection: Option<Uuid>,
}

const USER_COLUMNS: &str =
    "id, username, display_name, role::text AS role, active, password_hash, session_epoch, selected_connection";

impl UserRow {
    fn to_session_user(&self) -> Result<SessionUser, AppError> {
        Ok(SessionUser {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: Role::parse(&self.role).ok_or_else(|| AppError::internal(format!("unknown role {}", self.role)))?,
            selected_connection: self.selected_connection,
        })
    }
}

/// The session's user, or `None` (and the session ended) when it is missing,
/// expired, or its user was disabled or changed since login.
async fn authenticate(backend: &Backend) -> Result<Option<SessionUser>, AppError> {
    authenticate_session(backend, &session().await?).await
}

/// [`authenticate`] for plain axum handlers, which have the session but no Leptos
/// context.
pub async fn authenticate_session(backend: &Backend, session: &Session) -> Result<Option<SessionUser>, AppError> {
    let stored: Option<SessionAuth> =
        session.get(SESSION_AUTH).await.map_err(|e| AppError::unavailable("The session store", e))?;
    let Some(mut auth) = stored else { return Ok(None) };
    let now = Utc::now().timestamp();
    let expired = now - auth.auth_at > backend.auth.absolute_timeout.as_secs() as i64
        || now - auth.last_seen > backend.auth.idle_timeout.as_secs() as i64;
    let row: Option<UserRow> = if expired {
        None
    } else {
        sqlx::query_as::<_, UserRow>(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(auth.user_id)
            .fetch_optional(&backend.pool)
            .await
            .map_err(|e| AppError::unavailable("The database", e))?
    };
    let valid = row.filter(|user| user.active && user.session_epoch == auth.epoch);
    let Some(row) = valid else {
        // Whatever the reason, this session is over: remove it from the store.
        session.flush().await.map_err(|e| AppError::unavailable("The session store", e))?;
        return Ok(None);
    };
    if now - auth.last_seen >= LAST_SEEN_GRANULARITY {
        auth.last_seen = now;
        session.insert(SESSION_AUTH, &auth).await.map_err(|e| AppError::unavailable("The session store", e))?;
    }
    row.to_session_user().map(Some)
}

pub async fn me() -> Result<Option<super::Me>, AppError> {
    let backend = backend()?;
    let Some(user) = authenticate(&backend).await? else { return Ok(None) };
    let connections = crate::connections::ssr::list(&backend.pool, user.selected_connection).await?;
    Ok(Some(super::Me { user: user.to_current(), connections }))
}

pub async fn login(username: String, password: String) -> Result<CurrentUser, AppError> {
    let access = public()?;
    let pool = access.db();
    let name = username.trim().to_lowercase();
    let address = client_address().await;
    let scopes = [throttle::name_scope(&name), throttle::address_scope(&address)];
    let now = Utc::now();
    let context = crate::audit::ssr::AuditContext::from_request().await;
    let login_event = |outcome| {
        crate::audit::ssr::NewEvent::fact("user.login", serde_json::json!([]), serde_json::json!({ "username": name }), outcome)
    };
    if let Err(error) = throttle::check(pool, &scopes, now).await {
        let event = login_event(crate::audit::Outcome::Denied).with_detail(serde_json::json!({ "error": error.to_string() }));
        crate::audit::ssr::record(pool, &context, event).await;
        return Err(error);
    }

    let row = sqlx::query_as::<_, UserRow>(&format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1"))
        .bind(&name)
        .fetch_optional(pool)
        .await
        .map_err(|e| AppError::unavailable("The database", e))?;
    // Unknown names cost a full hash check too, so timing tells nothing.
    let hash = match &row {
        Some(user) => user.password_hash.clone(),
        None => password::dummy_hash().await.to_string(),
    };
    let matches = password::verify(password, hash).await?;
    let Some(user) = row.filter(|user| matches && user.active) else {
        throttle::record_failure(pool, &scopes[0], throttle::MAX_FAILURES_PER_NAME, now).await?;
        throttle::record_failure(pool, &scopes[1], throttle::MAX_FAILURES_PER_ADDRESS, now).await?;
        tracing::warn!(username = %name, %address, "login failed");
        crate::audit::ssr::record(pool, &context, login_event(crate::audit::Outcome::Invalid)).await;
        return Err(AppError::invalid("login", "The username or password is incorrect."));
    };
    throttle::clear(pool, &scopes[0]).await?;
    // A login that cannot be audited does not happen.
    let context = context.with_actor(user.id, &user.username, &user.role);
    crate::audit::ssr::append(pool, &context, login_event(crate::audit::Outcome::Ok)).await?;
    start_session(&user).await?;
    tracing::info!(username = %user.username, %address, "login");
    user.to_session_user().map(|u| u.to_current())
}

/// A fresh session id for a fresh login: a cookie planted before login is useless.
async fn start_session(user: &UserRow) -> Result<(), AppError> {
    let session = session().await?;
    session.cycle_id().await.map_err(|e| AppError::unavailable("The session store", e))?;
    let now = Utc::now().timestamp();
    let auth = SessionAuth { user_id: user.id, epoch: user.session_epoch, auth_at: now, last_seen: now };
    session.insert(SESSION_AUTH, &auth).await.map_err(|e| AppError::unavailable("The session store", e))
}

pub async fn logout() -> Result<(), AppError> {
    let backend = backend()?;
    if let Some(user) = authenticate(&backend).await? {
        let context = crate::audit::ssr::AuditContext::from_request().await.with_actor(user.id, &user.username, user.role.as_str());
        let event = crate::audit::ssr::NewEvent::fact("user.logout", serde_json::json!([]), serde_json::json!({}), crate::audit::Outcome::Ok);
        crate::audit::ssr::record(&backend.pool, &context, event).await;
    }
    let session = session().await?;
    session.flush().await.map_err(|e| AppError::unavailable("The session store", e))
}

pub async fn setup_needed() -> Result<bool, AppError> {
    let access = public()?;
    count_users(access.db()).await.map(|count| count == 0)
}

async fn count_users(pool: &PgPool) -> Result<i64, AppError> {
    sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(pool)
        .await
        .map_err(|e| AppError::unavailable("The database", e))
}

pub async fn setup_first_admin(
    username: String,
    email: String,
    display_name: String,
    password: String,
) -> Result<CurrentUser, AppError> {
    let access = public()?;
    let context = crate::audit::ssr::AuditContext::from_request().await;
    let params = serde_json::json!({ "username": username, "email": email, "role": "admin" });
    let new = NewUser { username, email, display_name, role: Role::Admin, password };
    let id = crate::audit::ssr::audited(access.db(), &context, "user.setup", None, serde_json::json!([]), params, || async {
        let id = create_user(access.db(), new, OnlyIfNoUsers(true)).await?;
        Ok(crate::audit::ssr::Done { value: id, changes: None, targets: Some(serde_json::json!([id.to_string()])) })
    })
    .await?;
    let row = sqlx::query_as::<_, UserRow>(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_one(access.db())
        .await
        .map_err(|e| AppError::unavailable("The database", e))?;
    start_session(&row).await?;
    tracing::info!(username = %row.username, "first admin created");
    row.to_session_user().map(|u| u.to_current())
}

/// A user to create.
pub struct NewUser {
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password: String,
}

impl NewUser {
    /// Every problem, each next to its field.
    pub fn validate(&self) -> Result<(), AppError> {
        rules::username(&self.username).map_err(|m| AppError::invalid("username", m))?;
        rules::email(&self.email).map_err(|m| AppError::invalid("email", m))?;
        rules::display_name(&self.display_name).map_err(|m| AppError::invalid("display_name", m))?;
        rules::password(&self.password).map_err(|m| AppError::invalid("password", m))?;
        Ok(())
    }
}

/// Whether creation must fail once any user exists (first-run setup).
pub struct OnlyIfNoUsers(pub bool);

/// Creates a user; the name and email must be free.
pub async fn create_user(pool: &PgPool, mut new: NewUser, guard: OnlyIfNoUsers) -> Result<Uuid, AppError> {
    new.username = new.username.trim().to_lowercase();
    new.email = new.email.trim().to_string();
    new.validate()?;
    let hash = password::hash(new.password.clone()).await?;
    let mut tx = pool.begin().await.map_err(|e| AppError::unavailable("The database", e))?;
    // Serializes first-run setup: two browsers racing cannot both become admin.
    sqlx::query("SELECT pg_advisory_xact_lock(7707)").execute(&mut *tx).await.map_err(|e| AppError::unavailable("The database", e))?;
    if guard.0 && count_users_tx(&mut tx).await? > 0 {
        return Err(AppError::Conflict("Voxdesk is already set up. Log in instead.".into()));
    }
    let inserted = sqlx::query_scalar::<_, Uuid>(
        "INSERT INTO users (username, email, display_name, role, password_hash)
         VALUES ($1, $2, $3, $4::user_role, $5) RETURNING id",
    )
    .bind(&new.username)
    .bind(&new.email)
    .bind(new.display_name.trim())
    .bind(new.role.as_str())
    .bind(hash)
    .fetch_one(&mut *tx)
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
            let field = if error.constraint().is_some_and(|c| c.contains("email")) { "email" } else { "username" };
            return Err(AppError::invalid(field, format!("This {} is already taken.", field.replace('_', " "))));
        }
        Err(error) => return Err(AppError::unavailable("The database", error)),
    };
    tx.commit().await.map_err(|e| AppError::unavailable("The database", e))?;
    Ok(id)
}

async fn count_users_tx(tx: &mut sqlx::Transaction<'_, sqlx::Postgres>) -> Result<i64, AppError> {
    sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| AppError::unavailable("The database", e))
}
