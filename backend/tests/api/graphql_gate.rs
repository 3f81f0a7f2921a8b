//! Third-party GraphQL calls (a script's personal access token of a company user) pass guards
//! 1–4 of the public API (SPEC §4): the `api_access` flag, the access type (a query reads, a
//! mutation writes) and the company's rate limit. Sessions and hub users' tokens do not.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::rest::*;

const ME: &str = "{ me { id } }";
const WRITE: &str =
    "mutation { createPersonalAccessToken(input: { name: \"from a script\" }) { token } }";

async fn post(app: &TestApp, token: &str, query: &str) -> (StatusCode, HeaderMap, Value) {
    send(
        app.client
            .post(app.url("/graphql"))
            .bearer_auth(token)
            .json(&json!({ "query": query })),
    )
    .await
}

#[track_caller]
fn refused(got: &(StatusCode, HeaderMap, Value), status: u16, code: &str, slug: &str) -> String {
    let (s, _, body) = got;
    assert_eq!(s.as_u16(), status, "{body:#}");
    let e = &body["errors"][0];
    assert_eq!(e["extensions"]["code"], code, "{body:#}");
    assert_eq!(
        e["extensions"]["type"],
        format!("{PROBLEM_BASE}{slug}"),
        "{body:#}"
    );
    assert!(body["data"].is_null(), "nothing ran: {body:#}");
    e["message"].as_str().expect("message").to_string()
}

#[track_caller]
fn ran(got: &(StatusCode, HeaderMap, Value)) {
    let (s, _, body) = got;
    assert_eq!(*s, StatusCode::OK, "{body:#}");
    assert!(body.get("errors").is_none(), "{body:#}");
}

async fn personal_tokens_pass_the_gate_on_graphql(app: &TestApp) {
    let w = world(app).await;

    // Flag off on the reseller: the token cannot use the API, the session still can.
    set_reseller_flag(app, &w, false).await;
    refused(
        &post(app, &w.pat, ME).await,
        401,
        "UNAUTHENTICATED",
        "api-access-disabled",
    );
    ran(&post(app, &w.session, ME).await);
    set_reseller_flag(app, &w, true).await;

    // Access type none: unauthorised.
    set_access(app, &w, &w.a, "NONE").await;
    refused(
        &post(app, &w.pat, ME).await,
        401,
        "UNAUTHENTICATED",
        "access-type-none",
    );
    ran(&post(
        app,
        &w.session,
        "mutation { createPersonalAccessToken(input: { name: \"from the app\" }) { token } }",
    )
    .await);

    // Read only: queries run, mutations are refused before anything is written.
    set_access(app, &w, &w.a, "READ_ONLY").await;
    ran(&post(app, &w.pat, ME).await);
    let msg = refused(
        &post(app, &w.pat, WRITE).await,
        403,
        "FORBIDDEN",
        "read-only",
    );
    assert_eq!(msg, "Read access only");
    let tokens = app
        .gql_ok(
            Some(&w.session),
            "{ personalAccessTokens { name } }",
            json!({}),
        )
        .await;
    assert!(
        !tokens.to_string().contains("from a script"),
        "the refused mutation wrote nothing: {tokens}"
    );
    // A named operation is judged by the operation that runs.
    let doc = "query Q { me { id } } mutation M { revokeApiKey(id: \"00000000-0000-0000-0000-000000000000\") }";
    let got = send(
        app.client
            .post(app.url("/graphql"))
            .bearer_auth(&w.pat)
            .json(&json!({ "query": doc, "operationName": "Q" })),
    )
    .await;
    ran(&got);
    let got = send(
        app.client
            .post(app.url("/graphql"))
            .bearer_auth(&w.pat)
            .json(&json!({ "query": doc, "operationName": "M" })),
    )
    .await;
    refused(&got, 403, "FORBIDDEN", "read-only");

    // Read/write: mutations run.
    set_access(app, &w, &w.a, "READ_WRITE").await;
    ran(&post(app, &w.pat, WRITE).await);
}
db_test!(personal_tokens_pass_the_gate_on_graphql);

/// GraphQL calls of a script spend the company's one budget, shared with REST, and carry the
/// limit headers; sessions and hub users' tokens are not limited.
async fn graphql_spends_the_company_rate_limit(app: &TestApp) {
    let w = world(app).await;
    app.gql_ok(
        Some(&w.super_admin),
        "mutation($id: ID!) { updateCompany(id: $id, input: { apiRateLimit: 4 }) { id } }",
        json!({ "id": w.a }),
    )
    .await;
    let first = post(app, &w.pat, ME).await;
    ran(&first);
    assert_eq!(first.1["x-ratelimit-limit"], "4");
    assert_eq!(first.1["x-ratelimit-remaining"], "3");
    assert_eq!(first.1["ratelimit-policy"], "\"default\";q=4;w=60");
    // Two more on GraphQL and one on REST use up the budget.
    ran(&post(app, &w.pat, ME).await);
    ran(&post(app, &w.pat, ME).await);
    assert_eq!(
        get(app, Some(&w.pat), "/api/v1/company").await.0,
        StatusCode::OK
    );
    let over = post(app, &w.pat, ME).await;
    let msg = refused(&over, 429, "RATE_LIMITED", "rate-limited");
    assert!(msg.contains("company limit 4/min reached"), "{msg}");
    assert!(over.1.contains_key("retry-after"));
    assert!(
        over.2["errors"][0]["extensions"]["retryAfter"]
            .as_u64()
            .is_some()
    );
    // The company's own apps and the platform's staff are not limited.
    for _ in 0..3 {
        let s = post(app, &w.session, ME).await;
        ran(&s);
        assert!(!s.1.contains_key("x-ratelimit-limit"));
    }
    let hub_pat = pat(app, &w.super_admin, "platform script").await;
    for _ in 0..5 {
        let h = post(app, &hub_pat, ME).await;
        ran(&h);
        assert!(!h.1.contains_key("x-ratelimit-limit"));
    }
}
db_test!(graphql_spends_the_company_rate_limit);
