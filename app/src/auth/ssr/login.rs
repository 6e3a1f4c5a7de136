//! Login, logout and first-run setup (the public endpoints), and creating a portal
//! user, which setup, the admin page and the command line share.

use chrono::Utc;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::{
    guard::public,
    mfa,
    session::{abandon_session, authenticate, begin_second_step, pending_second_step, start_session, UserRow, USER_COLUMNS},
};
use crate::{
    access::Role,
    audit::{
        ssr::{self as audit, AuditContext, NewEvent, Performed},
        Outcome,
    },
    auth::{actions, password, rules, throttle, CurrentUser, SignIn},
    backend,
    error::AppError,
    request,
};

pub async fn login(username: String, password: String) -> Result<SignIn, AppError> {
    let access = public()?;
    let pool = access.db();
    // Names are at most 32 characters: a longer one is cut for the throttle and the log.
    let name = throttle::truncated(&username.trim().to_lowercase(), throttle::RECORDED_NAME_MAX);
    let address = request::client_address().await;
    let (name_scope, address_scope) = (throttle::name_scope(&name), throttle::address_scope(&address));
    let now = Utc::now();
    let context = AuditContext::from_request().await;
    let login_event = |outcome| {
        NewEvent::fact(actions::LOGIN, json!([]), json!({ "username": name }), outcome)
    };
    // The attempt is counted before the password is checked: a burst of guesses gets
    // at most the limit's worth verified, however many arrive at once.
    let scopes = [(name_scope.clone(), throttle::MAX_FAILURES_PER_NAME), (address_scope.clone(), throttle::MAX_FAILURES_PER_ADDRESS)];
    if let Err(refused) = throttle::reserve(pool, &scopes, now).await? {
        if throttle::worth_recording(refused.refused_so_far) {
            let detail = json!({ "error": refused.error.to_string(), "refused_attempts": refused.refused_so_far });
            audit::record(pool, &context, login_event(Outcome::Denied).with_detail(detail)).await;
        }
        return Err(refused.error);
    }

    let row = sqlx::query_as::<_, UserRow>(&format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1"))
        .bind(&name)
        .fetch_optional(pool)
        .await?;
    // Unknown names cost a full hash check too, so timing tells nothing.
    let hash = match &row {
        Some(user) => user.password_hash.clone(),
        None => password::dummy_hash().await.to_string(),
    };
    let matches = password::verify(password, hash).await?;
    let Some(user) = row.filter(|user| matches && user.active) else {
        tracing::warn!(username = %name, %address, "login failed");
        audit::record(pool, &context, login_event(Outcome::Invalid)).await;
        return Err(AppError::invalid("login", "The username or password is incorrect."));
    };
    // With two-step sign-in the attempt stays counted until the code is right too:
    // knowing the password buys no extra guesses at the code.
    if mfa::enrolled(pool, user.id).await? {
        let remembered = match remembered_device_token() {
            Some(token) => mfa::remembered(pool, user.id, &token).await?,
            None => false,
        };
        if !remembered {
            begin_second_step(user.id, user.session_epoch).await?;
            tracing::info!(username = %user.username, %address, "password accepted; second step next");
            leptos_axum::redirect("/login/two-step");
            return Ok(SignIn::SecondStepNeeded);
        }
        return finish_login(pool, &user, &name_scope, &address_scope, json!({ "second_step": "remembered_device" })).await.map(SignIn::Done);
    }
    finish_login(pool, &user, &name_scope, &address_scope, json!({})).await.map(SignIn::Done)
}

/// The second step: a code from the app or a recovery code, for the user whose
/// password this browser gave in the last five minutes.
pub async fn second_step(code: String, remember: bool) -> Result<CurrentUser, AppError> {
    let access = public()?;
    let pool = access.db();
    let Some(pending) = pending_second_step().await? else {
        leptos_axum::redirect("/login");
        return Err(AppError::Conflict("Enter your username and password first (the code is asked for afterwards, within 5 minutes).".into()));
    };
    let row = sqlx::query_as::<_, UserRow>(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
        .bind(pending.user_id)
        .fetch_optional(pool)
        .await?
        .filter(|user| user.active && user.session_epoch == pending.epoch)
        .ok_or(AppError::Unauthenticated)?;
    let address = request::client_address().await;
    let (name_scope, address_scope) = (throttle::name_scope(&row.username), throttle::address_scope(&address));
    let context = AuditContext::from_request().await.with_actor(row.id, &row.username, &row.role);
    let event = |outcome| NewEvent::fact(actions::SECOND_STEP, json!([]), json!({ "username": row.username }), outcome);
    let scopes = [(name_scope.clone(), throttle::MAX_FAILURES_PER_NAME), (address_scope.clone(), throttle::MAX_FAILURES_PER_ADDRESS)];
    if let Err(refused) = throttle::reserve(pool, &scopes, Utc::now()).await? {
        if throttle::worth_recording(refused.refused_so_far) {
            audit::record(pool, &context, event(Outcome::Denied)).await;
        }
        return Err(refused.error);
    }
    let Some(kind) = mfa::verify(pool, access.keyring(), row.id, &code).await? else {
        tracing::warn!(username = %row.username, %address, "second step failed");
        audit::record(pool, &context, event(Outcome::Invalid)).await;
        return Err(AppError::invalid("code", "This code is not right. Enter the 6 digits your app shows now, or an unused recovery code."));
    };
    let how = match kind {
        mfa::SecondFactor::Code => "code",
        mfa::SecondFactor::RecoveryCode => "recovery_code",
    };
    let user = finish_login(pool, &row, &name_scope, &address_scope, json!({ "second_step": how })).await?;
    if remember {
        let token = mfa::remember_device(pool, row.id).await?;
        set_remembered_device_cookie(&token, access.secure_cookies());
    }
    Ok(user)
}

/// The password (and second step, if any) were right: the throttle forgets the
/// failures, a fresh session starts, the login is recorded, and the browser goes home.
async fn finish_login(
    pool: &PgPool,
    user: &UserRow,
    name_scope: &str,
    address_scope: &str,
    detail: serde_json::Value,
) -> Result<CurrentUser, AppError> {
    throttle::succeeded(pool, name_scope, address_scope).await?;
    // The session first, so the login event names it; a login that cannot be audited
    // does not happen, so the session ends again if the event cannot be written.
    start_session(user.id, user.session_epoch).await?;
    let context = AuditContext::from_request().await.with_actor(user.id, &user.username, &user.role);
    let event = NewEvent::fact(actions::LOGIN, json!([]), json!({ "username": user.username }), Outcome::Ok).with_detail(detail);
    if let Err(error) = audit::append(pool, &context, event).await {
        abandon_session().await;
        return Err(error);
    }
    tracing::info!(username = %user.username, "login");
    leptos_axum::redirect("/");
    user.to_session_user().map(|u| u.to_current())
}

/// The cookie of a browser remembered for two-step sign-in.
fn remembered_device_cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-voxdesk_device" } else { "voxdesk_device" }
}

fn remembered_device_token() -> Option<String> {
    let cookies = request::header("cookie", 8192)?;
    cookies.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == remembered_device_cookie_name(true) || name == remembered_device_cookie_name(false))
            .then(|| value.chars().take(128).collect())
    })
}

