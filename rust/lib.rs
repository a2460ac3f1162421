//! albumen's Rust core. The core modules ([`scan`], [`probe`], [`layout`], [`cache`],
//! [`error`]) know nothing of Python and return plain data; `py/` holds the bindings, one file
//! per concern. This file only declares the modules and registers `albumen._core`.

pub mod cache;
pub mod error;
pub mod layout;
pub mod probe;
mod py;
pub mod scan;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // scanning
    m.add_function(wrap_pyfunction!(py::media_types::py_media_types, m)?)?;
    m.add_function(wrap_pyfunction!(py::walk::py_walk, m)?)?;
    m.add_function(wrap_pyfunction!(py::probe::py_probe, m)?)?;
    m.add_function(wrap_pyfunction!(py::probe::py_probe_file, m)?)?;
    m.add_class::<py::probe::ProbeStream>()?;
    // grid layouts
    m.add_class::<py::grid::PyVirtualAssetGrid>()?;
    m.add_class::<py::justified::PyJustifiedLayout>()?;
    // thumbnail caches
    m.add_class::<py::memory_cache::PyMemoryThumbnailCache>()?;
    m.add_class::<py::disk_cache::PyDiskThumbnailCache>()?;
    Ok(())
}
