//! Canon CR3 (ISOBMFF, brand `crx `): metadata lives in `moov/uuid(85c0b687…)` as separate
//! TIFF blocks — `CMT1` (IFD0), `CMT2` (EXIF IFD), `CMT4` (GPS IFD). They are stitched into one
//! TIFF blob so the common EXIF path reads them. The full-size raw track's `CRAW` sample entry
//! gives the dimensions; the `PRVW` box a JPEG preview.

use super::container::{ContainerMeta, ExifBlob, Range};
use super::isobmff::{self, child, full_box, path, Boxes};
use super::preview;
use super::source::{be_u16, be_u32, Endian, Source};
use super::tiff::Tiff;
use crate::probe::record::preview_kind;

pub const CANON_UUID: [u8; 16] = [
    0x85, 0xc0, 0xb6, 0x87, 0x82, 0x0f, 0x11, 0xe0, 0x81, 0x11, 0xf4, 0xce, 0x46, 0x2b, 0x6a, 0x48,
];
pub const PREVIEW_UUID: [u8; 16] = [
    0xea, 0xf4, 0x2b, 0x5e, 0x1c, 0x98, 0x4b, 0x88, 0xb9, 0xfb, 0xb7, 0xdc, 0x40, 0x6e, 0x4d, 0x16,
];

/// A TIFF entry with its value bytes: (tag, type, count, value).
pub type RawEntry = (u16, u16, u32, Vec<u8>);

/// IFD0 of a TIFF block, each entry with its value bytes.
fn block_entries(block: &[u8]) -> Option<(Endian, Vec<RawEntry>)> {
    let src = Source::from_bytes(block);
    let t = Tiff::open(&src, 0).ok()?;
    let (entries, _) = t.ifd(t.first_ifd).ok()?;
    let mut out = Vec::new();
    for e in entries {
        let Ok(r) = t.value_range(&e) else { continue };
        let Ok(v) = src.read(r.offset, r.length) else {
            continue;
        };
        out.push((e.tag, e.typ, e.count, v.into_owned()));
    }
    Some((t.endian, out))
}

fn put_u16(out: &mut Vec<u8>, e: Endian, v: u16) {
    out.extend_from_slice(&match e {
        Endian::Little => v.to_le_bytes(),
        Endian::Big => v.to_be_bytes(),
    });
}

fn put_u32(out: &mut Vec<u8>, e: Endian, v: u32) {
    out.extend_from_slice(&match e {
        Endian::Little => v.to_le_bytes(),
        Endian::Big => v.to_be_bytes(),
    });
}

/// Append an IFD (entries sorted by tag, values over four bytes after the table).
fn write_ifd(out: &mut Vec<u8>, e: Endian, entries: &mut [RawEntry]) -> u32 {
    if out.len() % 2 == 1 {
        out.push(0);
    }
    entries.sort_by_key(|x| x.0);
    let at = out.len();
    let mut value_at = at + 2 + entries.len() * 12 + 4;
    let mut values = Vec::new();
    put_u16(out, e, entries.len() as u16);
    for (tag, typ, count, val) in entries.iter() {
        put_u16(out, e, *tag);
        put_u16(out, e, *typ);
        put_u32(out, e, *count);
        if val.len() <= 4 {
            let mut v = val.clone();
            v.resize(4, 0);
            out.extend(v);
        } else {
            put_u32(out, e, value_at as u32);
            values.extend_from_slice(val);
            if val.len() % 2 == 1 {
                values.push(0);
            }
            value_at += val.len().div_ceil(2) * 2;
        }
    }
    put_u32(out, e, 0);
    out.extend(values);
    at as u32
}

/// One TIFF blob from CMT1 (IFD0), CMT2 (EXIF IFD) and CMT4 (GPS IFD).
pub fn stitch(cmt1: &[u8], cmt2: Option<&[u8]>, cmt4: Option<&[u8]>) -> Option<Vec<u8>> {
    let (endian, ifd0) = block_entries(cmt1)?;
    let same_order = |block: Option<&[u8]>| {
        block
            .and_then(block_entries)
            .filter(|(e, _)| *e == endian)
            .map(|(_, entries)| entries)
    };
    Some(build_tiff(endian, ifd0, same_order(cmt2), same_order(cmt4)))
}

