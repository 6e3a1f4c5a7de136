//! The guard: proof that the request's user holds a permission, and the narrowed
//! service each feature hands out for it (the way lldap hands out handlers by
//! permission). Refusals are recorded in the audit log.

use std::marker::PhantomData;

use serde_json::{json, Value};
use sqlx::PgPool;

use super::session::{authenticate, SessionUser};
pub use crate::access::{cap, Capability};
use crate::{
    access::Permission,
    action::Audited,
    audit::{
        ssr::{self as audit, AuditContext, NewEvent, Performed},
        Outcome,
    },
    backend::{self, Backend},
    error::AppError,
    request,
};

/// A refused server-function call.
pub const ACCESS_DENIED: &str = "access.denied";

/// Proof that the current request's user holds capability `C`.
pub struct Authorized<C: Capability> {
    user: SessionUser,
    backend: Backend,
    _capability: PhantomData<C>,
}

impl<C: Capability> Authorized<C> {
    pub fn user(&self) -> &SessionUser {
        &self.user
    }

    /// For the feature service built on this proof; server functions use the service.
    pub(crate) fn db(&self) -> &PgPool {
        self.backend.unguarded_pool()
    }

    pub(crate) fn backend(&self) -> &Backend {
        &self.backend
    }

    /// The audit context of this request: who, from where.
    pub async fn audit_context(&self) -> AuditContext {
        AuditContext::from_request().await.with_actor(self.user.id, &self.user.username, self.user.role.as_str())
    }

    /// Runs `act` write-ahead audited as this user.
    pub async fn audited<T, F, Fut>(&self, action: &Audited, targets: Value, params: Value, act: F) -> Result<T, AppError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Performed<T>, AppError>>,
    {
        audit::audited(self.db(), &self.audit_context().await, action, targets, params, act).await
    }
}

/// What a feature hands a server function once the guard has passed: only the
/// operations its capability allows.
pub trait Service: Sized {
    type Capability: Capability;
    fn grant(access: Authorized<Self::Capability>) -> Self;
}

/// The guard, then the feature service for that permission.
pub async fn service<S: Service>() -> Result<S, AppError> {
    Ok(S::grant(require::<S::Capability>().await?))
}

/// Access for the public endpoints (login, first-run setup): the database, no user.
pub struct Public {
    backend: Backend,
}

impl Public {
    pub(crate) fn db(&self) -> &PgPool {
        self.backend.unguarded_pool()
    }

    /// Opens the second step's secrets at login.
    pub(crate) fn keyring(&self) -> &crate::vault::Keyring {
        self.backend.keyring()
    }

    pub(crate) fn secure_cookies(&self) -> bool {
        self.backend.auth.secure_cookies
    }
}

pub fn public() -> Result<Public, AppError> {
    Ok(Public { backend: backend::current()? })
}

/// The guard: the session's user, if they hold `C`.
pub async fn require<C: Capability>() -> Result<Authorized<C>, AppError> {
    let backend = backend::current()?;
    let Some(user) = authenticate(&backend).await? else {
        tracing::info!(permission = ?C::PERMISSION, "denied: not logged in");
        record_denial(&backend, None, C::PERMISSION).await;
        return Err(AppError::Unauthenticated);
    };
    if !user.role.can(C::PERMISSION) {
        tracing::warn!(user = %user.username, role = %user.role, permission = ?C::PERMISSION, "denied: role lacks permission");
        record_denial(&backend, Some(&user), C::PERMISSION).await;
        return Err(AppError::Forbidden);
    }
    two_step_set_up_if_required::<C>(&user)?;
    Ok(Authorized { user, backend, _capability: PhantomData })
}

/// The guard for plain HTTP handlers (downloads), which have a session but no
/// server-function context: the session's user, if they hold `C`. Refusals are
/// logged; the handler answers them.
pub async fn require_session<C: Capability>(
    backend: &Backend,
    session: &tower_sessions::Session,
) -> Result<Authorized<C>, AppError> {
    let Some(user) = super::session::authenticate_session(backend, session).await? else {
        tracing::info!(permission = ?C::PERMISSION, "denied: not logged in");
        return Err(AppError::Unauthenticated);
    };
    if !user.role.can(C::PERMISSION) {
        tracing::warn!(user = %user.username, role = %user.role, permission = ?C::PERMISSION, "denied: role lacks permission");
        return Err(AppError::Forbidden);
    }
    two_step_set_up_if_required::<C>(&user)?;
    Ok(Authorized { user, backend: backend.clone(), _capability: PhantomData })
}

/// Someone whose role requires two-step sign-in may use their own account only, to
/// set it up, until they have.
fn two_step_set_up_if_required<C: Capability>(user: &SessionUser) -> Result<(), AppError> {
    if user.must_set_up_two_step && C::PERMISSION != Permission::OwnAccount {
        tracing::info!(user = %user.username, permission = ?C::PERMISSION, "denied: two-step sign-in not set up");
        return Err(AppError::TwoStepSetupRequired);
    }
    Ok(())
}

/// A refused server-function call, in the audit log. Denied either way.
async fn record_denial(backend: &Backend, user: Option<&SessionUser>, permission: Permission) {
    let mut context = AuditContext::from_request().await;
    if let Some(user) = user {
        context = context.with_actor(user.id, &user.username, user.role.as_str());
    }
    let mut params = json!({ "path": request::path(), "permission": format!("{permission:?}") });
    // A signed-in user's refusal is always recorded: it names someone. Anyone can cause
    // an anonymous one, so those go on record once a minute per address, with a count.
    if user.is_none() {
        let address = context.client_ip.clone().unwrap_or_default();
        let Some(left_out) = backend.refusals().sampled(ACCESS_DENIED, &address) else { return };
        params["left_out_since_last"] = json!(left_out);
    }
    let event = NewEvent::fact(ACCESS_DENIED, json!([]), params, Outcome::Denied);
    audit::record(backend.unguarded_pool(), &context, event).await;
}
