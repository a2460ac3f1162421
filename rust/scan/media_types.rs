//! The one table of file types albumen indexes: extension → kind, mime type and format family.
//! The walk keeps only files whose extension is here; the probe takes kind and mime from it;
//! the thumbnail generator dispatches on the family (through `_core.media_types()`).

/// Whether a file is a still image or a video.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Photo,
    Video,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Photo => "photo",
            Kind::Video => "video",
        }
    }
}

/// How a file is decoded: the format family a thumbnail generator dispatches on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Jpeg,
    /// HEIC / HEIF stills (HEVC in an ISO-BMFF container).
    Heif,
    /// AV1 stills in a HEIF container.
    Avif,
    /// Camera raw files (most carry an embedded JPEG preview the probe locates).
    Raw,
    Tiff,
    Png,
    Webp,
    Gif,
    Video,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Jpeg => "jpeg",
            Family::Heif => "heif",
            Family::Avif => "avif",
            Family::Raw => "raw",
            Family::Tiff => "tiff",
            Family::Png => "png",
            Family::Webp => "webp",
            Family::Gif => "gif",
            Family::Video => "video",
        }
    }
}

/// One row of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MediaType {
    /// Lower-case, without the dot.
    pub ext: &'static str,
    pub kind: Kind,
    pub mime: &'static str,
    pub family: Family,
}

const fn row(ext: &'static str, kind: Kind, mime: &'static str, family: Family) -> MediaType {
    MediaType {
        ext,
        kind,
        mime,
        family,
    }
}

/// Every type albumen indexes, sorted by extension for binary search.
pub const MEDIA_TYPES: &[MediaType] = &[
    row("3fr", Kind::Photo, "image/x-hasselblad-3fr", Family::Raw),
    row("arw", Kind::Photo, "image/x-sony-arw", Family::Raw),
    row("avi", Kind::Video, "video/x-msvideo", Family::Video),
    row("avif", Kind::Photo, "image/avif", Family::Avif),
    row("cr2", Kind::Photo, "image/x-canon-cr2", Family::Raw),
    row("cr3", Kind::Photo, "image/x-canon-cr3", Family::Raw),
    row("crw", Kind::Photo, "image/x-canon-crw", Family::Raw),
    row("dcr", Kind::Photo, "image/x-kodak-dcr", Family::Raw),
    row("dng", Kind::Photo, "image/x-adobe-dng", Family::Raw),
    row("erf", Kind::Photo, "image/x-epson-erf", Family::Raw),
    row("gif", Kind::Photo, "image/gif", Family::Gif),
    row("heic", Kind::Photo, "image/heic", Family::Heif),
    row("heif", Kind::Photo, "image/heif", Family::Heif),
    row("hif", Kind::Photo, "image/heif", Family::Heif),
    row("jfif", Kind::Photo, "image/jpeg", Family::Jpeg),
    row("jpe", Kind::Photo, "image/jpeg", Family::Jpeg),
    row("jpeg", Kind::Photo, "image/jpeg", Family::Jpeg),
    row("jpg", Kind::Photo, "image/jpeg", Family::Jpeg),
    row("k25", Kind::Photo, "image/x-kodak-k25", Family::Raw),
    row("kdc", Kind::Photo, "image/x-kodak-kdc", Family::Raw),
    row("m4v", Kind::Video, "video/x-m4v", Family::Video),
    row("mef", Kind::Photo, "image/x-mamiya-mef", Family::Raw),
    row("mkv", Kind::Video, "video/x-matroska", Family::Video),
    row("mos", Kind::Photo, "image/x-leaf-mos", Family::Raw),
    row("mov", Kind::Video, "video/quicktime", Family::Video),
    row("mp4", Kind::Video, "video/mp4", Family::Video),
    row("mrw", Kind::Photo, "image/x-minolta-mrw", Family::Raw),
    row("nef", Kind::Photo, "image/x-nikon-nef", Family::Raw),
    row("nrw", Kind::Photo, "image/x-nikon-nrw", Family::Raw),
    row("orf", Kind::Photo, "image/x-olympus-orf", Family::Raw),
    row("pef", Kind::Photo, "image/x-pentax-pef", Family::Raw),
    row("png", Kind::Photo, "image/png", Family::Png),
    row("qt", Kind::Video, "video/quicktime", Family::Video),
    row("raf", Kind::Photo, "image/x-fuji-raf", Family::Raw),
    row("raw", Kind::Photo, "image/x-panasonic-raw", Family::Raw),
    row("rw2", Kind::Photo, "image/x-panasonic-rw2", Family::Raw),
    row("rwl", Kind::Photo, "image/x-leica-rwl", Family::Raw),
    row("sr2", Kind::Photo, "image/x-sony-sr2", Family::Raw),
    row("srf", Kind::Photo, "image/x-sony-srf", Family::Raw),
    row("srw", Kind::Photo, "image/x-samsung-srw", Family::Raw),
    row("tif", Kind::Photo, "image/tiff", Family::Tiff),
    row("tiff", Kind::Photo, "image/tiff", Family::Tiff),
    row("webm", Kind::Video, "video/webm", Family::Video),
    row("webp", Kind::Photo, "image/webp", Family::Webp),
    row("x3f", Kind::Photo, "image/x-sigma-x3f", Family::Raw),
];

/// Look up a file extension (any case, without the dot).
pub fn lookup(ext: &str) -> Option<&'static MediaType> {
    let lower = ext.to_ascii_lowercase();
    MEDIA_TYPES
        .binary_search_by(|t| t.ext.cmp(lower.as_str()))
        .ok()
        .map(|i| &MEDIA_TYPES[i])
}

/// Look up the extension of a path, if it has one we index.
pub fn lookup_path(path: &std::path::Path) -> Option<&'static MediaType> {
    path.extension().and_then(|e| e.to_str()).and_then(lookup)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for pair in MEDIA_TYPES.windows(2) {
            assert!(
                pair[0].ext < pair[1].ext,
                "{} before {}",
                pair[0].ext,
                pair[1].ext
            );
        }
    }

    #[test]
    fn lookup_is_case_insensitive() {
        let jpg = lookup("JPG").map(|t| (t.kind, t.mime, t.family));
        assert_eq!(jpg, Some((Kind::Photo, "image/jpeg", Family::Jpeg)));
        let mov = lookup("Mov").map(|t| (t.kind, t.mime, t.family));
        assert_eq!(mov, Some((Kind::Video, "video/quicktime", Family::Video)));
        assert_eq!(lookup("txt"), None);
        assert_eq!(lookup(""), None);
    }

    #[test]
    fn families_agree_with_kinds_and_mimes() {
        for t in MEDIA_TYPES {
            assert_eq!(
                t.kind == Kind::Video,
                t.family == Family::Video,
                "{}",
                t.ext
            );
            assert_eq!(
                t.mime == "image/jpeg",
                t.family == Family::Jpeg,
                "{}",
                t.ext
            );
            if t.family == Family::Raw {
                assert!(t.mime.starts_with("image/x-"), "{}", t.ext);
            }
        }
        assert_eq!(lookup("heic").map(|t| t.family), Some(Family::Heif));
        assert_eq!(lookup("hif").map(|t| t.family), Some(Family::Heif));
        assert_eq!(lookup("dng").map(|t| t.family), Some(Family::Raw));
        assert_eq!(lookup("avif").map(|t| t.family), Some(Family::Avif));
    }
}
