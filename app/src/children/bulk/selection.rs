//! Picking accounts on the list for a bulk change: a checkbox per row, "select all on
//! this page", "select all N matching this filter", and the bar of actions with
//! their confirmations (each says how many accounts and exactly what changes).

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_navigate};

use super::{bulk_activate, bulk_deactivate, bulk_notifications, BulkAction, BulkSelection};
use crate::{
    access::Permission,
    children::{changes::NotificationChanges, query::ChildQuery},
    error::AppError,
    frame::use_auth,
    ui::{group_thousands, Data, ModalDialog},
};

/// What is selected on the list.
#[derive(Clone, Copy)]
pub struct Selected {
    pub ids: RwSignal<BTreeSet<u64>>,
    /// Every child matching the list's filter, not only the ticked ones.
    pub all_matching: RwSignal<bool>,
}

impl Selected {
    pub fn new() -> Self {
        Selected { ids: RwSignal::new(BTreeSet::new()), all_matching: RwSignal::new(false) }
    }

    pub fn toggle(self, id: u64, on: bool) {
        self.all_matching.set(false);
        self.ids.update(|ids| {
            if on {
                ids.insert(id);
            } else {
                ids.remove(&id);
            }
        });
    }

    pub fn clear(self) {
        self.all_matching.set(false);
        self.ids.update(BTreeSet::clear);
    }
}

/// The signed-in user may run some bulk change (auditors may not: no checkboxes).
pub fn may_select() -> bool {
    let auth = use_auth();
    auth.may(Permission::ManageChildren) || auth.may(Permission::EditChildNotifications)
}

/// The header cell: "select all on this page".
#[component]
pub fn SelectPageHeader(selected: Selected, page_ids: Vec<u64>) -> impl IntoView {
    let all_ids = page_ids.clone();
    let all_on_page = move || !all_ids.is_empty() && selected.ids.with(|ids| all_ids.iter().all(|id| ids.contains(id)));
    view! {
        <th scope="col" class="select-cell">
            <input type="checkbox" aria-label="Select all on this page" data-test="select-page"
                prop:checked=all_on_page
                on:change=move |event| {
                    let on = event_target_checked(&event);
                    selected.all_matching.set(false);
                    selected.ids.update(|ids| for id in &page_ids {
                        if on { ids.insert(*id); } else { ids.remove(id); }
                    });
                } />
        </th>
    }
}

/// One row's checkbox.
#[component]
pub fn SelectRowCell(selected: Selected, id: u64, name: String) -> impl IntoView {
    view! {
        <td class="select-cell">
            <input type="checkbox" aria-label=format!("Select {name}") data-test="select-row"
                prop:checked=move || selected.all_matching.get() || selected.ids.with(|ids| ids.contains(&id))
                on:change=move |event| selected.toggle(id, event_target_checked(&event)) />
        </td>
    }
}

