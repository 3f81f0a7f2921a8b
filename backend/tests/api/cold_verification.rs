//! Issue #9: the first use of a token costs ONE database statement, whatever its kind (personal
//! access token, API key, OAuth access token), with the caller's company view included, so the
//! REST guard that follows reads nothing either. Counted with sea-orm's metric callback on a
//! connection of the test's own, on SQLite and PostgreSQL.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use backend::auth::Principal;
use backend::oauth::token::{decode_claims, verify_claims};
use backend::rest::caller::Caller;
use backend::service::{api_keys, personal_tokens};
use backend::state::App;
use backend::token;
use sea_orm::{Database, DatabaseConnection};
use serde_json::{Value, json};
use shared::api::ApiEndpoint;

use crate::helpers::*;

const PASSWORD: &str = "long enough password";

/// A connection to the app's database that counts the statements it runs.
async fn counting(app: &TestApp) -> (DatabaseConnection, Arc<AtomicUsize>) {
    let mut db = Database::connect(app.database_url())
        .await
        .expect("own connection");
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    db.set_metric_callback(move |_| {
        c.fetch_add(1, Ordering::SeqCst);
    });
    (db, count)
}

/// Runs `f` and returns its result with the number of statements it ran.
async fn statements<T>(count: &AtomicUsize, f: impl AsyncFnOnce() -> T) -> (T, usize) {
    let before = count.load(Ordering::SeqCst);
    let out = f().await;
    (out, count.load(Ordering::SeqCst) - before)
}

struct World {
    company: String,
    user_id: uuid::Uuid,
    pat: String,
    key: String,
    client_id: String,
    client_secret: String,
}

