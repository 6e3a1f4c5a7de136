//! The audit viewer: filters kept in the URL, newest first, keyset pages, an
//! activity chart, event details with the before → after of edits, exports, and the
//! chain check.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::{use_params_map, use_query_map},
};

use super::{get_activity, get_event, list_events, AuditEvent, AuditFilter, ChainCheck, DayCount, Outcome, VerifyChain};
use crate::auth::{components::Guarded, Permission};

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
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[component]
pub fn AuditLogPage() -> impl IntoView {
    view! {
        <Guarded permission=Permission::ViewAudit>
            <AuditLog />
        </Guarded>
    }
}

#[component]
fn AuditLog() -> impl IntoView {
    let state = filter_from_query();
    let events = Resource::new(move || state.get(), |(filter, before)| list_events(filter, before));
    let activity = Resource::new(move || state.get().0, get_activity);
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
                        {move || Suspend::new(async move {
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
                {move || Suspend::new(async move {
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

fn outcome_badge(event: &AuditEvent) -> AnyView {
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
            <div class="table-wrap">
                <table class="table" data-test="audit-table">
                    <caption class="visually-hidden">"Audit events, newest first"</caption>
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
                </table>
            </div>
        </div>
    }
}

fn targets_text(json: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))
            .collect::<Vec<_>>()
            .join(", "),
        _ => json.to_string(),
    }
}

/// Events per day, stacked by outcome, drawn as SVG.
#[component]
fn ActivityChart(days: Vec<DayCount>) -> impl IntoView {
    if days.is_empty() {
        return view! { <p class="muted">"No activity in this range."</p> }.into_any();
    }
    let mut by_day: Vec<(String, Vec<(String, i64)>)> = Vec::new();
    for entry in days.into_iter().rev() {
        match by_day.last_mut() {
            Some((day, counts)) if *day == entry.day => counts.push((entry.outcome, entry.count)),
            _ => by_day.push((entry.day, vec![(entry.outcome, entry.count)])),
        }
    }
    let by_day: Vec<_> = by_day.into_iter().rev().take(30).rev().collect();
    let max = by_day.iter().map(|(_, c)| c.iter().map(|(_, n)| n).sum::<i64>()).max().unwrap_or(1).max(1) as f64;
    let (width, height, gap) = (560.0, 140.0, 4.0);
    let bar = ((width - gap * by_day.len() as f64) / by_day.len() as f64).clamp(4.0, 40.0);
    let color = |outcome: &str| match outcome {
        "ok" => "#17794a",
        "denied" | "invalid" => "#b54708",
        "upstream_error" | "error" => "#b42318",
        _ => "#98a2b3",
    };
    let summary = format!(
        "{} days, {} events",
        by_day.len(),
        by_day.iter().flat_map(|(_, c)| c.iter().map(|(_, n)| n)).sum::<i64>()
    );
    view! {
        <svg class="chart" viewBox=format!("0 0 {width} {}", height + 24.0) role="img" aria-label=format!("Events per day by outcome: {summary}")>
            {by_day
                .iter()
                .enumerate()
                .map(|(i, (day, counts))| {
                    let x = i as f64 * (bar + gap);
                    let mut y = height;
                    let segments = counts
                        .iter()
                        .map(|(outcome, n)| {
                            let h = (*n as f64 / max) * (height - 4.0);
                            y -= h;
                            view! {
                                <rect x=x y=y width=bar height=h.max(1.0) fill=color(outcome)>
                                    <title>{format!("{day}: {n} {outcome}")}</title>
                                </rect>
                            }
                        })
                        .collect_view();
                    let label = (i == 0 || i + 1 == by_day.len()).then(|| view! {
                        <text x=x y=height + 16.0 class="chart-label">{day[5..].to_string()}</text>
                    });
                    view! { <g>{segments}{label}</g> }
                })
                .collect_view()}
        </svg>
        <p class="chart-legend small">
            // Classes, not inline styles: the Content-Security-Policy allows no inline style.
            <span class="dot dot-ok"></span>"OK "
            <span class="dot dot-warn"></span>"Denied / invalid "
            <span class="dot dot-bad"></span>"Errors"
        </p>
    }
    .into_any()
}

#[component]
pub fn AuditEventPage() -> impl IntoView {
    view! {
        <Guarded permission=Permission::ViewAudit>
            <EventDetail />
        </Guarded>
    }
}

#[component]
fn EventDetail() -> impl IntoView {
    let params = use_params_map();
    let seq = move || params.get().get("seq").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let event = Resource::new(seq, get_event);
    view! {
        <Title text="Audit event" />
        <section class="page">
            <p><A href="/audit">"← Audit log"</A></p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
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
                    <table class="table">
                        <thead><tr><th scope="col">"Field"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr></thead>
                        <tbody>
                            {changes.into_iter().map(|(field, before, after)| view! {
                                <tr><td>{field}</td><td><del>{before}</del></td><td><ins>{after}</ins></td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
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
