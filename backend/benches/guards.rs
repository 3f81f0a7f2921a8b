//! The cost of the guard path's other pieces (issue "Performance"): the rate-limit decision, in
//! process and on Redis, with its response headers; the redaction of a log row's headers and
//! bodies; and the rendering of a problem+json error. Token parse + verify is in `tokens.rs`.
//! Run with `cargo bench -p backend --bench guards`.
//!
//! - `limiter/memory/*`: one decision of the in-process sliding-window log, a key far from its
//!   limit (the common case) and one at its limit (a 429), plus the headers rendering;
//! - `limiter/redis`: one decision through the Lua script on the Redis at
//!   `PORTCULLIS_BENCH_REDIS_URL` (default `redis://127.0.0.1:6379`; skipped when unreachable),
//!   keys under a prefix of their own;
//! - `redact/*`: a request's headers, a JSON body with secrets at several depths, a query
//!   string, a truncated (textual) body;
//! - `problem/render`: a 429 problem with its headers into an HTTP response, body serialised.

use std::hint::black_box;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::IntoResponse;
use backend::logs::redact;
use backend::ratelimit::{MemoryLimiter, RedisLimiter, RedisLimiterConfig, WINDOW, headers};
use backend::rest::problem::{Problem, ProblemKind};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;

fn limiter_memory(c: &mut Criterion) {
    let mut group = c.benchmark_group("limiter/memory");
    let limiter = MemoryLimiter::new(WINDOW);
    // Many companies, as in production: the decision's shard lookup is realistic.
    let keys: Vec<String> = (0..1000).map(|i| format!("company:{i}")).collect();
    let mut i = 0usize;
    group.bench_function("allowed", |b| {
        b.iter(|| {
            i = (i + 1) % keys.len();
            let d = limiter.check(black_box(&keys[i]), 1_000_000_000);
            assert!(d.allowed);
        })
    });
    let full = "company:full";
    for _ in 0..60 {
        limiter.check(full, 60);
    }
    group.bench_function("denied", |b| {
        b.iter(|| {
            let d = limiter.check(black_box(full), 60);
            assert!(!d.allowed);
        })
    });
    let decision = limiter.check(full, 60);
    group.bench_function("headers", |b| {
        b.iter(|| {
            let mut h = HeaderMap::new();
            headers::apply(&mut h, black_box(&decision), WINDOW);
            h
        })
    });
    group.finish();
}

fn limiter_redis(c: &mut Criterion) {
    let url = std::env::var("PORTCULLIS_BENCH_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let config = RedisLimiterConfig {
        key_prefix: format!("pc_bench:{}:", uuid::Uuid::now_v7().simple()),
        response_timeout: Duration::from_secs(2),
        ..Default::default()
    };
    let Ok(limiter) = RedisLimiter::new(&url, config) else {
        eprintln!("limiter/redis: bad URL, skipped");
        return;
    };
    if rt.block_on(limiter.connect()).is_err() {
        eprintln!("limiter/redis: Redis not reachable at {url}, skipped");
        return;
    }
    let keys: Vec<String> = (0..1000).map(|i| format!("company:{i}")).collect();
    let mut i = 0usize;
    c.bench_function("limiter/redis", |b| {
        b.to_async(&rt).iter(|| {
            i = (i + 1) % keys.len();
            let key = keys[i].clone();
            let limiter = &limiter;
            async move {
                let d = limiter.check(&key, 1_000_000_000).await.expect("redis");
                assert!(d.allowed);
            }
        })
    });
}

fn redaction(c: &mut Criterion) {
    let mut group = c.benchmark_group("redact");
    let mut h = HeaderMap::new();
    h.insert(
        header::AUTHORIZATION,
        HeaderValue::from_static("Bearer pat_abc_def"),
    );
    h.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    h.insert(
        header::USER_AGENT,
        HeaderValue::from_static("integration/1.0"),
    );
    h.insert(header::HOST, HeaderValue::from_static("api.example.com"));
    h.insert(
        "x-request-id",
        HeaderValue::from_static("0193a1b2-7c3d-7000-8000-000000000000"),
    );
    group.bench_function("headers", |b| b.iter(|| redact::headers(black_box(&h))));
    let body = json!({
        "client_id": "pcc_123", "client_secret": "pcs_secret",
        "user": { "name": "Ada", "password": "hunter2", "profile": { "token": "t", "bio": "x" } },
        "items": (0..20).map(|i| json!({ "id": i, "key": "k", "value": "v" })).collect::<Vec<_>>(),
    });
    group.bench_function("json", |b| {
        b.iter(|| {
            let mut v = body.clone();
            redact::json(black_box(&mut v));
            v
        })
    });
    let uri: Uri = "/api/v1/employees?limit=50&token=abc&department=Sales"
        .parse()
        .expect("uri");
    group.bench_function("uri", |b| b.iter(|| redact::uri(black_box(&uri))));
    let truncated = format!(
        "{{\"password\": \"hunter2\", \"notes\": \"{}",
        "lorem ipsum ".repeat(100)
    );
    group.bench_function("truncated_text", |b| {
        b.iter(|| {
            redact::body(
                Some("application/json"),
                black_box(truncated.as_bytes()),
                false,
            )
        })
    });
    group.finish();
}

fn problem_render(c: &mut Criterion) {
    let limiter = MemoryLimiter::new(WINDOW);
    for _ in 0..2 {
        limiter.check("k", 1);
    }
    let decision = limiter.check("k", 1);
    c.bench_function("problem/render", |b| {
        b.iter(|| {
            let mut p = Problem::new(
                ProblemKind::RateLimited,
                "company limit 60/min reached, resets in 12 s",
            );
            for (name, value) in headers::to_header_map(black_box(&decision), WINDOW) {
                if let Some(name) = name {
                    p = p.with_header(name, value);
                }
            }
            p.into_response()
        })
    });
}

criterion_group!(
    benches,
    limiter_memory,
    limiter_redis,
    redaction,
    problem_render
);
criterion_main!(benches);
