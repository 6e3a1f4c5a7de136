//! The audit log: who did what to which account, when, from where, and whether it
//! worked. Written ahead of every action (an intent, then its outcome), append-only
//! and hash-chained in PostgreSQL; read by auditors and admins.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[cfg(feature = "ssr")]
pub mod actions;
mod chart;
pub mod event_page;
pub mod log_page;
#[cfg(feature = "ssr")]
pub mod reader;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod ssr;

/// How an action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Denied,
    Invalid,
    UpstreamError,
    Error,
    Unknown,
}

impl Outcome {
    pub const ALL: [Outcome; 6] =
        [Outcome::Ok, Outcome::Denied, Outcome::Invalid, Outcome::UpstreamError, Outcome::Error, Outcome::Unknown];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Invalid => "invalid",
            Outcome::UpstreamError => "upstream_error",
            Outcome::Error => "error",
            Outcome::Unknown => "unknown",
        }
    }

    pub fn parse(text: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "OK",
            Outcome::Denied => "Denied",
            Outcome::Invalid => "Invalid",
            Outcome::UpstreamError => "Voximplant error",
            Outcome::Error => "Error",
            Outcome::Unknown => "Unknown",
        }
    }
}

/// One row of the log, as the viewer and the exports show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub seq: i64,
    /// UTC, microseconds: `2026-11-27 08:09:35.123456`.
    pub occurred_at: String,
    pub kind: String,
    pub intent_seq: Option<i64>,
    pub actor_name: Option<String>,
    pub actor_role: Option<String>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub session_ref: Option<String>,
    pub connection_name: Option<String>,
    pub action: String,
    pub method: Option<String>,
    pub targets: String,
    pub params: String,
    pub changes: Option<String>,
    pub outcome: Option<String>,
    pub outcome_detail: Option<String>,
    pub latency_ms: Option<f64>,
    /// For intents: whether an outcome was recorded. `false` means the portal stopped
    /// between the two and the reconciler has not settled it yet.
    pub settled: bool,
    pub hash: String,
}

/// What the viewer filters by; every field is kept in the URL.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// `YYYY-MM-DD`, inclusive, UTC.
    pub from: Option<String>,
    pub to: Option<String>,
    pub actor: Option<String>,
    /// Matches actions starting with this (`user.` finds every user action).
    pub action: Option<String>,
    pub target: Option<String>,
    pub outcome: Option<String>,
    pub connection: Option<String>,
    pub ip: Option<String>,
}

impl AuditFilter {
    /// The filter as URL query pairs (empty fields left out).
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        [
            ("from", &self.from),
            ("to", &self.to),
            ("actor", &self.actor),
            ("action", &self.action),
            ("target", &self.target),
            ("outcome", &self.outcome),
            ("connection", &self.connection),
            ("ip", &self.ip),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_ref().filter(|v| !v.trim().is_empty()).map(|v| (name, v.trim().to_string())))
        .collect()
    }
}

/// A page of events, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub events: Vec<AuditEvent>,
    /// Pass as `before` for the next (older) page.
    pub next_before: Option<i64>,
}

/// Events per day and outcome, for the activity chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayCount {
    pub day: String,
    pub outcome: String,
    pub count: i64,
}

/// The result of recomputing the hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChainCheck {
    /// Every event checks out; keep the head hash somewhere else to detect rewrites.
    Intact { events: i64, head_seq: i64, head_hash: String },
    /// The first event that does not.
    Broken { seq: i64, reason: String },
}

#[server(endpoint = "audit/events")]
pub async fn list_events(#[server(default)] filter: AuditFilter, before: Option<i64>) -> Result<AuditPage, AppError> {
    reader::service::<reader::AuditReader>().await?.page(&filter, before).await
}

/// One event with its intent or outcome.
#[server(endpoint = "audit/event")]
pub async fn get_event(seq: i64) -> Result<(AuditEvent, Vec<AuditEvent>), AppError> {
    reader::service::<reader::AuditReader>().await?.event(seq).await
}

#[server(endpoint = "audit/activity")]
pub async fn get_activity(#[server(default)] filter: AuditFilter) -> Result<Vec<DayCount>, AppError> {
    reader::service::<reader::AuditReader>().await?.activity(&filter).await
}

/// Recomputes the hash chain now.
#[server(endpoint = "audit/verify")]
pub async fn verify_chain() -> Result<ChainCheck, AppError> {
    reader::service::<reader::AuditReader>().await?.verify().await
}
