//! The resources of the public REST API (SPEC §4, issue 5): employee writes, time off,
//! documents (upload, metadata, download), users, and the hub's companies. Every endpoint ×
//! method × kind of principal × access type; each resource's lifecycle; tenant isolation;
//! API-key field restrictions; visibility groups; validation errors naming their field; body
//! limits; hub scoping.

use backend::entity::{document, employee, time_off};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, EntityTrait};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::date;
use uuid::Uuid;

use crate::helpers::*;
use crate::rest::*;

type Reply = (StatusCode, HeaderMap, Value);

// --- helpers ---------------------------------------------------------------------------------

/// Lifts the rate limits of R, A and B to the maximum, so table tests are not cut short.
async fn raise_limits(app: &TestApp, w: &World) {
    app.gql_ok(
        Some(&w.super_admin),
        "mutation($id: ID!) { updateReseller(id: $id, input: { apiRateLimit: 1200 }) { id } }",
        json!({ "id": w.reseller }),
    )
    .await;
    for c in [&w.a, &w.b] {
        app.gql_ok(
            Some(&w.super_admin),
            "mutation($id: ID!) { updateCompany(id: $id, input: { apiRateLimit: 1200 }) { id } }",
            json!({ "id": c }),
        )
        .await;
    }
}

/// A key of company A with every action on every endpoint, all fields.
async fn full_key(app: &TestApp, w: &World) -> String {
    api_key(
        app,
        &w.session,
        &w.a,
        "full",
        json!([
            { "endpoint": "COMPANY", "actions": ["READ"] },
            { "endpoint": "EMPLOYEES", "actions": ["CREATE", "READ", "UPDATE", "DELETE"] },
            { "endpoint": "TIME_OFF", "actions": ["CREATE", "READ", "UPDATE", "DELETE"] },
            { "endpoint": "DOCUMENTS", "actions": ["CREATE", "READ", "DELETE", "DOWNLOAD"] },
            { "endpoint": "USERS", "actions": ["READ"] },
        ]),
    )
    .await
}

/// Company A's employee of this last name.
fn emp(w: &World, last: &str) -> Uuid {
    w.employees_a
        .iter()
        .find(|e| e.1 == last)
        .unwrap_or_else(|| panic!("no {last}"))
        .0
}

fn uuid(s: &str) -> Uuid {
    Uuid::parse_str(s).expect("uuid")
}

async fn insert_employee(app: &TestApp, company: &str, last: &str, dept: Option<&str>) -> Uuid {
    let row = employee_row(uuid(company), "T", last, dept);
    let id = row.id;
    employee::ActiveModel::from(row)
        .insert(&app.state().app.db)
        .await
        .expect("insert employee");
    id
}

async fn insert_time_off(app: &TestApp, company: &str, employee: Uuid, note: &str) -> Uuid {
    let now = OffsetDateTime::now_utc();
    let id = Uuid::now_v7();
    time_off::ActiveModel::from(time_off::Model {
        id,
        company_id: uuid(company),
        employee_id: employee,
        kind: "vacation".into(),
        start_date: date!(2025 - 07 - 01),
        end_date: date!(2025 - 07 - 14),
        status: "requested".into(),
        note: Some(note.into()),
        created_at: now,
        updated_at: now,
    })
    .insert(&app.state().app.db)
    .await
    .expect("insert time off");
    id
}

async fn insert_document(
    app: &TestApp,
    company: &str,
    employee: Option<Uuid>,
    name: &str,
    content: &[u8],
) -> Uuid {
    let id = Uuid::now_v7();
    document::ActiveModel::from(document::Model {
        id,
        company_id: uuid(company),
        employee_id: employee,
        file_name: name.into(),
        content_type: "text/plain".into(),
        size_bytes: content.len() as i64,
        content: content.to_vec(),
        created_at: OffsetDateTime::now_utc(),
    })
    .insert(&app.state().app.db)
    .await
    .expect("insert document");
    id
}

/// A request with a JSON body.
async fn json_req(app: &TestApp, method: Method, token: &str, path: &str, body: Value) -> Reply {
    send(
        app.client
            .request(method, app.url(path))
            .bearer_auth(token)
            .json(&body),
    )
    .await
}

async fn delete(app: &TestApp, token: &str, path: &str) -> Reply {
    send(
        app.client
            .request(Method::DELETE, app.url(path))
            .bearer_auth(token),
    )
    .await
}

const BOUNDARY: &str = "portcullis-test-boundary-7f3a9c";

/// A part of a multipart form: name, filename, content type, bytes.
type Part<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [u8]);

