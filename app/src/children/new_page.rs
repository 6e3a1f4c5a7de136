//! The "new child account" page: Voximplant's rules checked as you type, the
//! result (and the new API key, once) after.

use leptos::{ev::SubmitEvent, prelude::*};
use leptos_meta::Title;
use leptos_router::components::A;

use super::{
    account_form::{AccountFields, AccountForm, AnsweredAgain, ApiKeyOnce},
    CreateChild, CreatedChild, NewChild,
};
use crate::{
    access::Permission,
    frame::{use_auth, Guarded},
    ui::{browser::focus, Check, Field, FormAlerts},
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
pub(super) fn ParentNotice() -> impl IntoView {
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
    let state = AccountForm::new(NewChild::problems);
    let form = state.form;
    let created = RwSignal::new(None::<CreatedChild>);

    Effect::new(move |_| match create.value().get() {
        Some(Ok(child)) => {
            created.set(Some(child));
            state.reset();
        }
        Some(Err(error)) => state.check.server_error.set(Some(error)),
        None => {}
    });

    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        // A second click while the first is on its way sends nothing new; the key
        // makes even a resend of the same form create one account.
        if create.pending().get_untracked() || !state.ready() {
            return;
        }
        create.dispatch(CreateChild { child: form.get_untracked(), form_key: state.key.get_untracked() });
    };
    let pending = create.pending();
    let text = move |field: fn(&NewChild) -> &String| Signal::derive(move || form.with(|c| field(c).clone()));
    let left = move |field: &'static str| move |_| state.check.left(field);

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
            <AccountFields state />
            <Field name="min_balance_to_notify" label="Min balance to notify" error=state.error_for("min_balance_to_notify")
                hint="Voximplant emails the customer when the balance falls below this amount, in the parent's currency."
                value=text(|c| &c.min_balance_to_notify) on_input=move |v| form.update(|c| c.min_balance_to_notify = v)
                on_blur=left("min_balance_to_notify") />
            <Field name="record_storage" label="Record storage" error=state.error_for("record_storage")
                hint="Where call records are kept: a record storage's id (digits) or name. Empty: Voximplant's default."
                value=text(|c| &c.record_storage) on_input=move |v| form.update(|c| c.record_storage = v)
                on_blur=left("record_storage") />
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
            <FormAlerts general=state.check.general_error() attention=state.check.attention() />
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
/// only: Voxdesk keeps it (sealed) a day for resends of this form, nowhere else.
#[component]
fn CreatedPanel(created: RwSignal<Option<CreatedChild>>, on_again: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    view! {
        {move || created.get().map(|child| view! {
            <section class="card created" role="status" aria-labelledby="created-title" data-test="created-child">
                <h2 id="created-title">"Child account created"</h2>
                <AnsweredAgain again=child.again />
                <p>
                    <A href=format!("/children/{}", child.account_id)><span class="strong">{child.account_name.clone()}</span></A>
                    {format!(" has id {}. ", child.account_id)}
                    {if child.active {
                        "It is active."
                    } else {
                        "It is inactive: activate it when the customer is ready."
                    }}
                </p>
                <ApiKeyOnce api_key=child.api_key.clone() />
            </section>
        })}
        <p class="button-row">
            <button type="button" class="button" on:click=move |_| on_again()>
                "Create another"
            </button>
            <A href="/children" attr:class="button button-secondary">"Back to child accounts"</A>
        </p>
    }
}
