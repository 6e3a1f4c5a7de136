//! Where the database comes from (DATABASE_URL or the private cluster) and getting
//! it ready: the connection pool, Voxdesk's migrations and the session store's table.

use std::{str::FromStr, time::Duration};

use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool,
};
use tower_sessions_sqlx_store::PostgresStore;

use crate::{cli::DatabaseArgs, embedded_pg::EmbeddedPostgres};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// The application role the private cluster's Voxdesk connects as.
pub const EMBEDDED_APP_ROLE: &str = "voxdesk_app";

/// The database in use, and the private cluster behind it when there is one.
pub struct Database {
    /// What the application uses. With a separate application role, it cannot change
    /// or delete audit events even by mistake or through an injected statement.
    pub pool: PgPool,
    /// The tables' owner, when it is a different role than the application's.
    owner: Option<PgPool>,
    pub embedded: Option<EmbeddedPostgres>,
    /// The data directory's lock, while this process runs its private cluster.
    _lock: Option<std::fs::File>,
}

/// The file every `voxdesk` process using a data directory's private cluster locks:
/// the one holding it started the cluster and stops it; the others use it as it is.
pub const LOCK_FILE: &str = "voxdesk.lock";

/// Held (shared) by every `voxdesk serve` on a database for as long as it serves; a
/// command that must not run beside a server (rotating the master key) takes it
/// exclusively, on whatever host the servers are.
const SERVING_LOCK: i64 = 0x5644_5345_5256_45; // "VDSERVE"

/// The data directory's lock: taken, or held by another process (its pid, if it wrote one).
enum DataDirLock {
    Taken(std::fs::File),
    HeldBy(String),
}

impl DataDirLock {
    fn take(data_dir: &std::path::Path) -> anyhow::Result<DataDirLock> {
        use std::{io::Write, os::unix::fs::OpenOptionsExt};
        std::fs::create_dir_all(data_dir).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", data_dir.display()))?;
        let path = data_dir.join(LOCK_FILE);
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {
                file.set_len(0)?;
                write!(file, "{}", std::process::id())?;
                Ok(DataDirLock::Taken(file))
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                let pid = std::fs::read_to_string(&path).unwrap_or_default().trim().to_string();
                Ok(DataDirLock::HeldBy(if pid.is_empty() { "unknown".into() } else { pid }))
            }
            Err(std::fs::TryLockError::Error(error)) => Err(anyhow::anyhow!("cannot lock {}: {error}", path.display())),
        }
    }
}

/// Marks this process as serving the database until the returned connection is
/// dropped (see [`SERVING_LOCK`]).
pub async fn hold_serving_lock(pool: &PgPool) -> anyhow::Result<sqlx::pool::PoolConnection<sqlx::Postgres>> {
    let mut connection = pool.acquire().await?;
    sqlx::query("SELECT pg_advisory_lock_shared($1)").bind(SERVING_LOCK).execute(&mut *connection).await?;
    Ok(connection)
}

/// Proof that no `voxdesk serve` uses the database, until dropped; refused with what
/// to do while one does.
pub async fn no_server_running(pool: &PgPool, what: &str) -> anyhow::Result<sqlx::pool::PoolConnection<sqlx::Postgres>> {
    let mut connection = pool.acquire().await?;
    let alone: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)").bind(SERVING_LOCK).fetch_one(&mut *connection).await?;
    if !alone {
        anyhow::bail!(
            "a `voxdesk serve` is using this database: stop every instance before you {what} \
             (a running server keeps its keys in memory, so credentials it seals meanwhile would be lost)"
        );
    }
    Ok(connection)
}

const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(1);

/// The pool every `voxdesk` process uses: `max` connections, a 5 s wait for one (so a
/// database that is gone answers 503 soon, never a hang).
pub async fn connect(options: PgConnectOptions, max: u32) -> anyhow::Result<PgPool> {
    // Short OLTP queries: JIT compilation only ever costs time here.
    PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(5))
        // A connection is pinged before use only after a second idle (one that may
        // have died meanwhile): sqlx's default pings on every acquire, a round trip
        // more for each of a page's queries.
        .test_before_acquire(false)
        .before_acquire(|connection, meta| {
            Box::pin(async move {
                if meta.idle_for > PING_WHEN_IDLE_FOR {
                    sqlx::Connection::ping(connection).await?;
                }
                Ok(true)
            })
        })
        .connect_with(options.options([("jit", "off")]))
        .await
        .map_err(|error| anyhow::anyhow!("cannot connect to PostgreSQL: {error}"))
}

fn parse_url(url: &str, name: &str) -> anyhow::Result<PgConnectOptions> {
    PgConnectOptions::from_str(url).map_err(|_| anyhow::anyhow!("{name} is not a valid postgres:// URL"))
}

impl Database {
    /// For a command: connects to DATABASE_URL (and the owner's URL, when given), or
    /// to the private cluster — the running one when another `voxdesk` (a server) holds
    /// the data directory, which is then used as it is and never stopped; else one this
    /// process starts and stops. The private cluster's application connects as its own
    /// role, [`EMBEDDED_APP_ROLE`].
    pub async fn open(args: &DatabaseArgs) -> anyhow::Result<Self> {
        Self::open_as(args, false).await
    }

    /// For `voxdesk serve`: as [`Database::open`], but a data directory another
    /// `voxdesk` holds is refused (two servers must not share one private cluster).
    pub async fn open_to_serve(args: &DatabaseArgs) -> anyhow::Result<Self> {
        Self::open_as(args, true).await
    }

