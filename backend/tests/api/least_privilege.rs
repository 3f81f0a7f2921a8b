//! Least privilege from real use (issue 8): `unusedGrants` of API keys and Partner API
//! credentials, read from the request logs (only requests the guards allowed, in the window, of
//! that credential), and the two one-step narrowing mutations, `updateApiKeyGrants` and
//! `narrowApiCredential`, which take effect at once (cached verifications, old access tokens).

use std::time::Duration;

use backend::entity::api_log;
use backend::service::usage::{self, Subject};
use reqwest::StatusCode;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, Statement,
    TransactionTrait,
};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::helpers::*;
use crate::rest::{World, api_key, get, role_id, send, user, world};

const USAGE_FIELDS: &str = "unusedGrants(days: $days) { days since requests \
    used { endpoint actions fields } unused { endpoint actions fields } \
    usedPermissions unusedPermissions unattributedRequests }";

fn keys_query() -> String {
    format!("query($c: ID!, $days: Int) {{ apiKeys(companyId: $c) {{ id name {USAGE_FIELDS} }} }}")
}

fn credentials_query() -> String {
    format!(
        "query($c: ID!, $days: Int) {{ apiCredentials(companyId: $c) {{ id name {USAGE_FIELDS} }} }}"
    )
}

const UPDATE_GRANTS: &str = "mutation($id: ID!, $g: [ApiKeyGrantInput!]!) {
  updateApiKeyGrants(id: $id, grants: $g) { id name grants { endpoint actions fields } } }";

const NARROW: &str = "mutation($id: ID!, $n: String!, $p: [String!]!) {
  narrowApiCredential(id: $id, input: { roleName: $n, permissions: $p }) {
    id clientId role { id name builtIn permissions } } }";

/// The usage of the key (or credential) named `name`, as the list query returns it.
async fn usage_of(
    app: &TestApp,
    session: &str,
    query: &str,
    list: &str,
    company: &str,
    name: &str,
    days: Option<i32>,
) -> Value {
    let d = app
        .gql_ok(Some(session), query, json!({ "c": company, "days": days }))
        .await;
    d[list]
        .as_array()
        .expect("list")
        .iter()
        .find(|k| k["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {d:#}"))["unusedGrants"]
        .clone()
}

async fn key_usage(app: &TestApp, w: &World, name: &str, days: Option<i32>) -> Value {
    usage_of(app, &w.session, &keys_query(), "apiKeys", &w.a, name, days).await
}

async fn credential_usage(app: &TestApp, w: &World, name: &str, days: Option<i32>) -> Value {
    usage_of(
        app,
        &w.session,
        &credentials_query(),
        "apiCredentials",
        &w.a,
        name,
        days,
    )
    .await
}

