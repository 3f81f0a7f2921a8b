//! `Authorization: Bearer <token>`: one entry point that tells the kinds of token apart and
//! authenticates each. Prefixed secrets (`pat_…`) are checked for shape and checksum before any
//! database read; JWTs are admin sessions.

use std::sync::Arc;

use crate::auth::{Principal, session};
use crate::error::{AppError, AppResult};
use crate::service::personal_tokens;
use crate::state::App;
use crate::token::{self, TokenKind};

/// Extracts the token from an `Authorization` header value.
pub fn token_from_header(value: &str) -> AppResult<&str> {
    let (scheme, token) = value.split_once(' ').ok_or_else(invalid_header)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(invalid_header());
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(invalid_header());
    }
    Ok(token)
}

fn invalid_header() -> AppError {
    AppError::Unauthenticated("the Authorization header must be `Bearer <token>`".into())
}

/// Authenticates a bearer token of any kind.
pub async fn authenticate(app: &App, token: &str) -> AppResult<Arc<Principal>> {
    if session::looks_like_jwt(token) {
        return session::authenticate(&app.db, &app.session_keys, token)
            .await
            .map(Arc::new);
    }
    let parsed = token::parse(token).map_err(|e| AppError::Unauthenticated(e.to_string()))?;
    match parsed.kind {
        TokenKind::PersonalAccessToken => personal_tokens::authenticate(app, &parsed).await,
        TokenKind::ApiKey | TokenKind::ClientSecret => Err(AppError::Unauthenticated(
            "this kind of token cannot be used here".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_forms() {
        assert_eq!(token_from_header("Bearer abc").ok(), Some("abc"));
        assert_eq!(token_from_header("bearer  abc ").ok(), Some("abc"));
        for bad in ["", "Bearer", "Bearer ", "Basic abc", "abc"] {
            assert!(token_from_header(bad).is_err(), "{bad}");
        }
    }
}