/// A classic TIFF blob: IFD0 from `ifd0` (its own EXIF/GPS pointers dropped), pointing at an
/// EXIF IFD and a GPS IFD built from the given entries (when there are any). Values keep
/// their bytes, in `endian` order.
pub fn build_tiff(
    endian: Endian,
    mut ifd0: Vec<RawEntry>,
    exif: Option<Vec<RawEntry>>,
    gps: Option<Vec<RawEntry>>,
) -> Vec<u8> {
    ifd0.retain(|x| !matches!(x.0, 0x8769 | 0x8825));
    let mut out = match endian {
        Endian::Little => b"II*\0\0\0\0\0".to_vec(),
        Endian::Big => b"MM\0*\0\0\0\0".to_vec(),
    };
    let pointer = |off: u32| match endian {
        Endian::Little => off.to_le_bytes().to_vec(),
        Endian::Big => off.to_be_bytes().to_vec(),
    };
    for (entries, tag) in [(exif, 0x8769u16), (gps, 0x8825)] {
        if let Some(mut entries) = entries.filter(|e| !e.is_empty()) {
            let off = write_ifd(&mut out, endian, &mut entries);
            ifd0.push((tag, 4, 1, pointer(off)));
        }
    }
    let ifd0_at = write_ifd(&mut out, endian, &mut ifd0);
    out[4..8].copy_from_slice(&pointer(ifd0_at));
    out
}

