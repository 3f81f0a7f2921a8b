//! Validation bounds and the checks that enforce them. The SPA calls the same functions before it
//! submits a form and the server calls them before it writes, so both say the same thing.

use std::fmt;

/// Reseller API rate limit, requests per minute (seed 000: default 60, maximum 1,200).
pub const RESELLER_RATE_LIMIT_DEFAULT: i32 = 60;
pub const RESELLER_RATE_LIMIT_MIN: i32 = 1;
pub const RESELLER_RATE_LIMIT_MAX: i32 = 1200;
/// Company API rate limit default; its maximum is the reseller's limit.
pub const COMPANY_RATE_LIMIT_DEFAULT: i32 = 60;
pub const COMPANY_RATE_LIMIT_MIN: i32 = 1;
/// Upper bound on the advisory delay between requests, one day: anything longer is a typo.
pub const API_REQUEST_DELAY_MAX_SECONDS: i32 = 86_400;
/// Page sizes for every list (SPEC §4, §8).
pub const PAGE_SIZE_DEFAULT: i32 = 50;
pub const PAGE_SIZE_MAX: i32 = 200;
/// Names of resellers, companies, roles, groups, users.
pub const NAME_MAX_CHARS: usize = 200;
/// Passwords: long enough to matter, short enough not to be a hashing denial of service.
pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 256;
pub const EMAIL_MAX_CHARS: usize = 254;

/// A rejected value: which field, and a message that names the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The GraphQL input field name (camelCase), e.g. `apiRateLimit`.
    pub field: &'static str,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ValidationError {}

/// A reseller's rate-limit ceiling: 1..=1200.
pub fn reseller_rate_limit(value: i32) -> Result<i32, ValidationError> {
    if !(RESELLER_RATE_LIMIT_MIN..=RESELLER_RATE_LIMIT_MAX).contains(&value) {
        return Err(ValidationError::new(
            "apiRateLimit",
            format!(
                "rate limit {value} is out of range: it must be between \
                 {RESELLER_RATE_LIMIT_MIN} and {RESELLER_RATE_LIMIT_MAX} requests per minute"
            ),
        ));
    }
    Ok(value)
}

/// A company's rate limit: 1..=its reseller's ceiling.
pub fn company_rate_limit(value: i32, reseller_ceiling: i32) -> Result<i32, ValidationError> {
    if value < COMPANY_RATE_LIMIT_MIN {
        return Err(ValidationError::new(
            "apiRateLimit",
            format!(
                "rate limit {value} is too low: it must be at least {COMPANY_RATE_LIMIT_MIN} \
                 request per minute"
            ),
        ));
    }
    if value > reseller_ceiling {
        return Err(ValidationError::new(
            "apiRateLimit",
            format!("rate limit {value} exceeds the reseller's ceiling of {reseller_ceiling}"),
        ));
    }
    Ok(value)
}

/// The effective company limit: a reseller may lower its ceiling after companies were saved.
pub fn effective_company_rate_limit(company: i32, reseller: i32) -> i32 {
    company.min(reseller)
}

/// The optional advisory delay between requests, in seconds: 0..=86400.
pub fn api_request_delay(value: i32) -> Result<i32, ValidationError> {
    if value < 0 {
        return Err(ValidationError::new(
            "apiRequestDelaySeconds",
            format!("API delay {value} is negative: it must be 0 seconds or more (or empty)"),
        ));
    }
    if value > API_REQUEST_DELAY_MAX_SECONDS {
        return Err(ValidationError::new(
            "apiRequestDelaySeconds",
            format!(
                "API delay {value} is too long: it must be at most \
                 {API_REQUEST_DELAY_MAX_SECONDS} seconds"
            ),
        ));
    }
    Ok(value)
}

/// Longest rotation grace period (a regenerated secret's predecessor keeps working that long):
/// a day is enough to roll a secret out everywhere, short enough to bound a leaked one.
pub const ROTATION_GRACE_MAX_SECONDS: i32 = 86_400;

/// A rotation grace period in seconds: 0..=86400, default 0 (the old secret stops at once).
pub fn rotation_grace_seconds(value: Option<i32>) -> Result<i32, ValidationError> {
    let v = value.unwrap_or(0);
    if !(0..=ROTATION_GRACE_MAX_SECONDS).contains(&v) {
        return Err(ValidationError::new(
            "graceSeconds",
            format!(
                "graceSeconds must be between 0 and {ROTATION_GRACE_MAX_SECONDS} (24 hours), got {v}"
            ),
        ));
    }
    Ok(v)
}

/// The usage window of `unusedGrants` (least privilege from real use), in days: 30 by default,
/// like the default log retention; at most 90, since older rows are usually pruned anyway and a
/// longer window would keep rarely used grants alive forever.
pub const USAGE_DAYS_DEFAULT: i32 = 30;
pub const USAGE_DAYS_MAX: i32 = 90;

/// A usage window in days: 1..=90, default 30.
pub fn usage_days(value: Option<i32>) -> Result<i32, ValidationError> {
    let v = value.unwrap_or(USAGE_DAYS_DEFAULT);
    if !(1..=USAGE_DAYS_MAX).contains(&v) {
        return Err(ValidationError::new(
            "days",
            format!("days {v} is out of range: it must be between 1 and {USAGE_DAYS_MAX}"),
        ));
    }
    Ok(v)
}

