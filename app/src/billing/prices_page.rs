//! `/billing/prices`: resource prices (GetResourcePrice) by type, price group and
//! resource parameter (a phone number), and subscription prices (GetSubscriptionPrice)
//! by template, type and name, a page at a time. Both filters live in the URL; both
//! answers are kept a few minutes on the server, and the page says how old they are.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_query_map};
use voximplant::value_lists::RESOURCE_TYPES;

use super::{
    get_prices, get_subscription_prices, PriceFilter, Prices, SubscriptionFilter, SubscriptionPrices, SUBSCRIPTIONS_PAGE,
    SUBSCRIPTION_KINDS,
};
use super::routes::BillingSection;
use crate::{
    children::model::{money, verification_badge},
    error::AppError,
    ui::{data, group_thousands, url_encode, Data, EmptyState, ErrorState, Loading, Pager, TableWrap},
};

fn filters_from_url() -> (Memo<PriceFilter>, Memo<SubscriptionFilter>) {
    let query = use_query_map();
    let prices = Memo::new(move |_| {
        query.with(|q| PriceFilter {
            types: q.get_all("type").unwrap_or_default().into_iter().filter(|t| !t.is_empty()).collect(),
            group: q.get_str("group").unwrap_or_default().to_string(),
            param: q.get_str("param").unwrap_or_default().to_string(),
        })
    });
    let subscriptions = Memo::new(move |_| {
        query.with(|q| SubscriptionFilter {
            ids: q.get_str("sub_ids").unwrap_or_default().to_string(),
            kind: q.get_str("sub_kind").unwrap_or_default().to_string(),
            name: q.get_str("sub_name").unwrap_or_default().to_string(),
            offset: q.get_str("sub_offset").and_then(|o| o.parse().ok()).unwrap_or(0),
        })
    });
    (prices, subscriptions)
}

/// Both filters as one URL (each form keeps the other's values).
fn href(prices: &PriceFilter, subscriptions: &SubscriptionFilter) -> String {
    let mut pairs: Vec<(&str, String)> = prices.types.iter().map(|t| ("type", t.clone())).collect();
    pairs.extend([("group", prices.group.clone()), ("param", prices.param.clone())]);
    pairs.extend([("sub_ids", subscriptions.ids.clone()), ("sub_kind", subscriptions.kind.clone()), ("sub_name", subscriptions.name.clone())]);
    if subscriptions.offset > 0 {
        pairs.push(("sub_offset", subscriptions.offset.to_string()));
    }
    let query: Vec<String> =
        pairs.into_iter().filter(|(_, v)| !v.trim().is_empty()).map(|(k, v)| format!("{k}={}", url_encode(&v))).collect();
    format!("/billing/prices?{}", query.join("&"))
}

/// A count of a resource's units (seconds, messages, characters: Voximplant does not say which).
fn units(count: u64) -> String {
    if count == 1 { "1 unit".into() } else { format!("{} units", group_thousands(count)) }
}

#[component]
pub fn PricesPage() -> impl IntoView {
    // Made before billing's guard, once per view (see `Guarded`).
    let (price_filter, subscription_filter) = filters_from_url();
    let refreshed = RwSignal::new(0u32);
    let prices = data(move || (price_filter.get(), refreshed.get()), |(filter, refreshed)| get_prices(filter, refreshed > 0));
    let subscriptions = data(
        move || (subscription_filter.get(), refreshed.get()),
        |(filter, refreshed)| get_subscription_prices(filter, refreshed > 0),
    );
    view! {
        <BillingSection>
            <PricesView price_filter subscription_filter refreshed prices subscriptions />
        </BillingSection>
    }
}

#[component]
fn PricesView(
    price_filter: Memo<PriceFilter>,
    subscription_filter: Memo<SubscriptionFilter>,
    refreshed: RwSignal<u32>,
    prices: Data<Prices>,
    subscriptions: Data<SubscriptionPrices>,
) -> impl IntoView {
    view! {
        <Title text="Prices · Billing" />
        <article class="card" aria-labelledby="prices-title">
            <h2 id="prices-title">"Resource prices"</h2>
            <PriceFilters filter=price_filter other=subscription_filter />
            <Transition fallback=|| view! { <Loading what="Asking Voximplant for prices…" /> }>
                {crate::ui::once_loaded(move || async move {
                    match prices.await {
                        Ok(found) => view! { <PriceTable prices=found refresh=move || refreshed.update(|n| *n += 1) /> }.into_any(),
                        Err(AppError::Invalid(_)) => ().into_any(),
                        Err(error) => view! { <ErrorState error retry=move |_| prices.refetch() /> }.into_any(),
                    }
                })}
            </Transition>
        </article>
        <article class="card" aria-labelledby="subscriptions-title">
            <h2 id="subscriptions-title">"Subscription prices"</h2>
            <SubscriptionFilters filter=subscription_filter other=price_filter />
            <Transition fallback=|| view! { <Loading what="Asking Voximplant for subscription prices…" /> }>
                {crate::ui::once_loaded(move || async move {
                    let filter = subscription_filter.get_untracked();
                    let other = price_filter.get_untracked();
                    match subscriptions.await {
                        Ok(found) => view! { <SubscriptionTable found filter other /> }.into_any(),
                        Err(AppError::Invalid(_)) => ().into_any(),
                        Err(error) => view! { <ErrorState error retry=move |_| subscriptions.refetch() /> }.into_any(),
                    }
                })}
            </Transition>
        </article>
    }
}

