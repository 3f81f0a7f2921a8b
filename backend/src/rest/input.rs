//! Request bodies of the REST API: one JSON object, read and checked field by field.
//!
//! Bodies are read as a JSON object ([`JsonObject`]) rather than deserialised straight into a
//! struct, so that every failure can be told apart and named as SPEC §4 asks: a body that is not
//! JSON is 400 `bad-request`, one over the limit 413 `payload-too-large`, a field the resource
//! does not have (or may not be written) 422 `validation` with that `field`, a value out of its
//! bounds 422 with the `field` and the bound. Fields follow PATCH semantics ([`Patch`]): absent
//! = unchanged, `null` = cleared, a value = set.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde_json::{Map, Value};
use time::Date;
use time::macros::format_description;
use uuid::Uuid;

use crate::error::AppError;
use crate::rest::BODY_LIMIT;
use crate::rest::problem::{Problem, ProblemKind};
pub use crate::service::companies::Patch;

/// A 422 `validation` problem naming the field.
pub fn invalid(field: &str, message: impl Into<String>) -> Problem {
    AppError::validation(field, message).into()
}

/// Whether a `Content-Type` is JSON (`application/json`, or any `application/*+json`).
fn is_json(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else {
        return false;
    };
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// The request body as one JSON object.
#[derive(Debug, Clone)]
pub struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        if !is_json(content_type) {
            return Err(Problem::new(
                ProblemKind::UnsupportedMediaType,
                "send the body as JSON, with `Content-Type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            let kind = ProblemKind::for_status(r.status());
            if kind == ProblemKind::PayloadTooLarge {
                Problem::new(
                    kind,
                    format!("the request body is too large: at most {BODY_LIMIT} bytes (1 MiB)"),
                )
                .with("limit_bytes", BODY_LIMIT)
            } else {
                Problem::new(kind, r.body_text())
            }
        })?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(Self(map)),
            Ok(_) => Err(Problem::new(
                ProblemKind::BadRequest,
                "the body must be a JSON object",
            )),
            Err(e) => Err(Problem::new(
                ProblemKind::BadRequest,
                format!("the body is not valid JSON: {e}"),
            )),
        }
    }
}

impl JsonObject {
    /// Rejects the first field that is not one of `writable`: unknown fields are errors, not
    /// silently ignored (SPEC §4), so a typo (`frist_name`) cannot pass for a successful write.
    pub fn reject_unknown(&self, writable: &[&str]) -> Result<(), Problem> {
        match self.0.keys().find(|k| !writable.contains(&k.as_str())) {
            None => Ok(()),
            Some(k) => Err(invalid(
                k,
                format!(
                    "unknown or read-only field {k}: the writable fields are {}",
                    writable.join(", ")
                ),
            )),
        }
    }

    fn raw(&self, name: &str) -> Patch<&Value> {
        match self.0.get(name) {
            None => Patch::Keep,
            Some(Value::Null) => Patch::Clear,
            Some(v) => Patch::Set(v),
        }
    }

    /// A string, trimmed; at most `max_chars` characters; no control characters but line
    /// breaks and tabs. An empty string clears the field like `null`.
    pub fn text(&self, name: &str, max_chars: usize) -> Result<Patch<String>, Problem> {
        let v = match self.raw(name) {
            Patch::Keep => return Ok(Patch::Keep),
            Patch::Clear => return Ok(Patch::Clear),
            Patch::Set(v) => v,
        };
        let s = v
            .as_str()
            .ok_or_else(|| invalid(name, format!("{name} must be a string")))?
            .trim();
        if s.is_empty() {
            return Ok(Patch::Clear);
        }
        let n = s.chars().count();
        if n > max_chars {
            return Err(invalid(
                name,
                format!("{name} is {n} characters long: at most {max_chars} are allowed"),
            ));
        }
        if s.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(invalid(
                name,
                format!("{name} must not contain control characters"),
            ));
        }
        Ok(Patch::Set(s.to_string()))
    }

    /// A calendar date, `YYYY-MM-DD`.
    pub fn date(&self, name: &str) -> Result<Patch<Date>, Problem> {
        let v = match self.raw(name) {
            Patch::Keep => return Ok(Patch::Keep),
            Patch::Clear => return Ok(Patch::Clear),
            Patch::Set(v) => v,
        };
        let s = v
            .as_str()
            .ok_or_else(|| invalid(name, format!("{name} must be a date string, YYYY-MM-DD")))?;
        parse_date(name, s).map(Patch::Set)
    }

    /// A whole number within bounds.
    pub fn integer(&self, name: &str, min: i64, max: i64) -> Result<Patch<i64>, Problem> {
        let v = match self.raw(name) {
            Patch::Keep => return Ok(Patch::Keep),
            Patch::Clear => return Ok(Patch::Clear),
            Patch::Set(v) => v,
        };
        let n = v
            .as_i64()
            .ok_or_else(|| invalid(name, format!("{name} must be a whole number")))?;
        if !(min..=max).contains(&n) {
            return Err(invalid(
                name,
                format!("{name} {n} is out of range: it must be between {min} and {max}"),
            ));
        }
        Ok(Patch::Set(n))
    }

    /// A UUID.
    pub fn uuid(&self, name: &str) -> Result<Patch<Uuid>, Problem> {
        let v = match self.raw(name) {
            Patch::Keep => return Ok(Patch::Keep),
            Patch::Clear => return Ok(Patch::Clear),
            Patch::Set(v) => v,
        };
        v.as_str()
            .and_then(|s| Uuid::parse_str(s).ok())
            .map(Patch::Set)
            .ok_or_else(|| invalid(name, format!("{name} must be a UUID")))
    }

    /// One of a fixed set of strings.
    pub fn choice(&self, name: &str, allowed: &[&str]) -> Result<Patch<String>, Problem> {
        let v = match self.raw(name) {
            Patch::Keep => return Ok(Patch::Keep),
            Patch::Clear => return Ok(Patch::Clear),
            Patch::Set(v) => v,
        };
        match v.as_str() {
            Some(s) if allowed.contains(&s) => Ok(Patch::Set(s.to_string())),
            _ => Err(invalid(
                name,
                format!("{name} must be one of {}", allowed.join(", ")),
            )),
        }
    }
}

