//! The private PostgreSQL cluster: starts, keeps data across restarts, stops, and
//! never outlives Voxdesk, even when Voxdesk is killed or interrupted.

use std::{
    os::unix::fs::PermissionsExt,
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use server::embedded_pg::EmbeddedPostgres;
use sqlx::{ConnectOptions, Connection};

/// A data directory any service user can enter (tempfile makes them 0700).
fn data_dir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix("voxdesk-pg-test").tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn postgres_running_in(cluster_dir: &Path) -> bool {
    let needle = format!("-D\0{}", cluster_dir.display());
    std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
        std::fs::read(entry.path().join("cmdline"))
            .map(|cmdline| String::from_utf8_lossy(&cmdline).contains(&needle))
            .unwrap_or(false)
    })
}

fn wait_until(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    condition()
}

#[tokio::test]
async fn data_survives_a_restart_and_stop_leaves_no_process() {
    let dir = data_dir();
    // Not there yet: Voxdesk creates it, and must create it so the cluster fits inside.
    let data = dir.path().join("data");

    let cluster = EmbeddedPostgres::start(&data).await.expect("first start");
    let cluster_dir = cluster.cluster_dir().to_path_buf();
    assert_eq!(cluster_dir, data.join("postgres"), "cluster lives under the data dir");
    let mut connection = cluster.connect_options().connect().await.unwrap();
    sqlx::query("CREATE TABLE kept (value TEXT)").execute(&mut connection).await.unwrap();
    sqlx::query("INSERT INTO kept VALUES ('still here')").execute(&mut connection).await.unwrap();
    connection.close().await.unwrap();
    cluster.stop().await;
    assert!(!postgres_running_in(&cluster_dir), "postgres still running after stop");

    let cluster = EmbeddedPostgres::start(&data).await.expect("second start");
    let mut connection = cluster.connect_options().connect().await.unwrap();
    let value: String =
        sqlx::query_scalar("SELECT value FROM kept").fetch_one(&mut connection).await.unwrap();
    assert_eq!(value, "still here");
    connection.close().await.unwrap();
    cluster.stop().await;
    assert!(!postgres_running_in(&cluster_dir));
}

#[tokio::test]
async fn unreachable_data_dir_still_gets_a_cluster_when_root() {
    if !nix::unistd::Uid::effective().is_root() {
        return; // only root hands the cluster to another user
    }
    let dir = tempfile::Builder::new().prefix("voxdesk-pg-private").tempdir().unwrap();
    let private = dir.path().join("inner");
    std::fs::create_dir(&private).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();

    let cluster = EmbeddedPostgres::start(&private).await.expect("start with a 0700 parent");
    let cluster_dir = cluster.cluster_dir().to_path_buf();
    assert!(cluster_dir.starts_with("/var/lib/voxdesk"), "{}", cluster_dir.display());
    let mut connection = cluster.connect_options().connect().await.unwrap();
    let one: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&mut connection).await.unwrap();
    assert_eq!(one, 1);
    connection.close().await.unwrap();
    cluster.stop().await;
    std::fs::remove_dir_all(&cluster_dir).unwrap();
}

/// Runs the real binary with a private cluster and returns it once /healthz answers.
fn start_voxdesk(data: &Path) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(env!("CARGO_BIN_EXE_voxdesk"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(data)
        .env_remove("DATABASE_URL")
        .env("LEPTOS_OUTPUT_NAME", "voxdesk")
        .env("VOXDESK_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/healthz");
    let up = wait_until(Duration::from_secs(60), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
            && Command::new("curl").args(["-fsS", "-o", "/dev/null", &url]).status().is_ok_and(|s| s.success())
    });
    assert!(up, "voxdesk did not answer {url}");
    (child, url)
}

fn signal_and_wait(child: &mut std::process::Child, signal: nix::sys::signal::Signal) {
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, signal).unwrap();
    let exited = wait_until(Duration::from_secs(30), || child.try_wait().unwrap().is_some());
    assert!(exited, "voxdesk did not exit on {signal}");
}

