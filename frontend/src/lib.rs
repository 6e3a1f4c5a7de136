#![recursion_limit = "256"]
//! The WASM entry point: hydrates the server-rendered page.

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Each page's code is a WASM piece of its own (see app::ui::lazy_page), so the open
    // page's pieces load first, then the page is hydrated and only then marked as
    // hydrated. (An effect would run while the pieces are still on their way.)
    wasm_bindgen_futures::spawn_local(async {
        let document = leptos::prelude::document();
        let Some(body) = document.body() else { return };
        app::load_pieces_of_this_page().await;
        leptos::mount::hydrate_from_async(body, app::App).await.forget();
        if let Some(app) = document.get_element_by_id("app") {
            let _ = app.set_attribute("data-hydrated", "true");
        }
    });
}
