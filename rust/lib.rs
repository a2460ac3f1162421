//! Python bindings of albumen's Rust core (`albumen._core`). Only bindings live here: every
//! concern has its own module returning plain data.

pub mod media_types;
pub mod record;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use record::Record;

/// The extension table as `[(extension, kind, mime)]`, extensions lower-case without the dot.
#[pyfunction(name = "media_types")]
fn py_media_types() -> Vec<(&'static str, &'static str, &'static str)> {
    media_types::MEDIA_TYPES
        .iter()
        .map(|(ext, kind, mime)| (*ext, kind.as_str(), *mime))
        .collect()
}

/// Turn a record into a dict keyed like the `assets` table. `path` is `bytes` (raw OS bytes,
/// relative to the root); Python decodes it with `os.fsdecode`.
fn record_to_dict<'py>(py: Python<'py>, r: &Record) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("path", PyBytes::new(py, &r.path))?;
    d.set_item("id", &r.id)?;
    d.set_item("kind", r.kind)?;
    d.set_item("mime", r.mime)?;
    d.set_item("size", r.size)?;
    d.set_item("mtime_ns", r.mtime_ns)?;
    d.set_item("width", r.width)?;
    d.set_item("height", r.height)?;
    d.set_item("display_width", r.display_width)?;
    d.set_item("display_height", r.display_height)?;
    d.set_item("orientation", r.orientation)?;
    let (local, offset, source) = match &r.captured {
        Some(c) => (Some(c.local.as_str()), c.offset_minutes, Some(c.source)),
        None => (None, None, None),
    };
    d.set_item("captured_at", local)?;
    d.set_item("captured_offset", offset)?;
    d.set_item("captured_at_source", source)?;
    d.set_item("make", &r.make)?;
    d.set_item("model", &r.model)?;
    d.set_item("lens", &r.lens)?;
    d.set_item("iso", r.iso)?;
    d.set_item("f_number", r.f_number)?;
    d.set_item("exposure_time", r.exposure_time)?;
    d.set_item("focal_length", r.focal_length)?;
    d.set_item("gps_lat", r.gps_lat)?;
    d.set_item("gps_lon", r.gps_lon)?;
    d.set_item("gps_alt", r.gps_alt)?;
    d.set_item("duration", r.duration)?;
    d.set_item("codec", &r.codec)?;
    d.set_item("frame_rate", r.frame_rate)?;
    d.set_item("content_id", &r.content_id)?;
    d.set_item("preview_offset", r.preview_offset)?;
    d.set_item("preview_length", r.preview_length)?;
    d.set_item("error", &r.error)?;
    Ok(d)
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(py_media_types, m)?)?;
    Ok(())
}
