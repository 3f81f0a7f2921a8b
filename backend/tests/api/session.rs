//! login, me, logout; health endpoints.

use serde_json::json;

use crate::helpers::*;

async fn login_right_wrong_unknown(app: &TestApp) {
    let token = app.admin_token().await;
    let me = app
        .gql_ok(
            Some(&token),
            "{ me { email role { name } company { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(me["me"]["email"], ADMIN_EMAIL);
    assert_eq!(me["me"]["role"]["name"], "Super admin");
    assert!(me["me"]["company"].is_null());

    let q = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }";
    let wrong = app
        .gql(
            None,
            q,
            json!({ "e": ADMIN_EMAIL, "p": "not-the-password" }),
        )
        .await;
    assert_eq!(error_code(&wrong), "UNAUTHENTICATED");
    let unknown = app
        .gql(
            None,
            q,
            json!({ "e": "nobody@example.com", "p": "not-the-password" }),
        )
        .await;
    assert_eq!(error_code(&unknown), "UNAUTHENTICATED");
    // The same words for both: no hint which e-mails exist.
    assert_eq!(error_message(&wrong), error_message(&unknown));
}
db_test!(login_right_wrong_unknown);

async fn me_needs_a_valid_session(app: &TestApp) {
    let anon = app.gql(None, "{ me { id } }", json!({})).await;
    assert_eq!(error_code(&anon), "UNAUTHENTICATED");
    let garbage = app
        .gql(Some("eyJ.garbage.x"), "{ me { id } }", json!({}))
        .await;
    assert_eq!(error_code(&garbage), "UNAUTHENTICATED");
}
db_test!(me_needs_a_valid_session);

async fn logout_ends_the_session(app: &TestApp) {
    let token = app.admin_token().await;
    let out = app
        .gql_ok(Some(&token), "mutation { logout }", json!({}))
        .await;
    assert_eq!(out["logout"], true);
    let after = app.gql(Some(&token), "{ me { id } }", json!({})).await;
    assert_eq!(error_code(&after), "UNAUTHENTICATED");
}
db_test!(logout_ends_the_session);

async fn health_and_readiness(app: &TestApp) {
    let h = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(h.status(), 200);
    let r = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(r.status(), 200);
}
db_test!(health_and_readiness);

async fn login_response_shows_the_users_company(app: &TestApp) {
    backend::demo::seed(&app.state().app.db)
        .await
        .expect("demo data");
    let body = app
        .gql_ok(
            None,
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
               token expiresAt user { email role { name } company { name } reseller { id } } } }",
            json!({ "e": "admin@acme.example", "p": backend::demo::DEMO_PASSWORD }),
        )
        .await;
    let user = &body["login"]["user"];
    assert_eq!(user["company"]["name"], "Acme Manufacturing");
    assert_eq!(user["role"]["name"], "Company admin");
    assert!(user["reseller"].is_null());
}
db_test!(login_response_shows_the_users_company);