fn set_remembered_device_cookie(token: &str, secure: bool) {
    let max_age = mfa::REMEMBER_DAYS * 24 * 3600;
    let mut cookie = format!("{}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax", remembered_device_cookie_name(secure));
    if secure {
        cookie.push_str("; Secure");
    }
    if let (Some(response), Ok(value)) = (leptos::prelude::use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(&cookie)) {
        response.append_header(http::header::SET_COOKIE, value);
    }
}

pub async fn logout() -> Result<(), AppError> {
    let backend = backend::current()?;
    if let Some(user) = authenticate(&backend).await? {
        let context = AuditContext::from_request().await.with_actor(user.id, &user.username, user.role.as_str());
        let event = crate::audit::ssr::NewEvent::fact(actions::LOGOUT, json!([]), json!({}), Outcome::Ok);
        audit::record(backend.unguarded_pool(), &context, event).await;
    }
    let session = request::session().await?;
    if let Some(id) = session.id() {
        super::signed_in::ended(backend.unguarded_pool(), &id.to_string()).await?;
    }
    session.flush().await.map_err(|e| AppError::unavailable("The session store", e))?;
    super::session::RequestUser::forget();
    leptos_axum::redirect("/login");
    Ok(())
}

pub async fn setup_needed() -> Result<bool, AppError> {
    let access = public()?;
    count_users(access.db()).await.map(|count| count == 0)
}

