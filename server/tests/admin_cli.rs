//! `voxdesk user …` and `voxdesk keys rotate` against a real database.

use std::process::Command;

use app::{connections::ssr as connections, vault::Keyring};
use sandbox::{Sandbox, SandboxConfig};
use sqlx::PgPool;

fn database_url(pool: &PgPool) -> String {
    let url = std::env::var("DATABASE_URL").unwrap();
    let (base, _) = url.rsplit_once('/').unwrap();
    format!("{base}/{}", pool.connect_options().get_database().unwrap())
}

fn voxdesk(pool: &PgPool, data_dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    // `voxdesk user --data-dir D add …`: the database flags belong to the group.
    let output = Command::new(env!("CARGO_BIN_EXE_voxdesk"))
        .arg(args[0])
        .arg("--data-dir")
        .arg(data_dir)
        .args(&args[1..])
        .env("DATABASE_URL", database_url(pool))
        .env("VOXDESK_LOG_FORMAT", "json")
        .env_remove("VOXDESK_MASTER_KEY")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

#[sqlx::test(migrations = false)]
async fn users_are_managed_from_the_command_line(pool: PgPool) {
    let dir = tempfile::tempdir().unwrap();
    let add = ["user", "add", "--username", "ops", "--email", "ops@voxdesk.example", "--display-name", "Ops", "--role", "admin"];
    let (ok, out) = voxdesk(&pool, dir.path(), &add);
    assert!(ok, "{out}");
    let password = out.lines().find_map(|l| l.strip_prefix("password (shown once): ")).expect("a generated password").to_string();
    assert_eq!(password.len(), 49);

    let (ok, out) = voxdesk(&pool, dir.path(), &add);
    assert!(!ok && out.contains("username: This username is already taken."), "{out}");
    let (ok, out) = voxdesk(&pool, dir.path(), &["user", "add", "--username", "x", "--email", "e@x.io", "--display-name", "X", "--role", "boss"]);
    assert!(!ok && out.contains("unknown role"), "{out}");

    let (ok, out) = voxdesk(&pool, dir.path(), &["user", "set-role", "ops", "auditor"]);
    assert!(ok && out.contains("ops is now auditor"), "{out}");
    let (ok, out) = voxdesk(&pool, dir.path(), &["user", "disable", "ops"]);
    assert!(ok && out.contains("disabled"), "{out}");
    let (ok, out) = voxdesk(&pool, dir.path(), &["user", "list"]);
    assert!(ok && out.contains("ops") && out.contains("auditor") && out.contains("disabled"), "{out}");
    let (ok, out) = voxdesk(&pool, dir.path(), &["user", "reset-password", "ops"]);
    assert!(ok && out.contains("new password for ops"), "{out}");
    let (ok, out) = voxdesk(&pool, dir.path(), &["user", "disable", "nobody"]);
    assert!(!ok && out.contains("was not found"), "{out}");
}

#[sqlx::test(migrations = false)]
async fn keys_rotate_reseals_every_connection_under_a_new_master_key(pool: PgPool) {
    server::database::migrate(&pool).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("master-keys.json");
    let keyring = Keyring::generate();
    keyring.save(&key_file).unwrap();
    let old_key = keyring.active_id().to_string();
    // A user part-way through two-step set-up: their sealed TOTP secret is re-wrapped too.
    let add = ["user", "add", "--username", "ops", "--email", "ops@voxdesk.example", "--display-name", "Ops", "--role", "admin"];
    assert!(voxdesk(&pool, dir.path(), &add).0);
    let ops: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE username = 'ops'").fetch_one(&pool).await.unwrap();
    app::auth::ssr::mfa::begin(&pool, &keyring, ops, "ops").await.unwrap();

    let sandbox = Sandbox::new(SandboxConfig::default()).unwrap();
    let router = sandbox.router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/platform_api/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let parent = sandbox.parent();
    let backend = app::backend::Backend::new(pool.clone(), Default::default(), keyring);
    let secret = connections::SecretInput::ApiKey {
        account_id: parent.account_id,
        api_key: voximplant::Secret::new(parent.api_key.clone()),
    };
    let saved = connections::add(&backend, "Main", &url, &secret).await.unwrap();

    let (ok, out) = voxdesk(&pool, dir.path(), &["keys", "rotate"]);
    assert!(ok && out.contains("re-sealed 1 connection"), "{out}");
    let rotated = Keyring::load(&key_file).unwrap();
    assert_eq!(rotated.key_ids().len(), 1, "the old key is retired");
    assert_ne!(rotated.active_id(), old_key);
    let kek: String = sqlx::query_scalar("SELECT kek_id FROM connections").fetch_one(&pool).await.unwrap();
    assert_eq!(kek, rotated.active_id());
    let secret_kek: String = sqlx::query_scalar("SELECT kek_id FROM user_mfa WHERE user_id = $1").bind(ops).fetch_one(&pool).await.unwrap();
    assert_eq!(secret_kek, rotated.active_id());
    assert!(app::auth::ssr::mfa::unopenable(&pool, &rotated).await.unwrap().is_empty(), "the secret opens under the new key");
    let backend = app::backend::Backend::new(pool.clone(), Default::default(), rotated);
    let (_, client) = connections::client_for(&backend, connections::parse_id(&saved.id).unwrap()).await.unwrap();
    assert!(client.get_account_info(Default::default()).await.is_ok());
}

#[sqlx::test(migrations = false)]
async fn audit_verify_and_archive_from_the_command_line(pool: PgPool) {
    let dir = tempfile::tempdir().unwrap();
    let add = ["user", "add", "--username", "ops", "--email", "ops@voxdesk.example", "--display-name", "Ops", "--role", "admin"];
    assert!(voxdesk(&pool, dir.path(), &add).0);
    let (ok, out) = voxdesk(&pool, dir.path(), &["audit", "verify"]);
    assert!(ok && out.contains("intact: 2 events"), "the CLI's own change is audited: {out}");
    let (ok, out) = voxdesk(&pool, dir.path(), &["audit", "archive", "--out", "/dev/null"]);
    assert!(!ok && out.contains("keep forever"), "{out}");
    let file = dir.path().join("old.jsonl");
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%d").to_string();
    let (ok, out) = voxdesk(&pool, dir.path(), &["audit", "archive", "--before", &tomorrow, "--out", file.to_str().unwrap()]);
    assert!(ok && out.contains("archived 2 events") && out.contains("intact"), "{out}");
    let archived: Vec<String> = std::fs::read_to_string(&file).unwrap().lines().map(str::to_string).collect();
    assert_eq!(archived.len(), 2);
    // The archive verifies on its own, and a changed line is named.
    let (ok, out) = voxdesk(&pool, dir.path(), &["audit", "verify", "--file", file.to_str().unwrap()]);
    assert!(ok && out.contains("intact: 2 events, 1 to 2, chained on from the start of the log"), "{out}");
    let tampered = archived.join("\n").replacen("ops@voxdesk.example", "eve@voxdesk.example", 1);
    assert_ne!(tampered, archived.join("\n"));
    std::fs::write(&file, tampered).unwrap();
    let (ok, out) = voxdesk(&pool, dir.path(), &["audit", "verify", "--file", file.to_str().unwrap()]);
    assert!(!ok && out.contains("line 1") && out.contains("do not match its hash"), "{out}");
}
