//! Users, roles, visibility groups: creation rules, scope, escalation, deactivation.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::helpers::*;

/// A password long enough for the rules (at least 12 characters).
const PW: &str = "a-long-enough-password";

const USER_FIELDS: &str = "id email name active role { id name } company { id } \
                           reseller { id } visibilityGroups { id name }";

const ROLE_FIELDS: &str = "id name builtIn kind companyId permissions";

const GROUP_FIELDS: &str = "id companyId name departments";

// ---------------------------------------------------------------------------------------------
// Local helpers
// ---------------------------------------------------------------------------------------------

/// The first error's `extensions.field`, or panics.
fn err_field(body: &Value) -> String {
    body["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error with a field: {body:#}"))
        .to_string()
}

/// Asserts the first error's code and, when given, its field.
fn assert_err(body: &Value, code: &str, field: Option<&str>) {
    assert_eq!(error_code(body), code, "{body:#}");
    if let Some(f) = field {
        assert_eq!(err_field(body), f, "{body:#}");
    }
    assert!(body["data"].is_null(), "no data on error: {body:#}");
}

fn id_of(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an id: {v:#}"))
        .to_string()
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("expected a list: {list:#}"))
        .iter()
        .map(|v| v["name"].as_str().expect("name").to_string())
        .collect()
}

fn strings(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("expected a list: {list:#}"))
        .iter()
        .map(|v| v.as_str().expect("string").to_string())
        .collect()
}

async fn create_reseller(app: &TestApp, token: &str, name: &str) -> String {
    let d = app
        .gql_ok(
            Some(token),
            "mutation($n: String!) { createReseller(input: { name: $n }) { id } }",
            json!({ "n": name }),
        )
        .await;
    id_of(&d["createReseller"])
}

async fn create_company(app: &TestApp, token: &str, reseller_id: &str, name: &str) -> String {
    let d = app
        .gql_ok(
            Some(token),
            "mutation($r: ID!, $n: String!) { createCompany(input: { resellerId: $r, name: $n }) { id } }",
            json!({ "r": reseller_id, "n": name }),
        )
        .await;
    id_of(&d["createCompany"])
}

async fn roles_raw(app: &TestApp, token: &str, company_id: Option<&str>) -> Value {
    app.gql(
        Some(token),
        &format!("query($c: ID) {{ roles(companyId: $c) {{ {ROLE_FIELDS} }} }}"),
        json!({ "c": company_id }),
    )
    .await
}

async fn roles(app: &TestApp, token: &str, company_id: Option<&str>) -> Vec<Value> {
    let body = roles_raw(app, token, company_id).await;
    assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
    body["data"]["roles"].as_array().expect("roles").clone()
}

async fn create_user_raw(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($input: CreateUserInput!) {{ createUser(input: $input) {{ {USER_FIELDS} }} }}"
        ),
        json!({ "input": input }),
    )
    .await
}

async fn create_user(app: &TestApp, token: &str, input: Value) -> Value {
    let body = create_user_raw(app, token, input).await;
    assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
    body["data"]["createUser"].clone()
}

async fn update_user_raw(app: &TestApp, token: &str, id: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($id: ID!, $input: UpdateUserInput!) {{ updateUser(id: $id, input: $input) {{ {USER_FIELDS} }} }}"
        ),
        json!({ "id": id, "input": input }),
    )
    .await
}

async fn update_user(app: &TestApp, token: &str, id: &str, input: Value) -> Value {
    let body = update_user_raw(app, token, id, input).await;
    assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
    body["data"]["updateUser"].clone()
}

async fn user_raw(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql_ok(
        Some(token),
        &format!("query($id: ID!) {{ user(id: $id) {{ {USER_FIELDS} }} }}"),
        json!({ "id": id }),
    )
    .await["user"]
        .clone()
}

async fn create_role_raw(
    app: &TestApp,
    token: &str,
    company_id: &str,
    name: &str,
    permissions: &[&str],
) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($input: CreateRoleInput!) {{ createRole(input: $input) {{ {ROLE_FIELDS} }} }}"
        ),
        json!({ "input": { "companyId": company_id, "name": name, "permissions": permissions } }),
    )
    .await
}

async fn create_role(
    app: &TestApp,
    token: &str,
    company_id: &str,
    name: &str,
    permissions: &[&str],
) -> Value {
    let body = create_role_raw(app, token, company_id, name, permissions).await;
    assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
    body["data"]["createRole"].clone()
}

async fn update_role_raw(app: &TestApp, token: &str, id: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($id: ID!, $input: UpdateRoleInput!) {{ updateRole(id: $id, input: $input) {{ {ROLE_FIELDS} }} }}"
        ),
        json!({ "id": id, "input": input }),
    )
    .await
}

async fn delete_role_raw(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql(
        Some(token),
        "mutation($id: ID!) { deleteRole(id: $id) }",
        json!({ "id": id }),
    )
    .await
}

async fn create_group_raw(
    app: &TestApp,
    token: &str,
    company_id: &str,
    name: &str,
    departments: &[&str],
) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($input: CreateVisibilityGroupInput!) {{ createVisibilityGroup(input: $input) {{ {GROUP_FIELDS} }} }}"
        ),
        json!({ "input": { "companyId": company_id, "name": name, "departments": departments } }),
    )
    .await
}

async fn create_group(
    app: &TestApp,
    token: &str,
    company_id: &str,
    name: &str,
    departments: &[&str],
) -> Value {
    let body = create_group_raw(app, token, company_id, name, departments).await;
    assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
    body["data"]["createVisibilityGroup"].clone()
}

async fn me_permissions(app: &TestApp, token: &str) -> Vec<String> {
    let d = app
        .gql_ok(Some(token), "{ me { permissions } }", json!({}))
        .await;
    strings(&d["me"]["permissions"])
}

/// `users { totalCount }` as seen by `token`, optionally filtered.
async fn users_total(app: &TestApp, token: &str, search: Option<&str>) -> i64 {
    let d = app
        .gql_ok(
            Some(token),
            "query($s: String) { users(search: $s) { totalCount } }",
            json!({ "s": search }),
        )
        .await;
    d["users"]["totalCount"].as_i64().expect("totalCount")
}

async fn login_raw(app: &TestApp, email: &str, password: &str) -> Value {
    app.gql(
        None,
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
        json!({ "e": email, "p": password }),
    )
    .await
}

/// Two resellers with one company each, and the built-in roles' ids, seen by the super admin.
struct World {
    admin: String,
    /// Built-in role ids by name.
    role: HashMap<String, String>,
    r1: String,
    r2: String,
    /// Company of `r1`.
    c1: String,
    /// Company of `r2`.
    c2: String,
}

impl World {
    fn role(&self, name: &str) -> &str {
        self.role
            .get(name)
            .unwrap_or_else(|| panic!("no built-in role {name}"))
    }
}

async fn world(app: &TestApp) -> World {
    let admin = app.admin_token().await;
    let role = roles(app, &admin, None)
        .await
        .iter()
        .map(|r| (r["name"].as_str().expect("name").to_string(), id_of(r)))
        .collect();
    let r1 = create_reseller(app, &admin, "Reseller One").await;
    let r2 = create_reseller(app, &admin, "Reseller Two").await;
    let c1 = create_company(app, &admin, &r1, "Company One").await;
    let c2 = create_company(app, &admin, &r2, "Company Two").await;
    World {
        admin,
        role,
        r1,
        r2,
        c1,
        c2,
    }
}

/// Creates a company user with a password (as the super admin) and signs them in.
async fn company_user(
    app: &TestApp,
    w: &World,
    company_id: &str,
    email: &str,
    role_id: &str,
) -> (String, String) {
    let u = create_user(
        app,
        &w.admin,
        json!({ "email": email, "name": email, "password": PW, "roleId": role_id,
                "companyId": company_id }),
    )
    .await;
    let token = app.login(email, PW).await;
    (id_of(&u), token)
}

// ---------------------------------------------------------------------------------------------
// Roles and the permission catalogue
// ---------------------------------------------------------------------------------------------

