//! Fujifilm RAF: a big-endian header pointing at an embedded full-size JPEG (which carries the
//! EXIF) and at the raw header directory (sensor/crop size).

use super::container::{ContainerMeta, ExifBlob, Range};
use super::preview;
use super::source::{be_u16, be_u32, Source};
use crate::probe::record::preview_kind;

pub const MAGIC: &[u8] = b"FUJIFILMCCD-RAW ";

/// Find the first `APP1 Exif` segment of the JPEG at `jpeg` in the file: the TIFF blob and its
/// file offset.
pub fn jpeg_exif(src: &Source, jpeg: Range) -> Result<Option<ExifBlob>, String> {
    let end = jpeg.offset.saturating_add(jpeg.length).min(src.size());
    if *src.read(jpeg.offset, 2)? != [0xff, 0xd8] {
        return Err("embedded JPEG has no start-of-image marker".into());
    }
    let mut pos = jpeg.offset + 2;
    for _ in 0..64 {
        if pos + 4 > end {
            break;
        }
        let h = src.read(pos, 4)?;
        if h[0] != 0xff {
            break;
        }
        let marker = h[1];
        if matches!(marker, 0xda | 0xd9) {
            break;
        }
        let len = u64::from(be_u16(&h, 2).unwrap_or(0));
        if len < 2 || pos + 2 + len > end {
            return Err("embedded JPEG has a segment past its end".into());
        }
        if marker == 0xe1 && len > 8 {
            let body = src.read(pos + 4, len - 2)?;
            if body.starts_with(b"Exif\0\0") {
                return Ok(Some(ExifBlob {
                    file_offset: Some(pos + 4 + 6),
                    data: body[6..].to_vec(),
                }));
            }
        }
        pos += 2 + len;
    }
    Ok(None)
}

pub fn parse(src: &Source) -> Result<ContainerMeta, String> {
    let h = src.read_upto(0, 108)?;
    if !h.starts_with(MAGIC) {
        return Err("not a RAF file (bad magic)".into());
    }
    if h.len() < 108 {
        return Err("truncated RAF header".into());
    }
    let field = |at| u64::from(be_u32(&h, at).unwrap_or(0));
    let mut out = ContainerMeta::default();
    let jpeg = Range {
        offset: field(84),
        length: field(88),
    };
    if jpeg.length > 0
        && jpeg
            .offset
            .checked_add(jpeg.length)
            .is_some_and(|e| e <= src.size())
    {
        match jpeg_exif(src, jpeg) {
            Ok(exif) => {
                out.exif = exif;
                out.preview = Some(jpeg);
                out.previews
                    .extend(preview::jpeg_preview(src, preview_kind::RAW, jpeg));
            }
            Err(e) => out.warning = Some(e),
        }
    } else {
        out.warning = Some("embedded JPEG lies outside the file".into());
    }
    // Raw header directory: u32 count, then (tag u16, size u16, data).
    let (dir_at, dir_len) = (field(92), field(96).min(1 << 16));
    if let Ok(dir) = src.read(dir_at, dir_len) {
        let count = be_u32(&dir, 0).unwrap_or(0).min(256);
        let mut pos = 4usize;
        let (mut full, mut cropped) = (None, None);
        for _ in 0..count {
            let (Some(tag), Some(size)) = (be_u16(&dir, pos), be_u16(&dir, pos + 2)) else {
                break;
            };
            let data = pos + 4;
            let hw = (be_u16(&dir, data), be_u16(&dir, data + 2));
            if let (Some(hgt), Some(w)) = hw {
                match tag {
                    0x100 => full = Some((u32::from(w), u32::from(hgt))),
                    0x111 => cropped = Some((u32::from(w), u32::from(hgt))),
                    _ => {}
                }
            }
            pos = data + usize::from(size);
        }
        if let Some((w, hgt)) = cropped.or(full).filter(|&(w, h)| w > 0 && h > 0) {
            out.width = Some(w);
            out.height = Some(hgt);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raf() -> Vec<u8> {
        let tiff = b"MM\0*\0\0\0\x08\0\0\0\0\0\0";
        let mut jpeg = vec![0xff, 0xd8, 0xff, 0xe1];
        jpeg.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
        jpeg.extend_from_slice(b"Exif\0\0");
        jpeg.extend_from_slice(tiff);
        jpeg.extend_from_slice(&[0xff, 0xda, 0, 2, 0xff, 0xd9]);
        let mut dir = 2u32.to_be_bytes().to_vec();
        dir.extend_from_slice(&[0x01, 0x00, 0, 4, 0x10, 0x00, 0x18, 0x00]); // 4096x6144 h,w
        dir.extend_from_slice(&[0x01, 0x11, 0, 4, 0x0f, 0xa0, 0x17, 0x70]); // 4000x6000
        let mut f = MAGIC.to_vec();
        f.resize(108, 0);
        let jpeg_at = 108u32;
        let dir_at = jpeg_at + jpeg.len() as u32;
        f[84..88].copy_from_slice(&jpeg_at.to_be_bytes());
        f[88..92].copy_from_slice(&(jpeg.len() as u32).to_be_bytes());
        f[92..96].copy_from_slice(&dir_at.to_be_bytes());
        f[96..100].copy_from_slice(&(dir.len() as u32).to_be_bytes());
        f.extend(jpeg);
        f.extend(dir);
        f
    }

    #[test]
    fn header_jpeg_and_sizes() {
        let f = raf();
        let m = parse(&Source::from_bytes(&f)).unwrap();
        assert_eq!((m.width, m.height), (Some(6000), Some(4000)));
        let e = m.exif.unwrap();
        assert_eq!(&f[e.file_offset.unwrap() as usize..][..4], b"MM\0*");
        assert_eq!(m.preview.unwrap().offset, 108);
        crate::probe::source::never_panics(&f, parse);
    }
}
