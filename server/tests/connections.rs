//! Parent-account connections against a real sandbox over real HTTP: checking,
//! saving sealed, using, rotating, tampering, and where the secret must never show.

mod common;

use std::sync::{Arc, Mutex};

use app::{
    auth::Role,
    connections::ssr as connections, vault::Keyring,
};
use common::add_user;
use reqwest::StatusCode;
use sqlx::PgPool;

/// Everything logged in this test binary, to search for secrets.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: std::sync::OnceLock<Arc<Mutex<Vec<u8>>>> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = {
            let buffer = buffer.clone();
            move || Capture(buffer.clone())
        };
        let _ = tracing_subscriber::fmt().json().with_max_level(tracing::Level::TRACE).with_writer(writer).try_init();
        buffer
    })
    .clone()
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}


fn add_form<'a>(name: &'a str, base_url: &'a str, account_id: &'a str, api_key: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![("name", name), ("kind", "api_key"), ("base_url", base_url), ("account_id", account_id), ("api_key", api_key)]
}

#[sqlx::test(migrations = false)]
async fn a_connection_is_checked_saved_sealed_and_never_shown(pool: PgPool) {
    let logs = captured_logs();
    let server = common::start(pool.clone()).await;
    add_user(&pool, "admin", Role::Admin).await;
    add_user(&pool, "auditor", Role::Auditor).await;
    let admin = server.signed_in("admin").await;
    let (sandbox, base_url) = common::start_sandbox().await;
    let parent = sandbox.parent();
    let secret = parent.api_key.clone();
    let account_id = parent.account_id.to_string();
    let mut bodies = Vec::new();

    // Check first: Voximplant's answer comes back, nothing is stored.
    let form = add_form("Main", &base_url, &account_id, &secret);
    let check = admin.post(server.url("/api/connections/check")).form(&form[1..]).send().await.unwrap();
    assert_eq!(check.status(), StatusCode::OK);
    let check = check.text().await.unwrap();
    assert!(check.contains("voxdesk-reseller") && check.contains("USD"), "{check}");
    bodies.push(check);

    let wrong = add_form("Main", &base_url, &account_id, "not-the-key");
    let refused = admin.post(server.url("/api/connections/check")).form(&wrong[1..]).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("Voximplant did not accept these credentials"));

    let saved = admin.post(server.url("/api/connections/add")).form(&form).send().await.unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    let saved: serde_json::Value = saved.json().await.unwrap();
    assert_eq!(saved["account_id"], parent.account_id);
    assert!(saved["fingerprint"].as_str().unwrap().starts_with("sha256:"));
    bodies.push(saved.to_string());

    // Everyone signed in sees it (without the secret); the auditor too.
    let auditor = server.signed_in("auditor").await;
    let listed = auditor.post(server.url("/api/connections/list")).send().await.unwrap().text().await.unwrap();
    assert!(listed.contains("Main"));
    bodies.push(listed);
    for path in ["/", "/admin", "/children"] {
        bodies.push(admin.get(server.url(path)).send().await.unwrap().text().await.unwrap());
    }

    // The portal can use it: a real call to the sandbox with the decrypted key.
    let id = connections::parse_id(saved["id"].as_str().unwrap()).unwrap();
    let backend = app::backend::Backend::new(pool.clone(), Default::default(), Keyring::generate());
    let foreign = connections::client_for(&backend, id).await.unwrap_err();
    assert!(foreign.to_string().contains("cannot be decrypted"), "another master key cannot open it: {foreign}");

    // The secret is nowhere: responses, sessions, logs, a dump of the database.
    for body in &bodies {
        assert!(!body.contains(&secret), "the api_key leaked into an HTTP response");
    }
    let sessions: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT data FROM tower_sessions.session").fetch_all(&pool).await.unwrap();
    assert!(sessions.iter().all(|data| !data.windows(secret.len()).any(|w| w == secret.as_bytes())));
    let logged = String::from_utf8_lossy(&logs.lock().unwrap()).to_string();
    assert!(logged.contains("\"login\""), "the log was captured");
    assert!(!logged.contains(&secret), "the api_key leaked into the log");
    let dump = pg_dump(&pool).await;
    assert!(dump.contains("voxdesk-reseller"), "the dump has the connection row");
    assert!(!dump.contains(&secret), "the api_key is readable in a database dump");
}

