//! AVI (RIFF `AVI `): size, frame rate, frame count and duration from the `avih` main header
//! and the video stream's `strh`/`strf`, the codec, and the dates and camera fields the files
//! of compact cameras carry, as `ExifTool` reads them (`RIFF.pm`): `IDIT` (in `hdrl` or at the
//! top level), the `INFO` list (`ICRD`), the EXIF-in-RIFF `exif` list (`ecor`, `emdl`, `etim`),
//! an EXIF IFD in the stream's `strd` (`AVIF`, Fujifilm and others) and Nikon's `ncdt/nctg`
//! records. The `movi` list (the frames) is never read.

use super::capture_time::{self, DateTime};
use super::container::ContainerMeta;
use super::source::{le_u16, le_u32, Endian, Source};
use super::tiff::{classic_blob, Tiff};
use crate::probe::record::time_source;

/// Largest list read into memory (`hdrl` with its padding, `INFO`, Nikon's `ncdt`).
const MAX_LIST: u64 = 4 << 20;

/// The chunks inside a RIFF list body: `(fourcc, data)`, each padded to an even size.
pub struct Chunks<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Chunks<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Chunks { buf, pos: 0 }
    }
}

impl<'a> Iterator for Chunks<'a> {
    type Item = ([u8; 4], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let id: [u8; 4] = self.buf.get(self.pos..self.pos + 4)?.try_into().ok()?;
        let len = le_u32(self.buf, self.pos + 4)? as usize;
        let start = self.pos + 8;
        // A chunk that claims more than its list holds is cut to what is there.
        let end = start.saturating_add(len).min(self.buf.len());
        let data = self.buf.get(start..end)?;
        self.pos = end + (len & 1);
        Some((id, data))
    }
}

/// What one pass over the headers found.
#[derive(Default)]
struct Avi {
    us_per_frame: u32,
    total_frames: u32,
    size: Option<(u32, u32)>,
    /// The first video stream: handler fourcc, (rate, scale), length, BITMAPINFOHEADER size
    /// and compression.
    handler: Option<[u8; 4]>,
    rate: Option<(u32, u32)>,
    length: u32,
    bitmap_size: Option<(u32, u32)>,
    compression: Option<[u8; 4]>,
    video_seen: bool,
}

/// `RIFF` dates, as `ExifTool`'s `ConvertRIFFDate` reads them: `Mon Mar 10 15:04:43 2003`,
/// `2001/ 1/27  1:42PM` (Casio), `2005/11/28/ 09:19`, `2002-12-16  15:35:01` (Konica), or an
/// EXIF-style date.
pub fn parse_riff_date(text: &str) -> Option<DateTime> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let text = text.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    let parts: Vec<&str> = text.split_whitespace().collect();
    if parts.len() >= 5 {
        let month = MONTHS
            .iter()
            .position(|m| parts[1].eq_ignore_ascii_case(m))
            .map(|i| i as u32 + 1);
        if let Some(month) = month {
            let mut hms = parts[3].split(':');
            let mut num = || hms.next().and_then(|v| v.parse::<u32>().ok());
            let (hour, minute, second) = (num()?, num()?, num().unwrap_or(0));
            let dt = DateTime {
                year: parts[4].parse().ok()?,
                month,
                day: parts[2].parse().ok()?,
                hour,
                minute,
                second,
                millis: None,
                offset_minutes: None,
            };
            return Some(dt).filter(DateTime::is_plausible);
        }
    }
    // Numeric forms: pick the numbers out (years first), with an optional PM marker.
    let numeric = text.starts_with(|c: char| c.is_ascii_digit())
        && (text.contains('/') || text.get(4..5) == Some("-"));
    if numeric {
        let nums: Vec<u32> = text
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse().ok())
            .collect();
        // A date alone ("2005-08-17", as `ICRD` often holds): midnight of that day.
        if nums.len() == 3 && nums[0] >= 1000 {
            let dt = DateTime {
                year: nums[0] as i32,
                month: nums[1],
                day: nums[2],
                hour: 0,
                minute: 0,
                second: 0,
                millis: None,
                offset_minutes: None,
            };
            return Some(dt).filter(DateTime::is_plausible);
        }
        if nums.len() >= 5 && nums[0] >= 1000 {
            let pm = text.trim_end().ends_with(['P', 'p']) || text.contains("PM");
            let dt = DateTime {
                year: nums[0] as i32,
                month: nums[1],
                day: nums[2],
                hour: nums[3] + if pm && nums[3] < 12 { 12 } else { 0 },
                minute: nums[4],
                second: nums.get(5).copied().unwrap_or(0),
                millis: None,
                offset_minutes: None,
            };
            return Some(dt).filter(DateTime::is_plausible);
        }
    }
    capture_time::parse_datetime(text)
}

