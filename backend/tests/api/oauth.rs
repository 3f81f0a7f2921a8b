//! Partner API credentials and OAuth: the GraphQL lifecycle (create, list, details, regenerate
//! with and without grace, revoke), tenant isolation, `/oauth/token` with every RFC 6749 error,
//! revocation (RFC 7009), introspection (RFC 7662), forged and tampered JWTs, and the JWKS
//! checked with an implementation independent of the server's.

use backend::entity::api_credential as cred;
use backend::oauth::verify_access_token;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ed25519_dalek::pkcs8::EncodePrivateKey;
use ed25519_dalek::{Signature, SigningKey, Verifier, VerifyingKey};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::helpers::*;

const ISSUER: &str = "http://127.0.0.1:8080";
const AUDIENCE: &str = "http://127.0.0.1:8080/api/v1";

const CREDENTIAL_FIELDS: &str = "id clientId name companyId maskedSecret role { id name } status \
                                 createdAt lastUsedAt previousSecretExpiresAt revokedAt";

fn create_query() -> String {
    format!(
        "mutation($c: ID!, $n: String!, $r: ID) {{ createApiCredential(input: {{ companyId: $c, \
         name: $n, roleId: $r }}) {{ clientId clientSecret credential {{ {CREDENTIAL_FIELDS} }} }} }}"
    )
}

fn list_query() -> String {
    format!("query($c: ID!) {{ apiCredentials(companyId: $c) {{ {CREDENTIAL_FIELDS} }} }}")
}

fn regenerate_query() -> String {
    format!(
        "mutation($id: ID!, $g: Int) {{ regenerateApiCredentialSecret(id: $id, graceSeconds: $g) \
         {{ clientId clientSecret credential {{ {CREDENTIAL_FIELDS} }} }} }}"
    )
}

const REVOKE: &str = "mutation($id: ID!) { revokeApiCredential(id: $id) }";

/// A company under a fresh reseller, created by the super admin.
async fn company(app: &TestApp, admin: &str, name: &str) -> String {
    let r = app
        .gql_ok(
            Some(admin),
            "mutation($n: String!) { createReseller(input: { name: $n }) { id } }",
            json!({ "n": format!("Reseller of {name}") }),
        )
        .await["createReseller"]["id"]
        .clone();
    app.gql_ok(
        Some(admin),
        "mutation($r: ID!, $n: String!) { createCompany(input: { resellerId: $r, name: $n }) { id } }",
        json!({ "r": r, "n": name }),
    )
    .await["createCompany"]["id"]
        .as_str()
        .expect("company id")
        .to_string()
}

