//! The one table of file types albumen indexes: extension → (kind, mime).

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

/// (lower-case extension, kind, mime type). Sorted by extension for binary search.
pub const MEDIA_TYPES: &[(&str, Kind, &str)] = &[
    ("3fr", Kind::Photo, "image/x-hasselblad-3fr"),
    ("arw", Kind::Photo, "image/x-sony-arw"),
    ("avi", Kind::Video, "video/x-msvideo"),
    ("avif", Kind::Photo, "image/avif"),
    ("cr2", Kind::Photo, "image/x-canon-cr2"),
    ("cr3", Kind::Photo, "image/x-canon-cr3"),
    ("dng", Kind::Photo, "image/x-adobe-dng"),
    ("erf", Kind::Photo, "image/x-epson-erf"),
    ("gif", Kind::Photo, "image/gif"),
    ("heic", Kind::Photo, "image/heic"),
    ("heif", Kind::Photo, "image/heif"),
    ("jpeg", Kind::Photo, "image/jpeg"),
    ("jpg", Kind::Photo, "image/jpeg"),
    ("m4v", Kind::Video, "video/x-m4v"),
    ("mkv", Kind::Video, "video/x-matroska"),
    ("mov", Kind::Video, "video/quicktime"),
    ("mp4", Kind::Video, "video/mp4"),
    ("mrw", Kind::Photo, "image/x-minolta-mrw"),
    ("nef", Kind::Photo, "image/x-nikon-nef"),
    ("nrw", Kind::Photo, "image/x-nikon-nrw"),
    ("orf", Kind::Photo, "image/x-olympus-orf"),
    ("pef", Kind::Photo, "image/x-pentax-pef"),
    ("png", Kind::Photo, "image/png"),
    ("qt", Kind::Video, "video/quicktime"),
    ("raf", Kind::Photo, "image/x-fuji-raf"),
    ("rw2", Kind::Photo, "image/x-panasonic-rw2"),
    ("sr2", Kind::Photo, "image/x-sony-sr2"),
    ("srw", Kind::Photo, "image/x-samsung-srw"),
    ("tif", Kind::Photo, "image/tiff"),
    ("tiff", Kind::Photo, "image/tiff"),
    ("webm", Kind::Video, "video/webm"),
    ("webp", Kind::Photo, "image/webp"),
    ("x3f", Kind::Photo, "image/x-sigma-x3f"),
];

/// Look up a file extension (any case, without the dot).
pub fn lookup(ext: &str) -> Option<(Kind, &'static str)> {
    let lower = ext.to_ascii_lowercase();
    MEDIA_TYPES
        .binary_search_by(|(e, _, _)| (*e).cmp(lower.as_str()))
        .ok()
        .map(|i| (MEDIA_TYPES[i].1, MEDIA_TYPES[i].2))
}

/// Look up the extension of a path, if it has one we index.
pub fn lookup_path(path: &std::path::Path) -> Option<(Kind, &'static str)> {
    path.extension().and_then(|e| e.to_str()).and_then(lookup)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for pair in MEDIA_TYPES.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
        }
    }

    #[test]
    fn lookup_is_case_insensitive() {
        assert_eq!(lookup("JPG"), Some((Kind::Photo, "image/jpeg")));
        assert_eq!(lookup("Mov"), Some((Kind::Video, "video/quicktime")));
        assert_eq!(lookup("txt"), None);
        assert_eq!(lookup(""), None);
    }
}
