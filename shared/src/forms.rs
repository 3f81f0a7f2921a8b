//! What the admin SPA's forms do with what a person typed, before anything is sent: the text of
//! a field becomes a value the server would accept, or the message the server would give (the
//! checks are the ones in [`crate::limits`]). Also the few display formats the SPA uses.
//! Plain functions, so they are unit-tested here on the host.

use crate::limits::{self, ValidationError};

/// A whole number typed in a field: trimmed; a clear message when it is not one.
fn whole_number(field: &'static str, label: &str, text: &str) -> Result<i32, ValidationError> {
    text.trim().parse::<i32>().map_err(|_| {
        ValidationError::new(
            field,
            format!("{label} must be a whole number, got '{}'", text.trim()),
        )
    })
}

/// The company's rate limit field: required, a whole number, 1..=the reseller's ceiling.
pub fn company_rate_limit(text: &str, reseller_ceiling: i32) -> Result<i32, ValidationError> {
    if text.trim().is_empty() {
        return Err(ValidationError::new(
            "apiRateLimit",
            format!("rate limit is required (at most {reseller_ceiling} requests per minute)"),
        ));
    }
    let v = whole_number("apiRateLimit", "rate limit", text)?;
    limits::company_rate_limit(v, reseller_ceiling)
}

/// The reseller's rate-limit ceiling field: required, 1..=1200.
pub fn reseller_rate_limit(text: &str) -> Result<i32, ValidationError> {
    if text.trim().is_empty() {
        return Err(ValidationError::new(
            "apiRateLimit",
            format!(
                "rate limit is required (at most {} requests per minute)",
                limits::RESELLER_RATE_LIMIT_MAX
            ),
        ));
    }
    let v = whole_number("apiRateLimit", "rate limit", text)?;
    limits::reseller_rate_limit(v)
}

/// The optional delay field: empty means "let the apps decide" (`None`), else 0..=86400 seconds.
pub fn api_request_delay(text: &str) -> Result<Option<i32>, ValidationError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let v = whole_number("apiRequestDelaySeconds", "API delay", text)?;
    limits::api_request_delay(v).map(Some)
}

/// A required name field (trimmed), with the server's rule.
pub fn name(field: &'static str, text: &str) -> Result<String, ValidationError> {
    limits::name(field, text)
}

/// Departments of a visibility group as typed: comma-separated, trimmed, blanks and duplicates
/// dropped, in the order given.
pub fn departments(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in text.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        if !out.iter().any(|x| x == d) {
            out.push(d.to_string());
        }
    }
    out
}

/// A count with thousands separators, as the seed writes limits: `1,200`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "5 days ago", "just now", "in 3 hours": the distance between two instants given in seconds
/// since the Unix epoch (the SPA reads both from the browser's clock and the server's RFC 3339).
pub fn relative_time(then_secs: i64, now_secs: i64) -> String {
    let delta = now_secs - then_secs;
    let future = delta < 0;
    let d = delta.unsigned_abs();
    if d < 60 {
        return "just now".to_string();
    }
    let (n, unit) = match d {
        d if d < 3_600 => (d / 60, "minute"),
        d if d < 86_400 => (d / 3_600, "hour"),
        d if d < 30 * 86_400 => (d / 86_400, "day"),
        d if d < 365 * 86_400 => (d / (30 * 86_400), "month"),
        d => (d / (365 * 86_400), "year"),
    };
    let plural = if n == 1 { "" } else { "s" };
    if future {
        format!("in {n} {unit}{plural}")
    } else {
        format!("{n} {unit}{plural} ago")
    }
}

/// The date part of an RFC 3339 time (`2026-11-25T10:00:00Z` → `2026-11-25`), for tables.
pub fn date_of(rfc3339: &str) -> &str {
    rfc3339.get(..10).unwrap_or(rfc3339)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_rate_limit_is_capped_by_the_reseller() {
        assert_eq!(company_rate_limit(" 60 ", 120), Ok(60));
        assert_eq!(company_rate_limit("120", 120), Ok(120));
        let e = company_rate_limit("121", 120).unwrap_err();
        assert_eq!(e.field, "apiRateLimit");
        assert_eq!(
            e.message,
            "rate limit 121 exceeds the reseller's ceiling of 120"
        );
        assert!(company_rate_limit("0", 120).is_err());
        assert!(
            company_rate_limit("", 120)
                .unwrap_err()
                .message
                .contains("120")
        );
        assert!(
            company_rate_limit("12.5", 120)
                .unwrap_err()
                .message
                .contains("whole number")
        );
        assert!(company_rate_limit("abc", 120).is_err());
    }

    #[test]
    fn reseller_rate_limit_bounds() {
        assert_eq!(reseller_rate_limit("1200"), Ok(1200));
        assert!(
            reseller_rate_limit("1201")
                .unwrap_err()
                .message
                .contains("1200")
        );
        assert!(reseller_rate_limit("").is_err());
        assert!(reseller_rate_limit("-3").is_err());
    }

    #[test]
    fn delay_is_optional() {
        assert_eq!(api_request_delay(""), Ok(None));
        assert_eq!(api_request_delay("  "), Ok(None));
        assert_eq!(api_request_delay("0"), Ok(Some(0)));
        assert_eq!(api_request_delay("5"), Ok(Some(5)));
        assert_eq!(
            api_request_delay("-1").unwrap_err().field,
            "apiRequestDelaySeconds"
        );
        assert!(api_request_delay("86401").is_err());
        assert!(api_request_delay("soon").is_err());
    }

    #[test]
    fn departments_are_cleaned() {
        assert_eq!(
            departments(" Engineering, Sales,,Engineering , "),
            ["Engineering", "Sales"]
        );
        assert!(departments(" , ").is_empty());
    }

    #[test]
    fn formats() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1200), "1,200");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(-1200), "-1,200");
        assert_eq!(relative_time(1000, 1030), "just now");
        assert_eq!(relative_time(0, 120), "2 minutes ago");
        assert_eq!(relative_time(0, 3_600), "1 hour ago");
        assert_eq!(relative_time(0, 5 * 86_400), "5 days ago");
        assert_eq!(relative_time(7_200, 0), "in 2 hours");
        assert_eq!(relative_time(0, 400 * 86_400), "1 year ago");
        assert_eq!(date_of("2026-11-25T10:00:00Z"), "2026-11-25");
        assert_eq!(date_of("short"), "short");
    }
}
