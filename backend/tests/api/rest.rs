//! The public REST API `/api/v1` (SPEC §4): every kind of credential through the guards in
//! order (feature flag funnelling, access type, permission, scope), RFC 9457 problems with a
//! stable `type` for every failure, pagination, visibility groups, field restrictions, tenant
//! isolation, the delay hint for first-party sessions, and the OpenAPI document.

use backend::entity::employee;
use backend::rest::caller::Caller;
use backend::rest::guard;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use shared::api::{ApiAction, ApiEndpoint};
use time::OffsetDateTime;
use time::macros::date;
use uuid::Uuid;

use crate::helpers::*;

pub(crate) const PASSWORD: &str = "long enough password";
pub(crate) const PROBLEM_BASE: &str = "https://portcullis.dev/problems/";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Session,
    Pat,
    ApiKey,
    OAuth,
}

pub(crate) const KINDS: [Kind; 4] = [Kind::Session, Kind::Pat, Kind::ApiKey, Kind::OAuth];

/// Company A (with employees and one credential of each kind) and company B, under reseller R.
pub(crate) struct World {
    pub(crate) super_admin: String,
    pub(crate) reseller: String,
    pub(crate) a: String,
    pub(crate) b: String,
    /// Company A's admin: session and personal token.
    pub(crate) session: String,
    pub(crate) pat: String,
    /// Company A's key with READ on COMPANY and EMPLOYEES, all fields.
    pub(crate) key: String,
    /// An access token of a company A credential (role: Company admin).
    pub(crate) oauth: String,
    /// Company A's employees by last name: (id, last name, department).
    pub(crate) employees_a: Vec<(Uuid, String, Option<String>)>,
    /// An employee of company B.
    pub(crate) employee_b: Uuid,
}

impl World {
    pub(crate) fn token(&self, kind: Kind) -> &str {
        match kind {
            Kind::Session => &self.session,
            Kind::Pat => &self.pat,
            Kind::ApiKey => &self.key,
            Kind::OAuth => &self.oauth,
        }
    }
}

pub(crate) async fn id_of(
    app: &TestApp,
    token: &str,
    query: &str,
    vars: Value,
    path: &str,
) -> String {
    let d = app.gql_ok(Some(token), query, vars).await;
    d[path]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {d:#}"))
        .to_string()
}

pub(crate) async fn role_id(app: &TestApp, admin: &str, company: &str, name: &str) -> String {
    let d = app
        .gql_ok(
            Some(admin),
            "query($c: ID) { roles(companyId: $c) { id name } }",
            json!({ "c": company }),
        )
        .await;
    d["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no role {name}"))["id"]
        .as_str()
        .expect("id")
        .to_string()
}

/// Creates a user of a company with a role (and visibility groups) and signs them in.
pub(crate) async fn user(
    app: &TestApp,
    admin: &str,
    company: &str,
    email: &str,
    role_id: &str,
    groups: &[&str],
) -> String {
    app.gql_ok(
        Some(admin),
        "mutation($e: String!, $p: String!, $r: ID!, $c: ID, $g: [ID!]) { createUser(input: { \
         email: $e, name: \"U\", password: $p, roleId: $r, companyId: $c, visibilityGroupIds: $g \
         }) { id } }",
        json!({ "e": email, "p": PASSWORD, "r": role_id, "c": company, "g": groups }),
    )
    .await;
    app.login(email, PASSWORD).await
}

pub(crate) async fn pat(app: &TestApp, session: &str, name: &str) -> String {
    app.gql_ok(
        Some(session),
        "mutation($n: String!) { createPersonalAccessToken(input: { name: $n }) { token } }",
        json!({ "n": name }),
    )
    .await["createPersonalAccessToken"]["token"]
        .as_str()
        .expect("token")
        .to_string()
}

