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

/// Whether `candidate` may be a new password: the shared length rules, then not a
/// common password (the list in `app/data`, checked case-insensitively, also with
/// digits and symbols stripped from either end and as one entry typed twice or more:
/// "Password1234!", "iloveyouiloveyou"), and not the user's own name or email.
pub fn acceptable(candidate: &str, personal: &[&str]) -> Result<(), String> {
    super::rules::password(candidate)?;
    let lower = candidate.to_lowercase();
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    if is_common(&lower) || is_common(core) || repeats_a_common_one(core) {
        return Err("This password is one of the most common ones; choose another.".into());
    }
    let personal_part = personal.iter().map(|p| p.trim().to_lowercase()).filter(|p| p.chars().count() >= 3).any(|p| {
        let name = p.split('@').next().unwrap_or(&p).to_string();
        lower.contains(&p) || (name.chars().count() >= 3 && core == name)
    });
    if personal_part {
        return Err("Do not build a password from your username or email.".into());
    }
    Ok(())
}

fn common_passwords() -> &'static std::collections::HashSet<&'static str> {
    static LIST: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| include_str!("../../data/common-passwords.txt").lines().map(str::trim).filter(|l| !l.is_empty()).collect())
}

fn is_common(text: &str) -> bool {
    !text.is_empty() && common_passwords().contains(text)
}

/// "abcabcabc": a common entry typed two or more times.
fn repeats_a_common_one(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    (1..=chars.len() / 2).filter(|unit| chars.len() % unit == 0).any(|unit| {
        let first: String = chars[..unit].iter().collect();
        chars.chunks(unit).all(|chunk| chunk == &chars[..unit]) && (unit < 3 || is_common(&first))
    })
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

    #[test]
    fn common_and_personal_passwords_are_refused() {
        let refused = |p: &str| acceptable(p, &["alice", "alice@example.com"]).is_err();
        // On the list, whatever the case.
        assert!(refused("qwerty123456"));
        assert!(refused("QWERTY123456"));
        // A listed one with digits or symbols added, or typed twice.
        assert!(refused("password123456"));
        assert!(refused("!!sunshine2024!!"));
        assert!(refused("iloveyouiloveyou"));
        assert!(refused("aaaaaaaaaaaaaa"));
        assert!(refused("abababababab"));
        // Personal.
        assert!(refused("alice-is-here-2024"));
        assert!(refused("alice@example.com"));
        assert!(refused("Alice123456789"));
        // Too short still says so first.
        assert_eq!(acceptable("short", &[]), Err("Use at least 12 characters.".into()));
        // Ordinary long passphrases pass.
        assert!(acceptable("correct horse battery staple", &["alice"]).is_ok());
        assert!(acceptable("tangerine-oboe-47-lamp", &["alice", "alice@example.com"]).is_ok());
        assert!(common_passwords().len() > 19_000);
    }
}
