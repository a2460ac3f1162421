//! JPEG: walk the markers from SOI to the first SOS, read EXIF from the first `APP1 Exif`
//! segment, the embedded previews from the first `APP2 MPF` segment and the pixel size from the
//! `SOFn` frame header, then check that the image data ends with an EOI marker (a file cut
//! short does not).
//!
//! The marker walk is written by hand: it is a dozen lines and reads only what it needs, while
//! image crates decode far more.

use super::Input;
use crate::probe::exif::apply_exif;
use crate::probe::mpf::{self, MPF_HEADER};
use crate::probe::record::Record;
use crate::probe::source::Source;

const EXIF_HEADER: &[u8] = b"Exif\0\0";
const XMP_HEADER: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";

/// How far past a stray byte [`next_marker`] looks for a marker.
const MAX_JUNK: u64 = 64 * 1024;

/// Where the next marker starts (an `0xFF` followed by a marker code, not by a stuffed `0x00`
/// or by more fill), looking at most [`MAX_JUNK`] bytes past `pos`; `None` if there is none.
fn next_marker(input: &Input<'_>, pos: u64) -> Result<Option<u64>, String> {
    let len = input.size.saturating_sub(pos).min(MAX_JUNK) as usize;
    let bytes = input.read_at(pos, len)?;
    Ok(bytes
        .windows(2)
        .position(|w| w[0] == 0xFF && !matches!(w[1], 0x00 | 0xFF))
        .map(|i| pos + i as u64))
}