pub(crate) async fn api_key(
    app: &TestApp,
    session: &str,
    company: &str,
    name: &str,
    grants: Value,
) -> String {
    app.gql_ok(
        Some(session),
        "mutation($c: ID!, $n: String!, $g: [ApiKeyGrantInput!]!) { createApiKey(input: { \
         companyId: $c, name: $n, grants: $g }) { key } }",
        json!({ "c": company, "n": name, "g": grants }),
    )
    .await["createApiKey"]["key"]
        .as_str()
        .expect("key")
        .to_string()
}

/// Creates a Partner API credential (role given or the default) and returns an access token.
pub(crate) async fn oauth_token(
    app: &TestApp,
    session: &str,
    company: &str,
    name: &str,
    role: Option<&str>,
) -> String {
    let d = app
        .gql_ok(
            Some(session),
            "mutation($c: ID!, $n: String!, $r: ID) { createApiCredential(input: { companyId: $c, \
             name: $n, roleId: $r }) { clientId clientSecret } }",
            json!({ "c": company, "n": name, "r": role }),
        )
        .await;
    let c = &d["createApiCredential"];
    let resp = app
        .client
        .post(app.url("/oauth/token"))
        .basic_auth(
            c["clientId"].as_str().expect("id"),
            c["clientSecret"].as_str(),
        )
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token request");
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.expect("json");
    body["access_token"].as_str().expect("token").to_string()
}

pub(crate) async fn set_access(app: &TestApp, w: &World, company: &str, access: &str) {
    app.gql_ok(
        Some(&w.super_admin),
        "mutation($id: ID!, $t: ApiAccessType) { updateCompany(id: $id, input: { apiAccessType: \
         $t }) { id } }",
        json!({ "id": company, "t": access }),
    )
    .await;
}

pub(crate) async fn set_company_flag(app: &TestApp, w: &World, company: &str, on: bool) {
    app.gql_ok(
        Some(&w.super_admin),
        "mutation($c: ID!, $on: Boolean!) { setCompanyFeature(companyId: $c, flag: \
         \"api_access\", enabled: $on) { id } }",
        json!({ "c": company, "on": on }),
    )
    .await;
}

pub(crate) async fn set_reseller_flag(app: &TestApp, w: &World, on: bool) {
    app.gql_ok(
        Some(&w.super_admin),
        "mutation($r: ID!, $on: Boolean!) { setResellerFeature(resellerId: $r, flag: \
         \"api_access\", enabled: $on) { id } }",
        json!({ "r": w.reseller, "on": on }),
    )
    .await;
}

pub(crate) fn employee_row(
    company: Uuid,
    first: &str,
    last: &str,
    dept: Option<&str>,
) -> employee::Model {
    let now = OffsetDateTime::now_utc();
    employee::Model {
        id: Uuid::now_v7(),
        company_id: company,
        first_name: first.into(),
        last_name: last.into(),
        email: Some(format!("{}@example.com", first.to_lowercase())),
        department: dept.map(str::to_string),
        job_title: Some("Engineer".into()),
        start_date: Some(date!(2024 - 03 - 01)),
        end_date: None,
        phone: None,
        salary: Some(50_000),
        created_at: now,
        updated_at: now,
    }
}

