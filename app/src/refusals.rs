//! Refusals anyone can cause (a request without a session, from another site) are
//! recorded at most once a minute per kind and source, with how many were left out
//! since: a loop of them adds a row a minute, not a row a request, and the log cannot
//! be filled by someone who is not even signed in.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// One row per kind and source per this long.
pub const SAMPLE_WINDOW: Duration = Duration::from_secs(60);
/// Sources tracked at most; past it, expired ones are dropped, and if none has
/// expired the refusal is not recorded (the tracing log still has it).
const MAX_SOURCES: usize = 10_000;

/// Per server instance (held by the backend): (kind, source) → when its window opened
/// and how many were left out since.
#[derive(Default)]
pub struct RefusalSampler(Mutex<HashMap<(&'static str, String), (Instant, u64)>>);

impl RefusalSampler {
    /// `Some(left_out)` when this refusal should be recorded now (`left_out`: how many
    /// of the same kind and source were not, since the last recorded one); else `None`.
    pub fn sampled(&self, kind: &'static str, source: &str) -> Option<u64> {
        let mut seen = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.decide(&mut seen, kind, source)
    }

    fn decide(&self, seen: &mut HashMap<(&'static str, String), (Instant, u64)>, kind: &'static str, source: &str) -> Option<u64> {
    let now = Instant::now();
    if let Some((opened, left_out)) = seen.get_mut(&(kind, source.to_string())) {
        if now.duration_since(*opened) < SAMPLE_WINDOW {
            *left_out += 1;
            return None;
        }
        let since = *left_out;
        *opened = now;
        *left_out = 0;
        return Some(since);
    }
    if seen.len() >= MAX_SOURCES {
        seen.retain(|_, (opened, _)| now.duration_since(*opened) < SAMPLE_WINDOW);
        if seen.len() >= MAX_SOURCES {
            return None;
        }
    }
    seen.insert((kind, source.to_string()), (now, 0));
    Some(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_a_minute_per_kind_and_source() {
        let sampler = RefusalSampler::default();
        let sampled = |kind, source| sampler.sampled(kind, source);
        assert_eq!(sampled("test.kind", "203.0.113.1"), Some(0));
        for _ in 0..50 {
            assert_eq!(sampled("test.kind", "203.0.113.1"), None);
        }
        assert_eq!(sampled("test.kind", "203.0.113.2"), Some(0), "another source has its own window");
        assert_eq!(sampled("test.other", "203.0.113.1"), Some(0), "another kind too");
    }
}
