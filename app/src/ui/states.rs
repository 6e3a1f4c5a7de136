//! What a section shows instead of data: nothing there yet, still loading, or it
//! failed. Each says what is going on and what to do.

use leptos::prelude::*;

use crate::error::AppError;

/// Nothing to show yet: says so, and what to do about it (the children).
#[component]
pub fn EmptyState(#[prop(into)] title: String, #[prop(optional)] children: Option<Children>) -> impl IntoView {
    view! {
        <div class="empty-state" data-test="empty-state">
            <p class="strong">{title}</p>
            {children.map(|what_to_do| what_to_do())}
        </div>
    }
}

/// Still loading `what`.
#[component]
pub fn Loading(#[prop(default = "Loading…")] what: &'static str) -> impl IntoView {
    view! { <p class="muted" aria-busy="true" role="status">{what}</p> }
}

/// Loading failed: the safe message (with its reference id) and, if given, a retry.
/// Rendered on the server because a dependency (the database, Voximplant) is down, the
/// page answers 503, so that monitors and proxies see the outage, not a 200.
#[component]
pub fn ErrorState(error: AppError, #[prop(optional, into)] retry: Option<Callback<()>>) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (AppError::Unavailable { .. }, Some(response)) = (&error, use_context::<leptos_axum::ResponseOptions>()) {
        response.set_status(http::StatusCode::SERVICE_UNAVAILABLE);
    }
    view! {
        <div class="alert alert-error" role="alert">
            <p>{error.to_string()}</p>
            {retry.map(|retry| view! {
                <button type="button" class="button button-small button-secondary" on:click=move |_| retry.run(())>
                    "Try again"
                </button>
            })}
        </div>
    }
}
