//! Times as the admin SPA shows and asks for them: the server's RFC 3339 instants read into
//! seconds since the Unix epoch, a credential's "last used" and expiry status ("never",
//! "5 days ago", "Expires in 3 days", "Expired"), and an expiry date typed in a form turned into
//! the instant the server stores. Plain arithmetic on the proleptic Gregorian calendar (no
//! time-zone database in the WASM bundle): the browser passes its clock and its UTC offset in.

use crate::ValidationError;
use crate::forms::relative_time;

const DAY: i64 = 86_400;

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day number since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn digits(s: &str) -> Option<i64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// A `YYYY-MM-DD` date (what `<input type="date">` gives) as days since 1970-01-01.
pub fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (year, month, day) = (digits(y)?, digits(m)? as u32, digits(d)? as u32);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// An RFC 3339 instant (`2026-12-02T07:40:03.123456Z`, `2026-12-02T08:40:03+01:00`) as whole
/// seconds since the Unix epoch; `None` when it is not one.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let (date, rest) = text.split_once(['T', 't', ' '])?;
    let days = parse_date(date)?;
    let (clock, offset_secs) = if let Some(c) = rest.strip_suffix(['Z', 'z']) {
        (c, 0)
    } else {
        let at = rest.rfind(['+', '-'])?;
        let (c, off) = rest.split_at(at);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let (oh, om) = off[1..].split_once(':')?;
        if oh.len() != 2 || om.len() != 2 {
            return None;
        }
        let (oh, om) = (digits(oh)?, digits(om)?);
        if oh > 23 || om > 59 {
            return None;
        }
        (c, sign * (oh * 3_600 + om * 60))
    };
    // Fractions of a second do not matter to anything shown.
    let clock =
        clock.split_once('.').map_or(
            clock,
            |(whole, frac)| {
                if digits(frac).is_some() { whole } else { "" }
            },
        );
    let mut hms = clock.split(':');
    let (h, m, s) = (hms.next()?, hms.next()?, hms.next()?);
    if hms.next().is_some() || h.len() != 2 || m.len() != 2 || s.len() != 2 {
        return None;
    }
    let (h, m, s) = (digits(h)?, digits(m)?, digits(s)?);
    // 60 is a leap second, which RFC 3339 allows.
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(days * DAY + h * 3_600 + m * 60 + s - offset_secs)
}

/// Seconds since the epoch as RFC 3339 in UTC (`2026-12-31T22:59:59Z`), as the server reads it.
pub fn format_rfc3339(secs: i64) -> String {
    let (y, mo, d) = civil_from_days(secs.div_euclid(DAY));
    let t = secs.rem_euclid(DAY);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        t / 3_600,
        t % 3_600 / 60,
        t % 60
    )
}

/// The browser's clock: its UTC offset in minutes as JavaScript gives it
/// (`Date.getTimezoneOffset()`: UTC minus local time, so -60 in Paris in winter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalClock {
    pub now: i64,
    pub offset_minutes: i64,
}

impl LocalClock {
    /// UTC itself (tests, and a browser that does not say).
    pub fn utc(now: i64) -> Self {
        Self {
            now,
            offset_minutes: 0,
        }
    }

    fn to_local(self, secs: i64) -> i64 {
        secs - self.offset_minutes * 60
    }

    /// Today's date in the browser's time zone, `YYYY-MM-DD` (the date picker's minimum).
    pub fn today(self) -> String {
        let (y, m, d) = civil_from_days(self.to_local(self.now).div_euclid(DAY));
        format!("{y:04}-{m:02}-{d:02}")
    }

    /// An instant in local time, to the minute: `2026-12-02 08:40`.
    pub fn date_time(self, secs: i64) -> String {
        let local = self.to_local(secs);
        let (y, mo, d) = civil_from_days(local.div_euclid(DAY));
        let t = local.rem_euclid(DAY);
        format!(
            "{y:04}-{mo:02}-{d:02} {:02}:{:02}",
            t / 3_600,
            t % 3_600 / 60
        )
    }

    /// The date of an instant in local time: `2026-12-02`.
    pub fn date(self, secs: i64) -> String {
        let (y, m, d) = civil_from_days(self.to_local(secs).div_euclid(DAY));
        format!("{y:04}-{m:02}-{d:02}")
    }

