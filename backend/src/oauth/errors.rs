//! OAuth error responses (RFC 6749 §5.2): a JSON body `{"error", "error_description"}` with the
//! registered error codes, never cached. Descriptions never contain a secret.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::AppError;
use crate::logs::{Decision, Identity};

/// The registered error codes (RFC 6749 §5.2), plus `server_error` for our own failures and
/// `temporarily_unavailable` (registered by RFC 6749 §4.1.2.1) while the database is away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    ServerError,
    TemporarilyUnavailable,
}

impl OAuthErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            // RFC 6749 allows 400 or 401 when the client did not use the Authorization header;
            // 401 always is simpler for clients to handle.
            Self::InvalidClient => StatusCode::UNAUTHORIZED,
            Self::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            // Like REST's `unavailable` problem: the client should retry, not give up.
            Self::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

#[derive(Debug)]
pub struct OAuthError {
    pub code: OAuthErrorCode,
    pub description: String,
    /// The client tried HTTP Basic: a 401 must then carry `WWW-Authenticate: Basic`.
    pub basic: bool,
}

impl OAuthError {
    pub fn new(code: OAuthErrorCode, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
            basic: false,
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(OAuthErrorCode::InvalidRequest, description)
    }

    pub fn invalid_client(basic: bool) -> Self {
        Self {
            basic,
            ..Self::new(
                OAuthErrorCode::InvalidClient,
                "client authentication failed",
            )
        }
    }

    pub fn server_error(cause: anyhow::Error) -> Self {
        if crate::db::outage::caused_by_outage(&cause) {
            tracing::warn!(error = ?cause, "database unavailable in an OAuth endpoint");
            return Self::new(
                OAuthErrorCode::TemporarilyUnavailable,
                "the service is temporarily unavailable; retry later",
            );
        }
        tracing::error!(error = ?cause, "internal error in an OAuth endpoint");
        Self::new(OAuthErrorCode::ServerError, "internal error")
    }

    /// Maps a service error met while authenticating a client.
    pub fn from_client_auth(e: AppError, basic: bool) -> Self {
        match e {
            AppError::Internal(cause) => Self::server_error(cause),
            _ => Self::invalid_client(basic),
        }
    }
}

impl OAuthError {
    /// The guard a refusal stands for in the request log: failed client authentication is
    /// `authenticate`, a scope beyond the client's role is `permission`, a malformed request is
    /// the `oauth` endpoint's own refusal, and our failure is an `error` (not a denial).
    pub fn guard(&self) -> &'static str {
        match self.code {
            OAuthErrorCode::InvalidClient => "authenticate",
            OAuthErrorCode::InvalidScope | OAuthErrorCode::UnauthorizedClient => "permission",
            OAuthErrorCode::InvalidRequest
            | OAuthErrorCode::InvalidGrant
            | OAuthErrorCode::UnsupportedGrantType => "oauth",
            OAuthErrorCode::ServerError | OAuthErrorCode::TemporarilyUnavailable => "error",
        }
    }
}

/// An OAuth endpoint's answer with its [`Decision`] for the request log: who the client proved
/// to be (if it got that far), and `allowed` or the refusal's guard and description.
pub fn decided(result: Result<Response, OAuthError>, client: Option<Identity>) -> Response {
    match result {
        Ok(mut resp) => {
            resp.extensions_mut().insert(Decision::allowed(client));
            resp
        }
        Err(e) => {
            let decision = Decision {
                denied: Some((e.guard(), e.description.clone())),
                identity: client,
            };
            let mut resp = e.into_response();
            resp.extensions_mut().insert(decision);
            resp
        }
    }
}

/// Headers every OAuth response carries: tokens and errors alike must not be cached
/// (RFC 6749 §5.1).
pub fn no_store(resp: &mut Response) {
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": self.code.as_str(),
            "error_description": self.description,
        });
        let mut resp = (self.code.status(), axum::Json(body)).into_response();
        no_store(&mut resp);
        if self.code == OAuthErrorCode::TemporarilyUnavailable {
            resp.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(crate::db::outage::RETRY_AFTER_SECS),
            );
        }
        if self.basic && self.code == OAuthErrorCode::InvalidClient {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"portcullis\", charset=\"UTF-8\""),
            );
        }
        resp
    }
}

/// A service error outside client authentication is ours, not the client's.
impl From<AppError> for OAuthError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Internal(cause) => Self::server_error(cause),
            other => Self::server_error(anyhow::anyhow!("{}: {other}", other.code())),
        }
    }
}
