//! The sandbox: an offline Voximplant Management API for the 15 Accounts methods.
//!
//! It speaks the API's wire protocol (see [`request`]), authenticates like the real
//! API (see [`auth`]), keeps state (see [`state`], seeded by [`seed`]) that every
//! method really changes, and can inject faults for tests (see [`faults`]). The
//! portal's tests and demo mode, and any official Voximplant client, can talk to it.

pub mod api;
pub mod api_error;
pub mod auth;
pub mod faults;
#[doc(hidden)]
pub mod fuzzing;
mod params_ext;
pub mod render;
pub mod request;
pub mod seed;
pub mod state;

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Instant,
};

use axum::{
    body::Body,
    extract::{Request, State as AxumState},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{any, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};

use crate::{
    api_error::ApiError,
    auth::ServiceKey,
    faults::{FaultRule, Faults},
    state::State,
};

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Children under the seeded parent on first start.
    pub seed_children: usize,
    /// Persist state here (JSON) and load it on start; in memory when `None`.
    pub state_file: Option<PathBuf>,
    /// Calls per second one account may make before error 340.
    pub rate_limit_per_second: u32,
    pub faults: Faults,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            seed_children: seed::SEEDED_CHILDREN,
            state_file: None,
            rate_limit_per_second: 200,
            faults: Faults::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot read the sandbox state file {path}: {detail}")]
    Load { path: PathBuf, detail: String },
    #[error("cannot write {path}: {detail}")]
    Save { path: PathBuf, detail: String },
    #[error("cannot generate the service-account key: {0}")]
    Key(String),
}

/// What persists: the world and the service keys that may sign tokens.
#[derive(Serialize, Deserialize)]
struct Persisted {
    state: State,
    service_keys: Vec<ServiceKey>,
}

struct Inner {
    state: State,
    service_keys: Vec<ServiceKey>,
    faults: Faults,
    /// Per account: the current one-second window and the calls in it.
    rate: HashMap<u64, (u64, u32)>,
    fault_rng: seed::Rng,
    /// Calls received per method (read off the request, before faults or checks).
    method_calls: HashMap<String, u64>,
}

/// A running sandbox's shared handle; clone it freely.
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Mutex<Inner>>,
    /// API calls received (any method, any outcome): lets tests confirm a call never came.
    calls: Arc<std::sync::atomic::AtomicU64>,
    state_file: Option<PathBuf>,
    /// Held from taking a save's snapshot until its file is in place: concurrent
    /// changes then write one at a time, in the order of their snapshots, so the file
    /// never ends older than the state, and never half-written (found by `make load`).
    saving: Arc<Mutex<()>>,
    rate_limit: u32,
    started: Instant,
}

/// The seeded parent's credentials, for pointing clients at the sandbox.
#[derive(Clone)]
pub struct SeededParent {
    pub account_id: u64,
    pub account_name: String,
    pub account_email: String,
    pub api_key: String,
    pub service_key: ServiceKey,
}

impl std::fmt::Debug for SeededParent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SeededParent {{ account_id: {}, api_key: ***, service_key: {:?} }}", self.account_id, self.service_key)
    }
}

impl SeededParent {
    /// The service-account credentials JSON (`--credentials-out`).
    pub fn credentials_json(&self) -> String {
        self.service_key.credentials_json(&self.account_email)
    }
}

impl Sandbox {
    pub fn new(config: SandboxConfig) -> Result<Self, SandboxError> {
        let loaded = match &config.state_file {
            Some(path) if path.exists() => Some(load(path)?),
            _ => None,
        };
        let (state, service_keys) = match loaded {
            Some(persisted) => (persisted.state, persisted.service_keys),
            None => {
                let state = seed::seed(config.seed_children);
                let key = ServiceKey::generate(seed::PARENT_ID).map_err(SandboxError::Key)?;
                (state, vec![key])
            }
        };
        let sandbox = Sandbox {
            inner: Arc::new(Mutex::new(Inner {
                state,
                service_keys,
                faults: config.faults,
                rate: HashMap::new(),
                fault_rng: seed::Rng::new(0xFA17),
                method_calls: HashMap::new(),
            })),
            calls: Arc::new(std::sync::atomic::AtomicU64::new(0)),
            state_file: config.state_file,
            saving: Arc::new(Mutex::new(())),
            rate_limit: config.rate_limit_per_second.max(1),
            started: Instant::now(),
        };
        sandbox.save()?;
        Ok(sandbox)
    }