/// Builds the world with API access open (READ_WRITE, flag effective) for both companies.
pub(crate) async fn world(app: &TestApp) -> World {
    let super_admin = app.admin_token().await;
    let reseller = id_of(
        app,
        &super_admin,
        "mutation { createReseller(input: { name: \"R\" }) { id } }",
        json!({}),
        "createReseller",
    )
    .await;
    let mut companies = Vec::new();
    for name in ["A", "B"] {
        companies.push(
            id_of(
                app,
                &super_admin,
                "mutation($r: ID!, $n: String!) { createCompany(input: { resellerId: $r, name: \
                 $n }) { id } }",
                json!({ "r": reseller, "n": name }),
                "createCompany",
            )
            .await,
        );
    }
    let (a, b) = (companies[0].clone(), companies[1].clone());
    let admin_role = role_id(app, &super_admin, &a, "Company admin").await;
    let session = user(app, &super_admin, &a, "admin@a.example", &admin_role, &[]).await;
    let pat = pat(app, &session, "script").await;
    let key = api_key(
        app,
        &session,
        &a,
        "all",
        json!([
            { "endpoint": "COMPANY", "actions": ["READ"] },
            { "endpoint": "EMPLOYEES", "actions": ["READ"] },
        ]),
    )
    .await;
    let oauth = oauth_token(app, &session, &a, "partner", None).await;

    let a_id = Uuid::parse_str(&a).expect("uuid");
    let b_id = Uuid::parse_str(&b).expect("uuid");
    let rows_a = vec![
        employee_row(a_id, "Ada", "Lovelace", Some("Engineering")),
        employee_row(a_id, "Grace", "Hopper", Some("Engineering")),
        employee_row(a_id, "Bob", "Seller", Some("Sales")),
        employee_row(a_id, "Carla", "Counter", Some("Finance")),
        employee_row(a_id, "Nina", "Nowhere", None),
    ];
    let row_b = employee_row(b_id, "Eve", "Elsewhere", Some("Engineering"));
    let employee_b = row_b.id;
    let db = &app.state().app.db;
    let mut all: Vec<employee::ActiveModel> = rows_a.iter().cloned().map(Into::into).collect();
    all.push(row_b.into());
    employee::Entity::insert_many(all)
        .exec_without_returning(db)
        .await
        .expect("insert employees");
    let mut employees_a: Vec<_> = rows_a
        .into_iter()
        .map(|e| (e.id, e.last_name, e.department))
        .collect();
    employees_a.sort_by(|x, y| (&x.1, x.0).cmp(&(&y.1, y.0)));

    let w = World {
        super_admin,
        reseller,
        a,
        b,
        session,
        pat,
        key,
        oauth,
        employees_a,
        employee_b,
    };
    set_reseller_flag(app, &w, true).await;
    for c in [&w.a, &w.b] {
        set_access(app, &w, c, "READ_WRITE").await;
        set_company_flag(app, &w, c, true).await;
    }
    w
}

/// A GET with an optional bearer token: status, headers and JSON body.
pub(crate) async fn get(
    app: &TestApp,
    token: Option<&str>,
    path: &str,
) -> (StatusCode, HeaderMap, Value) {
    let mut req = app.client.get(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    send(req).await
}

/// Sends a request and reads its JSON answer. Every answer of a documented `/api/v1` operation
/// is also checked against the published OpenAPI document (`contract`), so each test of the
/// suite is a contract test too.
pub(crate) async fn send(req: reqwest::RequestBuilder) -> (StatusCode, HeaderMap, Value) {
    let (client, req) = req.build_split();
    let req = req.expect("request builds");
    let method = req.method().clone();
    let path = req.url().path().to_string();
    let resp = client.execute(req).await.expect("request");
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"))
    };
    crate::contract::published().check_documented(method.as_str(), &path, status, &headers, &body);
    (status, headers, body)
}

/// Asserts an RFC 9457 problem of this status and type slug; returns its body.
#[track_caller]
pub(crate) fn assert_problem(
    got: &(StatusCode, HeaderMap, Value),
    status: u16,
    slug: &str,
) -> Value {
    let (s, headers, body) = got;
    assert_eq!(s.as_u16(), status, "{body:#}");
    assert_eq!(
        headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
        "application/problem+json",
        "{body:#}"
    );
    assert_eq!(body["type"], format!("{PROBLEM_BASE}{slug}"), "{body:#}");
    assert_eq!(body["status"], status, "{body:#}");
    assert!(body["title"].is_string(), "{body:#}");
    assert!(body.get("data").is_none(), "no data in a problem: {body:#}");
    body.clone()
}

