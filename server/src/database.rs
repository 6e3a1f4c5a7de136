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

/// The database in use, and the private cluster behind it when there is one.
pub struct Database {
    pub pool: PgPool,
    pub embedded: Option<EmbeddedPostgres>,
}

impl Database {
    /// Connects to DATABASE_URL, or starts the private cluster when it is unset.
    pub async fn open(args: &DatabaseArgs) -> anyhow::Result<Self> {
        let (options, embedded) = match &args.database_url {
            Some(url) => {
                let options = PgConnectOptions::from_str(url)
                    .map_err(|_| anyhow::anyhow!("DATABASE_URL is not a valid postgres:// URL"))?;
                tracing::info!(host = options.get_host(), "using the PostgreSQL server from DATABASE_URL");
                (options, None)
            }
            None => {
                let cluster = EmbeddedPostgres::start(&args.data_dir).await?;
                (cluster.connect_options(), Some(cluster))
            }
        };
        // Short OLTP queries: JIT compilation only ever costs time here.
        let options = options.options([("jit", "off")]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(|error| anyhow::anyhow!("cannot connect to PostgreSQL: {error}"))?;
        Ok(Database { pool, embedded })
    }

    /// Closes the pool, then stops the private cluster if Voxdesk started one.
    pub async fn close(self) {
        self.pool.close().await;
        if let Some(cluster) = self.embedded {
            cluster.stop().await;
        }
    }
}

/// Applies Voxdesk's migrations and creates the session store's schema.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR.run(pool).await.map_err(|error| anyhow::anyhow!("migrations failed: {error}"))?;
    PostgresStore::new(pool.clone())
        .migrate()
        .await
        .map_err(|error| anyhow::anyhow!("session store migration failed: {error}"))?;
    Ok(())
}
