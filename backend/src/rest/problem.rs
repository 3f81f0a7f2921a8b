//! RFC 9457 problem details: the one error body of the REST API.
//!
//! Every failure under `/api/v1` (a guard's, a handler's, an extractor's, an unknown route's)
//! answers `application/problem+json` with a `type` URI that is stable per kind of failure, so
//! an integrator can branch on `type` and show `detail` to a person. Handlers return
//! `Result<_, Problem>`; the service layer's [`AppError`] becomes a problem in exactly one place
//! (`impl From<AppError> for Problem`), and internal errors are logged there and never described
//! to the client.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::error::AppError;

/// Where the `type` URIs live; each kind appends its slug.
pub const TYPE_BASE: &str = "https://portcullis.dev/problems/";

/// The media type of every error body (RFC 9457 §3).
pub const CONTENT_TYPE: &str = "application/problem+json";

/// Every kind of failure the REST API reports. The slug is part of the public contract: never
/// rename one, only add.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// No, malformed, unknown, expired or revoked credentials.
    Unauthenticated,
    /// The company's `api_access` flag is not effective (off on the company or its reseller).
    ApiAccessDisabled,
    /// The company's API access type is `none`.
    AccessTypeNone,
    /// The company's API access type is `read_only` and the method writes.
    ReadOnly,
    /// Authenticated, but the role, the token's scope or the key's grants do not allow this.
    Forbidden,
    /// The endpoint serves company data and the caller belongs to no company (a hub user).
    CompanyRequired,
    /// Absent, or outside the caller's scope (indistinguishable on purpose).
    NotFound,
    /// The route exists but not with this method.
    MethodNotAllowed,
    /// A malformed request: query string, path, body syntax.
    BadRequest,
    /// Well-formed input that breaks a rule; `field` names it.
    Validation,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited,
    Internal,
    /// The database cannot be reached for now; retry after `Retry-After` seconds.
    Unavailable,
}

impl ProblemKind {
    pub fn slug(self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::ApiAccessDisabled => "api-access-disabled",
            Self::AccessTypeNone => "access-type-none",
            Self::ReadOnly => "read-only",
            Self::Forbidden => "forbidden",
            Self::CompanyRequired => "company-required",
            Self::NotFound => "not-found",
            Self::MethodNotAllowed => "method-not-allowed",
            Self::BadRequest => "bad-request",
            Self::Validation => "validation",
            Self::Conflict => "conflict",
            Self::PayloadTooLarge => "payload-too-large",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::RateLimited => "rate-limited",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Self::Unauthenticated | Self::ApiAccessDisabled | Self::AccessTypeNone => {
                StatusCode::UNAUTHORIZED
            }
            Self::ReadOnly | Self::Forbidden | Self::CompanyRequired => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::Validation => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// A short summary that does not change between occurrences (RFC 9457 §3.1.3).
    pub fn title(self) -> &'static str {
        match self {
            Self::Unauthenticated => "Authentication required",
            Self::ApiAccessDisabled => "API access is disabled",
            Self::AccessTypeNone => "Unauthorised",
            Self::ReadOnly => "Read access only",
            Self::Forbidden => "Forbidden",
            Self::CompanyRequired => "Company credentials required",
            Self::NotFound => "Not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::BadRequest => "Bad request",
            Self::Validation => "Invalid input",
            Self::Conflict => "Conflict",
            Self::PayloadTooLarge => "Request body too large",
            Self::UnsupportedMediaType => "Unsupported media type",
            Self::RateLimited => "Too many requests",
            Self::Internal => "Internal error",
            Self::Unavailable => "Service unavailable",
        }
    }

    /// The `type` URI.
    pub fn type_uri(self) -> String {
        format!("{TYPE_BASE}{}", self.slug())
    }

    /// The kind a bare status stands for, for responses made outside our handlers (axum's own
    /// rejections and fallbacks) that the safety net turns into problems.
    pub fn for_status(status: StatusCode) -> Self {
        match status {
            StatusCode::UNAUTHORIZED => Self::Unauthenticated,
            StatusCode::FORBIDDEN => Self::Forbidden,
            StatusCode::NOT_FOUND => Self::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => Self::MethodNotAllowed,
            StatusCode::CONFLICT => Self::Conflict,
            StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::UnsupportedMediaType,
            StatusCode::UNPROCESSABLE_ENTITY => Self::Validation,
            StatusCode::TOO_MANY_REQUESTS => Self::RateLimited,
            StatusCode::SERVICE_UNAVAILABLE => Self::Unavailable,
            s if s.is_server_error() => Self::Internal,
            _ => Self::BadRequest,
        }
    }
}

