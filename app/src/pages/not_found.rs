use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    // Tell crawlers and scripts the truth: the page renders, but the status is 404.
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }

    view! {
        <Title text="Page not found" />
        <section class="page not-found">
            <p class="eyebrow">"404"</p>
            <h1>"Page not found"</h1>
            <p class="lede">"The address may be mistyped, or the page has moved."</p>
            <p>
                <A href="/" attr:class="button">"Go to the dashboard"</A>
            </p>
        </section>
    }
}
