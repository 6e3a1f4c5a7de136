//! What `make fuzz` runs on the sandbox's request reading, and what `cargo test`
//! replays over the committed corpus (`fuzz/corpus/sandbox_request`): any bytes become
//! one HTTP call, and whatever the call, the answer is HTTP 200 with a result or an
//! error carrying a code and a message, as the real API answers — never a server error,
//! a hang or a panic.

use std::sync::OnceLock;

use axum::{body::Body, http::Request};
use tower::ServiceExt;

use crate::{Sandbox, SandboxConfig};

/// Input layout: byte 0 picks how the call is sent (low 3 bits: query string, form,
/// JSON, multipart, no content type, `cmd` only; bit 3: signed in as the parent), then
/// the method name up to the first `\n`, then the query string or body.
pub fn call_from_bytes(data: &[u8], parent: Option<(u64, &str)>) -> Request<Body> {
    let (flags, rest) = data.split_first().map(|(f, r)| (*f, r)).unwrap_or((0, &[]));
    let (method, payload) = match rest.iter().position(|&b| b == b'\n') {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &[][..]),
    };
    let method: String = form_urlencoded::byte_serialize(method).collect();
    let shape = flags & 0b111;
    let path = if shape == 5 { "/platform_api/".to_string() } else { format!("/platform_api/{method}") };
    let mut query = match (flags & 0b1000 != 0, parent) {
        (true, Some((id, key))) => format!("account_id={id}&api_key={key}"),
        _ => String::new(),
    };
    if shape == 0 || shape == 5 {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(&escape_for_query(payload));
        if shape == 5 {
            query.push_str(&format!("&cmd={method}"));
        }
    }
    let uri = if query.is_empty() { path } else { format!("{path}?{query}") };
    let request = match shape {
        0 | 5 => Request::get(uri),
        1 => Request::post(uri).header("content-type", "application/x-www-form-urlencoded"),
        2 => Request::post(uri).header("content-type", "application/json"),
        3 => Request::post(uri).header("content-type", "multipart/form-data; boundary=fuzz"),
        _ => Request::post(uri),
    };
    let body = if shape == 0 || shape == 5 { Body::empty() } else { Body::from(payload.to_vec()) };
    request.body(body).expect("an escaped path and query always make a URI")
}

/// Keeps what a query string may hold as it is (so `&`, `=` and `%` still mean
/// something) and escapes the rest.
fn escape_for_query(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &byte in bytes {
        if byte.is_ascii_graphic() && byte != b'#' {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// What is wrong with an answer, if anything: it must be HTTP 200 and JSON holding
/// either `result` or `error` with a numeric `code` and a non-empty `msg`.
pub fn problem_with_answer(status: u16, body: &[u8]) -> Option<String> {
    if status != 200 {
        return Some(format!("HTTP {status}"));
    }
    let Ok(answer) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Some(format!("not JSON: {}", String::from_utf8_lossy(body)));
    };
    match (answer.get("result"), answer.get("error")) {
        (Some(_), None) => None,
        (None, Some(error)) if error["code"].as_u64().is_some() && error["msg"].as_str().is_some_and(|m| !m.is_empty()) => None,
        _ => Some(format!("neither a result nor a coded error: {answer}")),
    }
}

/// Sends one call made of `data` to a sandbox shared by every call (its state carries
/// on, as a real account's does; no rate limit, so the fuzzer reaches the methods) and
/// panics if the answer breaks [`problem_with_answer`]'s rule.
pub fn check_one_call(data: &[u8]) {
    static SHARED: OnceLock<(Sandbox, tokio::runtime::Runtime)> = OnceLock::new();
    let (sandbox, runtime) = SHARED.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        let config = SandboxConfig { rate_limit_per_second: u32::MAX, ..SandboxConfig::default() };
        (Sandbox::new(config).expect("a sandbox in memory"), runtime)
    });
    let parent = sandbox.parent();
    let request = call_from_bytes(data, Some((parent.account_id, &parent.api_key)));
    let described = format!("{} {}", request.method(), request.uri());
    runtime.block_on(async {
        let response = sandbox.router().oneshot(request).await.expect("the router never fails");
        let status = response.status().as_u16();
        let body = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024).await.expect("the answer is read");
        if let Some(problem) = problem_with_answer(status, &body) {
            panic!("{described}: {problem}");
        }
    });
}
