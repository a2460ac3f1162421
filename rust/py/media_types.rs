//! `media_types()`: the one extension table, for Python (see `_core.pyi`).

use pyo3::prelude::*;

use crate::scan::media_types::MEDIA_TYPES;

/// The extension table as `[(extension, kind, mime)]`, extensions lower-case without the dot.
#[pyfunction(name = "media_types")]
pub fn py_media_types() -> Vec<(&'static str, &'static str, &'static str)> {
    MEDIA_TYPES
        .iter()
        .map(|(ext, kind, mime)| (*ext, kind.as_str(), *mime))
        .collect()
}
