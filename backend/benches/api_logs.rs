//! API logs analytics on a large table (SPEC §5: "queries must stay fast on millions of rows").
//! Run with `cargo bench -p backend --bench api_logs`.
//!
//! Generates `PORTCULLIS_BENCH_LOG_ROWS` rows (default 1,000,000) spread over the last 30 days,
//! oldest first as in production, with batched multi-row inserts in transactions and no VACUUM
//! afterwards (only ANALYZE), on a temporary SQLite file and on a fresh
//! PostgreSQL database (`PORTCULLIS_BENCH_PG_URL`, default `postgres://postgres@127.0.0.1:5432`;
//! skipped when it cannot be reached), then measures through the service functions, as a super
//! admin (no scope condition):
//!
//! `PORTCULLIS_BENCH_DBS=sqlite` (or `postgres`) runs one of the two.
//!
//! - `api_logs/<db>/stats_24h`: every statistic of `apiLogStats` for the last 24 hours;
//! - `api_logs/<db>/first_page/<filter>`: the first page (50 rows and `totalCount`) of `apiLogs`
//!   for the last 24 hours with no filter, then with each single filter.

use std::hint::black_box;
use std::time::Duration as StdDuration;

use backend::config::DatabaseArgs;
use backend::entity::api_log;
use backend::service::api_logs::{self, LogFilter, LogPageRequest, Scope};
use criterion::{Criterion, criterion_group, criterion_main};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, EntityTrait, TransactionTrait};
use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const ENDPOINTS: [(&str, &str); 12] = [
    ("GET", "/api/v1/employees"),
    ("GET", "/api/v1/employees/{id}"),
    ("POST", "/api/v1/employees"),
    ("PATCH", "/api/v1/employees/{id}"),
    ("DELETE", "/api/v1/employees/{id}"),
    ("GET", "/api/v1/time-off"),
    ("POST", "/api/v1/time-off"),
    ("GET", "/api/v1/documents"),
    ("GET", "/api/v1/documents/{id}/download"),
    ("GET", "/api/v1/company"),
    ("POST", "/oauth/token"),
    ("POST", "/graphql"),
];

