//! The sandbox: an HTTP server that speaks the Voximplant Management API wire
//! protocol for the Accounts methods, with state. Filled in by the
//! "Voximplant Accounts API" issue.
