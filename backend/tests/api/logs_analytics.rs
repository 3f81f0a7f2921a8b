//! API logs analytics (SPEC §5, §8): `apiLogs`, `apiLog`, `apiLogStats` and the CSV export,
//! against a hand-built data set whose every answer is known.

use std::collections::BTreeSet;

use backend::entity::api_log;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::helpers::*;

const PW: &str = "a-long-enough-password";

const LOG_FIELDS: &str = "id time method uri endpoint statusCode responseTimeUs requestIp \
     exception decision deniedBy requestHeaders responseHeaders requestBody responseBody \
     company { id name } user { id } credentialKind credentialId";

const STATS_FIELDS: &str = "total errors topEndpoints { endpoint method count } \
     slowestEndpoints { endpoint method avgResponseTimeUs count } \
     mostActiveCompanies { company { id name } count } statusClasses { statusClass count } \
     latency { p50Us p95Us p99Us } bucketSeconds series { bucketStart requests errors }";

/// The tenants and users of the data set.
struct World {
    admin: String,
    /// Company admin of A.
    a_admin: String,
    /// Company member of A: no `api_logs.view`.
    a_member: String,
    /// Reseller admin of R1 (companies A and B).
    r1_admin: String,
    a: String,
    b: String,
    c: String,
    ua: Uuid,
    ub: Uuid,
    /// Start of the data set's range, on a whole hour, 5 hours ago.
    base: OffsetDateTime,
    /// Row number → log id.
    ids: Vec<Uuid>,
}

