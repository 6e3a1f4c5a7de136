//! Connections on the server: the services the guard hands out (choosing one for
//! everyone signed in, managing them for admins), the Voximplant client of the
//! connection a user works on, and the storage and credentials behind them.

mod credentials;
mod rekey;
mod store;

use serde_json::json;
use uuid::Uuid;
use voximplant::client::Client;

pub use credentials::{check, check_base_url, SecretInput, VOXIMPLANT_TIMEOUT};
pub use rekey::{reseal_legacy, rewrap_all, unopenable};
pub use store::{add, client_for, list, parse_id, rotate, upsert_unchecked};
pub(crate) use crate::auth::ssr::service;

use super::{actions, AccountCheck, ConnectionView, Connections};
use crate::{
    audit::ssr::{AuditContext, Performed},
    auth::ssr::{cap, Authorized, Capability, Service, SessionUser},
    backend::Backend,
    error::AppError,
};

/// Everyone signed in: see the connections and pick the one to work on.
pub struct ConnectionChooser {
    backend: Backend,
    user: Uuid,
    selected: Option<Uuid>,
}

impl Service for ConnectionChooser {
    type Capability = cap::SignedIn;
    fn grant(access: Authorized<cap::SignedIn>) -> Self {
        ConnectionChooser::for_user(access.backend(), access.user())
    }
}

impl ConnectionChooser {
    /// For the frame's own request, which authenticates the session itself.
    pub(crate) fn for_user(backend: &Backend, user: &SessionUser) -> Self {
        ConnectionChooser { backend: backend.clone(), user: user.id, selected: user.selected_connection }
    }

    pub async fn list(&self) -> Result<Connections, AppError> {
        store::list(&self.backend, self.selected).await
    }

    /// Remembers the user's choice (their own preference: not audited).
    pub async fn select(&self, id: &str) -> Result<(), AppError> {
        store::select(self.backend.unguarded_pool(), self.user, id).await
    }
}

/// Admins: check, add, rename, rotate and remove connections, each audited.
pub struct ConnectionAdmin(Authorized<cap::ManageConnections>);

impl Service for ConnectionAdmin {
    type Capability = cap::ManageConnections;
    fn grant(access: Authorized<cap::ManageConnections>) -> Self {
        ConnectionAdmin(access)
    }
}

/// The form's credentials fields.
pub struct CredentialsForm {
    pub kind: String,
    pub account_id: Option<String>,
    pub api_key: Option<String>,
    pub credentials_json: Option<String>,
}

impl CredentialsForm {
    fn parse(self) -> Result<SecretInput, AppError> {
        SecretInput::parse(&self.kind, self.account_id, self.api_key, self.credentials_json)
    }
}

impl ConnectionAdmin {
    /// Checks credentials with GetAccountInfo without saving anything.
    pub async fn check(&self, base_url: &str, form: CredentialsForm) -> Result<AccountCheck, AppError> {
        credentials::check(base_url, &form.parse()?).await
    }

    pub async fn add(&self, name: String, base_url: String, form: CredentialsForm) -> Result<ConnectionView, AppError> {
        let params = json!({ "name": name, "kind": form.kind, "base_url": base_url, "account_id": form.account_id });
        let secret = form.parse()?;
        self.0
            .audited(&actions::ADD, json!([name]), params, || async {
                let view = store::add(self.0.backend(), &name, &base_url, &secret).await?;
                let targets = json!([view.name, view.id, view.account_id]);
                Ok(Performed::new(view).with_targets(targets))
            })
            .await
    }

    pub async fn rename(&self, id: String, name: String) -> Result<ConnectionView, AppError> {
        let before = store::find(self.0.db(), parse_id(&id)?).await?;
        let params = json!({ "id": id, "name": name });
        self.0
            .audited(&actions::RENAME, json!([before.name, before.id]), params, || async {
                let after = store::rename(self.0.db(), &id, &name).await?;
                let changes = json!({ "name": { "before": before.name, "after": after.name } });
                Ok(Performed::new(after).with_changes(changes))
            })
            .await
    }

    /// New credentials for the same Voximplant account (checked first).
    pub async fn rotate(&self, id: String, form: CredentialsForm) -> Result<ConnectionView, AppError> {
        let before = store::find(self.0.db(), parse_id(&id)?).await?;
        let params = json!({ "id": id, "kind": form.kind, "account_id": form.account_id });
        let secret = form.parse()?;
        self.0
            .audited(&actions::ROTATE, json!([before.name, before.id]), params, || async {
                let after = store::rotate(self.0.backend(), &id, &secret).await?;
                let changes = json!({ "fingerprint": { "before": before.fingerprint, "after": after.fingerprint } });
                Ok(Performed::new(after).with_changes(changes))
            })
            .await
    }

    pub async fn remove(&self, id: String) -> Result<(), AppError> {
        let before = store::find(self.0.db(), parse_id(&id)?).await?;
        let targets = json!([before.name, before.id, before.account_id]);
        self.0
            .audited(&actions::REMOVE, targets, json!({ "id": id }), || async {
                store::remove(self.0.db(), &id).await?;
                Ok(Performed::new(()))
            })
            .await
    }
}

impl<C: Capability> Authorized<C> {
    /// A Voximplant client for the connection this user works on (their choice, or
    /// the first one), with that connection's description.
    pub async fn voximplant(&self) -> Result<(ConnectionView, Client), AppError> {
        store::selected_client(self.backend(), self.user().selected_connection)
            .await?
            .ok_or_else(|| AppError::Conflict("No Voximplant parent account is connected yet. An admin can add one under Admin.".into()))
    }

    /// [`voximplant`](Self::voximplant), and this request's audit context naming that
    /// connection: what every audited Voximplant change starts with.
    pub async fn voximplant_audited(&self) -> Result<(ConnectionView, Client, AuditContext), AppError> {
        let (connection, client) = self.voximplant().await?;
        let context = self.audit_context().await.with_connection(parse_id(&connection.id)?, &connection.name);
        Ok((connection, client, context))
    }
}