/// The id of company A's key named `name`.
async fn key_id(app: &TestApp, w: &World, name: &str) -> String {
    let d = app
        .gql_ok(
            Some(&w.session),
            "query($c: ID!) { apiKeys(companyId: $c) { id name } }",
            json!({ "c": w.a }),
        )
        .await;
    d["apiKeys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["name"] == name)
        .expect("key")["id"]
        .as_str()
        .expect("id")
        .to_string()
}

/// Waits until the writer has stored `n` rows of this credential (it writes asynchronously).
async fn wait_for_rows(app: &TestApp, credential_id: &str, n: u64) {
    let id = Uuid::parse_str(credential_id).expect("uuid");
    let db = &app.state().app.db;
    for _ in 0..400 {
        let have = api_log::Entity::find()
            .filter(api_log::Column::CredentialId.eq(id))
            .count(db)
            .await
            .expect("count");
        if have >= n {
            assert_eq!(have, n, "more log rows than requests for {credential_id}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {n} log rows of {credential_id}");
}

/// A log row the writer could have written, for cases a test cannot produce by requests (a row
/// from weeks ago, a route this version does not know).
async fn insert_row(
    app: &TestApp,
    company: &str,
    kind: &str,
    credential_id: &str,
    endpoint: &str,
    method: &str,
    age: time::Duration,
) {
    let row = api_log::Model {
        id: Uuid::now_v7(),
        time: OffsetDateTime::now_utc() - age,
        method: method.into(),
        uri: endpoint.into(),
        endpoint: endpoint.into(),
        status_code: 200,
        response_time_us: 1000,
        request_ip: None,
        request_headers: json!({}),
        response_headers: json!({}),
        request_body: None,
        response_body: None,
        exception: None,
        decision: "allowed".into(),
        denied_by: None,
        company_id: Some(Uuid::parse_str(company).expect("uuid")),
        user_id: None,
        credential_kind: Some(kind.into()),
        credential_id: Some(Uuid::parse_str(credential_id).expect("uuid")),
    };
    api_log::Entity::insert(api_log::ActiveModel::from(row))
        .exec_without_returning(&app.state().app.db)
        .await
        .expect("insert log row");
}

async fn set_company(app: &TestApp, w: &World, input: Value) {
    app.gql_ok(
        Some(&w.super_admin),
        "mutation($id: ID!, $i: UpdateCompanyInput!) { updateCompany(id: $id, input: $i) { id } }",
        json!({ "id": w.a, "i": input }),
    )
    .await;
}

async fn post_employee(app: &TestApp, token: &str) -> StatusCode {
    send(
        app.client
            .post(app.url("/api/v1/employees"))
            .bearer_auth(token)
            .json(&json!({ "first_name": "New", "last_name": "Hire" })),
    )
    .await
    .0
}

/// The admin of company B, for cross-tenant checks.
async fn admin_b(app: &TestApp, w: &World) -> String {
    let role = role_id(app, &w.super_admin, &w.b, "Company admin").await;
    user(app, &w.super_admin, &w.b, "admin@b.example", &role, &[]).await
}

/// A key with employees READ + CREATE and time off READ, used only for GET /api/v1/employees:
/// that is what is used. Refused requests (403 by the access type, 429 by the rate limit) on
/// granted actions, rows older than the window and another key's requests do not count.
async fn key_usage_comes_from_allowed_requests_in_the_window(app: &TestApp) {
    let w = world(app).await;
    let key = api_key(
        app,
        &w.session,
        &w.a,
        "reporting",
        json!([
            { "endpoint": "EMPLOYEES", "actions": ["READ", "CREATE"], "fields": ["id", "last_name"] },
            { "endpoint": "TIME_OFF", "actions": ["READ"] },
        ]),
    )
    .await;
    let id = key_id(app, &w, "reporting").await;
    let other = api_key(
        app,
        &w.session,
        &w.a,
        "other",
        json!([{ "endpoint": "EMPLOYEES", "actions": ["READ", "CREATE"] },
               { "endpoint": "TIME_OFF", "actions": ["READ"] }]),
    )
    .await;

    // Never used yet: everything is unused.
    let u = key_usage(app, &w, "reporting", None).await;
    assert_eq!(u["days"], 30);
    assert_eq!(u["requests"], 0);
    assert_eq!(u["used"], json!([]));
    assert_eq!(u["usedPermissions"], json!([]));
    assert_eq!(
        u["unusedPermissions"],
        json!(["employees.read", "employees.create", "time_off.read"])
    );

    // Used: two reads of employees (the list and one employee).
    let employee = w.employees_a[0].0;
    assert_eq!(
        get(app, Some(&key), "/api/v1/employees").await.0,
        StatusCode::OK
    );
    let one = format!("/api/v1/employees/{employee}");
    assert_eq!(get(app, Some(&key), &one).await.0, StatusCode::OK);
    // Another key's requests: a create and a time-off read, which must not count for this one.
    assert_eq!(post_employee(app, &other).await, StatusCode::CREATED);
    assert_eq!(
        get(app, Some(&other), "/api/v1/time-off").await.0,
        StatusCode::OK
    );
    // Refused by a guard, on granted actions: a write under read-only access (403) ...
    set_company(app, &w, json!({ "apiAccessType": "READ_ONLY" })).await;
    assert_eq!(post_employee(app, &key).await, StatusCode::FORBIDDEN);
    set_company(app, &w, json!({ "apiAccessType": "READ_WRITE" })).await;
    // ... and a read over the rate limit (429): five requests were made this minute.
    set_company(app, &w, json!({ "apiRateLimit": 1 })).await;
    assert_eq!(
        get(app, Some(&key), "/api/v1/time-off").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    wait_for_rows(app, &id, 4).await;
    // Weeks ago, the key read time off: outside the default window, inside a 90-day one.
    insert_row(
        app,
        &w.a,
        "api_key",
        &id,
        "/api/v1/time-off",
        "GET",
        time::Duration::days(31),
    )
    .await;

    let before = OffsetDateTime::now_utc();
    let u = key_usage(app, &w, "reporting", None).await;
    assert_eq!(u["requests"], 2, "{u:#}");
    assert_eq!(
        u["used"],
        json!([{ "endpoint": "EMPLOYEES", "actions": ["READ"], "fields": ["id", "last_name"] }])
    );
    assert_eq!(
        u["unused"],
        json!([
            { "endpoint": "EMPLOYEES", "actions": ["CREATE"], "fields": ["id", "last_name"] },
            { "endpoint": "TIME_OFF", "actions": ["READ"], "fields": null },
        ])
    );
    assert_eq!(u["usedPermissions"], json!(["employees.read"]));
    assert_eq!(
        u["unusedPermissions"],
        json!(["employees.create", "time_off.read"])
    );
    assert_eq!(u["unattributedRequests"], 0);
    let since = OffsetDateTime::parse(
        u["since"].as_str().expect("since"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("RFC 3339");
    let expected = before - time::Duration::days(30);
    assert!(
        (since - expected).abs() < time::Duration::seconds(5),
        "{since} vs {expected}"
    );

    // The other key: its create and read are its own.
    let o = key_usage(app, &w, "other", None).await;
    assert_eq!(o["requests"], 2, "{o:#}");
    assert_eq!(
        o["usedPermissions"],
        json!(["employees.create", "time_off.read"])
    );

    // A 90-day window includes the old read.
    let u = key_usage(app, &w, "reporting", Some(90)).await;
    assert_eq!(
        (u["days"].clone(), u["requests"].clone()),
        (json!(90), json!(3))
    );
    assert_eq!(
        u["usedPermissions"],
        json!(["employees.read", "time_off.read"])
    );
    assert_eq!(
        u["unused"],
        json!([{ "endpoint": "EMPLOYEES", "actions": ["CREATE"], "fields": ["id", "last_name"] }])
    );

    // An allowed request whose permission cannot be derived (a route this version does not
    // guard) is counted apart, so the UI does not offer to narrow.
    insert_row(
        app,
        &w.a,
        "api_key",
        &id,
        "/api/v1/future",
        "GET",
        time::Duration::minutes(1),
    )
    .await;
    let u = key_usage(app, &w, "reporting", None).await;
    assert_eq!(
        (u["requests"].clone(), u["unattributedRequests"].clone()),
        (json!(3), json!(1))
    );
    assert_eq!(u["usedPermissions"], json!(["employees.read"]));

    // The window is 1..=90 days.
    for days in [0, 91, -3] {
        let body = app
            .gql(
                Some(&w.session),
                &keys_query(),
                json!({ "c": w.a, "days": days }),
            )
            .await;
        assert_eq!(error_code(&body), "VALIDATION", "{body:#}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "days");
        assert!(error_message(&body).contains("90"), "{body:#}");
    }
}
db_test!(key_usage_comes_from_allowed_requests_in_the_window);

/// Narrowing a key to what it used: the same key string, and the next write is refused at once
/// (its cached verification is dropped) while reads still work. Validated like createApiKey;
/// another company's key is NOT_FOUND.
async fn update_api_key_grants_narrows_at_once(app: &TestApp) {
    let w = world(app).await;
    let key = api_key(
        app,
        &w.session,
        &w.a,
        "writer",
        json!([{ "endpoint": "EMPLOYEES", "actions": ["READ", "CREATE"] }]),
    )
    .await;
    let id = key_id(app, &w, "writer").await;
    assert_eq!(
        get(app, Some(&key), "/api/v1/employees").await.0,
        StatusCode::OK
    );
    assert_eq!(post_employee(app, &key).await, StatusCode::CREATED);
    wait_for_rows(app, &id, 2).await;

    let used = key_usage(app, &w, "writer", None).await["used"].clone();
    assert_eq!(
        used,
        json!([{ "endpoint": "EMPLOYEES", "actions": ["CREATE", "READ"], "fields": null }])
    );

    let narrowed =
        json!([{ "endpoint": "EMPLOYEES", "actions": ["READ"], "fields": ["id", "first_name"] }]);
    let d = app
        .gql_ok(
            Some(&w.session),
            UPDATE_GRANTS,
            json!({ "id": id, "g": narrowed }),
        )
        .await;
    assert_eq!(d["updateApiKeyGrants"]["id"], id.as_str());
    assert_eq!(d["updateApiKeyGrants"]["grants"], narrowed);

    let (status, _, body) = send(
        app.client
            .post(app.url("/api/v1/employees"))
            .bearer_auth(&key)
            .json(&json!({ "first_name": "New", "last_name": "Hire" })),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body:#}");
    assert_eq!(body["missing"], "EMPLOYEES:CREATE");
    let (status, _, body) = get(app, Some(&key), "/api/v1/employees").await;
    assert_eq!(status, StatusCode::OK);
    // The new field restriction applies at once too.
    let first = &body["data"][0];
    assert!(first.get("last_name").is_none(), "{first:#}");
    assert!(first.get("first_name").is_some(), "{first:#}");
    let listed = app
        .gql_ok(
            Some(&w.session),
            "query($c: ID!) { apiKeys(companyId: $c) { id grants { endpoint actions fields } } }",
            json!({ "c": w.a }),
        )
        .await;
    let listed = listed["apiKeys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["id"] == id.as_str())
        .expect("key")
        .clone();
    assert_eq!(listed["grants"], narrowed);

    // Validated like createApiKey's grants.
    for (grants, words) in [
        (json!([]), "must not be empty"),
        (
            json!([{ "endpoint": "COMPANY", "actions": ["DELETE"] }]),
            "not supported",
        ),
        (
            json!([{ "endpoint": "EMPLOYEES", "actions": ["READ"], "fields": ["nope"] }]),
            "nope",
        ),
    ] {
        let body = app
            .gql(
                Some(&w.session),
                UPDATE_GRANTS,
                json!({ "id": id, "g": grants }),
            )
            .await;
        assert_eq!(error_code(&body), "VALIDATION", "{body:#}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "grants");
        assert!(error_message(&body).contains(words), "{body:#}");
    }

    // Another company's admin: NOT_FOUND, for the key and for the list with its usage.
    let other = admin_b(app, &w).await;
    let body = app
        .gql(
            Some(&other),
            UPDATE_GRANTS,
            json!({ "id": id, "g": json!([{ "endpoint": "EMPLOYEES", "actions": ["READ"] }]) }),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body:#}");
    let body = app
        .gql(Some(&other), &keys_query(), json!({ "c": w.a, "days": 30 }))
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body:#}");
    // A company member lacks api_keys.manage.
    let member_role = role_id(app, &w.super_admin, &w.a, "Company member").await;
    let member = user(
        app,
        &w.super_admin,
        &w.a,
        "member@a.example",
        &member_role,
        &[],
    )
    .await;
    let body = app
        .gql(
            Some(&member),
            UPDATE_GRANTS,
            json!({ "id": id, "g": json!([{ "endpoint": "EMPLOYEES", "actions": ["READ"] }]) }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body:#}");
    // Nothing changed.
    assert_eq!(post_employee(app, &key).await, StatusCode::FORBIDDEN);
}
db_test!(update_api_key_grants_narrows_at_once);

/// Creates a credential (default role: Company admin); returns (id, client id, secret).
async fn credential(app: &TestApp, w: &World, name: &str) -> (String, String, String) {
    let d = app
        .gql_ok(
            Some(&w.session),
            "mutation($c: ID!, $n: String!) { createApiCredential(input: { companyId: $c, \
             name: $n }) { clientId clientSecret credential { id } } }",
            json!({ "c": w.a, "n": name }),
        )
        .await;
    let c = &d["createApiCredential"];
    (
        c["credential"]["id"].as_str().expect("id").to_string(),
        c["clientId"].as_str().expect("client id").to_string(),
        c["clientSecret"].as_str().expect("secret").to_string(),
    )
}

async fn access_token(app: &TestApp, client_id: &str, secret: &str) -> (String, String) {
    let resp = app
        .client
        .post(app.url("/oauth/token"))
        .basic_auth(client_id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token request");
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.expect("json");
    (
        body["access_token"].as_str().expect("token").to_string(),
        body["scope"].as_str().expect("scope").to_string(),
    )
}

/// A credential (role: Company admin) used to read and create employees: those are its used
/// permissions, and the token requests do not count. Narrowing it creates a role with exactly
/// those, binds it, and both a fresh access token and one issued before lose what was removed.
async fn narrow_api_credential_binds_a_new_role_at_once(app: &TestApp) {
    let w = world(app).await;
    let (id, client_id, secret) = credential(app, &w, "payroll").await;
    let (old_token, _) = access_token(app, &client_id, &secret).await;
    assert_eq!(
        get(app, Some(&old_token), "/api/v1/employees").await.0,
        StatusCode::OK
    );
    assert_eq!(post_employee(app, &old_token).await, StatusCode::CREATED);
    // The token request, the read and the create.
    wait_for_rows(app, &id, 3).await;

    let u = credential_usage(app, &w, "payroll", None).await;
    assert_eq!(u["requests"], 2, "{u:#}");
    assert_eq!(u["unattributedRequests"], 0);
    assert_eq!(
        u["used"],
        json!([{ "endpoint": "EMPLOYEES", "actions": ["CREATE", "READ"], "fields": null }])
    );
    assert_eq!(
        u["usedPermissions"],
        json!(["employees.read", "employees.create"])
    );
    let unused: Vec<&str> = u["unusedPermissions"]
        .as_array()
        .expect("list")
        .iter()
        .map(|v| v.as_str().expect("str"))
        .collect();
    for k in [
        "company.read",
        "employees.update",
        "time_off.read",
        "roles.edit",
        "api_keys.manage",
    ] {
        assert!(unused.contains(&k), "{k} in {unused:?}");
    }
    assert!(
        !unused
            .iter()
            .any(|k| k.starts_with("employees.read") || k.starts_with("companies."))
    );
    assert!(
        u["unused"]
            .as_array()
            .expect("unused")
            .iter()
            .any(|g| g == &json!({ "endpoint": "DOCUMENTS", "actions": ["CREATE", "READ", "DELETE", "DOWNLOAD"], "fields": null })),
        "{u:#}"
    );

    // Narrow to reads only.
    let d = app
        .gql_ok(
            Some(&w.session),
            NARROW,
            json!({ "id": id, "n": "Payroll (read)", "p": ["employees.read"] }),
        )
        .await;
    let narrowed = &d["narrowApiCredential"];
    assert_eq!(narrowed["clientId"], client_id.as_str());
    assert_eq!(narrowed["role"]["name"], "Payroll (read)");
    assert_eq!(narrowed["role"]["builtIn"], false);
    assert_eq!(narrowed["role"]["permissions"], json!(["employees.read"]));
    let roles = app
        .gql_ok(
            Some(&w.session),
            "query($c: ID) { roles(companyId: $c) { id name permissions } }",
            json!({ "c": w.a }),
        )
        .await;
    assert!(
        roles["roles"]
            .as_array()
            .expect("roles")
            .iter()
            .any(|r| r["id"] == narrowed["role"]["id"]
                && r["permissions"] == json!(["employees.read"])),
        "{roles:#}"
    );

    // The token issued before: still valid, without the removed permission.
    assert_eq!(
        get(app, Some(&old_token), "/api/v1/employees").await.0,
        StatusCode::OK
    );
    let (status, _, body) = send(
        app.client
            .post(app.url("/api/v1/employees"))
            .bearer_auth(&old_token)
            .json(&json!({ "first_name": "New", "last_name": "Hire" })),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body:#}");
    assert_eq!(body["missing"], "employees.create");
    // A fresh token: the new role's scope only, same client secret.
    let (new_token, scope) = access_token(app, &client_id, &secret).await;
    assert_eq!(scope, "employees.read");
    assert_eq!(
        get(app, Some(&new_token), "/api/v1/employees").await.0,
        StatusCode::OK
    );
    assert_eq!(post_employee(app, &new_token).await, StatusCode::FORBIDDEN);
    // Its usage now reflects the new role: the create is no longer granted, so not proposed.
    let u = credential_usage(app, &w, "payroll", None).await;
    assert_eq!(u["usedPermissions"], json!(["employees.read"]));
    assert_eq!(u["unusedPermissions"], json!([]));

    // Only ever removes: a permission the role does not hold is refused.
    let refuse = async |name: &str, perms: Value| {
        app.gql(
            Some(&w.session),
            NARROW,
            json!({ "id": id, "n": name, "p": perms }),
        )
        .await
    };
    let body = refuse("Wider", json!(["employees.read", "employees.create"])).await;
    assert_eq!(error_code(&body), "VALIDATION", "{body:#}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "permissions");
    assert!(
        error_message(&body).contains("employees.create"),
        "{body:#}"
    );
    let body = refuse("Empty", json!([])).await;
    assert_eq!(error_code(&body), "VALIDATION", "{body:#}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "permissions");
    let body = refuse("Hub", json!(["companies.read"])).await;
    assert_eq!(error_code(&body), "VALIDATION", "{body:#}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "permissions");
    let body = refuse("Unknown", json!(["nope.read"])).await;
    assert_eq!(error_code(&body), "VALIDATION", "{body:#}");
    // The role name: unique in the company, not a built-in's, not empty.
    let body = refuse("Payroll (read)", json!(["employees.read"])).await;
    assert_eq!(error_code(&body), "CONFLICT", "{body:#}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "roleName");
    let body = refuse("company admin", json!(["employees.read"])).await;
    assert_eq!(error_code(&body), "CONFLICT", "{body:#}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "roleName");
    let body = refuse("  ", json!(["employees.read"])).await;
    assert_eq!(error_code(&body), "VALIDATION", "{body:#}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "roleName");

    // Another company's admin: NOT_FOUND, for the mutation and for the list with its usage.
    let other = admin_b(app, &w).await;
    let body = app
        .gql(
            Some(&other),
            NARROW,
            json!({ "id": id, "n": "Theirs", "p": ["employees.read"] }),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body:#}");
    let body = app
        .gql(
            Some(&other),
            &credentials_query(),
            json!({ "c": w.a, "days": 30 }),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body:#}");
    let body = app
        .gql(
            Some(&w.session),
            &credentials_query(),
            json!({ "c": w.a, "days": 91 }),
        )
        .await;
    assert_eq!(error_code(&body), "VALIDATION", "{body:#}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "days");

    // A revoked credential cannot be narrowed.
    app.gql_ok(
        Some(&w.session),
        "mutation($id: ID!) { revokeApiCredential(id: $id) }",
        json!({ "id": id }),
    )
    .await;
    let body = refuse("After revocation", json!(["employees.read"])).await;
    assert_eq!(error_code(&body), "CONFLICT", "{body:#}");
}
db_test!(narrow_api_credential_binds_a_new_role_at_once);

/// The usage query is served by the partial covering index on both databases (it must spell
/// `decision = 'allowed'` as a literal for that).
async fn usage_query_uses_its_index(app: &TestApp) {
    let db = &app.state().app.db;
    let backend = db.get_database_backend();
    let since = OffsetDateTime::now_utc() - time::Duration::days(30);
    let stmt = usage::usage_statement(backend, Subject::ApiKey, Uuid::now_v7(), since);
    let plan: Vec<String> = match backend {
        DbBackend::Sqlite => db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                format!("EXPLAIN QUERY PLAN {}", stmt.sql),
                stmt.values.map(|v| v.0).unwrap_or_default(),
            ))
            .await
            .expect("explain")
            .iter()
            .map(|r| r.try_get::<String>("", "detail").expect("detail"))
            .collect(),
        _ => {
            // An empty table is cheapest to scan; forbid that to see whether the index applies.
            let txn = db.begin().await.expect("begin");
            txn.execute_unprepared("SET LOCAL enable_seqscan = off")
                .await
                .expect("set");
            let rows = txn
                .query_all_raw(Statement::from_sql_and_values(
                    backend,
                    format!("EXPLAIN {}", stmt.sql),
                    stmt.values.map(|v| v.0).unwrap_or_default(),
                ))
                .await
                .expect("explain");
            txn.rollback().await.expect("rollback");
            rows.iter()
                .map(|r| r.try_get::<String>("", "QUERY PLAN").expect("plan"))
                .collect()
        }
    };
    assert!(
        plan.iter()
            .any(|l| l.contains("ix_api_logs_credential_allowed")),
        "{plan:#?}"
    );
}
db_test!(usage_query_uses_its_index);
