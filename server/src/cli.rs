//! The `voxdesk` command line. Every flag can also come from the environment
//! (`VOXDESK_*`, or the conventional `DATABASE_URL`), so deployments need no flags.

use std::{net::SocketAddr, path::PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "voxdesk",
    version,
    about = "Voxdesk: the web portal for Voximplant resellers",
    long_about = "Voxdesk: the web portal for Voximplant resellers.\n\n\
                  Without a subcommand, `voxdesk` serves the portal (same as `voxdesk serve`).",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the portal (the default).
    Serve(ServeArgs),
    /// Apply pending database migrations, then exit.
    Migrate(DatabaseArgs),
    /// Run the sandbox: an offline Voximplant Management API (Accounts methods).
    Sandbox(SandboxArgs),
    /// Manage portal users (the first admin is made here or on the /setup page).
    User(UserArgs),
    /// Manage the master keys that seal stored Voximplant credentials.
    Keys(KeysArgs),
    /// The audit log: verify its hash chain.
    Audit(AuditArgs),
}

#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    #[command(subcommand)]
    pub action: AuditAction,
}

#[derive(Debug, Clone, Subcommand)]
pub enum AuditAction {
    /// Recompute every event's hash and link; report the first bad event, or the
    /// head hash to keep elsewhere. Exits 1 when the chain is broken.
    Verify {
        /// Check this archive or JSON Lines export instead, on its own (no database):
        /// every line's hash, and the links between consecutive events.
        #[arg(long)]
        file: Option<PathBuf>,
        /// The file is a filtered export: events may be left out between lines.
        #[arg(long, requires = "file")]
        allow_gaps: bool,
    },
    /// Move old events to a JSON Lines file and out of the database (the only way
    /// events are ever deleted; the archival itself is audited). Keeps everything
    /// unless --before or a retention is given.
    Archive {
        /// Archive events before this day (YYYY-MM-DD, UTC).
        #[arg(long)]
        before: Option<String>,
        /// Or: archive events older than this many days.
        #[arg(long, env = "VOXDESK_AUDIT_RETENTION_DAYS")]
        retention_days: Option<u32>,
        /// The archive file to create (it must not exist).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Clone, Args)]
pub struct KeysArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    #[command(subcommand)]
    pub action: KeysAction,
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum KeysAction {
    /// Add a new master key, re-seal every stored credential's data key with it,
    /// and retire the old key.
    Rotate,
}

#[derive(Debug, Clone, Args)]
pub struct UserArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    #[command(subcommand)]
    pub action: UserAction,
}

#[derive(Debug, Clone, Subcommand)]
pub enum UserAction {
    /// Add a user. Without --password, one is generated and printed once.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        display_name: String,
        /// admin, reseller, support or auditor.
        #[arg(long)]
        role: String,
        /// Prefer the generated one: a password on the command line lands in shell history.
        #[arg(long, env = "VOXDESK_NEW_USER_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// List users.
    List,
    /// Change a user's role (their sessions end).
    SetRole { username: String, role: String },
    /// Disable a user (their sessions end at once).
    Disable { username: String },
    /// Enable a disabled user.
    Enable { username: String },
    /// Give a user a new password, generated and printed once (their sessions end).
    ResetPassword { username: String },
}

#[derive(Debug, Clone, Args)]
pub struct SandboxArgs {
    /// Address to listen on. The API is at http://ADDR/platform_api/.
    #[arg(long, env = "VOXDESK_SANDBOX_LISTEN", default_value = "127.0.0.1:8090")]
    pub listen: SocketAddr,

    /// Keep the sandbox's state in this JSON file (loaded at start). In memory when unset.
    #[arg(long, env = "VOXDESK_SANDBOX_STATE")]
    pub state_file: Option<PathBuf>,

    /// Child accounts to seed under the parent on first start.
    #[arg(long, env = "VOXDESK_SANDBOX_CHILDREN", default_value_t = 40, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    pub seed_children: u32,

    /// Write the parent's service-account credentials JSON here (for JWT clients).
    #[arg(long, env = "VOXDESK_SANDBOX_CREDENTIALS_OUT")]
    pub credentials_out: Option<PathBuf>,

    /// Calls per second one account may make before error 340.
    #[arg(long, env = "VOXDESK_SANDBOX_RATE_LIMIT", default_value_t = 200)]
    pub rate_limit: u32,

    /// Faults to inject from the start: a JSON object of method (or "*") to fault,
    /// e.g. {"*": {"latency_ms": 200, "error_rate": 0.1}}. Also settable at
    /// POST /_sandbox/faults.
    #[arg(long, env = "VOXDESK_SANDBOX_FAULTS")]
    pub faults: Option<String>,

    /// Log format. Default: pretty on a terminal, JSON otherwise.
    #[arg(long, env = "VOXDESK_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
}

impl Cli {
    /// The subcommand to run, `serve` when none was given.
    pub fn into_command(self) -> Command {
        self.command.unwrap_or(Command::Serve(self.serve))
    }
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// PostgreSQL to use. When unset, Voxdesk runs a private cluster under --data-dir.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// The role that owns Voxdesk's tables, when DATABASE_URL's role is a separate
    /// application role: migrations, archival and the application role's privileges
    /// (everything but changing or deleting audit events) run through this one.
    #[arg(long, env = "VOXDESK_OWNER_DATABASE_URL", hide_env_values = true, requires = "database_url")]
    pub owner_database_url: Option<String>,

