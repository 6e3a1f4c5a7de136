//! `voxdesk serve`: open the database, migrate, serve until SIGTERM or Ctrl-C, then
//! shut down in order (stop accepting, finish requests, close the pool, stop the
//! private PostgreSQL).

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use app::backend::{AppState, AuthConfig, Backend};
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions_sqlx_store::PostgresStore;

use crate::{
    cli::ServeArgs,
    database::Database,
    http::{self, SessionPolicy},
};

/// How often expired sessions are purged from the store.
const SESSION_CLEANUP_INTERVAL: Duration = Duration::from_secs(60);

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    // Check everything that needs no database first, so a typo never starts PostgreSQL.
    let public_url = PublicUrl::resolve(args.listen, args.public_url.as_deref())?;
    let leptos_options = leptos_options(args.listen)?;
    // Checked before anything starts: a typo here would silently trust no one (or everyone).
    let proxies = app::request::TrustedProxies::parse(&args.trusted_proxies)
        .map_err(|error| anyhow::anyhow!("--trusted-proxy: {error}"))?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|error| anyhow::anyhow!("cannot listen on {}: {error}", args.listen))?;

    let database = Database::open_to_serve(&args.database).await?;
    let result = match database.prepare().await {
        Ok(()) => run(listener, &database.pool, leptos_options, &public_url, &args, proxies).await,
        Err(error) => Err(error),
    };
    database.close().await;
    result
}

async fn run(
    listener: tokio::net::TcpListener,
    pool: &PgPool,
    leptos_options: LeptosOptions,
    public_url: &PublicUrl,
    args: &ServeArgs,
    proxies: app::request::TrustedProxies,
) -> anyhow::Result<()> {
    // Held until this function returns: commands that must not run beside a server
    // (rotating the master key) see it, on whatever host they run.
    let _serving = crate::database::hold_serving_lock(pool).await?;
    let keyring = crate::keys::load_or_create(&args.database.data_dir)?;
    // Credentials sealed by an older Voxdesk get bound to where they are sent.
    for (id, base_url) in app::connections::ssr::reseal_legacy(pool, &keyring).await? {
        tracing::warn!(connection = %id, %base_url, "re-sealed stored credentials, now bound to their base URL, kind and account");
    }

    let cleanup = tokio::spawn(
        PostgresStore::new(pool.clone()).continuously_delete_expired(SESSION_CLEANUP_INTERVAL),
    );
    let auth = AuthConfig {
        idle_timeout: Duration::from_secs(u64::from(args.session_idle_minutes) * 60),
        absolute_timeout: Duration::from_secs(u64::from(args.session_absolute_hours) * 3600),
        secure_cookies: public_url.https,
    };
    let backend = Backend::new(pool.clone(), auth, keyring);
    // Rows are kept in memory only while this hears of their changes.
    let rows = backend.rows().spawn_listener(pool.clone());
    // Demo mode: users per role and the sandbox as a connection. Kept alive by the
    // guard until the server stops.
    let _sandbox = if args.demo {
        crate::demo::ensure_demo_users(pool).await?;
        Some(crate::demo::start_sandbox(&backend, &args.database.data_dir, args.demo_children, args.demo_rate_limit).await?)
    } else {
        None
    };
    // After the demo sandbox is up: settling a Voximplant action asks Voximplant.
    let reconciler = tokio::spawn(crate::audit_http::reconcile_forever(backend.clone()));
    let signer = crate::audit_head::HeadSigner::open(&args.database.data_dir)?;
    let heads = tokio::spawn(crate::audit_head::publish_forever(signer.clone(), pool.clone()));
    let state = AppState { leptos_options, backend };
    let sessions = SessionPolicy {
        secure_cookie: public_url.https,
        idle_timeout: time::Duration::minutes(i64::from(args.session_idle_minutes)),
    };
    let metrics = crate::metrics::MetricsAccess::with_token(args.metrics_token.as_deref());
    let app = http::router(state, sessions, proxies, metrics);

    tracing::info!(url = %public_url.url, "Voxdesk is serving");
    // Printed as well as logged: `make run` users look for this line.
    println!("Voxdesk is running at {}  (Ctrl-C to stop)", public_url.url);
    let served = crate::listen::serve(listener, app, crate::listen::Timeouts::default(), shutdown_signal()).await;
    cleanup.abort();
    rows.abort();
    reconciler.abort();
    heads.abort();
    // The last head too, so what this instance wrote is covered.
    if let Err(error) = signer.publish(pool, None).await {
        tracing::error!(%error, "the audit head could not be signed at shutdown");
    }
    served.map_err(|error| anyhow::anyhow!("server error: {error}"))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}

