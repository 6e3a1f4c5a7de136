//! Envelope encryption for stored Voximplant credentials.
//!
//! Each secret gets its own random data key (DEK); the secret is sealed with
//! AES-256-GCM under the DEK, and the DEK is sealed under a master key (KEK) from
//! the keyring. The row's identity is bound as associated data, so a ciphertext
//! moved to another row, or any flipped byte, fails to open. One DEK seals one
//! value, so a nonce can never repeat under a key. Rotating the master key only
//! re-seals the DEKs.

use std::{collections::BTreeMap, path::Path};

use aes_gcm::{
    aead::{Aead, KeyInit, OsRng, Payload},
    AeadCore, Aes256Gcm, Key, Nonce,
};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const ALG: &str = "A256GCM";
const AAD_PREFIX: &str = "voxdesk/connection/v1";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VaultError {
    #[error("the stored secret cannot be decrypted: it was altered, moved to another row, or sealed under another master key")]
    Unreadable,
    #[error("the secret was sealed under master key {0}, which this installation does not have")]
    UnknownKey(String),
    #[error("unsupported algorithm {0}")]
    UnsupportedAlgorithm(String),
    #[error("master key: {0}")]
    Keyring(String),
}

/// A sealed secret, as stored in a row (its columns have these names; a row type can
/// take them with `#[sqlx(flatten)]`).
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Sealed {
    pub alg: String,
    pub kek_id: String,
    pub wrapped_dek: Vec<u8>,
    pub dek_nonce: Vec<u8>,
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealed {{ alg: {}, kek_id: {}, .. }}", self.alg, self.kek_id)
    }
}

/// The master keys: one active (seals new secrets), older ones kept to open what
/// they sealed until rotation re-seals it.
#[derive(Clone)]
pub struct Keyring {
    active: String,
    keys: BTreeMap<String, [u8; 32]>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keyring {{ active: {}, keys: {:?} }}", self.active, self.keys.keys().collect::<Vec<_>>())
    }
}

#[derive(Serialize, Deserialize)]
struct KeyringFile {
    active: String,
    keys: BTreeMap<String, String>,
}

