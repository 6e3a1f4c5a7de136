//! Connections' actions.

use super::{AddConnection, CheckConnection, ListConnections, RemoveConnection, RenameConnection, RotateConnection, SelectConnection};
use crate::{
    access::Permission,
    action::{row_exists, Audited, BoxFuture, Endpoint, PendingIntent, Settlement},
    backend::Backend,
};

/// Adding checks the credentials with GetAccountInfo first.
pub const ADD: Audited = Audited::new("connection.add").calls("GetAccountInfo").checked_by(added);
pub const RENAME: Audited = Audited::new("connection.rename");
pub const ROTATE: Audited = Audited::new("connection.rotate").calls("GetAccountInfo");
pub const REMOVE: Audited = Audited::new("connection.remove");
/// Re-sealing every stored secret under a new master key (command line only).
pub const KEYS_ROTATE: Audited = Audited::new("keys.rotate");

pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint::read::<ListConnections>(Permission::SignedIn),
    // The user's own choice of connection, kept with their preferences.
    Endpoint::read::<SelectConnection>(Permission::SignedIn),
    Endpoint::read::<CheckConnection>(Permission::ManageConnections),
    Endpoint::write::<AddConnection>(Permission::ManageConnections, &ADD),
    Endpoint::write::<RenameConnection>(Permission::ManageConnections, &RENAME),
    Endpoint::write::<RotateConnection>(Permission::ManageConnections, &ROTATE),
    Endpoint::write::<RemoveConnection>(Permission::ManageConnections, &REMOVE),
];

/// An interrupted add happened if a connection with that name exists — the name as
/// it is stored (trimmed), not as it was typed.
fn added<'a>(backend: &'a Backend, intent: &'a PendingIntent) -> BoxFuture<'a, Settlement> {
    let name = intent.params["name"].as_str().unwrap_or_default().trim().to_string();
    Box::pin(async move { row_exists(backend, "connections", "name", "connection", &name).await })
}
