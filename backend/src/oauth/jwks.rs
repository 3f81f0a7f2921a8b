//! `GET /.well-known/jwks.json`: the public keys that verify access tokens (RFC 7517), so
//! resource servers and integrators can check a token without calling us.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

pub async fn jwks(State(state): State<AppState>) -> Response {
    let mut resp = axum::Json(state.app.oauth_keys.jwks()).into_response();
    // Short enough that a future key rotation propagates quickly.
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    resp
}
