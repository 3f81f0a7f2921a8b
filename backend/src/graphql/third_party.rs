//! GraphQL calls made with third-party credentials pass guards 1–4 of the public API too
//! (SPEC §4): a script's personal access token of a company user is refused when the company's
//! `api_access` flag is not effective or its access type is `none`, may only read under
//! `read_only` (a mutation is a write), and spends the company's rate limit. The gate is the
//! REST API's own ([`rest::guard::company_gate`]), so the two doors cannot disagree.
//!
//! Sessions (the SPA, the mobile apps) are first-party and skip the gate, as on REST; hub users
//! belong to no company, so no company setting applies to them.

use async_graphql::parser::types::OperationType;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::auth::{Principal, Tenant};
use crate::rest::guard;
use crate::rest::problem::Problem;
use crate::state::App;

/// Runs the gate for a request's principal; `Ok` carries the headers the response must carry
/// (the rate-limit headers of a third party).
pub async fn gate(
    app: &App,
    principal: &Principal,
    request: &async_graphql::Request,
) -> Result<HeaderMap, Problem> {
    let mut headers = HeaderMap::new();
    let Tenant::Company { company_id, .. } = principal.tenant else {
        return Ok(headers);
    };
    if principal.personal_token_id.is_none() {
        return Ok(headers);
    }
    let company = guard::load_company(app, company_id).await?;
    guard::company_gate(app, &company, true, is_mutation(request), &mut headers).await?;
    Ok(headers)
}

/// Whether the operation the request runs is a mutation. A document that does not parse runs
/// nothing, so it counts as a read (execution reports the syntax error).
pub fn is_mutation(request: &async_graphql::Request) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    let wanted = request.operation_name.as_deref();
    doc.operations
        .iter()
        .filter(|(name, _)| wanted.is_none() || name.map(|n| n.as_str()) == wanted)
        .any(|(_, op)| op.node.ty == OperationType::Mutation)
}

/// A refused request: the GraphQL error shape scripts already handle (`extensions.code`), with
/// the problem's `type` for those who also use REST, under the problem's HTTP status (401, 403
/// or 429, so that generic HTTP clients back off on 429) and its headers (`Retry-After`,
/// `WWW-Authenticate`, the limit headers).
pub fn refusal(problem: Problem) -> Response {
    let status = problem.status();
    let code = match status {
        StatusCode::UNAUTHORIZED => "UNAUTHENTICATED",
        StatusCode::FORBIDDEN => "FORBIDDEN",
        StatusCode::TOO_MANY_REQUESTS => "RATE_LIMITED",
        _ => "INTERNAL",
    };
    let message = problem
        .detail
        .clone()
        .unwrap_or_else(|| problem.title.clone());
    let mut extensions = json!({ "code": code, "type": problem.type_uri });
    if let Some(retry) = problem
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        extensions["retryAfter"] = json!(retry);
    }
    let body =
        json!({ "data": null, "errors": [{ "message": message, "extensions": extensions }] });
    let mut resp = (status, axum::Json(body)).into_response();
    resp.headers_mut().extend(problem.headers().clone());
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(query: &str, op: Option<&str>) -> async_graphql::Request {
        let r = async_graphql::Request::new(query);
        match op {
            Some(o) => r.operation_name(o),
            None => r,
        }
    }

    #[test]
    fn mutations_are_writes() {
        assert!(!is_mutation(&req("{ me { id } }", None)));
        assert!(!is_mutation(&req("query Q { me { id } }", None)));
        assert!(is_mutation(&req(
            "mutation { revokeApiKey(id: \"x\") }",
            None
        )));
        let both = "query Q { me { id } } mutation M { revokeApiKey(id: \"x\") }";
        assert!(!is_mutation(&req(both, Some("Q"))));
        assert!(is_mutation(&req(both, Some("M"))));
        // Without an operation name, a document holding a mutation counts as a write.
        assert!(is_mutation(&req(both, None)));
        assert!(!is_mutation(&req("mutation {", None)));
    }
}
