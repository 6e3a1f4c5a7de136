//! Your own account on the server: every signed-in user gets [`Myself`], which acts on
//! the session's own user and no one else.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::{actions, MyAccount, MySession, TwoStepSetup, TwoStepStatus};
use crate::{
    audit::ssr::{session_reference, Performed},
    auth::{
        password,
        ssr::{cap, mfa, signed_in, start_session, Authorized, Service},
        throttle,
    },
    error::AppError,
    request,
};

pub(crate) use crate::auth::ssr::service;

/// The signed-in user, on their own account only.
pub struct Myself(Authorized<cap::OwnAccount>);

impl Service for Myself {
    type Capability = cap::OwnAccount;
    fn grant(access: Authorized<cap::OwnAccount>) -> Self {
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
        let two_step = TwoStepStatus {
            on: mfa::enrolled(self.db(), self.id()).await?,
            required: mfa::required_for(self.db(), self.0.user().role).await?,
            recovery_codes_left: mfa::recovery_codes_left(self.db(), self.id()).await?,
        };
        Ok(MyAccount { username: me.username, display_name: me.display_name, email: me.email, role: self.0.user().role, sessions, two_step })
    }

    pub async fn begin_two_step(&self) -> Result<TwoStepSetup, AppError> {
        let me = self.me().await?;
        let keyring = self.0.backend().keyring();
        self.0
            .audited(&actions::TWO_STEP_BEGIN, json!([me.username, self.id()]), json!({}), || async {
                let shown = mfa::begin(self.db(), keyring, self.id(), &me.username).await?;
                Ok(Performed::new(TwoStepSetup { secret_text: shown.secret_text, qr_svg: shown.qr_svg }))
            })
            .await
    }

    pub async fn confirm_two_step(&self, code: String) -> Result<Vec<String>, AppError> {
        let me = self.me().await?;
        let keyring = self.0.backend().keyring();
        self.guess_allowed(&me).await?;
        let codes = self
            .0
            .audited(&actions::TWO_STEP_ON, json!([me.username, self.id()]), json!({}), || async {
                let codes = mfa::confirm(self.db(), keyring, self.id(), &code).await?;
                Ok(Performed::new(codes).with_changes(json!({ "two_step": { "before": "off", "after": "on" } })))
            })
            .await?;
        self.guess_succeeded(&me).await?;
        Ok(codes)
    }

    pub async fn turn_off_two_step(&self, current: String, code: String) -> Result<(), AppError> {
        let me = self.me().await?;
        let mut problems = Vec::new();
        if current.is_empty() {
            problems.push(("current_password".to_string(), "Enter your current password.".to_string()));
        }
        if code.trim().is_empty() {
            problems.push(("code".to_string(), "Enter the code your app shows now, or a recovery code.".to_string()));
        }
        AppError::check_all(problems)?;
        self.guess_allowed(&me).await?;
        let keyring = self.0.backend().keyring();
        self.0
            .audited(&actions::TWO_STEP_OFF, json!([me.username, self.id()]), json!({}), || async {
                if !password::verify(current, me.password_hash.clone()).await? {
                    return Err(AppError::invalid("current_password", "This is not your current password."));
                }
                if mfa::verify(self.db(), keyring, self.id(), &code).await?.is_none() {
                    return Err(AppError::invalid("code", "This code is not right. Enter the 6 digits your app shows now, or an unused recovery code."));
                }
                mfa::remove(self.db(), self.id()).await?;
                Ok(Performed::new(()).with_changes(json!({ "two_step": { "before": "on", "after": "off" } })))
            })
            .await?;
        self.guess_succeeded(&me).await
    }

    pub async fn new_recovery_codes(&self, code: String) -> Result<Vec<String>, AppError> {
        let me = self.me().await?;
        self.guess_allowed(&me).await?;
        let keyring = self.0.backend().keyring();
        let codes = self
            .0
            .audited(&actions::RECOVERY_CODES, json!([me.username, self.id()]), json!({}), || async {
                if mfa::verify(self.db(), keyring, self.id(), &code).await?.is_none() {
                    return Err(AppError::invalid("code", "This code is not right. Enter the 6 digits your app shows now."));
                }
                Ok(Performed::new(mfa::new_recovery_codes(self.db(), self.id()).await?))
            })
            .await?;
        self.guess_succeeded(&me).await?;
        Ok(codes)
    }

    /// Guessing a password or code from a stolen session is throttled like a login:
    /// the attempt is counted before it is checked.
    async fn guess_allowed(&self, me: &Me) -> Result<(), AppError> {
        let (name_scope, address_scope) = guess_scopes(me).await;
        let scopes = [(name_scope, throttle::MAX_FAILURES_PER_NAME), (address_scope, throttle::MAX_FAILURES_PER_ADDRESS)];
        throttle::reserve(self.db(), &scopes, Utc::now()).await?.map_err(|refused| refused.error)
    }

    async fn guess_succeeded(&self, me: &Me) -> Result<(), AppError> {
        let (name_scope, address_scope) = guess_scopes(me).await;
        throttle::succeeded(self.db(), &name_scope, &address_scope).await
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
        self.guess_allowed(&me).await?;
        let targets = json!([me.username, self.id()]);
        let epoch = self
            .0
            .audited(&actions::CHANGE_PASSWORD, targets, json!({}), || async {
                if !password::verify(current, me.password_hash.clone()).await? {
                    return Err(AppError::invalid("current_password", "This is not your current password."));
                }
                if password::verify(new.clone(), me.password_hash.clone()).await? {
                    return Err(AppError::invalid("new_password", "Choose a password different from your current one."));
                }
                let hash = password::hash(new).await?;
                let epoch = self.next_epoch(Some(hash)).await?;
                Ok(Performed::new(epoch).with_changes(json!({ "password": { "before": "[redacted]", "after": "[redacted]" } })))
            })
            .await?;
        self.guess_succeeded(&me).await?;
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

async fn guess_scopes(me: &Me) -> (String, String) {
    (throttle::name_scope(&me.username), throttle::address_scope(&request::client_address().await))
}

async fn current_session_ref() -> Option<String> {
    let session = request::session().await.ok()?;
    session.id().map(|id| session_reference(&id.to_string()))
}

fn minute(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

