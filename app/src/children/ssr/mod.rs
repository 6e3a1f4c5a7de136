//! Child accounts on the server: every call goes to Voximplant with the selected
//! parent connection's credentials; every change is write-ahead audited. Three
//! services, one per capability: reading (everyone), notification settings (support
//! too), and everything else (admins and resellers).

use serde_json::{json, Map, Value};
use voximplant::{
    client::Client,
    methods::{
        AddAccount, ChildSelection, CloneAccount, GetAccountDocuments, GetChildrenAccounts, RecordStorage,
        SetChildAccountInfo,
    },
    types::{AccountInfo, AccountListing, ClonedAccount},
    wire::Selection,
    ErrorCode, Method,
};

use super::{
    actions,
    changes::{ChildChanges, NotificationChanges},
    model::{ChildAccount, ChildDetails, ChildRow, DocumentView, VerificationView},
    query::{ChildPage, ChildQuery},
    recorded::diff,
    ClonedChild, CopiedKind, CreatedChild, NewChild,
};
use crate::{
    action::Audited,
    audit::{
        ssr::{append, audited, audited_with_fact, AuditContext, NewEvent, Performed},
        Outcome,
    },
    auth::ssr::{cap, Authorized, Capability, Service},
    error::AppError,
    submission::{ssr::Submission, FormKey},
};

pub(crate) use crate::auth::ssr::service;

mod new_accounts;
use new_accounts::{clone_child, create};
pub(in crate::children) use new_accounts::child_named;

/// Everyone signed in: the list and a child's page.
pub struct ChildReader(Authorized<cap::ViewChildren>);

/// Support staff (and admins, resellers): a child's notification switches only.
pub struct NotificationEditor(Authorized<cap::EditChildNotifications>);

/// Admins and resellers: create, edit, activate and deactivate child accounts.
pub struct ChildAccounts(Authorized<cap::ManageChildren>);

macro_rules! service {
    ($service:ident, $capability:ty) => {
        impl Service for $service {
            type Capability = $capability;
            fn grant(access: Authorized<$capability>) -> Self {
                $service(access)
            }
        }
    };
}
service!(ChildReader, cap::ViewChildren);
service!(NotificationEditor, cap::EditChildNotifications);
service!(ChildAccounts, cap::ManageChildren);

impl ChildReader {
    pub(super) fn access(&self) -> &Authorized<cap::ViewChildren> {
        &self.0
    }

    pub fn user(&self) -> &crate::auth::ssr::SessionUser {
        self.0.user()
    }
}

impl ChildReader {
    /// One page of the list: Voximplant pages it (count/offset), never a full fetch.
    pub async fn list(&self, query: ChildQuery) -> Result<ChildPage, AppError> {
        let request = query.request()?;
        let (_, client) = self.0.voximplant().await?;
        let answer = client.get_children_listings(request).await?;
        Ok(ChildPage {
            rows: answer.result.into_iter().map(child_row).collect(),
            offset: query.offset(),
            total: answer.total_count,
            fetched_at: chrono::Utc::now().format("%H:%M:%S UTC").to_string(),
        })
    }

    /// Everything about one child, and its verification (asked at the same time).
    pub async fn details(&self, account_id: u64) -> Result<ChildDetails, AppError> {
        let (_, client) = self.0.voximplant().await?;
        let documents = GetAccountDocuments {
            child_account_id: Some(Selection::Only(vec![account_id])),
            with_details: Some(true),
            ..Default::default()
        };
        let (account, documents) = tokio::join!(read_child(&client, account_id), client.get_account_documents(documents));
        let account = account?;
        let verifications = verifications_of(account_id, documents);
        Ok(ChildDetails { account, verifications })
    }
}

impl NotificationEditor {
    /// Changes only the notification switches that differ from Voximplant's values.
    pub async fn update(&self, account_id: u64, notifications: NotificationChanges) -> Result<ChildAccount, AppError> {
        edit(&self.0, &actions::NOTIFICATIONS, account_id, |before| {
            ChildChanges::notifications_only(notifications.differing_from(before))
        })
        .await
    }
}

impl ChildAccounts {
    /// AddAccount, write-ahead audited; then the new key, shown once if that is on record.
    pub async fn create(&self, child: NewChild, key: FormKey) -> Result<CreatedChild, AppError> {
        create(&self.0, child, key).await
    }

    /// CloneAccount of one child, write-ahead audited and claimed once per form.
    pub async fn clone_child(&self, source: u64, child: NewChild, key: FormKey) -> Result<ClonedChild, AppError> {
        clone_child(&self.0, source, child, key).await
    }

