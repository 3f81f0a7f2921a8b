//! The properties the fuzz targets check, one function per target, each taking the fuzzer's raw
//! bytes. Shared by the cargo-fuzz targets (`fuzz_targets/*.rs`, nightly, libFuzzer) and by the
//! seed-corpus test `backend/tests/fuzz_corpus.rs` (stable, in CI), which includes this file by
//! path; so this file uses only crates that both the fuzz crate and the backend's tests have.
//!
//! Every check panics when a property does not hold: that is how libFuzzer records a crash.
//! Common to all: no input makes the product code panic, and no error message echoes a secret.
//!
//! Inputs are read with [`Input`], which turns bytes into choices and returns zeros once the
//! bytes run out, so every input — empty ones too — is a valid test case.

use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Uri, header};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use backend::error::AppError;
use backend::logs::redact;
use backend::oauth::{ClientCredentials, Form, OAuthError};
use backend::ratelimit::{Decision, headers as rl_headers};
use backend::token::{self, TokenError, TokenKind};

/// A target's check: panics when a property does not hold.
pub type Check = fn(&[u8]);

/// Every target: its name (the cargo-fuzz target and the corpus directory) and its check.
pub const TARGETS: [(&str, Check); 5] = [
    ("token", token),
    ("authorization", authorization),
    ("redact", redact),
    ("ratelimit_headers", ratelimit_headers),
    ("cursor", cursor),
];

/// Bytes read as choices; zeros once exhausted.
pub struct Input<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    pub fn u8(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos = self.pos.saturating_add(1);
        b
    }

    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    pub fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | (u64::from(self.u32()) << 32)
    }

    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// Up to `max` bytes, the length chosen by the input.
    pub fn bytes(&mut self, max: usize) -> &'a [u8] {
        let len = usize::from(self.u8()).min(max);
        let start = self.pos.min(self.data.len());
        let end = start.saturating_add(len).min(self.data.len());
        self.pos = self.pos.saturating_add(len);
        &self.data[start..end]
    }

    /// A short string without the characters that mark secrets in these checks, and without
    /// `%`, so that it never spells a marker percent-encoded either (`%23`, `%7E`), which
    /// [`assert_no_secret`] also counts as a secret left behind.
    pub fn text(&mut self, max: usize) -> String {
        String::from_utf8_lossy(self.bytes(max))
            .chars()
            .filter(|c| !MARKERS.contains(c) && *c != '%')
            .collect()
    }

    /// Everything not read yet.
    pub fn rest(&mut self) -> &'a [u8] {
        let start = self.pos.min(self.data.len());
        self.pos = self.data.len();
        &self.data[start..]
    }
}

/// `#` starts every secret the redaction checks plant; `~` starts the ones planted inside a
/// secret field's object or array (only the structural redaction of a complete JSON body
/// promises to remove those). Text the checks generate otherwise never contains either, raw or
/// percent-encoded.
const MARKERS: [char; 2] = ['#', '~'];

/// Panics if `message` repeats `secret`. Inputs shorter than 8 characters, and inputs that are
/// part of one of the parser's fixed messages (`fixed`), are not secrets worth the name: a
/// fixed message containing them is a coincidence, not an echo.
pub fn assert_not_echoed(message: &str, secret: &str, fixed: &[String]) {
    if secret.chars().count() < 8 || fixed.iter().any(|f| f.contains(secret)) {
        return;
    }
    assert!(
        !message.contains(secret),
        "the message {message:?} echoes the secret {secret:?}"
    );
}

// ----------------------------------------------------------------------------------------------
// (a) The token parser.

/// The base62 CRC32 checksum of a token body, as `token::mint` appends it: lets the fuzzer reach
/// the code behind the checksum test.
fn checksum(body: &str) -> String {
    let s = base62::encode(u128::from(crc32fast::hash(body.as_bytes())));
    format!("{s:0>6}")
}

fn token_messages() -> Vec<String> {
    [
        TokenError::Malformed,
        TokenError::UnknownPrefix,
        TokenError::BadChecksum,
        TokenError::Rng,
    ]
    .iter()
    .flat_map(|e| [e.to_string(), format!("{e:?}")])
    .collect()
}

