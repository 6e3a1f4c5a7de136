//! Rows every signed-in request needs — its session, its user, the connection it
//! works on — kept in memory while PostgreSQL tells this process of every change to
//! them, so a page that calls nothing else makes no query at all.
//!
//! Triggers on those tables send `NOTIFY voxdesk_rows` in the changing transaction
//! (migration `…_row_notifications.sql`, and `server::database::migrate` for the
//! session table), whoever changes them: another instance, the command line, an
//! operator's SQL. [`listen`] applies them. Nothing is kept while it is not listening
//! (at start, after a lost connection: every table is emptied then, since notices may
//! have been missed), so a change is never missed, only seen a few milliseconds late by
//! another instance. This instance forgets at once what it changes itself (the session
//! store on each write; the server after any request that may write).
//!
//! A read that raced a change never stores its answer: each table has a generation,
//! bumped by every forget, and an answer read before the bump is dropped.

use std::{
    any::Any,
    collections::HashMap,
    hash::Hash,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use sqlx::PgPool;
use uuid::Uuid;

/// The channel the triggers notify on.
pub const CHANNEL: &str = "voxdesk_rows";

/// A bound even if a notice were somehow lost while connected.
const MAX_AGE: Duration = Duration::from_secs(10);

/// Entries per table; a full table is emptied (cheap, and rare: one per signed-in user).
const MAX_ENTRIES: usize = 10_000;

/// One kind of row, by key. Values are the owning feature's own type (this module
/// knows no feature): a value of another type reads as a miss.
pub struct Table<K> {
    name: &'static str,
    /// Shared by every table of a [`Rows`]: nothing is kept while false.
    listening: Arc<AtomicBool>,
    inner: Mutex<Inner<K>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

type Kept = Arc<dyn Any + Send + Sync>;

struct Inner<K> {
    generation: u64,
    entries: HashMap<K, (Instant, Kept)>,
}

/// Taken before reading the database; [`Table::keep`] stores the answer only if
/// nothing was forgotten since.
#[derive(Clone, Copy)]
pub struct Generation(u64);

impl<K: Eq + Hash + Clone> Table<K> {
    fn new(name: &'static str, listening: &Arc<AtomicBool>) -> Self {
        Table {
            name,
            listening: listening.clone(),
            inner: Mutex::new(Inner { generation: 0, entries: HashMap::new() }),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The kept value for `key`, or what `read` finds in PostgreSQL (kept when found).
    pub async fn read_through<V, E, F>(&self, key: &K, read: F) -> Result<Option<V>, E>
    where
        V: Clone + Send + Sync + 'static,
        F: std::future::Future<Output = Result<Option<V>, E>>,
    {
        let read_under = match self.get::<V>(key) {
            Ok(kept) => return Ok(Some(kept)),
            Err(generation) => generation,
        };
        let found = read.await?;
        if let Some(value) = &found {
            self.keep(key.clone(), value.clone(), read_under);
        }
        Ok(found)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<K>> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The kept row for `key`, if fresh; else the generation to read under.
    fn get<V: Clone + 'static>(&self, key: &K) -> Result<V, Generation> {
        let inner = self.lock();
        let fresh = inner.entries.get(key).filter(|(at, _)| at.elapsed() < MAX_AGE);
        match fresh.and_then(|(_, value)| value.downcast_ref::<V>()) {
            Some(value) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                Ok(value.clone())
            }
            None => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                Err(Generation(inner.generation))
            }
        }
    }

    /// Keeps `value`, read from the database under `read_under` — unless a change
    /// was heard of since, or nobody is listening for the next one.
    fn keep<V: Send + Sync + 'static>(&self, key: K, value: V, read_under: Generation) {
        if !self.listening.load(Ordering::SeqCst) {
            return;
        }
        let mut inner = self.lock();
        if inner.generation != read_under.0 {
            return;
        }
        if inner.entries.len() >= MAX_ENTRIES {
            inner.entries.clear();
        }
        inner.entries.insert(key, (Instant::now(), Arc::new(value)));
    }

    pub fn forget(&self, key: &K) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.remove(key);
    }

    pub fn forget_all(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.clear();
    }

    /// (name, hits, misses), for `/metrics`.
    pub fn counts(&self) -> (&'static str, u64, u64) {
        (self.name, self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed))
    }
}

/// A session row as the session store keeps it.
pub type SessionRecord = tower_sessions::session::Record;

/// Every table this process keeps, and whether it is listening.
pub struct Rows {
    listening: Arc<AtomicBool>,
    /// Session rows ([`SessionRecord`]) by session id.
    pub sessions: Table<String>,
    /// What a request checks of its user, by user id (changes to `users`, `mfa_policy`
    /// or `user_mfa` forget them all).
    pub users: Table<Uuid>,
    /// The connection a user works on and its client, by the user's choice (any
    /// change to `connections` forgets them all: "none chosen" means the first).
    pub connections: Table<Option<Uuid>>,
    /// Every connection, by name (the picker on every page).
    pub connection_list: Table<()>,
}

impl Default for Rows {
    fn default() -> Self {
        let listening = Arc::new(AtomicBool::new(false));
        Rows {
            sessions: Table::new("sessions", &listening),
            users: Table::new("users", &listening),
            connections: Table::new("connections", &listening),
            connection_list: Table::new("connection_list", &listening),
            listening,
        }
    }
}