    /// Where Voxdesk keeps its state (the private PostgreSQL cluster among it).
    #[arg(long, env = "VOXDESK_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Log format. Default: pretty on a terminal, JSON otherwise.
    #[arg(long, env = "VOXDESK_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Address to listen on.
    #[arg(long, env = "VOXDESK_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// The URL users reach Voxdesk at. An https URL makes session cookies `Secure`.
    /// Plain http is accepted only on a loopback address. Default: http://LISTEN on
    /// loopback, otherwise https (TLS terminated by a proxy in front).
    #[arg(long, env = "VOXDESK_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "VOXDESK_SESSION_IDLE_MINUTES", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=1440))]
    pub session_idle_minutes: u32,

    /// Demo mode: one user per role (passwords printed once) and, for Voximplant, the
    /// built-in sandbox. Without it nothing of the sandbox is exposed.
    #[arg(long, env = "VOXDESK_DEMO")]
    pub demo: bool,

    /// Demo mode: child accounts the demo sandbox seeds when it starts with no state.
    #[arg(long, env = "VOXDESK_DEMO_CHILDREN", default_value_t = 40, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    pub demo_children: u32,

    /// Demo mode: calls per second one account may make to the demo sandbox (error 340
    /// past it). Load tests raise it.
    #[arg(long, env = "VOXDESK_DEMO_RATE_LIMIT", default_value_t = 200)]
    pub demo_rate_limit: u32,

    /// A reverse proxy in front of Voxdesk (an address or CIDR network; repeat the flag
    /// or separate with commas). Only requests from these have `X-Forwarded-For` read,
    /// right to left, for the client's address. Default: none (the header is ignored).
    #[arg(long = "trusted-proxy", env = "VOXDESK_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<String>,

    /// A token that lets a scraper read `/metrics` from elsewhere than loopback
    /// (`Authorization: Bearer <token>`). Set it in the environment, not on the command
    /// line, where other local users could read it. Without it, only direct loopback
    /// clients may read `/metrics`.
    #[arg(long, env = "VOXDESK_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// Hours after login at which a session ends however active it is.
    #[arg(long, env = "VOXDESK_SESSION_ABSOLUTE_HOURS", default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=168))]
    pub session_absolute_hours: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, clap::Error> {
        Cli::try_parse_from(std::iter::once("voxdesk").chain(args.iter().copied())).map(Cli::into_command)
    }

    #[test]
    fn serve_is_the_default_and_takes_its_flags_at_top_level() {
        let Command::Serve(args) = parse(&["--listen", "127.0.0.1:4000"]).unwrap() else {
            panic!("expected serve");
        };
        assert_eq!(args.listen.port(), 4000);
        let Command::Serve(args) = parse(&["serve", "--data-dir", "/srv/vox"]).unwrap() else {
            panic!("expected serve");
        };
        assert_eq!(args.database.data_dir, PathBuf::from("/srv/vox"));
    }

    #[test]
    fn sandbox_is_a_subcommand_with_its_own_flags() {
        let Command::Sandbox(args) = parse(&["sandbox", "--listen", "127.0.0.1:9000", "--seed-children", "10000"]).unwrap()
        else {
            panic!("expected sandbox");
        };
        assert_eq!(args.listen.port(), 9000);
        assert_eq!(args.seed_children, 10_000);
        assert!(parse(&["sandbox", "--seed-children", "100001"]).is_err());
    }

    #[test]
    fn migrate_is_a_subcommand() {
        assert!(matches!(parse(&["migrate"]).unwrap(), Command::Migrate(_)));
    }

    #[test]
    fn unknown_flag_is_a_clear_error() {
        let error = parse(&["--no-such-flag"]).unwrap_err();
        assert_eq!(error.kind(), clap::error::ErrorKind::UnknownArgument);
        assert!(error.to_string().contains("--no-such-flag"), "{error}");
    }

    #[test]
    fn bad_values_are_rejected() {
        assert!(parse(&["--listen", "not-an-address"]).is_err());
        assert!(parse(&["--log-format", "xml"]).is_err());
        assert!(parse(&["--session-idle-minutes", "0"]).is_err());
    }

    #[test]
    fn help_lists_the_subcommands() {
        let help = parse(&["--help"]).unwrap_err().to_string();
        assert!(help.contains("serve") && help.contains("migrate"), "{help}");
    }
}

/// Who runs a command, for the audit log: the operating-system account of this
/// process's uid (not `$USER`, which anyone can set). Run as root through sudo, the
/// invoking user sudo names is added, marked as sudo's word.
pub fn actor() -> String {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").map(|meta| meta.uid()).ok();
    let mut actor = match uid {
        Some(uid) => match account_name(uid) {
            Some(name) => format!("cli:{name}"),
            None => format!("cli:uid {uid}"),
        },
        None => "cli:unknown".to_string(),
    };
    if uid == Some(0) {
        if let Ok(invoker) = std::env::var("SUDO_USER") {
            let invoker: String = invoker.chars().take(32).collect();
            actor.push_str(&format!(" (sudo from {invoker})"));
        }
    }
    actor
}

/// The account with `uid` in /etc/passwd.
fn account_name(uid: u32) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id = fields.nth(1)?.parse::<u32>().ok()?;
        (id == uid).then(|| name.to_string())
    })
}

#[cfg(test)]
mod actor_tests {
    #[test]
    fn the_actor_is_the_processs_account_whatever_user_says() {
        let actor = super::actor();
        assert!(actor.starts_with("cli:"), "{actor}");
        // root is always uid 0 in /etc/passwd.
        assert_eq!(super::account_name(0).as_deref(), Some("root"));
    }
}

