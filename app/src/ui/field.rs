//! The one form field: a label, the input, a hint and the error, tied together for
//! screen readers (`aria-describedby`, `aria-invalid`). Either uncontrolled (a named
//! input inside a `PostForm`) or bound to a signal (`value` + `on_input`).

use leptos::prelude::*;

/// A labelled input with its hint and its error right below it.
#[component]
pub fn Field<E>(
    /// The input's `name`; its id is `field-{name}` unless `id` is given.
    name: &'static str,
    label: &'static str,
    /// The input's id, for a page with two forms that share a field name.
    #[prop(optional)]
    id: Option<&'static str>,
    /// What the field is for or what it accepts (optional).
    #[prop(optional)]
    hint: &'static str,
    /// The message to show under the field, if any.
    error: E,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    /// The id of a `<datalist>` to suggest from.
    #[prop(optional)]
    list: Option<&'static str>,
    /// Bound mode: the value to show.
    #[prop(optional)]
    value: Option<Signal<String>>,
    /// Bound mode: called with every edit.
    #[prop(optional, into)]
    on_input: Option<Callback<String>>,
    /// Called when focus leaves the field (to start showing its rules).
    #[prop(optional, into)]
    on_blur: Option<Callback<()>>,
    /// Uncontrolled mode: the value the input starts with.
    #[prop(optional, into)]
    initial: String,
) -> impl IntoView
where
    E: Fn() -> Option<String> + Send + Sync + Clone + 'static,
{
    let id = id.map_or_else(|| format!("field-{name}"), str::to_string);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = if hint.is_empty() { error_id.clone() } else { format!("{hint_id} {error_id}") };
    let invalid = {
        let error = error.clone();
        move || error().is_some().to_string()
    };
    let edited = move |event: leptos::ev::Event| {
        if let Some(on_input) = on_input {
            on_input.run(event_target_value(&event));
        }
    };
    let left = move |event: leptos::ev::FocusEvent| {
        // Focus moving to a submit button: the submit shows every rule anyway, and a
        // message appearing now would shift the button away from the click.
        if moving_to_submit(&event) {
            return;
        }
        if let Some(on_blur) = on_blur {
            on_blur.run(());
        }
    };
    // Bound inputs follow their signal (a property); uncontrolled ones start from an
    // attribute, which the server renders too.
    let input = match value {
        Some(value) => view! {
            <input id=id.clone() name=name type=input_type autocomplete=autocomplete list=list
                prop:value=move || value.get() aria-invalid=invalid aria-describedby=described_by
                on:input=edited on:blur=left />
        }
        .into_any(),
        None => view! {
            <input id=id.clone() name=name type=input_type autocomplete=autocomplete list=list
                value=initial aria-invalid=invalid aria-describedby=described_by
                on:input=edited on:blur=left />
        }
        .into_any(),
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {input}
            {(!hint.is_empty()).then(|| view! { <p class="field-hint small muted" id=hint_id>{hint}</p> })}
            <p class="field-error" id=error_id role="alert">{error}</p>
        </div>
    }
}

/// [`Field`] for the simple forms: a named, uncontrolled input with its error.
#[component]
pub fn FormField<E>(
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional, into)] value: String,
    /// See [`Field`]'s `id`.
    #[prop(optional)]
    id: Option<&'static str>,
    error: E,
) -> impl IntoView
where
    E: Fn() -> Option<String> + Send + Sync + Clone + 'static,
{
    match id {
        Some(id) => view! { <Field name id label input_type autocomplete initial=value error /> }.into_any(),
        None => view! { <Field name label input_type autocomplete initial=value error /> }.into_any(),
    }
}

/// A labelled checkbox bound to a signal.
#[component]
pub fn Check(
    id: &'static str,
    label: &'static str,
    checked: Signal<bool>,
    #[prop(into)] on_change: Callback<bool>,
) -> impl IntoView {
    view! {
        <label class="check" for=id>
            <input
                id=id
                type="checkbox"
                prop:checked=move || checked.get()
                on:change=move |event| on_change.run(event_target_checked(&event))
            />
            <span>{label}</span>
        </label>
    }
}

/// Under a form: the server's complaint that belongs to no field, and how many
/// fields need attention (each says why next to itself).
#[component]
pub fn FormAlerts(
    #[prop(into)] general: Signal<Option<String>>,
    /// Fields with a problem to show (0 hides the count).
    #[prop(into)]
    attention: Signal<usize>,
) -> impl IntoView {
    view! {
        <Show when=move || general.get().is_some()>
            <p class="alert alert-error field-wide" role="alert" data-test="form-error">{move || general.get()}</p>
        </Show>
        <Show when=move || { attention.get() > 0 }>
            <p class="alert alert-error field-wide" role="alert">
                {move || match attention.get() {
                    1 => "One field needs attention.".to_string(),
                    n => format!("{n} fields need attention."),
                }}
            </p>
        </Show>
    }
}

/// Whether focus is leaving for a submit button (`relatedTarget` of a blur).
fn moving_to_submit(event: &leptos::ev::FocusEvent) -> bool {
    use wasm_bindgen::JsCast;
    event
        .related_target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|element| element.tag_name() == "BUTTON" && element.get_attribute("type").as_deref() != Some("button"))
}