/// Start-of-frame markers: C0–CF except DHT (C4), JPG (C8) and DAC (CC).
fn is_sof(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

pub fn probe(input: &Input<'_>, rec: &mut Record) -> Result<(), String> {
    if input.head.len() < 4 || input.head[..3] != [0xFF, 0xD8, 0xFF] {
        return Err("not a JPEG (no start-of-image marker)".into());
    }
    let mut pos: u64 = 2;
    let mut exif_seen = false;
    let mut mpf_seen = false;
    let mut sof_seen = false;
    let image_data_start = loop {
        if input.byte(pos).map_err(|e| truncated(&e))? != 0xFF {
            // libjpeg skips bytes that are not a marker ("extraneous bytes before marker"),
            // and so do Pillow and `ExifTool`: the file decodes, so it is a warning.
            let Some(next) = next_marker(input, pos)? else {
                return Err(format!("corrupt JPEG: no marker at byte {pos}"));
            };
            crate::probe::add_warning(
                rec,
                format!(
                    "corrupt JPEG: stray bytes before a marker ({} at byte {pos})",
                    next - pos
                ),
            );
            pos = next;
        }
        // Any number of 0xFF fill bytes may precede the marker code.
        let mut p = pos + 1;
        let mut marker = input.byte(p).map_err(|e| truncated(&e))?;
        while marker == 0xFF {
            p += 1;
            marker = input.byte(p).map_err(|e| truncated(&e))?;
        }
        let seg = p + 1;
        match marker {
            // Markers without a length.
            0x01 | 0xD0..=0xD8 => {
                pos = seg;
                continue;
            }
            0xD9 => return Err("corrupt JPEG: end of image before any image data".into()),
            _ => {}
        }
        let len_bytes = input.read_at(seg, 2).map_err(|e| truncated(&e))?;
        let len = u64::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
        if len < 2 {
            return Err(format!("corrupt JPEG: bad segment length at byte {seg}"));
        }
        if seg + len > input.size {
            return Err(format!(
                "truncated JPEG: segment 0x{marker:02X} at byte {p} runs past the end of the file"
            ));
        }
        let body = seg + 2;
        let body_len = (len - 2) as usize;
        if marker == 0xE1 && body_len > EXIF_HEADER.len() {
            let prefix = input.read_at(body, XMP_HEADER.len().min(body_len))?;
            if prefix.starts_with(EXIF_HEADER) && !exif_seen {
                exif_seen = true;
                let blob = input.read_at(body, body_len)?;
                let tiff_offset = body + EXIF_HEADER.len() as u64;
                if let Err(e) = apply_exif(&blob[EXIF_HEADER.len()..], tiff_offset, rec) {
                    // The picture is sound; only its metadata cannot be read (as `ExifTool`'s
                    // "Malformed APP1 EXIF segment" warning).
                    crate::probe::add_warning(rec, e);
                }
            } else if *prefix == *XMP_HEADER {
                let blob = input.read_at(body, body_len)?;
                crate::probe::xmp::apply(&blob[XMP_HEADER.len()..], rec);
            }
        } else if marker == 0xEC && body_len > 0 {
            let blob = input.read_at(body, body_len)?;
            picture_info(&blob, rec);
        } else if marker == 0xE2 && !mpf_seen && body_len > MPF_HEADER.len() + 8 {
            let prefix = input.read_at(body, MPF_HEADER.len())?;
            if *prefix == *MPF_HEADER {
                mpf_seen = true;
                let segment = input.read_at(body, body_len)?;
                let header_at = body + MPF_HEADER.len() as u64;
                let src = Source::from_input(input);
                mpf::add_previews(&src, header_at, &segment[MPF_HEADER.len()..], rec);
            }
        } else if is_sof(marker) {
            let frame = input.read_at(body, 5).map_err(|e| truncated(&e))?;
            let height = u32::from(u16::from_be_bytes([frame[1], frame[2]]));
            let width = u32::from(u16::from_be_bytes([frame[3], frame[4]]));
            if width == 0 {
                return Err("corrupt JPEG: frame header says the width is 0".into());
            }
            rec.width = Some(width);
            // Height 0 means "defined later by a DNL marker"; leave it unknown.
            rec.height = (height > 0).then_some(height);
            sof_seen = true;
        } else if marker == 0xDA {
            if !sof_seen {
                return Err("corrupt JPEG: image data before the frame header".into());
            }
            break seg + len;
        }
        pos = seg + len;
    };
    if !ends_with_eoi(input, image_data_start) {
        return Err("truncated JPEG: the image data has no end-of-image marker".into());
    }
    Ok(())
}

/// The APP12 "Picture Info" block of older compact cameras (Agfa, Olympus, Polaroid, ...):
/// ASCII `key=value` pairs. As `ExifTool` reads it: `TimeDate` (Unix seconds of the camera's
/// clock, i.e. local time, or a date text) is the `DateTimeOriginal`; `FNumber` and `Shutter`
/// (microseconds) fill those fields when the EXIF has none. Photoshop's "Ducky" APP12 is not
/// picture info.
fn picture_info(block: &[u8], rec: &mut Record) {
    use crate::probe::capture_time::{self, DateTime};
    use crate::probe::record::time_source;
    if block.starts_with(b"Ducky") {
        return;
    }
    for (key, value) in picture_info_pairs(block) {
        match key {
            "TimeDate" => {
                let time = match value.parse::<i64>() {
                    Ok(secs) if value.bytes().all(|b| b.is_ascii_digit()) => secs
                        .checked_mul(1_000_000_000)
                        .map(|ns| DateTime {
                            offset_minutes: None,
                            ..DateTime::from_unix_nanos(ns, 0)
                        })
                        .filter(DateTime::is_plausible),
                    _ => capture_time::parse_datetime(value),
                };
                match time {
                    Some(t) => capture_time::offer(
                        &mut rec.captured,
                        t.capture_time(time_source::PICTURE_INFO),
                    ),
                    None => crate::probe::add_warning(
                        rec,
                        format!("unreadable APP12 TimeDate {value:?}"),
                    ),
                }
            }
            "FNumber" if rec.f_number.is_none() => {
                let digits =
                    value.trim_start_matches(|c: char| c.is_ascii_alphabetic() || c == ' ');
                rec.f_number = digits
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v > 0.0);
            }
            "Shutter" | "shtr" if rec.exposure_time.is_none() => {
                rec.exposure_time = value
                    .parse::<f64>()
                    .ok()
                    .map(|us| us * 1e-6)
                    .filter(|v| v.is_finite() && *v > 0.0);
            }
            _ => {}
        }
    }
}

