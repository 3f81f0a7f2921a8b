//! Resellers, companies, feature flags: validation bounds, funnelling, scope, pagination.

use serde_json::{Value, json};

use crate::helpers::*;

/// A password long enough for `createUser` (≥ 12 characters).
const USER_PASSWORD: &str = "correct-horse-battery";

const RESELLER_FIELDS: &str = "id name apiRateLimit features { flag enabled effective }";
const COMPANY_FIELDS: &str = "id name reseller { id apiRateLimit } apiAccessType apiRateLimit \
     effectiveApiRateLimit apiRequestDelaySeconds features { flag enabled effective }";

// ---------------------------------------------------------------------------------------------
// Local helpers
// ---------------------------------------------------------------------------------------------

/// The first error's `extensions.field`, or panics when there is none.
fn error_field(body: &Value) -> String {
    body["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error with a field: {body:#}"))
        .to_string()
}

/// Asserts a VALIDATION error on `field` and that no data came back.
fn assert_validation(body: &Value, field: &str) {
    assert_eq!(error_code(body), "VALIDATION", "{body:#}");
    assert_eq!(error_field(body), field, "{body:#}");
    assert!(body["data"].is_null(), "data despite the error: {body:#}");
}

/// Asserts an error with this code and message, and no data.
fn assert_error(body: &Value, code: &str, message: &str) {
    assert_eq!(error_code(body), code, "{body:#}");
    assert_eq!(error_message(body), message, "{body:#}");
    assert!(body["data"].is_null(), "data despite the error: {body:#}");
}

/// The state of one flag in a `features` list.
fn feature<'a>(obj: &'a Value, flag: &str) -> &'a Value {
    obj["features"]
        .as_array()
        .unwrap_or_else(|| panic!("no features: {obj:#}"))
        .iter()
        .find(|f| f["flag"] == flag)
        .unwrap_or_else(|| panic!("no flag {flag}: {obj:#}"))
}

fn id_of(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id: {v:#}"))
        .to_string()
}

fn names(conn: &Value) -> Vec<String> {
    conn["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no nodes: {conn:#}"))
        .iter()
        .map(|n| n["name"].as_str().expect("name").to_string())
        .collect()
}

async fn create_reseller_raw(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($input: CreateResellerInput!) {{ createReseller(input: $input) {{ {RESELLER_FIELDS} }} }}"
        ),
        json!({ "input": input }),
    )
    .await
}

/// Creates a reseller and returns it.
async fn create_reseller(app: &TestApp, token: &str, name: &str) -> Value {
    let body = create_reseller_raw(app, token, json!({ "name": name })).await;
    assert!(body.get("errors").is_none(), "createReseller: {body:#}");
    body["data"]["createReseller"].clone()
}

async fn update_reseller_raw(app: &TestApp, token: &str, id: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($id: ID!, $input: UpdateResellerInput!) {{ updateReseller(id: $id, input: $input) {{ {RESELLER_FIELDS} }} }}"
        ),
        json!({ "id": id, "input": input }),
    )
    .await
}

async fn create_company_raw(app: &TestApp, token: &str, reseller_id: &str, name: &str) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($input: CreateCompanyInput!) {{ createCompany(input: $input) {{ {COMPANY_FIELDS} }} }}"
        ),
        json!({ "input": { "resellerId": reseller_id, "name": name } }),
    )
    .await
}

/// Creates a company and returns it.
async fn create_company(app: &TestApp, token: &str, reseller_id: &str, name: &str) -> Value {
    let body = create_company_raw(app, token, reseller_id, name).await;
    assert!(body.get("errors").is_none(), "createCompany: {body:#}");
    body["data"]["createCompany"].clone()
}

async fn update_company_raw(app: &TestApp, token: &str, id: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($id: ID!, $input: UpdateCompanyInput!) {{ updateCompany(id: $id, input: $input) {{ {COMPANY_FIELDS} }} }}"
        ),
        json!({ "id": id, "input": input }),
    )
    .await
}

/// Updates a company, asserting success, and returns it.
async fn update_company(app: &TestApp, token: &str, id: &str, input: Value) -> Value {
    let body = update_company_raw(app, token, id, input).await;
    assert!(body.get("errors").is_none(), "updateCompany: {body:#}");
    body["data"]["updateCompany"].clone()
}

/// `company(id)`: the company or JSON null, asserting no errors.
async fn get_company(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql_ok(
        Some(token),
        &format!("query($id: ID!) {{ company(id: $id) {{ {COMPANY_FIELDS} }} }}"),
        json!({ "id": id }),
    )
    .await["company"]
        .clone()
}

async fn get_reseller(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql_ok(
        Some(token),
        &format!("query($id: ID!) {{ reseller(id: $id) {{ {RESELLER_FIELDS} }} }}"),
        json!({ "id": id }),
    )
    .await["reseller"]
        .clone()
}

async fn set_company_feature_raw(
    app: &TestApp,
    token: &str,
    id: &str,
    flag: &str,
    enabled: bool,
) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($id: ID!, $f: String!, $e: Boolean!) {{ setCompanyFeature(companyId: $id, flag: $f, enabled: $e) {{ {COMPANY_FIELDS} }} }}"
        ),
        json!({ "id": id, "f": flag, "e": enabled }),
    )
    .await
}

async fn set_reseller_feature_raw(
    app: &TestApp,
    token: &str,
    id: &str,
    flag: &str,
    enabled: bool,
) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($id: ID!, $f: String!, $e: Boolean!) {{ setResellerFeature(resellerId: $id, flag: $f, enabled: $e) {{ {RESELLER_FIELDS} }} }}"
        ),
        json!({ "id": id, "f": flag, "e": enabled }),
    )
    .await
}

/// `companies(...)` with the given arguments (a JSON object of variables).
async fn companies_raw(app: &TestApp, token: &str, vars: Value) -> Value {
    app.gql(
        Some(token),
        "query($first: Int, $after: String, $search: String, $resellerId: ID) { \
           companies(first: $first, after: $after, search: $search, resellerId: $resellerId) { \
             totalCount nodes { id name reseller { id } effectiveApiRateLimit features { flag enabled effective } } \
             edges { cursor node { id } } \
             pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }",
        vars,
    )
    .await
}

async fn companies(app: &TestApp, token: &str, vars: Value) -> Value {
    let body = companies_raw(app, token, vars).await;
    assert!(body.get("errors").is_none(), "companies: {body:#}");
    body["data"]["companies"].clone()
}

async fn resellers_raw(app: &TestApp, token: &str, vars: Value) -> Value {
    app.gql(
        Some(token),
        "query($first: Int, $after: String, $search: String) { \
           resellers(first: $first, after: $after, search: $search) { \
             totalCount nodes { id name apiRateLimit } \
             pageInfo { hasNextPage hasPreviousPage endCursor } } }",
        vars,
    )
    .await
}

async fn resellers(app: &TestApp, token: &str, vars: Value) -> Value {
    let body = resellers_raw(app, token, vars).await;
    assert!(body.get("errors").is_none(), "resellers: {body:#}");
    body["data"]["resellers"].clone()
}

async fn reseller_count(app: &TestApp, token: &str) -> i64 {
    resellers(app, token, json!({})).await["totalCount"]
        .as_i64()
        .expect("totalCount")
}

/// The id of the role with this name, among `roles(companyId:)`.
async fn role_id(app: &TestApp, token: &str, company_id: Option<&str>, name: &str) -> String {
    let data = app
        .gql_ok(
            Some(token),
            "query($c: ID) { roles(companyId: $c) { id name builtIn } }",
            json!({ "c": company_id }),
        )
        .await;
    let role = data["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no role {name}: {data:#}"));
    id_of(role)
}