    /// The last second of a local date, as a UTC instant: a token "expiring on 31 December"
    /// works for the whole of that day.
    pub fn end_of_day(self, days: i64) -> i64 {
        (days + 1) * DAY - 1 + self.offset_minutes * 60
    }
}

/// "Last used": `never`, or how long ago (`just now`, `5 days ago`). A time the browser cannot
/// read is shown as it came.
pub fn last_used(last_used_at: Option<&str>, now: i64) -> String {
    match last_used_at {
        None => "never".to_string(),
        Some(at) => parse_rfc3339(at).map_or_else(|| at.to_string(), |t| relative_time(t, now)),
    }
}

/// How urgent an expiry is, for the badge's colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryTone {
    /// No expiry, or a distant one.
    Calm,
    /// Within [`EXPIRY_WARNING_SECS`]: time to rotate.
    Soon,
    /// Already expired: the token no longer works.
    Expired,
}

/// How far ahead an expiry is flagged (the server's `expiringSoon` uses the same 7 days).
pub const EXPIRY_WARNING_SECS: i64 = 7 * DAY;

/// A credential's expiry status: "No expiration", "Expires in 3 days", "Expired".
pub fn expiry_status(expires_at: Option<&str>, now: i64) -> (String, ExpiryTone) {
    let Some(text) = expires_at else {
        return ("No expiration".to_string(), ExpiryTone::Calm);
    };
    let Some(at) = parse_rfc3339(text) else {
        return (format!("Expires {text}"), ExpiryTone::Calm);
    };
    let left = at - now;
    if left <= 0 {
        return ("Expired".to_string(), ExpiryTone::Expired);
    }
    let label = if left < 60 {
        "Expires in less than a minute".to_string()
    } else {
        format!("Expires {}", relative_time(at, now))
    };
    let tone = if left <= EXPIRY_WARNING_SECS {
        ExpiryTone::Soon
    } else {
        ExpiryTone::Calm
    };
    (label, tone)
}

