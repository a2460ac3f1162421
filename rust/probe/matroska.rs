//! Matroska and `WebM` (EBML): the video track's pixel size, codec and frame rate, the segment's
//! duration and `DateUTC`, and a `DATE_RECORDED` tag, as `ExifTool`'s `Matroska.pm` reads them.
//! Elements are walked header by header from the start of the segment; clusters (the frames)
//! are never read: the walk stops at the first one and jumps through the `SeekHead` to
//! anything it has not seen yet (tags are often written after the clusters).

use super::capture_time::DateTime;
use super::container::ContainerMeta;
use super::source::Source;
use super::timefmt;
use crate::probe::record::time_source;

/// The first four bytes of every EBML file (the EBML header's ID).
pub const EBML_MAGIC: [u8; 4] = [0x1a, 0x45, 0xdf, 0xa3];

const EBML: u32 = 0x1a45_dfa3;
const DOC_TYPE: u32 = 0x4282;
const SEGMENT: u32 = 0x1853_8067;
const SEEK_HEAD: u32 = 0x114d_9b74;
const SEEK: u32 = 0x4dbb;
const SEEK_ID: u32 = 0x53ab;
const SEEK_POSITION: u32 = 0x53ac;
const INFO: u32 = 0x1549_a966;
const TIMECODE_SCALE: u32 = 0x2a_d7b1;
const DURATION: u32 = 0x4489;
const DATE_UTC: u32 = 0x4461;
const TRACKS: u32 = 0x1654_ae6b;
const TRACK_ENTRY: u32 = 0xae;
const TRACK_TYPE: u32 = 0x83;
const CODEC_ID: u32 = 0x86;
const DEFAULT_DURATION: u32 = 0x23_e383;
const VIDEO: u32 = 0xe0;
const PIXEL_WIDTH: u32 = 0xb0;
const PIXEL_HEIGHT: u32 = 0xba;
const CLUSTER: u32 = 0x1f43_b675;
const TAGS: u32 = 0x1254_c367;
const TAG: u32 = 0x7373;
const SIMPLE_TAG: u32 = 0x67c8;
const TAG_NAME: u32 = 0x45a3;
const TAG_STRING: u32 = 0x4487;

/// Largest element read into memory (`Info`, `Tracks`, `Tags`, `SeekHead`).
const MAX_ELEMENT: u64 = 4 << 20;
/// Seconds between 1970-01-01 and 2001-01-01, Matroska's epoch.
const EPOCH_2001: i64 = 978_307_200;

/// An EBML element ID (marker bits kept) at `at`: `(id, length)`.
fn read_id(b: &[u8], at: usize) -> Option<(u32, usize)> {
    let first = *b.get(at)?;
    let len = first.leading_zeros() as usize + 1;
    if len > 4 {
        return None;
    }
    let bytes = b.get(at..at + len)?;
    Some((bytes.iter().fold(0u32, |v, &x| v << 8 | u32::from(x)), len))
}

/// An EBML data size at `at`: `(size, length)`, `None` for "unknown" (all value bits set).
fn read_size(b: &[u8], at: usize) -> Option<(Option<u64>, usize)> {
    let first = *b.get(at)?;
    let len = first.leading_zeros() as usize + 1;
    if len > 8 {
        return None;
    }
    let bytes = b.get(at..at + len)?;
    let mask = if len == 8 { 0 } else { 0xffu8 >> len };
    let mut value = u64::from(first & mask);
    for &x in &bytes[1..] {
        value = value << 8 | u64::from(x);
    }
    let all_ones = (1u64 << (7 * len)) - 1;
    Some(((value != all_ones).then_some(value), len))
}

/// The elements of a body held in memory: `(id, data)`. An element of unknown size, or one
/// claiming more than its parent holds, gets the rest of the body.
struct Elements<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Elements<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Elements { buf, pos: 0 }
    }
}

impl<'a> Iterator for Elements<'a> {
    type Item = (u32, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let (id, id_len) = read_id(self.buf, self.pos)?;
        let (size, size_len) = read_size(self.buf, self.pos + id_len)?;
        let start = self.pos + id_len + size_len;
        let rest = self.buf.len().checked_sub(start)?;
        let len = size.map_or(rest, |s| usize::try_from(s).unwrap_or(usize::MAX).min(rest));
        self.pos = start + len;
        Some((id, &self.buf[start..start + len]))
    }
}

fn uint(b: &[u8]) -> Option<u64> {
    (b.len() <= 8).then(|| b.iter().fold(0u64, |v, &x| v << 8 | u64::from(x)))
}