/// Creates a user with `USER_PASSWORD` and signs them in; returns the session token.
async fn user_session(
    app: &TestApp,
    admin: &str,
    email: &str,
    role_id: &str,
    company_id: Option<&str>,
    reseller_id: Option<&str>,
) -> String {
    app.gql_ok(
        Some(admin),
        "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }",
        json!({ "input": {
            "email": email,
            "name": email,
            "password": USER_PASSWORD,
            "roleId": role_id,
            "companyId": company_id,
            "resellerId": reseller_id,
        } }),
    )
    .await;
    app.login(email, USER_PASSWORD).await
}

// ---------------------------------------------------------------------------------------------
// Resellers
// ---------------------------------------------------------------------------------------------

async fn create_reseller_defaults(app: &TestApp) {
    let token = app.admin_token().await;
    assert_eq!(reseller_count(app, &token).await, 0);
    let r = create_reseller(app, &token, "  Northwind  ").await;
    assert_eq!(r["name"], "Northwind", "names are trimmed");
    assert_eq!(r["apiRateLimit"], 60);
    let f = feature(&r, "api_access");
    assert_eq!(f["enabled"], false);
    assert_eq!(f["effective"], false);
    let again = get_reseller(app, &token, &id_of(&r)).await;
    assert_eq!(again, r);
    assert_eq!(reseller_count(app, &token).await, 1);
}
db_test!(create_reseller_defaults);

async fn reseller_rate_limit_bounds_on_create(app: &TestApp) {
    let token = app.admin_token().await;
    for bad in [0, -1, 1201, i32::MAX] {
        let body = create_reseller_raw(
            app,
            &token,
            json!({ "name": format!("Bad {bad}"), "apiRateLimit": bad }),
        )
        .await;
        assert_validation(&body, "apiRateLimit");
        assert_eq!(
            error_message(&body),
            format!(
                "rate limit {bad} is out of range: it must be between 1 and 1200 requests per minute"
            )
        );
        assert!(error_message(&body).contains("1200"));
    }
    // Nothing was written by the failed creates.
    assert_eq!(reseller_count(app, &token).await, 0);
    for good in [1, 60, 1200] {
        let body = create_reseller_raw(
            app,
            &token,
            json!({ "name": format!("Good {good}"), "apiRateLimit": good }),
        )
        .await;
        assert!(body.get("errors").is_none(), "{good}: {body:#}");
        assert_eq!(body["data"]["createReseller"]["apiRateLimit"], good);
    }
    assert_eq!(reseller_count(app, &token).await, 3);
    // The name of a rejected reseller is still free.
    let r = create_reseller(app, &token, "Bad 0").await;
    assert_eq!(r["apiRateLimit"], 60);
}
db_test!(reseller_rate_limit_bounds_on_create);

async fn reseller_rate_limit_bounds_on_update(app: &TestApp) {
    let token = app.admin_token().await;
    let r = create_reseller(app, &token, "Northwind").await;
    let id = id_of(&r);
    for good in [1, 60, 1200] {
        let body = update_reseller_raw(app, &token, &id, json!({ "apiRateLimit": good })).await;
        assert!(body.get("errors").is_none(), "{good}: {body:#}");
        assert_eq!(body["data"]["updateReseller"]["apiRateLimit"], good);
        assert_eq!(body["data"]["updateReseller"]["name"], "Northwind");
    }
    for bad in [0, -60, 1201] {
        let body = update_reseller_raw(
            app,
            &token,
            &id,
            json!({ "name": "Renamed", "apiRateLimit": bad }),
        )
        .await;
        assert_validation(&body, "apiRateLimit");
        assert_eq!(
            error_message(&body),
            format!(
                "rate limit {bad} is out of range: it must be between 1 and 1200 requests per minute"
            )
        );
    }
    // The failed updates changed nothing, not even the valid name.
    let now = get_reseller(app, &token, &id).await;
    assert_eq!(now["apiRateLimit"], 1200);
    assert_eq!(now["name"], "Northwind");
    // An update without the limit keeps it.
    let body = update_reseller_raw(app, &token, &id, json!({ "name": "Southwind" })).await;
    assert_eq!(body["data"]["updateReseller"]["name"], "Southwind");
    assert_eq!(body["data"]["updateReseller"]["apiRateLimit"], 1200);
}
db_test!(reseller_rate_limit_bounds_on_update);

async fn reseller_names_are_required_and_unique(app: &TestApp) {
    let token = app.admin_token().await;
    let first = create_reseller(app, &token, "Northwind").await;
    let dup = create_reseller_raw(app, &token, json!({ "name": "Northwind" })).await;
    assert_error(
        &dup,
        "CONFLICT",
        "a reseller named 'Northwind' already exists",
    );
    assert_eq!(error_field(&dup), "name");
    // Trimmed before the uniqueness check.
    let dup_spaced = create_reseller_raw(app, &token, json!({ "name": " Northwind " })).await;
    assert_eq!(error_code(&dup_spaced), "CONFLICT");
    for blank in ["", "   ", "\t"] {
        let body = create_reseller_raw(app, &token, json!({ "name": blank })).await;
        assert_validation(&body, "name");
        assert_eq!(error_message(&body), "name must not be empty");
    }
    let long = create_reseller_raw(app, &token, json!({ "name": "x".repeat(201) })).await;
    assert_validation(&long, "name");
    assert_eq!(reseller_count(app, &token).await, 1);

    // The same rules on update.
    let second = create_reseller(app, &token, "Southwind").await;
    let id = id_of(&second);
    let dup = update_reseller_raw(app, &token, &id, json!({ "name": "Northwind" })).await;
    assert_error(
        &dup,
        "CONFLICT",
        "a reseller named 'Northwind' already exists",
    );
    let blank = update_reseller_raw(app, &token, &id, json!({ "name": "  " })).await;
    assert_validation(&blank, "name");
    assert_eq!(get_reseller(app, &token, &id).await["name"], "Southwind");
    assert_eq!(
        get_reseller(app, &token, &id_of(&first)).await["name"],
        "Northwind"
    );
    // Renaming to its own name is fine.
    let same = update_reseller_raw(app, &token, &id, json!({ "name": "Southwind" })).await;
    assert_eq!(same["data"]["updateReseller"]["name"], "Southwind");
    // Unknown reseller.
    let missing = update_reseller_raw(
        app,
        &token,
        &uuid::Uuid::now_v7().to_string(),
        json!({ "name": "Ghost" }),
    )
    .await;
    assert_error(&missing, "NOT_FOUND", "reseller not found");
}
db_test!(reseller_names_are_required_and_unique);

// ---------------------------------------------------------------------------------------------
// Companies
// ---------------------------------------------------------------------------------------------

async fn create_company_defaults(app: &TestApp) {
    let token = app.admin_token().await;
    let r = create_reseller(app, &token, "Northwind").await;
    let c = create_company(app, &token, &id_of(&r), "  Acme  ").await;
    assert_eq!(c["name"], "Acme");
    assert_eq!(c["reseller"]["id"], r["id"]);
    assert_eq!(c["apiAccessType"], "NONE");
    assert_eq!(c["apiRateLimit"], 60);
    assert_eq!(c["effectiveApiRateLimit"], 60);
    assert!(c["apiRequestDelaySeconds"].is_null());
    let f = feature(&c, "api_access");
    assert_eq!(f["enabled"], false);
    assert_eq!(f["effective"], false);
    assert_eq!(get_company(app, &token, &id_of(&c)).await, c);

    // Names: required, unique per reseller, free under another reseller.
    let blank = create_company_raw(app, &token, &id_of(&r), "  ").await;
    assert_validation(&blank, "name");
    let dup = create_company_raw(app, &token, &id_of(&r), "Acme").await;
    assert_error(
        &dup,
        "CONFLICT",
        "a company named 'Acme' already exists under reseller 'Northwind'",
    );
    let other = create_reseller(app, &token, "Southwind").await;
    create_company(app, &token, &id_of(&other), "Acme").await;
    // An unknown reseller.
    let ghost = create_company_raw(app, &token, &uuid::Uuid::now_v7().to_string(), "Ghost").await;
    assert_validation(&ghost, "resellerId");
    let list = companies(app, &token, json!({})).await;
    assert_eq!(list["totalCount"], 2);
}
db_test!(create_company_defaults);