pub(crate) fn last_names(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("no data: {body:#}"))
        .iter()
        .map(|e| e["last_name"].as_str().expect("last_name").to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------------

/// Every kind of credential × access type × flag at company and reseller level, on both
/// endpoints: the guards decide in SPEC order, and sessions skip the access type.
async fn guards_in_order_for_every_credential(app: &TestApp) {
    let w = world(app).await;
    for access in ["NONE", "READ_ONLY", "READ_WRITE"] {
        for (company_on, reseller_on) in [(true, true), (false, true), (true, false)] {
            set_access(app, &w, &w.a, access).await;
            set_company_flag(app, &w, &w.a, company_on).await;
            set_reseller_flag(app, &w, reseller_on).await;
            for kind in KINDS {
                let case = format!("{access} company={company_on} reseller={reseller_on} {kind:?}");
                let expected: Result<(), (u16, &str)> = if !(company_on && reseller_on) {
                    Err((401, "api-access-disabled"))
                } else if access == "NONE" && kind != Kind::Session {
                    Err((401, "access-type-none"))
                } else {
                    Ok(())
                };
                for path in ["/api/v1/company", "/api/v1/employees"] {
                    let got = get(app, Some(w.token(kind)), path).await;
                    match expected {
                        Ok(()) => assert_eq!(got.0, StatusCode::OK, "{case} {path}: {:#}", got.2),
                        Err((status, slug)) => {
                            let p = assert_problem(&got, status, slug);
                            assert!(
                                got.1.contains_key("www-authenticate"),
                                "{case}: a 401 names the scheme"
                            );
                            assert!(p["detail"].is_string(), "{case}");
                        }
                    }
                }
                // A write passes through the same ordered check: READ_ONLY stops third parties
                // with "Read access only"; sessions are not subject to the access type.
                let caller = Caller::authenticate(&app.state().app, w.token(kind))
                    .await
                    .expect("authenticates");
                let write = guard::check(
                    &app.state().app,
                    caller,
                    ApiEndpoint::Employees,
                    ApiAction::Create,
                    &axum::http::Method::POST,
                )
                .await;
                let want = match expected {
                    Err((status, _)) => Some(status),
                    Ok(()) if access == "READ_ONLY" && kind != Kind::Session => Some(403),
                    // The key holds no CREATE grant on EMPLOYEES.
                    Ok(()) if kind == Kind::ApiKey => Some(403),
                    Ok(()) => None,
                };
                let got = write.as_ref().err().map(|p| p.status);
                assert_eq!(got, want, "{case} POST");
                if access == "READ_ONLY" && company_on && reseller_on && kind != Kind::Session {
                    let p = write.err().expect("read only");
                    assert_eq!(p.detail.as_deref(), Some("Read access only"));
                    assert_eq!(p.type_uri, format!("{PROBLEM_BASE}read-only"));
                }
            }
        }
    }
}
db_test!(guards_in_order_for_every_credential);

/// Authentication failures, unknown routes and methods, bad parameters: all problems.
async fn failures_are_problems_with_stable_types(app: &TestApp) {
    let w = world(app).await;
    let unauth = [
        None,
        Some("garbage"),
        Some("pat_0000000000000000_notavalidtoken"),
        Some("eyJhbGciOiJIUzI1NiJ9.e30.c2ln"),
        Some("eyJhbGciOiJFZERTQSIsInR5cCI6ImF0K2p3dCJ9.e30.c2ln"),
    ];
    for token in unauth {
        let got = get(app, token, "/api/v1/employees").await;
        assert_problem(&got, 401, "unauthenticated");
    }
    // A raw Authorization header of another scheme.
    let got = send(
        app.client
            .get(app.url("/api/v1/company"))
            .header("authorization", "Basic abc"),
    )
    .await;
    assert_problem(&got, 401, "unauthenticated");

    assert_problem(
        &get(app, Some(&w.pat), "/api/v1/nope").await,
        404,
        "not-found",
    );
    let got = send(
        app.client
            .post(app.url("/api/v1/company"))
            .bearer_auth(&w.pat),
    )
    .await;
    assert_problem(&got, 405, "method-not-allowed");

    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("cursor=%21%21", "cursor"),
    ] {
        let got = get(app, Some(&w.pat), &format!("/api/v1/employees?{query}")).await;
        let p = assert_problem(&got, 422, "validation");
        assert_eq!(p["field"], field, "{query}");
    }
    for query in ["limit=abc", "limt=5"] {
        let got = get(app, Some(&w.pat), &format!("/api/v1/employees?{query}")).await;
        assert_problem(&got, 400, "bad-request");
    }
    assert_problem(
        &get(app, Some(&w.pat), "/api/v1/employees/not-a-uuid").await,
        404,
        "not-found",
    );
    // A hub user has no company to read.
    assert_problem(
        &get(app, Some(&w.super_admin), "/api/v1/company").await,
        403,
        "company-required",
    );
}
db_test!(failures_are_problems_with_stable_types);

