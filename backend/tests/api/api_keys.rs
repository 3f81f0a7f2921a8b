//! Scoped API keys (seed 004): generate (shown once), list (masked, with grants), revoke one,
//! revoke all, validation messages, who may manage them, and `authenticate` for the REST guards.

use backend::entity::{api_key, api_key_grant};
use backend::service::api_keys;
use backend::token::{self, TokenKind};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

const CREATE: &str = "mutation($c: ID!, $n: String!, $g: [ApiKeyGrantInput!]!) {
  createApiKey(input: { companyId: $c, name: $n, grants: $g }) {
    key apiKey { id name maskedKey grants { endpoint actions fields } createdAt lastUsedAt }
  } }";
const LIST: &str = "query($c: ID!) {
  apiKeys(companyId: $c) { id name maskedKey grants { endpoint actions fields } createdAt lastUsedAt } }";
const REVOKE: &str = "mutation($id: ID!) { revokeApiKey(id: $id) }";
const REVOKE_ALL: &str = "mutation($c: ID!) { revokeAllApiKeys(companyId: $c) }";

const PASSWORD: &str = "long enough password";

/// Two companies of one reseller, and the people who act on them.
struct World {
    super_admin: String,
    company_a: Value,
    company_b: Value,
    admin_a: String,
    member_a: String,
    admin_b: String,
    reseller_admin: String,
}

