//! `QuickTime` / MP4 / M4V movies: duration, creation time (`mvhd`, `QuickTime` 1904 epoch, or
//! Apple's `com.apple.quicktime.creationdate` with its offset), the video track's size and
//! display rotation (`tkhd` matrix), codec, frame rate, ISO 6709 location and the Apple
//! `ContentIdentifier` (Live Photos), from `moov` alone — `mdat` is never read.

use super::container::ContainerMeta;
use super::isobmff::{self, child, full_box, path, Boxes};
use super::source::{be_u16, be_u32, be_u64, Source};
use super::timefmt;
use crate::probe::record::time_source;

/// A video sample entry fourcc → codec name (as ffprobe names them).
pub fn codec_name(fourcc: &[u8; 4]) -> String {
    let name = match fourcc {
        b"avc1" | b"avc2" | b"avc3" | b"avc4" => "h264",
        b"hvc1" | b"hev1" | b"dvh1" | b"dvhe" => "hevc",
        b"av01" => "av1",
        b"vp08" => "vp8",
        b"vp09" => "vp9",
        b"mp4v" => "mpeg4",
        b"s263" | b"h263" => "h263",
        b"jpeg" | b"mjpa" | b"mjpb" | b"AVDJ" => "mjpeg",
        b"apch" | b"apcn" | b"apcs" | b"apco" | b"ap4h" | b"ap4x" => "prores",
        b"mp2v" | b"m2v1" | b"xdvc" => "mpeg2video",
        b"dvc " | b"dvcp" | b"dv5n" | b"dv5p" => "dvvideo",
        b"png " => "png",
        b"raw " | b"2vuy" | b"yuv2" => "rawvideo",
        _ => {
            let s: String = fourcc
                .iter()
                .map(|&c| if c.is_ascii_graphic() { c as char } else { '?' })
                .collect();
            return s.trim_end().to_string();
        }
    };
    name.to_string()
}

fn fixed_16_16(v: u32) -> f64 {
    f64::from(v as i32) / 65536.0
}

/// Rotation (clockwise degrees, to the nearest quarter turn) and mirroring of a `tkhd` matrix.
pub fn matrix_transform(matrix: &[u32; 9]) -> (u16, bool) {
    let (xx, xy, yx, yy) = (
        fixed_16_16(matrix[0]),
        fixed_16_16(matrix[1]),
        fixed_16_16(matrix[3]),
        fixed_16_16(matrix[4]),
    );
    let mirror = xx * yy - xy * yx < 0.0;
    // With a mirror, measure the rotation of the un-mirrored part (flip x first).
    let (xx, xy) = if mirror { (-xx, -xy) } else { (xx, xy) };
    let deg = xy.atan2(xx).to_degrees();
    let quarter = ((deg / 90.0).round() as i32).rem_euclid(4);
    ((quarter * 90) as u16, mirror)
}

/// Parse an ISO 6709 string (`+37.3318-122.0312+010.000/`): latitude, longitude, altitude.
/// Degrees may also be written as `±DDMM.MM` / `±DDMMSS.SS` (longitude one digit wider).
pub fn parse_iso6709(text: &str) -> Option<(f64, f64, Option<f64>)> {
    let t = text.trim().trim_end_matches('\0');
    let t = t.split("CRS").next()?.trim_end_matches('/');
    let mut parts = Vec::new();
    let mut start = None;
    for (i, ch) in t.char_indices() {
        if ch == '+' || ch == '-' {
            if let Some(s) = start {
                parts.push(&t[s..i]);
            }
            start = Some(i);
        } else if !(ch.is_ascii_digit() || ch == '.') {
            return None;
        }
    }
    parts.push(&t[start?..]);
    let angle = |s: &str, deg_digits: usize| -> Option<f64> {
        let (sign, body) = s.split_at(1);
        let sign = if sign == "-" { -1.0 } else { 1.0 };
        let int_len = body.find('.').unwrap_or(body.len());
        let value: f64 = body.parse().ok()?;
        let deg = match int_len.checked_sub(deg_digits)? {
            0 => value,
            2 => (value / 100.0).trunc() + (value % 100.0) / 60.0,
            4 => {
                (value / 10_000.0).trunc()
                    + ((value % 10_000.0) / 100.0).trunc() / 60.0
                    + (value % 100.0) / 3600.0
            }
            _ => return None,
        };
        Some(sign * deg)
    };
    if parts.len() < 2 {
        return None;
    }
    let lat = angle(parts[0], 2)?;
    let lon = angle(parts[1], 3)?;
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return None;
    }
    let alt = parts.get(2).and_then(|a| a.parse::<f64>().ok());
    Some((lat, lon, alt))
}