/// Where users reach the portal, and whether that is over https.
#[derive(Debug, PartialEq, Eq)]
pub struct PublicUrl {
    pub url: String,
    pub https: bool,
}

impl PublicUrl {
    pub fn resolve(listen: SocketAddr, configured: Option<&str>) -> anyhow::Result<Self> {
        let Some(url) = configured else {
            return Ok(if listen.ip().is_loopback() {
                PublicUrl { url: format!("http://{listen}"), https: false }
            } else {
                // Reachable from elsewhere: assume TLS is terminated in front of us.
                PublicUrl { url: format!("https://{listen}"), https: true }
            });
        };
        let url = url.trim_end_matches('/').to_string();
        if url.starts_with("https://") {
            return Ok(PublicUrl { url, https: true });
        }
        let Some(host) = url.strip_prefix("http://") else {
            anyhow::bail!("--public-url must start with https:// (or http:// on loopback), got {url:?}");
        };
        let host = host.split('/').next().unwrap_or_default();
        let host = host.rsplit_once(':').map_or(host, |(host, _port)| host);
        let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
        if !loopback || !listen.ip().is_loopback() {
            anyhow::bail!(
                "--public-url {url} is plain http on a non-loopback address: session cookies would \
                 travel unencrypted. Use https (TLS in front of Voxdesk) or listen on 127.0.0.1."
            );
        }
        Ok(PublicUrl { url, https: false })
    }
}

/// Leptos settings: cargo-leptos bakes the output name into the binary; the site
/// root is `target/site` from the workspace root, or next to the binary.
fn leptos_options(listen: SocketAddr) -> anyhow::Result<LeptosOptions> {
    let mut options = leptos::config::get_configuration(None)
        .map_err(|error| anyhow::anyhow!("Leptos configuration: {error}"))?
        .leptos_options;
    options.site_addr = listen;
    if std::env::var_os("LEPTOS_SITE_ROOT").is_none() {
        options.site_root = find_site_root(&options.site_root).to_string_lossy().into();
    }
    Ok(options)
}

fn find_site_root(configured: &str) -> PathBuf {
    let configured = PathBuf::from(configured);
    if configured.is_dir() {
        return configured;
    }
    // target/release/voxdesk -> target/site
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.join("site")))
        .filter(|site| site.is_dir())
        .unwrap_or(configured)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn loopback_defaults_to_plain_http() {
        let url = PublicUrl::resolve(addr("127.0.0.1:3000"), None).unwrap();
        assert_eq!(url, PublicUrl { url: "http://127.0.0.1:3000".into(), https: false });
    }

    #[test]
    fn public_listen_defaults_to_secure_cookies() {
        assert!(PublicUrl::resolve(addr("0.0.0.0:8080"), None).unwrap().https);
    }

    #[test]
    fn https_public_url_means_secure_cookies() {
        let url = PublicUrl::resolve(addr("0.0.0.0:8080"), Some("https://voxdesk.example.com/")).unwrap();
        assert_eq!(url, PublicUrl { url: "https://voxdesk.example.com".into(), https: true });
    }

    #[test]
    fn plain_http_only_on_loopback() {
        assert!(PublicUrl::resolve(addr("127.0.0.1:3000"), Some("http://localhost:3000")).is_ok());
        let error = PublicUrl::resolve(addr("0.0.0.0:3000"), Some("http://portal.example.com"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("unencrypted"), "{error}");
        assert!(PublicUrl::resolve(addr("127.0.0.1:3000"), Some("ftp://x")).is_err());
    }
}