/// The id of a role usable in a company.
async fn role_id(app: &TestApp, admin: &str, company: &str, name: &str) -> String {
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

/// Creates a company user with a built-in role and signs them in.
async fn company_user(
    app: &TestApp,
    admin: &str,
    company: &str,
    email: &str,
    role: &str,
) -> String {
    let r = role_id(app, admin, company, role).await;
    app.gql_ok(
        Some(admin),
        "mutation($e: String!, $r: ID!, $c: ID) { createUser(input: { email: $e, name: \"U\", \
         password: \"long enough password\", roleId: $r, companyId: $c }) { id } }",
        json!({ "e": email, "r": r, "c": company }),
    )
    .await;
    app.login(email, "long enough password").await
}

struct Fixture {
    admin: String,
    company: String,
    company_admin: String,
}

async fn fixture(app: &TestApp) -> Fixture {
    let admin = app.admin_token().await;
    let company = company(app, &admin, "Acme").await;
    let company_admin =
        company_user(app, &admin, &company, "boss@acme.example", "Company admin").await;
    Fixture {
        admin,
        company,
        company_admin,
    }
}

/// Client credentials as created: (client id, client secret, credential JSON).
struct Client {
    id: String,
    secret: String,
    credential: Value,
}

async fn create_credential(
    app: &TestApp,
    session: &str,
    company: &str,
    name: &str,
    role: Option<&str>,
) -> Client {
    let d = app
        .gql_ok(
            Some(session),
            &create_query(),
            json!({ "c": company, "n": name, "r": role }),
        )
        .await;
    let c = &d["createApiCredential"];
    Client {
        id: c["clientId"].as_str().expect("client id").to_string(),
        secret: c["clientSecret"].as_str().expect("secret").to_string(),
        credential: c["credential"].clone(),
    }
}

/// `POST /oauth/token` with HTTP Basic client authentication.
async fn token_basic(
    app: &TestApp,
    id: &str,
    secret: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    app.client
        .post(app.url("/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(form)
        .send()
        .await
        .expect("request")
}

/// An access token, or panics.
async fn access_token(app: &TestApp, c: &Client) -> String {
    let resp = token_basic(
        app,
        &c.id,
        &c.secret,
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.expect("json");
    body["access_token"].as_str().expect("token").to_string()
}

async fn oauth_error(resp: reqwest::Response) -> (StatusCode, String, Value) {
    let status = resp.status();
    let www = resp
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().expect("ascii").to_string());
    assert_eq!(
        resp.headers().get("cache-control").map(|v| v.as_bytes()),
        Some(&b"no-store"[..])
    );
    let body: Value = resp.json().await.expect("json error body");
    (
        status,
        body["error"].as_str().expect("error").to_string(),
        json!({ "www": www, "body": body }),
    )
}

async fn introspect(app: &TestApp, c: &Client, token: &str) -> Value {
    let resp = app
        .client
        .post(app.url("/oauth/introspect"))
        .basic_auth(&c.id, Some(&c.secret))
        .form(&[("token", token)])
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.expect("json")
}

async fn verify(app: &TestApp, jwt: &str) -> Result<backend::oauth::CredentialAccess, String> {
    verify_access_token(&app.state().app, jwt)
        .await
        .map_err(|e| e.to_string())
}

fn decode_part(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("json")
}

fn credential_id(c: &Client) -> uuid::Uuid {
    c.credential["id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("uuid")
}

async fn credential_lifecycle(app: &TestApp) {
    let f = fixture(app).await;
    let s = &f.company_admin;
    let empty = app
        .gql_ok(Some(s), &list_query(), json!({ "c": f.company }))
        .await;
    assert_eq!(empty["apiCredentials"], json!([]), "empty state");

    let c = create_credential(app, s, &f.company, "ERP sync", None).await;
    assert!(c.id.starts_with("cli_"), "{}", c.id);
    assert!(c.secret.starts_with("pcs_"));
    assert_eq!(c.credential["clientId"], c.id);
    assert_eq!(c.credential["name"], "ERP sync");
    assert_eq!(c.credential["status"], "ACTIVE");
    assert_eq!(
        c.credential["role"]["name"], "Company admin",
        "default role"
    );
    assert!(c.credential["lastUsedAt"].is_null());
    assert!(c.credential["previousSecretExpiresAt"].is_null());

    let member_role = role_id(app, &f.admin, &f.company, "Company member").await;
    let narrow = create_credential(app, s, &f.company, "Reporting", Some(&member_role)).await;
    assert_eq!(narrow.credential["role"]["name"], "Company member");

    let dup = app
        .gql(
            Some(s),
            &create_query(),
            json!({ "c": f.company, "n": "ERP sync" }),
        )
        .await;
    assert_eq!(error_code(&dup), "CONFLICT");
    let blank = app
        .gql(
            Some(s),
            &create_query(),
            json!({ "c": f.company, "n": " " }),
        )
        .await;
    assert_eq!(error_code(&blank), "VALIDATION");
    assert_eq!(blank["errors"][0]["extensions"]["field"], "name");
    let super_admin_role = app
        .gql_ok(Some(&f.admin), "{ roles { id name } }", json!({}))
        .await["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["name"] == "Super admin")
        .expect("super admin")["id"]
        .clone();
    let wrong_kind = app
        .gql(
            Some(&f.admin),
            &create_query(),
            json!({ "c": f.company, "n": "x", "r": super_admin_role }),
        )
        .await;
    assert_eq!(error_code(&wrong_kind), "VALIDATION");
    assert_eq!(wrong_kind["errors"][0]["extensions"]["field"], "roleId");

    // Using the credential records its last use; lists never show the secret.
    access_token(app, &c).await;
    let list = app
        .gql_ok(Some(s), &list_query(), json!({ "c": f.company }))
        .await;
    let rows = list["apiCredentials"].as_array().expect("list");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["name"], "Reporting", "newest first");
    assert!(!rows[1]["lastUsedAt"].is_null(), "last use recorded");
    assert!(
        rows[1]["maskedSecret"]
            .as_str()
            .expect("mask")
            .starts_with("pcs_")
    );
    assert!(
        !list.to_string().contains(&c.secret[16..]),
        "lists never show the secret"
    );

    let details = app
        .gql_ok(
            Some(s),
            &format!("query($id: ID!) {{ apiCredential(id: $id) {{ {CREDENTIAL_FIELDS} }} }}"),
            json!({ "id": c.credential["id"] }),
        )
        .await;
    assert_eq!(details["apiCredential"]["clientId"], c.id);

    for bad in [-1, 86_401] {
        let r = app
            .gql(
                Some(s),
                &regenerate_query(),
                json!({ "id": c.credential["id"], "g": bad }),
            )
            .await;
        assert_eq!(error_code(&r), "VALIDATION");
        assert_eq!(r["errors"][0]["extensions"]["field"], "graceSeconds");
        assert!(error_message(&r).contains("86400"), "{r}");
    }

    let revoked = app
        .gql_ok(Some(s), REVOKE, json!({ "id": c.credential["id"] }))
        .await;
    assert_eq!(revoked["revokeApiCredential"], true);
    let after = app
        .gql_ok(
            Some(s),
            &format!("query($id: ID!) {{ apiCredential(id: $id) {{ {CREDENTIAL_FIELDS} }} }}"),
            json!({ "id": c.credential["id"] }),
        )
        .await;
    assert_eq!(after["apiCredential"]["status"], "REVOKED");
    assert!(!after["apiCredential"]["revokedAt"].is_null());
    let resp = token_basic(
        app,
        &c.id,
        &c.secret,
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(oauth_error(resp).await.1, "invalid_client");
    let again = app
        .gql(
            Some(s),
            &regenerate_query(),
            json!({ "id": c.credential["id"] }),
        )
        .await;
    assert_eq!(error_code(&again), "CONFLICT");
}
db_test!(credential_lifecycle);

async fn companies_are_isolated_and_members_forbidden(app: &TestApp) {
    let f = fixture(app).await;
    let other = company(app, &f.admin, "Globex").await;
    let other_admin = company_user(
        app,
        &f.admin,
        &other,
        "boss@globex.example",
        "Company admin",
    )
    .await;
    let theirs = create_credential(app, &other_admin, &other, "Their ERP", None).await;

    let s = &f.company_admin;
    let list = app.gql(Some(s), &list_query(), json!({ "c": other })).await;
    assert_eq!(error_code(&list), "NOT_FOUND");
    let one = app
        .gql_ok(
            Some(s),
            "query($id: ID!) { apiCredential(id: $id) { id } }",
            json!({ "id": theirs.credential["id"] }),
        )
        .await;
    assert!(one["apiCredential"].is_null());
    let revoke = app
        .gql(Some(s), REVOKE, json!({ "id": theirs.credential["id"] }))
        .await;
    assert_eq!(error_code(&revoke), "NOT_FOUND");
    let regen = app
        .gql(
            Some(s),
            &regenerate_query(),
            json!({ "id": theirs.credential["id"] }),
        )
        .await;
    assert_eq!(error_code(&regen), "NOT_FOUND");
    let create = app
        .gql(
            Some(s),
            &create_query(),
            json!({ "c": other, "n": "sneaky" }),
        )
        .await;
    assert_eq!(error_code(&create), "NOT_FOUND");
    // Their credential still works.
    access_token(app, &theirs).await;

    // A custom role of another company cannot be given.
    let custom = app
        .gql_ok(
            Some(&f.admin),
            "mutation($c: ID!) { createRole(input: { companyId: $c, name: \"Readers\", \
             permissions: [\"employees.read\"] }) { id } }",
            json!({ "c": other }),
        )
        .await["createRole"]["id"]
        .clone();
    let foreign_role = app
        .gql(
            Some(s),
            &create_query(),
            json!({ "c": f.company, "n": "x", "r": custom }),
        )
        .await;
    assert_eq!(error_code(&foreign_role), "VALIDATION");
    assert_eq!(foreign_role["errors"][0]["extensions"]["field"], "roleId");

    // Company members may not manage credentials at all.
    let member = company_user(
        app,
        &f.admin,
        &f.company,
        "member@acme.example",
        "Company member",
    )
    .await;
    let denied = app
        .gql(
            Some(&member),
            &create_query(),
            json!({ "c": f.company, "n": "mine" }),
        )
        .await;
    assert_eq!(error_code(&denied), "FORBIDDEN");
    let denied = app
        .gql(Some(&member), &list_query(), json!({ "c": f.company }))
        .await;
    assert_eq!(error_code(&denied), "FORBIDDEN");
}
db_test!(companies_are_isolated_and_members_forbidden);

async fn token_endpoint_issues_rfc_9068_tokens(app: &TestApp) {
    let f = fixture(app).await;
    let c = create_credential(app, &f.company_admin, &f.company, "ERP", None).await;

    // HTTP Basic.
    let resp = token_basic(
        app,
        &c.id,
        &c.secret,
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let scope = body["scope"].as_str().expect("scope");
    assert!(scope.split(' ').any(|s| s == "employees.create"), "{scope}");
    assert!(
        !scope.contains("companies.edit"),
        "hub permissions are not company scope"
    );
    assert!(
        !body.to_string().contains(&c.secret),
        "the secret is never echoed"
    );
    let jwt = body["access_token"].as_str().expect("token");
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header = decode_part(parts[0]);
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["alg"], "EdDSA");
    assert!(header["kid"].is_string());
    let claims = decode_part(parts[1]);
    assert_eq!(claims["iss"], ISSUER);
    assert_eq!(claims["aud"], AUDIENCE);
    assert_eq!(claims["sub"], c.id);
    assert_eq!(claims["client_id"], c.id);
    assert_eq!(claims["company_id"], f.company);
    assert_eq!(claims["scope"], scope);
    let iat = claims["iat"].as_i64().expect("iat");
    assert_eq!(claims["exp"].as_i64().expect("exp") - iat, 3600);
    let jti: uuid::Uuid = claims["jti"].as_str().expect("jti").parse().expect("uuid");
    assert_eq!(jti.get_version_num(), 7);

    let access = verify(app, jwt).await.expect("valid");
    assert_eq!(access.client_id, c.id);
    assert_eq!(access.company_id.to_string(), f.company);
    assert!(access.has("employees.create"));

    // Form parameters, with a narrower scope.
    let resp = app
        .client
        .post(app.url("/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", c.id.as_str()),
            ("client_secret", c.secret.as_str()),
            ("scope", "employees.read company.read"),
        ])
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["scope"], "company.read employees.read");
    let access = verify(app, body["access_token"].as_str().expect("token"))
        .await
        .expect("valid");
    assert_eq!(access.scopes, ["company.read", "employees.read"]);
    assert!(!access.has("employees.create"));
}
db_test!(token_endpoint_issues_rfc_9068_tokens);

async fn token_endpoint_errors_follow_rfc_6749(app: &TestApp) {
    let f = fixture(app).await;
    let member_role = role_id(app, &f.admin, &f.company, "Company member").await;
    let c = create_credential(
        app,
        &f.company_admin,
        &f.company,
        "Reader",
        Some(&member_role),
    )
    .await;
    let url = app.url("/oauth/token");
    let grant = ("grant_type", "client_credentials");

    let resp = token_basic(app, &c.id, &c.secret, &[]).await;
    let (status, error, _) = oauth_error(resp).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );

    let resp = token_basic(app, &c.id, &c.secret, &[("grant_type", "password")]).await;
    let (status, error, _) = oauth_error(resp).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::BAD_REQUEST, "unsupported_grant_type")
    );

    // A wrong secret of the right shape, by Basic: 401 with a challenge.
    let wrong = create_credential(app, &f.company_admin, &f.company, "Other", None).await;
    let resp = token_basic(app, &c.id, &wrong.secret, &[grant]).await;
    let (status, error, extra) = oauth_error(resp).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::UNAUTHORIZED, "invalid_client")
    );
    assert!(
        extra["www"]
            .as_str()
            .is_some_and(|w| w.starts_with("Basic")),
        "{extra}"
    );
    assert!(!extra.to_string().contains(&wrong.secret[16..]));

    // A mistyped secret, by form: 401 without a challenge.
    let mut mistyped = c.secret.clone();
    mistyped.pop();
    mistyped.push('x');
    let resp = app
        .client
        .post(&url)
        .form(&[
            grant,
            ("client_id", c.id.as_str()),
            ("client_secret", mistyped.as_str()),
        ])
        .send()
        .await
        .expect("request");
    let (status, error, extra) = oauth_error(resp).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::UNAUTHORIZED, "invalid_client")
    );
    assert!(extra["www"].is_null());
    assert!(!extra.to_string().contains(&mistyped[16..]));

    // An unknown client, and no client authentication at all.
    let resp = token_basic(app, "cli_00000000000", &c.secret, &[grant]).await;
    assert_eq!(oauth_error(resp).await.1, "invalid_client");
    let resp = app
        .client
        .post(&url)
        .form(&[grant])
        .send()
        .await
        .expect("request");
    assert_eq!(oauth_error(resp).await.1, "invalid_client");

    // Both methods at once.
    let resp = app
        .client
        .post(&url)
        .basic_auth(&c.id, Some(&c.secret))
        .form(&[
            grant,
            ("client_id", c.id.as_str()),
            ("client_secret", c.secret.as_str()),
        ])
        .send()
        .await
        .expect("request");
    let (status, error, _) = oauth_error(resp).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );

    // Not a form body.
    let resp = app
        .client
        .post(&url)
        .basic_auth(&c.id, Some(&c.secret))
        .json(&json!({ "grant_type": "client_credentials" }))
        .send()
        .await
        .expect("request");
    assert_eq!(oauth_error(resp).await.1, "invalid_request");

    // A parameter given twice.
    let resp = token_basic(app, &c.id, &c.secret, &[grant, grant]).await;
    assert_eq!(oauth_error(resp).await.1, "invalid_request");

    // Scopes beyond the role, or unknown.
    for scope in [
        "employees.create",
        "employees.read employees.create",
        "no.such",
    ] {
        let resp = token_basic(app, &c.id, &c.secret, &[grant, ("scope", scope)]).await;
        let (status, error, _) = oauth_error(resp).await;
        assert_eq!(
            (status, error.as_str()),
            (StatusCode::BAD_REQUEST, "invalid_scope"),
            "{scope}"
        );
    }
    let ok = token_basic(app, &c.id, &c.secret, &[grant, ("scope", "employees.read")]).await;
    assert_eq!(ok.status(), StatusCode::OK);
}
db_test!(token_endpoint_errors_follow_rfc_6749);