/// A `QuickTime` `udta` text atom (`©xyz`, `©mak`...): 16-bit length, 16-bit language, text.
fn udta_text(body: &[u8]) -> Option<String> {
    let len = usize::from(be_u16(body, 0)?);
    let text = body.get(4..4 + len).or_else(|| body.get(4..))?;
    Some(
        String::from_utf8_lossy(text)
            .trim_end_matches('\0')
            .to_string(),
    )
}

/// Apple metadata keys (`moov/meta` with `keys` + `ilst`): `(key, string value)` pairs.
pub fn mdta_items(meta: &[u8]) -> Vec<(String, String)> {
    // QuickTime `meta` is a plain box; ISO `meta` a full box: tell them apart by the `hdlr`.
    let children = if meta.get(4..8) == Some(b"hdlr") {
        meta
    } else {
        meta.get(4..).unwrap_or_default()
    };
    let mut keys = Vec::new();
    if let Some((_, _, k)) = child(children, b"keys").and_then(full_box) {
        let mut pos = 4usize;
        let count = be_u32(k, 0).unwrap_or(0);
        for _ in 0..count {
            let Some(size) = be_u32(k, pos).map(|s| s as usize) else {
                break;
            };
            let Some(name) = size
                .checked_sub(8)
                .and_then(|n| k.get(pos + 8..pos + 8 + n))
            else {
                break;
            };
            keys.push(String::from_utf8_lossy(name).into_owned());
            pos += size;
        }
    }
    let mut out = Vec::new();
    let Some(ilst) = child(children, b"ilst") else {
        return out;
    };
    for (kind, item) in Boxes::new(ilst) {
        let index = u32::from_be_bytes(kind) as usize;
        let Some(key) = index.checked_sub(1).and_then(|i| keys.get(i)) else {
            continue;
        };
        let Some(data) = child(item, b"data") else {
            continue;
        };
        let (Some(type_ind), Some(value)) = (be_u32(data, 0), data.get(8..)) else {
            continue;
        };
        // 1: UTF-8, 2: UTF-16; numbers are ignored (no key we use holds one).
        let text = match type_ind & 0x00ff_ffff {
            1 | 4 => String::from_utf8_lossy(value).into_owned(),
            2 | 5 => {
                let units: Vec<u16> = value
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect();
                String::from_utf16_lossy(&units)
            }
            _ => continue,
        };
        out.push((key.clone(), text.trim_end_matches('\0').to_string()));
    }
    out
}

/// The first video track: (sample entry fourcc, coded size, tkhd size, matrix, frame rate,
/// media creation time).
#[derive(Debug, Default)]
struct Video {
    fourcc: Option<[u8; 4]>,
    coded: Option<(u32, u32)>,
    display: Option<(u32, u32)>,
    matrix: Option<[u32; 9]>,
    frame_rate: Option<f64>,
    duration: Option<f64>,
}

fn parse_video_track(trak: &[u8]) -> Option<Video> {
    let mdia = child(trak, b"mdia")?;
    let hdlr = child(mdia, b"hdlr").and_then(full_box)?;
    if hdlr.2.get(4..8)? != b"vide" {
        return None;
    }
    let mut v = Video::default();
    if let Some((ver, _, t)) = child(trak, b"tkhd").and_then(full_box) {
        let base = if ver == 1 { 32 } else { 20 };
        let mat_at = base + 16;
        let mut m = [0u32; 9];
        let ok = (0..9).all(|i| be_u32(t, mat_at + 4 * i).map(|x| m[i] = x).is_some());
        if ok {
            v.matrix = Some(m);
        }
        if let (Some(w), Some(h)) = (be_u32(t, mat_at + 36), be_u32(t, mat_at + 40)) {
            let (w, h) = ((w >> 16), (h >> 16));
            if w > 0 && h > 0 {
                v.display = Some((w, h));
            }
        }
    }
    if let Some((ver, _, m)) = child(mdia, b"mdhd").and_then(full_box) {
        let (timescale, duration) = if ver == 1 {
            (be_u32(m, 16), be_u64(m, 20))
        } else {
            (be_u32(m, 8), be_u32(m, 12).map(u64::from))
        };
        if let (Some(ts), Some(dur)) = (timescale.filter(|&t| t > 0), duration) {
            v.duration = Some(dur as f64 / f64::from(ts));
            let stts = path(mdia, &[b"minf", b"stbl", b"stts"]).and_then(full_box);
            if let Some((_, _, s)) = stts {
                let n = be_u32(s, 0).unwrap_or(0) as usize;
                // At most 2^20 entries of 32-bit counts and deltas: the sums fit these types.
                let mut samples = 0u64;
                let mut ticks = 0u128;
                for i in 0..n.min(1 << 20) {
                    let (Some(c), Some(d)) = (be_u32(s, 4 + 8 * i), be_u32(s, 8 + 8 * i)) else {
                        break;
                    };
                    samples += u64::from(c);
                    ticks += u128::from(c) * u128::from(d);
                }
                if samples > 0 && ticks > 0 {
                    v.frame_rate = Some(samples as f64 * f64::from(ts) / ticks as f64);
                }
            }
        }
    }
    if let Some((_, _, s)) = path(mdia, &[b"minf", b"stbl", b"stsd"]).and_then(full_box) {
        if let Some((kind, entry)) = s.get(4..).and_then(|e| Boxes::new(e).next()) {
            v.fourcc = Some(kind);
            if let (Some(w), Some(h)) = (be_u16(entry, 24), be_u16(entry, 26)) {
                if w > 0 && h > 0 {
                    v.coded = Some((u32::from(w), u32::from(h)));
                }
            }
        }
    }
    Some(v)
}

