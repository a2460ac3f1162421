//! Capture times: one date-time type ([`DateTime`]) with one validity rule, one ISO formatter,
//! one offset parser and one calendar, used by every source — EXIF text here, the container
//! forms (`QuickTime` seconds, ISO 8601, RFC 1123) in `probe::timefmt` — and the mtime fallback.
//!
//! Every source produces a [`CaptureTime`]: local wall-clock time as ISO 8601 text without an
//! offset (`2023-07-14T18:03:22.120`, milliseconds only when the file gives sub-seconds), the UTC
//! offset in minutes when the file says, and where the value came from. A value that cannot be
//! true (month 13, `0000:00:00`, year before 1900, the `QuickTime` zero date 1904-01-01, more
//! than a day in the future) is rejected so the caller tries its next source.
//!
//! Calendar arithmetic is the few lines of Howard Hinnant's `days_from_civil` /
//! `civil_from_days`; a date-time crate would add a dependency for two functions.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::probe::record::{time_source, CaptureTime};

/// A calendar date and wall-clock time as a file writes it (local time), plus its UTC offset
/// when known. Every container's date text and numbers end up here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// Milliseconds, when the source gives sub-seconds.
    pub millis: Option<u32>,
    /// Minutes east of UTC, when the source says.
    pub offset_minutes: Option<i32>,
}

impl DateTime {
    /// The wall-clock time `offset_minutes` east of UTC at an instant (nanoseconds since the
    /// Unix epoch). Milliseconds are set only when the instant has a fraction.
    pub fn from_unix_nanos(nanos: i64, offset_minutes: i32) -> DateTime {
        let local_ns = nanos + i64::from(offset_minutes) * 60 * 1_000_000_000;
        let secs = local_ns.div_euclid(1_000_000_000);
        let frac_ms = (local_ns.rem_euclid(1_000_000_000) / 1_000_000) as u32;
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        let tod = secs.rem_euclid(86_400) as u32;
        DateTime {
            year,
            month,
            day,
            hour: tod / 3_600,
            minute: tod / 60 % 60,
            second: tod % 60,
            millis: (frac_ms != 0).then_some(frac_ms),
            offset_minutes: Some(offset_minutes),
        }
    }

