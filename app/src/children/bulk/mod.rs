//! Changes to many child accounts at once: activate, deactivate, or notification
//! settings for a selection (ids picked on the list, or every match of its filter).
//! The job runs on the server in chunks of SetChildAccountInfo id lists and keeps its
//! progress in PostgreSQL; the browser only watches it.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{changes::NotificationChanges, query::ChildQuery};
use crate::error::AppError;

pub mod job_page;
pub mod selection;
#[cfg(feature = "ssr")]
pub mod ssr;

/// Accounts per SetChildAccountInfo call: one call per chunk, its ids as a list.
/// 100 ids keep a request small (about 1 KB) and a failure's reach narrow; 1,000
/// accounts are 10 calls, well inside any connection's rate limit.
pub const CHUNK_SIZE: usize = 100;
/// Most accounts one job may change (a bound on what one click can cost).
pub const MAX_ACCOUNTS: u64 = 20_000;
/// Most ids a selection may list by hand (beyond that, select by filter).
pub const MAX_LISTED_IDS: usize = 1_000;

/// What a job does to each account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkAction {
    Activate,
    Deactivate,
    Notifications,
}

impl BulkAction {
    pub fn as_str(self) -> &'static str {
        match self {
            BulkAction::Activate => "activate",
            BulkAction::Deactivate => "deactivate",
            BulkAction::Notifications => "notifications",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [BulkAction::Activate, BulkAction::Deactivate, BulkAction::Notifications].into_iter().find(|a| a.as_str() == text)
    }

    /// "Deactivated", for the heading of a job that finished.
    pub fn done(self) -> &'static str {
        match self {
            BulkAction::Activate => "Activated",
            BulkAction::Deactivate => "Deactivated",
            BulkAction::Notifications => "Changed notification settings of",
        }
    }

    /// "Deactivating", for the progress heading.
    pub fn doing(self) -> &'static str {
        match self {
            BulkAction::Activate => "Activating",
            BulkAction::Deactivate => "Deactivating",
            BulkAction::Notifications => "Changing notification settings of",
        }
    }
}

/// Which accounts: the ids picked, or (with `every_match`) every child the list's
/// query `filter` matches, looked up page by page when the job starts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkSelection {
    #[serde(default)]
    pub ids: Vec<u64>,
    #[serde(default)]
    pub every_match: bool,
    /// The list's URL query (`status=active&q=acme`; empty: every child).
    #[serde(default)]
    pub filter: String,
}

impl BulkSelection {
    pub fn picked(ids: Vec<u64>) -> Self {
        BulkSelection { ids, ..Default::default() }
    }

    pub fn every_match(filter: String) -> Self {
        BulkSelection { ids: Vec::new(), every_match: true, filter }
    }

    /// The list query behind an "every match" selection.
    pub fn query(&self) -> Option<ChildQuery> {
        if !self.every_match {
            return None;
        }
        let pairs: Vec<(String, String)> = self
            .filter
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_string(), crate::ui::url_decode(v)))
            .collect();
        Some(ChildQuery::from_pairs(|name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())))
    }

    pub fn check(&self) -> Result<(), AppError> {
        match self.query() {
            Some(query) => query.search().map(|_| ()),
            None if self.ids.is_empty() => Err(AppError::invalid("selection", "Select at least one child account.")),
            None if self.ids.len() > MAX_LISTED_IDS => Err(AppError::invalid(
                "selection",
                format!("Select at most {MAX_LISTED_IDS} accounts by hand; for more, select every match of a filter."),
            )),
            None => Ok(()),
        }
    }
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobState {
    Resolving,
    Running,
    Cancelling,
    Cancelled,
    Done,
    Interrupted,
}

impl JobState {
    pub fn parse(text: &str) -> Self {
        match text {
            "resolving" => JobState::Resolving,
            "running" => JobState::Running,
            "cancelling" => JobState::Cancelling,
            "cancelled" => JobState::Cancelled,
            "done" => JobState::Done,
            _ => JobState::Interrupted,
        }
    }

    /// Still working (worth watching).
    pub fn is_open(self) -> bool {
        matches!(self, JobState::Resolving | JobState::Running | JobState::Cancelling)
    }

