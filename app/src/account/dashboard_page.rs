//! `/`: the morning check. Balance against the warning threshold, the account's state
//! and verification, the children by state with the lowest balances, recent audited
//! actions on this connection, and the portal's own health. Each tile loads on its
//! own, so one slow or failing call does not blank the page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use rust_decimal::{prelude::ToPrimitive, Decimal};

use super::{get_account_summary, get_children_summary, AccountSummary, BalanceComparison, ChildrenSummary};
use crate::{
    access::Permission,
    audit::{list_events, AuditEvent, AuditFilter, Outcome},
    children::model::{money, verification_badge, ChildAccount},
    frame::{use_auth, Guarded},
    system::{get_system_status, SystemStatus},
    ui::{data, group_thousands, Data, ErrorState, Loading, Meter, StackedMeter, TableWrap},
};

#[component]
pub fn DashboardPage() -> impl IntoView {
    let reads = DashboardReads::new();
    view! {
        <Guarded permission=Permission::SignedIn>
            <Dashboard reads />
        </Guarded>
    }
}

/// Every tile's read, made once per view before the guard (see [`Guarded`]). Every
/// press of "Refresh" reads again past the server's few seconds' cache.
#[derive(Clone, Copy)]
struct DashboardReads {
    refreshed: RwSignal<u32>,
    summary: Data<AccountSummary>,
    children: Data<ChildrenSummary>,
    status: Data<SystemStatus>,
    activity: Data<Option<Vec<AuditEvent>>>,
}

impl DashboardReads {
    fn new() -> Self {
        let auth = use_auth();
        let refreshed = RwSignal::new(0u32);
        let connection = move || {
            auth.user.get().and_then(Result::ok).flatten().and_then(|me| {
                let selected = me.connections.selected?;
                me.connections.list.into_iter().find(|c| c.id == selected).map(|c| c.name)
            })
        };
        let may_audit = move || auth.may(Permission::ViewAudit);
        DashboardReads {
            refreshed,
            summary: data(move || refreshed.get(), |n| get_account_summary(n > 0)),
            children: data(move || refreshed.get(), |n| get_children_summary(n > 0)),
            status: data(move || refreshed.get(), |_| get_system_status()),
            // Only for roles that may read the log: others never ask (and are never refused).
            activity: data(move || (refreshed.get(), may_audit().then(connection).flatten()), |(_, name)| async move {
                match name {
                    Some(name) => list_events(AuditFilter { connection: Some(name), ..Default::default() }, None).await.map(|p| Some(p.events)),
                    None => Ok(None),
                }
            }),
        }
    }
}