/// `token::parse` on the input, and on the input with a valid checksum appended.
pub fn token(data: &[u8]) {
    let mut input = Input::new(data);
    let with_checksum = input.bool();
    let s = String::from_utf8_lossy(input.rest()).into_owned();
    check_token(&s);
    if with_checksum {
        check_token(&format!("{s}{}", checksum(&s)));
    }
}

/// The properties of one string given to the token parser.
pub fn check_token(s: &str) {
    match token::parse(s) {
        Ok(p) => {
            // Only the exact shape parses: `<prefix>_<11 base62>_<44 base62><6 base62>`.
            assert_eq!(s.len(), 3 + 1 + 11 + 1 + 44 + 6, "{s:?}");
            assert!(s.starts_with(&format!("{}_{}_", p.kind.prefix(), p.public_id)));
            assert!(s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
            assert_eq!(p.hash(), token::hash_token(s));
            assert!(p.matches(&token::hash_token(s)));
            assert!(!p.matches(&token::hash_token(&format!("{s}x"))));
            let secret = &s[16..];
            let debug = format!("{p:?}");
            assert!(!debug.contains(secret), "{debug}");
            check_mask(p.kind, p.public_id, secret);
        }
        Err(e) => {
            let fixed = token_messages();
            assert_not_echoed(&e.to_string(), s, &fixed);
            assert_not_echoed(&format!("{e:?}"), s, &fixed);
            assert_ne!(e, TokenError::Rng, "parsing never needs randomness");
        }
    }
    // Verification of any string against any stored value answers, never panics.
    assert!(!token::verify_hash(s, ""));
}

/// The masked form (what `maskedToken`, `maskedKey` and `maskedSecret` show) never contains the
/// secret, nor any 12 characters of it in a row.
pub fn check_mask(kind: TokenKind, public_id: &str, secret: &str) {
    let masked = token::mask(kind, public_id);
    assert!(masked.starts_with(kind.prefix()), "{masked}");
    assert!(masked.contains(public_id), "{masked}");
    let chars: Vec<char> = secret.chars().collect();
    for piece in chars.windows(12) {
        let piece: String = piece.iter().collect();
        assert!(!masked.contains(&piece), "{masked} contains {piece:?}");
    }
}

// ----------------------------------------------------------------------------------------------
// (b) The Authorization header: `Bearer` (REST, GraphQL, export) and `Basic` (OAuth clients).

fn bearer_messages() -> Vec<String> {
    let mut fixed = vec![
        AppError::Unauthenticated("the Authorization header must be `Bearer <token>`".into())
            .to_string(),
    ];
    fixed.extend(token_messages());
    fixed
}

/// The Bearer parser on the input as a header value; then, with the input split at its first
/// zero byte into a header value and a form body, the OAuth client-authentication parser; then
/// a Basic header built from the input's id and secret.
pub fn authorization(data: &[u8]) {
    let value = String::from_utf8_lossy(data);
    check_bearer(&value);

    let (head, body) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    if let Ok(v) = HeaderValue::from_bytes(head) {
        check_client_auth(Some(v), body, &[]);
    }

    // A well-formed Basic header around an id and a secret taken from the input.
    let mut input = Input::new(data);
    let id = input.text(40);
    let secret = format!("pcs_{}", input.text(80));
    let form_encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let basic = format!(
        "{} {}",
        if input.bool() { "Basic" } else { "bAsIc" },
        STANDARD.encode(format!("{}:{}", form_encode(&id), form_encode(&secret)))
    );
    let body = input.rest();
    if let Ok(v) = HeaderValue::try_from(basic) {
        let ok = check_client_auth(Some(v), body, &[&secret]);
        // Nothing else in the request: the credentials must come out as they went in.
        if body.is_empty() && !id.is_empty() {
            assert_eq!(ok.as_deref(), Some(id.as_str()));
        }
    }
}

/// `token_from_header`, `classify` and the token parser behind them.
pub fn check_bearer(value: &str) {
    let fixed = bearer_messages();
    let secret = value.split_once(' ').map_or(value, |(_, t)| t).trim();
    match backend::auth::bearer::token_from_header(value) {
        Ok(t) => {
            assert!(!t.is_empty() && t == t.trim(), "{t:?}");
            assert!(value.contains(t));
            let (scheme, _) = value.split_once(' ').unwrap_or_default();
            assert!(scheme.eq_ignore_ascii_case("bearer"), "{value:?}");
            let _ = backend::auth::bearer::classify(t);
            if let Err(e) = token::parse(t) {
                // What `bearer::authenticate` answers for a malformed prefixed token.
                let answer = AppError::Unauthenticated(e.to_string());
                assert_not_echoed(&answer.to_string(), t, &fixed);
            } else {
                check_token(t);
            }
        }
        Err(e) => {
            assert_eq!(e.code(), "UNAUTHENTICATED");
            assert_not_echoed(&e.to_string(), secret, &fixed);
        }
    }
}

/// OAuth client authentication from `authorization` and a form `body`; returns the client id on
/// success. No error, nor its HTTP response, contains a secret: the `secrets` given, the
/// header's credentials or the form's `client_secret`.
pub fn check_client_auth(
    authorization: Option<HeaderValue>,
    body: &[u8],
    secrets: &[&str],
) -> Option<String> {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    let mut all_secrets: Vec<String> = secrets.iter().map(|s| s.to_string()).collect();
    if let Some(v) = authorization {
        let text = String::from_utf8_lossy(v.as_bytes()).into_owned();
        let credentials = text.trim().split_once(' ').map_or("", |(_, c)| c).trim();
        all_secrets.push(credentials.to_owned());
        if let Ok(decoded) = STANDARD.decode(credentials) {
            let decoded = String::from_utf8_lossy(&decoded).into_owned();
            if let Some((_, secret)) = decoded.split_once(':') {
                all_secrets.push(secret.to_owned());
            }
        }
        headers.insert(header::AUTHORIZATION, v);
    }
    for (k, v) in form_urlencoded::parse(body) {
        if k == "client_secret" {
            all_secrets.push(v.into_owned());
        }
    }
    let result = Form::parse(&headers, body)
        .and_then(|form| ClientCredentials::from_request(&headers, &form));
    match result {
        Ok(c) => Some(c.client_id),
        Err(e) => {
            check_oauth_error(e, &all_secrets);
            None
        }
    }
}

fn check_oauth_error(e: OAuthError, secrets: &[String]) {
    let description = e.description.clone();
    // The KNOWN_PARAMS names the error messages may repeat, and the fixed messages.
    let fixed: Vec<String> = [
        "the parameter client_secret is given more than once",
        "the parameter token_type_hint is given more than once",
        "the parameter grant_type is given more than once",
        "the parameter client_id is given more than once",
        "the parameter scope is given more than once",
        "the parameter token is given more than once",
        // Any other name given twice: the name is not repeated (it may be anything), so a
        // "secret" that is a piece of this sentence is the sentence, not an echo.
        "a parameter is given more than once",
        "client authentication failed",
        "the client_id parameter does not match the HTTP Basic credentials",
        "use one client authentication method: HTTP Basic or the client_id and client_secret \
         parameters, not both",
        "the request body must be application/x-www-form-urlencoded",
    ]
    .map(String::from)
    .to_vec();
    let response = axum::response::IntoResponse::into_response(e);
    let headers = format!("{:?}", response.headers());
    for s in secrets {
        assert_not_echoed(&description, s, &fixed);
        assert_not_echoed(&headers, s, &fixed);
    }
}

// ----------------------------------------------------------------------------------------------
// (c) The log redactor.

/// The secret field names as the redactor's documentation defines them: whole names, any case,
/// snake_case or camelCase (no separator).
const SECRET_WORDS: [&[&str]; 9] = [
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

/// Headers whose values the redactor replaces.
const SECRET_HEADERS: [HeaderName; 4] = [
    header::AUTHORIZATION,
    header::PROXY_AUTHORIZATION,
    header::COOKIE,
    header::SET_COOKIE,
];

/// Builds inputs for the redactor with planted secrets, and remembers them.
struct Planter<'a> {
    input: Input<'a>,
    planted: u64,
    /// Nesting of the value being generated, to keep recursion bounded.
    depth: usize,
}

impl<'a> Planter<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self {
            input: Input::new(data),
            planted: 0,
            depth: 0,
        }
    }

    /// A fresh secret: the marker, then 12 hex digits, unique within the input.
    fn secret(&mut self, marker: char) -> String {
        self.planted += 1;
        // splitmix64, so consecutive secrets share no digits by accident.
        let mut z = self.planted.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        format!("{marker}{:012x}", (z ^ (z >> 31)) & 0xffff_ffff_ffff)
    }

    /// A secret field name: a documented name, its words joined by `_` or in camelCase, each
    /// letter's case chosen by the input.
    fn secret_name(&mut self) -> String {
        let words = SECRET_WORDS[usize::from(self.input.u8()) % SECRET_WORDS.len()];
        let snake = self.input.bool();
        let mut name = words.join(if snake { "_" } else { "" });
        if !snake && self.input.bool() {
            name = words
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let mut w = w.to_string();
                    if i > 0 {
                        w[..1].make_ascii_uppercase();
                    }
                    w
                })
                .collect();
        }
        let flips = self.input.u32();
        name.chars()
            .enumerate()
            .map(|(i, c)| {
                if flips >> (i % 32) & 1 == 1 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect()
    }

    /// Free text: no markers, and no `:` or `=`. The textual pass (for bodies cut short) cannot
    /// tell `name=` inside other free text from a real assignment, so text such as
    /// `"note": "key="` right before a secret field can hide that field from it; this is a
    /// documented limit of a regular expression, not what these checks are about.
    fn text(&mut self, max: usize) -> String {
        self.input
            .text(max)
            .chars()
            .filter(|c| !matches!(c, ':' | '='))
            .collect()
    }

    fn value(&mut self, in_secret: bool) -> Value {
        self.depth += 1;
        let choice = self.input.u8() % 8;
        let v = match choice {
            0 | 1 if self.depth < 200 => self.object(in_secret),
            2 if self.depth < 200 => {
                let n = self.input.u8() % 4;
                Value::Array((0..n).map(|_| self.value(in_secret)).collect())
            }
            3 => Value::from(self.input.u32()),
            4 => Value::Bool(self.input.bool()),
            5 => Value::Null,
            _ if in_secret => Value::String(self.secret('~')),
            _ => Value::String(self.text(24)),
        };
        self.depth -= 1;
        v
    }

    fn object(&mut self, in_secret: bool) -> Value {
        let mut map = Map::new();
        for _ in 0..self.input.u8() % 5 {
            let (name, value) = match self.input.u8() % 6 {
                // A secret field with a scalar secret: every mode must remove it.
                0 | 1 => (self.secret_name(), Value::String(self.secret('#'))),
                // A secret field holding an object or array.
                2 => {
                    let name = self.secret_name();
                    let value = if self.input.bool() {
                        self.object(true)
                    } else {
                        Value::Array(vec![self.value(true), Value::String(self.secret('~'))])
                    };
                    (name, value)
                }
                // A GraphQL document with secrets written inline as arguments.
                3 => ("query".to_owned(), Value::String(self.document())),
                _ => (self.text(12), self.value(in_secret)),
            };
            map.insert(name, value);
        }
        Value::Object(map)
    }

    /// A GraphQL document with an inline secret argument, quoted or not.
    fn document(&mut self) -> String {
        let name = self.secret_name();
        let secret = self.secret('#');
        let sep = [": ", ":", " : ", "="][usize::from(self.input.u8() % 4)];
        let arg = if self.input.bool() {
            format!("{name}{sep}\"{secret}\"")
        } else {
            format!("{name}{sep}{secret}")
        };
        let other = self.text(16);
        format!("mutation {{ login(email: \"{other}\", {arg}) {{ token }} }}")
    }

    /// Form pairs; secret names get `#` secrets.
    fn pairs(&mut self) -> Vec<(String, String)> {
        (0..self.input.u8() % 6)
            .map(|_| {
                if self.input.u8().is_multiple_of(3) {
                    (self.secret_name(), self.secret('#'))
                } else {
                    (self.text(12), self.text(24))
                }
            })
            .collect()
    }
}

