#![recursion_limit = "256"]
//! Voxdesk's Leptos application: routes, pages, components and server functions.
//! Compiled twice: with `ssr` into the server binary and with `hydrate` into the
//! browser's WASM. Server-only code sits in `#[cfg(feature = "ssr")]` modules.

// Layers, each importing only those above it in this list: shared types, then the
// server's infrastructure, then identity and the audit log, then the features, then
// the frame that holds the pages together.
pub mod access;
pub mod error;
pub mod csv;
#[cfg(feature = "ssr")]
pub mod private_file;
#[cfg(feature = "ssr")]
pub mod vault;
#[cfg(feature = "ssr")]
pub mod backend;
#[cfg(feature = "ssr")]
pub mod request;
#[cfg(feature = "ssr")]
pub mod action;
pub mod submission;
#[cfg(feature = "ssr")]
pub mod read_cache;
#[cfg(feature = "ssr")]
pub mod row_cache;
#[cfg(feature = "ssr")]
pub mod refusals;
pub mod ui;
pub mod audit;
pub mod auth;
pub mod system;
pub mod users;
pub mod connections;
pub mod children;
pub mod account;
pub mod billing;
pub mod me;
pub mod pages;
pub mod frame;
#[cfg(feature = "ssr")]
pub mod registry;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

use crate::{
    account::dashboard_page::DashboardPage,
    auth::components::{LoginPage, SecondStepPage, SetupPage},
    frame::{provide_auth, Layout},
    me::page::MyAccountPage,
    pages::admin::AdminPage,
    ui::{lazy_page::{PageRoute, PageTable, Pages}, lazy_pages, provide_toasts, ToastRegion},
};

// Every page but "not found" is its own piece of WASM, fetched when first opened.
lazy_pages! {
    DashboardPageView => DashboardPage,
    LoginPageView => LoginPage,
    SecondStepPageView => SecondStepPage,
    SetupPageView => SetupPage,
    AdminPageView => AdminPage,
    MyAccountPageView => MyAccountPage,
}

const APP_PAGES: &[PageRoute] = &[
    PageRoute::new::<DashboardPageView>("/"),
    PageRoute::new::<LoginPageView>("/login"),
    PageRoute::new::<SecondStepPageView>("/login/two-step"),
    PageRoute::new::<SetupPageView>("/setup"),
    PageRoute::new::<AdminPageView>("/admin"),
    PageRoute::new::<MyAccountPageView>("/me"),
];

/// Every page, by feature (each feature's `routes.rs` lists its own).
pub const PAGES: PageTable = &[
    APP_PAGES,
    children::routes::PAGES,
    account::routes::PAGES,
    billing::routes::PAGES,
    audit::routes::PAGES,
];

/// Every page. Rendered in `Async` mode: the server waits for the user before it
/// answers, so a guarded page can still answer with a redirect or a 403.
#[component]
fn AppRoutes() -> impl IntoView {
    provide_auth();
    provide_toasts();
    // `data-hydrated` turns "true" once the WASM has taken over the page, its lazily
    // loaded page included (set by the `frontend` entry point). Browser tests wait for
    // it, because a broken WASM still leaves a perfectly readable server-rendered page.
    //
    // `<Routes>` only tells the server which paths are pages and how to render them
    // (every path: an unknown one gets the "not found" page and a 404); `Pages` picks
    // the page (see `ui::lazy_page`).
    view! {
        <div id="app" data-hydrated="false">
            <Layout>
                <Routes fallback=|| ()>
                    <Route path=path!("/") view=|| () ssr=SsrMode::Async />
                    <Route path=path!("/*any") view=|| () ssr=SsrMode::Async />
                </Routes>
                <Pages table=PAGES />
            </Layout>
            <ToastRegion />
        </div>
    }
}

