//! The session store: PostgreSQL, with each session row kept in memory while the
//! portal hears of changes to it (see `app::row_cache`), so a signed-in request reads
//! no row. Every write goes to PostgreSQL first and forgets the kept row.

use std::sync::Arc;

use app::row_cache::Rows;
use tower_sessions::{
    session::{Id, Record},
    session_store, SessionStore,
};
use tower_sessions_sqlx_store::PostgresStore;

#[derive(Clone)]
pub struct KeptSessions {
    store: PostgresStore,
    rows: Arc<Rows>,
}

impl std::fmt::Debug for KeptSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeptSessions").finish_non_exhaustive()
    }
}

impl KeptSessions {
    pub fn new(store: PostgresStore, rows: Arc<Rows>) -> Self {
        KeptSessions { store, rows }
    }
}

#[async_trait::async_trait]
impl SessionStore for KeptSessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let created = self.store.create(record).await;
        self.rows.sessions.forget(&record.id.to_string());
        created
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let saved = self.store.save(record).await;
        self.rows.sessions.forget(&record.id.to_string());
        saved
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let record = self.rows.sessions.read_through(&id.to_string(), self.store.load(id)).await?;
        // As PostgreSQL's store: an expired row is no session (a kept one may expire).
        Ok(record.filter(|record| record.expiry_date > time::OffsetDateTime::now_utc()))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let deleted = self.store.delete(id).await;
        self.rows.sessions.forget(&id.to_string());
        deleted
    }
}
