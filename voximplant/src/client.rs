//! The HTTP client: one async method per Accounts method, typed in and out.
//!
//! Authentication either way the API offers: `account_id` + `api_key` form
//! parameters, or a service-account key that signs a short-lived RS256 JWT sent as
//! `Authorization: Bearer`. Every request has a timeout; only read methods (`Get*`)
//! are retried, with backoff, because a retried change could happen twice.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;

use crate::{
    error_code::{ApiErrorBody, ErrorCode},
    methods::*,
    params::Params,
    secret::Secret,
    types::AccountListing,
    validation::Invalid,
};

pub const DEFAULT_BASE_URL: &str = "https://api.voximplant.com/platform_api/";
/// Lifetime of each signed token; the API allows at most an hour.
const TOKEN_LIFETIME_SECS: u64 = 60;
/// Answers larger than this are refused rather than buffered.
const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// Who the client acts as.
#[derive(Clone)]
pub enum Credentials {
    /// `account_id` + `api_key` parameters (the API's "API keys").
    ApiKey { account_id: u64, api_key: Secret },
    /// A service-account key: signs a JWT per request.
    ServiceAccount(ServiceAccountKey),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::ApiKey { account_id, .. } => write!(f, "ApiKey {{ account_id: {account_id}, api_key: *** }}"),
            Credentials::ServiceAccount(key) => write!(f, "ServiceAccount({key:?})"),
        }
    }
}

impl Credentials {
    pub fn account_id(&self) -> u64 {
        match self {
            Credentials::ApiKey { account_id, .. } => *account_id,
            Credentials::ServiceAccount(key) => key.account_id,
        }
    }
}

/// A service account's key, from the credentials JSON the control panel hands out:
/// `{"account_id", "key_id", "private_key", "account_email"}`.
#[derive(Clone)]
pub struct ServiceAccountKey {
    pub account_id: u64,
    pub account_email: Option<String>,
    pub key_id: String,
    signing_key: jsonwebtoken::EncodingKey,
    /// Tokens signed lately, per account they act as: an RSA signature costs more
    /// than the call it authorises, so one token serves until it nears expiry.
    tokens: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<u64, (u64, Secret)>>>,
}

impl std::fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServiceAccountKey {{ account_id: {}, key_id: {:?}, private_key: *** }}", self.account_id, self.key_id)
    }
}

#[derive(Deserialize)]
struct CredentialsFile {
    account_id: serde_json::Value,
    #[serde(default)]
    account_email: Option<String>,
    key_id: String,
    private_key: Secret,
}

impl ServiceAccountKey {
    /// Parses the credentials JSON. Errors say what is wrong, never the key.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        let file: CredentialsFile = serde_json::from_str(text)
            .map_err(|error| Error::Credentials(format!("not a Voximplant credentials JSON: {}", error_without_input(&error))))?;
        // Some tools write the id as a string.
        let account_id = match &file.account_id {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .ok_or_else(|| Error::Credentials("account_id must be a number".into()))?;
        if file.key_id.trim().is_empty() {
            return Err(Error::Credentials("key_id is empty".into()));
        }
        let signing_key = jsonwebtoken::EncodingKey::from_rsa_pem(file.private_key.expose().as_bytes())
            .map_err(|_| Error::Credentials("private_key is not an RSA private key in PEM format".into()))?;
        Ok(ServiceAccountKey { account_id, account_email: file.account_email, key_id: file.key_id, signing_key, tokens: Default::default() })
    }

    /// A token valid from now for [`TOKEN_LIFETIME_SECS`], issued for `account_id`
    /// (the key's own account, or one of its children to act as that child).
    pub fn token(&self, account_id: u64) -> Result<Secret, Error> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let mut tokens = self.tokens.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Reused for the first half of its life, so it never expires in flight.
        if let Some((issued, token)) = tokens.get(&account_id) {
            if now < issued + TOKEN_LIFETIME_SECS / 2 && now >= *issued {
                return Ok(token.clone());
            }
        }
        let token = self.sign(account_id, now)?;
        tokens.insert(account_id, (now, token.clone()));
        Ok(token)
    }

    fn sign(&self, account_id: u64, now: u64) -> Result<Secret, Error> {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some(self.key_id.clone());
        let claims = serde_json::json!({ "iss": account_id, "iat": now, "exp": now + TOKEN_LIFETIME_SECS });
        jsonwebtoken::encode(&header, &claims, &self.signing_key)
            .map(Secret::new)
            .map_err(|_| Error::Credentials("could not sign a token with this key".into()))
    }
}

