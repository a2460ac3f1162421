//! Embedded previews: checking that a byte range holds a JPEG and reading its pixel size from
//! its frame header (a short marker walk, a window of the file read at a time), and the compact
//! text a record's previews are stored as.
//!
//! The formats that carry previews find the ranges: `mpf.rs` (JPEG Multi-Picture Format),
//! `exif.rs` (the IFD1 thumbnail), `heif.rs` (thumbnail items, sized by their `ispe`),
//! `tiff.rs` / `cr3.rs` / `raf.rs` (JPEGs inside raw files).

use std::borrow::Cow;
use std::fmt::Write as _;

use super::container::Range;
use super::source::{be_u16, Source};
use crate::probe::record::Preview;

/// Most previews kept per file (a file that lists more is odd; the largest few suffice).
pub const MAX_PREVIEWS: usize = 8;
/// Bytes read at a time while walking a preview's header: one read covers the usual tables.
const WINDOW: u64 = 16 << 10;
/// Segments walked before giving up on finding the frame header.
const MAX_SEGMENTS: usize = 64;

/// Start-of-frame markers: C0–CF except DHT (C4), JPG (C8) and DAC (CC).
pub fn is_sof(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

/// A window of the file, moved forward as the walk needs.
struct Window<'s, 'a> {
    src: &'s Source<'a>,
    end: u64,
    start: u64,
    buf: Cow<'a, [u8]>,
}

impl Window<'_, '_> {
    /// `n` bytes at `pos`, never past `end`.
    fn bytes(&mut self, pos: u64, n: usize) -> Option<&[u8]> {
        let want_end = pos.checked_add(n as u64)?;
        if want_end > self.end {
            return None;
        }
        if pos < self.start || want_end > self.start + self.buf.len() as u64 {
            let len = (self.end - pos).min(WINDOW.max(n as u64));
            self.buf = self.src.read(pos, len).ok()?;
            self.start = pos;
        }
        let at = usize::try_from(pos - self.start).ok()?;
        self.buf.get(at..at.checked_add(n)?)
    }
}

/// The pixel size `(width, height)` in the frame header of the JPEG whose `length` bytes start
/// at `offset`; `None` when the range does not start with SOI or has no readable frame header
/// before its image data.
pub fn jpeg_size_at(src: &Source, offset: u64, length: u64) -> Option<(u32, u32)> {
    let end = offset.checked_add(length)?.min(src.size());
    let mut w = Window {
        src,
        end,
        start: 0,
        buf: Cow::Borrowed(&[]),
    };
    if w.bytes(offset, 3)? != [0xFF, 0xD8, 0xFF] {
        return None;
    }
    let mut pos = offset + 2;
    for _ in 0..MAX_SEGMENTS {
        if w.bytes(pos, 1)? != [0xFF] {
            return None;
        }
        // Any number of 0xFF fill bytes may precede the marker code.
        let mut p = pos + 1;
        let mut marker = w.bytes(p, 1)?[0];
        while marker == 0xFF {
            p += 1;
            marker = w.bytes(p, 1)?[0];
        }
        let seg = p + 1;
        match marker {
            0x01 | 0xD0..=0xD8 => {
                pos = seg;
                continue;
            }
            0xD9 | 0xDA => return None,
            _ => {}
        }
        let len = u64::from(be_u16(w.bytes(seg, 2)?, 0)?);
        if len < 2 {
            return None;
        }
        if is_sof(marker) {
            let frame = w.bytes(seg + 2, 5)?;
            let height = u32::from(be_u16(frame, 1)?);
            let width = u32::from(be_u16(frame, 3)?);
            return (width > 0 && height > 0).then_some((width, height));
        }
        pos = seg + len;
    }
    None
}

/// [`jpeg_size_at`] over bytes in memory.
pub fn jpeg_size(data: &[u8]) -> Option<(u32, u32)> {
    jpeg_size_at(&Source::from_bytes(data), 0, data.len() as u64)
}

/// A preview of `kind` for the JPEG at `range`, when the range lies inside the file and holds a
/// JPEG whose frame header can be read.
pub fn jpeg_preview(src: &Source, kind: &'static str, range: Range) -> Option<Preview> {
    if range.length < 4 || range.offset.checked_add(range.length)? > src.size() {
        return None;
    }
    let (width, height) = jpeg_size_at(src, range.offset, range.length)?;
    Some(Preview {
        kind,
        offset: range.offset,
        length: range.length,
        width,
        height,
    })
}

/// Add `p` to `list` unless the same bytes are listed already or the list is full.
pub fn add(list: &mut Vec<Preview>, p: Preview) {
    let known = list
        .iter()
        .any(|q| q.offset == p.offset && q.length == p.length);
    if !known && list.len() < MAX_PREVIEWS {
        list.push(p);
    }
}

/// The stored form of a record's previews: `kind:WxH@offset+length` entries joined by `;`
/// (e.g. `mpf:1920x1440@5423123+812345;exif:160x120@1234+5678`), `None` when there are none.
pub fn to_text(previews: &[Preview]) -> Option<String> {
    if previews.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(previews.len() * 40);
    for (i, p) in previews.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        let _ = write!(
            out,
            "{}:{}x{}@{}+{}",
            p.kind, p.width, p.height, p.offset, p.length
        );
    }
    Some(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::probe::record::preview_kind;

    /// A tiny JPEG header: SOI, an `APP1` of `pad` bytes, SOF0 of `w`×`h`, SOS, some data, EOI.
    pub(crate) fn tiny_jpeg(w: u16, h: u16, pad: usize) -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
        out.extend_from_slice(&((pad + 2) as u16).to_be_bytes());
        out.extend(std::iter::repeat_n(0x11, pad));
        out.extend_from_slice(&[0xFF, 0xFF, 0xC0, 0, 11, 8]);
        out.extend_from_slice(&h.to_be_bytes());
        out.extend_from_slice(&w.to_be_bytes());
        out.extend_from_slice(&[1, 1, 0x11, 0]);
        out.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0]);
        out.extend((0..100u8).map(|i| i % 200 + 1));
        out.extend_from_slice(&[0xFF, 0xD9]);
        out
    }

    #[test]
    fn reads_the_frame_size_across_windows() {
        assert_eq!(jpeg_size(&tiny_jpeg(1920, 1440, 10)), Some((1920, 1440)));
        // An APP segment longer than one window: the walk reads on past it.
        let big = tiny_jpeg(640, 480, 60_000);
        assert_eq!(jpeg_size(&big), Some((640, 480)));
        // Inside a larger file, bounded by the range.
        let mut file = vec![0u8; 1000];
        file.extend(&big);
        let src = Source::from_bytes(&file);
        assert_eq!(jpeg_size_at(&src, 1000, big.len() as u64), Some((640, 480)));
        assert_eq!(jpeg_size_at(&src, 1000, 60_000), None); // range ends before SOF
        assert_eq!(jpeg_size_at(&src, 999, 100), None); // no SOI there
        assert_eq!(jpeg_size(&tiny_jpeg(0, 480, 4)), None);
        assert_eq!(jpeg_size(b""), None);
    }

    #[test]
    fn previews_outside_the_file_or_not_jpeg_are_dropped() {
        let j = tiny_jpeg(32, 24, 4);
        let src = Source::from_bytes(&j);
        let r = |offset, length| Range { offset, length };
        let p = jpeg_preview(&src, preview_kind::MPF, r(0, j.len() as u64)).unwrap();
        assert_eq!((p.width, p.height, p.offset), (32, 24, 0));
        assert!(jpeg_preview(&src, preview_kind::MPF, r(0, j.len() as u64 + 1)).is_none());
        assert!(jpeg_preview(&src, preview_kind::MPF, r(u64::MAX, 10)).is_none());
        assert!(jpeg_preview(&src, preview_kind::MPF, r(2, 20)).is_none());
    }

    #[test]
    fn text_form_and_dedup() {
        let p = |kind, offset| Preview {
            kind,
            offset,
            length: 20,
            width: 4,
            height: 3,
        };
        let mut list = Vec::new();
        add(&mut list, p(preview_kind::MPF, 100));
        add(&mut list, p(preview_kind::RAW, 100));
        add(&mut list, p(preview_kind::EXIF, 7));
        assert_eq!(
            to_text(&list).as_deref(),
            Some("mpf:4x3@100+20;exif:4x3@7+20")
        );
        for i in 0..20 {
            add(&mut list, p(preview_kind::RAW, 1000 + i));
        }
        assert_eq!(list.len(), MAX_PREVIEWS);
        assert_eq!(to_text(&[]), None);
    }

    #[test]
    fn truncations_and_bit_flips_never_panic() {
        let j = tiny_jpeg(1920, 1080, 300);
        crate::probe::source::never_panics(&j, |src| jpeg_size_at(src, 0, src.size()));
    }
}
