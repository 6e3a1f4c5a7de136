//! The child-account list: one search box (ids, a name or an email), status filters,
//! sort by id, name or email, 20/50/100 per page, live balances on request. The view
//! lives in the URL, so reload, back and a pasted link all restore it.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
};

use super::{
    bulk::selection::{may_select, BulkBar, RecentJobs, SelectPageHeader, SelectRowCell, Selected},
    list_children,
    model::ChildRow,
    query::{ChildPage, ChildQuery, ChildSort, PAGE_SIZES},
};
use crate::{
    access::Permission,
    error::AppError,
    frame::{use_auth, Guarded},
    ui::{data, group_thousands, Data, EmptyState, ErrorState, Loading, Pager, SortDirection, SortHeader, TableWrap},
};

#[component]
pub fn ChildrenPage() -> impl IntoView {
    // The reads start here, outside the guard's Suspense: what is inside it is built
    // more than once while the server renders (a dry run that finds what is read, then
    // the render), and a resource made there would ask Voximplant each time.
    let view_state = query_from_url();
    let page = data(move || view_state.get(), list_children);
    let jobs = data(|| (), |_| super::bulk::recent_bulk_jobs());
    view! {
        <Title text="Child accounts" />
        <Guarded permission=Permission::ViewChildren>
            <ChildList view_state page jobs />
        </Guarded>
    }
}

fn query_from_url() -> Memo<ChildQuery> {
    let query = use_query_map();
    Memo::new(move |_| query.with(|q| ChildQuery::from_pairs(|name| q.get_str(name))))
}