/// A role without `employees.read` (user token and Partner API credential alike), and a key
/// without an EMPLOYEES READ grant, are refused with what is missing.
async fn permissions_are_enforced_and_named(app: &TestApp) {
    let w = world(app).await;
    let role = id_of(
        app,
        &w.session,
        "mutation($c: ID!) { createRole(input: { companyId: $c, name: \"Company only\", \
         permissions: [\"company.read\", \"personal_tokens.manage\"] }) { id } }",
        json!({ "c": w.a }),
        "createRole",
    )
    .await;
    let narrow_session = user(app, &w.session, &w.a, "narrow@a.example", &role, &[]).await;
    let narrow_pat = pat(app, &narrow_session, "narrow").await;
    let narrow_oauth = oauth_token(app, &w.session, &w.a, "narrow partner", Some(&role)).await;
    for token in [&narrow_session, &narrow_pat, &narrow_oauth] {
        assert_eq!(
            get(app, Some(token), "/api/v1/company").await.0,
            StatusCode::OK
        );
        let p = assert_problem(
            &get(app, Some(token), "/api/v1/employees").await,
            403,
            "forbidden",
        );
        assert_eq!(p["missing"], "employees.read");
        assert!(
            p["detail"]
                .as_str()
                .is_some_and(|d| d.contains("employees.read")),
            "{p:#}"
        );
    }

    let company_only = api_key(
        app,
        &w.session,
        &w.a,
        "company only",
        json!([{ "endpoint": "COMPANY", "actions": ["READ"] }]),
    )
    .await;
    assert_eq!(
        get(app, Some(&company_only), "/api/v1/company").await.0,
        StatusCode::OK
    );
    let p = assert_problem(
        &get(app, Some(&company_only), "/api/v1/employees").await,
        403,
        "forbidden",
    );
    assert_eq!(p["missing"], "EMPLOYEES:READ");
    let detail = p["detail"].as_str().expect("detail");
    assert!(
        detail.contains("READ") && detail.contains("EMPLOYEES"),
        "{detail}"
    );
    let id = w.employees_a[0].0;
    assert_problem(
        &get(app, Some(&company_only), &format!("/api/v1/employees/{id}")).await,
        403,
        "forbidden",
    );
}
db_test!(permissions_are_enforced_and_named);

/// A key limited to some fields sees only those, on lists, items and the company.
async fn api_key_fields_are_filtered(app: &TestApp) {
    let w = world(app).await;
    let key = api_key(
        app,
        &w.session,
        &w.a,
        "names only",
        json!([
            { "endpoint": "EMPLOYEES", "actions": ["READ"], "fields": ["first_name", "last_name"] },
            { "endpoint": "COMPANY", "actions": ["READ"], "fields": ["name"] },
        ]),
    )
    .await;
    let (status, _, body) = get(app, Some(&key), "/api/v1/employees").await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    let data = body["data"].as_array().expect("data");
    assert_eq!(data.len(), w.employees_a.len());
    for e in data {
        let mut keys: Vec<&String> = e.as_object().expect("object").keys().collect();
        keys.sort();
        assert_eq!(keys, ["first_name", "last_name"], "{e:#}");
    }
    let id = w.employees_a[0].0;
    let (_, _, one) = get(app, Some(&key), &format!("/api/v1/employees/{id}")).await;
    assert_eq!(one.as_object().map(|o| o.len()), Some(2), "{one:#}");
    assert!(one.get("salary").is_none());
    let (_, _, company) = get(app, Some(&key), "/api/v1/company").await;
    assert_eq!(company, json!({ "name": "A" }));

    // The unrestricted key sees every field of SPEC §4.
    let (_, _, full) = get(app, Some(&w.key), &format!("/api/v1/employees/{id}")).await;
    for f in [
        "id",
        "first_name",
        "last_name",
        "email",
        "department",
        "job_title",
        "start_date",
        "end_date",
        "phone",
        "salary",
    ] {
        assert!(full.get(f).is_some(), "{f} in {full:#}");
    }
    assert_eq!(full["start_date"], "2024-03-01");
    assert_eq!(full["id"], id.to_string());
}
db_test!(api_key_fields_are_filtered);

