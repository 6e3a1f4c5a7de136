//! Every child-account page, under `/children`.

use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, ParentRoute, Route},
    path, Lazy, MatchNestedRoutes, SsrMode,
};

use super::{bulk::job_page::BulkJobPage, child_page::ChildPage, clone_page::CloneChildPage, edit_page::EditChildPage, list_page::ChildrenPage, new_page::NewChildPage};
use crate::ui::lazy_pages;

lazy_pages! {
    ChildrenPageView => ChildrenPage,
    NewChildPageView => NewChildPage,
    BulkJobPageView => BulkJobPage,
    ChildPageView => ChildPage,
    EditChildPageView => EditChildPage,
    CloneChildPageView => CloneChildPage,
}

#[component(transparent)]
pub fn ChildrenRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <ParentRoute path=path!("/children") view=Outlet ssr=SsrMode::Async>
            <Route path=path!("") view={Lazy::<ChildrenPageView>::new()} ssr=SsrMode::Async />
            <Route path=path!("new") view={Lazy::<NewChildPageView>::new()} ssr=SsrMode::Async />
            <Route path=path!("jobs/:id") view={Lazy::<BulkJobPageView>::new()} ssr=SsrMode::Async />
            <Route path=path!(":id") view={Lazy::<ChildPageView>::new()} ssr=SsrMode::Async />
            <Route path=path!(":id/edit") view={Lazy::<EditChildPageView>::new()} ssr=SsrMode::Async />
            <Route path=path!(":id/clone") view={Lazy::<CloneChildPageView>::new()} ssr=SsrMode::Async />
        </ParentRoute>
    }
    .into_inner()
}
