//! HEIF / HEIC / AVIF still images (ISO/IEC 23008-12): the primary item's size (`ispe`) and
//! display transform (`irot`, `imir`), its EXIF and XMP items located through `iloc`, a JPEG thumbnail
//! item as the embedded preview, and every thumbnail item (`thmb`) with its size as a preview.
//! EXIF fields themselves are parsed by `exif.rs`.

use std::collections::HashMap;

use super::container::{ContainerMeta, ExifBlob, Range};
use super::isobmff::{self, child, full_box, Boxes};
use super::preview;
use super::source::{be_u16, be_u32, be_uint, Source};
use crate::probe::record::{preview_kind, Preview};

#[derive(Clone, Debug, Default)]
struct Item {
    kind: [u8; 4],
    /// A `mime` item whose content type is XMP (`application/rdf+xml`).
    xmp: bool,
    /// 0: file offsets, 1: inside `idat`.
    construction: u8,
    extents: Vec<(u64, u64)>,
}

/// What `meta` says about items.
#[derive(Debug, Default)]
struct Meta<'a> {
    primary: Option<u32>,
    items: HashMap<u32, Item>,
    /// Property boxes in `ipco`, 1-based in `ipma`.
    properties: Vec<([u8; 4], &'a [u8])>,
    /// item → property indices.
    associations: HashMap<u32, Vec<usize>>,
    /// (reference type, from, to).
    references: Vec<([u8; 4], u32, u32)>,
    idat: Option<&'a [u8]>,
}

fn parse_iinf(body: &[u8], items: &mut HashMap<u32, Item>) {
    let Some((version, _, rest)) = full_box(body) else {
        return;
    };
    let skip = if version == 0 { 2 } else { 4 };
    let Some(entries) = rest.get(skip..) else {
        return;
    };
    for (kind, infe) in Boxes::new(entries) {
        if &kind != b"infe" {
            continue;
        }
        let Some((v, _, c)) = full_box(infe) else {
            continue;
        };
        let (id, item_type, name_at) = match v {
            2 => (be_u16(c, 0).map(u32::from), c.get(4..8), 8),
            3 => (be_u32(c, 0), c.get(6..10), 10),
            _ => continue,
        };
        if let (Some(id), Some(t)) = (id, item_type.and_then(|t| <[u8; 4]>::try_from(t).ok())) {
            let item = items.entry(id).or_default();
            item.kind = t;
            // A `mime` item: item_name, then content_type, both NUL-terminated.
            if &t == b"mime" {
                let mut strings = c.get(name_at..).unwrap_or_default().split(|&b| b == 0);
                let content_type = strings.nth(1).unwrap_or_default();
                item.xmp = content_type.eq_ignore_ascii_case(b"application/rdf+xml");
            }
        }
    }
}
/// The big-endian unsigned field of `size` bytes (0, 1, 2, 4 or 8) at `*pos`, moving `pos`
/// past it.
fn take(c: &[u8], pos: &mut usize, size: usize) -> Option<u64> {
    let value = be_uint(c, *pos, size)?;
    *pos += size;
    Some(value)
}

/// Most extents one item may have (see `parse_iloc`).
const MAX_EXTENTS: u64 = 1024;

