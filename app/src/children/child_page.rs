//! A child's page: everything Voximplant says about it, grouped, with its
//! verification. Admins and resellers get Edit, Activate and Deactivate; support
//! staff get the notification settings form and nothing else.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use super::{
    child_controls::{Activation, NotificationForm},
    get_child,
    model::{money, verification_badge, ChildDetails, VerificationView},
};
use crate::{
    access::Permission,
    error::AppError,
    frame::{use_auth, Guarded},
    ui::{data, Data, EmptyState, ErrorState, Loading, TableWrap},
};

/// The child id in the address, or what is wrong with it.
pub(super) fn child_id_from_url() -> Memo<Result<u64, AppError>> {
    let params = use_params_map();
    Memo::new(move |_| {
        let text = params.with(|p| p.get("id").unwrap_or_default());
        text.parse::<u64>().map_err(|_| {
            let shown: String = text.chars().take(40).collect();
            AppError::invalid("id", format!("“{shown}” is not a child account id: ids are numbers, like 10042."))
        })
    })
}

#[component]
pub fn ChildPage() -> impl IntoView {
    let details = child_from_url();
    view! {
        <Guarded permission=Permission::ViewChildren>
            <ChildView details />
        </Guarded>
    }
}

#[component]
fn ChildView(details: Data<ChildDetails>) -> impl IntoView {
    view! {
        <section class="page page-wide">
            <p class="eyebrow"><A href="/children">"Child accounts"</A></p>
            <WithChild details heading="Child account" loading="Loading the child account…"
                show=|details, refresh| view! { <Child details refresh /> } />
        </section>
    }
}

/// The child the URL names, read once per view. A page makes it before its guard
/// (see [`Guarded`]) and hands it to [`WithChild`].
pub fn child_from_url() -> Data<ChildDetails> {
    let id = child_id_from_url();
    data(move || id.get(), |id| async move {
        match id {
            Ok(id) => get_child(id).await,
            Err(error) => Err(error),
        }
    })
}

/// The child `details` reads, loaded: `show` gets it (and a way to read it again).
/// Loading and failure (a bad id, an unknown child, Voximplant down) look the same
/// on every page about one child; `heading` titles the failure.
#[component]
pub fn WithChild<V, F>(
    details: Data<ChildDetails>,
    heading: &'static str,
    loading: &'static str,
    show: F,
) -> impl IntoView
where
    V: IntoView + 'static,
    F: Fn(ChildDetails, Callback<()>) -> V + Send + Sync + 'static,
{
    let refresh = Callback::new(move |_| details.refetch());
    let show = std::sync::Arc::new(show);
    view! {
        <Transition fallback=move || view! { <Loading what=loading /> }>
            {crate::ui::once_loaded(move || {
                let show = show.clone();
                async move {
                    match details.await {
                        Ok(details) => show(details, refresh).into_any(),
                        Err(error) => view! {
                            <Title text=heading />
                            <h1>{heading}</h1>
                            <div class="card" data-test="child-error">
                                <ErrorState error retry=refresh />
                                <A href="/children" attr:class="button button-secondary">"Back to the list"</A>
                            </div>
                        }.into_any(),
                    }
                }
            })}
        </Transition>
    }
}

/// One labelled value in a group.
fn fact(label: &'static str, value: impl Into<String>) -> impl IntoView {
    let value = value.into();
    let value = if value.is_empty() { "—".to_string() } else { value };
    view! { <div><dt>{label}</dt><dd>{value}</dd></div> }
}

fn on_off(value: bool) -> &'static str {
    if value {
        "On"
    } else {
        "Off"
    }
}

