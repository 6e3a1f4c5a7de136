//! This process as a writer of audit intents: an id, where it runs and its pid, so
//! that the reconciler of another instance can tell an action in flight from one
//! whose process is gone.

use std::sync::OnceLock;

use sqlx::PgConnection;
use uuid::Uuid;

use super::unavailable;
use crate::error::AppError;

/// How long without a heartbeat before an instance on another host counts as gone.
pub const HEARTBEAT_STALE_SECONDS: i64 = 90;

#[derive(Debug, Clone)]
pub struct Instance {
    pub id: Uuid,
    pub host: String,
    pub pid: i32,
}

/// This process.
pub fn this_instance() -> &'static Instance {
    static THIS: OnceLock<Instance> = OnceLock::new();
    THIS.get_or_init(|| Instance { id: Uuid::new_v4(), host: host_key(), pid: std::process::id() as i32 })
}

/// "hostname/boot id": two processes with this key share a process table (a pid seen
/// from one is the same process seen from the other).
fn host_key() -> String {
    let read = |path: &str| std::fs::read_to_string(path).map(|text| text.trim().to_string()).unwrap_or_default();
    format!("{}/{}", read("/proc/sys/kernel/hostname"), read("/proc/sys/kernel/random/boot_id"))
}

/// Whether process `pid` exists on this host.
pub fn pid_running(pid: i32) -> bool {
    pid > 0 && std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Records (or refreshes) this process in `portal_instances`.
pub(super) async fn heartbeat_on(connection: &mut PgConnection) -> Result<(), AppError> {
    with_this_instance(
        connection,
        "INSERT INTO portal_instances (id, host, pid) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()",
    )
    .await
}

/// Runs `statement` with this process's id, host and pid as `$1`, `$2`, `$3`.
async fn with_this_instance(connection: &mut PgConnection, statement: &'static str) -> Result<(), AppError> {
    let this = this_instance();
    sqlx::query(statement).bind(this.id).bind(&this.host).bind(this.pid).execute(connection).await.map_err(unavailable)?;
    Ok(())
}

/// The server's heartbeat (every few seconds): this instance is alive.
pub async fn heartbeat(pool: &sqlx::PgPool) -> Result<(), AppError> {
    let mut connection = pool.acquire().await.map_err(unavailable)?;
    heartbeat_on(&mut connection).await
}

/// Who wrote an open intent, as the reconciler sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Owner {
    pub id: Uuid,
    pub host: String,
    pub pid: i32,
    /// No heartbeat for [`HEARTBEAT_STALE_SECONDS`].
    pub stale: bool,
}

impl Owner {
    /// Whether the process that wrote the intent is gone: on this host its pid is
    /// looked up; elsewhere its heartbeat must have stopped. This process is never gone.
    pub fn gone(&self) -> bool {
        let this = this_instance();
        if self.id == this.id {
            false
        } else if self.host == this.host {
            !pid_running(self.pid)
        } else {
            self.stale
        }
    }
}
