//! Pages the browser downloads only when they are opened.
//!
//! `cargo leptos build --split` cuts the WASM at every `#[lazy]` function; a page
//! declared here becomes one such cut, so the first page a user opens loads the
//! frame and that page, not all twenty. On the server nothing changes: the page is
//! rendered in place, as before.

/// `lazy_pages! { ChildrenPageView => ChildrenPage, … }` declares, for each page
/// component, a route view type to route it with:
/// `<Route path=… view=Lazy::<ChildrenPageView>::new() />`.
macro_rules! lazy_pages {
    ($($view:ident => $page:ident),+ $(,)?) => {$(
        #[doc = concat!("The route view of [`", stringify!($page), "`], loaded when it is first opened.")]
        pub struct $view;

        #[::leptos_router::lazy_route]
        impl ::leptos_router::LazyRoute for $view {
            fn data() -> Self {
                $view
            }

            fn view(_this: Self) -> ::leptos::prelude::AnyView {
                ::leptos::prelude::IntoAny::into_any(::leptos::prelude::view! { <$page /> })
            }
        }
    )+};
}

pub(crate) use lazy_pages;
