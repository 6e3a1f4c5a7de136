//! A private PostgreSQL cluster for installs without `DATABASE_URL`.
//!
//! The cluster lives under the data directory (so data survives restarts), listens
//! only on a unix socket in a directory only its owner can enter, and is stopped
//! when Voxdesk exits. PostgreSQL refuses to run as root, so when Voxdesk runs as
//! root the cluster runs as an unprivileged system user instead.

use std::{
    ffi::OsStr,
    os::unix::{fs::PermissionsExt, process::CommandExt},
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};

use nix::{
    sys::signal::{kill, Signal},
    unistd::{chown, Gid, Pid, Uid, User},
};
use sqlx::postgres::PgConnectOptions;
use tokio::process::{Child, Command};

/// The superuser `initdb` creates and the database Voxdesk uses.
const ROLE: &str = "voxdesk";
const DATABASE: &str = "voxdesk";
/// Only part of the socket's file name: the cluster never listens on TCP.
const PORT: u16 = 5432;
/// Unix socket paths longer than this do not fit in `sockaddr_un`.
const MAX_SOCKET_PATH: usize = 100;
const START_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_TIMEOUT: Duration = Duration::from_secs(30);
/// System users tried, in order, when Voxdesk runs as root.
const SERVICE_USERS: &[&str] = &["postgres", "voxdesk-pg"];

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedPgError {
    #[error(
        "PostgreSQL server binaries (initdb, postgres) were not found on PATH, via \
         `pg_config --bindir`, or under /usr/lib/postgresql/*/bin.\n  \
         Install them (Debian/Ubuntu: `apt-get install postgresql`), or use an existing \
         server by setting DATABASE_URL=postgres://USER:PASSWORD@HOST/DATABASE."
    )]
    BinariesNotFound,
    #[error("cannot prepare {path}: {source}")]
    Filesystem { path: PathBuf, source: std::io::Error },
    #[error("running as root, but no unprivileged user could be found or created to run PostgreSQL: {0}")]
    NoServiceUser(String),
    #[error("`{command}` failed: {output}")]
    Command { command: String, output: String },
    #[error("PostgreSQL did not start within {seconds} s; its log ({log}) ends with:\n{tail}")]
    StartTimeout { seconds: u64, log: PathBuf, tail: String },
    #[error("PostgreSQL exited while starting; its log ({log}) ends with:\n{tail}")]
    Exited { log: PathBuf, tail: String },
    #[error("cannot create the voxdesk database: {0}")]
    CreateDatabase(sqlx::Error),
}

type Result<T> = std::result::Result<T, EmbeddedPgError>;

/// A running private cluster. Call [`EmbeddedPostgres::stop`] on shutdown; if
/// Voxdesk dies without doing so, the kernel stops the cluster for it (see `spawn`).
pub struct EmbeddedPostgres {
    cluster_dir: PathBuf,
    socket_dir: PathBuf,
    /// The secret the roles' passwords derive from (`postgres-secret` in the data
    /// directory): the cluster asks for a password (SCRAM) on its socket too.
    secret: String,
    child: Option<Child>,
}

/// The file in the data directory holding the cluster's password secret.
pub const SECRET_FILE: &str = "postgres-secret";

/// Who owns and runs the cluster.
#[derive(Clone, Copy)]
struct Owner {
    uid: Uid,
    gid: Gid,
}

