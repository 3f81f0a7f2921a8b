//! API request logs, the capture half (SPEC §5): what a row records (the guards' decision, the
//! identity, the client IP), that no secret reaches the database, that GraphQL session traffic
//! is not logged, that shutdown drains the writer, that a full queue drops and counts, and
//! that retention prunes old rows.

use std::time::Duration;

use backend::config::ServeArgs;
use backend::entity::api_log;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, ConnectionTrait, Database, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::helpers::*;
use crate::rest::{set_access, set_company_flag, world};

async fn rows(app: &TestApp) -> Vec<api_log::Model> {
    let mut rows = api_log::Entity::find()
        .all(&app.state().app.db)
        .await
        .expect("read api_logs");
    rows.sort_by_key(|r| r.id);
    rows
}

/// Polls the table until `done` holds (the writer is asynchronous).
async fn wait_for(
    app: &TestApp,
    what: &str,
    done: impl Fn(&[api_log::Model]) -> bool,
) -> Vec<api_log::Model> {
    for _ in 0..400 {
        let r = rows(app).await;
        if done(&r) {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}: {:#?}", rows(app).await);
}

async fn row_where(
    app: &TestApp,
    what: &str,
    pred: impl Fn(&api_log::Model) -> bool,
) -> api_log::Model {
    let r = wait_for(app, what, |rows| rows.iter().any(&pred)).await;
    r.into_iter().find(|x| pred(x)).expect("found")
}

/// Runs a test on a server with a configuration of its own, cleaning up even if it panics.
async fn with_app(
    backend: Backend,
    configure: fn(&mut ServeArgs),
    body: impl AsyncFnOnce(&TestApp),
) {
    let app = TestApp::spawn_with(backend, configure).await;
    let outcome = std::panic::AssertUnwindSafe(body(&app))
        .catch_unwind()
        .await;
    app.stop().await;
    if let Err(p) = outcome {
        std::panic::resume_unwind(p);
    }
}
use futures::FutureExt;

macro_rules! configured_test {
    ($name:ident, $configure:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::with_app(
                    crate::helpers::Backend::Sqlite,
                    super::$configure,
                    super::$name,
                )
                .await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::with_app(
                    crate::helpers::Backend::Postgres,
                    super::$configure,
                    super::$name,
                )
                .await;
            }
        }
    };
}

