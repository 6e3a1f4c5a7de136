//! The login and first-run pages, and the user menu with its logout button.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use super::{setup_needed, CurrentUser, Login, Logout, SetupFirstAdmin};
use crate::ui::FormField;

/// Name, role and the logout button, at the bottom of the navigation.
#[component]
pub fn UserMenu(user: CurrentUser) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    view! {
        <div class="user-menu">
            <div class="user-identity">
                <a class="user-name" href="/me" title="Your account: password and sessions">{user.display_name.clone()}</a>
                <span class="user-role" data-test="user-role">{user.role.label()}</span>
            </div>
            <ActionForm action=logout>
                <button type="submit" class="link-button">"Log out"</button>
            </ActionForm>
        </div>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let setup = Resource::new(|| (), |_| setup_needed());
    let error = move || login.value().get().and_then(|result| result.err());
    let pending = login.pending();
    view! {
        <Title text="Log in" />
        <section class="auth-card" aria-labelledby="login-title">
            <h1 id="login-title">"Log in"</h1>
            <p class="muted">"Voxdesk: the portal for your Voximplant customers."</p>
            <Suspense>
                {move || Suspend::new(async move {
                    matches!(setup.await, Ok(true)).then(|| view! {
                        <p class="alert alert-info">
                            "No one has an account yet. "
                            <a href="/setup">"Create the first administrator"</a>
                        </p>
                    })
                })}
            </Suspense>
            <ActionForm action=login attr:class="form" attr:novalidate=true>
                <div class="field">
                    <label for="login-username">"Username"</label>
                    <input id="login-username" name="username" autocomplete="username" required autofocus />
                </div>
                <div class="field">
                    <label for="login-password">"Password"</label>
                    <input id="login-password" name="password" type="password" autocomplete="current-password" required />
                </div>
                <Show when=move || error().is_some()>
                    <p class="alert alert-error" role="alert" id="login-error">{move || error().map(|e| e.to_string())}</p>
                </Show>
                <button type="submit" class="button button-block" disabled=pending>
                    {move || if pending.get() { "Logging in…" } else { "Log in" }}
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn SetupPage() -> impl IntoView {
    let setup = ServerAction::<SetupFirstAdmin>::new();
    let needed = Resource::new(|| (), |_| setup_needed());
    let error = move || setup.value().get().and_then(|result| result.err());
    let field_error = move |field: &'static str| move || error().and_then(|e| e.for_field(field));
    let general_error = move || error().and_then(|e| e.general());
    view! {
        <Title text="Set up Voxdesk" />
        <Suspense fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                if !matches!(needed.await, Ok(true)) {
                    return view! { <Redirect path="/login" /> }.into_any();
                }
                view! {
                    <section class="auth-card" aria-labelledby="setup-title">
                        <h1 id="setup-title">"Create the first administrator"</h1>
                        <p class="muted">"This page exists only until the first account is made."</p>
                        <ActionForm action=setup attr:class="form" attr:novalidate=true>
                            <FormField name="username" label="Username" autocomplete="username" error=field_error("username") />
                            <FormField name="display_name" label="Your name" autocomplete="name" error=field_error("display_name") />
                            <FormField name="email" label="Email" input_type="email" autocomplete="email" error=field_error("email") />
                            <FormField
                                name="password"
                                label="Password (at least 12 characters)"
                                input_type="password"
                                autocomplete="new-password"
                                error=field_error("password")
                            />
                            <Show when=move || general_error().is_some()>
                                <p class="alert alert-error" role="alert">{general_error}</p>
                            </Show>
                            <button type="submit" class="button button-block" disabled=setup.pending()>
                                "Create administrator"
                            </button>
                        </ActionForm>
                    </section>
                }
                .into_any()
            })}
        </Suspense>
    }
}