/// Above the table while something is selected: how many, "select all N matching",
/// and the actions the user's role allows.
#[component]
pub fn BulkBar(selected: Selected, query: ChildQuery, total: u64, page_ids: Vec<u64>) -> impl IntoView {
    let auth = use_auth();
    let count = move || if selected.all_matching.get() { total } else { selected.ids.with(|ids| ids.len() as u64) };
    let page_count = page_ids.len();
    let more_than_page = total > page_count as u64;
    // The whole page is ticked and there are more matches: offer them all.
    let offer_all = Signal::derive(move || {
        more_than_page
            && !selected.all_matching.get()
            && page_count > 0
            && selected.ids.with(|ids| page_ids.iter().all(|id| ids.contains(id)))
    });
    let accounts = move || match count() {
        1 => "1 child account".to_string(),
        n => format!("{} child accounts", group_thousands(n)),
    };
    let error = RwSignal::new(None::<AppError>);
    let starting = RwSignal::new(false);
    let open_activate = RwSignal::new(false);
    let open_deactivate = RwSignal::new(false);
    let open_notifications = RwSignal::new(false);
    let switches = RwSignal::new(NotificationChanges::default());
    let filter = query.every_match().to_query();
    let navigate = use_navigate();
    let start = move |action: BulkAction| {
        let selection = if selected.all_matching.get_untracked() {
            BulkSelection::every_match(filter.clone())
        } else {
            BulkSelection::picked(selected.ids.get_untracked().into_iter().collect())
        };
        let notifications = switches.get_untracked();
        let navigate = navigate.clone();
        starting.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let started = match action {
                BulkAction::Activate => bulk_activate(selection).await,
                BulkAction::Deactivate => bulk_deactivate(selection).await,
                BulkAction::Notifications => bulk_notifications(selection, notifications).await,
            };
            starting.set(false);
            match started {
                Ok(id) => navigate(&format!("/children/jobs/{id}"), Default::default()),
                Err(failed) => error.set(Some(failed)),
            }
        });
    };
    let start_activate = start.clone();
    let start_deactivate = start.clone();
    let nothing_chosen = Signal::derive(move || switches.with(NotificationChanges::is_empty));
    let manage = move || auth.may(Permission::ManageChildren);
    let notify = move || auth.may(Permission::EditChildNotifications);

    view! {
        <Show when=move || { count() > 0 }>
            <div class="bulk-bar" role="region" aria-label="Selected accounts" data-test="bulk-bar">
                <p class="strong" aria-live="polite" data-test="selected-count">{move || format!("{} selected", accounts())}</p>
                <Show when=move || offer_all.get()>
                    <button type="button" class="button button-small button-secondary" data-test="select-all-matching"
                        on:click=move |_| selected.all_matching.set(true)>
                        {format!("Select all {} matching this filter", group_thousands(total))}
                    </button>
                </Show>
                <div class="button-row">
                    <Show when=manage>
                        <button type="button" class="button button-small" disabled=move || starting.get()
                            on:click=move |_| open_activate.set(true) data-test="bulk-activate">"Activate"</button>
                        <button type="button" class="button button-small button-danger" disabled=move || starting.get()
                            on:click=move |_| open_deactivate.set(true) data-test="bulk-deactivate">"Deactivate"</button>
                    </Show>
                    <Show when=notify>
                        <button type="button" class="button button-small button-secondary" disabled=move || starting.get()
                            on:click=move |_| open_notifications.set(true) data-test="bulk-notifications">"Notification settings"</button>
                    </Show>
                    <button type="button" class="button button-small button-secondary" on:click=move |_| selected.clear()>"Clear selection"</button>
                </div>
                <Show when=move || error.get().is_some()>
                    <p class="alert alert-error" role="alert" data-test="bulk-error">{move || error.get().map(|e| e.to_string())}</p>
                </Show>
            </div>
        </Show>
        <ModalDialog id="bulk-activate-dialog" title=Signal::derive(move || format!("Activate {}?", accounts()))
            open=open_activate confirm_label="Activate" on_confirm=move |_| start_activate(BulkAction::Activate)>
            <p>"Each can use Voximplant and be charged again. Accounts that are already active stay as they are."</p>
            <p class="muted small">"The change runs on the server in chunks of 100 accounts; you can follow it, leave the page, and cancel what is left."</p>
        </ModalDialog>
        <ModalDialog id="bulk-deactivate-dialog" title=Signal::derive(move || format!("Deactivate {}?", accounts()))
            open=open_deactivate confirm_label="Deactivate" danger=true on_confirm=move |_| start_deactivate(BulkAction::Deactivate)>
            <p>"Their calls and API access stop until they are activated again. Balances and settings are kept."</p>
            <p class="muted small">"The change runs on the server in chunks of 100 accounts; you can follow it, leave the page, and cancel what is left."</p>
        </ModalDialog>
        <ModalDialog id="bulk-notifications-dialog"
            title=Signal::derive(move || format!("Notification settings of {}", accounts()))
            open=open_notifications confirm_label="Apply to the selected accounts" confirm_disabled=nothing_chosen
            on_confirm=move |_| start(BulkAction::Notifications)>
            <p>"Only the switches you set here change; “Leave as it is” keeps each account's own value."</p>
            <SwitchChoice label="Account emails (low balance and similar)" id="bulk-account_notifications" switches
                get=|n| n.account_notifications set=|n, v| n.account_notifications = v />
            <SwitchChoice label="Plan-change emails" id="bulk-tariff_changing_notifications" switches
                get=|n| n.tariff_changing_notifications set=|n, v| n.tariff_changing_notifications = v />
            <SwitchChoice label="News emails" id="bulk-news_notifications" switches
                get=|n| n.news_notifications set=|n, v| n.news_notifications = v />
            <p class="field-hint" aria-live="polite">{move || if nothing_chosen.get() {
                "Choose at least one switch to turn on or off.".to_string()
            } else {
                format!("This will change {}.", accounts())
            }}</p>
        </ModalDialog>
    }
}

/// One notification switch for a bulk change: leave, on or off.
#[component]
fn SwitchChoice(
    label: &'static str,
    id: &'static str,
    switches: RwSignal<NotificationChanges>,
    get: fn(&NotificationChanges) -> Option<bool>,
    set: fn(&mut NotificationChanges, Option<bool>),
) -> impl IntoView {
    let current = move || match switches.with(get) {
        None => "",
        Some(true) => "on",
        Some(false) => "off",
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id on:change=move |event| {
                let value = match event_target_value(&event).as_str() {
                    "on" => Some(true),
                    "off" => Some(false),
                    _ => None,
                };
                switches.update(|n| set(n, value));
            }>
                <option value="" selected=move || current().is_empty()>"Leave as it is"</option>
                <option value="on" selected=move || current() == "on">"Turn on"</option>
                <option value="off" selected=move || current() == "off">"Turn off"</option>
            </select>
        </div>
    }
}

/// Above the list: the viewer's latest bulk changes, each linking to its page (where
/// a running one shows its progress), so a closed tab loses nothing.
#[component]
pub fn RecentJobs(jobs: Data<Vec<super::BulkJob>>) -> impl IntoView {
    view! {
        <Transition fallback=|| ()>
            {crate::ui::once_loaded(move || async move {
                let jobs = jobs.await.unwrap_or_default();
                (!jobs.is_empty()).then(|| view! {
                    <section class="card recent-jobs" aria-labelledby="recent-jobs-title" data-test="recent-jobs">
                        <h2 id="recent-jobs-title" class="small-heading">"Your bulk changes"</h2>
                        <ul class="plain-list">
                            {jobs.into_iter().map(|job| {
                                let progress = format!(
                                    "{} of {}{}",
                                    group_thousands(job.processed),
                                    group_thousands(job.total),
                                    if job.failed.is_empty() { String::new() } else { format!(", {} failed", group_thousands(job.failed.len() as u64)) },
                                );
                                let heading = job.heading();
                                view! {
                                    <li>
                                        <A href=format!("/children/jobs/{}", job.id)>{heading}</A>
                                        " " <span class=job.state.class()>{job.state.label()}</span>
                                        <span class="muted small">{format!(" {progress} · {}", job.started_at)}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </section>
                })
            })}
        </Transition>
    }
}
