//! The parent account: the dashboard (`/`), its profile (`/account`) and the
//! verification documents of it and its children (`/account/documents`). Reads come
//! from GetAccountInfo, GetChildrenAccounts and GetAccountDocuments with the selected
//! connection's credentials; the one change, SetAccountInfo, is write-ahead audited.

use leptos::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{children::model::VerificationView, error::AppError};

#[cfg(feature = "ssr")]
pub mod actions;
pub mod dashboard_page;
pub mod documents_page;
pub mod fields;
pub mod profile;
pub mod profile_page;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod ssr;

use profile::{Profile, ProfileChanges};

/// The dashboard's first tile: money and state of the parent account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountSummary {
    pub account_id: u64,
    pub account_name: String,
    /// The connection it was read with (the activity tile filters by it).
    pub connection_name: String,
    pub balance: Option<Decimal>,
    pub credit_limit: Option<Decimal>,
    pub currency: Option<String>,
    pub min_balance_to_notify: Option<Decimal>,
    pub active: bool,
    pub frozen: bool,
    /// The parent's own verifications; `Err` says why they could not be read.
    pub verifications: Result<Vec<VerificationView>, String>,
    /// `14:22:05 UTC`.
    pub fetched_at: String,
}

impl AccountSummary {
    /// Below the threshold Voximplant warns at (and the portal with it).
    pub fn is_low(&self) -> bool {
        matches!((self.balance, self.min_balance_to_notify), (Some(balance), Some(min)) if balance < min)
    }
}

/// One child with its balance, for "lowest balances".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildBalance {
    pub account_id: u64,
    pub account_name: String,
    pub balance: Option<Decimal>,
    pub currency: Option<String>,
    pub active: bool,
    pub frozen: bool,
}

/// The children tile: counts from `total_count` with filters, never a full fetch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildrenSummary {
    pub total: u64,
    pub active: u64,
    pub inactive: u64,
    pub frozen: u64,
    /// The five lowest balances among the first `ranked` children by name.
    pub lowest: Vec<ChildBalance>,
    pub ranked: u64,
    pub compared: BalanceComparison,
    pub fetched_at: String,
}

/// How "lowest balances" compared children's balances; the tile says so when it matters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum BalanceComparison {
    /// One currency (or none): amounts compare as they are.
    #[default]
    OneCurrency,
    /// Several currencies: each balance's value in USD at today's GetCurrencyRate.
    InUsdAtTodaysRates,
    /// Several currencies, but the rates could not be read: by amount, which is wrong
    /// across currencies (ranking must not fail the dashboard).
    ByAmountWithoutRates,
}

/// How many children "lowest balances" ranks at most (one GetChildrenAccounts page).
pub const RANKED_CHILDREN: u64 = 1_000;

/// The documents page's filters; every field is kept in the URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentFilter {
    /// Any of `REQUIRED`, `IN_PROGRESS`, `VERIFIED`; empty: all.
    #[serde(default)]
    pub statuses: Vec<String>,
    /// `YYYY-MM-DD`, inclusive.
    #[serde(default)]
    pub hold_from: Option<String>,
    #[serde(default)]
    pub hold_to: Option<String>,
    #[serde(default)]
    pub offset: u64,
}

pub const FILTERABLE_STATUSES: &[&str] = &["REQUIRED", "IN_PROGRESS", "VERIFIED"];

/// Children's verifications shown per page.
pub const DOCUMENTS_PAGE: u64 = 50;

