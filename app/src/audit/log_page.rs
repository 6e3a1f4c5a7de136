//! The audit viewer: filters kept in the URL, newest first, keyset pages, an
//! activity chart, event details with the before → after of edits, exports, and the
//! chain check.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
};

use super::{chart::ActivityChart, get_activity, list_events, AuditEvent, AuditFilter, AuditPage, ChainCheck, DayCount, Outcome, VerifyChain};
use crate::{
    access::Permission,
    frame::Guarded,
    ui::{data, Data, TableWrap},
};

fn filter_from_query() -> Memo<(AuditFilter, Option<i64>)> {
    let query = use_query_map();
    Memo::new(move |_| {
        let query = query.get();
        let get = |name: &str| query.get(name).filter(|v| !v.trim().is_empty());
        let filter = AuditFilter {
            from: get("from"),
            to: get("to"),
            actor: get("actor"),
            action: get("action"),
            target: get("target"),
            outcome: get("outcome"),
            connection: get("connection"),
            ip: get("ip"),
        };
        (filter, get("before").and_then(|b| b.parse().ok()))
    })
}

fn query_string(filter: &AuditFilter, extra: Option<(&str, String)>) -> String {
    let mut pairs = filter.query_pairs().into_iter().map(|(k, v)| (k.to_string(), v)).collect::<Vec<_>>();
    if let Some((k, v)) = extra {
        pairs.push((k.to_string(), v));
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", crate::ui::url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[component]
pub fn AuditLogPage() -> impl IntoView {
    // Made before the guard, once per view (see `Guarded`).
    let state = filter_from_query();
    let events = data(move || state.get(), |(filter, before)| list_events(filter, before));
    let activity = data(move || state.get().0, get_activity);
    view! {
        <Guarded permission=Permission::ViewAudit>
            <AuditLog state events activity />
        </Guarded>
    }
}

#[component]
fn AuditLog(
    state: Memo<(AuditFilter, Option<i64>)>,
    events: Data<AuditPage>,
    activity: Data<Vec<DayCount>>,
) -> impl IntoView {
    let verify = ServerAction::<VerifyChain>::new();
    view! {
        <Title text="Audit log" />
        <section class="page page-wide">
            <header class="page-header">
                <h1>"Audit log"</h1>
                <p class="lede">"Every action, recorded before it happens; append-only and hash-chained."</p>
            </header>
            <FilterForm state />
            <div class="grid-2">
                <article class="card" aria-labelledby="activity-title">
                    <h2 id="activity-title">"Activity"</h2>
                    <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                        {crate::ui::once_loaded(move || async move {
                            match activity.await {
                                Ok(days) => view! { <ActivityChart days /> }.into_any(),
                                Err(error) => view! { <p class="alert alert-error" role="alert">{error.to_string()}</p> }.into_any(),
                            }
                        })}
                    </Transition>
                </article>
                <article class="card" aria-labelledby="integrity-title">
                    <h2 id="integrity-title">"Integrity and export"</h2>
                    <p class="muted small">"Recompute every event's hash and link, or download exactly the events the filters select."</p>
                    <div class="button-row">
                        <button class="button button-secondary" on:click=move |_| { verify.dispatch(VerifyChain {}); } disabled=verify.pending()>
                            {move || if verify.pending().get() { "Checking…" } else { "Verify the chain" }}
                        </button>
                        <a class="button button-secondary" rel="external" download="voxdesk-audit.csv"
                            href=move || format!("/audit/export.csv?{}", query_string(&state.get().0, None))>"Export CSV"</a>
                        <a class="button button-secondary" rel="external" download="voxdesk-audit.jsonl"
                            href=move || format!("/audit/export.jsonl?{}", query_string(&state.get().0, None))>"Export JSON Lines"</a>
                    </div>
                    {move || verify.value().get().map(|result| match result {
                        Ok(ChainCheck::Intact { events, head_seq, head_hash }) => view! {
                            <p class="alert alert-success" role="status" data-test="chain-result">
                                {format!("Intact: {events} events. Head: event {head_seq}, hash ")}
                                <code class="hash">{head_hash}</code>
                                ". Keep this hash elsewhere to detect rewrites."
                            </p>
                        }.into_any(),
                        Ok(ChainCheck::Broken { seq, reason }) => view! {
                            <p class="alert alert-error" role="alert" data-test="chain-result">
                                {format!("Broken at event {seq}: {reason}.")}
                            </p>
                        }.into_any(),
                        Err(error) => view! { <p class="alert alert-error" role="alert">{error.to_string()}</p> }.into_any(),
                    })}
                </article>
            </div>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading events…"</p> }>
                {crate::ui::once_loaded(move || async move {
                    match events.await {
                        Ok(page) if page.events.is_empty() => view! {
                            <div class="card empty-state"><p>"No events match these filters."</p></div>
                        }.into_any(),
                        Ok(page) => {
                            let filter = state.get_untracked().0;
                            let older = page.next_before.map(|before| format!("/audit?{}", query_string(&filter, Some(("before", before.to_string())))));
                            view! {
                                <EventsTable events=page.events />
                                {older.map(|href| view! { <p class="pager"><A href=href attr:class="button button-secondary">"Older events →"</A></p> })}
                            }.into_any()
                        }
                        Err(error) => view! { <p class="alert alert-error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn FilterForm(state: Memo<(AuditFilter, Option<i64>)>) -> impl IntoView {
    let value = move |get: fn(&AuditFilter) -> &Option<String>| move || get(&state.get().0).clone().unwrap_or_default();
    view! {
        <Form method="GET" action="/audit" attr:class="card filters" attr:aria-label="Filter events">
            <div class="filters-grid">
                <div class="field"><label for="f-from">"From (UTC)"</label><input id="f-from" name="from" type="date" prop:value=value(|f| &f.from) /></div>
                <div class="field"><label for="f-to">"To (UTC)"</label><input id="f-to" name="to" type="date" prop:value=value(|f| &f.to) /></div>
                <div class="field"><label for="f-actor">"Person"</label><input id="f-actor" name="actor" placeholder="username" prop:value=value(|f| &f.actor) /></div>
                <div class="field"><label for="f-action">"Action starts with"</label><input id="f-action" name="action" placeholder="user." prop:value=value(|f| &f.action) /></div>
                <div class="field"><label for="f-target">"Target"</label><input id="f-target" name="target" placeholder="account, user…" prop:value=value(|f| &f.target) /></div>
                <div class="field">
                    <label for="f-outcome">"Outcome"</label>
                    <select id="f-outcome" name="outcome" prop:value=value(|f| &f.outcome)>
                        <option value="">"Any"</option>
                        {Outcome::ALL.into_iter().map(|o| view! { <option value=o.as_str()>{o.label()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field"><label for="f-connection">"Parent account"</label><input id="f-connection" name="connection" prop:value=value(|f| &f.connection) /></div>
                <div class="field"><label for="f-ip">"Client address"</label><input id="f-ip" name="ip" prop:value=value(|f| &f.ip) /></div>
            </div>
            <div class="button-row">
                <button type="submit" class="button">"Apply filters"</button>
                <A href="/audit" attr:class="button button-secondary">"Clear"</A>
            </div>
        </Form>
    }
}

pub(super) fn outcome_badge(event: &AuditEvent) -> AnyView {
    if event.kind == "intent" {
        return if event.settled {
            view! { <span class="badge badge-muted">"Intent"</span> }.into_any()
        } else {
            view! { <span class="badge badge-warn" title="The portal stopped before the outcome was recorded">"No outcome yet"</span> }.into_any()
        };
    }
    let outcome = event.outcome.as_deref().and_then(Outcome::parse).unwrap_or(Outcome::Unknown);
    let class = match outcome {
        Outcome::Ok => "badge badge-ok",
        Outcome::Unknown => "badge badge-warn",
        _ => "badge badge-bad",
    };
    view! { <span class=class>{outcome.label()}</span> }.into_any()
}

#[component]
fn EventsTable(events: Vec<AuditEvent>) -> impl IntoView {
    view! {
        <div class="card table-card">
            <TableWrap caption="Audit events, newest first" test="audit-table">
                <thead>
                    <tr>
                        <th scope="col">"#"</th>
                        <th scope="col">"Time (UTC)"</th>
                        <th scope="col">"Person"</th>
                        <th scope="col">"Action"</th>
                        <th scope="col">"Targets"</th>
                        <th scope="col">"Outcome"</th>
                        <th scope="col">"Address"</th>
                    </tr>
                </thead>
                <tbody>
                    {events
                        .into_iter()
                        .map(|event| {
                            let badge = outcome_badge(&event);
                            view! {
                                <tr data-test="audit-row">
                                    <td><A href=format!("/audit/{}", event.seq)>{event.seq}</A></td>
                                    <td class="nowrap">{event.occurred_at[..19].to_string()}</td>
                                    <td>{event.actor_name.clone().unwrap_or_else(|| "—".into())}<span class="muted small">{event.actor_role.clone().map(|r| format!(" ({r})"))}</span></td>
                                    <td><code>{event.action.clone()}</code></td>
                                    <td class="targets">{targets_text(&event.targets)}</td>
                                    <td>{badge}</td>
                                    <td>{event.client_ip.clone().unwrap_or_default()}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </TableWrap>
        </div>
    }
}

pub(super) fn targets_text(json: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))
            .collect::<Vec<_>>()
            .join(", "),
        _ => json.to_string(),
    }
}
