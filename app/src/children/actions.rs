//! Child accounts' actions.

use leptos::server_fn::ServerFn;
use voximplant::{
    methods::{AddAccount, GetChildrenAccounts},
    Method,
};

use super::CreateChild;
use crate::{
    access::Permission,
    action::{Audited, BoxFuture, Endpoint, PendingIntent, Settlement},
    audit::{ssr::found, Outcome},
    backend::Backend,
    connections::ssr::client_for,
    error::AppError,
};

pub const CREATE: Audited = Audited::new("child_account.create").calls(AddAccount::NAME).checked_by(created);
/// The sensitive read of a new child's API key (a fact, recorded before it is shown).
pub const SHOW_API_KEY: &str = "child_account.api_key.show";

pub const ENDPOINTS: &[Endpoint] = &[Endpoint::write(CreateChild::PATH, Permission::ManageChildren, &CREATE)];

/// An interrupted create happened if the parent account has a child with that name
/// now. `None` while Voximplant cannot be asked (a later pass tries again).
fn created<'a>(backend: &'a Backend, intent: &'a PendingIntent) -> BoxFuture<'a, Settlement> {
    Box::pin(async move {
        let gone = || {
            let mut settled = found(Outcome::Unknown, "the parent connection is gone; check by hand");
            settled.1["targets"] = intent.targets.clone();
            Some(settled)
        };
        let Some(connection) = intent.connection_id else { return gone() };
        let client = match client_for(backend, connection).await {
            Ok((_, client)) => client,
            Err(AppError::NotFound(_)) => return gone(),
            Err(_) => return None,
        };
        let name = intent.params["account_name"].as_str()?.to_string();
        let request = GetChildrenAccounts { child_account_name: Some(name.clone()), ..Default::default() };
        let children = client.get_children_accounts(request).await.ok()?;
        let child = children.result.iter().find(|account| account.account_name.as_deref() == Some(name.as_str()));
        Some(match child {
            Some(child) => found(Outcome::Ok, format!("child account {name} exists (id {})", child.account_id)),
            None => found(Outcome::Error, format!("child account {name} does not exist: the action did not happen")),
        })
    })
}
