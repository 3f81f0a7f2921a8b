//! Extractors whose rejections are problems, so a malformed query string or path answers
//! `application/problem+json` like every other failure of the API.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::rest::input::invalid;
use crate::rest::problem::Problem;

/// `axum::extract::Query`, rejecting with a `bad-request` problem, and rejecting parameter
/// values with control characters (a NUL byte above all) as a `validation` problem naming the
/// parameter: no filter has a use for them, PostgreSQL cannot even compare text with a NUL, and
/// SQLite would cut the string short at it and match more than was asked for.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(q) = parts.uri.query() {
            reject_control_characters(q)?;
        }
        let axum::extract::Query(value) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(Self(value))
    }
}

/// The first parameter whose decoded value holds a control character, as a 422 naming it.
fn reject_control_characters(query: &str) -> Result<(), Problem> {
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if value.chars().any(char::is_control) {
            return Err(invalid(
                &name,
                format!("{name} must not contain control characters (such as a NUL byte)"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_named() {
        assert!(reject_control_characters("department=Sales&limit=2").is_ok());
        assert!(reject_control_characters("search=%25%27%20OR%201%3D1").is_ok());
        for q in ["department=a%00b", "limit=1&search=%0A", "cursor=%7F"] {
            let p = reject_control_characters(q).expect_err(q);
            assert_eq!(p.status, 422, "{q}");
            assert!(p.extensions.get("field").is_some(), "{q}");
        }
        let p = reject_control_characters("limit=2&department=%00").expect_err("nul");
        assert_eq!(
            p.extensions.get("field"),
            Some(&serde_json::json!("department"))
        );
    }
}