#[component]
fn PriceFilters(filter: Memo<PriceFilter>, other: Memo<SubscriptionFilter>) -> impl IntoView {
    let problem = move |field: &'static str| {
        move || filter.with(|f| f.problems().into_iter().find(|(name, _)| name == field).map(|(_, message)| message))
    };
    view! {
        <Form method="GET" action="/billing/prices" attr:class="filters" attr:aria-label="Filter resource prices" attr:data-test="price-filters">
            <input type="hidden" name="sub_ids" prop:value=move || other.with(|o| o.ids.clone()) />
            <input type="hidden" name="sub_kind" prop:value=move || other.with(|o| o.kind.clone()) />
            <input type="hidden" name="sub_name" prop:value=move || other.with(|o| o.name.clone()) />
            <fieldset class="checks resource-types" aria-describedby="f-types-error">
                <legend>"Resource types (none ticked: all)"</legend>
                {RESOURCE_TYPES.iter().map(|(code, words)| {
                    let id = format!("f-type-{code}");
                    let label_for = id.clone();
                    view! {
                        <label class="check" for=label_for>
                            <input id=id type="checkbox" name="type" value=*code
                                prop:checked=move || filter.with(|f| f.types.iter().any(|t| t == code)) />
                            <span>{format!("{words} ({code})")}</span>
                        </label>
                    }
                }).collect_view()}
                <p class="field-error" id="f-types-error" role="alert">{problem("types")}</p>
            </fieldset>
            <div class="filters-grid filters-grid-wide">
                <div class="field">
                    <label for="f-group">"Price group id or name"</label>
                    <input id="f-group" name="group" type="text" aria-describedby="f-group-error"
                        aria-invalid=move || problem("group")().is_some().to_string() prop:value=move || filter.with(|f| f.group.clone()) />
                    <p class="field-error" id="f-group-error" role="alert">{problem("group")}</p>
                </div>
                <div class="field">
                    <label for="f-param">"Phone number or other resource parameter"</label>
                    <input id="f-param" name="param" type="text" aria-describedby="f-param-hint f-param-error"
                        aria-invalid=move || problem("param")().is_some().to_string() prop:value=move || filter.with(|f| f.param.clone()) />
                    <p class="field-hint small muted" id="f-param-hint">"E.g. +1 415 555 0100; several separated by commas."</p>
                    <p class="field-error" id="f-param-error" role="alert">{problem("param")}</p>
                </div>
            </div>
            <div class="button-row">
                <button type="submit" class="button">"Search prices"</button>
            </div>
        </Form>
    }
}

#[component]
fn PriceTable(prices: Prices, refresh: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    let Prices { resources, currency, freshness } = prices;
    let currency = currency.unwrap_or_default();
    let groups: usize = resources.iter().map(|r| r.groups.len()).sum();
    let table = if groups == 0 {
        view! {
            <EmptyState title="No price matches">
                <p class="muted">"Untick some types, or check the group and the number above."</p>
            </EmptyState>
        }
        .into_any()
    } else {
        view! {
            <TableWrap caption="Resource prices" test="price-table">
                <thead><tr>
                    <th scope="col">"Type"</th><th scope="col">"Price group"</th><th scope="col">"Price"</th>
                    <th scope="col">"Billed in steps of"</th><th scope="col">"Prefixes"</th>
                </tr></thead>
                <tbody>
                    {resources.into_iter().flat_map(|resource| {
                        let currency = currency.clone();
                        resource.groups.into_iter().map(move |group| {
                            let price = format!("{} per {}", money(Some(group.price), Some(&currency)), units(group.per));
                            let mut prefixes = if group.allowed.is_empty() { "Any".to_string() } else { group.allowed.join(", ") };
                            if !group.forbidden.is_empty() {
                                prefixes.push_str(&format!("; not {}", group.forbidden.join(", ")));
                            }
                            if !group.requested.is_empty() {
                                prefixes.push_str(&format!(" (matches {})", group.requested.join(", ")));
                            }
                            view! {
                                <tr data-test="price-row">
                                    <td>{resource.resource_type.clone()}</td>
                                    <th scope="row">{format!("{} ({})", group.name, group.id)}</th>
                                    <td class="nowrap" data-test="price">{price}</td>
                                    <td>{units(group.quantum)}</td>
                                    <td>{prefixes}</td>
                                </tr>
                            }
                        }).collect::<Vec<_>>()
                    }).collect_view()}
                </tbody>
            </TableWrap>
        }
        .into_any()
    };
    view! {
        {table}
        <div class="results-bar">
            <p class="muted small" data-test="prices-age">{freshness.describe()}</p>
            <button type="button" class="button button-small button-secondary" on:click=move |_| refresh()>"Refresh prices"</button>
        </div>
    }
}