/// A company with the public API open, a company admin limited by a visibility group with a
/// personal access token, an API key and a Partner API credential.
async fn world(app: &TestApp) -> World {
    let admin = app.admin_token().await;
    let reseller = app
        .gql_ok(
            Some(&admin),
            "mutation { createReseller(input: { name: \"R\" }) { id } }",
            json!({}),
        )
        .await["createReseller"]["id"]
        .clone();
    let company = app
        .gql_ok(
            Some(&admin),
            "mutation($r: ID!) { createCompany(input: { resellerId: $r, name: \"C\" }) { id } }",
            json!({ "r": reseller }),
        )
        .await["createCompany"]["id"]
        .as_str()
        .expect("company")
        .to_string();
    app.gql_ok(
        Some(&admin),
        "mutation($r: ID!, $c: ID!) { setResellerFeature(resellerId: $r, flag: \"api_access\", \
         enabled: true) { id } updateCompany(id: $c, input: { apiAccessType: READ_WRITE }) { id } }",
        json!({ "r": reseller, "c": company }),
    )
    .await;
    let group = app
        .gql_ok(
            Some(&admin),
            "mutation($c: ID!) { createVisibilityGroup(input: { companyId: $c, name: \"G\", \
             departments: [\"Sales\", \"Ops\"] }) { id } }",
            json!({ "c": company }),
        )
        .await["createVisibilityGroup"]["id"]
        .clone();
    let roles = app
        .gql_ok(
            Some(&admin),
            "query($c: ID) { roles(companyId: $c) { id name } }",
            json!({ "c": company }),
        )
        .await;
    let role = roles["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["name"] == "Company admin")
        .expect("role")["id"]
        .clone();
    let user_id = app
        .gql_ok(
            Some(&admin),
            "mutation($r: ID!, $c: ID, $g: [ID!]) { createUser(input: { email: \"u@c.example\", \
             name: \"U\", password: \"long enough password\", roleId: $r, companyId: $c, \
             visibilityGroupIds: $g }) { id } }",
            json!({ "r": role, "c": company, "g": [group] }),
        )
        .await["createUser"]["id"]
        .as_str()
        .expect("user")
        .parse()
        .expect("uuid");
    let session = app.login("u@c.example", PASSWORD).await;
    let pat = app
        .gql_ok(
            Some(&session),
            "mutation { createPersonalAccessToken(input: { name: \"script\" }) { token } }",
            json!({}),
        )
        .await["createPersonalAccessToken"]["token"]
        .as_str()
        .expect("pat")
        .to_string();
    let key = app
        .gql_ok(
            Some(&admin),
            "mutation($c: ID!, $g: [ApiKeyGrantInput!]!) { createApiKey(input: { companyId: $c, \
             name: \"k\", grants: $g }) { key } }",
            json!({ "c": company, "g": [
                { "endpoint": "TIME_OFF", "actions": ["READ"] },
                { "endpoint": "EMPLOYEES", "actions": ["READ", "CREATE"], "fields": ["id", "email"] },
            ] }),
        )
        .await["createApiKey"]["key"]
        .as_str()
        .expect("key")
        .to_string();
    let cred = app
        .gql_ok(
            Some(&admin),
            "mutation($c: ID!) { createApiCredential(input: { companyId: $c, name: \"p\" }) { \
             clientId clientSecret } }",
            json!({ "c": company }),
        )
        .await;
    let cred = &cred["createApiCredential"];
    World {
        company,
        user_id,
        pat,
        key,
        client_id: cred["clientId"].as_str().expect("client").to_string(),
        client_secret: cred["clientSecret"].as_str().expect("secret").to_string(),
    }
}

async fn access_token(app: &TestApp, w: &World) -> String {
    let resp = app
        .client
        .post(app.url("/oauth/token"))
        .basic_auth(&w.client_id, Some(&w.client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("request");
    assert!(resp.status().is_success(), "{}", resp.status());
    let body: Value = resp.json().await.expect("json");
    body["access_token"].as_str().expect("token").to_string()
}

/// The guard's company view is cached after a cold verification: `load_company` reads nothing.
fn company_cached(app: &App, company: &str) -> bool {
    let id: uuid::Uuid = company.parse().expect("uuid");
    let epoch = app.invalidator.current();
    app.companies.get(&App::company_key(id), epoch).is_some()
}

async fn one_statement_per_cold_token(app: &TestApp) {
    let w = world(app).await;
    let (db, count) = counting(app).await;

    // Personal access token: the token, the user's principal and the company view.
    let parsed = token::parse(&w.pat).expect("pat");
    let (v, n) = statements(&count, async || {
        personal_tokens::verify_cold(&db, &parsed).await
    })
    .await;
    assert_eq!(n, 1, "a cold personal access token took {n} statements");
    let v = v.expect("verified");
    assert_eq!(v.principal.user.id, w.user_id);
    assert_eq!(v.principal.user.password_hash, None);
    assert!(v.principal.has("personal_tokens.manage"));
    assert_eq!(
        v.principal.departments.as_deref(),
        Some(&["Ops".to_string(), "Sales".to_string()][..])
    );
    assert!(v.principal.personal_token_id.is_some());
    let company = v.company.expect("company view");
    assert_eq!(company.company.id.to_string(), w.company);
    assert_eq!(company.reseller_flags.get("api_access"), Some(&true));
    // Principal::load (sessions) is one statement too, and agrees.
    let (p, n) = statements(&count, async || Principal::load(&db, w.user_id).await).await;
    assert_eq!(n, 1, "Principal::load took {n} statements");
    let p = p.expect("principal");
    assert_eq!(p.permissions, v.principal.permissions);
    assert_eq!(p.departments, v.principal.departments);
    assert_eq!(p.tenant, v.principal.tenant);

    // API key: the key, its grants (in endpoint order) and the company view.
    let parsed = token::parse(&w.key).expect("key");
    let (v, n) = statements(&count, async || api_keys::verify_cold(&db, &parsed).await).await;
    assert_eq!(n, 1, "a cold API key took {n} statements");
    let v = v.expect("verified");
    let endpoints: Vec<ApiEndpoint> = v.view.grants.iter().map(|g| g.endpoint).collect();
    assert_eq!(
        endpoints,
        vec![ApiEndpoint::Employees, ApiEndpoint::TimeOff]
    );
    let employees = v.view.grant(ApiEndpoint::Employees).expect("grant");
    assert_eq!(employees.actions.len(), 2);
    assert_eq!(
        employees.fields.as_deref(),
        Some(&["id".to_string(), "email".to_string()][..])
    );
    assert_eq!(
        v.view.grant(ApiEndpoint::TimeOff).expect("grant").fields,
        None
    );
    assert_eq!(v.valid_until, None);
    assert!(v.company.is_some());

    // OAuth access token: the credential, its role's permissions, the jti's revocation and
    // the company view.
    let jwt = access_token(app, &w).await;
    let claims = decode_claims(&app.state().app, &jwt).expect("claims");
    let (v, n) = statements(&count, async || verify_claims(&db, &claims).await).await;
    assert_eq!(n, 1, "a cold OAuth access token took {n} statements");
    let (access, company) = v.expect("verified");
    assert!(!access.scopes.is_empty());
    assert_eq!(access.company_id.to_string(), w.company);
    assert!(company.is_some());

    // Refusals cost one statement too, and still refuse.
    let resp = app
        .client
        .post(app.url("/oauth/revoke"))
        .basic_auth(&w.client_id, Some(&w.client_secret))
        .form(&[("token", jwt.as_str())])
        .send()
        .await
        .expect("revoke");
    assert!(resp.status().is_success(), "{}", resp.status());
    let (v, n) = statements(&count, async || verify_claims(&db, &claims).await).await;
    assert_eq!(n, 1);
    assert!(v.is_err(), "a revoked jti must fail");
    let unknown = token::mint(token::TokenKind::PersonalAccessToken).expect("mint");
    let parsed = token::parse(unknown.expose()).expect("parse");
    let (v, n) = statements(&count, async || {
        personal_tokens::verify_cold(&db, &parsed).await
    })
    .await;
    assert_eq!(n, 1);
    assert!(v.is_err(), "an unknown token must fail");
    db.close().await.ok();

    // Through the guard's entry point, each kind leaves the company view cached, so the
    // guard's `load_company` that follows reads nothing.
    let jwt = access_token(app, &w).await;
    for t in [&w.pat, &w.key, &jwt] {
        let state = app.state();
        state.app.invalidator.invalidate();
        assert!(!company_cached(&state.app, &w.company));
        Caller::authenticate(&state.app, t)
            .await
            .expect("authenticates");
        assert!(company_cached(&state.app, &w.company), "{t}");
    }
}
db_test!(one_statement_per_cold_token);