async fn company_rate_limit_is_capped_by_reseller(app: &TestApp) {
    let token = app.admin_token().await;
    let r = create_reseller(app, &token, "Northwind").await;
    let c = create_company(app, &token, &id_of(&r), "Acme").await;
    let id = id_of(&c);

    let over = update_company_raw(app, &token, &id, json!({ "apiRateLimit": 90 })).await;
    assert_validation(&over, "apiRateLimit");
    assert_eq!(
        error_message(&over),
        "rate limit 90 exceeds the reseller's ceiling of 60"
    );
    for low in [0, -1] {
        let body = update_company_raw(app, &token, &id, json!({ "apiRateLimit": low })).await;
        assert_validation(&body, "apiRateLimit");
        assert_eq!(
            error_message(&body),
            format!("rate limit {low} is too low: it must be at least 1 request per minute")
        );
    }
    assert_eq!(get_company(app, &token, &id).await["apiRateLimit"], 60);

    let one = update_company(app, &token, &id, json!({ "apiRateLimit": 1 })).await;
    assert_eq!(one["apiRateLimit"], 1);
    assert_eq!(one["effectiveApiRateLimit"], 1);
    let equal = update_company(app, &token, &id, json!({ "apiRateLimit": 60 })).await;
    assert_eq!(equal["apiRateLimit"], 60);
    assert_eq!(equal["effectiveApiRateLimit"], 60);

    // Raising the reseller's ceiling allows more.
    update_reseller_raw(app, &token, &id_of(&r), json!({ "apiRateLimit": 100 })).await;
    let ninety = update_company(app, &token, &id, json!({ "apiRateLimit": 90 })).await;
    assert_eq!(ninety["apiRateLimit"], 90);
    assert_eq!(ninety["effectiveApiRateLimit"], 90);
    let over = update_company_raw(app, &token, &id, json!({ "apiRateLimit": 101 })).await;
    assert_eq!(
        error_message(&over),
        "rate limit 101 exceeds the reseller's ceiling of 100"
    );
}
db_test!(company_rate_limit_is_capped_by_reseller);

async fn company_request_delay_validation_and_clearing(app: &TestApp) {
    let token = app.admin_token().await;
    let r = create_reseller(app, &token, "Northwind").await;
    let id = id_of(&create_company(app, &token, &id_of(&r), "Acme").await);

    let neg = update_company_raw(app, &token, &id, json!({ "apiRequestDelaySeconds": -1 })).await;
    assert_validation(&neg, "apiRequestDelaySeconds");
    assert_eq!(
        error_message(&neg),
        "API delay -1 is negative: it must be 0 seconds or more (or empty)"
    );
    let long = update_company_raw(
        app,
        &token,
        &id,
        json!({ "apiRequestDelaySeconds": 86_401 }),
    )
    .await;
    assert_validation(&long, "apiRequestDelaySeconds");
    assert!(
        get_company(app, &token, &id).await["apiRequestDelaySeconds"].is_null(),
        "a rejected delay is not stored"
    );

    let zero = update_company(app, &token, &id, json!({ "apiRequestDelaySeconds": 0 })).await;
    assert_eq!(zero["apiRequestDelaySeconds"], 0, "0 is a value, not empty");
    let five = update_company(app, &token, &id, json!({ "apiRequestDelaySeconds": 5 })).await;
    assert_eq!(five["apiRequestDelaySeconds"], 5);
    // Leaving the field out keeps it.
    let renamed = update_company(app, &token, &id, json!({ "name": "Acme Ltd" })).await;
    assert_eq!(renamed["apiRequestDelaySeconds"], 5);
    assert_eq!(renamed["name"], "Acme Ltd");
    // An explicit null clears it.
    let cleared = update_company(app, &token, &id, json!({ "apiRequestDelaySeconds": null })).await;
    assert!(cleared["apiRequestDelaySeconds"].is_null(), "{cleared:#}");
    assert!(get_company(app, &token, &id).await["apiRequestDelaySeconds"].is_null());
    // Also when written inline in the query rather than as a variable.
    update_company(app, &token, &id, json!({ "apiRequestDelaySeconds": 7 })).await;
    let inline = app
        .gql_ok(
            Some(&token),
            "mutation($id: ID!) { updateCompany(id: $id, input: { apiRequestDelaySeconds: null }) { apiRequestDelaySeconds } }",
            json!({ "id": id }),
        )
        .await;
    assert!(inline["updateCompany"]["apiRequestDelaySeconds"].is_null());
}
db_test!(company_request_delay_validation_and_clearing);

async fn effective_rate_limit_follows_lowered_ceiling(app: &TestApp) {
    let token = app.admin_token().await;
    let r = create_reseller_raw(
        app,
        &token,
        json!({ "name": "Northwind", "apiRateLimit": 100 }),
    )
    .await["data"]["createReseller"]
        .clone();
    let rid = id_of(&r);
    let id = id_of(&create_company(app, &token, &rid, "Acme").await);
    let c = update_company(app, &token, &id, json!({ "apiRateLimit": 90 })).await;
    assert_eq!(c["effectiveApiRateLimit"], 90);

    let body = update_reseller_raw(app, &token, &rid, json!({ "apiRateLimit": 40 })).await;
    assert_eq!(body["data"]["updateReseller"]["apiRateLimit"], 40);
    let c = get_company(app, &token, &id).await;
    assert_eq!(c["apiRateLimit"], 90, "the company's own limit is kept");
    assert_eq!(c["effectiveApiRateLimit"], 40);
    assert_eq!(c["reseller"]["apiRateLimit"], 40);
    let list = companies(app, &token, json!({})).await;
    assert_eq!(list["nodes"][0]["effectiveApiRateLimit"], 40);
    // The stored 90 is now above the ceiling: saving it again is refused, lower is fine.
    let again = update_company_raw(app, &token, &id, json!({ "apiRateLimit": 90 })).await;
    assert_eq!(
        error_message(&again),
        "rate limit 90 exceeds the reseller's ceiling of 40"
    );
    // Saving something else does not trip over the stored limit.
    let renamed = update_company(app, &token, &id, json!({ "name": "Acme Ltd" })).await;
    assert_eq!(renamed["apiRateLimit"], 90);
    assert_eq!(renamed["effectiveApiRateLimit"], 40);

    // Raising the ceiling again restores the company's own limit.
    update_reseller_raw(app, &token, &rid, json!({ "apiRateLimit": 1200 })).await;
    assert_eq!(
        get_company(app, &token, &id).await["effectiveApiRateLimit"],
        90
    );

    // A new company under a reseller whose ceiling is below the default starts at the ceiling.
    update_reseller_raw(app, &token, &rid, json!({ "apiRateLimit": 30 })).await;
    let small = create_company(app, &token, &rid, "Tiny").await;
    assert_eq!(small["apiRateLimit"], 30);
    assert_eq!(small["effectiveApiRateLimit"], 30);
}
db_test!(effective_rate_limit_follows_lowered_ceiling);

