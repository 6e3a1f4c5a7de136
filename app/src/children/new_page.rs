//! The "new child account" page: Voximplant's rules checked as you type, the
//! result (and the new API key, once) after.

use leptos::{ev::SubmitEvent, prelude::*};
use leptos_meta::Title;
use leptos_router::components::A;

use super::{CreateChild, CreatedChild, NewChild};
use crate::{
    access::Permission,
    error::AppError,
    frame::{use_auth, Guarded},
    ui::{
        browser::{copy_to_clipboard, focus},
        Check, Field, FormAlerts,
    },
};

#[component]
pub fn NewChildPage() -> impl IntoView {
    view! {
        <Title text="New child account" />
        <Guarded permission=Permission::ManageChildren>
            <section class="page">
                <header class="page-header">
                    <p class="eyebrow"><A href="/children">"Child accounts"</A></p>
                    <h1>"New child account"</h1>
                    <p class="lede">
                        "A Voximplant account for one customer, under your parent account. "
                        "It starts inactive unless you say otherwise."
                    </p>
                </header>
                <ParentNotice />
                <NewChildForm />
            </section>
        </Guarded>
    }
}

/// Which parent account the child will belong to (the connection picker's choice).
#[component]
fn ParentNotice() -> impl IntoView {
    let auth = use_auth();
    let parent = move || {
        auth.user.get().and_then(Result::ok).flatten().and_then(|me| {
            let selected = me.connections.selected?;
            me.connections.list.into_iter().find(|c| c.id == selected)
        })
    };
    move || match parent() {
        Some(connection) => view! {
            <p class="muted" data-test="parent-account">
                "Parent account: " <span class="strong">{connection.account_name}</span>
                {format!(" (id {}, connection “{}”)", connection.account_id, connection.name)}
            </p>
        }
        .into_any(),
        None => view! {
            <p class="alert alert-error" role="alert">
                "No Voximplant parent account is connected yet. An admin can add one under Admin."
            </p>
        }
        .into_any(),
    }
}