/// serde_json's messages quote the input near the error: never echo a key file.
fn error_without_input(error: &serde_json::Error) -> String {
    format!("{:?} error at line {} column {}", error.classify(), error.line(), error.column())
}

/// Everything that can go wrong with a call.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The API refused the request (`{"error":{"code","msg"}}`).
    Api { code: ErrorCode, msg: String },
    /// Refused before sending: the request breaks the API's rules.
    Invalid(Vec<Invalid>),
    /// No answer within the timeout.
    Timeout,
    /// The connection failed or broke.
    Transport(String),
    /// An HTTP status other than 2xx.
    Http { status: u16 },
    /// An answer that is not what the method returns.
    Malformed(String),
    /// The configured credentials are unusable.
    Credentials(String),
    /// Not sent: the last calls to this account's Voximplant all failed to get an
    /// answer, so calls pause until `retry_after` has passed (see [`Breaker`]).
    CircuitOpen { retry_after: Duration },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Api { code, msg } => write!(f, "Voximplant error {}: {msg}", code.code()),
            Error::Invalid(problems) => {
                let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
                write!(f, "invalid request: {}", list.join("; "))
            }
            Error::Timeout => f.write_str("Voximplant did not answer in time"),
            Error::Transport(detail) => write!(f, "cannot reach Voximplant: {detail}"),
            Error::Http { status } => write!(f, "Voximplant answered HTTP {status}"),
            Error::Malformed(detail) => write!(f, "unexpected answer from Voximplant: {detail}"),
            Error::Credentials(detail) => write!(f, "credentials: {detail}"),
            Error::CircuitOpen { retry_after } => write!(
                f,
                "Voximplant failed to answer several calls in a row; calls pause for {} s",
                retry_after.as_secs().max(1)
            ),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// A short, fixed name for the kind of failure (a metrics label, never the detail).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Api { .. } => "api_error",
            Error::Invalid(_) => "invalid",
            Error::Timeout => "timeout",
            Error::Transport(_) => "transport",
            Error::Http { .. } => "http_error",
            Error::Malformed(_) => "malformed",
            Error::Credentials(_) => "credentials",
            Error::CircuitOpen { .. } => "circuit_open",
        }
    }

    /// Worth trying again (for a read): the failure says nothing about the request.
    fn is_transient(&self) -> bool {
        match self {
            Error::Timeout | Error::Transport(_) => true,
            Error::Http { status } => *status >= 500 || *status == 429,
            Error::Api { code, .. } => matches!(code, ErrorCode::RateLimitExceeded | ErrorCode::RetryLater),
            _ => false,
        }
    }
}

/// Where and how patiently to call.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Ends with `/`; the method name is appended.
    pub base_url: String,
    /// For each attempt, connecting included.
    pub timeout: Duration,
    /// Attempts for read methods (1 = no retry). Changes are always tried once.
    pub read_attempts: u32,
    /// Wait before the first retry; doubled for each later one.
    pub retry_backoff: Duration,
    /// When to stop calling an upstream that does not answer (see [`Breaker`]).
    pub breaker: BreakerSettings,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            base_url: DEFAULT_BASE_URL.to_string(),
            timeout: Duration::from_secs(15),
            read_attempts: 3,
            retry_backoff: Duration::from_millis(200),
            breaker: BreakerSettings::default(),
        }
    }
}

/// When a [`Breaker`] opens and for how long.
#[derive(Debug, Clone, Copy)]
pub struct BreakerSettings {
    /// Consecutive attempts without an answer (timeouts, broken connections, 5xx)
    /// that open it.
    pub failures_to_open: u32,
    /// How long it stays open before one call may try again.
    pub open_for: Duration,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        BreakerSettings { failures_to_open: 5, open_for: Duration::from_secs(15) }
    }
}

/// A circuit breaker: after `failures_to_open` attempts in a row get no answer, calls
/// are refused at once (not sent) for `open_for`, so a dead upstream is not hammered
/// and users hear so at once instead of after a timeout each. Then one call is let
/// through: an answer closes it, another failure opens it again. Any answer counts —
/// an API error too (the upstream is alive; the request was wrong).
#[derive(Debug)]
pub struct Breaker {
    settings: BreakerSettings,
    state: std::sync::Mutex<BreakerState>,
}

