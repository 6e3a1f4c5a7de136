//! User queries, shared by the admin page's server functions and the CLI.
//! Changing a role, disabling a user or resetting a password bumps the user's
//! session epoch, which ends every session they have at their next request.

use sqlx::PgPool;
use uuid::Uuid;

use super::{CreatedUser, UserView};
use crate::{
    auth::{
        password, rules,
        ssr::{create_user, NewUser, OnlyIfNoUsers},
        Role,
    },
    error::AppError,
};

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    username: String,
    email: String,
    display_name: String,
    role: String,
    active: bool,
    created_at: chrono::DateTime<chrono::Utc>,
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
        }
    }
}

const COLUMNS: &str = "id, username, email, display_name, role::text AS role, active, created_at";

fn db(error: sqlx::Error) -> AppError {
    AppError::unavailable("The database", error)
}

pub fn parse_id(text: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(text).map_err(|_| AppError::NotFound("The user".into()))
}

pub async fn list(pool: &PgPool) -> Result<Vec<UserView>, AppError> {
    let rows = sqlx::query_as::<_, Row>(&format!("SELECT {COLUMNS} FROM users ORDER BY active DESC, username"))
        .fetch_all(pool)
        .await
        .map_err(db)?;
    Ok(rows.into_iter().map(Row::view).collect())
}

pub async fn find(pool: &PgPool, id: Uuid) -> Result<UserView, AppError> {
    sqlx::query_as::<_, Row>(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(db)?
        .map(Row::view)
        .ok_or_else(|| AppError::NotFound("The user".into()))
}

pub async fn find_by_username(pool: &PgPool, username: &str) -> Result<UserView, AppError> {
    sqlx::query_as::<_, Row>(&format!("SELECT {COLUMNS} FROM users WHERE username = $1"))
        .bind(username.trim().to_lowercase())
        .fetch_optional(pool)
        .await
        .map_err(db)?
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
    let done = query.execute(pool).await.map_err(db)?;
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
    rules::password(&password_text).map_err(|m| AppError::invalid("password", m))?;
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
        assert!(rules::password(&a).is_ok(), "{a}");
        assert_eq!(a.len(), 49);
    }
}
