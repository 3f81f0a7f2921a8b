//! `GET /metrics`: valid Prometheus exposition, and the counters the operators watch (rate-limit
//! decisions by backend, Redis health, cache invalidations).

use std::time::{Duration, Instant};

use prometheus_parse::{LineInfo, Scrape, Value};
use reqwest::StatusCode;
use serde_json::json;

use crate::cluster::redis_url;
use crate::helpers::*;
use crate::rest::*;

/// Scrapes `/metrics`, checking that every line is valid exposition (a sample, `# HELP`,
/// `# TYPE`, and the final `# EOF`).
pub(crate) async fn scrape(base: &str, client: &reqwest::Client) -> Scrape {
    let resp = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::OK);
    let content_type = resp.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(
        content_type.starts_with("application/openmetrics-text; version=1.0.0"),
        "{content_type}"
    );
    let text = resp.text().await.expect("body");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.last(), Some(&"# EOF"), "{text}");
    for line in &lines[..lines.len() - 1] {
        assert!(
            !matches!(LineInfo::parse(line), LineInfo::Ignored | LineInfo::Empty),
            "not valid exposition: {line:?}"
        );
    }
    Scrape::parse(lines.iter().map(|l| Ok(l.to_string()))).expect("parses")
}

/// The value of the sample `name` with these labels (0 when absent: never incremented).
pub(crate) fn value(s: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    s.samples
        .iter()
        .find(|x| x.metric == name && labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v)))
        .map_or(0.0, |x| match x.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => v,
            _ => panic!("{name} is not a scalar"),
        })
}

pub(crate) fn decisions(s: &Scrape, backend: &str) -> f64 {
    ["allowed", "denied"]
        .iter()
        .map(|o| {
            value(
                s,
                "portcullis_ratelimit_decisions_total",
                &[("backend", backend), ("outcome", o)],
            )
        })
        .sum()
}

async fn set_limit(app: &TestApp, w: &World, limit: i64) {
    app.gql_ok(
        Some(&w.super_admin),
        "mutation($id: ID!, $l: Int) { updateCompany(id: $id, input: { apiRateLimit: $l }) { id } }",
        json!({ "id": w.a, "l": limit }),
    )
    .await;
}

/// The exposition parses and names the metrics; requests are counted by route and status class.
async fn exposition_parses(app: &TestApp) {
    let base = app.url("");
    let before = scrape(&base, &app.client).await;
    for _ in 0..3 {
        let resp = app
            .client
            .get(app.url("/healthz"))
            .send()
            .await
            .expect("up");
        assert_eq!(resp.status(), StatusCode::OK);
    }
    let (status, _, _) = get(app, None, "/api/v1/company").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let after = scrape(&base, &app.client).await;
    let health = [("route", "health"), ("status", "2xx")];
    assert_eq!(
        value(&after, "portcullis_http_requests_total", &health)
            - value(&before, "portcullis_http_requests_total", &health),
        3.0
    );
    assert!(
        value(
            &after,
            "portcullis_http_requests_total",
            &[("route", "rest"), ("status", "4xx")]
        ) >= 1.0
    );
    // Without Redis, decisions are made in-process and counted as such.
    let w = world(app).await;
    let before = scrape(&base, &app.client).await;
    for _ in 0..2 {
        assert_eq!(
            get(app, Some(&w.pat), "/api/v1/company").await.0,
            StatusCode::OK
        );
    }
    let after = scrape(&base, &app.client).await;
    assert_eq!(
        decisions(&after, "memory") - decisions(&before, "memory"),
        2.0
    );
    assert_eq!(decisions(&after, "redis"), 0.0);
    for name in [
        "portcullis_ratelimit_decisions",
        "portcullis_ratelimit_redis_healthy",
        "portcullis_redis_errors",
        "portcullis_cache_invalidations_sent",
        "portcullis_cache_invalidations_received",
        "portcullis_cache_invalidation_publish_failures",
        "portcullis_cache_invalidation_subscribed",
        "portcullis_http_requests",
    ] {
        assert!(after.docs.contains_key(name), "no HELP for {name}");
    }
}
db_test!(exposition_parses);

