//! Bars drawn as inline SVG on the server (no chart library in the WASM), each with
//! the sentence it stands for as its accessible name.

use leptos::prelude::*;

/// The colour of a tone: `ok`, `warn`, `bad` or `muted` (the words beside a bar say
/// the same; colour is never the only sign).
fn fill(tone: &str) -> &'static str {
    match tone {
        "bad" => "var(--danger)",
        "warn" => "var(--warn)",
        "muted" => "var(--text-muted)",
        _ => "var(--ok)",
    }
}

/// Bars are drawn on a 200-wide box stretched to their CSS width.
const WIDTH: f64 = 200.0;

/// A horizontal bar filled to `share` (0 to 1). `spoken` says what it shows in words;
/// `mark` draws a line across the bar at that share (a threshold).
#[component]
pub fn Meter(
    share: f64,
    #[prop(into)] spoken: String,
    #[prop(default = "ok")] tone: &'static str,
    #[prop(optional)] mark: Option<f64>,
) -> impl IntoView {
    let width = format!("{:.1}", share.clamp(0.0, 1.0) * WIDTH);
    let mark = mark.map(|at| format!("{:.1}", at.clamp(0.0, 1.0) * WIDTH));
    view! {
        <svg class="meter" viewBox="0 0 200 14" preserveAspectRatio="none" role="img" aria-label=spoken>
            <rect x="0" y="3" width="200" height="8" rx="4" fill="var(--surface-muted)" />
            <rect x="0" y="3" width=width height="8" rx="4" fill=fill(tone) />
            {mark.map(|x| view! { <line x1=x.clone() x2=x y1="0" y2="14" stroke="var(--text)" stroke-width="1.5" /> })}
        </svg>
    }
}

/// A bar made of parts side by side, each `(share of the whole, tone)` in order.
#[component]
pub fn StackedMeter(parts: Vec<(f64, &'static str)>, #[prop(into)] spoken: String) -> impl IntoView {
    let mut x = 0.0;
    let rects: Vec<_> = parts
        .into_iter()
        .map(|(share, tone)| {
            let width = share.clamp(0.0, 1.0) * WIDTH;
            let rect = (format!("{x:.1}"), format!("{width:.1}"), fill(tone));
            x += width;
            rect
        })
        .collect();
    view! {
        <svg class="meter" viewBox="0 0 200 14" preserveAspectRatio="none" role="img" aria-label=spoken>
            <rect x="0" y="3" width="200" height="8" rx="4" fill="var(--surface-muted)" />
            {rects.into_iter().map(|(x, width, fill)| view! { <rect x=x y="3" width=width height="8" fill=fill /> }).collect_view()}
        </svg>
    }
}