#[component]
fn NewChildForm() -> impl IntoView {
    let create = ServerAction::<CreateChild>::new();
    let form = RwSignal::new(NewChild::default());
    // Rules are shown for a field once it was left, and for all after a submit.
    let touched = RwSignal::new(Vec::<&'static str>::new());
    let submitted = RwSignal::new(false);
    // The server's complaint, until the form changes.
    let server_error = RwSignal::new(None::<AppError>);
    let created = RwSignal::new(None::<CreatedChild>);
    let problems = Memo::new(move |_| form.with(NewChild::problems));
    // Editing the form retires the server's last complaint.
    Effect::new(move |previous: Option<()>| {
        form.track();
        if previous.is_some() {
            server_error.set(None);
        }
    });

    Effect::new(move |_| match create.value().get() {
        Some(Ok(child)) => {
            created.set(Some(child));
            form.set(NewChild::default());
            touched.set(Vec::new());
            submitted.set(false);
            server_error.set(None);
        }
        Some(Err(error)) => server_error.set(Some(error)),
        None => {}
    });

    let error_for = move |field: &'static str| {
        move || {
            let shown = submitted.get() || touched.with(|t| t.contains(&field));
            let local = problems.with(|p| p.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()));
            shown
                .then_some(local)
                .flatten()
                .or_else(|| server_error.get().and_then(|e| e.for_field(field)))
        }
    };
    let general_error = move || server_error.get().and_then(|e| e.general());

    let left = move |field: &'static str| touched.update(|t| if !t.contains(&field) { t.push(field) });
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        submitted.set(true);
        server_error.set(None);
        if let Some((field, _)) = problems.with(|p| p.first().cloned()) {
            focus(&format!("field-{field}"));
            return;
        }
        create.dispatch(CreateChild { child: form.get_untracked() });
    };
    let pending = create.pending();

    view! {
        <Show
            when=move || created.with(Option::is_none)
            fallback=move || view! {
                <CreatedPanel created on_again=move || {
                    created.set(None);
                    request_animation_frame(|| focus("field-account_name"));
                } />
            }
        >
        <form class="card form form-grid" novalidate on:submit=on_submit aria-describedby="new-child-help" data-test="new-child-form">
            <p id="new-child-help" class="muted field-wide">
                "Fields marked * are required. Voximplant's rules are checked as you go."
            </p>
            <Field name="account_name" label="Account name *" error=error_for("account_name")
                hint="5–20 characters: lowercase latin letters, digits and hyphens, starting with a letter. Unique across Voximplant."
                value=Signal::derive(move || form.with(|c| c.account_name.clone())) on_input=move |v| form.update(|c| c.account_name = v) on_blur=move |_| left("account_name") />
            <Field name="account_email" label="Email *" input_type="email" autocomplete="off"
                error=error_for("account_email") hint="Where Voximplant writes to this customer. Unique across Voximplant."
                value=Signal::derive(move || form.with(|c| c.account_email.clone())) on_input=move |v| form.update(|c| c.account_email = v) on_blur=move |_| left("account_email") />
            <Field name="account_password" label="Password *" input_type="password" autocomplete="new-password"
                error=error_for("account_password")
                hint="At least 8 characters with an uppercase and a lowercase letter, a digit and a special character. Not stored by Voxdesk."
                value=Signal::derive(move || form.with(|c| c.account_password.clone())) on_input=move |v| form.update(|c| c.account_password = v) on_blur=move |_| left("account_password") />
            <Field name="location" label="Time zone" list="time-zones" error=error_for("location")
                hint="IANA name, e.g. Europe/Berlin. Empty: Voximplant's default."
                value=Signal::derive(move || form.with(|c| c.location.clone())) on_input=move |v| form.update(|c| c.location = v) on_blur=move |_| left("location") />
            <datalist id="time-zones">
                {voximplant::value_lists::TIME_ZONES.iter().map(|zone| view! { <option value=*zone></option> }).collect_view()}
            </datalist>
            <Field name="account_first_name" label="First name" error=error_for("account_first_name")
                hint="Of the customer's contact person."
                value=Signal::derive(move || form.with(|c| c.account_first_name.clone())) on_input=move |v| form.update(|c| c.account_first_name = v) on_blur=move |_| left("account_first_name") />
            <Field name="account_last_name" label="Last name" error=error_for("account_last_name")

                value=Signal::derive(move || form.with(|c| c.account_last_name.clone())) on_input=move |v| form.update(|c| c.account_last_name = v) on_blur=move |_| left("account_last_name") />
            <fieldset class="field-wide checks">
                <legend>"Status and notifications"</legend>
                <Check id="field-active" label="Active from the start (it can use Voximplant and be charged at once)"
                    checked=Signal::derive(move || form.with(|c| c.active)) on_change=move |v| form.update(|c| c.active = v) />
                <Check id="field-account_notifications" label="Account notifications (low balance and similar)"
                    checked=Signal::derive(move || form.with(|c| c.account_notifications)) on_change=move |v| form.update(|c| c.account_notifications = v) />
                <Check id="field-tariff_changing_notifications" label="Plan change notifications"
                    checked=Signal::derive(move || form.with(|c| c.tariff_changing_notifications)) on_change=move |v| form.update(|c| c.tariff_changing_notifications = v) />
                <Check id="field-news_notifications" label="Voximplant news"
                    checked=Signal::derive(move || form.with(|c| c.news_notifications)) on_change=move |v| form.update(|c| c.news_notifications = v) />
            </fieldset>
            <FormAlerts general=Signal::derive(general_error)
                attention=Signal::derive(move || if submitted.get() { problems.with(Vec::len) } else { 0 }) />
            <div class="form-actions">
                <button type="submit" class="button" disabled=move || pending.get() aria-busy=move || pending.get().to_string()>
                    {move || if pending.get() { "Creating…" } else { "Create child account" }}
                </button>
                <A href="/children" attr:class="button button-secondary">"Cancel"</A>
            </div>
        </form>
        </Show>
    }
}

/// The result of a create: shown until "create another". The API key is shown here
/// only, once: Voxdesk does not keep it.
#[component]
fn CreatedPanel(created: RwSignal<Option<CreatedChild>>, on_again: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    let copied = RwSignal::new(false);
    let child = move || created.get();
    view! {
        {move || child().map(|child| {
            let key = child.api_key.clone();
            view! {
                <section class="card created" role="status" aria-labelledby="created-title" data-test="created-child">
                    <h2 id="created-title">"Child account created"</h2>
                    <p>
                        <span class="strong">{child.account_name.clone()}</span>
                        {format!(" has id {}. ", child.account_id)}
                        {if child.active {
                            "It is active."
                        } else {
                            "It is inactive: activate it when the customer is ready."
                        }}
                    </p>
                    {match key {
                        Some(key) => {
                            let to_copy = key.clone();
                            view! {
                                <div class="secret-once">
                                    <p class="strong">"API key: copy it now. Voxdesk does not keep it and will not show it again."</p>
                                    <code data-test="child-api-key">{key}</code>
                                    <button type="button" class="button button-small button-secondary"
                                        on:click=move |_| { copy_to_clipboard(to_copy.clone()); copied.set(true); }>
                                        {move || if copied.get() { "Copied" } else { "Copy" }}
                                    </button>
                                </div>
                            }
                            .into_any()
                        }
                        None => view! {
                            <p class="alert alert-error" role="alert">
                                "The API key is not shown: showing it could not be recorded in the audit log. "
                                "Find it in the Voximplant control panel of this account."
                            </p>
                        }
                        .into_any(),
                    }}
                </section>
            }
        })}
        <p class="button-row">
            <button type="button" class="button" on:click=move |_| { copied.set(false); on_again() }>
                "Create another"
            </button>
            <A href="/children" attr:class="button button-secondary">"Back to child accounts"</A>
        </p>
    }
}
