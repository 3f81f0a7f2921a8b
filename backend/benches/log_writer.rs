//! Throughput of the API log writer (SPEC §5), to choose its batch size: the rows a batch insert
//! writes per second, for several batch sizes, on SQLite and on PostgreSQL.
//! Run with `cargo bench -p backend --bench log_writer`.
//!
//! Each run queues `PORTCULLIS_BENCH_WRITER_ROWS` realistic rows (default 20,000: headers, a
//! small request body and a 1.5 KB response body, like a list call) into the real channel, starts
//! the real writer and times [`Writer::shutdown`], which returns once every row is written. The
//! table printed is rows per second, best of three runs, on a fresh database per backend
//! (`PORTCULLIS_BENCH_PG_URL`, default `postgres://postgres@127.0.0.1:5432`; PostgreSQL is
//! skipped when it cannot be reached). `PORTCULLIS_BENCH_DBS=sqlite` (or `postgres`) runs one.

use std::time::{Duration, Instant};

use backend::config::DatabaseArgs;
use backend::entity::api_log;
use backend::logs::writer::{self, ApiLogMetrics, WriterConfig};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, EntityTrait, PaginatorTrait};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

const BATCH_SIZES: [usize; 5] = [50, 100, 250, 500, 1000];
const RUNS: usize = 3;

fn rows_wanted() -> usize {
    std::env::var("PORTCULLIS_BENCH_WRITER_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

fn wanted(db: &str) -> bool {
    std::env::var("PORTCULLIS_BENCH_DBS")
        .map(|v| v.split(',').any(|d| d.trim() == db))
        .unwrap_or(true)
}

fn row(company: Uuid, user: Uuid) -> api_log::Model {
    let employees: Vec<_> = (0..8)
        .map(|i| {
            json!({ "id": Uuid::now_v7(), "first_name": "Ada", "last_name": format!("Lovelace {i}"),
                    "email": "ada@example.com", "department": "Engineering", "job_title": "Engineer" })
        })
        .collect();
    api_log::Model {
        id: Uuid::now_v7(),
        time: OffsetDateTime::now_utc(),
        method: "GET".into(),
        uri: "/api/v1/employees?limit=50&department=Engineering".into(),
        endpoint: "/api/v1/employees".into(),
        status_code: 200,
        response_time_us: 1_234,
        request_ip: Some("203.0.113.7".into()),
        request_headers: json!({
            "accept": "application/json", "authorization": "[redacted]",
            "user-agent": "integration/1.0 (+https://example.com)", "host": "api.example.com",
            "x-request-id": Uuid::now_v7().to_string(), "accept-encoding": "gzip"
        }),
        response_headers: json!({
            "content-type": "application/json", "ratelimit-policy": "60;w=60",
            "ratelimit": "limit=60, remaining=59, reset=60", "x-ratelimit-limit": "60",
            "x-ratelimit-remaining": "59", "x-ratelimit-reset": "60"
        }),
        request_body: None,
        response_body: Some(json!({ "data": employees, "next_cursor": null }).to_string()),
        exception: None,
        decision: "allowed".into(),
        denied_by: None,
        company_id: Some(company),
        user_id: Some(user),
        credential_kind: Some("personal_access_token".into()),
        credential_id: Some(user),
    }
}

/// Seconds to write `n` rows through the writer with this batch size.
async fn run_once(db: &DatabaseConnection, n: usize, batch_size: usize) -> f64 {
    let (sink, queue) = writer::channel(
        WriterConfig {
            capacity: n,
            queue_wait: Duration::ZERO,
            batch_size,
            interval: Duration::from_millis(200),
        },
        ApiLogMetrics::default(),
    );
    let (company, user) = (Uuid::now_v7(), Uuid::now_v7());
    for _ in 0..n {
        sink.send(row(company, user));
    }
    let started = Instant::now();
    writer::spawn(db.clone(), queue).shutdown().await;
    started.elapsed().as_secs_f64()
}

async fn measure(name: &str, db: &DatabaseConnection) {
    let n = rows_wanted();
    println!("\nlog writer, {name}, {n} rows per run, best of {RUNS}:");
    println!("| batch size | rows/s |");
    println!("|---:|---:|");
    for batch in BATCH_SIZES {
        let mut best = f64::MAX;
        for _ in 0..RUNS {
            let before = api_log::Entity::find().count(db).await.expect("count");
            let secs = run_once(db, n, batch).await;
            let after = api_log::Entity::find().count(db).await.expect("count");
            assert_eq!(after - before, n as u64, "every queued row is written");
            best = best.min(secs);
        }
        println!("| {batch} | {:.0} |", n as f64 / best);
    }
}

async fn sqlite() {
    let path = std::env::temp_dir().join(format!("pc_bench_writer_{}.db", Uuid::now_v7().simple()));
    let db = backend::db::connect(&DatabaseArgs {
        database_url: format!("sqlite://{}?mode=rwc", path.display()),
        db_max_connections: 8,
        db_acquire_timeout_ms: 5_000,
    })
    .await
    .expect("sqlite");
    measure("SQLite", &db).await;
    db.close().await.ok();
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

async fn postgres() {
    let base = std::env::var("PORTCULLIS_BENCH_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
        .trim_end_matches('/')
        .to_string();
    let name = format!("pc_bench_writer_{}", Uuid::now_v7().simple());
    let Ok(admin) = Database::connect(format!("{base}/postgres")).await else {
        eprintln!("PostgreSQL not reachable at {base}: skipping");
        return;
    };
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create database");
    let db = backend::db::connect(&DatabaseArgs {
        database_url: format!("{base}/{name}"),
        db_max_connections: 8,
        db_acquire_timeout_ms: 5_000,
    })
    .await
    .expect("postgres");
    measure("PostgreSQL", &db).await;
    db.close().await.ok();
    let _ = admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await;
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported by this table.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        if wanted("sqlite") {
            sqlite().await;
        }
        if wanted("postgres") {
            postgres().await;
        }
    });
}