fn rows_wanted() -> usize {
    std::env::var("PORTCULLIS_BENCH_LOG_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

struct Tenants {
    companies: Vec<Uuid>,
    users: Vec<Vec<Uuid>>,
}

fn tenants() -> Tenants {
    let companies: Vec<Uuid> = (0..40).map(|_| Uuid::now_v7()).collect();
    let users = companies
        .iter()
        .map(|_| (0..5).map(|_| Uuid::now_v7()).collect())
        .collect();
    Tenants { companies, users }
}

/// The span the rows cover.
const SPAN_US: i64 = 30 * 86_400 * 1_000_000;

/// Row `i` of `n`: rows come oldest first, as the writer inserts them in production (so a day's
/// rows sit together in the table), each at a random instant within its share of the span.
fn make_row(
    rng: &mut StdRng,
    t: &Tenants,
    now: OffsetDateTime,
    i: usize,
    n: usize,
) -> api_log::ActiveModel {
    let step = (SPAN_US / n.max(1) as i64).max(1);
    let age_us = SPAN_US - i as i64 * step - rng.random_range(0..step);
    let time = now - Duration::microseconds(age_us.max(0));
    let (method, endpoint) = ENDPOINTS[rng.random_range(0..ENDPOINTS.len())];
    // Companies are unevenly active (the square skews towards the first ones).
    let c = ((rng.random::<f64>().powi(2)) * t.companies.len() as f64) as usize;
    let c = c.min(t.companies.len() - 1);
    let roll = rng.random_range(0..1000);
    let (status, denied_by, exception) = match roll {
        0..=849 => (200, None, None),
        850..=899 => (404, None, None),
        900..=939 => (429, Some("rate_limit"), None),
        940..=969 => (403, Some("permission"), None),
        970..=989 => (401, Some("authenticate"), None),
        _ => (500, None, Some("internal error: database timeout")),
    };
    let us = rng.random_range(200..20_000i64) * if roll > 990 { 50 } else { 1 };
    let user = t.users[c][rng.random_range(0..5)];
    api_log::Model {
        id: Uuid::now_v7(),
        time,
        method: method.into(),
        uri: endpoint.replace("{id}", "0198c7f0-0000-7000-8000-000000000000"),
        endpoint: endpoint.into(),
        status_code: status,
        response_time_us: us,
        request_ip: Some("203.0.113.7".into()),
        request_headers: json!({ "accept": "application/json" }),
        response_headers: json!({ "content-type": "application/json" }),
        request_body: None,
        response_body: None,
        exception: exception.map(str::to_string),
        decision: match denied_by {
            Some(d) => format!("{d}: denied"),
            None => "allowed".into(),
        },
        denied_by: denied_by.map(str::to_string),
        company_id: Some(t.companies[c]),
        user_id: Some(user),
        credential_kind: Some("personal_access_token".into()),
        credential_id: Some(user),
    }
    .into()
}

async fn fill(db: &DatabaseConnection, t: &Tenants, n: usize) {
    let started = std::time::Instant::now();
    let now = OffsetDateTime::now_utc();
    let mut rng = StdRng::seed_from_u64(42);
    let mut left = n;
    while left > 0 {
        let txn = db.begin().await.expect("begin");
        for _ in 0..50 {
            if left == 0 {
                break;
            }
            let batch = left.min(1_000);
            let done = n - left;
            let rows: Vec<_> = (done..done + batch)
                .map(|i| make_row(&mut rng, t, now, i, n))
                .collect();
            api_log::Entity::insert_many(rows)
                .exec(&txn)
                .await
                .expect("insert");
            left -= batch;
        }
        txn.commit().await.expect("commit");
    }
    db.execute_unprepared("ANALYZE").await.expect("analyze");
    eprintln!("inserted {n} rows in {:.1?}", started.elapsed());
}

fn filters(t: &Tenants) -> Vec<(&'static str, LogFilter)> {
    let f = LogFilter::default;
    vec![
        ("none", f()),
        (
            "company",
            LogFilter {
                company_id: Some(t.companies[3]),
                ..f()
            },
        ),
        (
            "user",
            LogFilter {
                user_id: Some(t.users[3][1]),
                ..f()
            },
        ),
        (
            "endpoint",
            LogFilter {
                endpoint: Some("/api/v1/documents/{id}/download".into()),
                ..f()
            },
        ),
        (
            "method",
            LogFilter {
                method: Some("DELETE".into()),
                ..f()
            },
        ),
        (
            "status_code",
            LogFilter {
                status_code: Some(429),
                ..f()
            },
        ),
        (
            "status_class",
            LogFilter {
                status_class: Some("5xx".into()),
                ..f()
            },
        ),
        (
            "min_response_time",
            LogFilter {
                min_response_time_us: Some(500_000),
                ..f()
            },
        ),
        (
            "has_exception",
            LogFilter {
                has_exception: Some(true),
                ..f()
            },
        ),
        (
            "denied_by",
            LogFilter {
                denied_by: Some("permission".into()),
                ..f()
            },
        ),
    ]
}

fn measure(c: &mut Criterion, rt: &tokio::runtime::Runtime, name: &str, db: &DatabaseConnection) {
    let t = tenants();
    rt.block_on(fill(db, &t, rows_wanted()));
    let mut group = c.benchmark_group(format!("api_logs/{name}"));
    group
        .sample_size(10)
        .warm_up_time(StdDuration::from_secs(1))
        .measurement_time(StdDuration::from_secs(3));
    let day = LogFilter::default()
        .validate(OffsetDateTime::now_utc())
        .expect("valid");
    group.bench_function("stats_24h", |b| {
        b.to_async(rt).iter(|| async {
            black_box(
                api_logs::stats_in_scope(db, &Scope::All, &day)
                    .await
                    .expect("stats"),
            )
        })
    });
    let req = LogPageRequest::parse(Some(50), None).expect("page");
    for (label, filter) in filters(&t) {
        let f = filter.validate(OffsetDateTime::now_utc()).expect("valid");
        group.bench_function(format!("first_page/{label}"), |b| {
            b.to_async(rt).iter(|| async {
                black_box(
                    api_logs::list_in_scope(db, &Scope::All, &f, &req)
                        .await
                        .expect("list"),
                )
            })
        });
    }
    group.finish();
}

/// Whether `PORTCULLIS_BENCH_DBS` (comma-separated, default `sqlite,postgres`) names `db`.
fn wanted(db: &str) -> bool {
    std::env::var("PORTCULLIS_BENCH_DBS")
        .map(|v| v.split(',').any(|d| d.trim() == db))
        .unwrap_or(true)
}

fn sqlite(c: &mut Criterion) {
    if !wanted("sqlite") {
        return;
    }
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let path = std::env::temp_dir().join(format!("pc_bench_logs_{}.db", Uuid::now_v7().simple()));
    let db = rt
        .block_on(backend::db::connect(&DatabaseArgs {
            database_url: format!("sqlite://{}?mode=rwc", path.display()),
            db_max_connections: 8,
            db_acquire_timeout_ms: 5_000,
        }))
        .expect("sqlite");
    measure(c, &rt, "sqlite", &db);
    rt.block_on(db.close()).ok();
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

fn postgres(c: &mut Criterion) {
    if !wanted("postgres") {
        return;
    }
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let base = std::env::var("PORTCULLIS_BENCH_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
        .trim_end_matches('/')
        .to_string();
    let name = format!("pc_bench_logs_{}", Uuid::now_v7().simple());
    let created = rt.block_on(async {
        let admin = Database::connect(format!("{base}/postgres")).await.ok()?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .ok()?;
        admin.close().await.ok();
        Some(())
    });
    if created.is_none() {
        eprintln!("PostgreSQL not reachable at {base}: skipping its benchmarks");
        return;
    }
    let db = rt
        .block_on(backend::db::connect(&DatabaseArgs {
            database_url: format!("{base}/{name}"),
            db_max_connections: 8,
            db_acquire_timeout_ms: 5_000,
        }))
        .expect("postgres");
    measure(c, &rt, "postgres", &db);
    rt.block_on(async {
        db.close().await.ok();
        if let Ok(admin) = Database::connect(format!("{base}/postgres")).await {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
            admin.close().await.ok();
        }
    });
}

criterion_group!(benches, sqlite, postgres);
criterion_main!(benches);
