//! Confirmation dialogs: a real `<dialog>` (modal, Escape closes it, focus stays
//! inside) that says exactly what will happen before money moves or something cannot
//! be undone.

use leptos::{html, prelude::*};

use super::TableWrap;

/// A modal `<dialog>` shown while `open` is true; Escape or "Cancel" closes it.
/// `children` say what will happen; `on_confirm` runs after the confirming button.
#[component]
pub fn ModalDialog(
    /// Unique on the page: the dialog's id (its heading is `{id}-title`).
    #[prop(into)]
    id: String,
    /// The dialog's heading ("Save 2 changes to acme-corp?").
    #[prop(into)]
    title: Signal<String>,
    open: RwSignal<bool>,
    /// The words on the confirming button ("Save changes").
    confirm_label: &'static str,
    #[prop(into)] on_confirm: Callback<()>,
    /// Dangerous or irreversible: the confirming button is red.
    #[prop(optional)]
    danger: bool,
    /// While true, the confirming button is disabled (the choices inside are incomplete).
    #[prop(optional, into)]
    confirm_disabled: Signal<bool>,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    let title_id = format!("{id}-title");
    let confirm_class = if danger { "button button-danger" } else { "button" };
    Effect::new(move |_| {
        let Some(dialog) = dialog.get() else { return };
        match (open.get(), dialog.open()) {
            (true, false) => {
                let _ = dialog.show_modal();
            }
            (false, true) => dialog.close(),
            _ => {}
        }
    });
    view! {
        <dialog node_ref=dialog id=id class="dialog" aria-labelledby=title_id.clone() on:close=move |_| open.set(false)>
            <h2 id=title_id.clone()>{move || title.get()}</h2>
            {children()}
            <div class="button-row">
                <button type="button" class=confirm_class disabled=move || confirm_disabled.get()
                    on:click=move |_| { open.set(false); on_confirm.run(()); }>
                    {confirm_label}
                </button>
                <button type="button" class="button button-secondary" autofocus on:click=move |_| open.set(false)>"Cancel"</button>
            </div>
        </dialog>
    }
}

/// A button that opens a confirmation; `on_confirm` runs only after "confirm".
#[component]
pub fn ConfirmDialog(
    #[prop(into)] id: String,
    /// The words on the button that opens the dialog ("Remove").
    open_label: &'static str,
    /// The dialog's heading ("Remove the connection Main?").
    #[prop(into)]
    title: String,
    /// Exactly what will happen, to what, and how many.
    #[prop(into)]
    message: String,
    /// The words on the confirming button ("Remove connection").
    confirm_label: &'static str,
    #[prop(into)] on_confirm: Callback<()>,
    #[prop(optional)] danger: bool,
    #[prop(default = "button button-small button-secondary")] open_class: &'static str,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <button type="button" class=open_class disabled=move || disabled.get() on:click=move |_| open.set(true)>{open_label}</button>
        <ModalDialog id title=Signal::stored(title) open confirm_label on_confirm danger>
            <p>{message}</p>
        </ModalDialog>
    }
}

/// "Save changes" confirmation: before → after of every field that changes.
#[component]
pub fn ChangesDialog(
    #[prop(into)] title: Signal<String>,
    open: RwSignal<bool>,
    /// What changes where ("These fields change on Voximplant, for this one account:").
    intro: &'static str,
    /// (field label, now, after saving).
    #[prop(into)]
    rows: Signal<Vec<(&'static str, String, String)>>,
    #[prop(into)] on_confirm: Callback<()>,
) -> impl IntoView {
    view! {
        <ModalDialog id="save-dialog" title open confirm_label="Save changes" on_confirm>
            <p>{intro}</p>
            <TableWrap caption="Changes to save" class="changes-table" test="change-preview">
                <thead><tr><th scope="col">"Field"</th><th scope="col">"Now"</th><th scope="col">"After saving"</th></tr></thead>
                <tbody>
                    {move || rows.get().into_iter().map(|(label, before, after)| view! {
                        <tr><th scope="row">{label}</th><td>{before}</td><td class="strong">{after}</td></tr>
                    }).collect_view()}
                </tbody>
            </TableWrap>
        </ModalDialog>
    }
}
