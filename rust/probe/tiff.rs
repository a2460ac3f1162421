//! TIFF and TIFF-based RAW (DNG, NEF, CR2, ARW, ORF, RW2, PEF, SRW, ...): walks the IFD chain
//! and `SubIFDs` to find the full-resolution image's size and the largest embedded JPEG preview,
//! and cuts out the metadata part of the file (IFD0 with its EXIF/GPS IFDs and values) as the
//! EXIF blob, so a 50 MB raw costs a few small reads.

use super::container::{ContainerMeta, ExifBlob, Range};
use super::preview;
use super::source::{Endian, Source};
use crate::probe::record::preview_kind;

const TAG_SUBFILE_TYPE: u16 = 0x00fe;
const TAG_WIDTH: u16 = 0x0100;
const TAG_HEIGHT: u16 = 0x0101;
const TAG_COMPRESSION: u16 = 0x0103;
const TAG_PHOTOMETRIC: u16 = 0x0106;
const TAG_STRIP_OFFSETS: u16 = 0x0111;
const TAG_STRIP_COUNTS: u16 = 0x0117;
const TAG_SUB_IFDS: u16 = 0x014a;
const TAG_JPEG_OFFSET: u16 = 0x0201;
const TAG_JPEG_LENGTH: u16 = 0x0202;
const TAG_EXIF_IFD: u16 = 0x8769;
const TAG_GPS_IFD: u16 = 0x8825;
const TAG_INTEROP_IFD: u16 = 0xa005;
/// Panasonic RW2: sensor size in IFD0 and the embedded full JPEG.
const TAG_RW2_WIDTH: u16 = 0x0002;
const TAG_RW2_HEIGHT: u16 = 0x0003;
const TAG_RW2_JPEG: u16 = 0x002e;

/// Largest metadata prefix copied out as the EXIF blob.
const MAX_META: u64 = 8 << 20;

#[derive(Clone, Copy, Debug)]
pub struct Entry {
    pub tag: u16,
    pub typ: u16,
    pub count: u32,
    /// File offset of the entry's 4-byte value field.
    pub field_at: u64,
}

/// A TIFF structure at `base` in a file.
pub struct Tiff<'s, 'a> {
    pub src: &'s Source<'a>,
    pub base: u64,
    pub endian: Endian,
    pub first_ifd: u64,
    /// `BigTIFF` (magic 43): 64-bit offsets and counts, 20-byte entries, 8-byte value fields.
    pub big: bool,
}

fn type_size(typ: u16) -> u64 {
    match typ {
        3 | 8 => 2,
        4 | 9 | 11 | 13 => 4,
        5 | 10 | 12 | 16 | 17 | 18 => 8,
        _ => 1,
    }
}

impl<'s, 'a> Tiff<'s, 'a> {
    /// Read the header at `base`. Accepts the standard magic 42 and the RAW variants of
    /// Olympus (`IIRO`, `IIRS`, `MMOR`) and Panasonic (`IIU\0`).
    pub fn open(src: &'s Source<'a>, base: u64) -> Result<Self, String> {
        let h = src.read(base, 8)?;
        let endian = match &h[0..2] {
            b"II" => Endian::Little,
            b"MM" => Endian::Big,
            _ => return Err("not a TIFF structure (bad byte order mark)".into()),
        };
        let magic = endian.u16(&h, 2).unwrap_or(0);
        if magic == 43 {
            // BigTIFF: offset size (8), a zero, then the first IFD's 64-bit offset.
            let h = src.read(base, 16)?;
            if endian.u16(&h, 4) != Some(8) {
                return Err("not a BigTIFF structure (offset size is not 8)".into());
            }
            return Ok(Tiff {
                src,
                base,
                endian,
                first_ifd: endian.u64(&h, 8).unwrap_or(0),
                big: true,
            });
        }
        if !matches!(magic, 42 | 0x4f52 | 0x5352 | 0x55) {
            return Err(format!("not a TIFF structure (magic {magic:#x})"));
        }
        let first_ifd = u64::from(endian.u32(&h, 4).unwrap_or(0));
        Ok(Tiff {
            src,
            base,
            endian,
            first_ifd,
            big: false,
        })
    }