/// The `key=value` pairs of a Picture Info block: pairs are separated by line ends, NULs or a
/// blank before the next `key=`; section headers (`[Camera Info]`) are skipped.
fn picture_info_pairs(block: &[u8]) -> Vec<(&str, &str)> {
    let is_key = |w: &str| {
        w.split_once('=').is_some_and(|(k, _)| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '#' | '-'))
        })
    };
    let mut out = Vec::new();
    for line in block.split(|&b| matches!(b, b'\r' | b'\n' | 0)) {
        let Ok(line) = std::str::from_utf8(line) else {
            continue;
        };
        let mut pair: Option<(usize, usize)> = None; // byte range of the current pair
        let mut pos = 0;
        for word in line.split(' ') {
            let start = pos;
            pos += word.len() + 1;
            if word.starts_with('[') {
                continue;
            }
            if is_key(word) {
                if let Some((a, b)) = pair.take() {
                    out.push(&line[a..b]);
                }
                pair = Some((start, start + word.len()));
            } else if let Some((_, b)) = pair.as_mut() {
                if !word.is_empty() {
                    *b = start + word.len();
                }
            }
        }
        if let Some((a, b)) = pair {
            out.push(&line[a..b]);
        }
    }
    out.into_iter()
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k, v.trim()))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

fn truncated(reason: &str) -> String {
    format!("truncated JPEG: {reason}")
}

/// Whether the image data ends with an EOI marker, i.e. the file was not cut short.
///
/// Entropy-coded data cannot contain `FF D9`, and in it every `FF` is followed by `00` (a
/// stuffed byte), a restart marker `D0`–`D7` or another `FF`. So:
/// - an EOI in the last 64 KiB after the start of the image data: complete;
/// - files that carry a long trailer after the JPEG (Google Motion Photos, Samsung's `SEFT`
///   trailer) are recognised and not flagged;
/// - no EOI, and those 64 KiB hold all the image data, or look like entropy-coded data: the
///   file was cut inside its image data (a progressive JPEG's later scans also pass this way);
/// - otherwise the file ends with something that is not image data (zero padding, as cameras
///   and disk-recovery tools leave, or any other trailer): the EOI is looked for backwards from
///   there, so a complete JPEG followed by padding is complete, and one cut short and then
///   padded (a preallocated download) is not.
fn ends_with_eoi(input: &Input<'_>, image_data_start: u64) -> bool {
    let tail_start = input.size - input.tail.len() as u64;
    let from = image_data_start.saturating_sub(tail_start) as usize;
    let window = input.tail.get(from..).unwrap_or(&[]);
    if has_eoi(window) {
        return true;
    }
    if input.tail.ends_with(b"SEFT") {
        return true;
    }
    let head_meta = &input.head[..(image_data_start as usize).min(input.head.len())];
    let motion = [&b"MotionPhoto"[..], b"MicroVideo"]
        .iter()
        .any(|needle| head_meta.windows(needle.len()).any(|w| w == *needle));
    if motion {
        return true;
    }
    if image_data_start >= tail_start || looks_like_entropy_data(window) {
        return false;
    }
    eoi_before(input, image_data_start, tail_start)
}

fn has_eoi(bytes: &[u8]) -> bool {
    bytes.windows(2).any(|w| w == [0xFF, 0xD9])
}

/// Whether `bytes` could be a stretch of entropy-coded data: some stuffed `FF 00` pairs and no
/// `FF` followed by anything but `00`, a restart marker or fill.
fn looks_like_entropy_data(bytes: &[u8]) -> bool {
    let mut stuffed = false;
    for w in bytes.windows(2) {
        if w[0] == 0xFF {
            match w[1] {
                0x00 => stuffed = true,
                0xD0..=0xD7 | 0xFF => {}
                _ => return false,
            }
        }
    }
    stuffed
}

