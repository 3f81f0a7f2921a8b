//! `portcullis bench-writer`: rows per second the real API log writer inserts in isolation,
//! on the database given, to compare with the rate the guarded API produces rows under load
//! (the target: at least 3×). The method of `benches/log_writer.rs`: queue realistic rows (a
//! list call's headers and a 1.5 KB response body) into the real channel, start the real writer
//! and time its shutdown, which returns once every row is written; then check the count.

use std::time::{Duration, Instant};

use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::config::DatabaseArgs;
use crate::entity::api_log;
use crate::logs::writer::{self, ApiLogMetrics, WriterConfig};

#[derive(Debug, Clone, clap::Args)]
pub struct WriterArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Rows to write.
    #[arg(long, default_value_t = 20_000)]
    pub rows: usize,
    /// Rows per insert (the server's `--log-batch-size`).
    #[arg(long, default_value_t = 500)]
    pub batch_size: usize,
}

/// A realistic row: what a guarded employees list call leaves.
pub fn row(company: Uuid, user: Uuid) -> api_log::Model {
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
        uri: "/api/v1/employees?limit=50".into(),
        endpoint: "/api/v1/employees".into(),
        status_code: 200,
        response_time_us: 1_234,
        request_ip: Some("127.0.0.1".into()),
        request_headers: json!({
            "accept": "*/*", "authorization": "[redacted]", "host": "127.0.0.1:8080",
            "user-agent": "wrk"
        }),
        response_headers: json!({
            "content-type": "application/json", "ratelimit-policy": "1000000000;w=60",
            "ratelimit": "limit=1000000000, remaining=999999999, reset=60"
        }),
        request_body: None,
        response_body: Some(json!({ "data": employees, "next_cursor": null }).to_string()),
        exception: None,
        decision: "allowed".into(),
        denied_by: None,
        company_id: Some(company),
        user_id: Some(user),
        credential_kind: Some("api_key".into()),
        credential_id: Some(user),
    }
}

pub async fn run(args: WriterArgs) -> anyhow::Result<()> {
    let db = crate::db::connect(&args.database).await?;
    let (sink, queue) = writer::channel(
        WriterConfig {
            capacity: args.rows.max(1),
            queue_wait: Duration::ZERO,
            batch_size: args.batch_size.max(1),
            interval: Duration::from_millis(200),
        },
        ApiLogMetrics::default(),
    );
    let (company, user) = (Uuid::now_v7(), Uuid::now_v7());
    for _ in 0..args.rows {
        sink.send(row(company, user));
    }
    let before = api_log::Entity::find().count(&db).await?;
    let started = Instant::now();
    writer::spawn(db.clone(), queue).shutdown().await;
    let secs = started.elapsed().as_secs_f64();
    let after = api_log::Entity::find().count(&db).await?;
    let written = after.saturating_sub(before);
    anyhow::ensure!(
        written == args.rows as u64,
        "the writer wrote {written} of {} rows",
        args.rows
    );
    println!(
        "{}",
        json!({ "rows": args.rows, "seconds": secs, "rows_per_second": args.rows as f64 / secs })
    );
    Ok(())
}
