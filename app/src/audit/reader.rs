//! What auditors and admins may do with the log: read it and check its chain. (The
//! log itself, in `ssr`, knows nothing of users; this is the viewer's service.)

pub(crate) use crate::auth::ssr::service;

use serde_json::json;

use super::{
    actions,
    ssr::{activity, event, page, record, verify, NewEvent},
    AuditEvent, AuditFilter, AuditPage, ChainCheck, DayCount, Outcome,
};
use crate::{
    auth::ssr::{cap, Authorized, Service},
    error::AppError,
};

pub struct AuditReader(Authorized<cap::ViewAudit>);

impl Service for AuditReader {
    type Capability = cap::ViewAudit;
    fn grant(access: Authorized<cap::ViewAudit>) -> Self {
        AuditReader(access)
    }
}

impl AuditReader {
    pub async fn page(&self, filter: &AuditFilter, before: Option<i64>) -> Result<AuditPage, AppError> {
        page(self.0.db(), filter, before).await
    }

    pub async fn event(&self, seq: i64) -> Result<(AuditEvent, Vec<AuditEvent>), AppError> {
        event(self.0.db(), seq).await
    }

    pub async fn activity(&self, filter: &AuditFilter) -> Result<Vec<DayCount>, AppError> {
        activity(self.0.db(), filter).await
    }

    /// Recomputes the chain; the check itself is on record with its result.
    pub async fn verify(&self) -> Result<ChainCheck, AppError> {
        let result = verify(self.0.db()).await?;
        let outcome = if matches!(result, ChainCheck::Intact { .. }) { Outcome::Ok } else { Outcome::Error };
        let event = NewEvent::fact(actions::VERIFY, json!([]), json!({}), outcome)
            .with_detail(serde_json::to_value(&result).unwrap_or_default());
        record(self.0.db(), &self.0.audit_context().await, event).await;
        Ok(result)
    }
}
