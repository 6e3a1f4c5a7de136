//! Wire compatibility with every official client's way of calling, and
//! authentication failures with the API's codes. Raw HTTP, no typed client.

use std::time::{SystemTime, UNIX_EPOCH};

use sandbox::{seed, Sandbox, SandboxConfig};
use serde_json::Value;

struct Running {
    sandbox: Sandbox,
    base: String,
    http: reqwest::Client,
}

async fn start(config: SandboxConfig) -> Running {
    let sandbox = Sandbox::new(config).unwrap();
    let router = sandbox.router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Running { sandbox, base: format!("http://{addr}"), http: reqwest::Client::new() }
}

impl Running {
    fn auth(&self) -> Vec<(&'static str, String)> {
        let parent = self.sandbox.parent();
        vec![("account_id", parent.account_id.to_string()), ("api_key", parent.api_key)]
    }

    async fn json(&self, request: reqwest::RequestBuilder) -> Value {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "API errors are HTTP 200 too");
        response.json().await.unwrap()
    }

    fn token(&self, claims: Value, kid: Option<&str>) -> String {
        let key = self.sandbox.parent().service_key;
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some(kid.unwrap_or(&key.key_id).to_string());
        let signing = jsonwebtoken::EncodingKey::from_rsa_pem(key.private_pem.as_bytes()).unwrap();
        jsonwebtoken::encode(&header, &claims, &signing).unwrap()
    }

    async fn with_token(&self, token: &str) -> Value {
        self.json(self.http.post(format!("{}/platform_api/GetAccountInfo", self.base)).bearer_auth(token)).await
    }
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

fn account_id(body: &Value) -> u64 {
    body["result"]["account_id"].as_u64().unwrap_or_else(|| panic!("no result: {body}"))
}

#[tokio::test]
async fn every_addressing_style_reaches_the_method() {
    let running = start(SandboxConfig::default()).await;
    let base = &running.base;
    let auth = running.auth();
    let mut with_cmd = auth.clone();
    with_cmd.push(("cmd", "GetAccountInfo".into()));
    let query: String = auth.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");

    let bodies = [
        running.json(running.http.post(format!("{base}/platform_api/GetAccountInfo")).form(&auth)).await,
        running.json(running.http.post(format!("{base}/platform_api/GetAccountInfo/")).form(&auth)).await,
        running.json(running.http.post(format!("{base}/platform_api")).form(&with_cmd)).await,
        running.json(running.http.post(format!("{base}/platform_api/")).form(&with_cmd)).await,
        running.json(running.http.get(format!("{base}/platform_api/GetAccountInfo/?{query}"))).await,
        // NestJS style: everything in the query, an empty JSON body.
        running
            .json(
                running
                    .http
                    .post(format!("{base}/platform_api/GetAccountInfo?{query}"))
                    .header("content-type", "application/json")
                    .body("{}"),
            )
            .await,
    ];
    for body in &bodies {
        assert_eq!(account_id(body), seed::PARENT_ID, "{body}");
    }
}

#[tokio::test]
async fn multipart_bodies_with_cmd_like_node_and_dotnet() {
    let running = start(SandboxConfig::default()).await;
    let mut form = reqwest::multipart::Form::new().text("cmd", "GetAccountInfo");
    for (name, value) in running.auth() {
        form = form.text(name, value);
    }
    let body = running.json(running.http.post(format!("{}/platform_api", running.base)).multipart(form)).await;
    assert_eq!(account_id(&body), seed::PARENT_ID);
}

#[tokio::test]
async fn query_and_body_parameters_merge_and_empty_means_absent() {
    let running = start(SandboxConfig::default()).await;
    let auth = running.auth();
    let url = format!("{}/platform_api/GetChildrenAccounts?count=5", running.base);
    let mut form = auth.clone();
    form.push(("child_account_name", String::new())); // Go sends "" for unset fields
    let body = running.json(running.http.post(&url).form(&form)).await;
    assert_eq!(body["count"], 5, "{body}");
    assert_eq!(body["total_count"], seed::SEEDED_CHILDREN);
}

#[tokio::test]
async fn booleans_in_every_spelling() {
    let running = start(SandboxConfig::default()).await;
    let mut totals = Vec::new();
    for spelling in ["true", "True", "1", "false", "False", "0"] {
        let mut form = running.auth();
        form.push(("active", spelling.into()));
        let body = running.json(running.http.post(format!("{}/platform_api/GetChildrenAccounts", running.base)).form(&form)).await;
        totals.push(body["total_count"].as_u64().unwrap());
    }
    assert!(totals[..3].iter().all(|t| *t == totals[0]));
    assert!(totals[3..].iter().all(|t| *t == totals[3]));
    assert_eq!(totals[0] + totals[3], seed::SEEDED_CHILDREN as u64);
    let mut form = running.auth();
    form.push(("active", "yes".into()));
    let body = running.json(running.http.post(format!("{}/platform_api/GetChildrenAccounts", running.base)).form(&form)).await;
    assert_eq!(body["error"]["code"], 101, "{body}");
}

