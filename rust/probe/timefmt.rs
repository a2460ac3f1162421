//! Date/time text and numbers as containers write them (`QuickTime` seconds since 1904, ISO 8601
//! with offsets, PNG "Creation Time" in RFC 1123 or EXIF style), parsed into the shared
//! [`DateTime`]. Impossible values give `None`, never a guess. The type, its plausibility rule,
//! the offset parser and the calendar are `capture_time`'s, shared with EXIF.

use crate::probe::capture_time::{digits, fraction_millis, parse_offset, DateTime};

/// Seconds between 1904-01-01 (the QuickTime/MP4 epoch) and 1970-01-01.
pub const QUICKTIME_EPOCH_OFFSET: i64 = 2_082_844_800;

/// A QuickTime/MP4 `creation_time` (seconds since 1904-01-01 UTC). Zero — "not set" —, times
/// before 1970 and future times give `None`.
pub fn quicktime_time(secs: u64) -> Option<DateTime> {
    if secs == 0 {
        return None;
    }
    let unix = i64::try_from(secs).ok()? - QUICKTIME_EPOCH_OFFSET;
    // A small count of seconds since 1904 is a camera with an unset clock, not a date: no
    // digital video predates the Unix epoch.
    if unix < 0 {
        return None;
    }
    let nanos = unix.checked_mul(1_000_000_000)?;
    Some(DateTime::from_unix_nanos(nanos, 0)).filter(DateTime::is_plausible)
}

fn take_digits(s: &[u8], pos: &mut usize, n: usize) -> Option<u32> {
    let value = digits(s.get(*pos..*pos + n)?)?;
    *pos += n;
    Some(value)
}

/// Parse `YYYY-MM-DDTHH:MM[:SS[.fff]][offset]`, also with `:` or `/` between date fields and
/// a space instead of `T` (EXIF style). Returns `None` for anything else or an impossible date.
pub fn parse_iso(text: &str) -> Option<DateTime> {
    let text = text.trim().trim_end_matches('\0');
    let s = text.as_bytes();
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
                millis = Some(fraction_millis(&s[start..pos])?);
            }
        }
    }
    let time = DateTime {
        year,
        month,
        day,
        hour,
        minute,
        second,
        millis,
        offset_minutes: None,
    };
    with_zone(time, text.get(pos..)?)
}

/// Parse RFC 1123 / RFC 2822 dates (`Sat, 14 Jul 2023 18:03:22 +0200`), the form the PNG
/// specification suggests for "Creation Time".
pub fn parse_rfc1123(text: &str) -> Option<DateTime> {
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
    let time = DateTime {
        year,
        month,
        day,
        hour,
        minute,
        second,
        millis: None,
        offset_minutes: None,
    };
    with_zone(time, &parts.collect::<Vec<_>>().join(" "))
}

/// `time` at the UTC offset `zone` names (`Z`, `+0200`, `-05:30`, `GMT`...; blank: unknown),
/// if the zone is readable and the time plausible.
fn with_zone(mut time: DateTime, zone: &str) -> Option<DateTime> {
    let zone = zone.trim();
    if !zone.is_empty() {
        time.offset_minutes = Some(parse_offset(zone)?);
    }
    Some(time).filter(DateTime::is_plausible)
}

/// Any of the textual forms above.
pub fn parse_any(text: &str) -> Option<DateTime> {
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
        assert_eq!(s.to_iso(), "2023-07-14T18:03:22");
        assert_eq!(s.offset_minutes, Some(0));
        assert_eq!(quicktime_time(u64::MAX), None);
        assert_eq!(quicktime_time(9_000_000_000), None); // 2189: far future
    }

    #[test]
    fn iso_forms() {
        let s = parse_iso("2023-07-14T18:03:22+0200").unwrap();
        assert_eq!(
            (s.to_iso(), s.offset_minutes),
            ("2023-07-14T18:03:22".into(), Some(120))
        );
        let s = parse_iso("2023-07-14T18:03:22.5-05:30").unwrap();
        assert_eq!(
            (s.to_iso(), s.offset_minutes),
            ("2023-07-14T18:03:22.500".into(), Some(-330))
        );
        let s = parse_iso("2023:07:14 18:03:22").unwrap();
        assert_eq!(
            (s.to_iso(), s.offset_minutes),
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
            (s.to_iso(), s.offset_minutes),
            ("2023-07-14T18:03:22".into(), Some(120))
        );
        let s = parse_any("14 Jul 2023 18:03:22 GMT").unwrap();
        assert_eq!(s.offset_minutes, Some(0));
        let s = parse_any("14 Jul 2023 18:03").unwrap();
        assert_eq!(
            (s.to_iso(), s.offset_minutes),
            ("2023-07-14T18:03:00".into(), None)
        );
        assert!(parse_any("32 Jul 2023 18:03:22").is_none());
    }
}