async fn failed_company_update_writes_nothing(app: &TestApp) {
    let token = app.admin_token().await;
    let r = create_reseller(app, &token, "Northwind").await;
    let id = id_of(&create_company(app, &token, &id_of(&r), "Acme").await);
    update_company(app, &token, &id, json!({ "apiRequestDelaySeconds": 3 })).await;

    let body = update_company_raw(
        app,
        &token,
        &id,
        json!({
            "name": "Renamed",
            "apiAccessType": "READ_WRITE",
            "apiRequestDelaySeconds": 10,
            "apiRateLimit": 90,
        }),
    )
    .await;
    assert_validation(&body, "apiRateLimit");
    let body = update_company_raw(
        app,
        &token,
        &id,
        json!({ "name": "Renamed", "apiAccessType": "READ_ONLY", "apiRequestDelaySeconds": -5 }),
    )
    .await;
    assert_validation(&body, "apiRequestDelaySeconds");
    // A duplicate name fails at the database, after the access type was staged.
    create_company(app, &token, &id_of(&r), "Taken").await;
    let body = update_company_raw(
        app,
        &token,
        &id,
        json!({ "name": "Taken", "apiAccessType": "READ_ONLY" }),
    )
    .await;
    assert_eq!(error_code(&body), "CONFLICT", "{body:#}");

    let c = get_company(app, &token, &id).await;
    assert_eq!(c["name"], "Acme");
    assert_eq!(c["apiAccessType"], "NONE");
    assert_eq!(c["apiRateLimit"], 60);
    assert_eq!(c["apiRequestDelaySeconds"], 3);
    assert_eq!(feature(&c, "api_access")["enabled"], false);
}
db_test!(failed_company_update_writes_nothing);

// ---------------------------------------------------------------------------------------------
// Access type and feature flags
// ---------------------------------------------------------------------------------------------

async fn access_type_enables_api_access_flag(app: &TestApp) {
    let token = app.admin_token().await;
    let rid = id_of(&create_reseller(app, &token, "Northwind").await);
    let a = id_of(&create_company(app, &token, &rid, "Acme").await);
    let b = id_of(&create_company(app, &token, &rid, "Bolt").await);

    // NONE → NONE changes nothing.
    let c = update_company(app, &token, &a, json!({ "apiAccessType": "NONE" })).await;
    assert_eq!(c["apiAccessType"], "NONE");
    assert_eq!(feature(&c, "api_access")["enabled"], false);

    // NONE → READ_ONLY turns the company's flag on (the reseller's is still off).
    let c = update_company(app, &token, &a, json!({ "apiAccessType": "READ_ONLY" })).await;
    assert_eq!(c["apiAccessType"], "READ_ONLY");
    assert_eq!(feature(&c, "api_access")["enabled"], true);
    assert_eq!(feature(&c, "api_access")["effective"], false);
    let read = get_company(app, &token, &a).await;
    assert_eq!(read["apiAccessType"], "READ_ONLY");
    assert_eq!(feature(&read, "api_access")["enabled"], true);
    let list = companies(app, &token, json!({ "search": "Acme" })).await;
    assert_eq!(feature(&list["nodes"][0], "api_access")["enabled"], true);

    // NONE → READ_WRITE likewise.
    let c = update_company(app, &token, &b, json!({ "apiAccessType": "READ_WRITE" })).await;
    assert_eq!(c["apiAccessType"], "READ_WRITE");
    assert_eq!(feature(&c, "api_access")["enabled"], true);
    assert_eq!(
        get_company(app, &token, &b).await["apiAccessType"],
        "READ_WRITE"
    );

    // Back to NONE leaves the flag as it is.
    let c = update_company(app, &token, &a, json!({ "apiAccessType": "NONE" })).await;
    assert_eq!(c["apiAccessType"], "NONE");
    assert_eq!(feature(&c, "api_access")["enabled"], true);
    assert_eq!(get_company(app, &token, &a).await["apiAccessType"], "NONE");

    // With the flag switched off by hand, a change between enabled types does not touch it...
    let c = update_company(app, &token, &b, json!({ "apiAccessType": "READ_ONLY" })).await;
    assert_eq!(c["apiAccessType"], "READ_ONLY");
    let off = set_company_feature_raw(app, &token, &b, "api_access", false).await;
    assert_eq!(
        feature(&off["data"]["setCompanyFeature"], "api_access")["enabled"],
        false
    );
    let c = update_company(app, &token, &b, json!({ "apiAccessType": "READ_WRITE" })).await;
    assert_eq!(feature(&c, "api_access")["enabled"], false);
    // ... nor does going to NONE ...
    let c = update_company(app, &token, &b, json!({ "apiAccessType": "NONE" })).await;
    assert_eq!(feature(&c, "api_access")["enabled"], false);
    // ... but turning access on from NONE again does.
    let c = update_company(app, &token, &b, json!({ "apiAccessType": "READ_WRITE" })).await;
    assert_eq!(feature(&c, "api_access")["enabled"], true);

    // An unknown enum value is rejected by the schema.
    let bad = update_company_raw(app, &token, &a, json!({ "apiAccessType": "FULL" })).await;
    assert!(bad["errors"].is_array(), "{bad:#}");
    assert_eq!(get_company(app, &token, &a).await["apiAccessType"], "NONE");
}
db_test!(access_type_enables_api_access_flag);

async fn feature_flags_are_funnelled(app: &TestApp) {
    let token = app.admin_token().await;
    let rid = id_of(&create_reseller(app, &token, "Northwind").await);
    let cid = id_of(&create_company(app, &token, &rid, "Acme").await);

    let body = set_company_feature_raw(app, &token, &cid, "api_access", true).await;
    let c = &body["data"]["setCompanyFeature"];
    assert_eq!(feature(c, "api_access")["enabled"], true, "{body:#}");
    assert_eq!(feature(c, "api_access")["effective"], false);

    let body = set_reseller_feature_raw(app, &token, &rid, "api_access", true).await;
    let r = &body["data"]["setResellerFeature"];
    assert_eq!(feature(r, "api_access")["enabled"], true, "{body:#}");
    assert_eq!(feature(r, "api_access")["effective"], true);
    assert_eq!(
        feature(&get_reseller(app, &token, &rid).await, "api_access")["enabled"],
        true
    );

    let c = get_company(app, &token, &cid).await;
    assert_eq!(feature(&c, "api_access")["enabled"], true);
    assert_eq!(feature(&c, "api_access")["effective"], true);
    let list = companies(app, &token, json!({})).await;
    assert_eq!(feature(&list["nodes"][0], "api_access")["effective"], true);

    // Reseller on, company off: not effective.
    let body = set_company_feature_raw(app, &token, &cid, "api_access", false).await;
    let c = &body["data"]["setCompanyFeature"];
    assert_eq!(feature(c, "api_access")["enabled"], false);
    assert_eq!(feature(c, "api_access")["effective"], false);
    // Both on, then the reseller off again.
    set_company_feature_raw(app, &token, &cid, "api_access", true).await;
    set_reseller_feature_raw(app, &token, &rid, "api_access", false).await;
    let c = get_company(app, &token, &cid).await;
    assert_eq!(feature(&c, "api_access")["enabled"], true);
    assert_eq!(feature(&c, "api_access")["effective"], false);
    // Setting the same value twice is idempotent.
    let body = set_reseller_feature_raw(app, &token, &rid, "api_access", false).await;
    assert_eq!(
        feature(&body["data"]["setResellerFeature"], "api_access")["enabled"],
        false
    );
}
db_test!(feature_flags_are_funnelled);