impl DocumentFilter {
    /// Problems per field, in words: the same check in the browser and on the server.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        for status in &self.statuses {
            if !FILTERABLE_STATUSES.contains(&status.as_str()) {
                problems.push(("statuses".into(), format!("{status} is not a status to filter by.")));
            }
        }
        let date = |field: &str, text: &Option<String>, problems: &mut Vec<(String, String)>| {
            let text = text.as_deref().map(str::trim).filter(|t| !t.is_empty())?;
            match chrono_free_date(text) {
                Some(date) => Some(date),
                None => {
                    problems.push((field.to_string(), "Enter a date as YYYY-MM-DD.".to_string()));
                    None
                }
            }
        };
        let from = date("hold_from", &self.hold_from, &mut problems);
        let to = date("hold_to", &self.hold_to, &mut problems);
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                problems.push(("hold_to".into(), "The end of the range must not be before its start.".into()));
            }
        }
        problems
    }

    /// The filter as URL query pairs (empty ones left out).
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs: Vec<(&'static str, String)> = self.statuses.iter().map(|s| ("status", s.clone())).collect();
        for (name, value) in [("hold_from", &self.hold_from), ("hold_to", &self.hold_to)] {
            if let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                pairs.push((name, value.to_string()));
            }
        }
        if self.offset > 0 {
            pairs.push(("offset", self.offset.to_string()));
        }
        pairs
    }
}

/// `YYYY-MM-DD` as (year, month, day), checked without a date library in the WASM.
fn chrono_free_date(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.splitn(3, '-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let (year, month, day): (u32, u32, u32) = (year.parse().ok()?, month.parse().ok()?, day.parse().ok()?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days).contains(&day).then_some((year, month, day))
}

/// One child's verification on the documents page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildVerification {
    pub account_id: u64,
    /// `None` when the child's name could not be read (it still links by id).
    pub account_name: Option<String>,
    pub verification: VerificationView,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Documents {
    /// The parent's own verifications.
    pub own: Vec<VerificationView>,
    /// One page of the children's, and how many match in all.
    pub children: Vec<ChildVerification>,
    pub total: u64,
    pub offset: u64,
    pub fetched_at: String,
}

/// Balance, limits, state and verification of the parent account. `fresh` skips the
/// few seconds' cache (the refresh button).
#[server(endpoint = "account/summary")]
pub async fn get_account_summary(#[server(default)] fresh: bool) -> Result<AccountSummary, AppError> {
    ssr::service::<ssr::AccountReader>().await?.summary(fresh).await
}

/// How many children are active, inactive and frozen, and the lowest balances.
#[server(endpoint = "account/children")]
pub async fn get_children_summary(#[server(default)] fresh: bool) -> Result<ChildrenSummary, AppError> {
    ssr::service::<ssr::AccountReader>().await?.children(fresh).await
}

/// The parent account's profile (secrets left out).
#[server(endpoint = "account/profile")]
pub async fn get_profile() -> Result<Profile, AppError> {
    ssr::service::<ssr::AccountReader>().await?.profile().await
}

/// Edits the parent account (SetAccountInfo): only the fields that differ are sent.
#[server(endpoint = "account/update")]
pub async fn update_profile(#[server(default)] changes: ProfileChanges) -> Result<Profile, AppError> {
    ssr::service::<ssr::AccountEditor>().await?.update(changes).await
}

/// The parent's verification and a page of its children's.
#[server(endpoint = "account/documents")]
pub async fn get_documents(#[server(default)] filter: DocumentFilter) -> Result<Documents, AppError> {
    ssr::service::<ssr::AccountReader>().await?.documents(filter).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_filters_are_checked_per_field() {
        let good = DocumentFilter { statuses: vec!["REQUIRED".into()], hold_from: Some("2026-01-01".into()), hold_to: Some("2026-12-31".into()), offset: 0 };
        assert!(good.problems().is_empty());
        let bad = DocumentFilter {
            statuses: vec!["NOT_REQUIRED".into()],
            hold_from: Some("2026-02-30".into()),
            hold_to: Some("soon".into()),
            offset: 0,
        };
        let fields: Vec<String> = bad.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["statuses", "hold_from", "hold_to"]);
        let backwards = DocumentFilter { hold_from: Some("2026-05-01".into()), hold_to: Some("2026-04-30".into()), ..Default::default() };
        assert_eq!(backwards.problems()[0].0, "hold_to");
    }
}