    /// Bytes of an entry, of the count before the entries, and of an offset.
    fn sizes(&self) -> (u64, u64, u64) {
        if self.big {
            (20, 8, 8)
        } else {
            (12, 2, 4)
        }
    }

    /// An offset (4 bytes, or 8 in `BigTIFF`) at `at` in `b`.
    fn offset_in(&self, b: &[u8], at: usize) -> Option<u64> {
        if self.big {
            self.endian.u64(b, at)
        } else {
            self.endian.u32(b, at).map(u64::from)
        }
    }

    /// The entries of the IFD at `offset` (relative to the TIFF header) and the next IFD's
    /// offset.
    pub fn ifd(&self, offset: u64) -> Result<(Vec<Entry>, u64), String> {
        let (entry_len, count_len, offset_len) = self.sizes();
        let at = self
            .base
            .checked_add(offset)
            .ok_or("IFD offset out of range")?;
        let n = self.src.read(at, count_len)?;
        let count = if self.big {
            // Real IFDs hold a few hundred entries; a count past that is damage.
            self.endian.u64(&n, 0).unwrap_or(0).min(1 << 16)
        } else {
            u64::from(self.endian.u16(&n, 0).unwrap_or(0))
        };
        let table = self
            .src
            .read(at + count_len, count * entry_len + offset_len)?;
        let mut entries = Vec::with_capacity(count as usize);
        for i in 0..count as usize {
            let e = i * entry_len as usize;
            let n = if self.big {
                self.endian
                    .u64(&table, e + 4)
                    .map(|c| c.min(u64::from(u32::MAX)) as u32)
            } else {
                self.endian.u32(&table, e + 4)
            };
            entries.push(Entry {
                tag: self.endian.u16(&table, e).unwrap_or(0),
                typ: self.endian.u16(&table, e + 2).unwrap_or(0),
                count: n.unwrap_or(0),
                field_at: at + count_len + e as u64 + entry_len - offset_len,
            });
        }
        let next = self
            .offset_in(&table, (count * entry_len) as usize)
            .unwrap_or(0);
        Ok((entries, next))
    }

    /// File offset just past an IFD's entries (where its next-IFD link is).
    pub fn next_link_at(&self, offset: u64, entries: usize) -> u64 {
        let (entry_len, count_len, _) = self.sizes();
        self.base
            .saturating_add(offset)
            .saturating_add(count_len + entries as u64 * entry_len)
    }

    /// File range of an entry's value (inline values live in the entry itself).
    pub fn value_range(&self, e: &Entry) -> Result<Range, String> {
        let length = type_size(e.typ) * u64::from(e.count);
        let (_, _, offset_len) = self.sizes();
        if length <= offset_len {
            return Ok(Range {
                offset: e.field_at,
                length,
            });
        }
        let f = self.src.read(e.field_at, offset_len)?;
        let off = self.offset_in(&f, 0).unwrap_or(0);
        Ok(Range {
            offset: self
                .base
                .checked_add(off)
                .ok_or("value offset out of range")?,
            length,
        })
    }

    /// Unsigned integer values of a BYTE/SHORT/LONG entry (at most `max`).
    pub fn uints(&self, e: &Entry, max: usize) -> Vec<u64> {
        let Ok(r) = self.value_range(e) else {
            return Vec::new();
        };
        let size = type_size(e.typ);
        let n = (u64::from(e.count)).min(max as u64);
        let Ok(b) = self.src.read(r.offset, n * size) else {
            return Vec::new();
        };
        (0..n as usize)
            .filter_map(|i| match e.typ {
                1 | 7 => b.get(i).map(|&v| u64::from(v)),
                3 => self.endian.u16(&b, i * 2).map(u64::from),
                4 | 13 => self.endian.u32(&b, i * 4).map(u64::from),
                16 | 18 => self.endian.u64(&b, i * 8),
                _ => None,
            })
            .collect()
    }

