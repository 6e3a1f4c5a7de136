//! Child accounts' actions: who may call each server function, what the audit log
//! calls it, and how the reconciler checks an interrupted one.

use voximplant::{
    methods::{AddAccount, CloneAccount, SetChildAccountInfo},
    Method,
};

use super::{
    bulk,
    recorded::compare, ssr::{child_named, read_child}, ActivateChild, CloneChild, CreateChild, DeactivateChild, GetChild, ListChildren, UpdateChild,
    UpdateChildNotifications,
};
use crate::{
    access::Permission,
    action::{Audited, BoxFuture, Endpoint, PendingIntent, Settlement},
    audit::{ssr::{found, read_back}, Outcome},
    backend::Backend,
    connections::ssr::client_for,
    error::AppError,
};

pub const CREATE: Audited = Audited::new("child_account.create").calls(AddAccount::NAME).checked_by(created);
/// A copy of a child; settled like a create, by the new name.
pub const CLONE: Audited = Audited::new("child_account.clone").calls(CloneAccount::NAME).checked_by(created);
/// A download of the filtered list (a fact: a read of that many accounts).
pub const EXPORT: &str = "child_account.export";
/// The sensitive read of a new child's API key (a fact, recorded before it is shown).
pub const SHOW_API_KEY: &str = "child_account.api_key.show";
pub const UPDATE: Audited = Audited::new("child_account.update").calls(SetChildAccountInfo::NAME).checked_by(edited);
pub const NOTIFICATIONS: Audited =
    Audited::new("child_account.notifications.update").calls(SetChildAccountInfo::NAME).checked_by(edited);
pub const ACTIVATE: Audited = Audited::new("child_account.activate").calls(SetChildAccountInfo::NAME).checked_by(edited);
pub const DEACTIVATE: Audited = Audited::new("child_account.deactivate").calls(SetChildAccountInfo::NAME).checked_by(edited);

/// Bulk changes: the whole job (its outcome written when it ends), and each chunk
/// of it (one SetChildAccountInfo for up to 100 ids, checked by reading them back).
pub const BULK_ACTIVATE: Audited =
    Audited::new("child_account.bulk.activate").calls(SetChildAccountInfo::NAME).checked_by(bulk::ssr::job_settled);
pub const BULK_DEACTIVATE: Audited =
    Audited::new("child_account.bulk.deactivate").calls(SetChildAccountInfo::NAME).checked_by(bulk::ssr::job_settled);
pub const BULK_NOTIFICATIONS: Audited =
    Audited::new("child_account.bulk.notifications").calls(SetChildAccountInfo::NAME).checked_by(bulk::ssr::job_settled);
pub const BULK_CHUNK: Audited =
    Audited::new("child_account.bulk.chunk").calls(SetChildAccountInfo::NAME).checked_by(bulk::ssr::chunk_settled);
pub const BULK_CANCEL: Audited = Audited::new("child_account.bulk.cancel");

pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint::read::<ListChildren>(Permission::ViewChildren),
    Endpoint::read::<GetChild>(Permission::ViewChildren),
    Endpoint::write::<CreateChild>(Permission::ManageChildren, &CREATE),
    Endpoint::write::<CloneChild>(Permission::ManageChildren, &CLONE),
    Endpoint::write::<UpdateChild>(Permission::ManageChildren, &UPDATE),
    Endpoint::write::<ActivateChild>(Permission::ManageChildren, &ACTIVATE),
    Endpoint::write::<DeactivateChild>(Permission::ManageChildren, &DEACTIVATE),
    Endpoint::write::<UpdateChildNotifications>(Permission::EditChildNotifications, &NOTIFICATIONS),
    Endpoint::write::<bulk::BulkActivate>(Permission::ManageChildren, &BULK_ACTIVATE),
    Endpoint::write::<bulk::BulkDeactivate>(Permission::ManageChildren, &BULK_DEACTIVATE),
    Endpoint::write::<bulk::BulkNotifications>(Permission::EditChildNotifications, &BULK_NOTIFICATIONS),
    Endpoint::read::<bulk::GetBulkJob>(Permission::ViewChildren),
    Endpoint::read::<bulk::RecentBulkJobs>(Permission::ViewChildren),
    // Only the job's owner (or an admin) who may run such a job: checked inside.
    Endpoint::write::<bulk::CancelBulkJob>(Permission::ViewChildren, &BULK_CANCEL),
];

/// The parent connection's client for an interrupted action, or the settlement
/// when there is none to ask.
pub(crate) async fn client_of(backend: &Backend, intent: &PendingIntent) -> Result<voximplant::client::Client, Settlement> {
    let gone = || {
        let mut settled = found(Outcome::Unknown, "the parent connection is gone; check by hand");
        settled.1["targets"] = intent.targets.clone();
        Some(settled)
    };
    let Some(connection) = intent.connection_id else { return Err(gone()) };
    match client_for(backend, connection).await {
        Ok((_, client)) => Ok(client),
        Err(AppError::NotFound(_)) => Err(gone()),
        Err(_) => Err(None),
    }
}

/// An interrupted create happened if the parent account has a child with that name
/// now. `None` while Voximplant cannot be asked (a later pass tries again).
fn created<'a>(backend: &'a Backend, intent: &'a PendingIntent) -> BoxFuture<'a, Settlement> {
    Box::pin(async move {
        let client = match client_of(backend, intent).await {
            Ok(client) => client,
            Err(settled) => return settled,
        };
        let name = intent.params["account_name"].as_str()?.to_string();
        Some(match child_named(&client, &name).await.ok()? {
            Some(child) => found(Outcome::Ok, format!("child account {name} exists (id {})", child.account_id)),
            None => found(Outcome::Error, format!("child account {name} does not exist: the action did not happen")),
        })
    })
}

/// An interrupted edit is settled by reading the child back: every intended value
/// there → it happened; none → it did not; some → unknown, with the difference on
/// record for a person to look at.
fn edited<'a>(backend: &'a Backend, intent: &'a PendingIntent) -> BoxFuture<'a, Settlement> {
    Box::pin(async move {
        let client = match client_of(backend, intent).await {
            Ok(client) => client,
            Err(settled) => return settled,
        };
        let id = intent.params["child_account_id"].as_u64()?;
        let set = intent.params["set"].as_object()?.clone();
        let child = match read_child(&client, id).await {
            Ok(child) => child,
            Err(AppError::NotFound(_)) => {
                return Some(found(Outcome::Unknown, format!("child account {id} no longer exists; check by hand")))
            }
            Err(_) => return None,
        };
        let (matching, differing) = compare(&set, &child);
        Some(read_back(&format!("child account {id}"), matching, differing))
    })
}
