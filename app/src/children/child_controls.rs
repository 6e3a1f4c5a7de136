//! The controls on a child's page that change it: Activate or Deactivate (admins and
//! resellers) and the notification settings form (support staff too).

use leptos::prelude::*;

use super::{changes::NotificationChanges, model::ChildAccount, ActivateChild, DeactivateChild, UpdateChildNotifications};
use crate::ui::{use_toasts, Check, ConfirmDialog};

/// Activate or Deactivate, each behind a dialog that says what the customer gains
/// or loses.
#[component]
pub(super) fn Activation(child: ChildAccount, refresh: Callback<()>) -> impl IntoView {
    let activate = ServerAction::<ActivateChild>::new();
    let deactivate = ServerAction::<DeactivateChild>::new();
    let toasts = use_toasts();
    let name = child.account_name.clone();
    let id = child.account_id;
    Effect::new(move |_| {
        for action in [activate.value().get(), deactivate.value().get()].into_iter().flatten() {
            if let Ok(now) = action {
                toasts.show(format!("{} is now {}.", now.account_name, now.status().label().to_lowercase()));
                refresh.run(());
            }
        }
    });
    let error = move || {
        [activate.value().get(), deactivate.value().get()].into_iter().flatten().find_map(Result::err).map(|e| e.to_string())
    };
    let pending = Signal::derive(move || activate.pending().get() || deactivate.pending().get());
    let control = if child.active {
        view! {
            <ConfirmDialog id="deactivate-dialog" open_label="Deactivate" open_class="button button-secondary" danger=true
                title=format!("Deactivate {name}?") disabled=pending
                message=format!(
                    "{name} (id {id}) stops working at once: its calls, phone numbers and API access stop until it is activated again. \
                     Its balance, settings and data are kept. This affects 1 account."
                )
                confirm_label="Deactivate account"
                on_confirm=move |_| { deactivate.dispatch(DeactivateChild { account_id: id }); } />
        }
        .into_any()
    } else {
        view! {
            <ConfirmDialog id="activate-dialog" open_label="Activate" open_class="button button-secondary"
                title=format!("Activate {name}?") disabled=pending
                message=format!(
                    "{name} (id {id}) can use Voximplant again: calls, phone numbers and API access resume, \
                     and it is charged for what it uses. This affects 1 account."
                )
                confirm_label="Activate account"
                on_confirm=move |_| { activate.dispatch(ActivateChild { account_id: id }); } />
        }
        .into_any()
    };
    view! {
        {control}
        <Show when=move || error().is_some()>
            <p class="alert alert-error" role="alert" data-test="activation-error">{error}</p>
        </Show>
    }
}

/// The three notification switches: what support staff may change.
#[component]
pub(super) fn NotificationForm(child: ChildAccount, refresh: Callback<()>) -> impl IntoView {
    let save = ServerAction::<UpdateChildNotifications>::new();
    let toasts = use_toasts();
    let account = RwSignal::new(child.account_notifications);
    let tariff = RwSignal::new(child.tariff_changing_notifications);
    let news = RwSignal::new(child.news_notifications);
    let id = child.account_id;
    let changed = {
        let child = child.clone();
        move || {
            account.get() != child.account_notifications
                || tariff.get() != child.tariff_changing_notifications
                || news.get() != child.news_notifications
        }
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            toasts.show("Notification settings saved.");
            refresh.run(());
        }
    });
    let error = move || save.value().get().and_then(Result::err).map(|e| e.to_string());
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let notifications = NotificationChanges {
            account_notifications: Some(account.get_untracked()),
            tariff_changing_notifications: Some(tariff.get_untracked()),
            news_notifications: Some(news.get_untracked()),
        };
        save.dispatch(UpdateChildNotifications { account_id: id, notifications });
    };
    let pending = save.pending();
    view! {
        <form class="form" on:submit=submit data-test="notification-form" aria-label="Notification settings">
            <fieldset class="checks">
                <legend>"Notification settings"</legend>
                <Check id="n-account" label="Account emails (low balance and similar)" checked=account.into() on_change=move |v| account.set(v) />
                <Check id="n-tariff" label="Plan-change emails" checked=tariff.into() on_change=move |v| tariff.set(v) />
                <Check id="n-news" label="News emails" checked=news.into() on_change=move |v| news.set(v) />
            </fieldset>
            <Show when=move || error().is_some()>
                <p class="alert alert-error" role="alert">{error}</p>
            </Show>
            <div class="form-actions">
                <button type="submit" class="button" disabled=move || pending.get() || !changed()
                    aria-busy=move || pending.get().to_string()>
                    {move || if pending.get() { "Saving…" } else { "Save notification settings" }}
                </button>
            </div>
        </form>
    }
}
