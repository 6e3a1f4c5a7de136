//! Page data: a resource loaded by a server function, rendered by the server and
//! handed to the browser with the page.
//!
//! Leptos' default resource decodes what the server rendered with serde_json's
//! `from_str` while a server function's answer is decoded with `from_slice`, so the
//! WASM carried two decoders of every type a page shows (the frame's user and its
//! connections, the error type: 50 KB of the first page). [`Json`] reads both as bytes.

use leptos::{
    prelude::*,
    server::codee::{Decoder, Encoder},
};
use serde::{de::DeserializeOwned, Serialize};

use crate::error::AppError;

/// JSON, decoded from bytes as server functions' answers are.
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(text.as_bytes())
    }
}

/// A page's data, or why it could not be loaded.
pub type Data<T> = Resource<Result<T, AppError>, Json>;

/// Loads `fetch(source())` again whenever `source` changes (as `Resource::new`).
#[track_caller]
pub fn data<T, S, Fut>(source: impl Fn() -> S + Send + Sync + 'static, fetch: impl Fn(S) -> Fut + Send + Sync + 'static) -> Data<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Send + Sync + Clone + PartialEq + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
{
    Resource::new_with_options(source, fetch, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_server_renders_the_browser_reads_back() {
        let loaded: Result<Vec<String>, AppError> = Ok(vec!["acme-corp".into(), "Zoë".into()]);
        let failed: Result<Vec<String>, AppError> = Err(AppError::invalid("id", "No child has id 42."));
        for value in [loaded, failed] {
            let text = <Json as Encoder<_>>::encode(&value).unwrap();
            let read: Result<Vec<String>, AppError> = <Json as Decoder<_>>::decode(text.as_str()).unwrap();
            assert_eq!(read, value);
        }
        assert!(<Json as Decoder<Result<u64, AppError>>>::decode("{\"Ok\":").is_err(), "a cut-off page is an error, not a value");
    }
}
