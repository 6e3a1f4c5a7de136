//! "Clone" from a child's page (CloneAccount): a new account with the source's
//! applications, users, scenarios, rules, queues, skills and admin roles, under a new
//! name, email and password. The result lists what was copied and the key, once.

use leptos::{ev::SubmitEvent, prelude::*};
use leptos_meta::Title;
use leptos_router::components::A;

use super::{
    account_form::{AccountFields, AccountForm, AnsweredAgain, ApiKeyOnce},
    child_page::{child_from_url, WithChild},
    model::ChildAccount,
    new_page::ParentNotice,
    CloneChild, ClonedChild, NewChild,
};
use crate::{
    access::Permission,
    frame::Guarded,
    ui::{FormAlerts, TableWrap},
};

#[component]
pub fn CloneChildPage() -> impl IntoView {
    let details = child_from_url();
    view! {
        <Title text="Clone a child account" />
        <Guarded permission=Permission::ManageChildren>
            <section class="page">
                <WithChild details heading="Clone a child account" loading="Loading the child account to copy…"
                    show=|details, _| view! { <CloneForm source=details.account /> } />
            </section>
        </Guarded>
    }
}

#[component]
fn CloneForm(source: ChildAccount) -> impl IntoView {
    let clone = ServerAction::<CloneChild>::new();
    let state = AccountForm::new(NewChild::clone_problems);
    let cloned = RwSignal::new(None::<ClonedChild>);
    let source_id = source.account_id;
    let source_page = format!("/children/{source_id}");
    let source_name = source.account_name.clone();

    Effect::new(move |_| match clone.value().get() {
        Some(Ok(result)) => {
            cloned.set(Some(result));
            state.reset();
        }
        Some(Err(error)) => state.check.server_error.set(Some(error)),
        None => {}
    });
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if clone.pending().get_untracked() || !state.ready() {
            return;
        }
        clone.dispatch(CloneChild {
            source_account_id: source_id,
            child: state.form.get_untracked(),
            form_key: state.key.get_untracked(),
        });
    };
    let pending = clone.pending();
    let title = format!("Clone {source_name}");

    view! {
        <header class="page-header">
            <p class="eyebrow">
                <A href="/children">"Child accounts"</A> " / " <A href=source_page.clone()>{source_name.clone()}</A>
            </p>
            <h1>{title}</h1>
            <p class="lede">
                "A new child account with a copy of this one's applications and their rules, users, scenarios, "
                "ACD queues and skills, admin roles and admin users. Balance, documents and call history are not copied."
            </p>
        </header>
        <ParentNotice />
        <Show
            when=move || cloned.with(Option::is_none)
            fallback=move || view! { <ClonedPanel cloned /> }
        >
            <form class="card form form-grid" novalidate on:submit=on_submit aria-describedby="clone-help" data-test="clone-child-form">
                <p id="clone-help" class="muted field-wide">
                    "Fields marked * are required; the rest start empty or at Voximplant's defaults. "
                    "Voximplant's rules are checked as you go."
                </p>
                <AccountFields state />
                <FormAlerts general=state.check.general_error() attention=state.check.attention() />
                <div class="form-actions">
                    <button type="submit" class="button" disabled=move || pending.get() aria-busy=move || pending.get().to_string()>
                        {move || if pending.get() { "Cloning…" } else { "Clone" }}
                    </button>
                    <A href=source_page.clone() attr:class="button button-secondary">"Cancel"</A>
                </div>
            </form>
        </Show>
    }
}

/// The copy: its id and key (once), and what was copied, kind by kind.
#[component]
fn ClonedPanel(cloned: RwSignal<Option<ClonedChild>>) -> impl IntoView {
    move || {
        cloned.get().map(|copy| {
            let copied = copy.copied.clone();
            let nothing = copied.iter().all(|kind| kind.names.is_empty());
            view! {
                <section class="card created" role="status" aria-labelledby="cloned-title" data-test="cloned-child">
                    <h2 id="cloned-title">"Child account cloned"</h2>
                    <AnsweredAgain again=copy.again />
                    <p>
                        <A href=format!("/children/{}", copy.account_id)><span class="strong">{copy.account_name.clone()}</span></A>
                        {format!(" has id {} and email {}. It is {}.", copy.account_id, copy.account_email,
                            if copy.active { "active, like the account it copies" } else { "inactive, like the account it copies" })}
                    </p>
                    <ApiKeyOnce api_key=copy.api_key.clone() />
                    <h3>"Copied"</h3>
                    {if copy.again && copied.is_empty() {
                        view! { <p class="muted">"What was copied is shown only to the first submission of the form."</p> }.into_any()
                    } else if nothing {
                        view! { <p class="muted" data-test="copied-nothing">"The source account had nothing to copy: no applications, users or scenarios."</p> }.into_any()
                    } else {
                        view! {
                            <div data-test="copied">
                                <TableWrap caption="What the clone copied">
                                    <thead><tr><th scope="col">"What"</th><th scope="col" class="numeric">"How many"</th><th scope="col">"Names"</th></tr></thead>
                                    <tbody>
                                        {copied.into_iter().map(|kind| view! {
                                            <tr>
                                                <th scope="row">{kind.kind.clone()}</th>
                                                <td class="numeric">{kind.names.len()}</td>
                                                <td class="small wrap-anywhere">{if kind.names.is_empty() { "—".to_string() } else { kind.names.join(", ") }}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </TableWrap>
                            </div>
                        }.into_any()
                    }}
                    <p class="small muted">
                        "Copied admin users have new API keys of their own; find them in the Voximplant control panel of the new account."
                    </p>
                    <p class="button-row">
                        <A href=format!("/children/{}", copy.account_id) attr:class="button">"Open the new account"</A>
                        <A href=format!("/children/{}", copy.source_account_id) attr:class="button button-secondary">"Back to the source"</A>
                    </p>
                </section>
            }
        })
    }
}
