//! The parent account's pages, under `/account` (the dashboard, `/`, is routed by the app).

use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, ParentRoute, Route},
    path, MatchNestedRoutes, SsrMode,
};

use super::{documents_page::DocumentsPage, profile_page::ProfilePage};

#[component(transparent)]
pub fn AccountRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <ParentRoute path=path!("/account") view=Outlet ssr=SsrMode::Async>
            <Route path=path!("") view=ProfilePage ssr=SsrMode::Async />
            <Route path=path!("documents") view=DocumentsPage ssr=SsrMode::Async />
        </ParentRoute>
    }
    .into_inner()
}
