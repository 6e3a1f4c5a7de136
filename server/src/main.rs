use clap::Parser;
use server::{
    cli::{Cli, Command},
    database::{self, Database},
    serve, telemetry,
};

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
    let result = database::migrate(&database.pool).await;
    database.close().await;
    result?;
    println!("migrations applied");
    Ok(())
}

async fn audit(args: server::cli::AuditArgs) -> anyhow::Result<()> {
    use app::audit::ChainCheck;
    let database = Database::open(&args.database).await?;
    let result = async {
        database::migrate(&database.pool).await?;
        app::audit::ssr::verify(&database.pool).await.map_err(|e| anyhow::anyhow!("{e}"))
    }
    .await;
    database.close().await;
    match result? {
        ChainCheck::Intact { events, head_seq, head_hash } => {
            println!("intact: {events} events; head is event {head_seq} with hash {head_hash}");
            Ok(())
        }
        ChainCheck::Broken { seq, reason } => anyhow::bail!("the audit chain is broken at event {seq}: {reason}"),
    }
}