/// Builds a `multipart/form-data` body by hand (RFC 7578), as a browser would send it.
fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file_name, content_type, bytes) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{name}\"");
        if let Some(f) = file_name {
            disposition.push_str(&format!("; filename=\"{f}\""));
        }
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        if let Some(ct) = content_type {
            body.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload_parts(app: &TestApp, token: &str, parts: &[Part<'_>]) -> Reply {
    send(
        app.client
            .post(app.url("/api/v1/documents"))
            .bearer_auth(token)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(multipart(parts)),
    )
    .await
}

/// Uploads one file (optionally for an employee).
async fn upload(
    app: &TestApp,
    token: &str,
    name: &str,
    content_type: &str,
    bytes: &[u8],
    employee: Option<&str>,
) -> Reply {
    let mut parts: Vec<Part<'_>> = vec![("file", Some(name), Some(content_type), bytes)];
    if let Some(e) = employee {
        parts.push(("employee_id", None, None, e.as_bytes()));
    }
    upload_parts(app, token, &parts).await
}

/// A download: status, headers and the raw bytes.
async fn download(app: &TestApp, token: &str, id: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    let resp = app
        .client
        .get(app.url(&format!("/api/v1/documents/{id}/download")))
        .bearer_auth(token)
        .send()
        .await
        .expect("download");
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.expect("bytes").to_vec();
    (status, headers, bytes)
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

fn ids(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("no data: {body:#}"))
        .iter()
        .map(|e| e["id"].as_str().expect("id").to_string())
        .collect()
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v:#}"))
        .keys()
        .cloned()
        .collect();
    k.sort();
    k
}

#[track_caller]
fn assert_field(got: &Reply, status: u16, slug: &str, field: &str) -> Value {
    let p = assert_problem(got, status, slug);
    assert_eq!(p["field"], field, "{p:#}");
    p
}

// --- every endpoint × method × principal × access type --------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum OpKind {
    Read,
    Write,
    Download,
    Hub,
}

struct Principal {
    label: &'static str,
    token: String,
    third_party: bool,
    writes: bool,
    downloads: bool,
}

async fn every_endpoint_method_principal_and_access_type(app: &TestApp) {
    let w = world(app).await;
    raise_limits(app, &w).await;
    let member = role_id(app, &w.session, &w.a, "Company member").await;
    let member_session = user(app, &w.session, &w.a, "member@a.example", &member, &[]).await;
    let read_key = api_key(
        app,
        &w.session,
        &w.a,
        "read everything",
        json!([
            { "endpoint": "COMPANY", "actions": ["READ"] },
            { "endpoint": "EMPLOYEES", "actions": ["READ"] },
            { "endpoint": "TIME_OFF", "actions": ["READ"] },
            { "endpoint": "DOCUMENTS", "actions": ["READ"] },
            { "endpoint": "USERS", "actions": ["READ"] },
        ]),
    )
    .await;
    let principals = [
        Principal {
            label: "admin session",
            token: w.session.clone(),
            third_party: false,
            writes: true,
            downloads: true,
        },
        Principal {
            label: "admin PAT",
            token: w.pat.clone(),
            third_party: true,
            writes: true,
            downloads: true,
        },
        Principal {
            label: "full API key",
            token: full_key(app, &w).await,
            third_party: true,
            writes: true,
            downloads: true,
        },
        Principal {
            label: "OAuth credential",
            token: w.oauth.clone(),
            third_party: true,
            writes: true,
            downloads: true,
        },
        Principal {
            label: "member session",
            token: member_session,
            third_party: false,
            writes: false,
            downloads: true,
        },
        Principal {
            label: "read-only API key",
            token: read_key,
            third_party: true,
            writes: false,
            downloads: false,
        },
    ];
    let payload = b"table test bytes".to_vec();
    for access in ["NONE", "READ_ONLY", "READ_WRITE"] {
        set_access(app, &w, &w.a, access).await;
        for p in &principals {
            // Fresh rows for this case, so deletes and updates have something to act on.
            let e = insert_employee(app, &w.a, "Table", Some("Engineering")).await;
            let t = insert_time_off(app, &w.a, e, "table").await;
            let d = insert_document(app, &w.a, Some(e), "t.txt", &payload).await;
            let ops: Vec<(Method, String, OpKind, u16, Option<Value>)> = vec![
                (
                    Method::GET,
                    "/api/v1/company".into(),
                    OpKind::Read,
                    200,
                    None,
                ),
                (
                    Method::GET,
                    "/api/v1/employees".into(),
                    OpKind::Read,
                    200,
                    None,
                ),
                (
                    Method::GET,
                    format!("/api/v1/employees/{e}"),
                    OpKind::Read,
                    200,
                    None,
                ),
                (
                    Method::POST,
                    "/api/v1/employees".into(),
                    OpKind::Write,
                    201,
                    Some(json!({ "first_name": "New", "last_name": "Hire" })),
                ),
                (
                    Method::PATCH,
                    format!("/api/v1/employees/{e}"),
                    OpKind::Write,
                    200,
                    Some(json!({ "job_title": "Lead" })),
                ),
                (
                    Method::GET,
                    "/api/v1/time-off".into(),
                    OpKind::Read,
                    200,
                    None,
                ),
                (
                    Method::GET,
                    format!("/api/v1/time-off/{t}"),
                    OpKind::Read,
                    200,
                    None,
                ),
                (
                    Method::POST,
                    "/api/v1/time-off".into(),
                    OpKind::Write,
                    201,
                    Some(json!({ "employee_id": e, "kind": "sick",
                                 "start_date": "2025-01-01", "end_date": "2025-01-02" })),
                ),
                (
                    Method::PATCH,
                    format!("/api/v1/time-off/{t}"),
                    OpKind::Write,
                    200,
                    Some(json!({ "status": "approved" })),
                ),
                (
                    Method::GET,
                    "/api/v1/documents".into(),
                    OpKind::Read,
                    200,
                    None,
                ),
                (
                    Method::GET,
                    format!("/api/v1/documents/{d}"),
                    OpKind::Read,
                    200,
                    None,
                ),
                // The upload is sent as multipart below.
                (
                    Method::POST,
                    "/api/v1/documents".into(),
                    OpKind::Write,
                    201,
                    None,
                ),
                (
                    Method::GET,
                    format!("/api/v1/documents/{d}/download"),
                    OpKind::Download,
                    200,
                    None,
                ),
                (Method::GET, "/api/v1/users".into(), OpKind::Read, 200, None),
                (
                    Method::GET,
                    "/api/v1/companies".into(),
                    OpKind::Hub,
                    200,
                    None,
                ),
                (
                    Method::GET,
                    format!("/api/v1/companies/{}", w.a),
                    OpKind::Hub,
                    200,
                    None,
                ),
                (
                    Method::DELETE,
                    format!("/api/v1/time-off/{t}"),
                    OpKind::Write,
                    204,
                    None,
                ),
                (
                    Method::DELETE,
                    format!("/api/v1/documents/{d}"),
                    OpKind::Write,
                    204,
                    None,
                ),
                (
                    Method::DELETE,
                    format!("/api/v1/employees/{e}"),
                    OpKind::Write,
                    204,
                    None,
                ),
            ];
            for (method, path, kind, ok, body) in ops {
                let case = format!("{access} {} {method} {path}", p.label);
                let expected: Result<u16, (u16, &str)> = if kind == OpKind::Hub {
                    Err((403, "forbidden"))
                } else if access == "NONE" && p.third_party {
                    Err((401, "access-type-none"))
                } else if access == "READ_ONLY" && kind == OpKind::Write && p.third_party {
                    Err((403, "read-only"))
                } else if (kind == OpKind::Write && !p.writes)
                    || (kind == OpKind::Download && !p.downloads)
                {
                    Err((403, "forbidden"))
                } else {
                    Ok(ok)
                };
                let req = app
                    .client
                    .request(method.clone(), app.url(&path))
                    .bearer_auth(&p.token);
                let got = if kind == OpKind::Download {
                    let (status, headers, bytes) = download(app, &p.token, &d.to_string()).await;
                    if status.is_success() {
                        assert_eq!(bytes, payload, "{case}");
                        (status, headers, Value::Null)
                    } else {
                        let body = serde_json::from_slice(&bytes).expect("problem json");
                        (status, headers, body)
                    }
                } else if method == Method::POST && path == "/api/v1/documents" {
                    upload(
                        app,
                        &p.token,
                        "new.txt",
                        "text/plain",
                        b"new",
                        Some(&e.to_string()),
                    )
                    .await
                } else if let Some(b) = body {
                    send(req.json(&b)).await
                } else {
                    send(req).await
                };
                match expected {
                    Ok(status) => {
                        assert_eq!(got.0.as_u16(), status, "{case}: {:#}", got.2);
                        if method == Method::GET && path.ends_with(&e.to_string()) {
                            assert_eq!(got.2["id"], e.to_string(), "{case}");
                        }
                        if status == 201 {
                            let loc = header(&got.1, "location");
                            let id = got.2["id"].as_str().expect("id");
                            assert!(loc.ends_with(id) && loc.starts_with("/api/v1/"), "{case}");
                        }
                    }
                    Err((status, slug)) => {
                        let problem = assert_problem(&got, status, slug);
                        if slug == "forbidden" && kind != OpKind::Hub {
                            assert!(problem["missing"].is_string(), "{case}: {problem:#}");
                        }
                        if slug == "read-only" {
                            assert_eq!(problem["detail"], "Read access only", "{case}");
                        }
                    }
                }
            }
        }
    }
}
db_test!(every_endpoint_method_principal_and_access_type);

// --- lifecycles ------------------------------------------------------------------------------

async fn employee_lifecycle(app: &TestApp) {
    let w = world(app).await;
    let t = &w.pat;
    let created = json_req(
        app,
        Method::POST,
        t,
        "/api/v1/employees",
        json!({
            "first_name": " Katherine ", "last_name": "Johnson", "email": "KJ@Example.com",
            "department": "Engineering", "job_title": "Mathematician",
            "start_date": "2024-01-15", "end_date": null, "phone": "+1 555 0100", "salary": 90000
        }),
    )
    .await;
    assert_eq!(created.0, StatusCode::CREATED, "{:#}", created.2);
    let id = created.2["id"].as_str().expect("id").to_string();
    assert_eq!(
        header(&created.1, "location"),
        format!("/api/v1/employees/{id}")
    );
    let want = json!({
        "id": id, "first_name": "Katherine", "last_name": "Johnson", "email": "kj@example.com",
        "department": "Engineering", "job_title": "Mathematician", "start_date": "2024-01-15",
        "end_date": null, "phone": "+1 555 0100", "salary": 90000
    });
    assert_eq!(created.2, want);
    let (status, _, got) = get(app, Some(t), &format!("/api/v1/employees/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got, want);
    let (_, _, list) = get(app, Some(t), "/api/v1/employees?limit=200").await;
    assert!(ids(&list).contains(&id));

    // Absent fields are unchanged, null clears, values set.
    let patched = json_req(
        app,
        Method::PATCH,
        t,
        &format!("/api/v1/employees/{id}"),
        json!({ "job_title": "Lead", "phone": null, "end_date": "2026-06-30" }),
    )
    .await;
    assert_eq!(patched.0, StatusCode::OK, "{:#}", patched.2);
    let mut want2 = want.clone();
    want2["job_title"] = json!("Lead");
    want2["phone"] = Value::Null;
    want2["end_date"] = json!("2026-06-30");
    assert_eq!(patched.2, want2);
    assert_eq!(
        get(app, Some(t), &format!("/api/v1/employees/{id}"))
            .await
            .2,
        want2
    );

    // Deleting takes the employee's time off with it and unlinks their documents.
    let e = uuid(&id);
    let to = insert_time_off(app, &w.a, e, "gone").await;
    let doc = insert_document(app, &w.a, Some(e), "cv.txt", b"cv").await;
    let del = delete(app, t, &format!("/api/v1/employees/{id}")).await;
    assert_eq!(del.0, StatusCode::NO_CONTENT);
    assert_eq!(del.2, Value::Null, "no body");
    assert_problem(
        &get(app, Some(t), &format!("/api/v1/employees/{id}")).await,
        404,
        "not-found",
    );
    assert_problem(
        &delete(app, t, &format!("/api/v1/employees/{id}")).await,
        404,
        "not-found",
    );
    let db = &app.state().app.db;
    assert!(
        time_off::Entity::find_by_id(to)
            .one(db)
            .await
            .expect("db")
            .is_none()
    );
    let kept = document::Entity::find_by_id(doc)
        .one(db)
        .await
        .expect("db")
        .expect("kept");
    assert_eq!(kept.employee_id, None);
}
db_test!(employee_lifecycle);

async fn time_off_lifecycle_and_filters(app: &TestApp) {
    let w = world(app).await;
    let t = &full_key(app, &w).await;
    let (ada, grace) = (emp(&w, "Lovelace"), emp(&w, "Hopper"));
    let created = json_req(
        app,
        Method::POST,
        t,
        "/api/v1/time-off",
        json!({ "employee_id": ada, "kind": "vacation", "start_date": "2025-08-01",
                "end_date": "2025-08-10", "note": "Alps" }),
    )
    .await;
    assert_eq!(created.0, StatusCode::CREATED, "{:#}", created.2);
    let id = created.2["id"].as_str().expect("id").to_string();
    assert_eq!(
        header(&created.1, "location"),
        format!("/api/v1/time-off/{id}")
    );
    let want = json!({ "id": id, "employee_id": ada, "kind": "vacation",
        "start_date": "2025-08-01", "end_date": "2025-08-10", "status": "requested", "note": "Alps" });
    assert_eq!(created.2, want);
    assert_eq!(
        get(app, Some(t), &format!("/api/v1/time-off/{id}")).await.2,
        want
    );
    // A second record, for another employee, in another month and state.
    let other = json_req(
        app,
        Method::POST,
        t,
        "/api/v1/time-off",
        json!({ "employee_id": grace, "kind": "sick", "start_date": "2025-09-01",
                "end_date": "2025-09-01", "status": "approved" }),
    )
    .await;
    assert_eq!(other.0, StatusCode::CREATED, "{:#}", other.2);
    let other_id = other.2["id"].as_str().expect("id").to_string();

    let (a, o) = (id.as_str(), other_id.as_str());
    let by_ada = format!("employee_id={ada}");
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("", vec![a, o]),
        (&by_ada, vec![a]),
        ("status=approved", vec![o]),
        ("status=requested", vec![a]),
        // Overlap: ends on or after `from`, starts on or before `to`.
        ("from=2025-08-10", vec![a, o]),
        ("from=2025-08-11", vec![o]),
        ("to=2025-08-01", vec![a]),
        ("to=2025-07-31", vec![]),
        ("from=2025-08-05&to=2025-08-06", vec![a]),
        ("from=2025-08-11&to=2025-08-31", vec![]),
    ];
    for (query, want_ids) in cases {
        let (status, _, body) = get(app, Some(t), &format!("/api/v1/time-off?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body:#}");
        assert_eq!(ids(&body), want_ids, "{query}");
    }
    // Pagination by cursor, one at a time.
    let (_, _, p1) = get(app, Some(t), "/api/v1/time-off?limit=1").await;
    assert_eq!(ids(&p1), [id.as_str()]);
    let c = p1["next_cursor"].as_str().expect("cursor");
    let (_, _, p2) = get(
        app,
        Some(t),
        &format!("/api/v1/time-off?limit=1&cursor={c}"),
    )
    .await;
    assert_eq!(ids(&p2), [other_id.as_str()]);
    assert!(p2["next_cursor"].is_null());

    let patched = json_req(
        app,
        Method::PATCH,
        t,
        &format!("/api/v1/time-off/{id}"),
        json!({ "status": "approved", "note": null, "end_date": "2025-08-12" }),
    )
    .await;
    assert_eq!(patched.0, StatusCode::OK, "{:#}", patched.2);
    let mut want2 = want.clone();
    want2["status"] = json!("approved");
    want2["note"] = Value::Null;
    want2["end_date"] = json!("2025-08-12");
    assert_eq!(patched.2, want2);
    assert_eq!(
        delete(app, t, &format!("/api/v1/time-off/{id}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_problem(
        &get(app, Some(t), &format!("/api/v1/time-off/{id}")).await,
        404,
        "not-found",
    );
    let (_, _, after) = get(app, Some(t), "/api/v1/time-off").await;
    assert_eq!(ids(&after), [other_id.as_str()]);
}
db_test!(time_off_lifecycle_and_filters);

async fn documents_lifecycle_and_download(app: &TestApp) {
    let w = world(app).await;
    let t = &w.oauth;
    let ada = emp(&w, "Lovelace").to_string();
    // Bytes that are not text, and a name that is not ASCII.
    let bytes: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    let name = "Zeugnis Müller €.pdf";
    let created = upload(app, t, name, "application/pdf", &bytes, Some(&ada)).await;
    assert_eq!(created.0, StatusCode::CREATED, "{:#}", created.2);
    let id = created.2["id"].as_str().expect("id").to_string();
    assert_eq!(
        header(&created.1, "location"),
        format!("/api/v1/documents/{id}")
    );
    assert_eq!(
        keys(&created.2),
        [
            "content_type",
            "created_at",
            "employee_id",
            "file_name",
            "id",
            "size_bytes"
        ]
    );
    assert_eq!(created.2["file_name"], name);
    assert_eq!(created.2["content_type"], "application/pdf");
    assert_eq!(created.2["size_bytes"], 3000);
    assert_eq!(created.2["employee_id"], ada);
    let created_at = created.2["created_at"].as_str().expect("time");
    assert!(
        OffsetDateTime::parse(created_at, &time::format_description::well_known::Rfc3339).is_ok()
            && created_at.ends_with('Z'),
        "{created_at}"
    );
    let (status, _, meta) = get(app, Some(t), &format!("/api/v1/documents/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(meta, created.2, "metadata only, the same as at upload");
    let (_, _, list) = get(app, Some(t), "/api/v1/documents").await;
    assert_eq!(ids(&list), [id.as_str()]);
    assert!(list["data"][0].get("content").is_none());
    let (_, _, by_employee) = get(
        app,
        Some(t),
        &format!("/api/v1/documents?employee_id={}", emp(&w, "Hopper")),
    )
    .await;
    assert_eq!(ids(&by_employee), Vec::<String>::new());

    let (status, headers, got) = download(app, t, &id).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got, bytes, "identical bytes");
    assert_eq!(header(&headers, "content-type"), "application/pdf");
    assert_eq!(
        header(&headers, "content-disposition"),
        "attachment; filename=\"Zeugnis M_ller _.pdf\"; \
         filename*=UTF-8''Zeugnis%20M%C3%BCller%20%E2%82%AC.pdf"
    );
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");

    // An ASCII name gets the plain form; a file without type is octet-stream; a document over
    // the JSON limit of 1 MiB is fine under the document limit.
    let big: Vec<u8> = vec![7u8; 2 * 1024 * 1024 + 5];
    let plain = upload_parts(app, t, &[("file", Some("big.bin"), None, &big)]).await;
    assert_eq!(plain.0, StatusCode::CREATED, "{:#}", plain.2);
    assert_eq!(plain.2["content_type"], "application/octet-stream");
    assert!(plain.2["employee_id"].is_null());
    let big_id = plain.2["id"].as_str().expect("id");
    let (_, headers, got) = download(app, t, big_id).await;
    assert_eq!(got.len(), big.len());
    assert!(got == big);
    assert_eq!(
        header(&headers, "content-disposition"),
        "attachment; filename=\"big.bin\""
    );

    assert_eq!(
        delete(app, t, &format!("/api/v1/documents/{id}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_problem(
        &get(app, Some(t), &format!("/api/v1/documents/{id}")).await,
        404,
        "not-found",
    );
    let (status, _, body) = download(app, t, &id).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(String::from_utf8_lossy(&body).contains("not-found"));
}
db_test!(documents_lifecycle_and_download);

async fn users_list_without_secrets(app: &TestApp) {
    let w = world(app).await;
    let member = role_id(app, &w.session, &w.a, "Company member").await;
    user(app, &w.session, &w.a, "member@a.example", &member, &[]).await;
    let key = full_key(app, &w).await;
    for t in [&w.session, &w.pat, &key, &w.oauth] {
        let (status, _, body) = get(app, Some(t), "/api/v1/users").await;
        assert_eq!(status, StatusCode::OK, "{body:#}");
        let data = body["data"].as_array().expect("data");
        let emails: Vec<&str> = data
            .iter()
            .map(|u| u["email"].as_str().expect("email"))
            .collect();
        assert_eq!(emails.len(), 2, "company A's users only: {emails:?}");
        assert!(emails.contains(&"admin@a.example") && emails.contains(&"member@a.example"));
        for u in data {
            assert_eq!(keys(u), ["active", "email", "id", "name", "role"]);
            assert_eq!(u["active"], true);
        }
        let admin = data
            .iter()
            .find(|u| u["email"] == "admin@a.example")
            .expect("admin");
        assert_eq!(admin["role"], "Company admin");
        assert!(!body.to_string().contains("argon2"), "no password hash");
    }
    let (_, _, p1) = get(app, Some(&w.pat), "/api/v1/users?limit=1").await;
    let c = p1["next_cursor"].as_str().expect("cursor");
    let (_, _, p2) = get(
        app,
        Some(&w.pat),
        &format!("/api/v1/users?limit=1&cursor={c}"),
    )
    .await;
    assert!(p2["next_cursor"].is_null());
    assert_ne!(ids(&p1), ids(&p2));
}
db_test!(users_list_without_secrets);

// --- tenant isolation ------------------------------------------------------------------------

async fn other_tenants_ids_are_not_found(app: &TestApp) {
    let w = world(app).await;
    raise_limits(app, &w).await;
    let key = full_key(app, &w).await;
    let eb = w.employee_b;
    let tb = insert_time_off(app, &w.b, eb, "secret-of-b").await;
    let db = insert_document(app, &w.b, Some(eb), "b-secret.txt", b"B-BYTES").await;
    for (label, t) in [
        ("session", &w.session),
        ("pat", &w.pat),
        ("key", &key),
        ("oauth", &w.oauth),
    ] {
        let paths = [
            (Method::GET, format!("/api/v1/employees/{eb}"), None),
            (
                Method::PATCH,
                format!("/api/v1/employees/{eb}"),
                Some(json!({ "job_title": "X" })),
            ),
            (Method::DELETE, format!("/api/v1/employees/{eb}"), None),
            (Method::GET, format!("/api/v1/time-off/{tb}"), None),
            (
                Method::PATCH,
                format!("/api/v1/time-off/{tb}"),
                Some(json!({ "status": "approved" })),
            ),
            (Method::DELETE, format!("/api/v1/time-off/{tb}"), None),
            (Method::GET, format!("/api/v1/documents/{db}"), None),
            (Method::DELETE, format!("/api/v1/documents/{db}"), None),
        ];
        for (method, path, body) in paths {
            let mut req = app
                .client
                .request(method.clone(), app.url(&path))
                .bearer_auth(t);
            if let Some(b) = body {
                req = req.json(&b);
            }
            let got = send(req).await;
            let p = assert_problem(&got, 404, "not-found");
            let text = p.to_string();
            for secret in ["Elsewhere", "secret-of-b", "b-secret"] {
                assert!(!text.contains(secret), "{label} {method} {path}: {text}");
            }
        }
        let (status, _, bytes) = download(app, t, &db.to_string()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{label}");
        assert!(!String::from_utf8_lossy(&bytes).contains("B-BYTES"));
        for list in [
            "/api/v1/time-off?limit=200",
            "/api/v1/documents?limit=200",
            "/api/v1/users",
        ] {
            let (_, _, body) = get(app, Some(t), list).await;
            let text = body.to_string();
            assert!(body["data"].is_array(), "{label} {list}");
            for secret in [tb.to_string(), db.to_string(), "admin@b".into()] {
                assert!(!text.contains(&secret), "{label} {list}: {text}");
            }
        }
        // B's employee as a reference: the same 422 as an id that exists nowhere.
        for employee in [eb, Uuid::now_v7()] {
            let got = json_req(
                app,
                Method::POST,
                t,
                "/api/v1/time-off",
                json!({ "employee_id": employee, "kind": "sick", "start_date": "2025-01-01",
                        "end_date": "2025-01-01" }),
            )
            .await;
            assert_field(&got, 422, "validation", "employee_id");
            let got = upload(
                app,
                t,
                "x.txt",
                "text/plain",
                b"x",
                Some(&employee.to_string()),
            )
            .await;
            assert_field(&got, 422, "validation", "employee_id");
        }
        // Filtering a list by B's employee finds nothing.
        let (_, _, body) = get(app, Some(t), &format!("/api/v1/time-off?employee_id={eb}")).await;
        assert_eq!(body["data"], json!([]));
    }
    // Nothing of B's was changed.
    let dbc = &app.state().app.db;
    let e = employee::Entity::find_by_id(eb)
        .one(dbc)
        .await
        .expect("db")
        .expect("kept");
    assert_eq!(e.job_title.as_deref(), Some("Engineer"));
    let to = time_off::Entity::find_by_id(tb)
        .one(dbc)
        .await
        .expect("db")
        .expect("kept");
    assert_eq!(to.status, "requested");
    assert!(
        document::Entity::find_by_id(db)
            .one(dbc)
            .await
            .expect("db")
            .is_some()
    );
}
db_test!(other_tenants_ids_are_not_found);

// --- API-key field restrictions -----------------------------------------------------------------

async fn api_key_fields_on_lists_items_and_writes(app: &TestApp) {
    let w = world(app).await;
    let key = api_key(
        app,
        &w.session,
        &w.a,
        "calendar",
        json!([
            { "endpoint": "EMPLOYEES", "actions": ["CREATE", "READ", "UPDATE"],
              "fields": ["first_name", "last_name"] },
            { "endpoint": "TIME_OFF", "actions": ["CREATE", "READ", "UPDATE"],
              "fields": ["employee_id", "start_date", "end_date"] },
            { "endpoint": "DOCUMENTS", "actions": ["CREATE", "READ"],
              "fields": ["file_name", "content_type"] },
        ]),
    )
    .await;
    let ada = emp(&w, "Lovelace");
    insert_time_off(app, &w.a, ada, "private note").await;
    insert_document(app, &w.a, Some(ada), "a.txt", b"a").await;
    for (list, want) in [
        ("/api/v1/employees", vec!["first_name", "last_name"]),
        (
            "/api/v1/time-off",
            vec!["employee_id", "end_date", "start_date"],
        ),
        ("/api/v1/documents", vec!["content_type", "file_name"]),
    ] {
        let (status, _, body) = get(app, Some(&key), list).await;
        assert_eq!(status, StatusCode::OK, "{list}: {body:#}");
        let data = body["data"].as_array().expect("data");
        assert!(!data.is_empty(), "{list}");
        for item in data {
            assert_eq!(keys(item), want, "{list}");
        }
    }
    let (_, _, one) = get(app, Some(&key), &format!("/api/v1/employees/{ada}")).await;
    assert_eq!(one, json!({ "first_name": "Ada", "last_name": "Lovelace" }));

    // Writes of granted fields pass, and answer only granted fields.
    let created = json_req(
        app,
        Method::POST,
        &key,
        "/api/v1/employees",
        json!({ "first_name": "Only", "last_name": "Names" }),
    )
    .await;
    assert_eq!(created.0, StatusCode::CREATED, "{:#}", created.2);
    assert_eq!(
        created.2,
        json!({ "first_name": "Only", "last_name": "Names" })
    );
    assert!(header(&created.1, "location").starts_with("/api/v1/employees/"));
    // Writes of other fields are rejected, naming the field, and change nothing.
    let got = json_req(
        app,
        Method::PATCH,
        &key,
        &format!("/api/v1/employees/{ada}"),
        json!({ "first_name": "Augusta", "salary": 1 }),
    )
    .await;
    assert_field(&got, 403, "forbidden", "salary");
    let row = employee::Entity::find_by_id(ada)
        .one(&app.state().app.db)
        .await
        .expect("db")
        .expect("row");
    assert_eq!((row.first_name.as_str(), row.salary), ("Ada", Some(50_000)));
    // Time off needs `kind`, which this key may not write.
    let got = json_req(
        app,
        Method::POST,
        &key,
        "/api/v1/time-off",
        json!({ "employee_id": ada, "kind": "sick", "start_date": "2025-01-01",
                "end_date": "2025-01-01" }),
    )
    .await;
    assert_field(&got, 403, "forbidden", "kind");
    // An unknown field is a 422 before the field check.
    let got = json_req(
        app,
        Method::POST,
        &key,
        "/api/v1/employees",
        json!({ "nickname": "x" }),
    )
    .await;
    assert_field(&got, 422, "validation", "nickname");
    // Uploads write file_name and content_type; employee_id is not granted.
    let got = upload(app, &key, "b.txt", "text/plain", b"b", None).await;
    assert_eq!(got.0, StatusCode::CREATED, "{:#}", got.2);
    assert_eq!(
        got.2,
        json!({ "file_name": "b.txt", "content_type": "text/plain" })
    );
    let got = upload(
        app,
        &key,
        "c.txt",
        "text/plain",
        b"c",
        Some(&ada.to_string()),
    )
    .await;
    assert_field(&got, 403, "forbidden", "employee_id");
}
db_test!(api_key_fields_on_lists_items_and_writes);

// --- visibility groups -------------------------------------------------------------------------

async fn visibility_groups_on_employees_time_off_and_documents(app: &TestApp) {
    let w = world(app).await;
    let group = id_of(
        app,
        &w.session,
        "mutation($c: ID!) { createVisibilityGroup(input: { companyId: $c, name: \"Eng\", \
         departments: [\"Engineering\"] }) { id } }",
        json!({ "c": w.a }),
        "createVisibilityGroup",
    )
    .await;
    let admin_role = role_id(app, &w.session, &w.a, "Company admin").await;
    let eng = user(
        app,
        &w.session,
        &w.a,
        "eng@a.example",
        &admin_role,
        &[&group],
    )
    .await;
    let eng_pat = pat(app, &eng, "eng").await;
    let (hopper, lovelace, seller) = (emp(&w, "Hopper"), emp(&w, "Lovelace"), emp(&w, "Seller"));
    let t_eng = insert_time_off(app, &w.a, lovelace, "eng").await;
    let t_sales = insert_time_off(app, &w.a, seller, "sales").await;
    let d_eng = insert_document(app, &w.a, Some(hopper), "eng.txt", b"e").await;
    let d_sales = insert_document(app, &w.a, Some(seller), "sales.txt", b"s").await;
    let d_none = insert_document(app, &w.a, None, "company.txt", b"c").await;

    for t in [&eng, &eng_pat] {
        let (_, _, list) = get(app, Some(t), "/api/v1/time-off").await;
        assert_eq!(ids(&list), [t_eng.to_string()]);
        assert_problem(
            &get(app, Some(t), &format!("/api/v1/time-off/{t_sales}")).await,
            404,
            "not-found",
        );
        let (_, _, docs) = get(app, Some(t), "/api/v1/documents").await;
        assert_eq!(ids(&docs), [d_eng.to_string()]);
        for d in [d_sales, d_none] {
            assert_problem(
                &get(app, Some(t), &format!("/api/v1/documents/{d}")).await,
                404,
                "not-found",
            );
            assert_eq!(
                download(app, t, &d.to_string()).await.0,
                StatusCode::NOT_FOUND
            );
        }
        assert_eq!(download(app, t, &d_eng.to_string()).await.2, b"e");
    }
    // Writes stay inside the user's departments.
    let t = &eng_pat;
    let got = json_req(
        app,
        Method::POST,
        t,
        "/api/v1/employees",
        json!({ "first_name": "S", "last_name": "Sales", "department": "Sales" }),
    )
    .await;
    assert_field(&got, 403, "forbidden", "department");
    let got = json_req(
        app,
        Method::POST,
        t,
        "/api/v1/employees",
        json!({ "first_name": "N", "last_name": "Nodept" }),
    )
    .await;
    assert_field(&got, 403, "forbidden", "department");
    let got = json_req(
        app,
        Method::POST,
        t,
        "/api/v1/employees",
        json!({ "first_name": "E", "last_name": "Eng", "department": "Engineering" }),
    )
    .await;
    assert_eq!(got.0, StatusCode::CREATED, "{:#}", got.2);
    let got = json_req(
        app,
        Method::PATCH,
        t,
        &format!("/api/v1/employees/{seller}"),
        json!({ "job_title": "X" }),
    )
    .await;
    assert_problem(&got, 404, "not-found");
    let got = json_req(
        app,
        Method::PATCH,
        t,
        &format!("/api/v1/employees/{lovelace}"),
        json!({ "department": "Sales" }),
    )
    .await;
    assert_field(&got, 403, "forbidden", "department");
    assert_problem(
        &delete(app, t, &format!("/api/v1/employees/{seller}")).await,
        404,
        "not-found",
    );
    assert_problem(
        &delete(app, t, &format!("/api/v1/time-off/{t_sales}")).await,
        404,
        "not-found",
    );
    assert_problem(
        &delete(app, t, &format!("/api/v1/documents/{d_sales}")).await,
        404,
        "not-found",
    );
    let got = json_req(
        app,
        Method::POST,
        t,
        "/api/v1/time-off",
        json!({ "employee_id": seller, "kind": "sick", "start_date": "2025-01-01",
                "end_date": "2025-01-01" }),
    )
    .await;
    assert_field(&got, 422, "validation", "employee_id");
    let got = json_req(
        app,
        Method::PATCH,
        t,
        &format!("/api/v1/time-off/{t_eng}"),
        json!({ "employee_id": seller }),
    )
    .await;
    assert_field(&got, 422, "validation", "employee_id");
    let got = upload(app, t, "x.txt", "text/plain", b"x", None).await;
    assert_field(&got, 403, "forbidden", "employee_id");
    let got = upload(
        app,
        t,
        "x.txt",
        "text/plain",
        b"x",
        Some(&seller.to_string()),
    )
    .await;
    assert_field(&got, 422, "validation", "employee_id");
    let got = upload(
        app,
        t,
        "x.txt",
        "text/plain",
        b"x",
        Some(&hopper.to_string()),
    )
    .await;
    assert_eq!(got.0, StatusCode::CREATED, "{:#}", got.2);
    // Nothing of Sales was touched; the unlimited admin still sees everything.
    assert_eq!(
        get(app, Some(&w.pat), &format!("/api/v1/employees/{seller}"))
            .await
            .0,
        StatusCode::OK
    );
    let (_, _, all) = get(app, Some(&w.pat), "/api/v1/time-off").await;
    assert_eq!(ids(&all).len(), 2);
    let (_, _, docs) = get(app, Some(&w.pat), "/api/v1/documents").await;
    assert_eq!(ids(&docs).len(), 4);
    // Keys are not limited by employee (seed 004).
    let key = full_key(app, &w).await;
    let (_, _, docs) = get(app, Some(&key), "/api/v1/documents").await;
    assert_eq!(ids(&docs).len(), 4);
}
db_test!(visibility_groups_on_employees_time_off_and_documents);

// --- validation ------------------------------------------------------------------------------

async fn validation_errors_name_the_field(app: &TestApp) {
    let w = world(app).await;
    raise_limits(app, &w).await;
    let t = &w.pat;
    let base = json!({ "first_name": "A", "last_name": "B" });
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let cases: Vec<(Value, &str, Option<&str>)> = vec![
        (
            with("frist_name", json!("x")),
            "frist_name",
            Some("unknown"),
        ),
        (with("id", json!(Uuid::now_v7())), "id", Some("read-only")),
        (json!({ "first_name": "A" }), "last_name", Some("required")),
        (
            with("first_name", json!("  ")),
            "first_name",
            Some("must not be empty"),
        ),
        (
            with("first_name", json!("x".repeat(101))),
            "first_name",
            Some("at most 100"),
        ),
        (with("first_name", json!(5)), "first_name", Some("string")),
        (with("email", json!("not-an-email")), "email", None),
        (
            with("start_date", json!("2024-13-01")),
            "start_date",
            Some("YYYY-MM-DD"),
        ),
        (
            with("start_date", json!("01/02/2024")),
            "start_date",
            Some("YYYY-MM-DD"),
        ),
        (
            json!({ "first_name": "A", "last_name": "B", "start_date": "2024-05-02",
                    "end_date": "2024-05-01" }),
            "end_date",
            Some("before start_date"),
        ),
        (with("salary", json!(-1)), "salary", Some("between 0 and")),
        (with("salary", json!(1.5)), "salary", Some("whole number")),
        (
            with("phone", json!("1".repeat(41))),
            "phone",
            Some("at most 40"),
        ),
    ];
    for (body, field, detail) in cases {
        let got = json_req(app, Method::POST, t, "/api/v1/employees", body.clone()).await;
        let p = assert_field(&got, 422, "validation", field);
        if let Some(d) = detail {
            assert!(
                p["detail"].as_str().is_some_and(|s| s.contains(d)),
                "{body}: {p:#}"
            );
        }
    }
    let (_, _, before) = get(app, Some(t), "/api/v1/employees?limit=200").await;
    assert_eq!(
        ids(&before).len(),
        w.employees_a.len(),
        "no failed create left a row"
    );

    // Updates: required fields cannot be cleared; dates are checked against the stored ones.
    let ada = emp(&w, "Lovelace"); // start_date 2024-03-01
    let path = format!("/api/v1/employees/{ada}");
    let got = json_req(app, Method::PATCH, t, &path, json!({ "last_name": null })).await;
    assert_field(&got, 422, "validation", "last_name");
    let got = json_req(
        app,
        Method::PATCH,
        t,
        &path,
        json!({ "end_date": "2024-02-29" }),
    )
    .await;
    assert_field(&got, 422, "validation", "end_date");

    // Malformed bodies: 400; not JSON: 415; too large: 413.
    for raw in ["{\"first_name\": ", "[1, 2]", "\"text\""] {
        let got = send(
            app.client
                .post(app.url("/api/v1/employees"))
                .bearer_auth(t)
                .header("content-type", "application/json")
                .body(raw.to_string()),
        )
        .await;
        assert_problem(&got, 400, "bad-request");
    }
    let got = send(
        app.client
            .post(app.url("/api/v1/employees"))
            .bearer_auth(t)
            .header("content-type", "text/plain")
            .body("first_name=A"),
    )
    .await;
    assert_problem(&got, 415, "unsupported-media-type");
    let huge = json!({ "first_name": "A", "last_name": "B", "job_title": "x".repeat(1024 * 1024) });
    let got = json_req(app, Method::POST, t, "/api/v1/employees", huge.clone()).await;
    assert_problem(&got, 413, "payload-too-large");
    let got = json_req(app, Method::PATCH, t, &path, huge).await;
    assert_problem(&got, 413, "payload-too-large");

    // Time off values.
    let to = json!({ "employee_id": ada, "kind": "vacation", "start_date": "2025-01-02",
                     "end_date": "2025-01-03" });
    let mut cases: Vec<(Value, &str)> = Vec::new();
    for (k, v) in [
        ("kind", json!("holiday")),
        ("status", json!("pending")),
        ("start_date", json!("2025-02-30")),
        ("end_date", json!("2025-01-01")),
        ("employee_id", json!("not-a-uuid")),
        ("note", json!("n".repeat(2001))),
        ("comment", json!("x")),
    ] {
        let mut b = to.clone();
        b[k] = v;
        cases.push((b, k));
    }
    let mut missing = to.clone();
    missing.as_object_mut().expect("object").remove("kind");
    cases.push((missing, "kind"));
    for (body, field) in cases {
        let got = json_req(app, Method::POST, t, "/api/v1/time-off", body.clone()).await;
        assert_field(&got, 422, "validation", field);
    }

    // Query parameters of every list.
    for list in [
        "/api/v1/employees",
        "/api/v1/time-off",
        "/api/v1/documents",
        "/api/v1/users",
    ] {
        for (query, field) in [
            ("limit=0", "limit"),
            ("limit=201", "limit"),
            ("cursor=zzz", "cursor"),
        ] {
            let got = get(app, Some(t), &format!("{list}?{query}")).await;
            assert_field(&got, 422, "validation", field);
        }
        assert_problem(
            &get(app, Some(t), &format!("{list}?nope=1")).await,
            400,
            "bad-request",
        );
        let (status, _, body) = get(app, Some(t), &format!("{list}?limit=200")).await;
        assert_eq!(status, StatusCode::OK, "{list}: {body:#}");
    }
    for (query, field) in [
        ("from=2025-1-1", "from"),
        ("to=tomorrow", "to"),
        ("from=2025-02-01&to=2025-01-01", "to"),
        ("status=pending", "status"),
    ] {
        let got = get(app, Some(t), &format!("/api/v1/time-off?{query}")).await;
        assert_field(&got, 422, "validation", field);
    }

    // Upload forms.
    let got = upload_parts(
        app,
        t,
        &[("employee_id", None, None, ada.to_string().as_bytes())],
    )
    .await;
    assert_field(&got, 422, "validation", "file");
    let got = upload_parts(app, t, &[("file", None, Some("text/plain"), b"x")]).await;
    assert_field(&got, 422, "validation", "file");
    let got = upload_parts(
        app,
        t,
        &[
            ("file", Some("a.txt"), None, b"x"),
            ("extra", None, None, b"1"),
        ],
    )
    .await;
    assert_field(&got, 422, "validation", "extra");
    // A type that does not parse is no type: kept as octet-stream, never served as given.
    let got = upload_parts(app, t, &[("file", Some("a.txt"), Some("not a type"), b"x")]).await;
    assert_eq!(got.0, StatusCode::CREATED, "{:#}", got.2);
    assert_eq!(got.2["content_type"], "application/octet-stream");
    let got = json_req(
        app,
        Method::POST,
        t,
        "/api/v1/documents",
        json!({ "file": "x" }),
    )
    .await;
    assert_problem(&got, 415, "unsupported-media-type");
}
db_test!(validation_errors_name_the_field);

/// The document limit is the configured one (here 1000 bytes): at the limit is accepted, one
/// byte over is 413, and the JSON routes keep their own 1 MiB.
async fn document_limit_is_configurable(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.document_max_bytes = 1000).await;
    let outcome = std::panic::AssertUnwindSafe(async {
        let w = world(&app).await;
        let ok = upload(
            &app,
            &w.pat,
            "a.bin",
            "application/octet-stream",
            &[1u8; 1000],
            None,
        )
        .await;
        assert_eq!(ok.0, StatusCode::CREATED, "{:#}", ok.2);
        assert_eq!(ok.2["size_bytes"], 1000);
        // One byte over the document limit (caught after reading the file), and over the body
        // limit of the route (limit + 64 KiB of multipart framing: caught while reading). The
        // second stays small enough for the socket buffers, so the client always finishes
        // sending and reads the answer, although the server stops reading at its limit.
        for size in [1001usize, 1000 + 64 * 1024 + 4096] {
            let got = upload(
                &app,
                &w.pat,
                "b.bin",
                "application/octet-stream",
                &vec![1u8; size],
                None,
            )
            .await;
            let p = assert_problem(&got, 413, "payload-too-large");
            assert_eq!(p["limit_bytes"], 1000, "{p:#}");
        }
        let (_, _, docs) = get(&app, Some(&w.pat), "/api/v1/documents").await;
        assert_eq!(ids(&docs).len(), 1);
        let body = json!({ "first_name": "A", "last_name": "B", "job_title": "x".repeat(5000) });
        let got = json_req(&app, Method::POST, &w.pat, "/api/v1/employees", body).await;
        assert_field(&got, 422, "validation", "job_title");
    });
    let result = futures::FutureExt::catch_unwind(outcome).await;
    app.stop().await;
    if let Err(p) = result {
        std::panic::resume_unwind(p);
    }
}

mod document_limit {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::document_limit_is_configurable(crate::helpers::Backend::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::document_limit_is_configurable(crate::helpers::Backend::Postgres).await;
    }
}

// --- hub companies ---------------------------------------------------------------------------

async fn hub_companies_are_scoped_per_hub_user(app: &TestApp) {
    let w = world(app).await;
    let r2 = id_of(
        app,
        &w.super_admin,
        "mutation { createReseller(input: { name: \"R2\" }) { id } }",
        json!({}),
        "createReseller",
    )
    .await;
    let c = id_of(
        app,
        &w.super_admin,
        "mutation($r: ID!) { createCompany(input: { resellerId: $r, name: \"C\" }) { id } }",
        json!({ "r": r2 }),
        "createCompany",
    )
    .await;
    let roles = app
        .gql_ok(Some(&w.super_admin), "{ roles { id name } }", json!({}))
        .await;
    let reseller_role = roles["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["name"] == "Reseller admin")
        .expect("role")["id"]
        .clone();
    app.gql_ok(
        Some(&w.super_admin),
        "mutation($p: String!, $r: ID!, $s: ID) { createUser(input: { email: \"staff@r.example\", \
         name: \"Staff\", password: $p, roleId: $r, resellerId: $s }) { id } }",
        json!({ "p": PASSWORD, "r": reseller_role, "s": w.reseller }),
    )
    .await;
    let staff = app.login("staff@r.example", PASSWORD).await;
    let staff_pat = pat(app, &staff, "staff").await;
    let super_pat = pat(app, &w.super_admin, "super").await;

    let names = |body: &Value| -> Vec<String> {
        body["data"]
            .as_array()
            .unwrap_or_else(|| panic!("{body:#}"))
            .iter()
            .map(|c| c["name"].as_str().expect("name").to_string())
            .collect()
    };
    for t in [&w.super_admin, &super_pat] {
        let (status, _, body) = get(app, Some(t), "/api/v1/companies").await;
        assert_eq!(status, StatusCode::OK, "{body:#}");
        assert_eq!(names(&body), ["A", "B", "C"]);
        assert!(body["next_cursor"].is_null());
        let (status, _, one) = get(app, Some(t), &format!("/api/v1/companies/{c}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            one,
            json!({ "id": c, "name": "C", "reseller_id": r2, "api_access_type": "none",
                    "api_rate_limit": 60, "api_request_delay_seconds": null })
        );
    }
    for t in [&staff, &staff_pat] {
        let (status, _, body) = get(app, Some(t), "/api/v1/companies").await;
        assert_eq!(status, StatusCode::OK, "{body:#}");
        assert_eq!(names(&body), ["A", "B"], "their reseller's only");
        let (_, _, one) = get(app, Some(t), &format!("/api/v1/companies/{}", w.a)).await;
        assert_eq!(one["name"], "A");
        assert_eq!(one["api_access_type"], "read_write");
        assert_eq!(one["reseller_id"], w.reseller);
        let p = assert_problem(
            &get(app, Some(t), &format!("/api/v1/companies/{c}")).await,
            404,
            "not-found",
        );
        assert!(!p.to_string().contains("\"C\""));
        let (_, _, r2_only) =
            get(app, Some(t), &format!("/api/v1/companies?reseller_id={r2}")).await;
        assert_eq!(r2_only["data"], json!([]));
        // Hub users have no company data.
        for path in [
            "/api/v1/employees",
            "/api/v1/time-off",
            "/api/v1/documents",
            "/api/v1/users",
        ] {
            assert_problem(&get(app, Some(t), path).await, 403, "company-required");
        }
    }
    // Pagination and search.
    let (_, _, p1) = get(app, Some(&super_pat), "/api/v1/companies?limit=2").await;
    assert_eq!(names(&p1), ["A", "B"]);
    let cur = p1["next_cursor"].as_str().expect("cursor");
    let (_, _, p2) = get(
        app,
        Some(&super_pat),
        &format!("/api/v1/companies?limit=2&cursor={cur}"),
    )
    .await;
    assert_eq!(names(&p2), ["C"]);
    let (_, _, found) = get(app, Some(&super_pat), "/api/v1/companies?search=b").await;
    assert_eq!(names(&found), ["B"]);
    assert_field(
        &get(app, Some(&super_pat), "/api/v1/companies?limit=0").await,
        422,
        "validation",
        "limit",
    );
    assert_problem(
        &get(app, Some(&super_pat), "/api/v1/companies/nope").await,
        404,
        "not-found",
    );
    // Company principals of every kind are refused, whatever their company's access type.
    for kind in KINDS {
        for path in [
            "/api/v1/companies".to_string(),
            format!("/api/v1/companies/{}", w.a),
        ] {
            let p = assert_problem(
                &get(app, Some(w.token(kind)), &path).await,
                403,
                "forbidden",
            );
            assert!(
                p["detail"].as_str().is_some_and(|d| d.contains("hub")),
                "{kind:?}: {p:#}"
            );
        }
    }
    assert_problem(
        &get(app, None, "/api/v1/companies").await,
        401,
        "unauthenticated",
    );
}
db_test!(hub_companies_are_scoped_per_hub_user);

/// Every new path is in the OpenAPI document, with its problems.
async fn openapi_lists_every_resource(app: &TestApp) {
    let (_, _, doc) = get(app, None, "/api/v1/openapi.json").await;
    let expected: &[(&str, &str, &[&str])] = &[
        (
            "/api/v1/employees",
            "post",
            &["201", "400", "401", "403", "413", "415", "422", "429"],
        ),
        (
            "/api/v1/employees/{id}",
            "patch",
            &["200", "400", "401", "403", "404", "413", "422"],
        ),
        (
            "/api/v1/employees/{id}",
            "delete",
            &["204", "401", "403", "404", "429"],
        ),
        (
            "/api/v1/time-off",
            "get",
            &["200", "400", "401", "403", "422", "429"],
        ),
        (
            "/api/v1/time-off",
            "post",
            &["201", "400", "401", "403", "413", "422"],
        ),
        (
            "/api/v1/time-off/{id}",
            "get",
            &["200", "401", "403", "404"],
        ),
        (
            "/api/v1/time-off/{id}",
            "patch",
            &["200", "400", "403", "404", "422"],
        ),
        ("/api/v1/time-off/{id}", "delete", &["204", "403", "404"]),
        ("/api/v1/documents", "get", &["200", "401", "403", "422"]),
        (
            "/api/v1/documents",
            "post",
            &["201", "400", "401", "403", "413", "415", "422"],
        ),
        ("/api/v1/documents/{id}", "get", &["200", "404"]),
        ("/api/v1/documents/{id}", "delete", &["204", "404"]),
        (
            "/api/v1/documents/{id}/download",
            "get",
            &["200", "401", "403", "404", "429"],
        ),
        ("/api/v1/users", "get", &["200", "401", "403", "422", "429"]),
        ("/api/v1/companies", "get", &["200", "401", "403", "422"]),
        (
            "/api/v1/companies/{id}",
            "get",
            &["200", "401", "403", "404"],
        ),
    ];
    for (path, method, statuses) in expected {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} documented");
        assert!(
            op["tags"].as_array().is_some_and(|t| !t.is_empty()),
            "{path} tagged"
        );
        for s in *statuses {
            let r = &op["responses"][s];
            assert!(r.is_object(), "{method} {path} documents {s}");
            if s.starts_with('4') {
                assert!(
                    r["content"]["application/problem+json"].is_object(),
                    "{path} {s}"
                );
            }
        }
    }
    assert!(
        doc["paths"]["/api/v1/documents"]["post"]["requestBody"]["content"]["multipart/form-data"]
            .is_object()
    );
    for schema in [
        "TimeOff",
        "TimeOffPage",
        "Document",
        "DocumentPage",
        "User",
        "UserPage",
        "HubCompany",
        "HubCompanyPage",
        "EmployeeWrite",
        "TimeOffWrite",
    ] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
    let tags: Vec<&str> = doc["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    for t in ["employees", "time-off", "documents", "users", "companies"] {
        assert!(tags.contains(&t), "{t} in {tags:?}");
    }
}
db_test!(openapi_lists_every_resource);
