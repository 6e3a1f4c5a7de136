//! One audit event with its linked intent or outcome, its parameters and the
//! before → after of an edit.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use super::{
    get_event,
    log_page::{outcome_badge, targets_text},
    AuditEvent,
};
use crate::{
    access::Permission,
    frame::Guarded,
    ui::{data, Data, TableWrap},
};

#[component]
pub fn AuditEventPage() -> impl IntoView {
    // Made before the guard, once per view (see `Guarded`).
    let params = use_params_map();
    let seq = move || params.get().get("seq").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let event = data(seq, get_event);
    view! {
        <Guarded permission=Permission::ViewAudit>
            <EventDetail event />
        </Guarded>
    }
}

#[component]
fn EventDetail(event: Data<(AuditEvent, Vec<AuditEvent>)>) -> impl IntoView {
    view! {
        <Title text="Audit event" />
        <section class="page">
            <p><A href="/audit">"← Audit log"</A></p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {crate::ui::once_loaded(move || async move {
                    match event.await {
                        Ok((event, related)) => view! { <EventCard event related /> }.into_any(),
                        Err(error) => view! { <p class="alert alert-error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn EventCard(event: AuditEvent, related: Vec<AuditEvent>) -> impl IntoView {
    let badge = outcome_badge(&event);
    let pretty = |json: &str| {
        serde_json::from_str::<serde_json::Value>(json)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| json.to_string())
    };
    let changes: Vec<(String, String, String)> = event
        .changes
        .as_deref()
        .and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok())
        .and_then(|v| v.as_object().cloned())
        .map(|map| {
            map.into_iter()
                .map(|(field, diff)| (field, diff["before"].to_string(), diff["after"].to_string()))
                .collect()
        })
        .unwrap_or_default();
    let fact = |label: &'static str, value: Option<String>| {
        value.map(|value| view! { <div><dt>{label}</dt><dd>{value}</dd></div> }.into_any())
    };
    view! {
        <header class="page-header">
            <h1>{format!("Event {}: ", event.seq)}<code>{event.action.clone()}</code></h1>
            <p class="lede">{badge}" "{event.kind.clone()}</p>
        </header>
        <div class="grid-2">
            <article class="card">
                <h2>"What, who, where"</h2>
                <dl class="facts">
                    {fact("Time (UTC)", Some(event.occurred_at.clone()))}
                    {fact("Person", event.actor_name.clone().map(|n| format!("{n} ({})", event.actor_role.clone().unwrap_or_default())))}
                    {fact("Client address", event.client_ip.clone())}
                    {fact("Browser", event.user_agent.clone())}
                    {fact("Request", event.request_id.clone())}
                    {fact("Session", event.session_ref.clone())}
                    {fact("Parent account", event.connection_name.clone())}
                    {fact("Voximplant method", event.method.clone())}
                    {fact("Targets", Some(targets_text(&event.targets)))}
                    {fact("Latency", event.latency_ms.map(|ms| format!("{ms:.1} ms")))}
                    {fact("Hash", Some(event.hash.clone()))}
                </dl>
            </article>
            <article class="card">
                <h2>"Parameters"</h2>
                <pre class="json">{pretty(&event.params)}</pre>
                {event.outcome_detail.clone().map(|detail| view! { <h2>"Outcome detail"</h2><pre class="json">{pretty(&detail)}</pre> })}
                {(!changes.is_empty()).then(|| view! {
                    <h2>"Changes"</h2>
                    <TableWrap caption="Changes: each field before and after">
                        <thead><tr><th scope="col">"Field"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr></thead>
                        <tbody>
                            {changes.into_iter().map(|(field, before, after)| view! {
                                <tr><td>{field}</td><td><del>{before}</del></td><td><ins>{after}</ins></td></tr>
                            }).collect_view()}
                        </tbody>
                    </TableWrap>
                })}
            </article>
        </div>
        {(!related.is_empty()).then(|| view! {
            <article class="card section">
                <h2>{if event.kind == "intent" { "Outcome" } else { "Intent" }}</h2>
                <ul class="plain">
                    {related.into_iter().map(|r| view! {
                        <li><A href=format!("/audit/{}", r.seq)>{format!("Event {}", r.seq)}</A>{format!(" — {} at {}", r.kind, &r.occurred_at[..19])}</li>
                    }).collect_view()}
                </ul>
            </article>
        })}
    }
}
