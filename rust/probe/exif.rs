//! EXIF → [`Record`] fields, for every container that carries a TIFF-structured EXIF blob
//! (JPEG APP1, HEIF `Exif` item, PNG `eXIf`, WebP `EXIF`, TIFF/RAW files themselves).
//!
//! Parsing is kamadak-exif's; this module only picks the fields albumen stores and turns them
//! into plain values (signed decimal degrees, seconds, millimetres, ISO 8601 capture time).

use exif::{Exif, Field, In, Reader, Tag, Value};

use crate::probe::capture_time;
use crate::probe::preview;
use crate::probe::record::{preview_kind, time_source, Preview, Record};

/// Parse `tiff` (the EXIF payload starting at the TIFF header `II*\0` / `MM\0*`, i.e. after
/// JPEG's `Exif\0\0`) and fill `rec` with what it holds. `tiff_offset` is where `tiff` starts
/// in the file, so the IFD1 thumbnail lands in `rec.preview_offset` as a file offset (and, with
/// its pixel size, in `rec.previews`).
///
/// Fields the blob does not carry are left as they are, so callers can merge several sources.
/// A capture time is set only when the blob has a plausible one (`DateTimeOriginal`, then
/// `CreateDate`/`DateTimeDigitized`, then `ModifyDate`); the mtime fallback is the caller's.
///
/// A blob that kamadak-exif can only partly parse (a bad offset in one IFD, say) still gives
/// its good fields and counts as success, with a warning in the record naming what could not
/// be read; `Err` (with a reason) means the blob is unusable.
pub fn apply_exif(tiff: &[u8], tiff_offset: u64, rec: &mut Record) -> Result<(), String> {
    let mut reader = Reader::new();
    reader.continue_on_error(true);
    let mut tiff = tiff.to_vec();
    ifd_pointers_as_long(&mut tiff);
    let exif = match reader.read_raw(tiff) {
        Ok(exif) => exif,
        Err(exif::Error::PartialResult(partial)) => {
            let (exif, errors) = partial.into_inner();
            let why = errors.first().map_or_else(String::new, ToString::to_string);
            if exif.fields().len() == 0 {
                return Err(format!("unreadable EXIF: {why}"));
            }
            // The good fields are kept; what could not be read is said.
            crate::probe::add_warning(rec, format!("EXIF partly unreadable: {why}"));
            exif
        }
        Err(e) => return Err(format!("unreadable EXIF: {e}")),
    };
    fill(&exif, tiff_offset, rec);
    Ok(())
}

/// Tags whose value is the offset of a sub-IFD (EXIF, GPS, interoperability).
const POINTER_TAGS: [u16; 3] = [0x8769, 0x8825, 0xa005];

/// Pointer tags written with the `IFD` type (13, TIFF Technical Note 1) instead of `LONG` (4),
/// as FLIR cameras do, are rewritten as `LONG`: kamadak-exif follows only `LONG` pointers
/// ("Invalid pointer"), `ExifTool` follows both. Walks IFD0 and the EXIF IFD (the interop
/// pointer lives there); anything out of bounds is left for the parser to report.
fn ifd_pointers_as_long(tiff: &mut [u8]) {
    let big = match tiff.get(0..2) {
        Some(b"MM") => true,
        Some(b"II") => false,
        _ => return,
    };
    let u16_at = |b: &[u8], at: usize| -> Option<u16> {
        let v: [u8; 2] = b.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if big {
            u16::from_be_bytes(v)
        } else {
            u16::from_le_bytes(v)
        })
    };
    let u32_at = |b: &[u8], at: usize| -> Option<usize> {
        let v: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
        let n = if big {
            u32::from_be_bytes(v)
        } else {
            u32::from_le_bytes(v)
        };
        usize::try_from(n).ok()
    };
    let long = if big {
        4u16.to_be_bytes()
    } else {
        4u16.to_le_bytes()
    };
    let mut queue: Vec<usize> = u32_at(tiff, 4).into_iter().collect();
    for _ in 0..2 {
        let Some(ifd) = queue.pop() else { return };
        let Some(n) = u16_at(tiff, ifd) else { return };
        for i in 0..usize::from(n) {
            let entry = ifd + 2 + 12 * i;
            let (Some(tag), Some(typ)) = (u16_at(tiff, entry), u16_at(tiff, entry + 2)) else {
                return;
            };
            if !POINTER_TAGS.contains(&tag) || !matches!(typ, 4 | 13) {
                continue;
            }
            if typ == 13 {
                tiff[entry + 2..entry + 4].copy_from_slice(&long);
            }
            if tag == 0x8769 {
                queue.extend(u32_at(tiff, entry + 8));
            }
        }
    }
}

