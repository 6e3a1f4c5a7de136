//! The signed-in user in the browser: who it is (for navigation and menus), the
//! login, logout and first-run pages, and the page guard. The guard only decides
//! what to show; the server refuses anything the role may not do.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Redirect, hooks::use_location};

use super::{get_current_user, setup_needed, CurrentUser, Login, Logout, Me, Permission, SetupFirstAdmin};
use crate::connections::SelectConnection;
use crate::error::AppError;

/// The current user and their connections, refetched on every navigation (so a role
/// change or an ended session shows up at the next click) and after picking another
/// connection. Created once, outside any Suspense, so server and browser agree on it.
#[derive(Clone, Copy)]
pub struct AuthContext {
    pub user: Resource<Result<Option<Me>, AppError>>,
    pub select_connection: ServerAction<SelectConnection>,
}

pub fn provide_auth() {
    let location = use_location();
    let select_connection = ServerAction::<SelectConnection>::new();
    let user = Resource::new(
        move || (location.pathname.get(), select_connection.version().get()),
        |_| get_current_user(),
    );
    provide_context(AuthContext { user, select_connection });
}

pub fn use_auth() -> AuthContext {
    expect_context::<AuthContext>()
}

/// Shows `children` only to users whose role holds `permission`; sends anyone not
/// logged in to the login page and explains a refusal to the rest.
#[component]
pub fn Guarded(permission: Permission, children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    view! {
        <Suspense fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match auth.user.await {
                        Ok(Some(me)) if me.user.role.can(permission) => children().into_any(),
                        Ok(Some(me)) => view! { <AccessDenied user=me.user /> }.into_any(),
                        Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
                        Err(error) => view! { <p class="alert alert-error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })
            }}
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

/// Name, role and the logout button, at the bottom of the navigation.
#[component]
pub fn UserMenu(user: CurrentUser) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    view! {
        <div class="user-menu">
            <div class="user-identity">
                <span class="user-name">{user.display_name.clone()}</span>
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
    let general_error = move || {
        error().filter(|e| !matches!(e, AppError::Invalid { .. })).map(|e| e.to_string())
    };
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

/// A labelled input with its error right below it, tied together for screen readers.
#[component]
pub fn FormField<E, R>(
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional, into)] value: String,
    error: E,
) -> impl IntoView
where
    E: Fn() -> Option<R> + Send + Sync + Clone + 'static,
    R: IntoView + 'static,
{
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let has_error = {
        let error = error.clone();
        move || error().is_some()
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=input_type
                autocomplete=autocomplete
                value=value
                aria-invalid=move || if has_error() { "true" } else { "false" }
                aria-describedby=error_id.clone()
            />
            <p class="field-error" id=error_id role="alert">{move || error()}</p>
        </div>
    }
}