async fn built_in_roles_and_permission_catalogue(app: &TestApp) {
    let admin = app.admin_token().await;
    let list = roles(app, &admin, None).await;
    let by_name: HashMap<&str, &Value> = list
        .iter()
        .map(|r| (r["name"].as_str().expect("name"), r))
        .collect();
    let mut got: Vec<&str> = by_name.keys().copied().collect();
    got.sort();
    assert_eq!(
        got,
        [
            "Company admin",
            "Company member",
            "Reseller admin",
            "Super admin"
        ]
    );
    assert_eq!(list.len(), 4, "{list:#?}");
    for r in &list {
        assert_eq!(r["builtIn"], true, "{r:#}");
        assert!(r["companyId"].is_null(), "{r:#}");
        assert!(!strings(&r["permissions"]).is_empty(), "{r:#}");
    }
    assert_eq!(by_name["Super admin"]["kind"], "platform");
    assert_eq!(by_name["Reseller admin"]["kind"], "reseller");
    assert_eq!(by_name["Company admin"]["kind"], "company");
    assert_eq!(by_name["Company member"]["kind"], "company");

    let perms = |name: &str| strings(&by_name[name]["permissions"]);
    let sa = perms("Super admin");
    assert!(sa.iter().any(|p| p == "companies.edit"));
    assert!(sa.iter().any(|p| p == "api_logs.view"));
    let ca = perms("Company admin");
    assert!(ca.iter().any(|p| p == "employees.create"));
    assert!(ca.iter().any(|p| p == "api_keys.manage"));
    assert!(!ca.iter().any(|p| p == "companies.edit"), "{ca:?}");
    let cm = perms("Company member");
    assert!(cm.iter().any(|p| p == "employees.read"));
    assert!(!cm.iter().any(|p| p == "employees.create"), "{cm:?}");
    assert!(!cm.iter().any(|p| p == "users.create"), "{cm:?}");
    let ra = perms("Reseller admin");
    assert!(ra.iter().any(|p| p == "companies.edit"));
    assert!(!ra.iter().any(|p| p == "resellers.create"), "{ra:?}");

    let cat = app
        .gql_ok(
            Some(&admin),
            "{ permissions { key description scope } }",
            json!({}),
        )
        .await;
    let cat = cat["permissions"].as_array().expect("permissions").clone();
    let scope_of = |key: &str| {
        cat.iter()
            .find(|p| p["key"] == key)
            .unwrap_or_else(|| panic!("{key} missing from the catalogue"))["scope"]
            .as_str()
            .expect("scope")
            .to_string()
    };
    assert_eq!(scope_of("api_logs.view"), "company");
    assert_eq!(scope_of("companies.edit"), "hub");
    assert!(
        cat.iter()
            .all(|p| !p["description"].as_str().unwrap_or("").is_empty())
    );
    // The super admin holds the whole catalogue.
    assert_eq!(sa.len(), cat.len());

    let anon = app.gql(None, "{ permissions { key } }", json!({})).await;
    assert_eq!(error_code(&anon), "UNAUTHENTICATED");
}
db_test!(built_in_roles_and_permission_catalogue);

async fn company_roles_list_only_that_companys_custom_roles(app: &TestApp) {
    let w = world(app).await;
    let auditor = create_role(app, &w.admin, &w.c1, "Auditor", &["employees.read"]).await;
    create_role(app, &w.admin, &w.c2, "Clerk", &["employees.read"]).await;

    let of_c1 = roles(app, &w.admin, Some(&w.c1)).await;
    let mut got: Vec<String> = of_c1
        .iter()
        .map(|r| r["name"].as_str().expect("name").into())
        .collect();
    got.sort();
    assert_eq!(got, ["Auditor", "Company admin", "Company member"]);
    for r in &of_c1 {
        let custom = r["name"] == "Auditor";
        assert_eq!(r["builtIn"], !custom, "{r:#}");
        assert_eq!(r["kind"], "company", "{r:#}");
        if custom {
            assert_eq!(r["companyId"], w.c1.as_str());
            assert_eq!(r["id"], auditor["id"]);
            assert_eq!(strings(&r["permissions"]), ["employees.read"]);
        } else {
            assert!(r["companyId"].is_null());
        }
    }

    let of_c2 = names(&Value::from(roles(app, &w.admin, Some(&w.c2)).await));
    assert!(of_c2.contains(&"Clerk".to_string()));
    assert!(!of_c2.contains(&"Auditor".to_string()), "{of_c2:?}");

    // Without companyId the super admin sees the built-ins only, never custom roles.
    assert_eq!(roles(app, &w.admin, None).await.len(), 4);

    // A company admin sees its own company's roles by default and in full.
    let (_, a1) = company_user(app, &w, &w.c1, "boss@c1.io", w.role("Company admin")).await;
    let mut own = names(&Value::from(roles(app, &a1, None).await));
    own.sort();
    assert_eq!(own, ["Auditor", "Company admin", "Company member"]);
    let mut own = names(&Value::from(roles(app, &a1, Some(&w.c1)).await));
    own.sort();
    assert_eq!(own, ["Auditor", "Company admin", "Company member"]);
    // ... but not another company's.
    let other = roles_raw(app, &a1, Some(&w.c2)).await;
    assert_eq!(error_code(&other), "FORBIDDEN", "{other:#}");

    // A company member cannot list roles at all (no roles.read).
    let (_, m1) = company_user(app, &w, &w.c1, "member@c1.io", w.role("Company member")).await;
    let denied = roles_raw(app, &m1, None).await;
    assert_eq!(error_code(&denied), "FORBIDDEN");
    assert!(error_message(&denied).contains("roles.read"), "{denied:#}");
}
db_test!(company_roles_list_only_that_companys_custom_roles);

// ---------------------------------------------------------------------------------------------
// createUser
// ---------------------------------------------------------------------------------------------

async fn create_user_of_each_kind(app: &TestApp) {
    let w = world(app).await;

    let ops = create_user(
        app,
        &w.admin,
        json!({ "email": "ops@platform.io", "name": "Ops", "password": PW,
                "roleId": w.role("Super admin") }),
    )
    .await;
    assert_eq!(ops["email"], "ops@platform.io");
    assert_eq!(ops["name"], "Ops");
    assert_eq!(ops["active"], true);
    assert_eq!(ops["role"]["name"], "Super admin");
    assert!(ops["company"].is_null());
    assert!(ops["reseller"].is_null());

    let ra = create_user(
        app,
        &w.admin,
        json!({ "email": "ra@r1.io", "name": "Reseller Admin", "password": PW,
                "roleId": w.role("Reseller admin"), "resellerId": w.r1 }),
    )
    .await;
    assert_eq!(ra["role"]["name"], "Reseller admin");
    assert_eq!(ra["reseller"]["id"], w.r1.as_str());
    assert!(ra["company"].is_null());

    let ca = create_user(
        app,
        &w.admin,
        json!({ "email": "boss@c1.io", "name": "Boss", "password": PW,
                "roleId": w.role("Company admin"), "companyId": w.c1 }),
    )
    .await;
    assert_eq!(ca["role"]["name"], "Company admin");
    assert_eq!(ca["company"]["id"], w.c1.as_str());
    assert!(ca["reseller"].is_null());
    assert_eq!(ca["visibilityGroups"], json!([]));

    let me_q = "{ me { id email role { name } company { id } reseller { id } } }";
    for (who, email) in [
        (&ops, "ops@platform.io"),
        (&ra, "ra@r1.io"),
        (&ca, "boss@c1.io"),
    ] {
        let token = app.login(email, PW).await;
        let me = app.gql_ok(Some(&token), me_q, json!({})).await;
        assert_eq!(me["me"]["id"], who["id"]);
        assert_eq!(me["me"]["email"], email);
        assert_eq!(me["me"]["role"]["name"], who["role"]["name"]);
        assert_eq!(me["me"]["company"], who["company"]);
        assert_eq!(me["me"]["reseller"], who["reseller"]);
    }

    // The new users are visible to the super admin.
    assert_eq!(users_total(app, &w.admin, None).await, 4);
}
db_test!(create_user_of_each_kind);

