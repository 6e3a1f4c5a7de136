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

/// The view `make` builds once the data it awaits are in, for a `Suspense` or
/// `Transition`: `{once_loaded(move || async move { match page.await { … } })}`.
///
/// In the browser it is built again whenever what it read changes (a refetch, a new
/// query). On the server a page renders once, and a closure there is built again at
/// each of Leptos' passes over the page (one to find what it reads, more to render):
/// three builds of the whole page per request, measured with uprobes on
/// `/children/new`, all but one thrown away. So there it is a plain `Suspend`, built
/// once and kept between the passes. Both write the same HTML.
#[cfg(feature = "ssr")]
pub fn once_loaded<V, Fut>(make: impl Fn() -> Fut + Send + Sync + 'static) -> impl IntoView
where
    V: IntoView + 'static,
    Fut: std::future::Future<Output = V> + Send + 'static,
{
    Suspend::new(make())
}

#[cfg(not(feature = "ssr"))]
pub fn once_loaded<V, Fut>(make: impl Fn() -> Fut + Send + Sync + 'static) -> impl IntoView
where
    V: IntoView + 'static,
    Fut: std::future::Future<Output = V> + Send + 'static,
{
    move || Suspend::new(make())
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

    /// As `leptos_axum` renders a page (SsrMode::Async, in order): behind a `Suspense`
    /// waiting for data, what `once_loaded` makes is built once per request.
    #[cfg(feature = "ssr")]
    #[tokio::test]
    async fn on_the_server_a_loaded_view_is_built_once() {
        use futures::StreamExt;
        use std::sync::{
            atomic::{AtomicUsize, Ordering},
            Arc,
        };
        let _ = any_spawner::Executor::init_tokio();
        let owner = Owner::new();
        owner.set();
        let builds = Arc::new(AtomicUsize::new(0));
        let counted = builds.clone();
        let user = data(|| (), |_| async {
            tokio::task::yield_now().await;
            Ok("Ada".to_string())
        });
        let page = view! {
            <Suspense>
                {once_loaded(move || {
                    let counted = counted.clone();
                    async move {
                        let name = user.await.unwrap_or_default();
                        counted.fetch_add(1, Ordering::SeqCst);
                        view! { <p>{name}</p> }
                    }
                })}
            </Suspense>
        };
        let html = page.to_html_stream_in_order().collect::<String>().await;
        assert!(html.contains("<p>Ada</p>"), "{html}");
        assert_eq!(builds.load(Ordering::SeqCst), 1, "the view was built more than once");
    }
}