pub fn parse(src: &Source) -> Result<ContainerMeta, String> {
    let (top, walk_err) = isobmff::top_level(src);
    let moov = top.iter().find(|b| &b.kind == b"moov").ok_or_else(|| {
        walk_err
            .clone()
            .unwrap_or_else(|| "CR3 without moov".into())
    })?;
    let moov = isobmff::read_body(src, moov)?;
    let mut out = ContainerMeta {
        warning: walk_err,
        ..ContainerMeta::default()
    };
    let canon = Boxes::new(&moov)
        .find(|(k, b)| k == b"uuid" && b.get(..16) == Some(&CANON_UUID[..]))
        .and_then(|(_, b)| b.get(16..));
    if let Some(canon) = canon {
        if let Some(cmt1) = child(canon, b"CMT1") {
            let blob = stitch(cmt1, child(canon, b"CMT2"), child(canon, b"CMT4"));
            out.exif = blob.map(|data| ExifBlob {
                file_offset: None,
                data,
            });
        }
    } else {
        out.warning = Some("CR3 without Canon metadata box".into());
    }
    for (_, trak) in Boxes::new(&moov).filter(|(k, _)| k == b"trak") {
        let Some((_, _, stsd)) =
            path(trak, &[b"mdia", b"minf", b"stbl", b"stsd"]).and_then(full_box)
        else {
            continue;
        };
        if let Some((kind, entry)) = stsd.get(4..).and_then(|e| Boxes::new(e).next()) {
            if &kind == b"CRAW" {
                if let (Some(w), Some(h)) = (be_u16(entry, 24), be_u16(entry, 26)) {
                    let (w, h) = (u32::from(w), u32::from(h));
                    let bigger = u64::from(w) * u64::from(h)
                        > u64::from(out.width.unwrap_or(0)) * u64::from(out.height.unwrap_or(0));
                    if bigger {
                        out.width = Some(w);
                        out.height = Some(h);
                    }
                }
            }
        }
    }
    if let Some(b) = top
        .iter()
        .find(|b| &b.kind == b"uuid" && b.body_len() > 16 + 8 + 24)
    {
        let head = src.read(b.body_offset(), 16 + 8 + 8 + 20)?;
        if head.get(..16) == Some(&PREVIEW_UUID[..]) && head.get(28..32) == Some(b"PRVW") {
            // PRVW: u32, u16, u16 width, u16 height, u16, u32 JPEG size, JPEG.
            let jpeg_len = u64::from(be_u32(&head, 32 + 12).unwrap_or(0));
            let jpeg_at = b.body_offset() + 32 + 16;
            if jpeg_at + jpeg_len <= b.offset + b.size && jpeg_len > 0 {
                let range = Range {
                    offset: jpeg_at,
                    length: jpeg_len,
                };
                out.preview = Some(range);
                out.previews
                    .extend(preview::jpeg_preview(src, preview_kind::RAW, range));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::isobmff::tests::{bx, fbx};
    use super::super::tiff::tests::{long, Builder};
    use super::*;

    fn block(entries: &[(u16, u16, u32, Vec<u8>)]) -> Vec<u8> {
        let mut b = Builder::new();
        let at = b.ifd(entries);
        b.set_u32(4, at);
        b.data
    }

    fn cr3() -> Vec<u8> {
        let cmt1 = block(&[
            (0x010f, 2, 6, b"Canon\0".to_vec()),
            (0x0110, 2, 13, b"Canon EOS R5\0".to_vec()),
            (0x0112, 3, 1, vec![6, 0]),
        ]);
        let cmt2 = block(&[
            (
                0x829a,
                5,
                1,
                [1u32.to_le_bytes(), 250u32.to_le_bytes()].concat(),
            ),
            (0x9003, 2, 20, b"2023:07:14 18:03:22\0".to_vec()),
        ]);
        let cmt4 = block(&[(0x0001, 2, 2, b"N\0".to_vec())]);
        let canon = [
            &CANON_UUID[..],
            &bx(b"CMT1", &cmt1),
            &bx(b"CMT2", &cmt2),
            &bx(b"CMT4", &cmt4),
        ]
        .concat();
        let mut entry = vec![0u8; 24];
        entry.extend_from_slice(&8192u16.to_be_bytes());
        entry.extend_from_slice(&5464u16.to_be_bytes());
        entry.extend_from_slice(&[0; 60]);
        let mut stsd = 1u32.to_be_bytes().to_vec();
        stsd.extend(bx(b"CRAW", &entry));
        let trak = bx(
            b"trak",
            &bx(
                b"mdia",
                &bx(b"minf", &bx(b"stbl", &fbx(b"stsd", 0, 0, &stsd))),
            ),
        );
        let moov = bx(b"moov", &[bx(b"uuid", &canon), trak].concat());
        let jpeg = [0xff, 0xd8, 1, 2, 0xff, 0xd9];
        let mut prvw = vec![0, 0, 0, 0, 0, 1];
        prvw.extend_from_slice(&1620u16.to_be_bytes());
        prvw.extend_from_slice(&1080u16.to_be_bytes());
        prvw.extend_from_slice(&[0, 1]);
        prvw.extend_from_slice(&(jpeg.len() as u32).to_be_bytes());
        prvw.extend_from_slice(&jpeg);
        let prev = [&PREVIEW_UUID[..], &[0; 8], &bx(b"PRVW", &prvw)].concat();
        let _ = long(0);
        [
            bx(b"ftyp", b"crx \0\0\0\x01crx isom"),
            moov,
            bx(b"uuid", &prev),
            bx(b"mdat", &[0; 32]),
        ]
        .concat()
    }

    #[test]
    fn stitches_metadata_and_finds_sizes() {
        let f = cr3();
        let m = parse(&Source::from_bytes(&f)).unwrap();
        assert_eq!((m.width, m.height), (Some(8192), Some(5464)));
        let p = m.preview.unwrap();
        assert_eq!(
            &f[p.offset as usize..(p.offset + p.length) as usize],
            &[0xff, 0xd8, 1, 2, 0xff, 0xd9]
        );
        let exif = exif::Reader::new().read_raw(m.exif.unwrap().data).unwrap();
        let get = |t| {
            exif.get_field(t, exif::In::PRIMARY)
                .unwrap()
                .display_value()
                .to_string()
        };
        assert_eq!(get(exif::Tag::Model), "\"Canon EOS R5\"");
        assert_eq!(get(exif::Tag::DateTimeOriginal), "2023-07-14 18:03:22");
        assert_eq!(get(exif::Tag::ExposureTime), "1/250");
        assert_eq!(get(exif::Tag::GPSLatitudeRef), "N");
        assert_eq!(
            get(exif::Tag::Orientation),
            "row 0 at right and column 0 at top"
        );
        crate::probe::source::never_panics(&f, |src| {
            if let Ok(m) = parse(src) {
                if let Some(blob) = m.exif {
                    let _ = exif::Reader::new().read_raw(blob.data);
                }
            }
        });
    }
}