/// Panics if `output` contains a planted secret marked by one of `markers`, raw or
/// percent-encoded (query strings and forms encode `#` and `~`... `~` is unreserved).
fn assert_no_secret(output: &str, markers: &[char], what: &str, input: &str) {
    for m in markers {
        let encoded = format!("%{:02X}", *m as u32);
        assert!(
            !output.contains(*m) && !output.contains(&encoded),
            "{what}: a secret marked {m:?} is left in {output:?} (from {input:?})"
        );
    }
}

/// The redactor on JSON bodies (complete and truncated), GraphQL documents, forms, query
/// strings and headers, each with planted secrets; then on the raw input, which must not panic.
pub fn redact(data: &[u8]) {
    let mut p = Planter::new(data);
    let mode = p.input.u8();

    // JSON: a tree with secrets at any depth, optionally wrapped in `wrap` more levels.
    let wrap = usize::from(p.input.u8() % 4) * usize::from(p.input.u8() % 64);
    let mut tree = p.object(false);
    for i in 0..wrap {
        tree = if i % 2 == 0 {
            Value::Array(vec![tree])
        } else {
            let mut m = Map::new();
            m.insert(p.text(4), tree);
            Value::Object(m)
        };
    }
    // Deeper than the JSON parser goes (128 levels and more), the textual pass must remove the
    // `~` secrets too (fuzzer crash, corpus `redact/regression_depth_miscounted`: it did not).
    let json = tree.to_string();
    let ct = [
        "application/json",
        "application/json; charset=utf-8",
        "application/graphql-response+json",
        "text/plain",
    ][usize::from(mode % 4)];
    let complete = redact::body(Some(ct), json.as_bytes(), true);
    // Every secret goes, even inside a secret field's object or array: by the structural pass
    // while the JSON parser accepts the body (up to 127 levels), by the textual pass beyond.
    assert_no_secret(&complete, &['#', '~'], "complete JSON body", &json);
    let mut whole = tree.clone();
    redact::json(&mut whole);
    assert_no_secret(&whole.to_string(), &['#', '~'], "JSON value", &json);

    // Truncated anywhere (a body cut short while streaming): the textual pass.
    let cut = usize::try_from(p.input.u32()).unwrap_or(0) % (json.len() + 1);
    let head = &json.as_bytes()[..cut];
    let partial = redact::body(Some(ct), head, false);
    assert_no_secret(
        &partial,
        &['#', '~'],
        "truncated JSON body",
        &String::from_utf8_lossy(head),
    );

    // A GraphQL document on its own (text).
    let doc = p.document();
    assert_no_secret(&redact::text(&doc), &['#'], "GraphQL document", &doc);

    // Form bodies and query strings.
    let pairs = p.pairs();
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &pairs {
        ser.append_pair(k, v);
    }
    let form = ser.finish();
    assert_no_secret(&redact::form(&form), &['#'], "form", &form);
    let form_ct = "application/x-www-form-urlencoded; charset=UTF-8";
    let form_body = redact::body(Some(form_ct), form.as_bytes(), mode & 16 == 0);
    assert_no_secret(&form_body, &['#'], "form body", &form);
    if let Ok(uri) = Uri::try_from(format!("/api/v1/employees?{form}")) {
        assert_no_secret(&redact::uri(&uri), &['#'], "query string", &form);
    }

    // Headers.
    let mut headers = HeaderMap::new();
    for _ in 0..p.input.u8() % 6 {
        if p.input.bool() {
            let name = SECRET_HEADERS[usize::from(p.input.u8() % 4)].clone();
            let prefix = ["Bearer ", "Basic ", "sid=", ""][usize::from(p.input.u8() % 4)];
            if let Ok(v) = HeaderValue::try_from(format!("{prefix}{}", p.secret('#'))) {
                headers.append(name, v);
            }
        } else if let (Ok(n), Ok(v)) = (
            HeaderName::try_from(p.text(12)),
            HeaderValue::try_from(p.text(24)),
        ) {
            headers.append(n, v);
        }
    }
    let rendered = redact::headers(&headers).to_string();
    assert_no_secret(&rendered, &['#'], "headers", &format!("{headers:?}"));

    // The raw input through every entry point: no panic.
    let raw = p.input.rest();
    let text = String::from_utf8_lossy(raw);
    for ct in [
        None,
        Some("application/json"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let _ = redact::body(ct, raw, true);
        let _ = redact::body(ct, raw, false);
        let _ = redact::is_textual(ct);
    }
    let _ = redact::text(&text);
    // Form names the redactor knows are secret come out redacted, whatever else is there.
    for (k, v) in form_urlencoded::parse(redact::form(&text).as_bytes()) {
        if redact::is_secret_name(&k) {
            assert_eq!(v, redact::MARK, "{text:?}");
        }
    }
}

// ----------------------------------------------------------------------------------------------
// (d) The rate-limit header renderer.

/// Any decision renders as valid header values that say what the decision says.
pub fn ratelimit_headers(data: &[u8]) {
    let mut input = Input::new(data);
    let duration = |input: &mut Input<'_>| {
        let secs = match input.u8() % 4 {
            0 => 0,
            1 => u64::from(input.u8()),
            2 => u64::from(input.u32()),
            _ => input.u64(),
        };
        Duration::new(secs, input.u32() % 1_000_000_000)
    };
    let reset_after = duration(&mut input);
    let retry = duration(&mut input);
    let window = duration(&mut input);
    let decision = Decision {
        allowed: input.bool(),
        limit: input.u32(),
        remaining: input.u32(),
        reset_after,
        retry_after: input.bool().then_some(retry),
    };
    let ceil = |d: Duration| d.as_secs().saturating_add(u64::from(d.subsec_nanos() > 0));

    // Both structured-field values are valid header values on their own.
    let policy = rl_headers::policy_value(decision.limit, window);
    let ratelimit = rl_headers::ratelimit_value(&decision);
    for v in [&policy, &ratelimit] {
        let hv = HeaderValue::from_str(v).expect("a valid header value");
        assert!(v.bytes().all(|b| b.is_ascii_graphic()), "{v:?}");
        assert_eq!(hv.to_str().ok(), Some(v.as_str()));
    }
    assert_eq!(
        policy,
        format!("\"default\";q={};w={}", decision.limit, ceil(window))
    );
    assert_eq!(
        ratelimit,
        format!(
            "\"default\";r={};t={}",
            decision.remaining,
            ceil(decision.reset_after)
        )
    );

    // On a map that already holds stale values: every header replaced, never appended.
    let mut map = HeaderMap::new();
    for name in [
        rl_headers::RATELIMIT,
        rl_headers::RATELIMIT_POLICY,
        header::RETRY_AFTER,
    ] {
        map.append(name, HeaderValue::from_static("stale"));
    }
    rl_headers::apply(&mut map, &decision, window);
    let get = |name: &str| -> Option<String> {
        let all: Vec<_> = map.get_all(name).iter().collect();
        assert!(all.len() <= 1, "{name} appears {} times", all.len());
        all.first().map(|v| {
            let s = v.to_str().expect("visible ASCII");
            assert!(!s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic()));
            s.to_owned()
        })
    };
    assert_eq!(get("ratelimit-policy"), Some(policy));
    assert_eq!(get("ratelimit"), Some(ratelimit));
    assert_eq!(get("x-ratelimit-limit"), Some(decision.limit.to_string()));
    assert_eq!(
        get("x-ratelimit-remaining"),
        Some(decision.remaining.to_string())
    );
    assert_eq!(
        get("x-ratelimit-reset"),
        Some(ceil(decision.reset_after).to_string())
    );
    match (decision.allowed, decision.retry_after) {
        (false, Some(r)) => {
            assert_eq!(get("retry-after"), Some(ceil(r).max(1).to_string()));
        }
        _ => assert_eq!(get("retry-after"), None),
    }
}

