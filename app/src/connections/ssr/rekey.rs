//! Master-key maintenance over every stored connection: re-wrapping data keys after a
//! key rotation, finding rows a keyring cannot open, and re-sealing rows bound by the
//! older, id-only scheme.

use sqlx::PgPool;
use uuid::Uuid;

use super::store::{binding, SealedRow, BOUND_TO_ID, SEALED_COLUMNS};
use crate::{error::AppError, vault};

/// Re-seals every connection's data key under the keyring's active master key.
pub async fn rewrap_all(pool: &PgPool, keyring: &vault::Keyring) -> Result<usize, AppError> {
    let mut tx = pool.begin().await?;
    let rows: Vec<SealedRow> = sqlx::query_as(&format!("SELECT {SEALED_COLUMNS} FROM connections FOR UPDATE"))
    .fetch_all(&mut *tx)
    .await?;
    let count = rows.len();
    for row in rows {
        let rewrapped = keyring
            .rewrap(&row.binding(), &row.sealed())
            .map_err(|error| AppError::Conflict(format!("connection {}: {error}", row.id)))?;
        let update = "UPDATE connections SET kek_id = $2, wrapped_dek = $3, dek_nonce = $4 WHERE id = $1";
        vault::store_rewrapped(&mut tx, update, row.id, &rewrapped).await?;
    }
    tx.commit().await?;
    Ok(count)
}

/// The connections whose secret `keyring` cannot open (none, after a good rotation).
pub async fn unopenable(pool: &PgPool, keyring: &vault::Keyring) -> Result<Vec<Uuid>, AppError> {
    let rows: Vec<SealedRow> = sqlx::query_as(&format!("SELECT {SEALED_COLUMNS} FROM connections"))
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().filter(|row| keyring.open(&row.binding(), &row.sealed()).is_err()).map(|row| row.id).collect())
}

/// Re-seals rows sealed when only their id was bound, now bound to their destination
/// too; run at start. Returns each re-sealed row's id and base URL (for the log).
pub async fn reseal_legacy(pool: &PgPool, keyring: &vault::Keyring) -> Result<Vec<(Uuid, String)>, AppError> {
    let mut tx = pool.begin().await?;
    let rows: Vec<SealedRow> = sqlx::query_as(&format!("SELECT {SEALED_COLUMNS} FROM connections WHERE sealed_binding = $1 FOR UPDATE"))
    .bind(BOUND_TO_ID)
    .fetch_all(&mut *tx)
    .await?;
    let mut resealed = Vec::new();
    for row in rows {
        let Ok(bytes) = keyring.open(&row.binding(), &row.sealed()) else {
            tracing::error!(connection = %row.id, "legacy credentials cannot be opened; left for an admin to rotate");
            continue;
        };
        let sealed = keyring.seal(&binding(row.id, &row.kind, &row.base_url, row.account_id), &bytes);
        let update = sqlx::query(
            "UPDATE connections SET alg = $2, kek_id = $3, wrapped_dek = $4, dek_nonce = $5, nonce = $6, ciphertext = $7,
                    sealed_binding = 2
             WHERE id = $1",
        )
        .bind(row.id);
        sealed.bind_to(update).execute(&mut *tx).await?;
        resealed.push((row.id, row.base_url));
    }
    tx.commit().await?;
    Ok(resealed)
}