/// Whether an EOI lies in `[start, end)`, read backwards from `end` in 64 KiB steps (the
/// marker closest to the end is found first; at most [`super::source::MAX_READ`] bytes).
fn eoi_before(input: &Input<'_>, start: u64, end: u64) -> bool {
    const STEP: u64 = 64 * 1024;
    let stop = start.max(end.saturating_sub(super::source::MAX_READ));
    let mut hi = end;
    while hi > stop {
        let lo = hi.saturating_sub(STEP).max(stop);
        // One byte past `hi` so a marker split across two steps is seen.
        let len = (hi - lo + 1).min(input.size - lo) as usize;
        match input.read_at(lo, len) {
            Ok(bytes) if has_eoi(&bytes) => return true,
            Ok(_) => hi = lo,
            Err(_) => return false,
        }
    }
    false
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::probe_path;
    use super::*;
    use crate::probe::exif::tests::{tiff_blob, Spec};
    use crate::probe::record::time_source;
    use std::fs;
    use std::path::Path;

    fn segment(out: &mut Vec<u8>, marker: u8, body: &[u8]) {
        out.extend_from_slice(&[0xFF, marker]);
        out.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(body);
    }

    /// A minimal baseline JPEG: SOI, optional APP1 Exif, optional padding APP segments,
    /// SOF0, SOS, `scan_len` bytes of "entropy data", EOI.
    pub(crate) fn jpeg_bytes(
        width: u16,
        height: u16,
        exif: Option<&[u8]>,
        padding_segments: usize,
        scan_len: usize,
    ) -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8];
        segment(&mut out, 0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        if let Some(tiff) = exif {
            let mut body = EXIF_HEADER.to_vec();
            body.extend_from_slice(tiff);
            segment(&mut out, 0xE1, &body);
        }
        for i in 0..padding_segments {
            segment(&mut out, 0xE2, &vec![i as u8; 60_000]);
        }
        let mut sof = vec![8];
        sof.extend_from_slice(&height.to_be_bytes());
        sof.extend_from_slice(&width.to_be_bytes());
        sof.extend_from_slice(&[1, 1, 0x11, 0]);
        segment(&mut out, 0xC0, &sof);
        segment(&mut out, 0xDA, &[1, 1, 0, 0, 63, 0]);
        out.extend((0..scan_len).map(|i| (i % 200) as u8 + 1));
        out.extend_from_slice(&[0xFF, 0xD9]);
        out
    }

    fn probe_bytes(name: &str, data: &[u8]) -> Record {
        let t = tempfile::tempdir().unwrap();
        fs::write(t.path().join(name), data).unwrap();
        probe_path(t.path(), Path::new(name))
    }

    #[test]
    fn reads_sof_and_exif() {
        let tiff = tiff_blob(
            &Spec {
                orientation: Some(1),
                original: Some("2023:07:14 18:03:22"),
                ..Spec::default()
            },
            true,
        );
        let rec = probe_bytes("a.jpg", &jpeg_bytes(640, 480, Some(&tiff), 0, 1000));
        assert_eq!(rec.error, None);
        assert_eq!((rec.width, rec.height), (Some(640), Some(480)));
        assert_eq!(
            (rec.display_width, rec.display_height),
            (Some(640), Some(480))
        );
        assert_eq!(rec.model.as_deref(), Some("Canon EOS R5"));
        assert_eq!(rec.captured.unwrap().source, time_source::EXIF_ORIGINAL);
        assert_eq!(rec.id.as_deref().map(str::len), Some(32));
    }

    /// Issue 14 (Pillow's `junk_jpeg_header.jpg`): "hello" between two segments. Before:
    /// "corrupt JPEG: no marker at byte 81" and no size; libjpeg, Pillow and `ExifTool` skip it.
    #[test]
    fn stray_bytes_between_segments_are_skipped_with_a_warning() {
        let good = jpeg_bytes(640, 480, None, 0, 100);
        let sof = good.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        let junk = [&good[..sof], b"hello\0\xFF\0", &good[sof..]].concat();
        let rec = probe_bytes("junk.jpg", &junk);
        assert_eq!(rec.error, None);
        assert_eq!((rec.width, rec.height), (Some(640), Some(480)));
        assert!(rec
            .warnings
            .unwrap()
            .contains("stray bytes before a marker (8 at byte"));
        // Nothing but junk after the last segment stays an error.
        let mut cut = good[..sof].to_vec();
        cut.extend_from_slice(&[0x55; 300]);
        assert!(probe_bytes("cut.jpg", &cut)
            .error
            .unwrap()
            .contains("no marker"));
    }

    #[test]
    fn orientation_swaps_display_size() {
        for o in 1..=8u16 {
            let tiff = tiff_blob(
                &Spec {
                    orientation: Some(o),
                    ..Spec::default()
                },
                o % 2 == 0,
            );
            let rec = probe_bytes("o.jpg", &jpeg_bytes(400, 300, Some(&tiff), 0, 100));
            assert_eq!(rec.orientation, Some(o));
            assert_eq!((rec.width, rec.height), (Some(400), Some(300)));
            let expect = if o >= 5 { (300, 400) } else { (400, 300) };
            assert_eq!(
                (rec.display_width.unwrap(), rec.display_height.unwrap()),
                expect,
                "orientation {o}"
            );
        }
    }

    #[test]
    fn sof_beyond_the_head_and_large_files() {
        // Three 60 KB APP2 segments push SOF past the first 64 KiB; the file is > 128 KiB.
        let data = jpeg_bytes(4000, 3000, None, 3, 200_000);
        assert!(data.len() > 300_000);
        let rec = probe_bytes("big.JPEG", &data);
        assert_eq!(rec.error, None);
        assert_eq!((rec.width, rec.height), (Some(4000), Some(3000)));
        assert_eq!(rec.captured.unwrap().source, time_source::FILE_MTIME);
    }

    #[test]
    fn thumbnail_offset_points_into_the_file() {
        let thumb = [0xFF, 0xD8, 0xFF, 0xD9, 1, 2, 3, 4];
        let tiff = tiff_blob(
            &Spec {
                thumbnail: Some(&thumb),
                ..Spec::default()
            },
            true,
        );
        let data = jpeg_bytes(10, 10, Some(&tiff), 0, 10);
        let rec = probe_bytes("t.jpg", &data);
        let (off, len) = (
            rec.preview_offset.unwrap() as usize,
            rec.preview_length.unwrap() as usize,
        );
        assert_eq!(&data[off..off + len], &thumb);
    }

    #[test]
    fn exif_thumbnail_is_a_preview_with_its_size() {
        let thumb = crate::probe::preview::tests::tiny_jpeg(160, 120, 8);
        let tiff = tiff_blob(
            &Spec {
                thumbnail: Some(&thumb),
                ..Spec::default()
            },
            false,
        );
        let data = jpeg_bytes(640, 480, Some(&tiff), 0, 10);
        let rec = probe_bytes("t.jpg", &data);
        assert_eq!(rec.previews.len(), 1);
        let p = rec.previews[0];
        assert_eq!((p.kind, p.width, p.height), ("exif", 160, 120));
        assert_eq!(Some(p.offset), rec.preview_offset);
        assert_eq!(&data[p.offset as usize..][..p.length as usize], &thumb[..]);
    }

    /// A camera-like JPEG: APP2 MPF listing a large thumbnail, the primary image, then the
    /// preview JPEG appended after its EOI (as cameras write it).
    pub(crate) fn mpf_jpeg(preview: &[u8], attr: u32) -> Vec<u8> {
        use crate::probe::mpf::tests::mp_header;
        let primary = jpeg_bytes(4000, 3000, None, 0, 2000);
        let build = |preview_rel: u32, primary_len: u32| {
            let mut out = primary[..2].to_vec();
            let mut body = MPF_HEADER.to_vec();
            body.extend(mp_header(
                &[
                    (0x2003_0000, primary_len, 0),
                    (attr, preview.len() as u32, preview_rel),
                ],
                false,
            ));
            segment(&mut out, 0xE2, &body);
            out.extend_from_slice(&primary[2..]);
            out
        };
        let len = build(0, 0).len() as u32;
        // The MP header starts after SOI (2), the APP2 marker and length (4) and `MPF\0` (4).
        let mut file = build(len - 10, len);
        file.extend_from_slice(preview);
        file
    }

    #[test]
    fn mpf_large_thumbnail_is_a_preview() {
        let preview = crate::probe::preview::tests::tiny_jpeg(1920, 1440, 20);
        let data = mpf_jpeg(&preview, 0x0001_0002);
        let rec = probe_bytes("mpf.jpg", &data);
        assert_eq!(rec.error, None);
        assert_eq!((rec.width, rec.height), (Some(4000), Some(3000)));
        assert_eq!(rec.previews.len(), 1);
        let p = rec.previews[0];
        assert_eq!((p.kind, p.width, p.height), ("mpf", 1920, 1440));
        assert_eq!(
            &data[p.offset as usize..][..p.length as usize],
            &preview[..]
        );
        // A gain map (MP type "undefined") is not a preview.
        let rec = probe_bytes("gain.jpg", &mpf_jpeg(&preview, 0));
        assert!(rec.previews.is_empty());
        // An index pointing past the end of the file, or at bytes that are no JPEG: no preview,
        // and no error (the main image is fine).
        let cut = &data[..data.len() - 50];
        let rec = probe_bytes("cut.jpg", cut);
        assert!(rec.previews.is_empty());
        let mut garbage = data.clone();
        let at = garbage.len() - preview.len();
        garbage[at] = 0;
        let rec = probe_bytes("garbage.jpg", &garbage);
        assert!(rec.previews.is_empty());
        assert_eq!(rec.error, None);
    }

    #[test]
    fn mpf_truncations_and_bit_flips_never_panic() {
        let preview = crate::probe::preview::tests::tiny_jpeg(192, 144, 4);
        let data = mpf_jpeg(&preview, 0x0001_0001);
        let t = tempfile::tempdir().unwrap();
        let check = |bytes: &[u8]| {
            fs::write(t.path().join("f.jpg"), bytes).unwrap();
            let rec = probe_path(t.path(), Path::new("f.jpg"));
            let err = rec.error.unwrap_or_default();
            assert!(!err.contains("panic"), "{err}");
        };
        // Every cut through the headers and the preview, and bit flips in the MPF segment.
        let mpf_end = 80;
        for cut in (0..mpf_end).chain(data.len() - preview.len()..data.len()) {
            check(&data[..cut]);
        }
        let mut seed = 0x2545_f491_u32;
        for _ in 0..1500 {
            let mut f = data.clone();
            for _ in 0..3 {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let i = (seed >> 8) as usize % mpf_end;
                f[i] ^= 1 << (seed % 8);
            }
            check(&f);
        }
    }

    #[test]
    fn truncated_files_are_errors() {
        let tiff = tiff_blob(
            &Spec {
                original: Some("2020:05:06 07:08:09"),
                ..Spec::default()
            },
            true,
        );
        let data = jpeg_bytes(640, 480, Some(&tiff), 0, 300_000);
        // Cut in the image data: size and EXIF known, the error says truncated.
        let rec = probe_bytes("cut.jpg", &data[..data.len() / 2]);
        let err = rec.error.unwrap();
        assert!(err.contains("truncated JPEG"), "{err}");
        assert_eq!(rec.width, Some(640));
        assert_eq!(rec.captured.unwrap().source, time_source::EXIF_ORIGINAL);
        // Cut in the headers.
        let rec = probe_bytes("head.jpg", &data[..40]);
        assert!(rec.error.unwrap().contains("truncated JPEG"));
        // Small file cut just before EOI.
        let small = jpeg_bytes(8, 8, None, 0, 500);
        let rec = probe_bytes("s.jpg", &small[..small.len() - 2]);
        assert!(rec.error.unwrap().contains("no end-of-image"));
    }

    #[test]
    /// An `Exif` segment that cannot be parsed, in a sound picture, is a warning (as
    /// `ExifTool`'s "Malformed APP1 EXIF segment"); it was an error, which made Pillow's
    /// `multiple_exif.jpg` and `jfif_unit_cm.jpg` failed files of a scan (issue 14).
    fn garbage_exif_keeps_the_rest() {
        let mut data = vec![0xFF, 0xD8];
        segment(&mut data, 0xE1, b"Exif\0\0garbage that is no TIFF");
        let rest = jpeg_bytes(32, 16, None, 0, 10);
        data.extend_from_slice(&rest[2..]);
        let rec = probe_bytes("g.jpg", &data);
        assert_eq!(rec.error, None);
        let warnings = rec.warnings.unwrap();
        assert!(warnings.contains("unreadable EXIF"), "{warnings}");
        assert_eq!((rec.width, rec.height), (Some(32), Some(16)));
        assert_eq!(rec.captured.unwrap().source, time_source::FILE_MTIME);
    }

    #[test]
    fn not_a_jpeg() {
        let rec = probe_bytes("fake.jpg", b"PNG? no, just text pretending to be a photo");
        assert!(rec.error.unwrap().contains("not a JPEG"));
        assert_eq!(rec.id.as_deref().map(str::len), Some(32));
    }

    #[test]
    fn motion_photo_trailer_is_not_truncation() {
        let mut data = vec![0xFF, 0xD8];
        segment(
            &mut data,
            0xE1,
            b"http://ns.adobe.com/xap/1.0/\0<x GCamera:MotionPhoto=\"1\"/>",
        );
        let rest = jpeg_bytes(32, 16, None, 0, 10);
        data.extend_from_slice(&rest[2..]);
        data.extend(std::iter::repeat_n(0x42, 200_000));
        assert_eq!(probe_bytes("mp.jpg", &data).error, None);
        let plain = jpeg_bytes(32, 16, None, 0, 10);
        let mut trailer = plain.clone();
        trailer.extend(std::iter::repeat_n(0x42, 200_000));
        assert_eq!(probe_bytes("tr.jpg", &trailer).error, None);
        trailer.extend_from_slice(b"SEFT");
        assert_eq!(probe_bytes("sam.jpg", &trailer).error, None);
    }

    /// A JPEG whose only metadata segments are `extra` (marker, body) pairs.
    fn with_segments(extra: &[(u8, Vec<u8>)]) -> Vec<u8> {
        let mut data = vec![0xFF, 0xD8];
        for (marker, body) in extra {
            segment(&mut data, *marker, body);
        }
        let rest = jpeg_bytes(32, 16, None, 0, 10);
        data.extend_from_slice(&rest[2..]);
        data
    }

    /// Issue 14: dates only in an APP12 "Picture Info" block (older compact cameras).
    #[test]
    fn app12_picture_info() {
        let info = b"[picture info]\r\nTimeDate=966600000\r\nShutter=8000\r\nFNumber=F2.8\r\n\
                     Type=SR-2288 ID=0 Resolution=3\r\n\0";
        let rec = probe_bytes("agfa.jpg", &with_segments(&[(0xEC, info.to_vec())]));
        assert_eq!(rec.error, None);
        let c = rec.captured.unwrap();
        assert_eq!(
            (c.local.as_str(), c.offset_minutes, c.source),
            ("2000-08-18T12:00:00", None, time_source::PICTURE_INFO)
        );
        assert_eq!(rec.f_number, Some(2.8));
        assert_eq!(rec.exposure_time, Some(0.008));
        assert_eq!(
            picture_info_pairs(b"[Camera Info]\nType=Olympus D-340R Version=1.0\nID=ab cd"),
            vec![
                ("Type", "Olympus D-340R"),
                ("Version", "1.0"),
                ("ID", "ab cd")
            ]
        );
        // EXIF DateTimeOriginal wins over it.
        let tiff = tiff_blob(
            &Spec {
                original: Some("2001:02:03 04:05:06"),
                ..Spec::default()
            },
            true,
        );
        let mut exif = EXIF_HEADER.to_vec();
        exif.extend_from_slice(&tiff);
        let rec = probe_bytes(
            "both.jpg",
            &with_segments(&[(0xEC, info.to_vec()), (0xE1, exif)]),
        );
        assert_eq!(rec.captured.unwrap().source, time_source::EXIF_ORIGINAL);
        let rec = probe_bytes(
            "bad.jpg",
            &with_segments(&[(0xEC, b"TimeDate=yesterday".to_vec())]),
        );
        assert!(rec.warnings.unwrap().contains("TimeDate"));
        assert_eq!(rec.error, None);
        let rec = probe_bytes(
            "ducky.jpg",
            &with_segments(&[(0xEC, b"Ducky\0\x01".to_vec())]),
        );
        assert_eq!(rec.captured.unwrap().source, time_source::FILE_MTIME);
    }

    #[test]
    fn xmp_only_dates() {
        let mut app1 = XMP_HEADER.to_vec();
        app1.extend(crate::probe::xmp::tests::packet(
            "photoshop:DateCreated=\"2019-10-16T19:01:00+01:00\" tiff:Make=\"Scanner Co\"",
            "",
        ));
        let rec = probe_bytes("scan.jpg", &with_segments(&[(0xE1, app1)]));
        let c = rec.captured.unwrap();
        assert_eq!(
            (c.local.as_str(), c.offset_minutes, c.source),
            (
                "2019-10-16T19:01:00",
                Some(60),
                time_source::XMP_DATE_CREATED
            )
        );
        assert_eq!(rec.make.as_deref(), Some("Scanner Co"));
    }

    /// Issue 14: trail cameras that keep the time only in their maker note.
    #[test]
    fn reconyx_maker_note_date() {
        use exif::experimental::Writer;
        use exif::{Field, In, Tag, Value};
        let note = crate::probe::makernotes::reconyx_note(3, [2019, 10, 16, 19, 1, 7]);
        let fields = [
            Field {
                tag: Tag::Make,
                ifd_num: In::PRIMARY,
                value: Value::Ascii(vec![b"RECONYX".to_vec()]),
            },
            Field {
                tag: Tag::MakerNote,
                ifd_num: In::PRIMARY,
                value: Value::Undefined(note, 0),
            },
        ];
        let mut w = Writer::new();
        for f in &fields {
            w.push_field(f);
        }
        let mut tiff = std::io::Cursor::new(Vec::new());
        w.write(&mut tiff, true).unwrap();
        let mut exif = EXIF_HEADER.to_vec();
        exif.extend_from_slice(&tiff.into_inner());
        let rec = probe_bytes("trail.jpg", &with_segments(&[(0xE1, exif)]));
        let c = rec.captured.unwrap();
        assert_eq!(
            (c.local.as_str(), c.source),
            ("2019-10-16T19:01:07", time_source::MAKER_NOTE)
        );
    }

    /// Issue 14: a complete JPEG followed by zero padding (more than the 64 KiB tail) was
    /// called truncated.
    #[test]
    fn zero_padding_after_eoi_is_not_truncation() {
        for (scan_len, padding) in [(10, 200_000), (300_000, 70_000), (300_000, 5_000_000)] {
            let mut data = jpeg_bytes(640, 480, None, 0, scan_len);
            data.extend(std::iter::repeat_n(0, padding));
            let rec = probe_bytes("padded.jpg", &data);
            assert_eq!(rec.error, None, "{scan_len} + {padding}");
            assert_eq!(rec.width, Some(640));
        }
        // Other trailing bytes after the EOI (a trailer some writer appended).
        let mut data = jpeg_bytes(640, 480, None, 0, 300_000);
        data.extend((0..150_000u32).map(|i| (i % 251) as u8));
        assert_eq!(probe_bytes("trailer.jpg", &data).error, None);
    }

    #[test]
    fn cut_short_then_padded_is_still_truncated() {
        // A preallocated download that stopped: image data cut, then zeros to the full size.
        let full = jpeg_bytes(640, 480, None, 0, 300_000);
        let mut data = full[..200_000].to_vec();
        data.extend(std::iter::repeat_n(0, 150_000));
        let err = probe_bytes("prealloc.jpg", &data).error.unwrap();
        assert!(err.contains("truncated JPEG"), "{err}");
        // Cut inside real-looking entropy data (stuffed FF 00 pairs): decided from the tail.
        let mut data = jpeg_bytes(640, 480, None, 0, 0);
        data.truncate(data.len() - 2);
        data.extend((0..300_000u32).map(|i| {
            if i % 300 == 0 {
                0xFF
            } else if i % 300 == 1 {
                0
            } else {
                (i % 200) as u8 + 1
            }
        }));
        let err = probe_bytes("cut.jpg", &data).error.unwrap();
        assert!(err.contains("truncated JPEG"), "{err}");
    }
}