/// A user in an Engineering-only visibility group, and their token, see only Engineering;
/// keys and credentials are not limited by employee.
async fn visibility_groups_limit_users_only(app: &TestApp) {
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
    let member = role_id(app, &w.session, &w.a, "Company member").await;
    let eng_session = user(app, &w.session, &w.a, "eng@a.example", &member, &[&group]).await;
    let eng_pat = pat(app, &eng_session, "eng").await;
    let engineering: Vec<String> = w
        .employees_a
        .iter()
        .filter(|e| e.2.as_deref() == Some("Engineering"))
        .map(|e| e.1.clone())
        .collect();
    assert_eq!(engineering.len(), 2);
    for token in [&eng_session, &eng_pat] {
        let (status, _, body) = get(app, Some(token), "/api/v1/employees").await;
        assert_eq!(status, StatusCode::OK, "{body:#}");
        assert_eq!(last_names(&body), engineering);
        let (_, _, sales) = get(app, Some(token), "/api/v1/employees?department=Sales").await;
        assert_eq!(sales["data"], json!([]));
        for (id, _, dept) in &w.employees_a {
            let got = get(app, Some(token), &format!("/api/v1/employees/{id}")).await;
            if dept.as_deref() == Some("Engineering") {
                assert_eq!(got.0, StatusCode::OK);
            } else {
                assert_problem(&got, 404, "not-found");
            }
        }
    }
    for token in [&w.key, &w.oauth, &w.pat] {
        let (_, _, body) = get(app, Some(token), "/api/v1/employees").await;
        assert_eq!(body["data"].as_array().map(Vec::len), Some(5));
        let (_, _, sales) = get(app, Some(token), "/api/v1/employees?department=Sales").await;
        assert_eq!(last_names(&sales), ["Seller"]);
    }
}
db_test!(visibility_groups_limit_users_only);

/// Company B's employee is "not found" to every credential of company A, with none of its data;
/// lists never include it.
async fn tenants_are_isolated(app: &TestApp) {
    let w = world(app).await;
    let path = format!("/api/v1/employees/{}", w.employee_b);
    for kind in KINDS {
        let got = get(app, Some(w.token(kind)), &path).await;
        let p = assert_problem(&got, 404, "not-found");
        assert!(!p.to_string().contains("Elsewhere"), "{kind:?}: {p:#}");
        let (_, _, list) = get(app, Some(w.token(kind)), "/api/v1/employees?limit=200").await;
        assert!(!last_names(&list).contains(&"Elsewhere".to_string()));
        let (_, _, company) = get(app, Some(w.token(kind)), "/api/v1/company").await;
        assert_eq!(company["id"], w.a, "{kind:?}");
    }
    // Company B's own session sees it.
    let admin_b = role_id(app, &w.super_admin, &w.b, "Company admin").await;
    let b_session = user(app, &w.super_admin, &w.b, "admin@b.example", &admin_b, &[]).await;
    assert_eq!(get(app, Some(&b_session), &path).await.0, StatusCode::OK);
}
db_test!(tenants_are_isolated);

