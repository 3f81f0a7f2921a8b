//! `POST /oauth/introspect` (RFC 7662): an authenticated client asks whether one of its access
//! tokens is active. Anything invalid, expired, revoked, voided by a regeneration, or issued to
//! another client is simply `{"active": false}`, so introspection reveals nothing about tokens
//! that are not the caller's.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::AppError;
use crate::logs::Identity;
use crate::oauth::errors::{OAuthError, decided, no_store};
use crate::oauth::token::{audience, issuer, verify_access_token};
use crate::oauth::{ClientCredentials, Form};
use crate::state::{App, AppState};

async fn handle(
    app: &App,
    headers: &HeaderMap,
    body: &[u8],
    who: &mut Option<Identity>,
) -> Result<Response, OAuthError> {
    let form = Form::parse(headers, body)?;
    let creds = ClientCredentials::from_request(headers, &form)?;
    let token = form
        .get("token")
        .ok_or_else(|| OAuthError::invalid_request("the token parameter is required"))?;
    let cred = creds.authenticate(app).await?;
    *who = Some(Identity::of_client(&cred));
    let body = match verify_access_token(app, token).await {
        Ok(a) if a.client_id == cred.client_id => json!({
            "active": true,
            "scope": a.scopes.join(" "),
            "client_id": a.client_id,
            "sub": a.client_id,
            "token_type": "Bearer",
            "exp": a.expires_at.unix_timestamp(),
            "iat": a.issued_at.unix_timestamp(),
            "iss": issuer(app),
            "aud": audience(app),
            "jti": a.jti.to_string(),
            "company_id": a.company_id.to_string(),
        }),
        Err(AppError::Internal(cause)) => return Err(OAuthError::server_error(cause)),
        _ => json!({ "active": false }),
    };
    let mut resp = axum::Json(body).into_response();
    no_store(&mut resp);
    Ok(resp)
}

/// `POST /oauth/introspect`.
pub async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut client = None;
    let result = handle(&state.app, &headers, &body, &mut client).await;
    decided(result, client)
}