    fn uint(&self, entries: &[Entry], tag: u16) -> Option<u64> {
        let e = entries.iter().find(|e| e.tag == tag)?;
        self.uints(e, 1).first().copied()
    }
}

/// One image directory, summarised.
#[derive(Debug, Default)]
struct Image {
    reduced: bool,
    /// An IFD chained after IFD0 (a further page), not one of its `SubIFDs`.
    later_page: bool,
    width: u64,
    height: u64,
    raw_data: bool,
    jpeg: Option<Range>,
}

fn summarise(t: &Tiff, entries: &[Entry]) -> Image {
    let mut img = Image {
        reduced: t.uint(entries, TAG_SUBFILE_TYPE).unwrap_or(0) & 1 == 1,
        width: t.uint(entries, TAG_WIDTH).unwrap_or(0),
        height: t.uint(entries, TAG_HEIGHT).unwrap_or(0),
        ..Image::default()
    };
    let compression = t.uint(entries, TAG_COMPRESSION).unwrap_or(1);
    let photometric = t.uint(entries, TAG_PHOTOMETRIC).unwrap_or(2);
    // CFA and LinearRaw hold sensor data, not a viewable JPEG.
    img.raw_data = matches!(photometric, 32803 | 34892);
    if let (Some(o), Some(l)) = (
        t.uint(entries, TAG_JPEG_OFFSET),
        t.uint(entries, TAG_JPEG_LENGTH),
    ) {
        img.jpeg = Some(Range {
            offset: t.base.saturating_add(o),
            length: l,
        });
    } else if matches!(compression, 6 | 7) && !img.raw_data {
        let offs = entries
            .iter()
            .find(|e| e.tag == TAG_STRIP_OFFSETS)
            .map(|e| t.uints(e, 2));
        let counts = entries
            .iter()
            .find(|e| e.tag == TAG_STRIP_COUNTS)
            .map(|e| t.uints(e, 2));
        if let (Some([o]), Some([l])) = (offs.as_deref(), counts.as_deref()) {
            img.jpeg = Some(Range {
                offset: t.base.saturating_add(*o),
                length: *l,
            });
        }
    }
    if let Some(e) = entries.iter().find(|e| e.tag == TAG_RW2_JPEG) {
        if let Ok(r) = t.value_range(e) {
            img.jpeg = Some(r);
        }
    }
    if img.width == 0 {
        img.width = t.uint(entries, TAG_RW2_WIDTH).unwrap_or(0);
        img.height = t.uint(entries, TAG_RW2_HEIGHT).unwrap_or(0);
    }
    img
}

/// Whether a range holds a JPEG (starts with SOI) inside the file.
fn is_jpeg(src: &Source, r: Range) -> bool {
    r.length > 4
        && r.offset
            .checked_add(r.length)
            .is_some_and(|e| e <= src.size())
        && src.read(r.offset, 2).is_ok_and(|b| *b == [0xff, 0xd8])
}

