//! The `voxdesk` command line as users meet it.

use std::process::Command;

fn voxdesk(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_voxdesk")).args(args).output().unwrap()
}

#[test]
fn help_lists_the_subcommands_and_their_environment_variables() {
    let output = voxdesk(&["--help"]);
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for expected in ["serve", "migrate", "--listen", "--data-dir", "--log-format", "DATABASE_URL", "VOXDESK_LISTEN"] {
        assert!(help.contains(expected), "--help lacks {expected}:\n{help}");
    }
}

#[test]
fn unknown_flag_is_a_clear_error() {
    let output = voxdesk(&["--frobnicate"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("unexpected argument '--frobnicate'"), "{stderr}");
    assert!(stderr.contains("--help"), "{stderr}");
}

#[test]
fn plain_http_on_a_public_address_is_refused_before_anything_starts() {
    let output = voxdesk(&["serve", "--listen", "0.0.0.0:0", "--public-url", "http://portal.example.com"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("unencrypted"), "{stderr}");
}

#[test]
fn migrate_with_an_unreachable_database_says_so() {
    let output = Command::new(env!("CARGO_BIN_EXE_voxdesk"))
        .args(["migrate"])
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .env("VOXDESK_LOG_FORMAT", "json")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("cannot connect to PostgreSQL"), "{stderr}");
}

#[tokio::test]
async fn sandbox_prints_its_parent_and_writes_working_credentials() {
    use std::io::{BufRead, BufReader};
    use voximplant::{
        client::{Client, ClientConfig, Credentials, ServiceAccountKey},
        methods::GetAccountInfo,
        Secret,
    };

    let dir = tempfile::tempdir().unwrap();
    let credentials_path = dir.path().join("credentials.json");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_voxdesk"))
        .args(["sandbox", "--listen", &format!("127.0.0.1:{port}"), "--seed-children", "5"])
        .arg("--credentials-out")
        .arg(&credentials_path)
        .env("VOXDESK_LOG_FORMAT", "json")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    while printed.len() < 5 {
        printed.push(lines.next().unwrap().unwrap());
    }
    let field = |label: &str| {
        printed.iter().find_map(|line| line.trim().strip_prefix(label)).map(|v| v.trim().to_string()).unwrap()
    };
    let account_id: u64 = field("parent account_id:").parse().unwrap();
    let api_key = field("parent api_key:");
    let config = ClientConfig { base_url: format!("http://127.0.0.1:{port}/platform_api/"), ..ClientConfig::default() };

    let by_key = Client::new(Credentials::ApiKey { account_id, api_key: Secret::new(api_key) }, config.clone()).unwrap();
    assert_eq!(by_key.get_account_info(GetAccountInfo::default()).await.unwrap().result.account_id, account_id);

    let json = std::fs::read_to_string(&credentials_path).unwrap();
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&credentials_path).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "the private key file is private");
    let key = ServiceAccountKey::from_json(&json).unwrap();
    let by_token = Client::new(Credentials::ServiceAccount(key), config).unwrap();
    assert_eq!(by_token.get_account_info(GetAccountInfo::default()).await.unwrap().result.account_id, account_id);

    child.kill().unwrap();
    child.wait().unwrap();
}
