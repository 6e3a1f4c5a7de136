//! `/account`: the parent account's profile. Admins and resellers edit every field
//! SetAccountInfo takes, with Voximplant's rules as they type and before → after
//! before saving; everyone else reads it.

use leptos::{ev::SubmitEvent, prelude::*};
use leptos_meta::Title;
use leptos_router::components::A;

use super::{
    fields::{Kind, ProfileField, PROFILE_FIELDS},
    get_profile,
    profile::{Profile, ProfileForm},
    UpdateProfile,
};
use crate::{
    access::Permission,
    frame::{use_auth, Guarded},
    ui::{data, use_toasts, ChangesDialog, Check, CountrySuggestions, ErrorState, Field, FormCheck, LanguageSuggestions, Loading, SaveActions, TimeZoneSuggestions},
};

/// The form's sections: (heading, fields, note under the heading).
const SECTIONS: &[(&str, &[&str], &str)] = &[
    ("Contact", &["account_first_name", "account_last_name", "new_account_email", "new_account_password"], ""),
    (
        "Notifications",
        &["language_code", "location", "min_balance_to_notify", "account_notifications", "tariff_changing_notifications", "news_notifications", "send_js_error"],
        "",
    ),
    (
        "Billing address",
        &["billing_address_name", "billing_address_country_code", "billing_address_address", "billing_address_zip", "billing_address_phone"],
        "Needed to pay for services. Once set, Voximplant lets you change the billing address but never remove it.",
    ),
    ("Callbacks", &["callback_url", "callback_salt"], "Voximplant posts account events to this URL."),
    ("Other", &["account_custom_data", "store_inbound_sms", "store_outbound_sms"], ""),
];

fn hint(name: &str) -> &'static str {
    match name {
        "new_account_email" => "Where Voximplant writes to you. Unique across Voximplant.",
        "new_account_password" => "Leave empty to keep the current one. At least 8 characters with an uppercase and a lowercase letter, a digit and a special character.",
        "language_code" => "Of Voximplant's emails: type to search, e.g. en or English.",
        "location" => "IANA name: type to search, e.g. Europe/Berlin.",
        "min_balance_to_notify" => "Voximplant warns you when the balance falls below this amount, in the account's currency.",
        "billing_address_country_code" => "ISO 3166-1 code: type to search, e.g. DE or Germany.",
        "callback_url" => "An http:// or https:// URL.",
        "callback_salt" => "Signs each callback. Leave empty to keep the current one; it is never shown.",
        "account_custom_data" => "Any text your own systems keep with the account.",
        _ => "",
    }
}

