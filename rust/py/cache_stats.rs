//! The start of every cache tier's `stats()` dict: the counters each tier keeps, and the hit
//! rate.

use pyo3::prelude::*;
use pyo3::types::PyDict;

pub fn counters_dict(
    py: Python<'_>,
    hits: u64,
    misses: u64,
    evictions: u64,
    puts: u64,
) -> PyResult<Bound<'_, PyDict>> {
    let lookups = hits + misses;
    let hit_rate = if lookups == 0 {
        0.0
    } else {
        hits as f64 / lookups as f64
    };
    let d = PyDict::new(py);
    d.set_item("hits", hits)?;
    d.set_item("misses", misses)?;
    d.set_item("hit_rate", hit_rate)?;
    d.set_item("evictions", evictions)?;
    d.set_item("puts", puts)?;
    Ok(d)
}
