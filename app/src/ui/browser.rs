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

/// Sends the user to `path`: a 302 when the server renders the page, a navigation in
/// the browser. (Leptos' own `<Redirect>` needs a matched `<Route>` on the server,
/// and pages are chosen by [`crate::ui::lazy_page::Pages`], outside any.)
#[component]
pub fn Redirect(path: &'static str) -> impl IntoView {
    #[cfg(feature = "ssr")]
    leptos_axum::redirect(path);
    #[cfg(not(feature = "ssr"))]
    leptos_router::hooks::use_navigate()(path, Default::default());
}