fn key_id(key: &[u8; 32]) -> String {
    // Names the key without revealing it.
    format!("k-{}", hex::encode(&Sha256::digest(key)[..6]))
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

impl Keyring {
    /// A keyring with one fresh random key.
    pub fn generate() -> Self {
        let key: [u8; 32] = Aes256Gcm::generate_key(OsRng).into();
        Keyring { active: key_id(&key), keys: BTreeMap::from([(key_id(&key), key)]) }
    }

    /// From `VOXDESK_MASTER_KEY`: 32 bytes, base64.
    pub fn from_base64(text: &str) -> Result<Self, VaultError> {
        let bytes = b64().decode(text.trim()).map_err(|_| VaultError::Keyring("VOXDESK_MASTER_KEY is not base64".into()))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| VaultError::Keyring("VOXDESK_MASTER_KEY must be 32 bytes (base64 of 32 random bytes)".into()))?;
        Ok(Keyring { active: key_id(&key), keys: BTreeMap::from([(key_id(&key), key)]) })
    }

    pub fn load(path: &Path) -> Result<Self, VaultError> {
        // A master key others can read is a leaked master key: refuse it, say how to fix it.
        crate::private_file::refuse_if_others_can_read(path).map_err(VaultError::Keyring)?;
        let text = std::fs::read_to_string(path)
            .map_err(|e| VaultError::Keyring(format!("cannot read {}: {e}", path.display())))?;
        let file: KeyringFile = serde_json::from_str(&text)
            .map_err(|_| VaultError::Keyring(format!("{} is not a Voxdesk key file", path.display())))?;
        let mut keys = BTreeMap::new();
        for (id, encoded) in file.keys {
            let key: [u8; 32] = b64()
                .decode(encoded)
                .ok()
                .and_then(|bytes| bytes.try_into().ok())
                .ok_or_else(|| VaultError::Keyring(format!("key {id} in {} is not 32 bytes", path.display())))?;
            if key_id(&key) != id {
                return Err(VaultError::Keyring(format!("key {id} in {} does not match its id", path.display())));
            }
            keys.insert(id, key);
        }
        if !keys.contains_key(&file.active) {
            return Err(VaultError::Keyring(format!("the active key {} is missing from {}", file.active, path.display())));
        }
        Ok(Keyring { active: file.active, keys })
    }

    /// Writes the keyring (mode 0600), replacing the file atomically.
    pub fn save(&self, path: &Path) -> Result<(), VaultError> {
        let file = KeyringFile {
            active: self.active.clone(),
            keys: self.keys.iter().map(|(id, key)| (id.clone(), b64().encode(key))).collect(),
        };
        let json = serde_json::to_vec_pretty(&file).map_err(|e| VaultError::Keyring(e.to_string()))?;
        crate::private_file::replace_atomically(path, &json).map_err(|e| VaultError::Keyring(format!("cannot write {}: {e}", path.display())))
    }

    pub fn active_id(&self) -> &str {
        &self.active
    }

    pub fn key_ids(&self) -> Vec<String> {
        self.keys.keys().cloned().collect()
    }

    /// Adds a fresh key and makes it the active one; returns its id.
    pub fn add_active_key(&mut self) -> String {
        let key: [u8; 32] = Aes256Gcm::generate_key(OsRng).into();
        let id = key_id(&key);
        self.keys.insert(id.clone(), key);
        self.active = id.clone();
        id
    }

    /// Drops every key but the active one (after rotation has re-sealed everything).
    pub fn retire_inactive(&mut self) {
        let active = self.active.clone();
        self.keys.retain(|id, _| *id == active);
    }

    fn cipher(&self, kek_id: &str) -> Result<Aes256Gcm, VaultError> {
        let key = self.keys.get(kek_id).ok_or_else(|| VaultError::UnknownKey(kek_id.to_string()))?;
        Ok(Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)))
    }

    /// Seals `plaintext` for the row `row_id`.
    pub fn seal(&self, row_id: &str, plaintext: &[u8]) -> Sealed {
        let dek = Aes256Gcm::generate_key(OsRng);
        let nonce = Aes256Gcm::generate_nonce(OsRng);
        let content_aad = content_aad(row_id);
        let ciphertext = Aes256Gcm::new(&dek)
            .encrypt(&nonce, Payload { msg: plaintext, aad: content_aad.as_bytes() })
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let (wrapped_dek, dek_nonce) = self.wrap(row_id, &self.active, dek.as_slice());
        Sealed {
            alg: ALG.into(),
            kek_id: self.active.clone(),
            wrapped_dek,
            dek_nonce,
            nonce: nonce.to_vec(),
            ciphertext,
        }
    }

    fn wrap(&self, row_id: &str, kek_id: &str, dek: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let nonce = Aes256Gcm::generate_nonce(OsRng);
        let aad = wrap_aad(row_id, kek_id);
        let wrapped = self
            .cipher(kek_id)
            .expect("the active key exists")
            .encrypt(&nonce, Payload { msg: dek, aad: aad.as_bytes() })
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        (wrapped, nonce.to_vec())
    }

    fn unwrap_dek(&self, row_id: &str, sealed: &Sealed) -> Result<Vec<u8>, VaultError> {
        if sealed.alg != ALG {
            return Err(VaultError::UnsupportedAlgorithm(sealed.alg.clone()));
        }
        if sealed.dek_nonce.len() != 12 || sealed.nonce.len() != 12 {
            return Err(VaultError::Unreadable);
        }
        let aad = wrap_aad(row_id, &sealed.kek_id);
        self.cipher(&sealed.kek_id)?
            .decrypt(Nonce::from_slice(&sealed.dek_nonce), Payload { msg: &sealed.wrapped_dek, aad: aad.as_bytes() })
            .map_err(|_| VaultError::Unreadable)
    }

    /// Opens a sealed secret of the row `row_id`.
    pub fn open(&self, row_id: &str, sealed: &Sealed) -> Result<Vec<u8>, VaultError> {
        let dek = self.unwrap_dek(row_id, sealed)?;
        if dek.len() != 32 {
            return Err(VaultError::Unreadable);
        }
        let aad = content_aad(row_id);
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&dek))
            .decrypt(Nonce::from_slice(&sealed.nonce), Payload { msg: &sealed.ciphertext, aad: aad.as_bytes() })
            .map_err(|_| VaultError::Unreadable)
    }

    /// Re-seals the data key under the active master key (rotation). The secret's
    /// own ciphertext is untouched.
    pub fn rewrap(&self, row_id: &str, sealed: &Sealed) -> Result<Sealed, VaultError> {
        let dek = self.unwrap_dek(row_id, sealed)?;
        let (wrapped_dek, dek_nonce) = self.wrap(row_id, &self.active, &dek);
        Ok(Sealed { kek_id: self.active.clone(), wrapped_dek, dek_nonce, ..sealed.clone() })
    }
}

/// A query over a table's sealed columns.
type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

impl Sealed {
    /// Binds the sealed columns to a query's next six placeholders, in the order
    /// `alg, kek_id, wrapped_dek, dek_nonce, nonce, ciphertext`.
    pub fn bind_to<'q>(&'q self, query: PgQuery<'q>) -> PgQuery<'q> {
        query.bind(&self.alg).bind(&self.kek_id).bind(&self.wrapped_dek).bind(&self.dek_nonce).bind(&self.nonce).bind(&self.ciphertext)
    }
}