#[component]
fn SubscriptionFilters(filter: Memo<SubscriptionFilter>, other: Memo<PriceFilter>) -> impl IntoView {
    let problem = move |field: &'static str| {
        move || filter.with(|f| f.problems().into_iter().find(|(name, _)| name == field).map(|(_, message)| message))
    };
    view! {
        <Form method="GET" action="/billing/prices" attr:class="filters" attr:aria-label="Filter subscription prices" attr:data-test="subscription-filters">
            {move || other.get().types.into_iter().map(|t| view! { <input type="hidden" name="type" value=t /> }).collect_view()}
            <input type="hidden" name="group" prop:value=move || other.with(|o| o.group.clone()) />
            <input type="hidden" name="param" prop:value=move || other.with(|o| o.param.clone()) />
            <div class="filters-grid">
                <div class="field">
                    <label for="f-sub-ids">"Template ids"</label>
                    <input id="f-sub-ids" name="sub_ids" type="text" inputmode="numeric" aria-describedby="f-sub-ids-error"
                        aria-invalid=move || problem("sub_ids")().is_some().to_string() prop:value=move || filter.with(|f| f.ids.clone()) />
                    <p class="field-error" id="f-sub-ids-error" role="alert">{problem("sub_ids")}</p>
                </div>
                <div class="field">
                    <label for="f-sub-kind">"Type"</label>
                    <select id="f-sub-kind" name="sub_kind" aria-describedby="f-sub-kind-error" prop:value=move || filter.with(|f| f.kind.clone())>
                        <option value="">"Any"</option>
                        {SUBSCRIPTION_KINDS.iter().map(|(code, words)| view! { <option value=*code>{*words}</option> }).collect_view()}
                    </select>
                    <p class="field-error" id="f-sub-kind-error" role="alert">{problem("sub_kind")}</p>
                </div>
                <div class="field">
                    <label for="f-sub-name">"Name contains"</label>
                    <input id="f-sub-name" name="sub_name" type="text" aria-describedby="f-sub-name-error"
                        aria-invalid=move || problem("sub_name")().is_some().to_string() prop:value=move || filter.with(|f| f.name.clone()) />
                    <p class="field-error" id="f-sub-name-error" role="alert">{problem("sub_name")}</p>
                </div>
            </div>
            <div class="button-row">
                <button type="submit" class="button">"Search subscriptions"</button>
            </div>
        </Form>
    }
}

#[component]
fn SubscriptionTable(found: SubscriptionPrices, filter: SubscriptionFilter, other: PriceFilter) -> impl IntoView {
    let SubscriptionPrices { templates, total, offset, freshness } = found;
    if templates.is_empty() {
        return view! {
            <EmptyState title="No subscription template matches">
                <p class="muted">"Clear the id, type or name above."</p>
            </EmptyState>
        }
        .into_any();
    }
    let page_href = move |offset: u64| href(&other, &SubscriptionFilter { offset, ..filter.clone() });
    view! {
        <TableWrap caption="Subscription prices" test="subscription-table">
            <thead><tr>
                <th scope="col">"Template"</th><th scope="col">"Type"</th><th scope="col">"Installation"</th>
                <th scope="col">"Price"</th><th scope="col">"Verification"</th>
            </tr></thead>
            <tbody>
                {templates.into_iter().map(|t| {
                    let currency = t.currency.clone();
                    let kind = SUBSCRIPTION_KINDS.iter().find(|(k, _)| *k == t.kind).map_or(t.kind.clone(), |(_, w)| w.to_string());
                    let verification = match (t.required_verification, t.verification_status.as_deref()) {
                        (Some(false), _) | (None, None) => view! { <span class="badge badge-muted">"Not required"</span> }.into_any(),
                        (_, Some(status)) => {
                            let (words, class) = verification_badge(status);
                            view! { <span class=class>{words}</span> }.into_any()
                        }
                        (Some(true), None) => view! { <span class="badge badge-warn">"Required"</span> }.into_any(),
                    };
                    view! {
                        <tr data-test="subscription-row">
                            <th scope="row">{format!("{} ({})", t.name, t.id)}</th>
                            <td>{kind}</td>
                            <td class="nowrap">{money(Some(t.installation_price), currency.as_deref())}</td>
                            <td class="nowrap">{format!("{} per {}", money(Some(t.price), currency.as_deref()), t.period)}</td>
                            <td>{verification}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </TableWrap>
        <Pager offset count=SUBSCRIPTIONS_PAGE total href=page_href />
        <p class="muted small">{freshness.describe()}</p>
    }
    .into_any()
}