fn fill(exif: &Exif, tiff_offset: u64, rec: &mut Record) {
    let get = |tag: Tag| exif.get_field(tag, In::PRIMARY);

    // SHORT by the standard; gThumb writes a SLONG (`ExifTool` reads any integer type).
    if let Some(o) = get(Tag::Orientation).and_then(|f| number(&f.value, 0)) {
        if (1.0..=8.0).contains(&o) && o.fract() == 0.0 {
            rec.orientation = Some(o as u16);
        }
    }
    set_text(&mut rec.make, get(Tag::Make));
    set_text(&mut rec.model, get(Tag::Model));
    // Camera settings belong in the EXIF IFD; some writers put them in IFD0 (piexif's TIFFs),
    // where `ExifTool` reads them too.
    let setting = |tag: Tag| primary_field(exif, tag);
    set_text(&mut rec.lens, setting(Tag::LensModel));
    if let Some(iso) = setting(Tag::PhotographicSensitivity).and_then(|f| f.value.get_uint(0)) {
        if iso > 0 {
            rec.iso = Some(iso);
        }
    }
    set_positive(&mut rec.f_number, setting(Tag::FNumber));
    set_positive(&mut rec.exposure_time, setting(Tag::ExposureTime));
    set_positive(&mut rec.focal_length, setting(Tag::FocalLength));

    if let Some(lat) = gps_degrees(get(Tag::GPSLatitude), get(Tag::GPSLatitudeRef), b'S', 90.0) {
        if let Some(lon) = gps_degrees(
            get(Tag::GPSLongitude),
            get(Tag::GPSLongitudeRef),
            b'W',
            180.0,
        ) {
            rec.gps_lat = Some(lat);
            rec.gps_lon = Some(lon);
        }
    }
    if let Some(alt) = get(Tag::GPSAltitude).and_then(|f| number(&f.value, 0)) {
        if alt.is_finite() {
            let below = get(Tag::GPSAltitudeRef).and_then(|f| f.value.get_uint(0)) == Some(1);
            rec.gps_alt = Some(if below { -alt } else { alt });
        }
    }

    fill_capture_time(exif, rec);

    // TIFF/DNG keep an XMP packet in IFD0 (XMLPacket, tag 700).
    let xmp = exif
        .fields()
        .find(|f| f.ifd_num == In::PRIMARY && f.tag.number() == 700);
    if let Some(Value::Byte(packet) | Value::Undefined(packet, _)) = xmp.map(|f| &f.value) {
        crate::probe::xmp::apply(packet, rec);
    }

    if let Some(id) = crate::probe::apple::content_identifier_of(exif) {
        rec.content_id = Some(id);
    }

    let thumb = |tag| {
        exif.get_field(tag, In::THUMBNAIL)
            .and_then(|f| f.value.get_uint(0))
    };
    if let (Some(off), Some(len)) = (
        thumb(Tag::JPEGInterchangeFormat),
        thumb(Tag::JPEGInterchangeFormatLength),
    ) {
        let start = tiff_offset + u64::from(off);
        let fits = rec.size == 0 || start + u64::from(len) <= rec.size;
        if off > 0 && len > 0 && fits {
            rec.preview_offset = Some(start);
            rec.preview_length = Some(u64::from(len));
            let (at, n) = (off as usize, len as usize);
            let bytes = at.checked_add(n).and_then(|end| exif.buf().get(at..end));
            if let Some((width, height)) = bytes.and_then(preview::jpeg_size) {
                let p = Preview {
                    kind: preview_kind::EXIF,
                    offset: start,
                    length: u64::from(len),
                    width,
                    height,
                };
                preview::add(&mut rec.previews, p);
            }
        }
    }
}

