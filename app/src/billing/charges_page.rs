//! `/billing/charges`: what is due by a date in a currency (the query lives in the
//! URL), and charging the phone subscriptions Voximplant does not charge by itself.
//! The dialog names every phone, what it costs and the balance after; the result
//! lists each phone, charged or frozen for lack of money.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_query_map};
use rust_decimal::Decimal;
use voximplant::value_lists::CURRENCIES;

use super::{charge, get_due, ChargeMode, ChargeOrder, Charged, Due, DueQuery};
use super::routes::BillingSection;
use crate::{
    access::Permission,
    children::model::money,
    error::AppError,
    frame::use_auth,
    submission::FormKey,
    ui::{data, Data, EmptyState, ErrorState, Loading, ModalDialog, TableWrap},
};

fn query_from_url() -> Memo<DueQuery> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|q| DueQuery {
            date: q.get_str("date").unwrap_or_default().to_string(),
            currency: q.get_str("currency").unwrap_or_default().to_string(),
        })
    })
}

/// The charge form's state. It lives on the page, outside the list that is read again
/// after a charge, so the result and the choices survive that re-read.
#[derive(Clone, Copy)]
struct ChargeForm {
    ticked: RwSignal<Vec<String>>,
    mode: RwSignal<ChargeMode>,
    ids: RwSignal<String>,
    /// This rendered form's key: a resend of it charges nothing twice.
    key: RwSignal<FormKey>,
    submitted: RwSignal<bool>,
    busy: RwSignal<bool>,
    result: RwSignal<Option<Result<Charged, AppError>>>,
}

impl ChargeForm {
    fn new() -> Self {
        ChargeForm {
            ticked: RwSignal::new(Vec::new()),
            mode: RwSignal::new(ChargeMode::Numbers),
            ids: RwSignal::new(String::new()),
            key: RwSignal::new(FormKey::random()),
            submitted: RwSignal::new(false),
            busy: RwSignal::new(false),
            result: RwSignal::new(None),
        }
    }
}

#[component]
pub fn ChargesPage() -> impl IntoView {
    // Made before billing's guard, once per view (see `Guarded`).
    let query = query_from_url();
    let due = data(move || query.get(), get_due);
    view! { <BillingSection><ChargesView query due /></BillingSection> }
}

