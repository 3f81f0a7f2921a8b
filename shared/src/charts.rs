//! The geometry and the labels of the API Logs dashboard's charts (SPEC §5), which the SPA draws
//! as hand-written SVG: "nice" axis ticks, linear and band scales, time ticks aligned to the
//! viewer's clock, donut slices, and the formatting of instants, buckets, durations and counts.
//!
//! Pure functions of numbers, so they are unit-tested on the host; the SPA only supplies the
//! browser's UTC offset (`offset` below: seconds east of UTC, +3600 for CET) and draws.

use std::fmt::Write as _;

/// The ticks of a value axis that starts at zero.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticks {
    /// Distance between two ticks.
    pub step: f64,
    /// The axis' top: the last tick, at or above the largest value.
    pub max: f64,
    /// `0, step, 2·step, …, max`.
    pub values: Vec<f64>,
}

/// Ticks from 0 to at least `max` in at most `count` intervals of the smallest "nice" step
/// (1, 2, 2.5 or 5 times a power of ten; 2.5 only from 25 up, so labels stay short). With
/// `integer`, the step is at least 1 (counts of requests have no fractions).
pub fn nice_ticks(max: f64, count: usize, integer: bool) -> Ticks {
    let count = count.max(1);
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        count as f64
    };
    let mut decade = 10f64.powf((max / count as f64).log10().floor() - 1.0);
    let mut step = max;
    'search: for _ in 0..4 {
        for m in [1.0, 2.0, 2.5, 5.0] {
            let candidate = m * decade;
            if (m == 2.5 && decade < 10.0) || (integer && candidate < 1.0) {
                continue;
            }
            if (max / candidate - 1e-9).ceil() as usize <= count {
                step = candidate;
                break 'search;
            }
        }
        decade *= 10.0;
    }
    let intervals = (max / step - 1e-9).ceil().max(1.0) as usize;
    let values = (0..=intervals).map(|i| i as f64 * step).collect();
    Ticks {
        step,
        max: intervals as f64 * step,
        values,
    }
}

/// Maps a value interval onto a pixel interval (reversed for a y axis: larger values higher).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearScale {
    pub domain: (f64, f64),
    pub range: (f64, f64),
}

impl LinearScale {
    pub fn new(domain: (f64, f64), range: (f64, f64)) -> Self {
        Self { domain, range }
    }

    pub fn map(&self, v: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        if (d1 - d0).abs() < f64::EPSILON {
            return r0;
        }
        r0 + (v - d0) / (d1 - d0) * (r1 - r0)
    }
}

/// `n` equal bands (bars) over a pixel interval, `padding` (0–1) of each band left empty.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandScale {
    pub start: f64,
    /// Distance from one band's start to the next's.
    pub step: f64,
    /// Width of a bar.
    pub bandwidth: f64,
}

impl BandScale {
    pub fn new(n: usize, range: (f64, f64), padding: f64) -> Self {
        let n = n.max(1) as f64;
        let step = (range.1 - range.0) / n;
        let padding = padding.clamp(0.0, 0.95);
        Self {
            start: range.0,
            step,
            bandwidth: step * (1.0 - padding),
        }
    }

    /// Left edge of band `i`'s bar.
    pub fn x(&self, i: usize) -> f64 {
        self.start + i as f64 * self.step + (self.step - self.bandwidth) / 2.0
    }

    /// Centre of band `i`.
    pub fn center(&self, i: usize) -> f64 {
        self.start + (i as f64 + 0.5) * self.step
    }
}

/// Steps a time axis may use, seconds.
const TIME_STEPS: [i64; 14] = [
    60,
    5 * 60,
    10 * 60,
    15 * 60,
    30 * 60,
    3_600,
    2 * 3_600,
    3 * 3_600,
    6 * 3_600,
    12 * 3_600,
    86_400,
    2 * 86_400,
    7 * 86_400,
    14 * 86_400,
];

/// The smallest step of [`TIME_STEPS`] that puts at most `max_ticks` ticks on `[from, to]`.
pub fn time_step(from: i64, to: i64, max_ticks: usize) -> i64 {
    let span = (to - from).max(1);
    let max_ticks = max_ticks.max(1) as i64;
    TIME_STEPS
        .iter()
        .copied()
        .find(|s| span / s < max_ticks)
        .unwrap_or(30 * 86_400)
}

