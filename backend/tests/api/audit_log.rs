//! The audit log (issue 10): every credential and settings change writes exactly one row, in the
//! change's transaction, with who, what, when and from where, and never a secret; `auditLogs`
//! shows each caller their own scope, with filters and pagination.

use backend::entity::audit_log;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
use serde_json::{Value, json};

use crate::helpers::*;

const PASSWORD: &str = "long enough password";

const AUDIT: &str = "query($f: AuditLogFilter, $first: Int, $after: String) {
  auditLogs(filter: $f, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id time action actor { id email } actorKind credentialId company { id name }
            reseller { id } targetType targetId changes ip }
  } }";

/// Every row, oldest first (ids are UUIDv7).
async fn rows(app: &TestApp) -> Vec<audit_log::Model> {
    audit_log::Entity::find()
        .order_by_asc(audit_log::Column::Id)
        .all(&app.state().app.db)
        .await
        .expect("audit rows")
}

/// Counts the rows seen so far, so each step can assert what it added.
struct Tally(usize);

impl Tally {
    async fn skip(&mut self, app: &TestApp) {
        self.0 = rows(app).await.len();
    }

    /// Exactly one new row since the last step, with this action, by this actor, on this target.
    async fn one(
        &mut self,
        app: &TestApp,
        action: &str,
        actor: Option<&str>,
        target: &Value,
    ) -> audit_log::Model {
        let all = rows(app).await;
        let new = &all[self.0..];
        assert_eq!(new.len(), 1, "one row for {action}, got {new:#?}");
        let row = new[0].clone();
        assert_eq!(row.action, action, "{row:#?}");
        assert_eq!(row.actor_email.as_deref(), actor, "{row:#?}");
        if let Some(t) = target.as_str() {
            assert_eq!(row.target_id.as_deref(), Some(t), "{row:#?}");
        }
        assert_eq!(row.ip.as_deref(), Some("127.0.0.1"), "{row:#?}");
        self.0 = all.len();
        row
    }

    async fn none(&mut self, app: &TestApp, what: &str) {
        let all = rows(app).await;
        assert_eq!(all.len(), self.0, "{what} wrote {:#?}", &all[self.0..]);
    }
}