async fn create_user_rejects_role_and_tenant_mismatches(app: &TestApp) {
    let w = world(app).await;
    let base = |role: &str| json!({ "email": "x@mismatch.io", "name": "X", "password": PW, "roleId": w.role(role) });
    let with = |role: &str, extra: Value| {
        let mut v = base(role);
        for (k, x) in extra.as_object().expect("object") {
            v[k] = x.clone();
        }
        v
    };
    let cases = [
        // Company roles need companyId and no resellerId.
        (base("Company admin"), "companyId"),
        (base("Company member"), "companyId"),
        (
            with("Company admin", json!({ "resellerId": w.r1 })),
            "companyId",
        ),
        (
            with(
                "Company admin",
                json!({ "resellerId": w.r1, "companyId": w.c1 }),
            ),
            "companyId",
        ),
        // The Reseller admin role needs resellerId and no companyId.
        (
            with("Reseller admin", json!({ "companyId": w.c1 })),
            "resellerId",
        ),
        (base("Reseller admin"), "resellerId"),
        (
            with(
                "Reseller admin",
                json!({ "companyId": w.c1, "resellerId": w.r1 }),
            ),
            "resellerId",
        ),
        // Platform roles take neither.
        (with("Super admin", json!({ "companyId": w.c1 })), "roleId"),
        (with("Super admin", json!({ "resellerId": w.r1 })), "roleId"),
        // Ids that name nothing.
        (
            with(
                "Company admin",
                json!({ "companyId": "00000000-0000-7000-8000-000000000000" }),
            ),
            "companyId",
        ),
        (
            with(
                "Reseller admin",
                json!({ "resellerId": "00000000-0000-7000-8000-000000000000" }),
            ),
            "resellerId",
        ),
        (
            with("Company admin", json!({ "companyId": "not-an-id" })),
            "companyId",
        ),
        (
            json!({ "email": "x@mismatch.io", "name": "X", "password": PW,
                    "roleId": "00000000-0000-7000-8000-000000000000", "companyId": w.c1 }),
            "roleId",
        ),
        (
            json!({ "email": "x@mismatch.io", "name": "X", "password": PW,
                    "roleId": "nope", "companyId": w.c1 }),
            "roleId",
        ),
    ];
    for (input, field) in cases {
        let body = create_user_raw(app, &w.admin, input.clone()).await;
        assert_eq!(error_code(&body), "VALIDATION", "{input:#} -> {body:#}");
        assert_eq!(err_field(&body), field, "{input:#} -> {body:#}");
    }
    // The messages say what to give.
    let body = create_user_raw(app, &w.admin, base("Company admin")).await;
    assert!(
        error_message(&body).contains("companyId"),
        "{}",
        error_message(&body)
    );
    // Nothing was written.
    assert_eq!(users_total(app, &w.admin, Some("mismatch")).await, 0);
    assert_eq!(users_total(app, &w.admin, None).await, 1);
}
db_test!(create_user_rejects_role_and_tenant_mismatches);

async fn create_user_validates_email_password_and_uniqueness(app: &TestApp) {
    let w = world(app).await;
    let input = |email: &str, password: Option<&str>| {
        json!({ "email": email, "name": "Ann", "password": password,
                "roleId": w.role("Company member"), "companyId": w.c1 })
    };

    let ann = create_user(app, &w.admin, input("Ann@X.io", Some(PW))).await;
    assert_eq!(ann["email"], "ann@x.io", "e-mails are stored in lower case");

    for dup in ["ann@x.io", "ANN@x.IO", "  ann@x.io  "] {
        let body = create_user_raw(app, &w.admin, input(dup, Some(PW))).await;
        assert_err(&body, "CONFLICT", Some("email"));
        assert!(error_message(&body).contains("ann@x.io"), "{body:#}");
    }
    // Not even in another company or as another kind of user.
    let body = create_user_raw(
        app,
        &w.admin,
        json!({ "email": "ANN@x.io", "name": "Ann", "password": PW,
                "roleId": w.role("Reseller admin"), "resellerId": w.r2 }),
    )
    .await;
    assert_err(&body, "CONFLICT", Some("email"));

    for bad in ["not-an-email", "ann@", "@x.io", "ann@x", "a b@x.io", ""] {
        let body = create_user_raw(app, &w.admin, input(bad, Some(PW))).await;
        assert_err(&body, "VALIDATION", Some("email"));
    }

    let short = create_user_raw(app, &w.admin, input("short@x.io", Some("elevenchars"))).await;
    assert_err(&short, "VALIDATION", Some("password"));
    assert!(error_message(&short).contains("12"), "{short:#}");
    let long = create_user_raw(app, &w.admin, input("long@x.io", Some(&"p".repeat(257)))).await;
    assert_err(&long, "VALIDATION", Some("password"));
    // Exactly 12 is enough.
    create_user(app, &w.admin, input("twelve@x.io", Some("twelve-chars"))).await;
    app.login("twelve@x.io", "twelve-chars").await;

    let blank = create_user_raw(
        app,
        &w.admin,
        json!({ "email": "blank@x.io", "name": "   ", "password": PW,
                "roleId": w.role("Company member"), "companyId": w.c1 }),
    )
    .await;
    assert_err(&blank, "VALIDATION", Some("name"));

    // The new user signs in, whatever the case of the e-mail typed.
    let token = app.login("ANN@x.io", PW).await;
    let me = app
        .gql_ok(Some(&token), "{ me { id email } }", json!({}))
        .await;
    assert_eq!(me["me"]["id"], ann["id"]);

    // A user without a password exists but cannot sign in.
    let nopw = create_user(app, &w.admin, input("nopw@x.io", None)).await;
    assert_eq!(nopw["active"], true);
    let body = login_raw(app, "nopw@x.io", "").await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    let body = login_raw(app, "nopw@x.io", PW).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");

    // Only the valid ones were written: admin, ann, twelve, nopw.
    assert_eq!(users_total(app, &w.admin, None).await, 4);
}
db_test!(create_user_validates_email_password_and_uniqueness);

// ---------------------------------------------------------------------------------------------
// Escalation and scope
// ---------------------------------------------------------------------------------------------

async fn company_admin_stays_inside_its_company(app: &TestApp) {
    let w = world(app).await;
    let (_, a1) = company_user(app, &w, &w.c1, "boss@c1.io", w.role("Company admin")).await;
    let (bob, _) = company_user(app, &w, &w.c2, "bob@c2.io", w.role("Company member")).await;

    // Within its company: fine, including another Company admin.
    let m = create_user(
        app,
        &a1,
        json!({ "email": "member@c1.io", "name": "Member", "password": PW,
                "roleId": w.role("Company member"), "companyId": w.c1 }),
    )
    .await;
    assert_eq!(m["company"]["id"], w.c1.as_str());
    create_user(
        app,
        &a1,
        json!({ "email": "deputy@c1.io", "name": "Deputy", "roleId": w.role("Company admin"),
                "companyId": w.c1 }),
    )
    .await;

    // Another company: rejected as a company it does not manage.
    let body = create_user_raw(
        app,
        &a1,
        json!({ "email": "intruder@c2.io", "name": "Intruder", "password": PW,
                "roleId": w.role("Company admin"), "companyId": w.c2 }),
    )
    .await;
    assert_err(&body, "VALIDATION", Some("companyId"));
    assert!(error_message(&body).contains("companyId"), "{body:#}");

    // Platform staff: forbidden.
    let body = create_user_raw(
        app,
        &a1,
        json!({ "email": "intruder@platform.io", "name": "Intruder", "password": PW,
                "roleId": w.role("Super admin") }),
    )
    .await;
    assert_err(&body, "FORBIDDEN", None);

    // Reseller staff of its own reseller: not a reseller it manages.
    let body = create_user_raw(
        app,
        &a1,
        json!({ "email": "intruder@r1.io", "name": "Intruder", "password": PW,
                "roleId": w.role("Reseller admin"), "resellerId": w.r1 }),
    )
    .await;
    assert_err(&body, "VALIDATION", Some("resellerId"));

    // Another company's custom role: invisible, so not a role it can give.
    let c2_role = create_role(app, &w.admin, &w.c2, "Clerk", &["employees.read"]).await;
    let body = create_user_raw(
        app,
        &a1,
        json!({ "email": "intruder@c1.io", "name": "Intruder", "password": PW,
                "roleId": id_of(&c2_role), "companyId": w.c1 }),
    )
    .await;
    assert_err(&body, "VALIDATION", Some("roleId"));
    // Even the super admin cannot put one company's custom role on another company's user.
    let body = create_user_raw(
        app,
        &w.admin,
        json!({ "email": "intruder@c1.io", "name": "Intruder", "password": PW,
                "roleId": id_of(&c2_role), "companyId": w.c1 }),
    )
    .await;
    assert_err(&body, "VALIDATION", Some("roleId"));

    // Nothing was written by any of the rejected calls.
    assert_eq!(users_total(app, &w.admin, Some("intruder")).await, 0);

    // It sees and edits only its own company's users.
    assert_eq!(users_total(app, &a1, None).await, 3);
    assert!(user_raw(app, &a1, &bob).await.is_null());
    let body = update_user_raw(app, &a1, &bob, json!({ "name": "Hacked" })).await;
    assert_err(&body, "NOT_FOUND", None);
    let body = update_user_raw(app, &a1, &bob, json!({ "active": false })).await;
    assert_err(&body, "NOT_FOUND", None);
    let bob_now = user_raw(app, &w.admin, &bob).await;
    assert_eq!(bob_now["name"], "bob@c2.io");
    assert_eq!(bob_now["active"], true);
}
db_test!(company_admin_stays_inside_its_company);

