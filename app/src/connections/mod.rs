//! Parent-account connections: the Voximplant accounts Voxdesk acts for, with their
//! credentials sealed at rest (see [`vault`]). Admins add, check, rename, rotate and
//! remove them; everyone signed in picks the one they work on (remembered per user).
//! Credentials never leave the server: the browser sees a fingerprint.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
pub mod vault;

/// A connection as the browser sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionView {
    pub id: String,
    pub name: String,
    /// `api_key` or `service_account`.
    pub kind: String,
    pub base_url: String,
    pub account_id: u64,
    pub account_name: String,
    pub fingerprint: String,
    pub updated_at: String,
}

/// The connections, and the one the current user works on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connections {
    pub list: Vec<ConnectionView>,
    pub selected: Option<String>,
}

/// What Voximplant said about an account when its credentials were checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountCheck {
    pub account_id: u64,
    pub account_name: String,
    pub balance: String,
    pub currency: String,
}

#[server(endpoint = "connections/list")]
pub async fn list_connections() -> Result<Connections, AppError> {
    use crate::auth::ssr::{cap, require};
    let access = require::<cap::SignedIn>().await.map_err(AppError::respond)?;
    ssr::list(access.db(), access.user().selected_connection).await.map_err(AppError::respond)
}

#[server(endpoint = "connections/select")]
pub async fn select_connection(id: String) -> Result<(), AppError> {
    use crate::auth::ssr::{cap, require};
    let access = require::<cap::SignedIn>().await.map_err(AppError::respond)?;
    ssr::select(access.db(), access.user().id, &id).await.map_err(AppError::respond)
}

/// Checks credentials with GetAccountInfo without saving anything.
#[server(endpoint = "connections/check")]
pub async fn check_connection(
    kind: String,
    base_url: String,
    account_id: Option<String>,
    api_key: Option<String>,
    credentials_json: Option<String>,
) -> Result<AccountCheck, AppError> {
    use crate::auth::ssr::{cap, require};
    let _access = require::<cap::ManageConnections>().await.map_err(AppError::respond)?;
    let secret = ssr::SecretInput::parse(&kind, account_id, api_key, credentials_json).map_err(AppError::respond)?;
    ssr::check(&base_url, &secret).await.map_err(AppError::respond)
}

/// Checks the credentials again, then stores them sealed.
#[server(endpoint = "connections/add")]
pub async fn add_connection(
    name: String,
    kind: String,
    base_url: String,
    account_id: Option<String>,
    api_key: Option<String>,
    credentials_json: Option<String>,
) -> Result<ConnectionView, AppError> {
    use crate::auth::ssr::{cap, require};
    use crate::audit::ssr::{audited, Done};
    let access = require::<cap::ManageConnections>().await.map_err(AppError::respond)?;
    let params = serde_json::json!({ "name": name, "kind": kind, "base_url": base_url, "account_id": account_id });
    let secret = ssr::SecretInput::parse(&kind, account_id, api_key, credentials_json).map_err(AppError::respond)?;
    audited(access.db(), &access.audit_context().await, "connection.add", Some("GetAccountInfo"), serde_json::json!([name]), params, || async {
        let view = ssr::add(access.backend(), &name, &base_url, &secret).await?;
        let targets = serde_json::json!([view.name, view.id, view.account_id]);
        Ok(Done { value: view, changes: None, targets: Some(targets) })
    })
    .await
    .map_err(AppError::respond)
}

#[server(endpoint = "connections/rename")]
pub async fn rename_connection(id: String, name: String) -> Result<ConnectionView, AppError> {
    use crate::auth::ssr::{cap, require};
    use crate::audit::ssr::{audited, Done};
    let access = require::<cap::ManageConnections>().await.map_err(AppError::respond)?;
    let before = ssr::find(access.db(), ssr::parse_id(&id).map_err(AppError::respond)?).await.map_err(AppError::respond)?;
    let params = serde_json::json!({ "id": id, "name": name });
    let targets = serde_json::json!([before.name, before.id]);
    audited(access.db(), &access.audit_context().await, "connection.rename", None, targets, params, || async {
        let after = ssr::rename(access.db(), &id, &name).await?;
        let changes = serde_json::json!({ "name": { "before": before.name, "after": after.name } });
        Ok(Done { value: after, changes: Some(changes), targets: None })
    })
    .await
    .map_err(AppError::respond)
}

/// New credentials for the same Voximplant account (checked first).
#[server(endpoint = "connections/rotate")]
pub async fn rotate_connection(
    id: String,
    kind: String,
    account_id: Option<String>,
    api_key: Option<String>,
    credentials_json: Option<String>,
) -> Result<ConnectionView, AppError> {
    use crate::auth::ssr::{cap, require};
    use crate::audit::ssr::{audited, Done};
    let access = require::<cap::ManageConnections>().await.map_err(AppError::respond)?;
    let before = ssr::find(access.db(), ssr::parse_id(&id).map_err(AppError::respond)?).await.map_err(AppError::respond)?;
    let params = serde_json::json!({ "id": id, "kind": kind, "account_id": account_id });
    let secret = ssr::SecretInput::parse(&kind, account_id, api_key, credentials_json).map_err(AppError::respond)?;
    let targets = serde_json::json!([before.name, before.id]);
    audited(access.db(), &access.audit_context().await, "connection.rotate", Some("GetAccountInfo"), targets, params, || async {
        let after = ssr::rotate(access.backend(), &id, &secret).await?;
        let changes = serde_json::json!({ "fingerprint": { "before": before.fingerprint, "after": after.fingerprint } });
        Ok(Done { value: after, changes: Some(changes), targets: None })
    })
    .await
    .map_err(AppError::respond)
}

#[server(endpoint = "connections/remove")]
pub async fn remove_connection(id: String) -> Result<(), AppError> {
    use crate::auth::ssr::{cap, require};
    use crate::audit::ssr::{audited, Done};
    let access = require::<cap::ManageConnections>().await.map_err(AppError::respond)?;
    let before = ssr::find(access.db(), ssr::parse_id(&id).map_err(AppError::respond)?).await.map_err(AppError::respond)?;
    let targets = serde_json::json!([before.name, before.id, before.account_id]);
    audited(access.db(), &access.audit_context().await, "connection.remove", None, targets, serde_json::json!({ "id": id }), || async {
        ssr::remove(access.db(), &id).await?;
        Ok(Done::new(()))
    })
    .await
    .map_err(AppError::respond)
}