#[test]
fn interrupting_voxdesk_stops_its_postgres() {
    let dir = data_dir();
    let (mut child, _) = start_voxdesk(dir.path());
    let cluster_dir = dir.path().join("postgres");
    assert!(postgres_running_in(&cluster_dir));
    signal_and_wait(&mut child, nix::sys::signal::Signal::SIGINT);
    assert!(child.wait().unwrap().success(), "Ctrl-C is a clean shutdown");
    assert!(!postgres_running_in(&cluster_dir), "postgres outlived voxdesk");
}

#[test]
fn killing_voxdesk_outright_still_stops_its_postgres() {
    let dir = data_dir();
    let (mut child, _) = start_voxdesk(dir.path());
    let cluster_dir = dir.path().join("postgres");
    signal_and_wait(&mut child, nix::sys::signal::Signal::SIGKILL);
    let gone = wait_until(Duration::from_secs(30), || !postgres_running_in(&cluster_dir));
    assert!(gone, "postgres outlived a killed voxdesk");
    // And the next start takes the cluster over cleanly.
    let (mut child, _) = start_voxdesk(dir.path());
    signal_and_wait(&mut child, nix::sys::signal::Signal::SIGTERM);
    assert!(child.wait().unwrap().success());
}

/// SIGTERM with a request in flight: that request is answered in full, new connections
/// are refused at once, and Voxdesk exits 0 within 10 s with its PostgreSQL stopped.
#[test]
fn sigterm_finishes_requests_in_flight_refuses_new_ones_and_exits_cleanly() {
    use std::io::{Read, Write};
    let dir = data_dir();
    let (mut child, health) = start_voxdesk(dir.path());
    let port: u16 = health.trim_start_matches("http://127.0.0.1:").trim_end_matches("/healthz").parse().unwrap();
    // A login whose body is still arriving when the signal comes.
    let body = "username=nobody&password=not+the+password+at+all";
    let mut in_flight = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        in_flight,
        "POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..10]
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));

    let signalled = Instant::now();
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGTERM).unwrap();
    let refused = wait_until(Duration::from_secs(5), || std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    assert!(refused, "new connections are still accepted after SIGTERM");

    in_flight.write_all(&body.as_bytes()[10..]).unwrap();
    in_flight.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut answer = String::new();
    in_flight.read_to_string(&mut answer).unwrap();
    let status = answer.lines().next().unwrap_or_default();
    // The wrong password's answer: the request went all the way through.
    assert!(status.starts_with("HTTP/1.1 422"), "the request in flight got {status:?}");

    let exited = wait_until(Duration::from_secs(10), || child.try_wait().unwrap().is_some());
    assert!(exited && signalled.elapsed() < Duration::from_secs(10), "voxdesk took longer than 10 s to stop");
    assert!(child.wait().unwrap().success(), "SIGTERM is a clean shutdown (exit 0)");
    assert!(!postgres_running_in(&dir.path().join("postgres")), "postgres outlived voxdesk");
}

/// With the private cluster, the application connects as its own role, which may
/// append audit events but not change or delete them (the triggers are a second wall).
#[tokio::test]
async fn the_private_cluster_application_role_cannot_rewrite_the_audit_log() {
    let dir = data_dir();
    let args = server::cli::DatabaseArgs {
        database_url: None,
        owner_database_url: None,
        data_dir: dir.path().join("data"),
        log_format: None,
    };
    let database = server::database::Database::open(&args).await.unwrap();
    database.prepare().await.unwrap();
    let app = &database.pool;
    let role: String = sqlx::query_scalar("SELECT current_user::text").fetch_one(app).await.unwrap();
    assert_eq!(role, server::database::EMBEDDED_APP_ROLE);
    let context = app::audit::ssr::AuditContext::system("test");
    let event = app::audit::ssr::NewEvent::fact("test.event", serde_json::json!([]), serde_json::json!({}), app::audit::Outcome::Ok);
    app::audit::ssr::append(app, &context, event).await.unwrap();
    for statement in ["UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events", "TRUNCATE audit_events", "SELECT audit_archive(1)"] {
        let error = sqlx::query(statement).execute(app).await.expect_err(statement).to_string();
        assert!(error.contains("permission denied"), "{statement}: {error}");
        assert!(!error.contains("append-only"), "{statement} was stopped by privileges, not only by the trigger: {error}");
    }
    database.close().await;
}