/// Loads what the open page needs before it is hydrated: its own piece and, when
/// someone is signed in, the navigation's (see `ui::lazy_page::load_page_at`).
#[cfg(feature = "hydrate")]
pub async fn load_pieces_of_this_page() {
    let document = leptos::prelude::document();
    let path = document.location().and_then(|location| location.pathname().ok()).unwrap_or_default();
    let signed_in = document.query_selector(".primary-nav").ok().flatten().is_some();
    let page = ui::lazy_page::load_page_at(PAGES, &path);
    if signed_in {
        futures::future::join(page, frame::layout::load_navigation_piece()).await;
    } else {
        page.await;
    }
}

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        set_content_security_policy();
        // Leptos would list the open page's WASM pieces as `<link rel="preload">`s in
        // the head, but it looks them up after rendering from whichever reactive owner
        // happens to be current then, so 4 responses in 10 carried them (60 to 285
        // links, up to 38 KB) and the rest none. An empty list of its own, provided
        // here at the root, makes every response carry none: the pieces load as the page
        // hydrates, in parallel. Measured in Chromium, a first visit to /login without
        // the links took ~5% longer (574 -> 644 ms on loopback, 1,184 -> 1,226 ms at
        // 40 ms latency), while writing them took ~15% of the server's CPU for a list
        // page that carried them (perf, under wrk).
        provide_context(leptos::PrefetchLazyFn::default());
    }
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                {watching().then(|| view! { <AutoReload options=options.clone() /> })}
                <HydrationScripts root=asset_root(&options) options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// `cargo leptos watch` is serving (it sets `LEPTOS_WATCH`): pages carry the
/// reload script. Read once; `AutoReload` reads the environment on every page.
#[cfg(feature = "ssr")]
fn watching() -> bool {
    static WATCHING: std::sync::LazyLock<bool> = std::sync::LazyLock::new(|| std::env::var_os("LEPTOS_WATCH").is_some());
    *WATCHING
}

#[cfg(not(feature = "ssr"))]
fn watching() -> bool {
    false
}

/// Where this build's scripts and WASM pieces are served from: `/assets/<hash of
/// their bytes>` (the pieces load one another by relative URL, so they all follow).
/// Under it they are cached for good (`immutable`), and a returning user's browser
/// fetches none of a page's pieces again (the dashboard needs ~200, each a request
/// that only answered "not modified" before); a new build has a new path, so a
/// browser never mixes pieces of two builds. The stylesheet stays at `/pkg/`: the
/// browser renders it too, and knows no hash.
#[cfg(feature = "ssr")]
pub fn asset_root(options: &LeptosOptions) -> String {
    static ROOT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let root = ROOT.get_or_init(|| {
        use sha2::Digest;
        let dir = std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
        let mut files: Vec<_> = std::fs::read_dir(&dir).into_iter().flatten().flatten().map(|entry| entry.path()).collect();
        files.sort();
        let mut hash = sha2::Sha256::new();
        for file in files {
            hash.update(file.file_name().unwrap_or_default().as_encoded_bytes());
            hash.update(std::fs::read(&file).unwrap_or_default());
        }
        format!("/assets/{}", &hex::encode(hash.finalize())[..16])
    });
    root.clone()
}

#[cfg(not(feature = "ssr"))]
fn asset_root(_: &LeptosOptions) -> String {
    String::new()
}

/// The page's Content-Security-Policy: scripts only from here and with this
/// response's nonce (Leptos stamps it on its hydration scripts), WebAssembly allowed
/// to compile, nothing else inline, no framing.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    use leptos::nonce::use_nonce;
    let (Some(nonce), Some(response)) = (use_nonce(), use_context::<leptos_axum::ResponseOptions>()) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="leptos" href="/pkg/voxdesk.css" />
        <Link rel="icon" href="data:," />
        <Meta name="description" content="Voxdesk: the portal for Voximplant resellers." />
        <Title formatter=|page: String| {
            if page.is_empty() { "Voxdesk".to_string() } else { format!("{page} · Voxdesk") }
        } />
        <Router>
            <AppRoutes />
        </Router>
    }
}
