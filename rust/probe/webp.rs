//! WebP (RIFF): canvas size from `VP8X`, or the bitstream header of `VP8 ` (lossy) / `VP8L`
//! (lossless), EXIF from the `EXIF` chunk and XMP from the `XMP ` chunk.

use super::container::{ContainerMeta, ExifBlob};
use super::png::tiff_start;
use super::source::{le_u16, le_u32, Source};

fn le_u24(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 3)?;
    Some(u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16)
}

pub fn parse(src: &Source) -> Result<ContainerMeta, String> {
    let head = src.read_upto(0, 12)?;
    if head.len() < 12 || &head[0..4] != b"RIFF" || &head[8..12] != b"WEBP" {
        return Err("not a WebP file (bad RIFF header)".into());
    }
    let riff_end = (u64::from(le_u32(&head, 4).unwrap_or(0)) + 8).min(src.size());
    let mut out = ContainerMeta::default();
    let mut pos = 12u64;
    let mut canvas = None;
    let mut bitstream = None;
    for _ in 0..10_000 {
        if pos + 8 > riff_end {
            break;
        }
        let h = src.read(pos, 8)?;
        let kind: [u8; 4] = h[0..4].try_into().map_err(|_| "short chunk")?;
        let len = u64::from(le_u32(&h, 4).ok_or("short chunk")?);
        let data_at = pos + 8;
        if data_at + len > src.size() {
            out.warning = Some(format!(
                "truncated: {} chunk runs past the end",
                String::from_utf8_lossy(&kind)
            ));
        }
        match &kind {
            b"VP8X" => {
                let d = src.read_upto(data_at, 10.min(len))?;
                if let (Some(w), Some(h)) = (le_u24(&d, 4), le_u24(&d, 7)) {
                    canvas = Some((w + 1, h + 1));
                }
            }
            b"VP8 " if bitstream.is_none() => {
                let d = src.read_upto(data_at, 10.min(len))?;
                if d.get(3..6) == Some(&[0x9d, 0x01, 0x2a]) {
                    if let (Some(w), Some(h)) = (le_u16(&d, 6), le_u16(&d, 8)) {
                        bitstream = Some((u32::from(w & 0x3fff), u32::from(h & 0x3fff)));
                    }
                }
            }
            b"VP8L" if bitstream.is_none() => {
                let d = src.read_upto(data_at, 5.min(len))?;
                if d.first() == Some(&0x2f) {
                    if let Some(bits) = le_u32(&d, 1) {
                        bitstream = Some(((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1));
                    }
                }
            }
            b"EXIF" => match src.read(data_at, len) {
                Ok(d) => {
                    let start = tiff_start(&d);
                    out.exif = Some(ExifBlob {
                        file_offset: Some(data_at + start as u64),
                        data: d[start..].to_vec(),
                    });
                }
                Err(e) => out.warning = Some(format!("EXIF chunk unreadable: {e}")),
            },
            b"XMP " if len <= super::xmp::MAX_XMP as u64 => {
                if let Ok(d) = src.read(data_at, len) {
                    super::xmp::apply_to_meta(&d, &mut out);
                }
            }
            _ => {}
        }
        pos = data_at + len + (len & 1);
    }
    let (w, h) = canvas
        .or(bitstream)
        .ok_or("WebP without a readable image header")?;
    out.width = Some(w);
    out.height = Some(h);
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::trivially_copy_pass_by_ref)]

    use super::*;

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut v = kind.to_vec();
        v.extend_from_slice(&(data.len() as u32).to_le_bytes());
        v.extend_from_slice(data);
        if data.len() % 2 == 1 {
            v.push(0);
        }
        v
    }

    fn riff(chunks: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = chunks.concat();
        let mut v = b"RIFF".to_vec();
        v.extend_from_slice(&(body.len() as u32 + 4).to_le_bytes());
        v.extend_from_slice(b"WEBP");
        v.extend(body);
        v
    }

    #[test]
    fn lossy_lossless_and_extended() {
        let vp8 = [0, 0, 0, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01];
        let m = parse(&Source::from_bytes(&riff(&[chunk(b"VP8 ", &vp8)]))).unwrap();
        assert_eq!((m.width, m.height), (Some(640), Some(480)));
        let bits: u32 = 0x63 | (0x31 << 14);
        let mut vp8l = vec![0x2f];
        vp8l.extend_from_slice(&bits.to_le_bytes());
        let m = parse(&Source::from_bytes(&riff(&[chunk(b"VP8L", &vp8l)]))).unwrap();
        assert_eq!((m.width, m.height), (Some(100), Some(50)));
        let extended = [8, 0, 0, 0, 0xff, 0x0f, 0, 0x9f, 0x0b, 0];
        let tiff = b"Exif\0\0MM\0*\0\0\0\x08\0";
        let f = riff(&[
            chunk(b"VP8X", &extended),
            chunk(b"VP8 ", &vp8),
            chunk(b"EXIF", tiff),
        ]);
        let m = parse(&Source::from_bytes(&f)).unwrap();
        assert_eq!((m.width, m.height), (Some(4096), Some(2976)));
        let e = m.exif.unwrap();
        assert_eq!(e.data, &tiff[6..]);
        assert_eq!(&f[e.file_offset.unwrap() as usize..][..4], b"MM\0*");
        crate::probe::source::never_panics(&f, parse);
    }
}
