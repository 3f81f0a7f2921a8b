//! All configuration, read from flags and environment variables (`portcullis --help` lists both).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The default database: an SQLite file under `data/` in the working directory, created on first
/// run, so that one command runs everything with no server to install.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/portcullis.db?mode=rwc";

/// The default public URL: the default bind address, for a server run on one's own machine.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// The default largest uploaded document (SPEC §4: 10 MiB).
pub const DEFAULT_DOCUMENT_MAX_BYTES: usize = 10 * 1024 * 1024;

/// Where `scripts/build-frontend.sh` (Trunk, see `Trunk.toml`) writes the admin SPA, relative to
/// the repository root that `scripts/run.sh` starts the server from.
pub const DEFAULT_SPA_DIR: &str = "frontend/dist";

/// The default longest body kept in an API log row (8 KiB).
pub const DEFAULT_LOG_BODY_MAX_BYTES: usize = 8 * 1024;

#[derive(Debug, Parser)]
#[command(
    name = "portcullis",
    version,
    about = "Portcullis: API access management — who may call the API, how, how often, with which credentials",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once at start: the size of `ServeArgs` does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (GraphQL admin API, health endpoints). Migrations run first.
    Serve(ServeArgs),
    /// Load the demo resellers, companies, users, employees, time off and documents (idempotent).
    SeedDemo(DatabaseArgs),
    /// Apply pending database migrations and exit.
    Migrate(DatabaseArgs),
    /// Print the GraphQL schema (SDL), or write it to a file; `schema.graphql` is this output.
    ExportSchema {
        /// File to write instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Benchmark only (`bench` feature): fill a database with the load suite's data and tokens.
    #[cfg(feature = "bench")]
    BenchSeed(crate::bench_support::seed::SeedArgs),
    /// Benchmark only (`bench` feature): the API log writer's rows per second in isolation.
    #[cfg(feature = "bench")]
    BenchWriter(crate::bench_support::writer::WriterArgs),
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL: `sqlite://path/file.db?mode=rwc` or `postgres://user@host:5432/db`.
    /// The directory of an SQLite file is created when missing.
    /// Its value is never printed (it may hold a password).
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = DEFAULT_DATABASE_URL,
        hide_env_values = true
    )]
    pub database_url: String,

    /// Maximum number of pooled database connections.
    #[arg(long, env = "PORTCULLIS_DB_MAX_CONNECTIONS", default_value_t = 16)]
    pub db_max_connections: u32,

    /// Longest a request waits for a database connection (opening one included), in
    /// milliseconds. While the database is down, requests fail after it with 503 and
    /// `Retry-After` rather than hang.
    #[arg(
        long,
        env = "PORTCULLIS_DB_ACQUIRE_TIMEOUT_MS",
        default_value_t = 5_000
    )]
    pub db_acquire_timeout_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Address and port to listen on.
    #[arg(long, env = "PORTCULLIS_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Load the demo data before serving (idempotent: safe on every start).
    #[arg(long, env = "PORTCULLIS_DEMO")]
    pub demo: bool,

    /// E-mail of the super admin created on first start (empty database only).
    #[arg(
        long,
        env = "PORTCULLIS_ADMIN_EMAIL",
        default_value = "admin@portcullis.local"
    )]
    pub admin_email: String,

    /// Password of that super admin. When absent, a random one is generated and printed once.
    #[arg(long, env = "PORTCULLIS_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,

    /// Lifetime of an admin session (login) in seconds.
    #[arg(long, env = "PORTCULLIS_SESSION_TTL_SECS", default_value_t = 12 * 3600)]
    pub session_ttl_secs: u64,

    /// How long to wait for in-flight requests at shutdown before giving up, in seconds.
    #[arg(long, env = "PORTCULLIS_SHUTDOWN_TIMEOUT_SECS", default_value_t = 30)]
    pub shutdown_timeout_secs: u64,

    /// Log format. The level filter comes from `RUST_LOG` (default `info`).
    #[arg(long, env = "PORTCULLIS_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,

    /// The server's public base URL, as integrators reach it. OAuth access tokens carry it as
    /// issuer (`iss`) and, followed by `/api/v1`, as audience (`aud`); changing it voids the
    /// tokens already issued.
    #[arg(long, env = "PORTCULLIS_PUBLIC_URL", default_value = DEFAULT_PUBLIC_URL)]
    pub public_url: String,

    /// Redis for rate limits shared by several instances (`redis://host:6379`), and for telling
    /// the other instances of revocations (pub/sub). Without it, limits are kept in this process
    /// and revocations travel through PostgreSQL LISTEN/NOTIFY (or, on SQLite, nowhere: one
    /// instance per SQLite file). If Redis becomes unreachable, decisions fall back to the
    /// in-process limiter (logged) rather than letting requests through unlimited. Its value is
    /// never printed (it may hold a password).
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,

    /// Largest document accepted by `POST /api/v1/documents`, in bytes (default 10 MiB). Every
    /// other request body under `/api/v1` is limited to 1 MiB.
    #[arg(
        long,
        env = "PORTCULLIS_DOCUMENT_MAX_BYTES",
        default_value_t = DEFAULT_DOCUMENT_MAX_BYTES
    )]
    pub document_max_bytes: usize,

    /// Proxies whose `X-Forwarded-For` is believed for the request IP of API logs:
    /// comma-separated addresses or CIDR networks (`10.0.0.0/8,127.0.0.1`). Default: none, so
    /// the header is ignored and the peer's address is logged.
    #[arg(
        long,
        env = "PORTCULLIS_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_parser = crate::logs::client_ip::parse_net
    )]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// Origins whose browser scripts may call `/api/v1`, `/graphql` and `/oauth` (CORS):
    /// comma-separated exact origins, `scheme://host[:port]`, no path, no wildcard
    /// (`https://app.example.com,http://localhost:3000`). Default: none, so no CORS headers are
    /// sent and browsers keep other origins from reading responses. Never with cookies.
    #[arg(
        long,
        env = "PORTCULLIS_CORS_ORIGINS",
        value_delimiter = ',',
        value_parser = crate::cors::parse_origin
    )]
    pub cors_origins: Vec<String>,

    #[command(flatten)]
    pub login: crate::service::sessions::LoginThrottleArgs,

    /// Longest request or response body kept in an API log row, in bytes (the rest is cut, and
    /// the row says how long the body was).
    #[arg(long, env = "PORTCULLIS_LOG_BODY_MAX_BYTES", default_value_t = DEFAULT_LOG_BODY_MAX_BYTES)]
    pub log_body_max_bytes: usize,

    /// API log rows queued for the background writer. When the queue is full, a request waits
    /// for room up to `--log-queue-wait-ms` (a flood slows to what the database can write,
    /// instead of losing rows); beyond, its row is dropped and counted in
    /// `portcullis_api_logs_dropped_total`.
    #[arg(
        long,
        env = "PORTCULLIS_LOG_CHANNEL_CAPACITY",
        default_value_t = 10_000,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub log_channel_capacity: u32,

    /// Longest a request waits for room in a full API log queue, in milliseconds, before its row
    /// is dropped (and counted). 0 never waits.
    #[arg(long, env = "PORTCULLIS_LOG_QUEUE_WAIT_MS", default_value_t = 2_000)]
    pub log_queue_wait_ms: u64,

    /// API log rows written per INSERT batch.
    #[arg(
        long,
        env = "PORTCULLIS_LOG_BATCH_SIZE",
        default_value_t = 500,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub log_batch_size: u32,

    /// Longest an API log row waits for its batch, in milliseconds.
    #[arg(long, env = "PORTCULLIS_LOG_BATCH_INTERVAL_MS", default_value_t = 200)]
    pub log_batch_interval_ms: u64,

    /// Days API log rows are kept; older ones are pruned in the background (hourly and at
    /// start). 0 keeps them forever.
    #[arg(long, env = "PORTCULLIS_LOG_RETENTION_DAYS", default_value_t = 30)]
    pub log_retention_days: u32,

    /// Folder of the built admin SPA (Trunk's `dist`), served at `/`; client-side routes fall
    /// back to its `index.html`. When the folder has no `index.html`, `/` answers 503 with a
    /// message saying how to build it (the API works regardless).
    #[arg(long, env = "PORTCULLIS_SPA_DIR", default_value = DEFAULT_SPA_DIR)]
    pub spa_dir: PathBuf,
}

