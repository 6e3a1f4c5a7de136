//! The login and first-run pages, and the user menu with its logout button.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{setup_needed, CurrentUser, Login, Logout, SecondStep, SetupFirstAdmin};
use crate::ui::{browser::Redirect, data, Fields, FormField, PostForm};

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
            <PostForm action=logout read=|_: &Fields| Logout {}>
                <button type="submit" class="link-button">"Log out"</button>
            </PostForm>
        </div>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let setup = data(|| (), |_| setup_needed());
    let error = move || login.value().get().and_then(|result| result.err());
    let pending = login.pending();
    view! {
        <Title text="Log in" />
        <section class="auth-card" aria-labelledby="login-title">
            <h1 id="login-title">"Log in"</h1>
            <p class="muted">"Voxdesk: the portal for your Voximplant customers."</p>
            <Suspense>
                {crate::ui::once_loaded(move || async move {
                    matches!(setup.await, Ok(true)).then(|| view! {
                        <p class="alert alert-info">
                            "No one has an account yet. "
                            <a href="/setup">"Create the first administrator"</a>
                        </p>
                    })
                })}
            </Suspense>
            <PostForm action=login read=login_fields class="form" novalidate=true>
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
            </PostForm>
        </section>
    }
}

/// The second step of a login: a code from the authenticator app, or a recovery code.
#[component]
pub fn SecondStepPage() -> impl IntoView {
    let second = ServerAction::<SecondStep>::new();
    let error = move || second.value().get().and_then(|result| result.err());
    let code_error = move || error().and_then(|e| e.for_field("code"));
    let general_error = move || error().and_then(|e| e.general());
    let pending = second.pending();
    view! {
        <Title text="Two-step sign-in" />
        <section class="auth-card" aria-labelledby="second-step-title">
            <h1 id="second-step-title">"Two-step sign-in"</h1>
            <p class="muted">"Your password was right. Now enter the 6-digit code your authenticator app shows for Voxdesk."</p>
            <PostForm action=second read=second_step_fields class="form" novalidate=true>
                <FormField name="code" label="Code from your app, or a recovery code" autocomplete="one-time-code" error=code_error />
                <label class="check" for="remember-device">
                    <input id="remember-device" name="remember" type="checkbox" value="on" />
                    <span>"Remember this browser for 30 days (only on a device you alone use)"</span>
                </label>
                <Show when=move || general_error().is_some()>
                    <p class="alert alert-error" role="alert">{general_error}</p>
                </Show>
                <button type="submit" class="button button-block" disabled=pending>
                    {move || if pending.get() { "Checking…" } else { "Verify and sign in" }}
                </button>
            </PostForm>
            <p class="muted small">
                "Lost your phone? Type one of the recovery codes you saved when you set this up. "
                "Out of those too: an administrator can reset your two-step sign-in. "
                <a href="/login">"Start again"</a>
            </p>
        </section>
    }
}

#[component]
pub fn SetupPage() -> impl IntoView {
    let setup = ServerAction::<SetupFirstAdmin>::new();
    let needed = data(|| (), |_| setup_needed());
    let error = move || setup.value().get().and_then(|result| result.err());
    let field_error = move |field: &'static str| move || error().and_then(|e| e.for_field(field));
    let general_error = move || error().and_then(|e| e.general());
    view! {
        <Title text="Set up Voxdesk" />
        <Suspense fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
            {crate::ui::once_loaded(move || async move {
                if !matches!(needed.await, Ok(true)) {
                    return view! { <Redirect path="/login" /> }.into_any();
                }
                view! {
                    <section class="auth-card" aria-labelledby="setup-title">
                        <h1 id="setup-title">"Create the first administrator"</h1>
                        <p class="muted">"This page exists only until the first account is made."</p>
                        <PostForm action=setup read=setup_fields class="form" novalidate=true>
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
                        </PostForm>
                    </section>
                }
                .into_any()
            })}
        </Suspense>
    }
}

fn login_fields(fields: &Fields) -> Login {
    Login { username: fields.text("username"), password: fields.text("password") }
}

fn second_step_fields(fields: &Fields) -> SecondStep {
    SecondStep { code: fields.text("code"), remember: fields.ticked("remember") }
}

fn setup_fields(fields: &Fields) -> SetupFirstAdmin {
    SetupFirstAdmin {
        username: fields.text("username"),
        email: fields.text("email"),
        display_name: fields.text("display_name"),
        password: fields.text("password"),
    }
}