async fn unknown_feature_flag_is_rejected(app: &TestApp) {
    let token = app.admin_token().await;
    let rid = id_of(&create_reseller(app, &token, "Northwind").await);
    let cid = id_of(&create_company(app, &token, &rid, "Acme").await);
    for flag in ["api-access", "API_ACCESS", ""] {
        let body = set_company_feature_raw(app, &token, &cid, flag, true).await;
        assert_validation(&body, "flag");
        assert_eq!(
            error_message(&body),
            format!("unknown feature flag '{flag}'; known flags: api_access")
        );
        let body = set_reseller_feature_raw(app, &token, &rid, flag, true).await;
        assert_validation(&body, "flag");
        assert_eq!(
            error_message(&body),
            format!("unknown feature flag '{flag}'; known flags: api_access")
        );
    }
    let c = get_company(app, &token, &cid).await;
    assert_eq!(c["features"].as_array().map(Vec::len), Some(1));
    assert_eq!(feature(&c, "api_access")["enabled"], false);
    // Unknown targets.
    let ghost = uuid::Uuid::now_v7().to_string();
    let body = set_company_feature_raw(app, &token, &ghost, "api_access", true).await;
    assert_error(&body, "NOT_FOUND", "company not found");
    let body = set_reseller_feature_raw(app, &token, &ghost, "api_access", true).await;
    assert_error(&body, "NOT_FOUND", "reseller not found");
}
db_test!(unknown_feature_flag_is_rejected);

// ---------------------------------------------------------------------------------------------
// Scope and guards
// ---------------------------------------------------------------------------------------------

/// Two resellers, companies under both, and a user of each kind.
struct Tenants {
    admin: String,
    north: String,
    south: String,
    /// Under `north`.
    acme: String,
    bolt: String,
    /// Under `south`.
    crane: String,
    reseller_admin: String,
    /// Of `acme`.
    company_admin: String,
    company_member: String,
}