/// Copy out IFD0 with its EXIF, GPS and Interop IFDs as a self-contained TIFF blob: the file
/// prefix up to the last byte they use, with IFD0's next-IFD link cut so that a reader does
/// not wander into image IFDs beyond it.
pub fn metadata_blob(t: &Tiff, ifd0: &[Entry], ifd0_next_at: u64) -> Result<ExifBlob, String> {
    let mut end = ifd0_next_at + 4;
    let mut stack = vec![ifd0.to_vec()];
    let mut seen = 0;
    while let Some(entries) = stack.pop() {
        seen += 1;
        if seen > 8 {
            break;
        }
        for e in &entries {
            if let Ok(r) = t.value_range(e) {
                if r.offset.saturating_add(r.length) <= t.src.size() {
                    end = end.max(r.offset + r.length);
                }
            }
            if matches!(e.tag, TAG_EXIF_IFD | TAG_GPS_IFD | TAG_INTEROP_IFD) {
                if let Some(&off) = t.uints(e, 1).first() {
                    if let Ok((child, _)) = t.ifd(off) {
                        let child_end = t.next_link_at(off, child.len()).saturating_add(4);
                        end = end.max(child_end);
                        stack.push(child);
                    }
                }
            }
        }
    }
    let end = end.min(t.src.size()).min(t.base + MAX_META);
    let mut data = t.src.read(t.base, end - t.base)?.into_owned();
    if let Some(link) = data
        .get_mut((ifd0_next_at - t.base) as usize..)
        .and_then(|s| s.get_mut(..4))
    {
        link.copy_from_slice(&[0; 4]);
    }
    // Standard magic, so EXIF readers accept ORF/RW2 headers too.
    let magic = match t.endian {
        Endian::Little => [42, 0],
        Endian::Big => [0, 42],
    };
    if let Some(m) = data.get_mut(2..4) {
        m.copy_from_slice(&magic);
    }
    Ok(ExifBlob {
        file_offset: Some(t.base),
        data,
    })
}

/// Parse a TIFF-structured file whose header is at `base` (0 for TIFF and most RAW).
pub fn parse_at(src: &Source, base: u64) -> Result<ContainerMeta, String> {
    let t = Tiff::open(src, base)?;
    let mut out = ContainerMeta::default();
    let mut images = Vec::new();
    let mut queue = vec![(t.first_ifd, 0u8)];
    let mut visited = Vec::new();
    let mut ifd0: Option<(Vec<Entry>, u64)> = None;
    while let Some((off, depth)) = queue.pop() {
        if off == 0 || visited.contains(&off) || visited.len() >= 32 {
            continue;
        }
        visited.push(off);
        let (entries, next) = match t.ifd(off) {
            Ok(x) => x,
            Err(e) => {
                if ifd0.is_none() {
                    return Err(format!("unreadable IFD0: {e}"));
                }
                out.warning = Some(format!("unreadable IFD at {off}: {e}"));
                continue;
            }
        };
        let mut img = summarise(&t, &entries);
        img.later_page = depth == 0 && ifd0.is_some();
        images.push(img);
        if depth < 2 {
            for e in entries.iter().filter(|e| e.tag == TAG_SUB_IFDS) {
                for sub in t.uints(e, 16) {
                    queue.push((sub, depth + 1));
                }
            }
        }
        if depth == 0 {
            queue.push((next, 0));
        }
        if ifd0.is_none() {
            let next_at = t.next_link_at(off, entries.len());
            ifd0 = Some((entries, next_at));
        }
    }
    let (ifd0, next_at) = ifd0.ok_or("TIFF without IFD0")?;
    // A full-resolution IFD0 is the image: the IFDs chained after it are further pages of a
    // multi-page TIFF (what a viewer shows is page 1, and `ExifTool` reads IFD0), so only its
    // SubIFDs may be larger. A reduced IFD0 (a raw's thumbnail) leaves every IFD in the race.
    let ifd0_full = images.first().is_some_and(|i| !i.reduced && i.width > 0);
    let full = images
        .iter()
        .filter(|i| !(ifd0_full && i.later_page))
        .filter(|i| !i.reduced && i.width > 0 && i.height > 0)
        .max_by_key(|i| i.width.saturating_mul(i.height))
        .or_else(|| {
            images
                .iter()
                .max_by_key(|i| i.width.saturating_mul(i.height))
        });
    if let Some(img) = full.filter(|i| i.width > 0) {
        out.width = u32::try_from(img.width).ok();
        out.height = u32::try_from(img.height).ok();
    }
    out.preview = images
        .iter()
        .filter_map(|i| i.jpeg)
        .filter(|r| is_jpeg(src, *r))
        .max_by_key(|r| r.length);
    for r in images.iter().filter_map(|i| i.jpeg) {
        if let Some(p) = preview::jpeg_preview(src, preview_kind::RAW, r) {
            preview::add(&mut out.previews, p);
        }
    }
    let blob = if t.big {
        classic_blob(&t, &ifd0)
    } else {
        metadata_blob(&t, &ifd0, next_at)
    };
    match blob {
        Ok(blob) => out.exif = Some(blob),
        Err(e) => out.warning = Some(format!("metadata unreadable: {e}")),
    }
    Ok(out)
}

