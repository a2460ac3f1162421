//! `probe()` / `ProbeStream` (batches of records streamed from the shared pool) and
//! `probe_file()` (one record): see `_core.pyi`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use super::interrupt::wait_interruptibly;
use super::records::record_to_dict;
use crate::error::Error;
use crate::probe::probe_path;
use crate::py::paths::{fs_path, fs_paths};
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
    /// Threads inside `__next__` right now, for the test hook `_wait_for_consumer`.
    consumers: Mutex<usize>,
    consumer_came: Condvar,
}

/// Counts a thread in [`ProbeStream::consumers`] while it lives.
struct Consuming<'a>(&'a ProbeStream);

impl<'a> Consuming<'a> {
    fn new(stream: &'a ProbeStream) -> Self {
        *stream.consumers.lock() += 1;
        stream.consumer_came.notify_all();
        Self(stream)
    }
}

impl Drop for Consuming<'_> {
    fn drop(&mut self) {
        *self.0.consumers.lock() -= 1;
    }
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
        let consuming = Consuming::new(self);
        let next = wait_interruptibly(
            py,
            |timeout| match self.job.next_batch(timeout) {
                Next::Pending => None,
                ready => Some(ready),
            },
            || self.job.cancel(),
        )?;
        drop(consuming);
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

    /// Test hook: wait (GIL released) until a thread is inside `__next__`; false if
    /// `timeout` seconds passed first.
    #[pyo3(signature = (timeout = None))]
    fn _wait_for_consumer(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        let deadline = match timeout {
            None => None,
            Some(t) => {
                Instant::now().checked_add(Duration::try_from_secs_f64(t).map_err(|_| {
                    Error::invalid("timeout must be a non-negative number of seconds")
                })?)
            }
        };
        Ok(py.detach(|| {
            let mut consumers = self.consumers.lock();
            while *consumers == 0 {
                match deadline {
                    Some(d) => {
                        if self.consumer_came.wait_until(&mut consumers, d).timed_out() {
                            return *consumers > 0;
                        }
                    }
                    None => self.consumer_came.wait(&mut consumers),
                }
            }
            true
        }))
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
    #[pyo3(from_py_with = fs_path)] root: PathBuf,
    #[pyo3(from_py_with = fs_paths)] paths: Vec<PathBuf>,
    workers: Option<usize>,
    batch_size: usize,
) -> PyResult<ProbeStream> {
    let job = py.detach(|| ScanJob::start(root, paths, workers, batch_size))?;
    Ok(ProbeStream {
        job,
        processed: AtomicUsize::new(0),
        consumers: Mutex::new(0),
        consumer_came: Condvar::new(),
    })
}

/// `probe_file(root, path) -> dict`: see `_core.pyi`.
#[pyfunction(name = "probe_file")]
pub fn py_probe_file(
    py: Python<'_>,
    #[pyo3(from_py_with = fs_path)] root: PathBuf,
    #[pyo3(from_py_with = fs_path)] path: PathBuf,
) -> PyResult<Bound<'_, PyDict>> {
    let rec = py.detach(move || probe_path(&root, &path));
    record_to_dict(py, &rec)
}
