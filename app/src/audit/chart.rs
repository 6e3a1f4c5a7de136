//! The activity chart: events per day by outcome, as inline SVG drawn on the server
//! (no chart library in the WASM), with a text equivalent for screen readers.

use leptos::prelude::*;

use super::DayCount;

/// Events per day, stacked by outcome, drawn as SVG.
#[component]
pub fn ActivityChart(days: Vec<DayCount>) -> impl IntoView {
    if days.is_empty() {
        return view! { <p class="muted">"No activity in this range."</p> }.into_any();
    }
    let mut by_day: Vec<(String, Vec<(String, i64)>)> = Vec::new();
    for entry in days.into_iter().rev() {
        match by_day.last_mut() {
            Some((day, counts)) if *day == entry.day => counts.push((entry.outcome, entry.count)),
            _ => by_day.push((entry.day, vec![(entry.outcome, entry.count)])),
        }
    }
    let by_day: Vec<_> = by_day.into_iter().rev().take(30).rev().collect();
    let max = by_day.iter().map(|(_, c)| c.iter().map(|(_, n)| n).sum::<i64>()).max().unwrap_or(1).max(1) as f64;
    let (width, height, gap) = (560.0, 140.0, 4.0);
    let bar = ((width - gap * by_day.len() as f64) / by_day.len() as f64).clamp(4.0, 40.0);
    let color = |outcome: &str| match outcome {
        "ok" => "#17794a",
        "denied" | "invalid" => "#b54708",
        "upstream_error" | "error" => "#b42318",
        _ => "#98a2b3",
    };
    let summary = format!(
        "{} days, {} events",
        by_day.len(),
        by_day.iter().flat_map(|(_, c)| c.iter().map(|(_, n)| n)).sum::<i64>()
    );
    view! {
        <svg class="chart" viewBox=format!("0 0 {width} {}", height + 24.0) role="img" aria-label=format!("Events per day by outcome: {summary}")>
            {by_day
                .iter()
                .enumerate()
                .map(|(i, (day, counts))| {
                    let x = i as f64 * (bar + gap);
                    let mut y = height;
                    let segments = counts
                        .iter()
                        .map(|(outcome, n)| {
                            let h = (*n as f64 / max) * (height - 4.0);
                            y -= h;
                            view! {
                                <rect x=x y=y width=bar height=h.max(1.0) fill=color(outcome)>
                                    <title>{format!("{day}: {n} {outcome}")}</title>
                                </rect>
                            }
                        })
                        .collect_view();
                    let label = (i == 0 || i + 1 == by_day.len()).then(|| view! {
                        <text x=x y=height + 16.0 class="chart-label">{day[5..].to_string()}</text>
                    });
                    view! { <g>{segments}{label}</g> }
                })
                .collect_view()}
        </svg>
        <p class="chart-legend small">
            // Classes, not inline styles: the Content-Security-Policy allows no inline style.
            <span class="dot dot-ok"></span>"OK "
            <span class="dot dot-warn"></span>"Denied / invalid "
            <span class="dot dot-bad"></span>"Errors"
        </p>
    }
    .into_any()
}
