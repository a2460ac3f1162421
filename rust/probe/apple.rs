//! Apple's maker note ("Apple iOS" IFD inside EXIF `MakerNote`): the `ContentIdentifier` (tag
//! 0x0011) that ties a Live Photo's still to its movie. kamadak-exif hands the maker note over
//! as bytes; its IFD is parsed here.

use super::source::Endian;

const HEADER: &[u8] = b"Apple iOS\0";
const TAG_CONTENT_IDENTIFIER: u16 = 0x0011;

/// The `ContentIdentifier` in an Apple maker note, if it is one and carries the tag.
///
/// Layout: `Apple iOS\0`, a 16-bit version, the byte order (`MM`/`II`), then an IFD at byte 14;
/// value offsets count from the start of the maker note.
pub fn content_identifier(maker_note: &[u8]) -> Option<String> {
    if !maker_note.starts_with(HEADER) {
        return None;
    }
    let endian = match maker_note.get(12..14)? {
        b"MM" => Endian::Big,
        b"II" => Endian::Little,
        _ => return None,
    };
    let count = usize::from(endian.u16(maker_note, 14)?);
    for i in 0..count.min(512) {
        let e = 16 + i * 12;
        if endian.u16(maker_note, e)? != TAG_CONTENT_IDENTIFIER {
            continue;
        }
        let typ = endian.u16(maker_note, e + 2)?;
        let n = endian.u32(maker_note, e + 4)? as usize;
        if !matches!(typ, 2 | 7) {
            return None;
        }
        let value = if n <= 4 {
            maker_note.get(e + 8..e + 8 + n)?
        } else {
            let off = endian.u32(maker_note, e + 8)? as usize;
            maker_note.get(off..off.checked_add(n)?)?
        };
        let text = String::from_utf8_lossy(value);
        let text = text.trim_end_matches('\0').trim();
        return (!text.is_empty()).then(|| text.to_string());
    }
    None
}

/// The `ContentIdentifier` of a parsed EXIF blob (its `MakerNote` in the EXIF IFD).
pub fn content_identifier_of(exif: &exif::Exif) -> Option<String> {
    let field = exif.get_field(exif::Tag::MakerNote, exif::In::PRIMARY)?;
    match &field.value {
        exif::Value::Undefined(bytes, _) | exif::Value::Byte(bytes) => content_identifier(bytes),
        _ => None,
    }
}

/// Build an Apple maker note holding `id` (tests and fixtures).
#[cfg(test)]
pub fn maker_note(id: &str) -> Vec<u8> {
    let mut v = HEADER.to_vec();
    v.extend_from_slice(&[0, 1]);
    v.extend_from_slice(b"MM");
    v.extend_from_slice(&2u16.to_be_bytes());
    let value_at = 14 + 2 + 2 * 12 + 4;
    let idb = [id.as_bytes(), b"\0"].concat();
    // 0x0001 MakerNoteVersion (SLONG 1), then 0x0011 ContentIdentifier (ASCII, out of line)
    v.extend_from_slice(&[0, 1, 0, 9, 0, 0, 0, 1, 0, 0, 0, 14]);
    v.extend_from_slice(&TAG_CONTENT_IDENTIFIER.to_be_bytes());
    v.extend_from_slice(&2u16.to_be_bytes());
    v.extend_from_slice(&(idb.len() as u32).to_be_bytes());
    v.extend_from_slice(&(value_at as u32).to_be_bytes());
    v.extend_from_slice(&[0; 4]);
    v.extend_from_slice(&idb);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_content_identifier() {
        let id = "6F5C9E1A-3B2D-4C8E-9F10-A1B2C3D4E5F6";
        let mn = maker_note(id);
        assert_eq!(content_identifier(&mn).as_deref(), Some(id));
        assert_eq!(content_identifier(b"Nikon\0\x02\x10"), None);
        crate::probe::source::never_panics(&mn, |src| content_identifier(src.head()));
        let mut bad = mn.clone();
        bad[16 + 12 + 8..16 + 12 + 12].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(content_identifier(&bad), None);
    }
}