/// Pages of `limit` follow each other through `next_cursor` in last-name order.
async fn employees_paginate_by_cursor(app: &TestApp) {
    let w = world(app).await;
    let mut seen = Vec::new();
    let mut path = "/api/v1/employees?limit=2".to_string();
    for page in 0.. {
        assert!(page < 5, "too many pages");
        let (status, _, body) = get(app, Some(&w.pat), &path).await;
        assert_eq!(status, StatusCode::OK, "{body:#}");
        let names = last_names(&body);
        assert!(names.len() <= 2);
        seen.extend(names);
        match body["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/employees?limit=2&cursor={c}"),
            None => {
                assert!(body.get("next_cursor").is_some(), "null, not absent");
                break;
            }
        }
    }
    let want: Vec<String> = w.employees_a.iter().map(|e| e.1.clone()).collect();
    assert_eq!(seen, want);
    let (_, _, eng) = get(
        app,
        Some(&w.pat),
        "/api/v1/employees?department=Engineering",
    )
    .await;
    assert_eq!(last_names(&eng), ["Hopper", "Lovelace"]);
}
db_test!(employees_paginate_by_cursor);

/// The company's delay is advertised to first-party sessions only.
async fn request_delay_is_advertised_to_sessions(app: &TestApp) {
    let w = world(app).await;
    for kind in KINDS {
        let (_, headers, body) = get(app, Some(w.token(kind)), "/api/v1/company").await;
        assert!(headers.get("x-api-request-delay").is_none(), "{kind:?}");
        assert!(body["api_request_delay_seconds"].is_null());
    }
    app.gql_ok(
        Some(&w.super_admin),
        "mutation($id: ID!) { updateCompany(id: $id, input: { apiRequestDelaySeconds: 5 }) { id } }",
        json!({ "id": w.a }),
    )
    .await;
    for kind in KINDS {
        for path in ["/api/v1/company", "/api/v1/employees"] {
            let (status, headers, body) = get(app, Some(w.token(kind)), path).await;
            assert_eq!(status, StatusCode::OK);
            let delay = headers
                .get("x-api-request-delay")
                .map(|v| v.to_str().expect("ascii").to_string());
            let want = (kind == Kind::Session).then(|| "5".to_string());
            assert_eq!(delay, want, "{kind:?} {path}");
            if path == "/api/v1/company" {
                assert_eq!(body["api_request_delay_seconds"], 5);
                assert_eq!(body["api_access_type"], "read_write");
                assert_eq!(body["api_rate_limit"], 60);
                assert_eq!(body["name"], "A");
            }
        }
    }
}
db_test!(request_delay_is_advertised_to_sessions);

/// The OpenAPI 3.1 document lists every implemented path with the statuses it can answer, and
/// the Swagger UI is served from the binary.
async fn openapi_document_and_docs(app: &TestApp) {
    let (status, _, doc) = get(app, None, "/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1.")),
        "{}",
        doc["openapi"]
    );
    let expected: &[(&str, &[&str])] = &[
        ("/api/v1/company", &["200", "401", "403", "429"]),
        (
            "/api/v1/employees",
            &["200", "400", "401", "403", "422", "429"],
        ),
        (
            "/api/v1/employees/{id}",
            &["200", "401", "403", "404", "429"],
        ),
    ];
    for (path, statuses) in expected {
        let op = &doc["paths"][path]["get"];
        assert!(op.is_object(), "{path} documented");
        assert_eq!(op["security"], json!([{ "bearer": [] }]), "{path}");
        for s in *statuses {
            let r = &op["responses"][s];
            assert!(r.is_object(), "{path} documents {s}");
            if s.starts_with('4') {
                assert!(
                    r["content"]["application/problem+json"].is_object(),
                    "{path} {s} is a problem"
                );
            }
        }
    }
    let schemes = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(schemes["scheme"], "bearer");
    for schema in ["Problem", "Company", "Employee", "EmployeePage"] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }

    let resp = app
        .client
        .get(app.url("/api/docs/"))
        .send()
        .await
        .expect("docs");
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.expect("html");
    assert!(html.contains("swagger"), "{html}");
    let init = app
        .client
        .get(app.url("/api/docs/swagger-initializer.js"))
        .send()
        .await
        .expect("initializer");
    assert_eq!(init.status(), StatusCode::OK);
    assert!(
        init.text()
            .await
            .expect("js")
            .contains("/api/v1/openapi.json")
    );
}
db_test!(openapi_document_and_docs);

