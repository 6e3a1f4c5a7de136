//! User queries, shared by the admin page's server functions and the CLI.
//! Changing a role, disabling a user or resetting a password bumps the user's
//! session epoch, which ends every session they have at their next request.

use sqlx::PgPool;
use uuid::Uuid;

use serde_json::{json, Value};

use super::{actions, CreatedUser, RoleTwoStep, UserView};
use crate::{
    action::Audited,
    auth::{
        password,
        ssr::{cap, create_user, Authorized, NewUser, OnlyIfNoUsers, Service},
        Role,
    },
    audit::ssr::Performed,
    error::AppError,
};

pub(crate) use crate::auth::ssr::service;

/// Admins: add users, change roles, disable and enable, reset passwords; each audited.
pub struct UserAdmin(Authorized<cap::ManageUsers>);

impl Service for UserAdmin {
    type Capability = cap::ManageUsers;
    fn grant(access: Authorized<cap::ManageUsers>) -> Self {
        UserAdmin(access)
    }
}

impl UserAdmin {
    pub async fn list(&self) -> Result<Vec<UserView>, AppError> {
        list(self.0.db()).await
    }

    pub async fn create(
        &self,
        username: String,
        email: String,
        display_name: String,
        role: &str,
        password: Option<String>,
    ) -> Result<CreatedUser, AppError> {
        let role = parse_role(role)?;
        let password = password.filter(|p| !p.is_empty());
        let params = json!({ "username": username, "email": email, "display_name": display_name, "role": role });
        self.0
            .audited(&actions::CREATE, json!([username]), params, || async {
                let created = create(self.0.db(), username, email, display_name, role, password).await?;
                let targets = json!([created.user.username, created.user.id]);
                Ok(Performed::new(created).with_targets(targets))
            })
            .await
    }

    pub async fn set_role(&self, id: &str, role: &str) -> Result<UserView, AppError> {
        let role = parse_role(role)?;
        let id = self.someone_else(id, "You cannot change your own role.")?;
        self.change(&actions::SET_ROLE, id, json!({ "id": id, "role": role }), |before| async move {
            let after = set_role(self.0.db(), id, role).await?;
            Ok((json!({ "role": { "before": before.role, "after": after.role } }), after))
        })
        .await
    }

    pub async fn set_active(&self, id: &str, active: bool) -> Result<UserView, AppError> {
        let id = parse_id(id)?;
        if !active {
            self.someone_else(&id.to_string(), "You cannot disable your own account.")?;
        }
        self.change(&actions::SET_ACTIVE, id, json!({ "id": id, "active": active }), |before| async move {
            let after = set_active(self.0.db(), id, active).await?;
            Ok((json!({ "active": { "before": before.active, "after": after.active } }), after))
        })
        .await
    }

    /// A new generated password, shown once to the admin.
    pub async fn reset_password(&self, id: &str) -> Result<String, AppError> {
        let id = parse_id(id)?;
        self.change(&actions::RESET_PASSWORD, id, json!({ "id": id }), |_| async move {
            let password = reset_password(self.0.db(), id, None).await?;
            Ok((json!({ "password": { "before": "[redacted]", "after": "[redacted]" } }), password))
        })
        .await
    }

    /// Turns a user's two-step sign-in off (they lost their phone and their recovery
    /// codes) and ends their sessions; if their role requires it, they set it up again
    /// at their next sign-in.
    pub async fn reset_two_step(&self, id: &str) -> Result<UserView, AppError> {
        let id = parse_id(id)?;
        self.change(&actions::RESET_TWO_STEP, id, json!({ "id": id }), |before| async move {
            crate::auth::ssr::mfa::remove(self.0.db(), id).await?;
            let after = update(self.0.db(), id, "UPDATE users SET session_epoch = session_epoch + 1, updated_at = now() WHERE id = $1", |q| q).await?;
            Ok((json!({ "two_step": { "before": on_off(before.two_step), "after": on_off(after.two_step) } }), after))
        })
        .await
    }

    /// Every role and whether it must use two-step sign-in.
    pub async fn two_step_policy(&self) -> Result<Vec<RoleTwoStep>, AppError> {
        let policy = crate::auth::ssr::mfa::policy(self.0.db()).await?;
        Ok(policy.into_iter().map(|(role, required)| RoleTwoStep { role, required }).collect())
    }

    pub async fn set_two_step_required(&self, role: &str, required: bool) -> Result<Vec<RoleTwoStep>, AppError> {
        let role = parse_role(role)?;
        let before = crate::auth::ssr::mfa::required_for(self.0.db(), role).await?;
        let params = json!({ "role": role, "required": required });
        self.0
            .audited(&actions::SET_TWO_STEP_POLICY, json!([role]), params, || async {
                crate::auth::ssr::mfa::set_required(self.0.db(), role, required).await?;
                Ok(Performed::new(()).with_changes(json!({ "required": { "before": before, "after": required } })))
            })
            .await?;
        self.two_step_policy().await
    }

    /// `id`, unless it is the admin's own account.
    fn someone_else(&self, id: &str, refusal: &str) -> Result<Uuid, AppError> {
        let id = parse_id(id)?;
        if id == self.0.user().id {
            return Err(AppError::Conflict(refusal.into()));
        }
        Ok(id)
    }

