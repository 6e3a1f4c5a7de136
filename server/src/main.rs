use clap::Parser;
use server::{
    cli::{Cli, Command},
    database::Database,
    serve, telemetry,
};

// Rendering a page makes thousands of small allocations around one growing buffer, and
// glibc's malloc spent about a quarter of the portal's CPU on them (perf, signed-in page
// under wrk); jemalloc keeps them in per-thread caches: +33% requests/s on that page,
// half the RSS (README, Performance).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let command = Cli::parse().into_command();
    let log_format = match &command {
        Command::Serve(args) => args.database.log_format,
        Command::Migrate(args) => args.log_format,
        Command::Sandbox(args) => args.log_format,
        Command::User(args) => args.database.log_format,
        Command::Keys(args) => args.database.log_format,
        Command::Audit(args) => args.database.log_format,
    };
    telemetry::init(log_format);

    let result = match command {
        Command::Serve(args) => serve::serve(args).await,
        Command::Migrate(args) => migrate(args).await,
        Command::Sandbox(args) => server::sandbox::run(args).await,
        Command::User(args) => server::users::run(args).await,
        Command::Keys(args) => server::keys::run(args.database, args.action).await,
        Command::Audit(args) => audit(args).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("voxdesk: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn migrate(args: server::cli::DatabaseArgs) -> anyhow::Result<()> {
    let database = Database::open(&args).await?;
    let result = database.prepare().await;
    database.close().await;
    result?;
    println!("migrations applied");
    Ok(())
}

async fn audit(args: server::cli::AuditArgs) -> anyhow::Result<()> {
    use app::audit::ChainCheck;
    if let server::cli::AuditAction::Verify { file: Some(file), allow_gaps } = &args.action {
        return verify_file(file, *allow_gaps);
    }
    let database = Database::open(&args.database).await?;
    let result = async {
        database.prepare().await?;
        if let server::cli::AuditAction::Archive { before, retention_days, out } = &args.action {
            // Deleting archived events is the owner's alone.
            archive(database.owner_pool(), before.as_deref(), *retention_days, out).await?;
        }
        let chain = app::audit::ssr::verify(&database.pool).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        // The heads this data directory's server signed, when it has any.
        let heads = match args.database.data_dir.join(server::audit_head::HEADS_FILE).exists() {
            true => Some(server::audit_head::HeadSigner::open(&args.database.data_dir)?.check(&database.pool).await?),
            false => None,
        };
        anyhow::Ok((chain, heads))
    }
    .await;
    database.close().await;
    let (chain, heads) = result?;
    match chain {
        ChainCheck::Intact { events, head_seq, head_hash } => {
            println!("intact: {events} events; head is event {head_seq} with hash {head_hash}");
        }
        ChainCheck::Broken { seq, reason } => anyhow::bail!("the audit chain is broken at event {seq}: {reason}"),
    }
    match heads {
        None => println!("no signed heads in this data directory yet"),
        Some(check) => {
            if let Some(problem) = check.problem {
                anyhow::bail!("a signed head does not match the log: {problem}");
            }
            println!("signed heads: {} match the log, {} are of archived events", check.matched, check.archived);
        }
    }
    Ok(())
}

/// `voxdesk audit verify --file`: an archive or export, checked without the database.
fn verify_file(path: &std::path::Path, allow_gaps: bool) -> anyhow::Result<()> {
    use app::audit::ssr::{genesis_hex, verify_file, FileCheck};
    let file = std::fs::File::open(path).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    match verify_file(std::io::BufReader::new(file), allow_gaps) {
        FileCheck::Intact { events, first_seq, last_seq, starts_after, head_hash, gaps } => {
            let start = if starts_after == genesis_hex() { "the start of the log".to_string() } else { format!("hash {starts_after}") };
            println!("intact: {events} events, {first_seq} to {last_seq}, chained on from {start}; last hash {head_hash}");
            if gaps > 0 {
                println!("{gaps} gaps where events are left out (a filtered export): each event still checks against its own hash");
            }
            Ok(())
        }
        FileCheck::Broken { line, reason } => anyhow::bail!("{} is not intact: line {line}: {reason}", path.display()),
    }
}

async fn archive(pool: &sqlx::PgPool, before: Option<&str>, retention_days: Option<u32>, out: &std::path::Path) -> anyhow::Result<()> {
    let before = match (before, retention_days) {
        (Some(day), _) => chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .map_err(|_| anyhow::anyhow!("--before takes a date like 2026-01-31"))?
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc(),
        (None, Some(days)) => chrono::Utc::now() - chrono::Duration::days(i64::from(days)),
        (None, None) => anyhow::bail!("nothing to archive: retention is \"keep forever\" (give --before or --retention-days)"),
    };
    let context = app::audit::ssr::AuditContext::system(&server::cli::actor());
    match app::audit::ssr::archive(pool, &context, before, out).await.map_err(|e| anyhow::anyhow!("{e}"))? {
        Some(done) => println!(
            "archived {} events (through event {}) to {} (sha256 {})",
            done.events, done.through_seq, out.display(), done.file_sha256
        ),
        None => println!("no events before {}", before.format("%Y-%m-%d %H:%M UTC")),
    }
    Ok(())
}
