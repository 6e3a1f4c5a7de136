#![recursion_limit = "256"]
//! The WASM entry point: hydrates the server-rendered page.

/// Room for `--split` to move read-only data into the pieces. wasm-split re-packs the
/// one read-only data segment piece by piece, which costs some alignment padding; when
/// the re-packed segment would be longer than the input it keeps the whole segment —
/// every page's text and vtables — in the entry module (588 bytes over did that: its
/// warning "Overlong segment 0"). Nothing reads these bytes, so the splitter leaves
/// them out of every output and their length is that room.
#[cfg(feature = "hydrate")]
#[used]
static SPLIT_HEADROOM: [u8; 4096] = [0x5A; 4096];

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // No panic hook: the WASM is built to abort on a panic at once (.cargo/config.toml),
    // which never calls one; the console shows "unreachable" with the WASM stack.
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
