//! Secrets out of everything a log row keeps, before the row is queued (SPEC §5).
//!
//! - headers: `Authorization`, `Proxy-Authorization`, `Cookie`, `Set-Cookie` (values replaced);
//! - JSON bodies (REST bodies, GraphQL variables and results), at any depth: fields whose full
//!   name is a secret's (`password`, `client_secret`, `clientSecret`, `secret`, `token`,
//!   `access_token`, `refresh_token`, `key`, `client_assertion`, case-insensitive);
//! - form bodies (`/oauth/*`) and query strings: the same names;
//! - text that cannot be parsed (a body truncated while streaming, a GraphQL document with
//!   inline arguments, JSON nested deeper than the parser goes): the same names followed by `:`
//!   or `=` and a value, by a regular expression, an object or array value replaced whole (the
//!   structural redaction needs the whole body, which is not kept when large).

use std::sync::LazyLock;

use axum::http::{HeaderMap, Uri, header};
use regex::Regex;
use serde_json::{Map, Value};

/// What replaces a secret.
pub const MARK: &str = "[REDACTED]";

/// Field names that hold secrets, compared case-insensitively as full names. Snake and camel
/// case both appear (REST and OAuth are snake_case; GraphQL is camelCase).
const SECRET_NAMES: [&str; 14] = [
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
    "apikey",
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
    // A secret's name (as a whole word; quoted, quoted with escaped quotes, or bare), `:` or
    // `=`, then a value: a string in double quotes (possibly cut short), the same with escaped
    // quotes (`\"…\"`: a GraphQL document or JSON inside a JSON string), a string in single
    // quotes, or anything up to a delimiter.
    let pattern = format!(
        r#"(?i)(\\?["']?\b(?:{names})\b\\?["']?\s*[:=]\s*)("(?:[^"\\]|\\.)*"?|\\"(?:[^"\\]|\\\\\\"|\\[^"])*(?:\\")?|'(?:[^'\\]|\\.)*'?|[^\s,&}}\])"]+)"#
    );
    #[allow(clippy::expect_used)]
    Regex::new(&pattern).expect("the secret pattern is a valid regular expression")
});

/// A secret's name followed by `:` or `=` and the opening bracket of an object or array.
static TEXT_SECRET_NESTED: LazyLock<Regex> = LazyLock::new(|| {
    let names = SECRET_NAMES.join("|");
    let pattern = format!(r#"(?i)\\?["']?\b(?:{names})\b\\?["']?\s*[:=]\s*[\[{{]"#);
    #[allow(clippy::expect_used)]
    Regex::new(&pattern).expect("the nested secret pattern is a valid regular expression")
});

/// Where the object or array opening at `open` ends (just past its closing bracket), or the end
/// of the text when it is cut short. Brackets inside double-quoted strings do not count.
/// Hand-written because no parser reads a JSON prefix; it only has to be safe, not exact: an
/// unbalanced text makes it redact more, never less, than the value.
fn nested_end(s: &str, open: usize) -> usize {
    let bytes = s.as_bytes();
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, &b) in bytes.iter().enumerate().skip(open) {
        if escaped {
            escaped = false;
        } else if b == b'\\' {
            escaped = true;
        } else if in_string {
            in_string = b != b'"';
        } else {
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            }
        }
    }
    s.len()
}

/// Objects and arrays held by a secret's name, replaced whole: the structural pass does this for
/// complete JSON, and text cut short (or nested deeper than the JSON parser goes) must not keep
/// them either.
fn nested_values(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = 0;
    while let Some(m) = TEXT_SECRET_NESTED.find_at(s, rest) {
        let open = m.end() - 1;
        out.push_str(&s[rest..open]);
        // Quoted, as a string value: the pass for plain values below then leaves it as it is.
        out.push('"');
        out.push_str(MARK);
        out.push('"');
        rest = nested_end(s, open);
    }
    out.push_str(&s[rest..]);
    out
}

/// The textual fallback: `name: value` and `name=value` pairs of secret names redacted, whole
/// objects and arrays included.
pub fn text(s: &str) -> String {
    let s = nested_values(s);
    TEXT_SECRET
        .replace_all(&s, |c: &regex::Captures<'_>| {
            let value = &c[2];
            let quote = if value.starts_with("\\\"") {
                "\\\""
            } else if value.starts_with('"') {
                "\""
            } else if value.starts_with('\'') {
                "'"
            } else {
                ""
            };
            format!("{}{quote}{MARK}{quote}", &c[1])
        })
        .into_owned()
}

/// Any secret name, anywhere, in any case, or a `\u` escape (which could spell one in a JSON
/// key): a literal alternation, so one fast scan of the body.
static ANY_SECRET_NAME: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    regex::bytes::Regex::new(&format!(r"(?i){}|\\u", SECRET_NAMES.join("|")))
        .expect("the secret names form a valid regular expression")
});