async fn custom_roles_cannot_escalate(app: &TestApp) {
    let w = world(app).await;
    let (_, a1) = company_user(app, &w, &w.c1, "boss@c1.io", w.role("Company admin")).await;

    // A user whose role lacks users.create cannot create users.
    let reader = create_role(app, &w.admin, &w.c1, "Reader", &["employees.read"]).await;
    let (_, reader_token) = company_user(app, &w, &w.c1, "reader@c1.io", &id_of(&reader)).await;
    let body = create_user_raw(
        app,
        &reader_token,
        json!({ "email": "new@c1.io", "name": "New", "roleId": id_of(&reader),
                "companyId": w.c1 }),
    )
    .await;
    assert_err(&body, "FORBIDDEN", None);
    assert!(error_message(&body).contains("users.create"), "{body:#}");

    // A company admin cannot put hub permissions into a custom role.
    let body = create_role_raw(
        app,
        &a1,
        &w.c1,
        "Hub",
        &["employees.read", "companies.edit"],
    )
    .await;
    assert_err(&body, "VALIDATION", Some("permissions"));
    assert!(error_message(&body).contains("companies.edit"), "{body:#}");
    // Nor can the super admin: custom roles hold company permissions only.
    let body = create_role_raw(app, &w.admin, &w.c1, "Hub", &["resellers.create"]).await;
    assert_err(&body, "VALIDATION", Some("permissions"));

    // A user who may create users gives only roles whose permissions they hold.
    let clerk = create_role(
        app,
        &w.admin,
        &w.c1,
        "User clerk",
        &["users.read", "users.create", "roles.read", "employees.read"],
    )
    .await;
    let hirer = create_role(
        app,
        &w.admin,
        &w.c1,
        "Hirer",
        &["employees.read", "employees.create"],
    )
    .await;
    let (_, clerk_token) = company_user(app, &w, &w.c1, "clerk@c1.io", &id_of(&clerk)).await;
    let body = create_user_raw(
        app,
        &clerk_token,
        json!({ "email": "hirer@c1.io", "name": "Hirer", "password": PW,
                "roleId": id_of(&hirer), "companyId": w.c1 }),
    )
    .await;
    assert_err(&body, "FORBIDDEN", None);
    assert!(
        error_message(&body).contains("employees.create"),
        "{body:#}"
    );
    let body = create_user_raw(
        app,
        &clerk_token,
        json!({ "email": "hirer@c1.io", "name": "Hirer", "password": PW,
                "roleId": w.role("Company admin"), "companyId": w.c1 }),
    )
    .await;
    assert_err(&body, "FORBIDDEN", None);
    assert_eq!(users_total(app, &w.admin, Some("hirer@")).await, 0);
    // Roles within what the clerk holds are fine.
    let r = create_user(
        app,
        &clerk_token,
        json!({ "email": "reader2@c1.io", "name": "Reader 2", "roleId": id_of(&reader),
                "companyId": w.c1 }),
    )
    .await;
    assert_eq!(r["role"]["name"], "Reader");
    create_user(
        app,
        &clerk_token,
        json!({ "email": "clerk2@c1.io", "name": "Clerk 2", "roleId": id_of(&clerk),
                "companyId": w.c1 }),
    )
    .await;

    // A role editor cannot grant, to a new role or to its own, what it does not hold.
    let editor = create_role(
        app,
        &w.admin,
        &w.c1,
        "Role editor",
        &["roles.read", "roles.edit", "employees.read"],
    )
    .await;
    let (_, editor_token) = company_user(app, &w, &w.c1, "editor@c1.io", &id_of(&editor)).await;
    let body = create_role_raw(app, &editor_token, &w.c1, "Mine", &["employees.create"]).await;
    assert_err(&body, "FORBIDDEN", None);
    let body = update_role_raw(
        app,
        &editor_token,
        &id_of(&editor),
        json!({ "permissions": ["roles.read", "roles.edit", "employees.read", "employees.create"] }),
    )
    .await;
    assert_err(&body, "FORBIDDEN", None);
    assert!(
        !me_permissions(app, &editor_token)
            .await
            .contains(&"employees.create".to_string())
    );
    // Within its own permissions it may.
    create_role(app, &editor_token, &w.c1, "Mine", &["employees.read"]).await;
}
db_test!(custom_roles_cannot_escalate);

async fn reseller_admin_scope(app: &TestApp) {
    let w = world(app).await;
    create_user(
        app,
        &w.admin,
        json!({ "email": "ra@r1.io", "name": "RA One", "password": PW,
                "roleId": w.role("Reseller admin"), "resellerId": w.r1 }),
    )
    .await;
    let ra = app.login("ra@r1.io", PW).await;

    // Its own reseller's company: yes.
    let boss = create_user(
        app,
        &ra,
        json!({ "email": "boss@c1.io", "name": "Boss One", "password": PW,
                "roleId": w.role("Company admin"), "companyId": w.c1 }),
    )
    .await;
    assert_eq!(boss["company"]["id"], w.c1.as_str());
    assert_eq!(boss["role"]["name"], "Company admin");
    app.login("boss@c1.io", PW).await;

    // Another reseller's company or the other reseller: no; platform staff: forbidden.
    let body = create_user_raw(
        app,
        &ra,
        json!({ "email": "intruder@c2.io", "name": "Intruder", "password": PW,
                "roleId": w.role("Company admin"), "companyId": w.c2 }),
    )
    .await;
    assert_err(&body, "VALIDATION", Some("companyId"));
    let body = create_user_raw(
        app,
        &ra,
        json!({ "email": "intruder@r2.io", "name": "Intruder", "password": PW,
                "roleId": w.role("Reseller admin"), "resellerId": w.r2 }),
    )
    .await;
    assert_err(&body, "VALIDATION", Some("resellerId"));
    let body = create_user_raw(
        app,
        &ra,
        json!({ "email": "intruder@platform.io", "name": "Intruder", "password": PW,
                "roleId": w.role("Super admin") }),
    )
    .await;
    assert_err(&body, "FORBIDDEN", None);
    assert_eq!(users_total(app, &w.admin, Some("intruder")).await, 0);

    // Users elsewhere.
    let bob = create_user(
        app,
        &w.admin,
        json!({ "email": "bob@c2.io", "name": "Bob Two", "roleId": w.role("Company member"),
                "companyId": w.c2 }),
    )
    .await;
    create_user(
        app,
        &w.admin,
        json!({ "email": "ra@r2.io", "name": "RA Two", "roleId": w.role("Reseller admin"),
                "resellerId": w.r2 }),
    )
    .await;

    // The super admin sees everyone; the reseller admin itself and its companies' users.
    assert_eq!(users_total(app, &w.admin, None).await, 5);
    assert_eq!(users_total(app, &ra, None).await, 2);
    let d = app
        .gql_ok(Some(&ra), "{ users { nodes { email } } }", json!({}))
        .await;
    let mut emails: Vec<String> = d["users"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["email"].as_str().expect("email").to_string())
        .collect();
    emails.sort();
    assert_eq!(emails, ["boss@c1.io", "ra@r1.io"]);

    // Search matches part of the e-mail, case-insensitively, within scope.
    assert_eq!(users_total(app, &ra, Some("c1.io")).await, 1);
    assert_eq!(users_total(app, &ra, Some("C2.IO")).await, 0);
    assert_eq!(users_total(app, &w.admin, Some("C2.IO")).await, 1);
    assert_eq!(users_total(app, &w.admin, Some("@r")).await, 2);
    assert_eq!(
        users_total(app, &w.admin, Some("two")).await,
        2,
        "name matches too"
    );
    let d = app
        .gql_ok(
            Some(&ra),
            "query($c: ID) { users(companyId: $c) { totalCount } }",
            json!({ "c": w.c2 }),
        )
        .await;
    assert_eq!(d["users"]["totalCount"], 0);

    // user(id) out of scope is null, in scope it is there.
    assert!(user_raw(app, &ra, &id_of(&bob)).await.is_null());
    assert_eq!(
        user_raw(app, &ra, &id_of(&boss)).await["email"],
        "boss@c1.io"
    );
    assert!(
        user_raw(app, &ra, "00000000-0000-7000-8000-000000000000")
            .await
            .is_null()
    );

    // The company admin sees only its company.
    let boss_token = app.login("boss@c1.io", PW).await;
    assert_eq!(users_total(app, &boss_token, None).await, 1);
    assert!(user_raw(app, &boss_token, &id_of(&bob)).await.is_null());
}
db_test!(reseller_admin_scope);