/// An RFC 9457 problem details object.
///
/// Besides the standard members, a problem may carry extension members: `field` (the input at
/// fault, for `validation` and `conflict`), `missing` (what a `forbidden` caller lacks), and
/// `retry_after` (seconds, for `rate-limited`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Problem, example = json!({
    "type": "https://portcullis.dev/problems/forbidden",
    "title": "Forbidden",
    "status": 403,
    "detail": "missing permission employees.read",
    "missing": "employees.read"
}))]
pub struct ProblemDetails {
    /// A URI identifying the kind of failure; stable, safe to branch on.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    /// What went wrong this time, for a person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Extension members (`field`, `missing`, `retry_after`, ...).
    #[serde(flatten)]
    #[schema(ignore)]
    pub extensions: Map<String, Value>,
    /// Response headers that belong to the failure (`WWW-Authenticate`, `Retry-After`).
    #[serde(skip)]
    #[schema(ignore)]
    headers: HeaderMap,
    /// The hidden cause of an internal error, for the request log's `exception` column only
    /// (secrets redacted); never in the body.
    #[serde(skip)]
    #[schema(ignore)]
    exception: Option<String>,
}

/// A problem, boxed so that `Result<T, Problem>` stays small on the success path.
#[derive(Debug, Clone)]
pub struct Problem(Box<ProblemDetails>);

impl std::ops::Deref for Problem {
    type Target = ProblemDetails;
    fn deref(&self) -> &ProblemDetails {
        &self.0
    }
}

impl std::ops::DerefMut for Problem {
    fn deref_mut(&mut self) -> &mut ProblemDetails {
        &mut self.0
    }
}

impl Problem {
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        let mut p = Self::bare(kind);
        p.detail = Some(detail.into());
        p
    }

    /// A problem with no `detail`.
    pub fn bare(kind: ProblemKind) -> Self {
        let mut headers = HeaderMap::new();
        if kind.status() == StatusCode::UNAUTHORIZED {
            // RFC 9110 §15.5.2: a 401 names the scheme that would succeed.
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"portcullis\""),
            );
        }
        Self(Box::new(ProblemDetails {
            type_uri: kind.type_uri(),
            title: kind.title().to_string(),
            status: kind.status().as_u16(),
            detail: None,
            extensions: Map::new(),
            headers,
            exception: None,
        }))
    }

    /// Adds an extension member.
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.extensions.insert(name.to_string(), value.into());
        self
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// The response headers that belong to the failure.
    pub fn headers(&self) -> &HeaderMap {
        &self.0.headers
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ProblemKind::NotFound, format!("{what} not found"))
    }

    pub fn internal() -> Self {
        Self::bare(ProblemKind::Internal)
    }

    /// An internal error whose cause goes to the request log (redacted), not to the caller.
    pub fn internal_because(cause: &anyhow::Error) -> Self {
        let mut p = Self::internal();
        p.exception = Some(crate::logs::redact::text(&format!("{cause:#}")));
        p
    }

    /// The database is down: 503 with `Retry-After`, so clients back off and retry rather than
    /// treat it as a bug. The cause goes to the request log only, like an internal error's.
    pub fn unavailable_because(cause: &anyhow::Error) -> Self {
        let secs = crate::db::outage::RETRY_AFTER_SECS;
        let mut p = Self::new(
            ProblemKind::Unavailable,
            "the database is unavailable; retry later",
        )
        .with("retry_after", secs)
        .with_header(header::RETRY_AFTER, HeaderValue::from(secs));
        p.exception = Some(crate::logs::redact::text(&format!("{cause:#}")));
        p
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match serde_json::to_vec(&*self.0) {
            Ok(b) => b,
            // A map of strings and numbers always serialises; keep a valid body regardless.
            Err(_) => br#"{"type":"https://portcullis.dev/problems/internal","title":"Internal error","status":500}"#.to_vec(),
        };
        let summary = crate::logs::ProblemSummary {
            type_uri: self.0.type_uri.clone(),
            detail: self.0.detail.clone(),
        };
        let mut resp = (status, body).into_response();
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        resp.extensions_mut().insert(summary);
        if let Some(cause) = self.0.exception {
            resp.extensions_mut().insert(crate::logs::Exception(cause));
        }
        resp.headers_mut().extend(self.0.headers);
        resp
    }
}

/// The single mapping from the domain error to the wire.
impl From<AppError> for Problem {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Validation { field, message } => {
                Problem::new(ProblemKind::Validation, message).with("field", field)
            }
            AppError::Unauthenticated(m) => Problem::new(ProblemKind::Unauthenticated, m),
            AppError::Forbidden(m) => Problem::new(ProblemKind::Forbidden, m),
            e @ AppError::NotFound(_) => Problem::new(ProblemKind::NotFound, e.to_string()),
            AppError::Conflict { field, message } => {
                let p = Problem::new(ProblemKind::Conflict, message);
                match field {
                    Some(f) => p.with("field", f),
                    None => p,
                }
            }
            AppError::RateLimited {
                message,
                retry_after,
            } => {
                let p = Problem::new(ProblemKind::RateLimited, message)
                    .with("retry_after", retry_after);
                match HeaderValue::from_str(&retry_after.to_string()) {
                    Ok(v) => p.with_header(header::RETRY_AFTER, v),
                    Err(_) => p,
                }
            }
            AppError::Internal(cause) if crate::db::outage::caused_by_outage(&cause) => {
                tracing::warn!(error = %format!("{cause:#}"), "database unavailable");
                Problem::unavailable_because(&cause)
            }
            AppError::Internal(cause) => {
                tracing::error!(error = ?cause, "internal error");
                Problem::internal_because(&cause)
            }
        }
    }
}