/// Rate limits are per company and exact: limit N admits N of many concurrent third-party
/// requests, whatever the credential; sessions are not limited; a changed limit applies at once.
async fn rate_limits_are_exact_per_company(app: &TestApp) {
    let w = world(app).await;
    let set_limit = |limit: i64| {
        let (admin, company) = (w.super_admin.clone(), w.a.clone());
        async move {
            app.gql_ok(
                Some(&admin),
                "mutation($id: ID!, $l: Int) { updateCompany(id: $id, input: { apiRateLimit: $l }) { id } }",
                json!({ "id": company, "l": limit }),
            )
            .await;
        }
    };
    set_limit(5).await;
    let results =
        futures::future::join_all((0..50).map(|_| get(app, Some(&w.pat), "/api/v1/company"))).await;
    let ok: Vec<_> = results.iter().filter(|r| r.0 == StatusCode::OK).collect();
    let limited: Vec<_> = results
        .iter()
        .filter(|r| r.0 == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert_eq!((ok.len(), limited.len()), (5, 45));
    for r in &ok {
        assert_eq!(r.1["ratelimit-policy"], "\"default\";q=5;w=60");
        assert_eq!(r.1["x-ratelimit-limit"], "5");
        assert!(r.1.contains_key("ratelimit"));
        assert!(r.1.contains_key("x-ratelimit-reset"));
    }
    for r in &limited {
        let body = assert_problem(r, 429, "rate-limited");
        assert!(
            body["detail"]
                .as_str()
                .is_some_and(|d| d.contains("company limit 5/min reached")),
            "{body}"
        );
        assert!(r.1.contains_key("retry-after"));
        assert_eq!(r.1["x-ratelimit-remaining"], "0");
    }
    // One budget per company: the API key of the same company is limited too.
    let (status, _, _) = get(app, Some(&w.key), "/api/v1/employees").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // The company's own apps (sessions) are not rate limited and get no limit headers.
    for _ in 0..3 {
        let (status, headers, _) = get(app, Some(&w.session), "/api/v1/company").await;
        assert_eq!(status, StatusCode::OK);
        assert!(!headers.contains_key("ratelimit-policy"));
    }
    // A raised limit applies to the very next request.
    set_limit(10).await;
    let (status, headers, _) = get(app, Some(&w.pat), "/api/v1/company").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["x-ratelimit-limit"], "10");
}
db_test!(rate_limits_are_exact_per_company);

/// Two instances sharing Redis share one exact limit: of many concurrent requests spread over
/// both, exactly N are admitted.
async fn instances_sharing_redis_share_one_limit(backend: crate::helpers::Backend) {
    let redis = std::env::var("PORTCULLIS_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let app = TestApp::spawn_with(backend, |c| c.redis_url = Some(redis)).await;
    let other = app.second_instance().await;
    let outcome = std::panic::AssertUnwindSafe(async {
        let w = world(&app).await;
        app.gql_ok(
            Some(&w.super_admin),
            "mutation($id: ID!) { updateCompany(id: $id, input: { apiRateLimit: 5 }) { id } }",
            json!({ "id": w.a }),
        )
        .await;
        let urls = [
            app.url("/api/v1/company"),
            format!("http://{}/api/v1/company", other.addr),
        ];
        let requests = (0..50).map(|i| {
            let req = app.client.get(&urls[i % 2]).bearer_auth(&w.pat);
            async move { req.send().await.expect("request").status() }
        });
        let statuses = futures::future::join_all(requests).await;
        let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        let limited = statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count();
        assert_eq!((ok, limited), (5, 45));
    });
    let result = futures::FutureExt::catch_unwind(outcome).await;
    other.stop().await.expect("stop");
    app.stop().await;
    if let Err(p) = result {
        std::panic::resume_unwind(p);
    }
}

mod instances_sharing_redis {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::instances_sharing_redis_share_one_limit(crate::helpers::Backend::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::instances_sharing_redis_share_one_limit(crate::helpers::Backend::Postgres).await;
    }
}
