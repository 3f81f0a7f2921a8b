//! Secrets out of everything a log row keeps, before the row is queued (SPEC §5).
//!
//! - headers: `Authorization`, `Proxy-Authorization`, `Cookie`, `Set-Cookie` (values replaced);
//! - JSON bodies (REST bodies, GraphQL variables and results), at any depth: fields whose full
//!   name is a secret's (`password`, `client_secret`, `clientSecret`, `secret`, `token`,
//!   `access_token`, `refresh_token`, `key`, `client_assertion`, case-insensitive);
//! - form bodies (`/oauth/*`) and query strings: the same names;
//! - text that cannot be parsed (a body truncated while streaming, a GraphQL document with
//!   inline arguments): the same names followed by `:` or `=` and a value, by a regular
//!   expression (the structural redaction needs the whole body, which is not kept when large).

use std::sync::LazyLock;

use axum::http::{HeaderMap, Uri, header};
use regex::Regex;
use serde_json::{Map, Value};

/// What replaces a secret.
pub const MARK: &str = "[REDACTED]";

/// Field names that hold secrets, compared case-insensitively as full names. Snake and camel
/// case both appear (REST and OAuth are snake_case; GraphQL is camelCase).
const SECRET_NAMES: [&str; 13] = [
    "password",
    "secret",
    "token",
    "key",
    "client_secret",
    "clientsecret",
    "access_token",
    "accesstoken",
    "refresh_token",
    "refreshtoken",
    "client_assertion",
    "clientassertion",
    "api_key",
];

const SECRET_HEADERS: [header::HeaderName; 4] = [
    header::AUTHORIZATION,
    header::PROXY_AUTHORIZATION,
    header::COOKIE,
    header::SET_COOKIE,
];

pub fn is_secret_name(name: &str) -> bool {
    SECRET_NAMES.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// Headers as a JSON object (name → value; repeated headers joined with `, `), secrets redacted.
pub fn headers(headers: &HeaderMap) -> Value {
    let mut out = Map::new();
    for name in headers.keys() {
        let value = if SECRET_HEADERS.contains(name) {
            MARK.to_string()
        } else {
            headers
                .get_all(name)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.insert(name.as_str().to_string(), Value::String(value));
    }
    Value::Object(out)
}

/// Path and query, with secret query parameters redacted.
pub fn uri(uri: &Uri) -> String {
    match uri.query() {
        Some(q) => format!("{}?{}", uri.path(), form(q)),
        None => uri.path().to_string(),
    }
}

/// A form-encoded string (a body or a query string) with secret values redacted.
pub fn form(s: &str) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded::parse(s.as_bytes()) {
        if is_secret_name(&name) {
            out.append_pair(&name, MARK);
        } else {
            out.append_pair(&name, &value);
        }
    }
    out.finish()
}

/// Redacts secret fields at any depth; GraphQL documents (`query`) get the textual pass too, for
/// secrets written inline as arguments.
pub fn json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (name, v) in map.iter_mut() {
                if is_secret_name(name) && !v.is_null() {
                    *v = Value::String(MARK.to_string());
                } else if name == "query"
                    && let Value::String(doc) = v
                {
                    *doc = text(doc);
                } else {
                    json(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(json),
        _ => {}
    }
}

static TEXT_SECRET: LazyLock<Regex> = LazyLock::new(|| {
    let names = SECRET_NAMES.join("|");
    // A secret's name (quoted or not, as a whole word), `:` or `=`, then a value: a JSON string
    // (possibly cut short), or anything up to a delimiter.
    let pattern =
        format!(r#"(?i)(["']?\b(?:{names})\b["']?\s*[:=]\s*)("(?:[^"\\]|\\.)*"?|[^\s,&}}\])"]+)"#);
    #[allow(clippy::expect_used)]
    Regex::new(&pattern).expect("the secret pattern is a valid regular expression")
});

/// The textual fallback: `name: value` and `name=value` pairs of secret names redacted.
pub fn text(s: &str) -> String {
    TEXT_SECRET
        .replace_all(s, |c: &regex::Captures<'_>| {
            let quoted = c[2].starts_with('"');
            if quoted {
                format!("{}\"{MARK}\"", &c[1])
            } else {
                format!("{}{MARK}", &c[1])
            }
        })
        .into_owned()
}

/// Whether a body of this content type is text worth keeping (JSON, forms, text, XML, GraphQL);
/// no content type counts as text.
pub fn is_textual(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else {
        return true;
    };
    let ct = ct.to_ascii_lowercase();
    ct.starts_with("text/")
        || ct.contains("json")
        || ct.contains("xml")
        || ct.contains("graphql")
        || ct.starts_with("application/x-www-form-urlencoded")
}

/// A body's text, secrets redacted. `complete`: the whole body (JSON is then parsed and redacted
/// field by field); otherwise only its first bytes, redacted as text.
pub fn body(content_type: Option<&str>, bytes: &[u8], complete: bool) -> String {
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    if ct.starts_with("application/x-www-form-urlencoded") {
        return form(&String::from_utf8_lossy(bytes));
    }
    if complete && let Ok(mut v) = serde_json::from_slice::<Value>(bytes) {
        json(&mut v);
        return v.to_string();
    }
    text(&String::from_utf8_lossy(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_fields_at_any_depth() {
        let mut v = json!({
            "name": "n", "Password": "p1", "nested": { "client_secret": "p2", "list": [
                { "TOKEN": "p3", "keys": "visible" }, { "clientSecret": "p4", "key": "p5" }
            ]}, "refresh_token": "p6", "access_token": "p7", "secret": "p8",
            "query": "mutation { login(email: \"e\", password: \"p9\") { token } }"
        });
        json(&mut v);
        let s = v.to_string();
        for p in ["p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"] {
            assert!(!s.contains(&format!("\"{p}")), "{p} in {s}");
        }
        assert!(s.contains("visible") && s.contains(MARK), "{s}");
    }

    #[test]
    fn forms_queries_and_headers() {
        let f = form(
            "grant_type=client_credentials&client_secret=s3cr%2Bt&token=t0k&client_assertion=a55",
        );
        assert!(
            !f.contains("s3cr") && !f.contains("t0k") && !f.contains("a55"),
            "{f}"
        );
        assert!(f.starts_with("grant_type=client_credentials&"), "{f}");
        let u: Uri = "/api/v1/employees?limit=5&access_token=abc123&Key=k3y"
            .parse()
            .expect("uri");
        let u = uri(&u);
        assert!(
            !u.contains("abc123") && !u.contains("k3y") && u.contains("limit=5"),
            "{u}"
        );
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            "Basic dXNlcjpwYXNz".parse().expect("v"),
        );
        h.insert(header::COOKIE, "sid=1".parse().expect("v"));
        h.insert(header::ACCEPT, "application/json".parse().expect("v"));
        let h = headers(&h).to_string();
        assert!(
            !h.contains("dXNlcjpwYXNz") && !h.contains("sid=1") && h.contains("application/json")
        );
    }

    #[test]
    fn truncated_text_is_redacted() {
        let t = text(r#"{"a": 1, "password": "hun"#);
        assert!(!t.contains("hun"), "{t}");
        let t = text(r#"{"Token":"abc\"def", "my_token": "kept", x: 1}"#);
        assert!(
            !t.contains("abc") && !t.contains("def") && t.contains("kept"),
            "{t}"
        );
        let t = body(Some("application/json"), br#"{"key": "k1", "b": [1"#, false);
        assert!(!t.contains("k1"), "{t}");
    }
}