/// Writes a re-wrapped data key ([`Keyring::rewrap`]) back to its row: `update` sets
/// `kek_id`, `wrapped_dek` and `dek_nonce` to `$2`–`$4` in the row whose id is `$1`.
pub async fn store_rewrapped(
    tx: &mut sqlx::PgConnection,
    update: &str,
    id: uuid::Uuid,
    rewrapped: &Sealed,
) -> Result<(), sqlx::Error> {
    sqlx::query(update)
        .bind(id)
        .bind(&rewrapped.kek_id)
        .bind(&rewrapped.wrapped_dek)
        .bind(&rewrapped.dek_nonce)
        .execute(tx)
        .await?;
    Ok(())
}

fn content_aad(row_id: &str) -> String {
    format!("{AAD_PREFIX}|{row_id}|{ALG}")
}

fn wrap_aad(row_id: &str, kek_id: &str) -> String {
    format!("{AAD_PREFIX}|{row_id}|{ALG}|{kek_id}")
}

/// A short, stable name for a secret that reveals nothing about it.
pub fn fingerprint(secret: &[u8]) -> String {
    format!("sha256:{}", hex::encode(&Sha256::digest(secret)[..8]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROW: &str = "7f1c9a2e-0000-4000-8000-000000000001";

    #[test]
    fn seals_and_opens() {
        let keyring = Keyring::generate();
        let sealed = keyring.seal(ROW, b"MARKER-api-key");
        assert_eq!(keyring.open(ROW, &sealed).unwrap(), b"MARKER-api-key");
        assert!(!sealed.ciphertext.windows(6).any(|w| w == b"MARKER"));
        assert!(!format!("{sealed:?} {keyring:?}").contains("MARKER"));
    }

    #[test]
    fn any_flipped_byte_fails() {
        let keyring = Keyring::generate();
        let sealed = keyring.seal(ROW, b"secret");
        let fields: [fn(&mut Sealed) -> &mut Vec<u8>; 4] =
            [|s| &mut s.ciphertext, |s| &mut s.nonce, |s| &mut s.wrapped_dek, |s| &mut s.dek_nonce];
        for field in fields {
            for index in [0, 5, 11] {
                let mut tampered = sealed.clone();
                let bytes = field(&mut tampered);
                let index = index % bytes.len();
                bytes[index] ^= 0x01;
                assert_eq!(keyring.open(ROW, &tampered), Err(VaultError::Unreadable));
            }
        }
    }

    #[test]
    fn a_ciphertext_moved_to_another_row_fails() {
        let keyring = Keyring::generate();
        let sealed = keyring.seal(ROW, b"secret");
        assert_eq!(keyring.open("another-row", &sealed), Err(VaultError::Unreadable));
    }

    #[test]
    fn another_installations_key_cannot_open_it() {
        let sealed = Keyring::generate().seal(ROW, b"secret");
        assert!(matches!(Keyring::generate().open(ROW, &sealed), Err(VaultError::UnknownKey(_))));
    }

    #[test]
    fn rotation_rewraps_and_old_keys_can_go() {
        let mut keyring = Keyring::generate();
        let old = keyring.active_id().to_string();
        let sealed = keyring.seal(ROW, b"secret");
        let new = keyring.add_active_key();
        assert_ne!(old, new);
        let rewrapped = keyring.rewrap(ROW, &sealed).unwrap();
        assert_eq!(rewrapped.kek_id, new);
        assert_eq!(rewrapped.ciphertext, sealed.ciphertext, "only the data key is re-sealed");
        keyring.retire_inactive();
        assert_eq!(keyring.open(ROW, &rewrapped).unwrap(), b"secret");
        assert!(matches!(keyring.open(ROW, &sealed), Err(VaultError::UnknownKey(_))));
    }

    #[test]
    fn keyring_files_round_trip_privately() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.json");
        let mut keyring = Keyring::generate();
        keyring.add_active_key();
        keyring.save(&path).unwrap();
        let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&path).unwrap().permissions());
        assert_eq!(mode & 0o777, 0o600);
        let loaded = Keyring::load(&path).unwrap();
        assert_eq!(loaded.key_ids(), keyring.key_ids());
        assert_eq!(loaded.active_id(), keyring.active_id());
        let sealed = keyring.seal(ROW, b"x");
        assert_eq!(loaded.open(ROW, &sealed).unwrap(), b"x");
        // Made readable by others, the file is refused with the fix in the message.
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
        let refused = Keyring::load(&path).unwrap_err().to_string();
        assert!(refused.contains("chmod 600"), "{refused}");
    }

    #[test]
    fn environment_keys_are_checked() {
        let encoded = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert!(Keyring::from_base64(&encoded).is_ok());
        assert!(Keyring::from_base64("c2hvcnQ=").is_err());
        assert!(Keyring::from_base64("not base64!").is_err());
    }
}
