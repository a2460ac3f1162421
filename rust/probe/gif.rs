//! GIF: the logical screen size from the header. GIF carries no EXIF.

use super::container::ContainerMeta;
use super::source::{le_u16, Source};

pub fn parse(src: &Source) -> Result<ContainerMeta, String> {
    let h = src.read_upto(0, 10)?;
    if !(h.starts_with(b"GIF87a") || h.starts_with(b"GIF89a")) {
        return Err("not a GIF file (bad signature)".into());
    }
    let (w, hgt) = (le_u16(&h, 6), le_u16(&h, 8));
    match (w, hgt) {
        (Some(w), Some(h)) if w > 0 && h > 0 => Ok(ContainerMeta {
            width: Some(u32::from(w)),
            height: Some(u32::from(h)),
            ..ContainerMeta::default()
        }),
        _ => Err("truncated GIF header".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header() {
        let m = parse(&Source::from_bytes(b"GIF89a\x40\x01\xf0\x00\x00")).unwrap();
        assert_eq!((m.width, m.height), (Some(320), Some(240)));
        assert!(parse(&Source::from_bytes(b"GIF89a\x40")).is_err());
        assert!(parse(&Source::from_bytes(b"\x89PNG")).is_err());
        crate::probe::source::never_panics(b"GIF89a\x40\x01\xf0\x00\x00", parse);
    }
}
