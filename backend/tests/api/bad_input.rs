//! Bad input (issue 10): oversized bodies, wrong content types, invalid UTF-8 in bodies, query
//! strings and headers, unknown fields, out-of-range and garbage pagination, abusive GraphQL
//! documents and SQL-ish strings in every filter. Every answer is a clear 4xx (problem+json on
//! REST, a coded error on GraphQL, an RFC 6749 error on OAuth), never a 500, and a rejected
//! write writes nothing.
//!
//! Each family is one test looping over a table; a failure prints every mismatching case.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use backend::entity::{api_key, document, employee, role, time_off, user};
use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::rest::{World, world};

const MIB: usize = 1024 * 1024;

/// Collects every mismatch and fails once with all of them.
#[derive(Default)]
struct Table {
    cases: usize,
    rows: Vec<String>,
}

impl Table {
    fn check(&mut self, case: &str, ok: bool, got: impl std::fmt::Display) {
        self.cases += 1;
        if !ok {
            let mut g = got.to_string();
            g.truncate(300);
            self.rows.push(format!("{case:<70} | got {g}"));
        }
    }

    fn finish(self, name: &str) {
        if !self.rows.is_empty() {
            let mut s = format!(
                "{name}: {} of {} cases wrong\n",
                self.rows.len(),
                self.cases
            );
            for r in &self.rows {
                let _ = writeln!(s, "  {r}");
            }
            panic!("{s}");
        }
        eprintln!("{name}: {} cases as expected", self.cases);
    }
}

/// One answer: status, content type, body (JSON if it parses, else the text).
struct Reply {
    status: u16,
    content_type: String,
    body: Value,
}

impl Reply {
    fn slug(&self) -> &str {
        self.body["type"]
            .as_str()
            .and_then(|t| t.rsplit('/').next())
            .unwrap_or("")
    }

    fn is_problem(&self, status: u16, slug: &str) -> bool {
        self.status == status
            && self.content_type == "application/problem+json"
            && self.slug() == slug
            && self.body["status"] == status
    }

    fn gql_code(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["code"].as_str()
    }
}

impl std::fmt::Display for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", self.status, self.content_type, self.body)
    }
}

async fn send(req: reqwest::RequestBuilder) -> Reply {
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = resp.bytes().await.expect("body");
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    Reply {
        status,
        content_type,
        body,
    }
}

fn raw(app: &TestApp, method: Method, path: &str, token: &str) -> reqwest::RequestBuilder {
    app.client.request(method, app.url(path)).bearer_auth(token)
}

