//! Date/time text and numbers as containers write them (`QuickTime` seconds since 1904, ISO 8601
//! with offsets, PNG "Creation Time" in RFC 1123 or EXIF style), turned into the record's
//! local-time text plus an optional UTC offset. Impossible values give `None`, never a guess.
//! Calendar arithmetic and the plausibility rule are `capture_time`'s, shared with EXIF.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::capture_time::{self, civil_from_days, days_from_civil};

/// Seconds between 1904-01-01 (the QuickTime/MP4 epoch) and 1970-01-01.
pub const QUICKTIME_EPOCH_OFFSET: i64 = 2_082_844_800;

/// A parsed timestamp: local wall-clock fields and the UTC offset in minutes when known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// Milliseconds, when the source carried sub-seconds.
    pub millis: Option<u32>,
    pub offset_minutes: Option<i32>,
}

impl Stamp {
    /// ISO 8601 local time without offset: `2023-07-14T18:03:22` or `...22.120`.
    pub fn local(&self) -> String {
        let mut s = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        );
        if let Some(ms) = self.millis {
            let _ = write!(s, ".{ms:03}");
        }
        s
    }

    /// Seconds since 1970 of these wall-clock fields read as UTC.
    pub fn naive_unix(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    /// Whether this could be a real capture time, by the same rule as EXIF dates
    /// ([`capture_time::validate`]): a real calendar date, year ≥ 1900, not the `QuickTime` zero
    /// 1904-01-01, not in the future.
    pub fn is_plausible(&self) -> bool {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(i64::MAX, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        let dt = capture_time::LocalDateTime {
            year: self.year,
            month: self.month,
            day: self.day,
            hour: self.hour,
            minute: self.minute,
            second: self.second,
            millis: self.millis,
        };
        capture_time::validate(&dt, self.offset_minutes, now)
    }

    pub fn from_unix_utc(secs: i64) -> Stamp {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        Stamp {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: (rem % 3600 / 60) as u32,
            second: (rem % 60) as u32,
            millis: None,
            offset_minutes: Some(0),
        }
    }
}

/// A QuickTime/MP4 `creation_time` (seconds since 1904-01-01 UTC). Zero — "not set" —, times
/// before 1970 and future times give `None`.
pub fn quicktime_time(secs: u64) -> Option<Stamp> {
    if secs == 0 {
        return None;
    }
    let unix = i64::try_from(secs).ok()? - QUICKTIME_EPOCH_OFFSET;
    // A small count of seconds since 1904 is a camera with an unset clock, not a date: no
    // digital video predates the Unix epoch.
    if unix < 0 {
        return None;
    }
    Some(Stamp::from_unix_utc(unix)).filter(Stamp::is_plausible)
}

fn take_digits(s: &[u8], pos: &mut usize, n: usize) -> Option<u32> {
    let digits = s.get(*pos..*pos + n)?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    *pos += n;
    Some(
        digits
            .iter()
            .fold(0u32, |a, &d| a * 10 + u32::from(d - b'0')),
    )
}

/// Parse a trailing UTC offset: `Z`, `+0200`, `+02:00`, `-05`, ` GMT`, ` UTC`. Returns the
/// offset in minutes; `Ok(None)` when there is none.
fn parse_offset(rest: &[u8]) -> Result<Option<i32>, ()> {
    let rest = rest.trim_ascii();
    match rest {
        b"" => return Ok(None),
        b"Z" | b"z" | b"GMT" | b"UTC" | b"UT" => return Ok(Some(0)),
        _ => {}
    }
    let sign = match rest.first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Err(()),
    };
    let mut pos = 1;
    let hours = take_digits(rest, &mut pos, 2).ok_or(())?;
    if rest.get(pos) == Some(&b':') {
        pos += 1;
    }
    let minutes = if pos < rest.len() {
        take_digits(rest, &mut pos, 2).ok_or(())?
    } else {
        0
    };
    if pos != rest.len() || hours > 14 || minutes > 59 {
        return Err(());
    }
    Ok(Some(sign * (hours * 60 + minutes) as i32))
}

/// Parse `YYYY-MM-DDTHH:MM[:SS[.fff]][offset]`, also with `:` or `/` between date fields and
/// a space instead of `T` (EXIF style). Returns `None` for anything else or an impossible date.
pub fn parse_iso(text: &str) -> Option<Stamp> {
    let s = text.trim().trim_end_matches('\0').as_bytes();
    let mut pos = 0;
    let year = take_digits(s, &mut pos, 4)? as i32;
    let sep = *s.get(pos)?;
    if !matches!(sep, b'-' | b':' | b'/') {
        return None;
    }
    pos += 1;
    let month = take_digits(s, &mut pos, 2)?;
    if s.get(pos) != Some(&sep) {
        return None;
    }
    pos += 1;
    let day = take_digits(s, &mut pos, 2)?;
    let (mut hour, mut minute, mut second, mut millis) = (0, 0, 0, None);
    if matches!(s.get(pos), Some(b'T' | b't' | b' ')) {
        pos += 1;
        hour = take_digits(s, &mut pos, 2)?;
        if s.get(pos) != Some(&b':') {
            return None;
        }
        pos += 1;
        minute = take_digits(s, &mut pos, 2)?;
        if s.get(pos) == Some(&b':') {
            pos += 1;
            second = take_digits(s, &mut pos, 2)?;
            if matches!(s.get(pos), Some(b'.' | b',')) {
                pos += 1;
                let start = pos;
                while s.get(pos).is_some_and(u8::is_ascii_digit) {
                    pos += 1;
                }
                let frac = &s[start..pos];
                if frac.is_empty() {
                    return None;
                }
                let ms = frac
                    .iter()
                    .chain(std::iter::repeat(&b'0'))
                    .take(3)
                    .fold(0u32, |a, &d| a * 10 + u32::from(d - b'0'));
                millis = Some(ms);
            }
        }
    }
    let offset_minutes = parse_offset(&s[pos..]).ok()?;
    Some(Stamp {
        year,
        month,
        day,
        hour,
        minute,
        second,
        millis,
        offset_minutes,
    })
    .filter(Stamp::is_plausible)
}

