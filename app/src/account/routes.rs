//! The parent account's pages, under `/account` (the dashboard, `/`, is routed by the app).

use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, ParentRoute, Route},
    path, Lazy, MatchNestedRoutes, SsrMode,
};

use super::{documents_page::DocumentsPage, profile_page::ProfilePage};
use crate::ui::lazy_pages;

lazy_pages! {
    ProfilePageView => ProfilePage,
    DocumentsPageView => DocumentsPage,
}

#[component(transparent)]
pub fn AccountRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <ParentRoute path=path!("/account") view=Outlet ssr=SsrMode::Async>
            <Route path=path!("") view={Lazy::<ProfilePageView>::new()} ssr=SsrMode::Async />
            <Route path=path!("documents") view={Lazy::<DocumentsPageView>::new()} ssr=SsrMode::Async />
        </ParentRoute>
    }
    .into_inner()
}