#[component]
fn ChargesView(query: Memo<DueQuery>, due: Data<Due>) -> impl IntoView {
    let form = ChargeForm::new();
    view! {
        <Title text="Charges · Billing" />
        <h2 class="visually-hidden">"Charges"</h2>
        <DueFilters query />
        <Transition fallback=|| view! { <div class="card"><Loading what="Asking Voximplant what is due…" /></div> }>
            {crate::ui::once_loaded(move || async move {
                match due.await {
                    Ok(found) => view! { <DueList due=found form refetch=Callback::new(move |_| due.refetch()) /> }.into_any(),
                    Err(AppError::Invalid(_)) => ().into_any(),
                    Err(error) => view! { <ErrorState error retry=move |_| due.refetch() /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DueFilters(query: Memo<DueQuery>) -> impl IntoView {
    let problem = move |field: &'static str| {
        move || query.with(|q| q.problems().into_iter().find(|(name, _)| name == field).map(|(_, message)| message))
    };
    view! {
        <Form method="GET" action="/billing/charges" attr:class="card filters" attr:aria-label="What is due" attr:data-test="due-filters" attr:novalidate=true>
            <div class="filters-grid filters-grid-wide">
                <div class="field">
                    <label for="due-date">"Due by"</label>
                    <input id="due-date" name="date" type="date" min="2000-01-01" aria-describedby="due-date-hint due-date-error"
                        aria-invalid=move || problem("date")().is_some().to_string()
                        prop:value=move || query.with(|q| q.date.clone()) />
                    <p class="field-hint small muted" id="due-date-hint">"Empty: today."</p>
                    <p class="field-error" id="due-date-error" role="alert">{problem("date")}</p>
                </div>
                <div class="field">
                    <label for="due-currency">"Show amounts in"</label>
                    <select id="due-currency" name="currency" aria-describedby="due-currency-error"
                        aria-invalid=move || problem("currency")().is_some().to_string()
                        prop:value=move || query.with(|q| q.currency.clone())>
                        <option value="">"Account's currency"</option>
                        {CURRENCIES.iter().map(|(code, name)| view! { <option value=*code>{format!("{code} — {name}")}</option> }).collect_view()}
                    </select>
                    <p class="field-error" id="due-currency-error" role="alert">{problem("currency")}</p>
                </div>
            </div>
            <div class="button-row">
                <button type="submit" class="button">"Show what is due"</button>
            </div>
        </Form>
    }
}

#[component]
fn DueList(due: Due, form: ChargeForm, refetch: Callback<()>) -> impl IntoView {
    let may_charge = use_auth().may(Permission::ManageBilling);
    let ticked = form.ticked;
    let currency = due.currency.clone();
    let summary = view! {
        <dl class="facts">
            <div><dt>"Due by " {due.date.clone()}</dt><dd data-test="due-amount">{money(Some(due.amount), Some(&currency))}</dd></div>
            <div><dt>"Still to pay (after the balance)"</dt><dd>{money(Some(due.min_amount), Some(&currency))}</dd></div>
            <div><dt>"Balance"</dt><dd data-test="due-balance">{money(due.balance, Some(&due.account_currency))}</dd></div>
            {due.bank_card_amount_usd.map(|a| view! { <div><dt>"To pay by bank card"</dt><dd>{money(Some(a), Some("USD"))}</dd></div> })}
            {due.robokassa_amount_rub.map(|a| view! { <div><dt>"To pay by Robokassa"</dt><dd>{money(Some(a), Some("RUB"))}</dd></div> })}
        </dl>
    };
    let rows = due.subscriptions.clone();
    let table = if rows.is_empty() {
        view! {
            <EmptyState title="No subscription is due by this date">
                <p class="muted">"Choose a later date above to see what comes next."</p>
            </EmptyState>
        }
        .into_any()
    } else {
        view! {
            <TableWrap caption="Subscriptions due" test="due-table">
                <thead><tr>
                    {may_charge.then(|| view! { <th scope="col"><span class="visually-hidden">"Charge"</span></th> })}
                    <th scope="col">"Phone or registration"</th><th scope="col">"Type"</th>
                    <th scope="col">"Amount"</th><th scope="col">"Charged how"</th><th scope="col">"Next renewal"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|row| {
                        let number = row.description.clone();
                        let id = format!("tick-{}", number);
                        let label = format!("Charge {number}");
                        let kind = if row.kind == "SIP_REGISTRATION" { "SIP registration" } else { "Phone number" };
                        let (words, class) = if row.auto_charge { ("Automatically", "badge badge-muted") } else { ("By hand", "badge badge-warn") };
                        let tick = (may_charge && !row.auto_charge).then(|| {
                            let number = number.clone();
                            let checked = {
                                let number = number.clone();
                                move || ticked.with(|t| t.contains(&number))
                            };
                            view! {
                                <input type="checkbox" id=id.clone() aria-label=label prop:checked=checked
                                    on:change=move |event| {
                                        let on = event_target_checked(&event);
                                        ticked.update(|t| { t.retain(|n| n != &number); if on { t.push(number.clone()); } });
                                    } />
                            }
                        });
                        view! {
                            <tr data-test="due-row">
                                {may_charge.then(|| view! { <td class="select-cell">{tick}</td> })}
                                <th scope="row"><label for=id>{number.clone()}</label></th>
                                <td>{kind}</td>
                                <td class="nowrap">{money(Some(row.amount), Some(&currency))}</td>
                                <td><span class=class>{words}</span></td>
                                <td>{row.next_renewal.clone().unwrap_or_else(|| "—".into())}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </TableWrap>
        }
        .into_any()
    };
    view! {
        <article class="card" aria-labelledby="due-title">
            <h3 id="due-title">"What is due"</h3>
            {summary}
            {table}
            <p class="muted small">{format!("Read from Voximplant at {}.", due.fetched_at)}</p>
        </article>
        {may_charge.then(|| view! { <ChargePanel due form refetch /> })}
    }
}

#[component]
fn ChargePanel(due: Due, form: ChargeForm, refetch: Callback<()>) -> impl IntoView {
    let ChargeForm { ticked, mode, ids, key, submitted, busy, result } = form;
    let open = RwSignal::new(false);
    let order = Memo::new(move |_| ChargeOrder { mode: mode.get(), numbers: ticked.get(), ids: ids.get() });
    let problem = move |field: &'static str| {
        move || {
            let local = submitted.get().then(|| order.with(|o| o.problems().into_iter().find(|(f, _)| f == field).map(|(_, m)| m))).flatten();
            local.or_else(|| result.with(|r| r.as_ref().and_then(|r| r.as_ref().err()).and_then(|e| e.for_field(field))))
        }
    };
    let due_for_dialog = due.clone();
    let account_currency = due.account_currency.clone();
    let title = Signal::derive(move || match mode.get() {
        ChargeMode::Numbers => match ticked.with(Vec::len) {
            1 => "Charge 1 phone subscription?".to_string(),
            n => format!("Charge {n} phone subscriptions?"),
        },
        ChargeMode::Ids => "Charge the phones with these ids?".to_string(),
        ChargeMode::All => "Charge every phone with auto-charge off?".to_string(),
    });
    let ask = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        submitted.set(true);
        result.set(None);
        if order.with(|o| o.problems().is_empty()) {
            open.set(true);
        }
    };
    let confirm = move |_| {
        busy.set(true);
        let sent = order.get_untracked();
        let form_key = key.get_untracked();
        leptos::task::spawn_local(async move {
            let answer = charge(sent, form_key).await;
            busy.set(false);
            if answer.is_ok() {
                key.set(FormKey::random());
                ticked.set(Vec::new());
                submitted.set(false);
                refetch.run(());
            }
            result.set(Some(answer));
        });
    };
    view! {
        <article class="card" aria-labelledby="charge-title">
            <h3 id="charge-title">"Charge subscriptions"</h3>
            <p class="muted">"Phones with auto-charge off are charged only when you do it here. A phone whose subscription cannot be paid is frozen until it is."</p>
            <form class="form" on:submit=ask data-test="charge-form" novalidate>
                <fieldset class="checks">
                    <legend>"Which phones"</legend>
                    <label class="check" for="charge-mode-numbers">
                        <input id="charge-mode-numbers" type="radio" name="mode" prop:checked=move || mode.get() == ChargeMode::Numbers
                            on:change=move |_| mode.set(ChargeMode::Numbers) aria-describedby="field-numbers-error" />
                        <span>{move || format!("The phones ticked above ({})", ticked.with(Vec::len))}</span>
                    </label>
                    <p class="field-error" id="field-numbers-error" role="alert">{problem("numbers")}</p>
                    <label class="check" for="charge-mode-ids">
                        <input id="charge-mode-ids" type="radio" name="mode" prop:checked=move || mode.get() == ChargeMode::Ids
                            on:change=move |_| mode.set(ChargeMode::Ids) />
                        <span>"Phones by id"</span>
                    </label>
                    <Show when=move || mode.get() == ChargeMode::Ids>
                        <div class="field">
                            <label for="field-ids">"Phone ids"</label>
                            <input id="field-ids" name="ids" type="text" inputmode="numeric" prop:value=move || ids.get()
                                on:input=move |event| ids.set(event_target_value(&event))
                                aria-describedby="field-ids-hint field-ids-error" aria-invalid=move || problem("ids")().is_some().to_string() />
                            <p class="field-hint small muted" id="field-ids-hint">"Separated by commas, e.g. 5012, 5013."</p>
                            <p class="field-error" id="field-ids-error" role="alert">{problem("ids")}</p>
                        </div>
                    </Show>
                    <label class="check" for="charge-mode-all">
                        <input id="charge-mode-all" type="radio" name="mode" prop:checked=move || mode.get() == ChargeMode::All
                            on:change=move |_| mode.set(ChargeMode::All) />
                        <span>"Every phone with auto-charge off"</span>
                    </label>
                </fieldset>
                <div class="form-actions">
                    <button type="submit" class="button" disabled=move || busy.get() aria-busy=move || busy.get().to_string()>
                        {move || if busy.get() { "Charging…" } else { "Charge…" }}
                    </button>
                </div>
            </form>
            <ModalDialog id="charge-dialog" title open confirm_label="Charge now" on_confirm=confirm danger=true>
                {move || {
                    let due = due_for_dialog.clone();
                    let currency = due.account_currency.clone();
                    let chosen: Vec<(String, Decimal)> = match mode.get() {
                        ChargeMode::Numbers => ticked.get().into_iter().filter_map(|n| due.chargeable().find(|s| s.description == n).map(|s| (n, s.cost))).collect(),
                        ChargeMode::All => due.chargeable().map(|s| (s.description.clone(), s.cost)).collect(),
                        ChargeMode::Ids => Vec::new(),
                    };
                    let total: Decimal = chosen.iter().map(|(_, cost)| *cost).sum();
                    let after = due.balance.map(|b| b - total);
                    let intro = match mode.get() {
                        ChargeMode::Numbers => "Voximplant charges the coming period of these subscriptions from your balance now:".to_string(),
                        ChargeMode::All => format!("Voximplant charges every phone of your account with auto-charge off, including any not due by {}. Due by then:", due.date),
                        ChargeMode::Ids => format!("Voximplant charges the phones with ids {}. Their cost is known once Voximplant answers.", ids.get()),
                    };
                    view! {
                        <p>{intro}</p>
                        {(!chosen.is_empty()).then(|| view! {
                            <ul class="plain-list" data-test="charge-dialog-phones">
                                {chosen.iter().map(|(number, cost)| view! { <li>{format!("{number}: {}", money(Some(*cost), Some(&currency)))}</li> }).collect_view()}
                            </ul>
                            <p data-test="charge-dialog-total">{format!(
                                "Total {}. Balance {} → about {}.",
                                money(Some(total), Some(&currency)), money(due.balance, Some(&currency)), money(after, Some(&currency))
                            )}</p>
                        })}
                        <p class="alert alert-info">"A phone the balance cannot pay for is frozen, not charged. The charge is sent once: if Voximplant gives no clear answer it is not retried, and the portal checks what happened."</p>
                    }
                }}
            </ModalDialog>
            {move || result.get().map(|answer| match answer {
                Ok(charged) => view! { <ChargeResult charged /> }.into_any(),
                Err(error) if error.is_unclear_voximplant_answer() => view! {
                    <p class="alert alert-error" role="alert" data-test="charge-error">
                        "Voximplant gave no clear answer, so the phones may or may not have been charged. The portal is checking by reading them back; the result goes to the audit log. Nothing is charged again automatically — reload this page in a minute to see the balance."
                    </p>
                }.into_any(),
                Err(AppError::Invalid(_)) => ().into_any(),
                Err(error) => view! { <p class="alert alert-error" role="alert" data-test="charge-error">{format!("Nothing was charged. {error}")}</p> }.into_any(),
            })}
            <p class="muted small">{format!("Amounts in {account_currency}, the account's currency.")}</p>
        </article>
    }
}

#[component]
fn ChargeResult(charged: Charged) -> impl IntoView {
    let currency = charged.currency.clone();
    let frozen = charged.phones.iter().filter(|p| p.frozen).count();
    view! {
        <div class="charge-result" role="status" data-test="charge-result">
            <p class="alert alert-success">
                {format!(
                    "Charged {}. Balance {} → {}.{}",
                    money(Some(charged.charged_amount), currency.as_deref()),
                    money(charged.balance_before, currency.as_deref()),
                    money(charged.balance_after, currency.as_deref()),
                    if charged.again { " (This form was already sent: this is that answer; nothing was charged twice.)" } else { "" },
                )}
            </p>
            {(frozen > 0).then(|| view! {
                <p class="alert alert-error">{format!("{frozen} phone(s) were frozen for lack of money: top up, then charge them again.")}</p>
            })}
            <TableWrap caption="Charged phones">
                <thead><tr><th scope="col">"Phone"</th><th scope="col">"Id"</th><th scope="col">"Result"</th><th scope="col">"Cost"</th></tr></thead>
                <tbody>
                    {charged.phones.into_iter().map(|phone| {
                        let (words, class) = match (phone.charged, phone.frozen) {
                            (true, _) => ("Charged", "badge badge-ok"),
                            (false, true) => ("Frozen: not enough money", "badge badge-bad"),
                            (false, false) => ("Not charged", "badge badge-warn"),
                        };
                        let cost = if phone.charged { money(phone.cost, currency.as_deref()) } else { "—".into() };
                        view! {
                            <tr data-test="charged-row">
                                <th scope="row">{phone.number}</th><td>{phone.phone_id}</td>
                                <td><span class=class>{words}</span></td><td class="nowrap">{cost}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </TableWrap>
        </div>
    }
}
