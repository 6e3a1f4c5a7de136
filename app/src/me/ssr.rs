//! Your own account on the server: every signed-in user gets [`Myself`], which acts on
//! the session's own user and no one else.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::{actions, MyAccount, MySession};
use crate::{
    audit::ssr::{session_reference, Performed},
    auth::{
        password,
        ssr::{cap, signed_in, start_session, Authorized, Service},
        throttle,
    },
    error::AppError,
    request,
};

pub(crate) use crate::auth::ssr::service;

/// The signed-in user, on their own account only.
pub struct Myself(Authorized<cap::SignedIn>);

impl Service for Myself {
    type Capability = cap::SignedIn;
    fn grant(access: Authorized<cap::SignedIn>) -> Self {
        Myself(access)
    }
}

#[derive(sqlx::FromRow)]
struct Me {
    username: String,
    email: String,
    display_name: String,
    password_hash: String,
}

impl Myself {
    fn db(&self) -> &PgPool {
        self.0.db()
    }

    fn id(&self) -> Uuid {
        self.0.user().id
    }

    async fn me(&self) -> Result<Me, AppError> {
        sqlx::query_as::<_, Me>("SELECT username, email, display_name, password_hash FROM users WHERE id = $1")
            .bind(self.id())
            .fetch_optional(self.db())
            .await?
            .ok_or(AppError::Unauthenticated)
    }

    pub async fn account(&self) -> Result<MyAccount, AppError> {
        let me = self.me().await?;
        let auth = &self.0.backend().auth;
        let current = current_session_ref().await;
        let sessions = signed_in::list(self.db(), self.id(), auth.idle_timeout, auth.absolute_timeout)
            .await?
            .into_iter()
            .map(|row| MySession {
                current: Some(&row.session_ref) == current.as_ref(),
                browser: row.browser,
                address: row.client_ip,
                signed_in_at: minute(row.signed_in_at),
                last_seen: minute(row.last_seen),
            })
            .collect();
        Ok(MyAccount { username: me.username, display_name: me.display_name, email: me.email, role: self.0.user().role, sessions })
    }

    pub async fn change_password(&self, current: String, new: String, again: String) -> Result<(), AppError> {
        let me = self.me().await?;
        let mut problems = Vec::new();
        if current.is_empty() {
            problems.push(("current_password".to_string(), "Enter your current password.".to_string()));
        }
        if let Err(problem) = password::acceptable(&new, &[&me.username, &me.email]) {
            problems.push(("new_password".into(), problem));
        } else if new != again {
            problems.push(("new_password_again".into(), "This is not the same as the new password.".into()));
        }
        AppError::check_all(problems)?;
        // Guessing the current password from a stolen session is throttled like a login.
        let name_scope = throttle::name_scope(&me.username);
        let address_scope = throttle::address_scope(&request::client_address().await);
        let scopes = [(name_scope.clone(), throttle::MAX_FAILURES_PER_NAME), (address_scope.clone(), throttle::MAX_FAILURES_PER_ADDRESS)];
        if let Err(refused) = throttle::reserve(self.db(), &scopes, Utc::now()).await? {
            return Err(refused.error);
        }
        let targets = json!([me.username, self.id()]);
        let epoch = self
            .0
            .audited(&actions::CHANGE_PASSWORD, targets, json!({}), || async {
                if !password::verify(current, me.password_hash.clone()).await? {
                    return Err(AppError::invalid("current_password", "This is not your current password."));
                }
                if password::verify(new.clone(), me.password_hash).await? {
                    return Err(AppError::invalid("new_password", "Choose a password different from your current one."));
                }
                let hash = password::hash(new).await?;
                let epoch = self.next_epoch(Some(hash)).await?;
                Ok(Performed::new(epoch).with_changes(json!({ "password": { "before": "[redacted]", "after": "[redacted]" } })))
            })
            .await?;
        throttle::succeeded(self.db(), &name_scope, &address_scope).await?;
        self.go_on_alone(epoch).await.map(|_| ())
    }

    pub async fn sign_out_elsewhere(&self) -> Result<usize, AppError> {
        let me = self.me().await?;
        let targets = json!([me.username, self.id()]);
        let epoch = self
            .0
            .audited(&actions::SIGN_OUT_ELSEWHERE, targets, json!({}), || async {
                Ok(Performed::new(self.next_epoch(None).await?))
            })
            .await?;
        self.go_on_alone(epoch).await
    }

    /// A new session epoch (and password, if given): every session issued under the
    /// old one is refused at its next request.
    async fn next_epoch(&self, password_hash: Option<String>) -> Result<i32, AppError> {
        Ok(sqlx::query_scalar(
            "UPDATE users SET session_epoch = session_epoch + 1, password_hash = coalesce($2, password_hash),
                    updated_at = now() WHERE id = $1 RETURNING session_epoch",
        )
        .bind(self.id())
        .bind(password_hash)
        .fetch_one(self.db())
        .await?)
    }

    /// This session goes on under `epoch` (and a new id); the others' rows go. Answers
    /// how many others there were.
    async fn go_on_alone(&self, epoch: i32) -> Result<usize, AppError> {
        start_session(self.id(), epoch).await?;
        let ended = sqlx::query("DELETE FROM user_sessions WHERE user_id = $1 AND epoch <> $2")
            .bind(self.id())
            .bind(epoch)
            .execute(self.db())
            .await?;
        Ok(ended.rows_affected() as usize)
    }
}

async fn current_session_ref() -> Option<String> {
    let session = request::session().await.ok()?;
    session.id().map(|id| session_reference(&id.to_string()))
}

fn minute(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

