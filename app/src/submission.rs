//! Forms that create an account act once. Each rendered create or clone form
//! carries a random key; the server claims it in PostgreSQL before it calls
//! Voximplant, so a double click, a resend after a network error or two instances
//! racing make one account, and every later submission of that form gets the first
//! one's answer.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A rendered form's key: 32 lowercase hex digits, random, made in the browser.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FormKey(String);

impl FormKey {
    /// A fresh key for a newly rendered (or reset) form.
    pub fn random() -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut bytes = [0u8; 16];
        fill_random(&mut bytes);
        FormKey(bytes.iter().flat_map(|b| [HEX[usize::from(b >> 4)] as char, HEX[usize::from(b & 15)] as char]).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key as the server accepts it; anything else is a form from before keys
    /// existed, or not from Voxdesk at all.
    pub fn checked(&self) -> Result<&str, AppError> {
        let valid = self.0.len() == 32 && self.0.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if valid {
            Ok(&self.0)
        } else {
            Err(AppError::Conflict("This form is out of date: reload the page and submit it again.".into()))
        }
    }
}

/// From the thread's CSPRNG (ChaCha, seeded by the OS): every page with a form
/// renders a key, and asking the kernel each time was 2% of such a page's CPU.
#[cfg(feature = "ssr")]
fn fill_random(bytes: &mut [u8; 16]) {
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), bytes);
}

#[cfg(not(feature = "ssr"))]
fn fill_random(bytes: &mut [u8; 16]) {
    let filled = web_sys::window()
        .and_then(|window| window.crypto().ok())
        .is_some_and(|crypto| crypto.get_random_values_with_u8_array(bytes).is_ok());
    if !filled {
        // No Web Crypto (very old browser): the key only has to be unique per user.
        for byte in bytes.iter_mut() {
            *byte = (js_sys_random() * 256.0) as u8;
        }
    }
}

#[cfg(not(feature = "ssr"))]
fn js_sys_random() -> f64 {
    #[wasm_bindgen::prelude::wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = Math)]
        fn random() -> f64;
    }
    random()
}

#[cfg(feature = "ssr")]
pub mod ssr {
    //! The claim: `form_submissions`, one row per (user, form key).

    use std::{future::Future, sync::LazyLock, time::Duration};

    use base64::{engine::general_purpose::STANDARD, Engine};
    use serde::{de::DeserializeOwned, Serialize};
    use serde_json::{json, Value};
    use sha2::{Digest, Sha256};
    use sqlx::PgPool;
    use uuid::Uuid;

    use super::FormKey;
    use crate::{
        error::AppError,
        vault::{Keyring, Sealed},
    };

    /// How long a resend waits for the first submission still at work.
    const WAIT_FOR_FIRST: Duration = Duration::from_secs(25);
    /// A claim pending longer than this belongs to an instance that died.
    // (Voximplant calls time out after 15 s; the audit writes around it take far less.)
    const ABANDONED_AFTER_SECONDS: i32 = 60;

    /// What a form submission answered.
    pub struct Answered<T> {
        pub value: T,
        /// The new account's API key, when it is known.
        pub secret: Option<String>,
        /// This is an earlier submission's answer, given again.
        pub again: bool,
    }

