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

/// What a bearer token is, judged from its form alone: nothing is verified here, the caller
/// still has to authenticate it as that kind. Both admin sessions and OAuth access tokens are
/// JWTs; an access token says so in its header (`typ: at+jwt`, RFC 9068 §2.1), which a session
/// never carries, so the two are told apart without trying one verification after the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BearerForm {
    /// A JWT that is not an access token: an admin session (or nothing valid).
    Session,
    /// A JWT whose header says it is an OAuth access token.
    AccessToken,
    /// Anything else: a prefixed secret (`pat_…`, `key_…`) or garbage.
    Prefixed,
}

/// Classifies a bearer token (see [`BearerForm`]).
pub fn classify(token: &str) -> BearerForm {
    if !session::looks_like_jwt(token) {
        return BearerForm::Prefixed;
    }
    let is_access_token = jsonwebtoken::decode_header(token).is_ok_and(|h| {
        h.typ.as_deref().is_some_and(|t| {
            t.eq_ignore_ascii_case(crate::oauth::token::ACCESS_TOKEN_TYP)
                || t.eq_ignore_ascii_case("application/at+jwt")
        })
    });
    if is_access_token {
        BearerForm::AccessToken
    } else {
        BearerForm::Session
    }
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

    #[test]
    fn access_tokens_are_told_from_sessions_by_their_header() {
        use base64::Engine;
        let jwt = |header: &str| {
            let enc = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
            format!("{}.{}.sig", enc(header), enc("{}"))
        };
        assert_eq!(
            classify(&jwt(r#"{"alg":"EdDSA","typ":"at+jwt","kid":"k"}"#)),
            BearerForm::AccessToken
        );
        assert_eq!(
            classify(&jwt(r#"{"alg":"EdDSA","typ":"application/at+jwt"}"#)),
            BearerForm::AccessToken
        );
        assert_eq!(
            classify(&jwt(r#"{"alg":"HS256","typ":"JWT"}"#)),
            BearerForm::Session
        );
        assert_eq!(classify(&jwt(r#"{"alg":"HS256"}"#)), BearerForm::Session);
        assert_eq!(classify("pat_abc_def"), BearerForm::Prefixed);
    }
}
