//! Writing, reading and verifying the audit log, one job per file.
//!
//! Write-ahead: an action first commits an *intent*; only then is it performed;
//! afterwards its *outcome* is committed, linked to the intent. If the intent cannot
//! be written the action is refused. If the portal dies in between, the intent stays
//! unsettled until the reconciler settles it.
//!
//! Tamper evidence: events get gapless sequence numbers under one lock, and each
//! stores `hash = SHA-256(canonical encoding of its fields ‖ prev_hash)`.

mod archive;
mod chain;
#[cfg(test)]
mod chain_properties;
mod context;
mod instance;
mod perform;
mod query;
mod reconcile;
#[cfg(feature = "bench")]
mod synthetic;
mod write;

pub use archive::{archive, Archived, ARCHIVE};
#[doc(hidden)]
pub use chain::fuzzing;
pub use chain::{current_head, genesis_hex, stored_hash, verify, verify_file, FileCheck, Row as StoredEvent, StoredHash, COLUMNS};
pub use context::{session_reference, AuditContext};
pub use query::{activity, event, export_stream, page, Exported, PAGE_SIZE};
pub use instance::{heartbeat, pid_running, this_instance, Instance, HEARTBEAT_STALE_SECONDS};
pub use reconcile::{found, read_back, reconcile, Sweep, STUCK_SECONDS};
#[cfg(feature = "bench")]
pub use synthetic::generate_synthetic;
pub use perform::{audited, audited_with_fact, outcome_of, Performed};
pub use write::{append, record, redact, NewEvent};

use crate::error::AppError;

/// The audit log's own failures name it, not "the database".
fn unavailable(error: sqlx::Error) -> AppError {
    AppError::unavailable("The audit log", error)
}
