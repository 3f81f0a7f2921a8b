//! What the admin SPA's forms do with what a person typed, before anything is sent: the text of
//! a field becomes a value the server would accept, or the message the server would give (the
//! checks are the ones in [`crate::limits`]). Also the few display formats the SPA uses.
//! Plain functions, so they are unit-tested here on the host.

use crate::access::ApiAccessType;
use crate::limits::{self, ValidationError};
use crate::permissions as p;
use crate::roles::RoleKind;

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

/// The company edit form (name and the API settings section of seed 000), checked: what the SPA
/// sends as `updateCompany`'s input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanySettings {
    pub name: String,
    pub api_access_type: ApiAccessType,
    /// Sent only when access is enabled (the field is hidden for None).
    pub api_rate_limit: Option<i32>,
    /// `None`: not sent (access is None, the field is hidden); `Some(None)`: clear the delay,
    /// so the apps decide; `Some(Some(s))`: `s` seconds.
    pub api_request_delay_seconds: Option<Option<i32>>,
}

/// Checks the whole company form at once, so every field at fault gets its message together.
/// The rate limit and the delay count only when access is enabled: hidden fields are not sent.
pub fn company_settings(
    name_text: &str,
    access: ApiAccessType,
    rate_text: &str,
    delay_text: &str,
    reseller_ceiling: i32,
) -> Result<CompanySettings, Vec<ValidationError>> {
    let mut errors = Vec::new();
    let name = name("name", name_text).map_err(|e| errors.push(e)).ok();
    let (mut rate, mut delay) = (None, None);
    if access.is_enabled() {
        rate = company_rate_limit(rate_text, reseller_ceiling)
            .map_err(|e| errors.push(e))
            .ok();
        delay = api_request_delay(delay_text)
            .map_err(|e| errors.push(e))
            .ok();
    }
    match name {
        Some(name) if errors.is_empty() => Ok(CompanySettings {
            name,
            api_access_type: access,
            api_rate_limit: rate,
            api_request_delay_seconds: delay,
        }),
        _ => Err(errors),
    }
}

/// The kinds of user the signed-in user may create, in the order the New user form offers them.
/// `home` is the kind of the signed-in user (platform, reseller or company staff); `can` says
/// whether they hold a permission. The server has the same rules (`service::users`): only
/// platform staff create platform staff, reseller staff are placed in a reseller one can see
/// (`resellers.read`), company users in a company one can see (`companies.read` from the hub, a
/// company user's own company otherwise). Offering only these keeps doomed choices off screen.
pub fn creatable_user_kinds(home: RoleKind, can: impl Fn(&str) -> bool) -> Vec<RoleKind> {
    if !can(p::USERS_CREATE) {
        return Vec::new();
    }
    match home {
        RoleKind::Company => vec![RoleKind::Company],
        RoleKind::Reseller | RoleKind::Platform => {
            let mut kinds = Vec::new();
            if home == RoleKind::Platform {
                kinds.push(RoleKind::Platform);
            }
            if can(p::RESELLERS_READ) {
                kinds.push(RoleKind::Reseller);
            }
            if can(p::COMPANIES_READ) {
                kinds.push(RoleKind::Company);
            }
            kinds
        }
    }
}

/// The kind of an existing user, from where they belong: it decides which roles they can be
/// given (the server keeps a user's company or reseller when the role changes).
pub fn user_kind(has_company: bool, has_reseller: bool) -> RoleKind {
    match (has_company, has_reseller) {
        (true, _) => RoleKind::Company,
        (false, true) => RoleKind::Reseller,
        (false, false) => RoleKind::Platform,
    }
}

/// How the New user form names a kind of user.
pub fn user_kind_label(kind: RoleKind) -> &'static str {
    match kind {
        RoleKind::Platform => "Platform staff",
        RoleKind::Reseller => "Reseller staff",
        RoleKind::Company => "Company user",
    }
}

/// Where a new user is placed: the `companyId` and `resellerId` of `createUser`'s input.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserPlacement {
    pub company_id: Option<String>,
    pub reseller_id: Option<String>,
}