fn parse_iloc(body: &[u8], items: &mut HashMap<u32, Item>) -> Option<()> {
    let (version, _, c) = full_box(body)?;
    let sizes = *c.first()?;
    let sizes2 = *c.get(1)?;
    let (offset_size, length_size) = (usize::from(sizes >> 4), usize::from(sizes & 15));
    let base_size = usize::from(sizes2 >> 4);
    let index_size = if version >= 1 {
        usize::from(sizes2 & 15)
    } else {
        0
    };
    let id_size = if version < 2 { 2 } else { 4 };
    let mut pos = 2;
    let count = take(c, &mut pos, id_size)?;
    for _ in 0..count {
        let id = take(c, &mut pos, id_size)? as u32;
        let construction = if version >= 1 {
            (take(c, &mut pos, 2)? & 15) as u8
        } else {
            0
        };
        pos += 2; // data_reference_index
        let base = take(c, &mut pos, base_size)?;
        let extent_count = take(c, &mut pos, 2)?;
        // With zero-sized fields an extent takes no bytes: a damaged box could list 65,535
        // of them for each item. Real items have one, or a handful.
        if extent_count > MAX_EXTENTS {
            return None;
        }
        let mut extents = Vec::new();
        for _ in 0..extent_count {
            pos += index_size;
            let off = take(c, &mut pos, offset_size)?;
            let len = take(c, &mut pos, length_size)?;
            extents.push((base.checked_add(off)?, len));
        }
        let item = items.entry(id).or_default();
        item.construction = construction;
        item.extents = extents;
    }
    Some(())
}

fn parse_ipma(body: &[u8], assoc: &mut HashMap<u32, Vec<usize>>) -> Option<()> {
    let (version, flags, c) = full_box(body)?;
    let id_size = if version < 1 { 2 } else { 4 };
    let mut pos = 0;
    let count = take(c, &mut pos, 4)?;
    for _ in 0..count {
        let id = take(c, &mut pos, id_size)? as u32;
        let n = take(c, &mut pos, 1)?;
        let list = assoc.entry(id).or_default();
        for _ in 0..n {
            let index = if flags & 1 == 1 {
                take(c, &mut pos, 2)? & 0x7fff
            } else {
                take(c, &mut pos, 1)? & 0x7f
            };
            list.push(index as usize);
        }
    }
    Some(())
}

fn parse_iref(body: &[u8], refs: &mut Vec<([u8; 4], u32, u32)>) {
    let Some((version, _, c)) = full_box(body) else {
        return;
    };
    let w = if version == 0 { 2 } else { 4 };
    let id = |b: &[u8], at: usize| be_uint(b, at, w).map(|v| v as u32);
    for (kind, r) in Boxes::new(c) {
        let (Some(from), Some(n)) = (id(r, 0), be_u16(r, w)) else {
            continue;
        };
        for i in 0..usize::from(n) {
            if let Some(to) = id(r, w + 2 + i * w) {
                refs.push((kind, from, to));
            }
        }
    }
}

