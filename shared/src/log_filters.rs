//! The API Logs dashboard's filters (SPEC §5) as the SPA keeps them: in the page's query string
//! (so a view can be shared, reloaded, and walked back with the Back button), and as the
//! `ApiLogFilter` they become for `apiLogs`, `apiLogStats` and the CSV export
//! (`GET /api/logs/export.csv` takes the same names as query parameters).
//!
//! The address is read leniently (a value that does not parse is ignored, as a hand-edited link
//! should not break the page); the filter bar's own fields are checked with
//! [`StatusFilter::parse`] and [`parse_min_ms`], which say what is wrong.

use serde::Serialize;

use crate::charts::{parse_rfc3339, rfc3339};

/// The range when the address names none: the last 24 hours (SPEC §5).
pub const DEFAULT_RANGE_SECS: i64 = 86_400;
/// Longest endpoint filter the server accepts.
pub const ENDPOINT_MAX_CHARS: usize = 500;

/// A range relative to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Hour,
    SixHours,
    Day,
    Week,
    Month,
}

impl Preset {
    pub const ALL: [Preset; 5] = [
        Preset::Hour,
        Preset::SixHours,
        Preset::Day,
        Preset::Week,
        Preset::Month,
    ];

    /// The value in the address (`range=7d`).
    pub fn key(self) -> &'static str {
        match self {
            Preset::Hour => "1h",
            Preset::SixHours => "6h",
            Preset::Day => "24h",
            Preset::Week => "7d",
            Preset::Month => "30d",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Preset::Hour => "Last hour",
            Preset::SixHours => "Last 6 hours",
            Preset::Day => "Last 24 hours",
            Preset::Week => "Last 7 days",
            Preset::Month => "Last 30 days",
        }
    }

    pub fn seconds(self) -> i64 {
        match self {
            Preset::Hour => 3_600,
            Preset::SixHours => 6 * 3_600,
            Preset::Day => DEFAULT_RANGE_SECS,
            Preset::Week => 7 * 86_400,
            Preset::Month => 30 * 86_400,
        }
    }

    pub fn parse(key: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.key() == key)
    }
}

/// A response-code filter: one status (`404`) or a class (`4xx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Code(u16),
    /// The hundreds digit: 4 for `4xx`.
    Class(u8),
}

impl StatusFilter {
    /// What the filter bar's field accepts: blank (no filter), `100`–`599`, or `1xx`–`5xx`.
    pub fn parse(text: &str) -> Result<Option<StatusFilter>, String> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(None);
        }
        let b = t.as_bytes();
        if b.len() == 3 && b[1..].eq_ignore_ascii_case(b"xx") && (b'1'..=b'5').contains(&b[0]) {
            return Ok(Some(StatusFilter::Class(b[0] - b'0')));
        }
        match t.parse::<u16>() {
            Ok(code) if (100..=599).contains(&code) => Ok(Some(StatusFilter::Code(code))),
            _ => Err(format!(
                "'{t}' is not a response code: enter a status (404) or a class (4xx)"
            )),
        }
    }
}

impl std::fmt::Display for StatusFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StatusFilter::Code(c) => write!(f, "{c}"),
            StatusFilter::Class(c) => write!(f, "{c}xx"),
        }
    }
}

/// The response-time threshold field: blank, or whole milliseconds.
pub fn parse_min_ms(text: &str) -> Result<Option<u32>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<u32>()
        .ok()
        .filter(|ms| *ms <= 3_600_000)
        .map(Some)
        .ok_or_else(|| format!("'{t}' is not a number of milliseconds"))
}

/// An HTTP method as the filter takes it (`get` → `GET`); `None` for anything else.
pub fn normalize_method(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty() && t.len() <= 16 && t.bytes().all(|b| b.is_ascii_alphabetic()))
        .then(|| t.to_ascii_uppercase())
}

