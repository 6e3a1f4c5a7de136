//! Every feature's declared actions, gathered: the role table the matrix test checks,
//! the audited / read-only split, and the checks the reconciler runs. A feature adds
//! its list here once; everything else is read from the lists.

use crate::{
    action::{Audited, Endpoint},
    account, audit, auth, backend::Backend, billing, children, connections, error::AppError, frame, me, system, users,
};

/// Each feature's server functions, in the order the README's table shows them.
const FEATURES: &[&[Endpoint]] = &[
    frame::actions::ENDPOINTS,
    auth::actions::ENDPOINTS,
    system::actions::ENDPOINTS,
    users::actions::ENDPOINTS,
    me::actions::ENDPOINTS,
    connections::actions::ENDPOINTS,
    children::actions::ENDPOINTS,
    account::actions::ENDPOINTS,
    billing::actions::ENDPOINTS,
    audit::actions::ENDPOINTS,
];

/// Audited actions that no server function performs itself: the command line's,
/// and the chunks of bulk jobs (run by a task the server function starts).
const COMMAND_LINE: &[&Audited] =
    &[&audit::actions::ARCHIVE, &connections::actions::KEYS_ROTATE, &children::actions::BULK_CHUNK];

/// Every server function with who may call it and what it records.
pub fn endpoints() -> impl Iterator<Item = &'static Endpoint> {
    FEATURES.iter().flat_map(|feature| feature.iter())
}

/// The declaration of the server function at `path`.
pub fn endpoint(path: &str) -> Option<&'static Endpoint> {
    endpoints().find(|endpoint| endpoint.path == path)
}

/// The features whose server functions may change what every request checks — users,
/// their sessions and two-step state, connections (see [`crate::row_cache`]).
const CHANGE_WHO_AND_WHERE: &[&[Endpoint]] =
    &[auth::actions::ENDPOINTS, users::actions::ENDPOINTS, me::actions::ENDPOINTS, connections::actions::ENDPOINTS];

/// Whether a request other than GET to `path` may have changed users or connections:
/// a server function of those features, or anything not declared at all.
pub fn may_change_users_or_connections(path: &str) -> bool {
    endpoint(path).is_none() || CHANGE_WHO_AND_WHERE.iter().flat_map(|feature| feature.iter()).any(|endpoint| endpoint.path == path)
}

/// Every audited action, once each.
pub fn audited_actions() -> Vec<&'static Audited> {
    let mut actions: Vec<&'static Audited> = endpoints().filter_map(|endpoint| endpoint.audited).collect();
    actions.extend(COMMAND_LINE.iter().copied());
    actions.dedup_by_key(|action| action.name);
    actions
}

/// Settles every intent older than `older_than_seconds` that has no outcome, whoever
/// wrote it, each with its action's declared check (see `audit::ssr::reconcile`).
pub async fn reconcile(backend: &Backend, older_than_seconds: i64) -> Result<usize, AppError> {
    audit::ssr::reconcile(backend, &audited_actions(), audit::ssr::Sweep::OlderThan(older_than_seconds)).await
}

/// What the server runs: settles the open intents whose process is gone (and any open
/// for long), never another running instance's action in flight.
pub async fn reconcile_orphaned(backend: &Backend) -> Result<usize, AppError> {
    audit::ssr::reconcile(backend, &audited_actions(), audit::ssr::Sweep::Orphaned).await
}