async fn role_id(app: &TestApp, admin: &str, name: &str) -> Value {
    let roles = app
        .gql_ok(Some(admin), "{ roles { id name } }", json!({}))
        .await;
    roles["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["name"] == name)
        .expect("role")["id"]
        .clone()
}

async fn user(
    app: &TestApp,
    admin: &str,
    email: &str,
    role: &str,
    company: Option<&Value>,
    reseller: Option<&Value>,
) -> String {
    let role = role_id(app, admin, role).await;
    app.gql_ok(
        Some(admin),
        "mutation($e: String!, $p: String!, $r: ID!, $c: ID, $s: ID) { createUser(input: { email: $e, name: \"U\", password: $p, roleId: $r, companyId: $c, resellerId: $s }) { id } }",
        json!({ "e": email, "p": PASSWORD, "r": role, "c": company, "s": reseller }),
    )
    .await;
    app.login(email, PASSWORD).await
}

async fn world(app: &TestApp) -> World {
    let super_admin = app.admin_token().await;
    let reseller = app
        .gql_ok(
            Some(&super_admin),
            "mutation { createReseller(input: { name: \"R\" }) { id } }",
            json!({}),
        )
        .await["createReseller"]["id"]
        .clone();
    let mut companies = Vec::new();
    for name in ["A", "B"] {
        companies.push(
            app.gql_ok(
                Some(&super_admin),
                "mutation($r: ID!, $n: String!) { createCompany(input: { resellerId: $r, name: $n }) { id } }",
                json!({ "r": reseller, "n": name }),
            )
            .await["createCompany"]["id"]
                .clone(),
        );
    }
    let (a, b) = (&companies[0], &companies[1]);
    World {
        admin_a: user(
            app,
            &super_admin,
            "admin@a.example",
            "Company admin",
            Some(a),
            None,
        )
        .await,
        member_a: user(
            app,
            &super_admin,
            "member@a.example",
            "Company member",
            Some(a),
            None,
        )
        .await,
        admin_b: user(
            app,
            &super_admin,
            "admin@b.example",
            "Company admin",
            Some(b),
            None,
        )
        .await,
        reseller_admin: user(
            app,
            &super_admin,
            "staff@r.example",
            "Reseller admin",
            None,
            Some(&reseller),
        )
        .await,
        company_a: a.clone(),
        company_b: b.clone(),
        super_admin,
    }
}

fn read_employees() -> Value {
    json!([{ "endpoint": "EMPLOYEES", "actions": ["READ"] }])
}

/// Creates a key and returns the full key and the `apiKey` object.
async fn create(
    app: &TestApp,
    session: &str,
    company: &Value,
    name: &str,
    grants: Value,
) -> (String, Value) {
    let d = app
        .gql_ok(
            Some(session),
            CREATE,
            json!({ "c": company, "n": name, "g": grants }),
        )
        .await;
    let c = &d["createApiKey"];
    (
        c["key"].as_str().expect("key").to_string(),
        c["apiKey"].clone(),
    )
}

async fn list(app: &TestApp, session: &str, company: &Value) -> Vec<Value> {
    app.gql_ok(Some(session), LIST, json!({ "c": company }))
        .await["apiKeys"]
        .as_array()
        .expect("list")
        .clone()
}

async fn authenticate(
    app: &TestApp,
    key: &str,
) -> backend::error::AppResult<std::sync::Arc<api_keys::ApiKeyView>> {
    let parsed = token::parse(key).expect("well-formed key");
    api_keys::authenticate(&app.state().app, &parsed).await
}

/// The part of a key that must never appear anywhere but in its creation response.
fn secret_of(key: &str) -> &str {
    &key[16..]
}

async fn key_is_shown_once_listed_masked_and_revoked(app: &TestApp) {
    let w = world(app).await;
    let grants = json!([
        { "endpoint": "TIME_OFF", "actions": ["READ"],
          "fields": ["start_date", "employee_id", "end_date"] },
        { "endpoint": "EMPLOYEES", "actions": ["UPDATE", "READ"] },
    ]);
    let (key, created) = create(app, &w.admin_a, &w.company_a, "Calendar sync", grants).await;
    assert!(key.starts_with("key_"), "{key}");
    let masked = created["maskedKey"].as_str().expect("masked");
    assert!(
        masked.starts_with(&key[..16]),
        "{masked} shows the public id"
    );
    assert!(!masked.contains(secret_of(&key)));
    assert!(created["lastUsedAt"].is_null());
    // Grants come back normalised: endpoint order, catalogue order, fields null = all.
    assert_eq!(
        created["grants"],
        json!([
            { "endpoint": "EMPLOYEES", "actions": ["READ", "UPDATE"], "fields": null },
            { "endpoint": "TIME_OFF", "actions": ["READ"],
              "fields": ["employee_id", "start_date", "end_date"] },
        ])
    );
    let (second, _) = create(app, &w.admin_a, &w.company_a, "Payroll", read_employees()).await;

    let mut responses = Vec::new();
    let listed = list(app, &w.admin_a, &w.company_a).await;
    let names: Vec<&str> = listed
        .iter()
        .map(|k| k["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Payroll", "Calendar sync"], "newest first");
    assert_eq!(listed[1]["maskedKey"], created["maskedKey"]);
    assert_eq!(listed[1]["grants"], created["grants"]);
    assert!(listed[1]["lastUsedAt"].is_null());
    responses.push(json!(listed));

    // The REST guards authenticate a live key and get its grants; the use is recorded.
    let view = authenticate(app, &key).await.expect("live key");
    assert_eq!(view.key.name, "Calendar sync");
    let time_off = view
        .grant(shared::api::ApiEndpoint::TimeOff)
        .expect("time off grant");
    assert!(time_off.allows(shared::api::ApiAction::Read));
    assert!(!time_off.allows_field("note"));
    assert!(view.grant(shared::api::ApiEndpoint::Documents).is_none());
    let listed = list(app, &w.admin_a, &w.company_a).await;
    assert!(
        !listed[1]["lastUsedAt"].is_null(),
        "last used is shown at once"
    );
    responses.push(json!(listed));
    let db = &app.state().app.db;
    app.state().app.last_used.flush(db).await.expect("flush");
    let id: Uuid = created["id"].as_str().expect("id").parse().expect("uuid");
    let row = api_key::Entity::find_by_id(id)
        .one(db)
        .await
        .expect("query")
        .expect("row");
    assert!(row.last_used_at.is_some(), "the stamp reaches the database");
    assert_ne!(row.key_hash, key, "only the hash is stored");

    // A well-formed key that was never issued, and a token of another kind, fail.
    let never = token::mint(TokenKind::ApiKey).expect("mint");
    assert_eq!(
        authenticate(app, never.expose())
            .await
            .map(|_| ())
            .expect_err("unknown")
            .code(),
        "UNAUTHENTICATED"
    );
    let pat = token::mint(TokenKind::PersonalAccessToken).expect("mint");
    assert!(authenticate(app, pat.expose()).await.is_err());

    let revoked = app
        .gql_ok(Some(&w.admin_a), REVOKE, json!({ "id": created["id"] }))
        .await;
    assert_eq!(revoked["revokeApiKey"], true);
    responses.push(revoked);
    let err = authenticate(app, &key)
        .await
        .map(|_| ())
        .expect_err("revoked");
    assert_eq!(err.code(), "UNAUTHENTICATED");
    assert!(
        authenticate(app, &second).await.is_ok(),
        "others keep working"
    );
    let again = app
        .gql(Some(&w.admin_a), REVOKE, json!({ "id": created["id"] }))
        .await;
    assert_eq!(error_code(&again), "NOT_FOUND");
    responses.push(again);
    let listed = list(app, &w.admin_a, &w.company_a).await;
    assert_eq!(listed.len(), 1);
    responses.push(json!(listed));
    assert_eq!(
        api_key_grant::Entity::find()
            .filter(api_key_grant::Column::ApiKeyId.eq(id))
            .count(db)
            .await
            .expect("count"),
        0,
        "its grants are gone too"
    );

    for r in responses {
        let text = r.to_string();
        for k in [&key, &second] {
            assert!(!text.contains(secret_of(k)), "a secret leaked: {text}");
        }
    }
}
db_test!(key_is_shown_once_listed_masked_and_revoked);

async fn revoke_all_counts_and_spares_other_companies(app: &TestApp) {
    let w = world(app).await;
    let mut keys_a = Vec::new();
    for n in ["one", "two", "three"] {
        keys_a.push(
            create(app, &w.admin_a, &w.company_a, n, read_employees())
                .await
                .0,
        );
    }
    let (key_b, _) = create(app, &w.admin_b, &w.company_b, "one", read_employees()).await;

    let d = app
        .gql_ok(Some(&w.admin_a), REVOKE_ALL, json!({ "c": w.company_a }))
        .await;
    assert_eq!(d["revokeAllApiKeys"], 3);
    assert!(list(app, &w.admin_a, &w.company_a).await.is_empty());
    for k in &keys_a {
        assert!(authenticate(app, k).await.is_err(), "every key of A stops");
    }
    assert_eq!(list(app, &w.admin_b, &w.company_b).await.len(), 1);
    assert!(
        authenticate(app, &key_b).await.is_ok(),
        "B's key is untouched"
    );
    assert_eq!(
        api_key_grant::Entity::find()
            .count(&app.state().app.db)
            .await
            .expect("count"),
        1,
        "only B's grant is left"
    );
    let d = app
        .gql_ok(Some(&w.admin_a), REVOKE_ALL, json!({ "c": w.company_a }))
        .await;
    assert_eq!(d["revokeAllApiKeys"], 0, "nothing left to revoke");
}
db_test!(revoke_all_counts_and_spares_other_companies);

async fn a_failed_create_writes_nothing(app: &TestApp) {
    let w = world(app).await;
    let db = &app.state().app.db;
    let count_keys = || async {
        api_key::Entity::find()
            .count(&app.state().app.db)
            .await
            .expect("count")
    };
    create(app, &w.admin_a, &w.company_a, "kept", read_employees()).await;
    // A duplicate name fails on the first write.
    let dup = app
        .gql(
            Some(&w.admin_a),
            CREATE,
            json!({ "c": w.company_a, "n": "kept", "g": read_employees() }),
        )
        .await;
    assert_eq!(error_code(&dup), "CONFLICT");
    assert_eq!(count_keys().await, 1);

    // Make the second write (the grants) fail: the key row written before it must not remain.
    db.execute_unprepared("DROP TABLE api_key_grants")
        .await
        .expect("drop grants table");
    let failed = app
        .gql(
            Some(&w.admin_a),
            CREATE,
            json!({ "c": w.company_a, "n": "half", "g": read_employees() }),
        )
        .await;
    assert_eq!(error_code(&failed), "INTERNAL");
    assert_eq!(error_message(&failed), "internal error");
    assert!(failed["data"].is_null(), "no key is handed out: {failed}");
    assert_eq!(count_keys().await, 1, "the key row was rolled back");
    assert_eq!(
        api_key::Entity::find()
            .filter(api_key::Column::Name.eq("half"))
            .count(db)
            .await
            .expect("count"),
        0
    );
}
db_test!(a_failed_create_writes_nothing);

async fn grants_and_names_are_validated_with_clear_messages(app: &TestApp) {
    let w = world(app).await;
    let attempt = |name: &'static str, grants: Value| {
        let session = w.admin_a.clone();
        let company = w.company_a.clone();
        async move {
            app.gql(
                Some(&session),
                CREATE,
                json!({ "c": company, "n": name, "g": grants }),
            )
            .await
        }
    };
    let cases = [
        (
            json!([{ "endpoint": "EMPLOYEES", "actions": ["READ"], "fields": ["first_name", "shoe_size"] }]),
            "unknown field 'shoe_size' for endpoint EMPLOYEES",
        ),
        (
            json!([{ "endpoint": "EMPLOYEES", "actions": ["READ", "DOWNLOAD"] }]),
            "action DOWNLOAD is not supported by endpoint EMPLOYEES: it supports CREATE, READ, UPDATE, DELETE",
        ),
        (json!([]), "grants must not be empty"),
        (
            json!([{ "endpoint": "USERS", "actions": [] }]),
            "actions for endpoint USERS must not be empty",
        ),
        (
            json!([
                { "endpoint": "TIME_OFF", "actions": ["READ"] },
                { "endpoint": "TIME_OFF", "actions": ["CREATE"] },
            ]),
            "endpoint TIME_OFF appears more than once",
        ),
    ];
    for (grants, want) in cases {
        let body = attempt("bad", grants).await;
        assert_eq!(error_code(&body), "VALIDATION", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "grants");
        let msg = error_message(&body);
        assert!(msg.starts_with(want), "{msg:?} should start with {want:?}");
    }
    let blank = attempt("   ", read_employees()).await;
    assert_eq!(error_code(&blank), "VALIDATION");
    assert_eq!(blank["errors"][0]["extensions"]["field"], "name");

    create(app, &w.admin_a, &w.company_a, "Calendar", read_employees()).await;
    let dup = attempt("Calendar", read_employees()).await;
    assert_eq!(error_code(&dup), "CONFLICT");
    assert_eq!(
        error_message(&dup),
        "An API key with this name already exists"
    );
    assert_eq!(dup["errors"][0]["extensions"]["field"], "name");
    // Names are unique per company only.
    create(app, &w.admin_b, &w.company_b, "Calendar", read_employees()).await;

    let bad_id = app
        .gql(
            Some(&w.admin_a),
            CREATE,
            json!({ "c": "not-an-id", "n": "x", "g": read_employees() }),
        )
        .await;
    assert_eq!(error_code(&bad_id), "VALIDATION");
    assert_eq!(bad_id["errors"][0]["extensions"]["field"], "companyId");
    assert_eq!(list(app, &w.admin_a, &w.company_a).await.len(), 1);
}
db_test!(grants_and_names_are_validated_with_clear_messages);

