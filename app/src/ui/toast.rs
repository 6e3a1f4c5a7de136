//! Toasts: short confirmations of what just happened ("Connection renamed"), read out
//! by screen readers (`role="status"`), gone after a few seconds or when dismissed.

use leptos::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Toast {
    id: u64,
    text: String,
}

/// The page's toasts; `use_toasts().show(…)` adds one.
#[derive(Clone, Copy)]
pub struct Toasts {
    shown: RwSignal<Vec<Toast>>,
    next_id: StoredValue<u64>,
}

/// How long a toast stays.
const TOAST_MS: u64 = 6000;

impl Toasts {
    pub fn show(&self, text: impl Into<String>) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.shown.update(|toasts| toasts.push(Toast { id, text: text.into() }));
        let shown = self.shown;
        set_timeout(
            move || shown.update(|toasts| toasts.retain(|t| t.id != id)),
            std::time::Duration::from_millis(TOAST_MS),
        );
    }

    fn dismiss(&self, id: u64) {
        self.shown.update(|toasts| toasts.retain(|t| t.id != id));
    }
}

pub fn provide_toasts() {
    provide_context(Toasts { shown: RwSignal::new(Vec::new()), next_id: StoredValue::new(0) });
}

pub fn use_toasts() -> Toasts {
    expect_context::<Toasts>()
}

/// Where toasts appear (once per page, in the frame).
#[component]
pub fn ToastRegion() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || toasts.shown.get() key=|toast| toast.id let:toast>
                <div class="toast" data-test="toast">
                    <span>{toast.text.clone()}</span>
                    <button type="button" class="link-button" on:click=move |_| toasts.dismiss(toast.id)>
                        "Dismiss"
                    </button>
                </div>
            </For>
        </div>
    }
}
