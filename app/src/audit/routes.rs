//! The audit log's pages, under `/audit`, each loaded when first opened.

use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, ParentRoute, Route},
    path, Lazy, MatchNestedRoutes, SsrMode,
};

use super::{event_page::AuditEventPage, log_page::AuditLogPage};

crate::lazy_page!(AuditLogRoute => AuditLogPage);
crate::lazy_page!(AuditEventRoute => AuditEventPage);

#[component(transparent)]
pub fn AuditRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <ParentRoute path=path!("/audit") view=Outlet ssr=SsrMode::Async>
            <Route path=path!("") view={Lazy::<AuditLogRoute>::new()} ssr=SsrMode::Async />
            <Route path=path!(":seq") view={Lazy::<AuditEventRoute>::new()} ssr=SsrMode::Async />
        </ParentRoute>
    }
    .into_inner()
}