fn with_body(
    req: reqwest::RequestBuilder,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> reqwest::RequestBuilder {
    let req = match content_type {
        Some(ct) => req.header("content-type", ct),
        None => req,
    };
    req.body(body)
}

/// Rows of the tables a rejected write could touch.
async fn counts(app: &TestApp) -> [u64; 6] {
    let db = &app.state().app.db;
    [
        employee::Entity::find().count(db).await.expect("count"),
        time_off::Entity::find().count(db).await.expect("count"),
        document::Entity::find().count(db).await.expect("count"),
        user::Entity::find().count(db).await.expect("count"),
        role::Entity::find().count(db).await.expect("count"),
        api_key::Entity::find().count(db).await.expect("count"),
    ]
}

fn employee_id(w: &World) -> String {
    w.employees_a[0].0.to_string()
}

/// A JSON object padded past `size` bytes.
fn padded_json(size: usize) -> Vec<u8> {
    let mut s = String::from("{\"first_name\":\"A\",\"last_name\":\"B\",\"note\":\"");
    s.push_str(&"x".repeat(size));
    s.push_str("\"}");
    s.into_bytes()
}

// --- REST bodies and content types -----------------------------------------------------------

/// Every malformed write to the REST API is a 4xx problem naming what is wrong, and writes
/// nothing.
async fn rest_bodies_are_rejected_clearly(app: &TestApp) {
    let w = world(app).await;
    let t = &w.session;
    let e = employee_id(&w);
    let before = counts(app).await;
    let mut table = Table::default();
    let json = Some("application/json");
    let emp = "/api/v1/employees";
    let emp_id = format!("/api/v1/employees/{e}");
    let time_off_path = "/api/v1/time-off";
    type Case = (
        &'static str,
        Method,
        String,
        Option<&'static str>,
        Vec<u8>,
        u16,
        &'static str,
        Option<&'static str>,
    );
    let cases: Vec<Case> = vec![
        ("oversized JSON", Method::POST, emp.into(), json, padded_json(MIB), 413, "payload-too-large", None),
        ("oversized PATCH", Method::PATCH, emp_id.clone(), json, padded_json(MIB + 10), 413, "payload-too-large", None),
        ("text/plain", Method::POST, emp.into(), Some("text/plain"), br#"{"first_name":"A","last_name":"B"}"#.to_vec(), 415, "unsupported-media-type", None),
        ("no content type", Method::POST, emp.into(), None, br#"{"first_name":"A","last_name":"B"}"#.to_vec(), 415, "unsupported-media-type", None),
        ("form body", Method::POST, emp.into(), Some("application/x-www-form-urlencoded"), b"first_name=A&last_name=B".to_vec(), 415, "unsupported-media-type", None),
        ("xml", Method::PATCH, emp_id.clone(), Some("application/xml"), b"<e/>".to_vec(), 415, "unsupported-media-type", None),
        ("invalid UTF-8 in JSON", Method::POST, emp.into(), json, b"{\"first_name\":\"\xff\xfe\",\"last_name\":\"B\"}".to_vec(), 400, "bad-request", None),
        ("invalid UTF-8 in a key", Method::PATCH, emp_id.clone(), json, b"{\"\xc3\x28\":1}".to_vec(), 400, "bad-request", None),
        ("truncated JSON", Method::POST, emp.into(), json, b"{\"first_name\":".to_vec(), 400, "bad-request", None),
        ("JSON array", Method::POST, emp.into(), json, b"[]".to_vec(), 400, "bad-request", None),
        ("JSON string", Method::PATCH, emp_id.clone(), json, b"\"x\"".to_vec(), 400, "bad-request", None),
        ("empty body", Method::POST, emp.into(), json, Vec::new(), 400, "bad-request", None),
        ("unknown field", Method::POST, emp.into(), json, br#"{"first_name":"A","last_name":"B","frist_name":"C"}"#.to_vec(), 422, "validation", Some("frist_name")),
        ("unknown field on PATCH", Method::PATCH, emp_id.clone(), json, br#"{"salry":1}"#.to_vec(), 422, "validation", Some("salry")),
        ("read-only id", Method::PATCH, emp_id.clone(), json, br#"{"id":"0192f0c4-0000-7000-8000-000000000000"}"#.to_vec(), 422, "validation", Some("id")),
        ("read-only company_id", Method::POST, emp.into(), json, br#"{"first_name":"A","last_name":"B","company_id":"x"}"#.to_vec(), 422, "validation", Some("company_id")),
        ("unknown time-off field", Method::POST, time_off_path.into(), json, format!(r#"{{"employee_id":"{e}","kind":"sick","start_date":"2025-01-01","end_date":"2025-01-01","approved_by":"me"}}"#).into_bytes(), 422, "validation", Some("approved_by")),
        ("NUL in a name", Method::POST, emp.into(), json, br#"{"first_name":"A\u0000B","last_name":"B"}"#.to_vec(), 422, "validation", Some("first_name")),
        ("huge name", Method::POST, emp.into(), json, format!(r#"{{"first_name":"{}","last_name":"B"}}"#, "n".repeat(10_000)).into_bytes(), 422, "validation", Some("first_name")),
        ("huge number", Method::POST, emp.into(), json, br#"{"first_name":"A","last_name":"B","salary":1e300}"#.to_vec(), 422, "validation", Some("salary")),
        ("salary beyond i64", Method::POST, emp.into(), json, br#"{"first_name":"A","last_name":"B","salary":99999999999999999999999}"#.to_vec(), 422, "validation", Some("salary")),
        ("string salary", Method::PATCH, emp_id.clone(), json, br#"{"salary":"1 OR 1=1"}"#.to_vec(), 422, "validation", Some("salary")),
        ("bad date", Method::PATCH, emp_id.clone(), json, br#"{"start_date":"2025-02-30"}"#.to_vec(), 422, "validation", Some("start_date")),
        ("deeply nested JSON", Method::PATCH, emp_id.clone(), json, format!("{{\"job_title\":{}1{}}}", "[".repeat(5000), "]".repeat(5000)).into_bytes(), 400, "bad-request", None),
        ("not a uuid in the path", Method::PATCH, "/api/v1/employees/not-a-uuid".into(), json, br#"{"job_title":"X"}"#.to_vec(), 400, "bad-request", None),
        ("JSON to the upload", Method::POST, "/api/v1/documents".into(), json, br#"{"file":"x"}"#.to_vec(), 415, "unsupported-media-type", None),
        ("multipart without boundary", Method::POST, "/api/v1/documents".into(), Some("multipart/form-data"), b"--x\r\n".to_vec(), 400, "bad-request", None),
        ("truncated multipart", Method::POST, "/api/v1/documents".into(), Some("multipart/form-data; boundary=zz"), b"--zz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nabc".to_vec(), 400, "bad-request", None),
    ];
    for (label, method, path, ct, body, status, slug, field) in cases {
        let got = send(with_body(raw(app, method.clone(), &path, t), ct, body)).await;
        let mut ok = got.is_problem(status, slug)
            // An id that is not a UUID identifies nothing; a multipart body without its
            // boundary is not multipart.
            || (label == "not a uuid in the path" && got.is_problem(404, "not-found"))
            || (label == "multipart without boundary"
                && got.is_problem(415, "unsupported-media-type"));
        if let Some(f) = field {
            ok &= got.body["field"] == f;
            ok &= got.body["detail"].as_str().is_some_and(|d| d.contains(f));
        }
        if status == 413 {
            ok &= got.body["limit_bytes"] == MIB;
        }
        table.check(&format!("{label}: {method} {path}"), ok, &got);
    }
    // Nothing was written by any of them.
    let after = counts(app).await;
    table.check(
        "row counts unchanged",
        before == after,
        format!("{before:?} -> {after:?}"),
    );
    let db = &app.state().app.db;
    let row = employee::Entity::find_by_id(w.employees_a[0].0)
        .one(db)
        .await
        .expect("db")
        .expect("row");
    table.check(
        "rejected PATCHes left the employee alone",
        row.job_title.as_deref() == Some("Engineer") && row.salary == Some(50_000),
        format!("{row:?}"),
    );
    table.finish("REST bodies");
}
db_test!(rest_bodies_are_rejected_clearly);

// --- query strings, paths and headers --------------------------------------------------------

/// Pagination parameters, cursors, filters and headers with bad values: 400 or 422 naming the
/// parameter, never 500; SQL-ish strings are plain text (nothing, or exactly what they say).
async fn rest_queries_and_headers(app: &TestApp) {
    let w = world(app).await;
    let t = &w.session;
    let mut table = Table::default();
    // Out-of-range and garbage pagination, on every list.
    let lists = [
        "/api/v1/employees",
        "/api/v1/time-off",
        "/api/v1/documents",
        "/api/v1/users",
    ];
    let limits = [
        "0",
        "-1",
        "201",
        "2147483647",
        "2147483648",
        "-2147483649",
        "99999999999999999999999",
        "abc",
        "",
        "1.5",
        "%FF",
        "1%00",
    ];
    let cursors = [
        "garbage",
        "!!!",
        "%FF%FE",
        "e30",                      // base64 of {}
        "eyJpIjoibm90LWEtdXVpZCJ9", // {"i":"not-a-uuid"}
        "eyJuIjoiYSIsImkiOjF9",
        "%00",
    ];
    for list in lists {
        for l in limits {
            let got = send(raw(app, Method::GET, &format!("{list}?limit={l}"), t)).await;
            let names_it = got.body["field"] == "limit"
                || got.body["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("limit"));
            table.check(
                &format!("{list}?limit={l}"),
                matches!(got.status, 400 | 422)
                    && got.content_type == "application/problem+json"
                    && names_it,
                &got,
            );
        }
        let long = "A".repeat(5000);
        for c in cursors.iter().copied().chain([long.as_str()]) {
            let got = send(raw(app, Method::GET, &format!("{list}?cursor={c}"), t)).await;
            let names_it = got.body["field"] == "cursor"
                || got.body["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("cursor"));
            table.check(
                &format!("{list}?cursor={}", &c[..c.len().min(20)]),
                matches!(got.status, 400 | 422)
                    && got.content_type == "application/problem+json"
                    && names_it,
                &got,
            );
        }
    }
    // SQL-ish and wildcard strings in every filter: no 500, nothing matches by accident.
    let nasty = [
        "' OR 1=1 --",
        "' OR '1'='1",
        "%",
        "_",
        "\\",
        "%25",
        "%00",
        "a%00b",
        "\"; DROP TABLE employees; --",
        "%FF",
        "Engineering%",
        "Engineerin_",
    ];
    let hub = &w.super_admin;
    for s in nasty {
        let enc = if s.starts_with('%') || s.contains("%00") || s.contains("%FF") {
            s.to_string()
        } else {
            urlencode(s)
        };
        for (path, token) in [
            (format!("/api/v1/employees?department={enc}"), t),
            (format!("/api/v1/time-off?status={enc}"), t),
            (format!("/api/v1/time-off?employee_id={enc}"), t),
            (format!("/api/v1/time-off?from={enc}"), t),
            (format!("/api/v1/documents?employee_id={enc}"), t),
            (format!("/api/v1/companies?search={enc}"), hub),
            (format!("/api/v1/companies?reseller_id={enc}"), hub),
        ] {
            let got = send(raw(app, Method::GET, &path, token)).await;
            let ok = match got.status {
                200 => got.body["data"] == json!([]),
                400 | 422 => got.content_type == "application/problem+json",
                _ => false,
            };
            table.check(&path, ok, &got);
        }
    }
    // Headers with bytes that are not UTF-8 (obs-text) and control-ish values.
    let bad_auth = [
        b"Bearer \xff\xfe".to_vec(),
        b"Bearer pat_\xc3\x28".to_vec(),
        b"\xff".to_vec(),
        b"Bearer ".to_vec(),
        b"Basic Zm9vOmJhcg==".to_vec(),
        format!("Bearer {}", "a".repeat(8000)).into_bytes(),
    ];
    for v in bad_auth {
        let got = send(app.client.get(app.url("/api/v1/employees")).header(
            "authorization",
            HeaderValue::from_bytes(&v).expect("header"),
        ))
        .await;
        table.check(
            &format!(
                "Authorization: {:?}",
                String::from_utf8_lossy(&v[..v.len().min(20)])
            ),
            got.is_problem(401, "unauthenticated"),
            &got,
        );
    }
    for name in [
        "user-agent",
        "x-forwarded-for",
        "x-request-id",
        "cookie",
        "referer",
    ] {
        let got = send(raw(app, Method::GET, "/api/v1/company", &w.pat).header(
            HeaderName::from_static(name),
            HeaderValue::from_bytes(b"\xff\xfe' OR 1=1 --").expect("header"),
        ))
        .await;
        table.check(
            &format!("{name}: invalid UTF-8"),
            got.status == 200 && got.body["id"] == w.a,
            &got,
        );
    }
    table.finish("REST queries and headers");
}
db_test!(rest_queries_and_headers);

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

// --- GraphQL ---------------------------------------------------------------------------------

async fn gql_raw(
    app: &TestApp,
    token: &str,
    ct: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Reply {
    send(with_body(
        app.client.post(app.url("/graphql")).bearer_auth(token),
        ct,
        body,
    ))
    .await
}

async fn gql(app: &TestApp, token: &str, query: &str, vars: Value) -> Reply {
    gql_raw(
        app,
        token,
        Some("application/json"),
        json!({ "query": query, "variables": vars }).to_string(),
    )
    .await
}

/// GraphQL with oversized, non-JSON, non-UTF-8, deep, wide, aliased, batched and fragment-bomb
/// documents, and bad pagination and filters: each answered with a clear error, never a 500 or
/// an INTERNAL, nothing written.
async fn graphql_abuse_is_bounded(app: &TestApp) {
    let w = world(app).await;
    let t = &w.super_admin;
    let before = counts(app).await;
    let mut table = Table::default();

    // Bodies.
    let mut big = String::from("{\"query\":\"{ me { id } }\",\"variables\":{\"x\":\"");
    big.push_str(&"x".repeat(MIB));
    big.push_str("\"}}");
    let got = gql_raw(app, t, Some("application/json"), big).await;
    table.check(
        "body over 1 MiB",
        got.is_problem(413, "payload-too-large"),
        &got,
    );
    let got = gql_raw(app, t, Some("text/plain"), "{ me { id } }").await;
    table.check("text/plain", got.status == 415 || (got.status == 400), &got);
    let got = gql_raw(
        app,
        t,
        Some("application/json"),
        b"{\"query\":\"{ me { id \xff } }\"}".to_vec(),
    )
    .await;
    table.check("invalid UTF-8", got.status == 400, &got);
    let got = gql_raw(app, t, Some("application/json"), "{\"query\":").await;
    table.check("truncated JSON", got.status == 400, &got);

    // Width: aliases count towards the complexity limit.
    let wide = format!(
        "{{ {} }}",
        (0..1100)
            .map(|i| format!("a{i}: me {{ id }}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let got = gql(app, t, &wide, json!({})).await;
    let msg = got.body["errors"][0]["message"].as_str().unwrap_or("");
    table.check(
        "1100 aliases of me { id } (complexity 2200)",
        got.body["data"].is_null() && msg.contains("complex"),
        &got,
    );
    // Aliased mutations are bounded by the same limit: nothing is written when rejected.
    let many = format!(
        "mutation {{ {} }}",
        (0..2100)
            .map(|i| format!("t{i}: revokeApiKey(id: \"00000000-0000-7000-8000-000000000000\")"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let got = gql(app, t, &many, json!({})).await;
    table.check(
        "2100 aliased mutations",
        got.body["data"].is_null()
            && got.body["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("complex")),
        &got,
    );
    // Batches are not accepted (one operation per request).
    let batch = json!([{ "query": "{ me { id } }" }, { "query": "{ me { id } }" }]).to_string();
    let got = gql_raw(app, t, Some("application/json"), batch).await;
    table.check(
        "batched array",
        got.status == 400 && got.gql_code() != Some("INTERNAL"),
        &got,
    );
    // Depth via fragments.
    let mut doc = String::from("{ __schema { types { ...F0 } } }");
    let _ = write!(
        doc,
        " fragment F0 on __Type {{ fields {{ type {{ ...F1 }} }} }}"
    );
    for i in 1..20 {
        let _ = write!(
            doc,
            " fragment F{i} on __Type {{ ofType {{ ...F{} }} }}",
            i + 1
        );
    }
    let _ = write!(doc, " fragment F20 on __Type {{ name }}");
    let got = gql(app, t, &doc, json!({})).await;
    table.check(
        "depth through fragments",
        got.body["data"].is_null()
            && got.body["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("deep") || m.contains("depth")),
        &got,
    );
    // A fragment bomb: each fragment spreads the previous twice (2^40 fields if expanded).
    let mut bomb = String::from("{ me { ...B40 } }");
    let _ = write!(bomb, " fragment B0 on User {{ id }}");
    for i in 1..=40 {
        let _ = write!(
            bomb,
            " fragment B{i} on User {{ ...B{} ...B{} }}",
            i - 1,
            i - 1
        );
    }
    let start = Instant::now();
    let got = tokio::time::timeout(Duration::from_secs(20), gql(app, t, &bomb, json!({})))
        .await
        .map_err(|_| "timed out");
    match got {
        Ok(got) => table.check(
            "fragment bomb answered quickly",
            start.elapsed() < Duration::from_secs(5)
                && got.status < 500
                && got.gql_code() != Some("INTERNAL"),
            format!("{:?} {got}", start.elapsed()),
        ),
        Err(e) => table.check("fragment bomb answered quickly", false, e),
    }
    // A cyclic fragment.
    let got = gql(
        app,
        t,
        "{ me { ...A } } fragment A on User { id ...B } fragment B on User { ...A }",
        json!({}),
    )
    .await;
    table.check(
        "fragment cycle",
        got.body["data"].is_null() && got.body["errors"].is_array(),
        &got,
    );

    // Pagination: `first` out of range or absurd, garbage `after`.
    for (list, extra) in [
        ("companies", ""),
        ("resellers", ""),
        ("users", ""),
        ("apiLogs", ""),
    ] {
        for first in ["0", "-1", "201", "2147483647"] {
            let q = format!("{{ {list}(first: {first}{extra}) {{ totalCount }} }}");
            let got = gql(app, t, &q, json!({})).await;
            let e = &got.body["errors"][0];
            table.check(
                &format!("{list}(first: {first})"),
                got.gql_code() == Some("VALIDATION")
                    && e["extensions"]["field"] == "first"
                    && e["message"].as_str().is_some_and(|m| m.contains("first")),
                &got,
            );
        }
        let q = format!("{{ {list}(first: 99999999999) {{ totalCount }} }}");
        let got = gql(app, t, &q, json!({})).await;
        table.check(
            &format!("{list}(first: 99999999999) (not an Int)"),
            got.body["data"].is_null()
                && got.body["errors"].is_array()
                && got.gql_code() != Some("INTERNAL"),
            &got,
        );
        for after in ["garbage", "!!!", "e30", "\u{0}", &"A".repeat(5000)] {
            let q = format!("query($a: String) {{ {list}(after: $a) {{ totalCount }} }}");
            let got = gql(app, t, &q, json!({ "a": after })).await;
            table.check(
                &format!("{list}(after: {:?})", &after[..after.len().min(12)]),
                got.gql_code() == Some("VALIDATION")
                    // A NUL byte is refused before the document runs, naming the variable.
                    && (got.body["errors"][0]["extensions"]["field"] == "after"
                        || (after == "\u{0}" && got.body["errors"][0]["extensions"]["field"] == "a")),
                &got,
            );
        }
    }

    // SQL-ish strings in every search and filter: literal, no error but VALIDATION.
    let nasty = [
        "' OR 1=1 --",
        "%",
        "_",
        "\\",
        "\u{0}",
        "a\u{0}b",
        "\"; DROP TABLE companies; --",
        "%%",
        "\\%",
    ];
    let searches = [
        (
            "companies",
            "query($s: String) { companies(search: $s) { totalCount nodes { id } } }",
        ),
        (
            "resellers",
            "query($s: String) { resellers(search: $s) { totalCount nodes { id } } }",
        ),
        (
            "users",
            "query($s: String) { users(search: $s) { totalCount nodes { id } } }",
        ),
        (
            "personalAccessTokens",
            "query($s: String) { personalAccessTokens(name: $s) { id } }",
        ),
    ];
    for s in nasty {
        for (name, q) in searches {
            let got = gql(app, t, q, json!({ "s": s })).await;
            let empty =
                got.body["data"][name]["totalCount"] == 0 || got.body["data"][name] == json!([]);
            let ok = got.status == 200
                && (empty || got.gql_code() == Some("VALIDATION"))
                && got.gql_code() != Some("INTERNAL");
            table.check(&format!("{name}(search: {s:?})"), ok, &got);
        }
        for field in ["endpoint", "method", "statusClass", "companyId", "userId"] {
            let q = "query($f: ApiLogFilter) { apiLogs(filter: $f) { totalCount } \
                     apiLogStats(filter: $f) { total } }";
            let got = gql(app, t, q, json!({ "f": { field: s } })).await;
            let empty = got.body["data"]["apiLogs"]["totalCount"] == 0
                && got.body["data"]["apiLogStats"]["total"] == 0;
            let ok = got.status == 200
                && (empty
                    || matches!(got.gql_code(), Some("VALIDATION" | "BAD_USER_INPUT"))
                    || got.body["data"].is_null())
                && got.gql_code() != Some("INTERNAL");
            table.check(&format!("apiLogs(filter: {{ {field}: {s:?} }})"), ok, &got);
        }
        for (name, q) in [
            ("company", "query($s: ID!) { company(id: $s) { id } }"),
            ("user", "query($s: ID!) { user(id: $s) { id } }"),
            ("apiLog", "query($s: ID!) { apiLog(id: $s) { id } }"),
            (
                "companies",
                "query($s: ID) { companies(resellerId: $s) { totalCount } }",
            ),
        ] {
            let got = gql(app, t, q, json!({ "s": s })).await;
            table.check(
                &format!("{name}(id: {s:?})"),
                got.status == 200 && got.gql_code() == Some("VALIDATION"),
                &got,
            );
        }
    }
    // Write inputs with NUL bytes and SQL: validation errors, nothing written.
    for s in ["a\u{0}b", "' OR 1=1 --\u{0}"] {
        for (name, q) in [
            (
                "createReseller",
                "mutation($s: String!) { createReseller(input: { name: $s }) { id } }",
            ),
            (
                "createPersonalAccessToken",
                "mutation($s: String!) { createPersonalAccessToken(input: { name: $s }) { token } }",
            ),
        ] {
            let got = gql(app, t, q, json!({ "s": s })).await;
            table.check(
                &format!("{name}({s:?})"),
                got.gql_code() == Some("VALIDATION"),
                &got,
            );
        }
    }
    let after = counts(app).await;
    table.check(
        "row counts unchanged",
        before == after,
        format!("{before:?} -> {after:?}"),
    );
    table.finish("GraphQL abuse");
}
db_test!(graphql_abuse_is_bounded);

// --- OAuth -----------------------------------------------------------------------------------

/// The token endpoint with oversized, JSON, non-UTF-8 and SQL-ish bodies: RFC 6749 errors (or
/// 413/415 problems), never 500.
async fn oauth_token_endpoint_input(app: &TestApp) {
    let mut table = Table::default();
    let post = |ct: Option<&'static str>, body: Vec<u8>| {
        with_body(app.client.post(app.url("/oauth/token")), ct, body)
    };
    let form = Some("application/x-www-form-urlencoded");
    let mut big = b"grant_type=client_credentials&client_id=cli_x&client_secret=".to_vec();
    big.extend(std::iter::repeat_n(b'x', backend::oauth::BODY_LIMIT));
    let got = send(post(form, big)).await;
    table.check(
        "oversized form",
        got.is_problem(413, "payload-too-large"),
        &got,
    );
    let got = send(post(
        Some("application/json"),
        br#"{"grant_type":"client_credentials"}"#.to_vec(),
    ))
    .await;
    table.check(
        "JSON body",
        matches!(got.status, 400 | 415) && got.content_type.contains("json"),
        &got,
    );
    for body in [
        b"grant_type=client_credentials&client_id=\xff\xfe&client_secret=x".to_vec(),
        b"grant_type=client_credentials&client_id=%FF%FE&client_secret=x".to_vec(),
        b"grant_type=client_credentials&client_id=' OR 1=1 --&client_secret=%00".to_vec(),
        b"grant_type=client_credentials&client_id=cli_%25&client_secret=%25".to_vec(),
        b"grant_type=%00".to_vec(),
        b"&&&===".to_vec(),
    ] {
        let got = send(post(form, body.clone())).await;
        table.check(
            &format!("form {:?}", String::from_utf8_lossy(&body)),
            matches!(got.status, 400 | 401)
                && got.body["error"]
                    .as_str()
                    .is_some_and(|e| e.starts_with("invalid_")),
            &got,
        );
    }
    table.finish("OAuth token endpoint input");
}
db_test!(oauth_token_endpoint_input);