    /// An audited edit of one user: the user as before is loaded first (and must
    /// exist), then `change` runs between the intent and the outcome, which records
    /// the diff it returns.
    async fn change<'a, T, F, Fut>(&'a self, action: &Audited, id: Uuid, params: Value, change: F) -> Result<T, AppError>
    where
        F: FnOnce(UserView) -> Fut,
        Fut: std::future::Future<Output = Result<(Value, T), AppError>> + 'a,
    {
        let before = find(self.0.db(), id).await?;
        let targets = json!([before.username, before.id]);
        self.0
            .audited(action, targets, params, || async move {
                let (changes, value) = change(before).await?;
                Ok(Performed::new(value).with_changes(changes))
            })
            .await
    }
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

fn parse_role(text: &str) -> Result<Role, AppError> {
    Role::parse(text).ok_or_else(|| AppError::invalid("role", "Choose a role."))
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    username: String,
    email: String,
    display_name: String,
    role: String,
    active: bool,
    created_at: chrono::DateTime<chrono::Utc>,
    two_step: bool,
}

impl Row {
    fn view(self) -> UserView {
        UserView {
            id: self.id.to_string(),
            username: self.username,
            email: self.email,
            display_name: self.display_name,
            role: Role::parse(&self.role).unwrap_or(Role::Auditor),
            active: self.active,
            created_at: self.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            two_step: self.two_step,
        }
    }
}

const COLUMNS: &str = "id, username, email, display_name, role::text AS role, active, created_at,
    EXISTS (SELECT 1 FROM user_mfa m WHERE m.user_id = users.id AND m.enrolled_at IS NOT NULL) AS two_step";

pub fn parse_id(text: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(text).map_err(|_| AppError::NotFound("The user".into()))
}

pub async fn list(pool: &PgPool) -> Result<Vec<UserView>, AppError> {
    let rows = sqlx::query_as::<_, Row>(&format!("SELECT {COLUMNS} FROM users ORDER BY active DESC, username"))
        .fetch_all(pool)
        .await
        ?;
    Ok(rows.into_iter().map(Row::view).collect())
}

pub async fn find(pool: &PgPool, id: Uuid) -> Result<UserView, AppError> {
    sqlx::query_as::<_, Row>(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
        ?
        .map(Row::view)
        .ok_or_else(|| AppError::NotFound("The user".into()))
}

pub async fn find_by_username(pool: &PgPool, username: &str) -> Result<UserView, AppError> {
    sqlx::query_as::<_, Row>(&format!("SELECT {COLUMNS} FROM users WHERE username = $1"))
        .bind(username.trim().to_lowercase())
        .fetch_optional(pool)
        .await
        ?
        .map(Row::view)
        .ok_or_else(|| AppError::NotFound(format!("The user {username:?}")))
}

/// A random password to hand over: 128 bits, in groups of four for reading aloud.
pub fn generate_password() -> String {
    let hex = Uuid::new_v4().simple().to_string() + &Uuid::new_v4().simple().to_string()[..8];
    hex.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap_or_default()).collect::<Vec<_>>().join("-")
}

pub async fn create(
    pool: &PgPool,
    username: String,
    email: String,
    display_name: String,
    role: Role,
    password: Option<String>,
) -> Result<CreatedUser, AppError> {
    let generated = password.is_none().then(generate_password);
    let password = password.or_else(|| generated.clone()).unwrap_or_default();
    let id = create_user(pool, NewUser { username, email, display_name, role, password }, OnlyIfNoUsers(false)).await?;
    Ok(CreatedUser { user: find(pool, id).await?, generated_password: generated })
}

async fn update(pool: &PgPool, id: Uuid, sql: &str, bind: impl FnOnce(sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments>) -> sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments>) -> Result<UserView, AppError> {
    let query = bind(sqlx::query(sql).bind(id));
    let done = query.execute(pool).await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound("The user".into()));
    }
    find(pool, id).await
}

pub async fn set_role(pool: &PgPool, id: Uuid, role: Role) -> Result<UserView, AppError> {
    update(
        pool,
        id,
        "UPDATE users SET role = $2::user_role, session_epoch = session_epoch + 1, updated_at = now() WHERE id = $1",
        |q| q.bind(role.as_str()),
    )
    .await
}

pub async fn set_active(pool: &PgPool, id: Uuid, active: bool) -> Result<UserView, AppError> {
    update(
        pool,
        id,
        "UPDATE users SET active = $2, session_epoch = session_epoch + 1, updated_at = now() WHERE id = $1",
        |q| q.bind(active),
    )
    .await
}

/// Sets a new password (generated when `None`) and returns it.
pub async fn reset_password(pool: &PgPool, id: Uuid, new_password: Option<String>) -> Result<String, AppError> {
    let password_text = new_password.unwrap_or_else(generate_password);
    let user = find(pool, id).await?;
    password::acceptable(&password_text, &[&user.username, &user.email]).map_err(|m| AppError::invalid("password", m))?;
    let hash = password::hash(password_text.clone()).await?;
    update(
        pool,
        id,
        "UPDATE users SET password_hash = $2, session_epoch = session_epoch + 1, updated_at = now() WHERE id = $1",
        |q| q.bind(hash),
    )
    .await?;
    Ok(password_text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_pass_the_rules_and_differ() {
        let (a, b) = (generate_password(), generate_password());
        assert_ne!(a, b);
        assert!(crate::auth::rules::password(&a).is_ok(), "{a}");
        assert_eq!(a.len(), 49);
    }
}
