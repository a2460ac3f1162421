//! `probe()` / `ProbeStream` (batches of records streamed from the shared pool) and
//! `probe_file()` (one record): see `_core.pyi`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use super::interrupt::wait_interruptibly;
use super::records::record_to_dict;
use crate::probe::probe_path;
use crate::scan::stream::{Next, ScanJob};

/// Batches of probe records, produced on the shared pool while Python consumes them.
///
/// `frozen`: every method takes `&self` and the state is thread-safe on its own (a
/// multi-consumer channel and atomics), so no lock is needed and `cancel()` works from any
/// thread while another one is blocked in `__next__`.
#[pyclass(frozen, module = "albumen._core")]
pub struct ProbeStream {
    job: ScanJob,
    processed: AtomicUsize,
}

#[pymethods]
impl ProbeStream {
    #[getter]
    fn total(&self) -> usize {
        self.job.total()
    }

    #[getter]
    fn processed(&self) -> usize {
        self.processed.load(Ordering::Relaxed)
    }

    fn cancel(&self) {
        self.job.cancel();
    }

    fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    /// The next batch; waits with the GIL released, and Ctrl-C cancels the stream.
    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyList>>> {
        let next = wait_interruptibly(
            py,
            |timeout| match self.job.next_batch(timeout) {
                Next::Pending => None,
                ready => Some(ready),
            },
            || self.job.cancel(),
        )?;
        let Next::Batch(batch) = next else {
            return Ok(None);
        };
        self.processed.fetch_add(batch.len(), Ordering::Relaxed);
        let list = PyList::empty(py);
        for rec in &batch {
            list.append(record_to_dict(py, rec)?)?;
        }
        Ok(Some(list))
    }

    fn __repr__(&self) -> String {
        format!(
            "<ProbeStream {}/{} files{}>",
            self.processed(),
            self.total(),
            if self.job.is_cancelled() {
                ", cancelled"
            } else {
                ""
            }
        )
    }
}

/// `probe(root, paths, *, workers=None, batch_size=100) -> ProbeStream`: see `_core.pyi`.
#[pyfunction(name = "probe")]
#[pyo3(signature = (root, paths, *, workers = None, batch_size = 100))]
pub fn py_probe(
    py: Python<'_>,
    root: PathBuf,
    paths: Vec<PathBuf>,
    workers: Option<usize>,
    batch_size: usize,
) -> PyResult<ProbeStream> {
    let job = py.detach(|| ScanJob::start(root, paths, workers, batch_size))?;
    Ok(ProbeStream {
        job,
        processed: AtomicUsize::new(0),
    })
}

/// `probe_file(root, path) -> dict`: see `_core.pyi`.
#[pyfunction(name = "probe_file")]
pub fn py_probe_file(py: Python<'_>, root: PathBuf, path: PathBuf) -> PyResult<Bound<'_, PyDict>> {
    let rec = py.detach(move || probe_path(&root, &path));
    record_to_dict(py, &rec)
}