/// A page size (`first`): 1..=200, default 50.
pub fn page_size(value: Option<i32>) -> Result<u64, ValidationError> {
    let v = value.unwrap_or(PAGE_SIZE_DEFAULT);
    if !(1..=PAGE_SIZE_MAX).contains(&v) {
        return Err(ValidationError::new(
            "first",
            format!("first {v} is out of range: it must be between 1 and {PAGE_SIZE_MAX}"),
        ));
    }
    Ok(v as u64)
}

/// A display name: trimmed, not empty, at most 200 characters. Returns the trimmed value.
pub fn name(field: &'static str, value: &str) -> Result<String, ValidationError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ValidationError::new(
            field,
            format!("{field} must not be empty"),
        ));
    }
    let n = v.chars().count();
    if n > NAME_MAX_CHARS {
        return Err(ValidationError::new(
            field,
            format!("{field} is {n} characters long: at most {NAME_MAX_CHARS} are allowed"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(ValidationError::new(
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(v.to_string())
}

/// An e-mail address, normalised to lower case. Deliberately simple: one `@`, something on both
/// sides, a dot in the domain; the real check is that mail arrives.
pub fn email(value: &str) -> Result<String, ValidationError> {
    let v = value.trim().to_lowercase();
    let err = || ValidationError::new("email", format!("email '{v}' is not a valid address"));
    if v.chars().count() > EMAIL_MAX_CHARS {
        return Err(ValidationError::new(
            "email",
            format!("email is too long: at most {EMAIL_MAX_CHARS} characters are allowed"),
        ));
    }
    let (local, domain) = v.split_once('@').ok_or_else(err)?;
    if local.is_empty()
        || domain.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || v.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(err());
    }
    Ok(v)
}

/// A new password: 12..=256 characters.
pub fn password(value: &str) -> Result<(), ValidationError> {
    let n = value.chars().count();
    if n < PASSWORD_MIN_CHARS {
        return Err(ValidationError::new(
            "password",
            format!("password is {n} characters long: at least {PASSWORD_MIN_CHARS} are required"),
        ));
    }
    if n > PASSWORD_MAX_CHARS {
        return Err(ValidationError::new(
            "password",
            format!("password is {n} characters long: at most {PASSWORD_MAX_CHARS} are allowed"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reseller_bounds() {
        assert!(reseller_rate_limit(0).is_err());
        assert_eq!(reseller_rate_limit(1), Ok(1));
        assert_eq!(reseller_rate_limit(60), Ok(60));
        assert_eq!(reseller_rate_limit(1200), Ok(1200));
        let e = reseller_rate_limit(1201).unwrap_err();
        assert_eq!(e.field, "apiRateLimit");
        assert!(e.message.contains("1200"), "{}", e.message);
    }

    #[test]
    fn company_bounds_name_the_ceiling() {
        assert!(company_rate_limit(0, 60).is_err());
        assert_eq!(company_rate_limit(60, 60), Ok(60));
        let e = company_rate_limit(90, 60).unwrap_err();
        assert_eq!(
            e.message,
            "rate limit 90 exceeds the reseller's ceiling of 60"
        );
        assert_eq!(effective_company_rate_limit(100, 40), 40);
    }

    #[test]
    fn delay_bounds() {
        assert!(api_request_delay(-1).is_err());
        assert_eq!(api_request_delay(0), Ok(0));
        assert!(api_request_delay(86_401).is_err());
    }

    #[test]
    fn rotation_grace_bounds() {
        assert_eq!(rotation_grace_seconds(None), Ok(0));
        assert_eq!(rotation_grace_seconds(Some(86_400)), Ok(86_400));
        assert!(rotation_grace_seconds(Some(-1)).is_err());
        assert!(rotation_grace_seconds(Some(86_401)).is_err());
    }

    #[test]
    fn usage_windows() {
        assert_eq!(usage_days(None), Ok(30));
        assert_eq!(usage_days(Some(1)), Ok(1));
        assert_eq!(usage_days(Some(90)), Ok(90));
        for bad in [0, -1, 91] {
            let e = usage_days(Some(bad)).unwrap_err();
            assert_eq!(e.field, "days");
            assert!(e.message.contains("90"), "{}", e.message);
        }
    }

    #[test]
    fn page_sizes() {
        assert_eq!(page_size(None), Ok(50));
        assert!(page_size(Some(0)).is_err());
        assert!(page_size(Some(-5)).is_err());
        assert_eq!(page_size(Some(200)), Ok(200));
        assert!(page_size(Some(201)).is_err());
    }

    #[test]
    fn names_and_emails() {
        assert_eq!(name("name", "  Acme  ").as_deref(), Ok("Acme"));
        assert!(name("name", "   ").is_err());
        assert!(name("name", &"x".repeat(201)).is_err());
        assert!(name("name", "a\u{0}b").is_err());
        assert_eq!(email(" Ann@Example.COM ").as_deref(), Ok("ann@example.com"));
        for bad in [
            "", "ann", "@x.io", "ann@", "ann@x", "a b@x.io", "a@b@c.io", "a@.io",
        ] {
            assert!(email(bad).is_err(), "{bad} accepted");
        }
        assert!(password("short").is_err());
        assert!(password("long enough password").is_ok());
    }
}
