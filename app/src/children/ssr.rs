//! Child accounts on the server: every call goes to Voximplant with the selected
//! parent connection's credentials, write-ahead audited.

use serde_json::{json, Value};
use voximplant::{
    client::Client,
    methods::{AddAccount, GetChildrenAccounts},
    ErrorCode, Method,
};

use super::{CreatedChild, NewChild};
use crate::{
    audit::{
        ssr::{append, audited, Done, NewEvent},
        Outcome,
    },
    auth::ssr::{cap, require},
    connections::ssr::{parse_id, upstream},
    error::AppError,
};

pub const CREATE: &str = "child_account.create";
/// The sensitive read of a new child's API key.
pub const SHOW_API_KEY: &str = "child_account.api_key.show";

/// What AddAccount is asked, for the audit log: every field but the password.
fn audit_params(child: &AddAccount) -> Value {
    json!({
        "account_name": child.account_name,
        "account_email": child.account_email,
        "account_password": "[redacted]",
        "account_first_name": child.account_first_name,
        "account_last_name": child.account_last_name,
        "location": child.location,
        "active": child.active,
        "account_notifications": child.notifications.account_notifications,
        "tariff_changing_notifications": child.notifications.tariff_changing_notifications,
        "news_notifications": child.notifications.news_notifications,
    })
}

pub async fn create(child: NewChild) -> Result<CreatedChild, AppError> {
    let access = require::<cap::ManageChildren>().await?;
    let (connection, client) = access.voximplant().await?;
    let context = access.audit_context().await.with_connection(parse_id(&connection.id)?, &connection.name);
    let request = child.request();
    let name = request.account_name.clone();
    let params = audit_params(&request);
    let created = audited(access.db(), &context, CREATE, Some(AddAccount::NAME), json!([name]), params, || async {
        // Checked inside the audit: an invalid attempt is on record too (as `invalid`).
        child.check()?;
        let created = client.add_account(request).await.map_err(upstream)?;
        let targets = child_targets(&name, created.account_id);
        Ok(Done { value: created, changes: None, targets: Some(targets) })
    })
    .await
    .map_err(next_to_field)?;

    // The key is shown only if showing it is on record; the account exists either way.
    let targets = child_targets(&name, created.account_id);
    let shown = NewEvent::fact(SHOW_API_KEY, targets, json!({ "method": AddAccount::NAME }), Outcome::Ok);
    let api_key = match append(access.db(), &context, shown).await {
        Ok(_) => Some(created.api_key.expose().to_string()),
        Err(error) => {
            tracing::error!(%error, account_id = created.account_id, "new API key withheld: its display could not be audited");
            None
        }
    };
    Ok(CreatedChild { account_id: created.account_id, account_name: name, active: created.active, api_key })
}

/// How a child account is named in an event's targets.
fn child_targets(name: &str, account_id: u64) -> Value {
    json!([name, account_id.to_string()])
}

/// Voximplant's refusals that are about one field go next to that field.
fn next_to_field(error: AppError) -> AppError {
    match error {
        AppError::Upstream { code, .. } if code == ErrorCode::AccountNameAlreadyUsed.code() => AppError::invalid(
            "account_name",
            "This account name is already taken on Voximplant (names are unique across all accounts). Choose another.",
        ),
        AppError::Upstream { code, .. } if code == ErrorCode::AccountEmailNotUnique.code() => {
            AppError::invalid("account_email", "Another Voximplant account already uses this email. Use another.")
        }
        other => other,
    }
}

/// The reconciler's question for a `child_account.create` whose outcome was never
/// recorded: does a child with that name exist now? `None` when Voximplant cannot
/// be asked (try again later).
pub async fn settle_create(client: &Client, params: &Value) -> Option<(Outcome, Value)> {
    let name = params["account_name"].as_str()?.to_string();
    let request = GetChildrenAccounts { child_account_name: Some(name.clone()), ..Default::default() };
    let found = client.get_children_accounts(request).await.ok()?;
    let child = found.result.iter().find(|account| account.account_name.as_deref() == Some(name.as_str()));
    Some(match child {
        Some(child) => (
            Outcome::Ok,
            json!({ "reconciled": true, "found": format!("child account {name} exists (id {})", child.account_id) }),
        ),
        None => (
            Outcome::Error,
            json!({ "reconciled": true, "found": format!("child account {name} does not exist: the action did not happen") }),
        ),
    })
}
