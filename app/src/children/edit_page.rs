//! Editing a child account: Voximplant's rules as you type, "Save changes" shows what
//! will change (before → after) and sends only that; then the child's page shows
//! Voximplant's values, read again.

use leptos::{ev::SubmitEvent, prelude::*};
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_navigate};

use super::{
    child_page::{child_from_url, WithChild},
    changes::ChildForm,
    model::ChildAccount,
    UpdateChild,
};
use crate::{
    access::Permission,
    frame::Guarded,
    ui::{use_toasts, ChangesDialog, Check, Field, FormCheck, LanguageSuggestions, SaveActions, TimeZoneSuggestions},
};

#[component]
pub fn EditChildPage() -> impl IntoView {
    let details = child_from_url();
    view! {
        <Title text="Edit child account" />
        <Guarded permission=Permission::ManageChildren>
            <section class="page">
                <WithChild details heading="Edit child account" loading="Loading the child account…"
                    show=|details, _| view! { <EditForm child=details.account /> } />
            </section>
        </Guarded>
    }
}

#[component]
fn EditForm(child: ChildAccount) -> impl IntoView {
    let save = ServerAction::<UpdateChild>::new();
    let toasts = use_toasts();
    let navigate = use_navigate();
    let id = child.account_id;
    let page = format!("/children/{id}");
    let form = RwSignal::new(ChildForm::from_account(&child));
    let child = StoredValue::new(child);
    let confirming = RwSignal::new(false);
    // What the form would send, or why it cannot be read.
    let changes = Memo::new(move |_| form.with(|f| child.with_value(|c| f.changes(c))));
    let check = FormCheck::new(form, Memo::new(move |_| form.with(|f| child.with_value(|c| f.problems(c)))));
    {
        let page = page.clone();
        Effect::new(move |_| match save.value().get() {
            Some(Ok(now)) => {
                toasts.show(format!("Saved. {} now shows Voximplant's values.", now.account_name));
                navigate(&page, Default::default());
            }
            Some(Err(error)) => check.refused(error),
            None => {}
        });
    }

    // The password's rules show as you type; other fields once left, all after a submit.
    let error_for = move |field: &'static str| {
        check.error_while(field, move || {
            field == "new_child_account_password" && form.with(|f| !f.new_child_account_password.is_empty())
        })
    };
    let left = move |field: &'static str| check.left(field);
    let text = move |read: fn(&ChildForm) -> &String| Signal::derive(move || form.with(|f| read(f).clone()));

    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if check.ready() {
            confirming.set(true);
        }
    };
    let confirm = move |_| {
        if let Ok(changes) = changes.get_untracked() {
            save.dispatch(UpdateChild { account_id: id, changes });
        }
    };
    let preview = move || changes.get().map(|c| child.with_value(|before| c.preview(before))).unwrap_or_default();
    let dialog_title = Signal::derive(move || {
        let name = child.with_value(|c| c.account_name.clone());
        match preview().len() {
            1 => format!("Save 1 change to {name}?"),
            n => format!("Save {n} changes to {name}?"),
        }
    });
    let pending = save.pending();
    let name = child.with_value(|c| c.account_name.clone());

    view! {
        <header class="page-header">
            <p class="eyebrow"><A href="/children">"Child accounts"</A> " / " <A href=page.clone()>{name.clone()}</A></p>
            <h1>{format!("Edit {}", child.with_value(|c| c.account_name.clone()))}</h1>
            <p class="lede">"Only what you change is sent to Voximplant. You will see every change before it is saved."</p>
        </header>
        <form class="card form form-grid" novalidate on:submit=on_submit data-test="edit-child-form" aria-describedby="edit-help">
            <p id="edit-help" class="muted field-wide">"Voximplant's rules are checked as you go."</p>
            <Field name="new_child_account_email" label="Email" input_type="email" error=error_for("new_child_account_email")
                hint="Where Voximplant writes to this customer. Unique across Voximplant."
                value=text(|f| &f.new_child_account_email) on_input=move |v| form.update(|f| f.new_child_account_email = v)
                on_blur=move |_| left("new_child_account_email") />
            <Field name="new_child_account_password" label="New password" input_type="password" autocomplete="new-password"
                error=error_for("new_child_account_password")
                hint="Leave empty to keep the current one. At least 8 characters with an uppercase and a lowercase letter, a digit and a special character."
                value=text(|f| &f.new_child_account_password) on_input=move |v| form.update(|f| f.new_child_account_password = v) />
            <Field name="language_code" label="Language" list="languages" error=error_for("language_code")
                hint="Of Voximplant's emails to this customer: type to search, e.g. en or English."
                value=text(|f| &f.language_code) on_input=move |v| form.update(|f| f.language_code = v)
                on_blur=move |_| left("language_code") />
            <LanguageSuggestions />
            <Field name="location" label="Time zone" list="time-zones" error=error_for("location")
                hint="IANA name: type to search, e.g. Europe/Berlin."
                value=text(|f| &f.location) on_input=move |v| form.update(|f| f.location = v) on_blur=move |_| left("location") />
            <TimeZoneSuggestions />
            <Field name="min_balance_to_notify" label="Min balance to notify" input_type="text" error=error_for("min_balance_to_notify")
                hint="Voximplant emails the customer when the balance falls below this amount, in the account's currency."
                value=text(|f| &f.min_balance_to_notify) on_input=move |v| form.update(|f| f.min_balance_to_notify = v)
                on_blur=move |_| left("min_balance_to_notify") />
            <div class="field">
                <label for="field-can_use_restricted">"Restricted directions"</label>
                <select id="field-can_use_restricted" aria-describedby="field-can_use_restricted-hint"
                    on:change=move |event| form.update(|f| f.can_use_restricted = event_target_value(&event))>
                    <option value="" selected=move || form.with(|f| f.can_use_restricted.is_empty())>"Leave as it is"</option>
                    <option value="allow" selected=move || form.with(|f| f.can_use_restricted == "allow")>"Allow"</option>
                    <option value="forbid" selected=move || form.with(|f| f.can_use_restricted == "forbid")>"Forbid"</option>
                </select>
                <p class="field-hint small muted" id="field-can_use_restricted-hint">
                    "Calls to directions Voximplant restricts. Voximplant does not report the current setting."
                </p>
            </div>
            <fieldset class="field-wide checks">
                <legend>"Payment methods"</legend>
                <Check id="field-support_robokassa" label="Robokassa"
                    checked=Signal::derive(move || form.with(|f| f.support_robokassa)) on_change=move |v| form.update(|f| f.support_robokassa = v) />
                <Check id="field-support_bank_card" label="Bank card"
                    checked=Signal::derive(move || form.with(|f| f.support_bank_card)) on_change=move |v| form.update(|f| f.support_bank_card = v) />
                <Check id="field-support_invoice" label="Invoice"
                    checked=Signal::derive(move || form.with(|f| f.support_invoice)) on_change=move |v| form.update(|f| f.support_invoice = v) />
            </fieldset>
            <fieldset class="field-wide checks">
                <legend>"Notifications"</legend>
                <Check id="field-account_notifications" label="Account emails (low balance and similar)"
                    checked=Signal::derive(move || form.with(|f| f.account_notifications)) on_change=move |v| form.update(|f| f.account_notifications = v) />
                <Check id="field-tariff_changing_notifications" label="Plan-change emails"
                    checked=Signal::derive(move || form.with(|f| f.tariff_changing_notifications)) on_change=move |v| form.update(|f| f.tariff_changing_notifications = v) />
                <Check id="field-news_notifications" label="News emails"
                    checked=Signal::derive(move || form.with(|f| f.news_notifications)) on_change=move |v| form.update(|f| f.news_notifications = v) />
            </fieldset>
            <SaveActions check pending>
                <A href=page attr:class="button button-secondary">"Cancel"</A>
            </SaveActions>
        </form>
        <ChangesDialog title=dialog_title open=confirming intro="These fields change on Voximplant, for this one account:" rows=Signal::derive(preview) on_confirm=confirm />
    }
}