fn id_of(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an id: {v:#}"))
        .to_string()
}

fn uuid(s: &str) -> Uuid {
    Uuid::parse_str(s).expect("uuid")
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .expect("format")
}

async fn create_user(
    app: &TestApp,
    admin: &str,
    email: &str,
    role: &str,
    company: Option<&str>,
    reseller: Option<&str>,
) -> (String, Uuid) {
    let roles = app
        .gql_ok(
            Some(admin),
            "query($c: ID) { roles(companyId: $c) { id name } }",
            json!({ "c": company }),
        )
        .await;
    let role_id = roles["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["name"] == role)
        .unwrap_or_else(|| panic!("role {role}: {roles:#}"))["id"]
        .clone();
    let d = app
        .gql_ok(
            Some(admin),
            "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }",
            json!({ "input": { "email": email, "name": email, "password": PW, "roleId": role_id,
                               "companyId": company, "resellerId": reseller } }),
        )
        .await;
    let id = uuid(&id_of(&d["createUser"]));
    (app.login(email, PW).await, id)
}

/// One row of the data set.
struct Row {
    at: i64,
    method: &'static str,
    endpoint: &'static str,
    status: i32,
    us: i64,
    company: Option<usize>,
    exception: Option<&'static str>,
    denied_by: Option<&'static str>,
}

const fn row(
    at: i64,
    method: &'static str,
    endpoint: &'static str,
    status: i32,
    us: i64,
    company: Option<usize>,
) -> Row {
    Row {
        at,
        method,
        endpoint,
        status,
        us,
        company,
        exception: None,
        denied_by: None,
    }
}

const A: Option<usize> = Some(0);
const B: Option<usize> = Some(1);
const C: Option<usize> = Some(2);

/// Rows 1..=12 lie in `[base, base + 6 h)`; row 13 is 30 hours old.
fn rows() -> Vec<Row> {
    vec![
        row(60, "GET", "/api/v1/employees", 200, 1_000, A),
        row(120, "GET", "/api/v1/employees", 200, 2_000, A),
        row(180, "GET", "/api/v1/employees", 200, 3_000, A),
        row(240, "GET", "/api/v1/employees/{id}", 404, 4_000, A),
        row(3_600, "POST", "/api/v1/employees", 201, 10_000, A),
        Row {
            denied_by: Some("rate_limit"),
            ..row(3_660, "POST", "/api/v1/employees", 429, 500, A)
        },
        row(3_700, "GET", "/api/v1/company", 200, 1_500, B),
        Row {
            exception: Some("boom, said \"the disk\"\nand then nothing"),
            ..row(
                7_200,
                "GET",
                "/api/v1/documents/{id}/download",
                500,
                90_000,
                B,
            )
        },
        Row {
            denied_by: Some("permission"),
            ..row(7_260, "GET", "/api/v1/company", 403, 700, B)
        },
        row(300, "GET", "/api/v1/company", 200, 800, C),
        Row {
            exception: Some("=cmd|' /C calc'!A0"),
            ..row(10_800, "DELETE", "/api/v1/employees/{id}", 503, 50_000, C)
        },
        Row {
            denied_by: Some("authenticate"),
            ..row(600, "POST", "/oauth/token", 401, 300, None)
        },
        row(-30 * 3_600, "GET", "/api/v1/employees", 200, 7_777, A),
    ]
}

fn model(
    id: Uuid,
    time: OffsetDateTime,
    r: &Row,
    uri: String,
    company: Option<Uuid>,
    user: Option<Uuid>,
) -> api_log::ActiveModel {
    let m = api_log::Model {
        id,
        time,
        method: r.method.into(),
        uri,
        endpoint: r.endpoint.into(),
        status_code: r.status,
        response_time_us: r.us,
        request_ip: Some("203.0.113.7".into()),
        request_headers: json!({ "accept": "application/json", "authorization": "[redacted]" }),
        response_headers: json!({ "content-type": "application/json" }),
        request_body: None,
        response_body: Some("{\"ok\":true}".into()),
        exception: r.exception.map(str::to_string),
        decision: match r.denied_by {
            Some(d) => format!("{d}: denied"),
            None => "allowed".into(),
        },
        denied_by: r.denied_by.map(str::to_string),
        company_id: company,
        user_id: user,
        credential_kind: user.map(|_| "personal_access_token".to_string()),
        credential_id: user.map(|_| Uuid::now_v7()),
    };
    m.into()
}

async fn world(app: &TestApp) -> World {
    let admin = app.admin_token().await;
    let reseller = async |name: &str| {
        let d = app
            .gql_ok(
                Some(&admin),
                "mutation($n: String!) { createReseller(input: { name: $n }) { id } }",
                json!({ "n": name }),
            )
            .await;
        id_of(&d["createReseller"])
    };
    let r1 = reseller("Reseller One").await;
    let r2 = reseller("Reseller Two").await;
    let company = async |r: &str, name: &str| {
        let d = app
            .gql_ok(
                Some(&admin),
                "mutation($r: ID!, $n: String!) { createCompany(input: { resellerId: $r, name: $n }) { id } }",
                json!({ "r": r, "n": name }),
            )
            .await;
        id_of(&d["createCompany"])
    };
    let a = company(&r1, "Alpha Ltd").await;
    let b = company(&r1, "Beta GmbH").await;
    let c = company(&r2, "Gamma SA").await;
    let (a_admin, ua) = create_user(
        app,
        &admin,
        "admin@alpha.test",
        "Company admin",
        Some(&a),
        None,
    )
    .await;
    let (a_member, _) = create_user(
        app,
        &admin,
        "member@alpha.test",
        "Company member",
        Some(&a),
        None,
    )
    .await;
    let (b_admin, ub) = create_user(
        app,
        &admin,
        "admin@beta.test",
        "Company admin",
        Some(&b),
        None,
    )
    .await;
    drop(b_admin);
    let (r1_admin, _) = create_user(
        app,
        &admin,
        "admin@r1.test",
        "Reseller admin",
        None,
        Some(&r1),
    )
    .await;

    let now = OffsetDateTime::now_utc();
    let base = now.replace_nanosecond(0).expect("ns") - Duration::hours(5);
    let base = base
        .replace_minute(0)
        .and_then(|t| t.replace_second(0))
        .expect("hour");
    let companies = [uuid(&a), uuid(&b), uuid(&c)];
    let users = [Some(ua), Some(ub), None];
    let mut ids = vec![Uuid::nil()];
    let mut models = Vec::new();
    for (i, r) in rows().iter().enumerate() {
        let id = Uuid::now_v7();
        ids.push(id);
        let company = r.company.map(|c| companies[c]);
        let user = r.company.and_then(|c| users[c]);
        let uri = format!("{}?row={}", r.endpoint, i + 1);
        models.push(model(
            id,
            base + Duration::seconds(r.at),
            r,
            uri,
            company,
            user,
        ));
    }
    api_log::Entity::insert_many(models)
        .exec(&app.state().app.db)
        .await
        .expect("insert logs");
    World {
        admin,
        a_admin,
        a_member,
        r1_admin,
        a,
        b,
        c,
        ua,
        ub,
        base,
        ids,
    }
}

impl World {
    /// The data set's range: `[base, base + 6 h)`.
    fn range(&self) -> Value {
        json!({ "from": rfc3339(self.base), "to": rfc3339(self.base + Duration::hours(6)) })
    }

    fn filter(&self, extra: Value) -> Value {
        let mut f = self.range();
        for (k, v) in extra.as_object().expect("object") {
            f[k] = v.clone();
        }
        f
    }
}

async fn list_raw(
    app: &TestApp,
    token: &str,
    filter: Value,
    first: i32,
    after: Option<&str>,
) -> Value {
    app.gql(
        Some(token),
        &format!(
            "query($f: ApiLogFilter, $first: Int, $after: String) {{ apiLogs(filter: $f, first: $first, after: $after) {{ \
             totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {LOG_FIELDS} }} edges {{ cursor }} }} }}"
        ),
        json!({ "f": filter, "first": first, "after": after }),
    )
    .await
}

/// Row numbers (from the `?row=N` in the URI) of a list, in the order given.
fn row_numbers(conn: &Value) -> Vec<usize> {
    conn["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("expected nodes: {conn:#}"))
        .iter()
        .map(|n| {
            let uri = n["uri"].as_str().expect("uri");
            uri.rsplit_once("?row=")
                .and_then(|(_, n)| n.parse().ok())
                .unwrap_or_else(|| panic!("uri without row: {uri}"))
        })
        .collect()
}

/// The rows a filter matches, newest first, checking totalCount agrees.
async fn matching(app: &TestApp, token: &str, filter: Value) -> Vec<usize> {
    let body = list_raw(app, token, filter.clone(), 200, None).await;
    assert!(body.get("errors").is_none(), "{filter}: {body:#}");
    let conn = &body["data"]["apiLogs"];
    let rows = row_numbers(conn);
    assert_eq!(conn["totalCount"], json!(rows.len()), "{filter}");
    rows
}

async fn stats_raw(app: &TestApp, token: &str, filter: Value) -> Value {
    app.gql(
        Some(token),
        &format!("query($f: ApiLogFilter) {{ apiLogStats(filter: $f) {{ {STATS_FIELDS} }} }}"),
        json!({ "f": filter }),
    )
    .await
}

async fn stats(app: &TestApp, token: &str, filter: Value) -> Value {
    let body = stats_raw(app, token, filter).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    body["data"]["apiLogStats"].clone()
}

fn err_field(body: &Value) -> String {
    body["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error with a field: {body:#}"))
        .to_string()
}

async fn every_filter_alone_and_combined(app: &TestApp) {
    let w = world(app).await;
    let t = &w.admin;
    // Newest first: rows in time order are 1,2,3,4,10,12,5,6,7,8,9,11.
    assert_eq!(
        matching(app, t, w.range()).await,
        vec![11, 9, 8, 7, 6, 5, 12, 10, 4, 3, 2, 1]
    );
    // The default range is the last 24 hours: row 13 (30 h old) is out.
    assert_eq!(
        matching(app, t, json!({})).await,
        vec![11, 9, 8, 7, 6, 5, 12, 10, 4, 3, 2, 1]
    );
    assert_eq!(
        matching(
            app,
            t,
            json!({ "from": rfc3339(w.base - Duration::hours(31)), "to": rfc3339(w.base) })
        )
        .await,
        vec![13]
    );
    let cases: Vec<(Value, Vec<usize>)> = vec![
        (json!({ "companyId": w.b }), vec![9, 8, 7]),
        (
            json!({ "userId": w.ua.to_string() }),
            vec![6, 5, 4, 3, 2, 1],
        ),
        (json!({ "userId": w.ub.to_string() }), vec![9, 8, 7]),
        (
            json!({ "endpoint": "/api/v1/employees" }),
            vec![6, 5, 3, 2, 1],
        ),
        (json!({ "method": "post" }), vec![6, 5, 12]),
        (json!({ "statusCode": 200 }), vec![7, 10, 3, 2, 1]),
        (json!({ "statusClass": "4xx" }), vec![9, 6, 12, 4]),
        (json!({ "statusClass": "5XX" }), vec![11, 8]),
        (json!({ "minResponseTimeUs": 4000 }), vec![11, 8, 5, 4]),
        (json!({ "hasException": true }), vec![11, 8]),
        (
            json!({ "hasException": false }),
            vec![9, 7, 6, 5, 12, 10, 4, 3, 2, 1],
        ),
        (json!({ "deniedBy": "rate_limit" }), vec![6]),
        (
            json!({ "companyId": w.a, "method": "GET" }),
            vec![4, 3, 2, 1],
        ),
        (
            json!({ "companyId": w.c, "statusClass": "5xx", "hasException": true }),
            vec![11],
        ),
        (
            json!({ "endpoint": "/api/v1/employees", "minResponseTimeUs": 2000 }),
            vec![5, 3, 2],
        ),
        (json!({ "companyId": w.a, "statusClass": "5xx" }), vec![]),
    ];
    for (extra, want) in cases {
        let f = w.filter(extra.clone());
        assert_eq!(matching(app, t, f.clone()).await, want, "{extra}");
        // The statistics count the same rows.
        let s = stats(app, t, f).await;
        assert_eq!(s["total"], json!(want.len()), "stats {extra}");
    }
}
db_test!(every_filter_alone_and_combined);

async fn every_statistic(app: &TestApp) {
    let w = world(app).await;
    let s = stats(app, &w.admin, w.range()).await;
    assert_eq!(s["total"], 12);
    assert_eq!(s["errors"], 2, "errors are the 5xx");
    assert_eq!(
        s["statusClasses"],
        json!([
            { "statusClass": "2xx", "count": 6 },
            { "statusClass": "4xx", "count": 4 },
            { "statusClass": "5xx", "count": 2 },
        ])
    );
    assert_eq!(
        s["topEndpoints"],
        json!([
            { "endpoint": "/api/v1/company", "method": "GET", "count": 3 },
            { "endpoint": "/api/v1/employees", "method": "GET", "count": 3 },
            { "endpoint": "/api/v1/employees", "method": "POST", "count": 2 },
            { "endpoint": "/api/v1/documents/{id}/download", "method": "GET", "count": 1 },
            { "endpoint": "/api/v1/employees/{id}", "method": "DELETE", "count": 1 },
            { "endpoint": "/api/v1/employees/{id}", "method": "GET", "count": 1 },
            { "endpoint": "/oauth/token", "method": "POST", "count": 1 },
        ])
    );
    assert_eq!(
        s["slowestEndpoints"],
        json!([
            { "endpoint": "/api/v1/documents/{id}/download", "method": "GET", "avgResponseTimeUs": 90000, "count": 1 },
            { "endpoint": "/api/v1/employees/{id}", "method": "DELETE", "avgResponseTimeUs": 50000, "count": 1 },
            { "endpoint": "/api/v1/employees", "method": "POST", "avgResponseTimeUs": 5250, "count": 2 },
            { "endpoint": "/api/v1/employees/{id}", "method": "GET", "avgResponseTimeUs": 4000, "count": 1 },
            { "endpoint": "/api/v1/employees", "method": "GET", "avgResponseTimeUs": 2000, "count": 3 },
            { "endpoint": "/api/v1/company", "method": "GET", "avgResponseTimeUs": 1000, "count": 3 },
            { "endpoint": "/oauth/token", "method": "POST", "avgResponseTimeUs": 300, "count": 1 },
        ])
    );
    assert_eq!(
        s["mostActiveCompanies"],
        json!([
            { "company": { "id": w.a, "name": "Alpha Ltd" }, "count": 6 },
            { "company": { "id": w.b, "name": "Beta GmbH" }, "count": 3 },
            { "company": { "id": w.c, "name": "Gamma SA" }, "count": 2 },
        ])
    );
    // Sorted: 300 500 700 800 1000 1500 2000 3000 4000 10000 50000 90000; nearest rank.
    assert_eq!(
        s["latency"],
        json!({ "p50Us": 1500, "p95Us": 90000, "p99Us": 90000 })
    );
    // Without the two slowest: 10 values, p50 = 5th, p95 = p99 = 10th.
    let fast = stats(app, &w.admin, w.filter(json!({ "hasException": false }))).await;
    assert_eq!(
        fast["latency"],
        json!({ "p50Us": 1000, "p95Us": 10000, "p99Us": 10000 })
    );

    // 6 hours: 72 buckets of 5 minutes from base.
    assert_eq!(s["bucketSeconds"], 300);
    let series = s["series"].as_array().expect("series");
    assert_eq!(series.len(), 72);
    assert_eq!(series[0]["bucketStart"], json!(rfc3339(w.base)));
    assert_eq!(
        series[71]["bucketStart"],
        json!(rfc3339(w.base + Duration::minutes(355)))
    );
    let nonzero: Vec<(usize, u64, u64)> = series
        .iter()
        .enumerate()
        .filter(|(_, p)| p["requests"] != 0)
        .map(|(i, p)| {
            (
                i,
                p["requests"].as_u64().expect("n"),
                p["errors"].as_u64().expect("n"),
            )
        })
        .collect();
    assert_eq!(
        nonzero,
        vec![
            (0, 4, 0),
            (1, 1, 0),
            (2, 1, 0),
            (12, 3, 0),
            (24, 2, 1),
            (36, 1, 1)
        ]
    );
    // A 24-hour range has hourly buckets, a 30-day range daily ones.
    let day = stats(app, &w.admin, json!({})).await;
    assert_eq!(day["bucketSeconds"], 3600);
    let series = day["series"].as_array().expect("series");
    assert!((24..=25).contains(&series.len()), "{}", series.len());
    let month = stats(
        app,
        &w.admin,
        json!({ "from": rfc3339(w.base - Duration::days(29)), "to": rfc3339(w.base + Duration::days(1)) }),
    )
    .await;
    assert_eq!(month["bucketSeconds"], 86400);
    assert_eq!(month["total"], 13);

    // An empty range: zeros and no percentiles.
    let empty = stats(
        app,
        &w.admin,
        json!({ "from": rfc3339(w.base - Duration::hours(3)), "to": rfc3339(w.base - Duration::hours(2)) }),
    )
    .await;
    assert_eq!(empty["total"], 0);
    assert_eq!(
        empty["latency"],
        json!({ "p50Us": null, "p95Us": null, "p99Us": null })
    );
    assert_eq!(empty["topEndpoints"], json!([]));
}
db_test!(every_statistic);

async fn detail_shows_every_field(app: &TestApp) {
    let w = world(app).await;
    let d = app
        .gql_ok(
            Some(&w.admin),
            &format!("query($id: ID!) {{ apiLog(id: $id) {{ {LOG_FIELDS} }} }}"),
            json!({ "id": w.ids[8].to_string() }),
        )
        .await;
    let l = &d["apiLog"];
    assert_eq!(l["id"], json!(w.ids[8].to_string()));
    assert_eq!(l["time"], json!(rfc3339(w.base + Duration::seconds(7_200))));
    assert_eq!(l["method"], "GET");
    assert_eq!(l["uri"], "/api/v1/documents/{id}/download?row=8");
    assert_eq!(l["endpoint"], "/api/v1/documents/{id}/download");
    assert_eq!(l["statusCode"], 500);
    assert_eq!(l["responseTimeUs"], 90000);
    assert_eq!(l["requestIp"], "203.0.113.7");
    assert_eq!(l["exception"], "boom, said \"the disk\"\nand then nothing");
    assert_eq!(l["decision"], "allowed");
    assert_eq!(l["requestHeaders"]["authorization"], "[redacted]");
    assert_eq!(l["responseHeaders"]["content-type"], "application/json");
    assert_eq!(l["requestBody"], Value::Null);
    assert_eq!(l["responseBody"], "{\"ok\":true}");
    assert_eq!(l["company"], json!({ "id": w.b, "name": "Beta GmbH" }));
    assert_eq!(l["user"], json!({ "id": w.ub.to_string() }));
    assert_eq!(l["credentialKind"], "personal_access_token");
    assert!(l["credentialId"].is_string());

    // A log without company: the super admin sees it, with null company and user.
    let d = app
        .gql_ok(
            Some(&w.admin),
            "query($id: ID!) { apiLog(id: $id) { deniedBy decision company { id } user { id } } }",
            json!({ "id": w.ids[12].to_string() }),
        )
        .await;
    assert_eq!(
        d["apiLog"],
        json!({ "deniedBy": "authenticate", "decision": "authenticate: denied", "company": null, "user": null })
    );
    // Unknown id: null.
    let d = app
        .gql_ok(
            Some(&w.admin),
            "query($id: ID!) { apiLog(id: $id) { id } }",
            json!({ "id": Uuid::now_v7().to_string() }),
        )
        .await;
    assert_eq!(d["apiLog"], Value::Null);
}
db_test!(detail_shows_every_field);

async fn scope_limits_every_view(app: &TestApp) {
    let w = world(app).await;
    // Company admin of A: only A's rows, whatever the filter asks.
    assert_eq!(
        matching(app, &w.a_admin, w.range()).await,
        vec![6, 5, 4, 3, 2, 1]
    );
    assert_eq!(
        matching(app, &w.a_admin, w.filter(json!({ "companyId": w.b }))).await,
        Vec::<usize>::new()
    );
    assert_eq!(
        matching(
            app,
            &w.a_admin,
            w.filter(json!({ "userId": w.ub.to_string() }))
        )
        .await,
        Vec::<usize>::new()
    );
    let s = stats(app, &w.a_admin, w.range()).await;
    assert_eq!(s["total"], 6);
    assert_eq!(
        s["mostActiveCompanies"],
        json!([{ "company": { "id": w.a, "name": "Alpha Ltd" }, "count": 6 }])
    );
    let s = stats(app, &w.a_admin, w.filter(json!({ "companyId": w.c }))).await;
    assert_eq!(s["total"], 0);
    for (row, visible) in [(1, true), (7, false), (10, false), (12, false)] {
        let d = app
            .gql_ok(
                Some(&w.a_admin),
                "query($id: ID!) { apiLog(id: $id) { id } }",
                json!({ "id": w.ids[row].to_string() }),
            )
            .await;
        assert_eq!(!d["apiLog"].is_null(), visible, "row {row}: {d:#}");
    }

    // Reseller admin of R1: A and B, not C, not the rows without company.
    assert_eq!(
        matching(app, &w.r1_admin, w.range()).await,
        vec![9, 8, 7, 6, 5, 4, 3, 2, 1]
    );
    assert_eq!(
        matching(app, &w.r1_admin, w.filter(json!({ "companyId": w.c }))).await,
        Vec::<usize>::new()
    );
    let s = stats(app, &w.r1_admin, w.range()).await;
    assert_eq!(s["total"], 9);
    assert_eq!(s["mostActiveCompanies"].as_array().map(Vec::len), Some(2));
    for (row, visible) in [(7, true), (10, false), (12, false)] {
        let d = app
            .gql_ok(
                Some(&w.r1_admin),
                "query($id: ID!) { apiLog(id: $id) { id } }",
                json!({ "id": w.ids[row].to_string() }),
            )
            .await;
        assert_eq!(!d["apiLog"].is_null(), visible, "row {row}: {d:#}");
    }

    // Without api_logs.view: FORBIDDEN everywhere; without a token: UNAUTHENTICATED.
    let body = list_raw(app, &w.a_member, w.range(), 10, None).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body:#}");
    let body = stats_raw(app, &w.a_member, w.range()).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body:#}");
    let body = app
        .gql(
            Some(&w.a_member),
            "query($id: ID!) { apiLog(id: $id) { id } }",
            json!({ "id": w.ids[1].to_string() }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body:#}");
    let body = app.gql(None, "{ apiLogStats { total } }", json!({})).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body:#}");

    // The CSV export has the same scope.
    let (status, _, body) = csv_get(app, Some(&w.a_admin), &csv_query(&w, "")).await;
    assert_eq!(status, 200);
    let lines = csv_rows(&body);
    assert_eq!(lines.len(), 6);
    assert!(lines.iter().all(|r| r[7] == w.a), "{lines:?}");
    let (status, _, body) = csv_get(
        app,
        Some(&w.a_admin),
        &csv_query(&w, &format!("&companyId={}", w.b)),
    )
    .await;
    assert_eq!(status, 200);
    assert!(csv_rows(&body).is_empty());
    let (status, _, body) = csv_get(app, Some(&w.r1_admin), &csv_query(&w, "")).await;
    assert_eq!(status, 200);
    assert_eq!(csv_rows(&body).len(), 9);
    let (status, _, body) = csv_get(app, Some(&w.a_member), &csv_query(&w, "")).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("api_logs.view"), "{body}");
    let (status, _, _) = csv_get(app, None, &csv_query(&w, "")).await;
    assert_eq!(status, 401);
    let (status, _, _) = csv_get(app, Some("not-a-token"), &csv_query(&w, "")).await;
    assert_eq!(status, 401);
}
db_test!(scope_limits_every_view);

async fn validation_names_the_field(app: &TestApp) {
    let w = world(app).await;
    let t = &w.admin;
    let now = OffsetDateTime::now_utc();
    let cases = [
        (
            json!({ "from": rfc3339(now), "to": rfc3339(now - Duration::hours(1)) }),
            "from",
        ),
        (
            json!({ "from": rfc3339(now - Duration::days(367)), "to": rfc3339(now) }),
            "to",
        ),
        (json!({ "statusClass": "6xx" }), "statusClass"),
        (json!({ "statusClass": "500" }), "statusClass"),
        (json!({ "statusCode": 999 }), "statusCode"),
        (json!({ "minResponseTimeUs": -1 }), "minResponseTimeUs"),
        (json!({ "companyId": "not-an-id" }), "companyId"),
        (json!({ "userId": "nope" }), "userId"),
        (json!({ "method": "GET /" }), "method"),
    ];
    for (filter, field) in cases {
        for body in [
            list_raw(app, t, filter.clone(), 10, None).await,
            stats_raw(app, t, filter.clone()).await,
        ] {
            assert_eq!(error_code(&body), "VALIDATION", "{filter}: {body:#}");
            assert_eq!(err_field(&body), field, "{filter}: {body:#}");
        }
    }
    let body = list_raw(app, t, w.range(), 10, Some("garbage")).await;
    assert_eq!(err_field(&body), "after");
    let body = list_raw(app, t, w.range(), 201, None).await;
    assert_eq!(err_field(&body), "first");

    let (status, headers, body) = csv_get(app, Some(t), "statusClass=9xx").await;
    assert_eq!(status, 422, "{body}");
    assert!(
        headers["content-type"]
            .to_str()
            .expect("ascii")
            .contains("json")
    );
    let problem: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(problem["field"], "statusClass", "{problem:#}");
    let (status, _, body) = csv_get(app, Some(t), "minResponseTimeUs=-5").await;
    assert_eq!(status, 422);
    assert!(body.contains("minResponseTimeUs"), "{body}");
}
db_test!(validation_names_the_field);

fn csv_query(w: &World, extra: &str) -> String {
    let enc = |t: OffsetDateTime| rfc3339(t).replace('+', "%2B");
    format!(
        "from={}&to={}{extra}",
        enc(w.base),
        enc(w.base + Duration::hours(6))
    )
}

async fn csv_get(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
) -> (u16, reqwest::header::HeaderMap, String) {
    let mut req = app
        .client
        .get(app.url(&format!("/api/logs/export.csv?{query}")));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.text().await.expect("body"))
}

/// Data rows of a CSV body (the header checked and skipped).
fn csv_rows(body: &str) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        header,
        [
            "time",
            "method",
            "uri",
            "endpoint",
            "status",
            "response_time_us",
            "request_ip",
            "company_id",
            "user_id",
            "credential_kind",
            "decision",
            "exception"
        ]
    );
    r.records()
        .map(|rec| rec.expect("record").iter().map(str::to_string).collect())
        .collect()
}

async fn csv_export_content_and_headers(app: &TestApp) {
    let w = world(app).await;
    let (status, headers, body) = csv_get(
        app,
        Some(&w.admin),
        &csv_query(&w, &format!("&companyId={}", w.b)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let fmt = |t: OffsetDateTime| {
        format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    };
    assert_eq!(
        headers["content-disposition"].to_str().expect("ascii"),
        format!(
            "attachment; filename=\"api-logs-{}-{}.csv\"",
            fmt(w.base),
            fmt(w.base + Duration::hours(6))
        )
    );
    let rows = csv_rows(&body);
    assert_eq!(rows.len(), 3);
    // Newest first: rows 9, 8, 7.
    assert_eq!(rows[0][2], "/api/v1/company?row=9");
    assert_eq!(rows[0][10], "permission: denied");
    assert_eq!(
        rows[1],
        vec![
            rfc3339(w.base + Duration::seconds(7_200)),
            "GET".to_string(),
            "/api/v1/documents/{id}/download?row=8".to_string(),
            "/api/v1/documents/{id}/download".to_string(),
            "500".to_string(),
            "90000".to_string(),
            "203.0.113.7".to_string(),
            w.b.clone(),
            w.ub.to_string(),
            "personal_access_token".to_string(),
            "allowed".to_string(),
            "boom, said \"the disk\"\nand then nothing".to_string(),
        ]
    );
    assert_eq!(rows[2][2], "/api/v1/company?row=7");
    // The quoting is real CSV quoting.
    assert!(body.contains("\"boom, said \"\"the disk\"\"\nand then nothing\""));
    // No bodies or headers leave in the export.
    assert!(!body.contains("redacted") && !body.contains("{\"ok\""));

    // A spreadsheet formula in free text is defused; a row without company has empty cells.
    let (_, _, body) = csv_get(app, Some(&w.admin), &csv_query(&w, "&statusCode=503")).await;
    let rows = csv_rows(&body);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][11], "'=cmd|' /C calc'!A0");
    let (_, _, body) = csv_get(
        app,
        Some(&w.admin),
        &csv_query(&w, "&deniedBy=authenticate"),
    )
    .await;
    let rows = csv_rows(&body);
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0][7].as_str(), rows[0][8].as_str()), ("", ""));
}
db_test!(csv_export_content_and_headers);

