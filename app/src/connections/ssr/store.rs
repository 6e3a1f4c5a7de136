//! Stored connections: rows, their sealed secrets, and the one place a stored secret
//! is opened (into memory, to build a Voximplant client).

use sqlx::PgPool;
use uuid::Uuid;
use voximplant::client::Client;

use super::{
    super::{ConnectionView, Connections},
    credentials::{check, check_base_url, client, SecretInput},
};
use crate::{backend::Backend, error::AppError, vault};

fn check_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    match name.chars().count() {
        0 => Err(AppError::invalid("name", "Give the connection a name.")),
        1..=80 => Ok(name.to_string()),
        _ => Err(AppError::invalid("name", "Use at most 80 characters.")),
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    name: String,
    kind: String,
    base_url: String,
    account_id: i64,
    account_name: String,
    fingerprint: String,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl Row {
    fn view(self) -> ConnectionView {
        ConnectionView {
            id: self.id.to_string(),
            name: self.name,
            kind: self.kind,
            base_url: self.base_url,
            account_id: self.account_id as u64,
            account_name: self.account_name,
            fingerprint: self.fingerprint,
            updated_at: self.updated_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        }
    }
}

const COLUMNS: &str = "id, name, kind, base_url, account_id, account_name, fingerprint, updated_at";

/// Rows sealed when only the row id was bound; re-sealed at start.
pub(super) const BOUND_TO_ID: i16 = 1;
/// Rows sealed bound to the id, kind, base URL and account id.
const BOUND_TO_DESTINATION: i16 = 2;

/// What a sealed secret is bound to (the AEAD's associated data): the row and where the
/// secret is sent. Pointing a row at another host (or kind, or account) in the database
/// makes its secret fail to open, so it is never sent there.
pub(super) fn binding(id: Uuid, kind: &str, base_url: &str, account_id: i64) -> String {
    format!("{id}|{kind}|{base_url}|{account_id}")
}

pub(super) const SEALED_COLUMNS: &str = "id, sealed_binding, kind, base_url, account_id, alg, kek_id, wrapped_dek, dek_nonce, nonce, ciphertext";

#[derive(sqlx::FromRow)]
pub(super) struct SealedRow {
    pub(super) id: Uuid,
    sealed_binding: i16,
    pub(super) kind: String,
    pub(super) base_url: String,
    pub(super) account_id: i64,
    alg: String,
    kek_id: String,
    wrapped_dek: Vec<u8>,
    dek_nonce: Vec<u8>,
    nonce: Vec<u8>,
    ciphertext: Vec<u8>,
}

impl SealedRow {
    /// Every stored byte of the row's credentials and where they go: a client opened
    /// from a row with this fingerprint is still right for it.
    fn fingerprint(&self) -> Vec<u8> {
        let parts: [&[u8]; 9] = [
            self.kind.as_bytes(),
            self.base_url.as_bytes(),
            &self.account_id.to_le_bytes(),
            self.alg.as_bytes(),
            self.kek_id.as_bytes(),
            &self.wrapped_dek,
            &self.dek_nonce,
            &self.nonce,
            &self.ciphertext,
        ];
        parts.iter().flat_map(|part| (part.len() as u32).to_le_bytes().into_iter().chain(part.iter().copied())).collect()
    }

    /// The associated data this row was sealed with.
    pub(super) fn binding(&self) -> String {
        if self.sealed_binding == BOUND_TO_DESTINATION {
            binding(self.id, &self.kind, &self.base_url, self.account_id)
        } else {
            self.id.to_string()
        }
    }

    pub(super) fn sealed(&self) -> vault::Sealed {
        vault::Sealed {
            alg: self.alg.clone(),
            kek_id: self.kek_id.clone(),
            wrapped_dek: self.wrapped_dek.clone(),
            dek_nonce: self.dek_nonce.clone(),
            nonce: self.nonce.clone(),
            ciphertext: self.ciphertext.clone(),
        }
    }
}

pub fn parse_id(id: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(id).map_err(|_| AppError::NotFound("The connection".into()))
}

/// Kept in memory while PostgreSQL reports changes to connections (see
/// [`crate::row_cache`]).
pub async fn list(backend: &Backend, selected: Option<Uuid>) -> Result<Connections, AppError> {
    let read = async {
        let rows = sqlx::query_as::<_, Row>(&format!("SELECT {COLUMNS} FROM connections ORDER BY name"))
            .fetch_all(backend.unguarded_pool())
            .await?;
        Ok::<_, AppError>(Some(rows.into_iter().map(Row::view).collect::<Vec<ConnectionView>>()))
    };
    let list = backend.rows().connection_list.read_through(&(), read).await?.unwrap_or_default();
    // With no choice made (or a removed one), the first connection is the one in use.
    let selected = selected
        .map(|id| id.to_string())
        .filter(|id| list.iter().any(|c| &c.id == id))
        .or_else(|| list.first().map(|c| c.id.clone()));
    Ok(Connections { list, selected })
}

pub async fn find(pool: &PgPool, id: Uuid) -> Result<ConnectionView, AppError> {
    sqlx::query_as::<_, Row>(&format!("SELECT {COLUMNS} FROM connections WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .map(Row::view)
        .ok_or_else(|| AppError::NotFound("The connection".into()))
}

pub async fn select(pool: &PgPool, user: Uuid, id: &str) -> Result<(), AppError> {
    let id = parse_id(id)?;
    find(pool, id).await?;
    sqlx::query("UPDATE users SET selected_connection = $2 WHERE id = $1")
        .bind(user)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn add(backend: &Backend, name: &str, base_url: &str, secret: &SecretInput) -> Result<ConnectionView, AppError> {
    let name = check_name(name)?;
    let base_url = check_base_url(base_url)?;
    let account = check(&base_url, secret).await?;
    let id = Uuid::new_v4();
    let inserted = insert_sealed(backend, id, &name, &base_url, account.account_id, &account.account_name, secret).await;
    match inserted {
        Ok(_) => find(backend.unguarded_pool(), id).await,
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
            Err(AppError::invalid("name", "A connection with this name exists already."))
        }
        Err(error) => Err(error.into()),
    }
}

pub async fn rename(pool: &PgPool, id: &str, name: &str) -> Result<ConnectionView, AppError> {
    let id = parse_id(id)?;
    let name = check_name(name)?;
    let updated = sqlx::query("UPDATE connections SET name = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(&name)
        .execute(pool)
        .await;
    match updated {
        Ok(done) if done.rows_affected() == 0 => Err(AppError::NotFound("The connection".into())),
        Ok(_) => find(pool, id).await,
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
            Err(AppError::invalid("name", "A connection with this name exists already."))
        }
        Err(error) => Err(error.into()),
    }
}

/// New credentials for the same account: checked against Voximplant first.
pub async fn rotate(backend: &Backend, id: &str, secret: &SecretInput) -> Result<ConnectionView, AppError> {
    let id = parse_id(id)?;
    let current = find(backend.unguarded_pool(), id).await?;
    let account = check(&current.base_url, secret).await?;
    if account.account_id != current.account_id {
        return Err(AppError::invalid(
            secret.secret_field(),
            format!(
                "These credentials belong to account {}, not {} ({}). Add a new connection instead.",
                account.account_id, current.account_id, current.account_name
            ),
        ));
    }
    store_secret(backend, id, &current.base_url, current.account_id, secret, Some(&account.account_name)).await?;
    find(backend.unguarded_pool(), id).await
}

/// Inserts a connection row with its secret sealed for that row.
async fn insert_sealed(
    backend: &Backend,
    id: Uuid,
    name: &str,
    base_url: &str,
    account_id: u64,
    account_name: &str,
    secret: &SecretInput,
) -> Result<sqlx::postgres::PgQueryResult, sqlx::Error> {
    let bytes = secret.sealed_bytes();
    let sealed = backend.keyring().seal(&binding(id, secret.kind(), base_url, account_id as i64), &bytes);
    let insert = sqlx::query(
        "INSERT INTO connections (id, name, kind, base_url, account_id, account_name, fingerprint,
                                  alg, kek_id, wrapped_dek, dek_nonce, nonce, ciphertext, sealed_binding)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 2)",
    )
    .bind(id)
    .bind(name)
    .bind(secret.kind())
    .bind(base_url)
    .bind(account_id as i64)
    .bind(account_name)
    .bind(vault::fingerprint(&bytes));
    sealed.bind_to(insert).execute(backend.unguarded_pool()).await
}

/// Seals `secret` for the row `id`, bound to where it goes, and stores it with them.
async fn store_secret(
    backend: &Backend,
    id: Uuid,
    base_url: &str,
    account_id: u64,
    secret: &SecretInput,
    account_name: Option<&str>,
) -> Result<(), AppError> {
    let bytes = secret.sealed_bytes();
    let sealed = backend.keyring().seal(&binding(id, secret.kind(), base_url, account_id as i64), &bytes);
    sqlx::query(
        "UPDATE connections SET kind = $2, fingerprint = $3, alg = $4, kek_id = $5, wrapped_dek = $6,
                dek_nonce = $7, nonce = $8, ciphertext = $9, account_name = coalesce($10, account_name),
                base_url = $11, account_id = $12, sealed_binding = 2, updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(secret.kind())
    .bind(vault::fingerprint(&bytes))
    .bind(&sealed.alg)
    .bind(&sealed.kek_id)
    .bind(&sealed.wrapped_dek)
    .bind(&sealed.dek_nonce)
    .bind(&sealed.nonce)
    .bind(&sealed.ciphertext)
    .bind(account_name)
    .bind(base_url)
    .bind(account_id as i64)
    .execute(backend.unguarded_pool())
    .await?;
    Ok(())
}

pub async fn remove(pool: &PgPool, id: &str) -> Result<(), AppError> {
    let id = parse_id(id)?;
    let done = sqlx::query("DELETE FROM connections WHERE id = $1").bind(id).execute(pool).await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound("The connection".into()));
    }
    Ok(())
}

