//! Small browser-only helpers (no-ops while rendering on the server).

use leptos::prelude::*;

/// Moves keyboard focus to the element with this id (the first bad field, say).
pub fn focus(id: &str) {
    use wasm_bindgen::JsCast;
    if let Some(element) = document().get_element_by_id(id).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = element.focus();
    }
}

/// Copies `text` to the clipboard.
pub fn copy_to_clipboard(text: String) {
    let promise = window().navigator().clipboard().write_text(&text);
    leptos::task::spawn_local(async move {
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    });
}