// ---------------------------------------------------------------------------------------------
// Role changes and deactivation
// ---------------------------------------------------------------------------------------------

async fn role_change_applies_to_existing_sessions(app: &TestApp) {
    let w = world(app).await;
    let (member, token) =
        company_user(app, &w, &w.c1, "member@c1.io", w.role("Company member")).await;
    let before = me_permissions(app, &token).await;
    assert!(before.contains(&"employees.read".to_string()), "{before:?}");
    assert!(
        !before.contains(&"employees.create".to_string()),
        "{before:?}"
    );
    let denied = create_role_raw(app, &token, &w.c1, "Mine", &["employees.read"]).await;
    assert_err(&denied, "FORBIDDEN", None);

    let updated = update_user(
        app,
        &w.admin,
        &member,
        json!({ "roleId": w.role("Company admin") }),
    )
    .await;
    assert_eq!(updated["role"]["name"], "Company admin");

    // The same session token, with no new login.
    let after = me_permissions(app, &token).await;
    assert!(after.contains(&"employees.create".to_string()), "{after:?}");
    let me = app
        .gql_ok(Some(&token), "{ me { role { name } } }", json!({}))
        .await;
    assert_eq!(me["me"]["role"]["name"], "Company admin");
    create_role(app, &token, &w.c1, "Mine", &["employees.read"]).await;

    // And back down: the new admin powers vanish at once.
    update_user(
        app,
        &w.admin,
        &member,
        json!({ "roleId": w.role("Company member") }),
    )
    .await;
    let denied = create_role_raw(app, &token, &w.c1, "Mine 2", &["employees.read"]).await;
    assert_err(&denied, "FORBIDDEN", None);

    // A role change cannot move a user to another kind of tenant.
    let ra = create_user(
        app,
        &w.admin,
        json!({ "email": "ra@r1.io", "name": "RA", "roleId": w.role("Reseller admin"),
                "resellerId": w.r1 }),
    )
    .await;
    let body = update_user_raw(
        app,
        &w.admin,
        &id_of(&ra),
        json!({ "roleId": w.role("Company admin") }),
    )
    .await;
    assert_err(&body, "VALIDATION", Some("companyId"));
    let body = update_user_raw(
        app,
        &w.admin,
        &member,
        json!({ "roleId": w.role("Reseller admin") }),
    )
    .await;
    assert_err(&body, "VALIDATION", Some("resellerId"));
    let body = update_user_raw(
        app,
        &w.admin,
        &member,
        json!({ "roleId": w.role("Super admin") }),
    )
    .await;
    assert_err(&body, "VALIDATION", Some("roleId"));
    assert_eq!(
        user_raw(app, &w.admin, &member).await["role"]["name"],
        "Company member"
    );

    // Nobody changes their own role or deactivates themselves.
    let me = app.gql_ok(Some(&w.admin), "{ me { id } }", json!({})).await;
    let admin_id = me["me"]["id"].as_str().expect("id").to_string();
    let body = update_user_raw(
        app,
        &w.admin,
        &admin_id,
        json!({ "roleId": w.role("Company admin") }),
    )
    .await;
    assert_err(&body, "FORBIDDEN", None);
    let body = update_user_raw(app, &w.admin, &admin_id, json!({ "active": false })).await;
    assert_err(&body, "FORBIDDEN", None);
    let (boss, boss_token) =
        company_user(app, &w, &w.c1, "boss@c1.io", w.role("Company admin")).await;
    let body = update_user_raw(
        app,
        &boss_token,
        &boss,
        json!({ "roleId": w.role("Company member") }),
    )
    .await;
    assert_err(&body, "FORBIDDEN", None);
    let body = update_user_raw(app, &boss_token, &boss, json!({ "active": false })).await;
    assert_err(&body, "FORBIDDEN", None);
    // Nothing changed; renaming oneself is fine.
    let me = update_user(app, &w.admin, &admin_id, json!({ "name": "Root" })).await;
    assert_eq!(me["name"], "Root");
    assert_eq!(me["active"], true);
    assert_eq!(me["role"]["name"], "Super admin");
    let boss_now = user_raw(app, &w.admin, &boss).await;
    assert_eq!(boss_now["role"]["name"], "Company admin");
    assert_eq!(boss_now["active"], true);
}
db_test!(role_change_applies_to_existing_sessions);

async fn deactivation_ends_sessions_and_sign_in(app: &TestApp) {
    let w = world(app).await;
    let (_, boss) = company_user(app, &w, &w.c1, "boss@c1.io", w.role("Company admin")).await;
    let (member, t1) = company_user(app, &w, &w.c1, "member@c1.io", w.role("Company member")).await;
    let t2 = app.login("member@c1.io", PW).await;
    app.gql_ok(Some(&t1), "{ me { id } }", json!({})).await;

    // A member cannot deactivate anyone.
    let body = update_user_raw(app, &t1, &member, json!({ "active": false })).await;
    assert_err(&body, "FORBIDDEN", None);

    // Its company admin can.
    let u = update_user(app, &boss, &member, json!({ "active": false })).await;
    assert_eq!(u["active"], false);
    for t in [&t1, &t2] {
        let body = app.gql(Some(t), "{ me { id } }", json!({})).await;
        assert_err(&body, "UNAUTHENTICATED", None);
    }
    let body = login_raw(app, "member@c1.io", PW).await;
    assert_err(&body, "UNAUTHENTICATED", None);
    let wrong = login_raw(app, "member@c1.io", "definitely-wrong-pw").await;
    assert_eq!(
        error_message(&body),
        error_message(&wrong),
        "a deactivated user looks like a wrong password"
    );
    // Still listed, as inactive.
    assert_eq!(user_raw(app, &boss, &member).await["active"], false);

    // Reactivated: signs in again; the sessions ended by deactivation stay ended.
    let u = update_user(app, &w.admin, &member, json!({ "active": true })).await;
    assert_eq!(u["active"], true);
    let t3 = app.login("member@c1.io", PW).await;
    let me = app.gql_ok(Some(&t3), "{ me { id } }", json!({})).await;
    assert_eq!(me["me"]["id"], member.as_str());
    let body = app.gql(Some(&t1), "{ me { id } }", json!({})).await;
    assert_err(&body, "UNAUTHENTICATED", None);
}
db_test!(deactivation_ends_sessions_and_sign_in);

// ---------------------------------------------------------------------------------------------
// Custom roles
// ---------------------------------------------------------------------------------------------

