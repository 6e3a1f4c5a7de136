//! The parent account's actions: who may call each server function, what the audit
//! log calls the one change, and how the reconciler checks an interrupted one.

use voximplant::{methods::SetAccountInfo, Method};

use super::{
    profile::compare, ssr::read_profile, GetAccountSummary, GetChildrenSummary, GetDocuments, GetProfile, UpdateProfile,
};
use crate::{
    access::Permission,
    action::{Audited, BoxFuture, Endpoint, PendingIntent, Settlement},
    audit::ssr::read_back,
    backend::Backend,
    children::actions::client_of,
};

pub const UPDATE: Audited = Audited::new("account.update").calls(SetAccountInfo::NAME).checked_by(edited);

pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint::read::<GetAccountSummary>(Permission::ViewAccount),
    Endpoint::read::<GetChildrenSummary>(Permission::ViewAccount),
    Endpoint::read::<GetProfile>(Permission::ViewAccount),
    Endpoint::write::<UpdateProfile>(Permission::ManageAccount, &UPDATE),
    Endpoint::read::<GetDocuments>(Permission::ViewAccount),
];

/// An interrupted profile edit is settled by reading the profile back: every
/// intended value there → it happened; none → it did not; some → unknown, with the
/// difference on record. Secrets cannot be read back and count as neither.
fn edited<'a>(backend: &'a Backend, intent: &'a PendingIntent) -> BoxFuture<'a, Settlement> {
    Box::pin(async move {
        let client = match client_of(backend, intent).await {
            Ok(client) => client,
            Err(settled) => return settled,
        };
        let set = intent.params["set"].as_object()?.clone();
        let profile = read_profile(&client).await.ok()?;
        let (matching, differing) = compare(&set, &profile);
        Some(read_back(&format!("account {}", profile.account_id), matching, differing))
    })
}
