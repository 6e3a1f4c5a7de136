//! A bar drawn as inline SVG on the server (no chart library in the WASM), with the
//! sentence it stands for as its accessible name.

use leptos::prelude::*;

/// A horizontal bar filled to `share` (0 to 1). `spoken` says what it shows in words.
#[component]
pub fn Meter(
    share: f64,
    #[prop(into)] spoken: String,
    /// `ok`, `warn` or `bad`: the fill's colour (the words say the same).
    #[prop(default = "ok")]
    tone: &'static str,
) -> impl IntoView {
    let fill = match tone {
        "bad" => "var(--danger)",
        "warn" => "var(--warn)",
        _ => "var(--ok)",
    };
    let width = format!("{:.1}", share.clamp(0.0, 1.0) * 200.0);
    view! {
        <svg class="meter" viewBox="0 0 200 14" preserveAspectRatio="none" role="img" aria-label=spoken>
            <rect x="0" y="3" width="200" height="8" rx="4" fill="var(--surface-muted)" />
            <rect x="0" y="3" width=width height="8" rx="4" fill=fill />
        </svg>
    }
}