#[component]
fn ChildList(
    view_state: Memo<ChildQuery>,
    page: Data<ChildPage>,
    jobs: Data<Vec<super::bulk::BulkJob>>,
) -> impl IntoView {
    let auth = use_auth();
    view! {
        <section class="page page-wide">
            <header class="page-header page-header-actions">
                <div>
                    <h1>"Child accounts"</h1>
                    <p class="lede">"Every customer account under your parent account."</p>
                </div>
                <Show when=move || auth.may(Permission::ManageChildren)>
                    <A href="/children/new" attr:class="button" attr:data-test="new-child">"New child account"</A>
                </Show>
            </header>
            <Show when=may_select>
                <RecentJobs jobs />
            </Show>
            <Filters view_state />
            <Transition fallback=|| view! { <div class="card"><Loading what="Loading child accounts…" /></div> }>
                {crate::ui::once_loaded(move || async move {
                    let query = view_state.get_untracked();
                    match page.await {
                        Ok(found) => view! { <Results found query on_refresh=move || page.refetch() /> }.into_any(),
                        Err(error) => view! { <ListError error on_retry=move || page.refetch() /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The search and filter form: a plain GET form, so the view is the URL.
#[component]
fn Filters(view_state: Memo<ChildQuery>) -> impl IntoView {
    let current = move || view_state.get();
    let selected = move |value: &'static str, of: fn(&ChildQuery) -> String| move || of(&current()) == value;
    let status = |q: &ChildQuery| match q.active {
        Some(true) => "active".to_string(),
        Some(false) => "inactive".to_string(),
        None => String::new(),
    };
    let frozen = |q: &ChildQuery| match q.frozen {
        Some(true) => "yes".to_string(),
        Some(false) => "no".to_string(),
        None => String::new(),
    };
    let sort = |q: &ChildQuery| q.sort.as_str().to_string();
    let search_error = move || current().search().err().and_then(|error| error.for_field("q"));
    let size = |q: &ChildQuery| q.size.to_string();
    view! {
        <Form method="GET" action="/children" attr:class="card filters" attr:aria-label="Find child accounts" attr:data-test="child-filters">
            <div class="filters-grid filters-grid-children">
                <div class="field field-search">
                    <label for="f-q">"Search"</label>
                    <input id="f-q" name="q" type="search" maxlength="1200" aria-describedby="f-q-hint f-q-error"
                        aria-invalid=move || search_error().is_some().to_string()
                        placeholder="1042, acme-corp or ops@acme.example" prop:value=move || current().search />
                    <p class="field-hint small muted" id="f-q-hint">"An id, several ids, a name or an email."</p>
                    <p class="field-error" id="f-q-error" role="alert" data-test="search-error">{search_error}</p>
                </div>
                <div class="field">
                    <label for="f-status">"Status"</label>
                    <select id="f-status" name="status">
                        <option value="" selected=selected("", status)>"Any"</option>
                        <option value="active" selected=selected("active", status)>"Active"</option>
                        <option value="inactive" selected=selected("inactive", status)>"Inactive"</option>
                    </select>
                </div>
                <div class="field">
                    <label for="f-frozen">"Frozen"</label>
                    <select id="f-frozen" name="frozen">
                        <option value="" selected=selected("", frozen)>"Any"</option>
                        <option value="yes" selected=selected("yes", frozen)>"Frozen only"</option>
                        <option value="no" selected=selected("no", frozen)>"Not frozen"</option>
                    </select>
                </div>
                <div class="field">
                    <label for="f-size">"Per page"</label>
                    <select id="f-size" name="size">
                        {PAGE_SIZES.iter().map(|n| {
                            let text: &'static str = match n { 20 => "20", 50 => "50", _ => "100" };
                            view! { <option value=text selected=selected(text, size)>{text}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <input type="hidden" name="sort" prop:value=move || sort(&current()) />
                <label class="check check-inline" for="f-live">
                    <input id="f-live" type="checkbox" name="live" value="1" prop:checked=move || current().live />
                    <span>"Live balances (slower)"</span>
                </label>
            </div>
            <div class="button-row">
                <button type="submit" class="button">"Search"</button>
                <A href="/children" attr:class="button button-secondary">"Clear"</A>
            </div>
        </Form>
    }
}

#[component]
fn Results(found: ChildPage, query: ChildQuery, on_refresh: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    let last_page = found.total.div_ceil(query.size).max(1);
    let past_the_end = found.rows.is_empty() && found.total > 0;
    let filtered = query.search.trim().len() + query.active.is_some() as usize + query.frozen.is_some() as usize > 0;
    // Every match, in this order: the page and its size are the screen's, not the file's.
    let export_href = match query.every_match().to_query() {
        filters if filters.is_empty() => "/children/export.csv".to_string(),
        filters => format!("/children/export.csv?{filters}"),
    };
    let body = if past_the_end {
        let last = query.at_page(last_page).href();
        view! {
            <EmptyState title=format!("Page {} is past the end: there are {} pages.", query.page, last_page)>
                <A href=last attr:class="button button-secondary">"Go to the last page"</A>
            </EmptyState>
        }
        .into_any()
    } else if found.rows.is_empty() && filtered {
        view! {
            <EmptyState title="No child account matches.">
                <p class="muted">"Check the spelling, search by id or email instead, or clear the filters."</p>
                <A href="/children" attr:class="button button-secondary">"Clear filters"</A>
            </EmptyState>
        }
        .into_any()
    } else if found.rows.is_empty() {
        view! {
            <EmptyState title="This parent account has no child accounts yet.">
                <p class="muted">"Create the first one for a customer with “New child account”."</p>
            </EmptyState>
        }
        .into_any()
    } else {
        let pager_query = query.clone();
        let page_ids: Vec<u64> = found.rows.iter().map(|child| child.account_id).collect();
        let selected = may_select().then(Selected::new);
        view! {
            {selected.map(|selected| view! {
                <BulkBar selected query=query.clone() total=found.total page_ids=page_ids.clone() />
            })}
            <ChildTable rows=found.rows.clone() query=query.clone() selected />
            <Pager offset=found.offset count=query.size total=found.total
                href=move |offset| pager_query.at_page(offset / pager_query.size + 1).href() />
        }
        .into_any()
    };
    view! {
        <div class="card table-card" data-test="child-results">
            <div class="results-bar">
                <p class="muted small" aria-live="polite">
                    {format!("{} · updated at {}", if query.live { "Live balances" } else { "Balances as of Voximplant's last update" }, found.fetched_at)}
                </p>
                <div class="button-row">
                    <button type="button" class="button button-small button-secondary" on:click=move |_| on_refresh()>"Refresh"</button>
                    {(found.total > 0).then(|| view! {
                        <a class="button button-small button-secondary" href=export_href rel="external" download="voxdesk-child-accounts.csv"
                            data-test="export-children" title="Every match of these filters, not only this page">
                            {format!("Export CSV ({})", group_thousands(found.total))}
                        </a>
                    })}
                </div>
            </div>
            {body}
        </div>
    }
}

#[component]
fn ChildTable(rows: Vec<ChildRow>, query: ChildQuery, selected: Option<Selected>) -> impl IntoView {
    let page_ids: Vec<u64> = rows.iter().map(|child| child.account_id).collect();
    let header = move |label: &'static str, column: ChildSort| {
        let sorted = (query.sort == column).then_some(SortDirection::Ascending);
        let href = ChildQuery { sort: column, page: 1, ..query.clone() }.href();
        view! { <SortHeader label sorted href /> }
    };
    view! {
        <TableWrap caption="Child accounts">
            <thead>
                <tr>
                    {selected.map(|selected| view! { <SelectPageHeader selected page_ids=page_ids.clone() /> })}
                    {header("ID", ChildSort::Id)}
                    {header("Name", ChildSort::Name)}
                    {header("Email", ChildSort::Email)}
                    <th scope="col">"Status"</th>
                    <th scope="col" class="numeric">"Balance"</th>
                    <th scope="col" class="col-optional">"Created"</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|child| {
                    let status = child.status();
                    let balance = child.balance_text();
                    view! {
                        <tr data-test="child-row">
                            {selected.map(|selected| view! {
                                <SelectRowCell selected id=child.account_id name=child.account_name.clone() />
                            })}
                            <td>{child.account_id}</td>
                            // A plain <a>: the router still takes its clicks, and <A> would
                            // resolve a relative path for each of the page's rows.
                            <td data-col="name"><a href=format!("/children/{}", child.account_id)>{child.account_name.clone()}</a></td>
                            <td data-col="email" class="wrap-anywhere">{child.account_email.clone()}</td>
                            <td><span class=status.class()>{status.label()}</span></td>
                            <td class="numeric nowrap">{balance}</td>
                            <td class="nowrap col-optional">{child.created.clone().unwrap_or_else(|| "—".into())}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </TableWrap>
    }
}

/// The list failed: a bad search next to the box, anything else with a retry.
#[component]
fn ListError(error: AppError, on_retry: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    match error.for_field("q") {
        Some(_) => view! {
            <div class="card" data-test="list-error"><p class="muted">"Fix the search above to see child accounts."</p></div>
        }
        .into_any(),
        None => view! {
            <div class="card" data-test="list-error"><ErrorState error retry=Callback::new(move |_| on_retry()) /></div>
        }
        .into_any(),
    }
}