fn optional(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

#[component]
fn Child(details: ChildDetails, refresh: Callback<()>) -> impl IntoView {
    let auth = use_auth();
    let child = details.account;
    let manage = auth.may(Permission::ManageChildren);
    let notify = auth.may(Permission::EditChildNotifications);
    let status = child.status();
    let language = child
        .language_code
        .as_deref()
        .map(|code| match voximplant::value_lists::LANGUAGES.iter().find(|(c, _)| *c == code) {
            Some((_, name)) => format!("{name} ({code})"),
            None => code.to_string(),
        })
        .unwrap_or_default();
    let person = [child.account_first_name.clone(), child.account_last_name.clone()].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let payment = |on: bool| if on { "Allowed" } else { "Not allowed" };
    let card = match (&child.bank_card_provider, child.support_bank_card) {
        (Some(provider), true) => format!("Allowed ({provider})"),
        (_, on) => payment(on).to_string(),
    };
    let address = [
        child.billing_address_address.clone(),
        child.billing_address_zip.clone(),
        child.billing_address_state.clone(),
        child.billing_address_country_code.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    view! {
        <Title text=format!("{} · Child account", child.account_name) />
        <header class="page-header page-header-actions">
            <div>
                <h1 data-test="child-name">{child.account_name.clone()}</h1>
                <p class="lede">
                    <span class=status.class() data-test="child-status">{status.label()}</span>
                    {format!(" Child account {} · {}", child.account_id, child.account_email)}
                </p>
            </div>
            {manage.then(|| view! {
                <div class="button-row">
                    <A href=format!("/children/{}/edit", child.account_id) attr:class="button" attr:data-test="edit-child">"Edit"</A>
                    <A href=format!("/children/{}/clone", child.account_id) attr:class="button button-secondary" attr:data-test="clone-child">"Clone"</A>
                    <Activation child=child.clone() refresh />
                </div>
            })}
        </header>
        <div class="grid-2">
            <article class="card" aria-labelledby="identity-title">
                <h2 id="identity-title">"Identity"</h2>
                <dl class="facts">
                    {fact("Account id", child.account_id.to_string())}
                    {fact("Account name", child.account_name.clone())}
                    {fact("Email", child.account_email.clone())}
                    {fact("Contact person", person)}
                    {fact("Created", optional(&child.created))}
                    {fact("Custom data", optional(&child.account_custom_data))}
                </dl>
            </article>
            <article class="card" aria-labelledby="money-title">
                <h2 id="money-title">"Status and money"</h2>
                <dl class="facts">
                    <div><dt>"Status"</dt><dd><span class=status.class()>{status.label()}</span></dd></div>
                    {fact("Balance", child.balance_text())}
                    {fact("Credit limit", money(child.credit_limit, child.currency.as_deref()))}
                    {fact("Min balance to notify", money(child.min_balance_to_notify, child.currency.as_deref()))}
                    {fact("Currency", optional(&child.currency))}
                </dl>
            </article>
            <article class="card" aria-labelledby="notifications-title">
                <h2 id="notifications-title">"Notifications"</h2>
                {if notify {
                    view! { <NotificationForm child=child.clone() refresh /> }.into_any()
                } else {
                    view! {
                        <dl class="facts">
                            {fact("Account emails", on_off(child.account_notifications))}
                            {fact("Plan-change emails", on_off(child.tariff_changing_notifications))}
                            {fact("News emails", on_off(child.news_notifications))}
                        </dl>
                    }.into_any()
                }}
            </article>
            <article class="card" aria-labelledby="locale-title">
                <h2 id="locale-title">"Locale"</h2>
                <dl class="facts">
                    {fact("Language", language)}
                    {fact("Time zone", optional(&child.location))}
                </dl>
            </article>
            <article class="card" aria-labelledby="payment-title">
                <h2 id="payment-title">"Payment methods"</h2>
                <dl class="facts">
                    {fact("Robokassa", payment(child.support_robokassa))}
                    {fact("Bank card", card)}
                    {fact("Invoice", payment(child.support_invoice))}
                </dl>
            </article>
            <article class="card" aria-labelledby="billing-title">
                <h2 id="billing-title">"Billing address"</h2>
                <dl class="facts">
                    {fact("Name", optional(&child.billing_address_name))}
                    {fact("Address", address)}
                    {fact("Phone", optional(&child.billing_address_phone))}
                </dl>
            </article>
        </div>
        <Verification verifications=details.verifications />
    }
}

#[component]
fn Verification(verifications: Result<Vec<VerificationView>, String>) -> impl IntoView {
    let body = match verifications {
        Err(why) => view! {
            <p class="alert alert-error" role="alert">{format!("The verification could not be read: {why} Reload the page to try again.")}</p>
        }
        .into_any(),
        Ok(list) if list.is_empty() => view! {
            <EmptyState title="No verification on record.">
                <p class="muted">"Voximplant asks for documents when the account needs them (for example, to buy phone numbers in some countries)."</p>
            </EmptyState>
        }
        .into_any(),
        Ok(list) => list
            .into_iter()
            .map(|verification| {
                let (label, class) = verification_badge(&verification.status);
                view! {
                    <section class="verification" data-test="verification">
                        <h3>{verification.name.clone()} " " <span class=class>{label}</span></h3>
                        {verification.hold_until.clone().map(|date| view! {
                            <p class="muted small">{format!("Unverified account kept until {date}.")}</p>
                        })}
                        {if verification.documents.is_empty() {
                            view! { <p class="muted small">"No documents uploaded."</p> }.into_any()
                        } else {
                            view! {
                                <TableWrap caption=format!("Documents for {}", verification.name)>
                                    <thead><tr>
                                        <th scope="col">"Document"</th>
                                        <th scope="col">"For"</th>
                                        <th scope="col">"Uploaded"</th>
                                        <th scope="col">"Status"</th>
                                        <th scope="col">"Reviewer's comment"</th>
                                    </tr></thead>
                                    <tbody>
                                        {verification.documents.into_iter().map(|document| {
                                            let (label, class) = verification_badge(&document.status);
                                            view! {
                                                <tr>
                                                    <td>{document.id}</td>
                                                    <td>{if document.individual { "Individual" } else { "Company" }}</td>
                                                    <td class="nowrap">{document.uploaded}</td>
                                                    <td><span class=class>{label}</span></td>
                                                    <td>{document.comment.unwrap_or_else(|| "—".into())}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </TableWrap>
                            }.into_any()
                        }}
                    </section>
                }
            })
            .collect_view()
            .into_any(),
    };
    view! {
        <article class="card" aria-labelledby="verification-title" data-test="verification-card">
            <h2 id="verification-title">"Verification"</h2>
            {body}
        </article>
    }
}