#[component]
fn Dashboard(reads: DashboardReads) -> impl IntoView {
    let auth = use_auth();
    let DashboardReads { refreshed, summary, children, status, activity } = reads;
    let may_audit = move || auth.may(Permission::ViewAudit);

    view! {
        <Title text="Dashboard" />
        <section class="page">
            <header class="page-header page-header-actions">
                <div>
                    <h1>"Dashboard"</h1>
                    <p class="lede">"Your Voximplant reseller business at a glance."</p>
                </div>
                <button type="button" class="button button-secondary" on:click=move |_| refreshed.update(|n| *n += 1)>
                    "Refresh"
                </button>
            </header>
            <div class="grid dashboard-grid">
                <article class="card" aria-labelledby="balance-title" data-test="balance-tile">
                    <h2 id="balance-title">"Balance"</h2>
                    <Suspense fallback=|| view! { <Loading what="Asking Voximplant…" /> }>
                        {crate::ui::once_loaded(move || async move {
                            match summary.await {
                                Ok(summary) => view! { <BalanceTile summary /> }.into_any(),
                                Err(error) => view! { <ErrorState error retry=move |_| summary.refetch() /> }.into_any(),
                            }
                        })}
                    </Suspense>
                </article>
                <article class="card" aria-labelledby="state-title" data-test="state-tile">
                    <h2 id="state-title">"Account"</h2>
                    <Suspense fallback=|| view! { <Loading what="Asking Voximplant…" /> }>
                        {crate::ui::once_loaded(move || async move {
                            match summary.await {
                                Ok(summary) => view! { <StateTile summary /> }.into_any(),
                                Err(error) => view! { <ErrorState error /> }.into_any(),
                            }
                        })}
                    </Suspense>
                </article>
                <article class="card" aria-labelledby="status-title">
                    <h2 id="status-title">"System status"</h2>
                    <Suspense fallback=|| view! { <Loading what="Checking…" /> }>
                        {crate::ui::once_loaded(move || async move {
                            match status.await {
                                Ok(status) => view! { <StatusList status /> }.into_any(),
                                Err(error) => view! { <ErrorState error /> }.into_any(),
                            }
                        })}
                    </Suspense>
                </article>
                <article class="card card-wide" aria-labelledby="children-title" data-test="children-tile">
                    <h2 id="children-title">"Child accounts"</h2>
                    <Suspense fallback=|| view! { <Loading what="Counting child accounts…" /> }>
                        {crate::ui::once_loaded(move || async move {
                            match children.await {
                                Ok(children) => view! { <ChildrenTile children /> }.into_any(),
                                Err(error) => view! { <ErrorState error retry=move |_| children.refetch() /> }.into_any(),
                            }
                        })}
                    </Suspense>
                </article>
                <Show when=may_audit>
                    <article class="card card-wide" aria-labelledby="activity-title" data-test="activity-tile">
                        <h2 id="activity-title">"Recent actions on this connection"</h2>
                        <Suspense fallback=|| view! { <Loading what="Reading the audit log…" /> }>
                            {crate::ui::once_loaded(move || async move {
                                match activity.await {
                                    Ok(Some(events)) => view! { <ActivityTile events /> }.into_any(),
                                    Ok(None) => view! { <p class="muted">"No parent account is connected yet."</p> }.into_any(),
                                    Err(error) => view! { <ErrorState error /> }.into_any(),
                                }
                            })}
                        </Suspense>
                    </article>
                </Show>
            </div>
        </section>
    }
}

/// A bar of `value` against `of` (both ≥ 0), as a share from 0 to 1. Only the bar's
/// width is a float; read straight from the Decimal, since parsing its text pulled
/// core's float parser and its 10 KB table into the WASM's entry module.
fn share(value: Decimal, of: Decimal) -> f64 {
    if of <= Decimal::ZERO {
        return 1.0;
    }
    let ratio = value.max(Decimal::ZERO).checked_div(of).map_or(1.0, |ratio| ratio.to_f64().unwrap_or(1.0));
    ratio.clamp(0.0, 1.0)
}

#[component]
fn BalanceTile(summary: AccountSummary) -> impl IntoView {
    let currency = summary.currency.as_deref();
    let balance = money(summary.balance, currency);
    let low = summary.is_low();
    let threshold = summary.min_balance_to_notify;
    // The bar spans up to twice the threshold, so "just above it" still looks close.
    let bar = match (summary.balance, threshold) {
        (Some(balance), Some(min)) if min > Decimal::ZERO => Some((share(balance, min * Decimal::TWO), 0.5)),
        _ => None,
    };
    let described = match (summary.balance, threshold) {
        (Some(_), Some(min)) if low => format!("{balance}, below the warning threshold of {}", money(Some(min), currency)),
        (Some(_), Some(min)) => format!("{balance}, above the warning threshold of {}", money(Some(min), currency)),
        _ => balance.clone(),
    };
    view! {
        <p class="big-number" data-test="balance">{balance.clone()}</p>
        {bar.map(|(filled, mark)| view! {
            <Meter share=filled spoken=described.clone() tone=if low { "bad" } else { "ok" } mark />
        })}
        {low.then(|| view! {
            <p class="alert alert-error" role="alert" data-test="low-balance">
                {format!("Below the warning threshold of {}. Top up to avoid service stops.", money(threshold, currency))}
            </p>
        })}
        <dl class="facts">
            <div><dt>"Credit limit"</dt><dd>{money(summary.credit_limit, currency)}</dd></div>
            <div><dt>"Warn below"</dt><dd>{money(threshold, currency)}</dd></div>
            <div><dt>"Currency"</dt><dd>{summary.currency.clone().unwrap_or_else(|| "—".into())}</dd></div>
        </dl>
        <p class="small"><A href="/billing/charges">"What is due"</A> " · " <A href="/billing/plans">"Plans"</A></p>
        <p class="muted small">{format!("Updated at {}", summary.fetched_at)}</p>
    }
}