async fn only_administrators_of_the_company_manage_its_keys(app: &TestApp) {
    let w = world(app).await;
    let (key_b, row_b) = create(
        app,
        &w.admin_b,
        &w.company_b,
        "B secret name",
        read_employees(),
    )
    .await;
    let vars_a = json!({ "c": w.company_a, "n": "x", "g": read_employees() });
    let mut responses = Vec::new();

    // A company member, and a reseller admin (no api_keys.manage), are forbidden.
    for session in [&w.member_a, &w.reseller_admin] {
        for (q, vars) in [
            (CREATE, vars_a.clone()),
            (LIST, json!({ "c": w.company_a })),
            (REVOKE_ALL, json!({ "c": w.company_a })),
            (REVOKE, json!({ "id": row_b["id"] })),
        ] {
            let body = app.gql(Some(session), q, vars).await;
            assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
            assert!(error_message(&body).contains("api_keys.manage"));
            responses.push(body);
        }
    }

    // A company admin of A is not one of B: B's company and keys look absent.
    for (q, vars) in [
        (
            CREATE,
            json!({ "c": w.company_b, "n": "x", "g": read_employees() }),
        ),
        (LIST, json!({ "c": w.company_b })),
        (REVOKE_ALL, json!({ "c": w.company_b })),
        (REVOKE, json!({ "id": row_b["id"] })),
        (REVOKE, json!({ "id": Uuid::now_v7().to_string() })),
    ] {
        let body = app.gql(Some(&w.admin_a), q, vars).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
        assert!(body["data"].is_null(), "{body}");
        responses.push(body);
    }
    let anonymous = app.gql(None, LIST, json!({ "c": w.company_a })).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");

    // None of that touched B's key, and no response leaked it.
    assert!(authenticate(app, &key_b).await.is_ok());
    assert_eq!(list(app, &w.admin_b, &w.company_b).await.len(), 1);
    for r in &responses {
        let text = r.to_string();
        assert!(!text.contains("B secret name"), "{text}");
        assert!(!text.contains(&key_b[4..15]), "public id leaked: {text}");
        assert!(!text.contains(secret_of(&key_b)), "{text}");
    }

    // A super admin has every company in scope, and still sees only the masked key.
    let seen = list(app, &w.super_admin, &w.company_b).await;
    assert_eq!(seen.len(), 1);
    assert!(!json!(seen).to_string().contains(secret_of(&key_b)));
}
db_test!(only_administrators_of_the_company_manage_its_keys);