/// The cluster asks for a password on its own socket too (SCRAM): a local process
/// that can reach the socket but lacks the secret in the data directory is refused.
/// A cluster made when local connections were trusted is switched over at its next start.
#[tokio::test]
async fn the_private_cluster_requires_a_password() {
    let dir = data_dir();
    let data = dir.path().join("data");
    let cluster = EmbeddedPostgres::start(&data).await.expect("start");
    let cluster_dir = cluster.cluster_dir().to_path_buf();
    let hba = cluster_dir.join("pg_hba.conf");
    let methods = |text: &str| -> Vec<String> {
        text.lines().filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty()).filter_map(|l| l.split_whitespace().last().map(str::to_string)).collect()
    };
    assert!(methods(&std::fs::read_to_string(&hba).unwrap()).iter().all(|m| m == "scram-sha-256"));
    let without_password = |cluster: &EmbeddedPostgres| {
        let options = cluster.connect_options();
        let options = sqlx::postgres::PgConnectOptions::new()
            .socket(cluster_dir.join("run"))
            .port(options.get_port())
            .username("voxdesk")
            .database("voxdesk");
        async move { options.connect().await }
    };
    let refused = without_password(&cluster).await.expect_err("no password, no connection");
    assert!(refused.to_string().contains("password"), "{refused}");
    let secret = data.join(server::embedded_pg::SECRET_FILE);
    assert_eq!(std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777, 0o600);
    cluster.stop().await;

    // As clusters were made before: every local connection trusted.
    let trusting = std::fs::read_to_string(&hba).unwrap().replace("scram-sha-256", "trust");
    std::fs::write(&hba, trusting).unwrap();
    let cluster = EmbeddedPostgres::start(&data).await.expect("start after the switch");
    assert!(methods(&std::fs::read_to_string(&hba).unwrap()).iter().all(|m| m == "scram-sha-256"));
    assert!(without_password(&cluster).await.is_err(), "trust is gone after the switch");
    let connection = cluster.connect_options().connect().await.expect("the secret still works");
    connection.close().await.unwrap();
    cluster.stop().await;
}

/// `voxdesk <command>` on the data directory of a running server.
fn voxdesk_command(data: &Path, args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_voxdesk"))
        .arg(args[0])
        .arg("--data-dir")
        .arg(data)
        .args(&args[1..])
        .env_remove("DATABASE_URL")
        .env_remove("VOXDESK_MASTER_KEY")
        .env("VOXDESK_LOG_FORMAT", "json")
        .output()
        .unwrap();
    (output.status.success(), format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)))
}

/// A command run beside a server uses the server's private cluster and leaves it
/// running; rotating the master key waits for the server to stop; a second server on
/// the same data directory is refused.
#[test]
fn commands_beside_a_running_server_use_its_database_and_leave_it_running() {
    let dir = data_dir();
    let (mut server, health) = start_voxdesk(dir.path());
    let healthy = || Command::new("curl").args(["-fsS", "-o", "/dev/null", &health]).status().is_ok_and(|s| s.success());

    let add = ["user", "add", "--username", "ops", "--email", "ops@voxdesk.example", "--display-name", "Ops", "--role", "admin"];
    let (ok, out) = voxdesk_command(dir.path(), &add);
    assert!(ok, "{out}");
    assert!(healthy(), "the server's database survived the command");
    assert!(postgres_running_in(&dir.path().join("postgres")));
    let (ok, out) = voxdesk_command(dir.path(), &["audit", "verify"]);
    assert!(ok && out.contains("intact"), "{out}");

    let (ok, out) = voxdesk_command(dir.path(), &["keys", "rotate"]);
    assert!(!ok && out.contains("stop every instance before you rotate the master key"), "{out}");
    assert!(healthy());

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let second = Command::new(env!("CARGO_BIN_EXE_voxdesk"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(dir.path())
        .env_remove("DATABASE_URL")
        .env("LEPTOS_OUTPUT_NAME", "voxdesk")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(!second.status.success() && said.contains(&format!("another voxdesk (pid {})", server.id())), "{said}");
    assert!(healthy());

    // With the server stopped, the rotation goes through, and its new key opens everything.
    signal_and_wait(&mut server, nix::sys::signal::Signal::SIGTERM);
    let (ok, out) = voxdesk_command(dir.path(), &["keys", "rotate"]);
    assert!(ok && out.contains("rotated the master key"), "{out}");
}