impl ServeArgs {
    /// Settings for tests and tools: a database URL, an ephemeral port, everything else default.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        Self {
            database: DatabaseArgs {
                database_url: database_url.into(),
                db_max_connections: 8,
                db_acquire_timeout_ms: 5_000,
            },
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            demo: false,
            admin_email: "admin@portcullis.local".into(),
            admin_password: None,
            session_ttl_secs: 12 * 3600,
            shutdown_timeout_secs: 5,
            log_format: LogFormat::Pretty,
            public_url: DEFAULT_PUBLIC_URL.into(),
            redis_url: None,
            document_max_bytes: DEFAULT_DOCUMENT_MAX_BYTES,
            trusted_proxies: Vec::new(),
            cors_origins: Vec::new(),
            login: Default::default(),
            log_body_max_bytes: DEFAULT_LOG_BODY_MAX_BYTES,
            log_channel_capacity: 10_000,
            log_queue_wait_ms: 2_000,
            log_batch_size: 500,
            log_batch_interval_ms: 200,
            log_retention_days: 30,
            spa_dir: PathBuf::from(DEFAULT_SPA_DIR),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_defaults() {
        let cli = Cli::try_parse_from(["portcullis", "serve"]).expect("parses");
        let Command::Serve(args) = cli.command else {
            panic!("not serve")
        };
        assert_eq!(args.bind.to_string(), "127.0.0.1:8080");
        assert!(!args.demo);
        assert_eq!(args.document_max_bytes, 10 * 1024 * 1024);
        assert!(args.trusted_proxies.is_empty());
        assert!(args.cors_origins.is_empty());
        assert_eq!(args.login.login_max_failures_per_account, 10);
        assert_eq!(args.login.login_failure_window_secs, 900);
        assert_eq!(args.log_body_max_bytes, 8192);
        assert_eq!(args.log_retention_days, 30);
        assert_eq!(args.spa_dir, PathBuf::from("frontend/dist"));
    }

