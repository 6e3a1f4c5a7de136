//! `/billing/rates`: rates per USD for the chosen currencies on a chosen date (both in
//! the URL), and a converter between any two of them, in Decimal with its rounding
//! stated.

use std::str::FromStr;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_query_map};
use rust_decimal::Decimal;
use voximplant::value_lists::CURRENCIES;

use super::{get_rates, RateQuery, Rates, CONVERTED_DECIMALS};
use super::routes::BillingSection;
use crate::{
    children::model::amount_text,
    error::AppError,
    ui::{data, Data, ErrorState, Loading, TableWrap},
};

fn query_from_url() -> Memo<RateQuery> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|q| RateQuery {
            currencies: q.get_all("currency").unwrap_or_default().into_iter().filter(|c| !c.is_empty()).collect(),
            date: q.get_str("date").unwrap_or_default().to_string(),
        })
    })
}

#[component]
pub fn RatesPage() -> impl IntoView {
    // Made before billing's guard, once per view (see `Guarded`).
    let query = query_from_url();
    let rates = data(move || query.get(), get_rates);
    view! { <BillingSection><RatesView query rates /></BillingSection> }
}

#[component]
fn RatesView(query: Memo<RateQuery>, rates: Data<Rates>) -> impl IntoView {
    let problem = move |field: &'static str| {
        move || query.with(|q| q.problems().into_iter().find(|(name, _)| name == field).map(|(_, message)| message))
    };
    view! {
        <Title text="Currency rates · Billing" />
        <h2 class="visually-hidden">"Currency rates"</h2>
        <Form method="GET" action="/billing/rates" attr:class="card filters" attr:aria-label="Choose rates" attr:data-test="rate-filters" attr:novalidate=true>
            <div class="filters-grid">
                <fieldset class="checks" aria-describedby="f-currencies-error">
                    <legend>"Currencies (none ticked: all)"</legend>
                    {CURRENCIES.iter().map(|(code, name)| {
                        let id = format!("f-currency-{code}");
                    let label_for = id.clone();
                        view! {
                            <label class="check" for=label_for>
                                <input id=id type="checkbox" name="currency" value=*code
                                    prop:checked=move || query.with(|q| q.currencies.iter().any(|c| c == code)) />
                                <span>{format!("{code} — {name}")}</span>
                            </label>
                        }
                    }).collect_view()}
                    <p class="field-error" id="f-currencies-error" role="alert">{problem("currencies")}</p>
                </fieldset>
                <div class="field">
                    <label for="f-rate-date">"On"</label>
                    <input id="f-rate-date" name="date" type="date" min="2000-01-01" aria-describedby="f-rate-date-hint f-rate-date-error"
                        aria-invalid=move || problem("date")().is_some().to_string() prop:value=move || query.with(|q| q.date.clone()) />
                    <p class="field-hint small muted" id="f-rate-date-hint">"Empty: today."</p>
                    <p class="field-error" id="f-rate-date-error" role="alert">{problem("date")}</p>
                </div>
            </div>
            <div class="button-row">
                <button type="submit" class="button">"Show rates"</button>
            </div>
        </Form>
        <Transition fallback=|| view! { <div class="card"><Loading what="Asking Voximplant for rates…" /></div> }>
            {crate::ui::once_loaded(move || async move {
                match rates.await {
                    Ok(found) => view! { <RateTable rates=found.clone() /> <Converter rates=found /> }.into_any(),
                    Err(AppError::Invalid(_)) => ().into_any(),
                    Err(error) => view! { <ErrorState error retry=move |_| rates.refetch() /> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn currency_name(code: &str) -> &'static str {
    CURRENCIES.iter().find(|(c, _)| *c == code).map_or("", |(_, name)| name)
}

#[component]
fn RateTable(rates: Rates) -> impl IntoView {
    view! {
        <article class="card" aria-labelledby="rates-title">
            <h3 id="rates-title">"Rates per 1 USD on " <span class="nowrap">{rates.date.clone()}</span></h3>
            <TableWrap caption="Units of each currency per US dollar" test="rate-table">
                <thead><tr><th scope="col">"Currency"</th><th scope="col">"Per 1 USD"</th></tr></thead>
                <tbody>
                    {rates.rates.iter().map(|(code, rate)| view! {
                        <tr data-test="rate-row">
                            <th scope="row">{format!("{code} — {}", currency_name(code))}</th>
                            <td class="nowrap" data-test=format!("rate-{code}")>{format!("{} {code}", rate.normalize())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </TableWrap>
            <p class="muted small">{rates.freshness.describe()}</p>
        </article>
    }
}

#[component]
fn Converter(rates: Rates) -> impl IntoView {
    let codes: Vec<String> = rates.rates.iter().map(|(code, _)| code.clone()).collect();
    let first = codes.iter().find(|c| *c != "USD").cloned().unwrap_or_else(|| codes.first().cloned().unwrap_or_default());
    let amount = RwSignal::new("100".to_string());
    let from = RwSignal::new(first);
    let to = RwSignal::new(if codes.iter().any(|c| c == "USD") { "USD".to_string() } else { codes.last().cloned().unwrap_or_default() });
    let rates = StoredValue::new(rates);
    let parsed = move || {
        let text = amount.get();
        let text = text.trim();
        if text.is_empty() {
            return Err("Enter an amount to convert.".to_string());
        }
        Decimal::from_str(text).map_err(|_| "Enter a number such as 100 or 12.50.".to_string())
    };
    let answer = move || {
        let value = parsed().ok()?;
        let (from, to) = (from.get(), to.get());
        let converted = rates.with_value(|r| r.convert(value, &from, &to))?;
        Some(format!("{} {from} = {} {to}", amount_text(value), amount_text(converted)))
    };
    let explained = move || {
        let (from, to) = (from.get(), to.get());
        rates.with_value(|r| {
            let (a, b) = (r.rate(&from)?, r.rate(&to)?);
            Some(format!(
                "Amount ÷ {} ({from} per USD) × {} ({to} per USD), rates of {}; rounded to {CONVERTED_DECIMALS} decimal places, halves to even.",
                a.normalize(), b.normalize(), r.date
            ))
        })
    };
    let options = move |selected: RwSignal<String>| {
        codes
            .iter()
            .map(|code| {
                let code = code.clone();
                let value = code.clone();
                view! { <option value=value.clone() selected=move || selected.get() == value>{code}</option> }
            })
            .collect_view()
    };
    let from_options = options(from);
    let to_options = options(to);
    view! {
        <article class="card" aria-labelledby="converter-title">
            <h3 id="converter-title">"Converter"</h3>
            <div class="converter">
                <div class="field">
                    <label for="convert-amount">"Amount"</label>
                    <input id="convert-amount" type="text" inputmode="decimal" prop:value=move || amount.get()
                        on:input=move |event| amount.set(event_target_value(&event))
                        aria-describedby="convert-amount-error" aria-invalid=move || parsed().is_err().to_string() />
                    <p class="field-error" id="convert-amount-error" role="alert">{move || parsed().err()}</p>
                </div>
                <div class="field">
                    <label for="convert-from">"From"</label>
                    <select id="convert-from" prop:value=move || from.get() on:change=move |event| from.set(event_target_value(&event))>{from_options}</select>
                </div>
                <div class="field">
                    <label for="convert-to">"To"</label>
                    <select id="convert-to" prop:value=move || to.get() on:change=move |event| to.set(event_target_value(&event))>{to_options}</select>
                </div>
            </div>
            <p class="big-number" role="status" aria-live="polite" data-test="converted">{answer}</p>
            <p class="muted small">{explained}</p>
        </article>
    }
}
