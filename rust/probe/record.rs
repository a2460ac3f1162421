//! The plain-data record the probe fills for every file. Knows nothing of Python or `SQLite`;
//! `py/records.rs` turns it into a dict whose keys are the `assets` columns.

/// Where a record's capture time came from.
pub mod time_source {
    pub const EXIF_ORIGINAL: &str = "exif:DateTimeOriginal";
    pub const EXIF_DIGITIZED: &str = "exif:CreateDate";
    pub const EXIF_MODIFIED: &str = "exif:ModifyDate";
    pub const PNG_TEXT: &str = "png:CreationTime";
    pub const QUICKTIME: &str = "quicktime:CreationDate";
    pub const QUICKTIME_APPLE: &str = "quicktime:com.apple.quicktime.creationdate";
    /// XMP `exif:DateTimeOriginal`, `photoshop:DateCreated`, `xmp:CreateDate`.
    pub const XMP_ORIGINAL: &str = "xmp:DateTimeOriginal";
    pub const XMP_DATE_CREATED: &str = "xmp:DateCreated";
    pub const XMP_CREATE: &str = "xmp:CreateDate";
    /// A date `ExifTool` reads from a maker note (Reconyx trail cameras).
    pub const MAKER_NOTE: &str = "makernotes:DateTimeOriginal";
    /// The JPEG APP12 "Picture Info" `TimeDate` of older compact cameras.
    pub const PICTURE_INFO: &str = "pictureinfo:DateTimeOriginal";
    /// AVI: the `IDIT` / `DTIM` chunk, a Nikon `nctg` date, or the EXIF-in-RIFF `etim`.
    pub const RIFF_ORIGINAL: &str = "riff:DateTimeOriginal";
    /// AVI: the `INFO` list's `ICRD`.
    pub const RIFF_CREATED: &str = "riff:DateCreated";
    /// Matroska / `WebM`: the segment's `DateUTC`, or a `DATE_RECORDED` tag.
    pub const MATROSKA: &str = "matroska:DateTimeOriginal";
    /// PNG `tIME` (last modification, UTC): the weakest source before the mtime.
    pub const PNG_MODIFIED: &str = "png:ModifyDate";
    pub const FILE_MTIME: &str = "file:mtime";
}

/// What carries an embedded preview ([`Preview::kind`]).
pub mod preview_kind {
    /// A JPEG Multi-Picture Format (CIPA DC-007) "large thumbnail" image after the primary.
    pub const MPF: &str = "mpf";
    /// The EXIF IFD1 thumbnail (JPEG).
    pub const EXIF: &str = "exif";
    /// A HEIF thumbnail item (`thmb` reference to the primary item; HEVC, AV1 or JPEG coded).
    pub const HEIF: &str = "heif";
    /// A JPEG embedded in a camera raw file (TIFF-based raws, CR3 `PRVW`, RAF).
    pub const RAW: &str = "raw";
}

/// An embedded preview image: its coded bytes in the file and its pixel size as stored (before
/// orientation, which it shares with the main image), as its own header says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preview {
    /// One of [`preview_kind`].
    pub kind: &'static str,
    pub offset: u64,
    pub length: u64,
    pub width: u32,
    pub height: u32,
}

/// A capture time: local wall-clock time plus its UTC offset when known.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CaptureTime {
    /// ISO 8601 local time without offset, e.g. `2023-07-14T18:03:22.120`.
    pub local: String,
    /// Minutes east of UTC, when the file says.
    pub offset_minutes: Option<i32>,
    /// One of [`time_source`].
    pub source: &'static str,
}

/// Everything albumen knows about one media file. `None` means "the file does not say".
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Record {
    /// Path relative to the scan root, as raw OS bytes (names need not be UTF-8).
    pub path: Vec<u8>,
    /// xxh3-128 identity hash, 32 lower-case hex digits. `None` when the file could not be read.
    pub id: Option<String>,
    pub kind: &'static str,
    pub mime: &'static str,
    pub size: u64,
    pub mtime_ns: i64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Size as shown, after orientation / rotation.
    pub display_width: Option<u32>,
    pub display_height: Option<u32>,
    /// EXIF orientation 1..=8.
    pub orientation: Option<u16>,
    pub captured: Option<CaptureTime>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub lens: Option<String>,
    pub iso: Option<u32>,
    pub f_number: Option<f64>,
    /// Seconds.
    pub exposure_time: Option<f64>,
    /// Millimetres.
    pub focal_length: Option<f64>,
    /// Signed decimal degrees (south and west negative).
    pub gps_lat: Option<f64>,
    pub gps_lon: Option<f64>,
    /// Metres above sea level (below is negative).
    pub gps_alt: Option<f64>,
    /// Seconds (video).
    pub duration: Option<f64>,
    pub codec: Option<String>,
    pub frame_rate: Option<f64>,
    /// Apple `ContentIdentifier` (Live Photo pairing).
    pub content_id: Option<String>,
    /// Byte range of an embedded JPEG preview, when the file carries one.
    pub preview_offset: Option<u64>,
    pub preview_length: Option<u64>,
    /// Every embedded preview found (MPF images, the EXIF thumbnail, HEIF thumbnail items, raw
    /// previews), each with a known pixel size; at most [`crate::probe::preview::MAX_PREVIEWS`].
    pub previews: Vec<Preview>,
    /// Why probing failed or was partial. A record with an error may still carry fields.
    pub error: Option<String>,
    /// Metadata the file carries that could not be read (an unreadable date, a compressed
    /// block over the limit...), while the file itself is sound: the record holds everything
    /// else. Several are joined with `; `.
    pub warnings: Option<String>,
}
