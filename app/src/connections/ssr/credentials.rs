//! Credentials as an admin enters them, checked against Voximplant before they are
//! kept, and the client built from them. Never serialized except sealed.

use std::time::Duration;

use voximplant::{
    client::{Client, ClientConfig, Credentials, Error as ApiError, ServiceAccountKey},
    methods::GetAccountInfo,
    ErrorCode, Secret,
};

use super::super::AccountCheck;
use crate::error::AppError;

/// How long a call to Voximplant may take before the portal gives up on it.
pub const VOXIMPLANT_TIMEOUT: Duration = Duration::from_secs(15);

/// Credentials as an admin entered them. Never serialized except sealed.
pub enum SecretInput {
    ApiKey { account_id: u64, api_key: Secret },
    ServiceAccount { json: Secret, key: ServiceAccountKey },
}

impl SecretInput {
    pub fn parse(
        kind: &str,
        account_id: Option<String>,
        api_key: Option<String>,
        credentials_json: Option<String>,
    ) -> Result<Self, AppError> {
        match kind {
            "api_key" => {
                let account_id = account_id
                    .as_deref()
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| AppError::invalid("account_id", "Enter the account ID."))?
                    .parse::<u64>()
                    .map_err(|_| AppError::invalid("account_id", "The account ID is a number."))?;
                let api_key = api_key
                    .map(|k| k.trim().to_string())
                    .filter(|k| !k.is_empty())
                    .ok_or_else(|| AppError::invalid("api_key", "Enter the API key."))?;
                Ok(SecretInput::ApiKey { account_id, api_key: Secret::new(api_key) })
            }
            "service_account" => {
                let json = credentials_json
                    .filter(|j| !j.trim().is_empty())
                    .ok_or_else(|| AppError::invalid("credentials_json", "Paste the service account's credentials JSON."))?;
                let key = ServiceAccountKey::from_json(&json)
                    .map_err(|error| AppError::invalid("credentials_json", format!("This is not usable: {error}.")))?;
                Ok(SecretInput::ServiceAccount { json: Secret::new(json), key })
            }
            _ => Err(AppError::invalid("kind", "Choose API key or service account.")),
        }
    }

    pub(super) fn kind(&self) -> &'static str {
        match self {
            SecretInput::ApiKey { .. } => "api_key",
            SecretInput::ServiceAccount { .. } => "service_account",
        }
    }

    pub(super) fn secret_field(&self) -> &'static str {
        match self {
            SecretInput::ApiKey { .. } => "api_key",
            SecretInput::ServiceAccount { .. } => "credentials_json",
        }
    }

    fn credentials(&self) -> Credentials {
        match self {
            SecretInput::ApiKey { account_id, api_key } => {
                Credentials::ApiKey { account_id: *account_id, api_key: api_key.clone() }
            }
            SecretInput::ServiceAccount { key, .. } => Credentials::ServiceAccount(key.clone()),
        }
    }

    /// What is sealed: the secret itself, nothing else.
    pub fn sealed_bytes(&self) -> Vec<u8> {
        match self {
            SecretInput::ApiKey { api_key, .. } => api_key.expose().as_bytes().to_vec(),
            SecretInput::ServiceAccount { json, .. } => json.expose().as_bytes().to_vec(),
        }
    }

    pub(super) fn from_sealed(kind: &str, account_id: u64, bytes: Vec<u8>) -> Result<Self, AppError> {
        let text = String::from_utf8(bytes).map_err(|_| AppError::internal("a sealed secret is not UTF-8"))?;
        match kind {
            "api_key" => Ok(SecretInput::ApiKey { account_id, api_key: Secret::new(text) }),
            _ => {
                let key = ServiceAccountKey::from_json(&text).map_err(|e| AppError::internal(format!("stored credentials: {e}")))?;
                Ok(SecretInput::ServiceAccount { json: Secret::new(text), key })
            }
        }
    }
}

/// Only https, or plain http to this machine (the sandbox).
pub fn check_base_url(url: &str) -> Result<String, AppError> {
    let url = url.trim();
    let url = if url.is_empty() { voximplant::client::DEFAULT_BASE_URL } else { url };
    let refused = || AppError::invalid("base_url", "Use an https:// address (plain http only to this machine), without a user name or password in it.");
    // Parsed, not prefix-matched: `http://127.0.0.1:1@evil.example/` is evil.example.
    let parsed = url::Url::parse(url).map_err(|_| refused())?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    let scheme_ok = parsed.scheme() == "https" || (parsed.scheme() == "http" && loopback);
    let plain = parsed.username().is_empty() && parsed.password().is_none() && parsed.query().is_none() && parsed.fragment().is_none();
    if !scheme_ok || !plain || parsed.host().is_none() || url.contains(char::is_whitespace) {
        return Err(refused());
    }
    Ok(url.to_string())
}

pub(super) fn client(base_url: &str, secret: &SecretInput, http: Option<&voximplant::client::Http>) -> Result<Client, AppError> {
    let config = ClientConfig { base_url: base_url.to_string(), timeout: VOXIMPLANT_TIMEOUT, ..ClientConfig::default() };
    match http {
        Some(http) => Client::with_http(http.clone(), secret.credentials(), config),
        None => Client::new(secret.credentials(), config),
    }
    .map_err(|e| AppError::invalid("base_url", e.to_string()))
}

pub async fn check(base_url: &str, secret: &SecretInput) -> Result<AccountCheck, AppError> {
    let base_url = check_base_url(base_url)?;
    let info = client(&base_url, secret, None)?.get_account_info(GetAccountInfo::default()).await.map_err(|error| match error {
        ApiError::Api { code: ErrorCode::AuthorizationFailed, .. }
        | ApiError::Api { code: ErrorCode::InvalidKeyId, .. }
        | ApiError::Api { code: ErrorCode::InvalidTokenFormat, .. } => {
            AppError::invalid(secret.secret_field(), "Voximplant did not accept these credentials.")
        }
        other => other.into(),
    })?;
    let account = info.result;
    Ok(AccountCheck {
        account_id: account.account_id,
        account_name: account.account_name.unwrap_or_default(),
        balance: account.balance.map(|b| b.round_dp(2).to_string()).unwrap_or_default(),
        currency: account.currency.unwrap_or_default(),
    })
}