/// `BigTIFF` IFD0 with its EXIF and GPS IFDs rewritten as a classic TIFF blob, so the common
/// EXIF reader (which knows no `BigTIFF`) reads them: 64-bit values that fit become LONGs, the
/// others and the image-data pointers are left out. Value offsets inside maker notes do not
/// survive the move, so the blob has no file offset.
pub fn classic_blob(t: &Tiff, ifd0: &[Entry]) -> Result<ExifBlob, String> {
    let entries_of = |entries: &[Entry]| -> Vec<super::cr3::RawEntry> {
        let mut out = Vec::new();
        for e in entries {
            if matches!(
                e.tag,
                TAG_SUB_IFDS | TAG_EXIF_IFD | TAG_GPS_IFD | TAG_INTEROP_IFD
            ) || matches!(
                e.tag,
                TAG_STRIP_OFFSETS | TAG_STRIP_COUNTS | 0x0144 | 0x0145
            ) || u64::from(e.count) * type_size(e.typ) > MAX_META
            {
                continue;
            }
            if matches!(e.typ, 16..=18) {
                let values = t.uints(e, 1024);
                if values.len() != e.count as usize {
                    continue;
                }
                let Ok(small): Result<Vec<u32>, _> =
                    values.iter().map(|&v| u32::try_from(v)).collect()
                else {
                    continue;
                };
                let bytes = small
                    .iter()
                    .flat_map(|&v| match t.endian {
                        Endian::Little => v.to_le_bytes(),
                        Endian::Big => v.to_be_bytes(),
                    })
                    .collect();
                out.push((e.tag, 4, e.count, bytes));
                continue;
            }
            let Ok(r) = t.value_range(e) else { continue };
            if let Ok(v) = t.src.read(r.offset, r.length) {
                out.push((e.tag, e.typ, e.count, v.into_owned()));
            }
        }
        out
    };
    let child = |tag: u16| -> Option<Vec<super::cr3::RawEntry>> {
        let e = ifd0.iter().find(|e| e.tag == tag)?;
        let off = *t.uints(e, 1).first()?;
        let (entries, _) = t.ifd(off).ok()?;
        Some(entries_of(&entries))
    };
    let blob = super::cr3::build_tiff(
        t.endian,
        entries_of(ifd0),
        child(TAG_EXIF_IFD),
        child(TAG_GPS_IFD),
    );
    Ok(ExifBlob {
        file_offset: None,
        data: blob,
    })
}

