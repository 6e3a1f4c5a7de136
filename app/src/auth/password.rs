//! Password hashing: argon2id with the crate defaults (m=19 MiB, t=2, p=1, the ASVS
//! floor), off the async threads and at most two at a time, since each hash takes
//! ~19 MiB and the machine has two cores.

use std::sync::OnceLock;

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use tokio::sync::Semaphore;

use crate::error::AppError;

fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(2))
}

/// Hashes `password` into a PHC string.
pub async fn hash(password: String) -> Result<String, AppError> {
    let _permit = permits().acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|hash| hash.to_string())
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)
}

/// Checks `password` against a PHC string. A malformed hash is a mismatch.
pub async fn verify(password: String, phc: String) -> Result<bool, AppError> {
    let _permit = permits().acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&phc).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .map_err(AppError::internal)
}

/// A real hash of nothing anyone knows: verifying against it costs the same as a
/// real check, so unknown names answer as slowly as wrong passwords.
pub async fn dummy_hash() -> &'static str {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_init(|| async {
            let random: String = uuid::Uuid::new_v4().to_string();
            hash(random).await.unwrap_or_default()
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let phc = hash("correct horse battery".into()).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("correct horse battery".into(), phc.clone()).await.unwrap());
        assert!(!verify("Correct horse battery".into(), phc).await.unwrap());
        assert!(!verify("x".into(), "not a hash".into()).await.unwrap());
        assert!(dummy_hash().await.starts_with("$argon2id$"));
    }
}