fn text(data: &[u8]) -> String {
    let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    String::from_utf8_lossy(&data[..end]).trim().to_string()
}

fn offer_date(out: &mut ContainerMeta, data: &[u8], source: &'static str, what: &str) {
    let t = text(data);
    match parse_riff_date(&t) {
        Some(dt) => out.more_times.push((dt, source)),
        None if !t.is_empty() && !capture_time::is_unset(&t) => {
            out.warnings.push(format!("unreadable AVI {what} {t:?}"));
        }
        None => {}
    }
}

fn fourcc(b: &[u8]) -> Option<[u8; 4]> {
    b.get(..4)?.try_into().ok()
}

fn stream_list(body: &[u8], avi: &mut Avi, out: &mut ContainerMeta) {
    let mut video = false;
    for (id, data) in Chunks::new(body) {
        match &id {
            b"strh" if data.get(..4) == Some(b"vids") && !avi.video_seen => {
                video = true;
                avi.video_seen = true;
                avi.handler = fourcc(data.get(4..).unwrap_or_default());
                if let (Some(scale), Some(rate)) = (le_u32(data, 20), le_u32(data, 24)) {
                    avi.rate = (rate > 0 && scale > 0).then_some((rate, scale));
                }
                avi.length = le_u32(data, 32).unwrap_or(0);
            }
            b"strf" if video => {
                let (w, h) = (le_u32(data, 4), le_u32(data, 8));
                if let (Some(w), Some(h)) = (w, h) {
                    // biHeight is negative for top-down bitmaps.
                    let h = (h as i32).unsigned_abs();
                    avi.bitmap_size = (w > 0 && h > 0).then_some((w, h));
                }
                avi.compression = fourcc(data.get(16..).unwrap_or_default());
            }
            // An EXIF IFD0 (little-endian, value offsets counted from the IFD itself) after an
            // 8-byte `AVIF` header, as `ExifTool` reads it: rewritten as a TIFF blob.
            b"strd" if data.starts_with(b"AVIF") && out.exif.is_none() => {
                let src = Source::from_bytes(data);
                let t = Tiff {
                    src: &src,
                    base: 8,
                    endian: Endian::Little,
                    first_ifd: 0,
                    big: false,
                };
                match t.ifd(0).and_then(|(ifd0, _)| classic_blob(&t, &ifd0)) {
                    Ok(blob) => out.exif = Some(blob),
                    Err(e) => out
                        .warnings
                        .push(format!("unreadable AVI stream EXIF: {e}")),
                }
            }
            _ => {}
        }
    }
}

fn header_list(body: &[u8], avi: &mut Avi, out: &mut ContainerMeta) {
    for (id, data) in Chunks::new(body) {
        match &id {
            b"avih" => {
                avi.us_per_frame = le_u32(data, 0).unwrap_or(0);
                avi.total_frames = le_u32(data, 16).unwrap_or(0);
                if let (Some(w), Some(h)) = (le_u32(data, 32), le_u32(data, 36)) {
                    avi.size = (w > 0 && h > 0).then_some((w, h));
                }
            }
            b"LIST" if data.get(..4) == Some(b"strl") => stream_list(&data[4..], avi, out),
            b"IDIT" => offer_date(out, data, time_source::RIFF_ORIGINAL, "IDIT"),
            _ => {}
        }
    }
}