fn float(b: &[u8]) -> Option<f64> {
    match b.len() {
        4 => Some(f64::from(f32::from_be_bytes(b.try_into().ok()?))),
        8 => Some(f64::from_be_bytes(b.try_into().ok()?)),
        _ => None,
    }
}

fn string(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).trim().to_string()
}

/// The codec name of a Matroska `CodecID` (as ffprobe names them).
pub fn codec_name(id: &str) -> Option<String> {
    let name = match id {
        "" => return None,
        "V_MPEG4/ISO/AVC" => "h264",
        "V_MPEGH/ISO/HEVC" => "hevc",
        "V_VP8" => "vp8",
        "V_VP9" => "vp9",
        "V_AV1" => "av1",
        "V_MJPEG" => "mjpeg",
        "V_MPEG4/ISO/SP" | "V_MPEG4/ISO/ASP" | "V_MPEG4/ISO/AP" => "mpeg4",
        "V_MPEG1" => "mpeg1video",
        "V_MPEG2" => "mpeg2video",
        "V_THEORA" => "theora",
        "V_PRORES" => "prores",
        "V_FFV1" => "ffv1",
        "V_UNCOMPRESSED" => "rawvideo",
        other => {
            return Some(
                other
                    .trim_start_matches("V_")
                    .to_ascii_lowercase()
                    .replace('/', "-"),
            )
        }
    };
    Some(name.to_string())
}

/// What the segment's elements say, merged as they are read.
#[derive(Default)]
struct Segment {
    timecode_scale: Option<u64>,
    duration: Option<f64>,
    info_seen: bool,
    tracks_seen: bool,
    tags_seen: bool,
    /// `SeekHead` entries: element ID → position from the segment's data start.
    seeks: Vec<(u32, u64)>,
}

fn read_info(body: &[u8], seg: &mut Segment, out: &mut ContainerMeta) {
    seg.info_seen = true;
    for (id, data) in Elements::new(body) {
        match id {
            TIMECODE_SCALE => seg.timecode_scale = uint(data).filter(|&s| s > 0),
            DURATION => seg.duration = float(data),
            DATE_UTC if data.len() == 8 => {
                let ns = i64::from_be_bytes(data.try_into().unwrap_or_default());
                let unix = EPOCH_2001
                    .checked_mul(1_000_000_000)
                    .and_then(|e| ns.checked_add(e));
                if let Some(t) = unix
                    .map(|n| DateTime::from_unix_nanos(n, 0))
                    .filter(DateTime::is_plausible)
                {
                    out.more_times.push((t, time_source::MATROSKA));
                }
            }
            _ => {}
        }
    }
}

