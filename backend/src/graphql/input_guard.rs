//! Checks a GraphQL request before it runs: the body size (async-graphql-axum reads the body as
//! a stream, past axum's `DefaultBodyLimit`, so the limit is enforced here), and strings with a
//! NUL byte, which no argument has a use for: PostgreSQL cannot compare text with one (a search
//! would fail with an internal error) and SQLite cuts the string short at it (a search for
//! "a\0b" would match everything with "a").

use async_graphql_axum::GraphQLRequest;
use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::error::AppError;
use crate::rest::problem::{Problem, ProblemKind};
use crate::router::GRAPHQL_BODY_LIMIT;

/// Reads the request with the body limit: over it, a 413 problem (like the REST API's).
pub async fn read(request: Request) -> Result<async_graphql::Request, Response> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, GRAPHQL_BODY_LIMIT)
        .await
        .map_err(|e| {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if too_large {
                Problem::new(
                    ProblemKind::PayloadTooLarge,
                    format!(
                        "the request body is too large: at most {GRAPHQL_BODY_LIMIT} bytes (1 MiB)"
                    ),
                )
                .with("limit_bytes", GRAPHQL_BODY_LIMIT)
                .into_response()
            } else {
                Problem::new(
                    ProblemKind::BadRequest,
                    "the request body could not be read",
                )
                .into_response()
            }
        })?;
    let request = Request::from_parts(parts, Body::from(bytes));
    <GraphQLRequest>::from_request(request, &())
        .await
        .map(GraphQLRequest::into_inner)
        .map_err(IntoResponse::into_response)
}

/// A VALIDATION error naming the variable (or `query`) that holds a NUL byte.
pub fn nul_bytes(req: &async_graphql::Request) -> Option<async_graphql::Error> {
    let field = if req.query.contains('\0') || req.query.contains("\\u0000") {
        Some("query".to_string())
    } else {
        let vars = serde_json::to_value(&req.variables).unwrap_or(Value::Null);
        vars.as_object()
            .and_then(|o| o.iter().find(|(_, v)| holds_nul(v)).map(|(k, _)| k.clone()))
    }?;
    Some(
        AppError::validation(
            &field,
            format!("{field} must not contain a NUL byte (\\u0000)"),
        )
        .into_graphql(),
    )
}

fn holds_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\0'),
        Value::Array(a) => a.iter().any(holds_nul),
        Value::Object(o) => o.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(query: &str, vars: Value) -> async_graphql::Request {
        async_graphql::Request::new(query).variables(async_graphql::Variables::from_json(vars))
    }

    #[test]
    fn nul_bytes_are_found_anywhere() {
        assert!(nul_bytes(&request("{ me { id } }", json!({ "s": "a%_' OR 1=1" }))).is_none());
        assert!(
            nul_bytes(&request(
                "{ companies(search: \"a\\u0000\") { totalCount } }",
                json!({})
            ))
            .is_some()
        );
        for vars in [
            json!({ "s": "a\u{0}b" }),
            json!({ "f": { "endpoint": "\u{0}" } }),
            json!({ "l": ["x", "\u{0}"] }),
        ] {
            let e = nul_bytes(&request("query { me { id } }", vars.clone())).expect("found");
            assert!(e.message.contains("NUL"), "{vars}");
        }
    }
}
