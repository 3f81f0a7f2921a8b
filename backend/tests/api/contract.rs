//! The published OpenAPI document is the contract integrators code against: every response the
//! server really sends must be documented there (operation, status, media type) and its body
//! must validate against the documented schema (JSON Schema 2020-12, which OpenAPI 3.1 uses).

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use crate::helpers::*;

/// The document of a running server, and the checks against it.
pub(crate) struct Contract {
    doc: Value,
}

/// The document the server publishes, built in-process (the contract test checks that the
/// served one is the same).
pub(crate) fn published() -> &'static Contract {
    static DOC: std::sync::LazyLock<Contract> = std::sync::LazyLock::new(|| Contract {
        doc: serde_json::to_value(backend::rest::openapi::document()).expect("document"),
    });
    &DOC
}

impl Contract {
    /// Like [`Contract::check`] for a documented operation; answers of paths or methods the
    /// document does not list (the 404 and 405 fallbacks) are not checked here.
    #[track_caller]
    pub(crate) fn check_documented(
        &self,
        method: &str,
        path: &str,
        status: StatusCode,
        headers: &HeaderMap,
        body: &Value,
    ) {
        if !path.starts_with("/api/v1/") || path == "/api/v1/openapi.json" {
            return;
        }
        let Some(template) = self.template(path) else {
            return;
        };
        if self.doc["paths"][&template][method.to_ascii_lowercase()].is_object() {
            self.check(method, path, status, headers, body);
        }
    }

    pub(crate) async fn fetch(app: &TestApp) -> Self {
        let doc: Value = app
            .client
            .get(app.url("/api/v1/openapi.json"))
            .send()
            .await
            .expect("openapi request")
            .json()
            .await
            .expect("openapi json");
        assert!(
            doc["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.1")),
            "OpenAPI 3.1: {}",
            doc["openapi"]
        );
        Self { doc }
    }

    /// The documented path template a concrete path matches (literal segments beat parameters).
    fn template(&self, path: &str) -> Option<String> {
        let path = path.split('?').next().unwrap_or(path);
        let want: Vec<&str> = path.split('/').collect();
        let paths = self.doc["paths"].as_object()?;
        let mut best: Option<(usize, &String)> = None;
        for template in paths.keys() {
            let segs: Vec<&str> = template.split('/').collect();
            if segs.len() != want.len() {
                continue;
            }
            let mut literal = 0;
            let fits = segs.iter().zip(&want).all(|(t, w)| {
                if t.starts_with('{') && t.ends_with('}') {
                    !w.is_empty()
                } else {
                    literal += 1;
                    t == w
                }
            });
            if fits && best.is_none_or(|(n, _)| literal > n) {
                best = Some((literal, template));
            }
        }
        best.map(|(_, t)| t.clone())
    }

    /// Asserts that a response is documented and that its body matches the documented schema.
    #[track_caller]
    pub(crate) fn check(
        &self,
        method: &str,
        path: &str,
        status: StatusCode,
        headers: &HeaderMap,
        body: &Value,
    ) {
        let case = format!("{method} {path} → {status}");
        let template = self
            .template(path)
            .unwrap_or_else(|| panic!("{case}: path not in the OpenAPI document"));
        let op = &self.doc["paths"][&template][method.to_ascii_lowercase()];
        assert!(op.is_object(), "{case}: {template} documents no {method}");
        let responses = &op["responses"];
        let code = status.as_u16().to_string();
        let class = format!("{}XX", status.as_u16() / 100);
        let resp = [code.as_str(), class.as_str(), "default"]
            .into_iter()
            .map(|k| &responses[k])
            .find(|r| r.is_object())
            .unwrap_or_else(|| {
                panic!(
                    "{case}: status not documented for {template} (documented: {:?})",
                    responses.as_object().map(|o| o.keys().collect::<Vec<_>>())
                )
            });
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or(v).trim().to_string());
        let Some(content_type) = content_type.filter(|_| !body.is_null()) else {
            assert!(
                resp.get("content")
                    .is_none_or(|c| c.as_object().is_some_and(|o| o.is_empty())),
                "{case}: documented with a body, answered none"
            );
            return;
        };
        let media = &resp["content"][&content_type];
        assert!(
            media.is_object(),
            "{case}: media type {content_type} not documented (documented: {})",
            resp["content"]
        );
        let Some(schema) = media.get("schema") else {
            return;
        };
        // The schema, with the document's components beside it so `#/components/...` resolves.
        let mut root = match schema {
            Value::Object(o) => Value::Object(o.clone()),
            other => json!({ "allOf": [other] }),
        };
        root["components"] = self.doc["components"].clone();
        let validator = jsonschema::draft202012::new(&root)
            .unwrap_or_else(|e| panic!("{case}: documented schema is invalid: {e}"));
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{case}: body does not match the documented schema:\n{}\nbody: {body:#}",
            errors.join("\n")
        );
    }
}

