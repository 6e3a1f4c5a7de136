//! Pages the browser downloads only when they are opened, and the one route that
//! chooses among them.
//!
//! `cargo leptos build --split` cuts the WASM at every `#[lazy]` function; a page
//! declared with [`lazy_pages!`] becomes one such cut, so the first page a user opens
//! loads the frame and that page, not all twenty. On the server nothing changes: the
//! page is rendered in place.
//!
//! Each feature lists its pages as a table of [`PageRoute`]s (path and page), and
//! [`Pages`] picks the one matching the address. Leptos' own `<Route>` per page
//! compiled matching, building and rebuilding once for every route and nesting level,
//! all of it in the entry module because any page can be the first: a fifth of that
//! module's code. A table of paths and function pointers is compiled once.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll, Waker},
};

use leptos::prelude::*;
use leptos_router::{hooks::use_location, params::ParamsMap, LazyRoute};

use crate::pages::not_found::NotFoundPage;

/// `lazy_pages! { ChildrenPageView => ChildrenPage, … }` declares, for each page
/// component, a page type to list in a feature's table:
/// `PageRoute::new::<ChildrenPageView>("/children")`.
///
/// `PlansPageView => PlansPage in BillingSection` puts the page inside a frame that
/// takes it as children (a section's heading and tabs).
macro_rules! lazy_pages {
    ($($view:ident => $page:ident $(in $frame:ident)?),+ $(,)?) => {$(
        #[doc = concat!("The route view of [`", stringify!($page), "`], loaded when it is first opened.")]
        pub struct $view;

        #[::leptos_router::lazy_route]
        impl ::leptos_router::LazyRoute for $view {
            fn data() -> Self {
                $view
            }

            fn view(_this: Self) -> ::leptos::prelude::AnyView {
                $crate::ui::lazy_page::lazy_pages!(@page $page $(in $frame)?)
            }
        }
    )+};
    (@page $page:ident) => {
        ::leptos::prelude::IntoAny::into_any(::leptos::prelude::view! { <$page /> })
    };
    (@page $page:ident in $frame:ident) => {
        ::leptos::prelude::IntoAny::into_any(::leptos::prelude::view! { <$frame><$page /></$frame> })
    };
}

pub(crate) use lazy_pages;

type PageFuture = Pin<Box<dyn Future<Output = AnyView>>>;
type LoadFuture = Pin<Box<dyn Future<Output = ()>>>;

/// One page and the path it answers: `/children/:id` (a `:name` segment matches any
/// one segment and is the page's `use_params_map()` value of that name).
pub struct PageRoute {
    pub path: &'static str,
    view: fn() -> PageFuture,
    load: fn() -> LoadFuture,
}

impl PageRoute {
    pub const fn new<Page: LazyRoute>(path: &'static str) -> Self {
        Self { path, view: view_of::<Page>, load: load_of::<Page> }
    }

    /// The path's parameters if this route answers `path`.
    pub fn matches(&self, path: &str) -> Option<ParamsMap> {
        let mut wanted = segments(self.path);
        let mut given = segments(path);
        let mut params = ParamsMap::new();
        loop {
            match (wanted.next(), given.next()) {
                (None, None) => return Some(params),
                (Some(pattern), Some(segment)) => match pattern.strip_prefix(':') {
                    Some(name) => params.insert(name, crate::ui::url_decode(segment)),
                    None if pattern == segment => {}
                    None => return None,
                },
                _ => return None,
            }
        }
    }

    /// Fetches the page's WASM piece (at once on the server, where there are none).
    pub async fn load(&self) {
        (self.load)().await
    }

    /// The page, once its piece is loaded ([`PageRoute::load`]); `None` before.
    fn view_if_loaded(&self) -> Option<AnyView> {
        let mut page = (self.view)();
        match page.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(view) => Some(view),
            Poll::Pending => None,
        }
    }
}

impl PartialEq for PageRoute {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
    }
}

fn view_of<Page: LazyRoute>() -> PageFuture {
    Box::pin(Page::view(Page::data()))
}

fn load_of<Page: LazyRoute>() -> LoadFuture {
    Box::pin(Page::preload())
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|segment| !segment.is_empty())
}

