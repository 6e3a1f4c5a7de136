//! A bulk change's page (`/children/jobs/{id}`): its progress while it runs (the
//! page asks every half second; a reload or another tab shows the same), Cancel,
//! and afterwards every account that failed and why, with "Retry the failed ones".

use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_params_map},
};

use super::{get_bulk_job, BulkAction, BulkJob, BulkSelection, CancelBulkJob, FailedAccount, JobState};
use crate::{
    access::Permission,
    error::AppError,
    frame::{use_auth, Guarded},
    ui::{data, group_thousands, ErrorState, Loading, TableWrap},
};

/// How often an open job's page asks for its progress.
const POLL: Duration = Duration::from_millis(500);

#[component]
pub fn BulkJobPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let tick = RwSignal::new(0u64);
    let job = data(move || (id.get(), tick.get()), |(id, _)| get_bulk_job(id));
    // While the job is open, ask again shortly after each answer.
    Effect::new(move |_| {
        if let Some(Ok(current)) = job.get() {
            if current.state.is_open() {
                set_timeout(move || tick.update(|t| *t += 1), POLL);
            }
        }
    });
    view! {
        <Title text="Bulk change" />
        <Guarded permission=Permission::ViewChildren>
            <section class="page">
                <Transition fallback=|| view! { <Loading what="Loading the bulk change…" /> }>
                    {crate::ui::once_loaded(move || async move {
                        match job.await {
                            Ok(current) => view! { <JobView job=current on_changed=move || tick.update(|t| *t += 1) /> }.into_any(),
                            Err(error) => view! {
                                <h1>"Bulk change"</h1>
                                <div class="card">
                                    <ErrorState error retry=Callback::new(move |_| job.refetch()) />
                                    <A href="/children" attr:class="button button-secondary">"Back to child accounts"</A>
                                </div>
                            }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </Guarded>
    }
}

#[component]
fn JobView(job: BulkJob, on_changed: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let cancel = ServerAction::<CancelBulkJob>::new();
    Effect::new(move |_| {
        if cancel.value().get().is_some() {
            on_changed();
        }
    });
    let cancel_error = move || cancel.value().get().and_then(Result::err).map(|e| e.to_string());
    let heading = job.heading();
    let progress_text = match job.state {
        JobState::Resolving => format!("Finding the accounts: {} so far", group_thousands(job.total)),
        _ => format!("{} of {}", group_thousands(job.processed), group_thousands(job.total)),
    };
    let id = job.id.clone();
    let open = job.state.is_open();
    let finished = !open;
    let failed = job.failed.clone();
    view! {
        <header class="page-header">
            <p class="eyebrow"><A href="/children">"Child accounts"</A> " / Bulk change"</p>
            <h1 data-test="job-title">{heading}</h1>
            <p class="lede">
                <span class=job.state.class() data-test="job-state">{job.state.label()}</span>
                {format!(" Started by {} at {}.", job.started_by, job.started_at)}
                {job.finished_at.clone().map(|at| format!(" Ended at {at}."))}
            </p>
        </header>
        <article class="card card-spaced" aria-labelledby="job-progress-title" data-test="bulk-job">
            <h2 id="job-progress-title">"Progress"</h2>
            <ul class="plain-list" aria-label="What changes on each account">
                {job.changes.iter().map(|change| view! { <li>{change.clone()}</li> }).collect_view()}
                {job.filter.clone().map(|filter| {
                    let query = BulkSelection::every_match(filter).query().unwrap_or_default();
                    view! {
                        <li class="muted wrap-anywhere">
                            {format!("Accounts: every match of {} ", query.describe())}
                            "(" <A href=query.href()>"see them in the list"</A> ")"
                        </li>
                    }
                })}
            </ul>
            <progress class="progress" max=job.total.max(1) value=job.processed aria-labelledby="job-progress-text"
                data-test="job-progress"></progress>
            <p id="job-progress-text" class="strong" aria-live="polite" data-test="job-progress-text">{progress_text}</p>
            <p class="muted small">
                {format!("Sent to Voximplant in chunks of {} accounts: {} calls so far.", job.chunk_size, group_thousands(job.calls))}
            </p>
            {job.message.clone().map(|message| view! { <p class="alert alert-error" role="alert">{message}</p> })}
            <Show when=move || cancel_error().is_some()>
                <p class="alert alert-error" role="alert">{cancel_error}</p>
            </Show>
            {(job.may_cancel && open).then(|| {
                let id = id.clone();
                view! {
                    <p class="button-row">
                        <button type="button" class="button button-secondary" disabled=move || cancel.pending().get()
                            on:click=move |_| { cancel.dispatch(CancelBulkJob { id: id.clone() }); }
                            data-test="cancel-job">
                            "Cancel the rest"
                        </button>
                        <span class="muted small">"What is done stays done; the job stops before its next chunk."</span>
                    </p>
                }
            })}
        </article>
        {finished.then(|| view! { <JobResult job=job.clone() failed /> })}
    }
}

/// What the job did: how many changed, every failure and why, and a retry of those.
#[component]
fn JobResult(job: BulkJob, failed: Vec<FailedAccount>) -> impl IntoView {
    let auth = use_auth();
    let permission = match job.action {
        BulkAction::Notifications => Permission::EditChildNotifications,
        _ => Permission::ManageChildren,
    };
    let retry_error = RwSignal::new(None::<AppError>);
    let retrying = RwSignal::new(false);
    let navigate = use_navigate();
    let failed_ids: Vec<u64> = failed.iter().map(|f| f.id).collect();
    let (action, notifications) = (job.action, job.notifications.clone());
    let retry = move |_| {
        let selection = BulkSelection::picked(failed_ids.clone());
        let notifications = notifications.clone();
        let navigate = navigate.clone();
        retrying.set(true);
        leptos::task::spawn_local(async move {
            let started = match action {
                BulkAction::Activate => super::bulk_activate(selection).await,
                BulkAction::Deactivate => super::bulk_deactivate(selection).await,
                BulkAction::Notifications => super::bulk_notifications(selection, notifications).await,
            };
            retrying.set(false);
            match started {
                Ok(id) => navigate(&format!("/children/jobs/{id}"), Default::default()),
                Err(error) => retry_error.set(Some(error)),
            }
        });
    };
    let summary = format!(
        "{} changed, {} failed{}.",
        group_thousands(job.succeeded()),
        group_thousands(failed.len() as u64),
        if job.processed < job.total {
            format!(", {} not reached", group_thousands(job.total - job.processed))
        } else {
            String::new()
        }
    );
    let failed_count = failed.len() as u64;
    let rows = failed
        .into_iter()
        .map(|f| view! {
            <tr>
                <td><A href=format!("/children/{}", f.id)>{f.id.to_string()}</A></td>
                <td>{f.reason}</td>
            </tr>
        })
        .collect_view();
    view! {
        <article class="card card-spaced" aria-labelledby="job-result-title" data-test="job-result">
            <h2 id="job-result-title">"Result"</h2>
            <p class="strong" data-test="job-summary">{summary}</p>
            {(failed_count > 0).then(move || view! {
                <TableWrap caption="Accounts that failed">
                    <thead><tr><th scope="col">"Account"</th><th scope="col">"Why"</th></tr></thead>
                    <tbody data-test="job-failures">{rows}</tbody>
                </TableWrap>
                <Show when=move || auth.may(permission)>
                    <p class="button-row">
                        <button type="button" class="button" on:click=retry.clone() disabled=move || retrying.get()
                            data-test="retry-failed">
                            {format!("Retry the {} failed", group_thousands(failed_count))}
                        </button>
                    </p>
                </Show>
                <Show when=move || retry_error.get().is_some()>
                    <p class="alert alert-error" role="alert">{move || retry_error.get().map(|e| e.to_string())}</p>
                </Show>
            })}
            <p class="button-row">
                <A href="/children" attr:class="button button-secondary">"Back to child accounts"</A>
            </p>
        </article>
    }
}