/// The New user form's reseller / company choice for a kind of user, checked as the server
/// checks it: platform staff get neither, reseller staff a reseller, company users a company
/// (blank means not chosen). The error names the field the form shows it under.
pub fn user_placement(
    kind: RoleKind,
    reseller_id: Option<&str>,
    company_id: Option<&str>,
) -> Result<UserPlacement, ValidationError> {
    let chosen = |id: Option<&str>| {
        id.map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_string)
    };
    match kind {
        RoleKind::Platform => Ok(UserPlacement::default()),
        RoleKind::Reseller => chosen(reseller_id)
            .map(|r| UserPlacement {
                company_id: None,
                reseller_id: Some(r),
            })
            .ok_or_else(|| ValidationError::new("resellerId", "Choose a reseller.")),
        RoleKind::Company => chosen(company_id)
            .map(|c| UserPlacement {
                company_id: Some(c),
                reseller_id: None,
            })
            .ok_or_else(|| ValidationError::new("companyId", "Choose a company.")),
    }
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
    fn hub_staff_create_what_their_permissions_allow() {
        let all = |_: &str| true;
        assert_eq!(
            creatable_user_kinds(RoleKind::Platform, all),
            vec![RoleKind::Platform, RoleKind::Reseller, RoleKind::Company]
        );
        // Reseller staff never create platform staff.
        assert_eq!(
            creatable_user_kinds(RoleKind::Reseller, all),
            vec![RoleKind::Reseller, RoleKind::Company]
        );
        // Company users create users of their own company only, whatever else they hold.
        assert_eq!(
            creatable_user_kinds(RoleKind::Company, all),
            vec![RoleKind::Company]
        );
        let no_resellers = |k: &str| k != p::RESELLERS_READ;
        assert_eq!(
            creatable_user_kinds(RoleKind::Platform, no_resellers),
            vec![RoleKind::Platform, RoleKind::Company]
        );
        let no_create = |k: &str| k != p::USERS_CREATE;
        assert!(creatable_user_kinds(RoleKind::Platform, no_create).is_empty());
        assert!(creatable_user_kinds(RoleKind::Company, no_create).is_empty());
    }

    #[test]
    fn an_existing_users_kind_follows_where_they_belong() {
        assert_eq!(user_kind(true, false), RoleKind::Company);
        assert_eq!(user_kind(false, true), RoleKind::Reseller);
        assert_eq!(user_kind(false, false), RoleKind::Platform);
        assert_eq!(user_kind_label(RoleKind::Reseller), "Reseller staff");
    }

    #[test]
    fn placement_sends_only_what_the_kind_needs() {
        assert_eq!(
            user_placement(RoleKind::Platform, Some("r1"), Some("c1")),
            Ok(UserPlacement::default())
        );
        assert_eq!(
            user_placement(RoleKind::Reseller, Some("r1"), Some("c1")),
            Ok(UserPlacement {
                company_id: None,
                reseller_id: Some("r1".into())
            })
        );
        assert_eq!(
            user_placement(RoleKind::Company, Some("r1"), Some(" c1 ")),
            Ok(UserPlacement {
                company_id: Some("c1".into()),
                reseller_id: None
            })
        );
        let e = user_placement(RoleKind::Reseller, Some("  "), Some("c1")).unwrap_err();
        assert_eq!(
            (e.field, e.message.as_str()),
            ("resellerId", "Choose a reseller.")
        );
        let e = user_placement(RoleKind::Company, Some("r1"), None).unwrap_err();
        assert_eq!(
            (e.field, e.message.as_str()),
            ("companyId", "Choose a company.")
        );
    }

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
    fn company_settings_check_only_what_is_shown() {
        // None: the hidden fields are neither checked nor sent.
        let s = company_settings(" Acme ", ApiAccessType::None, "9999", "soon", 60).expect("ok");
        assert_eq!(
            s,
            CompanySettings {
                name: "Acme".into(),
                api_access_type: ApiAccessType::None,
                api_rate_limit: None,
                api_request_delay_seconds: None,
            }
        );
        // Enabled: both are checked; an empty delay clears it.
        let s = company_settings("Acme", ApiAccessType::ReadOnly, "60", "", 120).expect("ok");
        assert_eq!(s.api_rate_limit, Some(60));
        assert_eq!(s.api_request_delay_seconds, Some(None));
        let s = company_settings("Acme", ApiAccessType::ReadWrite, "120", "2", 120).expect("ok");
        assert_eq!(s.api_request_delay_seconds, Some(Some(2)));
        // Every field at fault at once, each with its own field name.
        let errors = company_settings(" ", ApiAccessType::ReadWrite, "121", "-1", 120).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "apiRateLimit", "apiRequestDelaySeconds"]);
        assert_eq!(
            errors[1].message,
            "rate limit 121 exceeds the reseller's ceiling of 120"
        );
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
