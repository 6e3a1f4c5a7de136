//! Authentication like the real API: `account_id` / `account_name` / `account_email`
//! with `api_key` or `account_password`, or a Bearer JWT (RS256) signed by a service
//! account key whose public half the sandbox holds.
//!
//! A parent may act as one of its children: with its key in a JWT whose `iss` is the
//! child's id (what the official clients' account-id override does), or with its
//! api_key next to the child's `account_id`.

use aws_lc_rs::{
    encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der},
    rsa::{KeyPair, KeySize},
    signature::KeyPair as _,
};
use base64::Engine;
use serde::{Deserialize, Serialize};
use voximplant::ErrorCode;

use crate::{api_error::ApiError, request::Params, state::State};

/// Longest token lifetime the API accepts.
pub const MAX_TOKEN_TTL_SECS: i64 = 3600;
/// Clock skew tolerated for `iat`.
const ALLOWED_SKEW_SECS: i64 = 60;

/// A service-account key pair. The private half is kept only so the sandbox can
/// hand out the credentials JSON.
#[derive(Clone, Serialize, Deserialize)]
pub struct ServiceKey {
    pub key_id: String,
    pub account_id: u64,
    pub public_pem: String,
    pub private_pem: String,
}

impl std::fmt::Debug for ServiceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServiceKey {{ key_id: {:?}, account_id: {} }}", self.key_id, self.account_id)
    }
}

impl ServiceKey {
    pub fn generate(account_id: u64) -> Result<Self, String> {
        let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|_| "RSA key generation failed".to_string())?;
        let private: Pkcs8V1Der = pair.as_der().map_err(|_| "cannot encode the private key".to_string())?;
        let public: PublicKeyX509Der =
            pair.public_key().as_der().map_err(|_| "cannot encode the public key".to_string())?;
        Ok(ServiceKey {
            key_id: uuid::Uuid::new_v4().to_string(),
            account_id,
            public_pem: pem("PUBLIC KEY", public.as_ref()),
            private_pem: pem("PRIVATE KEY", private.as_ref()),
        })
    }

    /// The credentials JSON, shaped like the one Voximplant's control panel gives out.
    pub fn credentials_json(&self, account_email: &str) -> String {
        serde_json::to_string_pretty(&serde_json::json!({
            "account_email": account_email,
            "account_id": self.account_id,
            "key_id": self.key_id,
            "private_key": self.private_pem,
        }))
        .expect("a JSON object serializes")
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).expect("base64 is ASCII")).collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

/// Who is calling, and how they proved it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    /// The account the call acts on.
    pub account_id: u64,
    /// Proved with an api_key or password (GetAccountInfo then shows the api_key).
    pub by_secret: bool,
}

#[derive(Deserialize)]
struct Claims {
    iss: serde_json::Value,
    #[serde(default)]
    iat: Option<i64>,
    #[serde(default)]
    exp: Option<i64>,
}

pub fn authenticate(
    state: &State,
    keys: &[ServiceKey],
    params: &Params,
    bearer: Option<&str>,
    now: i64,
) -> Result<Caller, ApiError> {
    if let Some(token) = bearer {
        return authenticate_token(state, keys, token, now);
    }
    authenticate_secret(state, params, "account")
}

fn authenticate_token(state: &State, keys: &[ServiceKey], token: &str, now: i64) -> Result<Caller, ApiError> {
    let format_error = || ApiError::new(ErrorCode::InvalidTokenFormat, "Invalid token format.");
    let header = jsonwebtoken::decode_header(token).map_err(|_| format_error())?;
    if header.alg != jsonwebtoken::Algorithm::RS256 {
        return Err(format_error());
    }
    let kid = header.kid.ok_or_else(format_error)?;
    let key = keys
        .iter()
        .find(|k| k.key_id == kid)
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidKeyId, "Invalid key id."))?;
    let decoding = jsonwebtoken::DecodingKey::from_rsa_pem(key.public_pem.as_bytes()).map_err(|_| ApiError::internal())?;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    // Lifetimes are checked below, to answer with the API's own codes.
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Claims>(token, &decoding, &validation)
        .map_err(|_| ApiError::auth_failed())?
        .claims;
    let (Some(iat), Some(exp)) = (claims.iat, claims.exp) else { return Err(format_error()) };
    if exp - iat > MAX_TOKEN_TTL_SECS {
        return Err(ApiError::new(ErrorCode::InvalidTokenTtl, "The token lifetime exceeds one hour."));
    }
    if iat > now + ALLOWED_SKEW_SECS {
        return Err(ApiError::new(ErrorCode::TokenIssuedInFuture, "The token is issued in the future."));
    }
    if exp <= now {
        return Err(ApiError::new(ErrorCode::TokenExpired, "The token has expired."));
    }
    // Java and .NET send `iss` as a string.
    let issuer = match &claims.iss {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(format_error)?;
    let acts_for_own = issuer == key.account_id;
    let acts_for_child = state.accounts.get(&issuer).is_some_and(|a| a.parent_id == Some(key.account_id));
    if !(acts_for_own || acts_for_child) {
        return Err(ApiError::auth_failed());
    }
    Ok(Caller { account_id: issuer, by_secret: false })
}

/// `<prefix>_id | <prefix>_name | <prefix>_email` with `api_key | <prefix>_password`
/// (`parent_account_api_key` for the `parent_account` prefix).
pub fn authenticate_secret(state: &State, params: &Params, prefix: &str) -> Result<Caller, ApiError> {
    let id_param = format!("{prefix}_id");
    let name_param = format!("{prefix}_name");
    let email_param = format!("{prefix}_email");
    let account = if let Some(id) = params.get(&id_param) {
        let id: u64 = id.parse().map_err(|_| ApiError::auth_failed())?;
        state.accounts.get(&id)
    } else if let Some(name) = params.get(&name_param) {
        state.find_by_name(name)
    } else if let Some(email) = params.get(&email_param) {
        state.find_by_email(email)
    } else {
        return Err(ApiError::auth_failed());
    };
    let account = account.ok_or_else(ApiError::auth_failed)?;
    let key_param = if prefix == "account" { "api_key".to_string() } else { format!("{prefix}_api_key") };
    let password_param = format!("{prefix}_password");
    let own_key = params.get(&key_param).is_some_and(|key| constant_time_eq(key, &account.api_key));
    // The parent's api_key next to a child's id: the parent acting as its child.
    let parent_key = params.get(&key_param).is_some_and(|key| {
        account
            .parent_id
            .and_then(|parent| state.accounts.get(&parent))
            .is_some_and(|parent| constant_time_eq(key, &parent.api_key))
    });
    let password = params
        .get(&password_param)
        .is_some_and(|password| !account.password.is_empty() && constant_time_eq(password, &account.password));
    if own_key || parent_key || password {
        Ok(Caller { account_id: account.id, by_secret: true })
    } else {
        Err(ApiError::auth_failed())
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
