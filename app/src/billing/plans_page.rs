//! `/billing/plans`: each plan type's current plan with its packages as bars of what
//! is left, beside the plans one may change to; "Change plan" confirms the fee that
//! Voximplant reserves at once, and that plans only go up.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{change_plan, get_plans, plan_type_label, PackageView, PlanChanged, PlanChoice, PlanView, Plans};
use super::routes::BillingSection;
use crate::{
    access::Permission,
    children::model::money,
    error::AppError,
    frame::use_auth,
    ui::{data, group_thousands, Data, EmptyState, ErrorState, Loading, Meter, ModalDialog, TableWrap},
};

/// The result of the last change, shown above the plans.
#[derive(Clone)]
enum Outcome {
    Changed(PlanChanged),
    Failed(AppError),
}

#[component]
pub fn PlansPage() -> impl IntoView {
    // Made before billing's guard, once per view (see `Guarded`).
    let plans = data(|| (), |_| get_plans());
    view! { <BillingSection><PlansView plans /></BillingSection> }
}

#[component]
fn PlansView(plans: Data<Plans>) -> impl IntoView {
    let outcome = RwSignal::new(None::<Outcome>);
    let busy = RwSignal::new(false);
    let choose = Callback::new(move |choice: PlanChoice| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = change_plan(choice).await;
            busy.set(false);
            outcome.set(Some(match result {
                Ok(changed) => Outcome::Changed(changed),
                Err(error) => Outcome::Failed(error),
            }));
            plans.refetch();
        });
    });
    view! {
        <Title text="Plans · Billing" />
        <h2 class="visually-hidden">"Plans"</h2>
        {move || outcome.get().map(|outcome| view! { <ChangeOutcome outcome /> })}
        <Show when=move || busy.get()>
            <p class="alert alert-info" role="status" aria-busy="true">"Changing the plan on Voximplant…"</p>
        </Show>
        <Transition fallback=|| view! { <div class="card"><Loading what="Asking Voximplant for your plans…" /></div> }>
            {crate::ui::once_loaded(move || async move {
                match plans.await {
                    Ok(found) => view! { <PlanTypes plans=found choose busy /> }.into_any(),
                    Err(error) => view! { <ErrorState error retry=move |_| plans.refetch() /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ChangeOutcome(outcome: Outcome) -> impl IntoView {
    match outcome {
        Outcome::Changed(changed) if changed.already => view! {
            <p class="alert alert-info" role="status" data-test="plan-outcome">
                {format!("Your {} plan already is {}: nothing was changed.", changed.plan.plan_type, changed.plan.name)}
            </p>
        }
        .into_any(),
        Outcome::Changed(changed) => {
            let currency = changed.currency.as_deref();
            view! {
                <p class="alert alert-success" role="status" data-test="plan-outcome">
                    {format!(
                        "Your {} plan is now {}. Balance: {} → {}.",
                        changed.plan.plan_type,
                        changed.plan.name,
                        money(changed.balance_before, currency),
                        money(changed.balance_after, currency),
                    )}
                </p>
            }
            .into_any()
        }
        Outcome::Failed(error) if error.is_unclear_voximplant_answer() => view! {
            <p class="alert alert-error" role="alert" data-test="plan-outcome">
                "Voximplant gave no clear answer, so the plan may or may not have changed. The portal is checking by reading your plans back; the result goes to the audit log. Reload this page in a minute before trying again."
            </p>
        }
        .into_any(),
        Outcome::Failed(error) => view! {
            <p class="alert alert-error" role="alert" data-test="plan-outcome">{format!("The plan was not changed. {error}")}</p>
        }
        .into_any(),
    }
}

#[component]
fn PlanTypes(plans: Plans, choose: Callback<PlanChoice>, busy: RwSignal<bool>) -> impl IntoView {
    let types = plans.plan_types();
    if types.is_empty() {
        return view! {
            <div class="card"><EmptyState title="No plans">
                <p class="muted">"Voximplant lists no plan for this account and none to change to."</p>
            </EmptyState></div>
        }
        .into_any();
    }
    let may_change = use_auth().may(Permission::ManageBilling);
    let currency = plans.currency.clone();
    let balance_line = format!("Balance {} (credit limit {}).", money(plans.balance, currency.as_deref()), money(plans.credit_limit, currency.as_deref()));
    view! {
        <p class="muted small">{balance_line} " " {format!("Read from Voximplant at {}.", plans.fetched_at)}</p>
        {types.into_iter().map(|plan_type| {
            let current = plans.current_of(&plan_type).cloned();
            let options: Vec<PlanView> = plans.available.iter().filter(|p| p.plan_type == plan_type).cloned().collect();
            view! {
                <PlanType plan_type current options currency=currency.clone() balance=plans.balance may_change choose busy />
            }
        }).collect_view()}
    }
    .into_any()
}

#[component]
fn PlanType(
    plan_type: String,
    current: Option<PlanView>,
    options: Vec<PlanView>,
    currency: Option<String>,
    balance: Option<rust_decimal::Decimal>,
    may_change: bool,
    choose: Callback<PlanChoice>,
    busy: RwSignal<bool>,
) -> impl IntoView {
    let heading = format!("{} ({plan_type})", plan_type_label(&plan_type));
    let heading_id = format!("plans-{}", plan_type.to_lowercase());
    let labelled_by = heading_id.clone();
    let test_id = format!("plan-type-{plan_type}");
    let open = RwSignal::new(false);
    let picked = RwSignal::new(None::<PlanView>);
    let current_name = current.as_ref().map(|c| c.name.clone());
    let currency_for_dialog = currency.clone();
    let dialog_title = Signal::derive({
        let plan_type = plan_type.clone();
        move || picked.with(|p| p.as_ref().map(|p| format!("Change your {plan_type} plan to {}?", p.name)).unwrap_or_default())
    });
    let confirm = {
        let plan_type = plan_type.clone();
        move |_| {
            if let Some(plan) = picked.get_untracked() {
                choose.run(PlanChoice { plan_type: plan_type.clone(), template_id: plan.template_id });
            }
        }
    };
    view! {
        <article class="card" aria-labelledby=labelled_by data-test=test_id>
            <h3 id=heading_id>{heading}</h3>
            <div class="plan-compare">
                <div class="plan-current" data-test="current-plan">
                    <p class="small-heading">"Current plan"</p>
                    {match current.clone() {
                        Some(plan) => view! { <CurrentPlan plan currency=currency.clone() /> }.into_any(),
                        None => view! { <p class="muted">{format!("No {plan_type} plan yet.")}</p> }.into_any(),
                    }}
                </div>
                <div class="plan-options">
                    <p class="small-heading">"Plans you can change to"</p>
                    {if options.is_empty() {
                        view! { <p class="muted" data-test="no-larger-plan">"None: this is the largest plan. Plans only go up."</p> }.into_any()
                    } else {
                        view! {
                            <TableWrap caption=format!("{plan_type} plans you can change to")>
                                <thead><tr>
                                    <th scope="col">"Plan"</th><th scope="col">"Monthly fee"</th>
                                    <th scope="col">"Includes"</th><th scope="col">"Beyond it"</th>
                                    {may_change.then(|| view! { <th scope="col"><span class="visually-hidden">"Action"</span></th> })}
                                </tr></thead>
                                <tbody>
                                    {options.into_iter().map(|plan| {
                                        let fee = money(Some(plan.periodic_charge), currency.as_deref());
                                        let includes = packages_text(&plan.packages);
                                        let overrun = overrun_text(&plan.packages, currency.as_deref());
                                        let pick = plan.clone();
                                        let label = format!("Change plan to {}", plan.name);
                                        view! {
                                            <tr>
                                                <th scope="row">{plan.name.clone()}</th>
                                                <td class="nowrap">{fee}</td>
                                                <td>{includes}</td>
                                                <td>{overrun}</td>
                                                {may_change.then(|| view! {
                                                    <td>
                                                        <button type="button" class="button button-small" aria-label=label
                                                            disabled=move || busy.get()
                                                            on:click=move |_| { picked.set(Some(pick.clone())); open.set(true); }>
                                                            "Change plan"
                                                        </button>
                                                    </td>
                                                })}
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </TableWrap>
                        }.into_any()
                    }}
                </div>
            </div>
            <ModalDialog id=format!("change-plan-{plan_type}") title=dialog_title open confirm_label="Change plan" on_confirm=confirm danger=true>
                {move || picked.get().map(|plan| {
                    let currency = currency_for_dialog.as_deref();
                    let fee = money(Some(plan.periodic_charge), currency);
                    let after = balance.map(|b| b - plan.periodic_charge);
                    let from = current_name.clone().map(|name| format!("from {name} ")).unwrap_or_default();
                    view! {
                        <p data-test="plan-dialog-fee">
                            {format!("This changes the {} plan {from}to {} at once. Voximplant reserves the coming month's fee now: ", plan.plan_type, plan.name)}
                            <strong>{fee.clone()}</strong>
                            ", plus the taxes that apply to your account (Voximplant adds them; it does not report them in advance)."
                        </p>
                        <p>{format!("Balance now {}; after the fee, about {}.", money(balance, currency), money(after, currency))}</p>
                        <p class="alert alert-info">{format!("Plans only go up: you cannot change back to a cheaper {} plan later.", plan.plan_type)}</p>
                    }
                })}
            </ModalDialog>
        </article>
    }
}

#[component]
fn CurrentPlan(plan: PlanView, currency: Option<String>) -> impl IntoView {
    view! {
        <p class="strong" data-test="current-plan-name">{plan.name.clone()}</p>
        <dl class="facts">
            <div><dt>"Monthly fee"</dt><dd>{money(Some(plan.periodic_charge), currency.as_deref())}</dd></div>
            <div><dt>"Next charge"</dt><dd>{plan.next_charge.clone().unwrap_or_else(|| "—".into())}</dd></div>
        </dl>
        {plan.packages.into_iter().map(|package| view! { <PackageLeft package currency=currency.clone() /> }).collect_view()}
    }
}

#[component]
fn PackageLeft(package: PackageView, currency: Option<String>) -> impl IntoView {
    let name = package.name.clone().unwrap_or_else(|| "Package".into());
    let left = package.left.unwrap_or(0);
    let share = package.left_share().unwrap_or(0.0);
    let tone = if share < 0.1 { "bad" } else if share < 0.25 { "warn" } else { "ok" };
    let words = format!("{} of {} left", group_thousands(left), group_thousands(package.size));
    let spoken = format!("{name}: {words}");
    let overrun = if package.may_overrun {
        let added = package.size.saturating_sub(package.included);
        let so_far = if added > 0 { format!(" {} added so far.", group_thousands(added)) } else { String::new() };
        format!(
            "When it runs out: {} more at a time, {} each.{so_far}",
            group_thousands(package.overrun_step),
            money(Some(package.overrun_price), currency.as_deref()),
        )
    } else {
        "It cannot be overrun.".to_string()
    };
    view! {
        <div class="package" data-test="package">
            <p><span class="strong">{name}</span> " — " <span data-test="package-left">{words}</span></p>
            <Meter share spoken tone />
            <p class="muted small">{overrun}</p>
        </div>
    }
}

fn packages_text(packages: &[PackageView]) -> String {
    if packages.is_empty() {
        return "—".into();
    }
    packages
        .iter()
        .map(|p| format!("{} ({})", group_thousands(p.size), p.name.clone().unwrap_or_else(|| "package".into())))
        .collect::<Vec<_>>()
        .join("; ")
}

fn overrun_text(packages: &[PackageView], currency: Option<&str>) -> String {
    let prices: Vec<String> = packages
        .iter()
        .map(|p| if p.may_overrun { format!("{} each", money(Some(p.overrun_price), currency)) } else { "no overrun".into() })
        .collect();
    if prices.is_empty() { "—".into() } else { prices.join("; ") }
}
