//! Two-step sign-in's storage: a user's TOTP secret (sealed with the master keys,
//! bound to the user), enrolment, the second factor at login (a code once, or a
//! recovery code once), and which roles must use it. Pages and login build on these.

use chrono::Utc;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{access::Role, auth::totp, error::AppError, vault::{Keyring, Sealed}};

/// How many recovery codes a user gets (each works once).
pub const RECOVERY_CODES: usize = 10;

fn row_id(user: Uuid) -> String {
    format!("totp:{user}")
}

#[derive(sqlx::FromRow)]
struct SecretRow {
    #[sqlx(flatten)]
    sealed: Sealed,
    enrolled: bool,
    last_step: i64,
}

/// A user's sealed secret, for key rotation.
#[derive(sqlx::FromRow)]
struct StoredSecret {
    user_id: Uuid,
    #[sqlx(flatten)]
    sealed: Sealed,
}

const SEALED_COLUMNS: &str = "alg, kek_id, wrapped_dek, dek_nonce, nonce, ciphertext";

async fn secret_row(pool: &PgPool, user: Uuid) -> Result<Option<SecretRow>, AppError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SEALED_COLUMNS}, enrolled_at IS NOT NULL AS enrolled, last_step FROM user_mfa WHERE user_id = $1"
    ))
    .bind(user)
    .fetch_optional(pool)
    .await?)
}

/// Whether `user` signs in with a second factor.
pub async fn enrolled(pool: &PgPool, user: Uuid) -> Result<bool, AppError> {
    Ok(secret_row(pool, user).await?.is_some_and(|row| row.enrolled))
}

/// Whether `role` must use two-step sign-in (admins and resellers by default).
pub async fn required_for(pool: &PgPool, role: Role) -> Result<bool, AppError> {
    let required: Option<bool> = sqlx::query_scalar("SELECT required FROM mfa_policy WHERE role = $1::user_role")
        .bind(role.as_str())
        .fetch_optional(pool)
        .await?;
    Ok(required.unwrap_or(false))
}

/// Requires two-step sign-in for `role`, or stops requiring it.
pub async fn set_required(pool: &PgPool, role: Role, required: bool) -> Result<(), AppError> {
    sqlx::query("INSERT INTO mfa_policy (role, required) VALUES ($1::user_role, $2) ON CONFLICT (role) DO UPDATE SET required = $2")
        .bind(role.as_str())
        .bind(required)
        .execute(pool)
        .await?;
    Ok(())
}

/// Every role and whether it must use two-step sign-in, in [`Role::ALL`]'s order.
pub async fn policy(pool: &PgPool) -> Result<Vec<(Role, bool)>, AppError> {
    let stored: Vec<(String, bool)> = sqlx::query_as("SELECT role::text, required FROM mfa_policy").fetch_all(pool).await?;
    let required = |role: Role| stored.iter().any(|(name, required)| *required && name == role.as_str());
    Ok(Role::ALL.into_iter().map(|role| (role, required(role))).collect())
}

/// What enrolment shows once: the secret as text and as a QR code (SVG).
pub struct Enrolment {
    pub secret_text: String,
    pub qr_svg: String,
}

/// Starts (or restarts) enrolment: a new secret, not used until a code confirms it.
/// Refused while two-step sign-in is on (turn it off first).
pub async fn begin(pool: &PgPool, keyring: &Keyring, user: Uuid, username: &str) -> Result<Enrolment, AppError> {
    if enrolled(pool, user).await? {
        return Err(AppError::Conflict("Two-step sign-in is already on. Turn it off first to set up another app.".into()));
    }
    let secret = totp::new_secret();
    let sealed = keyring.seal(&row_id(user), &secret);
    let insert = sqlx::query(
        "INSERT INTO user_mfa (user_id, alg, kek_id, wrapped_dek, dek_nonce, nonce, ciphertext)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (user_id) DO UPDATE SET alg = $2, kek_id = $3, wrapped_dek = $4, dek_nonce = $5, nonce = $6,
           ciphertext = $7, enrolled_at = NULL, last_step = 0",
    )
    .bind(user);
    sealed.bind_to(insert).execute(pool).await?;
    let url = totp::otpauth_url(&secret, username);
    Ok(Enrolment { secret_text: totp::secret_text(&secret), qr_svg: totp::qr_svg(&url) })
}