#[component]
fn StateTile(summary: AccountSummary) -> impl IntoView {
    let (label, class) = match (summary.frozen, summary.active) {
        (true, _) => ("Frozen by Voximplant", "badge badge-bad"),
        (false, true) => ("Active", "badge badge-ok"),
        (false, false) => ("Inactive", "badge badge-muted"),
    };
    let verifications = match summary.verifications {
        Ok(list) if list.is_empty() => view! { <p class="muted">"Voximplant asks for no verification."</p> }.into_any(),
        Ok(list) => view! {
            <ul class="plain-list" data-test="own-verifications">
                {list.into_iter().map(|v| {
                    let (words, badge) = verification_badge(&v.status);
                    view! { <li>{v.name}" " <span class=badge>{words}</span></li> }
                }).collect_view()}
            </ul>
        }
        .into_any(),
        Err(error) => view! { <p class="alert alert-error" role="alert">{format!("Verification not read: {error}")}</p> }.into_any(),
    };
    view! {
        <dl class="facts">
            <div><dt>"Account"</dt><dd>{format!("{} (id {})", summary.account_name, summary.account_id)}</dd></div>
            <div><dt>"State"</dt><dd><span class=class data-test="account-state">{label}</span></dd></div>
        </dl>
        <h3 class="small-heading">"Verification"</h3>
        {verifications}
        <p class="button-row">
            <A href="/account" attr:class="button button-secondary">"Open profile"</A>
            <A href="/account/documents" attr:class="button button-secondary">"Documents"</A>
        </p>
    }
}

