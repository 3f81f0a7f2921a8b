//! Cross-origin access (CORS) to the APIs a browser script may call: `/api/v1`, `/graphql` and
//! `/oauth`. Off unless `--cors-origins` names origins: then only those exact origins may read
//! responses, without credentials (the APIs take bearer tokens, never cookies). Other origins get
//! no `Access-Control-Allow-Origin`, so a browser hides the response from their scripts. The
//! admin SPA is same-origin and needs none of this.

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::ratelimit::headers as rl;

/// How long a browser may cache a preflight answer.
pub const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

/// Methods a cross-origin script may use (those the APIs answer).
pub const ALLOWED_METHODS: [Method; 6] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::OPTIONS,
];

/// Request headers a cross-origin script may send.
pub const ALLOWED_HEADERS: [HeaderName; 2] = [header::AUTHORIZATION, header::CONTENT_TYPE];

/// Parses one `--cors-origins` entry: an exact origin, `scheme://host[:port]`, with `http` or
/// `https`, no path (not even `/`), no wildcard. Returns it lower-cased, as browsers send it.
pub fn parse_origin(s: &str) -> Result<String, String> {
    let raw = s.trim();
    let bad = |why: &str| format!("`{raw}` is not an origin ({why}); write scheme://host[:port]");
    if raw.contains('*') {
        return Err(bad("wildcards are not allowed: list each origin"));
    }
    let lower = raw.to_ascii_lowercase();
    let Some((scheme, rest)) = lower.split_once("://") else {
        return Err(bad("no scheme"));
    };
    if scheme != "http" && scheme != "https" {
        return Err(bad("the scheme must be http or https"));
    }
    if rest.contains(['/', '?', '#']) {
        return Err(bad("no path, query or fragment, not even a trailing `/`"));
    }
    if rest.contains('@') {
        return Err(bad("no user information"));
    }
    let (host, port) = if rest.starts_with('[') {
        // An IPv6 literal: the colons inside the brackets are not the port's.
        match rest.split_once(']') {
            Some((h, "")) => (&rest[..=h.len()], None),
            Some((h, tail)) => match tail.strip_prefix(':') {
                Some(p) => (&rest[..=h.len()], Some(p)),
                None => return Err(bad("junk after the address")),
            },
            None => return Err(bad("unclosed `[`")),
        }
    } else {
        match rest.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        }
    };
    if let Some(p) = port
        && !matches!(p.parse::<u16>(), Ok(n) if n > 0)
    {
        return Err(bad("the port must be a number from 1 to 65535"));
    }
    let host_ok = if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        inner.parse::<std::net::Ipv6Addr>().is_ok()
    } else {
        !host.is_empty()
            && host
                .split('.')
                .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    };
    if !host_ok {
        return Err(bad("the host is not a valid name or address"));
    }
    HeaderValue::from_str(&lower).map_err(|_| bad("not a valid header value"))?;
    Ok(lower)
}

/// The CORS layer for the configured origins; `None` (no layer, no CORS headers at all) when
/// none are configured.
pub fn layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods(ALLOWED_METHODS)
            .allow_headers(ALLOWED_HEADERS)
            // Scripts may read the rate-limit state of their calls.
            .expose_headers([
                rl::RATELIMIT_POLICY,
                rl::RATELIMIT,
                rl::X_RATELIMIT_LIMIT,
                rl::X_RATELIMIT_REMAINING,
                rl::X_RATELIMIT_RESET,
                header::RETRY_AFTER,
            ])
            .max_age(PREFLIGHT_MAX_AGE),
    )
}

/// Wraps a group of routes in the CORS layer, if any.
pub fn apply<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    cors: &Option<CorsLayer>,
) -> Router<S> {
    match cors {
        Some(layer) => router.layer(layer.clone()),
        None => router,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_exact() {
        assert_eq!(
            parse_origin(" https://App.Example.com ").as_deref(),
            Ok("https://app.example.com")
        );
        assert_eq!(
            parse_origin("http://localhost:3000").as_deref(),
            Ok("http://localhost:3000")
        );
        assert_eq!(
            parse_origin("http://[::1]:8080").as_deref(),
            Ok("http://[::1]:8080")
        );
        assert_eq!(parse_origin("http://[::1]").as_deref(), Ok("http://[::1]"));
        for bad in [
            "*",
            "https://*.example.com",
            "example.com",
            "ftp://example.com",
            "https://example.com/",
            "https://example.com/app",
            "https://example.com?x",
            "https://user@example.com",
            "https://example.com:0",
            "https://example.com:99999",
            "https://example.com:",
            "https://",
            "https://exa mple.com",
            "https://example..com",
        ] {
            let err = parse_origin(bad).expect_err(bad);
            assert!(err.contains(bad.trim()), "{err}");
        }
    }

    #[test]
    fn no_origins_no_layer() {
        assert!(layer(&[]).is_none());
        assert!(layer(&["https://a.example".into()]).is_some());
    }
}
