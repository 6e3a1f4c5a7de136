//! `make bench` rows for the sandbox: GetChildrenAccounts (count=50) throughput over
//! real HTTP, and what the typed client adds over a raw form POST, measured in the
//! same run so the ratio is fair.

use std::time::{Duration, Instant};

use sandbox::{Sandbox, SandboxConfig};
use voximplant::{
    client::{Client, ClientConfig, Credentials},
    methods::GetChildrenAccounts,
    Secret,
};

const RUN: Duration = Duration::from_secs(3);
const CONCURRENCY: usize = 8;

fn row(name: &str, value: String, unit: &str) {
    println!("| {name:<60} | {value:>12} | {unit:<5} |");
}

#[tokio::main]
async fn main() {
    let sandbox = Sandbox::new(SandboxConfig { rate_limit_per_second: u32::MAX, ..SandboxConfig::default() }).unwrap();
    let router = sandbox.router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let parent = sandbox.parent();
    let url = format!("http://{addr}/platform_api/GetChildrenAccounts");
    let form = vec![
        ("account_id", parent.account_id.to_string()),
        ("api_key", parent.api_key.clone()),
        ("count", "50".to_string()),
    ];

    // Throughput: CONCURRENCY raw clients for RUN.
    let http = reqwest::Client::new();
    let started = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (http, url, form) = (http.clone(), url.clone(), form.clone());
            tokio::spawn(async move {
                let mut done = 0u64;
                while started.elapsed() < RUN {
                    let body = http.post(&url).form(&form).send().await.unwrap().bytes().await.unwrap();
                    assert!(body.len() > 1000, "a page of 40 children");
                    done += 1;
                }
                done
            })
        })
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    let per_second = total as f64 / started.elapsed().as_secs_f64();
    row(&format!("sandbox GetChildrenAccounts count=50, {CONCURRENCY} clients"), format!("{per_second:.0}"), "req/s");

    // Client overhead: sequential calls, raw vs typed (validation, encoding, decoding).
    let client = Client::new(
        Credentials::ApiKey { account_id: parent.account_id, api_key: Secret::new(parent.api_key.clone()) },
        ClientConfig { base_url: format!("http://{addr}/platform_api/"), ..ClientConfig::default() },
    )
    .unwrap();
    let request = GetChildrenAccounts { count: Some(50), ..Default::default() };
    let calls = 400;
    let mut raw = Duration::ZERO;
    let mut typed = Duration::ZERO;
    for _ in 0..calls {
        let t = Instant::now();
        let body = http.post(&url).form(&form).send().await.unwrap().bytes().await.unwrap();
        let _: serde_json::Value = serde_json::from_slice(&body).unwrap();
        raw += t.elapsed();
        let t = Instant::now();
        let page = client.get_children_accounts(request.clone()).await.unwrap();
        assert_eq!(page.count, 40);
        typed += t.elapsed();
    }
    let raw_us = raw.as_secs_f64() * 1e6 / calls as f64;
    let typed_us = typed.as_secs_f64() * 1e6 / calls as f64;
    row("GetChildrenAccounts count=50, raw POST + JSON parse", format!("{raw_us:.0}"), "µs");
    row("GetChildrenAccounts count=50, typed client", format!("{typed_us:.0}"), "µs");
    row("typed client overhead (typed / raw)", format!("{:.2}", typed_us / raw_us), "ratio");
}
