//! The empty state of a section that is planned but not built yet: it says what the
//! section will do, so the navigation never leads to a blank page.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ComingSoon(
    title: &'static str,
    summary: &'static str,
    planned: &'static [&'static str],
    /// What can already be done here (buttons), shown in the header.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    view! {
        <Title text=title />
        <section class="page">
            <header class="page-header">
                <h1>{title}</h1>
                <p class="lede">{summary}</p>
                {children.map(|actions| view! { <div class="page-actions">{actions()}</div> })}
            </header>
            <div class="card empty-state">
                <span class="badge badge-muted">"Coming soon"</span>
                <h2>"What this section will do"</h2>
                <ul class="checklist">
                    {planned.iter().map(|item| view! { <li>{*item}</li> }).collect_view()}
                </ul>
            </div>
        </section>
    }
}
