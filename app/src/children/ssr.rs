//! Child accounts on the server: every call goes to Voximplant with the selected
//! parent connection's credentials, write-ahead audited.

use serde_json::{json, Value};
use voximplant::{methods::AddAccount, ErrorCode, Method};

use super::{actions, CreatedChild, NewChild};
use crate::{
    audit::{
        ssr::{append, audited, NewEvent, Performed},
        Outcome,
    },
    auth::ssr::{cap, Authorized, Service},
    connections::ssr::parse_id,
    error::AppError,
};

pub(crate) use crate::auth::ssr::service;

/// Admins and resellers: create child accounts under the selected parent account.
pub struct ChildAccounts(Authorized<cap::ManageChildren>);

impl Service for ChildAccounts {
    type Capability = cap::ManageChildren;
    fn grant(access: Authorized<cap::ManageChildren>) -> Self {
        ChildAccounts(access)
    }
}

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

impl ChildAccounts {
    /// AddAccount, write-ahead audited; then the new key, shown once if that is on record.
    pub async fn create(&self, child: NewChild) -> Result<CreatedChild, AppError> {
        create(&self.0, child).await
    }
}

async fn create(access: &Authorized<cap::ManageChildren>, child: NewChild) -> Result<CreatedChild, AppError> {
    let (connection, client) = access.voximplant().await?;
    let context = access.audit_context().await.with_connection(parse_id(&connection.id)?, &connection.name);
    let request = child.request();
    let name = request.account_name.clone();
    let params = audit_params(&request);
    let created = audited(access.db(), &context, &actions::CREATE, json!([name]), params, || async {
        // Checked inside the audit: an invalid attempt is on record too (as `invalid`).
        child.check()?;
        let created = client.add_account(request).await?;
        let targets = child_targets(&name, created.account_id);
        Ok(Performed::new(created).with_targets(targets))
    })
    .await
    .map_err(next_to_field)?;

    // The key is shown only if showing it is on record; the account exists either way.
    let targets = child_targets(&name, created.account_id);
    let shown = NewEvent::fact(actions::SHOW_API_KEY, targets, json!({ "method": AddAccount::NAME }), Outcome::Ok);
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
pub(super) fn child_targets(name: &str, account_id: u64) -> Value {
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
