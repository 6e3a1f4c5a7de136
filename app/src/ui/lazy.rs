//! Pages whose code the browser loads only when they are opened: each is its own
//! WASM chunk when the site is built with `cargo leptos build --split`, so the first
//! page does not carry every other page. On the server nothing changes.

/// Declares `$route`, a lazily loaded route showing the page component `$page`:
/// `<Route path=… view={Lazy::<$route>::new()} />`.
#[macro_export]
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => $page:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $route;

        #[::leptos_router::lazy_route]
        impl ::leptos_router::LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(this: Self) -> ::leptos::prelude::AnyView {
                let _ = this;
                ::leptos::prelude::IntoAny::into_any(::leptos::prelude::view! { <$page /> })
            }
        }
    };
}