async fn gql_with(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    app.client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

/// Every listed secret, in headers, nested JSON, GraphQL variables and results, OAuth forms and
/// query strings: none is found anywhere in the rows, and the marker is.
async fn no_secret_reaches_the_database(app: &TestApp) {
    let w = world(app).await;
    let mut secrets: Vec<String> = (1..=12)
        .map(|i| format!("s3cret-{i}-{}", Uuid::now_v7().simple()))
        .collect();
    let s = secrets.clone();
    let mut sent = 0;
    // Headers.
    let resp = app
        .client
        .get(app.url("/api/v1/company"))
        .bearer_auth(&w.pat)
        .header("cookie", format!("sid={}", s[0]))
        .header("proxy-authorization", format!("Basic {}", s[1]))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::OK);
    sent += 1;
    // Nested JSON in a REST body.
    app.client
        .post(app.url("/api/v1/employees"))
        .bearer_auth(&w.pat)
        .json(&json!({ "first_name": "X", "password": s[2], "nested": { "Client_Secret": s[3],
            "list": [{ "token": s[4], "refresh_token": s[5] }, { "access_token": s[6], "key": s[7] }] } }))
        .send()
        .await
        .expect("request");
    sent += 1;
    // Query strings.
    app.client
        .get(app.url(&format!(
            "/api/v1/employees?limit=2&access_token={}&Password={}",
            s[8], s[9]
        )))
        .bearer_auth(&w.key)
        .send()
        .await
        .expect("request");
    sent += 1;
    // GraphQL with a personal token: secrets in variables, inline, and in creation results.
    let created = gql_with(
        app,
        &w.pat,
        "mutation($c: ID!, $n: String!) { createApiCredential(input: { companyId: $c, name: $n }) \
         { clientId clientSecret } }",
        json!({ "c": w.a, "n": "logged", "password": s[10] }),
    )
    .await;
    let client_id = created["data"]["createApiCredential"]["clientId"]
        .as_str()
        .unwrap_or_else(|| panic!("{created:#}"))
        .to_string();
    let client_secret = created["data"]["createApiCredential"]["clientSecret"]
        .as_str()
        .expect("secret")
        .to_string();
    secrets.push(client_secret.clone());
    let key = gql_with(
        app,
        &w.pat,
        "mutation($c: ID!) { createApiKey(input: { companyId: $c, name: \"k\", grants: [{ \
         endpoint: COMPANY, actions: [READ] }] }) { key } }",
        json!({ "c": w.a }),
    )
    .await;
    secrets.push(
        key["data"]["createApiKey"]["key"]
            .as_str()
            .expect("key")
            .to_string(),
    );
    let pat = gql_with(
        app,
        &w.pat,
        &format!(
            "mutation {{ createPersonalAccessToken(input: {{ name: \"n\" }}) {{ token }} }} \
             query Q {{ me {{ id }} }} # password: \"{}\"",
            s[11]
        ),
        json!({}),
    )
    .await;
    let _ = pat;
    sent += 3;
    // OAuth: Basic credentials, then the secret in the form; the access token in the answer.
    let token: Value = app
        .client
        .post(app.url("/oauth/token"))
        .basic_auth(&client_id, Some(&client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let access = token["access_token"]
        .as_str()
        .expect("access token")
        .to_string();
    secrets.push(access.clone());
    app.client
        .post(app.url("/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
            ("client_secret", &client_secret),
            ("client_assertion", &s[0]),
        ])
        .send()
        .await
        .expect("request");
    for path in ["/oauth/introspect", "/oauth/revoke"] {
        app.client
            .post(app.url(path))
            .basic_auth(&client_id, Some(&client_secret))
            .form(&[("token", access.as_str())])
            .send()
            .await
            .expect("request");
    }
    sent += 4;
    secrets.push(w.pat.clone());
    secrets.push(w.key.clone());
    // World's own /oauth/token request is logged too.
    let all = wait_for(app, "every row", |r| r.len() > sent).await;
    let text = format!("{all:?}");
    for secret in &secrets {
        assert!(
            !text.contains(secret.as_str()),
            "{secret} found in the logs: {text}"
        );
    }
    assert!(text.contains("[REDACTED]"));
    let gql = all.iter().filter(|r| r.endpoint == "/graphql").count();
    assert_eq!(gql, 3, "the three personal-token GraphQL calls are logged");
}
db_test!(no_secret_reaches_the_database);

/// Each guard's refusal is recorded in words, with the guard's name; admitted requests say
/// `allowed` and who called.
async fn decisions_name_the_guard(app: &TestApp) {
    let w = world(app).await;
    let a = Uuid::parse_str(&w.a).expect("uuid");
    let get = |token: Option<&str>, path: &str| {
        let mut req = app.client.get(app.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        async move { req.send().await.expect("request").status() }
    };
    let post = |token: &str| {
        let req = app
            .client
            .post(app.url("/api/v1/employees"))
            .bearer_auth(token)
            .json(&json!({ "first_name": "A", "last_name": "B" }));
        async move { req.send().await.expect("request").status() }
    };
    let expect = async |denied_by: &str, decision: &str| {
        let row = row_where(app, denied_by, |r| {
            r.denied_by.as_deref() == Some(denied_by)
        })
        .await;
        assert_eq!(row.decision, decision, "{row:#?}");
        row
    };

    assert_eq!(get(Some(&w.pat), "/api/v1/company").await, StatusCode::OK);
    let ok = row_where(app, "allowed", |r| {
        r.decision == "allowed" && r.endpoint == "/api/v1/company"
    })
    .await;
    assert_eq!(ok.denied_by, None);
    assert_eq!(ok.company_id, Some(a));
    assert!(ok.user_id.is_some());
    assert_eq!(ok.credential_kind.as_deref(), Some("personal_access_token"));
    assert!(ok.credential_id.is_some());
    assert_eq!(ok.status_code, 200);
    assert_eq!(ok.method, "GET");

    assert_eq!(get(None, "/api/v1/company").await, StatusCode::UNAUTHORIZED);
    let row = expect(
        "authenticate",
        "authenticate: send a token in the Authorization header: `Bearer <token>`",
    )
    .await;
    assert_eq!(row.credential_kind, None);

    assert_eq!(post(&w.key).await, StatusCode::FORBIDDEN);
    let row = expect(
        "permission",
        "permission: the API key has no CREATE grant on endpoint EMPLOYEES",
    )
    .await;
    assert_eq!(row.credential_kind.as_deref(), Some("api_key"));

    set_access(app, &w, &w.a, "READ_ONLY").await;
    assert_eq!(post(&w.oauth).await, StatusCode::FORBIDDEN);
    let row = expect("access_type", "access_type: Read access only").await;
    assert_eq!(row.credential_kind.as_deref(), Some("api_credential"));

    set_access(app, &w, &w.a, "NONE").await;
    assert_eq!(
        get(Some(&w.pat), "/api/v1/employees").await,
        StatusCode::UNAUTHORIZED
    );
    let none = row_where(app, "access none", |r| {
        r.decision.contains("access type is none")
    })
    .await;
    assert_eq!(
        none.decision,
        "access_type: the company's API access type is none: the public API is not available to it"
    );
    assert_eq!(none.denied_by.as_deref(), Some("access_type"));

    set_access(app, &w, &w.a, "READ_WRITE").await;
    set_company_flag(app, &w, &w.a, false).await;
    assert_eq!(
        get(Some(&w.pat), "/api/v1/company").await,
        StatusCode::UNAUTHORIZED
    );
    expect(
        "feature_flag",
        "feature_flag: API access is disabled for this company",
    )
    .await;

    set_company_flag(app, &w, &w.a, true).await;
    app.gql_ok(
        Some(&w.super_admin),
        "mutation($id: ID!) { updateCompany(id: $id, input: { apiRateLimit: 1 }) { id } }",
        json!({ "id": w.a }),
    )
    .await;
    get(Some(&w.pat), "/api/v1/company").await;
    assert_eq!(
        get(Some(&w.pat), "/api/v1/company").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    let row = row_where(app, "rate_limit", |r| {
        r.denied_by.as_deref() == Some("rate_limit")
    })
    .await;
    assert!(
        row.decision
            .starts_with("rate_limit: company limit 1/min reached, resets in ")
            && row.decision.ends_with(" s"),
        "{}",
        row.decision
    );
}
db_test!(decisions_name_the_guard);

/// OAuth endpoints log the client that authenticated and refusals by the guard they stand for.
async fn oauth_rows_name_the_client(app: &TestApp) {
    let w = world(app).await;
    let a = Uuid::parse_str(&w.a).expect("uuid");
    // `world` obtained an access token for company A.
    let ok = row_where(app, "the token grant", |r| {
        r.endpoint == "/oauth/token" && r.status_code == 200
    })
    .await;
    assert_eq!(ok.decision, "allowed");
    assert_eq!(ok.company_id, Some(a));
    assert_eq!(ok.credential_kind.as_deref(), Some("api_credential"));
    assert!(ok.credential_id.is_some());

    let resp = app
        .client
        .post(app.url("/oauth/token"))
        .basic_auth("cli_unknown", Some("pcs_wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let denied = row_where(app, "the refused grant", |r| {
        r.endpoint == "/oauth/token" && r.status_code == 401
    })
    .await;
    assert_eq!(
        denied.decision,
        "authenticate: client authentication failed"
    );
    assert_eq!(denied.denied_by.as_deref(), Some("authenticate"));
    assert_eq!(denied.company_id, None);

    let resp = app
        .client
        .post(app.url("/oauth/token"))
        .form(&[("grant_type", "password")])
        .basic_auth("cli_unknown", Some("pcs_wrong"))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let bad = row_where(app, "the unsupported grant", |r| {
        r.endpoint == "/oauth/token" && r.status_code == 400
    })
    .await;
    assert_eq!(
        bad.decision,
        "oauth: only grant_type=client_credentials is supported"
    );
}
db_test!(oauth_rows_name_the_client);

/// The SPA's session traffic on /graphql is not logged; a personal token's is.
async fn graphql_logs_personal_tokens_only(app: &TestApp) {
    let w = world(app).await;
    for token in [&w.session, &w.pat] {
        app.gql_ok(Some(token), "{ me { id } }", json!({})).await;
    }
    let all = wait_for(app, "the PAT call", |r| {
        r.iter().any(|x| x.endpoint == "/graphql")
    })
    .await;
    let gql: Vec<_> = all.iter().filter(|r| r.endpoint == "/graphql").collect();
    assert_eq!(gql.len(), 1, "{gql:#?}");
    assert_eq!(
        gql[0].credential_kind.as_deref(),
        Some("personal_access_token")
    );
    assert_eq!(gql[0].decision, "allowed");
    assert!(
        gql[0]
            .request_body
            .as_deref()
            .is_some_and(|b| b.contains("me"))
    );
}
db_test!(graphql_logs_personal_tokens_only);

async fn forwarded_ip(app: &TestApp) -> Option<String> {
    app.client
        .get(app.url("/api/v1/company"))
        .header("x-forwarded-for", "203.0.113.7")
        .send()
        .await
        .expect("request");
    row_where(app, "a row", |r| r.endpoint == "/api/v1/company")
        .await
        .request_ip
}

async fn forwarded_for_is_ignored_by_default(app: &TestApp) {
    assert_eq!(forwarded_ip(app).await.as_deref(), Some("127.0.0.1"));
}
db_test!(forwarded_for_is_ignored_by_default);

fn trust_loopback(c: &mut ServeArgs) {
    c.trusted_proxies = vec![backend::logs::client_ip::parse_net("127.0.0.1").expect("ip")];
}
async fn forwarded_for_is_honoured_from_trusted_proxies(app: &TestApp) {
    assert_eq!(forwarded_ip(app).await.as_deref(), Some("203.0.113.7"));
}
configured_test!(
    forwarded_for_is_honoured_from_trusted_proxies,
    trust_loopback
);

fn small_bodies(c: &mut ServeArgs) {
    c.log_body_max_bytes = 100;
}
/// Bodies are cut at the configured size, saying how long they were.
async fn bodies_are_truncated(app: &TestApp) {
    let w = world(app).await;
    let body = json!({ "first_name": "F", "last_name": "x".repeat(1000) }).to_string();
    app.client
        .post(app.url("/api/v1/employees"))
        .bearer_auth(&w.pat)
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .expect("request");
    let row = row_where(app, "the POST", |r| {
        r.method == "POST" && r.endpoint == "/api/v1/employees"
    })
    .await;
    let logged = row.request_body.expect("request body");
    let suffix = format!("… [truncated: {} bytes in all]", body.len());
    assert!(logged.ends_with(&suffix), "{logged}");
    assert_eq!(logged.len(), 100 + suffix.len(), "{logged}");
    assert!(body.starts_with(&logged[..100]));
}
configured_test!(bodies_are_truncated, small_bodies);

/// An unmatched path of several kilobytes is logged: its endpoint is cut (PostgreSQL refuses
/// an index entry that long, which would fail the whole batch) and the `uri` keeps it all. The
/// request after it is logged too, so the batch went through.
async fn a_huge_unmatched_path_is_logged(app: &TestApp) {
    // Random hex, so that PostgreSQL cannot compress it under its index entry limit.
    let noise: String = (0..250)
        .map(|_| format!("{:032x}", rand::random::<u128>()))
        .collect();
    let long = format!("/api/v1/{noise}");
    let resp = app
        .client
        .get(app.url(&long))
        .send()
        .await
        .expect("request");
    assert!(resp.status().is_client_error(), "{}", resp.status());
    app.client
        .get(app.url("/api/v1/company"))
        .send()
        .await
        .expect("request");
    let rows = wait_for(app, "both rows", |r| r.len() >= 2).await;
    let row = rows
        .iter()
        .find(|r| r.uri == long)
        .expect("the long request's row");
    assert_eq!(row.endpoint.chars().count(), 257, "{}", row.endpoint);
    assert!(row.endpoint.ends_with('…') && long.starts_with(row.endpoint.trim_end_matches('…')));
    assert!(rows.iter().any(|r| r.endpoint == "/api/v1/company"));
}
db_test!(a_huge_unmatched_path_is_logged);

/// A 500 records its hidden cause in `exception` (the caller sees only "Internal error").
async fn internal_errors_record_their_cause(app: &TestApp) {
    let w = world(app).await;
    app.state()
        .app
        .db
        .execute_unprepared("DROP TABLE time_off")
        .await
        .expect("drop a table under the server");
    let resp = app
        .client
        .get(app.url("/api/v1/time-off"))
        .bearer_auth(&w.pat)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = resp.text().await.expect("body");
    assert!(
        !body.contains("time_off"),
        "the cause leaked to the caller: {body}"
    );
    let row = row_where(app, "the 500", |r| r.status_code == 500).await;
    let exception = row.exception.expect("exception");
    assert!(exception.contains("time_off"), "{exception}");
}
db_test!(internal_errors_record_their_cause);

/// The Prometheus text the server exposes now.
async fn metrics_text(app: &TestApp) -> String {
    app.client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("text")
}

fn paused_writer(c: &mut ServeArgs) {
    c.log_channel_capacity = 1;
    c.log_batch_size = 1_000_000;
    c.log_batch_interval_ms = 3_600_000;
    c.log_queue_wait_ms = 50;
}
/// With the writer's queue full for longer than `--log-queue-wait-ms`, requests still succeed
/// and the lost rows are counted.
async fn a_full_queue_drops_and_counts(app: &TestApp) {
    for _ in 0..5 {
        let resp = app
            .client
            .get(app.url("/api/v1/openapi.json"))
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), StatusCode::OK);
    }
    let metrics = metrics_text(app).await;
    assert!(
        metrics
            .lines()
            .any(|l| l == "portcullis_api_logs_dropped_total 4"),
        "{metrics}"
    );
    assert!(
        metrics
            .lines()
            .any(|l| l == "portcullis_api_logs_written_total 0")
    );
}
configured_test!(a_full_queue_drops_and_counts, paused_writer);

fn tiny_queue(c: &mut ServeArgs) {
    c.log_channel_capacity = 2;
    c.log_batch_size = 2;
    c.log_batch_interval_ms = 50;
}
/// A burst far larger than the queue loses nothing: requests wait for the writer to make room.
async fn a_burst_over_the_queue_waits_instead_of_dropping(app: &TestApp) {
    let n: u64 = 40;
    let answers = futures::future::join_all(
        (0..n).map(|_| app.client.get(app.url("/api/v1/openapi.json")).send()),
    )
    .await;
    for a in answers {
        assert_eq!(a.expect("request").status(), StatusCode::OK);
    }
    let mut written = 0;
    for _ in 0..100 {
        written = api_log::Entity::find()
            .filter(api_log::Column::Endpoint.eq("/api/v1/openapi.json"))
            .count(&app.state().app.db)
            .await
            .expect("count");
        if written >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(written, n);
    let metrics = metrics_text(app).await;
    assert!(
        metrics
            .lines()
            .any(|l| l == "portcullis_api_logs_dropped_total 0"),
        "{metrics}"
    );
}
configured_test!(a_burst_over_the_queue_waits_instead_of_dropping, tiny_queue);

fn slow_writer(c: &mut ServeArgs) {
    c.log_batch_size = 1_000_000;
    c.log_batch_interval_ms = 3_600_000;
}
/// Rows still queued at shutdown are written before the server ends.
async fn shutdown_drains_the_writer(backend: Backend) {
    let mut app = TestApp::spawn_with(backend, slow_writer).await;
    const N: u64 = 25;
    for _ in 0..N {
        app.client
            .get(app.url("/api/v1/company"))
            .send()
            .await
            .expect("request");
    }
    assert_eq!(
        api_log::Entity::find()
            .count(&app.state().app.db)
            .await
            .expect("count"),
        0
    );
    app.stop_server().await;
    let db = Database::connect(app.database_url()).await.expect("reopen");
    let n = api_log::Entity::find().count(&db).await.expect("count");
    db.close().await.ok();
    app.stop().await;
    assert_eq!(n, N);
}
mod shutdown_drains {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::shutdown_drains_the_writer(crate::helpers::Backend::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::shutdown_drains_the_writer(crate::helpers::Backend::Postgres).await;
    }
}

fn row_at(time: OffsetDateTime) -> api_log::ActiveModel {
    api_log::Model {
        id: Uuid::now_v7(),
        time,
        method: "GET".into(),
        uri: "/api/v1/company".into(),
        endpoint: "/api/v1/company".into(),
        status_code: 200,
        response_time_us: 1,
        request_ip: None,
        request_headers: json!({}),
        response_headers: json!({}),
        request_body: None,
        response_body: None,
        exception: None,
        decision: "allowed".into(),
        denied_by: None,
        company_id: None,
        user_id: None,
        credential_kind: None,
        credential_id: None,
    }
    .into()
}

/// The server's own retention task off: it prunes once at start, and a start slowed by a busy
/// machine would race the test's rows.
fn no_retention_task(c: &mut ServeArgs) {
    c.log_retention_days = 0;
}
/// Rows older than the cutoff go, in batches; newer ones stay.
async fn retention_prunes_old_rows(app: &TestApp) {
    let db = &app.state().app.db;
    let now = OffsetDateTime::now_utc();
    let mut batch = Vec::new();
    for days in [40, 35, 31] {
        batch.push(row_at(now - time::Duration::days(days)));
    }
    for days in [29, 1, 0] {
        batch.push(row_at(now - time::Duration::days(days)));
    }
    api_log::Entity::insert_many(batch)
        .exec_without_returning(db)
        .await
        .expect("insert");
    let gone = backend::logs::retention::prune(db, now - time::Duration::days(30), 2)
        .await
        .expect("prune");
    assert_eq!(gone, 3);
    let left = rows(app).await;
    assert_eq!(left.len(), 3);
    assert!(left.iter().all(|r| r.time > now - time::Duration::days(30)));
}
configured_test!(retention_prunes_old_rows, no_retention_task);