#[sqlx::test(migrations = false)]
async fn tampered_or_moved_ciphertexts_fail_with_a_clear_error(pool: PgPool) {
    server::database::migrate(&pool).await.unwrap();
    let backend = app::backend::Backend::new(pool.clone(), Default::default(), Keyring::generate());
    let (sandbox, base_url) = common::start_sandbox().await;
    let parent = sandbox.parent();
    let secret = connections::SecretInput::ApiKey {
        account_id: parent.account_id,
        api_key: voximplant::Secret::new(parent.api_key.clone()),
    };
    let first = connections::add(&backend, "First", &base_url, &secret).await.unwrap();
    let second = connections::add(&backend, "Second", &base_url, &secret).await.unwrap();
    let (first, second) = (connections::parse_id(&first.id).unwrap(), connections::parse_id(&second.id).unwrap());
    let (view, client) = connections::client_for(&backend, first).await.unwrap();
    assert_eq!(view.name, "First");
    let info = client.get_account_info(Default::default()).await.unwrap();
    assert_eq!(info.result.account_id, parent.account_id);

    // Moving a ciphertext to another row: the row id is bound, so it fails.
    sqlx::query(
        "UPDATE connections SET (wrapped_dek, dek_nonce, nonce, ciphertext) =
           (SELECT wrapped_dek, dek_nonce, nonce, ciphertext FROM connections WHERE id = $1) WHERE id = $2",
    )
    .bind(first)
    .bind(second)
    .execute(&pool)
    .await
    .unwrap();
    let moved = connections::client_for(&backend, second).await.unwrap_err();
    assert!(moved.to_string().contains("cannot be decrypted"), "{moved}");

    // Flipping one byte of the ciphertext fails too.
    sqlx::query("UPDATE connections SET ciphertext = set_byte(ciphertext, 0, get_byte(ciphertext, 0) # 1) WHERE id = $1")
        .bind(first)
        .execute(&pool)
        .await
        .unwrap();
    let flipped = connections::client_for(&backend, first).await.unwrap_err();
    assert!(flipped.to_string().contains("cannot be decrypted"), "{flipped}");
}

