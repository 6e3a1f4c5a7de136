//! The form for a server function that takes what the user typed as it is (log in,
//! create a user, rename): with WebAssembly running, a submit dispatches the action
//! (no page load, errors shown in place); without it, the browser posts the form to
//! the same endpoint.
//!
//! Leptos' `ActionForm` does the same but decodes the fields with a URL-query
//! deserializer (serde_qs), 50 KB of code the login page and the frame's "Log out"
//! loaded before anything else; here each form says how its fields make the
//! function's arguments.

use leptos::{prelude::*, server_fn::ServerFn};

/// A submitted form's fields by name.
pub struct Fields(Vec<(String, String)>);

impl Fields {
    /// A text field's value (empty if the form has no such field).
    pub fn text(&self, name: &str) -> String {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// A checkbox's value if it is ticked (a browser sends unticked boxes not at all).
    pub fn ticked(&self, name: &str) -> Option<String> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    }

    #[cfg(feature = "hydrate")]
    fn of(form: &web_sys::HtmlFormElement) -> Fields {
        use wasm_bindgen::JsCast;
        let mut fields = Vec::new();
        let elements = form.elements();
        for i in 0..elements.length() {
            let Some(element) = elements.item(i) else { continue };
            let (name, value, sent) = if let Some(input) = element.dyn_ref::<web_sys::HtmlInputElement>() {
                let unticked = matches!(input.type_().as_str(), "checkbox" | "radio") && !input.checked();
                (input.name(), input.value(), !unticked)
            } else if let Some(select) = element.dyn_ref::<web_sys::HtmlSelectElement>() {
                (select.name(), select.value(), true)
            } else if let Some(area) = element.dyn_ref::<web_sys::HtmlTextAreaElement>() {
                (area.name(), area.value(), true)
            } else {
                continue;
            };
            if sent && !name.is_empty() {
                fields.push((name, value));
            }
        }
        Fields(fields)
    }
}

/// `<form action=… method="post">` around `children`; a submit dispatches
/// `action` with the arguments `read` makes of the fields.
#[component]
pub fn PostForm<S>(
    action: ServerAction<S>,
    read: fn(&Fields) -> S,
    #[prop(optional)] class: &'static str,
    /// Leave checking to the page (its messages sit next to each field).
    #[prop(optional)]
    novalidate: bool,
    children: Children,
) -> impl IntoView
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if event.default_prevented() {
                return;
            }
            let Some(form) = event.target().and_then(|target| target.dyn_into::<web_sys::HtmlFormElement>().ok()) else {
                return;
            };
            event.prevent_default();
            action.dispatch(read(&Fields::of(&form)));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (event, action, read);
    };
    view! {
        <form action=S::url() method="post" class=(!class.is_empty()).then_some(class) novalidate=novalidate on:submit=on_submit>
            {children()}
        </form>
    }
}