/// Every feature's table of pages.
pub type PageTable = &'static [&'static [PageRoute]];

/// The route answering `path`, if any, and its parameters.
pub fn find_page(table: PageTable, path: &str) -> Option<(&'static PageRoute, ParamsMap)> {
    table.iter().flat_map(|routes| routes.iter()).find_map(|route| Some((route, route.matches(path)?)))
}

/// The page the address names. Until the next page's piece has loaded, the one open
/// stays (as Leptos' lazy routes do); the address's parameters are the pages'
/// `use_params_map()`. A page is rendered once per route: from `/children/1` to
/// `/children/2` only its parameters change.
#[component]
pub fn Pages(table: PageTable) -> impl IntoView {
    let location = use_location();
    let found = Memo::new(move |_| location.pathname.with(|path| find_page(table, path)));
    let wanted = Memo::new(move |_| found.with(|found| found.as_ref().map(|(route, _)| *route)));
    let params = ArcMemo::new(move |_| found.with(|found| found.as_ref().map(|(_, params)| params.clone()).unwrap_or_default()));
    // On the server and while hydrating the piece is already there (the entry point
    // loads it first: see `load_pieces_of_this_page`).
    let shown = RwSignal::new(wanted.get_untracked());
    Effect::new(move |_| {
        let next = wanted.get();
        if next == shown.get_untracked() {
            return;
        }
        leptos::task::spawn_local(async move {
            if let Some(route) = next {
                route.load().await;
            }
            // A later click may have asked for another page meanwhile.
            if wanted.get_untracked() == next {
                shown.set(next);
            }
        });
    });
    move || {
        // Provided here, in this view's own owner: a component has none, and on the
        // owner above the router's `/*any` parameters would win.
        provide_context(params.clone());
        match shown.get() {
            Some(route) => route.view_if_loaded().unwrap_or_else(|| ().into_any()),
            None => view! { <NotFoundPage /> }.into_any(),
        }
    }
}

/// The open page's piece, loaded before the page is hydrated: hydration cannot wait
/// for one (a page whose piece is still on its way would hydrate as nothing and be
/// drawn again beside the server's copy).
pub async fn load_page_at(table: PageTable, path: &str) {
    if let Some((route, _)) = find_page(table, path) {
        route.load().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoPage;

    impl LazyRoute for NoPage {
        fn data() -> Self {
            NoPage
        }

        async fn view(_: Self) -> AnyView {
            ().into_any()
        }
    }

    static TABLE: &[&[PageRoute]] = &[
        &[PageRoute::new::<NoPage>("/"), PageRoute::new::<NoPage>("/children")],
        &[PageRoute::new::<NoPage>("/children/new"), PageRoute::new::<NoPage>("/children/:id"), PageRoute::new::<NoPage>("/children/:id/edit")],
    ];

    fn found(path: &str) -> Option<(&'static str, Vec<(String, String)>)> {
        find_page(TABLE, path).map(|(route, params)| {
            (route.path, params.latest_values().map(|(key, value)| (key.to_string(), value.to_string())).collect())
        })
    }

    #[test]
    fn a_path_finds_its_page_and_parameters() {
        assert_eq!(found("/"), Some(("/", vec![])));
        assert_eq!(found("/children"), Some(("/children", vec![])));
        assert_eq!(found("/children/"), Some(("/children", vec![])));
        // A fixed segment listed before a parameter wins.
        assert_eq!(found("/children/new"), Some(("/children/new", vec![])));
        assert_eq!(found("/children/10042"), Some(("/children/:id", vec![("id".into(), "10042".into())])));
        assert_eq!(found("/children/10042/edit"), Some(("/children/:id/edit", vec![("id".into(), "10042".into())])));
        assert_eq!(found("/children/a%20b"), Some(("/children/:id", vec![("id".into(), "a b".into())])));
    }

    #[test]
    fn a_path_no_page_answers_finds_none() {
        assert_eq!(found("/child"), None);
        assert_eq!(found("/children/1/edit/more"), None);
        assert_eq!(found("/children/1/clone"), None);
    }
}
