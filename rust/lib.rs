//! Python bindings of albumen's Rust core (`albumen._core`). Only bindings live here: every
//! concern has its own module returning plain data.

pub mod capture_time;
pub mod disk_cache;
pub mod exif;
pub mod grid;
pub mod identity;
pub mod justified;
pub mod media_types;
pub mod memory_cache;
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

/// A path argument: `str`, `bytes` (the OS's own, so names that are not UTF-8 round-trip) or
/// `os.PathLike` of either.
fn fs_path(ob: &Bound<'_, PyAny>) -> PyResult<PathBuf> {
    #[cfg(unix)]
    use std::os::unix::ffi::OsStrExt;
    let ob = if ob.is_instance_of::<PyString>() || ob.is_instance_of::<PyBytes>() {
        ob.clone()
    } else {
        ob.py().import("os")?.call_method1("fspath", (ob,))?
    };
    match ob.cast::<PyBytes>() {
        #[cfg(unix)]
        Ok(raw) => Ok(PathBuf::from(std::ffi::OsStr::from_bytes(raw.as_bytes()))),
        #[cfg(not(unix))]
        Ok(raw) => Ok(PathBuf::from(
            String::from_utf8_lossy(raw.as_bytes()).into_owned(),
        )),
        Err(_) => ob.extract(),
    }
}