impl EmbeddedPostgres {
    /// Starts (initialising on first use) the cluster kept under `data_dir`.
    pub async fn start(data_dir: &Path) -> Result<Self> {
        let bin_dir = find_bin_dir().ok_or(EmbeddedPgError::BinariesNotFound)?;
        let owner = service_owner()?;
        let data_dir = absolute(data_dir)?;
        // Others may pass through (the service user must reach the cluster inside)
        // but not list it; what is inside protects itself.
        create_dir(&data_dir, None, 0o711)?;

        let secret = load_or_create_secret(&data_dir)?;
        let cluster_dir = cluster_dir_for(&data_dir, owner).await?;
        if !cluster_dir.join("PG_VERSION").exists() {
            tracing::info!(dir = %cluster_dir.display(), "initialising the embedded PostgreSQL cluster");
            init_cluster(&bin_dir, &cluster_dir, owner, &role_password(&secret, ROLE)).await?;
        }
        // After initdb, which wants an empty directory.
        let socket_dir = socket_dir_for(&cluster_dir);
        private_dir(&socket_dir, owner)?;
        stop_orphan(&cluster_dir).await;

        let log = cluster_dir.join("postgres.log");
        let child = spawn_postgres(&bin_dir, &cluster_dir, &socket_dir, &log, owner)?;
        let mut cluster = EmbeddedPostgres { cluster_dir, socket_dir, secret, child: Some(child) };
        cluster.wait_until_ready(&log).await?;
        cluster.require_passwords().await?;
        cluster.ensure_database().await?;
        tracing::info!(
            socket = %cluster.socket_dir.display(),
            "embedded PostgreSQL is running"
        );
        Ok(cluster)
    }

    /// The cluster another `voxdesk` process started for `data_dir` (it holds the data
    /// directory's lock): connected to as it is, and never stopped by this process.
    pub async fn attach(data_dir: &Path) -> Result<Self> {
        let owner = service_owner()?;
        let data_dir = absolute(data_dir)?;
        let secret = load_or_create_secret(&data_dir)?;
        let cluster_dir = cluster_dir_for(&data_dir, owner).await?;
        let socket_dir = socket_dir_for(&cluster_dir);
        let cluster = EmbeddedPostgres { cluster_dir, socket_dir, secret, child: None };
        use sqlx::Connection;
        let connection = sqlx::ConnectOptions::connect(&cluster.options_for("postgres")).await.map_err(EmbeddedPgError::CreateDatabase)?;
        connection.close().await.map_err(EmbeddedPgError::CreateDatabase)?;
        Ok(cluster)
    }

    /// Connection options for the `voxdesk` database over the private socket.
    pub fn connect_options(&self) -> PgConnectOptions {
        self.options_for(DATABASE)
    }

    pub fn cluster_dir(&self) -> &Path {
        &self.cluster_dir
    }

    fn options_for(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .port(PORT)
            .username(ROLE)
            .password(&role_password(&self.secret, ROLE))
            .database(database)
    }

    /// Connection options for `role` (one [`EmbeddedPostgres::set_password`] gave a password).
    pub fn connect_options_as(&self, role: &str) -> PgConnectOptions {
        self.connect_options().username(role).password(&role_password(&self.secret, role))
    }

    /// Gives `role` its password (derived from the secret), as the superuser.
    pub async fn set_password(&self, owner: &sqlx::PgPool, role: &str) -> std::result::Result<(), sqlx::Error> {
        // Hex only, so it can be written into the statement (ALTER ROLE takes no parameters).
        let password = role_password(&self.secret, role);
        sqlx::query(&format!("ALTER ROLE \"{role}\" PASSWORD '{password}'")).execute(owner).await.map(|_| ())
    }

    /// Clusters made before passwords were required trusted every local connection:
    /// the superuser gets its password, `pg_hba.conf` asks for it (SCRAM), and the
    /// server rereads it. New clusters are made that way by `initdb`.
    async fn require_passwords(&self) -> Result<()> {
        let hba = self.cluster_dir.join("pg_hba.conf");
        let text = std::fs::read_to_string(&hba).map_err(|source| EmbeddedPgError::Filesystem { path: hba.clone(), source })?;
        if !text.lines().any(|line| !line.trim_start().starts_with('#') && line.split_whitespace().last() == Some("trust")) {
            return Ok(());
        }
        use sqlx::Connection;
        let mut connection =
            sqlx::ConnectOptions::connect(&self.options_for("postgres")).await.map_err(EmbeddedPgError::CreateDatabase)?;
        let password = role_password(&self.secret, ROLE);
        sqlx::query(&format!("ALTER ROLE {ROLE} PASSWORD '{password}'"))
            .execute(&mut connection)
            .await
            .map_err(EmbeddedPgError::CreateDatabase)?;
        let rewritten: Vec<String> = text
            .lines()
            .map(|line| match line.trim_start().starts_with('#') || line.split_whitespace().last() != Some("trust") {
                true => line.to_string(),
                false => format!("{} scram-sha-256", line.trim_end().trim_end_matches("trust").trim_end()),
            })
            .collect();
        std::fs::write(&hba, rewritten.join("\n") + "\n").map_err(|source| EmbeddedPgError::Filesystem { path: hba.clone(), source })?;
        sqlx::query("SELECT pg_reload_conf()").execute(&mut connection).await.map_err(EmbeddedPgError::CreateDatabase)?;
        tracing::warn!(file = %hba.display(), "the embedded PostgreSQL cluster trusted local connections; it now requires passwords");
        connection.close().await.map_err(EmbeddedPgError::CreateDatabase)
    }