async fn custom_role_lifecycle(app: &TestApp) {
    let w = world(app).await;
    let (_, a1) = company_user(app, &w, &w.c1, "boss@c1.io", w.role("Company admin")).await;

    let auditor = create_role(
        app,
        &a1,
        &w.c1,
        "  Auditor ",
        &["api_logs.view", "employees.read", "employees.read"],
    )
    .await;
    assert_eq!(auditor["name"], "Auditor");
    assert_eq!(auditor["builtIn"], false);
    assert_eq!(auditor["kind"], "company");
    assert_eq!(auditor["companyId"], w.c1.as_str());
    // Deduplicated, and in the same order the role is shown in later.
    let listed = roles(app, &a1, Some(&w.c1)).await;
    let listed = listed
        .iter()
        .find(|r| r["id"] == auditor["id"])
        .expect("listed")
        .clone();
    assert_eq!(listed["permissions"], auditor["permissions"]);
    let mut p = strings(&auditor["permissions"]);
    p.sort();
    assert_eq!(p, ["api_logs.view", "employees.read"]);

    // Names are unique within a company, and built-in names are taken.
    let body = create_role_raw(app, &a1, &w.c1, "Auditor", &["employees.read"]).await;
    assert_err(&body, "CONFLICT", Some("name"));
    assert!(error_message(&body).contains("Auditor"), "{body:#}");
    for builtin in [
        "Company admin",
        "Super admin",
        "Company member",
        "COMPANY ADMIN",
        "reseller admin",
    ] {
        let body = create_role_raw(app, &a1, &w.c1, builtin, &["employees.read"]).await;
        assert_err(&body, "CONFLICT", Some("name"));
        assert!(error_message(&body).contains("built-in"), "{body:#}");
    }
    // ... but another company may use the same name.
    create_role(app, &w.admin, &w.c2, "Auditor", &["employees.read"]).await;

    let body = create_role_raw(app, &a1, &w.c1, "Flyer", &["employees.fly"]).await;
    assert_err(&body, "VALIDATION", Some("permissions"));
    assert!(error_message(&body).contains("employees.fly"), "{body:#}");
    let body = create_role_raw(app, &a1, &w.c1, "", &["employees.read"]).await;
    assert_err(&body, "VALIDATION", Some("name"));
    let empty = create_role(app, &a1, &w.c1, "Nothing", &[]).await;
    assert_eq!(empty["permissions"], json!([]));

    // updateRole replaces the permission set.
    let id = id_of(&auditor);
    let body = update_role_raw(app, &a1, &id, json!({ "permissions": ["documents.read"] })).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(
        body["data"]["updateRole"]["permissions"],
        json!(["documents.read"])
    );
    let listed = roles(app, &a1, Some(&w.c1)).await;
    let listed = listed
        .iter()
        .find(|r| r["id"] == id.as_str())
        .expect("listed");
    assert_eq!(listed["permissions"], json!(["documents.read"]));
    let body = update_role_raw(app, &a1, &id, json!({ "permissions": ["nope.nope"] })).await;
    assert_err(&body, "VALIDATION", Some("permissions"));
    let body = update_role_raw(app, &a1, &id, json!({ "name": "Nothing" })).await;
    assert_err(&body, "CONFLICT", Some("name"));
    let body = update_role_raw(app, &a1, &id, json!({ "name": "Company member" })).await;
    assert_err(&body, "CONFLICT", Some("name"));
    let body = update_role_raw(app, &a1, &id, json!({ "name": "Reviewer" })).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(body["data"]["updateRole"]["name"], "Reviewer");
    assert_eq!(
        body["data"]["updateRole"]["permissions"],
        json!(["documents.read"])
    );

    // Built-in roles are fixed, for everyone.
    for token in [&w.admin, &a1] {
        let body = update_role_raw(
            app,
            token,
            w.role("Company member"),
            json!({ "permissions": ["employees.read"] }),
        )
        .await;
        assert_err(&body, "FORBIDDEN", None);
        let body = update_role_raw(
            app,
            token,
            w.role("Company admin"),
            json!({ "name": "Boss" }),
        )
        .await;
        assert_err(&body, "FORBIDDEN", None);
        let body = delete_role_raw(app, token, w.role("Company member")).await;
        assert_err(&body, "FORBIDDEN", None);
    }
    let cm = roles(app, &w.admin, None).await;
    let cm = cm
        .iter()
        .find(|r| r["name"] == "Company member")
        .expect("member role");
    assert!(strings(&cm["permissions"]).len() > 1);

    // A role in use cannot be deleted; once nobody holds it, it can.
    let u = create_user(
        app,
        &a1,
        json!({ "email": "rev@c1.io", "name": "Rev", "roleId": id, "companyId": w.c1 }),
    )
    .await;
    assert_eq!(u["role"]["name"], "Reviewer");
    let body = delete_role_raw(app, &a1, &id).await;
    assert_err(&body, "CONFLICT", None);
    assert!(error_message(&body).contains("assigned"), "{body:#}");
    update_user(
        app,
        &a1,
        &id_of(&u),
        json!({ "roleId": w.role("Company member") }),
    )
    .await;
    let body = delete_role_raw(app, &a1, &id).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(body["data"]["deleteRole"], true);
    let left = names(&Value::from(roles(app, &a1, Some(&w.c1)).await));
    assert!(!left.contains(&"Reviewer".to_string()), "{left:?}");
    let body = delete_role_raw(app, &a1, &id).await;
    assert_err(&body, "NOT_FOUND", None);

    // Another company's role is invisible to a company admin.
    let c2_roles = roles(app, &w.admin, Some(&w.c2)).await;
    let c2_auditor = c2_roles
        .iter()
        .find(|r| r["name"] == "Auditor")
        .expect("c2 auditor");
    let body = delete_role_raw(app, &a1, &id_of(c2_auditor)).await;
    assert_err(&body, "NOT_FOUND", None);
    let body = update_role_raw(app, &a1, &id_of(c2_auditor), json!({ "name": "Mine" })).await;
    assert_err(&body, "NOT_FOUND", None);
}
db_test!(custom_role_lifecycle);

// ---------------------------------------------------------------------------------------------
// Visibility groups
// ---------------------------------------------------------------------------------------------

