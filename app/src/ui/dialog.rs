//! The confirmation dialog: a real `<dialog>` (modal, Escape closes it, focus stays
//! inside) that says exactly what will happen before money moves or something cannot
//! be undone.

use leptos::{html, prelude::*};

/// A button that opens a confirmation; `on_confirm` runs only after "confirm".
#[component]
pub fn ConfirmDialog(
    /// Unique on the page: the dialog's id (its heading is `{id}-title`).
    #[prop(into)]
    id: String,
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
    /// Dangerous or irreversible: the confirming button is red.
    #[prop(optional)]
    danger: bool,
    #[prop(default = "button button-small button-secondary")] open_class: &'static str,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    let title_id = format!("{id}-title");
    let confirm_class = if danger { "button button-danger" } else { "button" };
    let open = move |_| {
        if let Some(dialog) = dialog.get() {
            let _ = dialog.show_modal();
        }
    };
    let close = move || {
        if let Some(dialog) = dialog.get() {
            dialog.close();
        }
    };
    view! {
        <button type="button" class=open_class on:click=open>{open_label}</button>
        <dialog node_ref=dialog id=id class="dialog" aria-labelledby=title_id.clone()>
            <h2 id=title_id.clone()>{title}</h2>
            <p>{message}</p>
            <div class="button-row">
                <button type="button" class=confirm_class on:click=move |_| { close(); on_confirm.run(()); }>
                    {confirm_label}
                </button>
                <button type="button" class="button button-secondary" autofocus on:click=move |_| close()>"Cancel"</button>
            </div>
        </dialog>
    }
}