async fn tenants(app: &TestApp) -> Tenants {
    let admin = app.admin_token().await;
    let north = id_of(&create_reseller(app, &admin, "North").await);
    let south = id_of(&create_reseller(app, &admin, "South").await);
    let acme = id_of(&create_company(app, &admin, &north, "Acme").await);
    let bolt = id_of(&create_company(app, &admin, &north, "Bolt").await);
    let crane = id_of(&create_company(app, &admin, &south, "Crane").await);

    let data = app
        .gql_ok(Some(&admin), "{ roles { name } }", json!({}))
        .await;
    let all: Vec<&str> = data["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .map(|r| r["name"].as_str().expect("name"))
        .collect();
    for name in [
        "Super admin",
        "Reseller admin",
        "Company admin",
        "Company member",
    ] {
        assert!(all.contains(&name), "{name} missing from {all:?}");
    }
    let company_roles = app
        .gql_ok(
            Some(&admin),
            "query($c: ID) { roles(companyId: $c) { name builtIn } }",
            json!({ "c": acme }),
        )
        .await;
    let mut company_role_names: Vec<&str> = company_roles["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .map(|r| r["name"].as_str().expect("name"))
        .collect();
    company_role_names.sort_unstable();
    assert_eq!(company_role_names, ["Company admin", "Company member"]);

    let ra_role = role_id(app, &admin, None, "Reseller admin").await;
    let ca_role = role_id(app, &admin, Some(&acme), "Company admin").await;
    let cm_role = role_id(app, &admin, Some(&acme), "Company member").await;
    let reseller_admin = user_session(
        app,
        &admin,
        "ra@north.example",
        &ra_role,
        None,
        Some(&north),
    )
    .await;
    let company_admin =
        user_session(app, &admin, "ca@acme.example", &ca_role, Some(&acme), None).await;
    let company_member =
        user_session(app, &admin, "cm@acme.example", &cm_role, Some(&acme), None).await;
    Tenants {
        admin,
        north,
        south,
        acme,
        bolt,
        crane,
        reseller_admin,
        company_admin,
        company_member,
    }
}

async fn reseller_admin_is_confined_to_own_reseller(app: &TestApp) {
    let t = tenants(app).await;
    let ra = t.reseller_admin.as_str();

    let me = app
        .gql_ok(
            Some(ra),
            "{ me { role { name } reseller { id } company { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(me["me"]["role"]["name"], "Reseller admin");
    assert_eq!(me["me"]["reseller"]["id"], t.north.as_str());
    assert!(me["me"]["company"].is_null());

    // Lists: own reseller's companies only.
    let list = companies(app, ra, json!({})).await;
    assert_eq!(list["totalCount"], 2);
    assert_eq!(names(&list), ["Acme", "Bolt"]);
    let filtered = companies(app, ra, json!({ "resellerId": t.south })).await;
    assert_eq!(filtered["totalCount"], 0);
    assert_eq!(filtered["nodes"], json!([]));
    let searched = companies(app, ra, json!({ "search": "crane" })).await;
    assert_eq!(searched["totalCount"], 0);
    // The super admin sees all three.
    assert_eq!(companies(app, &t.admin, json!({})).await["totalCount"], 3);

    assert_eq!(get_company(app, ra, &t.acme).await["name"], "Acme");
    assert!(get_company(app, ra, &t.crane).await.is_null());

    let rs = resellers(app, ra, json!({})).await;
    assert_eq!(rs["totalCount"], 1);
    assert_eq!(names(&rs), ["North"]);
    assert_eq!(get_reseller(app, ra, &t.north).await["name"], "North");
    assert!(get_reseller(app, ra, &t.south).await.is_null());

    // Another reseller's company: as if it did not exist.
    let body = update_company_raw(app, ra, &t.crane, json!({ "name": "Mine" })).await;
    assert_error(&body, "NOT_FOUND", "company not found");
    let body = set_company_feature_raw(app, ra, &t.crane, "api_access", true).await;
    assert_error(&body, "NOT_FOUND", "company not found");
    let body = create_company_raw(app, ra, &t.south, "Intruder").await;
    assert_validation(&body, "resellerId");
    let crane = get_company(app, &t.admin, &t.crane).await;
    assert_eq!(crane["name"], "Crane");
    assert_eq!(feature(&crane, "api_access")["enabled"], false);

    // Resellers: read only.
    let body = create_reseller_raw(app, ra, json!({ "name": "Rogue" })).await;
    assert_error(&body, "FORBIDDEN", "missing permission resellers.create");
    assert_eq!(reseller_count(app, &t.admin).await, 2);
    let body = update_reseller_raw(app, ra, &t.north, json!({ "apiRateLimit": 1200 })).await;
    assert_error(&body, "FORBIDDEN", "missing permission resellers.edit");
    let body = update_reseller_raw(app, ra, &t.south, json!({ "apiRateLimit": 1200 })).await;
    assert_error(&body, "NOT_FOUND", "reseller not found");
    let body = set_reseller_feature_raw(app, ra, &t.north, "api_access", true).await;
    assert_error(&body, "FORBIDDEN", "missing permission resellers.edit");
    let north = get_reseller(app, &t.admin, &t.north).await;
    assert_eq!(north["apiRateLimit"], 60);
    assert_eq!(feature(&north, "api_access")["enabled"], false);

    // Own companies: editable.
    let c = update_company(
        app,
        ra,
        &t.acme,
        json!({ "apiAccessType": "READ_ONLY", "apiRateLimit": 30, "apiRequestDelaySeconds": 2 }),
    )
    .await;
    assert_eq!(c["apiAccessType"], "READ_ONLY");
    assert_eq!(c["apiRateLimit"], 30);
    assert_eq!(c["apiRequestDelaySeconds"], 2);
    assert_eq!(feature(&c, "api_access")["enabled"], true);
    let body = set_company_feature_raw(app, ra, &t.bolt, "api_access", true).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(
        feature(&body["data"]["setCompanyFeature"], "api_access")["enabled"],
        true
    );
    let made = create_company(app, ra, &t.north, "Dune").await;
    assert_eq!(made["reseller"]["id"], t.north.as_str());
    assert_eq!(companies(app, ra, json!({})).await["totalCount"], 3);
}
db_test!(reseller_admin_is_confined_to_own_reseller);

async fn company_users_see_only_own_company_and_cannot_edit(app: &TestApp) {
    let t = tenants(app).await;
    for (token, role) in [
        (t.company_admin.as_str(), "Company admin"),
        (t.company_member.as_str(), "Company member"),
    ] {
        let me = app
            .gql_ok(
                Some(token),
                "{ me { role { name } company { id name } reseller { id } } }",
                json!({}),
            )
            .await;
        assert_eq!(me["me"]["role"]["name"], role);
        assert_eq!(me["me"]["company"]["id"], t.acme.as_str());
        assert_eq!(me["me"]["company"]["name"], "Acme");
        assert!(me["me"]["reseller"].is_null());

        let body = companies_raw(app, token, json!({})).await;
        assert_error(&body, "FORBIDDEN", "missing permission companies.read");
        let body = resellers_raw(app, token, json!({})).await;
        assert_error(&body, "FORBIDDEN", "missing permission resellers.read");

        let own = get_company(app, token, &t.acme).await;
        assert_eq!(own["id"], t.acme.as_str(), "{role}");
        assert_eq!(own["apiAccessType"], "NONE");
        // Other companies, in the same reseller or not, are invisible.
        for other in [&t.bolt, &t.crane] {
            let body = app
                .gql(
                    Some(token),
                    "query($id: ID!) { company(id: $id) { id name } }",
                    json!({ "id": other }),
                )
                .await;
            assert!(body.get("errors").is_none(), "{role}: {body:#}");
            assert!(body["data"]["company"].is_null(), "{role}: {body:#}");
        }

        let body = update_company_raw(app, token, &t.acme, json!({ "apiRateLimit": 10 })).await;
        assert_error(&body, "FORBIDDEN", "missing permission companies.edit");
        let body = update_company_raw(
            app,
            token,
            &t.acme,
            json!({ "apiAccessType": "READ_WRITE" }),
        )
        .await;
        assert_error(&body, "FORBIDDEN", "missing permission companies.edit");
        let body = set_company_feature_raw(app, token, &t.acme, "api_access", true).await;
        assert_error(&body, "FORBIDDEN", "missing permission companies.edit");
        // Another company, or one that does not exist: the same answer, so nothing leaks.
        let ghost = uuid::Uuid::now_v7().to_string();
        for other in [&t.bolt, &t.crane, &ghost] {
            let body = update_company_raw(app, token, other, json!({ "name": "Mine" })).await;
            assert_error(&body, "FORBIDDEN", "missing permission companies.read");
            let body = set_company_feature_raw(app, token, other, "api_access", true).await;
            assert_error(&body, "FORBIDDEN", "missing permission companies.read");
        }
        assert!(get_company(app, token, &ghost).await.is_null(), "{role}");
        // Permission is checked before the input: no validation hints without the right.
        let body = update_company_raw(app, token, &t.acme, json!({ "apiRateLimit": 0 })).await;
        assert_error(&body, "FORBIDDEN", "missing permission companies.edit");
        let body = create_company_raw(app, token, &t.north, "Sneaky").await;
        assert_error(&body, "FORBIDDEN", "missing permission companies.create");
        let body = create_reseller_raw(app, token, json!({ "name": "Sneaky" })).await;
        assert_error(&body, "FORBIDDEN", "missing permission resellers.create");
        let body = set_reseller_feature_raw(app, token, &t.north, "api_access", true).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{role}: {body:#}");
    }
    // Nothing changed.
    let acme = get_company(app, &t.admin, &t.acme).await;
    assert_eq!(acme["name"], "Acme");
    assert_eq!(acme["apiRateLimit"], 60);
    assert_eq!(acme["apiAccessType"], "NONE");
    assert_eq!(feature(&acme, "api_access")["enabled"], false);
    assert_eq!(companies(app, &t.admin, json!({})).await["totalCount"], 3);
    assert_eq!(reseller_count(app, &t.admin).await, 2);
}
db_test!(company_users_see_only_own_company_and_cannot_edit);

async fn anonymous_callers_are_unauthenticated(app: &TestApp) {
    let admin = app.admin_token().await;
    let rid = id_of(&create_reseller(app, &admin, "North").await);
    let cid = id_of(&create_company(app, &admin, &rid, "Acme").await);
    let vars = json!({ "r": rid, "c": cid });
    let operations = [
        "query { resellers { totalCount } }",
        "query($r: ID!) { reseller(id: $r) { id } }",
        "query { companies { totalCount } }",
        "query($c: ID!) { company(id: $c) { id } }",
        "query($r: ID!) { companies(resellerId: $r, first: 1) { totalCount } }",
        "mutation { createReseller(input: { name: \"Anon\" }) { id } }",
        "mutation($r: ID!) { updateReseller(id: $r, input: { apiRateLimit: 5 }) { id } }",
        "mutation($r: ID!) { createCompany(input: { resellerId: $r, name: \"Anon\" }) { id } }",
        "mutation($c: ID!) { updateCompany(id: $c, input: { apiAccessType: READ_WRITE }) { id } }",
        "mutation($r: ID!) { setResellerFeature(resellerId: $r, flag: \"api_access\", enabled: true) { id } }",
        "mutation($c: ID!) { setCompanyFeature(companyId: $c, flag: \"api_access\", enabled: true) { id } }",
    ];
    for op in operations {
        for token in [None, Some("not-a-token"), Some("pat_bogus_token")] {
            let body = app.gql(token, op, vars.clone()).await;
            assert_eq!(error_code(&body), "UNAUTHENTICATED", "{op}: {body:#}");
            assert!(body["data"].is_null(), "{op}: {body:#}");
        }
    }
    // Nothing was written.
    assert_eq!(reseller_count(app, &admin).await, 1);
    let c = get_company(app, &admin, &cid).await;
    assert_eq!(c["apiAccessType"], "NONE");
    assert_eq!(feature(&c, "api_access")["enabled"], false);
    assert_eq!(companies(app, &admin, json!({})).await["totalCount"], 1);
    let r = get_reseller(app, &admin, &rid).await;
    assert_eq!(r["apiRateLimit"], 60);
    assert_eq!(feature(&r, "api_access")["enabled"], false);
}
db_test!(anonymous_callers_are_unauthenticated);

// ---------------------------------------------------------------------------------------------
// Pagination, search, filters
// ---------------------------------------------------------------------------------------------

async fn companies_page_through_by_name(app: &TestApp) {
    let token = app.admin_token().await;
    let rid = id_of(&create_reseller(app, &token, "North").await);
    // Created out of order; listed by name.
    for name in [
        "Golf", "Charlie", "Alpha", "Foxtrot", "Bravo", "Echo", "Delta",
    ] {
        create_company(app, &token, &rid, name).await;
    }
    let expected = [
        "Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf",
    ];

    let all = companies(app, &token, json!({})).await;
    assert_eq!(all["totalCount"], 7);
    assert_eq!(names(&all), expected);
    assert_eq!(all["pageInfo"]["hasNextPage"], false);

    let mut seen: Vec<String> = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let page = companies(app, &token, json!({ "first": 3, "after": after })).await;
        assert_eq!(page["totalCount"], 7, "totalCount counts every page");
        let edges = page["edges"].as_array().expect("edges");
        let nodes = page["nodes"].as_array().expect("nodes");
        assert_eq!(edges.len(), nodes.len());
        for (e, n) in edges.iter().zip(nodes) {
            assert_eq!(e["node"]["id"], n["id"]);
        }
        assert_eq!(
            page["pageInfo"]["endCursor"],
            edges.last().expect("non-empty page")["cursor"]
        );
        assert_eq!(page["pageInfo"]["startCursor"], edges[0]["cursor"]);
        assert_eq!(page["pageInfo"]["hasPreviousPage"], after.is_some());
        seen.extend(names(&page));
        ids.extend(nodes.iter().map(id_of));
        pages.push(nodes.len());
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        assert!(pages.len() < 5, "too many pages: {pages:?}");
        after = Some(
            page["pageInfo"]["endCursor"]
                .as_str()
                .expect("endCursor")
                .to_string(),
        );
    }
    assert_eq!(pages, [3, 3, 1]);
    assert_eq!(seen, expected, "no duplicates or gaps, in order");
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 7);

    // A page ending exactly at the last item says there is nothing after it.
    let head = companies(app, &token, json!({ "first": 6 })).await;
    let rest = companies(
        app,
        &token,
        json!({ "first": 1, "after": head["pageInfo"]["endCursor"] }),
    )
    .await;
    assert_eq!(names(&rest), ["Golf"]);
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);
    let past = companies(
        app,
        &token,
        json!({ "first": 3, "after": rest["pageInfo"]["endCursor"] }),
    )
    .await;
    assert_eq!(past["nodes"], json!([]));
    assert_eq!(past["pageInfo"]["hasNextPage"], false);
    assert_eq!(past["totalCount"], 7);

    // Exact page size: hasNextPage is false when nothing follows.
    let seven = companies(app, &token, json!({ "first": 7 })).await;
    assert_eq!(names(&seven), expected);
    assert_eq!(seven["pageInfo"]["hasNextPage"], false);
}
db_test!(companies_page_through_by_name);

async fn pagination_breaks_name_ties_by_id(app: &TestApp) {
    let token = app.admin_token().await;
    let mut created = Vec::new();
    for i in 0..5 {
        let rid = id_of(&create_reseller(app, &token, &format!("Reseller {i}")).await);
        created.push(id_of(&create_company(app, &token, &rid, "Same").await));
    }
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..5 {
        let page = companies(app, &token, json!({ "first": 2, "after": after })).await;
        ids.extend(page["nodes"].as_array().expect("nodes").iter().map(id_of));
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ids.len(), 5, "{ids:?}");
    assert_eq!(unique.len(), 5, "{ids:?}");
    created.sort();
    assert_eq!(unique, created);
}
db_test!(pagination_breaks_name_ties_by_id);

async fn page_size_and_cursor_are_validated(app: &TestApp) {
    let token = app.admin_token().await;
    let rid = id_of(&create_reseller(app, &token, "North").await);
    create_company(app, &token, &rid, "Acme").await;

    for bad in [0, -1, 201] {
        let body = companies_raw(app, &token, json!({ "first": bad })).await;
        assert_validation(&body, "first");
        assert_eq!(
            error_message(&body),
            format!("first {bad} is out of range: it must be between 1 and 200")
        );
        let body = resellers_raw(app, &token, json!({ "first": bad })).await;
        assert_validation(&body, "first");
    }
    let max = companies(app, &token, json!({ "first": 200 })).await;
    assert_eq!(max["totalCount"], 1);
    let one = companies(app, &token, json!({ "first": 1 })).await;
    assert_eq!(names(&one), ["Acme"]);
    assert_eq!(
        resellers(app, &token, json!({ "first": 200 })).await["totalCount"],
        1
    );

    for garbage in ["garbage", "!!!", "e30", "eyJuIjoxfQ", ""] {
        let body = companies_raw(app, &token, json!({ "after": garbage })).await;
        assert_validation(&body, "after");
        assert_eq!(error_message(&body), "after is not a valid cursor");
        let body = resellers_raw(app, &token, json!({ "after": garbage })).await;
        assert_validation(&body, "after");
    }
    let long = companies_raw(app, &token, json!({ "after": "A".repeat(5000) })).await;
    assert_validation(&long, "after");

    let long_search = companies_raw(app, &token, json!({ "search": "x".repeat(201) })).await;
    assert_validation(&long_search, "search");
}
db_test!(page_size_and_cursor_are_validated);

async fn search_is_case_insensitive_and_literal(app: &TestApp) {
    let token = app.admin_token().await;
    let rid = id_of(&create_reseller(app, &token, "North").await);
    for name in [
        "Acme Widgets",
        "ACME Tools",
        "Beta 50% Off",
        "Beta 500 Club",
        "snake_case Co",
        "snakeXcase Co",
        "Back\\slash",
    ] {
        create_company(app, &token, &rid, name).await;
    }
    let cases: &[(&str, &[&str])] = &[
        ("acme", &["ACME Tools", "Acme Widgets"]),
        ("AcMe", &["ACME Tools", "Acme Widgets"]),
        ("  widgets  ", &["Acme Widgets"]),
        ("50%", &["Beta 50% Off"]),
        ("%", &["Beta 50% Off"]),
        ("500", &["Beta 500 Club"]),
        ("_", &["snake_case Co"]),
        ("e_c", &["snake_case Co"]),
        ("\\", &["Back\\slash"]),
        ("k\\s", &["Back\\slash"]),
        ("nothing like it", &[]),
    ];
    for (search, expected) in cases {
        let page = companies(app, &token, json!({ "search": search })).await;
        assert_eq!(names(&page), *expected, "search {search:?}");
        assert_eq!(
            page["totalCount"],
            expected.len(),
            "totalCount for {search:?}"
        );
    }
    // Empty and blank searches do not filter.
    for blank in ["", "   "] {
        let page = companies(app, &token, json!({ "search": blank })).await;
        assert_eq!(page["totalCount"], 7, "search {blank:?}");
    }
    // Search and paging together.
    let first = companies(app, &token, json!({ "search": "co", "first": 1 })).await;
    assert_eq!(first["totalCount"], 2);
    assert_eq!(names(&first), ["snakeXcase Co"]);
    let second = companies(
        app,
        &token,
        json!({ "search": "co", "first": 1, "after": first["pageInfo"]["endCursor"] }),
    )
    .await;
    assert_eq!(names(&second), ["snake_case Co"]);
    assert_eq!(second["pageInfo"]["hasNextPage"], false);

    // Resellers search the same way.
    create_reseller(app, &token, "100% Reseller").await;
    create_reseller(app, &token, "1000 Reseller").await;
    let rs = resellers(app, &token, json!({ "search": "0%" })).await;
    assert_eq!(names(&rs), ["100% Reseller"]);
    let rs = resellers(app, &token, json!({ "search": "NORTH" })).await;
    assert_eq!(names(&rs), ["North"]);
    assert_eq!(rs["totalCount"], 1);
}
db_test!(search_is_case_insensitive_and_literal);

async fn companies_filter_by_reseller(app: &TestApp) {
    let token = app.admin_token().await;
    let north = id_of(&create_reseller(app, &token, "North").await);
    let south = id_of(&create_reseller(app, &token, "South").await);
    for name in ["Acme", "Bolt", "Crane"] {
        create_company(app, &token, &north, name).await;
    }
    for name in ["Anchor", "Birch"] {
        create_company(app, &token, &south, name).await;
    }
    let n = companies(app, &token, json!({ "resellerId": north })).await;
    assert_eq!(n["totalCount"], 3);
    assert_eq!(names(&n), ["Acme", "Bolt", "Crane"]);
    for node in n["nodes"].as_array().expect("nodes") {
        assert_eq!(node["reseller"]["id"], north.as_str());
    }
    let s = companies(app, &token, json!({ "resellerId": south })).await;
    assert_eq!(s["totalCount"], 2);
    assert_eq!(names(&s), ["Anchor", "Birch"]);
    let both = companies(app, &token, json!({ "resellerId": south, "search": "b" })).await;
    assert_eq!(names(&both), ["Birch"]);
    assert_eq!(both["totalCount"], 1);
    let paged = companies(app, &token, json!({ "resellerId": north, "first": 2 })).await;
    assert_eq!(names(&paged), ["Acme", "Bolt"]);
    assert_eq!(paged["pageInfo"]["hasNextPage"], true);
    let rest = companies(
        app,
        &token,
        json!({ "resellerId": north, "first": 2, "after": paged["pageInfo"]["endCursor"] }),
    )
    .await;
    assert_eq!(names(&rest), ["Crane"]);
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);
    let none = companies(
        app,
        &token,
        json!({ "resellerId": uuid::Uuid::now_v7().to_string() }),
    )
    .await;
    assert_eq!(none["totalCount"], 0);
    let all = companies(app, &token, json!({})).await;
    assert_eq!(names(&all), ["Acme", "Anchor", "Birch", "Bolt", "Crane"]);
    let bad = companies_raw(app, &token, json!({ "resellerId": "north" })).await;
    assert_validation(&bad, "resellerId");
}
db_test!(companies_filter_by_reseller);