async fn regenerating_rotates_secrets_and_voids_tokens(app: &TestApp) {
    let f = fixture(app).await;
    let s = &f.company_admin;
    let c = create_credential(app, s, &f.company, "ERP", None).await;
    let before = access_token(app, &c).await;
    assert!(verify(app, &before).await.is_ok());
    assert_eq!(introspect(app, &c, &before).await["active"], true);

    // Grace 0: the old secret fails at once, as do tokens issued with it.
    let d = app
        .gql_ok(
            Some(s),
            &regenerate_query(),
            json!({ "id": c.credential["id"], "g": 0 }),
        )
        .await;
    let r = &d["regenerateApiCredentialSecret"];
    assert_eq!(r["clientId"], c.id, "the client id stays");
    let second = Client {
        id: c.id.clone(),
        secret: r["clientSecret"].as_str().expect("secret").to_string(),
        credential: r["credential"].clone(),
    };
    assert_ne!(second.secret, c.secret);
    assert!(r["credential"]["previousSecretExpiresAt"].is_null());
    let resp = token_basic(
        app,
        &c.id,
        &c.secret,
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(oauth_error(resp).await.1, "invalid_client");
    let err = verify(app, &before).await.expect_err("voided");
    assert!(err.contains("revoked"), "{err}");
    assert_eq!(
        introspect(app, &second, &before).await,
        json!({ "active": false })
    );
    let fresh = access_token(app, &second).await;
    assert!(verify(app, &fresh).await.is_ok());

    // Grace 1 h: both secrets work until the grace ends, and the list shows when.
    let d = app
        .gql_ok(
            Some(s),
            &regenerate_query(),
            json!({ "id": c.credential["id"], "g": 3600 }),
        )
        .await;
    let third_secret = d["regenerateApiCredentialSecret"]["clientSecret"]
        .as_str()
        .expect("secret")
        .to_string();
    let third = Client {
        id: c.id.clone(),
        secret: third_secret,
        credential: c.credential.clone(),
    };
    assert!(
        verify(app, &fresh).await.is_err(),
        "tokens are voided even with grace"
    );
    let list = app
        .gql_ok(Some(s), &list_query(), json!({ "c": f.company }))
        .await;
    let until = list["apiCredentials"][0]["previousSecretExpiresAt"]
        .as_str()
        .expect("grace shown in the list");
    let until = OffsetDateTime::parse(until, &time::format_description::well_known::Rfc3339)
        .expect("rfc3339");
    let expected = OffsetDateTime::now_utc() + time::Duration::hours(1);
    assert!(
        (until - expected).abs() < time::Duration::minutes(1),
        "{until}"
    );
    let with_old = access_token(app, &second).await;
    assert!(
        verify(app, &with_old).await.is_ok(),
        "the old secret works during grace"
    );
    access_token(app, &third).await;

    // The grace ends.
    cred::Entity::update_many()
        .col_expr(
            cred::Column::PreviousSecretExpiresAt,
            Expr::value(OffsetDateTime::now_utc() - time::Duration::seconds(1)),
        )
        .filter(cred::Column::Id.eq(credential_id(&c)))
        .exec(&app.state().app.db)
        .await
        .expect("end grace");
    let resp = token_basic(
        app,
        &second.id,
        &second.secret,
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(oauth_error(resp).await.1, "invalid_client");
    access_token(app, &third).await;
    let list = app
        .gql_ok(Some(s), &list_query(), json!({ "c": f.company }))
        .await;
    assert!(list["apiCredentials"][0]["previousSecretExpiresAt"].is_null());

    // Revoking voids outstanding tokens too.
    let last = access_token(app, &third).await;
    app.gql_ok(Some(s), REVOKE, json!({ "id": c.credential["id"] }))
        .await;
    assert!(verify(app, &last).await.is_err());
}
db_test!(regenerating_rotates_secrets_and_voids_tokens);

async fn revocation_and_introspection(app: &TestApp) {
    let f = fixture(app).await;
    let c = create_credential(app, &f.company_admin, &f.company, "ERP", None).await;
    let other = create_credential(app, &f.company_admin, &f.company, "BI", None).await;
    let token = access_token(app, &c).await;

    let active = introspect(app, &c, &token).await;
    assert_eq!(active["active"], true);
    assert_eq!(active["client_id"], c.id);
    assert_eq!(active["sub"], c.id);
    assert_eq!(active["iss"], ISSUER);
    assert_eq!(active["aud"], AUDIENCE);
    assert_eq!(active["company_id"], f.company);
    assert!(
        active["scope"]
            .as_str()
            .expect("scope")
            .contains("employees.read")
    );
    for k in ["exp", "iat"] {
        assert!(active[k].is_i64(), "{k}");
    }
    assert!(active["jti"].is_string());
    // Another client learns nothing about it, and cannot revoke it.
    assert_eq!(
        introspect(app, &other, &token).await,
        json!({ "active": false })
    );
    let revoke = |client: &Client, body: Vec<(&'static str, String)>| {
        app.client
            .post(app.url("/oauth/revoke"))
            .basic_auth(client.id.clone(), Some(client.secret.clone()))
            .form(&body)
            .send()
    };
    let resp = revoke(&other, vec![("token", token.clone())])
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(introspect(app, &c, &token).await["active"], true);

    // Unknown and malformed tokens: still 200. A missing token: invalid_request.
    for junk in ["nonsense", "eyJhbGciOiJub25lIn0.e30."] {
        let resp = revoke(&c, vec![("token", junk.to_string())])
            .await
            .expect("request");
        assert_eq!(resp.status(), StatusCode::OK, "{junk}");
    }
    let resp = revoke(&c, vec![("token_type_hint", "access_token".into())])
        .await
        .expect("request");
    assert_eq!(oauth_error(resp).await.1, "invalid_request");
    let resp = app
        .client
        .post(app.url("/oauth/revoke"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .expect("request");
    assert_eq!(oauth_error(resp).await.1, "invalid_client");

    // The owner revokes it: introspection and verification agree.
    let resp = revoke(
        &c,
        vec![
            ("token", token.clone()),
            ("token_type_hint", "access_token".into()),
        ],
    )
    .await
    .expect("request");
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = revoke(&c, vec![("token", token.clone())])
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::OK, "revoking twice is fine");
    assert_eq!(
        introspect(app, &c, &token).await,
        json!({ "active": false })
    );
    assert!(
        verify(app, &token)
            .await
            .expect_err("revoked")
            .contains("revoked")
    );
    // Other tokens of the same client are unaffected.
    let next = access_token(app, &c).await;
    assert_eq!(introspect(app, &c, &next).await["active"], true);

    // Introspection requires client authentication.
    let resp = app
        .client
        .post(app.url("/oauth/introspect"))
        .form(&[("token", next.as_str())])
        .send()
        .await
        .expect("request");
    assert_eq!(oauth_error(resp).await.1, "invalid_client");

    // A revoked credential can neither introspect nor keep its tokens.
    app.gql_ok(
        Some(&f.company_admin),
        REVOKE,
        json!({ "id": c.credential["id"] }),
    )
    .await;
    assert!(verify(app, &next).await.is_err());
    assert_eq!(
        introspect(app, &other, &next).await,
        json!({ "active": false })
    );
    let resp = app
        .client
        .post(app.url("/oauth/introspect"))
        .basic_auth(&c.id, Some(&c.secret))
        .form(&[("token", next.as_str())])
        .send()
        .await
        .expect("request");
    assert_eq!(oauth_error(resp).await.1, "invalid_client");
}
db_test!(revocation_and_introspection);

/// The server's own signing key, read from the database as an attacker with a stolen key would.
async fn server_key(app: &TestApp) -> EncodingKey {
    let row = backend::entity::server_secret::Entity::find_by_id("oauth_ed25519_pkcs8".to_string())
        .one(&app.state().app.db)
        .await
        .expect("query")
        .expect("key row");
    EncodingKey::from_ed_der(&STANDARD.decode(row.value).expect("base64"))
}

fn sign(key: &EncodingKey, alg: Algorithm, kid: &str, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.typ = Some("at+jwt".into());
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, key).expect("sign")
}

async fn forged_tokens_are_rejected(app: &TestApp) {
    let f = fixture(app).await;
    let c = create_credential(app, &f.company_admin, &f.company, "ERP", None).await;
    let genuine = access_token(app, &c).await;
    let parts: Vec<&str> = genuine.split('.').collect();
    let kid = decode_part(parts[0])["kid"]
        .as_str()
        .expect("kid")
        .to_string();
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let claims = |iss: &str, aud: &str, iat: i64, exp: i64| {
        json!({
            "iss": iss, "sub": c.id, "aud": aud, "iat": iat, "exp": exp,
            "jti": uuid::Uuid::now_v7().to_string(), "client_id": c.id,
            "company_id": f.company, "scope": "employees.read",
        })
    };
    let good = claims(ISSUER, AUDIENCE, now, now + 600);
    let key = server_key(app).await;

    // The harness is right: the real key and right claims pass.
    let control = sign(&key, Algorithm::EdDSA, &kid, &good);
    assert!(verify(app, &control).await.is_ok());

    // Another Ed25519 key, even under our kid.
    let seed: [u8; 32] = rand::random();
    let other = SigningKey::from_bytes(&seed);
    let other_key = EncodingKey::from_ed_der(other.to_pkcs8_der().expect("der").as_bytes());
    let mut forged = vec![(
        "another key",
        sign(&other_key, Algorithm::EdDSA, &kid, &good),
    )];

    // alg: none, with and without a signature part.
    let none_header =
        URL_SAFE_NO_PAD.encode(json!({ "alg": "none", "typ": "at+jwt", "kid": kid }).to_string());
    let payload = URL_SAFE_NO_PAD.encode(good.to_string());
    forged.push(("alg none", format!("{none_header}.{payload}.")));
    forged.push((
        "alg none, signed",
        format!("{none_header}.{payload}.{}", parts[2]),
    ));

    // HS256 with the public key as the HMAC secret (raw bytes, and the JWK's x string).
    let x = {
        let jwks: Value = app
            .client
            .get(app.url("/.well-known/jwks.json"))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json");
        jwks["keys"][0]["x"].as_str().expect("x").to_string()
    };
    let raw = URL_SAFE_NO_PAD.decode(&x).expect("x");
    forged.push((
        "HS256 with raw public key",
        sign(
            &EncodingKey::from_secret(&raw),
            Algorithm::HS256,
            &kid,
            &good,
        ),
    ));
    forged.push((
        "HS256 with x",
        sign(
            &EncodingKey::from_secret(x.as_bytes()),
            Algorithm::HS256,
            &kid,
            &good,
        ),
    ));

    // The real key, but wrong claims.
    for (what, cl) in [
        (
            "wrong aud",
            claims(ISSUER, "https://elsewhere.example/api", now, now + 600),
        ),
        (
            "wrong iss",
            claims("https://evil.example", AUDIENCE, now, now + 600),
        ),
        ("expired", claims(ISSUER, AUDIENCE, now - 7200, now - 3600)),
    ] {
        forged.push((what, sign(&key, Algorithm::EdDSA, &kid, &cl)));
    }
    forged.push((
        "unknown kid",
        sign(&key, Algorithm::EdDSA, "some-other-kid", &good),
    ));
    let mut untyped = Header::new(Algorithm::EdDSA);
    untyped.kid = Some(kid.clone());
    forged.push((
        "no at+jwt typ",
        jsonwebtoken::encode(&untyped, &good, &key).expect("sign"),
    ));
    let mut other_client = good.clone();
    other_client["company_id"] = json!(uuid::Uuid::now_v7().to_string());
    forged.push((
        "another company",
        sign(&key, Algorithm::EdDSA, &kid, &other_client),
    ));
    // A payload swapped under a genuine signature.
    let mut widened = decode_part(parts[1]);
    widened["scope"] = json!("employees.read employees.delete companies.edit");
    forged.push((
        "tampered payload",
        format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(widened.to_string()),
            parts[2]
        ),
    ));

    for (what, jwt) in forged {
        let err = verify(app, &jwt).await.expect_err(what);
        assert!(err.contains("access token"), "{what}: {err}");
        assert_eq!(
            introspect(app, &c, &jwt).await,
            json!({ "active": false }),
            "{what}"
        );
    }
    let expired = sign(
        &key,
        Algorithm::EdDSA,
        &kid,
        &claims(ISSUER, AUDIENCE, now - 7200, now - 3600),
    );
    assert!(
        verify(app, &expired)
            .await
            .expect_err("expired")
            .contains("expired")
    );
}
db_test!(forged_tokens_are_rejected);

async fn jwks_verifies_tokens_independently(app: &TestApp) {
    let f = fixture(app).await;
    let c = create_credential(app, &f.company_admin, &f.company, "ERP", None).await;
    let jwt = access_token(app, &c).await;

    let resp = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::OK);
    let jwks: Value = resp.json().await.expect("json");
    let keys = jwks["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 1);
    let jwk = &keys[0];
    assert_eq!(jwk["kty"], "OKP");
    assert_eq!(jwk["crv"], "Ed25519");
    assert_eq!(jwk["alg"], "EdDSA");
    assert_eq!(jwk["use"], "sig");
    assert!(jwk.get("d").is_none(), "never the private key");
    let x = jwk["x"].as_str().expect("x");

    // kid is the RFC 7638 thumbprint, computed here by hand.
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    assert_eq!(
        jwk["kid"],
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
    );

    // Verify with ed25519-dalek directly, not through jsonwebtoken.
    let (signing_input, sig) = jwt.rsplit_once('.').expect("three parts");
    assert_eq!(
        decode_part(signing_input.split('.').next().expect("header"))["kid"],
        jwk["kid"]
    );
    let public: [u8; 32] = URL_SAFE_NO_PAD
        .decode(x)
        .expect("x")
        .try_into()
        .expect("32 bytes");
    let vk = VerifyingKey::from_bytes(&public).expect("public key");
    let signature =
        Signature::from_slice(&URL_SAFE_NO_PAD.decode(sig).expect("sig")).expect("64 bytes");
    vk.verify(signing_input.as_bytes(), &signature)
        .expect("the JWKS key verifies the token");
    let mut tampered = signing_input.to_string();
    tampered.push('x');
    assert!(vk.verify(tampered.as_bytes(), &signature).is_err());

    // The key is persisted: loading it again (as a second instance would) gives the same key.
    let again = backend::oauth::OAuthKeys::load_or_create(&app.state().app.db)
        .await
        .expect("load");
    assert_eq!(json!(again.kid()), jwk["kid"]);
}
db_test!(jwks_verifies_tokens_independently);

/// An instant no real `tokens_not_before` reaches (2100): a token checked against the database
/// with this value is rejected as revoked, whereas a cached verification does not see it.
fn far_future() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(4_102_444_800).expect("2100")
}

