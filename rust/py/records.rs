//! Probe records as Python dicts keyed like the `assets` table.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::probe::preview;
use crate::probe::record::Record;
use crate::py::paths::path_to_str;

/// Turn a record into a dict keyed like the `assets` table. `path` is a `str` relative to the
/// root, decoded like `os.fsdecode` (so `os.fsencode(path)` gives the raw name back).
pub fn record_to_dict<'py>(py: Python<'py>, r: &Record) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(intern!(py, "path"), path_to_str(py, &r.path)?)?;
    d.set_item(intern!(py, "id"), &r.id)?;
    d.set_item(intern!(py, "kind"), r.kind)?;
    d.set_item(intern!(py, "mime"), r.mime)?;
    d.set_item(intern!(py, "size"), r.size)?;
    d.set_item(intern!(py, "mtime_ns"), r.mtime_ns)?;
    d.set_item(intern!(py, "width"), r.width)?;
    d.set_item(intern!(py, "height"), r.height)?;
    d.set_item(intern!(py, "display_width"), r.display_width)?;
    d.set_item(intern!(py, "display_height"), r.display_height)?;
    d.set_item(intern!(py, "orientation"), r.orientation)?;
    let (local, offset, source) = match &r.captured {
        Some(c) => (Some(c.local.as_str()), c.offset_minutes, Some(c.source)),
        None => (None, None, None),
    };
    d.set_item(intern!(py, "captured_at"), local)?;
    d.set_item(intern!(py, "captured_offset"), offset)?;
    d.set_item(intern!(py, "captured_at_source"), source)?;
    d.set_item(intern!(py, "make"), &r.make)?;
    d.set_item(intern!(py, "model"), &r.model)?;
    d.set_item(intern!(py, "lens"), &r.lens)?;
    d.set_item(intern!(py, "iso"), r.iso)?;
    d.set_item(intern!(py, "f_number"), r.f_number)?;
    d.set_item(intern!(py, "exposure_time"), r.exposure_time)?;
    d.set_item(intern!(py, "focal_length"), r.focal_length)?;
    d.set_item(intern!(py, "gps_lat"), r.gps_lat)?;
    d.set_item(intern!(py, "gps_lon"), r.gps_lon)?;
    d.set_item(intern!(py, "gps_alt"), r.gps_alt)?;
    d.set_item(intern!(py, "duration"), r.duration)?;
    d.set_item(intern!(py, "codec"), &r.codec)?;
    d.set_item(intern!(py, "frame_rate"), r.frame_rate)?;
    d.set_item(intern!(py, "content_id"), &r.content_id)?;
    d.set_item(intern!(py, "preview_offset"), r.preview_offset)?;
    d.set_item(intern!(py, "preview_length"), r.preview_length)?;
    d.set_item(intern!(py, "previews"), preview::to_text(&r.previews))?;
    d.set_item(intern!(py, "error"), &r.error)?;
    d.set_item(intern!(py, "warnings"), &r.warnings)?;
    Ok(d)
}