    pub fn parent(&self) -> SeededParent {
        let inner = self.lock();
        let parent = &inner.state.accounts[&seed::PARENT_ID];
        SeededParent {
            account_id: parent.id,
            account_name: parent.name.clone(),
            account_email: parent.email.clone(),
            api_key: parent.api_key.clone(),
            service_key: inner.service_keys[0].clone(),
        }
    }

    /// How many API calls reached the sandbox so far.
    pub fn calls(&self) -> u64 {
        self.calls.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// How many calls of `method` reached the sandbox so far (whatever their answer):
    /// lets a test compare what Voximplant received with what the audit log says.
    pub fn calls_of(&self, method: &str) -> u64 {
        self.lock().method_calls.get(method).copied().unwrap_or(0)
    }

    /// A copy of the state, for tests and inspection.
    pub fn snapshot(&self) -> State {
        self.lock().state.clone()
    }

    /// A copy of the account with this name, for tests.
    pub fn child_by_name(&self, name: &str) -> Option<state::Account> {
        self.lock().state.find_by_name(name).cloned()
    }

    pub fn set_faults(&self, faults: Faults) {
        self.lock().faults = faults;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data (every method checks
        // before it changes anything), so keep serving.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn save(&self) -> Result<(), SandboxError> {
        let Some(path) = &self.state_file else { return Ok(()) };
        let _one_at_a_time = self.saving.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let json = {
            let inner = self.lock();
            serde_json::to_vec(&Persisted { state: inner.state.clone(), service_keys: inner.service_keys.clone() })
        }
        .map_err(|error| SandboxError::Save { path: path.clone(), detail: error.to_string() })?;
        let temporary = path.with_extension("tmp");
        // The state holds API keys and private keys: readable by its owner only.
        let write = || -> std::io::Result<()> {
            use std::{io::Write, os::unix::fs::OpenOptionsExt};
            let mut file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&temporary)?;
            file.write_all(&json)?;
            file.sync_all()?;
            std::fs::rename(&temporary, path)
        };
        write().map_err(|error| SandboxError::Save { path: path.clone(), detail: error.to_string() })
    }

    /// The HTTP API: `/platform_api[/Method][/]`, plus `/_sandbox/faults`.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/platform_api", any(handle_without_method))
            .route("/platform_api/", any(handle_without_method))
            .route("/platform_api/{method}", any(handle_with_method))
            .route("/platform_api/{method}/", any(handle_with_method))
            .route("/_sandbox/faults", post(set_fault).delete(clear_faults).get(get_faults))
            .with_state(self.clone())
    }

    /// Runs one parsed call: authenticate, rate-limit, dispatch, persist.
    fn execute(&self, call: &request::ApiCall) -> Result<api::Answer, ApiError> {
        if !api::METHODS.contains(&call.method.as_str()) {
            return Err(ApiError::unknown_command(&call.method));
        }
        let now = chrono::Utc::now();
        let result = {
            let mut inner = self.lock();
            let inner = &mut *inner;
            let own_credentials = match call.method.as_str() {
                "AddAccount" => api::authenticate_add_account(&inner.state, &call.params),
                "CloneAccount" if call.bearer.is_none() && !call.params.has("api_key") => {
                    api::authenticate_clone_account(&inner.state, &call.params)
                }
                _ => None,
            };
            let caller = match own_credentials {
                Some(parent) => parent?,
                None => auth::authenticate(&inner.state, &inner.service_keys, &call.params, call.bearer.as_deref(), now.timestamp())?,
            };
            check_parent_proof(&inner.state, &call.method, &call.params, caller)?;
            let window = self.started.elapsed().as_secs();
            let entry = inner.rate.entry(caller.account_id).or_insert((window, 0));
            if entry.0 != window {
                *entry = (window, 0);
            }
            entry.1 += 1;
            if entry.1 > self.rate_limit {
                return Err(ApiError::new(voximplant::ErrorCode::RateLimitExceeded, "Rate limit exceeded."));
            }
            let mut context = api::Context { state: &mut inner.state, caller, params: &call.params, now };
            api::dispatch(&call.method, &mut context)
        };
        if result.is_ok() && api::changes_state(&call.method) {
            if let Err(error) = self.save() {
                tracing::error!(%error, "sandbox state not saved");
                return Err(ApiError::internal());
            }
        }
        result
    }