const REGENERATE: &str =
    "mutation($id: ID!, $g: Int) { regenerateApiKey(id: $id, graceSeconds: $g) {
  key apiKey { id maskedKey previousKeyExpiresAt grants { endpoint actions } } } }";

async fn company_for_rotation(app: &TestApp, admin: &str) -> Value {
    let r = app
        .gql_ok(
            Some(admin),
            "mutation { createReseller(input: { name: \"RotR\" }) { id } }",
            json!({}),
        )
        .await;
    app.gql_ok(
        Some(admin),
        "mutation($r: ID!) { createCompany(input: { resellerId: $r, name: \"RotC\" }) { id } }",
        json!({ "r": r["createReseller"]["id"] }),
    )
    .await["createCompany"]["id"]
        .clone()
}

async fn new_key(app: &TestApp, admin: &str, company: &Value, name: &str) -> (String, Value) {
    let d = app
        .gql_ok(
            Some(admin),
            "mutation($c: ID!, $n: String!) { createApiKey(input: { companyId: $c, name: $n, grants: [{ endpoint: EMPLOYEES, actions: [READ] }] }) { key apiKey { id } } }",
            json!({ "c": company, "n": name }),
        )
        .await;
    (
        d["createApiKey"]["key"].as_str().expect("key").to_string(),
        d["createApiKey"]["apiKey"]["id"].clone(),
    )
}

