//! What a container parser finds, before it is merged into a [`Record`](crate::probe::record::Record):
//! one plain struct shared by every format, so each parser stays a pure function over bytes.

use crate::probe::capture_time::DateTime;
use crate::probe::preview;
use crate::probe::record::{preview_kind, Preview};

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
    /// Whether the container mirrors the image on display (HEIF `imir`, a `QuickTime` matrix).
    pub mirror: bool,
    /// Whether `rotation`/`mirror` came from the container itself (HEIF `irot`/`imir`, a track
    /// matrix) and so replace EXIF orientation for the display size.
    pub container_transform: bool,
    pub exif: Option<ExifBlob>,
    /// An embedded JPEG preview.
    pub preview: Option<Range>,
    /// Every embedded preview with its pixel size (raw JPEGs, HEIF thumbnail items).
    pub previews: Vec<Preview>,
    /// A capture time the container itself records, and its source constant.
    pub captured: Option<(DateTime, &'static str)>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub duration: Option<f64>,
    pub codec: Option<String>,
    pub frame_rate: Option<f64>,
    pub gps: Option<(f64, f64, Option<f64>)>,
    pub content_id: Option<String>,
    /// Something was wrong but the rest could be read.
    pub warning: Option<String>,
    /// Capture times found besides `captured` (XMP, maker notes...), each with its source;
    /// the strongest of everything wins (see `capture_time::rank`).
    pub more_times: Vec<(DateTime, &'static str)>,
    /// Metadata the container carries that could not be read (the record's `warnings`).
    pub warnings: Vec<String>,
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

/// Parses an EXIF blob into a record (the EXIF module's `apply_exif`).
pub type ApplyExif = fn(&[u8], u64, &mut crate::probe::record::Record) -> Result<(), String>;

/// The EXIF orientation (1..=8) equivalent to a clockwise rotation plus optional mirror.
pub fn orientation_of(rotation: u16, mirror: bool) -> u16 {
    match (rotation % 360, mirror) {
        (90, false) => 6,
        (180, false) => 3,
        (270, false) => 8,
        (0, true) => 2,
        (90, true) => 7,
        (180, true) => 4,
        (270, true) => 5,
        _ => 1,
    }
}

impl ContainerMeta {
    /// Merge into `rec`. EXIF fields come first (through `apply_exif`); what the container says
    /// fills the gaps. Capture time: EXIF `DateTimeOriginal`/`CreateDate` win; a container time
    /// (`QuickTime`, PNG "Creation Time") beats EXIF `ModifyDate`. Returns the problems that make
    /// the record an error; an unreadable EXIF blob is only a warning in it.
    pub fn fill(
        self,
        rec: &mut crate::probe::record::Record,
        apply_exif: ApplyExif,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        match (self.width, self.height) {
            (Some(w), Some(h)) if w > 0 && h > 0 => {
                rec.width = self.width;
                rec.height = self.height;
            }
            // A side of 0 is no size (and would divide by zero in a layout): left unknown.
            (Some(w), h) => problems.push(format!(
                "the file gives a size of {w}x{} pixels: not a size",
                h.unwrap_or(0)
            )),
            (None, _) => {}
        }
        if let Some(blob) = &self.exif {
            if let Err(e) = apply_exif(&blob.data, blob.file_offset.unwrap_or(0), rec) {
                // Metadata that cannot be read in a sound file: a warning (as JPEG's).
                crate::probe::add_warning(rec, e);
            }
            if blob.file_offset.is_none() {
                // Offsets inside an assembled blob are not file offsets.
                rec.preview_offset = None;
                rec.preview_length = None;
                rec.previews.retain(|p| p.kind != preview_kind::EXIF);
            }
        }
        for p in &self.previews {
            preview::add(&mut rec.previews, *p);
        }
        if let Some(p) = self.preview {
            rec.preview_offset = Some(p.offset);
            rec.preview_length = Some(p.length);
        }
        if self.container_transform {
            if let Some((w, h)) = self.display_size().filter(|&(w, h)| w > 0 && h > 0) {
                rec.display_width = Some(w);
                rec.display_height = Some(h);
            }
            if rec.kind == "video" {
                rec.orientation = Some(orientation_of(self.rotation, self.mirror));
            }
        }
        for (time, source) in self.captured.into_iter().chain(self.more_times) {
            crate::probe::capture_time::offer(&mut rec.captured, time.capture_time(source));
        }
        for note in self.warnings {
            crate::probe::add_warning(rec, note);
        }
        if rec.make.is_none() {
            rec.make = self.make;
        }
        if rec.model.is_none() {
            rec.model = self.model;
        }
        if let (None, Some((lat, lon, alt))) = (rec.gps_lat, self.gps) {
            rec.gps_lat = Some(lat);
            rec.gps_lon = Some(lon);
            rec.gps_alt = alt;
        }
        if self.content_id.is_some() {
            rec.content_id = self.content_id;
        }
        rec.duration = self.duration.or(rec.duration);
        rec.codec = self.codec.or(rec.codec.take());
        rec.frame_rate = self.frame_rate.or(rec.frame_rate);
        problems.extend(self.warning);
        problems
    }
}