/// Ticks on `[from, to]` at round times of the viewer's clock (every 3 hours at 00:00, 03:00, …
/// local time), at most `max_ticks` of them.
pub fn time_ticks(from: i64, to: i64, offset: i64, max_ticks: usize) -> Vec<i64> {
    if to <= from {
        return Vec::new();
    }
    let step = time_step(from, to, max_ticks);
    // Align in local time: a tick is where local seconds are a multiple of the step.
    let local_from = from + offset;
    let first = local_from.div_euclid(step) * step + if local_from % step == 0 { 0 } else { step };
    let mut out = Vec::new();
    let mut t = first - offset;
    while t <= to {
        out.push(t);
        t += step;
    }
    out
}

/// A calendar date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

/// The calendar date and time at `secs` since the Unix epoch (H. Hinnant's `civil_from_days`).
pub fn civil(secs: i64) -> Civil {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Civil {
        year,
        month,
        day,
        hour: (rem / 3_600) as u32,
        minute: (rem % 3_600 / 60) as u32,
        second: (rem % 60) as u32,
    }
}

/// Seconds since the Unix epoch of a calendar date and time (`days_from_civil`).
pub fn epoch_of(c: Civil) -> i64 {
    let y = if c.month <= 2 { c.year - 1 } else { c.year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(c.month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(c.day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + i64::from(c.hour) * 3_600 + i64::from(c.minute) * 60 + i64::from(c.second)
}

fn digits(s: &str, range: std::ops::Range<usize>) -> Option<u32> {
    let part = s.get(range)?;
    if part.bytes().all(|b| b.is_ascii_digit()) {
        part.parse().ok()
    } else {
        None
    }
}

/// `YYYY-MM-DDTHH:MM[:SS]` (the value of an `<input type="datetime-local">`, or the start of an
/// RFC 3339 time) as a calendar time; `None` when malformed.
pub fn parse_civil(s: &str) -> Option<Civil> {
    let b = s.as_bytes();
    if b.len() < 16 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' {
        return None;
    }
    let second = if b.len() >= 19 && b[16] == b':' {
        digits(s, 17..19)?
    } else {
        0
    };
    let c = Civil {
        year: i64::from(digits(s, 0..4)?),
        month: digits(s, 5..7)?,
        day: digits(s, 8..10)?,
        hour: digits(s, 11..13)?,
        minute: digits(s, 14..16)?,
        second,
    };
    let valid = (1..=12).contains(&c.month)
        && (1..=31).contains(&c.day)
        && c.hour < 24
        && c.minute < 60
        && c.second < 61;
    valid.then_some(c)
}

/// Seconds since the epoch of an RFC 3339 time (`2026-12-02T07:40:00Z`, `…+01:00`, fractions
/// dropped); `None` when malformed.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() < 20 || s.as_bytes().get(16) != Some(&b':') {
        return None;
    }
    let c = parse_civil(s)?;
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        rest = &frac[n..];
    }
    let offset = match rest.as_bytes() {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), ..] if rest.len() == 6 && rest.as_bytes()[3] == b':' => {
            let h = i64::from(digits(rest, 1..3)?);
            let m = i64::from(digits(rest, 4..6)?);
            let o = h * 3_600 + m * 60;
            if *sign == b'-' { -o } else { o }
        }
        _ => return None,
    };
    Some(epoch_of(c) - offset)
}