/// Many rows, several sharing one instant, fractions of a second: every page is newest first,
/// and walking all pages (GraphQL and the CSV export's 1000-row pages) sees each row once.
async fn pagination_walks_every_row(app: &TestApp) {
    let admin = app.admin_token().await;
    let base = OffsetDateTime::now_utc() - Duration::hours(2);
    let n = 2_345usize;
    let mut want = Vec::with_capacity(n);
    let mut models = Vec::with_capacity(n);
    for i in 0..n {
        // Groups of three share an instant; instants differ by 1.25 s.
        let t = base + Duration::milliseconds(((i / 3) as i64) * 1_250);
        let id = Uuid::now_v7();
        want.push((t, id));
        let r = row(0, "GET", "/api/v1/employees", 200, i as i64, None);
        models.push(model(
            id,
            t,
            &r,
            format!("/api/v1/employees?row={i}"),
            None,
            None,
        ));
    }
    let db = &app.state().app.db;
    for chunk in models.chunks(500) {
        api_log::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .expect("insert");
    }
    want.sort_by(|a, b| b.cmp(a));

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let body = app
            .gql(
                Some(&admin),
                "query($after: String) { apiLogs(first: 200, after: $after) { totalCount \
                 pageInfo { hasNextPage endCursor } nodes { id time } } }",
                json!({ "after": after }),
            )
            .await;
        let conn = &body["data"]["apiLogs"];
        assert_eq!(conn["totalCount"], json!(n), "{body:#}");
        for node in conn["nodes"].as_array().expect("nodes") {
            seen.push(uuid(node["id"].as_str().expect("id")));
        }
        if conn["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = conn["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
    assert_eq!(seen.len(), n);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), n, "duplicates");
    // Whole-second order is exact on both databases; ties resolve by id, newest id first.
    let by_second = |ids: &[Uuid]| -> Vec<i64> {
        ids.iter()
            .map(|id| {
                let (t, _) = want.iter().find(|(_, w)| w == id).expect("known");
                t.unix_timestamp()
            })
            .collect()
    };
    let secs = by_second(&seen);
    assert!(secs.windows(2).all(|p| p[0] >= p[1]), "not newest first");
    if app.backend == Backend::Postgres {
        let exact: Vec<Uuid> = want.iter().map(|(_, id)| *id).collect();
        assert_eq!(seen, exact);
    }

    let (status, _, body) = csv_get(app, Some(&admin), "").await;
    assert_eq!(status, 200);
    let rows = csv_rows(&body);
    assert_eq!(rows.len(), n);
    let uris: BTreeSet<&str> = rows.iter().map(|r| r[2].as_str()).collect();
    assert_eq!(uris.len(), n, "the export repeats or skips rows");
}
db_test!(pagination_walks_every_row);