    /// SetChildAccountInfo with the fields that differ from Voximplant's values.
    pub async fn update(&self, account_id: u64, changes: ChildChanges) -> Result<ChildAccount, AppError> {
        edit(&self.0, &actions::UPDATE, account_id, |before| changes.without_unchanged(before)).await
    }

    /// Activates or deactivates one child.
    pub async fn set_active(&self, account_id: u64, active: bool) -> Result<ChildAccount, AppError> {
        let action = if active { &actions::ACTIVATE } else { &actions::DEACTIVATE };
        let mut set = Map::new();
        set.insert("active".into(), json!(active));
        let (context, client) = connected(&self.0).await?;
        let before = read_child(&client, account_id).await?;
        let mut request = SetChildAccountInfo::new(ChildSelection::Ids(Selection::Only(vec![account_id])));
        request.active = Some(active);
        let params = json!({ "child_account_id": account_id, "set": set });
        audited(self.0.db(), &context, action, child_targets(&before.account_name, account_id), params, || async {
            if before.active == active {
                let state = if active { "already active" } else { "already inactive" };
                return Err(AppError::Conflict(format!("{} is {state}.", before.account_name)));
            }
            client.set_child_account_info(request).await?;
            Ok(Performed::new(()).with_changes(diff(&set, &before)))
        })
        .await?;
        read_child(&client, account_id).await
    }
}

/// The audit context of a request on the selected connection, and its client.
pub(in crate::children) async fn connected<C: Capability>(access: &Authorized<C>) -> Result<(AuditContext, Client), AppError> {
    let (_, client, context) = access.voximplant_audited().await?;
    Ok((context, client))
}

/// An audited SetChildAccountInfo: the child is read first (it must exist), `changes`
/// says what to send given its values, the call runs between intent and outcome, and
/// the child is read again so the page shows what Voximplant now holds.
async fn edit<C: Capability>(
    access: &Authorized<C>,
    action: &Audited,
    account_id: u64,
    changes: impl FnOnce(&ChildAccount) -> ChildChanges,
) -> Result<ChildAccount, AppError> {
    let (context, client) = connected(access).await?;
    let before = read_child(&client, account_id).await?;
    let changes = changes(&before);
    let set = changes.settings();
    let params = json!({ "child_account_id": account_id, "set": set });
    audited(access.db(), &context, action, child_targets(&before.account_name, account_id), params, || async {
        // Checked inside the audit: an invalid attempt is on record too (as `invalid`).
        changes.check()?;
        client.set_child_account_info(changes.request(account_id)).await?;
        Ok(Performed::new(()).with_changes(diff(&set, &before)))
    })
    .await
    .map_err(next_to_field("new_child_account_email"))?;
    read_child(&client, account_id).await
}

/// One child, by id: `NotFound` when the parent has no such child.
pub(super) async fn read_child(client: &Client, account_id: u64) -> Result<ChildAccount, AppError> {
    let request = GetChildrenAccounts { child_account_id: Some(vec![account_id]), count: Some(1), ..Default::default() };
    let not_found = || AppError::NotFound(format!("Child account {account_id}"));
    match client.get_children_accounts(request).await {
        Ok(answer) => answer.result.into_iter().find(|a| a.account_id == account_id).map(child_view).ok_or_else(not_found),
        Err(voximplant::client::Error::Api { code: ErrorCode::InvalidChildAccountId, .. }) => Err(not_found()),
        Err(error) => Err(error.into()),
    }
}

/// `2026-12-04 21:45 UTC`, written by hand: a page holds one per row, and chrono
/// reads its format string again for each.
fn to_the_minute(at: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::{Datelike, Timelike};
    format!("{:04}-{:02}-{:02} {:02}:{:02} UTC", at.year(), at.month(), at.day(), at.hour(), at.minute())
}

/// A child as the list (and its CSV export) shows it.
pub(super) fn child_row(listing: AccountListing) -> ChildRow {
    ChildRow {
        account_id: listing.account_id,
        account_name: listing.account_name.unwrap_or_default(),
        account_email: listing.account_email.unwrap_or_default(),
        created: listing.created.map(to_the_minute),
        active: listing.active.unwrap_or(false),
        frozen: listing.frozen.unwrap_or(false),
        balance: listing.balance,
        currency: listing.currency,
    }
}