async fn visibility_group_lifecycle(app: &TestApp) {
    let w = world(app).await;
    let (_, a1) = company_user(app, &w, &w.c1, "boss@c1.io", w.role("Company admin")).await;

    let field = create_group(
        app,
        &a1,
        &w.c1,
        "Field",
        &["Sales", "Engineering", "Sales", " Support "],
    )
    .await;
    assert_eq!(field["companyId"], w.c1.as_str());
    assert_eq!(field["name"], "Field");
    assert_eq!(
        field["departments"],
        json!(["Engineering", "Sales", "Support"])
    );

    let body = create_group_raw(app, &a1, &w.c1, "Empty", &[]).await;
    assert_err(&body, "VALIDATION", Some("departments"));
    let body = create_group_raw(app, &a1, &w.c1, "Blank", &["  "]).await;
    assert_err(&body, "VALIDATION", Some("departments"));
    let body = create_group_raw(app, &a1, &w.c1, "Field", &["Finance"]).await;
    assert_err(&body, "CONFLICT", Some("name"));
    let body = create_group_raw(app, &a1, &w.c1, " ", &["Finance"]).await;
    assert_err(&body, "VALIDATION", Some("name"));
    let office = create_group(app, &a1, &w.c1, "Office", &["Finance"]).await;

    let d = app
        .gql_ok(
            Some(&a1),
            "query($c: ID!) { visibilityGroups(companyId: $c) { name departments } }",
            json!({ "c": w.c1 }),
        )
        .await;
    assert_eq!(names(&d["visibilityGroups"]), ["Field", "Office"]);

    // Assigned when created, changed later.
    let u = create_user(
        app,
        &a1,
        json!({ "email": "seller@c1.io", "name": "Seller", "password": PW,
                "roleId": w.role("Company member"), "companyId": w.c1,
                "visibilityGroupIds": [id_of(&field)] }),
    )
    .await;
    assert_eq!(names(&u["visibilityGroups"]), ["Field"]);
    let uid = id_of(&u);
    let u = update_user(
        app,
        &a1,
        &uid,
        json!({ "visibilityGroupIds": [id_of(&office), id_of(&field), id_of(&office)] }),
    )
    .await;
    assert_eq!(names(&u["visibilityGroups"]), ["Field", "Office"]);
    let token = app.login("seller@c1.io", PW).await;
    let me = app
        .gql_ok(
            Some(&token),
            "{ me { visibilityGroups { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(names(&me["me"]["visibilityGroups"]), ["Field", "Office"]);

    // Nobody lifts (or changes) their own limit; someone else may.
    let boss = app.gql_ok(Some(&a1), "{ me { id } }", json!({})).await["me"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    update_user(
        app,
        &w.admin,
        &boss,
        json!({ "visibilityGroupIds": [id_of(&field)] }),
    )
    .await;
    let body = update_user_raw(app, &a1, &boss, json!({ "visibilityGroupIds": [] })).await;
    assert_err(&body, "FORBIDDEN", None);
    assert!(error_message(&body).contains("own"), "{body:#}");
    let body = update_user_raw(
        app,
        &a1,
        &boss,
        json!({ "visibilityGroupIds": [id_of(&field), id_of(&office)] }),
    )
    .await;
    assert_err(&body, "FORBIDDEN", None);
    assert_eq!(
        names(&user_raw(app, &w.admin, &boss).await["visibilityGroups"]),
        ["Field"]
    );
    // Re-sending the same set (as a form does) is not a change.
    let me = update_user(
        app,
        &a1,
        &boss,
        json!({ "name": "Boss", "visibilityGroupIds": [id_of(&field)] }),
    )
    .await;
    assert_eq!(names(&me["visibilityGroups"]), ["Field"]);
    let me = update_user(app, &w.admin, &boss, json!({ "visibilityGroupIds": [] })).await;
    assert_eq!(me["visibilityGroups"], json!([]));

    // Changing the departments of a group.
    let body = app
        .gql(
            Some(&a1),
            "mutation($id: ID!) { updateVisibilityGroup(id: $id, input: { departments: [\"People\", \"Finance\"] }) { departments } }",
            json!({ "id": id_of(&office) }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(
        body["data"]["updateVisibilityGroup"]["departments"],
        json!(["Finance", "People"])
    );

    // Deleting a group takes it off its members.
    let body = app
        .gql(
            Some(&a1),
            "mutation($id: ID!) { deleteVisibilityGroup(id: $id) }",
            json!({ "id": id_of(&field) }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(body["data"]["deleteVisibilityGroup"], true);
    assert_eq!(
        names(&user_raw(app, &a1, &uid).await["visibilityGroups"]),
        ["Office"]
    );
    app.gql_ok(
        Some(&a1),
        "mutation($id: ID!) { deleteVisibilityGroup(id: $id) }",
        json!({ "id": id_of(&office) }),
    )
    .await;
    assert_eq!(
        user_raw(app, &a1, &uid).await["visibilityGroups"],
        json!([])
    );
    // The user is unaffected otherwise and can still be updated.
    let u = update_user(app, &a1, &uid, json!({ "visibilityGroupIds": [] })).await;
    assert_eq!(u["visibilityGroups"], json!([]));
}
db_test!(visibility_group_lifecycle);

async fn visibility_groups_stay_in_their_company(app: &TestApp) {
    let w = world(app).await;
    let g1 = create_group(app, &w.admin, &w.c1, "Engineering only", &["Engineering"]).await;
    let g2 = create_group(app, &w.admin, &w.c2, "Sales only", &["Sales"]).await;
    // The same name in another company is fine.
    create_group(app, &w.admin, &w.c2, "Engineering only", &["Engineering"]).await;

    // Another company's group, on create and on update.
    let body = create_user_raw(
        app,
        &w.admin,
        json!({ "email": "mixed@c1.io", "name": "Mixed", "roleId": w.role("Company member"),
                "companyId": w.c1, "visibilityGroupIds": [id_of(&g1), id_of(&g2)] }),
    )
    .await;
    assert_err(&body, "VALIDATION", Some("visibilityGroupIds"));
    let body = create_user_raw(
        app,
        &w.admin,
        json!({ "email": "mixed@c1.io", "name": "Mixed", "roleId": w.role("Company member"),
                "companyId": w.c1, "visibilityGroupIds": ["00000000-0000-7000-8000-000000000000"] }),
    )
    .await;
    assert_err(&body, "VALIDATION", Some("visibilityGroupIds"));
    assert_eq!(users_total(app, &w.admin, Some("mixed")).await, 0);

    let u = create_user(
        app,
        &w.admin,
        json!({ "email": "eng@c1.io", "name": "Eng", "roleId": w.role("Company member"),
                "companyId": w.c1, "visibilityGroupIds": [id_of(&g1)] }),
    )
    .await;
    let body = update_user_raw(
        app,
        &w.admin,
        &id_of(&u),
        json!({ "visibilityGroupIds": [id_of(&g2)] }),
    )
    .await;
    assert_err(&body, "VALIDATION", Some("visibilityGroupIds"));
    assert_eq!(
        names(&user_raw(app, &w.admin, &id_of(&u)).await["visibilityGroups"]),
        ["Engineering only"],
        "a rejected update changes nothing"
    );

    // Reseller (and platform) staff have no visibility groups.
    let body = create_user_raw(
        app,
        &w.admin,
        json!({ "email": "ra@r1.io", "name": "RA", "roleId": w.role("Reseller admin"),
                "resellerId": w.r1, "visibilityGroupIds": [id_of(&g1)] }),
    )
    .await;
    assert_err(&body, "VALIDATION", Some("visibilityGroupIds"));
    let ra = create_user(
        app,
        &w.admin,
        json!({ "email": "ra@r1.io", "name": "RA", "roleId": w.role("Reseller admin"),
                "resellerId": w.r1 }),
    )
    .await;
    let body = update_user_raw(
        app,
        &w.admin,
        &id_of(&ra),
        json!({ "visibilityGroupIds": [id_of(&g1)] }),
    )
    .await;
    assert_err(&body, "VALIDATION", Some("visibilityGroupIds"));
    let body = create_user_raw(
        app,
        &w.admin,
        json!({ "email": "ops@p.io", "name": "Ops", "roleId": w.role("Super admin"),
                "visibilityGroupIds": [id_of(&g1)] }),
    )
    .await;
    assert_err(&body, "VALIDATION", Some("visibilityGroupIds"));

    // A company member may neither create groups nor list them.
    let (_, member) = company_user(app, &w, &w.c1, "member@c1.io", w.role("Company member")).await;
    let body = create_group_raw(app, &member, &w.c1, "Mine", &["Sales"]).await;
    assert_err(&body, "FORBIDDEN", None);
    assert!(
        error_message(&body).contains("visibility_groups.edit"),
        "{body:#}"
    );
    let body = app
        .gql(
            Some(&member),
            "query($c: ID!) { visibilityGroups(companyId: $c) { name } }",
            json!({ "c": w.c1 }),
        )
        .await;
    assert_err(&body, "FORBIDDEN", None);
    let body = app
        .gql(
            Some(&member),
            "mutation($id: ID!) { deleteVisibilityGroup(id: $id) }",
            json!({ "id": id_of(&g1) }),
        )
        .await;
    assert_err(&body, "FORBIDDEN", None);

    // A company admin cannot touch another company's groups.
    let (_, a1) = company_user(app, &w, &w.c1, "boss@c1.io", w.role("Company admin")).await;
    let body = create_group_raw(app, &a1, &w.c2, "Mine", &["Sales"]).await;
    assert_err(&body, "FORBIDDEN", None);
    let body = app
        .gql(
            Some(&a1),
            "mutation($id: ID!) { deleteVisibilityGroup(id: $id) }",
            json!({ "id": id_of(&g2) }),
        )
        .await;
    assert_err(&body, "NOT_FOUND", None);
    let d = app
        .gql_ok(
            Some(&w.admin),
            "query($c: ID!) { visibilityGroups(companyId: $c) { name } }",
            json!({ "c": w.c2 }),
        )
        .await;
    assert_eq!(
        names(&d["visibilityGroups"]),
        ["Engineering only", "Sales only"]
    );
}
db_test!(visibility_groups_stay_in_their_company);

// ---------------------------------------------------------------------------------------------
// Login throttling
// ---------------------------------------------------------------------------------------------

async fn login_is_throttled_per_account(app: &TestApp) {
    let w = world(app).await;
    company_user(app, &w, &w.c1, "victim@c1.io", w.role("Company member")).await;
    company_user(app, &w, &w.c1, "other@c1.io", w.role("Company member")).await;

    for i in 0..10 {
        let body = login_raw(app, "victim@c1.io", &format!("wrong-password-{i}")).await;
        assert_eq!(
            error_code(&body),
            "UNAUTHENTICATED",
            "attempt {i}: {body:#}"
        );
    }
    // The 11th, even with the right password and another spelling of the e-mail, is refused.
    for email in ["victim@c1.io", "VICTIM@c1.io"] {
        let body = login_raw(app, email, PW).await;
        assert_err(&body, "RATE_LIMITED", None);
        let retry = body["errors"][0]["extensions"]["retryAfter"]
            .as_u64()
            .unwrap_or_else(|| panic!("retryAfter: {body:#}"));
        assert!(retry > 0);
    }
    // Other accounts from the same client are unaffected.
    app.login("other@c1.io", PW).await;
    app.admin_token().await;
}
db_test!(login_is_throttled_per_account);

// ---------------------------------------------------------------------------------------------
// Demo data
// ---------------------------------------------------------------------------------------------

async fn totals(app: &TestApp, token: &str) -> (i64, i64, i64) {
    let d = app
        .gql_ok(
            Some(token),
            "{ resellers { totalCount } companies { totalCount } users { totalCount } }",
            json!({}),
        )
        .await;
    (
        d["resellers"]["totalCount"].as_i64().expect("count"),
        d["companies"]["totalCount"].as_i64().expect("count"),
        d["users"]["totalCount"].as_i64().expect("count"),
    )
}

async fn demo_data_signs_in_and_is_idempotent(app: &TestApp) {
    let db = &app.state().app.db;
    // One instant for both runs: the demo request logs cover the 24 hours before it.
    let now = time::OffsetDateTime::now_utc();
    let first = backend::demo::seed_at(db, now).await.expect("seed");
    assert!(first.api_logs > 0, "{first:?}");
    assert!(first.total() > 0, "{first:?}");
    let admin = app.admin_token().await;
    let before = totals(app, &admin).await;
    assert_eq!(
        before,
        (2, 4, 10),
        "2 resellers, 4 companies, 9 demo users + admin"
    );

    let acme = app
        .login("admin@acme.example", backend::demo::DEMO_PASSWORD)
        .await;
    let me = app
        .gql_ok(
            Some(&acme),
            "{ me { company { name } role { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(me["me"]["company"]["name"], "Acme Manufacturing");
    assert_eq!(me["me"]["role"]["name"], "Company admin");

    let ra = app
        .login(
            "reseller.admin@northwind.example",
            backend::demo::DEMO_PASSWORD,
        )
        .await;
    let d = app
        .gql_ok(
            Some(&ra),
            "{ me { role { name } reseller { name } } companies { totalCount nodes { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(d["me"]["role"]["name"], "Reseller admin");
    assert_eq!(d["me"]["reseller"]["name"], "Northwind Partners");
    assert_eq!(d["companies"]["totalCount"], 3);
    let mut companies = names(&d["companies"]["nodes"]);
    companies.sort();
    assert_eq!(
        companies,
        ["Acme Manufacturing", "Globex Retail", "Initech Services"]
    );

    let member = app
        .login("member@acme.example", backend::demo::DEMO_PASSWORD)
        .await;
    let me = app
        .gql_ok(
            Some(&member),
            "{ me { role { name } visibilityGroups { name departments } } }",
            json!({}),
        )
        .await;
    assert_eq!(me["me"]["role"]["name"], "Company member");
    assert_eq!(names(&me["me"]["visibilityGroups"]), ["Engineering only"]);

    let second = backend::demo::seed_at(db, now).await.expect("seed again");
    assert_eq!(second, backend::demo::DemoSummary::default());
    assert_eq!(totals(app, &admin).await, before);
    // Still signs in the same way.
    app.login("admin@acme.example", backend::demo::DEMO_PASSWORD)
        .await;
}
db_test!(demo_data_signs_in_and_is_idempotent);

/// A user limited by visibility groups cannot hand out, or give themselves, a wider view.
async fn limited_users_cannot_widen_visibility(app: &TestApp) {
    let admin = app.admin_token().await;
    let gql_id = |v: &Value, k: &str| v[k]["id"].as_str().expect("id").to_string();
    let r = app
        .gql_ok(
            Some(&admin),
            "mutation { createReseller(input: { name: \"VR\" }) { id } }",
            json!({}),
        )
        .await;
    let c = app
        .gql_ok(
            Some(&admin),
            "mutation($r: ID!) { createCompany(input: { resellerId: $r, name: \"VC\" }) { id } }",
            json!({ "r": gql_id(&r, "createReseller") }),
        )
        .await;
    let company = gql_id(&c, "createCompany");
    let group = |name: &str, deps: Vec<&str>| {
        let (company, admin) = (company.clone(), admin.clone());
        let name = name.to_string();
        let deps: Vec<String> = deps.into_iter().map(String::from).collect();
        async move {
            let d = app
                .gql_ok(
                    Some(&admin),
                    "mutation($c: ID!, $n: String!, $d: [String!]!) { createVisibilityGroup(input: { companyId: $c, name: $n, departments: $d }) { id } }",
                    json!({ "c": company, "n": name, "d": deps }),
                )
                .await;
            d["createVisibilityGroup"]["id"]
                .as_str()
                .expect("id")
                .to_string()
        }
    };
    let eng = group("Eng", vec!["Engineering"]).await;
    let sales = group("Sales", vec!["Sales"]).await;
    let roles = app
        .gql_ok(
            Some(&admin),
            "query($c: ID) { roles(companyId: $c) { id name } }",
            json!({ "c": company }),
        )
        .await;
    let role = |n: &str| {
        roles["roles"]
            .as_array()
            .expect("roles")
            .iter()
            .find(|r| r["name"] == n)
            .expect("role")["id"]
            .clone()
    };
    const CREATE: &str = "mutation($e: String!, $r: ID!, $c: ID, $g: [ID!]) { createUser(input: { email: $e, name: \"N\", password: \"long enough password\", roleId: $r, companyId: $c, visibilityGroupIds: $g }) { id } }";
    app.gql_ok(
        Some(&admin),
        CREATE,
        json!({ "e": "limited@vc.io", "r": role("Company admin"), "c": company, "g": [eng] }),
    )
    .await;
    let limited = app.login("limited@vc.io", "long enough password").await;

    let none = app
        .gql(
            Some(&limited),
            CREATE,
            json!({ "e": "a@vc.io", "r": role("Company member"), "c": company }),
        )
        .await;
    assert_eq!(error_code(&none), "FORBIDDEN", "{none:#}");
    let wider = app
        .gql(
            Some(&limited),
            CREATE,
            json!({ "e": "b@vc.io", "r": role("Company member"), "c": company, "g": [sales] }),
        )
        .await;
    assert_eq!(error_code(&wider), "FORBIDDEN");
    assert!(error_message(&wider).contains("Sales"), "{wider:#}");
    let ok = app
        .gql_ok(
            Some(&limited),
            CREATE,
            json!({ "e": "c@vc.io", "r": role("Company member"), "c": company, "g": [eng] }),
        )
        .await;
    let member = ok["createUser"]["id"].clone();
    let lift = app
        .gql(
            Some(&limited),
            "mutation($id: ID!) { updateUser(id: $id, input: { visibilityGroupIds: [] }) { id } }",
            json!({ "id": member }),
        )
        .await;
    assert_eq!(error_code(&lift), "FORBIDDEN");
    let widen_group = app
        .gql(
            Some(&limited),
            "mutation($id: ID!) { updateVisibilityGroup(id: $id, input: { departments: [\"Engineering\", \"Sales\"] }) { id } }",
            json!({ "id": eng }),
        )
        .await;
    assert_eq!(error_code(&widen_group), "FORBIDDEN");
    let new_group = app
        .gql(
            Some(&limited),
            "mutation($c: ID!) { createVisibilityGroup(input: { companyId: $c, name: \"All\", departments: [\"Sales\"] }) { id } }",
            json!({ "c": company }),
        )
        .await;
    assert_eq!(error_code(&new_group), "FORBIDDEN");
    // Nothing was written: only the limited user and the one member exist in the company.
    let users = app
        .gql_ok(
            Some(&admin),
            "query($c: ID) { users(companyId: $c) { totalCount } }",
            json!({ "c": company }),
        )
        .await;
    assert_eq!(users["users"]["totalCount"], 2);
}
db_test!(limited_users_cannot_widen_visibility);

/// A custom role that an API credential uses cannot be deleted out from under it.
async fn role_used_by_a_credential_cannot_be_deleted(app: &TestApp) {
    let admin = app.admin_token().await;
    let r = app
        .gql_ok(
            Some(&admin),
            "mutation { createReseller(input: { name: \"CR\" }) { id } }",
            json!({}),
        )
        .await;
    let c = app
        .gql_ok(
            Some(&admin),
            "mutation($r: ID!) { createCompany(input: { resellerId: $r, name: \"CC\" }) { id } }",
            json!({ "r": r["createReseller"]["id"] }),
        )
        .await;
    let company = c["createCompany"]["id"].clone();
    let role = app
        .gql_ok(
            Some(&admin),
            "mutation($c: ID!) { createRole(input: { companyId: $c, name: \"Reader\", permissions: [\"employees.read\"] }) { id } }",
            json!({ "c": company }),
        )
        .await["createRole"]["id"]
        .clone();
    app.gql_ok(
        Some(&admin),
        "mutation($c: ID!, $r: ID) { createApiCredential(input: { companyId: $c, name: \"ERP\", roleId: $r }) { clientId } }",
        json!({ "c": company, "r": role }),
    )
    .await;
    let body = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { deleteRole(id: $id) }",
            json!({ "id": role }),
        )
        .await;
    assert_eq!(error_code(&body), "CONFLICT", "{body:#}");
    assert!(
        error_message(&body).contains("1 API credential"),
        "{body:#}"
    );
}
db_test!(role_used_by_a_credential_cannot_be_deleted);
