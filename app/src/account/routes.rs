//! The parent account's pages, under `/account` (the dashboard, `/`, is routed by the app).

use super::{documents_page::DocumentsPage, profile_page::ProfilePage};
use crate::ui::{lazy_page::PageRoute, lazy_pages};

lazy_pages! {
    ProfilePageView => ProfilePage,
    DocumentsPageView => DocumentsPage,
}

/// The parent account's pages.
pub const PAGES: &[PageRoute] = &[
    PageRoute::new::<ProfilePageView>("/account"),
    PageRoute::new::<DocumentsPageView>("/account/documents"),
];