/// False only when neither the JSON pass nor the textual pass could find anything to redact:
/// no secret name occurs as a substring (both passes need one), and no `\u` escape could spell
/// one in a JSON key.
fn may_hold_a_secret(bytes: &[u8]) -> bool {
    ANY_SECRET_NAME.is_match(bytes)
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
    if !may_hold_a_secret(bytes) {
        // Nothing either pass below could redact: skip parsing and re-serialising (most
        // responses, e.g. every employees list, are kept as they came, at a fraction of the cost).
        return String::from_utf8_lossy(bytes).into_owned();
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

    #[test]
    fn escaped_and_single_quoted_values_in_text_are_redacted() {
        // A GraphQL document with an inline argument, inside a JSON body cut short: the value is
        // an escaped string. Before, only its backslash was replaced and the secret stayed.
        let t = body(
            Some("application/json"),
            br#"{"query":"mutation { login(email: \"e\", password: \"hunter2\") { token } }","#,
            false,
        );
        assert!(!t.contains("hunter2"), "{t}");
        assert!(t.contains(r#"password: \"[REDACTED]\""#), "{t}");
        let t = text(r#"{\"apiKey\": \"s3\\\"cr3t\", x"#);
        assert!(!t.contains("s3") && !t.contains("cr3t"), "{t}");
        let t = text("failed: password='open sesame', user='u'");
        assert!(!t.contains("sesame") && t.contains("user='u'"), "{t}");
    }

    #[test]
    fn objects_and_arrays_under_secret_names_are_redacted_in_text() {
        let cut =
            r#"{"apiKey": ["k-1", {"x": "k-2"}], "n": 1, "password": {"old": "p-1", "new": "p-"#;
        let out = text(cut);
        assert_eq!(
            out,
            r#"{"apiKey": "[REDACTED]", "n": 1, "password": "[REDACTED]""#
        );
        let escaped = r#"{"query": "mutation { f(input: {\"token\": [\"t-1\"]}) }"}"#;
        assert!(!text(escaped).contains("t-1"), "{}", text(escaped));
        // Brackets inside strings do not end the value early.
        let tricky = r#"{"secret": {"a": "]}", "b": "s-1"}, "ok": "kept"}"#;
        assert_eq!(text(tricky), r#"{"secret": "[REDACTED]", "ok": "kept"}"#);
    }

    #[test]
    fn bodies_without_secret_names_are_kept_as_they_came() {
        let plain = br#"{ "data": [{"first_name": "Ada", "department": "R&D"}], "next": null }"#;
        let kept = body(Some("application/json"), plain, true);
        assert_eq!(kept.as_bytes(), plain);
        // A name spelled with a JSON escape still goes through the structural pass.
        let escaped = br#"{"p\u0061ssword": "hunter2", "n": 1}"#;
        let out = body(Some("application/json"), escaped, true);
        assert!(!out.contains("hunter2"), "{out}");
        // Any case of any name, anywhere, takes the full passes.
        let shouting = br#"{"ACCESS_TOKEN": "abc123", "n": 1}"#;
        let out = body(Some("application/json"), shouting, true);
        assert!(!out.contains("abc123"), "{out}");
    }

    #[test]
    fn api_key_in_camel_case_is_a_secret() {
        // GraphQL names are camelCase: `apiKey` like `clientSecret`.
        let mut v = json!({ "input": { "apiKey": "k1", "APIKEY": "k2" } });
        json(&mut v);
        let s = v.to_string();
        assert!(!s.contains("k1") && !s.contains("k2"), "{s}");
        assert!(!form("apiKey=k3").contains("k3"));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// The secret names as the module documents them: whole names, any case, words joined
        /// by `_` (snake case) or not at all (camel case).
        const WORDS: [&[&str]; 9] = [
            &["password"],
            &["secret"],
            &["token"],
            &["key"],
            &["client", "secret"],
            &["access", "token"],
            &["refresh", "token"],
            &["client", "assertion"],
            &["api", "key"],
        ];

        fn secret_name() -> impl Strategy<Value = String> {
            (0..WORDS.len(), any::<bool>(), any::<u64>()).prop_map(|(w, snake, case)| {
                let name = WORDS[w].join(if snake { "_" } else { "" });
                name.chars()
                    .enumerate()
                    .map(|(i, c)| {
                        if case >> (i % 64) & 1 == 1 {
                            c.to_ascii_uppercase()
                        } else {
                            c
                        }
                    })
                    .collect()
            })
        }

        /// Secrets carry a `#`, which nothing else generated here contains.
        fn secret() -> impl Strategy<Value = String> {
            "#[0-9a-zA-Z+/=_ .-]{4,24}"
        }

        fn plain() -> impl Strategy<Value = String> {
            "[^#%]{0,12}"
        }

        /// A JSON value with secret fields planted at any depth, in objects and arrays.
        fn tree() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                any::<i64>().prop_map(Value::from),
                any::<bool>().prop_map(Value::from),
                Just(Value::Null),
                plain().prop_map(Value::String),
            ];
            leaf.prop_recursive(12, 96, 5, |inner| {
                let entry = prop_oneof![
                    (plain(), inner.clone()),
                    (secret_name(), secret().prop_map(Value::String)),
                    (secret_name(), inner.clone()),
                    // A secret name holding an object or array of secrets (redacted whole).
                    (
                        secret_name(),
                        prop::collection::vec(secret().prop_map(Value::String), 1..3)
                            .prop_map(Value::Array)
                    ),
                    (
                        secret_name(),
                        (plain(), secret()).prop_map(|(k, v)| Value::Object(Map::from_iter([(
                            k,
                            Value::String(v)
                        )])))
                    ),
                ];
                prop_oneof![
                    prop::collection::vec(inner, 0..5).prop_map(Value::Array),
                    prop::collection::vec(entry, 0..5)
                        .prop_map(|kv| Value::Object(kv.into_iter().collect())),
                ]
            })
        }

        fn pairs() -> impl Strategy<Value = Vec<(String, String)>> {
            prop::collection::vec(
                prop_oneof![(plain(), plain()), (secret_name(), secret())],
                0..8,
            )
        }

        fn encode(pairs: &[(String, String)]) -> String {
            let mut s = form_urlencoded::Serializer::new(String::new());
            for (k, v) in pairs {
                s.append_pair(k, v);
            }
            s.finish()
        }

        fn clean(out: &str) -> bool {
            !out.contains('#') && !out.contains("%23")
        }

        proptest! {
            #[test]
            fn json_bodies_lose_every_secret_at_any_depth(tree in tree(), cut in any::<prop::sample::Index>()) {
                let text = tree.to_string();
                let mut v = tree.clone();
                json(&mut v);
                prop_assert!(clean(&v.to_string()), "{} -> {}", text, v);
                let out = body(Some("application/json"), text.as_bytes(), true);
                prop_assert!(clean(&out), "{} -> {}", text, out);
                // Cut short anywhere (a streamed body): the textual pass still finds them.
                let head = &text.as_bytes()[..cut.index(text.len() + 1)];
                let out = body(Some("application/json"), head, false);
                prop_assert!(clean(&out), "{:?} -> {}", String::from_utf8_lossy(head), out);
            }

            #[test]
            fn graphql_documents_lose_inline_secrets(name in secret_name(), secret in "#[0-9a-z]{4,24}", sep in "[:=] ?", quoted: bool, cut in any::<prop::sample::Index>()) {
                let arg = if quoted { format!("{name}{sep}\"{secret}\"") } else { format!("{name}{sep}{secret}") };
                let doc = format!("mutation {{ login(email: \"e\", {arg}) {{ token }} }}");
                prop_assert!(clean(&text(&doc)), "{}", doc);
                let body_json = serde_json::json!({ "query": doc }).to_string();
                let out = body(Some("application/json"), body_json.as_bytes(), true);
                prop_assert!(clean(&out), "{}", out);
                let head = &body_json.as_bytes()[..cut.index(body_json.len() + 1)];
                let out = body(Some("application/json"), head, false);
                prop_assert!(clean(&out), "{:?} -> {}", String::from_utf8_lossy(head), out);
            }

            #[test]
            fn forms_and_query_strings_lose_every_secret(pairs in pairs()) {
                let encoded = encode(&pairs);
                prop_assert!(clean(&form(&encoded)), "{}", encoded);
                let ct = Some("application/x-www-form-urlencoded");
                prop_assert!(clean(&body(ct, encoded.as_bytes(), true)));
                let u: Uri = format!("/oauth/token?{encoded}").parse().expect("a valid uri");
                prop_assert!(clean(&uri(&u)), "{}", encoded);
            }

            #[test]
            fn secret_headers_lose_their_values(
                values in prop::collection::vec((0..4usize, "#[!-~]{1,40}"), 0..6),
                others in prop::collection::vec(("x-[a-z]{1,8}", "[ -\"$-~]{0,20}"), 0..4),
            ) {
                let mut h = HeaderMap::new();
                for (i, v) in &values {
                    h.append(SECRET_HEADERS[*i].clone(), v.parse().expect("visible ascii"));
                }
                for (n, v) in &others {
                    h.append(
                        header::HeaderName::try_from(n.as_str()).expect("name"),
                        v.parse().expect("value"),
                    );
                }
                let out = headers(&h).to_string();
                prop_assert!(!out.contains('#'), "{}", out);
                prop_assert_eq!(headers(&h).as_object().map(|m| m.len()), Some(h.keys_len()));
            }
        }
    }
}
