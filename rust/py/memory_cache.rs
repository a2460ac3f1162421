//! `MemoryThumbnailCache`: the L1 LRU of [`crate::cache::memory`] holding Python `bytes`.
//!
//! `frozen` with one inner lock (the blake3-py pattern). The lock is held only for an
//! in-memory map operation and only by a thread that holds the GIL (no method releases the
//! GIL while holding it, and nothing inside needs the GIL of another thread), so under the
//! GIL-ful abi3 build a thread never waits for it while holding the GIL. Values evicted or
//! replaced are released after the lock is dropped.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use super::cache_stats::counters_dict;
use crate::cache::memory::BoundedLru;

/// L1: an LRU of `bytes` bounded by entries and by bytes. The values are the caller's own
/// `bytes` objects (no copy in or out); one inner lock makes it safe to share across threads.
#[pyclass(name = "MemoryThumbnailCache", module = "albumen._core", frozen)]
pub struct PyMemoryThumbnailCache {
    inner: parking_lot::Mutex<BoundedLru<Py<PyBytes>>>,
}

#[pymethods]
impl PyMemoryThumbnailCache {
    #[new]
    #[pyo3(signature = (max_size = 500, max_bytes = 200 * 1024 * 1024))]
    fn new(max_size: usize, max_bytes: usize) -> Self {
        Self {
            inner: parking_lot::Mutex::new(BoundedLru::new(max_size, max_bytes)),
        }
    }

    fn get(&self, py: Python<'_>, key: &str) -> Option<Py<PyBytes>> {
        self.inner.lock().get(key).map(|v| v.clone_ref(py))
    }

    fn put(&self, key: String, data: Bound<'_, PyBytes>) {
        let weight = data.as_bytes().len();
        let gone = self.inner.lock().put(key, data.unbind(), weight);
        drop(gone); // decref outside the lock
    }

    fn invalidate(&self, key: &str) {
        let gone = self.inner.lock().remove(key);
        drop(gone);
    }

    fn clear(&self) {
        let gone = self.inner.lock().clear();
        drop(gone);
    }

    fn __contains__(&self, key: &str) -> bool {
        self.inner.lock().contains(key)
    }

    fn __len__(&self) -> usize {
        self.inner.lock().len()
    }

    fn keys(&self) -> Vec<String> {
        self.inner.lock().keys()
    }

    #[getter]
    fn size(&self) -> usize {
        self.inner.lock().len()
    }

    #[getter]
    fn memory_usage_bytes(&self) -> usize {
        self.inner.lock().bytes()
    }

    #[getter]
    fn max_size(&self) -> usize {
        self.inner.lock().stats().max_entries
    }

    #[getter]
    fn max_bytes(&self) -> usize {
        self.inner.lock().stats().max_bytes
    }

    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.inner.lock().stats();
        let d = counters_dict(py, s.hits, s.misses, s.evictions, s.puts)?;
        d.set_item("rejected", s.rejected)?;
        d.set_item("entries", s.entries)?;
        d.set_item("bytes", s.bytes)?;
        d.set_item("max_entries", s.max_entries)?;
        d.set_item("max_bytes", s.max_bytes)?;
        Ok(d)
    }

    fn reset_stats(&self) {
        self.inner.lock().reset_stats();
    }

    fn __repr__(&self) -> String {
        let s = self.inner.lock().stats();
        format!(
            "MemoryThumbnailCache(size={}, memory_usage_bytes={}, max_size={}, max_bytes={})",
            s.entries, s.bytes, s.max_entries, s.max_bytes
        )
    }
}