    #[test]
    fn trusted_proxies_are_addresses_and_networks() {
        let cli = Cli::try_parse_from([
            "portcullis",
            "serve",
            "--trusted-proxies",
            "127.0.0.1,10.0.0.0/8, ::1",
        ])
        .expect("parses");
        let Command::Serve(args) = cli.command else {
            panic!("not serve")
        };
        let nets: Vec<String> = args.trusted_proxies.iter().map(|n| n.to_string()).collect();
        assert_eq!(nets, ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]);
        assert!(Cli::try_parse_from(["portcullis", "serve", "--trusted-proxies", "nope"]).is_err());
    }

    #[test]
    fn cors_origins_are_exact_and_bad_ones_are_named() {
        let cli = Cli::try_parse_from([
            "portcullis",
            "serve",
            "--cors-origins",
            "https://app.example.com, http://localhost:3000",
        ])
        .expect("parses");
        let Command::Serve(args) = cli.command else {
            panic!("not serve")
        };
        assert_eq!(
            args.cors_origins,
            ["https://app.example.com", "http://localhost:3000"]
        );
        for bad in ["*", "https://app.example.com/path", "app.example.com"] {
            let err = Cli::try_parse_from(["portcullis", "serve", "--cors-origins", bad])
                .expect_err(bad)
                .to_string();
            assert!(err.contains(bad), "{err}");
        }
    }
}
