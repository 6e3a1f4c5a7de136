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
