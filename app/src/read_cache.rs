//! Voximplant reads kept a short while per connection, so many people opening the
//! same page cost Voximplant one call, not one each. Each entry has its own lock: when
//! it goes stale one request reads again while the others wait for that answer. A
//! failure is kept as long as an answer, so during an outage waiting requests do not
//! each time out again.

use std::{
    collections::HashMap,
    sync::{Arc, LazyLock, Mutex},
    time::{Duration, Instant},
};

use serde::{de::DeserializeOwned, Serialize};

use crate::error::AppError;

/// One read (as JSON, or why it failed) and when it was made.
type Entry = Arc<tokio::sync::Mutex<Option<(Instant, Result<serde_json::Value, AppError>)>>>;

/// Entries kept at most; past it, the ones nobody is reading are dropped.
const MAX_ENTRIES: usize = 2_000;

static CACHE: LazyLock<Mutex<HashMap<(String, String), Entry>>> = LazyLock::new(Default::default);

/// `read` once per (connection, `what`) every `keep` (always when `fresh`). Returns the
/// value and how old it is.
pub async fn cached<T, F>(connection: &str, what: String, keep: Duration, fresh: bool, read: F) -> Result<(T, Duration), AppError>
where
    T: Serialize + DeserializeOwned,
    F: std::future::Future<Output = Result<T, AppError>>,
{
    let entry = {
        let mut cache = CACHE.lock().expect("cache lock");
        if cache.len() >= MAX_ENTRIES {
            cache.retain(|_, entry| Arc::strong_count(entry) > 1);
        }
        cache.entry((connection.to_string(), what)).or_default().clone()
    };
    let mut slot = entry.lock().await;
    if !fresh {
        if let Some((at, kept)) = slot.as_ref().filter(|(at, _)| at.elapsed() < keep) {
            match kept {
                Ok(value) => {
                    if let Ok(value) = serde_json::from_value(value.clone()) {
                        return Ok((value, at.elapsed()));
                    }
                }
                Err(error) => return Err(error.clone()),
            }
        }
    }
    let read = read.await;
    *slot = match &read {
        Ok(value) => serde_json::to_value(value).ok().map(|json| (Instant::now(), Ok(json))),
        Err(error) => Some((Instant::now(), Err(error.clone()))),
    };
    read.map(|value| (value, Duration::ZERO))
}

/// After a change: the next read for this connection asks Voximplant.
pub fn forget(connection: &str) {
    CACHE.lock().expect("cache lock").retain(|(id, _), _| id != connection);
}