#[derive(Debug, Clone, Copy)]
enum BreakerState {
    Closed { failures: u32 },
    Open { until: std::time::Instant },
    /// Open time is over and one call is out finding out whether the upstream is back;
    /// if it never reports (its request was dropped), another may try after `until`.
    Probing { until: std::time::Instant },
}

impl Breaker {
    pub fn new(settings: BreakerSettings) -> Breaker {
        Breaker { settings, state: std::sync::Mutex::new(BreakerState::Closed { failures: 0 }) }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, BreakerState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// May a call be sent now?
    fn admit(&self) -> Result<(), Error> {
        let mut state = self.state();
        let now = std::time::Instant::now();
        match *state {
            BreakerState::Closed { .. } => Ok(()),
            BreakerState::Open { until } | BreakerState::Probing { until } if now >= until => {
                *state = BreakerState::Probing { until: now + self.settings.open_for };
                Ok(())
            }
            BreakerState::Open { until } | BreakerState::Probing { until } => {
                Err(Error::CircuitOpen { retry_after: until - now })
            }
        }
    }

    /// What the sent call got: `None` for an answer.
    fn record(&self, error: Option<&Error>) {
        let no_answer = matches!(error, Some(Error::Timeout | Error::Transport(_)))
            || matches!(error, Some(Error::Http { status }) if *status >= 500);
        let mut state = self.state();
        let open = BreakerState::Open { until: std::time::Instant::now() + self.settings.open_for };
        *state = match (*state, no_answer) {
            (_, false) => BreakerState::Closed { failures: 0 },
            (BreakerState::Closed { failures }, true) if failures + 1 < self.settings.failures_to_open => {
                BreakerState::Closed { failures: failures + 1 }
            }
            (_, true) => open,
        };
    }

    /// Whether calls are being refused now.
    pub fn is_open(&self) -> bool {
        !matches!(*self.state(), BreakerState::Closed { .. })
    }
}

/// The HTTP client calls go through (a connection pool).
pub type Http = reqwest::Client;

/// A new HTTP client; each request sets its own timeout.
pub fn http() -> Result<Http, Error> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        // A redirect would resend the form — api_key included — to wherever it points.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("voxdesk/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|error| Error::Transport(error.to_string()))
}

/// A client for one account's credentials.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    config: ClientConfig,
    credentials: Credentials,
    /// A child account to act as, with the parent's credentials.
    act_as: Option<u64>,
    /// Shared by this client's clones (its `acting_as` children included): one per
    /// connection, as the portal keeps one client per connection.
    breaker: std::sync::Arc<Breaker>,
}

impl Client {
    pub fn new(credentials: Credentials, config: ClientConfig) -> Result<Self, Error> {
        Client::with_http(http()?, credentials, config)
    }

    /// A client that sends through `http` (from [`http`]), so that many clients share
    /// one connection pool and its TLS setup (building those takes milliseconds).
    pub fn with_http(http: Http, credentials: Credentials, mut config: ClientConfig) -> Result<Self, Error> {
        if !config.base_url.ends_with('/') {
            config.base_url.push('/');
        }
        if !(config.base_url.starts_with("https://") || config.base_url.starts_with("http://")) {
            return Err(Error::Credentials(format!("base URL {:?} is not http(s)", config.base_url)));
        }
        let breaker = std::sync::Arc::new(Breaker::new(config.breaker));
        Ok(Client { http, config, credentials, act_as: None, breaker })
    }

    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The same client acting as one of the parent's child accounts: methods such as
    /// ChangeAccountPlan or ChargeAccount then work on that child.
    pub fn acting_as(&self, child_account_id: u64) -> Client {
        Client { act_as: Some(child_account_id), ..self.clone() }
    }

    /// The account calls act on.
    pub fn account_id(&self) -> u64 {
        self.act_as.unwrap_or_else(|| self.credentials.account_id())
    }

