//! Faults of the services the server depends on, made for real with a cuttable TCP proxy in
//! front of PostgreSQL or Redis: a database outage answers 503 (never 500, never a hang), the
//! server recovers by itself, and no API log row accepted before or during the outage is lost;
//! a Redis outage under load falls back to the in-process limiter and comes back, with no 5xx.
//! SIGTERM and kill -9 of the real binary are in `faults_process`.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::metrics::{decisions, scrape, value};
use crate::proxy::{Proxy, host_port};
use crate::rest::world;

fn pg_url() -> String {
    std::env::var("PORTCULLIS_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// Polls `check` until it returns `Some`, or panics with `what` after `limit`.
pub(crate) async fn eventually<T, F: Future<Output = Option<T>>>(
    limit: Duration,
    what: &str,
    mut check: impl FnMut() -> F,
) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs `body`, then stops the app (and its database) even if the body panicked.
async fn guarded(app: TestApp, proxy: Proxy, body: impl AsyncFnOnce(&TestApp, Proxy)) {
    let outcome =
        futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(body(&app, proxy))).await;
    app.stop().await;
    if let Err(p) = outcome {
        std::panic::resume_unwind(p);
    }
}

/// A REST read with a personal access token: status, headers, body (JSON when there is one).
async fn rest_get(
    app: &TestApp,
    token: &str,
    path: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let resp = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .expect("the server answers");
    let (status, headers) = (resp.status(), resp.headers().clone());
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, headers, body)
}

async fn log_rows(app: &TestApp, endpoint: &str) -> i64 {
    let db = Database::connect(
        app.database_url()
            .replace(&host_port(app.database_url()), &host_port(&pg_url())),
    )
    .await
    .expect("connect directly");
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM api_logs WHERE endpoint = '{endpoint}'"),
        ))
        .await
        .expect("count")
        .expect("a row");
    db.close().await.ok();
    row.try_get::<i64>("", "n").expect("n")
}

/// PostgreSQL goes away (its proxy is cut) while the server runs: readiness fails, REST and
/// GraphQL say "unavailable, retry" quickly, the server comes back by itself when the database
/// does, and every API log row accepted before or during the outage ends up written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_is_503_then_recovers_without_losing_logs() {
    let pg = host_port(&pg_url());
    let proxy = Proxy::start(&pg).await;
    let via_proxy = proxy.addr.to_string();
    let app = TestApp::spawn_with(Backend::Postgres, |c| {
        c.database.database_url = c.database.database_url.replace(&pg, &via_proxy);
        c.database.db_acquire_timeout_ms = 1_000;
        c.log_batch_interval_ms = 100;
    })
    .await;
    guarded(app, proxy, async |app, mut proxy| {
        let w = world(app).await;
        let admin = app.admin_token().await;
        let endpoint = "/api/v1/employees";
        let created = app
            .gql(
                Some(&w.session),
                "mutation($c: ID!) { createApiCredential(input: { companyId: $c, name: \"faults\" }) { clientId clientSecret } }",
                json!({ "c": w.a }),
            )
            .await;
        let credential = &created["data"]["createApiCredential"];
        let token_form = [
            ("grant_type", "client_credentials"),
            ("client_id", credential["clientId"].as_str().expect("client id")),
            ("client_secret", credential["clientSecret"].as_str().expect("secret")),
        ];
        let mut answered = 0;
        for _ in 0..5 {
            let (status, _, body) = rest_get(app, &w.pat, endpoint).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            answered += 1;
        }

        proxy.cut().await;
        let cut_at = Instant::now();
        let started = Instant::now();
        let ready = app
            .client
            .get(app.url("/readyz"))
            .send()
            .await
            .expect("readyz");
        assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "readyz answers promptly"
        );

        // Several concurrent requests, every credential path: 503 problems, bounded in time.
        let started = Instant::now();
        let outcomes = futures::future::join_all(
            [&w.pat, &w.key, &w.oauth, &w.pat, &w.pat].map(|t| rest_get(app, t, endpoint)),
        )
        .await;
        let took = started.elapsed();
        for (status, headers, body) in &outcomes {
            assert_eq!(*status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
            assert_eq!(
                headers["content-type"], "application/problem+json",
                "{body}"
            );
            assert_eq!(
                body["type"], "https://portcullis.dev/problems/unavailable",
                "{body}"
            );
            assert_eq!(headers["retry-after"], "5");
            assert!(
                !body.to_string().contains("5432"),
                "no database details: {body}"
            );
        }
        answered += outcomes.len();
        assert!(
            took < Duration::from_secs(10),
            "503 within the acquire timeout, took {took:?}"
        );

        let gql = app
            .gql(Some(&admin), "{ companies { totalCount } }", json!({}))
            .await;
        assert_eq!(error_code(&gql), "UNAVAILABLE", "{gql}");

        // The OAuth token endpoint: RFC 6749's `temporarily_unavailable`, 503, Retry-After.
        let resp = app
            .client
            .post(app.url("/oauth/token"))
            .form(&token_form)
            .timeout(Duration::from_secs(20))
            .send()
            .await
            .expect("the server answers");
        let (status, retry) = (resp.status(), resp.headers().get("retry-after").cloned());
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["error"], "temporarily_unavailable", "{body}");
        assert_eq!(retry.as_ref().map(|v| v.as_bytes()), Some(&b"5"[..]));
        assert_eq!(gql["errors"][0]["extensions"]["retryAfter"], 5, "{gql}");

        // Keep the database away long enough for the log writer to fail on it and back off.
        while cut_at.elapsed() < Duration::from_secs(3) {
            let (status, _, body) = rest_get(app, &w.pat, endpoint).await;
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
            answered += 1;
        }

        proxy.restore().await;
        eventually(Duration::from_secs(20), "readyz to pass again", || async {
            let r = app.client.get(app.url("/readyz")).send().await.ok()?;
            (r.status() == StatusCode::OK).then_some(())
        })
        .await;
        let (status, _, body) = rest_get(app, &w.pat, endpoint).await;
        assert_eq!(status, StatusCode::OK, "serves again: {body}");
        answered += 1;

        // Every request that got an answer has its log row: none dropped by the outage.
        let written = eventually(Duration::from_secs(20), "every API log row", || async {
            let n = log_rows(app, endpoint).await;
            (n >= answered as i64).then_some(n)
        })
        .await;
        assert_eq!(written, answered as i64);
        let base = app.url("");
        let m = scrape(base.trim_end_matches('/'), &app.client).await;
        assert_eq!(value(&m, "portcullis_api_logs_dropped_total", &[]), 0.0);
    })
    .await;
}

