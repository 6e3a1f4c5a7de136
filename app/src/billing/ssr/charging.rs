//! The two changes that move money: ChangeAccountPlan and ChargeAccount, each
//! write-ahead audited and sent once (an unclear answer is settled by the reconciler,
//! never by sending again).

use super::*;

impl BillingManager {
    /// ChangeAccountPlan, after checking the plan is one the account may change to.
    /// Asking for the plan it already has changes nothing and is not sent.
    pub async fn change_plan(&self, choice: PlanChoice) -> Result<PlanChanged, AppError> {
        let (connection, client, context) = self.0.voximplant_audited().await?;
        let before = read_plans(&client).await?;
        let current = before.current_of(&choice.plan_type).cloned();
        if let Some(plan) = current.as_ref().filter(|plan| plan.template_id == choice.template_id) {
            return Ok(PlanChanged {
                plan: plan.clone(),
                balance_before: before.balance,
                balance_after: before.balance,
                currency: before.currency.clone(),
                already: true,
            });
        }
        let target = before.available.iter().find(|p| p.template_id == choice.template_id && p.plan_type == choice.plan_type).cloned();
        let targets = json!([format!("{} plan", choice.plan_type)]);
        let params = json!({
            "plan_type": choice.plan_type,
            "template_id": choice.template_id,
            "plan_name": target.as_ref().map(|t| t.name.clone()),
            "from_template_id": current.as_ref().map(|c| c.template_id),
            "from_plan_name": current.as_ref().map(|c| c.name.clone()),
            "fee": target.as_ref().map(|t| t.periodic_charge.to_string()),
            "currency": before.currency,
            "balance_before": before.balance.map(|b| b.to_string()),
        });
        let changed = audited(self.0.db(), &context, &actions::CHANGE_PLAN, targets, params, || async {
            // Checked inside the audit: an attempt at a plan one may not have is on record.
            let Some(target) = &target else {
                return Err(AppError::invalid(
                    "plan",
                    "That plan is not one your account can change to: plans only go up. Reload the page to see the current choices.",
                ));
            };
            let request = ChangeAccountPlan {
                plan_type: choice.plan_type.parse::<PlanType>().unwrap_or_else(|never| match never {}),
                plan_subscription_template_id: Some(choice.template_id),
            };
            let answer = client.change_account_plan(request).await?;
            let after = answer.account_info.balance;
            let changes = json!({
                "plan": { "before": current.as_ref().map(|c| c.name.clone()), "after": target.name },
                "balance": { "before": before.balance.map(|b| b.to_string()), "after": after.map(|b| b.to_string()) },
            });
            Ok(Performed::new(after).with_changes(changes))
        })
        .await
        .map_err(next_to_field)?;
        forget(&connection.id);
        let now = read_plans(&client).await?;
        let plan = now.current_of(&choice.plan_type).cloned().or(target).ok_or_else(|| AppError::internal("the new plan is not listed"))?;
        Ok(PlanChanged { plan, balance_before: before.balance, balance_after: changed.or(now.balance), currency: now.currency, already: false })
    }

    /// ChargeAccount, once per rendered form: a resend gets the first answer, and a
    /// first attempt without a clear answer is left to the reconciler, never sent again.
    pub async fn charge(&self, order: ChargeOrder, key: FormKey) -> Result<Charged, AppError> {
        AppError::check_all(order.problems())?;
        let (connection, client, context) = self.0.voximplant_audited().await?;
        let request = json!({ "mode": order.mode, "numbers": order.numbers, "ids": order.phone_ids().unwrap_or_default() });
        let claim = Submission {
            pool: self.0.db(),
            keyring: self.0.backend().keyring(),
            user: self.0.user().id,
            key: &key,
            action: actions::CHARGE.name,
            request: &request,
        };
        let act = || async { charge_once(&self.0, &context, &client, &order).await.map(|charged| (charged, None)) };
        let look_up = || async {
            Err::<Option<Charged>, _>(AppError::Conflict(
                "An earlier submission of this charge got no clear answer from Voximplant. It is being checked (see the audit log); nothing is charged again. Reload the page to see the balance."
                    .into(),
            ))
        };
        let answered = claim.once(act, look_up).await;
        // The balance moved (or may have): the dashboard reads it again.
        forget(&connection.id);
        let answered = answered?;
        Ok(Charged { again: answered.again, ..answered.value })
    }
}

