//! `voxdesk sandbox`: the offline Voximplant Management API as a standalone server.

use std::path::Path;

use sandbox::{faults::Faults, Sandbox, SandboxConfig};

use crate::cli::SandboxArgs;

pub async fn run(args: SandboxArgs) -> anyhow::Result<()> {
    let faults = match &args.faults {
        Some(text) => parse_faults(text)?,
        None => Faults::default(),
    };
    let sandbox = Sandbox::new(SandboxConfig {
        seed_children: args.seed_children as usize,
        state_file: args.state_file.clone(),
        rate_limit_per_second: args.rate_limit,
        faults,
    })?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|error| anyhow::anyhow!("cannot listen on {}: {error}", args.listen))?;
    let parent = sandbox.parent();
    if let Some(path) = &args.credentials_out {
        write_private(path, &parent.credentials_json())?;
    }
    // The one place a secret is printed on purpose: this is a test double, and the
    // person starting it needs the key to point a client at it.
    println!("Voximplant sandbox listening at http://{}/platform_api/", args.listen);
    println!("  parent account_id:   {}", parent.account_id);
    println!("  parent account_name: {}", parent.account_name);
    println!("  parent api_key:      {}", parent.api_key);
    match &args.credentials_out {
        Some(path) => println!("  service-account credentials JSON: {}", path.display()),
        None => println!("  (pass --credentials-out PATH for a service-account credentials JSON)"),
    }
    axum::serve(listener, sandbox.router())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|error| anyhow::anyhow!("sandbox server error: {error}"))
}

fn parse_faults(text: &str) -> anyhow::Result<Faults> {
    let faults: Faults = serde_json::from_str(text).map_err(|error| anyhow::anyhow!("--faults is not valid: {error}"))?;
    for (method, fault) in &faults.0 {
        if method != "*" && !sandbox::api::METHODS.contains(&method.as_str()) {
            anyhow::bail!("--faults names an unknown method {method:?}");
        }
        fault.validate().map_err(|why| anyhow::anyhow!("--faults for {method}: {why}"))?;
    }
    Ok(faults)
}

/// Writes a file only its owner can read: it holds a private key.
pub fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    app::private_file::write(path, contents.as_bytes(), app::private_file::Existing::Replace)
        .map_err(|error| anyhow::anyhow!("cannot write {}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_flag_is_checked() {
        assert!(parse_faults(r#"{"*": {"latency_ms": 10}}"#).is_ok());
        assert!(parse_faults(r#"{"GetChildrenAccounts": {"error_rate": 0.5}}"#).is_ok());
        assert!(parse_faults(r#"{"Nope": {}}"#).unwrap_err().to_string().contains("unknown method"));
        assert!(parse_faults(r#"{"*": {"error_rate": 2}}"#).is_err());
        assert!(parse_faults(r#"{"*": {"latency": 2}}"#).is_err(), "unknown fields are refused");
    }
}