/// Regenerating without grace retires the old key at once; with grace both work until it ends.
async fn regenerate_rotates_with_optional_grace(app: &TestApp) {
    let admin = app.admin_token().await;
    let company = company_for_rotation(app, &admin).await;

    let (old, id) = new_key(app, &admin, &company, "no grace").await;
    assert!(authenticate(app, &old).await.is_ok());
    let d = app
        .gql_ok(Some(&admin), REGENERATE, json!({ "id": id }))
        .await;
    let new = d["regenerateApiKey"]["key"]
        .as_str()
        .expect("key")
        .to_string();
    assert_ne!(new, old);
    assert!(d["regenerateApiKey"]["apiKey"]["previousKeyExpiresAt"].is_null());
    assert_eq!(
        d["regenerateApiKey"]["apiKey"]["grants"][0]["endpoint"],
        "EMPLOYEES"
    );
    assert!(
        authenticate(app, &old).await.is_err(),
        "old key retired at once (even if cached)"
    );
    assert!(authenticate(app, &new).await.is_ok());

    let (old, id) = new_key(app, &admin, &company, "with grace").await;
    let d = app
        .gql_ok(Some(&admin), REGENERATE, json!({ "id": id, "g": 3600 }))
        .await;
    let new = d["regenerateApiKey"]["key"]
        .as_str()
        .expect("key")
        .to_string();
    assert!(!d["regenerateApiKey"]["apiKey"]["previousKeyExpiresAt"].is_null());
    assert!(
        authenticate(app, &old).await.is_ok(),
        "old key works during the grace"
    );
    assert!(authenticate(app, &new).await.is_ok());
    // End the grace behind the server's back, then drop caches with an unrelated change.
    api_key::Entity::update_many()
        .col_expr(
            api_key::Column::PreviousKeyExpiresAt,
            sea_orm::sea_query::Expr::value(
                time::OffsetDateTime::now_utc() - time::Duration::seconds(1),
            ),
        )
        .filter(api_key::Column::Id.eq(id.as_str().expect("id").parse::<Uuid>().expect("uuid")))
        .exec(&app.state().app.db)
        .await
        .expect("expire grace");
    app.state().app.invalidator.invalidate();
    assert!(
        authenticate(app, &old).await.is_err(),
        "old key stops when the grace ends"
    );
    assert!(authenticate(app, &new).await.is_ok());

    for bad in [-1, 86_401] {
        let body = app
            .gql(Some(&admin), REGENERATE, json!({ "id": id, "g": bad }))
            .await;
        assert_eq!(error_code(&body), "VALIDATION");
        assert_eq!(body["errors"][0]["extensions"]["field"], "graceSeconds");
    }
}
db_test!(regenerate_rotates_with_optional_grace);

/// A verified key is served from the cache; revoking it takes effect at once anyway.
async fn verified_keys_are_cached_until_revoked(app: &TestApp) {
    let admin = app.admin_token().await;
    let company = company_for_rotation(app, &admin).await;
    let (key, id) = new_key(app, &admin, &company, "cached").await;
    assert!(authenticate(app, &key).await.is_ok());
    let uuid: Uuid = id.as_str().expect("id").parse().expect("uuid");
    api_key::Entity::update_many()
        .col_expr(
            api_key::Column::KeyHash,
            sea_orm::sea_query::Expr::value("0".repeat(64)),
        )
        .filter(api_key::Column::Id.eq(uuid))
        .exec(&app.state().app.db)
        .await
        .expect("corrupt");
    assert!(
        authenticate(app, &key).await.is_ok(),
        "no database read on a cache hit"
    );
    app.gql_ok(
        Some(&admin),
        "mutation($id: ID!) { revokeApiKey(id: $id) }",
        json!({ "id": id }),
    )
    .await;
    assert!(authenticate(app, &key).await.is_err());
}
db_test!(verified_keys_are_cached_until_revoked);