/// The dashboard's filters, as the address holds them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogFilters {
    /// A range relative to now; with neither `from` nor `to` and no preset, the last 24 hours.
    pub preset: Option<Preset>,
    /// A fixed range (seconds since the epoch); wins over `preset`.
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub company_id: Option<String>,
    pub user_id: Option<String>,
    /// A route template, e.g. `/api/v1/employees/{id}`.
    pub endpoint: Option<String>,
    pub method: Option<String>,
    pub status: Option<StatusFilter>,
    /// Only requests at least this slow.
    pub min_ms: Option<u32>,
    /// Only requests with (true) or without (false) an exception.
    pub exception: Option<bool>,
}

fn text(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty() && s.chars().count() <= ENDPOINT_MAX_CHARS)
}

/// Ids are UUIDs; anything else in the address is ignored rather than sent.
fn id(v: Option<String>) -> Option<String> {
    text(v).filter(|s| s.len() == 36 && s.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'))
}

impl LogFilters {
    /// Reads the filters from the address's query parameters (`get("method")`).
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            preset: get("range").as_deref().and_then(Preset::parse),
            from: get("from").as_deref().and_then(parse_rfc3339),
            to: get("to").as_deref().and_then(parse_rfc3339),
            company_id: id(get("company")),
            user_id: id(get("user")),
            endpoint: text(get("endpoint")),
            method: get("method").as_deref().and_then(normalize_method),
            status: get("status")
                .as_deref()
                .and_then(|s| StatusFilter::parse(s).ok().flatten()),
            min_ms: get("minMs")
                .as_deref()
                .and_then(|s| parse_min_ms(s).ok().flatten()),
            exception: match get("exception").as_deref() {
                Some("true") => Some(true),
                Some("false") => Some(false),
                _ => None,
            },
        }
    }

    /// The query string (without `?`) that [`LogFilters::from_query`] reads back; empty for
    /// the default view. A fixed range replaces the preset.
    pub fn to_query(&self) -> String {
        let mut q = Query::default();
        if self.from.is_none()
            && self.to.is_none()
            && let Some(p) = self.preset.filter(|p| *p != Preset::Day)
        {
            q.add("range", p.key());
        }
        if let Some(from) = self.from {
            q.add("from", &rfc3339(from));
        }
        if let Some(to) = self.to {
            q.add("to", &rfc3339(to));
        }
        let pairs = [
            ("company", self.company_id.clone()),
            ("user", self.user_id.clone()),
            ("endpoint", self.endpoint.clone()),
            ("method", self.method.clone()),
            ("status", self.status.map(|s| s.to_string())),
            ("minMs", self.min_ms.map(|m| m.to_string())),
            ("exception", self.exception.map(|e| e.to_string())),
        ];
        for (key, value) in pairs {
            if let Some(v) = value {
                q.add(key, &v);
            }
        }
        q.0
    }

    /// Whether any filter other than the range is set.
    pub fn narrows(&self) -> bool {
        self.company_id.is_some()
            || self.user_id.is_some()
            || self.endpoint.is_some()
            || self.method.is_some()
            || self.status.is_some()
            || self.min_ms.is_some()
            || self.exception.is_some()
    }

    /// `[from, to)` in seconds since the epoch, `now` closing relative ranges.
    pub fn range(&self, now: i64) -> (i64, i64) {
        match (self.from, self.to) {
            (None, None) => {
                let secs = self.preset.map_or(DEFAULT_RANGE_SECS, Preset::seconds);
                (now - secs, now)
            }
            (Some(from), None) => (from, now.max(from + 1)),
            (None, Some(to)) => (to - DEFAULT_RANGE_SECS, to),
            (Some(from), Some(to)) => (from, to),
        }
    }

    /// The `ApiLogFilter` these filters mean at `now`: the list, the statistics and the export
    /// all get the same closed range, so they describe the same rows.
    pub fn input(&self, now: i64) -> ApiLogFilterInput {
        let (from, to) = self.range(now);
        let (status_code, status_class) = match self.status {
            Some(StatusFilter::Code(c)) => (Some(i32::from(c)), None),
            Some(StatusFilter::Class(c)) => (None, Some(format!("{c}xx"))),
            None => (None, None),
        };
        ApiLogFilterInput {
            from: rfc3339(from),
            to: rfc3339(to),
            company_id: self.company_id.clone(),
            user_id: self.user_id.clone(),
            endpoint: self.endpoint.clone(),
            method: self.method.clone(),
            status_code,
            status_class,
            min_response_time_us: self.min_ms.map(|ms| i64::from(ms) * 1_000),
            has_exception: self.exception,
        }
    }
}

