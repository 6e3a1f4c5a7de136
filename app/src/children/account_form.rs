//! What the create and clone forms share: their state (Voximplant's rules shown once
//! a field was left, the server's complaint until the form changes, the form's key),
//! the account's own fields, and the new API key shown once.

use leptos::prelude::*;

use super::NewChild;
use crate::{
    submission::FormKey,
    ui::{browser::copy_to_clipboard, Field, FormCheck, LanguageSuggestions, TimeZoneSuggestions},
};

/// A create or clone form's state.
#[derive(Clone, Copy)]
pub struct AccountForm {
    pub form: RwSignal<NewChild>,
    /// This rendering's key: a double click or resend of it makes one account.
    pub key: RwSignal<FormKey>,
    pub check: FormCheck,
}

impl AccountForm {
    /// `rules` are Voximplant's, for AddAccount or CloneAccount.
    pub fn new(rules: fn(&NewChild) -> Vec<(String, String)>) -> Self {
        let form = RwSignal::new(NewChild::default());
        let check = FormCheck::new(form, Memo::new(move |_| form.with(rules)));
        AccountForm { form, key: RwSignal::new(FormKey::random()), check }
    }

    pub fn error_for(self, field: &'static str) -> impl Fn() -> Option<String> + Clone + Send + Sync + 'static {
        self.check.error_for(field)
    }

    /// On submit: `true` when the form may be sent (see [`FormCheck::ready`]).
    pub fn ready(self) -> bool {
        self.check.ready()
    }

    /// An empty form with a new key, for the next account.
    pub fn reset(self) {
        self.form.set(NewChild::default());
        self.key.set(FormKey::random());
        self.check.reset();
    }

    fn text(self, field: fn(&NewChild) -> &String) -> Signal<String> {
        Signal::derive(move || self.form.with(|f| field(f).clone()))
    }
}

/// The account's own fields: name, email, password, time zone, names, language,
/// custom data. Field names are AddAccount's, so complaints land next to them.
#[component]
pub fn AccountFields(state: AccountForm) -> impl IntoView {
    let form = state.form;
    let left = move |field: &'static str| move |_| state.check.left(field);
    view! {
        <Field name="account_name" label="Account name *" error=state.error_for("account_name")
            hint="5–20 characters: lowercase latin letters, digits and hyphens, starting with a letter. Unique across Voximplant."
            value=state.text(|c| &c.account_name) on_input=move |v| form.update(|c| c.account_name = v) on_blur=left("account_name") />
        <Field name="account_email" label="Email *" input_type="email" autocomplete="off"
            error=state.error_for("account_email") hint="Where Voximplant writes to this customer. Unique across Voximplant."
            value=state.text(|c| &c.account_email) on_input=move |v| form.update(|c| c.account_email = v) on_blur=left("account_email") />
        <Field name="account_password" label="Password *" input_type="password" autocomplete="new-password"
            error=state.error_for("account_password")
            hint="At least 8 characters with an uppercase and a lowercase letter, a digit and a special character. Not stored by Voxdesk."
            value=state.text(|c| &c.account_password) on_input=move |v| form.update(|c| c.account_password = v) on_blur=left("account_password") />
        <Field name="location" label="Time zone" list="time-zones" error=state.error_for("location")
            hint="IANA name: type to search, e.g. Europe/Berlin. Empty: Voximplant's default (Etc/GMT)."
            value=state.text(|c| &c.location) on_input=move |v| form.update(|c| c.location = v) on_blur=left("location") />
        <TimeZoneSuggestions />
        <Field name="language_code" label="Language" list="languages" error=state.error_for("language_code")
            hint="Of Voximplant's emails to this customer: type to search, e.g. de or German. Empty: English."
            value=state.text(|c| &c.language_code) on_input=move |v| form.update(|c| c.language_code = v) on_blur=left("language_code") />
        <LanguageSuggestions />
        <Field name="account_first_name" label="First name" error=state.error_for("account_first_name")
            hint="Of the customer's contact person."
            value=state.text(|c| &c.account_first_name) on_input=move |v| form.update(|c| c.account_first_name = v) on_blur=left("account_first_name") />
        <Field name="account_last_name" label="Last name" error=state.error_for("account_last_name")
            value=state.text(|c| &c.account_last_name) on_input=move |v| form.update(|c| c.account_last_name = v) on_blur=left("account_last_name") />
        <Field name="account_custom_data" label="Custom data" error=state.error_for("account_custom_data")
            hint="Free text for your own systems (a customer number, say); Voximplant only stores it."
            value=state.text(|c| &c.account_custom_data) on_input=move |v| form.update(|c| c.account_custom_data = v) on_blur=left("account_custom_data") />
    }
}

/// A new account's API key, shown with a copy button, or why it is not shown.
#[component]
pub fn ApiKeyOnce(api_key: Option<String>) -> impl IntoView {
    let copied = RwSignal::new(false);
    match api_key {
        Some(key) => {
            let to_copy = key.clone();
            view! {
                <div class="secret-once">
                    <p class="strong">"API key: copy it now. Voxdesk shows it only after this form and will not show it later."</p>
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
                "The API key is not shown: it was not kept, or showing it could not be recorded in the audit log. "
                "Find it in the Voximplant control panel of this account."
            </p>
        }
        .into_any(),
    }
}

/// Said above a result that answers an earlier submission of the same form.
#[component]
pub fn AnsweredAgain(again: bool) -> impl IntoView {
    again.then(|| {
        view! {
            <p class="alert alert-info" data-test="answered-again">
                "This form was already sent: this is the account it made. Nothing new was created."
            </p>
        }
    })
}
