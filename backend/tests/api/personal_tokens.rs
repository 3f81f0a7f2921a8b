//! Personal access tokens: create, list (masked, newest first, filter), use, revoke, expiry,
//! ownership, and that a token follows its user's current role and status.

use backend::entity::personal_access_token as pat;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::helpers::*;

const CREATE: &str = "mutation($n: String!, $e: DateTime) {
  createPersonalAccessToken(input: { name: $n, expiresAt: $e }) {
    token personalAccessToken { id name maskedToken createdAt lastUsedAt expiresAt expired }
  } }";
const LIST: &str = "query($n: String) { personalAccessTokens(name: $n) { id name maskedToken lastUsedAt expired } }";

async fn create(app: &TestApp, session: &str, name: &str) -> (String, Value) {
    let d = app
        .gql_ok(Some(session), CREATE, json!({ "n": name }))
        .await;
    let c = &d["createPersonalAccessToken"];
    (
        c["token"].as_str().expect("token").to_string(),
        c["personalAccessToken"].clone(),
    )
}

async fn create_user(app: &TestApp, admin: &str, email: &str, role: &str) -> String {
    let reseller = app
        .gql_ok(
            Some(admin),
            "mutation { createReseller(input: { name: \"R\" }) { id } }",
            json!({}),
        )
        .await["createReseller"]["id"]
        .clone();
    let company = app
        .gql_ok(
            Some(admin),
            "mutation($r: ID!) { createCompany(input: { resellerId: $r, name: \"C\" }) { id } }",
            json!({ "r": reseller }),
        )
        .await["createCompany"]["id"]
        .clone();
    // Scripts' tokens of company users pass the public API's gate on GraphQL too: open it.
    app.gql_ok(
        Some(admin),
        "mutation($r: ID!, $c: ID!) { setResellerFeature(resellerId: $r, flag: \"api_access\", \
         enabled: true) { id } updateCompany(id: $c, input: { apiAccessType: READ_WRITE }) { id } }",
        json!({ "r": reseller, "c": company }),
    )
    .await;
    let roles = app
        .gql_ok(Some(admin), "{ roles { id name } }", json!({}))
        .await;
    let role_id = roles["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["name"] == role)
        .expect("role")["id"]
        .clone();
    let d = app
        .gql_ok(
            Some(admin),
            "mutation($e: String!, $r: ID!, $c: ID) { createUser(input: { email: $e, name: \"U\", password: \"long enough password\", roleId: $r, companyId: $c }) { id } }",
            json!({ "e": email, "r": role_id, "c": company }),
        )
        .await;
    d["createUser"]["id"].as_str().expect("id").to_string()
}

async fn token_authenticates_graphql_and_lists_masked(app: &TestApp) {
    let session = app.admin_token().await;
    let (token, row) = create(app, &session, "Reporting Script").await;
    assert!(token.starts_with("pat_"), "{token}");
    assert!(row["lastUsedAt"].is_null());
    assert!(row["expiresAt"].is_null());
    assert_eq!(row["expired"], false);
    let masked = row["maskedToken"].as_str().expect("masked");
    assert!(masked.starts_with("pat_"));
    assert!(
        !masked.contains(&token[16..]),
        "the mask must hide the secret"
    );

    // A script uses the token for its next call.
    let me = app
        .gql_ok(Some(&token), "{ me { email } }", json!({}))
        .await;
    assert_eq!(me["me"]["email"], ADMIN_EMAIL);

    let list = app.gql_ok(Some(&session), LIST, json!({})).await;
    let listed = &list["personalAccessTokens"][0];
    assert_eq!(listed["name"], "Reporting Script");
    assert!(!listed["lastUsedAt"].is_null(), "last used is recorded");
    assert!(
        !list.to_string().contains(&token[16..]),
        "lists never show the secret"
    );
}
db_test!(token_authenticates_graphql_and_lists_masked);

async fn names_are_unique_per_user_and_validated(app: &TestApp) {
    let session = app.admin_token().await;
    create(app, &session, "CI").await;
    let dup = app.gql(Some(&session), CREATE, json!({ "n": "CI" })).await;
    assert_eq!(error_code(&dup), "CONFLICT");
    assert_eq!(error_message(&dup), "Token already exists");
    let blank = app.gql(Some(&session), CREATE, json!({ "n": "  " })).await;
    assert_eq!(error_code(&blank), "VALIDATION");
    assert_eq!(blank["errors"][0]["extensions"]["field"], "name");
    let past = app
        .gql(
            Some(&session),
            CREATE,
            json!({ "n": "old", "e": "2020-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(error_code(&past), "VALIDATION");
    assert_eq!(past["errors"][0]["extensions"]["field"], "expiresAt");
    let list = app.gql_ok(Some(&session), LIST, json!({})).await;
    assert_eq!(
        list["personalAccessTokens"].as_array().map(Vec::len),
        Some(1)
    );
}
db_test!(names_are_unique_per_user_and_validated);

async fn list_is_newest_first_and_filters_by_name(app: &TestApp) {
    let session = app.admin_token().await;
    for n in ["alpha one", "beta", "alpha two"] {
        create(app, &session, n).await;
    }
    let all = app.gql_ok(Some(&session), LIST, json!({})).await;
    let names: Vec<&str> = all["personalAccessTokens"]
        .as_array()
        .expect("list")
        .iter()
        .map(|t| t["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["alpha two", "beta", "alpha one"]);
    let filtered = app
        .gql_ok(Some(&session), LIST, json!({ "n": "ALPHA" }))
        .await;
    assert_eq!(
        filtered["personalAccessTokens"].as_array().map(Vec::len),
        Some(2)
    );
}
db_test!(list_is_newest_first_and_filters_by_name);

async fn revoked_expired_and_mistyped_tokens_fail(app: &TestApp) {
    let session = app.admin_token().await;
    let (token, row) = create(app, &session, "to revoke").await;
    let revoked = app
        .gql_ok(
            Some(&session),
            "mutation($id: ID!) { revokePersonalAccessToken(id: $id) }",
            json!({ "id": row["id"] }),
        )
        .await;
    assert_eq!(revoked["revokePersonalAccessToken"], true);
    let after = app.gql(Some(&token), "{ me { id } }", json!({})).await;
    assert_eq!(error_code(&after), "UNAUTHENTICATED");

    let (token, row) = create(app, &session, "to expire").await;
    let id: uuid::Uuid = row["id"].as_str().expect("id").parse().expect("uuid");
    pat::Entity::update_many()
        .col_expr(
            pat::Column::ExpiresAt,
            Expr::value(OffsetDateTime::now_utc() - time::Duration::minutes(1)),
        )
        .filter(pat::Column::Id.eq(id))
        .exec(&app.state().app.db)
        .await
        .expect("expire it");
    let expired = app.gql(Some(&token), "{ me { id } }", json!({})).await;
    assert_eq!(error_code(&expired), "UNAUTHENTICATED");
    assert!(error_message(&expired).contains("expired"));
    let list = app
        .gql_ok(Some(&session), LIST, json!({ "n": "to expire" }))
        .await;
    assert_eq!(list["personalAccessTokens"][0]["expired"], true);

    let (token, _) = create(app, &session, "to mistype").await;
    let mut chars: Vec<char> = token.chars().collect();
    chars[30] = if chars[30] == 'a' { 'b' } else { 'a' };
    let mistyped: String = chars.into_iter().collect();
    let bad = app.gql(Some(&mistyped), "{ me { id } }", json!({})).await;
    assert_eq!(error_code(&bad), "UNAUTHENTICATED");
    assert!(error_message(&bad).contains("checksum"));
    assert!(
        !bad.to_string().contains(&mistyped[16..]),
        "errors never echo the token"
    );
}
db_test!(revoked_expired_and_mistyped_tokens_fail);

async fn tokens_are_private_and_follow_their_user(app: &TestApp) {
    let admin = app.admin_token().await;
    let user_id = create_user(app, &admin, "member@c.example", "Company member").await;
    let member = app.login("member@c.example", "long enough password").await;
    let (token, row) = create(app, &member, "member script").await;

    // The admin neither sees nor revokes the member's token.
    let admin_list = app.gql_ok(Some(&admin), LIST, json!({})).await;
    assert_eq!(
        admin_list["personalAccessTokens"].as_array().map(Vec::len),
        Some(0)
    );
    let steal = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { revokePersonalAccessToken(id: $id) }",
            json!({ "id": row["id"] }),
        )
        .await;
    assert_eq!(error_code(&steal), "NOT_FOUND");

    // The token carries the user's current permissions.
    let perms = |v: &Value| v["me"]["permissions"].to_string();
    let before = app
        .gql_ok(Some(&token), "{ me { permissions } }", json!({}))
        .await;
    assert!(!perms(&before).contains("employees.create"));
    let roles = app
        .gql_ok(Some(&admin), "{ roles { id name } }", json!({}))
        .await;
    let company_admin = roles["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["name"] == "Company admin")
        .expect("role")["id"]
        .clone();
    app.gql_ok(
        Some(&admin),
        "mutation($id: ID!, $r: ID!) { updateUser(id: $id, input: { roleId: $r }) { id } }",
        json!({ "id": user_id, "r": company_admin }),
    )
    .await;
    let after = app
        .gql_ok(Some(&token), "{ me { permissions } }", json!({}))
        .await;
    assert!(perms(&after).contains("employees.create"));

    // Deactivating the user makes the token fail at once.
    app.gql_ok(
        Some(&admin),
        "mutation($id: ID!) { updateUser(id: $id, input: { active: false }) { id } }",
        json!({ "id": user_id }),
    )
    .await;
    let dead = app.gql(Some(&token), "{ me { id } }", json!({})).await;
    assert_eq!(error_code(&dead), "UNAUTHENTICATED");
}
db_test!(tokens_are_private_and_follow_their_user);

async fn tokens_expiring_within_a_week_are_reported(app: &TestApp) {
    let session = app.admin_token().await;
    let soon = (OffsetDateTime::now_utc() + time::Duration::days(3))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format");
    let later = (OffsetDateTime::now_utc() + time::Duration::days(30))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format");
    app.gql_ok(Some(&session), CREATE, json!({ "n": "soon", "e": soon }))
        .await;
    app.gql_ok(Some(&session), CREATE, json!({ "n": "later", "e": later }))
        .await;
    create(app, &session, "never").await;
    let d = app
        .gql_ok(
            Some(&session),
            "{ expiringCredentials { kind name expiresAt } personalAccessTokens { name expiringSoon } }",
            json!({}),
        )
        .await;
    let expiring = d["expiringCredentials"].as_array().expect("list");
    assert_eq!(expiring.len(), 1, "{d}");
    assert_eq!(expiring[0]["name"], "soon");
    assert_eq!(expiring[0]["kind"], "PERSONAL_ACCESS_TOKEN");
    for t in d["personalAccessTokens"].as_array().expect("list") {
        assert_eq!(t["expiringSoon"], t["name"] == "soon", "{t}");
    }
}
db_test!(tokens_expiring_within_a_week_are_reported);

/// The second use of a token is served from the principal cache (no database read), and an
/// admin change drops the cache at once.
async fn verified_tokens_are_cached_until_a_change(app: &TestApp) {
    let session = app.admin_token().await;
    let (token, row) = create(app, &session, "cached").await;
    app.gql_ok(Some(&token), "{ me { id } }", json!({})).await;
    // Corrupt the stored hash behind the server's back: a cached principal does not notice.
    let id: uuid::Uuid = row["id"].as_str().expect("id").parse().expect("uuid");
    pat::Entity::update_many()
        .col_expr(pat::Column::TokenHash, Expr::value("0".repeat(64)))
        .filter(pat::Column::Id.eq(id))
        .exec(&app.state().app.db)
        .await
        .expect("update");
    app.gql_ok(Some(&token), "{ me { id } }", json!({})).await;
    // Revoking another token is a change: every cached principal is dropped, and this token's
    // next use goes to the database, which now rejects it.
    let (_, other) = create(app, &session, "other").await;
    app.gql_ok(
        Some(&session),
        "mutation($id: ID!) { revokePersonalAccessToken(id: $id) }",
        json!({ "id": other["id"] }),
    )
    .await;
    let body = app.gql(Some(&token), "{ me { id } }", json!({})).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
}
db_test!(verified_tokens_are_cached_until_a_change);
