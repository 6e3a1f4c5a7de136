//! System status: the version and whether the database answers. Shown on the
//! dashboard and served as `/healthz` for load balancers and the benchmarks.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatabaseStatus {
    pub reachable: bool,
    /// Round trip of a trivial query, when it answered.
    pub latency_ms: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemStatus {
    /// `"ok"` when every dependency answers, otherwise `"degraded"`.
    pub status: String,
    pub version: String,
    pub database: DatabaseStatus,
}

impl SystemStatus {
    pub fn is_ok(&self) -> bool {
        self.database.reachable
    }
}

#[server(endpoint = "system/status")]
pub async fn get_system_status() -> Result<SystemStatus, AppError> {
    ssr::status().await
}

#[cfg(feature = "ssr")]
pub mod actions {
    use super::GetSystemStatus;
    use crate::{access::Permission, action::Endpoint};

    pub const ENDPOINTS: &[Endpoint] = &[Endpoint::read::<GetSystemStatus>(Permission::SignedIn)];
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use std::time::{Duration, Instant};

    use sqlx::PgPool;

    use super::{DatabaseStatus, SystemStatus};
    use crate::{
        auth::ssr::{cap, require},
        error::AppError,
    };

    /// For anyone signed in (the dashboard); `/healthz` uses [`current_status`].
    pub async fn status() -> Result<SystemStatus, AppError> {
        let access = require::<cap::SignedIn>().await?;
        Ok(current_status(access.db()).await)
    }

    /// How long a health check waits for the database before calling it unreachable.
    const DATABASE_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

    pub async fn check_database(pool: &PgPool) -> DatabaseStatus {
        let started = Instant::now();
        let probe = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(pool);
        match tokio_timeout(DATABASE_CHECK_TIMEOUT, probe).await {
            Some(Ok(_)) => DatabaseStatus {
                reachable: true,
                latency_ms: Some((started.elapsed().as_secs_f64() * 1000.0 * 100.0).round() / 100.0),
            },
            Some(Err(error)) => {
                tracing::warn!(%error, "database health check failed");
                DatabaseStatus { reachable: false, latency_ms: None }
            }
            None => {
                tracing::warn!("database health check timed out");
                DatabaseStatus { reachable: false, latency_ms: None }
            }
        }
    }

    pub async fn current_status(pool: &PgPool) -> SystemStatus {
        let database = check_database(pool).await;
        SystemStatus {
            status: if database.reachable { "ok" } else { "degraded" }.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            database,
        }
    }

    async fn tokio_timeout<F: std::future::Future>(limit: Duration, future: F) -> Option<F::Output> {
        tokio::time::timeout(limit, future).await.ok()
    }
}