    pub fn label(self) -> &'static str {
        match self {
            JobState::Resolving => "Finding the accounts",
            JobState::Running => "Running",
            JobState::Cancelling => "Stopping after this chunk",
            JobState::Cancelled => "Cancelled",
            JobState::Done => "Finished",
            JobState::Interrupted => "Interrupted",
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            JobState::Resolving | JobState::Running | JobState::Cancelling => "badge badge-muted",
            JobState::Done => "badge badge-ok",
            JobState::Cancelled => "badge badge-warn",
            JobState::Interrupted => "badge badge-bad",
        }
    }
}

/// One account the job could not change, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedAccount {
    pub id: u64,
    pub reason: String,
}

/// A job as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkJob {
    pub id: String,
    pub action: BulkAction,
    /// What each account gets, in words: "active: off", "news notifications: on".
    pub changes: Vec<String>,
    /// The notification switches a retry sends again.
    pub notifications: NotificationChanges,
    pub filter: Option<String>,
    pub state: JobState,
    pub total: u64,
    pub processed: u64,
    pub failed: Vec<FailedAccount>,
    pub chunk_size: u64,
    pub calls: u64,
    pub started_by: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub message: Option<String>,
    /// The viewer may cancel it (theirs, or they are an admin) while it runs.
    pub may_cancel: bool,
}

impl BulkJob {
    pub fn succeeded(&self) -> u64 {
        self.processed.saturating_sub(self.failed.len() as u64)
    }

    /// "Deactivating 1,000 child accounts" (or "Deactivated …" once done).
    pub fn heading(&self) -> String {
        let verb = if self.state == JobState::Done { self.action.done() } else { self.action.doing() };
        match (self.state, self.total) {
            (JobState::Resolving, _) => format!("{verb} every matching child account"),
            (_, 1) => format!("{verb} 1 child account"),
            (_, total) => format!("{verb} {} child accounts", crate::ui::group_thousands(total)),
        }
    }
}

/// Activates the selected child accounts, in chunks; answers the job's id.
#[server(endpoint = "children/bulk/activate")]
pub async fn bulk_activate(selection: BulkSelection) -> Result<String, AppError> {
    ssr::start_activation(selection, true).await
}

/// Deactivates the selected child accounts, in chunks; answers the job's id.
#[server(endpoint = "children/bulk/deactivate")]
pub async fn bulk_deactivate(selection: BulkSelection) -> Result<String, AppError> {
    ssr::start_activation(selection, false).await
}

/// Sets the notification switches given (and only those) on the selected accounts.
#[server(endpoint = "children/bulk/notifications")]
pub async fn bulk_notifications(
    selection: BulkSelection,
    #[server(default)] notifications: NotificationChanges,
) -> Result<String, AppError> {
    ssr::start_notifications(selection, notifications).await
}

/// A job's progress and results.
#[server(endpoint = "children/bulk/job")]
pub async fn get_bulk_job(id: String) -> Result<BulkJob, AppError> {
    ssr::job(id).await
}

/// The viewer's five latest bulk changes, newest first (to find one again).
#[server(endpoint = "children/bulk/recent")]
pub async fn recent_bulk_jobs() -> Result<Vec<BulkJob>, AppError> {
    ssr::recent().await
}

/// Stops a job between two chunks (what was done stays done).
#[server(endpoint = "children/bulk/cancel")]
pub async fn cancel_bulk_job(id: String) -> Result<BulkJob, AppError> {
    ssr::cancel(id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_selection_is_ids_or_a_filter_within_bounds() {
        assert!(BulkSelection::default().check().is_err());
        assert!(BulkSelection::picked(vec![1, 2]).check().is_ok());
        let many = BulkSelection::picked((0..=MAX_LISTED_IDS as u64).collect());
        assert!(many.check().unwrap_err().for_field("selection").unwrap().contains("every match"));
        assert_eq!(BulkSelection::every_match(String::new()).query(), Some(ChildQuery::default()));
        let filter = BulkSelection::every_match("status=inactive&q=acme%20corp&sort=email".into());
        let query = filter.query().unwrap();
        assert_eq!((query.active, query.search.as_str()), (Some(false), "acme corp"));
        assert!(filter.check().is_ok());
    }
}