/// A sequence of path arguments (see `fs_path`).
fn fs_paths(ob: &Bound<'_, PyAny>) -> PyResult<Vec<PathBuf>> {
    ob.try_iter()?.map(|item| fs_path(&item?)).collect()
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
fn py_walk(
    py: Python<'_>,
    #[pyo3(from_py_with = fs_path)] root: PathBuf,
    #[pyo3(from_py_with = fs_paths)] skip: Vec<PathBuf>,
) -> PyResult<WalkOutput> {
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
    #[pyo3(from_py_with = fs_path)] root: PathBuf,
    #[pyo3(from_py_with = fs_paths)] paths: Vec<PathBuf>,
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
fn py_probe_file(
    py: Python<'_>,
    #[pyo3(from_py_with = fs_path)] root: PathBuf,
    #[pyo3(from_py_with = fs_path)] path: PathBuf,
) -> PyResult<Bound<'_, PyDict>> {
    let rec = py.detach(move || probe::probe_path(&root, &path));
    record_to_dict(py, &rec)
}

// ---------------------------------------------------------------------------------------------
// Grid layouts (issue 5): VirtualAssetGrid (uniform) and JustifiedLayout. The math lives in
// grid.rs and justified.rs; these are thin bindings. Small calls keep the GIL (they take
// well under a microsecond); building or relaying out a justified layout releases it.
// ---------------------------------------------------------------------------------------------

use pyo3::exceptions::PyIndexError;
use pyo3::types::{PyBytes, PyMemoryView};

type Rect = (f64, f64, f64, f64);

fn check_finite(name: &str, value: f64) -> PyResult<f64> {
    if value.is_nan() {
        Err(PyValueError::new_err(format!(
            "{name} must be a number, not NaN"
        )))
    } else {
        Ok(value)
    }
}

fn section_list(starts: Vec<i64>) -> PyResult<Vec<usize>> {
    starts
        .into_iter()
        .map(|s| {
            usize::try_from(s)
                .map_err(|_| PyValueError::new_err("section starts must be non-negative"))
        })
        .collect()
}

fn int_rect(r: Rect) -> (i64, i64, i64, i64) {
    (r.0 as i64, r.1 as i64, r.2 as i64, r.3 as i64)
}

/// Uniform grid layout math: see `albumen/_core.pyi`.
#[pyclass(name = "VirtualAssetGrid", module = "albumen._core")]
pub struct PyVirtualAssetGrid {
    grid: grid::UniformGrid,
}

#[pymethods]
impl PyVirtualAssetGrid {
    #[new]
    #[pyo3(signature = (item_width=200, item_height=200, spacing=4))]
    fn new(item_width: i64, item_height: i64, spacing: i64) -> PyResult<Self> {
        let size = |name: &str, v: i64, min: i64| {
            u32::try_from(v)
                .ok()
                .filter(|&v| i64::from(v) >= min)
                .ok_or_else(|| PyValueError::new_err(format!("{name} must be >= {min}, got {v}")))
        };
        Ok(Self {
            grid: grid::UniformGrid::new(
                size("item_width", item_width, 1)?,
                size("item_height", item_height, 1)?,
                size("spacing", spacing, 0)?,
            ),
        })
    }

    #[getter]
    fn item_width(&self) -> i64 {
        self.grid.item_width() as i64
    }
    #[getter]
    fn item_height(&self) -> i64 {
        self.grid.item_height() as i64
    }
    #[getter]
    fn spacing(&self) -> i64 {
        self.grid.spacing() as i64
    }
    #[getter]
    fn total_count(&self) -> usize {
        self.grid.total_count()
    }
    #[getter]
    fn header_height(&self) -> i64 {
        self.grid.header_height() as i64
    }
    #[getter]
    fn section_starts(&self) -> Vec<usize> {
        self.grid.section_starts().to_vec()
    }
    #[getter]
    fn section_count(&self) -> usize {
        self.grid.section_starts().len()
    }

    fn set_total_count(&mut self, count: i64) {
        self.grid
            .set_total_count(usize::try_from(count).unwrap_or(0));
    }

    #[pyo3(signature = (starts, header_height=32))]
    fn set_sections(&mut self, starts: Vec<i64>, header_height: i64) -> PyResult<()> {
        if header_height < 0 {
            return Err(PyValueError::new_err("header_height must be >= 0"));
        }
        self.grid
            .set_sections(section_list(starts)?, header_height as f64);
        Ok(())
    }

    fn columns(&self, viewport_width: f64) -> usize {
        self.grid.columns(viewport_width)
    }

    fn calculate_visible_range(
        &mut self,
        scroll_y: f64,
        viewport_width: f64,
        viewport_height: f64,
    ) -> PyResult<(usize, usize)> {
        check_finite("scroll_y", scroll_y)?;
        check_finite("viewport_height", viewport_height)?;
        Ok(self
            .grid
            .visible_range(scroll_y, viewport_width, viewport_height))
    }

    fn content_height(&mut self, viewport_width: f64) -> i64 {
        self.grid.content_height(viewport_width) as i64
    }

    fn item_rect(&mut self, index: i64, viewport_width: f64) -> PyResult<(i64, i64, i64, i64)> {
        let index = usize::try_from(index)
            .map_err(|_| PyIndexError::new_err("item index must be non-negative"))?;
        Ok(int_rect(self.grid.item_rect(index, viewport_width)))
    }

    fn index_at(&mut self, x: f64, y: f64, viewport_width: f64) -> Option<usize> {
        self.grid.index_at(x, y, viewport_width)
    }

    fn section_of(&self, index: usize) -> usize {
        self.grid.section_of(index)
    }

    fn header_rect(
        &mut self,
        section: usize,
        viewport_width: f64,
    ) -> PyResult<(i64, i64, i64, i64)> {
        self.grid
            .header_rect(section, viewport_width)
            .map(int_rect)
            .ok_or_else(|| PyIndexError::new_err("section index out of range"))
    }

    fn visible_sections(
        &mut self,
        scroll_y: f64,
        viewport_width: f64,
        viewport_height: f64,
    ) -> PyResult<(usize, usize)> {
        check_finite("scroll_y", scroll_y)?;
        check_finite("viewport_height", viewport_height)?;
        Ok(self
            .grid
            .visible_sections(scroll_y, viewport_width, viewport_height))
    }

    fn __repr__(&self) -> String {
        format!(
            "VirtualAssetGrid(item_width={}, item_height={}, spacing={}, total_count={})",
            self.grid.item_width(),
            self.grid.item_height(),
            self.grid.spacing(),
            self.grid.total_count()
        )
    }
}

/// Copy aspect ratios out of an object supporting the buffer protocol with f64 or f32 items
/// (`array.array('d' | 'f')`, a numpy array) or out of any sequence of numbers, normalising each
/// (see `justified::normalize_ratio`). The abi3-py310 limited API has no direct buffer access,
/// so buffers are read through `memoryview(obj).tobytes()`: one copy, about 1 ms per million.
fn extract_ratios(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Vec<f32>> {
    if let Ok(view) = PyMemoryView::from(obj) {
        let format: String = view.getattr("format")?.extract()?;
        let native = format.trim_start_matches(['@', '=']);
        let native = if cfg!(target_endian = "little") {
            native.trim_start_matches('<')
        } else {
            native
        };
        if native == "d" || native == "f" {
            let data = view.call_method0("tobytes")?.cast_into::<PyBytes>()?;
            let bytes = data.as_bytes();
            return Ok(py.detach(|| {
                if native == "d" {
                    bytes
                        .chunks_exact(8)
                        .map(|c| {
                            let mut a = [0u8; 8];
                            a.copy_from_slice(c);
                            justified::normalize_ratio(f64::from_ne_bytes(a))
                        })
                        .collect()
                } else {
                    bytes
                        .chunks_exact(4)
                        .map(|c| {
                            let mut a = [0u8; 4];
                            a.copy_from_slice(c);
                            justified::normalize_ratio(f64::from(f32::from_ne_bytes(a)))
                        })
                        .collect()
                }
            }));
        }
    }
    let v: Vec<f64> = obj.extract()?;
    Ok(v.into_iter().map(justified::normalize_ratio).collect())
}

fn check_params(p: &justified::Params) -> PyResult<()> {
    if !(p.width.is_finite() && p.width > 0.0) {
        return Err(PyValueError::new_err("viewport_width must be positive"));
    }
    if !(p.target_height.is_finite() && p.target_height > 0.0) {
        return Err(PyValueError::new_err("target_row_height must be positive"));
    }
    if !(p.spacing.is_finite() && p.spacing >= 0.0) {
        return Err(PyValueError::new_err("spacing must be >= 0"));
    }
    if !(p.header_height.is_finite() && p.header_height >= 0.0) {
        return Err(PyValueError::new_err("header_height must be >= 0"));
    }
    Ok(())
}

/// Justified layout: see `albumen/_core.pyi`.
#[pyclass(name = "JustifiedLayout", module = "albumen._core")]
pub struct PyJustifiedLayout {
    layout: justified::JustifiedLayout,
}

#[pymethods]
impl PyJustifiedLayout {
    #[new]
    #[pyo3(signature = (
        aspect_ratios, viewport_width, *, target_row_height=200.0, spacing=4.0,
        section_starts=Vec::new(), header_height=32.0
    ))]
    fn new(
        py: Python<'_>,
        aspect_ratios: &Bound<'_, PyAny>,
        viewport_width: f64,
        target_row_height: f64,
        spacing: f64,
        section_starts: Vec<i64>,
        header_height: f64,
    ) -> PyResult<Self> {
        let params = justified::Params {
            width: viewport_width,
            target_height: target_row_height,
            spacing,
            header_height,
        };
        check_params(&params)?;
        let ratios = extract_ratios(py, aspect_ratios)?;
        if u32::try_from(ratios.len()).is_err() {
            return Err(PyValueError::new_err("too many items for one layout"));
        }
        let sections = section_list(section_starts)?;
        let layout = py.detach(|| justified::JustifiedLayout::new(ratios, sections, params));
        Ok(Self { layout })
    }

    #[getter]
    fn total_count(&self) -> usize {
        self.layout.len()
    }
    #[getter]
    fn viewport_width(&self) -> f64 {
        self.layout.params().width
    }
    #[getter]
    fn target_row_height(&self) -> f64 {
        self.layout.params().target_height
    }
    #[getter]
    fn spacing(&self) -> f64 {
        self.layout.params().spacing
    }
    #[getter]
    fn header_height(&self) -> f64 {
        self.layout.params().header_height
    }
    #[getter]
    fn row_count(&self) -> usize {
        self.layout.row_count()
    }
    #[getter]
    fn section_count(&self) -> usize {
        self.layout.section_count()
    }
    #[getter]
    fn section_starts(&self) -> Vec<usize> {
        self.layout.section_starts().to_vec()
    }

    fn set_viewport_width(&mut self, py: Python<'_>, viewport_width: f64) -> PyResult<bool> {
        check_params(&justified::Params {
            width: viewport_width,
            ..self.layout.params()
        })?;
        let layout = &mut self.layout;
        Ok(py.detach(|| layout.set_width(viewport_width)))
    }

    #[pyo3(signature = (*, target_row_height=None, spacing=None, header_height=None))]
    fn set_geometry(
        &mut self,
        py: Python<'_>,
        target_row_height: Option<f64>,
        spacing: Option<f64>,
        header_height: Option<f64>,
    ) -> PyResult<()> {
        let old = self.layout.params();
        let new = justified::Params {
            target_height: target_row_height.unwrap_or(old.target_height),
            spacing: spacing.unwrap_or(old.spacing),
            header_height: header_height.unwrap_or(old.header_height),
            ..old
        };
        check_params(&new)?;
        let layout = &mut self.layout;
        py.detach(|| layout.set_geometry(new.target_height, new.spacing, new.header_height));
        Ok(())
    }

    #[pyo3(signature = (starts, header_height=32.0))]
    fn set_sections(
        &mut self,
        py: Python<'_>,
        starts: Vec<i64>,
        header_height: f64,
    ) -> PyResult<()> {
        check_params(&justified::Params {
            header_height,
            ..self.layout.params()
        })?;
        let starts = section_list(starts)?;
        let layout = &mut self.layout;
        py.detach(|| layout.set_sections(starts, header_height));
        Ok(())
    }

    fn content_height(&self) -> f64 {
        self.layout.content_height()
    }

    fn calculate_visible_range(
        &self,
        scroll_y: f64,
        viewport_height: f64,
    ) -> PyResult<(usize, usize)> {
        check_finite("scroll_y", scroll_y)?;
        check_finite("viewport_height", viewport_height)?;
        Ok(self.layout.visible_range(scroll_y, viewport_height))
    }

    fn item_rect(&self, index: i64) -> PyResult<Rect> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.layout.item_rect(i))
            .ok_or_else(|| PyIndexError::new_err("item index out of range"))
    }

    fn index_at(&self, x: f64, y: f64) -> Option<usize> {
        self.layout.index_at(x, y)
    }

    fn row_of(&self, index: usize) -> PyResult<usize> {
        if index >= self.layout.len() {
            return Err(PyIndexError::new_err("item index out of range"));
        }
        Ok(self.layout.row_of(index))
    }

    fn section_of(&self, index: usize) -> PyResult<usize> {
        if index >= self.layout.len() {
            return Err(PyIndexError::new_err("item index out of range"));
        }
        Ok(self.layout.section_of(index))
    }

    fn header_rect(&self, section: usize) -> PyResult<Rect> {
        self.layout
            .header_rect(section)
            .ok_or_else(|| PyIndexError::new_err("section index out of range"))
    }

    fn visible_sections(&self, scroll_y: f64, viewport_height: f64) -> PyResult<(usize, usize)> {
        check_finite("scroll_y", scroll_y)?;
        check_finite("viewport_height", viewport_height)?;
        Ok(self.layout.visible_sections(scroll_y, viewport_height))
    }

    fn __len__(&self) -> usize {
        self.layout.len()
    }

    fn __repr__(&self) -> String {
        let p = self.layout.params();
        format!(
            "JustifiedLayout(total_count={}, viewport_width={}, target_row_height={}, rows={})",
            self.layout.len(),
            p.width,
            p.target_height,
            self.layout.row_count()
        )
    }
}

