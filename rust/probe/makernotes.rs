//! Capture times that only a maker note carries, where `ExifTool` reads them: the Reconyx trail
//! cameras (`HyperFire`, `UltraFire`, `HF2 PRO`), whose binary maker notes hold the time of the
//! trigger. Layouts follow `ExifTool`'s `Reconyx.pm`. Every read is bounds-checked; a maker note
//! that does not match is ignored.

use exif::{Exif, In, Tag, Value};

use super::capture_time::DateTime;
use super::source::le_u16;
use crate::probe::record::time_source;

/// The capture time in the maker note of a parsed EXIF blob, if it is one albumen reads.
pub fn capture_time(exif: &Exif) -> Option<(DateTime, &'static str)> {
    let field = exif.get_field(Tag::MakerNote, In::PRIMARY)?;
    let note = match &field.value {
        Value::Undefined(bytes, _) | Value::Byte(bytes) => bytes.as_slice(),
        _ => return None,
    };
    let make = exif
        .get_field(Tag::Make, In::PRIMARY)
        .and_then(super::exif::text)
        .unwrap_or_default();
    reconyx(note, &make).map(|t| (t, time_source::MAKER_NOTE))
}

/// A Reconyx maker note's `DateTimeOriginal`.
pub fn reconyx(note: &[u8], make: &str) -> Option<DateTime> {
    // (year, month, day, hour, minute, second)
    let parts: [u32; 6] = if note.starts_with(b"RECONYXUF\0") {
        // UltraFire: bytes at 0x3b: second, minute, hour, day, month, year (2 bytes, LE).
        let b = note.get(0x3b..0x3b + 7)?;
        let year = u32::from(b[5]) + u32::from(b[6]) * 256;
        [
            year,
            u32::from(b[4]),
            u32::from(b[3]),
            u32::from(b[2]),
            u32::from(b[1]),
            u32::from(b[0]),
        ]
    } else if note.starts_with(b"RECONYXH2\0") {
        // HF2 PRO: six little-endian words at 0x3e: second, minute, hour, day, month, year.
        let w = words(note, 0x3e)?;
        [w[5], w[4], w[3], w[2], w[1], w[0]]
    } else if note.starts_with(&[0x01, 0xf1])
        && (matches!(note.get(2..4), Some([2 | 3, 0])) || make == "RECONYX")
    {
        // HyperFire: six words at word 0x0b: second, minute, hour, month, day, year; some
        // cameras write them big-endian in an otherwise little-endian note.
        let mut w = words(note, 0x0b * 2)?;
        if w[0] & 0xff00 != 0 && w[0].trailing_zeros() >= 8 {
            for v in &mut w {
                *v = (*v >> 8) | ((*v & 0xff) << 8);
            }
        }
        [w[5], w[3], w[4], w[2], w[1], w[0]]
    } else {
        return None;
    };
    let [year, month, day, hour, minute, second] = parts;
    let dt = DateTime {
        year: year as i32,
        month,
        day,
        hour,
        minute,
        second,
        millis: None,
        offset_minutes: None,
    };
    dt.is_plausible().then_some(dt)
}

fn words(b: &[u8], at: usize) -> Option<[u32; 6]> {
    let mut out = [0u32; 6];
    for (i, v) in out.iter_mut().enumerate() {
        *v = u32::from(le_u16(b, at + 2 * i)?);
    }
    Some(out)
}

/// A Reconyx maker note of `kind` (1: `HyperFire`, 2: `UltraFire`, 3: `HF2 PRO`) holding a time
/// (tests and fixtures).
#[cfg(test)]
pub fn reconyx_note(kind: u8, t: [u16; 6]) -> Vec<u8> {
    let [year, month, day, hour, minute, second] = t;
    let mut note = vec![0u8; 0x80];
    let put = |note: &mut Vec<u8>, at: usize, v: &[u16]| {
        for (i, w) in v.iter().enumerate() {
            note[at + 2 * i..at + 2 * i + 2].copy_from_slice(&w.to_le_bytes());
        }
    };
    match kind {
        1 => {
            note[..4].copy_from_slice(&[0x01, 0xf1, 0x03, 0x00]);
            put(&mut note, 0x16, &[second, minute, hour, month, day, year]);
        }
        2 => {
            note[..10].copy_from_slice(b"RECONYXUF\0");
            let [lo, hi] = year.to_le_bytes();
            let b = [second, minute, hour, day, month].map(|v| v as u8);
            note[0x3b..0x3b + 5].copy_from_slice(&b);
            note[0x3b + 5] = lo;
            note[0x3b + 6] = hi;
        }
        _ => {
            note[..10].copy_from_slice(b"RECONYXH2\0");
            put(&mut note, 0x3e, &[second, minute, hour, day, month, year]);
        }
    }
    note
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_reconyx_layout() {
        for kind in 1..=3 {
            let note = reconyx_note(kind, [2019, 10, 16, 19, 1, 7]);
            let dt = reconyx(&note, "").unwrap_or_else(|| panic!("type {kind}"));
            assert_eq!(dt.to_iso(), "2019-10-16T19:01:07", "type {kind}");
            crate::probe::source::never_panics(&note, |src| reconyx(src.head(), "RECONYX"));
        }
        // Big-endian words in a HyperFire note.
        let mut note = reconyx_note(1, [2019, 10, 16, 19, 1, 7]);
        for i in 0..6 {
            note.swap(0x16 + 2 * i, 0x17 + 2 * i);
        }
        assert_eq!(reconyx(&note, "").unwrap().to_iso(), "2019-10-16T19:01:07");
        // A HyperFire header without the version bytes counts only with Make RECONYX.
        let mut note = reconyx_note(1, [2019, 10, 16, 19, 1, 7]);
        note[2] = 9;
        assert!(reconyx(&note, "Canon").is_none());
        assert!(reconyx(&note, "RECONYX").is_some());
        assert!(reconyx(b"Nikon\0\x02", "").is_none());
        assert!(reconyx(&reconyx_note(3, [0, 0, 0, 0, 0, 0]), "").is_none());
    }
}
