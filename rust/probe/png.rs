//! PNG: size from `IHDR`, EXIF from an `eXIf` chunk, and the "Creation Time" text keyword
//! (`tEXt` or uncompressed `iTXt`). Chunks are walked header by header; image data is skipped.

use super::capture_time::DateTime;
use super::container::{ContainerMeta, ExifBlob};
use super::source::{be_u32, Source};
use super::timefmt;
use crate::probe::record::time_source;

pub const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// Strip an optional `Exif\0\0` prefix some writers put before the TIFF header.
pub fn tiff_start(b: &[u8]) -> usize {
    if b.starts_with(b"Exif\0\0") {
        6
    } else {
        0
    }
}

/// Largest text a compressed chunk may inflate to (XMP packets are the largest real ones).
const MAX_TEXT: usize = super::xmp::MAX_XMP;

/// Inflate a zlib stream, refusing output past [`MAX_TEXT`].
fn inflate(data: &[u8]) -> Result<Vec<u8>, String> {
    miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(data, MAX_TEXT).map_err(|e| {
        if e.status == miniz_oxide::inflate::TINFLStatus::HasMoreOutput {
            format!("inflates past {MAX_TEXT} bytes")
        } else {
            format!("does not inflate ({:?})", e.status)
        }
    })
}

/// The keyword and text of a `tEXt`, `zTXt` or `iTXt` chunk (compressed text inflated).
/// `Err` names what was wrong with a chunk that has a keyword.
fn text_chunk(kind: [u8; 4], data: &[u8]) -> Option<(String, Result<Vec<u8>, String>)> {
    let nul = data.iter().position(|&b| b == 0)?;
    let keyword = String::from_utf8_lossy(&data[..nul]).into_owned();
    let rest = data.get(nul + 1..)?;
    let text = match &kind {
        // Latin-1, as is.
        b"tEXt" => Ok(rest.to_vec()),
        // compression method (0: zlib), compressed text
        b"zTXt" => match rest.split_first() {
            Some((0, z)) => inflate(z),
            _ => Err("unknown compression".to_string()),
        },
        // compression flag, method, language\0, translated keyword\0, text
        b"iTXt" => {
            let (&flag, rest) = rest.split_first()?;
            let rest = rest.get(1..)?;
            let lang_end = rest.iter().position(|&b| b == 0)?;
            let rest = rest.get(lang_end + 1..)?;
            let tr_end = rest.iter().position(|&b| b == 0)?;
            let body = rest.get(tr_end + 1..)?;
            if flag == 0 {
                Ok(body.to_vec())
            } else {
                inflate(body)
            }
        }
        _ => return None,
    };
    Some((keyword, text))
}

/// An `ImageMagick` "Raw profile type ..." text: `\n<name>\n <length>\n<hex digits>`.
fn raw_profile(text: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(text).ok()?.trim_start_matches('\n');
    let (_name, rest) = text.split_once('\n')?;
    let rest = rest.trim_start();
    let digits_end = rest.find(|c: char| !c.is_ascii_digit())?;
    let (len, hex) = rest.split_at(digits_end);
    let len: usize = len.parse().ok()?;
    let hex: Vec<u8> = hex.bytes().filter(u8::is_ascii_hexdigit).collect();
    let bytes: Vec<u8> = hex
        .chunks_exact(2)
        .filter_map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect();
    (len > 0).then_some(bytes)
}

/// What the text chunks say, kept until the walk ends.
#[derive(Default)]
struct Texts {
    creation: Option<String>,
    /// EXIF from a "Raw profile type exif/APP1" text (used when there is no `eXIf`).
    exif: Option<Vec<u8>>,
}

