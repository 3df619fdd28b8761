//! Dates and times in feed payloads: RFC 3339 / ISO-8601 instants, local dates and times, and a
//! small table of IANA zones with their current daylight-saving rules.
//!
//! No date-time crate: the feeds only need (a) instants with an explicit offset (`...Z`,
//! `...+01:00`), parsed exactly, and (b) a local date and time plus an IANA zone name, used only
//! when a feed gives no instant. For (b) the zone must be in [`Zones`] (built-in: the zones
//! listed in `docs/feeds.md`, with their rules since 2007; the caller can add fixed-offset zones).
//! A local time that falls in a spring-forward gap is read with the standard offset; one that
//! occurs twice (autumn) is read as the first (daylight) occurrence.

use std::collections::BTreeMap;

/// Days since 1970-01-01 of a proleptic Gregorian date (`month` 1..=12, `day` 1..=31).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(year) => 29,
        _ => 28,
    }
}

/// Weekday of a day number: 0 = Sunday.
fn weekday(days: i64) -> i64 {
    (days + 4).rem_euclid(7)
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Date {
    pub year: i64,
    pub month: u32,
    pub day: u32,
}

impl Date {
    pub fn days(self) -> i64 {
        days_from_civil(self.year, self.month, self.day)
    }
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses `YYYY-MM-DD`.
pub(crate) fn parse_date(s: &str) -> Option<Date> {
    let mut it = s.split('-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (year, month, day) = (i64::from(digits(y)?), digits(m)?, digits(d)?);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(Date { year, month, day })
}

/// Parses `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff` into seconds since midnight (fraction dropped).
pub(crate) fn parse_time(s: &str) -> Option<i64> {
    let s = s.split('.').next()?;
    let mut it = s.split(':');
    let (h, m, sec) = (it.next()?, it.next()?, it.next().unwrap_or("00"));
    if it.next().is_some() || h.len() != 2 || m.len() != 2 || sec.len() != 2 {
        return None;
    }
    let (h, m, sec) = (digits(h)?, digits(m)?, digits(sec)?);
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    Some(i64::from(h * 3600 + m * 60 + sec.min(59)))
}

/// A local date-time as seconds since 1970-01-01T00:00 *local* (no offset applied).
pub(crate) fn local_seconds(date: Date, time_of_day: i64) -> i64 {
    date.days() * 86_400 + time_of_day
}

/// Parses `YYYY-MM-DDTHH:MM[:SS[.f]]` without an offset into local seconds.
pub(crate) fn parse_local_datetime(s: &str) -> Option<i64> {
    let (d, t) = s.split_once(['T', ' '])?;
    Some(local_seconds(parse_date(d)?, parse_time(t)?))
}

/// Parses an RFC 3339 instant (`2026-12-05T20:00:00Z`, `...+01:00`, `...-0500`) into unix
/// seconds. A value without an offset is not an instant and gives `None`.
pub(crate) fn parse_instant(s: &str) -> Option<i64> {
    let s = s.trim();
    let (d, rest) = s.split_once(['T', 't', ' '])?;
    let date = parse_date(d)?;
    let (time, offset) = if let Some(t) = rest.strip_suffix(['Z', 'z']) {
        (t, 0)
    } else {
        let cut = rest.rfind(['+', '-'])?;
        (&rest[..cut], parse_offset(&rest[cut..])?)
    };
    Some(local_seconds(date, parse_time(time)?) - offset)
}

/// `+HH:MM`, `-HHMM` or `+HH` into seconds east of UTC.
fn parse_offset(s: &str) -> Option<i64> {
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let body: String = s[1..].chars().filter(|c| *c != ':').collect();
    let (h, m) = match body.len() {
        2 => (digits(&body)?, 0),
        4 => (digits(&body[..2])?, digits(&body[2..])?),
        _ => return None,
    };
    if h > 18 || m > 59 {
        return None;
    }
    Some(sign * i64::from(h * 3600 + m * 60))
}

/// A daylight-saving rule (the rules in force since 2007).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DstRule {
    /// No daylight saving.
    None,
    /// European Union / UK: +1 h from the last Sunday of March to the last Sunday of October,
    /// switching at 01:00 UTC.
    Europe,
    /// United States / Canada: +1 h from the second Sunday of March to the first Sunday of
    /// November, switching at 02:00 local time.
    NorthAmerica,
    /// South-east Australia: +1 h from the first Sunday of October to the first Sunday of April,
    /// switching at 02:00 local standard time.
    AustraliaSouth,
    /// New Zealand: +1 h from the last Sunday of September to the first Sunday of April,
    /// switching at 02:00 local standard time.
    NewZealand,
}

/// Day number of the `n`-th (1-based) Sunday of a month, or the last one when `n == 0`.
fn sunday(year: i64, month: u32, n: u32) -> i64 {
    if n == 0 {
        let last = days_from_civil(year, month, days_in_month(year, month));
        return last - weekday(last);
    }
    let first = days_from_civil(year, month, 1);
    first + (7 - weekday(first)) % 7 + 7 * i64::from(n - 1)
}

impl DstRule {
    /// Whether daylight time applies at `local` (local standard-time seconds).
    fn in_dst(self, local_std: i64, std_offset: i64) -> bool {
        let year = year_of(local_std);
        let at = |days: i64, secs: i64| days * 86_400 + secs;
        match self {
            DstRule::None => false,
            DstRule::Europe => {
                let utc = local_std - std_offset;
                let start = at(sunday(year, 3, 0), 3600);
                let end = at(sunday(year, 10, 0), 3600);
                (start..end).contains(&utc)
            }
            DstRule::NorthAmerica => {
                // 02:00 standard in spring; 02:00 daylight = 01:00 standard in autumn.
                let start = at(sunday(year, 3, 2), 7200);
                let end = at(sunday(year, 11, 1), 3600);
                (start..end).contains(&local_std)
            }
            DstRule::AustraliaSouth => {
                let end = at(sunday(year, 4, 1), 7200);
                let start = at(sunday(year, 10, 1), 7200);
                local_std < end || local_std >= start
            }
            DstRule::NewZealand => {
                let end = at(sunday(year, 4, 1), 7200);
                let start = at(sunday(year, 9, 0), 7200);
                local_std < end || local_std >= start
            }
        }
    }
}

fn year_of(local: i64) -> i64 {
    // Civil-from-days, year only.
    let z = local.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let y = yoe + era * 400;
    if mp >= 10 {
        y + 1
    } else {
        y
    }
}

/// IANA zone names the importers can resolve local times in, with their standard offset and
/// daylight rule. [`Zones::default`] holds the built-in table; add zones with [`Zones::insert`].
#[derive(Debug, Clone, PartialEq)]
pub struct Zones {
    zones: BTreeMap<String, (i64, DstRule)>,
}

const BUILT_IN: &[(&str, i64, DstRule)] = &[
    ("UTC", 0, DstRule::None),
    ("Etc/UTC", 0, DstRule::None),
    ("Europe/Dublin", 0, DstRule::Europe),
    ("Europe/London", 0, DstRule::Europe),
    ("Europe/Lisbon", 0, DstRule::Europe),
    ("Europe/Amsterdam", 3600, DstRule::Europe),
    ("Europe/Berlin", 3600, DstRule::Europe),
    ("Europe/Brussels", 3600, DstRule::Europe),
    ("Europe/Copenhagen", 3600, DstRule::Europe),
    ("Europe/Madrid", 3600, DstRule::Europe),
    ("Europe/Oslo", 3600, DstRule::Europe),
    ("Europe/Paris", 3600, DstRule::Europe),
    ("Europe/Prague", 3600, DstRule::Europe),
    ("Europe/Rome", 3600, DstRule::Europe),
    ("Europe/Stockholm", 3600, DstRule::Europe),
    ("Europe/Vienna", 3600, DstRule::Europe),
    ("Europe/Warsaw", 3600, DstRule::Europe),
    ("Europe/Zurich", 3600, DstRule::Europe),
    ("Europe/Helsinki", 7200, DstRule::Europe),
    ("Europe/Athens", 7200, DstRule::Europe),
    ("Atlantic/Reykjavik", 0, DstRule::None),
    ("Europe/Istanbul", 10_800, DstRule::None),
    ("America/New_York", -18_000, DstRule::NorthAmerica),
    ("America/Toronto", -18_000, DstRule::NorthAmerica),
    ("America/Halifax", -14_400, DstRule::NorthAmerica),
    ("America/Chicago", -21_600, DstRule::NorthAmerica),
    ("America/Winnipeg", -21_600, DstRule::NorthAmerica),
    ("America/Edmonton", -25_200, DstRule::NorthAmerica),
    ("America/Denver", -25_200, DstRule::NorthAmerica),
    ("America/Phoenix", -25_200, DstRule::None),
    ("America/Los_Angeles", -28_800, DstRule::NorthAmerica),
    ("America/Vancouver", -28_800, DstRule::NorthAmerica),
    ("America/Anchorage", -32_400, DstRule::NorthAmerica),
    ("Pacific/Honolulu", -36_000, DstRule::None),
    ("America/Mexico_City", -21_600, DstRule::None),
    ("Australia/Sydney", 36_000, DstRule::AustraliaSouth),
    ("Australia/Melbourne", 36_000, DstRule::AustraliaSouth),
    ("Australia/Brisbane", 36_000, DstRule::None),
    ("Australia/Perth", 28_800, DstRule::None),
    ("Pacific/Auckland", 43_200, DstRule::NewZealand),
    ("America/Sao_Paulo", -10_800, DstRule::None),
    ("Asia/Dubai", 14_400, DstRule::None),
    ("Asia/Singapore", 28_800, DstRule::None),
    ("Asia/Tokyo", 32_400, DstRule::None),
    ("Africa/Johannesburg", 7200, DstRule::None),
];

impl Default for Zones {
    fn default() -> Self {
        Zones {
            zones: BUILT_IN
                .iter()
                .map(|&(n, o, r)| (n.to_string(), (o, r)))
                .collect(),
        }
    }
}

impl Zones {
    /// Adds or replaces a zone: its standard offset (seconds east of UTC) and daylight rule.
    pub fn insert(&mut self, name: impl Into<String>, std_offset_secs: i64, rule: DstRule) {
        self.zones.insert(name.into(), (std_offset_secs, rule));
    }

    /// Whether the zone is known.
    pub fn contains(&self, name: &str) -> bool {
        self.zones.contains_key(name)
    }

    /// Unix seconds of a local date-time (seconds since 1970-01-01T00:00 local) in `zone`, or
    /// `None` if the zone is unknown.
    pub fn to_utc(&self, zone: &str, local: i64) -> Option<i64> {
        let &(std, rule) = self.zones.get(zone)?;
        // Daylight reading first (resolves an ambiguous autumn hour to its first occurrence);
        // in a spring gap neither reading is consistent and the standard one is used.
        let as_dst = local - 3600;
        if rule != DstRule::None && rule.in_dst(as_dst, std) {
            return Some(local - std - 3600);
        }
        Some(local - std)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants() {
        assert_eq!(parse_instant("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_instant("2026-12-05T20:00:00Z"), Some(1_796_500_800));
        assert_eq!(
            parse_instant("2026-12-05T21:00:00+01:00"),
            Some(1_796_500_800)
        );
        assert_eq!(
            parse_instant("2026-12-05T15:00:00-0500"),
            Some(1_796_500_800)
        );
        assert_eq!(
            parse_instant("2026-12-05T20:00:00.250Z"),
            Some(1_796_500_800)
        );
        assert_eq!(parse_instant("2026-12-05T20:00:00"), None);
        assert_eq!(parse_instant("2026-02-30T20:00:00Z"), None);
        assert_eq!(parse_instant("2026-12-05T25:00:00Z"), None);
        assert_eq!(parse_instant("garbage"), None);
        assert_eq!(parse_instant("2026-12-05T20:00:00+ab:00"), None);
    }

    #[test]
    fn zones_follow_daylight_rules() {
        let z = Zones::default();
        let local = |s: &str| parse_local_datetime(s).unwrap();
        // Dublin: winter GMT, summer IST (+1).
        assert_eq!(
            z.to_utc("Europe/Dublin", local("2026-12-05T20:00:00")),
            parse_instant("2026-12-05T20:00:00Z")
        );
        assert_eq!(
            z.to_utc("Europe/Dublin", local("2026-07-05T20:00:00")),
            parse_instant("2026-07-05T19:00:00Z")
        );
        // New York 2026: DST from 8 March to 1 November.
        assert_eq!(
            z.to_utc("America/New_York", local("2026-03-07T20:00:00")),
            parse_instant("2026-03-08T01:00:00Z")
        );
        assert_eq!(
            z.to_utc("America/New_York", local("2026-03-08T20:00:00")),
            parse_instant("2026-03-09T00:00:00Z")
        );
        assert_eq!(
            z.to_utc("America/New_York", local("2026-11-01T20:00:00")),
            parse_instant("2026-11-02T01:00:00Z")
        );
        // Sydney: daylight in January, standard in July.
        assert_eq!(
            z.to_utc("Australia/Sydney", local("2026-01-10T20:00:00")),
            parse_instant("2026-01-10T09:00:00Z")
        );
        assert_eq!(
            z.to_utc("Australia/Sydney", local("2026-07-10T20:00:00")),
            parse_instant("2026-07-10T10:00:00Z")
        );
        assert_eq!(z.to_utc("Mars/Olympus", 0), None);
    }
}
