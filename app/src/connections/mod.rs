//! Parent-account connections: the Voximplant accounts Voxdesk acts for, with their
//! credentials sealed at rest (see [`vault`]). Admins add, check, rename, rotate and
//! remove them; everyone signed in picks the one they work on (remembered per user).
//! Credentials never leave the server: the browser sees a fingerprint.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[cfg(feature = "ssr")]
pub mod actions;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    ssr::service::<ssr::ConnectionChooser>().await?.list().await
}

#[server(endpoint = "connections/select")]
pub async fn select_connection(id: String) -> Result<(), AppError> {
    ssr::service::<ssr::ConnectionChooser>().await?.select(&id).await
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
    let form = ssr::CredentialsForm { kind, account_id, api_key, credentials_json };
    ssr::service::<ssr::ConnectionAdmin>().await?.check(&base_url, form).await
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
    let form = ssr::CredentialsForm { kind, account_id, api_key, credentials_json };
    ssr::service::<ssr::ConnectionAdmin>().await?.add(name, base_url, form).await
}

#[server(endpoint = "connections/rename")]
pub async fn rename_connection(id: String, name: String) -> Result<ConnectionView, AppError> {
    ssr::service::<ssr::ConnectionAdmin>().await?.rename(id, name).await
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
    let form = ssr::CredentialsForm { kind, account_id, api_key, credentials_json };
    ssr::service::<ssr::ConnectionAdmin>().await?.rotate(id, form).await
}

#[server(endpoint = "connections/remove")]
pub async fn remove_connection(id: String) -> Result<(), AppError> {
    ssr::service::<ssr::ConnectionAdmin>().await?.remove(id).await
}
