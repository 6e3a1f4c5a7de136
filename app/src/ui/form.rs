//! A form's checking state, the same in every form: Voximplant's rules show under a
//! field once it was left (or after a submit), the server's complaint until the form
//! changes, and a submit focuses the first field with a problem.

use leptos::prelude::*;

use super::{browser::focus, FormAlerts};
use crate::error::AppError;

/// `problems` are (field, message); a problem with an empty field is about the whole
/// form ("Nothing to save"): it stops a submit but points at no field.
#[derive(Clone, Copy)]
pub struct FormCheck {
    touched: RwSignal<Vec<&'static str>>,
    pub submitted: RwSignal<bool>,
    pub server_error: RwSignal<Option<AppError>>,
    problems: Memo<Vec<(String, String)>>,
}

impl FormCheck {
    /// `edited` changes with every edit: it retires the server's last complaint.
    pub fn new<T: Send + Sync + 'static>(edited: RwSignal<T>, problems: Memo<Vec<(String, String)>>) -> Self {
        let server_error = RwSignal::new(None::<AppError>);
        Effect::new(move |previous: Option<()>| {
            edited.track();
            if previous.is_some() {
                server_error.set(None);
            }
        });
        FormCheck { touched: RwSignal::new(Vec::new()), submitted: RwSignal::new(false), server_error, problems }
    }

    /// The message under `field`: its rule once it was left (or after a submit),
    /// else the server's complaint about it.
    pub fn error_for(self, field: &'static str) -> impl Fn() -> Option<String> + Clone + Send + Sync + 'static {
        self.error_while(field, || false)
    }

    /// As [`error_for`](Self::error_for), and also while `typing` (a password's rules
    /// show as it is typed).
    pub fn error_while(
        self,
        field: &'static str,
        typing: impl Fn() -> bool + Clone + Send + Sync + 'static,
    ) -> impl Fn() -> Option<String> + Clone + Send + Sync + 'static {
        move || {
            // The server renders a form before anyone typed, left a field or sent it: no
            // message can show yet, and reading the form's state for every field cost a
            // tenth of such a page's time there. The browser's first run agrees.
            if cfg!(feature = "ssr") {
                return None;
            }
            let shown = self.submitted.get() || typing() || self.touched.with(|t| t.contains(&field));
            // Rules are checked only once their message may show.
            let local = || self.problems.with(|p| p.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone()));
            shown.then(local).flatten().or_else(|| self.server_error.get().and_then(|e| e.for_field(field)))
        }
    }

    pub fn left(self, field: &'static str) {
        self.touched.update(|t| if !t.contains(&field) { t.push(field) });
    }

    /// The server's complaint that belongs to no field.
    pub fn general_error(self) -> Signal<Option<String>> {
        Signal::derive(move || self.server_error.get().and_then(|e| e.general()))
    }

    /// How many fields need attention, once the form was submitted.
    pub fn attention(self) -> Signal<usize> {
        Signal::derive(move || {
            if self.submitted.get() { self.problems.with(|p| p.iter().filter(|(f, _)| !f.is_empty()).count()) } else { 0 }
        })
    }

    /// A problem about the whole form stands (e.g. nothing would change).
    pub fn form_problem(self) -> bool {
        self.problems.with(|p| p.iter().any(|(f, _)| f.is_empty()))
    }

    /// On submit: `true` when the form may be sent; otherwise every rule shows and
    /// the first field with a problem gets the focus.
    pub fn ready(self) -> bool {
        self.submitted.set(true);
        self.server_error.set(None);
        if let Some(field) = self.problems.with(|p| p.iter().find(|(f, _)| !f.is_empty()).map(|(f, _)| f.clone())) {
            focus(&format!("field-{field}"));
            return false;
        }
        !self.form_problem()
    }

    /// The server refused: its complaint shows, the first field it names gets the focus.
    pub fn refused(self, error: AppError) {
        let first = error.fields().first().map(|f| f.to_string());
        self.server_error.set(Some(error));
        if let Some(field) = first {
            focus(&format!("field-{field}"));
        }
    }

    /// Back to untouched (after a save, or for the next account).
    pub fn reset(self) {
        self.touched.set(Vec::new());
        self.submitted.set(false);
        self.server_error.set(None);
    }
}

/// The end of an edit form: "Nothing to save" after a submit that changes nothing,
/// the form's alerts, and "Save changes" (busy while saving) with any other actions.
#[component]
pub fn SaveActions(
    check: FormCheck,
    #[prop(into)] pending: Signal<bool>,
    /// More actions after the button ("Cancel").
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    view! {
        <Show when=move || check.submitted.get() && check.form_problem()>
            <p class="alert alert-info field-wide" role="status">"Nothing to save: no field differs from the account's current values."</p>
        </Show>
        <FormAlerts general=check.general_error() attention=check.attention() />
        <div class="form-actions">
            <button type="submit" class="button" disabled=move || pending.get() aria-busy=move || pending.get().to_string()>
                {move || if pending.get() { "Saving…" } else { "Save changes" }}
            </button>
            {children.map(|more| more())}
        </div>
    }
}