fn read_text(kind: [u8; 4], data: &[u8], out: &mut ContainerMeta, texts: &mut Texts) {
    let Some((keyword, text)) = text_chunk(kind, data) else {
        return;
    };
    let wanted = matches!(
        keyword.as_str(),
        "Creation Time"
            | "XML:com.adobe.xmp"
            | "Raw profile type exif"
            | "Raw profile type APP1"
            | "Raw profile type xmp"
            | "Make"
            | "Model"
    );
    if !wanted {
        return;
    }
    let text = match text {
        Ok(t) => t,
        Err(e) => {
            out.warnings.push(format!("PNG text {keyword:?} {e}"));
            return;
        }
    };
    // tEXt is Latin-1; the keywords read here hold ASCII or UTF-8 (iTXt).
    let string = || match std::str::from_utf8(&text) {
        Ok(s) => s.to_string(),
        Err(_) => text.iter().map(|&b| char::from(b)).collect(),
    };
    match keyword.as_str() {
        "Creation Time" => texts.creation = Some(string()),
        "XML:com.adobe.xmp" => super::xmp::apply_to_meta(&text, out),
        "Raw profile type xmp" => match raw_profile(&text) {
            Some(x) => super::xmp::apply_to_meta(&x, out),
            None => out.warnings.push(format!("unreadable PNG {keyword:?}")),
        },
        "Raw profile type exif" | "Raw profile type APP1" => match raw_profile(&text) {
            Some(x) if x.starts_with(b"http://ns.adobe.com/xap/1.0/\0") => {
                super::xmp::apply_to_meta(&x[29..], out);
            }
            Some(x) => texts.exif = Some(x[tiff_start(&x)..].to_vec()),
            None => out.warnings.push(format!("unreadable PNG {keyword:?}")),
        },
        "Make" => out.make = Some(string().trim().to_string()).filter(|s| !s.is_empty()),
        "Model" => out.model = Some(string().trim().to_string()).filter(|s| !s.is_empty()),
        _ => {}
    }
}

/// An `eXIf` chunk's EXIF (also `exIf`, and `zxIf`, an early proposal, compressed when it
/// starts with a NUL). `data_at` is where the chunk's data starts in the file.
fn exif_chunk(d: &[u8], data_at: u64) -> Result<ExifBlob, String> {
    let start = tiff_start(d);
    if d.get(start) == Some(&0) {
        let tiff = inflate(d.get(start + 5..).unwrap_or_default())
            .map_err(|e| format!("compressed EXIF {e}"))?;
        return Ok(ExifBlob {
            file_offset: None,
            data: tiff,
        });
    }
    Ok(ExifBlob {
        file_offset: Some(data_at + start as u64),
        data: d[start..].to_vec(),
    })
}

/// A `tIME` chunk: the last modification, UTC (year in two bytes, month, day, hour, minute,
/// second).
fn time_chunk(d: &[u8]) -> Option<DateTime> {
    let t = DateTime {
        year: i32::from(u16::from_be_bytes([*d.first()?, *d.get(1)?])),
        month: u32::from(*d.get(2)?),
        day: u32::from(*d.get(3)?),
        hour: u32::from(*d.get(4)?),
        minute: u32::from(*d.get(5)?),
        second: u32::from(*d.get(6)?),
        millis: None,
        offset_minutes: Some(0),
    };
    Some(t).filter(DateTime::is_plausible)
}