// ============================================================================================
// Thumbnail caches (issue 4): L1 `MemoryThumbnailCache`, L2 `DiskThumbnailCache`.
// ============================================================================================

/// L1: an LRU of `bytes` bounded by entries and by bytes. The values are the caller's own
/// `bytes` objects (no copy in or out); one inner lock makes it safe to share across threads.
#[pyclass(name = "MemoryThumbnailCache", module = "albumen._core", frozen)]
struct PyMemoryThumbnailCache {
    inner: parking_lot::Mutex<memory_cache::BoundedLru<Py<PyBytes>>>,
}

#[pymethods]
impl PyMemoryThumbnailCache {
    #[new]
    #[pyo3(signature = (max_size = 500, max_bytes = 200 * 1024 * 1024))]
    fn new(max_size: usize, max_bytes: usize) -> Self {
        Self {
            inner: parking_lot::Mutex::new(memory_cache::BoundedLru::new(max_size, max_bytes)),
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

/// The start of a cache tier's `stats()` dict: the counters every tier keeps, and the hit rate.
fn counters_dict(
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

/// L2: md5-bucketed files with a checksummed trailer, atomic writes, LRU eviction by bytes.
/// All file I/O runs with the GIL released.
#[pyclass(name = "DiskThumbnailCache", module = "albumen._core", frozen)]
struct PyDiskThumbnailCache {
    inner: disk_cache::DiskCache,
}

#[pymethods]
impl PyDiskThumbnailCache {
    #[new]
    #[pyo3(signature = (cache_dir, max_bytes = 2 * 1024 * 1024 * 1024, *, fsync = false))]
    fn new(
        py: Python<'_>,
        #[pyo3(from_py_with = fs_path)] cache_dir: std::path::PathBuf,
        max_bytes: u64,
        fsync: bool,
    ) -> PyResult<Self> {
        let inner = py.detach(move || disk_cache::DiskCache::open(&cache_dir, max_bytes, fsync))?;
        Ok(Self { inner })
    }

    fn get<'py>(&self, py: Python<'py>, key: &str) -> Option<Bound<'py, PyBytes>> {
        let data = py.detach(|| self.inner.get(key))?;
        Some(PyBytes::new(py, &data))
    }

    fn put(&self, py: Python<'_>, key: &str, data: &[u8]) -> PyResult<()> {
        py.detach(|| self.inner.put(key, data))?;
        Ok(())
    }

    fn invalidate(&self, py: Python<'_>, key: &str) -> PyResult<()> {
        py.detach(|| self.inner.invalidate(key))?;
        Ok(())
    }

    fn clear(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| self.inner.clear())?;
        Ok(())
    }

    fn __contains__(&self, py: Python<'_>, key: &str) -> bool {
        py.detach(|| self.inner.contains(key))
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn path_for(&self, key: &str) -> std::path::PathBuf {
        self.inner.path_for(key)
    }

    #[getter]
    fn cache_dir(&self) -> std::path::PathBuf {
        self.inner.root().to_path_buf()
    }

    #[getter]
    fn size(&self) -> usize {
        self.inner.len()
    }

    #[getter]
    fn disk_usage_bytes(&self) -> u64 {
        self.inner.stats().bytes
    }

    #[getter]
    fn max_bytes(&self) -> u64 {
        self.inner.max_bytes()
    }

    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.inner.stats();
        let d = counters_dict(py, s.hits, s.misses, s.evictions, s.puts)?;
        d.set_item("corrupt", s.corrupt)?;
        d.set_item("entries", s.entries)?;
        d.set_item("bytes", s.bytes)?;
        d.set_item("max_bytes", s.max_bytes)?;
        Ok(d)
    }

    fn reset_stats(&self) {
        self.inner.reset_stats();
    }

    fn __repr__(&self) -> String {
        let s = self.inner.stats();
        format!(
            "DiskThumbnailCache('{}', size={}, bytes={}, max_bytes={})",
            self.inner.root().display(),
            s.entries,
            s.bytes,
            s.max_bytes
        )
    }
}

// ============================================================================================

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(py_media_types, m)?)?;
    m.add_function(wrap_pyfunction!(py_walk, m)?)?;
    m.add_function(wrap_pyfunction!(py_probe, m)?)?;
    m.add_function(wrap_pyfunction!(py_probe_file, m)?)?;
    m.add_class::<ProbeStream>()?;
    // grid layouts (issue 5)
    m.add_class::<PyVirtualAssetGrid>()?;
    m.add_class::<PyJustifiedLayout>()?;
    // thumbnail caches (issue 4)
    m.add_class::<PyMemoryThumbnailCache>()?;
    m.add_class::<PyDiskThumbnailCache>()?;
    Ok(())
}
