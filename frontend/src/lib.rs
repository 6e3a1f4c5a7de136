//! The WASM entry point: hydrates the server-rendered page.
#![recursion_limit = "256"]

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Pages are lazily loaded chunks, so hydration is asynchronous: the page's chunk
    // may still be on its way. The marker the browser tests wait for is set only when
    // all of the page is hydrated.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else { return };
        let mounted = leptos::mount::hydrate_from_async(body, app::App).await;
        mounted.forget();
        app::mark_hydrated();
    });
}