/// Finishes enrolment with a code from the app: two-step sign-in is on, and the
/// recovery codes (shown once) are answered.
pub async fn confirm(pool: &PgPool, keyring: &Keyring, user: Uuid, code: &str) -> Result<Vec<String>, AppError> {
    let row = secret_row(pool, user).await?.ok_or_else(|| AppError::Conflict("Start setting up two-step sign-in first.".into()))?;
    if row.enrolled {
        return Err(AppError::Conflict("Two-step sign-in is already on.".into()));
    }
    let secret = keyring.open(&row_id(user), &row.sealed).map_err(AppError::internal)?;
    let step = totp::accept(&secret, code, Utc::now().timestamp() as u64, row.last_step as u64)
        .ok_or_else(|| AppError::invalid("code", "This code does not match. Enter the 6 digits your app shows now."))?;
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE user_mfa SET enrolled_at = now(), last_step = $2 WHERE user_id = $1").bind(user).bind(step as i64).execute(&mut *tx).await?;
    let codes = replace_recovery_codes(&mut tx, user).await?;
    tx.commit().await?;
    Ok(codes)
}

/// New recovery codes for `user` (the old ones stop working), answered in clear once.
pub async fn new_recovery_codes(pool: &PgPool, user: Uuid) -> Result<Vec<String>, AppError> {
    let mut tx = pool.begin().await?;
    let codes = replace_recovery_codes(&mut tx, user).await?;
    tx.commit().await?;
    Ok(codes)
}

async fn replace_recovery_codes(tx: &mut sqlx::Transaction<'_, sqlx::Postgres>, user: Uuid) -> Result<Vec<String>, AppError> {
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
    sqlx::query("DELETE FROM mfa_recovery_codes WHERE user_id = $1").bind(user).execute(&mut **tx).await?;
    for code in &codes {
        sqlx::query("INSERT INTO mfa_recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user)
            .bind(code_hash(code))
            .execute(&mut **tx)
            .await?;
    }
    Ok(codes)
}

/// How the second factor was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactor {
    Code,
    RecoveryCode,
}

/// Checks a second factor: a current code from the app (each accepted once, even by
/// two requests racing: the step moves forward in one statement), or an unused
/// recovery code (used up by this).
pub async fn verify(pool: &PgPool, keyring: &Keyring, user: Uuid, given: &str) -> Result<Option<SecondFactor>, AppError> {
    let Some(row) = secret_row(pool, user).await?.filter(|row| row.enrolled) else { return Ok(None) };
    let digits: String = given.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() == totp::DIGITS && digits.chars().all(|c| c.is_ascii_digit()) {
        let secret = keyring.open(&row_id(user), &row.sealed).map_err(AppError::internal)?;
        let Some(step) = totp::accept(&secret, &digits, Utc::now().timestamp() as u64, row.last_step as u64) else { return Ok(None) };
        let moved = sqlx::query("UPDATE user_mfa SET last_step = $2 WHERE user_id = $1 AND last_step < $2")
            .bind(user)
            .bind(step as i64)
            .execute(pool)
            .await?;
        return Ok((moved.rows_affected() == 1).then_some(SecondFactor::Code));
    }
    let used = sqlx::query("UPDATE mfa_recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL")
        .bind(user)
        .bind(code_hash(given))
        .execute(pool)
        .await?;
    Ok((used.rows_affected() == 1).then_some(SecondFactor::RecoveryCode))
}

