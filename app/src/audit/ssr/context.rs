//! Who acted, from where: captured once per request (or named for the system and the
//! command line), stored with every event.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::request;

/// Who acted, from where.
#[derive(Debug, Clone, Default)]
pub struct AuditContext {
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub actor_role: Option<String>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub session_ref: Option<String>,
    pub connection_id: Option<Uuid>,
    pub connection_name: Option<String>,
}

impl AuditContext {
    /// The system itself (startup, the reconciler) or the command line.
    pub fn system(name: &str) -> Self {
        AuditContext { actor_name: Some(name.to_string()), actor_role: Some("system".into()), ..Default::default() }
    }

    /// The current request's client, with no actor yet.
    pub async fn from_request() -> Self {
        let session_ref = match leptos_axum::extract::<tower_sessions::Session>().await {
            Ok(session) => session.id().map(|id| session_reference(&id.to_string())),
            Err(_) => None,
        };
        AuditContext {
            client_ip: Some(request::client_address().await),
            user_agent: request::header("user-agent", 400),
            request_id: request::header("x-request-id", 400),
            session_ref,
            ..Default::default()
        }
    }

    pub fn with_actor(mut self, id: Uuid, name: &str, role: &str) -> Self {
        self.actor_id = Some(id);
        self.actor_name = Some(name.to_string());
        self.actor_role = Some(role.to_string());
        self
    }

    pub fn with_connection(mut self, id: Uuid, name: &str) -> Self {
        self.connection_id = Some(id);
        self.connection_name = Some(name.to_string());
        self
    }
}

/// Links a session's events without keeping its id.
pub fn session_reference(session_id: &str) -> String {
    hex::encode(&Sha256::digest(session_id.as_bytes())[..12])
}
