//! `DiskThumbnailCache`: the L2 cache of [`crate::cache::disk`] for Python.
//!
//! Every method that touches the index lock or the file system runs with the GIL released
//! (`py.detach`), so a thread waiting for the cache never holds up other Python threads, and
//! the core never does file I/O under its index lock (see its module docs), so a slow write
//! never holds up readers of other keys.

use std::path::PathBuf;
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use super::cache_stats::counters_dict;
use crate::cache::disk::{DiskCache, DEFAULT_MIN_FREE};
use crate::error::Error;
use crate::py::paths::fs_path;

/// L2: md5-bucketed files with a checksummed trailer, atomic writes, LRU eviction by bytes.
#[pyclass(name = "DiskThumbnailCache", module = "albumen._core", frozen)]
pub struct PyDiskThumbnailCache {
    inner: DiskCache,
}

#[pymethods]
impl PyDiskThumbnailCache {
    #[new]
    #[pyo3(signature = (
        cache_dir, max_bytes = 2 * 1024 * 1024 * 1024, *, fsync = false,
        min_free_bytes = DEFAULT_MIN_FREE
    ))]
    fn new(
        py: Python<'_>,
        #[pyo3(from_py_with = fs_path)] cache_dir: PathBuf,
        max_bytes: u64,
        fsync: bool,
        min_free_bytes: u64,
    ) -> PyResult<Self> {
        let inner = py.detach(move || DiskCache::open(&cache_dir, max_bytes, fsync))?;
        Ok(Self {
            inner: inner.with_min_free(min_free_bytes),
        })
    }

    fn get<'py>(&self, py: Python<'py>, key: &str) -> Option<Bound<'py, PyBytes>> {
        let data = py.detach(|| self.inner.get(key))?;
        Some(PyBytes::new(py, &data))
    }

    fn put(&self, py: Python<'_>, key: &str, data: &[u8]) -> PyResult<()> {
        Ok(py.detach(|| self.inner.put(key, data))?)
    }

    fn invalidate(&self, py: Python<'_>, key: &str) -> PyResult<()> {
        Ok(py.detach(|| self.inner.invalidate(key))?)
    }

    fn clear(&self, py: Python<'_>) -> PyResult<()> {
        Ok(py.detach(|| self.inner.clear())?)
    }

    fn __contains__(&self, py: Python<'_>, key: &str) -> bool {
        py.detach(|| self.inner.contains(key))
    }

    fn __len__(&self, py: Python<'_>) -> usize {
        py.detach(|| self.inner.len())
    }

    fn path_for(&self, key: &str) -> PathBuf {
        self.inner.path_for(key)
    }

    #[getter]
    fn cache_dir(&self) -> PathBuf {
        self.inner.root().to_path_buf()
    }

    #[getter]
    fn size(&self, py: Python<'_>) -> usize {
        py.detach(|| self.inner.len())
    }

    #[getter]
    fn disk_usage_bytes(&self, py: Python<'_>) -> u64 {
        py.detach(|| self.inner.stats().bytes)
    }

    #[getter]
    fn max_bytes(&self) -> u64 {
        self.inner.max_bytes()
    }

    #[getter]
    fn min_free_bytes(&self) -> u64 {
        self.inner.min_free()
    }

    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = py.detach(|| self.inner.stats());
        let d = counters_dict(py, s.hits, s.misses, s.evictions, s.puts)?;
        d.set_item("corrupt", s.corrupt)?;
        d.set_item("refused_low_space", s.refused_low_space)?;
        d.set_item("entries", s.entries)?;
        d.set_item("bytes", s.bytes)?;
        d.set_item("max_bytes", s.max_bytes)?;
        Ok(d)
    }

    fn reset_stats(&self, py: Python<'_>) {
        py.detach(|| self.inner.reset_stats());
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let s = py.detach(|| self.inner.stats());
        format!(
            "DiskThumbnailCache('{}', size={}, bytes={}, max_bytes={})",
            self.inner.root().display(),
            s.entries,
            s.bytes,
            s.max_bytes
        )
    }

    // --- test hooks (private; see `_core.pyi`) ---------------------------------------------

    /// Hold every `put` of `key` right before it renames its file into place.
    fn _pause_writes(&self, py: Python<'_>, key: &str) {
        py.detach(|| self.inner.pause_writes(key));
    }

    /// Let held `put`s go on.
    fn _resume_writes(&self, py: Python<'_>) {
        py.detach(|| self.inner.resume_writes());
    }

    /// Wait (GIL released) until `count` `put`s are held; False if `timeout` seconds passed.
    #[pyo3(signature = (count = 1, timeout = None))]
    fn _wait_for_paused_writes(
        &self,
        py: Python<'_>,
        count: usize,
        timeout: Option<f64>,
    ) -> PyResult<bool> {
        let timeout = match timeout {
            None => Duration::MAX,
            Some(t) => Duration::try_from_secs_f64(t)
                .map_err(|_| Error::invalid("timeout must be a non-negative number of seconds"))?,
        };
        Ok(py.detach(|| self.inner.wait_for_paused_writes(count, timeout)))
    }
}