fn parse_meta(meta: &[u8]) -> Result<Meta<'_>, String> {
    let (_, _, children) = full_box(meta).ok_or("empty meta box")?;
    let mut m = Meta::default();
    for (kind, body) in Boxes::new(children) {
        match &kind {
            b"pitm" => {
                m.primary = full_box(body)
                    .and_then(|(v, _, c)| be_uint(c, 0, if v == 0 { 2 } else { 4 }))
                    .map(|id| id as u32);
            }
            b"iinf" => parse_iinf(body, &mut m.items),
            b"iloc" => {
                parse_iloc(body, &mut m.items).ok_or("malformed iloc box")?;
            }
            b"iref" => parse_iref(body, &mut m.references),
            b"idat" => m.idat = Some(body),
            b"iprp" => {
                if let Some(ipco) = child(body, b"ipco") {
                    m.properties = Boxes::new(ipco).collect();
                }
                for (k, ipma) in Boxes::new(body) {
                    if &k == b"ipma" {
                        parse_ipma(ipma, &mut m.associations).ok_or("malformed ipma box")?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(m)
}

impl Meta<'_> {
    #[allow(clippy::trivially_copy_pass_by_ref)] // fourcc literals (`b"moov"`) read best by reference
    fn property(&self, item: u32, kind: &[u8; 4]) -> Option<&[u8]> {
        self.associations.get(&item)?.iter().find_map(|&i| {
            let (k, body) = self.properties.get(i.checked_sub(1)?)?;
            (k == kind).then_some(*body)
        })
    }

    /// The first item of `kind` that points at `target` with reference `rtype`, else any item
    /// of that kind.
    #[allow(clippy::trivially_copy_pass_by_ref)] // fourcc literals (`b"moov"`) read best by reference
    fn item_for(&self, kind: &[u8; 4], rtype: &[u8; 4], target: Option<u32>) -> Option<u32> {
        let linked = self.references.iter().find_map(|(r, from, to)| {
            (r == rtype && Some(*to) == target && self.items.get(from)?.kind == *kind)
                .then_some(*from)
        });
        linked.or_else(|| {
            let mut ids: Vec<u32> = self
                .items
                .iter()
                .filter(|(_, it)| it.kind == *kind)
                .map(|(id, _)| *id)
                .collect();
            ids.sort_unstable();
            ids.first().copied()
        })
    }

    /// A thumbnail item as a preview: its size from its `ispe`, its bytes when they sit in one
    /// extent of the file.
    fn thumbnail(&self, id: u32, file_size: u64) -> Option<Preview> {
        let (_, _, ispe) = full_box(self.property(id, b"ispe")?)?;
        let (width, height) = (be_u32(ispe, 0)?, be_u32(ispe, 4)?);
        let item = self.items.get(&id)?;
        let ([(offset, length)], 0) = (item.extents.as_slice(), item.construction) else {
            return None;
        };
        let inside = offset.checked_add(*length).is_some_and(|e| e <= file_size);
        (width > 0 && height > 0 && *length > 0 && inside).then_some(Preview {
            kind: preview_kind::HEIF,
            offset: *offset,
            length: *length,
            width,
            height,
        })
    }

    /// An item's bytes (all extents), read from the file or from `idat`.
    /// The XMP item describing `primary` (`cdsc` reference), else the first XMP item.
    fn xmp_item(&self, primary: Option<u32>) -> Option<u32> {
        let is_xmp = |id: &u32| {
            self.items
                .get(id)
                .is_some_and(|i| i.xmp && !i.extents.is_empty())
        };
        let linked = self.references.iter().find_map(|(r, from, to)| {
            (r == b"cdsc" && Some(*to) == primary && is_xmp(from)).then_some(*from)
        });
        linked.or_else(|| {
            let mut ids: Vec<u32> = self.items.keys().copied().filter(|id| is_xmp(id)).collect();
            ids.sort_unstable();
            ids.first().copied()
        })
    }

    fn item_data(&self, src: &Source, id: u32) -> Result<Vec<u8>, String> {
        let item = self.items.get(&id).ok_or("item without location")?;
        let mut out = Vec::new();
        for &(off, len) in &item.extents {
            match item.construction {
                0 => out.extend_from_slice(&src.read(off, len)?),
                1 => {
                    let idat = self.idat.ok_or("item in missing idat")?;
                    let start = usize::try_from(off).map_err(|_| "bad idat offset")?;
                    let end = start
                        .checked_add(usize::try_from(len).map_err(|_| "bad idat length")?)
                        .ok_or("bad idat length")?;
                    out.extend_from_slice(idat.get(start..end).ok_or("item beyond idat")?);
                }
                m => return Err(format!("unsupported item construction method {m}")),
            }
        }
        Ok(out)
    }
}

/// Strip the HEIF Exif item header (a 4-byte offset to the TIFF header, usually pointing past
/// `Exif\0\0`) and return the TIFF-structured blob and its start within the item.
pub fn exif_payload(item: &[u8]) -> Option<(usize, &[u8])> {
    let skip = be_u32(item, 0)? as usize;
    let start = 4usize.checked_add(skip)?;
    let tiff = item.get(start..)?;
    if tiff.starts_with(b"II*\0") || tiff.starts_with(b"MM\0*") {
        return Some((start, tiff));
    }
    // Some writers get the offset wrong: look for the TIFF header in the first bytes.
    let probe = item.get(..item.len().min(64))?;
    let at = probe
        .windows(4)
        .position(|w| w == b"II*\0" || w == b"MM\0*")?;
    Some((at, item.get(at..)?))
}

/// Parse a HEIF-family file.
/// The XMP item's capture times, make and model (see [`Meta::xmp_item`]).
fn read_xmp(src: &Source, meta: &Meta<'_>, primary: Option<u32>, out: &mut ContainerMeta) {
    let Some(xmp_id) = meta.xmp_item(primary) else {
        return;
    };
    let len: u64 = meta.items[&xmp_id].extents.iter().map(|e| e.1).sum();
    if len > super::xmp::MAX_XMP as u64 {
        out.warnings.push(format!(
            "XMP item of {len} bytes left unread (over the limit)"
        ));
        return;
    }
    match meta.item_data(src, xmp_id) {
        Ok(data) => super::xmp::apply_to_meta(&data, out),
        Err(e) => out.warnings.push(format!("XMP item unreadable: {e}")),
    }
}

/// An image sequence (brand `msf1`: a burst, an animation) keeps a movie beside the still:
/// its `mvhd` says when it was taken and how long it lasts, as in a movie file.
fn read_sequence(src: &Source, top: &[isobmff::BoxHeader], out: &mut ContainerMeta) {
    let Some(moov) = top.iter().find(|b| &b.kind == b"moov") else {
        return;
    };
    match isobmff::read_body(src, moov) {
        Ok(body) => {
            let movie = super::mp4::parse_moov(&body);
            out.captured = movie.captured;
            out.duration = movie.duration;
        }
        Err(e) => out.warnings.push(format!("image sequence unreadable: {e}")),
    }
}

pub fn parse(src: &Source) -> Result<ContainerMeta, String> {
    let (top, walk_err) = isobmff::top_level(src);
    let meta_box = top
        .iter()
        .find(|b| &b.kind == b"meta")
        .ok_or_else(|| walk_err.clone().unwrap_or_else(|| "no meta box".into()))?;
    let body = isobmff::read_body(src, meta_box)?;
    let meta = parse_meta(&body)?;
    // In HEIF the container's transforms (irot/imir) are the only ones decoders apply; an
    // EXIF Orientation beside them is informational and never changes the display size.
    let mut out = ContainerMeta {
        warning: walk_err,
        container_transform: true,
        ..ContainerMeta::default()
    };
    let primary = meta.primary.or_else(|| meta.items.keys().min().copied());
    if let Some(p) = primary {
        if let Some(ispe) = meta.property(p, b"ispe").and_then(full_box) {
            out.width = be_u32(ispe.2, 0);
            out.height = be_u32(ispe.2, 4);
        }
        // A clean aperture crops the coded picture (encoders pad to whole coding blocks).
        if let Some(clap) = meta.property(p, b"clap") {
            let frac = |at| {
                let (n, d) = (be_u32(clap, at)?, be_u32(clap, at + 4)?);
                (d > 0 && n > 0).then(|| (f64::from(n) / f64::from(d)).round() as u32)
            };
            if let (Some(w), Some(h)) = (frac(0), frac(8)) {
                if out.width.is_some_and(|iw| w <= iw) && out.height.is_some_and(|ih| h <= ih) {
                    out.width = Some(w);
                    out.height = Some(h);
                }
            }
        }
        if let Some(irot) = meta.property(p, b"irot").and_then(|b| b.first()) {
            // irot is counter-clockwise quarter turns.
            out.rotation = (360 - u16::from(irot & 3) * 90) % 360;
        }
        if meta.property(p, b"imir").is_some() {
            out.mirror = true;
        }
    }
    if out.width.is_none() {
        return Err("primary item has no size (ispe)".into());
    }
    if let Some(exif_id) = meta.item_for(b"Exif", b"cdsc", primary) {
        let located = meta
            .items
            .get(&exif_id)
            .is_some_and(|i| !i.extents.is_empty());
        match located.then(|| meta.item_data(src, exif_id)).transpose() {
            Ok(Some(data)) => match exif_payload(&data) {
                Some((start, tiff)) => {
                    let item = &meta.items[&exif_id];
                    let file_offset = (item.construction == 0 && item.extents.len() == 1)
                        .then(|| item.extents[0].0 + start as u64);
                    out.exif = Some(ExifBlob {
                        file_offset,
                        data: tiff.to_vec(),
                    });
                }
                None => out.warning = Some("Exif item holds no TIFF header".into()),
            },
            Ok(None) => {}
            Err(e) => out.warning = Some(format!("Exif item unreadable: {e}")),
        }
    }
    read_xmp(src, &meta, primary, &mut out);
    read_sequence(src, &top, &mut out);
    if let Some(thumb) = meta.item_for(b"jpeg", b"thmb", primary) {
        if let Some(item) = meta.items.get(&thumb) {
            if let ([(offset, length)], 0) = (item.extents.as_slice(), item.construction) {
                if offset.checked_add(*length).is_some_and(|e| e <= src.size()) {
                    out.preview = Some(Range {
                        offset: *offset,
                        length: *length,
                    });
                }
            }
        }
    }
    for (r, from, to) in &meta.references {
        if r == b"thmb" && Some(*to) == primary {
            if let Some(p) = meta.thumbnail(*from, src.size()) {
                preview::add(&mut out.previews, p);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::isobmff::tests::{bx, fbx};
    use super::*;

    /// A minimal HEIC: primary item 1 (hvc1) with ispe/irot/imir, item 2 = Exif (cdsc → 1),
    /// item 3 = jpeg thumbnail (thmb → 1), located with iloc v1 at absolute offsets.
    pub fn heic(w: u32, h: u32, irot: Option<u8>, mirror: bool, tiff: &[u8]) -> Vec<u8> {
        heic_with(w, h, irot, mirror, tiff, None)
    }

    pub fn heic_with(
        w: u32,
        h: u32,
        irot: Option<u8>,
        mirror: bool,
        tiff: &[u8],
        clap: Option<&[u8]>,
    ) -> Vec<u8> {
        let ftyp = bx(b"ftyp", b"heic\0\0\0\0mif1heic");
        let infe = |id: u16, t: &[u8; 4]| {
            let mut b = id.to_be_bytes().to_vec();
            b.extend_from_slice(&[0, 0]);
            b.extend_from_slice(t);
            b.push(0);
            fbx(b"infe", 2, 0, &b)
        };
        let mut iinf_body = 3u16.to_be_bytes().to_vec();
        iinf_body.extend(infe(1, b"hvc1"));
        iinf_body.extend(infe(2, b"Exif"));
        iinf_body.extend(infe(3, b"jpeg"));
        let iinf = fbx(b"iinf", 0, 0, &iinf_body);
        let mut ipco_body = fbx(b"ispe", 0, 0, &[w.to_be_bytes(), h.to_be_bytes()].concat());
        let mut assoc = vec![1u8 | 0x80];
        if let Some(r) = irot {
            ipco_body.extend(bx(b"irot", &[r]));
            assoc.push(2 | 0x80);
        }
        if mirror {
            ipco_body.extend(bx(b"imir", &[0]));
            assoc.push(if irot.is_some() { 3 } else { 2 } | 0x80);
        }
        if let Some(c) = clap {
            ipco_body.extend(bx(b"clap", c));
            assoc.push(assoc.len() as u8 + 1);
        }
        // The thumbnail item's own size (an eighth of the image), the last property.
        let thumb_ispe = assoc.len() as u8 + 1;
        let thumb_size = [(w / 8).max(1).to_be_bytes(), (h / 8).max(1).to_be_bytes()].concat();
        ipco_body.extend(fbx(b"ispe", 0, 0, &thumb_size));
        let mut ipma_body = 2u32.to_be_bytes().to_vec();
        ipma_body.extend_from_slice(&1u16.to_be_bytes());
        ipma_body.push(assoc.len() as u8);
        ipma_body.extend(&assoc);
        ipma_body.extend_from_slice(&3u16.to_be_bytes());
        ipma_body.extend_from_slice(&[1, thumb_ispe | 0x80]);
        let iprp = bx(
            b"iprp",
            &[bx(b"ipco", &ipco_body), fbx(b"ipma", 0, 0, &ipma_body)].concat(),
        );
        let mut cdsc = 2u16.to_be_bytes().to_vec();
        cdsc.extend_from_slice(&1u16.to_be_bytes());
        cdsc.extend_from_slice(&1u16.to_be_bytes());
        let mut thmb = 3u16.to_be_bytes().to_vec();
        thmb.extend_from_slice(&1u16.to_be_bytes());
        thmb.extend_from_slice(&1u16.to_be_bytes());
        let iref = fbx(
            b"iref",
            0,
            0,
            &[bx(b"cdsc", &cdsc), bx(b"thmb", &thmb)].concat(),
        );
        let pitm = fbx(b"pitm", 0, 0, &1u16.to_be_bytes());
        let exif_item = [&[0u8, 0, 0, 6][..], b"Exif\0\0", tiff].concat();
        let jpeg = b"\xff\xd8\xff\xd9".to_vec();
        let image = b"HEVCDATA".to_vec();
        // iloc v1, offset_size 4, length_size 4, base 0, index 0; offsets patched below.
        let iloc_for = |offs: [u32; 3], lens: [u32; 3]| {
            let mut b = vec![0x44, 0x00];
            b.extend_from_slice(&3u16.to_be_bytes());
            for (i, (o, l)) in offs.iter().zip(lens).enumerate() {
                b.extend_from_slice(&(i as u16 + 1).to_be_bytes());
                b.extend_from_slice(&[0, 0, 0, 0]); // construction 0, data ref 0
                b.extend_from_slice(&1u16.to_be_bytes());
                b.extend_from_slice(&o.to_be_bytes());
                b.extend_from_slice(&l.to_be_bytes());
            }
            fbx(b"iloc", 1, 0, &b)
        };
        let lens = [
            image.len() as u32,
            exif_item.len() as u32,
            jpeg.len() as u32,
        ];
        let build = |offs| {
            let hdlr = fbx(b"hdlr", 0, 0, b"\0\0\0\0pict\0\0\0\0\0\0\0\0\0\0\0\0\0");
            let meta_body = [
                hdlr,
                pitm.clone(),
                iinf.clone(),
                iloc_for(offs, lens),
                iprp.clone(),
                iref.clone(),
            ]
            .concat();
            [ftyp.clone(), fbx(b"meta", 0, 0, &meta_body)].concat()
        };
        let head_len = build([0; 3]).len() as u32 + 8;
        let offs = [head_len, head_len + lens[0], head_len + lens[0] + lens[1]];
        let mut file = build(offs);
        file.extend(bx(b"mdat", &[image, exif_item, jpeg].concat()));
        file
    }

    #[test]
    fn reads_size_rotation_exif_and_thumbnail() {
        let tiff = b"MM\0*\0\0\0\x08\0\0\0\0\0\0";
        let file = heic(4032, 3024, Some(3), false, tiff);
        let m = parse(&Source::from_bytes(&file)).unwrap();
        assert_eq!((m.width, m.height), (Some(4032), Some(3024)));
        assert_eq!(m.rotation, 90); // 270° counter-clockwise = 90° clockwise
        assert_eq!(m.display_size(), Some((3024, 4032)));
        let exif = m.exif.unwrap();
        assert_eq!(exif.data, tiff);
        let off = exif.file_offset.unwrap() as usize;
        assert_eq!(&file[off..off + 4], b"MM\0*");
        let p = m.preview.unwrap();
        assert_eq!(
            &file[p.offset as usize..(p.offset + p.length) as usize],
            b"\xff\xd8\xff\xd9"
        );
        let thumbs = &m.previews;
        assert_eq!(thumbs.len(), 1);
        assert_eq!(
            (thumbs[0].kind, thumbs[0].width, thumbs[0].height),
            ("heif", 504, 378)
        );
        assert_eq!((thumbs[0].offset, thumbs[0].length), (p.offset, p.length));
        let m = parse(&Source::from_bytes(&heic(10, 20, None, true, tiff))).unwrap();
        assert_eq!(
            (m.rotation, m.mirror, m.display_size()),
            (0, true, Some((10, 20)))
        );
        // clap 64x48 inside a 64x64 coded picture
        let clap: Vec<u8> = [64u32, 1, 48, 1, 0, 1, 0xffff_fff8, 1]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        let with_clap = heic_with(64, 64, Some(3), false, tiff, Some(&clap));
        let m = parse(&Source::from_bytes(&with_clap)).unwrap();
        assert_eq!(
            (m.width, m.height, m.display_size()),
            (Some(64), Some(48), Some((48, 64)))
        );
        let m = parse(&Source::from_bytes(&heic(10, 20, None, true, tiff))).unwrap();
        assert_eq!(
            (m.rotation, m.mirror, m.display_size()),
            (0, true, Some((10, 20)))
        );
    }

    /// `make fuzz` (heif, out of memory; input in `fuzz/regressions/heif-iloc-empty-extents.bin`):
    /// with zero-sized offset and length fields, an `iloc` listed 65,535 extents of no bytes for
    /// each of its items (some 150 MB and 0.3 s for a 950-byte file).
    /// Issue 14 (pillow-heif's Nokia `bird_burst.heic`): an image sequence's `moov` gives the
    /// capture time and the duration. Before: the mtime, no duration.
    #[test]
    fn an_image_sequence_has_its_movies_time_and_duration() {
        use crate::probe::mp4::tests::{movie, Movie, IDENTITY};
        let mut f = heic(64, 48, None, false, &[]);
        let m = movie(&Movie {
            created: 3_603_000_000, // 2018-03-04 (1904 epoch)
            timescale: 1000,
            duration: 3000,
            size: (64, 48),
            matrix: IDENTITY,
            fourcc: b"hvc1",
            keys: vec![],
            xyz: None,
        });
        let at = m.windows(4).rposition(|w| w == b"moov").unwrap() - 4;
        f.extend_from_slice(&m[at..]);
        let out = parse(&Source::from_bytes(&f)).unwrap();
        assert_eq!((out.width, out.height), (Some(64), Some(48)));
        assert_eq!(out.duration, Some(3.0));
        let (_, source) = out.captured.unwrap();
        assert_eq!(source, crate::probe::record::time_source::QUICKTIME);
    }

    #[test]
    fn iloc_extent_counts_are_bounded() {
        // version 1, offset/length/base/index sizes 0, 2 items each claiming 65,535 extents.
        let mut c = vec![0x00, 0x00];
        c.extend_from_slice(&2u16.to_be_bytes());
        for id in 1..=2u16 {
            c.extend_from_slice(&id.to_be_bytes());
            c.extend_from_slice(&[0, 0, 0, 0]); // construction method, data reference
            c.extend_from_slice(&u16::MAX.to_be_bytes());
        }
        let body = [&[1u8, 0, 0, 0][..], &c].concat();
        let mut items = HashMap::new();
        assert!(parse_iloc(&body, &mut items).is_none());
        assert!(items.values().all(|i| i.extents.len() <= 1024));
        // One extent of zero-sized fields is valid ("the whole file").
        let mut one = c.clone();
        one[10..12].copy_from_slice(&1u16.to_be_bytes());
        one.truncate(12);
        one[2..4].copy_from_slice(&1u16.to_be_bytes());
        let body = [&[1u8, 0, 0, 0][..], &one].concat();
        let mut items = HashMap::new();
        assert!(parse_iloc(&body, &mut items).is_some());
        assert_eq!(items[&1].extents, vec![(0, 0)]);
    }

    #[test]
    fn truncations_and_bit_flips_never_panic() {
        let file = heic(640, 480, Some(1), true, b"II*\0\x08\0\0\0\0\0\0\0\0\0");
        crate::probe::source::never_panics(&file, parse);
    }
}
