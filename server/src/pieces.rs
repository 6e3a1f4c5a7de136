//! `<asset root>/pkg/pieces?23,24,split_…`: several WASM pieces of a `--split` build in
//! one response.
//!
//! A page needs up to ~250 pieces (most under 1 KB), and the loader wasm-split writes
//! fetches each on its own. Chromium spends ~1.5 ms per request even on a cache hit,
//! so the dashboard waited ~360 ms for 228 KB of pieces it compiled in ~15 ms.
//! `scripts/batch-piece-loads.mjs` rewrites that loader to ask for every piece wanted
//! in one turn of the event loop here instead (falling back to one fetch per piece
//! if this answers anything but 200).
//!
//! The request names pieces in order: a number `N` is `chunk_N.wasm`, a word starting
//! `split_` is that `.wasm` file. The response is one little-endian `u32` size per
//! name, then the pieces' bytes in the same order. Pieces live under the build's own
//! path, so a response never changes (`server::http` marks it immutable).

use std::{collections::HashMap, path::Path, sync::Arc};

use axum::{
    body::{Body, Bytes},
    extract::{RawQuery, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};


/// More names than any page asks for (the largest asks for ~250 of ~700). With no name
/// twice, a response is at most every piece of the build (~5 MB): what an anonymous
/// request can cost.
pub const MOST_PIECES_PER_REQUEST: usize = 1024;

/// Every piece of the build, read once at start (a few megabytes).
#[derive(Clone, Default)]
pub struct Pieces(Arc<HashMap<String, Bytes>>);

impl Pieces {
    /// The pieces in `dir` (the site's pkg directory); none when it has not been built
    /// (server tests), and then every request gets 404 and the loader fetches one by one.
    pub fn read(dir: &Path) -> Pieces {
        let mut pieces = HashMap::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".wasm") && (name.starts_with("chunk_") || name.starts_with("split_")) {
                if let Ok(bytes) = std::fs::read(entry.path()) {
                    pieces.insert(name, Bytes::from(bytes));
                }
            }
        }
        Pieces(Arc::new(pieces))
    }

    /// The named pieces as one body, or why not.
    fn bundle(&self, query: &str) -> Result<Vec<u8>, (StatusCode, &'static str)> {
        let names: Vec<&str> = query.split(',').collect();
        if query.is_empty() || names.len() > MOST_PIECES_PER_REQUEST {
            return Err((StatusCode::BAD_REQUEST, "Name between 1 and 1024 pieces."));
        }
        // Each at most once, so one response is at most the whole build's pieces.
        let mut seen = std::collections::HashSet::with_capacity(names.len());
        if !names.iter().all(|name| seen.insert(*name)) {
            return Err((StatusCode::BAD_REQUEST, "A piece is named twice."));
        }
        let mut found = Vec::with_capacity(names.len());
        for name in names {
            let file = if name.bytes().all(|byte| byte.is_ascii_digit()) {
                format!("chunk_{name}.wasm")
            } else if name.starts_with("split_") {
                format!("{name}.wasm")
            } else {
                return Err((StatusCode::BAD_REQUEST, "A piece is a chunk number or a split_ name."));
            };
            found.push(self.0.get(&file).ok_or((StatusCode::NOT_FOUND, "No such piece in this build."))?);
        }
        let mut body = Vec::with_capacity(found.iter().map(|piece| 4 + piece.len()).sum());
        for piece in &found {
            body.extend_from_slice(&(piece.len() as u32).to_le_bytes());
        }
        for piece in found {
            body.extend_from_slice(piece);
        }
        Ok(body)
    }
}

pub async fn serve(State(pieces): State<Pieces>, RawQuery(query): RawQuery) -> Response {
    match pieces.bundle(query.as_deref().unwrap_or_default()) {
        Ok(body) => ([(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"))], Body::from(body)).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces() -> Pieces {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("chunk_7.wasm"), b"seven").unwrap();
        std::fs::write(dir.path().join("split_page.wasm"), b"page!!").unwrap();
        std::fs::write(dir.path().join("voxdesk.wasm"), b"entry").unwrap();
        Pieces::read(dir.path())
    }

    #[test]
    fn pieces_come_back_sized_and_in_the_order_asked() {
        let body = pieces().bundle("split_page,7").unwrap();
        assert_eq!(&body[..8], &[6, 0, 0, 0, 5, 0, 0, 0]);
        assert_eq!(&body[8..], b"page!!seven");
    }

    #[test]
    fn only_pieces_of_this_build_are_served() {
        let pieces = pieces();
        assert_eq!(pieces.bundle("8").unwrap_err().0, StatusCode::NOT_FOUND);
        // The entry module and paths are not pieces.
        assert_eq!(pieces.bundle("voxdesk").unwrap_err().0, StatusCode::BAD_REQUEST);
        assert_eq!(pieces.bundle("split_../../etc/passwd").unwrap_err().0, StatusCode::NOT_FOUND);
        assert_eq!(pieces.bundle("").unwrap_err().0, StatusCode::BAD_REQUEST);
        // One large piece asked for a thousand times would cost a thousand copies.
        assert_eq!(pieces.bundle("7,split_page,7").unwrap_err().0, StatusCode::BAD_REQUEST);
        assert_eq!(pieces.bundle(&vec!["7"; MOST_PIECES_PER_REQUEST + 1].join(",")).unwrap_err().0, StatusCode::BAD_REQUEST);
    }
}