// ---------------------------------------------------------------------------------------------
// Query limits and ids
// ---------------------------------------------------------------------------------------------

async fn deep_queries_are_rejected(app: &TestApp) {
    let token = app.admin_token().await;
    // __schema > types > fields > type > ofType × 15 > name: deeper than 16.
    let deep = format!(
        "{{ __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }} }}",
        "ofType { ".repeat(15),
        "} ".repeat(15)
    );
    let body = app.gql(Some(&token), &deep, json!({})).await;
    assert!(body["errors"].is_array(), "{body:#}");
    assert!(
        body["data"].is_null(),
        "no data for a rejected query: {body:#}"
    );
    assert!(error_message(&body).contains("nested too deep"), "{body:#}");
    // The limit is 16 levels: __schema > types > fields > type > ofType × k > name is 5 + k.
    let at_depth = |depth: usize| {
        let k = depth - 5;
        format!(
            "{{ __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }} }}",
            "ofType { ".repeat(k),
            "} ".repeat(k)
        )
    };
    let sixteen = app.gql(Some(&token), &at_depth(16), json!({})).await;
    assert!(sixteen.get("errors").is_none(), "depth 16: {sixteen:#}");
    let seventeen = app.gql(Some(&token), &at_depth(17), json!({})).await;
    assert!(seventeen["data"].is_null(), "depth 17: {seventeen:#}");
    assert!(
        error_message(&seventeen).contains("nested too deep"),
        "{seventeen:#}"
    );
    // Also for anonymous callers, before anything else runs.
    let body = app.gql(None, &deep, json!({})).await;
    assert!(body["data"].is_null(), "{body:#}");

    // A real query of moderate depth is fine.
    let rid = id_of(&create_reseller(app, &token, "North").await);
    create_company(app, &token, &rid, "Acme").await;
    let ok = app
        .gql_ok(
            Some(&token),
            "{ companies { edges { node { reseller { features { flag effective } } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        ok["companies"]["edges"][0]["node"]["reseller"]["features"][0]["flag"],
        "api_access"
    );
}
db_test!(deep_queries_are_rejected);