    async fn wait_until_ready(&mut self, log: &Path) -> Result<()> {
        let started = Instant::now();
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(_)) = child.try_wait() {
                    self.child = None;
                    return Err(EmbeddedPgError::Exited { log: log.into(), tail: log_tail(log) });
                }
            }
            let probe = sqlx::ConnectOptions::connect(&self.options_for("postgres")).await;
            if let Ok(connection) = probe {
                let _ = sqlx::Connection::close(connection).await;
                return Ok(());
            }
            if started.elapsed() > START_TIMEOUT {
                return Err(EmbeddedPgError::StartTimeout {
                    seconds: START_TIMEOUT.as_secs(),
                    log: log.into(),
                    tail: log_tail(log),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn ensure_database(&self) -> Result<()> {
        use sqlx::{Connection, Executor};
        let mut connection = sqlx::ConnectOptions::connect(&self.options_for("postgres"))
            .await
            .map_err(EmbeddedPgError::CreateDatabase)?;
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(DATABASE)
                .fetch_one(&mut connection)
                .await
                .map_err(EmbeddedPgError::CreateDatabase)?;
        if !exists {
            connection
                .execute(format!("CREATE DATABASE {DATABASE}").as_str())
                .await
                .map_err(EmbeddedPgError::CreateDatabase)?;
        }
        connection.close().await.map_err(EmbeddedPgError::CreateDatabase)
    }

    /// Fast shutdown: disconnects clients, checkpoints, exits. Waits for it.
    pub async fn stop(mut self) {
        let Some(mut child) = self.child.take() else { return };
        if let Some(pid) = child.id() {
            let _ = kill(Pid::from_raw(pid as i32), Signal::SIGINT);
        }
        match tokio::time::timeout(STOP_TIMEOUT, child.wait()).await {
            Ok(_) => tracing::info!("embedded PostgreSQL stopped"),
            Err(_) => {
                tracing::warn!("embedded PostgreSQL did not stop in time; killing it");
                let _ = child.kill().await;
            }
        }
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        // Reached only when `stop` was not awaited (an early error return, a panic):
        // still ask the cluster to shut down rather than leave it running.
        if let Some(pid) = self.child.as_ref().and_then(Child::id) {
            let _ = kill(Pid::from_raw(pid as i32), Signal::SIGINT);
        }
    }
}

/// Finds a directory holding `initdb`, `pg_ctl` and `postgres`.
pub fn find_bin_dir() -> Option<PathBuf> {
    let has_server = |dir: &Path| ["initdb", "postgres"].iter().all(|b| dir.join(b).is_file());

    let from_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    if let Some(dir) = from_path.into_iter().find(|d| has_server(d)) {
        return Some(dir);
    }
    if let Ok(output) = std::process::Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if output.status.success() && has_server(&dir) {
            return Some(dir);
        }
    }
    // Debian and Ubuntu keep the server outside PATH, one directory per major version.
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let major = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let dir = entry.path().join("bin");
            has_server(&dir).then_some((major, dir))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, dir)| dir)
}

