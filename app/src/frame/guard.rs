//! The page guard: shows a page to roles that may use it, sends anyone signed out to
//! the login page and explains a refusal (with a 403) to the rest. It only decides
//! what to show; the server refuses anything the role may not do.

use leptos::prelude::*;
use leptos_meta::Title;

use super::use_auth;
use crate::{access::Permission, auth::CurrentUser, ui::{browser::Redirect, ErrorState}};

/// Shows `children` only to users whose role holds `permission`; sends anyone not
/// logged in to the login page and explains a refusal to the rest.
///
/// `children` are built again in the browser each time the user is refetched (every
/// navigation), and were built two or three times per request on the server before
/// [`once_loaded`](crate::ui::once_loaded); so a page makes its resources before the
/// guard and hands them in: a resource made inside would be read again on each build
/// — Voximplant was asked two or three times for one view, and each copy sent to the
/// browser.
#[component]
pub fn Guarded(permission: Permission, children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    view! {
        <Suspense fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
            {crate::ui::once_loaded(move || {
                let children = children.clone();
                async move {
                    match auth.user.await {
                        // Until a required two-step sign-in is set up, only their own
                        // account page: that is where it is set up.
                        Ok(Some(me)) if me.user.must_set_up_two_step && permission != Permission::OwnAccount => {
                            view! { <Redirect path="/me?set_up=two-step" /> }.into_any()
                        }
                        Ok(Some(me)) if me.user.role.can(permission) => children().into_any(),
                        Ok(Some(me)) => view! { <AccessDenied user=me.user /> }.into_any(),
                        Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
                        Err(error) => view! { <ErrorState error=error /> }.into_any(),
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn AccessDenied(user: CurrentUser) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::FORBIDDEN);
    }
    view! {
        <Title text="Not available for your role" />
        <section class="page not-found" role="alert">
            <p class="eyebrow">"403"</p>
            <h1>"This page is not available for your role"</h1>
            <p class="lede">
                {format!(
                    "You are signed in as {} ({}). Ask an administrator if you need access.",
                    user.display_name,
                    user.role.label(),
                )}
            </p>
            <p><a class="button" href="/">"Go to the dashboard"</a></p>
        </section>
    }
}