/// Turns two-step sign-in off for `user` (their own choice, or an admin's reset).
pub async fn remove(pool: &PgPool, user: Uuid) -> Result<bool, AppError> {
    let mut tx = pool.begin().await?;
    let removed = sqlx::query("DELETE FROM user_mfa WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM mfa_recovery_codes WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM mfa_remembered_devices WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(removed.rows_affected() > 0)
}

/// Re-wraps every stored TOTP secret's data key under `keyring`'s active key (master
/// key rotation), answering how many.
pub async fn rewrap_all(pool: &PgPool, keyring: &Keyring) -> Result<usize, AppError> {
    let mut tx = pool.begin().await?;
    let rows: Vec<StoredSecret> =
        sqlx::query_as(&format!("SELECT user_id, {SEALED_COLUMNS} FROM user_mfa FOR UPDATE")).fetch_all(&mut *tx).await?;
    let count = rows.len();
    for row in rows {
        let rewrapped = keyring
            .rewrap(&row_id(row.user_id), &row.sealed)
            .map_err(|error| AppError::Conflict(format!("two-step secret of {}: {error}", row.user_id)))?;
        let update = "UPDATE user_mfa SET kek_id = $2, wrapped_dek = $3, dek_nonce = $4 WHERE user_id = $1";
        crate::vault::store_rewrapped(&mut tx, update, row.user_id, &rewrapped).await?;
    }
    tx.commit().await?;
    Ok(count)
}

/// The users whose TOTP secret `keyring` cannot open (none, after a good rotation).
pub async fn unopenable(pool: &PgPool, keyring: &Keyring) -> Result<Vec<Uuid>, AppError> {
    let rows: Vec<StoredSecret> = sqlx::query_as(&format!("SELECT user_id, {SEALED_COLUMNS} FROM user_mfa")).fetch_all(pool).await?;
    Ok(rows.into_iter().filter(|row| keyring.open(&row_id(row.user_id), &row.sealed).is_err()).map(|row| row.user_id).collect())
}

/// How long a browser the user chose to remember skips the second step.
pub const REMEMBER_DAYS: i64 = 30;

/// Remembers a browser for `user`: the token for its cookie (only its hash is stored).
pub async fn remember_device(pool: &PgPool, user: Uuid) -> Result<String, AppError> {
    let token = hex::encode(rand::random::<[u8; 32]>());
    sqlx::query("DELETE FROM mfa_remembered_devices WHERE expires_at < now()").execute(pool).await?;
    sqlx::query("INSERT INTO mfa_remembered_devices (token_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(days => $3))")
        .bind(device_hash(&token))
        .bind(user)
        .bind(REMEMBER_DAYS as i32)
        .execute(pool)
        .await?;
    Ok(token)
}

/// Whether `token` (a remembered browser's cookie) is `user`'s and still good.
pub async fn remembered(pool: &PgPool, user: Uuid, token: &str) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM mfa_remembered_devices WHERE token_hash = $1 AND user_id = $2 AND expires_at > now())",
    )
    .bind(device_hash(token))
    .bind(user)
    .fetch_one(pool)
    .await?)
}

/// How many of `user`'s recovery codes are still unused.
pub async fn recovery_codes_left(pool: &PgPool, user: Uuid) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user)
        .fetch_one(pool)
        .await?)
}

fn device_hash(token: &str) -> String {
    hex::encode(Sha256::digest(format!("voxdesk-remembered-device|{token}").as_bytes()))
}

/// "K7QF-9XPM-2D": 10 characters of an alphabet without look-alikes (≈ 50 bits).
fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let raw: String = (0..10).map(|_| ALPHABET[rand::random::<usize>() % ALPHABET.len()] as char).collect();
    format!("{}-{}-{}", &raw[..4], &raw[4..8], &raw[8..])
}

/// Recovery codes are random, so a plain hash is enough; typed any case, with or
/// without the hyphens.
fn code_hash(code: &str) -> String {
    let normal: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    hex::encode(Sha256::digest(format!("voxdesk-recovery-code|{normal}").as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_readable_and_typed_loosely() {
        let code = recovery_code();
        assert_eq!(code.len(), 12);
        assert_eq!(code.matches('-').count(), 2);
        assert_eq!(code_hash(&code), code_hash(&code.to_lowercase().replace('-', " ")));
        assert_ne!(code_hash(&code), code_hash(&recovery_code()));
    }
}
