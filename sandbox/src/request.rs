//! Reading a call the way every official client sends it: the method in the path
//! (`/platform_api/AddAccount`, with or without a trailing slash) or in a `cmd`
//! field; GET or POST; parameters from the query string and from a form-urlencoded,
//! multipart or JSON body, merged; `""` treated as absent.

use std::collections::HashMap;

use axum::{
    body::Bytes,
    extract::{FromRequest, Multipart, Request},
    http::{header, HeaderMap},
};

use crate::api_error::ApiError;

/// Request bodies larger than this are refused.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Default)]
pub struct ApiCall {
    pub method: String,
    pub params: Params,
    pub bearer: Option<String>,
}

/// Parameters by name; the first value wins, as with the real API's query parsing.
#[derive(Debug, Default, Clone)]
pub struct Params(HashMap<String, String>);

impl Params {
    pub fn insert(&mut self, name: &str, value: &str) {
        let value = value.trim();
        if value.is_empty() {
            return; // Go's client sends "" for fields it was not given
        }
        self.0.entry(name.to_string()).or_insert_with(|| value.to_string());
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }
}

pub async fn read_call(path_method: Option<String>, request: Request) -> Result<ApiCall, ApiError> {
    let mut call = ApiCall { bearer: bearer(request.headers()), ..ApiCall::default() };
    if let Some(query) = request.uri().query() {
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            call.params.insert(&name, &value);
        }
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, &())
            .await
            .map_err(|_| ApiError::invalid_arguments("the multipart body could not be read"))?;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|_| ApiError::invalid_arguments("the multipart body could not be read"))?
        {
            let Some(name) = field.name().map(str::to_string) else { continue };
            if field.file_name().is_some() {
                continue; // no Accounts method takes a file
            }
            let value = field.text().await.map_err(|_| ApiError::invalid_arguments("a multipart field is not text"))?;
            call.params.insert(&name, &value);
        }
    } else {
        let body = axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| ApiError::invalid_arguments("the request body is too large"))?;
        read_body(&content_type, &body, &mut call.params)?;
    }
    call.method = match path_method.filter(|m| !m.is_empty()) {
        Some(method) => method,
        None => call.params.get("cmd").map(str::to_string).ok_or_else(ApiError::missing_cmd)?,
    };
    Ok(call)
}

fn read_body(content_type: &str, body: &Bytes, params: &mut Params) -> Result<(), ApiError> {
    if body.is_empty() {
        return Ok(());
    }
    if content_type.starts_with("application/json") {
        let value: serde_json::Value =
            serde_json::from_slice(body).map_err(|_| ApiError::invalid_arguments("the JSON body is not valid JSON"))?;
        if let serde_json::Value::Object(fields) = value {
            for (name, value) in fields {
                match value {
                    serde_json::Value::String(text) => params.insert(&name, &text),
                    serde_json::Value::Number(number) => params.insert(&name, &number.to_string()),
                    serde_json::Value::Bool(flag) => params.insert(&name, if flag { "true" } else { "false" }),
                    _ => {}
                }
            }
        }
        return Ok(());
    }
    // Form-urlencoded, and what clients send without a content type.
    for (name, value) in form_urlencoded::parse(body) {
        params.insert(&name, &value);
    }
    Ok(())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}