async fn charge_once(
    access: &Authorized<cap::ManageBilling>,
    context: &AuditContext,
    client: &Client,
    order: &ChargeOrder,
) -> Result<Charged, AppError> {
    let money = money(client).await?;
    let phones = every_phone(client, money.currency.as_deref()).await?;
    let by_hand: Vec<&DueSubscription> = phones.iter().filter(|p| !p.auto_charge).collect();
    let field = if order.mode == ChargeMode::Ids { "ids" } else { "numbers" };
    // The phones this charge is expected to touch, with their renewal now: what the
    // reconciler compares with if the answer is lost.
    let expected: Vec<&DueSubscription> = match order.mode {
        ChargeMode::Numbers => by_hand.iter().copied().filter(|p| order.numbers.contains(&p.description)).collect(),
        ChargeMode::All => by_hand.clone(),
        ChargeMode::Ids => Vec::new(),
    };
    let renewals: BTreeMap<&str, Option<&str>> = expected.iter().map(|p| (p.description.as_str(), p.next_renewal.as_deref())).collect();
    let expected_cost: Decimal = expected.iter().map(|p| p.cost).sum();
    let targets = match order.mode {
        ChargeMode::Numbers => json!(order.numbers),
        ChargeMode::Ids => json!(order.phone_ids().unwrap_or_default().iter().map(|id| format!("phone {id}")).collect::<Vec<_>>()),
        ChargeMode::All => json!(["every phone with auto-charge off"]),
    };
    let params = json!({
        "account_id": money.account_id,
        "mode": order.mode,
        "numbers": order.numbers,
        "ids": order.phone_ids().unwrap_or_default(),
        "renewals": renewals,
        "expected_cost": expected_cost.to_string(),
        "currency": money.currency,
        "balance_before": money.balance.map(|b| b.to_string()),
    });
    let cost_of = |number: &str| phones.iter().find(|p| p.description == number).map(|p| p.cost);
    audited(access.db(), context, &actions::CHARGE, targets, params, || async {
        // Checked inside the audit: a phone that is not the account's is on record too.
        let selection = match order.mode {
            ChargeMode::Numbers => {
                if let Some(stranger) = order.numbers.iter().find(|n| !by_hand.iter().any(|p| &p.description == *n)) {
                    return Err(AppError::invalid(
                        "numbers",
                        format!("{stranger} is not one of this account's phones with auto-charge off. Reload the list and tick only phones shown there."),
                    ));
                }
                PhoneSelection::Numbers(Selection::Only(order.numbers.clone()))
            }
            ChargeMode::Ids => PhoneSelection::Ids(Selection::Only(order.phone_ids().map_err(|why| AppError::invalid("ids", why))?)),
            ChargeMode::All => PhoneSelection::Ids(Selection::All),
        };
        let answer = client.charge_account(ChargeAccount { phones: selection }).await?;
        let charged = Charged {
            charged_amount: answer.result.charged_amount,
            phones: answer
                .result
                .phones
                .into_iter()
                .map(|p| ChargedPhoneView {
                    cost: cost_of(&p.phone_number),
                    phone_id: p.phone_id,
                    number: p.phone_number,
                    charged: p.is_charged,
                    frozen: p.deactivated,
                })
                .collect(),
            balance_before: money.balance,
            balance_after: answer.account_info.balance,
            currency: answer.account_info.currency.or(money.currency.clone()),
            again: false,
        };
        let changes = json!({
            "balance": { "before": charged.balance_before.map(|b| b.to_string()), "after": charged.balance_after.map(|b| b.to_string()) },
            "charged_amount": { "before": null, "after": charged.charged_amount.to_string() },
        });
        let charged_numbers: Vec<&str> = charged.phones.iter().map(|p| p.number.as_str()).collect();
        let targets = json!(charged_numbers);
        Ok(Performed::new(charged).with_changes(changes).with_targets(targets))
    })
    .await
    .map_err(|error| phone_refusal(error, field))
}

/// Voximplant's refusal of a phone goes next to the field that named it.
fn phone_refusal(error: AppError, field: &str) -> AppError {
    match &error {
        AppError::Upstream { code, message } if ErrorCode::from_code(*code) == ErrorCode::InvalidPhoneId => AppError::invalid(
            field,
            format!("Voximplant refused: {message} Only this account's phones with auto-charge off can be charged by hand."),
        ),
        _ => next_to_field(error),
    }
}