impl From<sea_orm::DbErr> for Problem {
    fn from(e: sea_orm::DbErr) -> Self {
        AppError::from(e).into()
    }
}

impl From<QueryRejection> for Problem {
    fn from(r: QueryRejection) -> Self {
        Problem::new(ProblemKind::BadRequest, r.body_text())
    }
}

impl From<PathRejection> for Problem {
    fn from(r: PathRejection) -> Self {
        Problem::new(ProblemKind::BadRequest, r.body_text())
    }
}

/// The safety net: turns any error response under `/api/v1` that is not a problem yet (axum's
/// rejections, the body-limit layer, a `StatusCode` returned by mistake) into one, so clients
/// never have to parse two error formats. Its text body, when short and textual, becomes the
/// `detail`; a server error's never does.
pub async fn ensure_problem(resp: Response) -> Response {
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_problem = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(CONTENT_TYPE));
    if is_problem {
        return resp;
    }
    let kind = ProblemKind::for_status(status);
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .ok()
        .and_then(|b| String::from_utf8(b.to_vec()).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let mut p = match text {
        Some(t) if !status.is_server_error() => Problem::new(kind, t),
        _ => Problem::bare(kind),
    };
    // Keep the original status (a 400 stays a 400 even if `kind` would say otherwise).
    p.status = status.as_u16();
    let mut out = p.into_response();
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = parts.headers.get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}

/// Like [`ensure_problem`], for routes whose own errors are JSON of another shape (OAuth's
/// RFC 6749 errors): only the error responses that are not JSON at all (axum's body-limit and
/// extractor rejections, in plain text) become problems, so that a client of these routes, too,
/// never has to parse text.
pub async fn ensure_json_error(resp: Response) -> Response {
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if is_json {
        return resp;
    }
    ensure_problem(resp).await
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(resp: Response) -> (StatusCode, Option<String>, Value) {
        let status = resp.status();
        let ct = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .expect("body");
        (
            status,
            ct,
            serde_json::from_slice(&bytes).expect("json body"),
        )
    }

    #[tokio::test]
    async fn app_errors_map_to_stable_types() {
        let cases = [
            (AppError::validation("limit", "too big"), 422, "validation"),
            (
                AppError::Unauthenticated("no".into()),
                401,
                "unauthenticated",
            ),
            (
                AppError::forbidden_missing("employees.read"),
                403,
                "forbidden",
            ),
            (AppError::NotFound("employee".into()), 404, "not-found"),
            (AppError::conflict(Some("name"), "taken"), 409, "conflict"),
            (
                AppError::RateLimited {
                    message: "slow down".into(),
                    retry_after: 7,
                },
                429,
                "rate-limited",
            ),
        ];
        for (err, status, slug) in cases {
            let (s, ct, body) = body_of(Problem::from(err).into_response()).await;
            assert_eq!(s.as_u16(), status, "{slug}");
            assert_eq!(ct.as_deref(), Some(CONTENT_TYPE));
            assert_eq!(body["type"], format!("{TYPE_BASE}{slug}"));
            assert_eq!(body["status"], status);
            assert!(body["title"].is_string());
        }
        let (_, _, body) =
            body_of(Problem::from(AppError::validation("limit", "too big")).into_response()).await;
        assert_eq!(body["field"], "limit");
    }

    #[tokio::test]
    async fn internal_errors_hide_their_cause() {
        let e = AppError::from(anyhow::anyhow!("password=hunter2 connection refused"));
        let (status, _, body) = body_of(Problem::from(e).into_response()).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["type"], format!("{TYPE_BASE}internal"));
        assert!(body.get("detail").is_none());
        assert!(!body.to_string().contains("hunter2"));
    }

    #[tokio::test]
    async fn unauthorized_names_the_scheme_and_rate_limited_says_when() {
        let resp = Problem::new(ProblemKind::AccessTypeNone, "x").into_response();
        assert!(resp.headers().contains_key(header::WWW_AUTHENTICATE));
        let resp = Problem::from(AppError::RateLimited {
            message: "m".into(),
            retry_after: 3,
        })
        .into_response();
        assert_eq!(
            resp.headers()
                .get(header::RETRY_AFTER)
                .map(|v| v.as_bytes()),
            Some(&b"3"[..])
        );
    }

    #[tokio::test]
    async fn the_safety_net_converts_plain_errors() {
        let plain = (StatusCode::METHOD_NOT_ALLOWED, "nope").into_response();
        let (s, ct, body) = body_of(ensure_problem(plain).await).await;
        assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(ct.as_deref(), Some(CONTENT_TYPE));
        assert_eq!(body["type"], format!("{TYPE_BASE}method-not-allowed"));
        assert_eq!(body["detail"], "nope");
        let boom = (StatusCode::INTERNAL_SERVER_ERROR, "stack trace").into_response();
        let (_, _, body) = body_of(ensure_problem(boom).await).await;
        assert!(body.get("detail").is_none());
        let ok = (StatusCode::OK, "fine").into_response();
        assert_eq!(ensure_problem(ok).await.status(), StatusCode::OK);
    }
}
