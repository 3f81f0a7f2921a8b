//! The rate-limit response headers of a [`Decision`] (SPEC §4, guard 4).
//!
//! - `RateLimit-Policy: "default";q=60;w=60` and `RateLimit: "default";r=59;t=42`, the
//!   structured fields of draft-ietf-httpapi-ratelimit-headers-10: `q` the quota, `w` the window
//!   in seconds, `r` the remaining quota, `t` the seconds until more quota is available (for a
//!   sliding window, when the oldest counted request leaves it). The policy name is a
//!   Structured-Field String, hence quoted.
//! - The widespread `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`
//!   (seconds until reset, like `t`: a delta, not a timestamp, so client clocks do not matter).
//! - On a denial, `Retry-After` in seconds (RFC 9110), at least 1.
//!
//! Seconds are rounded up: a client that waits the advertised time is never early.

use std::time::Duration;

use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderMap, HeaderName, HeaderValue};

use super::Decision;

/// The name of the one policy Portcullis advertises: the per-company limit per minute.
pub const POLICY_NAME: &str = "default";

pub const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
pub const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");
pub const X_RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
pub const X_RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
pub const X_RATELIMIT_RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

/// Whole seconds, rounded up.
fn ceil_secs(d: Duration) -> u64 {
    d.as_secs().saturating_add(u64::from(d.subsec_nanos() > 0))
}

/// The `RateLimit-Policy` value for `limit` requests per `window`.
pub fn policy_value(limit: u32, window: Duration) -> String {
    format!("\"{POLICY_NAME}\";q={limit};w={}", ceil_secs(window))
}

/// The `RateLimit` value of a decision.
pub fn ratelimit_value(decision: &Decision) -> String {
    format!(
        "\"{POLICY_NAME}\";r={};t={}",
        decision.remaining,
        ceil_secs(decision.reset_after)
    )
}

/// Sets the rate-limit headers of `decision` (made over `window`) on `headers`, replacing any
/// already there. `Retry-After` is set only for a denial.
pub fn apply(headers: &mut HeaderMap, decision: &Decision, window: Duration) {
    let reset = ceil_secs(decision.reset_after);
    // Built from digits and fixed ASCII, these always convert; a failure would only drop the
    // header, never panic.
    if let Ok(v) = HeaderValue::try_from(policy_value(decision.limit, window)) {
        headers.insert(RATELIMIT_POLICY, v);
    }
    if let Ok(v) = HeaderValue::try_from(ratelimit_value(decision)) {
        headers.insert(RATELIMIT, v);
    }
    headers.insert(X_RATELIMIT_LIMIT, HeaderValue::from(decision.limit));
    headers.insert(X_RATELIMIT_REMAINING, HeaderValue::from(decision.remaining));
    headers.insert(X_RATELIMIT_RESET, HeaderValue::from(reset));
    match decision.retry_after {
        Some(retry) if !decision.allowed => {
            headers.insert(RETRY_AFTER, HeaderValue::from(ceil_secs(retry).max(1)));
        }
        _ => {
            headers.remove(RETRY_AFTER);
        }
    }
}

/// The rate-limit headers of `decision` as a new map.
pub fn to_header_map(decision: &Decision, window: Duration) -> HeaderMap {
    let mut headers = HeaderMap::with_capacity(6);
    apply(&mut headers, decision, window);
    headers
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MIN: Duration = Duration::from_secs(60);

    fn get<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
        h.get(name).and_then(|v| v.to_str().ok())
    }

    #[test]
    fn allowed_decision_renders_all_headers_but_retry_after() {
        let d = Decision {
            allowed: true,
            limit: 60,
            remaining: 59,
            reset_after: Duration::from_millis(41_200),
            retry_after: None,
        };
        let h = to_header_map(&d, MIN);
        assert_eq!(get(&h, "RateLimit-Policy"), Some("\"default\";q=60;w=60"));
        assert_eq!(get(&h, "RateLimit"), Some("\"default\";r=59;t=42"));
        assert_eq!(get(&h, "X-RateLimit-Limit"), Some("60"));
        assert_eq!(get(&h, "X-RateLimit-Remaining"), Some("59"));
        assert_eq!(get(&h, "X-RateLimit-Reset"), Some("42"));
        assert_eq!(get(&h, "Retry-After"), None);
        assert_eq!(h.len(), 5);
    }

    #[test]
    fn denied_decision_adds_retry_after_rounded_up() {
        let d = Decision {
            allowed: false,
            limit: 5,
            remaining: 0,
            reset_after: Duration::from_secs(30),
            retry_after: Some(Duration::from_micros(12_000_001)),
        };
        let h = to_header_map(&d, MIN);
        assert_eq!(get(&h, "RateLimit"), Some("\"default\";r=0;t=30"));
        assert_eq!(get(&h, "Retry-After"), Some("13"));
        assert_eq!(get(&h, "X-RateLimit-Reset"), Some("30"));
    }

    #[test]
    fn retry_after_is_at_least_one_second_and_removed_when_allowed() {
        let denied = Decision {
            allowed: false,
            limit: 1,
            remaining: 0,
            reset_after: Duration::ZERO,
            retry_after: Some(Duration::ZERO),
        };
        let mut h = to_header_map(&denied, MIN);
        assert_eq!(get(&h, "Retry-After"), Some("1"));
        assert_eq!(get(&h, "RateLimit"), Some("\"default\";r=0;t=0"));
        let allowed = Decision {
            allowed: true,
            retry_after: None,
            ..denied
        };
        apply(&mut h, &allowed, MIN);
        assert_eq!(get(&h, "Retry-After"), None);
        // Replaced, not appended.
        assert_eq!(h.get_all("RateLimit").iter().count(), 1);
    }

    proptest! {
        #[test]
        fn any_decision_renders_without_panicking(
            allowed: bool,
            limit: u32,
            remaining: u32,
            reset_us: u64,
            retry_us: Option<u64>,
            window_us: u64,
        ) {
            let d = Decision {
                allowed,
                limit,
                remaining,
                reset_after: Duration::from_micros(reset_us),
                retry_after: retry_us.map(Duration::from_micros),
            };
            let h = to_header_map(&d, Duration::from_micros(window_us));
            prop_assert_eq!(h.len(), if !allowed && retry_us.is_some() { 6 } else { 5 });
            let expected_limit = limit.to_string();
            prop_assert_eq!(get(&h, "X-RateLimit-Limit"), Some(expected_limit.as_str()));
        }
    }

    #[test]
    fn extreme_durations_do_not_overflow() {
        let d = Decision {
            allowed: false,
            limit: u32::MAX,
            remaining: u32::MAX,
            reset_after: Duration::MAX,
            retry_after: Some(Duration::MAX),
        };
        let h = to_header_map(&d, Duration::MAX);
        assert!(get(&h, "Retry-After").is_some());
    }
}
