//! Voximplant Management API, Accounts methods: types and validation shared by the
//! browser, the server and the sandbox. The HTTP client lives behind the `client`
//! feature so the WASM build never pulls in networking crates.
//!
//! - [`methods`]: one request type per method (every documented parameter), its
//!   response type, its wire parameters and its validation.
//! - [`types`]: the structures the methods return.
//! - [`validation`]: the API's rules, each failure naming the field and the problem.
//! - [`error_code`]: the API's error codes.

pub mod value_lists;
pub mod error_code;
pub mod methods;
pub mod params;
pub mod secret;
pub mod types;
pub mod validation;
pub mod wire;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
#[doc(hidden)]
pub mod fuzzing;

pub use error_code::{ApiErrorBody, ErrorCode};
pub use methods::Method;
pub use secret::Secret;
