//! CORS: only the configured origins may read `/api/v1`, `/graphql` and `/oauth` responses from
//! a browser, never with credentials; without `--cors-origins` no CORS header is sent at all.
//! Routing and layers do not depend on the database, so one backend is enough.

use backend::config::ServeArgs;
use reqwest::{Method, Response};

use crate::helpers::*;

const ALLOWED: &str = "https://app.example.com";
const OTHER: &str = "https://evil.example.net";

async fn with_app(configure: impl FnOnce(&mut ServeArgs), body: impl AsyncFnOnce(&TestApp)) {
    let app = TestApp::spawn_with(Backend::Sqlite, configure).await;
    let outcome = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(body(&app))).await;
    app.stop().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

fn allow_app(c: &mut ServeArgs) {
    c.cors_origins = vec![ALLOWED.into(), "http://localhost:3000".into()];
}

fn header(resp: &Response, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .map(|v| v.to_str().expect("ascii").to_string())
}

fn all(resp: &Response, name: &str) -> String {
    resp.headers()
        .get_all(name)
        .iter()
        .map(|v| v.to_str().expect("ascii").to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(",")
}

async fn preflight(app: &TestApp, path: &str, origin: &str) -> Response {
    app.client
        .request(Method::OPTIONS, app.url(path))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .expect("preflight")
}

async fn graphql_from(app: &TestApp, origin: &str) -> Response {
    app.client
        .post(app.url("/graphql"))
        .header("origin", origin)
        .json(&serde_json::json!({ "query": "{ __typename }" }))
        .send()
        .await
        .expect("request")
}

const PATHS: [&str; 3] = ["/graphql", "/api/v1/employees", "/oauth/token"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allowed_origin_may_read_responses_without_credentials() {
    with_app(allow_app, async |app| {
        let resp = graphql_from(app, ALLOWED).await;
        assert!(resp.status().is_success());
        assert_eq!(
            header(&resp, "access-control-allow-origin").as_deref(),
            Some(ALLOWED)
        );
        assert!(all(&resp, "vary").contains("origin"), "{resp:?}");
        assert_eq!(header(&resp, "access-control-allow-credentials"), None);
        assert!(all(&resp, "access-control-expose-headers").contains("x-ratelimit-remaining"));
        // The REST API too, even when it refuses the call (no token): the script can read why.
        let resp = app
            .client
            .get(app.url("/api/v1/employees"))
            .header("origin", "http://localhost:3000")
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 401);
        assert_eq!(
            header(&resp, "access-control-allow-origin").as_deref(),
            Some("http://localhost:3000")
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_of_an_allowed_origin_names_methods_and_headers() {
    with_app(allow_app, async |app| {
        for path in PATHS {
            let resp = preflight(app, path, ALLOWED).await;
            assert!(resp.status().is_success(), "{path}: {}", resp.status());
            assert_eq!(
                header(&resp, "access-control-allow-origin").as_deref(),
                Some(ALLOWED),
                "{path}"
            );
            let methods = all(&resp, "access-control-allow-methods");
            for m in ["get", "post", "put", "patch", "delete"] {
                assert!(methods.contains(m), "{path}: {methods}");
            }
            let headers = all(&resp, "access-control-allow-headers");
            assert!(headers.contains("authorization"), "{path}: {headers}");
            assert!(headers.contains("content-type"), "{path}: {headers}");
            assert!(all(&resp, "vary").contains("origin"), "{path}");
            assert_eq!(header(&resp, "access-control-allow-credentials"), None);
            assert_eq!(
                header(&resp, "access-control-max-age").as_deref(),
                Some("600")
            );
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_origin_gets_no_allow_origin() {
    with_app(allow_app, async |app| {
        for path in PATHS {
            let resp = preflight(app, path, OTHER).await;
            assert_eq!(header(&resp, "access-control-allow-origin"), None, "{path}");
        }
        let resp = graphql_from(app, OTHER).await;
        assert_eq!(header(&resp, "access-control-allow-origin"), None);
        // A prefix or a sub-domain of an allowed origin is another origin.
        for near in ["https://app.example.com.evil.net", "http://app.example.com"] {
            let resp = graphql_from(app, near).await;
            assert_eq!(header(&resp, "access-control-allow-origin"), None, "{near}");
        }
        // The admin SPA is same-origin: no CORS there.
        let resp = app
            .client
            .get(app.url("/"))
            .header("origin", ALLOWED)
            .send()
            .await
            .expect("spa");
        assert_eq!(header(&resp, "access-control-allow-origin"), None);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_configured_origins_there_are_no_cors_headers() {
    with_app(
        |_| {},
        async |app| {
            for path in PATHS {
                let resp = preflight(app, path, ALLOWED).await;
                // Nobody answers the preflight: the routes know no OPTIONS.
                assert!(!resp.status().is_success(), "{path}: {}", resp.status());
                assert!(!all(&resp, "vary").contains("origin"), "{path}");
                for (name, _) in resp.headers() {
                    assert!(
                        !name.as_str().starts_with("access-control-"),
                        "{path}: {name}"
                    );
                }
            }
            let resp = graphql_from(app, ALLOWED).await;
            assert!(resp.status().is_success());
            for (name, _) in resp.headers() {
                assert!(!name.as_str().starts_with("access-control-"), "{name}");
            }
        },
    )
    .await;
}