async fn set_tokens_not_before(app: &TestApp, id: uuid::Uuid, at: OffsetDateTime) {
    cred::Entity::update_many()
        .col_expr(cred::Column::TokensNotBefore, Expr::value(at))
        .filter(cred::Column::Id.eq(id))
        .exec(&app.state().app.db)
        .await
        .expect("update");
}

/// Asserts that `jwt` is answered from the verification cache: with the credential's
/// `tokens_not_before` moved behind the server's back to where a database read would reject the
/// token, it still verifies. The row is then put back as it was.
async fn assert_cached(app: &TestApp, jwt: &str, c: &Client) {
    let id = credential_id(c);
    let row = cred::Entity::find_by_id(id)
        .one(&app.state().app.db)
        .await
        .expect("query")
        .expect("row");
    set_tokens_not_before(app, id, far_future()).await;
    let cached = verify(app, jwt).await;
    set_tokens_not_before(app, id, row.tokens_not_before).await;
    cached.expect("served from the cache, without reading the database");
}

/// A verified access token is served from the cache afterwards (no database read), until a
/// revocation through the API drops the cache, at once.
async fn verified_access_tokens_are_cached_until_a_change(app: &TestApp) {
    let f = fixture(app).await;
    let c = create_credential(app, &f.company_admin, &f.company, "ERP", None).await;
    let jwt = access_token(app, &c).await;
    let unverified = access_token(app, &c).await;
    let first = verify(app, &jwt).await.expect("valid");
    assert!(!app.state().app.oauth_keys.verified().is_empty());

    // Void the token in the database behind the server's back: every check a database read
    // would make now fails, yet the cached verification answers, with the same access.
    let id = credential_id(&c);
    cred::Entity::update_many()
        .col_expr(cred::Column::SecretHash, Expr::value("0".repeat(64)))
        .col_expr(cred::Column::TokensNotBefore, Expr::value(far_future()))
        .filter(cred::Column::Id.eq(id))
        .exec(&app.state().app.db)
        .await
        .expect("update");
    for _ in 0..3 {
        let again = verify(app, &jwt).await.expect("cached");
        assert_eq!(again.jti, first.jti);
        assert_eq!(again.scopes, first.scopes);
    }
    // The cache is per token, not per credential: one never verified goes to the database,
    // which rejects it. Client authentication is not cached either.
    let err = verify(app, &unverified)
        .await
        .expect_err("read from the database");
    assert!(err.contains("revoked"), "{err}");
    let resp = token_basic(
        app,
        &c.id,
        &c.secret,
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(oauth_error(resp).await.1, "invalid_client");

    // Revoking through the API drops the cache at once: the next verification reads the row.
    app.gql_ok(
        Some(&f.company_admin),
        REVOKE,
        json!({ "id": c.credential["id"] }),
    )
    .await;
    let err = verify(app, &jwt).await.expect_err("revoked");
    assert!(err.contains("revoked"), "{err}");
}
db_test!(verified_access_tokens_are_cached_until_a_change);

/// Every write that can void a token drops cached verifications on this instance at once:
/// regenerating the secret, revoking the credential, revoking the token (RFC 7009), and
/// narrowing the credential's role.
async fn voiding_writes_drop_cached_verifications(app: &TestApp) {
    let f = fixture(app).await;
    let s = &f.company_admin;

    // Regenerate (grace 0 and with grace: tokens are void either way).
    for grace in [0, 3600] {
        let c = create_credential(app, s, &f.company, &format!("Rotated {grace}"), None).await;
        let jwt = access_token(app, &c).await;
        verify(app, &jwt).await.expect("valid");
        assert_cached(app, &jwt, &c).await;
        app.gql_ok(
            Some(s),
            &regenerate_query(),
            json!({ "id": c.credential["id"], "g": grace }),
        )
        .await;
        let err = verify(app, &jwt).await.expect_err("voided by regeneration");
        assert!(err.contains("revoked"), "grace {grace}: {err}");
    }

    // Revoke the credential.
    let c = create_credential(app, s, &f.company, "Revoked", None).await;
    let jwt = access_token(app, &c).await;
    verify(app, &jwt).await.expect("valid");
    assert_cached(app, &jwt, &c).await;
    app.gql_ok(Some(s), REVOKE, json!({ "id": c.credential["id"] }))
        .await;
    let err = verify(app, &jwt).await.expect_err("voided by revocation");
    assert!(err.contains("revoked"), "{err}");

    // Revoke one token (RFC 7009): that one fails at once, its sibling stays valid.
    let c = create_credential(app, s, &f.company, "One token", None).await;
    let jwt = access_token(app, &c).await;
    let sibling = access_token(app, &c).await;
    verify(app, &jwt).await.expect("valid");
    verify(app, &sibling).await.expect("valid");
    assert_cached(app, &jwt, &c).await;
    let resp = app
        .client
        .post(app.url("/oauth/revoke"))
        .basic_auth(&c.id, Some(&c.secret))
        .form(&[("token", jwt.as_str())])
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::OK);
    let err = verify(app, &jwt).await.expect_err("revoked by jti");
    assert!(err.contains("revoked"), "{err}");
    verify(app, &sibling)
        .await
        .expect("the sibling is still valid");

    // Narrow the credential's custom role: a cached token's scope narrows at once.
    let role = app
        .gql_ok(
            Some(&f.admin),
            "mutation($c: ID!) { createRole(input: { companyId: $c, name: \"Sync\", \
             permissions: [\"company.read\", \"employees.read\"] }) { id } }",
            json!({ "c": f.company }),
        )
        .await["createRole"]["id"]
        .as_str()
        .expect("role id")
        .to_string();
    let c = create_credential(app, s, &f.company, "Sync", Some(&role)).await;
    let jwt = access_token(app, &c).await;
    let wide = verify(app, &jwt).await.expect("valid");
    assert_eq!(wide.scopes, ["company.read", "employees.read"]);
    assert_cached(app, &jwt, &c).await;
    app.gql_ok(
        Some(&f.admin),
        "mutation($id: ID!) { updateRole(id: $id, input: { permissions: [\"employees.read\"] }) \
         { id } }",
        json!({ "id": role }),
    )
    .await;
    let narrow = verify(app, &jwt).await.expect("still valid");
    assert_eq!(narrow.scopes, ["employees.read"]);
    assert!(!narrow.has("company.read"));
}
db_test!(voiding_writes_drop_cached_verifications);

