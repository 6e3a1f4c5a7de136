//! What a page shows when something inside it failed, instead of a blank screen.

use leptos::prelude::*;

#[component]
pub fn ErrorPage(errors: ArcRwSignal<Errors>) -> impl IntoView {
    view! {
        <section class="page error-page" role="alert">
            <h1>"This page could not be shown"</h1>
            <p class="lede">"Nothing you entered was lost. You can go back or try again."</p>
            <ul class="error-list">
                {move || {
                    errors
                        .get()
                        .into_iter()
                        .map(|(_, error)| view! { <li>{error.to_string()}</li> })
                        .collect_view()
                }}
            </ul>
            <p>
                <a class="button" href="/">"Back to the dashboard"</a>
            </p>
        </section>
    }
}