/// With Redis unreachable, third-party requests are still limited (in-process) and the
/// fallback is visible in `/metrics`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_redis_falls_back_and_says_so() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.redis_url = Some("redis://127.0.0.1:1".into());
    })
    .await;
    let outcome = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(async {
        let w = world(&app).await;
        set_limit(&app, &w, 3).await;
        let base = app.url("");
        let before = scrape(&base, &app.client).await;
        let mut statuses = Vec::new();
        for _ in 0..5 {
            statuses.push(get(&app, Some(&w.pat), "/api/v1/company").await.0);
        }
        let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        let limited = statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count();
        assert_eq!((ok, limited), (3, 2), "{statuses:?}");
        let after = scrape(&base, &app.client).await;
        assert_eq!(
            decisions(&after, "fallback") - decisions(&before, "fallback"),
            5.0
        );
        assert_eq!(decisions(&after, "redis"), 0.0);
        assert_eq!(
            value(&after, "portcullis_ratelimit_redis_healthy", &[]),
            0.0
        );
        assert!(
            value(
                &after,
                "portcullis_redis_errors_total",
                &[("component", "ratelimit")]
            ) >= 1.0
        );
        // A revocation cannot be published either: the write still succeeds, the failure is
        // counted (in the background, so poll briefly).
        let d = app
            .gql_ok(
                Some(&w.session),
                "{ personalAccessTokens { id } }",
                json!({}),
            )
            .await;
        app.gql_ok(
            Some(&w.session),
            "mutation($id: ID!) { revokePersonalAccessToken(id: $id) }",
            json!({ "id": d["personalAccessTokens"][0]["id"] }),
        )
        .await;
        let start = Instant::now();
        let failures = "portcullis_cache_invalidation_publish_failures_total";
        while value(&scrape(&base, &app.client).await, failures, &[]) < 1.0 {
            assert!(
                start.elapsed() < Duration::from_secs(2),
                "failure not counted"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            value(&after, "portcullis_cache_invalidation_subscribed", &[]),
            0.0
        );
    }))
    .await;
    app.stop().await;
    if let Err(p) = outcome {
        std::panic::resume_unwind(p);
    }
}

/// With the real Redis, decisions are made there, and invalidations are published.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_redis_decides_and_carries_invalidations() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.redis_url = Some(redis_url())).await;
    let outcome = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(async {
        let w = world(&app).await;
        let base = app.url("");
        let before = scrape(&base, &app.client).await;
        for _ in 0..4 {
            assert_eq!(
                get(&app, Some(&w.pat), "/api/v1/company").await.0,
                StatusCode::OK
            );
        }
        let after = scrape(&base, &app.client).await;
        assert_eq!(
            decisions(&after, "redis") - decisions(&before, "redis"),
            4.0
        );
        assert_eq!(decisions(&after, "fallback"), 0.0);
        assert_eq!(
            value(&after, "portcullis_ratelimit_redis_healthy", &[]),
            1.0
        );
        assert_eq!(
            value(&after, "portcullis_cache_invalidation_subscribed", &[]),
            1.0
        );

        // An admin write is published (in the background, so poll briefly).
        let sent = |s: &Scrape| value(s, "portcullis_cache_invalidations_sent_total", &[]);
        let sent_before = sent(&after);
        let d = app
            .gql_ok(
                Some(&w.session),
                "{ personalAccessTokens { id } }",
                json!({}),
            )
            .await;
        app.gql_ok(
            Some(&w.session),
            "mutation($id: ID!) { revokePersonalAccessToken(id: $id) }",
            json!({ "id": d["personalAccessTokens"][0]["id"] }),
        )
        .await;
        let start = Instant::now();
        loop {
            let now = scrape(&base, &app.client).await;
            if sent(&now) > sent_before {
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(1), "not published");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }))
    .await;
    app.stop().await;
    if let Err(p) = outcome {
        std::panic::resume_unwind(p);
    }
}