    async fn open_as(args: &DatabaseArgs, serving: bool) -> anyhow::Result<Self> {
        match &args.database_url {
            Some(url) => {
                let options = parse_url(url, "DATABASE_URL")?;
                tracing::info!(host = options.get_host(), "using the PostgreSQL server from DATABASE_URL");
                let owner = match &args.owner_database_url {
                    Some(url) => Some(connect(parse_url(url, "VOXDESK_OWNER_DATABASE_URL")?, 2).await?),
                    None => None,
                };
                Ok(Database { pool: connect(options, 16).await?, owner, embedded: None, _lock: None })
            }
            None => {
                let (cluster, lock) = match DataDirLock::take(&args.data_dir)? {
                    DataDirLock::Taken(file) => (EmbeddedPostgres::start(&args.data_dir).await?, Some(file)),
                    DataDirLock::HeldBy(pid) if serving => anyhow::bail!(
                        "another voxdesk (pid {pid}) is using {}: stop it first, or give this server its own --data-dir",
                        args.data_dir.display()
                    ),
                    DataDirLock::HeldBy(pid) => {
                        tracing::info!(%pid, "using the private PostgreSQL of the voxdesk that holds the data directory");
                        let cluster = EmbeddedPostgres::attach(&args.data_dir).await.map_err(|error| {
                            anyhow::anyhow!("voxdesk (pid {pid}) holds {} but its database cannot be reached: {error}", args.data_dir.display())
                        })?;
                        (cluster, None)
                    }
                };
                let owner = connect(cluster.connect_options(), 2).await?;
                sqlx::query(&format!(
                    "DO $$ BEGIN
                       IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{EMBEDDED_APP_ROLE}') THEN
                         CREATE ROLE {EMBEDDED_APP_ROLE} LOGIN;
                       END IF;
                     END $$"
                ))
                .execute(&owner)
                .await
                .map_err(|error| anyhow::anyhow!("cannot create the application role: {error}"))?;
                cluster
                    .set_password(&owner, EMBEDDED_APP_ROLE)
                    .await
                    .map_err(|error| anyhow::anyhow!("cannot set the application role's password: {error}"))?;
                let pool = connect(cluster.connect_options_as(EMBEDDED_APP_ROLE), 16).await?;
                Ok(Database { pool, owner: Some(owner), embedded: Some(cluster), _lock: lock })
            }
        }
    }

    /// The role that owns the tables: migrations and archival.
    pub fn owner_pool(&self) -> &PgPool {
        self.owner.as_ref().unwrap_or(&self.pool)
    }

    /// Migrations (as the owner), then the application role's privileges.
    pub async fn prepare(&self) -> anyhow::Result<()> {
        migrate(self.owner_pool()).await?;
        if let Some(owner) = &self.owner {
            let role: String = sqlx::query_scalar("SELECT current_user::text").fetch_one(&self.pool).await?;
            let owner_role: String = sqlx::query_scalar("SELECT current_user::text").fetch_one(owner).await?;
            if role != owner_role {
                grant_app_role(owner, &role).await?;
            }
        }
        Ok(())
    }

    /// Closes the pools, then stops the private cluster if Voxdesk started one.
    pub async fn close(self) {
        self.pool.close().await;
        if let Some(owner) = &self.owner {
            owner.close().await;
        }
        if let Some(cluster) = self.embedded {
            cluster.stop().await;
        }
    }
}

/// Gives `role` what the application needs and no more: every table's rows, but
/// audit events only to read and append, checkpoints only to read, and no archival.
/// Run as the tables' owner; idempotent (again after every migration).
pub async fn grant_app_role(owner: &PgPool, role: &str) -> anyhow::Result<()> {
    if role.is_empty() || !role.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        anyhow::bail!("{role:?} is not a role name Voxdesk grants to (letters, digits, _ and -)");
    }
    let role = format!("\"{role}\"");
    let statements = [
        format!("GRANT USAGE ON SCHEMA public, tower_sessions TO {role}"),
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public, tower_sessions TO {role}"),
        format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"),
        format!("REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM {role}"),
        format!("REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_checkpoints, _sqlx_migrations FROM {role}"),
        "REVOKE EXECUTE ON FUNCTION audit_archive(BIGINT) FROM PUBLIC".to_string(),
        format!("REVOKE EXECUTE ON FUNCTION audit_archive(BIGINT) FROM {role}"),
    ];
    let mut tx = owner.begin().await?;
    for statement in &statements {
        sqlx::query(statement)
            .execute(&mut *tx)
            .await
            .map_err(|error| anyhow::anyhow!("cannot set the application role's privileges: {error}"))?;
    }
    tx.commit().await?;
    Ok(())
}

/// Applies Voxdesk's migrations and creates the session store's schema.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR.run(pool).await.map_err(|error| anyhow::anyhow!("migrations failed: {error}"))?;
    PostgresStore::new(pool.clone())
        .migrate()
        .await
        .map_err(|error| anyhow::anyhow!("session store migration failed: {error}"))?;
    // Instances keep session rows in memory and must hear of every change to them
    // (migration `…_row_notifications.sql`; a TRUNCATE forgets every kept row).
    for statement in [
        "CREATE OR REPLACE TRIGGER session_rows_changed AFTER INSERT OR UPDATE OR DELETE ON tower_sessions.session
         FOR EACH ROW EXECUTE FUNCTION voxdesk_session_changed()",
        "CREATE OR REPLACE TRIGGER session_table_truncated AFTER TRUNCATE ON tower_sessions.session
         FOR EACH STATEMENT EXECUTE FUNCTION voxdesk_rows_changed('sessions')",
    ] {
        sqlx::query(statement)
            .execute(pool)
            .await
            .map_err(|error| anyhow::anyhow!("cannot watch the session table for changes: {error}"))?;
    }
    Ok(())
}