/// `None` when Voxdesk itself may run PostgreSQL; otherwise the unprivileged owner.
fn service_owner() -> Result<Option<Owner>> {
    if !Uid::effective().is_root() {
        return Ok(None);
    }
    let lookup = |name: &str| {
        User::from_name(name).ok().flatten().map(|user| Owner { uid: user.uid, gid: user.gid })
    };
    if let Some(owner) = SERVICE_USERS.iter().find_map(|name| lookup(name)) {
        return Ok(Some(owner));
    }
    let name = SERVICE_USERS[SERVICE_USERS.len() - 1];
    let output = std::process::Command::new("useradd")
        .args(["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name])
        .output()
        .map_err(|error| EmbeddedPgError::NoServiceUser(format!("useradd: {error}")))?;
    if !output.status.success() {
        return Err(EmbeddedPgError::NoServiceUser(
            String::from_utf8_lossy(&output.stderr).trim().to_string(),
        ));
    }
    lookup(name).map(Some).ok_or_else(|| EmbeddedPgError::NoServiceUser(format!("{name} not found after useradd")))
}

/// The cluster's directory: `<data_dir>/postgres`, unless the service user cannot
/// reach it (a data directory under root's 0700 home, say). Then the cluster goes to
/// a directory of its own under /var/lib/voxdesk, named after the data directory.
async fn cluster_dir_for(data_dir: &Path, owner: Option<Owner>) -> Result<PathBuf> {
    let preferred = data_dir.join("postgres");
    let Some(owner) = owner else {
        create_dir(&preferred, None, 0o700)?;
        return Ok(preferred);
    };
    if can_enter(data_dir, owner).await {
        create_dir(&preferred, Some(owner), 0o700)?;
        return Ok(preferred);
    }
    let fallback = PathBuf::from("/var/lib/voxdesk").join(format!("postgres-{:016x}", path_hash(data_dir)));
    tracing::warn!(
        data_dir = %data_dir.display(),
        cluster_dir = %fallback.display(),
        "the PostgreSQL service user cannot enter the data directory; keeping the cluster elsewhere"
    );
    create_dir(fallback.parent().expect("has a parent"), None, 0o755)?;
    create_dir(&fallback, Some(owner), 0o700)?;
    Ok(fallback)
}

fn socket_dir_for(cluster_dir: &Path) -> PathBuf {
    let preferred = cluster_dir.join("run");
    let socket_file = preferred.join(format!(".s.PGSQL.{PORT}.lock"));
    if socket_file.as_os_str().len() <= MAX_SOCKET_PATH {
        preferred
    } else {
        std::env::temp_dir().join(format!("voxdesk-pg-{:016x}", path_hash(cluster_dir)))
    }
}

async fn can_enter(dir: &Path, owner: Owner) -> bool {
    let mut test = Command::new("test");
    test.arg("-x").arg(dir).uid(owner.uid.as_raw()).gid(owner.gid.as_raw());
    matches!(test.status().await, Ok(status) if status.success())
}

async fn init_cluster(bin_dir: &Path, cluster_dir: &Path, owner: Option<Owner>, password: &str) -> Result<()> {
    // initdb reads the superuser's password from a file, which its user must read: a
    // private one beside the cluster (the cluster directory itself must be empty).
    let password_file = cluster_dir.with_extension("initdb-password");
    write_private_file(&password_file, password.as_bytes(), owner)?;
    let mut initdb = Command::new(bin_dir.join("initdb"));
    initdb
        .arg("--pgdata")
        .arg(cluster_dir)
        .args(["--username", ROLE, "--auth", "scram-sha-256", "--encoding", "UTF8", "--locale", "C.UTF-8"])
        .arg(format!("--pwfile={}", password_file.display()))
        .args(["--no-instructions"])
        .current_dir(cluster_dir);
    as_owner(initdb.as_std_mut(), owner);
    let result = run(initdb).await;
    let _ = std::fs::remove_file(&password_file);
    result
}

/// The cluster's secret: read from the data directory, or created there (mode 0600).
fn load_or_create_secret(data_dir: &Path) -> Result<String> {
    let path = data_dir.join(SECRET_FILE);
    let fs_error = |source| EmbeddedPgError::Filesystem { path: path.clone(), source };
    match std::fs::read_to_string(&path) {
        Ok(text) if !text.trim().is_empty() => {
            app::private_file::refuse_if_others_can_read(&path).map_err(|why| fs_error(std::io::Error::other(why)))?;
            Ok(text.trim().to_string())
        }
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(fs_error(error)),
        _ => {
            let secret = hex::encode(rand::random::<[u8; 32]>());
            write_private_file(&path, secret.as_bytes(), None)?;
            Ok(secret)
        }
    }
}

/// A role's password: SHA-256 of the secret and the role's name, in hex.
fn role_password(secret: &str, role: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(format!("voxdesk-embedded-postgres|{secret}|{role}").as_bytes()))
}

/// Creates `path` (mode 0600, replacing it), owned by `owner` when given.
fn write_private_file(path: &Path, bytes: &[u8], owner: Option<Owner>) -> Result<()> {
    let fs_error = |source| EmbeddedPgError::Filesystem { path: path.into(), source };
    app::private_file::write(path, bytes, app::private_file::Existing::Recreate).map_err(fs_error)?;
    if let Some(owner) = owner {
        chown(path, Some(owner.uid), Some(owner.gid)).map_err(|e| fs_error(e.into()))?;
    }
    Ok(())
}

fn spawn_postgres(
    bin_dir: &Path,
    cluster_dir: &Path,
    socket_dir: &Path,
    log: &Path,
    owner: Option<Owner>,
) -> Result<Child> {
    let log_file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|source| EmbeddedPgError::Filesystem { path: log.into(), source })?;
    if let Some(owner) = owner {
        let _ = chown(log, Some(owner.uid), Some(owner.gid));
    }
    let stderr = log_file
        .try_clone()
        .map_err(|source| EmbeddedPgError::Filesystem { path: log.into(), source })?;
    let mut postgres = Command::new(bin_dir.join("postgres"));
    postgres
        .arg("-D")
        .arg(cluster_dir)
        .arg("-k")
        .arg(socket_dir)
        .args(["-p", &PORT.to_string()])
        .args(["-c", "listen_addresses="])
        .args(["-c", "unix_socket_permissions=0700"])
        .current_dir(cluster_dir)
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(stderr);
    let std_command = postgres.as_std_mut();
    as_owner(std_command, owner);
    // Its own process group, so a terminal's Ctrl-C reaches Voxdesk only and the
    // shutdown happens in order (HTTP server, pool, then the database).
    std_command.process_group(0);
    // SAFETY: prctl is async-signal-safe; the closure allocates nothing.
    unsafe {
        std_command.pre_exec(|| {
            // If Voxdesk dies without stopping the cluster (kill -9), the kernel sends
            // the fast-shutdown signal, so no orphan postgres outlives it. Set after
            // the uid change (std runs pre_exec last), which would otherwise clear it.
            if nix::libc::prctl(nix::libc::PR_SET_PDEATHSIG, nix::libc::SIGINT) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    postgres.spawn().map_err(|error| EmbeddedPgError::Command {
        command: format!("{} -D {}", bin_dir.join("postgres").display(), cluster_dir.display()),
        output: error.to_string(),
    })
}

/// A postmaster left from a Voxdesk that was killed before the kernel could signal it
/// holds the cluster's lock; ask it to shut down so this start can take over.
async fn stop_orphan(cluster_dir: &Path) {
    let Ok(pid_file) = std::fs::read_to_string(cluster_dir.join("postmaster.pid")) else { return };
    let Some(pid) = pid_file.lines().next().and_then(|l| l.trim().parse::<i32>().ok()) else { return };
    let pid = Pid::from_raw(pid);
    if kill(pid, None).is_err() {
        return; // stale file: PostgreSQL removes it itself
    }
    let is_postgres = std::fs::read_link(format!("/proc/{pid}/exe"))
        .map(|exe| exe.file_name() == Some(OsStr::new("postgres")))
        .unwrap_or(false);
    if !is_postgres {
        return;
    }
    tracing::warn!(%pid, "stopping a PostgreSQL left running by an earlier Voxdesk");
    let _ = kill(pid, Signal::SIGINT);
    let deadline = Instant::now() + STOP_TIMEOUT;
    while kill(pid, None).is_ok() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn as_owner(command: &mut std::process::Command, owner: Option<Owner>) {
    if let Some(owner) = owner {
        // std also drops root's supplementary groups when it changes the uid.
        command.uid(owner.uid.as_raw()).gid(owner.gid.as_raw());
    }
}

async fn run(mut command: Command) -> Result<()> {
    let description = format!("{:?}", command.as_std());
    let output = command.output().await.map_err(|error| EmbeddedPgError::Command {
        command: description.clone(),
        output: error.to_string(),
    })?;
    if output.status.success() {
        return Ok(());
    }
    let mut text = String::from_utf8_lossy(&output.stderr).trim().to_string();
    if text.is_empty() {
        text = String::from_utf8_lossy(&output.stdout).trim().to_string();
    }
    Err(EmbeddedPgError::Command { command: description, output: text })
}

fn create_dir(path: &Path, owner: Option<Owner>, mode: u32) -> Result<()> {
    let fs_error = |source| EmbeddedPgError::Filesystem { path: path.into(), source };
    if !path.exists() {
        std::fs::create_dir_all(path).map_err(fs_error)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(fs_error)?;
    }
    if let Some(owner) = owner {
        chown(path, Some(owner.uid), Some(owner.gid)).map_err(|e| fs_error(e.into()))?;
    }
    Ok(())
}

/// A directory only `owner` (else this process's user) may use, checked without
/// following links: created mode 0700, or, when it exists (the socket directory under
/// `$TMPDIR` is reused across restarts), refused unless it is a real directory owned by
/// that user with no access for anyone else. Someone who planted a symlink or a
/// directory of their own there gets no socket of ours.
fn private_dir(path: &Path, owner: Option<Owner>) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let fs_error = |source| EmbeddedPgError::Filesystem { path: path.into(), source };
    let refuse = |why: String| {
        fs_error(std::io::Error::other(format!("{why}; refusing to put the database socket there (remove it, or use a shorter data directory path)")))
    };
    match std::fs::DirBuilder::new().mode(0o700).create(path) {
        Ok(()) => {
            if let Some(owner) = owner {
                chown(path, Some(owner.uid), Some(owner.gid)).map_err(|e| fs_error(e.into()))?;
            }
        }
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(error) => return Err(fs_error(error)),
    }
    let metadata = std::fs::symlink_metadata(path).map_err(fs_error)?;
    let expected = owner.map(|o| o.uid.as_raw()).unwrap_or_else(|| nix::unistd::geteuid().as_raw());
    if metadata.file_type().is_symlink() || !metadata.is_dir() {
        return Err(refuse("it is not a directory of its own (a symlink?)".into()));
    }
    if metadata.uid() != expected {
        return Err(refuse(format!("it belongs to uid {}, not {expected}", metadata.uid())));
    }
    if metadata.mode() & 0o077 != 0 {
        return Err(refuse(format!("others may use it (mode {:o})", metadata.mode() & 0o777)));
    }
    Ok(())
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).map_err(|source| EmbeddedPgError::Filesystem { path: path.into(), source })
}

fn path_hash(path: &Path) -> u64 {
    // FNV-1a: stable across releases, unlike std's DefaultHasher.
    path.as_os_str().as_encoded_bytes().iter().fold(0xcbf29ce484222325_u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x100000001b3)
    })
}

fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_socket_directory_someone_else_prepared_is_refused() {
        let base = tempfile::tempdir().unwrap();
        let fresh = base.path().join("fresh");
        private_dir(&fresh, None).expect("created");
        assert_eq!(std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777, 0o700);
        private_dir(&fresh, None).expect("ours, reused");

        let elsewhere = base.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        let planted = base.path().join("planted");
        std::os::unix::fs::symlink(&elsewhere, &planted).unwrap();
        let error = private_dir(&planted, None).unwrap_err().to_string();
        assert!(error.contains("not a directory of its own"), "{error}");

        let open = base.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let error = private_dir(&open, None).unwrap_err().to_string();
        assert!(error.contains("others may use it (mode 777)"), "{error}");
    }

    #[test]
    fn each_role_gets_its_own_password() {
        assert_ne!(role_password("s", "voxdesk"), role_password("s", "voxdesk_app"));
        assert_ne!(role_password("s", "voxdesk"), role_password("t", "voxdesk"));
        assert_eq!(role_password("s", "voxdesk").len(), 64);
    }
}
