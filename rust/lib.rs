//! Python bindings of albumen's Rust core (`albumen._core`). Only bindings live here: every
//! concern has its own module returning plain data.

pub mod capture_time;
pub mod exif;
pub mod identity;
pub mod media_types;
pub mod probe;
pub mod record;
pub mod scan;
pub mod walk;

use std::ffi::OsString;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pyo3::exceptions::{
    PyFileNotFoundError, PyNotADirectoryError, PyOSError, PyPermissionError, PyRuntimeError,
    PyValueError,
};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use record::Record;
use walk::WalkError;

/// How long a wait for Rust work lasts before Python gets a chance to see Ctrl-C.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// The extension table as `[(extension, kind, mime)]`, extensions lower-case without the dot.
#[pyfunction(name = "media_types")]
fn py_media_types() -> Vec<(&'static str, &'static str, &'static str)> {
    media_types::MEDIA_TYPES
        .iter()
        .map(|(ext, kind, mime)| (*ext, kind.as_str(), *mime))
        .collect()
}

/// A relative path (raw OS bytes) as a Python `str`, decoded like `os.fsdecode` (bytes that
/// are not valid in the file-system encoding become surrogate escapes).
fn path_to_str<'py>(py: Python<'py>, raw: &[u8]) -> PyResult<Bound<'py, PyString>> {
    #[cfg(unix)]
    let os = std::os::unix::ffi::OsStrExt::from_bytes(raw);
    #[cfg(not(unix))]
    let os = std::ffi::OsString::from(String::from_utf8_lossy(raw).into_owned());
    #[cfg(not(unix))]
    let os = os.as_os_str();
    let s: &std::ffi::OsStr = os;
    Ok(s.into_pyobject(py)?)
}

/// Turn a record into a dict keyed like the `assets` table. `path` is a `str` relative to the
/// root, decoded like `os.fsdecode` (so `os.fsencode(path)` gives the raw name back).
fn record_to_dict<'py>(py: Python<'py>, r: &Record) -> PyResult<Bound<'py, PyDict>> {
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
    d.set_item(intern!(py, "error"), &r.error)?;
    Ok(d)
}

fn walk_error_to_py(e: WalkError) -> PyErr {
    // (errno, strerror, filename) so Python fills `.errno` and `.filename` like `open()` does.
    match e {
        WalkError::NotFound(p) => {
            PyFileNotFoundError::new_err((2, "No such file or directory", p.into_os_string()))
        }
        WalkError::NotADirectory(p) => {
            PyNotADirectoryError::new_err((20, "Not a directory", p.into_os_string()))
        }
        WalkError::PermissionDenied(p) => {
            PyPermissionError::new_err((13, "Permission denied", p.into_os_string()))
        }
        WalkError::Io(p, err) => PyOSError::new_err((
            err.raw_os_error().unwrap_or(0),
            err.to_string(),
            p.into_os_string(),
        )),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(ToString::to_string)
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

type WalkOutput = (Vec<(OsString, u64, i64)>, Vec<(OsString, String)>);

/// `walk(root, *, skip=())`: see `_core.pyi`.
#[pyfunction(name = "walk")]
#[pyo3(signature = (root, *, skip = Vec::new()), text_signature = "(root, *, skip=())")]
fn py_walk(py: Python<'_>, root: PathBuf, skip: Vec<PathBuf>) -> PyResult<WalkOutput> {
    let cancel = Arc::new(AtomicBool::new(false));
    let (tx, rx) = crossbeam_channel::bounded(1);
    let stop = Arc::clone(&cancel);
    // The walk runs on its own thread so this one can wake up for Ctrl-C while it runs.
    std::thread::Builder::new()
        .name("albumen-walk".into())
        .spawn(move || {
            let out = catch_unwind(AssertUnwindSafe(|| walk::walk(&root, &skip, 0, &stop)));
            let _ = tx.send(out);
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start the walk: {e}")))?;
    let result = loop {
        match py.detach(|| rx.recv_timeout(SIGNAL_POLL)) {
            Ok(out) => break out,
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                if let Err(e) = py.check_signals() {
                    cancel.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            }
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => {
                return Err(PyRuntimeError::new_err(
                    "the walk thread ended without a result",
                ));
            }
        }
    };
    let found = result
        .map_err(|p| PyRuntimeError::new_err(format!("walk failed: {}", panic_message(&*p))))?
        .map_err(walk_error_to_py)?;
    let files = found
        .files
        .into_iter()
        .map(|f| (f.rel.into_os_string(), f.size, f.mtime_ns))
        .collect();
    let errors = found
        .errors
        .into_iter()
        .map(|(p, m)| (p.into_os_string(), m))
        .collect();
    Ok((files, errors))
}

/// Batches of probe records, produced on the shared pool while Python consumes them.
///
/// `frozen`: every method takes `&self` and the state is thread-safe on its own (a
/// multi-consumer channel and atomics), so no lock is needed and `cancel()` works from any
/// thread while another one is blocked in `__next__`.
#[pyclass(frozen, module = "albumen._core")]
struct ProbeStream {
    job: scan::ScanJob,
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

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyList>>> {
        loop {
            match py.detach(|| self.job.next_batch(SIGNAL_POLL)) {
                scan::Next::Batch(batch) => {
                    self.processed.fetch_add(batch.len(), Ordering::Relaxed);
                    let list = PyList::empty(py);
                    for rec in &batch {
                        list.append(record_to_dict(py, rec)?)?;
                    }
                    return Ok(Some(list));
                }
                scan::Next::Pending => {
                    if let Err(e) = py.check_signals() {
                        self.job.cancel();
                        return Err(e);
                    }
                }
                scan::Next::Done => return Ok(None),
            }
        }
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
fn py_probe(
    py: Python<'_>,
    root: PathBuf,
    paths: Vec<PathBuf>,
    workers: Option<usize>,
    batch_size: usize,
) -> PyResult<ProbeStream> {
    if batch_size == 0 {
        return Err(PyValueError::new_err("batch_size must be at least 1"));
    }
    if workers == Some(0) {
        return Err(PyValueError::new_err("workers must be at least 1"));
    }
    let job = py
        .detach(|| scan::ScanJob::start(root, paths, workers, batch_size))
        .map_err(PyRuntimeError::new_err)?;
    Ok(ProbeStream {
        job,
        processed: AtomicUsize::new(0),
    })
}

/// `probe_file(root, path) -> dict`: see `_core.pyi`.
#[pyfunction(name = "probe_file")]
fn py_probe_file(py: Python<'_>, root: PathBuf, path: PathBuf) -> PyResult<Bound<'_, PyDict>> {
    let rec = py.detach(move || probe::probe_path(&root, &path));
    record_to_dict(py, &rec)
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(py_media_types, m)?)?;
    m.add_function(wrap_pyfunction!(py_walk, m)?)?;
    m.add_function(wrap_pyfunction!(py_probe, m)?)?;
    m.add_function(wrap_pyfunction!(py_probe_file, m)?)?;
    m.add_class::<ProbeStream>()?;
    Ok(())
}