    async fn respond(&self, path_method: Option<String>, request: Request) -> Response {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let call = match request::read_call(path_method, request).await {
            Ok(call) => call,
            Err(error) => return error.into_response(),
        };
        let fault = {
            let mut inner = self.lock();
            *inner.method_calls.entry(call.method.clone()).or_default() += 1;
            inner.faults.for_method(&call.method).cloned()
        };
        if let Some(fault) = &fault {
            if fault.latency_ms > 0 {
                tokio::time::sleep(fault.latency()).await;
            }
            if fault.drop_connection {
                return dropped_connection();
            }
            if let Some(status) = fault.http_status {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                return (status, "Service temporarily unavailable").into_response();
            }
            if fault.malformed_json {
                return ([(axum::http::header::CONTENT_TYPE, "application/json")], "{\"result\": [").into_response();
            }
            if fault.error_rate > 0.0 {
                let roll = self.lock().fault_rng.below(1_000_000) as f64 / 1_000_000.0;
                if roll < fault.error_rate {
                    return ApiError::internal().into_response();
                }
            }
        }
        match self.execute(&call) {
            Ok(api::Answer::Json(body)) => Json(body).into_response(),
            Ok(api::Answer::Serialized(body)) => ([(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response(),
            Err(error) => error.into_response(),
        }
    }
}

/// CloneAccount's `parent_account_api_key | parent_account_password`, when given,
/// must be the calling parent's own.
fn check_parent_proof(state: &State, method: &str, params: &request::Params, caller: auth::Caller) -> Result<(), ApiError> {
    if method != "CloneAccount" {
        return Ok(());
    }
    let account = &state.accounts[&caller.account_id];
    let key_ok = params.get("parent_account_api_key").is_none_or(|key| key == account.api_key);
    let password_ok = params.get("parent_account_password").is_none_or(|password| password == account.password);
    if key_ok && password_ok {
        Ok(())
    } else {
        Err(ApiError::auth_failed())
    }
}

/// A response whose body fails at once: the client sees the connection close.
fn dropped_connection() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "fault injected"))
    });
    Response::new(Body::from_stream(stream))
}

async fn handle_without_method(AxumState(sandbox): AxumState<Sandbox>, request: Request) -> Response {
    sandbox.respond(None, request).await
}

async fn handle_with_method(AxumState(sandbox): AxumState<Sandbox>, request: Request) -> Response {
    // Read off the path and decoded leniently (axum's path extractors answer HTTP 400
    // to a name that is not UTF-8): such a name is an unknown method, answered with
    // Voximplant's coded error like any other (found by `make fuzz`).
    let raw = request.uri().path().trim_start_matches("/platform_api/").trim_end_matches('/');
    let method = percent_encoding::percent_decode_str(raw).decode_utf8_lossy().into_owned();
    sandbox.respond(Some(method), request).await
}

async fn set_fault(AxumState(sandbox): AxumState<Sandbox>, Json(rule): Json<FaultRule>) -> Response {
    if let Err(why) = rule.fault.validate() {
        return (StatusCode::UNPROCESSABLE_ENTITY, why).into_response();
    }
    if rule.method != "*" && !api::METHODS.contains(&rule.method.as_str()) {
        return (StatusCode::UNPROCESSABLE_ENTITY, format!("unknown method {:?}", rule.method)).into_response();
    }
    let mut inner = sandbox.lock();
    inner.faults.0.insert(rule.method, rule.fault);
    Json(inner.faults.clone()).into_response()
}

async fn clear_faults(AxumState(sandbox): AxumState<Sandbox>) -> Response {
    sandbox.set_faults(Faults::default());
    StatusCode::NO_CONTENT.into_response()
}

async fn get_faults(AxumState(sandbox): AxumState<Sandbox>) -> Response {
    Json(sandbox.lock().faults.clone()).into_response()
}

fn load(path: &Path) -> Result<Persisted, SandboxError> {
    let text = std::fs::read(path).map_err(|error| SandboxError::Load { path: path.into(), detail: error.to_string() })?;
    serde_json::from_slice(&text).map_err(|error| SandboxError::Load { path: path.into(), detail: error.to_string() })
}