/// Parse the `moov` box body of a movie.
pub fn parse_moov(moov: &[u8]) -> ContainerMeta {
    let mut out = ContainerMeta::default();
    let mut mvhd_time = None;
    if let Some((ver, _, m)) = child(moov, b"mvhd").and_then(full_box) {
        let (created, timescale, duration) = if ver == 1 {
            (be_u64(m, 0), be_u32(m, 16), be_u64(m, 20))
        } else {
            (
                be_u32(m, 0).map(u64::from),
                be_u32(m, 8),
                be_u32(m, 12).map(u64::from),
            )
        };
        mvhd_time = created.and_then(timefmt::quicktime_time);
        if let (Some(ts), Some(d)) = (timescale.filter(|&t| t > 0), duration) {
            if d > 0 && d != u64::from(u32::MAX) && d != u64::MAX {
                out.duration = Some(d as f64 / f64::from(ts));
            }
        }
    }
    let video = Boxes::new(moov)
        .filter(|(k, _)| k == b"trak")
        .find_map(|(_, t)| parse_video_track(t));
    if let Some(v) = video {
        out.codec = v.fourcc.as_ref().map(codec_name);
        let (w, h) = match (v.coded, v.display) {
            (Some(c), _) => c,
            (None, Some(d)) => d,
            (None, None) => (0, 0),
        };
        if w > 0 {
            out.width = Some(w);
            out.height = Some(h);
        }
        if let Some(m) = v.matrix {
            let (rot, mirror) = matrix_transform(&m);
            out.rotation = rot;
            out.mirror = mirror;
            out.container_transform = true;
        }
        out.frame_rate = v.frame_rate;
        if out.duration.is_none() {
            out.duration = v.duration;
        }
    }
    let mut apple_time = None;
    if let Some(meta) = child(moov, b"meta") {
        for (key, value) in mdta_items(meta) {
            match key.as_str() {
                "com.apple.quicktime.creationdate" => {
                    apple_time = timefmt::parse_iso(&value);
                }
                "com.apple.quicktime.location.ISO6709" => {
                    out.gps = parse_iso6709(&value);
                }
                "com.apple.quicktime.content.identifier" if !value.is_empty() => {
                    out.content_id = Some(value);
                }
                "com.apple.quicktime.make" if !value.is_empty() => out.make = Some(value),
                "com.apple.quicktime.model" if !value.is_empty() => out.model = Some(value),
                _ => {}
            }
        }
    }
    if let Some(udta) = child(moov, b"udta") {
        for (kind, body) in Boxes::new(udta) {
            match &kind {
                b"\xa9xyz" if out.gps.is_none() => {
                    out.gps = udta_text(body).and_then(|t| parse_iso6709(&t));
                }
                b"\xa9mak" if out.make.is_none() => out.make = udta_text(body),
                b"\xa9mod" if out.model.is_none() => out.model = udta_text(body),
                _ => {}
            }
        }
    }
    out.captured = match (apple_time, mvhd_time) {
        (Some(a), _) => Some((a, time_source::QUICKTIME_APPLE)),
        (None, Some(m)) => Some((m, time_source::QUICKTIME)),
        (None, None) => None,
    };
    out
}