/// Redis goes away under concurrent load and comes back: requests are served throughout by the
/// in-process fallback limiter (never a 5xx), the metrics say so, and decisions return to Redis.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_outage_under_load_falls_back_and_recovers() {
    let redis = crate::cluster::redis_url();
    let proxy = Proxy::start(&host_port(&redis)).await;
    let via_proxy = format!("redis://{}", proxy.addr);
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.redis_url = Some(via_proxy)).await;
    guarded(app, proxy, async |app, mut proxy| {
        let w = world(app).await;
        // The highest limit SPEC §2 allows: the load stays under it, so each answer is a 200.
        app.gql_ok(
            Some(&w.super_admin),
            "mutation($r: ID!, $c: ID!) { updateReseller(id: $r, input: { apiRateLimit: 1200 }) { id } \
             updateCompany(id: $c, input: { apiRateLimit: 1200 }) { id } }",
            json!({ "r": w.reseller, "c": w.a }),
        )
        .await;
        let base = app.url("");
        let base = base.trim_end_matches('/').to_string();
        let running = Arc::new(AtomicBool::new(true));
        let load = (0..3).map(|_| {
            let (running, client, url, pat) = (
                running.clone(),
                app.client.clone(),
                app.url("/api/v1/company"),
                w.pat.clone(),
            );
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                while running.load(Ordering::Relaxed) {
                    let status = client
                        .get(&url)
                        .bearer_auth(&pat)
                        .timeout(Duration::from_secs(20))
                        .send()
                        .await
                        .expect("the server answers")
                        .status();
                    statuses.push(status);
                    tokio::time::sleep(Duration::from_millis(30)).await;
                }
                statuses
            })
        });
        let load: Vec<_> = load.collect();
        let metric = |name: &'static str| {
            let (base, client) = (base.clone(), app.client.clone());
            async move { value(&scrape(&base, &client).await, name, &[]) }
        };

        // Redis decides while it is up.
        let redis_before = eventually(Duration::from_secs(15), "Redis decisions", || async {
            let d = decisions(&scrape(&base, &app.client).await, "redis");
            (d >= 10.0).then_some(d)
        })
        .await;
        assert_eq!(metric("portcullis_ratelimit_redis_healthy").await, 1.0);

        proxy.cut().await;
        let fallback = eventually(Duration::from_secs(15), "fallback decisions", || async {
            let s = scrape(&base, &app.client).await;
            let healthy = value(&s, "portcullis_ratelimit_redis_healthy", &[]);
            let d = decisions(&s, "fallback");
            (healthy == 0.0 && d >= 20.0).then_some(d)
        })
        .await;
        assert!(fallback >= 20.0);

        proxy.restore().await;
        let redis_after = eventually(
            Duration::from_secs(15),
            "decisions back in Redis",
            || async {
                let s = scrape(&base, &app.client).await;
                let healthy = value(&s, "portcullis_ratelimit_redis_healthy", &[]);
                let d = decisions(&s, "redis");
                (healthy == 1.0 && d >= redis_before + 10.0).then_some(d)
            },
        )
        .await;
        assert!(redis_after > redis_before);

        running.store(false, Ordering::Relaxed);
        let mut statuses = Vec::new();
        for task in load {
            statuses.extend(task.await.expect("load task"));
        }
        let errors: Vec<_> = statuses.iter().filter(|s| s.is_server_error()).collect();
        assert!(errors.is_empty(), "5xx during the Redis outage: {errors:?}");
        let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(ok, statuses.len(), "every request served: {statuses:?}");
    })
    .await;
}

/// SQLite runs in WAL mode with `synchronous = FULL` (SQLite's default, which the pool keeps):
/// a committed write survives a crash of the process, and of the machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_is_wal_and_synchronous() {
    run(Backend::Sqlite, async |app| {
        let db = &app.state().app.db;
        for _ in 0..4 {
            let mode = db
                .query_one_raw(Statement::from_string(
                    db.get_database_backend(),
                    "PRAGMA journal_mode",
                ))
                .await
                .expect("pragma")
                .expect("row");
            assert_eq!(mode.try_get_by_index::<String>(0).expect("mode"), "wal");
            let sync = db
                .query_one_raw(Statement::from_string(
                    db.get_database_backend(),
                    "PRAGMA synchronous",
                ))
                .await
                .expect("pragma")
                .expect("row");
            assert_eq!(sync.try_get_by_index::<i32>(0).expect("level"), 2, "FULL");
        }
    })
    .await;
}