/// `2026-12-02T07:40:00Z`.
pub fn rfc3339(secs: i64) -> String {
    let c = civil(secs);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// `2026-12-02T08:40`: the value of an `<input type="datetime-local">` showing `secs` on the
/// viewer's clock.
pub fn datetime_local(secs: i64, offset: i64) -> String {
    let c = civil(secs + offset);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.minute
    )
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn month_name(m: u32) -> &'static str {
    MONTHS
        .get(m.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("?")
}

/// `Dec 2`.
pub fn date_label(secs: i64, offset: i64) -> String {
    let c = civil(secs + offset);
    format!("{} {}", month_name(c.month), c.day)
}

/// `14:05`.
pub fn clock_label(secs: i64, offset: i64) -> String {
    let c = civil(secs + offset);
    format!("{:02}:{:02}", c.hour, c.minute)
}

/// `Dec 2, 14:05:09`: a log's time in the list.
pub fn date_time_label(secs: i64, offset: i64) -> String {
    let c = civil(secs + offset);
    format!(
        "{} {}, {:02}:{:02}:{:02}",
        month_name(c.month),
        c.day,
        c.hour,
        c.minute,
        c.second
    )
}

/// A time axis label: the clock for steps under a day, with the date at local midnight; the
/// date for steps of a day or more.
pub fn time_tick_label(secs: i64, offset: i64, step: i64) -> String {
    let local = secs + offset;
    if step >= 86_400 || local.rem_euclid(86_400) == 0 {
        date_label(secs, offset)
    } else {
        clock_label(secs, offset)
    }
}

/// What one bucket of the series covers: `Dec 2, 14:00–15:00`, or `Dec 2` for a day.
pub fn bucket_label(start: i64, bucket_seconds: i64, offset: i64) -> String {
    if bucket_seconds >= 86_400 {
        return date_label(start, offset);
    }
    format!(
        "{}, {}–{}",
        date_label(start, offset),
        clock_label(start, offset),
        clock_label(start + bucket_seconds, offset)
    )
}

fn trim_decimal(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A response time for people: `850 µs`, `12.3 ms`, `1.25 s`.
pub fn duration_us(us: i64) -> String {
    let v = us as f64;
    if us.abs() < 1_000 {
        format!("{us} µs")
    } else if us.abs() < 1_000_000 {
        let ms = v / 1_000.0;
        let decimals = if ms.abs() < 10.0 {
            2
        } else if ms.abs() < 100.0 {
            1
        } else {
            0
        };
        format!("{} ms", trim_decimal(ms, decimals))
    } else {
        format!("{} s", trim_decimal(v / 1_000_000.0, 2))
    }
}

/// A response time on an axis, in milliseconds: `0`, `2.5`, `40`, `1,500`.
pub fn ms_tick(us: f64) -> String {
    let ms = us / 1_000.0;
    if ms >= 1_000.0 {
        crate::forms::thousands(ms.round() as i64)
    } else {
        trim_decimal(ms, 2)
    }
}

/// A count on an axis or a card: `950`, `1.2k`, `34k`, `1.5M`.
pub fn compact_count(n: f64) -> String {
    let a = n.abs();
    if a < 1_000.0 {
        trim_decimal(n, 1)
    } else if a < 1_000_000.0 {
        let k = n / 1_000.0;
        format!("{}k", trim_decimal(k, if k.abs() < 10.0 { 1 } else { 0 }))
    } else {
        let m = n / 1_000_000.0;
        format!("{}M", trim_decimal(m, if m.abs() < 10.0 { 1 } else { 0 }))
    }
}

/// `part` of `whole` as a percentage: `2.4%`, `0%`, `< 0.1%`, `—` when there is no whole.
pub fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "—".to_string();
    }
    let p = part as f64 * 100.0 / whole as f64;
    if part > 0 && p < 0.1 {
        "< 0.1%".to_string()
    } else {
        format!("{}%", trim_decimal(p, 1))
    }
}

fn point(out: &mut String, cmd: char, x: f64, y: f64) {
    let _ = write!(out, "{cmd}{x:.2} {y:.2} ");
}