/// The capture time: `DateTimeOriginal`, then `CreateDate`, then `ModifyDate` (each with its
/// sub-seconds and offset), offered against what the record holds; a maker-note date too. A
/// date tag present but unreadable becomes a warning.
fn fill_capture_time(exif: &Exif, rec: &mut Record) {
    let mut unreadable = Vec::new();
    let captured = [
        (
            Tag::DateTimeOriginal,
            Tag::SubSecTimeOriginal,
            Tag::OffsetTimeOriginal,
            time_source::EXIF_ORIGINAL,
        ),
        (
            Tag::DateTimeDigitized,
            Tag::SubSecTimeDigitized,
            Tag::OffsetTimeDigitized,
            time_source::EXIF_DIGITIZED,
        ),
        (
            Tag::DateTime,
            Tag::SubSecTime,
            Tag::OffsetTime,
            time_source::EXIF_MODIFIED,
        ),
    ]
    .into_iter()
    .find_map(|(date, subsec, offset, source)| {
        let text_of = |tag: Tag| primary_field(exif, tag).and_then(text);
        let date_text = text_of(date)?;
        let subsec = text_of(subsec);
        let offset = text_of(offset);
        let found =
            capture_time::from_parts(&date_text, subsec.as_deref(), offset.as_deref(), source);
        if found.is_none() && !capture_time::is_unset(&date_text) {
            unreadable.push(format!("unreadable EXIF {date} {date_text:?}"));
        }
        found
    });
    if let Some(c) = captured {
        capture_time::offer(&mut rec.captured, c);
    }
    for note in unreadable {
        crate::probe::add_warning(rec, note);
    }
    if let Some((time, source)) = crate::probe::makernotes::capture_time(exif) {
        capture_time::offer(&mut rec.captured, time.capture_time(source));
    }
}

/// A field of the primary image by tag number, wherever the writer put it: most write dates
/// in the EXIF IFD, some odd ones in IFD0 (`ExifTool` reads both).
pub fn primary_field(exif: &Exif, tag: Tag) -> Option<&Field> {
    exif.get_field(tag, In::PRIMARY).or_else(|| {
        exif.fields()
            .find(|f| f.ifd_num == In::PRIMARY && f.tag.number() == tag.number())
    })
}

/// First string of an ASCII field (or a UTF-8 `Undefined` one), NULs stripped and trimmed;
/// `None` when empty.
pub fn text(field: &Field) -> Option<String> {
    let raw: &[u8] = match &field.value {
        Value::Ascii(v) => v.first()?,
        Value::Undefined(v, _) | Value::Byte(v) => v,
        _ => return None,
    };
    let s = String::from_utf8_lossy(raw);
    let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    let s: String = s.chars().filter(|&c| c != '\0').collect();
    (!s.is_empty()).then_some(s)
}

fn set_text(slot: &mut Option<String>, field: Option<&Field>) {
    if let Some(s) = field.and_then(text) {
        *slot = Some(s);
    }
}

fn set_positive(slot: &mut Option<f64>, field: Option<&Field>) {
    if let Some(v) = field.and_then(|f| number(&f.value, 0)) {
        if v.is_finite() && v > 0.0 {
            *slot = Some(v);
        }
    }
}

/// The `i`-th value of a numeric field as f64 (rationals with a zero denominator give `None`).
fn number(value: &Value, i: usize) -> Option<f64> {
    let v = match value {
        Value::Rational(v) => v.get(i).filter(|r| r.denom != 0)?.to_f64(),
        Value::SRational(v) => v.get(i).filter(|r| r.denom != 0)?.to_f64(),
        Value::Float(v) => f64::from(*v.get(i)?),
        Value::Double(v) => *v.get(i)?,
        Value::SByte(v) => f64::from(*v.get(i)?),
        Value::SShort(v) => f64::from(*v.get(i)?),
        Value::SLong(v) => f64::from(*v.get(i)?),
        _ => f64::from(value.get_uint(i)?),
    };
    Some(v)
}

