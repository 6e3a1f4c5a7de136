//! `/account/documents`: the parent's own verification, then every child's, filtered
//! by status and hold-until date (the filter lives in the URL), each child linking to
//! its page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
};

use super::{get_documents, DocumentFilter, Documents, DOCUMENTS_PAGE, FILTERABLE_STATUSES};
use crate::{
    access::Permission,
    children::model::{verification_badge, VerificationView},
    frame::Guarded,
    ui::{data, url_encode, EmptyState, ErrorState, Loading, Pager, TableWrap},
};

fn filter_from_url() -> Memo<DocumentFilter> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|q| DocumentFilter {
            statuses: q.get_all("status").unwrap_or_default().into_iter().filter(|s| !s.is_empty()).collect(),
            hold_from: q.get_str("hold_from").map(str::to_string).filter(|v| !v.is_empty()),
            hold_to: q.get_str("hold_to").map(str::to_string).filter(|v| !v.is_empty()),
            offset: q.get_str("offset").and_then(|o| o.parse().ok()).unwrap_or(0),
        })
    })
}

#[component]
pub fn DocumentsPage() -> impl IntoView {
    let filter = filter_from_url();
    let documents = data(move || filter.get(), get_documents);
    view! {
        <Title text="Verification documents" />
        <Guarded permission=Permission::ViewAccount>
            <section class="page page-wide">
                <header class="page-header">
                    <p class="eyebrow"><A href="/">"Dashboard"</A> " / " <A href="/account">"Account"</A> " / Documents"</p>
                    <h1>"Verification documents"</h1>
                    <p class="lede">"What Voximplant asks your account and your customers' accounts to prove, and how far each is."</p>
                </header>
                <Filters filter />
                <Transition fallback=|| view! { <div class="card"><Loading what="Asking Voximplant…" /></div> }>
                    {crate::ui::once_loaded(move || async move {
                        let current = filter.get_untracked();
                        match documents.await {
                            Ok(found) => view! { <Found found filter=current /> }.into_any(),
                            Err(error) => view! { <ErrorState error retry=move |_| documents.refetch() /> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </Guarded>
    }
}

#[component]
fn Filters(filter: Memo<DocumentFilter>) -> impl IntoView {
    let problem = move |field: &'static str| {
        move || filter.with(|f| f.problems().into_iter().find(|(name, _)| name == field).map(|(_, message)| message))
    };
    view! {
        <Form method="GET" action="/account/documents" attr:class="card filters" attr:aria-label="Filter children's verifications" attr:data-test="document-filters">
            <div class="filters-grid">
                <fieldset class="checks">
                    <legend>"Status"</legend>
                    {FILTERABLE_STATUSES.iter().map(|status| {
                        let (words, _) = verification_badge(status);
                        let id = format!("f-status-{status}");
                        let label_for = id.clone();
                        view! {
                            <label class="check" for=label_for>
                                <input id=id type="checkbox" name="status" value=*status
                                    prop:checked=move || filter.with(|f| f.statuses.iter().any(|s| s == status)) />
                                <span>{words}</span>
                            </label>
                        }
                    }).collect_view()}
                    <p class="field-error" id="f-statuses-error" role="alert">{problem("statuses")}</p>
                </fieldset>
                <div class="field">
                    <label for="f-hold-from">"Hold until, from"</label>
                    <input id="f-hold-from" name="hold_from" type="date" aria-describedby="f-hold-from-error"
                        aria-invalid=move || problem("hold_from")().is_some().to_string()
                        prop:value=move || filter.with(|f| f.hold_from.clone().unwrap_or_default()) />
                    <p class="field-error" id="f-hold-from-error" role="alert">{problem("hold_from")}</p>
                </div>
                <div class="field">
                    <label for="f-hold-to">"Hold until, to"</label>
                    <input id="f-hold-to" name="hold_to" type="date" aria-describedby="f-hold-to-error"
                        aria-invalid=move || problem("hold_to")().is_some().to_string()
                        prop:value=move || filter.with(|f| f.hold_to.clone().unwrap_or_default()) />
                    <p class="field-error" id="f-hold-to-error" role="alert">{problem("hold_to")}</p>
                </div>
            </div>
            <div class="button-row">
                <button type="submit" class="button">"Search"</button>
                <A href="/account/documents" attr:class="button button-secondary">"Clear filters"</A>
            </div>
        </Form>
    }
}

fn status_badge(status: &str) -> impl IntoView {
    let (words, class) = verification_badge(status);
    view! { <span class=class>{words}</span> }
}

#[component]
fn OwnVerifications(own: Vec<VerificationView>) -> impl IntoView {
    view! {
        <article class="card" data-test="own-documents">
            <h2>"Your account"</h2>
            {if own.is_empty() {
                view! { <p class="muted">"Voximplant asks your account for no verification."</p> }.into_any()
            } else {
                view! {
                    <TableWrap caption="Your account's verifications">
                        <thead><tr>
                            <th scope="col">"Verification"</th><th scope="col">"Status"</th>
                            <th scope="col">"Hold until"</th><th scope="col">"Documents"</th>
                        </tr></thead>
                        <tbody>
                            {own.into_iter().map(|v| {
                                let documents = if v.documents.is_empty() {
                                    "None uploaded".to_string()
                                } else {
                                    v.documents.iter().map(|d| format!("#{} {} ({})", d.id, verification_badge(&d.status).0, d.uploaded)).collect::<Vec<_>>().join("; ")
                                };
                                view! {
                                    <tr>
                                        <td>{v.name.clone()}</td>
                                        <td>{status_badge(&v.status)}</td>
                                        <td>{v.hold_until.clone().unwrap_or_else(|| "—".into())}</td>
                                        <td>{documents}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </TableWrap>
                }.into_any()
            }}
        </article>
    }
}

#[component]
fn Found(found: Documents, filter: DocumentFilter) -> impl IntoView {
    let Documents { own, children, total, offset, fetched_at } = found;
    let href = move |offset: u64| {
        let mut pairs = DocumentFilter { offset, ..filter.clone() }.query_pairs();
        pairs.retain(|(name, value)| *name != "offset" || value != "0");
        let query: Vec<String> = pairs.into_iter().map(|(name, value)| format!("{name}={}", url_encode(&value))).collect();
        format!("/account/documents?{}", query.join("&"))
    };
    view! {
        <OwnVerifications own />
        <article class="card" data-test="children-documents">
            <h2>"Child accounts"</h2>
            {if children.is_empty() {
                view! {
                    <EmptyState title="No child verification matches">
                        <p class="muted">"Change the status or the dates above, or clear the filters."</p>
                    </EmptyState>
                }.into_any()
            } else {
                view! {
                    <TableWrap caption="Children's verifications">
                        <thead><tr>
                            <th scope="col">"Child account"</th><th scope="col">"Verification"</th>
                            <th scope="col">"Status"</th><th scope="col">"Hold until"</th>
                        </tr></thead>
                        <tbody>
                            {children.into_iter().map(|row| {
                                let name = row.account_name.clone().unwrap_or_else(|| format!("Account {}", row.account_id));
                                view! {
                                    <tr>
                                        <td><A href=format!("/children/{}", row.account_id)>{name}</A></td>
                                        <td>{row.verification.name.clone()}</td>
                                        <td>{status_badge(&row.verification.status)}</td>
                                        <td>{row.verification.hold_until.clone().unwrap_or_else(|| "—".into())}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </TableWrap>
                    <Pager offset count=DOCUMENTS_PAGE total href />
                }.into_any()
            }}
            <p class="muted small">{format!("Read from Voximplant at {fetched_at}.")}</p>
        </article>
    }
}
