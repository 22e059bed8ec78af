//! The `jeco` command: serve, migrate, export-schema.

use clap::{Parser, Subcommand};
use jeco_api::config::Config;

/// Jeco Chat server.
#[derive(Parser)]
#[command(name = "jeco", version, about = "Jeco Chat server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve HTTP + WebSocket.
    Serve,
    /// Run pending database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL).
    ExportSchema,
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = run(Cli::parse()).await {
        eprintln!("jeco: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::ExportSchema => {
            print!("{}", jeco_api::http::sdl());
            Ok(())
        }
        Command::Migrate => {
            let config = Config::from_env()?;
            jeco_api::migrate(&config.database_url).await?;
            eprintln!("migrations applied");
            Ok(())
        }
        Command::Serve => {
            let config = Config::from_env()?;
            let running = jeco_api::start(config).await?;
            tracing::info!("listening on http://{}", running.addr);
            shutdown_signal().await;
            tracing::info!("shutting down");
            running.stop().await;
            Ok(())
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