/// Degrees/minutes/seconds rationals plus a hemisphere reference → signed decimal degrees.
fn gps_degrees(
    dms: Option<&Field>,
    reference: Option<&Field>,
    negative_ref: u8,
    limit: f64,
) -> Option<f64> {
    let value = &dms?.value;
    let deg = number(value, 0)?;
    let min = number(value, 1).unwrap_or(0.0);
    let sec = number(value, 2).unwrap_or(0.0);
    let mut d = deg + min / 60.0 + sec / 3600.0;
    if !d.is_finite() || d.abs() > limit {
        return None;
    }
    let r = reference.and_then(text);
    if r.is_some_and(|r| r.as_bytes().first().map(u8::to_ascii_uppercase) == Some(negative_ref)) {
        d = -d;
    }
    Some(d)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use exif::experimental::Writer;
    use exif::Rational;

    fn ascii(tag: Tag, s: &str) -> Field {
        Field {
            tag,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![s.as_bytes().to_vec()]),
        }
    }

    fn rational(tag: Tag, parts: &[(u32, u32)]) -> Field {
        Field {
            tag,
            ifd_num: In::PRIMARY,
            value: Value::Rational(
                parts
                    .iter()
                    .map(|&(num, denom)| Rational { num, denom })
                    .collect(),
            ),
        }
    }

    /// Options for a test EXIF blob.
    #[derive(Default)]
    pub(crate) struct Spec<'a> {
        pub orientation: Option<u16>,
        pub original: Option<&'a str>,
        pub subsec: Option<&'a str>,
        pub offset: Option<&'a str>,
        pub digitized: Option<&'a str>,
        pub modified: Option<&'a str>,
        pub gps: Option<(&'a str, &'a str, u8)>,
        pub thumbnail: Option<&'a [u8]>,
    }

    /// A TIFF-structured EXIF blob written by kamadak-exif's own writer.
    pub(crate) fn tiff_blob(spec: &Spec<'_>, little_endian: bool) -> Vec<u8> {
        let mut fields = vec![
            ascii(Tag::Make, "Canon\0 "),
            ascii(Tag::Model, " Canon EOS R5"),
            ascii(Tag::LensModel, "RF24-105mm F4 L IS USM"),
            Field {
                tag: Tag::PhotographicSensitivity,
                ifd_num: In::PRIMARY,
                value: Value::Short(vec![400]),
            },
            rational(Tag::FNumber, &[(28, 10)]),
            rational(Tag::ExposureTime, &[(1, 250)]),
            rational(Tag::FocalLength, &[(50, 1)]),
        ];
        if let Some(o) = spec.orientation {
            fields.push(Field {
                tag: Tag::Orientation,
                ifd_num: In::PRIMARY,
                value: Value::Short(vec![o]),
            });
        }
        for (tag, v) in [
            (Tag::DateTimeOriginal, spec.original),
            (Tag::SubSecTimeOriginal, spec.subsec),
            (Tag::OffsetTimeOriginal, spec.offset),
            (Tag::DateTimeDigitized, spec.digitized),
            (Tag::DateTime, spec.modified),
        ] {
            if let Some(v) = v {
                fields.push(ascii(tag, v));
            }
        }
        if let Some((lat_ref, lon_ref, alt_ref)) = spec.gps {
            fields.push(rational(Tag::GPSLatitude, &[(48, 1), (51, 1), (2430, 100)]));
            fields.push(ascii(Tag::GPSLatitudeRef, lat_ref));
            fields.push(rational(Tag::GPSLongitude, &[(2, 1), (21, 1), (0, 1)]));
            fields.push(ascii(Tag::GPSLongitudeRef, lon_ref));
            fields.push(rational(Tag::GPSAltitude, &[(355, 10)]));
            fields.push(Field {
                tag: Tag::GPSAltitudeRef,
                ifd_num: In::PRIMARY,
                value: Value::Byte(vec![alt_ref]),
            });
        }
        let mut w = Writer::new();
        for f in &fields {
            w.push_field(f);
        }
        if let Some(t) = spec.thumbnail {
            w.set_jpeg(t, In::THUMBNAIL);
        }
        let mut out = std::io::Cursor::new(Vec::new());
        w.write(&mut out, little_endian).expect("write test EXIF");
        out.into_inner()
    }

    #[test]
    fn fills_camera_fields() {
        let blob = tiff_blob(
            &Spec {
                orientation: Some(6),
                original: Some("2023:07:14 18:03:22"),
                subsec: Some("12"),
                offset: Some("+02:00"),
                ..Spec::default()
            },
            true,
        );
        let mut rec = Record::default();
        apply_exif(&blob, 0, &mut rec).unwrap();
        assert_eq!(rec.orientation, Some(6));
        assert_eq!(rec.make.as_deref(), Some("Canon"));
        assert_eq!(rec.model.as_deref(), Some("Canon EOS R5"));
        assert_eq!(rec.lens.as_deref(), Some("RF24-105mm F4 L IS USM"));
        assert_eq!(rec.iso, Some(400));
        assert_eq!(rec.f_number, Some(2.8));
        assert_eq!(rec.exposure_time, Some(0.004));
        assert_eq!(rec.focal_length, Some(50.0));
        let c = rec.captured.unwrap();
        assert_eq!(c.local, "2023-07-14T18:03:22.120");
        assert_eq!(c.offset_minutes, Some(120));
        assert_eq!(c.source, time_source::EXIF_ORIGINAL);
        assert_eq!(rec.gps_lat, None);
    }

    #[test]
    fn gps_signs() {
        for (lat_ref, lon_ref, alt_ref, sign_lat, sign_lon, sign_alt) in [
            ("N", "E", 0, 1.0, 1.0, 1.0),
            ("S", "W", 1, -1.0, -1.0, -1.0),
            ("N", "W", 0, 1.0, -1.0, 1.0),
        ] {
            let blob = tiff_blob(
                &Spec {
                    gps: Some((lat_ref, lon_ref, alt_ref)),
                    ..Spec::default()
                },
                false,
            );
            let mut rec = Record::default();
            apply_exif(&blob, 0, &mut rec).unwrap();
            let lat = rec.gps_lat.unwrap();
            let lon = rec.gps_lon.unwrap();
            assert!((lat - sign_lat * (48.0 + 51.0 / 60.0 + 24.3 / 3600.0)).abs() < 1e-9);
            assert!((lon - sign_lon * (2.0 + 21.0 / 60.0)).abs() < 1e-9);
            assert!((rec.gps_alt.unwrap() - sign_alt * 35.5).abs() < 1e-9);
        }
    }

    /// The capture time `apply_exif` finds in a blob built from `spec`.
    fn captured(spec: &Spec<'_>) -> Option<crate::probe::record::CaptureTime> {
        let mut rec = Record::default();
        apply_exif(&tiff_blob(spec, true), 0, &mut rec).unwrap();
        rec.captured
    }

    #[test]
    fn capture_time_priority() {
        // Impossible DateTimeOriginal → CreateDate is used.
        let c = captured(&Spec {
            original: Some("0000:00:00 00:00:00"),
            digitized: Some("2021:01:02 03:04:05"),
            modified: Some("2022:01:01 00:00:00"),
            ..Spec::default()
        })
        .unwrap();
        assert_eq!(
            (c.local.as_str(), c.source),
            ("2021-01-02T03:04:05", time_source::EXIF_DIGITIZED)
        );

        let c = captured(&Spec {
            modified: Some("2022:01:01 00:00:00"),
            ..Spec::default()
        });
        assert_eq!(c.unwrap().source, time_source::EXIF_MODIFIED);

        let c = captured(&Spec {
            original: Some("2020:01:01 10:00:00"),
            modified: Some("2022:01:01 00:00:00"),
            ..Spec::default()
        });
        assert_eq!(c.unwrap().source, time_source::EXIF_ORIGINAL);

        // No plausible date at all → captured stays unset for the caller's fallback.
        let c = captured(&Spec {
            original: Some("2023:13:01 00:00:00"),
            ..Spec::default()
        });
        assert!(c.is_none());
    }

    #[test]
    fn thumbnail_is_a_file_offset() {
        let thumb = [0xFF, 0xD8, 0xFF, 0xD9, 0, 0, 0, 0];
        let blob = tiff_blob(
            &Spec {
                thumbnail: Some(&thumb),
                ..Spec::default()
            },
            true,
        );
        let mut rec = Record::default();
        apply_exif(&blob, 1000, &mut rec).unwrap();
        let off = rec.preview_offset.unwrap();
        let len = rec.preview_length.unwrap();
        assert_eq!(len, thumb.len() as u64);
        let in_blob = (off - 1000) as usize;
        assert_eq!(&blob[in_blob..in_blob + len as usize], &thumb);
    }

    #[test]
    fn garbage_is_an_error_and_keeps_the_record() {
        let mut rec = Record {
            make: Some("kept".into()),
            ..Record::default()
        };
        let err = apply_exif(b"this is not a TIFF header at all", 0, &mut rec).unwrap_err();
        assert!(err.contains("EXIF"), "{err}");
        assert_eq!(rec.make.as_deref(), Some("kept"));
        assert!(apply_exif(b"", 0, &mut rec).is_err());
        // A valid header whose IFD offset points past the end.
        assert!(apply_exif(b"II*\0\xff\xff\x00\x00", 0, &mut rec).is_err());
    }

    /// The type field of IFD0's entry for `tag` in a little-endian blob.
    fn entry_type_at(blob: &[u8], tag: u16) -> usize {
        let ifd0 = u32::from_le_bytes(blob[4..8].try_into().unwrap()) as usize;
        let n = usize::from(u16::from_le_bytes([blob[ifd0], blob[ifd0 + 1]]));
        (0..n)
            .map(|i| ifd0 + 2 + 12 * i)
            .find(|&e| u16::from_le_bytes([blob[e], blob[e + 1]]) == tag)
            .unwrap()
            + 2
    }

    /// Issue 14 (a FLIR thermal TIFF): the EXIF and GPS pointers typed `IFD` (13), not `LONG`.
    /// Before: "EXIF partly unreadable: Invalid pointer", no camera settings, date or position.
    #[test]
    fn pointers_typed_ifd_are_followed() {
        let spec = Spec {
            original: Some("2019:10:02 15:12:43"),
            gps: Some(("N", "W", 0)),
            ..Spec::default()
        };
        let mut blob = tiff_blob(&spec, true);
        for tag in [0x8769, 0x8825] {
            let at = entry_type_at(&blob, tag);
            blob[at..at + 2].copy_from_slice(&13u16.to_le_bytes());
        }
        let mut rec = Record::default();
        apply_exif(&blob, 0, &mut rec).unwrap();
        assert_eq!(rec.warnings, None);
        assert_eq!(rec.f_number, Some(2.8));
        assert!(rec.gps_lat.is_some() && rec.gps_lon.is_some());
        assert_eq!(rec.captured.unwrap().local, "2019-10-02T15:12:43");
    }

    /// Issue 14 (piexif's TIFF): the camera settings in IFD0 instead of the EXIF IFD.
    #[test]
    fn camera_settings_in_ifd0_are_read() {
        let fields = [
            Field {
                tag: Tag::Make,
                ifd_num: In::PRIMARY,
                value: Value::Ascii(vec![b"CASIO".to_vec()]),
            },
            Field {
                tag: Tag(exif::Context::Tiff, 0x829d),
                ifd_num: In::PRIMARY,
                value: Value::Rational(vec![(62, 10).into()]),
            },
            Field {
                tag: Tag(exif::Context::Tiff, 0x920a),
                ifd_num: In::PRIMARY,
                value: Value::Rational(vec![(1420, 100).into()]),
            },
        ];
        let mut w = Writer::new();
        for f in &fields {
            w.push_field(f);
        }
        let mut out = std::io::Cursor::new(Vec::new());
        w.write(&mut out, true).unwrap();
        let mut rec = Record::default();
        apply_exif(&out.into_inner(), 0, &mut rec).unwrap();
        assert_eq!((rec.f_number, rec.focal_length), (Some(6.2), Some(14.2)));
    }

    /// Issue 14 (Pillow's `exif-72dpi-int.jpg`, written by gThumb): the orientation as a
    /// SLONG. Before: no orientation.
    #[test]
    fn an_orientation_of_another_integer_type_is_read() {
        for value in [
            Value::SLong(vec![6]),
            Value::Long(vec![6]),
            Value::SShort(vec![6]),
        ] {
            let mut w = Writer::new();
            let field = Field {
                tag: Tag::Orientation,
                ifd_num: In::PRIMARY,
                value,
            };
            w.push_field(&field);
            let mut out = std::io::Cursor::new(Vec::new());
            w.write(&mut out, true).unwrap();
            let mut rec = Record::default();
            apply_exif(&out.into_inner(), 0, &mut rec).unwrap();
            assert_eq!(rec.orientation, Some(6), "{:?}", field.value);
        }
    }

    #[test]
    fn a_partly_readable_blob_keeps_its_fields_and_says_what_is_missing() {
        let mut blob = tiff_blob(
            &Spec {
                original: Some("2023:07:14 18:03:22"),
                ..Spec::default()
            },
            true,
        );
        // Point IFD0's next-IFD link (IFD1) past the end of the blob.
        let ifd0 = u32::from_le_bytes(blob[4..8].try_into().unwrap()) as usize;
        let n = usize::from(u16::from_le_bytes([blob[ifd0], blob[ifd0 + 1]]));
        let link = ifd0 + 2 + 12 * n;
        blob[link..link + 4].copy_from_slice(&0x00ff_fff0u32.to_le_bytes());
        let mut rec = Record::default();
        apply_exif(&blob, 0, &mut rec).unwrap();
        assert_eq!(rec.model.as_deref(), Some("Canon EOS R5"));
        assert!(rec.warnings.unwrap().contains("EXIF partly unreadable"));
    }
}