/// Nikon's `nctg` records: little-endian (tag u16, size u16, data).
fn nikon_tags(data: &[u8], out: &mut ContainerMeta) {
    let mut pos = 0usize;
    while let (Some(tag), Some(size)) = (le_u16(data, pos), le_u16(data, pos + 2)) {
        let start = pos + 4;
        let Some(value) = data.get(start..start + usize::from(size)) else {
            break;
        };
        match tag {
            0x03 => out.make = Some(text(value)).filter(|s| !s.is_empty()),
            0x04 => out.model = Some(text(value)).filter(|s| !s.is_empty()),
            0x13 => offer_date(
                out,
                value,
                time_source::RIFF_ORIGINAL,
                "Nikon DateTimeOriginal",
            ),
            _ => {}
        }
        pos = start + usize::from(size);
    }
}

fn other_list(kind: &[u8], body: &[u8], out: &mut ContainerMeta) {
    for (id, data) in Chunks::new(body) {
        match (kind, &id) {
            (b"INFO", b"ICRD") => {
                // ExifTool turns dashes into colons: "2005-08-17" reads as a date.
                offer_date(out, data, time_source::RIFF_CREATED, "ICRD");
            }
            (b"INFO", b"IDIT") => offer_date(out, data, time_source::RIFF_ORIGINAL, "IDIT"),
            (b"exif", b"ecor") => out.make = Some(text(data)).filter(|s| !s.is_empty()),
            (b"exif", b"emdl") => out.model = Some(text(data)).filter(|s| !s.is_empty()),
            (b"exif", b"etim") => offer_date(out, data, time_source::RIFF_CREATED, "etim"),
            (b"ncdt", b"nctg") => nikon_tags(data, out),
            _ => {}
        }
    }
}

/// The codec name of an AVI video fourcc (as ffprobe names them; others lower-cased).
pub fn codec_name(fourcc: [u8; 4]) -> Option<String> {
    let raw: String = fourcc
        .iter()
        .map(|&c| if c.is_ascii_graphic() { c as char } else { ' ' })
        .collect();
    let raw = raw.trim().to_ascii_lowercase();
    let name = match raw.as_str() {
        "" => return None,
        "mjpg" | "avdj" | "dmb1" | "jpeg" | "mjpa" => "mjpeg",
        "xvid" | "divx" | "dx50" | "fmp4" | "mp4v" | "m4s2" => "mpeg4",
        "h264" | "x264" | "avc1" | "davc" => "h264",
        "hevc" | "h265" | "x265" | "hev1" | "hvc1" => "hevc",
        "div3" | "mp43" => "msmpeg4v3",
        "mp42" => "msmpeg4v2",
        "dvsd" | "dv25" | "dvhd" => "dvvideo",
        "mpg2" | "mpeg" => "mpeg2video",
        "vp80" => "vp8",
        "vp90" => "vp9",
        "av01" => "av1",
        "ffv1" => "ffv1",
        "dib" | "rgb" | "raw" => "rawvideo",
        other => return Some(other.to_string()),
    };
    Some(name.to_string())
}