    /// Validates, sends and decodes one call; retries reads on transient failures.
    pub async fn call<M: Method>(&self, request: &M) -> Result<M::Response, Error> {
        let problems = request.validate();
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        let params = request.params();
        let own_credentials = request.carries_credentials();
        let attempts = if M::CHANGES_STATE { 1 } else { self.config.read_attempts.max(1) };
        let mut backoff = self.config.retry_backoff;
        let mut attempt = 1;
        loop {
            let started = std::time::Instant::now();
            let result = match self.breaker.admit() {
                Ok(()) => {
                    let result = self.send::<M>(&params, own_credentials).await;
                    self.breaker.record(result.as_ref().err());
                    result
                }
                Err(refused) => Err(refused),
            };
            observe::attempt_ended(M::NAME, started.elapsed(), result.as_ref().err());
            match result {
                Err(error) if attempt < attempts && error.is_transient() => {
                    tracing::debug!(method = M::NAME, attempt, %error, "retrying a read");
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    async fn send<M: Method>(&self, params: &Params, own_credentials: bool) -> Result<M::Response, Error> {
        let url = format!("{}{}", self.config.base_url, M::NAME);
        let mut form = params.to_form();
        let mut request = self.http.post(&url).timeout(self.config.timeout);
        match &self.credentials {
            Credentials::ApiKey { .. } if own_credentials => {}
            Credentials::ApiKey { api_key, .. } => {
                form.push(("account_id", self.account_id().to_string()));
                form.push(("api_key", api_key.expose().to_string()));
            }
            Credentials::ServiceAccount(key) => {
                request = request.bearer_auth(key.token(self.account_id())?.expose());
            }
        }
        let response = request.form(&form).send().await.map_err(transport_error)?;
        let status = response.status();
        if !status.is_success() {
            return Err(Error::Http { status: status.as_u16() });
        }
        // Read chunk by chunk and stopped at the limit: a hostile or broken upstream
        // cannot make the portal hold an answer of any size in memory.
        let too_large = |size: usize| Error::Malformed(format!("answer of {size} bytes or more is too large"));
        if let Some(declared) = response.content_length().filter(|length| *length as usize > MAX_RESPONSE_BYTES) {
            return Err(too_large(declared as usize));
        }
        let mut response = response;
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(too_large(body.len() + chunk.len()));
            }
            body.extend_from_slice(&chunk);
        }
        decode::<M::Response>(&body)
    }

    /// The parent credentials AddAccount and CloneAccount carry, from this client's
    /// own `api_key` credentials. A service account has no api_key to send; then the
    /// caller must supply them, or the token alone identifies the parent.
    fn parent_credentials(&self) -> Option<ParentCredentials> {
        match &self.credentials {
            Credentials::ApiKey { account_id, api_key } => Some(ParentCredentials {
                account: AccountRef::Id(*account_id),
                auth: ParentAuth::ApiKey(api_key.clone()),
            }),
            Credentials::ServiceAccount(_) => None,
        }
    }

    pub async fn add_account(&self, mut request: AddAccount) -> Result<AddAccountResponse, Error> {
        if request.parent.is_none() {
            request.parent = self.parent_credentials();
        }
        self.call(&request).await
    }

    pub async fn change_account_plan(&self, request: ChangeAccountPlan) -> Result<ChangeAccountPlanResponse, Error> {
        self.call(&request).await
    }

    pub async fn charge_account(&self, request: ChargeAccount) -> Result<ChargeAccountResponse, Error> {
        self.call(&request).await
    }

    pub async fn clone_account(&self, mut request: CloneAccount) -> Result<CloneAccountResponse, Error> {
        if request.parent.is_none() {
            request.parent = self.parent_credentials();
        }
        self.call(&request).await
    }

    pub async fn get_account_documents(&self, request: GetAccountDocuments) -> Result<GetAccountDocumentsResponse, Error> {
        self.call(&request).await
    }

    pub async fn get_account_info(&self, request: GetAccountInfo) -> Result<GetAccountInfoResponse, Error> {
        self.call(&request).await
    }

    pub async fn get_account_plans(&self, request: GetAccountPlans) -> Result<GetAccountPlansResponse, Error> {
        self.call(&request).await
    }

    pub async fn get_available_plans(&self, request: GetAvailablePlans) -> Result<GetAvailablePlansResponse, Error> {
        self.call(&request).await
    }

    pub async fn get_children_accounts(&self, request: GetChildrenAccounts) -> Result<GetChildrenAccountsResponse, Error> {
        self.call(&request).await
    }

    /// GetChildrenAccounts for a list: each child's id, name, email, status, balance
    /// and created, nothing else read (see [`AccountListing`]).
    pub async fn get_children_listings(
        &self,
        request: GetChildrenAccounts,
    ) -> Result<GetChildrenAccountsResponse<AccountListing>, Error> {
        self.call(&GetChildrenListings(request)).await
    }

    pub async fn get_currency_rate(&self, request: GetCurrencyRate) -> Result<GetCurrencyRateResponse, Error> {
        self.call(&request).await
    }

    pub async fn get_money_amount_to_charge(
        &self,
        request: GetMoneyAmountToCharge,
    ) -> Result<GetMoneyAmountToChargeResponse, Error> {
        self.call(&request).await
    }

    pub async fn get_resource_price(&self, request: GetResourcePrice) -> Result<GetResourcePriceResponse, Error> {
        self.call(&request).await
    }

    pub async fn get_subscription_price(
        &self,
        request: GetSubscriptionPrice,
    ) -> Result<GetSubscriptionPriceResponse, Error> {
        self.call(&request).await
    }

    pub async fn set_account_info(&self, request: SetAccountInfo) -> Result<Done, Error> {
        self.call(&request).await
    }

    pub async fn set_child_account_info(&self, request: SetChildAccountInfo) -> Result<Done, Error> {
        self.call(&request).await
    }
}

fn transport_error(error: reqwest::Error) -> Error {
    if error.is_timeout() {
        Error::Timeout
    } else {
        // Without the URL: it is ours, and logs need not repeat it per error.
        Error::Transport(error.without_url().to_string())
    }
}

/// Decodes an answer: an `error` envelope becomes [`Error::Api`]; anything that is
/// not the method's response type becomes [`Error::Malformed`], never a panic.
///
/// Straight from the bytes: a first pass only looks for a top-level `error` (skipping
/// everything else without allocating), then the typed parse. Going through a
/// `serde_json::Value` first cost a fifth of the portal's CPU on a 50-child page.
pub fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    if cannot_name_error(body) {
        // What went wrong, if anything, is said below as for any answer.
        if let Ok(value) = serde_json::from_slice(body) {
            return Ok(value);
        }
    }
    match serde_json::from_slice::<ErrorProbe>(body) {
        Err(error) if !error.is_data() => {
            return Err(Error::Malformed(format!("not JSON ({})", error_without_input(&error))));
        }
        Ok(ErrorProbe { error: ErrorPresent(true) }) => {
            let envelope: ErrorEnvelope = serde_json::from_slice(body)
                .map_err(|_| Error::Malformed("an error without code and msg".into()))?;
            return Err(Error::Api { code: envelope.error.kind(), msg: envelope.error.msg });
        }
        // No `error`, or not an object at all: the typed parse says what is wrong.
        _ => {}
    }
    serde_json::from_slice(body).map_err(|error| Error::Malformed(error_without_position(&error)))
}

/// True when no member of `body` can be named `error`: the name appears nowhere, not
/// even spelled with `\u` escapes. Then the answer is read once, not probed first (a
/// page of children is 40 KB; the probe read all of it again).
fn cannot_name_error(body: &[u8]) -> bool {
    memchr::memmem::find(body, b"\"error\"").is_none() && memchr::memmem::find(body, b"\\u").is_none()
}

/// Whether an answer has a top-level `error` member (of any value, `null` included).
#[derive(serde::Deserialize)]
struct ErrorProbe {
    #[serde(default)]
    error: ErrorPresent,
}

#[derive(Default)]
struct ErrorPresent(bool);

impl<'de> serde::Deserialize<'de> for ErrorPresent {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer)?;
        Ok(ErrorPresent(true))
    }
}