fn datalist(name: &str) -> Option<&'static str> {
    match name {
        "language_code" => Some("languages"),
        "location" => Some("time-zones"),
        "billing_address_country_code" => Some("countries"),
        _ => None,
    }
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    let profile = data(|| (), |_| get_profile());
    let auth = use_auth();
    view! {
        <Title text="Account profile" />
        <Guarded permission=Permission::ViewAccount>
            <section class="page">
                <header class="page-header">
                    <p class="eyebrow"><A href="/">"Dashboard"</A> " / Account"</p>
                    <h1>"Account profile"</h1>
                    <p class="lede">"Your parent account on Voximplant: contact, notifications, billing address and callbacks."</p>
                    <p><A href="/account/documents">"Verification documents"</A></p>
                </header>
                <Suspense fallback=|| view! { <Loading what="Loading the profile…" /> }>
                    {crate::ui::once_loaded(move || async move {
                        match profile.await {
                            Ok(current) if auth.may(Permission::ManageAccount) => {
                                view! { <ProfileEditor current on_saved=move |now| profile.set(Some(Ok(now))) /> }.into_any()
                            }
                            Ok(current) => view! { <ProfileFacts current /> }.into_any(),
                            Err(error) => view! { <ErrorState error retry=move |_| profile.refetch() /> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </Guarded>
    }
}

/// What a field holds, in words.
fn shown(profile: &Profile, field: &ProfileField) -> String {
    let value = profile.value(field.name);
    match field.kind {
        Kind::Secret if field.name == "callback_salt" => {
            if profile.callback_salt_set { "Set (never shown)" } else { "Not set" }.to_string()
        }
        Kind::Secret => "(never shown)".to_string(),
        Kind::Flag => if value == "true" { "On" } else { "Off" }.to_string(),
        Kind::UnreadFlag => "Not reported by Voximplant".to_string(),
        _ if value.is_empty() => "—".to_string(),
        Kind::Amount => profile.amount_shown(value),
        _ => value.to_string(),
    }
}

/// The profile for those who may not change it.
#[component]
fn ProfileFacts(current: Profile) -> impl IntoView {
    view! {
        <p class="alert alert-info" role="status">"Only admins and resellers can change the profile. You can read it."</p>
        {SECTIONS.iter().map(|(heading, fields, _)| {
            let rows = fields.iter().filter(|name| **name != "new_account_password")
                .filter_map(|name| PROFILE_FIELDS.iter().find(|f| f.name == *name)).map(|f| {
                let value = shown(&current, f);
                let label = if f.name == "callback_salt" { "Callback salt" } else { f.label };
                view! { <div><dt>{label}</dt><dd>{value}</dd></div> }
            }).collect_view();
            view! {
                <article class="card">
                    <h2>{*heading}</h2>
                    <dl class="facts" data-test="profile-facts">{rows}</dl>
                </article>
            }
        }).collect_view()}
        <p class="muted small">{format!("Read from Voximplant at {}.", current.fetched_at)}</p>
    }
}

#[component]
fn ProfileEditor(current: Profile, #[prop(into)] on_saved: Callback<Profile>) -> impl IntoView {
    let save = ServerAction::<UpdateProfile>::new();
    let toasts = use_toasts();
    let form = RwSignal::new(current.form());
    let current = StoredValue::new(current);
    let confirming = RwSignal::new(false);
    let changes = Memo::new(move |_| form.with(|f| current.with_value(|c| f.changes(c))));
    let check = FormCheck::new(form, Memo::new(move |_| changes.with(|ch| current.with_value(|c| ch.problems(c)))));
    Effect::new(move |_| match save.value().get() {
        Some(Ok(now)) => {
            toasts.show("Saved. The profile now shows Voximplant's values.");
            check.reset();
            on_saved.run(now);
        }
        Some(Err(error)) => check.refused(error),
        None => {}
    });

    // The password's rules show as you type; other fields once left, all after a submit.
    let error_for = move |field: &'static str| {
        check.error_while(field, move || field == "new_account_password" && form.with(|f| !f.get(field).is_empty()))
    };
    let left = move |field: &'static str| check.left(field);

    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if check.ready() {
            confirming.set(true);
        }
    };
    let confirm = move |_| {
        save.dispatch(UpdateProfile { changes: changes.get_untracked() });
    };
    let preview = move || changes.with(|ch| current.with_value(|c| ch.preview(c)));
    let dialog_title = Signal::derive(move || match preview().len() {
        1 => "Save 1 change to your account?".to_string(),
        n => format!("Save {n} changes to your account?"),
    });
    let pending = save.pending();

    let input = move |f: &'static ProfileField| -> AnyView {
        let value = Signal::derive(move || form.with(|form: &ProfileForm| form.get(f.name).to_string()));
        match f.kind {
            Kind::Flag => view! {
                <Check id=checkbox_id(f.name) label=f.label checked=Signal::derive(move || value.get() == "true")
                    on_change=move |on: bool| form.update(|form| form.set(f.name, on.to_string())) />
            }
            .into_any(),
            Kind::UnreadFlag => view! {
                <div class="field">
                    <label for=format!("field-{}", f.name)>{f.label}</label>
                    <select id=format!("field-{}", f.name) aria-describedby=format!("field-{}-hint", f.name)
                        on:change=move |event| form.update(|form| form.set(f.name, event_target_value(&event)))>
                        <option value="" selected=move || value.get().is_empty()>"Leave as it is"</option>
                        <option value="true" selected=move || value.get() == "true">"On"</option>
                        <option value="false" selected=move || value.get() == "false">"Off"</option>
                    </select>
                    <p class="field-hint small muted" id=format!("field-{}-hint", f.name)>"Voximplant does not report the current setting."</p>
                </div>
            }
            .into_any(),
            kind => {
                let (input_type, autocomplete) = match kind {
                    Kind::Secret => ("password", "new-password"),
                    _ if f.name == "new_account_email" => ("email", "email"),
                    _ if f.name == "callback_url" => ("url", "off"),
                    _ => ("text", "off"),
                };
                view! {
                    <Field name=f.name label=f.label hint=hint(f.name) input_type autocomplete list=datalist(f.name).unwrap_or_default()
                        error=error_for(f.name) value
                        on_input=move |v: String| form.update(|form| form.set(f.name, v)) on_blur=move |_| left(f.name) />
                }
                .into_any()
            }
        }
    };
    let state = current.with_value(|c| c.billing_address_state.clone());

    view! {
        <form class="card form form-grid" novalidate on:submit=on_submit data-test="profile-form" aria-describedby="profile-help">
            <p id="profile-help" class="muted field-wide">
                {move || format!("Only what you change is sent to Voximplant; you see every change before it is saved. Read at {}.", current.with_value(|c| c.fetched_at.clone()))}
            </p>
            {SECTIONS.iter().map(|(heading, fields, note)| {
                let (flags, others): (Vec<&'static ProfileField>, Vec<&'static ProfileField>) = fields
                    .iter()
                    .filter_map(|name| PROFILE_FIELDS.iter().find(|f| f.name == *name))
                    .partition(|f| f.kind == Kind::Flag);
                let is_billing = *heading == "Billing address";
                let state = state.clone();
                view! {
                    <fieldset class="field-wide form-section">
                        <legend>{*heading}</legend>
                        {(!note.is_empty()).then(|| view! { <p class="muted small">{*note}</p> })}
                        <div class="form-grid">
                            {others.into_iter().map(input).collect_view()}
                            {is_billing.then(|| view! {
                                <div class="field">
                                    <span class="label-like">"State or province"</span>
                                    <p data-test="billing-state">{state.clone().unwrap_or_else(|| "—".into())}</p>
                                    <p class="field-hint small muted">"For US and Canadian addresses. Voximplant's SetAccountInfo does not take it; Voximplant support sets it."</p>
                                </div>
                            })}
                        </div>
                        {(!flags.is_empty()).then(|| view! {
                            <div class="checks">{flags.into_iter().map(input).collect_view()}</div>
                        })}
                    </fieldset>
                }
            }).collect_view()}
            <LanguageSuggestions />
            <TimeZoneSuggestions />
            <CountrySuggestions />
            <SaveActions check pending />
        </form>
        <ChangesDialog title=dialog_title open=confirming intro="These fields change on Voximplant, for your parent account:" rows=Signal::derive(preview) on_confirm=confirm />
    }
}

/// Checkbox ids follow the text fields' `field-{name}`.
fn checkbox_id(name: &'static str) -> &'static str {
    match name {
        "account_notifications" => "field-account_notifications",
        "tariff_changing_notifications" => "field-tariff_changing_notifications",
        "news_notifications" => "field-news_notifications",
        _ => "field-send_js_error",
    }
}