/// A listener that counts the connections made to it: a host that must never be called.
async fn never_called() -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = calls.clone();
    tokio::spawn(async move {
        while let Ok((_socket, _)) = listener.accept().await {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    (url, calls)
}

/// The secret is bound to where it goes: someone who can write the database and points
/// a row at their own host (or changes its kind or account) gets nothing sent there.
#[sqlx::test(migrations = false)]
async fn a_row_pointed_elsewhere_in_the_database_never_sends_its_secret(pool: PgPool) {
    server::database::migrate(&pool).await.unwrap();
    let backend = app::backend::Backend::new(pool.clone(), Default::default(), Keyring::generate());
    let (sandbox, base_url) = common::start_sandbox().await;
    let parent = sandbox.parent();
    let secret = connections::SecretInput::ApiKey { account_id: parent.account_id, api_key: voximplant::Secret::new(parent.api_key.clone()) };
    let saved = connections::add(&backend, "Main", &base_url, &secret).await.unwrap();
    let id = connections::parse_id(&saved.id).unwrap();
    connections::client_for(&backend, id).await.unwrap();

    let (evil, calls) = never_called().await;
    for tamper in [
        format!("UPDATE connections SET base_url = '{evil}' WHERE id = $1"),
        "UPDATE connections SET account_id = account_id + 1 WHERE id = $1".to_string(),
        "UPDATE connections SET kind = 'service_account' WHERE id = $1".to_string(),
    ] {
        let restore: (String, i64, String) = sqlx::query_as("SELECT base_url, account_id, kind FROM connections WHERE id = $1").bind(id).fetch_one(&pool).await.unwrap();
        sqlx::query(&tamper).bind(id).execute(&pool).await.unwrap();
        let refused = connections::client_for(&backend, id).await.unwrap_err();
        assert!(refused.to_string().contains("cannot be decrypted"), "{tamper}: {refused}");
        sqlx::query("UPDATE connections SET base_url = $2, account_id = $3, kind = $4 WHERE id = $1")
            .bind(id).bind(restore.0).bind(restore.1).bind(restore.2).execute(&pool).await.unwrap();
    }
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 0, "nothing was sent to the other host");
    // Restored, it opens again.
    connections::client_for(&backend, id).await.unwrap();

    // An address that only looks like loopback is refused when saved, and when used.
    for url in ["http://127.0.0.1:1@evil.example/", "http://localhost.evil.example/", "https://user:pw@voximplant.example/"] {
        let refused = connections::add(&backend, "Tricky", url, &secret).await.unwrap_err();
        assert!(refused.for_field("base_url").is_some(), "{url}: {refused:?}");
    }
    assert!(connections::check_base_url("http://[::1]:8080/platform_api/").is_ok());
}

/// Rows sealed when only the id was bound are re-sealed at start, bound to where they go.
#[sqlx::test(migrations = false)]
async fn rows_sealed_by_an_older_voxdesk_are_resealed_and_then_bound(pool: PgPool) {
    server::database::migrate(&pool).await.unwrap();
    let keyring = Keyring::generate();
    let backend = app::backend::Backend::new(pool.clone(), Default::default(), keyring.clone());
    let (sandbox, base_url) = common::start_sandbox().await;
    let parent = sandbox.parent();
    let secret = connections::SecretInput::ApiKey { account_id: parent.account_id, api_key: voximplant::Secret::new(parent.api_key.clone()) };
    let saved = connections::add(&backend, "Main", &base_url, &secret).await.unwrap();
    let id = connections::parse_id(&saved.id).unwrap();
    // As an older Voxdesk stored it: sealed for the row id alone.
    let legacy = keyring.seal(&id.to_string(), &secret.sealed_bytes());
    sqlx::query("UPDATE connections SET sealed_binding = 1, kek_id = $2, wrapped_dek = $3, dek_nonce = $4, nonce = $5, ciphertext = $6 WHERE id = $1")
        .bind(id).bind(&legacy.kek_id).bind(&legacy.wrapped_dek).bind(&legacy.dek_nonce).bind(&legacy.nonce).bind(&legacy.ciphertext)
        .execute(&pool).await.unwrap();
    let refused = connections::client_for(&backend, id).await.unwrap_err();
    assert!(refused.to_string().contains("older Voxdesk"), "{refused}");
    let resealed = connections::reseal_legacy(&pool, &keyring).await.unwrap();
    assert_eq!(resealed, [(id, base_url.clone())]);
    let (_, client) = connections::client_for(&backend, id).await.unwrap();
    assert!(client.get_account_info(Default::default()).await.is_ok());
    assert!(connections::reseal_legacy(&pool, &keyring).await.unwrap().is_empty(), "once");
}

#[sqlx::test(migrations = false)]
async fn rotation_keeps_the_account_and_master_key_rotation_rewraps(pool: PgPool) {
    server::database::migrate(&pool).await.unwrap();
    let mut keyring = Keyring::generate();
    let backend = app::backend::Backend::new(pool.clone(), Default::default(), keyring.clone());
    let (sandbox, base_url) = common::start_sandbox().await;
    let parent = sandbox.parent();
    let secret = connections::SecretInput::ApiKey {
        account_id: parent.account_id,
        api_key: voximplant::Secret::new(parent.api_key.clone()),
    };
    let saved = connections::add(&backend, "Main", &base_url, &secret).await.unwrap();

    // New credentials must belong to the same account.
    let child = sandbox.snapshot().children_of(parent.account_id).next().unwrap().clone();
    let other = connections::SecretInput::ApiKey { account_id: child.id, api_key: voximplant::Secret::new(child.api_key) };
    let refused = connections::rotate(&backend, &saved.id, &other).await.unwrap_err();
    assert!(refused.to_string().contains("belong to account"), "{refused}");
    let rotated = connections::rotate(&backend, &saved.id, &secret).await.unwrap();
    assert_eq!(rotated.account_id, parent.account_id);

    // Master-key rotation: re-seal under a new key, drop the old one, still usable.
    let old = keyring.active_id().to_string();
    keyring.add_active_key();
    assert_eq!(connections::rewrap_all(&pool, &keyring).await.unwrap(), 1);
    keyring.retire_inactive();
    assert!(!keyring.key_ids().contains(&old));
    let rotated_backend = app::backend::Backend::new(pool.clone(), Default::default(), keyring);
    let id = connections::parse_id(&saved.id).unwrap();
    let (_, client) = connections::client_for(&rotated_backend, id).await.unwrap();
    assert!(client.get_account_info(Default::default()).await.is_ok());
}

/// `pg_dump` of the test database, with the server's own binary.
async fn pg_dump(pool: &PgPool) -> String {
    let options = pool.connect_options();
    let database = options.get_database().unwrap().to_string();
    let url = std::env::var("DATABASE_URL").unwrap();
    let (base, _) = url.rsplit_once('/').unwrap();
    let bin = ["/usr/bin/pg_dump".into(), server::embedded_pg::find_bin_dir().unwrap().join("pg_dump")]
        .into_iter()
        .chain(std::fs::read_dir("/usr/lib/postgresql").into_iter().flatten().flatten().map(|e| e.path().join("bin/pg_dump")))
        .find(|path: &std::path::PathBuf| path.is_file())
        .expect("pg_dump is installed with the PostgreSQL server");
    let output = tokio::process::Command::new(bin).arg(format!("{base}/{database}")).output().await.unwrap();
    assert!(output.status.success(), "pg_dump failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).to_string()
}

#[sqlx::test(migrations = false)]
async fn demo_mode_points_its_connection_at_the_sandbox_on_every_start(pool: PgPool) {
    server::database::migrate(&pool).await.unwrap();
    let backend = app::backend::Backend::new(pool.clone(), Default::default(), Keyring::generate());
    let data = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let sandbox = server::demo::start_sandbox(&backend, data.path(), 40, 200).await.unwrap();
        let list = connections::list(&backend, None).await.unwrap();
        assert_eq!(list.list.len(), 1, "one demo connection, refreshed, not duplicated");
        assert_eq!(list.list[0].base_url, sandbox.base_url);
        let id = connections::parse_id(&list.list[0].id).unwrap();
        let (_, client) = connections::client_for(&backend, id).await.unwrap();
        assert_eq!(client.get_account_info(Default::default()).await.unwrap().result.account_id, 100_000);
        assert!(data.path().join("sandbox-credentials.json").exists());
    }
}

/// An upstream answering with a redirect gets no second request: following it would
/// resend the form, api_key included, to wherever it points.
#[tokio::test]
async fn a_redirect_from_upstream_is_not_followed() {
    let (evil, calls) = never_called().await;
    let redirect = axum::Router::new().fallback(move || {
        let evil = evil.clone();
        async move { (reqwest::StatusCode::TEMPORARY_REDIRECT, [(axum::http::header::LOCATION, format!("{evil}GetAccountInfo"))]) }
    });
    let (addr, _task) = common::serve(redirect).await;
    let secret = connections::SecretInput::ApiKey { account_id: 1, api_key: voximplant::Secret::new("the-key".to_string()) };
    let refused = connections::check(&format!("http://{addr}/platform_api/"), &secret).await.unwrap_err();
    assert!(matches!(refused, app::error::AppError::Unavailable { .. }), "{refused:?}");
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 0, "the redirect was not followed");
}