pub fn parse(src: &Source) -> Result<ContainerMeta, String> {
    let sig = src.read_upto(0, 8)?;
    if &*sig != SIGNATURE {
        return Err("not a PNG file (bad signature)".into());
    }
    let mut out = ContainerMeta::default();
    let mut pos = 8u64;
    let mut texts = Texts::default();
    let mut modified = None;
    for _ in 0..100_000 {
        if pos.saturating_add(12) > src.size() {
            out.warning = Some("truncated: PNG ends without IEND".into());
            break;
        }
        let head = src.read(pos, 8)?;
        let len = u64::from(be_u32(&head, 0).ok_or("short chunk header")?);
        let kind: [u8; 4] = head[4..8].try_into().map_err(|_| "short chunk header")?;
        let data_at = pos + 8;
        if data_at + len + 4 > src.size() {
            out.warning = Some(format!(
                "truncated: {} chunk runs past the end",
                String::from_utf8_lossy(&kind)
            ));
            break;
        }
        match &kind {
            b"IHDR" => {
                let d = src.read(data_at, len.min(13))?;
                out.width = be_u32(&d, 0).filter(|&w| w > 0);
                out.height = be_u32(&d, 4).filter(|&h| h > 0);
            }
            // eXIf; exIf and zxIf (an early proposal, compressed when it starts with a NUL)
            b"eXIf" | b"exIf" | b"zxIf" if out.exif.is_none() => {
                let d = src.read(data_at, len)?;
                match exif_chunk(&d, data_at) {
                    Ok(blob) => out.exif = Some(blob),
                    Err(e) => out.warnings.push(e),
                }
            }
            b"tEXt" | b"zTXt" | b"iTXt" => {
                if len <= MAX_TEXT as u64 {
                    let d = src.read(data_at, len)?;
                    read_text(kind, &d, &mut out, &mut texts);
                } else {
                    out.warnings
                        .push(format!("PNG text chunk of {len} bytes not read"));
                }
            }
            // An XMP packet in the chunk of a 2001 draft.
            b"tXMP" if len <= MAX_TEXT as u64 => {
                let d = src.read(data_at, len)?;
                super::xmp::apply_to_meta(&d, &mut out);
            }
            // Last modification, UTC: year (2 bytes), month, day, hour, minute, second.
            b"tIME" if len >= 7 => {
                modified = time_chunk(&src.read(data_at, 7)?);
            }
            b"IEND" => break,
            _ => {}
        }
        pos = data_at + len + 4;
    }
    if out.width.is_none() {
        return Err("PNG without a valid IHDR".into());
    }
    if out.exif.is_none() {
        out.exif = texts.exif.map(|data| ExifBlob {
            file_offset: None,
            data,
        });
    }
    if let Some(text) = texts.creation {
        match timefmt::parse_any(&text) {
            Some(stamp) => out.captured = Some((stamp, time_source::PNG_TEXT)),
            None => {
                out.warnings
                    .push(format!("unreadable PNG Creation Time {text:?}"));
            }
        }
    }
    if let Some(t) = modified {
        out.more_times.push((t, time_source::PNG_MODIFIED));
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::trivially_copy_pass_by_ref)]

    use super::*;

    pub fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut v = (data.len() as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(data);
        v.extend_from_slice(&[0; 4]); // CRC is not checked
        v
    }

    pub fn png(w: u32, h: u32, extra: &[Vec<u8>]) -> Vec<u8> {
        let mut ihdr = w.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        let mut f = SIGNATURE.to_vec();
        f.extend(chunk(b"IHDR", &ihdr));
        for c in extra {
            f.extend_from_slice(c);
        }
        f.extend(chunk(b"IDAT", &[0; 10]));
        f.extend(chunk(b"IEND", &[]));
        f
    }

    #[test]
    fn reads_size_exif_and_creation_time() {
        let tiff = b"II*\0\x08\0\0\0\0\0";
        let f = png(
            800,
            600,
            &[
                chunk(b"eXIf", tiff),
                chunk(b"tEXt", b"Creation Time\0Fri, 14 Jul 2023 18:03:22 +0200"),
            ],
        );
        let m = parse(&Source::from_bytes(&f)).unwrap();
        assert_eq!((m.width, m.height), (Some(800), Some(600)));
        let exif = m.exif.unwrap();
        assert_eq!(exif.data, tiff);
        assert_eq!(&f[exif.file_offset.unwrap() as usize..][..4], b"II*\0");
        let (s, src) = m.captured.unwrap();
        assert_eq!(
            (s.to_iso(), s.offset_minutes, src),
            (
                "2023-07-14T18:03:22".into(),
                Some(120),
                time_source::PNG_TEXT
            )
        );
    }

    #[test]
    fn itxt_and_bad_dates() {
        let f = png(
            1,
            2,
            &[chunk(
                b"iTXt",
                b"Creation Time\0\0\0en\0\x002023:07:14 18:03:22",
            )],
        );
        let m = parse(&Source::from_bytes(&f)).unwrap();
        assert_eq!(m.captured.unwrap().0.offset_minutes, None);
        let f = png(
            1,
            2,
            &[chunk(b"tEXt", b"Creation Time\x000000:00:00 00:00:00")],
        );
        let m = parse(&Source::from_bytes(&f)).unwrap();
        assert!(m.captured.is_none());
        assert!(m.warnings[0].contains("Creation Time"));
    }

    fn zlib(data: &[u8]) -> Vec<u8> {
        miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
    }

    /// Issue 14: PNG text in every form `ExifTool` reads (compressed zTXt/iTXt, XMP, `ImageMagick`
    /// raw profiles), compressed EXIF, and tIME.
    #[test]
    fn compressed_text_xmp_and_profiles() {
        let mut ztxt = b"Creation Time\0\0".to_vec();
        ztxt.extend(zlib(b"2019:10:16 19:01:00+01:00"));
        let m = parse(&Source::from_bytes(&png(4, 4, &[chunk(b"zTXt", &ztxt)]))).unwrap();
        let (t, src) = m.captured.unwrap();
        assert_eq!(
            (t.to_iso(), t.offset_minutes, src),
            (
                "2019-10-16T19:01:00".into(),
                Some(60),
                time_source::PNG_TEXT
            )
        );

        let xmp =
            crate::probe::xmp::tests::packet("exif:DateTimeOriginal=\"2020-01-02T03:04:05\"", "");
        let mut itxt = b"XML:com.adobe.xmp\0\x01\0\0\0".to_vec();
        itxt.extend(zlib(&xmp));
        let m = parse(&Source::from_bytes(&png(4, 4, &[chunk(b"iTXt", &itxt)]))).unwrap();
        assert_eq!(m.more_times.len(), 1);
        assert_eq!(m.more_times[0].1, time_source::XMP_ORIGINAL);

        let tiff = b"II*\0\x08\0\0\0\0\0\0\0\0\0";
        let hex: String =
            [&b"Exif\0\0"[..], tiff]
                .concat()
                .iter()
                .fold(String::new(), |mut s, b| {
                    use std::fmt::Write as _;
                    let _ = write!(s, "{b:02x}");
                    s
                });
        let profile = format!(
            "Raw profile type exif\0\nexif\n      {}\n{hex}\n",
            tiff.len() + 6
        );
        let m = parse(&Source::from_bytes(&png(
            4,
            4,
            &[chunk(b"tEXt", profile.as_bytes())],
        )))
        .unwrap();
        assert_eq!(m.exif.unwrap().data, tiff);

        let mut zxif = vec![0, 0, 0, 0, 14];
        zxif.extend(zlib(tiff));
        let m = parse(&Source::from_bytes(&png(4, 4, &[chunk(b"zxIf", &zxif)]))).unwrap();
        assert_eq!(m.exif.unwrap().data, tiff);

        let time = [0x07, 0xe3, 10, 16, 19, 1, 0];
        let m = parse(&Source::from_bytes(&png(4, 4, &[chunk(b"tIME", &time)]))).unwrap();
        let (t, src) = m.more_times[0];
        assert_eq!(
            (t.to_iso(), t.offset_minutes, src),
            (
                "2019-10-16T19:01:00".into(),
                Some(0),
                time_source::PNG_MODIFIED
            )
        );

        // A bomb: a small chunk that inflates past the limit is refused with a warning.
        let mut bomb = b"Creation Time\0\0".to_vec();
        bomb.extend(zlib(&vec![b'1'; MAX_TEXT + 10]));
        assert!(bomb.len() < 64 * 1024);
        let m = parse(&Source::from_bytes(&png(4, 4, &[chunk(b"zTXt", &bomb)]))).unwrap();
        assert!(m.captured.is_none());
        assert!(m.warnings[0].contains("inflates past"), "{:?}", m.warnings);
    }

    #[test]
    fn truncations_never_panic() {
        let f = png(
            5,
            5,
            &[
                chunk(b"eXIf", b"MM\0*\0\0\0\x08\0\0"),
                chunk(b"tEXt", b"Creation Time\0x"),
            ],
        );
        for cut in 0..f.len() {
            let r = parse(&Source::from_bytes(&f[..cut]));
            if cut < 8 + 12 + 13 {
                assert!(r.is_err());
            }
        }
        assert!(parse(&Source::from_bytes(b"GIF89a")).is_err());
        crate::probe::source::never_panics(&f, parse);
    }
}
