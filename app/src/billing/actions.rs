//! Billing's actions: who may call each server function, what the audit log calls the
//! two changes that move money, and how the reconciler checks an interrupted one by
//! reading the account back (neither is ever sent again).

use serde_json::Map;
use voximplant::{
    methods::{ChangeAccountPlan, ChargeAccount},
    Method,
};

use super::{
    ssr::{current_plan, renewals_now},
    Charge, ChangePlan, GetDue, GetPlans, GetPrices, GetRates, GetSubscriptionPrices,
};
use crate::{
    access::Permission,
    action::{Audited, BoxFuture, Endpoint, PendingIntent, Settlement},
    audit::{
        ssr::{found, read_back},
        Outcome,
    },
    backend::Backend,
    children::actions::client_of,
};

pub const CHANGE_PLAN: Audited = Audited::new("billing.change_plan").calls(ChangeAccountPlan::NAME).checked_by(plan_changed);
pub const CHARGE: Audited = Audited::new("billing.charge").calls(ChargeAccount::NAME).checked_by(charged);

pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint::read::<GetPlans>(Permission::ViewBilling),
    Endpoint::write::<ChangePlan>(Permission::ManageBilling, &CHANGE_PLAN),
    Endpoint::read::<GetDue>(Permission::ViewBilling),
    Endpoint::write::<Charge>(Permission::ManageBilling, &CHARGE),
    Endpoint::read::<GetPrices>(Permission::ViewBilling),
    Endpoint::read::<GetSubscriptionPrices>(Permission::ViewBilling),
    Endpoint::read::<GetRates>(Permission::ViewBilling),
];

/// An interrupted plan change happened if the account's plan of that type is the one
/// asked for now; it did not if it is still the one before.
fn plan_changed<'a>(backend: &'a Backend, intent: &'a PendingIntent) -> BoxFuture<'a, Settlement> {
    Box::pin(async move {
        let client = match client_of(backend, intent).await {
            Ok(client) => client,
            Err(settled) => return settled,
        };
        let plan_type = intent.params["plan_type"].as_str()?.to_string();
        let wanted = intent.params["template_id"].as_u64()?;
        let before = intent.params["from_template_id"].as_u64();
        let now = current_plan(&client, &plan_type).await.ok()?;
        Some(match now {
            Some((id, name)) if id == wanted => found(Outcome::Ok, format!("the {plan_type} plan is {name} (template {id}) now")),
            Some((id, name)) if Some(id) == before => {
                found(Outcome::Error, format!("the {plan_type} plan is still {name} (template {id}): the change did not happen"))
            }
            None if before.is_none() => found(Outcome::Error, format!("the account still has no {plan_type} plan: the change did not happen")),
            Some((id, name)) => found(Outcome::Unknown, format!("the {plan_type} plan is {name} (template {id}), neither before nor asked for; check by hand")),
            None => found(Outcome::Unknown, format!("the account has no {plan_type} plan now; check by hand")),
        })
    })
}

/// An interrupted charge is settled by each expected phone's renewal date: moved on →
/// charged; unchanged → not charged. Phones chosen by id cannot be compared (the
/// answer would have named their numbers), so such a charge is settled as unknown.
fn charged<'a>(backend: &'a Backend, intent: &'a PendingIntent) -> BoxFuture<'a, Settlement> {
    Box::pin(async move {
        let client = match client_of(backend, intent).await {
            Ok(client) => client,
            Err(settled) => return settled,
        };
        let before = intent.params["renewals"].as_object()?.clone();
        let currency = intent.params["currency"].as_str();
        let now = renewals_now(&client, currency).await.ok()?;
        let mut matching = Vec::new();
        let mut differing = Map::new();
        for (number, renewal) in &before {
            let (Some(then), Some(Some(now))) = (renewal.as_str(), now.get(number)) else { continue };
            if now.as_str() > then {
                matching.push(number.clone());
            } else {
                differing.insert(number.clone(), serde_json::json!({ "renewal_before": then, "renewal_now": now }));
            }
        }
        Some(read_back("the charged phones", matching, differing))
    })
}