#[tokio::test]
async fn unknown_and_missing_commands() {
    let running = start(SandboxConfig::default()).await;
    let body = running.json(running.http.post(format!("{}/platform_api/GetEverything", running.base)).form(&running.auth())).await;
    assert_eq!(body["error"]["code"], 103);
    let body = running.json(running.http.post(format!("{}/platform_api", running.base)).form(&running.auth())).await;
    assert_eq!(body["error"]["code"], 102);
}

#[tokio::test]
async fn tokens_are_checked_like_the_real_api() {
    let running = start(SandboxConfig::default()).await;
    let id = seed::PARENT_ID;
    let t = now();
    let good = running.token(serde_json::json!({ "iss": id, "iat": t, "exp": t + 60 }), None);
    assert_eq!(account_id(&running.with_token(&good).await), id);
    // Java and .NET send iss as a string.
    let string_iss = running.token(serde_json::json!({ "iss": id.to_string(), "iat": t, "exp": t + 60 }), None);
    assert_eq!(account_id(&running.with_token(&string_iss).await), id);

    let cases = [
        (running.token(serde_json::json!({ "iss": id, "iat": t - 120, "exp": t - 60 }), None), 456),
        (running.token(serde_json::json!({ "iss": id, "iat": t, "exp": t + 3601 }), None), 454),
        (running.token(serde_json::json!({ "iss": id, "iat": t + 600, "exp": t + 660 }), None), 455),
        (running.token(serde_json::json!({ "iss": id, "iat": t, "exp": t + 60 }), Some("no-such-key")), 433),
        ("not.a.jwt".to_string(), 447),
        // A child of someone else, or an account the key does not own.
        (running.token(serde_json::json!({ "iss": 42, "iat": t, "exp": t + 60 }), None), 100),
    ];
    for (token, code) in cases {
        let body = running.with_token(&token).await;
        assert_eq!(body["error"]["code"], code, "{body}");
    }
    // Signed by another key that claims the right kid: the signature fails.
    let other = sandbox::auth::ServiceKey::generate(id).unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(running.sandbox.parent().service_key.key_id);
    let forged = jsonwebtoken::encode(
        &header,
        &serde_json::json!({ "iss": id, "iat": t, "exp": t + 60 }),
        &jsonwebtoken::EncodingKey::from_rsa_pem(other.private_pem.as_bytes()).unwrap(),
    )
    .unwrap();
    assert_eq!(running.with_token(&forged).await["error"]["code"], 100);
}

#[tokio::test]
async fn children_act_on_their_own_data_only() {
    let running = start(SandboxConfig::default()).await;
    let state = running.sandbox.snapshot();
    let child = state.children_of(seed::PARENT_ID).find(|c| c.active).unwrap();
    let sibling = state.children_of(seed::PARENT_ID).find(|c| c.id != child.id).unwrap();
    let own = vec![("account_id", child.id.to_string()), ("api_key", child.api_key.clone())];
    let body = running.json(running.http.post(format!("{}/platform_api/GetAccountInfo", running.base)).form(&own)).await;
    assert_eq!(account_id(&body), child.id);
    assert_eq!(body["result"]["api_key"], child.api_key, "own api_key shown to api_key callers");
    let body = running.json(running.http.post(format!("{}/platform_api/GetChildrenAccounts", running.base)).form(&own)).await;
    assert_eq!(body["error"]["code"], 104, "a child cannot list accounts");
    // A child's key does not open its sibling.
    let borrowed = vec![("account_id", sibling.id.to_string()), ("api_key", child.api_key.clone())];
    let body = running.json(running.http.post(format!("{}/platform_api/GetAccountInfo", running.base)).form(&borrowed)).await;
    assert_eq!(body["error"]["code"], 100);
    // The parent's key opens any of its children.
    let parent_key = vec![("account_id", sibling.id.to_string()), ("api_key", running.sandbox.parent().api_key)];
    let body = running.json(running.http.post(format!("{}/platform_api/GetAccountInfo", running.base)).form(&parent_key)).await;
    assert_eq!(account_id(&body), sibling.id);
}

#[tokio::test]
async fn rate_limit_answers_340() {
    let running = start(SandboxConfig { rate_limit_per_second: 3, ..SandboxConfig::default() }).await;
    let mut codes = Vec::new();
    for _ in 0..6 {
        let body = running.json(running.http.post(format!("{}/platform_api/GetAccountInfo", running.base)).form(&running.auth())).await;
        codes.push(body["error"]["code"].as_u64());
    }
    assert!(codes.contains(&Some(340)), "{codes:?}");
}

#[tokio::test]
async fn ten_thousand_children_page_like_forty() {
    let running = start(SandboxConfig { seed_children: 10_000, ..SandboxConfig::default() }).await;
    let mut form = running.auth();
    form.push(("count", "50".into()));
    form.push(("offset", "9990".into()));
    let body = running.json(running.http.post(format!("{}/platform_api/GetChildrenAccounts", running.base)).form(&form)).await;
    assert_eq!(body["total_count"], 10_000);
    assert_eq!(body["count"], 10);
}