/// A Voximplant client for a stored connection: the one place a stored secret is
/// decrypted, and only into memory.
pub async fn client_for(backend: &Backend, id: Uuid) -> Result<(ConnectionView, Client), AppError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS}, {SEALED_COLUMNS} FROM connections WHERE id = $1"))
        .bind(id)
        .fetch_optional(backend.unguarded_pool())
        .await?
        .ok_or_else(|| AppError::NotFound("The connection".into()))?;
    client_from_row(backend, &row)
}

/// The connection a user works on — `selected`, or the first by name when that is
/// none or gone — and its client, read in one query (every page that calls
/// Voximplant starts here) and kept in memory while PostgreSQL reports changes to
/// connections (see [`crate::row_cache`]).
pub async fn selected_client(backend: &Backend, selected: Option<Uuid>) -> Result<Option<(ConnectionView, Client)>, AppError> {
    let read = async {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS}, {SEALED_COLUMNS} FROM connections ORDER BY id = $1 DESC NULLS LAST, name LIMIT 1"
        ))
        .bind(selected)
        .fetch_optional(backend.unguarded_pool())
        .await?;
        row.map(|row| client_from_row(backend, &row)).transpose()
    };
    backend.rows().connections.read_through(&selected, read).await
}

/// The connection and its client from a row of both `COLUMNS` and `SEALED_COLUMNS`:
/// the client already opened from these exact bytes, or a new one after the checks.
fn client_from_row(backend: &Backend, row: &sqlx::postgres::PgRow) -> Result<(ConnectionView, Client), AppError> {
    let view = <Row as sqlx::FromRow<_>>::from_row(row)?.view();
    let row = <SealedRow as sqlx::FromRow<_>>::from_row(row)?;
    let id = row.id;
    // Decrypting, parsing a key and building a client once per row version, not per call.
    let fingerprint = row.fingerprint();
    if let Some(client) = backend.opened_client(id, &fingerprint) {
        return Ok((view, client));
    }
    if row.sealed_binding != BOUND_TO_DESTINATION {
        return Err(AppError::Conflict(
            "This connection's credentials were sealed by an older Voxdesk: restart Voxdesk to re-seal them, or an admin rotates them."
                .into(),
        ));
    }
    // Checked again here, not only when saved: the row may have been changed since.
    check_base_url(&row.base_url).map_err(|_| {
        tracing::error!(connection = %id, "stored base URL is not an allowed Voximplant address; the secret is not sent");
        AppError::Conflict("This connection's address is not allowed. An admin must rotate it.".into())
    })?;
    let bytes = backend.keyring().open(&row.binding(), &row.sealed()).map_err(|error| {
        tracing::error!(connection = %id, %error, "stored credentials cannot be decrypted");
        AppError::Conflict(
            "This connection's stored credentials cannot be decrypted (the master key differs or the row was altered). \
             An admin must rotate them."
                .into(),
        )
    })?;
    let secret = SecretInput::from_sealed(&row.kind, row.account_id as u64, bytes)?;
    let client = client(&row.base_url, &secret, backend.http())?;
    backend.keep_client(id, fingerprint, client.clone());
    Ok((view, client))
}

/// Creates or refreshes a connection from code (demo mode): same sealing as `add`,
/// no check against Voximplant (the caller just started the sandbox).
pub async fn upsert_unchecked(
    backend: &Backend,
    name: &str,
    base_url: &str,
    secret: &SecretInput,
    account_name: &str,
) -> Result<Uuid, AppError> {
    let existing: Option<Uuid> = sqlx::query_scalar("SELECT id FROM connections WHERE name = $1")
        .bind(name)
        .fetch_optional(backend.unguarded_pool())
        .await?;
    let account_id = match secret {
        SecretInput::ApiKey { account_id, .. } => *account_id,
        SecretInput::ServiceAccount { key, .. } => key.account_id,
    };
    let id = existing.unwrap_or_else(Uuid::new_v4);
    if existing.is_none() {
        insert_sealed(backend, id, name, base_url, account_id, account_name, secret).await?;
    } else {
        store_secret(backend, id, base_url, account_id, secret, Some(account_name)).await?;
    }
    Ok(id)
}
