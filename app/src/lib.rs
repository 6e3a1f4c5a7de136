//! Voxdesk's Leptos application: routes, pages, components and server functions.
//! Compiled twice: with `ssr` into the server binary and with `hydrate` into the
//! browser's WASM. Server-only code sits in `#[cfg(feature = "ssr")]` modules.

pub mod error;
pub mod error_page;
pub mod layout;
pub mod pages;
pub mod system;

#[cfg(feature = "ssr")]
pub mod state;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

use crate::layout::Layout;
use crate::pages::{
    admin::AdminPage, audit::AuditPage, billing::BillingPage, children::ChildrenPage,
    dashboard::DashboardPage, not_found::NotFoundPage,
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    // Set once the WASM has taken over the page. Browser tests wait for it, because a
    // broken WASM still leaves a perfectly readable server-rendered page behind.
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));

    view! {
        <Stylesheet id="leptos" href="/pkg/voxdesk.css" />
        <Link rel="icon" href="data:," />
        <Meta name="description" content="Voxdesk: the portal for Voximplant resellers." />
        <Title formatter=|page: String| {
            if page.is_empty() { "Voxdesk".to_string() } else { format!("{page} · Voxdesk") }
        } />
        <Router>
            <div id="app" data-hydrated=move || if hydrated.get() { "true" } else { "false" }>
                <Layout>
                    <Routes fallback=|| view! { <NotFoundPage /> }>
                        <Route path=path!("/") view=DashboardPage />
                        <Route path=path!("/children") view=ChildrenPage />
                        <Route path=path!("/billing") view=BillingPage />
                        <Route path=path!("/audit") view=AuditPage />
                        <Route path=path!("/admin") view=AdminPage />
                    </Routes>
                </Layout>
            </div>
        </Router>
    }
}
