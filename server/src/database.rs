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
}

async fn connect(options: PgConnectOptions, max: u32) -> anyhow::Result<PgPool> {
    // Short OLTP queries: JIT compilation only ever costs time here.
    PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options.options([("jit", "off")]))
        .await
        .map_err(|error| anyhow::anyhow!("cannot connect to PostgreSQL: {error}"))
}

fn parse_url(url: &str, name: &str) -> anyhow::Result<PgConnectOptions> {
    PgConnectOptions::from_str(url).map_err(|_| anyhow::anyhow!("{name} is not a valid postgres:// URL"))
}

impl Database {
    /// Connects to DATABASE_URL (and the owner's URL, when given), or starts the
    /// private cluster when it is unset; the private cluster's application connects
    /// as its own role, [`EMBEDDED_APP_ROLE`].
    pub async fn open(args: &DatabaseArgs) -> anyhow::Result<Self> {
        match &args.database_url {
            Some(url) => {
                let options = parse_url(url, "DATABASE_URL")?;
                tracing::info!(host = options.get_host(), "using the PostgreSQL server from DATABASE_URL");
                let owner = match &args.owner_database_url {
                    Some(url) => Some(connect(parse_url(url, "VOXDESK_OWNER_DATABASE_URL")?, 2).await?),
                    None => None,
                };
                Ok(Database { pool: connect(options, 16).await?, owner, embedded: None })
            }
            None => {
                let cluster = EmbeddedPostgres::start(&args.data_dir).await?;
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
                Ok(Database { pool, owner: Some(owner), embedded: Some(cluster) })
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
    Ok(())
}