/// One request, sent and checked against the contract; returns what came back.
pub(crate) async fn checked(
    app: &TestApp,
    contract: &Contract,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, HeaderMap, Value) {
    let mut req = app.client.request(method.clone(), app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let got = crate::rest::send(req).await;
    contract.check(method.as_str(), path, got.0, &got.1, &got.2);
    got
}

/// Real answers of every kind (success, each guard's refusal, validation, not found) validate
/// against the document.
async fn responses_match_the_published_document(app: &TestApp) {
    use reqwest::Method;

    use crate::rest::*;

    let contract = Contract::fetch(app).await;
    assert_eq!(
        contract.doc,
        published().doc,
        "the served document is the built one"
    );
    let w = world(app).await;
    let employee = w.employees_a[0].0;
    let mut cases: Vec<(Method, String, Option<&str>, u16)> = Vec::new();
    for kind in KINDS {
        cases.push((
            Method::GET,
            "/api/v1/company".into(),
            Some(w.token(kind)),
            200,
        ));
        cases.push((
            Method::GET,
            "/api/v1/employees".into(),
            Some(w.token(kind)),
            200,
        ));
        cases.push((
            Method::GET,
            "/api/v1/employees?limit=2".into(),
            Some(w.token(kind)),
            200,
        ));
        cases.push((
            Method::GET,
            format!("/api/v1/employees/{employee}"),
            Some(w.token(kind)),
            200,
        ));
        cases.push((
            Method::GET,
            format!("/api/v1/employees/{}", w.employee_b),
            Some(w.token(kind)),
            404,
        ));
    }
    cases.push((Method::GET, "/api/v1/company".into(), None, 401));
    cases.push((
        Method::GET,
        "/api/v1/company".into(),
        Some("pat_garbage"),
        401,
    ));
    cases.push((
        Method::GET,
        "/api/v1/employees?limit=0".into(),
        Some(&w.pat),
        422,
    ));
    cases.push((
        Method::GET,
        "/api/v1/employees?limt=2".into(),
        Some(&w.pat),
        400,
    ));
    cases.push((
        Method::GET,
        "/api/v1/company".into(),
        Some(&w.super_admin),
        403,
    ));
    for (method, path, token, want) in &cases {
        let got = checked(app, &contract, method.clone(), path, *token, None).await;
        assert_eq!(got.0.as_u16(), *want, "{method} {path}: {:#}", got.2);
    }
    // A guard's refusal: access type none, then read only.
    set_access(app, &w, &w.a, "NONE").await;
    let got = checked(
        app,
        &contract,
        Method::GET,
        "/api/v1/company",
        Some(&w.pat),
        None,
    )
    .await;
    assert_eq!(got.0, StatusCode::UNAUTHORIZED);
    set_access(app, &w, &w.a, "READ_WRITE").await;
    // The rate limit's refusal.
    app.gql_ok(
        Some(&w.super_admin),
        "mutation($id: ID!) { updateCompany(id: $id, input: { apiRateLimit: 1 }) { id } }",
        json!({ "id": w.a }),
    )
    .await;
    let mut limited = false;
    for _ in 0..3 {
        let got = checked(
            app,
            &contract,
            Method::GET,
            "/api/v1/company",
            Some(&w.key),
            None,
        )
        .await;
        limited |= got.0 == StatusCode::TOO_MANY_REQUESTS;
    }
    assert!(limited, "the limit of 1 refused a request");
}
db_test!(responses_match_the_published_document);

#[test]
fn the_checker_rejects_undocumented_shapes() {
    let contract = Contract {
        doc: json!({
            "openapi": "3.1.0",
            "paths": { "/api/v1/things/{id}": { "get": { "responses": {
                "200": { "content": { "application/json": { "schema": {
                    "$ref": "#/components/schemas/Thing" } } } }
            } } } },
            "components": { "schemas": { "Thing": {
                "type": "object", "required": ["id"],
                "properties": { "id": { "type": "string" } } } } }
        }),
    };
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "application/json".parse().expect("header"));
    let ok = std::panic::catch_unwind(|| {
        contract.check(
            "GET",
            "/api/v1/things/1",
            StatusCode::OK,
            &headers,
            &json!({"id": "1"}),
        )
    });
    assert!(ok.is_ok());
    for (status, body) in [
        (StatusCode::OK, json!({"id": 1})),
        (StatusCode::OK, json!({})),
        (StatusCode::NOT_FOUND, json!({"id": "1"})),
    ] {
        let bad = std::panic::catch_unwind(|| {
            contract.check("GET", "/api/v1/things/1", status, &headers, &body)
        });
        assert!(bad.is_err(), "{status} {body} must be rejected");
    }
    let unknown = std::panic::catch_unwind(|| {
        contract.check("GET", "/api/v1/other", StatusCode::OK, &headers, &json!({}))
    });
    assert!(unknown.is_err());
}