/// The SVG path of a donut slice from fraction `a` to `b` of the circle (0 = top, clockwise),
/// between radii `inner` and `outer` around `(cx, cy)`. A whole circle is drawn as two halves
/// (an arc cannot start and end at the same point).
pub fn donut_slice(cx: f64, cy: f64, outer: f64, inner: f64, a: f64, b: f64) -> String {
    let a = a.clamp(0.0, 1.0);
    let b = b.clamp(a, 1.0);
    if b - a >= 0.9999 {
        return format!(
            "{} {}",
            donut_slice(cx, cy, outer, inner, 0.0, 0.5),
            donut_slice(cx, cy, outer, inner, 0.5, 1.0)
        );
    }
    let at = |r: f64, f: f64| {
        let angle = f * std::f64::consts::TAU;
        (cx + r * angle.sin(), cy - r * angle.cos())
    };
    let large = i32::from(b - a > 0.5);
    let (x0, y0) = at(outer, a);
    let (x1, y1) = at(outer, b);
    let (x2, y2) = at(inner, b);
    let (x3, y3) = at(inner, a);
    let mut d = String::new();
    point(&mut d, 'M', x0, y0);
    let _ = write!(d, "A{outer:.2} {outer:.2} 0 {large} 1 {x1:.2} {y1:.2} ");
    point(&mut d, 'L', x2, y2);
    let _ = write!(d, "A{inner:.2} {inner:.2} 0 {large} 0 {x3:.2} {y3:.2} Z");
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_start_at_zero_and_cover_the_largest_value() {
        let t = nice_ticks(97.0, 4, true);
        assert_eq!(t.step, 25.0);
        assert_eq!(t.max, 100.0);
        assert_eq!(t.values, vec![0.0, 25.0, 50.0, 75.0, 100.0]);
        assert_eq!(nice_ticks(97.0, 5, true).step, 20.0);
        assert_eq!(nice_ticks(1_234.0, 5, true).step, 250.0);
        // 2.5 only where it gives short labels.
        assert_eq!(nice_ticks(9.0, 4, false).step, 5.0);
        // Exactly on a tick: no extra interval.
        assert_eq!(nice_ticks(100.0, 4, true).max, 100.0);
        // Small counts keep whole steps.
        let t = nice_ticks(3.0, 5, true);
        assert_eq!(t.step, 1.0);
        assert_eq!(t.values, vec![0.0, 1.0, 2.0, 3.0]);
        // Nothing to show still gives an axis.
        let t = nice_ticks(0.0, 4, true);
        assert_eq!(t.values, vec![0.0, 1.0, 2.0, 3.0, 4.0]);
        // Fractions are allowed for latencies.
        assert_eq!(nice_ticks(0.8, 4, false).step, 0.2);
        // Never more than a few intervals over the requested count.
        for max in [7.0, 13.0, 99.0, 1_234.0, 98_765.0] {
            let t = nice_ticks(max, 5, true);
            assert!(t.max >= max, "{max}: {t:?}");
            assert!(t.values.len() <= 6, "{max}: {t:?}");
            // And not wastefully few.
            assert!(t.values.len() >= 3, "{max}: {t:?}");
        }
    }

    #[test]
    fn scales_map_domains_onto_pixels() {
        let y = LinearScale::new((0.0, 100.0), (200.0, 0.0));
        assert_eq!(y.map(0.0), 200.0);
        assert_eq!(y.map(25.0), 150.0);
        assert_eq!(y.map(100.0), 0.0);
        // A flat domain does not divide by zero.
        assert_eq!(LinearScale::new((5.0, 5.0), (0.0, 10.0)).map(5.0), 0.0);

        let b = BandScale::new(4, (0.0, 400.0), 0.2);
        assert_eq!(b.step, 100.0);
        assert_eq!(b.bandwidth, 80.0);
        assert_eq!(b.x(0), 10.0);
        assert_eq!(b.x(3), 310.0);
        assert_eq!(b.center(1), 150.0);
    }

    #[test]
    fn time_ticks_fall_on_round_local_times() {
        // 2026-12-02 00:00 UTC.
        let day = epoch_of(Civil {
            year: 2026,
            month: 12,
            day: 2,
            hour: 0,
            minute: 0,
            second: 0,
        });
        let from = day + 7 * 3_600 + 40 * 60; // 07:40
        let to = from + 86_400;
        let ticks = time_ticks(from, to, 0, 9);
        assert_eq!(time_step(from, to, 9), 3 * 3_600);
        // Fewer ticks allowed: a longer step.
        assert_eq!(time_step(from, to, 8), 6 * 3_600);
        assert_eq!(ticks.len(), 8);
        assert_eq!(clock_label(ticks[0], 0), "09:00");
        assert!(ticks.iter().all(|t| (t - day) % (3 * 3_600) == 0));
        // In CET (UTC+1) the ticks are at round CET hours, i.e. 08:00 UTC.
        let cet = time_ticks(from, to, 3_600, 9);
        assert_eq!(clock_label(cet[0], 3_600), "09:00");
        assert_eq!(clock_label(cet[0], 0), "08:00");
        // At midnight the label is the date; a week is labelled by days.
        assert_eq!(time_tick_label(day + 86_400, 0, 3 * 3_600), "Dec 3");
        assert_eq!(time_tick_label(day + 3_600 * 3, 0, 3 * 3_600), "03:00");
        assert_eq!(time_step(day, day + 7 * 86_400, 8), 86_400);
        assert!(time_ticks(to, from, 0, 8).is_empty());
        // An hour: every 10 minutes.
        assert_eq!(time_step(from, from + 3_600, 8), 600);
    }

    #[test]
    fn calendar_conversions_round_trip() {
        for secs in [
            0,
            951_782_400,   // 2000-02-29
            1_796_200_000, // 2026-12
            -86_400,
            4_102_444_800, // 2100-01-01
        ] {
            assert_eq!(epoch_of(civil(secs)), secs, "{secs}");
        }
        let c = civil(951_782_400);
        assert_eq!((c.year, c.month, c.day), (2000, 2, 29));
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn rfc3339_times_parse_with_offsets_and_fractions() {
        let t = parse_rfc3339("2026-12-02T07:40:00Z").expect("parses");
        assert_eq!(rfc3339(t), "2026-12-02T07:40:00Z");
        assert_eq!(parse_rfc3339("2026-12-02T08:40:00+01:00"), Some(t));
        assert_eq!(parse_rfc3339("2026-12-02T07:40:00.123456Z"), Some(t));
        assert_eq!(parse_rfc3339("2026-12-02T02:40:00-05:00"), Some(t));
        for bad in [
            "",
            "yesterday",
            "2026-12-02",
            "2026-12-02T07:40Z",
            "2026-13-02T07:40:00Z",
            "2026-12-02T07:40:00",
            "2026-12-02T07:40:00.Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn datetime_local_values_use_the_viewers_clock() {
        let t = parse_rfc3339("2026-12-02T07:40:30Z").expect("parses");
        assert_eq!(datetime_local(t, 0), "2026-12-02T07:40");
        assert_eq!(datetime_local(t, 3_600), "2026-12-02T08:40");
        let c = parse_civil("2026-12-02T08:40").expect("parses");
        assert_eq!(epoch_of(c) - 3_600, t - 30);
        assert_eq!(
            parse_civil("2026-12-02T08:40:15").map(|c| c.second),
            Some(15)
        );
        assert_eq!(parse_civil("2026-12-02"), None);
        assert_eq!(parse_civil("2026-12-02T25:00"), None);
    }

    #[test]
    fn labels_read_like_people_write_them() {
        let t = parse_rfc3339("2026-12-02T14:05:09Z").expect("parses");
        assert_eq!(date_time_label(t, 0), "Dec 2, 14:05:09");
        assert_eq!(date_time_label(t, -3_600), "Dec 2, 13:05:09");
        let hour = parse_rfc3339("2026-12-02T14:00:00Z").expect("parses");
        assert_eq!(bucket_label(hour, 3_600, 0), "Dec 2, 14:00–15:00");
        assert_eq!(bucket_label(hour, 300, 0), "Dec 2, 14:00–14:05");
        assert_eq!(bucket_label(hour, 86_400, 0), "Dec 2");
    }

    #[test]
    fn durations_counts_and_rates_are_short() {
        assert_eq!(duration_us(850), "850 µs");
        assert_eq!(duration_us(1_500), "1.5 ms");
        assert_eq!(duration_us(12_345), "12.3 ms");
        assert_eq!(duration_us(250_000), "250 ms");
        assert_eq!(duration_us(1_250_000), "1.25 s");
        assert_eq!(ms_tick(2_500.0), "2.5");
        assert_eq!(ms_tick(1_500_000.0), "1,500");
        assert_eq!(compact_count(950.0), "950");
        assert_eq!(compact_count(1_234.0), "1.2k");
        assert_eq!(compact_count(34_000.0), "34k");
        assert_eq!(compact_count(1_500_000.0), "1.5M");
        assert_eq!(percent(1, 40), "2.5%");
        assert_eq!(percent(0, 40), "0%");
        assert_eq!(percent(1, 10_000), "< 0.1%");
        assert_eq!(percent(3, 0), "—");
    }

    #[test]
    fn donut_slices_are_closed_paths() {
        let d = donut_slice(50.0, 50.0, 40.0, 25.0, 0.0, 0.25);
        // Starts at the top, ends a quarter turn clockwise (to the right).
        assert!(d.starts_with("M50.00 10.00 "), "{d}");
        assert!(d.contains("A40.00 40.00 0 0 1 90.00 50.00"), "{d}");
        assert!(d.ends_with('Z'));
        // More than half a turn uses the large arc.
        assert!(donut_slice(50.0, 50.0, 40.0, 25.0, 0.0, 0.75).contains(" 0 1 1 "));
        // A whole circle is two halves.
        assert_eq!(
            donut_slice(50.0, 50.0, 40.0, 25.0, 0.0, 1.0)
                .matches('M')
                .count(),
            2
        );
    }
}