/// The expiry chosen in a token form: no date for "No expiration", or a date (`YYYY-MM-DD`,
/// local) that must not be in the past; the token then works until the end of that day. Gives
/// the `expiresAt` to send (RFC 3339, UTC) or the message to show beside the field.
pub fn expiry_from_date(
    no_expiration: bool,
    date: &str,
    clock: LocalClock,
) -> Result<Option<String>, ValidationError> {
    if no_expiration {
        return Ok(None);
    }
    let date = date.trim();
    if date.is_empty() {
        return Err(ValidationError::new(
            "expiresAt",
            "Choose an expiration date, or No expiration.",
        ));
    }
    let days = parse_date(date)
        .ok_or_else(|| ValidationError::new("expiresAt", "Enter the date as YYYY-MM-DD."))?;
    let at = clock.end_of_day(days);
    if at <= clock.now {
        return Err(ValidationError::new(
            "expiresAt",
            "The expiration date must be today or later.",
        ));
    }
    Ok(Some(format_rfc3339(at)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        for days in [-800_000, -1, 0, 59, 60, 11_016, 20_789, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
    }

    #[test]
    fn dates_are_checked() {
        assert_eq!(parse_date("1970-01-02"), Some(1));
        assert_eq!(parse_date("2024-02-29"), Some(days_from_civil(2024, 2, 29)));
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-04-31",
            "2026-1-01",
            "26-01-01",
            "2026-01-01x",
            "",
            "2026-00-10",
            "+026-01-01",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn rfc3339_instants() {
        let base = days_from_civil(2026, 12, 2) * DAY + 7 * 3_600 + 40 * 60 + 3;
        assert_eq!(parse_rfc3339("2026-12-02T07:40:03Z"), Some(base));
        assert_eq!(parse_rfc3339("2026-12-02T07:40:03.123456789Z"), Some(base));
        assert_eq!(parse_rfc3339("2026-12-02T08:40:03+01:00"), Some(base));
        assert_eq!(parse_rfc3339("2026-12-01T23:40:03.5-08:00"), Some(base));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        for bad in [
            "2026-12-02",
            "2026-12-02T07:40Z",
            "2026-12-02T24:00:00Z",
            "2026-12-02T07:40:03",
            "2026-12-02T07:40:03+0100",
            "2026-12-02T07:40:03.xZ",
            "yesterday",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        assert_eq!(format_rfc3339(base), "2026-12-02T07:40:03Z");
        assert_eq!(format_rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn local_clock() {
        let now = parse_rfc3339("2026-12-02T23:30:00Z").expect("valid");
        let utc = LocalClock::utc(now);
        assert_eq!(utc.today(), "2026-12-02");
        assert_eq!(utc.date_time(now), "2026-12-02 23:30");
        // Paris in winter (UTC+1): JavaScript says -60, and it is already tomorrow there.
        let paris = LocalClock {
            now,
            offset_minutes: -60,
        };
        assert_eq!(paris.today(), "2026-12-03");
        assert_eq!(paris.date_time(now), "2026-12-03 00:30");
        assert_eq!(paris.date(now), "2026-12-03");
        let day = parse_date("2026-12-31").expect("valid");
        assert_eq!(
            format_rfc3339(paris.end_of_day(day)),
            "2026-12-31T22:59:59Z"
        );
        assert_eq!(format_rfc3339(utc.end_of_day(day)), "2026-12-31T23:59:59Z");
    }

    #[test]
    fn last_used_is_relative() {
        let now = parse_rfc3339("2026-12-07T12:00:00Z").expect("valid");
        assert_eq!(last_used(None, now), "never");
        assert_eq!(last_used(Some("2026-12-07T11:59:30.25Z"), now), "just now");
        assert_eq!(
            last_used(Some("2026-12-07T11:55:00Z"), now),
            "5 minutes ago"
        );
        assert_eq!(last_used(Some("2026-12-02T10:00:00Z"), now), "5 days ago");
        assert_eq!(last_used(Some("garbled"), now), "garbled");
    }

    #[test]
    fn expiry_statuses() {
        let now = parse_rfc3339("2026-12-02T12:00:00Z").expect("valid");
        assert_eq!(
            expiry_status(None, now),
            ("No expiration".to_string(), ExpiryTone::Calm)
        );
        assert_eq!(
            expiry_status(Some("2026-12-05T23:59:59Z"), now),
            ("Expires in 3 days".to_string(), ExpiryTone::Soon)
        );
        assert_eq!(
            expiry_status(Some("2027-01-05T00:00:00Z"), now),
            ("Expires in 1 month".to_string(), ExpiryTone::Calm)
        );
        assert_eq!(
            expiry_status(Some("2026-12-02T12:00:30Z"), now),
            (
                "Expires in less than a minute".to_string(),
                ExpiryTone::Soon
            )
        );
        assert_eq!(
            expiry_status(Some("2026-12-02T12:00:00Z"), now),
            ("Expired".to_string(), ExpiryTone::Expired)
        );
        assert_eq!(
            expiry_status(Some("2026-11-01T00:00:00Z"), now),
            ("Expired".to_string(), ExpiryTone::Expired)
        );
    }

    #[test]
    fn expiry_from_a_form() {
        let now = parse_rfc3339("2026-12-02T12:00:00Z").expect("valid");
        let clock = LocalClock::utc(now);
        assert_eq!(expiry_from_date(true, "2026-01-01", clock), Ok(None));
        assert_eq!(
            expiry_from_date(false, " 2026-12-05 ", clock),
            Ok(Some("2026-12-05T23:59:59Z".to_string()))
        );
        // Today is allowed: the token works until midnight.
        assert_eq!(
            expiry_from_date(false, "2026-12-02", clock),
            Ok(Some("2026-12-02T23:59:59Z".to_string()))
        );
        for (text, message) in [
            ("", "Choose an expiration date, or No expiration."),
            ("2026-12-01", "The expiration date must be today or later."),
            ("31/12/2026", "Enter the date as YYYY-MM-DD."),
        ] {
            let err = expiry_from_date(false, text, clock).expect_err(text);
            assert_eq!(err.field, "expiresAt");
            assert_eq!(err.message, message);
        }
    }
}