/// A standard OAuth2 client library (the `oauth2` crate) obtains tokens from `/oauth/token` with
/// either client authentication method, and reads a refusal as an RFC 6749 `invalid_client`.
async fn standard_oauth2_client_obtains_tokens(app: &TestApp) {
    use oauth2::basic::{BasicClient, BasicErrorResponseType, BasicTokenType};
    use oauth2::{
        AuthType, ClientId, ClientSecret, RequestTokenError, Scope, TokenResponse, TokenUrl,
    };

    let f = fixture(app).await;
    let c = create_credential(app, &f.company_admin, &f.company, "ERP", None).await;
    let other = create_credential(app, &f.company_admin, &f.company, "BI", None).await;
    // As the library recommends: no redirects, so a token request cannot be sent elsewhere.
    let http = oauth2::reqwest::Client::builder()
        .redirect(oauth2::reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    let token_url = TokenUrl::new(app.url("/oauth/token")).expect("token url");
    for auth in [AuthType::BasicAuth, AuthType::RequestBody] {
        let client = BasicClient::new(ClientId::new(c.id.clone()))
            .set_client_secret(ClientSecret::new(c.secret.clone()))
            .set_token_uri(token_url.clone())
            .set_auth_type(auth.clone());

        let token = client
            .exchange_client_credentials()
            .request_async(&http)
            .await
            .unwrap_or_else(|e| panic!("{auth:?}: {e:?}"));
        assert_eq!(*token.token_type(), BasicTokenType::Bearer, "{auth:?}");
        assert_eq!(
            token.expires_in(),
            Some(std::time::Duration::from_secs(3600))
        );
        let access = verify(app, token.access_token().secret())
            .await
            .unwrap_or_else(|e| panic!("{auth:?}: {e}"));
        assert_eq!(access.client_id, c.id);
        assert_eq!(access.company_id.to_string(), f.company);
        let scopes: Vec<&str> = token
            .scopes()
            .expect("scope returned")
            .iter()
            .map(|s| s.as_str())
            .collect();
        assert_eq!(scopes, access.scopes, "{auth:?}");

        // A requested scope narrows the token.
        let narrow = client
            .exchange_client_credentials()
            .add_scope(Scope::new("employees.read".into()))
            .request_async(&http)
            .await
            .unwrap_or_else(|e| panic!("{auth:?}: {e:?}"));
        let access = verify(app, narrow.access_token().secret())
            .await
            .expect("valid");
        assert_eq!(access.scopes, ["employees.read"], "{auth:?}");

        // Another client's secret: the library's ServerResponse error with invalid_client.
        let wrong = client
            .clone()
            .set_client_secret(ClientSecret::new(other.secret.clone()));
        match wrong
            .exchange_client_credentials()
            .request_async(&http)
            .await
        {
            Err(RequestTokenError::ServerResponse(e)) => {
                assert_eq!(
                    *e.error(),
                    BasicErrorResponseType::InvalidClient,
                    "{auth:?}"
                );
            }
            Err(e) => panic!("{auth:?}: expected a server response, got {e:?}"),
            Ok(_) => panic!("{auth:?}: a wrong secret was accepted"),
        }
    }
}
db_test!(standard_oauth2_client_obtains_tokens);