async fn count_users(executor: impl sqlx::PgExecutor<'_>) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(executor).await?)
}

pub async fn setup_first_admin(
    username: String,
    email: String,
    display_name: String,
    password: String,
) -> Result<CurrentUser, AppError> {
    let access = public()?;
    // Once anyone exists, setup is over: refused before anything is recorded or any
    // password hashed, so anonymous calls cost one count and leave no trace.
    if count_users(access.db()).await? > 0 {
        return Err(AppError::Conflict("Voxdesk is already set up. Log in instead.".into()));
    }
    let new = NewUser { username, email, display_name, role: Role::Admin, password };
    new.validate()?;
    let context = AuditContext::from_request().await;
    let params = json!({ "username": new.username.trim().to_lowercase(), "email": new.email.trim(), "role": "admin" });
    let id = audit::audited(access.db(), &context, &actions::SETUP, json!([]), params, || async {
        let id = create_user(access.db(), new, OnlyIfNoUsers(true)).await?;
        Ok(Performed::new(id).with_targets(json!([id.to_string()])))
    })
    .await?;
    let row = sqlx::query_as::<_, UserRow>(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_one(access.db())
        .await?;
    start_session(row.id, row.session_epoch).await?;
    tracing::info!(username = %row.username, "first admin created");
    leptos_axum::redirect("/");
    row.to_session_user().map(|u| u.to_current())
}

/// A user to create.
pub struct NewUser {
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password: String,
}

impl NewUser {
    /// Every problem, each next to its field.
    pub fn validate(&self) -> Result<(), AppError> {
        let checks = [
            ("username", rules::username(&self.username)),
            ("email", rules::email(&self.email)),
            ("display_name", rules::display_name(&self.display_name)),
            ("password", password::acceptable(&self.password, &[&self.username, &self.email])),
        ];
        AppError::check_all(checks.into_iter().filter_map(|(field, rule)| Some((field.to_string(), rule.err()?))).collect())
    }
}

/// Whether creation must fail once any user exists (first-run setup).
pub struct OnlyIfNoUsers(pub bool);

/// Creates a user; the name and email must be free.
pub async fn create_user(pool: &PgPool, mut new: NewUser, guard: OnlyIfNoUsers) -> Result<Uuid, AppError> {
    new.username = new.username.trim().to_lowercase();
    new.email = new.email.trim().to_string();
    new.validate()?;
    if guard.0 && count_users(pool).await? > 0 {
        // Checked again under the lock below; this spares the hash.
        return Err(AppError::Conflict("Voxdesk is already set up. Log in instead.".into()));
    }
    let hash = password::hash(new.password.clone()).await?;
    let mut tx = pool.begin().await?;
    // Serializes first-run setup: two browsers racing cannot both become admin.
    sqlx::query("SELECT pg_advisory_xact_lock(7707)").execute(&mut *tx).await?;
    if guard.0 && count_users(&mut *tx).await? > 0 {
        return Err(AppError::Conflict("Voxdesk is already set up. Log in instead.".into()));
    }
    let inserted = sqlx::query_scalar::<_, Uuid>(
        "INSERT INTO users (username, email, display_name, role, password_hash)
         VALUES ($1, $2, $3, $4::user_role, $5) RETURNING id",
    )
    .bind(&new.username)
    .bind(&new.email)
    .bind(new.display_name.trim())
    .bind(new.role.as_str())
    .bind(hash)
    .fetch_one(&mut *tx)
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
            let field = if error.constraint().is_some_and(|c| c.contains("email")) { "email" } else { "username" };
            return Err(AppError::invalid(field, format!("This {} is already taken.", field.replace('_', " "))));
        }
        Err(error) => return Err(error.into()),
    };
    tx.commit().await?;
    Ok(id)
}