/// The query GraphiQL (and most GraphQL tools) send on start.
const FULL_INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description
    args { ...InputValue }
    type { ...TypeRef }
    isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name description type { ...TypeRef } defaultValue
}
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}
"#;

async fn introspection_still_works(app: &TestApp) {
    let token = app.admin_token().await;
    let short = "{ __schema { types { name fields { name type { name ofType { name ofType { name ofType { name } } } } } } } }";
    for token in [Some(token.as_str()), None] {
        let data = app.gql_ok(token, short, json!({})).await;
        let types = data["__schema"]["types"].as_array().expect("types");
        let company = types
            .iter()
            .find(|t| t["name"] == "Company")
            .expect("Company type");
        let fields: Vec<&str> = company["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| f["name"].as_str().expect("name"))
            .collect();
        for f in [
            "id",
            "name",
            "reseller",
            "apiAccessType",
            "apiRateLimit",
            "effectiveApiRateLimit",
            "apiRequestDelaySeconds",
            "features",
        ] {
            assert!(fields.contains(&f), "Company.{f} missing: {fields:?}");
        }
    }
    let full = app
        .gql_ok(Some(&token), FULL_INTROSPECTION, json!({}))
        .await;
    assert_eq!(full["__schema"]["queryType"]["name"], "Query");
    assert_eq!(full["__schema"]["mutationType"]["name"], "Mutation");
    let types = full["__schema"]["types"].as_array().expect("types");
    assert!(types.iter().any(|t| t["name"] == "ApiAccessType"));
}
db_test!(introspection_still_works);

async fn invalid_ids_are_validation_errors(app: &TestApp) {
    let token = app.admin_token().await;
    let rid = id_of(&create_reseller(app, &token, "North").await);
    let cid = id_of(&create_company(app, &token, &rid, "Acme").await);

    let body = app
        .gql(
            Some(&token),
            "{ company(id: \"not-a-uuid\") { id } }",
            json!({}),
        )
        .await;
    assert_validation(&body, "id");
    assert_eq!(error_message(&body), "id 'not-a-uuid' is not a valid id");
    let body = app
        .gql(Some(&token), "{ reseller(id: \"42\") { id } }", json!({}))
        .await;
    assert_validation(&body, "id");

    let body = update_company_raw(app, &token, "not-a-uuid", json!({ "name": "X" })).await;
    assert_validation(&body, "id");
    let body = update_reseller_raw(app, &token, "not-a-uuid", json!({ "name": "X" })).await;
    assert_validation(&body, "id");
    let body = create_company_raw(app, &token, "not-a-uuid", "X").await;
    assert_validation(&body, "resellerId");
    let body = set_company_feature_raw(app, &token, "not-a-uuid", "api_access", true).await;
    assert_validation(&body, "companyId");
    let body = set_reseller_feature_raw(app, &token, "not-a-uuid", "api_access", true).await;
    assert_validation(&body, "resellerId");

    // Well-formed but unknown ids: null for reads.
    let ghost = uuid::Uuid::now_v7().to_string();
    assert!(get_company(app, &token, &ghost).await.is_null());
    assert!(get_reseller(app, &token, &ghost).await.is_null());
    let body = update_company_raw(app, &token, &ghost, json!({ "name": "X" })).await;
    assert_error(&body, "NOT_FOUND", "company not found");
    // The real one is untouched.
    assert_eq!(get_company(app, &token, &cid).await["name"], "Acme");
}
db_test!(invalid_ids_are_validation_errors);

async fn search_folds_non_ascii_names(app: &TestApp) {
    let token = app.admin_token().await;
    let rid = id_of(&create_reseller(app, &token, "North").await);
    for name in ["ÖKO Bau", "Ärztehaus Nord", "München GmbH", "Zürich AG"] {
        create_company(app, &token, &rid, name).await;
    }
    // On every backend: the name as written, and any case of ASCII letters and of non-ASCII
    // letters that are lower case in the name.
    let cases: &[(&str, &[&str])] = &[
        ("ÖKO", &["ÖKO Bau"]),
        ("ÖKO bau", &["ÖKO Bau"]),
        ("Ärzte", &["Ärztehaus Nord"]),
        ("Ärztehaus NORD", &["Ärztehaus Nord"]),
        ("münchen", &["München GmbH"]),
        ("MÜNCHEN", &["München GmbH"]),
        ("ZÜRICH", &["Zürich AG"]),
        ("ü", &["München GmbH", "Zürich AG"]),
    ];
    for (search, expected) in cases {
        let page = companies(app, &token, json!({ "search": search })).await;
        assert_eq!(names(&page), *expected, "search {search:?}");
        assert_eq!(page["totalCount"], expected.len(), "search {search:?}");
    }
    // Fully case-insensitive where the database folds Unicode (SQLite's lower() is ASCII-only).
    if app.backend == Backend::Postgres {
        let page = companies(app, &token, json!({ "search": "öko" })).await;
        assert_eq!(names(&page), ["ÖKO Bau"]);
        let page = companies(app, &token, json!({ "search": "ärztehaus" })).await;
        assert_eq!(names(&page), ["Ärztehaus Nord"]);
    }
}
db_test!(search_folds_non_ascii_names);
