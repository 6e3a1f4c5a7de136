//! The audit log's pages, under `/audit`.

use super::{event_page::AuditEventPage, log_page::AuditLogPage};
use crate::ui::{lazy_page::PageRoute, lazy_pages};

lazy_pages! {
    AuditLogPageView => AuditLogPage,
    AuditEventPageView => AuditEventPage,
}

/// The audit log's pages.
pub const PAGES: &[PageRoute] = &[
    PageRoute::new::<AuditLogPageView>("/audit"),
    PageRoute::new::<AuditEventPageView>("/audit/:seq"),
];
