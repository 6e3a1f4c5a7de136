//! Fault injection for tests: added latency, API errors at a rate, malformed JSON,
//! HTTP 5xx answers and dropped connections, per method or for all. Off by default;
//! set with `POST /_sandbox/faults` or at start.

use std::{collections::HashMap, time::Duration};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// Added before answering.
    #[serde(default)]
    pub latency_ms: u64,
    /// Share of calls (0.0–1.0) answered with API error 2 (internal error).
    #[serde(default)]
    pub error_rate: f64,
    /// Answer with a body that is not JSON.
    #[serde(default)]
    pub malformed_json: bool,
    /// Answer with this HTTP status (500, 502, 503, ...) and no API body.
    #[serde(default)]
    pub http_status: Option<u16>,
    /// Close the connection without an answer.
    #[serde(default)]
    pub drop_connection: bool,
}

impl Fault {
    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms)
    }

    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.error_rate) {
            return Err("error_rate must be between 0 and 1".into());
        }
        if let Some(status) = self.http_status {
            if !(400..=599).contains(&status) {
                return Err("http_status must be an error status (400-599)".into());
            }
        }
        if self.latency_ms > 600_000 {
            return Err("latency_ms must be at most 600000".into());
        }
        Ok(())
    }
}

/// The faults in force: per method, with `*` for every method.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Faults(pub HashMap<String, Fault>);

impl Faults {
    pub fn for_method(&self, method: &str) -> Option<&Fault> {
        self.0.get(method).or_else(|| self.0.get("*"))
    }
}

/// One change through the control endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// A method name, or `*` for all.
    pub method: String,
    #[serde(flatten)]
    pub fault: Fault,
}
