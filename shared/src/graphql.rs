//! The GraphQL wire format as the SPA speaks it (the request envelope, the response envelope and
//! the error shape of SPEC §8), so the client reads exactly what the server writes: an error's
//! `extensions.code` and, for validation errors, `extensions.field`.

use serde::{Deserialize, Serialize};

/// `extensions.code` values the server sends (SPEC §8).
pub mod codes {
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const VALIDATION: &str = "VALIDATION";
    pub const CONFLICT: &str = "CONFLICT";
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    pub const INTERNAL: &str = "INTERNAL";
}

/// A request to `POST /graphql`.
#[derive(Debug, Clone, Serialize)]
pub struct Request<'a, V> {
    pub query: &'a str,
    pub variables: V,
}

/// A response from `/graphql`: data, errors, or (for a partial failure) both.
#[derive(Debug, Clone, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct Response<T> {
    #[serde(default = "none")]
    pub data: Option<T>,
    #[serde(default)]
    pub errors: Vec<Error>,
}

fn none<T>() -> Option<T> {
    None
}

/// One GraphQL error.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Error {
    pub message: String,
    #[serde(default)]
    pub extensions: Extensions,
}

/// What the server adds to an error: a stable code, and the input field at fault.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct Extensions {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub field: Option<String>,
}

impl Error {
    /// An error made on the client side (network failure, unreadable answer).
    pub fn client(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            extensions: Extensions::default(),
        }
    }

    pub fn code(&self) -> Option<&str> {
        self.extensions.code.as_deref()
    }

    /// The input field this error is about, when it is a validation error on one field.
    pub fn field(&self) -> Option<&str> {
        self.extensions.field.as_deref()
    }

    /// Whether the session is gone (expired, signed out elsewhere, user deactivated).
    pub fn is_unauthenticated(&self) -> bool {
        self.code() == Some(codes::UNAUTHENTICATED)
    }
}

/// Splits errors into those about one input field (shown next to it) and the others (shown
/// above the form). Field names are the GraphQL input names (`apiRateLimit`).
pub fn split_by_field(errors: &[Error]) -> (Vec<(String, String)>, Vec<String>) {
    let mut by_field = Vec::new();
    let mut general = Vec::new();
    for e in errors {
        match e.field() {
            Some(field) => by_field.push((field.to_string(), e.message.clone())),
            None => general.push(e.message.clone()),
        }
    }
    (by_field, general)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Me {
        email: String,
    }

    #[test]
    fn reads_data_and_errors() {
        let r: Response<Me> =
            serde_json::from_str(r#"{"data":{"email":"a@b.io"}}"#).expect("parses");
        assert_eq!(r.data.map(|m| m.email).as_deref(), Some("a@b.io"));
        assert!(r.errors.is_empty());

        let r: Response<Me> = serde_json::from_str(
            r#"{"data":null,"errors":[{"message":"rate limit 90 exceeds the reseller's ceiling of 60",
                "locations":[{"line":1,"column":1}],"path":["updateCompany"],
                "extensions":{"code":"VALIDATION","field":"apiRateLimit"}},
               {"message":"boom"}]}"#,
        )
        .expect("parses");
        assert!(r.data.is_none());
        assert_eq!(r.errors[0].code(), Some(codes::VALIDATION));
        let (fields, general) = split_by_field(&r.errors);
        assert_eq!(
            fields,
            [(
                "apiRateLimit".to_string(),
                "rate limit 90 exceeds the reseller's ceiling of 60".to_string()
            )]
        );
        assert_eq!(general, ["boom"]);
        assert!(!r.errors[1].is_unauthenticated());
    }
}
