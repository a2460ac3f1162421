//! What a container parser finds, before it is merged into a [`Record`](crate::record::Record):
//! one plain struct shared by every format, so each parser stays a pure function over bytes.

use super::timefmt::Stamp;

/// A byte range inside the probed file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Range {
    pub offset: u64,
    pub length: u64,
}

/// An EXIF (TIFF-structured) blob: the bytes starting at the `II`/`MM` header, and where they
/// sit in the file (`None` when the blob was assembled from pieces, as for CR3).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExifBlob {
    pub file_offset: Option<u64>,
    pub data: Vec<u8>,
}

/// Metadata a container carries outside EXIF, plus where its EXIF blob is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ContainerMeta {
    /// Pixel size of the main image / video track as stored.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Clockwise rotation in degrees (0, 90, 180, 270) the container asks for on display.
    pub rotation: u16,
    /// Whether the container mirrors the image on display (HEIF `imir`, a QuickTime matrix).
    pub mirror: bool,
    /// Whether `rotation`/`mirror` came from the container itself (HEIF `irot`/`imir`, a track
    /// matrix) and so replace EXIF orientation for the display size.
    pub container_transform: bool,
    pub exif: Option<ExifBlob>,
    /// An embedded JPEG preview.
    pub preview: Option<Range>,
    /// A capture time the container itself records, and its source constant.
    pub captured: Option<(Stamp, &'static str)>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub duration: Option<f64>,
    pub codec: Option<String>,
    pub frame_rate: Option<f64>,
    pub gps: Option<(f64, f64, Option<f64>)>,
    pub content_id: Option<String>,
    /// Something was wrong but the rest could be read.
    pub warning: Option<String>,
}

impl ContainerMeta {
    /// Display size after the container's rotation (a quarter turn swaps the sides).
    pub fn display_size(&self) -> Option<(u32, u32)> {
        let (w, h) = (self.width?, self.height?);
        Some(if self.rotation % 180 == 90 {
            (h, w)
        } else {
            (w, h)
        })
    }
}
