//! `media_types()`: the one extension table, for Python (see `_core.pyi`).

use pyo3::prelude::*;

use crate::scan::media_types::MEDIA_TYPES;

/// The extension table as `[(extension, kind, mime, family)]`, extensions lower-case without
/// the dot.
#[pyfunction(name = "media_types")]
pub fn py_media_types() -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
    MEDIA_TYPES
        .iter()
        .map(|t| (t.ext, t.kind.as_str(), t.mime, t.family.as_str()))
        .collect()
}