/// A child as the pages show it: no API key, no callback salt.
pub(super) fn child_view(info: AccountInfo) -> ChildAccount {
    ChildAccount {
        account_id: info.account_id,
        account_name: info.account_name.unwrap_or_default(),
        account_email: info.account_email.unwrap_or_default(),
        account_first_name: info.account_first_name,
        account_last_name: info.account_last_name,
        created: info.created.map(to_the_minute),
        active: info.active.unwrap_or(false),
        frozen: info.frozen.unwrap_or(false),
        balance: info.balance,
        credit_limit: info.credit_limit,
        currency: info.currency,
        min_balance_to_notify: info.min_balance_to_notify,
        account_notifications: info.account_notifications.unwrap_or(false),
        tariff_changing_notifications: info.tariff_changing_notifications.unwrap_or(false),
        news_notifications: info.news_notifications.unwrap_or(false),
        language_code: info.language_code,
        location: info.location,
        support_robokassa: info.support_robokassa.unwrap_or(false),
        support_bank_card: info.support_bank_card.unwrap_or(false),
        bank_card_provider: info.bank_card_provider.map(|p| p.to_string()),
        support_invoice: info.support_invoice.unwrap_or(false),
        billing_address_name: info.billing_address_name,
        billing_address_country_code: info.billing_address_country_code,
        billing_address_address: info.billing_address_address,
        billing_address_zip: info.billing_address_zip,
        billing_address_phone: info.billing_address_phone,
        billing_address_state: info.billing_address_state,
        account_custom_data: info.account_custom_data,
        callback_url: info.callback_url,
        send_js_error: info.send_js_error,
        a2p_sms_enabled: info.a2p_sms_enabled,
    }
}

/// One account's verifications from a GetAccountDocuments answer, or why they could
/// not be read (the page still shows the rest).
pub(crate) fn verifications_of(
    account_id: u64,
    documents: Result<voximplant::methods::GetAccountDocumentsResponse, voximplant::client::Error>,
) -> Result<Vec<VerificationView>, String> {
    match documents {
        Ok(answer) => Ok(answer
            .result
            .into_iter()
            .filter(|entry| entry.account_id == account_id)
            .flat_map(|entry| entry.verifications)
            .map(verification_view)
            .collect()),
        Err(error) => {
            let error = AppError::from(error);
            tracing::warn!(account_id, %error, "verification documents not read");
            Err(error.to_string())
        }
    }
}

pub(crate) fn verification_view(verification: voximplant::types::AccountVerification) -> VerificationView {
    VerificationView {
        name: verification.verification_name,
        status: verification.verification_status.to_string(),
        hold_until: verification.unverified_hold_until.map(|d| d.format("%Y-%m-%d").to_string()),
        documents: verification
            .documents
            .unwrap_or_default()
            .into_iter()
            .map(|d| DocumentView {
                id: d.account_document_id,
                individual: d.is_individual,
                uploaded: d.uploaded.format("%Y-%m-%d %H:%M UTC").to_string(),
                status: d.account_document_status.to_string(),
                comment: d.comment,
            })
            .collect(),
    }
}

/// How a child account is named in an event's targets.
pub(super) fn child_targets(name: &str, account_id: u64) -> Value {
    json!([name, account_id.to_string()])
}

/// Voximplant's refusals that are about one field go next to that field;
/// `email_field` is the form's email field (`account_email` when creating).
fn next_to_field(email_field: &'static str) -> impl Fn(AppError) -> AppError {
    move |error| field_error(email_field, error)
}

fn field_error(email_field: &'static str, error: AppError) -> AppError {
    let AppError::Upstream { code, message } = &error else { return error };
    let field = match ErrorCode::from_code(*code) {
        ErrorCode::AccountNameAlreadyUsed => {
            return AppError::invalid(
                "account_name",
                "This account name is already taken on Voximplant (names are unique across all accounts). Choose another.",
            )
        }
        ErrorCode::AccountEmailNotUnique => {
            return AppError::invalid(email_field, "Another Voximplant account already uses this email. Use another.");
        }
        ErrorCode::InvalidChildAccountId => return AppError::NotFound("The child account".into()),
        ErrorCode::InvalidNewChildAccountEmail => "new_child_account_email",
        ErrorCode::InvalidLanguageCode => "language_code",
        ErrorCode::InvalidMoneyAmount => "min_balance_to_notify",
        ErrorCode::InvalidRecordStorageId => "record_storage",
        ErrorCode::PasswordLength => "new_child_account_password",
        // A clone's fields are CloneAccount's `new_account_*` on the wire.
        _ => match [
            ("new_child_account_password", "new_child_account_password"),
            ("new_account_password", "account_password"),
            ("new_account_email", "account_email"),
            ("new_account_name", "account_name"),
            ("location", "location"),
            ("language_code", "language_code"),
            ("account_email", "account_email"),
            ("account_password", "account_password"),
        ]
        .into_iter()
        .find(|(parameter, _)| message.contains(&format!("'{parameter}'")))
        {
            Some((_, field)) => field,
            None => return error,
        },
    };
    AppError::invalid(field, format!("Voximplant refused this value: {message}"))
}
