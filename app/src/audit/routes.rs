//! The audit log's pages, under `/audit`.

use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, ParentRoute, Route},
    path, MatchNestedRoutes, SsrMode,
};

use super::{event_page::AuditEventPage, log_page::AuditLogPage};

#[component(transparent)]
pub fn AuditRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <ParentRoute path=path!("/audit") view=Outlet ssr=SsrMode::Async>
            <Route path=path!("") view=AuditLogPage ssr=SsrMode::Async />
            <Route path=path!(":seq") view=AuditEventPage ssr=SsrMode::Async />
        </ParentRoute>
    }
    .into_inner()
}