#[derive(serde::Deserialize)]
struct ErrorEnvelope {
    error: ApiErrorBody,
}

/// A typed-parse error as it read before decoding went straight from the bytes: what
/// was wrong, without "at line 1 column 4213".
fn error_without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) if error.line() > 0 => text[..at].to_string(),
        _ => text,
    }
}

/// A process-wide hook told about every attempt sent to Voximplant, so that the portal
/// can count calls and their latency per method without this crate knowing how.
pub mod observe {
    use std::{sync::OnceLock, time::Duration};

    use super::Error;

    /// Called once per HTTP attempt (a retried read: once per try).
    pub trait CallObserver: Send + Sync {
        fn attempt_ended(&self, method: &'static str, took: Duration, error: Option<&Error>);
    }

    static OBSERVER: OnceLock<Box<dyn CallObserver>> = OnceLock::new();

    /// Installs the observer; only the first call in a process takes effect (the
    /// answer says whether this one did).
    pub fn set_observer(observer: Box<dyn CallObserver>) -> bool {
        OBSERVER.set(observer).is_ok()
    }

    pub(super) fn attempt_ended(method: &'static str, took: Duration, error: Option<&Error>) {
        if let Some(observer) = OBSERVER.get() {
            observer.attempt_ended(method, took, error);
        }
    }
}
