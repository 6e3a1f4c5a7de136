//! Every child-account page, under `/children`, each loaded when first opened.

use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, ParentRoute, Route},
    path, Lazy, MatchNestedRoutes, SsrMode,
};

use super::{list_page::ChildrenPage, new_page::NewChildPage};

crate::lazy_page!(ChildrenListRoute => ChildrenPage);
crate::lazy_page!(NewChildRoute => NewChildPage);

#[component(transparent)]
pub fn ChildrenRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <ParentRoute path=path!("/children") view=Outlet ssr=SsrMode::Async>
            <Route path=path!("") view={Lazy::<ChildrenListRoute>::new()} ssr=SsrMode::Async />
            <Route path=path!("new") view={Lazy::<NewChildRoute>::new()} ssr=SsrMode::Async />
        </ParentRoute>
    }
    .into_inner()
}