#[component]
fn ChildrenTile(children: ChildrenSummary) -> impl IntoView {
    let total = children.total.max(1) as f64;
    let parts = [
        ("Active", children.active, "ok", "/children?status=active"),
        ("Inactive", children.inactive, "muted", "/children?status=inactive"),
    ];
    let shares: Vec<_> = parts.iter().map(|(_, count, tone, _)| (*count as f64 / total, *tone)).collect();
    let spoken = format!(
        "{} child accounts: {} active, {} inactive, {} frozen",
        children.total, children.active, children.inactive, children.frozen
    );
    let lowest = children.lowest.clone();
    let ranked_note = (children.ranked < children.total)
        .then(|| format!("Lowest among the first {} by name of {}.", group_thousands(children.ranked), group_thousands(children.total)));
    let comparison_note = match children.compared {
        BalanceComparison::OneCurrency => None,
        BalanceComparison::InUsdAtTodaysRates => {
            Some("Balances in different currencies are ranked by their value in USD at today's Voximplant rates.")
        }
        BalanceComparison::ByAmountWithoutRates => {
            Some("Today's currency rates could not be read: balances in different currencies are ranked by amount, not by value.")
        }
    };
    view! {
        <div class="children-summary">
            <dl class="counts" data-test="child-counts">
                <div><dt>"Total"</dt><dd><A href="/children">{group_thousands(children.total)}</A></dd></div>
                {parts.into_iter().map(|(label, count, _, href)| view! {
                    <div><dt>{label}</dt><dd><A href=href>{group_thousands(count)}</A></dd></div>
                }).collect_view()}
                <div><dt>"Frozen"</dt><dd><A href="/children?frozen=yes">{group_thousands(children.frozen)}</A></dd></div>
            </dl>
            <StackedMeter parts=shares spoken />
        </div>
        <h3 class="small-heading">"Lowest balances"</h3>
        {if lowest.is_empty() {
            view! { <p class="muted">"No child accounts yet. " <A href="/children/new">"Create one"</A></p> }.into_any()
        } else {
            view! {
                <TableWrap caption="The five child accounts with the lowest balance" test="lowest-balances">
                    <thead><tr><th scope="col">"Account"</th><th scope="col">"Status"</th><th scope="col" class="numeric">"Balance"</th></tr></thead>
                    <tbody>
                        {lowest.into_iter().map(|child| {
                            let status = ChildAccount { active: child.active, frozen: child.frozen, ..Default::default() }.status();
                            view! {
                                <tr>
                                    <td><A href=format!("/children/{}", child.account_id)>{child.account_name.clone()}</A></td>
                                    <td><span class=status.class()>{status.label()}</span></td>
                                    <td class="numeric">{money(child.balance, child.currency.as_deref())}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </TableWrap>
            }.into_any()
        }}
        {comparison_note.map(|note| view! { <p class="muted small" data-test="balance-comparison">{note}</p> })}
        {ranked_note.map(|note| view! { <p class="muted small">{note}</p> })}
        <p class="muted small">{format!("Updated at {}", children.fetched_at)}</p>
    }
}

/// The last ten actions (an intent with its outcome, or a one-off fact).
#[component]
fn ActivityTile(events: Vec<AuditEvent>) -> impl IntoView {
    let outcome_of = |event: &AuditEvent| -> Option<String> {
        match event.kind.as_str() {
            "intent" => events.iter().find(|o| o.intent_seq == Some(event.seq)).and_then(|o| o.outcome.clone()),
            _ => event.outcome.clone(),
        }
    };
    let rows: Vec<(AuditEvent, Option<String>)> =
        events.iter().filter(|e| e.kind != "outcome").take(10).map(|e| (e.clone(), outcome_of(e))).collect();
    if rows.is_empty() {
        return view! { <p class="muted">"Nothing has been done on this connection yet."</p> }.into_any();
    }
    view! {
        <TableWrap caption="The last ten audited actions on this connection" test="recent-actions">
            // Three columns, who under the action, so the outcome stays in view at 390 px.
            <thead><tr><th scope="col">"When (UTC)"</th><th scope="col">"Action"</th><th scope="col">"Outcome"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|(event, outcome)| {
                    let (words, class) = match outcome.as_deref().and_then(Outcome::parse) {
                        Some(Outcome::Ok) => (Outcome::Ok.label(), "badge badge-ok"),
                        Some(other) => (other.label(), "badge badge-bad"),
                        None => ("Pending", "badge badge-warn"),
                    };
                    let (day, time) = event.occurred_at.split_at(event.occurred_at.len().min(10));
                    let time: String = time.trim_start_matches(['T', ' ']).chars().take(5).collect();
                    view! {
                        <tr>
                            <td><span class="nowrap">{day.to_string()}</span>" "<span class="nowrap">{time}</span></td>
                            <td class="wrap-anywhere">
                                // A narrow screen breaks "child_account.deactivate" after its dot.
                                <A href=format!("/audit/{}", event.seq)>
                                    {event.action.split_inclusive('.').map(|part| view! { {part.to_string()}<wbr /> }).collect_view()}
                                </A>
                                <span class="cell-note">{format!("by {}", event.actor_name.clone().unwrap_or_else(|| "system".into()))}</span>
                            </td>
                            <td><span class=class>{words}</span></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </TableWrap>
        <p><A href="/audit">"Open the audit log"</A></p>
    }
    .into_any()
}

#[component]
fn StatusList(status: SystemStatus) -> impl IntoView {
    let database = if status.database.reachable {
        match status.database.latency_ms {
            Some(ms) => format!("Reachable ({ms:.1} ms)"),
            None => "Reachable".to_string(),
        }
    } else {
        "Unreachable".to_string()
    };
    let badge = if status.is_ok() { "badge badge-ok" } else { "badge badge-warn" };
    view! {
        <dl class="facts" data-test="system-status">
            <div>
                <dt>"Overall"</dt>
                <dd><span class=badge>{if status.is_ok() { "Operational" } else { "Degraded" }}</span></dd>
            </div>
            <div>
                <dt>"Database"</dt>
                <dd data-test="database-status">{database}</dd>
            </div>
            <div>
                <dt>"Version"</dt>
                <dd>{status.version}</dd>
            </div>
        </dl>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_is_the_share_of_its_whole_between_empty_and_full() {
        let d = |text: &str| text.parse::<Decimal>().unwrap();
        assert_eq!(share(d("25"), d("100")), 0.25);
        assert_eq!(share(d("1.5"), d("3")), 0.5);
        assert_eq!(share(d("-10"), d("100")), 0.0);
        assert_eq!(share(d("250"), d("100")), 1.0);
        assert_eq!(share(d("5"), d("0")), 1.0);
        // A quotient past Decimal's range fills the bar instead of panicking.
        assert_eq!(share(Decimal::MAX, d("0.0000000000000000000000000001")), 1.0);
    }
}