// ----------------------------------------------------------------------------------------------
// (e) Cursors and filters.

/// The page cursors (GraphQL name cursor, REST name and id cursors, the logs' keyset cursor) and
/// the API-log filters (the export's query string, and filter values of any range).
pub fn cursor(data: &[u8]) {
    let mut input = Input::new(data);
    let mode = input.u8();
    let first = match input.u8() % 4 {
        0 => None,
        1 => Some(i32::from(input.u8())),
        _ => Some(input.u32() as i32),
    };
    let rest = input.rest();
    // Mode 1: the input is the cursor's JSON, so the fuzzer explores what the decoders parse.
    let s = if mode % 2 == 1 {
        URL_SAFE_NO_PAD.encode(rest)
    } else {
        String::from_utf8_lossy(rest).into_owned()
    };
    check_cursors(&s, first);
    if let Ok(query) = std::str::from_utf8(rest) {
        check_filter_query(query);
    }
    check_filter_values(data);
}

fn check_cursors(s: &str, first: Option<i32>) {
    use backend::rest::page;
    use backend::service::api_logs::{LogCursor, LogPageRequest};
    use backend::service::pagination::{NameCursor, PageRequest};

    let page_ok = first.is_none_or(|f| (1..=200).contains(&f));
    // The decoders' fixed messages ("after is not a valid cursor", "cursor is not a valid
    // cursor", the limit's range for this `first`), taken from the same calls on a cursor that
    // holds nothing of the input (`!` is not base64url): a cursor such as "d cursor" is a piece
    // of one of them, not an echo. Any other text of the input in a message still fails.
    let detail = |p: &backend::rest::problem::Problem| p.detail.clone().unwrap_or_default();
    let fixed: Vec<String> = [
        NameCursor::decode("!").err().map(|e| e.to_string()),
        page::by_name_request(first, Some("!"))
            .err()
            .map(|p| detail(&p)),
        page::id_cursor(Some("!")).err().map(|p| detail(&p)),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert_eq!(fixed.len(), 3, "`!` is refused by every decoder");
    match NameCursor::decode(s) {
        Ok(c) => assert_eq!(NameCursor::decode(&c.encode()).ok(), Some(c)),
        Err(e) => {
            assert_eq!(e.code(), "VALIDATION");
            assert_not_echoed(&e.to_string(), s, &fixed);
        }
    }
    match PageRequest::parse(first, Some(s)) {
        Ok(r) => assert!(page_ok && (1..=200).contains(&r.first)),
        Err(e) => assert_eq!(e.code(), "VALIDATION"),
    }
    match page::by_name_request(first, Some(s)) {
        Ok(r) => assert!(page_ok && (1..=200).contains(&r.first)),
        Err(p) => {
            assert_eq!(p.status, 422);
            assert_not_echoed(&detail(&p), s, &fixed);
        }
    }
    match page::id_cursor(Some(s)) {
        Ok(id) => assert!(id.is_some()),
        Err(p) => {
            assert_eq!(p.status, 422);
            assert_not_echoed(&detail(&p), s, &fixed);
        }
    }
    match LogCursor::decode(s) {
        Ok(c) => assert_eq!(LogCursor::decode(&c.encode()).ok(), Some(c)),
        Err(e) => assert_eq!(e.code(), "VALIDATION"),
    }
    if let Err(e) = LogPageRequest::parse(first, Some(s)) {
        assert_eq!(e.code(), "VALIDATION");
    }
}

/// A fixed "now", so that the checks are deterministic.
fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_780_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// The export's query string: parsed into filters and validated, or refused as VALIDATION.
fn check_filter_query(query: &str) {
    match backend::logs::export::parse_filter(query) {
        Ok(f) => {
            if let Err(e) = f.validate(now()) {
                assert_eq!(e.code(), "VALIDATION");
            }
        }
        Err(e) => assert_eq!(e.code(), "VALIDATION"),
    }
}

/// Filter values as GraphQL delivers them: any time in the supported range, with any offset.
fn check_filter_values(data: &[u8]) {
    use backend::service::api_logs::LogFilter;
    let mut input = Input::new(data);
    let time = |input: &mut Input<'_>| -> Option<OffsetDateTime> {
        if !input.bool() {
            return None;
        }
        let (min, max) = (
            time::Date::MIN.midnight().assume_utc().unix_timestamp(),
            time::Date::MAX.midnight().assume_utc().unix_timestamp() + 86_399,
        );
        let span = u64::try_from(max - min).unwrap_or(u64::MAX);
        let secs = match input.u8() % 3 {
            // Near either end of the range, where arithmetic overflows.
            0 => min + i64::from(input.u32() % 200_000),
            1 => max - i64::from(input.u32() % 200_000),
            _ => min + i64::try_from(input.u64() % span).unwrap_or(0),
        };
        let offset = time::UtcOffset::from_whole_seconds(i32::from(input.u8() as i8) * 700).ok()?;
        let t = OffsetDateTime::from_unix_timestamp(secs).ok()?;
        let t = t.replace_nanosecond(input.u32() % 1_000_000_000).ok()?;
        // A local time in range for the offset (as the RFC 3339 parser would produce).
        let local = t.checked_to_offset(offset)?;
        Some(local)
    };
    let f = LogFilter {
        from: time(&mut input),
        to: time(&mut input),
        min_response_time_us: Some(input.u64() as i64),
        status_code: Some(input.u32() as i32),
        ..LogFilter::default()
    };
    for now in [now(), time(&mut input).unwrap_or_else(now)] {
        if let Ok(v) = f.validate(now) {
            assert!(v.from < v.to);
            assert!(v.to - v.from <= time::Duration::days(367));
        } else if let Err(e) = f.validate(now) {
            assert_eq!(e.code(), "VALIDATION");
        }
    }
}