/// Parses a `YYYY-MM-DD` date (query parameters use it too).
pub fn parse_date(name: &str, s: &str) -> Result<Date, Problem> {
    Date::parse(s, format_description!("[year]-[month]-[day]")).map_err(|_| {
        invalid(
            name,
            format!("{name} must be a date in the form YYYY-MM-DD, got '{s}'"),
        )
    })
}

/// A field a new resource must have: absent or cleared is an error.
pub fn required<T>(p: Patch<T>, name: &str) -> Result<T, Problem> {
    match p {
        Patch::Set(v) => Ok(v),
        Patch::Keep => Err(invalid(name, format!("{name} is required"))),
        Patch::Clear => Err(invalid(name, format!("{name} must not be empty"))),
    }
}

/// A field an update may change but not clear: `None` keeps it.
pub fn not_cleared<T>(p: Patch<T>, name: &str) -> Result<Option<T>, Problem> {
    match p {
        Patch::Set(v) => Ok(Some(v)),
        Patch::Keep => Ok(None),
        Patch::Clear => Err(invalid(name, format!("{name} must not be empty"))),
    }
}

/// The value of an optional field after a patch.
pub fn patched<T>(current: Option<T>, p: Patch<T>) -> Option<T> {
    match p {
        Patch::Keep => current,
        Patch::Clear => None,
        Patch::Set(v) => Some(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: Value) -> JsonObject {
        JsonObject(v.as_object().cloned().expect("object"))
    }

    fn field_of(p: Problem) -> Value {
        p.extensions.get("field").cloned().unwrap_or(Value::Null)
    }

    #[test]
    fn json_content_types() {
        assert!(is_json(Some("application/json")));
        assert!(is_json(Some("application/json; charset=utf-8")));
        assert!(is_json(Some("application/merge-patch+json")));
        assert!(!is_json(Some("text/plain")));
        assert!(!is_json(None));
    }

    #[test]
    fn patch_semantics_and_errors_name_the_field() {
        let b = body(json!({"a": "  x ", "b": null, "c": "", "d": 5, "e": "2024-02-30"}));
        assert_eq!(b.text("a", 10).expect("a"), Patch::Set("x".into()));
        assert_eq!(b.text("b", 10).expect("b"), Patch::Clear);
        assert_eq!(b.text("c", 10).expect("c"), Patch::Clear);
        assert_eq!(b.text("zz", 10).expect("zz"), Patch::Keep);
        assert_eq!(field_of(b.text("d", 10).expect_err("d")), json!("d"));
        assert_eq!(field_of(b.date("e").expect_err("e")), json!("e"));
        assert_eq!(
            field_of(b.integer("d", 6, 9).expect_err("range")),
            json!("d")
        );
        assert_eq!(
            field_of(b.reject_unknown(&["a"]).expect_err("unknown")),
            json!("b")
        );
        let p = body(json!({"a": "toolong"}))
            .text("a", 3)
            .expect_err("long");
        assert!(p.detail.as_deref().is_some_and(|d| d.contains("at most 3")));
        assert!(required(Patch::<i32>::Keep, "x").is_err());
        assert_eq!(patched(Some(1), Patch::Keep), Some(1));
        assert_eq!(patched(Some(1), Patch::Clear), None);
    }

    #[test]
    fn dates_are_strict() {
        assert!(parse_date("d", "2024-03-01").is_ok());
        for bad in [
            "2024-3-1",
            "01.03.2024",
            "2024-13-01",
            "2024-03-01T00:00:00Z",
            "",
        ] {
            assert!(parse_date("d", bad).is_err(), "{bad}");
        }
    }
}