async fn role_id(app: &TestApp, token: &str, name: &str) -> Value {
    app.gql_ok(Some(token), "{ roles { id name } }", json!({}))
        .await["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["name"] == name)
        .expect("role")["id"]
        .clone()
}

async fn create_user(
    app: &TestApp,
    admin: &str,
    email: &str,
    role: &str,
    company: Option<&Value>,
    reseller: Option<&Value>,
) -> Value {
    let role = role_id(app, admin, role).await;
    app.gql_ok(
        Some(admin),
        "mutation($e: String!, $p: String!, $r: ID!, $c: ID, $s: ID) { createUser(input: { email: $e, name: \"U\", password: $p, roleId: $r, companyId: $c, resellerId: $s }) { id } }",
        json!({ "e": email, "p": PASSWORD, "r": role, "c": company, "s": reseller }),
    )
    .await["createUser"]["id"]
        .clone()
}

async fn create_reseller(app: &TestApp, sa: &str, name: &str) -> Value {
    app.gql_ok(
        Some(sa),
        "mutation($n: String!) { createReseller(input: { name: $n }) { id } }",
        json!({ "n": name }),
    )
    .await["createReseller"]["id"]
        .clone()
}

async fn create_company(app: &TestApp, sa: &str, reseller: &Value, name: &str) -> Value {
    app.gql_ok(
        Some(sa),
        "mutation($r: ID!, $n: String!) { createCompany(input: { resellerId: $r, name: $n }) { id } }",
        json!({ "r": reseller, "n": name }),
    )
    .await["createCompany"]["id"]
        .clone()
}

async fn every_change_is_audited_once_without_secrets(app: &TestApp) {
    let sa = app.admin_token().await;
    let me = Some(ADMIN_EMAIL);
    let mut secrets: Vec<String> = vec![sa.clone(), ADMIN_PASSWORD.into(), PASSWORD.into()];
    let mut t = Tally(0);
    let row = t.one(app, "session.login_success", me, &Value::Null).await;
    assert_eq!(row.actor_kind, "session");

    // Resellers and companies, with their settings.
    let reseller = create_reseller(app, &sa, "R").await;
    let row = t.one(app, "reseller.create", me, &reseller).await;
    assert_eq!(row.target_type, "reseller");
    assert_eq!(
        row.reseller_id.map(|r| r.to_string()),
        reseller.as_str().map(String::from)
    );
    assert_eq!(row.changes["name"], "R");
    app.gql_ok(
        Some(&sa),
        "mutation($id: ID!) { updateReseller(id: $id, input: { name: \"R2\", apiRateLimit: 100 }) { id } }",
        json!({ "id": reseller }),
    )
    .await;
    let row = t.one(app, "reseller.update", me, &reseller).await;
    assert_eq!(
        row.changes,
        json!({ "name": { "before": "R", "after": "R2" }, "apiRateLimit": { "before": 60, "after": 100 } })
    );
    app.gql_ok(
        Some(&sa),
        "mutation($id: ID!) { setResellerFeature(resellerId: $id, flag: \"api_access\", enabled: true) { id } }",
        json!({ "id": reseller }),
    )
    .await;
    let row = t.one(app, "reseller.feature.set", me, &reseller).await;
    assert_eq!(
        row.changes["enabled"],
        json!({ "before": null, "after": true })
    );

    let company = create_company(app, &sa, &reseller, "A").await;
    let row = t.one(app, "company.create", me, &company).await;
    assert_eq!(
        row.company_id.map(|c| c.to_string()),
        company.as_str().map(String::from)
    );
    assert_eq!(
        row.reseller_id.map(|r| r.to_string()),
        reseller.as_str().map(String::from)
    );
    app.gql_ok(
        Some(&sa),
        "mutation($id: ID!) { updateCompany(id: $id, input: { name: \"A2\", apiAccessType: READ_WRITE }) { id } }",
        json!({ "id": company }),
    )
    .await;
    let row = t.one(app, "company.update", me, &company).await;
    assert_eq!(row.changes["name"], json!({ "before": "A", "after": "A2" }));
    assert_eq!(
        row.changes["apiAccessType"],
        json!({ "before": "none", "after": "read_write" })
    );
    assert_eq!(row.changes["flags.api_access"], json!({ "after": true }));
    app.gql_ok(
        Some(&sa),
        "mutation($id: ID!) { setCompanyFeature(companyId: $id, flag: \"api_access\", enabled: false) { id } }",
        json!({ "id": company }),
    )
    .await;
    let row = t.one(app, "company.feature.set", me, &company).await;
    assert_eq!(
        row.changes["enabled"],
        json!({ "before": true, "after": false })
    );

    // Roles and visibility groups.
    let role = app
        .gql_ok(
            Some(&sa),
            "mutation($c: ID!) { createRole(input: { companyId: $c, name: \"Auditors\", permissions: [\"users.read\"] }) { id } }",
            json!({ "c": company }),
        )
        .await["createRole"]["id"]
        .clone();
    let row = t.one(app, "role.create", me, &role).await;
    assert_eq!(row.changes["permissions"], json!(["users.read"]));
    app.gql_ok(
        Some(&sa),
        "mutation($id: ID!) { updateRole(id: $id, input: { permissions: [\"users.read\", \"audit_log.view\"] }) { id } }",
        json!({ "id": role }),
    )
    .await;
    let row = t.one(app, "role.update", me, &role).await;
    assert_eq!(row.changes["permissions"]["before"], json!(["users.read"]));
    assert!(row.changes.get("name").is_none(), "{row:#?}");
    let group = app
        .gql_ok(
            Some(&sa),
            "mutation($c: ID!) { createVisibilityGroup(input: { companyId: $c, name: \"G\", departments: [\"Sales\"] }) { id } }",
            json!({ "c": company }),
        )
        .await["createVisibilityGroup"]["id"]
        .clone();
    t.one(app, "visibility_group.create", me, &group).await;
    app.gql_ok(
        Some(&sa),
        "mutation($id: ID!) { updateVisibilityGroup(id: $id, input: { departments: [\"Ops\"] }) { id } }",
        json!({ "id": group }),
    )
    .await;
    let row = t.one(app, "visibility_group.update", me, &group).await;
    assert_eq!(row.changes["departments"]["after"], json!(["Ops"]));

    // Users, and their sign-ins (a failure names no password).
    let user = create_user(
        app,
        &sa,
        "boss@a.example",
        "Company admin",
        Some(&company),
        None,
    )
    .await;
    let row = t.one(app, "user.create", me, &user).await;
    assert_eq!(row.changes["passwordSet"], true);
    app.gql_ok(
        Some(&sa),
        "mutation($id: ID!) { updateUser(id: $id, input: { name: \"Boss\" }) { id } }",
        json!({ "id": user }),
    )
    .await;
    let row = t.one(app, "user.update", me, &user).await;
    assert_eq!(
        row.changes,
        json!({ "name": { "before": "U", "after": "Boss" } })
    );
    let boss = app.login("boss@a.example", PASSWORD).await;
    secrets.push(boss.clone());
    let row = t
        .one(app, "session.login_success", Some("boss@a.example"), &user)
        .await;
    assert_eq!(
        row.company_id.map(|c| c.to_string()),
        company.as_str().map(String::from)
    );
    let wrong = "a wrong password 12345";
    secrets.push(wrong.into());
    let body = app
        .gql(
            None,
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
            json!({ "e": "boss@a.example", "p": wrong }),
        )
        .await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    let row = t.one(app, "session.login_failure", None, &user).await;
    assert_eq!(row.actor_kind, "anonymous");
    assert_eq!(row.changes, json!({ "email": "boss@a.example" }));
    assert!(row.company_id.is_some());
    app.gql_ok(Some(&boss), "mutation { logout }", json!({}))
        .await;
    let row = t
        .one(app, "session.logout", Some("boss@a.example"), &user)
        .await;
    assert_eq!(row.actor_kind, "session");
    assert_eq!(
        row.company_id.map(|c| c.to_string()),
        company.as_str().map(String::from)
    );

    // Personal access tokens (also the Global Settings → API Management tokens), and a change
    // made with one: the token is the acting credential.
    let created = app
        .gql_ok(
            Some(&sa),
            "mutation { createPersonalAccessToken(input: { name: \"script\" }) { token personalAccessToken { id } } }",
            json!({}),
        )
        .await["createPersonalAccessToken"]
        .clone();
    let pat = created["token"].as_str().expect("token").to_string();
    let pat_id = created["personalAccessToken"]["id"].clone();
    secrets.push(pat.clone());
    let row = t.one(app, "personal_token.create", me, &pat_id).await;
    assert!(
        row.changes["masked"]
            .as_str()
            .expect("masked")
            .contains('•')
    );
    app.gql_ok(
        Some(&pat),
        "mutation($id: ID!) { deleteVisibilityGroup(id: $id) }",
        json!({ "id": group }),
    )
    .await;
    let row = t.one(app, "visibility_group.delete", me, &group).await;
    assert_eq!(row.actor_kind, "personal_access_token");
    assert_eq!(
        row.credential_id.map(|c| c.to_string()),
        pat_id.as_str().map(String::from)
    );
    app.gql_ok(
        Some(&sa),
        "mutation($id: ID!) { revokePersonalAccessToken(id: $id) }",
        json!({ "id": pat_id }),
    )
    .await;
    t.one(app, "personal_token.revoke", me, &pat_id).await;

    // Scoped API keys.
    let grants = json!([{ "endpoint": "EMPLOYEES", "actions": ["READ"] }]);
    let created = app
        .gql_ok(
            Some(&sa),
            "mutation($c: ID!, $g: [ApiKeyGrantInput!]!) { createApiKey(input: { companyId: $c, name: \"k\", grants: $g }) { key apiKey { id } } }",
            json!({ "c": company, "g": grants }),
        )
        .await["createApiKey"]
        .clone();
    secrets.push(created["key"].as_str().expect("key").into());
    let key = created["apiKey"]["id"].clone();
    let row = t.one(app, "api_key.create", me, &key).await;
    assert_eq!(row.changes["grants"], "employees:READ");
    app.gql_ok(
        Some(&sa),
        "mutation($id: ID!) { updateApiKeyGrants(id: $id, grants: [{ endpoint: EMPLOYEES, actions: [READ, CREATE] }]) { id } }",
        json!({ "id": key }),
    )
    .await;
    let row = t.one(app, "api_key.update_grants", me, &key).await;
    assert_eq!(row.changes["grants"]["before"], "employees:READ");
    let regenerated = app
        .gql_ok(
            Some(&sa),
            "mutation($id: ID!) { regenerateApiKey(id: $id, graceSeconds: 60) { key } }",
            json!({ "id": key }),
        )
        .await;
    secrets.push(
        regenerated["regenerateApiKey"]["key"]
            .as_str()
            .expect("key")
            .into(),
    );
    t.one(app, "api_key.regenerate", me, &key).await;
    app.gql_ok(
        Some(&sa),
        "mutation($id: ID!) { revokeApiKey(id: $id) }",
        json!({ "id": key }),
    )
    .await;
    t.one(app, "api_key.revoke", me, &key).await;
    let created = app
        .gql_ok(
            Some(&sa),
            "mutation($c: ID!, $g: [ApiKeyGrantInput!]!) { createApiKey(input: { companyId: $c, name: \"k2\", grants: $g }) { key } }",
            json!({ "c": company, "g": grants }),
        )
        .await;
    secrets.push(created["createApiKey"]["key"].as_str().expect("key").into());
    t.skip(app).await;
    app.gql_ok(
        Some(&sa),
        "mutation($c: ID!) { revokeAllApiKeys(companyId: $c) }",
        json!({ "c": company }),
    )
    .await;
    let row = t.one(app, "api_key.revoke_all", me, &company).await;
    assert_eq!(row.changes, json!({ "revoked": 1 }));

    // Partner API client credentials.
    let created = app
        .gql_ok(
            Some(&sa),
            "mutation($c: ID!) { createApiCredential(input: { companyId: $c, name: \"erp\" }) { clientId clientSecret credential { id } } }",
            json!({ "c": company }),
        )
        .await["createApiCredential"]
        .clone();
    secrets.push(created["clientSecret"].as_str().expect("secret").into());
    let cred = created["credential"]["id"].clone();
    t.one(app, "api_credential.create", me, &cred).await;
    let regenerated = app
        .gql_ok(
            Some(&sa),
            "mutation($id: ID!) { regenerateApiCredentialSecret(id: $id) { clientSecret } }",
            json!({ "id": cred }),
        )
        .await;
    secrets.push(
        regenerated["regenerateApiCredentialSecret"]["clientSecret"]
            .as_str()
            .expect("secret")
            .into(),
    );
    t.one(app, "api_credential.regenerate_secret", me, &cred)
        .await;
    app.gql_ok(
        Some(&sa),
        "mutation($id: ID!) { narrowApiCredential(id: $id, input: { roleName: \"ERP only\", permissions: [\"employees.read\"] }) { id } }",
        json!({ "id": cred }),
    )
    .await;
    let row = t.one(app, "api_credential.narrow", me, &cred).await;
    assert_eq!(
        row.changes["permissions"]["after"],
        json!(["employees.read"])
    );
    // The client revokes one of its own access tokens (RFC 7009): audited once, as the client.
    let client_id = created["clientId"].as_str().expect("client id");
    let client_secret = regenerated["regenerateApiCredentialSecret"]["clientSecret"]
        .as_str()
        .expect("secret");
    let issued: Value = app
        .client
        .post(app.url("/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", client_secret),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let access = issued["access_token"].as_str().expect("access token");
    secrets.push(access.into());
    t.skip(app).await;
    for _ in 0..2 {
        let resp = app
            .client
            .post(app.url("/oauth/revoke"))
            .basic_auth(client_id, Some(client_secret))
            .form(&[("token", access)])
            .send()
            .await
            .expect("revoke");
        assert_eq!(resp.status(), 200);
    }
    let row = t.one(app, "api_credential.token_revoke", None, &cred).await;
    assert_eq!(row.actor_kind, "api_credential");
    assert_eq!(row.actor_user_id, None);
    assert_eq!(
        row.credential_id.map(|c| c.to_string()),
        cred.as_str().map(String::from)
    );
    assert!(row.changes["jti"].is_string(), "{row:#?}");
    assert_eq!(
        row.company_id.map(|c| c.to_string()),
        company.as_str().map(String::from)
    );
    for _ in 0..2 {
        app.gql_ok(
            Some(&sa),
            "mutation($id: ID!) { revokeApiCredential(id: $id) }",
            json!({ "id": cred }),
        )
        .await;
    }
    // The second revocation changed nothing, and wrote nothing.
    t.one(app, "api_credential.revoke", me, &cred).await;

    app.gql_ok(
        Some(&sa),
        "mutation($id: ID!) { deleteRole(id: $id) }",
        json!({ "id": role }),
    )
    .await;
    t.one(app, "role.delete", me, &role).await;

    // No secret, token, key or password anywhere in the table.
    let all = rows(app).await;
    let text = format!("{all:?}");
    for s in &secrets {
        assert!(
            !text.contains(s.as_str()),
            "a secret is in the audit log: {s}"
        );
    }
    // And GraphQL shows the super admin all of them.
    let data = app.gql_ok(Some(&sa), AUDIT, json!({ "first": 200 })).await;
    assert_eq!(data["auditLogs"]["totalCount"], all.len());
    let newest = &data["auditLogs"]["nodes"][0];
    assert_eq!(newest["action"], "role.delete");
    assert_eq!(newest["actor"]["email"], ADMIN_EMAIL);
    assert_eq!(newest["company"]["name"], "A2");
    assert_eq!(newest["ip"], "127.0.0.1");
}
db_test!(every_change_is_audited_once_without_secrets);

async fn scope_filters_and_pages(app: &TestApp) {
    let sa = app.admin_token().await;
    let reseller = create_reseller(app, &sa, "R").await;
    let other_reseller = create_reseller(app, &sa, "Other").await;
    let a = create_company(app, &sa, &reseller, "A").await;
    let b = create_company(app, &sa, &reseller, "B").await;
    let c = create_company(app, &sa, &other_reseller, "C").await;
    create_user(app, &sa, "admin@a.example", "Company admin", Some(&a), None).await;
    create_user(
        app,
        &sa,
        "member@a.example",
        "Company member",
        Some(&a),
        None,
    )
    .await;
    create_user(app, &sa, "admin@b.example", "Company admin", Some(&b), None).await;
    create_user(
        app,
        &sa,
        "staff@r.example",
        "Reseller admin",
        None,
        Some(&reseller),
    )
    .await;
    let admin_a = app.login("admin@a.example", PASSWORD).await;
    let member_a = app.login("member@a.example", PASSWORD).await;
    let admin_b = app.login("admin@b.example", PASSWORD).await;
    let staff = app.login("staff@r.example", PASSWORD).await;
    // Three changes in A by its admin, one in B by its admin.
    for name in ["g1", "g2", "g3"] {
        app.gql_ok(
            Some(&admin_a),
            "mutation($c: ID!, $n: String!) { createVisibilityGroup(input: { companyId: $c, name: $n, departments: [\"Sales\"] }) { id } }",
            json!({ "c": a, "n": name }),
        )
        .await;
    }
    app.gql_ok(
        Some(&admin_b),
        "mutation($c: ID!) { createVisibilityGroup(input: { companyId: $c, name: \"gb\", departments: [\"Ops\"] }) { id } }",
        json!({ "c": b }),
    )
    .await;

    let list = async |token: &str, filter: Value| {
        app.gql_ok(Some(token), AUDIT, json!({ "f": filter, "first": 200 }))
            .await["auditLogs"]
            .clone()
    };
    let companies_of = |page: &Value| -> Vec<String> {
        page["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["company"]["name"].as_str().unwrap_or("-").to_string())
            .collect()
    };
    // Company A's admin: only A's rows (its users' creation and sign-ins, its groups).
    let page = list(&admin_a, json!({})).await;
    let names = companies_of(&page);
    assert!(!names.is_empty());
    assert!(names.iter().all(|n| n == "A"), "{names:?}");
    // Asking for B's rows by filter finds nothing.
    let page = list(&admin_a, json!({ "companyId": b })).await;
    assert_eq!(page["totalCount"], 0);
    // A member without audit_log.view is refused.
    let body = app.gql(Some(&member_a), AUDIT, json!({})).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body:#}");
    assert!(error_message(&body).contains("audit_log.view"), "{body:#}");
    // Without a token: unauthenticated.
    let body = app.gql(None, AUDIT, json!({})).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    // The reseller's admin: A, B and the reseller's own rows, not C's nor the other reseller's.
    let page = list(&staff, json!({})).await;
    let names = companies_of(&page);
    assert!(names.contains(&"A".to_string()) && names.contains(&"B".to_string()));
    assert!(!names.contains(&"C".to_string()), "{names:?}");
    for n in page["nodes"].as_array().expect("nodes") {
        assert_eq!(n["reseller"]["id"], reseller, "{n:#}");
    }
    // The super admin sees C too.
    let page = list(&sa, json!({ "companyId": c })).await;
    assert_eq!(page["totalCount"], 1);
    assert_eq!(page["nodes"][0]["action"], "company.create");

    // Filters.
    let page = list(&sa, json!({ "action": "visibility_group.create" })).await;
    assert_eq!(page["totalCount"], 4);
    let page = list(
        &sa,
        json!({ "action": "visibility_group.create", "companyId": a, "targetType": "visibility_group" }),
    )
    .await;
    assert_eq!(page["totalCount"], 3);
    let admin_a_id = page["nodes"][0]["actor"]["id"].clone();
    let page = list(&sa, json!({ "actorId": admin_a_id })).await;
    let actions: Vec<&str> = page["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["action"].as_str().expect("action"))
        .collect();
    assert_eq!(
        actions,
        [
            "visibility_group.create",
            "visibility_group.create",
            "visibility_group.create",
            "session.login_success"
        ]
    );
    let target = page["nodes"][0]["targetId"].clone();
    let page = list(&sa, json!({ "targetId": target })).await;
    assert_eq!(page["totalCount"], 1);
    let future = "2999-01-01T00:00:00Z";
    assert_eq!(list(&sa, json!({ "from": future })).await["totalCount"], 0);
    let all = list(&sa, json!({})).await["totalCount"].clone();
    assert_eq!(
        list(&sa, json!({ "from": "2000-01-01T00:00:00Z", "to": future })).await["totalCount"],
        all
    );
    let body = app
        .gql(
            Some(&sa),
            AUDIT,
            json!({ "f": { "from": future, "to": "2000-01-01T00:00:00Z" } }),
        )
        .await;
    assert_eq!(error_code(&body), "VALIDATION");

    // Pages of two, newest first, no row twice, none missed.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = app
            .gql_ok(Some(&sa), AUDIT, json!({ "first": 2, "after": after }))
            .await["auditLogs"]
            .clone();
        assert_eq!(page["totalCount"], all);
        for n in page["nodes"].as_array().expect("nodes") {
            seen.push(n["id"].as_str().expect("id").to_string());
        }
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(String::from);
    }
    assert_eq!(Some(seen.len() as u64), all.as_u64());
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(seen, sorted, "newest first");
    for first in [0, 201] {
        let body = app.gql(Some(&sa), AUDIT, json!({ "first": first })).await;
        assert_eq!(error_code(&body), "VALIDATION", "{body:#}");
    }
    let body = app
        .gql(Some(&sa), AUDIT, json!({ "after": "garbage" }))
        .await;
    assert_eq!(error_code(&body), "VALIDATION", "{body:#}");
}
db_test!(scope_filters_and_pages);

async fn a_failed_change_writes_no_row(app: &TestApp) {
    let sa = app.admin_token().await;
    let reseller = create_reseller(app, &sa, "R").await;
    let mut t = Tally(0);
    t.skip(app).await;
    // Refused by the database (duplicate name): no row.
    let body = app
        .gql(
            Some(&sa),
            "mutation { createReseller(input: { name: \"R\" }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "CONFLICT", "{body:#}");
    t.none(app, "a refused createReseller").await;
    // Refused by validation: no row.
    let body = app
        .gql(
            Some(&sa),
            "mutation($id: ID!) { updateReseller(id: $id, input: { apiRateLimit: 0 }) { id } }",
            json!({ "id": reseller }),
        )
        .await;
    assert_eq!(error_code(&body), "VALIDATION", "{body:#}");
    t.none(app, "a refused updateReseller").await;
    // When the audit row cannot be written, the change is rolled back with it: the audit row is
    // in the change's transaction, so there is never a change without its row.
    app.state()
        .app
        .db
        .execute_unprepared("DROP TABLE audit_logs")
        .await
        .expect("drop");
    let body = app
        .gql(
            Some(&sa),
            "mutation($id: ID!) { updateReseller(id: $id, input: { name: \"Renamed\" }) { id } }",
            json!({ "id": reseller }),
        )
        .await;
    assert_eq!(error_code(&body), "INTERNAL", "{body:#}");
    let data = app
        .gql_ok(Some(&sa), "{ resellers { nodes { name } } }", json!({}))
        .await;
    let names = data["resellers"]["nodes"].to_string();
    assert!(
        names.contains("\"R\"") && !names.contains("Renamed"),
        "{names}"
    );
}
db_test!(a_failed_change_writes_no_row);

/// Behind a trusted proxy, the audit row has the client's address from `X-Forwarded-For`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_ip_is_resolved_through_trusted_proxies() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().expect("net")];
    })
    .await;
    let outcome = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(async {
        let sa = app.admin_token().await;
        let resp = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&sa)
            .header("x-forwarded-for", "203.0.113.50")
            .json(&json!({ "query": "mutation { createReseller(input: { name: \"R\" }) { id } }" }))
            .send()
            .await
            .expect("request");
        assert!(resp.status().is_success());
        let all = rows(&app).await;
        let last = all.last().expect("a row");
        assert_eq!(last.action, "reseller.create");
        assert_eq!(last.ip.as_deref(), Some("203.0.113.50"));
    }))
    .await;
    app.stop().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