    /// One form's submission: who, which form, what it asks (hashed; the password
    /// is never part of it).
    pub struct Submission<'a> {
        pub pool: &'a PgPool,
        pub keyring: &'a Keyring,
        pub user: Uuid,
        pub key: &'a FormKey,
        pub action: &'static str,
        pub request: &'a Value,
    }

    #[derive(sqlx::FromRow)]
    struct Row {
        state: String,
        request_hash: Vec<u8>,
        answer: Option<Value>,
        sealed_secret: Option<Value>,
        abandoned: bool,
    }

    impl Submission<'_> {
        fn hash(&self) -> Vec<u8> {
            Sha256::digest(format!("{}\n{}", self.action, self.request).as_bytes()).to_vec()
        }

        fn row_id(&self, key: &str) -> String {
            format!("form_submissions/{}/{key}", self.user)
        }

        /// Runs `act` once for this form. A later submission of the same form waits
        /// for the first, then gets its answer. When the first got no clear answer
        /// from Voximplant (or its instance died), `look_up` says whether the account
        /// exists after all; only when it does not is `act` run again.
        pub async fn once<T, Act, ActFut, Look, LookFut>(&self, act: Act, look_up: Look) -> Result<Answered<T>, AppError>
        where
            T: Serialize + DeserializeOwned,
            Act: FnOnce() -> ActFut,
            ActFut: Future<Output = Result<(T, Option<String>), AppError>>,
            Look: Fn() -> LookFut,
            LookFut: Future<Output = Result<Option<T>, AppError>>,
        {
            let key = self.key.checked()?;
            let hash = self.hash();
            // Not waiting for the disk: the act's audit intent is committed (and flushed)
            // before Voximplant is asked to change anything, and the WAL is flushed in
            // order, so the claim is on disk whenever a change could have been sent; a
            // claim a crash takes back had none behind it. Expired claims go in the same
            // statement (an expired one with this key still conflicts: the loop below
            // then finds it gone and claims again).
            static CLAIM: LazyLock<String> = LazyLock::new(|| {
                format!(
                    "WITH expired AS (DELETE FROM form_submissions WHERE expires_at < now())
                     INSERT INTO form_submissions (user_id, form_key, action, request_hash, state)
                     SELECT $1, $2, $3, $4, 'pending' FROM {} ON CONFLICT DO NOTHING",
                    crate::backend::UNFLUSHED
                )
            });
            let claimed = sqlx::query(CLAIM.as_str())
                .bind(self.user)
                .bind(key)
                .bind(self.action)
                .bind(&hash)
                .execute(self.pool)
                .await?
                .rows_affected()
                == 1;
            if claimed {
                return self.act(key, act).await;
            }

            let waited = tokio::time::Instant::now();
            loop {
                let row: Option<Row> = sqlx::query_as(
                    "SELECT state, request_hash, answer, sealed_secret,
                            claimed_at < now() - make_interval(secs => $3) AS abandoned
                     FROM form_submissions WHERE user_id = $1 AND form_key = $2",
                )
                .bind(self.user)
                .bind(key)
                .bind(ABANDONED_AFTER_SECONDS)
                .fetch_optional(self.pool)
                .await?;
                let Some(row) = row else {
                    // The first submission failed and let the key go: this one may try.
                    return Box::pin(self.once(act, look_up)).await;
                };
                if row.request_hash != hash {
                    return Err(AppError::Conflict(
                        "This form was already sent with other values. Reload the page to start a new one.".into(),
                    ));
                }
                match row.state.as_str() {
                    "done" => {
                        let value = serde_json::from_value(row.answer.unwrap_or(Value::Null))
                            .map_err(|error| AppError::internal(format!("stored answer unreadable: {error}")))?;
                        let secret = row.sealed_secret.and_then(|sealed| self.open(key, &sealed));
                        return Ok(Answered { value, secret, again: true });
                    }
                    "pending" if !row.abandoned => {
                        if waited.elapsed() > WAIT_FOR_FIRST {
                            return Err(AppError::Conflict(
                                "An earlier submission of this form is still at work. Wait a moment, then reload the list to see the account.".into(),
                            ));
                        }
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                    state => {
                        // Unclear, or abandoned by an instance that died.
                        if let Some(value) = look_up().await? {
                            self.finish(key, &value, None).await;
                            return Ok(Answered { value, secret: None, again: true });
                        }
                        let taken = sqlx::query(
                            "UPDATE form_submissions SET state = 'pending', claimed_at = now()
                             WHERE user_id = $1 AND form_key = $2 AND state = $3",
                        )
                        .bind(self.user)
                        .bind(key)
                        .bind(state)
                        .execute(self.pool)
                        .await?
                        .rows_affected()
                            == 1;
                        if taken {
                            return self.act(key, act).await;
                        }
                    }
                }
            }
        }

        /// The claim is this submission's: act, then record how it went.
        async fn act<T, Act, ActFut>(&self, key: &str, act: Act) -> Result<Answered<T>, AppError>
        where
            T: Serialize,
            Act: FnOnce() -> ActFut,
            ActFut: Future<Output = Result<(T, Option<String>), AppError>>,
        {
            match act().await {
                Ok((value, secret)) => {
                    self.finish(key, &value, secret.as_deref()).await;
                    Ok(Answered { value, secret, again: false })
                }
                Err(error) => {
                    // Unclear: the account may exist, the next resend looks first.
                    // Otherwise nothing was made and the form may be fixed and sent again.
                    let release = if error.is_unclear_voximplant_answer() {
                        "UPDATE form_submissions SET state = 'unclear' WHERE user_id = $1 AND form_key = $2"
                    } else {
                        "DELETE FROM form_submissions WHERE user_id = $1 AND form_key = $2"
                    };
                    if let Err(db) = sqlx::query(release).bind(self.user).bind(key).execute(self.pool).await {
                        tracing::error!(%db, "form claim not released; it is retried after it is abandoned");
                    }
                    Err(error)
                }
            }
        }

        /// Keeps the answer (and the sealed secret) for resends. If this fails, or a
        /// crash takes it back (it does not wait for the disk), the account still
        /// exists; a resend finds the claim abandoned and looks it up.
        async fn finish<T: Serialize>(&self, key: &str, value: &T, secret: Option<&str>) {
            let answer = serde_json::to_value(value).unwrap_or(Value::Null);
            let sealed = secret.map(|secret| sealed_json(&self.keyring.seal(&self.row_id(key), secret.as_bytes())));
            static FINISH: LazyLock<String> = LazyLock::new(|| {
                format!(
                    "UPDATE form_submissions SET state = 'done', answer = $3, sealed_secret = $4
                     FROM {} WHERE user_id = $1 AND form_key = $2",
                    crate::backend::UNFLUSHED
                )
            });
            let kept = sqlx::query(FINISH.as_str())
                .bind(self.user)
                .bind(key)
                .bind(answer)
                .bind(sealed)
                .execute(self.pool)
                .await;
            if let Err(error) = kept {
                tracing::error!(%error, "a form's answer was not kept for resends");
            }
        }

        fn open(&self, key: &str, sealed: &Value) -> Option<String> {
            let sealed = sealed_from_json(sealed)?;
            match self.keyring.open(&self.row_id(key), &sealed) {
                Ok(bytes) => String::from_utf8(bytes).ok(),
                Err(error) => {
                    tracing::warn!(%error, "a kept API key could not be opened (master key retired?)");
                    None
                }
            }
        }
    }

    fn sealed_json(sealed: &Sealed) -> Value {
        json!({
            "alg": sealed.alg,
            "kek_id": sealed.kek_id,
            "wrapped_dek": STANDARD.encode(&sealed.wrapped_dek),
            "dek_nonce": STANDARD.encode(&sealed.dek_nonce),
            "nonce": STANDARD.encode(&sealed.nonce),
            "ciphertext": STANDARD.encode(&sealed.ciphertext),
        })
    }

    fn sealed_from_json(value: &Value) -> Option<Sealed> {
        let bytes = |field: &str| STANDARD.decode(value[field].as_str()?).ok();
        Some(Sealed {
            alg: value["alg"].as_str()?.to_string(),
            kek_id: value["kek_id"].as_str()?.to_string(),
            wrapped_dek: bytes("wrapped_dek")?,
            dek_nonce: bytes("dek_nonce")?,
            nonce: bytes("nonce")?,
            ciphertext: bytes("ciphertext")?,
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_sealed_key_survives_its_json_form() {
            let keyring = Keyring::generate();
            let sealed = keyring.seal("form_submissions/u/k", b"api-key");
            let back = sealed_from_json(&sealed_json(&sealed)).unwrap();
            assert_eq!(keyring.open("form_submissions/u/k", &back).unwrap(), b"api-key");
            assert!(keyring.open("form_submissions/u/other", &back).is_err(), "bound to its form");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_hex_and_checked() {
        let (a, b) = (FormKey::random(), FormKey::random());
        assert_ne!(a, b);
        assert!(a.checked().is_ok(), "{a:?}");
        assert!(FormKey::default().checked().is_err());
        assert!(FormKey("G".repeat(32)).checked().is_err());
        assert!(FormKey("a".repeat(33)).checked().is_err());
    }
}
