//! Pages the browser downloads only when they are opened.
//!
//! `cargo leptos build --split` cuts the WASM at every `#[lazy]` function; a page
//! declared here becomes one such cut, so the first page a user opens loads the
//! frame and that page, not all twenty. On the server nothing changes: the page is
//! rendered in place, as before.

/// `lazy_pages! { ChildrenPageView => ChildrenPage, … }` declares, for each page
/// component, a route view type to route it with:
/// `<Route path=… view=Lazy::<ChildrenPageView>::new() />`.
///
/// `PlansPageView => PlansPage in BillingSection` puts the page inside a frame that
/// takes it as children (a section's heading and tabs). A frame must not be a parent
/// route's view: a parent route's view is torn down while the next page's piece is
/// still loading, and anything it re-renders then has lost its context.
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
