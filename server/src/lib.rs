//! The `voxdesk` binary's library half: everything `main` wires together, public so
//! integration tests can start the real router against a real database.

pub mod audit_head;
pub mod audit_http;
pub mod children_http;
pub mod cli;
pub mod database;
pub mod demo;
pub mod embedded_pg;
pub mod http;
pub mod keys;
pub mod listen;
pub mod metrics;
pub mod pieces;
pub mod sandbox;
pub mod serve;
pub mod session_store;
pub mod telemetry;
pub mod users;
