//! The `portcullis` command line.

use clap::Parser;
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use backend::config::{Cli, Command, LogFormat};
use backend::{db, demo, graphql, server};

fn init_tracing(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    match format {
        LogFormat::Pretty => registry.with(fmt::layer()).init(),
        LogFormat::Json => registry.with(fmt::layer().json()).init(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => {
            init_tracing(args.log_format);
            let running = server::start(args, server::shutdown_signal()).await?;
            running.wait().await
        }
        Command::SeedDemo(args) => {
            init_tracing(LogFormat::Pretty);
            let conn = db::connect(&args).await?;
            backend::bootstrap::sync_catalogue(&conn).await?;
            let summary = demo::seed(&conn).await?;
            println!("{summary}");
            Ok(())
        }
        Command::Migrate(args) => {
            init_tracing(LogFormat::Pretty);
            db::connect(&args).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::ExportSchema { output } => {
            let sdl = graphql::sdl();
            match output {
                Some(path) => std::fs::write(&path, sdl)?,
                None => print!("{sdl}"),
            }
            Ok(())
        }
        #[cfg(feature = "bench")]
        Command::BenchSeed(args) => {
            init_tracing(LogFormat::Pretty);
            backend::bench_support::seed::run(args).await
        }
        #[cfg(feature = "bench")]
        Command::BenchWriter(args) => {
            init_tracing(LogFormat::Pretty);
            backend::bench_support::writer::run(args).await
        }
    }
}