impl Rows {
    pub fn listening(&self) -> bool {
        self.listening.load(Ordering::SeqCst)
    }

    /// After a request that may have changed users or connections: this instance
    /// reads them again (other instances hear of it from PostgreSQL).
    pub fn forget_users_and_connections(&self) {
        self.users.forget_all();
        self.forget_connections();
    }

    fn forget_connections(&self) {
        self.connections.forget_all();
        self.connection_list.forget_all();
    }

    fn forget_everything(&self) {
        self.sessions.forget_all();
        self.forget_users_and_connections();
    }

    /// What a notice from the triggers says changed.
    fn apply(&self, notice: &str) {
        match notice.split_once(':') {
            Some(("session", id)) => self.sessions.forget(&id.to_string()),
            _ if notice == "sessions" => self.sessions.forget_all(),
            _ if notice == "users" => self.users.forget_all(),
            _ if notice == "connections" => self.forget_connections(),
            // Not ours to know: safest to read everything again.
            _ => self.forget_everything(),
        }
    }

    /// For `/metrics`: hits and misses per table.
    pub fn counts(&self) -> [(&'static str, u64, u64); 4] {
        [self.sessions.counts(), self.users.counts(), self.connections.counts(), self.connection_list.counts()]
    }

    /// [`Rows::listen`] as a task of its own (what every serving process starts).
    pub fn spawn_listener(self: &Arc<Self>, pool: PgPool) -> tokio::task::JoinHandle<()> {
        let rows = self.clone();
        tokio::spawn(async move { rows.listen(pool).await })
    }

    /// Listens until `pool` closes, reconnecting after a second when the connection
    /// is lost; keeps rows only while listening.
    pub async fn listen(&self, pool: PgPool) {
        loop {
            match self.listen_once(&pool).await {
                Err(sqlx::Error::PoolClosed) => return,
                Err(error) => tracing::warn!(%error, "not hearing of row changes; rows are read from PostgreSQL until it is back"),
                Ok(()) => tracing::warn!("lost the connection that hears of row changes; reconnecting"),
            }
            self.listening.store(false, Ordering::SeqCst);
            self.forget_everything();
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    async fn listen_once(&self, pool: &PgPool) -> Result<(), sqlx::Error> {
        let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
        listener.eager_reconnect(false);
        listener.listen(CHANNEL).await?;
        // Changes made before LISTEN took effect were not heard of: start from nothing.
        self.forget_everything();
        self.listening.store(true, Ordering::SeqCst);
        while let Some(notice) = listener.try_recv().await? {
            self.apply(notice.payload());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listening_rows() -> Rows {
        let rows = Rows::default();
        rows.listening.store(true, Ordering::SeqCst);
        rows
    }

    fn session(rows: &Rows, id: &str) -> Option<String> {
        rows.sessions.get::<SessionRecord>(&id.to_string()).ok().map(|record| record.id.to_string())
    }

    fn record() -> SessionRecord {
        serde_json::from_value(serde_json::json!({"id": 1, "data": {}, "expiry_date": [2030, 1, 0, 0, 0, 0, 0, 0, 0]}))
            .expect("a record")
    }

    #[test]
    fn nothing_is_kept_without_listening() {
        let rows = Rows::default();
        let read_under = rows.sessions.get::<SessionRecord>(&"a".into()).unwrap_err();
        rows.sessions.keep("a".into(), record(), read_under);
        assert_eq!(session(&rows, "a"), None);
    }

    #[test]
    fn a_read_that_raced_a_change_is_not_kept() {
        let rows = listening_rows();
        let read_under = rows.sessions.get::<SessionRecord>(&"a".into()).unwrap_err();
        // The change is heard of while the read is on its way.
        rows.apply("session:b");
        rows.sessions.keep("a".into(), record(), read_under);
        assert_eq!(session(&rows, "a"), None);
        // Read again: kept.
        let read_under = rows.sessions.get::<SessionRecord>(&"a".into()).unwrap_err();
        rows.sessions.keep("a".into(), record(), read_under);
        assert!(session(&rows, "a").is_some());
    }

    #[test]
    fn each_notice_forgets_what_it_names() {
        let rows = listening_rows();
        for id in ["a", "b"] {
            let read_under = rows.sessions.get::<SessionRecord>(&id.into()).unwrap_err();
            rows.sessions.keep(id.into(), record(), read_under);
        }
        let read_under = rows.connection_list.get::<Vec<u8>>(&()).unwrap_err();
        rows.connection_list.keep((), Vec::<u8>::new(), read_under);
        rows.apply("session:a");
        assert_eq!((session(&rows, "a").is_some(), session(&rows, "b").is_some()), (false, true));
        rows.apply("users");
        assert!(session(&rows, "b").is_some() && rows.connection_list.get::<Vec<u8>>(&()).is_ok());
        rows.apply("connections");
        assert!(rows.connection_list.get::<Vec<u8>>(&()).is_err());
        rows.apply("something new");
        assert!(session(&rows, "b").is_none(), "an unknown notice forgets everything");
    }
}
