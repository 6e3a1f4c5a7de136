//! Voximplant Management API, Accounts methods: types and validation shared by the
//! browser, the server and the sandbox. The HTTP client lives behind the `client`
//! feature so the WASM build never pulls in networking crates.
