//! The benchmark-only code (`bench` cargo feature, `backend/src/bench_support`, driven by
//! `bench/run.sh`): absent from normal builds, and, when built, serving the same answer
//! unguarded as the guarded route, so the load suite compares like with like.

use crate::helpers::{Backend, run};

/// Normal builds have neither the unguarded route, nor the counters, nor the commands.
#[cfg(not(feature = "bench"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_code_is_absent_by_default() {
    use backend::config::Cli;
    use clap::Parser;
    run(Backend::Sqlite, async |app| {
        for path in ["/bench/baseline/employees", "/bench/counters"] {
            let r = app.client.get(app.url(path)).send().await.expect("send");
            let json = r
                .headers()
                .get("content-type")
                .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
            assert!(
                !(r.status().is_success() && json),
                "{path} answered {} with JSON",
                r.status()
            );
        }
    })
    .await;
    for command in ["bench-seed", "bench-writer"] {
        assert!(
            Cli::try_parse_from(["portcullis", command, "--out", "x"]).is_err(),
            "{command} exists"
        );
    }
}

#[cfg(feature = "bench")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_baseline_matches_the_guarded_route() {
    use backend::bench_support::seed::{self, SeedArgs};
    use backend::config::DatabaseArgs;
    use serde_json::Value;

    run(Backend::Sqlite, async |app| {
        let out = std::env::temp_dir().join(format!("pc_bench_seed_{}", uuid::Uuid::now_v7()));
        seed::run(SeedArgs {
            database: DatabaseArgs {
                database_url: app.database_url().to_string(),
                db_max_connections: 4,
                db_acquire_timeout_ms: 5_000,
            },
            companies: 3,
            employees: 30,
            tokens: 6,
            limited_tokens: 2,
            limited_rate: 5,
            out: out.clone(),
        })
        .await
        .expect("seed");
        let first = |file: &str| {
            let text = std::fs::read_to_string(out.join(file)).expect("token file");
            assert_eq!(
                text.lines().count(),
                if file == "limited.txt" { 2 } else { 6 }
            );
            text.lines().next().expect("a token").to_string()
        };
        let counters = async || -> Value {
            let r = app.client.get(app.url("/bench/counters")).send().await;
            r.expect("send").json().await.expect("json")
        };
        let get = async |path: &str, token: Option<&str>| {
            let mut req = app.client.get(app.url(path));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let r = req.send().await.expect("send");
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        };
        let (status, baseline) = get("/bench/baseline/employees", None).await;
        assert_eq!(status, 200, "{baseline}");
        assert_eq!(baseline["data"].as_array().map(Vec::len), Some(10));
        // The first token of each kind belongs to the baseline company: the same page.
        let before = counters().await;
        for file in ["pat.txt", "api_key.txt", "jwt.txt"] {
            let (status, body) = get("/api/v1/employees", Some(&first(file))).await;
            assert_eq!((status, &body), (200, &baseline), "{file}");
        }
        let after = counters().await;
        assert_eq!(after["password_hashes"], before["password_hashes"]);
        let reads = |c: &Value| c["db_reads"].as_u64().expect("reads");
        assert!(reads(&after) > reads(&before), "{before} {after}");
        assert_eq!(after["cached_principals"], 1);
        assert_eq!(after["cached_api_keys"], 1);
        assert_eq!(after["cached_access_tokens"], 1);
        // The guarded route still refuses what the baseline serves.
        assert_eq!(get("/api/v1/employees", None).await.0, 401);
        // The limited company's keys reach 429 at its limit (5 a minute).
        let limited = first("limited.txt");
        let mut statuses = Vec::new();
        for _ in 0..6 {
            statuses.push(get("/api/v1/employees", Some(&limited)).await.0);
        }
        assert_eq!(statuses, [200, 200, 200, 200, 200, 429]);
        let _ = std::fs::remove_dir_all(out);
    })
    .await;
}