/// GraphQL's `ApiLogFilter`, and the CSV export's query parameters (same names).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiLogFilterInput {
    pub from: String,
    pub to: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_class: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_response_time_us: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_exception: Option<bool>,
}

impl ApiLogFilterInput {
    /// `from=…&to=…&method=GET`: the query string of `GET /api/logs/export.csv`.
    pub fn query_string(&self) -> String {
        let mut q = Query::default();
        q.add("from", &self.from);
        q.add("to", &self.to);
        let pairs = [
            ("companyId", self.company_id.clone()),
            ("userId", self.user_id.clone()),
            ("endpoint", self.endpoint.clone()),
            ("method", self.method.clone()),
            ("statusCode", self.status_code.map(|c| c.to_string())),
            ("statusClass", self.status_class.clone()),
            (
                "minResponseTimeUs",
                self.min_response_time_us.map(|u| u.to_string()),
            ),
            ("hasException", self.has_exception.map(|e| e.to_string())),
        ];
        for (key, value) in pairs {
            if let Some(v) = value {
                q.add(key, &v);
            }
        }
        q.0
    }
}

/// A query string under construction.
#[derive(Default)]
struct Query(String);

impl Query {
    fn add(&mut self, key: &str, value: &str) {
        if !self.0.is_empty() {
            self.0.push('&');
        }
        self.0.push_str(key);
        self.0.push('=');
        self.0.push_str(&encode(value));
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 15)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// Decodes a query string the way the browser's router does.
    fn parse(query: &str) -> HashMap<String, String> {
        let decode = |s: &str| {
            let b = s.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < b.len() {
                if b[i] == b'%' {
                    let hex = std::str::from_utf8(&b[i + 1..i + 3]).expect("hex");
                    out.push(u8::from_str_radix(hex, 16).expect("hex"));
                    i += 3;
                } else {
                    out.push(b[i]);
                    i += 1;
                }
            }
            String::from_utf8(out).expect("utf-8")
        };
        query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').expect("key=value");
                (decode(k), decode(v))
            })
            .collect()
    }

    fn read(query: &str) -> LogFilters {
        let map = parse(query);
        LogFilters::from_query(|k| map.get(k).cloned())
    }

    const ACME: &str = "0192f3a4-5b6c-7d8e-9f00-112233445566";

    #[test]
    fn filters_round_trip_through_the_address() {
        let f = LogFilters {
            preset: None,
            from: parse_rfc3339("2026-12-02T07:00:00Z"),
            to: None,
            company_id: Some(ACME.into()),
            user_id: None,
            endpoint: Some("/api/v1/employees/{id}".into()),
            method: Some("PATCH".into()),
            status: Some(StatusFilter::Class(4)),
            min_ms: Some(250),
            exception: Some(false),
        };
        let q = f.to_query();
        assert_eq!(
            q,
            "from=2026-12-02T07%3A00%3A00Z&company=0192f3a4-5b6c-7d8e-9f00-112233445566\
             &endpoint=%2Fapi%2Fv1%2Femployees%2F%7Bid%7D&method=PATCH&status=4xx&minMs=250\
             &exception=false"
        );
        assert_eq!(read(&q), f);
        // The default view has a bare address; a preset other than the default is kept.
        assert_eq!(LogFilters::default().to_query(), "");
        let week = LogFilters {
            preset: Some(Preset::Week),
            ..Default::default()
        };
        assert_eq!(week.to_query(), "range=7d");
        assert_eq!(read("range=7d"), week);
    }

    #[test]
    fn a_hand_edited_address_is_read_leniently() {
        let f = read("method=get&status=4XX&minMs=abc&company=1&exception=maybe&range=2y&from=now");
        assert_eq!(f.method.as_deref(), Some("GET"));
        assert_eq!(f.status, Some(StatusFilter::Class(4)));
        assert_eq!(f.min_ms, None);
        assert_eq!(f.company_id, None);
        assert_eq!(f.exception, None);
        assert_eq!(f.preset, None);
        assert_eq!(f.from, None);
        assert!(f.narrows());
        assert!(!read("range=1h&endpoint=%20%20").narrows());
    }

    #[test]
    fn ranges_close_at_now() {
        let now = 1_796_200_000;
        assert_eq!(LogFilters::default().range(now), (now - 86_400, now));
        let hour = LogFilters {
            preset: Some(Preset::Hour),
            ..Default::default()
        };
        assert_eq!(hour.range(now), (now - 3_600, now));
        let since = LogFilters {
            from: Some(now - 60),
            preset: Some(Preset::Month),
            ..Default::default()
        };
        assert_eq!(since.range(now), (now - 60, now));
        // A fixed range replaces the preset in the address too.
        assert!(!since.to_query().contains("range"));
        let until = LogFilters {
            to: Some(now - 100),
            ..Default::default()
        };
        assert_eq!(until.range(now), (now - 100 - 86_400, now - 100));
    }

    #[test]
    fn the_filter_input_uses_the_servers_names_and_units() {
        let now = parse_rfc3339("2026-12-02T12:00:00Z").expect("parses");
        let f = LogFilters {
            status: Some(StatusFilter::Code(404)),
            min_ms: Some(250),
            method: Some("GET".into()),
            exception: Some(true),
            ..Default::default()
        };
        let input = f.input(now);
        assert_eq!(input.from, "2026-12-01T12:00:00Z");
        assert_eq!(input.to, "2026-12-02T12:00:00Z");
        assert_eq!(input.status_code, Some(404));
        assert_eq!(input.status_class, None);
        assert_eq!(input.min_response_time_us, Some(250_000));
        assert_eq!(
            input.query_string(),
            "from=2026-12-01T12%3A00%3A00Z&to=2026-12-02T12%3A00%3A00Z&method=GET\
             &statusCode=404&minResponseTimeUs=250000&hasException=true"
        );
        let class = LogFilters {
            status: Some(StatusFilter::Class(5)),
            ..Default::default()
        }
        .input(now);
        assert_eq!(class.status_class.as_deref(), Some("5xx"));
        assert!(class.query_string().ends_with("&statusClass=5xx"));
    }

    #[test]
    fn the_filter_bar_says_what_is_wrong() {
        assert_eq!(StatusFilter::parse(""), Ok(None));
        assert_eq!(
            StatusFilter::parse(" 404 "),
            Ok(Some(StatusFilter::Code(404)))
        );
        assert_eq!(StatusFilter::parse("5xx"), Ok(Some(StatusFilter::Class(5))));
        for bad in ["600", "99", "6xx", "4x", "abc"] {
            let e = StatusFilter::parse(bad).expect_err(bad);
            assert!(e.contains("(4xx)"), "{e}");
        }
        assert_eq!(parse_min_ms(""), Ok(None));
        assert_eq!(parse_min_ms("250"), Ok(Some(250)));
        assert!(parse_min_ms("-1").is_err());
        assert!(parse_min_ms("1.5").is_err());
        assert_eq!(normalize_method(" patch "), Some("PATCH".into()));
        assert_eq!(normalize_method("GET /"), None);
        assert_eq!(encode("a b/ü"), "a%20b%2F%C3%BC");
    }
}