fn read_tracks(body: &[u8], seg: &mut Segment, out: &mut ContainerMeta) {
    seg.tracks_seen = true;
    for (_, entry) in Elements::new(body).filter(|(id, _)| *id == TRACK_ENTRY) {
        let mut is_video = false;
        let mut codec = None;
        let mut frame_ns = None;
        let mut size = (None, None);
        for (id, data) in Elements::new(entry) {
            match id {
                TRACK_TYPE => is_video = uint(data) == Some(1),
                CODEC_ID => codec = codec_name(&string(data)),
                DEFAULT_DURATION => frame_ns = uint(data).filter(|&d| d > 0),
                VIDEO => {
                    for (id, data) in Elements::new(data) {
                        let v = uint(data)
                            .and_then(|v| u32::try_from(v).ok())
                            .filter(|&v| v > 0);
                        match id {
                            PIXEL_WIDTH => size.0 = v,
                            PIXEL_HEIGHT => size.1 = v,
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        if is_video {
            if let (Some(w), Some(h)) = size {
                out.width = Some(w);
                out.height = Some(h);
            }
            out.codec = codec;
            out.frame_rate = frame_ns.map(|ns| 1e9 / ns as f64);
            return;
        }
    }
}

fn read_tags(body: &[u8], seg: &mut Segment, out: &mut ContainerMeta) {
    seg.tags_seen = true;
    for (_, tag) in Elements::new(body).filter(|(id, _)| *id == TAG) {
        for (_, simple) in Elements::new(tag).filter(|(id, _)| *id == SIMPLE_TAG) {
            let mut name = String::new();
            let mut value = String::new();
            for (id, data) in Elements::new(simple) {
                match id {
                    TAG_NAME => name = string(data),
                    TAG_STRING => value = string(data),
                    _ => {}
                }
            }
            if name.eq_ignore_ascii_case("DATE_RECORDED") && !value.is_empty() {
                match timefmt::parse_iso(&value) {
                    Some(t) => out.more_times.push((t, time_source::MATROSKA)),
                    None => out
                        .warnings
                        .push(format!("unreadable Matroska DATE_RECORDED {value:?}")),
                }
            }
        }
    }
}

fn read_seek_head(body: &[u8], seg: &mut Segment) {
    for (_, seek) in Elements::new(body).filter(|(id, _)| *id == SEEK) {
        let mut target = None;
        let mut position = None;
        for (id, data) in Elements::new(seek) {
            match id {
                SEEK_ID => target = read_id(data, 0).map(|(id, _)| id),
                SEEK_POSITION => position = uint(data),
                _ => {}
            }
        }
        if let (Some(t), Some(p)) = (target, position) {
            if seg.seeks.len() < 64 {
                seg.seeks.push((t, p));
            }
        }
    }
}

/// The element header at `pos`: `(id, size, header length)`.
fn header_at(src: &Source, pos: u64) -> Result<(u32, Option<u64>, u64), String> {
    let h = src.read_upto(pos, 12)?;
    let (id, id_len) = read_id(&h, 0).ok_or_else(|| format!("bad EBML element at {pos}"))?;
    let (size, size_len) =
        read_size(&h, id_len).ok_or_else(|| format!("bad EBML size at {pos}"))?;
    Ok((id, size, (id_len + size_len) as u64))
}

/// Read and apply the element at `pos` when it is one of those albumen reads. Returns its
/// end, or `None` when its size is unknown or it is a cluster (the walk stops there).
fn element(
    src: &Source,
    pos: u64,
    end: u64,
    seg: &mut Segment,
    out: &mut ContainerMeta,
) -> Result<Option<u64>, String> {
    let (id, size, header_len) = header_at(src, pos)?;
    let data_at = pos + header_len;
    let Some(size) = size else {
        return Ok(None);
    };
    let size = size.min(end.saturating_sub(data_at));
    if matches!(id, INFO | TRACKS | TAGS | SEEK_HEAD) {
        if size > MAX_ELEMENT {
            out.warnings
                .push(format!("Matroska element {id:#x} of {size} bytes not read"));
        } else {
            let body = src.read(data_at, size)?;
            match id {
                INFO => read_info(&body, seg, out),
                TRACKS => read_tracks(&body, seg, out),
                TAGS => read_tags(&body, seg, out),
                _ => read_seek_head(&body, seg),
            }
        }
    }
    if id == CLUSTER {
        return Ok(None);
    }
    Ok(Some(data_at + size))
}

pub fn parse(src: &Source) -> Result<ContainerMeta, String> {
    let (id, size, header_len) = header_at(src, 0)?;
    if id != EBML {
        return Err("not a Matroska file (no EBML header)".into());
    }
    let size = size.ok_or("EBML header of unknown size")?;
    let header = src.read(header_len, size.min(256))?;
    let doc_type = Elements::new(&header)
        .find(|(id, _)| *id == DOC_TYPE)
        .map(|(_, d)| string(d));
    if doc_type
        .as_deref()
        .is_some_and(|d| d != "matroska" && d != "webm")
    {
        return Err(format!(
            "not a Matroska file (EBML document type {doc_type:?})"
        ));
    }
    // Find the segment among the top-level elements.
    let mut pos = header_len + size;
    let mut out = ContainerMeta::default();
    let (seg_data, seg_end) = loop {
        if pos >= src.size() {
            return Err("Matroska file without a segment".into());
        }
        let (id, size, header_len) = header_at(src, pos)?;
        let data_at = pos + header_len;
        let end = size.map_or(src.size(), |s| data_at.saturating_add(s).min(src.size()));
        if id == SEGMENT {
            break (data_at, end);
        }
        pos = size.map_or(src.size(), |_| end);
    };
    let mut seg = Segment::default();
    let mut pos = seg_data;
    for _ in 0..10_000 {
        if pos >= seg_end || (seg.info_seen && seg.tracks_seen && seg.tags_seen) {
            break;
        }
        match element(src, pos, seg_end, &mut seg, &mut out) {
            Ok(Some(next)) if next > pos => pos = next,
            Ok(_) => break,
            Err(e) => {
                out.warning = Some(format!("truncated: {e}"));
                break;
            }
        }
    }
    // Elements the walk did not reach, through the seek head.
    for (target, position) in seg.seeks.clone() {
        let missing = match target {
            INFO => !seg.info_seen,
            TRACKS => !seg.tracks_seen,
            TAGS => !seg.tags_seen,
            _ => false,
        };
        if let Some(at) = seg_data
            .checked_add(position)
            .filter(|&a| missing && a < seg_end)
        {
            if let Err(e) = element(src, at, seg_end, &mut seg, &mut out) {
                out.warnings
                    .push(format!("Matroska seek target unreadable: {e}"));
            }
        }
    }
    if !seg.info_seen && !seg.tracks_seen {
        return Err(out
            .warning
            .take()
            .unwrap_or_else(|| "Matroska segment without info or tracks".into()));
    }
    let scale = seg.timecode_scale.unwrap_or(1_000_000) as f64;
    out.duration = seg
        .duration
        .map(|d| d * scale / 1e9)
        .filter(|d| d.is_finite() && *d > 0.0);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An element with a 1-byte (or 8-byte when long) size.
    fn el(id: u32, data: &[u8]) -> Vec<u8> {
        let mut v: Vec<u8> = id
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        if data.len() < 127 {
            v.push(0x80 | data.len() as u8);
        } else {
            v.push(0x01);
            v.extend_from_slice(&(data.len() as u64).to_be_bytes()[1..]);
        }
        v.extend_from_slice(data);
        v
    }

    fn mkv(date_ns: i64, tags_after_clusters: bool) -> Vec<u8> {
        let header = el(EBML, &el(DOC_TYPE, b"webm"));
        let info = el(
            INFO,
            &[
                el(TIMECODE_SCALE, &[0x0f, 0x42, 0x40]),
                el(DURATION, &2500.0f64.to_be_bytes()),
                el(DATE_UTC, &date_ns.to_be_bytes()),
            ]
            .concat(),
        );
        let video = el(
            VIDEO,
            &[
                el(PIXEL_WIDTH, &[0x05, 0x00]),
                el(PIXEL_HEIGHT, &[0x02, 0xd0]),
            ]
            .concat(),
        );
        let tracks = el(
            TRACKS,
            &el(
                TRACK_ENTRY,
                &[
                    el(TRACK_TYPE, &[1]),
                    el(CODEC_ID, b"V_VP9"),
                    el(DEFAULT_DURATION, &40_000_000u32.to_be_bytes()),
                    video,
                ]
                .concat(),
            ),
        );
        let tags = el(
            TAGS,
            &el(
                TAG,
                &el(
                    SIMPLE_TAG,
                    &[
                        el(TAG_NAME, b"DATE_RECORDED"),
                        el(TAG_STRING, b"2019-10-16 19:01:00"),
                    ]
                    .concat(),
                ),
            ),
        );
        let cluster = el(CLUSTER, &[0u8; 300]);
        let body = if tags_after_clusters {
            // SeekHead → Tags, placed after the cluster.
            let before = info.len() + tracks.len() + cluster.len();
            let seek = |pos: usize| {
                el(
                    SEEK_HEAD,
                    &el(
                        SEEK,
                        &[
                            el(SEEK_ID, &TAGS.to_be_bytes()),
                            el(SEEK_POSITION, &(pos as u32).to_be_bytes()),
                        ]
                        .concat(),
                    ),
                )
            };
            let len = seek(0).len();
            [seek(len + before), info, tracks, cluster, tags].concat()
        } else {
            [info, tracks, tags, cluster].concat()
        };
        [header, el(SEGMENT, &body)].concat()
    }

    #[test]
    fn reads_info_tracks_and_tags() {
        // 2019-10-16T19:01:00Z is 592 945 260 s after 2001-01-01.
        let ns = 592_945_260i64 * 1_000_000_000;
        for after in [false, true] {
            let f = mkv(ns, after);
            let m = parse(&Source::from_bytes(&f)).unwrap();
            assert_eq!((m.width, m.height), (Some(1280), Some(720)));
            assert_eq!(m.duration, Some(2.5));
            assert_eq!(m.codec.as_deref(), Some("vp9"));
            assert_eq!(m.frame_rate, Some(25.0));
            let times: Vec<_> = m
                .more_times
                .iter()
                .map(|(t, _)| (t.to_iso(), t.offset_minutes))
                .collect();
            assert_eq!(
                times,
                vec![
                    ("2019-10-16T19:01:00".into(), Some(0)),
                    ("2019-10-16T19:01:00".into(), None)
                ],
                "tags after clusters: {after}"
            );
            crate::probe::source::never_panics(&f, parse);
        }
    }

    #[test]
    fn vints() {
        assert_eq!(read_size(&[0x81], 0), Some((Some(1), 1)));
        assert_eq!(read_size(&[0xff], 0), Some((None, 1)));
        assert_eq!(
            read_size(&[0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 0),
            Some((None, 8))
        );
        assert_eq!(read_size(&[0x40, 0x02], 0), Some((Some(2), 2)));
        assert_eq!(read_size(&[0x00], 0), None);
        assert_eq!(read_id(&[0x1a, 0x45, 0xdf, 0xa3], 0), Some((EBML, 4)));
        assert_eq!(read_id(&[0x08], 0), None);
        assert!(parse(&Source::from_bytes(b"\x1a\x45\xdf\xa3")).is_err());
    }
}
