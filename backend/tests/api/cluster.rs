//! Two instances behind one load balancer: a revocation made through one is honoured by the
//! other within 1 s, although the other had the credential's verification cached. Each case
//! runs with Redis pub/sub (on SQLite and on PostgreSQL) and with PostgreSQL LISTEN/NOTIFY.

use std::time::{Duration, Instant};

use backend::server::RunningServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::rest::*;

/// How invalidations travel between the two instances.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Setup {
    SqliteRedis,
    PostgresRedis,
    /// PostgreSQL `LISTEN`/`NOTIFY`, no Redis configured.
    PostgresNotify,
}

pub(crate) fn redis_url() -> String {
    std::env::var("PORTCULLIS_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Runs `body` with two instances on one database (instance 1 is the `TestApp`), cleaning up
/// both even if it panics.
async fn two_instances(setup: Setup, body: impl AsyncFnOnce(&TestApp, &RunningServer)) {
    let (backend, redis) = match setup {
        Setup::SqliteRedis => (Backend::Sqlite, Some(redis_url())),
        Setup::PostgresRedis => (Backend::Postgres, Some(redis_url())),
        Setup::PostgresNotify => (Backend::Postgres, None),
    };
    let app = TestApp::spawn_with(backend, |c| c.redis_url = redis).await;
    let other = app.second_instance().await;
    let expected = match setup {
        Setup::SqliteRedis | Setup::PostgresRedis => "redis",
        Setup::PostgresNotify => "postgres",
    };
    assert_eq!(other.state.app.invalidator.transport(), expected);
    let outcome =
        futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(body(&app, &other))).await;
    other.stop().await.expect("stop");
    app.stop().await;
    if let Err(p) = outcome {
        std::panic::resume_unwind(p);
    }
}

/// `GET /api/v1/company` on instance 2.
async fn company_on(app: &TestApp, other: &RunningServer, token: &str) -> StatusCode {
    app.client
        .get(format!("http://{}/api/v1/company", other.addr))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
        .status()
}

/// Uses the credential on instance 2 until its verification is cached there.
async fn warm(app: &TestApp, other: &RunningServer, token: &str) {
    for _ in 0..2 {
        assert_eq!(company_on(app, other, token).await, StatusCode::OK);
    }
}

/// Polls instance 2 every 50 ms; panics unless it answers 401 within 1 s.
async fn rejected_within_a_second(app: &TestApp, other: &RunningServer, token: &str) {
    let start = Instant::now();
    loop {
        let status = company_on(app, other, token).await;
        if status == StatusCode::UNAUTHORIZED {
            return;
        }
        assert_eq!(
            status,
            StatusCode::OK,
            "only OK until the revocation arrives"
        );
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "instance 2 still accepts the revoked credential after {:?}",
            start.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The id of the item named `name` in the list at `path`.
fn id_named(data: &Value, path: &str, name: &str) -> String {
    data[path]
        .as_array()
        .unwrap_or_else(|| panic!("no {path} in {data:#}"))
        .iter()
        .find(|x| x["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {data:#}"))["id"]
        .as_str()
        .expect("id")
        .to_string()
}

async fn pat_revocation(setup: Setup) {
    two_instances(setup, async |app, other| {
        let w = world(app).await;
        warm(app, other, &w.pat).await;
        let d = app
            .gql_ok(
                Some(&w.session),
                "{ personalAccessTokens { id name } }",
                json!({}),
            )
            .await;
        let id = id_named(&d, "personalAccessTokens", "script");
        app.gql_ok(
            Some(&w.session),
            "mutation($id: ID!) { revokePersonalAccessToken(id: $id) }",
            json!({ "id": id }),
        )
        .await;
        rejected_within_a_second(app, other, &w.pat).await;
        // Instance 1 rejects it too, and other credentials still work on instance 2.
        assert_eq!(
            get(app, Some(&w.pat), "/api/v1/company").await.0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(company_on(app, other, &w.key).await, StatusCode::OK);
    })
    .await;
}

async fn api_key_revocation(setup: Setup) {
    two_instances(setup, async |app, other| {
        let w = world(app).await;
        warm(app, other, &w.key).await;
        let d = app
            .gql_ok(
                Some(&w.session),
                "query($c: ID!) { apiKeys(companyId: $c) { id name } }",
                json!({ "c": w.a }),
            )
            .await;
        let id = id_named(&d, "apiKeys", "all");
        app.gql_ok(
            Some(&w.session),
            "mutation($id: ID!) { revokeApiKey(id: $id) }",
            json!({ "id": id }),
        )
        .await;
        rejected_within_a_second(app, other, &w.key).await;
    })
    .await;
}

async fn api_credential_revocation(setup: Setup) {
    two_instances(setup, async |app, other| {
        let w = world(app).await;
        warm(app, other, &w.oauth).await;
        let d = app
            .gql_ok(
                Some(&w.session),
                "query($c: ID!) { apiCredentials(companyId: $c) { id name } }",
                json!({ "c": w.a }),
            )
            .await;
        let id = id_named(&d, "apiCredentials", "partner");
        app.gql_ok(
            Some(&w.session),
            "mutation($id: ID!) { revokeApiCredential(id: $id) }",
            json!({ "id": id }),
        )
        .await;
        rejected_within_a_second(app, other, &w.oauth).await;
    })
    .await;
}

/// Deactivating a user voids their personal token on every instance.
async fn user_deactivation(setup: Setup) {
    two_instances(setup, async |app, other| {
        let w = world(app).await;
        warm(app, other, &w.pat).await;
        let me = app
            .gql_ok(Some(&w.session), "{ me { id } }", json!({}))
            .await;
        app.gql_ok(
            Some(&w.super_admin),
            "mutation($id: ID!) { updateUser(id: $id, input: { active: false }) { id } }",
            json!({ "id": me["me"]["id"] }),
        )
        .await;
        rejected_within_a_second(app, other, &w.pat).await;
    })
    .await;
}

macro_rules! cluster_test {
    ($name:ident) => {
        mod $name {
            use super::Setup;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite_redis() {
                super::$name(Setup::SqliteRedis).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres_redis() {
                super::$name(Setup::PostgresRedis).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres_notify() {
                super::$name(Setup::PostgresNotify).await;
            }
        }
    };
}

cluster_test!(pat_revocation);
cluster_test!(api_key_revocation);
cluster_test!(api_credential_revocation);
cluster_test!(user_deactivation);

/// On SQLite without Redis there is no transport: the epoch stays local (one instance per
/// SQLite file), and two instances in one process do not share it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_alone_is_local_and_epochs_are_per_instance() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let other = app.second_instance().await;
    let (one, two) = (&app.state().app.invalidator, &other.state.app.invalidator);
    assert_eq!(one.transport(), "local");
    let before = two.current();
    one.invalidate();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(two.current(), before, "no process-global epoch");
    other.stop().await.expect("stop");
    app.stop().await;
}

/// A lost PostgreSQL listener reconnects, drops the caches (messages may have been missed),
/// and revocations reach the instance again afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_postgres_listener_reconnects_and_resyncs() {
    two_instances(Setup::PostgresNotify, async |app, other| {
        let w = world(app).await;
        warm(app, other, &w.pat).await;
        let metrics = &other.state.app.metrics.invalidation;
        let (resyncs, epoch) = (metrics.resyncs.get(), other.state.app.invalidator.current());
        // Both instances' listeners of this test's own database.
        use sea_orm::ConnectionTrait;
        app.state()
            .app
            .db
            .execute_unprepared(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \
                 current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%'",
            )
            .await
            .expect("terminate listeners");
        let start = Instant::now();
        while metrics.resyncs.get() == resyncs || metrics.subscribed.get() != 1 {
            assert!(
                start.elapsed() < Duration::from_secs(3),
                "did not resubscribe"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            other.state.app.invalidator.current() > epoch,
            "caches dropped"
        );
        warm(app, other, &w.pat).await;
        let d = app
            .gql_ok(
                Some(&w.session),
                "{ personalAccessTokens { id name } }",
                json!({}),
            )
            .await;
        let id = id_named(&d, "personalAccessTokens", "script");
        app.gql_ok(
            Some(&w.session),
            "mutation($id: ID!) { revokePersonalAccessToken(id: $id) }",
            json!({ "id": id }),
        )
        .await;
        rejected_within_a_second(app, other, &w.pat).await;
    })
    .await;
}

/// A TCP proxy to Redis whose open connections the test can cut, as a network failure would.
struct CuttableProxy {
    url: String,
    cut: tokio::sync::broadcast::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

async fn cuttable_proxy(redis_url: &str) -> CuttableProxy {
    let target = redis_url
        .trim_start_matches("redis://")
        .split('/')
        .next()
        .expect("host:port")
        .to_string();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("redis://{}", listener.local_addr().expect("addr"));
    let (cut, _) = tokio::sync::broadcast::channel::<()>(1);
    let cuts = cut.clone();
    let task = tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let mut cut = cuts.subscribe();
            let target = target.clone();
            tokio::spawn(async move {
                let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await else {
                    return;
                };
                tokio::select! {
                    _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                    _ = cut.recv() => {}
                }
            });
        }
    });
    CuttableProxy { url, cut, task }
}

/// A lost Redis subscription reconnects, drops the caches, and carries revocations again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_redis_subscription_reconnects_and_resyncs() {
    let proxy = cuttable_proxy(&redis_url()).await;
    let url = proxy.url.clone();
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.redis_url = Some(url)).await;
    let other = app.second_instance().await;
    let outcome = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(async {
        let w = world(&app).await;
        warm(&app, &other, &w.pat).await;
        let metrics = &other.state.app.metrics.invalidation;
        let (resyncs, epoch) = (metrics.resyncs.get(), other.state.app.invalidator.current());
        proxy.cut.send(()).expect("connections to cut");
        let start = Instant::now();
        while metrics.resyncs.get() == resyncs || metrics.subscribed.get() != 1 {
            assert!(
                start.elapsed() < Duration::from_secs(3),
                "did not resubscribe"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            other.state.app.invalidator.current() > epoch,
            "caches dropped"
        );
        warm(&app, &other, &w.pat).await;
        let d = app
            .gql_ok(
                Some(&w.session),
                "{ personalAccessTokens { id name } }",
                json!({}),
            )
            .await;
        let id = id_named(&d, "personalAccessTokens", "script");
        app.gql_ok(
            Some(&w.session),
            "mutation($id: ID!) { revokePersonalAccessToken(id: $id) }",
            json!({ "id": id }),
        )
        .await;
        rejected_within_a_second(&app, &other, &w.pat).await;
    }))
    .await;
    other.stop().await.expect("stop");
    app.stop().await;
    proxy.task.abort();
    if let Err(p) = outcome {
        std::panic::resume_unwind(p);
    }
}
