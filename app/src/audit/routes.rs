//! The audit log's pages, under `/audit`.

use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, ParentRoute, Route},
    path, Lazy, MatchNestedRoutes, SsrMode,
};

use super::{event_page::AuditEventPage, log_page::AuditLogPage};
use crate::ui::lazy_pages;

lazy_pages! {
    AuditLogPageView => AuditLogPage,
    AuditEventPageView => AuditEventPage,
}

#[component(transparent)]
pub fn AuditRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <ParentRoute path=path!("/audit") view=Outlet ssr=SsrMode::Async>
            <Route path=path!("") view={Lazy::<AuditLogPageView>::new()} ssr=SsrMode::Async />
            <Route path=path!(":seq") view={Lazy::<AuditEventPageView>::new()} ssr=SsrMode::Async />
        </ParentRoute>
    }
    .into_inner()
}
