//! The server's shared dependencies: the database pool, session limits, the master
//! keys and the HTTP pool to Voximplant. Server functions never touch this directly:
//! the guard in `auth` hands them a feature service narrowed to their permission.

use std::{sync::Arc, time::Duration};

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;

use crate::{error::AppError, vault::Keyring};

/// BEGIN for a transaction whose commit does not wait for the disk, in one round trip:
/// for rows a crash may take back without harm (whatever commits after them flushes
/// them too, as PostgreSQL writes its log in order).
pub const BEGIN_UNFLUSHED: &str = "BEGIN; SET LOCAL synchronous_commit = off";

/// The same for a single statement, as a `FROM` item: one round trip instead of
/// three (BEGIN, the statement, COMMIT). `set_config(…, true)` lasts until the end of
/// the statement's own transaction, whose commit reads it; a volatile subquery in
/// `FROM` is always evaluated, once.
pub const UNFLUSHED: &str = "(SELECT set_config('synchronous_commit', 'off', true)) AS unflushed";

/// What the router and every server function share.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub backend: Backend,
}

/// Session lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct AuthConfig {
    /// Inactivity after which a session ends (refreshed by activity).
    pub idle_timeout: Duration,
    /// Lifetime of a session however active it is.
    pub absolute_timeout: Duration,
    /// Served over https: cookies set outside the session layer (the remembered
    /// device) are `Secure` and `__Host-` too.
    pub secure_cookies: bool,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig { idle_timeout: Duration::from_secs(30 * 60), absolute_timeout: Duration::from_secs(12 * 3600), secure_cookies: false }
    }
}

/// The server's dependencies, reachable from server functions only through a guard.
#[derive(Clone)]
pub struct Backend {
    pool: PgPool,
    pub auth: AuthConfig,
    keyring: Arc<Keyring>,
    /// One connection pool to Voximplant for every call (None if it cannot be built:
    /// each call then builds its own).
    http: Option<voximplant::client::Http>,
    /// Voximplant clients already opened, by connection, with the sealed credentials
    /// they were opened from: reused while the row still holds exactly those.
    clients: Arc<std::sync::Mutex<std::collections::HashMap<uuid::Uuid, (Vec<u8>, voximplant::client::Client)>>>,
    /// Which refusals anyone can cause are recorded (one a minute per source).
    refusals: Arc<crate::refusals::RefusalSampler>,
    /// Sessions, users and connections kept while PostgreSQL reports their changes.
    rows: Arc<crate::row_cache::Rows>,
}

impl Backend {
    pub fn new(pool: PgPool, auth: AuthConfig, keyring: Keyring) -> Self {
        let http = voximplant::client::http().inspect_err(|error| tracing::warn!(%error, "no shared HTTP client")).ok();
        Backend { pool, auth, keyring: Arc::new(keyring), http, clients: Default::default(), refusals: Default::default(), rows: Default::default() }
    }

    pub fn http(&self) -> Option<&voximplant::client::Http> {
        self.http.as_ref()
    }

    /// The client opened earlier for `connection` from exactly `sealed`, if any.
    pub(crate) fn opened_client(&self, connection: uuid::Uuid, sealed: &[u8]) -> Option<voximplant::client::Client> {
        let clients = self.clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        clients.get(&connection).filter(|(from, _)| from == sealed).map(|(_, client)| client.clone())
    }

    pub(crate) fn keep_client(&self, connection: uuid::Uuid, sealed: Vec<u8>, client: voximplant::client::Client) {
        let mut clients = self.clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        clients.insert(connection, (sealed, client));
    }

    /// Decides which refusals anyone can cause go on record (see [`crate::refusals`]).
    pub fn refusals(&self) -> &crate::refusals::RefusalSampler {
        &self.refusals
    }

    /// The rows kept in memory (see [`crate::row_cache`]); [`crate::row_cache::Rows::listen`]
    /// must run for any to be kept.
    pub fn rows(&self) -> &Arc<crate::row_cache::Rows> {
        &self.rows
    }

    /// The master keys that seal stored Voximplant credentials.
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// The pool without any check: for startup, health checks, the reconciler and the
    /// CLI, never for a server function (those get theirs through the guard).
    pub fn unguarded_pool(&self) -> &PgPool {
        &self.pool
    }
}

/// The backend of the current request (server functions only).
pub(crate) fn current() -> Result<Backend, AppError> {
    leptos::prelude::use_context::<AppState>()
        .map(|state| state.backend)
        .ok_or_else(|| AppError::internal("AppState missing from the server-function context"))
}
