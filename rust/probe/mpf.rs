//! JPEG Multi-Picture Format (CIPA DC-007): cameras store a second, smaller JPEG after the main
//! image (a "large thumbnail", typically 1920×1280 or 1920×1440) and list it in an `APP2`
//! segment that starts `MPF\0`. The segment holds a TIFF-structured MP header; its MP Index IFD
//! has one 16-byte MP entry per image: attributes (format and type code), size, and offset,
//! counted from the MP header (the byte after `MPF\0`); the primary image's offset is 0.
//!
//! Only large thumbnails are previews of the main image: other MP types (panorama frames,
//! stereo views, and the undefined type phones use for depth and HDR gain maps) show something
//! else.

use super::container::Range;
use super::preview;
use super::source::{Endian, Source};
use crate::probe::record::{preview_kind, Record};

/// What an `APP2` body starts with when it holds MPF.
pub const MPF_HEADER: &[u8] = b"MPF\0";
const TAG_MP_ENTRY: u16 = 0xB002;
const TYPE_UNDEFINED: u16 = 7;
/// Most images an index is read for.
const MAX_IMAGES: usize = 64;
/// The MP type class of large thumbnails (0x010001 VGA-, 0x010002 full-HD-equivalent).
const LARGE_THUMBNAIL_CLASS: u32 = 0x01_0000;

/// The large thumbnails an MP header lists, as `(offset from the MP header, length)`. `mp` is
/// the `APP2` body after `MPF\0`. Malformed headers give what could be read (often nothing).
pub fn large_thumbnails(mp: &[u8]) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let endian = match mp.get(0..2) {
        Some(b"II") => Endian::Little,
        Some(b"MM") => Endian::Big,
        _ => return out,
    };
    if endian.u16(mp, 2) != Some(42) {
        return out;
    }
    let Some(ifd) = endian.u32(mp, 4).map(|v| v as usize) else {
        return out;
    };
    let Some(count) = endian.u16(mp, ifd) else {
        return out;
    };
    for i in 0..usize::from(count).min(MAX_IMAGES) {
        let e = ifd + 2 + i * 12;
        if endian.u16(mp, e) != Some(TAG_MP_ENTRY) || endian.u16(mp, e + 2) != Some(TYPE_UNDEFINED)
        {
            continue;
        }
        let Some(len) = endian.u32(mp, e + 4).map(|v| v as usize) else {
            break;
        };
        // 16 bytes per image; at most 4 bytes sit in the entry itself (never a whole MP entry).
        let Some(at) = endian.u32(mp, e + 8).map(|v| v as usize) else {
            break;
        };
        let Some(entries) = at.checked_add(len).and_then(|end| mp.get(at..end)) else {
            break;
        };
        for entry in entries.chunks_exact(16).take(MAX_IMAGES) {
            let (Some(attr), Some(size), Some(offset)) = (
                endian.u32(entry, 0),
                endian.u32(entry, 4),
                endian.u32(entry, 8),
            ) else {
                continue;
            };
            // Image data format, bits 24–26: 0 is JPEG.
            let jpeg = attr & 0x0700_0000 == 0;
            let large_thumbnail = attr & 0x00FF_0000 == LARGE_THUMBNAIL_CLASS;
            if jpeg && large_thumbnail && offset > 0 && size > 0 {
                out.push((u64::from(offset), u64::from(size)));
            }
        }
        break;
    }
    out
}

/// Add the large thumbnails of the MP header at file offset `header_at` (whose bytes are `mp`)
/// to the record's previews, each checked to be a JPEG inside the file and sized from its own
/// frame header.
pub fn add_previews(src: &Source, header_at: u64, mp: &[u8], rec: &mut Record) {
    for (offset, length) in large_thumbnails(mp) {
        let Some(offset) = header_at.checked_add(offset) else {
            continue;
        };
        let range = Range { offset, length };
        if let Some(p) = preview::jpeg_preview(src, preview_kind::MPF, range) {
            preview::add(&mut rec.previews, p);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An MP header (what follows `MPF\0`) listing `images` as (attribute, size, offset),
    /// little- or big-endian, written as cameras do: version, number of images, MP entries.
    pub(crate) fn mp_header(images: &[(u32, u32, u32)], little: bool) -> Vec<u8> {
        let u16b = |v: u16| {
            if little {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        let u32b = |v: u32| {
            if little {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        let mut out = if little {
            b"II*\0".to_vec()
        } else {
            b"MM\0*".to_vec()
        };
        out.extend_from_slice(&u32b(8));
        let entries_at = 8 + 2 + 3 * 12 + 4;
        out.extend_from_slice(&u16b(3));
        out.extend_from_slice(&u16b(0xB000));
        out.extend_from_slice(&u16b(7));
        out.extend_from_slice(&u32b(4));
        out.extend_from_slice(b"0100");
        out.extend_from_slice(&u16b(0xB001));
        out.extend_from_slice(&u16b(4));
        out.extend_from_slice(&u32b(1));
        out.extend_from_slice(&u32b(images.len() as u32));
        out.extend_from_slice(&u16b(TAG_MP_ENTRY));
        out.extend_from_slice(&u16b(7));
        out.extend_from_slice(&u32b(16 * images.len() as u32));
        out.extend_from_slice(&u32b(entries_at));
        out.extend_from_slice(&u32b(0)); // no attribute IFD
        for &(attr, size, offset) in images {
            out.extend_from_slice(&u32b(attr));
            out.extend_from_slice(&u32b(size));
            out.extend_from_slice(&u32b(offset));
            out.extend_from_slice(&[0; 4]);
        }
        out
    }

    #[test]
    fn lists_large_thumbnails_only() {
        for little in [true, false] {
            let mp = mp_header(
                &[
                    (0x2003_0000, 5_000_000, 0),       // primary
                    (0x0001_0002, 800_000, 4_990_000), // full-HD large thumbnail
                    (0x0001_0001, 90_000, 5_800_000),  // VGA large thumbnail
                    (0x0000_0000, 300_000, 5_900_000), // undefined: a gain map, say
                    (0x0002_0002, 300_000, 6_200_000), // disparity
                    (0x0101_0002, 300_000, 6_500_000), // not JPEG
                ],
                little,
            );
            assert_eq!(
                large_thumbnails(&mp),
                vec![(4_990_000, 800_000), (5_800_000, 90_000)]
            );
        }
    }

    #[test]
    fn malformed_headers_give_nothing() {
        assert!(large_thumbnails(b"").is_empty());
        assert!(large_thumbnails(b"XX*\0\x08\0\0\0").is_empty());
        assert!(large_thumbnails(b"II*\0\xff\xff\0\0").is_empty());
        let mut mp = mp_header(&[(0x0001_0002, 10, 100)], true);
        mp.truncate(mp.len() - 4); // the entry list runs past the segment
        assert!(large_thumbnails(&mp).is_empty());
    }

    #[test]
    fn truncations_and_bit_flips_never_panic() {
        let mp = mp_header(&[(0x2003_0000, 500, 0), (0x0001_0002, 80, 400)], false);
        crate::probe::source::never_panics(&mp, |src| {
            let bytes = src.read(0, src.size()).map(std::borrow::Cow::into_owned);
            let mut rec = Record::default();
            if let Ok(b) = bytes {
                add_previews(src, 0, &b, &mut rec);
            }
            rec
        });
    }
}