/// Parse RFC 1123 / RFC 2822 dates (`Sat, 14 Jul 2023 18:03:22 +0200`), the form the PNG
/// specification suggests for "Creation Time".
pub fn parse_rfc1123(text: &str) -> Option<Stamp> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let t = text.trim().trim_end_matches('\0');
    let t = t.split_once(',').map_or(t, |(_, rest)| rest).trim();
    let mut parts = t.split_ascii_whitespace();
    let day: u32 = parts.next()?.parse().ok()?;
    let mon = parts.next()?.get(..3)?.to_ascii_lowercase();
    let month = MONTHS.iter().position(|m| *m == mon)? as u32 + 1;
    let year: i32 = parts.next()?.parse().ok()?;
    let time = parts.next()?;
    let mut hms = time.split(':');
    let hour: u32 = hms.next()?.parse().ok()?;
    let minute: u32 = hms.next()?.parse().ok()?;
    let second: u32 = match hms.next() {
        Some(s) => s.parse().ok()?,
        None => 0,
    };
    let zone: Vec<&str> = parts.collect();
    let offset_minutes = parse_offset(zone.join(" ").as_bytes()).ok()?;
    Some(Stamp {
        year,
        month,
        day,
        hour,
        minute,
        second,
        millis: None,
        offset_minutes,
    })
    .filter(Stamp::is_plausible)
}

/// Any of the textual forms above.
pub fn parse_any(text: &str) -> Option<Stamp> {
    parse_iso(text).or_else(|| parse_rfc1123(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quicktime_zero_and_epoch_are_unknown() {
        assert_eq!(quicktime_time(0), None);
        assert_eq!(quicktime_time(1), None); // 1904-01-01T00:00:01
        assert_eq!(quicktime_time(86_400 * 365 * 30), None); // 1934
        let s = quicktime_time(3_772_202_602).unwrap(); // 2023-07-14T18:03:22Z
        assert_eq!(s.local(), "2023-07-14T18:03:22");
        assert_eq!(s.offset_minutes, Some(0));
        assert_eq!(quicktime_time(u64::MAX), None);
        assert_eq!(quicktime_time(9_000_000_000), None); // 2189: far future
    }

    #[test]
    fn iso_forms() {
        let s = parse_iso("2023-07-14T18:03:22+0200").unwrap();
        assert_eq!(
            (s.local(), s.offset_minutes),
            ("2023-07-14T18:03:22".into(), Some(120))
        );
        let s = parse_iso("2023-07-14T18:03:22.5-05:30").unwrap();
        assert_eq!(
            (s.local(), s.offset_minutes),
            ("2023-07-14T18:03:22.500".into(), Some(-330))
        );
        let s = parse_iso("2023:07:14 18:03:22").unwrap();
        assert_eq!(
            (s.local(), s.offset_minutes),
            ("2023-07-14T18:03:22".into(), None)
        );
        assert_eq!(
            parse_iso("2023-07-14T18:03:22Z").unwrap().offset_minutes,
            Some(0)
        );
        assert!(parse_iso("0000:00:00 00:00:00").is_none());
        assert!(parse_iso("2023-02-30T10:00:00").is_none());
        assert!(parse_iso("2023-07-14T18:03:22+99").is_none());
        assert!(parse_iso("2999-01-01T00:00:00").is_none());
        assert!(parse_iso("garbage").is_none());
        assert!(parse_iso("").is_none());
    }

    #[test]
    fn rfc1123_forms() {
        let s = parse_rfc1123("Fri, 14 Jul 2023 18:03:22 +0200").unwrap();
        assert_eq!(
            (s.local(), s.offset_minutes),
            ("2023-07-14T18:03:22".into(), Some(120))
        );
        let s = parse_any("14 Jul 2023 18:03:22 GMT").unwrap();
        assert_eq!(s.offset_minutes, Some(0));
        let s = parse_any("14 Jul 2023 18:03").unwrap();
        assert_eq!(
            (s.local(), s.offset_minutes),
            ("2023-07-14T18:03:00".into(), None)
        );
        assert!(parse_any("32 Jul 2023 18:03:22").is_none());
    }
}