pub fn parse(src: &Source) -> Result<ContainerMeta, String> {
    parse_at(src, 0)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Little-endian TIFF builder: IFDs of (tag, type, count, value-bytes). Values over four
    /// bytes are placed after the IFD automatically.
    pub struct Builder {
        pub data: Vec<u8>,
    }

    impl Builder {
        pub fn new() -> Self {
            Builder {
                data: b"II*\0\0\0\0\0".to_vec(),
            }
        }
        /// Append an IFD; returns its offset. `next` patches later via `link`.
        pub fn ifd(&mut self, entries: &[(u16, u16, u32, Vec<u8>)]) -> u32 {
            let at = self.data.len() as u32;
            let table_len = 2 + entries.len() * 12 + 4;
            let mut extra_at = at as usize + table_len;
            let mut table = (entries.len() as u16).to_le_bytes().to_vec();
            let mut extra = Vec::new();
            for (tag, typ, count, val) in entries {
                table.extend_from_slice(&tag.to_le_bytes());
                table.extend_from_slice(&typ.to_le_bytes());
                table.extend_from_slice(&count.to_le_bytes());
                if val.len() <= 4 {
                    let mut v = val.clone();
                    v.resize(4, 0);
                    table.extend(v);
                } else {
                    table.extend_from_slice(&(extra_at as u32).to_le_bytes());
                    extra.extend_from_slice(val);
                    extra_at += val.len();
                }
            }
            table.extend_from_slice(&[0; 4]);
            self.data.extend(table);
            self.data.extend(extra);
            at
        }
        pub fn set_u32(&mut self, at: usize, v: u32) {
            self.data[at..at + 4].copy_from_slice(&v.to_le_bytes());
        }
        /// The file offset of an IFD's next-IFD link.
        pub fn next_link(&self, ifd: u32) -> usize {
            let n = u16::from_le_bytes([self.data[ifd as usize], self.data[ifd as usize + 1]]);
            ifd as usize + 2 + usize::from(n) * 12
        }
        pub fn blob(&mut self, bytes: &[u8]) -> u32 {
            let at = self.data.len() as u32;
            self.data.extend_from_slice(bytes);
            at
        }
    }

    pub fn long(v: u32) -> Vec<u8> {
        v.to_le_bytes().to_vec()
    }
    pub fn short(v: u16) -> Vec<u8> {
        v.to_le_bytes().to_vec()
    }

    /// A DNG-like file: IFD0 = 256×171 preview thumbnail (reduced), a `SubIFD` = 6000×4000 raw,
    /// IFD1-style JPEG preview in a second `SubIFD`, EXIF IFD with a maker-note-sized value.
    pub fn dng() -> Vec<u8> {
        let mut b = Builder::new();
        let jpeg_at = b.blob(&[0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 0xff, 0xd9]);
        let raw_at = b.blob(&[0; 16]);
        let raw = b.ifd(&[
            (TAG_SUBFILE_TYPE, 4, 1, long(0)),
            (TAG_WIDTH, 4, 1, long(6000)),
            (TAG_HEIGHT, 4, 1, long(4000)),
            (TAG_COMPRESSION, 3, 1, short(7)),
            (TAG_PHOTOMETRIC, 3, 1, short(32803)),
            (TAG_STRIP_OFFSETS, 4, 1, long(raw_at)),
            (TAG_STRIP_COUNTS, 4, 1, long(16)),
        ]);
        let prev = b.ifd(&[
            (TAG_SUBFILE_TYPE, 4, 1, long(1)),
            (TAG_WIDTH, 4, 1, long(1024)),
            (TAG_HEIGHT, 4, 1, long(683)),
            (TAG_COMPRESSION, 3, 1, short(7)),
            (TAG_PHOTOMETRIC, 3, 1, short(6)),
            (TAG_STRIP_OFFSETS, 4, 1, long(jpeg_at)),
            (TAG_STRIP_COUNTS, 4, 1, long(10)),
        ]);
        let exif = b.ifd(&[(0x9003, 2, 20, b"2023:07:14 18:03:22\0".to_vec())]);
        let subs = [raw.to_le_bytes(), prev.to_le_bytes()].concat();
        let ifd0 = b.ifd(&[
            (TAG_SUBFILE_TYPE, 4, 1, long(1)),
            (TAG_WIDTH, 4, 1, long(256)),
            (TAG_HEIGHT, 4, 1, long(171)),
            (0x010f, 2, 6, b"Canon\0".to_vec()),
            (TAG_SUB_IFDS, 4, 2, subs),
            (TAG_EXIF_IFD, 4, 1, long(exif)),
        ]);
        b.set_u32(4, ifd0);
        b.data
    }

    #[test]
    fn finds_full_size_preview_and_metadata() {
        let f = dng();
        let m = parse(&Source::from_bytes(&f)).unwrap();
        assert_eq!((m.width, m.height), (Some(6000), Some(4000)));
        let p = m.preview.unwrap();
        assert_eq!(&f[p.offset as usize..][..2], &[0xff, 0xd8]);
        assert_eq!(p.length, 10);
        let blob = m.exif.unwrap();
        let exif = exif::Reader::new().read_raw(blob.data).unwrap();
        let dto = exif
            .get_field(exif::Tag::DateTimeOriginal, exif::In::PRIMARY)
            .unwrap();
        assert_eq!(dto.display_value().to_string(), "2023-07-14 18:03:22");
        let make = exif.get_field(exif::Tag::Make, exif::In::PRIMARY).unwrap();
        assert_eq!(make.display_value().to_string(), "\"Canon\"");
    }

    #[test]
    fn every_embedded_jpeg_is_a_preview_with_its_size() {
        use crate::probe::preview::tests::tiny_jpeg;
        let mut b = Builder::new();
        let (big, small) = (tiny_jpeg(1620, 1080, 200), tiny_jpeg(160, 120, 10));
        let big_at = b.blob(&big);
        let small_at = b.blob(&small);
        let ifd1 = b.ifd(&[
            (TAG_JPEG_OFFSET, 4, 1, long(small_at)),
            (TAG_JPEG_LENGTH, 4, 1, long(small.len() as u32)),
        ]);
        let ifd0 = b.ifd(&[
            (TAG_WIDTH, 4, 1, long(6000)),
            (TAG_HEIGHT, 4, 1, long(4000)),
            (TAG_JPEG_OFFSET, 4, 1, long(big_at)),
            (TAG_JPEG_LENGTH, 4, 1, long(big.len() as u32)),
        ]);
        b.set_u32(4, ifd0);
        let link = b.next_link(ifd0);
        b.set_u32(link, ifd1);
        let m = parse(&Source::from_bytes(&b.data)).unwrap();
        let mut got: Vec<_> = m
            .previews
            .iter()
            .map(|p| (p.kind, p.width, p.height, p.offset, p.length))
            .collect();
        got.sort_unstable();
        let (bl, sl) = (big.len() as u64, small.len() as u64);
        assert_eq!(
            got,
            vec![
                ("raw", 160, 120, u64::from(small_at), sl),
                ("raw", 1620, 1080, u64::from(big_at), bl)
            ]
        );
        assert_eq!(m.preview.unwrap().offset, u64::from(big_at));
        crate::probe::source::never_panics(&b.data, parse);
    }

    #[test]
    fn chain_loops_and_garbage() {
        let mut b = Builder::new();
        let ifd0 = b.ifd(&[(TAG_WIDTH, 3, 1, short(10)), (TAG_HEIGHT, 3, 1, short(20))]);
        b.set_u32(4, ifd0);
        let link = b.next_link(ifd0);
        b.set_u32(link, ifd0); // IFD0 → IFD0
        let m = parse(&Source::from_bytes(&b.data)).unwrap();
        assert_eq!((m.width, m.height), (Some(10), Some(20)));
        assert!(parse(&Source::from_bytes(b"II*\0\xff\xff\xff\xff")).is_err());
        assert!(parse(&Source::from_bytes(b"XX*\0")).is_err());
    }

    /// Issue 14 (Pillow's `multipage.tiff`): pages of 10×10, 10×10 and 20×20. The size is
    /// page 1's, as `ExifTool` and every viewer have it; it was the largest page's.
    #[test]
    fn a_multi_page_tiff_has_the_size_of_its_first_page() {
        let mut b = Builder::new();
        let page = |b: &mut Builder, side: u16, kind: u32| {
            b.ifd(&[
                (TAG_SUBFILE_TYPE, 4, 1, long(kind)),
                (TAG_WIDTH, 3, 1, short(side)),
                (TAG_HEIGHT, 3, 1, short(side)),
            ])
        };
        let first = page(&mut b, 10, 2);
        let second = page(&mut b, 10, 2);
        let third = page(&mut b, 20, 2);
        b.set_u32(4, first);
        let (l1, l2) = (b.next_link(first), b.next_link(second));
        b.set_u32(l1, second);
        b.set_u32(l2, third);
        let m = parse(&Source::from_bytes(&b.data)).unwrap();
        assert_eq!((m.width, m.height), (Some(10), Some(10)));
        // A reduced IFD0 (a raw's thumbnail) still gives way to the larger image after it.
        let mut b = Builder::new();
        let thumb = page(&mut b, 10, 1);
        let full = page(&mut b, 20, 0);
        b.set_u32(4, thumb);
        let link = b.next_link(thumb);
        b.set_u32(link, full);
        let m = parse(&Source::from_bytes(&b.data)).unwrap();
        assert_eq!((m.width, m.height), (Some(20), Some(20)));
    }

    /// A little-endian `BigTIFF`: IFD0 (size, make, an IFD8 pointer to the EXIF IFD holding
    /// `DateTimeOriginal` and a LONG8 ISO).
    pub fn bigtiff() -> Vec<u8> {
        fn entry(tag: u16, typ: u16, count: u64, value: [u8; 8]) -> Vec<u8> {
            [
                &tag.to_le_bytes()[..],
                &typ.to_le_bytes(),
                &count.to_le_bytes(),
                &value,
            ]
            .concat()
        }
        let inline = |v: u64| v.to_le_bytes();
        let mut f = b"II+\0\x08\0\0\0".to_vec();
        f.extend_from_slice(&16u64.to_le_bytes());
        // IFD0 at 16: 4 entries → 8 + 4*20 + 8 = 96 bytes; make text at 112, EXIF IFD at 128.
        let ifd0 = [
            entry(TAG_WIDTH, 16, 1, inline(70_000)),
            entry(TAG_HEIGHT, 4, 1, inline(5)),
            entry(0x010f, 2, 10, inline(112)),
            entry(TAG_EXIF_IFD, 18, 1, inline(128)),
        ];
        f.extend_from_slice(&4u64.to_le_bytes());
        for e in &ifd0 {
            f.extend_from_slice(e);
        }
        f.extend_from_slice(&0u64.to_le_bytes());
        f.resize(112, 0);
        f.extend_from_slice(b"BigCamera\0");
        f.resize(128, 0);
        let exif = [
            entry(0x8827, 16, 1, inline(800)),
            entry(0x9003, 2, 20, inline(128 + 8 + 2 * 20 + 8)),
        ];
        f.extend_from_slice(&2u64.to_le_bytes());
        for e in &exif {
            f.extend_from_slice(e);
        }
        f.extend_from_slice(&0u64.to_le_bytes());
        f.extend_from_slice(b"2019:10:16 19:01:00\0");
        f
    }

    /// Issue 14: `BigTIFF` (magic 43) had no size.
    #[test]
    fn bigtiff_size_and_metadata() {
        let f = bigtiff();
        let m = parse(&Source::from_bytes(&f)).unwrap();
        assert_eq!((m.width, m.height), (Some(70_000), Some(5)));
        let blob = m.exif.unwrap();
        assert_eq!(blob.file_offset, None);
        let mut rec = crate::probe::record::Record::default();
        crate::probe::exif::apply_exif(&blob.data, 0, &mut rec).unwrap();
        assert_eq!(rec.make.as_deref(), Some("BigCamera"));
        assert_eq!(rec.iso, Some(800));
        assert_eq!(rec.captured.unwrap().local, "2019-10-16T19:01:00");
        crate::probe::source::never_panics(&f, |src| {
            if let Ok(m) = parse(src) {
                if let Some(blob) = m.exif {
                    let _ = exif::Reader::new().read_raw(blob.data);
                }
            }
        });
    }

    #[test]
    fn truncations_and_bit_flips_never_panic() {
        let f = dng();
        crate::probe::source::never_panics(&f, |src| {
            if let Ok(m) = parse(src) {
                if let Some(blob) = m.exif {
                    let _ = exif::Reader::new().read_raw(blob.data);
                }
            }
        });
    }
}
