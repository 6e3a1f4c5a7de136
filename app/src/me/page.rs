//! `/me`: your own account — who you are, a new password, where you are signed in.

use leptos::prelude::*;
use leptos_meta::Title;

use leptos_router::hooks::use_query_map;

use super::{
    get_my_account,
    two_step::{TwoStepActions, TwoStepShownOnce, TwoStepStatusLine},
    ChangeMyPassword, MyAccount, SignOutElsewhere,
};
use crate::{
    access::Permission,
    auth::rules,
    frame::Guarded,
    ui::{data, use_toasts, ConfirmDialog, Data, ErrorState, Field, FormAlerts, Loading, TableWrap},
};

#[component]
pub fn MyAccountPage() -> impl IntoView {
    // Made before the guard, once per view (see `Guarded`).
    let change = ServerAction::<ChangeMyPassword>::new();
    let sign_out = ServerAction::<SignOutElsewhere>::new();
    let two_step = TwoStepActions::new();
    let account = data(move || (change.version().get(), sign_out.version().get(), two_step.version()), |_| get_my_account());
    view! {
        <Title text="Your account" />
        <Guarded permission=Permission::OwnAccount>
            <MyAccountView change sign_out two_step account />
        </Guarded>
    }
}

#[component]
fn MyAccountView(
    change: ServerAction<ChangeMyPassword>,
    sign_out: ServerAction<SignOutElsewhere>,
    two_step: TwoStepActions,
    account: Data<MyAccount>,
) -> impl IntoView {
    // Sent here by the frame: the role requires two-step sign-in before anything else.
    let sent_to_set_up = move || use_query_map().get().get("set_up").as_deref() == Some("two-step");
    let toasts = use_toasts();
    Effect::new(move |_| {
        if let Some(Ok(ended)) = sign_out.value().get() {
            toasts.show(match ended {
                1 => "Signed out of 1 other session.".to_string(),
                n => format!("Signed out of {n} other sessions."),
            });
        }
    });
    view! {
        <section class="page">
            <header class="page-header">
                <h1>"Your account"</h1>
                <p class="lede">"Your sign-in to Voxdesk: your password, two-step sign-in and where you are signed in."</p>
            </header>
            <Show when=sent_to_set_up>
                <p class="alert alert-info" role="alert">
                    "Your role requires two-step sign-in. Set it up below; the rest of Voxdesk opens once it is on."
                </p>
            </Show>
            // The password form stays outside the Suspense: refreshing the sessions after
            // a change must not wipe what the user typed.
            <div class="grid-2">
                <Transition fallback=|| view! { <Loading what="Loading your account…" /> }>
                    {crate::ui::once_loaded(move || async move {
                        match account.await {
                            Ok(me) => view! { <Identity me /> }.into_any(),
                            Err(error) => view! { <ErrorState error retry=move |_| account.refetch() /> }.into_any(),
                        }
                    })}
                </Transition>
                <PasswordForm change />
            </div>
            <section class="card section" aria-labelledby="two-step-title">
                <div class="section-header">
                    <h2 id="two-step-title">"Two-step sign-in"</h2>
                    <p class="muted">"A code from an app on your phone, asked for after your password."</p>
                </div>
                <Transition fallback=|| view! { <Loading what="Loading…" /> }>
                    {crate::ui::once_loaded(move || async move {
                        account.await.ok().map(|me| view! { <TwoStepStatusLine me actions=two_step /> })
                    })}
                </Transition>
                <TwoStepShownOnce actions=two_step />
            </section>
            <Transition fallback=|| view! { <Loading what="Loading your sessions…" /> }>
                {crate::ui::once_loaded(move || async move {
                    account.await.ok().map(|me| view! { <Sessions me sign_out /> })
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Identity(me: MyAccount) -> impl IntoView {
    view! {
        <article class="card" aria-labelledby="identity-title">
            <h2 id="identity-title">"You"</h2>
            <dl class="facts">
                <div><dt>"Name"</dt><dd>{me.display_name}</dd></div>
                <div><dt>"Username"</dt><dd>{me.username}</dd></div>
                <div><dt>"Email"</dt><dd>{me.email}</dd></div>
                <div><dt>"Role"</dt><dd>{me.role.label()}</dd></div>
            </dl>
            <p class="small muted">"An administrator changes names, emails and roles."</p>
        </article>
    }
}

#[component]
fn PasswordForm(change: ServerAction<ChangeMyPassword>) -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let server_error = move || change.value().get().and_then(Result::err);
    let changed = move || matches!(change.value().get(), Some(Ok(())));
    // The length rule shows as you type; the server also refuses common passwords.
    let new_error = move || {
        let typed = new.get();
        (!typed.is_empty()).then(|| rules::password(&typed).err()).flatten().or_else(|| server_error()?.for_field("new_password"))
    };
    let again_error = move || {
        let (typed, first) = (again.get(), new.get());
        (!typed.is_empty() && !first.starts_with(&typed))
            .then(|| "This is not the same as the new password.".to_string())
            .or_else(|| server_error()?.for_field("new_password_again"))
    };
    let current_error = move || server_error()?.for_field("current_password");
    let attention = Signal::derive(move || server_error().map_or(0, |e| e.fields().len()));
    let general = Signal::derive(move || server_error()?.general());
    Effect::new(move |_| {
        if changed() {
            for field in [current, new, again] {
                field.set(String::new());
            }
        }
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        change.dispatch(ChangeMyPassword {
            current_password: current.get_untracked(),
            new_password: new.get_untracked(),
            new_password_again: again.get_untracked(),
        });
    };
    view! {
        <article class="card" aria-labelledby="password-title">
            <h2 id="password-title">"Password"</h2>
            <p class="small muted">"Changing it signs you out everywhere else: every other browser has to sign in again."</p>
            <form class="form" novalidate on:submit=submit data-test="password-form">
                <Field name="current_password" label="Current password" input_type="password" autocomplete="current-password"
                    value=current.into() on_input=move |v| current.set(v) error=current_error />
                <Field name="new_password" label="New password"
                    hint="At least 12 characters; a passphrase of a few words works well. Common passwords are refused."
                    input_type="password" autocomplete="new-password" value=new.into() on_input=move |v| new.set(v) error=new_error />
                <Field name="new_password_again" label="New password again" input_type="password" autocomplete="new-password"
                    value=again.into() on_input=move |v| again.set(v) error=again_error />
                <FormAlerts general attention />
                <Show when=changed>
                    <p class="alert alert-success" role="status" data-test="password-changed">
                        "Your password is changed. Every other session of yours has ended."
                    </p>
                </Show>
                <button type="submit" class="button" disabled=change.pending()>
                    {move || if change.pending().get() { "Changing…" } else { "Change password" }}
                </button>
            </form>
        </article>
    }
}

#[component]
fn Sessions(me: MyAccount, sign_out: ServerAction<SignOutElsewhere>) -> impl IntoView {
    let others = me.other_sessions();
    let error = move || sign_out.value().get().and_then(Result::err);
    let message = match others {
        0 => "No other session is open.".to_string(),
        1 => "The 1 other session listed here ends now: that browser has to sign in again. This browser stays signed in.".to_string(),
        n => format!("The {n} other sessions listed here end now: each of those browsers has to sign in again. This browser stays signed in."),
    };
    view! {
        <section class="card section" aria-labelledby="sessions-title">
            <div class="section-header">
                <h2 id="sessions-title">"Where you are signed in"</h2>
                <p class="muted">{match others {
                    0 => "Only here.".to_string(),
                    1 => "Here and in 1 other session.".to_string(),
                    n => format!("Here and in {n} other sessions."),
                }}</p>
            </div>
            <TableWrap caption="Your sessions, most recently used first">
                <thead>
                    <tr>
                        <th scope="col">"Browser"</th>
                        <th scope="col">"Address"</th>
                        <th scope="col">"Signed in"</th>
                        <th scope="col">"Last seen"</th>
                    </tr>
                </thead>
                <tbody>
                    {me.sessions.into_iter().map(|session| view! {
                        <tr data-test=if session.current { "session-current" } else { "session-other" }>
                            <td>
                                {session.browser}
                                {session.current.then(|| view! { " " <span class="badge badge-ok">"This browser"</span> })}
                            </td>
                            <td>{session.address}</td>
                            <td>{session.signed_in_at}</td>
                            <td>{session.last_seen}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </TableWrap>
            <Show when=move || error().is_some()>
                <p class="alert alert-error" role="alert">{move || error().map(|e| e.to_string())}</p>
            </Show>
            <div class="button-row">
                <ConfirmDialog
                    id="sign-out-elsewhere"
                    open_label="Sign out everywhere else"
                    title="Sign out everywhere else?"
                    message
                    confirm_label="Sign out everywhere else"
                    danger=true
                    open_class="button button-secondary"
                    disabled=Signal::derive(move || others == 0 || sign_out.pending().get())
                    on_confirm=move |_| { sign_out.dispatch(SignOutElsewhere {}); }
                />
            </div>
        </section>
    }
}