    /// Seconds since 1970-01-01T00:00:00 of this wall-clock time (as if it were UTC).
    pub fn naive_unix_seconds(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400
            + i64::from(self.hour) * 3_600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    /// Whether this is plausible as a capture time: a real calendar date, year ≥ 1900, not the
    /// `QuickTime` zero date 1904-01-01T00:00:00, and not more than a day in the future.
    pub fn is_plausible(&self) -> bool {
        if self.year < 1900
            || !(1..=12).contains(&self.month)
            || self.day == 0
            || self.day > days_in_month(self.year, self.month)
            || self.hour > 23
            || self.minute > 59
            || self.second > 59
        {
            return false;
        }
        let fields = (
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
        );
        if fields == (1904, 1, 1, 0, 0, 0) {
            return false;
        }
        let utc = self.naive_unix_seconds() - i64::from(self.offset_minutes.unwrap_or(0)) * 60;
        utc <= now_unix_seconds() + 86_400
    }

    /// ISO 8601 without offset: `YYYY-MM-DDTHH:MM:SS[.mmm]`.
    pub fn to_iso(&self) -> String {
        let mut s = String::with_capacity(23);
        // Writing to a String cannot fail.
        let _ = write!(
            s,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        );
        if let Some(ms) = self.millis {
            let _ = write!(s, ".{ms:03}");
        }
        s
    }

    /// The record's capture time, found at `source`.
    pub fn capture_time(&self, source: &'static str) -> CaptureTime {
        CaptureTime {
            local: self.to_iso(),
            offset_minutes: self.offset_minutes,
            source,
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date `(year, month, day)` of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    (year, month, day)
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn now_unix_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The value of a run of ASCII digits; `None` when empty or anything else is in it.
pub fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        s.iter()
            .fold(0u32, |acc, &b| acc * 10 + u32::from(b - b'0')),
    )
}

/// Parse `YYYY:MM:DD HH:MM:SS` (EXIF), also accepting `-` or `/` between date parts and `T`
/// before the time, an optional fraction `.fff` after the seconds, and an optional UTC offset
/// after that (`Z`, `+02:00`, `+0200`, ` +02:00`, as some writers put into EXIF strings), which
/// sets `offset_minutes`. Trailing NULs and blanks are ignored. Returns `None` for anything
/// malformed or implausible (see [`DateTime::is_plausible`]).
pub fn parse_datetime(text: &str) -> Option<DateTime> {
    let b = text
        .trim_matches(|c: char| c == '\0' || c.is_whitespace())
        .as_bytes();
    if b.len() < 19 {
        return None;
    }
    let sep_ok = matches!(b[4], b':' | b'-' | b'/')
        && b[7] == b[4]
        && matches!(b[10], b' ' | b'T')
        && b[13] == b':'
        && b[16] == b':';
    if !sep_ok {
        return None;
    }
    let mut rest = &b[19..];
    let mut millis = None;
    if let [b'.' | b',', frac @ ..] = rest {
        let end = frac
            .iter()
            .position(|c| !c.is_ascii_digit())
            .unwrap_or(frac.len());
        millis = Some(fraction_millis(&frac[..end])?);
        rest = &frac[end..];
    }
    // A zone after the time ("Z", "+02:00"): the offset of this local time.
    let zone = std::str::from_utf8(rest).ok()?.trim();
    let offset_minutes = if zone.is_empty() {
        None
    } else {
        Some(parse_offset(zone)?)
    };
    let dt = DateTime {
        year: digits(&b[0..4])? as i32,
        month: digits(&b[5..7])?,
        day: digits(&b[8..10])?,
        hour: digits(&b[11..13])?,
        minute: digits(&b[14..16])?,
        second: digits(&b[17..19])?,
        millis,
        offset_minutes,
    };
    dt.is_plausible().then_some(dt)
}

/// Whether a date text is one of the forms writers use for "no date" (`0000:00:00 00:00:00`,
/// blanks, colons and spaces only): not worth a warning when it cannot be read.
pub fn is_unset(text: &str) -> bool {
    text.chars()
        .all(|c| matches!(c, '0' | ':' | '-' | ' ' | '\0' | 'T' | '.' | '/') || c.is_whitespace())
}

/// Milliseconds from the digits of a decimal fraction ("12" → 120, "123456" → 123), up to
/// the first NUL or blank.
pub fn fraction_millis(frac: &[u8]) -> Option<u32> {
    let end = frac
        .iter()
        .position(|&c| c == 0 || c == b' ')
        .unwrap_or(frac.len());
    let frac = &frac[..end];
    if frac.is_empty() || !frac.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut ms = 0;
    for i in 0..3 {
        ms = ms * 10 + frac.get(i).map_or(0, |&c| u32::from(c - b'0'));
    }
    Some(ms)
}

/// Parse EXIF `SubSecTime*` text ("12", "120", " 5") into milliseconds.
pub fn parse_subsec(text: &str) -> Option<u32> {
    fraction_millis(
        text.trim_matches(|c: char| c == '\0' || c.is_whitespace())
            .as_bytes(),
    )
}

/// Parse a UTC offset `+HH:MM` / `-HH:MM` / `+HHMM` / `+HH`, or `Z` / `GMT` / `UTC` / `UT`
/// (offset 0), into minutes east of UTC. Offsets beyond ±14:00 are refused.
pub fn parse_offset(text: &str) -> Option<i32> {
    let t = text.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    if matches!(t, "Z" | "z" | "GMT" | "UTC" | "UT") {
        return Some(0);
    }
    let b = t.as_bytes();
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (h, m) = match b.len() {
        6 if b[3] == b':' => (digits(&b[1..3])?, digits(&b[4..6])?),
        5 => (digits(&b[1..3])?, digits(&b[3..5])?),
        3 => (digits(&b[1..3])?, 0),
        _ => return None,
    };
    if h > 14 || m > 59 || h * 60 + m > 14 * 60 {
        return None;
    }
    Some(sign * (h * 60 + m) as i32)
}

/// Build a capture time from a date string plus optional sub-seconds and offset text, as EXIF
/// stores them. `None` when the date is missing or implausible, so the caller tries the next
/// source. A malformed sub-second or offset is dropped; the date still counts.
pub fn from_parts(
    datetime: &str,
    subsec: Option<&str>,
    offset: Option<&str>,
    source: &'static str,
) -> Option<CaptureTime> {
    let mut dt = parse_datetime(datetime)?;
    if let Some(ms) = subsec.and_then(parse_subsec) {
        dt.millis = Some(ms);
    }
    // The offset tag wins; else a zone written into the date string itself.
    if let Some(minutes) = offset.and_then(parse_offset) {
        dt.offset_minutes = Some(minutes);
    }
    dt.is_plausible().then(|| dt.capture_time(source))
}

/// How strong a capture-time source is (lower wins): what the camera wrote when it took the
/// picture (EXIF `DateTimeOriginal`, `CreateDate`), then XMP's copies of those, then dates only
/// maker notes or old APP12 blocks carry, then the container's own creation time, then
/// modification times, then the mtime.
pub fn rank(source: &str) -> u8 {
    match source {
        time_source::EXIF_ORIGINAL => 0,
        time_source::EXIF_DIGITIZED => 1,
        time_source::XMP_ORIGINAL => 2,
        time_source::XMP_DATE_CREATED => 3,
        time_source::XMP_CREATE => 4,
        time_source::MAKER_NOTE | time_source::PICTURE_INFO => 5,
        time_source::QUICKTIME_APPLE
        | time_source::RIFF_ORIGINAL
        | time_source::MATROSKA
        | time_source::PNG_TEXT => 6,
        time_source::QUICKTIME | time_source::RIFF_CREATED => 7,
        time_source::EXIF_MODIFIED => 8,
        time_source::PNG_MODIFIED => 9,
        _ => 10,
    }
}

/// Set `slot` to `offered` unless it already holds a capture time from a stronger (or equally
/// strong, found earlier) source.
pub fn offer(slot: &mut Option<CaptureTime>, offered: CaptureTime) {
    if slot
        .as_ref()
        .is_none_or(|c| rank(offered.source) < rank(c.source))
    {
        *slot = Some(offered);
    }
}

/// The last-resort capture time: the file's modification time.
///
/// Recorded as UTC with offset 0 rather than in the scanning machine's time zone: the result
/// then does not depend on where or when (DST) the scan ran, and it is exact as an instant,
/// which is all an mtime is. Viewers convert to local time for display.
pub fn from_mtime(mtime_ns: i64) -> CaptureTime {
    DateTime::from_unix_nanos(mtime_ns, 0).capture_time(time_source::FILE_MTIME)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exif_dates() {
        let dt = parse_datetime("2023:07:14 18:03:22").unwrap();
        assert_eq!(dt.to_iso(), "2023-07-14T18:03:22");
        assert_eq!(
            parse_datetime("2023-07-14T18:03:22.5\0").unwrap().to_iso(),
            "2023-07-14T18:03:22.500"
        );
        let dt = parse_datetime("2023:07:14 18:03:22+02:00").unwrap();
        assert_eq!(
            (dt.to_iso(), dt.offset_minutes),
            ("2023-07-14T18:03:22".into(), Some(120))
        );
    }

    /// Issue 14: EXIF strings with a zone in them (`+00:00`, a trailing `Z`) lost the zone.
    #[test]
    fn zones_inside_exif_strings() {
        for (text, iso, offset) in [
            ("2019:10:16 19:01:00+00:00", "2019-10-16T19:01:00", Some(0)),
            ("2019:10:16 19:01:00Z", "2019-10-16T19:01:00", Some(0)),
            (
                "2019:10:16 19:01:00 -05:00",
                "2019-10-16T19:01:00",
                Some(-300),
            ),
            (
                "2019:10:16 19:01:00.25+0530",
                "2019-10-16T19:01:00.250",
                Some(330),
            ),
            ("2019/10/16 19:01:00", "2019-10-16T19:01:00", None),
            (
                "2019-10-16T19:01:00.123456Z\0",
                "2019-10-16T19:01:00.123",
                Some(0),
            ),
        ] {
            let dt = parse_datetime(text).unwrap_or_else(|| panic!("{text:?}"));
            assert_eq!(
                (dt.to_iso().as_str(), dt.offset_minutes),
                (iso, offset),
                "{text:?}"
            );
        }
        assert!(parse_datetime("2019:10:16 19:01:00 PM").is_none());
        assert!(parse_datetime("2019:10:16 19:01:00+99:00").is_none());
        // An offset tag beats the zone in the string.
        let c = from_parts("2019:10:16 19:01:00Z", None, Some("+01:00"), "x").unwrap();
        assert_eq!(c.offset_minutes, Some(60));
        let c = from_parts("2019:10:16 19:01:00Z", None, None, "x").unwrap();
        assert_eq!(c.offset_minutes, Some(0));
        assert!(is_unset("0000:00:00 00:00:00") && is_unset("    :  :     :  :  "));
        assert!(!is_unset("2019:10:16 19:01:00 PM"));
    }

    #[test]
    fn rejects_impossible_dates() {
        for bad in [
            "0000:00:00 00:00:00",
            "2023:13:01 00:00:00",
            "2023:02:29 12:00:00",
            "1899:12:31 23:59:59",
            "1904:01:01 00:00:00",
            "2023:07:14 24:00:00",
            "2023:07:14 18:60:00",
            "    :  :     :  :  ",
            "2023:07:14",
            "2023/07-14 18:03:22",
            "",
        ] {
            assert!(parse_datetime(bad).is_none(), "{bad:?} accepted");
        }
        assert!(parse_datetime("2024:02:29 12:00:00").is_some(), "leap day");
        assert!(parse_datetime("1904:01:01 00:00:01").is_some());
    }

    #[test]
    fn rejects_the_future_beyond_a_day() {
        let now = now_unix_seconds();
        let (y, m, d) = civil_from_days(now.div_euclid(86_400) + 3);
        let future = format!("{y:04}:{m:02}:{d:02} 00:00:00");
        assert!(parse_datetime(&future).is_none());
        let (y, m, d) = civil_from_days(now.div_euclid(86_400));
        let today = format!("{y:04}:{m:02}:{d:02} 00:00:00");
        assert!(parse_datetime(&today).is_some());
    }

    #[test]
    fn subsec_and_offset() {
        assert_eq!(parse_subsec("12"), Some(120));
        assert_eq!(parse_subsec("5"), Some(500));
        assert_eq!(parse_subsec("123456"), Some(123));
        assert_eq!(parse_subsec("x"), None);
        assert_eq!(parse_offset("+02:00"), Some(120));
        assert_eq!(parse_offset("-05:30"), Some(-330));
        assert_eq!(parse_offset("+0545"), Some(345));
        assert_eq!(parse_offset("Z"), Some(0));
        assert_eq!(parse_offset(" GMT"), Some(0));
        assert_eq!(parse_offset("-05"), Some(-300));
        assert_eq!(parse_offset("+14:30"), None);
        assert_eq!(parse_offset("+25:00"), None);
        assert_eq!(parse_offset("   :  "), None);
        let c = from_parts(
            "2023:07:14 18:03:22",
            Some("12"),
            Some("+02:00"),
            time_source::EXIF_ORIGINAL,
        )
        .unwrap();
        assert_eq!(c.local, "2023-07-14T18:03:22.120");
        assert_eq!(c.offset_minutes, Some(120));
        assert_eq!(c.source, time_source::EXIF_ORIGINAL);
        // A broken offset is dropped, the date still counts.
        let c = from_parts("2023:07:14 18:03:22", None, Some("junk"), "x").unwrap();
        assert_eq!(c.offset_minutes, None);
        assert_eq!(c.local, "2023-07-14T18:03:22");
    }

    #[test]
    fn calendar_round_trip() {
        for days in [-800_000, -1, 0, 1, 11_016, 19_552, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn mtime_is_utc() {
        // 2023-07-14T16:03:22.120Z
        let ns = 1_689_350_602_120_000_000;
        let c = from_mtime(ns);
        assert_eq!(c.local, "2023-07-14T16:03:22.120");
        assert_eq!(c.offset_minutes, Some(0));
        assert_eq!(c.source, time_source::FILE_MTIME);
        let dt = DateTime::from_unix_nanos(ns - 120_000_000, 120);
        assert_eq!(dt.to_iso(), "2023-07-14T18:03:22");
        assert_eq!(from_mtime(-1_000_000_000).local, "1969-12-31T23:59:59");
    }
}