pub fn parse(src: &Source) -> Result<ContainerMeta, String> {
    let head = src.read_upto(0, 12)?;
    if head.len() < 12 || &head[0..4] != b"RIFF" || &head[8..12] != b"AVI " {
        return Err("not an AVI file (bad RIFF header)".into());
    }
    let riff_end = (u64::from(le_u32(&head, 4).unwrap_or(0)) + 8).min(src.size());
    let mut out = ContainerMeta::default();
    let mut avi = Avi::default();
    let mut pos = 12u64;
    let mut hdrl_seen = false;
    for _ in 0..10_000 {
        if pos + 8 > riff_end {
            break;
        }
        let h = src.read(pos, 12.min(riff_end - pos))?;
        let id: [u8; 4] = h[0..4].try_into().map_err(|_| "short chunk")?;
        let len = u64::from(le_u32(&h, 4).ok_or("short chunk")?);
        let data_at = pos + 8;
        let list = (&id == b"LIST").then(|| h.get(8..12)).flatten();
        match (list, &id) {
            // The frames: skipped, never read.
            (Some(b"movi"), _) => {}
            (Some(kind), _) => {
                let body_len = len
                    .saturating_sub(4)
                    .min(riff_end.saturating_sub(data_at + 4));
                if body_len > MAX_LIST {
                    out.warnings.push(format!(
                        "AVI {} list of {len} bytes not read",
                        String::from_utf8_lossy(kind)
                    ));
                } else {
                    let body = src.read(data_at + 4, body_len)?;
                    if kind == b"hdrl" {
                        hdrl_seen = true;
                        header_list(&body, &mut avi, &mut out);
                    } else {
                        other_list(kind, &body, &mut out);
                    }
                }
            }
            (None, b"IDIT") if len <= 256 => {
                let d = src.read_upto(data_at, len)?;
                offer_date(&mut out, &d, time_source::RIFF_ORIGINAL, "IDIT");
            }
            _ => {}
        }
        pos = data_at.saturating_add(len).saturating_add(len & 1);
    }
    if !hdrl_seen {
        return Err("AVI without a header list (hdrl)".into());
    }
    let size = avi.size.or(avi.bitmap_size);
    if let Some((w, h)) = size {
        out.width = Some(w);
        out.height = Some(h);
    }
    // Duration as ExifTool computes it: frames × frame time from the main header, unless the
    // video stream's own count and rate give a duration 2–3 times shorter (files that count
    // the frames of several tracks in the main header).
    let header_duration = (avi.us_per_frame > 0)
        .then(|| f64::from(avi.total_frames) * f64::from(avi.us_per_frame) / 1e6);
    let stream_duration = avi
        .rate
        .filter(|_| avi.length > 0)
        .map(|(rate, scale)| f64::from(avi.length) * f64::from(scale) / f64::from(rate));
    out.duration = match (header_duration, stream_duration) {
        (Some(h), Some(s)) if s > 0.0 && (1.9..3.1).contains(&(h / s)) => Some(s),
        (Some(h), _) => Some(h),
        (None, s) => s,
    }
    .filter(|d| d.is_finite() && *d > 0.0);
    out.frame_rate = avi
        .rate
        .map(|(rate, scale)| f64::from(rate) / f64::from(scale))
        .or_else(|| (avi.us_per_frame > 0).then(|| 1e6 / f64::from(avi.us_per_frame)));
    out.codec = avi
        .handler
        .and_then(codec_name)
        .or_else(|| avi.compression.and_then(codec_name));
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::trivially_copy_pass_by_ref, clippy::similar_names)]

    use super::*;

    pub fn chunk(id: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut v = id.to_vec();
        v.extend_from_slice(&(data.len() as u32).to_le_bytes());
        v.extend_from_slice(data);
        if data.len() % 2 == 1 {
            v.push(0);
        }
        v
    }

    pub fn list(kind: &[u8; 4], chunks: &[Vec<u8>]) -> Vec<u8> {
        let body = [&kind[..], &chunks.concat()].concat();
        chunk(b"LIST", &body)
    }

    /// An AVI: 640×480, 30 frames at 15 fps (MJPG), with an `IDIT` date and an INFO list.
    pub fn avi(idit: &str) -> Vec<u8> {
        let mut avih = vec![0u8; 56];
        avih[0..4].copy_from_slice(&66_667u32.to_le_bytes());
        avih[16..20].copy_from_slice(&30u32.to_le_bytes());
        avih[24..28].copy_from_slice(&1u32.to_le_bytes());
        avih[32..36].copy_from_slice(&640u32.to_le_bytes());
        avih[36..40].copy_from_slice(&480u32.to_le_bytes());
        let mut strh = vec![0u8; 56];
        strh[0..4].copy_from_slice(b"vids");
        strh[4..8].copy_from_slice(b"MJPG");
        strh[20..24].copy_from_slice(&1u32.to_le_bytes());
        strh[24..28].copy_from_slice(&15u32.to_le_bytes());
        strh[32..36].copy_from_slice(&30u32.to_le_bytes());
        let mut strf = vec![0u8; 40];
        strf[0..4].copy_from_slice(&40u32.to_le_bytes());
        strf[4..8].copy_from_slice(&640u32.to_le_bytes());
        strf[8..12].copy_from_slice(&480u32.to_le_bytes());
        strf[16..20].copy_from_slice(b"MJPG");
        let hdrl = list(
            b"hdrl",
            &[
                chunk(b"avih", &avih),
                list(b"strl", &[chunk(b"strh", &strh), chunk(b"strf", &strf)]),
                chunk(b"IDIT", format!("{idit}\n\0").as_bytes()),
            ],
        );
        let info = list(b"INFO", &[chunk(b"ISFT", b"CanonMVI01\0")]);
        let movi = list(b"movi", &[chunk(b"00dc", &[0xff, 0xd8, 0xff, 0xd9])]);
        let body = [&b"AVI "[..], &hdrl, &info, &movi].concat();
        chunk(b"RIFF", &body)
    }

    #[test]
    fn reads_headers_and_idit() {
        let f = avi("SAT DEC 31 12:34:56 2005");
        let m = parse(&Source::from_bytes(&f)).unwrap();
        assert_eq!((m.width, m.height), (Some(640), Some(480)));
        assert!((m.duration.unwrap() - 2.0).abs() < 1e-3);
        assert_eq!(m.frame_rate, Some(15.0));
        assert_eq!(m.codec.as_deref(), Some("mjpeg"));
        let (t, source) = m.more_times[0];
        assert_eq!(
            (t.to_iso(), source),
            ("2005-12-31T12:34:56".into(), time_source::RIFF_ORIGINAL)
        );
        crate::probe::source::never_panics(&f, parse);
    }

    #[test]
    fn riff_date_forms() {
        for (text, iso) in [
            ("Mon Mar 10 15:04:43 2003", "2003-03-10T15:04:43"),
            ("2001/ 1/27  1:42PM", "2001-01-27T13:42:00"),
            ("2005/11/28/ 09:19", "2005-11-28T09:19:00"),
            ("2002-12-16  15:35:01\0\0", "2002-12-16T15:35:01"),
            ("2005:08:17 11:42:43", "2005-08-17T11:42:43"),
            ("2019-10-16\0", "2019-10-16T00:00:00"),
        ] {
            let dt = parse_riff_date(text).unwrap_or_else(|| panic!("{text:?}"));
            assert_eq!(dt.to_iso(), iso, "{text:?}");
        }
        assert!(parse_riff_date("Mon Foo 10 15:04:43 2003").is_none());
        assert!(parse_riff_date("").is_none());
        let m = parse(&Source::from_bytes(&avi("garbage date"))).unwrap();
        assert!(m.warnings[0].contains("IDIT"), "{:?}", m.warnings);
    }

    #[test]
    fn exif_in_strd_and_nikon_tags() {
        // strd: "AVIF" + 4 bytes, then a little-endian IFD with Make (offsets from chunk start).
        let mut strd = b"AVIF\0\0\0\0".to_vec();
        strd.extend_from_slice(&1u16.to_le_bytes());
        strd.extend_from_slice(&0x010fu16.to_le_bytes());
        strd.extend_from_slice(&2u16.to_le_bytes());
        strd.extend_from_slice(&9u32.to_le_bytes());
        strd.extend_from_slice(&18u32.to_le_bytes()); // from the IFD's start: just past it
        strd.extend_from_slice(&0u32.to_le_bytes());
        strd.extend_from_slice(b"FUJIFILM\0");
        let mut nctg = Vec::new();
        for (tag, v) in [(3u16, &b"NIKON\0"[..]), (0x13, b"2004:05:06 07:08:09\0")] {
            nctg.extend_from_slice(&tag.to_le_bytes());
            nctg.extend_from_slice(&(v.len() as u16).to_le_bytes());
            nctg.extend_from_slice(v);
        }
        let mut f = avi("");
        f.extend_from_slice(&list(b"ncdt", &[chunk(b"nctg", &nctg)]));
        let riff_len = (f.len() - 8) as u32;
        f[4..8].copy_from_slice(&riff_len.to_le_bytes());
        let m = parse(&Source::from_bytes(&f)).unwrap();
        assert_eq!(m.make.as_deref(), Some("NIKON"));
        assert_eq!(m.more_times[0].0.to_iso(), "2004-05-06T07:08:09");
        let mut rec = crate::probe::record::Record::default();
        let mut stream = Avi::default();
        let mut meta = ContainerMeta::default();
        stream_list(&chunk(b"strd", &strd), &mut stream, &mut meta);
        let blob = meta.exif.unwrap();
        crate::probe::exif::apply_exif(&blob.data, 0, &mut rec).unwrap();
        assert_eq!(rec.make.as_deref(), Some("FUJIFILM"));
    }
}
