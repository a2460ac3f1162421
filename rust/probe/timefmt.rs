//! Date/time text and numbers as containers write them (QuickTime seconds since 1904, ISO 8601
//! with offsets, PNG "Creation Time" in RFC 1123 or EXIF style), turned into the record's
//! local-time text plus an optional UTC offset. Impossible values give `None`, never a guess.

use std::time::{SystemTime, UNIX_EPOCH};

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
            s.push_str(&format!(".{ms:03}"));
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

    /// Whether this could be a real capture time: a valid calendar date, not before 1900 (the
    /// QuickTime zero 1904-01-01 and EXIF's 0000:00:00 are excluded) and not in the future
    /// (beyond a two-day allowance for clocks and time zones).
    pub fn is_plausible(&self) -> bool {
        if !(1..=12).contains(&self.month)
            || self.day == 0
            || self.day > days_in_month(self.year, self.month)
            || self.hour > 23
            || self.minute > 59
            || self.second > 60
            || self.year < 1900
        {
            return false;
        }
        if self.year == 1904 && self.month == 1 && self.day == 1 {
            return false;
        }
        let utc = self.naive_unix() - i64::from(self.offset_minutes.unwrap_or(0)) * 60;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(i64::MAX, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        utc <= now.saturating_add(2 * 86_400)
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

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y as i32, m, d)
}

/// A QuickTime/MP4 `creation_time` (seconds since 1904-01-01 UTC). Zero — "not set" — and
/// impossible values give `None`.
pub fn quicktime_time(secs: u64) -> Option<Stamp> {
    if secs == 0 {
        return None;
    }
    let unix = i64::try_from(secs).ok()? - QUICKTIME_EPOCH_OFFSET;
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
    fn civil_round_trip() {
        for days in [-800_000i64, -1, 0, 1, 19_000, 20_000, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn quicktime_zero_and_epoch_are_unknown() {
        assert_eq!(quicktime_time(0), None);
        assert_eq!(quicktime_time(1), None); // 1904-01-01T00:00:01
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
