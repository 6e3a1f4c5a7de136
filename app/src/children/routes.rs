//! Every child-account page, under `/children`.

use super::{bulk::job_page::BulkJobPage, child_page::ChildPage, clone_page::CloneChildPage, edit_page::EditChildPage, list_page::ChildrenPage, new_page::NewChildPage};
use crate::ui::{lazy_page::PageRoute, lazy_pages};

lazy_pages! {
    ChildrenPageView => ChildrenPage,
    NewChildPageView => NewChildPage,
    BulkJobPageView => BulkJobPage,
    ChildPageView => ChildPage,
    EditChildPageView => EditChildPage,
    CloneChildPageView => CloneChildPage,
}

/// The child-account pages (`new` and `jobs/…` before `:id`, which would take them).
pub const PAGES: &[PageRoute] = &[
    PageRoute::new::<ChildrenPageView>("/children"),
    PageRoute::new::<NewChildPageView>("/children/new"),
    PageRoute::new::<BulkJobPageView>("/children/jobs/:id"),
    PageRoute::new::<ChildPageView>("/children/:id"),
    PageRoute::new::<EditChildPageView>("/children/:id/edit"),
    PageRoute::new::<CloneChildPageView>("/children/:id/clone"),
];
