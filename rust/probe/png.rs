//! PNG: size from `IHDR`, EXIF from an `eXIf` chunk, and the "Creation Time" text keyword
//! (`tEXt` or uncompressed `iTXt`). Chunks are walked header by header; image data is skipped.

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

/// The text of a `tEXt` or `iTXt` chunk, if its keyword is `keyword` (uncompressed only).
fn text_value(kind: [u8; 4], data: &[u8], keyword: &str) -> Option<String> {
    let nul = data.iter().position(|&b| b == 0)?;
    if &data[..nul] != keyword.as_bytes() {
        return None;
    }
    let rest = data.get(nul + 1..)?;
    match &kind {
        // Latin-1
        b"tEXt" => Some(rest.iter().map(|&b| char::from(b)).collect()),
        b"iTXt" => {
            // compression flag, method, language\0, translated keyword\0, text
            if *rest.first()? != 0 {
                return None;
            }
            let rest = rest.get(2..)?;
            let lang_end = rest.iter().position(|&b| b == 0)?;
            let rest = rest.get(lang_end + 1..)?;
            let tr_end = rest.iter().position(|&b| b == 0)?;
            Some(String::from_utf8_lossy(rest.get(tr_end + 1..)?).into_owned())
        }
        _ => None,
    }
}

pub fn parse(src: &Source) -> Result<ContainerMeta, String> {
    let sig = src.read_upto(0, 8)?;
    if &*sig != SIGNATURE {
        return Err("not a PNG file (bad signature)".into());
    }
    let mut out = ContainerMeta::default();
    let mut pos = 8u64;
    let mut creation = None;
    for _ in 0..100_000 {
        if pos + 12 > src.size() {
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
            b"eXIf" | b"exIf" => {
                let d = src.read(data_at, len)?;
                let start = tiff_start(&d);
                out.exif = Some(ExifBlob {
                    file_offset: Some(data_at + start as u64),
                    data: d[start..].to_vec(),
                });
            }
            b"tEXt" | b"iTXt" if len < 1 << 16 => {
                let d = src.read(data_at, len)?;
                if let Some(t) = text_value(kind, &d, "Creation Time") {
                    creation = Some(t);
                }
            }
            b"IEND" => break,
            _ => {}
        }
        pos = data_at + len + 4;
    }
    if out.width.is_none() {
        return Err("PNG without a valid IHDR".into());
    }
    if let Some(text) = creation {
        match timefmt::parse_any(&text) {
            Some(stamp) => out.captured = Some((stamp, time_source::PNG_TEXT)),
            None => {
                out.warning
                    .get_or_insert_with(|| format!("unreadable PNG Creation Time {text:?}"));
            }
        }
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
        assert!(m.warning.unwrap().contains("Creation Time"));
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
