//! Every child-account page, under `/children`.

use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, ParentRoute, Route},
    path, MatchNestedRoutes, SsrMode,
};

use super::{bulk::job_page::BulkJobPage, child_page::ChildPage, clone_page::CloneChildPage, edit_page::EditChildPage, list_page::ChildrenPage, new_page::NewChildPage};

#[component(transparent)]
pub fn ChildrenRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <ParentRoute path=path!("/children") view=Outlet ssr=SsrMode::Async>
            <Route path=path!("") view=ChildrenPage ssr=SsrMode::Async />
            <Route path=path!("new") view=NewChildPage ssr=SsrMode::Async />
            <Route path=path!("jobs/:id") view=BulkJobPage ssr=SsrMode::Async />
            <Route path=path!(":id") view=ChildPage ssr=SsrMode::Async />
            <Route path=path!(":id/edit") view=EditChildPage ssr=SsrMode::Async />
            <Route path=path!(":id/clone") view=CloneChildPage ssr=SsrMode::Async />
        </ParentRoute>
    }
    .into_inner()
}