/// Parse a movie file: find `moov` among the top-level boxes (before or after `mdat`).
pub fn parse(src: &Source) -> Result<ContainerMeta, String> {
    let (top, walk_err) = isobmff::top_level(src);
    let Some(moov) = top.iter().find(|b| &b.kind == b"moov") else {
        return Err(walk_err.unwrap_or_else(|| "no moov box (not a movie, or truncated)".into()));
    };
    let body = isobmff::read_body(src, moov)?;
    let mut out = parse_moov(&body);
    out.warning = walk_err;
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::isobmff::tests::{bx, fbx};
    use super::*;

    pub struct Movie<'a> {
        pub created: u32,
        pub timescale: u32,
        pub duration: u32,
        pub size: (u16, u16),
        pub matrix: [u32; 9],
        pub fourcc: &'a [u8; 4],
        pub keys: Vec<(&'a str, &'a str)>,
        pub xyz: Option<&'a str>,
    }

    pub const IDENTITY: [u32; 9] = [0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x4000_0000];
    pub const ROT90: [u32; 9] = [0, 0x10000, 0, 0xffff_0000, 0, 0, 0, 0, 0x4000_0000];

    pub fn movie(m: &Movie) -> Vec<u8> {
        let mut mvhd = vec![];
        for v in [m.created, m.created, m.timescale, m.duration] {
            mvhd.extend_from_slice(&v.to_be_bytes());
        }
        mvhd.extend_from_slice(&[0; 80]);
        let mut tkhd = vec![];
        for v in [m.created, m.created, 1, 0, m.duration] {
            tkhd.extend_from_slice(&v.to_be_bytes());
        }
        tkhd.extend_from_slice(&[0; 16]);
        for v in m.matrix {
            tkhd.extend_from_slice(&v.to_be_bytes());
        }
        tkhd.extend_from_slice(&(u32::from(m.size.0) << 16).to_be_bytes());
        tkhd.extend_from_slice(&(u32::from(m.size.1) << 16).to_be_bytes());
        let mut media_header = vec![];
        for v in [
            m.created,
            m.created,
            600,
            600 * m.duration / m.timescale.max(1),
        ] {
            media_header.extend_from_slice(&v.to_be_bytes());
        }
        media_header.extend_from_slice(&[0; 4]);
        let frames = 30 * m.duration / m.timescale.max(1);
        let mut stts = 1u32.to_be_bytes().to_vec();
        stts.extend_from_slice(&frames.to_be_bytes());
        stts.extend_from_slice(&20u32.to_be_bytes());
        let mut entry = vec![0u8; 24];
        entry.extend_from_slice(&m.size.0.to_be_bytes());
        entry.extend_from_slice(&m.size.1.to_be_bytes());
        entry.extend_from_slice(&[0; 50]);
        let mut stsd = 1u32.to_be_bytes().to_vec();
        stsd.extend(bx(m.fourcc, &entry));
        let stbl = bx(
            b"stbl",
            &[fbx(b"stsd", 0, 0, &stsd), fbx(b"stts", 0, 0, &stts)].concat(),
        );
        let mdia = bx(
            b"mdia",
            &[
                fbx(b"mdhd", 0, 0, &media_header),
                fbx(b"hdlr", 0, 0, b"\0\0\0\0vide\0\0\0\0\0\0\0\0\0\0\0\0\0"),
                bx(b"minf", &stbl),
            ]
            .concat(),
        );
        let trak = bx(b"trak", &[fbx(b"tkhd", 0, 3, &tkhd), mdia].concat());
        let mut moov = [fbx(b"mvhd", 0, 0, &mvhd), trak].concat();
        if !m.keys.is_empty() {
            let mut keys = (m.keys.len() as u32).to_be_bytes().to_vec();
            let mut ilst = vec![];
            for (i, (k, v)) in m.keys.iter().enumerate() {
                keys.extend_from_slice(&(k.len() as u32 + 8).to_be_bytes());
                keys.extend_from_slice(b"mdta");
                keys.extend_from_slice(k.as_bytes());
                let data = [&1u32.to_be_bytes()[..], &[0; 4], v.as_bytes()].concat();
                ilst.extend(bx(&(i as u32 + 1).to_be_bytes(), &bx(b"data", &data)));
            }
            let hdlr = fbx(b"hdlr", 0, 0, b"\0\0\0\0mdta\0\0\0\0\0\0\0\0\0\0\0\0\0");
            moov.extend(bx(
                b"meta",
                &[hdlr, fbx(b"keys", 0, 0, &keys), bx(b"ilst", &ilst)].concat(),
            ));
        }
        if let Some(xyz) = m.xyz {
            let mut t = (xyz.len() as u16).to_be_bytes().to_vec();
            t.extend_from_slice(&[0x15, 0xc7]);
            t.extend_from_slice(xyz.as_bytes());
            moov.extend(bx(b"udta", &bx(b"\xa9xyz", &t)));
        }
        // mdat first, moov last, as cameras write it
        [
            bx(b"ftyp", b"qt  \0\0\0\0qt  "),
            bx(b"mdat", &[0; 64]),
            bx(b"moov", &moov),
        ]
        .concat()
    }

    fn base() -> Movie<'static> {
        Movie {
            created: 3_772_202_602,
            timescale: 600,
            duration: 1800,
            size: (1920, 1080),
            matrix: IDENTITY,
            fourcc: b"hvc1",
            keys: vec![],
            xyz: None,
        }
    }

    #[test]
    fn reads_a_plain_movie() {
        let m = parse(&Source::from_bytes(&movie(&base()))).unwrap();
        assert_eq!(m.duration, Some(3.0));
        assert_eq!(m.codec.as_deref(), Some("hevc"));
        assert_eq!((m.width, m.height, m.rotation), (Some(1920), Some(1080), 0));
        assert!((m.frame_rate.unwrap() - 30.0).abs() < 1e-9);
        let (stamp, source) = m.captured.unwrap();
        assert_eq!(source, time_source::QUICKTIME);
        assert_eq!(
            (stamp.to_iso(), stamp.offset_minutes),
            ("2023-07-14T18:03:22".into(), Some(0))
        );
    }

    #[test]
    fn apple_keys_win_and_rotation_swaps() {
        let mut b = base();
        b.matrix = ROT90;
        b.keys = vec![
            (
                "com.apple.quicktime.creationdate",
                "2023-07-14T20:03:22+0200",
            ),
            (
                "com.apple.quicktime.location.ISO6709",
                "+37.3318-122.0312+010.000/",
            ),
            ("com.apple.quicktime.content.identifier", "A1B2-C3"),
            ("com.apple.quicktime.make", "Apple"),
        ];
        b.xyz = Some("+01.0000+002.0000/");
        let m = parse(&Source::from_bytes(&movie(&b))).unwrap();
        assert_eq!(m.rotation, 90);
        assert_eq!(m.display_size(), Some((1080, 1920)));
        let (stamp, source) = m.captured.unwrap();
        assert_eq!(source, time_source::QUICKTIME_APPLE);
        assert_eq!(stamp.offset_minutes, Some(120));
        assert_eq!(m.gps, Some((37.3318, -122.0312, Some(10.0))));
        assert_eq!(m.content_id.as_deref(), Some("A1B2-C3"));
        assert_eq!(m.make.as_deref(), Some("Apple"));
    }

    #[test]
    fn zero_creation_time_is_unknown() {
        let mut b = base();
        b.created = 0;
        b.xyz = Some("-33.8688+151.2093/");
        let m = parse(&Source::from_bytes(&movie(&b))).unwrap();
        assert!(m.captured.is_none());
        assert_eq!(m.gps, Some((-33.8688, 151.2093, None)));
    }

    #[test]
    fn iso6709_forms() {
        assert_eq!(
            parse_iso6709("+48.8577+002.295/"),
            Some((48.8577, 2.295, None))
        );
        let (lat, lon, _) = parse_iso6709("+4851.462+00217.700/").unwrap();
        assert!((lat - 48.857_7).abs() < 1e-4 && (lon - 2.295).abs() < 1e-4);
        assert_eq!(parse_iso6709("garbage"), None);
        assert_eq!(parse_iso6709("+95.0+000.0/"), None);
        assert_eq!(parse_iso6709(""), None);
        assert_eq!(parse_iso6709("+"), None);
    }

    #[test]
    fn matrices() {
        assert_eq!(matrix_transform(&IDENTITY), (0, false));
        assert_eq!(matrix_transform(&ROT90), (90, false));
        let rot180 = [0xffff_0000, 0, 0, 0, 0xffff_0000, 0, 0, 0, 0x4000_0000];
        assert_eq!(matrix_transform(&rot180), (180, false));
        let rot270 = [0, 0xffff_0000, 0, 0x10000, 0, 0, 0, 0, 0x4000_0000];
        assert_eq!(matrix_transform(&rot270), (270, false));
        let flip = [0xffff_0000, 0, 0, 0, 0x10000, 0, 0, 0, 0x4000_0000];
        assert_eq!(matrix_transform(&flip), (0, true));
    }

    #[test]
    fn truncations_and_bit_flips_never_panic() {
        let mut b = base();
        b.keys = vec![(
            "com.apple.quicktime.creationdate",
            "2023-07-14T20:03:22+0200",
        )];
        b.xyz = Some("+01.0000+002.0000/");
        let file = movie(&b);
        crate::probe::source::never_panics(&file, parse);
    }
}
